// A RISC-V hart's architectural state beyond the integer registers: privilege mode,
// machine-mode CSRs, trap entry and return, interrupt selection. Implements M and U.
#pragma once
#include <cstdint>
#include <memory>

#include "ir/engine.h"
#include "machines/serialize.h"

namespace polyemu::riscv {

enum Priv : uint8_t { kUser = 0, kSupervisor = 1, kMachine = 3 };

namespace cause {
constexpr uint64_t kInsnMisaligned = 0, kInsnAccess = 1, kIllegal = 2, kBreakpoint = 3, kLoadMisaligned = 4,
                   kLoadAccess = 5, kStoreMisaligned = 6, kStoreAccess = 7, kEcallU = 8, kEcallM = 11;
constexpr uint64_t kInterrupt = 1ull << 63;
constexpr unsigned kMsi = 3, kMti = 7, kMei = 11;
}  // namespace cause

namespace mstatus {
constexpr uint64_t kMie = 1 << 3, kMpie = 1 << 7, kMppShift = 11, kMpp = 3ull << 11, kMprv = 1 << 17, kTw = 1 << 21,
                   kUxl = 3ull << 32;
}

// What the hart needs from the machine to answer counter reads.
struct CounterSource {
  uint64_t instret;  // retired instructions
  uint64_t cycle;    // virtual cycles (instructions plus time spent waiting)
  uint64_t time;     // mtime
};

class Hart {
 public:
  explicit Hart(uint64_t hartid);

  ir::GuestState& state() { return *st_; }
  const ir::GuestState& state() const { return *st_; }
  uint64_t hartid() const { return hartid_; }
  Priv priv() const { return priv_; }

  // Performs a CSR instruction. False (with trap_cause/tval set) when it is illegal;
  // `insn_bits` fills mtval for that case.
  bool csr(ir::CsrImm c, uint64_t value, uint64_t& old, const CounterSource& counters, uint32_t insn_bits);
  // Enters the trap handler for an exception raised by the instruction at `pc`.
  void take_exception(uint64_t cause, uint64_t tval, uint64_t pc);
  // Delivers the highest-priority enabled pending interrupt, if any. `pc` resumes after it.
  bool take_interrupt(uint64_t pc);
  // True when some interrupt is pending and enabled in mie (wfi wakes even if MIE=0).
  bool wake_pending() const { return (mip_ & mie_) != 0; }
  // mret: returns the pc to continue at.
  uint64_t mret();
  bool wfi_allowed() const { return priv_ == kMachine || !(mstatus_ & mstatus::kTw); }

  void set_mip_bit(unsigned bit, bool level) { mip_ = level ? (mip_ | (1ull << bit)) : (mip_ & ~(1ull << bit)); }
  uint64_t mip() const { return mip_; }

  void reset(uint64_t pc);
  void save(Writer& w) const;
  void load(Reader& r);

 private:
  void set_priv(Priv p) {
    priv_ = p;
    st_->mode = p;
  }
  uint64_t vector_for(uint64_t cause_value) const;

  std::unique_ptr<ir::GuestState> st_;
  uint64_t hartid_;
  Priv priv_ = kMachine;
  uint64_t mstatus_ = 0, mtvec_ = 0, mepc_ = 0, mcause_ = 0, mtval_ = 0, mie_ = 0, mip_ = 0, mscratch_ = 0,
           mcounteren_ = 0;
  // Written counter values are kept as offsets from the machine's counters.
  uint64_t cycle_offset_ = 0, instret_offset_ = 0;
};

}  // namespace polyemu::riscv
