// A small wrapper around LLVM ORC's LLJIT: compiles a module of lowered blocks to host
// code and hands out its functions. Each compiled module is a Unit with its own resource
// tracker, so one unit's code can be freed without touching the others.
#pragma once
#include <llvm/ADT/IntrusiveRefCntPtr.h>

#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
namespace orc {
class LLJIT;
class ResourceTracker;
}  // namespace orc
}  // namespace llvm

namespace polyemu::jit {

class Session {
 public:
  // Code of one added module. Destroying it frees the code; it must not outlive its
  // session, and no function of it may be running.
  class Unit {
   public:
    ~Unit();
    Unit(const Unit&) = delete;
    Unit& operator=(const Unit&) = delete;
    // The address of function `name` (compiling the unit on first use), or nullptr with
    // `error` set.
    void* lookup(const std::string& name, std::string& error);
    // Size of the object code compiled for this unit (after lookup).
    uint64_t object_bytes() const { return object_bytes_; }

   private:
    friend class Session;
    Unit(Session& session, llvm::IntrusiveRefCntPtr<llvm::orc::ResourceTracker> tracker);
    Session& session_;
    llvm::IntrusiveRefCntPtr<llvm::orc::ResourceTracker> tracker_;
    uint64_t object_bytes_ = 0;
  };

  // Returns nullptr with `error` set when the host target cannot be set up. `optimize`
  // runs a light optimization pipeline over each module and LLVM's optimizing code
  // generator; without it, modules go as lowered to its fast one (the JIT's first tier).
  static std::unique_ptr<Session> create(bool optimize, std::string& error);
  ~Session();

  // Adds `module`, which lives in `context` (one context per unit, so units can be built
  // on different threads). Function names must be unique among the live units. The
  // helpers of runtime_symbols() are defined.
  std::unique_ptr<Unit> add(std::unique_ptr<llvm::LLVMContext> context, std::unique_ptr<llvm::Module> module,
                            std::string& error);

  // Host data layout and triple, for modules built to be added here.
  void prepare(llvm::Module& module) const;

 private:
  explicit Session(std::unique_ptr<llvm::orc::LLJIT> jit);
  std::unique_ptr<llvm::orc::LLJIT> jit_;
};

}  // namespace polyemu::jit
