// RISC-V Platform-Level Interrupt Controller in the SiFive layout used by QEMU's virt board.
//
// Register map (offsets in the window, all registers 32-bit, only aligned 4-byte accesses):
//   0x000000 + 4*s          priority of source s (1 <= s < num_sources; source 0 does not exist)
//   0x001000 + 4*(s/32)     pending bits (read-only)
//   0x002000 + 0x80*c       enable bits of context c, one bit per source
//   0x200000 + 0x1000*c     priority threshold of context c
//   0x200004 + 0x1000*c     claim (read) / complete (write) of context c
// Priorities and thresholds are 3-bit WARL fields (0..7) as on QEMU virt; priority 0 never
// interrupts and a source interrupts a context only when its priority exceeds the threshold.
//
// Sources are level-triggered. While a source is not claimed its pending bit follows its
// input level (a level that drops before the claim withdraws the request, as on QEMU);
// a claim clears the pending bit and holds the source until a context completes it; a
// completion re-arms the source, so one that is still asserted becomes pending again.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "machines/device.h"

namespace polyemu {

class Plic final : public Device {
 public:
  static constexpr uint64_t kPriorityBase = 0x0;
  static constexpr uint64_t kPendingBase = 0x1000;
  static constexpr uint64_t kEnableBase = 0x2000;
  static constexpr uint64_t kEnableStride = 0x80;
  static constexpr uint64_t kContextBase = 0x200000;
  static constexpr uint64_t kContextStride = 0x1000;
  static constexpr uint32_t kMaxPriority = 7;
  static constexpr unsigned kMaxSources = 1024;
  // Keeps the enable blocks below the context registers.
  static constexpr unsigned kMaxContexts = (kContextBase - kEnableBase) / kEnableStride;
  // QEMU virt: 96 interrupt IDs (0 reserved), so the device tree says riscv,ndev = 95.
  static constexpr unsigned kVirtSources = 96;

  // Bytes of MMIO window the registers of `contexts` contexts occupy (QEMU virt's formula).
  // A board may map a larger window; the rest reads as 0.
  static constexpr uint64_t window_size(unsigned contexts) { return kContextBase + kContextStride * contexts; }

  // `num_sources` counts interrupt IDs including the reserved 0 (2..1024, else
  // std::invalid_argument). `contexts` holds one output per context (1..kMaxContexts); on
  // QEMU virt context 2h is hart h's M-mode external interrupt (MEIP) and 2h+1 its
  // S-mode one (SEIP). Each output is driven whenever its level changes.
  Plic(unsigned num_sources, std::vector<IrqLine> contexts);
  Plic(const Plic&) = delete;
  Plic& operator=(const Plic&) = delete;

  std::string_view name() const override { return "plic"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, unsigned size, uint64_t value) override;
  void save(Writer& w) const override;
  void load(Reader& r) override;

  // Input wire of source `src`: the level the device drives. Out-of-range sources are ignored.
  void set_source(unsigned src, bool level);
  // An IrqLine that drives `src`; the Plic must outlive every line it hands out.
  IrqLine source_line(unsigned src);

  unsigned num_sources() const { return static_cast<unsigned>(sources_.size()); }
  unsigned num_contexts() const { return static_cast<unsigned>(contexts_.size()); }
  uint64_t size() const { return window_size(num_contexts()); }
  // Power-on state: priorities, enables and thresholds 0, nothing pending or claimed
  // (input levels are kept: they belong to the devices).
  void reset();

 private:
  struct Source {
    uint32_t priority = 0;
    bool level = false;    // Input wire.
    bool claimed = false;  // Claimed and not yet completed.
    // A claimed source ignores its level until completed, so pending is fully determined.
    bool pending() const { return level && !claimed; }
  };
  struct Context {
    std::vector<uint32_t> enable;  // One word per 32 sources.
    uint32_t threshold = 0;
    bool output = false;  // Level last driven on the line.
  };

  unsigned words() const { return (num_sources() + 31) / 32; }
  bool enabled(const Context& c, unsigned src) const { return (c.enable[src / 32] >> (src % 32)) & 1; }
  uint32_t enable_mask(unsigned word) const;
  // Highest-priority pending, enabled source above the threshold (lowest ID on ties), or 0.
  unsigned best(const Context& c) const;
  uint32_t claim(unsigned ctx);
  void complete(unsigned ctx, uint32_t src);
  void update(bool force = false);

  std::vector<Source> sources_;
  std::vector<Context> contexts_;
  std::vector<IrqLine> lines_;
};

}  // namespace polyemu
