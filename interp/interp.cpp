#include "interp/interp.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "ir/eval.h"
#include "ir/fp.h"
#include "ir/passes.h"

namespace polyemu::interp {

using ir::Opcode;

namespace {

// Interpreter operations: IR opcodes specialised by operand kind (register/immediate),
// fused with their consumer where that saves a dispatch.
// clang-format off
#define INTERP_OPS(X)                                                                      \
  X(Mov) X(MovI)                                                                           \
  X(Add) X(Sub) X(And) X(Or) X(Xor) X(Shl) X(Lshr) X(Ashr)                                 \
  X(AddI) X(AndI) X(OrI) X(XorI) X(ShlI) X(LshrI) X(AshrI)                                 \
  X(Mul) X(MulH) X(MulHU) X(MulHSU) X(Div) X(DivU) X(Rem) X(RemU)                          \
  X(AddW) X(SubW) X(ShlW) X(LshrW) X(AshrW) X(MulW) X(DivW) X(DivUW) X(RemW) X(RemUW)      \
  X(AddWI) X(ShlWI) X(LshrWI) X(AshrWI)                                                    \
  X(Op32) X(Sext32) X(Zext32)                                                              \
  X(Eq) X(Ne) X(Lt) X(Ge) X(LtU) X(GeU) X(EqI) X(NeI) X(LtI) X(GeI) X(LtUI) X(GeUI)        \
  X(Select)                                                                                \
  X(LdU8) X(LdS8) X(LdU16) X(LdS16) X(LdU32) X(LdS32) X(Ld64)                              \
  X(St8) X(St16) X(St32) X(St64)                                                           \
  X(LoadReserved) X(StoreCond) X(Atomic) X(Csr) X(Fp)                                      \
  X(Jump) X(Branch) X(JumpIndirect) X(Exit)                                                \
  X(BrEq) X(BrNe) X(BrLt) X(BrGe) X(BrLtU) X(BrGeU)                                        \
  X(BrEqI) X(BrNeI) X(BrLtI) X(BrGeI) X(BrLtUI) X(BrGeUI)
// clang-format on

enum class IOp : uint8_t {
#define X(n) n,
  INTERP_OPS(X)
#undef X
};

struct Op {
  IOp op;
  uint8_t aux = 0;    // Op32: the IR opcode
  uint16_t insn = 0;  // guest instruction index, for precise traps
  uint16_t d = 0, a = 0, b = 0;
  uint64_t imm = 0;
  const void* handler = nullptr;
};

constexpr uint16_t kNoSlot = 0xffff;

}  // namespace

// Targets of a block's indirect jump and how often each was taken (Interpreter::indirect_targets()).
struct SeenTargets {
  uint64_t pc[Interpreter::kSeenTargets];
  uint32_t runs[Interpreter::kSeenTargets];
  unsigned n = 0;
  void note(uint64_t target) {
    for (unsigned i = 0; i < n; i++)
      if (pc[i] == target) return void(runs[i]++);
    if (n < Interpreter::kSeenTargets) pc[n] = target, runs[n++] = 1;
  }
};

struct CompiledBlock {
  uint64_t pc = 0, phys = 0;
  uint32_t mode = 0;
  // Physical code ranges (start, length): one, or two for a block crossing a page.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  bool single = false;
  uint32_t num_insns = 0;
  uint32_t byte_len = 0;
  std::vector<uint16_t> insn_offset;
  std::vector<Op> ops;
  ir::Terminal term;
  // Chained successors: taken and not-taken target, valid for generation `link_gen`.
  CompiledBlock* next[2] = {nullptr, nullptr};
  uint64_t link_gen = 0;
  // Where its indirect jump went last, valid for generation `indirect_gen`: a return
  // usually goes back to the same block, which then needs no lookup.
  CompiledBlock* indirect_next = nullptr;
  uint64_t indirect_gen = 0;
  bool dead = false;
  uint32_t heat = 0;                  // interpreted runs, for the tier
  std::unique_ptr<SeenTargets> seen;  // for the tier, once its indirect jump ran
  NativeFn native = nullptr;          // run instead of the ops when set
  uint64_t next_insn_pc(unsigned idx) const { return pc + (idx + 1 < num_insns ? insn_offset[idx + 1] : byte_len); }
};

namespace {

bool is_cmp(Opcode op) {
  return op == Opcode::CmpEq || op == Opcode::CmpNe || op == Opcode::CmpLt || op == Opcode::CmpGe ||
         op == Opcode::CmpLtU || op == Opcode::CmpGeU;
}
int cmp_index(Opcode op) { return int(op) - int(Opcode::CmpEq); }

// Lowers an optimized IR block to interpreter operations.
class Lowering {
 public:
  Lowering(const ir::Block& b, CompiledBlock& out) : b_(b), out_(out) {}

  void run() {
    const size_t n = b_.insts.size();
    slot_.assign(n, kNoSlot);
    uses_.assign(n, 0);
    user_.assign(n, 0);
    for (size_t i = 0; i < n; i++)
      for (const ir::Value& v : b_.insts[i].args)
        if (v.valid()) uses_[v.id]++, user_[v.id] = uint32_t(i);
    const ir::Terminal& t = b_.term;
    if (t.value.valid()) {
      uses_[t.value.id]++;
      if (t.kind == ir::Terminal::Kind::Branch && is_cmp(b_.insts[t.value.id].op) && uses_[t.value.id] == 1)
        fused_branch_ = int(t.value.id);
    }
    // Where each value is last read. A value read through an alias (Trunc32, Zext1) or by
    // an operation emitted later in fused form is read where that user is finally read.
    last_use_.assign(n, -1);
    if (t.value.valid()) last_use_[t.value.id] = int(n);
    for (size_t i = n; i-- > 0;) {
      const ir::Inst& x = b_.insts[i];
      bool passthrough =
          x.op == Opcode::Trunc32 || x.op == Opcode::Zext1 || int(i) == fused_branch_ || (is_w_op(x.op) && fused_w(i));
      int pos = passthrough ? std::max(last_use_[i], int(i)) : int(i);
      for (const ir::Value& v : x.args)
        if (v.valid()) last_use_[v.id] = std::max(last_use_[v.id], pos);
    }
    plan_register_writes();
    for (size_t i = 0; i < n; i++) lower(i);
    lower_terminal();
  }

 private:
  const ir::Inst& in(ir::Value v) const { return b_.insts[v.id]; }
  bool is_const(ir::Value v) const { return in(v).op == Opcode::Const; }
  uint16_t temp(size_t i) const { return uint16_t(ir::kNumRegs + i); }

  // Decides which SetRegs can be folded into the instruction that computes the value
  // (its result is written straight to the register), and where each register is written.
  void plan_register_writes() {
    const size_t n = b_.insts.size();
    target_.assign(n, kNoSlot);
    write_at_.assign(n, kNoSlot);
    folded_.assign(n, false);
    for (size_t k = 0; k < n; k++) {
      const ir::Inst& s = b_.insts[k];
      if (s.op != Opcode::SetReg) continue;
      uint32_t j = s.args[0].id;
      Opcode dop = b_.insts[j].op;
      bool real = !(ir::info(dop).flags & ir::Pure) ||
                  (dop != Opcode::Const && dop != Opcode::GetReg && dop != Opcode::Trunc32 && dop != Opcode::Zext1);
      // Only instructions that emit nothing may lie between the definition and the SetReg,
      // so that nothing observes the register early.
      bool adjacent = true;
      for (size_t m = j + 1; m < k; m++) {
        const ir::Inst& mi = b_.insts[m];
        if (!(mi.op == Opcode::Const || mi.op == Opcode::Trunc32 || (mi.op == Opcode::GetReg && mi.imm != s.imm)))
          adjacent = false;
      }
      if (real && adjacent && (uses_[j] == 1 || !written_before_last_use(unsigned(s.imm), k, j)) &&
          target_[j] == kNoSlot && int(j) != fused_branch_ && !(is_w_op(dop) && fused_w(j))) {
        target_[j] = uint16_t(s.imm);
        write_at_[j] = uint16_t(s.imm);
        folded_[k] = true;
      } else {
        write_at_[k] = uint16_t(s.imm);
      }
    }
  }
  // Whether register `reg`, set to value j at index k, is set again before j's last use:
  // until then the register can hold j for its other users too.
  bool written_before_last_use(unsigned reg, size_t k, size_t j) const {
    for (int m = int(k) + 1; m < last_use_[j] && m < int(b_.insts.size()); m++)
      if (b_.insts[m].op == Opcode::SetReg && b_.insts[m].imm == reg) return true;
    return false;
  }

  // The slot holding value v, materializing constants when an operation needs a slot.
  uint16_t src(ir::Value v) {
    if (slot_[v.id] != kNoSlot) return slot_[v.id];
    uint64_t k;
    if (is_const(v) || const32(v, k)) {
      uint16_t s = temp(v.id);
      emit({IOp::MovI, 0, in(v).insn, s, 0, 0, is_const(v) ? in(v).imm : k});
      slot_[v.id] = s;
      return s;
    }
    throw std::logic_error("interp lowering: value used before it has a slot");
  }

  void emit(Op op) { out_.ops.push_back(op); }

  uint16_t dest(size_t i) { return slot_[i] = (target_[i] != kNoSlot ? target_[i] : temp(i)); }

  // A register read can use the register itself unless the register is written
  // between the read and the value's last use.
  bool reg_clobbered(unsigned reg, size_t from, int until) const {
    for (int m = int(from) + 1; m < until && m < int(b_.insts.size()); m++)
      if (write_at_[m] == reg) return true;
    return false;
  }

  void binary(size_t i, IOp rr, IOp ri, bool commutative) {
    const ir::Inst& x = b_.insts[i];
    ir::Value a = x.args[0], c = x.args[1];
    if (ri != IOp::Mov && is_const(c)) {
      uint16_t sa = src(a);
      emit({ri, 0, x.insn, dest(i), sa, 0, in(c).imm});
    } else if (ri != IOp::Mov && commutative && is_const(a)) {
      uint16_t sc = src(c);
      emit({ri, 0, x.insn, dest(i), sc, 0, in(a).imm});
    } else {
      uint16_t sa = src(a), sc = src(c);
      emit({rr, 0, x.insn, dest(i), sa, sc, 0});
    }
  }

  void lower(size_t i) {
    const ir::Inst& x = b_.insts[i];
    switch (x.op) {
      case Opcode::Const: return;  // used as an immediate or materialized on demand
      case Opcode::GetReg: {
        unsigned r = unsigned(x.imm);
        if (reg_clobbered(r, i, last_use_[i] < 0 ? int(i) : last_use_[i])) {
          emit({IOp::Mov, 0, x.insn, temp(i), uint16_t(r), 0, 0});
          slot_[i] = temp(i);
        } else {
          slot_[i] = uint16_t(r);
        }
        return;
      }
      case Opcode::SetReg:
        if (!folded_[i]) {
          ir::Value v = x.args[0];
          if (is_const(v) && slot_[v.id] == kNoSlot)
            emit({IOp::MovI, 0, x.insn, uint16_t(x.imm), 0, 0, in(v).imm});
          else
            emit({IOp::Mov, 0, x.insn, uint16_t(x.imm), src(v), 0, 0});
        }
        return;
      case Opcode::Trunc32:
      case Opcode::Zext1:
        // 32-bit values live in the low half of a slot and I1 values are already 0/1.
        // A truncated constant stays a constant (see const32); anything else aliases its slot.
        if (!(is_const(x.args[0]) && slot_[x.args[0].id] == kNoSlot)) slot_[i] = src(x.args[0]);
        return;
      case Opcode::Add: return binary(i, IOp::Add, IOp::AddI, true);
      case Opcode::Sub:
        if (is_const(x.args[1])) {
          uint16_t sa = src(x.args[0]);
          emit({IOp::AddI, 0, x.insn, dest(i), sa, 0, 0 - in(x.args[1]).imm});
          return;
        }
        return binary(i, IOp::Sub, IOp::Mov, false);
      case Opcode::And: return binary(i, IOp::And, IOp::AndI, true);
      case Opcode::Or: return binary(i, IOp::Or, IOp::OrI, true);
      case Opcode::Xor: return binary(i, IOp::Xor, IOp::XorI, true);
      case Opcode::Shl: return binary(i, IOp::Shl, IOp::ShlI, false);
      case Opcode::Lshr: return binary(i, IOp::Lshr, IOp::LshrI, false);
      case Opcode::Ashr: return binary(i, IOp::Ashr, IOp::AshrI, false);
      case Opcode::Mul: return binary(i, IOp::Mul, IOp::Mov, false);
      case Opcode::MulH: return binary(i, IOp::MulH, IOp::Mov, false);
      case Opcode::MulHU: return binary(i, IOp::MulHU, IOp::Mov, false);
      case Opcode::MulHSU: return binary(i, IOp::MulHSU, IOp::Mov, false);
      case Opcode::Div: return binary(i, IOp::Div, IOp::Mov, false);
      case Opcode::DivU: return binary(i, IOp::DivU, IOp::Mov, false);
      case Opcode::Rem: return binary(i, IOp::Rem, IOp::Mov, false);
      case Opcode::RemU: return binary(i, IOp::RemU, IOp::Mov, false);
      case Opcode::Add32:
      case Opcode::Sub32:
      case Opcode::Shl32:
      case Opcode::Lshr32:
      case Opcode::Ashr32:
      case Opcode::Mul32:
      case Opcode::Div32:
      case Opcode::DivU32:
      case Opcode::Rem32:
      case Opcode::RemU32:
        if (fused_w(i)) return;  // emitted by its Sext32 user as one W operation
        {
          uint16_t sa = src(x.args[0]), sb = src(x.args[1]);
          emit({IOp::Op32, uint8_t(x.op), x.insn, dest(i), sa, sb, 0});
        }
        return;
      case Opcode::Sext32: {
        const ir::Inst& w = in(x.args[0]);
        if (is_w_op(w.op) && fused_w(x.args[0].id)) return lower_w(i, w);
        uint16_t sa = src(x.args[0]);
        emit({IOp::Sext32, 0, x.insn, dest(i), sa, 0, 0});
        return;
      }
      case Opcode::Zext32: {
        uint16_t sa = src(x.args[0]);
        emit({IOp::Zext32, 0, x.insn, dest(i), sa, 0, 0});
        return;
      }
      case Opcode::CmpEq:
      case Opcode::CmpNe:
      case Opcode::CmpLt:
      case Opcode::CmpGe:
      case Opcode::CmpLtU:
      case Opcode::CmpGeU: {
        if (int(i) == fused_branch_) return;
        static constexpr IOp rr[] = {IOp::Eq, IOp::Ne, IOp::Lt, IOp::Ge, IOp::LtU, IOp::GeU};
        static constexpr IOp ri[] = {IOp::EqI, IOp::NeI, IOp::LtI, IOp::GeI, IOp::LtUI, IOp::GeUI};
        int k = cmp_index(x.op);
        return binary(i, rr[k], ri[k], false);
      }
      case Opcode::Select: {
        uint16_t c = src(x.args[0]), a = src(x.args[1]), bb = src(x.args[2]);
        emit({IOp::Select, 0, x.insn, dest(i), c, a, bb});
        return;
      }
      case Opcode::Load: {
        ir::MemImm m = ir::MemImm::unpack(x.imm);
        IOp op = m.size == 1   ? (m.sign ? IOp::LdS8 : IOp::LdU8)
                 : m.size == 2 ? (m.sign ? IOp::LdS16 : IOp::LdU16)
                 : m.size == 4 ? (m.sign ? IOp::LdS32 : IOp::LdU32)
                               : IOp::Ld64;
        uint16_t sa = src(x.args[0]);
        emit({op, 0, x.insn, dest(i), sa, 0, uint64_t(int64_t(m.disp))});
        return;
      }
      case Opcode::Store: {
        ir::MemImm m = ir::MemImm::unpack(x.imm);
        IOp op = m.size == 1 ? IOp::St8 : m.size == 2 ? IOp::St16 : m.size == 4 ? IOp::St32 : IOp::St64;
        uint16_t sa = src(x.args[0]), sv = src(x.args[1]);
        emit({op, 0, x.insn, 0, sa, sv, uint64_t(int64_t(m.disp))});
        return;
      }
      case Opcode::LoadReserved: {
        uint16_t sa = src(x.args[0]);
        emit({IOp::LoadReserved, 0, x.insn, dest(i), sa, 0, x.imm});
        return;
      }
      case Opcode::StoreCond:
      case Opcode::AtomicRmw: {
        uint16_t sa = src(x.args[0]), sv = src(x.args[1]);
        emit({x.op == Opcode::StoreCond ? IOp::StoreCond : IOp::Atomic, 0, x.insn, dest(i), sa, sv, x.imm});
        return;
      }
      case Opcode::Csr: {
        uint16_t sa = src(x.args[0]);
        emit({IOp::Csr, 0, x.insn, dest(i), sa, 0, x.imm});
        return;
      }
      case Opcode::Fp: {
        // The third operand's slot rides in the low 16 bits of imm, the FpImm above it.
        uint16_t sa = src(x.args[0]), sb = src(x.args[1]), sc = src(x.args[2]);
        emit({IOp::Fp, 0, x.insn, dest(i), sa, sb, uint64_t(sc) | x.imm << 16});
        return;
      }
      case Opcode::Count: break;
    }
    throw std::logic_error(std::string("interp lowering: unhandled opcode ") + ir::info(x.op).name);
  }

  static bool is_w_op(Opcode op) {
    return op == Opcode::Add32 || op == Opcode::Sub32 || op == Opcode::Shl32 || op == Opcode::Lshr32 ||
           op == Opcode::Ashr32 || op == Opcode::Mul32 || op == Opcode::Div32 || op == Opcode::DivU32 ||
           op == Opcode::Rem32 || op == Opcode::RemU32;
  }
  // A 32-bit operation whose only user is Sext32 is emitted as one fused W operation.
  bool fused_w(size_t i) const { return uses_[i] == 1 && b_.insts[user_[i]].op == Opcode::Sext32; }
  // The immediate of a 32-bit operand if it is a constant (possibly through Trunc32).
  bool const32(ir::Value v, uint64_t& k) const {
    const ir::Inst& d = in(v);
    if (d.op == Opcode::Trunc32 && is_const(d.args[0])) return k = in(d.args[0]).imm, true;
    return false;
  }

  void lower_w(size_t i, const ir::Inst& w) {
    static constexpr IOp rr[] = {IOp::AddW, IOp::SubW, IOp::ShlW,  IOp::LshrW, IOp::AshrW,
                                 IOp::MulW, IOp::DivW, IOp::DivUW, IOp::RemW,  IOp::RemUW};
    int k = int(w.op) - int(Opcode::Add32);
    IOp ri = w.op == Opcode::Add32    ? IOp::AddWI
             : w.op == Opcode::Shl32  ? IOp::ShlWI
             : w.op == Opcode::Lshr32 ? IOp::LshrWI
             : w.op == Opcode::Ashr32 ? IOp::AshrWI
                                      : IOp::Mov;
    uint64_t kimm;
    if (ri != IOp::Mov && const32(w.args[1], kimm)) {
      uint16_t sa = src(w.args[0]);
      emit({ri, 0, b_.insts[i].insn, dest(i), sa, 0, kimm});
    } else {
      uint16_t sa = src(w.args[0]), sb = src(w.args[1]);
      emit({rr[k], 0, b_.insts[i].insn, dest(i), sa, sb, 0});
    }
  }

  void lower_terminal() {
    const ir::Terminal& t = b_.term;
    uint16_t last = uint16_t(b_.num_insns ? b_.num_insns - 1 : 0);
    switch (t.kind) {
      case ir::Terminal::Kind::Jump: emit({IOp::Jump, 0, last, 0, 0, 0, t.target}); return;
      case ir::Terminal::Kind::JumpIndirect: emit({IOp::JumpIndirect, 0, last, 0, src(t.value), 0, 0}); return;
      case ir::Terminal::Kind::Exit: emit({IOp::Exit, 0, last, 0, 0, 0, 0}); return;
      case ir::Terminal::Kind::Branch:
        if (fused_branch_ >= 0) {
          const ir::Inst& c = b_.insts[fused_branch_];
          static constexpr IOp rr[] = {IOp::BrEq, IOp::BrNe, IOp::BrLt, IOp::BrGe, IOp::BrLtU, IOp::BrGeU};
          static constexpr IOp ri[] = {IOp::BrEqI, IOp::BrNeI, IOp::BrLtI, IOp::BrGeI, IOp::BrLtUI, IOp::BrGeUI};
          int k = cmp_index(c.op);
          if (is_const(c.args[1]))
            emit({ri[k], 0, last, 0, src(c.args[0]), 0, in(c.args[1]).imm});
          else {
            uint16_t sa = src(c.args[0]), sb = src(c.args[1]);
            emit({rr[k], 0, last, 0, sa, sb, 0});
          }
        } else {
          emit({IOp::Branch, 0, last, 0, src(t.value), 0, 0});
        }
        return;
      case ir::Terminal::Kind::None: break;
    }
    throw std::logic_error("interp lowering: block without terminal");
  }

  // Per value (instruction index). Kept from one block to the next (one set per thread):
  // every translated block is lowered.
  struct Scratch {
    std::vector<uint16_t> slot, target, write_at;
    std::vector<int> uses, last_use;
    std::vector<uint32_t> user;
    std::vector<bool> folded;
  };
  static Scratch& scratch() {
    thread_local Scratch x;
    return x;
  }
  const ir::Block& b_;
  CompiledBlock& out_;
  std::vector<uint16_t>& slot_ = scratch().slot;
  std::vector<int>& uses_ = scratch().uses;
  std::vector<int>& last_use_ = scratch().last_use;
  std::vector<uint16_t>& target_ = scratch().target;      // register a value is computed straight into
  std::vector<uint16_t>& write_at_ = scratch().write_at;  // register written by the instruction at this index
  std::vector<uint32_t>& user_ = scratch().user;          // the last (for single-use values: the only) user
  std::vector<bool>& folded_ = scratch().folded;          // SetRegs folded into their value's definition
  int fused_branch_ = -1;                                 // the compare evaluated by the branch terminal itself
};

}  // namespace

Interpreter::Interpreter(ir::Host& host, Translator translator, bool check_ir)
    : host_(host),
      translator_(std::move(translator)),
      check_ir_(check_ir),
      jump_cache_(kJumpCacheSize, nullptr),
      jump_gen_(kJumpCacheSize, 0),
      far_(kJumpCacheSize) {}

Interpreter::~Interpreter() = default;

ir::Block Interpreter::build_ir(ir::GuestState& s, uint64_t pc, unsigned max_insns, bool check) {
  ir::Block b;
  auto fetch = [&](uint64_t a, uint16_t& out, uint64_t& cause) {
    if (host_.fetch(s, a, out)) return true;
    cause = s.trap_cause;
    return false;
  };
  translator_(pc, s.mode, max_insns, fetch, b);
  if (check) {
    std::string err = ir::verify(b);
    if (!err.empty()) throw std::logic_error("IR verification failed after lifting:\n" + err);
  }
  ir::optimize(b, check);
  return b;
}

CompiledBlock* Interpreter::compile(ir::GuestState& s, uint64_t pc, uint64_t phys, bool single) {
  ir::Block b = build_ir(s, pc, single ? 1 : 64, check_ir_);
  if (on_translate) on_translate(b);
  auto cb = std::make_unique<CompiledBlock>();
  cb->pc = pc;
  cb->phys = phys;
  cb->mode = s.mode;
  cb->single = single;
  cb->num_insns = b.num_insns;
  cb->byte_len = b.byte_len;
  cb->insn_offset = b.insn_offset;
  cb->term = b.term;
  Lowering(b, *cb).run();
  stats_.blocks_translated++;
  uint64_t first_len = std::min<uint64_t>(b.byte_len, 4096 - (pc & 4095));
  cb->ranges.push_back({phys, first_len});
  if (first_len < b.byte_len) {
    // Only an instruction straddling the page boundary gets here; its second page was
    // fetched successfully while translating, so it translates now too.
    uint64_t phys2 = pc + first_len;
    if (!host_.fetch_page(s, pc + first_len, phys2)) throw std::logic_error("code page vanished during translation");
    cb->ranges.push_back({phys2, b.byte_len - first_len});
  }
  CompiledBlock* raw = cb.get();
  for (auto [start, len] : cb->ranges) {
    host_.code_translated(start, len);
    for (uint64_t page = start >> 12; page <= (start + len - 1) >> 12; page++) by_page_[page].push_back(raw);
  }
  // A block that spans two pages depends on the second page's mapping, and one that ends
  // in a fetch fault on its second page on that page staying unmapped.
  const bool fetch_fault = b.term.kind == ir::Terminal::Kind::Exit && b.term.exit == ir::ExitKind::Trap &&
                           (b.term.tval >> 12) != (pc >> 12) && b.term.tval == b.term.target + 2;
  if (cb->ranges.size() > 1 || fetch_fault) mapping_dependent_.push_back(raw);
  cache_[Key{pc, phys, s.mode, single}] = std::move(cb);
  return raw;
}

CompiledBlock* Interpreter::lookup(ir::GuestState& s, uint64_t pc, bool single) {
  const unsigned i = far_index(pc);
  CompiledBlock*& slot = jump_cache_[i];
  const bool same = slot && slot->pc == pc && slot->mode == s.mode && slot->single == single;
  if (same && jump_gen_[i] == generation_) return slot;
  // Asked on every miss, in every mode: fetch permission (PMP) can change without paging.
  uint64_t phys = pc;
  if (!host_.fetch_page(s, pc, phys)) return nullptr;
  CompiledBlock* b;
  if (same && slot->phys == phys) {
    b = slot;  // from before the mappings changed, and the pc still maps to its code
  } else {
    auto it = cache_.find(Key{pc, phys, s.mode, single});
    b = it != cache_.end() ? it->second.get() : compile(s, pc, phys, single);
  }
  if (!single && b) {
    slot = b;
    if (!jump_gen_[i] && filled_.size() <= kFilledMax) filled_.push_back(i);
    jump_gen_[i] = generation_;
    far_[i] = {pc, b->native, s.mode};
  }
  return b;
}

ir::ExitInfo native_exit(uint64_t ret, const ir::GuestState& s) {
  switch (ret) {
    case kNativeNext: return {ir::ExitKind::None, s.pc};
    case kNativeTrap: return {ir::ExitKind::Trap, s.pc, s.trap_cause, s.trap_tval};
    case kNativeYield: return {ir::ExitKind::Yield, s.pc};
    default: return *reinterpret_cast<const ir::ExitInfo*>(ret);
  }
}

bool Interpreter::install(uint64_t pc, uint64_t phys, uint32_t mode, NativeFn fn) {
  auto it = cache_.find(Key{pc, phys, mode, false});
  if (it == cache_.end()) return false;
  it->second->native = fn;
  if (!fn) it->second->heat = 0;
  const unsigned i = far_index(pc);
  if (jump_cache_[i] == it->second.get() && jump_gen_[i]) far_[i].fn = fn;
  return true;
}

void Interpreter::uninstall(uint64_t pc, uint64_t phys, uint32_t mode, NativeFn fn) {
  auto it = cache_.find(Key{pc, phys, mode, false});
  if (it != cache_.end() && it->second->native == fn) install(pc, phys, mode, nullptr);
}

NativeFn Interpreter::native_of(uint64_t pc, uint64_t phys, uint32_t mode) const {
  auto it = cache_.find(Key{pc, phys, mode, false});
  return it != cache_.end() ? it->second->native : nullptr;
}

bool Interpreter::has_run(uint64_t pc, uint64_t phys, uint32_t mode) const {
  auto it = cache_.find(Key{pc, phys, mode, false});
  return it != cache_.end() && (it->second->heat || it->second->native);
}

std::vector<uint64_t> Interpreter::indirect_targets(uint64_t pc, uint64_t phys, uint32_t mode) const {
  auto it = cache_.find(Key{pc, phys, mode, false});
  if (it == cache_.end() || !it->second->seen) return {};
  const SeenTargets& seen = *it->second->seen;
  std::vector<unsigned> order(seen.n);
  for (unsigned i = 0; i < seen.n; i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](unsigned a, unsigned b) { return seen.runs[a] > seen.runs[b]; });
  uint64_t total = 0;
  for (unsigned i = 0; i < seen.n; i++) total += seen.runs[i];
  std::vector<uint64_t> out;
  for (unsigned i : order)
    if (uint64_t(seen.runs[i]) * kRareTarget >= total) out.push_back(seen.pc[i]);
  return out;
}

void Interpreter::drop(CompiledBlock* b) {
  if (b->dead) return;
  b->dead = true;
  for (auto [start, len] : b->ranges) {
    for (uint64_t page = start >> 12; page <= (start + len - 1) >> 12; page++) {
      auto it = by_page_.find(page);
      if (it == by_page_.end()) continue;
      std::erase(it->second, b);
      if (it->second.empty()) by_page_.erase(it);
    }
  }
  std::erase(mapping_dependent_, b);
  if (jump_cache_[far_index(b->pc)] == b) {
    jump_cache_[far_index(b->pc)] = nullptr;
    jump_gen_[far_index(b->pc)] = 0;
    far_[far_index(b->pc)] = NativeEntry{};
  }
  auto it = cache_.find(Key{b->pc, b->phys, b->mode, b->single});
  if (it != cache_.end()) {
    graveyard_.push_back(std::move(it->second));
    cache_.erase(it);
  }
}

bool Interpreter::invalidate(uint64_t addr, uint64_t len) {
  if (len == 0) return false;
  const bool native = tier_ && tier_->invalidated(addr, len);
  std::vector<CompiledBlock*> victims;
  for (uint64_t page = addr >> 12; page <= (addr + len - 1) >> 12; page++) {
    auto it = by_page_.find(page);
    if (it == by_page_.end()) continue;
    for (CompiledBlock* b : it->second)
      for (auto [start, n] : b->ranges)
        if (start < addr + len && addr < start + n) victims.push_back(b);
  }
  if (victims.empty()) return native;
  for (CompiledBlock* b : victims) drop(b);
  generation_++;
  return true;
}

void Interpreter::clear_far() {
  if (filled_.size() > kFilledMax) {
    std::fill(far_.begin(), far_.end(), NativeEntry{});
    std::fill(jump_gen_.begin(), jump_gen_.end(), 0);
  } else {
    for (uint32_t i : filled_) far_[i] = NativeEntry{}, jump_gen_[i] = 0;
  }
  filled_.clear();
}

void Interpreter::flush() {
  if (tier_) tier_->flushed();
  for (auto& [k, b] : cache_) graveyard_.push_back(std::move(b));
  cache_.clear();
  by_page_.clear();
  mapping_dependent_.clear();
  std::fill(jump_cache_.begin(), jump_cache_.end(), nullptr);
  clear_far();
  generation_++;
  stats_.cache_flushes++;
}

void Interpreter::flush_virtual() {
  // Blocks are keyed by physical pc too, so they stay valid; the blocks that depend on a
  // second page's mapping go. The jump cache's slots are checked again at their next use
  // (the new generation), and native code's view of them goes: it cannot check them.
  std::vector<CompiledBlock*> victims = mapping_dependent_;
  for (CompiledBlock* b : victims) drop(b);
  clear_far();
  generation_++;
}

ir::Block Interpreter::translate_for_dump(ir::GuestState& s, uint64_t pc) { return build_ir(s, pc, 64, true); }

ir::ExitInfo Interpreter::run(ir::GuestState& s, uint64_t limit) {
  static const void* const kHandlers[] = {
#define X(n) &&L_##n,
      INTERP_OPS(X)
#undef X
  };
  uint64_t* const R = s.regs;  // guest registers followed by scratch slots
  const bool tracing = bool(on_insn);
  ir::ExitInfo exit;
  CompiledBlock* blk = nullptr;
  CompiledBlock* prev = nullptr;
  // How the previous interpreted block (prev) left: 0 taken, 1 not taken (its link
  // slots), kIndirectEdge by its indirect jump, -1 otherwise.
  constexpr int kIndirectEdge = -2;
  int prev_edge = -1;
  CompiledBlock* stalled = nullptr;  // its native code returned at once: interpret it once
  const Op* op;
  uint64_t base;  // icount at entry of the running block

  // Fills in the handler pointers of a newly compiled block.
  auto prepare = [&](CompiledBlock* b) {
    if (!b->ops.empty() && !b->ops[0].handler)
      for (Op& o : b->ops) o.handler = kHandlers[unsigned(o.op)];
  };
  // Counts an interpreted run of a (not single-step) block for the tier.
  auto heat_up = [&](CompiledBlock* b) {
    if (tier_ && ++b->heat >= threshold_) {
      if (b->heat == threshold_)
        tier_->hot(s, b->pc, b->phys);
      else if ((b->heat & (b->heat - 1)) == 0)
        tier_->still_hot(s, b->pc, b->phys, b->heat);
    }
  };
  static const std::atomic<bool> kNeverReady{false};
  const std::atomic<bool>& tier_ready = tier_ ? tier_->ready : kNeverReady;

#define NEXT            \
  do {                  \
    op++;               \
    goto * op->handler; \
  } while (0)
#define TRAP_HERE()                                               \
  do {                                                            \
    s.icount = base + op->insn;                                   \
    s.pc = blk->pc + blk->insn_offset[op->insn];                  \
    exit = {ir::ExitKind::Trap, s.pc, s.trap_cause, s.trap_tval}; \
    goto done;                                                    \
  } while (0)
#define BEFORE_HOST_CALL()                       \
  do {                                           \
    s.icount = base + op->insn;                  \
    s.pc = blk->pc + blk->insn_offset[op->insn]; \
  } while (0)

  graveyard_.clear();
  for (;;) {
    if (tier_ && tier_->ready.load(std::memory_order_acquire)) tier_->poll();
    if (s.exit_request) {
      s.exit_request = 0;
      exit = {ir::ExitKind::Yield, s.pc};
      goto done;
    }
    if (s.icount >= limit) {
      exit = {ir::ExitKind::Budget, s.pc};
      goto done;
    }
    uint64_t remaining = limit - s.icount;
    // Under virtual addressing a link may only stay within the page, whose mapping was
    // valid when the running block was looked up.
    const bool may_link = prev && prev_edge >= 0 && (!(s.mode & ir::kModeVirtual) || (prev->pc >> 12) == (s.pc >> 12));
    // After an indirect jump, the block it went to last time, if the jump cache would
    // still give it (no invalidation or mapping change since: the same generation).
    const bool indirect = prev && prev_edge == kIndirectEdge && !tracing;
    // A successor remembered in generation `gen` that starts where execution goes on.
    auto remembered = [&](const CompiledBlock* n, uint64_t gen) {
      return gen == generation_ && n && n->pc == s.pc && n->mode == s.mode;
    };
    if (may_link && remembered(prev->next[prev_edge], prev->link_gen)) {
      blk = prev->next[prev_edge];
    } else if (indirect && remembered(prev->indirect_next, prev->indirect_gen)) {
      blk = prev->indirect_next;
    } else {
      blk = lookup(s, s.pc, tracing);
      if (!blk) {
        exit = {ir::ExitKind::Trap, s.pc, s.trap_cause, s.trap_tval};
        goto done;
      }
      if (may_link && !blk->single) {
        if (prev->link_gen != generation_) prev->next[0] = prev->next[1] = nullptr, prev->link_gen = generation_;
        prev->next[prev_edge] = blk;
        prepare(blk);  // a native block may be interpreted again through the link
      } else if (indirect && !blk->single) {
        prev->indirect_next = blk;
        prev->indirect_gen = generation_;
      }
    }
    if (blk->num_insns > remaining && !(blk = lookup(s, s.pc, true))) {
      exit = {ir::ExitKind::Trap, s.pc, s.trap_cause, s.trap_tval};
      goto done;
    }
    if (blk->native && !tracing && blk != stalled) {
      const uint64_t before = s.icount;
      const uint64_t r = blk->native(&s, &host_, limit);
      stats_.native_insns += s.icount - before;
      stats_.native_entries++;
      prev = nullptr;
      if (r == kNativeNext) {
        // Native code may leave before its first instruction (memory it cannot reach
        // directly, see jit/lower.cpp): the block then runs interpreted, so the run goes on.
        stalled = s.icount == before ? blk : nullptr;
        stats_.native_idle += stalled != nullptr;
        continue;
      }
      exit = native_exit(r, s);
      goto done;
    }
    stalled = nullptr;
    if (!blk->single) heat_up(blk);
    prepare(blk);
    if (tracing) on_insn(s, s.pc);
    base = s.icount;
    op = blk->ops.data();
    prev = blk;
    prev_edge = -1;
    goto * op->handler;

    // clang-format off
  L_Mov: R[op->d] = R[op->a]; NEXT;
  L_MovI: R[op->d] = op->imm; NEXT;
  L_Add: R[op->d] = R[op->a] + R[op->b]; NEXT;
  L_Sub: R[op->d] = R[op->a] - R[op->b]; NEXT;
  L_And: R[op->d] = R[op->a] & R[op->b]; NEXT;
  L_Or: R[op->d] = R[op->a] | R[op->b]; NEXT;
  L_Xor: R[op->d] = R[op->a] ^ R[op->b]; NEXT;
  L_Shl: R[op->d] = R[op->a] << (R[op->b] & 63); NEXT;
  L_Lshr: R[op->d] = R[op->a] >> (R[op->b] & 63); NEXT;
  L_Ashr: R[op->d] = uint64_t(int64_t(R[op->a]) >> (R[op->b] & 63)); NEXT;
  L_AddI: R[op->d] = R[op->a] + op->imm; NEXT;
  L_AndI: R[op->d] = R[op->a] & op->imm; NEXT;
  L_OrI: R[op->d] = R[op->a] | op->imm; NEXT;
  L_XorI: R[op->d] = R[op->a] ^ op->imm; NEXT;
  L_ShlI: R[op->d] = R[op->a] << (op->imm & 63); NEXT;
  L_LshrI: R[op->d] = R[op->a] >> (op->imm & 63); NEXT;
  L_AshrI: R[op->d] = uint64_t(int64_t(R[op->a]) >> (op->imm & 63)); NEXT;
  L_Mul: R[op->d] = R[op->a] * R[op->b]; NEXT;
  L_MulH: R[op->d] = ir::mulh_s(int64_t(R[op->a]), int64_t(R[op->b])); NEXT;
  L_MulHU: R[op->d] = ir::mulh_u(R[op->a], R[op->b]); NEXT;
  L_MulHSU: R[op->d] = ir::mulh_su(int64_t(R[op->a]), R[op->b]); NEXT;
  L_Div: R[op->d] = ir::div_s(int64_t(R[op->a]), int64_t(R[op->b])); NEXT;
  L_DivU: R[op->d] = ir::div_u(R[op->a], R[op->b]); NEXT;
  L_Rem: R[op->d] = ir::rem_s(int64_t(R[op->a]), int64_t(R[op->b])); NEXT;
  L_RemU: R[op->d] = ir::rem_u(R[op->a], R[op->b]); NEXT;
#define SEXT32(v) uint64_t(int64_t(int32_t(uint32_t(v))))
  L_AddW: R[op->d] = SEXT32(R[op->a] + R[op->b]); NEXT;
  L_SubW: R[op->d] = SEXT32(R[op->a] - R[op->b]); NEXT;
  L_ShlW: R[op->d] = SEXT32(uint32_t(R[op->a]) << (R[op->b] & 31)); NEXT;
  L_LshrW: R[op->d] = SEXT32(uint32_t(R[op->a]) >> (R[op->b] & 31)); NEXT;
  L_AshrW: R[op->d] = SEXT32(int32_t(uint32_t(R[op->a])) >> (R[op->b] & 31)); NEXT;
  L_MulW: R[op->d] = SEXT32(uint32_t(R[op->a]) * uint32_t(R[op->b])); NEXT;
  L_DivW: R[op->d] = SEXT32(ir::div32_s(int32_t(R[op->a]), int32_t(R[op->b]))); NEXT;
  L_DivUW: R[op->d] = SEXT32(ir::div32_u(uint32_t(R[op->a]), uint32_t(R[op->b]))); NEXT;
  L_RemW: R[op->d] = SEXT32(ir::rem32_s(int32_t(R[op->a]), int32_t(R[op->b]))); NEXT;
  L_RemUW: R[op->d] = SEXT32(ir::rem32_u(uint32_t(R[op->a]), uint32_t(R[op->b]))); NEXT;
  L_AddWI: R[op->d] = SEXT32(R[op->a] + op->imm); NEXT;
  L_ShlWI: R[op->d] = SEXT32(uint32_t(R[op->a]) << (op->imm & 31)); NEXT;
  L_LshrWI: R[op->d] = SEXT32(uint32_t(R[op->a]) >> (op->imm & 31)); NEXT;
  L_AshrWI: R[op->d] = SEXT32(int32_t(uint32_t(R[op->a])) >> (op->imm & 31)); NEXT;
  L_Op32: {
    uint64_t out = 0;
    ir::eval_pure(Opcode(op->aux), R[op->a], R[op->b], 0, out);
    R[op->d] = out;
    NEXT;
  }
  L_Sext32: R[op->d] = SEXT32(R[op->a]); NEXT;
  L_Zext32: R[op->d] = uint32_t(R[op->a]); NEXT;
#undef SEXT32
  L_Eq: R[op->d] = R[op->a] == R[op->b]; NEXT;
  L_Ne: R[op->d] = R[op->a] != R[op->b]; NEXT;
  L_Lt: R[op->d] = int64_t(R[op->a]) < int64_t(R[op->b]); NEXT;
  L_Ge: R[op->d] = int64_t(R[op->a]) >= int64_t(R[op->b]); NEXT;
  L_LtU: R[op->d] = R[op->a] < R[op->b]; NEXT;
  L_GeU: R[op->d] = R[op->a] >= R[op->b]; NEXT;
  L_EqI: R[op->d] = R[op->a] == op->imm; NEXT;
  L_NeI: R[op->d] = R[op->a] != op->imm; NEXT;
  L_LtI: R[op->d] = int64_t(R[op->a]) < int64_t(op->imm); NEXT;
  L_GeI: R[op->d] = int64_t(R[op->a]) >= int64_t(op->imm); NEXT;
  L_LtUI: R[op->d] = R[op->a] < op->imm; NEXT;
  L_GeUI: R[op->d] = R[op->a] >= op->imm; NEXT;
  L_Select: R[op->d] = (R[op->a] & 1) ? R[op->b] : R[op->imm]; NEXT;

#define LOAD(T, EXT, SIZE)                                                  \
  {                                                                         \
    uint64_t addr = R[op->a] + op->imm;                                     \
    const ir::TlbEntry& e = s.tlb[s.data_tlb][(addr >> 12) % ir::kTlbEntries]; \
    if (e.read_tag == (addr & ~0xfffull) && (addr & 0xfff) <= 4096 - SIZE) [[likely]] { \
      T v;                                                                  \
      std::memcpy(&v, reinterpret_cast<const void*>(addr + e.addend), SIZE); \
      R[op->d] = EXT(v);                                                    \
    } else {                                                                \
      BEFORE_HOST_CALL();                                                   \
      uint64_t v;                                                           \
      if (!host_.load(s, addr, SIZE, v)) TRAP_HERE();                       \
      R[op->d] = EXT(T(v));                                                 \
    }                                                                       \
    NEXT;                                                                   \
  }
#define ZX(v) uint64_t(v)
#define SX(v) uint64_t(int64_t(v))
  L_LdU8: LOAD(uint8_t, ZX, 1)
  L_LdS8: LOAD(int8_t, SX, 1)
  L_LdU16: LOAD(uint16_t, ZX, 2)
  L_LdS16: LOAD(int16_t, SX, 2)
  L_LdU32: LOAD(uint32_t, ZX, 4)
  L_LdS32: LOAD(int32_t, SX, 4)
  L_Ld64: LOAD(uint64_t, ZX, 8)
#undef LOAD
#undef ZX
#undef SX
#define STORE(T, SIZE)                                                      \
  {                                                                         \
    uint64_t addr = R[op->a] + op->imm;                                     \
    const ir::TlbEntry& e = s.tlb[s.data_tlb][(addr >> 12) % ir::kTlbEntries]; \
    if (e.write_tag == (addr & ~0xfffull) && (addr & 0xfff) <= 4096 - SIZE) [[likely]] { \
      T v = T(R[op->b]);                                                    \
      std::memcpy(reinterpret_cast<void*>(addr + e.addend), &v, SIZE);      \
    } else {                                                                \
      BEFORE_HOST_CALL();                                                   \
      if (!host_.store(s, addr, SIZE, R[op->b])) TRAP_HERE();               \
      if (s.exit_request) {                                                 \
        s.exit_request = 0;                                                 \
        s.icount = base + op->insn + 1;                                     \
        s.pc = blk->next_insn_pc(op->insn);                                 \
        exit = {ir::ExitKind::Yield, s.pc};                                 \
        goto done;                                                          \
      }                                                                     \
    }                                                                       \
    NEXT;                                                                   \
  }
  L_St8: STORE(uint8_t, 1)
  L_St16: STORE(uint16_t, 2)
  L_St32: STORE(uint32_t, 4)
  L_St64: STORE(uint64_t, 8)
#undef STORE

  L_LoadReserved: {
    BEFORE_HOST_CALL();
    ir::MemImm m = ir::MemImm::unpack(op->imm);
    uint64_t v;
    if (!host_.load_reserved(s, R[op->a], m.size, v)) TRAP_HERE();
    R[op->d] = m.sign ? uint64_t(int64_t(int32_t(uint32_t(v)))) : v;
    NEXT;
  }
  L_StoreCond: {
    BEFORE_HOST_CALL();
    ir::MemImm m = ir::MemImm::unpack(op->imm);
    uint64_t v;
    if (!host_.store_cond(s, R[op->a], m.size, R[op->b], v)) TRAP_HERE();
    R[op->d] = v;
    NEXT;
  }
  L_Atomic: {
    BEFORE_HOST_CALL();
    ir::MemImm m = ir::MemImm::unpack(op->imm);
    uint64_t v;
    if (!host_.atomic(s, R[op->a], m.size, ir::AtomicOp(m.atomic), R[op->b], v)) TRAP_HERE();
    R[op->d] = m.sign ? uint64_t(int64_t(int32_t(uint32_t(v)))) : v;
    NEXT;
  }
  L_Csr: {
    BEFORE_HOST_CALL();
    uint64_t v;
    if (!host_.csr(s, ir::CsrImm::unpack(op->imm), R[op->a], v)) TRAP_HERE();
    R[op->d] = v;
    NEXT;
  }
  L_Fp: {
    uint64_t v;
    if (!ir::fp_eval(ir::FpImm::unpack(op->imm >> 16), R[op->a], R[op->b], R[uint16_t(op->imm)], s.fcsr, v)) {
      s.trap_cause = ir::kFpTrapCause;  // the dynamic rounding mode is invalid
      s.trap_tval = 0;
      TRAP_HERE();
    }
    R[op->d] = v;
    NEXT;
  }

  L_Jump:
    s.pc = op->imm;
    prev_edge = 0;
    goto block_done;
  L_JumpIndirect:
    s.pc = R[op->a];
    prev_edge = kIndirectEdge;
    if (tier_ && !blk->single && blk->heat <= threshold_) {
      if (!blk->seen) blk->seen = std::make_unique<SeenTargets>();
      blk->seen->note(s.pc);
    }
    goto block_done;
  L_Branch:
    prev_edge = (R[op->a] & 1) ? 0 : 1;
    s.pc = prev_edge == 0 ? blk->term.target : blk->term.fallthrough;
    goto block_done;
#define BRANCH(COND)                                               \
  prev_edge = (COND) ? 0 : 1;                                      \
  s.pc = prev_edge == 0 ? blk->term.target : blk->term.fallthrough; \
  goto block_done;
  L_BrEq: BRANCH(R[op->a] == R[op->b])
  L_BrNe: BRANCH(R[op->a] != R[op->b])
  L_BrLt: BRANCH(int64_t(R[op->a]) < int64_t(R[op->b]))
  L_BrGe: BRANCH(int64_t(R[op->a]) >= int64_t(R[op->b]))
  L_BrLtU: BRANCH(R[op->a] < R[op->b])
  L_BrGeU: BRANCH(R[op->a] >= R[op->b])
  L_BrEqI: BRANCH(R[op->a] == op->imm)
  L_BrNeI: BRANCH(R[op->a] != op->imm)
  L_BrLtI: BRANCH(int64_t(R[op->a]) < int64_t(op->imm))
  L_BrGeI: BRANCH(int64_t(R[op->a]) >= int64_t(op->imm))
  L_BrLtUI: BRANCH(R[op->a] < op->imm)
  L_BrGeUI: BRANCH(R[op->a] >= op->imm)
#undef BRANCH
  L_Exit: {
    const ir::Terminal& t = blk->term;
    bool retires = t.exit != ir::ExitKind::Trap && t.exit != ir::ExitKind::Ecall && t.exit != ir::ExitKind::Ebreak;
    s.icount = base + blk->num_insns - (retires ? 0 : 1);
    s.pc = retires ? t.fallthrough : t.target;
    exit = {t.exit, t.target, t.cause, t.tval};
    goto done;
  }
  block_done:
    s.icount = base + blk->num_insns;
    // Along a link (a direct jump or branch to a block it went to before) the next block
    // starts here, unless anything the loop above handles is due: it is native code, the
    // tier has code to install, an exit is requested, or the budget ends within it.
    if (prev_edge >= 0 && blk->link_gen == generation_ && !tracing) {
      CompiledBlock* n = blk->next[prev_edge];
      if (n && !n->native && n->num_insns <= limit - s.icount && !s.exit_request &&
          !tier_ready.load(std::memory_order_acquire)) {
        heat_up(n);
        stalled = nullptr;
        base = s.icount;
        blk = prev = n;
        prev_edge = -1;
        op = n->ops.data();
        goto * op->handler;
      }
    }
    continue;
    // clang-format on
  }
done:
  return exit;
#undef NEXT
#undef TRAP_HERE
#undef BEFORE_HOST_CALL
}

}  // namespace polyemu::interp
