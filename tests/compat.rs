//! 32-bit programs on x86_64: a static i386 program (tests/prog32/prog.c, built
//! with Debian's i686 cross compiler, which scripts/install-deps.sh installs)
//! runs as it does untraced and is traced call for call as strace sees it,
//! socketcall's socket calls and i386's own calls (_llseek, getuid32)
//! included, in every mode.
#![cfg(target_arch = "x86_64")]

mod common;

use common::*;
use std::process::Command;

/// Builds the program into `dir`; returns its path.
fn build(dir: &TempDir) -> String {
    let bin = dir.join_str("prog32");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/prog32/prog.c");
    let out = run(Command::new("i686-linux-gnu-gcc").args(["-static", "-O2", "-o", &bin, src]));
    assert_eq!(
        out.code(),
        Some(0),
        "i686-linux-gnu-gcc (scripts/install-deps.sh installs it): {}",
        out.stderr_str()
    );
    bin
}

/// A temp dir with the built program and its input file: (dir, program, input).
fn setup() -> (TempDir, String, String) {
    let dir = TempDir::new("compat");
    let bin = build(&dir);
    let input = dir.join_str("input.txt");
    std::fs::write(&input, "hello\n").unwrap();
    (dir, bin, input)
}

/// `0x...` values (addresses differ between runs) as `0x?`.
fn no_addresses(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("0x") {
        out.push_str(&rest[..i]);
        out.push_str("0x?");
        rest = rest[i + 2..].trim_start_matches(|c: char| c.is_ascii_hexdigit());
    }
    out.push_str(rest);
    out
}

#[test]
fn a_32_bit_program_runs_as_untraced_and_each_call_has_one_record() {
    let (_dir, bin, input) = setup();
    let plain = run_plain(&[&bin, &input]);
    assert_eq!(plain.code(), Some(3), "{}", plain.stderr_str());
    let want = plain.stdout_str();
    assert!(
        want.contains("read=6 data=hello") && want.contains("lseek=2"),
        "{want}"
    );
    let st = strace(None, &[&bin, &input]);
    let mut counts = st.counts();
    for name in [
        "socket", "connect", "_llseek", "getuid32", "openat", "read", "writev",
    ] {
        assert!(
            counts.contains_key(name),
            "strace shows no {name}: {}",
            st.raw
        );
    }
    // Values that differ between runs by nature.
    counts.remove("getrandom");
    for mode in MODES.iter().chain(EXIT_VIA.iter()).copied() {
        let t = trace(mode, &[], &[&bin, &input]);
        t.assert_code(3);
        assert_eq!(t.stdout(), want, "{mode:?}");
        let mut ours = t.counts();
        ours.remove("getrandom");
        assert_eq!(ours, counts, "{mode:?}: {}\nstrace:\n{}", t.dump(), st.raw);
        // The launcher's execve is native; everything after it is i386's.
        let exec = t.position(|r| r["syscall"] == "execve").unwrap();
        assert!(t.recs[exec].get("abi").is_none(), "{}", t.recs[exec]);
        for r in &t.recs[exec + 1..] {
            assert_eq!(r["abi"], "i386", "{mode:?}: {r}");
        }
        if mode.has_ret() {
            // The first return of a 32-bit program is a compat one: the
            // per-call perf tracepoint skips it, the exec event vouches.
            assert_eq!(t.recs[exec]["res"], 0, "{mode:?}: {}", t.recs[exec]);
            let conn = &t.of("connect")[0];
            assert_eq!(conn["err"], "ECONNREFUSED", "{conn}");
            assert_eq!(conn["nr"], 102, "socketcall's number: {conn}");
            assert_eq!(conn["args"]["addr"]["sin_addr"], "127.0.0.1", "{conn}");
        }
    }
}

#[test]
fn a_32_bit_program_in_the_strace_format_matches_strace() {
    let (dir, bin, input) = setup();
    let only = "openat,read,readv,writev,statx,close,_llseek,socket,connect,getuid32,write";
    let st = strace(Some(only), &[&bin, &input]);
    let file = dir.join_str("trace.txt");
    let out = run_tracer(&[
        "exec", "--format", "strace", "-s", "32", "--only", only, "-o", &file, "--", &bin, &input,
    ]);
    out.assert_code(3);
    let ours = parse_strace(&std::fs::read_to_string(&file).unwrap());
    let lines = |calls: &[StraceCall]| -> Vec<String> {
        calls
            .iter()
            .map(|c| {
                let ret = c.ret.as_deref().unwrap_or("").trim();
                no_addresses(&format!("{}({}) = {ret}", c.name, c.args))
            })
            .collect()
    };
    assert_eq!(lines(&ours), lines(&st.calls), "strace:\n{}", st.raw);
    // With --only, socketcall is trapped for its socket calls, and only
    // the selected ones are shown.
    let t = trace(Mode::Ret, &["--only", "connect"], &[&bin, &input]);
    assert_eq!(
        t.counts(),
        [("connect".to_string(), 1)].into(),
        "{}",
        t.dump()
    );
}

/// Fault injection on i386's `connect`, which the program makes through
/// `socketcall`: `--inject connect:...` reaches it (the set is per ABI, by the
/// carried call), in every mode; the other socket calls run untouched.
#[test]
fn a_32_bit_connect_through_socketcall_is_injected() {
    let (_dir, bin, input) = setup();
    for mode in MODES.iter().chain(EXIT_VIA.iter()).copied() {
        let t = trace(
            mode,
            &["--only", "socket,connect", "--inject", "connect:retval=0"],
            &[&bin, &input],
        );
        t.assert_code(3);
        assert!(
            t.stdout().contains(" connect=0 "),
            "{mode:?}: {}",
            t.stdout()
        );
        let conn = t.of("connect");
        assert_eq!(conn.len(), 1, "{mode:?}: {}", t.dump());
        assert_eq!(conn[0]["injected"], "retval", "{mode:?}: {}", conn[0]);
        assert_eq!(conn[0]["nr"], 102, "socketcall's number: {}", conn[0]);
        let sock = t.of("socket");
        assert_eq!(sock.len(), 1, "{mode:?}: {}", t.dump());
        assert!(sock[0].get("injected").is_none(), "{mode:?}: {}", sock[0]);
        if mode.has_ret() {
            assert_eq!(conn[0]["res"], 0, "{mode:?}: {}", conn[0]);
            assert!(sock[0]["res"].as_i64().unwrap() >= 0, "{}", sock[0]);
        }
    }
}

/// `attach` without stops decodes a 32-bit program's calls with i386's
/// table (a raw sample does not say its ABI: the process's executable
/// does), every call and `--only` alike (the calls' own events, which skip
/// 32-bit calls, are not used when a target is 32-bit). The program waits
/// in the open of a FIFO until the tracer is attached.
#[test]
fn attach_without_stops_decodes_a_32_bit_program() {
    for only in [None, Some("openat,_llseek")] {
        let (dir, bin, _) = setup();
        let fifo = dir.join_str("fifo");
        let made = run(Command::new("mkfifo").arg(&fifo));
        assert_eq!(made.code(), Some(0));
        let mut prog = Command::new(&bin)
            .args([&fifo, "wait"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let recs = dir.join_str("recs.json");
        let pid = prog.id().to_string();
        let mut args = vec!["attach", "-p", &pid, "--format", "json", "-o", &recs];
        if let Some(o) = only {
            args.extend(["--only", o]);
        }
        let err = dir.join("err");
        let mut tracer = Command::new(TRACER)
            .args(&args)
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        // Attached once it says so.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !std::fs::read_to_string(&err)
            .unwrap_or_default()
            .contains("attached to")
        {
            assert!(std::time::Instant::now() < deadline, "not attached");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::fs::write(&fifo, "hello\n").unwrap();
        // Alive while the tracer reads its samples (every 20 ms when idle).
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(prog.stdin.take());
        assert_eq!(prog.wait().unwrap().code(), Some(3));
        // It ends by itself once its target is gone.
        assert!(tracer.wait().unwrap().success());
        let recs = parse_records(&std::fs::read_to_string(&recs).unwrap(), "attach32");
        let mine: Vec<&serde_json::Value> = recs
            .iter()
            .filter(|r| r["pid"].as_i64() == Some(i64::from(prog.id() as i32)))
            .collect();
        for r in &mine {
            assert_eq!(r["abi"], "i386", "{only:?}: {r}");
        }
        let find = |name: &str| mine.iter().find(|r| r["syscall"] == name).copied();
        let missing = mine
            .iter()
            .find(|r| r["syscall"] == "openat" && r["args"]["pathname"] == "/nonexistent/prog32")
            .unwrap_or_else(|| panic!("{only:?}: no openat of /nonexistent/prog32: {mine:?}"));
        assert_eq!(missing["err"], "ENOENT", "{missing}");
        let seek = find("_llseek").unwrap_or_else(|| panic!("{only:?}: no _llseek: {mine:?}"));
        // On a FIFO.
        assert_eq!(seek["err"], "ESPIPE", "{seek}");
        match only {
            None => {
                let uid = find("getuid32").unwrap_or_else(|| panic!("no getuid32: {mine:?}"));
                assert!(uid["res"].is_i64(), "{uid}");
                assert!(find("read").is_some_and(|r| r["res"] == 6), "{mine:?}");
                // socketcall, shown as the call it carries (its argument
                // array, on the stack, is read late: marked so).
                let connect = find("connect").unwrap_or_else(|| panic!("no connect: {mine:?}"));
                assert_eq!(connect["err"], "ECONNREFUSED", "{connect}");
                assert_eq!(connect["late"], true, "{connect}");
            }
            Some(_) => {
                let names: std::collections::BTreeSet<&str> =
                    mine.iter().filter_map(|r| r["syscall"].as_str()).collect();
                assert_eq!(names, ["_llseek", "openat"].into(), "{mine:?}");
            }
        }
    }
}
