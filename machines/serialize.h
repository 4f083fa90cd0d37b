// Versioned binary state format shared by CPU, devices and RAM.
#pragma once
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace polyemu {

// Thrown on truncated or inconsistent state; callers turn it into a one-line error.
struct StateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Writer {
 public:
  // Each section starts with a tag and a version so a loader can reject foreign data.
  void begin(std::string_view tag, uint32_t version) {
    str(tag);
    u32(version);
  }
  void u8(uint8_t v) { raw(&v, 1); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    raw(s.data(), s.size());
  }
  void bytes(const void* p, size_t n) {
    u64(n);
    raw(p, n);
  }
  const std::vector<uint8_t>& data() const { return buf_; }

 private:
  void raw(const void* p, size_t n) {
    auto b = static_cast<const uint8_t*>(p);
    buf_.insert(buf_.end(), b, b + n);
  }
  std::vector<uint8_t> buf_;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  explicit Reader(const std::vector<uint8_t>& v) : Reader(v.data(), v.size()) {}

  // Checks the tag and returns the version; throws if absent or newer than `max_version`.
  uint32_t begin(std::string_view tag, uint32_t max_version) {
    std::string t = str();
    if (t != tag) throw StateError("state: expected section '" + std::string(tag) + "', found '" + t + "'");
    uint32_t v = u32();
    if (v == 0 || v > max_version)
      throw StateError("state: section '" + std::string(tag) + "' has unsupported version " + std::to_string(v));
    return v;
  }
  uint8_t u8() {
    uint8_t v;
    raw(&v, 1);
    return v;
  }
  uint32_t u32() {
    uint32_t v;
    raw(&v, 4);
    return v;
  }
  uint64_t u64() {
    uint64_t v;
    raw(&v, 8);
    return v;
  }
  bool boolean() { return u8() != 0; }
  std::string str() {
    uint32_t n = u32();
    need(n);
    std::string s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  // Reads a byte blob whose size must equal `n` exactly.
  void bytes(void* out, size_t n) {
    uint64_t len = u64();
    if (len != n) throw StateError("state: blob size mismatch");
    raw(out, n);
  }
  bool at_end() const { return p_ == end_; }

 private:
  void need(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) throw StateError("state: truncated data");
  }
  void raw(void* out, size_t n) {
    need(n);
    std::memcpy(out, p_, n);
    p_ += n;
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace polyemu
