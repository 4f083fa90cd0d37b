#include "machines/devices/block_backend.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace polyemu {

namespace {

[[noreturn]] void open_error(const std::string& path, const std::string& reason) {
  throw std::runtime_error("cannot open disk image " + path + ": " + reason);
}

}  // namespace

RawFileBackend::RawFileBackend(const std::string& path, bool read_only) : read_only_(read_only) {
  fd_ = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd_ < 0) open_error(path, std::strerror(errno));
  // From here on the destructor does not run, so every error path closes the descriptor.
  auto fail = [&](const std::string& reason) {
    ::close(fd_);
    fd_ = -1;
    open_error(path, reason);
  };
  struct stat st;
  if (::fstat(fd_, &st) != 0) fail(std::strerror(errno));
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) fail("not a regular file or block device");
  if (::flock(fd_, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) fail("the image is in use by another process");
    fail(std::strerror(errno));
  }
  off_t end = ::lseek(fd_, 0, SEEK_END);
  if (end < 0) fail(std::strerror(errno));
  size_ = static_cast<uint64_t>(end);
  if (size_ % kSectorSize != 0)
    fail("size " + std::to_string(size_) + " is not a multiple of 512 bytes (pad it, e.g. truncate -s %512)");
}

RawFileBackend::~RawFileBackend() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawFileBackend::read(uint64_t offset, void* buf, uint64_t len) {
  if (!in_range(offset, len)) return false;
  auto p = static_cast<uint8_t*>(buf);
  while (len > 0) {
    ssize_t n = ::pread(fd_, p, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // An error, or the file shrank under us.
    p += n;
    offset += static_cast<uint64_t>(n);
    len -= static_cast<uint64_t>(n);
  }
  return true;
}

bool RawFileBackend::write(uint64_t offset, const void* buf, uint64_t len) {
  if (read_only_ || !in_range(offset, len)) return false;
  auto p = static_cast<const uint8_t*>(buf);
  while (len > 0) {
    ssize_t n = ::pwrite(fd_, p, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    offset += static_cast<uint64_t>(n);
    len -= static_cast<uint64_t>(n);
  }
  return true;
}

bool RawFileBackend::flush() {
  if (read_only_) return true;
  while (::fsync(fd_) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

void RawFileBackend::save(Writer& w) const {
  w.begin("raw-image", 1);
  w.u64(size_);
}

void RawFileBackend::load(Reader& r) {
  r.begin("raw-image", 1);
  if (r.u64() != size_) throw StateError("state: the disk image size differs from the snapshot's");
}

OverlayBackend::OverlayBackend(const std::string& path) : base_(path, /*read_only=*/true) {}

bool OverlayBackend::read(uint64_t offset, void* buf, uint64_t len) {
  if (!in_range(offset, len)) return false;
  auto p = static_cast<uint8_t*>(buf);
  while (len > 0) {
    uint64_t index = offset / kBlockSize;
    uint64_t within = offset % kBlockSize;
    uint64_t n = std::min(len, kBlockSize - within);
    auto it = blocks_.find(index);
    if (it != blocks_.end()) {
      std::memcpy(p, it->second->data() + within, n);
    } else if (!base_.read(offset, p, n)) {
      return false;
    }
    p += n;
    offset += n;
    len -= n;
  }
  return true;
}

bool OverlayBackend::write(uint64_t offset, const void* buf, uint64_t len) {
  if (!in_range(offset, len)) return false;
  auto p = static_cast<const uint8_t*>(buf);
  while (len > 0) {
    uint64_t index = offset / kBlockSize;
    uint64_t within = offset % kBlockSize;
    uint64_t n = std::min(len, kBlockSize - within);
    auto& block = blocks_[index];
    if (!block) {
      // Copy on first write; the image may end inside its last block.
      auto fresh = std::make_unique<Block>();
      fresh->fill(0);
      uint64_t start = index * kBlockSize;
      uint64_t valid = std::min(kBlockSize, size() - start);
      if (n < valid && !base_.read(start, fresh->data(), valid)) {
        blocks_.erase(index);
        return false;
      }
      block = std::move(fresh);
    }
    std::memcpy(block->data() + within, p, n);
    p += n;
    offset += n;
    len -= n;
  }
  return true;
}

void OverlayBackend::save(Writer& w) const {
  w.begin("overlay-image", 1);
  w.u64(size());
  w.u64(blocks_.size());
  for (const auto& [index, block] : blocks_) {
    w.u64(index);
    w.bytes(block->data(), kBlockSize);
  }
}

void OverlayBackend::load(Reader& r) {
  r.begin("overlay-image", 1);
  if (r.u64() != size()) throw StateError("state: the disk image size differs from the snapshot's");
  uint64_t count = r.u64();
  uint64_t max_blocks = (size() + kBlockSize - 1) / kBlockSize;
  if (count > max_blocks) throw StateError("state: disk overlay has more blocks than the disk");
  std::map<uint64_t, std::unique_ptr<Block>> blocks;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t index = r.u64();
    if (index >= max_blocks || blocks.count(index)) throw StateError("state: bad disk overlay block index");
    auto block = std::make_unique<Block>();
    r.bytes(block->data(), kBlockSize);
    blocks.emplace(index, std::move(block));
  }
  blocks_ = std::move(blocks);
}

}  // namespace polyemu
