// Lowers a region (one or more IR blocks of one code page) to an LLVM function with the
// effects the interpreter would have running the same blocks one after another:
//
//   uint64_t fn(ir::GuestState* s, ir::Host* host, uint64_t limit)   // an interp::NativeFn
//
// Execution starts at the block whose pc is s->pc (blocks[0] if none is). A Jump or Branch to the start of another
// block of the region continues inside the function; every other edge returns to the dispatcher or, through `chain`,
// goes on in other compiled code. Guest registers are read from `s` once, at entry, and then flow as SSA values across
// the region's blocks and loops. A register the region may read again after writing it reaches `s` at exits and before
// host calls; other writes reach it at the end of their block. So `s` is current at every exit and host call. The
// memory slow paths are the exception: their helpers see only pc and icount, and the registers are written back only
// when one traps or yields, in one exit per block.
// The budget (`limit`) is checked at every entry and where loops come back, for the longest run of blocks up to the
// next check: when it falls short, the code leaves there, and the dispatcher's interpreter runs the rest of the budget,
// so exits happen at the same instruction counts. `s->exit_request` is checked before each block a host call of the
// region may have set it for, as the interpreter checks it between blocks. Pure opcodes
// become inline LLVM IR; memory takes an inline fast path through the data TLB (in the blocks on a loop, first through
// a cache of the page its base register last hit); the rest calls the C helpers named by runtime_symbols(), which the
// session binds.
#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "interp/interp.h"
#include "ir/engine.h"
#include "ir/ir.h"

namespace llvm {
class Function;
class Module;
}  // namespace llvm

namespace polyemu::jit {

// Chaining: where a region's code goes on into other compiled code of its page and mode
// without returning to the dispatcher (a tail call). The tier fills in the targets' code
// and clears it when that code goes away; the lowered code reads it at each exit.
struct Link {
  uint64_t pc = 0;                // a block outside the region, on its page
  interp::NativeFn fn = nullptr;  // the compiled code entered at pc, if any
};
// The engine's compiled entries (interp::NativeEntry), hashed by pc, for indirect jumps.
constexpr unsigned kIndirectEntries = 1024;
inline unsigned indirect_index(uint64_t pc) { return unsigned(pc >> 1) & (kIndirectEntries - 1); }
struct Chaining {
  std::deque<Link>* links = nullptr;           // one per direct jump target; null: no direct chaining
  const interp::NativeEntry* table = nullptr;  // kIndirectEntries entries; null: no indirect chaining
  uint32_t mode = 0;                           // the blocks' mode
  // Jumps to other pages go on through the dispatcher's jump cache (interp::NativeEntry) unless
  // `ready` is set (the tier has code to install, which the dispatcher does); null: they
  // return to the dispatcher.
  const interp::NativeEntry* far = nullptr;
  const std::atomic<bool>* ready = nullptr;
};

// Where the indirect jumps of blocks (by block pc) are likely to go, the likeliest first:
// a jump to one of these targets that starts a block of the region goes on inside the
// function, a jump elsewhere as without it.
using LikelyTargets = std::map<uint64_t, std::vector<uint64_t>>;

// Counting for the first tier: each block the code runs adds its instructions to *insns.
// The first budget check that finds the count at `limit` or past while
// *fired is clear sets *fired and *signal (the tier's `ready`) and returns to the
// dispatcher before the block, so that the tier looks at the region at once; the tier
// clears *fired when it counts anew. While *fired is set, a budget check that finds *signal
// set returns there too, so that the optimized copy is installed as soon as it is compiled,
// not when a loop of the quick code ends. No counting when `insns` is null.
// Quick code also records in *wide (a bit per register) the registers that optimized code
// would keep in 32 bits (narrow registers, see lower.cpp) and that it finds holding other
// than a sign-extended 32-bit value at an entry; its optimized copy is lowered with that
// record as `seen_wide` and keeps those 64 bits wide.
struct Profile {
  uint64_t* insns = nullptr;
  std::atomic<bool>* signal = nullptr;
  uint64_t limit = 0;
  uint8_t* fired = nullptr;
  uint64_t* wide = nullptr;
  uint64_t seen_wide = 0;  // optimized code
};

// Adds the function `name` computing the region to `m`. The ExitInfo of each Exit terminal
// is appended to `exits`, whose elements the code returns by address (so they must outlive
// it); so are the Links of `chain`. Returns nullptr with `error` set when a block holds
// something the lowering does not know.
// Loads of blocks whose mode has ir::kModeFlatReads read inside `ram` directly.
llvm::Function* lower_region(const std::vector<ir::Block>& blocks, llvm::Module& m, const std::string& name,
                             std::deque<ir::ExitInfo>& exits, std::string& error, const Chaining& chain = {},
                             const LikelyTargets& likely = {}, const Profile& profile = {},
                             const ir::RamWindow& ram = {});

// Whether execution may go on from the end of block `b` into another block of its region:
// not after a CSR access, which may change the mode the region was compiled for.
inline bool may_continue(const ir::Block& b) {
  for (const ir::Inst& x : b.insts)
    if (x.op == ir::Opcode::Csr) return false;
  return true;
}

// Where execution may go on from the end of block `b` inside its region: the targets of its
// Jump or Branch, or the likely targets of its indirect jump (none when it may not continue,
// or ends otherwise).
inline std::vector<uint64_t> next_blocks(const ir::Block& b, const LikelyTargets& likely = {}) {
  if (!may_continue(b)) return {};
  if (b.term.kind == ir::Terminal::Kind::Jump) return {b.term.target};
  if (b.term.kind == ir::Terminal::Kind::Branch) return {b.term.target, b.term.fallthrough};
  if (b.term.kind == ir::Terminal::Kind::JumpIndirect)
    if (auto it = likely.find(b.pc); it != likely.end()) return it->second;
  return {};
}

// The helper functions lowered code calls, by symbol name, for the session to define.
std::vector<std::pair<std::string, void*>> runtime_symbols();

}  // namespace polyemu::jit
