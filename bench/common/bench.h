/* Shared helpers for the polyemu bare-metal benchmarks. */
#ifndef POLYEMU_BENCH_H
#define POLYEMU_BENCH_H

#include <stddef.h>
#include <stdint.h>

#define UART_BASE 0x10000000UL     /* NS16550A: THR +0, LSR +5 (bit5 = THR empty) */
#define FINISHER_BASE 0x00100000UL /* SiFive test finisher */

void bench_putc(char c);
void bench_puts(const char* s);
void bench_put_hex(uint64_t v, int digits);
void bench_put_dec(uint64_t v);
/* Prints "<name>: checksum <hex>\n" (digits = 8 or 16). */
void bench_result(const char* name, uint64_t checksum, int digits);
/* Prints "<name>: FAIL <msg>\n" and exits with code 1. */
void bench_fail(const char* name, const char* msg) __attribute__((noreturn));
void bench_exit(int code) __attribute__((noreturn));

/* Deterministic PRNG (xorshift64*). */
static inline uint64_t bench_rand(uint64_t* s) {
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

void* memset(void* d, int c, size_t n);
void* memcpy(void* d, const void* s, size_t n);
void* memmove(void* d, const void* s, size_t n);
int memcmp(const void* a, const void* b, size_t n);

#endif
