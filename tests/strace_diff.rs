//! Differential test of the strace format: real programs run under `strace -f`
//! and under `my-sysdig exec --format strace` (same `-s 32`); after normalising
//! (pid prefixes and pids, hex addresses, the padding before `=`, errno texts),
//! the lines of each family of calls must be the same multiset on both sides.
//!
//! Single-process programs, or a fork whose lines are compared as multisets, so
//! ordering between processes does not matter. A few values differ from run to
//! run by nature (getrandom's bytes, sysinfo's counters, the directory size of
//! a growing temp dir): those calls are left out. The decorations strace
//! prints after `=` (fcntl F_GETFD/F_GETFL's `(flags ...)`, poll's revents
//! and `Timeout`) are compared; recvmsg is not run, as its
//! `msg_namelen=110 => 0` is not decoded yet.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};

/// Families of the decoding issue: which calls each covers.
const FAMILIES: &[(&str, &[&str])] = &[
    (
        "files",
        &[
            "open",
            "openat",
            "stat",
            "lstat",
            "fstat",
            "newfstatat",
            "statx",
            "access",
            "faccessat",
            "faccessat2",
            "readlink",
            "readlinkat",
            "getdents64",
            "unlink",
            "unlinkat",
            "rename",
            "renameat2",
            "mkdir",
            "mkdirat",
            "rmdir",
            "chmod",
            "fchmod",
            "fchmodat",
            "chown",
            "fchown",
            "fchownat",
            "truncate",
            "ftruncate",
            "utimensat",
            "fcntl",
            "ioctl",
            "dup",
            "dup2",
            "dup3",
            "pipe",
            "pipe2",
            "chdir",
            "fchdir",
            "getcwd",
            "umask",
            "statfs",
            "fstatfs",
            "fallocate",
            "fsync",
            "fdatasync",
            "flock",
            "close",
            "lseek",
            "getxattr",
            "lgetxattr",
            "fgetxattr",
        ],
    ),
    (
        "data",
        &[
            "read",
            "write",
            "pread64",
            "pwrite64",
            "readv",
            "writev",
            "preadv",
            "pwritev",
            "preadv2",
            "pwritev2",
            "sendfile",
            "copy_file_range",
            "splice",
        ],
    ),
    (
        "network",
        &[
            "socket",
            "socketpair",
            "bind",
            "connect",
            "accept",
            "accept4",
            "listen",
            "shutdown",
            "getsockname",
            "getpeername",
            "setsockopt",
            "getsockopt",
            "sendto",
            "recvfrom",
            "sendmsg",
            "recvmsg",
            "sendmmsg",
            "recvmmsg",
        ],
    ),
    (
        "polling",
        &[
            "epoll_create1",
            "epoll_ctl",
            "epoll_wait",
            "epoll_pwait",
            "eventfd2",
            "poll",
        ],
    ),
    (
        "memory",
        &[
            "mmap", "munmap", "mprotect", "mremap", "madvise", "brk", "msync", "mlock",
        ],
    ),
    (
        "process",
        &[
            "execve",
            "clone",
            "clone3",
            "wait4",
            "waitid",
            "capget",
            "capset",
            "exit_group",
            "kill",
            "tgkill",
            "prctl",
            "arch_prctl",
            "set_tid_address",
            "set_robust_list",
            "rseq",
            "prlimit64",
            "getrlimit",
            "setrlimit",
            "uname",
            "futex",
        ],
    ),
    (
        "signals",
        &[
            "rt_sigaction",
            "rt_sigprocmask",
            "rt_sigreturn",
            "sigaltstack",
            "rt_sigtimedwait",
        ],
    ),
    (
        "time",
        &[
            "nanosleep",
            "clock_nanosleep",
            "clock_gettime",
            "gettimeofday",
        ],
    ),
];

/// Lines whose content differs between any two runs: reads of
/// /proc/self/maps (Rust's runtime reads it at start-up; addresses move),
/// and a pty's number (whatever else has ptys open decides it).
fn varies(line: &str) -> bool {
    [
        "/dev/pts/",
        "TIOCGPTN",
        "[vdso]",
        "[stack]",
        " r--p ",
        " r-xp ",
        " rw-p ",
        "-linux-gnu/lib",
    ]
    .iter()
    .any(|m| line.contains(m))
        || has_address_range(line)
}

/// A maps line's `7f44e1a00000-7f44e1a28000`, which marks a read of
/// /proc/self/maps even when the 32 bytes shown hold no other marker.
fn has_address_range(line: &str) -> bool {
    let b = line.as_bytes();
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'-' && run >= 8 && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) {
            return true;
        }
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
    }
    false
}

/// Splits `PREFIX name(...)` into (pid, rest): strace -o's `1234  `, or `[pid 1234] `.
fn split_prefix(line: &str) -> (Option<&str>, &str) {
    if let Some(rest) = line.strip_prefix("[pid") {
        let rest = rest.trim_start();
        if let Some((pid, tail)) = rest.split_once(']') {
            return (Some(pid), tail.trim_start());
        }
    }
    match line.split_once(' ') {
        Some((p, tail)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(p), tail.trim_start())
        }
        _ => (None, line),
    }
}

/// Whole lines of calls, unfinished/resumed halves joined, with their pids.
fn calls(raw: &str) -> (Vec<String>, Vec<String>) {
    let (mut out, mut pids) = (Vec::new(), Vec::new());
    let mut pending: BTreeMap<String, String> = BTreeMap::new();
    for line in raw.lines() {
        let (pid, rest) = split_prefix(line);
        let pid = pid.unwrap_or("").to_string();
        if !pid.is_empty() && !pids.contains(&pid) {
            pids.push(pid.clone());
        }
        if rest.is_empty() || rest.starts_with("+++") || rest.starts_with("---") {
            continue;
        }
        if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, head.to_string());
            continue;
        }
        if let Some(tail) = rest.strip_prefix("<... ") {
            if let Some((_, after)) = tail.split_once(" resumed>") {
                let head = pending.remove(&pid).unwrap_or_default();
                out.push(format!("{head}{after}"));
                continue;
            }
        }
        out.push(rest.to_string());
    }
    (out, pids)
}

/// Hex numbers become `0xADDR` (and bare ones of 8 digits or more with a
/// letter, as in /proc/self/maps), pids `PID`, decimal numbers of 12 digits
/// or more (pointers as epoll data) `BIG`, `)   = ` becomes `) = `, and the
/// errno text after `-1 ENAME` goes.
fn normalise(line: &str, pids: &[String]) -> String {
    let b = line.as_bytes();
    let mut s = String::with_capacity(line.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'0' && b.get(i + 1) == Some(&b'x') {
            let mut j = i + 2;
            while j < b.len() && b[j].is_ascii_hexdigit() {
                j += 1;
            }
            if j > i + 2 {
                s.push_str("0xADDR");
                i = j;
                continue;
            }
        }
        // A word starts after a non-alphanumeric byte or an escaped newline
        // (`\n7f02...` in a read of /proc/self/maps).
        let after_escape = i >= 2 && b[i - 1] == b'n' && b[i - 2] == b'\\';
        if b[i].is_ascii_hexdigit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric() || after_escape)
        {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_hexdigit() {
                j += 1;
            }
            let word = &line[i..j];
            let boundary = j == b.len() || !b[j].is_ascii_alphanumeric();
            if boundary && word.len() >= 8 && word.bytes().any(|c| c.is_ascii_lowercase()) {
                s.push_str("HEX");
                i = j;
                continue;
            }
        }
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let word = &line[i..j];
            let boundary = j == b.len() || !b[j].is_ascii_alphanumeric();
            if boundary && pids.iter().any(|p| p == word) {
                s.push_str("PID");
            } else if boundary && word.len() >= 12 {
                s.push_str("BIG");
            } else {
                s.push_str(word);
            }
            i = j;
            continue;
        }
        s.push(b[i] as char);
        i += 1;
    }
    // The result column padding.
    if let Some(at) = s.rfind(") ") {
        let tail = s[at + 1..].trim_start();
        if tail.starts_with("= ") {
            s = format!("{}) {}", &s[..at], tail);
        }
    }
    // errno texts: `= -1 ENOENT (No such file or directory)` -> `= -1 ENOENT`.
    if let Some(at) = s.find(" = -1 E") {
        if let Some(p) = s[at + 7..].find(" (") {
            s.truncate(at + 7 + p);
        }
    }
    s
}

fn family_of(line: &str) -> Option<&'static str> {
    let name = line.split('(').next()?;
    FAMILIES
        .iter()
        .find(|(_, names)| names.contains(&name))
        .map(|(f, _)| *f)
}

type ByFamily = BTreeMap<&'static str, BTreeMap<String, usize>>;

/// `pids`: the pids of both runs. A number that is a pid in either run is
/// `PID` in both: a value such as a read's 784 bytes can be the other run's
/// pid.
fn by_family(raw: &str, keep: &dyn Fn(&str) -> bool, pids: &[String]) -> ByFamily {
    let (lines, _) = calls(raw);
    let mut m: ByFamily = BTreeMap::new();
    for l in lines {
        if varies(&l) || !keep(l.split('(').next().unwrap_or("")) {
            continue;
        }
        if let Some(f) = family_of(&l) {
            *m.entry(f)
                .or_default()
                .entry(normalise(&l, pids))
                .or_default() += 1;
        }
    }
    m
}

/// Runs `cmd` under both tracers and asserts the family lines agree; returns
/// how many strace lines were compared.
fn compare(cmd: &[&str]) -> usize {
    compare_with(cmd, &|| {})
}

/// As `compare`, with `reset` run before each of the two runs (for commands
/// that change files).
fn compare_with(cmd: &[&str], reset: &dyn Fn()) -> usize {
    compare_calls(cmd, reset, &|_| true)
}

/// As `compare_with`, for the calls `keep` accepts by name (a program with
/// threads has futex and munmap lines that differ from run to run).
fn compare_calls(cmd: &[&str], reset: &dyn Fn(), keep: &dyn Fn(&str) -> bool) -> usize {
    let dir = TempDir::new("strace-diff");
    let theirs = dir.join("strace.txt");
    let ours = dir.join("ours.txt");
    reset();
    let o = run(Command::new("strace")
        .args(["-f", "-qq", "-s", "32", "-o"])
        .arg(&theirs)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null()));
    o.assert_code(0);
    reset();
    let o = run(Command::new(TRACER)
        .args(["exec", "--format", "strace", "-s", "32", "-o"])
        .arg(&ours)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null()));
    o.assert_code(0);
    let theirs = std::fs::read_to_string(&theirs).expect("strace output");
    let ours = std::fs::read_to_string(&ours).expect("my-sysdig output");
    let mut pids = calls(&theirs).1;
    pids.extend(calls(&ours).1);
    let a = by_family(&theirs, keep, &pids);
    let b = by_family(&ours, keep, &pids);
    let mut report = String::new();
    let mut compared = 0;
    for (fam, _) in FAMILIES {
        let empty = BTreeMap::new();
        let (x, y) = (a.get(fam).unwrap_or(&empty), b.get(fam).unwrap_or(&empty));
        compared += x.values().sum::<usize>();
        for (l, n) in x {
            let m = y.get(l).copied().unwrap_or(0);
            if m != *n {
                report.push_str(&format!("  [{fam}] strace {n}x, ours {m}x: {l}\n"));
            }
        }
        for (l, m) in y {
            if !x.contains_key(l) {
                report.push_str(&format!("  [{fam}] strace 0x, ours {m}x: {l}\n"));
            }
        }
    }
    assert!(
        report.is_empty(),
        "{:?}: lines differing from strace -f:\n{report}",
        cmd
    );
    compared
}

#[test]
fn maps_reads_vary() {
    assert!(varies(
        r#"read(3, "nu/libc.so.6\n7f44e1a00000-7f44e1"..., 1024) = 1024"#
    ));
    assert!(!varies(r#"read(3, "2024-01-02 12:00", 64) = 16"#));
}

#[test]
fn normalisation() {
    let pids = vec!["4242".to_string()];
    assert_eq!(
        normalise("wait4(-1, [{WIFEXITED(s)}], 0, NULL)   = 4242", &pids),
        "wait4(-1, [{WIFEXITED(s)}], 0, NULL) = PID"
    );
    assert_eq!(
        normalise(
            "openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT (No such file)",
            &pids
        ),
        "openat(AT_FDCWD, \"/x\", O_RDONLY) = -1 ENOENT"
    );
    assert_eq!(
        normalise("mmap(0x7f00, 8192) = 0x7f00", &pids),
        "mmap(0xADDR, 8192) = 0xADDR"
    );
    let (l, p) = calls(
        "12  read(3,  <unfinished ...>\n13  getpid() = 13\n12  <... read resumed>\"x\", 1) = 1\n",
    );
    assert_eq!(l, ["getpid() = 13", "read(3, \"x\", 1) = 1"]);
    assert_eq!(p, ["12", "13"]);
}

#[test]
fn coreutils_match_strace() {
    let dir = TempDir::new("coreutils");
    let src = dir.join_str("src.txt");
    std::fs::write(&src, b"line one\n\x01\x02binary\tend\n").unwrap();
    let dst = dir.join_str("dst.txt");
    let mut n = compare(&["cat", "/etc/hosts", &src]);
    n += compare(&["stat", &src]);
    n += compare(&["ls", "-la", "/usr/share/doc/strace"]);
    n += compare_with(&["cp", &src, &dst], &|| {
        let _ = std::fs::remove_file(&dst);
    });
    assert!(n > 200, "only {n} lines compared");
}

#[test]
fn python_snippet_matches_strace() {
    // Files, vectors, sockets, epoll, signals, rlimits, uname, a child's
    // wait status, sleeping: one call of each kind, all deterministic.
    let dir = TempDir::new("py");
    let path = dir.join_str("d");
    std::fs::create_dir(&path).unwrap();
    let snippet = format!(
        r#"
import os, socket, select, signal, resource, fcntl, time
d = {path:?}
r, w = os.pipe()
os.writev(w, [b"ab", b"cde"])
os.readv(r, [bytearray(2), bytearray(8)])
fcntl.fcntl(r, fcntl.F_SETFL, os.O_NONBLOCK)
os.dup2(r, 9)
a, b = socket.socketpair()
a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
a.sendmsg([b"hello", b" world"])
b.recv(64)
ep = select.epoll()
ep.register(b.fileno(), select.EPOLLIN)
a.send(b"x")
ep.poll(1)
p = select.poll()
p.register(b.fileno(), select.POLLIN)
p.poll(100)
p.unregister(b.fileno())
p.register(r, select.POLLIN)
p.poll(0)
signal.signal(signal.SIGUSR1, lambda *x: None)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT, signal.SIGTERM])
resource.getrlimit(resource.RLIMIT_NOFILE)
os.uname()
os.stat(d)
os.lstat("/etc/hosts")
os.mkdir(d + "/sub", 0o750)
os.rmdir(d + "/sub")
os.access("/etc/hosts", os.R_OK | os.W_OK)
time.monotonic()
pid = os.fork()
if pid == 0:
    os._exit(3)
os.waitpid(pid, 0)
"#
    );
    let n = compare(&[python3(), "-c", &snippet]);
    assert!(n > 100, "only {n} lines compared");
}

#[test]
fn helper_fork_exec_matches_strace() {
    compare(&[HELPER, "fork-exec"]);
    let dir = TempDir::new("helper");
    let d = dir.join_str("d");
    compare_with(&[HELPER, "openat", &d], &|| {
        let _ = std::fs::remove_dir_all(&d);
        let _ = std::fs::create_dir(&d);
    });
}

#[test]
fn process_and_terminal_calls_match_strace() {
    // clone (fork) and clone3 (a thread), waitid's siginfo (into zeroed
    // buffers: the kernel leaves si_utime/si_stime as they were), prctl's
    // options, capget/capset, and the terminal ioctls on a pty.
    let decoded = [
        "clone", "clone3", "waitid", "prctl", "capget", "capset", "ioctl",
    ];
    let n = compare_calls(
        &[python3(), "-c", PROCESS_AND_TERMINAL_PY],
        &|| {},
        &|name| decoded.contains(&name),
    );
    assert!(n >= 25, "only {n} lines compared");
}

#[test]
fn signal_frames_match_strace() {
    // rt_sigreturn shows the mask it restores, read from the signal frame
    // on the stack: here SIGUSR2 blocked while SIGUSR1's handler runs, and
    // nothing blocked after SIGUSR2 is unblocked (and then delivered).
    let snippet = r#"
import os, signal
signal.signal(signal.SIGUSR1, lambda *a: None)
signal.signal(signal.SIGUSR2, lambda *a: None)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
os.kill(os.getpid(), signal.SIGUSR1)
os.kill(os.getpid(), signal.SIGUSR2)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR2})
os.kill(os.getpid(), signal.SIGUSR1)
"#;
    let n = compare_calls(&[python3(), "-c", snippet], &|| {}, &|name| {
        ["rt_sigreturn", "kill"].contains(&name)
    });
    assert!(n >= 6, "only {n} lines compared");
}
