//! strace's line form: `[pid  4242] read(3, "127.0.0.1 l\n", 4096) = 12`.
//!
//! A record is formatted outside the sink's lock into its parts (`body`):
//! `name(` and the arguments strace prints at entry, then those it prints at
//! exit (from the first output argument on, as strace's decoders do) and
//! `)`, then the result. The `Framer`, kept under the sink's lock, lays the
//! parts out as `strace -f` does:
//! - the pid prefix: with `-o FILE`, the tid padded to 5 columns on every
//!   line (`strace -f -o`); on stderr, `[pid  4242] ` once more than one
//!   thread is traced;
//! - `-t`/`-tt`/`-ttt` timestamps after the prefix;
//! - the result at column 40 (at least one space before `=`), then `-T`'s
//!   ` <0.000123>`;
//! - a call whose entry was shown (`enter`) keeps its line open; anything
//!   else written meanwhile ends it with ` <unfinished ...>`, and its
//!   completion is then shown as `<... read resumed>` and the rest.

use super::decor::{self, Timestamps};
use super::{Record, ResKind, Value, errno_name, error_of};
use std::collections::HashSet;
use std::io::Write;

/// Column of the `=` before results.
const RESULT_COLUMN: usize = 40;

/// Where the parts of a formatted body end: `[..entry]` is `name(` and the
/// entry arguments, `[entry..close]` the exit arguments and `)`,
/// `[close..]` the result (`= 12`, with `-T` its duration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub entry: usize,
    pub close: usize,
}

/// strace's words for the kernel's restart codes.
fn restart_reason(e: i64) -> Option<&'static str> {
    Some(match e {
        512 => "To be restarted if SA_RESTART is set",
        513 => "To be restarted",
        514 => "To be restarted if no handler",
        516 => "Interrupted by signal",
        _ => return None,
    })
}

/// glibc's `strerror` texts (which strace prints) where they differ from the
/// kernel comments the `syscalls` crate describes errnos with.
const GLIBC_ERRNO_TEXT: &[(i64, &str)] = &[
    (5, "Input/output error"),
    (9, "Bad file descriptor"),
    (11, "Resource temporarily unavailable"),
    (12, "Cannot allocate memory"),
    (18, "Invalid cross-device link"),
    (23, "Too many open files in system"),
    (25, "Inappropriate ioctl for device"),
    (33, "Numerical argument out of domain"),
    (34, "Numerical result out of range"),
    (35, "Resource deadlock avoided"),
    (37, "No locks available"),
    (38, "Function not implemented"),
    (40, "Too many levels of symbolic links"),
    (74, "Bad message"),
    (84, "Invalid or incomplete multibyte or wide character"),
    (95, "Operation not supported"),
    (102, "Network dropped connection on reset"),
    (122, "Disk quota exceeded"),
    (125, "Operation canceled"),
];

/// The text strace shows after an errno name.
fn errno_text(e: i64) -> std::borrow::Cow<'static, str> {
    if let Some((_, t)) = GLIBC_ERRNO_TEXT.iter().find(|(n, _)| *n == e) {
        return (*t).into();
    }
    match syscalls::Errno::new(e as i32).description() {
        Some(d) => d.into(),
        None => format!("Unknown error {e}").into(),
    }
}

/// Calls whose arguments strace prints as `name=value`
/// (`clone(child_stack=NULL, flags=...)`); their rows use strace's names.
const NAMED_ARGS: &[&str] = &["clone"];

/// Appends the body of `r` to `out` (which the split's offsets are relative
/// to: pass it empty).
pub fn body(r: &Record, durations: bool, out: &mut Vec<u8>) -> Split {
    let base = out.len();
    out.extend_from_slice(r.name.as_bytes());
    out.push(b'(');
    // Arguments from the first output (or in/out) one on are printed at exit.
    let first_out = r
        .args
        .iter()
        .position(|a| a.output || a.updated)
        .unwrap_or(r.args.len());
    // Raw registers of an interrupted call are not the named fields.
    let named = NAMED_ARGS.contains(&r.name) && !r.interrupted;
    let mut entry = None;
    for (i, a) in r.args.iter().enumerate() {
        if i == first_out {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            entry = Some(out.len() - base);
        } else if i > 0 {
            out.extend_from_slice(b", ");
        }
        if named {
            out.extend_from_slice(a.name.as_bytes());
            out.push(b'=');
        }
        value(&a.value, out);
    }
    let entry = entry.unwrap_or(out.len() - base);
    out.push(b')');
    let close = out.len() - base;
    result(r, out);
    if durations && r.res.is_some() && r.res_kind != ResKind::Never {
        if let Some(d) = r.dur_ns {
            decor::duration(d, out);
        }
    }
    Split { entry, close }
}

/// `= 12`, `= -1 ENOENT (No such file or directory)`, `= ?`.
fn result(r: &Record, out: &mut Vec<u8>) {
    let _ = match (r.res, r.res_kind) {
        (_, ResKind::Never) | (None, _) => write!(out, "= ?"),
        (Some(res), kind) => match error_of(res) {
            Some(e) => {
                let name = errno_name(e);
                if e >= 512 {
                    match restart_reason(e) {
                        Some(why) => write!(out, "= ? {name} ({why})"),
                        None => write!(out, "= ? {name}"),
                    }
                } else {
                    write!(out, "= -1 {name} ({})", errno_text(e))
                }
            }
            // C's `%#lx`: a zero has no `0x`.
            None if kind == ResKind::Hex && res != 0 => write!(out, "= {res:#x}"),
            None => write!(out, "= {res}"),
        },
    };
    if let Some(p) = &r.res_path {
        p.write_strace(out);
    }
    if let (Some(d), Some(_)) = (&r.res_decoded, r.res) {
        decoration(d, value, out);
    }
    // Memory read after the call (attach without --stop): strace has no
    // such case; a comment, as strace writes its own notes.
    if r.late {
        out.extend_from_slice(b" /* late */");
    }
}

/// ` (flags O_RDWR)`: what is known of the result, after it (text and
/// strace formats); a `Sym` as is, anything else as `show` shows values.
pub(super) fn decoration(d: &Value, show: fn(&Value, &mut Vec<u8>), out: &mut Vec<u8>) {
    out.extend_from_slice(b" (");
    match d {
        Value::Sym(s) => out.extend_from_slice(s.as_bytes()),
        v => show(v, out),
    }
    out.push(b')');
}

/// Spaces after `)` at column `col`, up to the result column.
fn pad(col: usize, out: &mut Vec<u8>) {
    let n = RESULT_COLUMN.saturating_sub(col).max(1);
    out.resize(out.len() + n, b' ');
}

/// A whole line without framing state: `[pid  4243] read(...) = 12`.
pub fn format(r: &Record, out: &mut Vec<u8>) {
    let start = out.len();
    let _ = write!(out, "[pid {:>5}] ", r.tid);
    let prefix = out.len() - start;
    let mut b = Vec::new();
    let split = body(r, false, &mut b);
    out.extend_from_slice(&b[..split.close]);
    pad(prefix + split.close, out);
    out.extend_from_slice(&b[split.close..]);
    out.push(b'\n');
}

/// How lines start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PidStyle {
    /// `[pid  4242] ` when more than one thread is traced (`strace -f`).
    #[default]
    Bracket,
    /// `4242  ` on every line (`strace -f -o FILE`).
    Column,
}

/// strace's output state: the line left open by a call's entry, and the
/// threads whose entry was cut (`<unfinished ...>`) and not yet resumed.
#[derive(Debug, Default)]
pub struct Framer {
    style: PidStyle,
    timestamps: Timestamps,
    /// Thread whose entry ends the output, and the column reached.
    open: Option<(i32, usize)>,
    cut: HashSet<i32>,
}

impl Framer {
    pub fn new(style: PidStyle, timestamps: Timestamps) -> Self {
        Framer {
            style,
            timestamps,
            ..Default::default()
        }
    }

    /// Ends the open line, if any, as strace does when something else is
    /// written: ` <unfinished ...>`.
    pub fn interrupt(&mut self, out: &mut Vec<u8>) {
        if let Some((tid, _)) = self.open.take() {
            out.extend_from_slice(b" <unfinished ...>\n");
            self.cut.insert(tid);
        }
    }

    /// Writes the pid prefix and timestamp; returns their width. `live` is
    /// the number of traced threads.
    fn prefix(&self, tid: i32, ts_ns: u64, live: usize, out: &mut Vec<u8>) -> usize {
        let start = out.len();
        let _ = match self.style {
            PidStyle::Column => write!(out, "{tid:<5} "),
            PidStyle::Bracket if live > 1 => write!(out, "[pid {tid:>5}] "),
            PidStyle::Bracket => Ok(()),
        };
        decor::timestamp(self.timestamps, ts_ns, out);
        out.len() - start
    }

    /// A call entered and waits for its exit: show its entry part (`entry`
    /// from `body`), leaving the line open.
    pub fn enter(&mut self, tid: i32, ts_ns: u64, live: usize, entry: &[u8], out: &mut Vec<u8>) {
        self.interrupt(out);
        let col = self.prefix(tid, ts_ns, live, out);
        out.extend_from_slice(entry);
        self.open = Some((tid, col + entry.len()));
    }

    /// A call completed (`body` and `split` from [`body`]): the rest of its
    /// open line, a `<... name resumed>` line, or a whole line.
    pub fn complete(
        &mut self,
        r: &Record,
        live: usize,
        body: &[u8],
        split: Split,
        out: &mut Vec<u8>,
    ) {
        let (entry, close) = (split.entry, split.close);
        // The call's thread died (or exec'd away) inside it: what would have
        // been printed at exit is not known.
        let rest: &[u8] = if r.res.is_none() && r.res_kind != ResKind::Never && close - entry > 1 {
            b" <unfinished ...>)"
        } else {
            &body[entry..close]
        };
        let col = match self.open {
            Some((tid, col)) if tid == r.tid => {
                self.open = None;
                out.extend_from_slice(rest);
                col + rest.len()
            }
            _ => {
                self.interrupt(out);
                if self.cut.remove(&r.tid) {
                    let end_ns = r.ts_ns.saturating_add(r.dur_ns.unwrap_or(0));
                    let start = out.len();
                    self.prefix(r.tid, end_ns, live, out);
                    let _ = write!(out, "<... {} resumed>", r.name);
                    out.extend_from_slice(rest);
                    out.len() - start
                } else {
                    let col = self.prefix(r.tid, r.ts_ns, live, out);
                    out.extend_from_slice(&body[..close]);
                    col + close
                }
            }
        };
        pad(col, out);
        out.extend_from_slice(&body[close..]);
        out.push(b'\n');
    }

    /// A line about a thread rather than a call (`+++ exited with 0 +++`,
    /// `--- SIGCHLD {...} ---`), at `ts_ns`.
    pub fn event(&mut self, tid: i32, ts_ns: u64, live: usize, text: &[u8], out: &mut Vec<u8>) {
        self.interrupt(out);
        self.prefix(tid, ts_ns, live, out);
        out.extend_from_slice(text);
        out.push(b'\n');
    }
}

pub(crate) fn value(v: &Value, out: &mut Vec<u8>) {
    if super::write_composite(v, out, value) {
        return;
    }
    let _ = match v {
        Value::Bytes { data, truncated } => {
            quote(data, false, out);
            if *truncated {
                out.extend_from_slice(b"...");
            }
            Ok(())
        }
        Value::HexBytes { data, truncated } => {
            quote(data, true, out);
            if *truncated {
                out.extend_from_slice(b"...");
            }
            Ok(())
        }
        // C's `%#x`: zero has no prefix.
        Value::Hex(0) => write!(out, "0"),
        // strace's `%#03o`.
        Value::Mode(0) => write!(out, "000"),
        Value::Mode(m) if *m < 8 => write!(out, "00{m:o}"),
        Value::Fault { addr, .. } => write!(out, "{addr:#x}"),
        Value::Counted { addr, n, unit } => write!(out, "{addr:#x} /* {n} {unit} */"),
        Value::Clock(0) => write!(out, "0"),
        // At USER_HZ (100) ticks a second, as sysconf(_SC_CLK_TCK) tells strace.
        Value::Clock(n) => write!(out, "{n} /* {}.{:02} s */", n / 100, n % 100),
        Value::Call(f, inner) => {
            let _ = write!(out, "{f}(");
            value(inner, out);
            out.push(b')');
            Ok(())
        }
        other => {
            super::text::value(other, out);
            Ok(())
        }
    };
}

/// A quoted string as strace prints it: C escapes for `"\\\f\n\r\t\v`,
/// printable ASCII as is, other bytes in octal (three digits when an octal
/// digit follows, else as few as needed); with `hex`, every byte as `\xNN`.
fn quote(data: &[u8], hex: bool, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for (i, &c) in data.iter().enumerate() {
        if hex {
            out.extend_from_slice(&[b'\\', b'x', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
            continue;
        }
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x0b => out.extend_from_slice(b"\\v"),
            0x20..=0x7e => out.push(c),
            _ => {
                out.push(b'\\');
                let next_is_octal = matches!(data.get(i + 1), Some(b'0'..=b'7'));
                if next_is_octal || c >> 6 != 0 {
                    out.push(b'0' + (c >> 6));
                }
                if next_is_octal || c >> 3 != 0 {
                    out.push(b'0' + ((c >> 3) & 7));
                }
                out.push(b'0' + (c & 7));
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::super::*;
    use super::{Framer, PidStyle, body};
    use crate::record::decor::Timestamps;

    fn line(r: &Record) -> String {
        let mut v = Vec::new();
        r.format(Format::Strace, &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn read_like_strace() {
        let mut r = sample();
        assert_eq!(
            line(&r),
            "[pid  4243] read(3, \"127.0.0.1 l\\n\", 4096) = 12\n"
        );
        r.res = Some(-2);
        assert!(line(&r).ends_with(") = -1 ENOENT (No such file or directory)\n"));
        r.res = Some(-512);
        assert!(line(&r).ends_with(") = ? ERESTARTSYS (To be restarted if SA_RESTART is set)\n"));
    }

    /// strace prints glibc's messages.
    #[cfg(target_env = "gnu")]
    #[test]
    fn errno_texts_are_glibcs() {
        for e in 1..134 {
            // SAFETY: strerror returns a valid C string (this test runs alone in its thread).
            let glibc = unsafe { std::ffi::CStr::from_ptr(libc::strerror(e)) };
            assert_eq!(
                super::errno_text(e as i64),
                glibc.to_string_lossy(),
                "errno {e}"
            );
        }
    }

    #[test]
    fn result_at_column_40() {
        let mut r = sample();
        r.name = "close";
        r.args.truncate(1);
        r.res = Some(0);
        // `[pid  4243] close(3)` ends at column 20.
        assert_eq!(
            line(&r),
            format!("[pid  4243] close(3){}= 0\n", " ".repeat(20))
        );
        r.res_kind = ResKind::Never;
        r.name = "exit_group";
        assert_eq!(
            line(&r),
            format!("[pid  4243] exit_group(3){}= ?\n", " ".repeat(15))
        );
    }

    #[test]
    fn entry_and_exit_parts_split_at_the_first_output() {
        let mut b = Vec::new();
        let r = sample();
        let s = body(&r, true, &mut b);
        assert_eq!(&b[..s.entry], b"read(3, ");
        assert_eq!(&b[s.entry..s.close], b"\"127.0.0.1 l\\n\", 4096)");
        assert_eq!(&b[s.close..], b"= 12 <0.000002>");
        // No output argument: everything at entry.
        let mut r = sample();
        r.args[1].output = false;
        b.clear();
        let s = body(&r, false, &mut b);
        assert_eq!(&b[s.entry..s.close], b")");
        // The output first: nothing but `name(` at entry.
        let mut r = sample();
        r.args[0].output = true;
        b.clear();
        let s = body(&r, false, &mut b);
        assert_eq!(&b[..s.entry], b"read(");
    }

    /// Runs calls through a framer: (tid, Some(record) to complete, or None to enter).
    fn frame(style: PidStyle, live: usize, steps: &[(i32, bool)]) -> String {
        let mut f = Framer::new(style, Timestamps::Off);
        let mut out = Vec::new();
        for &(tid, done) in steps {
            let mut r = sample();
            r.tid = tid;
            let mut b = Vec::new();
            let s = body(&r, false, &mut b);
            if done {
                f.complete(&r, live, &b, s, &mut out);
            } else {
                f.enter(tid, r.ts_ns, live, &b[..s.entry], &mut out);
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn uninterrupted_entry_makes_one_line() {
        let call = "read(3, \"127.0.0.1 l\\n\", 4096)";
        assert_eq!(call.len(), 30);
        assert_eq!(
            frame(PidStyle::Bracket, 1, &[(7, false), (7, true)]),
            format!("{call}{}= 12\n", " ".repeat(10))
        );
        assert_eq!(
            frame(PidStyle::Column, 1, &[(7, false), (7, true)]),
            format!("7     {call}    = 12\n")
        );
    }

    #[test]
    fn interleaved_calls_are_unfinished_then_resumed() {
        let got = frame(
            PidStyle::Bracket,
            2,
            &[(7, false), (8, false), (8, true), (9, true), (7, true)],
        );
        assert_eq!(
            got,
            "[pid     7] read(3,  <unfinished ...>\n\
             [pid     8] read(3, \"127.0.0.1 l\\n\", 4096) = 12\n\
             [pid     9] read(3, \"127.0.0.1 l\\n\", 4096) = 12\n\
             [pid     7] <... read resumed>\"127.0.0.1 l\\n\", 4096) = 12\n"
        );
    }

    #[test]
    fn events_cut_open_lines_and_dead_calls_end_unfinished() {
        let mut f = Framer::new(PidStyle::Bracket, Timestamps::Off);
        let mut out = Vec::new();
        let mut r = sample();
        let mut b = Vec::new();
        let s = body(&r, false, &mut b);
        f.enter(r.tid, 0, 1, &b[..s.entry], &mut out);
        f.event(99, 0, 1, b"+++ exited with 0 +++", &mut out);
        // The thread died in the call: no result, no exit-time arguments.
        r.res = None;
        b.clear();
        let s = body(&r, false, &mut b);
        f.complete(&r, 1, &b, s, &mut out);
        f.enter(r.tid, 0, 1, &b[..s.entry], &mut out);
        f.complete(&r, 1, &b, s, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "read(3,  <unfinished ...>\n\
             +++ exited with 0 +++\n\
             <... read resumed> <unfinished ...>)    = ?\n\
             read(3,  <unfinished ...>)              = ?\n"
        );
    }
}
