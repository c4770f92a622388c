use super::{Filter, FilterError, MAX_DEPTH, MAX_LEN};
use crate::record::tests::{record, sample};
use crate::record::{Arg, FdPath, Record, ResKind, Value};

fn arg(name: &'static str, value: Value) -> Arg {
    Arg {
        name,
        value,
        output: false,
        updated: false,
    }
}

fn f(expr: &str) -> Filter {
    match Filter::parse(expr) {
        Ok(f) => f,
        Err(e) => panic!("{expr:?} did not parse:\n{e}"),
    }
}

fn err(expr: &str) -> FilterError {
    match Filter::parse(expr) {
        Ok(f) => panic!("{expr:?} parsed: {f:?}"),
        Err(e) => e,
    }
}

/// The error's column and message.
fn bad(expr: &str) -> (usize, String) {
    let e = err(expr);
    (e.column, e.message)
}

fn yes(expr: &str, r: &Record) -> bool {
    f(expr).matches(r)
}

/// openat(AT_FDCWD</home>, "/etc/passwd", O_RDONLY|O_CLOEXEC, 0644) = 3</etc/passwd>
fn openat() -> Record {
    let mut r = record(
        "openat",
        smallvec::smallvec![
            arg(
                "dirfd",
                Value::WithPath(
                    Box::new(Value::Sym("AT_FDCWD".into())),
                    FdPath::new(b"/home", false)
                )
            ),
            arg(
                "pathname",
                Value::Bytes {
                    data: b"/etc/passwd".to_vec(),
                    truncated: false
                }
            ),
            arg("flags", Value::Sym("O_RDONLY|O_CLOEXEC".into())),
            arg("mode", Value::Mode(0o644)),
        ],
        3,
    );
    r.res_path = Some(FdPath::new(b"/etc/passwd", false));
    r.comm = crate::record::Comm::new(b"nginx");
    r.pid = 100;
    r.tid = 101;
    r.dur_ns = Some(5_000_000);
    r
}

/// write(1</var/log/x.log>, "\xff\xfeok", 4) = -9 (EBADF)
fn write_failed() -> Record {
    record(
        "write",
        smallvec::smallvec![
            arg(
                "fd",
                Value::WithPath(
                    Box::new(Value::Int(1)),
                    FdPath::new(b"/var/log/x.log", true)
                )
            ),
            arg(
                "buf",
                Value::Bytes {
                    data: b"\xff\xfeok".to_vec(),
                    truncated: false
                }
            ),
            arg("count", Value::UInt(4)),
        ],
        -9,
    )
}

// ---- display and errors ----

#[test]
fn display_points_at_the_column() {
    let e = err("evt.typ = open");
    assert_eq!(
        e.to_string(),
        "--filter: unknown field 'evt.typ' at column 1 (nearest: evt.type)\n  evt.typ = open\n  ^"
    );
    assert_eq!(e.expr, "evt.typ = open");
    let e = err("evt.type = open and");
    assert_eq!(
        e.to_string(),
        "--filter: expected a field, 'not' or '(' after 'and' at column 20\n  evt.type = open and\n                     ^"
    );
}

#[test]
fn display_of_a_long_expression_is_a_window() {
    let mut expr = "evt.type = open or ".repeat(20);
    expr.push_str("evt.type =");
    let e = err(&expr);
    let s = e.to_string();
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("  ...") && lines[1].ends_with("evt.type ="));
    // The caret is under the column: one past the end here.
    assert_eq!(lines[2].len(), lines[1].len() + 1);
    assert!(lines[2].ends_with('^'));
    // Control chars do not move the caret.
    let s = err("evt.type\t=\n").to_string();
    assert!(s.ends_with("  evt.type = \n             ^"), "{s}");
}

#[test]
fn each_error_kind() {
    let cases: &[(&str, usize, &str)] = &[
        ("", 1, "empty expression"),
        ("   ", 1, "empty expression"),
        ("evt.type =", 11, "expected a value after '='"),
        ("evt.type = )", 12, "expected a value after '='"),
        ("(evt.type = open", 1, "unclosed '('"),
        ("((evt.type = open)", 1, "unclosed '('"),
        ("evt.type = open)", 16, "unexpected ')' (no '(' to close)"),
        ("evt.type = \"open", 12, "unterminated string"),
        ("evt.type = 'open\\", 12, "unterminated string"),
        (
            "evt.type = 'a\\qb'",
            14,
            "unknown escape '\\q' (known: \\\" \\' \\\\ \\n \\t)",
        ),
        (
            "evt.type = open evt.type = read",
            17,
            "expected 'and', 'or' or the end, not 'evt.type'",
        ),
        (
            "evt.type = open && proc.pid = 1",
            17,
            "expected 'and', 'or' or the end (write 'and' for '&&')",
        ),
        (
            "evt.type = open AND proc.pid = 1",
            17,
            "expected 'and', 'or' or the end (keywords are lowercase)",
        ),
        (
            "(evt.type = open x",
            18,
            "expected 'and', 'or' or ')', not 'x'",
        ),
        ("proc.pid = abc", 12, "'=' needs a number"),
        ("proc.pid < abc", 12, "'<' needs a number"),
        (
            "proc.pid in (1, x)",
            17,
            "'in' needs numbers for this field",
        ),
        (
            "evt.res = ENOENT",
            11,
            "'=' needs a number (for an errno name use evt.errno)",
        ),
        ("evt.res = ''", 11, "'=' needs a number, not ''"),
        ("evt.errno > ENOENT", 13, "'>' needs a number"),
        ("evt.arg.fd >= x", 15, "'>=' needs a number"),
        (
            "evt.type < 3",
            10,
            "'<' needs a number field; this one is text",
        ),
        ("evt.failed = maybe", 14, "expected true or false (or 1, 0)"),
        (
            "evt.failed contains t",
            12,
            "'contains' does not apply to true/false; use = or !=",
        ),
        ("evt.type", 9, "expected an operator after 'evt.type'"),
        (
            "evt.type is open",
            10,
            "unknown operator 'is' (=, !=, <, <=, >, >=, contains, icontains, startswith, endswith, glob, in, exists)",
        ),
        (
            "evt.type ! open",
            10,
            "unknown operator '!' (=, !=, <, <=, >, >=, contains, icontains, startswith, endswith, glob, in, exists)",
        ),
        ("evt.type in open", 13, "expected '(' after 'in'"),
        ("evt.type in (", 14, "expected a value after '('"),
        ("evt.type in ()", 14, "expected a value after '('"),
        ("evt.type in (a,", 16, "expected a value after ','"),
        (
            "evt.type in (a b)",
            16,
            "expected ',' or ')' in the list, not 'b)'",
        ),
        ("evt.type in (a, b", 13, "unclosed '(' of 'in'"),
        (
            "evt.type = (open, read)",
            12,
            "expected a value after '=', not '(' (a list is 'in (a, b)'; quote a value that starts with '(')",
        ),
        ("not", 4, "expected a field, 'not' or '(' after 'not'"),
        (
            "!evt.failed = true",
            1,
            "expected a field, 'not' or '(' (write 'not' for '!')",
        ),
        ("= open", 1, "expected a field, 'not' or '(', not '='"),
        (
            "evt.type = a or",
            16,
            "expected a field, 'not' or '(' after 'or'",
        ),
        ("()", 2, "expected a field, 'not' or '(' after '(', not ')'"),
        (
            "evt.arg = x",
            1,
            "'evt.arg' needs an argument name (evt.arg.pathname)",
        ),
        (
            "evt.arg. = x",
            1,
            "'evt.arg.' needs an argument name (evt.arg.pathname)",
        ),
        (
            "evt.arg.a.b = x",
            1,
            "bad argument name 'a.b' (letters, digits and '_')",
        ),
        ("zzzzzzzzzz = 1", 1, "unknown field 'zzzzzzzzzz'"),
    ];
    for (expr, col, msg) in cases {
        assert_eq!(bad(expr), (*col, msg.to_string()), "{expr:?}");
    }
}

#[test]
fn nearest_fields() {
    assert_eq!(
        bad("evt.typ = open").1,
        "unknown field 'evt.typ' (nearest: evt.type)"
    );
    assert_eq!(
        bad("proc.nam = x").1,
        "unknown field 'proc.nam' (nearest: proc.name)"
    );
    assert_eq!(
        bad("proc.id = 1").1,
        "unknown field 'proc.id' (nearest: proc.pid)"
    );
    assert_eq!(
        bad("fd.nme = x").1,
        "unknown field 'fd.nme' (nearest: fd.name)"
    );
    assert_eq!(
        bad("evt.args.pathname = x").1,
        "unknown field 'evt.args.pathname' (nearest: evt.arg.pathname)"
    );
    // Ties: all of them, in the table's order.
    assert_eq!(
        bad("fd.nam = x").1,
        "unknown field 'fd.nam' (nearest: fd.num, fd.name)"
    );
    // Column of a field that is not first.
    assert_eq!(
        bad("evt.type = open and  thread.id = 3"),
        (
            22,
            "unknown field 'thread.id' (nearest: thread.tid)".to_string()
        )
    );
    // A pasted paragraph is cut in the message.
    let long = format!("{} = 1", "x".repeat(5000));
    assert_eq!(
        bad(&long).1,
        format!("unknown field '{}...'", "x".repeat(40))
    );
    assert!(err(&long).to_string().len() < 400);
    // Any argument name is a field.
    f("evt.arg.whatever_3 exists");
}

#[test]
fn columns_count_chars_not_bytes() {
    // 'é' is two bytes, one column.
    assert_eq!(bad("evt.type = é and x").0, 18);
    assert_eq!(bad("evt.type = \"éé").0, 12);
}

#[test]
fn deep_nesting_is_an_error() {
    let ok = format!(
        "{}evt.type = x{}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    f(&ok);
    let deep = format!(
        "{}evt.type = x{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(
        bad(&deep),
        (
            MAX_DEPTH + 1,
            format!("nested deeper than {MAX_DEPTH} levels of 'not' and '('")
        )
    );
    f(&format!("{}evt.type = x", "not ".repeat(MAX_DEPTH)));
    let nots = format!("{}evt.type = x", "not ".repeat(10_000));
    assert_eq!(bad(&nots).0, MAX_DEPTH * 4 + 1);
    // Far more than any stack would take.
    let parens = "(".repeat(1_000_000);
    assert!(
        bad(&format!("{parens}evt.type=x"))
            .1
            .contains("longer than")
    );
    assert_eq!(bad(&"(".repeat(60_000)).0, MAX_DEPTH + 1);
}

#[test]
fn long_expressions_are_an_error() {
    let long = "evt.type = open or ".repeat(MAX_LEN / 10);
    let e = err(&long);
    assert_eq!(e.column, MAX_LEN + 1);
    assert_eq!(e.message, format!("expression longer than {MAX_LEN} bytes"));
    // Its display is a window, not 64 KiB.
    assert!(e.to_string().len() < 400);
    // A long chain under the limit is fine (and/or are loops, not recursion).
    let chain = "evt.type = x or ".repeat(3000) + "evt.type = read";
    assert!(yes(&chain, &sample()));
}

// ---- grammar ----

#[test]
fn precedence() {
    let r = sample(); // read, pid 4242
    // a or (b and c)
    assert!(yes("evt.type = read or proc.pid = 1 and proc.pid = 2", &r));
    // (a or b) and c
    assert!(!yes(
        "(evt.type = read or proc.pid = 1) and proc.pid = 2",
        &r
    ));
    // not binds tighter than and.
    assert!(!yes("not evt.type = read and proc.pid = 4242", &r));
    assert!(yes("not evt.type = write and proc.pid = 4242", &r));
    assert!(yes("not (evt.type = read and proc.pid = 1)", &r));
    assert!(yes("not not evt.type = read", &r));
    assert!(yes("not(evt.type=write)", &r));
    assert!(yes("(evt.type=read)and(proc.pid=4242)", &r));
    assert!(yes("evt.type = x or evt.type = y or evt.type = read", &r));
    assert!(!yes(
        "evt.type = read and evt.type = read and proc.pid = 1",
        &r
    ));
    // A field named like a keyword's prefix is a field.
    assert!(bad("notx = 1").1.starts_with("unknown field 'notx'"));
}

#[test]
fn quoted_values_and_escapes() {
    let mut r = sample();
    r.args[1].value = Value::Bytes {
        data: b"a \"b\" 'c' \\ \n\t)".to_vec(),
        truncated: false,
    };
    assert!(yes(r#"evt.arg.buf = "a \"b\" 'c' \\ \n\t)""#, &r));
    assert!(yes(r#"evt.arg.buf = 'a "b" \'c\' \\ \n\t)'"#, &r));
    assert!(yes("evt.arg.buf contains ' \\'c'", &r));
    assert!(yes("evt.arg.buf endswith \")\"", &r));
    // A quoted empty string.
    assert!(yes("evt.arg.buf contains ''", &r));
    assert!(!yes("evt.arg.buf = ''", &r));
    // Bare values stop at whitespace, ')' and ','.
    assert!(yes("(evt.type=read)", &r));
    assert!(yes("evt.type in (x,read)", &r));
    assert!(yes("proc.pid = \"4242\"", &r));
}

// ---- operators on each field kind ----

#[test]
fn text_fields() {
    let r = openat();
    for (expr, want) in [
        ("evt.type = openat", true),
        ("evt.type == openat", true),
        ("evt.type = open", false),
        ("evt.type != open", true),
        ("evt.type != openat", false),
        ("evt.type contains pen", true),
        ("evt.type startswith open", true),
        ("evt.type endswith at", true),
        ("evt.type endswith open", false),
        ("evt.type in (open, openat)", true),
        ("evt.type in (open,creat)", false),
        ("evt.type exists", true),
        ("evt.type icontains PENA", true),
        ("evt.type icontains x", false),
        ("evt.type glob open*", true),
        ("evt.type glob 'o?enat'", true),
        ("evt.type glob *at", true),
        ("evt.type glob *", true),
        ("evt.type glob open", false),
        ("evt.type glob *x*", false),
        ("proc.name = nginx", true),
        ("proc.name startswith ngi", true),
        ("proc.name in (bash, nginx)", true),
        ("proc.name != nginx", false),
        ("fd.name = /etc/passwd", true),
        ("fd.name startswith /etc", true),
        ("fd.name contains pass", true),
        ("fd.name exists", true),
    ] {
        assert_eq!(yes(expr, &r), want, "{expr}");
    }
}

#[test]
fn number_fields() {
    let r = openat(); // pid 100, tid 101, res 3, 5 ms, fd 3
    for (expr, want) in [
        ("proc.pid = 100", true),
        ("proc.pid = 0x64", true),
        ("proc.pid != 100", false),
        ("proc.pid < 101", true),
        ("proc.pid <= 100", true),
        ("proc.pid > 100", false),
        ("proc.pid >= 100", true),
        ("proc.pid > -1", true),
        ("proc.pid in (1, 100)", true),
        ("proc.pid in (1, 2)", false),
        ("proc.pid contains 10", true),
        ("proc.pid startswith 1", true),
        ("proc.pid endswith 00", true),
        ("proc.pid glob 1?0", true),
        ("proc.pid exists", true),
        ("thread.tid = 101", true),
        ("evt.res = 3", true),
        ("evt.res >= 0", true),
        ("evt.res < 0", false),
        ("evt.duration > 1000000", true),
        ("evt.duration < 1000000", false),
        ("evt.duration = 5000000", true),
        ("fd.num = 3", true),
        ("fd.num != 3", false),
        ("fd.num exists", true),
        // Out of i64's range, inside u64's.
        ("evt.res < 18446744073709551615", true),
    ] {
        assert_eq!(yes(expr, &r), want, "{expr}");
    }
    // Out of every range: not a number.
    assert_eq!(
        bad("proc.pid = 18446744073709551616").1,
        "'=' needs a number"
    );
    assert_eq!(bad("proc.pid = -").1, "'=' needs a number");
    assert_eq!(bad("proc.pid = 0x").1, "'=' needs a number");
    f("proc.pid = -9223372036854775808");
    assert_eq!(
        bad("proc.pid = -9223372036854775809").1,
        "'=' needs a number"
    );
}

#[test]
fn failed_and_errno() {
    let ok = openat();
    let failed = write_failed(); // -9 EBADF
    assert!(yes("evt.failed = true", &failed));
    assert!(yes("evt.failed = 1", &failed));
    assert!(!yes("evt.failed = false", &failed));
    assert!(yes("evt.failed != false", &failed));
    assert!(yes("evt.failed = false", &ok));
    assert!(yes("evt.failed = 0", &ok));
    assert!(yes("evt.failed in (false)", &ok));
    assert!(yes("evt.failed exists", &ok));
    assert!(yes("evt.errno = EBADF", &failed));
    assert!(yes("evt.errno = 9", &failed));
    assert!(yes("evt.errno in (ENOENT, 9)", &failed));
    assert!(yes("evt.errno in (ENOENT, EBADF)", &failed));
    assert!(yes("evt.errno != ENOENT", &failed));
    assert!(yes("evt.errno > 8", &failed));
    assert!(yes("evt.errno < 0xa", &failed));
    assert!(yes("evt.errno startswith EB", &failed));
    assert!(yes("evt.errno contains BAD", &failed));
    assert!(yes("evt.errno exists", &failed));
    // A success has no errno: every comparison fails.
    assert!(!yes("evt.errno exists", &ok));
    assert!(!yes("evt.errno != ENOENT", &ok));
    assert!(!yes("evt.errno = EBADF", &ok));
    assert!(yes("not evt.errno exists", &ok));
    assert!(yes("evt.res = -9", &failed));
    assert!(yes("evt.res < 0", &failed));
    assert!(yes("evt.res startswith -", &failed));
}

#[test]
fn unknown_results_are_absent() {
    let mut r = write_failed();
    r.res = None;
    for expr in [
        "evt.failed = true",
        "evt.failed = false",
        "evt.failed != true",
        "evt.failed exists",
        "evt.res exists",
        "evt.res = 0",
        "evt.res != 0",
        "evt.errno exists",
    ] {
        assert!(!yes(expr, &r), "{expr}");
    }
    assert!(yes("not evt.failed = true", &r));
    // exit_group: no result at all.
    let mut r = write_failed();
    r.res_kind = ResKind::Never;
    assert!(!yes("evt.res exists", &r));
    // No duration.
    assert!(!yes("evt.duration exists", &sample_without_duration()));
    assert!(!yes("evt.duration < 5", &sample_without_duration()));
}

fn sample_without_duration() -> Record {
    let mut r = sample();
    r.dur_ns = None;
    r
}

#[test]
fn args() {
    let r = openat();
    for (expr, want) in [
        ("evt.arg.pathname = /etc/passwd", true),
        ("evt.arg.pathname contains /etc", true),
        ("evt.arg.pathname startswith /etc/", true),
        ("evt.arg.pathname endswith passwd", true),
        ("evt.arg.pathname != /etc/passwd", false),
        ("evt.arg.pathname != /etc/shadow", true),
        ("evt.arg.pathname in (/etc/shadow, /etc/passwd)", true),
        ("evt.arg.pathname exists", true),
        ("evt.arg.flags contains O_CLOEXEC", true),
        ("evt.arg.flags = O_RDONLY|O_CLOEXEC", true),
        ("evt.arg.flags startswith O_RDONLY", true),
        ("evt.arg.dirfd = AT_FDCWD", true),
        ("evt.arg.dirfd = -100", false),
        ("evt.arg.mode = 0644", true),
        ("evt.arg.mode = 420", true),
        ("evt.arg.mode = 0x1a4", true),
        ("evt.arg.mode < 0700", true),
        ("evt.arg.mode > 0700", false),
        ("evt.arg.mode startswith 06", true),
        ("evt.arg.pathname < 3", false),
        ("evt.arg.nosuch exists", false),
        ("evt.arg.nosuch = x", false),
        ("evt.arg.nosuch != x", false),
        ("not evt.arg.nosuch exists", true),
        ("evt.arg.nosuch in (x)", false),
        ("evt.arg.nosuch contains x", false),
    ] {
        assert_eq!(yes(expr, &r), want, "{expr}");
    }
    let r = sample(); // read(3, "127.0.0.1 l\n", 4096)
    for (expr, want) in [
        ("evt.arg.fd = 3", true),
        ("evt.arg.fd = 0x3", true),
        ("evt.arg.fd != 3", false),
        ("evt.arg.fd < 4", true),
        ("evt.arg.fd > 3", false),
        ("evt.arg.fd = three", false),
        ("evt.arg.fd != three", true),
        ("evt.arg.fd contains 3", true),
        ("evt.arg.count >= 4096", true),
        ("evt.arg.count = 0x1000", true),
        ("evt.arg.count in (1, 4096)", true),
        ("evt.arg.buf = '127.0.0.1 l\\n'", true),
        ("evt.arg.buf contains 127.0.0.1", true),
        ("evt.arg.buf > 3", false),
    ] {
        assert_eq!(yes(expr, &r), want, "{expr}");
    }
}

#[test]
fn every_value_kind_of_an_arg() {
    let with = |v: Value| record("x", smallvec::smallvec![arg("a", v)], 0);
    let b = |v: Value, expr: &str| yes(expr, &with(v));
    assert!(b(Value::Int(-5), "evt.arg.a = -5"));
    assert!(b(Value::Int(-5), "evt.arg.a < 0"));
    assert!(b(Value::Int(-5), "evt.arg.a startswith -"));
    assert!(b(Value::UInt(u64::MAX), "evt.arg.a = 0xffffffffffffffff"));
    assert!(b(Value::UInt(u64::MAX), "evt.arg.a > 9223372036854775807"));
    assert!(b(Value::Hex(0xff), "evt.arg.a = 255"));
    assert!(b(Value::Hex(0xff), "evt.arg.a = 0xff"));
    assert!(b(Value::Hex(0xff), "evt.arg.a startswith 0x"));
    assert!(b(Value::Ptr(0), "evt.arg.a = NULL"));
    assert!(b(Value::Ptr(0), "evt.arg.a = 0"));
    assert!(b(Value::Ptr(0x7ffd), "evt.arg.a = 0x7ffd"));
    assert!(b(Value::Ptr(0x7ffd), "evt.arg.a contains 7ffd"));
    assert!(b(Value::Clock(7), "evt.arg.a = 7"));
    assert!(b(
        Value::Counted {
            addr: 1,
            n: 35,
            unit: "vars"
        },
        "evt.arg.a >= 35"
    ));
    assert!(b(
        Value::Fault {
            addr: 0x10,
            errno: 14
        },
        "evt.arg.a = '0x10 (EFAULT)'"
    ));
    assert!(b(Value::NotCaptured(0x20), "evt.arg.a = 0x20"));
    assert!(!b(Value::NotCaptured(0x20), "evt.arg.a > 1"));
    assert!(b(
        Value::Array {
            items: vec![
                Value::Bytes {
                    data: b"ls".to_vec(),
                    truncated: false
                },
                Value::Int(1)
            ],
            truncated: true
        },
        r#"evt.arg.a = '["ls", 1, ...]'"#
    ));
    assert!(b(
        Value::Struct(vec![
            ("sa_family", Value::Sym("AF_INET".into())),
            ("port", Value::UInt(80)),
        ]),
        "evt.arg.a contains sa_family=AF_INET"
    ));
    assert!(b(
        Value::Call("htons", Box::new(Value::UInt(80))),
        "evt.arg.a = 80"
    ));
    assert!(b(
        Value::Call(
            "inet_addr",
            Box::new(Value::Bytes {
                data: b"127.0.0.1".to_vec(),
                truncated: false
            })
        ),
        "evt.arg.a = 127.0.0.1"
    ));
    let changed = Value::Changed(Box::new(Value::Int(110)), Box::new(Value::Int(16)));
    assert!(b(changed.clone(), "evt.arg.a = 16"));
    assert!(!b(changed.clone(), "evt.arg.a = 110"));
    assert!(b(changed, "evt.arg.a < 20"));
    let hb = Value::HexBytes {
        data: b"ok\xde".to_vec(),
        truncated: false,
    };
    // Raw bytes, not the hex strace shows.
    assert!(b(hb.clone(), "evt.arg.a startswith ok"));
    assert!(!b(hb.clone(), "evt.arg.a contains 6f6b"));
    assert!(b(hb, "evt.arg.a exists"));
}

#[test]
fn glob_patterns() {
    use super::eval::glob;
    for (p, t, want) in [
        ("", "", true),
        ("", "a", false),
        ("*", "", true),
        ("**", "abc", true),
        ("a*c", "abbbc", true),
        ("a*c", "abbbd", false),
        ("*.log", "/var/log/x.log", true),
        ("/var/*/x.*", "/var/log/x.log", true),
        ("?", "", false),
        ("a?c", "abc", true),
        ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
    ] {
        assert_eq!(glob(p.as_bytes(), t.as_bytes()), want, "{p} {t}");
    }
    assert!(glob(b"\xff*", b"\xffok"));
}

#[test]
fn invalid_utf8_bytes_compare_as_bytes() {
    let r = write_failed(); // buf = "\xff\xfeok"
    assert!(yes("evt.arg.buf endswith ok", &r));
    assert!(!yes("evt.arg.buf startswith ok", &r));
    assert!(!yes("evt.arg.buf = ok", &r));
    assert!(yes("evt.arg.buf != ok", &r));
    // U+FFFD (what a lossy conversion would give) is not the raw bytes.
    assert!(!yes("evt.arg.buf contains \u{fffd}", &r));
    // A value whose UTF-8 encoding is in the bytes matches: 'é' is c3 a9.
    let mut r = write_failed();
    r.args[1].value = Value::Bytes {
        data: b"\xffcaf\xc3\xa9\xfe".to_vec(),
        truncated: false,
    };
    assert!(yes("evt.arg.buf contains café", &r));
}

#[test]
fn fd_fields() {
    // An argument's descriptor and path.
    let r = write_failed();
    assert!(yes("fd.num = 1", &r));
    assert!(yes("fd.name = /var/log/x.log", &r));
    assert!(yes("fd.name startswith /var/log", &r));
    // A call that returns a descriptor: the result, not dirfd.
    let r = openat();
    assert!(yes("fd.num = 3", &r));
    assert!(yes("fd.name = /etc/passwd", &r));
    // ... absent when it failed.
    let mut r = openat();
    r.res = Some(-2);
    r.res_path = None;
    assert!(!yes("fd.num exists", &r));
    assert!(!yes("fd.name exists", &r));
    // dirfd for the other *at calls; AT_FDCWD is -100.
    let mut r = openat();
    r.name = "unlinkat";
    r.res = Some(0);
    r.res_path = None;
    assert!(yes("fd.num = -100", &r));
    assert!(yes("fd.name = /home", &r));
    // oldfd (dup2), with its path.
    let r = record(
        "dup2",
        smallvec::smallvec![
            arg(
                "oldfd",
                Value::WithPath(Box::new(Value::Int(3)), FdPath::new(b"/a", false))
            ),
            arg("newfd", Value::Int(1)),
        ],
        1,
    );
    assert!(yes("fd.num = 3", &r));
    assert!(yes("fd.name = /a", &r));
    // Without -y: no path.
    let r = sample();
    assert!(yes("fd.num = 3", &r));
    assert!(!yes("fd.name exists", &r));
    assert!(!yes("fd.name != /x", &r));
    // No descriptor at all.
    let r = record("getpid", smallvec::smallvec![], 7);
    assert!(!yes("fd.num exists", &r));
    // A result with a path (-y) of a call not in the list: pipe-like.
    let mut r = record("somecall", smallvec::smallvec![], 5);
    r.res_path = Some(FdPath::new(b"anon_inode:[x]", false));
    assert!(yes("fd.num = 5 and fd.name contains anon_inode", &r));
}

#[test]
fn uses_fd_paths() {
    assert!(f("fd.name = x").uses_fd_paths());
    assert!(f("evt.type = a or not (proc.pid = 1 and fd.name exists)").uses_fd_paths());
    assert!(!f("fd.num = 3 and evt.arg.name = x").uses_fd_paths());
}

#[test]
fn docs_examples() {
    let r = openat();
    assert!(yes("evt.type in (open,openat) and evt.failed = false", &r));
    assert!(yes("evt.arg.pathname contains /etc", &r));
    assert!(yes("evt.duration > 1000000", &r));
    let mut w = write_failed();
    w.comm = crate::record::Comm::new(b"nginx");
    assert!(yes("proc.name = nginx and fd.name startswith /var/log", &w));
    assert!(!yes("evt.type in (open,openat) and evt.failed = true", &w));
}

// ---- fuzz ----

use crate::testutil::Rng;

const TOKENS: &[&str] = &[
    "evt.type",
    "evt.res",
    "evt.failed",
    "evt.errno",
    "evt.duration",
    "evt.arg.fd",
    "evt.arg.pathname",
    "evt.arg.",
    "evt.arg",
    "proc.name",
    "proc.pid",
    "thread.tid",
    "fd.num",
    "fd.name",
    "evt.typ",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "!",
    "contains",
    "startswith",
    "endswith",
    "in",
    "exists",
    "and",
    "or",
    "not",
    "AND",
    "(",
    ")",
    ",",
    "\"",
    "'",
    "\\",
    "\\n",
    "\\\"",
    "open",
    "read",
    "3",
    "-1",
    "0x10",
    "0644",
    "true",
    "false",
    "ENOENT",
    "/etc",
    " ",
    " ",
    " ",
    "\t",
    "\n",
    "é",
    "日本",
    "\u{0}",
    "&&",
    "||",
    "-",
    "0x",
    "18446744073709551616",
];

const VALID: &[&str] = &[
    "evt.type in (open,openat) and evt.failed = true",
    "evt.arg.pathname contains /etc",
    "proc.name = nginx and fd.name startswith /var/log",
    "evt.duration > 1000000",
    "not (evt.errno = ENOENT or evt.res >= 0) and thread.tid != 1",
    "evt.arg.buf = \"a\\\"b\\n\" or evt.arg.mode = 0644",
    "fd.num exists and evt.arg.flags contains O_CREAT",
];

fn check_input(s: &str, recs: &[Record]) {
    match Filter::parse(s) {
        Ok(flt) => {
            for r in recs {
                let _ = flt.matches(r);
            }
            let _ = flt.uses_fd_paths();
        }
        Err(e) => {
            let len = s.chars().count();
            assert!(
                (1..=len + 1).contains(&e.column),
                "column {} of {len} for {s:?}: {}",
                e.column,
                e.message
            );
            assert!(!e.message.is_empty());
            let shown = e.to_string();
            assert_eq!(shown.lines().count(), 3, "{shown}");
        }
    }
}

#[test]
fn fuzz_never_panics_and_columns_are_in_range() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let recs = [sample(), openat(), write_failed(), {
        let mut r = write_failed();
        r.res = None;
        r
    }];
    let mut parsed = 0;
    for i in 0..20_000 {
        let s = match i % 4 {
            // Tokens, with or without spaces between.
            0 | 1 => {
                let n = 1 + rng.below(12);
                let sep = if i % 4 == 0 { " " } else { "" };
                (0..n)
                    .map(|_| TOKENS[rng.below(TOKENS.len())])
                    .collect::<Vec<_>>()
                    .join(sep)
            }
            // A valid expression, cut or mutated.
            2 => {
                let v: Vec<char> = VALID[rng.below(VALID.len())].chars().collect();
                let mut v = v[..rng.below(v.len() + 1)].to_vec();
                for _ in 0..rng.below(3) {
                    if v.is_empty() {
                        break;
                    }
                    let at = rng.below(v.len());
                    match rng.below(3) {
                        0 => {
                            v.remove(at);
                        }
                        1 => v.insert(
                            at,
                            TOKENS[rng.below(TOKENS.len())]
                                .chars()
                                .next()
                                .unwrap_or(' '),
                        ),
                        _ => v[at] = char::from(rng.below(128) as u8),
                    }
                }
                v.into_iter().collect()
            }
            // Random bytes, made UTF-8.
            _ => {
                let n = rng.below(40);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                String::from_utf8_lossy(&bytes).into_owned()
            }
        };
        if Filter::parse(&s).is_ok() {
            parsed += 1;
        }
        check_input(&s, &recs);
    }
    // The generator reaches the matcher too.
    assert!(parsed > 200, "only {parsed} parsed");
}

/// `container.id` and `container.name` read the record's container (the
/// agent's records); without one, every comparison fails.
#[test]
fn container_fields() {
    use crate::record::container::Container;
    let mut r = openat();
    assert!(!yes("container.id = web-1", &r));
    assert!(!yes("container.id != web-1", &r));
    assert!(yes("not container.id exists", &r));
    r.container = Some(std::sync::Arc::new(Container {
        id: "web-1".into(),
        name: None,
        metadata: String::new(),
    }));
    assert!(yes("container.id = web-1", &r));
    assert!(yes("container.id startswith web and evt.type = openat", &r));
    assert!(!yes("container.name = web", &r));
    std::sync::Arc::make_mut(r.container.as_mut().unwrap()).name = Some("web".into());
    assert!(yes("container.name in (db, web)", &r));
    assert!(yes("container.name glob 'w*'", &r));
}
