//! Rare calls bounced (x86_64, `--exit-via auto`, the cpu scope): while the perf exit
//! events are closed, a call that comes less than 200 times a second is answered with
//! ERESTARTNOINTR after the tracer interrupted its thread, restarts, and gets its return
//! value from a ptrace exit stop (src/supervisor/bounce.rs). The program must behave
//! exactly as untraced (blocking calls block, signals keep their SA_RESTART semantics)
//! and every call that ran must have exactly one record with its result.

mod common;

use common::*;

/// The count in `MY_SYSDIG_PERF_STATS`'s line after `key` ("exit events opened ",
/// "restarts told by the registers; ").
fn stat(err: &str, key: &str) -> Option<u64> {
    err.split(key).nth(1)?.split(' ').next()?.parse().ok()
}

fn bounced(err: &str) -> u64 {
    stat(err, "registers; ").unwrap_or(0)
}

/// Whether this machine bounces: x86_64 with lazy exit events (the cpu scope: root,
/// perf permitted), told by a run with bouncing off whose events close when idle.
fn bounces_here() -> bool {
    if !cfg!(target_arch = "x86_64") {
        return false;
    }
    let t = trace_env(
        Mode::Ret,
        &[
            ("MY_SYSDIG_PERF_STATS", "1"),
            ("MY_SYSDIG_BOUNCE", "0"),
            ("MY_SYSDIG_PERF_IDLE_MS", "1"),
        ],
        &["--only", "getppid"],
        &[HELPER, "signal-storm", "2", "300", "1", "20"],
    );
    let err = t.out.stderr_str();
    stat(&err, "closed ").is_some_and(|n| n > 0)
}

/// getppid under a SIGALRM storm (handler without SA_RESTART), each call after 15 ms of
/// spinning: every call is rare. None fails with EINTR, each has its record and result,
/// and every call is bounced, the helper's execve too: the events are never opened.
#[test]
fn rare_calls_under_a_signal_storm() {
    const N: i64 = 40;
    let (t, err, ctx) = storm_without_eintr(Mode::Ret, &[], &[&N.to_string(), "300", "1", "15"]);
    let recs = t.of("getppid");
    assert_eq!(recs.len() as i64, N, "{ctx}");
    let ppid = recs[0]["res"].as_i64();
    assert!(ppid.is_some_and(|p| p > 0), "{ctx}");
    assert!(recs.iter().all(|r| r["res"].as_i64() == ppid), "{ctx}");
    if !bounces_here() {
        eprintln!("no bouncing here (not x86_64, or no lazy exit events): {err}");
        return;
    }
    assert!(bounced(&err) >= N as u64, "{ctx}");
    assert_eq!(stat(&err, "exit events opened "), Some(0), "{ctx}");
}

/// A blocking read, bounced (`MY_SYSDIG_BOUNCE=all`: every call that may be bounced
/// is, whatever the rate, so the test does not hang on timing): it blocks until the
/// other thread writes (10 ms later each round) and returns the byte; `-s 0` sends
/// `read` to the perf path.
#[test]
fn a_bounced_blocking_read_blocks_and_returns() {
    const N: usize = 5;
    let t = trace_env(
        Mode::Ret,
        &[("MY_SYSDIG_PERF_STATS", "1"), ("MY_SYSDIG_BOUNCE", "all")],
        &["-s", "0", "--only", "read"],
        &[HELPER, "pingpong", &N.to_string()],
    );
    t.assert_code(0);
    let err = t.out.stderr_str();
    assert!(
        t.stdout().contains(&format!("pingpong rounds={N}")),
        "{err}"
    );
    let pipe_reads: Vec<_> = t
        .of("read")
        .into_iter()
        .filter(|r| r["args"]["count"] == 1)
        .collect();
    assert_eq!(pipe_reads.len(), N, "{}", t.dump());
    for r in &pipe_reads {
        assert_eq!(r["res"], 1, "{r}");
    }
    // They waited for the writer (10 ms), not returned at once: all of them on an idle
    // machine; on a loaded one a bounce can take longer than the writer's sleep, and the
    // byte is then there when the restarted read runs.
    assert!(
        pipe_reads
            .iter()
            .any(|r| r["dur_ns"].as_u64().is_some_and(|d| d > 1_000_000)),
        "{}",
        t.dump()
    );
    if bounces_here() {
        assert!(bounced(&err) >= N as u64, "{err}");
    }
}

/// (`MY_SYSDIG_BOUNCE=all`: every read bounced, whatever the rate.)
/// Signals that interrupt a bounced call while it runs keep their native meaning: with
/// SA_RESTART the one read restarts until the byte comes; without, the program sees
/// EINTR exactly as many times as the read was interrupted (each interrupted entry has
/// its own record, with ERESTARTSYS), and nothing is restarted behind its back.
#[test]
fn signals_during_bounced_calls_keep_their_meaning() {
    const N: i64 = 10;
    for (case, restarts) in [("signals", true), ("signals-eintr", false)] {
        let t = trace_env(
            Mode::Ret,
            &[("MY_SYSDIG_PERF_STATS", "1"), ("MY_SYSDIG_BOUNCE", "all")],
            &["-s", "0", "--only", "read,tgkill"],
            &[HELPER, case, &N.to_string()],
        );
        t.assert_code(0);
        let out = t.stdout();
        let err = t.out.stderr_str();
        let ctx = format!("{case}: {} / {err}", out.trim_end());
        assert_eq!(kv_num(&out, "read"), 1, "{ctx}");
        assert_eq!(t.of("tgkill").len() as i64, N, "{ctx}");
        let reads: Vec<_> = t
            .of("read")
            .into_iter()
            .filter(|r| r["args"]["count"] == 1)
            .collect();
        let last = reads.last().expect("a pipe read");
        assert_eq!(last["res"], 1, "{ctx}");
        // Every earlier entry was interrupted, as ptrace shows it.
        for r in &reads[..reads.len() - 1] {
            assert_eq!(r["res"], -512, "{ctx}: {r}");
        }
        if !restarts {
            // One EINTR seen per interrupted entry: none hidden, none added.
            assert_eq!(kv_num(&out, "eintr") as usize, reads.len() - 1, "{ctx}");
        }
        assert!(reads.iter().all(|r| !r["res"].is_null()), "{ctx}");
        if bounces_here() {
            // Every read was bounced, the interrupted ones too.
            assert!(bounced(&err) >= reads.len() as u64, "{ctx}");
        }
    }
}
