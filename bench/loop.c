/* bench/loop.c: the syscall micro-loop of bench/run.sh.
 *
 * usage: loop getppid|read64 N [WARMUP]
 *
 * Makes WARMUP (default 200) untimed calls, so that a tracer's one-time work
 * per thread (e.g. reading /proc/TID/status) is not counted, then N timed
 * calls of raw syscall(2) (no libc wrapper, no caching), and prints one line:
 *
 *   getppid n=N ns_per_call=X cpu_ns=U
 *
 * X is CLOCK_MONOTONIC time around the N calls divided by N: it excludes the
 * tracer's start-up and shutdown, so it is the per-call cost a program sees.
 * U is this process's own user+system CPU time (getrusage) for the whole run,
 * so a caller can subtract it from a tree's CPU time to get the tracer's.
 * read64 opens /dev/zero once and reads 64 bytes per call.
 * clock_gettime is served by the vDSO: it is not a syscall and is never traced.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s getppid|read64 N [WARMUP]\n", argv[0]);
    return 2;
  }
  int is_read = strcmp(argv[1], "read64") == 0;
  if (!is_read && strcmp(argv[1], "getppid") != 0) {
    fprintf(stderr, "%s: unknown loop '%s' (getppid or read64)\n", argv[0], argv[1]);
    return 2;
  }
  long n = atol(argv[2]);
  long warm = argc > 3 ? atol(argv[3]) : 200;
  if (n <= 0 || warm < 0) {
    fprintf(stderr, "%s: N must be > 0 and WARMUP >= 0\n", argv[0]);
    return 2;
  }
  static char buf[64];
  int fd = -1;
  if (is_read) {
    fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/zero", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      perror("/dev/zero");
      return 1;
    }
  }
  long t0 = 0;
  for (long i = -warm; i < n; i++) {
    if (i == 0) t0 = now_ns();
    if (is_read) {
      if (syscall(SYS_read, fd, buf, sizeof buf) != (long)sizeof buf) {
        perror("read /dev/zero");
        return 1;
      }
    } else {
      syscall(SYS_getppid);
    }
  }
  long t1 = now_ns();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000L +
             (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000L;
  printf("%s n=%ld ns_per_call=%.1f cpu_ns=%ld\n", argv[1], n, (double)(t1 - t0) / n, cpu);
  return 0;
}
