/* Test data shared by /init and the host side of the disk tests
 * (tests/linux/run_linux_test.py implements the same generator). */
#ifndef POLYEMU_LINUX_PATTERN_H
#define POLYEMU_LINUX_PATTERN_H

#include <stddef.h>
#include <stdint.h>

/* seed.bin, put on the disk image by the test. */
#define SEED_SIZE (1024 * 1024)
#define SEED_SEED 1u
/* written.bin and result.txt, written by /init and read back by the test. */
#define WRITTEN_SIZE (256 * 1024)
#define WRITTEN_SEED 2u
#define RESULT_TEXT "POLYEMU-RESULT: written by /init\n"

/* xorshift32 from `seed`, each state stored little-endian: bytes 0..3 are the first
 * state after one step. `size` is a multiple of 4. */
static inline void fill_pattern(char* buf, size_t size, uint32_t seed) {
  uint32_t x = seed;
  for (size_t i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buf[i] = (char)x;
    buf[i + 1] = (char)(x >> 8);
    buf[i + 2] = (char)(x >> 16);
    buf[i + 3] = (char)(x >> 24);
  }
}

#endif
