# Shared entry point: 0x80000000, M-mode. Hart 0 runs main; every other hart calls
# secondary_main(hartid) on a 4 KiB stack of its own (by default it parks in wfi), without
# waiting for .bss to be cleared: SMP programs keep shared state in .data.
  .file "start.S"
  .section .text.init, "ax", @progbits
  .globl _start
_start:
  .option push
  .option norelax
  csrw mie, zero                # no interrupt sources enabled
  csrci mstatus, 0x8            # MIE = 0
  la t0, default_trap
  csrw mtvec, t0
  la sp, __stack_top
  csrr a0, mhartid
  beqz a0, 4f
  li t0, 4096                   # hart n: stack top at __stack_top - 32 KiB - (n-1) * 4 KiB
  addi t1, a0, 7
  mul t0, t0, t1
  sub sp, sp, t0
  call secondary_main
5:wfi
  j 5b
4:
#ifdef __riscv_flen
  li t0, 1 << 13                # mstatus.FS = Initial: programs built with F/D use the FPU
  csrs mstatus, t0
#endif
  .option pop
  # zero .bss
  la t0, __bss_start
  la t1, __bss_end
1:bgeu t0, t1, 2f
  sd zero, 0(t0)
  addi t0, t0, 8
  j 1b
2:li a0, 0
  li a1, 0
  call main
  call sys_exit                 # exit code = main's return value
3:j 3b

# Catches any trap a program did not arrange for: report it and exit with code 100.
  .text
  .balign 4
  .globl default_trap
default_trap:
  la sp, __trap_stack_top
  csrr a0, mcause
  csrr a1, mepc
  csrr a2, mtval
  call unexpected_trap
4:j 4b

# The default for programs that use one hart: the others wait forever.
  .text
  .weak secondary_main
secondary_main:
1:wfi
  j 1b
