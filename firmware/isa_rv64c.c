/* isa_rv64c: self-checking test of every RV64C integer instruction; the checks are in
 * isa_rv64c_tests.S. */
#include "lib.h"

void rvc_tests(void);

int main(void) {
  rvc_tests();
  finish("isa_rv64c");
}
