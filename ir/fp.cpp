// Software IEEE 754 arithmetic for the Fp opcode. Every finite operand is unpacked to an
// exact integer significand and a binary exponent; each operation computes its result
// exactly or with a sticky bit below all rounding positions, and one routine rounds and
// packs it. Special cases follow the RISC-V unprivileged spec (F and D chapters).
#include "ir/fp.h"

#include <algorithm>
#include <bit>
#include <initializer_list>
#include <iterator>
#include <utility>

namespace polyemu::ir {

namespace {

using u128 = unsigned __int128;

struct Format {
  int mbits;  // stored fraction bits
  int ebits;
  int bias() const { return (1 << (ebits - 1)) - 1; }
  int emin() const { return 1 - bias(); }
  int emax() const { return bias(); }
  uint64_t sign_bit() const { return 1ull << (mbits + ebits); }
  uint64_t exp_mask() const { return ((1ull << ebits) - 1) << mbits; }
  uint64_t frac_mask() const { return (1ull << mbits) - 1; }
  uint64_t quiet_bit() const { return 1ull << (mbits - 1); }
  uint64_t canonical_nan() const { return exp_mask() | quiet_bit(); }
  uint64_t zero(bool s) const { return s ? sign_bit() : 0; }
  uint64_t inf(bool s) const { return zero(s) | exp_mask(); }
  uint64_t max_finite(bool s) const { return zero(s) | (exp_mask() - (1ull << mbits)) | frac_mask(); }
};
constexpr Format kSingle{23, 8}, kDouble{52, 11};

enum class Kind : uint8_t { Zero, Finite, Inf, QNaN, SNaN };

// An unpacked operand. Finite (nonzero) values are sig * 2^exp exactly.
struct Num {
  bool sign = false;
  Kind kind = Kind::Zero;
  bool subnormal = false;
  int exp = 0;
  uint64_t sig = 0;
  bool nan() const { return kind == Kind::QNaN || kind == Kind::SNaN; }
  bool snan() const { return kind == Kind::SNaN; }
  bool inf() const { return kind == Kind::Inf; }
  bool zero() const { return kind == Kind::Zero; }
};

Num unpack(const Format& f, uint64_t bits) {
  Num n;
  n.sign = (bits & f.sign_bit()) != 0;
  uint64_t e = (bits & f.exp_mask()) >> f.mbits, m = bits & f.frac_mask();
  if (e == (1ull << f.ebits) - 1) {
    n.kind = m == 0 ? Kind::Inf : (m & f.quiet_bit()) ? Kind::QNaN : Kind::SNaN;
  } else if (e == 0) {
    if (m != 0) n.kind = Kind::Finite, n.subnormal = true, n.sig = m, n.exp = f.emin() - f.mbits;
  } else {
    n.kind = Kind::Finite, n.sig = m | (1ull << f.mbits), n.exp = int(e) - f.bias() - f.mbits;
  }
  return n;
}

int bit_length(u128 x) {
  uint64_t hi = uint64_t(x >> 64);
  return hi ? 128 - std::countl_zero(hi) : 64 - std::countl_zero(uint64_t(x));
}

// Shifts right by `n`, ORing every bit shifted out into bit 0. Callers keep bit 0 below
// every rounding position, where an odd value stands for "strictly between".
u128 shift_right_jam(u128 x, int n) {
  if (n <= 0) return x;
  if (n >= 128) return x != 0;
  return (x >> n) | ((x & ((u128(1) << n) - 1)) != 0);
}

struct Env {
  RoundingMode rm;
  uint64_t flags = 0;
};

// The magnitude sig / 2^shift rounded to an integer by `rm` (sign says which way Down and
// Up go). Sets `inexact` when bits were discarded.
u128 round_shift(u128 sig, int shift, RoundingMode rm, bool sign, bool& inexact) {
  if (shift <= 0) {
    inexact = false;
    return sig << -shift;
  }
  u128 q = 0;
  bool above = false, tie = false;
  if (shift <= 128) {
    u128 rem = shift == 128 ? sig : sig & ((u128(1) << shift) - 1);
    u128 half = u128(1) << (shift - 1);
    q = shift == 128 ? 0 : sig >> shift;
    above = rem > half;
    tie = rem == half;
    inexact = rem != 0;
  } else {
    inexact = sig != 0;  // everything is below half of the unit
  }
  bool up = false;
  switch (rm) {
    case RoundingMode::NearestEven: up = above || (tie && (q & 1)); break;
    case RoundingMode::NearestMax: up = above || tie; break;
    case RoundingMode::Zero: break;
    case RoundingMode::Down: up = inexact && sign; break;
    case RoundingMode::Up: up = inexact && !sign; break;
    case RoundingMode::Dynamic: break;  // resolved before any arithmetic
  }
  return q + up;
}

// Rounds the nonzero value (-1)^sign * sig * 2^exp to format f, raising NX, UF and OF.
// sig may carry a sticky bit in bit 0 if every rounding position is above it.
uint64_t round_pack(const Format& f, Env& env, bool sign, int exp, u128 sig) {
  if (sig == 0) return f.zero(sign);
  const int precision = f.mbits + 1;
  const int top = exp + bit_length(sig) - 1;    // exponent of the leading bit
  int lsb = std::max(top, f.emin()) - f.mbits;  // exponent of the result's last bit
  bool inexact;
  u128 q = round_shift(sig, lsb - exp, env.rm, sign, inexact);
  if (q >> precision) q >>= 1, lsb++;  // rounding carried into a new leading bit (q was 2^p)
  if (inexact) {
    env.flags |= kFlagInexact;
    // Tininess is detected after rounding: tiny unless rounding to full precision with an
    // unbounded exponent range reaches 2^emin.
    if (top < f.emin()) {
      bool ignored;
      u128 full = round_shift(sig, top - f.mbits - exp, env.rm, sign, ignored);
      bool reaches_min = (full >> precision) != 0 && top + 1 >= f.emin();
      if (!reaches_min) env.flags |= kFlagUnderflow;
    }
  }
  if ((q >> f.mbits) == 0) return f.zero(sign) | uint64_t(q);  // subnormal or zero
  const int e = lsb + f.mbits;
  if (e > f.emax()) {
    env.flags |= kFlagOverflow | kFlagInexact;
    bool to_inf = env.rm == RoundingMode::NearestEven || env.rm == RoundingMode::NearestMax ||
                  (env.rm == RoundingMode::Up && !sign) || (env.rm == RoundingMode::Down && sign);
    return to_inf ? f.inf(sign) : f.max_finite(sign);
  }
  return f.zero(sign) | uint64_t(e + f.bias()) << f.mbits | (uint64_t(q) & f.frac_mask());
}

uint64_t invalid(const Format& f, Env& env) {
  env.flags |= kFlagInvalid;
  return f.canonical_nan();
}
// The canonical NaN, signaling invalid if any operand is a signaling NaN.
uint64_t propagate_nan(const Format& f, Env& env, std::initializer_list<Num> ops) {
  for (const Num& n : ops)
    if (n.snan()) env.flags |= kFlagInvalid;
  return f.canonical_nan();
}

uint64_t exact(const Format& f, Env& env, const Num& n) { return round_pack(f, env, n.sign, n.exp, n.sig); }

// Sum of two nonzero finite values with significands below 2^126.
uint64_t add_finite(const Format& f, Env& env, bool sa, int ea, u128 ma, bool sb, int eb, u128 mb) {
  // Leading bits at 125: a sum cannot carry out, and whatever is jammed into bit 0 of the
  // smaller operand stays far below the rounding position even after cancellation.
  auto normalize = [](u128& m, int& e) {
    int k = 126 - bit_length(m);
    m <<= k;
    e -= k;
  };
  normalize(ma, ea);
  normalize(mb, eb);
  if (ea < eb || (ea == eb && ma < mb)) std::swap(sa, sb), std::swap(ea, eb), std::swap(ma, mb);
  mb = shift_right_jam(mb, ea - eb);
  u128 sum = sa == sb ? ma + mb : ma - mb;
  if (sum == 0) return f.zero(env.rm == RoundingMode::Down);  // x - x
  return round_pack(f, env, sa, ea, sum);
}

uint64_t add(const Format& f, Env& env, Num a, Num b) {
  if (a.nan() || b.nan()) return propagate_nan(f, env, {a, b});
  if (a.inf() && b.inf() && a.sign != b.sign) return invalid(f, env);
  if (a.inf()) return f.inf(a.sign);
  if (b.inf()) return f.inf(b.sign);
  if (a.zero() && b.zero()) return f.zero(a.sign == b.sign ? a.sign : env.rm == RoundingMode::Down);
  if (a.zero()) return exact(f, env, b);
  if (b.zero()) return exact(f, env, a);
  return add_finite(f, env, a.sign, a.exp, a.sig, b.sign, b.exp, b.sig);
}

uint64_t mul(const Format& f, Env& env, Num a, Num b) {
  if (a.nan() || b.nan()) return propagate_nan(f, env, {a, b});
  bool sign = a.sign != b.sign;
  if ((a.inf() && b.zero()) || (a.zero() && b.inf())) return invalid(f, env);
  if (a.inf() || b.inf()) return f.inf(sign);
  if (a.zero() || b.zero()) return f.zero(sign);
  return round_pack(f, env, sign, a.exp + b.exp, u128(a.sig) * b.sig);
}

// (-1)^neg_product * a * b + (-1)^neg_addend * c with a single rounding.
uint64_t fused(const Format& f, Env& env, Num a, Num b, Num c, bool neg_product, bool neg_addend) {
  bool inf_times_zero = (a.inf() && b.zero()) || (a.zero() && b.inf());
  // RISC-V raises invalid for infinity times zero even when the addend is a quiet NaN.
  if (a.nan() || b.nan() || c.nan()) {
    if (inf_times_zero) env.flags |= kFlagInvalid;
    return propagate_nan(f, env, {a, b, c});
  }
  if (inf_times_zero) return invalid(f, env);
  bool ps = (a.sign != b.sign) != neg_product, cs = c.sign != neg_addend;
  if (a.inf() || b.inf()) {
    if (c.inf() && cs != ps) return invalid(f, env);
    return f.inf(ps);
  }
  if (c.inf()) return f.inf(cs);
  bool product_zero = a.zero() || b.zero();
  if (product_zero && c.zero()) return f.zero(ps == cs ? ps : env.rm == RoundingMode::Down);
  if (product_zero) return round_pack(f, env, cs, c.exp, c.sig);
  u128 product = u128(a.sig) * b.sig;
  if (c.zero()) return round_pack(f, env, ps, a.exp + b.exp, product);
  return add_finite(f, env, ps, a.exp + b.exp, product, cs, c.exp, c.sig);
}

uint64_t div(const Format& f, Env& env, Num a, Num b) {
  if (a.nan() || b.nan()) return propagate_nan(f, env, {a, b});
  bool sign = a.sign != b.sign;
  if ((a.inf() && b.inf()) || (a.zero() && b.zero())) return invalid(f, env);
  if (a.inf()) return f.inf(sign);
  if (b.inf()) return f.zero(sign);
  if (b.zero()) {
    env.flags |= kFlagDivZero;
    return f.inf(sign);
  }
  if (a.zero()) return f.zero(sign);
  // Dividend's leading bit at 126, divisor's at 63: the quotient has 63 or 64 bits.
  int ka = 127 - bit_length(a.sig), kb = 64 - bit_length(b.sig);
  u128 num = u128(a.sig) << ka;
  uint64_t den = b.sig << kb;
  u128 q = num / den;
  if (num % den) q |= 1;
  return round_pack(f, env, sign, (a.exp - ka) - (b.exp - kb), q);
}

uint64_t sqrt(const Format& f, Env& env, Num a) {
  if (a.nan()) return propagate_nan(f, env, {a});
  if (a.zero()) return f.zero(a.sign);  // sqrt(-0) = -0
  if (a.sign) return invalid(f, env);
  if (a.inf()) return f.inf(false);
  u128 m = a.sig;
  int e = a.exp;
  if (e & 1) m <<= 1, e -= 1;
  int k = (126 - bit_length(m)) & ~1;  // even, leading bit at 124 or 125: a 63-bit root
  m <<= k;
  e -= k;
  u128 root = 0, rem = m, one = u128(1) << 126;
  while (one > rem) one >>= 2;
  while (one != 0) {
    if (rem >= root + one) {
      rem -= root + one;
      root = (root >> 1) + one;
    } else {
      root >>= 1;
    }
    one >>= 2;
  }
  if (rem != 0) root |= 1;
  return round_pack(f, env, false, e / 2, root);
}

// Total order key of a non-NaN value; with `zeros_ordered`, -0 sorts below +0.
int64_t order_key(const Format& f, uint64_t bits, bool zeros_ordered) {
  int64_t mag = int64_t(bits & ~f.sign_bit());
  if (!(bits & f.sign_bit())) return mag;
  return zeros_ordered ? -mag - 1 : -mag;
}

uint64_t compare(const Format& f, Env& env, FpOp op, uint64_t x, uint64_t y) {
  Num a = unpack(f, x), b = unpack(f, y);
  if (a.nan() || b.nan()) {
    if (op != FpOp::Eq || a.snan() || b.snan()) env.flags |= kFlagInvalid;
    return 0;
  }
  int64_t ka = order_key(f, x, false), kb = order_key(f, y, false);
  return op == FpOp::Eq ? ka == kb : op == FpOp::Lt ? ka < kb : ka <= kb;
}

uint64_t min_max(const Format& f, Env& env, bool max, uint64_t x, uint64_t y) {
  Num a = unpack(f, x), b = unpack(f, y);
  if (a.snan() || b.snan()) env.flags |= kFlagInvalid;
  if (a.nan() && b.nan()) return f.canonical_nan();
  if (a.nan()) return y;
  if (b.nan()) return x;
  bool a_less = order_key(f, x, true) < order_key(f, y, true);
  return a_less != max ? x : y;
}

uint64_t classify(const Format& f, uint64_t x) {
  Num a = unpack(f, x);
  unsigned bit = 0;
  switch (a.kind) {
    case Kind::Inf: bit = a.sign ? 0 : 7; break;
    case Kind::Finite: bit = a.subnormal ? (a.sign ? 2 : 5) : (a.sign ? 1 : 6); break;
    case Kind::Zero: bit = a.sign ? 3 : 4; break;
    case Kind::SNaN: bit = 8; break;
    case Kind::QNaN: bit = 9; break;
  }
  return 1ull << bit;
}

// Float to integer of `width` bits, saturating as the RISC-V conversion table says.
uint64_t to_int(const Format& f, Env& env, uint64_t x, int width, bool is_signed) {
  Num a = unpack(f, x);
  const u128 umax = (u128(1) << width) - 1, smax = (u128(1) << (width - 1)) - 1;
  auto saturate = [&](bool negative) -> uint64_t {
    env.flags |= kFlagInvalid;
    if (is_signed) return negative ? uint64_t(smax + 1) | ~uint64_t(umax) : uint64_t(smax);
    return negative ? 0 : uint64_t(umax);
  };
  if (a.nan()) return saturate(false);
  if (a.inf()) return saturate(a.sign);
  if (a.zero()) return 0;
  bool inexact = false;
  u128 mag;
  if (a.exp >= 0) {
    if (bit_length(a.sig) + a.exp > 65) return saturate(a.sign);
    mag = u128(a.sig) << a.exp;
  } else {
    mag = round_shift(a.sig, -a.exp, env.rm, a.sign, inexact);
  }
  u128 limit = is_signed ? (a.sign ? smax + 1 : smax) : (a.sign ? 0 : umax);
  if (mag > limit) return saturate(a.sign);
  if (inexact) env.flags |= kFlagInexact;
  return a.sign ? 0 - uint64_t(mag) : uint64_t(mag);
}

uint64_t from_int(const Format& f, Env& env, uint64_t magnitude, bool negative) {
  return round_pack(f, env, negative, 0, magnitude);
}

// A register value as an operand of the given precision: singles must be NaN-boxed.
uint64_t operand(FpFmt fmt, uint64_t v) {
  if (fmt == FpFmt::D) return v;
  return (v >> 32) == 0xffffffff ? v & 0xffffffff : kSingle.canonical_nan();
}

uint64_t sext32(uint64_t v) { return uint64_t(int64_t(int32_t(uint32_t(v)))); }

}  // namespace

std::string to_string(FpImm f) {
  static const char* const kNames[] = {"add",   "sub",    "mul",     "div",    "sqrt",    "madd",      "msub",
                                       "nmsub", "nmadd",  "sgnj",    "sgnjn",  "sgnjx",   "min",       "max",
                                       "eq",    "lt",     "le",      "class",  "to.w",    "to.wu",     "to.l",
                                       "to.lu", "from.w", "from.wu", "from.l", "from.lu", "from.other"};
  static_assert(std::size(kNames) == size_t(FpOp::Count));
  static const char* const kModes[] = {"rne", "rtz", "rdn", "rup", "rmm", "rm5", "rm6", "dyn"};
  if (f.op >= FpOp::Count) return "?";
  std::string s = std::string(kNames[size_t(f.op)]) + (f.fmt == FpFmt::S ? ".s" : ".d");
  if (fp_rounds(f.op)) s += std::string(" ") + kModes[f.rm & 7];
  return s;
}

bool fp_rounds(FpOp op) {
  switch (op) {
    case FpOp::SgnJ:
    case FpOp::SgnJN:
    case FpOp::SgnJX:
    case FpOp::Min:
    case FpOp::Max:
    case FpOp::Eq:
    case FpOp::Lt:
    case FpOp::Le:
    case FpOp::Class:
    case FpOp::Count: return false;
    default: return true;
  }
}

bool fp_eval(FpImm imm, uint64_t a, uint64_t b, uint64_t c, uint64_t& fcsr, uint64_t& out) {
  RoundingMode rm = RoundingMode(imm.rm);
  if (fp_rounds(imm.op)) {
    if (rm == RoundingMode::Dynamic) rm = RoundingMode((fcsr >> 5) & 7);
    if (uint8_t(rm) > uint8_t(RoundingMode::NearestMax)) return false;
  } else {
    rm = RoundingMode::NearestEven;
  }
  Env env{rm};
  const Format& f = imm.fmt == FpFmt::S ? kSingle : kDouble;
  const uint64_t x = operand(imm.fmt, a), y = operand(imm.fmt, b), z = operand(imm.fmt, c);
  auto num = [&](uint64_t v) { return unpack(f, v); };
  auto negated = [&](uint64_t v) { return unpack(f, v ^ f.sign_bit()); };
  uint64_t r = 0;
  bool float_result = true;
  switch (imm.op) {
    case FpOp::Add: r = add(f, env, num(x), num(y)); break;
    case FpOp::Sub: r = add(f, env, num(x), negated(y)); break;
    case FpOp::Mul: r = mul(f, env, num(x), num(y)); break;
    case FpOp::Div: r = div(f, env, num(x), num(y)); break;
    case FpOp::Sqrt: r = sqrt(f, env, num(x)); break;
    case FpOp::MulAdd: r = fused(f, env, num(x), num(y), num(z), false, false); break;
    case FpOp::MulSub: r = fused(f, env, num(x), num(y), num(z), false, true); break;
    case FpOp::NegMulSub: r = fused(f, env, num(x), num(y), num(z), true, false); break;
    case FpOp::NegMulAdd: r = fused(f, env, num(x), num(y), num(z), true, true); break;
    case FpOp::SgnJ: r = (x & ~f.sign_bit()) | (y & f.sign_bit()); break;
    case FpOp::SgnJN: r = (x & ~f.sign_bit()) | (~y & f.sign_bit()); break;
    case FpOp::SgnJX: r = x ^ (y & f.sign_bit()); break;
    case FpOp::Min: r = min_max(f, env, false, x, y); break;
    case FpOp::Max: r = min_max(f, env, true, x, y); break;
    case FpOp::Eq:
    case FpOp::Lt:
    case FpOp::Le: r = compare(f, env, imm.op, x, y), float_result = false; break;
    case FpOp::Class: r = classify(f, x), float_result = false; break;
    case FpOp::ToW: r = sext32(to_int(f, env, x, 32, true)), float_result = false; break;
    case FpOp::ToWU: r = sext32(to_int(f, env, x, 32, false)), float_result = false; break;
    case FpOp::ToL: r = to_int(f, env, x, 64, true), float_result = false; break;
    case FpOp::ToLU: r = to_int(f, env, x, 64, false), float_result = false; break;
    case FpOp::FromW: {
      int64_t v = int32_t(uint32_t(a));
      r = from_int(f, env, v < 0 ? 0 - uint64_t(v) : uint64_t(v), v < 0);
      break;
    }
    case FpOp::FromWU: r = from_int(f, env, uint32_t(a), false); break;
    case FpOp::FromL: r = from_int(f, env, int64_t(a) < 0 ? 0 - a : a, int64_t(a) < 0); break;
    case FpOp::FromLU: r = from_int(f, env, a, false); break;
    case FpOp::FromOther: {
      const FpFmt other = imm.fmt == FpFmt::S ? FpFmt::D : FpFmt::S;
      Num s = unpack(other == FpFmt::S ? kSingle : kDouble, operand(other, a));
      if (s.nan())
        r = propagate_nan(f, env, {s});
      else if (s.inf())
        r = f.inf(s.sign);
      else if (s.zero())
        r = f.zero(s.sign);
      else
        r = round_pack(f, env, s.sign, s.exp, s.sig);
      break;
    }
    case FpOp::Count: return false;
  }
  fcsr |= env.flags;
  out = float_result && imm.fmt == FpFmt::S ? r | 0xffffffff00000000ull : r;
  return true;
}

}  // namespace polyemu::ir
