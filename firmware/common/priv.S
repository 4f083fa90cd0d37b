# Trap entry points of the privileged-test harness (see priv.h). mscratch and sscratch
# hold the tops of private trap stacks; every integer register is saved, so a snippet
# ended by a trap continues with the registers it had when it trapped.
  .file "priv.S"

  .macro SAVE_REGS scratch
  csrrw sp, \scratch, sp
  addi sp, sp, -256
  sd ra, 1*8(sp)
  sd gp, 3*8(sp)
  sd tp, 4*8(sp)
  sd t0, 5*8(sp)
  sd t1, 6*8(sp)
  sd t2, 7*8(sp)
  sd s0, 8*8(sp)
  sd s1, 9*8(sp)
  sd a0, 10*8(sp)
  sd a1, 11*8(sp)
  sd a2, 12*8(sp)
  sd a3, 13*8(sp)
  sd a4, 14*8(sp)
  sd a5, 15*8(sp)
  sd a6, 16*8(sp)
  sd a7, 17*8(sp)
  sd s2, 18*8(sp)
  sd s3, 19*8(sp)
  sd s4, 20*8(sp)
  sd s5, 21*8(sp)
  sd s6, 22*8(sp)
  sd s7, 23*8(sp)
  sd s8, 24*8(sp)
  sd s9, 25*8(sp)
  sd s10, 26*8(sp)
  sd s11, 27*8(sp)
  sd t3, 28*8(sp)
  sd t4, 29*8(sp)
  sd t5, 30*8(sp)
  sd t6, 31*8(sp)
  csrr t1, \scratch              # interrupted sp
  sd t1, 2*8(sp)
  addi t1, sp, 256
  csrw \scratch, t1              # the trap stack top again, for the next trap
  .endm

  .macro RESTORE_REGS
  ld ra, 1*8(sp)
  ld gp, 3*8(sp)
  ld tp, 4*8(sp)
  ld t0, 5*8(sp)
  ld t1, 6*8(sp)
  ld t2, 7*8(sp)
  ld s0, 8*8(sp)
  ld s1, 9*8(sp)
  ld a0, 10*8(sp)
  ld a1, 11*8(sp)
  ld a2, 12*8(sp)
  ld a3, 13*8(sp)
  ld a4, 14*8(sp)
  ld a5, 15*8(sp)
  ld a6, 16*8(sp)
  ld a7, 17*8(sp)
  ld s2, 18*8(sp)
  ld s3, 19*8(sp)
  ld s4, 20*8(sp)
  ld s5, 21*8(sp)
  ld s6, 22*8(sp)
  ld s7, 23*8(sp)
  ld s8, 24*8(sp)
  ld s9, 25*8(sp)
  ld s10, 26*8(sp)
  ld s11, 27*8(sp)
  ld t3, 28*8(sp)
  ld t4, 29*8(sp)
  ld t5, 30*8(sp)
  ld t6, 31*8(sp)
  ld sp, 2*8(sp)
  .endm

  .text
  .balign 4
  .globl mtrap_entry
mtrap_entry:
  SAVE_REGS mscratch
  call mtrap_c
  RESTORE_REGS
  mret

  # S-mode, direct mode: every trap enters here.
  .balign 4
  .globl strap_entry
strap_entry:
  SAVE_REGS sscratch
  li a0, 99                      # VEC_DIRECT
  j strap_common

  # S-mode, vectored mode: entry i at base + 4*i, one 4-byte jump each.
  .balign 256
  .globl strap_vector_table
strap_vector_table:
  .option push
  .option norvc
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  j strap_vec_\n
  .endr
  .option pop

  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
strap_vec_\n:
  SAVE_REGS sscratch
  li a0, \n
  j strap_common
  .endr

strap_common:
  call strap_c
  bnez a0, 1f
  RESTORE_REGS
  sret
  # End the snippet: the M-mode handler recognises this ecall by its address and
  # continues at the snippet's resume point.
1:RESTORE_REGS
  .globl strap_exit_ecall
strap_exit_ecall:
  ecall
2:j 2b
