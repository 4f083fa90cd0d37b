// Physical address space: RAM plus MMIO devices at fixed ranges.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "machines/device.h"

namespace polyemu {

class Bus {
 public:
  // Throws std::invalid_argument if the range overlaps RAM or another device.
  void map(uint64_t base, uint64_t size, Device* dev);
  void set_ram(uint64_t base, uint64_t size);
  // False when nothing is mapped at [addr, addr+size).
  bool read(uint64_t addr, unsigned size, uint64_t& out);
  bool write(uint64_t addr, unsigned size, uint64_t value);

  struct Mapping {
    uint64_t base, size;
    Device* dev;
  };
  const std::vector<Mapping>& mappings() const { return maps_; }

 private:
  const Mapping* find(uint64_t addr, unsigned size) const;
  void check_free(uint64_t base, uint64_t size, const std::string& what) const;
  std::vector<Mapping> maps_;
  uint64_t ram_base_ = 0, ram_size_ = 0;
};

}  // namespace polyemu
