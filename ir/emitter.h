// Builds a Block. One typed method per opcode, expanded from ir/opcodes.inc.
#pragma once
#include "ir/ir.h"

namespace polyemu::ir {

namespace detail {
template <Type T>
struct HandleOf {
  using type = TypedValue<T>;
};
template <>
struct HandleOf<Type::Void> {
  using type = void;
};
}  // namespace detail

class Emitter {
 public:
  explicit Emitter(Block& b) : b_(b) {}
  Block& block() { return b_; }

  // Guest instruction the following instructions belong to.
  void set_insn(uint16_t idx) { insn_ = idx; }

#define IR_H(t) typename detail::HandleOf<Type::t>::type
#define OP(name, res, a0, a1, a2, flags) OP_##a0##_##a1##_##a2(name, res)
#define OP_None_None_None(name, res) \
  IR_H(res) name(uint64_t imm = 0) { return finish<Type::res>(Opcode::name, {}, imm); }
#define OP_I64_None_None(name, res) \
  IR_H(res) name(V64 a, uint64_t imm = 0) { return finish<Type::res>(Opcode::name, {a}, imm); }
#define OP_I32_None_None(name, res) \
  IR_H(res) name(V32 a, uint64_t imm = 0) { return finish<Type::res>(Opcode::name, {a}, imm); }
#define OP_I1_None_None(name, res) \
  IR_H(res) name(V1 a, uint64_t imm = 0) { return finish<Type::res>(Opcode::name, {a}, imm); }
#define OP_I64_I64_None(name, res) \
  IR_H(res) name(V64 a, V64 b, uint64_t imm = 0) { return finish<Type::res>(Opcode::name, {a, b}, imm); }
#define OP_I32_I32_None(name, res) \
  IR_H(res) name(V32 a, V32 b, uint64_t imm = 0) { return finish<Type::res>(Opcode::name, {a, b}, imm); }
#define OP_I1_I64_I64(name, res) \
  IR_H(res) name(V1 c, V64 a, V64 b, uint64_t imm = 0) { return finish<Type::res>(Opcode::name, {c, a, b}, imm); }
#define OP_I64_I64_I64(name, res) \
  IR_H(res) name(V64 a, V64 b, V64 c, uint64_t imm = 0) { return finish<Type::res>(Opcode::name, {a, b, c}, imm); }
#include "ir/opcodes.inc"
#undef OP
#undef OP_None_None_None
#undef OP_I64_None_None
#undef OP_I32_None_None
#undef OP_I1_None_None
#undef OP_I64_I64_None
#undef OP_I32_I32_None
#undef OP_I1_I64_I64
#undef OP_I64_I64_I64
#undef IR_H

  // Terminals.
  void jump(uint64_t target) { b_.term = {Terminal::Kind::Jump, {}, target, 0, ExitKind::None}; }
  void branch(V1 cond, uint64_t taken, uint64_t not_taken) {
    b_.term = {Terminal::Kind::Branch, cond, taken, not_taken, ExitKind::None};
  }
  void jump_indirect(V64 target) { b_.term = {Terminal::Kind::JumpIndirect, target, 0, 0, ExitKind::None}; }
  void exit(ExitKind kind, uint64_t pc, uint64_t next_pc, uint64_t cause = 0, uint64_t tval = 0) {
    b_.term = {Terminal::Kind::Exit, {}, pc, next_pc, kind, cause, tval};
  }

 private:
  template <Type R>
  typename detail::HandleOf<R>::type finish(Opcode op, std::initializer_list<Value> args, uint64_t imm) {
    Inst in{op, insn_, {}, imm};
    unsigned i = 0;
    for (Value v : args) in.args[i++] = v;
    b_.insts.push_back(in);
    if constexpr (R == Type::Void) {
      return;
    } else {
      return TypedValue<R>{{uint32_t(b_.insts.size() - 1)}};
    }
  }
  Block& b_;
  uint16_t insn_ = 0;
};

}  // namespace polyemu::ir
