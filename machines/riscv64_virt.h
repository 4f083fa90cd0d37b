// The riscv64-virt board: the memory map of QEMU's `virt` machine, so the same bare-metal
// binaries run on both.
//
//   0x0010_0000  SiFive test finisher   (0x1000)
//   0x0200_0000  CLINT                  (0x10000; mtime at 10 MHz of virtual time)
//   0x1000_0000  NS16550A UART          (0x100)
//   0x8000_0000  RAM                    (--memory, default 128 MiB)
//
// Spike-style HTIF is available to ELF programs that define a `tohost` symbol.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/engine.h"
#include "machines/bus.h"
#include "machines/devices/clint.h"
#include "machines/devices/htif.h"
#include "machines/devices/test_finisher.h"
#include "machines/devices/uart16550.h"
#include "machines/riscv/hart.h"
#include "machines/virtual_clock.h"

namespace polyemu {

struct RawLoad {
  std::string path;
  uint64_t addr;
};

struct MachineConfig {
  uint64_t memory = 128ull << 20;
  std::string kernel;                    // ELF executable (or empty)
  std::vector<RawLoad> raw_loads;        // raw binaries at addresses
  uint64_t max_insns = 0;                // 0: no limit
  bool trace = false;                    // disassemble every executed instruction to stderr
  bool dump_ir = false;                  // print each translated block's IR to stderr
  bool check_ir = false;                 // verify IR after lifting and after the passes
  bool stdin_input = false;              // feed host stdin to the UART
  std::function<void(uint8_t)> console;  // UART/HTIF output (default: stdout)
};

struct RunResult {
  enum class Kind { Exited, MaxInsns, Error } kind = Kind::Exited;
  int exit_code = 0;
  std::string message;
};

class Riscv64Virt final : public ir::Host {
 public:
  static constexpr uint64_t kFinisherBase = 0x0010'0000, kFinisherSize = 0x1000;
  static constexpr uint64_t kClintBase = 0x0200'0000;
  static constexpr uint64_t kUartBase = 0x1000'0000, kUartSize = 0x100;
  static constexpr uint64_t kRamBase = 0x8000'0000;

  // Throws LoadError for bad images and std::invalid_argument for a bad configuration.
  explicit Riscv64Virt(MachineConfig cfg);
  ~Riscv64Virt() override;

  RunResult run();

  riscv::Hart& hart() { return hart_; }
  ir::Engine& engine() { return *engine_; }
  uint64_t instructions() const { return hart_.state().icount; }
  uint8_t* ram() { return ram_; }
  uint64_t ram_size() const { return cfg_.memory; }
  // The IR of the block at `pc` after optimization.
  ir::Block block_ir(uint64_t pc);

  // ir::Host
  bool fetch(ir::GuestState& s, uint64_t addr, uint16_t& out) override;
  bool fetch_page(ir::GuestState& s, uint64_t addr, uint64_t& phys) override;
  bool load(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t& out) override;
  bool store(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t value) override;
  bool load_reserved(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t& out) override;
  bool store_cond(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t value, uint64_t& out) override;
  bool atomic(ir::GuestState& s, uint64_t addr, unsigned size, ir::AtomicOp op, uint64_t value, uint64_t& old) override;
  bool csr(ir::GuestState& s, ir::CsrImm c, uint64_t value, uint64_t& old) override;
  void code_translated(uint64_t addr, uint64_t len) override;

 private:
  enum PageFlag : uint8_t { kCode = 1, kWatched = 2 };
  void load_images();
  void tlb_fill(ir::GuestState& s, uint64_t addr);
  void reset();
  bool in_ram(uint64_t addr, uint64_t len) const {
    return addr >= kRamBase && addr - kRamBase <= cfg_.memory - len && len <= cfg_.memory;
  }
  bool fault(ir::GuestState& s, uint64_t cause, uint64_t tval);
  uint32_t insn_bits_at(uint64_t pc);
  void handle_exit(const ir::ExitInfo& e);
  void illegal_after_retire(uint64_t pc);
  void finish(int code);
  void poll_stdin();
  void htif_store();

  MachineConfig cfg_;
  uint8_t* ram_ = nullptr;
  std::vector<uint8_t> page_flags_;
  riscv::Hart hart_;
  VirtualClock clock_;
  Bus bus_;
  std::unique_ptr<Uart16550> uart_;
  std::unique_ptr<Clint> clint_;
  std::unique_ptr<TestFinisher> finisher_;
  std::unique_ptr<Htif> htif_;
  uint64_t tohost_ = 0, fromhost_ = 0;
  bool has_htif_ = false;
  std::unique_ptr<ir::Engine> engine_;
  uint64_t entry_ = kRamBase;
  bool reservation_valid_ = false;
  uint64_t reservation_addr_ = 0;
  bool waiting_ = false;
  bool finished_ = false;
  bool reset_requested_ = false;
  int exit_code_ = 0;
};

}  // namespace polyemu
