# Trap entry points for the recording handler (see trap.h). mscratch holds the top of
# a private trap stack; all integer registers are saved, so any code can be interrupted.
  .file "trap.S"
  .text
  .balign 4
  .globl trap_direct_entry
trap_direct_entry:
  csrrw sp, mscratch, sp
  addi sp, sp, -256
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
  csrrw sp, mscratch, sp
  addi sp, sp, -256
  sd t0, 5*8(sp)
  li t0, \n
  j trap_common
  .endr

trap_common:
  sd ra, 1*8(sp)
  sd gp, 3*8(sp)
  sd tp, 4*8(sp)
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
  csrr t1, mscratch              # interrupted sp
  sd t1, 2*8(sp)
  addi t1, sp, 256
  csrw mscratch, t1              # mscratch = trap stack top again, for the next trap
  mv a0, t0
  call trap_handle_c
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
  mret
