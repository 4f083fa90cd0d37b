/* crc32: table-driven (byte-at-a-time, reflected poly 0xEDB88320) CRC-32 over a
   generated buffer, several passes chained together. Memory-streaming + table loads. */
#include "common/bench.h"

#ifndef CRC_MIB
#define CRC_MIB 4
#endif
#ifndef CRC_PASSES
#define CRC_PASSES 24
#endif
#define DATA_SIZE ((size_t)CRC_MIB << 20)

static uint8_t data[DATA_SIZE];
static uint32_t table[256];

static uint32_t crc32_update(uint32_t crc, const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

int main(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  /* Self-test: CRC-32 of "123456789" is 0xCBF43926. */
  static const uint8_t check[] = "123456789";
  if ((crc32_update(0xffffffffu, check, 9) ^ 0xffffffffu) != 0xCBF43926u) bench_fail("crc32", "self-test");

  uint64_t seed = 0x1234567887654321ULL;
  for (size_t i = 0; i < DATA_SIZE; i += 8) {
    uint64_t r = bench_rand(&seed);
    for (int k = 0; k < 8; k++) data[i + k] = (uint8_t)(r >> (8 * k));
  }

  uint32_t crc = 0xffffffffu;
  for (int pass = 0; pass < CRC_PASSES; pass++) {
    crc = crc32_update(crc, data, DATA_SIZE);
    data[pass] ^= (uint8_t)crc; /* make every pass different */
  }
  bench_result("crc32", crc ^ 0xffffffffu, 8);
  return 0;
}
