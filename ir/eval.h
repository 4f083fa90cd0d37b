// Reference semantics of the pure opcodes, shared by constant folding, the interpreter
// and tests. 32-bit operands and results live in the low half of a uint64_t; I1 is 0/1.
#pragma once
#include <cstdint>

#include "ir/ir.h"

namespace polyemu::ir {

inline uint64_t mulh_s(int64_t a, int64_t b) { return uint64_t((__int128(a) * __int128(b)) >> 64); }
inline uint64_t mulh_u(uint64_t a, uint64_t b) { return uint64_t((unsigned __int128)a * b >> 64); }
inline uint64_t mulh_su(int64_t a, uint64_t b) {
  return uint64_t((__int128(a) * (__int128)(unsigned __int128)b) >> 64);
}
inline uint64_t div_s(int64_t a, int64_t b) {
  if (b == 0) return ~0ull;
  if (a == INT64_MIN && b == -1) return uint64_t(a);
  return uint64_t(a / b);
}
inline uint64_t div_u(uint64_t a, uint64_t b) { return b == 0 ? ~0ull : a / b; }
inline uint64_t rem_s(int64_t a, int64_t b) {
  if (b == 0) return uint64_t(a);
  if (a == INT64_MIN && b == -1) return 0;
  return uint64_t(a % b);
}
inline uint64_t rem_u(uint64_t a, uint64_t b) { return b == 0 ? a : a % b; }
inline uint32_t div32_s(int32_t a, int32_t b) {
  if (b == 0) return ~0u;
  if (a == INT32_MIN && b == -1) return uint32_t(a);
  return uint32_t(a / b);
}
inline uint32_t div32_u(uint32_t a, uint32_t b) { return b == 0 ? ~0u : a / b; }
inline uint32_t rem32_s(int32_t a, int32_t b) {
  if (b == 0) return uint32_t(a);
  if (a == INT32_MIN && b == -1) return 0;
  return uint32_t(a % b);
}
inline uint32_t rem32_u(uint32_t a, uint32_t b) { return b == 0 ? a : a % b; }

// Evaluates a Pure opcode other than Const/GetReg. Returns false for anything else.
inline bool eval_pure(Opcode op, uint64_t a, uint64_t b, uint64_t c, uint64_t& out) {
  const uint32_t a32 = uint32_t(a), b32 = uint32_t(b);
  switch (op) {
    case Opcode::Add: out = a + b; return true;
    case Opcode::Sub: out = a - b; return true;
    case Opcode::And: out = a & b; return true;
    case Opcode::Or: out = a | b; return true;
    case Opcode::Xor: out = a ^ b; return true;
    case Opcode::Shl: out = a << (b & 63); return true;
    case Opcode::Lshr: out = a >> (b & 63); return true;
    case Opcode::Ashr: out = uint64_t(int64_t(a) >> (b & 63)); return true;
    case Opcode::Mul: out = a * b; return true;
    case Opcode::MulH: out = mulh_s(int64_t(a), int64_t(b)); return true;
    case Opcode::MulHU: out = mulh_u(a, b); return true;
    case Opcode::MulHSU: out = mulh_su(int64_t(a), b); return true;
    case Opcode::Div: out = div_s(int64_t(a), int64_t(b)); return true;
    case Opcode::DivU: out = div_u(a, b); return true;
    case Opcode::Rem: out = rem_s(int64_t(a), int64_t(b)); return true;
    case Opcode::RemU: out = rem_u(a, b); return true;
    case Opcode::Trunc32: out = a32; return true;
    case Opcode::Sext32: out = uint64_t(int64_t(int32_t(a32))); return true;
    case Opcode::Zext32: out = a32; return true;
    case Opcode::Add32: out = uint32_t(a32 + b32); return true;
    case Opcode::Sub32: out = uint32_t(a32 - b32); return true;
    case Opcode::Shl32: out = uint32_t(a32 << (b32 & 31)); return true;
    case Opcode::Lshr32: out = uint32_t(a32 >> (b32 & 31)); return true;
    case Opcode::Ashr32: out = uint32_t(int32_t(a32) >> (b32 & 31)); return true;
    case Opcode::Mul32: out = uint32_t(a32 * b32); return true;
    case Opcode::Div32: out = div32_s(int32_t(a32), int32_t(b32)); return true;
    case Opcode::DivU32: out = div32_u(a32, b32); return true;
    case Opcode::Rem32: out = rem32_s(int32_t(a32), int32_t(b32)); return true;
    case Opcode::RemU32: out = rem32_u(a32, b32); return true;
    case Opcode::CmpEq: out = a == b; return true;
    case Opcode::CmpNe: out = a != b; return true;
    case Opcode::CmpLt: out = int64_t(a) < int64_t(b); return true;
    case Opcode::CmpGe: out = int64_t(a) >= int64_t(b); return true;
    case Opcode::CmpLtU: out = a < b; return true;
    case Opcode::CmpGeU: out = a >= b; return true;
    case Opcode::Zext1: out = a & 1; return true;
    case Opcode::Select: out = (a & 1) ? b : c; return true;
    default: return false;
  }
}

}  // namespace polyemu::ir
