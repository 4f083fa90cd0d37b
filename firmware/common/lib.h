/* Tiny support library shared by the polyemu guest programs. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* Console back-end: uart.c (NS16550A + SiFive test finisher) or htif.c (Spike HTIF). */
void console_putc(char c);
__attribute__((noreturn)) void sys_exit(int code);

void print_str(const char* s);
void print_hex(uint64_t v); /* 0x-prefixed, 16 digits */
void print_dec(int64_t v);
/* Minimal printf: %s %c %d %u %x %lx %ld %lu %llx %p %% (no widths except %0Nx). */
void printf_(const char* fmt, ...);

void* memset(void* d, int c, size_t n);
void* memcpy(void* d, const void* s, size_t n);

/* Self-checking helpers: check() prints "FAIL <name> got <hex> want <hex>" on mismatch. */
void check(const char* name, uint64_t got, uint64_t want);
/* Prints "<prog>: N checks passed" (or "<prog>: F of N checks failed") and exits with F. */
__attribute__((noreturn)) void finish(const char* prog);
extern unsigned check_count, check_failures;

/* The tests are validated on QEMU 7.2, which deviates from the spec in a few corners
 * (noted where used). A few checks tolerate QEMU's behaviour only when the hart identifies
 * itself as QEMU 7.2 (mvendorid 0, marchid 0x0702xx, QEMU's version number); polyemu
 * (marchid 0) is held to the spec. */
int qemu_quirks(void);

#define CSR_READ(csr)                                    \
  ({                                                     \
    uint64_t v_;                                         \
    asm volatile("csrr %0, " #csr : "=r"(v_)::"memory"); \
    v_;                                                  \
  })
#define CSR_WRITE(csr, v) asm volatile("csrw " #csr ", %0" ::"rK"((uint64_t)(v)) : "memory")
#define CSR_SET(csr, v) asm volatile("csrs " #csr ", %0" ::"rK"((uint64_t)(v)) : "memory")
#define CSR_CLEAR(csr, v) asm volatile("csrc " #csr ", %0" ::"rK"((uint64_t)(v)) : "memory")

/* Memory map (QEMU virt compatible). */
#define UART_BASE 0x10000000UL
#define CLINT_BASE 0x02000000UL
#define CLINT_MSIP (*(volatile uint32_t*)(CLINT_BASE + 0x0))
#define CLINT_MTIMECMP (*(volatile uint64_t*)(CLINT_BASE + 0x4000))
#define CLINT_MTIME (*(volatile uint64_t*)(CLINT_BASE + 0xBFF8))
#define FINISHER_BASE 0x100000UL

#define MSTATUS_MIE (1UL << 3)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_MPP (3UL << 11)
#define MIP_MSIP (1UL << 3)
#define MIP_MTIP (1UL << 7)
