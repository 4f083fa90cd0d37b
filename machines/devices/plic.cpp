#include "machines/devices/plic.h"

#include <stdexcept>
#include <string>
#include <utility>

namespace polyemu {

Plic::Plic(unsigned num_sources, std::vector<IrqLine> contexts) : lines_(std::move(contexts)) {
  if (num_sources < 2 || num_sources > kMaxSources)
    throw std::invalid_argument("plic: number of sources must be 2.." + std::to_string(kMaxSources));
  if (lines_.empty() || lines_.size() > kMaxContexts)
    throw std::invalid_argument("plic: number of contexts must be 1.." + std::to_string(kMaxContexts));
  sources_.resize(num_sources);
  contexts_.resize(lines_.size());
  for (Context& c : contexts_) c.enable.assign(words(), 0);
}

IrqLine Plic::source_line(unsigned src) {
  return IrqLine([this, src](bool level) { set_source(src, level); });
}

void Plic::set_source(unsigned src, bool level) {
  if (src == 0 || src >= num_sources()) return;
  Source& s = sources_[src];
  s.level = level;
  update();
}

uint64_t Plic::read(uint64_t offset, unsigned size) {
  if (size != 4 || offset % 4 != 0) return 0;
  if (offset < kPendingBase) {
    uint64_t src = (offset - kPriorityBase) / 4;
    return src < num_sources() ? sources_[src].priority : 0;
  }
  if (offset < kEnableBase) {
    uint64_t word = (offset - kPendingBase) / 4;
    if (word >= words()) return 0;
    uint32_t bits = 0;
    for (unsigned b = 0; b < 32 && word * 32 + b < num_sources(); ++b)
      if (sources_[word * 32 + b].pending()) bits |= uint32_t{1} << b;
    return bits;
  }
  if (offset < kContextBase) {
    uint64_t ctx = (offset - kEnableBase) / kEnableStride;
    uint64_t word = (offset - kEnableBase) % kEnableStride / 4;
    if (ctx >= num_contexts() || word >= words()) return 0;
    return contexts_[ctx].enable[word];
  }
  uint64_t ctx = (offset - kContextBase) / kContextStride;
  if (ctx >= num_contexts()) return 0;
  switch ((offset - kContextBase) % kContextStride) {
    case 0: return contexts_[ctx].threshold;
    case 4: return claim(static_cast<unsigned>(ctx));
    default: return 0;
  }
}

void Plic::write(uint64_t offset, unsigned size, uint64_t value) {
  if (size != 4 || offset % 4 != 0) return;
  uint32_t v = static_cast<uint32_t>(value);
  if (offset < kPendingBase) {
    uint64_t src = (offset - kPriorityBase) / 4;
    if (src == 0 || src >= num_sources()) return;
    sources_[src].priority = v & kMaxPriority;
  } else if (offset < kEnableBase) {
    return;  // Pending bits are read-only.
  } else if (offset < kContextBase) {
    uint64_t ctx = (offset - kEnableBase) / kEnableStride;
    uint64_t word = (offset - kEnableBase) % kEnableStride / 4;
    if (ctx >= num_contexts() || word >= words()) return;
    contexts_[ctx].enable[word] = v & enable_mask(static_cast<unsigned>(word));
  } else {
    uint64_t ctx = (offset - kContextBase) / kContextStride;
    if (ctx >= num_contexts()) return;
    switch ((offset - kContextBase) % kContextStride) {
      case 0: contexts_[ctx].threshold = v & kMaxPriority; break;
      case 4: complete(static_cast<unsigned>(ctx), v); return;
      default: return;
    }
  }
  update();
}

uint32_t Plic::enable_mask(unsigned word) const {
  // Source 0 and IDs past the last source are hardwired to 0.
  uint32_t mask = ~uint32_t{0};
  if (word == 0) mask &= ~uint32_t{1};
  unsigned valid = num_sources() - word * 32;
  if (valid < 32) mask &= (uint32_t{1} << valid) - 1;
  return mask;
}

unsigned Plic::best(const Context& c) const {
  unsigned id = 0;
  uint32_t prio = c.threshold;
  for (unsigned s = 1; s < num_sources(); ++s) {
    const Source& src = sources_[s];
    if (src.pending() && src.priority > prio && enabled(c, s)) {
      id = s;
      prio = src.priority;
    }
  }
  return id;
}

uint32_t Plic::claim(unsigned ctx) {
  unsigned id = best(contexts_[ctx]);
  if (id != 0) {
    sources_[id].claimed = true;
    update();
  }
  return id;
}

void Plic::complete(unsigned ctx, uint32_t src) {
  // The spec ignores completions for IDs the context does not have enabled.
  if (src == 0 || src >= num_sources() || !enabled(contexts_[ctx], src)) return;
  if (!sources_[src].claimed) return;
  sources_[src].claimed = false;
  update();
}

void Plic::update(bool force) {
  for (unsigned c = 0; c < num_contexts(); ++c) {
    bool level = best(contexts_[c]) != 0;
    if (level != contexts_[c].output || force) {
      contexts_[c].output = level;
      lines_[c].set(level);
    }
  }
}

void Plic::reset() {
  for (Source& s : sources_) {
    s.priority = 0;
    s.claimed = false;
  }
  for (Context& c : contexts_) {
    c.enable.assign(words(), 0);
    c.threshold = 0;
  }
  update();
}

void Plic::save(Writer& w) const {
  w.begin("plic", 1);
  w.u32(num_sources());
  w.u32(num_contexts());
  for (const Source& s : sources_) {
    w.u32(s.priority);
    w.boolean(s.level);
    w.boolean(s.claimed);
  }
  for (const Context& c : contexts_) {
    for (uint32_t e : c.enable) w.u32(e);
    w.u32(c.threshold);
  }
}

void Plic::load(Reader& r) {
  r.begin("plic", 1);
  if (r.u32() != num_sources()) throw StateError("state: plic source count does not match the machine");
  if (r.u32() != num_contexts()) throw StateError("state: plic context count does not match the machine");
  // Decode into copies so a bad blob leaves the device untouched.
  std::vector<Source> sources(sources_.size());
  for (Source& s : sources) {
    s.priority = r.u32() & kMaxPriority;
    s.level = r.boolean();
    s.claimed = r.boolean();
  }
  sources[0] = Source{};
  std::vector<Context> contexts(contexts_.size());
  for (Context& c : contexts) {
    c.enable.resize(words());
    for (unsigned i = 0; i < words(); ++i) c.enable[i] = r.u32() & enable_mask(i);
    c.threshold = r.u32() & kMaxPriority;
  }
  sources_ = std::move(sources);
  contexts_ = std::move(contexts);
  update(/*force=*/true);
}

}  // namespace polyemu
