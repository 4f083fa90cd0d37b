/* matmul: NxN integer (mod 2^32) matrix multiply C = A*B, repeated with C fed back
   as the next A. B is kept transposed so the inner loop is a dot product. */
#include "common/bench.h"

#ifndef MM_N
#define MM_N 200
#endif
#ifndef MM_REPS
#define MM_REPS 32
#endif

static uint32_t A[MM_N][MM_N], Bt[MM_N][MM_N], C[MM_N][MM_N];

int main(void) {
  uint64_t seed = 0xabcdef0123456789ULL;
  for (int i = 0; i < MM_N; i++)
    for (int j = 0; j < MM_N; j++) {
      A[i][j] = (uint32_t)bench_rand(&seed);
      Bt[i][j] = (uint32_t)bench_rand(&seed);
    }
  for (int rep = 0; rep < MM_REPS; rep++) {
    for (int i = 0; i < MM_N; i++)
      for (int j = 0; j < MM_N; j++) {
        const uint32_t *ar = A[i], *br = Bt[j];
        uint32_t s = 0;
        for (int k = 0; k < MM_N; k++) s += ar[k] * br[k];
        C[i][j] = s;
      }
    for (int i = 0; i < MM_N; i++)
      for (int j = 0; j < MM_N; j++) A[i][j] = C[i][j] ^ (uint32_t)(i * 131 + j);
  }
  uint64_t sum = 0;
  for (int i = 0; i < MM_N; i++)
    for (int j = 0; j < MM_N; j++) sum = sum * 1000003 + C[i][j];
  bench_result("matmul", sum, 16);
  return 0;
}
