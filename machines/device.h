// The contract every MMIO device implements. A device sees offsets inside its own
// window; it knows neither its base address nor the CPU.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>

#include "machines/serialize.h"

namespace polyemu {

class Device {
 public:
  virtual ~Device() = default;
  virtual std::string_view name() const = 0;
  // `size` is 1, 2, 4 or 8. Reads of unimplemented registers return 0; writes are ignored.
  virtual uint64_t read(uint64_t offset, unsigned size) = 0;
  virtual void write(uint64_t offset, unsigned size, uint64_t value) = 0;
  virtual void save(Writer& w) const = 0;
  virtual void load(Reader& r) = 0;
};

// A wire from a device to an interrupt input; the board decides where it goes.
class IrqLine {
 public:
  IrqLine() = default;
  explicit IrqLine(std::function<void(bool)> sink) : sink_(std::move(sink)) {}
  void set(bool level) {
    if (sink_) sink_(level);
  }

 private:
  std::function<void(bool)> sink_;
};

// Virtual time as devices see it: ticks of the machine timebase (10 MHz), derived
// from retired instructions. Events fire at exact tick values in every engine.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t now() const = 0;
  // Calls `fn` once the clock reaches `tick` (immediately on the next check if already past).
  virtual void schedule(uint64_t tick, std::function<void()> fn) = 0;
};

// Guest-physical memory as a DMA-capable device (virtio) sees it. The board implements it
// over RAM and drops any translated code a write overlaps. Both calls return false, and
// copy nothing, when any byte of [addr, addr+len) lies outside RAM.
class DmaMemory {
 public:
  virtual ~DmaMemory() = default;
  virtual bool read(uint64_t addr, void* out, uint64_t len) = 0;
  virtual bool write(uint64_t addr, const void* in, uint64_t len) = 0;
};

}  // namespace polyemu
