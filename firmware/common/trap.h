/* Recording trap handler shared by traps, timer and swint.
 * trap_install_direct()/trap_install_vectored() point mtvec at the handler. Every trap
 * is recorded in trap_rec. For exceptions the handler resumes at trap_rec.resume (if
 * non-zero, then cleared) or else after the faulting instruction, and sets MPP=M so a
 * trap taken from U-mode returns to M-mode code. For interrupts it calls irq_hook (if
 * set) and returns to the interrupted instruction. */
#pragma once
#include "lib.h"

struct trap_record {
  uint64_t cause, epc, tval, mstatus; /* CSRs as seen on handler entry */
  uint64_t vec;                       /* vector entry taken: 0..15, or TRAP_VEC_DIRECT */
  uint64_t count;                     /* number of traps taken */
  uint64_t resume;                    /* one-shot resume address for the next exception */
};
#define TRAP_VEC_DIRECT 99

extern volatile struct trap_record trap_rec;
extern void (*volatile irq_hook)(uint64_t cause);

void trap_install_direct(void);
void trap_install_vectored(void);
void trap_reset(void); /* clears trap_rec */
