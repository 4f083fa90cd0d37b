// The machine's virtual clock. Time advances with retired instructions: one tick of the
// 10 MHz timebase per kInsnsPerTick instructions (a virtual 100 MIPS CPU).
//
// Harts take turns in slices. A slice starts at the time the round started and the
// clock follows the running hart's instruction count from there, so each hart sees its
// own time advance exactly with the instructions it retires. While every hart waits in
// wfi, time jumps straight to the next event.
#pragma once
#include <cstdint>
#include <functional>
#include <map>

#include "machines/device.h"

namespace polyemu {

class VirtualClock final : public Clock {
 public:
  static constexpr uint64_t kInsnsPerTick = 10;
  static constexpr uint64_t kTicksPerSecond = 10'000'000;

  uint64_t now() const override { return elapsed() / kInsnsPerTick; }
  void schedule(uint64_t tick, std::function<void()> fn) override {
    events_.emplace(std::make_pair(tick, seq_++), std::move(fn));
  }
  // Virtual time in instruction units.
  uint64_t elapsed() const { return base_ + (*icount_ - start_); }
  // From now on time follows `icount` (a hart's retired instructions), starting at `at`.
  void begin_slice(const uint64_t& icount, uint64_t at) {
    icount_ = &icount;
    start_ = icount;
    base_ = at;
  }
  // The running hart's instruction count at which the next event is due (UINT64_MAX if none).
  uint64_t next_event_insns() const {
    if (events_.empty()) return UINT64_MAX;
    uint64_t at = insns_at(events_.begin()->first.first);
    if (at == UINT64_MAX) return UINT64_MAX;
    return at > elapsed() ? *icount_ + (at - elapsed()) : *icount_;
  }
  // Runs every event that is due, in (tick, scheduling order).
  void run_due() {
    while (!events_.empty() && events_.begin()->first.first <= now()) {
      auto fn = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      fn();
    }
  }
  // Time of the next event in instruction units; false when there is none that time can
  // reach (past the end of virtual time).
  bool next_event_time(uint64_t& at) const {
    if (events_.empty()) return false;
    at = insns_at(events_.begin()->first.first);
    return at != UINT64_MAX;
  }
  void clear_events() { events_.clear(); }

 private:
  // Instruction-equivalents at which `tick` begins, saturating for far-away ticks.
  static uint64_t insns_at(uint64_t tick) {
    return tick > UINT64_MAX / kInsnsPerTick ? UINT64_MAX : tick * kInsnsPerTick;
  }

  static constexpr uint64_t kZero = 0;
  const uint64_t* icount_ = &kZero;
  uint64_t start_ = 0, base_ = 0;
  uint64_t seq_ = 0;
  std::map<std::pair<uint64_t, uint64_t>, std::function<void()>> events_;
};

}  // namespace polyemu
