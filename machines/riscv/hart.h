// A RISC-V hart's architectural state beyond the integer registers: privilege modes M, S
// and U, the machine and supervisor CSRs, trap entry and return, interrupt selection,
// address translation (Sv39/Sv48, in mmu.cpp) and physical memory protection.
#pragma once
#include <bitset>
#include <cstdint>
#include <memory>
#include <vector>

#include "frontend/riscv/translate.h"
#include "ir/engine.h"
#include "machines/serialize.h"

namespace polyemu::riscv {

enum Priv : uint8_t { kUser = 0, kSupervisor = 1, kMachine = 3 };

namespace cause {
constexpr uint64_t kInsnMisaligned = 0, kInsnAccess = 1, kIllegal = 2, kBreakpoint = 3, kLoadMisaligned = 4,
                   kLoadAccess = 5, kStoreMisaligned = 6, kStoreAccess = 7, kEcallU = 8, kEcallS = 9, kEcallM = 11,
                   kInsnPage = 12, kLoadPage = 13, kStorePage = 15;
constexpr uint64_t kInterrupt = 1ull << 63;
constexpr unsigned kSsi = 1, kMsi = 3, kSti = 5, kMti = 7, kSei = 9, kMei = 11;
}  // namespace cause

namespace mstatus {
constexpr uint64_t kSie = 1 << 1, kMie = 1 << 3, kSpie = 1 << 5, kMpie = 1 << 7, kSpp = 1 << 8, kMppShift = 11,
                   kMpp = 3ull << 11, kFs = 3ull << 13, kMprv = 1 << 17, kSum = 1 << 18, kMxr = 1 << 19, kTvm = 1 << 20,
                   kTw = 1 << 21, kTsr = 1 << 22, kUxl = 3ull << 32, kSxl = 3ull << 34, kSd = 1ull << 63;
}

// Translation-mode bits of GuestState::mode: the privilege level in bits 1:0, kModeFpOff
// (frontend/riscv/translate.h), ir::kModeVirtual and ir::kModeFlatReads.

// Which software TLB (GuestState::tlb) serves which data-access mode.
enum TlbIndex : uint32_t { kTlbUser = 0, kTlbSupervisor = 1, kTlbSupervisorSum = 2, kTlbMachine = 3 };

// What the hart needs from the machine to answer counter reads.
struct CounterSource {
  uint64_t instret;  // retired instructions
  uint64_t cycle;    // virtual cycles (virtual time in instruction units)
  uint64_t time;     // mtime
};

// Physical memory as the page walker sees it: RAM only (page tables elsewhere fault).
struct PhysRam {
  uint8_t* host = nullptr;
  uint64_t base = 0, size = 0;
  bool contains(uint64_t addr, uint64_t len) const { return addr >= base && addr - base <= size - len && len <= size; }
};

enum class Access : uint8_t { Read, Write, Execute };

// The result of translating one virtual address.
struct Translation {
  uint64_t phys = 0;
  // The whole 4 KiB page may be cached in a TLB with these rights (PMP allowing).
  bool cache_read = false, cache_write = false, cache_exec = false;
};

class Hart {
 public:
  Hart(uint64_t hartid, PhysRam ram);

  ir::GuestState& state() { return *st_; }
  const ir::GuestState& state() const { return *st_; }
  uint64_t hartid() const { return hartid_; }
  Priv priv() const { return priv_; }
  // The TLB instruction fetches use (SUM never matters for execution).
  TlbIndex fetch_tlb() const { return tlb_for(priv_, false); }

  // Performs a CSR instruction. False (with trap_cause set) when it is illegal; the
  // caller puts the instruction bits in trap_tval.
  bool csr(ir::CsrImm c, uint64_t value, uint64_t& old, const CounterSource& counters);
  // Enters the trap handler (M or S, by delegation) for an exception raised at `pc`.
  void take_exception(uint64_t cause, uint64_t tval, uint64_t pc);
  // Delivers the highest-priority enabled pending interrupt, if any. `pc` resumes after it.
  bool take_interrupt(uint64_t pc);
  // True when some interrupt is pending and enabled in mie (wfi wakes even if globally off).
  bool wake_pending() const { return (mip() & mie_) != 0; }
  uint64_t mret();
  uint64_t sret();
  bool mret_allowed() const { return priv_ == kMachine; }
  bool sret_allowed() const { return priv_ == kMachine || (priv_ == kSupervisor && !(mstatus_ & mstatus::kTsr)); }
  bool wfi_allowed() const { return priv_ == kMachine || (priv_ == kSupervisor && !(mstatus_ & mstatus::kTw)); }
  bool sfence_allowed() const { return priv_ == kMachine || (priv_ == kSupervisor && !(mstatus_ & mstatus::kTvm)); }

  // Interrupt inputs from devices (MSIP, MTIP, MEIP, SEIP).
  void set_irq(unsigned bit, bool level) {
    irq_lines_ = level ? (irq_lines_ | (1ull << bit)) : (irq_lines_ & ~(1ull << bit));
  }
  uint64_t mip() const { return mip_ | irq_lines_; }

  // Address translation and PMP (mmu.cpp). On failure returns false with the guest
  // exception in trap_cause/trap_tval. `len` bytes at `vaddr` must lie in one page.
  bool translate(uint64_t vaddr, unsigned len, Access access, Translation& out);
  // The guest changed mappings or protections: the machine must flush engine lookups.
  bool take_mapping_changed() {
    bool c = mapping_changed_;
    mapping_changed_ = false;
    return c;
  }
  // Flushes the TLB entries for `vaddr` (or all with vaddr_all), as sfence.vma does.
  void sfence_vma(bool vaddr_all, uint64_t vaddr);
  // Empties the S/U TLBs (and the M TLB too when PMP changed).
  void flush_tlbs(bool include_machine = false);
  // The entry of TLB `tlb` for `vaddr`, for the machine to fill. The hart notes which
  // entries were filled since its last flush, so that flushes (and the machine's scans,
  // for_each_tlb_entry()) visit those rather than whole TLBs.
  ir::TlbEntry& tlb_entry_to_fill(uint32_t tlb, uint64_t vaddr);
  // Calls f(entry) on every entry of TLB `t` (of every TLB) that may be valid.
  template <typename F>
  void for_each_tlb_entry(unsigned t, F f) {
    if (fills_[t].all)
      for (ir::TlbEntry& e : st_->tlb[t]) f(e);
    else
      for (uint16_t i : fills_[t].slots) f(st_->tlb[t][i]);
  }
  template <typename F>
  void for_each_tlb_entry(F f) {
    for (unsigned t = 0; t < ir::kNumTlbs; t++) for_each_tlb_entry(t, f);
  }

  void reset(uint64_t pc);
  void save(Writer& w) const;
  void load(Reader& r);

 private:
  void set_priv(Priv p) {
    priv_ = p;
    update_mode();
  }
  // Recomputes GuestState::mode and data_tlb from priv, mstatus, satp and PMP.
  void update_mode();
  ir::RamWindow ram_window() const { return {ram_.base, ram_.size, reinterpret_cast<uintptr_t>(ram_.host)}; }
  uint64_t read_mstatus() const;
  void write_mstatus(uint64_t v);
  bool pmp_allows(uint64_t addr, uint64_t len, Access access, Priv priv) const;
  // PMP rights (bit 0 R, 1 W, 2 X) of [addr, addr+len) for `priv`; 0 if the range
  // straddles an entry's edge.
  uint8_t pmp_rights(uint64_t addr, uint64_t len, Priv priv) const;
  // pmp_rights of a whole 4 KiB page, memoized until PMP changes.
  uint8_t pmp_page_rights(uint64_t page, Priv priv) const;
  static uint8_t need(Access a) { return a == Access::Read ? 1 : a == Access::Write ? 2 : 4; }
  bool pmp_locked(unsigned i) const { return (pmpcfg_[i] & 0x80) != 0; }
  static TlbIndex tlb_for(Priv p, bool sum) {
    return p == kMachine ? kTlbMachine : p == kUser ? kTlbUser : sum ? kTlbSupervisorSum : kTlbSupervisor;
  }
  Priv data_priv() const {
    return (priv_ == kMachine && (mstatus_ & mstatus::kMprv)) ? Priv((mstatus_ & mstatus::kMpp) >> mstatus::kMppShift)
                                                              : priv_;
  }

  std::unique_ptr<ir::GuestState> st_;
  uint64_t hartid_;
  PhysRam ram_;
  Priv priv_ = kMachine;
  uint64_t mstatus_ = 0, mtvec_ = 0, mepc_ = 0, mcause_ = 0, mtval_ = 0, mie_ = 0, mip_ = 0, mscratch_ = 0,
           mcounteren_ = 0, medeleg_ = 0, mideleg_ = 0, menvcfg_ = 0;
  uint64_t stvec_ = 0, sepc_ = 0, scause_ = 0, stval_ = 0, sscratch_ = 0, scounteren_ = 0, senvcfg_ = 0, satp_ = 0;
  uint64_t irq_lines_ = 0;  // levels driven by devices, ORed into mip
  uint8_t pmpcfg_[16] = {};
  uint64_t pmpaddr_[16] = {};
  // Written counter values are kept as offsets from the machine's counters.
  uint64_t cycle_offset_ = 0, instret_offset_ = 0;
  bool pmp_active_ = false;  // some entry is programmed
  struct PmpMemo {
    uint64_t page = ~0ull;
    uint8_t priv = 0, rights = 0;
  };
  mutable PmpMemo pmp_memo_[64];
  bool mapping_changed_ = false;
  bool superpages_cached_ = false;  // some TLB entry came from a superpage
  // Per TLB, the entries filled since its last flush (each once, `logged`); `all` once
  // there were too many.
  struct FillLog {
    std::vector<uint16_t> slots;
    std::bitset<ir::kTlbEntries> logged;
    bool all = false;
  };
  static constexpr size_t kFillLogMax = 1024;
  static_assert(ir::kTlbEntries <= 65536, "slots are 16-bit");
  FillLog fills_[ir::kNumTlbs];
};

}  // namespace polyemu::riscv
