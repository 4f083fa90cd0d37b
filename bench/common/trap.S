/* Fatal trap handler shared by the benchmark entries: any trap reports its CSRs and
   exits with code 1. Runs in M-mode (nothing is delegated), so it reaches the UART
   and the finisher physically even when the benchmark runs under paging. */
    .text
    .align 4
    .globl trap_entry
trap_entry:
    la      sp, __stack_top
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    bench_trap
1:  j       1b
