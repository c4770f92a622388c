//! Return values of rare calls with no perf event open ("bouncing").
//!
//! While the perf exit events are open every syscall on the machine takes
//! the tracepoint's slow path (BENCHMARKS.md, "Do no harm"). So while they
//! are closed (lazy, x86_64) and the calls that need them come fewer than
//! ~200 a second (`PerfExits::rare`), a new one does not open them:
//!
//! 1. the receiver hands the request to the tracer thread and goes on; the
//!    tracer `PTRACE_INTERRUPT`s the caller. The caller waits in the
//!    notification, which after `RECV` only a fatal signal ends
//!    (`WAIT_KILLABLE_RECV`), so nothing happens yet; the thread is marked
//!    as in syscall mode;
//! 2. the tracer answers the notification with `-ERESTARTNOINTR` (only
//!    after the interrupt, or the caller would see that code): the call did
//!    not run, and it gets no record;
//! 3. on its way out the caller takes the interrupt's trap
//!    (`PTRACE_EVENT_STOP`); the tracer resumes it with `PTRACE_SYSCALL`, and
//!    with no signal pending the kernel restarts the call, as it does for
//!    that code after any signal;
//! 4. the restarted call traps again: its record is decoded as usual and
//!    handed to the tracer here, the call runs (`CONTINUE`, with nothing
//!    pending: a blocking call blocks), and its syscall-exit stop gives the
//!    return value, with the memory the kernel wrote. The thread then goes
//!    on with no stops.
//!
//! A signal handler that runs between 3 and 4 (the call restarts after it)
//! has its first traced call taken the same way. ~35 us per call on 2
//! vCPUs (`bench/rare.c`), for calls a few hundred times a second at most.

use crate::record::Record;
use parking_lot::Mutex;
use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

/// Calls never bounced: those that do not return, create threads (the
/// ptrace events in between), or are the kernel's own restart machinery.
/// (`execve` is bounced only from a thread group's leader: from another
/// thread it returns with the leader's id.)
const NEVER: [&str; 8] = [
    "exit",
    "exit_group",
    "rt_sigreturn",
    "restart_syscall",
    "clone",
    "clone3",
    "fork",
    "vfork",
];

/// A call's record handed to the tracer, which completes it at the exit stop.
pub(crate) struct Handed {
    /// `None`: the call gets no record (`--pid`, `--comm`), but its effects
    /// (`-y`) are still applied.
    pub rec: Option<Record>,
    pub nr: u64,
    pub args: [u64; 6],
    pub pid: i32,
    pub t0: Instant,
}

pub(crate) struct Bounce {
    enabled: bool,
    /// `MY_SYSDIG_BOUNCE=all` (tests): every call that may be bounced is,
    /// whatever the rate, and the events stay closed for them.
    all: bool,
    /// By syscall number (native table).
    allowed: Vec<bool>,
    /// `execve`, `execveat`: from leaders only.
    execs: [Option<u64>; 2],
    /// The tracer thread, for the wake-up (0 until it runs).
    tracer: AtomicU64,
    wanted: AtomicBool,
    /// Calls bounced so far (`MY_SYSDIG_PERF_STATS`).
    count: AtomicU64,
    /// `(thread, notification id)` to bounce, for the tracer.
    asked: Mutex<Vec<(i32, u64)>>,
    /// The listener the tracer answers them on (-1 until the notification
    /// loop runs).
    listener: AtomicI32,
    /// Threads in syscall mode (interrupted, or resumed with
    /// `PTRACE_SYSCALL` after the trap), with the record of the call whose
    /// exit stop they wait for, once handed over.
    threads: Mutex<HashMap<i32, Option<Handed>>>,
    /// How many threads are in `threads`: most calls look here only.
    in_mode: AtomicUsize,
}

impl Bounce {
    /// `enabled`: a ptrace tracer runs, the perf events are lazy, and
    /// `MY_SYSDIG_BOUNCE` is not `0`.
    pub fn new(enabled: bool, table: &crate::arch::SyscallTable) -> Self {
        let knob = std::env::var("MY_SYSDIG_BOUNCE").unwrap_or_default();
        let enabled = enabled && knob != "0";
        let mut allowed = Vec::new();
        for (nr, spec) in table.iter() {
            let nr = nr as usize;
            if allowed.len() <= nr {
                allowed.resize(nr + 1, false);
            }
            allowed[nr] = !NEVER.contains(&spec.name);
        }
        Bounce {
            enabled,
            all: enabled && knob == "all",
            allowed,
            execs: [
                table.number("execve").map(u64::from),
                table.number("execveat").map(u64::from),
            ],
            tracer: AtomicU64::new(0),
            wanted: AtomicBool::new(false),
            count: AtomicU64::new(0),
            asked: Mutex::new(Vec::new()),
            listener: AtomicI32::new(-1),
            threads: Mutex::new(HashMap::default()),
            in_mode: AtomicUsize::new(0),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn all(&self) -> bool {
        self.all
    }

    /// Whether call `nr` of thread `tid` may be bounced (the rate is the
    /// perf path's to judge); `tgid` tells whether `tid` leads its group.
    pub fn may(&self, tid: i32, nr: u64, tgid: impl FnOnce() -> i32) -> bool {
        self.enabled
            && self.tracer.load(Ordering::Acquire) != 0
            && self.allowed.get(nr as usize).copied().unwrap_or(false)
            && !self.in_syscall_mode(tid)
            && (!self.execs.contains(&Some(nr)) || tgid() == tid)
    }

    pub fn in_syscall_mode(&self, tid: i32) -> bool {
        self.in_mode.load(Ordering::Acquire) != 0 && self.threads.lock().contains_key(&tid)
    }

    /// The notification loop's listener, on which the tracer answers.
    pub fn set_listener(&self, fd: i32) {
        self.listener.store(fd, Ordering::Release);
    }

    /// The listener, if the notification loop runs.
    pub fn listener(&self) -> Option<i32> {
        Some(self.listener.load(Ordering::Acquire)).filter(|&fd| fd >= 0)
    }

    /// The receiver's step 1: the tracer takes notification `id` of `tid`
    /// from here (it interrupts the thread, then answers). The receiver
    /// neither answers nor waits.
    pub fn request(&self, tid: i32, id: u64) {
        self.asked.lock().push((tid, id));
        self.wanted.store(true, Ordering::Release);
        self.wake_tracer();
    }

    /// Step 4: the restarted call's record, before it is answered.
    pub fn hand_over(&self, tid: i32, h: Handed) {
        if let Some(slot) = self.threads.lock().get_mut(&tid) {
            *slot = Some(h);
        }
    }

    /// The perf poller's, every 20 ms: wakes the tracer again while a
    /// request waits. A wake-up signal that lands after the tracer looked
    /// for requests and before it blocked in `waitpid` is lost, and the
    /// thread that asked waits for its answer.
    pub fn kick_if_waiting(&self) {
        if self.wanted() {
            self.wake_tracer();
        }
    }

    fn wake_tracer(&self) {
        let t = self.tracer.load(Ordering::Acquire);
        if t != 0 {
            // SAFETY: the tracer thread lives as long as any tracee, and a
            // tracee is waiting for this answer (`tracer_ended` clears it).
            unsafe { libc::pthread_kill(t as libc::pthread_t, super::notify::WAKE_SIGNAL) };
        }
    }

    /// The tracer thread: from now on requests wake it.
    pub fn tracer_started(&self) {
        if self.enabled {
            // SAFETY: pthread_self has no preconditions.
            let me = unsafe { libc::pthread_self() };
            self.tracer.store(me as u64, Ordering::Release);
        }
    }

    /// The tracer stops tracing: nothing can be bounced any more.
    pub fn tracer_ended(&self) {
        self.tracer.store(0, Ordering::Release);
    }

    pub fn bounced(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Whether receivers wait for the tracer (one atomic load).
    pub fn wanted(&self) -> bool {
        self.wanted.load(Ordering::Acquire)
    }

    /// The tracer's: the calls to bounce.
    pub fn take_asked(&self) -> Vec<(i32, u64)> {
        let mut asked = self.asked.lock();
        self.wanted.store(false, Ordering::Release);
        std::mem::take(&mut *asked)
    }

    /// The tracer interrupted `tid`: it is in syscall mode from now on
    /// (before the answer lets it restart its call).
    pub fn entered(&self, tid: i32) {
        let mut threads = self.threads.lock();
        threads.insert(tid, None);
        self.in_mode.store(threads.len(), Ordering::Release);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// At an exit stop of a thread in syscall mode: the handed-over call,
    /// if this is its exit (the thread then leaves syscall mode).
    pub fn take_handed(&self, tid: i32) -> Option<Handed> {
        let mut threads = self.threads.lock();
        let h = threads.get_mut(&tid)?.take()?;
        threads.remove(&tid);
        self.in_mode.store(threads.len(), Ordering::Release);
        Some(h)
    }

    /// `tid` leaves syscall mode (it died, stopped in a group stop before
    /// its trap, or made many calls with none traced); a call already
    /// handed over is returned, never to see its exit.
    pub fn leave(&self, tid: i32) -> Option<Handed> {
        let mut threads = self.threads.lock();
        let h = threads.remove(&tid).flatten();
        self.in_mode.store(threads.len(), Ordering::Release);
        h
    }
}
