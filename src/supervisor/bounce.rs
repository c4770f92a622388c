//! Return values of rare calls with no perf event open ("bouncing").
//!
//! While the perf exit events are open every syscall on the machine takes
//! the tracepoint's slow path (BENCHMARKS.md, "Do no harm"). So while they
//! are closed (lazy, x86_64) and the calls that need them come fewer than
//! ~200 a second (`PerfExits::rare`), a new one does not open them:
//!
//! 1. the receiver asks the tracer thread to `PTRACE_INTERRUPT` the caller.
//!    The caller waits in the notification, which after `RECV` only a fatal
//!    signal ends (`WAIT_KILLABLE_RECV`), so nothing happens yet; the thread
//!    is marked as in syscall mode;
//! 2. the receiver answers with `-ERESTARTNOINTR`: the call did not run, and
//!    it gets no record;
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
use parking_lot::{Condvar, Mutex};
use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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

#[derive(Default)]
struct Requests {
    asked: Vec<i32>,
    answered: HashMap<i32, bool>,
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
    requests: Mutex<Requests>,
    answered: Condvar,
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
            requests: Mutex::new(Requests::default()),
            answered: Condvar::new(),
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

    /// The receiver's step 1: returns whether the tracer interrupted `tid`
    /// (then the notification must be answered with `-ERESTARTNOINTR`).
    pub fn ask(&self, tid: i32) -> bool {
        let mut rq = self.requests.lock();
        rq.asked.push(tid);
        self.wanted.store(true, Ordering::Release);
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            if let Some(ok) = rq.answered.remove(&tid) {
                return ok;
            }
            // Sent again each millisecond: the tracer may have looked just
            // before the request and then gone to sleep in waitpid.
            self.wake_tracer();
            let timed_out = self
                .answered
                .wait_for(&mut rq, Duration::from_millis(1))
                .timed_out();
            if timed_out && Instant::now() >= deadline {
                // Not taken yet: withdrawn. Taken: the answer is near.
                if let Some(at) = rq.asked.iter().position(|&t| t == tid) {
                    rq.asked.remove(at);
                    return false;
                }
            }
        }
    }

    /// Step 4: the restarted call's record, before it is answered.
    pub fn hand_over(&self, tid: i32, h: Handed) {
        if let Some(slot) = self.threads.lock().get_mut(&tid) {
            *slot = Some(h);
        }
    }

    fn wake_tracer(&self) {
        let t = self.tracer.load(Ordering::Acquire);
        if t != 0 {
            // SAFETY: the tracer thread lives as long as any tracee, and a
            // tracee is waiting for this answer.
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

    /// The tracer's: the threads to interrupt.
    pub fn take_asked(&self) -> Vec<i32> {
        let mut rq = self.requests.lock();
        self.wanted.store(false, Ordering::Release);
        std::mem::take(&mut rq.asked)
    }

    /// The tracer's answer; `ok`: `tid` is interrupted, in syscall mode.
    pub fn answer(&self, tid: i32, ok: bool) {
        if ok {
            let mut threads = self.threads.lock();
            threads.insert(tid, None);
            self.in_mode.store(threads.len(), Ordering::Release);
            drop(threads);
            self.count.fetch_add(1, Ordering::Relaxed);
        }
        self.requests.lock().answered.insert(tid, ok);
        self.answered.notify_all();
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
