/* Entry of the <name>_sv39.elf benchmark variants: the same program as start.S runs,
   but in S-mode with Sv39 paging on, to measure what address translation costs.
   The page table identity-maps RAM (0x8000_0000..0xC000_0000) with 2 MiB pages,
   read/write/execute, and the first GiB (UART, finisher, CLINT, PLIC) with one 1 GiB
   read/write page. A and D are preset in every leaf, so the hardware never needs to
   update them. No trap is delegated: any trap lands in M-mode in trap.S. */
#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_A 0x40
#define PTE_D 0x80
#define SATP_SV39 (8 << 60)
#define MSTATUS_MPP 0x1800
#define MSTATUS_MPP_S 0x0800

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
    la      t0, __bss_start          /* zero .bss (8-byte aligned in link.ld) */
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    /* S-mode needs a PMP entry to reach memory at all: one NAPOT region covering the
       whole address space. A hart without PMP traps on the CSR write; mtvec points
       just past it for that case. */
    la      t0, .Lpmp_done
    csrw    mtvec, t0
    li      t0, -1
    csrw    pmpaddr0, t0
    li      t0, 0x1f                 /* A=NAPOT, R, W, X */
    csrw    pmpcfg0, t0
    .balign 4
.Lpmp_done:
    la      t0, trap_entry           /* trap.S: any trap is fatal */
    csrw    mtvec, t0
    csrw    medeleg, zero
    csrw    mideleg, zero

    /* root[0]: 1 GiB leaf at 0 (MMIO); root[2]: the level-1 table for 0x8000_0000. */
    la      t0, sv39_root
    li      t1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    sd      t1, 0(t0)
    la      t1, sv39_l1
    srli    t1, t1, 12
    slli    t1, t1, 10
    ori     t1, t1, PTE_V
    sd      t1, 16(t0)
    /* sv39_l1[i]: 2 MiB leaf at 0x8000_0000 + i * 2 MiB, i = 0..511. */
    la      t0, sv39_l1
    li      t1, (0x80000000 >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    li      t2, (0x200000 >> 12) << 10   /* PPN step of one 2 MiB page */
    li      t3, 512
3:  sd      t1, 0(t0)
    add     t1, t1, t2
    addi    t0, t0, 8
    addi    t3, t3, -1
    bnez    t3, 3b

    la      t0, sv39_root
    srli    t0, t0, 12
    li      t1, SATP_SV39
    or      t0, t0, t1
    csrw    satp, t0
    sfence.vma
    li      t0, MSTATUS_MPP
    csrc    mstatus, t0
    li      t0, MSTATUS_MPP_S
    csrs    mstatus, t0
    la      t0, .Lsupervisor
    csrw    mepc, t0
    mret
.Lsupervisor:                        /* S-mode, virtual = physical */
    call    main
    call    bench_exit               /* a0 = main's return value */
.Lpark:
    wfi
    j       .Lpark

    .section .bss.pagetables, "aw", @nobits
    .balign 4096
sv39_root:
    .skip 4096
sv39_l1:
    .skip 4096
