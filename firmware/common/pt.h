/* Sv39/Sv48 page tables for the paging and pmp tests, built from a static pool of
 * page-aligned tables. Levels count from 0 (4 KiB leaves) up: 1 = 2 MiB, 2 = 1 GiB,
 * 3 = 512 GiB (Sv48 only). M-mode code is never translated, so the tables are written
 * through their physical addresses. */
#pragma once
#include "lib.h"

#define PTE_V (1UL << 0)
#define PTE_R (1UL << 1)
#define PTE_W (1UL << 2)
#define PTE_X (1UL << 3)
#define PTE_U (1UL << 4)
#define PTE_G (1UL << 5)
#define PTE_A (1UL << 6)
#define PTE_D (1UL << 7)

/* Starts a new, empty address space with `levels` levels (3: Sv39, 4: Sv48). */
void pt_init(int levels);
int pt_levels(void);
/* The PTE translating va at `level`, creating the tables above it as needed. */
volatile uint64_t* pt_entry(uint64_t va, int level);
uint64_t pte_leaf(uint64_t pa, uint64_t flags);
/* The non-leaf PTE pointing at a new, empty table. */
uint64_t pte_table(void);
void pt_map(uint64_t va, uint64_t pa, int level, uint64_t flags);
/* satp value selecting this address space (mode 8 or 9) with the given ASID. */
uint64_t pt_satp(uint64_t asid);

static inline void sfence_all(void) { asm volatile("sfence.vma" ::: "memory"); }
