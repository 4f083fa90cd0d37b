/* isa_rv64a: self-checking test of every RV64A instruction: all amo*.w/.d (old value in
 * rd, .w results sign-extended, only the addressed word written, signed vs unsigned
 * min/max), aq/rl encodings, and LR/SC in architecturally guaranteed situations (an LR/SC
 * retry loop succeeds; an SC with no reservation fails and does not write memory).
 * Misaligned AMO/LR traps are checked by the traps program. */
#include "isa.h"

static uint64_t amem[4] __attribute__((aligned(32)));
#define GUARD 0x5a5a5a5a5a5a5a5aUL

/* rd = amo(mem[off], src); mem is the containing doubleword afterwards */
#define AMO(op, off, init, src, want_rd, want_mem)                                  \
  do {                                                                              \
    uint64_t rd_;                                                                   \
    amem[0] = GUARD;                                                                \
    amem[1] = (init);                                                               \
    amem[2] = GUARD;                                                                \
    asm volatile(NORVC #op " %0, %2, (%1)" POPRVC                                   \
                 : "=&r"(rd_)                                                       \
                 : "r"((char*)&amem[1] + (off)), "r"((uint64_t)(src))               \
                 : "memory");                                                       \
    check(#op "+" #off "(" #init ", " #src ").rd", rd_, (uint64_t)(want_rd));       \
    check(#op "+" #off "(" #init ", " #src ").mem", amem[1], (uint64_t)(want_mem)); \
    check(#op "+" #off ".guard", amem[0] ^ amem[2], 0);                             \
  } while (0)

static void test_amo(void) {
  AMO(amoswap.d, 0, 5, 3, 5, 3);
  AMO(amoswap.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 1);
  AMO(amoswap.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0x7fffffffffffffffUL);
  AMO(amoswap.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0xfedcba9876543210UL);
  AMO(amoswap.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000003UL);
  AMO(amoswap.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0x300000005UL);
  AMO(amoswap.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x1234567800000001UL);
  AMO(amoswap.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeef7fffffffUL);
  AMO(amoswap.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0x7fffffff80000000UL);
  AMO(amoswap.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x176543210UL);
  AMO(amoadd.d, 0, 5, 3, 5, 8);
  AMO(amoadd.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 0);
  AMO(amoadd.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffffffffffUL);
  AMO(amoadd.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0xffffffffffffffffUL);
  AMO(amoadd.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000008UL);
  AMO(amoadd.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0xdeadbef200000005UL);
  AMO(amoadd.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x1234567800000000UL);
  AMO(amoadd.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeefffffffffUL);
  AMO(amoadd.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0x5eadbeee80000000UL);
  AMO(amoadd.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x1ffffffffUL);
  AMO(amoxor.d, 0, 5, 3, 5, 6);
  AMO(amoxor.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 0xfffffffffffffffeUL);
  AMO(amoxor.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffffffffffUL);
  AMO(amoxor.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0xffffffffffffffffUL);
  AMO(amoxor.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000006UL);
  AMO(amoxor.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0xdeadbeec00000005UL);
  AMO(amoxor.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x12345678fffffffeUL);
  AMO(amoxor.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeefffffffffUL);
  AMO(amoxor.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0xa152411080000000UL);
  AMO(amoxor.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x1ffffffffUL);
  AMO(amoand.d, 0, 5, 3, 5, 1);
  AMO(amoand.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 1);
  AMO(amoand.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0);
  AMO(amoand.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0);
  AMO(amoand.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000001UL);
  AMO(amoand.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0x300000005UL);
  AMO(amoand.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x1234567800000001UL);
  AMO(amoand.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeef00000000UL);
  AMO(amoand.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0x5eadbeef80000000UL);
  AMO(amoand.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x100000000UL);
  AMO(amoor.d, 0, 5, 3, 5, 7);
  AMO(amoor.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 0xffffffffffffffffUL);
  AMO(amoor.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0xffffffffffffffffUL);
  AMO(amoor.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0xffffffffffffffffUL);
  AMO(amoor.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000007UL);
  AMO(amoor.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0xdeadbeef00000005UL);
  AMO(amoor.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x12345678ffffffffUL);
  AMO(amoor.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeefffffffffUL);
  AMO(amoor.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0xffffffff80000000UL);
  AMO(amoor.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x1ffffffffUL);
  AMO(amomin.d, 0, 5, 3, 5, 3);
  AMO(amomin.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 0xffffffffffffffffUL);
  AMO(amomin.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0x8000000000000000UL);
  AMO(amomin.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0xfedcba9876543210UL);
  AMO(amomin.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000003UL);
  AMO(amomin.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0xdeadbeef00000005UL);
  AMO(amomin.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x12345678ffffffffUL);
  AMO(amomin.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeef80000000UL);
  AMO(amomin.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0xdeadbeef80000000UL);
  AMO(amomin.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x189abcdefUL);
  AMO(amomax.d, 0, 5, 3, 5, 5);
  AMO(amomax.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 1);
  AMO(amomax.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0x7fffffffffffffffUL);
  AMO(amomax.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0x123456789abcdefUL);
  AMO(amomax.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000005UL);
  AMO(amomax.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0x300000005UL);
  AMO(amomax.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x1234567800000001UL);
  AMO(amomax.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeef7fffffffUL);
  AMO(amomax.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0x7fffffff80000000UL);
  AMO(amomax.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x176543210UL);
  AMO(amominu.d, 0, 5, 3, 5, 3);
  AMO(amominu.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 1);
  AMO(amominu.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0x7fffffffffffffffUL);
  AMO(amominu.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0x123456789abcdefUL);
  AMO(amominu.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000003UL);
  AMO(amominu.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0x300000005UL);
  AMO(amominu.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x1234567800000001UL);
  AMO(amominu.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeef7fffffffUL);
  AMO(amominu.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0x7fffffff80000000UL);
  AMO(amominu.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x176543210UL);
  AMO(amomaxu.d, 0, 5, 3, 5, 5);
  AMO(amomaxu.d, 0, 0xffffffffffffffffUL, 1, 0xffffffffffffffffUL, 0xffffffffffffffffUL);
  AMO(amomaxu.d, 0, 0x8000000000000000UL, 0x7fffffffffffffffUL, 0x8000000000000000UL, 0x8000000000000000UL);
  AMO(amomaxu.d, 0, 0x123456789abcdefUL, 0xfedcba9876543210UL, 0x123456789abcdefUL, 0xfedcba9876543210UL);
  AMO(amomaxu.w, 0, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 5, 0xdeadbeef00000005UL);
  AMO(amomaxu.w, 4, 0xdeadbeef00000005UL, 0xcafef00d00000003UL, 0xffffffffdeadbeefUL, 0xdeadbeef00000005UL);
  AMO(amomaxu.w, 0, 0x12345678ffffffffUL, 1, 0xffffffffffffffffUL, 0x12345678ffffffffUL);
  AMO(amomaxu.w, 0, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffff80000000UL, 0xdeadbeef80000000UL);
  AMO(amomaxu.w, 4, 0xdeadbeef80000000UL, 0xffffffff7fffffffUL, 0xffffffffdeadbeefUL, 0xdeadbeef80000000UL);
  AMO(amomaxu.w, 0, 0x189abcdefUL, 0xabcdef0176543210UL, 0xffffffff89abcdefUL, 0x189abcdefUL);
}

static void test_amo_special(void) {
  uint64_t r;
  /* rd == rs2: the old memory value lands in rd, the old register value in memory */
  amem[1] = 111;
  r = 222;
  asm volatile(NORVC "amoswap.d %0, %0, (%1)" POPRVC : "+r"(r) : "r"(&amem[1]) : "memory");
  check("amoswap.d rd=rs2 rd", r, 111);
  check("amoswap.d rd=rs2 mem", amem[1], 222);
  r = 5;
  asm volatile(NORVC "amoadd.w %0, %0, (%1)" POPRVC : "+r"(r) : "r"(&amem[1]) : "memory");
  check("amoadd.w rd=rs2 rd", r, 222);
  check("amoadd.w rd=rs2 mem", amem[1], 227);
  /* rd == x0: memory is still updated */
  asm volatile(NORVC "amoadd.d x0, %1, (%0)" POPRVC ::"r"(&amem[1]), "r"(10UL) : "memory");
  check("amoadd.d rd=x0 mem", amem[1], 237);
  /* aq / rl / aqrl encodings behave like the plain forms */
  amem[1] = 0x100000001UL;
  asm volatile(NORVC "amoadd.w.aq %0, %2, (%1)" POPRVC : "=&r"(r) : "r"(&amem[1]), "r"(1UL) : "memory");
  check("amoadd.w.aq", r, 1);
  asm volatile(NORVC "amoor.d.rl %0, %2, (%1)" POPRVC : "=&r"(r) : "r"(&amem[1]), "r"(0xf0UL) : "memory");
  check("amoor.d.rl", r, 0x100000002UL);
  asm volatile(NORVC "amoswap.d.aqrl %0, %2, (%1)" POPRVC : "=&r"(r) : "r"(&amem[1]), "r"(-1UL) : "memory");
  check("amoswap.d.aqrl", r, 0x1000000f2UL);
  asm volatile(NORVC "amomaxu.w.aqrl %0, %2, (%1)" POPRVC : "=&r"(r) : "r"(&amem[1]), "r"(7UL) : "memory");
  check("amomaxu.w.aqrl", r, 0xffffffffffffffffUL);
  asm volatile(NORVC "amominu.w.rl %0, %2, (%1)" POPRVC : "=&r"(r) : "r"(&amem[1]), "r"(7UL) : "memory");
  check("amominu.w.rl", r, 0xffffffffffffffffUL);
  check("amominu.w.rl mem", amem[1], 0xffffffff00000007UL);
}

/* Atomic increment with an LR/SC retry loop (a constrained loop: eventual success is
 * guaranteed). Returns the value LR observed; *status = final SC result. */
#define LRSC_INC(lr, sc, addr, old, status) \
  asm volatile(NORVC                        \
               "li t1, 0\n"                 \
               "1: addi t1, t1, 1\n" #lr    \
               " %0, (%2)\n"                \
               "addi t0, %0, 1\n" #sc       \
               " %1, t0, (%2)\n"            \
               "beqz %1, 2f\n"              \
               "li t0, 64\n"                \
               "bltu t1, t0, 1b\n"          \
               "2:" POPRVC                  \
               : "=&r"(old), "=&r"(status)  \
               : "r"(addr)                  \
               : "t0", "t1", "memory")

static void test_lrsc(void) {
  uint64_t old, st;

  amem[1] = 0x7fffffffffffffffUL;
  LRSC_INC(lr.d, sc.d, &amem[1], old, st);
  check("lr.d value", old, 0x7fffffffffffffffUL);
  check("sc.d success", st, 0);
  check("sc.d mem", amem[1], 0x8000000000000000UL);

  /* lr.w sign-extends; sc.w writes only its word */
  amem[1] = 0x12345678ffffffffUL;
  LRSC_INC(lr.w, sc.w, &amem[1], old, st);
  check("lr.w value", old, 0xffffffffffffffffUL);
  check("sc.w success", st, 0);
  check("sc.w mem", amem[1], 0x1234567800000000UL);

  amem[1] = 0x8000000012345678UL;
  LRSC_INC(lr.w.aq, sc.w.rl, (char*)&amem[1] + 4, old, st);
  check("lr.w.aq value", old, 0xffffffff80000000UL);
  check("sc.w.rl success", st, 0);
  check("sc.w.rl mem", amem[1], 0x8000000112345678UL);

  amem[1] = 41;
  LRSC_INC(lr.d.aqrl, sc.d.aqrl, &amem[1], old, st);
  check("lr.d.aqrl value", old, 41);
  check("sc.d.aqrl success", st, 0);
  check("sc.d.aqrl mem", amem[1], 42);

  /* Every SC invalidates the reservation, so an SC right after an SC must fail and must
   * not write memory. */
  amem[1] = 1000;
  amem[2] = 2000;
  asm volatile(NORVC "lr.d t0, (%1)\n sc.d %0, t0, (%1)" POPRVC : "=&r"(st) : "r"(&amem[1]) : "t0", "memory");
  asm volatile(NORVC "sc.d %0, %2, (%1)" POPRVC : "=&r"(st) : "r"(&amem[1]), "r"(7UL) : "memory");
  check("sc.d no reservation fails", st != 0, 1);
  check("sc.d no reservation mem", amem[1], 1000);
  asm volatile(NORVC "sc.w %0, %2, (%1)" POPRVC : "=&r"(st) : "r"(&amem[2]), "r"(7UL) : "memory");
  check("sc.w no reservation fails", st != 0, 1);
  check("sc.w no reservation mem", amem[2], 2000);
  /* a fresh LR/SC pair still works after failed SCs */
  LRSC_INC(lr.d, sc.d, &amem[2], old, st);
  check("lr.d after failed sc", old, 2000);
  check("sc.d after failed sc", st, 0);
  check("sc.d after failed sc mem", amem[2], 2001);
  /* sc with rd = x0 and no reservation: memory is not written */
  asm volatile(NORVC "sc.d x0, %1, (%0)" POPRVC ::"r"(&amem[2]), "r"(9UL) : "memory");
  check("sc.d x0 no reservation mem", amem[2], 2001);
}

int main(void) {
  test_amo();
  test_amo_special();
  test_lrsc();
  finish("isa_rv64a");
}
