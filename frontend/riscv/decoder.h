// Decoding of RISC-V instruction words, derived from rv_table.inc.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace polyemu::ir {
class Emitter;
}

namespace polyemu::riscv {

enum class Format : uint8_t {
  None,
  R,
  I,
  IL,
  IJ,
  S,
  B,
  U,
  J,
  Sh6,
  Sh5,
  Csr,
  CsrI,
  Lr,
  Amo,
  Fence,
  Rs12,
  CIW,
  CLW,
  CLD,
  CSW,
  CSD,
  CI,
  CLI,
  CSP16,
  CLUI,
  CBSh,
  CBI,
  CA,
  CJ,
  CB,
  CSh,
  CLWSP,
  CLDSP,
  CJR,
  CMV,
  CJALR,
  CR,
  CSWSP,
  CSDSP,
  // Floating point. The name says which operands are f registers: FR3 fd, fs1, fs2;
  // FR4 fd, fs1, fs2, fs3; FR1 fd, fs1; FCmp xd, fs1, fs2; FToX xd, fs1; XToF fd, xs1;
  // FLoad fd, imm(xs1); FStore fs2, imm(xs1). funct3 is extracted as rm.
  FR3,
  FR4,
  FR1,
  FCmp,
  FToX,
  XToF,
  FLoad,
  FStore,
  CFLD,
  CFSD,
  CFLDSP,
  CFSDSP,
};
// Zcd: the compressed double-precision loads and stores (C together with D).
enum class Ext : uint8_t { I, M, A, F, D, C, Zcd, Zicsr, Zifencei, Priv };
// Rm: funct3 is a rounding mode, and 5 and 6 are reserved.
enum class Constraint : uint8_t { None, RdNZ, Rs1NZ, ImmNZ, Rm };

// Instructions of these extensions are illegal while the FPU is off (mstatus.FS = Off).
constexpr bool uses_fpu(Ext e) { return e == Ext::F || e == Ext::D || e == Ext::Zcd; }

// Operand fields of one decoded instruction, already normalized to the base form
// (a compressed instruction reads exactly like the instruction it expands to).
struct Operands {
  uint8_t rd = 0, rs1 = 0, rs2 = 0, rs3 = 0;
  uint8_t rm = 0;  // funct3 of floating-point instructions: the rounding mode where it is one
  int64_t imm = 0;
  uint16_t csr = 0;
};

struct LiftContext;
using LiftFn = bool (*)(LiftContext&, const Operands&);

enum class Id : uint16_t {
#define ROW(id, mn, pat, fmt, ext, lift, cons) id,
#include "frontend/riscv/rv_table.inc"
#undef ROW
  Count
};

struct Row {
  Id id;
  const char* mnemonic;
  const char* pattern;
  Format format;
  Ext ext;
  LiftFn lift;
  Constraint constraint;
  uint32_t mask, match;
  uint8_t length;  // 2 or 4 bytes
};

std::span<const Row> table();

// Length in bytes of the instruction whose low halfword is `lo`.
inline unsigned insn_length(uint16_t lo) { return (lo & 3) == 3 ? 4 : 2; }

struct Decoded {
  const Row* row = nullptr;  // null: illegal instruction
  Operands ops;
};
Decoded decode(uint32_t bits);

// "addi a0, a1, -5"; unknown encodings print as ".insn 0x...". `pc` resolves branch targets.
std::string disassemble(uint32_t bits, uint64_t pc);
std::string disassemble(const Decoded& d, uint32_t bits, uint64_t pc);

// Pairs of rows whose patterns overlap on purpose: the more specific row wins.
struct Overlap {
  Id specific, general;
};
std::span<const Overlap> intended_overlaps();

// Extract the operand fields the way the row's format says. Exposed for tests.
Operands extract(Format f, uint32_t bits);
bool satisfies(Constraint c, const Operands& o);

}  // namespace polyemu::riscv
