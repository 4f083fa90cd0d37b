// SiFive test device ("sifive,test0"): lets a guest end the simulation with a status.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>

#include "machines/device.h"

namespace polyemu {

enum class FinisherEvent { kPass, kFail, kReset };

class TestFinisher final : public Device {
 public:
  static constexpr uint32_t kPass = 0x5555;
  static constexpr uint32_t kFail = 0x3333;
  static constexpr uint32_t kReset = 0x7777;

  // `on_event` gets the exit code for kFail (value >> 16) and 0 for kPass / kReset.
  explicit TestFinisher(std::function<void(FinisherEvent ev, uint32_t code)> on_event);

  std::string_view name() const override { return "sifive_test"; }
  uint64_t read(uint64_t offset, unsigned size) override { return 0; }
  // Only 2-, 4- or 8-byte stores at offset 0 are commands (the low 32 bits count); others are ignored.
  void write(uint64_t offset, unsigned size, uint64_t value) override;
  // Stateless, but writes an (empty) section so machine snapshots stay uniform.
  void save(Writer& w) const override;
  void load(Reader& r) override;

 private:
  std::function<void(FinisherEvent, uint32_t)> on_event_;
};

}  // namespace polyemu
