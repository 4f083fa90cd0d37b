// Behaviour and snapshot tests for the small MMIO devices.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "machines/devices/clint.h"
#include "machines/devices/htif.h"
#include "machines/devices/test_finisher.h"
#include "machines/devices/uart16550.h"
#include "tests/device_fakes.h"

namespace polyemu {
namespace {

using test::ExpectAllTruncationsThrow;
using test::FakeClock;
using test::Wire;

// ---------------------------------------------------------------------------------------------
// UART 16550

constexpr uint64_t kRbr = 0, kIer = 1, kIir = 2, kFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScr = 7;

struct UartFixture : ::testing::Test {
  std::string out;
  Wire irq;
  Uart16550 uart{[this](uint8_t b) { out.push_back(static_cast<char>(b)); }, irq.line()};
  uint8_t rd(uint64_t off) { return static_cast<uint8_t>(uart.read(off, 1)); }
  void wr(uint64_t off, uint8_t v) { uart.write(off, 1, v); }
};

TEST_F(UartFixture, ResetValues) {
  EXPECT_EQ(rd(kIir), 0x01);  // No interrupt pending, FIFOs off.
  EXPECT_EQ(rd(kLsr), 0x60);  // THRE | TEMT.
  EXPECT_EQ(rd(kIer), 0);
  EXPECT_EQ(rd(kLcr), 0);
  EXPECT_EQ(rd(kMsr), 0xb0);  // DCD | DSR | CTS of a connected terminal.
  EXPECT_FALSE(uart.rx_ready());
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(uart.read(8, 1), 0u);
}

TEST_F(UartFixture, TxCallbackReceivesBytes) {
  for (char c : std::string("Hi!\n")) wr(kRbr, static_cast<uint8_t>(c));
  uart.write(kRbr, 4, 0x12345641);  // Wider access: only the low byte counts.
  EXPECT_EQ(out, "Hi!\nA");
  EXPECT_EQ(rd(kLsr) & 0x60, 0x60);  // Transmitter idle right after a write.
}

TEST_F(UartFixture, DlabSelectsDivisorLatch) {
  wr(kIer, 0x05);
  wr(kLcr, 0x83);
  wr(0, 0x0c);  // DLL, must not transmit.
  wr(1, 0x01);  // DLM, must not touch IER.
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(rd(0), 0x0c);
  EXPECT_EQ(rd(1), 0x01);
  wr(kLcr, 0x03);
  EXPECT_EQ(rd(kLcr), 0x03);
  EXPECT_EQ(rd(kIer), 0x05);
  wr(kRbr, 'x');
  EXPECT_EQ(out, "x");
  wr(kLcr, 0x83);  // Divisor survives leaving and re-entering DLAB.
  EXPECT_EQ(rd(0), 0x0c);
  EXPECT_EQ(rd(1), 0x01);
}

TEST_F(UartFixture, ScratchRegister) {
  wr(kScr, 0xa5);
  EXPECT_EQ(rd(kScr), 0xa5);
}

TEST_F(UartFixture, RxFifoOrderAndOverrun) {
  for (int i = 0; i < 17; ++i) uart.push_rx(static_cast<uint8_t>('a' + i));
  EXPECT_TRUE(uart.rx_ready());
  EXPECT_EQ(rd(kLsr), 0x63);                                       // DR | OE | THRE | TEMT.
  EXPECT_EQ(rd(kLsr), 0x61);                                       // OE clears on read.
  for (int i = 0; i < 16; ++i) EXPECT_EQ(rd(kRbr), 'a' + i) << i;  // 17th byte was dropped.
  EXPECT_FALSE(uart.rx_ready());
  EXPECT_EQ(rd(kLsr), 0x60);
  EXPECT_EQ(rd(kRbr), 0);
}

TEST_F(UartFixture, FcrClearsRxFifo) {
  wr(kFcr, 0x01);
  uart.push_rx('z');
  wr(kFcr, 0x01);  // Rewriting the same mode keeps the data.
  EXPECT_TRUE(uart.rx_ready());
  wr(kFcr, 0x03);
  EXPECT_FALSE(uart.rx_ready());
  EXPECT_EQ(rd(kLsr) & 0x01, 0);
  uart.push_rx('z');
  wr(kFcr, 0x00);  // Leaving FIFO mode flushes too.
  EXPECT_FALSE(uart.rx_ready());
}

TEST_F(UartFixture, RxIrqLevel) {
  wr(kFcr, 0x01);  // Before pushing: switching FIFO mode flushes the FIFO.
  uart.push_rx('q');
  EXPECT_FALSE(irq.level);  // Masked.
  wr(kIer, 0x01);
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(rd(kIir), 0xc4);  // FIFO-enabled bits + RX data available.
  EXPECT_TRUE(irq.level);     // Reading IIR does not acknowledge RX data.
  EXPECT_EQ(rd(kRbr), 'q');
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(rd(kIir), 0xc1);
  uart.push_rx('r');
  EXPECT_TRUE(irq.level);
  wr(kIer, 0x00);
  EXPECT_FALSE(irq.level);
}

TEST_F(UartFixture, ThreIrqLevel) {
  wr(kIer, 0x02);  // Enabling ETBEI with an empty THR interrupts at once.
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(rd(kIir), 0x02);
  EXPECT_FALSE(irq.level);  // IIR read acknowledged THRE.
  EXPECT_EQ(rd(kIir), 0x01);
  wr(kRbr, 'k');  // Transmit completes instantly: THR empty again.
  EXPECT_TRUE(irq.level);
  wr(kIer, 0x00);
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(out, "k");
}

TEST_F(UartFixture, RxDataHasPriorityOverThre) {
  uart.push_rx('1');
  wr(kIer, 0x03);
  EXPECT_EQ(rd(kIir), 0x04);
  EXPECT_EQ(rd(kIir), 0x04);  // THRE is not acknowledged while hidden behind RX data.
  EXPECT_EQ(rd(kRbr), '1');
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(rd(kIir), 0x02);
  EXPECT_FALSE(irq.level);
}

TEST_F(UartFixture, OverrunRaisesLineStatusInterrupt) {
  wr(kIer, 0x04);
  for (int i = 0; i < 16; ++i) uart.push_rx('x');
  EXPECT_FALSE(irq.level);
  uart.push_rx('y');
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(rd(kIir), 0x06);
  EXPECT_EQ(rd(kLsr) & 0x02, 0x02);
  EXPECT_FALSE(irq.level);
}

TEST_F(UartFixture, LoopbackRoutesTxToRx) {
  wr(kMcr, 0x10 | 0x02 | 0x01);  // LOOP | RTS | DTR.
  EXPECT_EQ(rd(kMsr), 0x30);     // CTS | DSR.
  wr(kRbr, 'L');
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(uart.rx_ready());
  EXPECT_EQ(rd(kRbr), 'L');
}

TEST_F(UartFixture, IrqLineDrivenOnlyOnChange) {
  wr(kIer, 0x01);
  uart.push_rx('a');
  uart.push_rx('b');
  rd(kRbr);
  rd(kRbr);
  EXPECT_EQ(irq.history, (std::vector<bool>{true, false}));
}

// Reads every register without side effects that would differ between two instances.
std::vector<uint8_t> UartSnapshot(Uart16550& u) {
  std::vector<uint8_t> v;
  uint8_t lcr = static_cast<uint8_t>(u.read(kLcr, 1));
  v.push_back(lcr);
  v.push_back(static_cast<uint8_t>(u.read(kIer, 1)));
  v.push_back(static_cast<uint8_t>(u.read(kMcr, 1)));
  v.push_back(static_cast<uint8_t>(u.read(kMsr, 1)));
  v.push_back(static_cast<uint8_t>(u.read(kScr, 1)));
  u.write(kLcr, 1, lcr | 0x80);
  v.push_back(static_cast<uint8_t>(u.read(0, 1)));
  v.push_back(static_cast<uint8_t>(u.read(1, 1)));
  u.write(kLcr, 1, lcr);
  return v;
}

TEST(UartState, SaveLoadRoundTrip) {
  Wire irq_a;
  std::string out_a;
  Uart16550 a([&](uint8_t b) { out_a.push_back(static_cast<char>(b)); }, irq_a.line());
  a.write(kLcr, 1, 0x83);
  a.write(0, 1, 0x0c);
  a.write(1, 1, 0x02);
  a.write(kLcr, 1, 0x1b);
  a.write(kFcr, 1, 0xc1);
  a.write(kMcr, 1, 0x0b);
  a.write(kScr, 1, 0x5a);
  a.write(kIer, 1, 0x07);
  for (int i = 0; i < 3; ++i) a.push_rx('p');
  a.read(kRbr, 1);                                                        // Move the ring head off zero.
  for (int i = 0; i < 15; ++i) a.push_rx(static_cast<uint8_t>('A' + i));  // 17 offered: overrun.
  ASSERT_TRUE(irq_a.level);

  Writer w;
  a.save(w);
  Wire irq_b;
  std::string out_b;
  Uart16550 b([&](uint8_t x) { out_b.push_back(static_cast<char>(x)); }, irq_b.line());
  Reader r(w.data());
  b.load(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(irq_b.history, std::vector<bool>{true});  // load() drives the restored level.

  EXPECT_EQ(UartSnapshot(a), UartSnapshot(b));
  // Walk both through the same destructive reads: IIR/LSR/RBR sequences and IRQ levels match.
  for (int step = 0; step < 40; ++step) {
    uint64_t reg = step % 3 == 0 ? kIir : step % 3 == 1 ? kLsr : kRbr;
    ASSERT_EQ(a.read(reg, 1), b.read(reg, 1)) << "step " << step;
    ASSERT_EQ(irq_a.level, irq_b.level) << "step " << step;
  }
  a.write(kRbr, 1, 'z');
  b.write(kRbr, 1, 'z');
  EXPECT_EQ(out_a, out_b);
  EXPECT_EQ(a.read(kIir, 1), b.read(kIir, 1));

  // A second save of the restored device is byte-identical to one of the original.
  Writer wa, wb;
  a.save(wa);
  b.save(wb);
  EXPECT_EQ(wa.data(), wb.data());
}

TEST(UartState, TruncatedBlobThrows) {
  Uart16550 a(nullptr, IrqLine());
  for (int i = 0; i < 5; ++i) a.push_rx(static_cast<uint8_t>(i));
  Writer w;
  a.save(w);
  ExpectAllTruncationsThrow(w.data(), [] { return std::make_unique<Uart16550>(nullptr, IrqLine()); });
}

TEST(UartState, ForeignSectionAndOversizedFifoThrow) {
  Writer w;
  w.begin("clint", 1);
  Uart16550 u(nullptr, IrqLine());
  Reader r(w.data());
  EXPECT_THROW(u.load(r), StateError);

  Writer bad;
  bad.begin("uart16550", 1);
  for (int i = 0; i < 7; ++i) bad.u8(0);
  bad.boolean(false);
  bad.boolean(false);
  bad.u32(17);
  for (int i = 0; i < 17; ++i) bad.u8(0);
  Reader rb(bad.data());
  EXPECT_THROW(u.load(rb), StateError);
}

// ---------------------------------------------------------------------------------------------
// CLINT

struct ClintFixture : ::testing::Test {
  FakeClock clock;
  Wire msip, mtip;
  Clint clint{clock, 1, {{msip.line(), mtip.line()}}};
  uint64_t rd64(uint64_t off) { return clint.read(off, 8); }
  uint64_t rd32(uint64_t off) { return clint.read(off, 4); }
};

TEST_F(ClintFixture, ResetValues) {
  EXPECT_EQ(rd64(0x4000), ~uint64_t{0});
  EXPECT_EQ(rd32(0x0), 0u);
  EXPECT_EQ(rd64(0xbff8), 0u);
  EXPECT_FALSE(msip.level);
  EXPECT_FALSE(mtip.level);
  EXPECT_EQ(clint.next_deadline(), ~uint64_t{0});
}

TEST_F(ClintFixture, MtimeFollowsClock) {
  clock.advance_to(12345);
  EXPECT_EQ(rd64(0xbff8), 12345u);
  clock.advance_to(0x1'0000'0005);
  EXPECT_EQ(rd64(0xbff8), 0x1'0000'0005u);
  EXPECT_EQ(rd32(0xbff8), 5u);
  EXPECT_EQ(rd32(0xbffc), 1u);
}

TEST_F(ClintFixture, TimerIrqRaisesExactlyAtCompare) {
  clint.write(0x4000, 8, 100);
  EXPECT_FALSE(mtip.level);
  EXPECT_EQ(clint.next_deadline(), 100u);
  uint64_t raised_at = 0;
  for (uint64_t t = 1; t <= 120 && raised_at == 0; ++t) {
    clock.advance_to(t);
    if (mtip.level) raised_at = t;
  }
  EXPECT_EQ(raised_at, 100u);
  EXPECT_EQ(mtip.history, std::vector<bool>{true});
  EXPECT_EQ(clint.next_deadline(), ~uint64_t{0});
  clint.write(0x4000, 8, ~uint64_t{0});  // Moving the compare away drops MTIP.
  EXPECT_FALSE(mtip.level);
}

TEST_F(ClintFixture, TimerFiresInOneBigAdvance) {
  clint.write(0x4000, 8, 5000);
  clock.advance_to(1'000'000);
  EXPECT_TRUE(mtip.level);
}

TEST_F(ClintFixture, CompareInThePastRaisesImmediately) {
  clock.advance_to(50);
  clint.write(0x4000, 8, 10);
  EXPECT_TRUE(mtip.level);
  EXPECT_EQ(clock.pending(), 0u);
}

TEST_F(ClintFixture, StaleScheduleDoesNothing) {
  clint.write(0x4000, 8, 50);
  clint.write(0x4000, 8, 200);
  clock.advance_to(150);
  EXPECT_FALSE(mtip.level);
  EXPECT_TRUE(mtip.history.empty());
  clock.advance_to(199);
  EXPECT_FALSE(mtip.level);
  clock.advance_to(200);
  EXPECT_TRUE(mtip.level);
}

TEST_F(ClintFixture, Mtimecmp32BitHalves) {
  clock.advance_to(10);
  // The RV32 idiom: park the high half, write the low half, then the real high half.
  clint.write(0x4004, 4, 0xffff'ffff);
  clint.write(0x4000, 4, 0x0000'0020);
  clint.write(0x4004, 4, 0x0000'0000);
  EXPECT_FALSE(mtip.level);
  EXPECT_TRUE(mtip.history.empty());
  EXPECT_EQ(rd64(0x4000), 0x20u);
  EXPECT_EQ(rd32(0x4000), 0x20u);
  EXPECT_EQ(rd32(0x4004), 0u);
  clint.write(0x4004, 4, 0x1234);
  EXPECT_EQ(rd64(0x4000), 0x1234'0000'0020u);
  EXPECT_EQ(rd32(0x4004), 0x1234u);
  clint.write(0x4004, 4, 0);
  clock.advance_to(0x1f);
  EXPECT_FALSE(mtip.level);
  clock.advance_to(0x20);
  EXPECT_TRUE(mtip.level);
}

TEST_F(ClintFixture, MsipBitZeroOnly) {
  clint.write(0x0, 4, 1);
  EXPECT_TRUE(msip.level);
  EXPECT_EQ(rd32(0x0), 1u);
  clint.write(0x0, 4, 0xfffffffe);
  EXPECT_FALSE(msip.level);
  EXPECT_EQ(rd32(0x0), 0u);
  clint.write(0x0, 4, 3);
  EXPECT_EQ(rd32(0x0), 1u);
  EXPECT_FALSE(mtip.level);
}

TEST_F(ClintFixture, MtimeWriteSetsOffset) {
  clock.advance_to(1000);
  clint.write(0xbff8, 8, 50);
  EXPECT_EQ(rd64(0xbff8), 50u);
  clock.advance_to(1010);
  EXPECT_EQ(rd64(0xbff8), 60u);
  clint.write(0x4000, 8, 100);
  EXPECT_EQ(clint.next_deadline(), 1050u);
  clock.advance_to(1049);
  EXPECT_FALSE(mtip.level);
  clock.advance_to(1050);
  EXPECT_TRUE(mtip.level);
  // Writing only the high half of mtime keeps the low half.
  clint.write(0xbffc, 4, 2);
  EXPECT_EQ(rd64(0xbff8), (uint64_t{2} << 32) | 100);
}

TEST_F(ClintFixture, MtimeWriteCanLowerPendingTimer) {
  clint.write(0x4000, 8, 100);
  clock.advance_to(100);
  ASSERT_TRUE(mtip.level);
  clint.write(0xbff8, 8, 0);  // Back in time: no longer due, re-armed for 100 ticks later.
  EXPECT_FALSE(mtip.level);
  clock.advance_to(199);
  EXPECT_FALSE(mtip.level);
  clock.advance_to(200);
  EXPECT_TRUE(mtip.level);
}

TEST_F(ClintFixture, UnsupportedAccessesIgnored) {
  clint.write(0x0, 1, 1);
  clint.write(0x4002, 4, 0);  // Misaligned.
  EXPECT_FALSE(msip.level);
  EXPECT_EQ(rd64(0x4000), ~uint64_t{0});
  EXPECT_EQ(clint.read(0x0, 2), 0u);
  EXPECT_EQ(rd32(0x4008), 0u);  // Hart 1 does not exist.
}

TEST(ClintTest, UpdateRecomputesLines) {
  // A clock that never runs its events models a board that polls update() instead.
  struct StillClock : Clock {
    uint64_t t = 0;
    uint64_t now() const override { return t; }
    void schedule(uint64_t, std::function<void()>) override {}
  } clock;
  Wire sw, tm;
  Clint c(clock, 1, {{sw.line(), tm.line()}});
  c.write(0x4000, 8, 30);
  clock.t = 29;
  c.update();
  EXPECT_FALSE(tm.level);
  clock.t = 30;
  EXPECT_EQ(c.next_deadline(), 30u);
  c.update();
  EXPECT_TRUE(tm.level);
}

TEST(ClintTest, MultipleHarts) {
  FakeClock clock;
  Wire s0, t0, s1, t1;
  Clint c(clock, 2, {{s0.line(), t0.line()}, {s1.line(), t1.line()}});
  c.write(0x4, 4, 1);
  EXPECT_FALSE(s0.level);
  EXPECT_TRUE(s1.level);
  c.write(0x0, 8, 0x2'0000'0001);  // 64-bit store: hart0 word 1, hart1 word 2 (bit 0 clear).
  EXPECT_TRUE(s0.level);
  EXPECT_FALSE(s1.level);
  c.write(0x4008, 8, 40);
  c.write(0x4000, 8, 70);
  EXPECT_EQ(c.next_deadline(), 40u);
  clock.advance_to(40);
  EXPECT_FALSE(t0.level);
  EXPECT_TRUE(t1.level);
  EXPECT_EQ(c.next_deadline(), 70u);
  clock.advance_to(70);
  EXPECT_TRUE(t0.level);
}

TEST(ClintTest, RejectsBadHartCounts) {
  FakeClock clock;
  EXPECT_THROW(Clint(clock, 0, {}), std::invalid_argument);
  EXPECT_THROW(Clint(clock, 9, std::vector<ClintHartLines>(9)), std::invalid_argument);
  EXPECT_THROW(Clint(clock, 2, std::vector<ClintHartLines>(1)), std::invalid_argument);
}

TEST(ClintTest, CallbackAfterDestructionIsHarmless) {
  FakeClock clock;
  {
    Clint c(clock, 1, std::vector<ClintHartLines>(1));
    c.write(0x4000, 8, 10);
  }
  EXPECT_EQ(clock.pending(), 1u);
  clock.advance_to(20);  // Under ASan this would flag a use-after-free.
}

TEST(ClintState, SaveLoadRoundTrip) {
  FakeClock clock;
  clock.advance_to(500);
  Wire s0, t0, s1, t1;
  Clint a(clock, 2, {{s0.line(), t0.line()}, {s1.line(), t1.line()}});
  a.write(0xbff8, 8, 10'000);  // Non-zero offset.
  a.write(0x0, 4, 1);
  a.write(0x4000, 8, 10'300);  // Due at clock tick 800.
  a.write(0x4008, 8, 9'000);   // Already due.
  ASSERT_TRUE(s0.level);
  ASSERT_FALSE(t0.level);
  ASSERT_TRUE(t1.level);

  Writer w;
  a.save(w);
  Wire s0b, t0b, s1b, t1b;
  Clint b(clock, 2, {{s0b.line(), t0b.line()}, {s1b.line(), t1b.line()}});
  Reader r(w.data());
  b.load(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(s0b.level, s0.level);
  EXPECT_EQ(t0b.level, t0.level);
  EXPECT_EQ(s1b.level, s1.level);
  EXPECT_EQ(t1b.level, t1.level);
  EXPECT_FALSE(s1b.history.empty());  // load() drives every line, even low ones.
  for (uint64_t off : {0x0ull, 0x4ull, 0x4000ull, 0x4004ull, 0x4008ull, 0xbff8ull, 0xbffcull})
    EXPECT_EQ(a.read(off, 4), b.read(off, 4)) << std::hex << off;
  EXPECT_EQ(a.next_deadline(), b.next_deadline());
  EXPECT_EQ(b.next_deadline(), 800u);

  // The restored device rescheduled its own timer.
  clock.advance_to(799);
  EXPECT_FALSE(t0b.level);
  clock.advance_to(800);
  EXPECT_TRUE(t0b.level);
  EXPECT_TRUE(t0.level);
}

TEST(ClintState, TruncatedBlobThrows) {
  FakeClock clock;
  Clint a(clock, 2, std::vector<ClintHartLines>(2));
  a.write(0x4000, 8, 77);
  Writer w;
  a.save(w);
  ExpectAllTruncationsThrow(w.data(),
                            [&] { return std::make_unique<Clint>(clock, 2, std::vector<ClintHartLines>(2)); });
}

TEST(ClintState, HartCountMismatchThrows) {
  FakeClock clock;
  Clint a(clock, 2, std::vector<ClintHartLines>(2));
  Writer w;
  a.save(w);
  Clint b(clock, 1, std::vector<ClintHartLines>(1));
  Reader r(w.data());
  EXPECT_THROW(b.load(r), StateError);
}

// ---------------------------------------------------------------------------------------------
// SiFive test finisher

struct FinisherFixture : ::testing::Test {
  std::vector<std::pair<FinisherEvent, uint32_t>> events;
  TestFinisher fin{[this](FinisherEvent e, uint32_t c) { events.emplace_back(e, c); }};
};

TEST_F(FinisherFixture, PassFailReset) {
  fin.write(0, 4, 0x5555);
  fin.write(0, 4, (42u << 16) | 0x3333);
  fin.write(0, 4, 0x7777);
  fin.write(0, 8, 0xdead'beef'0001'3333);  // 64-bit store: low word counts.
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0], std::make_pair(FinisherEvent::kPass, 0u));
  EXPECT_EQ(events[1], std::make_pair(FinisherEvent::kFail, 42u));
  EXPECT_EQ(events[2], std::make_pair(FinisherEvent::kReset, 0u));
  EXPECT_EQ(events[3], std::make_pair(FinisherEvent::kFail, 1u));
}

TEST_F(FinisherFixture, FailCodeUsesUpperSixteenBits) {
  fin.write(0, 4, 0xffff'3333);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second, 0xffffu);
}

TEST_F(FinisherFixture, HalfwordStoreIsACommand) {
  fin.write(0, 2, 0x5555);  // how OpenSBI's sifive_test driver powers off
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], std::make_pair(FinisherEvent::kPass, 0u));
}

TEST_F(FinisherFixture, OtherValuesIgnoredAndReadsZero) {
  fin.write(0, 4, 0x1234);
  fin.write(0, 4, 0x5556);
  fin.write(4, 4, 0x5555);  // Wrong offset.
  fin.write(0, 1, 0x55);    // A byte store is not a command.
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(fin.read(0, 4), 0u);
}

TEST_F(FinisherFixture, SaveLoadRoundTripAndTruncation) {
  Writer w;
  fin.save(w);
  std::vector<std::pair<FinisherEvent, uint32_t>> ev2;
  TestFinisher b([&](FinisherEvent e, uint32_t c) { ev2.emplace_back(e, c); });
  Reader r(w.data());
  b.load(r);
  EXPECT_TRUE(r.at_end());
  b.write(0, 4, (7u << 16) | 0x3333);
  fin.write(0, 4, (7u << 16) | 0x3333);
  EXPECT_EQ(ev2, events);
  ExpectAllTruncationsThrow(w.data(), [] { return std::make_unique<TestFinisher>(nullptr); });
}

// ---------------------------------------------------------------------------------------------
// HTIF

uint64_t HtifCmd(uint64_t dev, uint64_t cmd, uint64_t payload) { return dev << 56 | cmd << 48 | payload; }

struct HtifFixture : ::testing::Test {
  std::string console;
  std::vector<uint32_t> exits;
  Htif htif{[this](uint8_t c) { console.push_back(static_cast<char>(c)); },
            [this](uint32_t code) { exits.push_back(code); }};
};

TEST_F(HtifFixture, ConsolePutcharIsAcknowledged) {
  uint64_t to = 0xdead, from = 0;
  EXPECT_TRUE(htif.on_tohost_write(HtifCmd(1, 1, 'o'), to, from));
  EXPECT_EQ(to, 0u);
  EXPECT_EQ(from, (uint64_t{1} << 56) | (uint64_t{1} << 48));
  EXPECT_TRUE(htif.on_tohost_write(HtifCmd(1, 1, 0x1234'0000'006b), to, from));  // Low byte only.
  EXPECT_EQ(console, "ok");
  EXPECT_TRUE(exits.empty());
}

TEST_F(HtifFixture, ExitDecode) {
  uint64_t to = 7, from = 9;
  EXPECT_FALSE(htif.on_tohost_write(1, to, from));  // Exit with code 0 (riscv-tests pass).
  EXPECT_FALSE(htif.on_tohost_write((3u << 1) | 1, to, from));
  EXPECT_EQ(exits, (std::vector<uint32_t>{0, 3}));
  EXPECT_TRUE(htif.exited());
  EXPECT_EQ(htif.exit_code(), 3u);
  EXPECT_EQ(to, 7u);  // Not touched: no RAM update.
  EXPECT_EQ(from, 9u);
  EXPECT_TRUE(console.empty());
}

TEST_F(HtifFixture, GetcharAndUnknownCommandsOnlyClearTohost) {
  uint64_t to = 1, from = 0x55;
  EXPECT_TRUE(htif.on_tohost_write(HtifCmd(1, 0, 0), to, from));
  EXPECT_EQ(to, 0u);
  EXPECT_EQ(from, 0x55u);  // No reply: there is no host input.
  to = 1;
  EXPECT_TRUE(htif.on_tohost_write(HtifCmd(0, 0, 0x80000000), to, from));  // Syscall proxy.
  EXPECT_EQ(to, 0u);
  EXPECT_EQ(from, 0x55u);
  to = 1;
  EXPECT_TRUE(htif.on_tohost_write(HtifCmd(5, 2, 1), to, from));
  EXPECT_EQ(to, 0u);
  EXPECT_TRUE(console.empty());
  EXPECT_TRUE(exits.empty());
  EXPECT_FALSE(htif.exited());
}

TEST_F(HtifFixture, ZeroIsNotACommand) {
  uint64_t to = 3, from = 4;
  EXPECT_FALSE(htif.on_tohost_write(0, to, from));
  EXPECT_EQ(to, 3u);
  EXPECT_TRUE(exits.empty());
}

TEST_F(HtifFixture, SaveLoadRoundTripAndTruncation) {
  uint64_t to = 0, from = 0;
  htif.on_tohost_write((21u << 1) | 1, to, from);
  Writer w;
  htif.save(w);
  std::string console_b;
  Htif b([&](uint8_t c) { console_b.push_back(static_cast<char>(c)); }, nullptr);
  Reader r(w.data());
  b.load(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_TRUE(b.exited());
  EXPECT_EQ(b.exit_code(), 21u);
  uint64_t tb = 1, fb = 0;
  EXPECT_TRUE(b.on_tohost_write(HtifCmd(1, 1, '#'), tb, fb));
  EXPECT_EQ(console_b, "#");

  for (size_t n = 0; n < w.data().size(); ++n) {
    Htif fresh(nullptr, nullptr);
    Reader rt(w.data().data(), n);
    EXPECT_THROW(fresh.load(rt), StateError) << n;
    EXPECT_FALSE(fresh.exited());  // A failed load leaves the state alone.
  }
}

}  // namespace
}  // namespace polyemu
