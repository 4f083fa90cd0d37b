#include "machines/devices/uart16550.h"

#include <utility>

namespace polyemu {

namespace {

// Register indices (reg-shift 0).
constexpr unsigned kRbrThr = 0;  // DLL when LCR.DLAB.
constexpr unsigned kIer = 1;     // DLM when LCR.DLAB.
constexpr unsigned kIirFcr = 2;
constexpr unsigned kLcr = 3;
constexpr unsigned kMcr = 4;
constexpr unsigned kLsr = 5;
constexpr unsigned kMsr = 6;
constexpr unsigned kScr = 7;

constexpr uint8_t kIerRxData = 0x01;
constexpr uint8_t kIerThre = 0x02;
constexpr uint8_t kIerLineStatus = 0x04;
constexpr uint8_t kIerMask = 0x0f;

constexpr uint8_t kIirNone = 0x01;
constexpr uint8_t kIirLineStatus = 0x06;
constexpr uint8_t kIirRxData = 0x04;
constexpr uint8_t kIirThre = 0x02;
constexpr uint8_t kIirFifoEnabled = 0xc0;

constexpr uint8_t kFcrEnable = 0x01;
constexpr uint8_t kFcrClearRx = 0x02;
constexpr uint8_t kFcrClearTx = 0x04;

constexpr uint8_t kLcrDlab = 0x80;

constexpr uint8_t kMcrDtr = 0x01;
constexpr uint8_t kMcrRts = 0x02;
constexpr uint8_t kMcrOut1 = 0x04;
constexpr uint8_t kMcrOut2 = 0x08;
constexpr uint8_t kMcrLoop = 0x10;
constexpr uint8_t kMcrMask = 0x1f;

constexpr uint8_t kLsrDr = 0x01;
constexpr uint8_t kLsrOe = 0x02;
constexpr uint8_t kLsrThre = 0x20;
constexpr uint8_t kLsrTemt = 0x40;

constexpr uint8_t kMsrCts = 0x10;
constexpr uint8_t kMsrDsr = 0x20;
constexpr uint8_t kMsrRi = 0x40;
constexpr uint8_t kMsrDcd = 0x80;

}  // namespace

Uart16550::Uart16550(std::function<void(uint8_t)> tx, IrqLine irq) : tx_(std::move(tx)), irq_(std::move(irq)) {}

uint64_t Uart16550::read(uint64_t offset, unsigned size) {
  if (offset >= 8) return 0;
  return read_reg(static_cast<unsigned>(offset));
}

void Uart16550::write(uint64_t offset, unsigned size, uint64_t value) {
  if (offset >= 8) return;
  write_reg(static_cast<unsigned>(offset), static_cast<uint8_t>(value));
}

void Uart16550::reset() {
  s_ = State{};
  drive_irq();
}

void Uart16550::push_rx(uint8_t byte) {
  if (s_.rx_count == kFifoDepth) {
    // Like hardware, the FIFO keeps its oldest bytes and the new one is lost.
    s_.overrun = true;
  } else {
    s_.rx[(s_.rx_head + s_.rx_count) % kFifoDepth] = byte;
    ++s_.rx_count;
  }
  drive_irq();
}

uint8_t Uart16550::pop_rx() {
  if (s_.rx_count == 0) return 0;
  uint8_t b = s_.rx[s_.rx_head];
  s_.rx_head = (s_.rx_head + 1) % kFifoDepth;
  --s_.rx_count;
  return b;
}

uint8_t Uart16550::lsr() const {
  // TX completes inside the THR write, so the transmitter always looks idle.
  uint8_t v = kLsrThre | kLsrTemt;
  if (s_.rx_count != 0) v |= kLsrDr;
  if (s_.overrun) v |= kLsrOe;
  return v;
}

uint8_t Uart16550::msr() const {
  if (s_.mcr & kMcrLoop) {
    // Loopback wires the modem-control outputs back onto the status inputs.
    uint8_t v = 0;
    if (s_.mcr & kMcrRts) v |= kMsrCts;
    if (s_.mcr & kMcrDtr) v |= kMsrDsr;
    if (s_.mcr & kMcrOut1) v |= kMsrRi;
    if (s_.mcr & kMcrOut2) v |= kMsrDcd;
    return v;
  }
  // Present a connected terminal so drivers that wait for carrier/CTS don't stall.
  return kMsrDcd | kMsrDsr | kMsrCts;
}

uint8_t Uart16550::pending_id() const {
  // Without a clock there is no character-timeout interrupt; instead RX data is reported as soon
  // as one byte is present (trigger level 1), which is what a guest waiting on input needs.
  if ((s_.ier & kIerLineStatus) && s_.overrun) return kIirLineStatus;
  if ((s_.ier & kIerRxData) && s_.rx_count != 0) return kIirRxData;
  if ((s_.ier & kIerThre) && s_.thre_pending) return kIirThre;
  return kIirNone;
}

void Uart16550::drive_irq(bool force) {
  bool level = pending_id() != kIirNone;
  if (level != irq_level_ || force) {
    irq_level_ = level;
    irq_.set(level);
  }
}

uint8_t Uart16550::read_reg(unsigned reg) {
  bool dlab = s_.lcr & kLcrDlab;
  uint8_t v = 0;
  switch (reg) {
    case kRbrThr:
      if (dlab) return s_.dll;
      v = pop_rx();
      break;
    case kIer: return dlab ? s_.dlm : s_.ier;
    case kIirFcr: {
      uint8_t id = pending_id();
      // Reading IIR is the acknowledgement for a THR-empty interrupt (and only for that one).
      if (id == kIirThre) s_.thre_pending = false;
      v = id | ((s_.fcr & kFcrEnable) ? kIirFifoEnabled : 0);
      break;
    }
    case kLcr: return s_.lcr;
    case kMcr: return s_.mcr;
    case kLsr:
      v = lsr();
      s_.overrun = false;  // OE is clear-on-read.
      break;
    case kMsr: return msr();
    case kScr: return s_.scr;
  }
  drive_irq();
  return v;
}

void Uart16550::write_reg(unsigned reg, uint8_t v) {
  bool dlab = s_.lcr & kLcrDlab;
  switch (reg) {
    case kRbrThr:
      if (dlab) {
        s_.dll = v;
        return;
      }
      if (s_.mcr & kMcrLoop) {
        push_rx(v);
      } else if (tx_) {
        tx_(v);
      }
      // The byte left at once, so THR is empty again and the interrupt re-arms.
      s_.thre_pending = true;
      break;
    case kIer:
      if (dlab) {
        s_.dlm = v;
        return;
      }
      // Enabling ETBEI while THR is empty raises the interrupt immediately (THR is always empty).
      if ((v & kIerThre) && !(s_.ier & kIerThre)) s_.thre_pending = true;
      s_.ier = v & kIerMask;
      break;
    case kIirFcr:
      if ((v & kFcrEnable) != (s_.fcr & kFcrEnable) || (v & kFcrClearRx)) {
        // Toggling FIFO mode flushes the FIFOs, as does the explicit RX reset.
        s_.rx_head = 0;
        s_.rx_count = 0;
      }
      s_.fcr = v & ~(kFcrClearRx | kFcrClearTx);
      break;
    case kLcr: s_.lcr = v; return;
    case kMcr: s_.mcr = v & kMcrMask; return;
    case kScr: s_.scr = v; return;
    default:  // LSR and MSR are read-only.
      return;
  }
  drive_irq();
}

void Uart16550::save(Writer& w) const {
  w.begin("uart16550", 1);
  w.u8(s_.ier);
  w.u8(s_.lcr);
  w.u8(s_.mcr);
  w.u8(s_.scr);
  w.u8(s_.dll);
  w.u8(s_.dlm);
  w.u8(s_.fcr);
  w.boolean(s_.overrun);
  w.boolean(s_.thre_pending);
  // FIFO contents in order, so the on-disk form doesn't depend on the ring position.
  w.u32(s_.rx_count);
  for (unsigned i = 0; i < s_.rx_count; ++i) w.u8(s_.rx[(s_.rx_head + i) % kFifoDepth]);
}

void Uart16550::load(Reader& r) {
  r.begin("uart16550", 1);
  // Decode into a temporary so a truncated blob leaves the device untouched.
  State s;
  s.ier = r.u8() & kIerMask;
  s.lcr = r.u8();
  s.mcr = r.u8() & kMcrMask;
  s.scr = r.u8();
  s.dll = r.u8();
  s.dlm = r.u8();
  s.fcr = r.u8();
  s.overrun = r.boolean();
  s.thre_pending = r.boolean();
  uint32_t n = r.u32();
  if (n > kFifoDepth) throw StateError("state: uart16550 RX FIFO holds more than 16 bytes");
  for (uint32_t i = 0; i < n; ++i) s.rx[i] = r.u8();
  s.rx_count = n;
  s_ = s;
  drive_irq(/*force=*/true);
}

}  // namespace polyemu
