#include "jit/lower.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PatternMatch.h>

#include <algorithm>
#include <bitset>
#include <cstddef>
#include <map>

#include "ir/fp.h"

namespace polyemu::jit {

using ir::Opcode;

namespace {

// Helper status: what lowered code does after the call. When the host asks the engine to
// return (exit_request) the helper still says kOk: as in the interpreter, the region stops
// at the next block, whose head checks exit_request.
constexpr uint32_t kOk = 0, kTrapped = 1, kYield = 2;

uint32_t status(bool ok) { return ok ? kOk : kTrapped; }

// The slow paths and the operations that always go through the host. Each returns a
// status; results go through `out`.
uint32_t helper_load(ir::GuestState* s, ir::Host* h, uint64_t addr, uint64_t size, uint64_t* out) {
  return status(h->load(*s, addr, unsigned(size), *out));
}
// A store to a device may ask the engine to return right after it: the helper then
// retires the store and moves pc to `next_pc`.
uint32_t helper_store(ir::GuestState* s, ir::Host* h, uint64_t addr, uint64_t size, uint64_t value, uint64_t next_pc) {
  if (!h->store(*s, addr, unsigned(size), value)) return kTrapped;
  if (s->exit_request) {
    s->exit_request = 0;
    s->icount++;
    s->pc = next_pc;
    return kYield;
  }
  return kOk;
}
uint32_t helper_load_reserved(ir::GuestState* s, ir::Host* h, uint64_t addr, uint64_t size, uint64_t* out) {
  return status(h->load_reserved(*s, addr, unsigned(size), *out));
}
uint32_t helper_store_cond(ir::GuestState* s, ir::Host* h, uint64_t addr, uint64_t size, uint64_t value,
                           uint64_t* out) {
  return status(h->store_cond(*s, addr, unsigned(size), value, *out));
}
uint32_t helper_atomic(ir::GuestState* s, ir::Host* h, uint64_t addr, uint64_t size, uint64_t op, uint64_t value,
                       uint64_t* out) {
  return status(h->atomic(*s, addr, unsigned(size), ir::AtomicOp(op), value, *out));
}
uint32_t helper_csr(ir::GuestState* s, ir::Host* h, uint64_t imm, uint64_t value, uint64_t* out) {
  return status(h->csr(*s, ir::CsrImm::unpack(imm), value, *out));
}
uint32_t helper_fp(ir::GuestState* s, uint64_t imm, uint64_t a, uint64_t b, uint64_t c, uint64_t* out) {
  if (ir::fp_eval(ir::FpImm::unpack(imm), a, b, c, s->fcsr, *out)) return kOk;
  s->trap_cause = ir::kFpTrapCause;  // the dynamic rounding mode is invalid
  s->trap_tval = 0;
  return kTrapped;
}

constexpr const char* kLoad = "polyemu_jit_load";
constexpr const char* kStore = "polyemu_jit_store";
constexpr const char* kLoadReserved = "polyemu_jit_load_reserved";
constexpr const char* kStoreCond = "polyemu_jit_store_cond";
constexpr const char* kAtomic = "polyemu_jit_atomic";
constexpr const char* kCsr = "polyemu_jit_csr";
constexpr const char* kFp = "polyemu_jit_fp";

static_assert((ir::kTlbEntries & (ir::kTlbEntries - 1)) == 0, "the TLB index is a mask");
static_assert(sizeof(std::atomic<bool>) == 1 && std::atomic<bool>::is_always_lock_free,
              "the code sets a Profile's signal with a byte store");

class Lowering {
 public:
  Lowering(const std::vector<ir::Block>& blocks, llvm::Module& m, std::deque<ir::ExitInfo>& exits, std::string& error,
           const Chaining& chain, const LikelyTargets& likely, const Profile& profile, const ir::RamWindow& ram)
      : blocks_(blocks),
        chain_(chain),
        likely_(likely),
        profile_(profile),
        ram_(ram),
        m_(m),
        ir_(m.getContext()),
        exits_(exits),
        error_(error),
        i8_(ir_.getInt8Ty()),
        i32_(ir_.getInt32Ty()),
        i64_(ir_.getInt64Ty()),
        ptr_(ir_.getPtrTy()) {}

  llvm::Function* run(const std::string& name) {
    if (blocks_.empty()) return fail("empty region");
    if (m_.getFunction(name)) return fail("function " + name + " already exists");
    for (const ir::Block& b : blocks_)
      if (b.insn_offset.size() < b.num_insns || b.num_insns == 0)
        return fail("block has fewer instruction offsets than instructions");
    auto* fty = llvm::FunctionType::get(i64_, {ptr_, ptr_, i64_}, false);
    f_ = llvm::Function::Create(fty, llvm::Function::ExternalLinkage, name, m_);
    s_ = f_->getArg(0);
    host_ = f_->getArg(1);
    limit_ = f_->getArg(2);
    f_->addParamAttr(0, llvm::Attribute::NonNull);
    auto& ctx = ir_.getContext();
    llvm::MDBuilder md(ctx);
    llvm::MDNode* root = md.createTBAARoot("polyemu");
    auto scalar = [&](const char* name) {
      llvm::MDNode* t = md.createTBAAScalarTypeNode(name, root);
      return md.createTBAAStructTagNode(t, t, 0);
    };
    tbaa_reg_ = scalar("guest register");
    tbaa_mem_ = scalar("guest memory");
    tbaa_state_ = scalar("engine state");
    ir_.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f_));
    out_ = ir_.CreateAlloca(i64_, nullptr, "out");
    ic_ = ir_.CreateAlloca(i64_, nullptr, "ic");
    pc_slot_ = ir_.CreateAlloca(i64_, nullptr, "next_pc");
    ret_slot_ = ir_.CreateAlloca(i64_, nullptr, "ret");
    tlb_slot_ = ir_.CreateAlloca(ptr_, nullptr, "data_tlb");
    load_data_tlb();
    // ic_ counts down: the instructions left before `limit`. Loops then carry one counter
    // for both the budget check and the instruction count.
    ir_.CreateStore(ir_.CreateSub(limit_, ir_.CreateLoad(i64_, field(offsetof(ir::GuestState, icount)))), ic_);
    for (size_t i = 0; i < blocks_.size(); i++) {
      checks_.push_back(llvm::BasicBlock::Create(ctx, "check" + std::to_string(i), f_));
      heads_.push_back(llvm::BasicBlock::Create(ctx, "block" + std::to_string(i), f_));
      index_.emplace(blocks_[i].pc, unsigned(i));
    }
    analyze_blocks();
    llvm::Value* narrow_fit = nullptr;
    if (quick())
      record_wide();
    else
      narrow_fit = read_registers();
    make_caches();  // allocas belong in the entry block, before the check below splits it
    if (narrow_fit) enter_only_if(narrow_fit);
    // Every block is an entry: the dispatcher calls the function with s->pc at one of them,
    // and its budget check comes first.
    if (blocks_.size() == 1) {
      ir_.CreateBr(checks_[0]);
    } else {
      llvm::Value* pc = ir_.CreateLoad(i64_, field(offsetof(ir::GuestState, pc)));
      llvm::SwitchInst* sw = ir_.CreateSwitch(pc, checks_[0], unsigned(blocks_.size() - 1));
      for (size_t i = 1; i < blocks_.size(); i++)
        if (index_[blocks_[i].pc] == i) sw->addCase(ir_.getInt64(blocks_[i].pc), checks_[i]);
    }

    leave_ = llvm::BasicBlock::Create(ctx, "leave", f_);
    ir_.SetInsertPoint(leave_);
    ir_.CreateStore(ir_.CreateSub(limit_, ir_.CreateLoad(i64_, ic_)), field(offsetof(ir::GuestState, icount)));
    ir_.CreateStore(ir_.CreateLoad(i64_, pc_slot_), field(offsetof(ir::GuestState, pc)));
    ir_.CreateRet(ir_.CreateLoad(i64_, ret_slot_));

    for (size_t i = 0; i < blocks_.size(); i++)
      if (!block(unsigned(i))) return erase();
    return f_;
  }

 private:
  // Quick code: counts its instructions for the tier (see Profile).
  bool quick() const { return profile_.insns != nullptr; }
  llvm::Function* fail(const std::string& what) {
    if (error_.empty()) error_ = what;
    return nullptr;
  }
  llvm::Function* erase() {
    f_->eraseFromParent();
    return nullptr;
  }

  llvm::Value* field(size_t offset) { return ir_.CreateConstInBoundsGEP1_64(i8_, s_, offset); }
  template <typename T>
  T* tag(T* access, llvm::MDNode* type) {
    access->setMetadata(llvm::LLVMContext::MD_tbaa, type);
    return access;
  }
  llvm::Value* reg(uint64_t idx) { return field(offsetof(ir::GuestState, regs) + idx * sizeof(uint64_t)); }
  llvm::Constant* k64(uint64_t v) { return ir_.getInt64(v); }
  llvm::MDNode* rare() { return llvm::MDBuilder(ir_.getContext()).createBranchWeights(1, 1000); }

  uint64_t insn_pc(unsigned insn) const { return b_->pc + b_->insn_offset[insn]; }
  uint64_t next_insn_pc(unsigned insn) const {
    return b_->pc + (insn + 1 < b_->num_insns ? b_->insn_offset[insn + 1] : b_->byte_len);
  }
  // The instruction count with `left` instructions left before the limit. Computed only
  // where it is stored, so that loops carry just the count of instructions left.
  llvm::Value* retired(llvm::Value* left) { return ir_.CreateSub(limit_, left); }
  // The interpreter's BEFORE_HOST_CALL: the host sees the instructions before this one
  // retired and pc at this one.
  void set_position(unsigned insn) {
    ir_.CreateStore(retired(ir_.CreateSub(head_left_, k64(insn))), field(offsetof(ir::GuestState, icount)));
    ir_.CreateStore(k64(insn_pc(insn)), field(offsetof(ir::GuestState, pc)));
  }
  // Leaves the function with `left` instructions left (see ic_), continuing at `pc`.
  void leave(llvm::Value* left, llvm::Value* pc, uint64_t ret) {
    write_back();
    ir_.CreateStore(left, ic_);
    ir_.CreateStore(pc, pc_slot_);
    ir_.CreateStore(k64(ret), ret_slot_);
    ir_.CreateBr(leave_);
  }

  // Lowers block i: its budget check (checks_[i], where the dispatcher and the edges that
  // must check enter), the exit_request check the interpreter makes between blocks (heads_[i],
  // where the other edges enter), its instructions, its terminal.
  bool block(unsigned i) {
    b_ = &blocks_[i];
    cur_ = i;
    auto& ctx = ir_.getContext();
    ir_.SetInsertPoint(checks_[i]);
    llvm::Value* left = ir_.CreateLoad(i64_, ic_);
    llvm::Value* stop = ir_.CreateICmpULT(left, k64(covered_[i]));
    llvm::Value* counted_out = nullptr;
    if (quick()) stop = ir_.CreateOr(stop, count_run(counted_out));
    llvm::BasicBlock* stopped = llvm::BasicBlock::Create(ctx, "stop", f_);
    ir_.CreateCondBr(stop, stopped, heads_[i], rare());
    ir_.SetInsertPoint(stopped);
    if (counted_out) signal(counted_out);
    leave(left, k64(b_->pc), interp::kNativeNext);

    ir_.SetInsertPoint(heads_[i]);
    if (quick()) count_block();
    left = ir_.CreateLoad(i64_, ic_);
    if (checks_request_[i]) {
      llvm::BasicBlock* body = llvm::BasicBlock::Create(ctx, "body", f_);
      llvm::BasicBlock* requested = llvm::BasicBlock::Create(ctx, "requested", f_);
      ir_.CreateCondBr(exit_requested(), requested, body, rare());
      ir_.SetInsertPoint(requested);
      leave(left, k64(b_->pc), interp::kNativeNext);
      ir_.SetInsertPoint(body);
    }
    head_left_ = quick() || !checked_[i] ? left : opaque(left);
    dirty_.reset();
    wide_home_.reset();
    access_exit_ = nullptr;
    v_.assign(b_->insts.size(), nullptr);
    find_groups();
    stays_ = may_continue(*b_);
    for (size_t k = 0; k < b_->insts.size(); k++)
      if (!inst(k)) return false;
    return terminal();
  }

  // `v` through an empty inline asm, which LLVM cannot see through: after a budget
  // check, so that the count the block's exits compute from is not the check's own
  // subtraction (which LLVM would otherwise reuse for the block's end, keeping both the
  // count before and after live: a copy, or a spill, on every loop iteration).
  llvm::Value* opaque(llvm::Value* v) {
    auto* type = llvm::FunctionType::get(i64_, {i64_}, false);
    return ir_.CreateCall(llvm::InlineAsm::get(type, "", "=r,0", false), {v});
  }
  // See Profile: the running block's instructions count.
  void count_block() {
    llvm::Value* at = host_pointer(profile_.insns);
    tag(ir_.CreateStore(ir_.CreateAdd(tag(ir_.CreateLoad(i64_, at), tbaa_state_), k64(b_->num_insns)), at),
        tbaa_state_);
  }
  // At a budget check: whether to leave before the block. `counted_out` is true when the
  // count has reached the limit and the region has not signalled yet: the code leaves so
  // that the tier sees the signal at once, even when the code would loop inside the region
  // for long. Once it has signalled, the code leaves whenever the signal is set again,
  // that is when compiled code waits to be installed (likely its optimized copy, which
  // would otherwise wait until the loop ends).
  llvm::Value* count_run(llvm::Value*& counted_out) {
    llvm::Value* count = tag(ir_.CreateLoad(i64_, host_pointer(profile_.insns)), tbaa_state_);
    llvm::Value* fired = tag(ir_.CreateLoad(i8_, host_pointer(profile_.fired)), tbaa_state_);
    llvm::Value* signalled = ir_.CreateICmpNE(fired, ir_.getInt8(0));
    counted_out = ir_.CreateAnd(ir_.CreateICmpUGE(count, k64(profile_.limit)), ir_.CreateNot(signalled));
    llvm::Value* ready = ir_.CreateLoad(i8_, host_pointer(profile_.signal), true);
    return ir_.CreateOr(counted_out, ir_.CreateAnd(signalled, ir_.CreateICmpNE(ready, ir_.getInt8(0))));
  }
  void signal(llvm::Value* counted_out) {
    auto& ctx = ir_.getContext();
    llvm::BasicBlock* set = llvm::BasicBlock::Create(ctx, "signal", f_);
    llvm::BasicBlock* go_on = llvm::BasicBlock::Create(ctx, "signalled", f_);
    ir_.CreateCondBr(counted_out, set, go_on);
    ir_.SetInsertPoint(set);
    tag(ir_.CreateStore(ir_.getInt8(1), host_pointer(profile_.fired)), tbaa_state_);
    // A volatile byte store: on x86-64 as good as an atomic one, which the quick code
    // generator's instruction selection does not handle (see session.cpp).
    ir_.CreateStore(ir_.getInt8(1), host_pointer(profile_.signal), true);
    ir_.CreateBr(go_on);
    ir_.SetInsertPoint(go_on);
  }

  // Where register writes reach the state. A register whose new value the region may read
  // again (live at the end of a block that writes it) is kept: its copy goes to the state
  // at every exit and before every host call, and in between it can live in a host
  // register. The other writes go to the state at the end of their block (and before a
  // host call or exit inside it), so that their values need not stay live for the exits.
  // The blocks of a loop using at most kSmallLoopRegs guest registers keep all their writes.
  using Regs = std::bitset<ir::kNumRegs>;
  static constexpr size_t kSmallLoopRegs = 10;
  // The region's control flow and register use: kept_, in_loop_, written_, requests_ and
  // checks_request_. def[i]: the registers block i writes; succ[i]: the blocks it may go
  // on to in the region.
  void analyze_blocks() {
    const size_t n = blocks_.size();
    std::vector<Regs> use(n), def(n), live_in(n), live_out(n);
    std::vector<std::vector<unsigned>> succ(n);
    for (size_t i = 0; i < n; i++) {
      const ir::Block& b = blocks_[i];
      for (const ir::Inst& x : b.insts) {
        if (x.imm >= ir::kNumRegs) continue;
        if (x.op == Opcode::GetReg && !def[i][x.imm]) use[i][x.imm] = true;
        if (x.op == Opcode::SetReg) def[i][x.imm] = true;
      }
      for (uint64_t next : next_blocks(b, likely_)) {
        auto it = index_.find(next);
        if (it != index_.end()) succ[i].push_back(it->second);
      }
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = n; i-- > 0;) {
        Regs out;
        for (unsigned t : succ[i]) out |= live_in[t];
        Regs in = use[i] | (out & ~def[i]);
        changed |= in != live_in[i] || out != live_out[i];
        live_in[i] = in;
        live_out[i] = out;
      }
    }
    for (size_t i = 0; i < n; i++) kept_ |= def[i] & live_out[i];
    // exit_request is only set in host calls, and the dispatcher and the chained exits
    // (jump_out()) make sure it is clear when a block is entered from outside. Load and
    // store slow paths never leave it set (ir::Host), so only blocks making the other host
    // calls (call_host()) can: the heads that may follow them check it.
    requests_.assign(n, false);
    checks_request_.assign(n, false);
    for (size_t i = 0; i < n; i++)
      for (const ir::Inst& x : blocks_[i].insts) requests_[i] = requests_[i] || calls_host(x.op);
    for (size_t i = 0; i < n; i++)
      for (unsigned t : succ[i]) checks_request_[t] = checks_request_[t] || requests_[i];
    // reach[i][j]: block j may run after block i in the same call. in_loop_[i]: block i
    // may come back to itself; its loop is the blocks it reaches that reach it.
    std::vector<std::vector<bool>> reach(n, std::vector<bool>(n, false));
    for (size_t i = 0; i < n; i++) {
      std::vector<unsigned> todo(succ[i].begin(), succ[i].end());
      while (!todo.empty()) {
        unsigned t = todo.back();
        todo.pop_back();
        if (reach[i][t]) continue;
        reach[i][t] = true;
        todo.insert(todo.end(), succ[t].begin(), succ[t].end());
      }
    }
    in_loop_.assign(n, false);
    for (size_t i = 0; i < n; i++) in_loop_[i] = reach[i][i];
    place_budget_checks(succ);
    // A small loop (few registers) keeps all its writes: storing its temporaries on every
    // iteration costs more than holding them in host registers until an exit, of which
    // there are enough when the loop uses few guest registers (matmul's inner loop: 10%
    // fewer host instructions). Bigger loops would spill them instead.
    for (size_t i = 0; i < n; i++) {
      if (!in_loop_[i]) continue;
      Regs regs;
      for (size_t j = 0; j < n; j++)
        if (reach[i][j] && reach[j][i]) regs |= use[j] | def[j];
      if (regs.count() <= kSmallLoopRegs) kept_ |= def[i];
    }
    // written_[i]: what the blocks that can run before block i in the same call write.
    written_ = def;
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < n; i++)
        for (unsigned t : succ[i]) {
          Regs w = written_[t] | written_[i];
          changed |= w != written_[t];
          written_[t] = w;
        }
    }
  }
  // Budget checks. The interpreter stops before a block that does not fit in the budget;
  // the region need not check before every block for that: a check that the budget holds
  // the longest run of blocks up to the next check (covered_) lets them all run. When it
  // fails, the code leaves there, and the dispatcher runs the rest of the budget in the
  // interpreter, which stops exactly where it would have. Checks are made at every entry
  // from outside and before the blocks that edges back into a loop lead to (which breaks
  // every cycle, so the runs between checks are finite), and where a run would grow past
  // kMaxCovered instructions, so that the interpreter runs no more than that when a budget
  // ends.
  static constexpr uint64_t kMaxCovered = 128;
  void place_budget_checks(const std::vector<std::vector<unsigned>>& succ) {
    const size_t n = blocks_.size();
    checked_.assign(n, false);
    // Depth-first from each block not yet seen: an edge to a block on the path is a back edge.
    enum : uint8_t { kNew, kOnPath, kDone };
    std::vector<uint8_t> seen(n, kNew);
    for (unsigned root = 0; root < n; root++) {
      if (seen[root] != kNew) continue;
      std::vector<std::pair<unsigned, size_t>> path = {{root, 0}};
      seen[root] = kOnPath;
      while (!path.empty()) {
        const unsigned v = path.back().first;
        const size_t k = path.back().second++;
        if (k == succ[v].size()) {
          seen[v] = kDone;
          path.pop_back();
        } else if (const unsigned t = succ[v][k]; seen[t] == kOnPath) {
          checked_[t] = true;
        } else if (seen[t] == kNew) {
          seen[t] = kOnPath;
          path.push_back({t, 0});
        }
      }
    }
    // The edges into unchecked blocks form no cycle: covered() ends.
    covered_.assign(n, 0);
    for (unsigned i = 0; i < n; i++) covered(i, succ);
  }
  uint64_t covered(unsigned i, const std::vector<std::vector<unsigned>>& succ) {
    if (covered_[i]) return covered_[i];
    uint64_t most = 0;
    for (unsigned t : succ[i]) {
      if (checked_[t]) continue;
      const uint64_t run = covered(t, succ);
      // A block checked from now on: the runs counted through it only grow too long.
      if (run > kMaxCovered)
        checked_[t] = true;
      else
        most = std::max(most, run);
    }
    return covered_[i] = blocks_[i].num_insns + most;
  }
  // Where an edge inside the region enters block t.
  llvm::BasicBlock* entry_of(unsigned t) { return checked_[t] ? checks_[t] : heads_[t]; }

  // Guest registers: in optimized code, a local copy of each one the region uses, read
  // once at entry. Values flow in SSA form across the region's blocks and loops (see
  // analyze_blocks() and write_back()). Quick code, which keeps every value in memory
  // anyway, reads and writes the state's registers, in the order the interpreter does:
  // the state is always current, and its exits store nothing (a sixth of its code).
  // A narrow register (narrow_registers()) has a 32-bit copy, which the region enters only
  // when the register's value is a sign-extended 32-bit one: otherwise the function
  // returns before running anything, and the dispatcher interprets the block once.
  // Returns whether the narrow registers hold sign-extended values (null if none is narrow).
  llvm::Value* read_registers() {
    const std::vector<unsigned> used = used_registers();
    narrow_ = narrow_registers(~Regs(profile_.seen_wide));
    wide_sets_.assign(blocks_.size(), {});
    block_wide_.assign(blocks_.size(), {});
    for (size_t i = 0; i < blocks_.size(); i++) scan_sets(i, narrow_, &wide_sets_[i], &block_wide_[i]);
    llvm::Value* fits = nullptr;
    for (unsigned r : used) {
      locals_[r] = ir_.CreateAlloca(narrow_[r] ? i32_ : i64_, nullptr, llvm::Twine("x") + llvm::Twine(r));
      if (narrow_[r]) wide_locals_[r] = ir_.CreateAlloca(i64_, nullptr, llvm::Twine("wide_x") + llvm::Twine(r));
      llvm::Value* v = tag(ir_.CreateLoad(i64_, reg(r)), tbaa_reg_);
      if (narrow_[r]) {
        llvm::Value* low = ir_.CreateTrunc(v, i32_);
        llvm::Value* same = ir_.CreateICmpEQ(ir_.CreateSExt(low, i64_), v);
        fits = fits ? ir_.CreateAnd(fits, same) : same;
        v = low;
      }
      ir_.CreateStore(v, locals_[r]);
    }
    return fits;
  }
  // Goes on only if `fits`, else returns before running anything.
  void enter_only_if(llvm::Value* fits) {
    auto& ctx = ir_.getContext();
    llvm::BasicBlock* entered = llvm::BasicBlock::Create(ctx, "entered", f_);
    llvm::BasicBlock* refused = llvm::BasicBlock::Create(ctx, "refused", f_);
    ir_.CreateCondBr(fits, entered, refused, llvm::MDBuilder(ctx).createBranchWeights(1000, 1));
    ir_.SetInsertPoint(refused);
    ir_.CreateRet(k64(interp::kNativeNext));
    ir_.SetInsertPoint(entered);
  }
  // The registers the region's blocks use, in the order they first use them (the order of
  // their locals, which LLVM's register allocation follows).
  std::vector<unsigned> used_registers() const {
    std::vector<unsigned> order;
    Regs seen;
    for (const ir::Block& b : blocks_)
      for (const ir::Inst& x : b.insts)
        if ((x.op == Opcode::GetReg || x.op == Opcode::SetReg) && x.imm < ir::kNumRegs && !seen[x.imm]) {
          order.push_back(unsigned(x.imm));
          seen[x.imm] = true;
        }
    return order;
  }
  // Quick code: the registers optimized code would keep narrow that hold no sign-extended
  // 32-bit value at this entry go to *profile_.wide (see Profile): otherwise the optimized
  // code would turn back entries like this one, at a function whose callee-saved registers
  // hold the caller's pointers until they are saved and reused for 32-bit values.
  void record_wide() {
    if (!profile_.wide) return;
    const Regs candidates = narrow_registers(Regs().set());
    if (candidates.none()) return;
    llvm::Value* wide = k64(0);
    for (unsigned r = 0; r < ir::kNumRegs; r++) {
      if (!candidates[r]) continue;
      llvm::Value* v = tag(ir_.CreateLoad(i64_, reg(r)), tbaa_reg_);
      llvm::Value* differs = ir_.CreateICmpNE(ir_.CreateSExt(ir_.CreateTrunc(v, i32_), i64_), v);
      wide = ir_.CreateOr(wide, ir_.CreateShl(ir_.CreateZExt(differs, i64_), k64(r)));
    }
    llvm::Value* at = host_pointer(profile_.wide);
    tag(ir_.CreateStore(ir_.CreateOr(tag(ir_.CreateLoad(i64_, at), tbaa_state_), wide), at), tbaa_state_);
  }
  // The value of guest register r in optimized code.
  llvm::Value* local(unsigned r) {
    if (!narrow_[r]) return ir_.CreateLoad(i64_, locals_[r]);
    if (wide_home_[r]) return ir_.CreateLoad(i64_, wide_locals_[r]);
    return ir_.CreateSExt(ir_.CreateLoad(i32_, locals_[r]), i64_);
  }
  // Narrow registers: kept registers (analyze_blocks()) that a loop of the region writes
  // and whose every block leaves a sign-extended 32-bit value in them, as RISC-V keeps its
  // 32-bit values (W operations, word loads, the constants of `li`), and whose loops use
  // only their low 32 bits (scan_sets()). In 64-bit form a loop carries such a value
  // sign-extended on every iteration (one `movslq` per register and iteration, on the
  // critical path of a loop like crc32's); in 32-bit form only the exits extend it. A
  // block may hold other values in them on the way (an address computed in the register a
  // load then fills): those live in a 64-bit copy until the block's next write
  // (wide_sets_, wide_home_, block_wide_). Only registers of `allowed` qualify.
  Regs narrow_registers(const Regs& allowed) const {
    Regs narrow;
    for (size_t i = 0; i < blocks_.size(); i++)
      if (in_loop_[i])
        for (const ir::Inst& x : blocks_[i].insts)
          if (x.op == Opcode::SetReg && x.imm < ir::kNumRegs) narrow[x.imm] = true;
    narrow &= allowed & kept_;
    // Only a register a loop writes with the result of a 32-bit operation gains: in 64-bit
    // form, a value loaded is sign-extended by its load, and a copy from another register
    // (a window of values rotating through registers) by the copy itself; 32-bit copies
    // left LLVM's register allocator with more moves and spills (sha256's message
    // schedule). The others would only pay the checks at entry and the extensions at exits.
    Regs gains;
    for (size_t i = 0; i < blocks_.size(); i++)
      for (const ir::Inst& x : blocks_[i].insts)
        if (x.op == Opcode::SetReg && x.imm < ir::kNumRegs) {
          const int from = copy_source(blocks_[i], x.args[0]);
          if (from >= 0 && uint64_t(from) != x.imm) narrow[x.imm] = false;
          if (in_loop_[i] && from < 0 && blocks_[i].insts[x.args[0].id].op == Opcode::Sext32) gains[x.imm] = true;
        }
    narrow &= gains;
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < blocks_.size(); i++) {
        const Regs left_wide = scan_sets(i, narrow);
        changed |= (narrow & left_wide).any();
        narrow &= ~left_wide;
      }
    }
    return narrow;
  }
  // Block i's writes to the `narrow` registers in order: marks the ones of values not
  // known to be sign-extended 32-bit ones (in *wide_sets by instruction, in *set_wide by
  // register). Returns the registers such a write leaves the block with, and, in a block
  // on a loop, the ones whose value a 64-bit operation reads (a loop would then carry
  // both forms, more registers than it saves).
  Regs scan_sets(size_t i, const Regs& narrow, std::vector<bool>* wide_sets = nullptr, Regs* set_wide = nullptr) const {
    const ir::Block& b = blocks_[i];
    std::vector<bool> wide_get(b.insts.size(), false), wide_set(b.insts.size(), false);
    Regs wide, unfit;
    for (size_t k = 0; k < b.insts.size(); k++) {
      const ir::Inst& x = b.insts[k];
      if (x.imm >= ir::kNumRegs || !narrow[x.imm]) continue;
      if (x.op == Opcode::GetReg) wide_get[k] = wide[x.imm];
      if (x.op != Opcode::SetReg) continue;
      wide[x.imm] = wide_set[k] = !sign_extended(b, x.args[0], narrow, wide_get, 4);
      if (wide_set[k] && set_wide) (*set_wide)[x.imm] = true;
    }
    if (in_loop_[i]) {
      std::vector<std::vector<uint32_t>> users(b.insts.size());
      for (size_t k = 0; k < b.insts.size(); k++)
        for (const ir::Value& a : b.insts[k].args)
          if (a.valid() && a.id < k) users[a.id].push_back(uint32_t(k));
      for (size_t k = 0; k < b.insts.size(); k++) {
        const ir::Inst& x = b.insts[k];
        if (x.op == Opcode::GetReg && x.imm < ir::kNumRegs && narrow[x.imm] && !wide_get[k] &&
            !narrow_use(b, users, uint32_t(k), narrow, wide_get, 4))
          unfit[x.imm] = true;
      }
    }
    if (wide_sets) *wide_sets = std::move(wide_set);
    return wide | unfit;
  }
  // Whether every use of the sign-extended 32-bit value v of block b takes only its low 32
  // bits, or takes it as a whole into a narrow register or an operation that 32-bit forms
  // of its operands compute as well (looking `depth` operations deep).
  static bool narrow_use(const ir::Block& b, const std::vector<std::vector<uint32_t>>& users, uint32_t v,
                         const Regs& narrow, const std::vector<bool>& wide_get, unsigned depth) {
    if (depth == 0) return false;
    for (uint32_t u : users[v]) {
      const ir::Inst& x = b.insts[u];
      auto other = [&] { return x.args[0].id == v ? x.args[1] : x.args[0]; };
      switch (x.op) {
        case Opcode::Trunc32: break;
        case Opcode::SetReg:
          if (x.imm >= ir::kNumRegs || !narrow[x.imm]) return false;
          break;
        case Opcode::Store:
          if (x.args[1].id != v || x.args[0].id == v || ir::MemImm::unpack(x.imm).size > 4) return false;
          break;
        case Opcode::CmpEq:
        case Opcode::CmpNe:
        case Opcode::CmpLt:
        case Opcode::CmpGe:
        case Opcode::CmpLtU:
        case Opcode::CmpGeU:
          if (!sign_extended(b, other(), narrow, wide_get, 2)) return false;
          break;
        case Opcode::And:
          // With a constant below 2^31, the low 32 bits give the result.
          if (small_constant(b, other())) break;
          [[fallthrough]];
        case Opcode::Or:
        case Opcode::Xor:
          if (!sign_extended(b, other(), narrow, wide_get, 2) || !narrow_use(b, users, u, narrow, wide_get, depth - 1))
            return false;
          break;
        case Opcode::Select:
          if (x.args[0].id == v || !narrow_use(b, users, u, narrow, wide_get, depth - 1)) return false;
          break;
        default: return false;
      }
    }
    return true;
  }
  // Whether value v of block b is a sign-extended 32-bit value, given the narrow registers
  // and which reads of them come after a write of another value (looking `depth`
  // operations deep).
  static bool sign_extended(const ir::Block& b, ir::Value v, const Regs& narrow, const std::vector<bool>& wide_get,
                            unsigned depth) {
    if (!v.valid() || v.id >= b.insts.size() || depth == 0) return false;
    const ir::Inst& x = b.insts[v.id];
    auto fits = [](uint64_t k) { return uint64_t(int64_t(int32_t(uint32_t(k)))) == k; };
    auto operand = [&](unsigned k) { return sign_extended(b, x.args[k], narrow, wide_get, depth - 1); };
    switch (x.op) {
      case Opcode::Sext32:
      case Opcode::Zext1: return true;
      case Opcode::Const: return fits(x.imm);
      case Opcode::GetReg: return x.imm < ir::kNumRegs && narrow[x.imm] && !wide_get[v.id];
      case Opcode::Load: {
        const ir::MemImm m = ir::MemImm::unpack(x.imm);
        return m.size < 4 || (m.size == 4 && m.sign);
      }
      case Opcode::And:
        return small_constant(b, x.args[0]) || small_constant(b, x.args[1]) || (operand(0) && operand(1));
      case Opcode::Or:
      case Opcode::Xor: return operand(0) && operand(1);
      case Opcode::Select: return operand(1) && operand(2);
      default: return false;
    }
  }

  // Whether value v of block b is a constant below 2^31.
  static bool small_constant(const ir::Block& b, ir::Value v) {
    return v.valid() && v.id < b.insts.size() && b.insts[v.id].op == Opcode::Const && b.insts[v.id].imm < (1ull << 31);
  }

  // The register that value v of block b copies (as it is, or sign-extended from its low
  // 32 bits: `mv`, `sext.w`), or -1. A value the block computed and wrote to a register
  // counts as that register's.
  static int copy_source(const ir::Block& b, ir::Value v) {
    auto inst = [&](ir::Value w) -> const ir::Inst* {
      return w.valid() && w.id < b.insts.size() ? &b.insts[w.id] : nullptr;
    };
    const ir::Inst* x = inst(v);
    if (x && x->op == Opcode::Sext32) {
      x = inst(x->args[0]);
      if (x && x->op == Opcode::Add32) {  // addiw rd, rs, 0
        const ir::Inst* k = inst(x->args[1]);
        k = k && k->op == Opcode::Trunc32 ? inst(k->args[0]) : nullptr;
        if (!k || k->op != Opcode::Const || k->imm != 0) return -1;
        x = inst(x->args[0]);
      }
      x = x && x->op == Opcode::Trunc32 ? inst(x->args[0]) : nullptr;
    }
    if (!x) return -1;
    if (x->op == Opcode::GetReg) return x->imm < ir::kNumRegs ? int(x->imm) : -1;
    // A value the block wrote to a register before (`addw a5, ...; sext.w a7, a5`).
    for (const ir::Inst& w : b.insts)
      if (w.op == Opcode::SetReg && w.imm < ir::kNumRegs && &b.insts[w.args[0].id] == x) return int(w.imm);
    return -1;
  }

  void store_regs(const Regs& regs) {
    if (quick()) return;  // the state is current
    for (unsigned r = 0; r < ir::kNumRegs; r++)
      if (regs[r]) tag(ir_.CreateStore(local(r), reg(r)), tbaa_reg_);
  }
  // Makes the state's registers current, inside a block or at an exit.
  void write_back() { store_regs((kept_ & written_[cur_]) | dirty_); }
  // At the end of a block: its writes that are not kept.
  void end_block_writes() {
    store_regs(dirty_ & ~kept_);
    dirty_.reset();
  }

  // The exit for a helper's trap or yield. The state is complete (set_position() and
  // write_back() came before): one return serves the whole region. Helper and native
  // return codes agree.
  static_assert(kTrapped == interp::kNativeTrap && kYield == interp::kNativeYield);
  llvm::BasicBlock* left() {
    if (!left_) {
      auto saved = ir_.saveIP();
      left_ = llvm::BasicBlock::Create(ir_.getContext(), "helper_exit", f_);
      ir_.SetInsertPoint(left_);
      left_status_ = ir_.CreatePHI(i32_, 4);
      ir_.CreateRet(ir_.CreateZExt(left_status_, i64_));
      ir_.restoreIP(saved);
    }
    return left_;
  }
  // Leaves from a memory access of the running block whose slow path trapped or yielded,
  // or whose group check failed, with `status`. Those paths see only pc and icount
  // (set_position()), not the registers: so the slow path that succeeds, the common one,
  // stores none. On the way out, the block's writes that are not kept and came before the
  // access reach the state (the ones after it are current there: end_block_writes()),
  // then the kept registers, in one exit per block (access_exit_) (the loads of their locals
  // become phis over the accesses). Storing only what is stale keeps the old values of a
  // loop's temporaries from staying live around the loop for the exits.
  void leave_at_access(llvm::Value* status) {
    // A narrow register may be in either of its copies here (see narrow_registers()).
    const Regs kept_written = kept_ & written_[cur_];
    const Regs wide = quick() ? Regs() : block_wide_[cur_];
    store_regs((dirty_ & ~kept_) | (kept_written & wide));
    llvm::BasicBlock* from = ir_.GetInsertBlock();
    if (!access_exit_) {
      access_exit_ = llvm::BasicBlock::Create(ir_.getContext(), "access_exit", f_);
      ir_.SetInsertPoint(access_exit_);
      access_status_ = ir_.CreatePHI(i32_, 2);
      store_regs(kept_written & ~wide);
      ir_.CreateBr(left());
      left_status_->addIncoming(access_status_, access_exit_);
      ir_.SetInsertPoint(from);
    }
    ir_.CreateBr(access_exit_);
    access_status_->addIncoming(status, from);
  }
  // Calls a helper and continues after it unless it trapped (or a store yielded), which
  // leaves with the state in place: the call follows set_position() and write_back(), or,
  // for a memory slow path (`access`), leave_at_access() writes the registers.
  void call_helper(const char* name, llvm::ArrayRef<llvm::Value*> args, bool access = false) {
    llvm::Value* status = call(name, args);
    auto& ctx = ir_.getContext();
    llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx, "ok", f_);
    llvm::Value* failed = ir_.CreateICmpNE(status, ir_.getInt32(kOk));
    if (access) {
      llvm::BasicBlock* out = llvm::BasicBlock::Create(ctx, "access.failed", f_);
      ir_.CreateCondBr(failed, out, ok, rare());
      ir_.SetInsertPoint(out);
      leave_at_access(status);
    } else {
      ir_.CreateCondBr(failed, left(), ok, rare());
      left_status_->addIncoming(status, ir_.GetInsertBlock());
    }
    ir_.SetInsertPoint(ok);
    forget_pages();
  }
  llvm::Value* call(const char* name, llvm::ArrayRef<llvm::Value*> args) {
    std::vector<llvm::Type*> types;
    for (llvm::Value* a : args) types.push_back(a->getType());
    llvm::FunctionCallee callee = m_.getOrInsertFunction(name, llvm::FunctionType::get(i32_, types, false));
    return ir_.CreateCall(callee, args);
  }
  // The operations lowered to call_host().
  static bool calls_host(Opcode op) {
    return op == Opcode::LoadReserved || op == Opcode::StoreCond || op == Opcode::AtomicRmw || op == Opcode::Csr;
  }
  llvm::Value* exit_requested() {
    llvm::Value* request = tag(ir_.CreateLoad(i32_, field(offsetof(ir::GuestState, exit_request))), tbaa_state_);
    return ir_.CreateICmpNE(request, ir_.getInt32(0));
  }
  // A host call on the main path: the state must be complete before it. The host may ask
  // the engine to return (exit_request), which the next block's head sees.
  void call_host(const char* name, llvm::ArrayRef<llvm::Value*> args, unsigned insn) {
    if (!requests_[cur_]) fail(std::string("host call ") + name + " in a block not marked by calls_host()");
    set_position(insn);
    write_back();
    call_helper(name, args);
  }

  llvm::Value* arg(const ir::Inst& x, unsigned k) { return v_[x.args[k].id]; }

  bool inst(size_t i) {
    current_ = i;
    const ir::Inst& x = b_->insts[i];
    if (unsigned(x.op) >= ir::kNumOpcodes) return fail("unknown opcode " + std::to_string(unsigned(x.op))), false;
    const ir::OpInfo& oi = ir::info(x.op);
    for (unsigned k = 0; k < 3; k++) {
      if (oi.args[k] == ir::Type::None) continue;
      if (!x.args[k].valid() || x.args[k].id >= i || !v_[x.args[k].id])
        return fail(std::string(oi.name) + ": operand is not an earlier value"), false;
    }
    if (x.insn >= b_->num_insns) return fail(std::string(oi.name) + ": guest instruction index out of range"), false;
    switch (x.op) {
#define OP(name, res, a0, a1, a2, flags) \
  case Opcode::name:                     \
    v_[i] = op_##name(x);                \
    break;
#include "ir/opcodes.inc"
#undef OP
      default: return fail("unknown opcode " + std::to_string(unsigned(x.op))), false;
    }
    if (!error_.empty()) return false;
    if (oi.result != ir::Type::Void && !v_[i]) return fail(std::string(oi.name) + ": not lowered"), false;
    return true;
  }

  // One function per opcode of ir/opcodes.inc: a new opcode does not compile until it
  // has one. Semantics follow ir/eval.h (pure) and the interpreter (effects).
  llvm::Value* op_Const(const ir::Inst& x) { return k64(x.imm); }
  // Where GetReg and SetReg find a guest register: the state's copy in quick code, the
  // region's local copy in optimized code (see read_registers()).
  llvm::Value* op_GetReg(const ir::Inst& x) {
    if (x.imm >= ir::kNumRegs) return fail("GetReg: register out of range"), nullptr;
    return quick() ? tag(ir_.CreateLoad(i64_, reg(x.imm)), tbaa_reg_) : local(unsigned(x.imm));
  }
  llvm::Value* op_SetReg(const ir::Inst& x) {
    if (x.imm >= ir::kNumRegs) return fail("SetReg: register out of range"), nullptr;
    const unsigned r = unsigned(x.imm);
    if (quick()) {
      tag(ir_.CreateStore(arg(x, 0), reg(r)), tbaa_reg_);
    } else if (narrow_[r]) {
      wide_home_[r] = wide_sets_[cur_][current_];
      if (wide_home_[r])
        ir_.CreateStore(arg(x, 0), wide_locals_[r]);
      else
        ir_.CreateStore(ir_.CreateTrunc(arg(x, 0), i32_), locals_[r]);
    } else {
      ir_.CreateStore(arg(x, 0), locals_[r]);
    }
    dirty_[r] = true;
    return nullptr;
  }

  llvm::Value* op_Add(const ir::Inst& x) { return ir_.CreateAdd(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_Sub(const ir::Inst& x) { return ir_.CreateSub(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_And(const ir::Inst& x) { return ir_.CreateAnd(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_Or(const ir::Inst& x) {
    if (llvm::Value* r = rotate(arg(x, 0), arg(x, 1))) return r;
    return ir_.CreateOr(arg(x, 0), arg(x, 1));
  }
  // A rotate spelled as two shifts and an or (RISC-V has no rotate without Zbb; the W
  // forms sign-extend each shift): one funnel shift, a single rotate instruction on x86-64.
  // Not in quick code: fast instruction selection does not take the intrinsic.
  llvm::Value* rotate(llvm::Value* a, llvm::Value* b) {
    using namespace llvm::PatternMatch;
    if (quick()) return nullptr;
    for (int k = 0; k < 2; k++, std::swap(a, b)) {
      llvm::Value *x = nullptr, *y = nullptr;
      const llvm::APInt *right = nullptr, *left = nullptr;
      const bool word =
          match(a, m_SExt(m_LShr(m_Value(x), m_APInt(right)))) && match(b, m_SExt(m_Shl(m_Value(y), m_APInt(left))));
      if (!word && !(match(a, m_LShr(m_Value(x), m_APInt(right))) && match(b, m_Shl(m_Value(y), m_APInt(left)))))
        continue;
      const unsigned bits = x->getType()->getIntegerBitWidth();
      // Each W shift truncates the register itself.
      auto source = [](llvm::Value* v) {
        auto* t = llvm::dyn_cast<llvm::TruncInst>(v);
        return t ? t->getOperand(0) : v;
      };
      if (source(x) != source(y) || right->isZero() || left->isZero() ||
          right->getZExtValue() + left->getZExtValue() != bits)
        continue;
      llvm::Value* r = ir_.CreateIntrinsic(llvm::Intrinsic::fshr, {x->getType()},
                                           {x, x, llvm::ConstantInt::get(x->getType(), *right)});
      return word ? ir_.CreateSExt(r, i64_) : r;
    }
    return nullptr;
  }
  llvm::Value* op_Xor(const ir::Inst& x) { return ir_.CreateXor(arg(x, 0), arg(x, 1)); }
  // Shift amounts are taken modulo the width (an LLVM shift by >= width is poison).
  llvm::Value* amount(const ir::Inst& x, unsigned bits) {
    return ir_.CreateAnd(arg(x, 1), llvm::ConstantInt::get(arg(x, 1)->getType(), bits - 1));
  }
  llvm::Value* op_Shl(const ir::Inst& x) { return ir_.CreateShl(arg(x, 0), amount(x, 64)); }
  llvm::Value* op_Lshr(const ir::Inst& x) { return ir_.CreateLShr(arg(x, 0), amount(x, 64)); }
  llvm::Value* op_Ashr(const ir::Inst& x) { return ir_.CreateAShr(arg(x, 0), amount(x, 64)); }
  llvm::Value* op_Mul(const ir::Inst& x) { return ir_.CreateMul(arg(x, 0), arg(x, 1)); }
  llvm::Value* mul_high(const ir::Inst& x, bool a_signed, bool b_signed) {
    llvm::Type* i128 = ir_.getInt128Ty();
    llvm::Value* a = a_signed ? ir_.CreateSExt(arg(x, 0), i128) : ir_.CreateZExt(arg(x, 0), i128);
    llvm::Value* b = b_signed ? ir_.CreateSExt(arg(x, 1), i128) : ir_.CreateZExt(arg(x, 1), i128);
    return ir_.CreateTrunc(ir_.CreateLShr(ir_.CreateMul(a, b), 64), i64_);
  }
  llvm::Value* op_MulH(const ir::Inst& x) { return mul_high(x, true, true); }
  llvm::Value* op_MulHU(const ir::Inst& x) { return mul_high(x, false, false); }
  llvm::Value* op_MulHSU(const ir::Inst& x) { return mul_high(x, true, false); }

  // RISC-V division: x/0 = all ones, x%0 = x, MIN/-1 = MIN, MIN%-1 = 0. LLVM division by
  // zero is undefined and MIN/-1 overflows, so both divide by 1 instead and select.
  llvm::Value* divide(const ir::Inst& x, bool is_signed, bool remainder) {
    llvm::Value* a = arg(x, 0);
    llvm::Value* b = arg(x, 1);
    auto* ty = llvm::cast<llvm::IntegerType>(a->getType());
    llvm::Value* zero = ir_.CreateICmpEQ(b, llvm::ConstantInt::get(ty, 0));
    llvm::Value* unsafe = zero;
    if (is_signed) {
      llvm::Value* overflow = ir_.CreateAnd(
          ir_.CreateICmpEQ(a, llvm::ConstantInt::get(ty, llvm::APInt::getSignedMinValue(ty->getBitWidth()))),
          ir_.CreateICmpEQ(b, llvm::ConstantInt::getAllOnesValue(ty)));
      unsafe = ir_.CreateOr(zero, overflow);
    }
    // With divisor 1 the overflow case already yields MIN (quotient) and 0 (remainder).
    llvm::Value* d = ir_.CreateSelect(unsafe, llvm::ConstantInt::get(ty, 1), b);
    llvm::Value* r = remainder ? (is_signed ? ir_.CreateSRem(a, d) : ir_.CreateURem(a, d))
                               : (is_signed ? ir_.CreateSDiv(a, d) : ir_.CreateUDiv(a, d));
    return ir_.CreateSelect(zero, remainder ? a : llvm::ConstantInt::getAllOnesValue(ty), r);
  }
  llvm::Value* op_Div(const ir::Inst& x) { return divide(x, true, false); }
  llvm::Value* op_DivU(const ir::Inst& x) { return divide(x, false, false); }
  llvm::Value* op_Rem(const ir::Inst& x) { return divide(x, true, true); }
  llvm::Value* op_RemU(const ir::Inst& x) { return divide(x, false, true); }

  llvm::Value* op_Trunc32(const ir::Inst& x) { return ir_.CreateTrunc(arg(x, 0), i32_); }
  llvm::Value* op_Sext32(const ir::Inst& x) { return ir_.CreateSExt(arg(x, 0), i64_); }
  llvm::Value* op_Zext32(const ir::Inst& x) { return ir_.CreateZExt(arg(x, 0), i64_); }
  llvm::Value* op_Add32(const ir::Inst& x) { return ir_.CreateAdd(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_Sub32(const ir::Inst& x) { return ir_.CreateSub(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_Shl32(const ir::Inst& x) { return ir_.CreateShl(arg(x, 0), amount(x, 32)); }
  llvm::Value* op_Lshr32(const ir::Inst& x) { return ir_.CreateLShr(arg(x, 0), amount(x, 32)); }
  llvm::Value* op_Ashr32(const ir::Inst& x) { return ir_.CreateAShr(arg(x, 0), amount(x, 32)); }
  llvm::Value* op_Mul32(const ir::Inst& x) { return ir_.CreateMul(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_Div32(const ir::Inst& x) { return divide(x, true, false); }
  llvm::Value* op_DivU32(const ir::Inst& x) { return divide(x, false, false); }
  llvm::Value* op_Rem32(const ir::Inst& x) { return divide(x, true, true); }
  llvm::Value* op_RemU32(const ir::Inst& x) { return divide(x, false, true); }

  llvm::Value* op_CmpEq(const ir::Inst& x) { return ir_.CreateICmpEQ(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_CmpNe(const ir::Inst& x) { return ir_.CreateICmpNE(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_CmpLt(const ir::Inst& x) { return ir_.CreateICmpSLT(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_CmpGe(const ir::Inst& x) { return ir_.CreateICmpSGE(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_CmpLtU(const ir::Inst& x) { return ir_.CreateICmpULT(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_CmpGeU(const ir::Inst& x) { return ir_.CreateICmpUGE(arg(x, 0), arg(x, 1)); }
  llvm::Value* op_Zext1(const ir::Inst& x) { return ir_.CreateZExt(arg(x, 0), i64_); }
  llvm::Value* op_Select(const ir::Inst& x) { return ir_.CreateSelect(arg(x, 0), arg(x, 1), arg(x, 2)); }

  // Memory ------------------------------------------------------------------------------

  bool mem_imm(const ir::Inst& x, ir::MemImm& m) {
    m = ir::MemImm::unpack(x.imm);
    if (m.size == 1 || m.size == 2 || m.size == 4 || m.size == 8) return true;
    fail(std::string(ir::info(x.op).name) + ": bad access size " + std::to_string(m.size));
    return false;
  }
  llvm::Value* address(const ir::Inst& x, const ir::MemImm& m) {
    return m.disp ? ir_.CreateAdd(arg(x, 0), k64(uint64_t(int64_t(m.disp)))) : arg(x, 0);
  }
  llvm::Value* extend(llvm::Value* v, bool sign) { return sign ? ir_.CreateSExt(v, i64_) : ir_.CreateZExt(v, i64_); }

  // The interpreter's LOAD/STORE macros: a hit in the current data TLB for this access
  // kind, not crossing the page, reads or writes host memory directly.
  // The entry is picked by the page of the first byte and its tag compared with the page of
  // the last byte: an access crossing the page never hits, because the next page's number
  // indexes the next entry.
  llvm::Value* tlb_hit(llvm::Value* addr, unsigned size, size_t tag_offset, llvm::Value*& entry) {
    entry = tlb_entry(addr);
    llvm::Value* last = size > 1 ? ir_.CreateAdd(addr, k64(size - 1)) : addr;
    return ir_.CreateICmpEQ(tlb_field(entry, tag_offset), ir_.CreateAnd(last, k64(~0xfffull)));
  }
  // The current data TLB's entry for the page of `addr`, and a field of an entry.
  llvm::Value* tlb_entry(llvm::Value* addr) {
    llvm::Value* index = ir_.CreateAnd(ir_.CreateLShr(addr, 12), k64(ir::kTlbEntries - 1));
    return ir_.CreateInBoundsGEP(i8_, ir_.CreateLoad(ptr_, tlb_slot_), ir_.CreateMul(index, k64(sizeof(ir::TlbEntry))));
  }
  llvm::Value* tlb_field(llvm::Value* entry, size_t offset) {
    return tag(ir_.CreateLoad(i64_, ir_.CreateConstInBoundsGEP1_64(i8_, entry, offset)), tbaa_state_);
  }
  // The data TLB in use, which only a CSR access can switch: kept in a local, set at entry
  // and after each CSR access.
  void load_data_tlb() {
    llvm::Value* tlb =
        ir_.CreateZExt(tag(ir_.CreateLoad(i32_, field(offsetof(ir::GuestState, data_tlb))), tbaa_state_), i64_);
    ir_.CreateStore(ir_.CreateInBoundsGEP(i8_, field(offsetof(ir::GuestState, tlb)),
                                          ir_.CreateMul(tlb, k64(sizeof(ir::TlbEntry) * ir::kTlbEntries))),
                    tlb_slot_);
  }

  // Page caches, for the accesses of the blocks on a loop of the region (where a loop
  // spends its time): for the loads (and, apart, the stores) based on one guest register,
  // the page the last of them hit in the TLB and its addend. An access on that page skips
  // the TLB lookup. The caches start empty when the region is entered. The TLB only
  // changes in host calls, after which they are emptied again, so a cached page is one the
  // TLB still holds.
  // The caches stay in stack slots (their accesses are volatile, so SROA leaves them):
  // as SSA values they were carried around the loop in registers that loops short of
  // registers then spilled and reloaded on every iteration, a store-to-load chain
  // through memory on the loop's critical path.
  // kNoPage never matches a masked address (bit 11 is masked off, see begin_access()).
  static constexpr uint64_t kNoPage = 0x800;
  struct PageCache {
    llvm::Value *page, *addend;  // allocas
  };
  struct CacheKey {
    int reg;
    bool store;
    auto operator<=>(const CacheKey&) const = default;
  };
  std::map<CacheKey, PageCache> caches_;
  // The cache key of an access, by the register its address is based on: the register
  // itself, or the one register among the terms of an addition (a table or array base
  // plus an index). False outside loops, for reads straight from RAM and for other addresses.
  bool cache_key(unsigned block, const ir::Inst& x, CacheKey& key) const {
    if (!in_loop_[block] || (x.op == Opcode::Load && flat_reads(blocks_[block]))) return false;
    key = {base_register(blocks_[block], x.args[0], 2), x.op == Opcode::Store};
    return key.reg >= 0;
  }
  // The cache of an access (made by make_caches()), or null.
  PageCache* cache_of(unsigned block, const ir::Inst& x) {
    CacheKey key;
    return cache_key(block, x, key) ? &caches_.at(key) : nullptr;
  }
  // The register `v` is, or the only register among the terms of the additions it is made
  // of (up to `depth` deep); -1 if none or several.
  int base_register(const ir::Block& b, ir::Value v, unsigned depth) const {
    if (!v.valid() || v.id >= b.insts.size()) return -1;
    const ir::Inst& x = b.insts[v.id];
    if (x.op == Opcode::GetReg) return x.imm < ir::kNumRegs ? int(x.imm) : -1;
    if (x.op != Opcode::Add || depth == 0) return -1;
    int left = base_register(b, x.args[0], depth - 1), right = base_register(b, x.args[1], depth - 1);
    return left < 0 ? right : right < 0 ? left : -1;
  }
  // The caches' allocas, empty, in the entry block.
  void make_caches() {
    CacheKey key;
    for (unsigned i = 0; i < blocks_.size(); i++)
      for (const ir::Inst& x : blocks_[i].insts)
        if ((x.op == Opcode::Load || x.op == Opcode::Store) && cache_key(i, x, key) && !caches_.count(key)) {
          PageCache c{ir_.CreateAlloca(i64_, nullptr, "page"), ir_.CreateAlloca(i64_, nullptr, "addend")};
          ir_.CreateStore(k64(kNoPage), c.page, true);  // the addend is only read on a page match
          caches_.emplace(key, c);
        }
  }
  // Empties the caches.
  void forget_pages() {
    for (auto& [key, c] : caches_) ir_.CreateStore(k64(kNoPage), c.page, true);
  }

  // Access groups, outside loops (whose accesses have page caches): a run of two or more
  // loads and stores of one block on the same address value, no host call between them,
  // whose displacements span less than kMaxGroupSpan bytes (a function saving registers
  // to its stack frame, code reading the fields of a structure). One check before the
  // first access finds the whole span on one page that the TLB maps for every kind of
  // access of the group; the accesses then go straight to host memory, with no slow path
  // each. When the check fails (TLB miss, page crossing, device memory, code page) the
  // region leaves before the first access with the state the interpreter would have
  // there (leave_at_access(), status kOk: the dispatcher goes on at that instruction), and the
  // interpreter runs the rest of the block.
  static constexpr int64_t kMaxGroupSpan = 2048;
  struct Group {
    uint32_t base = 0;       // the address value
    int64_t lo = 0, hi = 0;  // displacements: the span is [base + lo, base + hi)
    bool loads = false, stores = false;
    size_t size = 0;
    llvm::Value* addend = nullptr;  // after the check
  };
  std::vector<Group> groups_;  // the running block's
  std::vector<int> group_of_;  // by instruction: its group's index, or -1
  void find_groups() {
    groups_.clear();
    group_of_.assign(b_->insts.size(), -1);
    if (in_loop_[cur_]) return;
    int open = -1;
    for (size_t k = 0; k < b_->insts.size(); k++) {
      const ir::Inst& x = b_->insts[k];
      if (calls_host(x.op)) open = -1;
      if (x.op != Opcode::Load && x.op != Opcode::Store) continue;
      ir::MemImm m = ir::MemImm::unpack(x.imm);
      const int64_t lo = m.disp, hi = int64_t(m.disp) + m.size;
      if (open >= 0) {
        Group& g = groups_[size_t(open)];
        if (g.base == x.args[0].id && std::max(g.hi, hi) - std::min(g.lo, lo) <= kMaxGroupSpan) {
          g.lo = std::min(g.lo, lo), g.hi = std::max(g.hi, hi);
          (x.op == Opcode::Load ? g.loads : g.stores) = true;
          g.size++;
          group_of_[k] = open;
          continue;
        }
      }
      open = int(groups_.size());
      groups_.push_back({x.args[0].id, lo, hi, x.op == Opcode::Load, x.op == Opcode::Store, 1, nullptr});
      group_of_[k] = open;
    }
    for (int& g : group_of_)
      if (g >= 0 && groups_[size_t(g)].size < 2) g = -1;
  }
  // The host address of a grouped access; the first one checks the group's span.
  llvm::Value* group_address(const ir::Inst& x, const ir::MemImm& m, Group& g) {
    if (!g.addend) {
      llvm::Value* base = arg(x, 0);
      llvm::Value* first = ir_.CreateAdd(base, k64(uint64_t(g.lo)));
      llvm::Value* page = ir_.CreateAnd(first, k64(~0xfffull));
      llvm::Value* last_page = ir_.CreateAnd(ir_.CreateAdd(base, k64(uint64_t(g.hi - 1))), k64(~0xfffull));
      llvm::Value* entry = tlb_entry(first);
      llvm::Value* ok = ir_.CreateICmpEQ(page, last_page);
      if (g.loads) ok = ir_.CreateAnd(ok, ir_.CreateICmpEQ(tlb_field(entry, offsetof(ir::TlbEntry, read_tag)), page));
      if (g.stores) ok = ir_.CreateAnd(ok, ir_.CreateICmpEQ(tlb_field(entry, offsetof(ir::TlbEntry, write_tag)), page));
      auto& ctx = ir_.getContext();
      llvm::BasicBlock* hit = llvm::BasicBlock::Create(ctx, "group", f_);
      llvm::BasicBlock* miss = llvm::BasicBlock::Create(ctx, "group.miss", f_);
      ir_.CreateCondBr(ok, hit, miss, llvm::MDBuilder(ctx).createBranchWeights(1000, 1));
      ir_.SetInsertPoint(miss);
      set_position(x.insn);
      leave_at_access(ir_.getInt32(kOk));
      ir_.SetInsertPoint(hit);
      g.addend = entry_addend(entry);
    }
    return ir_.CreateIntToPtr(ir_.CreateAdd(address(x, m), g.addend), ptr_);
  }

  // A Load or Store split into a fast path (through its page cache or the TLB entry) and a
  // slow path through the host, which meet again at `join`. The builder is left in the
  // fast path, with `ptr` the host address; the slow path is positioned for its helper call.
  struct Access {
    ir::MemImm m;
    llvm::Type* ty;  // the access's integer type
    llvm::Value *addr, *ptr;
    llvm::BasicBlock *fast, *slow, *join;
  };
  bool begin_access(const ir::Inst& x, size_t tag_offset, const char* what, Access& a) {
    if (!mem_imm(x, a.m)) return false;
    a.ty = ir_.getIntNTy(a.m.size * 8);
    a.addr = address(x, a.m);
    auto& ctx = ir_.getContext();
    auto block = [&](const char* part) { return llvm::BasicBlock::Create(ctx, llvm::Twine(what) + part, f_); };
    a.fast = block(".fast");
    a.slow = block(".slow");
    a.join = block(".done");
    PageCache* c = cache_of(cur_, x);
    llvm::BasicBlock* cached = nullptr;
    llvm::Value* cached_ptr = nullptr;
    if (c) {
      // The page of the address, with its low bits kept when it is not aligned to the size:
      // an unaligned access never takes the cache (it might cross the page).
      llvm::Value* masked = ir_.CreateAnd(a.addr, k64(~0xfffull | (a.m.size - 1)));
      cached = block(".cached");
      llvm::BasicBlock* lookup = block(".tlb");
      ir_.CreateCondBr(ir_.CreateICmpEQ(masked, ir_.CreateLoad(i64_, c->page, true)), cached, lookup,
                       llvm::MDBuilder(ctx).createBranchWeights(1000, 1));
      ir_.SetInsertPoint(cached);
      llvm::Value* cached_addend = flat_reads() ? ram_offset() : ir_.CreateLoad(i64_, c->addend, true);
      cached_ptr = ir_.CreateIntToPtr(ir_.CreateAdd(a.addr, cached_addend), ptr_);
      ir_.CreateBr(a.fast);
      ir_.SetInsertPoint(lookup);
    }
    llvm::Value* entry;
    llvm::Value* hit = tlb_hit(a.addr, a.m.size, tag_offset, entry);
    llvm::BasicBlock* tlb_fast = c ? block(".tlbhit") : a.fast;
    ir_.CreateCondBr(hit, tlb_fast, a.slow, llvm::MDBuilder(ctx).createBranchWeights(1000, 1));
    ir_.SetInsertPoint(tlb_fast);
    llvm::Value* addend = entry_addend(entry);
    llvm::Value* tlb_ptr = ir_.CreateIntToPtr(ir_.CreateAdd(a.addr, addend), ptr_);
    if (c) {
      ir_.CreateStore(ir_.CreateAnd(a.addr, k64(~0xfffull)), c->page, true);
      if (!flat_reads()) ir_.CreateStore(addend, c->addend, true);
      ir_.CreateBr(a.fast);
      ir_.SetInsertPoint(a.fast);
      llvm::PHINode* phi = ir_.CreatePHI(ptr_, 2);
      phi->addIncoming(cached_ptr, cached);
      phi->addIncoming(tlb_ptr, tlb_fast);
      a.ptr = phi;
    } else {
      a.ptr = tlb_ptr;
    }
    ir_.SetInsertPoint(a.slow);
    set_position(x.insn);
    ir_.SetInsertPoint(a.fast);
    return true;
  }

  llvm::Value* op_Load(const ir::Inst& x) {
    if (int g = group_of_[size_t(&x - b_->insts.data())]; g >= 0) {
      ir::MemImm m;
      if (!mem_imm(x, m)) return nullptr;
      llvm::Value* ptr = group_address(x, m, groups_[size_t(g)]);
      return read_memory(ptr, m);
    }
    if (!flat_reads()) return mapped_load(x);
    // A read inside the guest's RAM goes straight to it. Any other (device memory) leaves
    // the region before it with the state the interpreter would have there, as a failed
    // group check does, and the interpreter runs the rest of the block: the read has no
    // slow path to compile, and its value no second definition to merge.
    ir::MemImm m;
    if (!mem_imm(x, m)) return nullptr;
    auto& ctx = ir_.getContext();
    llvm::Value* addr = address(x, m);
    llvm::BasicBlock* in_ram = llvm::BasicBlock::Create(ctx, "load.ram", f_);
    llvm::BasicBlock* other = llvm::BasicBlock::Create(ctx, "load.other", f_);
    llvm::Value* inside = ir_.CreateICmpULE(ir_.CreateSub(addr, k64(ram_.base)), k64(ram_.size - m.size));
    ir_.CreateCondBr(inside, in_ram, other, llvm::MDBuilder(ctx).createBranchWeights(1000, 1));
    ir_.SetInsertPoint(other);
    set_position(x.insn);
    leave_at_access(ir_.getInt32(kOk));
    // The host address in the load's own block, so that it folds into the load's operand.
    ir_.SetInsertPoint(in_ram);
    return read_memory(ir_.CreateIntToPtr(ir_.CreateAdd(addr, ram_offset()), ptr_), m);
  }
  // The guest memory value at host address `ptr`, extended as `m` asks.
  llvm::Value* read_memory(llvm::Value* ptr, const ir::MemImm& m) {
    return extend(tag(ir_.CreateAlignedLoad(ir_.getIntNTy(m.size * 8), ptr, llvm::MaybeAlign(1)), tbaa_mem_), m.sign);
  }
  // Whether the running block's reads inside the guest's RAM may skip the TLB (see
  // ir::kModeFlatReads).
  bool flat_reads(const ir::Block& b) const { return (b.mode & ir::kModeFlatReads) && ram_.size; }
  bool flat_reads() const { return flat_reads(*b_); }
  // The host address of guest RAM less its guest address: in blocks with flat reads, the
  // addend of every page the TLB maps (only RAM, and there untranslated), which the code
  // then need not read from the TLB or keep in a page cache.
  llvm::Value* ram_offset() { return k64(ram_.host - ram_.base); }
  llvm::Value* entry_addend(llvm::Value* entry) {
    return flat_reads() ? ram_offset() : tlb_field(entry, offsetof(ir::TlbEntry, addend));
  }
  // A load through its page cache, the TLB and the host.
  llvm::Value* mapped_load(const ir::Inst& x) {
    Access a;
    if (!begin_access(x, offsetof(ir::TlbEntry, read_tag), "load", a)) return nullptr;
    llvm::Value* fast_value = read_memory(a.ptr, a.m);
    ir_.CreateBr(a.join);

    ir_.SetInsertPoint(a.slow);
    call_helper(kLoad, {s_, host_, a.addr, k64(a.m.size), out_}, true);
    llvm::Value* slow_value = extend(ir_.CreateTrunc(ir_.CreateLoad(i64_, out_), a.ty), a.m.sign);
    llvm::BasicBlock* slow_end = ir_.GetInsertBlock();
    ir_.CreateBr(a.join);

    ir_.SetInsertPoint(a.join);
    llvm::PHINode* phi = ir_.CreatePHI(i64_, 2);
    phi->addIncoming(fast_value, a.fast);
    phi->addIncoming(slow_value, slow_end);
    return phi;
  }

  llvm::Value* op_Store(const ir::Inst& x) {
    if (int g = group_of_[size_t(&x - b_->insts.data())]; g >= 0) {
      ir::MemImm m;
      if (!mem_imm(x, m)) return nullptr;
      llvm::Value* ptr = group_address(x, m, groups_[size_t(g)]);
      tag(ir_.CreateAlignedStore(ir_.CreateTrunc(arg(x, 1), ir_.getIntNTy(m.size * 8)), ptr, llvm::MaybeAlign(1)),
          tbaa_mem_);
      return nullptr;
    }
    Access a;
    if (!begin_access(x, offsetof(ir::TlbEntry, write_tag), "store", a)) return nullptr;
    tag(ir_.CreateAlignedStore(ir_.CreateTrunc(arg(x, 1), a.ty), a.ptr, llvm::MaybeAlign(1)), tbaa_mem_);
    ir_.CreateBr(a.join);

    ir_.SetInsertPoint(a.slow);
    call_helper(kStore, {s_, host_, a.addr, k64(a.m.size), arg(x, 1), k64(next_insn_pc(x.insn))}, true);
    ir_.CreateBr(a.join);

    ir_.SetInsertPoint(a.join);
    return nullptr;
  }

  // LoadReserved and AtomicRmw: a word result is sign-extended when the MemImm asks.
  llvm::Value* sign_word(llvm::Value* v, bool sign) {
    return sign ? ir_.CreateSExt(ir_.CreateTrunc(v, i32_), i64_) : v;
  }

  llvm::Value* op_LoadReserved(const ir::Inst& x) {
    ir::MemImm m;
    if (!mem_imm(x, m)) return nullptr;
    call_host(kLoadReserved, {s_, host_, address(x, m), k64(m.size), out_}, x.insn);
    return sign_word(ir_.CreateLoad(i64_, out_), m.sign);
  }
  llvm::Value* op_StoreCond(const ir::Inst& x) {
    ir::MemImm m;
    if (!mem_imm(x, m)) return nullptr;
    call_host(kStoreCond, {s_, host_, address(x, m), k64(m.size), arg(x, 1), out_}, x.insn);
    return ir_.CreateLoad(i64_, out_);
  }
  llvm::Value* op_AtomicRmw(const ir::Inst& x) {
    ir::MemImm m;
    if (!mem_imm(x, m)) return nullptr;
    call_host(kAtomic, {s_, host_, address(x, m), k64(m.size), k64(m.atomic), arg(x, 1), out_}, x.insn);
    return sign_word(ir_.CreateLoad(i64_, out_), m.sign);
  }
  llvm::Value* op_Csr(const ir::Inst& x) {
    call_host(kCsr, {s_, host_, k64(x.imm), arg(x, 0), out_}, x.insn);
    load_data_tlb();
    return ir_.CreateLoad(i64_, out_);
  }
  llvm::Value* op_Fp(const ir::Inst& x) {
    llvm::Value* status = call(kFp, {s_, k64(x.imm), arg(x, 0), arg(x, 1), arg(x, 2), out_});
    auto& ctx = ir_.getContext();
    llvm::BasicBlock* trap = llvm::BasicBlock::Create(ctx, "fp.trap", f_);
    llvm::BasicBlock* ok = llvm::BasicBlock::Create(ctx, "fp.ok", f_);
    ir_.CreateCondBr(ir_.CreateICmpNE(status, ir_.getInt32(kOk)), trap, ok, rare());
    ir_.SetInsertPoint(trap);
    set_position(x.insn);
    write_back();
    ir_.CreateBr(left());
    left_status_->addIncoming(ir_.getInt32(kTrapped), trap);
    ir_.SetInsertPoint(ok);
    return ir_.CreateLoad(i64_, out_);
  }

  // Terminal ----------------------------------------------------------------------------

  // Continues at `pc` with `left` instructions left: inside the region when pc starts one of its
  // blocks, else through a link on the same page, else back in the dispatcher.
  void edge(uint64_t pc, llvm::Value* left) {
    auto it = index_.find(pc);
    if (stays_ && it != index_.end()) {
      ir_.CreateStore(left, ic_);
      ir_.CreateBr(entry_of(it->second));
    } else if (stays_ && chain_.links && same_page(pc)) {
      chain_.links->push_back({pc, nullptr});
      jump_out(left, k64(pc), volatile_load(ptr_, host_pointer(&chain_.links->back().fn)));
    } else if (stays_ && chain_.far) {
      jump_out(left, k64(pc), far_code(k64(pc)));
    } else {
      leave(left, k64(pc), interp::kNativeNext);
    }
  }
  bool same_page(uint64_t pc) const { return (pc ^ blocks_[0].pc) >> 12 == 0; }
  // Chaining data lives in host memory the tier rewrites between (and, when code goes,
  // during) calls: read it as it is at each exit.
  llvm::Value* host_pointer(const void* p) { return ir_.CreateIntToPtr(k64(reinterpret_cast<uint64_t>(p)), ptr_); }
  llvm::Value* volatile_load(llvm::Type* ty, llvm::Value* at) {
    llvm::LoadInst* l = ir_.CreateLoad(ty, at);
    l->setVolatile(true);
    return l;
  }
  // Leaves with `left` instructions left at `pc`: into `fn` when it is not null, else to the
  // dispatcher.
  void jump_out(llvm::Value* left, llvm::Value* pc, llvm::Value* fn) {
    write_back();
    ir_.CreateStore(retired(left), field(offsetof(ir::GuestState, icount)));
    ir_.CreateStore(pc, field(offsetof(ir::GuestState, pc)));
    auto& ctx = ir_.getContext();
    llvm::BasicBlock* go = llvm::BasicBlock::Create(ctx, "chain", f_);
    llvm::BasicBlock* back = llvm::BasicBlock::Create(ctx, "unchained", f_);
    llvm::Value* linked = ir_.CreateIsNotNull(fn);
    // A host call of this block may have asked the engine to return: the dispatcher sees to it.
    if (requests_[cur_]) linked = ir_.CreateAnd(linked, ir_.CreateNot(exit_requested()));
    ir_.CreateCondBr(linked, go, back);
    ir_.SetInsertPoint(go);
    llvm::CallInst* call = ir_.CreateCall(f_->getFunctionType(), fn, {s_, host_, limit_});
    call->setTailCallKind(llvm::CallInst::TCK_MustTail);
    ir_.CreateRet(call);
    ir_.SetInsertPoint(back);
    ir_.CreateRet(k64(interp::kNativeNext));
  }
  // The native code `table` (of `entries` entries, a power of two, see interp::NativeEntry)
  // holds for `pc` in the region's mode, or null.
  llvm::Value* entry_code(const interp::NativeEntry* table, unsigned entries, llvm::Value* pc) {
    llvm::Value* index = ir_.CreateAnd(ir_.CreateLShr(pc, 1), k64(entries - 1));
    llvm::Value* entry =
        ir_.CreateInBoundsGEP(i8_, host_pointer(table), ir_.CreateMul(index, k64(sizeof(interp::NativeEntry))));
    auto member = [&](size_t offset, llvm::Type* ty) {
      return volatile_load(ty, ir_.CreateConstInBoundsGEP1_64(i8_, entry, offset));
    };
    llvm::Value* match =
        ir_.CreateAnd(ir_.CreateICmpEQ(member(offsetof(interp::NativeEntry, pc), i64_), pc),
                      ir_.CreateICmpEQ(member(offsetof(interp::NativeEntry, mode), i64_), k64(chain_.mode)));
    return ir_.CreateSelect(match, member(offsetof(interp::NativeEntry, fn), ptr_), null_code());
  }
  // The native code the dispatcher's jump cache holds for `pc`, or null (also while the
  // tier waits to install code).
  llvm::Value* far_code(llvm::Value* pc) {
    llvm::Value* code = entry_code(chain_.far, interp::kJumpCacheSize, pc);
    llvm::Value* waiting = ir_.CreateICmpNE(volatile_load(i8_, host_pointer(chain_.ready)), ir_.getInt8(0));
    return ir_.CreateSelect(waiting, null_code(), code);
  }
  llvm::Value* null_code() { return llvm::ConstantPointerNull::get(llvm::PointerType::get(ir_.getContext(), 0)); }
  // An indirect jump goes on in the compiled code the engine's table holds for the target,
  // if it is on the region's page, else in what the dispatcher's jump cache holds.
  void indirect(llvm::Value* left, llvm::Value* target) {
    llvm::Value* same = ir_.CreateICmpEQ(ir_.CreateLShr(ir_.CreateXor(target, k64(blocks_[0].pc)), 12), k64(0));
    llvm::Value* near = entry_code(chain_.table, kIndirectEntries, target);
    if (!chain_.far) {
      jump_out(left, target, ir_.CreateSelect(same, near, null_code()));
      return;
    }
    // Only off the page: the far lookup's loads would cost the same-page jumps for nothing.
    auto& ctx = ir_.getContext();
    llvm::BasicBlock* here = ir_.GetInsertBlock();
    llvm::BasicBlock* far = llvm::BasicBlock::Create(ctx, "indirect.far", f_);
    llvm::BasicBlock* join = llvm::BasicBlock::Create(ctx, "indirect.join", f_);
    ir_.CreateCondBr(same, join, far);
    ir_.SetInsertPoint(far);
    llvm::Value* far_fn = far_code(target);
    ir_.CreateBr(join);
    ir_.SetInsertPoint(join);
    llvm::PHINode* fn = ir_.CreatePHI(ptr_, 2);
    fn->addIncoming(near, here);
    fn->addIncoming(far_fn, far);
    jump_out(left, target, fn);
  }
  // The running block's indirect jump continues at its likely targets that start a block
  // of the region (its edges in analyze_blocks(), next_blocks()); the code after this goes
  // on with the other targets.
  void go_inside(llvm::Value* target, llvm::Value* left) {
    std::vector<uint64_t> inside;
    for (uint64_t pc : next_blocks(*b_, likely_))
      if (index_.count(pc) && std::find(inside.begin(), inside.end(), pc) == inside.end()) inside.push_back(pc);
    if (inside.empty()) return;
    auto& ctx = ir_.getContext();
    llvm::BasicBlock* other = llvm::BasicBlock::Create(ctx, "indirect.other", f_);
    llvm::SwitchInst* sw = ir_.CreateSwitch(target, other, unsigned(inside.size()));
    for (uint64_t pc : inside) {
      llvm::BasicBlock* in = llvm::BasicBlock::Create(ctx, "indirect.inside", f_);
      sw->addCase(ir_.getInt64(pc), in);
      ir_.SetInsertPoint(in);
      ir_.CreateStore(left, ic_);
      ir_.CreateBr(entry_of(index_[pc]));
    }
    ir_.SetInsertPoint(other);
  }
  bool terminal() {
    const ir::Terminal& t = b_->term;
    auto value = [&](ir::Type want) -> llvm::Value* {
      if (!t.value.valid() || t.value.id >= b_->insts.size() || b_->type_of(t.value) != want) return nullptr;
      return v_[t.value.id];
    };
    llvm::Value* done = ir_.CreateSub(head_left_, k64(b_->num_insns));
    end_block_writes();
    switch (t.kind) {
      case ir::Terminal::Kind::Jump: edge(t.target, done); return true;
      case ir::Terminal::Kind::Branch: {
        llvm::Value* c = value(ir::Type::I1);
        if (!c) return fail("Branch: condition is not an I1 value"), false;
        auto& ctx = ir_.getContext();
        llvm::BasicBlock* taken = llvm::BasicBlock::Create(ctx, "taken", f_);
        llvm::BasicBlock* not_taken = llvm::BasicBlock::Create(ctx, "not_taken", f_);
        ir_.CreateCondBr(c, taken, not_taken);
        ir_.SetInsertPoint(taken);
        edge(t.target, done);
        ir_.SetInsertPoint(not_taken);
        edge(t.fallthrough, done);
        return true;
      }
      case ir::Terminal::Kind::JumpIndirect: {
        llvm::Value* target = value(ir::Type::I64);
        if (!target) return fail("JumpIndirect: target is not an I64 value"), false;
        go_inside(target, done);
        if (stays_ && chain_.table)
          indirect(done, target);
        else
          leave(done, target, interp::kNativeNext);
        return true;
      }
      case ir::Terminal::Kind::Exit: {
        // As the interpreter's L_Exit: a trapping instruction does not retire.
        bool retires = t.exit != ir::ExitKind::Trap && t.exit != ir::ExitKind::Ecall && t.exit != ir::ExitKind::Ebreak;
        exits_.push_back({t.exit, t.target, t.cause, t.tval});
        leave(ir_.CreateSub(head_left_, k64(b_->num_insns - (retires ? 0 : 1))),
              k64(retires ? t.fallthrough : t.target), reinterpret_cast<uint64_t>(&exits_.back()));
        return true;
      }
      case ir::Terminal::Kind::None: break;
    }
    return fail("block has no terminal"), false;
  }

  const std::vector<ir::Block>& blocks_;
  const Chaining& chain_;
  const LikelyTargets& likely_;
  const Profile& profile_;
  const ir::RamWindow ram_;
  const ir::Block* b_ = nullptr;  // the block being lowered
  llvm::Module& m_;
  llvm::IRBuilder<> ir_;
  std::deque<ir::ExitInfo>& exits_;
  std::string& error_;
  llvm::Type *i8_, *i32_, *i64_, *ptr_;
  llvm::Function* f_ = nullptr;
  llvm::Value *s_ = nullptr, *host_ = nullptr, *limit_ = nullptr;
  llvm::Value *out_ = nullptr, *ic_ = nullptr, *pc_slot_ = nullptr, *ret_slot_ = nullptr, *tlb_slot_ = nullptr;
  llvm::MDNode *tbaa_reg_ = nullptr, *tbaa_mem_ = nullptr, *tbaa_state_ = nullptr;
  llvm::Value* locals_[ir::kNumRegs] = {};  // the region's copies of guest registers
  Regs kept_;                               // see analyze_blocks()
  Regs dirty_;                              // registers the running block wrote so far
  std::vector<Regs> written_;               // see analyze_blocks()
  std::vector<bool> in_loop_;               // see analyze_blocks()
  std::vector<bool> requests_;              // the block makes host calls that may set exit_request
  std::vector<bool> checks_request_;        // the block's head checks exit_request
  unsigned cur_ = 0;                        // the running block's index
  std::vector<bool> checked_;               // edges into the block check the budget
  std::vector<uint64_t> covered_;           // what the block's budget check covers
  std::vector<llvm::BasicBlock*> checks_;   // the blocks' budget checks
  std::vector<llvm::BasicBlock*> heads_;    // the blocks past their budget checks
  std::map<uint64_t, unsigned> index_;      // block pc -> block index

  // Narrow registers (see narrow_registers()).
  Regs narrow_;
  llvm::Value* wide_locals_[ir::kNumRegs] = {};  // their 64-bit copies
  std::vector<std::vector<bool>> wide_sets_;     // by block and instruction: a SetReg of a wide value
  std::vector<Regs> block_wide_;                 // by block: the narrow registers it sets wide
  Regs wide_home_;                               // the ones in their 64-bit copy now
  size_t current_ = 0;                           // the instruction being lowered

  llvm::BasicBlock* leave_ = nullptr;
  llvm::Value* head_left_ = nullptr;  // ic_ at the head of the running block
  bool stays_ = true;                 // the running block may continue inside the region
  std::vector<llvm::Value*> v_;
  llvm::BasicBlock* left_ = nullptr;
  llvm::PHINode* left_status_ = nullptr;
  llvm::BasicBlock* access_exit_ = nullptr;  // the running block's, see leave_at_access()
  llvm::PHINode* access_status_ = nullptr;
};

}  // namespace

llvm::Function* lower_region(const std::vector<ir::Block>& blocks, llvm::Module& m, const std::string& name,
                             std::deque<ir::ExitInfo>& exits, std::string& error, const Chaining& chain,
                             const LikelyTargets& likely, const Profile& profile, const ir::RamWindow& ram) {
  error.clear();
  return Lowering(blocks, m, exits, error, chain, likely, profile, ram).run(name);
}

std::vector<std::pair<std::string, void*>> runtime_symbols() {
  return {{kLoad, reinterpret_cast<void*>(&helper_load)},
          {kStore, reinterpret_cast<void*>(&helper_store)},
          {kLoadReserved, reinterpret_cast<void*>(&helper_load_reserved)},
          {kStoreCond, reinterpret_cast<void*>(&helper_store_cond)},
          {kAtomic, reinterpret_cast<void*>(&helper_atomic)},
          {kCsr, reinterpret_cast<void*>(&helper_csr)},
          {kFp, reinterpret_cast<void*>(&helper_fp)}};
}

}  // namespace polyemu::jit
