// The one interface between execution engines (interp, jit) and machines. Engines see
// the guest CPU as a plain struct and reach memory, CSRs and devices only through Host.
#pragma once
#include <cstdint>
#include <functional>

#include "ir/ir.h"

namespace polyemu::ir {

constexpr unsigned kNumRegs = 64;    // integer registers, then floating point
constexpr unsigned kScratch = 2048;  // engine temporaries, addressed right after regs

// One software-TLB entry: a guest virtual page mapped to host memory. A tag is the page
// address of an access kind that may take the fast path; kNoTag never matches.
struct TlbEntry {
  static constexpr uint64_t kNoTag = ~0ull;
  uint64_t read_tag = kNoTag, write_tag = kNoTag, exec_tag = kNoTag;
  uintptr_t addend = 0;  // host address = guest virtual address + addend
};
constexpr unsigned kTlbEntries = 4096;  // per TLB, direct mapped by virtual page number
constexpr unsigned kNumTlbs = 4;        // one per data-access mode; the machine picks which

// Mode bits engines understand; the rest of `mode` belongs to the guest ISA.
// kModeVirtual: guest addresses are virtual, so blocks are looked up by virtual and physical
// pc and chain only within one page (a mapping may change between pages).
constexpr uint32_t kModeVirtual = 1u << 31;
// kModeFlatReads: a data read that lies wholly inside GuestState::ram needs no translation
// and no permission check (M-mode with no PMP entry programmed, say), so an engine may read
// it straight from host memory. Other reads, and all writes, go through the TLB as usual.
constexpr uint32_t kModeFlatReads = 1u << 30;

// The guest's RAM, for kModeFlatReads: guest physical [base, base + size) is host memory
// at host. Set once by the machine; size 0 means none.
struct RamWindow {
  uint64_t base = 0, size = 0;
  uintptr_t host = 0;
};

struct GuestState {
  uint64_t regs[kNumRegs];
  uint64_t scratch[kScratch];
  uint64_t pc = 0;
  uint64_t icount = 0;                     // retired instructions; during a Host call: those before it
  uint32_t mode = 0;                       // translation mode: part of every block's cache key
  uint32_t exit_request = 0;               // set by the host to make the engine return at the next boundary
  uint64_t trap_cause = 0, trap_tval = 0;  // filled by a Host call that returns false
  uint64_t fcsr = 0;                       // floating-point rounding mode (bits 7:5) and flags (4:0)
  uint32_t data_tlb = 0;                   // which TLB loads and stores use
  RamWindow ram;                           // see kModeFlatReads
  TlbEntry tlb[kNumTlbs][kTlbEntries];     // filled and flushed by the machine
};

class Host {
 public:
  virtual ~Host() = default;
  // Each returns false after filling state.trap_cause/trap_tval.
  virtual bool fetch(GuestState& s, uint64_t addr, uint16_t& out) = 0;
  // Translates the code address `addr` (virtual when state.mode has kModeVirtual) to
  // physical, as an instruction fetch would.
  virtual bool fetch_page(GuestState& s, uint64_t addr, uint64_t& phys) = 0;
  // A load never sets state.exit_request; a store may, and the engine then returns right
  // after it. The other calls may set it too, and the engine returns before the next block.
  virtual bool load(GuestState& s, uint64_t addr, unsigned size, uint64_t& out) = 0;
  virtual bool store(GuestState& s, uint64_t addr, unsigned size, uint64_t value) = 0;
  virtual bool load_reserved(GuestState& s, uint64_t addr, unsigned size, uint64_t& out) = 0;
  virtual bool store_cond(GuestState& s, uint64_t addr, unsigned size, uint64_t value, uint64_t& out) = 0;
  virtual bool atomic(GuestState& s, uint64_t addr, unsigned size, AtomicOp op, uint64_t value, uint64_t& old) = 0;
  virtual bool csr(GuestState& s, CsrImm c, uint64_t value, uint64_t& old) = 0;
  // Called once per translated block with the physical guest bytes it covers.
  virtual void code_translated(uint64_t phys, uint64_t len) = 0;
};

struct ExitInfo {
  ExitKind kind = ExitKind::None;
  // The instruction that raised the exit (traps, system instructions); for Yield and Budget
  // the pc execution continues at. state.pc always holds where execution continues.
  uint64_t pc = 0;
  uint64_t cause = 0, tval = 0;
};

struct EngineStats {
  uint64_t blocks_translated = 0;
  uint64_t cache_flushes = 0;
  uint64_t native_insns = 0;       // instructions retired in compiled code
  uint64_t native_entries = 0;     // calls from the dispatcher into compiled code (chained jumps are not)
  uint64_t native_idle = 0;        // of those, calls that ran nothing (the block then runs interpreted)
  uint64_t regions_compiled = 0;   // JIT: regions compiled to native code
  uint64_t regions_freed = 0;      // JIT: regions dropped (invalidated, evicted, flushed)
  uint64_t regions_optimized = 0;  // JIT: regions whose quick code optimized code replaced
  uint64_t code_bytes = 0;         // JIT: native code currently held
  double compile_seconds = 0;      // JIT: time spent in LLVM
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Runs until an exit, `exit_request`, or `state.icount == icount_limit` exactly.
  virtual ExitInfo run(GuestState& s, uint64_t icount_limit) = 0;
  // Drops translations overlapping the physical range [addr, addr+len); true if any.
  virtual bool invalidate(uint64_t addr, uint64_t len) = 0;
  // True while some translation covers bytes of the physical 4 KiB page at `page`.
  virtual bool holds_code(uint64_t page) const = 0;
  // The guest's virtual-to-physical mappings changed (satp write, sfence.vma): forget
  // every lookup that depended on them.
  virtual void flush_virtual() = 0;
  virtual void flush() = 0;
  virtual const EngineStats& stats() const = 0;
  // Translates and returns the optimized IR of the block at pc (for --dump-ir and tests).
  virtual Block translate_for_dump(GuestState& s, uint64_t pc) = 0;
  // Called with each block's IR as it is translated (for --dump-ir).
  std::function<void(const Block&)> on_translate;
  // Called before each guest instruction runs (for --trace); slows execution.
  std::function<void(const GuestState&, uint64_t pc)> on_insn;
};

}  // namespace polyemu::ir
