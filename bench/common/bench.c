#include "bench.h"

static volatile uint8_t* const uart = (volatile uint8_t*)UART_BASE;

void bench_putc(char c) {
  while (!(uart[5] & 0x20)) {
  }
  uart[0] = (uint8_t)c;
}

void bench_puts(const char* s) {
  while (*s) bench_putc(*s++);
}

void bench_put_hex(uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; i--) bench_putc("0123456789abcdef"[(v >> (4 * i)) & 0xf]);
}

void bench_put_dec(uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) bench_putc(buf[--n]);
}

void bench_result(const char* name, uint64_t checksum, int digits) {
  bench_puts(name);
  bench_puts(": checksum ");
  bench_put_hex(checksum, digits);
  bench_putc('\n');
#ifdef BENCH_INSTRET
  /* Only meaningful under `qemu -icount shift=0` (then minstret counts guest insns). */
  uint64_t n;
  __asm__ volatile("csrr %0, minstret" : "=r"(n));
  bench_puts(name);
  bench_puts(": instret ");
  bench_put_dec(n);
  bench_putc('\n');
#endif
}

void bench_exit(int code) {
  volatile uint32_t* fin = (volatile uint32_t*)FINISHER_BASE;
  *fin = code == 0 ? 0x5555u : (((uint32_t)code << 16) | 0x3333u);
  for (;;) __asm__ volatile("wfi");
}

void bench_fail(const char* name, const char* msg) {
  bench_puts(name);
  bench_puts(": FAIL ");
  bench_puts(msg);
  bench_putc('\n');
  bench_exit(1);
}

void bench_trap(uint64_t cause, uint64_t epc, uint64_t tval) {
  bench_puts("TRAP mcause=");
  bench_put_hex(cause, 16);
  bench_puts(" mepc=");
  bench_put_hex(epc, 16);
  bench_puts(" mtval=");
  bench_put_hex(tval, 16);
  bench_putc('\n');
  bench_exit(1);
}

/* The compiler may emit calls to these even in freestanding mode; keep it from
   turning their own loops back into calls to themselves. */
#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
NO_LIBCALL void* memset(void* d, int c, size_t n) {
  uint8_t* p = d;
  while (n--) *p++ = (uint8_t)c;
  return d;
}

NO_LIBCALL void* memcpy(void* d, const void* s, size_t n) {
  uint8_t* p = d;
  const uint8_t* q = s;
  while (n--) *p++ = *q++;
  return d;
}

NO_LIBCALL void* memmove(void* d, const void* s, size_t n) {
  uint8_t* p = d;
  const uint8_t* q = s;
  if (p < q) {
    while (n--) *p++ = *q++;
  } else {
    while (n--) p[n] = q[n];
  }
  return d;
}

NO_LIBCALL int memcmp(const void* a, const void* b, size_t n) {
  const uint8_t *p = a, *q = b;
  for (; n; n--, p++, q++)
    if (*p != *q) return *p - *q;
  return 0;
}
