// Block backends: raw image files (access, locking, errors) and the snapshot overlay.
#include "machines/devices/block_backend.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/device_fakes.h"

namespace polyemu {
namespace {

using test::ExpectAllTruncationsThrow;
using test::Pattern;
using test::Slice;
using test::TempImage;

std::string OpenError(const std::string& path, bool read_only) {
  try {
    RawFileBackend b(path, read_only);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(BlockDeviceBackend, OpenErrorsAreOneClearLine) {
  std::string missing = ::testing::TempDir() + "polyemu_no_such_image.img";
  EXPECT_EQ(OpenError(missing, false), "cannot open disk image " + missing + ": No such file or directory");
  TempImage odd(std::vector<uint8_t>(1000, 0));
  EXPECT_EQ(OpenError(odd.path(), true),
            "cannot open disk image " + odd.path() +
                ": size 1000 is not a multiple of 512 bytes (pad it, e.g. truncate -s %512)");
  std::string dir = ::testing::TempDir();
  EXPECT_EQ(OpenError(dir, true), "cannot open disk image " + dir + ": not a regular file or block device");
}

TEST(BlockDeviceBackend, WritersLockTheImage) {
  TempImage image(Pattern(2));
  {
    RawFileBackend writer(image.path(), false);
    EXPECT_EQ(OpenError(image.path(), false),
              "cannot open disk image " + image.path() + ": the image is in use by another process");
    EXPECT_EQ(OpenError(image.path(), true),
              "cannot open disk image " + image.path() + ": the image is in use by another process");
    EXPECT_THROW(OverlayBackend overlay(image.path()), std::runtime_error);
  }
  RawFileBackend reader(image.path(), true);
  OverlayBackend overlay(image.path());  // Readers share.
  EXPECT_NE(OpenError(image.path(), false), "");
}

TEST(BlockDeviceBackend, RawBoundsAndReadOnly) {
  TempImage image(Pattern(4));
  RawFileBackend rw(image.path(), false);
  EXPECT_EQ(rw.size(), 2048u);
  EXPECT_FALSE(rw.read_only());
  std::vector<uint8_t> buf(1024);
  EXPECT_TRUE(rw.read(1024, buf.data(), 1024));
  EXPECT_EQ(buf, Slice(Pattern(4), 1024, 1024));
  EXPECT_FALSE(rw.read(1536, buf.data(), 1024));
  EXPECT_FALSE(rw.read(~uint64_t{0} - 10, buf.data(), 100));
  EXPECT_FALSE(rw.write(2048, buf.data(), 1));
  EXPECT_TRUE(rw.write(0, buf.data(), 10));
  EXPECT_TRUE(rw.flush());
  std::vector<uint8_t> expected = Pattern(4);
  std::copy(buf.begin(), buf.begin() + 10, expected.begin());
  EXPECT_EQ(image.content(), expected);
}

TEST(BlockDeviceBackend, RawReadOnlyRefusesWrites) {
  TempImage image(Pattern(1));
  RawFileBackend ro(image.path(), true);
  EXPECT_TRUE(ro.read_only());
  uint8_t b = 0;
  EXPECT_FALSE(ro.write(0, &b, 1));
  EXPECT_TRUE(ro.flush());
  EXPECT_EQ(image.content(), Pattern(1));
}

TEST(BlockDeviceBackend, OverlayCopiesOnWriteAndNeverTouchesTheImage) {
  TempImage image(Pattern(5));  // 2560 bytes: the only 4 KiB block is partial.
  OverlayBackend ov(image.path());
  EXPECT_EQ(ov.size(), 2560u);
  EXPECT_FALSE(ov.read_only());
  std::vector<uint8_t> expected = Pattern(5);
  std::vector<uint8_t> s4(512, 0x99);
  ASSERT_TRUE(ov.write(2048, s4.data(), 512));
  std::copy(s4.begin(), s4.end(), expected.begin() + 2048);
  const uint8_t small[3] = {1, 2, 3};
  ASSERT_TRUE(ov.write(100, small, 3));
  std::copy(small, small + 3, expected.begin() + 100);
  EXPECT_EQ(ov.overlay_blocks(), 1u);
  std::vector<uint8_t> all(2560);
  ASSERT_TRUE(ov.read(0, all.data(), all.size()));
  EXPECT_EQ(all, expected);
  EXPECT_FALSE(ov.read(2048, all.data(), 1024));
  EXPECT_FALSE(ov.write(2560, small, 1));
  EXPECT_TRUE(ov.flush());
  EXPECT_EQ(image.content(), Pattern(5));
}

TEST(BlockDeviceBackend, OverlaySpansBlocks) {
  TempImage image(Pattern(24));  // Three 4 KiB blocks.
  OverlayBackend ov(image.path());
  std::vector<uint8_t> data(5000, 0x42);
  ASSERT_TRUE(ov.write(4000, data.data(), data.size()));  // Blocks 0, 1 and 2.
  EXPECT_EQ(ov.overlay_blocks(), 3u);
  std::vector<uint8_t> expected = Pattern(24);
  std::copy(data.begin(), data.end(), expected.begin() + 4000);
  std::vector<uint8_t> all(expected.size());
  ASSERT_TRUE(ov.read(0, all.data(), all.size()));
  EXPECT_EQ(all, expected);
  EXPECT_EQ(image.content(), Pattern(24));
}

TEST(BlockDeviceBackend, OverlaySaveLoad) {
  TempImage image(Pattern(16));
  OverlayBackend a(image.path());
  std::vector<uint8_t> data(700, 0x17);
  ASSERT_TRUE(a.write(4090, data.data(), data.size()));
  Writer w;
  a.save(w);
  OverlayBackend b(image.path());
  Reader r(w.data());
  b.load(r);
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(b.overlay_blocks(), 2u);
  std::vector<uint8_t> ra(8192), rb(8192);
  ASSERT_TRUE(a.read(0, ra.data(), ra.size()));
  ASSERT_TRUE(b.read(0, rb.data(), rb.size()));
  EXPECT_EQ(ra, rb);
  ExpectAllTruncationsThrow(w.data(), [&] { return std::make_unique<OverlayBackend>(image.path()); });
  TempImage other(Pattern(8));
  OverlayBackend c(other.path());
  Reader r2(w.data());
  EXPECT_THROW(c.load(r2), StateError);  // Different image size.
  EXPECT_EQ(c.overlay_blocks(), 0u);
}

TEST(BlockDeviceBackend, RawStateRecordsTheImageSize) {
  TempImage image(Pattern(4)), other(Pattern(2));
  RawFileBackend a(image.path(), true);
  Writer w;
  a.save(w);
  RawFileBackend same(image.path(), true);
  Reader r(w.data());
  same.load(r);
  EXPECT_TRUE(r.at_end());
  RawFileBackend smaller(other.path(), true);
  Reader r2(w.data());
  EXPECT_THROW(smaller.load(r2), StateError);
  ExpectAllTruncationsThrow(w.data(), [&] { return std::make_unique<RawFileBackend>(image.path(), true); });
}
}  // namespace
}  // namespace polyemu
