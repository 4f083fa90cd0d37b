// Spike's host-target interface. Not an MMIO device: the board watches the guest's `tohost`
// word in RAM and hands every non-zero store to on_tohost_write().
#pragma once
#include <cstdint>
#include <functional>

#include "machines/serialize.h"

namespace polyemu {

class Htif {
 public:
  static constexpr uint64_t kConsoleAck = (uint64_t{1} << 56) | (uint64_t{1} << 48);

  explicit Htif(std::function<void(uint8_t)> console, std::function<void(uint32_t code)> exit);

  // Decodes one tohost command (device = bits 63:56, cmd = 55:48, payload = 47:0):
  //  - dev 0, cmd 0, payload bit 0 set: exit(payload >> 1); returns false (no RAM update).
  //  - dev 1, cmd 1: console(payload & 0xff), tohost_after = 0, fromhost_after = kConsoleAck.
  //  - dev 1, cmd 0 (getchar): there is no host input, and as in Spike with an empty terminal
  //    no reply is sent (any reply would be read as a character). tohost_after = 0.
  //  - anything else (including the dev 0 syscall proxy): acknowledged with tohost_after = 0.
  // fromhost_after is in/out: pass the current fromhost word; it is left unchanged unless the
  // command replies. Returns true if the caller must store both out-parameters to RAM.
  // A value of 0 (the guest clearing tohost) is not a command and returns false.
  bool on_tohost_write(uint64_t value, uint64_t& tohost_after, uint64_t& fromhost_after);

  bool exited() const { return exited_; }
  uint32_t exit_code() const { return exit_code_; }

  void save(Writer& w) const;
  void load(Reader& r);

 private:
  std::function<void(uint8_t)> console_;
  std::function<void(uint32_t)> exit_;
  bool exited_ = false;
  uint32_t exit_code_ = 0;
};

}  // namespace polyemu
