// NS16550A UART as found on the QEMU virt board (register shift 0, one byte per register).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "machines/device.h"

namespace polyemu {

class Uart16550 final : public Device {
 public:
  static constexpr unsigned kFifoDepth = 16;

  Uart16550(std::function<void(uint8_t)> tx, IrqLine irq);

  std::string_view name() const override { return "uart16550"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, unsigned size, uint64_t value) override;
  void save(Writer& w) const override;
  void load(Reader& r) override;

  // Host side: a byte typed by the user. Dropped with LSR.OE set when the FIFO is full.
  void push_rx(uint8_t byte);
  bool rx_ready() const { return s_.rx_count != 0; }
  // Power-on state; the IRQ line is driven low if it was high.
  void reset();

 private:
  struct State {
    uint8_t ier = 0;
    uint8_t lcr = 0;
    uint8_t mcr = 0;
    uint8_t scr = 0;
    uint8_t dll = 0;
    uint8_t dlm = 0;
    uint8_t fcr = 0;  // Write-only on hardware; kept for the FIFO-enable bit and the state.
    bool overrun = false;
    bool thre_pending = false;
    std::array<uint8_t, kFifoDepth> rx{};  // Ring buffer.
    unsigned rx_head = 0;
    unsigned rx_count = 0;
  };

  uint8_t read_reg(unsigned reg);
  void write_reg(unsigned reg, uint8_t v);
  uint8_t pop_rx();
  uint8_t lsr() const;
  uint8_t msr() const;
  // The IIR interrupt-identification value (bits 3:0) of the highest-priority pending source.
  uint8_t pending_id() const;
  void drive_irq(bool force = false);

  std::function<void(uint8_t)> tx_;
  IrqLine irq_;
  State s_;
  bool irq_level_ = false;
};

}  // namespace polyemu
