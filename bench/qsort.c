/* qsort: recursive quicksort (median-of-3, Hoare partition, insertion sort for
   small ranges) of ~1M pseudo-random 32-bit ints. Branchy, data-dependent. */
#include "common/bench.h"

#ifndef QS_N
#define QS_N (1u << 20)
#endif
#ifndef QS_REPS
#define QS_REPS 3
#endif

static uint32_t a[QS_N];

static void insertion(uint32_t* v, long lo, long hi) {
  for (long i = lo + 1; i <= hi; i++) {
    uint32_t x = v[i];
    long j = i - 1;
    while (j >= lo && v[j] > x) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = x;
  }
}

static void quicksort(uint32_t* v, long lo, long hi) {
  while (hi - lo > 16) {
    long mid = lo + (hi - lo) / 2;
    uint32_t x = v[lo], y = v[mid], z = v[hi], p;
    if (x < y)
      p = y < z ? y : (x < z ? z : x);
    else
      p = x < z ? x : (y < z ? z : y);
    long i = lo - 1, j = hi + 1;
    for (;;) {
      do i++;
      while (v[i] < p);
      do j--;
      while (v[j] > p);
      if (i >= j) break;
      uint32_t t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
    /* recurse into the smaller half, loop on the larger one */
    if (j - lo < hi - j) {
      quicksort(v, lo, j);
      lo = j + 1;
    } else {
      quicksort(v, j + 1, hi);
      hi = j;
    }
  }
  insertion(v, lo, hi);
}

int main(void) {
  uint64_t seed = 0x9e3779b97f4a7c15ULL, sum = 0;
  for (int rep = 0; rep < QS_REPS; rep++) {
    for (uint32_t i = 0; i < QS_N; i++) a[i] = (uint32_t)(bench_rand(&seed) >> 32);
    quicksort(a, 0, QS_N - 1);
    for (uint32_t i = 1; i < QS_N; i++)
      if (a[i - 1] > a[i]) bench_fail("qsort", "not sorted");
    for (uint32_t i = 0; i < QS_N; i++) sum = sum * 31 + a[i];
  }
  bench_result("qsort", sum, 16);
  return 0;
}
