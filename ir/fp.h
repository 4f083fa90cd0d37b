// Floating-point semantics of the Fp opcode: IEEE 754 binary32/binary64 arithmetic in
// software, with the RISC-V rules for what IEEE leaves open (canonical NaN results,
// NaN-boxed singles, tininess detected after rounding, saturating conversions,
// minimumNumber/maximumNumber for min/max). Bit-exact and deterministic on every host.
#pragma once
#include <cstdint>
#include <string>

namespace polyemu::ir {

// What an Fp instruction computes. Operands and results are 64-bit register values: a
// single-precision operand must be NaN-boxed (upper 32 bits all ones; otherwise it reads
// as the canonical NaN) and a single-precision FP result is NaN-boxed. Operands an
// operation does not use are ignored.
enum class FpOp : uint8_t {
  Add,        // a + b
  Sub,        // a - b
  Mul,        // a * b
  Div,        // a / b
  Sqrt,       // sqrt(a)
  MulAdd,     // a * b + c, rounded once
  MulSub,     // a * b - c
  NegMulSub,  // -(a * b) + c
  NegMulAdd,  // -(a * b) - c
  SgnJ,       // magnitude of a, sign of b
  SgnJN,      // magnitude of a, inverted sign of b
  SgnJX,      // magnitude of a, sign of a xor sign of b
  Min,        // IEEE 754-2019 minimumNumber, with -0 < +0
  Max,        // maximumNumber
  Eq,         // integer 1/0; quiet comparison
  Lt,         // integer 1/0; signaling comparison
  Le,         // integer 1/0; signaling comparison
  Class,      // integer: RISC-V fclass bit mask
  ToW,        // float to int32, sign-extended to 64 bits, saturating
  ToWU,       // float to uint32, sign-extended to 64 bits, saturating
  ToL,        // float to int64, saturating
  ToLU,       // float to uint64, saturating
  FromW,      // int32 (low half of a) to float
  FromWU,     // uint32 (low half of a) to float
  FromL,      // int64 to float
  FromLU,     // uint64 to float
  FromOther,  // the other precision to this one (fcvt.s.d, fcvt.d.s)
  Count
};

enum class FpFmt : uint8_t { S, D };

// RISC-V rounding-mode encodings; Dynamic reads frm from fcsr.
enum class RoundingMode : uint8_t { NearestEven = 0, Zero = 1, Down = 2, Up = 3, NearestMax = 4, Dynamic = 7 };

// The trap cause an Fp instruction raises when fp_eval rejects its rounding mode (RISC-V
// illegal instruction; tval 0).
constexpr uint64_t kFpTrapCause = 2;

// Exception flags as they sit in fcsr bits 4:0.
constexpr uint64_t kFlagInexact = 1, kFlagUnderflow = 2, kFlagOverflow = 4, kFlagDivZero = 8, kFlagInvalid = 16;

struct FpImm {
  FpOp op;
  FpFmt fmt;   // precision of the floating-point operands and result
  uint8_t rm;  // RoundingMode, for operations that round (see fp_rounds)
  uint64_t pack() const { return uint64_t(op) | uint64_t(fmt) << 8 | uint64_t(rm) << 16; }
  static FpImm unpack(uint64_t v) { return {FpOp(v & 0xff), FpFmt((v >> 8) & 0xff), uint8_t((v >> 16) & 0xff)}; }
};

// "add.s rne", "min.d", ...: for the IR printer.
std::string to_string(FpImm f);

// True for the operations whose result depends on the rounding mode (and that reject an
// invalid one).
bool fp_rounds(FpOp op);

// Computes `out` from a, b, c and ORs the exception flags into fcsr bits 4:0. Returns
// false, leaving fcsr and out untouched, when the effective rounding mode is invalid
// (5, 6, or dynamic with frm >= 5): the instruction is illegal.
bool fp_eval(FpImm f, uint64_t a, uint64_t b, uint64_t c, uint64_t& fcsr, uint64_t& out);

}  // namespace polyemu::ir
