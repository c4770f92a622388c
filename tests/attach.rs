//! `attach`: trace running processes and leave them as they were, in both
//! modes (perf events, the default; `--stop`, ptrace): records while
//! attached; after SIGINT, SIGTERM or SIGKILL of my-sysdig, no tracer, no
//! stopped thread, no seccomp filter, and the program goes on; a stopped
//! target stays stopped; a target another tracer holds is a clear error;
//! threads that come and go are followed; nginx keeps serving.

mod common;

use common::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A python3 loop: every 20 ms, getppid and one line appended to `out`.
const TICKER: &str = "import os, sys, time\n\
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)\n\
while True:\n    os.getppid()\n    os.write(fd, b'tick\\n')\n    time.sleep(0.02)\n";

/// A child that is killed when dropped.
struct Target(Child);

impl Drop for Target {
    fn drop(&mut self) {
        // Its process group too, when it leads one (nginx: a failed test
        // would leave the workers behind).
        // SAFETY: kill(2) of a process group this test started.
        unsafe { libc::kill(-(self.0.id() as i32), libc::SIGKILL) };
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn ticker(dir: &TempDir) -> (Target, String) {
    let out = dir.join_str("ticks");
    let child = Command::new(python3())
        .args(["-c", TICKER, &out])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until it runs its loop.
    let deadline = Instant::now() + Duration::from_secs(20);
    while lines(&out) < 2 {
        assert!(Instant::now() < deadline, "the target did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Target(child), out)
}

fn lines(path: &str) -> usize {
    std::fs::read_to_string(path).map_or(0, |s| s.lines().count())
}

/// `/proc/PID/status` fields of every thread of `pid`.
fn thread_states(pid: u32) -> Vec<(String, String, String, String)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let s = std::fs::read_to_string(e.unwrap().path().join("status")).unwrap_or_default();
        let f = |k: &str| {
            s.lines()
                .find_map(|l| l.strip_prefix(k))
                .map_or(String::new(), |v| v.trim().to_string())
        };
        v.push((
            f("State:"),
            f("TracerPid:"),
            f("Seccomp:"),
            f("NoNewPrivs:"),
        ));
    }
    v
}

fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// The two modes: perf events (no stops), ptrace (`--stop`).
const MODES: [&[&str]; 2] = [&[], &["--stop"]];

/// Starts `my-sysdig attach MODE ARGS` in the background.
fn attach(mode: &[&str], args: &[&str]) -> Child {
    Command::new(TRACER)
        .arg("attach")
        .args(mode)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for `child` to end within `secs`.
fn wait_end(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let mut err = String::new();
            let _ = child.stderr.take().map(|mut e| e.read_to_string(&mut err));
            panic!("my-sysdig attach did not end within {secs} s; its stderr: {err}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the records file has at least `n` lines.
fn wait_records(path: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while lines(path) < n {
        assert!(Instant::now() < deadline, "no records while attached");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Each way of stopping my-sysdig leaves the target as it was, and it goes
/// on running.
#[test]
fn detach_leaves_the_target_intact() {
    for (sig, name, mode) in [
        (libc::SIGINT, "SIGINT", MODES[0]),
        (libc::SIGTERM, "SIGTERM", MODES[0]),
        (libc::SIGKILL, "SIGKILL", MODES[0]),
        (libc::SIGINT, "SIGINT --stop", MODES[1]),
        (libc::SIGTERM, "SIGTERM --stop", MODES[1]),
        (libc::SIGKILL, "SIGKILL --stop", MODES[1]),
    ] {
        let dir = TempDir::new("attach-detach");
        let (target, ticks) = ticker(&dir);
        let pid = target.0.id();
        let before = thread_states(pid);
        let fds = fd_count(pid);
        let recs = dir.join_str("recs");
        let mut t = attach(
            mode,
            &["-p", &pid.to_string(), "--format", "json", "-o", &recs],
        );
        wait_records(&recs, 6);
        // SAFETY: kill(2) of the tracer we started.
        unsafe { libc::kill(t.id() as i32, sig) };
        let st = wait_end(&mut t, 20);
        if sig != libc::SIGKILL {
            assert!(st.success(), "{name}: {st:?}");
        }
        // The kernel detaches a dead tracer's tracees at once.
        std::thread::sleep(Duration::from_millis(100));
        let after = thread_states(pid);
        for (state, tracer, seccomp, nnp) in &after {
            assert_eq!(tracer, "0", "{name}: still traced: {after:?}");
            assert!(
                !state.starts_with('t') && !state.starts_with('T'),
                "{name}: {after:?}"
            );
            assert_eq!(seccomp, &before[0].2, "{name}: seccomp mode changed");
            assert_eq!(nnp, &before[0].3, "{name}: no_new_privs changed");
        }
        assert_eq!(fd_count(pid), fds, "{name}: descriptors changed");
        let n = lines(&ticks);
        std::thread::sleep(Duration::from_millis(200));
        assert!(lines(&ticks) > n, "{name}: the target does not go on");
        let recs = parse_records(&std::fs::read_to_string(&recs).unwrap_or_default(), name);
        assert!(
            recs.iter()
                .any(|r| r["syscall"] == "getppid" && r["res"].is_i64())
        );
        assert!(
            recs.iter()
                .any(|r| r["syscall"] == "write" && r["args"]["buf"] == "tick\n" && r["res"] == 5),
            "{name}"
        );
        assert!(recs.iter().all(|r| r["pid"] == pid), "{name}");
        // Without stops, what memory holds is read after the call.
        let late = recs.iter().filter(|r| r["late"] == true).count();
        match mode.is_empty() {
            true => assert!(late > 0, "{name}: no record marked late"),
            false => assert_eq!(late, 0, "{name}: ptrace reads memory in time"),
        }
    }
}

/// A target stopped with SIGSTOP stays stopped after the detach.
#[test]
fn a_stopped_target_stays_stopped() {
    let dir = TempDir::new("attach-stopped");
    let (target, ticks) = ticker(&dir);
    let pid = target.0.id();
    // SAFETY: kill(2) of the target we started.
    unsafe { libc::kill(pid as i32, libc::SIGSTOP) };
    std::thread::sleep(Duration::from_millis(100));
    let mut t = attach(
        MODES[1],
        &["-p", &pid.to_string(), "-o", &dir.join_str("recs")],
    );
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: as above.
    unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
    assert!(wait_end(&mut t, 20).success());
    std::thread::sleep(Duration::from_millis(100));
    for (state, tracer, ..) in thread_states(pid) {
        assert_eq!(tracer, "0");
        assert!(
            state.starts_with('T'),
            "stopped before, stopped after: {state}"
        );
    }
    let n = lines(&ticks);
    // SAFETY: as above.
    unsafe { libc::kill(pid as i32, libc::SIGCONT) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while lines(&ticks) <= n {
        assert!(
            Instant::now() < deadline,
            "the target did not go on after SIGCONT"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Threads created and joined in a loop while attached: each one's calls
/// are all there.
#[test]
fn thread_churn_is_followed() {
    for mode in MODES {
        churn(mode);
    }
}

fn churn(mode: &[&str]) {
    let dir = TempDir::new("attach-churn");
    let script = "import threading, os, time\n\
def work():\n    for _ in range(50):\n        os.getppid()\n\
while True:\n    ts = [threading.Thread(target=work) for _ in range(3)]\n    \
[t.start() for t in ts]\n    [t.join() for t in ts]\n    time.sleep(0.02)\n";
    let target = Target(
        Command::new(python3())
            .args(["-c", script])
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let recs = dir.join_str("recs");
    let pid = target.0.id().to_string();
    let mut t = attach(
        mode,
        &[
            "-p",
            &pid,
            "--only",
            "getppid,exit,set_robust_list",
            "--format",
            "json",
            "-o",
            &recs,
        ],
    );
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: kill(2) of the tracer we started.
    unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
    assert!(wait_end(&mut t, 20).success());
    let recs = parse_records(&std::fs::read_to_string(&recs).unwrap(), "churn");
    let mut by_tid: std::collections::BTreeMap<i64, Vec<String>> = Default::default();
    for r in &recs {
        by_tid
            .entry(r["tid"].as_i64().unwrap())
            .or_default()
            .push(r["syscall"].as_str().unwrap().to_string());
    }
    // Threads seen from their start (set_robust_list) to their end (exit).
    let whole: Vec<_> = by_tid
        .values()
        .filter(|c| {
            c.first().is_some_and(|s| s == "set_robust_list")
                && c.last().is_some_and(|s| s == "exit")
        })
        .collect();
    assert!(whole.len() >= 6, "{mode:?}: {} whole threads", whole.len());
    for c in whole {
        assert_eq!(
            c.iter().filter(|s| *s == "getppid").count(),
            50,
            "{mode:?}: {c:?}"
        );
    }
}

/// A process another tracer holds: a clear error naming it; nothing changes.
#[test]
fn a_traced_target_is_refused_clearly() {
    if which("strace").is_none() {
        panic!("strace is not installed: run scripts/install-deps.sh");
    }
    let dir = TempDir::new("attach-traced");
    let (target, _ticks) = ticker(&dir);
    let pid = target.0.id().to_string();
    let mut strace = Command::new("strace")
        .args(["-p", &pid, "-o", "/dev/null"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while thread_states(target.0.id()).iter().all(|s| s.1 == "0") {
        assert!(Instant::now() < deadline, "strace did not attach");
        std::thread::sleep(Duration::from_millis(20));
    }
    let r = run_tracer(&["attach", "--stop", "-p", &pid]);
    let _ = strace.kill();
    let _ = strace.wait();
    r.assert_code(1);
    let err = r.stderr_str();
    assert!(err.starts_with("my-sysdig: cannot attach to"), "{err}");
    assert!(
        err.contains("already traced by process") && err.contains("strace"),
        "{err}"
    );
    let r = run_tracer(&["attach", "--stop", "-p", "999999999"]);
    assert_ne!(r.code(), Some(0));
    assert!(
        r.stderr_str().contains("no such process"),
        "{}",
        r.stderr_str()
    );
}

fn which(prog: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(prog))
            .find(|p| p.exists())
    })
}

fn get(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp
}

/// nginx serving: attach to the master with -f (its workers too), serve,
/// detach; every request answered, one accept4 per connection while
/// attached, nothing left traced, and nginx still serves.
#[test]
fn nginx_attach_with_children() {
    for mode in MODES {
        nginx(mode);
    }
}

fn nginx(mode: &[&str]) {
    let dir = TempDir::new("attach-nginx");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = dir.path().display();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    let conf = format!(
        "worker_processes 2;\npid {d}/nginx.pid;\nerror_log {d}/logs/error.log warn;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n\
         server {{ listen 127.0.0.1:{port}; location / {{ return 200 \"hello\\n\"; }} }}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let nginx = Target(
        Command::new("/usr/sbin/nginx")
            .args([
                "-p",
                &dir.join_str(""),
                "-c",
                &dir.join_str("nginx.conf"),
                "-g",
                "daemon off;",
            ])
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("nginx is not installed: run scripts/install-deps.sh"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let master = nginx.0.id();
    let recs = dir.join_str("recs");
    let mut t = attach(
        mode,
        &[
            "-f",
            "-p",
            &master.to_string(),
            "--only",
            "accept4,writev,close",
            "--format",
            "json",
            "-o",
            &recs,
        ],
    );
    // The attach is done once a request shows up in the records.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(get(port).ends_with("hello\n"));
        if std::fs::read_to_string(&recs)
            .unwrap_or_default()
            .contains("accept4")
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no accept4 record while attached"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    const N: usize = 100;
    for _ in 0..N {
        assert!(get(port).ends_with("hello\n"));
    }
    // SAFETY: kill(2) of the tracer we started.
    unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
    let st = wait_end(&mut t, 20);
    let mut err = String::new();
    let _ = t.stderr.take().map(|mut e| e.read_to_string(&mut err));
    assert!(st.success(), "{mode:?}: {st:?}: {err}");
    let all = parse_records(&std::fs::read_to_string(&recs).unwrap(), "nginx");
    let accepted = all
        .iter()
        .filter(|r| r["syscall"] == "accept4" && r["res"].as_i64().unwrap_or(-1) >= 0)
        .count();
    let unreturned = all
        .iter()
        .filter(|r| r["syscall"] == "accept4" && r["res"].is_null())
        .count();
    assert!(
        accepted >= N,
        "{mode:?}: {accepted} accept4 records for {N} requests and more \
         ({unreturned} without a result); my-sysdig said: {err}"
    );
    // The workers accept: they were followed from the master.
    assert!(
        all.iter()
            .any(|r| r["syscall"] == "accept4" && r["pid"] != master)
    );
    std::thread::sleep(Duration::from_millis(100));
    for p in std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
    {
        let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
        if status.contains("\nPPid:\t")
            && (p == master || status.contains(&format!("\nPPid:\t{master}\n")))
        {
            for (state, tracer, ..) in thread_states(p) {
                assert_eq!(tracer, "0", "nginx process {p} still traced");
                assert!(!state.starts_with('t'), "nginx process {p}: {state}");
            }
        }
    }
    for _ in 0..20 {
        assert!(
            get(port).ends_with("hello\n"),
            "nginx serves after the detach"
        );
    }
    // A clean stop, workers included (SIGKILL of the master would leave them).
    // SAFETY: kill(2) of the nginx we started.
    unsafe { libc::kill(master as i32, libc::SIGTERM) };
    let mut nginx = nginx;
    let st = wait_end(&mut nginx.0, 20);
    assert!(st.success(), "nginx after the detach exits cleanly: {st:?}");
}

/// strace's detach cases: a target computing in a busy loop and one
/// blocked in a long sleep, in both modes: after the detach neither is
/// traced or stopped, and both go on (the sleeper still asleep, the loop
/// still spinning).
#[test]
fn busy_and_sleeping_targets_detach_cleanly() {
    for (what, script) in [
        ("busy", "x = 0\nwhile True:\n    x += 1\n"),
        ("sleeping", "import time\ntime.sleep(1000)\n"),
    ] {
        for mode in MODES {
            let dir = TempDir::new("attach-cases");
            let target = Target(
                Command::new(python3())
                    .args(["-c", script])
                    .stdin(Stdio::null())
                    .spawn()
                    .unwrap(),
            );
            std::thread::sleep(Duration::from_millis(300));
            let pid = target.0.id();
            let mut t = attach(mode, &["-p", &pid.to_string(), "-o", &dir.join_str("recs")]);
            std::thread::sleep(Duration::from_millis(700));
            // SAFETY: kill(2) of the tracer we started.
            unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
            assert!(wait_end(&mut t, 20).success(), "{what} {mode:?}");
            std::thread::sleep(Duration::from_millis(100));
            for (state, tracer, ..) in thread_states(pid) {
                assert_eq!(tracer, "0", "{what} {mode:?}");
                let want = if what == "busy" { 'R' } else { 'S' };
                assert!(state.starts_with(want), "{what} {mode:?}: {state}");
            }
        }
    }
}

/// `--comm NAME` picks the processes of that name; `--all` sees every
/// process but my-sysdig's own.
#[test]
fn comm_and_all_choose_the_targets() {
    let dir = TempDir::new("attach-choose");
    // A process with a name no other has: a copy of sh, in a loop.
    let name = format!("msd{}", std::process::id() % 100_000);
    let bin = dir.join(&name);
    std::fs::copy("/bin/sh", &bin).unwrap();
    let sleeper = Target(
        Command::new(&bin)
            .args(["-c", "while :; do sleep 0.05; done"])
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(200));
    let recs = dir.join_str("recs");
    let mut t = attach(&[], &["--comm", &name, "--format", "json", "-o", &recs]);
    std::thread::sleep(Duration::from_millis(700));
    // SAFETY: kill(2) of the tracer we started.
    unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
    assert!(wait_end(&mut t, 20).success());
    let got = parse_records(&std::fs::read_to_string(&recs).unwrap(), "comm");
    // Its loop: a child each time, waited for.
    assert!(
        got.iter()
            .any(|r| r["pid"] == sleeper.0.id() && r["syscall"] == "wait4"),
        "{got:?}"
    );
    assert!(got.iter().all(|r| r["comm"] == name.as_str()));

    // --all: a process opening a path no other opens.
    let mark = dir.join_str("mark");
    let script = "import os, sys, time\nwhile True:\n    try:\n        os.open(sys.argv[1], os.O_RDONLY)\n    except OSError:\n        pass\n    time.sleep(0.02)\n";
    let opener = Target(
        Command::new(python3())
            .args(["-c", script, &mark])
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let filter = format!("evt.arg.pathname = {mark}");
    let recs = dir.join_str("recs-all");
    let mut t = attach(
        &[],
        &[
            "--all", "--only", "openat", "--filter", &filter, "--format", "json", "-o", &recs,
        ],
    );
    wait_records(&recs, 3);
    // SAFETY: as above.
    unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
    let st = wait_end(&mut t, 20);
    let mut err = String::new();
    let _ = t.stderr.take().map(|mut e| e.read_to_string(&mut err));
    assert!(st.success(), "{st:?}: {err}");
    let got = parse_records(&std::fs::read_to_string(&recs).unwrap(), "all");
    assert!(
        got.iter()
            .all(|r| r["pid"] == opener.0.id() && r["err"] == "ENOENT"),
        "{got:?}"
    );
    let r = run_tracer(&["attach", "--all", "--stop"]);
    r.assert_code(2);
}

/// A buffer the target rewrites right after the call: exact under --stop
/// (read while the call waits), marked late without stops (read after it;
/// what it shows then is whatever the buffer holds).
#[test]
fn a_rewritten_buffer_is_exact_with_stops_and_late_without() {
    let script = "import ctypes, time\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
buf = ctypes.create_string_buffer(b'/nonexistent/AAAAAAAA')\n\
while True:\n    libc.open(buf, 0)\n    ctypes.memset(ctypes.addressof(buf) + 13, 66, 8)\n    \
time.sleep(0.01)\n    ctypes.memmove(ctypes.addressof(buf) + 13, b'AAAAAAAA', 8)\n";
    for mode in MODES {
        let dir = TempDir::new("attach-late");
        let target = Target(
            Command::new(python3())
                .args(["-c", script])
                .stdin(Stdio::null())
                .spawn()
                .unwrap(),
        );
        std::thread::sleep(Duration::from_millis(300));
        let recs = dir.join_str("recs");
        let pid = target.0.id().to_string();
        let mut t = attach(
            mode,
            &[
                "-p",
                &pid,
                "--only",
                "open,openat",
                "--format",
                "json",
                "-o",
                &recs,
            ],
        );
        wait_records(&recs, 5);
        // SAFETY: kill(2) of the tracer we started.
        unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
        assert!(wait_end(&mut t, 20).success(), "{mode:?}");
        let got = parse_records(&std::fs::read_to_string(&recs).unwrap(), "late");
        let opens: Vec<_> = got
            .iter()
            .filter(|r| r["err"] == "ENOENT" && r["args"]["pathname"].is_string())
            .collect();
        assert!(opens.len() >= 3, "{mode:?}: {got:?}");
        for r in &opens {
            if mode.is_empty() {
                assert_eq!(r["late"], true, "{r}");
            } else {
                assert_eq!(r["args"]["pathname"], "/nonexistent/AAAAAAAA", "{r}");
                assert!(r.get("late").is_none(), "{r}");
            }
        }
    }
}

/// Without stops, a short-lived child (a `cat` in a shell loop, gone before
/// its samples are read) keeps its process id and name in its records,
/// from perf's name records.
#[test]
fn short_lived_children_keep_their_names() {
    let dir = TempDir::new("attach-short");
    let target = Target(
        Command::new("sh")
            .args([
                "-c",
                "while :; do cat /etc/hostname > /dev/null; sleep 0.05; done",
            ])
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let recs = dir.join_str("recs");
    let pid = target.0.id().to_string();
    let mut t = attach(
        &[],
        &[
            "-f", "-p", &pid, "--only", "openat", "--format", "json", "-o", &recs,
        ],
    );
    std::thread::sleep(Duration::from_millis(1500));
    // SAFETY: kill(2) of the tracer we started.
    unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
    assert!(wait_end(&mut t, 20).success());
    let got = parse_records(&std::fs::read_to_string(&recs).unwrap(), "short");
    let cats: std::collections::BTreeSet<_> = got
        .iter()
        .filter(|r| r["comm"] == "cat")
        .map(|r| r["pid"].as_i64())
        .collect();
    assert!(
        cats.len() >= 3,
        "{} cat processes named: {got:?}",
        cats.len()
    );
    let unnamed: Vec<_> = got.iter().filter(|r| r["comm"] == "").collect();
    assert!(unnamed.is_empty(), "records without a name: {unnamed:?}");
}

/// A parent forking a child every 50 ms; each child calls getppid every
/// 20 ms for 1.2 s. Writes each child's pid and fork time (CLOCK_MONOTONIC).
const FORKER: &str = r#"
import os, sys, time
out = sys.argv[1]
while True:
    pid = os.fork()
    if pid == 0:
        for i in range(60):
            os.getppid()
            time.sleep(0.02)
        os._exit(0)
    with open(out, "a") as f:
        f.write("%d %f\n" % (pid, time.monotonic()))
    time.sleep(0.05)
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
"#;

fn monotonic_s() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: t is a valid timespec to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// `-f` lists the children, then attaches: a child started in between
/// (nginx's second worker, forked as the attach begins) must be traced too.
/// The moment is widened to 400 ms (MY_SYSDIG_ATTACH_DELAY_MS) while the
/// parent forks every 50 ms: every child started from the attach on makes
/// traced calls, in both modes.
#[test]
fn children_started_while_attaching_are_followed() {
    for mode in MODES {
        let dir = TempDir::new("attach-forker");
        let log = dir.join_str("children");
        let target = Target(
            Command::new(python3())
                .args(["-c", FORKER, &log])
                .stdin(Stdio::null())
                .spawn()
                .unwrap(),
        );
        std::thread::sleep(Duration::from_millis(300));
        let recs = dir.join_str("recs");
        let t0 = monotonic_s();
        let mut t = Command::new(TRACER)
            .env("MY_SYSDIG_ATTACH_DELAY_MS", "400")
            .arg("attach")
            .args(mode)
            .args(["-f", "-p", &target.0.id().to_string()])
            .args(["--only", "getppid", "--format", "json", "-o", &recs])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let t1 = monotonic_s();
        // SAFETY: kill(2) of the tracer we started.
        unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
        let st = wait_end(&mut t, 20);
        let mut err = String::new();
        let _ = t.stderr.take().map(|mut e| e.read_to_string(&mut err));
        assert!(st.success(), "{mode:?}: {st:?}: {err}");
        let all = parse_records(&std::fs::read_to_string(&recs).unwrap(), "forker");
        let children: Vec<(i64, f64)> = std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .filter_map(|l| {
                let (p, s) = l.split_once(' ')?;
                Some((p.parse().ok()?, s.parse().ok()?))
            })
            .collect();
        // Started from the attach on, with time left to make calls.
        let window: Vec<i64> = children
            .iter()
            .filter(|&&(_, at)| at > t0 && at < t1 - 0.3)
            .map(|&(p, _)| p)
            .collect();
        assert!(window.len() >= 10, "{mode:?}: {children:?}");
        for p in &window {
            assert!(
                all.iter()
                    .any(|r| r["pid"] == *p && r["syscall"] == "getppid"),
                "{mode:?}: child {p} (started while attaching) has no record; {err}"
            );
        }
    }
}

/// Without stops, memory is read through each process's `/proc/PID/mem`,
/// kept open: a process that execs while attached has its strings read from
/// its new program. A python3 loop stats a flag file (its memory file is
/// opened for the path), then execs `cat /etc/hostname -` in the same
/// process (which then waits on its stdin, so that it is still there when
/// its samples are read): cat's openat of /etc/hostname shows its path.
#[test]
fn strings_after_an_exec_come_from_the_new_program() {
    let dir = TempDir::new("attach-exec");
    let flag = dir.join_str("flag");
    let script = "import os, sys, time\n\
while not os.path.exists(sys.argv[1]):\n    time.sleep(0.02)\n\
os.execv('/bin/cat', ['cat', '/etc/hostname', '-'])\n";
    let mut target = Target(
        Command::new(python3())
            .args(["-c", script, &flag])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let recs = dir.join_str("recs");
    let pid = target.0.id().to_string();
    let mut t = attach(
        &[],
        &[
            "-p",
            &pid,
            "--only",
            "newfstatat,stat,openat,open",
            "--format",
            "json",
            "-o",
            &recs,
        ],
    );
    // The flag's stats are read (the memory file is open), then the exec.
    wait_records(&recs, 3);
    let before = lines(&recs);
    std::fs::write(&flag, b"").unwrap();
    // cat's calls are read while it waits on its stdin; then it ends.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&recs).is_ok_and(|s| s.contains("\"/etc/hostname\"")) {
        if lines(&recs) > before + 200 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    drop(target.0.stdin.take());
    assert!(target.0.wait().unwrap().success());
    // SAFETY: kill(2) of the tracer we started.
    unsafe { libc::kill(t.id() as i32, libc::SIGINT) };
    assert!(wait_end(&mut t, 20).success());
    let got = parse_records(&std::fs::read_to_string(&recs).unwrap(), "exec");
    assert!(
        got.iter()
            .any(|r| r["comm"] != "cat" && r["args"]["pathname"] == flag.as_str()),
        "no stat of the flag by python3 before the exec: {got:?}"
    );
    let cat: Vec<_> = got
        .iter()
        .filter(|r| r["comm"] == "cat" && r["syscall"] == "openat")
        .collect();
    assert!(
        cat.iter()
            .any(|r| r["args"]["pathname"] == "/etc/hostname"
                && r["pid"].as_i64() == pid.parse().ok()),
        "cat's openat of /etc/hostname in process {pid}: {got:?}"
    );
}
