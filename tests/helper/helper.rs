//! `sysdig-test-helper`: a program that makes known syscalls, for the integration tests.
//!
//! Usage: `sysdig-test-helper CASE [ARGS...]`; `sysdig-test-helper list` prints the cases.
//! An unknown case or a bad argument prints a message on stderr and exits 2.
//!
//! Tests run a case under the tracer and filter with `--only`, because the Rust runtime and
//! glibc make their own calls. Observed on x86_64, glibc 2.36, Rust 1.95 (`strace -f`):
//! - start: `execve` of the helper itself, `brk`, `mmap`, `access`, `openat`/`read`/
//!   `pread64`/`newfstatat`/`close` of ld.so.cache and shared libraries, `arch_prctl`,
//!   `set_tid_address`, `set_robust_list`, `rseq`, `mprotect`, `prlimit64`, `munmap`,
//!   `poll([0,1,2])`, `rt_sigaction(SIGPIPE, SIG_IGN)`, `getrandom`, then
//!   `openat("/proc/self/maps")` + `read` x N + `close` (main-thread stack lookup),
//!   `sched_getaffinity`, `sigaltstack`, `gettid`, `rt_sigaction(SIGSEGV/SIGBUS)`;
//! - exit: `sigaltstack`, `munmap`, `exit_group(0)` after `main` returns.
//!
//! So `openat`, `read`, `close`, `mmap`, `gettid`, `rt_sigaction` also come from the
//! runtime (match them on their arguments); `getppid`, `write`, `pipe2`, `tgkill`,
//! `nanosleep`, `kill`, `getpid`, `wait4`, `fork`/`vfork`, and the socket calls come only
//! from the cases below.
//!
//! Conventions, true of every case unless it says otherwise:
//! - "raw" means `libc::syscall(SYS_xxx, ...)`, so the syscall is exactly the one named
//!   (no glibc substitution), on x86_64 and aarch64 alike.
//! - The summary lines a case prints (`key=value` pairs) are written to stdout with ONE
//!   `write(1, ...)` after all of the case's own syscalls. Cases that print nothing say so.
//! - Memory for buffers is allocated before the first syscall of the case; malloc may make
//!   `mmap`/`munmap`/`brk` calls for it (ignore them).
//! - Thread creation (`std::thread`, `pthread_create`) on glibc 2.36 is, in the parent,
//!   `rt_sigaction(SIGRT_1)` + `rt_sigprocmask` (first thread only), `mmap` (stack) +
//!   `mprotect`, `rt_sigprocmask`, `clone3(CLONE_VM|...|CLONE_THREAD|...)`,
//!   `rt_sigprocmask`; in the child `rseq`, `set_robust_list`, `rt_sigprocmask`, malloc
//!   arena `mmap`/`munmap`/`mprotect`, and for std threads `sched_getaffinity`, `gettid`,
//!   `sigaltstack` + `mmap` + `mprotect`. A thread that returns normally ends with
//!   `sigaltstack`, `munmap`, `rt_sigprocmask`, `madvise` and `exit(0)` (SYS_exit, never
//!   `exit_group`). Joining may `futex(FUTEX_WAIT_BITSET)` (0 or 1 call: not deterministic).
//!   `std::thread::sleep` is `clock_nanosleep(CLOCK_MONOTONIC, 0, ...)`.
//!
//! Paths used: `AT_FDCWD` is -100.
//!
//! Cases and their syscalls, in order:
//!
//! - `getppid [N=100]`: N x raw `getppid()`. Prints `getppid calls=N`.
//! - `read64 [N=100]`: raw `openat(AT_FDCWD, "/dev/zero", O_RDONLY)` = fd;
//!   N x raw `read(fd, buf, 64)` (each returns 64); raw `close(fd)`.
//!   Prints `read64 fd=FD calls=N`.
//! - `openat DIR`: raw `openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC)` = fd1;
//!   raw `read(fd1, buf, 4096)`; raw `close(fd1)`;
//!   raw `openat(AT_FDCWD, "/nonexistent/my-sysdig-test", O_RDONLY)` = -ENOENT;
//!   raw `openat(AT_FDCWD, "DIR/created", O_WRONLY|O_CREAT|O_TRUNC, 0640)` = fd2;
//!   raw `write(fd2, "hello\n", 6)`; raw `close(fd2)`. DIR is required (exit 2 without it).
//!   Prints `hostname_fd=FD1 read=R`, `missing=-2 err=ENOENT`, `created_fd=FD2 wrote=6`.
//! - `write-known`: raw `write(1, "hello from helper\n", 18)`. Prints nothing else.
//! - `badptr`: (1) raw `openat(AT_FDCWD, 0x1, O_RDONLY)` = -EFAULT;
//!   (2) raw `write(1, 0x1, 10)` = -EFAULT;
//!   (3) raw `openat(AT_FDCWD, "/dev/zero", O_RDONLY)` = fd, raw `read(fd, 0x1, 10)` =
//!   -EFAULT, raw `close(fd)`;
//!   (4) raw `socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)` = s, raw `connect(s, 0x1, 110)` =
//!   -EFAULT, raw `close(s)`;
//!   (5) raw `mmap(NULL, 2*PAGE, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)` = m,
//!   raw `mprotect(m+PAGE, PAGE, PROT_NONE)`, the last 100 bytes of the first page are 'a'
//!   (no NUL), raw `openat(AT_FDCWD, m+PAGE-100, O_RDONLY)` = -EFAULT, raw `munmap(m, 2*PAGE)`.
//!   Prints one line per step: `openat_ptr1 res=-14 err=EFAULT`, `write_ptr1 ...`,
//!   `read_ptr1 ...`, `connect_ptr1 ...`, `openat_unterminated ...`.
//! - `binary [FD]`: if FD is not given, raw `openat(AT_FDCWD, "/dev/null", O_WRONLY)` = FD;
//!   raw `write(FD, [0x00, 0x01, ..., 0xff], 256)`;
//!   raw `write(FD, b"\xff\xfe bad \xc3\x28 utf8\n", 15)`; raw `close(FD)` only if opened here.
//!   Prints `binary fd=FD wrote=256 wrote2=15`.
//! - `bigbuf [N=1048576]`: raw `openat(AT_FDCWD, "/dev/null", O_WRONLY)` = fd1;
//!   raw `write(fd1, "AAAA...", N)` (one call); raw `close(fd1)`;
//!   raw `openat(AT_FDCWD, "/dev/zero", O_RDONLY)` = fd2; raw `read(fd2, buf, 1048576)` (one
//!   call); raw `close(fd2)`. Prints `bigbuf write=RET read=RET`.
//! - `signals [N=10]`: `rt_sigaction(SIGUSR1, handler, SA_RESTART)` (via libc::sigaction);
//!   raw `pipe2(fds, O_CLOEXEC)`; raw `gettid()` = main tid; spawn a std thread which
//!   sleeps 10 ms, then N x { raw `tgkill(pid, main_tid, SIGUSR1)`, sleep 200 us }, then raw
//!   `write(wr, "x", 1)`. Meanwhile main does ONE raw `read(rd, buf, 1)` which the kernel
//!   restarts after each handled signal and which returns 1. Join, raw `close` x2.
//!   Prints `signals_sent=N handled=H read=1` (H <= N: pending signals can merge).
//!   Exactly N `tgkill` and one pipe `write`; the `read` is entered 1 + (restarts) times
//!   (N + 1 natively), not deterministic under load (by design). At each interrupted exit
//!   strace shows `? ERESTARTSYS` (-512 in the exit-stop registers), not EINTR.
//! - `signals-eintr [N=10]`: as `signals`, but the handler has no SA_RESTART; main loops
//!   on raw `read(rd, buf, 1)`, counting -EINTR returns, until it gets the byte.
//!   Prints `signals_sent=N handled=H eintr=K read=1`. Here too the ptrace exit stop of an
//!   interrupted `read` holds -ERESTARTSYS (-512); user space then sees -EINTR.
//! - `signal-storm [N=2000] [US=200]`: `rt_sigaction(SIGALRM, handler, 0)` (no SA_RESTART,
//!   via libc::sigaction; the handler counts deliveries); `setitimer(ITIMER_REAL)` firing
//!   every US microseconds; N x raw `getppid()`, counting -1/EINTR returns and any other
//!   error separately; `setitimer(ITIMER_REAL, 0)` to disarm. Prints
//!   `calls=N eintr=K other=O handled=H` and exits 0. getppid never sleeps, so natively
//!   K=0 and O=0 always; a signal can only make it fail with EINTR when a tracer holds the
//!   call where a signal interrupts it (seccomp user notification not yet received).
//!   H > 0 unless N calls take less than US microseconds. `signal-storm N US EVERY MS`:
//!   before every EVERY-th call, MS milliseconds of spinning with no syscall (the tracer
//!   sees the tree idle: lazy exit events close, and open again at the next call).
//! - `threads [T=4] [M=100]`: raw `openat(AT_FDCWD, "/dev/null", O_WRONLY)` = fd; T std
//!   threads each make M x raw `getppid()` then M x raw `write(fd, "t", 1)`; join all; raw
//!   `close(fd)`. Prints `threads=T calls=M`. Totals: T*M getppid, T*M write to fd.
//! - `fork-exec`: raw fork (x86_64: `fork()`; aarch64: `clone(SIGCHLD, 0, 0, 0, 0)`) =
//!   pid; child: raw `execve("/bin/true", ["true"], [])` (and raw `exit_group(127)` if that
//!   fails); parent: raw `wait4(pid, &status, 0, NULL)`. Prints `child=PID status=0`.
//! - `fork-exec-missing`: as `fork-exec`, but the child's raw
//!   `execve("/nonexistent/prog", ["prog"], [])` fails with ENOENT, then raw
//!   `exit_group(127)`. Prints `child=PID status=127`.
//! - `vfork`: `libc::vfork()` (x86_64: `vfork()`; aarch64 glibc:
//!   `clone(CLONE_VM|CLONE_VFORK|SIGCHLD)`) = pid; child: raw
//!   `execve("/bin/echo", ["echo", "vforked"], [])` (prints `vforked`), raw `exit_group(127)`
//!   if that fails; parent: raw `wait4(pid, &status, 0, NULL)`.
//!   Prints `vfork child=PID status=0`.
//! - `exit-code [C=0]`: raw `exit_group(C)`. Prints nothing.
//! - `kill-self [SIG=15]`: raw `getpid()`; only for SIG=13 (SIGPIPE, which the Rust
//!   runtime ignores) `rt_sigaction(SIGPIPE, SIG_DFL)`; raw `kill(pid, SIG)`. A fatal SIG
//!   kills the process (the tracer should exit 128+SIG); if the process survives (e.g. SIG=0
//!   or SIGCHLD) it prints `kill-self sig=SIG res=R survived` and exits 0.
//! - `thread-exec`: prints `pid=PID` first; raw `pipe2(fds, O_CLOEXEC)`; spawns a std thread
//!   which sleeps 50 ms then makes raw `execve("/bin/true", ["true"], [])`; meanwhile main
//!   blocks in raw `read(rd, buf, 1)`, which never returns: the exec from the non-leader
//!   thread kills main (and the exec'd image takes over pid PID). Exit status 0 (from true).
//!   strace shows main's `read(...) = ?` then `+++ superseded by execve in pid TID +++`,
//!   and the exec'd `/bin/true` continues as pid PID.
//! - `clone-thread-exit`: `pthread_create` (clone3); the thread makes raw `gettid()` then
//!   raw `exit(3)` (SYS_exit: ends only that thread, no glibc cleanup); main
//!   `pthread_join`s it (woken by the kernel's CLONE_CHILD_CLEARTID futex wake).
//!   Prints `thread_tid=TID exit=3 joined=1`; exit status 0.
//! - `sigsegv`: loads from address 0 (inline asm, no syscall). Dies from SIGSEGV (tracer
//!   should exit 139). The Rust runtime's SIGSEGV handler first runs: it makes
//!   `rt_sigaction(SIGSEGV, SIG_DFL)` and returns, the load faults again. Prints nothing.
//! - `nanosleep [MS=1]`: raw `nanosleep({0, MS ms}, NULL)` (MS < 1000). Prints
//!   `nanosleep res=0`.
//! - `pingpong [N=3]`: raw `pipe2(p, O_CLOEXEC)`; a std thread makes N x raw `read(p[0], buf, 1)`
//!   (each blocks until main writes); main makes N x (raw `nanosleep({0, 10 ms})`, raw
//!   `write(p[1], "x", 1)`), joins, raw `close` x 2. Prints `pingpong rounds=N`.
//! - `socket-connect`: raw `socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)` = l;
//!   raw `bind(l, {AF_INET, 127.0.0.1:0}, 16)`; raw `listen(l, 1)`;
//!   raw `getsockname(l, &addr, &len)` = port;
//!   raw `socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)` = c;
//!   raw `connect(c, {AF_INET, 127.0.0.1:port}, 16)`;
//!   raw `accept4(l, &peer, &len, SOCK_CLOEXEC)` = a;
//!   raw `sendto(c, "ping", 4, 0, NULL, 0)` = 4; raw `recvfrom(a, buf, 4, 0, NULL, NULL)` = 4;
//!   raw `close(a)`, `close(c)`, `close(l)`;
//!   raw `socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)` = u1;
//!   raw `connect(u1, {AF_UNIX, "/nonexistent/my-sysdig-test.sock"}, 34)` = -ENOENT;
//!   raw `close(u1)`; raw `socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0)` = u2;
//!   raw `connect(u2, {AF_UNIX, "\0my-sysdig-test-nonexistent"}, 29)` = -ECONNREFUSED;
//!   raw `close(u2)`. Prints `port=P listener=L client=C accepted=A sent=4 received=ping`,
//!   `unix_path res=-2 err=ENOENT`, `unix_abstract res=-111 err=ECONNREFUSED`.
//! - `sigframe`: raw `rt_sigprocmask(SIG_BLOCK, [USR2], NULL, 8)`; `rt_sigaction(SIGUSR1,
//!   handler)` (via libc::sigaction); raw `tgkill(pid, tid, SIGUSR1)`: the handler runs
//!   and its `rt_sigreturn` restores the mask [USR2] (strace: `rt_sigreturn({mask=[USR2]})`).
//!   Prints `handled=1`.

use std::ffi::CString;
use std::io::Write;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use libc::{c_int, c_long, c_void};

/// A syscall argument, converted to the register value.
trait Arg {
    fn arg(self) -> c_long;
}

macro_rules! impl_arg_int {
    ($($t:ty),*) => { $(impl Arg for $t { fn arg(self) -> c_long { self as c_long } })* };
}
impl_arg_int!(i32, u32, i64, u64, usize, isize);

impl<T> Arg for *const T {
    fn arg(self) -> c_long {
        self as c_long
    }
}

impl<T> Arg for *mut T {
    fn arg(self) -> c_long {
        self as c_long
    }
}

/// Result of a raw syscall: the return value, or the errno.
type Ret = Result<c_long, c_int>;

fn errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Makes exactly one raw syscall with the given arguments.
fn raw(nr: c_long, a: &[c_long]) -> Ret {
    // SAFETY: a test program; callers pass pointers valid for the call, or deliberately
    // bad ones that the kernel rejects with EFAULT.
    let r = unsafe {
        match *a {
            [] => libc::syscall(nr),
            [a0] => libc::syscall(nr, a0),
            [a0, a1] => libc::syscall(nr, a0, a1),
            [a0, a1, a2] => libc::syscall(nr, a0, a1, a2),
            [a0, a1, a2, a3] => libc::syscall(nr, a0, a1, a2, a3),
            [a0, a1, a2, a3, a4] => libc::syscall(nr, a0, a1, a2, a3, a4),
            [a0, a1, a2, a3, a4, a5] => libc::syscall(nr, a0, a1, a2, a3, a4, a5),
            _ => panic!("too many syscall arguments"),
        }
    };
    if r == -1 { Err(errno()) } else { Ok(r) }
}

macro_rules! sys {
    ($nr:expr $(, $a:expr)* $(,)?) => {
        raw($nr, &[$(Arg::arg($a)),*])
    };
}

/// Unwraps a syscall result that must succeed in a healthy test environment.
fn must(r: Ret, what: &str) -> c_long {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what} failed: {}", std::io::Error::from_raw_os_error(e)),
    }
}

fn errno_name(e: c_int) -> &'static str {
    match e {
        libc::ENOENT => "ENOENT",
        libc::EFAULT => "EFAULT",
        libc::EINTR => "EINTR",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::EACCES => "EACCES",
        libc::EBADF => "EBADF",
        libc::EINVAL => "EINVAL",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOSYS => "ENOSYS",
        _ => "E?",
    }
}

/// `res=R err=NAME` for a failed call, `res=R` for a successful one.
fn show(r: Ret) -> String {
    match r {
        Ok(v) => format!("res={v}"),
        Err(e) => format!("res=-{e} err={}", errno_name(e)),
    }
}

/// Writes the case's summary with a single write(1, ...).
fn emit(s: &str) {
    let mut out = std::io::stdout().lock();
    out.write_all(s.as_bytes())
        .expect("write summary to stdout");
    out.flush().expect("flush stdout");
}

fn usage_error(msg: &str) -> ! {
    eprintln!("sysdig-test-helper: {msg}");
    std::process::exit(2);
}

/// Numeric argument `args[i]`, or `default` when absent; exits 2 when malformed.
fn num<T: std::str::FromStr>(args: &[String], i: usize, default: T) -> T {
    match args.get(i) {
        None => default,
        Some(s) => s
            .parse()
            .unwrap_or_else(|_| usage_error(&format!("bad numeric argument {s:?}"))),
    }
}

fn cstr(s: &str) -> CString {
    CString::new(s).expect("no NUL inside a constant string")
}

fn open_raw(path: &str, flags: c_int) -> c_long {
    let p = cstr(path);
    must(
        sys!(libc::SYS_openat, libc::AT_FDCWD, p.as_ptr(), flags),
        &format!("openat {path}"),
    )
}

fn close_raw(fd: c_long) {
    must(sys!(libc::SYS_close, fd), "close");
}

fn exit_group(code: c_int) -> ! {
    let _ = sys!(libc::SYS_exit_group, code);
    unreachable!("exit_group returned")
}

/// A NULL-terminated argv/envp built before a fork, so the child only makes syscalls.
struct Argv {
    _strings: Vec<CString>,
    ptrs: Vec<*const libc::c_char>,
}

impl Argv {
    fn new(items: &[&str]) -> Argv {
        let strings: Vec<CString> = items.iter().map(|s| cstr(s)).collect();
        let mut ptrs: Vec<*const libc::c_char> = strings.iter().map(|s| s.as_ptr()).collect();
        ptrs.push(std::ptr::null());
        Argv {
            _strings: strings,
            ptrs,
        }
    }
    fn as_ptr(&self) -> *const *const libc::c_char {
        self.ptrs.as_ptr()
    }
}

// ---------------------------------------------------------------- cases

fn case_getppid(args: &[String]) {
    let n: u64 = num(args, 0, 100);
    for _ in 0..n {
        must(sys!(libc::SYS_getppid), "getppid");
    }
    emit(&format!("getppid calls={n}\n"));
}

fn case_read64(args: &[String]) {
    let n: u64 = num(args, 0, 100);
    let mut buf = [0u8; 64];
    let fd = open_raw("/dev/zero", libc::O_RDONLY);
    for _ in 0..n {
        let r = must(sys!(libc::SYS_read, fd, buf.as_mut_ptr(), 64), "read");
        assert_eq!(r, 64, "short read from /dev/zero");
    }
    close_raw(fd);
    emit(&format!("read64 fd={fd} calls={n}\n"));
}

fn case_openat(args: &[String]) {
    let dir = args
        .first()
        .unwrap_or_else(|| usage_error("openat needs a directory argument"));
    let created = cstr(&format!("{dir}/created"));
    let mut buf = vec![0u8; 4096];

    let fd1 = open_raw("/etc/hostname", libc::O_RDONLY | libc::O_CLOEXEC);
    let n = must(sys!(libc::SYS_read, fd1, buf.as_mut_ptr(), 4096), "read");
    close_raw(fd1);

    let missing = cstr("/nonexistent/my-sysdig-test");
    let r = sys!(
        libc::SYS_openat,
        libc::AT_FDCWD,
        missing.as_ptr(),
        libc::O_RDONLY
    );

    let fd2 = must(
        sys!(
            libc::SYS_openat,
            libc::AT_FDCWD,
            created.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
            0o640
        ),
        "openat DIR/created",
    );
    let hello = b"hello\n";
    let w = must(
        sys!(libc::SYS_write, fd2, hello.as_ptr(), hello.len()),
        "write",
    );
    close_raw(fd2);

    emit(&format!(
        "hostname_fd={fd1} read={n}\nmissing {}\ncreated_fd={fd2} wrote={w}\n",
        show(r)
    ));
}

fn case_write_known(_args: &[String]) {
    let msg = b"hello from helper\n";
    must(sys!(libc::SYS_write, 1, msg.as_ptr(), msg.len()), "write");
}

fn case_badptr(_args: &[String]) {
    let bad = std::ptr::without_provenance::<u8>(0x1);
    let mut out = String::new();

    let r = sys!(libc::SYS_openat, libc::AT_FDCWD, bad, libc::O_RDONLY);
    out += &format!("openat_ptr1 {}\n", show(r));

    let r = sys!(libc::SYS_write, 1, bad, 10);
    out += &format!("write_ptr1 {}\n", show(r));

    let fd = open_raw("/dev/zero", libc::O_RDONLY);
    let r = sys!(libc::SYS_read, fd, bad, 10);
    close_raw(fd);
    out += &format!("read_ptr1 {}\n", show(r));

    let s = must(
        sys!(
            libc::SYS_socket,
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0
        ),
        "socket",
    );
    let r = sys!(libc::SYS_connect, s, bad, 110);
    close_raw(s);
    out += &format!("connect_ptr1 {}\n", show(r));

    // SAFETY: sysconf(_SC_PAGESIZE) reads the auxiliary vector; no syscall.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let m = must(
        sys!(
            libc::SYS_mmap,
            0,
            2 * page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0
        ),
        "mmap",
    ) as usize;
    must(
        sys!(libc::SYS_mprotect, m + page, page, libc::PROT_NONE),
        "mprotect",
    );
    let tail = (m + page - 100) as *mut u8;
    // SAFETY: the 100 bytes before m+page are in the first, writable page.
    unsafe { std::ptr::write_bytes(tail, b'a', 100) };
    let r = sys!(libc::SYS_openat, libc::AT_FDCWD, tail, libc::O_RDONLY);
    must(sys!(libc::SYS_munmap, m, 2 * page), "munmap");
    out += &format!("openat_unterminated {}\n", show(r));

    emit(&out);
}

fn case_binary(args: &[String]) {
    let given: Option<c_long> = args.first().map(|_| num(args, 0, 0));
    let all: Vec<u8> = (0..=255u8).collect();
    let bad_utf8: &[u8] = b"\xff\xfe bad \xc3\x28 utf8\n";

    let fd = given.unwrap_or_else(|| open_raw("/dev/null", libc::O_WRONLY));
    let w1 = must(sys!(libc::SYS_write, fd, all.as_ptr(), all.len()), "write");
    let w2 = must(
        sys!(libc::SYS_write, fd, bad_utf8.as_ptr(), bad_utf8.len()),
        "write",
    );
    if given.is_none() {
        close_raw(fd);
    }
    emit(&format!("binary fd={fd} wrote={w1} wrote2={w2}\n"));
}

fn case_bigbuf(args: &[String]) {
    let n: usize = num(args, 0, 1 << 20);
    let big = vec![b'A'; n];
    let mut rbuf = vec![0u8; 1 << 20];

    let fd1 = open_raw("/dev/null", libc::O_WRONLY);
    let w = sys!(libc::SYS_write, fd1, big.as_ptr(), big.len());
    close_raw(fd1);
    let fd2 = open_raw("/dev/zero", libc::O_RDONLY);
    let r = sys!(libc::SYS_read, fd2, rbuf.as_mut_ptr(), rbuf.len());
    close_raw(fd2);

    let fmt = |r: Ret| match r {
        Ok(v) => v.to_string(),
        Err(e) => format!("-{e}"),
    };
    emit(&format!("bigbuf write={} read={}\n", fmt(w), fmt(r)));
}

static HANDLED: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_sigusr1(_sig: c_int) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

fn install_handler(sig: c_int, handler: libc::sighandler_t, flags: c_int) {
    // SAFETY: a zeroed sigaction is valid; the handler only touches an atomic.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler;
        sa.sa_flags = flags;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
            panic!("sigaction: {}", std::io::Error::last_os_error());
        }
    }
}

fn pipe_raw() -> (c_long, c_long) {
    let mut fds = [0 as c_int; 2];
    must(
        sys!(libc::SYS_pipe2, fds.as_mut_ptr(), libc::O_CLOEXEC),
        "pipe2",
    );
    (fds[0] as c_long, fds[1] as c_long)
}

fn signals_common(args: &[String], restart: bool) {
    let n: u32 = num(args, 0, 10);
    install_handler(
        libc::SIGUSR1,
        on_sigusr1 as *const () as libc::sighandler_t,
        if restart { libc::SA_RESTART } else { 0 },
    );
    let (rd, wr) = pipe_raw();
    let pid = std::process::id();
    let main_tid = must(sys!(libc::SYS_gettid), "gettid");

    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(10));
        for _ in 0..n {
            must(
                sys!(libc::SYS_tgkill, pid, main_tid, libc::SIGUSR1),
                "tgkill",
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        let x = b"x";
        must(sys!(libc::SYS_write, wr, x.as_ptr(), 1), "write pipe");
    });

    let mut buf = [0u8; 1];
    let mut eintr = 0u32;
    let got = loop {
        match sys!(libc::SYS_read, rd, buf.as_mut_ptr(), 1) {
            Ok(v) => break v,
            Err(libc::EINTR) if !restart => eintr += 1,
            Err(e) => panic!("read pipe: {}", std::io::Error::from_raw_os_error(e)),
        }
    };
    sender.join().expect("signal sender thread panicked");
    close_raw(rd);
    close_raw(wr);

    let handled = HANDLED.load(Ordering::SeqCst);
    if restart {
        emit(&format!("signals_sent={n} handled={handled} read={got}\n"));
    } else {
        emit(&format!(
            "signals_sent={n} handled={handled} eintr={eintr} read={got}\n"
        ));
    }
}

fn case_signals(args: &[String]) {
    signals_common(args, true);
}

fn case_signals_eintr(args: &[String]) {
    signals_common(args, false);
}

static ALARMS: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_sigalrm(_sig: c_int) {
    ALARMS.fetch_add(1, Ordering::SeqCst);
}

/// Arms (`us` > 0) or disarms (`us` = 0) a periodic ITIMER_REAL.
fn set_timer(us: i64) {
    let tv = libc::timeval {
        tv_sec: (us / 1_000_000) as libc::time_t,
        tv_usec: (us % 1_000_000) as libc::suseconds_t,
    };
    let it = libc::itimerval {
        it_interval: tv,
        it_value: tv,
    };
    // SAFETY: `it` is a valid itimerval; the old value is not wanted.
    if unsafe { libc::setitimer(libc::ITIMER_REAL, &it, std::ptr::null_mut()) } != 0 {
        panic!("setitimer: {}", std::io::Error::last_os_error());
    }
}

fn case_signal_storm(args: &[String]) {
    let n: u64 = num(args, 0, 2000);
    let us: i64 = num(args, 1, 200);
    if us <= 0 {
        usage_error("signal-storm: US must be positive");
    }
    install_handler(
        libc::SIGALRM,
        on_sigalrm as *const () as libc::sighandler_t,
        0,
    );
    let gap_every: u64 = num(args, 2, 0);
    let gap_ms: u64 = num(args, 3, 0);
    set_timer(us);
    let (mut eintr, mut other) = (0u64, 0u64);
    for i in 0..n {
        if gap_every > 0 && i > 0 && i % gap_every == 0 {
            // Spins, making no syscall: the tracer sees the tree idle.
            let t = std::time::Instant::now();
            while t.elapsed() < std::time::Duration::from_millis(gap_ms) {
                std::hint::spin_loop();
            }
        }
        match sys!(libc::SYS_getppid) {
            Ok(_) => {}
            Err(libc::EINTR) => eintr += 1,
            Err(_) => other += 1,
        }
    }
    set_timer(0);
    let handled = ALARMS.load(Ordering::SeqCst);
    emit(&format!(
        "calls={n} eintr={eintr} other={other} handled={handled}\n"
    ));
}

fn case_sigframe(_args: &[String]) {
    let usr2: u64 = 1 << (libc::SIGUSR2 - 1);
    must(
        sys!(
            libc::SYS_rt_sigprocmask,
            libc::SIG_BLOCK,
            &usr2 as *const u64,
            0usize,
            8
        ),
        "rt_sigprocmask",
    );
    install_handler(
        libc::SIGUSR1,
        on_sigusr1 as *const () as libc::sighandler_t,
        0,
    );
    let pid = must(sys!(libc::SYS_getpid), "getpid");
    let tid = must(sys!(libc::SYS_gettid), "gettid");
    must(sys!(libc::SYS_tgkill, pid, tid, libc::SIGUSR1), "tgkill");
    emit(&format!("handled={}\n", HANDLED.load(Ordering::SeqCst)));
}

fn case_threads(args: &[String]) {
    let t: usize = num(args, 0, 4);
    let m: usize = num(args, 1, 100);
    let fd = open_raw("/dev/null", libc::O_WRONLY);
    let handles: Vec<_> = (0..t)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..m {
                    must(sys!(libc::SYS_getppid), "getppid");
                }
                let b = b"t";
                for _ in 0..m {
                    must(sys!(libc::SYS_write, fd, b.as_ptr(), 1), "write");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread panicked");
    }
    close_raw(fd);
    emit(&format!("threads={t} calls={m}\n"));
}

fn case_seq_threads(args: &[String]) {
    let t: usize = num(args, 0, 4);
    let n: usize = num(args, 1, 1000);
    let handles: Vec<_> = (0..t)
        .map(|k| {
            std::thread::spawn(move || {
                for i in 0..n {
                    // Numbers no descriptor has: each record says its place.
                    let fd = 1_000_000 + 10_000 * k + i;
                    assert_eq!(sys!(libc::SYS_close, fd as c_long), Err(libc::EBADF));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread panicked");
    }
    emit(&format!("threads={t} calls={n}\n"));
}

/// Raw fork: SYS_fork on x86_64, clone(SIGCHLD) on aarch64 (which has no fork).
fn fork_raw() -> c_long {
    #[cfg(target_arch = "x86_64")]
    let r = sys!(libc::SYS_fork);
    #[cfg(not(target_arch = "x86_64"))]
    let r = sys!(libc::SYS_clone, libc::SIGCHLD, 0, 0, 0, 0);
    must(r, "fork")
}

fn wait_raw(pid: c_long) -> String {
    let mut status: c_int = 0;
    must(
        sys!(
            libc::SYS_wait4,
            pid,
            &mut status as *mut c_int,
            0,
            std::ptr::null::<c_void>()
        ),
        "wait4",
    );
    if libc::WIFEXITED(status) {
        format!("status={}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("signal={}", libc::WTERMSIG(status))
    } else {
        format!("raw_status={status:#x}")
    }
}

fn fork_exec(path: &str, argv0: &str) {
    let p = cstr(path);
    let argv = Argv::new(&[argv0]);
    let envp = Argv::new(&[]);
    let pid = fork_raw();
    if pid == 0 {
        let _ = sys!(libc::SYS_execve, p.as_ptr(), argv.as_ptr(), envp.as_ptr());
        exit_group(127);
    }
    let st = wait_raw(pid);
    emit(&format!("child={pid} {st}\n"));
}

fn case_fork_exec(_args: &[String]) {
    fork_exec("/bin/true", "true");
}

fn case_fork_exec_missing(_args: &[String]) {
    fork_exec("/nonexistent/prog", "prog");
}

/// Exit status of a forked child whose execve failed.
const CHILD_FAIL: c_long = 127;

/// vfork; the child execs `path` (or exit_group(127)) without returning from here.
///
/// libc marks `vfork` deprecated because Rust does not know it returns twice
/// (rust-lang/libc#1596): the child shares the parent's stack until it execs. The child
/// therefore only makes two raw syscalls on pointers prepared by the caller, touches
/// nothing else, and this frame is kept out of line.
#[inline(never)]
#[allow(deprecated)]
fn vfork_exec(
    path: *const libc::c_char,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
) -> libc::pid_t {
    // SAFETY: see above; the child never returns from this function.
    unsafe {
        let pid = libc::vfork();
        if pid == 0 {
            libc::syscall(libc::SYS_execve, path, argv, envp);
            libc::syscall(libc::SYS_exit_group, CHILD_FAIL);
        }
        pid
    }
}

fn case_vfork(_args: &[String]) {
    let p = cstr("/bin/echo");
    let argv = Argv::new(&["echo", "vforked"]);
    let envp = Argv::new(&[]);
    let pid = vfork_exec(p.as_ptr(), argv.as_ptr(), envp.as_ptr());
    if pid < 0 {
        panic!("vfork: {}", std::io::Error::last_os_error());
    }
    let st = wait_raw(pid as c_long);
    emit(&format!("vfork child={pid} {st}\n"));
}

fn case_exit_code(args: &[String]) {
    let c: c_int = num(args, 0, 0);
    exit_group(c);
}

fn case_kill_self(args: &[String]) {
    let sig: c_int = num(args, 0, libc::SIGTERM);
    let pid = must(sys!(libc::SYS_getpid), "getpid");
    if sig == libc::SIGPIPE {
        install_handler(sig, libc::SIG_DFL, 0);
    }
    let r = sys!(libc::SYS_kill, pid, sig);
    emit(&format!("kill-self sig={sig} {} survived\n", show(r)));
}

fn case_thread_exec(_args: &[String]) {
    emit(&format!("pid={}\n", std::process::id()));
    let (rd, _wr) = pipe_raw();
    let p = cstr("/bin/true");
    let argv = Argv::new(&["true"]);
    let envp = Argv::new(&[]);
    // Raw pointers are not Send; pass the addresses.
    let (pp, ap, ep) = (
        p.as_ptr() as usize,
        argv.as_ptr() as usize,
        envp.as_ptr() as usize,
    );
    let _t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        let r = sys!(libc::SYS_execve, pp, ap, ep);
        eprintln!("thread-exec: execve failed: {}", show(r));
        exit_group(1);
    });
    let mut buf = [0u8; 1];
    let r = sys!(libc::SYS_read, rd, buf.as_mut_ptr(), 1);
    eprintln!("thread-exec: read returned unexpectedly: {}", show(r));
    exit_group(1);
}

/// A thread blocks in read on a pipe nobody writes; main sleeps 50 ms and
/// ends the process with exit_group(4), killing the thread inside its read.
fn case_thread_exit_group(_args: &[String]) {
    let (rd, _wr) = pipe_raw();
    let _t = std::thread::spawn(move || {
        let mut buf = [0u8; 1];
        let r = sys!(libc::SYS_read, rd, buf.as_mut_ptr(), 1);
        eprintln!("thread-exit-group: read returned unexpectedly: {}", show(r));
        exit_group(1);
    });
    std::thread::sleep(Duration::from_millis(50));
    emit(&format!("pid={}\n", std::process::id()));
    exit_group(4);
}

const THREAD_EXIT_CODE: c_long = 3;

static THREAD_TID: AtomicI64 = AtomicI64::new(0);

extern "C" fn thread_raw_exit(_arg: *mut c_void) -> *mut c_void {
    let tid = sys!(libc::SYS_gettid).unwrap_or(-1);
    THREAD_TID.store(tid, Ordering::SeqCst);
    // SAFETY: ends this thread only; glibc's pthread_join still works because the kernel
    // clears the tid word (CLONE_CHILD_CLEARTID) and wakes the joiner.
    unsafe { libc::syscall(libc::SYS_exit, THREAD_EXIT_CODE) };
    unreachable!("SYS_exit returned")
}

fn case_clone_thread_exit(_args: &[String]) {
    // SAFETY: plain pthread_create/pthread_join with a start routine that never touches
    // Rust-managed state other than an atomic.
    unsafe {
        let mut th: libc::pthread_t = std::mem::zeroed();
        let rc = libc::pthread_create(
            &mut th,
            std::ptr::null(),
            thread_raw_exit,
            std::ptr::null_mut(),
        );
        assert_eq!(rc, 0, "pthread_create failed: {rc}");
        let rc = libc::pthread_join(th, std::ptr::null_mut());
        assert_eq!(rc, 0, "pthread_join failed: {rc}");
    }
    let tid = THREAD_TID.load(Ordering::SeqCst);
    emit(&format!("thread_tid={tid} exit=3 joined=1\n"));
}

/// A thread calls getppid, renames itself with prctl(PR_SET_NAME, "renamed"),
/// calls getppid again; the main thread then calls getppid once.
fn case_rename_thread(_args: &[String]) {
    let tid = std::thread::spawn(|| {
        must(sys!(libc::SYS_getppid), "getppid");
        let name = b"renamed\0";
        must(
            sys!(libc::SYS_prctl, libc::PR_SET_NAME, name.as_ptr(), 0, 0, 0),
            "prctl(PR_SET_NAME)",
        );
        must(sys!(libc::SYS_getppid), "getppid");
        must(sys!(libc::SYS_gettid), "gettid")
    })
    .join()
    .expect("renaming thread panicked");
    must(sys!(libc::SYS_getppid), "getppid");
    emit(&format!("renamed_tid={tid}\n"));
}

fn case_sigsegv(_args: &[String]) {
    let addr: usize = std::hint::black_box(0);
    // SAFETY: not safe at all: loads from address 0 to die from SIGSEGV.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        std::arch::asm!("mov {v}, qword ptr [{a}]", a = in(reg) addr, v = out(reg) _);
        #[cfg(target_arch = "aarch64")]
        std::arch::asm!("ldr {v}, [{a}]", a = in(reg) addr, v = out(reg) _);
        #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
        std::ptr::read_volatile(std::hint::black_box(8usize) as *const u8);
    }
    eprintln!("sigsegv: survived a load from address 0");
    exit_group(1);
}

fn case_nosys(args: &[String]) {
    let nr: c_long = num(args, 0, 400);
    let r = sys!(nr, 1, 2, 3, 4, 5, 6);
    emit(&format!("nosys nr={nr} {}\n", show(r)));
}

/// One i386 syscall through `int 0x80` from 64-bit code: the kernel runs
/// it as a 32-bit program's (seccomp sees AUDIT_ARCH_I386). rbx is LLVM's,
/// so the first argument goes through a swap; the kernel clears r8-r11.
#[cfg(target_arch = "x86_64")]
fn int80(nr: u32, a: u32, b: u32, c: u32) -> i64 {
    let r: i32;
    // SAFETY: a syscall with integer arguments; registers as declared.
    unsafe {
        std::arch::asm!(
            "xchg {a:r}, rbx",
            "int 0x80",
            "xchg {a:r}, rbx",
            a = inout(reg) a as u64 => _,
            inlateout("eax") nr => r,
            in("ecx") b,
            in("edx") c,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
        );
    }
    r as i64
}

#[cfg(target_arch = "x86_64")]
fn case_int80(_: &[String]) {
    // Below 4 GiB, where a 32-bit pointer reaches.
    let low = sys!(
        libc::SYS_mmap,
        0usize,
        4096usize,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_32BIT,
        -1,
        0
    );
    let low = must(low, "mmap MAP_32BIT") as usize;
    let text = b"int80 write\n";
    let path = b"/nonexistent/int80\0";
    // SAFETY: the fresh page holds both.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), low as *mut u8, text.len());
        std::ptr::copy_nonoverlapping(path.as_ptr(), (low + 64) as *mut u8, path.len());
    }
    let low = low as u32;
    let pid = int80(20, 0, 0, 0); // getpid
    let wrote = int80(4, 1, low, text.len() as u32); // write
    let open = int80(5, low + 64, 0, 0); // open(path, O_RDONLY)
    let uid = int80(199, 0, 0, 0); // getuid32
    let fault = int80(4, 1, 16, 5); // write from an unmapped address
    let clock = int80(403, libc::CLOCK_MONOTONIC as u32, low + 128, 0); // clock_gettime64
    let ppid = sys!(libc::SYS_getppid);
    emit(&format!(
        "int80 getpid={pid} write={wrote} open={open} getuid32={uid} fault={fault} \
         clock_gettime64={clock} then {}\n",
        show(ppid)
    ));
}

fn case_nanosleep(args: &[String]) {
    let ms: i64 = num(args, 0, 1);
    if !(0..1000).contains(&ms) {
        usage_error("nanosleep: MS must be below 1000");
    }
    let ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: ms * 1_000_000,
    };
    let r = sys!(
        libc::SYS_nanosleep,
        &ts as *const libc::timespec,
        std::ptr::null::<c_void>()
    );
    emit(&format!("nanosleep {}\n", show(r)));
}

fn case_pingpong(args: &[String]) {
    let n: usize = num(args, 0, 3);
    let (r, w) = pipe_raw();
    let reader = std::thread::spawn(move || {
        let mut b = [0u8; 1];
        for _ in 0..n {
            must(sys!(libc::SYS_read, r, b.as_mut_ptr(), 1), "read");
        }
    });
    let ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 10_000_000,
    };
    for _ in 0..n {
        must(
            sys!(
                libc::SYS_nanosleep,
                &ts as *const libc::timespec,
                std::ptr::null::<c_void>()
            ),
            "nanosleep",
        );
        must(sys!(libc::SYS_write, w, b"x".as_ptr(), 1), "write");
    }
    reader.join().expect("reader thread panicked");
    close_raw(r);
    close_raw(w);
    emit(&format!("pingpong rounds={n}\n"));
}

fn sockaddr_in_loopback(port: u16) -> libc::sockaddr_in {
    // SAFETY: sockaddr_in is plain data; zero is a valid value.
    let mut sa: libc::sockaddr_in = unsafe { std::mem::zeroed() };
    sa.sin_family = libc::AF_INET as libc::sa_family_t;
    sa.sin_port = port.to_be();
    sa.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
    sa
}

fn sockaddr_un(path: &[u8]) -> (libc::sockaddr_un, usize) {
    // SAFETY: sockaddr_un is plain data; zero is a valid value.
    let mut sa: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    sa.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (d, s) in sa.sun_path.iter_mut().zip(path) {
        *d = *s as libc::c_char;
    }
    (sa, std::mem::size_of::<libc::sa_family_t>() + path.len())
}

fn socket_raw(domain: c_int) -> c_long {
    must(
        sys!(
            libc::SYS_socket,
            domain,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0
        ),
        "socket",
    )
}

fn case_socket_connect(_args: &[String]) {
    let in_len = std::mem::size_of::<libc::sockaddr_in>();
    let l = socket_raw(libc::AF_INET);
    let any = sockaddr_in_loopback(0);
    must(
        sys!(libc::SYS_bind, l, &any as *const libc::sockaddr_in, in_len),
        "bind",
    );
    must(sys!(libc::SYS_listen, l, 1), "listen");
    let mut bound = sockaddr_in_loopback(0);
    let mut len = in_len as libc::socklen_t;
    must(
        sys!(
            libc::SYS_getsockname,
            l,
            &mut bound as *mut libc::sockaddr_in,
            &mut len as *mut libc::socklen_t
        ),
        "getsockname",
    );
    let port = u16::from_be(bound.sin_port);

    let c = socket_raw(libc::AF_INET);
    let dst = sockaddr_in_loopback(port);
    must(
        sys!(
            libc::SYS_connect,
            c,
            &dst as *const libc::sockaddr_in,
            in_len
        ),
        "connect",
    );
    let mut peer = sockaddr_in_loopback(0);
    let mut plen = in_len as libc::socklen_t;
    let a = must(
        sys!(
            libc::SYS_accept4,
            l,
            &mut peer as *mut libc::sockaddr_in,
            &mut plen as *mut libc::socklen_t,
            libc::SOCK_CLOEXEC
        ),
        "accept4",
    );
    let ping = b"ping";
    let sent = must(
        sys!(libc::SYS_sendto, c, ping.as_ptr(), 4, 0, 0, 0),
        "sendto",
    );
    let mut rbuf = [0u8; 4];
    let got = must(
        sys!(libc::SYS_recvfrom, a, rbuf.as_mut_ptr(), 4, 0, 0, 0),
        "recvfrom",
    );
    close_raw(a);
    close_raw(c);
    close_raw(l);

    let (un_path, un_path_len) = sockaddr_un(b"/nonexistent/my-sysdig-test.sock");
    let u1 = socket_raw(libc::AF_UNIX);
    let r_path = sys!(
        libc::SYS_connect,
        u1,
        &un_path as *const libc::sockaddr_un,
        un_path_len
    );
    close_raw(u1);
    let (un_abs, un_abs_len) = sockaddr_un(b"\0my-sysdig-test-nonexistent");
    let u2 = socket_raw(libc::AF_UNIX);
    let r_abs = sys!(
        libc::SYS_connect,
        u2,
        &un_abs as *const libc::sockaddr_un,
        un_abs_len
    );
    close_raw(u2);

    emit(&format!(
        "port={port} listener={l} client={c} accepted={a} sent={sent} received={}\n\
         unix_path {}\nunix_abstract {}\n",
        String::from_utf8_lossy(&rbuf[..got as usize]),
        show(r_path),
        show(r_abs)
    ));
}

// ---------------------------------------------------------------- table

type CaseFn = fn(&[String]);

const CASES: &[(&str, &str, CaseFn)] = &[
    ("getppid", "getppid [N=100]: N raw getppid", case_getppid),
    (
        "read64",
        "read64 [N=100]: openat /dev/zero, N read(fd, buf, 64), close",
        case_read64,
    ),
    (
        "openat",
        "openat DIR: /etc/hostname open+read+close, ENOENT open, create DIR/created",
        case_openat,
    ),
    (
        "write-known",
        "write-known: write(1, \"hello from helper\\n\", 18)",
        case_write_known,
    ),
    (
        "badptr",
        "badptr: openat/write/read/connect with pointer 0x1, openat on an unterminated path",
        case_badptr,
    ),
    (
        "binary",
        "binary [FD]: write 256 bytes 0x00..0xff, then invalid UTF-8, to FD or /dev/null",
        case_binary,
    ),
    (
        "bigbuf",
        "bigbuf [N=1048576]: one write of N 'A' to /dev/null, one 1 MiB read of /dev/zero",
        case_bigbuf,
    ),
    (
        "inject-threads",
        "inject-threads [T=3] [N=4]: T threads call getppid N times, report each result",
        case_inject_threads,
    ),
    (
        "inject-delay",
        "inject-delay: one thread times a getppid while another counts its getuid calls",
        case_inject_delay,
    ),
    (
        "inject-signal",
        "inject-signal: a second thread calls getppid; SIGUSR1's handler notes its thread",
        case_inject_signal,
    ),
    (
        "signals",
        "signals [N=10]: pipe read restarted (SA_RESTART) across N SIGUSR1 from a thread",
        case_signals,
    ),
    (
        "signals-eintr",
        "signals-eintr [N=10]: pipe read loop counting EINTR across N SIGUSR1",
        case_signals_eintr,
    ),
    (
        "signal-storm",
        "signal-storm [N=2000] [US=200] [EVERY MS]: N getppid under SIGALRM every US us (no SA_RESTART); MS ms of spinning before every EVERY-th",
        case_signal_storm,
    ),
    (
        "threads",
        "threads [T=4] [M=100]: T threads, each M getppid + M write(/dev/null, \"t\", 1)",
        case_threads,
    ),
    (
        "seq-threads",
        "seq-threads [T=4] [N=1000]: T threads, each close(K) for K = 1000000 + 10000*t + i, i in 0..N (EBADF): the order shows",
        case_seq_threads,
    ),
    (
        "fork-exec",
        "fork-exec: raw fork, child execve /bin/true, parent wait4",
        case_fork_exec,
    ),
    (
        "fork-exec-missing",
        "fork-exec-missing: raw fork, child execve /nonexistent/prog (ENOENT), exit_group(127)",
        case_fork_exec_missing,
    ),
    (
        "vfork",
        "vfork: vfork, child execve /bin/echo vforked, parent wait4",
        case_vfork,
    ),
    (
        "exit-code",
        "exit-code [C=0]: exit_group(C)",
        case_exit_code,
    ),
    (
        "kill-self",
        "kill-self [SIG=15]: kill(getpid(), SIG) with default disposition",
        case_kill_self,
    ),
    (
        "thread-exec",
        "thread-exec: a thread execs /bin/true while main blocks in read on a pipe",
        case_thread_exec,
    ),
    (
        "thread-exit-group",
        "thread-exit-group: a thread blocks in read on a pipe; main exit_group(4)s 50 ms later",
        case_thread_exit_group,
    ),
    (
        "clone-thread-exit",
        "clone-thread-exit: a pthread ends with raw exit(3); main pthread_joins it",
        case_clone_thread_exit,
    ),
    (
        "rename-thread",
        "rename-thread: a thread calls getppid, prctl(PR_SET_NAME, \"renamed\"), getppid; main getppid",
        case_rename_thread,
    ),
    (
        "sigsegv",
        "sigsegv: load from address 0, dies from SIGSEGV",
        case_sigsegv,
    ),
    (
        "nanosleep",
        "nanosleep [MS=1]: nanosleep({0, MS ms}, NULL)",
        case_nanosleep,
    ),
    (
        "nosys",
        "nosys [NR=400]: syscall(NR, 1, 2, 3, 4, 5, 6) for a number no syscall has (x86_64: 335..423 are the other ABIs')",
        case_nosys,
    ),
    #[cfg(target_arch = "x86_64")]
    (
        "int80",
        "int80: i386 calls through int 0x80 (getpid, write, open of a missing path, getuid32, \
         write from a bad pointer, clock_gettime64), then a native getppid",
        case_int80,
    ),
    (
        "pingpong",
        "pingpong [N=3]: a thread blocks in read on a pipe, main sleeps 10 ms and writes, N times",
        case_pingpong,
    ),
    (
        "socket-connect",
        "socket-connect: TCP on 127.0.0.1 (bind/listen/connect/accept4/sendto/recvfrom), \
         failing AF_UNIX connects",
        case_socket_connect,
    ),
    (
        "sigframe",
        "sigframe: SIGUSR1 handled while SIGUSR2 is blocked (rt_sigreturn restores [USR2])",
        case_sigframe,
    ),
];

/// `inject-threads [T=3] [N=4]`: T threads each call getppid N times and
/// report which of their calls returned what (fault injection counts per
/// thread: `--inject getppid:retval=4242:when=2` changes each one's 2nd).
fn case_inject_threads(args: &[String]) {
    let t: usize = num(args, 0, 3);
    let n: usize = num(args, 1, 4);
    let real = unsafe { libc::syscall(libc::SYS_getppid) };
    let handles: Vec<_> = (0..t)
        .map(|_| {
            std::thread::spawn(move || {
                (0..n)
                    .map(|_| {
                        let r = unsafe { libc::syscall(libc::SYS_getppid) };
                        if r == real {
                            "real".to_string()
                        } else {
                            r.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
        })
        .collect();
    let mut out = String::new();
    for (i, h) in handles.into_iter().enumerate() {
        let got = h.join().expect("worker thread panicked");
        out += &format!("thread{i}={got}\n");
    }
    emit(&out);
}

/// `inject-delay`: one thread calls getppid once and times it; another
/// counts its own getuid calls meanwhile (a delay must hold only the caller).
fn case_inject_delay(_: &[String]) {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let (s2, c2) = (stop.clone(), calls.clone());
    let other = std::thread::spawn(move || {
        while !s2.load(Ordering::SeqCst) {
            unsafe { libc::syscall(libc::SYS_getuid) };
            c2.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before = calls.load(Ordering::SeqCst);
    let t0 = std::time::Instant::now();
    unsafe { libc::syscall(libc::SYS_getppid) };
    let ms = t0.elapsed().as_millis();
    let during = calls.load(Ordering::SeqCst) - before;
    stop.store(true, Ordering::SeqCst);
    other.join().expect("counter thread panicked");
    emit(&format!("getppid_ms={ms} other_calls={during}\n"));
}

static SIG_TID: AtomicU64 = AtomicU64::new(0);

extern "C" fn on_usr1_tid(_: libc::c_int) {
    let tid = unsafe { libc::syscall(libc::SYS_gettid) };
    SIG_TID.store(tid as u64, Ordering::SeqCst);
}

/// `inject-signal`: a second thread calls getppid; SIGUSR1's handler notes
/// the thread it ran on (`--inject getppid:signal=SIGUSR1` targets the caller).
fn case_inject_signal(_: &[String]) {
    install_handler(
        libc::SIGUSR1,
        on_usr1_tid as *const () as libc::sighandler_t,
        0,
    );
    let caller = std::thread::spawn(|| {
        let tid = unsafe { libc::syscall(libc::SYS_gettid) } as u64;
        unsafe { libc::syscall(libc::SYS_getppid) };
        for _ in 0..100 {
            if SIG_TID.load(Ordering::SeqCst) != 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        tid
    })
    .join()
    .expect("caller thread panicked");
    let got = SIG_TID.load(Ordering::SeqCst);
    emit(&format!(
        "same_thread={} handled={}\n",
        got == caller,
        got != 0
    ));
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(name) = args.first() else {
        usage_error("usage: sysdig-test-helper CASE [ARGS...]  (CASE `list` lists them)");
    };
    if name == "list" {
        let mut out = String::new();
        for (n, desc, _) in CASES {
            out += &format!("{n:<18} {desc}\n");
        }
        emit(&out);
        return;
    }
    match CASES.iter().find(|(n, _, _)| n == name) {
        Some((_, _, f)) => f(&args[1..]),
        None => usage_error(&format!(
            "unknown case {name:?}; `sysdig-test-helper list` lists them"
        )),
    }
}
