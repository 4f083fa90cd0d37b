// virtio-blk device model (virtio 1.2 section 5.2): one request queue over a BlockBackend.
//
// Offers VIRTIO_BLK_F_SEG_MAX, BLK_SIZE (512), FLUSH, and RO when the backend is
// read-only. Handles IN, OUT, FLUSH and GET_ID; other request types complete with
// UNSUPP. A request is a readable 16-byte header {le32 type, le32 reserved, le64 sector},
// data, and a last writable status byte; the descriptor layout is free (ANY_LAYOUT).
// Requests it cannot honour complete with IOERR: sectors beyond the disk, writes to a
// read-only disk, data that is not whole sectors or flows the wrong way for the request
// type, a short header, guest buffers outside RAM, host I/O errors. A chain without a
// writable byte for the status completes with used length 0.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "machines/devices/block_backend.h"
#include "machines/devices/virtio_mmio.h"

namespace polyemu {

class VirtioBlk final : public VirtioDeviceModel {
 public:
  static constexpr uint32_t kDeviceId = 2;
  static constexpr uint16_t kQueueSize = 256;
  static constexpr uint32_t kIdBytes = 20;
  // Feature bits.
  static constexpr uint64_t kFSegMax = uint64_t{1} << 2;
  static constexpr uint64_t kFRo = uint64_t{1} << 5;
  static constexpr uint64_t kFBlkSize = uint64_t{1} << 6;
  static constexpr uint64_t kFFlush = uint64_t{1} << 9;
  // Request types and status values.
  static constexpr uint32_t kTypeIn = 0;
  static constexpr uint32_t kTypeOut = 1;
  static constexpr uint32_t kTypeFlush = 4;
  static constexpr uint32_t kTypeGetId = 8;
  static constexpr uint8_t kStatusOk = 0;
  static constexpr uint8_t kStatusIoErr = 1;
  static constexpr uint8_t kStatusUnsupp = 2;

  // `serial` is what GET_ID returns (Linux shows it as /sys/block/vdX/serial); longer than
  // 20 bytes throws std::invalid_argument.
  VirtioBlk(std::unique_ptr<BlockBackend> backend, std::string serial);

  uint32_t device_id() const override { return kDeviceId; }
  uint64_t device_features() const override;
  unsigned num_queues() const override { return 1; }
  uint16_t queue_max_size(unsigned) const override { return kQueueSize; }
  uint32_t config_size() const override;
  void read_config(uint32_t offset, void* out, uint32_t len) const override;
  // The config space has nothing writable without CONFIG_WCE: writes are ignored.
  void write_config(uint32_t, const void*, uint32_t) override {}
  // No per-driver state: every request carries all it needs.
  void set_features(uint64_t) override {}
  void reset() override {}
  void process(unsigned q, Virtqueue& vq) override;
  void save(Writer& w) const override;
  void load(Reader& r) override;

  BlockBackend& backend() { return *backend_; }

 private:
  // Handles one request; returns the bytes written into the driver's buffers.
  uint32_t handle(const VirtqChain& chain, DmaMemory& mem);
  // Moves `len` bytes between the disk at `offset` and the chain stream at `stream_off`;
  // `written` counts the bytes stored into guest memory.
  bool transfer_in(const VirtqChain& chain, DmaMemory& mem, uint64_t offset, uint64_t len, uint64_t& written);
  bool transfer_out(const VirtqChain& chain, DmaMemory& mem, uint64_t offset, uint64_t len);

  std::unique_ptr<BlockBackend> backend_;
  std::string serial_;
  std::vector<uint8_t> bounce_;  // Bounded staging buffer: guests choose request sizes.
};

}  // namespace polyemu
