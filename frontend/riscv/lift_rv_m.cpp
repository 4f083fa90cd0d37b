// RV64M: multiplication and division (RISC-V division semantics live in the IR ops).
#include "frontend/riscv/lift.h"

namespace polyemu::riscv {

using ir::Emitter;
using ir::V32;
using ir::V64;

namespace {
bool full(LiftContext& c, const Operands& o, V64 (Emitter::*f)(V64, V64, uint64_t)) {
  c.set_x(o.rd, (c.e.*f)(c.x(o.rs1), c.x(o.rs2), 0));
  return true;
}
bool word(LiftContext& c, const Operands& o, V32 (Emitter::*f)(V32, V32, uint64_t)) {
  c.set_x(o.rd, c.e.Sext32((c.e.*f)(c.e.Trunc32(c.x(o.rs1)), c.e.Trunc32(c.x(o.rs2)), 0)));
  return true;
}
}  // namespace

bool lift_mul(LiftContext& c, const Operands& o) { return full(c, o, &Emitter::Mul); }
bool lift_mulh(LiftContext& c, const Operands& o) { return full(c, o, &Emitter::MulH); }
bool lift_mulhsu(LiftContext& c, const Operands& o) { return full(c, o, &Emitter::MulHSU); }
bool lift_mulhu(LiftContext& c, const Operands& o) { return full(c, o, &Emitter::MulHU); }
bool lift_div(LiftContext& c, const Operands& o) { return full(c, o, &Emitter::Div); }
bool lift_divu(LiftContext& c, const Operands& o) { return full(c, o, &Emitter::DivU); }
bool lift_rem(LiftContext& c, const Operands& o) { return full(c, o, &Emitter::Rem); }
bool lift_remu(LiftContext& c, const Operands& o) { return full(c, o, &Emitter::RemU); }
bool lift_mulw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Mul32); }
bool lift_divw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Div32); }
bool lift_divuw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::DivU32); }
bool lift_remw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Rem32); }
bool lift_remuw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::RemU32); }

}  // namespace polyemu::riscv
