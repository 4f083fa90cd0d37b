# Trap entry points of the privileged-test harness (see priv.h). mscratch and sscratch
# hold the tops of private trap stacks; every integer register is saved, so a snippet
# ended by a trap continues with the registers it had when it trapped.
  .file "priv.S"

#include "trap_frame.inc"

  .macro SAVE_REGS scratch
  FRAME_OPEN \scratch
  sd t0, 5*8(sp)
  FRAME_SAVE_REST \scratch
  .endm

  .text
  .balign 4
  .globl mtrap_entry
mtrap_entry:
  SAVE_REGS mscratch
  call mtrap_c
  FRAME_RESTORE
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
  FRAME_RESTORE
  sret
  # End the snippet: the M-mode handler recognises this ecall by its address and
  # continues at the snippet's resume point.
1:FRAME_RESTORE
  .globl strap_exit_ecall
strap_exit_ecall:
  ecall
2:j 2b
