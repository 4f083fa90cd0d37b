#include "machines/devices/virtio_blk.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace polyemu {

namespace {

constexpr uint64_t kSector = BlockBackend::kSectorSize;
constexpr uint64_t kHeaderBytes = 16;
constexpr size_t kBounceBytes = 64 * 1024;

// struct virtio_blk_config up to the discard/write-zeroes fields (virtio 1.2 section 5.2.4).
constexpr uint32_t kConfigBytes = 60;
constexpr uint32_t kCfgCapacity = 0;
constexpr uint32_t kCfgSegMax = 12;
constexpr uint32_t kCfgBlkSize = 20;

void put_le(uint8_t* p, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint64_t get_le(const uint8_t* p, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

VirtioBlk::VirtioBlk(std::unique_ptr<BlockBackend> backend, std::string serial)
    : backend_(std::move(backend)), serial_(std::move(serial)), bounce_(kBounceBytes) {
  if (!backend_) throw std::invalid_argument("virtio-blk: no backend");
  if (serial_.size() > kIdBytes) throw std::invalid_argument("virtio-blk: serial is longer than 20 bytes");
}

uint64_t VirtioBlk::device_features() const {
  uint64_t f = kFSegMax | kFBlkSize | kFFlush;
  if (backend_->read_only()) f |= kFRo;
  return f;
}

uint32_t VirtioBlk::config_size() const { return kConfigBytes; }

void VirtioBlk::read_config(uint32_t offset, void* out, uint32_t len) const {
  std::array<uint8_t, kConfigBytes> cfg{};
  put_le(&cfg[kCfgCapacity], backend_->size() / kSector, 8);
  // Header and status take two descriptors of a direct chain.
  put_le(&cfg[kCfgSegMax], kQueueSize - 2, 4);
  put_le(&cfg[kCfgBlkSize], kSector, 4);
  if (offset > kConfigBytes) return;
  std::memcpy(out, cfg.data() + offset, std::min(len, kConfigBytes - offset));
}

void VirtioBlk::process(unsigned, Virtqueue& vq) {
  VirtqChain chain;
  while (vq.pop(chain)) vq.push(chain, handle(chain, vq.memory()));
}

uint32_t VirtioBlk::handle(const VirtqChain& chain, DmaMemory& mem) {
  uint64_t readable = chain.readable_bytes();
  uint64_t writable = chain.writable_bytes();
  if (writable == 0) return 0;  // Nowhere to put a status.
  uint64_t data_written = 0;
  auto finish = [&](uint8_t status) -> uint32_t {
    uint64_t total = data_written;
    if (chain.write(mem, writable - 1, &status, 1)) ++total;
    return static_cast<uint32_t>(std::min<uint64_t>(total, UINT32_MAX));
  };
  if (readable < kHeaderBytes) return finish(kStatusIoErr);
  uint8_t hdr[kHeaderBytes];
  if (!chain.read(mem, 0, hdr, kHeaderBytes)) return finish(kStatusIoErr);
  uint32_t type = static_cast<uint32_t>(get_le(hdr, 4));
  uint64_t sector = get_le(hdr + 8, 8);
  uint64_t capacity = backend_->size() / kSector;
  // Whole sectors inside the disk; written so that no product can overflow.
  auto fits = [&](uint64_t len) {
    return len % kSector == 0 && sector <= capacity && len / kSector <= capacity - sector;
  };

  switch (type) {
    case kTypeIn: {
      uint64_t len = writable - 1;
      if (readable != kHeaderBytes || !fits(len)) return finish(kStatusIoErr);
      bool ok = transfer_in(chain, mem, sector * kSector, len, data_written);
      return finish(ok ? kStatusOk : kStatusIoErr);
    }
    case kTypeOut: {
      uint64_t len = readable - kHeaderBytes;
      if (writable != 1 || backend_->read_only() || !fits(len)) return finish(kStatusIoErr);
      return finish(transfer_out(chain, mem, sector * kSector, len) ? kStatusOk : kStatusIoErr);
    }
    case kTypeFlush: return finish(backend_->flush() ? kStatusOk : kStatusIoErr);
    case kTypeGetId: {
      std::array<uint8_t, kIdBytes> id{};
      std::memcpy(id.data(), serial_.data(), serial_.size());
      uint64_t n = std::min<uint64_t>(writable - 1, kIdBytes);
      if (!chain.write(mem, 0, id.data(), n)) return finish(kStatusIoErr);
      data_written = n;
      return finish(kStatusOk);
    }
    default: return finish(kStatusUnsupp);
  }
}

bool VirtioBlk::transfer_in(const VirtqChain& chain, DmaMemory& mem, uint64_t offset, uint64_t len, uint64_t& written) {
  for (uint64_t pos = 0; pos < len;) {
    uint64_t n = std::min<uint64_t>(len - pos, bounce_.size());
    if (!backend_->read(offset + pos, bounce_.data(), n) || !chain.write(mem, pos, bounce_.data(), n)) return false;
    pos += n;
    written = pos;
  }
  return true;
}

bool VirtioBlk::transfer_out(const VirtqChain& chain, DmaMemory& mem, uint64_t offset, uint64_t len) {
  for (uint64_t pos = 0; pos < len;) {
    uint64_t n = std::min<uint64_t>(len - pos, bounce_.size());
    if (!chain.read(mem, kHeaderBytes + pos, bounce_.data(), n) || !backend_->write(offset + pos, bounce_.data(), n))
      return false;
    pos += n;
  }
  return true;
}

void VirtioBlk::save(Writer& w) const {
  w.begin("virtio-blk", 1);
  backend_->save(w);
}

void VirtioBlk::load(Reader& r) {
  r.begin("virtio-blk", 1);
  backend_->load(r);
}

}  // namespace polyemu
