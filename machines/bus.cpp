#include "machines/bus.h"

#include <stdexcept>

namespace polyemu {

namespace {
bool overlaps(uint64_t a, uint64_t asz, uint64_t b, uint64_t bsz) { return a < b + bsz && b < a + asz; }
}  // namespace

void Bus::check_free(uint64_t base, uint64_t size, const std::string& what) const {
  if (size == 0 || base + size < base) throw std::invalid_argument("bus: bad range for " + what);
  if (ram_size_ && overlaps(base, size, ram_base_, ram_size_))
    throw std::invalid_argument("bus: " + what + " overlaps RAM");
  for (const Mapping& m : maps_)
    if (overlaps(base, size, m.base, m.size))
      throw std::invalid_argument("bus: " + what + " overlaps " + std::string(m.dev->name()));
}

void Bus::map(uint64_t base, uint64_t size, Device* dev) {
  check_free(base, size, std::string(dev->name()));
  maps_.push_back({base, size, dev});
}

void Bus::set_ram(uint64_t base, uint64_t size) {
  check_free(base, size, "RAM");
  ram_base_ = base;
  ram_size_ = size;
}

const Bus::Mapping* Bus::find(uint64_t addr, unsigned size) const {
  for (const Mapping& m : maps_)
    if (addr >= m.base && addr - m.base <= m.size - size) return &m;
  return nullptr;
}

bool Bus::read(uint64_t addr, unsigned size, uint64_t& out) {
  const Mapping* m = find(addr, size);
  if (!m) return false;
  out = m->dev->read(addr - m->base, size);
  return true;
}

bool Bus::write(uint64_t addr, unsigned size, uint64_t value) {
  const Mapping* m = find(addr, size);
  if (!m) return false;
  m->dev->write(addr - m->base, size, value);
  return true;
}

}  // namespace polyemu
