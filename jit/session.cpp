#include "jit/session.h"

#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectTransformLayer.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/CommandLine.h>
#include <llvm/Support/ErrorHandling.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Utils/LowerSwitch.h>

#include <mutex>

#include "jit/lower.h"

namespace polyemu::jit {

namespace {

// The quick code generator's instruction selection (FastISel) does not handle `switch`;
// a block it does not handle goes through the full selector, which costs as much as all
// the rest. Lowered regions switch at their entry and at likely indirect targets.
void lower_switches(llvm::Module& m) {
  llvm::FunctionAnalysisManager fam;
  llvm::PassBuilder pb;
  pb.registerFunctionAnalyses(fam);
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::LowerSwitchPass());
  for (llvm::Function& f : m)
    if (!f.isDeclaration()) fpm.run(f, fam);
}

// The passes lowered regions profit from, cheap enough for a JIT: promote the few
// allocas, forward guest register loads and stores (TBAA keeps guest memory apart from
// them), fold and clean up the control flow. LLVM's O2 pipeline costs about twice the
// compile time for no measurable speed on the benchmarks.
void optimize_module(llvm::Module& m) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
  fpm.addPass(llvm::EarlyCSEPass(true));
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  for (llvm::Function& f : m)
    if (!f.isDeclaration()) fpm.run(f, fam);
}

// Two global options of LLVM's code generator (the process has no other use for it):
// - Loop strength reduction turns the budget counter and the addresses of a loop into
//   extra induction variables. On x86-64 the loops of guest code already keep more values
//   live than there are registers, and the extra ones are spilled: with the pass, matmul's
//   inner loop runs about 25% slower. Off.
// - Block placement by the ext-TSP model (which lays blocks out to maximize fall-throughs
//   along likely edges) instead of loop rotation. With rotation, matmul's inner loop (a
//   back edge joining the slow paths of two loads) took two taken jumps per iteration;
//   ext-TSP lays it out with one (benchmark geomean 1.06x faster, minimum of 9 runs).
//   It changes only optimized code: quick code is not laid out.
void set_code_generator_options() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& options = llvm::cl::getRegisteredOptions();
    for (const char* name : {"disable-lsr", "enable-ext-tsp-block-placement"}) {
      auto it = options.find(name);
      if (it != options.end()) it->second->addOccurrence(0, name, "true");
    }
  });
}

// Object code produced on this thread since the last reset (ORC compiles on the thread
// that looks a symbol up).
thread_local uint64_t object_bytes_compiled = 0;

}  // namespace

std::unique_ptr<Session> Session::create(bool optimize, std::string& error) {
  // Safe to repeat: each initializes its target once.
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) {
    error = "cannot detect the host for the LLVM JIT: " + llvm::toString(jtmb.takeError());
    return nullptr;
  }
  // Optimizing: the default level spends most of its time in the register allocator; Less
  // gives the same speed on the benchmarks. Quick: fast instruction selection and register
  // allocation compile 4-5x faster than that (with no IR passes), for code about 3x slower.
  jtmb->setCodeGenOptLevel(optimize ? llvm::CodeGenOptLevel::Less : llvm::CodeGenOptLevel::None);
  set_code_generator_options();
  auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
  if (!jit) {
    error = "cannot create the LLVM JIT: " + llvm::toString(jit.takeError());
    return nullptr;
  }
  llvm::orc::SymbolMap helpers;
  for (auto& [name, address] : runtime_symbols())
    helpers[(*jit)->mangleAndIntern(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                                              llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
  if (llvm::Error e = (*jit)->getMainJITDylib().define(llvm::orc::absoluteSymbols(std::move(helpers)))) {
    error = "cannot define the JIT helpers: " + llvm::toString(std::move(e));
    return nullptr;
  }
  (*jit)->getIRTransformLayer().setTransform(
      [optimize](llvm::orc::ThreadSafeModule tsm, llvm::orc::MaterializationResponsibility&) {
        tsm.withModuleDo(optimize ? optimize_module : lower_switches);
        return llvm::Expected<llvm::orc::ThreadSafeModule>(std::move(tsm));
      });
  (*jit)->getObjTransformLayer().setTransform([](std::unique_ptr<llvm::MemoryBuffer> object) {
    object_bytes_compiled += object->getBufferSize();
    return llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>(std::move(object));
  });
  return std::unique_ptr<Session>(new Session(std::move(*jit)));
}

Session::Session(std::unique_ptr<llvm::orc::LLJIT> jit) : jit_(std::move(jit)) {}
Session::~Session() = default;

void Session::prepare(llvm::Module& module) const {
  module.setDataLayout(jit_->getDataLayout());
  module.setTargetTriple(jit_->getTargetTriple().str());
}

std::unique_ptr<Session::Unit> Session::add(std::unique_ptr<llvm::LLVMContext> context,
                                            std::unique_ptr<llvm::Module> module, std::string& error) {
  prepare(*module);
  llvm::orc::ResourceTrackerSP tracker = jit_->getMainJITDylib().createResourceTracker();
  llvm::orc::ThreadSafeModule tsm(std::move(module), std::move(context));
  if (llvm::Error e = jit_->addIRModule(tracker, std::move(tsm))) {
    error = "cannot add module: " + llvm::toString(std::move(e));
    return nullptr;
  }
  return std::unique_ptr<Unit>(new Unit(*this, std::move(tracker)));
}

Session::Unit::Unit(Session& session, llvm::orc::ResourceTrackerSP tracker)
    : session_(session), tracker_(std::move(tracker)) {}

Session::Unit::~Unit() {
  // Freeing code only fails if ORC's bookkeeping is broken; nothing sensible can go on.
  if (llvm::Error e = tracker_->remove())
    llvm::report_fatal_error(llvm::Twine("cannot free JIT code: ") + llvm::toString(std::move(e)));
}

void* Session::Unit::lookup(const std::string& name, std::string& error) {
  object_bytes_compiled = 0;
  auto address = session_.jit_->lookup(name);
  object_bytes_ += object_bytes_compiled;
  if (!address) {
    error = "cannot compile " + name + ": " + llvm::toString(address.takeError());
    return nullptr;
  }
  return address->toPtr<void*>();
}

}  // namespace polyemu::jit
