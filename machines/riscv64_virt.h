// The riscv64-virt board: the memory map, device tree and boot flow of QEMU's `virt`
// machine, so the same firmware, bootloaders and kernels run on both.
//
//   0x0000_1000  boot ROM: fw_dynamic info  (0x1000)
//   0x0010_0000  SiFive test finisher / syscon poweroff+reboot (0x1000)
//   0x0010_1000  Goldfish RTC           (0x1000; PLIC source 11)
//   0x0200_0000  CLINT                  (0x10000; mtime at 10 MHz of virtual time)
//   0x0c00_0000  PLIC                   (96 sources; contexts: M and S of each hart)
//   0x1000_0000  NS16550A UART          (0x100; PLIC source 10)
//   0x1000_1000  virtio-mmio slot n at +n*0x1000 (n < 8; PLIC source 1+n): --drive
//   0x8000_0000  RAM                    (--memory, default 128 MiB)
//
// Boot: with --bios, the firmware is loaded at 0x8000_0000 (ELF at its own addresses) and
// every hart starts there with a0 = hart id, a1 = device tree, a2 = fw_dynamic info; the
// --kernel payload goes to 0x8020_0000. Without --bios, --kernel is a bare-metal program
// started at its ELF entry. Spike-style HTIF is available to ELF programs that define a
// `tohost` symbol.
//
// Harts take turns in slices of kQuantum instructions (always in hart order), so an SMP
// run is as deterministic as a single-hart one.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ir/engine.h"
#include "jit/tier.h"
#include "machines/bus.h"
#include "machines/devices/clint.h"
#include "machines/devices/goldfish_rtc.h"
#include "machines/devices/htif.h"
#include "machines/devices/plic.h"
#include "machines/devices/test_finisher.h"
#include "machines/devices/uart16550.h"
#include "machines/devices/virtio_mmio.h"
#include "machines/riscv/hart.h"
#include "machines/virtual_clock.h"

namespace polyemu {

struct RawLoad {
  std::string path;
  uint64_t addr;
};

struct DriveConfig {
  std::string file;  // raw disk image
  bool read_only = false;
  bool snapshot = false;  // writes go to a temporary overlay; the image is never changed
};

// 2025-01-01T00:00:00Z: a fixed default keeps runs reproducible.
constexpr uint64_t kDefaultRtcEpochNs = 1735689600ull * 1'000'000'000;

struct MachineConfig {
  uint64_t memory = 128ull << 20;
  unsigned smp = 1;
  std::string bios;                            // firmware at RAM base; empty: none
  std::string kernel;                          // S-mode payload with a bios; otherwise the program to run
  std::string initrd;                          // loaded into RAM and named in the device tree
  std::string append;                          // kernel command line (chosen/bootargs)
  std::string dtb;                             // use this device tree instead of generating one
  std::vector<DriveConfig> drives;             // virtio-blk disks, one virtio-mmio slot each
  std::vector<RawLoad> raw_loads;              // raw binaries at addresses
  uint64_t max_insns = 0;                      // 0: no limit (counts all harts)
  bool trace = false;                          // disassemble every executed instruction to stderr
  bool dump_ir = false;                        // print each translated block's IR to stderr
  bool check_ir = false;                       // verify IR after lifting and after the passes
  bool stdin_input = false;                    // feed host stdin to the UART
  std::string serial_input;                    // bytes fed to the UART, one whenever it is empty
  uint64_t rtc_epoch_ns = kDefaultRtcEpochNs;  // wall-clock time the RTC shows at power-on
  bool no_reboot = false;                      // a guest reset request ends the run instead
  std::string engine = "jit";                  // "interp", or "jit": interpreter plus LLVM for hot code
  jit::Options jit;                            // for engine "jit"
  std::function<void(uint8_t)> console;        // UART/HTIF output (default: stdout)
};

struct RunResult {
  enum class Kind { Exited, MaxInsns, Error } kind = Kind::Exited;
  int exit_code = 0;
  std::string message;  // for Exited: a note on how the run ended, if unusual
};

class Riscv64Virt final : public ir::Host, public DmaMemory {
 public:
  static constexpr uint64_t kBootRomBase = 0x1000, kBootRomSize = 0x1000;
  static constexpr uint64_t kFinisherBase = 0x0010'0000, kFinisherSize = 0x1000;
  static constexpr uint64_t kRtcBase = 0x0010'1000;
  static constexpr uint64_t kClintBase = 0x0200'0000;
  static constexpr uint64_t kPlicBase = 0x0c00'0000;
  static constexpr uint64_t kUartBase = 0x1000'0000, kUartSize = 0x100;
  static constexpr uint64_t kVirtioBase = 0x1000'1000;
  static constexpr unsigned kMaxDrives = 8;
  static constexpr unsigned kUartIrq = 10, kRtcIrq = 11, kVirtioIrq = 1;
  static constexpr uint64_t kRamBase = 0x8000'0000;
  static constexpr uint64_t kKernelBase = 0x8020'0000;
  static constexpr unsigned kMaxHarts = 8;
  static constexpr uint64_t kQuantum = 10'000;  // instructions per hart turn (SMP)

  // Throws LoadError for bad images and std::invalid_argument for a bad configuration.
  explicit Riscv64Virt(MachineConfig cfg);
  ~Riscv64Virt() override;

  RunResult run();

  riscv::Hart& hart(unsigned i = 0) { return *harts_[i]->hart; }
  unsigned num_harts() const { return unsigned(harts_.size()); }
  ir::Engine& engine(unsigned i = 0) { return *harts_[i]->engine; }
  // Retired instructions, all harts together.
  uint64_t instructions() const;
  // Engine statistics, all harts together.
  ir::EngineStats engine_stats() const;
  uint8_t* ram() { return ram_; }
  uint64_t ram_size() const { return cfg_.memory; }
  // The device tree handed to the boot hart.
  const std::vector<uint8_t>& device_tree() const { return fdt_; }
  // The IR of the block at `pc` (hart 0) after optimization.
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
  void code_translated(uint64_t phys, uint64_t len) override;

  // DmaMemory: devices reading and writing guest RAM.
  bool read(uint64_t addr, void* out, uint64_t len) override;
  bool write(uint64_t addr, const void* in, uint64_t len) override;

 private:
  struct HartSlot {
    std::unique_ptr<riscv::Hart> hart;
    std::unique_ptr<ir::Engine> engine;
    bool waiting = false;
    bool reservation_valid = false;
    uint64_t reservation_addr = 0;  // physical
    unsigned traps_without_progress = 0;
  };
  enum PageFlag : uint8_t { kCode = 1, kWatched = 2 };

  void load_images();
  std::vector<uint8_t> build_device_tree() const;
  void reset();
  bool in_ram(uint64_t addr, uint64_t len) const {
    return addr >= kRamBase && addr - kRamBase <= cfg_.memory - len && len <= cfg_.memory;
  }
  HartSlot& cur() { return *harts_[cur_]; }
  bool fault(ir::GuestState& s, uint64_t cause, uint64_t tval);
  // Translates one access within a page and fills the TLB when it is plain RAM.
  bool translate(ir::GuestState& s, uint64_t vaddr, unsigned size, riscv::Access a, uint64_t& phys);
  bool store_phys(ir::GuestState& s, uint64_t phys, unsigned size, uint64_t value);
  // Every write into RAM (stores, DMA): drops code it overwrites and breaks reservations.
  void write_ram(uint64_t phys, const void* src, uint64_t len);
  void code_written(uint64_t phys, uint64_t len);
  uint32_t insn_bits_at(uint64_t pc);
  void handle_exit(const ir::ExitInfo& e);
  void illegal_after_retire(uint64_t pc);
  // Runs the current hart for up to `quantum` instructions. Returns true with `out` set
  // when the whole run ends.
  bool run_slice(uint64_t quantum, bool& ran, RunResult& out);
  void finish(int code);
  void feed_uart();
  void htif_store();

  MachineConfig cfg_;
  uint8_t* ram_ = nullptr;
  std::vector<uint8_t> page_flags_;
  // Of each page with kCode, the bytes [lo, hi) holding all code translated from it since
  // it got the flag: stores outside them leave the engines alone.
  struct CodeSpan {
    uint16_t lo = 4096, hi = 0;
  };
  std::vector<CodeSpan> code_span_;
  std::vector<std::unique_ptr<HartSlot>> harts_;
  unsigned cur_ = 0;
  VirtualClock clock_;
  uint64_t time_ = 0;  // virtual time (instruction units) at which the current round began
  Bus bus_;
  std::unique_ptr<Uart16550> uart_;
  std::unique_ptr<Clint> clint_;
  std::unique_ptr<Plic> plic_;
  std::unique_ptr<GoldfishRtc> rtc_;
  std::vector<std::unique_ptr<VirtioMmio>> virtio_;
  std::unique_ptr<TestFinisher> finisher_;
  std::unique_ptr<Htif> htif_;
  std::unique_ptr<Device> boot_rom_;
  uint64_t tohost_ = 0, fromhost_ = 0;
  bool has_htif_ = false;
  uint64_t entry_ = kRamBase;
  uint64_t fdt_addr_ = 0;
  std::vector<uint8_t> fdt_;
  uint64_t initrd_start_ = 0, initrd_end_ = 0;
  std::deque<uint8_t> serial_input_;
  bool finished_ = false;
  bool reset_requested_ = false;
  bool reset_ended_run_ = false;  // --no-reboot turned a reset request into the end
  int exit_code_ = 0;
};

}  // namespace polyemu
