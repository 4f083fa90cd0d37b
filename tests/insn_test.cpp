// Per-instruction tests from raw encodings: every instruction of rv_table.inc that can run
// without trapping, plus precise trap entry. Each test places a few instruction words at
// 0x8000_0000, presets registers and memory, runs exactly as many instructions as it
// expects to retire and checks the results. Expected values are worked out by hand from
// the RISC-V specifications, never by running polyemu.
//
// Conventions: single-instruction ALU tests compute a0 from a1 and a2 (a0 starts as a
// sentinel, so a missing write shows); memory tests use the data area at kData.
// Floating-point tests compute fa0 (or a0) from fa1, fa2, fa3 (or a1); single-precision
// values are written S(bits), which NaN-boxes them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "machines/riscv64_virt.h"

namespace {

// Integer register numbers by ABI name.
// clang-format off
enum : unsigned {
  zero, ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7,
  s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6
};
// Floating-point registers, numbered as guest-state registers (f0 is register 32).
enum : unsigned { ft0 = 32, fa0 = 32 + 10, fa1, fa2, fa3 };
// clang-format on

constexpr uint64_t kBase = 0x8000'0000;       // entry point
constexpr uint64_t kHandler = kBase + 0x100;  // trap handler used by the trap tests
constexpr uint64_t kData = 0x8000'2000;       // data area
constexpr uint64_t kSentinel = 0xa0a0'a0a0'a0a0'a0a0;
constexpr uint64_t kMin64 = 0x8000'0000'0000'0000, kMax64 = 0x7fff'ffff'ffff'ffff, kAll = ~0ull;
// Memory contents for the load tests: bytes 11 22 33 44 55 66 77 88 ef cd ab 89 67 45 23 01.
constexpr uint64_t kW0 = 0x8877'6655'4433'2211, kW1 = 0x0123'4567'89ab'cdef;

// fflags bits and NaN-boxing.
constexpr uint64_t NV = 16, DZ = 8, OF = 4, UF = 2, NX = 1;
constexpr uint64_t S(uint32_t single) { return 0xffff'ffff'0000'0000 | single; }
// fcsr with the given dynamic rounding mode (0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM; 5-7 invalid).
constexpr uint64_t frm(uint64_t mode) { return mode << 5; }

// A floating-point result: the destination register and the accrued flags.
struct FpResult {
  uint64_t value, flags;
  bool operator==(const FpResult&) const = default;
};
std::ostream& operator<<(std::ostream& os, const FpResult& r) {
  return os << std::hex << "{0x" << r.value << ", flags 0x" << r.flags << "}";
}

constexpr uint16_t kMscratch = 0x340, kMstatus = 0x300, kMepc = 0x341, kMcause = 0x342, kMtval = 0x343,
                   kMinstret = 0xB02, kMip = 0x344;

class InsnTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!path_.empty()) std::filesystem::remove(path_);
  }

  // Forgets the previous program, presets and machine.
  void clear() {
    image_.clear();
    presets_.clear();
    pokes_.clear();
    fcsr_ = 0;
    fpu_on_ = true;
    vm_.reset();
  }
  // Places instructions at kBase + offset. An entry whose two low bits are not 11 is a
  // 16-bit (compressed) instruction; otherwise it is a 32-bit one.
  void at(uint64_t offset, std::initializer_list<uint32_t> insns) {
    for (uint32_t w : insns) {
      unsigned len = (w & 3) == 3 ? 4 : 2;
      if (image_.size() < offset + len) image_.resize(offset + len, 0);
      for (unsigned k = 0; k < len; k++) image_[offset + k] = uint8_t(w >> (8 * k));
      offset += len;
    }
  }
  void code(std::initializer_list<uint32_t> insns) { at(0, insns); }
  void set(unsigned reg, uint64_t value) { presets_.emplace_back(reg, value); }
  void set_fcsr(uint64_t value) { fcsr_ = value; }
  void fpu_off() { fpu_on_ = false; }
  void poke(uint64_t addr, uint64_t value, unsigned size = 8) { pokes_.push_back({addr, value, size}); }

  // Runs exactly `n` instructions from kBase.
  void run(uint64_t n) {
    if (path_.empty()) {
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      path_ = (std::filesystem::temp_directory_path() /
               ("polyemu_insn_" + std::to_string(getpid()) + "_" + info->name() + ".bin"))
                  .string();
    }
    {
      std::ofstream f(path_, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(image_.data()), std::streamsize(image_.size()));
    }
    polyemu::MachineConfig cfg;
    cfg.memory = 1 << 20;
    cfg.raw_loads.push_back({path_, kBase});
    cfg.max_insns = n;
    cfg.console = [](uint8_t) {};
    vm_ = std::make_unique<polyemu::Riscv64Virt>(cfg);
    for (const Poke& p : pokes_) std::memcpy(vm_->ram() + (p.addr - kBase), &p.value, p.size);
    for (auto [reg, value] : presets_) vm_->hart().state().regs[reg] = value;
    vm_->hart().state().fcsr = fcsr_;
    if (fpu_on_) {  // mstatus.FS = Initial, as firmware does before using the FPU
      uint64_t old;
      EXPECT_TRUE(vm_->hart().csr({0x300, polyemu::ir::CsrOp::Set, true, true}, 1 << 13, old, {0, 0, 0}));
    }
    polyemu::RunResult r = vm_->run();
    ASSERT_EQ(r.kind, polyemu::RunResult::Kind::MaxInsns) << r.message;
    ASSERT_EQ(vm_->instructions(), n);
  }

  uint64_t x(unsigned reg) const { return vm_->hart().state().regs[reg]; }
  uint64_t fcsr() const { return vm_->hart().state().fcsr; }
  uint64_t pc() const { return vm_->hart().state().pc; }
  uint64_t peek(uint64_t addr, unsigned size = 8) const {
    uint64_t v = 0;
    std::memcpy(&v, vm_->ram() + (addr - kBase), size);
    return v;
  }
  // Reads a CSR the way csrrs rd, csr, x0 would (no write side effects).
  uint64_t csr(uint16_t n) const {
    uint64_t v = 0;
    polyemu::ir::CsrImm c{n, polyemu::ir::CsrOp::Set, false, true};
    polyemu::riscv::CounterSource k{vm_->instructions(), vm_->instructions(), 0};
    EXPECT_TRUE(vm_->hart().csr(c, 0, v, k)) << "csr " << n;
    return v;
  }

  // One instruction computing a0 from a1 and a2; returns a0 and checks the pc moved on.
  uint64_t op(uint32_t insn, uint64_t a1v, uint64_t a2v = 0) {
    clear();
    code({insn});
    set(a0, kSentinel);
    set(a1, a1v);
    set(a2, a2v);
    run(1);
    EXPECT_EQ(pc(), kBase + ((insn & 3) == 3 ? 4 : 2));
    return x(a0);
  }
  // One compressed instruction that reads and writes a0 (and may read a1).
  uint64_t cop(uint16_t insn, uint64_t a0v, uint64_t a1v = 0) {
    clear();
    code({insn});
    set(a0, a0v);
    set(a1, a1v);
    run(1);
    EXPECT_EQ(pc(), kBase + 2);
    return x(a0);
  }
  // One branch with operands a1, a2 (or a0 for the compressed ones); returns pc - kBase.
  uint64_t branch(uint32_t insn, uint64_t v1, uint64_t v2 = 0) {
    clear();
    code({insn});
    set(a0, v1);
    set(a1, v1);
    set(a2, v2);
    run(1);
    return pc() - kBase;
  }
  // One load with a1 = base over memory kW0, kW1 at kData; returns a0.
  uint64_t load(uint32_t insn, uint64_t base) {
    clear();
    code({insn});
    poke(kData, kW0);
    poke(kData + 8, kW1);
    set(a0, kSentinel);
    set(a1, base);
    set(sp, base);
    run(1);
    EXPECT_EQ(pc(), kBase + ((insn & 3) == 3 ? 4 : 2));
    return x(a0);
  }
  // One store of a2 = value with a1 = sp = base over all-ones memory at kData..kData+16.
  void store(uint32_t insn, uint64_t base, uint64_t value) {
    clear();
    code({insn});
    poke(kData, kAll);
    poke(kData + 8, kAll);
    set(a1, base);
    set(sp, base);
    set(a2, value);
    run(1);
    EXPECT_EQ(pc(), kBase + ((insn & 3) == 3 ? 4 : 2));
  }
  // One floating-point instruction with sources fa1, fa2, fa3 and a1, and fcsr = fcsr0;
  // fa0 and a0 start as kSentinel. Checks that only fflags changed in fcsr.
  void fp_run(uint32_t insn, uint64_t f1, uint64_t f2, uint64_t f3, uint64_t fcsr0, uint64_t a1v) {
    clear();
    code({insn});
    set(fa0, kSentinel);
    set(a0, kSentinel);
    set(fa1, f1);
    set(fa2, f2);
    set(fa3, f3);
    set(a1, a1v);
    set_fcsr(fcsr0);
    run(1);
    EXPECT_EQ(pc(), kBase + 4);
    EXPECT_EQ(fcsr() & ~0x1full, fcsr0 & ~0x1full);
  }
  // fa0 = op(fa1, fa2, fa3)
  FpResult ff(uint32_t insn, uint64_t f1, uint64_t f2 = 0, uint64_t f3 = 0, uint64_t fcsr0 = 0) {
    fp_run(insn, f1, f2, f3, fcsr0, 0);
    EXPECT_EQ(x(a0), kSentinel);
    return {x(fa0), fcsr() & 0x1f};
  }
  // a0 = op(fa1, fa2)
  FpResult fx(uint32_t insn, uint64_t f1, uint64_t f2 = 0, uint64_t fcsr0 = 0) {
    fp_run(insn, f1, f2, 0, fcsr0, 0);
    EXPECT_EQ(x(fa0), kSentinel);
    return {x(a0), fcsr() & 0x1f};
  }
  // fa0 = op(a1)
  FpResult xf(uint32_t insn, uint64_t a1v, uint64_t fcsr0 = 0) {
    fp_run(insn, 0, 0, 0, fcsr0, a1v);
    EXPECT_EQ(x(a0), kSentinel);
    return {x(fa0), fcsr() & 0x1f};
  }

  // One AMO a0 <- mem[a1 = kData], mem <- f(mem, a2); memory beyond the 8 bytes is zero.
  uint64_t amo(uint32_t insn, uint64_t mem, uint64_t a2v) {
    clear();
    code({insn});
    poke(kData, mem);
    set(a0, kSentinel);
    set(a1, kData);
    set(a2, a2v);
    run(1);
    EXPECT_EQ(pc(), kBase + 4);
    return x(a0);
  }

 private:
  struct Poke {
    uint64_t addr, value;
    unsigned size;
  };
  std::vector<uint8_t> image_;
  std::vector<std::pair<unsigned, uint64_t>> presets_;
  std::vector<Poke> pokes_;
  uint64_t fcsr_ = 0;
  std::unique_ptr<polyemu::Riscv64Virt> vm_;
  bool fpu_on_ = true;
  std::string path_;
};

// ---------------------------------------------------------------------------------------
// RV64I: upper immediates and jumps

TEST_F(InsnTest, Lui) {
  EXPECT_EQ(op(0x12345537, 0), 0x12345000u);          // lui a0, 0x12345
  EXPECT_EQ(op(0x80000537, 0), 0xffffffff80000000u);  // lui a0, 0x80000
  EXPECT_EQ(op(0xfffff537, 0), 0xfffffffffffff000u);  // lui a0, 0xfffff
  EXPECT_EQ(op(0x00000537, 0), 0u);                   // lui a0, 0x0
}

TEST_F(InsnTest, Auipc) {
  EXPECT_EQ(op(0x00000517, 0), kBase);           // auipc a0, 0x0
  EXPECT_EQ(op(0x00001517, 0), kBase + 0x1000);  // auipc a0, 0x1
  // 0x8000_0000 + sext(0x8000_0000) wraps around to 0.
  EXPECT_EQ(op(0x80000517, 0), 0u);              // auipc a0, 0x80000
  EXPECT_EQ(op(0xfffff517, 0), kBase - 0x1000);  // auipc a0, 0xfffff
}

TEST_F(InsnTest, JalForwardAndBackward) {
  at(0, {0x010000ef});   // jal ra, 16
  at(16, {0xff5ff56f});  // jal a0, -12
  at(4, {0x00700593});   // addi a1, zero, 7
  run(3);
  EXPECT_EQ(x(ra), kBase + 4);
  EXPECT_EQ(x(a0), kBase + 20);
  EXPECT_EQ(x(a1), 7u);
  EXPECT_EQ(pc(), kBase + 8);
}

TEST_F(InsnTest, JalWithoutLinkAndLongOffsets) {
  at(0, {0x0000106f});       // jal zero, 4096
  at(0x1000, {0x804ff06f});  // jal zero, -4092
  at(4, {0x7ffff06f});       // jal zero, 0xffffe
  run(3);
  EXPECT_EQ(x(zero), 0u);
  EXPECT_EQ(x(ra), 0u);
  EXPECT_EQ(pc(), kBase + 4 + 0xffffe);
}

TEST_F(InsnTest, Jalr) {
  EXPECT_EQ(branch(0x00458567, kBase + 0x20), 0x24u);  // jalr a0, 4(a1)
  EXPECT_EQ(x(a0), kBase + 4);
  // The target's bit 0 is cleared.
  EXPECT_EQ(branch(0x00158567, kBase + 0x40), 0x40u);  // jalr a0, 1(a1)
  EXPECT_EQ(branch(0x00058567, kBase + 0x41), 0x40u);  // jalr a0, 0(a1)
  EXPECT_EQ(branch(0xffc580e7, kBase + 0x50), 0x4cu);  // jalr ra, -4(a1)
  EXPECT_EQ(x(ra), kBase + 4);
  // A 2-byte aligned target is fine with C.
  EXPECT_EQ(branch(0x00058567, kBase + 0x22), 0x22u);  // jalr a0, 0(a1)
  // rd == rs1: the target comes from the old value.
  EXPECT_EQ(branch(0x000585e7, kBase + 0x30), 0x30u);  // jalr a1, 0(a1)
  EXPECT_EQ(x(a1), kBase + 4);
  // rd = zero: no link.
  EXPECT_EQ(branch(0x00058067, kBase + 0x60), 0x60u);  // jalr zero, 0(a1)
  EXPECT_EQ(x(zero), 0u);
  EXPECT_EQ(x(ra), 0u);
}

// ---------------------------------------------------------------------------------------
// RV64I: branches (offset 8: taken lands at +8, not taken at +4)

TEST_F(InsnTest, Beq) {
  EXPECT_EQ(branch(0x00c58463, 5, 5), 8u);              // beq a1, a2, 8
  EXPECT_EQ(branch(0x00c58463, 5, 6), 4u);              // beq a1, a2, 8
  EXPECT_EQ(branch(0x00c58463, kAll, 0xffffffff), 4u);  // beq a1, a2, 8
}
TEST_F(InsnTest, Bne) {
  EXPECT_EQ(branch(0x00c59463, 5, 5), 4u);           // bne a1, a2, 8
  EXPECT_EQ(branch(0x00c59463, 1ull << 32, 0), 8u);  // bne a1, a2, 8
}
TEST_F(InsnTest, Blt) {
  EXPECT_EQ(branch(0x00c5c463, kAll, 1), 8u);         // blt a1, a2, 8
  EXPECT_EQ(branch(0x00c5c463, 1, kAll), 4u);         // blt a1, a2, 8
  EXPECT_EQ(branch(0x00c5c463, 3, 3), 4u);            // blt a1, a2, 8
  EXPECT_EQ(branch(0x00c5c463, kMin64, kMax64), 8u);  // blt a1, a2, 8
}
TEST_F(InsnTest, Bge) {
  EXPECT_EQ(branch(0x00c5d463, kAll, 1), 4u);  // bge a1, a2, 8
  EXPECT_EQ(branch(0x00c5d463, 1, kAll), 8u);  // bge a1, a2, 8
  EXPECT_EQ(branch(0x00c5d463, 3, 3), 8u);     // bge a1, a2, 8
}
TEST_F(InsnTest, Bltu) {
  EXPECT_EQ(branch(0x00c5e463, kAll, 1), 4u);  // bltu a1, a2, 8
  EXPECT_EQ(branch(0x00c5e463, 1, kAll), 8u);  // bltu a1, a2, 8
  EXPECT_EQ(branch(0x00c5e463, 3, 3), 4u);     // bltu a1, a2, 8
}
TEST_F(InsnTest, Bgeu) {
  EXPECT_EQ(branch(0x00c5f463, kAll, 1), 8u);  // bgeu a1, a2, 8
  EXPECT_EQ(branch(0x00c5f463, 1, kAll), 4u);  // bgeu a1, a2, 8
  EXPECT_EQ(branch(0x00c5f463, 3, 3), 8u);     // bgeu a1, a2, 8
}

TEST_F(InsnTest, BranchOffsetExtremes) {
  EXPECT_EQ(branch(0x7e000fe3, 0), 4094u);  // beq zero, zero, 4094
  clear();
  at(0, {0x0000106f});       // jal zero, 4096
  at(0x1000, {0x80007063});  // bgeu zero, zero, -4096
  run(2);
  EXPECT_EQ(pc(), kBase);
}

TEST_F(InsnTest, BackwardBranchLoop) {
  code({0x00150513,    // addi a0, a0, 1
        0xfec51ee3});  // bne a0, a2, -4
  set(a0, 0);
  set(a2, 3);
  run(6);  // three times around
  EXPECT_EQ(x(a0), 3u);
  EXPECT_EQ(pc(), kBase + 8);
}

// ---------------------------------------------------------------------------------------
// RV64I: loads and stores

TEST_F(InsnTest, LoadsSignAndZeroExtend) {
  EXPECT_EQ(load(0x00058503, kData), 0x11u);                // lb a0, 0(a1)
  EXPECT_EQ(load(0x00758503, kData), 0xffffffffffffff88u);  // lb a0, 7(a1)
  EXPECT_EQ(load(0x0075c503, kData), 0x88u);                // lbu a0, 7(a1)
  EXPECT_EQ(load(0x00059503, kData), 0x2211u);              // lh a0, 0(a1)
  EXPECT_EQ(load(0x00659503, kData), 0xffffffffffff8877u);  // lh a0, 6(a1)
  EXPECT_EQ(load(0x0065d503, kData), 0x8877u);              // lhu a0, 6(a1)
  EXPECT_EQ(load(0x0005a503, kData), 0x44332211u);          // lw a0, 0(a1)
  EXPECT_EQ(load(0x0045a503, kData), 0xffffffff88776655u);  // lw a0, 4(a1)
  EXPECT_EQ(load(0x0045e503, kData), 0x88776655u);          // lwu a0, 4(a1)
  EXPECT_EQ(load(0x0005b503, kData), kW0);                  // ld a0, 0(a1)
  EXPECT_EQ(load(0x0085b503, kData), kW1);                  // ld a0, 8(a1)
}

TEST_F(InsnTest, LoadOffsets) {
  EXPECT_EQ(load(0xff85b503, kData + 8), kW0);                     // ld a0, -8(a1)
  EXPECT_EQ(load(0x7ff58503, kData - 2046), 0x22u);                // lb a0, 2047(a1)
  EXPECT_EQ(load(0x80058503, kData + 2055), 0xffffffffffffff88u);  // lb a0, -2048(a1)
}

TEST_F(InsnTest, MisalignedLoads) {
  // polyemu performs misaligned plain accesses (the spec allows this or a trap).
  EXPECT_EQ(load(0x0035b503, kData), 0xabcdef8877665544u);      // ld a0, 3(a1)
  EXPECT_EQ(load(0xfff59503, kData + 8), 0xffffffffffffef88u);  // lh a0, -1(a1)
  EXPECT_EQ(load(0x00a5a503, kData), 0x456789abu);              // lw a0, 10(a1)
  EXPECT_EQ(load(0x0085a503, kData), 0xffffffff89abcdefu);      // lw a0, 8(a1)
  EXPECT_EQ(load(0x0085e503, kData), 0x89abcdefu);              // lwu a0, 8(a1)
}

TEST_F(InsnTest, Stores) {
  const uint64_t v = 0x1122334455667788;
  store(0x00c58023, kData, v);  // sb a2, 0(a1)
  EXPECT_EQ(peek(kData), 0xffffffffffffff88u);
  EXPECT_EQ(peek(kData + 8), kAll);
  store(0x00c59123, kData, v);  // sh a2, 2(a1)
  EXPECT_EQ(peek(kData), 0xffffffff7788ffffu);
  store(0x00c5a223, kData, v);  // sw a2, 4(a1)
  EXPECT_EQ(peek(kData), 0x55667788ffffffffu);
  store(0x00c5b423, kData, v);  // sd a2, 8(a1)
  EXPECT_EQ(peek(kData), kAll);
  EXPECT_EQ(peek(kData + 8), v);
  store(0xfec5bc23, kData + 8, v);  // sd a2, -8(a1)
  EXPECT_EQ(peek(kData), v);
  EXPECT_EQ(peek(kData + 8), kAll);
  store(0x7ec58fa3, kData - 2047, v);  // sb a2, 2047(a1)
  EXPECT_EQ(peek(kData), 0xffffffffffffff88u);
  store(0x80c59023, kData + 2048, v);  // sh a2, -2048(a1)
  EXPECT_EQ(peek(kData), 0xffffffffffff7788u);
}

TEST_F(InsnTest, MisalignedStores) {
  const uint64_t v = 0x1122334455667788;
  store(0x00c5b1a3, kData, v);  // sd a2, 3(a1)
  EXPECT_EQ(peek(kData), 0x4455667788ffffffu);
  EXPECT_EQ(peek(kData + 8), 0xffffffffff112233u);
  store(0x00c5a3a3, kData, v);  // sw a2, 7(a1)
  EXPECT_EQ(peek(kData), 0x88ffffffffffffffu);
  EXPECT_EQ(peek(kData + 8), 0xffffffffff556677u);
  store(0x00c597a3, kData, v);  // sh a2, 15(a1)
  EXPECT_EQ(peek(kData + 8), 0x88ffffffffffffffu);
  EXPECT_EQ(peek(kData + 16, 1), 0x77u);
}

TEST_F(InsnTest, StoreThenLoadSameBlock) {
  code({0x00c5b023,    // sd a2, 0(a1)
        0x0045a503,    // lw a0, 4(a1)
        0x0005c683});  // lbu a3, 0(a1)
  set(a1, kData);
  set(a2, 0x80000000'000000f0);
  run(3);
  EXPECT_EQ(x(a0), 0xffffffff80000000u);
  EXPECT_EQ(x(a3), 0xf0u);
}

// ---------------------------------------------------------------------------------------
// RV64I: register-immediate

TEST_F(InsnTest, Addi) {
  EXPECT_EQ(op(0xfff58513, 0), kAll);                   // addi a0, a1, -1
  EXPECT_EQ(op(0x7ff58513, 1), 2048u);                  // addi a0, a1, 2047
  EXPECT_EQ(op(0x80058513, 0), 0xfffffffffffff800u);    // addi a0, a1, -2048
  EXPECT_EQ(op(0x00158513, kMax64), kMin64);            // addi a0, a1, 1
  EXPECT_EQ(op(0x00158513, 0xffffffff), 0x100000000u);  // addi a0, a1, 1
}
TEST_F(InsnTest, Slti) {
  EXPECT_EQ(op(0xfff5a513, uint64_t(-2)), 1u);  // slti a0, a1, -1
  EXPECT_EQ(op(0xfff5a513, kAll), 0u);          // slti a0, a1, -1
  EXPECT_EQ(op(0xfff5a513, kMax64), 0u);        // slti a0, a1, -1
  EXPECT_EQ(op(0x0005a513, kMin64), 1u);        // slti a0, a1, 0
}
TEST_F(InsnTest, Sltiu) {
  // The immediate is sign-extended, then compared unsigned.
  EXPECT_EQ(op(0xfff5b513, 5), 1u);     // sltiu a0, a1, -1
  EXPECT_EQ(op(0xfff5b513, kAll), 0u);  // sltiu a0, a1, -1
  EXPECT_EQ(op(0x0015b513, 0), 1u);     // sltiu a0, a1, 1
  EXPECT_EQ(op(0x0015b513, 1), 0u);     // sltiu a0, a1, 1
}
TEST_F(InsnTest, Xori) {
  EXPECT_EQ(op(0xfff5c513, 0x0f0f), 0xfffffffffffff0f0u);  // xori a0, a1, -1
  EXPECT_EQ(op(0x5555c513, 0xfff), 0xaaau);                // xori a0, a1, 1365
}
TEST_F(InsnTest, Ori) {
  EXPECT_EQ(op(0x8005e513, 1), 0xfffffffffffff801u);                   // ori a0, a1, -2048
  EXPECT_EQ(op(0x7ff5e513, 0x8000000000000000), 0x80000000000007ffu);  // ori a0, a1, 2047
}
TEST_F(InsnTest, Andi) {
  EXPECT_EQ(op(0xff05f513, 0x0123456789abcdef), 0x0123456789abcde0u);  // andi a0, a1, -16
  EXPECT_EQ(op(0x7ff5f513, kAll), 0x7ffu);                             // andi a0, a1, 2047
  EXPECT_EQ(op(0x0005f513, kAll), 0u);                                 // andi a0, a1, 0
}
TEST_F(InsnTest, ShiftImmediate) {
  EXPECT_EQ(op(0x03f59513, 3), kMin64);                                // slli a0, a1, 63
  EXPECT_EQ(op(0x00059513, 0xabc), 0xabcu);                            // slli a0, a1, 0
  EXPECT_EQ(op(0x02059513, 0xffffffff), 0xffffffff00000000u);          // slli a0, a1, 32
  EXPECT_EQ(op(0x03f5d513, kMin64), 1u);                               // srli a0, a1, 63
  EXPECT_EQ(op(0x0045d513, 0xf000000000000000), 0x0f00000000000000u);  // srli a0, a1, 4
  EXPECT_EQ(op(0x4045d513, 0xf000000000000000), 0xff00000000000000u);  // srai a0, a1, 4
  EXPECT_EQ(op(0x43f5d513, kMin64), kAll);                             // srai a0, a1, 63
  EXPECT_EQ(op(0x43f5d513, kMax64), 0u);                               // srai a0, a1, 63
}

// ---------------------------------------------------------------------------------------
// RV64I: register-register

TEST_F(InsnTest, AddSub) {
  EXPECT_EQ(op(0x00c58533, 5, 7), 12u);                        // add a0, a1, a2
  EXPECT_EQ(op(0x00c58533, kMax64, 1), kMin64);                // add a0, a1, a2
  EXPECT_EQ(op(0x00c58533, kAll, kAll), 0xfffffffffffffffeu);  // add a0, a1, a2
  EXPECT_EQ(op(0x40c58533, 0, 1), kAll);                       // sub a0, a1, a2
  EXPECT_EQ(op(0x40c58533, kMin64, 1), kMax64);                // sub a0, a1, a2
}
TEST_F(InsnTest, Sll) {
  EXPECT_EQ(op(0x00c59533, 1, 63), kMin64);  // sll a0, a1, a2
  EXPECT_EQ(op(0x00c59533, 1, 64), 1u);      // sll a0, a1, a2   (only rs2[5:0] counts)
  EXPECT_EQ(op(0x00c59533, 1, 65), 2u);      // sll a0, a1, a2
}
TEST_F(InsnTest, SltSltu) {
  EXPECT_EQ(op(0x00c5a533, kAll, 1), 1u);  // slt a0, a1, a2
  EXPECT_EQ(op(0x00c5a533, 1, kAll), 0u);  // slt a0, a1, a2
  EXPECT_EQ(op(0x00c5a533, 5, 5), 0u);     // slt a0, a1, a2
  EXPECT_EQ(op(0x00c5b533, kAll, 1), 0u);  // sltu a0, a1, a2
  EXPECT_EQ(op(0x00c5b533, 1, kAll), 1u);  // sltu a0, a1, a2
  EXPECT_EQ(op(0x00c03533, 0, 7), 1u);     // sltu a0, zero, a2   (snez)
  EXPECT_EQ(op(0x00c03533, 0, 0), 0u);     // sltu a0, zero, a2
}
TEST_F(InsnTest, Logic) {
  EXPECT_EQ(op(0x00c5c533, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xf0f0f0f0f0f0f0f0u);  // xor a0, a1, a2
  EXPECT_EQ(op(0x00c5e533, 0xf0, 0x0f), 0xffu);                                            // or a0, a1, a2
  EXPECT_EQ(op(0x00c5f533, 0xff00, 0x0ff0), 0x0f00u);                                      // and a0, a1, a2
}
TEST_F(InsnTest, SrlSra) {
  EXPECT_EQ(op(0x00c5d533, kMin64, 63), 1u);                     // srl a0, a1, a2
  EXPECT_EQ(op(0x00c5d533, kMin64, 0x7f), 1u);                   // srl a0, a1, a2
  EXPECT_EQ(op(0x00c5d533, kMin64, 64), kMin64);                 // srl a0, a1, a2
  EXPECT_EQ(op(0x40c5d533, kMin64, 63), kAll);                   // sra a0, a1, a2
  EXPECT_EQ(op(0x40c5d533, kMin64, 0xc1), 0xc000000000000000u);  // sra a0, a1, a2
}

// ---------------------------------------------------------------------------------------
// RV64I: 32-bit operations (results sign-extended from bit 31)

TEST_F(InsnTest, Addiw) {
  EXPECT_EQ(op(0x0015851b, 0x7fffffff), 0xffffffff80000000u);   // addiw a0, a1, 1
  EXPECT_EQ(op(0x0005851b, 0x180000000), 0xffffffff80000000u);  // addiw a0, a1, 0
  EXPECT_EQ(op(0x0005851b, 0xffffffff7fffffff), 0x7fffffffu);   // addiw a0, a1, 0
  EXPECT_EQ(op(0xfff5851b, 0), kAll);                           // addiw a0, a1, -1
}
TEST_F(InsnTest, ShiftImmediateWord) {
  EXPECT_EQ(op(0x01f5951b, 1), 0xffffffff80000000u);           // slliw a0, a1, 31
  EXPECT_EQ(op(0x01f5951b, 3), 0xffffffff80000000u);           // slliw a0, a1, 31
  EXPECT_EQ(op(0x0005951b, 0x100000001), 1u);                  // slliw a0, a1, 0
  EXPECT_EQ(op(0x0015d51b, 0xffffffff80000000), 0x40000000u);  // srliw a0, a1, 1
  EXPECT_EQ(op(0x0005d51b, 0x80000000), 0xffffffff80000000u);  // srliw a0, a1, 0
  EXPECT_EQ(op(0x01f5d51b, 0x80000000), 1u);                   // srliw a0, a1, 31
  EXPECT_EQ(op(0x4045d51b, 0x80000000), 0xfffffffff8000000u);  // sraiw a0, a1, 4
  EXPECT_EQ(op(0x4045d51b, 0x17fffffff), 0x07ffffffu);         // sraiw a0, a1, 4
  EXPECT_EQ(op(0x41f5d51b, 0x7fffffff), 0u);                   // sraiw a0, a1, 31
}
TEST_F(InsnTest, AddwSubw) {
  EXPECT_EQ(op(0x00c5853b, 0x7fffffff, 1), 0xffffffff80000000u);  // addw a0, a1, a2
  EXPECT_EQ(op(0x00c5853b, 0xffffffff, 1), 0u);                   // addw a0, a1, a2
  EXPECT_EQ(op(0x40c5853b, 0, 1), kAll);                          // subw a0, a1, a2
  EXPECT_EQ(op(0x40c5853b, 0x80000000, 1), 0x7fffffffu);          // subw a0, a1, a2
}
TEST_F(InsnTest, ShiftWord) {
  EXPECT_EQ(op(0x00c5953b, 1, 31), 0xffffffff80000000u);          // sllw a0, a1, a2
  EXPECT_EQ(op(0x00c5953b, 1, 33), 2u);                           // sllw a0, a1, a2   (only rs2[4:0])
  EXPECT_EQ(op(0x00c5953b, 1, 32), 1u);                           // sllw a0, a1, a2
  EXPECT_EQ(op(0x00c5d53b, 0x80000000, 31), 1u);                  // srlw a0, a1, a2
  EXPECT_EQ(op(0x00c5d53b, 0x80000000, 0), 0xffffffff80000000u);  // srlw a0, a1, a2
  EXPECT_EQ(op(0x00c5d53b, 0xf80000000, 36), 0x08000000u);        // srlw a0, a1, a2
  EXPECT_EQ(op(0x40c5d53b, 0x80000000, 31), kAll);                // sraw a0, a1, a2
  EXPECT_EQ(op(0x40c5d53b, 0x80000000, 4), 0xfffffffff8000000u);  // sraw a0, a1, a2
  EXPECT_EQ(op(0x40c5d53b, 0xffffffff7fffffff, 0), 0x7fffffffu);  // sraw a0, a1, a2
}

// ---------------------------------------------------------------------------------------
// RV64I: x0, fences

TEST_F(InsnTest, WritesToX0AreDiscarded) {
  code({0x00c58033,    // add zero, a1, a2
        0x12345037,    // lui zero, 0x12345
        0x0006b003,    // ld zero, 0(a3)
        0x0040006f,    // jal zero, 4
        0x00500013,    // addi zero, zero, 5
        0x00c6b02f});  // amoadd.d zero, a2, (a3)
  poke(kData, 40);
  set(a1, 1);
  set(a2, 2);
  set(a3, kData);
  run(6);
  EXPECT_EQ(x(zero), 0u);
  EXPECT_EQ(peek(kData), 42u);  // the AMO still happened
  EXPECT_EQ(pc(), kBase + 24);
}

TEST_F(InsnTest, Fences) {
  code({0x0ff0000f,    // fence
        0x0310000f,    // fence rw, w
        0x0000100f});  // fence.i
  run(3);
  EXPECT_EQ(pc(), kBase + 12);
}

TEST_F(InsnTest, FenceIMakesStoredCodeVisible) {
  code({0x00c5a023,    // sw a2, 0(a1)
        0x0000100f,    // fence.i
        0x00100513});  // addi a0, zero, 1    (replaced by the store)
  set(a1, kBase + 8);
  set(a2, 0x02a00513);  // addi a0, zero, 42
  run(3);
  EXPECT_EQ(x(a0), 42u);
}

// ---------------------------------------------------------------------------------------
// M

TEST_F(InsnTest, Mul) {
  EXPECT_EQ(op(0x02c58533, 3, uint64_t(-5)), 0xfffffffffffffff1u);  // mul a0, a1, a2
  EXPECT_EQ(op(0x02c58533, kMin64, kAll), kMin64);                  // mul a0, a1, a2
  EXPECT_EQ(op(0x02c58533, 1ull << 32, 1ull << 32), 0u);            // mul a0, a1, a2
}
TEST_F(InsnTest, Mulh) {
  EXPECT_EQ(op(0x02c59533, kAll, kAll), 0u);                       // mulh a0, a1, a2
  EXPECT_EQ(op(0x02c59533, kMin64, kMin64), 0x4000000000000000u);  // mulh a0, a1, a2
  EXPECT_EQ(op(0x02c59533, kAll, 1), kAll);                        // mulh a0, a1, a2
  EXPECT_EQ(op(0x02c59533, kMin64, kAll), 0u);                     // mulh a0, a1, a2
}
TEST_F(InsnTest, Mulhsu) {
  // rs1 signed, rs2 unsigned: -1 * (2^64 - 1) = -2^64 + 1.
  EXPECT_EQ(op(0x02c5a533, kAll, kAll), kAll);  // mulhsu a0, a1, a2
  EXPECT_EQ(op(0x02c5a533, 2, kAll), 1u);       // mulhsu a0, a1, a2
  // -2^63 * (2^64 - 1) = -2^127 + 2^63.
  EXPECT_EQ(op(0x02c5a533, kMin64, kAll), kMin64);  // mulhsu a0, a1, a2
}
TEST_F(InsnTest, Mulhu) {
  EXPECT_EQ(op(0x02c5b533, kAll, kAll), 0xfffffffffffffffeu);  // mulhu a0, a1, a2
  EXPECT_EQ(op(0x02c5b533, kMin64, 2), 1u);                    // mulhu a0, a1, a2
}
TEST_F(InsnTest, Div) {
  EXPECT_EQ(op(0x02c5c533, uint64_t(-7), 2), uint64_t(-3));  // div a0, a1, a2
  EXPECT_EQ(op(0x02c5c533, 7, uint64_t(-2)), uint64_t(-3));  // div a0, a1, a2
  EXPECT_EQ(op(0x02c5c533, 5, 0), kAll);                     // div a0, a1, a2
  EXPECT_EQ(op(0x02c5c533, kMin64, kAll), kMin64);           // div a0, a1, a2
}
TEST_F(InsnTest, Divu) {
  EXPECT_EQ(op(0x02c5d533, 7, 0), kAll);        // divu a0, a1, a2
  EXPECT_EQ(op(0x02c5d533, kAll, 2), kMax64);   // divu a0, a1, a2
  EXPECT_EQ(op(0x02c5d533, kMin64, kAll), 0u);  // divu a0, a1, a2
}
TEST_F(InsnTest, Rem) {
  EXPECT_EQ(op(0x02c5e533, uint64_t(-7), 2), kAll);          // rem a0, a1, a2
  EXPECT_EQ(op(0x02c5e533, 7, uint64_t(-2)), 1u);            // rem a0, a1, a2
  EXPECT_EQ(op(0x02c5e533, uint64_t(-7), 0), uint64_t(-7));  // rem a0, a1, a2
  EXPECT_EQ(op(0x02c5e533, kMin64, kAll), 0u);               // rem a0, a1, a2
}
TEST_F(InsnTest, Remu) {
  EXPECT_EQ(op(0x02c5f533, 7, 0), 7u);      // remu a0, a1, a2
  EXPECT_EQ(op(0x02c5f533, kAll, 10), 5u);  // remu a0, a1, a2
}
TEST_F(InsnTest, Mulw) {
  EXPECT_EQ(op(0x02c5853b, 0x7fffffff, 2), 0xfffffffffffffffeu);  // mulw a0, a1, a2
  EXPECT_EQ(op(0x02c5853b, 0x100000003, 5), 15u);                 // mulw a0, a1, a2
  EXPECT_EQ(op(0x02c5853b, 0x10000, 0x10000), 0u);                // mulw a0, a1, a2
  EXPECT_EQ(op(0x02c5853b, 0xffffffff, 0xffffffff), 1u);          // mulw a0, a1, a2
}
TEST_F(InsnTest, Divw) {
  EXPECT_EQ(op(0x02c5c53b, 0x80000000, 0xffffffff), 0xffffffff80000000u);  // divw a0, a1, a2
  EXPECT_EQ(op(0x02c5c53b, 5, 0), kAll);                                   // divw a0, a1, a2
  EXPECT_EQ(op(0x02c5c53b, 0xffffffff0000000e, 0x100000003), 4u);          // divw a0, a1, a2
  EXPECT_EQ(op(0x02c5c53b, 0xfffffff9, 2), uint64_t(-3));                  // divw a0, a1, a2
}
TEST_F(InsnTest, Divuw) {
  EXPECT_EQ(op(0x02c5d53b, 0xffffffff, 0), kAll);                 // divuw a0, a1, a2
  EXPECT_EQ(op(0x02c5d53b, 0x80000000, 1), 0xffffffff80000000u);  // divuw a0, a1, a2
  EXPECT_EQ(op(0x02c5d53b, 0xfffffffe, 2), 0x7fffffffu);          // divuw a0, a1, a2
  EXPECT_EQ(op(0x02c5d53b, 0x100000010, 0x100000004), 4u);        // divuw a0, a1, a2
}
TEST_F(InsnTest, Remw) {
  EXPECT_EQ(op(0x02c5e53b, 0x80000000, 0xffffffff), 0u);          // remw a0, a1, a2
  EXPECT_EQ(op(0x02c5e53b, 0x80000001, 0), 0xffffffff80000001u);  // remw a0, a1, a2
  EXPECT_EQ(op(0x02c5e53b, uint64_t(-7), 2), kAll);               // remw a0, a1, a2
  EXPECT_EQ(op(0x02c5e53b, 0x100000007, 3), 1u);                  // remw a0, a1, a2
}
TEST_F(InsnTest, Remuw) {
  EXPECT_EQ(op(0x02c5f53b, 0x80000005, 0), 0xffffffff80000005u);  // remuw a0, a1, a2
  EXPECT_EQ(op(0x02c5f53b, 7, 3), 1u);                            // remuw a0, a1, a2
  EXPECT_EQ(op(0x02c5f53b, 0xffffffff, 0x10), 0xfu);              // remuw a0, a1, a2
}

// ---------------------------------------------------------------------------------------
// A: LR/SC

TEST_F(InsnTest, LrScWord) {
  code({0x1005a52f,    // lr.w a0, (a1)
        0x18c5a6af});  // sc.w a3, a2, (a1)
  poke(kData, 0x1111111180000001);
  set(a1, kData);
  set(a2, 0xdeadbeefcafef00d);
  set(a3, kSentinel);
  run(2);
  EXPECT_EQ(x(a0), 0xffffffff80000001u);
  EXPECT_EQ(x(a3), 0u);  // success
  EXPECT_EQ(peek(kData), 0x11111111cafef00du);
}

TEST_F(InsnTest, LrScDoubleword) {
  code({0x1405b52f,    // lr.d.aq a0, (a1)
        0x1ac5b6af});  // sc.d.rl a3, a2, (a1)
  poke(kData, kW0);
  set(a1, kData);
  set(a2, kW1);
  set(a3, kSentinel);
  run(2);
  EXPECT_EQ(x(a0), kW0);
  EXPECT_EQ(x(a3), 0u);
  EXPECT_EQ(peek(kData), kW1);
}

TEST_F(InsnTest, ScWithoutReservationFails) {
  code({0x18c5b6af});  // sc.d a3, a2, (a1)
  poke(kData, kW0);
  set(a1, kData);
  set(a2, kW1);
  run(1);
  EXPECT_NE(x(a3), 0u);  // any nonzero code means failure; polyemu uses 1
  EXPECT_EQ(x(a3), 1u);
  EXPECT_EQ(peek(kData), kW0);
}

TEST_F(InsnTest, ScConsumesTheReservation) {
  code({0x1005a52f,    // lr.w a0, (a1)
        0x18c5a6af,    // sc.w a3, a2, (a1)
        0x18e5a7af});  // sc.w a5, a4, (a1)
  poke(kData, 7);
  set(a1, kData);
  set(a2, 8);
  set(a4, 9);
  run(3);
  EXPECT_EQ(x(a3), 0u);
  EXPECT_EQ(x(a5), 1u);  // a second SC without a new LR must fail
  EXPECT_EQ(peek(kData), 8u);
}

TEST_F(InsnTest, ScFailsAfterAnotherSc) {
  code({0x1005b52f,    // lr.d a0, (a1)
        0x18c736af,    // sc.d a3, a2, (a4)
        0x18c5b7af});  // sc.d a5, a2, (a1)
  poke(kData, 7);
  poke(kData + 0x1000, 3);
  set(a1, kData);
  set(a4, kData + 0x1000);
  set(a2, 99);
  run(3);
  // The reservation set covers the LR's bytes, not bytes a page away.
  EXPECT_EQ(x(a3), 1u);
  EXPECT_EQ(peek(kData + 0x1000), 3u);
  // Any SC between an LR and its SC makes that SC fail.
  EXPECT_EQ(x(a5), 1u);
  EXPECT_EQ(peek(kData), 7u);
}

// ---------------------------------------------------------------------------------------
// A: AMOs (a0 <- mem[a1], mem[a1] <- op(mem[a1], a2)); .w touches only the low word

TEST_F(InsnTest, AmoWord) {
  EXPECT_EQ(amo(0x08c5a52f, 0xaaaaaaaa80000000, 0x1234567812345678), 0xffffffff80000000u);  // amoswap.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa12345678u);
  EXPECT_EQ(amo(0x00c5a52f, 0xaaaaaaaa7fffffff, 1), 0x7fffffffu);  // amoadd.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa80000000u);
  EXPECT_EQ(amo(0x00c5a52f, 0xaaaaaaaaffffffff, 1), kAll);                          // amoadd.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa00000000u);                                      // no carry into the next word
  EXPECT_EQ(amo(0x20c5a52f, 0xaaaaaaaa0f0f0f0f, 0xffffffff00ff00ff), 0x0f0f0f0fu);  // amoxor.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa0ff00ff0u);
  EXPECT_EQ(amo(0x60c5a52f, 0xaaaaaaaaf0f0f0f0, 0xff00ff00), 0xfffffffff0f0f0f0u);  // amoand.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaaf000f000u);
  EXPECT_EQ(amo(0x40c5a52f, 0xaaaaaaaa00000001, 0x80000000), 1u);  // amoor.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa80000001u);
}

TEST_F(InsnTest, AmoMinMaxWord) {
  // Signed comparisons of the 32-bit values: rs2 = 0x80000000 is INT32_MIN.
  EXPECT_EQ(amo(0x80c5a52f, 0xaaaaaaaa00000005, 0x80000000), 5u);  // amomin.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa80000000u);
  EXPECT_EQ(amo(0x80c5a52f, 0xaaaaaaaac4ecd7a4, 0), 0xffffffffc4ecd7a4u);  // amomin.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaac4ecd7a4u);
  EXPECT_EQ(amo(0xa0c5a52f, 0xaaaaaaaa00000005, 0x80000000), 5u);  // amomax.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa00000005u);
  EXPECT_EQ(amo(0xa0c5a52f, 0xaaaaaaaafffffffe, 0xffffffff00000001), kAll - 1);  // amomax.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa00000001u);
  // Unsigned comparisons of the 32-bit values: rs2's upper half is ignored.
  EXPECT_EQ(amo(0xc0c5a52f, 0xaaaaaaaa00000010, 0xffffffff00000001), 0x10u);  // amominu.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa00000001u);
  EXPECT_EQ(amo(0xc0c5a52f, 0xaaaaaaaa80000000, 0x7fffffff), 0xffffffff80000000u);  // amominu.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa7fffffffu);
  EXPECT_EQ(amo(0xe0c5a52f, 0xaaaaaaaa80000000, 1), 0xffffffff80000000u);  // amomaxu.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa80000000u);
  EXPECT_EQ(amo(0xe0c5a52f, 0xaaaaaaaa00000005, 0x100000003), 5u);  // amomaxu.w a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xaaaaaaaa00000005u);
}

TEST_F(InsnTest, AmoDoubleword) {
  EXPECT_EQ(amo(0x08c5b52f, kW0, kW1), kW0);  // amoswap.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), kW1);
  EXPECT_EQ(amo(0x00c5b52f, kAll, 2), kAll);  // amoadd.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), 1u);
  EXPECT_EQ(amo(0x20c5b52f, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xff00ff00ff00ff00u);  // amoxor.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xf0f0f0f0f0f0f0f0u);
  EXPECT_EQ(amo(0x60c5b52f, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xff00ff00ff00ff00u);  // amoand.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0x0f000f000f000f00u);
  EXPECT_EQ(amo(0x40c5b52f, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xff00ff00ff00ff00u);  // amoor.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0xfff0fff0fff0fff0u);
  EXPECT_EQ(amo(0x80c5b52f, 5, kMin64), 5u);  // amomin.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), kMin64);
  EXPECT_EQ(amo(0xa0c5b52f, kAll, 0), kAll);  // amomax.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), 0u);
  EXPECT_EQ(amo(0xc0c5b52f, 5, kAll), 5u);  // amominu.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), 5u);
  EXPECT_EQ(amo(0xe0c5b52f, 5, kAll), 5u);  // amomaxu.d a0, a2, (a1)
  EXPECT_EQ(peek(kData), kAll);
}

TEST_F(InsnTest, AmoOrderingBitsAndRegisterAliasing) {
  EXPECT_EQ(amo(0x06c5a52f, 40, 2), 40u);  // amoadd.w.aqrl a0, a2, (a1)
  EXPECT_EQ(peek(kData), 42u);
  // rd == rs2: the old memory value goes to a2, memory gets the old a2.
  clear();
  code({0x08c5b62f});  // amoswap.d a2, a2, (a1)
  poke(kData, 111);
  set(a1, kData);
  set(a2, 222);
  run(1);
  EXPECT_EQ(x(a2), 111u);
  EXPECT_EQ(peek(kData), 222u);
}

// ---------------------------------------------------------------------------------------
// Zicsr on mscratch, and the counters

TEST_F(InsnTest, CsrMscratch) {
  code({0x34059573,    // csrrw a0, mscratch, a1
        0x340626f3,    // csrrs a3, mscratch, a2
        0x34083773,    // csrrc a4, mscratch, a6
        0x340fd7f3,    // csrrwi a5, mscratch, 31
        0x340068f3,    // csrrsi a7, mscratch, 0
        0x3402f973,    // csrrci s2, mscratch, 5
        0x3400e9f3,    // csrrsi s3, mscratch, 1
        0x34002a73,    // csrrs s4, mscratch, zero
        0x34059073,    // csrrw zero, mscratch, a1
        0x34003af3});  // csrrc s5, mscratch, zero
  set(a1, 0x123456789abcdef0);
  set(a2, 0xf);
  set(a6, 0xff00000000000000);
  run(10);
  EXPECT_EQ(x(a0), 0u);  // reset value
  EXPECT_EQ(x(a3), 0x123456789abcdef0u);
  EXPECT_EQ(x(a4), 0x123456789abcdeffu);
  EXPECT_EQ(x(a5), 0x003456789abcdeffu);
  EXPECT_EQ(x(a7), 31u);
  EXPECT_EQ(x(s2), 31u);
  EXPECT_EQ(x(s3), 26u);
  EXPECT_EQ(x(s4), 27u);
  EXPECT_EQ(x(s5), 0x123456789abcdef0u);
  EXPECT_EQ(csr(kMscratch), 0x123456789abcdef0u);
}

TEST_F(InsnTest, CsrToX0AndFromX0) {
  code({0x3408d073,    // csrrwi zero, mscratch, 17
        0x34002073});  // csrrs zero, mscratch, zero
  run(2);
  EXPECT_EQ(x(zero), 0u);
  EXPECT_EQ(csr(kMscratch), 17u);
}

TEST_F(InsnTest, InstretCounts) {
  code({0x00100513,    // addi a0, zero, 1
        0x0001,        // c.nop
        0x00200513,    // addi a0, zero, 2
        0xb02025f3,    // csrrs a1, minstret, zero
        0xc0202673});  // csrrs a2, instret, zero
  run(5);
  // A read returns the count before the reading instruction retires.
  EXPECT_EQ(x(a1), 3u);
  EXPECT_EQ(x(a2), 4u);
}

TEST_F(InsnTest, InstretWriteReplacesTheIncrement) {
  code({0xb0259073,    // csrrw zero, minstret, a1
        0xb0202573});  // csrrs a0, minstret, zero
  set(a1, 100);
  run(2);
  EXPECT_EQ(x(a0), 100u);
}

// ---------------------------------------------------------------------------------------
// C: quadrant 0 (c.addi4spn, loads and stores through x8..x15)

TEST_F(InsnTest, CAddi4spn) {
  clear();
  code({0x0808});  // c.addi4spn a0, sp, 16
  set(sp, kData);
  run(1);
  EXPECT_EQ(x(a0), kData + 16);
  EXPECT_EQ(pc(), kBase + 2);
  clear();
  code({0x1fe4});  // c.addi4spn s1, sp, 1020
  set(sp, kData);
  run(1);
  EXPECT_EQ(x(s1), kData + 1020);
}

TEST_F(InsnTest, CLoads) {
  EXPECT_EQ(load(0x4188, kData), 0x44332211u);                // c.lw a0, 0(a1)
  EXPECT_EQ(load(0x41c8, kData), 0xffffffff88776655u);        // c.lw a0, 4(a1)
  EXPECT_EQ(load(0x5de8, kData - 120), 0xffffffff88776655u);  // c.lw a0, 124(a1)
  EXPECT_EQ(load(0x6588, kData), kW1);                        // c.ld a0, 8(a1)
  EXPECT_EQ(load(0x7de8, kData - 248), kW0);                  // c.ld a0, 248(a1)
}

TEST_F(InsnTest, CStores) {
  const uint64_t v = 0x1122334455667788;
  store(0xc1d0, kData, v);  // c.sw a2, 4(a1)
  EXPECT_EQ(peek(kData), 0x55667788ffffffffu);
  store(0xddf0, kData - 120, v);  // c.sw a2, 124(a1)
  EXPECT_EQ(peek(kData), 0x55667788ffffffffu);
  store(0xe590, kData, v);  // c.sd a2, 8(a1)
  EXPECT_EQ(peek(kData + 8), v);
  EXPECT_EQ(peek(kData), kAll);
  store(0xfdf0, kData - 248, v);  // c.sd a2, 248(a1)
  EXPECT_EQ(peek(kData), v);
}

// ---------------------------------------------------------------------------------------
// C: quadrant 1 (immediates, arithmetic, jumps, branches)

TEST_F(InsnTest, CAddiAndNop) {
  EXPECT_EQ(cop(0x157d, 0), kAll);           // c.addi a0, -1
  EXPECT_EQ(cop(0x057d, 1), 32u);            // c.addi a0, 31
  EXPECT_EQ(cop(0x1501, 1), uint64_t(-31));  // c.addi a0, -32
  EXPECT_EQ(cop(0x0001, 77), 77u);           // c.nop
}
TEST_F(InsnTest, CAddiw) {
  EXPECT_EQ(cop(0x2505, 0x7fffffff), 0xffffffff80000000u);   // c.addiw a0, 1
  EXPECT_EQ(cop(0x2501, 0x180000000), 0xffffffff80000000u);  // c.addiw a0, 0
  EXPECT_EQ(cop(0x357d, 0), kAll);                           // c.addiw a0, -1
}
TEST_F(InsnTest, CLi) {
  EXPECT_EQ(cop(0x5501, 5), 0xffffffffffffffe0u);  // c.li a0, -32
  EXPECT_EQ(cop(0x457d, 5), 31u);                  // c.li a0, 31
  EXPECT_EQ(cop(0x4501, 5), 0u);                   // c.li a0, 0
}
TEST_F(InsnTest, CAddi16sp) {
  clear();
  code({0x7101});  // c.addi16sp sp, -512
  set(sp, kData);
  run(1);
  EXPECT_EQ(x(sp), kData - 512);
  clear();
  code({0x617d});  // c.addi16sp sp, 496
  set(sp, kData);
  run(1);
  EXPECT_EQ(x(sp), kData + 496);
  EXPECT_EQ(pc(), kBase + 2);
}
TEST_F(InsnTest, CLui) {
  EXPECT_EQ(cop(0x6505, 5), 0x1000u);              // c.lui a0, 1
  EXPECT_EQ(cop(0x657d, 5), 0x1f000u);             // c.lui a0, 31
  EXPECT_EQ(cop(0x7501, 5), 0xfffffffffffe0000u);  // c.lui a0, 0xfffe0
  EXPECT_EQ(cop(0x757d, 5), 0xfffffffffffff000u);  // c.lui a0, 0xfffff
}
TEST_F(InsnTest, CShiftsAndAndi) {
  EXPECT_EQ(cop(0x917d, kMin64), 1u);                   // c.srli a0, 63
  EXPECT_EQ(cop(0x8105, kAll), kMax64);                 // c.srli a0, 1
  EXPECT_EQ(cop(0x9101, kAll), 0xffffffffu);            // c.srli a0, 32
  EXPECT_EQ(cop(0x957d, kMin64), kAll);                 // c.srai a0, 63
  EXPECT_EQ(cop(0x8505, kMin64), 0xc000000000000000u);  // c.srai a0, 1
  EXPECT_EQ(cop(0x9941, kAll), 0xfffffffffffffff0u);    // c.andi a0, -16
  EXPECT_EQ(cop(0x8901, kAll), 0u);                     // c.andi a0, 0
  EXPECT_EQ(cop(0x897d, 0xff), 0x1fu);                  // c.andi a0, 31
}
TEST_F(InsnTest, CArithmetic) {
  EXPECT_EQ(cop(0x8d0d, 0, 1), kAll);                          // c.sub a0, a1
  EXPECT_EQ(cop(0x8d2d, 0xff00, 0x0ff0), 0xf0f0u);             // c.xor a0, a1
  EXPECT_EQ(cop(0x8d4d, 0xf0, 0x0f), 0xffu);                   // c.or a0, a1
  EXPECT_EQ(cop(0x8d6d, 0xff00, 0x0ff0), 0x0f00u);             // c.and a0, a1
  EXPECT_EQ(cop(0x9d0d, 0, 0x80000000), 0xffffffff80000000u);  // c.subw a0, a1
  EXPECT_EQ(cop(0x9d0d, 0x100000000, 1), kAll);                // c.subw a0, a1
  EXPECT_EQ(cop(0x9d2d, 0x7fffffff, 1), 0xffffffff80000000u);  // c.addw a0, a1
}
TEST_F(InsnTest, CJ) {
  EXPECT_EQ(branch(0xa019, 0), 6u);     // c.j 6
  EXPECT_EQ(branch(0xaffd, 0), 2046u);  // c.j 2046
  clear();
  at(0, {0x0010006f});  // jal zero, 2048
  at(2048, {0xb001});   // c.j -2048
  run(2);
  EXPECT_EQ(pc(), kBase);
  clear();
  code({0xa011,    // c.j 4
        0x0505,    // c.addi a0, 1
        0xbffd});  // c.j -2
  set(a0, 10);
  run(3);
  EXPECT_EQ(x(a0), 11u);
  EXPECT_EQ(pc(), kBase + 4);
}
TEST_F(InsnTest, CBeqzBnez) {
  EXPECT_EQ(branch(0xc119, 0), 6u);           // c.beqz a0, 6
  EXPECT_EQ(branch(0xc119, 1ull << 40), 2u);  // c.beqz a0, 6
  EXPECT_EQ(branch(0xe119, 1ull << 40), 6u);  // c.bnez a0, 6
  EXPECT_EQ(branch(0xe119, 0), 2u);           // c.bnez a0, 6
  EXPECT_EQ(branch(0xed7d, 1), 254u);         // c.bnez a0, 254
  clear();
  at(0, {0x1000006f});  // jal zero, 256
  at(256, {0xd101});    // c.beqz a0, -256
  set(a0, 0);
  run(2);
  EXPECT_EQ(pc(), kBase);
}

// ---------------------------------------------------------------------------------------
// C: quadrant 2 (c.slli, stack-relative loads/stores, register moves and jumps)

TEST_F(InsnTest, CSlli) {
  EXPECT_EQ(cop(0x157e, 3), kMin64);                        // c.slli a0, 63
  EXPECT_EQ(cop(0x0506, 0x4000000000000001), kMin64 + 2);   // c.slli a0, 1
  EXPECT_EQ(cop(0x1502, 0xffffffff), 0xffffffff00000000u);  // c.slli a0, 32
}
TEST_F(InsnTest, CStackLoads) {
  EXPECT_EQ(load(0x4512, kData), 0xffffffff88776655u);            // c.lwsp a0, 4(sp)
  EXPECT_EQ(load(0x557e, kData - 252 + 8), 0xffffffff89abcdefu);  // c.lwsp a0, 252(sp)
  EXPECT_EQ(load(0x6522, kData), kW1);                            // c.ldsp a0, 8(sp)
  EXPECT_EQ(load(0x757e, kData - 504), kW0);                      // c.ldsp a0, 504(sp)
}
TEST_F(InsnTest, CStackStores) {
  const uint64_t v = 0x1122334455667788;
  store(0xc232, kData, v);  // c.swsp a2, 4(sp)
  EXPECT_EQ(peek(kData), 0x55667788ffffffffu);
  store(0xdfb2, kData - 252, v);  // c.swsp a2, 252(sp)
  EXPECT_EQ(peek(kData), 0xffffffff55667788u);
  store(0xe432, kData, v);  // c.sdsp a2, 8(sp)
  EXPECT_EQ(peek(kData + 8), v);
  store(0xffb2, kData - 504, v);  // c.sdsp a2, 504(sp)
  EXPECT_EQ(peek(kData), v);
}
TEST_F(InsnTest, CMvAdd) {
  EXPECT_EQ(cop(0x852e, 5, 0x1234), 0x1234u);  // c.mv a0, a1
  EXPECT_EQ(cop(0x952e, kAll, 2), 1u);         // c.add a0, a1
}
TEST_F(InsnTest, CJrJalr) {
  clear();
  code({0x8582});  // c.jr a1
  set(a1, kBase + 0x40);
  run(1);
  EXPECT_EQ(pc(), kBase + 0x40);
  EXPECT_EQ(x(ra), 0u);
  clear();
  code({0x9582});  // c.jalr a1
  set(a1, kBase + 0x41);
  run(1);
  EXPECT_EQ(pc(), kBase + 0x40);  // bit 0 cleared
  EXPECT_EQ(x(ra), kBase + 2);
  // The link register is also the target register: the jump uses the old value.
  clear();
  code({0x9082});  // c.jalr ra
  set(ra, kBase + 0x40);
  run(1);
  EXPECT_EQ(pc(), kBase + 0x40);
  EXPECT_EQ(x(ra), kBase + 2);
}

TEST_F(InsnTest, CHintsLeaveX0Alone) {
  // HINT encodings (rd = x0) must not change architectural state beyond the pc.
  code({0x4015,    // c.li zero, 5
        0x802e,    // c.mv zero, a1
        0x902e,    // c.add zero, a1
        0x0006,    // c.slli zero, 1
        0x6005,    // c.lui zero, 1
        0x0005});  // c.nop 1
  set(a1, 9);
  run(6);
  EXPECT_EQ(x(zero), 0u);
  EXPECT_EQ(x(a1), 9u);
  EXPECT_EQ(pc(), kBase + 12);
}

TEST_F(InsnTest, MixedLengthsInOneBlock) {
  code({0x4505,        // c.li a0, 1
        0x00250513,    // addi a0, a0, 2
        0x0512,        // c.slli a0, 4
        0x0505,        // c.addi a0, 1
        0x00a505b3});  // add a1, a0, a0
  run(5);
  EXPECT_EQ(x(a0), 49u);
  EXPECT_EQ(x(a1), 98u);
  EXPECT_EQ(pc(), kBase + 14);
}

// ---------------------------------------------------------------------------------------
// Privileged: wfi, sfence.vma

TEST_F(InsnTest, WfiWakesOnPendingInterruptWithMieClear) {
  code({0x0005b023,      // sd zero, 0(a1)      (mtimecmp = 0: timer interrupt pending)
        0x30462073,      // csrrs zero, mie, a2   (enable MTIE; mstatus.MIE stays 0)
        0x10500073,      // wfi
        0x00100513});    // addi a0, zero, 1
  set(a1, 0x0200'4000);  // CLINT mtimecmp of hart 0
  set(a2, 1 << 7);
  run(4);
  EXPECT_EQ(x(a0), 1u);
  EXPECT_EQ(pc(), kBase + 16);
  EXPECT_NE(csr(kMip) & (1 << 7), 0u);
  EXPECT_EQ(csr(kMcause), 0u);  // no trap was taken
}

TEST_F(InsnTest, SfenceVmaInMachineModeIsANop) {
  // In M-mode addresses are not translated; sfence.vma retires without visible effect.
  code({0x12000073,    // sfence.vma
        0x12c58073});  // sfence.vma a1, a2
  run(2);
  EXPECT_EQ(pc(), kBase + 8);
}

// ---------------------------------------------------------------------------------------
// F and D. Single-precision constants: 1.0 = 0x3f800000, 2^-24 = 0x33800000 (half an ulp
// of 1.0), 1 + 2^-23 = 0x3f800001. Double: 1.0 = 0x3ff0000000000000.

TEST_F(InsnTest, FaddEachStaticRoundingMode) {
  // 1 + 2^-24 is a tie between 1.0 (even) and 1 + 2^-23.
  EXPECT_EQ(ff(0x00c58553, S(0x3f800000), S(0x33800000)), (FpResult{S(0x3f800000), NX}));  // fadd.s fa0,fa1,fa2,rne
  EXPECT_EQ(ff(0x00c59553, S(0x3f800000), S(0x33800000)), (FpResult{S(0x3f800000), NX}));  // fadd.s fa0,fa1,fa2,rtz
  EXPECT_EQ(ff(0x00c5a553, S(0x3f800000), S(0x33800000)), (FpResult{S(0x3f800000), NX}));  // fadd.s fa0,fa1,fa2,rdn
  EXPECT_EQ(ff(0x00c5b553, S(0x3f800000), S(0x33800000)), (FpResult{S(0x3f800001), NX}));  // fadd.s fa0,fa1,fa2,rup
  EXPECT_EQ(ff(0x00c5c553, S(0x3f800000), S(0x33800000)), (FpResult{S(0x3f800001), NX}));  // fadd.s fa0,fa1,fa2,rmm
  // -1 - 2^-24: the directed modes swap.
  EXPECT_EQ(ff(0x00c58553, S(0xbf800000), S(0xb3800000)), (FpResult{S(0xbf800000), NX}));  // fadd.s fa0,fa1,fa2,rne
  EXPECT_EQ(ff(0x00c59553, S(0xbf800000), S(0xb3800000)), (FpResult{S(0xbf800000), NX}));  // fadd.s fa0,fa1,fa2,rtz
  EXPECT_EQ(ff(0x00c5a553, S(0xbf800000), S(0xb3800000)), (FpResult{S(0xbf800001), NX}));  // fadd.s fa0,fa1,fa2,rdn
  EXPECT_EQ(ff(0x00c5b553, S(0xbf800000), S(0xb3800000)), (FpResult{S(0xbf800000), NX}));  // fadd.s fa0,fa1,fa2,rup
  EXPECT_EQ(ff(0x00c5c553, S(0xbf800000), S(0xb3800000)), (FpResult{S(0xbf800001), NX}));  // fadd.s fa0,fa1,fa2,rmm
  // (1 + 2^-23) + 2^-24: a tie whose lower neighbour is odd, so nearest-even rounds up.
  EXPECT_EQ(ff(0x00c58553, S(0x3f800001), S(0x33800000)), (FpResult{S(0x3f800002), NX}));  // fadd.s fa0,fa1,fa2,rne
  EXPECT_EQ(ff(0x00c59553, S(0x3f800001), S(0x33800000)), (FpResult{S(0x3f800001), NX}));  // fadd.s fa0,fa1,fa2,rtz
  // 1 + 0.75 ulp: not a tie.
  EXPECT_EQ(ff(0x00c58553, S(0x3f800000), S(0x33c00000)), (FpResult{S(0x3f800001), NX}));  // fadd.s fa0,fa1,fa2,rne
  EXPECT_EQ(ff(0x00c5a553, S(0x3f800000), S(0x33c00000)), (FpResult{S(0x3f800000), NX}));  // fadd.s fa0,fa1,fa2,rdn
  // Exact sums raise nothing.
  EXPECT_EQ(ff(0x00c58553, S(0x3f800000), S(0x3f800000)), (FpResult{S(0x40000000), 0}));  // fadd.s fa0,fa1,fa2,rne
}

TEST_F(InsnTest, DynamicRoundingModeComesFromFrm) {
  EXPECT_EQ(ff(0x00c5f553, S(0x3f800000), S(0x33800000), 0, frm(3)), (FpResult{S(0x3f800001), NX}));  // fadd.s (dyn)
  EXPECT_EQ(ff(0x00c5f553, S(0x3f800000), S(0x33800000), 0, frm(1)), (FpResult{S(0x3f800000), NX}));  // fadd.s (dyn)
  EXPECT_EQ(ff(0x00c5f553, S(0x3f800000), S(0x33800000), 0, frm(4)), (FpResult{S(0x3f800001), NX}));  // fadd.s (dyn)
  EXPECT_EQ(ff(0x00c5f553, S(0xbf800000), S(0xb3800000), 0, frm(2)), (FpResult{S(0xbf800001), NX}));  // fadd.s (dyn)
  // 1 + 2^-53 in double: a tie.
  EXPECT_EQ(ff(0x02c5f553, 0x3ff0000000000000, 0x3ca0000000000000, 0, frm(0)),  // fadd.d fa0,fa1,fa2 (dyn)
            (FpResult{0x3ff0000000000000, NX}));
  EXPECT_EQ(ff(0x02c5f553, 0x3ff0000000000000, 0x3ca0000000000000, 0, frm(3)),  // fadd.d fa0,fa1,fa2 (dyn)
            (FpResult{0x3ff0000000000001, NX}));
  // Instructions that do not round ignore frm, even an invalid one.
  EXPECT_EQ(ff(0x28c58553, S(0x3f800000), S(0x40000000), 0, frm(7)), (FpResult{S(0x3f800000), 0}));  // fmin.s
  EXPECT_EQ(fx(0xa0c5a553, S(0x3f800000), S(0x3f800000), frm(5)), (FpResult{1, 0}));                 // feq.s a0,fa1,fa2
}

TEST_F(InsnTest, FlagsAccrue) {
  // fflags are sticky: an inexact add keeps DZ that was already set.
  EXPECT_EQ(ff(0x00c58553, S(0x3f800000), S(0x33800000), 0, frm(2) | DZ),  // fadd.s fa0,fa1,fa2,rne
            (FpResult{S(0x3f800000), DZ | NX}));
  // An exact operation leaves them alone.
  EXPECT_EQ(ff(0x00c58553, S(0x3f800000), S(0x3f800000), 0, frm(4) | UF | OF),  // fadd.s fa0,fa1,fa2,rne
            (FpResult{S(0x40000000), UF | OF}));
}

TEST_F(InsnTest, NanBoxing) {
  const uint64_t unboxed_one = 0x0000'0000'3f80'0000, almost = 0xffff'fffe'3f80'0000;
  // A single-precision operand that is not NaN-boxed reads as the canonical (quiet) NaN.
  EXPECT_EQ(ff(0x00c58553, unboxed_one, S(0x3f800000)), (FpResult{S(0x7fc00000), 0}));  // fadd.s fa0,fa1,fa2,rne
  EXPECT_EQ(ff(0x00c58553, almost, S(0x3f800000)), (FpResult{S(0x7fc00000), 0}));       // fadd.s fa0,fa1,fa2,rne
  EXPECT_EQ(ff(0x20c59553, unboxed_one, S(0x3f800000)), (FpResult{S(0xffc00000), 0}));  // fsgnjn.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x20c58553, S(0xbf800000), 0x80000000), (FpResult{S(0x3f800000), 0}));   // fsgnj.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x28c58553, unboxed_one, S(0x40000000)), (FpResult{S(0x40000000), 0}));  // fmin.s fa0,fa1,fa2
  EXPECT_EQ(fx(0xe0059553, unboxed_one), (FpResult{0x200, 0}));                         // fclass.s a0,fa1 (qNaN)
  EXPECT_EQ(fx(0xa0c5a553, unboxed_one, unboxed_one), (FpResult{0, 0}));                // feq.s a0,fa1,fa2
  EXPECT_EQ(ff(0x42058553, unboxed_one), (FpResult{0x7ff8000000000000, 0}));            // fcvt.d.s fa0,fa1
  // Moves and stores take the bits as they are.
  EXPECT_EQ(fx(0xe0058553, 0x1234'5678'8000'0001), (FpResult{0xffff'ffff'8000'0001, 0}));  // fmv.x.w a0,fa1
  EXPECT_EQ(xf(0xf0058553, 0x1234'5678'8765'4321), (FpResult{S(0x87654321), 0}));          // fmv.w.x fa0,a1
  // Double-precision instructions read all 64 bits: a boxed single is a quiet NaN.
  EXPECT_EQ(ff(0x02c5f553, S(0x3f800000), 0), (FpResult{0x7ff8000000000000, 0}));  // fadd.d fa0,fa1,fa2
}

TEST_F(InsnTest, NanResultsAreCanonical) {
  EXPECT_EQ(ff(0x00c58553, S(0x7fc12345), S(0x3f800000)), (FpResult{S(0x7fc00000), 0}));   // fadd.s fa0,fa1,fa2,rne
  EXPECT_EQ(ff(0x00c58553, S(0xffc00000), S(0x3f800000)), (FpResult{S(0x7fc00000), 0}));   // fadd.s fa0,fa1,fa2,rne
  EXPECT_EQ(ff(0x00c58553, S(0x3f800000), S(0x7f800001)), (FpResult{S(0x7fc00000), NV}));  // fadd.s (sNaN)
  EXPECT_EQ(ff(0x12c5f553, 0x7ff8000000000123, 0x3ff0000000000000),                        // fmul.d fa0,fa1,fa2
            (FpResult{0x7ff8000000000000, 0}));
  EXPECT_EQ(ff(0x58058553, S(0xbf800000)), (FpResult{S(0x7fc00000), NV}));                 // fsqrt.s fa0,fa1,rne
  EXPECT_EQ(ff(0x18c5f553, S(0x00000000), S(0x80000000)), (FpResult{S(0x7fc00000), NV}));  // fdiv.s 0/-0
  EXPECT_EQ(ff(0x18c5f553, S(0x7f800000), S(0xff800000)), (FpResult{S(0x7fc00000), NV}));  // fdiv.s inf/-inf
  EXPECT_EQ(ff(0x08c5f553, S(0x7f800000), S(0x7f800000)), (FpResult{S(0x7fc00000), NV}));  // fsub.s inf-inf
  EXPECT_EQ(ff(0x02c5f553, 0x7ff0000000000000, 0xfff0000000000000),                        // fadd.d inf+-inf
            (FpResult{0x7ff8000000000000, NV}));
  EXPECT_EQ(ff(0x10c5f553, S(0x80000000), S(0xff800000)), (FpResult{S(0x7fc00000), NV}));  // fmul.s -0*-inf
  // Sign injection is not arithmetic: NaN payloads survive and nothing is signaled.
  EXPECT_EQ(ff(0x20c58553, S(0x7f812345), S(0xbf800000)), (FpResult{S(0xff812345), 0}));  // fsgnj.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x22c5a553, 0xfff0000000000001, 0x8000000000000000),                       // fsgnjx.d fa0,fa1,fa2
            (FpResult{0x7ff0000000000001, 0}));
}

TEST_F(InsnTest, SignedZeros) {
  EXPECT_EQ(ff(0x00c58553, S(0x00000000), S(0x80000000)), (FpResult{S(0x00000000), 0}));  // fadd.s +0+-0, rne
  EXPECT_EQ(ff(0x00c5a553, S(0x00000000), S(0x80000000)), (FpResult{S(0x80000000), 0}));  // fadd.s +0+-0, rdn
  EXPECT_EQ(ff(0x00c58553, S(0x80000000), S(0x80000000)), (FpResult{S(0x80000000), 0}));  // fadd.s -0+-0, rne
  EXPECT_EQ(ff(0x08c5f553, S(0x3f800000), S(0x3f800000)), (FpResult{S(0x00000000), 0}));  // fsub.s 1-1 (dyn rne)
  EXPECT_EQ(ff(0x08c5a553, S(0x3f800000), S(0x3f800000)), (FpResult{S(0x80000000), 0}));  // fsub.s 1-1, rdn
  EXPECT_EQ(ff(0x0ac5f553, 0x3ff0000000000000, 0x3ff0000000000000, 0, frm(2)),            // fsub.d 1-1 (dyn rdn)
            (FpResult{0x8000000000000000, 0}));
  EXPECT_EQ(ff(0x10c5f553, S(0x80000000), S(0x40a00000)), (FpResult{S(0x80000000), 0}));  // fmul.s -0*5
  EXPECT_EQ(ff(0x18c5f553, S(0x3f800000), S(0xff800000)), (FpResult{S(0x80000000), 0}));  // fdiv.s 1/-inf
  EXPECT_EQ(ff(0x5805f553, S(0x80000000)), (FpResult{S(0x80000000), 0}));                 // fsqrt.s -0
  // (+0 * 5) + -0: +0 in round-to-nearest, -0 rounding down.
  EXPECT_EQ(ff(0x68c5f543, S(0x00000000), S(0x40a00000), S(0x80000000)),  // fmadd.s fa0,fa1,fa2,fa3 (dyn rne)
            (FpResult{S(0x00000000), 0}));
  EXPECT_EQ(ff(0x68c5a543, S(0x00000000), S(0x40a00000), S(0x80000000)),  // fmadd.s fa0,fa1,fa2,fa3,rdn
            (FpResult{S(0x80000000), 0}));
}

TEST_F(InsnTest, ExceptionFlags) {
  // Division by zero: only for finite nonzero dividends.
  EXPECT_EQ(ff(0x18c5f553, S(0x3f800000), S(0x00000000)), (FpResult{S(0x7f800000), DZ}));  // fdiv.s 1/+0
  EXPECT_EQ(ff(0x18c5f553, S(0xbf800000), S(0x00000000)), (FpResult{S(0xff800000), DZ}));  // fdiv.s -1/+0
  EXPECT_EQ(ff(0x1ac5f553, 0x3ff0000000000000, 0x8000000000000000),                        // fdiv.d 1/-0
            (FpResult{0xfff0000000000000, DZ}));
  EXPECT_EQ(ff(0x18c5f553, S(0x7f800000), S(0x00000000)), (FpResult{S(0x7f800000), 0}));  // fdiv.s inf/0
  // Overflow: infinity when rounding to nearest, the largest finite value towards zero.
  EXPECT_EQ(ff(0x10c5f553, S(0x7f7fffff), S(0x40000000)), (FpResult{S(0x7f800000), OF | NX}));  // fmul.s max*2
  EXPECT_EQ(ff(0x10c59553, S(0x7f7fffff), S(0x40000000)), (FpResult{S(0x7f7fffff), OF | NX}));  // fmul.s ...,rtz
  EXPECT_EQ(ff(0x02c5a553, 0x7fefffffffffffff, 0x7fefffffffffffff),  // fadd.d fa0,fa1,fa2,rdn (max+max)
            (FpResult{0x7fefffffffffffff, OF | NX}));
  EXPECT_EQ(ff(0x02c5a553, 0xffefffffffffffff, 0xffefffffffffffff),  // fadd.d fa0,fa1,fa2,rdn (-max-max)
            (FpResult{0xfff0000000000000, OF | NX}));
  // Underflow: tiny and inexact. 2^-126 / 3 = 2796202.67 units of 2^-149.
  EXPECT_EQ(ff(0x18c5f553, S(0x00800000), S(0x40400000)), (FpResult{S(0x002aaaab), UF | NX}));  // fdiv.s
  // A tiny exact result is no underflow: 2^-126 * 0.5 = 2^-127.
  EXPECT_EQ(ff(0x10c5f553, S(0x00800000), S(0x3f000000)), (FpResult{S(0x00400000), 0}));  // fmul.s fa0,fa1,fa2
  // Inexact only.
  EXPECT_EQ(ff(0x18c5f553, S(0x3f800000), S(0x40400000)), (FpResult{S(0x3eaaaaab), NX}));  // fdiv.s 1/3
}

// RISC-V detects tininess after rounding. 2^-126 * (1 - 2^-25) (the double
// 0x380ffffff0000000) rounded to 24 bits with an unbounded exponent is a tie that goes up
// to 2^-126: not tiny, so rounding to nearest gives the smallest normal with only NX.
// Rounding down stays below 2^-126: the largest subnormal, tiny and inexact.
TEST_F(InsnTest, TininessIsDetectedAfterRounding) {
  EXPECT_EQ(ff(0x40158553, 0x380ffffff0000000), (FpResult{S(0x00800000), NX}));       // fcvt.s.d fa0,fa1,rne
  EXPECT_EQ(ff(0x40159553, 0x380ffffff0000000), (FpResult{S(0x007fffff), UF | NX}));  // fcvt.s.d fa0,fa1,rtz
  // Far below: rounds to zero with underflow.
  EXPECT_EQ(ff(0x40158553, 0x3370000000000000), (FpResult{S(0x00000000), UF | NX}));  // fcvt.s.d 2^-200
  // Overflow is decided after rounding, too: max + half an ulp ties to infinity (max is odd)
  // but truncates to max without overflow.
  EXPECT_EQ(ff(0x40158553, 0x47effffff0000000), (FpResult{S(0x7f800000), OF | NX}));  // fcvt.s.d fa0,fa1,rne
  EXPECT_EQ(ff(0x40159553, 0x47effffff0000000), (FpResult{S(0x7f7fffff), NX}));       // fcvt.s.d fa0,fa1,rtz
}

TEST_F(InsnTest, FusedMultiplyAddRoundsOnce) {
  // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24; the product alone would round away the 2^-24.
  const uint64_t a = S(0x3f800800), c_neg = S(0xbf801000), c_pos = S(0x3f801000);
  EXPECT_EQ(ff(0x68c5f543, a, a, c_neg), (FpResult{S(0x33800000), 0}));  // fmadd.s fa0,fa1,fa2,fa3
  EXPECT_EQ(ff(0x68c5f547, a, a, c_pos), (FpResult{S(0x33800000), 0}));  // fmsub.s fa0,fa1,fa2,fa3
  EXPECT_EQ(ff(0x68c5f54b, a, a, c_pos), (FpResult{S(0xb3800000), 0}));  // fnmsub.s fa0,fa1,fa2,fa3
  EXPECT_EQ(ff(0x68c5f54f, a, a, c_neg), (FpResult{S(0xb3800000), 0}));  // fnmadd.s fa0,fa1,fa2,fa3
  // (1 + 2^-30)^2 - (1 + 2^-29) = 2^-60.
  const uint64_t d = 0x3ff0000000400000, dc_neg = 0xbff0000000800000, dc_pos = 0x3ff0000000800000;
  EXPECT_EQ(ff(0x6ac5f543, d, d, dc_neg), (FpResult{0x3c30000000000000, 0}));  // fmadd.d fa0,fa1,fa2,fa3
  EXPECT_EQ(ff(0x6ac5f547, d, d, dc_pos), (FpResult{0x3c30000000000000, 0}));  // fmsub.d fa0,fa1,fa2,fa3
  EXPECT_EQ(ff(0x6ac5f54b, d, d, dc_pos), (FpResult{0xbc30000000000000, 0}));  // fnmsub.d fa0,fa1,fa2,fa3
  EXPECT_EQ(ff(0x6ac5f54f, d, d, dc_neg), (FpResult{0xbc30000000000000, 0}));  // fnmadd.d fa0,fa1,fa2,fa3
  // Infinity times zero is invalid even when the addend is a quiet NaN.
  EXPECT_EQ(ff(0x68c5f543, S(0x7f800000), S(0x00000000), S(0x7fc00000)),  // fmadd.s fa0,fa1,fa2,fa3
            (FpResult{S(0x7fc00000), NV}));
  EXPECT_EQ(ff(0x6ac5f543, 0x0000000000000000, 0xfff0000000000000, 0x3ff0000000000000),  // fmadd.d 0*-inf+1
            (FpResult{0x7ff8000000000000, NV}));
  // inf - inf after the product.
  EXPECT_EQ(ff(0x68c5f543, S(0x7f800000), S(0x3f800000), S(0xff800000)),  // fmadd.s fa0,fa1,fa2,fa3
            (FpResult{S(0x7fc00000), NV}));
  EXPECT_EQ(ff(0x6ac5f543, 0x3ff0000000000000, 0x3ff0000000000000, 0x7ff0000000000001),  // fmadd.d (sNaN addend)
            (FpResult{0x7ff8000000000000, NV}));
}

TEST_F(InsnTest, SignInjection) {
  EXPECT_EQ(ff(0x22c58553, 0x3ff0000000000000, 0xc000000000000000), (FpResult{0xbff0000000000000, 0}));  // fsgnj.d
  EXPECT_EQ(ff(0x22c59553, 0x3ff0000000000000, 0xc000000000000000), (FpResult{0x3ff0000000000000, 0}));  // fsgnjn.d
  EXPECT_EQ(ff(0x22c5a553, 0x3ff0000000000000, 0xc000000000000000), (FpResult{0xbff0000000000000, 0}));  // fsgnjx.d
  EXPECT_EQ(ff(0x22c5a553, 0xbff0000000000000, 0xc000000000000000), (FpResult{0x3ff0000000000000, 0}));  // fsgnjx.d
  EXPECT_EQ(ff(0x20c58553, S(0xbf800000), S(0x3f800000)), (FpResult{S(0x3f800000), 0}));  // fsgnj.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x20c59553, S(0xbf800000), S(0x3f800000)), (FpResult{S(0xbf800000), 0}));  // fsgnjn.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x20c5a553, S(0xbf800000), S(0x3f800000)), (FpResult{S(0xbf800000), 0}));  // fsgnjx.s fa0,fa1,fa2
}

TEST_F(InsnTest, MinMax) {
  // -0 is less than +0, in either operand order.
  EXPECT_EQ(ff(0x28c58553, S(0x80000000), S(0x00000000)), (FpResult{S(0x80000000), 0}));  // fmin.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x28c58553, S(0x00000000), S(0x80000000)), (FpResult{S(0x80000000), 0}));  // fmin.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x28c59553, S(0x80000000), S(0x00000000)), (FpResult{S(0x00000000), 0}));  // fmax.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x28c59553, S(0x00000000), S(0x80000000)), (FpResult{S(0x00000000), 0}));  // fmax.s fa0,fa1,fa2
  // One NaN: the other operand; a signaling NaN also raises invalid.
  EXPECT_EQ(ff(0x28c58553, S(0x7fc00000), S(0x3f800000)), (FpResult{S(0x3f800000), 0}));   // fmin.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x28c59553, S(0x3f800000), S(0x7fc00000)), (FpResult{S(0x3f800000), 0}));   // fmax.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x28c58553, S(0x7f800001), S(0x3f800000)), (FpResult{S(0x3f800000), NV}));  // fmin.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x2ac59553, 0x7ff0000000000001, 0xbfe0000000000000),                        // fmax.d fa0,fa1,fa2
            (FpResult{0xbfe0000000000000, NV}));
  // Two NaNs: the canonical NaN.
  EXPECT_EQ(ff(0x28c58553, S(0x7fc12345), S(0xffc00000)), (FpResult{S(0x7fc00000), 0}));   // fmin.s fa0,fa1,fa2
  EXPECT_EQ(ff(0x28c59553, S(0x7f800001), S(0x7fc00000)), (FpResult{S(0x7fc00000), NV}));  // fmax.s fa0,fa1,fa2
  // Ordinary values.
  EXPECT_EQ(ff(0x28c58553, S(0xff800000), S(0x40400000)), (FpResult{S(0xff800000), 0}));  // fmin.s -inf, 3
  EXPECT_EQ(ff(0x28c59553, S(0xff800000), S(0x40400000)), (FpResult{S(0x40400000), 0}));  // fmax.s -inf, 3
  EXPECT_EQ(ff(0x2ac58553, 0x3ff0000000000000, 0xc000000000000000), (FpResult{0xc000000000000000, 0}));  // fmin.d
  EXPECT_EQ(ff(0x2ac58553, 0x0000000000000000, 0x8000000000000000), (FpResult{0x8000000000000000, 0}));  // fmin.d
}

TEST_F(InsnTest, Comparisons) {
  EXPECT_EQ(fx(0xa0c5a553, S(0x3f800000), S(0x3f800000)), (FpResult{1, 0}));  // feq.s a0,fa1,fa2
  EXPECT_EQ(fx(0xa0c59553, S(0x3f800000), S(0x40000000)), (FpResult{1, 0}));  // flt.s a0,fa1,fa2
  EXPECT_EQ(fx(0xa0c58553, S(0x40000000), S(0x3f800000)), (FpResult{0, 0}));  // fle.s a0,fa1,fa2
  EXPECT_EQ(fx(0xa0c5a553, S(0x80000000), S(0x00000000)), (FpResult{1, 0}));  // feq.s -0, +0
  EXPECT_EQ(fx(0xa0c59553, S(0x80000000), S(0x00000000)), (FpResult{0, 0}));  // flt.s -0, +0
  EXPECT_EQ(fx(0xa0c58553, S(0x80000000), S(0x00000000)), (FpResult{1, 0}));  // fle.s -0, +0
  // feq is quiet (invalid only for signaling NaNs); flt and fle signal on any NaN.
  EXPECT_EQ(fx(0xa0c5a553, S(0x7fc00000), S(0x3f800000)), (FpResult{0, 0}));             // feq.s qNaN
  EXPECT_EQ(fx(0xa0c5a553, S(0x7f800001), S(0x3f800000)), (FpResult{0, NV}));            // feq.s sNaN
  EXPECT_EQ(fx(0xa0c59553, S(0x7fc00000), S(0x3f800000)), (FpResult{0, NV}));            // flt.s qNaN
  EXPECT_EQ(fx(0xa0c58553, S(0x3f800000), S(0x7fc00000)), (FpResult{0, NV}));            // fle.s qNaN
  EXPECT_EQ(fx(0xa2c59553, 0xfff0000000000000, 0x7fefffffffffffff), (FpResult{1, 0}));   // flt.d -inf, max
  EXPECT_EQ(fx(0xa2c58553, 0x7ff0000000000000, 0x7ff0000000000000), (FpResult{1, 0}));   // fle.d inf, inf
  EXPECT_EQ(fx(0xa2c5a553, 0x7ff8000000000000, 0x7ff8000000000000), (FpResult{0, 0}));   // feq.d qNaN, qNaN
  EXPECT_EQ(fx(0xa2c59553, 0x7ff8000000000000, 0x3ff0000000000000), (FpResult{0, NV}));  // flt.d qNaN
  // With rd = x0 the result is dropped but the flags are still raised.
  clear();
  code({0xa0c5a053});  // feq.s zero,fa1,fa2
  set(fa1, S(0x7f800001));
  run(1);
  EXPECT_EQ(x(zero), 0u);
  EXPECT_EQ(fcsr(), NV);
}

TEST_F(InsnTest, ClassifyEveryClass) {
  const uint64_t singles[10] = {0xff800000, 0xbf800000, 0x80000001, 0x80000000, 0x00000000,
                                0x00000001, 0x3f800000, 0x7f800000, 0x7f800001, 0x7fc00000};
  const uint64_t doubles[10] = {0xfff0000000000000, 0xbff0000000000000, 0x800fffffffffffff, 0x8000000000000000,
                                0x0000000000000000, 0x0000000000000001, 0x3ff0000000000000, 0x7ff0000000000000,
                                0x7ff4000000000000, 0xfff8000000000000};
  for (unsigned k = 0; k < 10; k++) {
    EXPECT_EQ(fx(0xe0059553, S(uint32_t(singles[k]))), (FpResult{1ull << k, 0})) << k;  // fclass.s a0,fa1
    EXPECT_EQ(fx(0xe2059553, doubles[k]), (FpResult{1ull << k, 0})) << k;               // fclass.d a0,fa1
  }
}

TEST_F(InsnTest, FloatToIntRounding) {
  // 2.5 and -2.5 in every mode.
  EXPECT_EQ(fx(0xc0058553, S(0x40200000)), (FpResult{2, NX}));                  // fcvt.w.s a0,fa1,rne
  EXPECT_EQ(fx(0xc0059553, S(0x40200000)), (FpResult{2, NX}));                  // fcvt.w.s a0,fa1,rtz
  EXPECT_EQ(fx(0xc005a553, S(0x40200000)), (FpResult{2, NX}));                  // fcvt.w.s a0,fa1,rdn
  EXPECT_EQ(fx(0xc005b553, S(0x40200000)), (FpResult{3, NX}));                  // fcvt.w.s a0,fa1,rup
  EXPECT_EQ(fx(0xc005c553, S(0x40200000)), (FpResult{3, NX}));                  // fcvt.w.s a0,fa1,rmm
  EXPECT_EQ(fx(0xc0058553, S(0xc0200000)), (FpResult{uint64_t(-2), NX}));       // fcvt.w.s a0,fa1,rne
  EXPECT_EQ(fx(0xc0059553, S(0xc0200000)), (FpResult{uint64_t(-2), NX}));       // fcvt.w.s a0,fa1,rtz
  EXPECT_EQ(fx(0xc005a553, S(0xc0200000)), (FpResult{uint64_t(-3), NX}));       // fcvt.w.s a0,fa1,rdn
  EXPECT_EQ(fx(0xc005b553, S(0xc0200000)), (FpResult{uint64_t(-2), NX}));       // fcvt.w.s a0,fa1,rup
  EXPECT_EQ(fx(0xc005c553, S(0xc0200000)), (FpResult{uint64_t(-3), NX}));       // fcvt.w.s a0,fa1,rmm
  EXPECT_EQ(fx(0xc0058553, S(0x3ecccccd)), (FpResult{0, NX}));                  // fcvt.w.s 0.4
  EXPECT_EQ(fx(0xc0058553, S(0x80000000)), (FpResult{0, 0}));                   // fcvt.w.s -0
  EXPECT_EQ(fx(0xc0058553, S(0xcf000000)), (FpResult{0xffffffff80000000, 0}));  // fcvt.w.s -2^31
}

TEST_F(InsnTest, FloatToIntSaturates) {
  // The table in the F chapter: NaN and +inf give the maximum, -inf the minimum, values
  // out of range (after rounding) the nearer limit; all with only NV.
  EXPECT_EQ(fx(0xc0059553, S(0x7fc00000)), (FpResult{0x7fffffff, NV}));          // fcvt.w.s NaN
  EXPECT_EQ(fx(0xc0059553, S(0x7f800001)), (FpResult{0x7fffffff, NV}));          // fcvt.w.s sNaN
  EXPECT_EQ(fx(0xc0059553, S(0x7f800000)), (FpResult{0x7fffffff, NV}));          // fcvt.w.s +inf
  EXPECT_EQ(fx(0xc0059553, S(0xff800000)), (FpResult{0xffffffff80000000, NV}));  // fcvt.w.s -inf
  EXPECT_EQ(fx(0xc0059553, S(0x4f32d05e)), (FpResult{0x7fffffff, NV}));          // fcvt.w.s 3e9
  EXPECT_EQ(fx(0xc0059553, S(0xcf32d05e)), (FpResult{0xffffffff80000000, NV}));  // fcvt.w.s -3e9
  EXPECT_EQ(fx(0xc0059553, S(0x4f000000)), (FpResult{0x7fffffff, NV}));          // fcvt.w.s 2^31
  // Unsigned: -0.5 rounds to -0, which is in range; rounding down it becomes -1, which is not.
  EXPECT_EQ(fx(0xc0158553, S(0xbf000000)), (FpResult{0, NX}));                   // fcvt.wu.s a0,fa1,rne
  EXPECT_EQ(fx(0xc015a553, S(0xbf000000)), (FpResult{0, NV}));                   // fcvt.wu.s a0,fa1,rdn
  EXPECT_EQ(fx(0xc0158553, S(0xbf800000)), (FpResult{0, NV}));                   // fcvt.wu.s -1
  EXPECT_EQ(fx(0xc0158553, S(0x4f32d05e)), (FpResult{0xffffffffb2d05e00, 0}));   // fcvt.wu.s 3e9 (sext)
  EXPECT_EQ(fx(0xc0158553, S(0x4f800000)), (FpResult{0xffffffffffffffff, NV}));  // fcvt.wu.s 2^32
  EXPECT_EQ(fx(0xc0158553, S(0x7fc00000)), (FpResult{0xffffffffffffffff, NV}));  // fcvt.wu.s NaN
  EXPECT_EQ(fx(0xc0158553, S(0xff800000)), (FpResult{0, NV}));                   // fcvt.wu.s -inf
  EXPECT_EQ(fx(0xc0259553, S(0x5f000000)), (FpResult{0x7fffffffffffffff, NV}));  // fcvt.l.s 2^63
  EXPECT_EQ(fx(0xc0259553, S(0xdf000000)), (FpResult{0x8000000000000000, 0}));   // fcvt.l.s -2^63
  EXPECT_EQ(fx(0xc0259553, S(0xff800000)), (FpResult{0x8000000000000000, NV}));  // fcvt.l.s -inf
  EXPECT_EQ(fx(0xc0259553, S(0x7fc00000)), (FpResult{0x7fffffffffffffff, NV}));  // fcvt.l.s NaN
  EXPECT_EQ(fx(0xc0359553, S(0x5f800000)), (FpResult{0xffffffffffffffff, NV}));  // fcvt.lu.s 2^64
  EXPECT_EQ(fx(0xc0359553, S(0x5f7fffff)), (FpResult{0xffffff0000000000, 0}));   // fcvt.lu.s 2^64-2^40
  EXPECT_EQ(fx(0xc0359553, S(0xbf666666)), (FpResult{0, NX}));                   // fcvt.lu.s -0.9, rtz
  EXPECT_EQ(fx(0xc0359553, S(0xff800000)), (FpResult{0, NV}));                   // fcvt.lu.s -inf
  // Doubles around the 32-bit limits.
  EXPECT_EQ(fx(0xc2059553, 0xc1e0000000100000), (FpResult{0xffffffff80000000, NX}));  // fcvt.w.d -2^31-0.5, rtz
  EXPECT_EQ(fx(0xc2058553, 0xc1e0000000100000), (FpResult{0xffffffff80000000, NX}));  // ..., rne (tie to even)
  EXPECT_EQ(fx(0xc205a553, 0xc1e0000000100000), (FpResult{0xffffffff80000000, NV}));  // ..., rdn: -2^31-1
  EXPECT_EQ(fx(0xc2058553, 0x41dfffffffe00000), (FpResult{0x7fffffff, NV}));          // fcvt.w.d 2^31-0.5, rne
  EXPECT_EQ(fx(0xc2059553, 0x41dfffffffe00000), (FpResult{0x7fffffff, NX}));          // ..., rtz
  EXPECT_EQ(fx(0xc2159553, 0x41effffffff00000), (FpResult{0xffffffffffffffff, NX}));  // fcvt.wu.d 2^32-0.5
  EXPECT_EQ(fx(0xc2259553, 0x43e0000000000000), (FpResult{0x7fffffffffffffff, NV}));  // fcvt.l.d 2^63
  EXPECT_EQ(fx(0xc2259553, 0xc3e0000000000000), (FpResult{0x8000000000000000, 0}));   // fcvt.l.d -2^63
  EXPECT_EQ(fx(0xc2259553, 0xbff8000000000000), (FpResult{uint64_t(-1), NX}));        // fcvt.l.d -1.5, rtz
  EXPECT_EQ(fx(0xc2359553, 0x43f0000000000000), (FpResult{0xffffffffffffffff, NV}));  // fcvt.lu.d 2^64
  EXPECT_EQ(fx(0xc2359553, 0x43efffffffffffff), (FpResult{0xfffffffffffff800, 0}));   // fcvt.lu.d 2^64-2^11
  EXPECT_EQ(fx(0xc2359553, 0x8000000000000000), (FpResult{0, 0}));                    // fcvt.lu.d -0
}

TEST_F(InsnTest, IntToFloat) {
  EXPECT_EQ(xf(0xd0058553, 0x1000001), (FpResult{S(0x4b800000), NX}));               // fcvt.s.w fa0,a1,rne
  EXPECT_EQ(xf(0xd005b553, 0x1000001), (FpResult{S(0x4b800001), NX}));               // fcvt.s.w fa0,a1,rup
  EXPECT_EQ(xf(0xd0058553, 0xdeadbeef01000001), (FpResult{S(0x4b800000), NX}));      // (upper half ignored)
  EXPECT_EQ(xf(0xd0058553, uint64_t(-1)), (FpResult{S(0xbf800000), 0}));             // fcvt.s.w -1
  EXPECT_EQ(xf(0xd0058553, 0x80000000), (FpResult{S(0xcf000000), 0}));               // fcvt.s.w -2^31
  EXPECT_EQ(xf(0xd0058553, 0), (FpResult{S(0x00000000), 0}));                        // fcvt.s.w 0 = +0
  EXPECT_EQ(xf(0xd0158553, 0xffffffff), (FpResult{S(0x4f800000), NX}));              // fcvt.s.wu fa0,a1,rne
  EXPECT_EQ(xf(0xd0159553, 0xffffffff), (FpResult{S(0x4f7fffff), NX}));              // fcvt.s.wu fa0,a1,rtz
  EXPECT_EQ(xf(0xd0258553, uint64_t(-1)), (FpResult{S(0xbf800000), 0}));             // fcvt.s.l -1
  EXPECT_EQ(xf(0xd0258553, 0x8000000000000000), (FpResult{S(0xdf000000), 0}));       // fcvt.s.l -2^63
  EXPECT_EQ(xf(0xd0358553, ~0ull), (FpResult{S(0x5f800000), NX}));                   // fcvt.s.lu 2^64-1
  EXPECT_EQ(xf(0xd2058553, 0xffffffff80000000), (FpResult{0xc1e0000000000000, 0}));  // fcvt.d.w -2^31
  EXPECT_EQ(xf(0xd2058553, uint64_t(-5)), (FpResult{0xc014000000000000, 0}));        // fcvt.d.w -5
  EXPECT_EQ(xf(0xd2158553, 0xffffffff00000005), (FpResult{0x4014000000000000, 0}));  // fcvt.d.wu 5
  EXPECT_EQ(xf(0xd2158553, 0xffffffff), (FpResult{0x41efffffffe00000, 0}));          // fcvt.d.wu 2^32-1
  EXPECT_EQ(xf(0xd2258553, 0x20000000000001), (FpResult{0x4340000000000000, NX}));   // fcvt.d.l 2^53+1
  EXPECT_EQ(xf(0xd2358553, ~0ull), (FpResult{0x43f0000000000000, NX}));              // fcvt.d.lu 2^64-1
}

TEST_F(InsnTest, ConvertBetweenPrecisions) {
  EXPECT_EQ(ff(0x40158553, 0x7e37e43c8800759c), (FpResult{S(0x7f800000), OF | NX}));  // fcvt.s.d 1e300, rne
  EXPECT_EQ(ff(0x40159553, 0x7e37e43c8800759c), (FpResult{S(0x7f7fffff), OF | NX}));  // fcvt.s.d 1e300, rtz
  EXPECT_EQ(ff(0x40158553, 0x3fb999999999999a), (FpResult{S(0x3dcccccd), NX}));       // fcvt.s.d 0.1
  EXPECT_EQ(ff(0x40158553, 0x7ff0000000000001), (FpResult{S(0x7fc00000), NV}));       // fcvt.s.d sNaN
  EXPECT_EQ(ff(0x40158553, 0xfff8000000000123), (FpResult{S(0x7fc00000), 0}));        // fcvt.s.d qNaN
  EXPECT_EQ(ff(0x40158553, 0xfff0000000000000), (FpResult{S(0xff800000), 0}));        // fcvt.s.d -inf
  EXPECT_EQ(ff(0x42058553, S(0x3fc00000)), (FpResult{0x3ff8000000000000, 0}));        // fcvt.d.s 1.5
  EXPECT_EQ(ff(0x42058553, S(0x00000001)), (FpResult{0x36a0000000000000, 0}));        // fcvt.d.s 2^-149
  EXPECT_EQ(ff(0x42058553, S(0x7f800001)), (FpResult{0x7ff8000000000000, NV}));       // fcvt.d.s sNaN
  EXPECT_EQ(ff(0x42058553, S(0xff800000)), (FpResult{0xfff0000000000000, 0}));        // fcvt.d.s -inf
  EXPECT_EQ(ff(0x42058553, S(0x80000000)), (FpResult{0x8000000000000000, 0}));        // fcvt.d.s -0
}

TEST_F(InsnTest, SquareRoot) {
  EXPECT_EQ(ff(0x58058553, S(0x40800000)), (FpResult{S(0x40000000), 0}));  // fsqrt.s 4
  // sqrt(2) = 1.41421356...: 0x3fb504f3 is below it and nearer, 0x3fb504f4 above.
  EXPECT_EQ(ff(0x58058553, S(0x40000000)), (FpResult{S(0x3fb504f3), NX}));  // fsqrt.s fa0,fa1,rne
  EXPECT_EQ(ff(0x5805b553, S(0x40000000)), (FpResult{S(0x3fb504f4), NX}));  // fsqrt.s fa0,fa1,rup
  // In double, ...3bcd is above sqrt(2) and nearer, ...3bcc below.
  EXPECT_EQ(ff(0x5a058553, 0x4000000000000000), (FpResult{0x3ff6a09e667f3bcd, NX}));  // fsqrt.d fa0,fa1,rne
  EXPECT_EQ(ff(0x5a05a553, 0x4000000000000000), (FpResult{0x3ff6a09e667f3bcc, NX}));  // fsqrt.d fa0,fa1,rdn
  EXPECT_EQ(ff(0x5a059553, 0x4000000000000000), (FpResult{0x3ff6a09e667f3bcc, NX}));  // fsqrt.d fa0,fa1,rtz
  EXPECT_EQ(ff(0x5a05b553, 0x4000000000000000), (FpResult{0x3ff6a09e667f3bcd, NX}));  // fsqrt.d fa0,fa1,rup
  EXPECT_EQ(ff(0x5a058553, 0x0000000000000001), (FpResult{0x1e60000000000000, 0}));   // fsqrt.d 2^-1074 = 2^-537
  EXPECT_EQ(ff(0x58058553, S(0x7f800000)), (FpResult{S(0x7f800000), 0}));             // fsqrt.s +inf
  EXPECT_EQ(ff(0x58058553, S(0xff800000)), (FpResult{S(0x7fc00000), NV}));            // fsqrt.s -inf
  EXPECT_EQ(ff(0x58058553, S(0x7fc00001)), (FpResult{S(0x7fc00000), 0}));             // fsqrt.s qNaN
}

TEST_F(InsnTest, MovesBetweenRegisterFiles) {
  EXPECT_EQ(fx(0xe0058553, S(0x80000000)), (FpResult{0xffffffff80000000, 0}));       // fmv.x.w a0,fa1 (sign-extends)
  EXPECT_EQ(fx(0xe0058553, S(0x7fc00001)), (FpResult{0x7fc00001, 0}));               // fmv.x.w a0,fa1 (payload kept)
  EXPECT_EQ(fx(0xe2058553, 0x8000000000000001), (FpResult{0x8000000000000001, 0}));  // fmv.x.d a0,fa1
  EXPECT_EQ(xf(0xf2058553, 0x7ff0000000000001), (FpResult{0x7ff0000000000001, 0}));  // fmv.d.x fa0,a1
}

TEST_F(InsnTest, FpLoadsAndStores) {
  // flw NaN-boxes the loaded word; fld loads all 64 bits.
  auto fload = [&](uint32_t insn, unsigned base_reg) {
    clear();
    code({insn});
    poke(kData, kW0);
    poke(kData + 8, kW1);
    set(fa0, kSentinel);
    set(base_reg, kData);
    run(1);
    return x(fa0);
  };
  EXPECT_EQ(fload(0x0045a507, a1), S(0x88776655));  // flw fa0,4(a1)
  EXPECT_EQ(fload(0x0085b507, a1), kW1);            // fld fa0,8(a1)
  EXPECT_EQ(fload(0x2588, a1), kW1);                // c.fld fa0,8(a1)
  EXPECT_EQ(fload(0x2522, sp), kW1);                // c.fldsp fa0,8(sp)
  // fsw stores the low word whatever the upper half holds; fsd all 64 bits.
  auto fstore = [&](uint32_t insn, unsigned base_reg, uint64_t value) {
    clear();
    code({insn});
    poke(kData, kAll);
    poke(kData + 8, kAll);
    set(base_reg, kData);
    set(fa2, value);
    run(1);
  };
  fstore(0x00c5a227, a1, 0x1122334455667788);  // fsw fa2,4(a1)
  EXPECT_EQ(peek(kData), 0x55667788ffffffffu);
  EXPECT_EQ(peek(kData + 8), kAll);
  fstore(0x00c5b427, a1, 0x1122334455667788);  // fsd fa2,8(a1)
  EXPECT_EQ(peek(kData), kAll);
  EXPECT_EQ(peek(kData + 8), 0x1122334455667788u);
  fstore(0xa590, a1, 0x0102030405060708);  // c.fsd fa2,8(a1)
  EXPECT_EQ(peek(kData + 8), 0x0102030405060708u);
  fstore(0xa432, sp, 0x0102030405060708);  // c.fsdsp fa2,8(sp)
  EXPECT_EQ(peek(kData + 8), 0x0102030405060708u);
}

TEST_F(InsnTest, IntegerAndFloatingPointInOneBlock) {
  // Values cross between the register files inside one translated block.
  code({0xf00585d3,     // fmv.w.x fa1,a1
        0x00b58553,     // fadd.s fa0,fa1,fa1,rne
        0xe0050553,     // fmv.x.w a0,fa0
        0x420506d3,     // fcvt.d.s fa3,fa0
        0x00d63027});   // fsd fa3,0(a2)
  set(a1, 0x3fc00000);  // 1.5
  set(a2, kData);
  run(5);
  EXPECT_EQ(x(fa1), S(0x3fc00000));
  EXPECT_EQ(x(fa0), S(0x40400000));  // 3.0
  EXPECT_EQ(x(a0), 0x40400000u);
  EXPECT_EQ(x(fa3), 0x4008000000000000u);
  EXPECT_EQ(peek(kData), 0x4008000000000000u);
  EXPECT_EQ(fcsr(), 0u);
}

TEST_F(InsnTest, FloatingPointCsrs) {
  auto csr_op = [&](uint32_t insn, uint64_t fcsr0, uint64_t a1v) {
    clear();
    code({insn});
    set(a0, kSentinel);
    set(a1, a1v);
    set_fcsr(fcsr0);
    run(1);
    return x(a0);
  };
  EXPECT_EQ(csr_op(0x00359573, 0x65, ~0ull), 0x65u);  // csrrw a0,fcsr,a1: fcsr is 8 bits
  EXPECT_EQ(fcsr(), 0xffu);
  EXPECT_EQ(csr_op(0x00202573, 0x65, 0), 3u);  // csrrs a0,frm,zero
  EXPECT_EQ(csr_op(0x00102573, 0x65, 0), 5u);  // csrrs a0,fflags,zero
  EXPECT_EQ(csr_op(0x0021d573, 0x1f, 0), 0u);  // csrrwi a0,frm,3
  EXPECT_EQ(fcsr(), 0x7fu);
  EXPECT_EQ(csr_op(0x0012e573, 0x42, 0), 2u);  // csrrsi a0,fflags,5
  EXPECT_EQ(fcsr(), 0x47u);
  EXPECT_EQ(csr_op(0x0035b573, 0xff, 0x21), 0xffu);  // csrrc a0,fcsr,a1
  EXPECT_EQ(fcsr(), 0xdeu);
  EXPECT_EQ(csr_op(0x00159573, 0x40, 0xffff), 0u);  // csrrw a0,fflags,a1: frm untouched
  EXPECT_EQ(fcsr(), 0x5fu);
  EXPECT_EQ(csr_op(0x00259573, 0x03, 0xd), 0u);  // csrrw a0,frm,a1: three bits, even an invalid mode
  EXPECT_EQ(fcsr(), 0xa3u);
  uint64_t misa = csr(0x301);
  EXPECT_EQ((misa >> ('F' - 'A')) & 1, 1u);
  EXPECT_EQ((misa >> ('D' - 'A')) & 1, 1u);
}

// ---------------------------------------------------------------------------------------
// Traps. mtvec is set by the first instruction (csrrw zero, mtvec, t0 with t0 = kHandler);
// the handler's first instruction reads minstret into a5.

class TrapTest : public InsnTest {
 protected:
  // Runs: csrrw to mtvec, `body` from kBase+4 (of which `retired` instructions retire
  // before the trap), then the handler's first instruction.
  void trap(std::initializer_list<uint32_t> body, unsigned retired = 0) {
    at(0, {0x30529073});  // csrrw zero, mtvec, t0
    at(4, body);
    at(0x100, {0xb02027f3,    // csrrs a5, minstret, zero
               0x0000006f});  // jal zero, 0
    set(t0, kHandler);
    set(a5, kSentinel);
    run(1 + retired + 1);
    EXPECT_EQ(pc(), kHandler + 4);
    // The trapping instruction did not retire.
    EXPECT_EQ(x(a5), 1u + retired);
    // Trap entry from M: MPP = M, MIE cleared.
    EXPECT_EQ((csr(kMstatus) >> 11) & 3, 3u);
    EXPECT_EQ(csr(kMstatus) & (1 << 3), 0u);
  }
};

TEST_F(TrapTest, IllegalAllZero) {
  trap({0x0000});  // (all-zero halfword: defined illegal)
  EXPECT_EQ(csr(kMcause), 2u);
  EXPECT_EQ(csr(kMepc), kBase + 4);
  EXPECT_EQ(csr(kMtval), 0u);  // the instruction bits, which are zero
}

TEST_F(TrapTest, IllegalWriteToReadOnlyCsr) {
  trap({0xf1159573});  // csrrw a0, mvendorid, a1
  EXPECT_EQ(csr(kMcause), 2u);
  EXPECT_EQ(csr(kMepc), kBase + 4);
  // mtval may hold the instruction bits or 0; polyemu reports the bits.
  EXPECT_EQ(csr(kMtval), 0xf1159573u);  // csrrw a0, mvendorid, a1
}

TEST_F(TrapTest, SretFromMachineModeReturnsToSppAtSepc) {
  // sstatus.SPP is 0 after reset, so sret enters U-mode at sepc, where ecall reports cause 8.
  at(0, {0x30529073,        // csrrw zero, mtvec, t0
         0x14131073,        // csrrw zero, sepc, t1
         0x10200073});      // sret
  at(0x80, {0x00000073});   // ecall
  at(0x100, {0x0000006f});  // handler: jal zero, 0
  set(t0, kHandler);
  set(t1, kBase + 0x80);
  run(4);
  EXPECT_EQ(pc(), kHandler);
  EXPECT_EQ(csr(kMcause), 8u);
  EXPECT_EQ(csr(kMepc), kBase + 0x80);
  EXPECT_EQ((csr(kMstatus) >> 11) & 3, 0u);  // MPP = U: the trap came from U-mode
}

TEST_F(TrapTest, Ecall) {
  trap({0x00100513,   // addi a0, zero, 1
        0x00000073},  // ecall
       1);
  EXPECT_EQ(x(a0), 1u);
  EXPECT_EQ(csr(kMcause), 11u);
  EXPECT_EQ(csr(kMepc), kBase + 8);
  EXPECT_EQ(csr(kMtval), 0u);
}

TEST_F(TrapTest, Ebreak) {
  trap({0x00100073});  // ebreak
  EXPECT_EQ(csr(kMcause), 3u);
  EXPECT_EQ(csr(kMepc), kBase + 4);
  // mtval may be 0 or the breakpoint's address; polyemu reports the address.
  EXPECT_EQ(csr(kMtval), kBase + 4);
}

TEST_F(TrapTest, CEbreak) {
  trap({0x0001,   // c.nop
        0x9002},  // c.ebreak
       1);
  EXPECT_EQ(csr(kMcause), 3u);
  EXPECT_EQ(csr(kMepc), kBase + 6);
  EXPECT_EQ(csr(kMtval), kBase + 6);
}

TEST_F(TrapTest, LoadAccessFault) {
  set(a0, kSentinel);
  trap({0x00003503});  // ld a0, 0(zero)
  EXPECT_EQ(csr(kMcause), 5u);
  EXPECT_EQ(csr(kMepc), kBase + 4);
  EXPECT_EQ(csr(kMtval), 0u);
  EXPECT_EQ(x(a0), kSentinel);  // no write-back
}

TEST_F(TrapTest, StoreAccessFault) {
  set(a1, 0x3000);     // nothing is mapped there
  trap({0x00c5b423});  // sd a2, 8(a1)
  EXPECT_EQ(csr(kMcause), 7u);
  EXPECT_EQ(csr(kMtval), 0x3008u);
}

TEST_F(TrapTest, MisalignedAmo) {
  poke(kData, kW0);
  set(a1, kData + 2);
  set(a2, 1);
  set(a0, kSentinel);
  trap({0x00c5a52f});           // amoadd.w a0, a2, (a1)
  EXPECT_EQ(csr(kMcause), 6u);  // store/AMO address misaligned
  EXPECT_EQ(csr(kMepc), kBase + 4);
  EXPECT_EQ(csr(kMtval), kData + 2);
  EXPECT_EQ(x(a0), kSentinel);
  EXPECT_EQ(peek(kData), kW0);
}

TEST_F(TrapTest, MisalignedLr) {
  // The spec allows an address-misaligned or an access-fault exception; polyemu raises
  // load address misaligned for LR.
  set(a1, kData + 4);
  trap({0x1005b52f});  // lr.d a0, (a1)
  EXPECT_EQ(csr(kMcause), 4u);
  EXPECT_EQ(csr(kMtval), kData + 4);
}

TEST_F(TrapTest, InstructionAccessFault) {
  // The jalr retires; fetching at 0 then faults with mepc = the target.
  trap({0x00000067}, 1);  // jalr zero, 0(zero)
  EXPECT_EQ(csr(kMcause), 1u);
  EXPECT_EQ(csr(kMepc), 0u);
  EXPECT_EQ(csr(kMtval), 0u);
}

TEST_F(InsnTest, TrapAndMretResume) {
  at(0, {0x30529073,        // csrrw zero, mtvec, t0
         0x30046073,        // csrrsi zero, mstatus, 8
         0x00000073,        // ecall
         0x02a00513});      // addi a0, zero, 42
  at(0x100, {0x34102373,    // csrrs t1, mepc, zero
             0x00430313,    // addi t1, t1, 4
             0x34131073,    // csrrw zero, mepc, t1
             0x30200073});  // mret
  set(t0, kHandler);
  run(7);
  EXPECT_EQ(x(a0), 42u);
  EXPECT_EQ(pc(), kBase + 16);
  EXPECT_EQ(csr(kMcause), 11u);
  EXPECT_EQ(csr(kMepc), kBase + 12);
  uint64_t ms = csr(kMstatus);
  EXPECT_NE(ms & (1 << 3), 0u);   // MIE restored from MPIE
  EXPECT_NE(ms & (1 << 7), 0u);   // MPIE set by mret
  EXPECT_EQ((ms >> 11) & 3, 0u);  // MPP = least-privileged mode (U)
  EXPECT_EQ(csr(kMinstret), 7u);  // 8 instructions ran; the ecall did not retire
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Floating-point traps.

TEST_F(TrapTest, InvalidDynamicRoundingModeIsIllegal) {
  for (uint64_t mode : {5, 6, 7}) {
    clear();
    set(fa0, kSentinel);
    set(fa1, S(0x3f800000));
    set(fa2, S(0x33800000));
    set_fcsr(frm(mode));
    trap({0x00c5f553});  // fadd.s fa0,fa1,fa2 (dyn)
    EXPECT_EQ(csr(kMcause), 2u);
    EXPECT_EQ(csr(kMepc), kBase + 4);
    EXPECT_EQ(csr(kMtval), 0u);  // polyemu reports 0 for this case
    EXPECT_EQ(x(fa0), kSentinel);
    EXPECT_EQ(fcsr(), frm(mode));  // no flags
  }
}

TEST_F(TrapTest, EarlierFloatingPointInstructionsInTheBlockRetire) {
  set(fa1, S(0x3f800000));
  set(fa2, S(0x33800000));
  set_fcsr(frm(6));
  trap({0x00c58553,   // fadd.s fa0,fa1,fa2,rne   (inexact: NX)
        0x00c5f553},  // fadd.s fa0,fa1,fa2 (dyn: frm 6 is invalid)
       1);
  EXPECT_EQ(csr(kMcause), 2u);
  EXPECT_EQ(csr(kMepc), kBase + 8);
  EXPECT_EQ(x(fa0), S(0x3f800000));
  EXPECT_EQ(fcsr(), frm(6) | NX);
}

TEST_F(TrapTest, ReservedStaticRoundingModeIsIllegal) {
  trap({0x00c5d553});  // fadd.s fa0,fa1,fa2 with rm = 5 (reserved)
  EXPECT_EQ(csr(kMcause), 2u);
  EXPECT_EQ(csr(kMtval), 0x00c5d553u);
  clear();
  trap({0xc005e553});  // fcvt.w.s a0,fa1 with rm = 6 (reserved)
  EXPECT_EQ(csr(kMcause), 2u);
  EXPECT_EQ(csr(kMtval), 0xc005e553u);
}

TEST_F(TrapTest, FloatingPointIsIllegalWhileMstatusFsIsOff) {
  for (uint32_t insn : {0x00c5f553u,  // fadd.s fa0,fa1,fa2
                        0x0005b507u,  // fld fa0,0(a1)
                        0x00302573u,  // csrrs a0,fcsr,zero
                        0x2108u}) {   // c.fld fa0,0(a0)
    clear();
    fpu_off();
    set(a0, kSentinel);
    set(a1, kBase);
    trap({insn});
    EXPECT_EQ(csr(kMcause), 2u) << std::hex << insn;
    EXPECT_EQ(csr(kMtval), insn) << std::hex << insn;
    EXPECT_EQ(x(a0), kSentinel) << std::hex << insn;
  }
}
