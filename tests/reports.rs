//! The strace format's framing (pid prefixes, result column, `<unfinished ...>` /
//! `<... resumed>`, `+++`/`---` lines) and the reports: `-T`, `-t`/`-tt`/`-ttt`, `-c`/`-C`.
//! Real programs run under the real tracer, with `strace -f` as the reference.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// Runs `my-sysdig exec OPTS -- CMD` with `--format strace -o FILE` (or on stderr when
/// `to_file` is false); returns the run and the lines written.
fn my_strace(opts: &[&str], cmd: &[&str], to_file: bool) -> (Output, Vec<String>) {
    let dir = TempDir::new("reports");
    let file = dir.join("out.txt");
    let mut c = Command::new(TRACER);
    c.args(["exec", "--format", "strace"]).args(opts);
    if to_file {
        c.arg("-o").arg(&file);
    }
    c.arg("--").args(cmd).stdin(Stdio::null());
    let out = run(&mut c);
    let text = if to_file {
        std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: no output ({e}): {}", out.desc, out.stderr_str()))
    } else {
        out.stderr_str()
    };
    (out, text.lines().map(str::to_string).collect())
}

/// `strace -f -o`'s prefix: (tid, the rest of the line).
fn split_tid(line: &str) -> (i32, &str) {
    let (p, _) = line
        .split_once(' ')
        .unwrap_or_else(|| panic!("no tid prefix: {line:?}"));
    let tid = p
        .parse()
        .unwrap_or_else(|_| panic!("no tid prefix: {line:?}"));
    // `%-5d `: at least 6 columns.
    let width = (p.len() + 1).max(6);
    assert!(
        line.len() >= width && line[p.len()..width].bytes().all(|b| b == b' '),
        "prefix not padded to 5 columns: {line:?}"
    );
    (tid, &line[width..])
}

/// The name of a call line (`read(` ...), or `None` for `+++`/`---`/resumed lines.
fn call_name(body: &str) -> Option<&str> {
    let open = body.find('(')?;
    let name = &body[..open];
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// Checks strace's result column: `)` then spaces up to column 40 (at least one),
/// then `= `.
fn assert_result_column(line: &str) {
    let Some(eq) = line.rfind(" = ").map(|i| i + 1) else {
        return;
    };
    let before = line[..eq].trim_end_matches(' ');
    let spaces = eq - before.len();
    if before.ends_with(')') {
        assert_eq!(
            spaces,
            40usize.saturating_sub(before.len()).max(1),
            "{line:?}"
        );
    }
}

/// `-ttt`/`-T` style number `S.UUUUUU`.
fn secs(s: &str) -> Option<f64> {
    let (a, b) = s.split_once('.')?;
    (a.bytes().all(|c| c.is_ascii_digit())
        && !a.is_empty()
        && b.len() == 6
        && b.bytes().all(|c| c.is_ascii_digit()))
    .then(|| s.parse().ok())
    .flatten()
}

/// Replaces the digits after each `key=` in `keys` by `N`.
fn mask(line: &str, keys: &[&str]) -> String {
    let mut s = line.to_string();
    for k in keys {
        let pat = format!("{k}=");
        let mut from = 0;
        while let Some(i) = s[from..].find(&pat) {
            let start = from + i + pat.len();
            let end = s[start..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(s.len(), |e| start + e);
            s.replace_range(start..end, "N");
            from = start + 1;
        }
    }
    s
}

fn strace_raw(opts: &[&str], cmd: &[&str]) -> (Output, String) {
    let dir = TempDir::new("strace-ref");
    let file = dir.join("strace.txt");
    let out = run(Command::new("strace")
        .args(["-f", "-q", "-s", "64", "-o"])
        .arg(&file)
        .args(opts)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null()));
    let raw = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: no strace output ({e})", out.desc));
    (out, raw)
}

/// The `+++`/`---` lines, pids and times masked, in order.
fn process_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    lines
        .map(|l| split_tid(l).1)
        .filter(|b| b.starts_with("+++") || b.starts_with("---"))
        .map(|b| mask(b, &["si_pid", "si_uid", "si_utime", "si_stime"]))
        .collect()
}

// ------------------------------------------------------------------ framing

#[test]
fn unfinished_and_resumed_pair_up() {
    let (out, lines) = my_strace(&[], &[HELPER, "pingpong", "3"], true);
    out.assert_code(0);
    let all = lines.join("\n");
    // tid -> name of its unfinished call
    let mut open: BTreeMap<i32, String> = BTreeMap::new();
    let mut pairs = Vec::new();
    for l in &lines {
        let (tid, body) = split_tid(l);
        assert_result_column(l);
        if let Some(r) = body.strip_prefix("<... ") {
            let name = r.split(" resumed>").next().unwrap_or_default();
            let was = open.remove(&tid);
            assert_eq!(
                was.as_deref(),
                Some(name),
                "resumed without unfinished: {l}\n{all}"
            );
            pairs.push((tid, name.to_string()));
            continue;
        }
        assert!(
            !open.contains_key(&tid),
            "tid {tid} wrote before its unfinished call resumed: {l}\n{all}"
        );
        if body.ends_with(" <unfinished ...>") {
            let name = call_name(body).unwrap_or_else(|| panic!("strange line {l}"));
            open.insert(tid, name.to_string());
        }
    }
    assert!(open.is_empty(), "never resumed: {open:?}\n{all}");
    // The reader thread's blocked reads were cut by main's sleeps and writes.
    let root = out.pid as i32;
    let reads: Vec<_> = pairs.iter().filter(|(_, n)| n == "read").collect();
    assert!(!reads.is_empty(), "no read was cut:\n{all}");
    assert!(
        reads.iter().all(|(t, _)| *t != root),
        "the reads are the thread's"
    );
    // The same file parses as strace's own output does.
    let calls = parse_strace(&all);
    assert_eq!(calls.iter().filter(|c| c.name == "nanosleep").count(), 3);
    let one_byte_reads = calls
        .iter()
        .filter(|c| c.name == "read" && c.outcome() == Some(Ok(1)))
        .count();
    assert!(one_byte_reads >= 3, "{all}");
    // Every thread's exit, the command's last.
    let exits: Vec<_> = lines
        .iter()
        .filter(|l| l.ends_with("+++ exited with 0 +++"))
        .collect();
    assert_eq!(exits.len(), 2, "{all}");
    assert_eq!(split_tid(lines.last().unwrap()).1, "+++ exited with 0 +++");
}

#[test]
fn pid_prefix_on_stderr_only_with_several_threads() {
    let (out, lines) = my_strace(
        &["--only", "execve,read,nanosleep,write,exit"],
        &[HELPER, "pingpong", "1"],
        false,
    );
    out.assert_code(0);
    let all = lines.join("\n");
    let first = lines
        .iter()
        .find(|l| l.starts_with("execve("))
        .unwrap_or_else(|| panic!("execve first, without a prefix:\n{all}"));
    assert_result_column(first);
    let thread_lines: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("read(") && l.starts_with("[pid "))
        .collect();
    assert!(!thread_lines.is_empty(), "{all}");
    for l in thread_lines {
        // `[pid %5d] `
        let inner = &l[5..l.find("] ").unwrap()];
        assert!(
            inner.len() >= 5 && inner.trim_start().parse::<u32>().is_ok(),
            "{l:?}"
        );
        assert_result_column(l);
    }
}

#[test]
fn simple_calls_match_strace_line_for_line() {
    let dir = TempDir::new("framing");
    let d = dir.path().to_str().unwrap();
    let cmd = [HELPER, "openat", d];
    let (theirs_out, theirs) = strace_raw(&["-e", "trace=openat,close,write"], &cmd);
    std::fs::remove_file(dir.join("created")).unwrap();
    let (out, mine) = my_strace(&["--only", "openat,close,write"], &cmd, true);
    out.assert_code(0);
    assert_eq!(out.stdout, theirs_out.stdout);
    // Pid widths may differ: re-pad the result column for a common prefix width.
    let norm = |l: &str| -> String {
        let body = split_tid(l).1;
        match body.rsplit_once(" = ") {
            Some((call, res)) if call.trim_end().ends_with(')') => {
                let call = call.trim_end();
                let pad = 40usize.saturating_sub(6 + call.len()).max(1);
                format!("{call}{}= {res}", " ".repeat(pad))
            }
            _ => body.to_string(),
        }
    };
    let from = |ls: &[&str]| -> Vec<String> {
        let start = ls
            .iter()
            .position(|l| l.contains("/etc/hostname"))
            .expect("the helper's first openat");
        ls[start..].iter().map(|l| norm(l)).collect()
    };
    for l in &mine {
        assert_result_column(l);
    }
    let mine: Vec<&str> = mine.iter().map(String::as_str).collect();
    let theirs: Vec<&str> = theirs.lines().collect();
    assert_eq!(from(&mine), from(&theirs));
}

// ------------------------------------------------------------------ exits and signals

#[test]
fn exit_and_kill_lines_as_strace() {
    for (case, arg, last) in [
        ("exit-code", "7", "+++ exited with 7 +++"),
        ("kill-self", "9", "+++ killed by SIGKILL +++"),
    ] {
        let cmd = [HELPER, case, arg];
        let (_, theirs) = strace_raw(&[], &cmd);
        let (_, mine) = my_strace(&[], &cmd, true);
        assert_eq!(split_tid(mine.last().unwrap()).1, last, "{case}");
        assert_eq!(
            process_lines(mine.iter().map(String::as_str)),
            process_lines(theirs.lines()),
            "{case}"
        );
    }
}

#[test]
fn exec_from_a_thread_supersedes_the_leader_as_strace() {
    let cmd = [HELPER, "thread-exec"];
    let (_, theirs) = strace_raw(&[], &cmd);
    let (out, mine) = my_strace(&[], &cmd, true);
    out.assert_code(0);
    // The leader's line names the thread that called execve.
    let check = |lines: &[&str], who: &str| {
        let leader = split_tid(lines[0]).0;
        let caller = lines
            .iter()
            .find(|l| l.contains("execve(\"/bin/true\""))
            .map(|l| split_tid(l).0)
            .unwrap_or_else(|| panic!("{who}: no execve of /bin/true"));
        // The tid column is padded (`-o`): compare tid and body, not the text.
        let want = format!("+++ superseded by execve in pid {caller} +++");
        let found: Vec<(i32, &str)> = lines
            .iter()
            .map(|l| split_tid(l))
            .filter(|(_, b)| b.contains("superseded"))
            .collect();
        assert_eq!(found, [(leader, want.as_str())], "{who}: {lines:#?}");
    };
    check(
        &mine.iter().map(String::as_str).collect::<Vec<_>>(),
        "my-sysdig",
    );
    check(&theirs.lines().collect::<Vec<_>>(), "strace");
    let norm = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|l| match l.split_once(" in pid ") {
                Some((a, _)) => format!("{a} in pid N +++"),
                None => l,
            })
            .collect()
    };
    assert_eq!(
        norm(process_lines(mine.iter().map(String::as_str))),
        norm(process_lines(theirs.lines()))
    );
}

#[test]
fn sigchld_and_exits_of_a_forking_program_as_strace() {
    let cmd = [HELPER, "fork-exec"];
    let (_, theirs) = strace_raw(&[], &cmd);
    let (out, lines) = my_strace(&[], &cmd, true);
    out.assert_code(0);
    // The order of the child's exit and the parent's SIGCHLD is the kernel's: compare
    // the lines as sets, and the command's exit last.
    let mut mine = process_lines(lines.iter().map(String::as_str));
    let mut oracle = process_lines(theirs.lines());
    assert_eq!(split_tid(lines.last().unwrap()).1, "+++ exited with 0 +++");
    mine.sort();
    oracle.sort();
    assert_eq!(mine, oracle);
    assert!(
        mine.contains(
            &"--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=N, si_uid=N, \
              si_status=0, si_utime=N, si_stime=N} ---"
                .to_string()
        ),
        "{mine:?}"
    );
    assert_eq!(
        mine.iter()
            .filter(|l| l.starts_with("+++ exited with 0"))
            .count(),
        2
    );
}

#[test]
fn signals_from_a_thread_as_strace() {
    // Signals sent while one is pending merge: each run says how many it handled, and
    // each handled signal is one delivery, so one `---` line.
    let cmd = [HELPER, "signals", "3"];
    let (theirs_out, theirs) = strace_raw(&["-e", "trace=none"], &cmd);
    let (out, mine) = my_strace(&["--only", "getppid"], &cmd, true);
    out.assert_code(0);
    let split = |lines: Vec<String>| -> (Vec<String>, Vec<String>) {
        lines.into_iter().partition(|l| l.starts_with("--- "))
    };
    let (sigs, rest) = split(process_lines(mine.iter().map(String::as_str)));
    let (their_sigs, their_rest) = split(process_lines(theirs.lines()));
    assert_eq!(
        sigs.len() as i64,
        kv_num(&out.stdout_str(), "handled"),
        "{sigs:?}"
    );
    assert_eq!(
        their_sigs.len() as i64,
        kv_num(&theirs_out.stdout_str(), "handled")
    );
    let line = "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=N, si_uid=N} ---";
    assert!(
        sigs.iter().chain(&their_sigs).all(|l| l == line),
        "{sigs:?} {their_sigs:?}"
    );
    assert_eq!(rest, their_rest);
    assert_eq!(rest, ["+++ exited with 0 +++", "+++ exited with 0 +++"]);
}

#[test]
fn without_ptrace_only_the_command_exit_is_shown() {
    let (out, lines) = my_strace(&["--no-ret"], &[HELPER, "exit-code", "3"], true);
    out.assert_code(3);
    let events = process_lines(lines.iter().map(String::as_str));
    assert_eq!(events, ["+++ exited with 3 +++"], "{lines:?}");
    assert_eq!(split_tid(lines.last().unwrap()).1, "+++ exited with 3 +++");
    assert!(lines.iter().any(|l| l.contains("exit_group(3)")));
}

// ------------------------------------------------------------------ -T and -t

#[test]
fn durations_with_capital_t() {
    let (out, lines) = my_strace(&["-T"], &[HELPER, "nanosleep", "50"], true);
    out.assert_code(0);
    let mut timed = 0;
    for l in &lines {
        if let Some(open) = l
            .rfind(" <")
            .filter(|_| l.ends_with('>') && l.contains(" = "))
        {
            if l.ends_with(" <unfinished ...>") {
                continue;
            }
            let v = secs(&l[open + 2..l.len() - 1]).unwrap_or_else(|| panic!("{l:?}"));
            assert!((0.0..5.0).contains(&v), "{l:?}");
            timed += 1;
        }
    }
    assert!(timed > 10, "{lines:?}");
    let sleep = lines
        .iter()
        .find(|l| l.contains("nanosleep("))
        .expect("the nanosleep line");
    let open = sleep.rfind(" <").unwrap();
    let v = secs(&sleep[open + 2..sleep.len() - 1]).unwrap();
    assert!((0.05..2.0).contains(&v), "{sleep:?}");
    // exit_group never returns: no time.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("exit_group(0)") && l.ends_with("= ?"))
    );

    // The text format gets the same suffix; JSON has dur_ns.
    let t = trace_helper(
        Mode::Ret,
        &["-T", "--only", "nanosleep"],
        &["nanosleep", "50"],
    );
    let r = &t.of("nanosleep")[0];
    assert!(r["dur_ns"].as_u64().unwrap() >= 50_000_000, "{r}");
    let out = run_tracer(&[
        "exec",
        "-T",
        "--only",
        "nanosleep",
        "--",
        HELPER,
        "nanosleep",
        "50",
    ]);
    let err = out.stderr_str();
    let line = err.lines().find(|l| l.contains(", nanosleep")).unwrap();
    let open = line.rfind(" <").unwrap();
    assert!(
        secs(&line[open + 2..line.len() - 1]).unwrap() >= 0.05,
        "{line}"
    );
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// `HH:MM:SS` with an optional `.UUUUUU`.
fn is_clock(s: &str, micros: bool) -> bool {
    let (hms, frac) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0] < "24"
        && parts[1] < "60"
        && parts[2] < "61"
        && match (micros, frac) {
            (false, None) => true,
            (true, Some(f)) => f.len() == 6 && f.bytes().all(|b| b.is_ascii_digit()),
            _ => false,
        }
}

#[test]
fn timestamps_t_tt_ttt() {
    let cmd = [HELPER, "getppid", "20"];
    for (flag, micros) in [("-t", false), ("-tt", true)] {
        let (out, lines) = my_strace(&[flag], &cmd, true);
        out.assert_code(0);
        for l in &lines {
            let ts = split_tid(l).1.split(' ').next().unwrap();
            assert!(is_clock(ts, micros), "{flag}: {l:?}");
        }
    }
    let t0 = now();
    let (out, lines) = my_strace(&["-ttt"], &cmd, true);
    let t1 = now();
    out.assert_code(0);
    let mut prev = 0.0;
    for l in &lines {
        let ts = split_tid(l).1.split(' ').next().unwrap();
        let v = secs(ts).unwrap_or_else(|| panic!("{l:?}"));
        assert!(v >= t0 - 1.0 && v <= t1 + 1.0, "{l:?} not within the run");
        // One thread: entries in order.
        assert!(v >= prev, "{l:?}");
        prev = v;
    }
    // The text format starts with the timestamp too.
    let out = run_tracer(&[
        "exec", "-tt", "--only", "getppid", "--", HELPER, "getppid", "3",
    ]);
    let err = out.stderr_str();
    let l = err.lines().find(|l| l.contains(", getppid")).unwrap();
    assert!(is_clock(l.split(' ').next().unwrap(), true), "{l:?}");
}

// ------------------------------------------------------------------ -c

/// strace -c's table (and ours): syscall -> (calls, errors).
fn parse_table(text: &str, calls_col: usize) -> BTreeMap<String, (u64, u64)> {
    let mut m = BTreeMap::new();
    for l in text.lines() {
        let w: Vec<&str> = l.split_whitespace().collect();
        if w.len() <= calls_col
            || !w[0].starts_with(|c: char| c.is_ascii_digit() || c == '-')
            || w[0].starts_with("--")
        {
            continue;
        }
        let Ok(calls) = w[calls_col].parse::<u64>() else {
            continue;
        };
        let name = w.last().unwrap().to_string();
        let errors = if w.len() == calls_col + 3 {
            w[calls_col + 1].parse().unwrap_or_else(|_| panic!("{l}"))
        } else {
            0
        };
        m.insert(name, (calls, errors));
    }
    m
}

#[test]
fn summary_counts_equal_records_and_strace() {
    let names = "getppid,openat,read,close,write";
    let dir = TempDir::new("summary");
    let cmd = [HELPER, "openat", dir.path().to_str().unwrap()];
    // -C: the records, then the summary object.
    let file = dir.join("out.json");
    let c = Command::new(TRACER)
        .args(["exec", "-C", "--format", "json", "--only", names, "-o"])
        .arg(&file)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(c.status.success(), "{c:?}");
    let text = std::fs::read_to_string(&file).unwrap();
    let objs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (summary, recs) = objs.split_last().unwrap();
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for r in recs {
        let e = counts
            .entry(r["syscall"].as_str().unwrap().to_string())
            .or_default();
        e.0 += 1;
        e.1 += u64::from(!r["err"].is_null());
    }
    let rows = summary["summary"]["syscalls"]
        .as_array()
        .expect("summary rows");
    let mut from_summary = BTreeMap::new();
    for row in rows {
        from_summary.insert(
            row["syscall"].as_str().unwrap().to_string(),
            (
                row["calls"].as_u64().unwrap(),
                row["errors"].as_u64().unwrap(),
            ),
        );
        let (p50, p99, max) = (&row["p50_ns"], &row["p99_ns"], &row["max_ns"]);
        assert!(
            p50.as_u64() <= p99.as_u64() && p99.as_u64() <= max.as_u64(),
            "{row}"
        );
    }
    assert_eq!(from_summary, counts);
    assert_eq!(summary["summary"]["total"]["calls"], recs.len());
    assert!(counts["openat"].1 >= 1, "the missing file");
    // Sorted by total time.
    let totals: Vec<u64> = rows
        .iter()
        .map(|r| r["total_ns"].as_u64().unwrap())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");

    // -c alone: only the table, and its calls are strace -c's.
    let (_, theirs) = strace_raw(&["-c", "-e", &format!("trace={names}")], &cmd);
    let mut args = vec!["exec", "-c", "--only", names, "--"];
    args.extend_from_slice(&cmd);
    let out = run_tracer(&args);
    out.assert_code(0);
    let table = out.stderr_str();
    assert!(
        table.starts_with("% time     seconds  usecs/call   p50 usecs"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 4 + counts.len(), "{table}");
    let mine = parse_table(&table, 6);
    let strace_counts = parse_table(&theirs, 3);
    assert_eq!(mine, strace_counts, "mine:\n{table}\nstrace:\n{theirs}");
    assert_eq!(mine["total"].0, recs.len() as u64);
}

#[test]
fn summary_without_ptrace_has_counts_but_no_times() {
    let out = run_tracer(&[
        "exec", "--no-ret", "-c", "--only", "getppid", "--", HELPER, "getppid", "25",
    ]);
    out.assert_code(0);
    let table = out.stderr_str();
    let row = table
        .lines()
        .find(|l| l.ends_with(" getppid"))
        .unwrap_or_else(|| panic!("{table}"));
    let w: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(w, ["-", "-", "-", "-", "-", "-", "25", "-", "getppid"]);
}
