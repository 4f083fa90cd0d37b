// The IR interpreter: translates guest blocks on demand, lowers their IR to a compact
// threaded form, caches them by (pc, mode) and runs them with direct chaining.
#pragma once
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

 private:
  ir::Block build_ir(ir::GuestState& s, uint64_t pc, unsigned max_insns, bool check);
  CompiledBlock* lookup(ir::GuestState& s, uint64_t pc, bool single);
  CompiledBlock* compile(ir::GuestState& s, uint64_t pc, uint64_t phys, bool single);
  void drop(CompiledBlock* b);

  ir::Host& host_;
  Translator translator_;
  bool check_ir_;
  ir::EngineStats stats_;

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
  static constexpr unsigned kJumpCacheSize = 4096;
  std::vector<CompiledBlock*> jump_cache_;
  std::vector<CompiledBlock*> mapping_dependent_;          // blocks that depend on a second page
  std::vector<std::unique_ptr<CompiledBlock>> graveyard_;  // freed once no block is running
  uint64_t generation_ = 1;  // bumped on invalidation: chained links of older generations are void
};

}  // namespace polyemu::interp
