/* paging: Sv39 and Sv48 translation (privileged spec 1.12, chapter 4), the same suite in
 * both modes: 4 KiB pages, 2 MiB megapages, 1 GiB gigapages (and a 512 GiB Sv48 leaf),
 * the high half of the address space, loads/stores/fetches from S and U, page faults with
 * their tval for every permission rule, reserved encodings, misaligned superpages,
 * non-canonical addresses and a non-leaf PTE at level 0; hardware A/D updates; MPRV; SUM
 * and MXR taking effect at once; sfence.vma (all, by address, by ASID) including code
 * remapped under the same virtual address; satp writes with unsupported modes.
 *
 * M-mode is never translated. S-mode code runs from an identity gigapage over RAM
 * (0x80000000, U=0) and U-mode code from a U=1 alias of it at 0x180000000, so the same
 * snippet runs in either mode. */
#include "priv.h"
#include "pt.h"

#define RAM 0x80000000UL
#define U_OFF 0x100000000UL      /* U-mode alias of RAM: VA RAM + U_OFF */
#define TV 0x40000000UL          /* 4 KiB test pages: TV + i * 4096 */
#define MEGA_VA 0x40200000UL     /* 2 MiB page -> MEGA_PA */
#define MEGA_PA 0x81000000UL     /* free RAM, 16 MiB above the program */
#define MEGA_PA2 0x81200000UL    /* the next 2 MiB */
#define BADMEGA_VA 0x40400000UL  /* 2 MiB page whose PPN[0] is not zero */
#define NONLEAF_VA 0x40600000UL  /* level-0 PTE that points to another table */
#define NOMEM_VA 0x40800000UL    /* level-1 PTE pointing to a table where there is no memory */
#define GIGA_VA 0xc0000000UL     /* 1 GiB page -> RAM */
#define BADGIGA_VA 0x100000000UL /* 1 GiB page whose PPN[1:0] is not zero */
#define TERA_VA 0x8000000000UL   /* Sv48: 512 GiB page -> physical 0 */

#define RWAD (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define XA (PTE_V | PTE_X | PTE_A)

/* code words for the executable pages */
#define ADDI_A0_1 0x00150513U /* addi a0, a0, 1 */
#define ADDI_A0_2 0x00250513U /* addi a0, a0, 2 */
#define JR_T1 0x00030067U     /* jalr x0, 0(t1) */
#define C_ADDI_A0_1 0x0505U   /* c.addi a0, 1 */

static uint64_t data_pg[8][512] __attribute__((aligned(4096)));
static uint32_t code_pg[8][1024] __attribute__((aligned(4096)));

enum { LD, SD, EX, AMO, LR };
static uint64_t fault_cause[] = {CAUSE_LOAD_PAGE, CAUSE_STORE_PAGE, CAUSE_FETCH_PAGE, CAUSE_STORE_PAGE,
                                 CAUSE_LOAD_PAGE};
static const uint64_t access_fault_cause[] = {CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, CAUSE_FETCH_ACCESS,
                                              CAUSE_STORE_ACCESS, CAUSE_LOAD_ACCESS};

static const char* suite;
static char nbuf[96];
static const char* nm(const char* t) {
  char* p = nbuf;
  for (const char* s = suite; *s;) *p++ = *s++;
  *p++ = ' ';
  for (const char* s = t; *s && p < nbuf + sizeof nbuf - 1;) *p++ = *s++;
  *p = 0;
  return nbuf;
}

static uint64_t va(int i) { return TV + 4096UL * (uint64_t)i; }
static volatile uint64_t* page_pte(int i) { return pt_entry(va(i), 0); }
static void set_page(int i, const void* pa, uint64_t flags) {
  *page_pte(i) = pte_leaf((uint64_t)pa, flags);
  sfence_all();
}

/* One access at privilege prv (U runs from the U alias). EX calls the code at addr, which
 * adds to a0 and returns through t1. */
static uint64_t access(uint64_t prv, int kind, uint64_t addr, uint64_t v) {
  uint64_t off = prv == PRV_U ? U_OFF : 0;
  switch (kind) {
    case LD: return RUN(prv, off, "ld a0, 0(a1)", 0, addr, v);
    case SD: return RUN(prv, off, "sd a2, 0(a1)", 0, addr, v);
    case EX: return RUN(prv, off, "jalr t1, 0(a1)", v, addr, 0);
    case LR: return RUN(prv, off, "lr.d a0, (a1)", 0, addr, v);
    default: return RUN(prv, off, "amoadd.d a0, a2, (a1)", 0, addr, v);
  }
}

/* The access must succeed (LD/EX/AMO: with result `want`). */
static void expect_ok(const char* t, uint64_t prv, int kind, uint64_t addr, uint64_t v, uint64_t want) {
  uint64_t r = access(prv, kind, addr, v);
  checkf(nm(t), "count", tlog.n, 0);
  if (kind != SD) checkf(nm(t), "value", r, want);
}

/* The access must raise the page fault of its kind in M-mode, with tval = addr. */
static void expect_pf(const char* t, uint64_t prv, int kind, uint64_t addr) {
  access(prv, kind, addr, 0);
  expect_trap(nm(t), PRV_M, fault_cause[kind], kind == EX ? addr : run_start, addr);
}

static int canonical(uint64_t a) {
  int bits = 12 + 9 * pt_levels();
  return (uint64_t)((int64_t)(a << (64 - bits)) >> (64 - bits)) == a;
}

static void write_code(uint32_t* page, unsigned at, uint32_t insn) {
  page[at] = insn;
  page[at + 1] = JR_T1;
}

static void setup(int levels) {
  pt_init(levels);
  pt_map(RAM, RAM, 2, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
  pt_map(RAM + U_OFF, RAM, 2, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D);
  for (int i = 0; i < 8; i++) {
    for (int j = 0; j < 512; j++) data_pg[i][j] = 0x1111111111111111UL * (uint64_t)(i + 1) + (uint64_t)j;
  }
  write_code(code_pg[0], 0, ADDI_A0_1);
  write_code(code_pg[1], 0, ADDI_A0_2);
  asm volatile("fence.i" ::: "memory");
  set_page(0, data_pg[0], RWAD);
  set_page(1, data_pg[1], RWAD | PTE_U);
  set_page(2, code_pg[0], XA);
  set_page(3, code_pg[0], XA | PTE_U);
}

static void test_satp(void) {
  uint64_t ours = pt_satp(0), r;
  CSR_WRITE(satp, ours);
  check(nm("satp reads back"), CSR_READ(satp), ours);
  /* an unsupported MODE leaves the whole register unchanged */
  static const uint64_t bad_modes[] = {1, 7, 11, 12, 15};
  for (unsigned i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
    CSR_WRITE(satp, bad_modes[i] << 60 | 0x12345);
    check(nm("satp unsupported mode ignored"), CSR_READ(satp), ours);
  }
  /* Sv57 may or may not be implemented (QEMU 7.2 has it, polyemu does not) */
  uint64_t sv57 = 10UL << 60 | (ours & ((1UL << 44) - 1));
  CSR_WRITE(satp, sv57);
  r = CSR_READ(satp);
  check(nm("satp mode 10: all or nothing"), r == ours || r == sv57, 1);
  CSR_WRITE(satp, ours);
  sfence_all();
}

static void test_basic(void) {
  uint64_t off;
  expect_ok("S ld 4K", PRV_S, LD, va(0), 0, data_pg[0][0]);
  expect_ok("S ld 4K end", PRV_S, LD, va(0) + 4088, 0, data_pg[0][511]);
  expect_ok("S sd 4K", PRV_S, SD, va(0) + 8, 0x5d5d5d5d5d5d5d5dUL, 0);
  check(nm("S sd 4K reached memory"), data_pg[0][1], 0x5d5d5d5d5d5d5d5dUL);
  expect_ok("U ld 4K", PRV_U, LD, va(1) + 16, 0, data_pg[1][2]);
  expect_ok("U sd 4K", PRV_U, SD, va(1) + 24, 0x7e7e7e7e7e7e7e7eUL, 0);
  check(nm("U sd 4K reached memory"), data_pg[1][3], 0x7e7e7e7e7e7e7e7eUL);
  expect_ok("U amo 4K", PRV_U, AMO, va(1) + 24, 1, 0x7e7e7e7e7e7e7e7eUL);
  check(nm("U amo 4K reached memory"), data_pg[1][3], 0x7e7e7e7e7e7e7e7fUL);
  expect_ok("S ex 4K", PRV_S, EX, va(2), 5, 6);
  expect_ok("U ex 4K", PRV_U, EX, va(3), 7, 8);

  /* 2 MiB page */
  pt_map(MEGA_VA, MEGA_PA, 1, RWAD);
  sfence_all();
  *(volatile uint64_t*)(MEGA_PA + 0x12340) = 0x0123456789abcdefUL;
  expect_ok("S ld 2M", PRV_S, LD, MEGA_VA + 0x12340, 0, 0x0123456789abcdefUL);
  expect_ok("S sd 2M", PRV_S, SD, MEGA_VA + 0x1ffff8, 0xfedcba9876543210UL, 0);
  check(nm("S sd 2M reached memory"), *(volatile uint64_t*)(MEGA_PA + 0x1ffff8), 0xfedcba9876543210UL);

  /* 1 GiB page */
  pt_map(GIGA_VA, RAM, 2, RWAD);
  sfence_all();
  off = (uint64_t)&data_pg[4][7] - RAM;
  expect_ok("S ld 1G", PRV_S, LD, GIGA_VA + off, 0, data_pg[4][7]);

  /* the high half: the lowest canonical address with the top bit set */
  uint64_t high = -(1UL << (11 + 9 * pt_levels()));
  pt_map(high, RAM, 2, RWAD);
  sfence_all();
  expect_ok("S ld high half", PRV_S, LD, high + off, 0, data_pg[4][7]);

  if (pt_levels() == 4) {
    pt_map(TERA_VA, 0, 3, RWAD);
    sfence_all();
    expect_ok("S ld 512G", PRV_S, LD, TERA_VA + (uint64_t)&data_pg[4][8], 0, data_pg[4][8]);
  }
}

static void test_faults(void) {
  /* V=0, whatever the other bits say */
  set_page(4, data_pg[2], 0);
  expect_pf("invalid S ld", PRV_S, LD, va(4) + 8);
  expect_pf("invalid S sd", PRV_S, SD, va(4) + 16);
  expect_pf("invalid S ex", PRV_S, EX, va(4) + 32);
  expect_pf("invalid U ld", PRV_U, LD, va(4));
  set_page(4, data_pg[2], (RWAD | PTE_X | PTE_U) & ~PTE_V);
  expect_pf("invalid with RWXU S ld", PRV_S, LD, va(4));

  /* W without R is reserved */
  set_page(5, data_pg[2], PTE_V | PTE_W | PTE_A | PTE_D);
  expect_pf("W-only S ld", PRV_S, LD, va(5));
  expect_pf("W-only S sd", PRV_S, SD, va(5));
  set_page(5, code_pg[0], PTE_V | PTE_W | PTE_X | PTE_A | PTE_D);
  expect_pf("WX-only S ex", PRV_S, EX, va(5));

  /* U pages from S: only with SUM, and never executable */
  expect_pf("U page S ld SUM=0", PRV_S, LD, va(1));
  expect_pf("U page S sd SUM=0", PRV_S, SD, va(1) + 8);
  expect_pf("U page S ex SUM=0", PRV_S, EX, va(3));
  CSR_SET(mstatus, MSTATUS_SUM);
  expect_ok("U page S ld SUM=1", PRV_S, LD, va(1) + 8, 0, data_pg[1][1]);
  expect_ok("U page S sd SUM=1", PRV_S, SD, va(1) + 32, 3, 0);
  check(nm("U page S sd SUM=1 reached memory"), data_pg[1][4], 3);
  expect_pf("U page S ex SUM=1", PRV_S, EX, va(3));
  CSR_CLEAR(mstatus, MSTATUS_SUM);

  /* non-U pages from U */
  expect_pf("S page U ld", PRV_U, LD, va(0));
  expect_pf("S page U sd", PRV_U, SD, va(0) + 8);
  expect_pf("S page U ex", PRV_U, EX, va(2));
  CSR_SET(mstatus, MSTATUS_SUM);
  expect_pf("S page U ld SUM=1", PRV_U, LD, va(0));
  CSR_CLEAR(mstatus, MSTATUS_SUM);

  /* read-only page: stores and AMOs fault */
  set_page(6, data_pg[2], PTE_V | PTE_R | PTE_A | PTE_D);
  expect_ok("RO S ld", PRV_S, LD, va(6), 0, data_pg[2][0]);
  expect_pf("RO S sd", PRV_S, SD, va(6));
  expect_pf("RO S amo", PRV_S, AMO, va(6) + 8);
  expect_pf("RO S ex", PRV_S, EX, va(6));
  check(nm("RO page unchanged"), data_pg[2][0] + data_pg[2][1], 0x3333333333333333UL * 2 + 1);

  /* execute-only page: loads fault unless MXR; AMOs raise store faults */
  expect_pf("RW page S ex", PRV_S, EX, va(0));
  expect_pf("X-only S ld", PRV_S, LD, va(2));
  /* QEMU 7.2 reports this AMO as a load page fault */
  if (qemu_quirks()) fault_cause[AMO] = CAUSE_LOAD_PAGE;
  expect_pf("X-only S amo", PRV_S, AMO, va(2));
  fault_cause[AMO] = CAUSE_STORE_PAGE;
  expect_pf("X-only U ld", PRV_U, LD, va(3));
  expect_pf("X-only S lr", PRV_S, LR, va(2));
  expect_pf("U page S lr SUM=0", PRV_S, LR, va(1));
  CSR_SET(mstatus, MSTATUS_MXR);
  uint64_t code0 = (uint64_t)JR_T1 << 32 | ADDI_A0_1;
  expect_ok("X-only S ld MXR=1", PRV_S, LD, va(2), 0, code0);
  expect_ok("X-only U ld MXR=1", PRV_U, LD, va(3), 0, code0);
  expect_pf("X-only S sd MXR=1", PRV_S, SD, va(2));
  CSR_CLEAR(mstatus, MSTATUS_MXR);

  /* superpages must be aligned physically */
  pt_map(BADMEGA_VA, MEGA_PA + 0x1000, 1, RWAD);
  pt_map(BADGIGA_VA, RAM + 0x200000, 2, RWAD);
  pt_map(BADGIGA_VA + 0x40000000, RAM + 0x1000, 2, RWAD);
  sfence_all();
  expect_pf("misaligned 2M S ld", PRV_S, LD, BADMEGA_VA + 0x100);
  expect_pf("misaligned 1G (PPN[1]) S ld", PRV_S, LD, BADGIGA_VA + 0x100);
  expect_pf("misaligned 1G (PPN[0]) S sd", PRV_S, SD, BADGIGA_VA + 0x40000000);

  /* a pointer PTE at level 0 */
  *pt_entry(NONLEAF_VA, 0) = pte_table();
  sfence_all();
  expect_pf("non-leaf at level 0 S ld", PRV_S, LD, NONLEAF_VA);

  /* reserved PTE bits: 60-54, and N (63) / PBMT (62-61) without Svnapot / Svpbmt */
  static const int reserved[] = {54, 60, 61, 63};
  for (unsigned i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
    set_page(8, data_pg[3], RWAD | 1UL << reserved[i]);
    expect_pf("reserved PTE bit S ld", PRV_S, LD, va(8));
  }

  /* non-canonical addresses: the lower VA bits select a valid page. tval (and, for a
   * fetch, epc) need only hold some invalid address (spec 3.1.15-16), so they are checked
   * for being non-canonical. */
  int vabits = 12 + 9 * pt_levels();
  static const char* const nc_names[] = {"non-canonical S ld", "non-canonical S sd", "non-canonical S ex"};
  uint64_t nc[] = {va(0) | 1UL << vabits, va(0) | 1UL << 63, va(2) | 1UL << (vabits + 3)};
  for (int k = LD; k <= EX; k++) {
    access(PRV_S, k, nc[k], 0);
    checkf(nm(nc_names[k]), "count", tlog.n, 1);
    checkf(nm(nc_names[k]), "cause", tlog.e[0].cause, fault_cause[k]);
    checkf(nm(nc_names[k]), "tval non-canonical", canonical(tlog.e[0].tval), 0);
    if (k == EX) {
      checkf(nm(nc_names[k]), "epc non-canonical", canonical(tlog.e[0].epc), 0);
    } else {
      checkf(nm(nc_names[k]), "epc", tlog.e[0].epc, run_start);
    }
  }

  /* a misaligned load that runs into an invalid page faults on the second page */
  set_page(9, data_pg[4], RWAD);
  set_page(10, data_pg[5], 0);
  expect_ok("misaligned ld within page", PRV_S, LD, va(9) + 4092 - 8, 0, data_pg[4][510] >> 32 | data_pg[4][511] << 32);
  access(PRV_S, LD, va(9) + 4092, 0);
  expect_trap(nm("misaligned ld into invalid page"), PRV_M, CAUSE_LOAD_PAGE, run_start, va(10));

  /* a 4-byte instruction straddling two pages (not adjacent in physical memory); when
   * the second page cannot be executed: epc = its start, tval = the second page */
  volatile uint16_t* second = (volatile uint16_t*)code_pg[3];
  code_pg[2][1023] = ADDI_A0_1 << 16;
  second[0] = ADDI_A0_1 >> 16;
  second[1] = JR_T1 & 0xffff;
  second[2] = JR_T1 >> 16;
  asm volatile("fence.i" ::: "memory");
  set_page(11, code_pg[2], XA);
  set_page(12, code_pg[3], XA);
  expect_ok("insn straddling two pages", PRV_S, EX, va(11) + 4094, 3, 4);
  /* the second page remapped: the upper half now makes "addi a0, a0, 2" */
  volatile uint16_t* second2 = (volatile uint16_t*)code_pg[6];
  second2[0] = ADDI_A0_2 >> 16;
  second2[1] = JR_T1 & 0xffff;
  second2[2] = JR_T1 >> 16;
  asm volatile("fence.i" ::: "memory");
  set_page(12, code_pg[6], XA);
  expect_ok("insn straddling two pages, 2nd remapped", PRV_S, EX, va(11) + 4094, 3, 5);
  set_page(12, code_pg[3], 0);
  access(PRV_S, EX, va(11) + 4094, 0);
  expect_trap(nm("insn straddling into invalid page"), PRV_M, CAUSE_FETCH_PAGE, va(11) + 4094, va(12));
  set_page(12, code_pg[3], PTE_V | PTE_R | PTE_A);
  access(PRV_S, EX, va(11) + 4094, 0);
  expect_trap(nm("insn straddling into non-X page"), PRV_M, CAUSE_FETCH_PAGE, va(11) + 4094, va(12));
  set_page(11, code_pg[2], XA | PTE_U);
  set_page(12, code_pg[3], XA);
  access(PRV_U, EX, va(11) + 4094, 0);
  expect_trap(nm("U insn straddling into S page"), PRV_M, CAUSE_FETCH_PAGE, va(11) + 4094, va(12));

  /* a 2-byte instruction ending a page: execution falls through into the next page */
  ((volatile uint16_t*)code_pg[5])[2047] = C_ADDI_A0_1;
  code_pg[4][0] = JR_T1;
  asm volatile("fence.i" ::: "memory");
  set_page(21, code_pg[5], XA);
  set_page(22, code_pg[4], XA);
  expect_ok("fall through into next page", PRV_S, EX, va(21) + 4094, 1, 2);
  code_pg[7][0] = ADDI_A0_2;
  code_pg[7][1] = JR_T1;
  asm volatile("fence.i" ::: "memory");
  set_page(22, code_pg[7], XA);
  expect_ok("fall through into next page, remapped", PRV_S, EX, va(21) + 4094, 1, 4);
  set_page(22, code_pg[4], 0);
  access(PRV_S, EX, va(21) + 4094, 0);
  expect_trap(nm("fall through into invalid page"), PRV_M, CAUSE_FETCH_PAGE, va(22), va(22));
  set_page(22, code_pg[4], RWAD);
  access(PRV_S, EX, va(21) + 4094, 0);
  expect_trap(nm("fall through into non-X page"), PRV_M, CAUSE_FETCH_PAGE, va(22), va(22));

  /* Where no memory answers, a leaf or a page-table read raises an access fault, with
   * tval = the virtual address (spec 3.1.16). QEMU 7.2 turns a page-table read that
   * fails into a page fault. */
  set_page(18, 0, RWAD | PTE_X);
  static const char* const leaf_names[] = {"leaf without memory S ld", "leaf without memory S sd",
                                           "leaf without memory S ex"};
  for (int k = LD; k <= EX; k++) {
    access(PRV_S, k, va(18) + 0x40, 0);
    expect_trap(nm(leaf_names[k]), PRV_M, access_fault_cause[k], k == EX ? va(18) + 0x40 : run_start, va(18) + 0x40);
  }
  *pt_entry(NOMEM_VA, 1) = pte_leaf(0, PTE_V);
  sfence_all();
  static const char* const walk_names[] = {"table without memory S ld", "table without memory S sd",
                                           "table without memory S ex"};
  for (int k = LD; k <= EX; k++) {
    access(PRV_S, k, NOMEM_VA + 8 * 4096, 0);
    if (qemu_quirks() && tlog.e[0].cause == fault_cause[k]) tlog.e[0].cause = access_fault_cause[k];
    expect_trap(nm(walk_names[k]), PRV_M, access_fault_cause[k], k == EX ? NOMEM_VA + 8 * 4096 : run_start,
                NOMEM_VA + 8 * 4096);
  }
}

static void test_delegated_faults(void) {
  CSR_WRITE(medeleg, 1UL << CAUSE_FETCH_PAGE | 1UL << CAUSE_LOAD_PAGE | 1UL << CAUSE_STORE_PAGE);
  access(PRV_U, LD, va(4) + 8, 0);
  expect_trap(nm("deleg invalid U ld"), PRV_S, CAUSE_LOAD_PAGE, run_start, va(4) + 8);
  checkf(nm("deleg invalid U ld"), "SPP", tlog.e[0].status & MSTATUS_SPP, 0);
  access(PRV_S, SD, va(6) + 16, 0);
  expect_trap(nm("deleg RO S sd"), PRV_S, CAUSE_STORE_PAGE, run_start, va(6) + 16);
  checkf(nm("deleg RO S sd"), "SPP", tlog.e[0].status & MSTATUS_SPP, MSTATUS_SPP);
  access(PRV_U, EX, va(2), 0);
  expect_trap(nm("deleg S page U ex"), PRV_S, CAUSE_FETCH_PAGE, va(2), va(2));
  CSR_WRITE(medeleg, 0);
}

static void test_accessed_dirty(void) {
  volatile uint64_t* pte = page_pte(13);
  set_page(13, data_pg[5], PTE_V | PTE_R | PTE_W);
  expect_ok("A/D: S ld", PRV_S, LD, va(13), 0, data_pg[5][0]);
  check(nm("A/D: ld sets A, not D"), *pte & (PTE_A | PTE_D), PTE_A);
  expect_ok("A/D: S sd", PRV_S, SD, va(13), 9, 0);
  check(nm("A/D: sd sets D"), *pte & (PTE_A | PTE_D), PTE_A | PTE_D);
  set_page(13, data_pg[5], PTE_V | PTE_R | PTE_W);
  expect_ok("A/D: S sd first", PRV_S, SD, va(13), 9, 0);
  check(nm("A/D: sd sets A and D"), *pte & (PTE_A | PTE_D), PTE_A | PTE_D);
  set_page(13, data_pg[5], PTE_V | PTE_R | PTE_W | PTE_U);
  expect_ok("A/D: U amo", PRV_U, AMO, va(13), 1, 9);
  check(nm("A/D: amo sets A and D"), *pte & (PTE_A | PTE_D), PTE_A | PTE_D);

  /* a faulting access sets nothing */
  set_page(13, data_pg[5], PTE_V | PTE_R | PTE_W);
  expect_pf("A/D: U ld of S page", PRV_U, LD, va(13));
  check(nm("A/D: no A after permission fault"), *pte & (PTE_A | PTE_D), 0);
  set_page(13, data_pg[5], PTE_V | PTE_R);
  expect_pf("A/D: S sd to RO", PRV_S, SD, va(13));
  check(nm("A/D: no D after store fault"), *pte & PTE_D, 0);

  volatile uint64_t* xpte = page_pte(14);
  set_page(14, code_pg[0], PTE_V | PTE_X);
  expect_ok("A/D: S ex", PRV_S, EX, va(14), 1, 2);
  check(nm("A/D: ex sets A, not D"), *xpte & (PTE_A | PTE_D), PTE_A);

  volatile uint64_t* mpte = pt_entry(MEGA_VA, 1);
  *mpte = pte_leaf(MEGA_PA, PTE_V | PTE_R | PTE_W);
  sfence_all();
  expect_ok("A/D: S ld 2M", PRV_S, LD, MEGA_VA + 0x12340, 0, 0x0123456789abcdefUL);
  check(nm("A/D: 2M ld sets A"), *mpte & (PTE_A | PTE_D), PTE_A);
  expect_ok("A/D: S sd 2M", PRV_S, SD, MEGA_VA + 0x12348, 1, 0);
  check(nm("A/D: 2M sd sets D"), *mpte & (PTE_A | PTE_D), PTE_A | PTE_D);

  /* A, D and U are reserved in non-leaf PTEs: the walk leaves them alone */
  check(nm("A/D: non-leaf PTE untouched"), *pt_entry(TV, 1) & 0x3ff, PTE_V);
}

/* M-mode with MPRV=1 and MPP=S/U: loads and stores translate as S/U, fetches do not.
 * MPRV is set while MPP=M; the snippet's mret leaves MPP=U, the snippet then ORs in mpp
 * and clears MPRV after the access (at run_start + 4). */
static uint64_t mprv_access(uint64_t mpp, int kind, uint64_t addr, uint64_t v) {
  CSR_SET(mstatus, MSTATUS_MPP);
  CSR_SET(mstatus, MSTATUS_MPRV);
  if (kind == SD) {
    return RUN(PRV_M, 0, "csrs mstatus, a2\n sd a0, 0(a1)\n li t0, 0x20000\n csrc mstatus, t0", v, addr, mpp << 11);
  }
  return RUN(PRV_M, 0, "csrs mstatus, a2\n ld a0, 0(a1)\n li t0, 0x20000\n csrc mstatus, t0", 0, addr, mpp << 11);
}

static void test_mprv(void) {
  uint64_t r;
  r = mprv_access(PRV_S, LD, va(0) + 40, 0);
  expect_no_trap(nm("MPRV S ld"));
  check(nm("MPRV S ld value"), r, data_pg[0][5]);
  mprv_access(PRV_S, SD, va(0) + 48, 0x4242);
  expect_no_trap(nm("MPRV S sd"));
  check(nm("MPRV S sd reached memory"), data_pg[0][6], 0x4242);
  mprv_access(PRV_U, LD, va(0) + 40, 0);
  expect_trap(nm("MPRV U ld of S page"), PRV_M, CAUSE_LOAD_PAGE, run_start + 4, va(0) + 40);
  r = mprv_access(PRV_U, LD, va(1) + 40, 0);
  expect_no_trap(nm("MPRV U ld of U page"));
  check(nm("MPRV U ld of U page value"), r, data_pg[1][5]);
  mprv_access(PRV_S, LD, va(1), 0);
  expect_trap(nm("MPRV S ld of U page SUM=0"), PRV_M, CAUSE_LOAD_PAGE, run_start + 4, va(1));
  mprv_access(PRV_S, SD, va(6), 1);
  expect_trap(nm("MPRV S sd to RO"), PRV_M, CAUSE_STORE_PAGE, run_start + 4, va(6));
  CSR_SET(mstatus, MSTATUS_SUM);
  r = mprv_access(PRV_S, LD, va(1), 0);
  expect_no_trap(nm("MPRV S ld of U page SUM=1"));
  check(nm("MPRV S ld of U page SUM=1 value"), r, data_pg[1][0]);
  CSR_CLEAR(mstatus, MSTATUS_SUM);
  CSR_SET(mstatus, MSTATUS_MXR);
  r = mprv_access(PRV_S, LD, va(2), 0);
  expect_no_trap(nm("MPRV S ld X-only MXR=1"));
  check(nm("MPRV S ld X-only MXR=1 value"), r, (uint64_t)JR_T1 << 32 | ADDI_A0_1);
  CSR_CLEAR(mstatus, MSTATUS_MXR);

  /* with RAM unmapped, M-mode keeps fetching its code while its loads translate */
  volatile uint64_t* ram = pt_entry(RAM, 2);
  uint64_t saved = *ram;
  *ram = 0;
  sfence_all();
  r = mprv_access(PRV_S, LD, va(0) + 40, 0);
  *ram = saved;
  sfence_all();
  expect_no_trap(nm("MPRV fetch untranslated"));
  check(nm("MPRV fetch untranslated value"), r, data_pg[0][5]);
}

/* SUM and MXR changes apply to the next access, without sfence.vma. */
static void test_sum_mxr_immediate(void) {
  uint64_t r;
  CSR_SET(mstatus, MSTATUS_SUM);
  r = RUN(PRV_S, 0, "ld a0, 0(a1)\n csrc sstatus, a2\n ld a0, 8(a1)", 0, va(1), MSTATUS_SUM);
  expect_trap(nm("SUM cleared by S"), PRV_M, CAUSE_LOAD_PAGE, run_start + 8, va(1) + 8);
  check(nm("SUM cleared by S: first ld"), r, data_pg[1][0]);
  r = RUN(PRV_S, 0, "csrs sstatus, a2\n ld a0, 0(a1)", 0, va(1), MSTATUS_SUM);
  expect_no_trap(nm("SUM set by S"));
  check(nm("SUM set by S: ld"), r, data_pg[1][0]);
  CSR_CLEAR(mstatus, MSTATUS_SUM);
  CSR_SET(mstatus, MSTATUS_MXR);
  r = RUN(PRV_S, 0, "ld a0, 0(a1)\n csrc sstatus, a2\n ld a0, 0(a1)", 0, va(2), MSTATUS_MXR);
  expect_trap(nm("MXR cleared by S"), PRV_M, CAUSE_LOAD_PAGE, run_start + 8, va(2));
  CSR_CLEAR(mstatus, MSTATUS_MXR);

  /* S turning translation on and off itself */
  uint64_t ours = CSR_READ(satp);
  CSR_WRITE(satp, 0);
  r = RUN(PRV_S, 0, "csrw satp, a2\n ld a0, 0(a1)\n csrw satp, zero", 0, va(0), ours);
  expect_no_trap(nm("S enables paging"));
  check(nm("S enables paging: ld"), r, data_pg[0][0]);
  CSR_WRITE(satp, ours);
  sfence_all();
}

/* Translations cached for one privilege or access type grant nothing to another. */
static void test_cached_rights(void) {
  expect_ok("cached: S ld S page", PRV_S, LD, va(0), 0, data_pg[0][0]);
  expect_pf("cached: then U ld S page", PRV_U, LD, va(0));
  expect_ok("cached: U ld U page", PRV_U, LD, va(1), 0, data_pg[1][0]);
  expect_pf("cached: then S ld U page", PRV_S, LD, va(1));
  expect_ok("cached: S ex X page", PRV_S, EX, va(2), 1, 2);
  expect_pf("cached: then S ld X page", PRV_S, LD, va(2));
  expect_ok("cached: S ld RW page", PRV_S, LD, va(0) + 8, 0, data_pg[0][1]);
  expect_pf("cached: then S ex RW page", PRV_S, EX, va(0) + 8);
  CSR_SET(mstatus, MSTATUS_MXR);
  expect_ok("cached: S ld X page MXR=1", PRV_S, LD, va(2), 0, (uint64_t)JR_T1 << 32 | ADDI_A0_1);
  CSR_CLEAR(mstatus, MSTATUS_MXR);
  expect_pf("cached: then S ld X page MXR=0", PRV_S, LD, va(2));
  CSR_SET(mstatus, MSTATUS_SUM);
  expect_ok("cached: S sd U page SUM=1", PRV_S, SD, va(1) + 8, 1, 0);
  CSR_CLEAR(mstatus, MSTATUS_SUM);
  expect_pf("cached: then S sd U page SUM=0", PRV_S, SD, va(1) + 8);

  /* X given and taken away by PTE changes (fenced) */
  set_page(22, code_pg[0], RWAD);
  expect_pf("X given: S ex before", PRV_S, EX, va(22));
  set_page(22, code_pg[0], XA);
  expect_ok("X given: S ex after", PRV_S, EX, va(22), 1, 2);
  set_page(22, code_pg[0], RWAD);
  expect_pf("X taken away: S ex", PRV_S, EX, va(22));

  /* a page made read-only (and fenced) no longer takes stores */
  set_page(19, data_pg[7], RWAD);
  expect_ok("RW->RO: sd before", PRV_S, SD, va(19), 5, 0);
  *page_pte(19) = pte_leaf((uint64_t)data_pg[7], PTE_V | PTE_R | PTE_A | PTE_D);
  RUN(PRV_S, 0, "sfence.vma a1\n sd a2, 0(a1)", 0, va(19), 6);
  expect_trap(nm("RW->RO: sd after sfence.vma"), PRV_M, CAUSE_STORE_PAGE, run_start + 4, va(19));
  check(nm("RW->RO: memory"), data_pg[7][0], 5);

  /* code rewritten through a writable alias runs after fence.i */
  code_pg[4][0] = ADDI_A0_2;
  code_pg[4][1] = JR_T1;
  asm volatile("fence.i" ::: "memory");
  set_page(20, code_pg[4], RWAD);
  set_page(21, code_pg[4], XA);
  expect_ok("code via alias: before", PRV_S, EX, va(21), 1, 3);
  uint64_t r =
      RUN(PRV_S, 0, "sw a2, 0(a1)\n fence.i\n li t2, 4096\n add t2, a1, t2\n jalr t1, 0(t2)", 1, va(20), ADDI_A0_1);
  expect_no_trap(nm("code via alias: rewritten"));
  check(nm("code via alias: runs new code"), r, 2);
}

static void test_sfence(void) {
  uint64_t r;
  set_page(15, data_pg[6], RWAD);
  expect_ok("sfence: before", PRV_S, LD, va(15), 0, data_pg[6][0]);
  *page_pte(15) = pte_leaf((uint64_t)data_pg[7], RWAD);
  r = RUN(PRV_S, 0, "sfence.vma a1\n ld a0, 0(a1)", 0, va(15), 0);
  check(nm("sfence.vma addr: new page"), r, data_pg[7][0]);
  *page_pte(15) = pte_leaf((uint64_t)data_pg[6], RWAD);
  r = RUN(PRV_S, 0, "sfence.vma\n ld a0, 0(a1)", 0, va(15), 0);
  check(nm("sfence.vma all: new page"), r, data_pg[6][0]);
  *page_pte(15) = 0;
  r = RUN(PRV_S, 0, "sfence.vma a1\n ld a0, 0(a1)", 0, va(15), 0);
  expect_trap(nm("sfence.vma addr: now invalid"), PRV_M, CAUSE_LOAD_PAGE, run_start + 4, va(15));

  /* by ASID (the test pages are not global) */
  uint64_t ours = CSR_READ(satp);
  CSR_WRITE(satp, pt_satp(1));
  sfence_all();
  set_page(15, data_pg[6], RWAD);
  expect_ok("sfence asid: before", PRV_S, LD, va(15), 0, data_pg[6][0]);
  *page_pte(15) = pte_leaf((uint64_t)data_pg[7], RWAD);
  r = RUN(PRV_S, 0, "sfence.vma a1, a2\n ld a0, 0(a1)", 0, va(15), 1);
  check(nm("sfence.vma addr+asid: new page"), r, data_pg[7][0]);
  *page_pte(15) = pte_leaf((uint64_t)data_pg[6], RWAD);
  r = RUN(PRV_S, 0, "sfence.vma zero, a2\n ld a0, 0(a1)", 0, va(15), 1);
  check(nm("sfence.vma asid: new page"), r, data_pg[6][0]);
  CSR_WRITE(satp, ours);
  sfence_all();

  /* an address anywhere in a 2 MiB page fences the whole page */
  *pt_entry(MEGA_VA, 1) = pte_leaf(MEGA_PA, RWAD);
  sfence_all();
  *(volatile uint64_t*)(MEGA_PA + 0x3000) = 0xaaaa;
  *(volatile uint64_t*)(MEGA_PA2 + 0x3000) = 0xbbbb;
  expect_ok("sfence 2M: before", PRV_S, LD, MEGA_VA + 0x3000, 0, 0xaaaa);
  *pt_entry(MEGA_VA, 1) = pte_leaf(MEGA_PA2, RWAD);
  r = RUN(PRV_S, 0, "sfence.vma a2\n ld a0, 0(a1)", 0, MEGA_VA + 0x3000, MEGA_VA + 0x1f5000);
  expect_no_trap(nm("sfence.vma elsewhere in the 2M page"));
  check(nm("sfence.vma elsewhere in the 2M page: new page"), r, 0xbbbb);

  /* an invalid address in rs1 is no exception */
  RUN(PRV_S, 0, "sfence.vma a1", 0, 1UL << 63 | TV, 0);
  expect_no_trap(nm("sfence.vma non-canonical address"));

  /* code: the same virtual page remapped to other code runs the other code */
  set_page(16, code_pg[0], XA);
  set_page(17, code_pg[0], XA | PTE_U);
  expect_ok("remap code: S first", PRV_S, EX, va(16), 10, 11);
  expect_ok("remap code: S again", PRV_S, EX, va(16), 20, 21);
  expect_ok("remap code: U first", PRV_U, EX, va(17), 10, 11);
  *page_pte(16) = pte_leaf((uint64_t)code_pg[1], XA);
  r = RUN(PRV_S, 0, "sfence.vma a1\n jalr t1, 0(a1)", 30, va(16), 0);
  expect_no_trap(nm("remap code: S after sfence.vma addr"));
  check(nm("remap code: S runs new code"), r, 32);
  *page_pte(16) = pte_leaf((uint64_t)code_pg[0], XA);
  r = RUN(PRV_S, 0, "sfence.vma\n jalr t1, 0(a1)", 40, va(16), 0);
  check(nm("remap code: S runs old code again"), r, 41);
  *page_pte(17) = pte_leaf((uint64_t)code_pg[1], XA | PTE_U);
  sfence_all();
  expect_ok("remap code: U runs new code", PRV_U, EX, va(17), 50, 52);
}

static void run_suite(const char* name, int levels) {
  suite = name;
  setup(levels);
  test_satp();
  test_basic();
  test_faults();
  test_delegated_faults();
  test_accessed_dirty();
  test_cached_rights();
  test_mprv();
  test_sum_mxr_immediate();
  test_sfence();
  CSR_WRITE(satp, 0);
  sfence_all();
}

int main(void) {
  /* One PMP entry granting S and U everything (QEMU 7.2 refuses mret to S or U without) */
  CSR_WRITE(pmpaddr0, ~0UL);
  CSR_WRITE(pmpcfg0, 0x1f);
  CSR_WRITE(mie, 0);
  priv_init();
  run_suite("sv39", 3);
  run_suite("sv48", 4);
  finish("paging");
}
