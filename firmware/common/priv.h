/* Harness for the privileged-architecture tests (smode, paging, pmp): runs a few
 * instructions at a chosen privilege and logs every trap they cause, whether it is taken
 * in M-mode (mtvec) or delegated to S-mode (stvec).
 *
 * RUN(prv, off, code, a0, a1, a2) enters privilege prv (PRV_U, PRV_S or PRV_M) with mret
 * at the first instruction of `code` plus `off` (a virtual alias of the code when paging
 * is on, else 0), with a0..a2 loaded. `code` may use a0..a5 and t0..t2; its value of a0
 * is the macro's result. An ecall placed after `code` ends the snippet silently. Any
 * other trap is logged and, unless an interrupt hook handles it, ends the snippet:
 * execution continues after the macro in M-mode with mstatus.MIE=0, MPRV=0 (and MPP=U,
 * left by mret: set MPP before setting MPRV) and the registers as they were at the trap. A trap delegated to S-mode is
 * logged by the S-mode handler, which then leaves through an ecall to M-mode (so medeleg[9] must stay clear while a
 * snippet runs). RUN clears the trap log first. `code` may use the local labels 1..9.
 * run_start holds the virtual address of the snippet's first instruction. */
#pragma once
#include "lib.h"

#define PRV_U 0UL
#define PRV_S 1UL
#define PRV_M 3UL

#define MSTATUS_SIE (1UL << 1)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_SPP (1UL << 8)
#define MSTATUS_MPP_S (1UL << 11)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM (1UL << 18)
#define MSTATUS_MXR (1UL << 19)
#define MSTATUS_TVM (1UL << 20)
#define MSTATUS_TW (1UL << 21)
#define MSTATUS_TSR (1UL << 22)

#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define IRQ_SEI 9
#define INTERRUPT (1UL << 63)

#define CAUSE_FETCH_ACCESS 1
#define CAUSE_ILLEGAL 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_U 8
#define CAUSE_ECALL_S 9
#define CAUSE_ECALL_M 11
#define CAUSE_FETCH_PAGE 12
#define CAUSE_LOAD_PAGE 13
#define CAUSE_STORE_PAGE 15

struct trap_entry {
  uint64_t level;  /* PRV_M or PRV_S: where the trap was taken */
  uint64_t cause;  /* mcause or scause */
  uint64_t epc;    /* mepc or sepc */
  uint64_t tval;   /* mtval or stval */
  uint64_t status; /* mstatus or sstatus on entry */
  uint64_t vec;    /* S-mode vector entry taken (0..15), or VEC_DIRECT */
};
#define VEC_DIRECT 99
#define TLOG_MAX 8
struct trap_log {
  uint64_t n; /* traps logged (entries beyond TLOG_MAX are counted, not stored) */
  struct trap_entry e[TLOG_MAX];
};
extern volatile struct trap_log tlog;

/* Called for interrupts taken at that level instead of ending the snippet; the hook must
 * clear or mask the source, and the interrupted code resumes. The S hook runs in S-mode. */
extern void (*volatile m_irq_hook)(uint64_t cause);
extern void (*volatile s_irq_hook)(uint64_t cause);

struct run_ctl {
  uint64_t resume; /* M-mode address where the snippet ends (one-shot) */
  uint64_t end;    /* virtual address of the snippet's closing ecall */
  uint64_t start;  /* virtual address of the snippet's first instruction */
};
extern volatile struct run_ctl run_ctl;
#define run_start (run_ctl.start)

/* Points mtvec/stvec at the handlers, with private trap stacks; clears the log. */
void priv_init(void);
void stvec_direct(void);
void stvec_vectored(void);
void tlog_reset(void);

#define RUN(prv, off, code, x0, x1, x2)                                                                \
  ({                                                                                                   \
    tlog_reset();                                                                                      \
    register uint64_t a0_ asm("a0") = (uint64_t)(x0);                                                  \
    register uint64_t a1_ asm("a1") = (uint64_t)(x1);                                                  \
    register uint64_t a2_ asm("a2") = (uint64_t)(x2);                                                  \
    asm volatile(                                                                                      \
        ".option push\n.option norvc\n"                                                                \
        "la t0, 72f\n sd t0, 0(%[rc])\n"                                                               \
        "la t0, 73f\n add t0, t0, %[of]\n sd t0, 8(%[rc])\n"                                           \
        "la t0, 71f\n add t0, t0, %[of]\n sd t0, 16(%[rc])\n csrw mepc, t0\n"                          \
        "li t0, 0x1880\n csrc mstatus, t0\n slli t0, %[pv], 11\n csrs mstatus, t0\n"                   \
        "mret\n"                                                                                       \
        "71: " code "\n73: ecall\n72:\n.option pop"                                                    \
        : "+r"(a0_)                                                                                    \
        : [rc] "r"(&run_ctl), [of] "r"((uint64_t)(off)), [pv] "r"((uint64_t)(prv)), "r"(a1_), "r"(a2_) \
        : "t0", "t1", "t2", "a3", "a4", "a5", "memory");                                               \
    a0_;                                                                                               \
  })

/* Checks on the trap log; names are "<test>.<field>". NO_TVAL skips the tval check. */
#define NO_TVAL 0x5a5a5a5a5a5a5a5aUL
void expect_trap(const char* t, uint64_t level, uint64_t cause, uint64_t epc, uint64_t tval);
void expect_no_trap(const char* t);
void checkf(const char* t, const char* field, uint64_t got, uint64_t want);
