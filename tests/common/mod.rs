//! Shared helpers for the integration tests: run the real `my-sysdig` binary on real
//! programs (with a deadline, so a hang fails instead of blocking CI), parse its JSON
//! records, and run `strace` as an oracle.
//!
//! Every test file includes this module with `mod common;`; not every file uses every
//! helper, hence the `dead_code` allowance.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The tracer under test.
pub const TRACER: &str = env!("CARGO_BIN_EXE_my-sysdig");
/// The program making known syscalls (tests/helper/helper.rs).
pub const HELPER: &str = env!("CARGO_BIN_EXE_sysdig-test-helper");
/// No child of a test may run longer than this.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// How return values are obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Default: ptrace exit stops give return values and output buffers.
    Ret,
    /// `--no-ret`: seccomp user notification only, `res`/`err` are null.
    NoRet,
    /// `--exit-via ptrace`: every return value from a ptrace exit stop.
    Ptrace,
    /// `--exit-via perf`: every return value from the perf sys_exit event;
    /// memory the kernel writes (read data) is not captured.
    Perf,
}

pub const MODES: [Mode; 2] = [Mode::Ret, Mode::NoRet];
/// Both exit-value paths, forced.
pub const EXIT_VIA: [Mode; 2] = [Mode::Ptrace, Mode::Perf];

impl Mode {
    pub fn args(self) -> &'static [&'static str] {
        match self {
            Mode::Ret => &[],
            Mode::NoRet => &["--no-ret"],
            Mode::Ptrace => &["--exit-via", "ptrace"],
            Mode::Perf => &["--exit-via", "perf"],
        }
    }

    /// Whether records carry return values.
    pub fn has_ret(self) -> bool {
        self != Mode::NoRet
    }
}

// ------------------------------------------------------------------ processes

/// What a finished child left behind.
#[derive(Debug)]
pub struct Output {
    pub desc: String,
    /// The child's PID (for the tracer: the parent of the traced command).
    pub pid: u32,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    /// The exit code, or `None` when killed by a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    pub fn signal(&self) -> Option<i32> {
        self.status.signal()
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Panics with the whole context unless the exit code is `code`.
    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code(),
            Some(code),
            "{}: expected exit code {code}, got {:?}\nstdout: {}\nstderr: {}",
            self.desc,
            self.status,
            self.stdout_str(),
            self.stderr_str()
        );
    }
}

fn drain<R: Read + Send + 'static>(mut r: R) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Kills the child's whole process group (the tracer and everything it started).
fn kill_group(pgid: u32) {
    // SAFETY: kill(2) with a negative pid signals the process group we created for
    // this child (process_group(0) below); no memory is involved.
    unsafe {
        libc::kill(-(pgid as libc::pid_t), libc::SIGKILL);
    }
}

/// Runs `cmd` to completion with stdin from /dev/null (unless set), capturing stdout
/// and stderr, in a process group of its own. Past `TIMEOUT`, the group is killed and
/// the test fails with whatever output there was.
pub fn run(cmd: &mut Command) -> Output {
    run_with_timeout(cmd, TIMEOUT)
}

pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Output {
    let desc = describe(cmd);
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {desc}: {e}"));
    let pgid = child.id();
    let out_rx = drain(child.stdout.take().unwrap());
    let err_rx = drain(child.stderr.take().unwrap());
    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) => {}
            Err(e) => panic!("waiting for {desc}: {e}"),
        }
        if Instant::now() >= deadline {
            timed_out = true;
            kill_group(pgid);
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // Whatever the command left running in its group must not keep the pipes open.
    let grace = Duration::from_secs(5);
    let stdout = out_rx.recv_timeout(grace).unwrap_or_else(|_| {
        kill_group(pgid);
        out_rx.recv_timeout(grace).unwrap_or_default()
    });
    let stderr = err_rx.recv_timeout(grace).unwrap_or_else(|_| {
        kill_group(pgid);
        err_rx.recv_timeout(grace).unwrap_or_default()
    });
    if timed_out {
        panic!(
            "{desc}: still running after {timeout:?} (hang?), killed\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
    }
    Output {
        desc,
        pid: pgid,
        status,
        stdout,
        stderr,
    }
}

/// The system's python3 itself: a `python3` found first on PATH may be a wrapper
/// script (pyenv shims run bash and subprocesses, whose calls vary from run to run).
pub fn python3() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// Runs a program untraced (the reference for "behaves as untraced").
pub fn run_plain(cmd: &[&str]) -> Output {
    run(Command::new(cmd[0]).args(&cmd[1..]).stdin(Stdio::null()))
}

/// Runs `my-sysdig ARGS...` as given (for command-line tests).
pub fn run_tracer(args: &[&str]) -> Output {
    run(Command::new(TRACER).args(args).stdin(Stdio::null()))
}

// ------------------------------------------------------------------ temp dirs

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh directory, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "my-sysdig-test-{}-{}-{tag}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn join_str(&self, name: &str) -> String {
        self.join(name)
            .to_str()
            .expect("UTF-8 temp path")
            .to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ------------------------------------------------------------------ tracing

/// One traced run: the tracer's exit, the program's stdout, and the records.
pub struct Trace {
    pub mode: Mode,
    pub out: Output,
    pub recs: Vec<Value>,
    /// The records file as written.
    pub raw: String,
    _dir: TempDir,
}

/// Runs `my-sysdig exec [mode] --format json -o FILE OPTS... -- CMD...` and parses the
/// records. Every record is checked against the JSON schema of SPEC §3.
pub fn trace(mode: Mode, opts: &[&str], cmd: &[&str]) -> Trace {
    trace_env(mode, &[], opts, cmd)
}

/// `trace` with environment variables set for the tracer (its knobs, e.g.
/// `MY_SYSDIG_PERF_SCOPE`).
pub fn trace_env(mode: Mode, env: &[(&str, &str)], opts: &[&str], cmd: &[&str]) -> Trace {
    let dir = TempDir::new("trace");
    let file = dir.join("records.json");
    let mut c = Command::new(TRACER);
    c.envs(env.iter().copied());
    c.arg("exec")
        .args(mode.args())
        .args(["--format", "json", "-o"])
        .arg(&file)
        .args(opts)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null());
    let out = run(&mut c);
    let raw = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "{}: no records file ({e})\nstderr: {}",
            out.desc,
            out.stderr_str()
        )
    });
    let recs = parse_records(&raw, &out.desc);
    for r in &recs {
        check_shape(mode, r);
    }
    Trace {
        mode,
        out,
        recs,
        raw,
        _dir: dir,
    }
}

/// Traces a helper case: `trace(mode, opts, [HELPER, args...])`.
pub fn trace_helper(mode: Mode, opts: &[&str], args: &[&str]) -> Trace {
    let mut cmd = vec![HELPER];
    cmd.extend_from_slice(args);
    trace(mode, opts, &cmd)
}

/// One JSON object per line; anything else is a failure.
pub fn parse_records(raw: &str, desc: &str) -> Vec<Value> {
    raw.lines()
        .enumerate()
        .map(|(i, l)| {
            let v: Value = serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{desc}: record line {} is not JSON ({e}): {l}", i + 1));
            assert!(
                v.is_object(),
                "{desc}: record line {} is not an object: {l}",
                i + 1
            );
            v
        })
        .collect()
}

/// The fields every record has, with their types (SPEC §3).
pub fn check_shape(mode: Mode, r: &Value) {
    let ctx = || r.to_string();
    for k in ["ts_ns", "pid", "tid", "nr"] {
        assert!(
            r[k].is_u64(),
            "{k} must be a non-negative integer: {}",
            ctx()
        );
    }
    assert!(r["pid"].as_u64().unwrap() > 0 && r["tid"].as_u64().unwrap() > 0);
    let comm = r["comm"]
        .as_str()
        .unwrap_or_else(|| panic!("comm: {}", ctx()));
    assert!(comm.len() <= 15, "comm longer than 15 bytes: {}", ctx());
    let name = r["syscall"]
        .as_str()
        .unwrap_or_else(|| panic!("syscall: {}", ctx()));
    assert!(
        !name.is_empty() && name != "unknown",
        "every syscall has a name: {}",
        ctx()
    );
    assert!(r["args"].is_object(), "args must be an object: {}", ctx());
    match mode {
        // A call fault injection answered has its made-up result.
        Mode::NoRet if r.get("injected").is_none() => {
            assert!(r["res"].is_null(), "--no-ret: res must be null: {}", ctx());
            assert!(r["err"].is_null(), "--no-ret: err must be null: {}", ctx());
        }
        Mode::NoRet | Mode::Ret | Mode::Ptrace | Mode::Perf => {
            assert!(
                r["res"].is_null() || r["res"].is_i64() || r["res"].is_u64(),
                "res must be an integer or null: {}",
                ctx()
            );
            let is_err = r["res"].as_i64().is_some_and(|v| (-4095..0).contains(&v));
            if is_err {
                let e = r["err"].as_str().unwrap_or_else(|| {
                    panic!("a negative res needs an errno name in err: {}", ctx())
                });
                assert!(e.starts_with('E'), "err is an errno name: {}", ctx());
            } else {
                assert!(r["err"].is_null(), "err must be null on success: {}", ctx());
            }
        }
    }
    if let Some(t) = r.get("truncated") {
        assert_eq!(
            t,
            &Value::Bool(true),
            "truncated is only ever true: {}",
            ctx()
        );
    }
    // Only the compat ABI is named (README: "32-bit programs").
    if let Some(abi) = r.get("abi") {
        assert!(
            abi == "i386" || abi == "arm",
            "abi names the compat ABI: {}",
            ctx()
        );
    }
}

impl Trace {
    pub fn desc(&self) -> &str {
        &self.out.desc
    }

    pub fn stdout(&self) -> String {
        self.out.stdout_str()
    }

    /// Asserts the traced command's exit code (as the tracer passes it on).
    pub fn assert_code(&self, code: i32) {
        self.out.assert_code(code);
    }

    /// Records of syscall `name`, in file order.
    pub fn of(&self, name: &str) -> Vec<&Value> {
        self.recs.iter().filter(|r| r["syscall"] == name).collect()
    }

    /// Index of the first record matching `f`.
    pub fn position(&self, f: impl Fn(&Value) -> bool) -> Option<usize> {
        self.recs.iter().position(f)
    }

    /// Number of records per syscall name.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        count_by_syscall(&self.recs)
    }

    /// A short listing of the records, for failure messages.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        for r in &self.recs {
            let line = r.to_string();
            let cut: String = line.chars().take(300).collect();
            s.push_str(&cut);
            s.push('\n');
        }
        s
    }
}

pub fn count_by_syscall(recs: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in recs {
        *m.entry(r["syscall"].as_str().unwrap().to_string())
            .or_insert(0) += 1;
    }
    m
}

/// `key=value` pairs from the helper's summary lines.
pub fn kv(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .split_whitespace()
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The helper's `signal-storm ARGS` (getppid under SIGALRM, no SA_RESTART) under the
/// tracer with `MY_SYSDIG_PERF_STATS=1` and `env`: it must exit 0 with no call failed
/// (neither EINTR nor another error). Returns the trace, the tracer's stderr and a
/// context line for messages.
pub fn storm_without_eintr(
    mode: Mode,
    env: &[(&str, &str)],
    storm: &[&str],
) -> (Trace, String, String) {
    let mut vars = vec![("MY_SYSDIG_PERF_STATS", "1")];
    vars.extend_from_slice(env);
    let mut cmd = vec![HELPER, "signal-storm"];
    cmd.extend_from_slice(storm);
    let t = trace_env(mode, &vars, &["--only", "getppid"], &cmd);
    t.assert_code(0);
    let out = t.stdout();
    let err = t.out.stderr_str();
    let ctx = format!("{mode:?}: {} / {err}", out.trim_end());
    assert_eq!(
        (kv_num(&out, "eintr"), kv_num(&out, "other")),
        (0, 0),
        "{ctx}"
    );
    (t, err, ctx)
}

/// `kv(stdout)[key]` as a number, or a failure naming what was missing.
pub fn kv_num(stdout: &str, key: &str) -> i64 {
    kv(stdout)
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no numeric {key}= in program output {stdout:?}"))
}

/// The result of a record as strace would show it: `Ok(value)` or `Err(ERRNO)`.
pub fn outcome(r: &Value) -> Result<i64, String> {
    match r["err"].as_str() {
        Some(e) => Err(e.to_string()),
        None => Ok(r["res"].as_i64().unwrap_or_else(|| panic!("no res in {r}"))),
    }
}

// ------------------------------------------------------------------ strace oracle

/// One call as strace printed it (an `<unfinished ...>` / `<... resumed>` pair is one).
#[derive(Debug, Clone)]
pub struct StraceCall {
    pub pid: i32,
    pub name: String,
    /// Everything between the name's `(` and the ` = `, as printed.
    pub args: String,
    /// The text after ` = ` (`3`, `-1 ENOENT (No such file...)`, `?`), if it returned.
    pub ret: Option<String>,
}

impl StraceCall {
    /// `Ok(value)` / `Err(ERRNO)` like [`outcome`]; `None` for `?` or no return.
    pub fn outcome(&self) -> Option<Result<i64, String>> {
        let ret = self.ret.as_deref()?.trim();
        let mut words = ret.split_whitespace();
        let first = words.next()?;
        if first == "?" {
            return None;
        }
        if first == "-1" {
            return Some(Err(words.next()?.to_string()));
        }
        let v = if let Some(h) = first.strip_prefix("0x") {
            i64::from_str_radix(h, 16).ok()?
        } else {
            first.parse().ok()?
        };
        Some(Ok(v))
    }

    /// The first quoted string argument (a path for openat's second argument etc.).
    pub fn quoted_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut chars = self.args.chars();
        while let Some(c) = chars.next() {
            if c == '"' {
                let mut s = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            s.push(c);
                            if let Some(n) = chars.next() {
                                s.push(n);
                            }
                        }
                        '"' => break,
                        _ => s.push(c),
                    }
                }
                out.push(s);
            }
        }
        out
    }
}

pub struct Strace {
    pub out: Output,
    pub calls: Vec<StraceCall>,
    pub raw: String,
}

impl Strace {
    pub fn counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for c in &self.calls {
            *m.entry(c.name.clone()).or_insert(0) += 1;
        }
        m
    }

    pub fn of(&self, name: &str) -> Vec<&StraceCall> {
        self.calls.iter().filter(|c| c.name == name).collect()
    }
}

/// Runs `strace -f -qq -o FILE [-e trace=EXPR] -- CMD...` and parses its output.
pub fn strace(expr: Option<&str>, cmd: &[&str]) -> Strace {
    let dir = TempDir::new("strace");
    let file = dir.join("strace.txt");
    let mut c = Command::new("strace");
    c.args(["-f", "-qq", "-o"]).arg(&file);
    if let Some(e) = expr {
        c.arg("-e").arg(format!("trace={e}"));
    }
    c.arg("--").args(cmd).stdin(Stdio::null());
    let out = run(&mut c);
    let raw = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: no strace output ({e})", out.desc));
    let calls = parse_strace(&raw);
    Strace { out, calls, raw }
}

/// Parses `strace -f -o FILE` lines (`PID name(args) = ret`). A call split into
/// `<unfinished ...>` and `<... name resumed>` is one call; `+++`/`---` lines are not calls.
pub fn parse_strace(raw: &str) -> Vec<StraceCall> {
    let mut calls: Vec<StraceCall> = Vec::new();
    // pid -> index of its unfinished call
    let mut pending: BTreeMap<i32, usize> = BTreeMap::new();
    for line in raw.lines() {
        let (pid, rest) = match line.split_once(' ') {
            Some((p, r)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
                (p.parse().unwrap(), r.trim_start())
            }
            _ => (0, line),
        };
        if rest.starts_with("+++") || rest.starts_with("---") || rest.is_empty() {
            continue;
        }
        if let Some(r) = rest.strip_prefix("<... ") {
            // `<... read resumed>..., 4096) = 12`
            let (name, tail) = r
                .split_once(" resumed>")
                .unwrap_or_else(|| panic!("strange strace line: {line}"));
            let idx = pending
                .remove(&pid)
                .unwrap_or_else(|| panic!("resumed without unfinished: {line}"));
            assert_eq!(calls[idx].name, name, "resumed another call: {line}");
            let (args, ret) = split_ret(tail);
            calls[idx].args.push_str(args);
            calls[idx].ret = ret;
            continue;
        }
        let open = rest
            .find('(')
            .unwrap_or_else(|| panic!("strange strace line: {line}"));
        let name = rest[..open].to_string();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "strange strace line: {line}"
        );
        let body = &rest[open + 1..];
        if let Some(args) = body.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, calls.len());
            calls.push(StraceCall {
                pid,
                name,
                args: args.to_string(),
                ret: None,
            });
            continue;
        }
        let (args, ret) = split_ret(body);
        calls.push(StraceCall {
            pid,
            name,
            args: args.to_string(),
            ret,
        });
    }
    calls
}

/// Splits `args)   = ret` at the last ` = ` (strace pads before `=`; the return part
/// never contains ` = `, while a quoted argument may).
fn split_ret(s: &str) -> (&str, Option<String>) {
    match s.rfind(" = ") {
        Some(i) => {
            let args = s[..i].trim_end();
            (
                args.strip_suffix(')').unwrap_or(args),
                Some(s[i + 3..].to_string()),
            )
        }
        None => (s.trim_end().trim_end_matches(')'), None),
    }
}

/// Fails with a per-syscall table of differences unless the counts are equal.
pub fn assert_counts_equal(
    ctx: &str,
    mine: &BTreeMap<String, usize>,
    oracle: &BTreeMap<String, usize>,
) {
    let names: BTreeSet<&String> = mine.keys().chain(oracle.keys()).collect();
    let diffs: Vec<String> = names
        .into_iter()
        .filter_map(|n| {
            let a = mine.get(n).copied().unwrap_or(0);
            let b = oracle.get(n).copied().unwrap_or(0);
            (a != b).then(|| format!("  {n}: my-sysdig {a}, strace {b}"))
        })
        .collect();
    assert!(
        diffs.is_empty(),
        "{ctx}: per-syscall counts differ from strace -f:\n{}",
        diffs.join("\n")
    );
}

/// A python3 program making the process and terminal calls with dedicated decoders:
/// clone (fork) and clone3 (a thread), waitid (into zeroed buffers: the kernel leaves
/// si_utime/si_stime as they were), prctl options, capget/capset, and terminal ioctls on a
/// pty (strace_diff.rs compares it with strace, records.rs checks its JSON values).
pub const PROCESS_AND_TERMINAL_PY: &str = r#"
import os, ctypes, threading, fcntl, termios, struct, pty
libc = ctypes.CDLL(None, use_errno=True)
t = threading.Thread(target=lambda: None)
t.start()
t.join()
pid = os.fork()
if pid == 0:
    os._exit(3)
libc.waitid(1, pid, ctypes.create_string_buffer(128), 4)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.read(r, 1)
    os._exit(0)
libc.waitid(0, 0, ctypes.create_string_buffer(128), 4 | 1)
os.write(w, b"x")
libc.waitid(2, 0, ctypes.create_string_buffer(128), 4 | 0x01000000)
libc.waitid(0, 0, ctypes.create_string_buffer(128), 4)
libc.waitid(0, 0, ctypes.create_string_buffer(128), 4)
libc.prctl(15, b"sysdig-test", 0, 0, 0)
libc.prctl(16, ctypes.create_string_buffer(16), 0, 0, 0)
libc.prctl(1, 15, 0, 0, 0)
n = ctypes.c_int()
libc.prctl(2, ctypes.byref(n), 0, 0, 0)
libc.prctl(23, 21, 0, 0, 0)
libc.prctl(3, 0, 0, 0, 0)
libc.prctl(4, 1, 0, 0, 0)
libc.prctl(36, 1, 0, 0, 0)
libc.prctl(37, ctypes.byref(n), 0, 0, 0)
libc.prctl(38, 1, 0, 0, 0)
hdr = (ctypes.c_uint32 * 2)(0x20080522, 0)
data = (ctypes.c_uint32 * 6)()
libc.capget(hdr, data)
libc.capset(hdr, data)
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
fcntl.ioctl(s, termios.TIOCGWINSZ, bytes(8))
fcntl.ioctl(m, termios.FIONREAD, bytes(4))
a = termios.tcgetattr(s)
termios.tcsetattr(s, termios.TCSANOW, a)
termios.tcsetattr(s, termios.TCSAFLUSH, a)
termios.tcflush(s, termios.TCIOFLUSH)
"#;

// ------------------------------------------------------- the shell-jobs loop
/// dash with 300 background jobs (issue 20): it forks while its finished
/// children's SIGCHLDs land, and its SIGCHLD handler has no SA_RESTART.
pub const SHELL_JOBS: &str = "for i in $(seq 300); do /bin/true & done; wait";

/// How many calls the tracer says a signal interrupted before they were
/// received (`--no-ret`, the agent); 0 when it says nothing.
pub fn interrupted_said(stderr: &str) -> u64 {
    stderr
        .lines()
        .find(|l| l.contains(" interrupted by a signal"))
        .and_then(|l| l.strip_prefix("my-sysdig: "))
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Runs `SHELL_JOBS` `runs` times under `my-sysdig exec ARGS`. A run may
/// fail only as dash does when a fork was interrupted ("Cannot fork"), and
/// then the tracer must say how many calls were. Returns the runs that
/// passed and the calls interrupted in all.
pub fn shell_jobs_under(args: &[&str], runs: usize) -> (usize, u64) {
    let (mut passed, mut interrupted) = (0, 0);
    for _ in 0..runs {
        let mut c = Command::new(TRACER);
        c.arg("exec")
            .args(args)
            .args(["-o", "/dev/null", "--", "sh", "-c", SHELL_JOBS])
            .stdin(Stdio::null());
        let out = run(&mut c);
        let err = out.stderr_str();
        let said = interrupted_said(&err);
        interrupted += said;
        match out.code() {
            Some(0) => passed += 1,
            _ => assert!(
                err.contains("Cannot fork") && said > 0,
                "{args:?}: the script failed and the tracer did not say why: {err}"
            ),
        }
    }
    (passed, interrupted)
}
