// PLIC register layout, arbitration and gateway semantics, from the RISC-V PLIC spec and
// QEMU virt's SiFive layout.
#include "machines/devices/plic.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "tests/device_fakes.h"

namespace polyemu {
namespace {

using test::ExpectAllTruncationsThrow;
using test::Wire;

constexpr uint64_t Priority(unsigned src) { return 4 * src; }
constexpr uint64_t Pending(unsigned word) { return 0x1000 + 4 * word; }
constexpr uint64_t Enable(unsigned ctx, unsigned word) { return 0x2000 + 0x80 * ctx + 4 * word; }
constexpr uint64_t Threshold(unsigned ctx) { return 0x200000 + 0x1000 * ctx; }
constexpr uint64_t Claim(unsigned ctx) { return 0x200004 + 0x1000 * ctx; }

// One hart: context 0 is M-mode, context 1 S-mode, as on QEMU virt.
struct PlicFixture : ::testing::Test {
  Wire meip, seip;
  Plic plic{Plic::kVirtSources, {meip.line(), seip.line()}};
  uint32_t rd(uint64_t off) { return static_cast<uint32_t>(plic.read(off, 4)); }
  void wr(uint64_t off, uint32_t v) { plic.write(off, 4, v); }
  bool pending(unsigned src) { return (rd(Pending(src / 32)) >> (src % 32)) & 1; }
};

TEST(PlicTest, WindowSizeFollowsContexts) {
  EXPECT_EQ(Plic::window_size(2), 0x202000u);
  EXPECT_EQ(Plic::window_size(16), 0x210000u);
  Plic p(96, std::vector<IrqLine>(4));
  EXPECT_EQ(p.size(), 0x204000u);
  EXPECT_EQ(p.num_sources(), 96u);
  EXPECT_EQ(p.num_contexts(), 4u);
}

TEST(PlicTest, RejectsBadConfigurations) {
  EXPECT_THROW(Plic(1, std::vector<IrqLine>(2)), std::invalid_argument);
  EXPECT_THROW(Plic(1025, std::vector<IrqLine>(2)), std::invalid_argument);
  EXPECT_THROW(Plic(96, {}), std::invalid_argument);
  EXPECT_THROW(Plic(96, std::vector<IrqLine>(Plic::kMaxContexts + 1)), std::invalid_argument);
}

TEST_F(PlicFixture, ResetValues) {
  for (unsigned s = 0; s < 96; ++s) EXPECT_EQ(rd(Priority(s)), 0u) << s;
  for (unsigned w = 0; w < 3; ++w) {
    EXPECT_EQ(rd(Pending(w)), 0u);
    EXPECT_EQ(rd(Enable(0, w)), 0u);
    EXPECT_EQ(rd(Enable(1, w)), 0u);
  }
  EXPECT_EQ(rd(Threshold(0)), 0u);
  EXPECT_EQ(rd(Claim(1)), 0u);
  EXPECT_FALSE(meip.level);
  EXPECT_FALSE(seip.level);
}

TEST_F(PlicFixture, PriorityIsThreeBitWarl) {
  wr(Priority(1), 0xffff'ffff);
  EXPECT_EQ(rd(Priority(1)), 7u);
  wr(Priority(95), 9);
  EXPECT_EQ(rd(Priority(95)), 1u);
  wr(Priority(0), 5);  // Source 0 does not exist.
  EXPECT_EQ(rd(Priority(0)), 0u);
  wr(Priority(96), 5);  // Past the last source.
  EXPECT_EQ(rd(Priority(96)), 0u);
  wr(Threshold(1), 0xff);
  EXPECT_EQ(rd(Threshold(1)), 7u);
}

TEST_F(PlicFixture, EnableBitsOfMissingSourcesAreHardwiredToZero) {
  wr(Enable(0, 0), 0xffff'ffff);
  EXPECT_EQ(rd(Enable(0, 0)), 0xffff'fffeu);  // Source 0.
  wr(Enable(0, 2), 0xffff'ffff);              // Sources 64..95 all exist.
  EXPECT_EQ(rd(Enable(0, 2)), 0xffff'ffffu);
  wr(Enable(0, 3), 0xffff'ffff);
  EXPECT_EQ(rd(Enable(0, 3)), 0u);
  EXPECT_EQ(rd(Enable(1, 0)), 0u);  // Contexts are independent.

  Plic small(40, std::vector<IrqLine>(2));  // Sources 1..39.
  small.write(Enable(1, 1), 4, 0xffff'ffff);
  EXPECT_EQ(small.read(Enable(1, 1), 4), 0xffu);
  EXPECT_EQ(small.read(Enable(2, 0), 4), 0u);  // No context 2.
}

TEST_F(PlicFixture, ClaimPicksHighestPriorityThenLowestId) {
  wr(Priority(3), 2);
  wr(Priority(5), 2);
  wr(Priority(7), 5);
  wr(Enable(1, 0), (1u << 3) | (1u << 5) | (1u << 7));
  plic.set_source(3, true);
  plic.set_source(5, true);
  EXPECT_TRUE(seip.level);
  EXPECT_FALSE(meip.level);  // Not enabled for the M-mode context.
  EXPECT_EQ(rd(Pending(0)), (1u << 3) | (1u << 5));
  EXPECT_EQ(rd(Claim(1)), 3u);  // Tie on priority 2: lowest ID.
  EXPECT_EQ(rd(Pending(0)), 1u << 5);
  plic.set_source(7, true);
  EXPECT_EQ(rd(Claim(1)), 7u);
  EXPECT_TRUE(seip.level);
  EXPECT_EQ(rd(Claim(1)), 5u);
  EXPECT_FALSE(seip.level);  // Everything is claimed.
  EXPECT_EQ(rd(Claim(1)), 0u);
  EXPECT_EQ(rd(Pending(0)), 0u);
}

TEST_F(PlicFixture, ThresholdMasksPrioritiesAtOrBelowIt) {
  wr(Priority(9), 3);
  wr(Enable(0, 0), 1u << 9);
  wr(Threshold(0), 3);
  plic.set_source(9, true);
  EXPECT_FALSE(meip.level);
  EXPECT_TRUE(pending(9));
  EXPECT_EQ(rd(Claim(0)), 0u);
  EXPECT_TRUE(pending(9));  // A claim that returns 0 takes nothing.
  wr(Threshold(0), 2);
  EXPECT_TRUE(meip.level);
  wr(Threshold(0), 7);  // Linux's "disabled" threshold.
  EXPECT_FALSE(meip.level);
  wr(Threshold(0), 0);
  EXPECT_TRUE(meip.level);
  EXPECT_EQ(rd(Claim(0)), 9u);
}

TEST_F(PlicFixture, PriorityZeroNeverInterrupts) {
  wr(Enable(0, 1), 1u << (33 - 32));
  plic.set_source(33, true);
  EXPECT_TRUE(pending(33));
  EXPECT_FALSE(meip.level);
  EXPECT_EQ(rd(Claim(0)), 0u);
  wr(Priority(33), 1);
  EXPECT_TRUE(meip.level);
  wr(Priority(33), 0);
  EXPECT_FALSE(meip.level);
}

TEST_F(PlicFixture, CompleteRearmsAStillAssertedLevel) {
  wr(Priority(10), 1);
  wr(Enable(0, 0), 1u << 10);
  plic.set_source(10, true);
  ASSERT_EQ(rd(Claim(0)), 10u);
  EXPECT_FALSE(meip.level);
  EXPECT_FALSE(pending(10));
  // Still asserted (even re-asserted) while claimed: the gateway holds it back.
  plic.set_source(10, false);
  plic.set_source(10, true);
  EXPECT_FALSE(pending(10));
  EXPECT_FALSE(meip.level);
  wr(Claim(0), 10);  // Complete.
  EXPECT_TRUE(pending(10));
  EXPECT_TRUE(meip.level);
  ASSERT_EQ(rd(Claim(0)), 10u);
  plic.set_source(10, false);  // The device was serviced before the completion.
  wr(Claim(0), 10);
  EXPECT_FALSE(pending(10));
  EXPECT_FALSE(meip.level);
}

TEST_F(PlicFixture, LevelDroppedBeforeClaimWithdrawsTheRequest) {
  wr(Priority(2), 1);
  wr(Enable(1, 0), 1u << 2);
  plic.set_source(2, true);
  EXPECT_TRUE(seip.level);
  plic.set_source(2, false);
  EXPECT_FALSE(pending(2));
  EXPECT_FALSE(seip.level);
  EXPECT_EQ(rd(Claim(1)), 0u);
}

TEST_F(PlicFixture, CompletionOfSourceNotEnabledForContextIsIgnored) {
  wr(Priority(4), 1);
  wr(Enable(0, 0), 1u << 4);
  plic.set_source(4, true);
  ASSERT_EQ(rd(Claim(0)), 4u);
  wr(Enable(0, 0), 0);
  wr(Claim(0), 4);  // Ignored: source 4 is not enabled for context 0.
  wr(Claim(1), 4);  // Nor for context 1.
  wr(Enable(0, 0), 1u << 4);
  EXPECT_FALSE(pending(4));  // Still in service.
  wr(Claim(0), 5);           // Wrong ID: ignored as well.
  EXPECT_FALSE(pending(4));
  wr(Claim(0), 4);
  EXPECT_TRUE(pending(4));
  EXPECT_TRUE(meip.level);
}

TEST_F(PlicFixture, SourceLineAndOutOfRangeInputs) {
  IrqLine line = plic.source_line(8);
  wr(Priority(8), 1);
  wr(Enable(0, 0), 1u << 8);
  line.set(true);
  EXPECT_TRUE(meip.level);
  line.set(false);
  EXPECT_FALSE(meip.level);
  plic.set_source(0, true);  // Ignored.
  plic.set_source(96, true);
  plic.set_source(1000, true);
  EXPECT_EQ(rd(Pending(0)), 0u);
  EXPECT_EQ(rd(Pending(3)), 0u);
}

TEST_F(PlicFixture, OnlyAlignedWordAccessesDecode) {
  wr(Priority(1), 3);
  EXPECT_EQ(plic.read(Priority(1), 8), 0u);
  EXPECT_EQ(plic.read(Priority(1), 1), 0u);
  EXPECT_EQ(plic.read(Priority(1) + 2, 4), 0u);
  plic.write(Priority(1), 2, 5);
  plic.write(Priority(1), 8, 5);
  plic.write(Priority(1) + 1, 4, 5);
  EXPECT_EQ(rd(Priority(1)), 3u);
  wr(Pending(0), 0xffff'ffff);  // Pending is read-only.
  EXPECT_EQ(rd(Pending(0)), 0u);
  EXPECT_EQ(rd(Threshold(0) + 8), 0u);  // Reserved word of the context block.
  EXPECT_EQ(rd(Threshold(2)), 0u);      // No context 2.
}

TEST(PlicTest, ContextsOfTwoHartsArbitrateIndependently) {
  Wire m0, s0, m1, s1;
  Plic plic(Plic::kVirtSources, {m0.line(), s0.line(), m1.line(), s1.line()});
  plic.write(Priority(1), 4, 1);
  plic.write(Enable(0, 0), 4, 1u << 1);
  plic.write(Enable(2, 0), 4, 1u << 1);
  plic.set_source(1, true);
  EXPECT_TRUE(m0.level);
  EXPECT_TRUE(m1.level);
  EXPECT_FALSE(s0.level);
  EXPECT_FALSE(s1.level);
  EXPECT_EQ(plic.read(Claim(2), 4), 1u);  // Hart 1 wins the race.
  EXPECT_FALSE(m0.level);
  EXPECT_FALSE(m1.level);
  EXPECT_EQ(plic.read(Claim(0), 4), 0u);
  plic.write(Claim(0), 4, 1);  // Any context with the source enabled may complete it.
  EXPECT_TRUE(m0.level);
  EXPECT_TRUE(m1.level);
}

TEST_F(PlicFixture, ResetKeepsInputLevels) {
  wr(Priority(6), 4);
  wr(Enable(0, 0), 1u << 6);
  wr(Threshold(0), 1);
  plic.set_source(6, true);
  ASSERT_EQ(rd(Claim(0)), 6u);
  plic.reset();
  EXPECT_EQ(rd(Priority(6)), 0u);
  EXPECT_EQ(rd(Enable(0, 0)), 0u);
  EXPECT_EQ(rd(Threshold(0)), 0u);
  EXPECT_TRUE(pending(6));  // No longer claimed, and the device still asserts it.
  EXPECT_FALSE(meip.level);
}

TEST(PlicState, SaveLoadRoundTrip) {
  Wire m, s;
  Plic a(Plic::kVirtSources, {m.line(), s.line()});
  a.write(Priority(3), 4, 2);
  a.write(Priority(40), 4, 6);
  a.write(Enable(0, 0), 4, 1u << 3);
  a.write(Enable(1, 1), 4, 1u << (40 - 32));
  a.write(Threshold(1), 4, 5);
  a.set_source(3, true);
  a.set_source(40, true);
  ASSERT_EQ(a.read(Claim(0), 4), 3u);
  ASSERT_TRUE(s.level);

  Writer w;
  a.save(w);
  Wire mb, sb;
  Plic b(Plic::kVirtSources, {mb.line(), sb.line()});
  Reader r(w.data());
  b.load(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_FALSE(mb.history.empty());  // load() drives every output, even low ones.
  EXPECT_FALSE(mb.level);
  EXPECT_TRUE(sb.level);
  for (uint64_t off : {Priority(3), Priority(40), Pending(0), Pending(1), Enable(0, 0), Enable(1, 1), Threshold(1)})
    EXPECT_EQ(a.read(off, 4), b.read(off, 4)) << std::hex << off;
  // Source 3 is still in service after the load: completing it re-arms the asserted level.
  EXPECT_EQ(b.read(Pending(0), 4), 0u);
  b.write(Claim(0), 4, 3);
  EXPECT_TRUE(mb.level);
  EXPECT_EQ(b.read(Claim(1), 4), 40u);
}

TEST(PlicState, TruncatedOrMismatchedBlobThrows) {
  Plic a(Plic::kVirtSources, std::vector<IrqLine>(2));
  a.write(Priority(1), 4, 1);
  Writer w;
  a.save(w);
  ExpectAllTruncationsThrow(w.data(),
                            [] { return std::make_unique<Plic>(Plic::kVirtSources, std::vector<IrqLine>(2)); });
  Plic fewer_sources(64, std::vector<IrqLine>(2));
  Reader r1(w.data());
  EXPECT_THROW(fewer_sources.load(r1), StateError);
  Plic more_contexts(Plic::kVirtSources, std::vector<IrqLine>(4));
  Reader r2(w.data());
  EXPECT_THROW(more_contexts.load(r2), StateError);
}

TEST(PlicState, FailedLoadLeavesStateAlone) {
  Plic a(Plic::kVirtSources, std::vector<IrqLine>(2));
  a.write(Priority(2), 4, 7);
  Writer w;
  a.save(w);
  Plic b(Plic::kVirtSources, std::vector<IrqLine>(2));
  b.write(Priority(2), 4, 1);
  Reader r(w.data().data(), w.data().size() - 1);
  EXPECT_THROW(b.load(r), StateError);
  EXPECT_EQ(b.read(Priority(2), 4), 1u);
}

}  // namespace
}  // namespace polyemu
