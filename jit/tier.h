// The tiered engine (--engine jit): the interpreter runs cold code and counts how often
// each block runs; a block that gets hot becomes the entry of a region (the blocks
// reachable from it on its code page), which LLVM compiles on a background thread. The
// interpreter keeps running until the native code is installed, then dispatches to it.
#pragma once
#include <cstdint>
#include <memory>

#include "interp/interp.h"
#include "ir/engine.h"

namespace polyemu::jit {

struct Options {
  uint64_t cache_size = 64ull << 20;  // bytes of native code kept; the oldest regions go first
  unsigned threshold = 2000;          // interpreted runs of a block before it is compiled
  bool sync = false;                  // compile on the guest thread at once (tests, debugging)
};

std::unique_ptr<ir::Engine> make_tiered(ir::Host& host, interp::Translator translator, bool check_ir,
                                        const Options& options);

}  // namespace polyemu::jit
