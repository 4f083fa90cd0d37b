#include "lib.h"

#include <stdarg.h>

unsigned check_count, check_failures;

void print_str(const char* s) {
  while (*s) console_putc(*s++);
}

static void print_hex_digits(uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; i--) console_putc("0123456789abcdef"[(v >> (4 * i)) & 0xf]);
}

void print_hex(uint64_t v) {
  print_str("0x");
  print_hex_digits(v, 16);
}

static void print_udec(uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) console_putc(buf[--n]);
}

void print_dec(int64_t v) {
  if (v < 0) {
    console_putc('-');
    print_udec(-(uint64_t)v);
  } else {
    print_udec((uint64_t)v);
  }
}

void printf_(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      console_putc(*fmt);
      continue;
    }
    fmt++;
    int width = 0, lng = 0;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') lng++, fmt++;
    switch (*fmt) {
      case 's': print_str(va_arg(ap, const char*)); break;
      case 'c': console_putc((char)va_arg(ap, int)); break;
      case 'd': print_dec(lng ? va_arg(ap, int64_t) : va_arg(ap, int)); break;
      case 'u': print_udec(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned)); break;
      case 'p': print_hex(va_arg(ap, uintptr_t)); break;
      case 'x': {
        uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
        int digits = 1;
        while (digits < 16 && (v >> (4 * digits))) digits++;
        print_hex_digits(v, width > digits ? (width > 16 ? 16 : width) : digits);
        break;
      }
      case '%': console_putc('%'); break;
      case 0: fmt--; break;
      default:
        console_putc('%');
        console_putc(*fmt);
        break;
    }
  }
  va_end(ap);
}

void* memset(void* d, int c, size_t n) {
  unsigned char* p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}

void* memcpy(void* d, const void* s, size_t n) {
  unsigned char* p = d;
  const unsigned char* q = s;
  while (n--) *p++ = *q++;
  return d;
}

int qemu_quirks(void) {
  uint64_t vendor, arch;
  asm volatile("csrr %0, mvendorid" : "=r"(vendor));
  asm volatile("csrr %0, marchid" : "=r"(arch));
  return vendor == 0 && (arch >> 8) == 0x0702; /* QEMU 7.2.x: marchid = 0x0702<micro> */
}

void check(const char* name, uint64_t got, uint64_t want) {
  check_count++;
  if (got != want) {
    check_failures++;
    print_str("FAIL ");
    print_str(name);
    print_str(" got ");
    print_hex(got);
    print_str(" want ");
    print_hex(want);
    console_putc('\n');
  }
}

void finish(const char* prog) {
  print_str(prog);
  print_str(": ");
  if (check_failures) {
    print_udec(check_failures);
    print_str(" of ");
    print_udec(check_count);
    print_str(" checks failed\n");
  } else {
    print_udec(check_count);
    print_str(" checks passed\n");
  }
  sys_exit(check_failures > 255 ? 255 : (int)check_failures);
}

/* Called by default_trap (start.S) for traps nobody expected. */
void unexpected_trap(uint64_t cause, uint64_t epc, uint64_t tval) {
  print_str("unexpected trap mcause=");
  print_hex(cause);
  print_str(" mepc=");
  print_hex(epc);
  print_str(" mtval=");
  print_hex(tval);
  console_putc('\n');
  sys_exit(100);
}
