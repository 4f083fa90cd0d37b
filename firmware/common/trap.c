#include "trap.h"

volatile struct trap_record trap_rec;
void (*volatile irq_hook)(uint64_t cause);

extern char trap_direct_entry[], trap_vector_table[];
static uint64_t trap_stack[1024] __attribute__((aligned(16)));

void trap_reset(void) {
  trap_rec.cause = trap_rec.epc = trap_rec.tval = trap_rec.mstatus = 0;
  trap_rec.vec = trap_rec.count = trap_rec.resume = 0;
}

void trap_install_direct(void) {
  CSR_WRITE(mscratch, (uint64_t)&trap_stack[1024]);
  CSR_WRITE(mtvec, (uint64_t)trap_direct_entry);
}

void trap_install_vectored(void) {
  CSR_WRITE(mscratch, (uint64_t)&trap_stack[1024]);
  CSR_WRITE(mtvec, (uint64_t)trap_vector_table | 1);
}

void trap_handle_c(uint64_t vec) {
  uint64_t cause = CSR_READ(mcause), epc = CSR_READ(mepc);
  trap_rec.cause = cause;
  trap_rec.epc = epc;
  trap_rec.tval = CSR_READ(mtval);
  trap_rec.mstatus = CSR_READ(mstatus);
  trap_rec.vec = vec;
  trap_rec.count++;
  if ((int64_t)cause < 0) {
    if (irq_hook) {
      irq_hook(cause);
    } else {
      print_str("interrupt without a hook\n");
      sys_exit(101);
    }
    return;
  }
  if (trap_rec.count > 1000) {
    print_str("runaway traps\n");
    sys_exit(102);
  }
  uint64_t next = trap_rec.resume;
  trap_rec.resume = 0;
  if (!next) {
    uint16_t insn = *(volatile uint16_t*)epc;
    next = epc + ((insn & 3) == 3 ? 4 : 2);
  }
  CSR_WRITE(mepc, next);
  CSR_SET(mstatus, MSTATUS_MPP); /* return to M-mode */
}
