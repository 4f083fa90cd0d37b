/* isa_rv64i: self-checking test of every RV64I (+ Zifencei) instruction. ecall/ebreak
 * are exercised by the traps program. Expected values follow the RISC-V unprivileged
 * spec. Prints nothing on success, "FAIL <name> got <hex> want <hex>" on a mismatch. */
#include "isa.h"

static void test_alu(void) {
  RR(add, 1, 2, 3);
  RR(add, 0x7fffffffffffffffUL, 1, 0x8000000000000000UL);
  RR(add, 0xffffffffffffffffUL, 1, 0);
  RR(add, 0x8000000000000000UL, 0xffffffffffffffffUL, 0x7fffffffffffffffUL);
  RR(add, 0x123456789abcdef0UL, 0xfedcba987654321UL, 0x2222222222222211UL);
  RR(sub, 3, 5, 0xfffffffffffffffeUL);
  RR(sub, 0x8000000000000000UL, 1, 0x7fffffffffffffffUL);
  RR(sub, 0, 0xffffffffffffffffUL, 1);
  RR(sub, 0x100000000UL, 1, 0xffffffffUL);
  RR(sll, 1, 0, 1);
  RR(sll, 1, 31, 0x80000000UL);
  RR(sll, 1, 32, 0x100000000UL);
  RR(sll, 1, 63, 0x8000000000000000UL);
  RR(sll, 0x123456789abcdef1UL, 4, 0x23456789abcdef10UL);
  RR(sll, 3, 64, 3);
  RR(sll, 3, 129, 6);
  RR(sll, 0xffffffffffffffffUL, 127, 0x8000000000000000UL);
  RR(srl, 0x8000000000000000UL, 0, 0x8000000000000000UL);
  RR(srl, 0x8000000000000000UL, 31, 0x100000000UL);
  RR(srl, 0x8000000000000000UL, 32, 0x80000000UL);
  RR(srl, 0x8000000000000000UL, 63, 1);
  RR(srl, 0xffffffffffffffffUL, 64, 0xffffffffffffffffUL);
  RR(srl, 0xffffffffffffffffUL, 68, 0xfffffffffffffffUL);
  RR(srl, 0x123456789abcdef0UL, 4, 0x123456789abcdefUL);
  RR(sra, 0x8000000000000000UL, 0, 0x8000000000000000UL);
  RR(sra, 0x8000000000000000UL, 31, 0xffffffff00000000UL);
  RR(sra, 0x8000000000000000UL, 32, 0xffffffff80000000UL);
  RR(sra, 0x8000000000000000UL, 63, 0xffffffffffffffffUL);
  RR(sra, 0x8000000000000000UL, 68, 0xf800000000000000UL);
  RR(sra, 0x7000000000000000UL, 62, 1);
  RR(sra, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL);
  RR(slt, 0xffffffffffffffffUL, 1, 1);
  RR(slt, 1, 0xffffffffffffffffUL, 0);
  RR(slt, 5, 5, 0);
  RR(slt, 0x8000000000000000UL, 0x7fffffffffffffffUL, 1);
  RR(slt, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0);
  RR(sltu, 0xffffffffffffffffUL, 1, 0);
  RR(sltu, 1, 0xffffffffffffffffUL, 1);
  RR(sltu, 5, 5, 0);
  RR(sltu, 0, 1, 1);
  RR(sltu, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0);
  RR(xor, 0xff00ff00ff00ff00UL, 0xff00ff00ff00ff0UL, 0xf0f0f0f0f0f0f0f0UL);
  RR(xor, 0xffffffffffffffffUL, 0x5555555555555555UL, 0xaaaaaaaaaaaaaaaaUL);
  RR(or, 0xff00ff00ff00ff00UL, 0xff00ff00ff00ff0UL, 0xfff0fff0fff0fff0UL);
  RR(or, 0, 0, 0);
  RR(and, 0xff00ff00ff00ff00UL, 0xff00ff00ff00ff0UL, 0xf000f000f000f00UL);
  RR(and, 0xffffffffffffffffUL, 0x8000000000000000UL, 0x8000000000000000UL);
  RR(addw, 0x7fffffffUL, 1, 0xffffffff80000000UL);
  RR(addw, 0xffffffffUL, 1, 0);
  RR(addw, 0x123456789UL, 0x100000000UL, 0x23456789UL);
  RR(addw, 0x80000000UL, 0x80000000UL, 0);
  RR(addw, 1, 0xfffffffffffffffeUL, 0xffffffffffffffffUL);
  RR(subw, 0, 1, 0xffffffffffffffffUL);
  RR(subw, 0x80000000UL, 1, 0x7fffffffUL);
  RR(subw, 0x1ffffffffUL, 0xffffffffUL, 0);
  RR(subw, 0xdeadbeef00000000UL, 0, 0);
  RR(sllw, 1, 0, 1);
  RR(sllw, 1, 31, 0xffffffff80000000UL);
  RR(sllw, 1, 32, 1);
  RR(sllw, 1, 33, 2);
  RR(sllw, 0xffffffffUL, 63, 0xffffffff80000000UL);
  RR(sllw, 0x12345678UL, 4, 0x23456780UL);
  RR(sllw, 0x80000001UL, 1, 2);
  RR(srlw, 0x80000000UL, 0, 0xffffffff80000000UL);
  RR(srlw, 0x80000000UL, 31, 1);
  RR(srlw, 0x80000000UL, 32, 0xffffffff80000000UL);
  RR(srlw, 0xffffffff00000000UL, 4, 0);
  RR(srlw, 0xfffffffff0000000UL, 4, 0xf000000UL);
  RR(srlw, 0x80000000UL, 1, 0x40000000UL);
  RR(sraw, 0x80000000UL, 0, 0xffffffff80000000UL);
  RR(sraw, 0x80000000UL, 31, 0xffffffffffffffffUL);
  RR(sraw, 0x80000000UL, 36, 0xfffffffff8000000UL);
  RR(sraw, 0x7fffffffUL, 30, 1);
  RR(sraw, 0xffffffff00000000UL, 4, 0);
  RR(sraw, 0x80000000UL, 1, 0xffffffffc0000000UL);
  RI(addi, 1, 2047, 0x800UL);
  RI(addi, 1, -2048, 0xfffffffffffff801UL);
  RI(addi, 0x7fffffffffffffffUL, 1, 0x8000000000000000UL);
  RI(addi, 0xffffffffffffffffUL, 1, 0);
  RI(addi, 0, -1, 0xffffffffffffffffUL);
  RI(addi, 0x7ffUL, 0, 0x7ffUL);
  RI(slti, 0xffffffffffffffffUL, 0, 1);
  RI(slti, 0, -1, 0);
  RI(slti, 0x8000000000000000UL, -2048, 1);
  RI(slti, 5, 5, 0);
  RI(slti, 4, 5, 1);
  RI(sltiu, 0xffffffffffffffffUL, -1, 0);
  RI(sltiu, 0, 1, 1);
  RI(sltiu, 5, -1, 1);
  RI(sltiu, 0x7fffffffffffffffUL, -2048, 1);
  RI(sltiu, 1, 1, 0);
  RI(xori, 0x123456789abcdef0UL, -1, 0xedcba9876543210fUL);
  RI(xori, 255, 2047, 0x700UL);
  RI(xori, 0, -2048, 0xfffffffffffff800UL);
  RI(ori, 0, -2048, 0xfffffffffffff800UL);
  RI(ori, 0x8000000000000000UL, 2047, 0x80000000000007ffUL);
  RI(ori, 240, 15, 255);
  RI(andi, 0xffffffffffffffffUL, -2048, 0xfffffffffffff800UL);
  RI(andi, 0x123456789abcdef0UL, 2047, 0x6f0UL);
  RI(andi, 0x123456789abcdef0UL, -16, 0x123456789abcdef0UL);
  RI(slli, 1, 0, 1);
  RI(slli, 1, 31, 0x80000000UL);
  RI(slli, 1, 32, 0x100000000UL);
  RI(slli, 1, 63, 0x8000000000000000UL);
  RI(slli, 0x123456789abcdef1UL, 4, 0x23456789abcdef10UL);
  RI(srli, 0x8000000000000000UL, 0, 0x8000000000000000UL);
  RI(srli, 0x8000000000000000UL, 31, 0x100000000UL);
  RI(srli, 0x8000000000000000UL, 32, 0x80000000UL);
  RI(srli, 0x8000000000000000UL, 63, 1);
  RI(srli, 0xffffffffffffffffUL, 1, 0x7fffffffffffffffUL);
  RI(srai, 0x8000000000000000UL, 0, 0x8000000000000000UL);
  RI(srai, 0x8000000000000000UL, 31, 0xffffffff00000000UL);
  RI(srai, 0x8000000000000000UL, 32, 0xffffffff80000000UL);
  RI(srai, 0x8000000000000000UL, 63, 0xffffffffffffffffUL);
  RI(srai, 0x7fffffffffffffffUL, 62, 1);
  RI(addiw, 0x7fffffffUL, 1, 0xffffffff80000000UL);
  RI(addiw, 0xffffffffUL, 1, 0);
  RI(addiw, 0x123456789UL, 0, 0x23456789UL);
  RI(addiw, 0, -2048, 0xfffffffffffff800UL);
  RI(addiw, 0x80000000UL, -1, 0x7fffffffUL);
  RI(slliw, 1, 0, 1);
  RI(slliw, 1, 31, 0xffffffff80000000UL);
  RI(slliw, 0xffffffffUL, 1, 0xfffffffffffffffeUL);
  RI(slliw, 0x12345678UL, 4, 0x23456780UL);
  RI(slliw, 0x100000001UL, 16, 0x10000UL);
  RI(srliw, 0x80000000UL, 0, 0xffffffff80000000UL);
  RI(srliw, 0x80000000UL, 31, 1);
  RI(srliw, 0xffffffff00000000UL, 4, 0);
  RI(srliw, 0xfffffffff0000000UL, 4, 0xf000000UL);
  RI(srliw, 0x80000000UL, 1, 0x40000000UL);
  RI(sraiw, 0x80000000UL, 0, 0xffffffff80000000UL);
  RI(sraiw, 0x80000000UL, 31, 0xffffffffffffffffUL);
  RI(sraiw, 0x7fffffffUL, 30, 1);
  RI(sraiw, 0xf0000000UL, 4, 0xffffffffff000000UL);
  RI(sraiw, 0x100000000UL, 1, 0);
  /* destination equal to a source */
  RR_SAME(add, 0x40, 0x2, 0x42);
  RR_SAME(sub, 0x40, 0x41, 0xffffffffffffffffUL);
  RR_SAME(sraw, 0x80000000UL, 31, 0xffffffffffffffffUL);
}

static void test_x0(void) {
  uint64_t r;
  /* writes to x0 are discarded; x0 reads as zero */
  asm volatile(NORVC "addi x0, x0, 5\n add x0, %1, %1\n lui x0, 0x12345\n mv %0, x0" POPRVC : "=r"(r) : "r"(7UL));
  check("x0 stays zero", r, 0);
  asm volatile(NORVC "li %0, 1234\n sub %0, x0, %0" POPRVC : "=&r"(r));
  check("sub(x0, 1234)", r, (uint64_t)-1234);
  asm volatile(NORVC "li %0, 77\n addi %0, x0, -3" POPRVC : "=&r"(r));
  check("addi(x0, -3)", r, (uint64_t)-3);
}

static void test_lui_auipc(void) {
  uint64_t r, pc;
  asm volatile(NORVC "lui %0, 0x80000" POPRVC : "=r"(r));
  check("lui 0x80000", r, 0xffffffff80000000UL);
  asm volatile(NORVC "lui %0, 0xfffff" POPRVC : "=r"(r));
  check("lui 0xfffff", r, 0xfffffffffffff000UL);
  asm volatile(NORVC "lui %0, 0x7ffff" POPRVC : "=r"(r));
  check("lui 0x7ffff", r, 0x7ffff000UL);
  asm volatile(NORVC "lui %0, 0x12345" POPRVC : "=r"(r));
  check("lui 0x12345", r, 0x12345000UL);
  asm volatile(NORVC "li %0, -1\n lui %0, 0" POPRVC : "=r"(r));
  check("lui 0", r, 0);
  asm volatile(NORVC "1: auipc %0, 0\n la %1, 1b" POPRVC : "=r"(r), "=r"(pc));
  check("auipc 0 - pc", r - pc, 0);
  asm volatile(NORVC "1: auipc %0, 1\n la %1, 1b" POPRVC : "=r"(r), "=r"(pc));
  check("auipc 1 - pc", r - pc, 0x1000);
  asm volatile(NORVC "1: auipc %0, 0xfffff\n la %1, 1b" POPRVC : "=r"(r), "=r"(pc));
  check("auipc 0xfffff - pc", r - pc, 0xfffffffffffff000UL);
  asm volatile(NORVC "1: auipc %0, 0x80000\n la %1, 1b" POPRVC : "=r"(r), "=r"(pc));
  check("auipc 0x80000 - pc", r - pc, 0xffffffff80000000UL);
  asm volatile(NORVC "1: auipc %0, 0x7ffff\n la %1, 1b" POPRVC : "=r"(r), "=r"(pc));
  check("auipc 0x7ffff - pc", r - pc, 0x7ffff000UL);
}

/* Branch taken forward / backward: r = 1 if taken, 2 if not. */
#define BR(op, a, b, taken)                                                  \
  do {                                                                       \
    uint64_t r_;                                                             \
    asm volatile(NORVC "li %0, 1\n " #op " %1, %2, 1f\n li %0, 2\n1:" POPRVC \
                 : "=&r"(r_)                                                 \
                 : "r"((uint64_t)(a)), "r"((uint64_t)(b)));                  \
    check(#op " fwd(" #a ", " #b ")", r_, (taken) ? 1 : 2);                  \
    asm volatile(NORVC "li %0, 0\n j 2f\n1: li %0, 1\n j 3f\n2: " #op        \
                       " %1, %2, 1b\n"                                       \
                       " li %0, 2\n3:" POPRVC                                \
                 : "=&r"(r_)                                                 \
                 : "r"((uint64_t)(a)), "r"((uint64_t)(b)));                  \
    check(#op " back(" #a ", " #b ")", r_, (taken) ? 1 : 2);                 \
  } while (0)

static void test_branches(void) {
  BR(beq, 5, 5, 1);
  BR(beq, 5, 6, 0);
  BR(beq, 0x100000005UL, 5, 0);
  BR(bne, 5, 6, 1);
  BR(bne, 5, 5, 0);
  BR(bne, 0xffffffff00000000UL, 0, 1);
  BR(blt, -1, 1, 1);
  BR(blt, 1, -1, 0);
  BR(blt, 3, 3, 0);
  BR(blt, 0x8000000000000000UL, 0x7fffffffffffffffUL, 1);
  BR(bge, 1, -1, 1);
  BR(bge, -1, 1, 0);
  BR(bge, 3, 3, 1);
  BR(bge, 0x7fffffffffffffffUL, 0x8000000000000000UL, 1);
  BR(bltu, 1, -1, 1);
  BR(bltu, -1, 1, 0);
  BR(bltu, 3, 3, 0);
  BR(bltu, 0x7fffffffffffffffUL, 0x8000000000000000UL, 1);
  BR(bgeu, -1, 1, 1);
  BR(bgeu, 1, -1, 0);
  BR(bgeu, 3, 3, 1);
  BR(bgeu, 0, 0xffffffffffffffffUL, 0);
}

static void test_jumps(void) {
  uint64_t link, want, skipped;
  /* jal forward: link = address of the next instruction, which is skipped */
  asm volatile(NORVC "li %2, 0\n la %1, 2f\n jal %0, 1f\n2: li %2, 1\n1:" POPRVC
               : "=&r"(link), "=&r"(want), "=&r"(skipped));
  check("jal fwd link", link, want);
  check("jal fwd skipped", skipped, 0);
  /* jal backward */
  asm volatile(NORVC "li %2, 0\n j 3f\n1: j 4f\n3: la %1, 2f\n jal %0, 1b\n2: li %2, 1\n4:" POPRVC
               : "=&r"(link), "=&r"(want), "=&r"(skipped));
  check("jal back link", link, want);
  check("jal back skipped", skipped, 0);
  /* jal x0 (j) */
  asm volatile(NORVC "li %0, 0\n jal x0, 1f\n li %0, 1\n1:" POPRVC : "=&r"(skipped));
  check("jal x0 skipped", skipped, 0);
  /* jalr clears bit 0 of the target */
  asm volatile(NORVC
               "li %2, 0\n la t1, 1f\n addi t1, t1, 1\n la %1, 2f\n jalr %0, 0(t1)\n"
               "2: li %2, 1\n1:" POPRVC
               : "=&r"(link), "=&r"(want), "=&r"(skipped)::"t1");
  check("jalr odd link", link, want);
  check("jalr odd skipped", skipped, 0);
  /* jalr with a negative offset */
  asm volatile(NORVC
               "li %2, 0\n la t1, 1f\n addi t1, t1, 40\n la %1, 2f\n jalr %0, -40(t1)\n"
               "2: li %2, 1\n1:" POPRVC
               : "=&r"(link), "=&r"(want), "=&r"(skipped)::"t1");
  check("jalr -40 link", link, want);
  check("jalr -40 skipped", skipped, 0);
  /* jalr with an odd immediate: (rs1 + 3) & ~1 */
  asm volatile(NORVC
               "li %2, 0\n la t1, 1f\n addi t1, t1, -2\n la %1, 2f\n jalr %0, 3(t1)\n"
               "2: li %2, 1\n1:" POPRVC
               : "=&r"(link), "=&r"(want), "=&r"(skipped)::"t1");
  check("jalr +3 link", link, want);
  check("jalr +3 skipped", skipped, 0);
  /* jalr with rd == rs1: the target uses the old value */
  asm volatile(NORVC
               "li %2, 0\n la %0, 1f\n la %1, 2f\n jalr %0, 0(%0)\n"
               "2: li %2, 1\n1:" POPRVC
               : "=&r"(link), "=&r"(want), "=&r"(skipped));
  check("jalr rd=rs1 link", link, want);
  check("jalr rd=rs1 skipped", skipped, 0);
  /* jalr backward, x0 link */
  asm volatile(NORVC "li %0, 0\n j 3f\n1: j 4f\n3: la t1, 1b\n jalr x0, 0(t1)\n li %0, 1\n4:" POPRVC
               : "=&r"(skipped)::"t1");
  check("jalr back skipped", skipped, 0);
}

static uint64_t mem[6] __attribute__((aligned(16))) = {0xf0e1d2c3b4a59687UL, 0x0011223344556677UL};

#define LD(op, off, want)                                                                    \
  do {                                                                                       \
    uint64_t r_;                                                                             \
    asm volatile(NORVC #op " %0, " #off "(%1)" POPRVC : "=r"(r_) : "r"(&mem[2]) : "memory"); \
    check(#op " " #off, r_, (uint64_t)(want));                                               \
  } while (0)

static void test_loads_stores(void) {
  /* base register = &mem[2]; mem[0] bytes: 87 96 a5 b4 c3 d2 e1 f0, mem[1]: 77 66 .. 00 */
  LD(lb, -16, 0xffffffffffffff87UL);
  LD(lb, -9, 0xfffffffffffffff0UL);
  LD(lb, -8, 0x77);
  LD(lb, -1, 0);
  LD(lbu, -16, 0x87);
  LD(lbu, -10, 0xe1);
  LD(lh, -16, 0xffffffffffff9687UL);
  LD(lh, -10, 0xfffffffffffff0e1UL);
  LD(lh, -8, 0x6677);
  LD(lhu, -16, 0x9687);
  LD(lhu, -2, 0x0011);
  LD(lw, -16, 0xffffffffb4a59687UL);
  LD(lw, -12, 0xfffffffff0e1d2c3UL);
  LD(lw, -8, 0x44556677);
  LD(lwu, -16, 0xb4a59687UL);
  LD(lwu, -12, 0xf0e1d2c3UL);
  LD(lwu, -4, 0x00112233);
  LD(ld, -16, 0xf0e1d2c3b4a59687UL);
  LD(ld, -8, 0x0011223344556677UL);

  uint64_t big = 0x0123456789abcdefUL;
  mem[2] = mem[3] = mem[4] = mem[5] = 0;
  asm volatile(NORVC "sb %1, 1(%0)" POPRVC ::"r"(&mem[2]), "r"(0x77665544332211a5UL) : "memory");
  check("sb +1", mem[2], 0xa500);
  asm volatile(NORVC "sh %1, 2(%0)" POPRVC ::"r"(&mem[2]), "r"(0xffffffffffff1234UL) : "memory");
  check("sh +2", mem[2], 0x1234a500);
  asm volatile(NORVC "sw %1, 4(%0)" POPRVC ::"r"(&mem[2]), "r"(0x11111111deadbeefUL) : "memory");
  check("sw +4", mem[2], 0xdeadbeef1234a500UL);
  asm volatile(NORVC "sd %1, -8(%0)" POPRVC ::"r"(&mem[4]), "r"(big) : "memory");
  check("sd -8", mem[3], big);
  asm volatile(NORVC "sb %1, -1(%0)" POPRVC ::"r"(&mem[4]), "r"(0xffUL) : "memory");
  check("sb -1", mem[3], 0xff23456789abcdefUL);
  asm volatile(NORVC "sh %1, 8(%0)" POPRVC ::"r"(&mem[3]), "r"(0x8001UL) : "memory");
  asm volatile(NORVC "sw %1, 12(%0)" POPRVC ::"r"(&mem[3]), "r"(0x80000001UL) : "memory");
  check("sh/sw high", mem[4], 0x8000000100008001UL);
  check("neighbour untouched", mem[5], 0);
  check("source untouched", mem[1], 0x0011223344556677UL);
  /* a load into x0 has no architectural effect */
  uint64_t r;
  asm volatile(NORVC "lw x0, 0(%1)\n mv %0, x0" POPRVC : "=r"(r) : "r"(&mem[0]) : "memory");
  check("lw x0", r, 0);
}

/* fence.i: code written through the data path must be visible to fetch afterwards. */
static uint32_t code_buf[4] __attribute__((aligned(16)));

static uint64_t run_code_buf(void) {
  uint64_t r;
  asm volatile(NORVC "li a0, 100\n jalr ra, 0(%1)\n mv %0, a0" POPRVC : "=r"(r) : "r"(code_buf) : "ra", "a0", "memory");
  return r;
}

static void test_fences(void) {
  asm volatile(NORVC
               "fence\n fence rw, rw\n fence r, r\n fence w, w\n fence iorw, iorw\n"
               "fence.tso\n fence.i" POPRVC ::
                   : "memory");
  code_buf[0] = 0x00150513; /* addi a0, a0, 1 */
  code_buf[1] = 0x00008067; /* ret */
  asm volatile(NORVC "fence.i" POPRVC ::: "memory");
  check("fence.i run 1", run_code_buf(), 101);
  code_buf[0] = 0x00250513; /* addi a0, a0, 2 */
  asm volatile(NORVC "fence.i" POPRVC ::: "memory");
  check("fence.i run 2", run_code_buf(), 102);
  code_buf[0] = 0x7ff50513; /* addi a0, a0, 2047 */
  asm volatile(NORVC "fence.i" POPRVC ::: "memory");
  check("fence.i run 3", run_code_buf(), 2147);
}

int main(void) {
  test_alu();
  test_x0();
  test_lui_auipc();
  test_branches();
  test_jumps();
  test_loads_stores();
  test_fences();
  finish("isa_rv64i");
}
