//! The supervisor: a notification loop on its own thread, the ptrace loop
//! on the main thread (the tracer of the tree), per-thread caches, and the
//! record writer they share.

mod bounce;
pub mod fdtable;
pub mod memory;
pub(crate) mod notify;
pub mod perf;
mod pool;
pub mod ptrace;
pub mod threads;

use crate::arch::SyscallTable;
use crate::handlers::decode::{Ctx, Memory};
use crate::handlers::{Ret, Spec, socketcall};
use crate::pipeline::Output;
use crate::record::{Abi, Comm, Record, ResKind};
use fdtable::FdTables;
use parking_lot::Mutex;
use ptrace::Exit;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use threads::{Change, Changes, ThreadCache, ThreadInfo};

/// `kcmp(2)` type: do two tasks share one descriptor table?
const KCMP_FILES: libc::c_int = 2;

/// What the records keep (how they look is the pipeline's business).
pub struct Options {
    pub snaplen: usize,
    /// Keep only this thread group.
    pub pid: Option<i32>,
    /// Keep only threads with this name (first 15 bytes).
    pub comm: Option<Comm>,
    /// `--no-ret`: no return values.
    pub no_ret: bool,
    /// A ptrace tracer follows the tree: it gives exit, signal and
    /// thread-count events, and restarts the calls a signal interrupted
    /// before they were received (false with `--no-ret` and in the agent).
    pub tracer: bool,
    /// Rare perf-path calls may be bounced (bounce.rs): `exec`'s
    /// `--exit-via auto` (with `perf`, records never have exit memory).
    pub bounce: bool,
    /// `-y`: annotate file descriptors with what they refer to.
    pub fd_paths: bool,
    /// Numbers past the tables are selected (no positive `--only` item).
    pub unknown_numbers: bool,
    /// Threads receiving notifications (`--receivers`). A thread makes one
    /// call at a time, so whichever receiver takes its next call does so
    /// after the previous one was answered: its perf entry already queued,
    /// or (`--no-ret`) its record written.
    pub receivers: usize,
}

/// Receivers when `--receivers` is not given: half the CPUs, at most 8
/// (one on 2 CPUs). The ones beyond the first stay parked until requests
/// queue up (pool.rs), so a program whose calls come one at a time pays
/// nothing for them; the traced program's threads need the other half of
/// the CPUs (on 2 CPUs a second receiver slows 4 busy threads: BENCHMARKS.md
/// "Receivers"). `MY_SYSDIG_RECEIVERS=N` changes the default (the test
/// suite can run under several receivers with it).
pub fn default_receivers() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::env::var("MY_SYSDIG_RECEIVERS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or((cpus / 2).clamp(1, MAX_DEFAULT_RECEIVERS), |n| {
            n.clamp(1, 64)
        })
}

/// The default pool's cap: past it the shared parts (the sink's lock, the
/// change log) would cost more than another receiver brings (unmeasured
/// beyond 2 CPUs: BENCHMARKS.md "Receivers", the model).
const MAX_DEFAULT_RECEIVERS: usize = 8;

/// State both loops read.
pub struct Shared {
    pub table: SyscallTable,
    pub opts: Options,
    /// Where records go: filter, formats, sink (pipeline/mod.rs).
    pub out: Output,
    /// The command's first process, and the fd on which it waits for the
    /// go-ahead after loading its filter: that one read (the launcher's,
    /// not the command's) is not shown.
    launch_tid: i32,
    launch_fd: i32,
    launched: AtomicBool,
    /// By syscall number: chosen by `--only`. The filter may trap more
    /// (calls that keep the thread cache true); those get no record.
    selected: Vec<bool>,
    /// The compat ABI's table (i386 calls on x86_64) and its selection.
    compat: Option<(SyscallTable, Vec<bool>)>,
    /// Return values from the perf sys_exit event, for the calls in
    /// `via_perf` (by syscall number).
    perf: Option<perf::PerfExits>,
    via_perf: Vec<bool>,
    /// Threads traced now (strace prints `[pid N]` once there are two);
    /// unknown (MAX) without ptrace.
    live: AtomicUsize,
    /// `-y`: every process's descriptor table (both loops use it).
    fds: Option<Mutex<FdTables>>,
    /// Execs, exits and renames any loop saw: every loop's thread cache
    /// drops what they make wrong.
    changes: Changes,
    /// `--inject`/`--fault`.
    pub inject: Option<crate::inject::Injector>,
    /// The command's first execve was seen (it is never tampered with).
    first_exec: AtomicBool,
    /// Rare perf-path calls taken through a restart and a ptrace exit stop
    /// while the perf events are closed (bounce.rs).
    bounce: bounce::Bounce,
}

impl Shared {
    pub fn new(
        table: SyscallTable,
        opts: Options,
        out: Output,
        selected: Vec<bool>,
        compat: Option<(SyscallTable, Vec<bool>)>,
        (launch_tid, launch_fd): (i32, i32),
        perf: Option<(perf::PerfExits, Vec<bool>)>,
    ) -> Self {
        let (perf, via_perf) = match perf {
            Some((p, v)) => (Some(p), v),
            None => (None, Vec::new()),
        };
        // Not with `--exit-via perf`: its records never have exit memory.
        let bounces = opts.tracer
            && opts.bounce
            && ptrace::LAZY_EXIT_EVENTS
            && perf.as_ref().is_some_and(|p| p.is_lazy());
        let bounce = bounce::Bounce::new(bounces, &table);
        if bounce.enabled() {
            if let Some(p) = &perf {
                p.close_on_trickle(bounce.all());
            }
        }
        Shared {
            bounce,
            fds: opts
                .fd_paths
                .then(|| Mutex::new(FdTables::new(&table, compat.as_ref().map(|c| &c.0)))),
            selected,
            compat,
            perf,
            via_perf,
            table,
            live: AtomicUsize::new(if opts.tracer { 1 } else { usize::MAX }),
            opts,
            out,
            launch_tid,
            launch_fd,
            launched: AtomicBool::new(false),
            changes: Changes::default(),
            inject: None,
            first_exec: AtomicBool::new(false),
        }
    }

    /// Threads receiving notifications, at least one.
    pub(crate) fn receivers(&self) -> usize {
        self.opts.receivers.max(1)
    }

    /// Whether a descriptor `redirect=` installs is installed and the call
    /// answered in one step (`SECCOMP_ADDFD_FLAG_SEND`): when the record may
    /// follow the answer (`--no-ret`, one receiver: every call of a thread
    /// is a notification taken in order).
    fn answer_sends(&self) -> bool {
        self.opts.no_ret && self.receivers() == 1
    }

    /// With fault injection.
    pub fn with_inject(mut self, inject: Option<crate::inject::Injector>) -> Self {
        self.inject = inject;
        self
    }

    /// Whether call `nr` (of `abi`; `shown`: a socketcall's carried call)
    /// of thread `tid` is tampered with, and how; counts the call when its
    /// spec names it. Never the launcher's wait for its go-ahead nor the
    /// command's first execve (neither counted). Call before `wanted`.
    fn injection(
        &self,
        abi: Abi,
        (nr, shown): (u64, Option<u64>),
        (tid, tgid): (i32, i32),
        spec: &Spec,
        regs: &[u64; 6],
    ) -> Option<&crate::inject::Spec> {
        let inj = self.inject.as_ref()?;
        if tid == self.launch_tid {
            if self.launch_wait(tid, spec, regs) {
                return None;
            }
            if matches!(spec.name, "execve" | "execveat")
                && !self.first_exec.swap(true, Ordering::Relaxed)
            {
                return None;
            }
        }
        inj.decide(abi, shown.unwrap_or(nr), tid, tgid)
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

    /// The ABI of a call whose `seccomp_data.arch` (or ptrace's) is
    /// `audit_arch`, and its table; `None` for one the filter does not let
    /// reach the supervisor.
    pub(crate) fn abi(&self, audit_arch: u32) -> Option<(Abi, &SyscallTable)> {
        if audit_arch == self.table.arch.audit_arch {
            return Some((Abi::Native, &self.table));
        }
        match &self.compat {
            Some((t, _)) if t.arch.audit_arch == audit_arch => Some((Abi::Compat(t.arch.name), t)),
            _ => None,
        }
    }

    /// The compat ABI's `audit_arch`, if the arch has one.
    pub(crate) fn compat_audit_arch(&self) -> Option<u32> {
        self.compat.as_ref().map(|(t, _)| t.arch.audit_arch)
    }

    /// The table of `abi`'s calls.
    pub(crate) fn table_of(&self, abi: Abi) -> &SyscallTable {
        match (abi, &self.compat) {
            (Abi::Compat(_), Some((t, _))) => t,
            _ => &self.table,
        }
    }

    /// The row `rec` was decoded with: its number's, or for a socketcall
    /// the carried call's (see `Shown`).
    pub(crate) fn spec_of(&self, rec: &Record) -> Option<&Spec> {
        let t = self.table_of(rec.abi);
        let row = t.row(rec.nr as u64);
        if row.name == rec.name {
            return Some(row);
        }
        t.number(rec.name)
            .and_then(|nr| t.get(nr as u64))
            .or_else(|| socketcall::own_row(rec.name))
    }

    /// The number whose effects (-y) `rec`'s call has: the carried call's
    /// for a socketcall.
    pub(crate) fn effect_nr(&self, rec: &Record) -> u64 {
        let t = self.table_of(rec.abi);
        match t.get(rec.nr as u64) {
            Some(row) if row.name != rec.name => t.number(rec.name).map_or(rec.nr, |n| n) as u64,
            _ => rec.nr as u64,
        }
    }

    /// Whether a call of `tid` gets a record. `nr` is the call's number,
    /// `shown.nr` the one it is shown as (a socketcall's carried call):
    /// either selects it.
    fn wanted(
        &self,
        abi: Abi,
        (nr, shown): (u64, Option<u64>),
        tid: i32,
        info: &ThreadInfo,
        spec: &Spec,
        regs: &[u64; 6],
    ) -> bool {
        if tid == self.launch_tid && !self.launched.load(Ordering::Relaxed) {
            // The first traced call of the launched process is either the
            // launcher's wait (hidden) or the command's own execve.
            let wait = self.launch_wait(tid, spec, regs);
            self.launched.store(true, Ordering::Relaxed);
            if wait {
                return false;
            }
        }
        if !self.selects(abi, nr, shown) {
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

    /// Whether the return value of call `nr` of `audit_arch`'s ABI comes
    /// from the perf event (never for the compat ABI: the per-call
    /// tracepoints skip its calls).
    fn exit_via_perf(&self, audit_arch: u32, nr: u64) -> bool {
        audit_arch == self.table.arch.audit_arch
            && self.via_perf.get(nr as usize).copied().unwrap_or(false)
    }

    /// The perf exit path, if return values come from it.
    pub(crate) fn perf_exits(&self) -> Option<&perf::PerfExits> {
        self.perf.as_ref()
    }

    /// Makes the perf poller look at once whether it should end.
    fn wake_poller(&self) {
        if let Some(p) = &self.perf {
            p.wake_poller();
        }
    }

    /// Writes the perf path's completed calls (keeps each thread's records
    /// in order when another path is about to write one).
    fn perf_sync(&self) {
        if let Some(p) = &self.perf {
            p.sync(self);
        }
    }

    /// As `perf_sync`, when thread `tid` enters a call: its own perf call
    /// still pending then never returned.
    fn perf_new_entry(&self, tid: i32) {
        if let Some(p) = &self.perf {
            p.new_entry(self, tid);
        }
    }

    /// Whether lines about signals and exits are wanted (strace format,
    /// or a capture).
    pub(crate) fn shows_events(&self) -> bool {
        self.out.wants_events()
    }

    /// Whether calls' entries are wanted (strace format's open lines).
    pub(crate) fn shows_entries(&self) -> bool {
        self.out.wants_entries()
    }

    /// Whether `--only` selects call `nr` of `abi`, shown as `shown` (a
    /// socketcall's carried call): either selects it.
    pub(crate) fn selects(&self, abi: Abi, nr: u64, shown: Option<u64>) -> bool {
        let selected = match (abi, &self.compat) {
            (Abi::Compat(_), Some((_, s))) => s,
            _ => &self.selected,
        };
        let sel = |n: u64| {
            selected
                .get(n as usize)
                .copied()
                .unwrap_or(self.opts.unknown_numbers)
        };
        sel(nr) || shown.is_some_and(sel)
    }

    /// Whether `--pid`/`--comm` keep the thread `info` describes.
    pub(crate) fn keeps(&self, info: &ThreadInfo) -> bool {
        self.opts.pid.is_none_or(|p| p == info.tgid)
            && self.opts.comm.is_none_or(|c| c == info.comm)
    }

    /// Whether `--pid` or `--comm` is given.
    pub(crate) fn filters_threads(&self) -> bool {
        self.opts.pid.is_some() || self.opts.comm.is_some()
    }

    pub(crate) fn set_live(&self, threads: usize) {
        self.live.store(threads, Ordering::Relaxed);
    }

    /// A call that will be recorded at its exit has entered (see
    /// `Output::enter`).
    pub(crate) fn enter(&self, rec: &Record, scratch: &mut Vec<u8>) {
        self.out
            .enter(rec, self.live.load(Ordering::Relaxed), scratch);
    }

    fn emit(&self, rec: &Record, scratch: &mut Vec<u8>) {
        self.out
            .record(rec, self.live.load(Ordering::Relaxed), scratch);
    }

    /// A line about thread `tid` (strace format): `line` writes its text.
    pub(crate) fn event(&self, tid: i32, scratch: &mut Vec<u8>, line: impl FnOnce(&mut Vec<u8>)) {
        scratch.clear();
        line(scratch);
        let live = self.live.load(Ordering::Relaxed);
        self.out.event(tid, realtime_ns(), live, scratch);
    }

    /// After the last tracee: without ptrace, the strace format's exit line
    /// of the command itself (the only exit known then); the `-c` summary.
    pub fn finish(&self, exit: Option<Exit>) {
        let mut scratch = Vec::new();
        let root = self.launch_tid;
        if self.opts.no_ret
            && self.shows_events()
            && self.opts.comm.is_none()
            && self.opts.pid.is_none_or(|p| p == root)
        {
            if let Some(how) = exit {
                self.event(root, &mut scratch, |out| match how {
                    Exit::Code(c) => crate::record::siginfo::exited_line(c, out),
                    Exit::Signal(s) => crate::record::siginfo::killed_line(s, false, out),
                });
            }
        }
        self.out.finish(exit.map(|e| match e {
            Exit::Code(c) => crate::capture::Exit::Code(c),
            Exit::Signal(s) => crate::capture::Exit::Signal(s),
        }));
    }

    /// `-y`: adds what each descriptor argument (and a returned descriptor)
    /// refers to. Called at entry, while input descriptors are still open
    /// (`close`, `dup2`'s target), and again before a record with a result
    /// is written, after `fd_effects`, for the result and output arguments.
    pub fn annotate(&self, rec: &mut Record) {
        let Some(fds) = &self.fds else { return };
        if let Some(spec) = self.spec_of(rec) {
            fdtable::annotate(&mut fds.lock(), spec, rec);
        }
    }

    /// `-y`: keeps the descriptor tables true after call `nr` of `tid`
    /// (process `tgid`), whether or not it gets a record. `res` is its
    /// return value, `None` when the call is seen only at entry.
    pub fn fd_effects(
        &self,
        abi: Abi,
        (tid, tgid): (i32, i32),
        nr: u64,
        regs: &[u64; 6],
        res: Option<i64>,
    ) {
        if let Some(fds) = &self.fds {
            fds.lock().apply_in(abi, nr, tgid, tid, regs, res);
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

/// A call as it is shown: a socketcall as the socket call it carries, with
/// that call's row and arguments; any other call as it is.
pub(crate) struct Shown<'a> {
    pub spec: &'a Spec,
    pub regs: [u64; 6],
    /// The carried call's own number, when it has one (`send` has none).
    pub nr: Option<u64>,
    /// Whether finding it read tracee memory (the socketcall's array).
    pub read: bool,
}

/// How call `spec` (of `table`) with `regs` is shown (see `Shown`).
pub(crate) fn shown<'a>(
    table: &'a SyscallTable,
    spec: &'a Spec,
    regs: [u64; 6],
    mem: &dyn Memory,
) -> Shown<'a> {
    let plain = Shown {
        spec,
        regs,
        nr: None,
        read: false,
    };
    if spec.name != "socketcall" {
        return plain;
    }
    let ctx = Ctx {
        arch: table.arch,
        mem,
        snaplen: 0,
    };
    let Some((name, words)) = socketcall::unpack(&ctx, regs[0], regs[1]) else {
        return Shown {
            read: true,
            ..plain
        };
    };
    let nr = table.number(name);
    match nr
        .and_then(|n| table.get(n as u64))
        .or_else(|| socketcall::own_row(name))
    {
        Some(row) => Shown {
            spec: row,
            regs: words,
            nr: nr.map(u64::from),
            read: true,
        },
        None => Shown {
            read: true,
            ..plain
        },
    }
}

pub(crate) fn res_kind(spec: &Spec) -> ResKind {
    match spec.ret {
        Ret::Never => ResKind::Never,
        Ret::Hex => ResKind::Hex,
        Ret::Int | Ret::Fd => ResKind::Int,
    }
}

/// Keeps the thread caches true after calls that change what they hold:
/// this loop's now, the others' through `Changes` (in the default mode
/// `prctl` goes through one loop and most calls through the other; with
/// several receivers a process's calls go through any of them).
fn after_call(
    shared: &Shared,
    cache: &mut ThreadCache,
    name: &str,
    tid: i32,
    tgid: i32,
    regs: &[u64; 6],
) {
    match name {
        "execve" | "execveat" | "exit_group" => {
            cache.forget_process(tgid);
            shared.changes.note(Change::Process(tgid));
        }
        "exit" => {
            cache.forget(tid);
            shared.changes.note(Change::Thread(tid));
        }
        "prctl" if regs[0] == libc::PR_SET_NAME as u64 => {
            cache.forget(tid);
            shared.changes.note(Change::Thread(tid));
        }
        _ => {}
    }
}

pub(crate) fn realtime_ns() -> u64 {
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
    if tracing {
        // This thread is the tracer: from now on receivers can ask it to
        // bounce a call (it serves them once its loop runs), even the
        // command's first execve.
        notify::install_wake_handler();
        shared.bounce.tracer_started();
    }
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
                    shared.wake_poller();
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
                .spawn_scoped(s, move || {
                    perf_poller(shared, &fds, || running.load(Ordering::SeqCst) > 0)
                });
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
        // Not left to its 20 ms timeout: every run would last that longer.
        shared.wake_poller();
        exit
    });
    if let Some(p) = &shared.perf {
        p.finish(shared);
    }
    exit
}

/// Drains the perf rings every 20 ms at most, at the rings' watermark, or
/// when the notification thread's queue is long: with the batched join
/// (perf/mod.rs) this thread joins most calls; otherwise it writes the calls
/// that completed with no traced call after them, and keeps the rings from
/// filling while the tracee computes. Runs while `keep` says so. Threads
/// found by their calls (the agent's) are looked at every second: see
/// `PerfExits::reap`.
pub(crate) fn perf_poller(shared: &Shared, fds: &[i32], keep: impl Fn() -> bool) {
    let mut reaped = perf::monotonic_ns();
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|&fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    while keep() {
        // SAFETY: pfds is a valid array of pollfd; the fds outlive this
        // thread (owned by shared.perf).
        unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, 20) };
        shared.bounce.kick_if_waiting();
        if let Some(p) = &shared.perf {
            // The notification thread's wake-up (a long queue) is level
            // triggered: reset it, or poll returns at once from now on.
            let wake = p.wake_fd();
            if pfds.iter().any(|f| Some(f.fd) == wake && f.revents != 0) {
                p.woken();
            }
            p.sync(shared);
            if p.discovers() && perf::monotonic_ns().saturating_sub(reaped) > REAP_NS {
                p.reap(thread_alive);
                reaped = perf::monotonic_ns();
            }
            p.suspend_if_idle(shared);
        }
    }
}

/// How often threads found by their calls are looked at (`PerfExits::reap`).
const REAP_NS: u64 = 1_000_000_000;

/// Whether thread `tid` (an id of our pid namespace) still lives: a zombie
/// or dead thread makes no more calls.
pub(crate) fn thread_alive(tid: i32) -> bool {
    let Ok(stat) = std::fs::read(format!("/proc/{tid}/stat")) else {
        return false;
    };
    // The state follows the name's closing parenthesis (names may hold one).
    let state = stat
        .iter()
        .rposition(|&b| b == b')')
        .and_then(|at| stat.get(at + 2).copied());
    !matches!(state, Some(b'Z' | b'X' | b'x') | None)
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
