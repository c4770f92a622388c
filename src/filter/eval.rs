//! Matching a parsed expression against a record. No allocation for the
//! common fields: names and comm are borrowed, numbers are formatted (for
//! the string operators) into a buffer on the stack.

use super::field::Field;
use super::parse::{Cmp, Lit, Node, Op};
use crate::record::{FdPath, Record, ResKind, Value, errno_name, error_of};
use std::io::Write;

pub fn matches(node: &Node, r: &Record) -> bool {
    match node {
        Node::And(items) => items.iter().all(|n| matches(n, r)),
        Node::Or(items) => items.iter().any(|n| matches(n, r)),
        Node::Not(inner) => !matches(inner, r),
        Node::Cmp(c) => compare(c, r),
    }
}

/// A field's value in one record.
enum Got<'a> {
    Absent,
    Num(i128),
    Text(&'a [u8]),
    Bool(bool),
    Errno(i64),
    Arg(&'a Value),
}

fn get<'a>(field: &Field, r: &'a Record) -> Got<'a> {
    let res = match r.res_kind {
        ResKind::Never => None,
        _ => r.res,
    };
    match field {
        Field::EvtType => Got::Text(r.name.as_bytes()),
        Field::EvtRes => res.map_or(Got::Absent, |v| Got::Num(v.into())),
        Field::EvtFailed => res.map_or(Got::Absent, |v| Got::Bool(error_of(v).is_some())),
        Field::EvtErrno => res.and_then(error_of).map_or(Got::Absent, Got::Errno),
        Field::EvtDuration => r.dur_ns.map_or(Got::Absent, |v| Got::Num(v.into())),
        Field::EvtArg(name) => r
            .args
            .iter()
            .find(|a| a.name == &**name)
            .map_or(Got::Absent, |a| Got::Arg(&a.value)),
        Field::ProcName => Got::Text(r.comm.as_bytes()),
        Field::ProcPid => Got::Num(r.pid.into()),
        Field::ThreadTid => Got::Num(r.tid.into()),
        Field::FdNum => match descriptor(r) {
            Some(Fd::Arg(v)) => fd_number(v).map_or(Got::Absent, Got::Num),
            Some(Fd::Returned(n, _)) => Got::Num(n.into()),
            None => Got::Absent,
        },
        Field::FdName => match descriptor(r) {
            Some(Fd::Arg(Value::WithPath(_, p))) => Got::Text(&p.path),
            Some(Fd::Returned(_, Some(p))) => Got::Text(&p.path),
            Some(Fd::Arg(_)) => r
                .res_path
                .as_ref()
                .map_or(Got::Absent, |p| Got::Text(&p.path)),
            Some(Fd::Returned(_, None)) | None => Got::Absent,
        },
        Field::ContainerId => r
            .container
            .as_ref()
            .map_or(Got::Absent, |c| Got::Text(c.id.as_bytes())),
        Field::ContainerName => r
            .container
            .as_ref()
            .and_then(|c| c.name.as_ref())
            .map_or(Got::Absent, |n| Got::Text(n.as_bytes())),
    }
}

/// The arguments `fd.num` reads, in this order.
const FD_ARGS: [&str; 4] = ["fd", "oldfd", "sockfd", "epfd"];

/// Calls whose result is a new descriptor: their `fd.num` is the result
/// (absent when they failed), not the `dirfd` or `sockfd` they took.
const RETURNS_FD: &[&str] = &[
    "open",
    "openat",
    "openat2",
    "creat",
    "open_by_handle_at",
    "socket",
    "accept",
    "accept4",
    "memfd_create",
    "memfd_secret",
    "epoll_create",
    "epoll_create1",
    "eventfd",
    "eventfd2",
    "timerfd_create",
    "signalfd",
    "signalfd4",
    "inotify_init",
    "inotify_init1",
    "fanotify_init",
    "pidfd_open",
    "pidfd_getfd",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "bpf",
    "fsopen",
    "fsmount",
    "open_tree",
    "fspick",
    "dup",
];

enum Fd<'a> {
    /// An argument (maybe a `WithPath`).
    Arg(&'a Value),
    /// The result, with its path under `-y`.
    Returned(i64, Option<&'a FdPath>),
}

/// The call's descriptor: for the calls that return one, the result;
/// otherwise the first of the arguments `fd`, `oldfd`, `sockfd`, `epfd`,
/// `dirfd`; otherwise the result when `-y` found it is a descriptor.
fn descriptor(r: &Record) -> Option<Fd<'_>> {
    let ok_res = r.res.filter(|v| *v >= 0);
    if RETURNS_FD.contains(&r.name) {
        return ok_res.map(|v| Fd::Returned(v, r.res_path.as_ref()));
    }
    for name in FD_ARGS.iter().chain(&["dirfd"]) {
        if let Some(a) = r.args.iter().find(|a| a.name == *name) {
            return Some(Fd::Arg(&a.value));
        }
    }
    match (ok_res, &r.res_path) {
        (Some(v), Some(p)) => Some(Fd::Returned(v, Some(p))),
        _ => None,
    }
}

/// A descriptor argument's number: `AT_FDCWD` is -100.
fn fd_number(v: &Value) -> Option<i128> {
    match v {
        Value::WithPath(inner, _) => fd_number(inner),
        Value::Sym(s) if s == "AT_FDCWD" => Some(libc::AT_FDCWD.into()),
        v => numeric(v).map(|(n, _)| n),
    }
}

/// A value's number, and whether it is a mode (compared with a literal's
/// octal form when it has one).
fn numeric(v: &Value) -> Option<(i128, bool)> {
    Some(match v {
        Value::Int(i) => ((*i).into(), false),
        Value::UInt(u) | Value::Hex(u) | Value::Ptr(u) | Value::Clock(u) => ((*u).into(), false),
        Value::Counted { n, .. } => ((*n).into(), false),
        Value::Mode(m) => ((*m).into(), true),
        Value::Call(_, inner) | Value::WithPath(inner, _) | Value::Changed(_, inner) => {
            return numeric(inner);
        }
        _ => return None,
    })
}

/// Text formed in a stack buffer, borrowed, or (for composite values) owned.
enum Text<'a> {
    Borrowed(&'a [u8]),
    Inline([u8; 48], usize),
    Owned(Vec<u8>),
}

impl Text<'_> {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Borrowed(b) => b,
            Text::Inline(buf, n) => &buf[..*n],
            Text::Owned(v) => v,
        }
    }

    fn format(args: std::fmt::Arguments) -> Text<'static> {
        let mut buf = [0u8; 48];
        let mut w = &mut buf[..];
        match w.write_fmt(args) {
            Ok(()) => {
                let n = 48 - w.len();
                Text::Inline(buf, n)
            }
            Err(_) => Text::Owned(std::fmt::format(args).into_bytes()),
        }
    }
}

/// A value's string form: its bytes, its symbol, or what the text format shows.
fn text(v: &Value) -> Text<'_> {
    match v {
        Value::Bytes { data, .. } | Value::HexBytes { data, .. } => Text::Borrowed(data),
        Value::Sym(s) => Text::Borrowed(s.as_bytes()),
        Value::Call(_, inner) | Value::WithPath(inner, _) | Value::Changed(_, inner) => text(inner),
        Value::Int(i) => Text::format(format_args!("{i}")),
        Value::UInt(u) | Value::Clock(u) | Value::Counted { n: u, .. } => {
            Text::format(format_args!("{u}"))
        }
        Value::Hex(h) => Text::format(format_args!("{h:#x}")),
        Value::Ptr(0) => Text::Borrowed(b"NULL"),
        Value::Ptr(p) | Value::NotCaptured(p) => Text::format(format_args!("{p:#x}")),
        Value::Mode(m) => Text::format(format_args!("0{m:o}")),
        Value::Fault { .. } | Value::Array { .. } | Value::Struct(_) => {
            let mut out = Vec::new();
            shown(v, &mut out);
            Text::Owned(out)
        }
    }
}

/// A value as the text format shows it (strings quoted and escaped), for
/// arrays, structures and faults.
fn shown(v: &Value, out: &mut Vec<u8>) {
    if crate::record::write_composite(v, out, shown) {
        return;
    }
    match v {
        Value::Bytes { data, .. } | Value::HexBytes { data, .. } => {
            out.push(b'"');
            crate::record::escape_c(data, out);
            out.push(b'"');
        }
        Value::Fault { addr, errno } => {
            let _ = write!(out, "{addr:#x} ({})", errno_name((*errno).into()));
        }
        v => out.extend_from_slice(text(v).as_bytes()),
    }
}

fn compare(c: &Cmp, r: &Record) -> bool {
    let got = get(&c.field, r);
    if matches!(got, Got::Absent) {
        return false;
    }
    match c.op {
        Op::Exists => true,
        Op::Ne => !c.values.iter().any(|l| equal(&got, l)),
        Op::Eq | Op::In => c.values.iter().any(|l| equal(&got, l)),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => c.values.iter().any(|l| order(&got, c.op, l)),
        Op::Contains | Op::IContains | Op::StartsWith | Op::EndsWith | Op::Glob => {
            c.values.iter().any(|l| string_op(&got, c.op, l))
        }
    }
}

/// The literal's number for a value that is a mode or not.
fn lit_num(l: &Lit, mode: bool) -> Option<i128> {
    if mode { l.octal.or(l.num) } else { l.num }
}

fn equal(got: &Got, l: &Lit) -> bool {
    match got {
        Got::Absent => false,
        Got::Num(n) => l.num == Some(*n),
        Got::Text(t) => *t == &*l.text,
        Got::Bool(b) => l.boolean == Some(*b),
        Got::Errno(e) => match l.num {
            Some(n) => n == i128::from(*e),
            None => errno_name(*e).as_bytes() == &*l.text,
        },
        Got::Arg(v) => {
            if let (Some((n, mode)), Some(_)) = (numeric(v), l.num.or(l.octal)) {
                return lit_num(l, mode) == Some(n);
            }
            text(v).as_bytes() == &*l.text
        }
    }
}

fn order(got: &Got, op: Op, l: &Lit) -> bool {
    let (a, b) = match got {
        Got::Num(n) => (*n, l.num),
        Got::Errno(e) => (i128::from(*e), l.num),
        Got::Arg(v) => match numeric(v) {
            Some((n, mode)) => (n, lit_num(l, mode)),
            None => return false,
        },
        Got::Absent | Got::Text(_) | Got::Bool(_) => return false,
    };
    let Some(b) = b else { return false };
    match op {
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
        _ => false,
    }
}

fn string_op(got: &Got, op: Op, l: &Lit) -> bool {
    let t = match got {
        Got::Absent => return false,
        Got::Num(n) => Text::format(format_args!("{n}")),
        Got::Text(t) => Text::Borrowed(t),
        Got::Bool(b) => Text::Borrowed(if *b { b"true" } else { b"false" }),
        Got::Errno(e) => match errno_name(*e) {
            std::borrow::Cow::Borrowed(s) => Text::Borrowed(s.as_bytes()),
            std::borrow::Cow::Owned(s) => Text::Owned(s.into_bytes()),
        },
        Got::Arg(v) => text(v),
    };
    let (hay, needle) = (t.as_bytes(), &*l.text);
    match op {
        Op::Contains => needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle),
        Op::IContains => {
            needle.is_empty()
                || hay
                    .windows(needle.len())
                    .any(|w| w.eq_ignore_ascii_case(needle))
        }
        Op::Glob => glob(needle, hay),
        Op::StartsWith => hay.starts_with(needle),
        Op::EndsWith => hay.ends_with(needle),
        _ => false,
    }
}

/// Whether `text` matches `pattern`: `*` is any run of bytes, `?` any one
/// byte. Iterative, backtracking only to the last `*`: linear in practice,
/// O(len * len) at worst, never recursive.
pub(super) fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and where in `text` it is being tried.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}
