//! `my-sysdig read FILE`: replays a capture through the same pipeline as a
//! live run (`pipeline::Output`), so that the same display options give the
//! same bytes; selects among the captured records (`--only`, `--pid`,
//! `--comm`, `--filter`); `--info` describes the capture; `--view` runs an
//! analysis; `-w` writes the kept records as a new capture.

mod info;

use crate::arch::{self, SyscallTable};
use crate::capture::{Entry, Header, Reader};
use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::pipeline::{self, Display, files};
use crate::record::{Comm, Record};
use crate::select;
use std::collections::{BTreeSet, HashMap};
use std::io::{BufReader, Read};
use std::path::PathBuf;

/// The `read` subcommand's settings.
pub struct ReadConfig {
    /// The capture; `-` for standard input.
    pub input: PathBuf,
    /// `--only`, `--pid`, `--comm`, `--filter`.
    pub select: crate::select::Selecting,
    pub display: Display,
    /// `--info`: describe the capture instead of replaying it.
    pub info: bool,
    /// `-w FILE`: the kept records as a new capture.
    pub subset: Option<PathBuf>,
}

/// Which captured records are kept (`--only`, `--pid`, `--comm`).
struct Select {
    /// Names kept by `--only` (all when `None`).
    names: Option<BTreeSet<String>>,
    pid: Option<i32>,
    comm: Option<Comm>,
}

impl Select {
    fn keeps(&self, r: &Record) -> bool {
        self.names.as_ref().is_none_or(|n| n.contains(r.name))
            && self.pid.is_none_or(|p| p == r.pid)
            && self.comm.is_none_or(|c| c == r.comm)
    }
}

/// Replays (or describes) the capture; returns the exit code.
pub fn run(cfg: ReadConfig) -> Result<i32> {
    let filter = match cfg.select.filter.as_deref() {
        Some(e) => Some(Filter::parse(e).map_err(|e| Error::usage(e.to_string()))?),
        None => None,
    };
    let comm = match cfg.select.comm.as_deref() {
        Some("") => return Err(Error::usage("--comm: empty name")),
        Some(c) => Some(Comm::new(c.as_bytes())),
        None => None,
    };
    let name = cfg.input.display().to_string();
    let input: Box<dyn Read> = if cfg.input.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(&cfg.input)
                .map_err(|e| Error::fail(format!("cannot open capture {name}: {e}")))?,
        )
    };
    let mut reader = Reader::new(BufReader::with_capacity(1 << 16, input))
        .map_err(|e| Error::fail(format!("{name}: {e}")))?;
    let header = reader.header().clone();
    if cfg.info {
        return info::show(&name, &mut reader, &cfg.display);
    }
    let captured_paths = header.option("fd_paths") == Some("1");
    if cfg.display.fd_paths && !captured_paths {
        return Err(Error::usage(format!(
            "-y: {name} was captured without -y: it holds no descriptor paths"
        )));
    }
    if filter.as_ref().is_some_and(Filter::uses_fd_paths) && !captured_paths {
        return Err(Error::usage(format!(
            "--filter: fd.name needs descriptor paths, and {name} was captured without -y"
        )));
    }
    let names = only_names(cfg.select.only.as_deref(), &header)?;
    let select = Select {
        names,
        pid: cfg.select.pid,
        comm,
    };
    let subset = match &cfg.subset {
        Some(path) => Some((
            files::create_or_stdout(path, "capture")?,
            subset_header(&header, &cfg),
        )),
        None => None,
    };
    let (writer, out) = pipeline::start(
        &cfg.display,
        pipeline::Plan {
            default_out: files::stdout,
            filter,
            capture: subset,
            no_ret: header.option("no_ret") == Some("1"),
            // -y not asked: the lines leave out the paths a -y capture holds
            // (the filter, the views and a subset capture still have them).
            strip_paths: !cfg.display.fd_paths && captured_paths,
        },
    )?;
    // Events (strace's signal and exit lines) name a thread only: its
    // process and name are those of its last record.
    let mut threads: HashMap<i32, (i32, Comm)> = HashMap::new();
    let threads_filtered = select.pid.is_some() || select.comm.is_some();
    let mut scratch = Vec::new();
    let mut exit = None;
    let mut complete = false;
    let mut failure = None;
    let sink = writer.sink();
    loop {
        // Every 4096 entries: stop early once nothing can be written.
        if reader.position().1 % 4096 == 0 && sink.failed() {
            break;
        }
        let entry = match reader.next_entry() {
            Ok(Some(e)) => e,
            Ok(None) => break,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        // By reference: a record is large, moving it out costs a copy.
        match &entry {
            Entry::Record { rec, live } => {
                if threads_filtered {
                    threads.insert(rec.tid, (rec.pid, rec.comm));
                }
                if !select.keeps(rec) {
                    continue;
                }
                out.record(rec, live_count(*live), &mut scratch);
            }
            Entry::Enter { rec, live } => {
                if threads_filtered {
                    threads.insert(rec.tid, (rec.pid, rec.comm));
                }
                if !select.keeps(rec) {
                    continue;
                }
                out.enter(rec, live_count(*live), &mut scratch);
            }
            Entry::Event {
                tid,
                ts_ns,
                live,
                text,
            } => {
                if threads_filtered {
                    let kept = threads.get(tid).is_some_and(|&(pid, c)| {
                        select.pid.is_none_or(|p| p == pid) && select.comm.is_none_or(|k| k == c)
                    });
                    if !kept {
                        continue;
                    }
                }
                out.event(*tid, *ts_ns, live_count(*live), text);
            }
            Entry::End(end) => {
                exit = end.exit;
                complete = true;
            }
        }
    }
    out.finish(exit);
    drop(out);
    let written = writer.finish();
    for (kind, n) in reader.skipped_kinds() {
        eprintln!("my-sysdig: {name}: skipped {n} entries of kind {kind}, unknown to this version");
    }
    if let Err(e) = written {
        // `read f | head`: the reader has what it wanted.
        if sink.broken_pipe() {
            return Ok(0);
        }
        return Err(Error::fail(e));
    }
    if let Some(e) = failure {
        return Err(Error::fail(format!("{name}: {e}")));
    }
    // Cut inside a frame, or between frames before the trailer (the tracer
    // was killed between two writes): either way the end is missing.
    let cut = reader
        .truncated()
        .or((!complete).then(|| reader.position()));
    if let Some((at, records)) = cut {
        eprintln!("my-sysdig: {name} truncated at byte {at} after {records} records");
    }
    Ok(0)
}

fn live_count(live: u64) -> usize {
    usize::try_from(live).unwrap_or(usize::MAX)
}

/// The names `--only` keeps, resolved with the capture's architecture's
/// tables; a name the capture's own `--only` left out is reported.
fn only_names(only: Option<&str>, header: &Header) -> Result<Option<BTreeSet<String>>> {
    let Some(list) = only else {
        return Ok(None);
    };
    let arch = arch::by_name(&header.arch).unwrap_or(arch::native());
    let table = SyscallTable::new(arch);
    let compat = arch.compat.map(SyscallTable::new);
    let names = |list: Option<&str>| -> Result<BTreeSet<String>> {
        let sel = select::parse_abis(list, &table, compat.as_ref())?;
        let mut names: BTreeSet<String> = sel
            .native
            .iter()
            .filter_map(|&nr| table.get(nr as u64).map(|s| s.name.to_string()))
            .collect();
        if let Some(c) = &compat {
            names.extend(
                sel.compat
                    .iter()
                    .filter_map(|&nr| c.get(nr as u64).map(|s| s.name.to_string())),
            );
        }
        Ok(names)
    };
    let wanted = names(Some(list))?;
    if let Some(captured) = header.option("only") {
        // A capture from a newer build may name calls this one does not know.
        if let Ok(captured) = names(Some(captured)) {
            let missing: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|w| !w.starts_with(['!', '%']) && !captured.contains(*w))
                .collect();
            if !missing.is_empty() {
                eprintln!(
                    "my-sysdig: --only: not in the capture, which traced only {}: {}",
                    header.option("only").unwrap_or(""),
                    missing.join(",")
                );
            }
        }
    }
    Ok(Some(wanted))
}

/// The header of a capture made of another's records: the same run, with
/// what selected them.
fn subset_header(from: &Header, cfg: &ReadConfig) -> Header {
    let mut h = from.clone();
    let mut selected = Vec::new();
    if let Some(o) = &cfg.select.only {
        selected.push(format!("--only {o}"));
    }
    if let Some(p) = cfg.select.pid {
        selected.push(format!("--pid {p}"));
    }
    if let Some(c) = &cfg.select.comm {
        selected.push(format!("--comm {c}"));
    }
    if let Some(f) = &cfg.select.filter {
        selected.push(format!("--filter {f}"));
    }
    if !selected.is_empty() {
        h.options.push(("selected".into(), selected.join(" ")));
    }
    h
}
