//! The record pipeline that `exec` and `read` share: a source hands it
//! records and strace's event lines (the live supervisor, or a capture being
//! replayed); it applies `--filter`, counts for `-c` and `--view`, formats
//! the lines, encodes the capture entries (`-w`), and pushes both to the
//! sink under one lock, so the text output and the capture keep one order.
//! Replaying a capture through the same stage with the same options gives
//! the same bytes as the live run.

pub mod files;

use crate::capture::{self, Interner};
use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::record::decor::{self, Decor};
use crate::record::strace::{self, Framer, PidStyle};
use crate::record::summary::{Summary, SummaryMode};
use crate::record::writer::{CaptureOut, Push, Sink, Writer};
use crate::record::{Format, Record, Value};
use crate::view::{View, ViewKind};
use parking_lot::Mutex;
use std::cell::RefCell;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The display options `exec` and `read` share: where lines go and how
/// they look.
#[derive(Clone, Debug)]
pub struct Display {
    /// `-o FILE`; without it, the subcommand's own stream.
    pub output: Option<PathBuf>,
    pub format: Format,
    /// `-t`/`-tt`/`-ttt`, `-T`.
    pub decor: Decor,
    /// `-c` / `-C`.
    pub summary: SummaryMode,
    /// `-y`: descriptors with what they refer to.
    pub fd_paths: bool,
    /// `--view`: an analysis at the end instead of the records.
    pub view: Option<ViewKind>,
}

/// The options every tracing subcommand checks alike (`exec`, `attach`,
/// `agent`): `-s`, `--comm`, `--filter` (and `-y` for `fd.name`). A bad
/// one is a usage error, before anything is started.
pub fn checked_selection(
    snaplen: usize,
    select: &crate::select::Selecting,
    fd_paths: bool,
) -> Result<(Option<crate::record::Comm>, Option<Filter>)> {
    let (comm, filter) = (select.comm.as_deref(), select.filter.as_deref());
    let max = crate::exec::MAX_SNAPLEN;
    if snaplen > max {
        return Err(Error::usage(format!("--snaplen: at most {max} bytes")));
    }
    let comm = match comm {
        Some("") => return Err(Error::usage("--comm: empty name")),
        Some(c) => Some(crate::record::Comm::new(c.as_bytes())),
        None => None,
    };
    let filter = match filter {
        Some(e) => Some(Filter::parse(e).map_err(|e| Error::usage(e.to_string()))?),
        None => None,
    };
    if filter.as_ref().is_some_and(Filter::uses_fd_paths) && !fd_paths {
        return Err(Error::usage(
            "--filter: fd.name needs -y (descriptor paths are resolved only with it)",
        ));
    }
    Ok((comm, filter))
}

/// What `start` needs besides the display options.
pub struct Plan {
    /// The stream lines go to without `-o` (stderr for `exec`, stdout for `read`).
    pub default_out: fn() -> Result<File>,
    pub filter: Option<Filter>,
    /// `-w`: the capture file, opened, and its header.
    pub capture: Option<(File, capture::Header)>,
    pub no_ret: bool,
    /// The lines leave out descriptor paths the records hold (`read`
    /// without `-y` of a capture taken with it).
    pub strip_paths: bool,
}

/// Opens the outputs, writes the capture's header and starts the writer
/// thread: the sink and the stage in front of it.
pub fn start(d: &Display, p: Plan) -> Result<(Writer, Output)> {
    let text = match &d.output {
        Some(path) => files::create(path, "output")?,
        None => (p.default_out)()?,
    };
    let (capture, interner) = match p.capture {
        Some((file, header)) => {
            let file = capture::FileWriter::create(file, &header)
                .map_err(|e| Error::fail(format!("writing the capture header: {e}")))?;
            let interner = Arc::new(capture::Interner::new());
            (
                Some(CaptureOut {
                    file,
                    interner: interner.clone(),
                }),
                Some(interner),
            )
        }
        None => (None, None),
    };
    // With -w alone, the records go to the capture only.
    let lines = d.output.is_some() || capture.is_none();
    let writer = Writer::spawn(Some(text), capture)
        .map_err(|e| Error::fail(format!("starting the writer thread: {e}")))?;
    let out = Output::new(
        writer.sink(),
        Settings {
            format: d.format,
            decor: d.decor,
            summary: d.summary,
            lines,
            to_file: d.output.is_some(),
            no_ret: p.no_ret,
            strip_paths: p.strip_paths,
            filter: p.filter,
            view: d.view,
            capture: interner,
        },
    );
    Ok((writer, out))
}

/// How the stage is set up.
pub struct Settings {
    pub format: Format,
    /// `-t`/`-tt`/`-ttt` and `-T`.
    pub decor: Decor,
    /// `-c` / `-C`.
    pub summary: SummaryMode,
    /// Records are written as lines (there is a text output for them).
    pub lines: bool,
    /// Lines go to a file (`-o`): strace's `-o` pid column on every line.
    pub to_file: bool,
    /// `--no-ret`: the summary has no times or errors.
    pub no_ret: bool,
    /// The lines leave out descriptor paths (see `Plan::strip_paths`).
    pub strip_paths: bool,
    pub filter: Option<Filter>,
    /// `--view`: an analysis written at the end instead of the records.
    pub view: Option<ViewKind>,
    /// The capture's names, when there is a capture (`-w`).
    pub capture: Option<Arc<Interner>>,
}

/// The stage itself (see the module comment).
pub struct Output {
    sink: Arc<Sink>,
    format: Format,
    decor: Decor,
    lines: bool,
    /// strace's entry lines (`read(3, <unfinished ...>`): in the strace
    /// format without `--filter` (a filter sees a call once it completes).
    entries: bool,
    filter: Option<Filter>,
    summary: Option<Mutex<Summary>>,
    view: Option<Mutex<View>>,
    capture: Option<Arc<Interner>>,
    /// Records written to the capture, for its trailer.
    captured: AtomicU64,
    strip_paths: bool,
}

thread_local! {
    /// Each producing thread's buffer for encoded capture entries.
    static CAP: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Output {
    pub fn new(sink: Arc<Sink>, s: Settings) -> Output {
        let lines = s.lines && s.summary != SummaryMode::Only && s.view.is_none();
        if s.format == Format::Strace {
            let style = match s.to_file {
                true => PidStyle::Column,
                false => PidStyle::Bracket,
            };
            sink.set_framer(Framer::new(style, s.decor.timestamps));
        }
        Output {
            sink,
            format: s.format,
            decor: s.decor,
            lines,
            entries: s.format == Format::Strace && s.filter.is_none(),
            filter: s.filter,
            summary: (s.summary != SummaryMode::Off).then(|| Mutex::new(Summary::new(s.no_ret))),
            view: s.view.map(|k| Mutex::new(View::new(k))),
            capture: s.capture,
            captured: AtomicU64::new(0),
            strip_paths: s.strip_paths,
        }
    }

    /// Whether strace's lines about threads (signals, exits) are wanted:
    /// shown in the strace format, kept in a capture.
    pub fn wants_events(&self) -> bool {
        (self.lines && self.format == Format::Strace) || self.capture.is_some()
    }

    /// Whether entries of calls are wanted (`enter`).
    pub fn wants_entries(&self) -> bool {
        self.entries && (self.lines || self.capture.is_some())
    }

    /// A call that will be recorded at its exit has entered: the strace
    /// format shows its entry now (strace's open line, `<unfinished ...>`
    /// if another line comes first). `live` is the number of traced threads.
    pub fn enter(&self, rec: &Record, live: usize, scratch: &mut Vec<u8>) {
        if !self.wants_entries() {
            return;
        }
        scratch.clear();
        if self.lines {
            let shown = self.shown(rec);
            let split = strace::body(&shown, false, scratch);
            scratch.truncate(split.entry);
        }
        CAP.with_borrow_mut(|cap| {
            cap.clear();
            if let Some(names) = &self.capture {
                names.encode_enter(rec, live as u64, cap);
            }
            if !self.lines && cap.is_empty() {
                return;
            }
            let lines = self.lines;
            let kind = Push::Enter { tid: rec.tid, live };
            self.sink.push_kind(kind, |f, out, c| {
                if lines {
                    f.enter(rec.tid, rec.ts_ns, live, scratch, out);
                }
                c.extend_from_slice(cap);
            });
        });
    }

    /// A completed call (or one that never returns).
    pub fn record(&self, rec: &Record, live: usize, scratch: &mut Vec<u8>) {
        if self.filter.as_ref().is_some_and(|f| !f.matches(rec)) {
            return;
        }
        if let Some(s) = &self.summary {
            s.lock().add(rec);
        }
        if let Some(v) = &self.view {
            v.lock().add(rec);
        }
        scratch.clear();
        let mut split = None;
        let shown = self.shown(rec);
        if self.lines {
            let rec = &*shown;
            let decor = self.decor;
            match self.format {
                Format::Strace => split = Some(strace::body(rec, decor.durations, scratch)),
                Format::Text => {
                    decor::timestamp(decor.timestamps, rec.ts_ns, scratch);
                    rec.format(Format::Text, scratch);
                    if let (true, Some(d), Some(_)) = (decor.durations, rec.dur_ns, rec.res) {
                        scratch.pop();
                        decor::duration(d, scratch);
                        scratch.push(b'\n');
                    }
                }
                Format::Json => rec.format(Format::Json, scratch),
            }
        }
        CAP.with_borrow_mut(|cap| {
            cap.clear();
            if let Some(names) = &self.capture {
                names.encode_record(rec, live as u64, cap);
                self.captured.fetch_add(1, Ordering::Relaxed);
            }
            if !self.lines && cap.is_empty() {
                return;
            }
            let lines = self.lines;
            let body = &scratch[..];
            let kind = Push::Record { tid: rec.tid, live };
            self.sink.push_kind(kind, |f, out, c| {
                match split {
                    Some(split) => f.complete(&shown, live, body, split, out),
                    None if lines => {
                        f.interrupt(out);
                        out.extend_from_slice(body);
                    }
                    None => {}
                }
                c.extend_from_slice(cap);
            });
        });
    }

    /// `rec` as its line shows it: without descriptor paths when asked.
    fn shown<'r>(&self, rec: &'r Record) -> std::borrow::Cow<'r, Record> {
        if !self.strip_paths {
            return std::borrow::Cow::Borrowed(rec);
        }
        let mut r = rec.clone();
        strip_paths(&mut r);
        std::borrow::Cow::Owned(r)
    }

    /// A line about thread `tid` rather than a call (`+++ exited with 0
    /// +++`), formatted by the caller without prefix or newline.
    pub fn event(&self, tid: i32, ts_ns: u64, live: usize, text: &[u8]) {
        let lines = self.lines && self.format == Format::Strace;
        CAP.with_borrow_mut(|cap| {
            cap.clear();
            if self.capture.is_some() {
                capture::encode_event(tid, ts_ns, live as u64, text, cap);
            }
            if !lines && cap.is_empty() {
                return;
            }
            self.sink.push_both(|f, out, c| {
                if lines {
                    f.event(tid, ts_ns, live, text, out);
                }
                c.extend_from_slice(cap);
            });
        });
    }

    /// After the last record: the `-c` table or the view, and what the
    /// capture's trailer says (records, the command's exit).
    pub fn finish(&self, exit: Option<capture::Exit>) {
        let mut out = Vec::new();
        if let Some(s) = &self.summary {
            match self.format {
                Format::Json => s.lock().json(&mut out),
                _ => s.lock().table(&mut out),
            }
        }
        if let Some(v) = &self.view {
            match self.format {
                Format::Json => v.lock().json(&mut out),
                _ => v.lock().table(&mut out),
            }
        }
        if !out.is_empty() {
            self.sink.push(&out);
        }
        if self.capture.is_some() {
            self.sink
                .count_captured(self.captured.load(Ordering::Relaxed));
            self.sink.set_exit(exit);
        }
    }
}

/// Leaves out what `-y` added to a record (the capture was taken with it,
/// the replay is asked without).
pub fn strip_paths(rec: &mut Record) {
    rec.res_path = None;
    for a in rec.args.iter_mut() {
        strip_value(&mut a.value);
    }
}

fn strip_value(v: &mut Value) {
    match v {
        Value::WithPath(inner, _) => {
            let mut inner = std::mem::replace(inner.as_mut(), Value::Int(0));
            strip_value(&mut inner);
            *v = inner;
        }
        Value::Array { items, .. } => items.iter_mut().for_each(strip_value),
        Value::Struct(fields) => fields.iter_mut().for_each(|(_, v)| strip_value(v)),
        Value::Changed(a, b) => {
            strip_value(a);
            strip_value(b);
        }
        Value::Call(_, inner) => strip_value(inner),
        _ => {}
    }
}
