// The architecture-neutral IR: typed SSA values in a straight-line block that ends in
// an explicit terminal. See ir/opcodes.inc for the opcode contract.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace polyemu::ir {

enum class Type : uint8_t { None, Void, I1, I32, I64 };

enum class Opcode : uint8_t {
#define OP(name, res, a0, a1, a2, flags) name,
#include "ir/opcodes.inc"
#undef OP
  Count
};
constexpr unsigned kNumOpcodes = static_cast<unsigned>(Opcode::Count);

enum Flag : uint8_t { Pure = 1, MayTrap = 2, Effect = 4 };

struct OpInfo {
  const char* name;
  Type result;
  Type args[3];
  uint8_t flags;
  unsigned num_args() const { return (args[0] != Type::None) + (args[1] != Type::None) + (args[2] != Type::None); }
};
const OpInfo& info(Opcode op);

// A value is the index of the instruction that defines it.
struct Value {
  uint32_t id = UINT32_MAX;
  bool valid() const { return id != UINT32_MAX; }
  bool operator==(const Value&) const = default;
};
// Typed handles: passing a 32-bit value where a 64-bit one is expected does not compile.
template <Type T>
struct TypedValue : Value {};
using V1 = TypedValue<Type::I1>;
using V32 = TypedValue<Type::I32>;
using V64 = TypedValue<Type::I64>;

struct MemImm {
  uint8_t size;        // 1, 2, 4, 8
  bool sign;           // sign-extend a narrow load
  int32_t disp;        // added to the address operand
  uint8_t atomic = 0;  // AtomicOp for AtomicRmw
  uint64_t pack() const {
    return uint64_t(size) | uint64_t(sign) << 8 | uint64_t(atomic) << 16 | uint64_t(uint32_t(disp)) << 32;
  }
  static MemImm unpack(uint64_t v) {
    return {uint8_t(v), bool((v >> 8) & 1), int32_t(uint32_t(v >> 32)), uint8_t(v >> 16)};
  }
};

enum class AtomicOp : uint8_t { Swap, Add, Xor, And, Or, Min, Max, MinU, MaxU };

enum class CsrOp : uint8_t { Write, Set, Clear };
struct CsrImm {
  uint16_t csr;
  CsrOp op;
  bool write;  // false for csrrs/csrrc with x0 (and the immediate forms with 0): no write side effects
  bool read;   // false for csrrw with rd = x0: the read side effects are skipped
  uint64_t pack() const { return csr | uint64_t(op) << 16 | uint64_t(write) << 24 | uint64_t(read) << 25; }
  static CsrImm unpack(uint64_t v) {
    return {uint16_t(v), CsrOp((v >> 16) & 0xff), bool((v >> 24) & 1), bool((v >> 25) & 1)};
  }
};

struct Inst {
  Opcode op;
  uint16_t insn;  // index of the guest instruction this belongs to, for precise traps
  Value args[3];
  uint64_t imm = 0;
};

// Why control leaves a block other than by jumping to guest code.
enum class ExitKind : uint8_t {
  None,  // not an exit (ordinary jump)
  Trap,  // synchronous exception: cause and tval in the terminal or the state
  Ecall,
  Ebreak,
  Mret,
  Sret,
  Wfi,
  FenceI,
  SfenceVma,
  Yield,   // state changed in a way the machine must look at (CSR write, MMIO)
  Budget,  // instruction budget reached (engine only)
};
const char* exit_name(ExitKind k);

struct Terminal {
  enum class Kind : uint8_t { None, Jump, Branch, JumpIndirect, Exit };
  Kind kind = Kind::None;
  Value value;               // Branch: the I1 condition; JumpIndirect: the I64 target
  uint64_t target = 0;       // Jump/Branch-taken target; Exit: pc of the instruction that exits
  uint64_t fallthrough = 0;  // Branch-not-taken target; Exit: pc after the instruction
  ExitKind exit = ExitKind::None;
  uint64_t cause = 0, tval = 0;  // Exit(Trap) raised by decode
};

struct Block {
  uint64_t pc = 0;                    // guest address of the first instruction
  uint32_t mode = 0;                  // translation mode (privilege, paging) the block was made for
  uint32_t num_insns = 0;             // guest instructions that retire when the block completes
  uint32_t byte_len = 0;              // guest bytes covered
  std::vector<uint16_t> insn_offset;  // byte offset of each guest instruction from pc
  std::vector<Inst> insts;
  Terminal term;

  Type type_of(Value v) const { return info(insts[v.id].op).result; }
  uint64_t insn_pc(unsigned idx) const { return pc + insn_offset[idx]; }
};

std::string print(const Block& b);
// Returns an empty string when the block is well formed, otherwise what is wrong.
std::string verify(const Block& b);

}  // namespace polyemu::ir
