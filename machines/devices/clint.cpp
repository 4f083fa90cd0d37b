#include "machines/devices/clint.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace polyemu {

namespace {
constexpr uint64_t kNever = ~uint64_t{0};
}  // namespace

Clint::Clint(Clock& clock, unsigned num_harts, std::vector<ClintHartLines> lines)
    : clock_(clock), lines_(std::move(lines)), self_(std::make_shared<Clint*>(this)) {
  if (num_harts == 0 || num_harts > kMaxHarts)
    throw std::invalid_argument("clint: number of harts must be 1.." + std::to_string(kMaxHarts));
  if (lines_.size() != num_harts) throw std::invalid_argument("clint: need one ClintHartLines per hart");
  harts_.resize(num_harts);
}

uint64_t Clint::mtime() const { return clock_.now() + mtime_offset_; }

uint64_t Clint::tick_for(uint64_t cmp) const {
  uint64_t now = clock_.now();
  uint64_t mt = now + mtime_offset_;
  if (mt >= cmp) return now;
  uint64_t delta = cmp - mt;
  // mtime cannot wrap in practice; a deadline beyond the tick range is never reached.
  if (delta > kNever - now) return kNever;
  return now + delta;
}

uint64_t Clint::read(uint64_t offset, unsigned size) {
  if ((size != 4 && size != 8) || offset % size != 0 || offset >= kSize) return 0;
  if (size == 4) return read32(offset);
  return read32(offset) | uint64_t{read32(offset + 4)} << 32;
}

uint32_t Clint::read32(uint64_t offset) {
  uint64_t n = harts_.size();
  if (offset < kMsipBase + 4 * n) return harts_[(offset - kMsipBase) / 4].msip ? 1 : 0;
  uint64_t v;
  if (offset >= kMtimecmpBase && offset < kMtimecmpBase + 8 * n) {
    v = harts_[(offset - kMtimecmpBase) / 8].mtimecmp;
  } else if (offset >= kMtime && offset < kMtime + 8) {
    v = mtime();
  } else {
    return 0;
  }
  return static_cast<uint32_t>(offset % 8 ? v >> 32 : v);
}

void Clint::write(uint64_t offset, unsigned size, uint64_t value) {
  if ((size != 4 && size != 8) || offset % size != 0 || offset >= kSize) return;
  uint64_t n = harts_.size();
  if (offset < kMsipBase + 4 * n) {
    // A 64-bit store here covers two consecutive MSIP words.
    unsigned h = static_cast<unsigned>((offset - kMsipBase) / 4);
    for (unsigned i = 0; i < size / 4 && h + i < n; ++i) {
      harts_[h + i].msip = (value >> (32 * i)) & 1;
      drive(h + i);
    }
    return;
  }
  // The 64-bit registers: merge the written half (or whole) into the current value so a
  // 64-bit store updates the comparison once, with no transient intermediate value.
  uint64_t shift = (offset % 8) * 8;
  uint64_t mask = size == 8 ? kNever : uint64_t{0xffff'ffff} << shift;
  write64_masked(offset - offset % 8, value << shift, mask);
}

void Clint::write64_masked(uint64_t offset, uint64_t value, uint64_t mask) {
  uint64_t n = harts_.size();
  if (offset >= kMtimecmpBase && offset < kMtimecmpBase + 8 * n) {
    unsigned h = static_cast<unsigned>((offset - kMtimecmpBase) / 8);
    set_mtimecmp(h, (harts_[h].mtimecmp & ~mask) | (value & mask));
  } else if (offset == kMtime) {
    set_mtime((mtime() & ~mask) | (value & mask));
  }
}

void Clint::set_mtimecmp(unsigned hart, uint64_t value) {
  harts_[hart].mtimecmp = value;
  arm(hart);
}

void Clint::set_mtime(uint64_t value) {
  mtime_offset_ = value - clock_.now();
  // Every deadline moved relative to the clock.
  for (unsigned h = 0; h < harts_.size(); ++h) arm(h);
}

void Clint::arm(unsigned hart, bool force) {
  Hart& ht = harts_[hart];
  ++ht.generation;
  ht.mtip = mtime() >= ht.mtimecmp;
  drive(hart, force);
  if (ht.mtip) return;
  uint64_t tick = tick_for(ht.mtimecmp);
  // All-ones is the conventional "timer off"; skipping it keeps the board's event list short.
  if (tick == kNever) return;
  std::weak_ptr<Clint*> weak = self_;
  uint64_t gen = ht.generation;
  clock_.schedule(tick, [weak, hart, gen] {
    auto self = weak.lock();
    if (!self) return;
    Clint* c = *self;
    if (c->harts_[hart].generation != gen) return;
    c->arm(hart);
  });
}

void Clint::drive(unsigned hart, bool force) {
  const Hart& ht = harts_[hart];
  if (ht.msip != msip_level_[hart] || force) {
    msip_level_[hart] = ht.msip;
    lines_[hart].software.set(ht.msip);
  }
  if (ht.mtip != mtip_level_[hart] || force) {
    mtip_level_[hart] = ht.mtip;
    lines_[hart].timer.set(ht.mtip);
  }
}

void Clint::update() {
  for (unsigned h = 0; h < harts_.size(); ++h) {
    Hart& ht = harts_[h];
    ht.mtip = mtime() >= ht.mtimecmp;
    drive(h);
  }
}

uint64_t Clint::next_deadline() const {
  uint64_t best = kNever;
  for (const Hart& ht : harts_) {
    if (ht.mtip) continue;
    uint64_t t = tick_for(ht.mtimecmp);
    if (t < best) best = t;
  }
  return best;
}

void Clint::reset() {
  mtime_offset_ = 0;
  for (unsigned h = 0; h < harts_.size(); ++h) {
    harts_[h].msip = false;
    harts_[h].mtimecmp = kNever;
    arm(h);
  }
}

void Clint::save(Writer& w) const {
  w.begin("clint", 1);
  w.u32(static_cast<uint32_t>(harts_.size()));
  w.u64(mtime_offset_);
  for (const Hart& ht : harts_) {
    w.boolean(ht.msip);
    w.u64(ht.mtimecmp);
  }
}

void Clint::load(Reader& r) {
  r.begin("clint", 1);
  uint32_t n = r.u32();
  if (n != harts_.size()) throw StateError("state: clint hart count does not match the machine");
  uint64_t offset = r.u64();
  std::vector<std::pair<bool, uint64_t>> regs(n);
  for (auto& [msip, cmp] : regs) {
    msip = r.boolean();
    cmp = r.u64();
  }
  // Only commit once everything decoded, so a bad blob leaves the device untouched.
  mtime_offset_ = offset;
  for (unsigned h = 0; h < n; ++h) {
    harts_[h].msip = regs[h].first;
    harts_[h].mtimecmp = regs[h].second;
    // Callbacks scheduled before the load belong to the old timeline; arm() makes them stale.
    arm(h, /*force=*/true);
  }
}

}  // namespace polyemu
