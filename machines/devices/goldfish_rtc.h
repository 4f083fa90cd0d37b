// Goldfish real-time clock (Android emulator RTC, "google,goldfish-rtc" on QEMU virt).
//
// Registers (32-bit): TIME_LOW 0x00 (reading it latches the high half into TIME_HIGH),
// TIME_HIGH 0x04, ALARM_LOW 0x08 (writing it arms the alarm), ALARM_HIGH 0x0c,
// IRQ_ENABLED 0x10, CLEAR_ALARM 0x14, ALARM_STATUS 0x18, CLEAR_INTERRUPT 0x1c.
// Time is in nanoseconds since the Unix epoch. It is virtual: the start epoch given to the
// constructor plus the machine clock (10 MHz ticks, 100 ns each), so a run is
// deterministic. Writing TIME_HIGH or TIME_LOW replaces that half of the current time.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>

#include "machines/device.h"

namespace polyemu {

class GoldfishRtc final : public Device {
 public:
  static constexpr uint64_t kSize = 0x1000;
  static constexpr uint64_t kNsPerTick = 100;

  // `clock` must outlive the device. `irq` is raised while an alarm interrupt is pending
  // and enabled (QEMU virt wires it to PLIC source 11).
  GoldfishRtc(Clock& clock, uint64_t start_epoch_ns, IrqLine irq);
  GoldfishRtc(const GoldfishRtc&) = delete;
  GoldfishRtc& operator=(const GoldfishRtc&) = delete;

  std::string_view name() const override { return "goldfish-rtc"; }
  // Only aligned 4-byte accesses are decoded; others read 0 / are ignored.
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, unsigned size, uint64_t value) override;
  void save(Writer& w) const override;
  void load(Reader& r) override;

  // Current RTC time in nanoseconds.
  uint64_t now_ns() const;

 private:
  struct State {
    uint64_t offset_ns = 0;  // time = offset + clock ticks * 100 (mod 2^64).
    uint32_t time_high = 0;  // Latched by a TIME_LOW read.
    uint64_t alarm_ns = 0;
    bool alarm_running = false;
    bool irq_enabled = false;
    bool irq_pending = false;
  };

  void set_time(uint64_t ns);
  // Starts the alarm at alarm_ns (firing at once if it is already due).
  void arm();
  void fire();
  void drive(bool force = false);

  Clock& clock_;
  IrqLine irq_;
  State s_;
  bool irq_level_ = false;
  uint64_t generation_ = 0;  // Bumped whenever a scheduled alarm becomes stale.
  // Scheduled callbacks hold a weak reference so they do nothing once the device is gone.
  std::shared_ptr<GoldfishRtc*> self_;
};

}  // namespace polyemu
