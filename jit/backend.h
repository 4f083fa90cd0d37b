// The LLVM half of the JIT: lowering and code generation, built as its own shared library
// (libpolyemu_llvm.so, next to the polyemu executable). The tier loads it on its compile
// thread when code first gets hot, so a run that compiles nothing never maps LLVM: loading
// libLLVM and its dependencies (dynamic relocation, page faults) takes about 25 ms, longer
// than many whole firmware runs. This header is the boundary; nothing on the tier's side
// includes an LLVM header.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "interp/interp.h"
#include "ir/engine.h"
#include "ir/ir.h"
#include "jit/lower.h"

namespace polyemu::jit {

// The native code of one region. Destroying it frees the code; none of it may be running.
class Code {
 public:
  virtual ~Code() = default;
  virtual uint64_t bytes() const = 0;  // object code size
};

// Two LLVM sessions, a quick one and an optimizing one (see jit/session.h).
class Backend {
 public:
  virtual ~Backend() = default;
  // Lowers `blocks` to function `name` (see lower_region()) and compiles it with the
  // optimizing or the quick session. Returns its code with `fn` set, or nullptr with
  // `error` set.
  virtual std::unique_ptr<Code> compile(const std::vector<ir::Block>& blocks, const std::string& name, bool optimized,
                                        std::deque<ir::ExitInfo>& exits, const Chaining& chain,
                                        const LikelyTargets& likely, const Profile& profile, const ir::RamWindow& ram,
                                        interp::NativeFn& fn, std::string& error) = 0;
};

// The backend: from the library named by the environment variable POLYEMU_LLVM_BACKEND
// when it is set, else from a process that has the library linked in already (the tests),
// else from libpolyemu_llvm.so next to the executable, else from where the build put it.
// Nullptr with `error` set when none loads.
std::unique_ptr<Backend> load_backend(std::string& error);

}  // namespace polyemu::jit

// The library's entry point: a new backend, or nullptr with *error set.
extern "C" polyemu::jit::Backend* polyemu_jit_backend_create(std::string* error);
