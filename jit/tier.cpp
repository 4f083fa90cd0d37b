#include "jit/tier.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "jit/backend.h"
#include "jit/lower.h"

namespace polyemu::jit {

namespace {

constexpr uint64_t kPage = 4096;
constexpr unsigned kMaxRegionBlocks = 16;
constexpr unsigned kMaxRegionInsns = 256;
constexpr unsigned kMaxRegionMemOps = 24;  // loads and stores, the entry block's aside
constexpr size_t kMaxQueued = 64;
// An indirect jump's frequent targets on the page join the region when there are at least
// this many (a dispatch, like an interpreter's switch). A return to one or two call sites
// stays an exit: following it makes the function and its callers one loop, for which
// LLVM keeps more values live (qsort: 16% more host instructions).
constexpr size_t kMinLikelyTargets = 3;
// Quick code is optimized only when it ran a good part of the guest's instructions: hot
// loops of a program qualify at once, the code of a booting kernel, where most regions
// run now and then, does not, and the compile thread is kept for code still interpreted.
constexpr uint64_t kHotShare = 64;
// LLVM is loaded (see backend.h) when a block gets hot after the guest ran this many
// instructions, not before: the load slows the guest thread beside it (from 5 to 6-10 ms
// for the paging firmware test, page faults and TLB shootdowns of the loader), which a
// program this short cannot win back. Blocks hot earlier are compiled at their next
// power-of-two run count past it.
constexpr uint64_t kLoadLlvmAfter = 1'000'000;

// A region: blocks of one code page reachable from a hot block, compiled together. The
// code may be entered at any of its blocks.
struct Region {
  uint64_t pc = 0, phys = 0;  // the hot block
  uint32_t mode = 0;
  uint32_t entry_insns = 0;  // the hot block's instructions
  struct Entry {
    uint64_t pc, phys, len;  // a block: its pc, physical pc and guest code bytes
  };
  std::vector<Entry> entries;                  // every block, in order
  std::vector<Entry> live;                     // the entries the code was installed at
  const interp::NativeEntry* table = nullptr;  // its engine's indirect jump table
  const interp::NativeEntry* far = nullptr;    // its engine's jump cache (see Chaining)
  const std::atomic<bool>* ready = nullptr;
  ir::RamWindow ram;               // its guest's RAM (ir::kModeFlatReads)
  std::deque<Link> links;          // read by the native code
  std::vector<ir::Block> blocks;   // kept by quick regions for their optimized copy
  LikelyTargets likely;            // of the blocks' indirect jumps, on the page
  std::deque<ir::ExitInfo> exits;  // read by the native code
  // The tiers: quick code counts its instructions into `insns` (see Profile) up to
  // --jit-optimize-after; if they were at least 1/kHotShare of the guest's since it
  // started counting, an optimized copy of the region (that `replaces` it) is compiled,
  // else it counts anew.
  bool optimized = false;
  Profile profile;                   // quick regions (optimized ones: seen_wide only)
  uint64_t insns = 0;                // read and written by the guest thread only
  uint8_t fired = 0;                 // likewise
  uint64_t wide = 0;                 // likewise (see Profile)
  uint64_t counted_from = 0;         // the guest's instruction count when counting started
  std::shared_ptr<Region> replaces;  // an optimized region: the quick one it replaces
  std::weak_ptr<Region> copy;        // a quick region: its optimized copy, dropped with it
  bool optimizing = false;           // a quick region: its optimized copy was queued (once)
  std::unique_ptr<Code> code;
  interp::NativeFn fn = nullptr;
  double seconds = 0;
  std::string error;
  bool skipped = false;  // left uncompiled: it waited too long in the queue
  // Set by the guest thread: dropped (code written, flushed or evicted); the compile thread
  // skips it, a late result is discarded.
  std::atomic<bool> cancelled{false};
  bool installed = false;
  bool overlaps(uint64_t addr, uint64_t len) const {
    for (const Entry& e : entries)
      if (e.phys < addr + len && addr < e.phys + e.len) return true;
    return false;
  }
};
using RegionPtr = std::shared_ptr<Region>;

// The physical address of `pc`, an address on the region's code page.
uint64_t phys_of(const Region& r, uint64_t pc) { return (r.phys & ~(kPage - 1)) | (pc & (kPage - 1)); }

// Where the compile thread leaves finished regions for one engine.
struct Mailbox {
  std::mutex mu;
  std::vector<RegionPtr> done;
  std::atomic<bool>* ready = nullptr;  // the engine's Tier::ready; null once it is gone
};

// The LLVM backend (backend.h) and the background compile thread, shared by every tiered engine of
// the process (the harts of a machine, the machines of a test). It lives until the process
// ends, so that no engine ever waits for a compile to finish; a normal exit stops the
// thread after its current compile (the CLI leaves with _exit and does not wait at all).
class Compiler {
 public:
  static Compiler& get() {
    static Compiler* const instance = [] {
      auto* c = new Compiler();
      std::atexit([] { get().stop(); });
      return c;
    }();
    return *instance;
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Compiles on the calling thread.
  void compile(Region& r) {
    if (!backend_ready()) {
      r.error = backend_error_;
      return;
    }
    auto t0 = std::chrono::steady_clock::now();
    const std::string name = "region" + std::to_string(next_name_.fetch_add(1));
    r.code =
        backend_->compile(r.blocks, name, r.optimized, r.exits, Chaining{&r.links, r.table, r.mode, r.far, r.ready},
                          r.likely, r.profile, r.ram, r.fn, r.error);
    if (!r.code) {
      r.fn = nullptr;
      // Once per process: it should never happen, and then the guest still runs correctly.
      static std::atomic<bool> shown{false};
      if (!shown.exchange(true))
        std::fprintf(stderr, "polyemu: warning: JIT: %s; that code runs interpreted\n", r.error.c_str());
    }
    if (r.optimized || !r.fn) r.blocks.clear();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  // A queued region whose code still runs interpreted, its entry block now `weight`
  // instructions in, moves to the newest end of the queue with that weight.
  void still_running(const RegionPtr& r, uint64_t weight) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Job& j) { return j.region == r; });
    if (it == queue_.end()) return;
    Job job = std::move(*it);
    job.weight = std::max(job.weight, weight);
    queue_.erase(it);
    queue_.push_back(std::move(job));
  }

  // `weight`: the instructions the region's entry block ran interpreted so far.
  void submit(std::shared_ptr<Mailbox> box, RegionPtr r, uint64_t weight) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back({std::move(box), std::move(r), weight});
    }
    cv_.notify_one();
  }
  // An optimized copy: compiled when no region waits to leave the interpreter, in the
  // order they come (the first to run its count of instructions is the hottest).
  void submit_optimized(std::shared_ptr<Mailbox> box, RegionPtr r) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      optimize_queue_.push_back({std::move(box), std::move(r), 0});
    }
    cv_.notify_one();
  }

 private:
  struct Job {
    std::shared_ptr<Mailbox> box;
    RegionPtr region;
    uint64_t weight = 0;
  };

  Compiler() {
    thread_ = std::thread([this] { work(); });
  }

  // The backend is loaded on first use (by the compile thread, unless a synchronous
  // compile comes first), so that the guest never waits for LLVM to load and start.
  bool backend_ready() {
    std::call_once(backend_once_, [this] {
      backend_ = load_backend(backend_error_);
      if (backend_) return;
      backend_error_ = "JIT disabled: " + backend_error_;
      std::fprintf(stderr, "polyemu: warning: %s; the code runs interpreted\n", backend_error_.c_str());
    });
    return backend_ != nullptr;
  }

  void work() {
    backend_ready();
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !queue_.empty() || !optimize_queue_.empty(); });
        if (stop_) return;
        // See next_to_compile(). Code that waited behind kMaxQueued newer regions has
        // probably gone cold; it is handed back uncompiled and may get hot again.
        if (queue_.empty()) {
          job = std::move(optimize_queue_.front());
          optimize_queue_.pop_front();
        } else if (queue_.size() > kMaxQueued) {
          job = std::move(queue_.front());
          queue_.pop_front();
          job.region->skipped = true;
        } else {
          std::vector<uint64_t> weights;
          for (const Job& j : queue_) weights.push_back(j.weight);
          auto next = queue_.begin() + ptrdiff_t(next_to_compile(weights));
          job = std::move(*next);
          queue_.erase(next);
        }
      }
      {
        std::lock_guard<std::mutex> lock(job.box->mu);
        if (!job.box->ready) continue;  // its engine is gone
      }
      if (!job.region->skipped && !job.region->cancelled) compile(*job.region);
      std::lock_guard<std::mutex> lock(job.box->mu);
      if (!job.box->ready) continue;
      job.box->done.push_back(std::move(job.region));
      job.box->ready->store(true, std::memory_order_release);
    }
  }

  std::once_flag backend_once_;
  std::unique_ptr<Backend> backend_;
  std::string backend_error_;
  std::atomic<uint64_t> next_name_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_, optimize_queue_;
  bool stop_ = false;
  std::thread thread_;
};

class TieredEngine final : public ir::Engine, private interp::Tier {
 public:
  TieredEngine(ir::Host& host, interp::Translator translator, bool check_ir, const Options& options)
      : interp_(host, std::move(translator), check_ir), options_(options), box_(std::make_shared<Mailbox>()) {
    box_->ready = &ready;
    interp_.set_tier(this, std::max(1u, options.threshold));
  }

  ~TieredEngine() override {
    std::lock_guard<std::mutex> lock(box_->mu);
    box_->ready = nullptr;
    box_->done.clear();
  }

  ir::ExitInfo run(ir::GuestState& s, uint64_t icount_limit) override {
    state_ = &s;
    interp_.on_insn = on_insn;
    interp_.on_translate = on_translate;
    return interp_.run(s, icount_limit);
  }
  bool invalidate(uint64_t addr, uint64_t len) override { return interp_.invalidate(addr, len); }
  bool holds_code(uint64_t page) const override { return interp_.holds_code(page); }
  void flush_virtual() override { interp_.flush_virtual(); }
  void flush() override { interp_.flush(); }
  ir::Block translate_for_dump(ir::GuestState& s, uint64_t pc) override { return interp_.translate_for_dump(s, pc); }
  const ir::EngineStats& stats() const override {
    // The interpreter counts blocks and native instructions, the tier the rest.
    merged_ = interp_.stats();
    merged_.regions_compiled = stats_.regions_compiled;
    merged_.regions_freed = stats_.regions_freed;
    merged_.regions_optimized = stats_.regions_optimized;
    merged_.code_bytes = stats_.code_bytes;
    merged_.compile_seconds = stats_.compile_seconds;
    return merged_;
  }

 private:
  // interp::Tier ------------------------------------------------------------------------

  void hot(ir::GuestState& s, uint64_t pc, uint64_t phys) override {
    if (!compiler_ && !options_.sync && s.icount < kLoadLlvmAfter) return;
    if (covered(pc, phys, s.mode)) return;  // its code is on the way
    RegionPtr r = form_region(s, pc, phys);
    if (!r) return;
    r->optimized = options_.optimize_after == 0;
    if (!r->optimized) r->profile = {&r->insns, &ready, options_.optimize_after, &r->fired, &r->wide};
    queue(r);
  }

  void queue(const RegionPtr& r) {
    // LLVM is loaded and started with the first region (see kLoadLlvmAfter).
    if (!compiler_) compiler_ = &Compiler::get();
    by_page_[r->phys / kPage].push_back(r);
    if (options_.sync) {
      compiler_->compile(*r);
      finish(r);
    } else if (r->optimized && r->replaces) {
      compiler_->submit_optimized(box_, r);
    } else {
      compiler_->submit(box_, r, uint64_t(options_.threshold) * r->entry_insns);
    }
  }

  // Queues the optimized copy of a quick region that has run `optimize_after` instructions.
  // It comes after every region still interpreted (see Compiler::submit_optimized()): quick
  // code is already several times faster than the interpreter.
  void optimize(const RegionPtr& quick) {
    auto r = std::make_shared<Region>();
    r->pc = quick->pc;
    r->phys = quick->phys;
    r->mode = quick->mode;
    r->entry_insns = quick->entry_insns;
    r->entries = quick->entries;
    r->table = quick->table;
    r->far = quick->far;
    r->ready = quick->ready;
    r->ram = quick->ram;
    r->blocks = quick->blocks;
    r->likely = quick->likely;
    r->optimized = true;
    r->profile.seen_wide = quick->wide;
    r->replaces = quick;
    quick->copy = r;
    quick->optimizing = true;
    queue(r);
  }

  void still_hot(ir::GuestState& s, uint64_t pc, uint64_t phys, uint32_t heat) override {
    RegionPtr r = holder(pc, phys, s.mode);
    if (!r)
      hot(s, pc, phys);  // hot before LLVM was due, or its region did not form
    else if (!r->installed && compiler_)
      compiler_->still_running(r, uint64_t(heat) * r->entry_insns);
  }

  void poll() override {
    ready.store(false, std::memory_order_relaxed);
    dead_.clear();
    std::vector<RegionPtr> done;
    {
      std::lock_guard<std::mutex> lock(box_->mu);
      done.swap(box_->done);
    }
    for (RegionPtr& r : done) finish(r);
    std::vector<RegionPtr> ripe;
    for (const RegionPtr& r : installed_)
      if (!r->optimized && !r->optimizing && r->insns >= options_.optimize_after) ripe.push_back(r);
    for (const RegionPtr& r : ripe) {
      if (!r->installed) continue;
      if (r->insns * kHotShare >= now() - r->counted_from)
        optimize(r);
      else
        count_anew(*r);
    }
  }
  uint64_t now() const { return state_ ? state_->icount : 0; }
  void count_anew(Region& quick) {
    quick.insns = 0;
    quick.fired = 0;
    quick.counted_from = now();
  }

  bool invalidated(uint64_t addr, uint64_t len) override {
    bool any = false;
    for (uint64_t page = addr / kPage; page <= (addr + len - 1) / kPage; page++) {
      auto it = by_page_.find(page);
      if (it == by_page_.end()) continue;
      std::vector<RegionPtr> keep;
      for (RegionPtr& r : it->second) {
        if (!r->overlaps(addr, len)) {
          keep.push_back(std::move(r));
          continue;
        }
        any |= r->installed;
        kill(r);
      }
      if (keep.empty())
        by_page_.erase(it);
      else
        it->second = std::move(keep);
    }
    return any;
  }

  void flushed() override {
    for (auto& [page, list] : by_page_)
      for (RegionPtr& r : list) kill(r);
    by_page_.clear();
  }

  // ------------------------------------------------------------------------------------

  // The blocks of the entry's page reachable from it by direct jumps and branches that have
  // run before (code that never ran stays out: it would only cost compile time) and that no
  // other region holds (the code goes there through the dispatcher instead of being
  // compiled twice), in the interpreter's block boundaries, up to kMaxRegionBlocks blocks,
  // kMaxRegionInsns instructions and kMaxRegionMemOps memory accesses. Null when the entry
  // itself does not qualify.
  RegionPtr form_region(ir::GuestState& s, uint64_t pc, uint64_t phys) {
    auto r = std::make_shared<Region>();
    r->pc = pc;
    r->phys = phys;
    r->mode = s.mode;
    r->table = table_.get();
    r->far = interp_.far_entries();
    r->ready = &ready;
    r->ram = s.ram;
    const uint64_t page = pc & ~(kPage - 1);
    std::deque<uint64_t> todo{pc};
    std::set<uint64_t> seen{pc};
    unsigned insns = 0, mem_ops = 0;
    while (!todo.empty() && r->blocks.size() < kMaxRegionBlocks && insns < kMaxRegionInsns) {
      const uint64_t at = todo.front();
      todo.pop_front();
      ir::Block b = interp_.build_block(s, at);
      // A block reaching into the next page depends on that page's mapping; a fetch fault
      // there too. Such blocks stay with the interpreter.
      const bool crosses = (at & (kPage - 1)) + b.byte_len > kPage;
      const bool far_fault = b.term.kind == ir::Terminal::Kind::Exit && b.term.exit == ir::ExitKind::Trap &&
                             (b.term.tval & ~(kPage - 1)) != page;
      if (crosses || far_fault) {
        if (at == pc) return nullptr;
        continue;
      }
      // LLVM's time grows with the memory accesses (each has its TLB lookup, slow path and
      // trap exit): a region stays small enough to arrive soon after it got hot.
      unsigned mem = 0;
      for (const ir::Inst& x : b.insts) mem += x.op == ir::Opcode::Load || x.op == ir::Opcode::Store;
      if (at != pc && mem_ops + mem > kMaxRegionMemOps) continue;
      mem_ops += mem;
      if (b.term.kind == ir::Terminal::Kind::JumpIndirect) {
        std::vector<uint64_t> likely;
        for (uint64_t target : interp_.indirect_targets(at, phys_of(*r, at), s.mode))
          if ((target & ~(kPage - 1)) == page) likely.push_back(target);
        if (likely.size() >= kMinLikelyTargets) r->likely[at] = std::move(likely);
      }
      for (uint64_t next : next_blocks(b, r->likely)) {
        if ((next & ~(kPage - 1)) != page || !seen.insert(next).second) continue;
        const uint64_t next_phys = phys_of(*r, next);
        if (interp_.has_run(next, next_phys, s.mode) && !covered(next, next_phys, s.mode)) todo.push_back(next);
      }
      insns += b.num_insns;
      if (at == pc) r->entry_insns = b.num_insns;
      r->entries.push_back({at, phys_of(*r, at), b.byte_len});
      r->blocks.push_back(std::move(b));
    }
    return r;
  }

  // Installs a compiled region, or drops it.
  void finish(const RegionPtr& r) {
    stats_.compile_seconds += r->seconds;
    const RegionPtr quick = std::move(r->replaces);  // installed unless r is cancelled
    if (r->skipped) {                                // only regions still interpreted are skipped
      interp_.install(r->pc, r->phys, r->mode, nullptr);
      forget(r);
      return;
    }
    if (r->cancelled || !r->fn || !interp_.install(r->pc, r->phys, r->mode, r->fn)) {
      if (quick) quick->blocks.clear();  // a failed optimized compile is not tried again
      forget(r);
      return;
    }
    for (const Region::Entry& e : r->entries)
      if (interp_.install(e.pc, e.phys, r->mode, r->fn)) r->live.push_back(e);
    r->installed = true;
    if (quick) {
      // The optimized code is installed over the quick code's entries, so killing the
      // quick region moves its table slots and links to it.
      quick->copy.reset();
      kill(quick, false);
      forget(quick);
      stats_.regions_optimized++;
    }
    count_anew(*r);
    link(r);
    stats_.regions_compiled++;
    stats_.code_bytes += r->code->bytes();
    installed_.push_back(r);
    // Over the size bound the oldest regions go. No native code runs here, so they can be
    // freed at once.
    while (stats_.code_bytes > options_.cache_size && !installed_.empty()) {
      RegionPtr old = installed_.front();
      kill(old);
      forget(old);
      dead_.clear();
    }
  }

  // Stops using a region's code; the code itself is freed in poll(). `freed`: counted as
  // freed (not when optimized code replaces it).
  void kill(const RegionPtr& r, bool freed = true) {
    if (r->installed) {
      for (const Region::Entry& e : r->live) interp_.uninstall(e.pc, e.phys, r->mode, r->fn);
      unlink(r);
      r->installed = false;
      stats_.code_bytes -= r->code->bytes();
      installed_.remove(r);
      stats_.regions_freed += freed;
      dead_.push_back(r);
      ready.store(true, std::memory_order_relaxed);
    }
    r->cancelled = true;
    if (RegionPtr copy = r->copy.lock()) copy->cancelled = true;
  }

  // Chaining. Links and table entries into a region's entries are set when it is
  // installed and reset when it goes; a link of a region waits for its target's code.
  void link(const RegionPtr& r) {
    for (const Region::Entry& e : r->live) {
      table_[indirect_index(e.pc)] = {e.pc, r->fn, r->mode};
      auto it = waiting_.find({e.phys, r->mode});
      if (it != waiting_.end())
        for (Link* l : it->second) l->fn = r->fn;
    }
    for (Link& l : r->links) {
      const uint64_t phys = phys_of(*r, l.pc);
      l.fn = interp_.native_of(l.pc, phys, r->mode);
      waiting_[{phys, r->mode}].push_back(&l);
    }
  }
  // After the region's code was uninstalled: what runs at its entries now (interpreted, or
  // another region's code).
  void unlink(const RegionPtr& r) {
    for (const Region::Entry& e : r->live) {
      const interp::NativeFn now = interp_.native_of(e.pc, e.phys, r->mode);
      interp::NativeEntry& slot = table_[indirect_index(e.pc)];
      if (slot.fn == r->fn) slot = now ? interp::NativeEntry{e.pc, now, r->mode} : interp::NativeEntry{};
      auto it = waiting_.find({e.phys, r->mode});
      if (it != waiting_.end())
        for (Link* l : it->second)
          if (l->fn == r->fn) l->fn = now;
    }
    for (Link& l : r->links) {
      auto it = waiting_.find({phys_of(*r, l.pc), r->mode});
      if (it == waiting_.end()) continue;
      std::erase(it->second, &l);
      if (it->second.empty()) waiting_.erase(it);
    }
  }

  // The queued or installed region that holds the block, if any.
  RegionPtr holder(uint64_t pc, uint64_t phys, uint32_t mode) const {
    auto it = by_page_.find(phys / kPage);
    if (it == by_page_.end()) return nullptr;
    for (const RegionPtr& r : it->second)
      if (r->mode == mode && !r->cancelled &&
          std::any_of(r->entries.begin(), r->entries.end(),
                      [&](const Region::Entry& e) { return e.pc == pc && e.phys == phys; }))
        return r;
    return nullptr;
  }
  bool covered(uint64_t pc, uint64_t phys, uint32_t mode) const { return holder(pc, phys, mode) != nullptr; }

  void forget(const RegionPtr& r) {
    auto it = by_page_.find(r->phys / kPage);
    if (it == by_page_.end()) return;
    std::erase(it->second, r);
    if (it->second.empty()) by_page_.erase(it);
  }

  interp::Interpreter interp_;
  const ir::GuestState* state_ = nullptr;  // the guest the engine runs (its instruction count)
  Options options_;
  Compiler* compiler_ = nullptr;
  std::shared_ptr<Mailbox> box_;
  std::unordered_map<uint64_t, std::vector<RegionPtr>> by_page_;  // queued and installed, by code page
  std::list<RegionPtr> installed_;                                // oldest first
  std::vector<RegionPtr> dead_;                                   // freed at the next poll()
  std::unique_ptr<interp::NativeEntry[]> table_{new interp::NativeEntry[kIndirectEntries]};
  std::map<std::pair<uint64_t, uint32_t>, std::vector<Link*>> waiting_;  // links by target (phys, mode)
  ir::EngineStats stats_;                                                // the tier's part of stats()
  mutable ir::EngineStats merged_;
};

}  // namespace

size_t next_to_compile(const std::vector<uint64_t>& weights) {
  size_t best = weights.size() - 1;
  for (size_t i = best; i-- > 0;)
    if (weights[i] > weights[best]) best = i;
  return best;
}

std::unique_ptr<ir::Engine> make_tiered(ir::Host& host, interp::Translator translator, bool check_ir,
                                        const Options& options) {
  return std::make_unique<TieredEngine>(host, std::move(translator), check_ir, options);
}

}  // namespace polyemu::jit
