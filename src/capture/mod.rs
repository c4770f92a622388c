//! The capture file: `my-sysdig exec -w FILE` writes one, `my-sysdig read
//! FILE` replays it. The byte layout is in `docs/capture-format.md`.
//!
//! A capture is a stream of zstd frames: frame 0 is a skippable frame with
//! the [`Header`], every other frame is an ordinary zstd frame holding whole
//! entries (see [`codec`]). Records are encoded on the tracing threads
//! ([`Interner::encode_record`]); frames are compressed and written by one
//! writer thread ([`FileWriter`]); [`Reader`] reads them back.

pub mod codec;
pub mod file;

pub use codec::{Interner, encode_end, encode_event};
pub use file::{FileWriter, Reader};

use crate::record::Record;

/// The format version this code writes, and the newest major it reads.
pub const VERSION: (u16, u16) = (1, 0);

/// The capture's first frame: what was traced, where, how.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Header {
    /// Format version (major, minor); [`FileWriter::create`] writes
    /// [`VERSION`] whatever this holds.
    pub version: (u16, u16),
    /// The traced machine's architecture, e.g. `x86_64`.
    pub arch: String,
    /// The kernel release (`uname -r`).
    pub kernel: String,
    /// The traced command.
    pub argv: Vec<Vec<u8>>,
    /// Wall clock at the start, ns since the epoch.
    pub start_ns: u64,
    pub snaplen: u64,
    /// Options the capture was made with, in order: `("format", "strace")`,
    /// `("no_ret", "1")`, `("fd_paths", "1")`, `("only", "read,write")`.
    pub options: Vec<(String, String)>,
}

/// What chose a capture's records and how they were shown, for its header
/// (the options every tracing subcommand records alike).
pub struct Run<'a> {
    /// What is traced (a command's argv, the processes attached to).
    pub argv: Vec<Vec<u8>>,
    pub snaplen: usize,
    /// The `--format` of the live run.
    pub format: &'a str,
    /// `-y`.
    pub fd_paths: bool,
    /// `--only`, `--pid`, `--comm`, `--filter`.
    pub select: &'a crate::select::Selecting,
    /// The subcommand's own options, after the common ones.
    pub extra: Vec<(String, String)>,
}

impl Header {
    /// The header of a capture of `run` that starts now, on this machine.
    pub fn starting_now(run: Run<'_>) -> Header {
        let mut options = vec![
            ("format".to_string(), run.format.to_string()),
            ("snaplen".to_string(), run.snaplen.to_string()),
        ];
        let mut add = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                options.push((k.to_string(), v));
            }
        };
        add("fd_paths", run.fd_paths.then(|| "1".to_string()));
        let sel = run.select;
        add("only", sel.only.clone());
        add("pid", sel.pid.map(|p| p.to_string()));
        add("comm", sel.comm.clone());
        add("filter", sel.filter.clone());
        options.extend(run.extra);
        Header {
            version: (0, 0),
            arch: crate::arch::native().name.to_string(),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|k| k.trim().to_string())
                .unwrap_or_default(),
            argv: run.argv,
            start_ns: crate::supervisor::realtime_ns(),
            snaplen: run.snaplen as u64,
            options,
        }
    }

    /// The value of option `key` (the last one, if given more than once).
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The trailer of a capture that finished cleanly.
#[derive(Clone, Debug, PartialEq)]
pub struct End {
    /// Records written.
    pub records: u64,
    /// How the traced command ended; `None` when unknown.
    pub exit: Option<Exit>,
}

/// How the traced command ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

/// One entry of a capture, as [`Reader::next_entry`] returns it.
// Records are most of the entries: boxing them would cost an allocation
// each for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// A syscall; `live` is the number of live traced threads when it was
    /// written (`u64::MAX`: unknown).
    Record { rec: Record, live: u64 },
    /// A call's entry was shown (the strace format's unfinished line).
    Enter { rec: Record, live: u64 },
    /// A strace-format line about a thread (`+++ exited with 0 +++`),
    /// without the pid prefix or the newline.
    Event {
        tid: i32,
        ts_ns: u64,
        live: u64,
        text: Vec<u8>,
    },
    /// The trailer of a clean finish.
    End(End),
}

/// Why a capture cannot be read (further).
#[derive(Debug)]
pub enum CaptureError {
    /// The input does not start with a capture header.
    NotACapture,
    /// The capture's major version is newer than this code reads.
    NewerVersion {
        major: u16,
        minor: u16,
    },
    /// The frame starting at byte `offset` is damaged.
    Corrupt {
        offset: u64,
        why: String,
    },
    Io(std::io::Error),
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaptureError::NotACapture => write!(f, "not a my-sysdig capture (no header)"),
            CaptureError::NewerVersion { major, minor } => write!(
                f,
                "capture format {major}.{minor} is newer than this my-sysdig reads ({}.x)",
                VERSION.0
            ),
            CaptureError::Corrupt { offset, why } => write!(f, "corrupt at byte {offset}: {why}"),
            CaptureError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaptureError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for CaptureError {
    fn from(e: std::io::Error) -> Self {
        CaptureError::Io(e)
    }
}

#[cfg(test)]
mod tests;
