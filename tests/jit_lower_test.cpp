// The JIT lowering against the interpreter and the reference semantics: every opcode of
// ir/opcodes.inc is lowered, and compiled blocks leave the same registers, memory, host
// calls, pc, icount and exit as the interpreter does.
#include <gtest/gtest.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/CommandLine.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>

#include "interp/interp.h"
#include "ir/emitter.h"
#include "ir/eval.h"
#include "ir/fp.h"
#include "ir/passes.h"
#include "jit/lower.h"
#include "jit/session.h"
#include "jit/tier.h"
#include "tests/ir_fake_host.h"

using namespace polyemu;
using namespace polyemu::ir;
using polyemu::test_support::FakeHost;
using polyemu::test_support::make_block;
using polyemu::test_support::opcode_block;

namespace {

// A host whose slow-path stores ask the engine to return (as an MMIO write may).
struct YieldingHost : FakeHost {
  bool store(GuestState& s, uint64_t a, unsigned n, uint64_t v) override {
    s.exit_request = 1;
    return FakeHost::store(s, a, n, v);
  }
};

struct Outcome {
  std::unique_ptr<GuestState> s;
  ExitInfo exit;
};

std::unique_ptr<GuestState> initial_state(FakeHost& host, const std::vector<uint64_t>& regs, uint64_t fcsr) {
  auto s = std::make_unique<GuestState>();
  host.map_odd_pages(*s);
  for (size_t i = 0; i < regs.size(); i++) s->regs[i] = regs[i];
  s->fcsr = fcsr;
  return s;
}

// Runs the blocks in the interpreter from the first one's pc, each pc translated to the
// block starting there (else the first), until `budget` instructions retired.
Outcome run_interp(FakeHost& host, const std::vector<Block>& blocks, const std::vector<uint64_t>& regs, uint64_t budget,
                   uint64_t fcsr = 0) {
  auto translator = [&](uint64_t pc, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                        Block& out) {
    out = blocks[0];
    for (const Block& b : blocks)
      if (b.pc == pc) out = b;
  };
  interp::Interpreter in(host, translator, true);
  Outcome r{initial_state(host, regs, fcsr), {}};
  r.s->pc = blocks[0].pc;
  r.exit = in.run(*r.s, budget);
  return r;
}
// One block, once.
Outcome run_interp(FakeHost& host, const Block& b, const std::vector<uint64_t>& regs, uint64_t fcsr = 0) {
  return run_interp(host, std::vector<Block>{b}, regs, b.num_insns, fcsr);
}

// One session with LLVM's O2 pipeline, one that hands the IR to code generation as lowered.
jit::Session& session(bool optimize = true) {
  static std::unique_ptr<jit::Session> sessions[2];
  std::unique_ptr<jit::Session>& s = sessions[optimize];
  if (!s) {
    std::string error;
    s = jit::Session::create(optimize, error);
    if (!s) ADD_FAILURE() << error;
  }
  return *s;
}

// Blocks compiled together into one unit, one function each.
struct Compiled {
  std::unique_ptr<jit::Session::Unit> unit;
  std::vector<polyemu::interp::NativeFn> fns;
  std::deque<ExitInfo> exits;
};

// Quick code's counting (see jit::Profile), with a limit it never reaches.
jit::Profile never_signalling_profile() {
  static uint64_t insns = 0;
  static std::atomic<bool> signal{false};
  static uint8_t fired = 0;
  return {&insns, &signal, UINT64_MAX, &fired};
}

// `quick`: lowered as quick code (which counts, see jit::Profile) and compiled by the quick
// session, as the tier's first compile is; else as optimized code. `ram`: the guest RAM
// that blocks with kModeFlatReads read directly.
Compiled compile(const std::vector<Block>& blocks, bool optimize = true, bool quick = false,
                 const RamWindow& ram = {}) {
  static unsigned next_unit = 0;
  const std::string prefix = "unit" + std::to_string(next_unit++) + "_block";
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto m = std::make_unique<llvm::Module>("jit_lower_test", *ctx);
  Compiled c;
  for (size_t i = 0; i < blocks.size(); i++) {
    std::string error;
    EXPECT_NE(jit::lower_region({blocks[i]}, *m, prefix + std::to_string(i), c.exits, error, {}, {},
                                quick ? never_signalling_profile() : jit::Profile{}, ram),
              nullptr)
        << error;
  }
  std::string error;
  c.unit = session(optimize && !quick).add(std::move(ctx), std::move(m), error);
  EXPECT_NE(c.unit, nullptr) << error;
  if (!c.unit) return c;
  for (size_t i = 0; i < blocks.size(); i++) {
    c.fns.push_back(reinterpret_cast<polyemu::interp::NativeFn>(c.unit->lookup(prefix + std::to_string(i), error)));
    EXPECT_NE(c.fns.back(), nullptr) << error;
  }
  return c;
}

Outcome run_jit(FakeHost& host, polyemu::interp::NativeFn fn, const Block& b, const std::vector<uint64_t>& regs,
                uint64_t fcsr = 0) {
  Outcome r{initial_state(host, regs, fcsr), {}};
  r.s->pc = b.pc;
  r.exit = polyemu::interp::native_exit(fn(r.s.get(), &host, UINT64_MAX), *r.s);
  // The interpreter reports reaching its budget after a block that jumps.
  if (r.exit.kind == ExitKind::None) r.exit = {ExitKind::Budget, r.s->pc};
  return r;
}

// The guest state and the exit an engine leaves behind must match.
void expect_same_state(const Outcome& jit, const Outcome& in) {
  for (unsigned i = 0; i < kNumRegs; i++) EXPECT_EQ(jit.s->regs[i], in.s->regs[i]) << "register " << i;
  EXPECT_EQ(jit.s->pc, in.s->pc);
  EXPECT_EQ(jit.s->icount, in.s->icount);
  EXPECT_EQ(jit.s->fcsr, in.s->fcsr);
  EXPECT_EQ(jit.s->exit_request, in.s->exit_request);
  EXPECT_EQ(jit.exit.kind, in.exit.kind);
  EXPECT_EQ(jit.exit.pc, in.exit.pc);
  EXPECT_EQ(jit.exit.cause, in.exit.cause);
  EXPECT_EQ(jit.exit.tval, in.exit.tval);
}
// Everything an engine leaves behind must match: also the host calls and memory.
void expect_same(const Outcome& jit, const FakeHost& jit_host, const Outcome& in, const FakeHost& in_host) {
  expect_same_state(jit, in);
  EXPECT_EQ(jit_host.calls, in_host.calls);
  EXPECT_TRUE(jit_host.ram == in_host.ram);
}

// Compiles `blocks` (which must verify) as one region named `name`; the unit owns the code.
struct CompiledRegion {
  std::deque<ExitInfo> exits;
  std::unique_ptr<jit::Session::Unit> unit;
  polyemu::interp::NativeFn fn = nullptr;
};
CompiledRegion compile_region(const std::vector<Block>& blocks, const std::string& name,
                              const jit::LikelyTargets& likely = {}, const jit::Profile& profile = {},
                              bool optimize = true, const RamWindow& ram = {}) {
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto m = std::make_unique<llvm::Module>(name, *ctx);
  std::string error;
  CompiledRegion r;
  for (const Block& b : blocks) EXPECT_EQ(verify(b), "");
  EXPECT_NE(jit::lower_region(blocks, *m, name, r.exits, error, {}, likely, profile, ram), nullptr) << error;
  if (!error.empty()) return r;
  r.unit = session(optimize).add(std::move(ctx), std::move(m), error);
  EXPECT_NE(r.unit, nullptr) << error;
  if (r.unit) r.fn = reinterpret_cast<polyemu::interp::NativeFn>(r.unit->lookup(name, error));
  EXPECT_NE(r.fn, nullptr) << error;
  return r;
}

// An empty block at `pc` of `insns` 4-byte instructions.
Block sized_block(unsigned insns, uint64_t pc = 0x1000) {
  Block b = make_block();
  b.pc = pc;
  b.num_insns = insns;
  b.byte_len = 4 * insns;
  b.insn_offset.clear();
  for (unsigned k = 0; k < insns; k++) b.insn_offset.push_back(uint16_t(4 * k));
  return b;
}

// Where a test loop's second half goes: on in `e`'s block at instruction `insn`, or, when
// `split`, in `f`'s block at 0x1008, which `e`'s block then jumps to.
Emitter& second_half(Emitter& e, Emitter& f, bool split, unsigned insn) {
  if (!split) {
    e.set_insn(insn);
    return e;
  }
  e.jump(0x1008);
  return f;
}

// A block that adds 1 to x1 and jumps to 0x2000.
Block increment_block() {
  Block b = make_block();
  Emitter e(b);
  e.SetReg(e.Add(e.GetReg(1), e.Const(1)), 1);
  e.jump(0x2000);
  return b;
}

// A block at `pc` that sets register `reg` to 77 and jumps to 0x3000.
Block tail_block(uint64_t pc, unsigned reg) {
  Block b = make_block();
  b.pc = pc;
  b.byte_len = 4;
  Emitter e(b);
  e.SetReg(e.Const(77), reg);
  e.jump(0x3000);
  return b;
}

}  // namespace

TEST(JitLower, LowersEveryOpcodeOfTheTable) {
  auto ctx = std::make_unique<llvm::LLVMContext>();
  llvm::Module m("every_opcode", *ctx);
  std::deque<ExitInfo> exits;
  for (unsigned o = 0; o < kNumOpcodes; o++) {
    SCOPED_TRACE(info(Opcode(o)).name);
    std::string error;
    Block b = opcode_block(Opcode(o), 7, FpImm{FpOp::Add, FpFmt::D, 0});
    ASSERT_EQ(verify(b), "");
    EXPECT_NE(jit::lower_region({b}, m, "op" + std::to_string(o), exits, error), nullptr) << error;
    EXPECT_EQ(error, "");
  }
  // An opcode outside the table is refused, not miscompiled.
  Block b = make_block();
  b.insts.push_back(Inst{Opcode::Count, 0, {}, 0});
  Emitter(b).jump(0x2000);
  std::string error;
  EXPECT_EQ(jit::lower_region({b}, m, "unknown", exits, error), nullptr);
  EXPECT_NE(error, "");
  EXPECT_EQ(m.getFunction("unknown"), nullptr);
}

// ir_test's IrInterpreter.ImplementsEveryOpcodeLikeTheReference, through the JIT with and
// without LLVM's optimizations, compared with both the reference and the interpreter.
class JitOpcodes : public ::testing::TestWithParam<bool> {};

TEST_P(JitOpcodes, ImplementsEveryOpcodeLikeTheInterpreter) {
  std::mt19937_64 rng(3);
  const uint64_t edges[] = {0, 1, ~0ull, uint64_t(INT64_MIN), uint64_t(INT64_MAX), 0x80000000, 0x7fffffff, 63, 64};
  const uint64_t fp_edges[] = {0x3ff8000000000000, 0x8000000000000000, 0x7ff0000000000000, 0x7ff0000000000001, 1,
                               0xffffffff3fc00000, 0xffffffffff800000, 0xffffffff7fc00000, 0xffffffff7f7fffff};
  for (unsigned o = 0; o < kNumOpcodes; o++) {
    Opcode op = Opcode(o);
    const OpInfo& oi = info(op);
    SCOPED_TRACE(oi.name);
    const int trials = op == Opcode::Fp ? 1000 : 60;
    struct Trial {
      uint64_t v[3];
      FpImm fpi;
      uint64_t fcsr;
    };
    std::vector<Trial> trials_in;
    std::vector<Block> blocks;
    for (int trial = 0; trial < trials; trial++) {
      Trial t;
      // Edge values in every combination for the first 81 trials of two operands.
      for (unsigned k = 0; k < 3; k++) t.v[k] = trial < 81 ? edges[(k == 0 ? trial : trial / 9 + k) % 9] : rng();
      t.fpi = {FpOp(rng() % unsigned(FpOp::Count)), rng() % 2 ? FpFmt::S : FpFmt::D,
               uint8_t(rng() % 2 ? rng() % 5 : 7)};
      t.fcsr = (rng() % 8) << 5;
      if (op == Opcode::Fp)
        for (uint64_t& x : t.v)
          x = rng() % 3 == 0 ? fp_edges[rng() % std::size(fp_edges)] : rng() % 2 ? (rng() | 0xffffffff00000000) : x;
      Block b = opcode_block(op, t.v[0], t.fpi);
      ASSERT_EQ(verify(b), "");
      optimize(b, true);
      blocks.push_back(std::move(b));
      trials_in.push_back(t);
    }
    Compiled c = compile(blocks, GetParam());
    ASSERT_EQ(c.fns.size(), blocks.size());
    for (size_t i = 0; i < blocks.size(); i++) {
      const Trial& t = trials_in[i];
      SCOPED_TRACE(testing::Message() << std::hex << t.v[0] << " " << t.v[1] << " " << t.v[2] << " fp "
                                      << to_string(t.fpi) << " fcsr " << t.fcsr);
      std::vector<uint64_t> regs = {0, t.v[0], t.v[1], t.v[2], 0x1234, 0};
      FakeHost jit_host, in_host;
      Outcome j = run_jit(jit_host, c.fns[i], blocks[i], regs, t.fcsr);
      Outcome in = run_interp(in_host, blocks[i], regs, t.fcsr);
      expect_same(j, jit_host, in, in_host);
      uint64_t ref[3], want;
      for (unsigned a = 0; a < 3; a++)
        ref[a] = oi.args[a] == Type::I32 ? uint32_t(t.v[a]) : oi.args[a] == Type::I1 ? t.v[a] != 0 : t.v[a];
      if (eval_pure(op, ref[0], ref[1], ref[2], want)) {
        EXPECT_EQ(j.s->regs[5], oi.result == Type::I32 ? uint32_t(want) : want);
      }
    }
  }
}

// Two shifts and an or that rotate (64-bit, and 32-bit with sign-extended halves as
// RISC-V's W instructions give them) become one rotate in optimized code; shifts that do
// not add up to the width, or shift different values, stay as they are. Every amount, in
// both orders of the or, against the interpreter.
TEST_P(JitOpcodes, RotatesSpelledWithShiftsMatchTheInterpreter) {
  std::mt19937_64 rng(7);
  std::vector<Block> blocks;
  for (unsigned word = 0; word < 2; word++)
    for (unsigned r = 1; r < (word ? 32u : 64u); r++)
      for (unsigned variant = 0; variant < 4; variant++) {
        const unsigned width = word ? 32 : 64;
        const unsigned l = variant == 2 ? (width - r + 1) % width : width - r;  // 2: not a rotate
        Block b = make_block();
        Emitter e(b);
        V64 x = e.GetReg(1), other = variant == 3 ? e.GetReg(2) : x;  // 3: two sources
        V64 lo, hi;
        if (word) {
          lo = e.Sext32(e.Lshr32(e.Trunc32(x), e.Trunc32(e.Const(r))));
          hi = e.Sext32(e.Shl32(e.Trunc32(other), e.Trunc32(e.Const(l))));
        } else {
          lo = e.Lshr(x, e.Const(r));
          hi = e.Shl(other, e.Const(l));
        }
        e.SetReg(variant == 1 ? e.Or(hi, lo) : e.Or(lo, hi), 5);
        e.exit(ExitKind::Yield, 0x1000, 0x1004);
        ASSERT_EQ(verify(b), "");
        optimize(b, true);
        blocks.push_back(std::move(b));
      }
  Compiled c = compile(blocks, GetParam());
  ASSERT_EQ(c.fns.size(), blocks.size());
  for (size_t i = 0; i < blocks.size(); i++) {
    for (uint64_t v : {uint64_t(0x8000000180000001), uint64_t(rng()), uint64_t(rng() | 0x80000000)}) {
      std::vector<uint64_t> regs = {0, v, rng(), 0, 0, 0};
      FakeHost jit_host, in_host;
      Outcome j = run_jit(jit_host, c.fns[i], blocks[i], regs);
      Outcome in = run_interp(in_host, blocks[i], regs);
      SCOPED_TRACE(testing::Message() << "block " << i << " value " << std::hex << v);
      expect_same(j, jit_host, in, in_host);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(OptimizedAndNot, JitOpcodes, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "O2" : "Unoptimized"; });

// Loads and stores of every size, both extensions and a displacement, through the TLB
// fast path (odd pages), the host (even pages) and across a page end (the host for all
// but byte stores).
TEST(JitLower, MemoryTakesTheSameFastAndSlowPathsAsTheInterpreter) {
  const uint64_t pages[] = {FakeHost::kBase + 4096 + 16, FakeHost::kBase + 2 * 4096 + 16,
                            FakeHost::kBase + 2 * 4096 - 9};
  std::vector<Block> blocks;
  for (uint8_t size : {1, 2, 4, 8}) {
    for (bool sign : {false, true}) {
      // Each access reads x1 anew: accesses on one address value would be grouped (see
      // AccessGroup tests) and take no slow path each.
      Block b = sized_block(3);
      Emitter e(b);
      e.Store(e.GetReg(1), e.GetReg(2), MemImm{size, false, 8}.pack());  // s[bhwd] x2, 8(x1)
      e.set_insn(1);
      e.SetReg(e.Load(e.GetReg(1), MemImm{size, sign, 8}.pack()), 5);  // l[bhwd][u] x5, 8(x1)
      e.set_insn(2);
      e.SetReg(e.Load(e.GetReg(1), MemImm{size, sign, -8}.pack()), 6);  // l[bhwd][u] x6, -8(x1)
      e.jump(0x2000);
      ASSERT_EQ(verify(b), "");
      blocks.push_back(b);
    }
  }
  for (bool quick : {false, true}) {
    SCOPED_TRACE(quick ? "quick code" : "optimized code");
    Compiled c = compile(blocks, true, quick);
    ASSERT_EQ(c.fns.size(), blocks.size());
    for (size_t p = 0; p < std::size(pages); p++) {
      for (size_t i = 0; i < blocks.size(); i++) {
        SCOPED_TRACE(testing::Message() << std::hex << pages[p] << "\n" << print(blocks[i]));
        FakeHost jit_host, in_host;
        for (size_t k = 0; k < jit_host.ram.size(); k++) jit_host.ram[k] = in_host.ram[k] = uint8_t(k * 37 + 11);
        std::vector<uint64_t> regs = {0, pages[p], 0xfedcba9887654321};
        Outcome j = run_jit(jit_host, c.fns[i], blocks[i], regs);
        Outcome in = run_interp(in_host, blocks[i], regs);
        expect_same(j, jit_host, in, in_host);
        EXPECT_EQ(j.exit.kind, ExitKind::Budget);
        const bool byte = i < 2;
        EXPECT_EQ(jit_host.calls.empty(), p == 0 || (p == 2 && byte)) << "only the mapped page avoids the host";
      }
    }
  }
}

// Loads of a block with kModeFlatReads read the guest's RAM directly, whether or not the
// TLB maps the page; reads reaching outside it, and every read of a block without the mode
// bit, take the TLB and the host as before. The values are the interpreter's throughout.
// Reads of blocks with kModeFlatReads go straight to the RAM window when they lie wholly
// inside it. Any other read leaves the code before it, with the state the interpreter has
// there (the read before it done) and no host call; the interpreter, given the rest of the
// block as the dispatcher would, then ends where it ends alone. Without the mode bit, reads
// take the TLB and the host as the interpreter's. In optimized and quick code.
TEST(JitLower, FlatReadsGoStraightToRamAndOtherReadsLeaveBeforeThem) {
  std::vector<Block> blocks, tails;
  for (uint32_t mode : {kModeFlatReads, 0u}) {
    for (uint8_t size : {1, 2, 4, 8}) {
      Block b = sized_block(2);
      b.mode = mode;
      Emitter e(b);
      e.SetReg(e.Load(e.GetReg(1), MemImm{size, true, 8}.pack()), 5);  // l[bhwd] x5, 8(x1)
      e.set_insn(1);
      Block tail = sized_block(1, 0x1004);  // the block the interpreter builds at the second read
      tail.mode = mode;
      Emitter t(tail);
      for (Emitter* x : {&e, &t}) {
        x->SetReg(x->Load(x->GetReg(2), MemImm{size, false, 0}.pack()), 6);  // l[bhwd]u x6, 0(x2)
        x->jump(0x2000);
      }
      ASSERT_EQ(verify(b), "");
      ASSERT_EQ(verify(tail), "");
      blocks.push_back(b);
      tails.push_back(tail);
    }
  }
  // The window: pages 0-3 of the fake host's RAM. Odd pages are in the TLB too.
  const uint64_t end = FakeHost::kBase + 4 * 4096;
  struct Case {
    uint64_t x1, x2;  // the loads read 8(x1) and 0(x2)
  } cases[] = {
      {FakeHost::kBase + 2 * 4096, FakeHost::kBase + 3 * 4096 - 8},  // page 2, not in the TLB
      {FakeHost::kBase + 4096 + 16, FakeHost::kBase + 4096},         // page 1, in the TLB
      {end, end + 4096},                                             // pages 4 and 5, past the window
      {end - 12, FakeHost::kBase - 4},  // the window's last 4 bytes (an 8-byte read leaves it); before it
      {FakeHost::kBase + 8, end - 2},   // the second read only: inside; straddling the end but for bytes
      {FakeHost::kBase + 8, end - 1},   // a halfword ends one byte past the window
      {FakeHost::kBase + 8, end - 3},   // a word ends one byte past it
      {FakeHost::kBase + 8, end - 7},   // a doubleword ends one byte past it
  };
  for (bool quick : {false, true}) {
    SCOPED_TRACE(quick ? "quick code" : "optimized code");
    for (const Case& k : cases) {
      SCOPED_TRACE(testing::Message() << std::hex << k.x1 << " " << k.x2);
      for (size_t i = 0; i < blocks.size(); i++) {
        SCOPED_TRACE(print(blocks[i]));
        FakeHost jit_host, in_host;
        for (size_t n = 0; n < jit_host.ram.size(); n++) jit_host.ram[n] = in_host.ram[n] = uint8_t(n * 37 + 11);
        const RamWindow ram{FakeHost::kBase, end - FakeHost::kBase, reinterpret_cast<uintptr_t>(jit_host.ram.data())};
        Compiled c = compile({blocks[i]}, true, quick, ram);
        ASSERT_EQ(c.fns.size(), 1u);
        std::vector<uint64_t> regs = {0, k.x1, k.x2};
        Outcome j = run_jit(jit_host, c.fns[0], blocks[i], regs);
        const Outcome in = run_interp(in_host, blocks[i], regs);
        if (!(blocks[i].mode & kModeFlatReads)) {
          expect_same(j, jit_host, in, in_host);
          continue;
        }
        const unsigned size = MemImm::unpack(blocks[i].insts[1].imm).size;
        auto inside = [&](uint64_t a) { return a >= FakeHost::kBase && a + size <= end; };
        const unsigned done = !inside(k.x1 + 8) ? 0 : !inside(k.x2) ? 1 : 2;
        EXPECT_TRUE(jit_host.calls.empty());
        EXPECT_EQ(j.s->icount, done);
        EXPECT_EQ(j.s->pc, done == 2 ? 0x2000u : 0x1000u + 4 * done);
        EXPECT_EQ(j.s->regs[5], done >= 1 ? in.s->regs[5] : 0u);
        EXPECT_EQ(j.s->regs[6], done == 2 ? in.s->regs[6] : 0u);
        if (done == 2) continue;
        auto translator = [&](uint64_t pc, uint32_t, unsigned,
                              const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                              Block& out) { out = pc == 0x1004 ? tails[i] : blocks[i]; };
        interp::Interpreter rest(jit_host, translator, true);
        j.exit = rest.run(*j.s, blocks[i].num_insns);
        expect_same_state(j, in);
        EXPECT_TRUE(jit_host.ram == in_host.ram);
        // The host saw only the reads the interpreter made of memory the TLB does not map.
        size_t host_reads = 0;
        for (unsigned n = done; n < 2; n++) {
          const uint64_t a = n == 0 ? k.x1 + 8 : k.x2;
          const bool in_tlb = a >= FakeHost::kBase && ((a - FakeHost::kBase) >> 12) % 2 == 1 &&
                              (a + size - 1) >> 12 == a >> 12;  // map_odd_pages()
          host_reads += !in_tlb;
        }
        EXPECT_EQ(jit_host.calls.size(), host_reads);
      }
    }
  }
}

// A load that faults in the middle of a block: the earlier instruction's write stays, the
// later one does not happen, pc names the load and icount counts what retired before it.
// In optimized code and in quick code (which writes registers to the state as it goes).
TEST(JitLower, TrappingLoadLeavesPcAndIcountLikeTheInterpreter) {
  std::vector<Block> blocks;
  for (uint64_t addr : {uint64_t(0x100), FakeHost::kBase + 0x10000 - 4}) {  // unmapped; crossing the end of RAM
    Block b = make_block();
    b.pc = 0x8000;
    b.num_insns = 3;
    b.byte_len = 10;
    b.insn_offset = {0, 4, 6};
    Emitter e(b);
    e.SetReg(e.Const(77), 5);
    e.set_insn(1);
    e.SetReg(e.Load(e.Const(addr), MemImm{8, false, 0}.pack()), 6);
    e.set_insn(2);
    e.SetReg(e.Const(99), 7);
    e.jump(0x2000);
    blocks.push_back(b);
  }
  for (bool quick : {false, true}) {
    SCOPED_TRACE(quick ? "quick code" : "optimized code");
    Compiled c = compile(blocks, true, quick);
    ASSERT_EQ(c.fns.size(), blocks.size());
    for (size_t i = 0; i < blocks.size(); i++) {
      FakeHost jit_host, in_host;
      Outcome j = run_jit(jit_host, c.fns[i], blocks[i], {});
      Outcome in = run_interp(in_host, blocks[i], {});
      expect_same(j, jit_host, in, in_host);
      EXPECT_EQ(j.exit.kind, ExitKind::Trap);
      EXPECT_EQ(j.exit.cause, 5u);
      EXPECT_EQ(j.s->pc, 0x8004u);
      EXPECT_EQ(j.s->icount, 1u);
      EXPECT_EQ(j.s->regs[5], 77u);
      EXPECT_EQ(j.s->regs[7], 0u);
    }
  }
}

// A slow-path store after which the host asks to stop: the block ends after the store.
TEST(JitLower, StoreThatRequestsAnExitYieldsAfterTheStore) {
  Block b = sized_block(3);
  Emitter e(b);
  e.Store(e.Const(FakeHost::kBase + 64), e.Const(0x55), MemImm{4, false, 0}.pack());
  e.set_insn(1);
  e.Store(e.Const(FakeHost::kBase + 128), e.Const(0x66), MemImm{4, false, 0}.pack());
  e.set_insn(2);
  e.SetReg(e.Const(1), 5);
  e.jump(0x2000);
  for (bool quick : {false, true}) {
    SCOPED_TRACE(quick ? "quick code" : "optimized code");
    Compiled c = compile({b}, true, quick);
    ASSERT_EQ(c.fns.size(), 1u);
    YieldingHost jit_host, in_host;
    Outcome j = run_jit(jit_host, c.fns[0], b, {});
    Outcome in = run_interp(in_host, b, {});
    expect_same(j, jit_host, in, in_host);
    EXPECT_EQ(j.exit.kind, ExitKind::Yield);
    EXPECT_EQ(j.s->pc, 0x1004u);
    EXPECT_EQ(j.s->icount, 1u);
  }
}

// Every terminal, and host-call operations that trap, against the interpreter.
TEST(JitLower, TerminalsAndTrapsMatchTheInterpreter) {
  std::vector<Block> blocks;
  auto block = [] { return sized_block(2); };
  for (uint64_t k : {0, 1}) {  // branch taken and not
    Block b = block();
    Emitter e(b);
    e.set_insn(1);
    e.branch(e.CmpEq(e.GetReg(1), e.Const(k)), 0x3000, 0x1008);
    blocks.push_back(b);
  }
  {
    Block b = block();
    Emitter e(b);
    e.jump_indirect(e.And(e.GetReg(2), e.Const(~1ull)));
    blocks.push_back(b);
  }
  for (ExitKind kind : {ExitKind::Ecall, ExitKind::Ebreak, ExitKind::Trap, ExitKind::Wfi, ExitKind::Mret}) {
    Block b = block();
    Emitter e(b);
    e.SetReg(e.Const(5), 9);
    e.set_insn(1);
    e.exit(kind, 0x1004, 0x1008, kind == ExitKind::Trap ? 2 : 0, kind == ExitKind::Trap ? 0x1234 : 0);
    blocks.push_back(b);
  }
  for (Opcode op : {Opcode::LoadReserved, Opcode::StoreCond, Opcode::AtomicRmw}) {
    Block b = block();
    Emitter e(b);
    e.set_insn(1);
    Value addr = e.Const(0x40);  // outside RAM: traps
    b.insts.push_back(Inst{op,
                           1,
                           {addr, op == Opcode::LoadReserved ? Value{} : Value(e.GetReg(2))},
                           MemImm{4, true, 0, uint8_t(AtomicOp::Add)}.pack()});
    e.SetReg(V64{{uint32_t(b.insts.size() - 1)}}, 5);
    e.jump(0x2000);
    blocks.push_back(b);
  }
  for (bool quick : {false, true}) {
    SCOPED_TRACE(quick ? "quick code" : "optimized code");
    Compiled c = compile(blocks, true, quick);
    ASSERT_EQ(c.fns.size(), blocks.size());
    for (size_t i = 0; i < blocks.size(); i++) {
      SCOPED_TRACE(print(blocks[i]));
      FakeHost jit_host, in_host;
      std::vector<uint64_t> regs = {0, 1, 0x4567};
      Outcome j = run_jit(jit_host, c.fns[i], blocks[i], regs);
      Outcome in = run_interp(in_host, blocks[i], regs);
      expect_same(j, jit_host, in, in_host);
    }
  }
}

// The code generator options a session sets (session.cpp) exist under these names in this
// LLVM and are set once a session is made: a renamed option would be ignored silently.
TEST(JitSession, SetsItsCodeGeneratorOptions) {
  Compiled c = compile({increment_block()});
  ASSERT_EQ(c.fns.size(), 1u);
  auto& options = llvm::cl::getRegisteredOptions();
  for (const char* name : {"disable-lsr", "enable-ext-tsp-block-placement"}) {
    SCOPED_TRACE(name);
    auto it = options.find(name);
    ASSERT_NE(it, options.end());
    EXPECT_GE(it->second->getNumOccurrences(), 1);
  }
}

// Freeing one unit leaves the others' code running.
TEST(JitSession, UnitsAreFreedIndependently) {
  const Block b = increment_block();
  Compiled first = compile({b});
  Compiled second = compile({b});
  ASSERT_EQ(first.fns.size(), 1u);
  ASSERT_EQ(second.fns.size(), 1u);
  first.unit.reset();
  FakeHost host;
  Outcome r = run_jit(host, second.fns[0], b, {0, 41});
  EXPECT_EQ(r.s->regs[1], 42u);
  EXPECT_EQ(r.s->pc, 0x2000u);
  EXPECT_EQ(r.s->icount, 1u);
}

// A two-block loop compiled as one region: block A (2 instructions) adds 1 to x1 and
// loops while x1 != 10; block B (1 instruction) sets x2 and leaves. The check before A
// covers A and B: the code stops before an A that would leave too little budget for them,
// and the dispatcher's interpreter then runs what is left of the budget, stopping exactly
// where the interpreter alone stops.
// Block A of that loop, at 0x1000.
static Block counting_loop_block() {
  Block a = sized_block(2);
  Emitter e(a);
  V64 x1 = e.Add(e.GetReg(1), e.Const(1));
  e.SetReg(x1, 1);
  e.branch(e.CmpNe(x1, e.Const(10)), 0x1000, 0x1008);
  return a;
}

TEST(JitRegion, LoopRunsInsideTheRegionAndStopsAtTheBudget) {
  CompiledRegion region = compile_region({counting_loop_block(), tail_block(0x1008, 2)}, "loop_region");
  ASSERT_NE(region.fn, nullptr);
  polyemu::interp::NativeFn fn = region.fn;

  struct Case {
    uint64_t limit, x1, pc, icount;
  };
  // 9 iterations of A run 18 instructions; the 10th takes 20, B one more.
  for (Case c : {Case{~0ull, 10, 0x3000, 21}, Case{21, 10, 0x3000, 21}, Case{20, 9, 0x1000, 18},
                 Case{19, 9, 0x1000, 18}, Case{18, 8, 0x1000, 16}, Case{1, 0, 0x1000, 0}, Case{0, 0, 0x1000, 0}}) {
    SCOPED_TRACE(c.limit);
    FakeHost host;
    auto s = std::make_unique<GuestState>();
    s->pc = 0x1000;
    uint64_t r = fn(s.get(), &host, c.limit);
    EXPECT_EQ(r, polyemu::interp::kNativeNext);
    EXPECT_EQ(s->regs[1], c.x1);
    EXPECT_EQ(s->regs[2], c.pc == 0x3000 ? 77u : 0u);
    EXPECT_EQ(s->pc, c.pc);
    EXPECT_EQ(s->icount, c.icount);
  }
  // With the dispatcher (the code installed for both blocks), every budget ends where the
  // interpreter alone ends.
  const std::vector<Block> blocks = {counting_loop_block(), tail_block(0x1008, 2)};
  auto translator = [&](uint64_t pc, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                        Block& out) { out = pc == 0x1008 ? blocks[1] : blocks[0]; };
  for (uint64_t limit = 0; limit <= 22; limit++) {
    SCOPED_TRACE(limit);
    FakeHost jit_host, in_host;
    interp::Interpreter in(jit_host, translator, true);
    auto scratch = std::make_unique<GuestState>();
    scratch->pc = 0x1000;
    in.run(*scratch, 100);  // translates both blocks
    ASSERT_TRUE(in.install(0x1000, 0x1000, scratch->mode, fn));
    ASSERT_TRUE(in.install(0x1008, 0x1008, scratch->mode, fn));
    Outcome j{initial_state(jit_host, {}, 0), {}};
    j.s->pc = 0x1000;
    j.exit = in.run(*j.s, limit);
    Outcome i = run_interp(in_host, blocks, {}, limit);
    expect_same(j, jit_host, i, in_host);
    if (limit >= 3) {
      EXPECT_GT(in.stats().native_insns, 0u);
    }
  }
}

// Quick code counts the instructions of the blocks it runs; the first budget check that
// finds the count at the limit signals and returns before its block, where the
// interpreter would go on: the loop of the test above (A: 2 instructions, run 10 times,
// checked; B: 1, not) with a limit of 7 stops before the 5th run of A, and goes on
// to the end when called again, counting on without a second signal.
TEST(JitRegion, QuickCodeCountsItsInstructionsAndSignalsOnceAtTheLimit) {
  uint64_t insns = 0;
  uint8_t fired = 0;
  std::atomic<bool> signal{false};
  CompiledRegion region = compile_region({counting_loop_block(), tail_block(0x1008, 2)}, "counted_region", {},
                                         jit::Profile{&insns, &signal, 7, &fired}, false);
  ASSERT_NE(region.fn, nullptr);
  FakeHost host;
  auto s = std::make_unique<GuestState>();
  s->pc = 0x1000;
  EXPECT_EQ(region.fn(s.get(), &host, UINT64_MAX), polyemu::interp::kNativeNext);
  EXPECT_TRUE(signal.exchange(false));
  EXPECT_EQ(fired, 1u);
  EXPECT_EQ(insns, 8u);
  EXPECT_EQ(s->regs[1], 4u);
  EXPECT_EQ(s->pc, 0x1000u);
  EXPECT_EQ(s->icount, 8u);
  EXPECT_EQ(region.fn(s.get(), &host, UINT64_MAX), polyemu::interp::kNativeNext);
  EXPECT_FALSE(signal.load());
  EXPECT_EQ(insns, 8u + 6 * 2 + 1);  // A's last 6 runs and B
  EXPECT_EQ(s->regs[1], 10u);
  EXPECT_EQ(s->regs[2], 77u);
  EXPECT_EQ(s->pc, 0x3000u);
  EXPECT_EQ(s->icount, 21u);
}

// Once quick code has signalled, it leaves at a budget check whenever the signal is set
// again (the tier has compiled code to install, likely the optimized copy), so that a loop
// does not keep running the quick code until it ends. Before it has signalled, someone
// else's signal does not stop it.
TEST(JitRegion, QuickCodeThatSignalledLeavesWhileTheSignalIsSet) {
  uint64_t insns = 0;
  uint8_t fired = 0;
  std::atomic<bool> signal{true};
  CompiledRegion region = compile_region({counting_loop_block(), tail_block(0x1008, 2)}, "waiting_region", {},
                                         jit::Profile{&insns, &signal, 1000, &fired}, false);
  ASSERT_NE(region.fn, nullptr);
  FakeHost host;
  auto s = std::make_unique<GuestState>();
  s->pc = 0x1000;
  s->regs[1] = 5;
  // Not fired: runs to the end (A 5 times, B) though the signal is set.
  EXPECT_EQ(region.fn(s.get(), &host, 1000), polyemu::interp::kNativeNext);
  EXPECT_EQ(s->pc, 0x3000u);
  EXPECT_EQ(s->icount, 11u);
  EXPECT_EQ(insns, 11u);
  // Fired, with the signal set: leaves before the first block, having run nothing.
  fired = 1;
  s->pc = 0x1000;
  s->regs[1] = 5;
  EXPECT_EQ(region.fn(s.get(), &host, 1000), polyemu::interp::kNativeNext);
  EXPECT_EQ(s->pc, 0x1000u);
  EXPECT_EQ(s->icount, 11u);
  EXPECT_EQ(s->regs[1], 5u);
  EXPECT_EQ(insns, 11u);
  EXPECT_TRUE(signal.load());  // the dispatcher clears it when it installs
  EXPECT_EQ(fired, 1u);
  // Fired, signal clear: runs on to the end.
  signal = false;
  EXPECT_EQ(region.fn(s.get(), &host, 1000), polyemu::interp::kNativeNext);
  EXPECT_EQ(s->pc, 0x3000u);
  EXPECT_EQ(s->regs[1], 10u);
  EXPECT_EQ(s->icount, 22u);
  EXPECT_EQ(insns, 22u);
  EXPECT_FALSE(signal.load());
}

// An indirect jump to a likely target that starts a block of the region goes on there: a
// dispatch loop (D jumps to x2; A and B jump back, each making the other one next) runs in
// one call until it leaves the region or the budget ends, with the registers, pc and icount
// the interpreter has at the same budget. Other targets leave as without the hint.
TEST(JitRegion, IndirectJumpToALikelyTargetStaysInTheRegion) {
  Block d = sized_block(1, 0x1000), a = sized_block(1, 0x1010), b = sized_block(2, 0x1020);
  {
    Emitter e(d);
    e.SetReg(e.Add(e.GetReg(1), e.Const(1)), 1);
    e.jump_indirect(e.GetReg(2));
  }
  {
    Emitter e(a);
    e.SetReg(e.Add(e.GetReg(4), e.Const(10)), 4);
    e.SetReg(e.Const(0x1020), 2);
    e.jump(0x1000);
  }
  {
    Emitter e(b);
    e.SetReg(e.Add(e.GetReg(5), e.Const(100)), 5);
    e.set_insn(1);
    e.SetReg(e.Const(0x1010), 2);
    e.branch(e.CmpNe(e.GetReg(1), e.Const(6)), 0x1000, 0x3000);
  }
  // 0x1030 is likely but not in the region: it stays an exit.
  const jit::LikelyTargets likely = {{0x1000, {0x1020, 0x1010, 0x1030}}};
  CompiledRegion hinted = compile_region({d, a, b}, "dispatch_region", likely);
  CompiledRegion plain = compile_region({d, a, b}, "dispatch_plain");
  ASSERT_NE(hinted.fn, nullptr);
  ASSERT_NE(plain.fn, nullptr);

  auto run = [&](polyemu::interp::NativeFn fn, uint64_t x2, uint64_t limit) {
    FakeHost host;
    Outcome j{initial_state(host, {0, 0, x2}, 0), {}};
    j.s->pc = 0x1000;
    EXPECT_EQ(fn(j.s.get(), &host, limit), polyemu::interp::kNativeNext);
    j.exit = {ExitKind::Budget, j.s->pc};
    FakeHost in_host;
    Outcome in = run_interp(in_host, {d, a, b}, {0, 0, x2}, j.s->icount);
    expect_same(j, host, in, in_host);
    return std::move(j.s);
  };
  // Six dispatches (A, B, A, B, A, B) take 6 + 3 + 3 * 2 = 15 instructions; B then leaves.
  auto s = run(hinted.fn, 0x1010, UINT64_MAX);
  EXPECT_EQ(s->pc, 0x3000u);
  EXPECT_EQ(s->icount, 15u);
  EXPECT_EQ(s->regs[4], 30u);
  EXPECT_EQ(s->regs[5], 300u);
  for (uint64_t limit : {0, 1, 2, 3, 4, 5, 7, 9, 14, 15}) {
    SCOPED_TRACE(limit);
    s = run(hinted.fn, 0x1010, limit);
    EXPECT_LE(s->icount, limit);
    EXPECT_GT(s->icount + 3, limit);  // it stops only where the next block does not fit
  }
  s = run(hinted.fn, 0x1030, UINT64_MAX);  // a target outside the region
  EXPECT_EQ(s->pc, 0x1030u);
  EXPECT_EQ(s->icount, 1u);
  s = run(plain.fn, 0x1010, UINT64_MAX);  // without the hint every dispatch leaves
  EXPECT_EQ(s->pc, 0x1010u);
  EXPECT_EQ(s->icount, 1u);
}

// A loop whose accesses skip the TLB lookup while they stay on the page they last hit
// (page caches) must still see every change the host makes to the TLB. Here each slow-path
// store moves the mapped pages to another buffer; loads through x1 keep hitting mapped
// pages, stores through x2 walk from a mapped page into an unmapped one, and both walk
// across page ends with unaligned accesses. Registers, both buffers, host calls, pc and
// icount must match the interpreter.
// `split`: the loop is two blocks, the accesses in the first.
static void expect_loop_follows_tlb_changes(bool split) {
  struct RemappingHost : FakeHost {
    std::vector<uint8_t> other = std::vector<uint8_t>(ram.size());
    bool store(GuestState& s, uint64_t a, unsigned n, uint64_t v) override {
      bool ok = FakeHost::store(s, a, n, v);
      for (uint64_t off = 4096; off < ram.size(); off += 8192) {
        TlbEntry& t = s.tlb[0][((kBase + off) >> 12) % kTlbEntries];
        const bool in_ram = t.addend == reinterpret_cast<uintptr_t>(ram.data()) - kBase;
        t.addend = reinterpret_cast<uintptr_t>(in_ram ? other.data() : ram.data()) - kBase;
      }
      return ok;
    }
  };
  Block a = sized_block(split ? 2 : 4);
  Block c = sized_block(2, 0x1008);  // the second half of the loop when split
  {
    Emitter e(a);
    V64 x1 = e.GetReg(1), x2 = e.GetReg(2);
    e.SetReg(e.Load(x1, MemImm{8, false, 0}.pack()), 3);  // ld x3, 0(x1)
    e.set_insn(1);
    e.Store(x2, e.GetReg(3), MemImm{4, false, 0}.pack());  // sw x3, 0(x2)
    Emitter f(c);
    Emitter& rest = second_half(e, f, split, 2);
    if (split) x1 = f.GetReg(1), x2 = f.GetReg(2);
    rest.SetReg(rest.Add(x1, rest.Const(7)), 1);
    rest.SetReg(rest.Add(x2, rest.Const(6)), 2);
    rest.set_insn(split ? 1 : 3);
    V64 x4 = rest.Sub(rest.GetReg(4), rest.Const(1));
    rest.SetReg(x4, 4);
    rest.branch(rest.CmpNe(x4, rest.Const(0)), 0x1000, 0x1010);
  }
  const Block b = tail_block(0x1010, 5);
  std::vector<Block> blocks = {a, b};
  if (split) blocks.push_back(c);
  CompiledRegion region = compile_region(blocks, split ? "remap_split_region" : "remap_region");
  ASSERT_NE(region.fn, nullptr);
  polyemu::interp::NativeFn fn = region.fn;

  // x1 from the end of page 1 (mapped) on, across page 2 into page 3 (mapped); x2 from the
  // end of page 3 into page 4 (not mapped).
  const std::vector<uint64_t> regs = {0, FakeHost::kBase + 2 * 4096 - 100, FakeHost::kBase + 4 * 4096 - 60, 0, 700};
  auto fill = [](RemappingHost& h) {
    for (size_t k = 0; k < h.ram.size(); k++) h.ram[k] = uint8_t(k * 37 + 11), h.other[k] = uint8_t(k * 11 + 5);
  };
  RemappingHost jit_host, in_host;
  fill(jit_host);
  fill(in_host);
  Outcome j{initial_state(jit_host, regs, 0), {}};
  j.s->pc = 0x1000;
  EXPECT_EQ(fn(j.s.get(), &jit_host, UINT64_MAX), polyemu::interp::kNativeNext);
  j.exit = {ExitKind::Budget, j.s->pc};
  ASSERT_EQ(j.s->pc, 0x3000u);
  ASSERT_EQ(j.s->icount, 700u * 4 + 1);

  Outcome i = run_interp(in_host, blocks, regs, j.s->icount);
  expect_same(j, jit_host, i, in_host);
  EXPECT_TRUE(jit_host.other == in_host.other);
  EXPECT_GT(std::count(jit_host.calls.begin(), jit_host.calls.end(), "store"), 100);
}

// In blocks with flat reads the TLB maps only RAM, untranslated: a store it (or a loop's
// page cache) finds goes to the RAM window's offset, without reading the entry's addend.
// A loop storing and reading back across mapped (odd) and unmapped pages, and a store after
// it, leave memory, registers and host calls as the interpreter does. Optimized and quick.
TEST(JitRegion, FlatBlocksStoreAtTheRamOffsetLikeTheInterpreter) {
  Block loop = sized_block(4);
  loop.mode = kModeFlatReads;
  {
    Emitter e(loop);
    V64 x2 = e.GetReg(2);
    e.Store(x2, e.GetReg(3), MemImm{4, false, 0}.pack());  // sw x3, 0(x2)
    e.set_insn(1);
    e.SetReg(e.Add(e.GetReg(5), e.Load(x2, MemImm{4, true, 0}.pack())), 5);  // lw t, 0(x2); x5 += t
    e.set_insn(2);
    V64 next = e.Add(x2, e.Const(4));
    e.SetReg(next, 2);
    e.SetReg(e.Add(e.GetReg(3), e.Const(0x01010101)), 3);
    e.set_insn(3);
    e.branch(e.CmpNe(next, e.GetReg(4)), 0x1000, 0x1010);
  }
  Block after = sized_block(1, 0x1010);
  after.mode = kModeFlatReads;
  {
    Emitter e(after);
    e.Store(e.GetReg(2), e.GetReg(5), MemImm{8, false, 0}.pack());  // sd x5, 0(x2)
    e.jump(0x3000);
  }
  const std::vector<Block> blocks = {loop, after};
  const uint64_t end = FakeHost::kBase + 16 * 4096;
  // From the end of page 1 (mapped) across page 2 into page 3 (mapped), then page 4 (not).
  const std::vector<uint64_t> regs = {0, 0, FakeHost::kBase + 2 * 4096 - 64, 5, FakeHost::kBase + 4 * 4096 + 64};
  for (bool quick : {false, true}) {
    SCOPED_TRACE(quick ? "quick code" : "optimized code");
    FakeHost jit_host, in_host;
    const RamWindow ram{FakeHost::kBase, end - FakeHost::kBase, reinterpret_cast<uintptr_t>(jit_host.ram.data())};
    CompiledRegion region = compile_region(blocks, quick ? "flat_store_quick" : "flat_store", {},
                                           quick ? never_signalling_profile() : jit::Profile{}, !quick, ram);
    ASSERT_NE(region.fn, nullptr);
    Outcome j = run_jit(jit_host, region.fn, loop, regs);
    EXPECT_EQ(j.exit.kind, ExitKind::Budget);  // the code returned kNativeNext
    ASSERT_EQ(j.s->pc, 0x3000u);
    Outcome i = run_interp(in_host, blocks, regs, j.s->icount);
    expect_same_state(j, i);
    EXPECT_TRUE(jit_host.ram == in_host.ram);
    // The host saw the stores to unmapped pages 2 and 4, as the interpreter's; not its
    // reads there, which come straight from RAM.
    std::erase(in_host.calls, "load");
    EXPECT_EQ(jit_host.calls, in_host.calls);
    EXPECT_EQ(jit_host.calls.size(), 1024u + 16 + 1);
  }
}

TEST(JitRegion, LoopAccessesFollowTlbChangesMadeByTheHost) { expect_loop_follows_tlb_changes(false); }
TEST(JitRegion, TwoBlockLoopAccessesFollowTlbChangesMadeByTheHost) { expect_loop_follows_tlb_changes(true); }

// A loop that stores its way off the end of RAM: the trapping store inside the loop must
// find the state as the interpreter leaves it, with the registers the loop carries (x1, x2),
// the one written earlier in the same iteration (x5) and the temporary written after the
// store in the iteration before (x7) all current. `split`: the loop is
// two blocks, x1 and x5 written in the first, the store in the second. `many`: the loop
// also counts in x10..x17, too many registers for it to keep every write (see
// kSmallLoopRegs), so x5 and x7 reach the state at the end of their block. `quick`: as
// quick code, which writes every register to the state as it goes.
static void expect_trap_in_loop_finds_registers(bool split, bool many, bool quick) {
  Block a = sized_block(split ? 2 : 4);
  Block c = sized_block(2, 0x1008);
  {
    Emitter e(a);
    V64 x1 = e.Add(e.GetReg(1), e.Const(8));
    e.SetReg(x1, 1);  // addi x1, x1, 8
    e.set_insn(1);
    V64 x5 = e.Mul(x1, e.Const(3));
    e.SetReg(x5, 5);  // x5 = x1 * 3
    for (unsigned r = 10; many && r < 18; r++) e.SetReg(e.Add(e.GetReg(r), e.Const(r)), r);
    Emitter f(c);
    Emitter& rest = second_half(e, f, split, 2);
    if (split) x1 = f.GetReg(1), x5 = f.GetReg(5);
    rest.Store(x1, x5, MemImm{8, false, 0}.pack());  // sd x5, 0(x1)
    rest.set_insn(split ? 1 : 3);
    V64 x2 = rest.Add(rest.GetReg(2), rest.Const(1));
    rest.SetReg(x2, 2);
    rest.SetReg(rest.Xor(x2, rest.Const(0x55)), 7);  // a temporary the loop never reads
    rest.branch(rest.CmpNe(x2, rest.Const(1 << 20)), 0x1000, 0x1010);
  }
  std::vector<Block> blocks = {a, tail_block(0x1010, 6)};
  if (split) blocks.push_back(c);
  CompiledRegion region = compile_region(
      blocks,
      std::string(split ? "trap_split_region" : "trap_region") + (many ? "_many" : "") + (quick ? "_quick" : ""), {},
      quick ? never_signalling_profile() : jit::Profile{}, !quick);
  ASSERT_NE(region.fn, nullptr);

  // From the last mapped page (odd: TLB fast path) up to the end of RAM.
  const std::vector<uint64_t> regs = {0, FakeHost::kBase + 15 * 4096 - 8};
  FakeHost jit_host, in_host;
  Outcome j{initial_state(jit_host, regs, 0), {}};
  j.s->pc = 0x1000;
  j.exit = polyemu::interp::native_exit(region.fn(j.s.get(), &jit_host, UINT64_MAX), *j.s);
  ASSERT_EQ(j.exit.kind, ExitKind::Trap);
  EXPECT_EQ(j.s->pc, 0x1008u);
  EXPECT_EQ(j.s->regs[1], FakeHost::kBase + 16 * 4096);
  EXPECT_EQ(j.s->regs[5], 3 * (FakeHost::kBase + 16 * 4096));
  EXPECT_EQ(j.s->regs[2], 512u);
  EXPECT_EQ(j.s->regs[7], 512u ^ 0x55);  // from the iteration before the trap
  EXPECT_EQ(j.s->regs[17], many ? 17u * 513 : 0u);

  Outcome i = run_interp(in_host, blocks, regs, UINT64_MAX);
  expect_same(j, jit_host, i, in_host);
}
TEST(JitRegion, TrapInsideALoopFindsEveryRegisterCurrent) {
  for (bool quick : {false, true}) {
    expect_trap_in_loop_finds_registers(false, false, quick);
    expect_trap_in_loop_finds_registers(false, true, quick);
  }
}
TEST(JitRegion, TrapInsideATwoBlockLoopFindsEveryRegisterCurrent) {
  for (bool quick : {false, true}) {
    expect_trap_in_loop_finds_registers(true, false, quick);
    expect_trap_in_loop_finds_registers(true, true, quick);
  }
}

// A loop in the way of crc32's (x5 = table[(x5 ^ *x7++) & 0xff] + byte): x5 carries a
// sign-extended 32-bit value around the loop, which optimized code keeps in 32 bits
// ("narrow"), and holds the table address on the way, in the same block. Block A at 0x1000:
// lbu x6, 0(x7); x5 = (x5 ^ x6) & 0xff; x5 = (x5 << 2) + x8; lw x5, 0(x5);
// x5 = sext(x5 + x6), x7 += 1, loop while x7 != x9.
static Block narrow_loop_block() {
  Block a = sized_block(5);
  Emitter e(a);
  V64 x6 = e.Load(e.GetReg(7), MemImm{1, false, 0}.pack());
  e.SetReg(x6, 6);
  e.set_insn(1);
  V64 low = e.And(e.Xor(e.GetReg(5), x6), e.Const(0xff));
  e.SetReg(low, 5);
  e.set_insn(2);
  V64 address = e.Add(e.Shl(low, e.Const(2)), e.GetReg(8));
  e.SetReg(address, 5);
  e.set_insn(3);
  V64 entry = e.Load(address, MemImm{4, true, 0}.pack());
  e.SetReg(entry, 5);
  e.set_insn(4);
  e.SetReg(e.Sext32(e.Add32(e.Trunc32(entry), e.Trunc32(x6))), 5);
  V64 x7 = e.Add(e.GetReg(7), e.Const(1));
  e.SetReg(x7, 7);
  e.branch(e.CmpNe(x7, e.GetReg(9)), 0x1000, 0x1014);
  return a;
}

// The narrow loop gives the interpreter's results, also when its load traps with a
// 64-bit address in x5. Entered with a value in x5 that is not a sign-extended 32-bit one, the
// optimized code runs nothing and the dispatcher interprets the block once, with the same
// results; its quick code records that register as wide (jit::Profile), and the optimized
// code compiled with that record runs such entries itself.
TEST(JitRegion, NarrowRegistersGiveTheInterpretersResults) {
  const std::vector<Block> blocks = {narrow_loop_block(), tail_block(0x1014, 2)};
  const uint64_t bytes = FakeHost::kBase + 4096, table = FakeHost::kBase + 3 * 4096;
  auto fill = [&](FakeHost& host) {
    for (unsigned k = 0; k < 256; k++) host.ram[bytes - FakeHost::kBase + k] = uint8_t(k * 37 + 11);
    for (unsigned k = 0; k < 256; k++) {
      const uint32_t v = 0x9e3779b9u * (k + 1);
      std::memcpy(&host.ram[table - FakeHost::kBase + 4 * k], &v, 4);
    }
  };
  // A table above 4 GiB, outside RAM: the first load traps, with an address in x5 that its
  // low 32 bits do not give.
  const uint64_t trapping_table = (1ull << 32) + table;
  const uint64_t sign_extended = ~0ull, wide = 0xffffffffull;
  // 200 bytes of 5 instructions, then the tail block, which leaves for 0x3000 (where the
  // interpreter's translator would start block A again).
  const uint64_t kLoopInsns = 200 * 5 + 1;
  auto regs = [&](uint64_t x5, uint64_t x8) {
    return std::vector<uint64_t>{0, 0, 0, 0, 0, x5, 0, bytes, x8, bytes + 200};
  };
  auto translator = [&](uint64_t pc, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                        Block& out) { out = pc == 0x1014 ? blocks[1] : blocks[0]; };
  // Runs `fn` installed for both blocks under the dispatcher from the state of `r`.
  auto dispatch = [&](polyemu::interp::NativeFn fn, FakeHost& host, const std::vector<uint64_t>& r,
                      uint64_t& native_insns) {
    interp::Interpreter in(host, translator, true);
    auto scratch = initial_state(host, {0, 0, 0, 0, 0, 0, 0, bytes, table, bytes + 1}, 0);
    scratch->pc = 0x1000;
    in.run(*scratch, 6);  // translates both blocks
    EXPECT_TRUE(in.install(0x1000, 0x1000, scratch->mode, fn));
    EXPECT_TRUE(in.install(0x1014, 0x1014, scratch->mode, fn));
    Outcome o{initial_state(host, r, 0), {}};
    o.s->pc = 0x1000;
    o.exit = in.run(*o.s, kLoopInsns);
    native_insns = in.stats().native_insns;
    return o;
  };

  // Runs `fn` once from x5 and x8, and the interpreter alike: they must agree.
  auto run_both = [&](polyemu::interp::NativeFn fn, uint64_t x5, uint64_t x8) {
    FakeHost jit_host, in_host;
    fill(jit_host);
    fill(in_host);
    Outcome j = run_jit(jit_host, fn, blocks[0], regs(x5, x8));
    Outcome i = run_interp(in_host, blocks, regs(x5, x8), kLoopInsns);
    expect_same(j, jit_host, i, in_host);
    return j;
  };

  // Calls `fn` once from x5, with the table in RAM; it returns to the dispatcher.
  auto call_once = [&](polyemu::interp::NativeFn fn, FakeHost& host, uint64_t x5) {
    fill(host);
    auto s = initial_state(host, regs(x5, table), 0);
    s->pc = 0x1000;
    EXPECT_EQ(fn(s.get(), &host, UINT64_MAX), polyemu::interp::kNativeNext);
    return s;
  };

  CompiledRegion optimized = compile_region(blocks, "narrow_region");
  ASSERT_NE(optimized.fn, nullptr);
  for (uint64_t x8 : {table, trapping_table}) {
    SCOPED_TRACE(x8);
    const Outcome j = run_both(optimized.fn, sign_extended, x8);
    EXPECT_EQ(j.exit.kind, x8 == table ? ExitKind::Budget : ExitKind::Trap);
    if (x8 == trapping_table) {
      EXPECT_EQ(j.s->regs[5], j.exit.tval);  // the address
    }
  }
  {
    // Entered with x5 not sign-extended: nothing runs, then the dispatcher gets it right.
    FakeHost host;
    auto s = call_once(optimized.fn, host, wide);
    EXPECT_EQ(s->icount, 0u);
    EXPECT_EQ(s->regs[5], wide);
    EXPECT_TRUE(host.calls.empty());
    FakeHost jit_host, in_host;
    fill(jit_host);
    fill(in_host);
    uint64_t native_insns = 0;
    Outcome j = dispatch(optimized.fn, jit_host, regs(wide, table), native_insns);
    EXPECT_GT(native_insns, 0u);  // after the first block, x5 is narrow
    Outcome i = run_interp(in_host, blocks, regs(wide, table), kLoopInsns);
    expect_same_state(j, i);
    EXPECT_TRUE(jit_host.ram == in_host.ram);
  }

  // Quick code records x5 as wide when it meets it so, and only then.
  uint64_t insns = 0, recorded = 0;
  uint8_t fired = 0;
  std::atomic<bool> signal{false};
  CompiledRegion quick = compile_region(blocks, "narrow_region_quick", {},
                                        jit::Profile{&insns, &signal, UINT64_MAX, &fired, &recorded}, false);
  ASSERT_NE(quick.fn, nullptr);
  for (uint64_t x5 : {sign_extended, wide}) {
    FakeHost host;
    EXPECT_EQ(call_once(quick.fn, host, x5)->pc, 0x3000u);
    EXPECT_EQ(recorded, x5 == wide ? 1u << 5 : 0u);
  }
  jit::Profile seen;
  seen.seen_wide = recorded;
  CompiledRegion widened = compile_region(blocks, "narrow_region_widened", {}, seen);
  ASSERT_NE(widened.fn, nullptr);
  EXPECT_EQ(run_both(widened.fn, wide, table).s->pc, 0x3000u);
}

// Registers a loop only loads (their load sign-extends them for free) or copies from
// another register (`sext.w x6, x5`, also of a value the block just wrote to x11) stay 64
// bits wide: entered with values that are no sign-extended 32-bit ones, the code runs, and
// as the interpreter does.
TEST(JitRegion, LoadedAndCopiedRegistersStayWide) {
  Block a = sized_block(5);
  {
    Emitter e(a);
    e.SetReg(e.Load(e.GetReg(7), MemImm{4, true, 0}.pack()), 5);  // lw x5, 0(x7)
    e.set_insn(1);
    e.SetReg(e.Sext32(e.Add32(e.Trunc32(e.GetReg(5)), e.Trunc32(e.Const(0)))), 6);  // sext.w x6, x5
    e.set_insn(2);
    V64 x11 = e.Sext32(e.Add32(e.Trunc32(e.GetReg(6)), e.Trunc32(e.Const(1))));
    e.SetReg(x11, 11);  // addiw x11, x6, 1
    e.set_insn(3);
    e.SetReg(e.Sext32(e.Add32(e.Trunc32(x11), e.Trunc32(e.Const(0)))), 12);  // sext.w x12, x11
    e.set_insn(4);
    V64 x7 = e.Add(e.GetReg(7), e.Const(4));
    e.SetReg(x7, 7);
    e.branch(e.CmpNe(x7, e.GetReg(9)), 0x1000, 0x1014);
  }
  const std::vector<Block> blocks = {a, tail_block(0x1014, 2)};
  CompiledRegion region = compile_region(blocks, "wide_loop_region");
  ASSERT_NE(region.fn, nullptr);
  const uint64_t words = FakeHost::kBase + 4096;
  const std::vector<uint64_t> regs = {0,     0, 0,          0, 0, 0xffffffffull, 0x80000000ull,
                                      words, 0, words + 64, 0, 0, 1ull << 32};
  FakeHost jit_host, in_host;
  Outcome j = run_jit(jit_host, region.fn, a, regs);
  EXPECT_EQ(j.s->icount, 16u * 5 + 1);
  Outcome i = run_interp(in_host, blocks, regs, 16 * 5 + 1);
  expect_same(j, jit_host, i, in_host);
}

// exit_request set by a host call other than a load or store (here an AMO whose store
// asks to return) stops the region before its next block, as the interpreter stops
// between blocks; so does a chained exit. Blocks without such calls do not check it.
TEST(JitRegion, HostCallThatRequestsAnExitStopsBeforeTheNextBlock) {
  Block a = sized_block(2);
  {
    Emitter e(a);
    a.insts.push_back(Inst{Opcode::AtomicRmw,
                           0,
                           {Value(e.Const(FakeHost::kBase + 64)), Value(e.GetReg(2))},
                           MemImm{8, false, 0, uint8_t(AtomicOp::Add)}.pack()});
    e.SetReg(V64{{uint32_t(a.insts.size() - 1)}}, 5);
    e.set_insn(1);
    V64 x1 = e.Add(e.GetReg(1), e.Const(1));
    e.SetReg(x1, 1);
    e.branch(e.CmpNe(x1, e.Const(3)), 0x1008, 0x1010);
  }
  const Block b = tail_block(0x1008, 6), c = tail_block(0x1010, 7);
  std::deque<jit::Link> links;
  jit::Chaining chain{&links, nullptr, 0};
  auto ctx = std::make_unique<llvm::LLVMContext>();
  auto m = std::make_unique<llvm::Module>("request_region", *ctx);
  std::deque<ExitInfo> exits;
  std::string error;
  ASSERT_NE(jit::lower_region({a, b}, *m, "request_region", exits, error, chain), nullptr) << error;
  auto unit = session().add(std::move(ctx), std::move(m), error);
  ASSERT_NE(unit, nullptr) << error;
  auto fn = reinterpret_cast<polyemu::interp::NativeFn>(unit->lookup("request_region", error));
  ASSERT_NE(fn, nullptr) << error;
  // The exit to 0x1010 is chained to code that must not run while exit_request is set.
  CompiledRegion target = compile_region({c}, "request_target");
  ASSERT_NE(target.fn, nullptr);
  ASSERT_EQ(links.size(), 1u);
  links[0].fn = target.fn;

  for (uint64_t x1 : {0, 2}) {  // 0: on to block b in the region; 2: out to the chained target
    SCOPED_TRACE(x1);
    const std::vector<uint64_t> regs = {0, x1, 5};
    for (bool yielding : {true, false}) {
      std::unique_ptr<FakeHost> jit_host = yielding ? std::make_unique<YieldingHost>() : std::make_unique<FakeHost>();
      std::unique_ptr<FakeHost> in_host = yielding ? std::make_unique<YieldingHost>() : std::make_unique<FakeHost>();
      Outcome j{initial_state(*jit_host, regs, 0), {}};
      j.s->pc = 0x1000;
      j.exit = polyemu::interp::native_exit(fn(j.s.get(), jit_host.get(), UINT64_MAX), *j.s);
      ASSERT_EQ(j.exit.kind, ExitKind::None);
      // What the dispatcher does next.
      j.exit = {j.s->exit_request ? ExitKind::Yield : ExitKind::Budget, j.s->pc};
      j.s->exit_request = 0;
      // The interpreter runs a..b (or a..c) with the budget the compiled code used up.
      Outcome in = run_interp(*in_host, {a, b, c}, regs, j.s->icount);
      expect_same(j, *jit_host, in, *in_host);
      EXPECT_EQ(j.exit.kind, yielding ? ExitKind::Yield : ExitKind::Budget);
      EXPECT_EQ(j.s->pc, yielding ? 0x1008 + 8 * (x1 == 2) : 0x3000);
      EXPECT_EQ(j.s->regs[6], !yielding && x1 == 0 ? 77u : 0u);
      EXPECT_EQ(j.s->regs[7], !yielding && x1 == 2 ? 77u : 0u);
    }
  }
}

// Compiled code is never writable and executable at once (W^X).
TEST(JitSession, NoMappingIsWritableAndExecutable) {
  const Block b = increment_block();
  std::vector<Compiled> units;
  for (int i = 0; i < 8; i++) units.push_back(compile({b}));
  std::ifstream maps("/proc/self/maps");
  ASSERT_TRUE(maps) << "/proc/self/maps is not readable";
  std::string line;
  int executable = 0;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms;
    fields >> range >> perms;
    ASSERT_EQ(perms.size(), 4u) << line;
    EXPECT_FALSE(perms[1] == 'w' && perms[2] == 'x') << "writable and executable: " << line;
    executable += perms[2] == 'x';
  }
  EXPECT_GT(executable, 0);
}

TEST(JitTier, CompilesTheHottestQueuedRegionFirstAndTheNewestAmongEquals) {
  // Oldest first, as queued: the instructions each region's entry block ran interpreted
  // when last reported (runs times instructions).
  EXPECT_EQ(jit::next_to_compile({2000}), 0u);
  EXPECT_EQ(jit::next_to_compile({2000, 2000, 2000}), 2u);               // all just hot: the newest
  EXPECT_EQ(jit::next_to_compile({2000, 65536, 2000, 4096}), 1u);        // still interpreted after 65536
  EXPECT_EQ(jit::next_to_compile({8192, 2000, 8192, 2000}), 2u);         // equally hot: the newer one
  EXPECT_EQ(jit::next_to_compile({131072, 2000, 2000, 2000}), 0u);       // age does not matter
  EXPECT_EQ(jit::next_to_compile({2000 * 3, 4096 * 2, 2000 * 64}), 2u);  // a long block just hot comes first
  EXPECT_EQ(jit::next_to_compile({uint64_t(1) << 40, 2000 * 64}), 0u);   // past 32 bits
}

// addi x3, x3, 1; sd x2, 8(x1); ld x5, 0(x1); lw x6, -8(x1); jump 0x2000. The three
// accesses share one address value: one check covers [x1 - 8, x1 + 16).
Block access_group_block() {
  Block b = sized_block(4);
  Emitter e(b);
  e.SetReg(e.Add(e.GetReg(3), e.Const(1)), 3);
  e.set_insn(1);
  V64 addr = e.GetReg(1);
  e.Store(addr, e.GetReg(2), MemImm{8, false, 8}.pack());
  e.set_insn(2);
  e.SetReg(e.Load(addr, MemImm{8, false, 0}.pack()), 5);
  e.set_insn(3);
  e.SetReg(e.Load(addr, MemImm{4, true, -8}.pack()), 6);
  e.jump(0x2000);
  return b;
}

// On a page the TLB maps for reading and writing the group runs without the host, as the
// interpreter runs the block; else the code leaves before the group's first access, with
// the instruction before it retired and nothing else done.
TEST(JitAccessGroup, RunsDirectlyOnAMappedPageAndLeavesBeforeItsFirstAccessOtherwise) {
  struct Case {
    uint64_t x1;
    bool direct;
  } cases[] = {
      {FakeHost::kBase + 4096 + 16, true},       // the span is on page 1, mapped
      {FakeHost::kBase + 2 * 4096 + 16, false},  // page 2 is not in the TLB
      {FakeHost::kBase + 2 * 4096 - 12, false},  // the span crosses from page 1 into page 2
      {FakeHost::kBase + 4096 + 4, false},       // x1 - 8 is on page 0, not in the TLB
  };
  // Also in a block with flat reads, whose group takes the RAM window's offset for the
  // addend of the page the TLB maps.
  for (uint32_t mode : {0u, kModeFlatReads}) {
    Block b = access_group_block();
    b.mode = mode;
    ASSERT_EQ(verify(b), "");
    for (const Case& k : cases) {
      SCOPED_TRACE(testing::Message() << std::hex << k.x1 << " mode " << mode);
      FakeHost jit_host, in_host;
      for (size_t i = 0; i < jit_host.ram.size(); i++) jit_host.ram[i] = in_host.ram[i] = uint8_t(i * 37 + 11);
      const RamWindow ram{FakeHost::kBase, jit_host.ram.size(), reinterpret_cast<uintptr_t>(jit_host.ram.data())};
      Compiled c = compile({b}, true, false, mode ? ram : RamWindow{});
      ASSERT_EQ(c.fns.size(), 1u);
      std::vector<uint64_t> regs = {0, k.x1, 0xfedcba9887654321, 40};
      Outcome j = run_jit(jit_host, c.fns[0], b, regs);
      EXPECT_TRUE(jit_host.calls.empty());
      EXPECT_EQ(j.s->regs[3], 41u);
      if (k.direct) {
        Outcome in = run_interp(in_host, b, regs);
        expect_same(j, jit_host, in, in_host);
        continue;
      }
      EXPECT_EQ(j.s->pc, 0x1004u);
      EXPECT_EQ(j.s->icount, 1u);
      for (unsigned r = 0; r < kNumRegs; r++)
        if (r != 3) {
          EXPECT_EQ(j.s->regs[r], r < regs.size() ? regs[r] : 0) << "register " << r;
        }
      EXPECT_TRUE(jit_host.ram == in_host.ram) << "memory is untouched";
    }
  }
}

// A group's store to a page the TLB maps for reading only (a code page, a clean page) is
// not made directly either.
TEST(JitAccessGroup, StoreNeedsTheWriteMapping) {
  Block b = access_group_block();
  Compiled c = compile({b});
  ASSERT_EQ(c.fns.size(), 1u);
  FakeHost jit_host, in_host;
  std::vector<uint64_t> regs = {0, FakeHost::kBase + 4096 + 16, 7, 0};
  Outcome j{initial_state(jit_host, regs, 0), {}};
  const uint64_t page = FakeHost::kBase + 4096;
  j.s->tlb[0][(page >> 12) % kTlbEntries].write_tag = TlbEntry::kNoTag;
  j.s->pc = b.pc;
  EXPECT_EQ(c.fns[0](j.s.get(), &jit_host, UINT64_MAX), polyemu::interp::kNativeNext);
  EXPECT_EQ(j.s->pc, 0x1004u);
  EXPECT_EQ(j.s->icount, 1u);
  EXPECT_TRUE(jit_host.calls.empty());
  EXPECT_TRUE(jit_host.ram == in_host.ram) << "memory is untouched";
}

// Native code that leaves before its first instruction (a group at the block's start, on an
// unmapped page) must not stall the dispatcher: the block then runs interpreted, and the
// run ends as the interpreter's alone. (The block is not on a loop of its region, which
// would give its accesses page caches instead of a group.)
TEST(JitAccessGroup, DispatcherInterpretsABlockWhoseCodeLeavesAtOnce) {
  Block b = sized_block(2);
  Emitter e(b);
  V64 addr = e.GetReg(1);
  e.SetReg(e.Load(addr, MemImm{8, false, 0}.pack()), 5);
  e.set_insn(1);
  e.SetReg(e.Load(addr, MemImm{8, false, 8}.pack()), 6);
  e.jump(0x2000);
  Block back = sized_block(1, 0x2000);
  Emitter f(back);
  f.SetReg(f.Add(f.GetReg(7), f.Const(1)), 7);
  f.jump(0x1000);
  ASSERT_EQ(verify(b), "");
  ASSERT_EQ(verify(back), "");
  Compiled c = compile({b});
  ASSERT_EQ(c.fns.size(), 1u);
  const std::vector<Block> blocks = {b, back};
  const std::vector<uint64_t> regs = {0, FakeHost::kBase + 2 * 4096 + 16, 0, 0, 0, 0, 0, 0};
  auto translator = [&](uint64_t pc, uint32_t, unsigned, const std::function<bool(uint64_t, uint16_t&, uint64_t&)>&,
                        Block& out) { out = pc == back.pc ? back : b; };
  FakeHost jit_host, in_host;
  for (size_t i = 0; i < jit_host.ram.size(); i++) jit_host.ram[i] = in_host.ram[i] = uint8_t(i * 13 + 5);
  interp::Interpreter in(jit_host, translator, true);
  Outcome j{initial_state(jit_host, regs, 0), {}};
  j.s->pc = b.pc;
  j.exit = in.run(*j.s, 2);  // translates the block
  ASSERT_TRUE(in.install(b.pc, b.pc, j.s->mode, c.fns[0]));
  j.exit = in.run(*j.s, 30);
  Outcome i = run_interp(in_host, blocks, regs, 30);
  expect_same(j, jit_host, i, in_host);
  EXPECT_EQ(j.s->regs[7], 10u);
  EXPECT_GT(in.stats().native_entries, 0u) << "the native code was called";
}
