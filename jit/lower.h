// Lowers one IR block to an LLVM function with the same effects as the interpreter:
//
//   uint64_t fn(ir::GuestState* s, ir::Host* host)   // returns a BlockExit
//
// Pure opcodes become inline LLVM IR; memory takes an inline fast path through the data
// TLB; the rest calls the C helpers named by runtime_symbols(), which the session binds.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ir/engine.h"
#include "ir/ir.h"

namespace llvm {
class Function;
class Module;
}  // namespace llvm

namespace polyemu::jit {

// How a compiled block left. In every case s->pc is where execution continues (for Trap:
// the trapping instruction) and s->icount counts the instructions retired.
enum class BlockExit : uint64_t {
  Next = 0,      // Jump, Branch or JumpIndirect: s->pc is the next block
  Trap = 1,      // an instruction trapped: s->trap_cause/trap_tval say why
  Yield = 2,     // a store made the host request an exit: s->pc is the next instruction
  Terminal = 3,  // the block's Exit terminal: the terminal says which exit
};

using BlockFn = uint64_t (*)(ir::GuestState*, ir::Host*);

// The ExitInfo the interpreter reports for the same exit (kind None for Next).
ir::ExitInfo exit_info(BlockExit e, const ir::Terminal& term, const ir::GuestState& s);

// Adds the function `name` computing block `b` to `m`. Returns the function, or nullptr
// with `error` set when the block holds something the lowering does not know.
llvm::Function* lower_block(const ir::Block& b, llvm::Module& m, const std::string& name, std::string& error);

// The helper functions lowered code calls, by symbol name, for the session to define.
std::vector<std::pair<std::string, void*>> runtime_symbols();

}  // namespace polyemu::jit
