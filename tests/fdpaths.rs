//! `-y`: file descriptors annotated with what they refer to, checked on real programs:
//! against `strace -y -f` on the same program (every annotation of every call), against
//! the program's own `readlink("/proc/self/fd/N")` across dup2, close, fork, threads and
//! exec with O_CLOEXEC (with `--only read`, so the calls that change the table are trapped
//! for bookkeeping only), and in the three record formats.

mod common;

use common::{Mode, TRACER, TempDir, python3, run, trace};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};

// ------------------------------------------------------------------ strace oracle

/// A call's annotations: `(name, [annotations in its arguments], annotation of its result)`,
/// each `N<path>` or `AT_FDCWD<path>` as printed, inode numbers and pids normalised.
type Annotated = (String, Vec<String>, Option<String>);

/// Annotations of every call, per thread (threads in order of first appearance), from
/// strace-like lines: `PID name(...) = R` (strace -f -o) or `[pid N] name(...) = R`.
fn annotations(raw: &str) -> Vec<Vec<Annotated>> {
    let mut order: Vec<String> = Vec::new();
    let mut per: BTreeMap<String, Vec<Annotated>> = BTreeMap::new();
    let mut pending: BTreeMap<String, String> = BTreeMap::new();
    for line in raw.lines() {
        let (pid, rest) = if let Some(r) = line.strip_prefix("[pid ") {
            match r.split_once("] ") {
                Some((p, rest)) => (p.trim().to_string(), rest),
                None => continue,
            }
        } else {
            match line.split_once(' ') {
                Some((p, rest)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
                    (p.to_string(), rest.trim_start())
                }
                _ => ("0".to_string(), line),
            }
        };
        if rest.starts_with("+++") || rest.starts_with("---") {
            continue;
        }
        let call = if let Some(r) = rest.strip_prefix("<... ") {
            let Some((_, tail)) = r.split_once(" resumed>") else {
                continue;
            };
            format!("{}{tail}", pending.remove(&pid).unwrap_or_default())
        } else if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, head.to_string());
            continue;
        } else {
            rest.to_string()
        };
        let Some(open) = call.find('(') else { continue };
        let name = call[..open].to_string();
        let (args, ret) = match call.rfind(" = ") {
            Some(i) => (&call[..i], Some(&call[i + 3..])),
            None => (&call[..], None),
        };
        let res = ret.and_then(|r| marks(r).into_iter().next());
        if !order.contains(&pid) {
            order.push(pid.clone());
        }
        per.entry(pid).or_default().push((name, marks(args), res));
    }
    order
        .iter()
        .map(|p| per.remove(p).unwrap_or_default())
        .collect()
}

/// `3</etc/hosts>`, `AT_FDCWD</tmp>`, `4<socket:[N]>`, `5</memfd:x>(deleted)` in `s`.
fn marks(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        // What precedes: a number or AT_FDCWD.
        let mut j = i;
        while j > 0 && b[j - 1].is_ascii_digit() {
            j -= 1;
        }
        let start = if j < i && (j == 0 || !b[j - 1].is_ascii_alphanumeric()) {
            Some(j)
        } else if s[..i].ends_with("AT_FDCWD") {
            Some(i - "AT_FDCWD".len())
        } else {
            None
        };
        let Some(end) = s[i..].find('>').map(|e| i + e + 1) else {
            break;
        };
        if let Some(st) = start {
            let mut m = s[st..end].to_string();
            if s[end..].starts_with("(deleted)") {
                m.push_str("(deleted)");
            }
            out.push(normalise(&m));
        }
        i = end;
    }
    out
}

/// Inode numbers (`pipe:[123]`) and pids in /proc paths differ between runs.
fn normalise(m: &str) -> String {
    let mut out = String::new();
    let mut rest = m;
    while let Some(i) = rest.find(['[', '/']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let (prefix, close) = if tail.starts_with('[') {
            ("[", Some(']'))
        } else if tail.starts_with("/proc/") {
            ("/proc/", Some('/'))
        } else {
            ("/", None)
        };
        out.push_str(prefix);
        rest = &tail[prefix.len()..];
        if let Some(c) = close {
            let digits = rest.chars().take_while(|d| d.is_ascii_digit()).count();
            if digits > 0 && rest[digits..].starts_with(c) {
                out.push('N');
                rest = &rest[digits..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Runs `strace -y -f -qq -o FILE CMD...`.
fn strace_y(cmd: &[&str]) -> String {
    let dir = TempDir::new("strace-y");
    let file = dir.join("strace.txt");
    let out = run(Command::new("strace")
        .args(["-y", "-f", "-qq", "-o"])
        .arg(&file)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null()));
    out.assert_code(0);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: no output ({e})", out.desc))
}

/// Runs `my-sysdig exec -y --format strace [MODE] -o FILE CMD...`.
fn sysdig_y(mode: Mode, cmd: &[&str]) -> String {
    let dir = TempDir::new("sysdig-y");
    let file = dir.join("records.txt");
    let out = run(Command::new(TRACER)
        .args(["exec", "-y", "--format", "strace"])
        .args(mode.args())
        .arg("-o")
        .arg(&file)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null()));
    out.assert_code(0);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: no output ({e})", out.desc))
}

/// Calls whose descriptors are written to memory at exit (`pipe2([3<pipe:[N]>, ...])`):
/// shown once their decoder reads the pair (the decoders' work), so not compared here;
/// the annotation of such a pair is a unit test (supervisor::fdtable).
const PAIRS: &[&str] = &["pipe", "pipe2", "socketpair"];

/// Every annotation strace prints for `cmd`, my-sysdig prints for the same call, and no
/// other. Under `--no-ret` results are unknown: arguments only.
fn assert_same_annotations(cmd: &[&str]) {
    let oracle = annotations(&strace_y(cmd));
    for mode in common::MODES {
        let raw = sysdig_y(mode, cmd);
        let mine = annotations(&raw);
        assert_eq!(
            mine.len(),
            oracle.len(),
            "{mode:?} {cmd:?}: threads traced differ from strace's\n{raw}"
        );
        let mut compared = 0;
        for (t, (a, b)) in mine.iter().zip(&oracle).enumerate() {
            let key = |c: &Annotated| -> Option<String> {
                if PAIRS.contains(&c.0.as_str()) {
                    return None;
                }
                let res = match mode.has_ret() {
                    true => c.2.clone().unwrap_or_default(),
                    false => String::new(),
                };
                // Calls without annotations on both sides are not compared (their
                // order varies with allocation); a call missing its annotations
                // still shifts the sequence and fails.
                (!c.1.is_empty() || !res.is_empty())
                    .then(|| format!("{} {} = {res}", c.0, c.1.join(" ")))
            };
            let a: Vec<String> = a.iter().filter_map(key).collect();
            let b: Vec<String> = b.iter().filter_map(key).collect();
            let diff: Vec<String> = a
                .iter()
                .zip(&b)
                .enumerate()
                .filter(|(_, (x, y))| x != y)
                .take(10)
                .map(|(i, (x, y))| format!("  call {i}: my-sysdig `{x}`, strace `{y}`"))
                .collect();
            assert!(
                diff.is_empty() && a.len() == b.len(),
                "{mode:?} {cmd:?}, thread #{t}: annotations differ ({} calls vs {}):\n{}",
                a.len(),
                b.len(),
                diff.join("\n")
            );
            compared += a.iter().filter(|k| k.contains('<')).count();
        }
        assert!(
            compared > 20,
            "{mode:?} {cmd:?}: only {compared} annotated calls"
        );
    }
}

/// Files, pipes, sockets (TCP, UNIX), eventfd, epoll, a deleted memfd, dup2 onto open
/// and closed numbers, fcntl(F_DUPFD), chdir, fork and exec of a shell that redirects.
const PROGRAM: &str = r#"
import os, socket, select, sys
os.chdir(sys.argv[1])
r, w = os.pipe()
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.bind(("127.0.0.1", 0)); ls.listen(1)
c = socket.create_connection(ls.getsockname())
a, _ = ls.accept()
c.send(b"x"); a.recv(1)
u1, u2 = socket.socketpair()
u1.send(b"y"); u2.recv(1)
ev = os.eventfd(0); os.eventfd_write(ev, 1); os.eventfd_read(ev)
ep = select.epoll(); ep.register(r, select.EPOLLIN); ep.poll(0)
m = os.memfd_create("scratch"); os.write(m, b"z")
f = os.open("data", os.O_RDONLY | os.O_CLOEXEC)
os.read(f, 3)
os.dup2(f, 20)
os.read(20, 3)
os.dup2(w, 20)
os.write(20, b"p"); os.read(r, 1)
os.close(20)
import fcntl
g = fcntl.fcntl(f, fcntl.F_DUPFD, 30)
os.fstat(g); os.close(g)
os.unlink("gone") if os.path.exists("gone") else None
d = os.open("gone", os.O_CREAT | os.O_RDWR, 0o600); os.unlink("gone"); os.fstat(d); os.close(d)
keep = os.open("data", os.O_RDONLY); os.set_inheritable(keep, True)
pid = os.fork()
if pid == 0:
    os.close(r)
    os.dup2(w, 1)
    os.close(w)
    os.execv("/bin/sh", ["sh", "-c", "read x <&%d; echo $x; exec 3>/dev/null; echo to3 >&3" % keep])
os.close(w)
os.read(r, 100)
os.waitpid(pid, 0)
for x in (f, keep, r, ev, m): os.close(x)
for s in (ls, c, a, u1, u2, ep): s.close()
"#;

#[test]
fn strace_agrees_on_every_annotation() {
    let dir = TempDir::new("fdpaths-strace");
    std::fs::write(dir.join("data"), "line one\nline two\n").unwrap();
    std::fs::write(dir.join("prog.py"), PROGRAM).unwrap();
    let prog = dir.join_str("prog.py");
    let d = dir.join_str("");
    assert_same_annotations(&[python3(), &prog, &d]);
}

#[test]
fn strace_agrees_on_helper_cases() {
    let dir = TempDir::new("fdpaths-helper");
    let d = dir.join_str("");
    for case in [
        &[common::HELPER, "openat", &d][..],
        &[common::HELPER, "socket-connect"],
        &[common::HELPER, "fork-exec"],
        &["/bin/cat", "/etc/hosts", "/etc/passwd"],
    ] {
        assert_same_annotations(case);
    }
}

// ------------------------------------------------------------------ tracked across calls

/// Reads 7 bytes and logs `tgid fd readlink` to stdout at the end (one write): the
/// program's own view of each descriptor it reads, to compare with the `read` records.
/// Stage 1: dup2 onto an open descriptor, close and reuse, a fork whose child dup2s onto
/// the parent's number, a thread that closes and reopens a number, then O_CLOEXEC +
/// exec; stage 2 (after exec) makes a descriptor with the number an O_CLOEXEC one had,
/// through a call that is not traced (so only the exec can have told the table).
const TRACKED: &str = r#"
import fcntl, os, sys, threading
d = sys.argv[2]
log = []
def rd(fd):
    os.read(fd, 7)
    log.append("%d %d %s" % (os.getpid(), fd, os.readlink("/proc/self/fd/%d" % fd)))
def flush():
    os.write(1, "".join(l + "\n" for l in log).encode())
if sys.argv[1] == "one":
    a = os.open(d + "/f1", os.O_RDONLY)
    rd(a)
    b = os.open(d + "/f2", os.O_RDONLY)
    os.dup2(b, a)
    rd(a)
    os.close(a)
    c = os.open(d + "/f3", os.O_RDONLY)
    assert c == a
    rd(c)
    pid = os.fork()
    if pid == 0:
        log = []
        os.dup2(b, c)
        rd(c)
        flush()
        os._exit(0)
    os.waitpid(pid, 0)
    rd(c)
    def thread():
        os.close(c)
        t = os.open(d + "/f4", os.O_RDONLY)
        assert t == c
        rd(t)
    th = threading.Thread(target=thread); th.start(); th.join()
    rd(c)
    os.close(b); os.close(c)
    e = os.open(d + "/f5", os.O_RDONLY | os.O_CLOEXEC)
    rd(e)
    h = fcntl.fcntl(e, fcntl.F_DUPFD_CLOEXEC, 40)
    rd(h)
    os.dup2(e, 20, inheritable=True)
    rd(20)
    flush()
    os.execv(sys.executable, [sys.executable, sys.argv[0], "two", d, str(h)])
else:
    # fcntl is not traced: only the exec tells that 40 was closed.
    n = os.open(d + "/f6", os.O_RDONLY)
    k = fcntl.fcntl(n, fcntl.F_DUPFD, 40)
    if k != int(sys.argv[3]):
        sys.exit("the new descriptor is %d, not %s" % (k, sys.argv[3]))
    rd(k)
    rd(n)
    rd(20)
    flush()
"#;

#[test]
fn tracked_across_dup2_close_fork_threads_and_exec() {
    let dir = TempDir::new("fdpaths-tracked");
    for i in 1..=6 {
        std::fs::write(dir.join(&format!("f{i}")), format!("file {i} contents\n")).unwrap();
    }
    std::fs::write(dir.join("prog.py"), TRACKED).unwrap();
    let prog = dir.join_str("prog.py");
    let d = dir.join_str("");
    let d = d.trim_end_matches('/');
    for mode in common::MODES {
        {
            let t = trace(
                mode,
                &["-y", "--only", "read"],
                &[python3(), &prog, "one", d],
            );
            t.assert_code(0);
            // What the program saw, per process, in order.
            let mut want: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
            for l in t.stdout().lines() {
                let mut w = l.splitn(3, ' ');
                let (Some(p), Some(fd), Some(path)) = (w.next(), w.next(), w.next()) else {
                    panic!("{}: strange line {l:?}", t.desc());
                };
                want.entry(p.parse().unwrap())
                    .or_default()
                    .push((fd.parse().unwrap(), path.to_string()));
            }
            assert_eq!(
                want.values().map(Vec::len).sum::<usize>(),
                13,
                "{}",
                t.stdout()
            );
            let mut got: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
            for r in t.of("read").into_iter().filter(|r| r["args"]["count"] == 7) {
                got.entry(r["pid"].as_i64().unwrap()).or_default().push((
                    r["args"]["fd"].as_i64().unwrap(),
                    r["paths"]["fd"].as_str().unwrap_or("(none)").to_string(),
                ));
            }
            assert_eq!(got, want, "{mode:?}: annotations vs the program's own view");
            // Bookkeeping calls are trapped but not shown.
            let names: Vec<&str> = t
                .recs
                .iter()
                .map(|r| r["syscall"].as_str().unwrap())
                .collect();
            assert!(
                names.iter().all(|n| *n == "read"),
                "{mode:?}: only reads: {names:?}"
            );
        }
    }
}

/// A process made by raw `clone(CLONE_FILES|SIGCHLD)` (not a thread) closes a
/// descriptor and opens another file on its number: the parent's descriptor now refers to
/// that file. Only with ptrace (its fork events tell who shares a table); `--no-ret`
/// documents the limit.
const CLONE_FILES: &str = r#"
import ctypes, os, platform, sys
d = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
SYS_clone = {"x86_64": 56, "aarch64": 220}[platform.machine()]
a = os.open(d + "/f1", os.O_RDONLY)
os.read(a, 7)
pid = libc.syscall(SYS_clone, ctypes.c_ulong(0x400 | 17), None, None, None, None)
if pid == 0:
    os.close(a)
    b = os.open(d + "/f2", os.O_RDONLY)
    os._exit(0 if b == a else 3)
_, status = os.waitpid(pid, 0)
os.read(a, 7)
os.write(1, os.readlink("/proc/self/fd/%d" % a).encode())
sys.exit(os.waitstatus_to_exitcode(status))
"#;

#[test]
fn clone_files_processes_share_the_table() {
    let dir = TempDir::new("fdpaths-clone-files");
    for i in 1..=2 {
        std::fs::write(dir.join(&format!("f{i}")), format!("file {i} contents\n")).unwrap();
    }
    std::fs::write(dir.join("prog.py"), CLONE_FILES).unwrap();
    let prog = dir.join_str("prog.py");
    let d = dir.join_str("");
    let t = trace(
        Mode::Ret,
        &["-y", "--only", "read"],
        &[python3(), &prog, d.trim_end_matches('/')],
    );
    t.assert_code(0);
    let reads: Vec<String> = t
        .of("read")
        .into_iter()
        .filter(|r| r["args"]["count"] == 7)
        .map(|r| r["paths"]["fd"].as_str().unwrap_or("(none)").to_string())
        .collect();
    let f = |i| dir.join_str(&format!("f{i}"));
    assert_eq!(t.stdout(), f(2));
    assert_eq!(reads, [f(1), f(2)], "{}", t.dump());
}

// ------------------------------------------------------------------ formats

#[test]
fn cat_in_three_formats() {
    for mode in common::MODES {
        let run_fmt = |fmt: &str| {
            let dir = TempDir::new("fdpaths-fmt");
            let file = dir.join("out");
            let out = run(Command::new(TRACER)
                .args(["exec", "-y", "--only", "openat,read,close", "--format", fmt])
                .args(mode.args())
                .arg("-o")
                .arg(&file)
                .args(["--", "cat", "/etc/hosts"])
                .stdin(Stdio::null()));
            out.assert_code(0);
            std::fs::read_to_string(&file).unwrap()
        };
        let text = run_fmt("text");
        let opened = |l: &&str| l.contains("\"/etc/hosts\"");
        let open = text
            .lines()
            .find(opened)
            .unwrap_or_else(|| panic!("{text}"));
        assert!(open.contains("dirfd=AT_FDCWD</"), "{open}");
        let fd = match mode.has_ret() {
            true => {
                let res = open.split("res=").nth(1).unwrap();
                assert!(res.ends_with("</etc/hosts>"), "{open}");
                res.trim_end_matches("</etc/hosts>").to_string()
            }
            false => "3".to_string(),
        };
        for call in ["read", "close"] {
            let line = format!(", {call}, fd={fd}</etc/hosts>");
            assert!(
                text.lines()
                    .any(|l| l.starts_with("pid=") && l.contains(&line)),
                "{mode:?}: no `{line}` in\n{text}"
            );
        }
        let st = run_fmt("strace");
        assert!(st.contains(&format!(" read({fd}</etc/hosts>, ")), "{st}");
        assert!(st.contains(&format!(" close({fd}</etc/hosts>)")), "{st}");
        if mode == Mode::Ret {
            assert!(st.contains(&format!(") = {fd}</etc/hosts>\n")), "{st}");
        }
        let json = common::parse_records(&run_fmt("json"), "json");
        let at = json
            .iter()
            .position(|r| r["args"]["pathname"] == "/etc/hosts")
            .unwrap();
        let open = &json[at];
        assert!(open["paths"]["dirfd"].as_str().unwrap().starts_with('/'));
        if mode == Mode::Ret {
            assert_eq!(open["paths"]["res"], "/etc/hosts", "{open}");
        }
        let reads: Vec<_> = json[at..]
            .iter()
            .filter(|r| {
                r["syscall"] == "read"
                    && r["args"]["fd"].as_i64().map(|n| n.to_string()) == Some(fd.clone())
            })
            .collect();
        assert!(!reads.is_empty());
        for r in reads {
            assert_eq!(r["paths"], serde_json::json!({"fd": "/etc/hosts"}), "{r}");
        }
    }
}

#[test]
fn without_y_there_are_no_annotations() {
    let t = trace(
        Mode::Ret,
        &["--only", "openat,read,close"],
        &["cat", "/etc/hosts"],
    );
    t.assert_code(0);
    assert!(
        t.recs.iter().all(|r| r.get("paths").is_none()),
        "{}",
        t.dump()
    );
    assert!(!t.raw.contains("</etc/hosts>"));
}
