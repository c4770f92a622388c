//! The supervisor: a notification loop on its own thread, the ptrace loop
//! on the main thread (the tracer of the tree), per-thread caches, and the
//! record writer they share.

pub mod memory;
mod notify;
pub mod perf;
pub mod ptrace;
pub mod threads;

use crate::arch::SyscallTable;
use crate::handlers::{Ret, Spec};
use crate::record::writer::Sink;
use crate::record::{Comm, Format, Record, ResKind};
use ptrace::Exit;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use threads::{ThreadCache, ThreadInfo};

/// What the records keep and how they look.
pub struct Options {
    pub format: Format,
    pub snaplen: usize,
    /// Keep only this thread group.
    pub pid: Option<i32>,
    /// Keep only threads with this name (first 15 bytes).
    pub comm: Option<Comm>,
}

/// State both loops read.
pub struct Shared {
    pub table: SyscallTable,
    pub opts: Options,
    pub sink: Arc<Sink>,
    /// The command's first process, and the fd on which it waits for the
    /// go-ahead after loading its filter: that one read (the launcher's,
    /// not the command's) is not shown.
    launch_tid: i32,
    launch_fd: i32,
    launched: AtomicBool,
    /// By syscall number: chosen by `--only`. The filter may trap more
    /// (calls that keep the thread cache true); those get no record.
    selected: Vec<bool>,
    /// Return values from the perf sys_exit event, for the calls in
    /// `via_perf` (by syscall number).
    perf: Option<perf::PerfExits>,
    via_perf: Vec<bool>,
}

impl Shared {
    pub fn new(
        table: SyscallTable,
        opts: Options,
        sink: Arc<Sink>,
        selected: Vec<bool>,
        launch_tid: i32,
        launch_fd: i32,
        perf: Option<(perf::PerfExits, Vec<bool>)>,
    ) -> Self {
        let (perf, via_perf) = match perf {
            Some((p, v)) => (Some(p), v),
            None => (None, Vec::new()),
        };
        Shared {
            selected,
            perf,
            via_perf,
            table,
            opts,
            sink,
            launch_tid,
            launch_fd,
            launched: AtomicBool::new(false),
        }
    }

    /// Whether this call is the launcher's wait for its go-ahead (the
    /// process is still my-sysdig's copy: nothing worth caching). Only the
    /// first traced call of the launched process can be.
    fn launch_wait(&self, tid: i32, spec: &Spec, regs: &[u64; 6]) -> bool {
        tid == self.launch_tid
            && !self.launched.load(Ordering::Relaxed)
            && spec.name == "read"
            && regs[0] == self.launch_fd as u64
    }

    /// Whether a call of `tid` gets a record.
    fn wanted(&self, nr: u64, tid: i32, info: &ThreadInfo, spec: &Spec, regs: &[u64; 6]) -> bool {
        if tid == self.launch_tid && !self.launched.load(Ordering::Relaxed) {
            // The first traced call of the launched process is either the
            // launcher's wait (hidden) or the command's own execve.
            let wait = self.launch_wait(tid, spec, regs);
            self.launched.store(true, Ordering::Relaxed);
            if wait {
                return false;
            }
        }
        if !self.selected.get(nr as usize).copied().unwrap_or(false) {
            return false;
        }
        if self.opts.pid.is_some_and(|p| p != info.tgid) {
            return false;
        }
        if self.opts.comm.is_some_and(|c| c != info.comm) {
            return false;
        }
        true
    }

    /// Whether this call's return value comes from the perf event.
    fn exit_via_perf(&self, nr: u64) -> bool {
        self.via_perf.get(nr as usize).copied().unwrap_or(false)
    }

    /// Writes the perf path's completed calls (keeps each thread's records
    /// in order when another path is about to write one).
    fn perf_sync(&self) {
        if let Some(p) = &self.perf {
            p.sync(self);
        }
    }

    fn emit(&self, rec: &Record, scratch: &mut Vec<u8>) {
        scratch.clear();
        rec.format(self.opts.format, scratch);
        self.sink.push(scratch);
    }

    fn warn(&self, msg: &str) {
        eprintln!("my-sysdig: {msg}");
    }
}

fn res_kind(spec: &Spec) -> ResKind {
    match spec.ret {
        Ret::Never => ResKind::Never,
        Ret::Hex => ResKind::Hex,
        Ret::Int | Ret::Fd => ResKind::Int,
    }
}

/// Keeps the thread cache true after calls that change what it holds.
fn after_call(cache: &mut ThreadCache, name: &str, tid: i32, tgid: i32, regs: &[u64; 6]) {
    match name {
        "execve" | "execveat" | "exit_group" => cache.forget_process(tgid),
        "exit" => cache.forget(tid),
        "prctl" if regs[0] == libc::PR_SET_NAME as u64 => cache.forget(tid),
        _ => {}
    }
}

fn realtime_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

/// Runs both loops until every tracee is gone. `tracing` says whether this
/// thread is the ptrace tracer of `root`; otherwise the root is only waited for.
pub fn run(
    shared: &Shared,
    root: nix::unistd::Pid,
    listener: Option<OwnedFd>,
    tracing: bool,
) -> Option<Exit> {
    // Loops still running: the poller stops when both have ended.
    let running = AtomicUsize::new(1);
    let exit = std::thread::scope(|s| {
        if let Some(l) = listener {
            running.fetch_add(1, Ordering::SeqCst);
            let running = &running;
            let h = std::thread::Builder::new()
                .name("my-sysdig-notify".into())
                .spawn_scoped(s, move || {
                    notify::run(shared, l);
                    running.fetch_sub(1, Ordering::SeqCst);
                });
            if let Err(e) = h {
                running.fetch_sub(1, Ordering::SeqCst);
                shared.warn(&format!("cannot start the notification thread: {e}"));
                let _ = nix::sys::signal::kill(root, nix::sys::signal::Signal::SIGKILL);
            }
        }
        if let Some(p) = &shared.perf {
            let fds = p.fds();
            let running = &running;
            let h = std::thread::Builder::new()
                .name("my-sysdig-perf".into())
                .spawn_scoped(s, move || perf_poller(shared, &fds, running));
            if let Err(e) = h {
                shared.warn(&format!("cannot start the perf reader thread: {e}"));
            }
        }
        let exit = if tracing {
            ptrace::Tracer::new(shared, root).run()
        } else {
            wait_root(root)
        };
        running.fetch_sub(1, Ordering::SeqCst);
        exit
    });
    if let Some(p) = &shared.perf {
        p.finish(shared);
    }
    exit
}

/// Drains the perf rings while the notification thread is idle: calls that
/// completed with no further traced call after them are written within
/// ~20 ms, and the rings never fill while the tracee computes.
fn perf_poller(shared: &Shared, fds: &[i32], running: &AtomicUsize) {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    while running.load(Ordering::SeqCst) > 0 {
        // SAFETY: pfds is a valid array of pollfd; the fds outlive this
        // thread (owned by shared.perf).
        unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, 20) };
        shared.perf_sync();
    }
}

/// Without ptrace: wait for the root command only; the notification loop
/// keeps running until the last process holding the filter is gone.
fn wait_root(root: nix::unistd::Pid) -> Option<Exit> {
    use nix::sys::wait::{WaitStatus, waitpid};
    loop {
        match waitpid(root, None) {
            Ok(WaitStatus::Exited(_, c)) => return Some(Exit::Code(c)),
            Ok(WaitStatus::Signaled(_, s, _)) => return Some(Exit::Signal(s as i32)),
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return None,
        }
    }
}
