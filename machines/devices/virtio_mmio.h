// Virtio over MMIO, version 2 (virtio 1.x "modern" only), with split virtqueues.
//
// Three parts (DESIGN.md rule 7): this transport owns the registers, the feature handshake,
// the virtqueues and the interrupt; a VirtioDeviceModel (virtio-blk, ...) handles the
// requests; the model owns its backend. The transport reads and writes guest memory only
// through DmaMemory.
//
// A driver that breaks the ring protocol (descriptor loops, chains longer than the queue,
// rings outside RAM, a bad queue size) puts the device into DEVICE_NEEDS_RESET: the status
// register shows 0x40, a configuration-change interrupt is raised if DRIVER_OK was set,
// and no queue is touched again until the driver resets the device.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "machines/device.h"

namespace polyemu {

namespace virtio {
// Device status bits.
constexpr uint32_t kStatusAcknowledge = 1;
constexpr uint32_t kStatusDriver = 2;
constexpr uint32_t kStatusDriverOk = 4;
constexpr uint32_t kStatusFeaturesOk = 8;
constexpr uint32_t kStatusNeedsReset = 0x40;
constexpr uint32_t kStatusFailed = 0x80;
// Transport feature bits.
constexpr uint64_t kFIndirectDesc = uint64_t{1} << 28;
constexpr uint64_t kFVersion1 = uint64_t{1} << 32;
// InterruptStatus bits.
constexpr uint32_t kIntUsedBuffer = 1;
constexpr uint32_t kIntConfigChange = 2;
// The largest split virtqueue the spec allows.
constexpr uint16_t kMaxQueueSize = 32768;
}  // namespace virtio

// One guest buffer of a descriptor chain.
struct VirtqBuffer {
  uint64_t addr;
  uint32_t len;
  bool writable;  // Device-writable (VIRTQ_DESC_F_WRITE).
};

// A descriptor chain taken from the available ring. Its buffers are in chain order and
// the device-readable ones all come before the device-writable ones (pop() checks), so
// the chain is a readable byte stream followed by a writable one.
struct VirtqChain {
  uint16_t head = 0;
  std::vector<VirtqBuffer> buffers;

  uint64_t readable_bytes() const;
  uint64_t writable_bytes() const;
  // Copy `len` bytes at byte `offset` of the readable (resp. writable) stream. False when
  // the range does not fit the stream or a buffer lies outside RAM; a failed write may
  // have written a prefix.
  bool read(DmaMemory& mem, uint64_t offset, void* out, uint64_t len) const;
  bool write(DmaMemory& mem, uint64_t offset, const void* in, uint64_t len) const;
};

class VirtioMmio;

// A ready queue as a device model sees it, valid during VirtioDeviceModel::process() only.
// A model whose requests finish later (host input) keeps them queued in the ring and has
// the board call VirtioMmio::kick() once it can complete them.
class Virtqueue {
 public:
  // Takes the next available chain. False when the ring is empty or the driver broke it
  // (the device is then in DEVICE_NEEDS_RESET and every further pop returns false).
  bool pop(VirtqChain& out);
  // Returns a chain to the driver through the used ring; `written` is the number of bytes
  // the device wrote into its writable buffers.
  void push(const VirtqChain& chain, uint32_t written);
  DmaMemory& memory();
  uint16_t size() const;

 private:
  friend class VirtioMmio;
  Virtqueue(VirtioMmio& transport, unsigned index) : t_(transport), index_(index) {}
  VirtioMmio& t_;
  unsigned index_;
};

// What a virtio device type implements; the transport calls it.
class VirtioDeviceModel {
 public:
  virtual ~VirtioDeviceModel() = default;
  virtual uint32_t device_id() const = 0;
  // Device-type feature bits offered; the transport adds VERSION_1 and INDIRECT_DESC.
  virtual uint64_t device_features() const = 0;
  virtual unsigned num_queues() const = 0;
  // Largest size of queue `q` (a power of two <= virtio::kMaxQueueSize).
  virtual uint16_t queue_max_size(unsigned q) const = 0;
  // Device configuration space (little-endian); the transport reads bytes below
  // config_size() only and ignores driver writes beyond it.
  virtual uint32_t config_size() const = 0;
  virtual void read_config(uint32_t offset, void* out, uint32_t len) const = 0;
  virtual void write_config(uint32_t offset, const void* in, uint32_t len) = 0;
  // The driver accepted these features (FEATURES_OK).
  virtual void set_features(uint64_t negotiated) = 0;
  // Device reset: forget everything the driver set up.
  virtual void reset() = 0;
  // The driver notified queue `q`: pop chains, handle them, push them back.
  virtual void process(unsigned q, Virtqueue& vq) = 0;
  virtual void save(Writer& w) const = 0;
  virtual void load(Reader& r) = 0;
};

class VirtioMmio final : public Device {
 public:
  static constexpr uint64_t kSize = 0x1000;        // QEMU virt spaces the slots 0x1000 apart.
  static constexpr uint32_t kMagic = 0x74726976;   // "virt"
  static constexpr uint32_t kVendor = 0x554d4551;  // "QEMU", what Linux expects on virt.

  // `mem` must outlive the transport. `irq` is high while InterruptStatus is non-zero
  // (QEMU virt: slot i at 0x10001000 + 0x1000*i drives PLIC source 1 + i).
  VirtioMmio(std::unique_ptr<VirtioDeviceModel> model, DmaMemory& mem, IrqLine irq);
  VirtioMmio(const VirtioMmio&) = delete;
  VirtioMmio& operator=(const VirtioMmio&) = delete;

  std::string_view name() const override { return "virtio-mmio"; }
  // Registers take aligned 4-byte accesses only; the config space at 0x100 also 1, 2 and 8.
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, unsigned size, uint64_t value) override;
  void save(Writer& w) const override;
  void load(Reader& r) override;

  // Runs the model on queue `q` as if the driver had notified it; a device whose host side
  // produces data (console input, network) calls this when data arrives. Does nothing
  // unless the driver finished setup (DRIVER_OK) and the queue is ready.
  void kick(unsigned q);
  // The device configuration changed: bump ConfigGeneration and interrupt the driver.
  void config_changed();

  VirtioDeviceModel& model() { return *model_; }
  uint32_t status() const { return status_; }
  uint32_t interrupt_status() const { return int_status_; }
  // Power-on state, as after the driver writes 0 to Status.
  void reset();

 private:
  friend class Virtqueue;
  struct Queue {
    uint32_t num = 0;  // Size the driver chose; checked when the queue is made ready.
    bool ready = false;
    uint64_t desc = 0, driver = 0, device = 0;  // Descriptor table, available ring, used ring.
    uint16_t last_avail = 0;                    // Next available-ring slot to take.
    uint16_t used_idx = 0;                      // Next used-ring slot to fill.
    bool used_added = false;                    // Chains pushed since the last interrupt check.
  };

  uint32_t read_reg(uint64_t offset);
  void write_reg(uint64_t offset, uint32_t v);
  void write_status(uint32_t v);
  void set_queue_ready(bool ready);
  uint64_t offered_features() const;
  bool active() const;
  // The driver broke the protocol: DEVICE_NEEDS_RESET until the next reset.
  void fail();
  void raise(uint32_t bits);
  void drive(bool force = false);
  bool pop(unsigned q, VirtqChain& out);
  void push(unsigned q, const VirtqChain& chain, uint32_t written);
  // Walks the chain starting at descriptor `head`; false if it is malformed.
  bool walk_chain(const Queue& q, uint16_t head, VirtqChain& out);

  std::unique_ptr<VirtioDeviceModel> model_;
  DmaMemory& mem_;
  IrqLine irq_;
  std::vector<Queue> queues_;
  uint32_t status_ = 0;
  bool needs_reset_ = false;
  uint32_t device_features_sel_ = 0;
  uint32_t driver_features_sel_ = 0;
  uint64_t driver_features_ = 0;
  uint32_t queue_sel_ = 0;
  uint32_t int_status_ = 0;
  uint32_t config_generation_ = 0;
  bool irq_level_ = false;
};

}  // namespace polyemu
