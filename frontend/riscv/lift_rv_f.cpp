// F, D and Zcd: single- and double-precision floating point. Arithmetic, comparisons and
// conversions are one Fp instruction each (semantics in ir/fp.h); moves, loads and stores
// are plain integer IR. Single-precision values in f registers are NaN-boxed.
#include "frontend/riscv/lift.h"
#include "ir/fp.h"

namespace polyemu::riscv {

using ir::FpFmt;
using ir::FpImm;
using ir::FpOp;
using ir::MemImm;
using ir::V64;

namespace {
constexpr FpFmt S = FpFmt::S, D = FpFmt::D;
constexpr uint64_t kNanBox = 0xffffffff00000000ull;

// The Fp instruction; the rounding mode is the instruction's where the operation rounds.
// Operands an operation does not read repeat the first.
V64 fp(LiftContext& c, const Operands& o, FpOp op, FpFmt fmt, V64 a, V64 b, V64 x) {
  uint8_t rm = ir::fp_rounds(op) ? o.rm : 0;
  return c.e.Fp(a, b, x, FpImm{op, fmt, rm}.pack());
}

// fd = op(fs1, fs2, fs3)
bool fused(LiftContext& c, const Operands& o, FpOp op, FpFmt fmt) {
  c.set_f(o.rd, fp(c, o, op, fmt, c.f(o.rs1), c.f(o.rs2), c.f(o.rs3)));
  return true;
}
// fd = op(fs1, fs2)
bool binary(LiftContext& c, const Operands& o, FpOp op, FpFmt fmt) {
  V64 a = c.f(o.rs1);
  c.set_f(o.rd, fp(c, o, op, fmt, a, c.f(o.rs2), a));
  return true;
}
// fd = op(fs1)
bool unary(LiftContext& c, const Operands& o, FpOp op, FpFmt fmt) {
  V64 a = c.f(o.rs1);
  c.set_f(o.rd, fp(c, o, op, fmt, a, a, a));
  return true;
}
// xd = op(fs1, fs2)
bool compare(LiftContext& c, const Operands& o, FpOp op, FpFmt fmt) {
  V64 a = c.f(o.rs1);
  c.set_x(o.rd, fp(c, o, op, fmt, a, c.f(o.rs2), a));
  return true;
}
// xd = op(fs1)
bool to_x(LiftContext& c, const Operands& o, FpOp op, FpFmt fmt) {
  V64 a = c.f(o.rs1);
  c.set_x(o.rd, fp(c, o, op, fmt, a, a, a));
  return true;
}
// fd = op(xs1)
bool from_x(LiftContext& c, const Operands& o, FpOp op, FpFmt fmt) {
  V64 a = c.x(o.rs1);
  c.set_f(o.rd, fp(c, o, op, fmt, a, a, a));
  return true;
}
}  // namespace

// Loads and stores move raw bits: flw NaN-boxes, fsw stores the low half whatever the
// upper half holds.
bool lift_flw(LiftContext& c, const Operands& o) {
  V64 v = c.e.Load(c.x(o.rs1), MemImm{4, false, int32_t(o.imm)}.pack());
  c.set_f(o.rd, c.e.Or(v, c.e.Const(kNanBox)));
  return true;
}
bool lift_fld(LiftContext& c, const Operands& o) {
  c.set_f(o.rd, c.e.Load(c.x(o.rs1), MemImm{8, false, int32_t(o.imm)}.pack()));
  return true;
}
bool lift_fsw(LiftContext& c, const Operands& o) {
  c.e.Store(c.x(o.rs1), c.f(o.rs2), MemImm{4, false, int32_t(o.imm)}.pack());
  return true;
}
bool lift_fsd(LiftContext& c, const Operands& o) {
  c.e.Store(c.x(o.rs1), c.f(o.rs2), MemImm{8, false, int32_t(o.imm)}.pack());
  return true;
}

// Moves between register files copy bits: fmv.x.w sign-extends, fmv.w.x NaN-boxes.
bool lift_fmv_x_w(LiftContext& c, const Operands& o) {
  c.set_x(o.rd, c.e.Sext32(c.e.Trunc32(c.f(o.rs1))));
  return true;
}
bool lift_fmv_w_x(LiftContext& c, const Operands& o) {
  c.set_f(o.rd, c.e.Or(c.e.Zext32(c.e.Trunc32(c.x(o.rs1))), c.e.Const(kNanBox)));
  return true;
}
bool lift_fmv_x_d(LiftContext& c, const Operands& o) {
  c.set_x(o.rd, c.f(o.rs1));
  return true;
}
bool lift_fmv_d_x(LiftContext& c, const Operands& o) {
  c.set_f(o.rd, c.x(o.rs1));
  return true;
}

bool lift_fmadd_s(LiftContext& c, const Operands& o) { return fused(c, o, FpOp::MulAdd, S); }
bool lift_fmsub_s(LiftContext& c, const Operands& o) { return fused(c, o, FpOp::MulSub, S); }
bool lift_fnmsub_s(LiftContext& c, const Operands& o) { return fused(c, o, FpOp::NegMulSub, S); }
bool lift_fnmadd_s(LiftContext& c, const Operands& o) { return fused(c, o, FpOp::NegMulAdd, S); }
bool lift_fadd_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Add, S); }
bool lift_fsub_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Sub, S); }
bool lift_fmul_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Mul, S); }
bool lift_fdiv_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Div, S); }
bool lift_fsqrt_s(LiftContext& c, const Operands& o) { return unary(c, o, FpOp::Sqrt, S); }
bool lift_fsgnj_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::SgnJ, S); }
bool lift_fsgnjn_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::SgnJN, S); }
bool lift_fsgnjx_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::SgnJX, S); }
bool lift_fmin_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Min, S); }
bool lift_fmax_s(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Max, S); }
bool lift_fcvt_w_s(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::ToW, S); }
bool lift_fcvt_wu_s(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::ToWU, S); }
bool lift_fcvt_l_s(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::ToL, S); }
bool lift_fcvt_lu_s(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::ToLU, S); }
bool lift_fclass_s(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::Class, S); }
bool lift_feq_s(LiftContext& c, const Operands& o) { return compare(c, o, FpOp::Eq, S); }
bool lift_flt_s(LiftContext& c, const Operands& o) { return compare(c, o, FpOp::Lt, S); }
bool lift_fle_s(LiftContext& c, const Operands& o) { return compare(c, o, FpOp::Le, S); }
bool lift_fcvt_s_w(LiftContext& c, const Operands& o) { return from_x(c, o, FpOp::FromW, S); }
bool lift_fcvt_s_wu(LiftContext& c, const Operands& o) { return from_x(c, o, FpOp::FromWU, S); }
bool lift_fcvt_s_l(LiftContext& c, const Operands& o) { return from_x(c, o, FpOp::FromL, S); }
bool lift_fcvt_s_lu(LiftContext& c, const Operands& o) { return from_x(c, o, FpOp::FromLU, S); }

bool lift_fmadd_d(LiftContext& c, const Operands& o) { return fused(c, o, FpOp::MulAdd, D); }
bool lift_fmsub_d(LiftContext& c, const Operands& o) { return fused(c, o, FpOp::MulSub, D); }
bool lift_fnmsub_d(LiftContext& c, const Operands& o) { return fused(c, o, FpOp::NegMulSub, D); }
bool lift_fnmadd_d(LiftContext& c, const Operands& o) { return fused(c, o, FpOp::NegMulAdd, D); }
bool lift_fadd_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Add, D); }
bool lift_fsub_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Sub, D); }
bool lift_fmul_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Mul, D); }
bool lift_fdiv_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Div, D); }
bool lift_fsqrt_d(LiftContext& c, const Operands& o) { return unary(c, o, FpOp::Sqrt, D); }
bool lift_fcvt_s_d(LiftContext& c, const Operands& o) { return unary(c, o, FpOp::FromOther, S); }
bool lift_fcvt_d_s(LiftContext& c, const Operands& o) { return unary(c, o, FpOp::FromOther, D); }
bool lift_fsgnj_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::SgnJ, D); }
bool lift_fsgnjn_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::SgnJN, D); }
bool lift_fsgnjx_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::SgnJX, D); }
bool lift_fmin_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Min, D); }
bool lift_fmax_d(LiftContext& c, const Operands& o) { return binary(c, o, FpOp::Max, D); }
bool lift_fcvt_w_d(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::ToW, D); }
bool lift_fcvt_wu_d(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::ToWU, D); }
bool lift_fcvt_l_d(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::ToL, D); }
bool lift_fcvt_lu_d(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::ToLU, D); }
bool lift_fclass_d(LiftContext& c, const Operands& o) { return to_x(c, o, FpOp::Class, D); }
bool lift_feq_d(LiftContext& c, const Operands& o) { return compare(c, o, FpOp::Eq, D); }
bool lift_flt_d(LiftContext& c, const Operands& o) { return compare(c, o, FpOp::Lt, D); }
bool lift_fle_d(LiftContext& c, const Operands& o) { return compare(c, o, FpOp::Le, D); }
bool lift_fcvt_d_w(LiftContext& c, const Operands& o) { return from_x(c, o, FpOp::FromW, D); }
bool lift_fcvt_d_wu(LiftContext& c, const Operands& o) { return from_x(c, o, FpOp::FromWU, D); }
bool lift_fcvt_d_l(LiftContext& c, const Operands& o) { return from_x(c, o, FpOp::FromL, D); }
bool lift_fcvt_d_lu(LiftContext& c, const Operands& o) { return from_x(c, o, FpOp::FromLU, D); }

}  // namespace polyemu::riscv
