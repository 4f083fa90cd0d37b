#include "machines/riscv64_virt.h"

#include <elf.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "frontend/riscv/decoder.h"
#include "frontend/riscv/translate.h"
#include "interp/interp.h"
#include "machines/loader.h"

namespace polyemu {

using riscv::Hart;
namespace cause = riscv::cause;

Riscv64Virt::Riscv64Virt(MachineConfig cfg) : cfg_(std::move(cfg)), hart_(0), clock_(hart_.state().icount) {
  if (cfg_.memory < (1u << 20) || cfg_.memory > (64ull << 30) || cfg_.memory % 4096)
    throw std::invalid_argument("memory size must be a multiple of 4 KiB between 1 MiB and 64 GiB");
  void* p = mmap(nullptr, cfg_.memory, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    throw std::invalid_argument("cannot allocate guest RAM of " + std::to_string(cfg_.memory) + " bytes");
  ram_ = static_cast<uint8_t*>(p);
  page_flags_.assign(cfg_.memory / 4096, 0);
  if (!cfg_.console)
    cfg_.console = [](uint8_t c) {
      std::fputc(c, stdout);
      if (c == '\n') std::fflush(stdout);
    };

  uart_ = std::make_unique<Uart16550>([this](uint8_t c) { cfg_.console(c); }, IrqLine());
  Hart* h = &hart_;
  std::vector<ClintHartLines> lines{{IrqLine([h](bool v) { h->set_mip_bit(cause::kMsi, v); }),
                                     IrqLine([h](bool v) { h->set_mip_bit(cause::kMti, v); })}};
  clint_ = std::make_unique<Clint>(clock_, 1, std::move(lines));
  finisher_ = std::make_unique<TestFinisher>([this](FinisherEvent ev, uint32_t code) {
    if (ev == FinisherEvent::kReset)
      reset_requested_ = true;
    else
      finish(ev == FinisherEvent::kPass ? 0 : int(code));
    hart_.state().exit_request = 1;
  });
  htif_ = std::make_unique<Htif>([this](uint8_t c) { cfg_.console(c); }, [this](uint32_t code) { finish(int(code)); });
  bus_.set_ram(kRamBase, cfg_.memory);
  bus_.map(kFinisherBase, kFinisherSize, finisher_.get());
  bus_.map(kClintBase, Clint::kSize, clint_.get());
  bus_.map(kUartBase, kUartSize, uart_.get());

  engine_ = std::make_unique<interp::Interpreter>(*this, riscv::translate, cfg_.check_ir);
  if (cfg_.trace) {
    engine_->on_insn = [this](const ir::GuestState&, uint64_t pc) {
      uint32_t bits = insn_bits_at(pc);
      std::fprintf(stderr, "%016llx: %08x  %s\n", (unsigned long long)pc, bits, riscv::disassemble(bits, pc).c_str());
    };
  }
  if (cfg_.dump_ir) engine_->on_translate = [](const ir::Block& b) { std::fputs(ir::print(b).c_str(), stderr); };
  load_images();
  reset();
}

Riscv64Virt::~Riscv64Virt() {
  if (ram_) munmap(ram_, cfg_.memory);
}

void Riscv64Virt::load_images() {
  GuestRam ram{ram_, kRamBase, cfg_.memory};
  bool have_entry = false;
  for (const RawLoad& l : cfg_.raw_loads) {
    load_raw(l.path, l.addr, ram);
    if (!have_entry) entry_ = l.addr, have_entry = true;
  }
  if (!cfg_.kernel.empty()) {
    ElfImage img = load_elf(cfg_.kernel, EM_RISCV, ram, {"tohost", "fromhost"});
    entry_ = img.entry;
    auto t = img.symbols.find("tohost");
    if (t != img.symbols.end()) {
      if (!in_ram(t->second, 8)) throw LoadError(cfg_.kernel + ": tohost symbol is outside RAM");
      has_htif_ = true;
      tohost_ = t->second;
      auto f = img.symbols.find("fromhost");
      fromhost_ = f != img.symbols.end() && in_ram(f->second, 8) ? f->second : tohost_ + 8;
      page_flags_[(tohost_ - kRamBase) >> 12] |= kWatched;
    }
  }
  if (cfg_.kernel.empty() && cfg_.raw_loads.empty()) throw LoadError("nothing to run: give --kernel or --load");
  if (!in_ram(entry_, 2)) throw LoadError("entry point is outside RAM");
}

void Riscv64Virt::reset() {
  hart_.reset(entry_);
  // a0 = hart id, a1 = device tree address (none yet), as QEMU's reset stub passes.
  hart_.state().regs[10] = 0;
  hart_.state().regs[11] = 0;
  uart_->reset();
  clint_->reset();
  clock_.clear_events();
  clock_.set_idle_insns(0);
  engine_->flush();
  waiting_ = false;
  reservation_valid_ = false;
}

void Riscv64Virt::finish(int code) {
  if (finished_) return;
  finished_ = true;
  exit_code_ = code;
}

ir::Block Riscv64Virt::block_ir(uint64_t pc) { return engine_->translate_for_dump(hart_.state(), pc); }

uint32_t Riscv64Virt::insn_bits_at(uint64_t pc) {
  uint16_t lo = 0, hi = 0;
  if (!in_ram(pc, 2)) return 0;
  std::memcpy(&lo, ram_ + (pc - kRamBase), 2);
  if (riscv::insn_length(lo) == 4 && in_ram(pc + 2, 2)) std::memcpy(&hi, ram_ + (pc + 2 - kRamBase), 2);
  return riscv::insn_length(lo) == 4 ? (lo | uint32_t(hi) << 16) : lo;
}

bool Riscv64Virt::fault(ir::GuestState& s, uint64_t c, uint64_t tval) {
  s.trap_cause = c;
  s.trap_tval = tval;
  return false;
}

bool Riscv64Virt::fetch(ir::GuestState& s, uint64_t addr, uint16_t& out) {
  if (!in_ram(addr, 2)) return fault(s, cause::kInsnAccess, addr);
  std::memcpy(&out, ram_ + (addr - kRamBase), 2);
  return true;
}

void Riscv64Virt::tlb_fill(ir::GuestState& s, uint64_t addr) {
  uint64_t page = addr & ~0xfffull;
  ir::TlbEntry& e = s.tlb[s.data_tlb][(addr >> 12) % ir::kTlbEntries];
  e.read_tag = page;
  e.write_tag = page_flags_[(page - kRamBase) >> 12] ? ir::TlbEntry::kNoTag : page;
  e.exec_tag = page;
  e.addend = reinterpret_cast<uintptr_t>(ram_) - kRamBase;
}

bool Riscv64Virt::fetch_page(ir::GuestState&, uint64_t addr, uint64_t& phys) {
  phys = addr;
  return true;
}

bool Riscv64Virt::load(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t& out) {
  if (in_ram(addr, size)) {
    tlb_fill(s, addr);
    out = 0;
    std::memcpy(&out, ram_ + (addr - kRamBase), size);
    return true;
  }
  if (bus_.read(addr, size, out)) return true;
  return fault(s, cause::kLoadAccess, addr);
}

void Riscv64Virt::htif_store() {
  uint64_t to, from;
  std::memcpy(&to, ram_ + (tohost_ - kRamBase), 8);
  std::memcpy(&from, ram_ + (fromhost_ - kRamBase), 8);
  if (!to) return;
  if (htif_->on_tohost_write(to, to, from)) {
    std::memcpy(ram_ + (tohost_ - kRamBase), &to, 8);
    std::memcpy(ram_ + (fromhost_ - kRamBase), &from, 8);
  }
  if (finished_) hart_.state().exit_request = 1;
}

bool Riscv64Virt::store(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t value) {
  if (in_ram(addr, size)) {
    uint64_t first = (addr - kRamBase) >> 12, last = (addr + size - 1 - kRamBase) >> 12;
    for (uint64_t pg = first; pg <= last; pg++) {
      if (page_flags_[pg] & kCode) {
        // Self-modifying code: drop the page's translations and leave the block after this store.
        engine_->invalidate(kRamBase + (pg << 12), 4096);
        page_flags_[pg] &= uint8_t(~kCode);
        s.exit_request = 1;
      }
    }
    std::memcpy(ram_ + (addr - kRamBase), &value, size);
    tlb_fill(s, addr);
    if (reservation_valid_ && addr < reservation_addr_ + 8 && reservation_addr_ < addr + size)
      reservation_valid_ = false;
    if (has_htif_ && addr < tohost_ + 8 && tohost_ < addr + size) htif_store();
    return true;
  }
  if (bus_.write(addr, size, value)) {
    // A device write may raise an interrupt: the machine looks before the next instruction.
    s.exit_request = 1;
    return true;
  }
  return fault(s, cause::kStoreAccess, addr);
}

bool Riscv64Virt::load_reserved(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t& out) {
  if (addr & (size - 1)) return fault(s, cause::kLoadMisaligned, addr);
  if (!in_ram(addr, size)) return fault(s, cause::kLoadAccess, addr);
  out = 0;
  std::memcpy(&out, ram_ + (addr - kRamBase), size);
  reservation_valid_ = true;
  reservation_addr_ = addr;
  return true;
}

bool Riscv64Virt::store_cond(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t value, uint64_t& out) {
  if (addr & (size - 1)) return fault(s, cause::kStoreMisaligned, addr);
  if (!in_ram(addr, size)) return fault(s, cause::kStoreAccess, addr);
  bool ok = reservation_valid_ && reservation_addr_ == addr;
  reservation_valid_ = false;
  if (!ok) {
    out = 1;
    return true;
  }
  if (!store(s, addr, size, value)) return false;
  out = 0;
  return true;
}

bool Riscv64Virt::atomic(ir::GuestState& s, uint64_t addr, unsigned size, ir::AtomicOp op, uint64_t value,
                         uint64_t& old) {
  if (addr & (size - 1)) return fault(s, cause::kStoreMisaligned, addr);
  if (!in_ram(addr, size)) return fault(s, cause::kStoreAccess, addr);
  old = 0;
  std::memcpy(&old, ram_ + (addr - kRamBase), size);
  uint64_t a = old, b = value, r = 0;
  if (size == 4) {  // compare 32-bit operands as 32-bit values
    a = uint64_t(int64_t(int32_t(uint32_t(a))));
    b = uint64_t(int64_t(int32_t(uint32_t(b))));
  }
  switch (op) {
    case ir::AtomicOp::Swap: r = value; break;
    case ir::AtomicOp::Add: r = a + b; break;
    case ir::AtomicOp::Xor: r = a ^ b; break;
    case ir::AtomicOp::And: r = a & b; break;
    case ir::AtomicOp::Or: r = a | b; break;
    case ir::AtomicOp::Min: r = int64_t(a) < int64_t(b) ? a : b; break;
    case ir::AtomicOp::Max: r = int64_t(a) > int64_t(b) ? a : b; break;
    case ir::AtomicOp::MinU: r = size == 4 ? (uint32_t(a) < uint32_t(b) ? a : b) : (a < b ? a : b); break;
    case ir::AtomicOp::MaxU: r = size == 4 ? (uint32_t(a) > uint32_t(b) ? a : b) : (a > b ? a : b); break;
  }
  return store(s, addr, size, r);
}

bool Riscv64Virt::csr(ir::GuestState& s, ir::CsrImm c, uint64_t value, uint64_t& old) {
  riscv::CounterSource k{s.icount, s.icount + clock_.idle_insns(), clint_->mtime()};
  return hart_.csr(c, value, old, k, insn_bits_at(s.pc));
}

void Riscv64Virt::code_translated(uint64_t addr, uint64_t len) {
  if (len == 0 || !in_ram(addr, 1)) return;
  uint64_t end = std::min(addr + len, kRamBase + cfg_.memory);
  for (uint64_t pg = (addr - kRamBase) >> 12; pg <= (end - 1 - kRamBase) >> 12; pg++) {
    if (page_flags_[pg] & kCode) continue;
    page_flags_[pg] |= kCode;
    // Stores to this page must now take the slow path, which invalidates the code.
    uintptr_t host_page = reinterpret_cast<uintptr_t>(ram_) + (pg << 12);
    for (auto& tlb : hart_.state().tlb)
      for (ir::TlbEntry& e : tlb)
        if (e.write_tag != ir::TlbEntry::kNoTag && e.write_tag + e.addend == host_page)
          e.write_tag = ir::TlbEntry::kNoTag;
  }
}

// For system instructions the engine has already retired: undo that and raise
// illegal-instruction at the instruction instead.
void Riscv64Virt::illegal_after_retire(uint64_t pc) {
  hart_.state().icount--;
  hart_.take_exception(cause::kIllegal, insn_bits_at(pc), pc);
}

void Riscv64Virt::handle_exit(const ir::ExitInfo& e) {
  ir::GuestState& s = hart_.state();
  switch (e.kind) {
    case ir::ExitKind::Trap: hart_.take_exception(e.cause, e.tval, e.pc); break;
    case ir::ExitKind::Ecall:
      hart_.take_exception(hart_.priv() == riscv::kMachine ? cause::kEcallM : cause::kEcallU, 0, e.pc);
      break;
    case ir::ExitKind::Ebreak: hart_.take_exception(cause::kBreakpoint, e.pc, e.pc); break;
    case ir::ExitKind::Mret:
      if (hart_.priv() != riscv::kMachine)
        illegal_after_retire(e.pc);
      else
        s.pc = hart_.mret();
      break;
    case ir::ExitKind::Sret: illegal_after_retire(e.pc); break;  // no S-mode on this hart
    case ir::ExitKind::SfenceVma:
      if (hart_.priv() != riscv::kMachine) illegal_after_retire(e.pc);
      break;
    case ir::ExitKind::Wfi:
      if (!hart_.wfi_allowed())
        illegal_after_retire(e.pc);
      else
        waiting_ = true;
      break;
    case ir::ExitKind::FenceI: engine_->flush(); break;
    case ir::ExitKind::Yield:
    case ir::ExitKind::Budget:
    case ir::ExitKind::None: break;
  }
}

void Riscv64Virt::poll_stdin() {
  pollfd pfd{STDIN_FILENO, POLLIN, 0};
  while (uart_->rx_ready() == false && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
    uint8_t c;
    if (read(STDIN_FILENO, &c, 1) != 1) {
      cfg_.stdin_input = false;
      break;
    }
    uart_->push_rx(c);
  }
}

RunResult Riscv64Virt::run() {
  ir::GuestState& s = hart_.state();
  constexpr uint64_t kInputSlice = 1'000'000;
  constexpr unsigned kMaxTrapsWithoutProgress = 1000;
  unsigned stuck = 0;
  for (;;) {
    clock_.run_due();
    if (finished_) break;
    if (reset_requested_) {
      reset_requested_ = false;
      load_images();
      reset();
      continue;
    }
    if (hart_.take_interrupt(s.pc)) waiting_ = false;
    if (waiting_) {
      if (hart_.wake_pending()) {
        waiting_ = false;
      } else if (!clock_.skip_to_next_event()) {
        return {RunResult::Kind::Error, 1,
                "the hart waits for an interrupt (wfi) and no timer or device event can wake it"};
      } else {
        continue;
      }
    }
    if (cfg_.max_insns && s.icount >= cfg_.max_insns) {
      return {RunResult::Kind::MaxInsns, 0,
              "stopped after " + std::to_string(s.icount) + " instructions (--max-insns)"};
    }
    uint64_t limit = clock_.next_event_insns();
    if (cfg_.max_insns) limit = std::min(limit, cfg_.max_insns);
    if (cfg_.stdin_input) {
      poll_stdin();
      limit = std::min(limit, s.icount + kInputSlice);
    }
    uint64_t before = s.icount;
    ir::ExitInfo e = engine_->run(s, std::max(limit, s.icount));
    // A trap whose handler traps again before retiring anything never ends by itself.
    stuck = (e.kind == ir::ExitKind::Trap && s.icount == before) ? stuck + 1 : 0;
    if (stuck > kMaxTrapsWithoutProgress) {
      char msg[160];
      std::snprintf(msg, sizeof msg, "the guest makes no progress: exception %llu at pc 0x%llx traps again at once",
                    (unsigned long long)e.cause, (unsigned long long)e.pc);
      return {RunResult::Kind::Error, 1, msg};
    }
    handle_exit(e);
  }
  std::fflush(stdout);
  return {RunResult::Kind::Exited, exit_code_, ""};
}

}  // namespace polyemu
