/* bench/kretprobe.c: what a syscall's exit event costs the calls it does not
 * trace, the call it traces and another process, for the two ways of getting
 * a return value from perf without a ptrace stop:
 *
 *   tracepoint  syscalls:sys_exit_getppid (what my-sysdig uses today). While
 *               any syscall tracepoint is open, every task on the machine has
 *               SYSCALL_WORK_SYSCALL_TRACEPOINT set and every syscall takes
 *               the slow exit path.
 *   kretprobe   a kretprobe on __x64_sys_getppid (__arm64_sys_getppid) made
 *               through the perf kprobe PMU: only that function is patched.
 *               The return value is read from AX (X0) with PERF_SAMPLE_REGS_INTR.
 *   fexit       a BPF fexit program on __x64_sys_getppid (a BPF trampoline:
 *               only that function is patched; needs BPF, BTF and ftrace
 *               direct calls, not CONFIG_KPROBES). It writes {pid_tgid,
 *               return value} with bpf_perf_event_output to one
 *               PERF_COUNT_SW_BPF_OUTPUT event per CPU (same rings, same
 *               checks). The program is a dozen hand-assembled instructions;
 *               the function's BTF id is looked up in /sys/kernel/btf/vmlinux.
 *   uretprobe   not a candidate: a uretprobe on a function of this program
 *               (traced_getppid, which calls getppid and returns its value),
 *               made through the perf uprobe PMU. It checks the retprobe
 *               plumbing (config bit, REGS_INTR decoding, value check) on a
 *               kernel without CONFIG_KPROBES; its timings are a uprobe's.
 *   none        no event.
 *
 * usage: kretprobe MODE [N] [DD_COUNT]      (as root; N 2000000, DD_COUNT 300000)
 *
 * With one event per CPU open (pid -1, every task; a 64-page ring each, as
 * my-sysdig's cpu scope), it times N raw getpid (untraced: what every other
 * call pays) and N raw getppid (traced: what a hit costs) in ns per call,
 * in batches of 1000 with the rings drained between batches (the drain is
 * not timed), and checks every sample: the tid is ours and the value is the
 * getppid result. Then the wall time of
 * `dd if=/dev/zero of=/dev/null bs=64 count=DD_COUNT` run beside (a child
 * process: the cost to another process), and the wall time of opening
 * (open + mmap + enable, all CPUs) and closing (munmap + close) the events.
 *
 * Prints one line of key=value pairs, e.g.
 *   mode=kretprobe getpid_ns=.. getppid_ns=.. dd_s=.. open_ms=.. close_ms=..
 *   samples=.. mine=.. match=.. other=.. lost=.. ok=1
 * Exit status 3 when the mode is not supported here (the reason on stderr).
 */
#define _GNU_SOURCE
#include <asm/perf_regs.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NPG 64         /* data pages per ring */
#define BATCH 1000     /* calls between two drains (< ring size in samples) */
#define MAXCPU 256

#if defined(__x86_64__)
#define SYSFN "__x64_sys_getppid"
#define RETREG PERF_REG_X86_AX /* bit 0 */
#elif defined(__aarch64__)
#define SYSFN "__arm64_sys_getppid"
#define RETREG PERF_REG_ARM64_X0 /* bit 0 */
#else
#error "x86_64 or aarch64 only"
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* Unsupported mode: say why, exit 3 (the driver prints n/a). */
static void unsupported(const char *fmt, const char *arg, int err) {
  fprintf(stderr, "kretprobe: unsupported: ");
  fprintf(stderr, fmt, arg);
  if (err)
    fprintf(stderr, ": errno %d (%s)", err, strerror(err));
  fprintf(stderr, "\n");
  exit(3);
}

/* The first line of a small file, or NULL (errno set). */
static char *read_line(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "r");
  if (!f)
    return NULL;
  char *r = fgets(buf, len, f);
  fclose(f);
  if (r)
    r[strcspn(r, "\n")] = 0;
  return r;
}

/* ---- tracepoint: id and the offset of `ret` from tracefs ---------------- */

static int tp_id = -1, tp_ret_off = -1;

/* Reads events/syscalls/sys_exit_getppid/{id,format} under ROOT. */
static int read_tracefs(const char *root) {
  char path[512], line[512];
  snprintf(path, sizeof path, "%s/events/syscalls/sys_exit_getppid/id", root);
  if (!read_line(path, line, sizeof line))
    return -1;
  tp_id = atoi(line);
  /* format has a line "\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;" */
  snprintf(path, sizeof path, "%s/events/syscalls/sys_exit_getppid/format", root);
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  while (fgets(line, sizeof line, f)) {
    char *p = strstr(line, " ret;");
    char *o = strstr(line, "offset:");
    if (p && o)
      tp_ret_off = atoi(o + 7);
  }
  fclose(f);
  return tp_ret_off < 0 ? -1 : 0;
}

/* From /sys/kernel/tracing when mounted, else from a tracefs mounted on a
 * temporary directory in a private mount namespace of this process (nothing
 * propagates to the host; unmounted and removed right after). */
static void find_tracepoint(void) {
  if (read_tracefs("/sys/kernel/tracing") == 0)
    return;
  char dir[] = "/tmp/kretprobe-tracefs.XXXXXX";
  if (unshare(CLONE_NEWNS) < 0)
    die("unshare(CLONE_NEWNS)");
  if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    die("mount --make-rprivate /");
  if (!mkdtemp(dir))
    die("mkdtemp");
  if (mount("nodev", dir, "tracefs", 0, NULL) < 0) {
    int e = errno;
    rmdir(dir);
    unsupported("mount -t tracefs nodev %s", dir, e);
  }
  int r = read_tracefs(dir);
  int e = errno;
  umount(dir);
  rmdir(dir);
  if (r < 0)
    unsupported("tracefs has no usable %s", "syscalls/sys_exit_getppid (id, format with ret)", e);
}

/* ---- kprobe / uprobe PMU ------------------------------------------------ */

/* type from /sys/bus/event_source/devices/PMU/type, and the config bit of
 * a retprobe from .../format/retprobe ("config:0"). */
static void dynamic_pmu(const char *pmu, uint32_t *type, uint64_t *retbit) {
  char path[256], line[64];
  snprintf(path, sizeof path, "/sys/bus/event_source/devices/%s/type", pmu);
  if (!read_line(path, line, sizeof line))
    unsupported(!strcmp(pmu, "kprobe")
                    ? "no kprobe PMU, %s missing (the kernel needs CONFIG_KPROBES "
                      "and CONFIG_KPROBE_EVENTS)"
                    : "no uprobe PMU, %s missing (the kernel needs CONFIG_UPROBE_EVENTS)",
                path, errno);
  *type = atoi(line);
  snprintf(path, sizeof path, "/sys/bus/event_source/devices/%s/format/retprobe", pmu);
  if (!read_line(path, line, sizeof line) || strncmp(line, "config:", 7))
    unsupported("cannot read %s", path, errno);
  *retbit = 1ULL << atoi(line + 7);
}

/* Whether /proc/kallsyms has SYM as a text symbol. */
static int in_kallsyms(const char *sym) {
  FILE *f = fopen("/proc/kallsyms", "r");
  char line[512], name[256], t;
  unsigned long long a;
  int found = 0;
  if (!f)
    return 0;
  while (!found && fgets(line, sizeof line, f))
    if (sscanf(line, "%llx %c %255s", &a, &t, name) == 3 && !strcmp(name, sym))
      found = 1;
  fclose(f);
  return found;
}

/* The uretprobe target: not inlined, so it has an address a probe can sit on. */
__attribute__((noinline)) long traced_getppid(void) {
  long r = syscall(SYS_getppid);
  __asm__ volatile("" ::: "memory");
  return r;
}

/* File offset of traced_getppid in /proc/self/exe, from /proc/self/maps. */
static uint64_t self_offset(char *exe, size_t len) {
  uintptr_t fn = (uintptr_t)traced_getppid;
  FILE *f = fopen("/proc/self/maps", "r");
  char line[1024];
  unsigned long lo, hi, off;
  char perm[8];
  int n;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "%lx-%lx %7s %lx %*s %*s%n", &lo, &hi, perm, &off, &n) == 4 &&
        fn >= lo && fn < hi) {
      char *p = line + n;
      p += strspn(p, " ");
      p[strcspn(p, "\n")] = 0;
      snprintf(exe, len, "%s", p);
      fclose(f);
      return fn - lo + off;
    }
  unsupported("traced_getppid not found in %s", "/proc/self/maps", 0);
  return 0;
}

/* ---- events and rings --------------------------------------------------- */

enum { NONE, TRACEPOINT, KRETPROBE, URETPROBE, FEXIT };
static int btf_id = -1, map_fd = -1, prog_fd = -1, link_fd = -1; /* fexit */
static int mode;
static int fds[MAXCPU], nfds;
static struct perf_event_mmap_page *rings[MAXCPU];
static char exe[4096]; /* uretprobe: path of this program */

static void open_events(void) {
  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.sample_period = 1;
  a.disabled = 1;
  a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
  if (mode == TRACEPOINT) {
    a.type = PERF_TYPE_TRACEPOINT;
    a.config = tp_id;
    a.sample_type |= PERF_SAMPLE_RAW; /* the record: ret at tp_ret_off */
  } else {
    uint64_t retbit;
    uint32_t type;
    dynamic_pmu(mode == KRETPROBE ? "kprobe" : "uprobe", &type, &retbit);
    a.type = type;
    a.config = retbit; /* a return probe */
    if (mode == KRETPROBE) {
      if (!in_kallsyms(SYSFN))
        unsupported("%s is not in /proc/kallsyms", SYSFN, 0);
      a.kprobe_func = (uint64_t)(uintptr_t)SYSFN; /* config1 */
      a.probe_offset = 0;                          /* config2 */
    } else {
      a.probe_offset = self_offset(exe, sizeof exe); /* config2 */
      a.uprobe_path = (uint64_t)(uintptr_t)exe;      /* config1 */
    }
    /* the registers at the probe hit, i.e. at the function's return */
    a.sample_type |= PERF_SAMPLE_REGS_INTR;
    a.sample_regs_intr = 1ULL << RETREG;
  }
  int ncpu = sysconf(_SC_NPROCESSORS_CONF);
  for (int cpu = 0; cpu < ncpu && cpu < MAXCPU; cpu++) {
    int fd = syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
      if (errno == ENODEV) /* offline CPU */
        continue;
      unsupported("perf_event_open(%s, pid -1, cpu N)",
                  mode == TRACEPOINT ? "syscalls:sys_exit_getppid"
                  : mode == KRETPROBE ? "kprobe PMU, retprobe " SYSFN
                                      : "uprobe PMU, retprobe traced_getppid",
                  errno);
    }
    void *m = mmap(NULL, 4096 * (NPG + 1), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
      die("mmap");
    fds[nfds] = fd;
    rings[nfds++] = m;
  }
  if (!nfds)
    unsupported("%s", "no CPU accepted the event", 0);
  for (int i = 0; i < nfds; i++)
    if (ioctl(fds[i], PERF_EVENT_IOC_ENABLE, 0) < 0)
      die("PERF_EVENT_IOC_ENABLE");
}

static void close_events(void) {
  if (link_fd >= 0) { /* fexit: detach first, then the program and the map */
    close(link_fd);
    close(prog_fd);
    close(map_fd);
  }
  for (int i = 0; i < nfds; i++) {
    munmap(rings[i], 4096 * (NPG + 1));
    close(fds[i]);
  }
  nfds = 0;
}

/* ---- fexit: a BPF trampoline on the syscall function -------------------- */


static long bpf(int cmd, union bpf_attr *a) { return syscall(SYS_bpf, cmd, a, sizeof *a); }

/* The BTF id of the FUNC named NAME in /sys/kernel/btf/vmlinux: type ids
 * count from 1 in the order of the type section; each btf_type is followed
 * by kind-specific data whose size we must skip. */
static int btf_func_id(const char *name) {
  int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY);
  if (fd < 0)
    unsupported("%s", "/sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)", errno);
  static char buf[64 << 20];
  ssize_t len = 0, r;
  while ((r = read(fd, buf + len, sizeof buf - len)) > 0)
    len += r;
  close(fd);
  struct btf_header *h = (void *)buf;
  if (len < (ssize_t)sizeof *h || h->magic != BTF_MAGIC)
    unsupported("%s: bad BTF", "/sys/kernel/btf/vmlinux", 0);
  char *t = buf + h->hdr_len + h->type_off, *end = t + h->type_len;
  char *str = buf + h->hdr_len + h->str_off;
  for (int id = 1; t < end; id++) {
    struct btf_type *bt = (void *)t;
    int kind = BTF_INFO_KIND(bt->info), vlen = BTF_INFO_VLEN(bt->info);
    if (kind == BTF_KIND_FUNC && !strcmp(str + bt->name_off, name))
      return id;
    t += sizeof *bt;
    switch (kind) {
    case BTF_KIND_INT: t += 4; break;
    case BTF_KIND_ARRAY: t += sizeof(struct btf_array); break;
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: t += vlen * sizeof(struct btf_member); break;
    case BTF_KIND_ENUM: t += vlen * sizeof(struct btf_enum); break;
    case BTF_KIND_FUNC_PROTO: t += vlen * sizeof(struct btf_param); break;
    case BTF_KIND_VAR: t += sizeof(struct btf_var); break;
    case BTF_KIND_DATASEC: t += vlen * sizeof(struct btf_var_secinfo); break;
    case BTF_KIND_DECL_TAG: t += sizeof(struct btf_decl_tag); break;
    case BTF_KIND_ENUM64: t += vlen * sizeof(struct btf_enum64); break;
    default: break; /* PTR FWD TYPEDEF VOLATILE CONST RESTRICT FUNC FLOAT TYPE_TAG */
    }
  }
  return -1;
}

#define INSN(c, d, s, o, i) \
  ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* One PERF_COUNT_SW_BPF_OUTPUT event and ring per CPU in a perf event
 * array, the program loaded against SYSFN's BTF id, attached. */
static void open_fexit(void) {
  int ncpu = sysconf(_SC_NPROCESSORS_CONF);
  union bpf_attr b;
  memset(&b, 0, sizeof b);
  b.map_type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
  b.key_size = 4;
  b.value_size = 4;
  b.max_entries = ncpu;
  map_fd = bpf(BPF_MAP_CREATE, &b);
  if (map_fd < 0)
    unsupported("%s", "BPF_MAP_CREATE(PERF_EVENT_ARRAY)", errno);

  struct perf_event_attr a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.type = PERF_TYPE_SOFTWARE;
  a.config = PERF_COUNT_SW_BPF_OUTPUT;
  a.sample_period = 1;
  a.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
  for (int cpu = 0; cpu < ncpu && cpu < MAXCPU; cpu++) {
    int fd = syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
      if (errno == ENODEV)
        continue;
      unsupported("%s", "perf_event_open(PERF_COUNT_SW_BPF_OUTPUT)", errno);
    }
    void *m = mmap(NULL, 4096 * (NPG + 1), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
      die("mmap");
    if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0)
      die("PERF_EVENT_IOC_ENABLE");
    uint32_t key = cpu, val = fd;
    memset(&b, 0, sizeof b);
    b.map_fd = map_fd;
    b.key = (uint64_t)(uintptr_t)&key;
    b.value = (uint64_t)(uintptr_t)&val;
    if (bpf(BPF_MAP_UPDATE_ELEM, &b) < 0)
      die("BPF_MAP_UPDATE_ELEM");
    fds[nfds] = fd;
    rings[nfds++] = m;
  }

  /* ctx of an fexit program: u64 args[nargs] then the return value;
   * __x64_sys_getppid(const struct pt_regs *) has one argument. */
  struct bpf_insn prog[] = {
      INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),     /* r6 = ctx */
      INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_pid_tgid),
      INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -16, 0),   /* fp[-16] = pid_tgid */
      INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 6, 8, 0),      /* r1 = ctx[1]: ret */
      INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 0),    /* fp[-8] = ret */
      INSN(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0, map_fd), /* r2 = map */
      INSN(0, 0, 0, 0, 0),
      INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),     /* r1 = ctx */
      INSN(BPF_ALU | BPF_MOV | BPF_K, 3, 0, 0, -1),      /* r3 = BPF_F_CURRENT_CPU */
      INSN(BPF_ALU64 | BPF_MOV | BPF_X, 4, 10, 0, 0),    /* r4 = fp - 16 */
      INSN(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, -16),
      INSN(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, 16),    /* r5 = 16 bytes */
      INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_perf_event_output),
      INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),     /* return 0 */
      INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
  };
  static char log[65536];
  memset(&b, 0, sizeof b);
  b.prog_type = BPF_PROG_TYPE_TRACING;
  b.expected_attach_type = BPF_TRACE_FEXIT;
  b.attach_btf_id = btf_id; /* in vmlinux (attach_btf_obj_fd 0) */
  b.insns = (uint64_t)(uintptr_t)prog;
  b.insn_cnt = sizeof prog / sizeof prog[0];
  b.license = (uint64_t)(uintptr_t)"GPL"; /* bpf_perf_event_output is GPL-only */
  b.log_buf = (uint64_t)(uintptr_t)log;
  b.log_size = sizeof log;
  b.log_level = 1;
  prog_fd = bpf(BPF_PROG_LOAD, &b);
  if (prog_fd < 0) {
    int e = errno;
    if (log[0])
      fprintf(stderr, "%s\n", log);
    unsupported("%s", "BPF_PROG_LOAD(TRACING, FEXIT " SYSFN ")", e);
  }
  memset(&b, 0, sizeof b);
  b.link_create.prog_fd = prog_fd;
  b.link_create.attach_type = BPF_TRACE_FEXIT;
  link_fd = bpf(BPF_LINK_CREATE, &b);
  if (link_fd < 0)
    unsupported("%s", "BPF_LINK_CREATE(FEXIT " SYSFN ")", errno);
}

/* What the rings held. */
static long samples, mine, match, other, lost;
static pid_t me;
static long want; /* the getppid result */

/* Reads every record in every ring and checks each sample. */
static void drain(void) {
  for (int i = 0; i < nfds; i++) {
    struct perf_event_mmap_page *m = rings[i];
    uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
    uint64_t tail = m->data_tail;
    char *base = (char *)m + 4096;
    const uint64_t size = 4096 * NPG;
    while (tail < head) {
      /* a record may wrap around the end of the ring: copy it out */
      union {
        struct perf_event_header h;
        uint64_t u[64];
      } r;
      struct perf_event_header *h = (void *)(base + tail % size);
      size_t len = h->size < sizeof r ? h->size : sizeof r;
      for (size_t k = 0; k < len; k++)
        ((char *)&r)[k] = base[(tail + k) % size];
      tail += h->size;
      if (r.h.type == PERF_RECORD_LOST) {
        /* { header; u64 id; u64 lost; } */
        lost += r.u[2];
        continue;
      }
      if (r.h.type != PERF_RECORD_SAMPLE)
        continue;
      /* IDENTIFIER, TID, TIME, then RAW (tracepoint) or REGS_INTR (probes):
       * { header; u64 id; u32 pid, tid; u64 time; ... } */
      uint64_t *p = &r.u[1];
      p++;                                   /* id */
      uint32_t tid = ((uint32_t *)p)[1];     /* pid, tid */
      p++;
      p++;                                   /* time */
      long val;
      int have = 0;
      if (mode == FEXIT) {
        /* u32 size; { u64 pid_tgid; u64 ret; } from the program */
        uint32_t rawsz = *(uint32_t *)p;
        uint64_t d[2];
        if (rawsz >= 16) {
          memcpy(d, (char *)p + 4, 16);
          val = (long)d[1];
          have = (uint32_t)d[0] == tid; /* the program's tid agrees */
        }
      } else if (mode == TRACEPOINT) {
        /* u32 size; char data[size]: the trace record, ret at tp_ret_off */
        uint32_t rawsz = *(uint32_t *)p;
        char *data = (char *)p + 4;
        if ((size_t)tp_ret_off + 8 <= rawsz) {
          memcpy(&val, data + tp_ret_off, 8);
          have = 1;
        }
      } else {
        /* u64 abi; u64 regs[popcount(sample_regs_intr)] (none when abi 0) */
        if (p[0] != PERF_SAMPLE_REGS_ABI_NONE) {
          val = (long)p[1];
          have = 1;
        }
      }
      samples++;
      if ((pid_t)tid != me) {
        other++;
        continue;
      }
      mine++;
      match += have && val == want;
    }
    __atomic_store_n(&m->data_tail, tail, __ATOMIC_RELEASE);
  }
}

/* ns per call of N calls of F, in batches, the rings drained between
 * batches (not timed). */
static double timed(long (*f)(void), long n) {
  double t = 0;
  for (long done = 0; done < n; done += BATCH) {
    double t0 = now();
    for (int i = 0; i < BATCH; i++)
      f();
    t += now() - t0;
    drain();
  }
  return t * 1e9 / n;
}

static long raw_getpid(void) { return syscall(SYS_getpid); }
static long raw_getppid(void) { return syscall(SYS_getppid); }

/* Wall seconds of `dd if=/dev/zero of=/dev/null bs=64 count=COUNT`. */
static double dd(long count) {
  char c[64];
  snprintf(c, sizeof c, "count=%ld", count);
  double t0 = now();
  pid_t p = fork();
  if (p == 0) {
    int nul = open("/dev/null", O_WRONLY);
    dup2(nul, 1);
    dup2(nul, 2);
    execlp("dd", "dd", "if=/dev/zero", "of=/dev/null", "bs=64", c, (char *)NULL);
    _exit(127);
  }
  int st;
  if (p < 0 || waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
    die("dd");
  return now() - t0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: kretprobe none|tracepoint|kretprobe|uretprobe|fexit [N] [DD_COUNT]\n");
    return 2;
  }
  const char *names[] = {"none", "tracepoint", "kretprobe", "uretprobe", "fexit"};
  mode = -1;
  for (int i = 0; i < 5; i++)
    if (!strcmp(argv[1], names[i]))
      mode = i;
  if (mode < 0) {
    fprintf(stderr, "kretprobe: unknown mode %s\n", argv[1]);
    return 2;
  }
  long n = argc > 2 ? atol(argv[2]) : 2000000;
  long ddn = argc > 3 ? atol(argv[3]) : 300000;
  n = (n + BATCH - 1) / BATCH * BATCH;
  me = syscall(SYS_gettid);
  want = syscall(SYS_getppid);
  if (mode == TRACEPOINT)
    find_tracepoint();
  if (mode == FEXIT) {
    /* SYSCALL_DEFINE0 makes __x64_sys_getppid an alias of __do_sys_getppid
     * (one address) and BTF names only the latter; calls with arguments
     * have their own __x64_sys_* in BTF. */
    btf_id = btf_func_id(SYSFN);
    if (btf_id < 0)
      btf_id = btf_func_id("__do_sys_getppid");
    if (btf_id < 0)
      unsupported("neither %s nor __do_sys_getppid is a FUNC in /sys/kernel/btf/vmlinux", SYSFN, 0);
  }

  double t0 = now();
  if (mode == FEXIT)
    open_fexit();
  else if (mode != NONE)
    open_events();
  double open_ms = (now() - t0) * 1e3;

  /* warm up, then discard what it produced */
  for (int i = 0; i < BATCH; i++)
    raw_getpid(), raw_getppid();
  drain();
  samples = mine = match = other = lost = 0;

  double getpid_ns = timed(raw_getpid, n);
  long after_getpid = mine; /* samples of ours from untraced calls: must be 0 */
  double getppid_ns = timed(mode == URETPROBE ? traced_getppid : raw_getppid, n);
  double dd_s = dd(ddn);
  drain();

  t0 = now();
  close_events();
  double close_ms = (now() - t0) * 1e3;

  /* ok: every traced call of ours gave one sample with the right value */
  int ok = mode == NONE ? 1 : after_getpid == 0 && mine == n && match == n && lost == 0;
  printf("mode=%s getpid_ns=%.1f getppid_ns=%.1f dd_s=%.4f open_ms=%.3f close_ms=%.3f "
         "samples=%ld mine=%ld match=%ld other=%ld lost=%ld n=%ld ok=%d\n",
         names[mode], getpid_ns, getppid_ns, dd_s, open_ms, close_ms, samples, mine, match,
         other, lost, n, ok);
  return 0;
}
