// The polyemu command line.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>

#include "machines/loader.h"
#include "machines/riscv64_virt.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitMaxInsns = 124;
constexpr int kExitGuestHang = 125;

int fail(const std::string& msg, int code = kExitUsage) {
  std::fprintf(stderr, "polyemu: error: %s\n", msg.c_str());
  return code;
}

// "128M", "1G", "65536", "64K" → bytes; throws on anything else.
uint64_t parse_size(const std::string& s) {
  size_t pos = 0;
  unsigned long long v = std::stoull(s, &pos, 0);
  std::string suffix = s.substr(pos);
  uint64_t mul = 1;
  if (suffix == "K" || suffix == "k" || suffix == "KiB")
    mul = 1ull << 10;
  else if (suffix == "M" || suffix == "m" || suffix == "MiB")
    mul = 1ull << 20;
  else if (suffix == "G" || suffix == "g" || suffix == "GiB")
    mul = 1ull << 30;
  else if (!suffix.empty())
    throw std::invalid_argument("bad size suffix");
  if (v > UINT64_MAX / mul) throw std::out_of_range("size too large");
  return v * mul;
}

// "file=IMG,format=raw[,readonly=on][,snapshot=on]" → DriveConfig; throws with a message.
polyemu::DriveConfig parse_drive(const std::string& spec) {
  polyemu::DriveConfig d;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    std::string item = spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? spec.size() + 1 : comma + 1;
    auto eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("'" + item + "' is not key=value");
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    auto on_off = [&] {
      if (value != "on" && value != "off") throw std::invalid_argument(key + " must be on or off");
      return value == "on";
    };
    if (key == "file")
      d.file = value;
    else if (key == "format" && value != "raw")
      throw std::invalid_argument("only format=raw is supported");
    else if (key == "readonly")
      d.read_only = on_off();
    else if (key == "snapshot")
      d.snapshot = on_off();
    else if (key != "format")
      throw std::invalid_argument("unknown key '" + key + "'");
  }
  if (d.file.empty()) throw std::invalid_argument("file= is missing");
  return d;
}

std::string default_rom() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& dir :
       {exe.parent_path() / "roms", exe.parent_path() / ".." / "roms", fs::path(POLYEMU_SOURCE_DIR) / "roms"}) {
    if (fs::exists(dir / "demo.elf", ec)) return (dir / "demo.elf").string();
  }
  return "";
}

}  // namespace

int run_main(int argc, char** argv) {
  CLI::App app{"polyemu: an instruction-level emulator for RISC-V machines"};
  app.set_version_flag("--version", "polyemu 0.1");
  app.require_subcommand(0, 1);

  CLI::App* run = app.add_subcommand("run", "Run a guest program on an emulated machine");
  std::string machine = "riscv64-virt", kernel, memory = "128M", bios, dump_dtb;
  std::vector<std::string> loads, drives;
  uint64_t max_insns = 0;
  polyemu::MachineConfig cfg;
  bool trace = false, dump_ir = false, stats = false, check_ir = false, dump_regs = false;
  run->add_option("--machine,-M", machine, "Board to emulate")->check(CLI::IsMember({"riscv64-virt"}));
  run->add_option("--kernel,-k", kernel,
                  "With --bios: the S-mode payload (ELF, or raw at 0x80200000). Without: the program to run "
                  "(default: the bundled demo)");
  run->add_option("--bios", bios,
                  "Firmware started at 0x80000000 (ELF or raw), e.g. OpenSBI's fw_jump.elf; "
                  "'none' for no firmware (the default)");
  run->add_option("--initrd", cfg.initrd, "Initial ramdisk for the kernel");
  run->add_option("--append", cfg.append, "Kernel command line");
  run->add_option("--dtb", cfg.dtb, "Device tree blob to pass instead of the generated one");
  run->add_option("--dump-dtb", dump_dtb, "Write the generated device tree to FILE and exit");
  run->add_option("--smp", cfg.smp, "Number of harts (1-8)");
  run->add_flag("--no-reboot", cfg.no_reboot, "End the run (exit 0) when the guest asks for a reset");
  run->add_option("--serial-input", cfg.serial_input,
                  "File whose bytes are typed into the UART, one whenever its receiver is empty");
  run->add_option("--drive", drives,
                  "virtio-blk disk: file=IMG,format=raw[,readonly=on][,snapshot=on] (repeatable, up to 8)");
  run->add_option("--memory,-m", memory, "RAM size, e.g. 128M or 1G");
  run->add_option("--load", loads, "Raw binary to copy into RAM: FILE@ADDR (boots at the first one without --kernel)");
  run->add_option("--max-insns", max_insns, "Stop after N instructions (exit code 124)");
  std::string jit_cache_size = "64M";
  run->add_option("--engine", cfg.engine,
                  "Execution engine: jit (default; the interpreter runs cold code, LLVM compiles hot code in the "
                  "background) or interp")
      ->check(CLI::IsMember({"interp", "jit"}));
  run->add_option("--jit-cache-size", jit_cache_size, "Native code kept by the JIT, e.g. 64M (oldest freed first)");
  run->add_option("--jit-threshold", cfg.jit.threshold, "Interpreted runs of a block before the JIT compiles it")
      ->check(CLI::Range(1u, 1u << 30));
  run->add_option("--jit-optimize-after", cfg.jit.optimize_after,
                  "Instructions run in a region's quickly compiled code before LLVM optimizes it, if they were at "
                  "least 1/64 of all since (0: compile hot code optimized at once)")
      ->check(CLI::Range(uint64_t(0), uint64_t(1) << 40));
  run->add_flag("--jit-sync", cfg.jit.sync, "Compile hot code at once on the guest thread (testing, debugging)");
  run->add_flag("--trace", trace, "Print every executed instruction to stderr");
  run->add_flag("--dump-ir", dump_ir, "Print the IR of every translated block to stderr");
  run->add_flag("--stats", stats, "Print instruction count, blocks translated and speed to stderr");
  run->add_flag("--check-ir", check_ir, "Verify the IR of every block (slower)");
  run->add_flag("--dump-regs", dump_regs, "Print every hart's pc and registers to stderr when the run ends");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::string what = e.what();
    if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
    return fail(what + " (see polyemu run --help)");
  }
  if (!run->parsed()) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }

  try {
    cfg.memory = parse_size(memory);
  } catch (const std::exception&) {
    return fail("invalid --memory '" + memory + "' (use e.g. 128M or 1G)");
  }
  try {
    cfg.jit.cache_size = parse_size(jit_cache_size);
  } catch (const std::exception&) {
    return fail("invalid --jit-cache-size '" + jit_cache_size + "' (use e.g. 64M)");
  }
  for (const std::string& l : loads) {
    auto at = l.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 == l.size())
      return fail("invalid --load '" + l + "' (expected FILE@ADDR)");
    try {
      size_t pos = 0;
      uint64_t addr = std::stoull(l.substr(at + 1), &pos, 0);
      if (pos != l.size() - at - 1) throw std::invalid_argument("trailing characters");
      cfg.raw_loads.push_back({l.substr(0, at), addr});
    } catch (const std::exception&) {
      return fail("invalid address in --load '" + l + "'");
    }
  }
  for (const std::string& d : drives) {
    try {
      cfg.drives.push_back(parse_drive(d));
    } catch (const std::invalid_argument& e) {
      return fail("invalid --drive '" + d + "': " + e.what());
    }
  }
  if (bios != "none") cfg.bios = bios;
  if (kernel.empty() && cfg.raw_loads.empty() && cfg.bios.empty()) {
    kernel = default_rom();
    if (kernel.empty()) return fail("no --kernel given and the bundled demo (roms/demo.elf) was not found");
  }
  cfg.kernel = kernel;
  cfg.max_insns = max_insns;
  cfg.trace = trace;
  cfg.dump_ir = dump_ir;
  cfg.check_ir = check_ir;
  cfg.stdin_input = isatty(STDIN_FILENO);

  try {
    polyemu::Riscv64Virt vm(cfg);
    if (!dump_dtb.empty()) {
      const std::vector<uint8_t>& dt = vm.device_tree();
      FILE* f = std::fopen(dump_dtb.c_str(), "wb");
      if (!f) return fail("cannot write " + dump_dtb + ": " + std::strerror(errno));
      bool ok = std::fwrite(dt.data(), 1, dt.size(), f) == dt.size();
      ok = std::fclose(f) == 0 && ok;
      if (!ok) return fail("cannot write " + dump_dtb + ": " + std::strerror(errno));
      return 0;
    }
    auto t0 = std::chrono::steady_clock::now();
    polyemu::RunResult r = vm.run();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    timespec cpu{};  // of this thread, which runs the guest (LLVM compiles on its own)
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    std::fflush(stdout);
    if (stats) {
      uint64_t n = vm.instructions();
      std::fprintf(stderr, "polyemu: instructions %llu\n", (unsigned long long)n);
      const polyemu::ir::EngineStats es = vm.engine_stats();
      std::fprintf(stderr, "polyemu: blocks translated %llu\n", (unsigned long long)es.blocks_translated);
      if (cfg.engine == "jit") {
        std::fprintf(stderr, "polyemu: jit regions compiled %llu\n", (unsigned long long)es.regions_compiled);
        std::fprintf(stderr, "polyemu: jit regions optimized %llu\n", (unsigned long long)es.regions_optimized);
        std::fprintf(stderr, "polyemu: jit regions freed %llu\n", (unsigned long long)es.regions_freed);
        std::fprintf(stderr, "polyemu: jit llvm seconds %.3f\n", es.compile_seconds);
        std::fprintf(stderr, "polyemu: jit code cache bytes %llu\n", (unsigned long long)es.code_bytes);
        std::fprintf(stderr, "polyemu: jit native share %.1f%%\n", n ? 100.0 * es.native_insns / n : 0.0);
        std::fprintf(stderr, "polyemu: jit entries from the dispatcher %llu\n", (unsigned long long)es.native_entries);
        std::fprintf(stderr, "polyemu: jit entries that ran nothing %llu\n", (unsigned long long)es.native_idle);
      }
      std::fprintf(stderr, "polyemu: seconds %.3f\n", secs);
      std::fprintf(stderr, "polyemu: guest thread cpu seconds %.3f\n", double(cpu.tv_sec) + cpu.tv_nsec * 1e-9);
      std::fprintf(stderr, "polyemu: mips %.1f\n", secs > 0 ? n / secs / 1e6 : 0.0);
    }
    if (dump_regs) {
      for (unsigned h = 0; h < vm.num_harts(); h++) {
        const polyemu::ir::GuestState& s = vm.hart(h).state();
        std::fprintf(stderr, "polyemu: hart %u pc %016llx icount %llu fcsr %llx\n", h, (unsigned long long)s.pc,
                     (unsigned long long)s.icount, (unsigned long long)s.fcsr);
        for (unsigned i = 0; i < polyemu::ir::kNumRegs; i += 4)
          std::fprintf(stderr, "polyemu: hart %u %c%-2u %016llx %016llx %016llx %016llx\n", h, i < 32 ? 'x' : 'f',
                       i % 32, (unsigned long long)s.regs[i], (unsigned long long)s.regs[i + 1],
                       (unsigned long long)s.regs[i + 2], (unsigned long long)s.regs[i + 3]);
      }
    }
    switch (r.kind) {
      case polyemu::RunResult::Kind::Exited:
        if (!r.message.empty()) std::fprintf(stderr, "polyemu: %s\n", r.message.c_str());
        return r.exit_code;
      case polyemu::RunResult::Kind::MaxInsns:
        std::fprintf(stderr, "polyemu: %s\n", r.message.c_str());
        return kExitMaxInsns;
      case polyemu::RunResult::Kind::Error: return fail(r.message, kExitGuestHang);
    }
  } catch (const polyemu::LoadError& e) {
    return fail(e.what());
  } catch (const std::invalid_argument& e) {
    return fail(e.what());
  }
  return 0;
}

int main(int argc, char** argv) {
  int code = run_main(argc, argv);
  // The machine is gone (disks flushed and closed); only the JIT's compile thread may still
  // be busy with code nobody will run. Leave without waiting for it.
  std::fflush(nullptr);
  _exit(code);
}
