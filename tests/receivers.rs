//! Several notification receivers (`--receivers N`, exec and the agent):
//! one record per call, each thread's records in program order, thread caches
//! kept true across receivers, and the option refused where it cannot apply.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};

/// T threads each close a known run of numbers: with 1, 2 and 4 receivers
/// every call has exactly one record, and each thread's records come in the
/// order it made the calls. Without return values the record is written
/// before the answer that lets the thread make its next call (which another
/// receiver may take); with them (perf) each call's entry is queued before
/// its answer and joined to its exit sample, and every call has its
/// return value (EBADF).
#[test]
fn many_receivers_keep_one_record_per_call_in_thread_order() {
    for mode in [Mode::NoRet, Mode::Ret] {
        many_receivers_under(mode);
    }
}

fn many_receivers_under(mode: Mode) {
    const T: usize = 6;
    const N: usize = 2000;
    for receivers in ["1", "2", "4"] {
        let t = trace_helper(
            mode,
            &["--receivers", receivers, "--only", "close"],
            &["seq-threads", &T.to_string(), &N.to_string()],
        );
        t.assert_code(0);
        assert!(t.stdout().contains(&format!("threads={T} calls={N}")));
        let mut by_tid: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for r in t.of("close") {
            let fd = r["args"]["fd"].as_i64().unwrap_or(-1);
            if fd >= 1_000_000 {
                let want = match mode {
                    Mode::NoRet => serde_json::Value::Null,
                    _ => serde_json::json!(-9),
                };
                assert_eq!(r["res"], want, "{mode:?}, {receivers} receivers: {r}");
                by_tid
                    .entry(r["tid"].as_i64().unwrap())
                    .or_default()
                    .push(fd);
            }
        }
        assert_eq!(
            by_tid.len(),
            T,
            "{mode:?}, {receivers} receivers: one run per thread"
        );
        for (tid, fds) in &by_tid {
            assert_eq!(
                fds.len(),
                N,
                "{mode:?}, {receivers} receivers: tid {tid}: one record per call"
            );
            let base = fds[0];
            assert_eq!(
                (base - 1_000_000) % 10_000,
                0,
                "tid {tid} starts at its run"
            );
            for (i, fd) in fds.iter().enumerate() {
                assert_eq!(
                    *fd,
                    base + i as i64,
                    "{mode:?}, {receivers} receivers: tid {tid}: record {i} out of program order"
                );
            }
        }
    }
}

/// A shell opens /dev/null (`read`'s redirect) and then execs cat (one
/// execve: an absolute path), which opens /etc/hostname: whichever receiver
/// takes cat's calls must know the process is now cat, though another one
/// took the execve (and may have cached the process as sh).
#[test]
fn thread_caches_follow_execs_another_receiver_saw() {
    const RUNS: usize = 40;
    let script = format!(
        "i=0; while [ $i -lt {RUNS} ]; do \
         sh -c 'read x </dev/null; exec /bin/cat /etc/hostname' >/dev/null; i=$((i+1)); done"
    );
    let t = trace(
        Mode::NoRet,
        &["--receivers", "4", "--only", "openat"],
        &["sh", "-c", &script],
    );
    t.assert_code(0);
    let opens = t.of("openat");
    let named = |path: &str, flags: &str| -> Vec<&serde_json::Value> {
        opens
            .iter()
            .copied()
            .filter(|r| r["args"]["pathname"] == path && r["args"]["flags"] == flags)
            .collect()
    };
    let cat = named("/etc/hostname", "O_RDONLY");
    assert_eq!(cat.len(), RUNS, "{}", t.dump());
    for r in &cat {
        assert_eq!(r["comm"], "cat", "a stale name after exec: {r}");
    }
    let sh = named("/dev/null", "O_RDONLY");
    assert_eq!(sh.len(), RUNS, "{}", t.dump());
    for r in &sh {
        assert_eq!(r["comm"], "sh", "{r}");
    }
}

/// The dash loop of background jobs with 4 receivers: the program's outcome
/// is the untraced one, or the tracer says how many calls a signal interrupted
/// before they were received (the only way --no-ret can change it).
#[test]
fn shell_background_jobs_with_four_receivers() {
    const RUNS: usize = 10;
    let (passed, interrupted) = shell_jobs_under(&["--no-ret", "--receivers", "4"], RUNS);
    eprintln!("4 receivers: {passed}/{RUNS} runs passed, {interrupted} calls interrupted in all");
}

/// `--receivers` where the one ptrace tracer takes every call, or out of
/// range: a usage error, nothing run.
#[test]
fn receivers_are_refused_where_they_cannot_apply() {
    let dir = TempDir::new("receivers-refused");
    let marker = dir.join_str("ran");
    for args in [
        vec!["--receivers", "2", "--exit-via", "ptrace"],
        vec!["--no-ret", "--receivers", "0"],
        vec!["--no-ret", "--receivers", "65"],
        vec!["--no-ret", "--receivers", "x"],
    ] {
        let mut all = vec!["exec"];
        all.extend_from_slice(&args);
        all.extend_from_slice(&["--", "touch", &marker]);
        let out = run_tracer(&all);
        assert_eq!(out.code(), Some(2), "{args:?}: {}", out.stderr_str());
        assert!(
            out.stderr_str().starts_with("my-sysdig: "),
            "{args:?}: {}",
            out.stderr_str()
        );
        assert!(
            !std::path::Path::new(&marker).exists(),
            "{args:?} ran the command"
        );
    }
}

/// Fault injection with several receivers: `redirect=` installs the
/// descriptor and answers in two steps (the record, with the descriptor's
/// number, is written in between), and `delay_enter=` is answered by the
/// delay thread. The program sees what it sees with one receiver.
#[test]
fn injection_with_several_receivers() {
    let dir = TempDir::new("receivers-inject");
    let f = dir.join_str("out");
    let script = format!("echo hi > {f}");
    let recs_file = dir.join_str("recs");
    // The shell's 3rd openat, after the loader's two, is the redirect's
    // (without cargo's library path, which adds the loader's probes).
    let out = run(Command::new(TRACER)
        .env_remove("LD_LIBRARY_PATH")
        .env("LC_ALL", "C")
        .args(["exec", "--no-ret", "--receivers", "3", "--format", "json"])
        .args(["-o", &recs_file, "--only", "openat,write"])
        .args(["--inject", "openat:redirect=/dev/full:when=3"])
        .args(["--", "/bin/dash", "-c", &script])
        .stdin(Stdio::null()));
    assert_ne!(out.code(), Some(0), "{}", out.stderr_str());
    // dash's echo says "I/O error" for the ENOSPC its write got.
    assert!(
        out.stderr_str().contains("echo: I/O error"),
        "{}",
        out.stderr_str()
    );
    let recs = parse_records(&std::fs::read_to_string(&recs_file).unwrap(), "redirect");
    let redirected = recs
        .iter()
        .position(|r| r["syscall"] == "openat" && r.get("injected").is_some())
        .unwrap_or_else(|| panic!("no injected openat: {recs:?}"));
    assert_eq!(recs[redirected]["res"], 3, "{}", recs[redirected]);
    // The echo's write to the redirected descriptor comes after its openat.
    let write = recs
        .iter()
        .position(|r| r["syscall"] == "write" && r["args"]["fd"] == 1)
        .unwrap_or_else(|| panic!("no write: {recs:?}"));
    assert!(redirected < write, "{recs:?}");
    assert!(!std::path::Path::new(&f).exists() || std::fs::read(&f).unwrap().is_empty());

    // delay_enter on every getppid of 3 threads: each call waits, none is lost.
    let t = trace_helper(
        Mode::NoRet,
        &[
            "--receivers",
            "3",
            "--only",
            "getppid",
            "--inject",
            "getppid:delay_enter=5ms",
        ],
        &["inject-threads", "3", "4"],
    );
    t.assert_code(0);
    // The workers' calls (the main thread makes one of its own).
    let delayed: Vec<_> = t
        .of("getppid")
        .into_iter()
        .filter(|r| r["tid"] != r["pid"])
        .collect();
    assert_eq!(delayed.len(), 12, "{}", t.dump());
    assert!(
        t.of("getppid").iter().all(|r| r["injected"] == "delay"),
        "{}",
        t.dump()
    );
}

/// A SIGALRM storm on a getppid loop (no SA_RESTART) with 1, 2 and 4
/// receivers: every call has a record or failed with EINTR, and the count
/// the tracer gives of calls interrupted before they were received (the
/// gaps in the kernel's notification ids, merged over the receivers) is
/// exactly the program's EINTRs.
#[test]
fn interrupted_count_is_exact_with_several_receivers() {
    const N: i64 = 3000;
    for receivers in ["1", "2", "4"] {
        let t = trace_helper(
            Mode::NoRet,
            &["--receivers", receivers, "--only", "getppid"],
            &["signal-storm", &N.to_string(), "100"],
        );
        t.assert_code(0);
        let out = t.stdout();
        let num = |k: &str| kv_num(&out, k);
        let ctx = format!("{receivers} receivers: {}", out.trim_end());
        assert_eq!(num("calls"), N, "{ctx}");
        assert_eq!(num("other"), 0, "{ctx}");
        let eintr = num("eintr");
        let recs = t.of("getppid").len() as i64;
        assert_eq!(recs + eintr, N, "{ctx}: {recs} records");
        let said = interrupted_said(&t.out.stderr_str());
        assert_eq!(said, eintr as u64, "{ctx}: {}", t.out.stderr_str());
    }
}
