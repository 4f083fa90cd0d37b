// Storage behind a block device: a raw image file, or a copy-on-write overlay over one.
//
// Sizes are whole 512-byte sectors: an image whose size is not a multiple of 512 is
// rejected when opened (the guest could never reach its tail, and silently hiding data is
// worse than asking the user to pad the file, e.g. `truncate -s %512 disk.img`).
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "machines/serialize.h"

namespace polyemu {

class BlockBackend {
 public:
  static constexpr uint64_t kSectorSize = 512;

  virtual ~BlockBackend() = default;
  // Bytes, a multiple of kSectorSize.
  virtual uint64_t size() const = 0;
  virtual bool read_only() const = 0;
  // Each returns false, having done nothing or a part, when the range is outside the disk,
  // the backend is read-only (write), or the host reports an I/O error.
  virtual bool read(uint64_t offset, void* buf, uint64_t len) = 0;
  virtual bool write(uint64_t offset, const void* buf, uint64_t len) = 0;
  // Makes every completed write durable.
  virtual bool flush() = 0;
  // Backend state that belongs in a machine snapshot. The contents of an image file are
  // not part of it (like a real disk, the file lives outside the snapshot); a snapshot
  // records the image size so a load onto a different image is refused.
  virtual void save(Writer& w) const = 0;
  virtual void load(Reader& r) = 0;

 protected:
  bool in_range(uint64_t offset, uint64_t len) const { return offset <= size() && len <= size() - offset; }
};

// A raw image file accessed with pread/pwrite; flush is fsync. The file is locked (flock,
// shared when read-only, exclusive otherwise) so two emulators cannot write one image.
class RawFileBackend final : public BlockBackend {
 public:
  // Throws std::runtime_error("cannot open disk image PATH: REASON") when the file cannot
  // be opened with the requested access, is locked, is not a regular file or block
  // device, or its size is not a multiple of 512.
  RawFileBackend(const std::string& path, bool read_only);
  ~RawFileBackend() override;
  RawFileBackend(const RawFileBackend&) = delete;
  RawFileBackend& operator=(const RawFileBackend&) = delete;

  uint64_t size() const override { return size_; }
  bool read_only() const override { return read_only_; }
  bool read(uint64_t offset, void* buf, uint64_t len) override;
  bool write(uint64_t offset, const void* buf, uint64_t len) override;
  bool flush() override;
  void save(Writer& w) const override;
  void load(Reader& r) override;

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  bool read_only_;
};

// `snapshot=on`: the guest sees a writable disk whose writes live in host memory at
// 4 KiB granularity; reads of untouched blocks fall through to the image, which is opened
// read-only and never modified. The overlay is discarded with the backend, and flush has
// nothing to make durable. The overlay is part of the saved state.
class OverlayBackend final : public BlockBackend {
 public:
  static constexpr uint64_t kBlockSize = 4096;

  // Throws like RawFileBackend.
  explicit OverlayBackend(const std::string& path);

  uint64_t size() const override { return base_.size(); }
  bool read_only() const override { return false; }
  bool read(uint64_t offset, void* buf, uint64_t len) override;
  bool write(uint64_t offset, const void* buf, uint64_t len) override;
  bool flush() override { return true; }
  void save(Writer& w) const override;
  void load(Reader& r) override;

  // Blocks written so far (each holds kBlockSize bytes of host memory).
  size_t overlay_blocks() const { return blocks_.size(); }

 private:
  using Block = std::array<uint8_t, kBlockSize>;
  RawFileBackend base_;
  std::map<uint64_t, std::unique_ptr<Block>> blocks_;  // Keyed by block index.
};

}  // namespace polyemu
