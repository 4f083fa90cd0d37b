/* Helpers for the self-checking ISA tests: each macro executes one exact instruction
 * (compressed encodings disabled with .option norvc) and checks the result. */
#pragma once
#include "lib.h"

#define NORVC ".option push\n.option norvc\n"
#define POPRVC "\n.option pop"

/* rd = op(rs1, rs2) */
#define RR(op, a, b, want)                                                                            \
  do {                                                                                                \
    uint64_t r_;                                                                                      \
    asm volatile(NORVC #op " %0, %1, %2" POPRVC : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); \
    check(#op "(" #a ", " #b ")", r_, (uint64_t)(want));                                              \
  } while (0)

/* rd = op(rs1, imm) */
#define RI(op, a, imm, want)                                                                \
  do {                                                                                      \
    uint64_t r_;                                                                            \
    asm volatile(NORVC #op " %0, %1, %2" POPRVC : "=r"(r_) : "r"((uint64_t)(a)), "i"(imm)); \
    check(#op "(" #a ", " #imm ")", r_, (uint64_t)(want));                                  \
  } while (0)

/* rd = op(rd, rs2): destination register also the first source */
#define RR_SAME(op, a, b, want)                                                   \
  do {                                                                            \
    uint64_t r_ = (uint64_t)(a);                                                  \
    asm volatile(NORVC #op " %0, %0, %1" POPRVC : "+r"(r_) : "r"((uint64_t)(b))); \
    check(#op "(rd=rs1: " #a ", " #b ")", r_, (uint64_t)(want));                  \
  } while (0)
