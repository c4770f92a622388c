/* bench/exitholder.c: holds the perf path's exit events for nginx workers
 * without tracing them, to tell what the samples cost the tracee from what
 * reading them costs the supervisor (BENCHMARKS.md, "The batched join").
 *
 * usage: exitholder FILTER INTERVAL_US [CALL...]   (as root, tracefs mounted)
 *
 * Opens syscalls:sys_exit_CALL (default: accept4 close writev) on every CPU,
 * bound to no task, with FILTER (e.g. "common_pid == 12 || common_pid == 13")
 * and my-sysdig's cpu-scope layout: sample TID|TIME|RAW, CLOCK_MONOTONIC, a
 * ring per CPU that the other events SET_OUTPUT into. Every INTERVAL_US it
 * reads the rings and moves their tails, as a reader would. On SIGINT or
 * SIGTERM it prints "exitholder: N samples" on stderr.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NPG 64

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static int tracepoint_id(const char *call) {
  char p[256];
  snprintf(p, sizeof p, "/sys/kernel/tracing/events/syscalls/sys_exit_%s/id", call);
  FILE *f = fopen(p, "r");
  int id = -1;
  if (!f || fscanf(f, "%d", &id) != 1) {
    fprintf(stderr, "exitholder: cannot read %s (mount -t tracefs nodev /sys/kernel/tracing)\n", p);
    exit(1);
  }
  fclose(f);
  return id;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: exitholder FILTER INTERVAL_US [CALL...]\n");
    return 2;
  }
  const char *filter = argv[1];
  useconds_t interval = (useconds_t)atoi(argv[2]);
  const char *def[] = {"accept4", "close", "writev"};
  const char **calls = argc > 3 ? (const char **)argv + 3 : def;
  int ncalls = argc > 3 ? argc - 3 : 3;
  int ncpu = sysconf(_SC_NPROCESSORS_CONF);
  struct perf_event_mmap_page **rings = calloc(ncpu, sizeof *rings);
  for (int cpu = 0; cpu < ncpu; cpu++) {
    int lead = -1;
    for (int c = 0; c < ncalls; c++) {
      struct perf_event_attr a;
      memset(&a, 0, sizeof a);
      a.size = sizeof a;
      a.type = PERF_TYPE_TRACEPOINT;
      a.config = tracepoint_id(calls[c]);
      a.sample_period = 1;
      a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
      a.use_clockid = 1;
      a.clockid = CLOCK_MONOTONIC;
      a.watermark = 1;
      a.wakeup_watermark = NPG * 4096 / 2;
      int fd = syscall(SYS_perf_event_open, &a, -1, cpu, -1, 0);
      if (fd < 0 || ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) < 0) {
        perror("exitholder: perf_event_open / SET_FILTER");
        return 1;
      }
      if (lead < 0) {
        lead = fd;
        rings[cpu] = mmap(NULL, 4096 * (NPG + 1), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (rings[cpu] == MAP_FAILED) {
          perror("exitholder: mmap");
          return 1;
        }
      } else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, lead) < 0) {
        perror("exitholder: SET_OUTPUT");
        return 1;
      }
    }
  }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  long n = 0;
  while (!stop) {
    usleep(interval);
    for (int i = 0; i < ncpu; i++) {
      struct perf_event_mmap_page *m = rings[i];
      uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE), tail = m->data_tail;
      char *base = (char *)m + 4096;
      while (tail < head) {
        struct perf_event_header *h = (void *)(base + tail % (4096 * NPG));
        n += h->type == PERF_RECORD_SAMPLE;
        tail += h->size;
      }
      __atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
    }
  }
  fprintf(stderr, "exitholder: %ld samples\n", n);
  return 0;
}
