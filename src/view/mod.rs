//! `read FILE --view NAME`: built-in analyses computed from records, as
//! sysdig's chisels are: `topfiles` (bytes and calls per path), `topprocs`
//! (calls, errors and time per process) and `errors` (failed calls per
//! syscall, errno and path).
//!
//! Each view is fed every record with [`View::add`] and printed once with
//! [`View::table`] (for humans, in the style of `-c`'s table: a header, a
//! rule, the rows, a rule, a total line) or [`View::json`] (one JSON object
//! on one line). All rows are shown; pipe the table to `head` for the top.
//!
//! # The path of a record
//!
//! `topfiles` and `errors` attribute a record to a path (see [`path_of`]),
//! the first of:
//!
//! 1. what the call's descriptor argument (`fd`, `sockfd`, or sendfile's
//!    `out_fd`) refers to, as `-y` annotated it at capture time;
//! 2. what the returned descriptor refers to (`-y`, `Record::res_path`):
//!    a successful `openat` then counts under the same name as the reads
//!    on the descriptor it returned;
//! 3. the name the call was given: its `pathname`, `filename` or `path`
//!    argument, joined to the directory its `dirfd`/`dfd` argument refers
//!    to (`-y`) when relative; as given otherwise.
//!
//! Paths of descriptors are the link as the kernel shows it, with
//! ` (deleted)` for an unlinked file. Without `-y` at capture time no
//! descriptor has a path: reads and writes are then not attributed (the
//! `topfiles` footer says how many).
//!
//! # Bytes that are not UTF-8
//!
//! In tables, a path or comm is shown with its valid UTF-8 as is, control
//! characters and `\` C-escaped (`\n`, `\\`) and every byte that is not
//! part of valid UTF-8 as `\xNN`, as the text format escapes. In JSON, a
//! path is a string, lossy (U+FFFD for invalid bytes) when it is not UTF-8,
//! and then also `"path_hex"` with its exact bytes in hex; a comm is lossy.

mod errors;
mod topfiles;
mod topprocs;

use crate::record::{Record, Value};
use std::io::Write;

/// Which analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKind {
    /// Bytes read and written, and calls, per path.
    TopFiles,
    /// Calls, errors and time in calls per process.
    TopProcs,
    /// Failed calls per syscall, errno and path.
    Errors,
}

impl ViewKind {
    /// Every view, in the order `--help` lists them.
    pub const ALL: [ViewKind; 3] = [ViewKind::TopFiles, ViewKind::TopProcs, ViewKind::Errors];

    /// The name `--view` takes, and the JSON's `"view"`.
    pub fn name(self) -> &'static str {
        match self {
            ViewKind::TopFiles => "topfiles",
            ViewKind::TopProcs => "topprocs",
            ViewKind::Errors => "errors",
        }
    }
}

impl std::fmt::Display for ViewKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ViewKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ViewKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ViewKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown view '{s}': valid views are {}", names.join(", "))
            })
    }
}

enum Inner {
    TopFiles(topfiles::TopFiles),
    TopProcs(topprocs::TopProcs),
    Errors(errors::Errors),
}

/// One analysis, fed records one by one.
pub struct View {
    inner: Inner,
}

impl View {
    pub fn new(kind: ViewKind) -> View {
        let inner = match kind {
            ViewKind::TopFiles => Inner::TopFiles(Default::default()),
            ViewKind::TopProcs => Inner::TopProcs(Default::default()),
            ViewKind::Errors => Inner::Errors(Default::default()),
        };
        View { inner }
    }

    pub fn kind(&self) -> ViewKind {
        match self.inner {
            Inner::TopFiles(_) => ViewKind::TopFiles,
            Inner::TopProcs(_) => ViewKind::TopProcs,
            Inner::Errors(_) => ViewKind::Errors,
        }
    }

    pub fn add(&mut self, rec: &Record) {
        match &mut self.inner {
            Inner::TopFiles(v) => v.add(rec),
            Inner::TopProcs(v) => v.add(rec),
            Inner::Errors(v) => v.add(rec),
        }
    }

    /// A table for humans, ending in '\n'.
    pub fn table(&self, out: &mut Vec<u8>) {
        match &self.inner {
            Inner::TopFiles(v) => v.table(out),
            Inner::TopProcs(v) => v.table(out),
            Inner::Errors(v) => v.table(out),
        }
    }

    /// One JSON object (one line, ending in '\n').
    pub fn json(&self, out: &mut Vec<u8>) {
        match &self.inner {
            Inner::TopFiles(v) => v.json(out),
            Inner::TopProcs(v) => v.json(out),
            Inner::Errors(v) => v.json(out),
        }
    }
}

/// Arguments whose `-y` path is the path of the call, in this order.
const FD_ARGS: [&str; 3] = ["fd", "sockfd", "out_fd"];
/// Arguments that name the file the call is about.
const NAME_ARGS: [&str; 3] = ["pathname", "filename", "path"];
/// Arguments a relative name is relative to.
const DIR_ARGS: [&str; 2] = ["dirfd", "dfd"];

/// The path a record is about, if any (see the module's documentation).
pub fn path_of(r: &Record) -> Option<Vec<u8>> {
    let arg = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| r.args.iter().find(|a| a.name == *n))
            .map(|a| &a.value)
    };
    if let Some(Value::WithPath(_, p)) = arg(&FD_ARGS) {
        return Some(p.kernel_form());
    }
    if let Some(p) = &r.res_path {
        return Some(p.kernel_form());
    }
    let Some(Value::Bytes { data, .. }) = arg(&NAME_ARGS) else {
        return None;
    };
    // `fstatat(3, "", AT_EMPTY_PATH)`: the call is about the descriptor.
    if data.is_empty() {
        return match arg(&DIR_ARGS) {
            Some(Value::WithPath(_, dir)) => Some(dir.kernel_form()),
            _ => None,
        };
    }
    if let (Some(Value::WithPath(_, dir)), false) = (arg(&DIR_ARGS), data.starts_with(b"/")) {
        if !dir.deleted && !dir.path.is_empty() {
            let mut p = dir.path.to_vec();
            if !p.ends_with(b"/") {
                p.push(b'/');
            }
            p.extend_from_slice(data);
            return Some(p);
        }
    }
    Some(data.clone())
}

/// The errno of a record's result, if it failed.
fn error(r: &Record) -> Option<i64> {
    if r.res_kind == crate::record::ResKind::Never {
        return None;
    }
    r.res.and_then(crate::record::error_of)
}

/// Bytes for a table cell: valid UTF-8 as is (control characters and `\`
/// escaped), other bytes as `\xNN`.
fn escape(data: &[u8], out: &mut Vec<u8>) {
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_ascii() {
                match c {
                    '"' => out.push(b'"'),
                    c => crate::record::escape_c(&[c as u8], out),
                }
            } else if c.is_control() {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            } else {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
        for &b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

/// A JSON string.
fn json_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// `"key":"path"`, plus `,"key_hex":"..."` when the path is not UTF-8.
fn json_path(key: &str, path: &[u8], out: &mut Vec<u8>) {
    let _ = write!(out, "\"{key}\":");
    json_string(&String::from_utf8_lossy(path), out);
    if std::str::from_utf8(path).is_err() {
        let _ = write!(out, ",\"{key}_hex\":\"");
        for b in path {
            let _ = write!(out, "{b:02x}");
        }
        out.push(b'"');
    }
}

/// Seconds with microseconds, as `-c` shows them: `0.003005`.
fn seconds(ns: u128) -> String {
    let us = ns / 1000;
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// Writes a table: header, rule, rows, rule, total. Every column but the
/// last is padded to its widest cell (a byte count: cells are ASCII but for
/// the last column, which is not padded).
fn write_table(
    cols: &[(&str, Align)],
    rows: &[Vec<Vec<u8>>],
    total: &[Vec<u8>],
    out: &mut Vec<u8>,
) {
    let n = cols.len();
    let mut width: Vec<usize> = cols.iter().map(|c| c.0.len()).collect();
    for row in rows.iter().map(Vec::as_slice).chain(std::iter::once(total)) {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    // The last column is not padded; its rule is 16 wide, as -c's.
    width[n - 1] = cols[n - 1].0.len().max(16);
    let line = |cells: &mut dyn Iterator<Item = &[u8]>, out: &mut Vec<u8>| {
        for (i, cell) in cells.enumerate().take(n) {
            if i > 0 {
                out.push(b' ');
            }
            let pad = width[i].saturating_sub(cell.len());
            if i == n - 1 {
                out.extend_from_slice(cell);
                break;
            }
            if cols[i].1 == Align::Right {
                out.resize(out.len() + pad, b' ');
            }
            out.extend_from_slice(cell);
            if cols[i].1 == Align::Left {
                out.resize(out.len() + pad, b' ');
            }
        }
        // No trailing blanks when the last cells are empty.
        while out.last() == Some(&b' ') {
            out.pop();
        }
        out.push(b'\n');
    };
    line(&mut cols.iter().map(|c| c.0.as_bytes()), out);
    let mut rule = Vec::new();
    for (i, w) in width.iter().enumerate() {
        if i > 0 {
            rule.push(b' ');
        }
        rule.resize(rule.len() + w, b'-');
    }
    rule.push(b'\n');
    out.extend_from_slice(&rule);
    for row in rows {
        line(&mut row.iter().map(|c| c.as_slice()), out);
    }
    out.extend_from_slice(&rule);
    line(&mut total.iter().map(|c| c.as_slice()), out);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::record::tests::{record, sample};
    use crate::record::{Arg, FdPath};

    pub fn arg(name: &'static str, value: Value) -> Arg {
        Arg {
            name,
            value,
            output: false,
            updated: false,
        }
    }

    pub fn bytes(data: &[u8]) -> Value {
        Value::Bytes {
            data: data.to_vec(),
            truncated: false,
        }
    }

    pub fn fd(n: i64, path: &[u8]) -> Value {
        Value::WithPath(Box::new(Value::Int(n)), FdPath::new(path, false))
    }

    pub fn table(v: &View) -> String {
        let mut out = Vec::new();
        v.table(&mut out);
        assert_eq!(out.last(), Some(&b'\n'));
        String::from_utf8(out).unwrap()
    }

    pub fn json(v: &View) -> serde_json::Value {
        let mut out = Vec::new();
        v.json(&mut out);
        assert_eq!(out.last(), Some(&b'\n'));
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn kinds_parse_and_name_themselves() {
        for k in ViewKind::ALL {
            assert_eq!(k.name().parse::<ViewKind>(), Ok(k));
            assert_eq!(View::new(k).kind(), k);
            assert_eq!(json(&View::new(k))["view"], k.name());
        }
        let e = "top".parse::<ViewKind>().unwrap_err();
        assert!(e.contains("topfiles, topprocs, errors"), "{e}");
    }

    #[test]
    fn paths_from_fd_result_and_name() {
        // -y on the descriptor.
        let mut r = sample();
        r.args[0].value = fd(3, b"/etc/hosts");
        assert_eq!(path_of(&r).as_deref(), Some(&b"/etc/hosts"[..]));
        // Without -y: none.
        assert_eq!(path_of(&sample()), None);
        // A socket's descriptor, and sendfile's out_fd (not in_fd).
        let r = record(
            "sendto",
            vec![arg("sockfd", fd(4, b"socket:[7]"))].into(),
            5,
        );
        assert_eq!(path_of(&r).as_deref(), Some(&b"socket:[7]"[..]));
        let r = record(
            "sendfile",
            vec![
                arg("out_fd", fd(1, b"/dev/pts/0")),
                arg("in_fd", fd(3, b"/x")),
            ]
            .into(),
            5,
        );
        assert_eq!(path_of(&r).as_deref(), Some(&b"/dev/pts/0"[..]));
        // The returned descriptor wins over the name given.
        let mut r = record(
            "openat",
            vec![
                arg("dirfd", Value::Sym("AT_FDCWD".into())),
                arg("pathname", bytes(b"h")),
            ]
            .into(),
            3,
        );
        assert_eq!(path_of(&r).as_deref(), Some(&b"h"[..]));
        r.res_path = Some(FdPath::new(b"/etc/h", true));
        assert_eq!(path_of(&r).as_deref(), Some(&b"/etc/h (deleted)"[..]));
        // A relative name joined to its directory's -y path.
        let r = record(
            "newfstatat",
            vec![
                arg(
                    "dirfd",
                    Value::WithPath(
                        Box::new(Value::Sym("AT_FDCWD".into())),
                        FdPath::new(b"/home/u", false),
                    ),
                ),
                arg("pathname", bytes(b"f")),
            ]
            .into(),
            -2,
        );
        assert_eq!(path_of(&r).as_deref(), Some(&b"/home/u/f"[..]));
        let r = record(
            "statx",
            vec![arg("dirfd", fd(5, b"/")), arg("pathname", bytes(b"/abs"))].into(),
            0,
        );
        assert_eq!(path_of(&r).as_deref(), Some(&b"/abs"[..]));
        let r = record(
            "statx",
            vec![arg("dirfd", fd(5, b"/")), arg("pathname", bytes(b"a"))].into(),
            0,
        );
        assert_eq!(path_of(&r).as_deref(), Some(&b"/a"[..]));
        // filename and path; a name that could not be read is none.
        let r = record("acct", vec![arg("filename", bytes(b"/acct"))].into(), 0);
        assert_eq!(path_of(&r).as_deref(), Some(&b"/acct"[..]));
        let r = record("truncate", vec![arg("path", bytes(b"/t"))].into(), 0);
        assert_eq!(path_of(&r).as_deref(), Some(&b"/t"[..]));
        let r = record(
            "stat",
            vec![arg("pathname", Value::Fault { addr: 1, errno: 14 })].into(),
            -14,
        );
        assert_eq!(path_of(&r), None);
    }

    #[test]
    fn escapes_for_tables_and_json() {
        let mut v = Vec::new();
        escape(b"/a b\\\n\"caf\xc3\xa9\xff\x01\xe9", &mut v);
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "/a b\\\\\\n\"caf\u{e9}\\xff\\x01\\xe9"
        );
        let mut v = Vec::new();
        escape("\u{85}".as_bytes(), &mut v);
        assert_eq!(v, b"\\u{85}");
        let mut v = b"{".to_vec();
        json_path("path", b"/x\xff\n", &mut v);
        v.push(b'}');
        let j: serde_json::Value = serde_json::from_slice(&v).unwrap();
        assert_eq!(j["path"], "/x\u{fffd}\n");
        assert_eq!(j["path_hex"], "2f78ff0a");
        let mut v = b"{".to_vec();
        json_path("path", "/é\"".as_bytes(), &mut v);
        v.push(b'}');
        let j: serde_json::Value = serde_json::from_slice(&v).unwrap();
        assert_eq!(j, serde_json::json!({"path": "/é\""}));
    }

    /// Records of every shape go through every view without a panic, and
    /// every output is valid.
    #[test]
    fn odd_records_in_every_view() {
        let mut odd = Vec::new();
        let mut r = sample();
        r.res = None;
        r.dur_ns = None;
        odd.push(r);
        let mut r = sample();
        r.res = Some(i64::MAX);
        r.dur_ns = Some(u64::MAX);
        r.args[0].value = fd(3, b"/big");
        odd.push(r.clone());
        odd.push(r);
        let mut r = record("exit_group", Default::default(), -2);
        r.res_kind = crate::record::ResKind::Never;
        odd.push(r);
        odd.push(record("read", Default::default(), i64::MIN));
        let mut r = record("write", vec![arg("fd", fd(1, b""))].into(), -4095);
        r.interrupted = true;
        r.comm = crate::record::Comm::new(b"\xff\n\x00");
        odd.push(r);
        for k in ViewKind::ALL {
            let mut v = View::new(k);
            for r in &odd {
                v.add(r);
            }
            table(&v);
            json(&v);
        }
    }
}
