//! The tracer's own life: its death takes the traced tree with it, and the
//! termination signals it receives are passed to the command.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn tracer(mode: &[&str], out: &std::path::Path, cmd: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_my-sysdig"))
        .arg("exec")
        .args(mode)
        .arg("-o")
        .arg(out)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null())
        .spawn()
        .unwrap()
}

/// Pids of the processes whose parent is `ppid`.
fn children(ppid: u32) -> Vec<i32> {
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The field after the parenthesised comm: state, then ppid.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        if after.split(' ').nth(1).and_then(|p| p.parse::<u32>().ok()) == Some(ppid) {
            v.push(pid);
        }
    }
    v
}

fn alive(pid: i32) -> bool {
    // A zombie is dead for our purpose.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            let after = &s[s.rfind(')').unwrap() + 2..];
            !after.starts_with('Z')
        })
        .unwrap_or(false)
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn tmp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("my-sysdig-life-{}-{name}", std::process::id()))
}

fn killing_the_tracer_kills_the_command(mode: &[&str], name: &str) {
    let out = tmp(name);
    let mut t = tracer(mode, &out, &["sleep", "60"]);
    let mut kids = Vec::new();
    wait_until("the command to start", || {
        kids = children(t.id());
        !kids.is_empty()
            && std::fs::read_to_string(format!("/proc/{}/comm", kids[0]))
                .is_ok_and(|c| c.trim() == "sleep")
    });
    t.kill().unwrap(); // SIGKILL: no chance to clean up
    t.wait().unwrap();
    wait_until("the traced command to die with its tracer", || {
        !alive(kids[0])
    });
    let _ = std::fs::remove_file(out);
}

#[test]
fn tracer_death_kills_the_tree_ptrace_mode() {
    killing_the_tracer_kills_the_command(&[], "kill-ptrace");
}

#[test]
fn tracer_death_kills_the_command_no_ret() {
    killing_the_tracer_kills_the_command(&["--no-ret"], "kill-noret");
}

#[test]
fn sigterm_is_forwarded_and_records_are_flushed() {
    for (mode, name) in [(&[][..], "term-ptrace"), (&["--no-ret"][..], "term-noret")] {
        let out = tmp(name);
        let mut t = tracer(mode, &out, &["sleep", "60"]);
        wait_until("the command to exec", || {
            children(t.id()).first().is_some_and(|k| {
                std::fs::read_to_string(format!("/proc/{k}/comm"))
                    .is_ok_and(|c| c.trim() == "sleep")
            })
        });
        // SAFETY: kill(2) of the tracer we started.
        assert_eq!(unsafe { libc::kill(t.id() as i32, libc::SIGTERM) }, 0);
        let status = t.wait().unwrap();
        assert_eq!(
            status.code(),
            Some(128 + libc::SIGTERM),
            "exit status of a command killed by SIGTERM"
        );
        let recs = std::fs::read_to_string(&out).unwrap();
        assert!(recs.contains("execve"), "{recs}");
        let _ = std::fs::remove_file(out);
    }
}

/// A program that already has a seccomp listener (here: my-sysdig itself
/// under my-sysdig) cannot get a second one: the error says so, nothing runs.
#[test]
fn existing_listener_is_reported() {
    let me = env!("CARGO_BIN_EXE_my-sysdig");
    let marker = tmp("nested-marker");
    let out = Command::new(me)
        .args([
            "exec",
            "--no-ret",
            "-o",
            "/dev/null",
            "--",
            me,
            "exec",
            "--",
            "touch",
        ])
        .arg(&marker)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("my-sysdig: ") && err.contains("EBUSY"),
        "{err}"
    );
    assert!(!marker.exists(), "the command must not run");
    let out = Command::new(me)
        .args(["exec", "-o", "/dev/null", "--", me, "exec", "--", "true"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("PTRACE_SEIZE") && err.contains("--no-ret"),
        "{err}"
    );
}

/// The command starts with the signal dispositions and mask it would have
/// untraced (the tracer's own runtime ignores SIGPIPE; the command must not).
#[test]
fn signal_state_is_that_of_an_untraced_run() {
    let probe = ["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"];
    let untraced = Command::new(probe[0]).args(&probe[1..]).output().unwrap();
    for mode in [&[][..], &["--no-ret"][..]] {
        let traced = Command::new(env!("CARGO_BIN_EXE_my-sysdig"))
            .arg("exec")
            .args(mode)
            .args(["-o", "/dev/null", "--"])
            .args(probe)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&traced.stdout),
            String::from_utf8_lossy(&untraced.stdout),
            "mode {mode:?}"
        );
    }
}
