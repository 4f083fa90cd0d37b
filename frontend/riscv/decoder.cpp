#include "frontend/riscv/decoder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <vector>

#include "frontend/riscv/lift.h"

namespace polyemu::riscv {

namespace {

struct Pattern {
  uint32_t mask = 0, match = 0;
  uint8_t length = 0;
};

constexpr Pattern parse(const char* p) {
  Pattern r;
  unsigned bits = 0;
  for (const char* c = p; *c; c++) {
    if (*c == ' ') continue;
    r.mask <<= 1;
    r.match <<= 1;
    if (*c == '0' || *c == '1') {
      r.mask |= 1;
      r.match |= (*c == '1');
    }
    bits++;
  }
  r.length = uint8_t(bits / 8);
  return r;
}

#define ROW(id, mn, pat, fmt, ext, lift, cons)                                             \
  static_assert(parse(pat).length == 2 || parse(pat).length == 4, #id ": pattern length"); \
  static_assert((parse(pat).length == 4) == ((parse(pat).match & 3) == 3), #id ": length bits");
#include "frontend/riscv/rv_table.inc"
#undef ROW

const std::array kRows = {
#define ROW(id, mn, pat, fmt, ext, lift, cons)                                                                     \
  Row{Id::id,           mn, pat, Format::fmt, Ext::ext, lift, Constraint::cons, parse(pat).mask, parse(pat).match, \
      parse(pat).length},
#include "frontend/riscv/rv_table.inc"
#undef ROW
};

constexpr Overlap kOverlaps[] = {
    {Id::C_ADDI16SP, Id::C_LUI}, {Id::C_JR, Id::C_MV},    {Id::C_EBREAK, Id::C_JALR},
    {Id::C_EBREAK, Id::C_ADD},   {Id::C_JALR, Id::C_ADD},
};

// Candidate rows per bucket, most specific first. 32-bit words bucket by major opcode,
// 16-bit ones by quadrant and funct3.
struct Buckets {
  std::vector<const Row*> wide[128];
  std::vector<const Row*> narrow[32];
  Buckets() {
    for (const Row& r : kRows) {
      if (r.length == 4) {
        wide[r.match & 0x7f].push_back(&r);
      } else {
        for (unsigned b = 0; b < 32; b++) {
          uint32_t probe = (b & 3) | ((b >> 2) << 13);
          if ((probe & r.mask & 0xe003) == (r.match & 0xe003)) narrow[b].push_back(&r);
        }
      }
    }
    auto order = [](const Row* a, const Row* b) { return std::popcount(a->mask) > std::popcount(b->mask); };
    for (auto& v : wide) std::stable_sort(v.begin(), v.end(), order);
    for (auto& v : narrow) std::stable_sort(v.begin(), v.end(), order);
  }
};

const Buckets& buckets() {
  static const Buckets b;
  return b;
}

constexpr uint32_t bit(uint32_t x, unsigned i) { return (x >> i) & 1; }
constexpr uint32_t bits(uint32_t x, unsigned hi, unsigned lo) { return (x >> lo) & ((1u << (hi - lo + 1)) - 1); }
constexpr int64_t sext(uint64_t v, unsigned width) { return int64_t(v << (64 - width)) >> (64 - width); }
constexpr uint8_t creg(uint32_t x, unsigned lo) { return uint8_t(8 + bits(x, lo + 2, lo)); }

}  // namespace

std::span<const Row> table() { return kRows; }
std::span<const Overlap> intended_overlaps() { return kOverlaps; }

Operands extract(Format f, uint32_t x) {
  Operands o;
  const uint8_t rd = uint8_t(bits(x, 11, 7)), rs1 = uint8_t(bits(x, 19, 15)), rs2 = uint8_t(bits(x, 24, 20));
  const int64_t imm_i = sext(bits(x, 31, 20), 12);
  const uint8_t crd = uint8_t(bits(x, 11, 7)), crs2 = uint8_t(bits(x, 6, 2));
  const int64_t ci_imm = sext(bit(x, 12) << 5 | bits(x, 6, 2), 6);
  switch (f) {
    case Format::None: break;
    case Format::R:
    case Format::Amo: o.rd = rd, o.rs1 = rs1, o.rs2 = rs2; break;
    case Format::Lr: o.rd = rd, o.rs1 = rs1; break;
    case Format::Rs12: o.rs1 = rs1, o.rs2 = rs2; break;
    case Format::I:
    case Format::IL:
    case Format::IJ: o.rd = rd, o.rs1 = rs1, o.imm = imm_i; break;
    case Format::Fence: o.rd = rd, o.rs1 = rs1, o.imm = bits(x, 31, 20); break;
    case Format::S: o.rs1 = rs1, o.rs2 = rs2, o.imm = sext(bits(x, 31, 25) << 5 | bits(x, 11, 7), 12); break;
    case Format::B:
      o.rs1 = rs1, o.rs2 = rs2;
      o.imm = sext(bit(x, 31) << 12 | bit(x, 7) << 11 | bits(x, 30, 25) << 5 | bits(x, 11, 8) << 1, 13);
      break;
    case Format::U: o.rd = rd, o.imm = sext(x & 0xfffff000u, 32); break;
    case Format::J:
      o.rd = rd;
      o.imm = sext(bit(x, 31) << 20 | bits(x, 19, 12) << 12 | bit(x, 20) << 11 | bits(x, 30, 21) << 1, 21);
      break;
    case Format::Sh6: o.rd = rd, o.rs1 = rs1, o.imm = bits(x, 25, 20); break;
    case Format::Sh5: o.rd = rd, o.rs1 = rs1, o.imm = bits(x, 24, 20); break;
    case Format::Csr: o.rd = rd, o.rs1 = rs1, o.csr = uint16_t(bits(x, 31, 20)); break;
    case Format::CsrI: o.rd = rd, o.imm = rs1, o.csr = uint16_t(bits(x, 31, 20)); break;
    // Compressed formats, each normalized to its expansion.
    case Format::CIW:
      o.rd = creg(x, 2), o.rs1 = 2;
      o.imm = bits(x, 12, 11) << 4 | bits(x, 10, 7) << 6 | bit(x, 6) << 2 | bit(x, 5) << 3;
      break;
    case Format::CLW:
    case Format::CSW:
      o.rs1 = creg(x, 7);
      (f == Format::CLW ? o.rd : o.rs2) = creg(x, 2);
      o.imm = bits(x, 12, 10) << 3 | bit(x, 6) << 2 | bit(x, 5) << 6;
      break;
    case Format::CLD:
    case Format::CSD:
      o.rs1 = creg(x, 7);
      (f == Format::CLD ? o.rd : o.rs2) = creg(x, 2);
      o.imm = bits(x, 12, 10) << 3 | bits(x, 6, 5) << 6;
      break;
    case Format::CI: o.rd = o.rs1 = crd, o.imm = ci_imm; break;
    case Format::CLI: o.rd = crd, o.rs1 = 0, o.imm = ci_imm; break;
    case Format::CSP16:
      o.rd = o.rs1 = 2;
      o.imm = sext(bit(x, 12) << 9 | bit(x, 6) << 4 | bit(x, 5) << 6 | bits(x, 4, 3) << 7 | bit(x, 2) << 5, 10);
      break;
    case Format::CLUI: o.rd = crd, o.imm = ci_imm * 4096; break;
    case Format::CBSh: o.rd = o.rs1 = creg(x, 7), o.imm = bit(x, 12) << 5 | bits(x, 6, 2); break;
    case Format::CBI: o.rd = o.rs1 = creg(x, 7), o.imm = ci_imm; break;
    case Format::CA: o.rd = o.rs1 = creg(x, 7), o.rs2 = creg(x, 2); break;
    case Format::CJ:
      o.rd = 0;
      o.imm = sext(bit(x, 12) << 11 | bit(x, 11) << 4 | bits(x, 10, 9) << 8 | bit(x, 8) << 10 | bit(x, 7) << 6 |
                       bit(x, 6) << 7 | bits(x, 5, 3) << 1 | bit(x, 2) << 5,
                   12);
      break;
    case Format::CB:
      o.rs1 = creg(x, 7), o.rs2 = 0;
      o.imm =
          sext(bit(x, 12) << 8 | bits(x, 11, 10) << 3 | bits(x, 6, 5) << 6 | bits(x, 4, 3) << 1 | bit(x, 2) << 5, 9);
      break;
    case Format::CSh: o.rd = o.rs1 = crd, o.imm = bit(x, 12) << 5 | bits(x, 6, 2); break;
    case Format::CLWSP: o.rd = crd, o.rs1 = 2, o.imm = bit(x, 12) << 5 | bits(x, 6, 4) << 2 | bits(x, 3, 2) << 6; break;
    case Format::CLDSP: o.rd = crd, o.rs1 = 2, o.imm = bit(x, 12) << 5 | bits(x, 6, 5) << 3 | bits(x, 4, 2) << 6; break;
    case Format::CJR: o.rd = 0, o.rs1 = crd, o.imm = 0; break;
    case Format::CMV: o.rd = crd, o.rs1 = 0, o.rs2 = crs2; break;
    case Format::CJALR: o.rd = 1, o.rs1 = crd, o.imm = 0; break;
    case Format::CR: o.rd = o.rs1 = crd, o.rs2 = crs2; break;
    case Format::CSWSP: o.rs1 = 2, o.rs2 = crs2, o.imm = bits(x, 12, 9) << 2 | bits(x, 8, 7) << 6; break;
    case Format::CSDSP: o.rs1 = 2, o.rs2 = crs2, o.imm = bits(x, 12, 10) << 3 | bits(x, 9, 7) << 6; break;
    case Format::FR4: o.rs3 = uint8_t(bits(x, 31, 27)); [[fallthrough]];
    case Format::FR3:
    case Format::FCmp: o.rd = rd, o.rs1 = rs1, o.rs2 = rs2, o.rm = uint8_t(bits(x, 14, 12)); break;
    case Format::FR1:
    case Format::FToX:
    case Format::XToF: o.rd = rd, o.rs1 = rs1, o.rm = uint8_t(bits(x, 14, 12)); break;
    case Format::FLoad: o = extract(Format::IL, x); break;
    case Format::FStore: o = extract(Format::S, x); break;
    case Format::CFLD: o = extract(Format::CLD, x); break;
    case Format::CFSD: o = extract(Format::CSD, x); break;
    case Format::CFLDSP: o = extract(Format::CLDSP, x); break;
    case Format::CFSDSP: o = extract(Format::CSDSP, x); break;
  }
  return o;
}

bool satisfies(Constraint c, const Operands& o) {
  switch (c) {
    case Constraint::None: return true;
    case Constraint::RdNZ: return o.rd != 0;
    case Constraint::Rs1NZ: return o.rs1 != 0;
    case Constraint::ImmNZ: return o.imm != 0;
    case Constraint::Rm: return o.rm != 5 && o.rm != 6;
  }
  return false;
}

Decoded decode(uint32_t x) {
  const Buckets& b = buckets();
  const std::vector<const Row*>* cands;
  if ((x & 3) == 3) {
    cands = &b.wide[x & 0x7f];
  } else {
    x &= 0xffff;
    cands = &b.narrow[(x & 3) | (x >> 13) << 2];
  }
  for (const Row* r : *cands) {
    if ((x & r->mask) != r->match) continue;
    Operands o = extract(r->format, x);
    if (!satisfies(r->constraint, o)) return {};
    return {r, o};
  }
  return {};
}

namespace {
const char* const kRegNames[32] = {"zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
                                   "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
                                   "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
const char* const kFpRegNames[32] = {"ft0", "ft1", "ft2", "ft3", "ft4",  "ft5",  "ft6", "ft7", "fs0",  "fs1", "fa0",
                                     "fa1", "fa2", "fa3", "fa4", "fa5",  "fa6",  "fa7", "fs2", "fs3",  "fs4", "fs5",
                                     "fs6", "fs7", "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11"};
const char* const kRoundingNames[8] = {"rne", "rtz", "rdn", "rup", "rmm", "?", "?", "dyn"};
}  // namespace

std::string disassemble(uint32_t bits, uint64_t pc) { return disassemble(decode(bits), bits, pc); }

std::string disassemble(const Decoded& d, uint32_t bits, uint64_t pc) {
  char buf[96];
  if (!d.row) {
    std::snprintf(buf, sizeof buf, ".insn 0x%x", (bits & 3) == 3 ? bits : bits & 0xffff);
    return buf;
  }
  const Operands& o = d.ops;
  const char* mn = d.row->mnemonic;
  const char *rd = kRegNames[o.rd], *rs1 = kRegNames[o.rs1], *rs2 = kRegNames[o.rs2];
  const char *fd = kFpRegNames[o.rd], *fs1 = kFpRegNames[o.rs1], *fs2 = kFpRegNames[o.rs2];
  const char* fs3 = kFpRegNames[o.rs3];
  // The rounding mode is printed unless it is dynamic (the assembler's default).
  char rm[8] = "";
  if (d.row->constraint == Constraint::Rm && o.rm != 7) std::snprintf(rm, sizeof rm, ", %s", kRoundingNames[o.rm]);
  long long imm = (long long)o.imm;
  unsigned long long target = (unsigned long long)(pc + o.imm);
  switch (d.row->format) {
    case Format::None: std::snprintf(buf, sizeof buf, "%s", mn); break;
    case Format::R:
    case Format::Amo:
    case Format::CA:
    case Format::CR:
    case Format::CMV: std::snprintf(buf, sizeof buf, "%s %s, %s, %s", mn, rd, rs1, rs2); break;
    case Format::Lr: std::snprintf(buf, sizeof buf, "%s %s, (%s)", mn, rd, rs1); break;
    case Format::Rs12: std::snprintf(buf, sizeof buf, "%s %s, %s", mn, rs1, rs2); break;
    case Format::I:
    case Format::Sh6:
    case Format::Sh5:
    case Format::CIW:
    case Format::CI:
    case Format::CLI:
    case Format::CSP16:
    case Format::CBSh:
    case Format::CBI:
    case Format::CSh: std::snprintf(buf, sizeof buf, "%s %s, %s, %lld", mn, rd, rs1, imm); break;
    case Format::IL:
    case Format::CLW:
    case Format::CLD:
    case Format::CLWSP:
    case Format::CLDSP:
    case Format::IJ:
    case Format::CJR:
    case Format::CJALR: std::snprintf(buf, sizeof buf, "%s %s, %lld(%s)", mn, rd, imm, rs1); break;
    case Format::S:
    case Format::CSW:
    case Format::CSD:
    case Format::CSWSP:
    case Format::CSDSP: std::snprintf(buf, sizeof buf, "%s %s, %lld(%s)", mn, rs2, imm, rs1); break;
    case Format::B:
    case Format::CB: std::snprintf(buf, sizeof buf, "%s %s, %s, 0x%llx", mn, rs1, rs2, target); break;
    case Format::U:
    case Format::CLUI:
      std::snprintf(buf, sizeof buf, "%s %s, 0x%llx", mn, rd, (unsigned long long)(o.imm >> 12) & 0xfffff);
      break;
    case Format::J:
    case Format::CJ: std::snprintf(buf, sizeof buf, "%s %s, 0x%llx", mn, rd, target); break;
    case Format::Csr: std::snprintf(buf, sizeof buf, "%s %s, 0x%x, %s", mn, rd, o.csr, rs1); break;
    case Format::CsrI: std::snprintf(buf, sizeof buf, "%s %s, 0x%x, %lld", mn, rd, o.csr, imm); break;
    case Format::Fence: std::snprintf(buf, sizeof buf, "%s 0x%llx", mn, (unsigned long long)o.imm); break;
    case Format::FR3: std::snprintf(buf, sizeof buf, "%s %s, %s, %s%s", mn, fd, fs1, fs2, rm); break;
    case Format::FR4: std::snprintf(buf, sizeof buf, "%s %s, %s, %s, %s%s", mn, fd, fs1, fs2, fs3, rm); break;
    case Format::FR1: std::snprintf(buf, sizeof buf, "%s %s, %s%s", mn, fd, fs1, rm); break;
    case Format::FCmp: std::snprintf(buf, sizeof buf, "%s %s, %s, %s", mn, rd, fs1, fs2); break;
    case Format::FToX: std::snprintf(buf, sizeof buf, "%s %s, %s%s", mn, rd, fs1, rm); break;
    case Format::XToF: std::snprintf(buf, sizeof buf, "%s %s, %s%s", mn, fd, rs1, rm); break;
    case Format::FLoad:
    case Format::CFLD:
    case Format::CFLDSP: std::snprintf(buf, sizeof buf, "%s %s, %lld(%s)", mn, fd, imm, rs1); break;
    case Format::FStore:
    case Format::CFSD:
    case Format::CFSDSP: std::snprintf(buf, sizeof buf, "%s %s, %lld(%s)", mn, fs2, imm, rs1); break;
  }
  return buf;
}

}  // namespace polyemu::riscv
