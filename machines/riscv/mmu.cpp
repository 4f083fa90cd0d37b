// Address translation (Sv39, Sv48) and physical memory protection for one hart.
#include <cstring>

#include "machines/riscv/hart.h"

namespace polyemu::riscv {

namespace {
namespace pte {
constexpr uint64_t kV = 1, kR = 2, kW = 4, kX = 8, kU = 16, kG = 32, kA = 64, kD = 128;
constexpr uint64_t kPpnShift = 10;
constexpr uint64_t kReserved = 0xffc0'0000'0000'0000ull;  // bits 63:54: Svpbmt, Svnapot, reserved
}  // namespace pte

uint64_t page_fault(Access a) {
  return a == Access::Execute ? cause::kInsnPage : a == Access::Write ? cause::kStorePage : cause::kLoadPage;
}
uint64_t access_fault(Access a) {
  return a == Access::Execute ? cause::kInsnAccess : a == Access::Write ? cause::kStoreAccess : cause::kLoadAccess;
}
}  // namespace

uint8_t Hart::pmp_rights(uint64_t addr, uint64_t len, Priv priv) const {
  // With no entry programmed everything is allowed, as QEMU does; otherwise only M-mode
  // gets through where no entry matches.
  if (!pmp_active_) return 7;
  for (unsigned i = 0; i < 16; i++) {
    const uint8_t cfg = pmpcfg_[i];
    const unsigned a = (cfg >> 3) & 3;
    if (a == 0) continue;
    uint64_t lo, hi;
    if (a == 1) {  // TOR
      lo = i == 0 ? 0 : pmpaddr_[i - 1] << 2;
      hi = pmpaddr_[i] << 2;
    } else if (a == 2) {  // NA4
      lo = pmpaddr_[i] << 2;
      hi = lo + 4;
    } else {  // NAPOT: trailing ones give the size
      uint64_t ones = __builtin_ctzll(~pmpaddr_[i]);
      if (ones >= 54) {
        lo = 0, hi = ~0ull;
      } else {
        lo = (pmpaddr_[i] & ~((1ull << ones) - 1)) << 2;
        hi = lo + (8ull << ones);
      }
    }
    if (addr + len <= lo || addr >= hi) continue;
    if (addr < lo || addr + len > hi) return 0;  // straddles the entry's edge
    if (priv == kMachine && !(cfg & 0x80)) return 7;
    return cfg & 7;
  }
  return priv == kMachine ? 7 : 0;
}

uint8_t Hart::pmp_page_rights(uint64_t page, Priv priv) const {
  PmpMemo& m = pmp_memo_[(page >> 12) % 64];
  if (m.page != page || m.priv != priv) m = {page, uint8_t(priv), pmp_rights(page, 4096, priv)};
  return m.rights;
}

bool Hart::pmp_allows(uint64_t addr, uint64_t len, Access access, Priv priv) const {
  if (pmp_page_rights(addr & ~0xfffull, priv) & need(access)) return true;
  return (pmp_rights(addr, len, priv) & need(access)) != 0;
}

bool Hart::translate(uint64_t vaddr, unsigned len, Access access, Translation& out) {
  const Priv p = access == Access::Execute ? priv_ : data_priv();
  const uint64_t mode = satp_ >> 60;
  auto fail = [&](uint64_t c) {
    st_->trap_cause = c;
    st_->trap_tval = vaddr;
    return false;
  };
  uint64_t phys = vaddr;
  bool r_ok = true, w_ok = true, x_ok = true;  // what the mapping permits for this privilege
  bool superpage = false;
  if (p != kMachine && mode != 0) {
    const unsigned levels = mode == 8 ? 3 : 4;
    const unsigned va_bits = 12 + 9 * levels;
    // The address must be sign-extended from its top implemented bit.
    if (uint64_t(int64_t(vaddr << (64 - va_bits)) >> (64 - va_bits)) != vaddr) return fail(page_fault(access));
    uint64_t table = (satp_ & ((1ull << 44) - 1)) << 12;
    uint64_t entry = 0, entry_addr = 0;
    int level = int(levels) - 1;
    for (;; level--) {
      entry_addr = table + ((vaddr >> (12 + 9 * level)) & 511) * 8;
      if (!ram_.contains(entry_addr, 8) || !pmp_allows(entry_addr, 8, Access::Read, kSupervisor))
        return fail(access_fault(access));
      std::memcpy(&entry, ram_.host + (entry_addr - ram_.base), 8);
      if (!(entry & pte::kV) || (!(entry & pte::kR) && (entry & pte::kW)) || (entry & pte::kReserved))
        return fail(page_fault(access));
      if (entry & (pte::kR | pte::kX)) break;  // a leaf
      if (level == 0) return fail(page_fault(access));
      table = ((entry >> pte::kPpnShift) & ((1ull << 44) - 1)) << 12;
    }
    // Permissions for this privilege.
    const bool user_page = entry & pte::kU;
    if (p == kUser && !user_page) return fail(page_fault(access));
    if (p == kSupervisor && user_page) {
      if (!(mstatus_ & mstatus::kSum)) return fail(page_fault(access));
      x_ok = false;  // S-mode never executes user pages
    }
    r_ok = (entry & pte::kR) || ((mstatus_ & mstatus::kMxr) && (entry & pte::kX));
    w_ok = w_ok && (entry & pte::kW);
    x_ok = x_ok && (entry & pte::kX);
    if ((access == Access::Read && !r_ok) || (access == Access::Write && !w_ok) || (access == Access::Execute && !x_ok))
      return fail(page_fault(access));
    const uint64_t ppn = (entry >> pte::kPpnShift) & ((1ull << 44) - 1);
    const uint64_t low_ppn_mask = (1ull << (9 * level)) - 1;
    if (ppn & low_ppn_mask) return fail(page_fault(access));  // misaligned superpage
    superpage = level > 0;
    // Hardware A/D update (Svadu behaviour): set A on any access, D on a write.
    uint64_t want = pte::kA | (access == Access::Write ? pte::kD : 0);
    if ((entry & want) != want) {
      if (!pmp_allows(entry_addr, 8, Access::Write, kSupervisor)) return fail(access_fault(access));
      entry |= want;
      std::memcpy(ram_.host + (entry_addr - ram_.base), &entry, 8);
    }
    // A page without D is cached for reads only, so the first write comes back to set D.
    if (!(entry & pte::kD)) w_ok = false;
    phys = ((ppn | ((vaddr >> 12) & low_ppn_mask)) << 12) | (vaddr & 0xfff);
  }
  if (!pmp_allows(phys, len, access, p)) return fail(access_fault(access));
  out.phys = phys;
  const uint8_t page_rights = pmp_page_rights(phys & ~0xfffull, p);
  out.cache_read = r_ok && (page_rights & 1);
  out.cache_write = w_ok && (page_rights & 2);
  out.cache_exec = x_ok && (page_rights & 4);
  if (superpage && (out.cache_read || out.cache_write || out.cache_exec)) superpages_cached_ = true;
  return true;
}

void Hart::flush_tlbs(bool include_machine) {
  if (include_machine) {  // PMP changed
    pmp_active_ = false;
    for (uint8_t c : pmpcfg_) pmp_active_ |= ((c >> 3) & 3) != 0;
    for (PmpMemo& m : pmp_memo_) m = PmpMemo{};
  }
  for (unsigned t = 0; t < ir::kNumTlbs; t++) {
    if (t == kTlbMachine && !include_machine) continue;
    for_each_tlb_entry(t, [](ir::TlbEntry& e) { e = ir::TlbEntry{}; });
    fills_[t].slots.clear();  // keeps its capacity for the next fills
    fills_[t].logged.reset();
    fills_[t].all = false;
  }
  superpages_cached_ = false;
  mapping_changed_ = true;
  if (include_machine) update_mode();  // kModeFlatReads depends on PMP
}

ir::TlbEntry& Hart::tlb_entry_to_fill(uint32_t tlb, uint64_t vaddr) {
  const unsigned slot = (vaddr >> 12) % ir::kTlbEntries;
  ir::TlbEntry& e = st_->tlb[tlb][slot];
  FillLog& log = fills_[tlb];
  // Logged by slot, not by the entry being empty: a single-address sfence.vma empties an
  // entry whose slot stays in the log, and its refill must not log it again.
  if (!log.all && !log.logged[slot]) {
    if (log.slots.size() < kFillLogMax) {
      log.slots.push_back(uint16_t(slot));
      log.logged[slot] = true;
    } else {
      log.all = true;
    }
  }
  return e;
}

void Hart::sfence_vma(bool vaddr_all, uint64_t vaddr) {
  // Entries carry no ASID (every satp write flushes), so an ASID-specific fence flushes
  // like a global one. A TLB entry made from a superpage covers only 4 KiB of it, so
  // flushing one address cannot find its siblings: flush everything then.
  if (vaddr_all || superpages_cached_) {
    flush_tlbs();
    return;
  }
  for (unsigned t = 0; t < ir::kNumTlbs; t++) {
    if (t == kTlbMachine) continue;
    ir::TlbEntry& e = st_->tlb[t][(vaddr >> 12) % ir::kTlbEntries];
    if (e.read_tag == (vaddr & ~0xfffull) || e.write_tag == (vaddr & ~0xfffull) || e.exec_tag == (vaddr & ~0xfffull))
      e = ir::TlbEntry{};
  }
  mapping_changed_ = true;
}

}  // namespace polyemu::riscv
