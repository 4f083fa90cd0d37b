# Compressed-instruction tests for isa_rv64c. Every instruction under test is written as
# an explicit c.* mnemonic so the assembler must emit the 16-bit encoding. Expected values
# follow the RISC-V unprivileged spec (RVC chapter). c.ebreak is covered by traps.
  .file "isa_rv64c_tests.S"

# CHECK reg, want, "name": calls check(name, reg, want) (clobbers caller-saved registers)
.macro CHECK reg, want, name
  .pushsection .rodata.rvc_names, "a"
.Lname\@: .asciz "\name"
  .popsection
  mv a1, \reg
  li a2, \want
  la a0, .Lname\@
  call check
.endm

  .section .rodata
  .balign 8
rvc_data:                           # read-only source data for the load tests
  .dword 0x8000000180000002         # +0: words 0x80000002, 0x80000001
  .dword 0x7fffffff00000005         # +8
  .fill 13, 8, 0x1111111111111111   # +16..+119
  .dword 0xfedcba9876543210         # +120: c.lw/c.ld at offset 120
  .dword 0x0123456789abcdef         # +128

  .text
  .option rvc
  .globl rvc_tests
rvc_tests:
  addi sp, sp, -640
  sd ra, 600(sp)
  sd s0, 608(sp)
  sd s1, 616(sp)

  # ---- c.li / c.lui / c.addi / c.addiw / c.nop ----
  li a0, 12345
  c.li a0, -32
  CHECK a0, -32, "c.li a0, -32"
  c.li a5, 31
  CHECK a5, 31, "c.li a5, 31"
  c.li t6, -1
  CHECK t6, 0xffffffffffffffff, "c.li t6, -1"
  li s0, 77
  c.li s0, 0
  CHECK s0, 0, "c.li s0, 0"

  c.lui a0, 1
  CHECK a0, 0x1000, "c.lui a0, 1"
  c.lui a5, 31
  CHECK a5, 0x1f000, "c.lui a5, 31"
  c.lui a0, 0xfffe0
  CHECK a0, 0xfffffffffffe0000, "c.lui a0, 0xfffe0"
  c.lui ra, 0xfffff
  CHECK ra, 0xfffffffffffff000, "c.lui ra, 0xfffff"
  c.lui t6, 0x10
  CHECK t6, 0x10000, "c.lui t6, 0x10"

  li a0, 100
  c.addi a0, -32
  CHECK a0, 68, "c.addi a0, -32"
  li a0, 100
  c.addi a0, 31
  CHECK a0, 131, "c.addi a0, 31"
  li t5, -1
  c.addi t5, 1
  CHECK t5, 0, "c.addi t5, 1 wraps"
  li a0, 0x7fffffffffffffff
  c.addi a0, 1
  CHECK a0, 0x8000000000000000, "c.addi overflow"

  li a0, 0x80000000
  c.addiw a0, 0
  CHECK a0, 0xffffffff80000000, "c.addiw a0, 0 (sext.w)"
  li a0, 0x7fffffff
  c.addiw a0, 1
  CHECK a0, 0xffffffff80000000, "c.addiw 0x7fffffff, 1"
  li a0, 0x100000000
  c.addiw a0, -1
  CHECK a0, 0xffffffffffffffff, "c.addiw 0x100000000, -1"
  li t4, 0xffffffff00000010
  c.addiw t4, 31
  CHECK t4, 0x2f, "c.addiw t4, 31"

  li a0, 55
  c.nop
  CHECK a0, 55, "c.nop"

  # ---- c.addi4spn / c.addi16sp ----
  c.addi4spn a0, sp, 1020
  sub a0, a0, sp
  CHECK a0, 1020, "c.addi4spn a0, sp, 1020"
  c.addi4spn s0, sp, 4
  sub s0, s0, sp
  CHECK s0, 4, "c.addi4spn s0, sp, 4"
  c.addi4spn a5, sp, 520
  sub a5, a5, sp
  CHECK a5, 520, "c.addi4spn a5, sp, 520"
  mv s1, sp
  c.addi16sp sp, -512
  sub a0, s1, sp
  mv sp, s1
  CHECK a0, 512, "c.addi16sp sp, -512"
  mv s1, sp
  c.addi16sp sp, 496
  sub a0, sp, s1
  mv sp, s1
  CHECK a0, 496, "c.addi16sp sp, 496"
  mv s1, sp
  c.addi16sp sp, -16
  sub a0, s1, sp
  mv sp, s1
  CHECK a0, 16, "c.addi16sp sp, -16"

  # ---- shifts and c.andi ----
  li a0, 1
  c.slli a0, 63
  CHECK a0, 0x8000000000000000, "c.slli a0, 63"
  li t3, 0x12345678
  c.slli t3, 32
  CHECK t3, 0x1234567800000000, "c.slli t3, 32"
  li ra, 0x4000000000000003
  c.slli ra, 1
  CHECK ra, 0x8000000000000006, "c.slli ra, 1"
  li a0, 0x8000000000000000
  c.srli a0, 63
  CHECK a0, 1, "c.srli a0, 63"
  li a5, 0xf0000000ffffffff
  c.srli a5, 32
  CHECK a5, 0xf0000000, "c.srli a5, 32"
  li s0, 0xff
  c.srli s0, 1
  CHECK s0, 0x7f, "c.srli s0, 1"
  li a0, 0x8000000000000000
  c.srai a0, 63
  CHECK a0, 0xffffffffffffffff, "c.srai a0, 63"
  li s1, 0x8000000000000000
  c.srai s1, 32
  CHECK s1, 0xffffffff80000000, "c.srai s1, 32"
  li a5, 0x7000000000000000
  c.srai a5, 1
  CHECK a5, 0x3800000000000000, "c.srai a5, 1"
  li a0, 0x123456789abcdeff
  c.andi a0, -32
  CHECK a0, 0x123456789abcdee0, "c.andi a0, -32"
  li a1, 0x123456789abcdeff
  c.andi a1, 31
  CHECK a1, 0x1f, "c.andi a1, 31"
  li s0, -1
  c.andi s0, 0
  CHECK s0, 0, "c.andi s0, 0"

  # ---- register-register ALU ----
  li a0, 10
  li a1, 30
  c.sub a0, a1
  CHECK a0, 0xffffffffffffffec, "c.sub 10 - 30"
  li s0, 0x8000000000000000
  li a5, 1
  c.sub s0, a5
  CHECK s0, 0x7fffffffffffffff, "c.sub s0, a5 wraps"
  li a0, 0xff00ff00ff00ff00
  li a1, 0x0ff00ff00ff00ff0
  c.xor a0, a1
  CHECK a0, 0xf0f0f0f0f0f0f0f0, "c.xor"
  li a2, 0xff00ff00ff00ff00
  li a3, 0x0ff00ff00ff00ff0
  c.or a2, a3
  CHECK a2, 0xfff0fff0fff0fff0, "c.or"
  li a4, 0xff00ff00ff00ff00
  li s1, 0x0ff00ff00ff00ff0
  c.and a4, s1
  CHECK a4, 0x0f000f000f000f00, "c.and"
  li a0, 0x80000000
  li a1, 1
  c.subw a0, a1
  CHECK a0, 0x7fffffff, "c.subw 0x80000000 - 1"
  li a0, 0
  li a1, 1
  c.subw a0, a1
  CHECK a0, 0xffffffffffffffff, "c.subw 0 - 1"
  li a0, 0x7fffffff
  li a1, 1
  c.addw a0, a1
  CHECK a0, 0xffffffff80000000, "c.addw 0x7fffffff + 1"
  li a0, 0xaaaaaaaa00000001
  li a5, 0x5555555500000002
  c.addw a0, a5
  CHECK a0, 3, "c.addw ignores upper bits"
  li t0, 0xdeadbeef
  li t6, 0x123456789
  c.mv t0, t6
  CHECK t0, 0x123456789, "c.mv t0, t6"
  li a0, 0xffffffffffffffff
  li t2, 2
  c.add a0, t2
  CHECK a0, 1, "c.add wraps"
  li ra, 0x7fffffffffffffff
  li a0, 0x7fffffffffffffff
  c.add ra, a0
  CHECK ra, 0xfffffffffffffffe, "c.add ra, a0"

  # ---- loads and stores ----
  la s0, rvc_data
  c.lw a0, 0(s0)
  CHECK a0, 0xffffffff80000002, "c.lw sign-extends"
  la s0, rvc_data
  c.lw a5, 4(s0)
  CHECK a5, 0xffffffff80000001, "c.lw a5, 4(s0)"
  la a5, rvc_data
  c.lw s0, 8(a5)
  CHECK s0, 5, "c.lw s0, 8(a5)"
  la a1, rvc_data
  c.lw a2, 124(a1)
  CHECK a2, 0xfffffffffedcba98, "c.lw a2, 124(a1)"
  la a1, rvc_data
  c.ld a2, 0(a1)
  CHECK a2, 0x8000000180000002, "c.ld a2, 0(a1)"
  la a1, rvc_data
  c.ld a3, 120(a1)
  CHECK a3, 0xfedcba9876543210, "c.ld a3, 120(a1)"
  la s1, rvc_data
  c.ld s1, 128(s1)
  CHECK s1, 0x0123456789abcdef, "c.ld s1, 128(s1)"

  # stores into the stack frame: sp+0..sp+599 is scratch
  li a0, -1
  sd a0, 0(sp)
  sd a0, 8(sp)
  sd a0, 248(sp)
  mv a1, sp
  li a2, 0x1122334455667788
  c.sw a2, 4(a1)
  ld a0, 0(sp)
  CHECK a0, 0x55667788ffffffff, "c.sw writes one word"
  mv a1, sp
  li a2, 0x0102030405060708
  c.sd a2, 8(a1)
  ld a0, 8(sp)
  CHECK a0, 0x0102030405060708, "c.sd a2, 8(a1)"
  mv s0, sp
  li a5, 0x0a0b0c0d0e0f1011
  c.sd a5, 248(s0)
  ld a0, 248(sp)
  CHECK a0, 0x0a0b0c0d0e0f1011, "c.sd a5, 248(s0)"
  mv s0, sp
  li a5, 0xcafef00d
  c.sw a5, 124(s0)
  lwu a0, 124(sp)
  CHECK a0, 0xcafef00d, "c.sw a5, 124(s0)"

  # ---- sp-relative loads and stores ----
  li a0, 0x80000000fffffff0
  sd a0, 248(sp)
  li a0, 0x0123456789abcdef
  sd a0, 504(sp)
  li a0, 0x7fffffff80000000
  sd a0, 0(sp)
  c.lwsp a1, 248(sp)
  CHECK a1, 0xfffffffffffffff0, "c.lwsp a1, 248(sp)"
  c.lwsp t6, 252(sp)
  CHECK t6, 0xffffffff80000000, "c.lwsp t6, 252(sp)"
  c.lwsp ra, 4(sp)
  CHECK ra, 0x7fffffff, "c.lwsp ra, 4(sp)"
  c.ldsp a2, 504(sp)
  CHECK a2, 0x0123456789abcdef, "c.ldsp a2, 504(sp)"
  c.ldsp t0, 0(sp)
  CHECK t0, 0x7fffffff80000000, "c.ldsp t0, 0(sp)"
  li a0, 0
  sd a0, 16(sp)
  sd a0, 248(sp)
  sd a0, 496(sp)
  li t1, 0xaaaaaaaa87654321
  c.swsp t1, 20(sp)
  ld a0, 16(sp)
  CHECK a0, 0x8765432100000000, "c.swsp t1, 20(sp)"
  li t1, 0x1234567887654321
  c.swsp t1, 252(sp)
  ld a0, 248(sp)
  CHECK a0, 0x8765432100000000, "c.swsp t1, 252(sp)"
  li t2, 0xfedcba9876543210
  c.sdsp t2, 496(sp)
  ld a0, 496(sp)
  CHECK a0, 0xfedcba9876543210, "c.sdsp t2, 496(sp)"
  li t2, 0x1111222233334444
  c.sdsp t2, 0(sp)
  ld a0, 0(sp)
  CHECK a0, 0x1111222233334444, "c.sdsp t2, 0(sp)"

  # ---- control transfer ----
  # c.j forward and backward
  li a0, 0
  c.j 1f
  li a0, 1
1:CHECK a0, 0, "c.j forward"
  li a0, 0
  c.j 2f
1:c.j 3f
  li a0, 2
2:c.j 1b
  li a0, 1
3:CHECK a0, 0, "c.j backward"

  # c.beqz / c.bnez taken and not taken, both directions
  li a0, 1
  li s0, 0
  c.beqz s0, 1f
  li a0, 2
1:CHECK a0, 1, "c.beqz fwd taken"
  li a0, 1
  li s0, 0x100000000
  c.beqz s0, 1f
  li a0, 2
1:CHECK a0, 2, "c.beqz fwd not taken"
  li a0, 1
  li a5, 0x100000000
  c.bnez a5, 1f
  li a0, 2
1:CHECK a0, 1, "c.bnez fwd taken"
  li a0, 1
  li a5, 0
  c.bnez a5, 1f
  li a0, 2
1:CHECK a0, 2, "c.bnez fwd not taken"
  # backward: count a loop down with c.bnez
  li a0, 0
  li a1, 5
1:c.addi a0, 3
  c.addi a1, -1
  c.bnez a1, 1b
  CHECK a0, 15, "c.bnez backward loop"
  li a0, 0
  li s1, 0
  c.j 2f
1:c.li a0, 1
  c.j 3f
2:c.beqz s1, 1b
  c.li a0, 2
3:CHECK a0, 1, "c.beqz backward taken"
  li a0, 0
  li s1, 7
  c.j 2f
1:c.li a0, 1
  c.j 3f
2:c.beqz s1, 1b
  c.li a0, 2
3:CHECK a0, 2, "c.beqz backward not taken"

  # c.jr: no link written
  li a0, 0
  li ra, 0x1234
  la t0, 1f
  c.jr t0
  li a0, 1
1:CHECK a0, 0, "c.jr skipped"
  li ra, 0x1234
  la a5, 1f
  c.jr a5
1:CHECK ra, 0x1234, "c.jr leaves ra"

  # c.jalr: ra = address of the next instruction (pc + 2)
  li a0, 0
  la t0, 1f
  la s1, 2f
  c.jalr t0
2:li a0, 1
1:sub a1, ra, s1
  CHECK a0, 0, "c.jalr skipped"
  CHECK a1, 0, "c.jalr link = pc+2"
  # c.jalr ra: target is the old ra
  li a0, 0
  la ra, 1f
  la s1, 2f
  c.jalr ra
2:li a0, 1
1:sub a1, ra, s1
  CHECK a0, 0, "c.jalr ra skipped"
  CHECK a1, 0, "c.jalr ra link"
  # c.jalr to an odd address: bit 0 is cleared
  li a0, 0
  la t1, 1f
  addi t1, t1, 1
  la s1, 2f
  c.jalr t1
2:li a0, 1
1:sub a1, ra, s1
  CHECK a0, 0, "c.jalr odd skipped"
  CHECK a1, 0, "c.jalr odd link"

  # a 32-bit instruction following a 16-bit one at a 2-byte-aligned address
  .balign 4
  c.li a0, 1
  addi a0, a0, 0x123
  CHECK a0, 0x124, "32-bit insn at pc%4==2"

  ld ra, 600(sp)
  ld s0, 608(sp)
  ld s1, 616(sp)
  addi sp, sp, 640
  ret
