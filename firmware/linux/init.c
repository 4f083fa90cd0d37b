/* /init of the polyemu Linux test initramfs (static, glibc, lp64d).
 *
 * Prints "POLYEMU-INIT: start", checks floating point, processes, threads on every CPU
 * and a handful of system calls, runs the extra test named by "polyemu.test=" on the
 * kernel command line, prints "POLYEMU-INIT: all ok" or one "POLYEMU-INIT: FAIL <what>"
 * per failed check followed by "POLYEMU-INIT: N checks failed", and powers the machine
 * off in every case: the end-to-end tests look for the markers, not for an exit code.
 *
 * Expected floating-point bit patterns were computed with IEEE doubles on the host
 * (Python); the build uses -ffp-contract=off so the guest rounds exactly like that. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fenv.h>
#include <linux/fs.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pattern.h"

#define TAG "POLYEMU-INIT: "

static int failures;

static void say(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(TAG, stdout);
  vprintf(fmt, ap);
  putchar('\n');
  va_end(ap);
}

static void fail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs(TAG "FAIL ", stdout);
  vprintf(fmt, ap);
  putchar('\n');
  va_end(ap);
  failures++;
}

#define CHECK(cond, ...)            \
  do {                              \
    if (!(cond)) fail(__VA_ARGS__); \
  } while (0)

static uint64_t dbits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}

static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

static void check_dbits(const char* what, double got, uint64_t want) {
  CHECK(dbits(got) == want, "%s: got %016llx want %016llx", what, (unsigned long long)dbits(got),
        (unsigned long long)want);
}

static void check_fbits(const char* what, float got, uint32_t want) {
  CHECK(fbits(got) == want, "%s: got %08x want %08x", what, fbits(got), want);
}

static void check_str(const char* what, const char* got, const char* want) {
  CHECK(strcmp(got, want) == 0, "%s: got '%s' want '%s'", what, got, want);
}

/* Inputs live in volatile globals so the compiler cannot fold the arithmetic away. */
static volatile double v_zero = 0.0, v_one = 1.0, v_two = 2.0, v_three = 3.0, v_ten = 10.0, v_tenth = 0.1;
static volatile double v_neg_one = -1.0, v_tiny = 0x1p-60, v_m275 = -2.75, v_big = 18446744073709549568.0;
static volatile float vf_two = 2.0f;
static volatile int64_t v_2p53_plus1 = 9007199254740993LL;
static volatile int32_t v_2p24_plus1 = 16777217;

static double harmonic(int n) {
  double s = 0.0;
  for (int i = 1; i <= n; i++) s += v_one / i;
  return s;
}

static void test_float(void) {
  /* Arithmetic, rounded to nearest. */
  check_dbits("harmonic(10000)", harmonic(10000), 0x40239341192de2a6ULL);
  float fs = 0.0f;
  for (int i = 1; i <= 1000; i++) fs += (float)v_one / (float)i;
  check_fbits("float harmonic(1000)", fs, 0x40ef890aU);
  double ss = 0.0;
  for (int i = 1; i <= 5000; i++) ss += sqrt((double)i);
  check_dbits("sum sqrt(1..5000)", ss, 0x410cc6cb447aef86ULL);
  check_dbits("sqrt(2)", sqrt(v_two), 0x3ff6a09e667f3bcdULL);
  check_fbits("sqrtf(2)", sqrtf(vf_two), 0x3fb504f3U);
  check_dbits("1/3", v_one / v_three, 0x3fd5555555555555ULL);
  check_dbits("0.1*10-1", v_tenth * v_ten - v_one, 0);
  check_dbits("fma(0.1,10,-1)", fma(v_tenth, v_ten, v_neg_one), 0x3c90000000000000ULL);

  /* Conversions. */
  CHECK((int64_t)v_m275 == -2, "(int64_t)-2.75 = %lld", (long long)(int64_t)v_m275);
  CHECK(lrint(v_two + 0.5) == 2 && lrint(v_three + 0.5) == 4 && lrint(-v_two - 0.5) == -2, "lrint ties to even");
  check_dbits("(double)(2^53+1)", (double)v_2p53_plus1, 0x4340000000000000ULL);
  CHECK((uint64_t)v_big == 18446744073709549568ULL, "(uint64_t)1.8446744073709549568e19 = %llu",
        (unsigned long long)(uint64_t)v_big);
  check_fbits("(float)(2^24+1)", (float)v_2p24_plus1, 0x4b800000U);
  check_fbits("(float)0.1", (float)v_tenth, 0x3dcccccdU);
  check_dbits("(double)(float)0.1", (double)(float)v_tenth, 0x3fb99999a0000000ULL);

  /* Formatting and parsing go through glibc's own floating-point code. */
  char buf[64];
  snprintf(buf, sizeof buf, "%.6f %.6f %.6f", M_PI * v_one, v_one / v_three, sqrt(7 * v_one));
  check_str("printf %.6f", buf, "3.141593 0.333333 2.645751");
  snprintf(buf, sizeof buf, "%.17g %e", v_tenth + 0.2, 6.02214076e23 * v_one);
  check_str("printf %.17g %e", buf, "0.30000000000000004 6.022141e+23");
  check_dbits("strtod(e)", strtod("2.718281828459045", NULL), 0x4005bf0a8b145769ULL);

  /* Dynamic rounding mode (frm) and accrued exception flags (fflags). */
  static const struct {
    int mode;
    const char* name;
    uint64_t third, neg_third, one_plus_tiny;
    long rint_2_5;
  } modes[] = {
      {FE_TONEAREST, "nearest", 0x3fd5555555555555ULL, 0xbfd5555555555555ULL, 0x3ff0000000000000ULL, 2},
      {FE_UPWARD, "upward", 0x3fd5555555555556ULL, 0xbfd5555555555555ULL, 0x3ff0000000000001ULL, 3},
      {FE_DOWNWARD, "downward", 0x3fd5555555555555ULL, 0xbfd5555555555556ULL, 0x3ff0000000000000ULL, 2},
      {FE_TOWARDZERO, "towardzero", 0x3fd5555555555555ULL, 0xbfd5555555555555ULL, 0x3ff0000000000000ULL, 2},
  };
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    CHECK(fesetround(modes[i].mode) == 0 && fegetround() == modes[i].mode, "fesetround(%s)", modes[i].name);
    /* Volatile results: GCC moves floating-point arithmetic across fesetround() calls
       even with -frounding-math, a volatile store pins it in place. */
    volatile double third = v_one / v_three, neg_third = -v_one / v_three, opt = v_one + v_tiny;
    volatile long r = lrint(v_two + 0.5);
    fesetround(FE_TONEAREST);
    char what[64];
    snprintf(what, sizeof what, "1/3 %s", modes[i].name);
    check_dbits(what, third, modes[i].third);
    snprintf(what, sizeof what, "-1/3 %s", modes[i].name);
    check_dbits(what, neg_third, modes[i].neg_third);
    snprintf(what, sizeof what, "1+2^-60 %s", modes[i].name);
    check_dbits(what, opt, modes[i].one_plus_tiny);
    CHECK(r == modes[i].rint_2_5, "lrint(2.5) %s = %ld", modes[i].name, (long)r);
  }
  feclearexcept(FE_ALL_EXCEPT);
  volatile double q = v_one / v_two;
  CHECK(fetestexcept(FE_ALL_EXCEPT) == 0, "1/2 raised flags %#x", fetestexcept(FE_ALL_EXCEPT));
  q = v_one / v_three;
  CHECK(fetestexcept(FE_ALL_EXCEPT) == FE_INEXACT, "1/3 flags %#x", fetestexcept(FE_ALL_EXCEPT));
  feclearexcept(FE_ALL_EXCEPT);
  q = v_one / v_zero;
  CHECK(isinf(q) && fetestexcept(FE_DIVBYZERO), "1/0 = %g, flags %#x", q, fetestexcept(FE_ALL_EXCEPT));
  feclearexcept(FE_ALL_EXCEPT);
  q = sqrt(v_neg_one);
  CHECK(isnan(q) && fetestexcept(FE_INVALID), "sqrt(-1) = %g, flags %#x", q, fetestexcept(FE_ALL_EXCEPT));
  feclearexcept(FE_ALL_EXCEPT);
}

/* One thread per CPU, each pinned to its CPU, each with its own rounding mode: the
 * kernel must keep frm and the F registers per thread across context switches and harts.
 * The counters check atomics (amoadd, lr/sc through compare-exchange, amoswap lock). */
enum { kMaxThreads = 64, kAtomicIters = 20000, kFloatTerms = 4000 };

struct worker {
  pthread_t thread;
  int index, cpu, mode;
  uint64_t want_sum, got_sum;
  int ran_on_cpu;
};

static uint64_t counter_amo, counter_cas, counter_locked;
static int lock_word;

static uint64_t harmonic_in_mode(int mode, int yield_every) {
  fesetround(mode);
  double s = 0.0;
  for (int i = 1; i <= kFloatTerms; i++) {
    s += v_one / i;
    if (yield_every && i % yield_every == 0) sched_yield();
  }
  volatile double result = s;
  fesetround(FE_TONEAREST);
  return dbits(result);
}

static void* worker_main(void* arg) {
  struct worker* w = arg;
  w->ran_on_cpu = sched_getcpu();
  for (int i = 0; i < kAtomicIters; i++) {
    __atomic_fetch_add(&counter_amo, 1, __ATOMIC_RELAXED);
    uint64_t old = __atomic_load_n(&counter_cas, __ATOMIC_RELAXED);
    while (!__atomic_compare_exchange_n(&counter_cas, &old, old + 1, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE)) {
    }
    counter_locked++;
    __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
  }
  w->got_sum = harmonic_in_mode(w->mode, 500);
  return NULL;
}

static int online_cpus = 1;

static void test_threads(void) {
  int ncpu = online_cpus;
  static const int rounding[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
  static struct worker workers[kMaxThreads];
  uint64_t reference[4];
  for (int m = 0; m < 4; m++) reference[m] = harmonic_in_mode(rounding[m], 0);
  CHECK(reference[0] == 0x4021be26de8f5812ULL, "harmonic(4000): got %016llx want 4021be26de8f5812",
        (unsigned long long)reference[0]);

  int n = ncpu < 2 ? 2 : ncpu > kMaxThreads ? kMaxThreads : ncpu;
  for (int i = 0; i < n; i++) {
    struct worker* w = &workers[i];
    *w = (struct worker){.index = i, .cpu = i % ncpu, .mode = rounding[i % 4], .want_sum = reference[i % 4]};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(w->cpu, &set);
    pthread_attr_setaffinity_np(&attr, sizeof set, &set);
    int err = pthread_create(&w->thread, &attr, worker_main, w);
    pthread_attr_destroy(&attr);
    if (err) {
      fail("pthread_create %d: %s", i, strerror(err));
      return;
    }
  }
  for (int i = 0; i < n; i++) {
    struct worker* w = &workers[i];
    pthread_join(w->thread, NULL);
    CHECK(w->got_sum == w->want_sum, "thread %d harmonic in rounding mode %d: got %016llx want %016llx", i, w->mode,
          (unsigned long long)w->got_sum, (unsigned long long)w->want_sum);
    CHECK(w->ran_on_cpu == w->cpu, "thread %d pinned to cpu %d ran on cpu %d", i, w->cpu, w->ran_on_cpu);
  }
  uint64_t want = (uint64_t)n * kAtomicIters;
  CHECK(counter_amo == want && counter_cas == want && counter_locked == want,
        "atomic counters %llu %llu %llu want %llu", (unsigned long long)counter_amo, (unsigned long long)counter_cas,
        (unsigned long long)counter_locked, (unsigned long long)want);
  say("threads: %d on %d cpus", n, ncpu);
}

/* fork + exec of /bin/child with its stdout on a pipe; the parent checks what it
 * printed and its exit status. */
static void test_fork_exec(void) {
  int p[2];
  if (pipe(p) != 0) {
    fail("pipe: %s", strerror(errno));
    return;
  }
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    fail("fork: %s", strerror(errno));
    return;
  }
  if (pid == 0) {
    dup2(p[1], STDOUT_FILENO);
    close(p[0]);
    close(p[1]);
    execl("/bin/child", "child", "7", (char*)NULL);
    _exit(127);
  }
  close(p[1]);
  char out[256];
  size_t len = 0;
  for (;;) {
    ssize_t r = read(p[0], out + len, sizeof out - 1 - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
  }
  out[len] = 0;
  close(p[0]);
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42, "child status %#x, want exit 42", status);
  check_str("child output", out, "POLYEMU-CHILD: arg 7 sqrt 2.645751 pid-is-not-1\n");
}

static int64_t ns_of(const struct timespec* t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

static void test_syscalls(void) {
  CHECK(getpid() == 1, "getpid() = %d, want 1", getpid());

  struct utsname u;
  if (uname(&u) == 0) {
    say("uname %s %s %s", u.sysname, u.release, u.machine);
    check_str("uname.machine", u.machine, "riscv64");
  } else {
    fail("uname: %s", strerror(errno));
  }

  struct timespec t0, t1, prev, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  prev = t0;
  for (int i = 0; i < 1000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    CHECK(ns_of(&now) >= ns_of(&prev), "CLOCK_MONOTONIC went backwards");
    prev = now;
  }
  struct timespec nap = {0, 20 * 1000 * 1000};
  CHECK(nanosleep(&nap, NULL) == 0, "nanosleep: %s", strerror(errno));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  CHECK(ns_of(&t1) - ns_of(&t0) >= 20 * 1000 * 1000, "nanosleep(20ms) took %lld ns",
        (long long)(ns_of(&t1) - ns_of(&t0)));

  char msg[] = "through a pipe", back[sizeof msg] = {0};
  int p[2];
  if (pipe(p) == 0) {
    CHECK(write(p[1], msg, sizeof msg) == (ssize_t)sizeof msg, "pipe write");
    CHECK(read(p[0], back, sizeof back) == (ssize_t)sizeof back && memcmp(msg, back, sizeof msg) == 0, "pipe read");
    close(p[0]);
    close(p[1]);
  } else {
    fail("pipe: %s", strerror(errno));
  }

  CHECK(mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m") == 0, "mount tmpfs: %s", strerror(errno));
  int fd = open("/tmp/file", O_CREAT | O_RDWR | O_TRUNC, 0644);
  if (fd >= 0) {
    static char data[10000], got[10000];
    fill_pattern(data, sizeof data, 3);
    CHECK(write(fd, data, 4000) == 4000 && write(fd, data + 4000, 6000) == 6000, "tmpfs write");
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, got, sizeof got) == (ssize_t)sizeof got &&
              memcmp(data, got, sizeof data) == 0,
          "tmpfs read back");
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == (off_t)sizeof data, "tmpfs fstat size");
    close(fd);
    CHECK(unlink("/tmp/file") == 0, "unlink: %s", strerror(errno));
  } else {
    fail("open /tmp/file: %s", strerror(errno));
  }
}

static char want[SEED_SIZE], got[SEED_SIZE];

/* /dev/vda is an ext4 image made by the test, holding seed.bin (SEED_SIZE bytes of
 * pattern SEED_SEED). Mounts it on /mnt and verifies seed.bin; false if /dev/vda is
 * missing, has the wrong read-only flag or does not mount. */
static int mount_disk(int readonly) {
  int fd = -1;
  for (int i = 0; i < 100 && fd < 0; i++) {
    fd = open("/dev/vda", O_RDONLY);
    if (fd < 0) usleep(10000);
  }
  if (fd < 0) {
    fail("disk: no /dev/vda: %s", strerror(errno));
    return 0;
  }
  int ro = -1;
  CHECK(ioctl(fd, BLKROGET, &ro) == 0 && ro == readonly, "disk: BLKROGET = %d, want %d", ro, readonly);
  close(fd);
  if (mount("/dev/vda", "/mnt", "ext4", readonly ? MS_RDONLY : 0, NULL) != 0) {
    fail("disk: mount /dev/vda: %s", strerror(errno));
    return 0;
  }
  fill_pattern(want, SEED_SIZE, SEED_SEED);
  fd = open("/mnt/seed.bin", O_RDONLY);
  CHECK(fd >= 0 && read(fd, got, SEED_SIZE) == SEED_SIZE && memcmp(want, got, SEED_SIZE) == 0,
        "disk: seed.bin content");
  if (fd >= 0) close(fd);
  return 1;
}

/* polyemu.test=disk-ro: the disk is read-only (readonly=on). */
static void test_disk_readonly(void) {
  if (!mount_disk(1)) return;
  CHECK(open("/mnt/new", O_CREAT | O_WRONLY, 0644) < 0 && errno == EROFS,
        "disk-ro: creating a file did not fail "
        "with EROFS");
  CHECK(umount("/mnt") == 0, "disk-ro: umount: %s", strerror(errno));
}

/* polyemu.test=disk: write result.txt and written.bin, unmount (which writes
 * everything back), mount again and read them back from the disk. */
static void test_disk(void) {
  if (!mount_disk(0)) return;
  int fd;

  fill_pattern(want, WRITTEN_SIZE, WRITTEN_SEED);
  fd = open("/mnt/written.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK(fd >= 0 && write(fd, want, WRITTEN_SIZE) == WRITTEN_SIZE && fsync(fd) == 0, "disk: write written.bin");
  if (fd >= 0) close(fd);
  fd = open("/mnt/result.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  CHECK(fd >= 0 && write(fd, RESULT_TEXT, strlen(RESULT_TEXT)) == (ssize_t)strlen(RESULT_TEXT) && fsync(fd) == 0,
        "disk: write result.txt");
  if (fd >= 0) close(fd);
  sync();
  CHECK(umount("/mnt") == 0, "disk: umount: %s", strerror(errno));

  if (mount("/dev/vda", "/mnt", "ext4", MS_RDONLY, NULL) != 0) {
    fail("disk: mount again: %s", strerror(errno));
    return;
  }
  memset(got, 0, sizeof got);
  fd = open("/mnt/written.bin", O_RDONLY);
  CHECK(fd >= 0 && read(fd, got, WRITTEN_SIZE) == WRITTEN_SIZE && memcmp(want, got, WRITTEN_SIZE) == 0,
        "disk: written.bin read back");
  if (fd >= 0) close(fd);
  fd = open("/mnt/result.txt", O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, got, sizeof got - 1) : -1;
  CHECK(n == (ssize_t)strlen(RESULT_TEXT) && memcmp(got, RESULT_TEXT, (size_t)n) == 0, "disk: result.txt read back");
  if (fd >= 0) close(fd);
  CHECK(umount("/mnt") == 0, "disk: second umount: %s", strerror(errno));
}

/* Value of "key=" on the kernel command line, or NULL. */
static const char* cmdline_value(const char* cmdline, const char* key, char* out, size_t size) {
  size_t klen = strlen(key);
  for (const char* p = cmdline; (p = strstr(p, key)) != NULL; p += klen) {
    if ((p == cmdline || p[-1] == ' ') && p[klen] == '=') {
      size_t n = strcspn(p + klen + 1, " \n");
      if (n >= size) n = size - 1;
      memcpy(out, p + klen + 1, n);
      out[n] = 0;
      return out;
    }
  }
  return NULL;
}

/* Runs one group of checks and prints "<name> ok" when none of them failed. */
static void run_group(const char* name, void (*group)(void)) {
  int before = failures;
  group();
  if (failures == before) say("%s ok", name);
}

static void power_off(void) {
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  printf(TAG "FAIL reboot(RB_POWER_OFF): %s\n", strerror(errno));
  fflush(stdout);
  for (;;) pause();
}

static void mount_or_fail(const char* src, const char* dir, const char* type) {
  if (mount(src, dir, type, 0, NULL) != 0 && errno != EBUSY) fail("mount %s on %s: %s", type, dir, strerror(errno));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  say("start");
  mount_or_fail("proc", "/proc", "proc");
  mount_or_fail("sysfs", "/sys", "sysfs");
  mount_or_fail("devtmpfs", "/dev", "devtmpfs");

  char cmdline[4096] = "";
  FILE* f = fopen("/proc/cmdline", "r");
  if (f) {
    if (!fgets(cmdline, sizeof cmdline, f)) cmdline[0] = 0;
    fclose(f);
  } else {
    fail("open /proc/cmdline: %s", strerror(errno));
  }

  int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
  say("cpus online %d", ncpu);
  char value[64];
  if (cmdline_value(cmdline, "polyemu.cpus", value, sizeof value))
    CHECK(ncpu == atoi(value), "%d cpus online, polyemu.cpus=%s", ncpu, value);
  if (ncpu > 1) online_cpus = ncpu;

  run_group("float", test_float);
  run_group("syscalls", test_syscalls);
  run_group("fork+exec", test_fork_exec);
  run_group("threads", test_threads);

  const char* test = cmdline_value(cmdline, "polyemu.test", value, sizeof value);
  if (test && strcmp(test, "disk") == 0)
    run_group("disk", test_disk);
  else if (test && strcmp(test, "disk-ro") == 0)
    run_group("disk-ro", test_disk_readonly);
  else if (test)
    fail("unknown polyemu.test=%s", test);

  if (failures)
    say("%d checks failed", failures);
  else
    say("all ok");
  power_off();
}
