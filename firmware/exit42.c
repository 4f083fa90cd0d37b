/* exit42: prints one line and exits with code 42 through the test finisher. */
#include "lib.h"

int main(void) {
  print_str("exiting with 42\n");
  sys_exit(42);
}
