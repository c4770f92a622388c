// bench/rare.c: a return value for a notified call with no perf event and no
// lasting ptrace cost (issue 20 §1, "let auto choose ptrace for calls that turn
// out rare"). An experiment, not run by bench/run.sh; needs Linux 5.19+
// (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) and ptrace rights over a child.
//
//   gcc -O2 -o /tmp/rare bench/rare.c && /tmp/rare [N]
//
// The child's getppid and read trap to USER_NOTIF. For each notification the
// supervisor (one thread, also the ptrace tracer here):
//   1. PTRACE_INTERRUPTs the caller: it is in the notification's wait, which
//      after RECV only a fatal signal ends (WAIT_KILLABLE_RECV), so nothing
//      happens yet;
//   2. answers with error -ERESTARTNOINTR: the call did not run;
//   3. on the way out the caller takes the interrupt's trap (PTRACE_EVENT_STOP),
//      still showing -ERESTARTNOINTR; the supervisor resumes it with
//      PTRACE_SYSCALL; no signal is pending any more, so the kernel restarts the
//      call (ip back to the syscall instruction) as for any such error;
//   4. the restarted call makes a syscall-entry stop (PTRACE_SYSCALL), is
//      resumed with PTRACE_SYSCALL, traps to the filter again: the second
//      notification is answered CONTINUE, the call runs with nothing pending
//      (a blocking read blocks), and its syscall-exit stop gives the return
//      value; PTRACE_CONT, and the thread's later calls stop for nothing.
// Prints ns per getppid this way and the untraced/CONTINUE-only baselines, and
// checks a read that blocks 200 ms gets its data (no EINTR).
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#define ERESTARTNOINTR 513

static void die(const char *what) {
  perror(what);
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static int install_filter(void) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_read, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
  };
  struct sock_fprog prog = {sizeof f / sizeof f[0], f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
    die("no_new_privs");
  int fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                   SECCOMP_FILTER_FLAG_NEW_LISTENER |
                       SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
                   &prog);
  if (fd < 0)
    die("seccomp");
  return fd;
}

// The child: after `go`, N getppid answered CONTINUE, N more the restart way
// (timed each), then a read that blocks until the parent writes.
static void child(int n, int go, int data, int report) {
  char c;
  if (read(go, &c, 1) != 1) // before the filter: not trapped
    _exit(2);
  long want = syscall(SYS_getppid);
  int fd = install_filter();
  write(report, &fd, sizeof fd);
  const char *phase[] = {"CONTINUE only (notification floor)", "restart through ptrace"};
  for (int p = 0; p < 2; p++) {
    uint64_t t0 = now_ns();
    long bad = 0;
    for (int i = 0; i < n; i++)
      if (syscall(SYS_getppid) != want)
        bad++;
    uint64_t t1 = now_ns();
    char line[160];
    int len = snprintf(line, sizeof line, "%s: %.0f ns per getppid, %ld wrong\n",
                       phase[p], (double)(t1 - t0) / n, bad);
    write(report, line, len);
  }
  char buf[16];
  uint64_t t0 = now_ns();
  ssize_t r = read(data, buf, sizeof buf);
  int e = errno;
  char line[160];
  int len = snprintf(line, sizeof line,
                     "blocking read: returned %zd (%s) after %.0f ms\n", r,
                     r < 0 ? strerror(e) : "data", (now_ns() - t0) / 1e6);
  write(report, line, len);
  _exit(0);
}

static void recv_one(int fd, struct seccomp_notif *req) {
  memset(req, 0, sizeof *req);
  while (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req))
    if (errno != EINTR)
      die("NOTIF_RECV");
}

static void answer(int fd, uint64_t id, int32_t error, uint32_t flags) {
  struct seccomp_notif_resp resp = {.id = id, .error = error, .flags = flags};
  if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp))
    die("NOTIF_SEND");
}

static int wait_stop(pid_t pid) {
  int st;
  if (waitpid(pid, &st, __WALL) != pid)
    die("waitpid");
  if (!WIFSTOPPED(st)) {
    fprintf(stderr, "child not stopped: status %#x\n", st);
    exit(1);
  }
  return st;
}

static struct user_regs_struct regs_of(pid_t pid) {
  struct user_regs_struct r;
  if (ptrace(PTRACE_GETREGS, pid, 0, &r))
    die("GETREGS");
  return r;
}

// One call the restart way; returns its return value. `during`, if set, runs
// once the restarted call is let go (the blocking read's data).
static long restart_through_ptrace(int fd, pid_t pid, struct seccomp_notif *req,
                                   void (*during)(void)) {
  int nr = req->data.nr;
  if (ptrace(PTRACE_INTERRUPT, pid, 0, 0))
    die("PTRACE_INTERRUPT");
  answer(fd, req->id, -ERESTARTNOINTR, 0);
  int st = wait_stop(pid);
  struct user_regs_struct r = regs_of(pid);
  if (st >> 16 != PTRACE_EVENT_STOP || (long)r.rax != -ERESTARTNOINTR) {
    fprintf(stderr, "expected the interrupt's stop with -ERESTARTNOINTR: status %#x rax %lld\n",
            st, (long long)r.rax);
    exit(1);
  }
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  st = wait_stop(pid);
  r = regs_of(pid);
  if (WSTOPSIG(st) != (SIGTRAP | 0x80) || (int)r.orig_rax != nr) {
    fprintf(stderr, "expected the restarted call's entry: status %#x nr %lld\n", st,
            (long long)r.orig_rax);
    exit(1);
  }
  ptrace(PTRACE_SYSCALL, pid, 0, 0);
  struct seccomp_notif again;
  recv_one(fd, &again);
  if ((pid_t)again.pid != pid || (int)again.data.nr != nr) {
    fprintf(stderr, "expected the restarted call's notification\n");
    exit(1);
  }
  answer(fd, again.id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
  if (during)
    during();
  st = wait_stop(pid);
  r = regs_of(pid);
  if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
    fprintf(stderr, "expected the exit stop: status %#x\n", st);
    exit(1);
  }
  ptrace(PTRACE_CONT, pid, 0, 0);
  return (long)r.rax;
}

static int data_w = -1;
static void write_data_later(void) {
  usleep(200000);
  if (write(data_w, "hello", 5) != 5)
    die("write data");
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 2000;
  int go[2], data[2], report[2];
  if (pipe(go) || pipe(data) || pipe(report))
    die("pipe");
  pid_t pid = fork();
  if (pid < 0)
    die("fork");
  if (pid == 0)
    child(n, go[0], data[0], report[1]);
  close(report[1]);
  data_w = data[1];
  if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL))
    die("PTRACE_SEIZE");
  write(go[1], "g", 1);
  int cfd;
  if (read(report[0], &cfd, sizeof cfd) != sizeof cfd)
    die("listener number");
  int pidfd = syscall(SYS_pidfd_open, pid, 0);
  int fd = syscall(SYS_pidfd_getfd, pidfd, cfd, 0);
  if (fd < 0)
    die("pidfd_getfd");
  struct seccomp_notif req;
  for (int i = 0; i < n; i++) {
    recv_one(fd, &req);
    answer(fd, req.id, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE);
  }
  long wrong = 0;
  for (int i = 0; i < n; i++) {
    recv_one(fd, &req);
    if (restart_through_ptrace(fd, pid, &req, NULL) != getpid())
      wrong++;
  }
  recv_one(fd, &req);
  long r = restart_through_ptrace(fd, pid, &req, write_data_later);
  int st;
  waitpid(pid, &st, __WALL);
  char buf[1024];
  ssize_t len;
  while ((len = read(report[0], buf, sizeof buf)) > 0)
    fwrite(buf, 1, len, stdout);
  printf("supervisor: %d getppid exits read from the exit stop, %ld not the parent's pid; "
         "read's exit stop said %ld\n",
         n, wrong, r);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
