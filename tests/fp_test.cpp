// The software floating point of ir/fp.cpp against an independent implementation: the
// host's SSE/FMA hardware, driven through MXCSR with inline assembly so that the compiler
// cannot fold or reorder anything. Covers everything the hardware computes the IEEE way
// in RISC-V's four directed/nearest-even modes: add, sub, mul, div, sqrt, fused
// multiply-add, conversions between the precisions and between floats and signed
// integers, with all five exception flags. x86 and RISC-V both detect tininess after
// rounding. What x86 does differently is mapped explicitly: its NaN results (RISC-V always
// returns the canonical NaN) and its "integer indefinite" for invalid conversions (RISC-V
// saturates). RMM, unsigned conversions, min/max, comparisons, sign injection and
// fclass have no SSE counterpart and are covered by insn_test and the Unicorn difftest.
#include "ir/fp.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>

#if defined(__x86_64__)

using namespace polyemu::ir;

namespace {

constexpr uint64_t kBox = 0xffffffff00000000ull;
constexpr uint64_t kCanonicalNanS = 0x7fc00000, kCanonicalNanD = 0x7ff8000000000000;

// RISC-V rounding mode -> MXCSR rounding control (00 nearest, 01 down, 10 up, 11 zero).
uint32_t mxcsr_rc(RoundingMode rm) {
  switch (rm) {
    case RoundingMode::NearestEven: return 0;
    case RoundingMode::Down: return 1;
    case RoundingMode::Up: return 2;
    case RoundingMode::Zero: return 3;
    default: ADD_FAILURE() << "no x86 rounding mode"; return 0;
  }
}

// Runs `body` with all exceptions masked, the given rounding, flags cleared, DAZ/FTZ off;
// returns the RISC-V flags corresponding to what the hardware raised.
template <class Body>
uint64_t on_host(RoundingMode rm, Body body) {
  uint32_t saved, set = 0x1f80 | mxcsr_rc(rm) << 13, after;
  asm volatile("stmxcsr %0" : "=m"(saved));
  asm volatile("ldmxcsr %0" : : "m"(set));
  body();
  asm volatile("stmxcsr %0" : "=m"(after));
  asm volatile("ldmxcsr %0" : : "m"(saved));
  // MXCSR flags: IE 0, DE 1 (denormal operand: no RISC-V equivalent), ZE 2, OE 3, UE 4, PE 5.
  uint64_t f = 0;
  if (after & 1) f |= kFlagInvalid;
  if (after & 4) f |= kFlagDivZero;
  if (after & 8) f |= kFlagOverflow;
  if (after & 16) f |= kFlagUnderflow;
  if (after & 32) f |= kFlagInexact;
  return f;
}

float as_f(uint64_t v) {
  float f;
  uint32_t u = uint32_t(v);
  std::memcpy(&f, &u, 4);
  return f;
}
double as_d(uint64_t v) {
  double d;
  std::memcpy(&d, &v, 8);
  return d;
}
uint64_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
uint64_t bits_of(double d) {
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
}

// Random operands biased towards what breaks floating point: zeros, infinities, NaNs,
// subnormals, exponents near the ends of the range, and extreme significands.
struct Operands {
  std::mt19937_64 rng;
  explicit Operands(uint64_t seed) : rng(seed) {}
  uint64_t pick(bool dbl) {
    const int mbits = dbl ? 52 : 23, ebits = dbl ? 11 : 8, emax_biased = (1 << ebits) - 1;
    uint64_t sign = rng() & 1, frac, exp;
    switch (rng() % 8) {
      case 0: frac = 0; break;
      case 1: frac = (1ull << mbits) - 1; break;
      case 2: frac = 1ull << (rng() % mbits); break;
      default: frac = rng() & ((1ull << mbits) - 1);
    }
    switch (rng() % 16) {
      case 0: exp = 0, frac = rng() % 4 == 0 ? 0 : frac; break;                           // zero or subnormal
      case 1: exp = emax_biased, frac = rng() % 2 ? 0 : (frac ? frac : 1); break;         // inf or NaN
      case 2: exp = 1 + rng() % 4; break;                                                 // smallest normals
      case 3: exp = emax_biased - 1 - rng() % 4; break;                                   // largest finites
      case 4: exp = uint64_t(emax_biased / 2 - mbits + int(rng() % (2 * mbits))); break;  // near 1.0
      default: exp = 1 + rng() % (emax_biased - 1);
    }
    return sign << (mbits + ebits) | exp << mbits | frac;
  }
};

struct Case {
  FpOp op;
  bool dbl;
  RoundingMode rm;
  uint64_t a, b, c;
};

// Checks fp_eval against the host result (raw bits of the host's format) and flags.
void expect_same(const Case& k, uint64_t host_bits, uint64_t host_flags, bool result_is_float, bool result_dbl) {
  uint64_t fcsr = 0, out = 0;
  auto reg = [&](uint64_t v) { return k.dbl ? v : v | kBox; };
  FpImm imm{k.op, k.dbl ? FpFmt::D : FpFmt::S, uint8_t(k.rm)};
  if (k.op == FpOp::FromOther) imm.fmt = result_dbl ? FpFmt::D : FpFmt::S;
  uint64_t a = k.op == FpOp::FromOther ? (k.dbl ? k.a : k.a | kBox) : k.op >= FpOp::FromW ? k.a : reg(k.a);
  ASSERT_TRUE(fp_eval(imm, a, reg(k.b), reg(k.c), fcsr, out));
  uint64_t want = host_bits;
  if (result_is_float) {
    bool nan = result_dbl ? (as_d(host_bits) != as_d(host_bits)) : (as_f(host_bits) != as_f(host_bits));
    if (nan) want = result_dbl ? kCanonicalNanD : kCanonicalNanS;
    if (!result_dbl) want |= kBox;
  }
  EXPECT_EQ(out, want) << std::hex << "op " << int(k.op) << (k.dbl ? " d" : " s") << " rm " << int(k.rm) << " a " << k.a
                       << " b " << k.b << " c " << k.c;
  EXPECT_EQ(fcsr, host_flags) << std::hex << "op " << int(k.op) << (k.dbl ? " d" : " s") << " rm " << int(k.rm) << " a "
                              << k.a << " b " << k.b << " c " << k.c << " result " << out;
}

const RoundingMode kModes[] = {RoundingMode::NearestEven, RoundingMode::Zero, RoundingMode::Down, RoundingMode::Up};

void arithmetic(FpOp op, bool dbl, RoundingMode rm, uint64_t a, uint64_t b, uint64_t c) {
  uint64_t r = 0, flags;
  if (dbl) {
    double x = as_d(a), y = as_d(b), z = as_d(c);
    flags = on_host(rm, [&] {
      switch (op) {
        case FpOp::Add: asm volatile("addsd %1, %0" : "+x"(x) : "x"(y)); break;
        case FpOp::Sub: asm volatile("subsd %1, %0" : "+x"(x) : "x"(y)); break;
        case FpOp::Mul: asm volatile("mulsd %1, %0" : "+x"(x) : "x"(y)); break;
        case FpOp::Div: asm volatile("divsd %1, %0" : "+x"(x) : "x"(y)); break;
        case FpOp::Sqrt: asm volatile("sqrtsd %1, %0" : "=x"(x) : "x"(x)); break;
        case FpOp::MulAdd: asm volatile("vfmadd231sd %2, %1, %0" : "+x"(z) : "x"(x), "x"(y)); break;
        case FpOp::NegMulSub: asm volatile("vfnmadd231sd %2, %1, %0" : "+x"(z) : "x"(x), "x"(y)); break;
        default: break;
      }
    });
    r = bits_of(op == FpOp::MulAdd || op == FpOp::NegMulSub ? z : x);
  } else {
    float x = as_f(a), y = as_f(b), z = as_f(c);
    flags = on_host(rm, [&] {
      switch (op) {
        case FpOp::Add: asm volatile("addss %1, %0" : "+x"(x) : "x"(y)); break;
        case FpOp::Sub: asm volatile("subss %1, %0" : "+x"(x) : "x"(y)); break;
        case FpOp::Mul: asm volatile("mulss %1, %0" : "+x"(x) : "x"(y)); break;
        case FpOp::Div: asm volatile("divss %1, %0" : "+x"(x) : "x"(y)); break;
        case FpOp::Sqrt: asm volatile("sqrtss %1, %0" : "=x"(x) : "x"(x)); break;
        case FpOp::MulAdd: asm volatile("vfmadd231ss %2, %1, %0" : "+x"(z) : "x"(x), "x"(y)); break;
        case FpOp::NegMulSub: asm volatile("vfnmadd231ss %2, %1, %0" : "+x"(z) : "x"(x), "x"(y)); break;
        default: break;
      }
    });
    r = bits_of(op == FpOp::MulAdd || op == FpOp::NegMulSub ? z : x);
  }
  expect_same({op, dbl, rm, a, b, c}, r, flags, true, dbl);
}

bool is_nan(uint64_t v, bool dbl) { return dbl ? as_d(v) != as_d(v) : as_f(v) != as_f(v); }
bool inf_times_zero(uint64_t a, uint64_t b, bool dbl) {
  uint64_t mag = dbl ? ~(1ull << 63) : 0x7fffffff, inf = dbl ? 0x7ff0000000000000 : 0x7f800000;
  return ((a & mag) == inf && (b & mag) == 0) || ((a & mag) == 0 && (b & mag) == inf);
}

}  // namespace

TEST(FpVsHost, Arithmetic) {
  if (!__builtin_cpu_supports("fma")) GTEST_SKIP() << "host has no FMA";
  Operands gen(11);
  const FpOp ops[] = {FpOp::Add, FpOp::Sub, FpOp::Mul, FpOp::Div, FpOp::Sqrt, FpOp::MulAdd, FpOp::NegMulSub};
  for (int i = 0; i < 400000; i++) {
    FpOp op = ops[i % std::size(ops)];
    bool dbl = (i / 7) % 2;
    RoundingMode rm = kModes[gen.rng() % 4];
    uint64_t a = gen.pick(dbl), b = gen.pick(dbl), c = gen.pick(dbl);
    // Near-cancellation: the addend is about -a*b, or b is about a.
    if (i % 5 == 0) {
      if (dbl) {
        double p = as_d(a) * as_d(b);
        c = bits_of(op == FpOp::MulAdd ? -p : p) ^ (gen.rng() & 3);
        if (op == FpOp::Sub) b = a ^ (gen.rng() & 7);
        if (op == FpOp::Add) b = (a ^ (1ull << 63)) ^ (gen.rng() & 7);
      } else {
        float p = as_f(a) * as_f(b);
        c = bits_of(op == FpOp::MulAdd ? -p : p) ^ (gen.rng() & 3);
        if (op == FpOp::Sub) b = a ^ (gen.rng() & 7);
        if (op == FpOp::Add) b = (a ^ (1ull << 31)) ^ (gen.rng() & 7);
      }
    }
    // x86 does not raise invalid for inf * 0 + qNaN; RISC-V does (insn_test checks it).
    if (inf_times_zero(a, b, dbl) && is_nan(c, dbl)) c = dbl ? 0x3ff0000000000000 : 0x3f800000;
    arithmetic(op, dbl, rm, a, b, c);
    if (::testing::Test::HasFailure()) return;
  }
}

// Results right at the underflow threshold, where tininess after rounding matters: a
// product that rounds up to the smallest normal is not tiny, so it raises NX but not UF.
TEST(FpVsHost, UnderflowThreshold) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200000; i++) {
    bool dbl = i % 2;
    RoundingMode rm = kModes[rng() % 4];
    int mbits = dbl ? 52 : 23, bias = dbl ? 1023 : 127;
    // a = 1.x * 2^k and b = 1.y * 2^(emin - 1 - k - r), r = 0 or 1: the product lies
    // within a factor 4 of 2^emin. b's significand is often close to 2.
    int k = -1 - int(rng() % 20);
    uint64_t fa = rng() & ((1ull << mbits) - 1), fb = rng() % 2 ? ((1ull << mbits) - 1 - (rng() & 0xff)) : rng();
    fb &= (1ull << mbits) - 1;
    uint64_t ea = uint64_t(bias + k), eb = uint64_t(-k - int(rng() % 2));
    uint64_t sign = rng() & 1;
    uint64_t a = sign << (dbl ? 63 : 31) | ea << mbits | fa, b = eb << mbits | fb;
    arithmetic(FpOp::Mul, dbl, rm, a, b, 0);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(FpVsHost, ConversionsBetweenPrecisions) {
  Operands gen(12);
  for (int i = 0; i < 200000; i++) {
    RoundingMode rm = kModes[gen.rng() % 4];
    bool from_dbl = i % 2;
    uint64_t a = gen.pick(from_dbl);
    if (from_dbl && gen.rng() % 2) {
      // Doubles in and just outside single-precision range, many of them subnormal there.
      a = (a & 0x800fffffffffffffull) | uint64_t(1023 - 160 + int(gen.rng() % 300)) << 52;
    }
    uint64_t r, flags;
    if (from_dbl) {
      double x = as_d(a);
      float y;
      flags = on_host(rm, [&] { asm volatile("cvtsd2ss %1, %0" : "=x"(y) : "x"(x)); });
      r = bits_of(y);
    } else {
      float x = as_f(a);
      double y;
      flags = on_host(rm, [&] { asm volatile("cvtss2sd %1, %0" : "=x"(y) : "x"(x)); });
      r = bits_of(y);
    }
    expect_same({FpOp::FromOther, from_dbl, rm, a, 0, 0}, r, flags, true, !from_dbl);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(FpVsHost, SignedIntegerToFloat) {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 200000; i++) {
    RoundingMode rm = kModes[rng() % 4];
    bool dbl = i % 2, wide = (i / 2) % 2;
    uint64_t v = rng() >> (rng() % 64);
    if (rng() % 2) v = 0 - v;
    uint64_t r, flags;
    if (dbl) {
      double y;
      if (wide)
        flags = on_host(rm, [&] { asm volatile("cvtsi2sdq %1, %0" : "=x"(y) : "r"(int64_t(v))); });
      else
        flags = on_host(rm, [&] { asm volatile("cvtsi2sdl %1, %0" : "=x"(y) : "r"(int32_t(v))); });
      r = bits_of(y);
    } else {
      float y;
      if (wide)
        flags = on_host(rm, [&] { asm volatile("cvtsi2ssq %1, %0" : "=x"(y) : "r"(int64_t(v))); });
      else
        flags = on_host(rm, [&] { asm volatile("cvtsi2ssl %1, %0" : "=x"(y) : "r"(int32_t(v))); });
      r = bits_of(y);
    }
    expect_same({wide ? FpOp::FromL : FpOp::FromW, dbl, rm, v, 0, 0}, r, flags, true, dbl);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(FpVsHost, FloatToSignedInteger) {
  Operands gen(14);
  for (int i = 0; i < 200000; i++) {
    RoundingMode rm = kModes[gen.rng() % 4];
    bool dbl = i % 2, wide = (i / 2) % 2;
    uint64_t a = gen.pick(dbl);
    if (gen.rng() % 2) {
      // Magnitudes from 2^-2 to 2^66: fractions, the rounding boundaries and the limits.
      int e = int(gen.rng() % 68) - 2;
      a = dbl ? (a & 0x800fffffffffffffull) | uint64_t(1023 + e) << 52 : (a & 0x807fffff) | uint64_t(127 + e) << 23;
    }
    uint64_t r, flags;
    if (dbl) {
      double x = as_d(a);
      if (wide) {
        int64_t y;
        flags = on_host(rm, [&] { asm volatile("cvtsd2si %1, %0" : "=r"(y) : "x"(x)); });
        r = uint64_t(y);
      } else {
        int32_t y;
        flags = on_host(rm, [&] { asm volatile("cvtsd2si %1, %0" : "=r"(y) : "x"(x)); });
        r = uint64_t(int64_t(y));
      }
    } else {
      float x = as_f(a);
      if (wide) {
        int64_t y;
        flags = on_host(rm, [&] { asm volatile("cvtss2si %1, %0" : "=r"(y) : "x"(x)); });
        r = uint64_t(y);
      } else {
        int32_t y;
        flags = on_host(rm, [&] { asm volatile("cvtss2si %1, %0" : "=r"(y) : "x"(x)); });
        r = uint64_t(int64_t(y));
      }
    }
    if (flags & kFlagInvalid) {
      // x86 returns the "integer indefinite" (the minimum); RISC-V saturates: NaN and
      // positive values to the maximum, negative ones to the minimum.
      bool negative = !is_nan(a, dbl) && (a >> (dbl ? 63 : 31)) & 1;
      if (!negative) r = wide ? 0x7fffffffffffffffull : 0x7fffffff;
    }
    expect_same({wide ? FpOp::ToL : FpOp::ToW, dbl, rm, a, 0, 0}, r, flags, false, false);
    if (::testing::Test::HasFailure()) return;
  }
}

#endif  // __x86_64__
