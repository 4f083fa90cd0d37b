/* smode: S-mode and trap delegation (privileged spec 1.12): medeleg/mideleg, ecall causes,
 * delegated traps landing in S-mode (scause/sepc/stval, SPP/SPIE/SIE), non-delegated traps
 * in M-mode, sret, TSR/TW/TVM, the sstatus/sie/sip views of mstatus/mie/mip, S-level
 * software and timer interrupts (direct and vectored stvec), interrupt priority, the
 * mcounteren/scounteren gates on cycle/time/instret, and the same code re-run under
 * another privilege or CSR setting. */
#include "priv.h"

#define SIP_SSIP (1UL << IRQ_SSI)
#define SIP_STIP (1UL << IRQ_STI)
#define SIP_SEIP (1UL << IRQ_SEI)
#define S_INTS (SIP_SSIP | SIP_STIP | SIP_SEIP)
#define S_BITS (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR)
/* mstatus fields sstatus must not show: MIE MPIE MPP MPRV TVM TW TSR SBE MBE SXL */
#define M_ONLY                                                                                                      \
  (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | (3UL << 34) | \
   (3UL << 36))
/* the writable ones among them */
#define M_WRITABLE (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
#define STACK_BITS (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)

/* Instruction words reported in the trap value of illegal-instruction exceptions. */
#define INSN_SRET 0x10200073UL
#define INSN_MRET 0x30200073UL
#define INSN_WFI 0x10500073UL
#define INSN_SFENCE 0x12000073UL     /* sfence.vma x0, x0 */
#define INSN_CSRR_SATP 0x18002573UL  /* csrr a0, satp */
#define INSN_CSRW_SATP 0x18001073UL  /* csrw satp, x0 */
#define INSN_CSRR_MSCR 0x34002573UL  /* csrr a0, mscratch */
#define INSN_CSRR_SSTAT 0x10002573UL /* csrr a0, sstatus */
#define INSN_RDCYCLE 0xc0002573UL    /* csrr a0, cycle */
#define INSN_RDTIME 0xc0102573UL     /* csrr a0, time */
#define INSN_RDINSTRET 0xc0202573UL  /* csrr a0, instret */
#define INSN_RDHPM3 0xc0302573UL     /* csrr a0, hpmcounter3 */

/* Nothing is mapped in the first 256 bytes (QEMU virt and polyemu): accesses fault. */
#define UNMAPPED 0x40UL

static void test_deleg_regs(void) {
  CSR_WRITE(medeleg, ~0UL);
  uint64_t v = CSR_READ(medeleg);
  /* The causes S-mode can take (0-9, 12, 13, 15) are delegable on both harts. */
  check("medeleg all-ones: standard causes", v & 0xb3ff, 0xb3ff);
  /* 1.12 3.1.8: "medeleg[11] is read-only zero". QEMU 7.2 lets it be set. */
  check("medeleg[11] read-only zero", qemu_quirks() ? 0 : (v >> 11) & 1, 0);
  CSR_WRITE(medeleg, 0);
  check("medeleg zero (no read-only ones)", CSR_READ(medeleg), 0);
  CSR_WRITE(mideleg, ~0UL);
  check("mideleg all-ones: SSI STI SEI", CSR_READ(mideleg) & S_INTS, S_INTS);
  CSR_WRITE(mideleg, 0);
  /* (only these: QEMU's hypervisor extension makes the VS-level bits read-only one) */
  check("mideleg zero: S and M bits", CSR_READ(mideleg) & (S_INTS | MIP_MSIP | MIP_MTIP | (1UL << 11)), 0);
  CSR_WRITE(mideleg, SIP_STIP);
  check("mideleg STI only", CSR_READ(mideleg) & S_INTS, SIP_STIP);
  CSR_WRITE(mideleg, 0);

  /* MPP is WARL and holds only implemented modes: S sticks, the reserved 2 does not
   * (QEMU 7.2 keeps the 2). */
  CSR_CLEAR(mstatus, MSTATUS_MPP);
  CSR_SET(mstatus, MSTATUS_MPP_S);
  check("mstatus.MPP=S sticks", CSR_READ(mstatus) & MSTATUS_MPP, MSTATUS_MPP_S);
  CSR_CLEAR(mstatus, MSTATUS_MPP);
  CSR_SET(mstatus, 2UL << 11);
  check("mstatus.MPP=2 is not kept", !qemu_quirks() && (CSR_READ(mstatus) & MSTATUS_MPP) == (2UL << 11), 0);
  CSR_CLEAR(mstatus, MSTATUS_MPP);
}

static void test_ecall(void) {
  RUN(PRV_U, 0, "ecall", 0, 0, 0);
  expect_trap("ecall from U", PRV_M, CAUSE_ECALL_U, run_start, 0);
  checkf("ecall from U", "MPP", tlog.e[0].status & MSTATUS_MPP, 0);

  RUN(PRV_S, 0, "ecall", 0, 0, 0);
  expect_trap("ecall from S", PRV_M, CAUSE_ECALL_S, run_start, 0);
  checkf("ecall from S", "MPP", tlog.e[0].status & MSTATUS_MPP, MSTATUS_MPP_S);

  /* a trap into M-mode leaves the S-level stack alone */
  CSR_SET(mstatus, MSTATUS_SPP | MSTATUS_SPIE);
  RUN(PRV_U, 0, "ecall", 0, 0, 0);
  checkf("ecall from U to M", "S stack untouched", tlog.e[0].status & STACK_BITS, MSTATUS_SPP | MSTATUS_SPIE);
  CSR_CLEAR(mstatus, STACK_BITS);
}

static void test_delegation(void) {
  CSR_WRITE(medeleg, 1UL << CAUSE_ECALL_U);

  /* U -> S: SPP=U, SPIE=SIE(1), SIE=0 */
  CSR_SET(mstatus, MSTATUS_SIE | MSTATUS_SPP);
  RUN(PRV_U, 0, "ecall", 0, 0, 0);
  expect_trap("deleg ecall U SIE=1", PRV_S, CAUSE_ECALL_U, run_start, 0);
  checkf("deleg ecall U SIE=1", "sstatus", tlog.e[0].status & STACK_BITS, MSTATUS_SPIE);
  checkf("deleg ecall U SIE=1", "vector", tlog.e[0].vec, VEC_DIRECT);
  CSR_CLEAR(mstatus, STACK_BITS);

  CSR_SET(mstatus, MSTATUS_SPIE);
  RUN(PRV_U, 0, "ecall", 0, 0, 0);
  expect_trap("deleg ecall U SIE=0", PRV_S, CAUSE_ECALL_U, run_start, 0);
  checkf("deleg ecall U SIE=0", "sstatus", tlog.e[0].status & STACK_BITS, 0);
  CSR_CLEAR(mstatus, STACK_BITS);

  /* ecall from S is not delegated by medeleg[8] */
  RUN(PRV_S, 0, "ecall", 0, 0, 0);
  expect_trap("ecall S with medeleg[8]", PRV_M, CAUSE_ECALL_S, run_start, 0);

  CSR_WRITE(medeleg, (1UL << CAUSE_ILLEGAL) | (1UL << CAUSE_BREAKPOINT) | (1UL << CAUSE_LOAD_ACCESS) |
                         (1UL << CAUSE_STORE_ACCESS));
  /* S -> S (horizontal): SPP=S */
  CSR_SET(mstatus, MSTATUS_SIE);
  RUN(PRV_S, 0, ".word 0x34002573", 0, 0, 0);
  expect_trap("deleg illegal S", PRV_S, CAUSE_ILLEGAL, run_start, INSN_CSRR_MSCR);
  checkf("deleg illegal S", "sstatus", tlog.e[0].status & STACK_BITS, MSTATUS_SPP | MSTATUS_SPIE);
  CSR_CLEAR(mstatus, STACK_BITS);

  RUN(PRV_U, 0, ".word 0x10002573", 0, 0, 0);
  expect_trap("deleg illegal U", PRV_S, CAUSE_ILLEGAL, run_start, INSN_CSRR_SSTAT);
  checkf("deleg illegal U", "sstatus", tlog.e[0].status & STACK_BITS, 0);

  /* traps never go to a less privileged mode */
  RUN(PRV_M, 0, ".word 0x34002573\n .word 0", 0, 0, 0);
  expect_trap("deleg illegal from M stays in M", PRV_M, CAUSE_ILLEGAL, run_start + 4, 0);

  RUN(PRV_S, 0, "nop\n ebreak", 0, 0, 0);
  expect_trap("deleg ebreak S", PRV_S, CAUSE_BREAKPOINT, run_start + 4, NO_TVAL);

  RUN(PRV_U, 0, "ld a0, 0(a1)", 0, UNMAPPED, 0);
  expect_trap("deleg load fault U", PRV_S, CAUSE_LOAD_ACCESS, run_start, UNMAPPED);

  RUN(PRV_S, 0, "sd a0, 8(a1)", 0, UNMAPPED, 0);
  expect_trap("deleg store fault S", PRV_S, CAUSE_STORE_ACCESS, run_start, UNMAPPED + 8);

  /* vectored stvec: exceptions still go to the base */
  stvec_vectored();
  RUN(PRV_U, 0, "ebreak", 0, 0, 0);
  expect_trap("deleg ebreak U vectored", PRV_S, CAUSE_BREAKPOINT, run_start, NO_TVAL);
  checkf("deleg ebreak U vectored", "vector", tlog.e[0].vec, 0);
  stvec_direct();

  /* not delegated: M-mode gets them, with the S-level stack untouched */
  CSR_WRITE(medeleg, 1UL << CAUSE_ECALL_U);
  CSR_SET(mstatus, MSTATUS_SIE);
  RUN(PRV_U, 0, ".word 0x10002573", 0, 0, 0);
  expect_trap("undelegated illegal U", PRV_M, CAUSE_ILLEGAL, run_start, INSN_CSRR_SSTAT);
  checkf("undelegated illegal U", "mstatus", tlog.e[0].status & (STACK_BITS | MSTATUS_MPP), MSTATUS_SIE);
  CSR_CLEAR(mstatus, STACK_BITS);

  RUN(PRV_S, 0, "ld a0, 0(a1)", 0, UNMAPPED + 16, 0);
  expect_trap("undelegated load fault S", PRV_M, CAUSE_LOAD_ACCESS, run_start, UNMAPPED + 16);
  checkf("undelegated load fault S", "MPP", tlog.e[0].status & MSTATUS_MPP, MSTATUS_MPP_S);
  CSR_WRITE(medeleg, 0);
}

/* The code after sret reports where it landed with an ecall (not delegated). */
static void test_sret(void) {
  uint64_t target;

  /* S -> U: SIE=SPIE(1), SPIE=1, SPP=U */
  CSR_SET(mstatus, MSTATUS_SPIE);
  target = RUN(PRV_S, 0, "la a0, 1f\n csrw sepc, a0\n sret\n1: ecall", 0, 0, 0);
  expect_trap("sret S->U", PRV_M, CAUSE_ECALL_U, target, 0);
  checkf("sret S->U", "sstatus", tlog.e[0].status & STACK_BITS, MSTATUS_SIE | MSTATUS_SPIE);
  CSR_CLEAR(mstatus, STACK_BITS);

  /* S -> S: SIE=SPIE(0), SPIE=1, SPP=U (least privileged mode) */
  CSR_SET(mstatus, MSTATUS_SIE | MSTATUS_SPP);
  target = RUN(PRV_S, 0, "la a0, 1f\n csrw sepc, a0\n sret\n1: ecall", 0, 0, 0);
  expect_trap("sret S->S", PRV_M, CAUSE_ECALL_S, target, 0);
  checkf("sret S->S", "sstatus", tlog.e[0].status & STACK_BITS, MSTATUS_SPIE);
  CSR_CLEAR(mstatus, STACK_BITS);

  /* sret may run in M-mode; returning below M clears MPRV. TSR only affects S-mode. */
  CSR_SET(mstatus, MSTATUS_TSR);
  target = RUN(PRV_M, 0,
               "li t0, 0x1800\n csrs mstatus, t0\n li t0, 0x20000\n csrs mstatus, t0\n"
               "la a0, 1f\n csrw sepc, a0\n sret\n1: ecall",
               0, 0, 0);
  expect_trap("sret M->U", PRV_M, CAUSE_ECALL_U, target, 0);
  /* QEMU 7.2's sret leaves MPRV set too */
  checkf("sret M->U", "MPRV", qemu_quirks() ? 0 : tlog.e[0].status & MSTATUS_MPRV, 0);
  CSR_CLEAR(mstatus, MSTATUS_TSR | MSTATUS_MPRV);

  /* mret below M clears MPRV (QEMU 7.2 leaves it set); mret to M keeps it, and leaves
   * MPP = U */
  CSR_SET(mstatus, MSTATUS_MPP);
  CSR_SET(mstatus, MSTATUS_MPRV);
  RUN(PRV_S, 0, "ecall", 0, 0, 0);
  expect_trap("mret M->S with MPRV", PRV_M, CAUSE_ECALL_S, run_start, 0);
  checkf("mret M->S with MPRV", "MPRV", qemu_quirks() ? 0 : tlog.e[0].status & MSTATUS_MPRV, 0);
  CSR_SET(mstatus, MSTATUS_MPP);
  CSR_SET(mstatus, MSTATUS_MPRV);
  target = RUN(PRV_M, 0, "csrr a0, mstatus", 0, 0, 0);
  check("mret M->M keeps MPRV, MPP=U", target & (MSTATUS_MPRV | MSTATUS_MPP), MSTATUS_MPRV);

  RUN(PRV_U, 0, "sret", 0, 0, 0);
  expect_trap("sret in U", PRV_M, CAUSE_ILLEGAL, run_start, INSN_SRET);

  CSR_SET(mstatus, MSTATUS_TSR);
  RUN(PRV_S, 0, "sret", 0, 0, 0);
  expect_trap("sret in S with TSR", PRV_M, CAUSE_ILLEGAL, run_start, INSN_SRET);
  CSR_CLEAR(mstatus, MSTATUS_TSR);

  RUN(PRV_S, 0, "mret", 0, 0, 0);
  expect_trap("mret in S", PRV_M, CAUSE_ILLEGAL, run_start, INSN_MRET);
}

static void test_tw_tvm(void) {
  /* TW=1: wfi in S traps (QEMU and this test take the time limit to be 0) */
  CSR_SET(mstatus, MSTATUS_TW);
  RUN(PRV_S, 0, "wfi", 0, 0, 0);
  expect_trap("wfi in S with TW", PRV_M, CAUSE_ILLEGAL, run_start, INSN_WFI);
  CSR_CLEAR(mstatus, MSTATUS_TW);

  /* TW=0: wfi in S returns at once when an enabled interrupt is pending, even with SIE=0 */
  CSR_WRITE(mideleg, SIP_SSIP);
  CSR_WRITE(mie, SIP_SSIP);
  CSR_SET(mip, SIP_SSIP);
  RUN(PRV_S, 0, "wfi", 0, 0, 0);
  expect_no_trap("wfi in S, SSI pending, SIE=0");
  CSR_CLEAR(mip, SIP_SSIP);
  CSR_WRITE(mie, 0);
  CSR_WRITE(mideleg, 0);

  /* With S-mode present, wfi in U traps (QEMU and this test take the time limit to be 0) */
  RUN(PRV_U, 0, "wfi", 0, 0, 0);
  expect_trap("wfi in U", PRV_M, CAUSE_ILLEGAL, run_start, INSN_WFI);

  CSR_SET(mstatus, MSTATUS_TVM);
  RUN(PRV_S, 0, "sfence.vma", 0, 0, 0);
  expect_trap("sfence.vma in S with TVM", PRV_M, CAUSE_ILLEGAL, run_start, INSN_SFENCE);
  RUN(PRV_S, 0, "csrr a0, satp", 0, 0, 0);
  expect_trap("csrr satp in S with TVM", PRV_M, CAUSE_ILLEGAL, run_start, INSN_CSRR_SATP);
  RUN(PRV_S, 0, "csrw satp, x0", 0, 0, 0);
  expect_trap("csrw satp in S with TVM", PRV_M, CAUSE_ILLEGAL, run_start, INSN_CSRW_SATP);
  RUN(PRV_M, 0, "sfence.vma\n csrr a0, satp\n csrw satp, x0", 0, 0, 0);
  expect_no_trap("sfence.vma/satp in M with TVM");
  CSR_CLEAR(mstatus, MSTATUS_TVM);

  uint64_t r = RUN(PRV_S, 0, "sfence.vma\n csrw satp, x0\n csrr a0, satp", 1, 0, 0);
  expect_no_trap("sfence.vma/satp in S");
  check("satp read in S", r, 0);
  RUN(PRV_U, 0, "sfence.vma", 0, 0, 0);
  expect_trap("sfence.vma in U", PRV_M, CAUSE_ILLEGAL, run_start, INSN_SFENCE);
  RUN(PRV_U, 0, "csrr a0, satp", 0, 0, 0);
  expect_trap("csrr satp in U", PRV_M, CAUSE_ILLEGAL, run_start, INSN_CSRR_SATP);
}

static void test_sstatus(void) {
  uint64_t m, s, before;

  /* read from M: the S fields of mstatus and nothing of the M-only fields */
  CSR_SET(mstatus, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_TSR | MSTATUS_TW | MSTATUS_TVM | MSTATUS_SUM | MSTATUS_SPP |
                       MSTATUS_SPIE);
  m = CSR_READ(mstatus);
  s = CSR_READ(sstatus);
  check("sstatus hides M fields", s & M_ONLY, 0);
  check("sstatus shows S fields", s & S_BITS, m & S_BITS);

  /* writes from M touch only the S fields */
  before = m & M_ONLY;
  CSR_WRITE(sstatus, 0);
  m = CSR_READ(mstatus);
  check("sstatus=0 keeps M fields", m & M_ONLY, before);
  check("sstatus=0 clears S fields", m & S_BITS, 0);
  CSR_WRITE(sstatus, S_BITS | MSTATUS_MIE | MSTATUS_MPRV);
  m = CSR_READ(mstatus);
  check("sstatus=S+MIE+MPRV keeps M fields", m & M_ONLY, before);
  check("sstatus=S+MIE+MPRV sets S fields", m & S_BITS, S_BITS);
  CSR_WRITE(sstatus, 0);
  CSR_CLEAR(mstatus, M_WRITABLE);

  /* from S: mret left MPIE=1 in mstatus, which sstatus must not show */
  CSR_SET(mstatus, MSTATUS_TSR | MSTATUS_TW);
  s = RUN(PRV_S, 0, "csrw sstatus, a1\n csrr a0, sstatus", 0, S_BITS & ~MSTATUS_SIE, 0);
  m = CSR_READ(mstatus);
  expect_no_trap("sstatus from S");
  check("sstatus from S: no M fields", s & M_ONLY, 0);
  check("sstatus from S: S fields", s & S_BITS, S_BITS & ~MSTATUS_SIE);
  check("sstatus from S: mstatus S fields", m & S_BITS, S_BITS & ~MSTATUS_SIE);
  check("sstatus from S: mstatus TSR TW kept", m & (MSTATUS_TSR | MSTATUS_TW), MSTATUS_TSR | MSTATUS_TW);
  CSR_CLEAR(mstatus, MSTATUS_TSR | MSTATUS_TW);

  /* S cannot reach M-only fields through sstatus */
  RUN(PRV_S, 0, "csrs sstatus, a1", 0, MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_MPRV, 0);
  expect_no_trap("csrs sstatus M bits from S");
  check("csrs sstatus M bits from S", CSR_READ(mstatus) & (MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_MPRV), 0);
  CSR_WRITE(sstatus, 0);
}

static void test_sie_sip(void) {
  uint64_t r;
  const uint64_t all = S_INTS | MIP_MSIP | MIP_MTIP;

  /* nothing delegated: sie/sip read zero and ignore writes */
  CSR_WRITE(mideleg, 0);
  CSR_WRITE(mie, all);
  CSR_SET(mip, SIP_SSIP);
  check("sie, mideleg=0", CSR_READ(sie), 0);
  check("sip, mideleg=0", CSR_READ(sip), 0);
  CSR_WRITE(sie, 0);
  check("sie write ignored, mideleg=0", CSR_READ(mie), all);
  CSR_WRITE(sip, 0);
  check("sip write ignored, mideleg=0", CSR_READ(mip) & SIP_SSIP, SIP_SSIP);
  CSR_CLEAR(mip, SIP_SSIP);

  CSR_WRITE(mideleg, S_INTS);
  check("sie = mie & mideleg", CSR_READ(sie), S_INTS);
  CSR_SET(mip, SIP_SSIP | SIP_STIP);
  check("sip = mip & mideleg", CSR_READ(sip), SIP_SSIP | SIP_STIP);
  CSR_WRITE(sie, 0);
  check("sie=0 clears only S enables", CSR_READ(mie), MIP_MSIP | MIP_MTIP);
  CSR_WRITE(sie, ~0UL);
  check("sie=~0 sets only delegated enables", CSR_READ(mie), all);
  /* SSIP is writable through sip, STIP and SEIP are not */
  CSR_WRITE(sip, 0);
  check("sip=0 clears SSIP only", CSR_READ(mip) & S_INTS, SIP_STIP);
  CSR_WRITE(sip, S_INTS);
  check("sip=SSIP+STIP+SEIP sets SSIP only", CSR_READ(mip) & S_INTS, SIP_SSIP | SIP_STIP);
  CSR_CLEAR(mip, S_INTS);

  CSR_WRITE(mideleg, SIP_STIP);
  CSR_SET(mip, SIP_SSIP | SIP_STIP);
  check("sip, mideleg=STI", CSR_READ(sip), SIP_STIP);
  check("sie, mideleg=STI", CSR_READ(sie), SIP_STIP);
  CSR_CLEAR(mip, S_INTS);

  /* the same views from S-mode (SIE=0: nothing is taken) */
  CSR_WRITE(mideleg, S_INTS);
  CSR_WRITE(mie, MIP_MSIP | SIP_SSIP | SIP_STIP);
  CSR_SET(mip, SIP_STIP | SIP_SEIP);
  r = RUN(PRV_S, 0, "csrr a0, sie", 0, 0, 0);
  check("sie from S", r, SIP_SSIP | SIP_STIP);
  r = RUN(PRV_S, 0, "csrr a0, sip", 0, 0, 0);
  check("sip from S", r, SIP_STIP | SIP_SEIP);
  r = RUN(PRV_S, 0, "csrw sip, a1\n csrr a0, sip", 0, SIP_SSIP, 0);
  check("sip from S: SSIP set", r, S_INTS);
  r = RUN(PRV_S, 0, "csrw sip, zero\n csrr a0, sip", 0, 0, 0);
  check("sip from S: STIP SEIP read-only", r, SIP_STIP | SIP_SEIP);
  r = RUN(PRV_S, 0, "csrw sie, a1\n csrr a0, sie", 0, ~0UL, 0);
  expect_no_trap("sie/sip from S");
  check("sie=~0 from S", r, S_INTS);
  check("sie=~0 from S: mie", CSR_READ(mie), MIP_MSIP | S_INTS);
  CSR_CLEAR(mip, S_INTS);
  CSR_WRITE(mie, 0);
  CSR_WRITE(mideleg, 0);
}

static void test_ssi(void) {
  const uint64_t ssi = INTERRUPT | IRQ_SSI;
  CSR_WRITE(mideleg, SIP_SSIP);
  CSR_WRITE(mie, SIP_SSIP);

  /* S with SIE=1: taken in S before the first instruction */
  CSR_SET(mip, SIP_SSIP);
  CSR_SET(mstatus, MSTATUS_SIE);
  RUN(PRV_S, 0, "nop", 0, 0, 0);
  expect_trap("SSI in S, SIE=1", PRV_S, ssi, run_start, 0);
  checkf("SSI in S, SIE=1", "sstatus", tlog.e[0].status & STACK_BITS, MSTATUS_SPP | MSTATUS_SPIE);
  checkf("SSI in S, SIE=1", "vector", tlog.e[0].vec, VEC_DIRECT);
  CSR_CLEAR(mstatus, STACK_BITS);

  /* S with SIE=0: stays pending */
  uint64_t r = RUN(PRV_S, 0, "nop\n csrr a0, sip", 0, 0, 0);
  expect_no_trap("SSI in S, SIE=0");
  check("SSI in S, SIE=0: pending", r, SIP_SSIP);

  /* U: taken in S regardless of SIE */
  RUN(PRV_U, 0, "nop", 0, 0, 0);
  expect_trap("SSI in U, SIE=0", PRV_S, ssi, run_start, 0);
  checkf("SSI in U, SIE=0", "sstatus", tlog.e[0].status & STACK_BITS, 0);

  /* vectored stvec: base + 4 * 1 */
  stvec_vectored();
  RUN(PRV_U, 0, "nop", 0, 0, 0);
  expect_trap("SSI in U vectored", PRV_S, ssi, run_start, 0);
  checkf("SSI in U vectored", "vector", tlog.e[0].vec, IRQ_SSI);
  stvec_direct();

  /* a delegated interrupt is never taken in M-mode, even with MIE=1 */
  RUN(PRV_M, 0, "csrsi mstatus, 8\n nop\n nop\n csrci mstatus, 8", 0, 0, 0);
  expect_no_trap("delegated SSI in M, MIE=1");
  CSR_CLEAR(mip, SIP_SSIP);

  /* S raising its own SSIP (and enabling SIE) takes the interrupt at the next instruction */
  CSR_SET(mstatus, MSTATUS_SIE);
  RUN(PRV_S, 0, "csrsi sip, 2\n nop\n nop", 0, 0, 0);
  expect_trap("SSI set by S", PRV_S, ssi, run_start + 4, 0);
  CSR_CLEAR(mstatus, STACK_BITS);
  CSR_CLEAR(mip, SIP_SSIP);
  CSR_SET(mip, SIP_SSIP);
  RUN(PRV_S, 0, "nop\n csrsi sstatus, 2\n nop\n nop", 0, 0, 0);
  expect_trap("SSI on setting SIE", PRV_S, ssi, run_start + 8, 0);
  CSR_CLEAR(mstatus, STACK_BITS);

  /* not delegated: taken in M from S regardless of SIE, and in M only with MIE=1 */
  CSR_WRITE(mideleg, 0);
  RUN(PRV_S, 0, "nop", 0, 0, 0);
  expect_trap("undelegated SSI from S", PRV_M, ssi, run_start, 0);
  checkf("undelegated SSI from S", "MPP", tlog.e[0].status & MSTATUS_MPP, MSTATUS_MPP_S);
  RUN(PRV_M, 0, "nop\n nop\n csrsi mstatus, 8\n nop\n nop", 0, 0, 0);
  expect_trap("undelegated SSI in M", PRV_M, ssi, run_start + 12, 0);
  CSR_CLEAR(mip, SIP_SSIP);
  CSR_WRITE(mie, 0);
}

static void test_sti(void) {
  const uint64_t sti = INTERRUPT | IRQ_STI;
  CSR_WRITE(mideleg, SIP_STIP);
  CSR_WRITE(mie, SIP_STIP);
  CSR_SET(mip, SIP_STIP);

  RUN(PRV_U, 0, "nop", 0, 0, 0);
  expect_trap("STI in U", PRV_S, sti, run_start, 0);

  /* S cannot clear STIP through sip */
  uint64_t r = RUN(PRV_S, 0, "csrc sip, a1\n csrr a0, sip", 0, SIP_STIP, 0);
  expect_no_trap("STI in S, SIE=0");
  check("sip.STIP read-only in S", r, SIP_STIP);

  CSR_SET(mstatus, MSTATUS_SIE);
  RUN(PRV_S, 0, "nop", 0, 0, 0);
  expect_trap("STI in S, SIE=1", PRV_S, sti, run_start, 0);
  CSR_CLEAR(mstatus, STACK_BITS);

  CSR_WRITE(mideleg, 0);
  RUN(PRV_S, 0, "nop", 0, 0, 0);
  expect_trap("undelegated STI from S", PRV_M, sti, run_start, 0);

  CSR_CLEAR(mip, SIP_STIP);
  CSR_WRITE(mideleg, SIP_STIP);
  r = RUN(PRV_S, 0, "csrr a0, sip", 0, 0, 0);
  check("STIP cleared by M", r, 0);
  CSR_WRITE(mideleg, 0);
  CSR_WRITE(mie, 0);
}

/* Interrupt hooks: clear (M) or mask (S) the source so the next pending one is taken. */
static void m_clear(uint64_t cause) {
  switch (cause & 63) {
    case IRQ_MSI: CLINT_MSIP = 0; break;
    case IRQ_MTI: CLINT_MTIMECMP = ~0UL; break;
    default: CSR_CLEAR(mip, 1UL << (cause & 63)); break;
  }
}
static void s_mask(uint64_t cause) { CSR_CLEAR(sie, 1UL << (cause & 63)); }

/* QEMU 7.2 without its AIA extension takes the lowest-numbered pending interrupt first
 * instead of the fixed order of the spec. */
static void expect_order(const char* t, int n, const uint64_t* spec, const uint64_t* qemu) {
  const uint64_t* want = qemu_quirks() ? qemu : spec;
  checkf(t, "count", tlog.n, n);
  for (int i = 0; i < n; i++) {
    char field[] = "#0 cause";
    field[1] = (char)('1' + i);
    checkf(t, field, tlog.e[i].cause, INTERRUPT | want[i]);
  }
}

static void test_priority(void) {
  m_irq_hook = m_clear;
  s_irq_hook = s_mask;

  /* M-mode, nothing delegated: MSI > MTI > SEI > SSI > STI (MEI has no source here) */
  CSR_WRITE(mideleg, 0);
  CSR_WRITE(mie, MIP_MSIP | MIP_MTIP | S_INTS);
  CLINT_MSIP = 1;
  CLINT_MTIMECMP = 0;
  for (int i = 0; i < 100000 && !(CSR_READ(mip) & MIP_MTIP); i++) {
  }
  CSR_SET(mip, S_INTS);
  RUN(PRV_M, 0, "csrsi mstatus, 8\n nop\n nop\n csrci mstatus, 8", 0, 0, 0);
  static const uint64_t m_spec[] = {IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI};
  static const uint64_t m_qemu[] = {IRQ_SSI, IRQ_MSI, IRQ_STI, IRQ_MTI, IRQ_SEI};
  expect_order("M priority", 5, m_spec, m_qemu);

  /* S-mode: SEI > SSI > STI */
  CSR_WRITE(mideleg, S_INTS);
  CSR_WRITE(mie, S_INTS);
  CSR_SET(mip, S_INTS);
  RUN(PRV_U, 0, "nop\n nop", 0, 0, 0);
  static const uint64_t s_spec[] = {IRQ_SEI, IRQ_SSI, IRQ_STI};
  static const uint64_t s_qemu[] = {IRQ_SSI, IRQ_STI, IRQ_SEI};
  expect_order("S priority", 3, s_spec, s_qemu);
  check("S priority: level", tlog.e[0].level & tlog.e[1].level & tlog.e[2].level, PRV_S);
  CSR_CLEAR(mip, S_INTS);

  /* interrupts for M-mode go before those for S-mode */
  CSR_WRITE(mideleg, SIP_SSIP);
  CSR_WRITE(mie, MIP_MSIP | SIP_SSIP);
  CLINT_MSIP = 1;
  CSR_SET(mip, SIP_SSIP);
  RUN(PRV_U, 0, "nop\n nop", 0, 0, 0);
  check("M before S: count", tlog.n, 2);
  check("M before S: 1st MSI in M", tlog.e[0].level << 8 | tlog.e[0].cause, PRV_M << 8 | INTERRUPT | IRQ_MSI);
  check("M before S: 2nd SSI in S", tlog.e[1].level << 8 | tlog.e[1].cause, PRV_S << 8 | INTERRUPT | IRQ_SSI);
  CSR_CLEAR(mip, SIP_SSIP);

  CSR_WRITE(mie, 0);
  CSR_WRITE(mideleg, 0);
  m_irq_hook = 0;
  s_irq_hook = 0;
}

static void test_counters(void) {
  uint64_t r, before, after;

  CSR_WRITE(mcounteren, ~0UL);
  r = CSR_READ(mcounteren);
  check("mcounteren CY TM IR writable", r & 7, 7);
  /* mcounteren and scounteren are 32-bit registers; QEMU 7.2 keeps 64 bits */
  check("mcounteren is 32 bits", qemu_quirks() ? 0 : r >> 32, 0);
  CSR_WRITE(scounteren, ~0UL);
  r = CSR_READ(scounteren);
  check("scounteren CY TM IR writable", r & 7, 7);
  check("scounteren is 32 bits", qemu_quirks() ? 0 : r >> 32, 0);

  /* mcounteren gates S and U, scounteren gates U */
  CSR_WRITE(mcounteren, 7);
  CSR_WRITE(scounteren, 0);
  before = CSR_READ(mcycle);
  r = RUN(PRV_S, 0, "rdcycle a0", 0, 0, 0);
  expect_no_trap("S rdcycle, mcounteren=7");
  check("S rdcycle advances", r > before, 1);
  before = CLINT_MTIME;
  r = RUN(PRV_S, 0, "rdtime a0", 0, 0, 0);
  after = CLINT_MTIME;
  expect_no_trap("S rdtime, mcounteren=7");
  check("S rdtime within mtime", before <= r && r <= after, 1);
  before = CSR_READ(minstret);
  r = RUN(PRV_S, 0, "rdinstret a0", 0, 0, 0);
  expect_no_trap("S rdinstret, mcounteren=7");
  check("S rdinstret advances", r > before, 1);
  RUN(PRV_U, 0, "rdcycle a0", 0, 0, 0);
  expect_trap("U rdcycle, scounteren=0", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDCYCLE);
  RUN(PRV_U, 0, "rdtime a0", 0, 0, 0);
  expect_trap("U rdtime, scounteren=0", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDTIME);
  RUN(PRV_U, 0, "rdinstret a0", 0, 0, 0);
  expect_trap("U rdinstret, scounteren=0", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDINSTRET);

  CSR_WRITE(scounteren, 7);
  RUN(PRV_U, 0, "rdcycle a0\n rdtime a0\n rdinstret a0", 0, 0, 0);
  expect_no_trap("U counters, both 7");

  CSR_WRITE(mcounteren, 0);
  RUN(PRV_S, 0, "rdcycle a0", 0, 0, 0);
  expect_trap("S rdcycle, mcounteren=0", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDCYCLE);
  RUN(PRV_S, 0, "rdtime a0", 0, 0, 0);
  expect_trap("S rdtime, mcounteren=0", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDTIME);
  RUN(PRV_S, 0, "rdinstret a0", 0, 0, 0);
  expect_trap("S rdinstret, mcounteren=0", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDINSTRET);
  RUN(PRV_U, 0, "rdcycle a0", 0, 0, 0);
  expect_trap("U rdcycle, mcounteren=0", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDCYCLE);
  RUN(PRV_M, 0, "rdcycle a0\n rdtime a0\n rdinstret a0", 0, 0, 0);
  expect_no_trap("M counters, mcounteren=0");

  /* one bit at a time */
  CSR_WRITE(mcounteren, 1);
  RUN(PRV_S, 0, "rdcycle a0", 0, 0, 0);
  expect_no_trap("S rdcycle, mcounteren=CY");
  RUN(PRV_S, 0, "rdtime a0", 0, 0, 0);
  expect_trap("S rdtime, mcounteren=CY", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDTIME);
  RUN(PRV_U, 0, "rdcycle a0", 0, 0, 0);
  expect_no_trap("U rdcycle, mcounteren=CY");
  RUN(PRV_U, 0, "rdinstret a0", 0, 0, 0);
  expect_trap("U rdinstret, mcounteren=CY", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDINSTRET);
  CSR_WRITE(mcounteren, 2);
  CSR_WRITE(scounteren, 4);
  RUN(PRV_S, 0, "rdtime a0", 0, 0, 0);
  expect_no_trap("S rdtime, mcounteren=TM");
  RUN(PRV_S, 0, "rdcycle a0", 0, 0, 0);
  expect_trap("S rdcycle, mcounteren=TM", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDCYCLE);
  RUN(PRV_U, 0, "rdtime a0", 0, 0, 0);
  expect_trap("U rdtime, scounteren=IR", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDTIME);
  CSR_WRITE(mcounteren, 4);
  RUN(PRV_U, 0, "rdinstret a0", 0, 0, 0);
  expect_no_trap("U rdinstret, both IR");

  /* hpmcounter3 (may read zero) follows mcounteren.HPM3 */
  RUN(PRV_S, 0, "csrr a0, hpmcounter3", 0, 0, 0);
  expect_trap("S hpmcounter3, mcounteren=IR", PRV_M, CAUSE_ILLEGAL, run_start, INSN_RDHPM3);
  CSR_WRITE(mcounteren, 8);
  RUN(PRV_S, 0, "csrr a0, hpmcounter3", 0, 0, 0);
  expect_no_trap("S hpmcounter3, mcounteren=HPM3");
  CSR_WRITE(mcounteren, 0);
  CSR_WRITE(scounteren, 0);
}

/* The same instructions (one RUN site per op) run again under another privilege or CSR
 * setting: a translation cache must not keep the legality decided the first time. */
enum { OP_SSTATUS, OP_MSCRATCH, OP_RDCYCLE, OP_SFENCE, OP_SATP, OP_WFI, OP_SRET };
static void op_at(uint64_t prv, int op) {
  switch (op) {
    case OP_SSTATUS: RUN(prv, 0, "csrr a0, sstatus", 0, 0, 0); break;
    case OP_MSCRATCH: RUN(prv, 0, "csrr a0, mscratch", 0, 0, 0); break;
    case OP_RDCYCLE: RUN(prv, 0, "rdcycle a0", 0, 0, 0); break;
    case OP_SFENCE: RUN(prv, 0, "sfence.vma", 0, 0, 0); break;
    case OP_SATP: RUN(prv, 0, "csrr a0, satp", 0, 0, 0); break;
    case OP_WFI: RUN(prv, 0, "wfi", 0, 0, 0); break;
    default: RUN(prv, 0, "la t0, 1f\n csrw sepc, t0\n sret\n1: nop", 0, 0, 0); break;
  }
}
static void op_ok(const char* t, uint64_t prv, int op) {
  op_at(prv, op);
  expect_no_trap(t);
}
static void op_illegal(const char* t, uint64_t prv, int op, uint64_t insn) {
  op_at(prv, op);
  uint64_t at = op == OP_SRET ? run_start + 12 : run_start;
  expect_trap(t, PRV_M, CAUSE_ILLEGAL, at, insn);
}

static void test_same_code(void) {
  op_ok("same code: sstatus in S", PRV_S, OP_SSTATUS);
  op_illegal("same code: sstatus in U", PRV_U, OP_SSTATUS, INSN_CSRR_SSTAT);
  op_ok("same code: sstatus in S again", PRV_S, OP_SSTATUS);
  op_illegal("same code: sstatus in U again", PRV_U, OP_SSTATUS, INSN_CSRR_SSTAT);

  op_ok("same code: mscratch in M", PRV_M, OP_MSCRATCH);
  op_illegal("same code: mscratch in S", PRV_S, OP_MSCRATCH, INSN_CSRR_MSCR);
  op_ok("same code: mscratch in M again", PRV_M, OP_MSCRATCH);

  CSR_WRITE(mcounteren, 1);
  op_ok("same code: rdcycle in S, CY=1", PRV_S, OP_RDCYCLE);
  CSR_WRITE(mcounteren, 0);
  op_illegal("same code: rdcycle in S, CY=0", PRV_S, OP_RDCYCLE, INSN_RDCYCLE);
  CSR_WRITE(mcounteren, 1);
  op_ok("same code: rdcycle in S, CY=1 again", PRV_S, OP_RDCYCLE);
  CSR_WRITE(scounteren, 0);
  op_illegal("same code: rdcycle in U, scounteren CY=0", PRV_U, OP_RDCYCLE, INSN_RDCYCLE);
  CSR_WRITE(scounteren, 1);
  op_ok("same code: rdcycle in U, both CY=1", PRV_U, OP_RDCYCLE);
  CSR_WRITE(mcounteren, 0);
  CSR_WRITE(scounteren, 0);

  for (int op = OP_SFENCE; op <= OP_SATP; op++) {
    uint64_t insn = op == OP_SFENCE ? INSN_SFENCE : INSN_CSRR_SATP;
    op_ok("same code: TVM=0 in S", PRV_S, op);
    CSR_SET(mstatus, MSTATUS_TVM);
    op_illegal("same code: TVM=1 in S", PRV_S, op, insn);
    op_ok("same code: TVM=1 in M", PRV_M, op);
    CSR_CLEAR(mstatus, MSTATUS_TVM);
    op_ok("same code: TVM=0 in S again", PRV_S, op);
    op_illegal("same code: in U", PRV_U, op, insn);
  }

  /* a delegated SSI pending (SIE=0) lets wfi complete at once wherever it is legal */
  CSR_WRITE(mideleg, SIP_SSIP);
  CSR_WRITE(mie, SIP_SSIP);
  CSR_SET(mip, SIP_SSIP);
  op_ok("same code: wfi in S, TW=0", PRV_S, OP_WFI);
  CSR_SET(mstatus, MSTATUS_TW);
  op_illegal("same code: wfi in S, TW=1", PRV_S, OP_WFI, INSN_WFI);
  op_ok("same code: wfi in M, TW=1", PRV_M, OP_WFI);
  CSR_CLEAR(mstatus, MSTATUS_TW);
  op_ok("same code: wfi in S, TW=0 again", PRV_S, OP_WFI);
  CSR_CLEAR(mip, SIP_SSIP);
  CSR_WRITE(mie, 0);
  CSR_WRITE(mideleg, 0);

  /* sret back to S (SPP=S) at the next instruction */
  CSR_SET(mstatus, MSTATUS_SPP);
  op_ok("same code: sret in S, TSR=0", PRV_S, OP_SRET);
  CSR_SET(mstatus, MSTATUS_TSR | MSTATUS_SPP);
  op_illegal("same code: sret in S, TSR=1", PRV_S, OP_SRET, INSN_SRET);
  CSR_CLEAR(mstatus, MSTATUS_TSR);
  CSR_SET(mstatus, MSTATUS_SPP);
  op_ok("same code: sret in S, TSR=0 again", PRV_S, OP_SRET);
  CSR_CLEAR(mstatus, STACK_BITS);
}

int main(void) {
  /* One PMP entry granting S and U everything: QEMU 7.2 refuses mret to S or U (illegal
   * instruction) while no PMP entry is programmed. */
  CSR_WRITE(pmpaddr0, ~0UL);
  CSR_WRITE(pmpcfg0, 0x1f);
  CSR_WRITE(mie, 0);
  CLINT_MTIMECMP = ~0UL;
  priv_init();
  test_deleg_regs();
  test_ecall();
  test_delegation();
  test_sret();
  test_tw_tvm();
  test_sstatus();
  test_sie_sip();
  test_ssi();
  test_sti();
  test_priority();
  test_counters();
  test_same_code();
  finish("smode");
}
