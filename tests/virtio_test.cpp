// virtio-mmio transport, split virtqueues and virtio-blk, driven the way
// the Linux virtio_mmio and virtio_blk drivers drive them: real rings in a fake guest RAM.
// Expected values come from the virtio 1.2 spec (register layout 4.2.2, rings 2.7,
// block device 5.2).
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "machines/devices/block_backend.h"
#include "machines/devices/virtio_blk.h"
#include "machines/devices/virtio_mmio.h"
#include "tests/device_fakes.h"

namespace polyemu {
namespace {

using test::ExpectAllTruncationsThrow;
using test::Pattern;
using test::Slice;
using test::TempImage;
using test::Wire;

// ---------------------------------------------------------------------------------------------
// Fixtures: guest RAM, image files, and a driver that follows Linux's sequence.

class FakeRam : public DmaMemory {
 public:
  static constexpr uint64_t kBase = 0x8000'0000;
  explicit FakeRam(uint64_t size = 1 << 20) : bytes(size) {}
  bool read(uint64_t addr, void* out, uint64_t len) override {
    if (!contains(addr, len)) return false;
    std::memcpy(out, &bytes[addr - kBase], len);
    return true;
  }
  bool write(uint64_t addr, const void* in, uint64_t len) override {
    if (!contains(addr, len)) return false;
    std::memcpy(&bytes[addr - kBase], in, len);
    return true;
  }
  bool contains(uint64_t addr, uint64_t len) const {
    return addr >= kBase && addr - kBase <= bytes.size() && len <= bytes.size() - (addr - kBase);
  }
  uint8_t* at(uint64_t addr) { return &bytes.at(addr - kBase); }
  void put(uint64_t addr, uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) *at(addr + i) = static_cast<uint8_t>(v >> (8 * i));
  }
  uint64_t get(uint64_t addr, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v |= uint64_t{*at(addr + i)} << (8 * i);
    return v;
  }
  std::vector<uint8_t> span(uint64_t addr, uint64_t len) { return {at(addr), at(addr) + len}; }

  std::vector<uint8_t> bytes;
};

constexpr uint64_t kRam = FakeRam::kBase;
constexpr uint64_t kDescTable = kRam + 0x0000;
constexpr uint64_t kAvailRing = kRam + 0x1000;
constexpr uint64_t kUsedRing = kRam + 0x2000;
constexpr uint64_t kIndirectTable = kRam + 0x3000;
constexpr uint64_t kHdr = kRam + 0x10000;
constexpr uint64_t kData = kRam + 0x20000;
constexpr uint64_t kStatusByte = kRam + 0x40000;
constexpr uint64_t kOutsideRam = 0x1000;

// virtio-mmio registers (4.2.2).
constexpr uint64_t kMagicValue = 0x000, kVersion = 0x004, kDeviceId = 0x008, kVendorId = 0x00c, kDeviceFeatures = 0x010,
                   kDeviceFeaturesSel = 0x014, kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024, kQueueSel = 0x030,
                   kQueueNumMax = 0x034, kQueueNum = 0x038, kQueueReady = 0x044, kQueueNotify = 0x050,
                   kInterruptStatus = 0x060, kInterruptAck = 0x064, kStatus = 0x070, kQueueDescLow = 0x080,
                   kQueueDescHigh = 0x084, kQueueDriverLow = 0x090, kQueueDriverHigh = 0x094, kQueueDeviceLow = 0x0a0,
                   kQueueDeviceHigh = 0x0a4, kShmLenLow = 0x0b0, kShmLenHigh = 0x0b4, kConfigGeneration = 0x0fc,
                   kConfig = 0x100;
constexpr uint32_t kAck = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8, kNeedsReset = 0x40;
constexpr uint16_t kNext = 1, kWrite = 2, kIndirect = 4;
constexpr uint64_t kVersion1 = uint64_t{1} << 32, kIndirectDesc = uint64_t{1} << 28;
// virtio-blk (5.2).
constexpr uint64_t kBlkSegMax = 1 << 2, kBlkRo = 1 << 5, kBlkBlkSize = 1 << 6, kBlkFlush = 1 << 9;
constexpr uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8, kDiscard = 11;
constexpr uint8_t kOk = 0, kIoErr = 1, kUnsupp = 2;

struct Seg {
  uint64_t addr;
  uint32_t len;
  bool writable;
  uint16_t flags = 0;  // Extra descriptor flags (kIndirect).
};

// Where a queue's three parts live in guest memory.
struct Rings {
  uint64_t desc = kDescTable, avail = kAvailRing, used = kUsedRing;
};

// Drives one queue of a transport as Linux does.
class Driver {
 public:
  Driver(VirtioMmio& dev, FakeRam& ram) : dev_(dev), ram_(ram) {}

  uint32_t r(uint64_t off) { return static_cast<uint32_t>(dev_.read(off, 4)); }
  void w(uint64_t off, uint32_t v) { dev_.write(off, 4, v); }

  // virtio_mmio probe, then the virtio core: reset, ACKNOWLEDGE, DRIVER, features,
  // FEATURES_OK. Returns whether the device kept FEATURES_OK.
  bool negotiate(uint64_t wanted) {
    EXPECT_EQ(r(kMagicValue), 0x74726976u);
    EXPECT_EQ(r(kVersion), 2u);
    w(kStatus, 0);
    w(kStatus, kAck);
    w(kStatus, kAck | kDriver);
    w(kDeviceFeaturesSel, 1);
    uint64_t offered = uint64_t{r(kDeviceFeatures)} << 32;
    w(kDeviceFeaturesSel, 0);
    offered |= r(kDeviceFeatures);
    uint64_t features = offered & wanted;
    w(kDriverFeaturesSel, 1);
    w(kDriverFeatures, static_cast<uint32_t>(features >> 32));
    w(kDriverFeaturesSel, 0);
    w(kDriverFeatures, static_cast<uint32_t>(features));
    w(kStatus, kAck | kDriver | kFeaturesOk);
    return r(kStatus) & kFeaturesOk;
  }

  // vm_setup_vq: the rings are zeroed memory, then the registers, then QueueReady.
  void setup_queue(unsigned q, uint16_t size, Rings rings = {}) {
    size_ = size;
    next_desc_ = 0;
    avail_idx_ = 0;
    rings_ = rings;
    std::memset(ram_.at(kDescTable), 0, 0x3000);
    w(kQueueSel, q);
    EXPECT_EQ(r(kQueueReady), 0u);
    EXPECT_GE(r(kQueueNumMax), size);
    w(kQueueNum, size);
    w(kQueueDescLow, static_cast<uint32_t>(rings.desc));
    w(kQueueDescHigh, static_cast<uint32_t>(rings.desc >> 32));
    w(kQueueDriverLow, static_cast<uint32_t>(rings.avail));
    w(kQueueDriverHigh, static_cast<uint32_t>(rings.avail >> 32));
    w(kQueueDeviceLow, static_cast<uint32_t>(rings.used));
    w(kQueueDeviceHigh, static_cast<uint32_t>(rings.used >> 32));
    w(kQueueReady, 1);
  }

  void driver_ok() { w(kStatus, kAck | kDriver | kFeaturesOk | kDriverOk); }

  void init(uint16_t size = 8, uint64_t wanted = ~uint64_t{0}, Rings rings = {}) {
    ASSERT_TRUE(negotiate(wanted));
    setup_queue(0, size, rings);
    driver_ok();
    ASSERT_EQ(r(kStatus), kAck | kDriver | kFeaturesOk | kDriverOk);
  }

  void put_desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
    uint64_t d = table + 16 * uint64_t{i};
    ram_.put(d, addr, 8);
    ram_.put(d + 8, len, 4);
    ram_.put(d + 12, flags, 2);
    ram_.put(d + 14, next, 2);
  }
  // Places `segs` in consecutive free descriptors and returns the head.
  uint16_t chain(const std::vector<Seg>& segs) {
    uint16_t head = next_desc_;
    for (size_t k = 0; k < segs.size(); ++k) {
      uint16_t i = next_desc_;
      next_desc_ = static_cast<uint16_t>((next_desc_ + 1) % size_);
      bool last = k + 1 == segs.size();
      put_desc(rings_.desc, i, segs[k].addr, segs[k].len,
               static_cast<uint16_t>((segs[k].writable ? kWrite : 0) | (last ? 0 : kNext) | segs[k].flags),
               last ? 0 : next_desc_);
    }
    return head;
  }
  // Adds `head` to the available ring and publishes the new index.
  void publish(uint16_t head) {
    ram_.put(rings_.avail + 4 + 2 * static_cast<uint64_t>(avail_idx_ % size_), head, 2);
    ++avail_idx_;
    ram_.put(rings_.avail + 2, avail_idx_, 2);
  }
  void notify(unsigned q = 0) { w(kQueueNotify, q); }
  uint16_t add(const std::vector<Seg>& segs) {
    uint16_t head = chain(segs);
    publish(head);
    return head;
  }

  uint16_t used_idx() { return static_cast<uint16_t>(ram_.get(rings_.used + 2, 2)); }
  uint32_t used_id(uint16_t slot) { return static_cast<uint32_t>(ram_.get(rings_.used + 4 + 8 * (slot % size_), 4)); }
  uint32_t used_len(uint16_t slot) { return static_cast<uint32_t>(ram_.get(rings_.used + 8 + 8 * (slot % size_), 4)); }
  // vm_interrupt: read the cause, acknowledge it.
  uint32_t take_interrupt() {
    uint32_t cause = r(kInterruptStatus);
    w(kInterruptAck, cause);
    return cause;
  }
  uint16_t avail_idx() const { return avail_idx_; }

 private:
  VirtioMmio& dev_;
  FakeRam& ram_;
  Rings rings_;
  uint16_t size_ = 0;
  uint16_t next_desc_ = 0;
  uint16_t avail_idx_ = 0;
};

// ---------------------------------------------------------------------------------------------
// virtio-blk through the transport

struct VirtioBlkFixture : ::testing::Test {
  static constexpr uint64_t kSectors = 64;
  TempImage image{Pattern(kSectors)};
  FakeRam ram;
  Wire irq;
  std::unique_ptr<VirtioMmio> dev;
  std::unique_ptr<Driver> drv;

  // Replaces the device; the old one goes first so that it releases the image lock.
  template <typename MakeBackend>
  void attach(MakeBackend make_backend) {
    drv.reset();
    dev.reset();
    dev = std::make_unique<VirtioMmio>(std::make_unique<VirtioBlk>(make_backend(), "polyemu-disk0"), ram, irq.line());
    drv = std::make_unique<Driver>(*dev, ram);
  }
  void attach_raw(bool read_only) {
    attach([&] { return std::make_unique<RawFileBackend>(image.path(), read_only); });
  }
  void attach_overlay() {
    attach([&] { return std::make_unique<OverlayBackend>(image.path()); });
  }
  void SetUp() override { attach_raw(false); }

  void header(uint32_t type, uint64_t sector) {
    ram.put(kHdr, type, 4);
    ram.put(kHdr + 4, 0, 4);
    ram.put(kHdr + 8, sector, 8);
  }
  struct Result {
    uint32_t used_len;
    uint8_t status;
  };
  // Submits one chain, notifies, and takes the completion and its interrupt.
  Result submit(const std::vector<Seg>& segs) {
    *ram.at(kStatusByte) = 0xee;
    uint16_t before = drv->used_idx();
    uint16_t head = drv->add(segs);
    drv->notify();
    EXPECT_EQ(drv->used_idx(), static_cast<uint16_t>(before + 1));
    EXPECT_EQ(drv->used_id(before), head);
    EXPECT_TRUE(irq.level);
    EXPECT_EQ(drv->take_interrupt(), 1u);  // Used buffer notification.
    EXPECT_FALSE(irq.level);
    return {drv->used_len(before), *ram.at(kStatusByte)};
  }
  Result read_sectors(uint64_t sector, uint32_t count) {
    header(kIn, sector);
    return submit({{kHdr, 16, false}, {kData, count * 512, true}, {kStatusByte, 1, true}});
  }
  Result write_sectors(uint64_t sector, const std::vector<uint8_t>& data) {
    header(kOut, sector);
    std::memcpy(ram.at(kData), data.data(), data.size());
    return submit({{kHdr, 16, false}, {kData, static_cast<uint32_t>(data.size()), false}, {kStatusByte, 1, true}});
  }
  uint32_t status_reg() { return drv->r(kStatus); }
};

TEST_F(VirtioBlkFixture, IdentityAndConfigSpace) {
  EXPECT_EQ(drv->r(kMagicValue), 0x74726976u);
  EXPECT_EQ(drv->r(kVersion), 2u);
  EXPECT_EQ(drv->r(kDeviceId), 2u);
  EXPECT_EQ(drv->r(kVendorId), 0x554d4551u);
  EXPECT_EQ(drv->r(kQueueNumMax), 256u);
  EXPECT_EQ(drv->r(kConfigGeneration), 0u);
  EXPECT_EQ(drv->r(kShmLenLow), 0xffff'ffffu);  // No shared memory region 0.
  EXPECT_EQ(drv->r(kShmLenHigh), 0xffff'ffffu);
  // capacity (le64 at 0) in 512-byte sectors, read whole, by halves and by bytes.
  EXPECT_EQ(dev->read(kConfig, 8), kSectors);
  EXPECT_EQ(dev->read(kConfig, 4), kSectors);
  EXPECT_EQ(dev->read(kConfig + 4, 4), 0u);
  EXPECT_EQ(dev->read(kConfig, 1), kSectors);
  EXPECT_EQ(dev->read(kConfig + 12, 4), 254u);   // seg_max.
  EXPECT_EQ(dev->read(kConfig + 20, 4), 512u);   // blk_size.
  EXPECT_EQ(dev->read(kConfig + 16, 2), 0u);     // geometry not offered.
  EXPECT_EQ(dev->read(kConfig + 2, 4), 0u);      // Misaligned.
  EXPECT_EQ(dev->read(kConfig + 0x100, 4), 0u);  // Past the config space.
  EXPECT_EQ(dev->read(kMagicValue, 2), 0u);      // Registers are 32-bit only.
  dev->write(kConfig, 4, 0x1234);                // Read-only fields.
  EXPECT_EQ(dev->read(kConfig, 8), kSectors);
}

TEST_F(VirtioBlkFixture, OfferedFeatures) {
  drv->w(kDeviceFeaturesSel, 0);
  EXPECT_EQ(drv->r(kDeviceFeatures), kIndirectDesc | kBlkSegMax | kBlkBlkSize | kBlkFlush);
  drv->w(kDeviceFeaturesSel, 1);
  EXPECT_EQ(drv->r(kDeviceFeatures), 1u);  // VIRTIO_F_VERSION_1.
  drv->w(kDeviceFeaturesSel, 2);
  EXPECT_EQ(drv->r(kDeviceFeatures), 0u);
}

TEST_F(VirtioBlkFixture, FeatureNegotiationRejectsUnofferedOrLegacy) {
  // A feature the device did not offer (VIRTIO_BLK_F_SCSI, bit 7).
  drv->w(kStatus, 0);
  drv->w(kStatus, kAck | kDriver);
  drv->w(kDriverFeaturesSel, 1);
  drv->w(kDriverFeatures, 1);
  drv->w(kDriverFeaturesSel, 0);
  drv->w(kDriverFeatures, 1 << 7);
  drv->w(kStatus, kAck | kDriver | kFeaturesOk);
  EXPECT_EQ(drv->r(kStatus), kAck | kDriver);
  // A legacy driver: no VERSION_1.
  EXPECT_FALSE(drv->negotiate(kBlkFlush));
  // A modern driver.
  EXPECT_TRUE(drv->negotiate(kVersion1 | kBlkFlush));
  // Frozen after FEATURES_OK.
  drv->w(kDriverFeaturesSel, 0);
  drv->w(kDriverFeatures, 1 << 7);
  drv->setup_queue(0, 8);
  drv->driver_ok();
  EXPECT_EQ(status_reg(), kAck | kDriver | kFeaturesOk | kDriverOk);
}

TEST_F(VirtioBlkFixture, ReadWriteFlushRoundTripToRawFile) {
  drv->init();
  std::vector<uint8_t> original = Pattern(kSectors);

  Result rd = read_sectors(3, 2);
  EXPECT_EQ(rd.status, kOk);
  EXPECT_EQ(rd.used_len, 2 * 512 + 1u);  // Data plus the status byte.
  EXPECT_EQ(ram.span(kData, 1024), Slice(original, 3 * 512, 1024));

  std::vector<uint8_t> fresh(2 * 512);
  for (size_t i = 0; i < fresh.size(); ++i) fresh[i] = static_cast<uint8_t>(0xa5 ^ i);
  Result wr = write_sectors(5, fresh);
  EXPECT_EQ(wr.status, kOk);
  EXPECT_EQ(wr.used_len, 1u);  // Only the status byte was written.

  header(kFlush, 0);
  Result fl = submit({{kHdr, 16, false}, {kStatusByte, 1, true}});
  EXPECT_EQ(fl.status, kOk);
  EXPECT_EQ(fl.used_len, 1u);

  std::vector<uint8_t> expected = original;
  std::copy(fresh.begin(), fresh.end(), expected.begin() + 5 * 512);
  EXPECT_EQ(image.content(), expected);

  std::memset(ram.at(kData), 0, 4096);
  Result back = read_sectors(4, 4);  // Straddles the written range.
  EXPECT_EQ(back.status, kOk);
  EXPECT_EQ(ram.span(kData, 2048), Slice(expected, 4 * 512, 2048));
}

TEST_F(VirtioBlkFixture, DataSplitAcrossDescriptorsAndSharingTheStatusBuffer) {
  drv->init();
  std::vector<uint8_t> original = Pattern(kSectors);
  // ANY_LAYOUT: header split in two, data in three pieces, status byte at the end of the
  // last data buffer.
  header(kIn, 10);
  uint64_t status_at = kData + 0x8000 + 300;
  *ram.at(status_at) = 0xee;
  drv->add({{kHdr, 10, false},
            {kHdr + 10, 6, false},
            {kData, 100, true},
            {kData + 0x4000, 624, true},
            {kData + 0x8000, 301, true}});
  drv->notify();
  ASSERT_EQ(drv->used_idx(), 1u);
  EXPECT_EQ(drv->used_len(0), 1025u);
  EXPECT_EQ(*ram.at(status_at), kOk);
  std::vector<uint8_t> got = ram.span(kData, 100);
  std::vector<uint8_t> part = ram.span(kData + 0x4000, 624);
  got.insert(got.end(), part.begin(), part.end());
  part = ram.span(kData + 0x8000, 300);
  got.insert(got.end(), part.begin(), part.end());
  EXPECT_EQ(got, Slice(original, 10 * 512, 1024));
}

TEST_F(VirtioBlkFixture, GetIdReturnsTheSerialPaddedToTwentyBytes) {
  drv->init();
  std::memset(ram.at(kData), 0xff, 32);
  header(kGetId, 0);
  Result id = submit({{kHdr, 16, false}, {kData, 20, true}, {kStatusByte, 1, true}});
  EXPECT_EQ(id.status, kOk);
  EXPECT_EQ(id.used_len, 21u);
  std::vector<uint8_t> expected(20, 0);
  std::memcpy(expected.data(), "polyemu-disk0", 13);
  EXPECT_EQ(ram.span(kData, 20), expected);
  EXPECT_EQ(*ram.at(kData + 20), 0xff);
}

TEST(VirtioBlkTest, SerialLongerThanTwentyBytesIsRejected) {
  TempImage image(Pattern(1));
  EXPECT_THROW(VirtioBlk(std::make_unique<OverlayBackend>(image.path()), std::string(21, 'x')), std::invalid_argument);
  EXPECT_THROW(VirtioBlk(nullptr, ""), std::invalid_argument);
}

TEST_F(VirtioBlkFixture, UnknownRequestTypeIsUnsupported) {
  drv->init();
  header(kDiscard, 0);  // VIRTIO_BLK_F_DISCARD is not offered.
  Result r = submit({{kHdr, 16, false}, {kData, 16, false}, {kStatusByte, 1, true}});
  EXPECT_EQ(r.status, kUnsupp);
  EXPECT_EQ(r.used_len, 1u);
}

TEST_F(VirtioBlkFixture, OutOfRangeSectorsFailAndTheDeviceKeepsWorking) {
  drv->init();
  std::vector<uint8_t> original = Pattern(kSectors);
  Result last = read_sectors(kSectors - 1, 1);  // The last sector is fine.
  EXPECT_EQ(last.status, kOk);
  Result past = read_sectors(kSectors - 1, 2);
  EXPECT_EQ(past.status, kIoErr);
  EXPECT_EQ(past.used_len, 1u);
  Result huge = read_sectors(uint64_t{1} << 55, 1);  // sector * 512 would overflow.
  EXPECT_EQ(huge.status, kIoErr);
  Result wr = write_sectors(kSectors, std::vector<uint8_t>(512, 0x11));
  EXPECT_EQ(wr.status, kIoErr);
  EXPECT_EQ(image.content(), original);
  EXPECT_EQ(status_reg() & kNeedsReset, 0u);
  Result ok = read_sectors(0, 1);
  EXPECT_EQ(ok.status, kOk);
  EXPECT_EQ(ram.span(kData, 512), Slice(original, 0, 512));
}

TEST_F(VirtioBlkFixture, ReadOnlyDiskRejectsWrites) {
  attach_raw(true);
  drv->w(kDeviceFeaturesSel, 0);
  EXPECT_TRUE(drv->r(kDeviceFeatures) & kBlkRo);
  drv->init();
  Result wr = write_sectors(2, std::vector<uint8_t>(512, 0x77));
  EXPECT_EQ(wr.status, kIoErr);
  EXPECT_EQ(image.content(), Pattern(kSectors));
  Result rd = read_sectors(2, 1);
  EXPECT_EQ(rd.status, kOk);
  EXPECT_EQ(ram.span(kData, 512), Slice(Pattern(kSectors), 1024, 512));
  header(kFlush, 0);
  EXPECT_EQ(submit({{kHdr, 16, false}, {kStatusByte, 1, true}}).status, kOk);
}

TEST_F(VirtioBlkFixture, SnapshotOverlayKeepsTheImageByteIdentical) {
  attach_overlay();
  drv->w(kDeviceFeaturesSel, 0);
  EXPECT_FALSE(drv->r(kDeviceFeatures) & kBlkRo);
  drv->init();
  std::vector<uint8_t> original = Pattern(kSectors);
  std::vector<uint8_t> fresh(512, 0x3c);
  EXPECT_EQ(write_sectors(9, fresh).status, kOk);  // Inside the second 4 KiB block.
  header(kFlush, 0);
  EXPECT_EQ(submit({{kHdr, 16, false}, {kStatusByte, 1, true}}).status, kOk);
  EXPECT_EQ(read_sectors(7, 4).status, kOk);
  std::vector<uint8_t> expected = Slice(original, 7 * 512, 4 * 512);
  std::fill(expected.begin() + 2 * 512, expected.begin() + 3 * 512, 0x3c);
  EXPECT_EQ(ram.span(kData, 4 * 512), expected);
  EXPECT_EQ(image.content(), original);
}

TEST_F(VirtioBlkFixture, MalformedRequestsCompleteWithIoErr) {
  drv->init();
  std::vector<uint8_t> original = Pattern(kSectors);
  // Header shorter than 16 bytes.
  header(kIn, 0);
  Result shorthdr = submit({{kHdr, 8, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  EXPECT_EQ(shorthdr.status, kIoErr);
  EXPECT_EQ(shorthdr.used_len, 1u);
  // A read whose data buffer is device-readable.
  header(kIn, 0);
  EXPECT_EQ(submit({{kHdr, 16, false}, {kData, 512, false}, {kStatusByte, 1, true}}).status, kIoErr);
  // A write whose data buffer is device-writable.
  header(kOut, 0);
  EXPECT_EQ(submit({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}}).status, kIoErr);
  EXPECT_EQ(image.content(), original);
  // Data that is not whole sectors.
  header(kIn, 0);
  EXPECT_EQ(submit({{kHdr, 16, false}, {kData, 100, true}, {kStatusByte, 1, true}}).status, kIoErr);
  // Data outside RAM.
  header(kIn, 0);
  Result outside = submit({{kHdr, 16, false}, {kOutsideRam, 512, true}, {kStatusByte, 1, true}});
  EXPECT_EQ(outside.status, kIoErr);
  EXPECT_EQ(outside.used_len, 1u);
  header(kOut, 0);
  EXPECT_EQ(submit({{kHdr, 16, false}, {kOutsideRam, 512, false}, {kStatusByte, 1, true}}).status, kIoErr);
  EXPECT_EQ(image.content(), original);
  // Header outside RAM.
  EXPECT_EQ(submit({{kOutsideRam, 16, false}, {kStatusByte, 1, true}}).status, kIoErr);
  // None of this is a protocol violation: the device carries on.
  EXPECT_EQ(status_reg() & kNeedsReset, 0u);
  EXPECT_EQ(read_sectors(1, 1).status, kOk);
}

TEST_F(VirtioBlkFixture, RequestsWithoutAReachableStatusByteCompleteWithLengthZero) {
  drv->init();
  header(kFlush, 0);
  Result none = submit({{kHdr, 16, false}});  // No writable buffer at all.
  EXPECT_EQ(none.used_len, 0u);
  Result outside = submit({{kHdr, 16, false}, {kOutsideRam, 1, true}});
  EXPECT_EQ(outside.used_len, 0u);
  EXPECT_EQ(status_reg() & kNeedsReset, 0u);
  EXPECT_EQ(read_sectors(1, 1).status, kOk);
}

TEST_F(VirtioBlkFixture, IndirectDescriptors) {
  drv->init();
  header(kIn, 2);
  drv->put_desc(kIndirectTable, 0, kHdr, 16, kNext, 1);
  drv->put_desc(kIndirectTable, 1, kData, 512, kWrite | kNext, 2);
  drv->put_desc(kIndirectTable, 2, kStatusByte, 1, kWrite, 0);
  Result r = submit({{kIndirectTable, 48, false, kIndirect}});
  EXPECT_EQ(r.status, kOk);
  EXPECT_EQ(r.used_len, 513u);
  EXPECT_EQ(ram.span(kData, 512), Slice(Pattern(kSectors), 2 * 512, 512));
  // The device ignores the WRITE flag of the descriptor that points at the table, and the
  // table may follow direct descriptors.
  header(kIn, 3);
  drv->put_desc(kIndirectTable, 0, kData, 512, kWrite | kNext, 1);
  drv->put_desc(kIndirectTable, 1, kStatusByte, 1, kWrite, 0);
  r = submit({{kHdr, 16, false}, {kIndirectTable, 32, true, kIndirect}});
  EXPECT_EQ(r.status, kOk);
  EXPECT_EQ(ram.span(kData, 512), Slice(Pattern(kSectors), 3 * 512, 512));
}

// The driver broke the ring protocol: the device must say DEVICE_NEEDS_RESET, send a
// configuration-change interrupt (DRIVER_OK is set), stop using the queue, and work again
// after a reset.
void ExpectNeedsResetThenRecover(VirtioBlkFixture& f, uint16_t used_before) {
  EXPECT_EQ(f.status_reg(), kAck | kDriver | kFeaturesOk | kDriverOk | kNeedsReset);
  EXPECT_TRUE(f.irq.level);
  EXPECT_EQ(f.drv->take_interrupt(), 2u);
  EXPECT_FALSE(f.irq.level);
  f.header(kIn, 0);
  f.drv->add({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  f.drv->notify();
  EXPECT_EQ(f.drv->used_idx(), used_before);  // The queue is left alone.
  EXPECT_FALSE(f.irq.level);
  f.drv->init();
  EXPECT_EQ(f.read_sectors(1, 1).status, kOk);
  EXPECT_EQ(f.ram.span(kData, 512), Slice(Pattern(VirtioBlkFixture::kSectors), 512, 512));
}

TEST_F(VirtioBlkFixture, DescriptorLoopIsAnErrorNotAHang) {
  drv->init();
  header(kIn, 0);
  drv->put_desc(kDescTable, 0, kHdr, 16, kNext, 1);
  drv->put_desc(kDescTable, 1, kData, 512, kWrite | kNext, 0);  // Back to 0.
  drv->publish(0);
  drv->notify();
  EXPECT_EQ(drv->used_idx(), 0u);
  ExpectNeedsResetThenRecover(*this, 0);
}

TEST_F(VirtioBlkFixture, SelfLoopInFullSizeQueue) {
  drv->init(256);
  drv->put_desc(kDescTable, 255, kStatusByte, 1, kWrite | kNext, 255);
  drv->publish(255);
  drv->notify();
  ExpectNeedsResetThenRecover(*this, 0);
}

TEST_F(VirtioBlkFixture, IndirectTableViolations) {
  struct Case {
    const char* what;
    uint32_t table_len;
    std::vector<std::array<uint64_t, 4>> table;  // addr, len, flags, next.
  };
  std::vector<Case> cases = {
      {"loop inside the table", 32, {{kHdr, 16, kNext, 1}, {kStatusByte, 1, kWrite | kNext, 0}}},
      {"nested table", 32, {{kHdr, 16, kNext, 1}, {kIndirectTable, 32, kIndirect, 0}}},
      {"length not a multiple of 16", 40, {{kHdr, 16, kNext, 1}, {kStatusByte, 1, kWrite, 0}}},
      {"empty table", 0, {}},
      {"next outside the table", 32, {{kHdr, 16, kNext, 2}, {kStatusByte, 1, kWrite, 0}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    drv->init();
    for (uint16_t i = 0; i < c.table.size(); ++i)
      drv->put_desc(kIndirectTable, i, c.table[i][0], static_cast<uint32_t>(c.table[i][1]),
                    static_cast<uint16_t>(c.table[i][2]), static_cast<uint16_t>(c.table[i][3]));
    drv->add({{kIndirectTable, c.table_len, false, kIndirect}});
    drv->notify();
    ExpectNeedsResetThenRecover(*this, 0);
  }
  // INDIRECT together with NEXT.
  drv->init();
  drv->put_desc(kIndirectTable, 0, kStatusByte, 1, kWrite, 0);
  drv->add({{kIndirectTable, 16, false, kIndirect}, {kStatusByte, 1, true}});
  drv->notify();
  ExpectNeedsResetThenRecover(*this, 0);
}

TEST_F(VirtioBlkFixture, IndirectWithoutNegotiationIsAnError) {
  drv->init(8, ~kIndirectDesc);
  header(kIn, 2);
  drv->put_desc(kIndirectTable, 0, kHdr, 16, kNext, 1);
  drv->put_desc(kIndirectTable, 1, kStatusByte, 1, kWrite, 0);
  drv->add({{kIndirectTable, 32, false, kIndirect}});
  drv->notify();
  ExpectNeedsResetThenRecover(*this, 0);
}

TEST_F(VirtioBlkFixture, BrokenChainsAndRingIndices) {
  // Head index beyond the queue.
  drv->init();
  drv->publish(300);
  drv->notify();
  ExpectNeedsResetThenRecover(*this, 0);
  // `next` beyond the queue.
  drv->put_desc(kDescTable, 0, kHdr, 16, kNext, 50);
  drv->publish(0);
  drv->notify();
  ExpectNeedsResetThenRecover(*this, 1);
  // A readable buffer after a writable one.
  header(kIn, 0);
  drv->add({{kStatusByte, 1, true}, {kHdr, 16, false}});
  drv->notify();
  ExpectNeedsResetThenRecover(*this, 1);
  // The available index runs more than a queue ahead of the device (which took 1).
  ram.put(kAvailRing + 2, 1 + 9, 2);
  drv->notify();
  ExpectNeedsResetThenRecover(*this, 1);
}

TEST_F(VirtioBlkFixture, RingsOutsideRam) {
  for (Rings rings : {Rings{.desc = kOutsideRam}, Rings{.desc = kRam + (1 << 20) - 8}}) {
    drv->init(8, ~uint64_t{0}, rings);
    drv->publish(0);
    drv->notify();
    EXPECT_EQ(status_reg() & kNeedsReset, kNeedsReset);
    EXPECT_EQ(drv->take_interrupt(), 2u);
  }
  // The available ring: the device looks for early buffers at DRIVER_OK and cannot even
  // read the index.
  ASSERT_TRUE(drv->negotiate(~uint64_t{0}));
  drv->setup_queue(0, 8, {.avail = kOutsideRam});
  drv->driver_ok();
  EXPECT_EQ(status_reg() & kNeedsReset, kNeedsReset);
  EXPECT_EQ(drv->take_interrupt(), 2u);
  // The used ring: the request is handled but cannot be returned.
  drv->init(8, ~uint64_t{0}, {.used = kOutsideRam});
  header(kIn, 0);
  drv->add({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  drv->notify();
  EXPECT_EQ(status_reg() & kNeedsReset, kNeedsReset);
  EXPECT_EQ(drv->take_interrupt(), 2u);
  drv->init();
  EXPECT_EQ(read_sectors(0, 1).status, kOk);
}

TEST_F(VirtioBlkFixture, BadQueueSizesAreRefused) {
  for (uint32_t size : {0u, 3u, 100u, 512u, 0x10008u}) {
    SCOPED_TRACE(size);
    ASSERT_TRUE(drv->negotiate(~uint64_t{0}));
    drv->w(kQueueSel, 0);
    drv->w(kQueueNum, size);
    drv->w(kQueueReady, 1);
    EXPECT_EQ(drv->r(kQueueReady), 0u);
    EXPECT_EQ(status_reg(), kAck | kDriver | kFeaturesOk | kNeedsReset);
    EXPECT_FALSE(irq.level);  // No configuration interrupt before DRIVER_OK.
  }
  drv->init();
  EXPECT_EQ(read_sectors(0, 1).status, kOk);
}

TEST_F(VirtioBlkFixture, NotifyBeforeReadyOrDriverOkIsDeferred) {
  drv->notify();  // Nothing set up at all.
  ASSERT_TRUE(drv->negotiate(~uint64_t{0}));
  drv->notify();  // Queue not ready.
  drv->setup_queue(0, 8);
  header(kIn, 6);
  drv->add({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  drv->notify();   // No DRIVER_OK yet: the device must not touch the buffers.
  drv->notify(7);  // No such queue.
  EXPECT_EQ(drv->used_idx(), 0u);
  EXPECT_FALSE(irq.level);
  drv->driver_ok();  // Buffers made available earlier are taken now.
  EXPECT_EQ(drv->used_idx(), 1u);
  EXPECT_EQ(*ram.at(kStatusByte), kOk);
  EXPECT_EQ(ram.span(kData, 512), Slice(Pattern(kSectors), 6 * 512, 512));
  EXPECT_TRUE(irq.level);
}

TEST_F(VirtioBlkFixture, NoInterruptFlagSuppressesTheUsedNotification) {
  drv->init();
  ram.put(kAvailRing, 1, 2);  // VIRTQ_AVAIL_F_NO_INTERRUPT.
  header(kIn, 0);
  drv->add({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  drv->notify();
  EXPECT_EQ(drv->used_idx(), 1u);
  EXPECT_EQ(drv->r(kInterruptStatus), 0u);
  EXPECT_FALSE(irq.level);
  ram.put(kAvailRing, 0, 2);
  EXPECT_EQ(read_sectors(0, 1).status, kOk);
}

TEST_F(VirtioBlkFixture, InterruptLineFollowsInterruptStatus) {
  drv->init();
  dev->config_changed();
  EXPECT_EQ(drv->r(kConfigGeneration), 1u);
  EXPECT_TRUE(irq.level);
  header(kIn, 0);
  drv->add({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  drv->notify();
  EXPECT_EQ(drv->r(kInterruptStatus), 3u);
  drv->w(kInterruptAck, 1);
  EXPECT_EQ(drv->r(kInterruptStatus), 2u);
  EXPECT_TRUE(irq.level);
  drv->w(kInterruptAck, 2);
  EXPECT_EQ(drv->r(kInterruptStatus), 0u);
  EXPECT_FALSE(irq.level);
}

TEST_F(VirtioBlkFixture, ResetClearsTransportState) {
  drv->init();
  header(kIn, 0);
  drv->add({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  drv->notify();
  ASSERT_TRUE(irq.level);
  drv->w(kStatus, 0);
  EXPECT_EQ(status_reg(), 0u);
  EXPECT_EQ(drv->r(kInterruptStatus), 0u);
  EXPECT_FALSE(irq.level);
  drv->w(kQueueSel, 0);
  EXPECT_EQ(drv->r(kQueueReady), 0u);
  EXPECT_EQ(drv->r(kQueueNumMax), 256u);
  // The driver starts over with fresh rings; indices restart at 0.
  drv->init();
  EXPECT_EQ(read_sectors(0, 1).status, kOk);
  EXPECT_EQ(drv->used_idx(), 1u);
}

TEST_F(VirtioBlkFixture, LiveQueueLayoutCannotChangeAndQueueCanBeStopped) {
  drv->init();
  drv->w(kQueueNum, 4);
  drv->w(kQueueDescLow, 0x1234);
  drv->w(kQueueDeviceHigh, 0x55);
  EXPECT_EQ(read_sectors(0, 1).status, kOk);
  // vm_del_vq: QueueReady 0, read back.
  drv->w(kQueueReady, 0);
  EXPECT_EQ(drv->r(kQueueReady), 0u);
  header(kIn, 0);
  drv->add({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  drv->notify();
  EXPECT_EQ(drv->used_idx(), 1u);
  EXPECT_FALSE(irq.level);
}

TEST_F(VirtioBlkFixture, SaveLoadMidStream) {
  attach_overlay();
  drv->init();
  std::vector<uint8_t> fresh(512, 0x5a);
  ASSERT_EQ(write_sectors(1, fresh).status, kOk);
  ASSERT_EQ(read_sectors(2, 1).status, kOk);
  // A third request is available but not yet notified when the snapshot is taken.
  header(kIn, 1);
  uint16_t head = drv->add({{kHdr, 16, false}, {kData, 512, true}, {kStatusByte, 1, true}});
  Writer w;
  dev->save(w);
  FakeRam ram_b;
  ram_b.bytes = ram.bytes;

  Wire irq_b;
  VirtioMmio b(std::make_unique<VirtioBlk>(std::make_unique<OverlayBackend>(image.path()), "polyemu-disk0"), ram_b,
               irq_b.line());
  Reader r(w.data());
  b.load(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(b.read(kStatus, 4), kAck | kDriver | kFeaturesOk | kDriverOk);
  b.write(kQueueNotify, 4, 0);
  EXPECT_EQ(ram_b.get(kUsedRing + 2, 2), 3u);
  EXPECT_EQ(ram_b.get(kUsedRing + 4 + 8 * 2, 4), head);
  EXPECT_EQ(ram_b.get(kUsedRing + 8 + 8 * 2, 4), 513u);
  EXPECT_EQ(*ram_b.at(kStatusByte), kOk);
  EXPECT_EQ(ram_b.span(kData, 512), fresh);  // The overlay came along.
  EXPECT_TRUE(irq_b.level);
  // The original carries on identically.
  drv->notify();
  EXPECT_EQ(ram.bytes, ram_b.bytes);
  EXPECT_EQ(image.content(), Pattern(kSectors));
}

TEST_F(VirtioBlkFixture, TruncatedOrForeignStateIsRejected) {
  attach_overlay();
  drv->init();
  ASSERT_EQ(write_sectors(3, std::vector<uint8_t>(512, 1)).status, kOk);
  Writer w;
  dev->save(w);
  auto fresh = [&] {
    return std::make_unique<VirtioMmio>(std::make_unique<VirtioBlk>(std::make_unique<OverlayBackend>(image.path()), ""),
                                        ram, IrqLine());
  };
  ExpectAllTruncationsThrow(w.data(), fresh);
  auto b = fresh();
  Reader r(w.data().data(), w.data().size() - 1);
  EXPECT_THROW(b->load(r), StateError);
  EXPECT_EQ(b->read(kStatus, 4), 0u);  // Untouched.
  // A raw-file backend does not take an overlay's state.
  drv.reset();
  dev.reset();
  VirtioMmio raw(std::make_unique<VirtioBlk>(std::make_unique<RawFileBackend>(image.path(), true), ""), ram, IrqLine());
  Reader r2(w.data());
  EXPECT_THROW(raw.load(r2), StateError);
}

// ---------------------------------------------------------------------------------------------
// The transport with a minimal model: several queues, a writable config space, host kicks.

class EchoModel : public VirtioDeviceModel {
 public:
  uint32_t device_id() const override { return 42; }
  uint64_t device_features() const override { return 1; }
  unsigned num_queues() const override { return 2; }
  uint16_t queue_max_size(unsigned q) const override { return q == 0 ? 4 : 16; }
  uint32_t config_size() const override { return 8; }
  void read_config(uint32_t offset, void* out, uint32_t len) const override { std::memcpy(out, config + offset, len); }
  void write_config(uint32_t offset, const void* in, uint32_t len) override { std::memcpy(config + offset, in, len); }
  void set_features(uint64_t f) override { negotiated = f; }
  void reset() override { ++resets; }
  // Fills every writable byte with 0xab and reports how many readable bytes it saw.
  void process(unsigned q, Virtqueue& vq) override {
    VirtqChain chain;
    while (vq.pop(chain)) {
      std::vector<uint8_t> fill(chain.writable_bytes(), 0xab);
      chain.write(vq.memory(), 0, fill.data(), fill.size());
      seen.push_back({q, chain.readable_bytes()});
      vq.push(chain, static_cast<uint32_t>(fill.size()));
    }
  }
  void save(Writer& w) const override {
    w.begin("echo", 1);
    w.bytes(config, sizeof config);
  }
  void load(Reader& r) override {
    r.begin("echo", 1);
    r.bytes(config, sizeof config);
  }

  uint8_t config[8] = {};
  uint64_t negotiated = 0;
  int resets = 0;
  std::vector<std::pair<unsigned, uint64_t>> seen;
};

struct VirtioMmioFixture : ::testing::Test {
  FakeRam ram;
  Wire irq;
  VirtioMmio dev{std::make_unique<EchoModel>(), ram, irq.line()};
  Driver drv{dev, ram};
  EchoModel& model() { return static_cast<EchoModel&>(dev.model()); }
};

TEST_F(VirtioMmioFixture, QueuesAreSelectedIndividually) {
  EXPECT_EQ(drv.r(kDeviceId), 42u);
  drv.w(kQueueSel, 0);
  EXPECT_EQ(drv.r(kQueueNumMax), 4u);
  drv.w(kQueueSel, 1);
  EXPECT_EQ(drv.r(kQueueNumMax), 16u);
  drv.w(kQueueSel, 2);
  EXPECT_EQ(drv.r(kQueueNumMax), 0u);  // No such queue.
  EXPECT_EQ(drv.r(kQueueReady), 0u);
  drv.w(kQueueReady, 1);  // Ignored.
  EXPECT_EQ(drv.r(kStatus), 0u);
}

TEST_F(VirtioMmioFixture, NegotiatedFeaturesReachTheModel) {
  ASSERT_TRUE(drv.negotiate(kVersion1 | 1));
  EXPECT_EQ(model().negotiated, kVersion1 | 1);
  int before = model().resets;
  drv.w(kStatus, 0);
  EXPECT_EQ(model().resets, before + 1);
}

TEST_F(VirtioMmioFixture, ConfigSpaceAccessWidths) {
  dev.write(kConfig, 4, 0x44332211);
  dev.write(kConfig + 4, 2, 0x6655);
  dev.write(kConfig + 6, 1, 0x77);
  dev.write(kConfig + 7, 1, 0x88);
  EXPECT_EQ(dev.read(kConfig, 8), 0x8877665544332211u);
  EXPECT_EQ(dev.read(kConfig + 2, 2), 0x4433u);
  EXPECT_EQ(dev.read(kConfig + 5, 1), 0x66u);
  dev.write(kConfig + 8, 4, 0xffffffff);  // Past the end: ignored.
  dev.write(kConfig + 6, 4, 0xffffffff);  // Misaligned.
  dev.write(kConfig + 4, 3, 0xffffffff);  // Not a register width.
  EXPECT_EQ(dev.read(kConfig, 8), 0x8877665544332211u);
}

TEST_F(VirtioMmioFixture, ConfigChangeInterruptsOnlyARunningDriver) {
  dev.config_changed();
  EXPECT_EQ(drv.r(kConfigGeneration), 1u);
  EXPECT_FALSE(irq.level);
  ASSERT_TRUE(drv.negotiate(~uint64_t{0}));
  drv.setup_queue(0, 4);
  drv.driver_ok();
  dev.config_changed();
  EXPECT_EQ(drv.r(kConfigGeneration), 2u);
  EXPECT_EQ(drv.take_interrupt(), 2u);
  EXPECT_FALSE(irq.level);
}

TEST_F(VirtioMmioFixture, SecondQueueAndHostKick) {
  ASSERT_TRUE(drv.negotiate(~uint64_t{0}));
  drv.setup_queue(1, 16);
  drv.driver_ok();
  drv.add({{kHdr, 7, false}, {kData, 5, true}});
  drv.notify(0);  // Queue 0 is not ready: nothing.
  EXPECT_TRUE(model().seen.empty());
  drv.notify(1);
  ASSERT_EQ(model().seen.size(), 1u);
  EXPECT_EQ(model().seen[0], (std::pair<unsigned, uint64_t>{1, 7}));
  EXPECT_EQ(drv.used_len(0), 5u);
  EXPECT_EQ(ram.span(kData, 5), std::vector<uint8_t>(5, 0xab));
  EXPECT_EQ(drv.take_interrupt(), 1u);
  // Host-side data arrival: the board kicks the queue without a guest notify.
  drv.add({{kData + 100, 3, true}});
  dev.kick(1);
  EXPECT_EQ(drv.used_idx(), 2u);
  EXPECT_TRUE(irq.level);
  dev.kick(5);  // No such queue: ignored.
}

TEST_F(VirtioMmioFixture, LoadRejectsAnotherDeviceType) {
  FakeRam other_ram;
  TempImage image(Pattern(1));
  VirtioMmio blk(std::make_unique<VirtioBlk>(std::make_unique<OverlayBackend>(image.path()), ""), other_ram, IrqLine());
  Writer w;
  blk.save(w);
  Reader r(w.data());
  EXPECT_THROW(dev.load(r), StateError);
}

TEST(VirtioMmioTest, RejectsModelsWithInvalidQueueSizes) {
  struct BadModel : EchoModel {
    uint16_t queue_max_size(unsigned) const override { return 6; }
  };
  FakeRam ram;
  EXPECT_THROW(VirtioMmio(std::make_unique<BadModel>(), ram, IrqLine()), std::invalid_argument);
  EXPECT_THROW(VirtioMmio(nullptr, ram, IrqLine()), std::invalid_argument);
}

TEST(VirtioChainTest, ReadableAndWritableStreams) {
  FakeRam ram;
  for (int i = 0; i < 16; ++i) *ram.at(kData + i) = static_cast<uint8_t>(i);
  VirtqChain chain;
  chain.buffers = {{kData, 3, false}, {kData + 8, 5, false}, {kHdr, 4, true}, {kHdr + 16, 4, true}};
  EXPECT_EQ(chain.readable_bytes(), 8u);
  EXPECT_EQ(chain.writable_bytes(), 8u);
  uint8_t out[4];
  ASSERT_TRUE(chain.read(ram, 2, out, 4));  // Spans the first two buffers.
  EXPECT_EQ(std::vector<uint8_t>(out, out + 4), (std::vector<uint8_t>{2, 8, 9, 10}));
  EXPECT_FALSE(chain.read(ram, 6, out, 3));  // Past the readable bytes.
  const uint8_t in[2] = {0x11, 0x22};
  ASSERT_TRUE(chain.write(ram, 3, in, 2));
  EXPECT_EQ(*ram.at(kHdr + 3), 0x11);
  EXPECT_EQ(*ram.at(kHdr + 16), 0x22);
  EXPECT_FALSE(chain.write(ram, 7, in, 2));
  chain.buffers[3].addr = kOutsideRam;
  EXPECT_FALSE(chain.write(ram, 3, in, 2));
  chain.buffers[0].addr = ~uint64_t{0} - 1;  // Would wrap the address space.
  EXPECT_FALSE(chain.read(ram, 1, out, 2));
}

}  // namespace
}  // namespace polyemu
