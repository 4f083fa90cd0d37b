// SiFive CLINT (ACLINT MSWI + MTIMER in the classic 64 KiB layout).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "machines/device.h"

namespace polyemu {

// The two interrupt outputs a CLINT has towards one hart.
struct ClintHartLines {
  IrqLine software;  // MSIP
  IrqLine timer;     // MTIP
};

class Clint final : public Device {
 public:
  static constexpr unsigned kMaxHarts = 8;
  static constexpr uint64_t kMsipBase = 0x0;
  static constexpr uint64_t kMtimecmpBase = 0x4000;
  static constexpr uint64_t kMtime = 0xbff8;
  static constexpr uint64_t kSize = 0x10000;

  // `lines` must have `num_harts` entries; 1 <= num_harts <= kMaxHarts (else
  // std::invalid_argument). `clock` must outlive the Clint.
  Clint(Clock& clock, unsigned num_harts, std::vector<ClintHartLines> lines);
  Clint(const Clint&) = delete;
  Clint& operator=(const Clint&) = delete;

  std::string_view name() const override { return "clint"; }
  // Only 4- and 8-byte naturally aligned accesses are decoded; others read 0 / are ignored.
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, unsigned size, uint64_t value) override;
  void save(Writer& w) const override;
  void load(Reader& r) override;

  // Recomputes every MTIP from the current time and drives the lines.
  void update();
  // Clock tick at which the earliest not-yet-pending timer fires, or UINT64_MAX if none will.
  // Equals the smallest such mtimecmp as long as the guest has not written mtime.
  uint64_t next_deadline() const;
  uint64_t mtime() const;
  // Power-on state: msip 0, mtimecmp all-ones, mtime offset 0.
  void reset();

 private:
  struct Hart {
    bool msip = false;
    uint64_t mtimecmp = ~uint64_t{0};
    bool mtip = false;
    uint64_t generation = 0;  // Bumped whenever a scheduled re-check becomes stale.
  };

  uint32_t read32(uint64_t offset);
  void write64_masked(uint64_t offset, uint64_t value, uint64_t mask);
  void set_mtimecmp(unsigned hart, uint64_t value);
  void set_mtime(uint64_t value);
  // Recomputes MTIP for one hart and, if it is not yet due, schedules a re-check.
  void arm(unsigned hart, bool force = false);
  void drive(unsigned hart, bool force = false);
  // Clock tick at which mtime reaches `cmp`, or UINT64_MAX if it never does.
  uint64_t tick_for(uint64_t cmp) const;

  Clock& clock_;
  std::vector<ClintHartLines> lines_;
  std::vector<Hart> harts_;
  uint64_t mtime_offset_ = 0;  // mtime = clock.now() + offset (mod 2^64).
  std::array<bool, kMaxHarts> msip_level_{};
  std::array<bool, kMaxHarts> mtip_level_{};
  // Scheduled callbacks hold a weak reference so they do nothing once the Clint is gone.
  std::shared_ptr<Clint*> self_;
};

}  // namespace polyemu
