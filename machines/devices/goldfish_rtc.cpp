#include "machines/devices/goldfish_rtc.h"

#include <utility>

namespace polyemu {

namespace {
enum Reg : uint64_t {
  kTimeLow = 0x00,
  kTimeHigh = 0x04,
  kAlarmLow = 0x08,
  kAlarmHigh = 0x0c,
  kIrqEnabled = 0x10,
  kClearAlarm = 0x14,
  kAlarmStatus = 0x18,
  kClearInterrupt = 0x1c,
};
constexpr uint64_t kLow = 0xffff'ffff;
}  // namespace

GoldfishRtc::GoldfishRtc(Clock& clock, uint64_t start_epoch_ns, IrqLine irq)
    : clock_(clock), irq_(std::move(irq)), self_(std::make_shared<GoldfishRtc*>(this)) {
  s_.offset_ns = start_epoch_ns;
}

uint64_t GoldfishRtc::now_ns() const { return s_.offset_ns + clock_.now() * kNsPerTick; }

void GoldfishRtc::set_time(uint64_t ns) {
  s_.offset_ns = ns - clock_.now() * kNsPerTick;
  // The alarm is an absolute RTC time, so moving the clock moves its deadline.
  if (s_.alarm_running) arm();
}

uint64_t GoldfishRtc::read(uint64_t offset, unsigned size) {
  if (size != 4 || offset % 4 != 0) return 0;
  switch (offset) {
    case kTimeLow: {
      uint64_t t = now_ns();
      s_.time_high = static_cast<uint32_t>(t >> 32);
      return t & kLow;
    }
    case kTimeHigh: return s_.time_high;
    case kAlarmLow: return s_.alarm_ns & kLow;
    case kAlarmHigh: return s_.alarm_ns >> 32;
    case kIrqEnabled: return s_.irq_enabled;
    case kAlarmStatus: return s_.alarm_running;
    default: return 0;
  }
}

void GoldfishRtc::write(uint64_t offset, unsigned size, uint64_t value) {
  if (size != 4 || offset % 4 != 0) return;
  uint64_t v = value & kLow;
  switch (offset) {
    case kTimeLow: set_time((now_ns() & ~kLow) | v); break;
    case kTimeHigh: set_time((now_ns() & kLow) | v << 32); break;
    case kAlarmLow:
      s_.alarm_ns = (s_.alarm_ns & ~kLow) | v;
      arm();
      break;
    case kAlarmHigh: s_.alarm_ns = (s_.alarm_ns & kLow) | v << 32; break;
    case kIrqEnabled:
      s_.irq_enabled = v & 1;
      drive();
      break;
    case kClearAlarm:
      s_.alarm_running = false;
      ++generation_;
      break;
    case kClearInterrupt:
      s_.irq_pending = false;
      drive();
      break;
    default: break;
  }
}

void GoldfishRtc::arm() {
  ++generation_;
  uint64_t now = now_ns();
  if (s_.alarm_ns <= now) {
    fire();
    return;
  }
  s_.alarm_running = true;
  // The first tick whose time reaches the alarm (no overflow: delta / 100 < 2^64 / 100).
  uint64_t ticks = (s_.alarm_ns - now - 1) / kNsPerTick + 1;
  std::weak_ptr<GoldfishRtc*> weak = self_;
  uint64_t gen = generation_;
  uint64_t tick = clock_.now();
  tick = ticks > ~uint64_t{0} - tick ? ~uint64_t{0} : tick + ticks;
  clock_.schedule(tick, [weak, gen] {
    auto self = weak.lock();
    if (!self) return;
    GoldfishRtc* rtc = *self;
    if (rtc->generation_ == gen && rtc->s_.alarm_running) rtc->fire();
  });
}

void GoldfishRtc::fire() {
  s_.alarm_running = false;
  s_.irq_pending = true;
  drive();
}

void GoldfishRtc::drive(bool force) {
  bool level = s_.irq_pending && s_.irq_enabled;
  if (level != irq_level_ || force) {
    irq_level_ = level;
    irq_.set(level);
  }
}

void GoldfishRtc::save(Writer& w) const {
  w.begin("goldfish-rtc", 1);
  w.u64(s_.offset_ns);
  w.u32(s_.time_high);
  w.u64(s_.alarm_ns);
  w.boolean(s_.alarm_running);
  w.boolean(s_.irq_enabled);
  w.boolean(s_.irq_pending);
}

void GoldfishRtc::load(Reader& r) {
  r.begin("goldfish-rtc", 1);
  State s;
  s.offset_ns = r.u64();
  s.time_high = r.u32();
  s.alarm_ns = r.u64();
  s.alarm_running = r.boolean();
  s.irq_enabled = r.boolean();
  s.irq_pending = r.boolean();
  s_ = s;
  // Alarms scheduled before the load belong to the old timeline.
  ++generation_;
  if (s_.alarm_running) arm();
  drive(/*force=*/true);
}

}  // namespace polyemu
