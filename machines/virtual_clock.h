// The machine's virtual clock. Time advances with retired instructions: one tick of the
// 10 MHz timebase per kInsnsPerTick instructions (a virtual 100 MIPS CPU). While every
// hart waits in wfi the clock jumps straight to the next event.
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

  // `insns` is the running instruction count the clock follows.
  explicit VirtualClock(const uint64_t& insns) : insns_(insns) {}

  uint64_t now() const override { return (insns_ + idle_insns_) / kInsnsPerTick; }
  void schedule(uint64_t tick, std::function<void()> fn) override {
    events_.emplace(std::make_pair(tick, seq_++), std::move(fn));
  }
  // Instruction count at which the next event is due (UINT64_MAX if none).
  uint64_t next_event_insns() const {
    if (events_.empty()) return UINT64_MAX;
    uint64_t at = insns_at(events_.begin()->first.first);
    return at > idle_insns_ ? at - idle_insns_ : 0;
  }
  bool has_events() const { return !events_.empty(); }
  // Runs every event that is due, in (tick, scheduling order).
  void run_due() {
    while (!events_.empty() && events_.begin()->first.first <= now()) {
      auto fn = std::move(events_.begin()->second);
      events_.erase(events_.begin());
      fn();
    }
  }
  // Moves time forward to the next event without retiring instructions (wfi). False when
  // there is no event that time can reach.
  bool skip_to_next_event() {
    if (events_.empty()) return false;
    uint64_t at = insns_at(events_.begin()->first.first);
    if (at == UINT64_MAX) return false;  // past the end of virtual time: never reached
    if (at > insns_ + idle_insns_) idle_insns_ = at - insns_;
    return true;
  }
  uint64_t idle_insns() const { return idle_insns_; }
  void set_idle_insns(uint64_t v) { idle_insns_ = v; }
  void clear_events() { events_.clear(); }

 private:
  // Instruction-equivalents at which `tick` begins, saturating for far-away ticks.
  static uint64_t insns_at(uint64_t tick) {
    return tick > UINT64_MAX / kInsnsPerTick ? UINT64_MAX : tick * kInsnsPerTick;
  }

  const uint64_t& insns_;
  uint64_t idle_insns_ = 0;
  uint64_t seq_ = 0;
  std::map<std::pair<uint64_t, uint64_t>, std::function<void()>> events_;
};

}  // namespace polyemu
