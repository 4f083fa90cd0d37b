// The IR interpreter: translates guest blocks on demand, lowers their IR to a compact
// threaded form, caches them by (pc, mode) and runs them with direct chaining.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "ir/engine.h"

namespace polyemu::interp {

// The guest ISA's translator: fills `out` with the block at pc.
using Translator =
    std::function<void(uint64_t pc, uint32_t mode, unsigned max_insns,
                       const std::function<bool(uint64_t, uint16_t&, uint64_t&)>& fetch, ir::Block& out)>;

struct CompiledBlock;

// Native code for a region that starts at one of the interpreter's blocks (jit/). It runs
// with the same budget rule as the interpreter (it never starts a block with more
// instructions than `limit - s->icount`) and returns kNativeNext (s->pc is where execution
// continues), kNativeTrap, kNativeYield, or the address of the ExitInfo of an Exit terminal.
// It may return kNativeNext before running anything; the block is then interpreted once.
using NativeFn = uint64_t (*)(ir::GuestState* s, ir::Host* host, uint64_t limit);
constexpr uint64_t kNativeNext = 0, kNativeTrap = 1, kNativeYield = 2;
// The exit a native function's return value `ret` stands for (None for kNativeNext).
ir::ExitInfo native_exit(uint64_t ret, const ir::GuestState& s);

// A block's native code by pc and mode, in the tables native code looks jump targets up
// in: the tier's indirect jump table (jit/lower.h) and the dispatcher's jump cache as
// native code reads it (Interpreter::far_entries()), to go on into the native code of a
// block on another page without returning to the dispatcher. Entry far_index(pc) of the
// latter holds the native code the dispatcher would run for the block at `pc` in `mode`
// (null while it is interpreted). It holds only lookups of the current mappings: it is
// emptied whenever mappings change (the dispatcher checks its own slots again instead), a
// slot whenever its block's translation is dropped, and kept current when native code
// comes and goes.
struct NativeEntry {
  uint64_t pc = 0;
  NativeFn fn = nullptr;
  uint64_t mode = 0;
};
constexpr unsigned kJumpCacheSize = 32768;
inline unsigned far_index(uint64_t pc) { return unsigned(pc >> 1) & (kJumpCacheSize - 1); }

// A faster tier for hot code. The interpreter reports hot blocks, installs native code only
// between blocks, and tells the tier when translations go away.
class Tier {
 public:
  virtual ~Tier() = default;
  // The block (pc, phys, s.mode) has run the threshold number of times.
  virtual void hot(ir::GuestState& s, uint64_t pc, uint64_t phys) = 0;
  // The block is still interpreted and has now run `heat` times, a power of two past the
  // threshold: its code, if on the way, is wanted soon.
  virtual void still_hot(ir::GuestState& s, uint64_t pc, uint64_t phys, uint32_t heat) = 0;
  // Called between blocks, with no native code running, whenever `ready` is set.
  virtual void poll() = 0;
  // Native code overlapping the physical range must stop being used; it may be running
  // (the write came from it), so it is freed later, in poll(). True if there was any.
  virtual bool invalidated(uint64_t addr, uint64_t len) = 0;
  virtual void flushed() = 0;
  std::atomic<bool> ready{false};
};

class Interpreter final : public ir::Engine {
 public:
  Interpreter(ir::Host& host, Translator translator, bool check_ir);
  ~Interpreter() override;

  ir::ExitInfo run(ir::GuestState& s, uint64_t icount_limit) override;
  bool invalidate(uint64_t addr, uint64_t len) override;
  bool holds_code(uint64_t page) const override { return by_page_.count(page >> 12) != 0; }
  void flush() override;
  void flush_virtual() override;
  const ir::EngineStats& stats() const override { return stats_; }
  ir::Block translate_for_dump(ir::GuestState& s, uint64_t pc) override;

  // Hot blocks are reported to `tier` after `threshold` interpreted runs.
  void set_tier(Tier* tier, unsigned threshold) { tier_ = tier, threshold_ = threshold; }
  // The optimized IR of the block at pc, exactly as the interpreter translates it.
  ir::Block build_block(ir::GuestState& s, uint64_t pc) { return build_ir(s, pc, 64, check_ir_); }
  // Runs `fn` instead of interpreting the block (pc, phys, mode); false if that block is
  // no longer translated. A null `fn` goes back to interpreting (and counting) it.
  bool install(uint64_t pc, uint64_t phys, uint32_t mode, NativeFn fn);
  // Goes back to interpreting the block if `fn` is what runs for it.
  void uninstall(uint64_t pc, uint64_t phys, uint32_t mode, NativeFn fn);
  // The native code installed for the block, if any.
  NativeFn native_of(uint64_t pc, uint64_t phys, uint32_t mode) const;
  // kJumpCacheSize entries, see NativeEntry; the storage stays where it is.
  const NativeEntry* far_entries() const { return far_.data(); }
  // Whether the block (pc, phys, mode) has run at all (interpreted or native).
  bool has_run(uint64_t pc, uint64_t phys, uint32_t mode) const;
  // Where the block's indirect jump went while it ran interpreted, up to the threshold: at
  // most kSeenTargets distinct targets (the first seen), the most frequent first.
  static constexpr unsigned kSeenTargets = 16;
  static constexpr unsigned kRareTarget = 16;  // left out: a target taken under 1/16 of the time
  std::vector<uint64_t> indirect_targets(uint64_t pc, uint64_t phys, uint32_t mode) const;

 private:
  ir::Block build_ir(ir::GuestState& s, uint64_t pc, unsigned max_insns, bool check);
  CompiledBlock* lookup(ir::GuestState& s, uint64_t pc, bool single);
  CompiledBlock* compile(ir::GuestState& s, uint64_t pc, uint64_t phys, bool single);
  void drop(CompiledBlock* b);

  ir::Host& host_;
  Translator translator_;
  bool check_ir_;
  ir::EngineStats stats_;
  Tier* tier_ = nullptr;
  unsigned threshold_ = 0;

  struct Key {
    uint64_t pc, phys;
    uint32_t mode;
    bool single;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.pc ^ (k.phys << 20) ^ (uint64_t(k.mode) << 48) ^ k.single);
    }
  };
  std::unordered_map<Key, std::unique_ptr<CompiledBlock>, KeyHash> cache_;
  std::unordered_map<uint64_t, std::vector<CompiledBlock*>> by_page_;
  // The last block looked up at each slot's pcs, and the generation it was looked up or
  // checked in, 0 while its far_ entry is empty. A slot of an older generation (mappings
  // changed, or code was dropped) is used again when its pc still maps to the block's
  // physical address: after a kernel switches address spaces, its own code is where it was.
  std::vector<CompiledBlock*> jump_cache_;
  std::vector<uint64_t> jump_gen_;
  std::vector<NativeEntry> far_;  // the native code of jump_cache_'s blocks, emptied when mappings change
  // The far_ slots filled since it was last emptied, up to kFilledMax (past that, emptying
  // clears every slot).
  std::vector<uint32_t> filled_;
  static constexpr size_t kFilledMax = kJumpCacheSize / 8;
  void clear_far();
  std::vector<CompiledBlock*> mapping_dependent_;          // blocks that depend on a second page
  std::vector<std::unique_ptr<CompiledBlock>> graveyard_;  // freed once no block is running
  uint64_t generation_ = 1;  // bumped on invalidation: links and indirect targets of older ones are void
};

}  // namespace polyemu::interp
