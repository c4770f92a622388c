//! The record sink: the tracing loops append formatted lines to a shared
//! buffer; one writer thread moves them to the output. The loops never block
//! on the output itself (it may be a pipe the tracee reads), only on a short
//! lock, so records cannot interleave or tear.

use super::strace::Framer;
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
    buf: Vec<u8>,
    closed: bool,
    error: Option<String>,
    /// The strace format's line state, kept with the buffer it describes.
    framer: Framer,
}

pub struct Sink {
    inner: Mutex<Inner>,
    more: Condvar,
    drained: Condvar,
}

/// Handle that owns the writer thread.
pub struct Writer {
    sink: Arc<Sink>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub fn spawn(mut out: File) -> std::io::Result<Writer> {
        let sink = Arc::new(Sink {
            inner: Mutex::new(Inner::default()),
            more: Condvar::new(),
            drained: Condvar::new(),
        });
        let s = sink.clone();
        let thread = std::thread::Builder::new()
            .name("my-sysdig-out".into())
            .spawn(move || s.run(&mut out))?;
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
        let Some(mut g) = self.lock_for_push() else {
            return; // output is gone; the error is reported at the end
        };
        let inner = &mut *g;
        f(&mut inner.framer, &mut inner.buf);
        if inner.buf.len() >= WAKE_AT {
            self.more.notify_one();
        }
    }

    /// The lock, once the buffer has room; `None` after a write error.
    fn lock_for_push(&self) -> Option<MutexGuard<'_, Inner>> {
        let mut g = self.inner.lock();
        while g.buf.len() > MAX_BUFFERED && !g.closed && g.error.is_none() {
            self.drained.wait(&mut g);
        }
        g.error.is_none().then_some(g)
    }

    fn run(&self, out: &mut File) {
        let mut spare = Vec::new();
        loop {
            let closed;
            {
                let mut g = self.inner.lock();
                if g.buf.is_empty() && !g.closed {
                    self.more.wait_for(&mut g, FLUSH_EVERY);
                }
                std::mem::swap(&mut g.buf, &mut spare);
                closed = g.closed;
                self.drained.notify_all();
            }
            if !spare.is_empty() {
                if let Err(e) = out.write_all(&spare) {
                    let mut g = self.inner.lock();
                    g.error = Some(format!("writing records: {e}"));
                    self.drained.notify_all();
                    return;
                }
                spare.clear();
            }
            if closed && self.inner.lock().buf.is_empty() {
                let _ = out.flush();
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn lines_from_many_threads_arrive_whole() {
        let path = std::env::temp_dir().join(format!("my-sysdig-writer-{}", std::process::id()));
        let w = Writer::spawn(File::create(&path).unwrap()).unwrap();
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
