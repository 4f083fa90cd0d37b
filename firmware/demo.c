/* demo: greets, draws a small ASCII Mandelbrot set in fixed-point integer arithmetic
 * (the hart has no FPU), lists some primes, and exits 0. */
#include "lib.h"

#define FIX 24 /* Q39.24 fixed point */
#define ONE (1L << FIX)

static void mandelbrot(void) {
  static const char shades[] = ".,-~:;=!*#$";
  const int W = 72, H = 25, MAXIT = 64;
  const int64_t x0 = -(ONE * 22) / 10, x1 = (ONE * 8) / 10;  /* re in [-2.2, 0.8] */
  const int64_t y0 = -(ONE * 12) / 10, y1 = (ONE * 12) / 10; /* im in [-1.2, 1.2] */
  for (int row = 0; row < H; row++) {
    int64_t ci = y0 + (y1 - y0) * row / (H - 1);
    for (int col = 0; col < W; col++) {
      int64_t cr = x0 + (x1 - x0) * col / (W - 1);
      int64_t zr = 0, zi = 0;
      int it = 0;
      while (it < MAXIT) {
        int64_t zr2 = (zr * zr) >> FIX, zi2 = (zi * zi) >> FIX;
        if (zr2 + zi2 > 4 * ONE) break;
        zi = ((zr * zi) >> (FIX - 1)) + ci;
        zr = zr2 - zi2 + cr;
        it++;
      }
      console_putc(it == MAXIT ? '@' : shades[it < 10 ? it : 10]);
    }
    console_putc('\n');
  }
}

static void primes(void) {
  print_str("primes below 100:");
  for (int n = 2; n < 100; n++) {
    int prime = 1;
    for (int d = 2; d * d <= n; d++)
      if (n % d == 0) {
        prime = 0;
        break;
      }
    if (prime) printf_(" %d", n);
  }
  print_str("\n");
}

int main(void) {
  print_str("hello from the guest\n");
  mandelbrot();
  primes();
  print_str("goodbye\n");
  return 0;
}
