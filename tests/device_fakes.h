// Test doubles shared by the device tests: a hand-driven clock, a wire that records an
// IrqLine, the truncated-snapshot check every device must pass, and disk image files.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>
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

// A raw image file under the test temp dir, removed afterwards.
class TempImage {
 public:
  explicit TempImage(const std::vector<uint8_t>& content) {
    std::string tmpl = ::testing::TempDir() + "polyemu_disk_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    int fd = ::mkstemp(buf.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    path_ = buf.data();
    if (!content.empty() && ::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()))
      throw std::runtime_error("cannot write temp image");
    ::close(fd);
  }
  ~TempImage() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }
  std::vector<uint8_t> content() const {
    std::ifstream f(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }

 private:
  std::string path_;
};

// A recognisable disk: every byte depends on its offset.
inline std::vector<uint8_t> Pattern(uint64_t sectors) {
  std::vector<uint8_t> v(sectors * 512);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 131 + i / 512);
  return v;
}

inline std::vector<uint8_t> Slice(const std::vector<uint8_t>& v, uint64_t off, uint64_t len) {
  return {v.begin() + static_cast<ptrdiff_t>(off), v.begin() + static_cast<ptrdiff_t>(off + len)};
}

}  // namespace polyemu::test
