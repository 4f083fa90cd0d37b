#include "machines/riscv/hart.h"

namespace polyemu::riscv {

namespace {
constexpr uint64_t kMisa = (2ull << 62) | (1 << ('I' - 'A')) | (1 << ('M' - 'A')) | (1 << ('A' - 'A')) |
                           (1 << ('F' - 'A')) | (1 << ('D' - 'A')) | (1 << ('C' - 'A')) | (1 << ('U' - 'A'));
constexpr uint64_t kMieWritable = (1ull << cause::kMsi) | (1ull << cause::kMti) | (1ull << cause::kMei);
constexpr uint64_t kMstatusWritable = mstatus::kMie | mstatus::kMpie | mstatus::kMpp | mstatus::kMprv | mstatus::kTw;
constexpr uint64_t kMstatusFixed = 2ull << 32;  // UXL = 64 bits

bool csr_read_only(uint16_t csr) { return (csr >> 10) == 3; }
unsigned csr_min_priv(uint16_t csr) { return (csr >> 8) & 3; }
}  // namespace

Hart::Hart(uint64_t hartid) : st_(std::make_unique<ir::GuestState>()), hartid_(hartid) { reset(0); }

void Hart::reset(uint64_t pc) {
  *st_ = ir::GuestState{};
  for (uint64_t& r : st_->regs) r = 0;
  st_->pc = pc;
  set_priv(kMachine);
  mstatus_ = kMstatusFixed;
  mtvec_ = mepc_ = mcause_ = mtval_ = mie_ = mip_ = mscratch_ = mcounteren_ = 0;
  cycle_offset_ = instret_offset_ = 0;
}

bool Hart::csr(ir::CsrImm c, uint64_t value, uint64_t& old, const CounterSource& k, uint32_t insn_bits) {
  auto illegal = [&] {
    st_->trap_cause = cause::kIllegal;
    st_->trap_tval = insn_bits;
    return false;
  };
  if (csr_min_priv(c.csr) > priv_) return illegal();
  if (c.write && csr_read_only(c.csr)) return illegal();

  // Locate the register: a pointer for plain storage, or special handling below.
  uint64_t* reg = nullptr;
  uint64_t writable = ~0ull;
  uint64_t cur = 0;
  bool zero = false;  // exists, reads zero, ignores writes
  uint16_t n = c.csr;
  switch (n) {
    case 0x001:  // fflags, frm, fcsr: views of GuestState::fcsr (frm in bits 7:5, fflags in 4:0)
    case 0x002:
    case 0x003: {
      const unsigned shift = n == 0x002 ? 5 : 0;
      const uint64_t mask = n == 0x001 ? 0x1f : n == 0x002 ? 0x7 : 0xff;
      old = (st_->fcsr >> shift) & mask;
      if (c.write) {
        uint64_t v = c.op == ir::CsrOp::Write ? value : c.op == ir::CsrOp::Set ? (old | value) : (old & ~value);
        st_->fcsr = (st_->fcsr & ~(mask << shift)) | ((v & mask) << shift);
      }
      return true;
    }
    case 0xF11:
    case 0xF12:
    case 0xF13:
    case 0xF15: zero = true; break;  // vendor, arch, impl, configptr
    case 0xF14: cur = hartid_; break;
    case 0x300: reg = &mstatus_, writable = kMstatusWritable; break;
    case 0x301: cur = kMisa; break;  // fixed: writes ignored
    case 0x304: reg = &mie_, writable = kMieWritable; break;
    case 0x305: reg = &mtvec_; break;
    case 0x306: reg = &mcounteren_, writable = 7; break;
    case 0x340: reg = &mscratch_; break;
    case 0x341: reg = &mepc_, writable = ~1ull; break;
    case 0x342: reg = &mcause_; break;
    case 0x343: reg = &mtval_; break;
    case 0x344:
      cur = mip_;
      break;  // MSIP, MTIP, MEIP come from devices: read-only here
    // A hart without S-mode, PMP, or delegation: these read as zero and ignore writes so
    // that firmware probing for them keeps running.
    case 0x180:  // satp
    case 0x302:  // medeleg
    case 0x303:  // mideleg
    case 0x30A:  // menvcfg
    case 0x320:  // mcountinhibit
      zero = true;
      break;
    case 0xB00: cur = k.cycle + cycle_offset_; break;
    case 0xB02: cur = k.instret + instret_offset_; break;
    case 0xC00:
    case 0xC01:
    case 0xC02: {
      unsigned idx = n - 0xC00;
      if (priv_ < kMachine && !(mcounteren_ & (1u << idx))) return illegal();
      cur = idx == 0 ? k.cycle + cycle_offset_ : idx == 1 ? k.time : k.instret + instret_offset_;
      break;
    }
    default:
      if ((n >= 0x3A0 && n <= 0x3AF && !(n & 1)) || (n >= 0x3B0 && n <= 0x3EF) || (n >= 0x323 && n <= 0x33F) ||
          (n >= 0xB03 && n <= 0xB1F)) {
        zero = true;  // pmpcfg (even on RV64), pmpaddr, hpm events and counters
        break;
      }
      if (n >= 0xC03 && n <= 0xC1F) {
        if (priv_ < kMachine && !(mcounteren_ & (1u << (n - 0xC00)))) return illegal();
        zero = true;
        break;
      }
      return illegal();
  }
  if (reg) cur = *reg;
  if (zero) cur = 0;
  old = cur;
  if (!c.write) return true;
  uint64_t v = c.op == ir::CsrOp::Write ? value : c.op == ir::CsrOp::Set ? (cur | value) : (cur & ~value);
  switch (n) {
    case 0x300: {
      uint64_t mpp = (v & mstatus::kMpp) >> mstatus::kMppShift;
      if (mpp != kMachine && mpp != kUser) v = (v & ~mstatus::kMpp) | (uint64_t(kUser) << mstatus::kMppShift);
      mstatus_ = (v & kMstatusWritable) | kMstatusFixed;
      return true;
    }
    case 0x305:
      // Modes 2 and 3 are reserved: keep direct mode.
      mtvec_ = (v & 3) >= 2 ? (v & ~3ull) : (v & ~2ull);
      return true;
    case 0xB00: cycle_offset_ = v - k.cycle; return true;
    case 0xB02:
      // The csr instruction itself retires after this write, so it does not count again.
      instret_offset_ = v - k.instret - 1;
      return true;
    default: break;
  }
  if (reg) *reg = (*reg & ~writable) | (v & writable);
  return true;
}

uint64_t Hart::vector_for(uint64_t cause_value) const {
  uint64_t base = mtvec_ & ~3ull;
  if ((mtvec_ & 3) == 1 && (cause_value & cause::kInterrupt)) return base + 4 * (cause_value & 63);
  return base;
}

void Hart::take_exception(uint64_t cause_value, uint64_t tval, uint64_t pc) {
  mepc_ = pc;
  mcause_ = cause_value;
  mtval_ = tval;
  uint64_t s = mstatus_;
  s = (s & ~mstatus::kMpie) | ((s & mstatus::kMie) ? mstatus::kMpie : 0);
  s &= ~mstatus::kMie;
  s = (s & ~mstatus::kMpp) | (uint64_t(priv_) << mstatus::kMppShift);
  mstatus_ = s;
  set_priv(kMachine);
  st_->pc = vector_for(cause_value);
}

bool Hart::take_interrupt(uint64_t pc) {
  uint64_t pending = mip_ & mie_;
  if (!pending) return false;
  bool enabled = priv_ < kMachine || (mstatus_ & mstatus::kMie);
  if (!enabled) return false;
  for (unsigned bit : {cause::kMei, cause::kMsi, cause::kMti}) {
    if (pending & (1ull << bit)) {
      take_exception(cause::kInterrupt | bit, 0, pc);
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

void Hart::save(Writer& w) const {
  w.begin("riscv_hart", 1);
  w.u64(hartid_);
  for (unsigned i = 0; i < 32; i++) w.u64(st_->regs[i]);
  w.u64(st_->pc);
  w.u64(st_->icount);
  w.u8(priv_);
  for (uint64_t v :
       {mstatus_, mtvec_, mepc_, mcause_, mtval_, mie_, mip_, mscratch_, mcounteren_, cycle_offset_, instret_offset_})
    w.u64(v);
}

void Hart::load(Reader& r) {
  r.begin("riscv_hart", 1);
  uint64_t id = r.u64();
  if (id != hartid_) throw StateError("state: hart id mismatch");
  ir::GuestState st{};
  for (unsigned i = 0; i < 32; i++) st.regs[i] = r.u64();
  if (st.regs[0] != 0) throw StateError("state: x0 is not zero");
  st.pc = r.u64();
  st.icount = r.u64();
  uint8_t p = r.u8();
  if (p != kUser && p != kMachine) throw StateError("state: bad privilege level");
  uint64_t v[11];
  for (uint64_t& x : v) x = r.u64();
  *st_ = st;
  set_priv(Priv(p));
  mstatus_ = v[0], mtvec_ = v[1], mepc_ = v[2], mcause_ = v[3], mtval_ = v[4], mie_ = v[5], mip_ = v[6];
  mscratch_ = v[7], mcounteren_ = v[8], cycle_offset_ = v[9], instret_offset_ = v[10];
}

}  // namespace polyemu::riscv
