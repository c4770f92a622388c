//! Fault injection (`--inject`, `--fault`) on real programs: against
//! `strace --inject` on the same programs and specs, per-thread counting,
//! delays, signals, redirect=, refusals, and capture replay.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::process::{Command, Stdio};

/// `name -> count` of the lines marked ` (INJECTED...)` in strace-format text.
fn injected(text: &str) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in text.lines().filter(|l| l.contains(" (INJECTED")) {
        // `[pid N] name(`, `N name(` (-o with -f) or `name(`.
        let l = match l.strip_prefix("[pid ") {
            Some(r) => r.split_once("] ").map_or(r, |(_, x)| x),
            None => l.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' '),
        };
        let name = l.split('(').next().unwrap_or("").trim().to_string();
        *m.entry(name).or_insert(0) += 1;
    }
    m
}

struct Run {
    code: Option<i32>,
    stderr: String,
    trace: String,
}

fn strace_inject(spec_opt: &str, env: &[(&str, &str)], cmd: &[&str]) -> Run {
    let dir = TempDir::new("strace-inject");
    let file = dir.join("trace");
    let mut c = Command::new("strace");
    // cargo's library path would add the loader's probes to the counts.
    c.env_remove("LD_LIBRARY_PATH")
        .envs(env.iter().copied())
        .args(["-f", "-qq", "-o"])
        .arg(&file)
        .arg(spec_opt)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null());
    let out = run(&mut c);
    Run {
        code: out.code(),
        stderr: out.stderr_str(),
        trace: std::fs::read_to_string(&file).unwrap_or_default(),
    }
}

fn ours(mode: Mode, opts: &[&str], env: &[(&str, &str)], cmd: &[&str]) -> Run {
    let dir = TempDir::new("inject");
    let file = dir.join_str("trace");
    let mut c = Command::new(TRACER);
    c.env_remove("LD_LIBRARY_PATH")
        .envs(env.iter().copied())
        .arg("exec")
        .args(mode.args())
        .args(["--format", "strace", "-o", &file])
        .args(opts)
        .arg("--")
        .args(cmd)
        .stdin(Stdio::null());
    let out = run(&mut c);
    Run {
        code: out.code(),
        stderr: out.stderr_str(),
        trace: std::fs::read_to_string(&file).unwrap_or_default(),
    }
}

/// Same exit status, same stderr from the program, same injected calls.
fn differential(strace_opt: &str, our_opts: &[&str], env: &[(&str, &str)], cmd: &[&str]) {
    let want = strace_inject(strace_opt, env, cmd);
    assert!(
        !injected(&want.trace).is_empty(),
        "strace injected nothing with {strace_opt}: {}",
        want.trace
    );
    for mode in [Mode::Ret, Mode::NoRet, Mode::Ptrace, Mode::Perf] {
        if mode == Mode::Perf && !perf_permitted() {
            continue;
        }
        let got = ours(mode, our_opts, env, cmd);
        let desc = format!("{mode:?} {our_opts:?} {cmd:?}");
        assert_eq!(got.code, want.code, "{desc}: exit status\n{}", got.stderr);
        assert_eq!(got.stderr, want.stderr, "{desc}: the program's stderr");
        assert_eq!(
            injected(&got.trace),
            injected(&want.trace),
            "{desc}: injected calls\nours:\n{}\nstrace:\n{}",
            got.trace,
            want.trace
        );
    }
}

/// Whether `--exit-via perf` works here (root or CAP_PERFMON, tracefs).
fn perf_permitted() -> bool {
    run_tracer(&[
        "exec",
        "--exit-via",
        "perf",
        "--only",
        "getppid",
        "--",
        "true",
    ])
    .code()
        == Some(0)
}

#[test]
fn cat_openat_enoent_on_the_third_call() {
    let dir = TempDir::new("cat");
    let f = dir.join_str("file");
    std::fs::write(&f, "hello\n").unwrap();
    // LC_ALL=C: no locale files, so the 3rd openat is the file's.
    differential(
        "--inject=openat:error=ENOENT:when=3",
        &["--inject", "openat:error=ENOENT:when=3"],
        &[("LC_ALL", "C")],
        &["cat", &f],
    );
}

#[test]
fn python_write_enospc() {
    let dir = TempDir::new("py");
    let f = dir.join_str("out");
    let prog = format!("open({f:?}, 'w').write('data')");
    differential(
        "--inject=write:error=ENOSPC",
        &["--inject", "write:error=ENOSPC"],
        &[],
        &[python3(), "-S", "-c", &prog],
    );
}

#[test]
fn getrandom_eagain_from_the_second_call() {
    differential(
        "--inject=getrandom:error=EAGAIN:when=2+",
        &["--inject", "getrandom:error=EAGAIN:when=2+"],
        &[],
        &[
            python3(),
            "-S",
            "-c",
            "import os; os.urandom(4); os.urandom(4)",
        ],
    );
}

#[test]
fn fault_defaults_to_enosys() {
    let dir = TempDir::new("fault");
    let f = dir.join_str("file");
    std::fs::write(&f, "x\n").unwrap();
    differential(
        "--fault=openat:when=3",
        &["--fault", "openat:when=3"],
        &[("LC_ALL", "C")],
        &["cat", &f],
    );
}

#[test]
fn counts_per_thread_and_marks_json() {
    for mode in [Mode::Ret, Mode::NoRet, Mode::Ptrace] {
        let t = trace_helper(
            mode,
            &[
                "--only",
                "getppid",
                "--inject",
                "getppid:retval=4242:when=2",
            ],
            &["inject-threads", "3", "4"],
        );
        t.assert_code(0);
        let out = t.stdout();
        for i in 0..3 {
            assert!(
                out.contains(&format!("thread{i}=real,4242,real,real")),
                "{mode:?}: {out}"
            );
        }
        let marked: Vec<_> = t
            .recs
            .iter()
            .filter(|r| r["injected"] == "retval")
            .collect();
        assert_eq!(marked.len(), 3, "{mode:?}: {}", t.dump());
        assert!(marked.iter().all(|r| r["res"] == 4242), "{}", t.dump());
        // scope=process: one count for the three threads.
        let t = trace_helper(
            mode,
            &["--inject", "getppid:retval=4242:when=2:scope=process"],
            &["inject-threads", "3", "4"],
        );
        assert_eq!(t.stdout().matches("4242").count(), 1, "{}", t.stdout());
    }
}

#[test]
fn delay_enter_holds_only_the_caller() {
    for mode in [Mode::Ret, Mode::NoRet, Mode::Ptrace] {
        let t = trace_helper(
            mode,
            &[
                "-T",
                "--only",
                "getppid,getuid",
                "--inject",
                "getppid:delay_enter=100ms",
            ],
            &["inject-delay"],
        );
        t.assert_code(0);
        let kv = kv(&t.stdout());
        let ms: u64 = kv["getppid_ms"].parse().unwrap();
        let other: u64 = kv["other_calls"].parse().unwrap();
        assert!(ms >= 100, "{mode:?}: getppid took {ms} ms");
        assert!(
            other >= 10,
            "{mode:?}: the other thread made {other} calls meanwhile"
        );
        let g = t.of("getppid");
        assert_eq!(g.len(), 1, "{}", t.dump());
        assert_eq!(g[0]["injected"], "delay");
        if mode.has_ret() {
            let dur = g[0]["dur_ns"].as_u64().unwrap();
            assert!(dur >= 100_000_000, "{mode:?}: dur_ns {dur}");
        }
    }
    // -T in the strace format: the delay shows.
    let r = ours(
        Mode::Ret,
        &[
            "-T",
            "--only",
            "getppid",
            "--inject",
            "getppid:delay_enter=100ms",
        ],
        &[],
        &[HELPER, "inject-delay"],
    );
    let line = r.trace.lines().find(|l| l.contains("getppid()")).unwrap();
    assert!(line.contains(" (DELAYED) <0.1"), "{line}");
}

#[test]
fn delay_exit_needs_ptrace() {
    let r = run_tracer(&[
        "exec",
        "--no-ret",
        "--inject",
        "getppid:delay_exit=10ms",
        "--",
        "true",
    ]);
    r.assert_code(2);
    assert!(
        r.stderr_str().contains("needs ptrace"),
        "{}",
        r.stderr_str()
    );
    let t = trace_helper(
        Mode::Ret,
        &["--only", "getppid", "--inject", "getppid:delay_exit=100ms"],
        &["inject-delay"],
    );
    t.assert_code(0);
    let ms: u64 = kv(&t.stdout())["getppid_ms"].parse().unwrap();
    assert!(ms >= 100, "getppid took {ms} ms");
}

#[test]
fn signal_goes_to_the_calling_thread() {
    for mode in [Mode::Ret, Mode::NoRet] {
        let t = trace_helper(
            mode,
            &["--only", "getppid", "--inject", "getppid:signal=SIGUSR1"],
            &["inject-signal"],
        );
        t.assert_code(0);
        assert_eq!(t.stdout(), "same_thread=true handled=true\n", "{mode:?}");
    }
}

#[test]
fn redirect_to_dev_full_makes_a_redirect_fail() {
    let dir = TempDir::new("redirect");
    let f = dir.join_str("out");
    let script = format!("echo hi > {f}");
    // The shell's 3rd openat, after the loader's two, is the redirect's.
    for mode in [Mode::Ret, Mode::NoRet, Mode::Ptrace] {
        let r = ours(
            mode,
            &["--inject", "openat:redirect=/dev/full:when=3"],
            &[("LC_ALL", "C")],
            &["/bin/dash", "-c", &script],
        );
        assert_ne!(r.code, Some(0), "{mode:?}: {}", r.stderr);
        // dash's echo says "I/O error" for the ENOSPC its write got.
        assert!(
            r.stderr.contains("echo: I/O error"),
            "{mode:?}: {}",
            r.stderr
        );
        if mode.has_ret() {
            assert!(
                r.trace.contains("= -1 ENOSPC (No space left on device)"),
                "{}",
                r.trace
            );
        }
        assert!(
            r.trace.contains("O_TRUNC, 0666) = 3 (INJECTED)"),
            "{}",
            r.trace
        );
    }
    assert!(!std::path::Path::new(&f).exists() || std::fs::read(&f).unwrap().is_empty());
}

#[test]
fn bad_specs_run_nothing() {
    let dir = TempDir::new("bad");
    let marker = dir.join_str("marker");
    let touch = format!("touch {marker}");
    for spec in [
        "openat:frob=1",
        "openat:error=EBOGUS",
        "nosuchcall:error=EIO",
        "openat:error=EIO:when=0",
        "openat:error=EIO:when=3..2",
        "openat:signal=SIGBOGUS",
        "exit_group:error=EIO",
        "rt_sigreturn:error=EIO",
        "execve:retval=0",
        "openat:retval=3",
        "write:retval=-5",
        "openat",
    ] {
        let r = run_tracer(&["exec", "--inject", spec, "--", "sh", "-c", &touch]);
        r.assert_code(2);
        let e = r.stderr_str();
        assert!(e.starts_with("my-sysdig: --inject: "), "{spec}: {e}");
        assert!(!std::path::Path::new(&marker).exists(), "{spec}: ran");
    }
    let r = run_tracer(&[
        "exec",
        "--fault",
        "openat:signal=SIGUSR1",
        "--",
        "sh",
        "-c",
        &touch,
    ]);
    r.assert_code(2);
    assert!(!std::path::Path::new(&marker).exists());
}

#[test]
fn the_first_execve_is_never_injected() {
    // Every execve fails, except the command's own first one.
    let r = ours(
        Mode::Ret,
        &["--inject", "execve:error=EACCES"],
        &[],
        &["/bin/sh", "-c", "/bin/true; echo rc=$?"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(injected(&r.trace).get("execve"), Some(&1), "{}", r.trace);
}

#[test]
fn summary_counts_injected_calls() {
    let r = ours(
        Mode::Ret,
        &[
            "-c",
            "--only",
            "getppid",
            "--inject",
            "getppid:error=EPERM:when=2+",
        ],
        &[],
        &[HELPER, "inject-threads", "1", "4"],
    );
    assert!(r.trace.contains("injected"), "{}", r.trace);
}

#[test]
fn replay_is_identical() {
    let dir = TempDir::new("replay");
    let cap = dir.join_str("cap");
    let live = dir.join_str("live");
    let again = dir.join_str("again");
    let r = run_tracer(&[
        "exec",
        "-w",
        &cap,
        "-o",
        &live,
        "--format",
        "strace",
        "--inject",
        "getppid:retval=4242:when=2",
        "--inject",
        "getuid:delay_enter=1ms",
        "--",
        HELPER,
        "inject-threads",
        "2",
        "3",
    ]);
    r.assert_code(0);
    let r = run_tracer(&["read", &cap, "-o", &again, "--format", "strace"]);
    r.assert_code(0);
    let l = std::fs::read(&live).unwrap();
    assert!(String::from_utf8_lossy(&l).contains("(INJECTED)"));
    assert_eq!(
        String::from_utf8_lossy(&l),
        String::from_utf8_lossy(&std::fs::read(&again).unwrap())
    );
    let j = dir.join_str("j");
    run_tracer(&["read", &cap, "-o", &j, "--format", "json"]).assert_code(0);
    assert!(
        std::fs::read_to_string(&j)
            .unwrap()
            .contains("\"injected\":\"retval\"")
    );
}

/// `prob=`: the same seed makes the same choices, another seed others; about
/// the asked share of the calls is injected, and the seed is printed when not
/// given.
#[test]
fn probability_repeats_with_its_seed() {
    let dir = TempDir::new("inject-prob");
    let out = dir.join_str("o");
    let py = "import os\nfor _ in range(400):\n    os.getppid()\n";
    let pattern = |seed: Option<&str>| -> (Vec<bool>, String) {
        let mut args = vec![
            "exec",
            "--no-ret",
            "--only",
            "getppid",
            "--inject",
            "getppid:error=EPERM:prob=0.5",
            "--format",
            "json",
            "-o",
            &out,
        ];
        if let Some(s) = seed {
            args.extend(["--inject-seed", s]);
        }
        args.extend(["--", python3(), "-c", py]);
        let r = run_tracer(&args);
        r.assert_code(0);
        let recs = parse_records(&std::fs::read_to_string(&out).unwrap(), "prob");
        let p = recs
            .iter()
            .filter(|r| r["syscall"] == "getppid")
            .map(|r| r["injected"] == "error")
            .collect();
        (p, r.stderr_str())
    };
    let (a, _) = pattern(Some("42"));
    let (b, _) = pattern(Some("42"));
    let (c, _) = pattern(Some("7"));
    assert_eq!(a, b, "one seed, one pattern");
    assert_ne!(a, c, "another seed, another pattern");
    let share = a.iter().filter(|&&x| x).count() as f64 / a.len() as f64;
    assert!(
        (0.35..0.65).contains(&share),
        "{share} of {} calls injected",
        a.len()
    );
    let (_, err) = pattern(None);
    assert!(err.contains("random choices with seed"), "{err}");
}

/// `poke_enter=@argN=HEX` writes into the memory argument N points at
/// before the call runs: the first write of `hello` goes out as `Jello`.
#[test]
fn poke_enter_rewrites_the_buffer() {
    let r = run_tracer(&[
        "exec",
        "--only",
        "write",
        "--inject",
        "write:poke_enter=@arg2=4a:when=1",
        "--",
        "sh",
        "-c",
        "printf hello; printf world",
    ]);
    r.assert_code(0);
    assert_eq!(r.stdout_str(), "Jelloworld");
    assert!(
        r.stderr_str().contains("(INJECTED: args)"),
        "{}",
        r.stderr_str()
    );
}

/// `poke_exit=@argN=HEX` writes into the memory argument N points at after
/// the call returned: dash's `read` builtin takes the file's first byte, the
/// poke changes it, and the shell prints `Jello`, as under `strace --inject`
/// (the call's second read: the loader's read of libc is the first). It
/// needs an exit stop: refused under `--no-ret`, nothing run.
#[test]
fn poke_exit_rewrites_what_the_call_returned() {
    let dir = TempDir::new("poke-exit");
    let input = dir.join_str("input");
    std::fs::write(&input, "hello\n").unwrap();
    let script = format!("read x < {input}; echo $x");
    let cmd = ["sh", "-c", script.as_str()];
    let spec = "read:poke_exit=@arg2=4a:when=2";
    let plain = run_plain(&cmd);
    assert_eq!(plain.stdout_str(), "hello\n");
    let st = run(Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-o",
            "/dev/null",
            &format!("--inject={spec}"),
            "--",
        ])
        .args(cmd)
        .stdin(Stdio::null()));
    assert_eq!(st.stdout_str(), "Jello\n", "strace: {}", st.stderr_str());
    for mode in [Mode::Ret, Mode::Ptrace, Mode::Perf] {
        if mode == Mode::Perf && !perf_permitted() {
            continue;
        }
        let got = ours(mode, &["--only", "read", "--inject", spec], &[], &cmd);
        assert_eq!(got.code, Some(0), "{mode:?}: {}", got.stderr);
        let out = run(Command::new(TRACER)
            .arg("exec")
            .args(mode.args())
            .args(["--only", "read", "-o", "/dev/null", "--inject", spec, "--"])
            .args(cmd)
            .stdin(Stdio::null()));
        assert_eq!(
            out.stdout_str(),
            "Jello\n",
            "{mode:?}: {}",
            out.stderr_str()
        );
        let poked: Vec<&str> = got
            .trace
            .lines()
            .filter(|l| l.contains("(INJECTED"))
            .collect();
        assert_eq!(poked.len(), 1, "{mode:?}: {}", got.trace);
        // The record shows the buffer as the program got it.
        assert!(
            poked[0].contains(r#"read(0, "J", 1)"#),
            "{mode:?}: {}",
            poked[0]
        );
    }
    let refused = run_tracer(&[
        "exec",
        "--no-ret",
        "--inject",
        spec,
        "--",
        "touch",
        &dir.join_str("ran"),
    ]);
    assert_eq!(refused.code(), Some(2), "{}", refused.stderr_str());
    assert!(
        refused.stderr_str().starts_with("my-sysdig: "),
        "{}",
        refused.stderr_str()
    );
    assert!(!dir.join("ran").exists());
}
