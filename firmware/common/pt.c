#include "pt.h"

#define PT_POOL 24
static uint64_t pool[PT_POOL][512] __attribute__((aligned(4096)));
static int used, levels;
static uint64_t* root;

static uint64_t* pt_alloc(void) {
  if (used == PT_POOL) {
    print_str("page-table pool exhausted\n");
    sys_exit(104);
  }
  uint64_t* t = pool[used++];
  memset(t, 0, 4096);
  return t;
}

void pt_init(int n) {
  used = 0;
  levels = n;
  root = pt_alloc();
}

int pt_levels(void) { return levels; }

uint64_t pte_leaf(uint64_t pa, uint64_t flags) { return (pa >> 12) << 10 | flags; }

uint64_t pte_table(void) { return pte_leaf((uint64_t)pt_alloc(), PTE_V); }

static unsigned vpn(uint64_t va, int level) { return (va >> (12 + 9 * level)) & 511; }

volatile uint64_t* pt_entry(uint64_t va, int level) {
  uint64_t* t = root;
  for (int l = levels - 1; l > level; l--) {
    uint64_t* e = &t[vpn(va, l)];
    if (!(*e & PTE_V)) *e = pte_table();
    t = (uint64_t*)((*e >> 10) << 12);
  }
  return &t[vpn(va, level)];
}

void pt_map(uint64_t va, uint64_t pa, int level, uint64_t flags) { *pt_entry(va, level) = pte_leaf(pa, flags); }

uint64_t pt_satp(uint64_t asid) {
  return (uint64_t)(levels == 3 ? 8 : 9) << 60 | (asid & 0xffff) << 44 | (uint64_t)root >> 12;
}
