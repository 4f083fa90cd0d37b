/* /bin/child: exec'd by /init with one numeric argument N. Prints one line (using
 * glibc's floating-point formatting in a freshly loaded program) and exits with 6*N. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 1;
  int n = atoi(argv[1]);
  printf("POLYEMU-CHILD: arg %d sqrt %.6f %s\n", n, sqrt((double)n), getpid() == 1 ? "pid-is-1" : "pid-is-not-1");
  return 6 * n;
}
