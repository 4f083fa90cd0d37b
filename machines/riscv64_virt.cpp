#include "machines/riscv64_virt.h"

#include <elf.h>
#include <libfdt.h>
#include <poll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "frontend/riscv/decoder.h"
#include "frontend/riscv/translate.h"
#include "interp/interp.h"
#include "machines/devices/block_backend.h"
#include "machines/devices/rom.h"
#include "machines/devices/virtio_blk.h"
#include "machines/loader.h"

namespace polyemu {

using riscv::Access;
using riscv::Hart;
namespace cause = riscv::cause;

namespace {
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kTimebase = VirtualClock::kTicksPerSecond;
constexpr const char* kIsa = "rv64imafdc_zicsr_zifencei";

// OpenSBI's fw_dynamic handoff (include/sbi/fw_dynamic.h: magic "OSBI", version 2).
std::vector<uint8_t> fw_dynamic_info(uint64_t next_addr) {
  const uint64_t words[6] = {0x4942534f, 2, next_addr, /*next_mode S*/ 1, /*options*/ 0, /*boot_hart*/ 0};
  std::vector<uint8_t> b(sizeof words);
  std::memcpy(b.data(), words, sizeof words);
  return b;
}

// Thin checked wrappers over libfdt's sequential writer.
class FdtWriter {
 public:
  FdtWriter() : buf_(64 * 1024) {
    check(fdt_create(buf_.data(), int(buf_.size())));
    check(fdt_finish_reservemap(buf_.data()));
  }
  void begin(const std::string& name) { check(fdt_begin_node(buf_.data(), name.c_str())); }
  void end() { check(fdt_end_node(buf_.data())); }
  void prop(const char* name) { check(fdt_property(buf_.data(), name, nullptr, 0)); }
  void prop(const char* name, const std::string& s) { check(fdt_property_string(buf_.data(), name, s.c_str())); }
  // A list of strings, e.g. several compatibles.
  void prop(const char* name, std::initializer_list<const char*> strs) {
    std::string v;
    for (const char* s : strs) v.append(s).push_back('\0');
    check(fdt_property(buf_.data(), name, v.data(), int(v.size())));
  }
  void u32(const char* name, uint32_t v) { check(fdt_property_u32(buf_.data(), name, v)); }
  void u64(const char* name, uint64_t v) { check(fdt_property_u64(buf_.data(), name, v)); }
  void cells(const char* name, std::initializer_list<uint32_t> v) { cells(name, std::vector<uint32_t>(v)); }
  void cells(const char* name, const std::vector<uint32_t>& v) {
    std::vector<fdt32_t> be;
    for (uint32_t c : v) be.push_back(cpu_to_fdt32(c));
    check(fdt_property(buf_.data(), name, be.data(), int(be.size() * 4)));
  }
  // reg = <addr size> with two cells each.
  void reg(uint64_t addr, uint64_t size) {
    cells("reg", {uint32_t(addr >> 32), uint32_t(addr), uint32_t(size >> 32), uint32_t(size)});
  }
  std::vector<uint8_t> finish() {
    check(fdt_finish(buf_.data()));
    buf_.resize(fdt_totalsize(buf_.data()));
    return std::vector<uint8_t>(buf_.begin(), buf_.end());
  }

 private:
  static void check(int r) {
    if (r < 0) throw std::logic_error(std::string("device tree: ") + fdt_strerror(r));
  }
  std::vector<char> buf_;
};

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "%llx", (unsigned long long)v);
  return b;
}

std::vector<uint8_t> read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LoadError(std::string(what) + " " + path + ": " + std::strerror(errno));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}
// Guest RAM: a private anonymous mapping aligned to 2 MiB and backed by huge pages where
// the host has them, as QEMU's. A guest walking much memory (linkedlist's 16 MiB) then
// misses the host's TLB far less often. It goes at the host address equal to its guest
// physical address `base` when that range is free (the first machine of a process): then a
// guest address is its own host address, and the JIT's reads straight from RAM
// (ir::kModeFlatReads) add no offset, which frees a host register in loops and lets an
// indexed guest address fold into the host load (crc32's table lookup is a cycle shorter).
// Null when the host has no room.
uint8_t* map_ram(uint64_t base, uint64_t size) {
  constexpr int kFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  constexpr uint64_t kHuge = 2ull << 20;
  void* p = MAP_FAILED;
  if (base % kHuge == 0)
    p = mmap(reinterpret_cast<void*>(base), size, PROT_READ | PROT_WRITE, kFlags | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != MAP_FAILED && reinterpret_cast<uintptr_t>(p) != base) {
    munmap(p, size);  // a kernel before 4.17 took the address as a hint only
    p = MAP_FAILED;
  }
  uintptr_t aligned = base;
  if (p == MAP_FAILED) {
    const uint64_t span = size + kHuge;
    p = mmap(nullptr, span, PROT_READ | PROT_WRITE, kFlags, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    const uintptr_t start = reinterpret_cast<uintptr_t>(p);
    aligned = (start + kHuge - 1) & ~(kHuge - 1);
    if (aligned > start) munmap(p, aligned - start);
    if (start + span > aligned + size) munmap(reinterpret_cast<void*>(aligned + size), start + span - aligned - size);
  }
  madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);  // only advice: fine without
  return reinterpret_cast<uint8_t*>(aligned);
}

}  // namespace

Riscv64Virt::Riscv64Virt(MachineConfig cfg) : cfg_(std::move(cfg)) {
  if (cfg_.memory < (1u << 20) || cfg_.memory > (64ull << 30) || cfg_.memory % 4096)
    throw std::invalid_argument("memory size must be a multiple of 4 KiB between 1 MiB and 64 GiB");
  if (cfg_.smp < 1 || cfg_.smp > kMaxHarts)
    throw std::invalid_argument("--smp must be between 1 and " + std::to_string(kMaxHarts));
  if (cfg_.bios.empty() && (!cfg_.initrd.empty() || !cfg_.append.empty()) && cfg_.kernel.empty())
    throw std::invalid_argument("--initrd and --append need a --kernel");
  ram_ = map_ram(kRamBase, cfg_.memory);
  if (!ram_) throw std::invalid_argument("cannot allocate guest RAM of " + std::to_string(cfg_.memory) + " bytes");
  page_flags_.assign(cfg_.memory / 4096, 0);
  code_span_.assign(cfg_.memory / 4096, CodeSpan{});
  if (!cfg_.console)
    cfg_.console = [](uint8_t c) {
      std::fputc(c, stdout);
      if (c == '\n') std::fflush(stdout);
    };
  if (!cfg_.serial_input.empty()) {
    std::vector<uint8_t> in = read_file(cfg_.serial_input, "serial input");
    serial_input_.assign(in.begin(), in.end());
  }

  const riscv::PhysRam phys_ram{ram_, kRamBase, cfg_.memory};
  std::vector<ClintHartLines> lines;
  for (unsigned i = 0; i < cfg_.smp; i++) {
    auto slot = std::make_unique<HartSlot>();
    slot->hart = std::make_unique<Hart>(i, phys_ram);
    if (cfg_.engine == "jit")
      slot->engine = jit::make_tiered(*this, riscv::translate, cfg_.check_ir, cfg_.jit);
    else if (cfg_.engine == "interp")
      slot->engine = std::make_unique<interp::Interpreter>(*this, riscv::translate, cfg_.check_ir);
    else
      throw std::invalid_argument("unknown engine '" + cfg_.engine + "' (use interp or jit)");
    Hart* h = slot->hart.get();
    lines.push_back(
        {IrqLine([h](bool v) { h->set_irq(cause::kMsi, v); }), IrqLine([h](bool v) { h->set_irq(cause::kMti, v); })});
    if (cfg_.trace) {
      slot->engine->on_insn = [this, i](const ir::GuestState&, uint64_t pc) {
        uint32_t bits = insn_bits_at(pc);
        std::fprintf(stderr, "%u %016llx: %08x  %s\n", i, (unsigned long long)pc, bits,
                     riscv::disassemble(bits, pc).c_str());
      };
    }
    if (cfg_.dump_ir) slot->engine->on_translate = [](const ir::Block& b) { std::fputs(ir::print(b).c_str(), stderr); };
    harts_.push_back(std::move(slot));
  }
  clock_.begin_slice(harts_[0]->hart->state().icount, 0);

  if (cfg_.drives.size() > kMaxDrives)
    throw std::invalid_argument("at most " + std::to_string(kMaxDrives) + " --drive options");
  std::vector<IrqLine> plic_contexts;  // M and S external interrupt of each hart
  for (auto& slot : harts_) {
    Hart* h = slot->hart.get();
    plic_contexts.push_back(IrqLine([h](bool v) { h->set_irq(cause::kMei, v); }));
    plic_contexts.push_back(IrqLine([h](bool v) { h->set_irq(cause::kSei, v); }));
  }
  plic_ = std::make_unique<Plic>(Plic::kVirtSources, std::move(plic_contexts));
  uart_ = std::make_unique<Uart16550>([this](uint8_t c) { cfg_.console(c); }, plic_->source_line(kUartIrq));
  rtc_ = std::make_unique<GoldfishRtc>(clock_, cfg_.rtc_epoch_ns, plic_->source_line(kRtcIrq));
  clint_ = std::make_unique<Clint>(clock_, cfg_.smp, std::move(lines));
  for (size_t i = 0; i < cfg_.drives.size(); i++) {
    const DriveConfig& d = cfg_.drives[i];
    std::unique_ptr<BlockBackend> backend;
    try {
      if (d.snapshot)
        backend = std::make_unique<OverlayBackend>(d.file);
      else
        backend = std::make_unique<RawFileBackend>(d.file, d.read_only);
    } catch (const std::runtime_error& e) {
      throw LoadError(e.what());
    }
    auto blk = std::make_unique<VirtioBlk>(std::move(backend), "polyemu-disk" + std::to_string(i));
    virtio_.push_back(
        std::make_unique<VirtioMmio>(std::move(blk), *this, plic_->source_line(kVirtioIrq + unsigned(i))));
  }
  finisher_ = std::make_unique<TestFinisher>([this](FinisherEvent ev, uint32_t code) {
    if (ev == FinisherEvent::kReset && cfg_.no_reboot) {
      reset_ended_run_ = true;
      finish(0);
    } else if (ev == FinisherEvent::kReset) {
      reset_requested_ = true;
    } else {
      finish(ev == FinisherEvent::kPass ? 0 : int(code));
    }
    cur().hart->state().exit_request = 1;
  });
  htif_ = std::make_unique<Htif>([this](uint8_t c) { cfg_.console(c); }, [this](uint32_t code) { finish(int(code)); });
  boot_rom_ = std::make_unique<Rom>(fw_dynamic_info(kKernelBase));
  bus_.set_ram(kRamBase, cfg_.memory);
  bus_.map(kBootRomBase, kBootRomSize, boot_rom_.get());
  bus_.map(kFinisherBase, kFinisherSize, finisher_.get());
  bus_.map(kRtcBase, GoldfishRtc::kSize, rtc_.get());
  bus_.map(kClintBase, Clint::kSize, clint_.get());
  bus_.map(kPlicBase, plic_->size(), plic_.get());
  bus_.map(kUartBase, kUartSize, uart_.get());
  for (size_t i = 0; i < virtio_.size(); i++) bus_.map(kVirtioBase + i * 0x1000, VirtioMmio::kSize, virtio_[i].get());

  load_images();
  reset();
}

Riscv64Virt::~Riscv64Virt() {
  if (ram_) munmap(ram_, cfg_.memory);
}

uint64_t Riscv64Virt::instructions() const {
  uint64_t n = 0;
  for (const auto& h : harts_) n += h->hart->state().icount;
  return n;
}

ir::EngineStats Riscv64Virt::engine_stats() const {
  ir::EngineStats sum;
  for (const auto& h : harts_) {
    const ir::EngineStats& e = h->engine->stats();
    sum.blocks_translated += e.blocks_translated;
    sum.cache_flushes += e.cache_flushes;
    sum.native_insns += e.native_insns;
    sum.native_entries += e.native_entries;
    sum.native_idle += e.native_idle;
    sum.regions_compiled += e.regions_compiled;
    sum.regions_freed += e.regions_freed;
    sum.regions_optimized += e.regions_optimized;
    sum.code_bytes += e.code_bytes;
    sum.compile_seconds += e.compile_seconds;
  }
  return sum;
}

void Riscv64Virt::load_images() {
  // Drops the pages instead of writing zeros over them: RAM is a private anonymous mapping,
  // so they read as zero again, and untouched RAM costs nothing (memset of 128M took 70 ms).
  if (madvise(ram_, cfg_.memory, MADV_DONTNEED) != 0) std::memset(ram_, 0, cfg_.memory);
  std::fill(page_flags_.begin(), page_flags_.end(), 0);
  std::fill(code_span_.begin(), code_span_.end(), CodeSpan{});
  has_htif_ = false;
  GuestRam ram{ram_, kRamBase, cfg_.memory};
  bool have_entry = false;
  for (const RawLoad& l : cfg_.raw_loads) {
    load_raw(l.path, l.addr, ram);
    if (!have_entry) entry_ = l.addr, have_entry = true;
  }
  uint64_t kernel_addr = 0;
  if (!cfg_.bios.empty()) {
    if (is_elf(cfg_.bios))
      load_elf(cfg_.bios, EM_RISCV, ram);
    else
      load_raw(cfg_.bios, kRamBase, ram);
    entry_ = kRamBase;
    have_entry = true;
    if (!cfg_.kernel.empty()) {
      kernel_addr = kKernelBase;
      if (is_elf(cfg_.kernel))
        kernel_addr = load_elf(cfg_.kernel, EM_RISCV, ram).entry;
      else
        load_raw(cfg_.kernel, kKernelBase, ram);
    }
  } else if (!cfg_.kernel.empty()) {
    // Without firmware the kernel is a bare-metal ELF program (raw images: --load FILE@ADDR).
    ElfImage img = load_elf(cfg_.kernel, EM_RISCV, ram, {"tohost", "fromhost"});
    entry_ = img.entry;
    auto t = img.symbols.find("tohost");
    if (t != img.symbols.end()) {
      if (!in_ram(t->second, 8)) throw LoadError(cfg_.kernel + ": tohost symbol is outside RAM");
      has_htif_ = true;
      tohost_ = t->second;
      auto f = img.symbols.find("fromhost");
      fromhost_ = f != img.symbols.end() && in_ram(f->second, 8) ? f->second : tohost_ + 8;
      page_flags_[(tohost_ - kRamBase) >> 12] |= kWatched;
    }
    kernel_addr = entry_;
    have_entry = true;
  }
  if (!have_entry) throw LoadError("nothing to run: give --kernel, --bios or --load");
  if (!in_ram(entry_, 2)) throw LoadError("entry point is outside RAM");

  // Device tree at the top of RAM (2 MiB aligned, as QEMU does); the initrd goes
  // 128 MiB (or half of RAM) above the kernel so that an unpacking kernel does not reach it.
  std::vector<uint8_t> initrd;
  if (!cfg_.initrd.empty()) initrd = read_file(cfg_.initrd, "initrd");
  if (!initrd.empty()) {
    initrd_start_ = (kernel_addr ? kernel_addr : kRamBase) + std::min<uint64_t>(cfg_.memory / 2, 128 * kMiB);
    initrd_end_ = initrd_start_ + initrd.size();
    if (!in_ram(initrd_start_, initrd.size()) || initrd_end_ > kRamBase + cfg_.memory - 2 * kMiB)
      throw LoadError("initrd " + cfg_.initrd + " (" + std::to_string(initrd.size()) + " bytes) does not fit in RAM");
    std::memcpy(ram_ + (initrd_start_ - kRamBase), initrd.data(), initrd.size());
  }
  if (!cfg_.dtb.empty()) {
    fdt_ = read_file(cfg_.dtb, "device tree");
    if (fdt_.size() < sizeof(fdt_header) || fdt_check_header(fdt_.data()) != 0 ||
        fdt_totalsize(fdt_.data()) != fdt_.size())
      throw LoadError("device tree " + cfg_.dtb + ": not a valid flattened device tree blob");
  } else {
    fdt_ = build_device_tree();
  }
  // A bare-metal program (no firmware) owns all of RAM: it gets no device tree in memory.
  fdt_addr_ = 0;
  if (cfg_.bios.empty() && cfg_.dtb.empty()) return;
  if (fdt_.size() > 2 * kMiB) throw LoadError("device tree is larger than 2 MiB");
  fdt_addr_ = (kRamBase + cfg_.memory - fdt_.size()) & ~(2 * kMiB - 1);
  if (fdt_addr_ < kRamBase || (initrd_end_ && fdt_addr_ < initrd_end_))
    throw LoadError("RAM is too small for the device tree");
  std::memcpy(ram_ + (fdt_addr_ - kRamBase), fdt_.data(), fdt_.size());
}

std::vector<uint8_t> Riscv64Virt::build_device_tree() const {
  const unsigned n = cfg_.smp;
  auto intc_phandle = [](unsigned hart) { return 1 + hart; };
  const uint32_t kTestPhandle = 100;
  FdtWriter w;
  w.begin("");
  w.u32("#address-cells", 2);
  w.u32("#size-cells", 2);
  w.prop("compatible", "riscv-virtio");
  w.prop("model", "riscv-virtio,polyemu");

  w.begin("chosen");
  if (!cfg_.append.empty()) w.prop("bootargs", cfg_.append);
  w.prop("stdout-path", "/soc/serial@" + hex(kUartBase));
  if (initrd_end_) {
    w.u64("linux,initrd-start", initrd_start_);
    w.u64("linux,initrd-end", initrd_end_);
  }
  w.end();

  w.begin("memory@" + hex(kRamBase));
  w.prop("device_type", "memory");
  w.reg(kRamBase, cfg_.memory);
  w.end();

  w.begin("cpus");
  w.u32("#address-cells", 1);
  w.u32("#size-cells", 0);
  w.u32("timebase-frequency", kTimebase);
  for (unsigned i = 0; i < n; i++) {
    w.begin("cpu@" + std::to_string(i));
    w.prop("device_type", "cpu");
    w.u32("reg", i);
    w.prop("status", "okay");
    w.prop("compatible", "riscv");
    w.prop("riscv,isa", kIsa);
    w.prop("mmu-type", "riscv,sv48");
    w.begin("interrupt-controller");
    w.u32("#address-cells", 0);
    w.u32("#interrupt-cells", 1);
    w.prop("interrupt-controller");
    w.prop("compatible", "riscv,cpu-intc");
    w.u32("phandle", intc_phandle(i));
    w.end();
    w.end();
  }
  w.end();

  w.begin("soc");
  w.u32("#address-cells", 2);
  w.u32("#size-cells", 2);
  w.prop("compatible", "simple-bus");
  w.prop("ranges");

  w.begin("clint@" + hex(kClintBase));
  w.prop("compatible", {"sifive,clint0", "riscv,clint0"});
  w.reg(kClintBase, Clint::kSize);
  std::vector<uint32_t> clint_irqs;
  for (unsigned i = 0; i < n; i++)
    clint_irqs.insert(clint_irqs.end(), {intc_phandle(i), cause::kMsi, intc_phandle(i), cause::kMti});
  w.cells("interrupts-extended", clint_irqs);
  w.end();

  const uint32_t plic_phandle = 99;
  w.begin("plic@" + hex(kPlicBase));
  w.prop("compatible", {"sifive,plic-1.0.0", "riscv,plic0"});
  w.reg(kPlicBase, plic_->size());
  w.u32("#address-cells", 0);
  w.u32("#interrupt-cells", 1);
  w.prop("interrupt-controller");
  w.u32("riscv,ndev", Plic::kVirtSources - 1);
  std::vector<uint32_t> plic_irqs;
  for (unsigned i = 0; i < n; i++)
    plic_irqs.insert(plic_irqs.end(), {intc_phandle(i), cause::kMei, intc_phandle(i), cause::kSei});
  w.cells("interrupts-extended", plic_irqs);
  w.u32("phandle", plic_phandle);
  w.end();

  auto irq = [&](uint32_t source) {
    w.u32("interrupt-parent", plic_phandle);
    w.u32("interrupts", source);
  };
  w.begin("serial@" + hex(kUartBase));
  w.prop("compatible", "ns16550a");
  w.reg(kUartBase, kUartSize);
  w.u32("clock-frequency", 3686400);
  irq(kUartIrq);
  w.end();

  w.begin("rtc@" + hex(kRtcBase));
  w.prop("compatible", "google,goldfish-rtc");
  w.reg(kRtcBase, GoldfishRtc::kSize);
  irq(kRtcIrq);
  w.end();

  for (unsigned i = 0; i < virtio_.size(); i++) {
    w.begin("virtio_mmio@" + hex(kVirtioBase + i * 0x1000));
    w.prop("compatible", "virtio,mmio");
    w.reg(kVirtioBase + i * 0x1000, VirtioMmio::kSize);
    irq(kVirtioIrq + i);
    w.end();
  }

  w.begin("test@" + hex(kFinisherBase));
  w.prop("compatible", {"sifive,test1", "sifive,test0", "syscon"});
  w.reg(kFinisherBase, kFinisherSize);
  w.u32("phandle", kTestPhandle);
  w.end();
  w.end();  // soc

  for (auto [node, value] : {std::pair{"poweroff", TestFinisher::kPass}, {"reboot", TestFinisher::kReset}}) {
    w.begin(node);
    w.prop("compatible", std::string("syscon-") + node);
    w.u32("regmap", kTestPhandle);
    w.u32("offset", 0);
    w.u32("value", value);
    w.end();
  }
  w.end();  // root
  return w.finish();
}

void Riscv64Virt::reset() {
  for (auto& slot : harts_) {
    Hart& h = *slot->hart;
    // The instruction count runs on across guest resets, so --max-insns bounds a run
    // that reboots forever.
    const uint64_t retired = h.state().icount;
    h.reset(entry_);
    h.state().icount = retired;
    // What QEMU's reset stub hands to firmware: hart id, device tree, fw_dynamic info.
    h.state().regs[10] = h.hartid();
    h.state().regs[11] = fdt_addr_;
    h.state().regs[12] = kBootRomBase;
    slot->engine->flush();
    slot->waiting = false;
    slot->reservation_valid = false;
    slot->traps_without_progress = 0;
  }
  uart_->reset();
  clint_->reset();
  plic_->reset();
  for (auto& v : virtio_) v->reset();
  clock_.clear_events();
  time_ = 0;
  cur_ = 0;
  clock_.begin_slice(harts_[0]->hart->state().icount, 0);
}

void Riscv64Virt::finish(int code) {
  if (finished_) return;
  finished_ = true;
  exit_code_ = code;
}

ir::Block Riscv64Virt::block_ir(uint64_t pc) {
  return harts_[0]->engine->translate_for_dump(harts_[0]->hart->state(), pc);
}

uint32_t Riscv64Virt::insn_bits_at(uint64_t pc) {
  ir::GuestState& s = cur().hart->state();
  uint64_t saved_cause = s.trap_cause, saved_tval = s.trap_tval;
  uint16_t lo = 0, hi = 0;
  uint32_t bits = 0;
  if (fetch(s, pc, lo)) {
    bits = lo;
    if (riscv::insn_length(lo) == 4) bits = fetch(s, pc + 2, hi) ? (lo | uint32_t(hi) << 16) : 0;
  }
  s.trap_cause = saved_cause, s.trap_tval = saved_tval;
  return bits;
}

bool Riscv64Virt::fault(ir::GuestState& s, uint64_t c, uint64_t tval) {
  s.trap_cause = c;
  s.trap_tval = tval;
  return false;
}

bool Riscv64Virt::translate(ir::GuestState& s, uint64_t vaddr, unsigned size, Access a, uint64_t& phys) {
  riscv::Translation t;
  if (!cur().hart->translate(vaddr, size, a, t)) return false;
  phys = t.phys;
  if (!in_ram(t.phys & ~0xfffull, 4096)) return true;
  const uint64_t vpage = vaddr & ~0xfffull;
  const uintptr_t addend = reinterpret_cast<uintptr_t>(ram_) + ((t.phys & ~0xfffull) - kRamBase) - vpage;
  // Fetches fill only the fetch TLB's exec tag, data accesses only read and write tags:
  // the two may use different TLBs (M-mode with MPRV, S-mode with SUM).
  const uint32_t index = a == Access::Execute ? cur().hart->fetch_tlb() : s.data_tlb;
  ir::TlbEntry& e = cur().hart->tlb_entry_to_fill(index, vaddr);
  const bool same = e.addend == addend && (e.read_tag == vpage || e.write_tag == vpage || e.exec_tag == vpage);
  if (!same) e = ir::TlbEntry{};
  e.addend = addend;
  if (a == Access::Execute) {
    if (t.cache_exec) e.exec_tag = vpage;
  } else {
    if (t.cache_read) e.read_tag = vpage;
    if (t.cache_write && page_flags_[(t.phys - kRamBase) >> 12] == 0) e.write_tag = vpage;
  }
  return true;
}

bool Riscv64Virt::fetch_page(ir::GuestState& s, uint64_t addr, uint64_t& phys) {
  const ir::TlbEntry& e = s.tlb[cur().hart->fetch_tlb()][(addr >> 12) % ir::kTlbEntries];
  if (e.exec_tag == (addr & ~0xfffull)) {
    phys = addr + e.addend - reinterpret_cast<uintptr_t>(ram_) + kRamBase;
    return true;
  }
  if (!translate(s, addr, 2, Access::Execute, phys)) return false;
  if (!in_ram(phys, 2)) return fault(s, cause::kInsnAccess, addr);
  return true;
}

bool Riscv64Virt::fetch(ir::GuestState& s, uint64_t addr, uint16_t& out) {
  uint64_t phys;
  if (!fetch_page(s, addr, phys)) return false;
  std::memcpy(&out, ram_ + (phys - kRamBase), 2);
  return true;
}

bool Riscv64Virt::load(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t& out) {
  if ((addr & 0xfff) + size > 4096) {  // misaligned across a page: byte by byte
    out = 0;
    for (unsigned i = 0; i < size; i++) {
      uint64_t b;
      if (!load(s, addr + i, 1, b)) return false;
      out |= b << (8 * i);
    }
    return true;
  }
  uint64_t phys;
  if (!translate(s, addr, size, Access::Read, phys)) return false;
  if (in_ram(phys, size)) {
    out = 0;
    std::memcpy(&out, ram_ + (phys - kRamBase), size);
    return true;
  }
  if (bus_.read(phys, size, out)) return true;
  return fault(s, cause::kLoadAccess, addr);
}

void Riscv64Virt::htif_store() {
  uint64_t to, from;
  std::memcpy(&to, ram_ + (tohost_ - kRamBase), 8);
  std::memcpy(&from, ram_ + (fromhost_ - kRamBase), 8);
  if (!to) return;
  if (htif_->on_tohost_write(to, to, from)) {
    std::memcpy(ram_ + (tohost_ - kRamBase), &to, 8);
    std::memcpy(ram_ + (fromhost_ - kRamBase), &from, 8);
  }
  if (finished_) cur().hart->state().exit_request = 1;
}

void Riscv64Virt::code_written(uint64_t phys, uint64_t len) {
  uint64_t first = (phys - kRamBase) >> 12, last = (phys + len - 1 - kRamBase) >> 12;
  for (uint64_t pg = first; pg <= last; pg++) {
    if (!(page_flags_[pg] & kCode)) continue;
    // Self-modifying code: drop the translations of the written bytes in every hart and
    // leave the running block after this store. Data sharing a page with code keeps the
    // rest of the page's code: such stores only pay for the slow path.
    const uint64_t page = kRamBase + (pg << 12);
    const uint64_t lo = std::max(phys, page), hi = std::min(phys + len, page + 4096);
    CodeSpan& span = code_span_[pg];
    if (hi - page <= span.lo || lo - page >= span.hi) continue;
    bool dropped = false, code_left = false;
    for (auto& h : harts_) {
      dropped |= h->engine->invalidate(lo, hi - lo);
      code_left |= h->engine->holds_code(page);
    }
    if (!code_left) page_flags_[pg] &= uint8_t(~kCode), span = CodeSpan{};
    if (dropped) cur().hart->state().exit_request = 1;
  }
}

void Riscv64Virt::write_ram(uint64_t phys, const void* src, uint64_t len) {
  code_written(phys, len);
  std::memcpy(ram_ + (phys - kRamBase), src, len);
  for (auto& h : harts_)
    if (h->reservation_valid && phys < h->reservation_addr + 8 && h->reservation_addr < phys + len)
      h->reservation_valid = false;
}

bool Riscv64Virt::store_phys(ir::GuestState& s, uint64_t phys, unsigned size, uint64_t value) {
  if (in_ram(phys, size)) {
    write_ram(phys, &value, size);
    if (has_htif_ && phys < tohost_ + 8 && tohost_ < phys + size) htif_store();
    return true;
  }
  if (bus_.write(phys, size, value)) {
    // A device write may raise an interrupt: the machine looks before the next instruction.
    s.exit_request = 1;
    return true;
  }
  return false;
}

bool Riscv64Virt::store(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t value) {
  if ((addr & 0xfff) + size > 4096) {
    // Across a page: both pages must be writable before any byte changes.
    uint64_t p0, p1;
    if (!translate(s, addr, 1, Access::Write, p0) || !translate(s, addr + size - 1, 1, Access::Write, p1)) return false;
    for (unsigned i = 0; i < size; i++)
      if (!store(s, addr + i, 1, value >> (8 * i))) return false;
    return true;
  }
  uint64_t phys;
  if (!translate(s, addr, size, Access::Write, phys)) return false;
  if (!store_phys(s, phys, size, value)) return fault(s, cause::kStoreAccess, addr);
  return true;
}

bool Riscv64Virt::load_reserved(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t& out) {
  if (addr & (size - 1)) return fault(s, cause::kLoadMisaligned, addr);
  uint64_t phys;
  if (!translate(s, addr, size, Access::Read, phys)) return false;
  if (!in_ram(phys, size)) return fault(s, cause::kLoadAccess, addr);
  out = 0;
  std::memcpy(&out, ram_ + (phys - kRamBase), size);
  cur().reservation_valid = true;
  cur().reservation_addr = phys;
  return true;
}

bool Riscv64Virt::store_cond(ir::GuestState& s, uint64_t addr, unsigned size, uint64_t value, uint64_t& out) {
  if (addr & (size - 1)) return fault(s, cause::kStoreMisaligned, addr);
  uint64_t phys;
  if (!translate(s, addr, size, Access::Write, phys)) return false;
  if (!in_ram(phys, size)) return fault(s, cause::kStoreAccess, addr);
  bool ok = cur().reservation_valid && cur().reservation_addr == phys;
  cur().reservation_valid = false;
  if (!ok) {
    out = 1;
    return true;
  }
  store_phys(s, phys, size, value);
  out = 0;
  return true;
}

bool Riscv64Virt::atomic(ir::GuestState& s, uint64_t addr, unsigned size, ir::AtomicOp op, uint64_t value,
                         uint64_t& old) {
  if (addr & (size - 1)) return fault(s, cause::kStoreMisaligned, addr);
  uint64_t phys;
  if (!translate(s, addr, size, Access::Write, phys)) return false;
  if (!in_ram(phys, size)) return fault(s, cause::kStoreAccess, addr);
  old = 0;
  std::memcpy(&old, ram_ + (phys - kRamBase), size);
  uint64_t a = old, b = value, r = 0;
  if (size == 4) {  // compare 32-bit operands as 32-bit values
    a = uint64_t(int64_t(int32_t(uint32_t(a))));
    b = uint64_t(int64_t(int32_t(uint32_t(b))));
  }
  switch (op) {
    case ir::AtomicOp::Swap: r = value; break;
    case ir::AtomicOp::Add: r = a + b; break;
    case ir::AtomicOp::Xor: r = a ^ b; break;
    case ir::AtomicOp::And: r = a & b; break;
    case ir::AtomicOp::Or: r = a | b; break;
    case ir::AtomicOp::Min: r = int64_t(a) < int64_t(b) ? a : b; break;
    case ir::AtomicOp::Max: r = int64_t(a) > int64_t(b) ? a : b; break;
    case ir::AtomicOp::MinU: r = size == 4 ? (uint32_t(a) < uint32_t(b) ? a : b) : (a < b ? a : b); break;
    case ir::AtomicOp::MaxU: r = size == 4 ? (uint32_t(a) > uint32_t(b) ? a : b) : (a > b ? a : b); break;
  }
  store_phys(s, phys, size, r);
  return true;
}

bool Riscv64Virt::csr(ir::GuestState& s, ir::CsrImm c, uint64_t value, uint64_t& old) {
  riscv::CounterSource k{s.icount, clock_.elapsed(), clint_->mtime()};
  Hart& h = *cur().hart;
  if (!h.csr(c, value, old, k)) {
    s.trap_tval = insn_bits_at(s.pc);
    return false;
  }
  if (h.take_mapping_changed()) cur().engine->flush_virtual();
  return true;
}

bool Riscv64Virt::read(uint64_t addr, void* out, uint64_t len) {
  if (len == 0) return true;
  if (!in_ram(addr, len)) return false;
  std::memcpy(out, ram_ + (addr - kRamBase), len);
  return true;
}

bool Riscv64Virt::write(uint64_t addr, const void* in, uint64_t len) {
  if (len == 0) return true;
  if (!in_ram(addr, len)) return false;
  write_ram(addr, in, len);
  return true;
}

void Riscv64Virt::code_translated(uint64_t phys, uint64_t len) {
  if (len == 0 || !in_ram(phys, 1)) return;
  uint64_t end = std::min(phys + len, kRamBase + cfg_.memory);
  for (uint64_t pg = (phys - kRamBase) >> 12; pg <= (end - 1 - kRamBase) >> 12; pg++) {
    const uint64_t page = kRamBase + (pg << 12);
    CodeSpan& span = code_span_[pg];
    span.lo = uint16_t(std::min<uint64_t>(span.lo, std::max(phys, page) - page));
    span.hi = uint16_t(std::max<uint64_t>(span.hi, std::min(end, page + 4096) - page));
    if (page_flags_[pg] & kCode) continue;
    page_flags_[pg] |= kCode;
    // Stores to this page must now take the slow path, which invalidates the code.
    uintptr_t host_page = reinterpret_cast<uintptr_t>(ram_) + (pg << 12);
    for (auto& h : harts_)
      h->hart->for_each_tlb_entry([&](ir::TlbEntry& e) {
        if (e.write_tag != ir::TlbEntry::kNoTag && e.write_tag + e.addend == host_page)
          e.write_tag = ir::TlbEntry::kNoTag;
      });
  }
}

// For system instructions the engine has already retired: undo that and raise
// illegal-instruction at the instruction instead.
void Riscv64Virt::illegal_after_retire(uint64_t pc) {
  cur().hart->state().icount--;
  cur().hart->take_exception(cause::kIllegal, insn_bits_at(pc), pc);
}

void Riscv64Virt::handle_exit(const ir::ExitInfo& e) {
  HartSlot& slot = cur();
  Hart& h = *slot.hart;
  ir::GuestState& s = h.state();
  switch (e.kind) {
    case ir::ExitKind::Trap: h.take_exception(e.cause, e.tval, e.pc); break;
    case ir::ExitKind::Ecall:
      h.take_exception(h.priv() == riscv::kMachine      ? cause::kEcallM
                       : h.priv() == riscv::kSupervisor ? cause::kEcallS
                                                        : cause::kEcallU,
                       0, e.pc);
      break;
    case ir::ExitKind::Ebreak: h.take_exception(cause::kBreakpoint, e.pc, e.pc); break;
    case ir::ExitKind::Mret:
      if (!h.mret_allowed())
        illegal_after_retire(e.pc);
      else
        s.pc = h.mret();
      break;
    case ir::ExitKind::Sret:
      if (!h.sret_allowed())
        illegal_after_retire(e.pc);
      else
        s.pc = h.sret();
      break;
    case ir::ExitKind::SfenceVma: {
      if (!h.sfence_allowed()) {
        illegal_after_retire(e.pc);
        break;
      }
      uint32_t bits = insn_bits_at(e.pc);
      unsigned rs1 = (bits >> 15) & 31;
      h.sfence_vma(rs1 == 0, s.regs[rs1]);
      if (h.take_mapping_changed()) slot.engine->flush_virtual();
      break;
    }
    case ir::ExitKind::Wfi:
      if (!h.wfi_allowed())
        illegal_after_retire(e.pc);
      else
        slot.waiting = true;
      break;
    // Every store into translated code has already dropped it (see code_written), so
    // fence.i has nothing left to do.
    case ir::ExitKind::FenceI: break;
    case ir::ExitKind::Yield:
    case ir::ExitKind::Budget:
    case ir::ExitKind::None: break;
  }
}

void Riscv64Virt::feed_uart() {
  if (!serial_input_.empty() && !uart_->rx_ready()) {
    uart_->push_rx(serial_input_.front());
    serial_input_.pop_front();
  }
  if (!cfg_.stdin_input) return;
  pollfd pfd{STDIN_FILENO, POLLIN, 0};
  while (!uart_->rx_ready() && poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN)) {
    uint8_t c;
    if (read(STDIN_FILENO, &c, 1) != 1) {
      cfg_.stdin_input = false;
      break;
    }
    uart_->push_rx(c);
  }
}

bool Riscv64Virt::run_slice(uint64_t quantum, bool& ran, RunResult& out) {
  constexpr uint64_t kInputSlice = 100'000;
  constexpr unsigned kMaxTrapsWithoutProgress = 1000;
  HartSlot& slot = cur();
  Hart& h = *slot.hart;
  ir::GuestState& s = h.state();
  const uint64_t slice_end = s.icount + std::min(quantum, UINT64_MAX - s.icount);
  for (;;) {
    clock_.run_due();
    if (finished_ || reset_requested_) return false;
    if (h.take_interrupt(s.pc)) slot.waiting = false;
    if (slot.waiting) {
      if (!h.wake_pending()) return false;
      slot.waiting = false;
    }
    if (s.icount >= slice_end) return false;
    ran = true;
    uint64_t total = instructions();
    if (cfg_.max_insns && total >= cfg_.max_insns) {
      out = {RunResult::Kind::MaxInsns, 0, "stopped after " + std::to_string(total) + " instructions (--max-insns)"};
      return true;
    }
    uint64_t limit = std::min(slice_end, clock_.next_event_insns());
    if (cfg_.max_insns) limit = std::min(limit, s.icount + (cfg_.max_insns - total));
    if (cfg_.stdin_input || !serial_input_.empty()) {
      feed_uart();
      limit = std::min(limit, s.icount + kInputSlice);
    }
    uint64_t before = s.icount;
    ir::ExitInfo e = slot.engine->run(s, std::max(limit, s.icount));
    // A trap whose handler traps again before retiring anything never ends by itself.
    slot.traps_without_progress =
        (e.kind == ir::ExitKind::Trap && s.icount == before) ? slot.traps_without_progress + 1 : 0;
    if (slot.traps_without_progress > kMaxTrapsWithoutProgress) {
      char msg[160];
      std::snprintf(msg, sizeof msg,
                    "the guest makes no progress: exception %llu at pc 0x%llx traps again at once (hart %u)",
                    (unsigned long long)e.cause, (unsigned long long)e.pc, cur_);
      out = {RunResult::Kind::Error, 1, msg};
      return true;
    }
    handle_exit(e);
  }
}

RunResult Riscv64Virt::run() {
  const uint64_t quantum = harts_.size() > 1 ? kQuantum : UINT64_MAX;
  RunResult out;
  for (;;) {
    bool ran = false;
    uint64_t round_end = time_;
    for (cur_ = 0; cur_ < harts_.size(); cur_++) {
      HartSlot& slot = cur();
      clock_.begin_slice(slot.hart->state().icount, time_);
      if (run_slice(quantum, ran, out)) return out;
      round_end = std::max(round_end, clock_.elapsed());
      // Another hart may store into the reserved bytes through the TLB fast path, which
      // does not see reservations: a reservation does not outlive its hart's turn.
      if (harts_.size() > 1) slot.reservation_valid = false;
      if (finished_ || reset_requested_) break;
    }
    cur_ = 0;
    if (finished_) break;
    if (reset_requested_) {
      reset_requested_ = false;
      load_images();
      reset();
      continue;
    }
    time_ = round_end;
    if (!ran) {
      // Every hart waits: jump to the next event.
      uint64_t at;
      if (!clock_.next_event_time(at))
        return {RunResult::Kind::Error, 1,
                "every hart waits for an interrupt (wfi) and no timer or device event can wake it"};
      time_ = std::max(time_, at);
      clock_.begin_slice(harts_[0]->hart->state().icount, time_);
      clock_.run_due();
    }
  }
  std::fflush(stdout);
  return {RunResult::Kind::Exited, exit_code_,
          reset_ended_run_ ? "the guest asked for a reset; stopping (--no-reboot)" : ""};
}

}  // namespace polyemu
