/* isa_rv64fd: self-checking test of the F and D extensions (and the compressed
 * double-precision loads and stores). Built for rv64imafdc with the lp64d ABI; start.S
 * sets mstatus.FS = Initial before any C code runs.
 *
 * Part 1 uses no floating-point CSR: every instruction with static rounding modes, NaN
 * boxing, canonical NaNs, signed zeros, fused multiply-add, min/max, comparisons, fclass,
 * saturating conversions, loads/stores/moves, and compiled C floating-point code.
 * Part 2 needs fflags/frm/fcsr: the five exception flags, dynamic rounding, the CSR views
 * of fcsr, and the illegal-instruction trap for an invalid dynamic rounding mode.
 *
 * Operands are raw bit patterns moved into ft0-ft2 with fmv.d.x (so single-precision
 * operands can be NaN-boxed or not: S(x) boxes); results come back raw through fmv.x.d.
 * Expected values follow the RISC-V unprivileged spec and are worked out by hand. */
#include "isa.h"
#include "trap.h"

#define S(x) (0xffffffff00000000UL | (uint32_t)(x))
enum { NV = 16, DZ = 8, OF = 4, UF = 2, NX = 1 };

/* insn computes ft3 from ft0, ft1, ft2; returns ft3. */
#define F3(insn, a, b, c)                                                                                        \
  ({                                                                                                             \
    uint64_t r_;                                                                                                 \
    asm volatile(NORVC "fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n fmv.d.x ft2, %3\n " insn "\n fmv.x.d %0, ft3" POPRVC \
                 : "=r"(r_)                                                                                      \
                 : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"((uint64_t)(c))                                    \
                 : "ft0", "ft1", "ft2", "ft3");                                                                  \
    r_;                                                                                                          \
  })
/* insn computes t0 from ft0, ft1; returns t0. */
#define X2(insn, a, b)                                                                   \
  ({                                                                                     \
    uint64_t r_;                                                                         \
    asm volatile(NORVC "fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n " insn "\n mv %0, t0" POPRVC \
                 : "=r"(r_)                                                              \
                 : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                \
                 : "ft0", "ft1", "t0");                                                  \
    r_;                                                                                  \
  })
/* insn computes ft3 from t1; returns ft3. */
#define FX(insn, x)                                                                                                    \
  ({                                                                                                                   \
    uint64_t r_;                                                                                                       \
    asm volatile(NORVC "mv t1, %1\n " insn "\n fmv.x.d %0, ft3" POPRVC : "=r"(r_) : "r"((uint64_t)(x)) : "ft3", "t1"); \
    r_;                                                                                                                \
  })

#define CF(insn, a, b, c, want) check(insn, F3(insn, a, b, c), want)
#define CX(insn, a, b, want) check(insn, X2(insn, a, b), want)
#define CFX(insn, x, want) check(insn, FX(insn, x), want)

/* ---- Part 1: no floating-point CSR ---- */

static void test_rounding_modes(void) {
  /* 1 + 2^-24 is a tie between 1.0 (even) and 1 + 2^-23; -1 - 2^-24 mirrors it. */
  CF("fadd.s ft3, ft0, ft1, rne", S(0x3f800000), S(0x33800000), 0, S(0x3f800000));
  CF("fadd.s ft3, ft0, ft1, rtz", S(0x3f800000), S(0x33800000), 0, S(0x3f800000));
  CF("fadd.s ft3, ft0, ft1, rdn", S(0x3f800000), S(0x33800000), 0, S(0x3f800000));
  CF("fadd.s ft3, ft0, ft1, rup", S(0x3f800000), S(0x33800000), 0, S(0x3f800001));
  CF("fadd.s ft3, ft0, ft1, rmm", S(0x3f800000), S(0x33800000), 0, S(0x3f800001));
  CF("fadd.s ft3, ft0, ft1, rne", S(0xbf800000), S(0xb3800000), 0, S(0xbf800000));
  CF("fadd.s ft3, ft0, ft1, rtz", S(0xbf800000), S(0xb3800000), 0, S(0xbf800000));
  CF("fadd.s ft3, ft0, ft1, rdn", S(0xbf800000), S(0xb3800000), 0, S(0xbf800001));
  CF("fadd.s ft3, ft0, ft1, rup", S(0xbf800000), S(0xb3800000), 0, S(0xbf800000));
  CF("fadd.s ft3, ft0, ft1, rmm", S(0xbf800000), S(0xb3800000), 0, S(0xbf800001));
  /* a tie whose lower neighbour is odd */
  CF("fadd.s ft3, ft0, ft1, rne", S(0x3f800001), S(0x33800000), 0, S(0x3f800002));
  CF("fadd.s ft3, ft0, ft1, rtz", S(0x3f800001), S(0x33800000), 0, S(0x3f800001));
  /* 1 + 2^-53 in double */
  CF("fadd.d ft3, ft0, ft1, rne", 0x3ff0000000000000UL, 0x3ca0000000000000UL, 0, 0x3ff0000000000000UL);
  CF("fadd.d ft3, ft0, ft1, rup", 0x3ff0000000000000UL, 0x3ca0000000000000UL, 0, 0x3ff0000000000001UL);
  CF("fadd.d ft3, ft0, ft1, rmm", 0x3ff0000000000000UL, 0x3ca0000000000000UL, 0, 0x3ff0000000000001UL);
  /* subtraction, multiplication and division round the same way */
  CF("fsub.s ft3, ft0, ft1, rdn", S(0x3f800000), S(0x3f800000), 0, S(0x80000000));
  CF("fsub.d ft3, ft0, ft1, rne", 0x3ff0000000000000UL, 0x3ff0000000000000UL, 0, 0);
  CF("fmul.s ft3, ft0, ft1, rne", S(0x7f7fffff), S(0x40000000), 0, S(0x7f800000));
  CF("fmul.s ft3, ft0, ft1, rtz", S(0x7f7fffff), S(0x40000000), 0, S(0x7f7fffff));
  CF("fmul.d ft3, ft0, ft1, rdn", 0x7fefffffffffffffUL, 0x4000000000000000UL, 0, 0x7fefffffffffffffUL);
  CF("fmul.d ft3, ft0, ft1, rdn", 0xffefffffffffffffUL, 0x4000000000000000UL, 0, 0xfff0000000000000UL);
  CF("fdiv.s ft3, ft0, ft1, rne", S(0x3f800000), S(0x40400000), 0, S(0x3eaaaaab));
  CF("fdiv.s ft3, ft0, ft1, rtz", S(0x3f800000), S(0x40400000), 0, S(0x3eaaaaaa));
  CF("fdiv.d ft3, ft0, ft1, rne", 0x3ff0000000000000UL, 0x4008000000000000UL, 0, 0x3fd5555555555555UL);
  CF("fdiv.d ft3, ft0, ft1, rup", 0x3ff0000000000000UL, 0x4008000000000000UL, 0, 0x3fd5555555555556UL);
  CF("fdiv.s ft3, ft0, ft1, rne", S(0x00800000), S(0x40400000), 0, S(0x002aaaab)); /* subnormal */
  /* sqrt(2): 0x3fb504f3 below and nearer, 0x3fb504f4 above; in double 0x...3bcd above */
  CF("fsqrt.s ft3, ft0, rne", S(0x40000000), 0, 0, S(0x3fb504f3));
  CF("fsqrt.s ft3, ft0, rup", S(0x40000000), 0, 0, S(0x3fb504f4));
  CF("fsqrt.d ft3, ft0, rne", 0x4000000000000000UL, 0, 0, 0x3ff6a09e667f3bcdUL);
  CF("fsqrt.d ft3, ft0, rtz", 0x4000000000000000UL, 0, 0, 0x3ff6a09e667f3bccUL);
  CF("fsqrt.d ft3, ft0, rne", 1, 0, 0, 0x1e60000000000000UL); /* 2^-1074 -> 2^-537 */
  CF("fsqrt.s ft3, ft0, rne", S(0x80000000), 0, 0, S(0x80000000));
  CF("fsqrt.s ft3, ft0, rne", S(0x7f800000), 0, 0, S(0x7f800000));
}

static void test_nans_and_zeros(void) {
  /* NaN results are canonical, whatever the operands' payloads */
  CF("fadd.s ft3, ft0, ft1, rne", S(0x7fc12345), S(0x3f800000), 0, S(0x7fc00000));
  CF("fadd.s ft3, ft0, ft1, rne", S(0xff800001), S(0x3f800000), 0, S(0x7fc00000));
  CF("fmul.d ft3, ft0, ft1, rne", 0xfff8000000000123UL, 0x3ff0000000000000UL, 0, 0x7ff8000000000000UL);
  CF("fsub.s ft3, ft0, ft1, rne", S(0x7f800000), S(0x7f800000), 0, S(0x7fc00000));
  CF("fdiv.d ft3, ft0, ft1, rne", 0, 0x8000000000000000UL, 0, 0x7ff8000000000000UL);
  CF("fsqrt.s ft3, ft0, rne", S(0xbf800000), 0, 0, S(0x7fc00000));
  CF("fsqrt.d ft3, ft0, rne", 0xfff0000000000000UL, 0, 0, 0x7ff8000000000000UL);
  /* operands that are not NaN-boxed read as the canonical NaN */
  CF("fadd.s ft3, ft0, ft1, rne", 0x3f800000, S(0x3f800000), 0, S(0x7fc00000));
  CF("fadd.s ft3, ft0, ft1, rne", 0xfffffffe3f800000UL, S(0x3f800000), 0, S(0x7fc00000));
  CF("fsgnjn.s ft3, ft0, ft1", 0x3f800000, S(0x3f800000), 0, S(0xffc00000));
  CF("fsgnj.s ft3, ft0, ft1", S(0xbf800000), 0x80000000, 0, S(0x3f800000));
  CF("fmin.s ft3, ft0, ft1", 0x3f800000, S(0x40000000), 0, S(0x40000000));
  CF("fcvt.d.s ft3, ft0", 0x3f800000, 0, 0, 0x7ff8000000000000UL);
  CX("fclass.s t0, ft0", 0x3f800000, 0, 0x200);
  /* a boxed single read as a double is a NaN */
  CF("fadd.d ft3, ft0, ft1, rne", S(0x3f800000), 0, 0, 0x7ff8000000000000UL);
  /* signed zeros */
  CF("fadd.s ft3, ft0, ft1, rne", S(0x00000000), S(0x80000000), 0, S(0x00000000));
  CF("fadd.s ft3, ft0, ft1, rdn", S(0x00000000), S(0x80000000), 0, S(0x80000000));
  CF("fadd.d ft3, ft0, ft1, rne", 0x8000000000000000UL, 0x8000000000000000UL, 0, 0x8000000000000000UL);
  CF("fmul.s ft3, ft0, ft1, rne", S(0x80000000), S(0x40a00000), 0, S(0x80000000));
  CF("fdiv.s ft3, ft0, ft1, rne", S(0x3f800000), S(0xff800000), 0, S(0x80000000));
  CF("fdiv.s ft3, ft0, ft1, rne", S(0xbf800000), S(0x00000000), 0, S(0xff800000));
}

static void test_fused(void) {
  /* (1 + 2^-12)^2 - (1 + 2^-11) = 2^-24 exactly; rounding the product first would give 0 */
  CF("fmadd.s ft3, ft0, ft1, ft2, rne", S(0x3f800800), S(0x3f800800), S(0xbf801000), S(0x33800000));
  CF("fmsub.s ft3, ft0, ft1, ft2, rne", S(0x3f800800), S(0x3f800800), S(0x3f801000), S(0x33800000));
  CF("fnmsub.s ft3, ft0, ft1, ft2, rne", S(0x3f800800), S(0x3f800800), S(0x3f801000), S(0xb3800000));
  CF("fnmadd.s ft3, ft0, ft1, ft2, rne", S(0x3f800800), S(0x3f800800), S(0xbf801000), S(0xb3800000));
  /* (1 + 2^-30)^2 - (1 + 2^-29) = 2^-60 */
  CF("fmadd.d ft3, ft0, ft1, ft2, rne", 0x3ff0000000400000UL, 0x3ff0000000400000UL, 0xbff0000000800000UL,
     0x3c30000000000000UL);
  CF("fmsub.d ft3, ft0, ft1, ft2, rne", 0x3ff0000000400000UL, 0x3ff0000000400000UL, 0x3ff0000000800000UL,
     0x3c30000000000000UL);
  CF("fnmsub.d ft3, ft0, ft1, ft2, rne", 0x3ff0000000400000UL, 0x3ff0000000400000UL, 0x3ff0000000800000UL,
     0xbc30000000000000UL);
  CF("fnmadd.d ft3, ft0, ft1, ft2, rne", 0x3ff0000000400000UL, 0x3ff0000000400000UL, 0xbff0000000800000UL,
     0xbc30000000000000UL);
  /* (+0 * 5) + -0 is +0, but -0 when rounding down */
  CF("fmadd.s ft3, ft0, ft1, ft2, rne", S(0), S(0x40a00000), S(0x80000000), S(0));
  CF("fmadd.s ft3, ft0, ft1, ft2, rdn", S(0), S(0x40a00000), S(0x80000000), S(0x80000000));
  CF("fmadd.s ft3, ft0, ft1, ft2, rne", S(0x7f800000), S(0), S(0x7fc00000), S(0x7fc00000));
}

static void test_sign_minmax_compare_class(void) {
  CF("fsgnj.d ft3, ft0, ft1", 0x3ff0000000000000UL, 0xc000000000000000UL, 0, 0xbff0000000000000UL);
  CF("fsgnjn.d ft3, ft0, ft1", 0x3ff0000000000000UL, 0xc000000000000000UL, 0, 0x3ff0000000000000UL);
  CF("fsgnjx.d ft3, ft0, ft1", 0xbff0000000000000UL, 0xc000000000000000UL, 0, 0x3ff0000000000000UL);
  CF("fsgnj.s ft3, ft0, ft1", S(0x7f812345), S(0xbf800000), 0, S(0xff812345)); /* payload kept */
  CF("fsgnjx.s ft3, ft0, ft1", S(0xbf800000), S(0x3f800000), 0, S(0xbf800000));
  CF("fmin.s ft3, ft0, ft1", S(0x00000000), S(0x80000000), 0, S(0x80000000));
  CF("fmax.s ft3, ft0, ft1", S(0x80000000), S(0x00000000), 0, S(0x00000000));
  CF("fmin.d ft3, ft0, ft1", 0x8000000000000000UL, 0, 0, 0x8000000000000000UL);
  CF("fmin.s ft3, ft0, ft1", S(0x7fc00000), S(0x3f800000), 0, S(0x3f800000));
  CF("fmax.s ft3, ft0, ft1", S(0x7f800001), S(0x3f800000), 0, S(0x3f800000));
  CF("fmax.d ft3, ft0, ft1", 0x7ff0000000000001UL, 0xbfe0000000000000UL, 0, 0xbfe0000000000000UL);
  CF("fmin.s ft3, ft0, ft1", S(0x7fc12345), S(0xffc00000), 0, S(0x7fc00000));
  CF("fmin.s ft3, ft0, ft1", S(0xff800000), S(0x40400000), 0, S(0xff800000));
  CF("fmax.d ft3, ft0, ft1", 0xfff0000000000000UL, 0x4008000000000000UL, 0, 0x4008000000000000UL);
  CX("feq.s t0, ft0, ft1", S(0x80000000), S(0x00000000), 1);
  CX("flt.s t0, ft0, ft1", S(0x80000000), S(0x00000000), 0);
  CX("fle.s t0, ft0, ft1", S(0x80000000), S(0x00000000), 1);
  CX("flt.s t0, ft0, ft1", S(0x3f800000), S(0x40000000), 1);
  CX("fle.s t0, ft0, ft1", S(0x40000000), S(0x3f800000), 0);
  CX("feq.s t0, ft0, ft1", S(0x7fc00000), S(0x7fc00000), 0);
  CX("flt.d t0, ft0, ft1", 0xfff0000000000000UL, 0x7fefffffffffffffUL, 1);
  CX("fle.d t0, ft0, ft1", 0x7ff0000000000000UL, 0x7ff0000000000000UL, 1);
  CX("feq.d t0, ft0, ft1", 0x7ff8000000000000UL, 0x3ff0000000000000UL, 0);
  static const uint32_t singles[10] = {0xff800000, 0xbf800000, 0x80000001, 0x80000000, 0x00000000,
                                       0x00000001, 0x3f800000, 0x7f800000, 0x7f800001, 0x7fc00000};
  static const uint64_t doubles[10] = {
      0xfff0000000000000UL, 0xbff0000000000000UL, 0x800fffffffffffffUL, 0x8000000000000000UL, 0x0000000000000000UL,
      0x0000000000000001UL, 0x3ff0000000000000UL, 0x7ff0000000000000UL, 0x7ff4000000000000UL, 0xfff8000000000000UL};
  for (int k = 0; k < 10; k++) {
    CX("fclass.s t0, ft0", S(singles[k]), 0, 1UL << k);
    CX("fclass.d t0, ft0", doubles[k], 0, 1UL << k);
  }
}

static void test_conversions(void) {
  CX("fcvt.w.s t0, ft0, rne", S(0x40200000), 0, 2); /* 2.5 */
  CX("fcvt.w.s t0, ft0, rup", S(0x40200000), 0, 3);
  CX("fcvt.w.s t0, ft0, rmm", S(0x40200000), 0, 3);
  CX("fcvt.w.s t0, ft0, rne", S(0xc0200000), 0, -2UL); /* -2.5 */
  CX("fcvt.w.s t0, ft0, rdn", S(0xc0200000), 0, -3UL);
  CX("fcvt.w.s t0, ft0, rtz", S(0xc0200000), 0, -2UL);
  CX("fcvt.w.s t0, ft0, rmm", S(0xc0200000), 0, -3UL);
  /* saturation: NaN and +inf to the maximum, -inf and low values to the minimum */
  CX("fcvt.w.s t0, ft0, rtz", S(0x7fc00000), 0, 0x7fffffff);
  CX("fcvt.w.s t0, ft0, rtz", S(0xff800000), 0, 0xffffffff80000000UL);
  CX("fcvt.w.s t0, ft0, rtz", S(0x4f32d05e), 0, 0x7fffffff); /* 3e9 */
  CX("fcvt.wu.s t0, ft0, rtz", S(0x4f32d05e), 0, 0xffffffffb2d05e00UL);
  CX("fcvt.wu.s t0, ft0, rne", S(0xbf000000), 0, 0); /* -0.5 rounds to -0: in range */
  CX("fcvt.wu.s t0, ft0, rdn", S(0xbf000000), 0, 0); /* -1: out of range, saturates to 0 */
  CX("fcvt.wu.s t0, ft0, rtz", S(0x7fc00000), 0, 0xffffffffffffffffUL);
  CX("fcvt.l.s t0, ft0, rtz", S(0x5f000000), 0, 0x7fffffffffffffffUL);
  CX("fcvt.l.s t0, ft0, rtz", S(0xdf000000), 0, 0x8000000000000000UL);
  CX("fcvt.lu.s t0, ft0, rtz", S(0x5f800000), 0, 0xffffffffffffffffUL);
  CX("fcvt.lu.s t0, ft0, rtz", S(0x5f7fffff), 0, 0xffffff0000000000UL);
  CX("fcvt.w.d t0, ft0, rtz", 0xc1e0000000100000UL, 0, 0xffffffff80000000UL); /* -2^31 - 0.5 */
  CX("fcvt.w.d t0, ft0, rdn", 0xc1e0000000100000UL, 0, 0xffffffff80000000UL);
  CX("fcvt.w.d t0, ft0, rne", 0x41dfffffffe00000UL, 0, 0x7fffffff); /* 2^31 - 0.5 */
  CX("fcvt.wu.d t0, ft0, rtz", 0x41effffffff00000UL, 0, 0xffffffffffffffffUL);
  CX("fcvt.l.d t0, ft0, rtz", 0x43e0000000000000UL, 0, 0x7fffffffffffffffUL);
  CX("fcvt.l.d t0, ft0, rtz", 0xbff8000000000000UL, 0, -1UL);
  CX("fcvt.lu.d t0, ft0, rtz", 0x43efffffffffffffUL, 0, 0xfffffffffffff800UL);
  CX("fcvt.lu.d t0, ft0, rtz", 0xfff0000000000000UL, 0, 0);
  CFX("fcvt.s.w ft3, t1, rne", 0x1000001, S(0x4b800000));
  CFX("fcvt.s.w ft3, t1, rup", 0xdeadbeef01000001UL, S(0x4b800001));
  CFX("fcvt.s.wu ft3, t1, rtz", 0xffffffff, S(0x4f7fffff));
  CFX("fcvt.s.l ft3, t1, rne", 0x8000000000000000UL, S(0xdf000000));
  CFX("fcvt.s.lu ft3, t1, rne", ~0UL, S(0x5f800000));
  CFX("fcvt.d.w ft3, t1", 0xffffffff80000000UL, 0xc1e0000000000000UL);
  CFX("fcvt.d.wu ft3, t1", 0xffffffff00000005UL, 0x4014000000000000UL);
  CFX("fcvt.d.l ft3, t1, rne", 0x20000000000001UL, 0x4340000000000000UL);
  CFX("fcvt.d.lu ft3, t1, rtz", ~0UL, 0x43efffffffffffffUL);
  CF("fcvt.s.d ft3, ft0, rne", 0x3fb999999999999aUL, 0, 0, S(0x3dcccccd)); /* 0.1 */
  CF("fcvt.s.d ft3, ft0, rne", 0x7e37e43c8800759cUL, 0, 0, S(0x7f800000)); /* 1e300 */
  CF("fcvt.s.d ft3, ft0, rtz", 0x7e37e43c8800759cUL, 0, 0, S(0x7f7fffff));
  CF("fcvt.s.d ft3, ft0, rne", 0x380ffffff0000000UL, 0, 0, S(0x00800000));
  CF("fcvt.s.d ft3, ft0, rtz", 0x380ffffff0000000UL, 0, 0, S(0x007fffff));
  CF("fcvt.s.d ft3, ft0, rne", 0x7ff0000000000001UL, 0, 0, S(0x7fc00000));
  CF("fcvt.d.s ft3, ft0", S(0x3fc00000), 0, 0, 0x3ff8000000000000UL);
  CF("fcvt.d.s ft3, ft0", S(0x00000001), 0, 0, 0x36a0000000000000UL);
  CF("fcvt.d.s ft3, ft0", S(0xff800001), 0, 0, 0x7ff8000000000000UL);
}

static void test_loads_stores_moves(void) {
  static volatile uint64_t mem[4] __attribute__((aligned(16)));
  uint64_t r;
  mem[0] = 0x8877665544332211UL;
  mem[1] = 0x0123456789abcdefUL;
  /* flw NaN-boxes; fld loads 64 bits */
  asm volatile(NORVC "flw ft0, 4(%1)\n fmv.x.d %0, ft0" POPRVC : "=r"(r) : "r"(mem) : "ft0", "memory");
  check("flw", r, S(0x88776655));
  asm volatile(NORVC "fld ft0, 8(%1)\n fmv.x.d %0, ft0" POPRVC : "=r"(r) : "r"(mem) : "ft0", "memory");
  check("fld", r, 0x0123456789abcdefUL);
  /* fsw stores the low word of an unboxed register; fsd all 64 bits */
  mem[2] = ~0UL;
  asm volatile(NORVC "fmv.d.x ft0, %0\n fsw ft0, 20(%1)" POPRVC ::"r"(0x1122334455667788UL), "r"(mem)
               : "ft0", "memory");
  check("fsw", mem[2], 0x55667788ffffffffUL);
  asm volatile(NORVC "fmv.d.x ft0, %0\n fsd ft0, 24(%1)" POPRVC ::"r"(0x1122334455667788UL), "r"(mem)
               : "ft0", "memory");
  check("fsd", mem[3], 0x1122334455667788UL);
  /* compressed forms: c.fld/c.fsd on x8-x15 and f8-f15, c.fldsp/c.fsdsp on sp */
  asm volatile(
      ".option push\n.option rvc\n mv a5, %1\n c.fld fa0, 8(a5)\n c.fsd fa0, 16(a5)\n fmv.x.d %0, fa0\n"
      ".option pop"
      : "=r"(r)
      : "r"(mem)
      : "a5", "fa0", "memory");
  check("c.fld", r, 0x0123456789abcdefUL);
  check("c.fsd", mem[2], 0x0123456789abcdefUL);
  asm volatile(
      ".option push\n.option rvc\n fmv.d.x fa1, %1\n addi sp, sp, -16\n c.fsdsp fa1, 8(sp)\n"
      " c.fldsp fa2, 8(sp)\n addi sp, sp, 16\n fmv.x.d %0, fa2\n.option pop"
      : "=r"(r)
      : "r"(0xfedcba9876543210UL)
      : "fa1", "fa2", "memory");
  check("c.fsdsp/c.fldsp", r, 0xfedcba9876543210UL);
  /* moves: fmv.x.w sign-extends, fmv.w.x NaN-boxes, the D forms copy */
  CX("fmv.x.w t0, ft0", 0x1234567880000001UL, 0, 0xffffffff80000001UL);
  CFX("fmv.w.x ft3, t1", 0x1234567887654321UL, S(0x87654321));
  CX("fmv.x.d t0, ft0", 0x7ff0000000000001UL, 0, 0x7ff0000000000001UL);
  CFX("fmv.d.x ft3, t1", 0x8000000000000001UL, 0x8000000000000001UL);
}

/* Compiled code: the compiler's own choice of loads, stores, spills, calls with
 * floating-point arguments and conversions. Every value here is exact. */
static double __attribute__((noinline)) poly(double x, double a, double b, double c, double d) {
  return ((a * x + b) * x + c) * x + d; /* Horner */
}
static float __attribute__((noinline)) sum_floats(const float* v, int n) {
  float s = 0;
  for (int k = 0; k < n; k++) s += v[k];
  return s;
}
static uint64_t bits_d(double d) {
  uint64_t u;
  memcpy(&u, &d, 8);
  return u;
}
static uint64_t bits_f(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static void test_compiled_code(void) {
  volatile double x = 0.5, neg = -2.75, big = 3e9;
  check("C poly(0.5)", bits_d(poly(x, 8, -4, 2, 1.25)), 0x4002000000000000UL); /* 2 * 0.5 + 1.25 = 2.25 */
  static const float v[6] = {0.5f, 0.25f, 1.75f, -1.0f, 3.0f, 0.125f};
  check("C sum_floats", bits_f(sum_floats(v, 6)), 0x40940000); /* 4.625 */
  check("C (int)-2.75", (uint64_t)(int64_t)(int)neg, -2UL);
  check("C (unsigned)3e9", (unsigned)big, 3000000000UL);
  check("C (double)-7L", bits_d((double)(int64_t) - (int64_t)(x * 14)), 0xc01c000000000000UL);
  double acc = 0;
  for (int k = 1; k <= 10; k++) acc += k / 8.0;
  volatile double sink = acc;
  check("C sum k/8", bits_d(sink), 0x401b800000000000UL); /* 6.875 */
}

/* ---- Part 2: needs fflags, frm and fcsr ---- */

/* Like F3/X2 but clears fflags first and also returns the flags raised. */
#define F3_FLAGS(insn, a, b, c, flags)                                                              \
  ({                                                                                                \
    uint64_t r_;                                                                                    \
    asm volatile(NORVC "fmv.d.x ft0, %2\n fmv.d.x ft1, %3\n fmv.d.x ft2, %4\n fsflags zero\n " insn \
                       "\n frflags %1\n fmv.x.d %0, ft3" POPRVC                                     \
                 : "=&r"(r_), "=&r"(flags)                                                          \
                 : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"((uint64_t)(c))                       \
                 : "ft0", "ft1", "ft2", "ft3");                                                     \
    r_;                                                                                             \
  })
#define X2_FLAGS(insn, a, b, flags)                                                                                  \
  ({                                                                                                                 \
    uint64_t r_;                                                                                                     \
    asm volatile(NORVC "fmv.d.x ft0, %2\n fmv.d.x ft1, %3\n fsflags zero\n " insn "\n frflags %1\n mv %0, t0" POPRVC \
                 : "=&r"(r_), "=&r"(flags)                                                                           \
                 : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                                            \
                 : "ft0", "ft1", "t0");                                                                              \
    r_;                                                                                                              \
  })
#define CFF(insn, a, b, c, want, want_flags)         \
  do {                                               \
    uint64_t fl_, r_ = F3_FLAGS(insn, a, b, c, fl_); \
    check(insn, r_, want);                           \
    check(insn " fflags", fl_, want_flags);          \
  } while (0)
#define CXF(insn, a, b, want, want_flags)         \
  do {                                            \
    uint64_t fl_, r_ = X2_FLAGS(insn, a, b, fl_); \
    check(insn, r_, want);                        \
    check(insn " fflags", fl_, want_flags);       \
  } while (0)

static void test_flags(void) {
  CFF("fadd.s ft3, ft0, ft1, rne", S(0x3f800000), S(0x3f800000), 0, S(0x40000000), 0);
  CFF("fadd.s ft3, ft0, ft1, rne", S(0x3f800000), S(0x33800000), 0, S(0x3f800000), NX);
  CFF("fdiv.s ft3, ft0, ft1, rne", S(0x3f800000), S(0), 0, S(0x7f800000), DZ);
  CFF("fdiv.d ft3, ft0, ft1, rne", 0x7ff0000000000000UL, 0, 0, 0x7ff0000000000000UL, 0); /* inf/0: no DZ */
  CFF("fdiv.s ft3, ft0, ft1, rne", S(0), S(0), 0, S(0x7fc00000), NV);
  CFF("fmul.s ft3, ft0, ft1, rne", S(0x7f7fffff), S(0x40000000), 0, S(0x7f800000), OF | NX);
  CFF("fmul.s ft3, ft0, ft1, rtz", S(0x7f7fffff), S(0x40000000), 0, S(0x7f7fffff), OF | NX);
  CFF("fdiv.s ft3, ft0, ft1, rne", S(0x00800000), S(0x40400000), 0, S(0x002aaaab), UF | NX);
  CFF("fmul.s ft3, ft0, ft1, rne", S(0x00800000), S(0x3f000000), 0, S(0x00400000), 0); /* exact: no UF */
  /* tininess after rounding: rounds up to the smallest normal, so only inexact */
  CFF("fcvt.s.d ft3, ft0, rne", 0x380ffffff0000000UL, 0, 0, S(0x00800000), NX);
  CFF("fcvt.s.d ft3, ft0, rtz", 0x380ffffff0000000UL, 0, 0, S(0x007fffff), UF | NX);
  CFF("fcvt.s.d ft3, ft0, rne", 0x47effffff0000000UL, 0, 0, S(0x7f800000), OF | NX);
  CFF("fcvt.s.d ft3, ft0, rtz", 0x47effffff0000000UL, 0, 0, S(0x7f7fffff), NX);
  CFF("fadd.s ft3, ft0, ft1, rne", S(0x7f800001), S(0x3f800000), 0, S(0x7fc00000), NV);
  CFF("fadd.s ft3, ft0, ft1, rne", S(0x7fc00001), S(0x3f800000), 0, S(0x7fc00000), 0);
  CFF("fmadd.s ft3, ft0, ft1, ft2, rne", S(0x7f800000), S(0), S(0x7fc00000), S(0x7fc00000), NV);
  CFF("fmin.s ft3, ft0, ft1", S(0x7f800001), S(0x3f800000), 0, S(0x3f800000), NV);
  CFF("fmax.s ft3, ft0, ft1", S(0x7fc00000), S(0x3f800000), 0, S(0x3f800000), 0);
  CFF("fsgnj.s ft3, ft0, ft1", S(0x7f800001), S(0x3f800000), 0, S(0x7f800001), 0);
  CFF("fcvt.d.s ft3, ft0", S(0x7f800001), 0, 0, 0x7ff8000000000000UL, NV);
  CXF("feq.s t0, ft0, ft1", S(0x7fc00000), S(0x3f800000), 0, 0);
  CXF("feq.s t0, ft0, ft1", S(0x7f800001), S(0x3f800000), 0, NV);
  CXF("flt.s t0, ft0, ft1", S(0x7fc00000), S(0x3f800000), 0, NV);
  CXF("fle.d t0, ft0, ft1", 0x3ff0000000000000UL, 0x7ff8000000000000UL, 0, NV);
  CXF("fclass.d t0, ft0", 0x7ff0000000000001UL, 0, 0x100, 0);
  CXF("fcvt.w.s t0, ft0, rne", S(0x40200000), 0, 2, NX);
  CXF("fcvt.w.s t0, ft0, rtz", S(0x4f000000), 0, 0x7fffffff, NV); /* 2^31: out of range, no NX */
  CXF("fcvt.w.s t0, ft0, rtz", S(0xcf000000), 0, 0xffffffff80000000UL, 0);
  CXF("fcvt.wu.s t0, ft0, rne", S(0xbf000000), 0, 0, NX);
  CXF("fcvt.wu.s t0, ft0, rdn", S(0xbf000000), 0, 0, NV);
  CXF("fcvt.lu.d t0, ft0, rtz", 0x43f0000000000000UL, 0, 0xffffffffffffffffUL, NV);
  CXF("fcvt.l.d t0, ft0, rtz", 0xc3e0000000000000UL, 0, 0x8000000000000000UL, 0);
  /* flags accrue: nothing clears them but a CSR write */
  uint64_t fl;
  asm volatile(NORVC
               "fsflags zero\n fmv.w.x ft0, zero\n li t0, 0x3f800000\n fmv.w.x ft1, t0\n"
               " fdiv.s ft2, ft1, ft0\n fsub.s ft2, ft2, ft2\n fadd.s ft2, ft1, ft1\n frflags %0" POPRVC
               : "=r"(fl)::"ft0", "ft1", "ft2", "t0");
  check("flags accrue (DZ, NV, then exact)", fl, DZ | NV);
}

static void test_dynamic_rounding(void) {
  static const struct {
    uint64_t frm, want_up, want_down;
  } modes[5] = {{0, S(0x3f800000), S(0xbf800000)},
                {1, S(0x3f800000), S(0xbf800000)},
                {2, S(0x3f800000), S(0xbf800001)},
                {3, S(0x3f800001), S(0xbf800000)},
                {4, S(0x3f800001), S(0xbf800001)}};
  for (int k = 0; k < 5; k++) {
    CSR_WRITE(frm, modes[k].frm);
    check("frm readback", CSR_READ(frm), modes[k].frm);
    check("fadd.s dyn (1 + 2^-24)", F3("fadd.s ft3, ft0, ft1", S(0x3f800000), S(0x33800000), 0), modes[k].want_up);
    check("fadd.s dyn (-1 - 2^-24)", F3("fadd.s ft3, ft0, ft1, dyn", S(0xbf800000), S(0xb3800000), 0),
          modes[k].want_down);
  }
  CSR_WRITE(frm, 2);
  check("fcvt.w.d dyn rdn", X2("fcvt.w.d t0, ft0", 0xbff8000000000000UL, 0), -2UL);
  check("fsqrt.d dyn rdn", F3("fsqrt.d ft3, ft0", 0x4000000000000000UL, 0, 0), 0x3ff6a09e667f3bccUL);
  check("fmadd.d dyn rdn: -0", F3("fmadd.d ft3, ft0, ft1, ft2", 0, 0x3ff0000000000000UL, 0x8000000000000000UL),
        0x8000000000000000UL);
  CSR_WRITE(frm, 0);
}

static void test_fcsr_views(void) {
  uint64_t old;
  CSR_WRITE(fcsr, 0);
  asm volatile("csrrw %0, fcsr, %1" : "=r"(old) : "r"(~0UL));
  check("fcsr old", old, 0);
  check("fcsr is 8 bits", CSR_READ(fcsr), 0xff);
  check("frm view", CSR_READ(frm), 7);
  check("fflags view", CSR_READ(fflags), 0x1f);
  CSR_WRITE(fflags, 0x21);
  check("fflags write keeps frm", CSR_READ(fcsr), 0xe1);
  CSR_WRITE(frm, 0xb);
  check("frm write keeps fflags", CSR_READ(fcsr), 0x61);
  asm volatile("csrrsi %0, fflags, 0x6" : "=r"(old));
  check("csrrsi fflags old", old, 1);
  asm volatile("csrrci %0, frm, 0x1" : "=r"(old));
  check("csrrci frm old", old, 3);
  check("fcsr after set/clear", CSR_READ(fcsr), 0x47);
  CSR_WRITE(fcsr, 0);
  uint64_t misa = CSR_READ(misa);
  check("misa.F", (misa >> ('F' - 'A')) & 1, 1);
  check("misa.D", (misa >> ('D' - 'A')) & 1, 1);
}

static void test_invalid_rounding_mode_traps(void) {
  trap_install_direct();
  static const uint64_t invalid[3] = {5, 6, 7};
  for (int k = 0; k < 3; k++) {
    trap_reset();
    CSR_WRITE(frm, invalid[k]);
    uint64_t epc, r;
    /* ft0 = 1.0; the trapping fadd.d would make it 2.0 */
    asm volatile(NORVC "la %0, 1f\n fmv.d.x ft0, %2\n 1: fadd.d ft0, ft0, ft0\n fmv.x.d %1, ft0" POPRVC
                 : "=&r"(epc), "=&r"(r)
                 : "r"(0x3ff0000000000000UL)
                 : "ft0");
    CSR_WRITE(frm, 0);
    check("invalid frm: one trap", trap_rec.count, 1);
    check("invalid frm: illegal instruction", trap_rec.cause, 2);
    check("invalid frm: mepc", trap_rec.epc, epc);
    check("invalid frm: no write-back", r, 0x3ff0000000000000UL);
    check("invalid frm: no flags", CSR_READ(fflags), 0);
  }
  /* Instructions that do not round run even so. */
  trap_reset();
  CSR_WRITE(frm, 7);
  uint64_t r = F3("fmin.d ft3, ft0, ft1", 0x3ff0000000000000UL, 0x4000000000000000UL, 0);
  CSR_WRITE(frm, 0);
  check("fmin.d with frm 7", r, 0x3ff0000000000000UL);
  check("fmin.d with frm 7: no trap", trap_rec.count, 0);
}

int main(void) {
  /* Part 1: no floating-point CSR */
  test_rounding_modes();
  test_nans_and_zeros();
  test_fused();
  test_sign_minmax_compare_class();
  test_conversions();
  test_loads_stores_moves();
  test_compiled_code();
  /* Part 2: fflags, frm, fcsr */
  test_flags();
  test_dynamic_rounding();
  test_fcsr_views();
  test_invalid_rounding_mode_traps();
  finish("isa_rv64fd");
}
