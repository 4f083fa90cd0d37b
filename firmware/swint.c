/* swint: machine software interrupt through CLINT msip (mcause 0x8000000000000003),
 * cleared by writing msip=0; mip.MSIP follows msip; direct and vectored (base + 4*3)
 * delivery; wfi wake-up; MSI is taken before MTI when both are pending. */
#include "trap.h"

#define MSI_CAUSE 0x8000000000000003UL
#define MTI_CAUSE 0x8000000000000007UL

static volatile uint64_t seq[4], nseq;

static void hook(uint64_t cause) {
  if (nseq < 4) seq[nseq] = cause;
  nseq++;
  if (cause == MSI_CAUSE) {
    CLINT_MSIP = 0;
  } else if (cause == MTI_CAUSE) {
    CLINT_MTIMECMP = ~0UL;
  } else {
    print_str("unexpected interrupt\n");
    sys_exit(103);
  }
}

static void reset_seq(void) { nseq = seq[0] = seq[1] = seq[2] = seq[3] = 0; }

/* raise msip with mstatus.MIE=1 and wait (bounded) for the handler */
static void raise_and_wait(void) {
  reset_seq();
  CSR_SET(mstatus, MSTATUS_MIE);
  CLINT_MSIP = 1;
  for (int i = 0; i < 100000 && !nseq; i++) asm volatile("" ::: "memory");
  CSR_CLEAR(mstatus, MSTATUS_MIE);
}

int main(void) {
  trap_reset();
  trap_install_direct();
  irq_hook = hook;
  CLINT_MTIMECMP = ~0UL;
  CLINT_MSIP = 0;

  /* mip.MSIP mirrors msip; nothing is taken with mstatus.MIE=0 */
  CSR_WRITE(mie, MIP_MSIP);
  CLINT_MSIP = 1;
  check("msip reads 1", CLINT_MSIP, 1);
  check("mip.MSIP set", CSR_READ(mip) & MIP_MSIP, MIP_MSIP);
  CLINT_MSIP = 0;
  check("msip reads 0", CLINT_MSIP, 0);
  check("mip.MSIP clear", CSR_READ(mip) & MIP_MSIP, 0);
  check("no trap with MIE=0", trap_rec.count, 0);

  /* direct mode */
  for (int round = 0; round < 2; round++) {
    raise_and_wait();
    check("direct taken once", nseq, 1);
    check("direct mcause", trap_rec.cause, MSI_CAUSE);
    check("direct vector", trap_rec.vec, TRAP_VEC_DIRECT);
    check("mstatus at trap", trap_rec.mstatus & (MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE), MSTATUS_MPP | MSTATUS_MPIE);
    check("msip cleared by handler", CLINT_MSIP, 0);
    check("mip.MSIP clear after handler", CSR_READ(mip) & MIP_MSIP, 0);
  }

  /* vectored mode: base + 4*3 */
  trap_install_vectored();
  raise_and_wait();
  check("vectored taken once", nseq, 1);
  check("vectored mcause", trap_rec.cause, MSI_CAUSE);
  check("vectored vector", trap_rec.vec, 3);

  /* wfi returns when MSIP is pending even with mstatus.MIE=0; then the trap is taken */
  reset_seq();
  CLINT_MSIP = 1;
  asm volatile("wfi" ::: "memory");
  check("wfi: still pending", CSR_READ(mip) & MIP_MSIP, MIP_MSIP);
  check("wfi: not taken yet", nseq, 0);
  CSR_SET(mstatus, MSTATUS_MIE);
  CSR_CLEAR(mstatus, MSTATUS_MIE);
  check("wfi: taken after MIE", nseq, 1);
  check("wfi: mcause", seq[0], MSI_CAUSE);

  /* with MSI and MTI both pending, MSI has priority; masking MSIE leaves only MTI */
  reset_seq();
  CSR_WRITE(mie, MIP_MSIP | MIP_MTIP);
  CLINT_MSIP = 1;
  CLINT_MTIMECMP = 0;
  for (int i = 0; i < 100000 && !(CSR_READ(mip) & MIP_MTIP); i++) {
  }
  check("both pending", CSR_READ(mip) & (MIP_MSIP | MIP_MTIP), MIP_MSIP | MIP_MTIP);
  CSR_SET(mstatus, MSTATUS_MIE);
  CSR_CLEAR(mstatus, MSTATUS_MIE);
  check("priority: two interrupts", nseq, 2);
  check("priority: MSI first", seq[0], MSI_CAUSE);
  check("priority: MTI second", seq[1], MTI_CAUSE);
  check("priority: vector of MTI", trap_rec.vec, 7);

  reset_seq();
  CSR_WRITE(mie, MIP_MTIP);
  CLINT_MSIP = 1;
  CLINT_MTIMECMP = 0;
  for (int i = 0; i < 100000 && !(CSR_READ(mip) & MIP_MTIP); i++) {
  }
  CSR_SET(mstatus, MSTATUS_MIE);
  CSR_CLEAR(mstatus, MSTATUS_MIE);
  check("MSIE=0: only MTI taken", nseq, 1);
  check("MSIE=0: MTI", seq[0], MTI_CAUSE);
  check("MSIE=0: MSIP still pending", CSR_READ(mip) & MIP_MSIP, MIP_MSIP);
  CLINT_MSIP = 0;

  CSR_WRITE(mie, 0);
  finish("swint");
}
