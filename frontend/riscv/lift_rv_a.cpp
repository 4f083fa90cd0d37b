// RV64A: load-reserved/store-conditional and atomic memory operations. The machine
// performs them (reservations and alignment checks are its business); an AMO or SC ends
// the block so that the machine sees its effects before the next instruction.
#include "frontend/riscv/lift.h"

namespace polyemu::riscv {

using ir::AtomicOp;
using ir::MemImm;

namespace {
bool lr(LiftContext& c, const Operands& o, uint8_t size) {
  c.set_x(o.rd, c.e.LoadReserved(c.x(o.rs1), MemImm{size, size == 4, 0}.pack()));
  return true;
}
bool sc(LiftContext& c, const Operands& o, uint8_t size) {
  c.set_x(o.rd, c.e.StoreCond(c.x(o.rs1), c.x(o.rs2), MemImm{size, false, 0}.pack()));
  c.e.jump(c.next_pc);
  return false;
}
bool amo(LiftContext& c, const Operands& o, uint8_t size, AtomicOp op) {
  MemImm m{size, size == 4, 0, uint8_t(op)};
  c.set_x(o.rd, c.e.AtomicRmw(c.x(o.rs1), c.x(o.rs2), m.pack()));
  c.e.jump(c.next_pc);
  return false;
}
}  // namespace

bool lift_lr_w(LiftContext& c, const Operands& o) { return lr(c, o, 4); }
bool lift_lr_d(LiftContext& c, const Operands& o) { return lr(c, o, 8); }
bool lift_sc_w(LiftContext& c, const Operands& o) { return sc(c, o, 4); }
bool lift_sc_d(LiftContext& c, const Operands& o) { return sc(c, o, 8); }
bool lift_amoswap_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::Swap); }
bool lift_amoadd_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::Add); }
bool lift_amoxor_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::Xor); }
bool lift_amoand_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::And); }
bool lift_amoor_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::Or); }
bool lift_amomin_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::Min); }
bool lift_amomax_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::Max); }
bool lift_amominu_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::MinU); }
bool lift_amomaxu_w(LiftContext& c, const Operands& o) { return amo(c, o, 4, AtomicOp::MaxU); }
bool lift_amoswap_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::Swap); }
bool lift_amoadd_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::Add); }
bool lift_amoxor_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::Xor); }
bool lift_amoand_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::And); }
bool lift_amoor_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::Or); }
bool lift_amomin_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::Min); }
bool lift_amomax_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::Max); }
bool lift_amominu_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::MinU); }
bool lift_amomaxu_d(LiftContext& c, const Operands& o) { return amo(c, o, 8, AtomicOp::MaxU); }

}  // namespace polyemu::riscv
