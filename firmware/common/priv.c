#include "priv.h"

volatile struct trap_log tlog;
volatile struct run_ctl run_ctl;
void (*volatile m_irq_hook)(uint64_t cause);
void (*volatile s_irq_hook)(uint64_t cause);

extern char mtrap_entry[], strap_entry[], strap_vector_table[], strap_exit_ecall[];
static uint64_t m_stack[512] __attribute__((aligned(16)));
static uint64_t s_stack[512] __attribute__((aligned(16)));

void tlog_reset(void) {
  tlog.n = 0;
  for (int i = 0; i < TLOG_MAX; i++) {
    tlog.e[i].level = tlog.e[i].cause = tlog.e[i].epc = tlog.e[i].tval = ~0UL;
    tlog.e[i].status = tlog.e[i].vec = ~0UL;
  }
}

void stvec_direct(void) { CSR_WRITE(stvec, (uint64_t)strap_entry); }
void stvec_vectored(void) { CSR_WRITE(stvec, (uint64_t)strap_vector_table | 1); }

void priv_init(void) {
  CSR_WRITE(mscratch, (uint64_t)&m_stack[512]);
  CSR_WRITE(sscratch, (uint64_t)&s_stack[512]);
  CSR_WRITE(mtvec, (uint64_t)mtrap_entry);
  stvec_direct();
  tlog_reset();
}

static void log_trap(uint64_t level, uint64_t cause, uint64_t epc, uint64_t tval, uint64_t status, uint64_t vec) {
  uint64_t i = tlog.n++;
  if (i >= TLOG_MAX) return;
  tlog.e[i].level = level;
  tlog.e[i].cause = cause;
  tlog.e[i].epc = epc;
  tlog.e[i].tval = tval;
  tlog.e[i].status = status;
  tlog.e[i].vec = vec;
}

/* Leaves the trap into M-mode at the snippet's resume point, with MIE=0 and MPRV=0
 * afterwards (the mret leaves MPP=U, so a stale MPRV would translate M-mode accesses). */
static void end_snippet(uint64_t cause, uint64_t epc) {
  uint64_t resume = run_ctl.resume;
  if (!resume) {
    print_str("unexpected trap mcause=");
    print_hex(cause);
    print_str(" mepc=");
    print_hex(epc);
    print_str(" mtval=");
    print_hex(CSR_READ(mtval));
    print_str(" mstatus=");
    print_hex(CSR_READ(mstatus));
    console_putc('\n');
    sys_exit(100);
  }
  run_ctl.resume = 0;
  CSR_WRITE(mepc, resume);
  CSR_CLEAR(mstatus, MSTATUS_MPIE | MSTATUS_MPRV);
  CSR_SET(mstatus, MSTATUS_MPP);
}

void mtrap_c(void) {
  uint64_t cause = CSR_READ(mcause), epc = CSR_READ(mepc);
  int ecall = cause == CAUSE_ECALL_U || cause == CAUSE_ECALL_S || cause == CAUSE_ECALL_M;
  if (ecall && (epc == (uint64_t)strap_exit_ecall || epc == run_ctl.end)) {
    end_snippet(cause, epc);
    return;
  }
  log_trap(PRV_M, cause, epc, CSR_READ(mtval), CSR_READ(mstatus), VEC_DIRECT);
  if (tlog.n > 100) {
    print_str("runaway traps\n");
    sys_exit(102);
  }
  if ((int64_t)cause < 0 && m_irq_hook) {
    m_irq_hook(cause);
    return;
  }
  end_snippet(cause, epc);
}

/* Runs in S-mode. Returns 0 to sret to the interrupted code, 1 to end the snippet. */
uint64_t strap_c(uint64_t vec) {
  uint64_t cause = CSR_READ(scause), epc = CSR_READ(sepc);
  if (cause == CAUSE_ECALL_U && epc == run_ctl.end) return 1;
  log_trap(PRV_S, cause, epc, CSR_READ(stval), CSR_READ(sstatus), vec);
  if (tlog.n > 100) return 1;
  if ((int64_t)cause < 0 && s_irq_hook) {
    s_irq_hook(cause);
    return 0;
  }
  return 1;
}

static char nbuf[128];
void checkf(const char* t, const char* field, uint64_t got, uint64_t want) {
  char* p = nbuf;
  char* end = nbuf + sizeof nbuf - 1;
  for (const char* s = t; *s && p < end;) *p++ = *s++;
  if (p < end) *p++ = '.';
  for (const char* s = field; *s && p < end;) *p++ = *s++;
  *p = 0;
  check(nbuf, got, want);
}

void expect_trap(const char* t, uint64_t level, uint64_t cause, uint64_t epc, uint64_t tval) {
  checkf(t, "count", tlog.n, 1);
  checkf(t, "level", tlog.e[0].level, level);
  checkf(t, "cause", tlog.e[0].cause, cause);
  checkf(t, "epc", tlog.e[0].epc, epc);
  if (tval != NO_TVAL) checkf(t, "tval", tlog.e[0].tval, tval);
}

void expect_no_trap(const char* t) { checkf(t, "count", tlog.n, 0); }
