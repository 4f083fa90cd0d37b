// Goldfish RTC: virtual time from the start epoch and the 10 MHz clock, the latched high
// half, and alarms scheduled on the clock.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>

#include "machines/devices/goldfish_rtc.h"
#include "tests/device_fakes.h"

namespace polyemu {
namespace {

using test::ExpectAllTruncationsThrow;
using test::FakeClock;
using test::Wire;

constexpr uint64_t kTimeLow = 0x00, kTimeHigh = 0x04, kAlarmLow = 0x08, kAlarmHigh = 0x0c, kIrqEnabled = 0x10,
                   kClearAlarm = 0x14, kAlarmStatus = 0x18, kClearInterrupt = 0x1c;
constexpr uint64_t kEpoch = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z in ns.

struct RtcFixture : ::testing::Test {
  FakeClock clock;
  Wire irq;
  GoldfishRtc rtc{clock, kEpoch, irq.line()};
  uint32_t rd(uint64_t off) { return static_cast<uint32_t>(rtc.read(off, 4)); }
  void wr(uint64_t off, uint32_t v) { rtc.write(off, 4, v); }
  // The Linux driver's order: low first (latching high), then high.
  uint64_t time() {
    uint64_t lo = rd(kTimeLow);
    return uint64_t{rd(kTimeHigh)} << 32 | lo;
  }
  void set_alarm(uint64_t ns) {
    wr(kAlarmHigh, static_cast<uint32_t>(ns >> 32));
    wr(kAlarmLow, static_cast<uint32_t>(ns));
  }
};

TEST_F(RtcFixture, TimeIsEpochPlusVirtualClock) {
  EXPECT_EQ(time(), kEpoch);
  clock.advance_to(12345);  // 12345 ticks of 100 ns.
  EXPECT_EQ(time(), kEpoch + 1'234'500);
  EXPECT_EQ(rtc.now_ns(), kEpoch + 1'234'500);
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(rd(kIrqEnabled), 0u);
  EXPECT_EQ(rd(kAlarmStatus), 0u);
}

TEST(RtcTest, TimeLowReadLatchesHighHalf) {
  FakeClock clock;
  GoldfishRtc rtc(clock, 0x1'ffff'ff00, IrqLine());
  EXPECT_EQ(rtc.read(kTimeHigh, 4), 0u);  // Nothing latched yet.
  EXPECT_EQ(rtc.read(kTimeLow, 4), 0xffff'ff00u);
  clock.advance_to(10);  // +1000 ns crosses into high half 2.
  EXPECT_EQ(rtc.read(kTimeHigh, 4), 1u);
  EXPECT_EQ(rtc.read(kTimeLow, 4), 0x2e8u);  // 0x1'ffff'ff00 + 1000 = 0x2'0000'02e8.
  EXPECT_EQ(rtc.read(kTimeHigh, 4), 2u);
}

TEST_F(RtcFixture, WritingTimeReplacesEachHalf) {
  clock.advance_to(7);
  wr(kTimeHigh, 0x12);
  wr(kTimeLow, 0x34);
  EXPECT_EQ(time(), 0x12'0000'0034u);
  clock.advance_to(12);
  EXPECT_EQ(time(), 0x12'0000'0034u + 500);
}

TEST_F(RtcFixture, AlarmRaisesIrqAtTheFirstTickReachingIt) {
  wr(kIrqEnabled, 1);
  set_alarm(kEpoch + 950);  // Reached at tick 10 (1000 ns), not 9 (900 ns).
  EXPECT_EQ(rd(kAlarmStatus), 1u);
  EXPECT_EQ(uint64_t{rd(kAlarmHigh)} << 32 | rd(kAlarmLow), kEpoch + 950);
  clock.advance_to(9);
  EXPECT_FALSE(irq.level);
  clock.advance_to(10);
  EXPECT_TRUE(irq.level);
  EXPECT_EQ(rd(kAlarmStatus), 0u);
  wr(kClearInterrupt, 1);
  EXPECT_FALSE(irq.level);
  EXPECT_EQ(irq.history, (std::vector<bool>{true, false}));
}

TEST_F(RtcFixture, PastAlarmFiresAtOnceAndIrqEnableGatesTheLine) {
  clock.advance_to(100);
  set_alarm(kEpoch + 5);
  EXPECT_EQ(rd(kAlarmStatus), 0u);
  EXPECT_FALSE(irq.level);  // Pending, but interrupts are disabled.
  wr(kIrqEnabled, 1);
  EXPECT_TRUE(irq.level);
  wr(kIrqEnabled, 0);
  EXPECT_FALSE(irq.level);
  wr(kIrqEnabled, 3);
  EXPECT_EQ(rd(kIrqEnabled), 1u);
  wr(kClearInterrupt, 1);
  EXPECT_FALSE(irq.level);
}

TEST_F(RtcFixture, ClearAlarmCancels) {
  wr(kIrqEnabled, 1);
  set_alarm(kEpoch + 1000);
  wr(kClearAlarm, 1);
  EXPECT_EQ(rd(kAlarmStatus), 0u);
  clock.advance_to(1000);
  EXPECT_FALSE(irq.level);
  EXPECT_TRUE(irq.history.empty());
}

TEST_F(RtcFixture, NewAlarmReplacesTheOldOne) {
  wr(kIrqEnabled, 1);
  set_alarm(kEpoch + 1000);
  set_alarm(kEpoch + 3000);
  clock.advance_to(29);
  EXPECT_FALSE(irq.level);
  clock.advance_to(30);
  EXPECT_TRUE(irq.level);
}

TEST_F(RtcFixture, SettingTheTimeMovesThePendingAlarm) {
  wr(kIrqEnabled, 1);
  set_alarm(kEpoch + 1000);
  // Same high half, low half 1000 ns earlier: the alarm is now 2000 ns away.
  wr(kTimeLow, static_cast<uint32_t>(kEpoch - 1000));
  EXPECT_EQ(time(), kEpoch - 1000);
  clock.advance_to(10);
  EXPECT_FALSE(irq.level);
  clock.advance_to(19);
  EXPECT_FALSE(irq.level);
  clock.advance_to(20);
  EXPECT_TRUE(irq.level);
}

TEST_F(RtcFixture, UnsupportedAccessesIgnored) {
  rtc.write(kIrqEnabled, 1, 1);
  rtc.write(kIrqEnabled + 2, 4, 1);
  EXPECT_EQ(rd(kIrqEnabled), 0u);
  EXPECT_EQ(rtc.read(kTimeLow, 8), 0u);
  EXPECT_EQ(rd(0x20), 0u);
}

TEST(RtcTest, CallbackAfterDestructionIsHarmless) {
  FakeClock clock;
  {
    GoldfishRtc rtc(clock, kEpoch, IrqLine());
    rtc.write(kAlarmHigh, 4, static_cast<uint32_t>((kEpoch + 500) >> 32));
    rtc.write(kAlarmLow, 4, static_cast<uint32_t>(kEpoch + 500));
  }
  EXPECT_EQ(clock.pending(), 1u);
  clock.advance_to(100);  // Under ASan this would flag a use-after-free.
}

TEST(RtcState, SaveLoadRoundTripReschedulesTheAlarm) {
  FakeClock clock;
  Wire irq_a;
  GoldfishRtc a(clock, kEpoch, irq_a.line());
  clock.advance_to(50);
  a.write(kTimeHigh, 4, 0x100);  // Guest-set time: time = 0x100'xxxx'xxxx.
  a.write(kIrqEnabled, 4, 1);
  uint64_t alarm = a.now_ns() + 2000;
  a.write(kAlarmHigh, 4, static_cast<uint32_t>(alarm >> 32));
  a.write(kAlarmLow, 4, static_cast<uint32_t>(alarm));
  ASSERT_EQ(a.read(kAlarmStatus, 4), 1u);

  Writer w;
  a.save(w);
  Wire irq_b;
  GoldfishRtc b(clock, 0, irq_b.line());
  Reader r(w.data());
  b.load(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(b.now_ns(), a.now_ns());
  EXPECT_EQ(b.read(kAlarmStatus, 4), 1u);
  EXPECT_EQ(b.read(kIrqEnabled, 4), 1u);
  EXPECT_FALSE(irq_b.history.empty());  // load() drives the line.
  clock.advance_to(69);
  EXPECT_FALSE(irq_b.level);
  clock.advance_to(70);
  EXPECT_TRUE(irq_b.level);
  EXPECT_TRUE(irq_a.level);
}

TEST(RtcState, TruncatedBlobThrowsAndLeavesStateAlone) {
  FakeClock clock;
  GoldfishRtc a(clock, kEpoch, IrqLine());
  a.write(kIrqEnabled, 4, 1);
  Writer w;
  a.save(w);
  ExpectAllTruncationsThrow(w.data(), [&] { return std::make_unique<GoldfishRtc>(clock, kEpoch, IrqLine()); });
  GoldfishRtc b(clock, 42, IrqLine());
  Reader r(w.data().data(), w.data().size() - 1);
  EXPECT_THROW(b.load(r), StateError);
  EXPECT_EQ(b.now_ns(), 42u);
  EXPECT_EQ(b.read(kIrqEnabled, 4), 0u);
}

}  // namespace
}  // namespace polyemu
