// IR contract tests: verifier, printer, passes, and the interpreter against the
// reference semantics for every opcode in ir/opcodes.inc.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "interp/interp.h"
#include "ir/emitter.h"
#include "ir/eval.h"
#include "ir/fp.h"
#include "ir/passes.h"
#include "tests/ir_fake_host.h"

using namespace polyemu;
using namespace polyemu::ir;
using polyemu::test_support::FakeHost;
using polyemu::test_support::make_block;
using polyemu::test_support::opcode_block;

namespace {

// Runs `b` once in the interpreter with the given registers; returns the state after.
GuestState run_block(FakeHost& host, const Block& b, const std::vector<uint64_t>& regs, ExitInfo* exit = nullptr,
                     uint64_t fcsr = 0) {
  auto translator = [&](uint64_t, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                        Block& out) { out = b; };
  interp::Interpreter in(host, translator, true);
  auto s = std::make_unique<GuestState>();
  host.map_odd_pages(*s);
  for (size_t i = 0; i < regs.size(); i++) s->regs[i] = regs[i];
  s->fcsr = fcsr;
  s->pc = b.pc;
  ExitInfo e = in.run(*s, b.num_insns);
  if (exit) *exit = e;
  return *s;
}

}  // namespace

TEST(IrVerifier, AcceptsWellFormedBlock) {
  Block b = make_block();
  Emitter e(b);
  V64 x = e.GetReg(1);
  e.SetReg(e.Add(x, e.Const(1)), 2);
  e.jump(0x2000);
  EXPECT_EQ(verify(b), "");
  std::string text = print(b);
  EXPECT_NE(text.find("Add"), std::string::npos);
  EXPECT_NE(text.find("jump 0x2000"), std::string::npos);
}

TEST(IrPrinter, ShowsFpOperationPrecisionAndRoundingMode) {
  Block b = make_block();
  Emitter e(b);
  V64 x = e.GetReg(33);
  e.SetReg(e.Fp(x, x, x, FpImm{FpOp::MulAdd, FpFmt::D, 7}.pack()), 34);
  e.SetReg(e.Fp(x, x, x, FpImm{FpOp::Min, FpFmt::S, 0}.pack()), 35);
  e.jump(0);
  std::string text = print(b);
  EXPECT_NE(text.find("Fp %0, %0, %0, madd.d dyn"), std::string::npos) << text;
  EXPECT_NE(text.find("Fp %0, %0, %0, min.s\n"), std::string::npos) << text;
}

TEST(IrVerifier, RejectsUseBeforeDefinitionWrongTypeAndMissingTerminal) {
  Block b = make_block();
  Emitter e(b);
  e.GetReg(1);
  b.insts.push_back(Inst{Opcode::Add, 0, {Value{5}, Value{0}}, 0});  // %5 does not exist yet
  EXPECT_NE(verify(b).find("not defined before use"), std::string::npos);

  Block c = make_block();
  Emitter f(c);
  V64 x = f.GetReg(1);
  V1 cond = f.CmpEq(x, x);
  c.insts.push_back(Inst{Opcode::Add, 0, {cond, x}, 0});  // i1 where i64 is expected
  f.jump(0);
  EXPECT_NE(verify(c).find("has type i1, expected i64"), std::string::npos);

  Block d = make_block();
  Emitter g(d);
  g.GetReg(1);
  EXPECT_NE(verify(d).find("no terminal"), std::string::npos);
}

TEST(IrPasses, ForwardingReplacesReadsAndDropsOverwrittenWrites) {
  Block b = make_block();
  b.num_insns = 3;
  b.insn_offset = {0, 4, 8};
  Emitter e(b);
  e.set_insn(0);
  e.SetReg(e.Add(e.GetReg(1), e.Const(1)), 5);
  e.set_insn(1);
  e.SetReg(e.Add(e.GetReg(5), e.Const(2)), 5);  // reads the value just written
  e.set_insn(2);
  e.jump(0x2000);
  optimize(b, true);
  int getregs = 0, setregs = 0;
  for (const Inst& in : b.insts) getregs += in.op == Opcode::GetReg, setregs += in.op == Opcode::SetReg;
  EXPECT_EQ(getregs, 1);  // only x1 is read from the register file
  EXPECT_EQ(setregs, 1);  // the first write to x5 is dead
  FakeHost h;
  GuestState s = run_block(h, b, {0, 10});
  EXPECT_EQ(s.regs[5], 13u);
}

TEST(IrPasses, WriteBeforeAPossibleTrapIsKept) {
  Block b = make_block();
  b.num_insns = 3;
  b.insn_offset = {0, 4, 8};
  Emitter e(b);
  e.set_insn(0);
  e.SetReg(e.Const(7), 5);
  e.set_insn(1);
  e.Load(e.GetReg(1), MemImm{8, false, 0}.pack());  // may trap: x5 = 7 must be visible
  e.set_insn(2);
  e.SetReg(e.Const(9), 5);
  e.jump(0x2000);
  optimize(b, true);
  int setregs = 0;
  for (const Inst& in : b.insts) setregs += in.op == Opcode::SetReg;
  EXPECT_EQ(setregs, 2);
  FakeHost h;
  ExitInfo exit;
  GuestState s = run_block(h, b, {0, 0x5}, &exit);  // address 5 faults
  EXPECT_EQ(exit.kind, ExitKind::Trap);
  EXPECT_EQ(exit.pc, 0x1004u);
  EXPECT_EQ(s.regs[5], 7u);
  EXPECT_EQ(s.icount, 1u);  // only the first instruction retired
}

TEST(IrPasses, FoldsConstantsAndIdentities) {
  Block b = make_block();
  Emitter e(b);
  e.SetReg(e.Add(e.Const(2), e.Const(3)), 1);
  e.SetReg(e.Add(e.GetReg(2), e.Const(0)), 3);
  e.jump(0);
  optimize(b, true);
  ASSERT_EQ(b.insts.size(), 4u);  // Const 5, SetReg x1, GetReg x2, SetReg x3
  EXPECT_EQ(b.insts[0].op, Opcode::Const);
  EXPECT_EQ(b.insts[0].imm, 5u);
  EXPECT_EQ(b.insts[3].op, Opcode::SetReg);
  EXPECT_EQ(b.insts[3].args[0].id, 2u);  // x3 = x2 directly
}

TEST(IrPasses, DeadCodeIsRemoved) {
  Block b = make_block();
  Emitter e(b);
  V64 x = e.GetReg(1);
  e.Mul(x, x);                                // unused
  e.Store(x, x, MemImm{8, false, 0}.pack());  // has effects: kept
  e.jump(0);
  eliminate_dead_code(b);
  EXPECT_EQ(b.insts.size(), 2u);
  EXPECT_EQ(verify(b), "");
}

TEST(IrEval, RiscvDivisionSemantics) {
  uint64_t out;
  ASSERT_TRUE(eval_pure(Opcode::Div, 7, 0, 0, out));
  EXPECT_EQ(out, ~0ull);
  eval_pure(Opcode::Rem, 7, 0, 0, out);
  EXPECT_EQ(out, 7u);
  eval_pure(Opcode::Div, uint64_t(INT64_MIN), uint64_t(-1), 0, out);
  EXPECT_EQ(out, uint64_t(INT64_MIN));
  eval_pure(Opcode::Rem, uint64_t(INT64_MIN), uint64_t(-1), 0, out);
  EXPECT_EQ(out, 0u);
  eval_pure(Opcode::Div32, uint32_t(INT32_MIN), 0xffffffff, 0, out);
  EXPECT_EQ(out, uint32_t(INT32_MIN));
  eval_pure(Opcode::MulHSU, uint64_t(-1), 2, 0, out);
  EXPECT_EQ(out, ~0ull);  // -1 * 2 = -2: high half all ones
}

// Every opcode of the table runs in the interpreter; pure ones agree with eval_pure and
// Fp with fp_eval on random and edge-case operands.
TEST(IrInterpreter, ImplementsEveryOpcodeLikeTheReference) {
  std::mt19937_64 rng(3);
  const uint64_t edges[] = {0, 1, ~0ull, uint64_t(INT64_MIN), uint64_t(INT64_MAX), 0x80000000, 0x7fffffff, 63, 64};
  // Floating-point operands: doubles (1.5, -0, +inf, sNaN, smallest subnormal) and
  // NaN-boxed singles (1.5, -inf, qNaN, largest finite).
  const uint64_t fp_edges[] = {0x3ff8000000000000, 0x8000000000000000, 0x7ff0000000000000, 0x7ff0000000000001, 1,
                               0xffffffff3fc00000, 0xffffffffff800000, 0xffffffff7fc00000, 0xffffffff7f7fffff};
  FakeHost host;
  for (unsigned o = 0; o < kNumOpcodes; o++) {
    Opcode op = Opcode(o);
    const OpInfo& oi = info(op);
    SCOPED_TRACE(oi.name);
    const int trials = op == Opcode::Fp ? 4000 : 40;
    for (int trial = 0; trial < trials; trial++) {
      uint64_t v[3];
      for (uint64_t& x : v) x = trial < 9 ? edges[(trial + (&x - v)) % 9] : rng();
      // Fp: a random operation, precision and rounding mode (7 = dynamic, frm from fcsr,
      // which may hold an invalid mode), over edge values or random boxed singles.
      FpImm fpi{FpOp(rng() % unsigned(FpOp::Count)), rng() % 2 ? FpFmt::S : FpFmt::D,
                uint8_t(rng() % 2 ? rng() % 5 : 7)};
      uint64_t fcsr = (rng() % 8) << 5;
      if (op == Opcode::Fp)
        for (uint64_t& x : v)
          x = rng() % 3 == 0 ? fp_edges[rng() % std::size(fp_edges)] : rng() % 2 ? (rng() | 0xffffffff00000000) : x;
      // The reference sees the operands narrowed as the block narrows them.
      uint64_t ref[3];
      for (unsigned a = 0; a < oi.num_args(); a++)
        ref[a] = oi.args[a] == Type::I32 ? uint32_t(v[a]) : oi.args[a] == Type::I1 ? v[a] != 0 : v[a];
      Block b = opcode_block(op, v[0], fpi);
      ASSERT_EQ(verify(b), "");
      optimize(b, true);
      std::vector<uint64_t> regs = {0, v[0], v[1], v[2], 0x1234, 0};
      ExitInfo exit;
      GuestState s = run_block(host, b, regs, &exit, fcsr);
      uint64_t want = 0;
      if (op == Opcode::Fp) {
        uint64_t want_fcsr = fcsr;
        bool legal = fp_eval(fpi, v[0], v[1], v[2], want_fcsr, want);
        SCOPED_TRACE(std::to_string(int(fpi.op)) + " fmt " + std::to_string(int(fpi.fmt)) + " rm " +
                     std::to_string(fpi.rm) + " fcsr " + std::to_string(fcsr));
        if (legal) {
          EXPECT_NE(exit.kind, ExitKind::Trap);
          EXPECT_EQ(s.regs[5], want) << std::hex << v[0] << " " << v[1] << " " << v[2];
          EXPECT_EQ(s.fcsr, want_fcsr);
        } else {
          EXPECT_TRUE(fp_rounds(fpi.op));
          EXPECT_EQ(exit.kind, ExitKind::Trap);
          EXPECT_EQ(exit.cause, kFpTrapCause);
          EXPECT_EQ(s.regs[5], 0u);  // no write-back
          EXPECT_EQ(s.fcsr, fcsr);   // no flags
        }
      } else if (eval_pure(op, ref[0], ref[1], ref[2], want)) {
        if (oi.result == Type::I32) want = uint32_t(want);
        EXPECT_EQ(s.regs[5], want) << std::hex << v[0] << " " << v[1] << " " << v[2];
      } else if (op == Opcode::Const) {
        EXPECT_EQ(s.regs[5], v[0]);
      } else if (op == Opcode::GetReg) {
        EXPECT_EQ(s.regs[5], 0x1234u);
      } else if (op == Opcode::SetReg) {
        EXPECT_EQ(s.regs[6], v[0]);
      } else if (op == Opcode::Store) {
        uint64_t m;
        std::memcpy(&m, &host.ram[64], 8);
        EXPECT_EQ(m, v[1]);
      } else if (op == Opcode::Csr) {
        EXPECT_EQ(s.regs[5], 42 + v[0]);
      }
    }
  }
}

// The interpreter tells its tier when a block gets hot (once, at the threshold) and, while
// the block is still interpreted, each time its runs reach a power of two past that: the
// tier compiles waiting code that still runs first.
TEST(IrInterpreter, ReportsHotBlocksAndHowHotTheyStay) {
  struct RecordingTier : interp::Tier {
    std::vector<uint32_t> hot_at, heats;
    void hot(GuestState&, uint64_t pc, uint64_t) override { hot_at.push_back(uint32_t(pc)); }
    void still_hot(GuestState&, uint64_t, uint64_t, uint32_t heat) override { heats.push_back(heat); }
    void poll() override {}
    bool invalidated(uint64_t, uint64_t) override { return false; }
    void flushed() override {}
  };
  Block b = make_block();
  {
    Emitter e(b);
    e.SetReg(e.Add(e.GetReg(1), e.Const(1)), 1);
    e.jump(0x1000);
  }
  ASSERT_EQ(verify(b), "");
  FakeHost host;
  auto translator = [&](uint64_t, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                        Block& out) { out = b; };
  interp::Interpreter in(host, translator, true);
  RecordingTier tier;
  in.set_tier(&tier, 3);
  auto s = std::make_unique<GuestState>();
  s->pc = 0x1000;
  in.run(*s, 100);
  EXPECT_EQ(s->regs[1], 100u);
  EXPECT_EQ(tier.hot_at, std::vector<uint32_t>({0x1000}));
  EXPECT_EQ(tier.heats, std::vector<uint32_t>({4, 8, 16, 32, 64}));
}

// A block whose native code goes away is interpreted again when a chained link leads to
// it, though it never ran interpreted before: 0x1000 (one instruction) jumps to 0x2000
// (two), which jumps back. The first run stops inside 0x2000, after the link is made.
TEST(IrInterpreter, LinkedBlockRunsInterpretedAfterItsNativeCodeGoes) {
  auto translator = [&](uint64_t pc, uint32_t, unsigned max_insns,
                        const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&, Block& out) {
    out = make_block();
    out.pc = pc;
    Emitter e(out);
    if (pc == 0x1000) {
      e.SetReg(e.Add(e.GetReg(1), e.Const(1)), 1);
      e.jump(0x2000);
    } else if (pc == 0x2000) {
      e.SetReg(e.Add(e.GetReg(2), e.Const(1)), 2);
      if (max_insns == 1) return e.jump(0x2002);
      out.num_insns = 2;
      out.insn_offset = {0, 2};
      e.SetReg(e.Add(e.GetReg(3), e.Const(1)), 3);
      e.jump(0x1000);
    } else {
      e.SetReg(e.Add(e.GetReg(3), e.Const(1)), 3);
      e.jump(0x1000);
    }
  };
  FakeHost host;
  interp::Interpreter in(host, translator, true);
  auto s = std::make_unique<GuestState>();
  s->pc = 0x1000;
  in.run(*s, 2);
  ASSERT_EQ(s->pc, 0x2002u);
  s->pc = 0x1000;
  interp::NativeFn native = [](GuestState* st, Host*, uint64_t) -> uint64_t {
    st->regs[2] += 100, st->regs[3] += 100, st->icount += 2, st->pc = 0x1000;
    return interp::kNativeNext;
  };
  ASSERT_TRUE(in.install(0x2000, 0x2000, s->mode, native));
  in.run(*s, s->icount + 3);
  EXPECT_EQ(s->regs[2], 101u);
  EXPECT_EQ(s->regs[3], 100u);
  in.install(0x2000, 0x2000, s->mode, nullptr);
  in.run(*s, s->icount + 6);
  EXPECT_EQ(s->pc, 0x1000u);
  EXPECT_EQ(s->regs[1], 4u);
  EXPECT_EQ(s->regs[2], 103u);
  EXPECT_EQ(s->regs[3], 102u);
}

// Lookups by pc: a changed mapping makes all of them be checked again (whether few or more
// than the interpreter keeps track of) and forgets those whose pc maps elsewhere now, an
// invalidation only those of the dropped code. Block i,
// at pc i * 0x1002 (each on its own page and jump cache slot), adds 1 to x1 and goes to
// block i + 1; under the second mapping its physical copy adds 1000.
TEST(IrInterpreter, ChangedMappingsAndInvalidationsCheckOrForgetTheirLookups) {
  struct MappedHost : FakeHost {
    uint64_t offset = 0;
    bool fetch_page(GuestState&, uint64_t a, uint64_t& phys) override { return phys = a + offset, true; }
  };
  for (unsigned n : {8u, interp::kJumpCacheSize / 2}) {
    SCOPED_TRACE(n);
    MappedHost host;
    auto translator = [&](uint64_t pc, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                          Block& out) {
      out = make_block();
      out.pc = pc;
      out.byte_len = 2;
      Emitter e(out);
      e.SetReg(e.Add(e.GetReg(1), e.Const(host.offset ? 1000 : 1)), 1);
      e.jump(pc + 0x1002);
    };
    interp::Interpreter in(host, translator, true);
    auto s = std::make_unique<GuestState>();
    s->mode = kModeVirtual;
    auto run_all = [&] {
      s->regs[1] = 0;
      s->pc = 0x1002;
      in.run(*s, s->icount + n);
      return s->regs[1];
    };
    EXPECT_EQ(run_all(), n);
    EXPECT_EQ(run_all(), n);
    EXPECT_EQ(in.stats().blocks_translated, n);
    // A mapping change that leaves the code where it was: native code's view of the
    // lookups goes, the lookups themselves are checked again and kept.
    in.flush_virtual();
    for (unsigned i = 0; i < interp::kJumpCacheSize; i++) EXPECT_EQ(in.far_entries()[i].pc, 0u) << i;
    EXPECT_EQ(run_all(), n);
    EXPECT_EQ(in.stats().blocks_translated, n);
    for (unsigned i = 0; i < n; i++)
      EXPECT_EQ(in.far_entries()[interp::far_index(i * 0x1002 + 0x1002)].pc, i * 0x1002 + 0x1002) << i;
    host.offset = 0x40000000;
    in.flush_virtual();
    for (unsigned i = 0; i < interp::kJumpCacheSize; i++) EXPECT_EQ(in.far_entries()[i].pc, 0u) << i;
    EXPECT_EQ(run_all(), 1000u * n);
    EXPECT_EQ(in.stats().blocks_translated, 2 * n);
    // Dropping block 2's code forgets its lookup and no other.
    ASSERT_TRUE(in.invalidate(2 * 0x1002 + host.offset, 2));
    EXPECT_EQ(in.far_entries()[interp::far_index(2 * 0x1002)].pc, 0u);
    EXPECT_EQ(in.far_entries()[interp::far_index(3 * 0x1002)].pc, 3 * 0x1002u);
    EXPECT_EQ(run_all(), 1000u * n);
    EXPECT_EQ(in.stats().blocks_translated, 2 * n + 1);
  }
}

// An indirect jump remembers the block it went to last; the memory holds only while the
// target is the same pc and nothing was invalidated or remapped since. 0x1000 counts in x1
// and jumps to x2; 0x3000 adds 100 to x3 and makes 0x2000 next; 0x2000 adds its mark and
// stores to 0x2000, which the host takes as rewriting its code: it invalidates it at once,
// without asking the engine to return. 0x2000's mark is 1 as first translated, 11 once
// rewritten, and 1000 more under the second mapping.
TEST(IrInterpreter, IndirectJumpsRememberTheirTargetUntilItChangesOrGoes) {
  struct RewritingHost : FakeHost {
    uint64_t offset = 0;
    uint64_t rewritten = 0;
    interp::Interpreter* in = nullptr;
    bool fetch_page(GuestState&, uint64_t a, uint64_t& phys) override { return phys = a + offset, true; }
    bool store(GuestState& s, uint64_t a, unsigned n, uint64_t v) override {
      if (a != 0x2000) return FakeHost::store(s, a, n, v);
      rewritten = 10;
      in->invalidate(0x2000 + offset, 4);
      return true;
    }
  };
  RewritingHost host;
  auto translator = [&](uint64_t pc, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                        Block& out) {
    out = make_block();
    out.pc = pc;
    out.byte_len = 4;
    Emitter e(out);
    if (pc == 0x1000) {
      e.SetReg(e.Add(e.GetReg(1), e.Const(1)), 1);
      e.jump_indirect(e.GetReg(2));
    } else if (pc == 0x3000) {
      e.SetReg(e.Add(e.GetReg(3), e.Const(100)), 3);
      e.SetReg(e.Const(0x2000), 2);
      e.jump(0x1000);
    } else {
      e.SetReg(e.Add(e.GetReg(3), e.Const(1 + host.rewritten + (host.offset ? 1000 : 0))), 3);
      e.Store(e.Const(0x2000), e.GetReg(3), MemImm{4, false, 0}.pack());
      e.jump(0x1000);
    }
  };
  interp::Interpreter in(host, translator, true);
  host.in = &in;
  auto s = std::make_unique<GuestState>();
  s->mode = kModeVirtual;
  // Runs `rounds` of 0x1000 and its target, the first time 0x3000, from x3 = 0; returns x3.
  auto run = [&](uint64_t rounds) {
    s->pc = 0x1000;
    s->regs[2] = 0x3000;
    s->regs[3] = 0;
    in.run(*s, s->icount + 2 * rounds);
    return s->regs[3];
  };
  // 0x3000, then 0x2000 three times, each rewriting itself.
  EXPECT_EQ(run(4), 100u + 1 + 11 + 11);
  EXPECT_EQ(in.stats().blocks_translated, 5u);
  host.offset = 0x40000000;
  in.flush_virtual();
  EXPECT_EQ(run(2), 100u + 1011);  // the other mapping's code
}

// The interpreter tells the tier where a block's indirect jump went while it ran
// interpreted (up to the threshold): the most frequent target first, rare ones left out.
TEST(IrInterpreter, RecordsIndirectJumpTargetsUntilTheThreshold) {
  struct QuietTier : interp::Tier {
    void hot(GuestState&, uint64_t, uint64_t) override {}
    void still_hot(GuestState&, uint64_t, uint64_t, uint32_t) override {}
    void poll() override {}
    bool invalidated(uint64_t, uint64_t) override { return false; }
    void flushed() override {}
  };
  // 0x1000 jumps to x2 after counting in x1. The handlers at 0x2000, 0x3000 and 0x4000
  // jump back, each setting x2 to the next target: 0x2000 three times out of four, then
  // 0x3000, then (after 24 dispatches) 0x4000 once, which is rare.
  auto translator = [&](uint64_t pc, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                        Block& out) {
    out = make_block();
    out.pc = pc;
    Emitter e(out);
    if (pc == 0x1000) {
      e.SetReg(e.Add(e.GetReg(1), e.Const(1)), 1);
      e.jump_indirect(e.GetReg(2));
      return;
    }
    V64 n = e.GetReg(1);
    // Next target: 0x4000 at dispatch 24, else 0x3000 when n % 4 == 3, else 0x2000.
    V64 next = e.Select(e.CmpEq(e.And(n, e.Const(3)), e.Const(3)), e.Const(0x3000), e.Const(0x2000));
    e.SetReg(e.Select(e.CmpEq(n, e.Const(24)), e.Const(0x4000), next), 2);
    e.jump(0x1000);
  };
  FakeHost host;
  interp::Interpreter in(host, translator, true);
  QuietTier tier;
  in.set_tier(&tier, 1000);
  auto s = std::make_unique<GuestState>();
  s->pc = 0x1000;
  s->regs[2] = 0x2000;
  in.run(*s, 200);  // 100 dispatches
  EXPECT_EQ(s->regs[1], 100u);
  EXPECT_EQ(in.indirect_targets(0x1000, 0x1000, s->mode), std::vector<uint64_t>({0x2000, 0x3000}));
  EXPECT_TRUE(in.indirect_targets(0x2000, 0x2000, s->mode).empty());  // not an indirect jump
  // Past the threshold nothing more is recorded: 0x4000 stays rare.
  in.set_tier(&tier, 100);
  s->regs[2] = 0x4000;
  for (int i = 0; i < 10; i++) {
    s->regs[1] = 23;  // every dispatch from here on goes to 0x4000
    in.run(*s, s->icount + 2);
  }
  EXPECT_EQ(in.indirect_targets(0x1000, 0x1000, s->mode), std::vector<uint64_t>({0x2000, 0x3000}));
}
