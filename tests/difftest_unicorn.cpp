// Differential test: random RV64IMAFDC + Zicsr programs with bounded loops run in Unicorn
// (QEMU's RISC-V translator) and in polyemu on each of its engines; all integer and
// floating-point registers, fcsr, the pc and the data area must agree afterwards.
//
// Programs are built from "groups" of one or more instructions. Forward control flow only
// goes to group boundaries, so multi-instruction idioms (a base address set up right
// before a compressed load, LR ... SC pairs) are never entered in the middle. Every
// memory access goes to a 4 KiB data area whose centre address lives in x31, a register
// that no generated instruction writes. Each program ends with `j .`; Unicorn runs until
// that address and counts executed instructions, polyemu then runs exactly that many, so
// a divergence in control flow also shows up as a pc mismatch.
//
// Loops. The only backward branches close loops: a top-level group `li c, n` (n = 1..8),
// a body of 1-6 groups (from the program's mix, plus loads, stores, AMOs, LR/SC and
// accesses at addresses computed from c), and a tail `addi c, c, -1; bnez c, body`, with
// compressed and other forms (c.li, c.addi, addiw; c.bnez, bgtz, bltu zero). Branches
// outside loops go only to top-level groups, never into a body; branches in a body stay
// in it (at most to the tail); no body instruction writes c. So every loop ends, after
// exactly n iterations unless a branch skips it. Loops are not nested. They make the
// test cover what a JIT compiles as regions: several blocks of a page with back edges.
//
// Engines. kEngines lists the polyemu engines the programs run on: the interpreter (every
// program) and the tiered JIT compiling a block synchronously after one interpreted run, so
// that nearly all code runs natively (every 6th program: LLVM compiles dominate the test's
// time), once with LLVM's quick code only and once with quick code that gives way to
// optimized code after two instructions (on other programs). Each program runs in Unicorn once and in polyemu once per
// engine; every polyemu run is compared with Unicorn's, and so with the other engines'.
//
// On a mismatch the program is replayed one instruction at a time in Unicorn and in
// polyemu on the engine that differed, to find and print the first instruction after
// which the states differ.
//
// Floating point. Unicorn 2.0.1 is QEMU 5.0, which predates NaN-boxing in QEMU: it writes
// single-precision results with the upper 32 bits zero (fadd.s of two boxed values leaves
// 0x0000000040600000 where the spec requires 0xffffffff40600000) and ignores the upper half
// of single-precision operands. So the f registers are split by type: singles live in
// f0-f7 and f16-f23, doubles in f8-f15 (the registers c.fld/c.fsd can name) and f24-f31.
// No instruction reads a register of the other type as a float, so reading unboxed values
// never comes up; for the single registers the low 32 bits are compared, and polyemu's
// upper 32 bits must be all ones. insn_test checks NaN-boxing of inputs and outputs.
#include <gtest/gtest.h>
#include <unicorn/unicorn.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "frontend/riscv/decoder.h"
#include "machines/riscv64_virt.h"

namespace {

constexpr uint64_t kRamBase = 0x8000'0000;
constexpr uint64_t kRamSize = 1 << 20;
constexpr uint64_t kCodeBase = kRamBase;
constexpr uint64_t kCodeLimit = 0x8000;               // programs must fit below this
constexpr uint64_t kTrapHandler = kRamBase + 0xF000;  // `j .`: a trap shows up as a pc mismatch
constexpr uint64_t kDataArea = kRamBase + 0x10000;    // 4 KiB compared after each run
constexpr uint64_t kDataSize = 0x1000;
constexpr uint64_t kDataCentre = kDataArea + kDataSize / 2;  // value of x31
constexpr unsigned kBase = 31;                               // reserved: never written

// ---------------------------------------------------------------------------------------
// Encoders, written from the formats in the RISC-V unprivileged spec.

namespace enc {
uint32_t bits(uint64_t v, unsigned hi, unsigned lo) { return uint32_t((v >> lo) & ((1ull << (hi - lo + 1)) - 1)); }

// funct7 | rs2 | rs1 | funct3 | rd | opcode
uint32_t r(uint32_t f7, unsigned rs2, unsigned rs1, uint32_t f3, unsigned rd, uint32_t op) {
  return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
// imm[11:0] | rs1 | funct3 | rd | opcode
uint32_t i(int32_t imm, unsigned rs1, uint32_t f3, unsigned rd, uint32_t op) {
  return bits(uint32_t(imm), 11, 0) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
// imm[11:5] | rs2 | rs1 | funct3 | imm[4:0] | opcode
uint32_t s(int32_t imm, unsigned rs2, unsigned rs1, uint32_t f3, uint32_t op) {
  return bits(uint32_t(imm), 11, 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | bits(uint32_t(imm), 4, 0) << 7 | op;
}
// imm[12|10:5] | rs2 | rs1 | funct3 | imm[4:1|11] | opcode
uint32_t b(int32_t imm, unsigned rs2, unsigned rs1, uint32_t f3) {
  uint32_t u = uint32_t(imm);
  return bits(u, 12, 12) << 31 | bits(u, 10, 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | bits(u, 4, 1) << 8 |
         bits(u, 11, 11) << 7 | 0x63;
}
// imm[31:12] | rd | opcode
uint32_t u(uint32_t imm20, unsigned rd, uint32_t op) { return (imm20 & 0xfffff) << 12 | rd << 7 | op; }
// imm[20|10:1|11|19:12] | rd | 1101111
uint32_t j(int32_t imm, unsigned rd) {
  uint32_t v = uint32_t(imm);
  return bits(v, 20, 20) << 31 | bits(v, 10, 1) << 21 | bits(v, 11, 11) << 20 | bits(v, 19, 12) << 12 | rd << 7 | 0x6f;
}
// funct5 | aq | rl | rs2 | rs1 | funct3 | rd | 0101111
uint32_t amo(uint32_t f5, bool aq, bool rl, unsigned rs2, unsigned rs1, uint32_t f3, unsigned rd) {
  return f5 << 27 | uint32_t(aq) << 26 | uint32_t(rl) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x2f;
}
// rs3 | fmt | rs2 | rs1 | rm | rd | opcode   (fmadd fmsub fnmsub fnmadd)
uint32_t r4(unsigned rs3, uint32_t fmt, unsigned rs2, unsigned rs1, uint32_t rm, unsigned rd, uint32_t op) {
  return rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 | rd << 7 | op;
}
// csr | rs1/uimm | funct3 | rd | 1110011
uint32_t csr(uint32_t f3, uint16_t csr, unsigned rs1, unsigned rd) {
  return uint32_t(csr) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x73;
}

uint32_t addi(unsigned rd, unsigned rs1, int32_t imm) { return i(imm, rs1, 0, rd, 0x13); }  // addi rd, rs1, imm
uint32_t auipc(unsigned rd, uint32_t imm20) { return u(imm20, rd, 0x17); }                  // auipc rd, imm20

// Compressed. A "prime" register (x8..x15) is encoded as 3 bits.
unsigned p(unsigned reg) { return reg - 8; }
// CI: funct3 | imm[5] | rd | imm[4:0] | op   (c.addi, c.addiw, c.li, c.slli)
uint16_t ci(uint32_t f3, int32_t imm6, unsigned rd, uint32_t op) {
  return uint16_t(f3 << 13 | bits(uint32_t(imm6), 5, 5) << 12 | rd << 7 | bits(uint32_t(imm6), 4, 0) << 2 | op);
}
// c.lui rd, nzimm: 011 | nzimm[17] | rd | nzimm[16:12] | 01   (imm6 = nzimm[17:12])
uint16_t c_lui(unsigned rd, int32_t imm6) { return ci(3, imm6, rd, 1); }
// c.addi16sp nzimm: 011 | nzimm[9] | 00010 | nzimm[4|6|8:7|5] | 01
uint16_t c_addi16sp(int32_t imm) {
  uint32_t v = uint32_t(imm);
  return uint16_t(3 << 13 | bits(v, 9, 9) << 12 | 2 << 7 | bits(v, 4, 4) << 6 | bits(v, 6, 6) << 5 |
                  bits(v, 8, 7) << 3 | bits(v, 5, 5) << 2 | 1);
}
// c.addi4spn rd', nzuimm: 000 | nzuimm[5:4|9:6|2|3] | rd' | 00
uint16_t c_addi4spn(unsigned rd, uint32_t imm) {
  return uint16_t(bits(imm, 5, 4) << 11 | bits(imm, 9, 6) << 7 | bits(imm, 2, 2) << 6 | bits(imm, 3, 3) << 5 |
                  p(rd) << 2);
}
// CB shifts/andi: 100 | imm[5] | funct2 | rd' | imm[4:0] | 01
uint16_t cb_alu(uint32_t f2, unsigned rd, int32_t imm6) {
  uint32_t v = uint32_t(imm6);
  return uint16_t(4 << 13 | bits(v, 5, 5) << 12 | f2 << 10 | p(rd) << 7 | bits(v, 4, 0) << 2 | 1);
}
// CA: 100 | bit12 | 11 | rd' | funct2 | rs2' | 01   (c.sub/xor/or/and: bit12=0; c.subw/addw: bit12=1)
uint16_t ca(uint32_t bit12, uint32_t f2, unsigned rd, unsigned rs2) {
  return uint16_t(4 << 13 | bit12 << 12 | 3 << 10 | p(rd) << 7 | f2 << 5 | p(rs2) << 2 | 1);
}
// CR: 100 | bit12 | rd/rs1 | rs2 | 10   (c.mv: 0, c.add: 1, c.jr: 0 rs2=0, c.jalr: 1 rs2=0)
uint16_t cr(uint32_t bit12, unsigned rd, unsigned rs2) {
  return uint16_t(4 << 13 | bit12 << 12 | rd << 7 | rs2 << 2 | 2);
}
// c.lw rd', uimm(rs1'): 010 | uimm[5:3] | rs1' | uimm[2|6] | rd' | 00   (c.sw: 110, rs2' in place of rd')
uint16_t c_lsw(uint32_t f3, unsigned r2, unsigned rs1, uint32_t imm) {
  return uint16_t(f3 << 13 | bits(imm, 5, 3) << 10 | p(rs1) << 7 | bits(imm, 2, 2) << 6 | bits(imm, 6, 6) << 5 |
                  p(r2) << 2);
}
// c.ld rd', uimm(rs1'): 011 | uimm[5:3] | rs1' | uimm[7:6] | rd' | 00   (c.sd: 111)
uint16_t c_lsd(uint32_t f3, unsigned r2, unsigned rs1, uint32_t imm) {
  return uint16_t(f3 << 13 | bits(imm, 5, 3) << 10 | p(rs1) << 7 | bits(imm, 7, 6) << 5 | p(r2) << 2);
}
// c.lwsp rd, uimm(sp): 010 | uimm[5] | rd | uimm[4:2|7:6] | 10
uint16_t c_lwsp(unsigned rd, uint32_t imm) {
  return uint16_t(2 << 13 | bits(imm, 5, 5) << 12 | rd << 7 | bits(imm, 4, 2) << 4 | bits(imm, 7, 6) << 2 | 2);
}
// c.ldsp rd, uimm(sp): 011 | uimm[5] | rd | uimm[4:3|8:6] | 10
uint16_t c_ldsp(unsigned rd, uint32_t imm) {
  return uint16_t(3 << 13 | bits(imm, 5, 5) << 12 | rd << 7 | bits(imm, 4, 3) << 5 | bits(imm, 8, 6) << 2 | 2);
}
// c.swsp rs2, uimm(sp): 110 | uimm[5:2|7:6] | rs2 | 10
uint16_t c_swsp(unsigned rs2, uint32_t imm) {
  return uint16_t(6 << 13 | bits(imm, 5, 2) << 9 | bits(imm, 7, 6) << 7 | rs2 << 2 | 2);
}
// c.sdsp rs2, uimm(sp): 111 | uimm[5:3|8:6] | rs2 | 10
uint16_t c_sdsp(unsigned rs2, uint32_t imm) {
  return uint16_t(7 << 13 | bits(imm, 5, 3) << 10 | bits(imm, 8, 6) << 7 | rs2 << 2 | 2);
}
// c.fldsp rd, uimm(sp): 001 | uimm[5] | rd | uimm[4:3|8:6] | 10   (c.ldsp with funct3 001)
uint16_t c_fldsp(unsigned rd, uint32_t imm) { return uint16_t((c_ldsp(rd, imm) & ~(7u << 13)) | 1u << 13); }
// c.fsdsp rs2, uimm(sp): 101 | uimm[5:3|8:6] | rs2 | 10   (c.sdsp with funct3 101)
uint16_t c_fsdsp(unsigned rs2, uint32_t imm) { return uint16_t((c_sdsp(rs2, imm) & ~(7u << 13)) | 5u << 13); }
// c.j offset: 101 | imm[11|4|9:8|10|6|7|3:1|5] | 01
uint16_t c_j(int32_t imm) {
  uint32_t v = uint32_t(imm);
  return uint16_t(5 << 13 | bits(v, 11, 11) << 12 | bits(v, 4, 4) << 11 | bits(v, 9, 8) << 9 | bits(v, 10, 10) << 8 |
                  bits(v, 6, 6) << 7 | bits(v, 7, 7) << 6 | bits(v, 3, 1) << 3 | bits(v, 5, 5) << 2 | 1);
}
// c.beqz/c.bnez rs1', offset: 11x | imm[8|4:3] | rs1' | imm[7:6|2:1|5] | 01
uint16_t c_branch(uint32_t f3, unsigned rs1, int32_t imm) {
  uint32_t v = uint32_t(imm);
  return uint16_t(f3 << 13 | bits(v, 8, 8) << 12 | bits(v, 4, 3) << 10 | p(rs1) << 7 | bits(v, 7, 6) << 5 |
                  bits(v, 2, 1) << 3 | bits(v, 5, 5) << 2 | 1);
}
}  // namespace enc

// ---------------------------------------------------------------------------------------
// Programs.

struct Insn {
  uint32_t bits = 0;
  unsigned len = 4;
  // A control transfer goes to the start of a group: either a fixed one (`target`, the
  // group index; loop back edges) or, with `skip` >= 0, the next group of its own scope
  // after skipping `skip` more (capped at the end of the scope); see Generator::resolve.
  int target = -1;
  int skip = -1;
  // Re-encodes a control transfer once addresses are known: (own pc, group start pc, target pc).
  std::function<uint32_t(uint64_t, uint64_t, uint64_t)> fix;
};
using Group = std::vector<Insn>;

struct Program {
  std::vector<uint8_t> code;
  std::vector<uint64_t> insn_pc;  // address of each static instruction
  std::vector<uint32_t> insn_bits;
  uint64_t end_pc = 0;  // address of the final `j .`
  std::array<uint64_t, 32> regs{};
  std::array<uint64_t, 32> fregs{};
  uint64_t fcsr = 0;
  std::vector<uint8_t> data;
};

// Which f registers hold single-precision values (the others hold doubles); see the top.
constexpr bool single_reg(unsigned f) { return (f & 8) == 0; }

// Relative weights of the instruction categories a program draws from.
// clang-format off
enum Cat {
  kAluRR, kAluRI, kAluW, kUpper, kMulDiv, kEdge, kLoad, kStore, kAmo, kLrSc, kBranch, kJump,
  kCAlu, kCMem, kCBranch, kCsr, kFence,
  kFpArith, kFpOther, kFpCvt, kFpMove, kFpMem, kFpCsr, kLoop, kNumCats
};
// clang-format on
using Mix = std::array<unsigned, kNumCats>;

class Generator {
 public:
  Generator(uint64_t seed, const Mix& mix)
      : rng_(seed), fp_rng_(seed ^ 0x9e3779b97f4a7c15), pick_(mix.begin(), mix.end()) {
    for (unsigned c = kFpArith; c <= kFpCsr; c++) uses_fp_ |= mix[c] != 0;
  }

  Program generate(unsigned ngroups) {
    groups_.clear();
    top_.clear();
    scope_end_.clear();
    for (unsigned g = 0; g < ngroups; g++) {
      Cat c = Cat(pick_(rng_));
      if (c == kLoop) {
        g += loop() - 1;
      } else {
        new_top_group();
        emit_category(c);
      }
    }
    new_top_group();
    put(enc::j(0, 0));  // j .   (the end; branches may target it)
    Program p = layout();
    p.regs = initial_regs();
    p.data.resize(kDataSize);
    for (auto& byte : p.data) byte = uint8_t(rng_());
    // Sprinkle edge values into the data area, too.
    for (int k = 0; k < 64; k++) {
      uint64_t v = edge_value();
      std::memcpy(&p.data[(rng_() % (kDataSize / 8)) * 8], &v, 8);
    }
    // Floating-point state, from a generator of its own so that integer-only programs
    // stay what they were. With floating point in the mix, the first 256 bytes of data
    // are a pool of interesting values (singles in the low words, doubles in the high ones).
    for (unsigned k = 0; k < 32; k++) p.fregs[k] = single_reg(k) ? fp_single() | 0xffffffff00000000 : fp_double();
    p.fcsr = (fp_rng_() % 5) << 5;  // a valid dynamic rounding mode, no flags
    if (uses_fp_) {
      for (unsigned k = 0; k < kPoolSize / 8; k++) {
        uint64_t v = k < kPoolSize / 16 ? fp_single() | fp_single() << 32 : fp_double();
        std::memcpy(&p.data[k * 8], &v, 8);
      }
    }
    return p;
  }

 private:
  uint64_t rnd(uint64_t n) { return rng_() % n; }
  int64_t rnd_range(int64_t lo, int64_t hi) { return lo + int64_t(rnd(uint64_t(hi - lo + 1))); }
  bool chance(unsigned percent) { return rnd(100) < percent; }

  uint64_t edge_value() {
    // clang-format off
    static constexpr uint64_t kEdges[] = {
        0, 1, 2, ~0ull, 0x8000000000000000, 0x7fffffffffffffff, 0xffffffff80000000, 0x80000000,
        0x7fffffff, 0xffffffff, 0x100000000, 0xffffffff7fffffff, 0x8000, 0xffff, 0xff, 0x80, 63, 64, 31, 32};
    // clang-format on
    return chance(60) ? kEdges[rnd(std::size(kEdges))] : rng_();
  }
  std::array<uint64_t, 32> initial_regs() {
    std::array<uint64_t, 32> r{};
    for (unsigned k = 1; k < 31; k++) r[k] = edge_value();
    r[kBase] = kDataCentre;
    return r;
  }

  // Destinations: any register but x31 (x0 included: writes must be discarded), and in a
  // loop body not the loop counter. Sources may be any register, the counter included.
  bool reserved(unsigned r) const { return counter_ != 0 && r == counter_; }
  unsigned rd() {
    unsigned r;
    do r = chance(4) ? 0 : unsigned(rnd_range(1, 30));
    while (reserved(r));
    return r;
  }
  unsigned rd_nz() {
    unsigned r;
    do r = unsigned(rnd_range(1, 30));
    while (reserved(r));
    return r;
  }
  unsigned rs() { return unsigned(rnd(32)); }
  // x8..x15, for compressed forms (as destinations and as sources)
  unsigned rp() {
    unsigned r;
    do r = unsigned(rnd_range(8, 15));
    while (reserved(r));
    return r;
  }
  int32_t imm12() {
    static constexpr int32_t kEdges[] = {0, 1, -1, 2047, -2048, 31, 32, 63, 64, 0x7ff, -0x800};
    return chance(25) ? kEdges[rnd(std::size(kEdges))] : int32_t(rnd_range(-2048, 2047));
  }
  int32_t imm6() { return int32_t(rnd_range(-32, 31)); }

  static Insn plain(uint32_t bits, unsigned len) {
    Insn in;
    in.bits = bits;
    in.len = len;
    return in;
  }
  // Starts a group at the top level of the program: forward branches of top-level groups
  // go to the start of a later top-level group, never into the middle of a loop.
  void new_top_group() {
    cur_ = unsigned(groups_.size());
    groups_.emplace_back();
    top_.push_back(cur_);
    scope_end_.push_back(-1);
  }
  void put(uint32_t bits) { groups_[cur_].push_back(plain(bits, 4)); }
  void put16(uint16_t bits) { groups_[cur_].push_back(plain(bits, 2)); }
  // A forward control transfer to the start of a later group of the same scope (at most
  // `max_skip` skipped); resolved once the whole program is generated.
  void put_jump(unsigned len, std::function<uint32_t(uint64_t, uint64_t, uint64_t)> fix, unsigned max_skip = 3) {
    Insn in = plain(0, len);
    in.skip = int(rnd(max_skip + 1));
    in.fix = std::move(fix);
    groups_[cur_].push_back(std::move(in));
  }
  // The group a control transfer of group `g` goes to.
  size_t resolve(size_t g, const Insn& in) const {
    if (in.target >= 0) return size_t(in.target);
    if (scope_end_[g] >= 0) return std::min(g + 1 + size_t(in.skip), size_t(scope_end_[g]));
    size_t item = size_t(std::lower_bound(top_.begin(), top_.end(), g) - top_.begin());
    return top_[std::min(item + 1 + size_t(in.skip), top_.size() - 1)];
  }

  void emit_category(Cat c) {
    switch (c) {
      case kAluRR: alu_rr(); break;
      case kAluRI: alu_ri(); break;
      case kAluW: alu_w(); break;
      case kUpper: upper(); break;
      case kMulDiv: muldiv(); break;
      case kEdge: (void)edge(); break;
      case kLoad: load(); break;
      case kStore: store(); break;
      case kAmo: amo(); break;
      case kLrSc: lrsc(); break;
      case kBranch: branch(); break;
      case kJump: jump(); break;
      case kCAlu: c_alu(); break;
      case kCMem: c_mem(); break;
      case kCBranch: c_branch(); break;
      case kCsr: csr(); break;
      case kFence: fence(); break;
      case kFpArith: fp_arith(); break;
      case kFpOther: fp_other(); break;
      case kFpCvt: fp_cvt(); break;
      case kFpMove: fp_move(); break;
      case kFpMem: fp_mem(); break;
      case kFpCsr: fp_csr(); break;
      case kLoop:
      case kNumCats: break;
    }
  }

  void alu_rr() {
    // add sub sll slt sltu xor srl sra or and   (opcode 0110011)
    static constexpr std::pair<uint32_t, uint32_t> kOps[] = {{0x00, 0}, {0x20, 0}, {0x00, 1}, {0x00, 2}, {0x00, 3},
                                                             {0x00, 4}, {0x00, 5}, {0x20, 5}, {0x00, 6}, {0x00, 7}};
    auto [f7, f3] = kOps[rnd(std::size(kOps))];
    put(enc::r(f7, rs(), rs(), f3, rd(), 0x33));
  }
  void alu_ri() {
    unsigned k = unsigned(rnd(9));
    if (k < 6) {
      // addi slti sltiu xori ori andi   (opcode 0010011)
      static constexpr uint32_t kF3[] = {0, 2, 3, 4, 6, 7};
      put(enc::i(imm12(), rs(), kF3[k], rd(), 0x13));
    } else {
      // slli / srli / srai rd, rs1, shamt6   (funct6 000000 / 000000 / 010000)
      static constexpr std::pair<uint32_t, uint32_t> kSh[] = {{0x000, 1}, {0x000, 5}, {0x400, 5}};
      auto [hi, f3] = kSh[k - 6];
      put(enc::i(int32_t(hi | uint32_t(rnd(64))), rs(), f3, rd(), 0x13));
    }
  }
  void alu_w() {
    unsigned k = unsigned(rnd(9));
    if (k < 5) {
      // addw subw sllw srlw sraw   (opcode 0111011)
      static constexpr std::pair<uint32_t, uint32_t> kOps[] = {{0x00, 0}, {0x20, 0}, {0x00, 1}, {0x00, 5}, {0x20, 5}};
      auto [f7, f3] = kOps[k];
      put(enc::r(f7, rs(), rs(), f3, rd(), 0x3b));
    } else if (k == 5) {
      put(enc::i(imm12(), rs(), 0, rd(), 0x1b));  // addiw rd, rs1, imm
    } else {
      // slliw / srliw / sraiw rd, rs1, shamt5
      static constexpr std::pair<uint32_t, uint32_t> kSh[] = {{0x000, 1}, {0x000, 5}, {0x400, 5}};
      auto [hi, f3] = kSh[k - 6];
      put(enc::i(int32_t(hi | uint32_t(rnd(32))), rs(), f3, rd(), 0x1b));
    }
  }
  void upper() {
    uint32_t imm = chance(20) ? (chance(50) ? 0x80000 : 0x7ffff) : uint32_t(rnd(1 << 20));
    put(enc::u(imm, rd(), chance(50) ? 0x37 : 0x17));  // lui / auipc rd, imm20
  }
  void muldiv() {
    // Often one operand is a register just loaded with an edge value (0, -1, INT_MIN...),
    // so that division by zero and overflow come up regularly.
    unsigned a = rs(), b = rs();
    if (chance(40)) (chance(50) ? a : b) = edge();
    unsigned k = unsigned(rnd(13));
    if (k < 8) {
      // mul mulh mulhsu mulhu div divu rem remu rd, a, b   (funct7 0000001, opcode 0110011)
      put(enc::r(1, b, a, k, rd(), 0x33));
    } else {
      // mulw divw divuw remw remuw rd, a, b   (funct7 0000001, opcode 0111011)
      static constexpr uint32_t kF3[] = {0, 4, 5, 6, 7};
      put(enc::r(1, b, a, kF3[k - 8], rd(), 0x3b));
    }
  }
  // Loads an edge value into a register with ordinary instructions; returns the register.
  unsigned edge() {
    unsigned r = rd_nz();
    switch (rnd(7)) {
      case 0: put(enc::addi(r, 0, 0)); break;        // li r, 0
      case 1: put(enc::addi(r, 0, -1)); break;       // li r, -1
      case 2: put(enc::addi(r, 0, 1)); break;        // li r, 1
      case 3: put(enc::u(0x80000, r, 0x37)); break;  // lui r, 0x80000   (INT32_MIN, sign-extended)
      case 4:
        put(enc::u(0x80000, r, 0x37));   // lui r, 0x80000
        put(enc::i(-1, r, 0, r, 0x1b));  // addiw r, r, -1   (INT32_MAX)
        break;
      case 5:
        put(enc::addi(r, 0, -1));        // li r, -1
        put(enc::i(63, r, 1, r, 0x13));  // slli r, r, 63   (INT64_MIN)
        break;
      case 6:
        put(enc::addi(r, 0, -1));       // li r, -1
        put(enc::i(1, r, 5, r, 0x13));  // srli r, r, 1   (INT64_MAX)
        break;
    }
    return r;
  }
  // An offset from x31 such that [x31+off, x31+off+size) stays inside the data area.
  int32_t data_offset(unsigned size, bool aligned) {
    int32_t off = int32_t(rnd_range(-2048, 2047 - int32_t(size) + 1));
    if (aligned) off &= ~int32_t(size - 1);
    return off;
  }
  void load() {
    // lb lh lw ld lbu lhu lwu rd, off(x31)   (opcode 0000011)
    static constexpr std::pair<uint32_t, unsigned> kOps[] = {{0, 1}, {1, 2}, {2, 4}, {3, 8}, {4, 1}, {5, 2}, {6, 4}};
    auto [f3, size] = kOps[rnd(std::size(kOps))];
    put(enc::i(data_offset(size, chance(80)), kBase, f3, rd(), 0x03));
  }
  void store() {
    // sb sh sw sd rs2, off(x31)   (opcode 0100011)
    unsigned f3 = unsigned(rnd(4));
    put(enc::s(data_offset(1u << f3, chance(80)), rs(), kBase, f3, 0x23));
  }
  // A register other than x31 loaded with an aligned data address; returns it.
  unsigned address_reg(unsigned size) {
    unsigned t = rd_nz();
    int32_t off = data_offset(size, true);
    put(enc::addi(t, kBase, off));  // addi t, x31, off
    return t;
  }
  void amo() {
    // amoswap amoadd amoxor amoand amoor amomin amomax amominu amomaxu (funct5), .w / .d
    static constexpr uint32_t kF5[] = {0x01, 0x00, 0x04, 0x0c, 0x08, 0x10, 0x14, 0x18, 0x1c};
    bool dw = chance(50);
    unsigned size = dw ? 8 : 4;
    uint32_t f5 = kF5[rnd(std::size(kF5))];
    // Excluded: amomin.w, amomax.w, amominu.w, amomaxu.w. Unicorn 2.0.1 gets them wrong:
    // amomin.w/amomax.w compare the 32-bit values unsigned (amomin.w with mem 0xc4ecd7a4
    // and rs2 0 stores 0; the spec compares signed, so memory must keep 0xc4ecd7a4), and
    // amominu.w/amomaxu.w compare against all 64 bits of rs2 (amominu.w with mem 0x10 and
    // rs2 0xffffffff00000001 keeps 0x10; the spec uses rs2[31:0] = 1). insn_test.cpp
    // checks these four against hand-computed values instead.
    if (!dw && f5 >= 0x10) f5 = kF5[rnd(5)];
    unsigned base = chance(20) ? kBase : address_reg(size);
    put(enc::amo(f5, chance(50), chance(50), rs(), base, dw ? 3 : 2, rd()));
  }
  void lrsc() {
    // lr.{w,d} rd, (t); [one ALU op not writing t]; sc.{w,d} rd2, rs2, (t or another address)
    bool dw = chance(50);
    unsigned size = dw ? 8 : 4, f3 = dw ? 3 : 2;
    unsigned t = address_reg(size);
    unsigned lr_rd;
    do lr_rd = rd();
    while (lr_rd == t);                                            // t must keep the address for the SC
    put(enc::amo(0x02, chance(50), chance(50), 0, t, f3, lr_rd));  // lr
    if (chance(50)) {
      unsigned r;
      do r = rd();
      while (r == t);
      put(enc::r(0, rs(), rs(), 0, r, 0x33));  // add r, rs1, rs2
    }
    unsigned sc_base = t;
    if (chance(20)) {
      // SC to an address other than the reserved one. Whether that may succeed depends on
      // the size of the reservation set (implementation-defined); both emulators reserve
      // exactly the LR's address, so it fails in both.
      sc_base = rd_nz();
      int32_t off = data_offset(size, true);
      put(enc::addi(sc_base, kBase, off));
    }
    put(enc::amo(0x03, chance(50), chance(50), rs(), sc_base, f3, rd()));  // sc
  }
  void branch() {
    // beq bne blt bge bltu bgeu rs1, rs2, forward   (funct3 0 1 4 5 6 7)
    static constexpr uint32_t kF3[] = {0, 1, 4, 5, 6, 7};
    uint32_t f3 = kF3[rnd(std::size(kF3))];
    unsigned a = rs(), b = chance(15) ? a : rs();
    put_jump(4, [=](uint64_t pc, uint64_t, uint64_t target) { return enc::b(int32_t(target - pc), b, a, f3); });
  }
  void jump() {
    unsigned link = rd();
    if (chance(50)) {
      // jal rd, forward
      put_jump(4, [=](uint64_t pc, uint64_t, uint64_t target) { return enc::j(int32_t(target - pc), link); });
    } else {
      // auipc t, 0; jalr rd, off(t)   (rd may equal t: the target uses the old t)
      unsigned t = rd_nz();
      if (chance(30)) link = t;
      put(enc::auipc(t, 0));
      put_jump(4, [=](uint64_t, uint64_t group, uint64_t target) {
        return enc::i(int32_t(target - group), t, 0, link, 0x67);
      });
    }
  }
  void c_alu() {
    switch (rnd(17)) {
      case 0: put16(enc::ci(0, imm6(), rd_nz(), 1)); break;  // c.addi rd, imm
      case 1: put16(enc::ci(1, imm6(), rd_nz(), 1)); break;  // c.addiw rd, imm
      case 2: put16(enc::ci(2, imm6(), rd_nz(), 1)); break;  // c.li rd, imm
      case 3: {                                              // c.lui rd, nzimm   (rd != 0, 2)
        unsigned r;
        do r = rd_nz();
        while (r == 2);
        int32_t v;
        do v = imm6();
        while (v == 0);
        put16(enc::c_lui(r, v));
        break;
      }
      case 4: {  // c.addi16sp nzimm   (multiple of 16)
        int32_t v;
        do v = int32_t(rnd_range(-32, 31)) * 16;
        while (v == 0);
        put16(enc::c_addi16sp(v));
        break;
      }
      case 5: put16(enc::c_addi4spn(rp(), uint32_t(rnd_range(1, 255)) * 4)); break;  // c.addi4spn rd', sp, nzuimm
      case 6: put16(enc::cb_alu(0, rp(), int32_t(rnd_range(1, 63)))); break;         // c.srli rd', shamt (nonzero)
      case 7: put16(enc::cb_alu(1, rp(), int32_t(rnd_range(1, 63)))); break;         // c.srai rd', shamt (nonzero)
      case 8: put16(enc::cb_alu(2, rp(), imm6())); break;                            // c.andi rd', imm
      case 9: put16(enc::ca(0, 0, rp(), rp())); break;                               // c.sub rd', rs2'
      case 10: put16(enc::ca(0, 1, rp(), rp())); break;                              // c.xor rd', rs2'
      case 11: put16(enc::ca(0, 2, rp(), rp())); break;                              // c.or rd', rs2'
      case 12: put16(enc::ca(0, 3, rp(), rp())); break;                              // c.and rd', rs2'
      case 13: put16(enc::ca(1, 0, rp(), rp())); break;                              // c.subw rd', rs2'
      case 14: put16(enc::ca(1, 1, rp(), rp())); break;                              // c.addw rd', rs2'
      case 15: put16(enc::ci(0, int32_t(rnd_range(1, 63)), rd_nz(), 2)); break;      // c.slli rd, shamt (nonzero)
      case 16: {
        unsigned src = unsigned(rnd_range(1, 31));
        put16(enc::cr(chance(50), rd_nz(), src));  // c.mv rd, rs2 / c.add rd, rs2
        break;
      }
    }
  }
  void c_mem() {
    switch (rnd(8)) {
      case 0:
      case 1:
      case 2:
      case 3: {
        // addi b', x31, off; c.lw/c.ld/c.sw/c.sd r', uimm(b')
        unsigned k = unsigned(rnd(4));
        bool dw = k & 1;
        unsigned size = dw ? 8 : 4;
        unsigned base = rp();
        uint32_t uimm = uint32_t(rnd(32)) * size;  // c.lw: 0..124, c.ld: 0..248
        int32_t off = int32_t(rnd_range(-2048, 2047 - 256 - 8)) & ~7;
        put(enc::addi(base, kBase, off));
        uint32_t f3 = (k >= 2 ? 4 : 0) | (dw ? 3 : 2);
        unsigned r2 = rp();
        put16(dw ? enc::c_lsd(f3, r2, base, uimm) : enc::c_lsw(f3, r2, base, uimm));
        break;
      }
      default: {
        // addi sp, x31, off; c.lwsp/c.ldsp rd, uimm(sp) / c.swsp/c.sdsp rs2, uimm(sp)
        unsigned k = unsigned(rnd(4));
        bool dw = k & 1;
        uint32_t uimm = dw ? uint32_t(rnd(64)) * 8 : uint32_t(rnd(64)) * 4;
        int32_t off = int32_t(rnd_range(-2048, 2047 - 512 - 8)) & ~7;
        put(enc::addi(2, kBase, off));
        if (k == 0) put16(enc::c_lwsp(rd_nz(), uimm));
        if (k == 1) put16(enc::c_ldsp(rd_nz(), uimm));
        if (k == 2) put16(enc::c_swsp(unsigned(rnd(32)), uimm));
        if (k == 3) put16(enc::c_sdsp(unsigned(rnd(32)), uimm));
        break;
      }
    }
  }
  void c_branch() {
    switch (rnd(5)) {
      case 0:
      case 1: {
        // c.beqz / c.bnez rs1', forward
        uint32_t f3 = chance(50) ? 6 : 7;
        unsigned r = rp();
        put_jump(2, [=](uint64_t pc, uint64_t, uint64_t target) { return enc::c_branch(f3, r, int32_t(target - pc)); });
        break;
      }
      case 2:
        // c.j forward
        put_jump(2, [](uint64_t pc, uint64_t, uint64_t target) { return enc::c_j(int32_t(target - pc)); });
        break;
      default: {
        // auipc t, 0; addi t, t, off; c.jr t / c.jalr t   (t may be x1, c.jalr's link register)
        unsigned t = chance(25) ? 1 : rd_nz();
        bool link = chance(50);
        put(enc::auipc(t, 0));
        put_jump(4,
                 [=](uint64_t, uint64_t group, uint64_t target) { return enc::addi(t, t, int32_t(target - group)); });
        put16(enc::cr(link, t, 0));
        break;
      }
    }
  }
  void csr() {
    // csrrw csrrs csrrc rd, mscratch, rs1 / csrrwi csrrsi csrrci rd, mscratch, uimm5
    static constexpr uint32_t kF3[] = {1, 2, 3, 5, 6, 7};
    uint32_t f3 = kF3[rnd(std::size(kF3))];
    put(enc::csr(f3, 0x340, f3 >= 5 ? unsigned(rnd(32)) : rs(), rd()));
  }
  void fence() {
    if (chance(85))
      put(enc::i(int32_t(rnd(256)), 0, 0, 0, 0x0f));  // fence pred, succ
    else
      put(enc::i(0, 0, 1, 0, 0x0f));  // fence.i
  }

  // ---- Floating point (see the top for the single/double register split).

  static constexpr unsigned kPoolSize = 256;                       // bytes at the start of the data area
  static constexpr int32_t kPoolOffset = -int32_t(kDataSize / 2);  // from x31

  uint64_t fp_random(int mbits, int ebits) {
    const uint64_t emax = (1ull << ebits) - 1;
    uint64_t frac = fp_rng_() & ((1ull << mbits) - 1), exp;
    switch (fp_rng_() % 6) {
      case 0: exp = 1 + fp_rng_() % 3; break;           // tiny
      case 1: exp = emax - 1 - fp_rng_() % 3; break;    // huge
      case 2: exp = 0; break;                           // subnormal
      default: exp = (emax >> 1) - 8 + fp_rng_() % 80;  // around 1 .. 2^72
    }
    if (fp_rng_() % 4 == 0) frac &= ~((1ull << (fp_rng_() % mbits)) - 1);  // short significand
    return (fp_rng_() & 1) << (mbits + ebits) | exp << mbits | frac;
  }
  uint64_t fp_single() {
    // clang-format off
    static constexpr uint32_t kEdges[] = {
        0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x3f000000, 0xbf000000, 0x40200000,
        0x40600000, 0x00800000, 0x007fffff, 0x00000001, 0x80000001, 0x7f7fffff, 0xff7fffff, 0x7f800000,
        0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345, 0x7fc12345, 0x4f000000, 0xcf000000,
        0x4f800000, 0x5f000000, 0xdf000000, 0x5f800000, 0x4effffff, 0x3dcccccd, 0x3eaaaaab, 0x3f7fffff};
    // clang-format on
    return fp_rng_() % 2 ? kEdges[fp_rng_() % std::size(kEdges)] : fp_random(23, 8);
  }
  uint64_t fp_double() {
    // clang-format off
    static constexpr uint64_t kEdges[] = {
        0, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000, 0x3ff8000000000000, 0x3fe0000000000000,
        0xbfe0000000000000, 0x4004000000000000, 0x0010000000000000, 0x000fffffffffffff, 0x0000000000000001,
        0x7fefffffffffffff, 0xffefffffffffffff, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
        0xfff8000000000000, 0x7ff0000000000001, 0x7ff4000000000000, 0x41e0000000000000, 0x41dfffffffc00000,
        0xc1e0000000000000, 0xc1e0000000200000, 0x41f0000000000000, 0x43e0000000000000, 0xc3e0000000000000,
        0x43f0000000000000, 0x3fb999999999999a, 0x47efffffe0000000, 0x47effffff0000000, 0x3810000000000000,
        0x380fffffffffffff, 0x36a0000000000000, 0x3690000000000000, 0x3690000000000001, 0xc7f0000000000000};
    // clang-format on
    return fp_rng_() % 2 ? kEdges[fp_rng_() % std::size(kEdges)] : fp_random(52, 11);
  }
  // f registers by type, and integer registers for conversions.
  unsigned fs() { return unsigned(rnd(8) | (rnd(2) << 4)); }      // f0-f7, f16-f23
  unsigned fd() { return unsigned(8 | rnd(8) | (rnd(2) << 4)); }  // f8-f15, f24-f31
  unsigned freg(bool dbl) { return dbl ? fd() : fs(); }
  // A rounding mode: one of the five static ones or dynamic (7).
  uint32_t rm() {
    static constexpr uint32_t kModes[] = {0, 1, 2, 3, 4, 7, 7};
    return kModes[rnd(std::size(kModes))];
  }

  // Two distinct scratch registers for the guards below.
  std::pair<unsigned, unsigned> scratch2() {
    unsigned t = rd_nz(), u;
    do u = rd_nz();
    while (u == t);
    return {t, u};
  }
  static uint32_t fclass(unsigned rd, unsigned f, bool dbl) { return enc::r(0x70 | uint32_t(dbl), 0, f, 1, rd, 0x53); }
  // bne t, zero to the next group: skips the rest of this one when t != 0.
  void skip_rest_if(unsigned t) {
    put_jump(
        4, [=](uint64_t pc, uint64_t, uint64_t target) { return enc::b(int32_t(target - pc), 0, t, 1); }, 0);
  }

  void fp_arith() {
    bool dbl = chance(50);
    uint32_t fmt = dbl;
    unsigned k = unsigned(rnd(9));
    if (k < 4) {
      // fadd fsub fmul fdiv   (funct5 00000 00001 00010 00011)
      put(enc::r(k << 2 | fmt, freg(dbl), freg(dbl), rm(), freg(dbl), 0x53));
    } else if (k == 4) {
      put(enc::r(0x0b << 2 | fmt, 0, freg(dbl), rm(), freg(dbl), 0x53));  // fsqrt
    } else {
      // fmadd fmsub fnmsub fnmadd   (opcodes 1000011 1000111 1001011 1001111)
      static constexpr uint32_t kOps[] = {0x43, 0x47, 0x4b, 0x4f};
      unsigned a = freg(dbl), b = freg(dbl), c = freg(dbl);
      // Unicorn bug: infinity times zero plus a quiet NaN must raise invalid (F chapter:
      // "must set the invalid operation exception flag when the multiplicands are infinity
      // and zero, even when the addend is a quiet NaN"); Unicorn leaves the flags alone
      // (fmsub.d with +0, -inf, 0x7ff8000000000000 in rtz: fflags stay 0x0f, the spec
      // gives 0x1f). QEMU 5.0's pick_nan_muladd skips the target's NaN rule in default-NaN
      // mode, which RISC-V uses. The group skips the instruction exactly then:
      //   fclass t, a; fclass u, b; or t, t, u; andi u, t, 0x81 (an infinity);
      //   andi t, t, 0x18 (a zero); snez u; snez t; and t, t, u; fclass u, c;
      //   srli u, u, 9 (quiet NaN); and t, t, u; bnez t, next group
      auto [t, u] = scratch2();
      put(fclass(t, a, dbl));
      put(fclass(u, b, dbl));
      put(enc::r(0, u, t, 6, t, 0x33));  // or t, t, u
      put(enc::i(0x81, t, 7, u, 0x13));  // andi u, t, 0x81
      put(enc::i(0x18, t, 7, t, 0x13));  // andi t, t, 0x18
      put(enc::r(0, u, 0, 3, u, 0x33));  // sltu u, zero, u
      put(enc::r(0, t, 0, 3, t, 0x33));  // sltu t, zero, t
      put(enc::r(0, u, t, 7, t, 0x33));  // and t, t, u
      put(fclass(u, c, dbl));
      put(enc::i(9, u, 5, u, 0x13));     // srli u, u, 9
      put(enc::r(0, u, t, 7, t, 0x33));  // and t, t, u
      skip_rest_if(t);
      put(enc::r4(c, fmt, b, a, rm(), freg(dbl), kOps[k - 5]));
    }
  }
  void fp_other() {
    bool dbl = chance(50);
    uint32_t fmt = dbl;
    switch (rnd(4)) {
      case 0:  // fsgnj fsgnjn fsgnjx fd, fs1, fs2
        put(enc::r(0x04 << 2 | fmt, freg(dbl), freg(dbl), uint32_t(rnd(3)), freg(dbl), 0x53));
        break;
      case 1: {
        // Unicorn bug: fmin/fmax with a signaling NaN operand return the canonical NaN (IEEE
        // 754-2008 minNum/maxNum, as QEMU did before 6.0); since F 2.2 the result is the other
        // operand (fmin.d with 0x7ff0000000000001 and -0.5 must give -0.5; Unicorn gives
        // 0x7ff8000000000000). The group skips fmin/fmax when an operand is a signaling NaN:
        //   fclass t, a; fclass u, b; or t, t, u; andi t, t, 0x100; bnez t, next group
        unsigned a = freg(dbl), b = freg(dbl);
        auto [t, u] = scratch2();
        put(fclass(t, a, dbl));
        put(fclass(u, b, dbl));
        put(enc::r(0, u, t, 6, t, 0x33));   // or t, t, u
        put(enc::i(0x100, t, 7, t, 0x13));  // andi t, t, 0x100
        skip_rest_if(t);
        put(enc::r(0x05 << 2 | fmt, b, a, uint32_t(rnd(2)), freg(dbl), 0x53));  // fmin / fmax fd, a, b
        break;
      }
      case 2:  // fle flt feq rd, fs1, fs2
        put(enc::r(0x14 << 2 | fmt, freg(dbl), freg(dbl), uint32_t(rnd(3)), rd(), 0x53));
        break;
      case 3: put(fclass(rd(), freg(dbl), dbl)); break;  // fclass rd, fs1
    }
  }
  void fp_cvt() {
    bool dbl = chance(50);
    uint32_t fmt = dbl;
    switch (rnd(5)) {
      case 0:
      case 1: {
        // fcvt.{w,wu,l,lu}.fmt rd, fs1; the source is often an integer-valued or boundary float
        put(enc::r(0x18 << 2 | fmt, uint32_t(rnd(4)), freg(dbl), rm(), rd(), 0x53));
        break;
      }
      case 2:
      case 3: {
        // fcvt.fmt.{w,wu,l,lu} fd, rs1
        unsigned src = chance(30) ? edge() : rs();
        put(enc::r(0x1a << 2 | fmt, uint32_t(rnd(4)), src, rm(), freg(dbl), 0x53));
        break;
      }
      case 4:
        // fcvt.s.d fd, fs1 / fcvt.d.s fd, fs1
        if (dbl)
          put(enc::r(0x08 << 2 | 1, 0, fs(), rm(), fd(), 0x53));
        else
          put(enc::r(0x08 << 2 | 0, 1, fd(), rm(), fs(), 0x53));
        break;
    }
  }
  void fp_move() {
    switch (rnd(4)) {
      case 0: put(enc::r(0x70, 0, unsigned(rnd(32)), 0, rd(), 0x53)); break;  // fmv.x.w rd, any f (low half)
      case 1: put(enc::r(0x78, 0, rs(), 0, fs(), 0x53)); break;               // fmv.w.x fs, rs1
      case 2: put(enc::r(0x71, 0, fd(), 0, rd(), 0x53)); break;               // fmv.x.d rd, fd
      case 3: put(enc::r(0x79, 0, rs(), 0, fd(), 0x53)); break;               // fmv.d.x fd, rs1
    }
  }
  // An offset from x31: half the time into the pool of floating-point values.
  int32_t fp_offset(unsigned size) {
    if (chance(50)) return kPoolOffset + int32_t(rnd(kPoolSize / size) * size);
    return data_offset(size, chance(90));
  }
  void fp_mem() {
    switch (rnd(6)) {
      case 0: put(enc::i(fp_offset(4), kBase, 2, fs(), 0x07)); break;               // flw fs, off(x31)
      case 1: put(enc::i(fp_offset(8), kBase, 3, fd(), 0x07)); break;               // fld fd, off(x31)
      case 2: put(enc::s(fp_offset(4), unsigned(rnd(32)), kBase, 2, 0x27)); break;  // fsw any f, off(x31)
      case 3: put(enc::s(fp_offset(8), fd(), kBase, 3, 0x27)); break;               // fsd fd, off(x31)
      case 4: {
        // addi b', x31, off; c.fld/c.fsd f8-f15, uimm(b')
        unsigned base = rp();
        uint32_t uimm = uint32_t(rnd(32)) * 8;
        int32_t off = chance(50) ? kPoolOffset : int32_t(rnd_range(-2048, 2047 - 256 - 8)) & ~7;
        put(enc::addi(base, kBase, off));
        put16(enc::c_lsd(chance(50) ? 1 : 5, unsigned(rnd_range(8, 15)), base, uimm));
        break;
      }
      case 5: {
        // addi sp, x31, off; c.fldsp/c.fsdsp fd, uimm(sp)
        uint32_t uimm = uint32_t(rnd(64)) * 8;
        int32_t off = chance(50) ? kPoolOffset : int32_t(rnd_range(-2048, 2047 - 512 - 8)) & ~7;
        put(enc::addi(2, kBase, off));
        put16(chance(50) ? enc::c_fldsp(fd(), uimm) : enc::c_fsdsp(fd(), uimm));
        break;
      }
    }
  }
  void fp_csr() {
    // fflags (1), frm (2), fcsr (3). frm must stay a valid mode (0-4) for the dynamic-mode
    // instructions: frm is only written with 0-4 or has bits cleared.
    switch (rnd(6)) {
      case 0: put(enc::csr(2, uint16_t(1 + rnd(3)), 0, rd())); break;                  // csrrs rd, f*, x0 (read)
      case 1: put(enc::csr(5, 2, unsigned(rnd(5)), rd())); break;                      // csrrwi rd, frm, 0-4
      case 2: put(enc::csr(7, uint16_t(1 + rnd(3)), unsigned(rnd(32)), rd())); break;  // csrrci rd, f*, uimm
      case 3: put(enc::csr(5, chance(50) ? 1 : 3, unsigned(rnd(32)), rd())); break;    // csrrwi fflags/fcsr
      case 4: put(enc::csr(6, 1, unsigned(rnd(32)), rd())); break;                     // csrrsi rd, fflags, uimm
      case 5: put(enc::csr(1, 1, rs(), rd())); break;                                  // csrrw rd, fflags, rs1
    }
  }

  // ---- Loops.

  // A bounded loop; returns the number of groups it takes:
  //   li c, n                      (or c.li; n = 1..8; a top-level group: the only entry)
  //   body: 1-6 groups             (forward branches stay inside: at most to the tail)
  //   tail: addi c, c, -1          (or c.addi, addiw)
  //         bnez c, body           (or c.bnez, bgtz c, bltu zero, c)
  // The counter is one of x3..x30, often one of x8..x15 so that c.bnez can test it (x1
  // and x2 are written by c.jalr and the sp-based groups). No body instruction writes the
  // counter (see reserved()), and the counter stays 1..n in the body, so the body runs
  // exactly n times unless a branch before the loop skips all of it.
  unsigned loop() {
    unsigned c = unsigned(chance(40) ? rnd_range(8, 15) : rnd_range(3, 30));
    int32_t n = int32_t(rnd_range(1, 8));
    new_top_group();
    if (chance(30))
      put16(enc::ci(2, n, c, 1));  // c.li c, n
    else
      put(enc::addi(c, 0, n));  // li c, n
    unsigned nbody = unsigned(rnd_range(1, 6));
    int body = int(groups_.size()), tail = body + int(nbody);
    counter_ = c;
    for (unsigned k = 0; k < nbody; k++) {
      cur_ = unsigned(groups_.size());
      groups_.emplace_back();
      scope_end_.push_back(tail);
      body_group();
    }
    counter_ = 0;
    cur_ = unsigned(groups_.size());
    groups_.emplace_back();
    scope_end_.push_back(tail);
    switch (rnd(4)) {
      case 0: put16(enc::ci(0, -1, c, 1)); break;     // c.addi c, -1
      case 1: put(enc::i(-1, c, 0, c, 0x1b)); break;  // addiw c, c, -1
      default: put(enc::addi(c, c, -1)); break;       // addi c, c, -1
    }
    unsigned bytes = 0;  // from the body's start to the back edge (c.bnez reaches 256 back)
    for (size_t g = size_t(body); g < groups_.size(); g++)
      for (const Insn& in : groups_[g]) bytes += in.len;
    Insn back = plain(0, 4);
    back.target = body;
    if (c >= 8 && c <= 15 && bytes <= 256 && chance(60)) {
      back.len = 2;
      back.fix = [=](uint64_t pc, uint64_t, uint64_t target) { return enc::c_branch(7, c, int32_t(target - pc)); };
    } else {
      switch (rnd(4)) {
        case 0:  // blt zero, c   (bgtz c)
          back.fix = [=](uint64_t pc, uint64_t, uint64_t target) { return enc::b(int32_t(target - pc), c, 0, 4); };
          break;
        case 1:  // bltu zero, c
          back.fix = [=](uint64_t pc, uint64_t, uint64_t target) { return enc::b(int32_t(target - pc), c, 0, 6); };
          break;
        default:  // bne c, zero
          back.fix = [=](uint64_t pc, uint64_t, uint64_t target) { return enc::b(int32_t(target - pc), 0, c, 1); };
          break;
      }
    }
    groups_[cur_].push_back(std::move(back));
    return nbody + 2;
  }
  // A group of a loop body: mostly from the program's mix (but no nested loop), sometimes
  // memory accesses, the strided ones moving with the counter.
  void body_group() {
    if (chance(25)) {
      switch (rnd(6)) {
        case 0: load(); break;
        case 1: store(); break;
        case 2: amo(); break;
        case 3: lrsc(); break;
        default: strided(); break;
      }
      return;
    }
    Cat c;
    do c = Cat(pick_(rng_));
    while (c == kLoop);
    emit_category(c);
  }
  // An access at an address that moves with the loop counter c (at most 8, so t stays
  // within 64 bytes above x31):
  //   slli t, c, sh; add t, t, x31; then a load, a store, an AMO or an F/D load or store
  void strided() {
    unsigned t = rd_nz(), sh = unsigned(rnd(4));
    unsigned k = unsigned(rnd(uses_fp_ ? 5 : 4));
    if (k == 2) sh = 2 + unsigned(rnd(2));           // AMOs must be aligned: (c << sh) a multiple of 4 or 8
    put(enc::i(int32_t(sh), counter_, 1, t, 0x13));  // slli t, c, sh
    put(enc::r(0, kBase, t, 0, t, 0x33));            // add t, t, x31
    auto offset = [&](unsigned size, bool aligned) {
      int32_t off = int32_t(rnd_range(-2048, 2047 - 64 - int32_t(size) + 1));
      return aligned ? off & ~int32_t(size - 1) : off;
    };
    switch (k) {
      case 0: {  // lb lh lw ld lbu lhu lwu rd, off(t)
        static constexpr std::pair<uint32_t, unsigned> kOps[] = {{0, 1}, {1, 2}, {2, 4}, {3, 8},
                                                                 {4, 1}, {5, 2}, {6, 4}};
        auto [f3, size] = kOps[rnd(std::size(kOps))];
        put(enc::i(offset(size, chance(80)), t, f3, rd(), 0x03));
        break;
      }
      case 1: {  // sb sh sw sd rs2, off(t)
        unsigned f3 = unsigned(rnd(4));
        put(enc::s(offset(1u << f3, chance(80)), rs(), t, f3, 0x23));
        break;
      }
      case 2: {  // addi t, t, off; amoadd/amoswap/amoxor/amoor.{w,d} rd, rs2, (t)
        static constexpr uint32_t kF5[] = {0x00, 0x01, 0x04, 0x08};
        bool dw = sh == 3 && chance(60);
        put(enc::addi(t, t, offset(dw ? 8 : 4, true)));
        put(enc::amo(kF5[rnd(std::size(kF5))], chance(50), chance(50), rs(), t, dw ? 3 : 2, rd()));
        break;
      }
      case 3: {  // sw/sd rs2, off(t); lw/lwu/ld rd, off(t)   (stores a value and loads it back)
        bool dw = chance(50);
        int32_t off = offset(dw ? 8 : 4, chance(80));
        put(enc::s(off, rs(), t, dw ? 3 : 2, 0x23));
        put(enc::i(off, t, dw ? 3 : (chance(50) ? 2 : 6), rd(), 0x03));
        break;
      }
      case 4: {  // flw/fld/fsw/fsd off(t)
        switch (rnd(4)) {
          case 0: put(enc::i(offset(4, chance(90)), t, 2, fs(), 0x07)); break;               // flw
          case 1: put(enc::i(offset(8, chance(90)), t, 3, fd(), 0x07)); break;               // fld
          case 2: put(enc::s(offset(4, chance(90)), unsigned(rnd(32)), t, 2, 0x27)); break;  // fsw any f
          case 3: put(enc::s(offset(8, chance(90)), fd(), t, 3, 0x27)); break;               // fsd
        }
        break;
      }
    }
  }

  Program layout() {
    Program p;
    std::vector<uint64_t> start(groups_.size());
    uint64_t pc = kCodeBase;
    for (size_t g = 0; g < groups_.size(); g++) {
      start[g] = pc;
      for (const Insn& in : groups_[g]) pc += in.len;
    }
    if (pc - kCodeBase > kCodeLimit) throw std::runtime_error("program too large");
    for (size_t g = 0; g < groups_.size(); g++) {
      uint64_t at = start[g];
      for (Insn& in : groups_[g]) {
        if (in.fix) in.bits = in.fix(at, start[g], start[resolve(g, in)]);
        for (unsigned k = 0; k < in.len; k++) p.code.push_back(uint8_t(in.bits >> (8 * k)));
        p.insn_pc.push_back(at);
        p.insn_bits.push_back(in.bits);
        at += in.len;
      }
    }
    p.end_pc = start.back();
    return p;
  }

  std::mt19937_64 rng_, fp_rng_;
  std::discrete_distribution<unsigned> pick_;
  bool uses_fp_ = false;
  std::vector<Group> groups_;
  std::vector<size_t> top_;     // the top-level groups, ascending; the last one is the final `j .`
  std::vector<int> scope_end_;  // per group: -1 at the top level, else the last group its branches may reach
  unsigned cur_ = 0;            // the group being generated
  unsigned counter_ = 0;        // in a loop body: its counter, which nothing else may write
};

// ---------------------------------------------------------------------------------------
// The emulators: Unicorn, and polyemu with each of its engines.

// Every program runs once in Unicorn and once in polyemu on each of these engines; each
// polyemu run is compared with Unicorn's, and so with the other engines'.
struct EngineConfig {
  const char* name;                        // MachineConfig::engine: "interp" or "jit"
  unsigned jit_threshold = 0;              // jit: interpreted runs of a block before it is compiled
  bool jit_sync = false;                   // jit: compile at once on the guest thread
  unsigned every = 1;                      // runs every n-th program (LLVM compiles cost ~100 ms per program)
  unsigned first = 0;                      // starting with this one
  uint64_t jit_optimize_after = 1u << 30;  // jit: instructions run in quick code before it is optimized
};
// In the jit engines nearly every block runs as native code, loops as compiled regions.
constexpr EngineConfig kEngines[] = {{"interp"}, {"jit", 1, true, 6, 0}, {"jit", 1, true, 6, 3, 2}};
uint64_t g_engine_insns[std::size(kEngines)];  // instructions compared per engine, all tests

std::string describe(const EngineConfig& e) {
  std::string s = e.name;
  if (s == "jit")
    s += " (threshold " + std::to_string(e.jit_threshold) + (e.jit_sync ? ", sync" : "") + ", optimized after " +
         std::to_string(e.jit_optimize_after) + " instructions, every " + std::to_string(e.every) + ". program from " +
         std::to_string(e.first) + ")";
  return s;
}

struct State {
  std::array<uint64_t, 32> regs{};
  std::array<uint64_t, 32> fregs{};
  uint64_t fcsr = 0;
  uint64_t pc = 0;
  std::vector<uint8_t> data;
  std::string error;  // set when the emulator did not stop where it was asked to
};

// Executed instructions; of those, F/D/Zcd ones and taken backward control transfers
// (the back edges of loops).
struct Counts {
  uint64_t all = 0, fp = 0, back = 0;
  Counts& operator+=(const Counts& o) {
    all += o.all, fp += o.fp, back += o.back;
    return *this;
  }
};

class UnicornRunner {
 public:
  UnicornRunner() {
    uc_err e = uc_open(UC_ARCH_RISCV, UC_MODE_RISCV64, &uc_);
    if (e != UC_ERR_OK) throw std::runtime_error(std::string("uc_open: ") + uc_strerror(e));
    check(uc_mem_map(uc_, kRamBase, kRamSize, UC_PROT_ALL), "uc_mem_map");
    check(uc_hook_add(uc_, &hook_, UC_HOOK_CODE, reinterpret_cast<void*>(&count_insn), this, kRamBase,
                      kRamBase + kRamSize - 1),
          "uc_hook_add");
    // QEMU executes floating-point instructions only with mstatus.FS != Off.
    uint64_t mstatus = 1 << 13;  // FS = Initial
    check(uc_reg_write(uc_, UC_RISCV_REG_MSTATUS, &mstatus), "uc_reg_write");
  }
  ~UnicornRunner() { uc_close(uc_); }

  // Runs `p` from the start until its final `j .` (steps == 0) or for `steps` instructions,
  // counting what it executes into `counts`.
  State run(const Program& p, uint64_t steps, Counts* counts = nullptr) {
    std::vector<uint8_t> zeros(kCodeLimit, 0);
    check(uc_mem_write(uc_, kCodeBase, zeros.data(), zeros.size()), "uc_mem_write");
    check(uc_mem_write(uc_, kCodeBase, p.code.data(), p.code.size()), "uc_mem_write");
    check(uc_mem_write(uc_, kDataArea, p.data.data(), p.data.size()), "uc_mem_write");
    // Drop translations of the previous program.
    check(uc_ctl_remove_cache(uc_, kCodeBase, kCodeBase + kCodeLimit), "uc_ctl_remove_cache");
    for (unsigned k = 1; k < 32; k++) check(uc_reg_write(uc_, UC_RISCV_REG_X0 + int(k), &p.regs[k]), "uc_reg_write");
    uint64_t zero = 0;
    check(uc_reg_write(uc_, UC_RISCV_REG_MSCRATCH, &zero), "uc_reg_write");
    for (unsigned k = 0; k < 32; k++) check(uc_reg_write(uc_, UC_RISCV_REG_F0 + int(k), &p.fregs[k]), "uc_reg_write");
    check(uc_reg_write(uc_, UC_RISCV_REG_FCSR, &p.fcsr), "uc_reg_write");
    counts_ = {};
    last_pc_ = 0;
    State s;
    uc_err e = uc_emu_start(uc_, kCodeBase, steps ? kRamBase + kRamSize : p.end_pc, 1'000'000, steps);
    if (e != UC_ERR_OK) s.error = std::string("uc_emu_start: ") + uc_strerror(e);
    for (unsigned k = 0; k < 32; k++) check(uc_reg_read(uc_, UC_RISCV_REG_X0 + int(k), &s.regs[k]), "uc_reg_read");
    for (unsigned k = 0; k < 32; k++) check(uc_reg_read(uc_, UC_RISCV_REG_F0 + int(k), &s.fregs[k]), "uc_reg_read");
    check(uc_reg_read(uc_, UC_RISCV_REG_FCSR, &s.fcsr), "uc_reg_read");
    check(uc_reg_read(uc_, UC_RISCV_REG_PC, &s.pc), "uc_reg_read");
    s.data.resize(kDataSize);
    check(uc_mem_read(uc_, kDataArea, s.data.data(), kDataSize), "uc_mem_read");
    if (counts) *counts = counts_;
    if (s.error.empty() && !steps && s.pc != p.end_pc) s.error = "unicorn stopped before the end";
    return s;
  }

 private:
  static void count_insn(uc_engine* uc, uint64_t addr, uint32_t size, void* self) {
    auto* me = static_cast<UnicornRunner*>(self);
    me->counts_.all++;
    if (addr < me->last_pc_) me->counts_.back++;
    me->last_pc_ = addr;
    uint32_t bits = 0;
    if (uc_mem_read(uc, addr, &bits, size) == UC_ERR_OK) {
      polyemu::riscv::Decoded d = polyemu::riscv::decode(bits);
      if (d.row && polyemu::riscv::uses_fpu(d.row->ext)) me->counts_.fp++;
    }
  }
  static void check(uc_err e, const char* what) {
    if (e != UC_ERR_OK) throw std::runtime_error(std::string(what) + ": " + uc_strerror(e));
  }
  uc_engine* uc_ = nullptr;
  uc_hook hook_{};
  Counts counts_;
  uint64_t last_pc_ = 0;
};

class PolyemuRunner {
 public:
  explicit PolyemuRunner(const EngineConfig& engine)
      : engine_(engine),
        path_((std::filesystem::temp_directory_path() /
               ("polyemu_difftest_" + std::to_string(getpid()) + "_" + std::to_string(next_id_++) + ".bin"))
                  .string()) {}
  ~PolyemuRunner() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  PolyemuRunner(const PolyemuRunner&) = delete;
  PolyemuRunner& operator=(const PolyemuRunner&) = delete;
  const EngineConfig& engine() const { return engine_; }

  // Runs exactly `steps` instructions of `p`.
  State run(const Program& p, uint64_t steps) {
    {
      std::ofstream f(path_, std::ios::binary | std::ios::trunc);
      f.write(reinterpret_cast<const char*>(p.code.data()), std::streamsize(p.code.size()));
    }
    polyemu::MachineConfig cfg;
    cfg.memory = kRamSize;
    cfg.raw_loads.push_back({path_, kCodeBase});
    cfg.max_insns = steps;
    cfg.console = [](uint8_t) {};
    cfg.engine = engine_.name;
    if (cfg.engine == "jit") {
      cfg.jit.threshold = engine_.jit_threshold;
      cfg.jit.sync = engine_.jit_sync;
      cfg.jit.optimize_after = engine_.jit_optimize_after;
    }
    polyemu::Riscv64Virt vm(cfg);
    // A trap lands on `j .` so that it shows as a mismatch instead of a fault loop.
    uint8_t* ram = vm.ram();
    uint32_t spin = enc::j(0, 0);
    std::memcpy(ram + (kTrapHandler - kRamBase), &spin, 4);
    std::memcpy(ram + (kDataArea - kRamBase), p.data.data(), kDataSize);
    uint64_t old = 0;
    polyemu::ir::CsrImm mtvec{0x305, polyemu::ir::CsrOp::Write, true, true};
    vm.hart().csr(mtvec, kTrapHandler, old, {0, 0, 0});
    polyemu::ir::CsrImm mstatus_set{0x300, polyemu::ir::CsrOp::Set, true, true};
    vm.hart().csr(mstatus_set, 1 << 13, old, {0, 0, 0});  // FS = Initial: the FPU is on
    auto& st = vm.hart().state();
    for (unsigned k = 1; k < 32; k++) st.regs[k] = p.regs[k];
    for (unsigned k = 0; k < 32; k++) st.regs[32 + k] = p.fregs[k];
    st.fcsr = p.fcsr;
    polyemu::RunResult r = vm.run();
    State s;
    if (r.kind != polyemu::RunResult::Kind::MaxInsns) s.error = "polyemu stopped early: " + r.message;
    if (vm.instructions() != steps)
      s.error += " retired " + std::to_string(vm.instructions()) + " of " + std::to_string(steps);
    for (unsigned k = 0; k < 32; k++) s.regs[k] = st.regs[k], s.fregs[k] = st.regs[32 + k];
    s.fcsr = st.fcsr;
    s.pc = st.pc;
    s.data.assign(ram + (kDataArea - kRamBase), ram + (kDataArea - kRamBase) + kDataSize);
    return s;
  }

 private:
  static inline unsigned next_id_ = 0;  // each runner has a file of its own for the program
  EngineConfig engine_;
  std::string path_;
};

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Empty when equal; otherwise a description of every difference.
std::string compare(const State& uc, const State& pe) {
  std::ostringstream os;
  if (!uc.error.empty()) os << "  unicorn: " << uc.error << "\n";
  if (!pe.error.empty()) os << "  polyemu: " << pe.error << "\n";
  if (uc.pc != pe.pc) os << "  pc: unicorn " << hex(uc.pc) << ", polyemu " << hex(pe.pc) << "\n";
  for (unsigned k = 0; k < 32; k++)
    if (uc.regs[k] != pe.regs[k])
      os << "  x" << k << ": unicorn " << hex(uc.regs[k]) << ", polyemu " << hex(pe.regs[k]) << "\n";
  for (unsigned k = 0; k < 32; k++) {
    // Single-precision registers: Unicorn does not NaN-box (see the top); polyemu must.
    uint64_t mask = single_reg(k) ? 0xffffffff : ~0ull;
    bool boxed = !single_reg(k) || (pe.fregs[k] >> 32) == 0xffffffff;
    if ((uc.fregs[k] & mask) != (pe.fregs[k] & mask) || !boxed)
      os << "  f" << k << ": unicorn " << hex(uc.fregs[k]) << ", polyemu " << hex(pe.fregs[k])
         << (boxed ? "" : " (not NaN-boxed)") << "\n";
  }
  if (uc.fcsr != pe.fcsr) os << "  fcsr: unicorn " << hex(uc.fcsr) << ", polyemu " << hex(pe.fcsr) << "\n";
  for (uint64_t a = 0; a < kDataSize; a += 8) {
    uint64_t x, y;
    std::memcpy(&x, &uc.data[a], 8);
    std::memcpy(&y, &pe.data[a], 8);
    if (x != y) os << "  mem[" << hex(kDataArea + a) << "]: unicorn " << hex(x) << ", polyemu " << hex(y) << "\n";
  }
  return os.str();
}

std::string listing_at(const Program& p, uint64_t pc) {
  for (size_t k = 0; k < p.insn_pc.size(); k++)
    if (p.insn_pc[k] == pc) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "static #%zu  %08x  ", k, p.insn_bits[k]);
      return buf + polyemu::riscv::disassemble(p.insn_bits[k], pc);
    }
  return "(not an instruction of the program)";
}

// Steps both emulators (polyemu on the engine of `pe`) to the first instruction after
// which they differ.
std::string diagnose(UnicornRunner& uc, PolyemuRunner& pe, const Program& p, uint64_t total) {
  State before;
  before.pc = kCodeBase;
  before.regs = p.regs;
  before.fregs = p.fregs;
  before.fcsr = p.fcsr;
  before.data = p.data;
  for (uint64_t k = 1; k <= total; k++) {
    State a = uc.run(p, k), b = pe.run(p, k);
    std::string diff = compare(a, b);
    if (!diff.empty()) {
      std::ostringstream os;
      os << "first difference after executed instruction #" << k << " at pc " << hex(before.pc) << ": "
         << listing_at(p, before.pc) << "\n";
      // The operands it read (both emulators agreed on them).
      for (size_t n = 0; n < p.insn_pc.size(); n++) {
        if (p.insn_pc[n] != before.pc) continue;
        polyemu::riscv::Decoded d = polyemu::riscv::decode(p.insn_bits[n]);
        os << "  before: rs1 x" << unsigned(d.ops.rs1) << " = " << hex(before.regs[d.ops.rs1]) << ", rs2 x"
           << unsigned(d.ops.rs2) << " = " << hex(before.regs[d.ops.rs2]) << "\n";
        if (d.row && polyemu::riscv::uses_fpu(d.row->ext))
          os << "  before: f" << unsigned(d.ops.rs1) << " = " << hex(before.fregs[d.ops.rs1]) << ", f"
             << unsigned(d.ops.rs2) << " = " << hex(before.fregs[d.ops.rs2]) << ", f" << unsigned(d.ops.rs3) << " = "
             << hex(before.fregs[d.ops.rs3]) << ", fcsr = " << hex(before.fcsr) << "\n";
        uint64_t addr = before.regs[d.ops.rs1] + uint64_t(d.ops.imm);
        for (uint64_t a8 : {addr & ~7ull, (addr & ~7ull) + 8}) {
          if (a8 >= kDataArea && a8 - kDataArea <= kDataSize - 8) {
            uint64_t v;
            std::memcpy(&v, &before.data[a8 - kDataArea], 8);
            os << "  before: mem[" << hex(a8) << "] = " << hex(v) << "\n";
          }
        }
      }
      return os.str() + diff;
    }
    before = a;
  }
  return "no difference when stepping one instruction at a time\n";
}

// Runs `programs` programs of `groups` groups each with the given mix; returns the counts
// of the programs that were executed and compared.
Counts run_difftest(const char* name, uint64_t seed, const Mix& mix, unsigned programs, unsigned groups) {
  UnicornRunner uc;
  std::vector<std::unique_ptr<PolyemuRunner>> engines;
  for (const EngineConfig& e : kEngines) engines.push_back(std::make_unique<PolyemuRunner>(e));
  Counts compared;
  unsigned failures = 0;
  for (unsigned n = 0; n < programs && failures < 5; n++) {
    uint64_t program_seed = seed * 1000003 + n;
    Generator gen(program_seed, mix);
    Program p = gen.generate(groups);
    Counts counts;
    State a = uc.run(p, 0, &counts);
    uint64_t executed = counts.all;
    if (!a.error.empty()) {
      ADD_FAILURE() << name << ": seed " << program_seed << ": unicorn did not run the program: " << a.error << " (pc "
                    << hex(a.pc) << ": " << listing_at(p, a.pc) << ")";
      failures++;
      continue;
    }
    bool same = true;
    for (size_t i = 0; i < engines.size(); i++) {
      PolyemuRunner* pe = engines[i].get();
      if (n % kEngines[i].every != kEngines[i].first) continue;
      State b = pe->run(p, executed);
      if (compare(a, b).empty()) g_engine_insns[i] += executed;
      std::string diff = compare(a, b);
      if (diff.empty()) continue;
      same = false;
      failures++;
      ADD_FAILURE() << name << ": program seed " << program_seed << " (" << executed << " instructions) differs on "
                    << describe(pe->engine()) << ":\n"
                    << diff << diagnose(uc, *pe, p, executed);
    }
    if (!same) continue;
    compared += counts;
  }
  EXPECT_EQ(failures, 0u);
  std::printf(
      "[ difftest ] %s: %u programs, %llu instructions compared with Unicorn (%llu floating-point, %llu back "
      "edges taken)\n",
      name, programs, static_cast<unsigned long long>(compared.all), static_cast<unsigned long long>(compared.fp),
      static_cast<unsigned long long>(compared.back));
  return compared;
}

// Totals over the tests that ran, printed when the program ends.
Counts g_total;
class TotalPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    std::string names;
    for (size_t i = 0; i < std::size(kEngines); i++)
      names += (names.empty() ? "" : ", ") + describe(kEngines[i]) + " " + std::to_string(g_engine_insns[i]);
    std::printf(
        "[ difftest ] total: %llu instructions compared with Unicorn (%llu floating-point, %llu back edges taken); "
        "instructions per engine: %s\n",
        static_cast<unsigned long long>(g_total.all), static_cast<unsigned long long>(g_total.fp),
        static_cast<unsigned long long>(g_total.back), names.c_str());
  }
};
const auto* const g_printer = ::testing::AddGlobalTestEnvironment(new TotalPrinter);

// POLYEMU_DIFFTEST_SCALE=n runs n times as many programs (further seeds) for a longer hunt.
unsigned scale() {
  const char* s = std::getenv("POLYEMU_DIFFTEST_SCALE");
  int n = s ? std::atoi(s) : 1;
  return n > 0 ? unsigned(n) : 1;
}

// Each test must compare at least its minimum of executed instructions (forward branches
// skip some of the generated ones, loops repeat some), the floating-point tests a minimum
// of F/D ones and the tests with loops a minimum of loop iterations. The minima add up to
// 422,000 integer-mix and 330,000 floating-point-mix instructions, 140,000 of them
// F/D/Zcd, and 30,500 back edges taken.
void difftest(const char* name, uint64_t seed, const Mix& mix, unsigned programs, const Counts& minimum) {
  Counts n = run_difftest(name, seed, mix, programs * scale(), 300);
  g_total += n;
  EXPECT_GE(n.all, minimum.all * scale()) << "too few instructions compared";
  EXPECT_GE(n.fp, minimum.fp * scale()) << "too few floating-point instructions compared";
  EXPECT_GE(n.back, minimum.back * scale()) << "too few loop iterations compared";
}

// clang-format off
//                              RR RI  W  U MD Ed Ld St Am LS Br Jp CA CM CB Cs Fe FA FO FC FM FL FS Lp
constexpr Mix kMixAlu          = {6, 6, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr Mix kMixMulDiv       = {2, 2, 1, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr Mix kMixMemory       = {2, 2, 1, 1, 0, 1, 5, 5, 0, 0, 0, 0, 0, 2, 0, 0, 0};
constexpr Mix kMixAtomic       = {2, 2, 0, 0, 0, 1, 1, 2, 5, 3, 0, 0, 0, 0, 0, 1, 0};
constexpr Mix kMixControl      = {3, 3, 1, 1, 0, 1, 0, 0, 0, 0, 5, 3, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 2};
constexpr Mix kMixCompressed   = {1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 8, 4, 2, 0, 0};
constexpr Mix kMixAll          = {4, 4, 3, 1, 3, 1, 3, 3, 2, 1, 2, 1, 4, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 3};
constexpr Mix kMixLoops        = {3, 3, 1, 1, 1, 1, 2, 2, 1, 1, 3, 1, 2, 1, 2, 1, 0, 1, 0, 0, 1, 1, 0, 6};
constexpr Mix kMixFpArith      = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 1, 2, 3, 1};
constexpr Mix kMixFpCompare    = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 2, 10, 1, 1, 3, 1};
constexpr Mix kMixFpConvert    = {1, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 10, 2, 2, 1};
constexpr Mix kMixFpMemory     = {1, 1, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1, 3, 8, 1};
constexpr Mix kMixFpAll        = {2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 5, 3, 3, 2, 3, 2, 3};
// clang-format on

TEST(DiffUnicorn, IntegerAlu) { difftest("IntegerAlu", 1, kMixAlu, 100, {24'000}); }
TEST(DiffUnicorn, MulDiv) { difftest("MulDiv", 2, kMixMulDiv, 100, {30'000}); }
TEST(DiffUnicorn, LoadsStores) { difftest("LoadsStores", 3, kMixMemory, 100, {28'000}); }
TEST(DiffUnicorn, Atomics) { difftest("Atomics", 4, kMixAtomic, 100, {40'000}); }
TEST(DiffUnicorn, ControlFlow) { difftest("ControlFlow", 5, kMixControl, 100, {40'000, 0, 3'500}); }
TEST(DiffUnicorn, Compressed) { difftest("Compressed", 6, kMixCompressed, 100, {30'000}); }
TEST(DiffUnicorn, Mixed) { difftest("Mixed", 7, kMixAll, 300, {180'000, 0, 12'000}); }
TEST(DiffUnicorn, Loops) { difftest("Loops", 13, kMixLoops, 60, {50'000, 0, 4'000}); }
TEST(DiffUnicorn, FpArithmetic) { difftest("FpArithmetic", 8, kMixFpArith, 100, {30'000, 25'000}); }
TEST(DiffUnicorn, FpCompareMinMaxClass) { difftest("FpCompareMinMaxClass", 9, kMixFpCompare, 100, {30'000, 25'000}); }
TEST(DiffUnicorn, FpConversions) { difftest("FpConversions", 10, kMixFpConvert, 100, {30'000, 20'000}); }
TEST(DiffUnicorn, FpLoadsStores) { difftest("FpLoadsStores", 11, kMixFpMemory, 100, {30'000, 20'000}); }
TEST(DiffUnicorn, FpMixed) { difftest("FpMixed", 12, kMixFpAll, 250, {210'000, 50'000, 11'000}); }

}  // namespace
