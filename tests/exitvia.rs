//! The two sources of return values (`--exit-via ptrace|perf`) give the same records:
//! same calls, same return values, same counts as strace, for threads, forks, execs and
//! signals. The perf path takes exit values from a syscall exit tracepoint
//! (supervisor/perf/); these tests run as root, where it is permitted.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;

/// Calls whose result is a pid or an address: it differs from run to run, so only
/// success or failure is compared.
const VARYING: &[&str] = &[
    "getppid",
    "getpid",
    "gettid",
    "wait4",
    "clone",
    "clone3",
    "fork",
    "vfork",
    "mmap",
    "brk",
    "set_tid_address",
];

/// The ways return values come: ptrace exit stops, and the perf exit events
/// in their two scopes (supervisor/perf/ring.rs): per CPU, filtered to the
/// tree's threads (the default as root), and inherited per task; and the perf
/// path's join at every entry (supervisor/perf/mod.rs: what `-y` uses) beside
/// its default, the batched join.
const PATHS: [(Mode, &[(&str, &str)]); 4] = [
    (Mode::Ptrace, &[]),
    (Mode::Perf, &[]),
    (Mode::Perf, &[("MY_SYSDIG_PERF_SCOPE", "task")]),
    (Mode::Perf, &[("MY_SYSDIG_PERF_JOIN", "entry")]),
];

fn trace_path(path: (Mode, &[(&str, &str)]), opts: &[&str], cmd: &[&str]) -> Trace {
    trace_env(path.0, path.1, opts, cmd)
}

/// `name -> sorted list of results`: what must be equal between the two paths for a
/// program whose calls do not depend on scheduling.
fn results_by_name(t: &Trace) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &t.recs {
        let name = r["syscall"].as_str().unwrap_or("?");
        let res = match &r["res"] {
            Value::Null => "?".to_string(),
            v if VARYING.contains(&name) => match v.as_i64() {
                Some(n) if n < 0 => n.to_string(),
                _ => "ok".to_string(),
            },
            v => v.to_string(),
        };
        m.entry(r["syscall"].as_str().unwrap_or("?").to_string())
            .or_default()
            .push(res);
    }
    for v in m.values_mut() {
        v.sort();
    }
    m
}

/// Runs `cmd` under strace and under both paths; counts must equal strace's, and
/// results per syscall must be the same multiset on both paths.
fn same_on_both_paths(cmd: &[&str], only: &str, norm: impl Fn(&str) -> String) {
    let oracle = strace(Some(only), cmd);
    let mut seen = Vec::new();
    for path in PATHS {
        let t = trace_path(path, &["--only", only], cmd);
        let ctx = format!("{path:?} {cmd:?}");
        assert_eq!(t.out.code(), oracle.out.code(), "{ctx}: exit status");
        assert_eq!(
            norm(&t.stdout()),
            norm(&oracle.out.stdout_str()),
            "{ctx}: stdout"
        );
        assert_counts_equal(&ctx, &t.counts(), &oracle.counts());
        for r in &t.recs {
            if r["syscall"] != "exit_group" && r["syscall"] != "exit" && r["syscall"] != "execve" {
                assert!(!r["res"].is_null(), "{ctx}: a call with no result: {r}");
            }
        }
        seen.push((ctx, results_by_name(&t)));
    }
    for b in &seen[1..] {
        let a = &seen[0];
        assert_eq!(a.1, b.1, "results differ between {} and {}", a.0, b.0);
    }
}

/// Runs of digits (pids) become one `#`.
fn blank_numbers(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('#') {
            out.push('#');
        }
    }
    out
}

#[test]
fn single_threaded_calls_and_results() {
    same_on_both_paths(
        &["cat", "/etc/passwd", "/nonexistent/x", "/etc/hostname"],
        "openat,close,fstat,newfstatat,mmap,munmap,brk,access",
        |s| s.to_string(),
    );
}

#[test]
fn threads_get_every_return_value() {
    same_on_both_paths(&[HELPER, "threads", "8", "300"], "getppid,write", |s| {
        s.to_string()
    });
}

#[test]
fn fork_exec_and_vfork() {
    for case in ["fork-exec", "fork-exec-missing", "vfork"] {
        same_on_both_paths(
            &[HELPER, case],
            "execve,wait4,getppid,exit_group,openat,close",
            blank_numbers,
        );
    }
}

#[test]
fn exec_from_a_shell_pipeline() {
    same_on_both_paths(
        &["sh", "-c", "echo a | tr a b | wc -c; exit 3"],
        "execve,pipe2,dup2,close,wait4,openat",
        |s| s.to_string(),
    );
}

/// Signals during a blocking read (with and without SA_RESTART): how many merge depends
/// on timing, so each run is checked against itself: every handler run has its
/// rt_sigreturn record, every EINTR the program counted has its read record with
/// ERESTARTSYS (SA_RESTART runs have such reads too, restarted, so only the count
/// without it is compared), and the one successful read has its byte.
#[test]
fn signals_restart_and_eintr_match_the_program() {
    for case in ["signals", "signals-eintr"] {
        for path in PATHS {
            let t = trace_path(
                path,
                &["--only", "read,rt_sigreturn"],
                &[HELPER, case, "20"],
            );
            t.assert_code(0);
            let kv = kv(&t.stdout());
            let ctx = format!("{path:?} {case}: {}", t.stdout());
            assert_eq!(kv["read"], "1", "{ctx}");
            let handled: usize = kv["handled"].parse().unwrap();
            assert_eq!(t.of("rt_sigreturn").len(), handled, "{ctx}");
            // The kernel's value at exit is ERESTARTSYS (-512); the program sees
            // EINTR once the handler (without SA_RESTART) has run, as strace shows.
            let eintr = t
                .of("read")
                .iter()
                .filter(|r| r["res"] == -512 || r["res"] == -4)
                .count();
            if let Some(want) = kv.get("eintr") {
                assert_eq!(eintr, want.parse::<usize>().unwrap(), "{ctx}");
            }
            let ok = t.of("read").iter().filter(|r| r["res"] == 1).count();
            assert_eq!(ok, 1, "{ctx}");
            for r in t.of("read") {
                assert!(!r["res"].is_null(), "{ctx}: {r}");
            }
        }
    }
}

/// A call its thread never returns from, because another thread ended the process
/// (exit_group) or replaced it (execve), has no result on either path, as strace
/// shows it (`= ?`): the perf event does see that call exit, but with the
/// kernel-internal restart code of a thread that is being killed (`-ERESTARTSYS`,
/// `-ERESTARTNOHAND`), never a value the program could see.
#[test]
fn calls_cut_by_exit_group_or_exec_have_no_result_on_both_paths() {
    for (case, code) in [("thread-exit-group", 4), ("thread-exec", 0)] {
        for path in PATHS {
            let t = trace_path(path, &["--only", "read,execve,exit_group"], &[HELPER, case]);
            let mode = path;
            t.assert_code(code);
            let pid = kv_num(&t.stdout(), "pid");
            let cut: Vec<&Value> = t
                .of("read")
                .into_iter()
                .filter(|r| r["args"]["count"] == 1 && r["comm"] != "true")
                .collect();
            assert_eq!(
                cut.len(),
                1,
                "{mode:?} {case}: the blocked read: {}",
                t.dump()
            );
            assert!(
                cut[0]["res"].is_null() && cut[0]["err"].is_null(),
                "{mode:?} {case}: the read its thread died in has no result: {}",
                cut[0]
            );
            assert_eq!(cut[0]["pid"], pid, "{}", cut[0]);
        }
    }
}

/// A one-page ring per CPU (room for ~70 exits) under 8 threads making 250 traced
/// calls each: nothing may be lost. Each traced call waits for its notification. With the
/// join at entry the notification loop drains the rings before it handles one, so
/// they never hold more than one undrained exit per thread; with the batched join the
/// queue of entries is joined before it outgrows half a ring. A loss would show as a
/// warning and calls with no result.
#[test]
fn tiny_ring_loses_nothing() {
    for (scope, join) in [("cpu", "batched"), ("task", "batched"), ("cpu", "entry")] {
        let recs = perf_threads(
            &[
                ("MY_SYSDIG_PERF_PAGES", "1"),
                ("MY_SYSDIG_PERF_SCOPE", scope),
                ("MY_SYSDIG_PERF_JOIN", join),
            ],
            8,
            250,
        );
        assert_every_call_returned(&format!("{scope} {join}"), &recs, 8, 250);
    }
}

/// The cpu scope opens its events again for each new thread (perf/wide.rs): 32 threads
/// started while the others make calls whose result never changes (getppid), so that
/// an exit written twice during a replacement, or one missed, would show. Both joins:
/// the batched one must also hold back answers during a replacement.
#[test]
fn threads_started_during_calls_lose_and_double_nothing() {
    for join in ["batched", "entry"] {
        let recs = perf_threads(&[("MY_SYSDIG_PERF_JOIN", join)], 32, 60);
        assert_every_call_returned(join, &recs, 32, 60);
    }
}

/// `--exit-via perf --only getppid,write` on the helper's `threads N CALLS` case, with
/// `env` for the tracer; no warning allowed.
fn perf_threads(env: &[(&str, &str)], n: usize, calls: usize) -> Vec<Value> {
    let dir = TempDir::new("perf-threads");
    let file = dir.join("records.json");
    let out = run(std::process::Command::new(TRACER)
        .envs(env.iter().copied())
        .args(["exec", "--exit-via", "perf", "--format", "json", "-o"])
        .arg(&file)
        .args(["--only", "getppid,write", "--", HELPER, "threads"])
        .arg(n.to_string())
        .arg(calls.to_string()));
    out.assert_code(0);
    assert_eq!(out.stderr_str(), "", "{env:?}: warnings");
    let raw = std::fs::read_to_string(&file).unwrap();
    parse_records(&raw, "perf threads")
}

fn assert_every_call_returned(ctx: &str, recs: &[Value], n: usize, calls: usize) {
    let counts = count_by_syscall(recs);
    assert_eq!(
        counts.get("getppid"),
        Some(&(n * calls)),
        "{ctx}: {counts:?}"
    );
    assert_eq!(
        counts.get("write").copied().unwrap_or(0),
        n * calls + 1,
        "{ctx}: {counts:?}"
    );
    for r in recs {
        assert!(!r["res"].is_null(), "{ctx}: a call with no result: {r}");
    }
}

#[test]
fn perf_path_reads_no_exit_memory_and_says_so() {
    let t = trace(Mode::Perf, &["--only", "read"], &["cat", "/etc/hostname"]);
    t.assert_code(0);
    let reads = t.of("read");
    assert!(!reads.is_empty());
    for r in reads {
        assert!(r["res"].is_i64(), "{r}");
        assert_eq!(r["args"]["buf"]["captured"], false, "{r}");
    }
    // auto: read needs its data, so it goes through ptrace and keeps it.
    let t = trace(Mode::Ret, &["--only", "read"], &["cat", "/etc/hostname"]);
    let host = std::fs::read_to_string("/etc/hostname").unwrap();
    assert!(
        t.of("read")
            .iter()
            .any(|r| r["args"]["buf"].as_str() == Some(host.as_str())),
        "{}",
        t.dump()
    );
    // -s 0 needs no data: auto takes read through perf, with the same record.
    let t = trace(
        Mode::Ret,
        &["--only", "read", "-s", "0"],
        &["cat", "/etc/hostname"],
    );
    let p = trace(
        Mode::Ptrace,
        &["--only", "read", "-s", "0"],
        &["cat", "/etc/hostname"],
    );
    let strip = |t: &Trace| -> Vec<String> {
        t.of("read")
            .iter()
            .map(|r| format!("{} {}", r["args"], r["res"]))
            .collect()
    };
    assert_eq!(strip(&t), strip(&p));
}

#[test]
fn exit_via_conflicts_with_no_ret() {
    let out = run_tracer(&["exec", "--no-ret", "--exit-via", "perf", "--", "true"]);
    out.assert_code(2);
    assert!(
        out.stderr_str().starts_with("my-sysdig: "),
        "{}",
        out.stderr_str()
    );
}

/// A kernel without seccomp user notification (simulated): every traced call stops under
/// ptrace (SECCOMP_RET_TRACE), the records are the same, the fallback is said once, and
/// --no-ret and --exit-via perf are refused.
#[test]
fn ptrace_only_without_user_notification() {
    let cmd = [HELPER, "threads", "4", "100"];
    let oracle = strace(Some("getppid,write,exit_group"), &cmd);
    let dir = TempDir::new("no-unotif");
    let file = dir.join("records.json");
    let out = run(std::process::Command::new(TRACER)
        .env("MY_SYSDIG_NO_USER_NOTIF", "1")
        .args(["exec", "--format", "json", "-o"])
        .arg(&file)
        .args(["--only", "getppid,write,exit_group", "--"])
        .args(cmd));
    out.assert_code(0);
    let err = out.stderr_str();
    assert_eq!(err.matches("my-sysdig: ").count(), 1, "said once: {err}");
    assert!(
        err.contains("every traced call stops under ptrace"),
        "{err}"
    );
    let recs = parse_records(&std::fs::read_to_string(&file).unwrap(), "no-unotif");
    assert_counts_equal("ptrace only", &count_by_syscall(&recs), &oracle.counts());
    for r in recs.iter().filter(|r| r["syscall"] != "exit_group") {
        assert!(r["res"].is_i64(), "{r}");
    }
    for opts in [&["--no-ret"][..], &["--exit-via", "perf"][..]] {
        let out = run(std::process::Command::new(TRACER)
            .env("MY_SYSDIG_NO_USER_NOTIF", "1")
            .arg("exec")
            .args(opts)
            .args(["--", "true"]));
        assert_ne!(out.code(), Some(0), "{opts:?}");
        assert!(
            out.stderr_str().contains("notification"),
            "{opts:?}: {}",
            out.stderr_str()
        );
    }
}

/// The events the perf path can use (ring.rs `Source`): each call's own
/// `syscalls:sys_exit_<name>` per CPU (the cpu scope, as root), the call's own event
/// inherited per task (MY_SYSDIG_PERF_SCOPE=task), the filtered `raw_syscalls:sys_exit`
/// (MY_SYSDIG_PERF_RAW=1): each gives every call of 4 threads its result, with counts
/// equal to strace's.
#[test]
fn one_call_event_and_raw_event_agree() {
    let cmd = [HELPER, "threads", "4", "200"];
    let oracle = strace(Some("getppid"), &cmd);
    for env in [
        None,
        Some(("MY_SYSDIG_PERF_SCOPE", "task")),
        Some(("MY_SYSDIG_PERF_RAW", "1")),
    ] {
        let raw = format!("{env:?}");
        let dir = TempDir::new("one-call");
        let file = dir.join("records.json");
        let mut c = std::process::Command::new(TRACER);
        c.envs(env);
        let out = run(c
            .args(["exec", "--exit-via", "perf", "--format", "json", "-o"])
            .arg(&file)
            .args(["--only", "getppid", "--"])
            .args(cmd));
        out.assert_code(0);
        assert_eq!(out.stderr_str(), "", "raw={raw}");
        let recs = parse_records(&std::fs::read_to_string(&file).unwrap(), "one-call");
        let ctx = format!("raw={raw}");
        assert_counts_equal(&ctx, &count_by_syscall(&recs), &oracle.counts());
        // One parent (the tracer) for every thread's getppid.
        let ppids: std::collections::BTreeSet<Option<i64>> =
            recs.iter().map(|r| r["res"].as_i64()).collect();
        assert_eq!(ppids.len(), 1, "{ctx}: {ppids:?}");
        assert!(
            ppids.iter().all(|p| p.is_some_and(|p| p > 1)),
            "{ctx}: {ppids:?}"
        );
    }
}
