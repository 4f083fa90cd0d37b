// The backend in libpolyemu_llvm.so: jit/lower.cpp's lowering and jit/session.cpp's
// sessions behind jit/backend.h.
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include "jit/backend.h"
#include "jit/session.h"

namespace polyemu::jit {
namespace {

class UnitCode final : public Code {
 public:
  explicit UnitCode(std::unique_ptr<Session::Unit> unit) : unit_(std::move(unit)) {}
  uint64_t bytes() const override { return unit_->object_bytes(); }

 private:
  std::unique_ptr<Session::Unit> unit_;
};

class LlvmBackend final : public Backend {
 public:
  LlvmBackend(std::unique_ptr<Session> quick, std::unique_ptr<Session> optimizing)
      : quick_(std::move(quick)), optimizing_(std::move(optimizing)) {}

  std::unique_ptr<Code> compile(const std::vector<ir::Block>& blocks, const std::string& name, bool optimized,
                                std::deque<ir::ExitInfo>& exits, const Chaining& chain, const LikelyTargets& likely,
                                const Profile& profile, const ir::RamWindow& ram, interp::NativeFn& fn,
                                std::string& error) override {
    fn = nullptr;
    auto context = std::make_unique<llvm::LLVMContext>();
    auto module = std::make_unique<llvm::Module>("region", *context);
    if (!lower_region(blocks, *module, name, exits, error, chain, likely, profile, ram)) return nullptr;
    std::unique_ptr<Session::Unit> unit =
        (optimized ? *optimizing_ : *quick_).add(std::move(context), std::move(module), error);
    if (!unit) return nullptr;
    fn = reinterpret_cast<interp::NativeFn>(unit->lookup(name, error));
    if (!fn) return nullptr;
    return std::make_unique<UnitCode>(std::move(unit));
  }

 private:
  std::unique_ptr<Session> quick_, optimizing_;
};

}  // namespace
}  // namespace polyemu::jit

extern "C" polyemu::jit::Backend* polyemu_jit_backend_create(std::string* error) {
  using polyemu::jit::Session;
  std::unique_ptr<Session> quick = Session::create(false, *error);
  if (!quick) return nullptr;
  std::unique_ptr<Session> optimizing = Session::create(true, *error);
  if (!optimizing) return nullptr;
  return new polyemu::jit::LlvmBackend(std::move(quick), std::move(optimizing));
}
