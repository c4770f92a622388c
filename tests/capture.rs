//! Capture and replay (`exec -w`, `read`): a capture replayed with the same
//! display options gives byte for byte what the live run wrote, on real
//! programs (coreutils through sh, python3 with threads), in every format
//! and with every display option; selection on replay; a capture cut by
//! SIGKILL; bad input.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A shell script of coreutils: files read and written, a failure, a pipe,
/// children.
const SHELL: &str = "cat /etc/hostname >/dev/null; ls / >/dev/null; \
                     cat /nonexistent 2>/dev/null; echo hi | wc -c >/dev/null; \
                     printf 'x\\377y' > \"$0\"; cat \"$0\" >/dev/null; exit 3";

/// python3 with four threads writing to a file and sleeping.
const PYTHON: &str = "import threading, os, time, sys\n\
def work(i):\n    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)\n    \
for j in range(20):\n        os.write(fd, b'thread %d line %d\\n' % (i, j))\n        time.sleep(0.001)\n    \
os.close(fd)\n\
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]\n\
[t.start() for t in ts]\n[t.join() for t in ts]\n";

/// `exec -w CAP -o LIVE OPTS -- CMD`, then `read CAP -o AGAIN OPTS`: the two
/// outputs must be the same bytes. Options before `|` are `exec`'s alone
/// (`--no-ret`). Returns the live output.
fn replay_matches(dir: &TempDir, tag: &str, opts: &[&str], cmd: &[&str], code: i32) -> Vec<u8> {
    let (exec_only, opts) = match opts.iter().position(|o| *o == "|") {
        Some(i) => (&opts[..i], &opts[i + 1..]),
        None => (&[][..], opts),
    };
    let cap = dir.join_str(&format!("{tag}.cap"));
    let live = dir.join_str(&format!("{tag}.live"));
    let again = dir.join_str(&format!("{tag}.again"));
    let mut args = vec!["exec", "-w", &cap, "-o", &live];
    args.extend_from_slice(exec_only);
    args.extend_from_slice(opts);
    args.push("--");
    args.extend_from_slice(cmd);
    run_tracer(&args).assert_code(code);
    let mut args = vec!["read", &cap, "-o", &again];
    args.extend_from_slice(opts);
    let r = run_tracer(&args);
    r.assert_code(0);
    assert!(r.stderr.is_empty(), "read said: {}", r.stderr_str());
    let live_bytes = std::fs::read(&live).unwrap();
    let again_bytes = std::fs::read(&again).unwrap();
    assert!(!live_bytes.is_empty(), "{tag}: no live output");
    if live_bytes != again_bytes {
        let l = String::from_utf8_lossy(&live_bytes);
        let a = String::from_utf8_lossy(&again_bytes);
        let first = l
            .lines()
            .zip(a.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(l.lines().count().min(a.lines().count()));
        panic!(
            "{tag} {opts:?}: replay differs from the live output at line {}\nlive:  {:?}\nagain: {:?}\n({} vs {} lines)",
            first + 1,
            l.lines().nth(first),
            a.lines().nth(first),
            l.lines().count(),
            a.lines().count()
        );
    }
    live_bytes
}

/// Every format and display option, each with a live run and a replay.
const OPTION_SETS: &[&[&str]] = &[
    &["--format", "text"],
    &["--format", "strace"],
    &["--format", "json"],
    &["--format", "text", "-t"],
    &["--format", "strace", "-tt", "-T"],
    &["--format", "strace", "-ttt"],
    &["--format", "text", "-T", "-y"],
    &["--format", "strace", "-y"],
    &["--format", "json", "-y"],
    &["--format", "text", "-c"],
    &["--format", "strace", "-C"],
    &["--format", "json", "-c"],
    &["--no-ret", "|", "--format", "strace"],
    &["--exit-via", "ptrace", "|", "--format", "text"],
    &[
        "-s",
        "0",
        "--exit-via",
        "perf",
        "|",
        "--format",
        "strace",
        "-T",
    ],
    &[
        "--format",
        "strace",
        "--filter",
        "evt.type in (openat,read,write) and evt.res >= 0",
    ],
];

#[test]
fn replay_of_coreutils_is_byte_identical() {
    let dir = TempDir::new("cap-sh");
    let data = dir.join_str("data");
    for (i, opts) in OPTION_SETS.iter().enumerate() {
        let out = replay_matches(
            &dir,
            &format!("sh{i}"),
            opts,
            &["sh", "-c", SHELL, &data],
            3,
        );
        if opts.contains(&"-c") {
            assert!(String::from_utf8_lossy(&out).contains("calls"), "{opts:?}");
        }
    }
}

#[test]
fn replay_of_python_threads_is_byte_identical() {
    let dir = TempDir::new("cap-py");
    let data = dir.join_str("data");
    for (i, opts) in [
        &["--format", "strace"][..],
        &["--format", "json", "-y"],
        &["--format", "text", "-T", "-tt"],
        &["--format", "strace", "--only", "write,openat,close,futex"],
    ]
    .iter()
    .enumerate()
    {
        let _ = std::fs::remove_file(&data);
        let out = replay_matches(
            &dir,
            &format!("py{i}"),
            opts,
            &[python3(), "-c", PYTHON, &data],
            0,
        );
        if opts.contains(&"strace") {
            let s = String::from_utf8_lossy(&out);
            assert!(s.contains("write("), "{s}");
        }
        assert_eq!(
            std::fs::read_to_string(&data).unwrap().lines().count(),
            80,
            "the program behaves as untraced"
        );
    }
}

/// `-w` alone writes no lines; `read` shows them, to stdout.
#[test]
fn capture_alone_then_read_to_stdout() {
    let dir = TempDir::new("cap-alone");
    let cap = dir.join_str("c");
    let r = run_tracer(&["exec", "-w", &cap, "--", "cat", "/etc/hostname"]);
    r.assert_code(0);
    assert!(r.stderr.is_empty(), "{}", r.stderr_str());
    let mode = std::fs::metadata(&cap).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the capture is private");
    let r = run_tracer(&["read", &cap, "--only", "openat"]);
    r.assert_code(0);
    let s = r.stdout_str();
    assert!(s.contains("path=\"/etc/hostname\""), "{s}");
    assert!(s.lines().all(|l| l.contains(", openat, ")), "{s}");
    // From a pipe too.
    let r = run(Command::new(TRACER)
        .args([
            "read",
            "-",
            "--format",
            "json",
            "--filter",
            "evt.type = read",
        ])
        .stdin(std::fs::File::open(&cap).unwrap()));
    r.assert_code(0);
    let recs = parse_records(&r.stdout_str(), "read from stdin");
    assert!(!recs.is_empty());
    assert!(recs.iter().all(|r| r["syscall"] == "read"));
}

/// The header says what ran; the trailer how it ended.
#[test]
fn info_describes_the_capture() {
    let dir = TempDir::new("cap-info");
    let cap = dir.join_str("c");
    run_tracer(&[
        "exec",
        "-w",
        &cap,
        "--only",
        "read,openat",
        "--",
        "sh",
        "-c",
        "exit 5",
    ])
    .assert_code(5);
    let r = run_tracer(&["read", "--info", &cap]);
    r.assert_code(0);
    let s = r.stdout_str();
    for want in [
        "command:   sh -c exit 5",
        "only=read,openat",
        "exited with 5",
        "complete",
    ] {
        assert!(s.contains(want), "{want} in {s}");
    }
    let r = run_tracer(&["read", "--info", "--format", "json", &cap]);
    r.assert_code(0);
    let j: serde_json::Value = serde_json::from_str(r.stdout_str().trim()).unwrap();
    assert_eq!(j["command"][0], "sh");
    assert_eq!(j["complete"], true);
    assert!(j["records"].as_u64().unwrap() > 0);
}

/// `read -w` keeps a subset: reading it equals reading the whole with the
/// same selection.
#[test]
fn subset_capture_equals_selection() {
    let dir = TempDir::new("cap-subset");
    let cap = dir.join_str("c");
    let sub = dir.join_str("s");
    run_tracer(&[
        "exec",
        "-w",
        &cap,
        "--",
        "sh",
        "-c",
        SHELL,
        &dir.join_str("d"),
    ])
    .assert_code(3);
    let sel = ["--filter", "evt.failed = true or evt.type = openat"];
    let mut a = vec!["read", cap.as_str(), "-w", sub.as_str()];
    a.extend(sel);
    run_tracer(&a).assert_code(0);
    let mut a = vec!["read", cap.as_str(), "--format", "strace"];
    a.extend(sel);
    let whole = run_tracer(&a);
    whole.assert_code(0);
    let part = run_tracer(&["read", &sub, "--format", "strace"]);
    part.assert_code(0);
    assert_eq!(whole.stdout_str(), part.stdout_str());
    assert!(
        whole.stdout_str().contains("ENOENT"),
        "{}",
        whole.stdout_str()
    );
}

/// Selection on replay: `--only`, `--pid`, and a call the capture left out.
#[test]
fn read_selects_and_says_what_was_not_captured() {
    let dir = TempDir::new("cap-sel");
    let cap = dir.join_str("c");
    run_tracer(&[
        "exec",
        "-w",
        &cap,
        "--only",
        "openat,close",
        "--",
        "sh",
        "-c",
        SHELL,
        &dir.join_str("d"),
    ])
    .assert_code(3);
    let r = run_tracer(&["read", &cap, "--only", "close,write"]);
    r.assert_code(0);
    assert!(
        r.stderr_str().contains("not in the capture"),
        "{}",
        r.stderr_str()
    );
    assert!(r.stderr_str().contains("write"), "{}", r.stderr_str());
    assert!(r.stdout_str().lines().all(|l| l.contains(", close, ")));
    let json = run_tracer(&["read", &cap, "--format", "json"]);
    let recs = parse_records(&json.stdout_str(), "all");
    let pid = recs.last().unwrap()["pid"].as_i64().unwrap();
    let r = run_tracer(&["read", &cap, "--format", "json", "--pid", &pid.to_string()]);
    let mine = parse_records(&r.stdout_str(), "pid");
    assert!(!mine.is_empty() && mine.len() < recs.len());
    assert!(mine.iter().all(|r| r["pid"] == pid));
}

/// A tracer killed mid-capture: every complete frame is readable, and the
/// cut is reported, exit 0.
#[test]
fn capture_cut_by_sigkill_is_readable() {
    let dir = TempDir::new("cap-kill");
    let cap = dir.join_str("c");
    let mut child = Command::new(TRACER)
        .args(["exec", "-w", &cap, "--only", "getppid", "--"])
        .args([HELPER, "getppid", "100000000"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for a few frames (one each ~250 ms at least).
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::metadata(&cap).map_or(0, |m| m.len()) < 20_000 {
        assert!(Instant::now() < deadline, "no capture frames written");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let r = run_tracer(&["read", &cap, "--format", "json"]);
    r.assert_code(0);
    let err = r.stderr_str();
    assert!(err.contains("truncated at byte"), "{err}");
    let recs = parse_records(&r.stdout_str(), "cut capture");
    assert!(
        recs.len() > 100,
        "records of the complete frames: {}",
        recs.len()
    );
    let n: usize = err
        .split("after ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    assert_eq!(n, recs.len(), "{err}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = TempDir::new("cap-bad");
    let junk = dir.join_str("junk");
    std::fs::write(&junk, b"pid=1, read, fd=3\n").unwrap();
    let r = run_tracer(&["read", &junk]);
    r.assert_code(1);
    assert!(
        r.stderr_str().starts_with("my-sysdig: "),
        "{}",
        r.stderr_str()
    );
    assert!(
        r.stderr_str().contains("not a my-sysdig capture"),
        "{}",
        r.stderr_str()
    );
    let r = run_tracer(&["read", &dir.join_str("missing")]);
    r.assert_code(1);
    assert!(
        r.stderr_str().contains("cannot open capture"),
        "{}",
        r.stderr_str()
    );
    // A capture without -y cannot show descriptor paths.
    let cap = dir.join_str("c");
    run_tracer(&["exec", "-w", &cap, "--", "true"]).assert_code(0);
    let r = run_tracer(&["read", "-y", &cap]);
    r.assert_code(2);
    assert!(r.stderr_str().contains("without -y"), "{}", r.stderr_str());
    // A bad expression: nothing runs, exit 2, the column shown.
    let marker = dir.join("ran");
    let r = run_tracer(&[
        "exec",
        "--filter",
        "evt.type = open and (",
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]);
    r.assert_code(2);
    assert!(
        r.stderr_str().starts_with("my-sysdig: --filter"),
        "{}",
        r.stderr_str()
    );
    assert!(!marker.exists(), "nothing is run on a bad expression");
    // The capture is never written through a symbolic link.
    let link = dir.join("link");
    std::os::unix::fs::symlink(dir.join("target"), &link).unwrap();
    let r = run_tracer(&[
        "exec",
        "-w",
        link.to_str().unwrap(),
        "--",
        "touch",
        marker.to_str().unwrap(),
    ]);
    r.assert_code(1);
    assert!(
        r.stderr_str().contains("symbolic link"),
        "{}",
        r.stderr_str()
    );
    assert!(!marker.exists() && !dir.join("target").exists());
}

/// The views run on a real capture.
#[test]
fn views_of_a_capture() {
    let dir = TempDir::new("cap-view");
    let cap = dir.join_str("c");
    run_tracer(&[
        "exec",
        "-y",
        "-w",
        &cap,
        "--",
        "sh",
        "-c",
        SHELL,
        &dir.join_str("d"),
    ])
    .assert_code(3);
    let r = run_tracer(&["read", &cap, "--view", "topfiles"]);
    r.assert_code(0);
    assert!(
        r.stdout_str().contains("/etc/hostname"),
        "{}",
        r.stdout_str()
    );
    let r = run_tracer(&["read", &cap, "--view", "errors", "--format", "json"]);
    r.assert_code(0);
    let j: serde_json::Value = serde_json::from_str(r.stdout_str().trim()).unwrap();
    assert!(j.to_string().contains("ENOENT"), "{j}");
    // Without -y on read, the lines leave the paths out, but the filter
    // still sees them.
    let r = run_tracer(&[
        "read",
        &cap,
        "--filter",
        "evt.type = read and fd.name = /etc/hostname",
    ]);
    r.assert_code(0);
    let s = r.stdout_str();
    assert!(s.lines().count() >= 2, "{s}");
    assert!(s.lines().all(|l| l.contains(", read, fd=3, ")), "{s}");
    let r = run_tracer(&["read", &cap, "--view", "topprocs"]);
    r.assert_code(0);
    assert!(r.stdout_str().contains("cat"), "{}", r.stdout_str());
}

/// A real capture cut at many offsets, and with bytes flipped, through the
/// `read` binary: a clear `my-sysdig:` message or a cut reported, never a
/// panic or a hang.
#[test]
fn damaged_captures_through_read() {
    let dir = TempDir::new("cap-damage");
    let cap = dir.join_str("c");
    run_tracer(&[
        "exec",
        "-w",
        &cap,
        "-y",
        "--",
        "sh",
        "-c",
        SHELL,
        &dir.join_str("d"),
    ])
    .assert_code(3);
    let whole = std::fs::read(&cap).unwrap();
    let full = run_tracer(&["read", &cap, "--format", "json"]);
    full.assert_code(0);
    let all = full.stdout_str().lines().count();
    let bad = dir.join_str("bad");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..40 {
        let mut bytes = whole.clone();
        let what = if i % 2 == 0 {
            let at = (next() as usize) % whole.len();
            bytes.truncate(at);
            format!("cut at {at}")
        } else {
            let at = (next() as usize) % whole.len();
            bytes[at] ^= 1 << (next() % 8);
            format!("bit flipped at {at}")
        };
        std::fs::write(&bad, &bytes).unwrap();
        let r = run_tracer(&["read", &bad, "--format", "json"]);
        let err = r.stderr_str();
        assert!(!err.contains("panicked"), "{what}: {err}");
        match r.code() {
            Some(0) => {
                let n = r.stdout_str().lines().count();
                assert!(n <= all, "{what}: {n} records of {all}");
                if bytes.len() < whole.len() {
                    assert!(err.contains("truncated at byte"), "{what}: {err}");
                }
            }
            Some(1) => assert!(err.starts_with("my-sysdig: "), "{what}: {err}"),
            other => panic!("{what}: exit {other:?}: {err}"),
        }
    }
}
