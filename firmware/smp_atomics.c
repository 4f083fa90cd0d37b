/* smp_atomics: two harts hammer shared counters with AMOs, LR/SC loops and a spinlock,
 * then hart 0 checks that no update was lost, and wakes hart 1 from wfi with a CLINT
 * software interrupt (an IPI). Run with two harts (polyemu --smp 2, QEMU -smp 2).
 * Shared state lives in .data: hart 1 starts before hart 0 clears .bss. */
#include "lib.h"

#define HARTS 2
#define ROUNDS 20000

#define SHARED __attribute__((section(".data")))
static volatile uint32_t amo_count SHARED = 0;
static volatile uint64_t lrsc_count SHARED = 0;
static volatile uint32_t lock SHARED = 0;
static volatile uint64_t locked_count SHARED = 0; /* plain loads and stores under the lock */
static volatile uint64_t max_seen SHARED = 0;
static volatile uint32_t done SHARED = 0;
static volatile uint32_t ipi_seen SHARED = 0;
static volatile uint32_t sc_failures[HARTS] SHARED = {0};

static void lrsc_increment(uint64_t hart) {
  uint64_t v, fail;
  for (;;) {
    asm volatile("lr.d %0, (%1)" : "=&r"(v) : "r"(&lrsc_count) : "memory");
    asm volatile("sc.d %0, %1, (%2)" : "=&r"(fail) : "r"(v + 1), "r"(&lrsc_count) : "memory");
    if (!fail) return;
    sc_failures[hart]++;
  }
}

static void work(uint64_t hart) {
  for (uint32_t i = 0; i < ROUNDS; i++) {
    asm volatile("amoadd.w zero, %0, (%1)" ::"r"(1), "r"(&amo_count) : "memory");
    lrsc_increment(hart);
    uint32_t old;
    do asm volatile("amoswap.w.aq %0, %1, (%2)" : "=r"(old) : "r"(1), "r"(&lock) : "memory");
    while (old);
    locked_count = locked_count + 1;
    asm volatile("amoswap.w.rl zero, zero, (%0)" ::"r"(&lock) : "memory");
    uint64_t mine = hart * 1000000 + i;
    asm volatile("amomaxu.d zero, %0, (%1)" ::"r"(mine), "r"(&max_seen) : "memory");
  }
  asm volatile("amoadd.w zero, %0, (%1)" ::"r"(1), "r"(&done) : "memory");
}

/* Hart 1: its share of the work, then wait for hart 0's IPI with MIE off (wfi wakes on a
 * pending interrupt enabled in mie alone). */
void secondary_main(uint64_t hart) {
  if (hart != 1) return;
  work(hart);
  CSR_WRITE(mie, MIP_MSIP);
  while (!(CSR_READ(mip) & MIP_MSIP)) asm volatile("wfi");
  *(volatile uint32_t*)(CLINT_BASE + 4 * hart) = 0; /* acknowledge: clear msip */
  ipi_seen = 1;
}

static int wait_for(volatile uint32_t* v, uint32_t want) {
  for (uint64_t spins = 0; spins < 100000000; spins++)
    if (*v == want) return 1;
  return 0;
}

int main(void) {
  work(0);
  check("all harts finished", wait_for(&done, HARTS), 1);
  check("amoadd.w count", amo_count, HARTS * ROUNDS);
  check("lr/sc count", lrsc_count, HARTS * ROUNDS);
  check("spinlock count", locked_count, HARTS * ROUNDS);
  check("amomaxu.d", max_seen, 1000000 + ROUNDS - 1);
  check("lock released", lock, 0);
  *(volatile uint32_t*)(CLINT_BASE + 4) = 1; /* msip of hart 1 */
  check("IPI woke hart 1", wait_for(&ipi_seen, 1), 1);
  check("hart 1 cleared its msip", *(volatile uint32_t*)(CLINT_BASE + 4), 0);
  finish("smp_atomics");
}
