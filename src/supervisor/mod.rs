//! The supervisor: a notification loop on its own thread, the ptrace loop
//! on the main thread (the tracer of the tree), per-thread caches, and the
//! record writer they share.

pub mod fdtable;
pub mod memory;
mod notify;
pub mod ptrace;
pub mod threads;

use crate::arch::SyscallTable;
use crate::handlers::{Ret, Spec};
use crate::record::writer::Sink;
use crate::record::{Comm, Format, Record, ResKind};
use fdtable::FdTables;
use parking_lot::Mutex;
use ptrace::Exit;
use std::os::fd::OwnedFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use threads::{ThreadCache, ThreadInfo};

/// `kcmp(2)` type: do two tasks share one descriptor table?
const KCMP_FILES: libc::c_int = 2;

/// What the records keep and how they look.
pub struct Options {
    pub format: Format,
    pub snaplen: usize,
    /// Keep only this thread group.
    pub pid: Option<i32>,
    /// Keep only threads with this name (first 15 bytes).
    pub comm: Option<Comm>,
    /// `-y`: annotate file descriptors with what they refer to.
    pub fd_paths: bool,
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
    /// `-y`: every process's descriptor table (both loops use it).
    fds: Option<Mutex<FdTables>>,
}

impl Shared {
    pub fn new(
        table: SyscallTable,
        opts: Options,
        sink: Arc<Sink>,
        selected: Vec<bool>,
        launch_tid: i32,
        launch_fd: i32,
    ) -> Self {
        Shared {
            fds: opts.fd_paths.then(|| Mutex::new(FdTables::new(&table))),
            selected,
            table,
            opts,
            sink,
            launch_tid,
            launch_fd,
            launched: AtomicBool::new(false),
        }
    }

    /// Whether `tid` is the launched process before its first traced call
    /// (its name is still my-sysdig's: not worth caching).
    fn launching(&self, tid: i32) -> bool {
        tid == self.launch_tid && !self.launched.load(Ordering::Relaxed)
    }

    /// Whether a call of `tid` gets a record.
    fn wanted(&self, nr: u64, tid: i32, info: &ThreadInfo, spec: &Spec, regs: &[u64; 6]) -> bool {
        if tid == self.launch_tid && !self.launched.load(Ordering::Relaxed) {
            // The first traced call of the launched process is either the
            // launcher's wait (hidden) or the command's own execve.
            self.launched.store(true, Ordering::Relaxed);
            if spec.name == "read" && regs[0] == self.launch_fd as u64 {
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

    fn emit(&self, rec: &Record, scratch: &mut Vec<u8>) {
        scratch.clear();
        rec.format(self.opts.format, scratch);
        self.sink.push(scratch);
    }

    /// `-y`: adds what each descriptor argument (and a returned descriptor)
    /// refers to. Called at entry, while input descriptors are still open
    /// (`close`, `dup2`'s target), and again before a record with a result
    /// is written, after `fd_effects`, for the result and output arguments.
    pub fn annotate(&self, rec: &mut Record) {
        let Some(fds) = &self.fds else { return };
        if let Some(spec) = self.table.get(rec.nr as u64) {
            fdtable::annotate(&mut fds.lock(), spec, rec);
        }
    }

    /// `-y`: keeps the descriptor tables true after call `nr` of `tid`
    /// (process `tgid`), whether or not it gets a record. `res` is its
    /// return value, `None` when the call is seen only at entry.
    pub fn fd_effects(&self, tid: i32, tgid: i32, nr: u64, regs: &[u64; 6], res: Option<i64>) {
        if let Some(fds) = &self.fds {
            fds.lock().apply(nr, tgid, tid, regs, res);
        }
    }

    /// `-y`: process `tgid` has a new program (its close-on-exec descriptors
    /// are gone, and the table is its own again).
    pub fn fd_reset(&self, tgid: i32) {
        if let Some(fds) = &self.fds {
            fds.lock().forget_process(tgid);
        }
    }

    /// `-y`: thread `parent_tid` of process `parent` made a new task
    /// `child` (a thread or a process; the ptrace loop's fork events).
    pub fn fd_fork(&self, parent_tid: i32, parent: i32, child: i32) {
        let Some(fds) = &self.fds else { return };
        let child_tgid = threads::read_status(child).map_or(child, |i| i.tgid);
        // SAFETY: kcmp takes two pids and two integers, no pointers.
        let shared =
            unsafe { libc::syscall(libc::SYS_kcmp, parent_tid, child, KCMP_FILES, 0, 0) } == 0;
        fds.lock().fork(parent, child, child_tgid, shared);
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
    std::thread::scope(|s| {
        if let Some(l) = listener {
            let h = std::thread::Builder::new()
                .name("my-sysdig-notify".into())
                .spawn_scoped(s, move || notify::run(shared, l));
            if let Err(e) = h {
                shared.warn(&format!("cannot start the notification thread: {e}"));
                let _ = nix::sys::signal::kill(root, nix::sys::signal::Signal::SIGKILL);
            }
        }
        if tracing {
            ptrace::Tracer::new(shared, root).run()
        } else {
            wait_root(root)
        }
    })
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
