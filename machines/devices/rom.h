// Read-only memory filled by the board (boot information for firmware).
#pragma once
#include <cstring>
#include <string_view>
#include <vector>

#include "machines/device.h"

namespace polyemu {

class Rom final : public Device {
 public:
  explicit Rom(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  std::string_view name() const override { return "rom"; }
  uint64_t read(uint64_t offset, unsigned size) override {
    uint64_t v = 0;
    if (offset < bytes_.size() && size <= bytes_.size() - offset) std::memcpy(&v, bytes_.data() + offset, size);
    return v;
  }
  void write(uint64_t, unsigned, uint64_t) override {}
  // The contents are part of the machine's configuration, not its state.
  void save(Writer&) const override {}
  void load(Reader&) override {}

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace polyemu
