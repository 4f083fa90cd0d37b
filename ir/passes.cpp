#include "ir/passes.h"

#include <stdexcept>

#include "ir/eval.h"

namespace polyemu::ir {

namespace {

// Rewrites every argument (and the terminal value) through `repl`, which maps an old id
// to the id of the value that replaces it.
void substitute(Block& b, const std::vector<uint32_t>& repl) {
  for (Inst& in : b.insts)
    for (Value& v : in.args)
      if (v.valid()) v.id = repl[v.id];
  if (b.term.value.valid()) b.term.value.id = repl[b.term.value.id];
}

// The passes run for every block the interpreter translates: their vectors are kept from
// one block to the next (one set per thread).
std::vector<uint32_t>& scratch_ids() {
  thread_local std::vector<uint32_t> ids;
  return ids;
}

// Drops the instructions whose `keep` is false and renumbers the rest.
void compact(Block& b, const std::vector<bool>& keep) {
  std::vector<uint32_t>& newid = scratch_ids();
  newid.assign(b.insts.size(), UINT32_MAX);
  size_t n = 0;
  for (size_t i = 0; i < b.insts.size(); i++) {
    if (!keep[i]) continue;
    newid[i] = uint32_t(n);
    b.insts[n++] = b.insts[i];
  }
  b.insts.resize(n);
  substitute(b, newid);
}

std::vector<uint32_t>& identity(size_t n) {
  std::vector<uint32_t>& r = scratch_ids();
  r.resize(n);
  for (size_t i = 0; i < n; i++) r[i] = uint32_t(i);
  return r;
}

}  // namespace

void forward_registers(Block& b) {
  constexpr int kRegs = 64;
  std::vector<uint32_t>& repl = identity(b.insts.size());
  uint32_t known[kRegs];
  int64_t last_set[kRegs];
  for (int r = 0; r < kRegs; r++) known[r] = UINT32_MAX, last_set[r] = -1;
  int64_t last_trap = -1;
  for (size_t i = 0; i < b.insts.size(); i++) {
    Inst& in = b.insts[i];
    for (Value& v : in.args)
      if (v.valid()) v.id = repl[v.id];
    if (in.op == Opcode::GetReg) {
      unsigned r = unsigned(in.imm);
      if (known[r] != UINT32_MAX) {
        repl[i] = known[r];  // unused from now on
      } else {
        known[r] = uint32_t(i);
      }
    } else if (in.op == Opcode::SetReg) {
      unsigned r = unsigned(in.imm);
      if (last_set[r] > last_trap) {
        Inst& dropped = b.insts[size_t(last_set[r])];
        dropped = Inst{Opcode::Const, dropped.insn, {}, 0};  // unused
      }
      known[r] = in.args[0].id;
      last_set[r] = int64_t(i);
    } else if (info(in.op).flags & MayTrap) {
      last_trap = int64_t(i);
    }
  }
  if (b.term.value.valid()) b.term.value.id = repl[b.term.value.id];
}

void fold_constants(Block& b) {
  std::vector<uint32_t>& repl = identity(b.insts.size());
  auto is_const = [&](Value v) { return b.insts[v.id].op == Opcode::Const; };
  auto cval = [&](Value v) { return b.insts[v.id].imm; };
  for (size_t i = 0; i < b.insts.size(); i++) {
    Inst& in = b.insts[i];
    for (Value& v : in.args)
      if (v.valid()) v.id = repl[v.id];
    const OpInfo& oi = info(in.op);
    if (!(oi.flags & Pure) || in.op == Opcode::Const || in.op == Opcode::GetReg) continue;
    unsigned n = oi.num_args();
    bool all_const = true;
    for (unsigned a = 0; a < n; a++) all_const &= is_const(in.args[a]);
    if (oi.result == Type::I64 && all_const) {
      uint64_t a = n > 0 ? cval(in.args[0]) : 0, bb = n > 1 ? cval(in.args[1]) : 0, c = n > 2 ? cval(in.args[2]) : 0,
               out;
      if (eval_pure(in.op, a, bb, c, out)) {
        in = Inst{Opcode::Const, in.insn, {}, out};
        continue;
      }
    }
    if (n != 2 || oi.result != Type::I64 || oi.args[0] != Type::I64) continue;
    // Identities with a constant right operand, and commuted forms of + | ^.
    Value x = in.args[0], y = in.args[1];
    auto rhs_is = [&](uint64_t k) { return is_const(y) && cval(y) == k; };
    auto lhs_is = [&](uint64_t k) { return is_const(x) && cval(x) == k; };
    switch (in.op) {
      case Opcode::Add:
      case Opcode::Or:
      case Opcode::Xor:
        if (rhs_is(0))
          repl[i] = x.id;
        else if (lhs_is(0))
          repl[i] = y.id;
        break;
      case Opcode::Sub:
      case Opcode::Shl:
      case Opcode::Lshr:
      case Opcode::Ashr:
        if (rhs_is(0)) repl[i] = x.id;
        break;
      case Opcode::And:
        if (rhs_is(~0ull))
          repl[i] = x.id;
        else if (lhs_is(~0ull))
          repl[i] = y.id;
        break;
      default: break;
    }
  }
  if (b.term.value.valid()) b.term.value.id = repl[b.term.value.id];
}

void eliminate_dead_code(Block& b) {
  thread_local std::vector<bool> used;
  used.assign(b.insts.size(), false);
  if (b.term.value.valid()) used[b.term.value.id] = true;
  for (size_t i = b.insts.size(); i-- > 0;) {
    const Inst& in = b.insts[i];
    bool live = used[i] || !(info(in.op).flags & Pure);
    used[i] = live;
    if (!live) continue;
    for (const Value& v : in.args)
      if (v.valid()) used[v.id] = true;
  }
  compact(b, used);
}

void optimize(Block& b, bool check) {
  forward_registers(b);
  fold_constants(b);
  eliminate_dead_code(b);
  if (check) {
    std::string err = verify(b);
    if (!err.empty()) throw std::logic_error("IR verification failed:\n" + err);
  }
}

}  // namespace polyemu::ir
