// The one interface between execution engines (interp, jit) and machines. Engines see
// the guest CPU as a plain struct and reach memory, CSRs and devices only through Host.
#pragma once
#include <cstdint>
#include <functional>

#include "ir/ir.h"

namespace polyemu::ir {

constexpr unsigned kNumRegs = 64;    // integer registers, then floating point
constexpr unsigned kScratch = 2048;  // engine temporaries, addressed right after regs

struct GuestState {
  uint64_t regs[kNumRegs];
  uint64_t scratch[kScratch];
  uint64_t pc = 0;
  uint64_t icount = 0;                     // retired instructions; during a Host call: those before it
  uint32_t mode = 0;                       // translation mode: part of every block's cache key
  uint32_t exit_request = 0;               // set by the host to make the engine return at the next boundary
  uint64_t trap_cause = 0, trap_tval = 0;  // filled by a Host call that returns false
};

// RAM the engine may touch directly. Stores into pages with a nonzero flag take the
// slow path (those pages hold translated code or are watched by the machine).
struct FastMemory {
  uint8_t* host = nullptr;
  uint64_t base = 0, size = 0;
  const uint8_t* page_flags = nullptr;  // one byte per 4 KiB page of RAM
};

class Host {
 public:
  virtual ~Host() = default;
  // Each returns false after filling state.trap_cause/trap_tval.
  virtual bool fetch(GuestState& s, uint64_t addr, uint16_t& out) = 0;
  virtual bool load(GuestState& s, uint64_t addr, unsigned size, uint64_t& out) = 0;
  virtual bool store(GuestState& s, uint64_t addr, unsigned size, uint64_t value) = 0;
  virtual bool load_reserved(GuestState& s, uint64_t addr, unsigned size, uint64_t& out) = 0;
  virtual bool store_cond(GuestState& s, uint64_t addr, unsigned size, uint64_t value, uint64_t& out) = 0;
  virtual bool atomic(GuestState& s, uint64_t addr, unsigned size, AtomicOp op, uint64_t value, uint64_t& old) = 0;
  virtual bool csr(GuestState& s, CsrImm c, uint64_t value, uint64_t& old) = 0;
  // Called once per translated block with the guest bytes it covers.
  virtual void code_translated(uint64_t addr, uint64_t len) = 0;
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
};

class Engine {
 public:
  virtual ~Engine() = default;
  // Runs until an exit, `exit_request`, or `state.icount == icount_limit` exactly.
  virtual ExitInfo run(GuestState& s, uint64_t icount_limit) = 0;
  // Drops translations overlapping [addr, addr+len).
  virtual void invalidate(uint64_t addr, uint64_t len) = 0;
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
