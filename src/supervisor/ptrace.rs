//! The ptrace loop: the supervisor's main thread is the tracer of the whole
//! tree. It handles seccomp stops (decode the entry; ask for the exit stop
//! when the record needs the return value), syscall-exit stops (return value
//! and output buffers), fork/vfork/clone and exec events, signal delivery
//! (passed through unchanged), group stops (PTRACE_LISTEN) and exits.
//!
//! Every stop is resumed exactly once, with PTRACE_SYSCALL while the thread
//! has a call waiting for its exit stop and PTRACE_CONT otherwise.

use super::Shared;
use super::memory::ProcMem;
use super::threads::{Change, ThreadCache};
use crate::handlers::decode::{self, Ctx};
use crate::record::{Record, siginfo};
use nix::errno::Errno;
use nix::sys::ptrace;
use nix::sys::signal::Signal;
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
// By thread id (from the kernel), looked up at every stop.
use rustc_hash::FxHashMap as HashMap;
use std::time::{Duration, Instant};

/// How the root command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    /// The shell's convention: 128+N for a signal.
    pub fn code(self) -> i32 {
        match self {
            Exit::Code(c) => c,
            Exit::Signal(s) => 128 + s,
        }
    }
}

/// A call between its seccomp stop and its exit stop.
struct Pending {
    regs: [u64; 6],
    rec: Record,
    t0: Instant,
}

/// Where a thread is in a bounce (bounce.rs).
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Bounced {
    #[default]
    No,
    /// Interrupted in its notification: its trap stop is ahead.
    AwaitTrap,
    /// Resumed with `PTRACE_SYSCALL` until the exit of a call handed over
    /// (counting the syscall stops without one).
    Syscalls(u32),
}

/// Syscall stops a thread in syscall mode may make with no traced call
/// before it leaves that mode (a handler that never returns to the
/// bounced call): the call, made later, is then taken as any other.
const SYSCALL_MODE_STOPS: u32 = 256;

#[derive(Default)]
struct Tracee {
    pending: Option<Pending>,
    bounce: Bounced,
    /// Its last call, completed at an exit stop in syscall mode, returned a
    /// restart code: the signal stop that follows is that call's, not one
    /// of a call interrupted before it was received.
    ran_interrupted: bool,
    /// In a group stop (`PTRACE_LISTEN`): detached as it is, it stays stopped.
    listening: bool,
    /// What fault injection does at this thread's exit stop.
    inject: Option<AtExit>,
}

/// How the tracer came to trace its tracees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// It launched the command under its seccomp filter: calls stop at
    /// seccomp stops, only the traced ones.
    Launched,
    /// It attached to running threads (`attach --stop`): no filter, so
    /// every call stops at its entry and exit (`PTRACE_SYSCALL`), as with
    /// `strace -p`. It detaches when `stop` is set, leaving them as they were.
    Attached,
}

/// Fault injection's work at a call's exit stop.
struct AtExit {
    /// The return value to set (the call was skipped at its seccomp stop).
    res: Option<i64>,
    delay: Option<Duration>,
    /// `(address, bytes)` to write.
    pokes: Vec<(u64, Vec<u8>)>,
}

/// How long the tracer polls for the next stop before it sleeps in
/// `waitpid`. A stop wakes a sleeping tracer, and when the tracer sleeps on
/// another CPU than the tracee (the scheduler often separates them: nothing
/// in ptrace asks for a same-CPU wake-up) that wake-up dominates the cost
/// of a stop, most of all in a VM whose idle vCPU has to be woken from
/// halt (~20-100 us each, four per traced call, depending on the host). A
/// tracer still polling sees the stop at once (BENCHMARKS.md "Polling for
/// stops"). How soon the next stop comes depends on the machine, so the
/// window follows the gaps between stops (`PollWindow`).
mod poll {
    use std::time::Duration;

    /// Bounds of the window: below 50 us stops are missed on any VM seen;
    /// above 250 us a tracee that sleeps between short bursts of calls
    /// would cost the tracer too much CPU (one window per burst).
    pub const MIN: Duration = Duration::from_micros(50);
    pub const MAX: Duration = Duration::from_micros(250);
    /// Gaps longer than this are the tracee computing or sleeping, not
    /// the round trip: they do not move the window.
    const BURST_GAP: Duration = Duration::from_millis(1);

    /// Twice the typical gap between resuming the tracee and its next stop
    /// (a moving average over recent stops), within `MIN..=MAX`.
    pub struct PollWindow {
        avg_ns: u64,
    }

    impl Default for PollWindow {
        fn default() -> Self {
            PollWindow {
                avg_ns: MIN.as_nanos() as u64 / 2,
            }
        }
    }

    impl PollWindow {
        pub fn get(&self) -> Duration {
            Duration::from_nanos(self.avg_ns.saturating_mul(2)).clamp(MIN, MAX)
        }

        /// A stop came `gap` after the tracer began waiting for it.
        pub fn observe(&mut self, gap: Duration) {
            if gap < BURST_GAP {
                let g = gap.as_nanos() as u64;
                // 1/8 weight: a few slow stops move it, one does not.
                self.avg_ns = self.avg_ns - self.avg_ns / 8 + g / 8;
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn window_follows_the_gaps_within_bounds() {
            let mut w = PollWindow::default();
            assert_eq!(w.get(), MIN);
            for _ in 0..100 {
                w.observe(Duration::from_micros(90));
            }
            let got = w.get().as_micros();
            assert!((170..=180).contains(&got), "{got}");
            for _ in 0..100 {
                w.observe(Duration::from_micros(400));
            }
            assert_eq!(w.get(), MAX);
            // Long pauses (a sleeping tracee) leave it where it was.
            w.observe(Duration::from_millis(50));
            assert_eq!(w.get(), MAX);
            for _ in 0..100 {
                w.observe(Duration::from_micros(5));
            }
            assert_eq!(w.get(), MIN);
        }
    }
}

/// Polls `waitpid` for up to `window` from `since`, yielding the CPU
/// between polls (a tracee woken on the tracer's own CPU runs at once).
/// `None` when nothing came: then the caller sleeps in `waitpid`, and polls
/// again only after a stop that came within the window (a tracee that
/// computes between its calls costs one poll window, not one per stop).
fn poll_stop(
    since: Instant,
    window: Duration,
    wanted: impl Fn() -> bool,
) -> Option<nix::Result<WaitStatus>> {
    while since.elapsed() < window && !wanted() {
        match waitpid(None, Some(WaitPidFlag::__WALL | WaitPidFlag::WNOHANG)) {
            // SAFETY: sched_yield takes no arguments and cannot fail here.
            Ok(WaitStatus::StillAlive) => unsafe {
                libc::sched_yield();
            },
            other => return Some(other),
        }
    }
    None
}

pub struct Tracer<'a> {
    shared: &'a Shared,
    mode: Mode,
    /// Set (by a signal handler) when the tracer must detach and end.
    stop: Option<&'a std::sync::atomic::AtomicBool>,
    root: Pid,
    tracees: HashMap<i32, Tracee>,
    cache: ThreadCache,
    scratch: Vec<u8>,
    exit: Option<Exit>,
    /// Signals held back and sent again (see `restart_if_interrupted`),
    /// with the siginfo to restore, by thread.
    resend: HashMap<i32, Vec<libc::siginfo_t>>,
    /// Threads held stopped by `delay_enter=`/`delay_exit=`, and when each
    /// is resumed.
    later: Vec<(Instant, Pid)>,
    /// A call could not be bounced (said once).
    bounce_failed: bool,
}

impl<'a> Tracer<'a> {
    pub fn new(shared: &'a Shared, root: Pid) -> Self {
        let mut tracees = HashMap::default();
        tracees.insert(root.as_raw(), Tracee::default());
        Tracer {
            shared,
            mode: Mode::Launched,
            stop: None,
            root,
            tracees,
            cache: ThreadCache::default(),
            scratch: Vec::with_capacity(4096),
            exit: None,
            resend: HashMap::default(),
            later: Vec::new(),
            bounce_failed: false,
        }
    }

    /// A tracer of threads already seized (`attach --stop`): each one's
    /// first stop is the `PTRACE_INTERRUPT` that follows the seize. It
    /// detaches from them all once `stop` is set.
    pub fn attached(
        shared: &'a Shared,
        tids: &[i32],
        stop: &'a std::sync::atomic::AtomicBool,
    ) -> Self {
        let mut t = Tracer::new(shared, Pid::from_raw(tids.first().copied().unwrap_or(0)));
        t.mode = Mode::Attached;
        t.stop = Some(stop);
        for &tid in tids {
            t.tracees.entry(tid).or_default();
        }
        t
    }

    fn stopping(&self) -> bool {
        self.stop
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Resumes the delayed threads whose time has come.
    fn resume_due(&mut self) {
        if self.later.is_empty() {
            return;
        }
        let now = Instant::now();
        let due: Vec<Pid> = self
            .later
            .iter()
            .filter(|(t, _)| *t <= now)
            .map(|&(_, p)| p)
            .collect();
        self.later.retain(|(t, _)| *t > now);
        for pid in due {
            self.resume(pid, None);
        }
    }

    /// While threads are held by a delay: the next stop, or `None` once a
    /// delay is over. Polls (the tracer cannot sleep in waitpid past a
    /// deadline), with short sleeps: other threads' stops wait at most that.
    fn wait_or_due(&self) -> Option<nix::Result<WaitStatus>> {
        let next = self.later.iter().map(|&(t, _)| t).min()?;
        loop {
            if self.shared.bounce.wanted() {
                return None;
            }
            match waitpid(None, Some(WaitPidFlag::__WALL | WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => {}
                other => return Some(other),
            }
            let now = Instant::now();
            if now >= next {
                return None;
            }
            std::thread::sleep((next - now).min(DELAY_POLL));
        }
    }

    /// Runs until no tracee is left (or, attached, until `stop` is set);
    /// returns how the root command ended.
    pub fn run(self) -> Option<Exit> {
        let Some(stop) = self.stop else {
            return self.trace();
        };
        // The stop signal's handler only sets the flag, and it may run on
        // another thread, or on this one between the flag's check and a
        // blocking waitpid (or while polling): the tracer would then sleep
        // until some tracee stops, forever for an idle server. A watcher
        // interrupts the wait once the flag is set, until the tracer is out.
        super::notify::install_wake_handler();
        // SAFETY: pthread_self has no preconditions.
        let tracer = unsafe { libc::pthread_self() };
        let ended = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let watcher = std::thread::Builder::new()
                .name("my-sysdig-stop".into())
                .spawn_scoped(s, || {
                    use std::sync::atomic::Ordering::SeqCst;
                    while !ended.load(SeqCst) {
                        if stop.load(SeqCst) {
                            // SAFETY: the tracer thread outlives this scope.
                            unsafe { libc::pthread_kill(tracer, super::notify::WAKE_SIGNAL) };
                        }
                        std::thread::sleep(Duration::from_millis(5));
                    }
                });
            if let Err(e) = watcher {
                self.shared
                    .warn(&format!("cannot start the stop watcher: {e}"));
            }
            let exit = self.trace();
            ended.store(true, std::sync::atomic::Ordering::SeqCst);
            exit
        })
    }

    fn trace(mut self) -> Option<Exit> {
        // MY_SYSDIG_POLL=0: always sleep in waitpid (to measure what the
        // polling gives or takes).
        let cpus = match std::env::var("MY_SYSDIG_POLL").is_ok_and(|v| v == "0") {
            true => 1,
            false => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let mut poll = cpus > 1;
        let mut window = poll::PollWindow::default();
        loop {
            if self.stopping() {
                self.detach_all();
                break;
            }
            if self.shared.bounce.wanted() {
                self.serve_bounces();
            }
            // Threads held by `delay_enter=`/`delay_exit=` (launched only:
            // `attach` injects nothing, so none are held then).
            self.resume_due();
            if !self.later.is_empty() {
                match self.wait_or_due() {
                    None => continue,
                    Some(Ok(status)) => {
                        self.on_status(status);
                        self.shared.set_live(self.tracees.len());
                        continue;
                    }
                    Some(Err(Errno::EINTR)) => continue,
                    Some(Err(Errno::ECHILD)) => break,
                    Some(Err(e)) => {
                        self.shared.warn(&format!("waitpid: {e}"));
                        break;
                    }
                }
            }
            let waiting = Instant::now();
            let polled = if poll {
                let bounce = &self.shared.bounce;
                poll_stop(waiting, window.get(), || bounce.wanted())
            } else {
                None
            };
            // Polling ended early: a receiver waits to bounce a call.
            if polled.is_none() && self.shared.bounce.wanted() {
                continue;
            }
            let caught = polled.is_some();
            let next = polled.unwrap_or_else(|| waitpid(None, Some(WaitPidFlag::__WALL)));
            if cpus > 1 {
                let gap = waiting.elapsed();
                // Poll again after a caught stop, or once a slept-for one
                // comes back quickly.
                poll = caught || gap < window.get();
                window.observe(gap);
            }
            match next {
                Ok(status) => {
                    self.on_status(status);
                    self.shared.set_live(self.tracees.len());
                }
                Err(Errno::EINTR) => continue,
                Err(Errno::ECHILD) => break,
                Err(e) => {
                    self.shared.warn(&format!("waitpid: {e}"));
                    break;
                }
            }
        }
        self.shared.bounce.tracer_ended();
        // Calls asked for meanwhile run as they are (no tracee is left).
        let fd = self.shared.bounce.listener();
        for (_, id) in self.shared.bounce.take_asked() {
            if let Some(fd) = fd {
                super::notify::answer_continue(fd, id);
            }
        }
        self.exit
    }

    /// The calls receivers bounce (bounce.rs, steps 1 and 2): interrupts
    /// each thread, then answers its call with `-ERESTARTNOINTR`.
    fn serve_bounces(&mut self) {
        let Some(fd) = self.shared.bounce.listener() else {
            return;
        };
        for (tid, id) in self.shared.bounce.take_asked() {
            let ok = match self.tracees.get_mut(&tid) {
                Some(t)
                    if !t.listening
                        && t.pending.is_none()
                        && t.inject.is_none()
                        && t.bounce == Bounced::No =>
                {
                    let ok = ptrace::interrupt(Pid::from_raw(tid)).is_ok();
                    if ok {
                        t.bounce = Bounced::AwaitTrap;
                    }
                    ok
                }
                _ => false,
            };
            if !ok {
                // Not a thread this tracer can stop: the call runs, and its
                // record is lost (said once; not for a thread that died).
                if super::notify::answer_continue(fd, id) && !self.bounce_failed {
                    self.bounce_failed = true;
                    self.shared.warn(&format!(
                        "could not interrupt thread {tid} to take its call's return value: that call has no record"
                    ));
                }
                continue;
            }
            self.shared.bounce.entered(tid);
            if !super::notify::answer_restart(fd, id) {
                // Its thread is gone: its end comes through waitpid.
                self.shared.bounce.leave(tid);
                if let Some(t) = self.tracees.get_mut(&tid) {
                    t.bounce = Bounced::No;
                }
            }
        }
    }

    fn on_status(&mut self, status: WaitStatus) {
        self.cache.sync(&self.shared.changes);
        match status {
            WaitStatus::Exited(pid, code) => self.gone(pid, Exit::Code(code), false),
            WaitStatus::Signaled(pid, sig, core) => self.gone(pid, Exit::Signal(sig as i32), core),
            WaitStatus::PtraceEvent(pid, sig, event) => self.on_event(pid, sig, event),
            WaitStatus::PtraceSyscall(pid) => self.on_syscall_stop(pid),
            WaitStatus::Stopped(pid, sig) => {
                // Signal-delivery stop: deliver it unchanged, unless it
                // interrupted a call the supervisor had not yet received.
                self.track(pid.as_raw());
                // A held signal gets its line when it is delivered.
                let sig = self.restart_if_interrupted(pid, sig);
                let si = match (sig, self.shared.shows_events()) {
                    (Some(_), true) => ptrace::getsiginfo(pid).ok(),
                    _ => None,
                };
                if let Some(si) = si {
                    let si = siginfo::raw(&si);
                    self.event(pid.as_raw(), |out| siginfo::signal_line(&si, out));
                }
                self.resume(pid, sig);
            }
            WaitStatus::Continued(_) | WaitStatus::StillAlive => {}
        }
    }

    /// Notes thread `tid`. One seen for the first time has not run yet
    /// (this is its first stop, or its parent's clone event): the perf
    /// path follows it before it is resumed.
    fn track(&mut self, tid: i32) {
        if let std::collections::hash_map::Entry::Vacant(v) = self.tracees.entry(tid) {
            v.insert(Tracee::default());
            if let Some(perf) = &self.shared.perf {
                perf.thread_started(self.shared, tid);
            }
        }
    }

    fn on_event(&mut self, pid: Pid, sig: Signal, event: i32) {
        self.track(pid.as_raw());
        match event {
            libc::PTRACE_EVENT_SECCOMP => self.on_seccomp_stop(pid),
            libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE => {
                if let Ok(child) = ptrace::getevent(pid) {
                    self.track(child as i32);
                    if self.shared.opts.fd_paths {
                        let parent = self.cache.get(pid.as_raw()).tgid;
                        self.shared.fd_fork(pid.as_raw(), parent, child as i32);
                    }
                }
                self.resume(pid, None);
            }
            libc::PTRACE_EVENT_EXEC => self.on_exec(pid),
            libc::PTRACE_EVENT_STOP => {
                if matches!(
                    sig,
                    Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU
                ) {
                    // Group stop: stay stopped without swallowing the stop,
                    // until SIGCONT. A bounce's trap merged into it: the
                    // thread goes on without PTRACE_SYSCALL, so its
                    // restarted call is taken as any other.
                    if let Some(t) = self.tracees.get_mut(&pid.as_raw()) {
                        if t.bounce == Bounced::AwaitTrap {
                            t.bounce = Bounced::No;
                            self.shared.bounce.leave(pid.as_raw());
                        }
                    }
                    if let Some(perf) = &self.shared.perf {
                        perf.group_stop(self.shared, pid.as_raw());
                    }
                    self.event(pid.as_raw(), |out| siginfo::stopped_line(sig as i32, out));
                    if let Some(t) = self.tracees.get_mut(&pid.as_raw()) {
                        t.listening = true;
                    }
                    // SAFETY: PTRACE_LISTEN takes no pointers.
                    unsafe { libc::ptrace(libc::PTRACE_LISTEN, pid.as_raw(), 0, 0) };
                } else {
                    // The first stop of a new tracee, or an interrupt: a
                    // bounce's trap (its call restarts once resumed).
                    if let Some(t) = self.tracees.get_mut(&pid.as_raw()) {
                        if t.bounce == Bounced::AwaitTrap {
                            t.bounce = Bounced::Syscalls(0);
                        }
                    }
                    self.resume(pid, None);
                }
            }
            _ => self.resume(pid, None),
        }
    }

    /// A signal that interrupted a call while it waited in the notification
    /// queue: see `force_restart` (x86_64) and, where the kernel decides the
    /// restart before this stop (aarch64), the hold below.
    ///
    /// Delivering the signal to a call interrupted in the notification
    /// queue (not received yet, so it never ran) would turn the kernel's
    /// ERESTARTSYS into EINTR for a handler without SA_RESTART: a failure
    /// the program never sees untraced. The signal is held back instead
    /// (so the kernel restarts the call) and sent again at once to the
    /// same thread once the restarted call is received (it cannot be
    /// interrupted then); its original siginfo is put back at its stop, so
    /// the handler sees exactly what it would have.
    fn restart_if_interrupted(&mut self, pid: Pid, sig: Signal) -> Option<Signal> {
        let tid = pid.as_raw();
        let Some(perf) = &self.shared.perf else {
            return Some(sig);
        };
        // The signal sent again after an earlier hold: its original siginfo.
        let held = self.resend.get_mut(&tid).and_then(|infos| {
            let at = infos.iter().position(|i| i.si_signo == sig as i32)?;
            Some(infos.remove(at))
        });
        let ran = self
            .tracees
            .get_mut(&tid)
            .is_some_and(|t| std::mem::take(&mut t.ran_interrupted));
        if ran {
            // The call ran (bounce.rs): the kernel's own restart rules apply.
            perf.forget_restart(self.shared, tid);
            if let Some(info) = held {
                let _ = ptrace::setsiginfo(pid, &info);
            }
            return Some(sig);
        }
        let shared = self.shared;
        let in_queue = || {
            restart_pending_at_stop(pid, |nr| {
                shared.exit_via_perf(shared.table.arch.audit_arch, nr)
            })
        };
        if perf.take_restart(self.shared, tid, in_queue) {
            if force_restart(pid) {
                // Delivered now; the kernel restarts the call after the handler.
                return Some(sig);
            }
            let info = match held {
                Some(info) => info,
                None => match ptrace::getsiginfo(pid) {
                    Ok(info) => info,
                    Err(_) => return Some(sig),
                },
            };
            // Sent again only once the restarted call has been received:
            // sent now, it would be delivered before the kernel's restart
            // decision.
            let tgid = self.cache.get(tid).tgid;
            perf.hold_signal(tid, tgid, sig as i32);
            self.resend.entry(tid).or_default().push(info);
            return None;
        }
        if let Some(info) = held {
            let _ = ptrace::setsiginfo(pid, &info);
        }
        Some(sig)
    }

    /// Resumes `pid` once, asking for its exit stop if a call is pending
    /// (attached: always, every call stops at its entry and exit).
    fn resume(&mut self, pid: Pid, sig: Option<Signal>) {
        let pending = match self.tracees.get_mut(&pid.as_raw()) {
            Some(t) => {
                t.listening = false;
                t.pending.is_some()
                    || t.inject.is_some()
                    || matches!(t.bounce, Bounced::Syscalls(_))
            }
            None => false,
        } || self.mode == Mode::Attached;
        // ESRCH: the thread was killed meanwhile; its exit is reported later.
        let _ = if pending {
            ptrace::syscall(pid, sig)
        } else {
            ptrace::cont(pid, sig)
        };
    }

    fn on_seccomp_stop(&mut self, pid: Pid) {
        let Ok(si) = ptrace::syscall_info(pid) else {
            self.resume(pid, None);
            return;
        };
        if si.op != libc::PTRACE_SYSCALL_INFO_SECCOMP {
            self.resume(pid, None);
            return;
        }
        // SAFETY: op says the seccomp member of the union is the valid one.
        let (nr, regs) = unsafe { (si.u.seccomp.nr, si.u.seccomp.args) };
        self.on_entry(pid, &si, nr, regs);
    }

    /// Leaves every tracee as it was (`attach`): a thread in a group stop is
    /// detached at once and stays stopped; any other is interrupted, and
    /// detached at the stop that follows, passing on the signal of a
    /// signal-delivery stop. A call pending then gets its record without a
    /// result. Threads that do not stop within two seconds (a vfork parent
    /// waits uninterruptibly for its child) are detached by the kernel when
    /// the tracer exits, without `EXITKILL` nothing kills them.
    fn detach_all(&mut self) {
        let tids: Vec<i32> = self.tracees.keys().copied().collect();
        let mut waiting = std::collections::HashSet::new();
        for tid in tids {
            let pid = Pid::from_raw(tid);
            if let Some(p) = self.tracees.get_mut(&tid).and_then(|t| t.pending.take()) {
                self.finish_unreturned(p.rec);
            }
            if self.tracees.get(&tid).is_some_and(|t| t.listening) {
                let _ = ptrace::detach(pid, None);
            } else if ptrace::interrupt(pid).is_ok() {
                waiting.insert(tid);
            }
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while !waiting.is_empty() && Instant::now() < deadline {
            let st = match waitpid(None, Some(WaitPidFlag::__WALL | WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) => {
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
                Ok(st) => st,
                Err(Errno::EINTR) => continue,
                Err(_) => break,
            };
            let Some(pid) = st.pid() else { continue };
            let tid = pid.as_raw();
            match st {
                WaitStatus::Exited(..) | WaitStatus::Signaled(..) => {
                    waiting.remove(&tid);
                }
                // A signal on its way: it goes with the detach.
                WaitStatus::Stopped(_, sig) => {
                    let _ = ptrace::detach(pid, sig);
                    waiting.remove(&tid);
                }
                _ => {
                    let _ = ptrace::detach(pid, None);
                    waiting.remove(&tid);
                }
            }
        }
        self.tracees.clear();
    }

    /// A syscall stop: an entry when attached (there are no seccomp stops
    /// then), else the exit of a pending call (or of one fault injection
    /// tampered with, which may hold the thread there: `delay_exit=`).
    fn on_syscall_stop(&mut self, pid: Pid) {
        if self.mode == Mode::Attached {
            if let Ok(si) = ptrace::syscall_info(pid) {
                if si.op == libc::PTRACE_SYSCALL_INFO_ENTRY {
                    // A new entry: a call still pending never returned
                    // (a stop was missed), it gets its record now.
                    if let Some(p) = self
                        .tracees
                        .get_mut(&pid.as_raw())
                        .and_then(|t| t.pending.take())
                    {
                        self.finish_unreturned(p.rec);
                    }
                    // SAFETY: op says the entry member of the union is the valid one.
                    let (nr, regs) = unsafe { (si.u.entry.nr, si.u.entry.args) };
                    self.on_entry(pid, &si, nr, regs);
                    return;
                }
            }
        }
        let delay = match self.tracees.get(&pid.as_raw()).map(|t| t.bounce) {
            Some(Bounced::Syscalls(n)) => self.in_syscall_mode(pid, n),
            _ => self.on_exit_stop(pid),
        };
        match delay {
            Some(d) => self.later.push((Instant::now() + d, pid)),
            None => self.resume(pid, None),
        }
    }

    /// A syscall stop of a thread in syscall mode (bounce.rs): entries go
    /// on; the exit of the call handed over completes its record and ends
    /// the mode.
    fn in_syscall_mode(&mut self, pid: Pid, stops: u32) -> Option<Duration> {
        let tid = pid.as_raw();
        let exit =
            ptrace::syscall_info(pid).is_ok_and(|si| si.op == libc::PTRACE_SYSCALL_INFO_EXIT);
        let ours = self
            .tracees
            .get(&tid)
            .is_some_and(|t| t.pending.is_some() || t.inject.is_some());
        if exit && ours {
            // A call of the ptrace path (a seccomp stop) made meanwhile.
            return self.on_exit_stop(pid);
        }
        let handed = match exit {
            true => self.shared.bounce.take_handed(tid),
            false => None,
        };
        let Some(h) = handed else {
            let stops = stops + 1;
            let mode = match stops > SYSCALL_MODE_STOPS {
                true => {
                    self.shared.bounce.leave(tid);
                    Bounced::No
                }
                false => Bounced::Syscalls(stops),
            };
            if let Some(t) = self.tracees.get_mut(&tid) {
                t.bounce = mode;
            }
            return None;
        };
        let res = ptrace::syscall_info(pid).map_or(0, |si| {
            // SAFETY: `exit` said the exit member is the valid one.
            unsafe { si.u.exit.sval }
        });
        if let Some(t) = self.tracees.get_mut(&tid) {
            t.bounce = Bounced::No;
            t.ran_interrupted = (512..=516).contains(&-res);
        }
        let shared = self.shared;
        let table = &shared.table;
        let mem = ProcMem { tid };
        let shown = super::shown(table, table.row(h.nr), h.args, &mem);
        let regs = table.arch.entry_regs(shown.spec.name, shown.regs, None);
        match h.rec {
            Some(rec) => {
                self.tracees.entry(tid).or_default().pending = Some(Pending {
                    regs,
                    rec,
                    t0: h.t0,
                });
                self.on_exit_stop(pid)
            }
            None => {
                // No record (`--pid`, `--comm`): its effects all the same.
                shared.fd_effects(
                    crate::record::Abi::Native,
                    (tid, h.pid),
                    h.nr,
                    &regs,
                    Some(res),
                );
                super::after_call(shared, &mut self.cache, shown.spec.name, tid, h.pid, &regs);
                None
            }
        }
    }

    /// A call entered (seccomp stop, or attached: syscall-entry stop).
    fn on_entry(&mut self, pid: Pid, si: &libc::ptrace_syscall_info, nr: u64, regs: [u64; 6]) {
        let tid = pid.as_raw();
        let shared = self.shared;
        let Some((abi, table)) = shared.abi(si.arch) else {
            self.resume(pid, None);
            return;
        };
        let spec = table.row(nr);
        let mem = ProcMem { tid };
        let shown = super::shown(table, spec, regs, &mem);
        let regs = table
            .arch
            .entry_regs(shown.spec.name, shown.regs, Some(si.stack_pointer));
        let spec = shown.spec;
        let effect_nr = shown.nr.unwrap_or(nr);
        let info = self.cache.get(tid);
        // Calls this thread completed through the perf path come first.
        shared.perf_new_entry(tid);
        // Fault injection: launched commands only (`attach` has no `--inject`).
        let inj = match self.mode {
            Mode::Launched => {
                shared.injection(abi, (nr, shown.nr), (tid, info.tgid), table.row(nr), &regs)
            }
            Mode::Attached => None,
        };
        let (skip, delay) = match inj {
            Some(s) => self.tamper_at_entry(pid, info.tgid, s, &regs),
            None => (false, None),
        };
        let at_exit = self.tracees.get(&tid).is_some_and(|t| t.inject.is_some());
        if shared.wanted(abi, (nr, shown.nr), tid, &info, spec, &regs) {
            let ctx = Ctx {
                arch: table.arch,
                mem: &mem,
                snaplen: shared.opts.snaplen,
            };
            let mut rec = Record {
                ts_ns: super::realtime_ns(),
                pid: info.tgid,
                tid,
                comm: info.comm,
                container: None,
                nr: nr as u32,
                name: spec.name,
                abi,
                args: decode::decode_entry(spec, &regs, &ctx),
                res: None,
                res_kind: super::res_kind(spec),
                dur_ns: None,
                res_path: None,
                res_decoded: None,
                interrupted: false,
                late: false,
                injected: inj.map(crate::inject::marks).unwrap_or_default(),
            };
            shared.annotate(&mut rec);
            if spec.needs_exit() || at_exit {
                shared.enter(&rec, &mut self.scratch);
                let t = self.tracees.entry(tid).or_default();
                t.pending = Some(Pending {
                    regs,
                    rec,
                    t0: Instant::now(),
                });
            } else {
                shared.fd_effects(abi, (tid, info.tgid), effect_nr, &regs, None);
                shared.emit(&rec, &mut self.scratch);
                super::after_call(shared, &mut self.cache, spec.name, tid, info.tgid, &regs);
            }
        } else if !skip {
            shared.fd_effects(abi, (tid, info.tgid), effect_nr, &regs, None);
            // A call trapped only for bookkeeping (a rename): the thread's
            // next stop comes after it has run.
            super::after_call(shared, &mut self.cache, spec.name, tid, info.tgid, &regs);
        }
        match delay {
            Some(d) => self.later.push((Instant::now() + d, pid)),
            None => self.resume(pid, None),
        }
    }

    /// Fault injection at a seccomp stop, as strace does it: pokes and the
    /// signal now; a call that must not run is skipped (its number becomes
    /// -1) and gets its result at the exit stop. Returns whether the call
    /// is skipped, and how long to hold the thread before it goes on.
    fn tamper_at_entry(
        &mut self,
        pid: Pid,
        tgid: i32,
        spec: &crate::inject::Spec,
        regs: &[u64; 6],
    ) -> (bool, Option<Duration>) {
        let tid = pid.as_raw();
        for p in &spec.poke_enter {
            super::memory::poke(tid, regs.get(p.arg).copied().unwrap_or(0), &p.data);
        }
        if let Some(sig) = spec.signal {
            // SAFETY: tgkill takes three integers.
            unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) };
        }
        let res = crate::inject::made_up_result(spec).filter(|_| skip_call(pid));
        let pokes: Vec<(u64, Vec<u8>)> = spec
            .poke_exit
            .iter()
            .map(|p| (regs.get(p.arg).copied().unwrap_or(0), p.data.clone()))
            .collect();
        if res.is_some() || spec.delay_exit.is_some() || !pokes.is_empty() {
            self.tracees.entry(tid).or_default().inject = Some(AtExit {
                res,
                delay: spec.delay_exit,
                pokes,
            });
        }
        (res.is_some(), spec.delay_enter)
    }

    /// A syscall-exit stop; returns how long to hold the thread there
    /// (`delay_exit=`), if at all.
    fn on_exit_stop(&mut self, pid: Pid) -> Option<Duration> {
        let tid = pid.as_raw();
        let at_exit = self.tracees.get_mut(&tid).and_then(|t| t.inject.take());
        let mut made_up = None;
        let mut delay = None;
        if let Some(x) = at_exit {
            if let Some(res) = x.res {
                if set_return(pid, res) {
                    made_up = Some(res);
                }
            }
            for (addr, data) in &x.pokes {
                super::memory::poke(tid, *addr, data);
            }
            delay = x.delay;
        }
        let Some(p) = self.tracees.get_mut(&tid).and_then(|t| t.pending.take()) else {
            return delay;
        };
        let Pending { regs, mut rec, t0 } = p;
        let res = match (made_up, ptrace::syscall_info(pid)) {
            (Some(res), _) => res,
            // SAFETY: op says the exit member of the union is the valid one.
            (_, Ok(si)) if si.op == libc::PTRACE_SYSCALL_INFO_EXIT => unsafe { si.u.exit.sval },
            _ => {
                self.finish_unreturned(rec);
                return delay;
            }
        };
        let shared = self.shared;
        let table = shared.table_of(rec.abi);
        if let Some(spec) = shared.spec_of(&rec) {
            let mem = ProcMem { tid };
            let ctx = Ctx {
                arch: table.arch,
                mem: &mem,
                snaplen: shared.opts.snaplen,
            };
            decode::decode_exit(spec, &regs, res, &ctx, &mut rec.args);
            decode::decode_result(spec, &regs, res, &ctx, &mut rec);
            if made_up.is_none() {
                super::after_call(shared, &mut self.cache, spec.name, tid, rec.pid, &regs);
            }
        }
        rec.res = Some(res);
        rec.dur_ns = Some(t0.elapsed().as_nanos() as u64);
        // A skipped call changed nothing.
        if made_up.is_none() {
            shared.fd_effects(
                rec.abi,
                (tid, rec.pid),
                shared.effect_nr(&rec),
                &regs,
                Some(res),
            );
        }
        shared.annotate(&mut rec);
        // What the perf path completed meanwhile comes first (the batched
        // join may not have written it yet): lines stay in time order.
        shared.perf_sync();
        shared.emit(&rec, &mut self.scratch);
        delay
    }

    /// A line about thread `tid` (strace format only; `--pid`/`--comm` apply).
    fn event(&mut self, tid: i32, line: impl FnOnce(&mut Vec<u8>)) {
        let shared = self.shared;
        if !shared.shows_events()
            || (shared.filters_threads() && !shared.keeps(&self.cache.get(tid)))
        {
            return;
        }
        shared.perf_sync();
        shared.event(tid, &mut self.scratch, line);
    }

    /// A call whose thread died, or was replaced by exec, before it returned.
    fn finish_unreturned(&mut self, rec: Record) {
        self.shared.perf_sync();
        self.shared.emit(&rec, &mut self.scratch);
    }

    /// PTRACE_EVENT_EXEC: when a non-leader thread execs, it takes the
    /// leader's tid; the old leader's pending call never returns.
    fn on_exec(&mut self, pid: Pid) {
        let tid = pid.as_raw();
        if let Ok(former) = ptrace::getevent(pid) {
            let former = former as i32;
            if former != tid {
                if let Some(rec) = self.tracees.get_mut(&tid).and_then(|t| t.pending.take()) {
                    self.finish_unreturned(rec.rec);
                }
                // The old leader's bounced call, if it was in one (bounce.rs).
                if let Some(rec) = self.shared.bounce.leave(tid).and_then(|h| h.rec) {
                    self.finish_unreturned(rec);
                }
                // strace's line for the leader the exec replaces.
                self.event(tid, |out| siginfo::superseded_line(former, out));
                // The record keeps the tid of the thread that called execve.
                if let Some(mut t) = self.tracees.remove(&former) {
                    t.bounce = Bounced::No;
                    self.tracees.insert(tid, t);
                }
                self.cache.forget(former);
                self.shared.changes.note(Change::Thread(former));
                if let Some(rec) = self.shared.bounce.leave(former).and_then(|h| h.rec) {
                    self.finish_unreturned(rec);
                }
                if let Some(perf) = &self.shared.perf {
                    perf.thread_renumbered(former);
                }
            }
        }
        // Its execve returned 0, whether or not perf sees that exit.
        if let Some(perf) = &self.shared.perf {
            perf.exec_done(self.shared, tid);
        }
        let tgid = self.cache.get(tid).tgid;
        self.cache.forget_process(tgid);
        self.shared.changes.note(Change::Process(tgid));
        // After exec the thread has the leader's tid, the process's id.
        self.shared.fd_reset(tid);
        self.resume(pid, None);
    }

    fn gone(&mut self, pid: Pid, how: Exit, core: bool) {
        // Its calls completed through perf are written before its exit line.
        self.shared.perf_sync();
        let tid = pid.as_raw();
        if let Some(t) = self.tracees.remove(&tid) {
            if let Some(p) = t.pending {
                self.finish_unreturned(p.rec);
            }
        }
        if let Some(rec) = self.shared.bounce.leave(tid).and_then(|h| h.rec) {
            self.finish_unreturned(rec);
        }
        self.event(tid, |out| match how {
            Exit::Code(c) => siginfo::exited_line(c, out),
            Exit::Signal(s) => siginfo::killed_line(s, core, out),
        });
        self.cache.forget(tid);
        self.shared.changes.note(Change::Thread(tid));
        self.resend.remove(&tid);
        self.later.retain(|&(_, p)| p != pid);
        if let Some(perf) = &self.shared.perf {
            perf.thread_gone(tid);
        }
        if pid == self.root {
            self.exit = Some(how);
        }
    }
}

/// The longest a tracer holding a delayed thread sleeps between polls for
/// other threads' stops.
const DELAY_POLL: Duration = Duration::from_micros(200);

/// Skips the call at a seccomp stop: its number becomes -1, so the kernel
/// runs nothing (strace's fault injection). x86_64: `orig_rax`, which the
/// kernel reads again after the stop.
#[cfg(target_arch = "x86_64")]
fn skip_call(pid: Pid) -> bool {
    let Ok(mut regs) = ptrace::getregs(pid) else {
        return false;
    };
    regs.orig_rax = u64::MAX;
    ptrace::setregs(pid, regs).is_ok()
}

/// Sets the return register at an exit stop (x86_64: `rax`).
#[cfg(target_arch = "x86_64")]
fn set_return(pid: Pid, res: i64) -> bool {
    let Ok(mut regs) = ptrace::getregs(pid) else {
        return false;
    };
    regs.rax = res as u64;
    ptrace::setregs(pid, regs).is_ok()
}

/// aarch64: the syscall number is its own regset, `NT_ARM_SYSTEM_CALL`.
#[cfg(target_arch = "aarch64")]
fn skip_call(pid: Pid) -> bool {
    const NT_ARM_SYSTEM_CALL: libc::c_int = 0x404;
    let mut nr: libc::c_int = -1;
    let mut iov = libc::iovec {
        iov_base: (&mut nr as *mut libc::c_int).cast(),
        iov_len: std::mem::size_of::<libc::c_int>(),
    };
    // SAFETY: iov describes `nr`, which outlives the call.
    unsafe {
        libc::ptrace(
            libc::PTRACE_SETREGSET,
            pid.as_raw(),
            NT_ARM_SYSTEM_CALL as usize,
            &mut iov as *mut libc::iovec,
        ) == 0
    }
}

/// aarch64: x0 in the `NT_PRSTATUS` regset.
#[cfg(target_arch = "aarch64")]
fn set_return(pid: Pid, res: i64) -> bool {
    // SAFETY: user_regs_struct is plain old data.
    let mut regs: libc::user_regs_struct = unsafe { std::mem::zeroed() };
    if !prstatus(pid, libc::PTRACE_GETREGSET, &mut regs) {
        return false;
    }
    regs.regs[0] = res as u64;
    prstatus(pid, libc::PTRACE_SETREGSET, &mut regs)
}

/// aarch64: reads (`PTRACE_GETREGSET`) or writes (`PTRACE_SETREGSET`)
/// thread `pid`'s general registers.
#[cfg(target_arch = "aarch64")]
fn prstatus(pid: Pid, op: libc::c_uint, regs: &mut libc::user_regs_struct) -> bool {
    let mut iov = libc::iovec {
        iov_base: (regs as *mut libc::user_regs_struct).cast(),
        iov_len: std::mem::size_of::<libc::user_regs_struct>(),
    };
    // SAFETY: iov describes `regs`, which outlives the call.
    unsafe {
        libc::ptrace(
            op,
            pid.as_raw(),
            libc::NT_PRSTATUS as usize,
            &mut iov as *mut libc::iovec,
        ) == 0
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn skip_call(_: Pid) -> bool {
    false
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn set_return(_: Pid, _: i64) -> bool {
    false
}

/// `-ERESTARTSYS` / `-ERESTARTNOINTR`, as raw return values.
#[cfg(target_arch = "x86_64")]
const ERESTARTSYS: i64 = -512;
#[cfg(target_arch = "x86_64")]
const ERESTARTNOINTR: i64 = -513;

/// On x86_64 the kernel reads the interrupted call's return value after this
/// stop to decide between EINTR and a restart: turning ERESTARTSYS into
/// ERESTARTNOINTR restarts the call whatever the handler's SA_RESTART, and
/// the signal is delivered at once, unchanged.
#[cfg(target_arch = "x86_64")]
fn force_restart(pid: Pid) -> bool {
    let Ok(mut regs) = ptrace::getregs(pid) else {
        return false;
    };
    if regs.rax as i64 != ERESTARTSYS {
        return false;
    }
    regs.rax = ERESTARTNOINTR as u64;
    ptrace::setregs(pid, regs).is_ok()
}

/// Whether `pid`, at a signal's delivery stop, left a native call that
/// `perf_path` names with ERESTARTSYS: a call the signal interrupted while it
/// waited for the supervisor (see `PerfExits::take_restart`).
#[cfg(target_arch = "x86_64")]
fn restart_pending_at_stop(pid: Pid, perf_path: impl Fn(u64) -> bool) -> bool {
    // The 64-bit user code segment: a compat call's numbers are not these.
    const USER_CS: u64 = 0x33;
    let Ok(regs) = ptrace::getregs(pid) else {
        return false;
    };
    regs.rax as i64 == ERESTARTSYS && regs.cs == USER_CS && perf_path(regs.orig_rax)
}

/// Lazy events are x86_64's only (`LAZY_EXIT_EVENTS`).
#[cfg(not(target_arch = "x86_64"))]
fn restart_pending_at_stop(_: Pid, _: impl Fn(u64) -> bool) -> bool {
    false
}

/// Whether the perf exit events may be closed while no call needs them: the
/// tracer must then see, at a signal's stop, that a call was interrupted
/// before it was received, from the registers, which x86_64 alone allows
/// (`restart_pending_at_stop`).
pub const LAZY_EXIT_EVENTS: bool = cfg!(target_arch = "x86_64");

/// On aarch64 the restart decision is taken before the signal stop (from a
/// copy of x0): registers cannot change it, the signal is held instead.
#[cfg(not(target_arch = "x86_64"))]
fn force_restart(_: Pid) -> bool {
    false
}
