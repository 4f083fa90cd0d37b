// Zicsr, Zifencei and the privileged instructions. CSR accesses and system instructions
// end the block: they can change privilege, enable interrupts or invalidate code.
#include "frontend/riscv/lift.h"

namespace polyemu::riscv {

using ir::CsrImm;
using ir::CsrOp;
using ir::ExitKind;

namespace {
bool csr(LiftContext& c, const Operands& o, CsrOp op, ir::V64 src, bool src_is_zero) {
  // csrrw always writes; csrrs/csrrc with a zero source only read (no write side effects).
  bool write = op == CsrOp::Write || !src_is_zero;
  bool read = op != CsrOp::Write || o.rd != 0;
  c.set_x(o.rd, c.e.Csr(src, CsrImm{o.csr, op, write, read}.pack()));
  c.e.exit(ExitKind::Yield, c.pc, c.next_pc);
  return false;
}
bool system(LiftContext& c, ExitKind k) {
  c.e.exit(k, c.pc, c.next_pc);
  return false;
}
}  // namespace

bool lift_csrrw(LiftContext& c, const Operands& o) { return csr(c, o, CsrOp::Write, c.x(o.rs1), o.rs1 == 0); }
bool lift_csrrs(LiftContext& c, const Operands& o) { return csr(c, o, CsrOp::Set, c.x(o.rs1), o.rs1 == 0); }
bool lift_csrrc(LiftContext& c, const Operands& o) { return csr(c, o, CsrOp::Clear, c.x(o.rs1), o.rs1 == 0); }
bool lift_csrrwi(LiftContext& c, const Operands& o) { return csr(c, o, CsrOp::Write, c.imm(o.imm), o.imm == 0); }
bool lift_csrrsi(LiftContext& c, const Operands& o) { return csr(c, o, CsrOp::Set, c.imm(o.imm), o.imm == 0); }
bool lift_csrrci(LiftContext& c, const Operands& o) { return csr(c, o, CsrOp::Clear, c.imm(o.imm), o.imm == 0); }

bool lift_ecall(LiftContext& c, const Operands&) { return system(c, ExitKind::Ecall); }
bool lift_ebreak(LiftContext& c, const Operands&) { return system(c, ExitKind::Ebreak); }
bool lift_mret(LiftContext& c, const Operands&) { return system(c, ExitKind::Mret); }
bool lift_sret(LiftContext& c, const Operands&) { return system(c, ExitKind::Sret); }
bool lift_wfi(LiftContext& c, const Operands&) { return system(c, ExitKind::Wfi); }
bool lift_fence_i(LiftContext& c, const Operands&) { return system(c, ExitKind::FenceI); }
bool lift_sfence_vma(LiftContext& c, const Operands&) { return system(c, ExitKind::SfenceVma); }

}  // namespace polyemu::riscv
