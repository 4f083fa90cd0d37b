// Lifting RISC-V instructions to IR. Each lifter reads normalized operands and calls
// the emitter; it returns false when it ended the block with a terminal.
#pragma once
#include "frontend/riscv/decoder.h"
#include "ir/emitter.h"

namespace polyemu::riscv {

struct LiftContext {
  ir::Emitter& e;
  uint64_t pc;       // address of the instruction
  uint64_t next_pc;  // address of the following instruction (pc + 2 or 4)
  uint32_t bits;

  ir::V64 x(unsigned r) { return r == 0 ? e.Const(0) : e.GetReg(r); }
  void set_x(unsigned r, ir::V64 v) {
    if (r != 0) e.SetReg(v, r);
  }
  ir::V64 imm(int64_t v) { return e.Const(uint64_t(v)); }
  // Floating-point register r (the guest state keeps f0..f31 after x0..x31).
  ir::V64 f(unsigned r) { return e.GetReg(32 + r); }
  void set_f(unsigned r, ir::V64 v) { e.SetReg(v, 32 + r); }
};

// Declarations of every lifter named in the table (a name may appear in several rows).
#define ROW(id, mn, pat, fmt, ext, lift, cons) bool lift(LiftContext&, const Operands&);
#include "frontend/riscv/rv_table.inc"
#undef ROW

}  // namespace polyemu::riscv
