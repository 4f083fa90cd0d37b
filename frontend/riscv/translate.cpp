#include "frontend/riscv/translate.h"

#include "frontend/riscv/lift.h"

namespace polyemu::riscv {

void translate(uint64_t pc, uint32_t mode, unsigned max_insns, const FetchFn& fetch, ir::Block& b) {
  b = ir::Block{};
  b.pc = pc;
  b.mode = mode;
  ir::Emitter e(b);
  constexpr uint64_t kPage = 4096;
  uint64_t cur = pc;
  auto end_with_trap = [&](uint32_t cause, uint64_t tval) {
    b.insn_offset.push_back(uint16_t(cur - pc));
    b.num_insns++;
    e.exit(ir::ExitKind::Trap, cur, cur, cause, tval);
  };
  // Code that cannot be fetched faults if it is the block's first instruction; otherwise
  // the block ends before it and the fault is raised when execution gets there.
  uint64_t fault_cause = 0;
  auto fetch_failed = [&](uint64_t tval) {
    if (b.num_insns == 0)
      end_with_trap(uint32_t(fault_cause), tval);
    else
      e.jump(cur);
  };
  for (;;) {
    uint16_t lo, hi = 0;
    if (!fetch(cur, lo, fault_cause)) {
      fetch_failed(cur);
      break;
    }
    unsigned len = insn_length(lo);
    if (len == 4 && !fetch(cur + 2, hi, fault_cause)) {
      fetch_failed(cur + 2);
      break;
    }
    uint32_t bits = lo | uint32_t(hi) << 16;
    Decoded d = decode(bits);
    if (!d.row || ((mode & kModeFpOff) && uses_fpu(d.row->ext))) {
      end_with_trap(kCauseIllegal, bits);
      break;
    }
    e.set_insn(uint16_t(b.num_insns));
    b.insn_offset.push_back(uint16_t(cur - pc));
    b.num_insns++;
    LiftContext ctx{e, cur, cur + len, bits};
    bool more = d.row->lift(ctx, d.ops);
    cur += len;
    if (!more) break;
    if (b.num_insns >= max_insns || (cur / kPage) != (pc / kPage)) {
      e.jump(cur);
      break;
    }
  }
  b.byte_len = uint32_t(cur - pc);
  if (b.term.kind == ir::Terminal::Kind::Exit && b.term.exit == ir::ExitKind::Trap)
    b.byte_len = uint32_t(b.term.target - pc) + 2;
}

}  // namespace polyemu::riscv
