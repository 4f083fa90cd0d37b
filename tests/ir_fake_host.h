// Test doubles for running hand-built IR blocks in an engine: a host with a little RAM
// that records its calls.
#pragma once
#include <cstring>
#include <string>
#include <vector>

#include "ir/emitter.h"
#include "ir/engine.h"

namespace polyemu::test_support {

using namespace polyemu::ir;

inline Block make_block() {
  Block b;
  b.pc = 0x1000;
  b.num_insns = 1;
  b.insn_offset = {0};
  return b;
}

// A host with a little RAM for running hand-built blocks through an engine.
struct FakeHost : Host {
  std::vector<uint8_t> ram = std::vector<uint8_t>(1 << 16, 0);
  static constexpr uint64_t kBase = 0x10000;
  std::vector<std::string> calls;
  bool fetch(GuestState&, uint64_t, uint16_t& out) override { return out = 0, true; }
  bool load(GuestState& s, uint64_t a, unsigned n, uint64_t& out) override {
    calls.push_back("load");
    if (a < kBase || a + n > kBase + ram.size()) return s.trap_cause = 5, s.trap_tval = a, false;
    out = 0;
    std::memcpy(&out, &ram[a - kBase], n);
    return true;
  }
  bool store(GuestState& s, uint64_t a, unsigned n, uint64_t v) override {
    calls.push_back("store");
    if (a < kBase || a + n > kBase + ram.size()) return s.trap_cause = 7, s.trap_tval = a, false;
    std::memcpy(&ram[a - kBase], &v, n);
    return true;
  }
  bool load_reserved(GuestState& s, uint64_t a, unsigned n, uint64_t& out) override { return load(s, a, n, out); }
  bool store_cond(GuestState& s, uint64_t a, unsigned n, uint64_t v, uint64_t& out) override {
    out = 0;
    return store(s, a, n, v);
  }
  bool atomic(GuestState& s, uint64_t a, unsigned n, AtomicOp, uint64_t v, uint64_t& old) override {
    return load(s, a, n, old) && store(s, a, n, v);
  }
  bool csr(GuestState&, CsrImm c, uint64_t v, uint64_t& old) override {
    calls.push_back("csr " + std::to_string(c.csr));
    old = 42 + v;
    return true;
  }
  bool fetch_page(GuestState&, uint64_t a, uint64_t& phys) override {
    phys = a;
    return true;
  }
  void code_translated(uint64_t, uint64_t) override {}
  // Odd pages take the TLB fast path, even pages the host's slow path.
  void map_odd_pages(GuestState& s) {
    for (uint64_t off = 4096; off < ram.size(); off += 8192) {
      TlbEntry& t = s.tlb[0][((kBase + off) >> 12) % kTlbEntries];
      t.read_tag = t.write_tag = kBase + off;
      t.addend = reinterpret_cast<uintptr_t>(ram.data()) - kBase;
    }
  }
};

// A block running one `op`: operands from registers 1-3 (narrowed to the operand type),
// result to register 5; memory at FakeHost::kBase + 64; `imm_value` for Const, `fpi` for
// Fp. The engine tests run every opcode through it.
inline Block opcode_block(Opcode op, uint64_t imm_value, FpImm fpi) {
  const OpInfo& oi = info(op);
  Block b = make_block();
  Emitter e(b);
  Value args[3];
  for (unsigned a = 0; a < oi.num_args(); a++) {
    V64 r = e.GetReg(1 + a);
    if (oi.args[a] == Type::I32)
      args[a] = e.Trunc32(r);
    else if (oi.args[a] == Type::I1)
      args[a] = e.CmpNe(r, e.Const(0));
    else
      args[a] = r;
  }
  uint64_t imm = op == Opcode::GetReg ? 4 : op == Opcode::SetReg ? 6 : 0;
  if (op == Opcode::Const) imm = imm_value;
  if (op == Opcode::Fp) imm = fpi.pack();
  if (op == Opcode::Csr) imm = CsrImm{0x300, CsrOp::Write, true, true}.pack();
  if (op == Opcode::Load || op == Opcode::Store || op == Opcode::LoadReserved || op == Opcode::StoreCond ||
      op == Opcode::AtomicRmw) {
    imm = MemImm{8, false, 0}.pack();
    b.insts.clear();
    args[0] = e.Const(FakeHost::kBase + 64);
    args[1] = oi.num_args() > 1 ? Value(e.GetReg(2)) : Value{};
  }
  b.insts.push_back(Inst{op, 0, {args[0], args[1], args[2]}, imm});
  Value result{uint32_t(b.insts.size() - 1)};
  if (oi.result == Type::I64)
    e.SetReg(V64{result}, 5);
  else if (oi.result == Type::I32)
    e.SetReg(e.Zext32(V32{result}), 5);
  else if (oi.result == Type::I1)
    e.SetReg(e.Zext1(V1{result}), 5);
  e.jump(0x2000);
  return b;
}

}  // namespace polyemu::test_support
