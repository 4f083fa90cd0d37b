#include "machines/riscv/hart.h"

namespace polyemu::riscv {

namespace {
constexpr uint64_t bit(char ext) { return 1ull << (ext - 'A'); }
constexpr uint64_t kMisa =
    (2ull << 62) | bit('I') | bit('M') | bit('A') | bit('F') | bit('D') | bit('C') | bit('S') | bit('U');
constexpr uint64_t kInterruptBits = (1ull << cause::kSsi) | (1ull << cause::kMsi) | (1ull << cause::kSti) |
                                    (1ull << cause::kMti) | (1ull << cause::kSei) | (1ull << cause::kMei);
constexpr uint64_t kSupervisorInterrupts = (1ull << cause::kSsi) | (1ull << cause::kSti) | (1ull << cause::kSei);
// Exceptions S-mode may handle: all but ecall from M and the reserved codes.
constexpr uint64_t kDelegableExceptions = 0xb3ff;
constexpr uint64_t kMstatusWritable = mstatus::kSie | mstatus::kMie | mstatus::kSpie | mstatus::kMpie | mstatus::kSpp |
                                      mstatus::kMpp | mstatus::kFs | mstatus::kMprv | mstatus::kSum | mstatus::kMxr |
                                      mstatus::kTvm | mstatus::kTw | mstatus::kTsr;
constexpr uint64_t kMstatusFixed = (2ull << 32) | (2ull << 34);  // UXL = SXL = 64 bits
constexpr uint64_t kSstatusMask = mstatus::kSie | mstatus::kSpie | mstatus::kSpp | mstatus::kFs | mstatus::kSum |
                                  mstatus::kMxr | mstatus::kUxl | mstatus::kSd;
// Interrupts are taken in this order when several are pending.
constexpr unsigned kInterruptOrder[] = {cause::kMei, cause::kMsi, cause::kMti, cause::kSei, cause::kSsi, cause::kSti};

bool csr_read_only(uint16_t csr) { return (csr >> 10) == 3; }
unsigned csr_min_priv(uint16_t csr) { return (csr >> 8) & 3; }
}  // namespace

Hart::Hart(uint64_t hartid, PhysRam ram) : st_(std::make_unique<ir::GuestState>()), hartid_(hartid), ram_(ram) {
  reset(0);
}

void Hart::reset(uint64_t pc) {
  *st_ = ir::GuestState{};
  st_->ram = ram_window();
  for (uint64_t& r : st_->regs) r = 0;
  st_->pc = pc;
  mstatus_ = kMstatusFixed;
  mtvec_ = mepc_ = mcause_ = mtval_ = mie_ = mip_ = mscratch_ = mcounteren_ = medeleg_ = mideleg_ = menvcfg_ = 0;
  stvec_ = sepc_ = scause_ = stval_ = sscratch_ = scounteren_ = senvcfg_ = satp_ = 0;
  for (unsigned i = 0; i < 16; i++) pmpcfg_[i] = 0, pmpaddr_[i] = 0;
  cycle_offset_ = instret_offset_ = 0;
  flush_tlbs(true);
  mapping_changed_ = false;
  set_priv(kMachine);
}

void Hart::update_mode() {
  uint32_t m = priv_;
  if ((mstatus_ & mstatus::kFs) == 0) m |= kModeFpOff;
  if (priv_ != kMachine && (satp_ >> 60) != 0) m |= ir::kModeVirtual;
  // M-mode data accesses are untranslated, and with no PMP entry programmed nothing checks
  // them (an unlocked entry only matters to M-mode for accesses straddling its edges).
  if (data_priv() == kMachine && !pmp_active_ && st_->ram.size) m |= ir::kModeFlatReads;
  st_->mode = m;
  st_->data_tlb = tlb_for(data_priv(), mstatus_ & mstatus::kSum);
}

uint64_t Hart::read_mstatus() const {
  uint64_t v = mstatus_;
  if ((v & mstatus::kFs) == mstatus::kFs) v |= mstatus::kSd;
  return v;
}

void Hart::write_mstatus(uint64_t v) {
  uint64_t mpp = (v & mstatus::kMpp) >> mstatus::kMppShift;
  if (mpp == 2) v = (v & ~mstatus::kMpp) | (mstatus_ & mstatus::kMpp);  // reserved: keep the old value
  // FP state is tracked coarsely: any enabled state reads as Dirty, which the privileged
  // spec allows, so FP instructions never need to update mstatus.
  if (v & mstatus::kFs) v |= mstatus::kFs;
  uint64_t next = (v & kMstatusWritable) | kMstatusFixed;
  if ((next ^ mstatus_) & mstatus::kMxr) flush_tlbs();
  mstatus_ = next;
  update_mode();
}

bool Hart::csr(ir::CsrImm c, uint64_t value, uint64_t& old, const CounterSource& k) {
  auto illegal = [&] {
    st_->trap_cause = cause::kIllegal;
    st_->trap_tval = 0;
    return false;
  };
  if (csr_min_priv(c.csr) > priv_) return illegal();
  if (c.write && csr_read_only(c.csr)) return illegal();
  auto counter_allowed = [&](unsigned idx) {
    if (priv_ < kMachine && !((mcounteren_ >> idx) & 1)) return false;
    if (priv_ < kSupervisor && !((scounteren_ >> idx) & 1)) return false;
    return true;
  };

  uint64_t* reg = nullptr;  // plain storage: read and written through `writable`
  uint64_t writable = ~0ull;
  uint64_t cur = 0;
  const uint16_t n = c.csr;
  switch (n) {
    case 0x001:
    case 0x002:
    case 0x003:
      if ((mstatus_ & mstatus::kFs) == 0) return illegal();
      cur = n == 0x001 ? (st_->fcsr & 0x1f) : n == 0x002 ? ((st_->fcsr >> 5) & 7) : (st_->fcsr & 0xff);
      break;
    case 0x100: cur = read_mstatus() & kSstatusMask; break;
    case 0x104: cur = mie_ & mideleg_; break;
    case 0x105: reg = &stvec_; break;
    case 0x106: reg = &scounteren_, writable = 0xffffffff; break;
    case 0x10A: reg = &senvcfg_, writable = 1; break;
    case 0x140: reg = &sscratch_; break;
    case 0x141: reg = &sepc_, writable = ~1ull; break;
    case 0x142: reg = &scause_; break;
    case 0x143: reg = &stval_; break;
    case 0x144: cur = mip() & mideleg_; break;
    case 0x180:
      if (priv_ == kSupervisor && (mstatus_ & mstatus::kTvm)) return illegal();
      cur = satp_;
      break;
    case 0xF11:
    case 0xF12:
    case 0xF13:
    case 0xF15: break;  // vendor, arch, impl, configptr: zero
    case 0xF14: cur = hartid_; break;
    case 0x300: cur = read_mstatus(); break;
    case 0x301: cur = kMisa; break;  // fixed: writes ignored
    case 0x302: reg = &medeleg_, writable = kDelegableExceptions; break;
    case 0x303: reg = &mideleg_, writable = kSupervisorInterrupts; break;
    case 0x304: reg = &mie_, writable = kInterruptBits; break;
    case 0x305: reg = &mtvec_; break;
    case 0x306: reg = &mcounteren_, writable = 0xffffffff; break;
    case 0x30A: reg = &menvcfg_, writable = 1; break;
    case 0x320: break;  // mcountinhibit: counters always count
    case 0x340: reg = &mscratch_; break;
    case 0x341: reg = &mepc_, writable = ~1ull; break;
    case 0x342: reg = &mcause_; break;
    case 0x343: reg = &mtval_; break;
    case 0x344: cur = mip(); break;
    case 0x3A0:
    case 0x3A2:
      for (unsigned i = 0; i < 8; i++) cur |= uint64_t(pmpcfg_[(n - 0x3A0) * 4 + i]) << (8 * i);
      break;
    case 0xB00: cur = k.cycle + cycle_offset_; break;
    case 0xB02: cur = k.instret + instret_offset_; break;
    case 0xC00:
    case 0xC01:
    case 0xC02: {
      unsigned idx = n - 0xC00;
      if (!counter_allowed(idx)) return illegal();
      cur = idx == 0 ? k.cycle + cycle_offset_ : idx == 1 ? k.time : k.instret + instret_offset_;
      break;
    }
    default:
      if (n >= 0x3B0 && n <= 0x3BF) {
        cur = pmpaddr_[n - 0x3B0];
        break;
      }
      // pmpcfg4..14, pmpaddr16..63, hpm events and counters: implemented as zero.
      if ((n >= 0x3A4 && n <= 0x3AF && !(n & 1)) || (n >= 0x3C0 && n <= 0x3EF) || (n >= 0x323 && n <= 0x33F) ||
          (n >= 0xB03 && n <= 0xB1F))
        break;
      if (n >= 0xC03 && n <= 0xC1F) {
        if (!counter_allowed(n - 0xC00)) return illegal();
        break;
      }
      return illegal();
  }
  if (reg) cur = *reg;
  old = cur;
  if (!c.write) return true;
  const uint64_t v = c.op == ir::CsrOp::Write ? value : c.op == ir::CsrOp::Set ? (cur | value) : (cur & ~value);
  switch (n) {
    case 0x001: st_->fcsr = (st_->fcsr & ~0x1full) | (v & 0x1f); return true;
    case 0x002: st_->fcsr = (st_->fcsr & 0x1f) | ((v & 7) << 5); return true;
    case 0x003: st_->fcsr = v & 0xff; return true;
    case 0x100: write_mstatus((mstatus_ & ~kSstatusMask) | (v & kSstatusMask)); return true;
    case 0x104: mie_ = (mie_ & ~mideleg_) | (v & mideleg_); return true;
    case 0x144:
      mip_ = (mip_ & ~(mideleg_ & (1ull << cause::kSsi))) | (v & mideleg_ & (1ull << cause::kSsi));
      return true;
    case 0x180: {
      uint64_t mode = v >> 60;
      if (mode != 0 && mode != 8 && mode != 9) return true;  // unsupported mode: no effect
      satp_ = v & ((0xfull << 60) | (0xffffull << 44) | ((1ull << 44) - 1));
      flush_tlbs();
      update_mode();
      return true;
    }
    case 0x300: write_mstatus(v); return true;
    case 0x305:
    case 0x105: {
      uint64_t& tv = n == 0x305 ? mtvec_ : stvec_;
      tv = (v & 3) >= 2 ? (v & ~3ull) : v;  // modes 2 and 3 are reserved: keep direct mode
      return true;
    }
    case 0x344: {
      constexpr uint64_t kWritable = kSupervisorInterrupts;
      mip_ = (mip_ & ~kWritable) | (v & kWritable);
      return true;
    }
    case 0x3A0:
    case 0x3A2:
      for (unsigned i = 0; i < 8; i++) {
        unsigned idx = (n - 0x3A0) * 4 + i;
        if (pmp_locked(idx)) continue;
        uint8_t b = uint8_t(v >> (8 * i));
        if ((b & 3) == 2) b &= ~2;  // W without R is reserved
        pmpcfg_[idx] = b & 0x9f;
      }
      flush_tlbs(true);
      return true;
    case 0xB00: cycle_offset_ = v - k.cycle; return true;
    case 0xB02:
      // The csr instruction itself retires after this write, so it does not count again.
      instret_offset_ = v - k.instret - 1;
      return true;
    default: break;
  }
  if (n >= 0x3B0 && n <= 0x3BF) {
    unsigned idx = n - 0x3B0;
    bool next_tor_locked = idx < 15 && pmp_locked(idx + 1) && ((pmpcfg_[idx + 1] >> 3) & 3) == 1;
    if (!pmp_locked(idx) && !next_tor_locked) pmpaddr_[idx] = v & ((1ull << 54) - 1);
    flush_tlbs(true);
    return true;
  }
  if (reg) *reg = (*reg & ~writable) | (v & writable);
  return true;
}

void Hart::take_exception(uint64_t cause_value, uint64_t tval, uint64_t pc) {
  const bool interrupt = cause_value & cause::kInterrupt;
  const uint64_t code = cause_value & 63;
  const uint64_t deleg = interrupt ? mideleg_ : medeleg_;
  if (priv_ <= kSupervisor && ((deleg >> code) & 1)) {
    sepc_ = pc;
    scause_ = cause_value;
    stval_ = tval;
    uint64_t s = mstatus_;
    s = (s & ~mstatus::kSpie) | ((s & mstatus::kSie) ? mstatus::kSpie : 0);
    s &= ~mstatus::kSie;
    s = (s & ~mstatus::kSpp) | (priv_ == kSupervisor ? mstatus::kSpp : 0);
    mstatus_ = s;
    set_priv(kSupervisor);
    st_->pc = (stvec_ & ~3ull) + ((stvec_ & 3) == 1 && interrupt ? 4 * code : 0);
    return;
  }
  mepc_ = pc;
  mcause_ = cause_value;
  mtval_ = tval;
  uint64_t s = mstatus_;
  s = (s & ~mstatus::kMpie) | ((s & mstatus::kMie) ? mstatus::kMpie : 0);
  s &= ~mstatus::kMie;
  s = (s & ~mstatus::kMpp) | (uint64_t(priv_) << mstatus::kMppShift);
  mstatus_ = s;
  set_priv(kMachine);
  st_->pc = (mtvec_ & ~3ull) + ((mtvec_ & 3) == 1 && interrupt ? 4 * code : 0);
}

bool Hart::take_interrupt(uint64_t pc) {
  const uint64_t pending = mip() & mie_;
  if (!pending) return false;
  const uint64_t to_m = pending & ~mideleg_;
  const uint64_t to_s = pending & mideleg_;
  const bool m_enabled = priv_ < kMachine || (mstatus_ & mstatus::kMie);
  const bool s_enabled = priv_ < kSupervisor || (priv_ == kSupervisor && (mstatus_ & mstatus::kSie));
  uint64_t take = (m_enabled && to_m) ? to_m : (s_enabled && to_s) ? to_s : 0;
  if (!take) return false;
  for (unsigned b : kInterruptOrder) {
    if (take & (1ull << b)) {
      take_exception(cause::kInterrupt | b, 0, pc);
      return true;
    }
  }
  return false;
}

uint64_t Hart::mret() {
  uint64_t s = mstatus_;
  Priv to = Priv((s & mstatus::kMpp) >> mstatus::kMppShift);
  s = (s & ~mstatus::kMie) | ((s & mstatus::kMpie) ? mstatus::kMie : 0);
  s |= mstatus::kMpie;
  s = (s & ~mstatus::kMpp) | (uint64_t(kUser) << mstatus::kMppShift);
  if (to != kMachine) s &= ~mstatus::kMprv;
  mstatus_ = s;
  set_priv(to);
  return mepc_;
}

uint64_t Hart::sret() {
  uint64_t s = mstatus_;
  Priv to = (s & mstatus::kSpp) ? kSupervisor : kUser;
  s = (s & ~mstatus::kSie) | ((s & mstatus::kSpie) ? mstatus::kSie : 0);
  s |= mstatus::kSpie;
  s &= ~(mstatus::kSpp | mstatus::kMprv);
  mstatus_ = s;
  set_priv(to);
  return sepc_;
}

void Hart::save(Writer& w) const {
  w.begin("riscv_hart", 2);
  w.u64(hartid_);
  for (unsigned i = 0; i < ir::kNumRegs; i++) w.u64(st_->regs[i]);
  for (uint64_t v : {st_->pc, st_->icount, st_->fcsr}) w.u64(v);
  w.u8(priv_);
  for (uint64_t v : {mstatus_,    mtvec_,      mepc_,    mcause_,  mtval_,        mie_,           mip_,    mscratch_,
                     mcounteren_, medeleg_,    mideleg_, menvcfg_, stvec_,        sepc_,          scause_, stval_,
                     sscratch_,   scounteren_, senvcfg_, satp_,    cycle_offset_, instret_offset_})
    w.u64(v);
  for (unsigned i = 0; i < 16; i++) w.u8(pmpcfg_[i]), w.u64(pmpaddr_[i]);
}

void Hart::load(Reader& r) {
  r.begin("riscv_hart", 2);
  uint64_t id = r.u64();
  if (id != hartid_) throw StateError("state: hart id mismatch");
  auto st = std::make_unique<ir::GuestState>();
  for (unsigned i = 0; i < ir::kNumRegs; i++) st->regs[i] = r.u64();
  if (st->regs[0] != 0) throw StateError("state: x0 is not zero");
  st->pc = r.u64();
  st->icount = r.u64();
  st->fcsr = r.u64();
  if (st->fcsr > 0xff) throw StateError("state: bad fcsr");
  uint8_t p = r.u8();
  if (p != kUser && p != kSupervisor && p != kMachine) throw StateError("state: bad privilege level");
  uint64_t v[22];
  for (uint64_t& x : v) x = r.u64();
  uint8_t cfg[16];
  uint64_t addr[16];
  for (unsigned i = 0; i < 16; i++) cfg[i] = r.u8(), addr[i] = r.u64();
  uint64_t satp_mode = v[19] >> 60;
  if (satp_mode != 0 && satp_mode != 8 && satp_mode != 9) throw StateError("state: bad satp mode");
  *st_ = *st;
  st_->ram = ram_window();
  mstatus_ = v[0], mtvec_ = v[1], mepc_ = v[2], mcause_ = v[3], mtval_ = v[4], mie_ = v[5], mip_ = v[6];
  mscratch_ = v[7], mcounteren_ = v[8], medeleg_ = v[9], mideleg_ = v[10], menvcfg_ = v[11];
  stvec_ = v[12], sepc_ = v[13], scause_ = v[14], stval_ = v[15], sscratch_ = v[16], scounteren_ = v[17];
  senvcfg_ = v[18], satp_ = v[19], cycle_offset_ = v[20], instret_offset_ = v[21];
  for (unsigned i = 0; i < 16; i++) pmpcfg_[i] = cfg[i], pmpaddr_[i] = addr[i];
  flush_tlbs(true);
  set_priv(Priv(p));
}

}  // namespace polyemu::riscv
