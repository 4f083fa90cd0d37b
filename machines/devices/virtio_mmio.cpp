#include "machines/devices/virtio_mmio.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace polyemu {

namespace {

// Register offsets, virtio 1.2 section 4.2.2.
enum Reg : uint64_t {
  kMagicValue = 0x000,
  kVersion = 0x004,
  kDeviceId = 0x008,
  kVendorId = 0x00c,
  kDeviceFeatures = 0x010,
  kDeviceFeaturesSel = 0x014,
  kDriverFeatures = 0x020,
  kDriverFeaturesSel = 0x024,
  kQueueSel = 0x030,
  kQueueNumMax = 0x034,
  kQueueNum = 0x038,
  kQueueReady = 0x044,
  kQueueNotify = 0x050,
  kInterruptStatus = 0x060,
  kInterruptAck = 0x064,
  kStatus = 0x070,
  kQueueDescLow = 0x080,
  kQueueDescHigh = 0x084,
  kQueueDriverLow = 0x090,
  kQueueDriverHigh = 0x094,
  kQueueDeviceLow = 0x0a0,
  kQueueDeviceHigh = 0x0a4,
  kShmLenLow = 0x0b0,
  kShmLenHigh = 0x0b4,
  kShmBaseLow = 0x0b8,
  kShmBaseHigh = 0x0bc,
  kConfigGeneration = 0x0fc,
  kConfig = 0x100,
};

// Split virtqueue layout, virtio 1.2 section 2.7.
constexpr uint64_t kDescSize = 16;
constexpr uint16_t kDescFNext = 1;
constexpr uint16_t kDescFWrite = 2;
constexpr uint16_t kDescFIndirect = 4;
constexpr uint16_t kAvailFNoInterrupt = 1;
constexpr uint64_t kUsedElemSize = 8;

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t le32(const uint8_t* p) { return le16(p) | uint32_t{le16(p + 2)} << 16; }
uint64_t le64(const uint8_t* p) { return le32(p) | uint64_t{le32(p + 4)} << 32; }
void put_le(uint8_t* p, uint64_t v, unsigned n) {
  for (unsigned i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

bool read16(DmaMemory& mem, uint64_t addr, uint16_t& out) {
  uint8_t b[2];
  if (!mem.read(addr, b, 2)) return false;
  out = le16(b);
  return true;
}

bool valid_queue_size(uint32_t num, uint16_t max) { return num != 0 && num <= max && (num & (num - 1)) == 0; }

void set_low(uint64_t& reg, uint32_t v) { reg = (reg & ~uint64_t{0xffff'ffff}) | v; }
void set_high(uint64_t& reg, uint32_t v) { reg = (reg & 0xffff'ffff) | uint64_t{v} << 32; }

// Copies between `mem` and the part of `chain` whose buffers have `writable` set, starting
// `offset` bytes into that part.
template <typename Copy>
bool copy_stream(const VirtqChain& chain, bool writable, uint64_t offset, uint64_t len, Copy copy) {
  for (const VirtqBuffer& b : chain.buffers) {
    if (len == 0) break;
    if (b.writable != writable) continue;
    if (offset >= b.len) {
      offset -= b.len;
      continue;
    }
    uint64_t n = std::min<uint64_t>(len, b.len - offset);
    // A buffer that wraps the address space is outside RAM anyway.
    if (b.addr + offset < b.addr || !copy(b.addr + offset, n)) return false;
    offset = 0;
    len -= n;
  }
  return len == 0;
}

}  // namespace

uint64_t VirtqChain::readable_bytes() const {
  uint64_t n = 0;
  for (const VirtqBuffer& b : buffers)
    if (!b.writable) n += b.len;
  return n;
}

uint64_t VirtqChain::writable_bytes() const {
  uint64_t n = 0;
  for (const VirtqBuffer& b : buffers)
    if (b.writable) n += b.len;
  return n;
}

bool VirtqChain::read(DmaMemory& mem, uint64_t offset, void* out, uint64_t len) const {
  auto p = static_cast<uint8_t*>(out);
  return copy_stream(*this, false, offset, len, [&](uint64_t addr, uint64_t n) {
    if (!mem.read(addr, p, n)) return false;
    p += n;
    return true;
  });
}

bool VirtqChain::write(DmaMemory& mem, uint64_t offset, const void* in, uint64_t len) const {
  auto p = static_cast<const uint8_t*>(in);
  return copy_stream(*this, true, offset, len, [&](uint64_t addr, uint64_t n) {
    if (!mem.write(addr, p, n)) return false;
    p += n;
    return true;
  });
}

bool Virtqueue::pop(VirtqChain& out) { return t_.pop(index_, out); }
void Virtqueue::push(const VirtqChain& chain, uint32_t written) { t_.push(index_, chain, written); }
DmaMemory& Virtqueue::memory() { return t_.mem_; }
uint16_t Virtqueue::size() const { return static_cast<uint16_t>(t_.queues_[index_].num); }

VirtioMmio::VirtioMmio(std::unique_ptr<VirtioDeviceModel> model, DmaMemory& mem, IrqLine irq)
    : model_(std::move(model)), mem_(mem), irq_(std::move(irq)) {
  if (!model_) throw std::invalid_argument("virtio-mmio: no device model");
  for (unsigned q = 0; q < model_->num_queues(); ++q) {
    uint16_t max = model_->queue_max_size(q);
    if (!valid_queue_size(max, virtio::kMaxQueueSize))
      throw std::invalid_argument("virtio-mmio: queue maximum size must be a power of two <= 32768");
  }
  queues_.resize(model_->num_queues());
  reset();
}

uint64_t VirtioMmio::offered_features() const {
  return model_->device_features() | virtio::kFVersion1 | virtio::kFIndirectDesc;
}

bool VirtioMmio::active() const {
  uint32_t need = virtio::kStatusDriverOk | virtio::kStatusFeaturesOk;
  return (status_ & need) == need && !needs_reset_;
}

void VirtioMmio::reset() {
  status_ = 0;
  needs_reset_ = false;
  device_features_sel_ = 0;
  driver_features_sel_ = 0;
  driver_features_ = 0;
  queue_sel_ = 0;
  for (unsigned q = 0; q < queues_.size(); ++q) queues_[q] = Queue{.num = model_->queue_max_size(q)};
  int_status_ = 0;
  model_->reset();
  drive();
}

uint64_t VirtioMmio::read(uint64_t offset, unsigned size) {
  if (offset >= kConfig) {
    if ((size != 1 && size != 2 && size != 4 && size != 8) || offset % size != 0) return 0;
    uint64_t off = offset - kConfig;
    if (off + size > model_->config_size()) return 0;
    uint8_t b[8];
    model_->read_config(static_cast<uint32_t>(off), b, size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; ++i) v |= uint64_t{b[i]} << (8 * i);
    return v;
  }
  if (size != 4 || offset % 4 != 0) return 0;
  return read_reg(offset);
}

uint32_t VirtioMmio::read_reg(uint64_t offset) {
  bool have_queue = queue_sel_ < queues_.size();
  switch (offset) {
    case kMagicValue: return kMagic;
    case kVersion: return 2;
    case kDeviceId: return model_->device_id();
    case kVendorId: return kVendor;
    case kDeviceFeatures:
      if (device_features_sel_ > 1) return 0;
      return static_cast<uint32_t>(offered_features() >> (32 * device_features_sel_));
    case kQueueNumMax: return have_queue ? model_->queue_max_size(queue_sel_) : 0;
    case kQueueReady: return have_queue && queues_[queue_sel_].ready;
    case kInterruptStatus: return int_status_;
    case kStatus: return status_ | (needs_reset_ ? virtio::kStatusNeedsReset : 0);
    // No shared memory regions: a length of all-ones says so.
    case kShmLenLow:
    case kShmLenHigh:
    case kShmBaseLow:
    case kShmBaseHigh: return 0xffff'ffff;
    case kConfigGeneration: return config_generation_;
    default: return 0;
  }
}

void VirtioMmio::write(uint64_t offset, unsigned size, uint64_t value) {
  if (offset >= kConfig) {
    if ((size != 1 && size != 2 && size != 4 && size != 8) || offset % size != 0) return;
    uint64_t off = offset - kConfig;
    if (off + size > model_->config_size()) return;
    uint8_t b[8];
    put_le(b, value, size);
    model_->write_config(static_cast<uint32_t>(off), b, size);
    return;
  }
  if (size != 4 || offset % 4 != 0) return;
  write_reg(offset, static_cast<uint32_t>(value));
}

void VirtioMmio::write_reg(uint64_t offset, uint32_t v) {
  Queue* q = queue_sel_ < queues_.size() ? &queues_[queue_sel_] : nullptr;
  // The spec forbids changing a live queue's layout; ignoring the write keeps it consistent.
  Queue* setup = q && !q->ready ? q : nullptr;
  switch (offset) {
    case kDeviceFeaturesSel: device_features_sel_ = v; break;
    case kDriverFeatures:
      // Features are frozen once the device accepted them.
      if (status_ & virtio::kStatusFeaturesOk) break;
      if (driver_features_sel_ == 0) set_low(driver_features_, v);
      if (driver_features_sel_ == 1) set_high(driver_features_, v);
      break;
    case kDriverFeaturesSel: driver_features_sel_ = v; break;
    case kQueueSel: queue_sel_ = v; break;
    case kQueueNum:
      if (setup) setup->num = v;
      break;
    case kQueueReady: set_queue_ready(v & 1); break;
    case kQueueNotify: kick(v); break;
    case kInterruptAck:
      int_status_ &= ~v;
      drive();
      break;
    case kStatus: write_status(v); break;
    case kQueueDescLow:
      if (setup) set_low(setup->desc, v);
      break;
    case kQueueDescHigh:
      if (setup) set_high(setup->desc, v);
      break;
    case kQueueDriverLow:
      if (setup) set_low(setup->driver, v);
      break;
    case kQueueDriverHigh:
      if (setup) set_high(setup->driver, v);
      break;
    case kQueueDeviceLow:
      if (setup) set_low(setup->device, v);
      break;
    case kQueueDeviceHigh:
      if (setup) set_high(setup->device, v);
      break;
    default: break;
  }
}

void VirtioMmio::write_status(uint32_t v) {
  if (v == 0) {
    reset();
    return;
  }
  v &= ~virtio::kStatusNeedsReset;  // Device-owned.
  bool was_active = active();
  if ((v & virtio::kStatusFeaturesOk) && !(status_ & virtio::kStatusFeaturesOk)) {
    // Accept only offered features, and only from a modern driver.
    bool acceptable = (driver_features_ & ~offered_features()) == 0 && (driver_features_ & virtio::kFVersion1) != 0;
    if (acceptable) {
      model_->set_features(driver_features_);
    } else {
      v &= ~virtio::kStatusFeaturesOk;
    }
  }
  status_ = v;
  // Buffers made available before DRIVER_OK wait until now (the device must not use them earlier).
  if (!was_active && active())
    for (unsigned q = 0; q < queues_.size(); ++q) kick(q);
}

void VirtioMmio::set_queue_ready(bool ready) {
  if (queue_sel_ >= queues_.size()) return;
  Queue& q = queues_[queue_sel_];
  if (!ready) {
    q.ready = false;
    return;
  }
  if (q.ready) return;
  if (!valid_queue_size(q.num, model_->queue_max_size(queue_sel_))) {
    fail();
    return;
  }
  q.ready = true;
  q.last_avail = 0;
  q.used_idx = 0;
  q.used_added = false;
}

void VirtioMmio::kick(unsigned q) {
  if (q >= queues_.size() || !active() || !queues_[q].ready) return;
  Virtqueue vq(*this, q);
  model_->process(q, vq);
  Queue& qu = queues_[q];
  if (!qu.used_added) return;
  qu.used_added = false;
  uint16_t flags;
  if (!read16(mem_, qu.driver, flags)) {
    fail();
    return;
  }
  if (!(flags & kAvailFNoInterrupt)) raise(virtio::kIntUsedBuffer);
}

void VirtioMmio::config_changed() {
  ++config_generation_;
  if (status_ & virtio::kStatusDriverOk) raise(virtio::kIntConfigChange);
}

void VirtioMmio::fail() {
  if (needs_reset_) return;
  needs_reset_ = true;
  // The spec asks for a configuration-change notification once the driver is running.
  if (status_ & virtio::kStatusDriverOk) raise(virtio::kIntConfigChange);
}

void VirtioMmio::raise(uint32_t bits) {
  int_status_ |= bits;
  drive();
}

void VirtioMmio::drive(bool force) {
  bool level = int_status_ != 0;
  if (level != irq_level_ || force) {
    irq_level_ = level;
    irq_.set(level);
  }
}

bool VirtioMmio::pop(unsigned q, VirtqChain& out) {
  if (!active() || !queues_[q].ready) return false;
  const Queue& qu = queues_[q];
  uint16_t avail_idx;
  if (!read16(mem_, qu.driver + 2, avail_idx)) {
    fail();
    return false;
  }
  uint16_t waiting = static_cast<uint16_t>(avail_idx - qu.last_avail);
  if (waiting == 0) return false;
  uint16_t head;
  if (waiting > qu.num || !read16(mem_, qu.driver + 4 + 2 * uint64_t{qu.last_avail % qu.num}, head) ||
      !walk_chain(qu, head, out)) {
    fail();
    return false;
  }
  ++queues_[q].last_avail;
  return true;
}

bool VirtioMmio::walk_chain(const Queue& q, uint16_t head, VirtqChain& out) {
  out.head = head;
  out.buffers.clear();
  uint64_t table = q.desc;
  uint32_t table_len = q.num;
  bool in_indirect = false;
  bool seen_writable = false;
  uint32_t i = head;
  uint32_t visited = 0;
  if (i >= table_len) return false;
  for (;;) {
    // A chain can use each descriptor of its table once; more means a loop.
    if (++visited > table_len) return false;
    uint8_t d[kDescSize];
    if (!mem_.read(table + kDescSize * i, d, kDescSize)) return false;
    uint64_t addr = le64(d);
    uint32_t len = le32(d + 8);
    uint16_t flags = le16(d + 12);
    uint16_t next = le16(d + 14);
    if (flags & kDescFIndirect) {
      // One table per chain, ending it, and only when negotiated.
      if (in_indirect || (flags & kDescFNext) || !(driver_features_ & virtio::kFIndirectDesc)) return false;
      if (len == 0 || len % kDescSize != 0 || len / kDescSize > virtio::kMaxQueueSize) return false;
      table = addr;
      table_len = len / kDescSize;
      in_indirect = true;
      visited = 0;
      i = 0;
      continue;
    }
    bool writable = flags & kDescFWrite;
    // Device-readable buffers must all precede the device-writable ones.
    if (!writable && seen_writable) return false;
    seen_writable |= writable;
    if (len != 0) out.buffers.push_back({addr, len, writable});
    if (!(flags & kDescFNext)) return true;
    i = next;
    if (i >= table_len) return false;
  }
}

void VirtioMmio::push(unsigned q, const VirtqChain& chain, uint32_t written) {
  Queue& qu = queues_[q];
  if (!active() || !qu.ready) return;
  uint8_t elem[kUsedElemSize];
  put_le(elem, chain.head, 4);
  put_le(elem + 4, written, 4);
  uint8_t idx[2];
  put_le(idx, static_cast<uint16_t>(qu.used_idx + 1), 2);
  if (!mem_.write(qu.device + 4 + kUsedElemSize * (qu.used_idx % qu.num), elem, kUsedElemSize) ||
      !mem_.write(qu.device + 2, idx, 2)) {
    fail();
    return;
  }
  ++qu.used_idx;
  qu.used_added = true;
}

void VirtioMmio::save(Writer& w) const {
  w.begin("virtio-mmio", 1);
  w.u32(model_->device_id());
  w.u32(static_cast<uint32_t>(queues_.size()));
  w.u32(status_);
  w.boolean(needs_reset_);
  w.u32(device_features_sel_);
  w.u32(driver_features_sel_);
  w.u64(driver_features_);
  w.u32(queue_sel_);
  w.u32(int_status_);
  w.u32(config_generation_);
  for (const Queue& q : queues_) {
    w.u32(q.num);
    w.boolean(q.ready);
    w.u64(q.desc);
    w.u64(q.driver);
    w.u64(q.device);
    w.u32(q.last_avail);
    w.u32(q.used_idx);
  }
  model_->save(w);
}

void VirtioMmio::load(Reader& r) {
  r.begin("virtio-mmio", 1);
  if (r.u32() != model_->device_id()) throw StateError("state: virtio-mmio device type does not match the machine");
  if (r.u32() != queues_.size()) throw StateError("state: virtio-mmio queue count does not match the device");
  uint32_t status = r.u32() & ~virtio::kStatusNeedsReset;
  bool needs_reset = r.boolean();
  uint32_t device_features_sel = r.u32();
  uint32_t driver_features_sel = r.u32();
  uint64_t driver_features = r.u64();
  uint32_t queue_sel = r.u32();
  uint32_t int_status = r.u32() & (virtio::kIntUsedBuffer | virtio::kIntConfigChange);
  uint32_t config_generation = r.u32();
  std::vector<Queue> queues(queues_.size());
  for (unsigned i = 0; i < queues.size(); ++i) {
    Queue& q = queues[i];
    q.num = r.u32();
    q.ready = r.boolean();
    q.desc = r.u64();
    q.driver = r.u64();
    q.device = r.u64();
    uint32_t last_avail = r.u32();
    uint32_t used_idx = r.u32();
    if (last_avail > 0xffff || used_idx > 0xffff) throw StateError("state: virtio-mmio ring index out of range");
    q.last_avail = static_cast<uint16_t>(last_avail);
    q.used_idx = static_cast<uint16_t>(used_idx);
    if (q.ready && !valid_queue_size(q.num, model_->queue_max_size(i)))
      throw StateError("state: virtio-mmio queue size is invalid");
  }
  // The model loads atomically too, so nothing changes unless both parts decode.
  model_->load(r);
  status_ = status;
  needs_reset_ = needs_reset;
  device_features_sel_ = device_features_sel;
  driver_features_sel_ = driver_features_sel;
  driver_features_ = driver_features;
  queue_sel_ = queue_sel;
  int_status_ = int_status;
  config_generation_ = config_generation;
  queues_ = std::move(queues);
  drive(/*force=*/true);
}

}  // namespace polyemu
