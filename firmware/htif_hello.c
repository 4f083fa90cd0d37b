/* htif_hello: Spike HTIF console (tohost/fromhost), no UART; exits with code 3. */
#include "lib.h"

int main(void) {
  print_str("hello via htif\n");
  sys_exit(3);
}
