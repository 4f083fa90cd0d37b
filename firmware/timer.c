/* timer: CLINT machine timer interrupt (mtimecmp, mie.MTIE, mstatus.MIE): mtime is
 * monotonic, mip.MTIP follows mtimecmp, the interrupt (mcause 0x8000000000000007) is
 * delivered via direct mtvec, via vectored mtvec to base + 4*7, while waiting in wfi,
 * while spinning, and in U-mode even with mstatus.MIE=0. Re-armed several times. */
#include "trap.h"

#define MTI_CAUSE 0x8000000000000007UL
#define ARM_TICKS 1000
#define GIVE_UP_TICKS 200000

static volatile uint64_t fired, fire_mtime, fire_cmp, u_resume;

static void timer_hook(uint64_t cause) {
  if (cause != MTI_CAUSE) {
    print_str("unexpected interrupt\n");
    sys_exit(103);
  }
  fire_mtime = CLINT_MTIME;
  CLINT_MTIMECMP = ~0UL; /* disarm: MTIP clears */
  fired++;
  if (u_resume) { /* interrupted U-mode code: resume in M-mode */
    CSR_WRITE(mepc, u_resume);
    CSR_SET(mstatus, MSTATUS_MPP);
    u_resume = 0;
  }
}

static uint64_t arm(void) {
  fired = 0;
  fire_cmp = CLINT_MTIME + ARM_TICKS;
  CLINT_MTIMECMP = fire_cmp;
  return fire_cmp;
}

/* wfi with mstatus.MIE=0 returns once MTIP is pending; opening MIE then takes the trap */
static void wait_wfi(void) {
  uint64_t limit = fire_cmp + GIVE_UP_TICKS;
  for (uint64_t i = 0; !fired && i < 10000000 && CLINT_MTIME < limit; i++) {
    asm volatile("wfi" ::: "memory");
    CSR_SET(mstatus, MSTATUS_MIE);
    CSR_CLEAR(mstatus, MSTATUS_MIE);
  }
}

static void check_fired(const char* name, uint64_t want_vec) {
  check(name, fired, 1);
  check("mcause", trap_rec.cause, MTI_CAUSE);
  check("vector", trap_rec.vec, want_vec);
  check("not early", fire_mtime >= fire_cmp, 1);
  check("MTIP clear after disarm", CSR_READ(mip) & MIP_MTIP, 0);
}

int main(void) {
  CSR_WRITE(pmpaddr0, ~0UL); /* QEMU: give U-mode access to everything (no-op on polyemu) */
  CSR_WRITE(pmpcfg0, 0x1f);
  trap_reset();
  trap_install_direct();
  irq_hook = timer_hook;
  CLINT_MTIMECMP = ~0UL;

  /* mtime is monotonic and advances */
  uint64_t first = CLINT_MTIME, prev = first, back = 0;
  for (int i = 0; i < 100000 && prev < first + 50; i++) {
    uint64_t now = CLINT_MTIME;
    if (now < prev) back++;
    prev = now;
  }
  check("mtime monotonic", back, 0);
  check("mtime advances", prev > first, 1);

  /* MTIP follows mtimecmp; with mstatus.MIE=0 nothing is taken */
  CSR_WRITE(mie, MIP_MTIP);
  CLINT_MTIMECMP = 0;
  uint64_t pend = 0;
  for (int i = 0; i < 100000 && !pend; i++) pend = CSR_READ(mip) & MIP_MTIP;
  check("MTIP set when mtime >= mtimecmp", pend, MIP_MTIP);
  CLINT_MTIMECMP = ~0UL;
  check("MTIP clear when mtimecmp far", CSR_READ(mip) & MIP_MTIP, 0);
  CLINT_MTIMECMP = CLINT_MTIME + 0x100000000UL;
  check("MTIP clear when mtimecmp ahead", CSR_READ(mip) & MIP_MTIP, 0);
  check("no trap with MIE=0", trap_rec.count, 0);
  CLINT_MTIMECMP = ~0UL;

  /* direct mode, waiting in wfi, re-armed three times */
  for (int round = 0; round < 3; round++) {
    arm();
    wait_wfi();
    check_fired("wfi fired once", TRAP_VEC_DIRECT);
    check("mstatus at trap: MPP=M, MPIE=1, MIE=0", trap_rec.mstatus & (MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE),
          MSTATUS_MPP | MSTATUS_MPIE);
  }

  /* direct mode, interrupting a spin loop with MIE=1 */
  arm();
  CSR_SET(mstatus, MSTATUS_MIE);
  for (uint64_t limit = fire_cmp + GIVE_UP_TICKS; !fired && CLINT_MTIME < limit;) {
  }
  CSR_CLEAR(mstatus, MSTATUS_MIE);
  check_fired("spin fired once", TRAP_VEC_DIRECT);

  /* vectored mode: delivered to base + 4*7 */
  trap_install_vectored();
  for (int round = 0; round < 2; round++) {
    arm();
    wait_wfi();
    check_fired("vectored fired once", 7);
  }

  /* U-mode is always interruptible by M-mode interrupts, whatever mstatus.MIE says */
  uint64_t epc_u;
  arm();
  asm volatile(
      "la t0, 2f\n sd t0, 0(%[ur])\n"
      "li t0, 0x1888\n csrc mstatus, t0\n" /* MPP=U, MPIE=0, MIE=0 */
      "la %[e], 1f\n csrw mepc, %[e]\n mret\n"
      "1: j 1b\n" /* U-mode spin, left only through the interrupt */
      "2:"
      : [e] "=&r"(epc_u)
      : [ur] "r"(&u_resume)
      : "t0", "memory");
  check_fired("U-mode fired once", 7);
  check("U-mode mepc", trap_rec.epc, epc_u);
  check("U-mode mstatus.MPP", trap_rec.mstatus & MSTATUS_MPP, 0);

  CSR_WRITE(mie, 0);
  finish("timer");
}
