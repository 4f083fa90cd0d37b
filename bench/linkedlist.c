/* linkedlist: build a singly linked list of ~1M nodes in shuffled memory order
   (Fisher-Yates permutation) and walk it many times. Pointer chasing across 16 MiB,
   stresses the emulator's memory access path / TLB. */
#include "common/bench.h"

#ifndef LL_N
#define LL_N (1u << 20)
#endif
#ifndef LL_WALKS
#define LL_WALKS 3
#endif

struct node {
  struct node* next;
  uint32_t val;
  uint32_t pad;
};

static struct node nodes[LL_N];
static uint32_t perm[LL_N];

int main(void) {
  uint64_t seed = 0x0123456789abcdefULL;
  for (uint32_t i = 0; i < LL_N; i++) perm[i] = i;
  for (uint32_t i = LL_N - 1; i > 0; i--) {
    uint32_t j = (uint32_t)(bench_rand(&seed) % (i + 1));
    uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (uint32_t i = 0; i < LL_N; i++) {
    struct node* n = &nodes[perm[i]];
    n->next = i + 1 < LL_N ? &nodes[perm[i + 1]] : 0;
    n->val = (uint32_t)bench_rand(&seed);
  }
  uint64_t sum = 0;
  for (int w = 0; w < LL_WALKS; w++) {
    uint32_t count = 0;
    for (struct node* p = &nodes[perm[0]]; p; p = p->next) {
      sum = sum * 33 + p->val;
      count++;
    }
    if (count != LL_N) bench_fail("linkedlist", "bad length");
  }
  bench_result("linkedlist", sum, 16);
  return 0;
}
