//! Command line: bad input gets a clear `my-sysdig: ...` error, the documented exit code,
//! and nothing is run (SPEC §2, §4). "Nothing run" is proved by using `touch MARKER` as
//! the command and checking that MARKER does not exist afterwards.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;

/// Runs `my-sysdig exec OPTS... -- touch MARKER`; returns the output and whether the
/// marker was created (i.e. whether the command ran).
fn exec_touch(opts: &[&str]) -> (Output, bool) {
    let dir = TempDir::new("cli");
    let marker = dir.join_str("MARKER");
    let mut args = vec!["exec"];
    args.extend_from_slice(opts);
    args.extend_from_slice(&["--", "touch", &marker]);
    let out = run_tracer(&args);
    let ran = std::path::Path::new(&marker).exists();
    (out, ran)
}

/// Exit `code`, an error on stderr prefixed `my-sysdig:`, nothing on stdout, and the
/// command not run. Returns stderr.
fn assert_refused(opts: &[&str], code: i32) -> String {
    let (out, ran) = exec_touch(opts);
    out.assert_code(code);
    let err = out.stderr_str();
    assert!(
        err.starts_with("my-sysdig: "),
        "{opts:?}: error must start with 'my-sysdig: ', got {err:?}"
    );
    assert!(
        out.stdout.is_empty(),
        "{opts:?}: stdout {:?}",
        out.stdout_str()
    );
    assert!(
        !ran,
        "{opts:?}: the command ran although the options are bad"
    );
    err
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

#[test]
fn control_touch_marker_runs_when_options_are_good() {
    // Without this, the "nothing run" checks below would prove nothing.
    let (out, ran) = exec_touch(&["--only", "read", "-o", "/dev/null"]);
    out.assert_code(0);
    assert!(ran, "touch did not run under the tracer");
}

#[test]
fn unknown_syscall_is_usage_error_with_suggestion() {
    let err = assert_refused(&["--only", "raed"], 2);
    let line = first_line(&err);
    assert!(line.contains("raed"), "names the bad item: {err:?}");
    assert!(
        line.contains("read"),
        "suggests the nearest name 'read': {err:?}"
    );

    let err = assert_refused(&["--only", "wrte"], 2);
    assert!(
        first_line(&err).contains("write"),
        "suggests write: {err:?}"
    );
}

#[test]
fn unknown_syscall_among_good_ones_or_excluded_is_refused() {
    let err = assert_refused(&["--only", "read,raed,write"], 2);
    assert!(err.contains("raed"), "{err:?}");
    let err = assert_refused(&["--only", "!raed"], 2);
    assert!(err.contains("raed"), "{err:?}");
}

#[test]
fn unknown_class_is_usage_error() {
    let err = assert_refused(&["--only", "%bogus"], 2);
    assert!(
        first_line(&err).contains("%bogus"),
        "names the class: {err:?}"
    );
    // The message helps: it lists at least the classes of SPEC §2.
    for class in [
        "%file", "%net", "%process", "%memory", "%signal", "%ipc", "%desc",
    ] {
        assert!(err.contains(class), "lists {class}: {err:?}");
    }
}

#[test]
fn empty_only_items_are_refused() {
    assert_refused(&["--only", ""], 2);
    assert_refused(&["--only", "read,,write"], 2);
}

#[test]
fn bad_pid_values_are_usage_errors() {
    for v in ["0", "abc", "-5", "1.5", ""] {
        let err = assert_refused(&["--pid", v], 2);
        assert!(
            err.contains("--pid"),
            "--pid {v:?}: names the option: {err:?}"
        );
    }
}

#[test]
fn bad_snaplen_values_are_usage_errors() {
    for v in ["-1", "abc", ""] {
        assert_refused(&["-s", v], 2);
    }
    // Absurdly large snaplens are refused rather than allocated.
    assert_refused(&["-s", "99999999999"], 2);
}

#[test]
fn bad_format_and_empty_comm_are_usage_errors() {
    let err = assert_refused(&["--format", "xml"], 2);
    assert!(err.contains("xml"), "{err:?}");
    assert_refused(&["--comm", ""], 2);
}

#[test]
fn unknown_option_is_usage_error_not_a_command() {
    // A mistyped option before `--` is bad usage (exit 2, naming the option), not the
    // name of the command to run.
    for opt in ["--no-such-option", "--onyl"] {
        let err = assert_refused(&[opt, "read"], 2);
        assert!(err.contains(opt), "{opt}: {err:?}");
        assert!(!err.contains("command not found"), "{opt}: {err:?}");
    }
}

#[test]
fn missing_command_operand_is_usage_error() {
    let out = run_tracer(&["exec"]);
    out.assert_code(2);
    assert!(
        out.stderr_str().starts_with("my-sysdig: "),
        "{}",
        out.stderr_str()
    );
    let out = run_tracer(&["exec", "--only", "read", "--"]);
    out.assert_code(2);
    let out = run_tracer(&[]);
    out.assert_code(2);
    let out = run_tracer(&["frobnicate"]);
    out.assert_code(2);
}

#[test]
fn command_not_found_exits_127() {
    for cmd in ["my-sysdig-no-such-command-xyz", "/nonexistent/dir/prog"] {
        let out = run_tracer(&["exec", "--", cmd, "arg"]);
        out.assert_code(127);
        let err = out.stderr_str();
        assert!(err.starts_with("my-sysdig: "), "{err:?}");
        assert!(err.contains("command not found"), "{err:?}");
        assert!(err.contains(cmd), "names the command: {err:?}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn not_executable_exits_126_and_does_not_run() {
    let dir = TempDir::new("noexec");
    let marker = dir.join_str("MARKER");
    let script = dir.join("script.sh");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {marker}\n")).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = run_tracer(&["exec", "--", script.to_str().unwrap()]);
    out.assert_code(126);
    let err = out.stderr_str();
    assert!(err.starts_with("my-sysdig: "), "{err:?}");
    assert!(err.contains("script.sh"), "names the command: {err:?}");
    assert!(!std::path::Path::new(&marker).exists(), "the script ran");

    // Control: the same script made executable does run.
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run_tracer(&["exec", "-o", "/dev/null", "--", script.to_str().unwrap()]);
    out.assert_code(0);
    assert!(
        std::path::Path::new(&marker).exists(),
        "the script did not run"
    );
}

#[test]
fn directory_as_command_exits_126() {
    let dir = TempDir::new("dircmd");
    let out = run_tracer(&["exec", "--", dir.path().to_str().unwrap()]);
    out.assert_code(126);
    assert!(out.stderr_str().starts_with("my-sysdig: "));
}

#[test]
fn output_in_missing_directory_fails_clearly() {
    let dir = TempDir::new("outdir");
    let out_path = dir.join_str("no/such/dir/records.json");
    let (out, ran) = exec_touch(&["-o", &out_path]);
    assert_ne!(out.code(), Some(0), "must fail");
    assert!(
        out.code().is_some(),
        "must exit, not crash: {:?}",
        out.status
    );
    let err = out.stderr_str();
    assert!(err.starts_with("my-sysdig: "), "{err:?}");
    assert!(err.contains(&out_path), "names the file: {err:?}");
    assert!(
        err.contains("No such file or directory"),
        "says why: {err:?}"
    );
    assert!(
        !ran,
        "the command ran although the output cannot be created"
    );
}

#[test]
fn output_in_unwritable_place_fails_clearly() {
    // A directory is not a file the records can be written to.
    let dir = TempDir::new("outisdir");
    let (out, ran) = exec_touch(&["-o", dir.path().to_str().unwrap()]);
    assert_ne!(out.code(), Some(0));
    assert!(out.stderr_str().starts_with("my-sysdig: "));
    assert!(!ran);
}

#[test]
fn symlinked_output_is_refused_and_target_untouched() {
    let dir = TempDir::new("symlink");
    let target = dir.join("target");
    let link = dir.join("link");

    // Existing target: not truncated.
    std::fs::write(&target, "precious\n").unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (out, ran) = exec_touch(&["-o", link.to_str().unwrap()]);
    out.assert_code(1);
    let err = out.stderr_str();
    assert!(err.starts_with("my-sysdig: "), "{err:?}");
    assert!(err.contains("symbolic link"), "says why: {err:?}");
    assert!(err.contains("link"), "{err:?}");
    assert!(!ran, "the command ran");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");

    // Dangling symlink: the target must not be created.
    std::fs::remove_file(&target).unwrap();
    let (out, ran) = exec_touch(&["-o", link.to_str().unwrap()]);
    out.assert_code(1);
    assert!(out.stderr_str().contains("symbolic link"));
    assert!(!ran);
    assert!(
        std::fs::symlink_metadata(&target).is_err(),
        "the symlink's target was created"
    );
}

#[test]
fn output_file_is_created_mode_0600_and_replaces_old_content() {
    let dir = TempDir::new("outmode");
    let path = dir.join("records.txt");
    let out = run_tracer(&[
        "exec",
        "--only",
        "getppid",
        "-o",
        path.to_str().unwrap(),
        "--",
        HELPER,
        "getppid",
        "3",
    ]);
    out.assert_code(0);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600, "mode of -o FILE");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        out.stderr.is_empty(),
        "records went to the file, not stderr"
    );

    // An existing regular file is truncated, not appended to.
    std::fs::write(&path, "old line 1\nold line 2\nold line 3\nold line 4\n").unwrap();
    let out = run_tracer(&[
        "exec",
        "--only",
        "getppid",
        "-o",
        path.to_str().unwrap(),
        "--",
        HELPER,
        "getppid",
        "2",
    ]);
    out.assert_code(0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("old line"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn records_go_to_stderr_by_default_and_stdout_is_the_programs() {
    let out = run_tracer(&["exec", "--only", "getppid", "--", HELPER, "getppid", "3"]);
    out.assert_code(0);
    assert_eq!(out.stdout_str(), "getppid calls=3\n");
    let err = out.stderr_str();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "three records on stderr: {err:?}");
    for l in lines {
        assert!(l.starts_with("pid="), "{l:?}");
        assert!(l.contains(", getppid"), "{l:?}");
    }
}

#[test]
fn help_mentions_every_option() {
    let out = run_tracer(&["exec", "--help"]);
    out.assert_code(0);
    let help = out.stdout_str();
    for opt in [
        "--only",
        "--pid",
        "--comm",
        "-o",
        "--output",
        "--format",
        "text",
        "strace",
        "json",
        "-s",
        "--snaplen",
        "--no-ret",
        "-t",
        "-T",
        "-c",
        "--summary",
        "-C",
        "CMD",
    ] {
        assert!(
            help.contains(opt),
            "exec --help does not mention {opt}:\n{help}"
        );
    }
    // The classes of --only are documented where the option is.
    for class in [
        "%file", "%net", "%process", "%memory", "%signal", "%ipc", "%desc",
    ] {
        assert!(help.contains(class), "exec --help does not mention {class}");
    }

    let out = run_tracer(&["--help"]);
    out.assert_code(0);
    assert!(out.stdout_str().contains("exec"), "{}", out.stdout_str());
}

#[test]
fn unwritable_records_leave_the_command_alone_and_exit_1() {
    // /dev/full opens but refuses every write: the command still runs to its end with
    // its own output, and the lost records are reported once, with exit 1.
    let out = run_tracer(&[
        "exec",
        "-o",
        "/dev/full",
        "--",
        "sh",
        "-c",
        "echo hi; exit 3",
    ]);
    out.assert_code(1);
    assert_eq!(out.stdout_str(), "hi\n");
    let err = out.stderr_str();
    assert!(
        err.starts_with("my-sysdig: writing records: "),
        "stderr {err:?}"
    );
    assert_eq!(err.lines().count(), 1, "one error line, got {err:?}");
}
