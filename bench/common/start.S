/* Minimal bare-metal entry for polyemu benchmarks (QEMU virt layout, -bios none). */
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, .Lpark              /* only hart 0 runs the benchmark */
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_top
    la      t0, trap_entry           /* trap.S: any trap is fatal */
    csrw    mtvec, t0
    la      t0, __bss_start          /* zero .bss (8-byte aligned in link.ld) */
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  call    main
    call    bench_exit               /* a0 = main's return value */
.Lpark:
    wfi
    j       .Lpark
