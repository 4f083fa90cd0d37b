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
};
enum class Ext : uint8_t { I, M, A, C, Zicsr, Zifencei, Priv };
enum class Constraint : uint8_t { None, RdNZ, Rs1NZ, ImmNZ };

// Operand fields of one decoded instruction, already normalized to the base form
// (a compressed instruction reads exactly like the instruction it expands to).
struct Operands {
  uint8_t rd = 0, rs1 = 0, rs2 = 0;
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
