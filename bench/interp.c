/* interp: a small register-machine bytecode interpreter (switch dispatch) running
   a Collatz-sequence program: tight, unpredictable guest branches and an indirect
   jump per bytecode. */
#include "common/bench.h"

#ifndef VM_LIMIT
#define VM_LIMIT 40000
#endif

enum { LI, MOV, ADD, ADDI, SUB, MUL, AND, ANDI, XOR, SHRI, SHLI, JMP, BEQ, BNE, BLT, BZ, BNZ, HALT };

struct insn {
  uint8_t op, a, b, c;
  int32_t imm;
};

#define I(op, a, b, c, imm) \
  { op, a, b, c, imm }

/* r1 = n, r2 = limit, r3 = x, r4 = steps, r6 = tmp, r7 = 3, r10 = total, r11 = hash, r12 = 31 */
static const struct insn program[] = {
    /*  0 */ I(LI, 1, 0, 0, 1),
    /*  1 */ I(LI, 2, 0, 0, VM_LIMIT),
    /*  2 */ I(LI, 7, 0, 0, 3),
    /*  3 */ I(LI, 12, 0, 0, 31),
    /*  4 */ I(LI, 10, 0, 0, 0),
    /*  5 */ I(LI, 11, 0, 0, 0),
    /* outer: */
    /*  6 */ I(MOV, 3, 1, 0, 0),
    /*  7 */ I(LI, 4, 0, 0, 0),
    /* inner: */
    /*  8 */ I(ADDI, 6, 3, 0, -1),
    /*  9 */ I(BZ, 6, 0, 0, 18), /* x == 1 -> done */
    /* 10 */ I(ANDI, 6, 3, 0, 1),
    /* 11 */ I(BZ, 6, 0, 0, 15), /* even */
    /* 12 */ I(MUL, 3, 3, 7, 0), /* x = 3x + 1 */
    /* 13 */ I(ADDI, 3, 3, 0, 1),
    /* 14 */ I(JMP, 0, 0, 0, 16),
    /* even: */
    /* 15 */ I(SHRI, 3, 3, 0, 1),
    /* 16 */ I(ADDI, 4, 4, 0, 1),
    /* 17 */ I(JMP, 0, 0, 0, 8),
    /* done: */
    /* 18 */ I(ADD, 10, 10, 4, 0),
    /* 19 */ I(XOR, 11, 11, 4, 0),
    /* 20 */ I(MUL, 11, 11, 12, 0),
    /* 21 */ I(ADD, 11, 11, 1, 0),
    /* 22 */ I(ADDI, 1, 1, 0, 1),
    /* 23 */ I(BLT, 1, 2, 0, 6),
    /* 24 */ I(HALT, 0, 0, 0, 0),
};

__attribute__((noinline)) static uint64_t run(const struct insn* prog, uint64_t* r) {
  uint64_t executed = 0;
  uint32_t pc = 0;
  for (;;) {
    const struct insn* in = &prog[pc++];
    executed++;
    switch (in->op) {
      case LI: r[in->a] = (uint64_t)(int64_t)in->imm; break;
      case MOV: r[in->a] = r[in->b]; break;
      case ADD: r[in->a] = r[in->b] + r[in->c]; break;
      case ADDI: r[in->a] = r[in->b] + (uint64_t)(int64_t)in->imm; break;
      case SUB: r[in->a] = r[in->b] - r[in->c]; break;
      case MUL: r[in->a] = r[in->b] * r[in->c]; break;
      case AND: r[in->a] = r[in->b] & r[in->c]; break;
      case ANDI: r[in->a] = r[in->b] & (uint64_t)(int64_t)in->imm; break;
      case XOR: r[in->a] = r[in->b] ^ r[in->c]; break;
      case SHRI: r[in->a] = r[in->b] >> (in->imm & 63); break;
      case SHLI: r[in->a] = r[in->b] << (in->imm & 63); break;
      case JMP: pc = (uint32_t)in->imm; break;
      case BEQ:
        if (r[in->a] == r[in->b]) pc = (uint32_t)in->imm;
        break;
      case BNE:
        if (r[in->a] != r[in->b]) pc = (uint32_t)in->imm;
        break;
      case BLT:
        if ((int64_t)r[in->a] < (int64_t)r[in->b]) pc = (uint32_t)in->imm;
        break;
      case BZ:
        if (r[in->a] == 0) pc = (uint32_t)in->imm;
        break;
      case BNZ:
        if (r[in->a] != 0) pc = (uint32_t)in->imm;
        break;
      case HALT: return executed;
      default: bench_fail("interp", "bad opcode");
    }
  }
}

int main(void) {
  uint64_t r[16] = {0};
  const struct insn* prog = program;
  __asm__("" : "+r"(prog)); /* hide the program from the optimizer */
  uint64_t executed = run(prog, r);
  uint64_t sum = r[10] * 0x9E3779B97F4A7C15ULL ^ r[11] ^ executed;
  bench_result("interp", sum, 16);
  return 0;
}
