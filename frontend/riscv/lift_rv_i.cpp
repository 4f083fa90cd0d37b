// RV64I: integer computation, loads, stores, jumps and branches.
#include "frontend/riscv/lift.h"

namespace polyemu::riscv {

using ir::Emitter;
using ir::MemImm;
using ir::V1;
using ir::V32;
using ir::V64;

namespace {
using Bin64 = V64 (Emitter::*)(V64, V64, uint64_t);
using Bin32 = V32 (Emitter::*)(V32, V32, uint64_t);
using Cmp = V1 (Emitter::*)(V64, V64, uint64_t);

bool reg_reg(LiftContext& c, const Operands& o, Bin64 f) {
  c.set_x(o.rd, (c.e.*f)(c.x(o.rs1), c.x(o.rs2), 0));
  return true;
}
bool reg_imm(LiftContext& c, const Operands& o, Bin64 f) {
  c.set_x(o.rd, (c.e.*f)(c.x(o.rs1), c.imm(o.imm), 0));
  return true;
}
bool word(LiftContext& c, const Operands& o, Bin32 f, V64 rhs) {
  c.set_x(o.rd, c.e.Sext32((c.e.*f)(c.e.Trunc32(c.x(o.rs1)), c.e.Trunc32(rhs), 0)));
  return true;
}
bool set_if(LiftContext& c, const Operands& o, Cmp f, V64 rhs) {
  c.set_x(o.rd, c.e.Zext1((c.e.*f)(c.x(o.rs1), rhs, 0)));
  return true;
}
bool branch(LiftContext& c, const Operands& o, Cmp f) {
  c.e.branch((c.e.*f)(c.x(o.rs1), c.x(o.rs2), 0), c.pc + o.imm, c.next_pc);
  return false;
}
bool load(LiftContext& c, const Operands& o, uint8_t size, bool sign) {
  c.set_x(o.rd, c.e.Load(c.x(o.rs1), MemImm{size, sign, int32_t(o.imm)}.pack()));
  return true;
}
bool store(LiftContext& c, const Operands& o, uint8_t size) {
  c.e.Store(c.x(o.rs1), c.x(o.rs2), MemImm{size, false, int32_t(o.imm)}.pack());
  return true;
}
}  // namespace

bool lift_lui(LiftContext& c, const Operands& o) {
  c.set_x(o.rd, c.imm(o.imm));
  return true;
}
bool lift_auipc(LiftContext& c, const Operands& o) {
  c.set_x(o.rd, c.imm(int64_t(c.pc) + o.imm));
  return true;
}
bool lift_jal(LiftContext& c, const Operands& o) {
  c.set_x(o.rd, c.imm(int64_t(c.next_pc)));
  c.e.jump(c.pc + o.imm);
  return false;
}
bool lift_jalr(LiftContext& c, const Operands& o) {
  // The target is computed before rd is written: rd may be rs1.
  V64 target = c.e.And(c.e.Add(c.x(o.rs1), c.imm(o.imm)), c.imm(~int64_t(1)));
  c.set_x(o.rd, c.imm(int64_t(c.next_pc)));
  c.e.jump_indirect(target);
  return false;
}

bool lift_beq(LiftContext& c, const Operands& o) { return branch(c, o, &Emitter::CmpEq); }
bool lift_bne(LiftContext& c, const Operands& o) { return branch(c, o, &Emitter::CmpNe); }
bool lift_blt(LiftContext& c, const Operands& o) { return branch(c, o, &Emitter::CmpLt); }
bool lift_bge(LiftContext& c, const Operands& o) { return branch(c, o, &Emitter::CmpGe); }
bool lift_bltu(LiftContext& c, const Operands& o) { return branch(c, o, &Emitter::CmpLtU); }
bool lift_bgeu(LiftContext& c, const Operands& o) { return branch(c, o, &Emitter::CmpGeU); }

bool lift_lb(LiftContext& c, const Operands& o) { return load(c, o, 1, true); }
bool lift_lh(LiftContext& c, const Operands& o) { return load(c, o, 2, true); }
bool lift_lw(LiftContext& c, const Operands& o) { return load(c, o, 4, true); }
bool lift_ld(LiftContext& c, const Operands& o) { return load(c, o, 8, false); }
bool lift_lbu(LiftContext& c, const Operands& o) { return load(c, o, 1, false); }
bool lift_lhu(LiftContext& c, const Operands& o) { return load(c, o, 2, false); }
bool lift_lwu(LiftContext& c, const Operands& o) { return load(c, o, 4, false); }
bool lift_sb(LiftContext& c, const Operands& o) { return store(c, o, 1); }
bool lift_sh(LiftContext& c, const Operands& o) { return store(c, o, 2); }
bool lift_sw(LiftContext& c, const Operands& o) { return store(c, o, 4); }
bool lift_sd(LiftContext& c, const Operands& o) { return store(c, o, 8); }

bool lift_addi(LiftContext& c, const Operands& o) { return reg_imm(c, o, &Emitter::Add); }
bool lift_slti(LiftContext& c, const Operands& o) { return set_if(c, o, &Emitter::CmpLt, c.imm(o.imm)); }
bool lift_sltiu(LiftContext& c, const Operands& o) { return set_if(c, o, &Emitter::CmpLtU, c.imm(o.imm)); }
bool lift_xori(LiftContext& c, const Operands& o) { return reg_imm(c, o, &Emitter::Xor); }
bool lift_ori(LiftContext& c, const Operands& o) { return reg_imm(c, o, &Emitter::Or); }
bool lift_andi(LiftContext& c, const Operands& o) { return reg_imm(c, o, &Emitter::And); }
bool lift_slli(LiftContext& c, const Operands& o) { return reg_imm(c, o, &Emitter::Shl); }
bool lift_srli(LiftContext& c, const Operands& o) { return reg_imm(c, o, &Emitter::Lshr); }
bool lift_srai(LiftContext& c, const Operands& o) { return reg_imm(c, o, &Emitter::Ashr); }

bool lift_add(LiftContext& c, const Operands& o) { return reg_reg(c, o, &Emitter::Add); }
bool lift_sub(LiftContext& c, const Operands& o) { return reg_reg(c, o, &Emitter::Sub); }
bool lift_sll(LiftContext& c, const Operands& o) { return reg_reg(c, o, &Emitter::Shl); }
bool lift_slt(LiftContext& c, const Operands& o) { return set_if(c, o, &Emitter::CmpLt, c.x(o.rs2)); }
bool lift_sltu(LiftContext& c, const Operands& o) { return set_if(c, o, &Emitter::CmpLtU, c.x(o.rs2)); }
bool lift_xor(LiftContext& c, const Operands& o) { return reg_reg(c, o, &Emitter::Xor); }
bool lift_srl(LiftContext& c, const Operands& o) { return reg_reg(c, o, &Emitter::Lshr); }
bool lift_sra(LiftContext& c, const Operands& o) { return reg_reg(c, o, &Emitter::Ashr); }
bool lift_or(LiftContext& c, const Operands& o) { return reg_reg(c, o, &Emitter::Or); }
bool lift_and(LiftContext& c, const Operands& o) { return reg_reg(c, o, &Emitter::And); }

bool lift_addiw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Add32, c.imm(o.imm)); }
bool lift_slliw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Shl32, c.imm(o.imm)); }
bool lift_srliw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Lshr32, c.imm(o.imm)); }
bool lift_sraiw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Ashr32, c.imm(o.imm)); }
bool lift_addw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Add32, c.x(o.rs2)); }
bool lift_subw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Sub32, c.x(o.rs2)); }
bool lift_sllw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Shl32, c.x(o.rs2)); }
bool lift_srlw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Lshr32, c.x(o.rs2)); }
bool lift_sraw(LiftContext& c, const Operands& o) { return word(c, o, &Emitter::Ashr32, c.x(o.rs2)); }

// A single hart executing in order needs no action for fence.
bool lift_fence(LiftContext&, const Operands&) { return true; }

}  // namespace polyemu::riscv
