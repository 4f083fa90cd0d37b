// Tests derived from the RISC-V decode table: overlaps, per-row decoding, exhaustive
// compressed space, random 32-bit words, and the disassembler.
#include "frontend/riscv/decoder.h"

#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <set>

#include "frontend/riscv/translate.h"
#include "ir/passes.h"

using namespace polyemu;
using namespace polyemu::riscv;

namespace {

bool patterns_overlap(const Row& a, const Row& b) {
  return a.length == b.length && ((a.match ^ b.match) & a.mask & b.mask) == 0;
}

bool intended(const Row& specific, const Row& general) {
  for (const Overlap& o : intended_overlaps())
    if (o.specific == specific.id && o.general == general.id) return true;
  return false;
}

// Translates the single instruction word `bits` at 0x80000000 in `mode`; the bytes after
// it cannot be fetched.
ir::Block translate_one(uint32_t bits, uint32_t mode) {
  unsigned len = insn_length(uint16_t(bits));
  auto fetch = [&](uint64_t addr, uint16_t& out, uint64_t& cause) {
    uint64_t off = addr - 0x80000000;
    if (off >= len) return cause = 1, false;
    out = uint16_t(bits >> (8 * off));
    return true;
  };
  ir::Block b;
  translate(0x80000000, mode, 1, fetch, b);
  return b;
}

// Translates a single instruction word and checks the IR is well formed.
void translate_word(uint32_t bits) {
  ir::Block b = translate_one(bits, 3);
  std::string err = ir::verify(b);
  ASSERT_EQ(err, "") << std::hex << bits;
  ir::optimize(b, true);
}

}  // namespace

TEST(DecodeTable, RowsOverlapOnlyWhereDeclared) {
  auto rows = table();
  for (size_t i = 0; i < rows.size(); i++) {
    for (size_t j = i + 1; j < rows.size(); j++) {
      const Row &a = rows[i], &b = rows[j];
      if (!patterns_overlap(a, b)) continue;
      bool ok = intended(a, b) || intended(b, a);
      EXPECT_TRUE(ok) << a.mnemonic << " overlaps " << b.mnemonic;
      // The declared specific row must really be more specific (a superset of fixed bits).
      if (intended(a, b)) {
        EXPECT_EQ(a.mask & b.mask, b.mask) << a.mnemonic;
      }
      if (intended(b, a)) {
        EXPECT_EQ(a.mask & b.mask, a.mask) << b.mnemonic;
      }
    }
  }
}

TEST(DecodeTable, EveryRowDecodesToItself) {
  std::mt19937_64 rng(1);
  for (const Row& r : table()) {
    int checked = 0;
    for (int attempt = 0; attempt < 2000 && checked < 200; attempt++) {
      uint32_t x = (uint32_t(rng()) & ~r.mask) | r.match;
      if (r.length == 2) x &= 0xffff;
      bool shadowed = false;  // a more specific intended-overlap row takes this word
      for (const Overlap& o : intended_overlaps()) {
        const Row& s = table()[size_t(o.specific)];
        if (o.general == r.id && (x & s.mask) == s.match) shadowed = true;
      }
      if (shadowed) continue;
      if (!satisfies(r.constraint, extract(r.format, x))) {
        EXPECT_EQ(decode(x).row, nullptr) << r.mnemonic << " reserved encoding decoded";
        continue;
      }
      Decoded d = decode(x);
      ASSERT_NE(d.row, nullptr) << r.mnemonic << " " << std::hex << x;
      EXPECT_EQ(d.row->id, r.id) << r.mnemonic << " decoded as " << d.row->mnemonic;
      checked++;
    }
    EXPECT_GT(checked, 0) << r.mnemonic;
  }
}

TEST(DecodeTable, AllCompressedEncodingsDecodeOrAreIllegal) {
  int legal = 0;
  for (uint32_t x = 0; x < 0x10000; x++) {
    if ((x & 3) == 3) continue;
    Decoded d = decode(x);
    if (d.row) {
      legal++;
      EXPECT_EQ(d.row->length, 2);
      EXPECT_EQ(x & d.row->mask, d.row->match);
    }
    EXPECT_FALSE(disassemble(x, 0x80000000).empty());
    translate_word(x);
  }
  // 3 × 16384 compressed words, less the reserved funct3 group 100 of quadrant 0 (2048
  // words; 47104), less reserved operand values (zero immediates, x0 forms).
  EXPECT_GT(legal, 46500);
  EXPECT_LT(legal, 47104);
}

TEST(DecodeTable, ReservedCompressedEncodingsAreIllegal) {
  EXPECT_EQ(decode(0x0000).row, nullptr);  // all zeros: c.addi4spn with imm 0
  EXPECT_EQ(decode(0x6081).row, nullptr);  // c.lui x1, 0 (imm 0 reserved)
  EXPECT_EQ(decode(0x6101).row, nullptr);  // c.addi16sp sp, 0 (reserved)
  EXPECT_EQ(decode(0x8002).row, nullptr);  // c.jr x0 (reserved)
  EXPECT_EQ(decode(0x2001).row, nullptr);  // c.addiw x0 (reserved)
  EXPECT_EQ(decode(0x4002).row, nullptr);  // c.lwsp x0 (reserved)
  EXPECT_EQ(decode(0x8000).row, nullptr);  // quadrant 0, funct3 100: reserved
}

TEST(DecodeTable, RandomWordsDecodeOrAreIllegal) {
  std::mt19937_64 rng(2);
  int legal = 0;
  for (int i = 0; i < 200000; i++) {
    uint32_t x = uint32_t(rng()) | 3;
    Decoded d = decode(x);
    if (d.row) {
      legal++;
      EXPECT_EQ(x & d.row->mask, d.row->match);
    }
    if (i % 4 == 0) translate_word(x);
  }
  EXPECT_GT(legal, 10000);
}

TEST(Disassembler, PrintsOperands) {
  EXPECT_EQ(disassemble(0x00b50533, 0), "add a0, a0, a1");           // add a0,a0,a1
  EXPECT_EQ(disassemble(0xffb50513, 0), "addi a0, a0, -5");          // addi a0,a0,-5
  EXPECT_EQ(disassemble(0x00853583, 0), "ld a1, 8(a0)");             // ld a1,8(a0)
  EXPECT_EQ(disassemble(0x00b53423, 0), "sd a1, 8(a0)");             // sd a1,8(a0)
  EXPECT_EQ(disassemble(0x00b50463, 0x1000), "beq a0, a1, 0x1008");  // beq a0,a1,+8
  EXPECT_EQ(disassemble(0x00000073, 0), "ecall");                    // ecall
  EXPECT_EQ(disassemble(0x34011173, 0), "csrrw sp, 0x340, sp");      // csrrw sp,mscratch,sp
  EXPECT_EQ(disassemble(0x4505, 0), "c.li a0, zero, 1");             // c.li a0,1
  EXPECT_EQ(disassemble(0x00000000, 0), ".insn 0x0");
}

TEST(DecodeTable, CompressedOperandsMatchTheirExpansion) {
  Decoded d = decode(0x1141);  // c.addi sp,-16
  ASSERT_NE(d.row, nullptr);
  EXPECT_EQ(d.row->id, Id::C_ADDI);
  EXPECT_EQ(d.ops.rd, 2);
  EXPECT_EQ(d.ops.imm, -16);
  d = decode(0xe406);  // c.sdsp ra,8(sp)
  ASSERT_NE(d.row, nullptr);
  EXPECT_EQ(d.row->id, Id::C_SDSP);
  EXPECT_EQ(d.ops.rs2, 1);
  EXPECT_EQ(d.ops.imm, 8);
  d = decode(0x60a2);  // c.ldsp ra,8(sp)
  ASSERT_NE(d.row, nullptr);
  EXPECT_EQ(d.row->id, Id::C_LDSP);
  EXPECT_EQ(d.ops.rd, 1);
  EXPECT_EQ(d.ops.imm, 8);
  d = decode(0x0808);  // c.addi4spn a0,sp,16
  ASSERT_NE(d.row, nullptr);
  EXPECT_EQ(d.ops.rd, 10);
  EXPECT_EQ(d.ops.imm, 16);
  d = decode(0xbfe5);  // c.j -8
  ASSERT_NE(d.row, nullptr);
  EXPECT_EQ(d.row->id, Id::C_J);
  EXPECT_EQ(d.ops.imm, -8);
  d = decode(0xc119);  // c.beqz a0,+6
  ASSERT_NE(d.row, nullptr);
  EXPECT_EQ(d.row->id, Id::C_BEQZ);
  EXPECT_EQ(d.ops.rs1, 10);
  EXPECT_EQ(d.ops.imm, 6);
}

TEST(Disassembler, PrintsFloatingPointOperandsAndRoundingModes) {
  EXPECT_EQ(disassemble(0x00c5f553, 0), "fadd.s fa0, fa1, fa2");             // fadd.s fa0,fa1,fa2 (dyn)
  EXPECT_EQ(disassemble(0x00c59553, 0), "fadd.s fa0, fa1, fa2, rtz");        // fadd.s fa0,fa1,fa2,rtz
  EXPECT_EQ(disassemble(0x1a208043, 0), "fmadd.d ft0, ft1, ft2, ft3, rne");  // fmadd.d ft0,ft1,ft2,ft3,rne
  EXPECT_EQ(disassemble(0xc0059553, 0), "fcvt.w.s a0, fa1, rtz");            // fcvt.w.s a0,fa1,rtz
  EXPECT_EQ(disassemble(0xa2b52553, 0), "feq.d a0, fa0, fa1");               // feq.d a0,fa0,fa1
  EXPECT_EQ(disassemble(0x0085a507, 0), "flw fa0, 8(a1)");                   // flw fa0,8(a1)
  EXPECT_EQ(disassemble(0xfeb13c27, 0), "fsd fa1, -8(sp)");                  // fsd fa1,-8(sp)
  EXPECT_EQ(disassemble(0xd2058553, 0), "fcvt.d.w fa0, a1, rne");            // fcvt.d.w fa0,a1,rne
  EXPECT_EQ(disassemble(0xe0050553, 0), "fmv.x.w a0, fa0");                  // fmv.x.w a0,fa0
  EXPECT_EQ(disassemble(0x5a05f553, 0), "fsqrt.d fa0, fa1");                 // fsqrt.d fa0,fa1
  EXPECT_EQ(disassemble(0xe0051553, 0), "fclass.s a0, fa0");                 // fclass.s a0,fa0
  EXPECT_EQ(disassemble(0x2588, 0), "c.fld fa0, 8(a1)");                     // c.fld fa0,8(a1)
  EXPECT_EQ(disassemble(0xa82e, 0), "c.fsdsp fa1, 16(sp)");                  // c.fsdsp fa1,16(sp)
  EXPECT_EQ(disassemble(0x2062, 0), "c.fldsp ft0, 24(sp)");                  // c.fldsp ft0,24(sp)
  EXPECT_EQ(disassemble(0xa380, 0), "c.fsd fs0, 0(a5)");                     // c.fsd fs0,0(a5)
}

TEST(DecodeTable, ReservedRoundingModesAreIllegal) {
  // fadd.s fa0,fa1,fa2 with rm 0..7 in funct3: 5 and 6 are reserved; 7 is dynamic.
  for (uint32_t rm = 0; rm < 8; rm++) {
    Decoded d = decode(0x00c50553 | rm << 12);
    EXPECT_EQ(d.row == nullptr, rm == 5 || rm == 6) << rm;
    if (d.row) {
      EXPECT_EQ(d.ops.rm, rm);
    }
  }
  EXPECT_EQ(decode(0x20c5b553).row, nullptr);  // fsgnj.s with funct3 011: no such instruction
  EXPECT_EQ(decode(0xc0c5f553).row, nullptr);  // fcvt.w.s with rs2 = 12: no such conversion
}

TEST(DecodeTable, FmaOperandsIncludeRs3) {
  Decoded d = decode(0x1a208043);  // fmadd.d ft0,ft1,ft2,ft3,rne
  ASSERT_NE(d.row, nullptr);
  EXPECT_EQ(d.row->id, Id::FMADD_D);
  EXPECT_EQ(d.ops.rd, 0);
  EXPECT_EQ(d.ops.rs1, 1);
  EXPECT_EQ(d.ops.rs2, 2);
  EXPECT_EQ(d.ops.rs3, 3);
  EXPECT_EQ(d.ops.rm, 0);
}

// With the FPU off (mstatus.FS = Off) every F/D/Zcd instruction is an illegal instruction,
// reported like an undecodable one; other instructions are unaffected.
TEST(Translate, FloatingPointIsIllegalWhileTheFpuIsOff) {
  auto translate_in = [](uint32_t bits, uint32_t mode) {
    ir::Block b = translate_one(bits, mode);
    EXPECT_EQ(ir::verify(b), "");
    return b;
  };
  for (uint32_t bits : {0x00c5f553u,                     // fadd.s fa0,fa1,fa2
                        0x0085a507u,                     // flw fa0,8(a1)
                        0xfeb13c27u,                     // fsd fa1,-8(sp)
                        0xe0050553u,                     // fmv.x.w a0,fa0
                        0x1a208043u,                     // fmadd.d ft0,ft1,ft2,ft3,rne
                        0x2588u,                         // c.fld fa0,8(a1)
                        0xa82eu}) {                      // c.fsdsp fa1,16(sp)
    ir::Block off = translate_in(bits, 3 | kModeFpOff);  // machine mode, FPU off
    EXPECT_EQ(off.term.kind, ir::Terminal::Kind::Exit) << std::hex << bits;
    EXPECT_EQ(off.term.exit, ir::ExitKind::Trap) << std::hex << bits;
    EXPECT_EQ(off.term.cause, kCauseIllegal);
    EXPECT_EQ(off.term.tval, bits);
    EXPECT_TRUE(off.insts.empty());
    ir::Block on = translate_in(bits, 3);
    EXPECT_NE(on.term.exit, ir::ExitKind::Trap) << std::hex << bits;
  }
  ir::Block add = translate_in(0x00b50533, 3 | kModeFpOff);  // add a0,a0,a1
  EXPECT_NE(add.term.exit, ir::ExitKind::Trap);
}
