// The tiered engine (--engine jit): the interpreter runs cold code and counts how often
// each block runs; a block that gets hot becomes the entry of a region (the blocks
// reachable from it on its code page), which LLVM compiles on a background thread. The
// interpreter keeps running until the native code is installed, then dispatches to it.
// LLVM compiles a region twice: first quickly (its fast code generator, no IR passes),
// with code that counts the instructions it runs; a region that runs a good part of the
// guest's instructions is compiled again with optimization, and that code replaces the
// first.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "interp/interp.h"
#include "ir/engine.h"

namespace polyemu::jit {

struct Options {
  uint64_t cache_size = 64ull << 20;  // bytes of native code kept; the oldest regions go first
  unsigned threshold = 2000;          // interpreted runs of a block before it is compiled
  bool sync = false;                  // compile on the guest thread at once (tests, debugging)
  uint64_t optimize_after =
      100000;  // instructions run in a region's quick code before it is optimized; 0: no quick code
};

// The compile queue's order: of the queued regions, oldest first, with the instructions
// their entry blocks had run interpreted when last reported (runs times the block's
// instructions), the index of the one to compile next: the hottest, and among equally hot
// ones the newest. A block still interpreted after many instructions saves the most once
// native; code that just got hot is likely still running. `weights` must not be empty.
size_t next_to_compile(const std::vector<uint64_t>& weights);

std::unique_ptr<ir::Engine> make_tiered(ir::Host& host, interp::Translator translator, bool check_ir,
                                        const Options& options);

}  // namespace polyemu::jit
