/* bench/exitevents.c: what each way of opening the perf exit events costs a
 * traced call, with no tracer code around it (BENCHMARKS.md, "The cpu scope").
 *
 * usage: exitevents N MODE      (as root, tracefs mounted on /sys/kernel/tracing)
 *
 * A child makes N raw 64-byte reads of /dev/zero under a seccomp filter that
 * sends read to user notification; the parent receives each notification,
 * drains the rings (as my-sysdig does before it answers), reads 64 bytes of the
 * child's memory, checks ID_VALID and answers CONTINUE with SYNC_WAKE_UP set.
 * MODE picks the exit events, opened before the child installs its filter:
 *
 *   0  none (the notification floor)
 *   1  raw_syscalls:sys_exit on the child, any CPU, filter id == 0
 *   2  raw_syscalls:sys_exit on the child, one inherited event per CPU (task scope)
 *   3  raw_syscalls:sys_exit per CPU for every task, filter on id and the child's pid
 *   4  syscalls:sys_exit_read on the child, one inherited event per CPU (task scope)
 *   5  syscalls:sys_exit_read per CPU for every task, filter on the child's pid
 *      (my-sysdig's cpu scope)
 *   6  raw_syscalls:sys_exit per CPU for every task, filter id == 0
 *
 * Prints "mode M: X ns/call exits E" (E: exit samples read; N+1 expected with
 * events: the child's first read is made before it knows the listener).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif

#define NPG 64

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int tracepoint_id(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "/sys/kernel/tracing/events/%s/id", name);
  FILE *f = fopen(path, "r");
  int id = -1;
  if (!f || fscanf(f, "%d", &id) != 1) {
    fprintf(stderr, "exitevents: cannot read %s (mount -t tracefs nodev /sys/kernel/tracing)\n", path);
    exit(1);
  }
  fclose(f);
  return id;
}

static struct perf_event_mmap_page *rings[256];
static int nrings;

static void open_event(int tp, pid_t pid, int cpu, int inherit, const char *filter) {
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.type = PERF_TYPE_TRACEPOINT;
  a.config = tp;
  a.sample_period = 1;
  a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_RAW | PERF_SAMPLE_TIME;
  a.inherit = inherit;
  a.use_clockid = 1;
  a.clockid = CLOCK_MONOTONIC;
  a.watermark = 1;
  a.wakeup_watermark = NPG * 4096 / 2;
  int fd = syscall(SYS_perf_event_open, &a, pid, cpu, -1, 0);
  if (fd < 0) {
    perror("perf_event_open");
    exit(1);
  }
  if (filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) < 0) {
    perror("PERF_EVENT_IOC_SET_FILTER");
    exit(1);
  }
  void *m = mmap(NULL, 4096 * (NPG + 1), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  rings[nrings++] = m;
}

static long drain(void) {
  long n = 0;
  for (int i = 0; i < nrings; i++) {
    struct perf_event_mmap_page *m = rings[i];
    uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE), tail = m->data_tail;
    if (tail == head)
      continue;
    char *base = (char *)m + 4096;
    while (tail < head) {
      struct perf_event_header *h = (void *)(base + (tail % (4096 * NPG)));
      n += h->type == PERF_RECORD_SAMPLE;
      tail += h->size;
    }
    __atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: exitevents N MODE (0-6)\n");
    return 2;
  }
  long n = atol(argv[1]);
  int mode = atoi(argv[2]);
  int ncpu = sysconf(_SC_NPROCESSORS_CONF);
  int p[2], q[2];
  if (pipe(p) || pipe(q))
    return 1;
  pid_t c = fork();
  if (c == 0) {
    int zfd = open("/dev/zero", O_RDONLY);
    char buf[64], go;
    struct sock_filter fl[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_read, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    struct sock_fprog prog = {4, fl};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (syscall(SYS_read, q[0], &go, 1) != 1) /* the events are open */
      _exit(1);
    int l = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    if (write(p[1], &l, sizeof l) != sizeof l)
      _exit(1);
    syscall(SYS_pread64, q[0], &go, 1, 0); /* not read(): it is trapped now */
    double t0 = now();
    for (long i = 0; i < n; i++)
      syscall(SYS_read, zfd, buf, sizeof buf);
    double d = now() - t0;
    if (write(p[1], &d, sizeof d) != sizeof d)
      _exit(1);
    _exit(0);
  }
  int raw = tracepoint_id("raw_syscalls/sys_exit");
  int rd = tracepoint_id("syscalls/sys_exit_read");
  char f[128];
  switch (mode) {
  case 1: open_event(raw, c, -1, 0, "id == 0"); break;
  case 2: for (int i = 0; i < ncpu; i++) open_event(raw, c, i, 1, "id == 0"); break;
  case 3:
    snprintf(f, sizeof f, "id == 0 && common_pid == %d", c);
    for (int i = 0; i < ncpu; i++) open_event(raw, -1, i, 0, f);
    break;
  case 4: for (int i = 0; i < ncpu; i++) open_event(rd, c, i, 1, NULL); break;
  case 5:
    snprintf(f, sizeof f, "common_pid == %d", c);
    for (int i = 0; i < ncpu; i++) open_event(rd, -1, i, 0, f);
    break;
  case 6: for (int i = 0; i < ncpu; i++) open_event(raw, -1, i, 0, "id == 0"); break;
  }
  if (write(q[1], "g", 1) != 1)
    return 1;
  int lnum;
  if (read(p[0], &lnum, sizeof lnum) != sizeof lnum)
    return 1;
  int pidfd = syscall(SYS_pidfd_open, c, 0);
  int l = syscall(SYS_pidfd_getfd, pidfd, lnum, 0);
  if (l < 0) {
    perror("pidfd_getfd");
    return 1;
  }
  ioctl(l, SECCOMP_IOCTL_NOTIF_SET_FLAGS, 1UL, 0);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/mem", c);
  int memfd = open(path, O_RDONLY);
  if (write(q[1], "g", 1) != 1)
    return 1;
  long exits = 0;
  char tmp[64];
  for (long i = 0; i < n; i++) {
    struct seccomp_notif req;
    memset(&req, 0, sizeof req);
    if (ioctl(l, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
      if (errno == EINTR) {
        i--;
        continue;
      }
      perror("SECCOMP_IOCTL_NOTIF_RECV");
      break;
    }
    exits += drain();
    if (pread(memfd, tmp, sizeof tmp, req.data.args[1]) < 0)
      perror("pread");
    ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id);
    struct seccomp_notif_resp r;
    memset(&r, 0, sizeof r);
    r.id = req.id;
    r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ioctl(l, SECCOMP_IOCTL_NOTIF_SEND, &r);
  }
  double d;
  if (read(p[0], &d, sizeof d) != sizeof d)
    return 1;
  waitpid(c, NULL, 0);
  exits += drain();
  printf("mode %d: %.0f ns/call exits %ld\n", mode, d / n * 1e9, exits);
  return 0;
}
