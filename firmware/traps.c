/* traps: synchronous exceptions, mret semantics and U-mode, delivered through mtvec in
 * direct mode and then in vectored mode (exceptions must land on the base address). */
#include "trap.h"

static const char* mode;
static uint64_t want_vec;
static uint64_t count0;
static uint64_t buf[4] __attribute__((aligned(32)));

static char nbuf[96];
static const char* nm(const char* test, const char* field) {
  char* p = nbuf;
  for (const char* s = mode; *s;) *p++ = *s++;
  *p++ = '.';
  for (const char* s = test; *s;) *p++ = *s++;
  *p++ = '.';
  for (const char* s = field; *s;) *p++ = *s++;
  *p = 0;
  return nbuf;
}

static void begin(void) {
  count0 = trap_rec.count;
  trap_rec.cause = trap_rec.epc = trap_rec.tval = trap_rec.mstatus = ~0UL;
  trap_rec.vec = ~0UL;
  trap_rec.resume = 0;
}

#define NO_TVAL 0x5a5a5a5a5a5a5a5aUL
static void expect(const char* t, uint64_t cause, uint64_t epc, uint64_t tval) {
  check(nm(t, "count"), trap_rec.count - count0, 1);
  check(nm(t, "mcause"), trap_rec.cause, cause);
  check(nm(t, "mepc"), trap_rec.epc, epc);
  if (tval != NO_TVAL) check(nm(t, "mtval"), trap_rec.tval, tval);
  check(nm(t, "vector"), trap_rec.vec, want_vec);
}

static void expect_no_trap(const char* t) { check(nm(t, "count"), trap_rec.count - count0, 0); }

/* QEMU 7.2 (the reference used to validate these tests) reports misaligned and faulting
 * AMOs as *load* exceptions (mcause 4/5); the spec (and Spike) use the store/AMO causes
 * 6/7. Only tolerated under qemu_quirks(). */
static int amo_as_load_quirk;
static void expect_amo(const char* t, uint64_t cause, uint64_t epc, uint64_t tval) {
  if (amo_as_load_quirk && trap_rec.cause == cause - 2) trap_rec.cause = cause;
  expect(t, cause, epc, tval);
}

/* Runs INSN in M-mode; the handler resumes at label 2. epc receives the address of INSN. */
#define M_TRAP(epc, insn, ...)                      \
  asm volatile(                                     \
      ".option push\n.option norvc\n"               \
      "la t0, 2f\n sd t0, 0(%[rp])\n la %[e], 1f\n" \
      "1: " insn "\n2:\n.option pop\n"              \
      : [e] "=&r"(epc)                              \
      : [rp] "r"(&trap_rec.resume), ##__VA_ARGS__   \
      : "t0", "t1", "t2", "memory")

/* Enters U-mode via mret (MPP=U, MPIE=mpie) and runs INSN there; the handler resumes at
 * label 2 in M-mode. */
#define U_TRAP(epc, mpie, insn, ...)                                                   \
  asm volatile(                                                                        \
      ".option push\n.option norvc\n"                                                  \
      "la t0, 2f\n sd t0, 0(%[rp])\n la %[e], 1f\n"                                    \
      "li t0, 0x1888\n csrc mstatus, t0\n csrs mstatus, %[mp]\n"                       \
      "csrw mepc, %[e]\n mret\n"                                                       \
      "1: " insn "\n2:\n.option pop\n"                                                 \
      : [e] "=&r"(epc)                                                                 \
      : [rp] "r"(&trap_rec.resume), [mp] "r"((mpie) ? MSTATUS_MPIE : 0), ##__VA_ARGS__ \
      : "t0", "t1", "t2", "a0", "memory")

static const uint64_t MST = MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE;

static void test_ecall_ebreak(void) {
  uint64_t epc, r;

  begin();
  M_TRAP(epc, "ecall");
  expect("ecall_m", 11, epc, 0);
  check(nm("ecall_m", "mstatus"), trap_rec.mstatus & MST, MSTATUS_MPP);

  /* trap from M with MIE=1: MPIE <- 1, MIE <- 0; mret restores MIE (mie=0: no interrupts) */
  begin();
  CSR_SET(mstatus, MSTATUS_MIE);
  M_TRAP(epc, "ecall");
  r = CSR_READ(mstatus);
  CSR_CLEAR(mstatus, MSTATUS_MIE);
  expect("ecall_m_mie", 11, epc, 0);
  check(nm("ecall_m_mie", "mstatus"), trap_rec.mstatus & MST, MSTATUS_MPP | MSTATUS_MPIE);
  check(nm("ecall_m_mie", "after_mret"), r & MST, MSTATUS_MPIE | MSTATUS_MIE);

  begin();
  U_TRAP(epc, 0, "ecall");
  expect("ecall_u", 8, epc, 0);
  check(nm("ecall_u", "mstatus"), trap_rec.mstatus & MST, 0);

  /* mret with MPIE=1 sets MIE=1 in U-mode; the trap copies it to MPIE */
  begin();
  U_TRAP(epc, 1, "ecall");
  expect("ecall_u_mpie", 8, epc, 0);
  check(nm("ecall_u_mpie", "mstatus"), trap_rec.mstatus & MST, MSTATUS_MPIE);
  CSR_CLEAR(mstatus, MSTATUS_MIE);

  begin();
  M_TRAP(epc, "ebreak");
  expect("ebreak", 3, epc, NO_TVAL);

  begin();
  U_TRAP(epc, 0, "ebreak");
  expect("ebreak_u", 3, epc, NO_TVAL);

  /* handler advances mepc by the instruction length: 4 for ebreak, 2 for c.ebreak */
  begin();
  asm volatile(
      ".option push\n.option norvc\n li %[r], 0\n la %[e], 1f\n"
      "1: ebreak\n addi %[r], %[r], 1\n.option pop"
      : [r] "=&r"(r), [e] "=&r"(epc)::"memory");
  expect("ebreak_skip", 3, epc, NO_TVAL);
  check(nm("ebreak_skip", "resumed"), r, 1);

  begin();
  asm volatile(
      ".option push\n.option rvc\n li %[r], 0\n la %[e], 1f\n"
      "1: c.ebreak\n addi %[r], %[r], 1\n addi %[r], %[r], 2\n.option pop"
      : [r] "=&r"(r), [e] "=&r"(epc)::"memory");
  expect("c.ebreak", 3, epc, NO_TVAL);
  check(nm("c.ebreak", "resumed"), r, 3);
}

static void test_illegal(void) {
  uint64_t epc;

  begin();
  M_TRAP(epc, ".word 0");
  expect("illegal_zero", 2, epc, 0);

  begin();
  M_TRAP(epc, ".word 0xffffffff");
  expect("illegal_ones", 2, epc, 0xffffffff);

  begin(); /* csrrw x0, mvendorid, a0: write to a read-only CSR */
  M_TRAP(epc, ".word 0xf1151073");
  expect("csrw_readonly", 2, epc, 0xf1151073);

  begin(); /* csrrs a0, mscratch, x0 from U-mode */
  U_TRAP(epc, 0, ".word 0x34002573");
  expect("csrr_u", 2, epc, 0x34002573);

  begin(); /* csrrs a0, mstatus, x0 from U-mode */
  U_TRAP(epc, 0, ".word 0x30002573");
  expect("csrr_mstatus_u", 2, epc, 0x30002573);

  begin(); /* mret from U-mode */
  U_TRAP(epc, 0, "mret");
  expect("mret_u", 2, epc, 0x30200073);
}

/* Nothing is mapped in the first 256 bytes (QEMU virt: the unmapped "debug" hole;
 * 0x40000000 is PCIe MMIO on QEMU virt and does not fault there). */
#define UNMAPPED 0x40UL

static void test_access_faults(void) {
  uint64_t epc;

  begin();
  M_TRAP(epc, "ld t1, 0(%[a])", [a] "r"(UNMAPPED));
  expect("ld_fault", 5, epc, UNMAPPED);

  begin();
  M_TRAP(epc, "lbu t1, 3(%[a])", [a] "r"(UNMAPPED));
  expect("lbu_fault", 5, epc, UNMAPPED + 3);

  begin();
  M_TRAP(epc, "lw t1, 0(%[a])", [a] "r"(0UL));
  expect("lw_fault_zero", 5, epc, 0);

  begin();
  M_TRAP(epc, "sd t1, 8(%[a])", [a] "r"(UNMAPPED));
  expect("sd_fault", 7, epc, UNMAPPED + 8);

  begin();
  M_TRAP(epc, "sb t1, -1(%[a])", [a] "r"(UNMAPPED));
  expect("sb_fault", 7, epc, UNMAPPED - 1);

  begin();
  M_TRAP(epc, "amoadd.d t1, t1, (%[a])", [a] "r"(UNMAPPED + 0x10));
  expect_amo("amoadd.d_fault", 7, epc, UNMAPPED + 0x10);

  begin();
  M_TRAP(epc, "amoswap.w t1, t1, (%[a])", [a] "r"(UNMAPPED + 0x14));
  expect_amo("amoswap.w_fault", 7, epc, UNMAPPED + 0x14);

  begin();
  M_TRAP(epc, "lr.d t1, (%[a])", [a] "r"(UNMAPPED + 0x18));
  expect("lr.d_fault", 5, epc, UNMAPPED + 0x18);

  begin();
  U_TRAP(epc, 0, "sw t1, 0(%[a])", [a] "r"(UNMAPPED + 0x20));
  expect("sw_fault_u", 7, epc, UNMAPPED + 0x20);

  begin();
  U_TRAP(epc, 0, "lw t1, 0(%[a])", [a] "r"(UNMAPPED + 0x40));
  expect("lw_fault_u", 5, epc, UNMAPPED + 0x40);

  begin(); /* instruction fetch from an unmapped address: mepc = mtval = target */
  M_TRAP(epc, "jr %[a]", [a] "r"(UNMAPPED + 0x100));
  expect("fetch_fault", 1, UNMAPPED + 0x100, UNMAPPED + 0x100);
}

static void test_misaligned_atomics(void) {
  uint64_t epc;
  uint64_t a = (uint64_t)&buf[0];
  buf[0] = 0x1111111111111111UL;
  buf[1] = 0x2222222222222222UL;

  begin();
  M_TRAP(epc, "amoadd.w t1, %[b], (%[a])", [a] "r"(a + 2), [b] "r"(1));
  expect_amo("amoadd.w_misaligned", 6, epc, a + 2);

  begin();
  M_TRAP(epc, "amoswap.d t1, %[b], (%[a])", [a] "r"(a + 4), [b] "r"(1));
  expect_amo("amoswap.d_misaligned", 6, epc, a + 4);

  begin();
  M_TRAP(epc, "amoor.d t1, %[b], (%[a])", [a] "r"(a + 1), [b] "r"(1));
  expect_amo("amoor.d_misaligned", 6, epc, a + 1);

  begin();
  M_TRAP(epc, "lr.w t1, (%[a])", [a] "r"(a + 2));
  expect("lr.w_misaligned", 4, epc, a + 2);

  begin();
  M_TRAP(epc, "lr.d t1, (%[a])", [a] "r"(a + 4));
  expect("lr.d_misaligned", 4, epc, a + 4);

  check(nm("misaligned_amo", "mem0"), buf[0], 0x1111111111111111UL);
  check(nm("misaligned_amo", "mem1"), buf[1], 0x2222222222222222UL);
}

/* Plain misaligned loads and stores complete without trapping on QEMU 7.2 (virt), so that
 * is the behaviour asserted here (the spec allows either this or a misaligned trap). */
static uint8_t pages[8192] __attribute__((aligned(4096)));
static void test_misaligned_plain(void) {
  uint64_t a = (uint64_t)&pages[4096 - 16], r;
  for (int i = 0; i < 32; i++) pages[4096 - 16 + i] = (uint8_t)(0x80 + i); /* 80 81 .. 9f */

  begin();
  asm volatile("lh %0, 1(%1)" : "=r"(r) : "r"(a) : "memory");
  check(nm("lh+1", "value"), r, 0xffffffffffff8281UL);
  asm volatile("lhu %0, 15(%1)" : "=r"(r) : "r"(a) : "memory"); /* crosses the page */
  check(nm("lhu+15", "value"), r, 0x908fUL);
  asm volatile("lw %0, 3(%1)" : "=r"(r) : "r"(a) : "memory");
  check(nm("lw+3", "value"), r, 0xffffffff86858483UL);
  asm volatile("lwu %0, 6(%1)" : "=r"(r) : "r"(a) : "memory"); /* crosses 8-byte boundary */
  check(nm("lwu+6", "value"), r, 0x89888786UL);
  asm volatile("ld %0, 5(%1)" : "=r"(r) : "r"(a) : "memory");
  check(nm("ld+5", "value"), r, 0x8c8b8a8988878685UL);
  asm volatile("ld %0, 13(%1)" : "=r"(r) : "r"(a) : "memory"); /* crosses the page */
  check(nm("ld+13", "value"), r, 0x94939291908f8e8dUL);
  asm volatile("sh %1, 7(%0)" ::"r"(a), "r"(0x1234UL) : "memory");
  asm volatile("sw %1, 13(%0)" ::"r"(a), "r"(0xa1b2c3d4UL) : "memory"); /* crosses the page */
  asm volatile("sd %1, 17(%0)" ::"r"(a), "r"(0x0102030405060708UL) : "memory");
  check(nm("misaligned_stores", "word0"), *(volatile uint64_t*)(a + 0), 0x3486858483828180UL);
  check(nm("misaligned_stores", "word1"), *(volatile uint64_t*)(a + 8), 0xb2c3d48c8b8a8912UL);
  check(nm("misaligned_stores", "word2"), *(volatile uint64_t*)(a + 16), 0x02030405060708a1UL);
  check(nm("misaligned_stores", "word3"), *(volatile uint64_t*)(a + 24), 0x9f9e9d9c9b9a9901UL);
  expect_no_trap("misaligned_plain");
}

static void test_mret(void) {
  uint64_t s;
  /* MPP=M, MPIE=1, MIE=0 -> MIE=1, MPIE=1, MPP=U (least-privileged supported mode) */
  asm volatile(
      "li t0, 0x1888\n csrc mstatus, t0\n li t0, 0x1880\n csrs mstatus, t0\n"
      "la t0, 1f\n csrw mepc, t0\n mret\n"
      "1: csrr %[s], mstatus\n csrci mstatus, 8"
      : [s] "=r"(s)::"t0", "memory");
  check(nm("mret_mpie1", "mstatus"), s & MST, MSTATUS_MPIE | MSTATUS_MIE);
  /* MPP=M, MPIE=0, MIE=1 -> MIE=0, MPIE=1 */
  asm volatile(
      "li t0, 0x1888\n csrc mstatus, t0\n li t0, 0x1808\n csrs mstatus, t0\n"
      "la t0, 1f\n csrw mepc, t0\n mret\n"
      "1: csrr %[s], mstatus"
      : [s] "=r"(s)::"t0", "memory");
  check(nm("mret_mpie0", "mstatus"), s & MST, MSTATUS_MPIE);
}

static void run_suite(void) {
  test_ecall_ebreak();
  test_illegal();
  test_access_faults();
  test_misaligned_atomics();
  test_misaligned_plain();
  test_mret();
}

int main(void) {
  /* QEMU implements PMP: allow U-mode everything (pmpaddr0 = all, NAPOT, RWX). On the
   * polyemu hart the PMP CSRs are WARL-zero and these writes are ignored. */
  CSR_WRITE(pmpaddr0, ~0UL);
  CSR_WRITE(pmpcfg0, 0x1f);
  CSR_WRITE(mie, 0);
  trap_reset();
  amo_as_load_quirk = qemu_quirks();

  mode = "direct";
  want_vec = TRAP_VEC_DIRECT;
  trap_install_direct();
  extern char trap_direct_entry[], trap_vector_table[];
  check("direct.mtvec", CSR_READ(mtvec), (uint64_t)trap_direct_entry);
  run_suite();

  mode = "vectored";
  want_vec = 0;
  trap_install_vectored();
  check("vectored.mtvec", CSR_READ(mtvec), (uint64_t)trap_vector_table | 1);
  run_suite();

  finish("traps");
}
