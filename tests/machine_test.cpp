// Machine-level tests: hart state round trip, bus rules, loader errors, self-modifying
// code and virtual time, using small programs given as raw encodings.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "machines/bus.h"
#include "machines/devices/test_finisher.h"
#include "machines/loader.h"
#include "machines/riscv64_virt.h"

using namespace polyemu;

namespace {

std::string write_temp(const void* data, size_t n) {
  char path[] = "/tmp/polyemu_test_XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, data, n), ssize_t(n));
  close(fd);
  return path;
}

struct Program {
  std::string path;
  explicit Program(const std::vector<uint32_t>& words) : path(write_temp(words.data(), words.size() * 4)) {}
  ~Program() { unlink(path.c_str()); }
};

MachineConfig config_for(const Program& p, uint64_t max_insns) {
  MachineConfig cfg;
  cfg.memory = 1 << 20;
  cfg.raw_loads.push_back({p.path, 0x80000000});
  cfg.max_insns = max_insns;
  cfg.check_ir = true;
  cfg.console = [](uint8_t) {};
  return cfg;
}

}  // namespace

TEST(Hart, SaveLoadRoundTrip) {
  Program p({0x34011073,    // csrrw x0, mscratch, x2
             0x00150513,    // addi a0, a0, 1
             0xffdff06f});  // j -4
  Riscv64Virt vm(config_for(p, 101));
  vm.hart().state().regs[2] = 0xabcdef;
  vm.run();
  Writer w;
  vm.hart().save(w);
  riscv::Hart other(0, riscv::PhysRam{});
  Reader r(w.data());
  other.load(r);
  EXPECT_EQ(other.state().regs[10], 50u);
  EXPECT_EQ(other.state().pc, vm.hart().state().pc);
  EXPECT_EQ(other.state().icount, 101u);
  Writer w2;
  other.save(w2);
  EXPECT_EQ(w.data(), w2.data());
  for (size_t n = 0; n < w.data().size(); n++) {
    Reader t(w.data().data(), n);
    riscv::Hart h(0, riscv::PhysRam{});
    EXPECT_THROW(h.load(t), StateError) << n;
  }
}

// Flushes clear the TLB entries the machine filled, through the hart's log of them while
// it is short and the whole TLBs once it has overflowed; the M-mode TLB stays unless PMP
// changed.
TEST(Hart, FlushEmptiesEveryFilledTlbEntryFewOrMany) {
  using ir::TlbEntry;
  for (unsigned filled : {3u, ir::kTlbEntries}) {
    riscv::Hart h(0, riscv::PhysRam{});
    auto fill = [&](uint32_t tlb, uint64_t vaddr) {
      TlbEntry& e = h.tlb_entry_to_fill(tlb, vaddr);
      e.read_tag = e.write_tag = vaddr & ~0xfffull;
      e.addend = 1;
    };
    for (unsigned i = 0; i < filled; i++) fill(riscv::kTlbSupervisor, 0x40000000 + i * 0x1000ull);
    fill(riscv::kTlbUser, 0x10000);
    fill(riscv::kTlbMachine, 0x80000000);
    unsigned seen = 0;
    h.for_each_tlb_entry([&](TlbEntry& e) { seen += e.read_tag != TlbEntry::kNoTag; });
    EXPECT_EQ(seen, filled + 2) << filled;

    h.sfence_vma(true, 0);
    auto valid = [&](uint32_t tlb) {
      unsigned n = 0;
      for (const TlbEntry& e : h.state().tlb[tlb])
        n += e.read_tag != TlbEntry::kNoTag || e.write_tag != TlbEntry::kNoTag;
      return n;
    };
    EXPECT_EQ(valid(riscv::kTlbSupervisor), 0u) << filled;
    EXPECT_EQ(valid(riscv::kTlbUser), 0u) << filled;
    EXPECT_EQ(valid(riscv::kTlbMachine), 1u) << filled;
    // Refilled after the flush, an entry is flushed again.
    fill(riscv::kTlbSupervisor, 0x40000000);
    h.sfence_vma(true, 0);
    EXPECT_EQ(valid(riscv::kTlbSupervisor), 0u) << filled;
  }
}

// A page fenced by address and refilled again and again stays one entry of the fill log:
// flushes keep visiting only what was filled rather than the whole TLB.
TEST(Hart, RefillAfterAnAddressFenceIsLoggedOnce) {
  using ir::TlbEntry;
  riscv::Hart h(0, riscv::PhysRam{});
  for (unsigned i = 0; i < 2 * ir::kTlbEntries; i++) {
    TlbEntry& e = h.tlb_entry_to_fill(riscv::kTlbSupervisor, 0x40000000);
    e.read_tag = 0x40000000;
    e.addend = 1;
    h.sfence_vma(false, 0x40000000);
    EXPECT_EQ(e.read_tag, TlbEntry::kNoTag);
  }
  h.tlb_entry_to_fill(riscv::kTlbSupervisor, 0x40000000).read_tag = 0x40000000;
  unsigned visited = 0;
  h.for_each_tlb_entry(riscv::kTlbSupervisor, [&](TlbEntry&) { visited++; });
  EXPECT_EQ(visited, 1u);
}

// kModeFlatReads: M-mode data reads need no check while no PMP entry is programmed; any
// programmed entry, data accesses at another privilege (MPRV) or no RAM take it away.
TEST(Hart, FlatReadsOnlyForUncheckedMachineModeReads) {
  std::vector<uint8_t> ram(1 << 16);
  riscv::Hart h(0, riscv::PhysRam{ram.data(), 0x80000000, ram.size()});
  const riscv::CounterSource counters{0, 0, 0};
  auto write = [&](uint16_t csr, uint64_t v) {
    uint64_t old;
    EXPECT_TRUE(h.csr(ir::CsrImm{csr, ir::CsrOp::Write, true, true}, v, old, counters)) << csr;
  };
  auto flat = [&] { return (h.state().mode & ir::kModeFlatReads) != 0; };
  EXPECT_EQ(h.state().ram.base, 0x80000000u);
  EXPECT_EQ(h.state().ram.size, ram.size());
  EXPECT_EQ(h.state().ram.host, reinterpret_cast<uintptr_t>(ram.data()));
  EXPECT_TRUE(flat());
  write(0x3B0, 0x20004000);  // pmpaddr0
  write(0x3A0, 0x08);        // pmpcfg0: TOR, unlocked, no access
  EXPECT_FALSE(flat());
  write(0x3A0, 0);
  EXPECT_TRUE(flat());
  write(0x300, 3ull << 11 | 1ull << 17);  // mstatus: MPP = M, MPRV
  EXPECT_TRUE(flat());
  write(0x300, 1ull << 17);  // MPP = U: data reads are U-mode's
  EXPECT_FALSE(flat());
  write(0x300, 0);
  EXPECT_TRUE(flat());
  riscv::Hart no_ram(0, riscv::PhysRam{});
  EXPECT_FALSE(no_ram.state().mode & ir::kModeFlatReads);
}

TEST(Bus, RejectsOverlappingRanges) {
  Bus bus;
  TestFinisher a([](FinisherEvent, uint32_t) {}), b([](FinisherEvent, uint32_t) {});
  bus.set_ram(0x80000000, 0x1000);
  bus.map(0x100000, 0x1000, &a);
  EXPECT_THROW(bus.map(0x100800, 0x1000, &b), std::invalid_argument);
  EXPECT_THROW(bus.map(0x80000800, 0x10, &b), std::invalid_argument);
  EXPECT_NO_THROW(bus.map(0x101000, 0x1000, &b));
  uint64_t v;
  EXPECT_FALSE(bus.read(0x200000, 4, v));
}

TEST(Loader, RejectsBadFiles) {
  uint8_t ram[4096];
  GuestRam g{ram, 0x80000000, sizeof ram};
  const char junk[] = "this is not an elf file at all";
  std::string p = write_temp(junk, sizeof junk);
  EXPECT_THROW(load_elf(p, 243, g), LoadError);
  EXPECT_THROW(load_elf("/nonexistent/file", 243, g), LoadError);
  try {
    load_elf("/bin/sh", 243, g);  // an x86-64 ELF
    FAIL();
  } catch (const LoadError& e) {
    EXPECT_NE(std::string(e.what()).find("machine"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_raw(p, 0x80000ff0, g), LoadError);  // does not fit
  EXPECT_EQ(load_raw(p, 0x80000000, g), sizeof junk);
  unlink(p.c_str());
}

TEST(Loader, RejectsTruncatedAndOutOfRamElf) {
  std::ifstream in(POLYEMU_BINARY_DIR "/firmware/exit42.elf", std::ios::binary);
  if (!in) GTEST_SKIP() << "firmware not built (riscv64-unknown-elf-gcc missing)";
  std::vector<char> elf((std::istreambuf_iterator<char>(in)), {});
  std::vector<uint8_t> ram(128 << 20);
  GuestRam g{ram.data(), 0x80000000, ram.size()};
  EXPECT_NO_THROW(load_elf(POLYEMU_BINARY_DIR "/firmware/exit42.elf", 243, g));
  for (size_t cut : {size_t(10), size_t(64), elf.size() / 2}) {
    std::string p = write_temp(elf.data(), cut);
    EXPECT_THROW(load_elf(p, 243, g), LoadError) << cut;
    unlink(p.c_str());
  }
  GuestRam small{ram.data(), 0x80000000, 4096};
  EXPECT_THROW(load_elf(POLYEMU_BINARY_DIR "/firmware/exit42.elf", 243, small), LoadError);
}

TEST(Machine, SelfModifyingCodeIsSeen) {
  // Overwrites the instruction at label `patch` (addi a0,a0,1) with addi a0,a0,100
  // (0x06450513), then runs it.
  std::vector<uint32_t> words = {0x00000297,   // auipc t0, 0
                                 0x01428293,   // addi t0, t0, 20 (t0 = patch)
                                 0x06450337,   // lui t1, 0x6450
                                 0x51330313,   // addi t1, t1, 0x513  (t1 = 0x06450513)
                                 0x0062a023,   // sw t1, 0(t0)
                                 0x00150513};  // patch: addi a0, a0, 1
  Program q(words);
  for (int pass = 0; pass < 2; pass++) {
    // Pass 0 translates as it runs; pass 1 translates the block beforehand, so the store
    // has to drop a cached translation.
    Riscv64Virt vm(config_for(q, 6));
    if (pass == 1) vm.block_ir(0x80000000);
    vm.run();
    EXPECT_EQ(vm.hart().state().regs[10], 100u) << pass;
  }
}

TEST(Machine, TimeFollowsInstructions) {
  // Reads mtime from the CLINT after a loop of known length.
  Program p({0x0200c2b7,    // lui t0, 0x200c      (CLINT + 0xc000)
             0x3e800313,    // li t1, 1000
             0xfff30313,    // loop: addi t1, t1, -1
             0xfe031ee3,    // bnez t1, loop
             0xff82b503});  // ld a0, -8(t0)      (mtime at 0x200bff8)
  Riscv64Virt vm(config_for(p, 2003));
  vm.run();
  // 2002 instructions retired before the load: 200 ticks at 10 instructions per tick.
  EXPECT_EQ(vm.hart().state().regs[10], 200u);
}

TEST(Machine, MaxInsnsStopsExactly) {
  Program p({0x00150513, 0xffdff06f});  // addi a0,a0,1; j -4
  Riscv64Virt vm(config_for(p, 1001));
  RunResult r = vm.run();
  EXPECT_EQ(r.kind, RunResult::Kind::MaxInsns);
  EXPECT_EQ(vm.instructions(), 1001u);
  EXPECT_EQ(vm.hart().state().regs[10], 501u);
}

TEST(Machine, TrapLoopWithoutProgressIsReported) {
  // mtvec is 0 at reset: the jump to an unmapped address faults, and so does the handler.
  Program p({0x00000067});  // jalr x0, 0(x0)
  Riscv64Virt vm(config_for(p, 0));
  RunResult r = vm.run();
  EXPECT_EQ(r.kind, RunResult::Kind::Error);
  EXPECT_NE(r.message.find("no progress"), std::string::npos) << r.message;
}

TEST(Machine, WfiWithTimerBeyondTheEndOfTimeIsReported) {
  // Sets mtimecmp to 2^62 ticks, which no instruction count reaches, and waits.
  Program p({0x020042b7,    // lui t0, 0x2004      (mtimecmp)
             0x00100313,    // li t1, 1
             0x03e31313,    // slli t1, t1, 62
             0x0062b023,    // sd t1, 0(t0)
             0x10500073});  // wfi
  Riscv64Virt vm(config_for(p, 0));
  RunResult r = vm.run();
  EXPECT_EQ(r.kind, RunResult::Kind::Error);
  EXPECT_NE(r.message.find("wfi"), std::string::npos) << r.message;
}

TEST(Machine, ResetRequestReloadsOrEndsTheRun) {
  // Asks the SiFive test device for a reset, as Linux's reboot does through OpenSBI.
  Program p({0x000075b7,    // lui a1, 0x7
             0x77758593,    // addi a1, a1, 0x777 (a1 = 0x7777)
             0x00100537,    // lui a0, 0x100      (the test device)
             0x00b52023,    // sw a1, 0(a0)
             0x0000006f});  // j .
  MachineConfig cfg = config_for(p, 1000);
  {
    // The machine reloads and starts again; the instruction count (and so --max-insns)
    // carries on across resets.
    Riscv64Virt vm(cfg);
    RunResult r = vm.run();
    EXPECT_EQ(r.kind, RunResult::Kind::MaxInsns);
    EXPECT_EQ(vm.instructions(), 1000u);
    EXPECT_EQ(vm.hart().state().pc, 0x80000000u + 4 * (1000 % 4));
  }
  cfg.no_reboot = true;
  Riscv64Virt vm(cfg);
  RunResult r = vm.run();
  EXPECT_EQ(r.kind, RunResult::Kind::Exited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.message.find("--no-reboot"), std::string::npos);
  EXPECT_EQ(vm.instructions(), 4u);  // the sw retired; nothing ran after it
}

namespace {

// The engines a machine test runs under: the interpreter, and the JIT compiling every
// block at its first run (optimized at once) or after a few runs (so code runs
// interpreted, then natively: quick code, and once with the quick code replaced by
// optimized code after a few instructions).
std::vector<std::pair<std::string, MachineConfig>> engine_configs(MachineConfig base) {
  std::vector<std::pair<std::string, MachineConfig>> out;
  base.engine = "interp";
  out.push_back({"interp", base});
  base.engine = "jit";
  base.jit.sync = true;
  base.jit.threshold = 1;
  base.jit.optimize_after = 0;
  out.push_back({"jit threshold 1, optimized at once", base});
  base.jit.threshold = 5;
  base.jit.optimize_after = jit::Options{}.optimize_after;
  out.push_back({"jit threshold 5", base});
  base.jit.optimize_after = 3;
  out.push_back({"jit threshold 5, optimized after 3 instructions", base});
  return out;
}

}  // namespace

TEST(Machine, SelfModifyingCodeInAHotLoopIsSeenByEveryEngine) {
  // A loop of 100 iterations adds 1 to a0 until, in iteration 51, it overwrites that addi
  // (in its own block) with addi a0,a0,100: a0 = 50 + 50 * 100.
  Program p({0x00000513,    // li a0, 0
             0x06400393,    // li t2, 100
             0x03200e13,    // li t3, 50
             0x00000297,    // auipc t0, 0
             0x01828293,    // addi t0, t0, 24     (t0 = patch)
             0x06450337,    // lui t1, 0x6450
             0x5133031b,    // addiw t1, t1, 0x513 (t1 = addi a0,a0,100)
             0x01c39463,    // loop: bne t2, t3, patch
             0x0062a023,    // sw t1, 0(t0)
             0x00150513,    // patch: addi a0, a0, 1
             0xfff38393,    // addi t2, t2, -1
             0xfe0398e3});  // bnez t2, loop
  for (auto& [name, cfg] : engine_configs(config_for(p, 7 + 100 * 4 + 1))) {
    Riscv64Virt vm(cfg);
    vm.run();
    EXPECT_EQ(vm.hart().state().regs[10], 5050u) << name;
    EXPECT_EQ(vm.instructions(), 408u) << name;
    if (cfg.engine == "jit") {
      EXPECT_GT(vm.engine_stats().native_insns, 100u) << name;
      EXPECT_GE(vm.engine_stats().regions_freed, 1u) << name << ": the store must drop the compiled loop";
    }
  }
}

TEST(Machine, AnIndirectCallSeesItsTargetRewritten) {
  // The same jalr calls a function twice; between the calls the function's addi a0,a0,1
  // is overwritten with addi a0,a0,100: a0 = 1 + 100. The second call must not reuse the
  // block the first one went to (the interpreter remembers indirect targets).
  std::vector<uint32_t> words = {0x00000417,   // auipc s0, 0
                                 0x04040413,   // addi s0, s0, 64   (s0 = func)
                                 0x00200493,   // li s1, 2
                                 0x000400e7,   // loop: jalr ra, 0(s0)
                                 0x06450337,   // lui t1, 0x6450
                                 0x51330313,   // addi t1, t1, 0x513 (t1 = addi a0,a0,100)
                                 0x00642023,   // sw t1, 0(s0)
                                 0xfff48493,   // addi s1, s1, -1
                                 0xfe0496e3,   // bnez s1, loop
                                 0x00100073};  // ebreak (not reached)
  words.resize(16, 0);
  words.push_back(0x00150513);  // func: addi a0, a0, 1
  words.push_back(0x00008067);  // ret
  Program p(words);
  for (auto& [name, cfg] : engine_configs(config_for(p, 3 + 2 * 8))) {
    Riscv64Virt vm(cfg);
    vm.run();
    EXPECT_EQ(vm.hart().state().regs[10], 101u) << name;
    EXPECT_EQ(vm.hart().state().pc, 0x80000024u) << name;
  }
}

TEST(Machine, StoresToDataOnACodePageKeepTheCodeAndStoresIntoItStillDropIt) {
  // Every iteration stores to a word at 0x400, on the page of the loop's code. From
  // iteration 61 on, the loop calls f at 0x800 (code the page gets only then); in
  // iteration 81 it overwrites f's addi a0,a0,1 with addi a0,a0,100: a0 = 20 + 20 * 100.
  std::vector<uint32_t> words = {0x00000513,   // li a0, 0
                                 0x06400393,   // li t2, 100
                                 0x01400e13,   // li t3, 20
                                 0x02800f13,   // li t5, 40
                                 0x00000297,   // auipc t0, 0
                                 0x7f028293,   // addi t0, t0, 0x7f0     (t0 = f)
                                 0x06450337,   // lui t1, 0x6450
                                 0x5133031b,   // addiw t1, t1, 0x513    (t1 = addi a0,a0,100)
                                 0xc0028e93,   // addi t4, t0, -0x400    (t4 = the data word)
                                 0x007ea023,   // loop: sw t2, 0(t4)
                                 0x007f4863,   // blt t5, t2, skip
                                 0x01c39463,   // bne t2, t3, call
                                 0x0062a023,   // sw t1, 0(t0)
                                 0x7cc000ef,   // call: jal ra, f
                                 0xfff38393,   // skip: addi t2, t2, -1
                                 0xfe0394e3,   // bnez t2, loop
                                 0x0000006f};  // j .
  words.resize(0x800 / 4, 0x00000013);         // nop
  words.push_back(0x00150513);                 // f: addi a0, a0, 1
  words.push_back(0x00008067);                 // ret
  Program p(words);
  for (auto& [name, cfg] : engine_configs(config_for(p, 9 + 60 * 4 + 40 * 8 + 1))) {
    Riscv64Virt vm(cfg);
    vm.run();
    EXPECT_EQ(vm.hart().state().regs[10], 2020u) << name;
    EXPECT_EQ(vm.instructions(), 570u) << name;
  }
}

TEST(Machine, CompiledRegionsChainWithoutTheDispatcher) {
  // A loop calling a function: with every block its own region (threshold 1), the call is a
  // direct link, the return goes through the indirect-jump table and the back edge is a
  // direct link again, so after the first iterations the dispatcher is not entered.
  Program p({0x00000513,    // li a0, 0
             0x06400393,    // li t2, 100
             0x010000ef,    // loop: jal ra, f
             0xfff38393,    // addi t2, t2, -1
             0xfe039ce3,    // bnez t2, loop
             0x0000006f,    // j .
             0x00350513,    // f: addi a0, a0, 3
             0x00008067});  // ret
  for (auto& [name, cfg] : engine_configs(config_for(p, 2 + 100 * 5 + 10))) {
    Riscv64Virt vm(cfg);
    vm.run();
    EXPECT_EQ(vm.hart().state().regs[10], 300u) << name;
    EXPECT_EQ(vm.instructions(), 512u) << name;
    if (cfg.engine == "jit" && cfg.jit.threshold == 1) {
      EXPECT_GT(vm.engine_stats().native_insns, 450u) << name;
      EXPECT_LT(vm.engine_stats().native_entries, 20u) << name << ": chained regions must not return to the dispatcher";
    }
  }
}

TEST(Machine, OptimizedCodeReplacesQuickCodeOfAHotLoop) {
  // The loop's region is compiled quickly at its 5th run and runs 3 instructions of quick
  // code; the optimized copy then runs the rest. Every engine ends the same way.
  Program p({0x00000513,    // li a0, 0
             0x3e800393,    // li t2, 1000
             0x00350513,    // loop: addi a0, a0, 3
             0xfff38393,    // addi t2, t2, -1
             0xfe039ce3,    // bnez t2, loop
             0x0000006f});  // j .
  for (auto& [name, cfg] : engine_configs(config_for(p, 2 + 1000 * 3 + 5))) {
    Riscv64Virt vm(cfg);
    vm.run();
    EXPECT_EQ(vm.hart().state().regs[10], 3000u) << name;
    EXPECT_EQ(vm.instructions(), 3007u) << name;
    if (cfg.engine != "jit") continue;
    const ir::EngineStats st = vm.engine_stats();
    EXPECT_GT(st.native_insns, 2900u) << name;
    EXPECT_EQ(st.regions_optimized, cfg.jit.optimize_after == 3 ? 1u : 0u) << name;
    EXPECT_EQ(st.regions_freed, 0u) << name << ": the quick code is replaced, not freed";
  }
}

// M-mode reads with no PMP entry programmed skip the TLB in compiled code
// (ir::kModeFlatReads); a locked PMP entry must stop them again. A loop reads a word 100
// times, the program then locks a no-access entry over that word's page and runs the same
// loop again: its first read traps with a load access fault, in every engine.
TEST(Machine, LockedPmpEntryStopsReadsOfAnEarlierHotLoop) {
  Program p({0x00000e97,    // auipc t4, 0
             0x054e8e93,    // addi t4, t4, 84    (t4 = handler)
             0x305e9073,    // csrw mtvec, t4
             0x00000513,    // li a0, 0
             0x00010297,    // auipc t0, 0x10     (t0 = 0x80010010)
             0x00700313,    // li t1, 7
             0x0062a023,    // sw t1, 0(t0)
             0x020000ef,    // jal readloop
             0x0022de13,    // srli t3, t0, 2
             0x1ffe6e13,    // ori t3, t3, 0x1ff  (NAPOT: the 4 KiB page at 0x80010000)
             0x3b0e1073,    // csrw pmpaddr0, t3
             0x09800e13,    // li t3, 0x98        (locked, NAPOT, no access)
             0x3a0e1073,    // csrw pmpcfg0, t3
             0x008000ef,    // jal readloop
             0x0000006f,    // j .
             0x06400393,    // readloop: li t2, 100
             0x0002a303,    // 1: lw t1, 0(t0)
             0x00650533,    // add a0, a0, t1
             0xfff38393,    // addi t2, t2, -1
             0xfe039ae3,    // bnez t2, 1b
             0x00008067,    // ret
             0x342025f3,    // handler: csrr a1, mcause
             0x34102673,    // csrr a2, mepc
             0x0000006f});  // j .
  // 8 + 402 (first call) + 6 + 1 (li t2) + 2 (handler), then 5 of the last j .
  for (auto& [name, cfg] : engine_configs(config_for(p, 424))) {
    Riscv64Virt vm(cfg);
    vm.run();
    const ir::GuestState& s = vm.hart().state();
    EXPECT_EQ(s.regs[10], 700u) << name;
    EXPECT_EQ(s.regs[11], 5u) << name << ": load access fault";
    EXPECT_EQ(s.regs[12], 0x80000040u) << name;
    EXPECT_EQ(vm.instructions(), 424u) << name;
    if (cfg.engine == "jit" && cfg.jit.threshold == 1) {
      EXPECT_GT(vm.engine_stats().native_insns, 300u) << name;
    }
  }
}

// Whether nothing is mapped in the host range [addr, addr + size).
static bool host_range_free(uint64_t addr, uint64_t size) {
  void* p = mmap(reinterpret_cast<void*>(addr), size, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) return false;
  munmap(p, size);
  return reinterpret_cast<uintptr_t>(p) == addr;
}

TEST(Machine, RamSitsAtItsGuestAddressWhenThatIsFreeAndRunsTheSameElsewhere) {
  // A hot loop reads a word 100 times straight from RAM (M-mode, no PMP): the JIT's flat
  // reads, whose host address is the guest's plus the offset of the RAM mapping.
  Program p({0x00000513,    // li a0, 0
             0x00010297,    // auipc t0, 0x10     (t0 = 0x80010004)
             0x00700313,    // li t1, 7
             0x0062a023,    // sw t1, 0(t0)
             0x06400393,    // li t2, 100
             0x0002a303,    // 1: lw t1, 0(t0)
             0x00650533,    // add a0, a0, t1
             0xfff38393,    // addi t2, t2, -1
             0xfe039ae3,    // bnez t2, 1b
             0x0000006f});  // j .
  for (auto& [name, cfg] : engine_configs(config_for(p, 5 + 400 + 1))) {
    // The first machine gets the host range at its guest RAM's address when it is free
    // (not under AddressSanitizer, whose shadow memory holds it: then both machines run
    // with an offset); the second, made while the first holds it, goes wherever the host
    // puts it.
    const bool free = host_range_free(0x80000000, cfg.memory);
    if (!free) std::printf("note: the host range at 0x80000000 is taken: RAM at its guest address is not tested\n");
    Riscv64Virt first(cfg), second(cfg);
    if (free) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(first.ram()), 0x80000000u) << name;
    }
    EXPECT_NE(reinterpret_cast<uintptr_t>(second.ram()), 0x80000000u) << name;
    EXPECT_NE(first.ram(), second.ram()) << name;
    for (Riscv64Virt* vm : {&first, &second}) {
      vm->run();
      EXPECT_EQ(vm->hart().state().regs[10], 700u) << name;
      EXPECT_EQ(vm->instructions(), 406u) << name;
      if (cfg.engine == "jit" && cfg.jit.threshold == 1) {
        EXPECT_GT(vm->engine_stats().native_insns, 300u) << name;
      }
    }
  }
}

// A loop on one page calls a function with a loop of 300 on the next page, 100 times:
// 1 + 100 * 905 instructions to the `j .` at 0x80000010, a0 = 30000.
static Program cross_page_calls() {
  std::vector<uint32_t> words = {0x06400393,   // li t2, 100
                                 0x7fd000ef,   // loop: jal ra, f
                                 0xfff38393,   // addi t2, t2, -1
                                 0xfe039ce3,   // bnez t2, loop
                                 0x0000006f};  // j .
  words.resize(1024, 0x00000013);              // nops up to the next page
  for (uint32_t w : {0x12c00293u,              // f: li t0, 300
                     0x00150513u,              // inner: addi a0, a0, 1
                     0xfff28293u,              // addi t0, t0, -1
                     0xfe029ce3u,              // bnez t0, inner
                     0x00008067u})             // ret
    words.push_back(w);
  return Program(words);
}

TEST(Machine, QuickCodeRunningASmallShareStaysQuick) {
  // A loop on one page calls a function with a loop of 300 on the next page. The
  // function's region runs 902 of every 905 instructions and is optimized; the caller's
  // regions run 1 and 2 of them, too small a share however often their counts fill.
  Program p = cross_page_calls();
  for (auto& [name, cfg] : engine_configs(config_for(p, 1 + 100 * 905 + 3))) {
    Riscv64Virt vm(cfg);
    vm.run();
    EXPECT_EQ(vm.hart().state().regs[10], 30000u) << name;
    EXPECT_EQ(vm.hart().state().pc, 0x80000010u) << name;
    if (cfg.engine != "jit") continue;
    EXPECT_EQ(vm.engine_stats().regions_optimized, cfg.jit.optimize_after == 3 ? 1u : 0u) << name;
  }
}

TEST(Machine, CallsToAnotherPageStayInNativeCode) {
  // The program of the test above: 100 calls from one page into a function on the next
  // and 100 returns. Once both sides are compiled, the calls and returns go from native
  // code to native code through the jump cache, not through the dispatcher, which enters
  // native code far less often than the 200 jumps across the pages (quick code replaced
  // after 3 instructions returns to it once a call to signal the tier).
  Program p = cross_page_calls();
  for (auto& [name, cfg] : engine_configs(config_for(p, 1 + 100 * 905 + 3))) {
    Riscv64Virt vm(cfg);
    vm.run();
    EXPECT_EQ(vm.hart().state().regs[10], 30000u) << name;
    if (cfg.engine != "jit") continue;
    EXPECT_GT(vm.engine_stats().native_insns, 80000u) << name;
    EXPECT_LT(vm.engine_stats().native_entries, 150u) << name;
  }
}

TEST(Machine, MaxInsnsStopsNativeLoopsExactly) {
  // The budget is checked before every block of a compiled region, so a run stops at the
  // same instruction in every engine, whatever the limit.
  Program p({0x00150513, 0x00158593, 0xff9ff06f});  // addi a0,a0,1; addi a1,a1,1; j -8
  for (uint64_t limit : {1ull, 2ull, 3ull, 1000ull, 1001ull, 1002ull}) {
    for (auto& [name, cfg] : engine_configs(config_for(p, limit))) {
      Riscv64Virt vm(cfg);
      vm.run();
      EXPECT_EQ(vm.instructions(), limit) << name;
      EXPECT_EQ(vm.hart().state().regs[10], (limit + 2) / 3) << name << " " << limit;
      EXPECT_EQ(vm.hart().state().regs[11], (limit + 1) / 3) << name << " " << limit;
    }
  }
}

TEST(Machine, TinyJitCacheEvictsAndStillRunsCorrectly) {
  const char* elf = POLYEMU_BINARY_DIR "/firmware/isa_rv64i.elf";
  if (!std::ifstream(elf)) GTEST_SKIP() << "firmware not built (riscv64-unknown-elf-gcc missing)";
  std::string want;
  // Also with quick code replaced by optimized code after 3 instructions: replacements and
  // evictions interleave.
  for (uint64_t optimize_after : {jit::Options{}.optimize_after, uint64_t(3)})
    for (uint64_t cache : {uint64_t(64) << 20, uint64_t(4096)}) {
      MachineConfig cfg;
      cfg.kernel = elf;
      cfg.engine = "jit";
      cfg.jit = {cache, 1, true, optimize_after};
      std::string out;
      cfg.console = [&](uint8_t c) { out += char(c); };
      Riscv64Virt vm(cfg);
      RunResult r = vm.run();
      EXPECT_EQ(r.exit_code, 0);
      ir::EngineStats st = vm.engine_stats();
      EXPECT_LE(st.code_bytes, cache);
      if (cache == 4096) {
        EXPECT_GT(st.regions_freed, st.regions_compiled / 2) << "a 4 KiB cache must keep evicting";
      }
      if (optimize_after == 3) {
        EXPECT_GT(st.regions_optimized, 0u) << cache;
      }
      if (want.empty()) {
        want = out;
      } else {
        EXPECT_EQ(out, want);
      }
    }
  EXPECT_NE(want.find("isa_rv64i"), std::string::npos) << want;
}
