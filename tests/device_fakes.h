// Test doubles shared by the device tests: a hand-driven clock, a wire that records an
// IrqLine, and the truncated-snapshot check every device must pass.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "machines/device.h"

namespace polyemu::test {

// A Clock whose time only moves when the test says so; events fire in tick order.
class FakeClock : public Clock {
 public:
  uint64_t now() const override { return now_; }
  void schedule(uint64_t tick, std::function<void()> fn) override { events_.emplace(tick, std::move(fn)); }
  void advance_to(uint64_t tick) {
    while (!events_.empty() && events_.begin()->first <= tick) {
      auto it = events_.begin();
      if (it->first > now_) now_ = it->first;
      auto fn = std::move(it->second);
      events_.erase(it);
      fn();
    }
    if (tick > now_) now_ = tick;
  }
  size_t pending() const { return events_.size(); }

 private:
  uint64_t now_ = 0;
  std::multimap<uint64_t, std::function<void()>> events_;
};

// Records the level an IrqLine was last driven to, and every change.
struct Wire {
  bool level = false;
  std::vector<bool> history;
  IrqLine line() {
    return IrqLine([this](bool l) {
      level = l;
      history.push_back(l);
    });
  }
};

// Every strict prefix of a valid blob must be rejected with StateError.
template <typename MakeFresh>
void ExpectAllTruncationsThrow(const std::vector<uint8_t>& blob, MakeFresh make_fresh) {
  ASSERT_FALSE(blob.empty());
  for (size_t n = 0; n < blob.size(); ++n) {
    auto dev = make_fresh();
    Reader r(blob.data(), n);
    EXPECT_THROW(dev->load(r), StateError) << "prefix length " << n;
  }
}

}  // namespace polyemu::test
