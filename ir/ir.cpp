#include "ir/ir.h"

#include <cstdio>
#include <sstream>

#include "ir/fp.h"

namespace polyemu::ir {

namespace {
constexpr OpInfo kInfo[] = {
#define OP(name, res, a0, a1, a2, flags) {#name, Type::res, {Type::a0, Type::a1, Type::a2}, flags},
#include "ir/opcodes.inc"
#undef OP
};

const char* type_name(Type t) {
  switch (t) {
    case Type::None: return "none";
    case Type::Void: return "void";
    case Type::I1: return "i1";
    case Type::I32: return "i32";
    case Type::I64: return "i64";
  }
  return "?";
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}
}  // namespace

const OpInfo& info(Opcode op) { return kInfo[static_cast<unsigned>(op)]; }

const char* exit_name(ExitKind k) {
  switch (k) {
    case ExitKind::None: return "none";
    case ExitKind::Trap: return "trap";
    case ExitKind::Ecall: return "ecall";
    case ExitKind::Ebreak: return "ebreak";
    case ExitKind::Mret: return "mret";
    case ExitKind::Sret: return "sret";
    case ExitKind::Wfi: return "wfi";
    case ExitKind::FenceI: return "fence.i";
    case ExitKind::SfenceVma: return "sfence.vma";
    case ExitKind::Yield: return "yield";
    case ExitKind::Budget: return "budget";
  }
  return "?";
}

std::string print(const Block& b) {
  std::ostringstream os;
  os << "block " << hex(b.pc) << " mode " << b.mode << " insns " << b.num_insns << "\n";
  int last_insn = -1;
  for (size_t i = 0; i < b.insts.size(); i++) {
    const Inst& in = b.insts[i];
    if (in.insn != last_insn && in.insn < b.insn_offset.size()) {
      last_insn = in.insn;
      os << "  ; insn " << in.insn << " @ " << hex(b.insn_pc(in.insn)) << "\n";
    }
    const OpInfo& oi = info(in.op);
    os << "  ";
    if (oi.result != Type::Void) os << "%" << i << ":" << type_name(oi.result) << " = ";
    os << oi.name;
    for (unsigned a = 0; a < oi.num_args(); a++) os << (a ? ", %" : " %") << in.args[a].id;
    if (in.op == Opcode::GetReg || in.op == Opcode::SetReg) {
      os << (oi.num_args() ? ", " : " ") << "r" << in.imm;
    } else if (in.op == Opcode::Fp) {
      os << ", " << to_string(FpImm::unpack(in.imm));
    } else if (in.imm != 0 || in.op == Opcode::Const) {
      os << (oi.num_args() ? ", " : " ") << "imm " << hex(in.imm);
    }
    os << "\n";
  }
  const Terminal& t = b.term;
  switch (t.kind) {
    case Terminal::Kind::None: os << "  <no terminal>\n"; break;
    case Terminal::Kind::Jump: os << "  jump " << hex(t.target) << "\n"; break;
    case Terminal::Kind::Branch:
      os << "  branch %" << t.value.id << " ? " << hex(t.target) << " : " << hex(t.fallthrough) << "\n";
      break;
    case Terminal::Kind::JumpIndirect: os << "  jump_indirect %" << t.value.id << "\n"; break;
    case Terminal::Kind::Exit:
      os << "  exit " << exit_name(t.exit) << " at " << hex(t.target) << " next " << hex(t.fallthrough);
      if (t.exit == ExitKind::Trap) os << " cause " << t.cause << " tval " << hex(t.tval);
      os << "\n";
      break;
  }
  return os.str();
}

std::string verify(const Block& b) {
  std::ostringstream err;
  auto fail = [&](size_t i, const std::string& what) { err << "inst %" << i << ": " << what << "\n"; };
  unsigned last_insn = 0;
  for (size_t i = 0; i < b.insts.size(); i++) {
    const Inst& in = b.insts[i];
    if (static_cast<unsigned>(in.op) >= kNumOpcodes) {
      fail(i, "bad opcode");
      continue;
    }
    const OpInfo& oi = info(in.op);
    for (unsigned a = 0; a < 3; a++) {
      Value v = in.args[a];
      if (oi.args[a] == Type::None) {
        if (v.valid()) fail(i, "unexpected argument " + std::to_string(a));
        continue;
      }
      if (!v.valid() || v.id >= i) {
        fail(i, "argument " + std::to_string(a) + " is not defined before use");
        continue;
      }
      Type t = b.type_of(v);
      if (t != oi.args[a])
        fail(i, std::string("argument ") + std::to_string(a) + " has type " + type_name(t) + ", expected " +
                    type_name(oi.args[a]));
    }
    if (in.insn < last_insn) fail(i, "guest instruction index goes backwards");
    if (in.insn >= b.num_insns) fail(i, "guest instruction index out of range");
    last_insn = in.insn;
    if ((in.op == Opcode::GetReg || in.op == Opcode::SetReg) && in.imm >= 64) fail(i, "register out of range");
  }
  if (b.insn_offset.size() != b.num_insns) err << "insn_offset has " << b.insn_offset.size() << " entries\n";
  const Terminal& t = b.term;
  auto check_term_value = [&](Type want) {
    if (!t.value.valid() || t.value.id >= b.insts.size())
      err << "terminal value undefined\n";
    else if (b.type_of(t.value) != want)
      err << "terminal value has type " << type_name(b.type_of(t.value)) << "\n";
  };
  switch (t.kind) {
    case Terminal::Kind::None: err << "block has no terminal\n"; break;
    case Terminal::Kind::Branch: check_term_value(Type::I1); break;
    case Terminal::Kind::JumpIndirect: check_term_value(Type::I64); break;
    case Terminal::Kind::Jump: break;
    case Terminal::Kind::Exit:
      if (t.exit == ExitKind::None || t.exit == ExitKind::Budget) err << "bad exit kind\n";
      break;
  }
  if (b.num_insns == 0) err << "block has no guest instructions\n";
  std::string s = err.str();
  return s.empty() ? s : s + print(b);
}

}  // namespace polyemu::ir
