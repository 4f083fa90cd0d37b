#include "machines/devices/htif.h"

#include <utility>

namespace polyemu {

Htif::Htif(std::function<void(uint8_t)> console, std::function<void(uint32_t code)> exit)
    : console_(std::move(console)), exit_(std::move(exit)) {}

bool Htif::on_tohost_write(uint64_t value, uint64_t& tohost_after, uint64_t& fromhost_after) {
  if (value == 0) return false;
  uint64_t device = value >> 56;
  uint64_t cmd = (value >> 48) & 0xff;
  uint64_t payload = value & 0xffff'ffff'ffff;

  if (device == 0 && cmd == 0 && (payload & 1)) {
    exited_ = true;
    exit_code_ = static_cast<uint32_t>(payload >> 1);
    if (exit_) exit_(exit_code_);
    // The guest spins after signalling exit; leaving tohost set matches Spike.
    return false;
  }
  tohost_after = 0;
  if (device == 1 && cmd == 1) {
    if (console_) console_(static_cast<uint8_t>(payload & 0xff));
    fromhost_after = kConsoleAck;
  }
  return true;
}

void Htif::save(Writer& w) const {
  w.begin("htif", 1);
  w.boolean(exited_);
  w.u32(exit_code_);
}

void Htif::load(Reader& r) {
  r.begin("htif", 1);
  bool exited = r.boolean();
  uint32_t code = r.u32();
  exited_ = exited;
  exit_code_ = code;
}

}  // namespace polyemu
