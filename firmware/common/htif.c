/* Console and exit through the Spike HTIF tohost/fromhost mailbox (no UART). */
#include "lib.h"

/* Laid out in asm so that fromhost is guaranteed to sit right after tohost (QEMU's spike
 * machine requires both symbols to be 8 bytes in size). */
asm(".pushsection .tohost, \"aw\", @progbits\n"
    ".balign 64\n"
    ".globl tohost\n.type tohost, @object\n.size tohost, 8\ntohost: .dword 0\n"
    ".globl fromhost\n.type fromhost, @object\n.size fromhost, 8\nfromhost: .dword 0\n"
    ".popsection");
extern volatile uint64_t tohost, fromhost;

void console_putc(char c) {
  /* device 1 (console), command 1 (putchar), payload = the character */
  tohost = (1UL << 56) | (1UL << 48) | (uint8_t)c;
  while (tohost != 0) {
  }
  fromhost = 0;
}

void sys_exit(int code) {
  for (;;) tohost = ((uint64_t)code << 1) | 1;
}
