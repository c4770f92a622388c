//! The record sink: the tracing loops append formatted lines (and, with
//! `-w`, encoded capture entries) to shared buffers; one writer thread moves
//! them to the outputs, compressing the capture there. The loops never block
//! on an output itself (it may be a pipe the tracee reads), only on a short
//! lock, so records cannot interleave or tear, and the text output and the
//! capture see the same order.

use super::strace::Framer;
use crate::capture::{self, FileWriter, Interner};
use parking_lot::{Condvar, Mutex, MutexGuard};
use std::fs::File;
use std::io::Write;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Wake the writer early when this much is buffered.
const WAKE_AT: usize = 64 * 1024;
/// Past this, producers wait for the writer (bounded memory).
const MAX_BUFFERED: usize = 256 * 1024 * 1024;
/// Longest a record waits in the buffer.
const FLUSH_EVERY: Duration = Duration::from_millis(20);

#[derive(Default)]
struct Inner {
    /// Formatted lines for the text output.
    buf: Vec<u8>,
    /// Encoded capture entries (`-w`).
    cap: Vec<u8>,
    /// The last entry in `cap` is the ENTER of this call (thread, live
    /// threads, where it starts), not yet followed by anything: if the
    /// call's RECORD comes next, the ENTER is dropped (see `Push`).
    cap_open: Option<(i32, usize, usize)>,
    closed: bool,
    error: Option<String>,
    /// The text output is a pipe whose reader has gone (`read | head`).
    broken_pipe: bool,
    /// The strace format's line state, kept with the buffer it describes.
    framer: Framer,
}

pub struct Sink {
    inner: Mutex<Inner>,
    more: Condvar,
    drained: Condvar,
    /// The capture's trailer: records written, the command's exit.
    end: Arc<Mutex<capture::End>>,
}

/// Handle that owns the writer thread.
pub struct Writer {
    sink: Arc<Sink>,
    thread: Option<JoinHandle<()>>,
}

/// What a push holds, for the capture's ENTER entries (`Sink::push_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Push {
    /// The ENTER of thread `tid`'s call, with `live` threads.
    Enter {
        tid: i32,
        live: usize,
    },
    /// A RECORD of thread `tid`'s call, with `live` threads.
    Record {
        tid: i32,
        live: usize,
    },
    Other,
}

/// Where the capture goes (`-w`): the file (its header already written),
/// and the names its entries refer to.
pub struct CaptureOut {
    pub file: FileWriter,
    pub interner: Arc<Interner>,
}

/// The writer thread's outputs.
struct Outputs {
    /// The text output's reader went away.
    broken_pipe: bool,
    text: Option<File>,
    capture: Option<CaptureOut>,
    /// The trailer written at the end of the capture.
    end: Arc<Mutex<capture::End>>,
}

impl Writer {
    /// Starts the writer thread for the text output `text` (none with `-w`
    /// alone) and the capture.
    pub fn spawn(text: Option<File>, capture: Option<CaptureOut>) -> std::io::Result<Writer> {
        let sink = Arc::new(Sink {
            inner: Mutex::new(Inner::default()),
            more: Condvar::new(),
            drained: Condvar::new(),
            end: Arc::new(Mutex::new(capture::End {
                records: 0,
                exit: None,
            })),
        });
        let s = sink.clone();
        let mut outs = Outputs {
            broken_pipe: false,
            text,
            capture,
            end: sink.end.clone(),
        };
        let thread = std::thread::Builder::new()
            .name("my-sysdig-out".into())
            .spawn(move || s.run(&mut outs))?;
        Ok(Writer {
            sink,
            thread: Some(thread),
        })
    }

    pub fn sink(&self) -> Arc<Sink> {
        self.sink.clone()
    }

    /// Writes out everything pushed so far and stops the thread. Returns the
    /// first write error, if any.
    pub fn finish(mut self) -> Result<(), String> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), String> {
        self.sink.inner.lock().closed = true;
        self.sink.more.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        match self.sink.inner.lock().error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

impl Sink {
    /// Appends one or more complete lines.
    pub fn push(&self, lines: &[u8]) {
        self.push_framed(|framer, buf| {
            framer.interrupt(buf);
            buf.extend_from_slice(lines);
        });
    }

    /// Sets how the strace format frames its lines (before any push).
    pub fn set_framer(&self, framer: Framer) {
        self.inner.lock().framer = framer;
    }

    /// Lets `f` append to the buffer with the strace framing state, under
    /// the lock: what it writes cannot interleave with other writers.
    pub fn push_framed(&self, f: impl FnOnce(&mut Framer, &mut Vec<u8>)) {
        self.push_both(|framer, text, _| f(framer, text));
    }

    /// As `push_framed`, with the capture's buffer too: a record's line
    /// and its capture entry go in under one lock, in one order.
    pub fn push_both(&self, f: impl FnOnce(&mut Framer, &mut Vec<u8>, &mut Vec<u8>)) {
        self.push_kind(Push::Other, f);
    }

    /// As `push_both`, saying what is pushed. A call's ENTER followed at
    /// once by its own RECORD (nothing else written between, the same
    /// number of live threads) says nothing the RECORD does not: strace's
    /// line for it is whole either way, so the ENTER is taken back. Only
    /// the entries of calls another line cut (`<unfinished ...>`) stay.
    pub fn push_kind(&self, kind: Push, f: impl FnOnce(&mut Framer, &mut Vec<u8>, &mut Vec<u8>)) {
        let Some(mut g) = self.lock_for_push() else {
            return; // output is gone; the error is reported at the end
        };
        let inner = &mut *g;
        let open = inner.cap_open.take();
        match kind {
            Push::Enter { tid, live } => inner.cap_open = Some((tid, live, inner.cap.len())),
            Push::Record { tid, live } => {
                if let Some((t, l, at)) = open {
                    // `at` is still in this buffer: the writer's swap clears
                    // `cap_open`.
                    if t == tid && l == live && at <= inner.cap.len() {
                        inner.cap.truncate(at);
                    }
                }
            }
            Push::Other => {}
        }
        f(&mut inner.framer, &mut inner.buf, &mut inner.cap);
        if inner.buf.len() + inner.cap.len() >= WAKE_AT {
            self.more.notify_one();
        }
    }

    /// Whether writing failed (nothing more will be written).
    pub fn failed(&self) -> bool {
        self.inner.lock().error.is_some()
    }

    /// Whether writing failed because the text output's reader went away
    /// (`my-sysdig read f | head`): not worth a message.
    pub fn broken_pipe(&self) -> bool {
        self.inner.lock().broken_pipe
    }

    /// Counts records written to the capture (its trailer says how many).
    pub fn count_captured(&self, n: u64) {
        self.end.lock().records += n;
    }

    /// The command's exit, for the capture's trailer.
    pub fn set_exit(&self, exit: Option<capture::Exit>) {
        self.end.lock().exit = exit;
    }

    /// The lock, once the buffer has room; `None` after a write error.
    fn lock_for_push(&self) -> Option<MutexGuard<'_, Inner>> {
        let mut g = self.inner.lock();
        while g.buf.len() + g.cap.len() > MAX_BUFFERED && !g.closed && g.error.is_none() {
            self.drained.wait(&mut g);
        }
        g.error.is_none().then_some(g)
    }

    fn run(&self, outs: &mut Outputs) {
        let mut spare = Vec::new();
        let mut spare_cap = Vec::new();
        let mut names = Vec::new();
        loop {
            let closed;
            {
                let mut g = self.inner.lock();
                if g.buf.is_empty() && g.cap.is_empty() && !g.closed {
                    self.more.wait_for(&mut g, FLUSH_EVERY);
                }
                std::mem::swap(&mut g.buf, &mut spare);
                std::mem::swap(&mut g.cap, &mut spare_cap);
                // The open ENTER (if any) leaves with this buffer.
                g.cap_open = None;
                closed = g.closed;
                self.drained.notify_all();
            }
            if let Err(e) = outs.write(&mut spare, &mut spare_cap, &mut names) {
                let mut g = self.inner.lock();
                g.error = Some(e);
                g.broken_pipe = outs.broken_pipe;
                self.drained.notify_all();
                return;
            }
            if closed {
                let g = self.inner.lock();
                if g.buf.is_empty() && g.cap.is_empty() {
                    drop(g);
                    if let Err(e) = outs.finish() {
                        self.inner.lock().error = Some(e);
                    }
                    return;
                }
            }
        }
    }
}

impl Outputs {
    /// Writes (and empties) what was taken from the buffers.
    fn write(
        &mut self,
        text: &mut Vec<u8>,
        cap: &mut Vec<u8>,
        names: &mut Vec<u8>,
    ) -> Result<(), String> {
        if !text.is_empty() {
            if let Some(out) = &mut self.text {
                if let Err(e) = out.write_all(text) {
                    self.broken_pipe = e.kind() == std::io::ErrorKind::BrokenPipe;
                    return Err(format!("writing records: {e}"));
                }
            }
            text.clear();
        }
        if let Some(c) = &mut self.capture {
            if !cap.is_empty() {
                // Names first: every id in `cap` was assigned before it was
                // pushed, so it is among these.
                names.clear();
                c.interner.take_new_names(names);
                c.file.append(names).map_err(capture_error)?;
                c.file.append(cap).map_err(capture_error)?;
            }
            c.file.flush_if_due().map_err(capture_error)?;
        }
        cap.clear();
        Ok(())
    }

    /// The capture's trailer and last frame; the text output flushed.
    fn finish(&mut self) -> Result<(), String> {
        if let Some(out) = &mut self.text {
            let _ = out.flush();
        }
        if let Some(c) = &mut self.capture {
            let mut end = Vec::new();
            capture::encode_end(&self.end.lock(), &mut end);
            c.file.append(&end).map_err(capture_error)?;
            c.file.flush().map_err(capture_error)?;
        }
        Ok(())
    }
}

fn capture_error(e: std::io::Error) -> String {
    format!("writing the capture: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn lines_from_many_threads_arrive_whole() {
        let path = std::env::temp_dir().join(format!("my-sysdig-writer-{}", std::process::id()));
        let w = Writer::spawn(Some(File::create(&path).unwrap()), None).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let s = w.sink();
                std::thread::spawn(move || {
                    for i in 0..5000 {
                        s.push(format!("thread={t} i={i} {}\n", "x".repeat(i % 100)).as_bytes());
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        w.finish().unwrap();
        let mut s = String::new();
        File::open(&path).unwrap().read_to_string(&mut s).unwrap();
        std::fs::remove_file(&path).unwrap();
        let lines: Vec<_> = s.lines().collect();
        assert_eq!(lines.len(), 20000);
        for l in lines {
            let i: usize = l.split(' ').nth(1).unwrap()[2..].parse().unwrap();
            assert_eq!(l.split(' ').nth(2).unwrap_or("").len(), i % 100);
        }
    }
}
