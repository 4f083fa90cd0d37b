# Trap entry points for the recording handler (see trap.h). mscratch holds the top of
# a private trap stack; all integer registers are saved, so any code can be interrupted.
  .file "trap.S"
#include "trap_frame.inc"

  .text
  .balign 4
  .globl trap_direct_entry
trap_direct_entry:
  FRAME_OPEN mscratch
  sd t0, 5*8(sp)
  li t0, 99                      # TRAP_VEC_DIRECT
  j trap_common

  # Vector table for vectored mode: entry i at base + 4*i. Each entry is one 4-byte jump.
  .balign 256
  .globl trap_vector_table
trap_vector_table:
  .option push
  .option norvc
  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  j trap_vec_\n
  .endr
  .option pop

  .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
trap_vec_\n:
  FRAME_OPEN mscratch
  sd t0, 5*8(sp)
  li t0, \n
  j trap_common
  .endr

trap_common:
  FRAME_SAVE_REST mscratch
  mv a0, t0
  call trap_handle_c
  FRAME_RESTORE
  mret
