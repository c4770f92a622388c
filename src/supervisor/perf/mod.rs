//! Return values without stops: the notification gives a call's arguments
//! at entry, a syscall exit perf event (ring.rs) gives its return value,
//! and this module joins the two by thread id.
//!
//! Why the join is exact: a thread makes one call at a time, and the kernel
//! writes a call's exit sample before the thread can enter its next call.
//! Entries and exits are handled in time order, so the first exit sample
//! after a thread's pending call is that call's (restarts included: the
//! interrupted call exits with ERESTARTSYS, the restart is a new entry). A
//! pending call still there when the thread enters again lost its exit (ring
//! full) or never returned; it is written with no return value, never joined
//! to the wrong exit.
//!
//! Two ways to keep that order. At entry (`Join::AtEntry`): every reader
//! drains the rings before it acts on a thread's next entry (the
//! notification thread does it before each answer). Batched (the default):
//! the notification thread only queues each entry, stamped under the queue's
//! lock, and whoever drains next (mostly the poller) merges the queue in
//! among the rings' events. The notification thread then never touches the
//! rings, whose control page the kernel writes at every sample: on nginx
//! that cache-line traffic and the join cost more than the samples
//! (BENCHMARKS.md, "The batched join").

pub mod ring;
pub mod tracefs;
pub mod wide;

use super::Shared;
use crate::handlers::decode::{self, Ctx};
use crate::record::{Abi, Record};
use nix::sys::eventfd::{EfdFlags, EventFd};
use parking_lot::Mutex;
use ring::{Event, ExitEvents};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
// Keyed by thread id, looked up several times per traced call: a plain
// multiplicative hash (the ids come from the kernel, not an adversary).
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

/// A call between its notification and its exit sample.
struct Pending {
    /// `None` for a call that gets no record (not selected by --pid/--comm,
    /// or hidden): tracked all the same, so that its exit is not taken for
    /// that of a call the kernel interrupted before it was received.
    rec: Option<Record>,
    nr: u32,
    pid: i32,
    regs: [u64; 6],
    /// CLOCK_MONOTONIC at the notification, ns.
    t0_ns: u64,
}

/// A thread seen to end: its pending call, if entered before `time_ns`,
/// never returns. Acted on after one more pass over the rings, so that exit
/// samples it wrote on another CPU just before are seen first.
struct Death {
    tid: i32,
    time_ns: u64,
}

struct State {
    events: ExitEvents,
    pending: HashMap<i32, Pending>,
    deaths: Vec<Death>,
    lost: u64,
    /// Threads whose latest exit was ERESTARTSYS for a call never received:
    /// a signal interrupted it while it waited for the supervisor. See
    /// `take_restart`.
    restarts: HashMap<i32, u32>,
    /// Calls whose exit carried a restart code (`-ERESTARTSYS` ...): the
    /// thread either goes on to a signal, or was killed inside the call
    /// (another thread's exit_group or execve: ptrace shows no exit then,
    /// and the record says `res=?`). Written once the thread is seen to
    /// live on (a signal or group stop, its next call) with the value, or
    /// with no result when it dies first. See `settle`.
    interrupted: HashMap<i32, (Pending, i64, u64)>,
    /// Signals held back by the tracer while it let the kernel restart an
    /// interrupted call: `(tid, tgid, signal, when held)`, sent again once
    /// the restarted call has been received (it can no longer be
    /// interrupted then), or after `RESEND_AFTER_NS` whatever happens.
    held: Vec<(i32, i32, i32, u64)>,
    scratch: Vec<u8>,
    /// Events read but not yet handled (see `pass`).
    batch: Vec<Event>,
    /// The other half of `PerfExits::queue`, swapped in by `pass`.
    queued: Vec<(u64, Entered)>,
    /// Threads whose execve succeeded (ptrace's exec event) before its
    /// exit sample was seen. A 32-bit program's first return counts as a
    /// compat call, which `syscalls:sys_exit_*` skips: no sample comes then,
    /// and the call returned 0.
    execs: HashSet<i32>,
    /// Completed records not yet written, oldest first. With the join at
    /// entry the notification thread joins exits before it answers (the
    /// join must precede the thread's next call) but formats and writes them
    /// after the answer, while the tracee runs: see `entry_deferred`. Every
    /// other reader writes them before it returns, so no later line
    /// overtakes them.
    out: Vec<Record>,
    /// A new thread could not be added to the cpu scope's filter (said once).
    follow_failed: bool,
}

/// When the notification thread's entries are joined to the exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Join {
    /// Before each answer, after a drain of the rings: the calls' effects
    /// are known before the next call is decoded (`-y` needs that).
    AtEntry,
    /// Queued, and joined at the next drain (the poller's, or another
    /// loop's): the notification thread's share is one short lock.
    Batched,
}

/// A queue this long is joined by the notification thread itself, after
/// its answer (less with small rings: see `queue_limits`): the poller is not
/// keeping up, and the queue's memory and the rings' fill stay bounded.
const QUEUE_MAX: usize = 4096;

/// Bytes of ring per queued entry: each queued call writes one sample (56
/// bytes) before the next drain; a queue at most this long keeps the rings
/// under half full.
const RING_BYTES_PER_ENTRY: usize = 128;

/// A quarter of that wakes the poller, which joins them. It, not the
/// notification thread, should: while the notification thread joins
/// thousands of calls, every tracee waits.
const WAKE_AT: usize = 4;

/// Lazy events (cpu scope, x86_64) are closed once no call has needed them
/// for this long, and opened again by the next call that does: while they
/// are open every process on the machine pays the tracepoint slow path on
/// each syscall (BENCHMARKS.md, "Idle exit events"). Opening costs the
/// call that waits for it ~0.3 ms here (more CPUs, more events), and the
/// close waits for an RCU grace period (~40 ms, off every hot path): calls
/// a few times a second keep them open.
const IDLE_NS: u64 = 250_000_000;

/// Mean gap between perf-path calls (a moving average, weight 1/4) above
/// which a call made while the lazy events are closed does not open them:
/// fewer than 200 a second are taken through a restart and a ptrace exit
/// stop instead (supervisor/bounce.rs), 25-60 us each on 2 vCPUs against
/// ~4 us with the events open, while open events would slow every syscall
/// on the machine.
const RARE_GAP_NS: u64 = 5_000_000;

/// Open events are closed once the mean gap grows past this (fewer than
/// 100 calls a second), or after this long with no call, if calls can be
/// bounced; between the two rates the events stay as they are.
const TRICKLE_GAP_NS: u64 = 10_000_000;

/// The perf exit path of one traced tree.
pub struct PerfExits {
    state: Mutex<State>,
    /// `Join::Batched`: entries not yet handed to `state`.
    queue: Mutex<Vec<(u64, Entered)>>,
    /// Queued entries that make `enter` wake the poller, and ask its caller
    /// to join them.
    queue_wake: usize,
    queue_max: usize,
    /// The poller's wake-up (`None`: no eventfd; the notification thread
    /// then joins at `queue_max` itself).
    wake: Option<EventFd>,
    join: Join,
    /// Mirrors `state.events.is_live()`, read without the lock; written
    /// under the state lock and the queue's.
    live: AtomicBool,
    /// CLOCK_MONOTONIC of the latest `enter`, ns.
    last_use: AtomicU64,
    /// `IDLE_NS`, or MY_SYSDIG_PERF_IDLE_MS (tests, benchmarks).
    idle_ns: u64,
    /// The events are lazy (opened and closed as calls need them).
    lazy: bool,
    /// Close them when calls trickle (`TRICKLE_GAP_NS`): rare calls can be
    /// bounced.
    trickle: AtomicBool,
    /// The poller is closing the events (`suspend_if_idle`).
    closing: AtomicBool,
    /// Every call is rare (`close_on_trickle`).
    all_rare: AtomicBool,
    /// Moving average of the gaps between perf-path calls, and the latest
    /// call's time, ns (`rare`).
    gap_ns: AtomicU64,
    last_call_ns: AtomicU64,
    /// Reopening the events failed (said once).
    resume_failed: AtomicBool,
    /// Lazy events: times opened, times closed, restarts the registers
    /// told (MY_SYSDIG_PERF_STATS prints them at the end).
    opened: AtomicU64,
    closed: AtomicU64,
    from_regs: AtomicU64,
    execve: [Option<u32>; 2],
    /// The threads followed so far when no tracer reports them (the
    /// agent's: `follow`, `reap`); `None` when a tracer does.
    followed: Option<Mutex<HashSet<i32>>>,
}

impl PerfExits {
    pub fn new(events: ExitEvents, execve: [Option<u32>; 2], join: Join) -> Self {
        let (queue_wake, queue_max) = queue_limits(events.ring_bytes());
        let live = AtomicBool::new(events.is_live());
        PerfExits {
            lazy: events.is_lazy(),
            trickle: AtomicBool::new(false),
            closing: AtomicBool::new(false),
            all_rare: AtomicBool::new(false),
            // As if the last call were long ago: the first calls are rare.
            gap_ns: AtomicU64::new(u64::MAX / 8),
            last_call_ns: AtomicU64::new(0),
            live,
            last_use: AtomicU64::new(0),
            idle_ns: std::env::var("MY_SYSDIG_PERF_IDLE_MS")
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .map_or(IDLE_NS, |ms| ms.saturating_mul(1_000_000)),
            resume_failed: AtomicBool::new(false),
            opened: AtomicU64::new(0),
            closed: AtomicU64::new(0),
            from_regs: AtomicU64::new(0),
            state: Mutex::new(State {
                events,
                pending: HashMap::default(),
                deaths: Vec::new(),
                lost: 0,
                restarts: HashMap::default(),
                interrupted: HashMap::default(),
                held: Vec::new(),
                scratch: Vec::with_capacity(4096),
                batch: Vec::new(),
                queued: Vec::new(),
                execs: HashSet::default(),
                out: Vec::new(),
                follow_failed: false,
            }),
            queue_wake,
            queue_max,
            wake: EventFd::from_value_and_flags(0, EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)
                .ok(),
            queue: Mutex::new(Vec::new()),
            join,
            execve,
            followed: None,
        }
    }

    /// Events whose threads are found as they make their first call, with
    /// no tracer to report them (the agent): see `follow` and `reap`.
    pub fn discovering(mut self) -> Self {
        self.followed = Some(Mutex::new(HashSet::default()));
        self
    }

    /// Whether the events are opened and closed as calls need them.
    pub fn is_lazy(&self) -> bool {
        self.lazy
    }

    /// Closes the events when calls trickle, not only when idle (calls
    /// that find them closed can be bounced); `all`: every call is taken
    /// for rare (`MY_SYSDIG_BOUNCE=all`, tests).
    pub fn close_on_trickle(&self, all: bool) {
        self.trickle.store(true, Ordering::Relaxed);
        self.all_rare.store(all, Ordering::Relaxed);
    }

    /// Notes a perf-path call at `now_ns` (every one, bounced or not) and
    /// returns whether it is to be bounced: the events are closed and calls
    /// come less often than every `RARE_GAP_NS` on average, or they are
    /// being closed (an open would wait for that).
    pub fn rare(&self, now_ns: u64) -> bool {
        let last = self.last_call_ns.swap(now_ns, Ordering::Relaxed);
        let gap = now_ns.saturating_sub(last);
        let avg = self.gap_ns.load(Ordering::Relaxed);
        // Races between receivers only blur the average.
        let avg = avg - avg / 4 + gap / 4;
        self.gap_ns.store(avg, Ordering::Relaxed);
        self.lazy
            && ((!self.live.load(Ordering::Acquire) && avg >= RARE_GAP_NS)
                || self.closing.load(Ordering::Acquire)
                || self.all_rare.load(Ordering::Relaxed))
    }

    /// Whether threads are found by `follow` rather than reported.
    pub fn discovers(&self) -> bool {
        self.followed.is_some()
    }

    /// Thread `tid` made a call whose exit is wanted, not yet answered: the
    /// events follow it from now on, so that this call's exit is seen (the
    /// call runs only after the answer).
    pub fn follow(&self, shared: &Shared, tid: i32) {
        let Some(followed) = &self.followed else {
            return;
        };
        if !followed.lock().insert(tid) {
            return;
        }
        self.thread_started(shared, tid);
    }

    /// Forgets the followed threads that `alive` says are gone (the ids
    /// stay out of the next generation's filter); their pending calls never
    /// returned. Called every second or so: with no tracer, nothing else
    /// tells when a thread ends inside a call.
    pub fn reap(&self, alive: impl Fn(i32) -> bool) {
        let Some(followed) = &self.followed else {
            return;
        };
        let known: Vec<i32> = followed.lock().iter().copied().collect();
        for tid in known.into_iter().filter(|&t| !alive(t)) {
            followed.lock().remove(&tid);
            self.thread_gone(tid);
        }
    }

    /// Whether the notification thread leaves a perf call's join to a later
    /// drain (`enter` alone, no `entry_deferred` or `flush`).
    pub fn batched(&self) -> bool {
        self.join == Join::Batched
    }

    /// The fds a poller waits on: the rings' (readable at the watermark)
    /// and `wake_fd`.
    pub fn fds(&self) -> Vec<i32> {
        let mut fds: Vec<i32> = self.state.lock().events.fds().collect();
        fds.extend(self.wake_fd());
        fds
    }

    /// The wake-up `enter` sends the poller when the queue is long (then
    /// `woken` resets it).
    pub fn wake_fd(&self) -> Option<i32> {
        self.wake.as_ref().map(|w| w.as_fd().as_raw_fd())
    }

    /// Wakes the poller (at the end: see `supervisor::run`).
    pub fn wake_poller(&self) {
        if let Some(w) = &self.wake {
            let _ = w.write(1);
        }
    }

    /// The poller saw the wake-up: makes it unreadable again.
    pub fn woken(&self) {
        if let Some(w) = &self.wake {
            let _ = w.read();
        }
    }

    /// Writes every call whose exit has arrived.
    pub fn sync(&self, shared: &Shared) {
        let mut st = self.state.lock();
        self.drain(&mut st, shared);
        flush(&mut st, shared);
    }

    /// Thread `tid` is entering a new call: writes what has completed and,
    /// if the thread still has a call pending, writes it as never returned
    /// (its exit would have been in the rings by now).
    pub fn new_entry(&self, shared: &Shared, tid: i32) {
        let mut st = self.state.lock();
        self.join_before_entry(&mut st, shared, tid);
        flush(&mut st, shared);
    }

    /// As `new_entry`, but the records stay queued until `flush`: the
    /// notification thread calls this before it answers and `flush` after,
    /// so that formatting and writing them is not in the tracee's wait.
    pub fn entry_deferred(&self, shared: &Shared, tid: i32) {
        let mut st = self.state.lock();
        self.join_before_entry(&mut st, shared, tid);
    }

    /// Writes the records that `entry_deferred` and `enter` queued.
    pub fn flush(&self, shared: &Shared) {
        flush(&mut self.state.lock(), shared);
    }

    fn join_before_entry(&self, st: &mut State, shared: &Shared, tid: i32) {
        self.drain(st, shared);
        settle(st, shared, tid, true);
        if let Some(old) = st.pending.remove(&tid) {
            self.no_exit(st, shared, tid, old);
        }
    }

    /// Thread `tid` joined the tree; the tracer calls this before the
    /// thread runs. In the cpu scope its calls are sampled from now on.
    pub fn thread_started(&self, shared: &Shared, tid: i32) {
        let mut st = self.state.lock();
        if self.join == Join::Batched {
            // The reader must know every replacement window since its last
            // pass (ring::is_twin); the join at entry drains at each call.
            self.drain(&mut st, shared);
            flush(&mut st, shared);
        }
        // A reused id: what is known of the previous owner's exits is stale.
        st.restarts.remove(&tid);
        // No call is answered during a replacement (see wide.rs): batched
        // entries are queued under this lock before their answer.
        let _answers = self.queue.lock();
        if let Err(e) = st.events.add_thread(tid) {
            if !st.follow_failed {
                st.follow_failed = true;
                shared.warn(&format!(
                    "perf: cannot follow new thread {tid} ({e}); calls of threads started from now on are written with res=?"
                ));
            }
        }
    }

    /// Thread `tid` is gone (the tracer saw it end). In the cpu scope this
    /// is its death as `Event::ThreadExit` gives it in the task scope: seen
    /// after the thread's last exit sample was written, so it is stamped now.
    pub fn thread_gone(&self, tid: i32) {
        let mut st = self.state.lock();
        st.events.remove_thread(tid);
        if !st.events.reports_thread_exits() {
            st.restarts.remove(&tid);
            st.deaths.push(Death {
                tid,
                time_ns: monotonic_ns(),
            });
        }
    }

    /// `former` is no longer a thread id of the tree, though no thread died:
    /// a non-leader's execve gave its thread the leader's id. Its pending
    /// execve is joined to the exit that comes with the leader's id.
    pub fn thread_renumbered(&self, former: i32) {
        self.state.lock().events.remove_thread(former);
    }

    /// `tid` completed an execve: the ptrace exec event, before the new
    /// program runs (see `State::execs`).
    pub fn exec_done(&self, shared: &Shared, tid: i32) {
        let mut st = self.state.lock();
        // The execve's own entry may still be queued: joined first, it would
        // clear the mark.
        self.drain(&mut st, shared);
        st.execs.insert(tid);
    }

    /// `tid`'s pending call `p` is over with no exit sample: an execve the
    /// exec event vouched for returned 0; anything else did not return.
    fn no_exit(&self, st: &mut State, shared: &Shared, tid: i32, p: Pending) {
        if st.execs.remove(&tid) && self.is_execve(p.nr as i64) {
            if let Some(rec) = complete(shared, tid, p, 0, monotonic_ns()) {
                st.out.push(rec);
            }
            return;
        }
        unreturned(st, p);
    }

    /// A call whose return value will come from the rings (`rec` is `None`
    /// when it gets no record). Called before the notification is answered,
    /// so its exit cannot be missed. At entry (`Join::AtEntry`): after a
    /// drain made since the notification was received (`entry_deferred`),
    /// so that the thread's earlier exits are in; records it completes are
    /// queued for `flush`. Batched: queued for the next drain, stamped under
    /// the queue's lock so that no pass can begin between the stamp and the
    /// push (a pass takes every entry stamped before it began). Returns
    /// whether the caller should drain now (the poller lags far behind).
    pub fn enter(&self, shared: &Shared, call: Entered) -> bool {
        // The notification's own time: no second clock read per call.
        self.last_use.store(call.t0_ns, Ordering::Relaxed);
        if self.join == Join::Batched {
            let mut q = self.queue.lock();
            // Closed events are opened before the call can run. The state
            // lock, held until the push, keeps `suspend_if_idle` out.
            let st = match self.live.load(Ordering::Acquire) {
                true => None,
                false => {
                    drop(q);
                    let mut st = self.state.lock();
                    q = self.queue.lock();
                    self.resume(&mut st, shared);
                    Some(st)
                }
            };
            q.push((monotonic_ns(), call));
            let n = q.len();
            drop(q);
            drop(st);
            if n == self.queue_wake {
                match &self.wake {
                    Some(w) => {
                        let _ = w.write(1);
                    }
                    None => return true,
                }
            }
            return n >= self.queue_max;
        }
        let mut st = self.state.lock();
        if !self.live.load(Ordering::Acquire) {
            let _answers = self.queue.lock();
            self.resume(&mut st, shared);
        }
        self.on_enter(&mut st, shared, call);
        false
    }

    /// Opens lazy events again (under the state lock and the queue's).
    fn resume(&self, st: &mut State, shared: &Shared) {
        match st.events.resume() {
            Ok(()) => {
                self.opened.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                if !self.resume_failed.swap(true, Ordering::Relaxed) {
                    shared.warn(&format!(
                        "perf: cannot open the exit events again ({e}); such calls are written with res=?"
                    ));
                }
            }
        }
        self.live.store(st.events.is_live(), Ordering::Release);
    }

    /// The poller's: closes lazy events no call has needed for `IDLE_NS`,
    /// once nothing waits for an exit sample (no pending call, no exit with
    /// a restart code whose signal stop is still ahead).
    pub fn suspend_if_idle(&self, shared: &Shared) {
        // With bouncing, a short quiet spell is enough: the next call, if
        // it comes before a burst, is bounced rather than reopening them.
        let idle = || {
            let quiet = monotonic_ns().saturating_sub(self.last_use.load(Ordering::Relaxed));
            quiet > self.idle_ns
                || (self.trickle.load(Ordering::Relaxed)
                    && (quiet >= TRICKLE_GAP_NS
                        || self.gap_ns.load(Ordering::Relaxed) >= TRICKLE_GAP_NS))
        };
        if !self.live.load(Ordering::Acquire) || !idle() {
            return;
        }
        let closing = {
            let mut st = self.state.lock();
            if !st.events.is_lazy() {
                return;
            }
            self.drain(&mut st, shared);
            flush(&mut st, shared);
            let q = self.queue.lock();
            let waiting = !q.is_empty()
                || !st.queued.is_empty()
                || !st.batch.is_empty()
                || !st.pending.is_empty()
                || !st.interrupted.is_empty()
                || !st.restarts.is_empty()
                || !st.held.is_empty()
                || !st.deaths.is_empty();
            if waiting || !idle() {
                return;
            }
            self.live.store(false, Ordering::Release);
            self.closed.fetch_add(1, Ordering::Relaxed);
            st.events.suspend()
        };
        // Closed outside the locks: the last one waits for a grace period,
        // during which an open would wait too: calls are bounced meanwhile.
        self.closing.store(true, Ordering::Release);
        drop(closing);
        self.closing.store(false, Ordering::Release);
    }

    /// `tid`'s last call ran and was completed by the tracer (bounce.rs):
    /// an exit with a restart code it left in the rings is not that of a
    /// call interrupted before it was received.
    pub fn forget_restart(&self, shared: &Shared, tid: i32) {
        let mut st = self.state.lock();
        self.drain(&mut st, shared);
        st.restarts.remove(&tid);
        flush(&mut st, shared);
    }

    /// An entry, in its place in time.
    fn on_enter(&self, st: &mut State, shared: &Shared, call: Entered) {
        st.restarts.remove(&call.tid);
        release_held(st, |t, _| t == call.tid);
        settle(st, shared, call.tid, true);
        if let Some(old) = st.pending.remove(&call.tid) {
            // Its exit never came: lost, or the call did not return.
            self.no_exit(st, shared, call.tid, old);
        }
        st.execs.remove(&call.tid);
        if let Some(rec) = &call.rec {
            // The strace format shows the entry now; after the drain, so
            // that this thread's earlier calls come first.
            if shared.shows_entries() {
                flush(st, shared);
                shared.enter(rec, &mut st.scratch);
            }
        }
        let p = Pending {
            rec: call.rec,
            nr: call.nr,
            pid: call.pid,
            regs: call.regs,
            t0_ns: call.t0_ns,
        };
        st.pending.insert(call.tid, p);
    }

    /// Whether `tid`, now stopped for a signal, had its last call
    /// interrupted by that signal before the supervisor received it. The
    /// kernel then fails the call with ERESTARTSYS, which becomes EINTR
    /// when the handler lacks SA_RESTART, even for calls that never fail
    /// so natively: the ptrace tracer then restarts the call instead.
    ///
    /// Lazy events see no exit of a call interrupted while they were
    /// closed: `in_queue` (the registers: ERESTARTSYS from a call of this
    /// path) tells, for a thread with no received call that ran (one that
    /// did has an exit sample, or is still pending: events are open while
    /// any such call runs).
    pub fn take_restart(&self, shared: &Shared, tid: i32, in_queue: impl FnOnce() -> bool) -> bool {
        let mut st = self.state.lock();
        self.drain(&mut st, shared);
        let ran = st.pending.contains_key(&tid) || st.interrupted.contains_key(&tid);
        // Stopped for a signal: its interrupted call, if any, returned.
        settle(&mut st, shared, tid, true);
        flush(&mut st, shared);
        // A signal already held means the restart is still ahead: any
        // other signal delivered before it would see ERESTARTSYS too.
        if st.restarts.remove(&tid).is_some() || st.held.iter().any(|h| h.0 == tid) {
            return true;
        }
        let told = st.events.is_lazy() && !ran && in_queue();
        if told {
            self.from_regs.fetch_add(1, Ordering::Relaxed);
        }
        told
    }

    /// `tid` is in a group stop: it lives on, so a call it left with a
    /// restart code returned (it did not die inside it).
    pub fn group_stop(&self, shared: &Shared, tid: i32) {
        let mut st = self.state.lock();
        self.drain(&mut st, shared);
        settle(&mut st, shared, tid, true);
        flush(&mut st, shared);
    }

    /// The tracer held back `sig` for `tid` (see `take_restart`); it is sent
    /// again once the restarted call is received.
    pub fn hold_signal(&self, tid: i32, tgid: i32, sig: i32) {
        self.state
            .lock()
            .held
            .push((tid, tgid, sig, monotonic_ns()));
    }

    /// At the end: everything left never returned.
    pub fn finish(&self, shared: &Shared) {
        let mut st = self.state.lock();
        self.drain(&mut st, shared);
        self.flush_waiting(&mut st, shared);
        // Interrupted calls of threads never seen again: ended inside them.
        let mut cut: Vec<i32> = st.interrupted.keys().copied().collect();
        cut.sort_by_key(|t| st.interrupted.get(t).map(|i| i.0.t0_ns));
        for tid in cut {
            settle(&mut st, shared, tid, false);
        }
        let mut left: Vec<(i32, Pending)> = st.pending.drain().collect();
        left.sort_by_key(|(_, p)| p.t0_ns);
        for (tid, p) in left {
            self.no_exit(&mut st, shared, tid, p);
        }
        flush(&mut st, shared);
        if std::env::var_os("MY_SYSDIG_PERF_STATS").is_some() {
            shared.warn(&format!(
                "perf: exit events opened {} times, closed {} times; {} restarts told by the registers; {} calls bounced",
                self.opened.load(Ordering::Relaxed),
                self.closed.load(Ordering::Relaxed),
                self.from_regs.load(Ordering::Relaxed),
                shared.bounce.bounced()
            ));
        }
        if st.lost > 0 {
            shared.warn(&format!(
                "the perf ring buffer overflowed: {} return values lost; those calls are written with res=?",
                st.lost
            ));
        }
    }

    fn drain(&self, st: &mut State, shared: &Shared) {
        if !st.held.is_empty() {
            let now = monotonic_ns();
            release_held(st, |_, since| now.saturating_sub(since) > RESEND_AFTER_NS);
        }
        self.pass(st, shared);
        if !st.deaths.is_empty() {
            // A death is acted on only after a pass that began once it was
            // seen: exit samples the thread wrote on another CPU just
            // before dying are then read first. Deaths this second pass
            // finds wait for the next drain.
            let ripe = std::mem::take(&mut st.deaths);
            self.pass(st, shared);
            for d in ripe {
                bury(st, shared, d);
            }
        }
    }

    /// Reads each ring once, and handles in time order the events stamped
    /// before the pass began, with the queued entries (all stamped before
    /// it) merged in. Later events wait for the next pass: an event of one
    /// CPU's ring may have a predecessor (same thread, earlier call) on
    /// another ring that was read before it was written.
    fn pass(&self, st: &mut State, shared: &Shared) {
        let start = {
            let mut q = self.queue.lock();
            std::mem::swap(&mut *q, &mut st.queued);
            monotonic_ns()
        };
        let mut events = std::mem::take(&mut st.batch);
        st.events.drain(|e| events.push(e));
        events.sort_by_key(Event::time_ns);
        let ready = events.partition_point(|e| e.time_ns() <= start);
        let later: Vec<Event> = events.drain(ready..).collect();
        // The queue is in time order (stamped under its lock): merged. On a
        // tie the event goes first (a thread's exit precedes its next entry).
        let mut entries = std::mem::take(&mut st.queued);
        let mut entries_iter = entries.drain(..).peekable();
        for e in events.drain(..) {
            while let Some((_, call)) = entries_iter.next_if(|(t, _)| *t < e.time_ns()) {
                self.on_enter(st, shared, call);
            }
            self.on_event(st, shared, e);
        }
        for (_, call) in entries_iter {
            self.on_enter(st, shared, call);
        }
        st.queued = entries;
        events.extend(later);
        st.batch = events;
    }

    /// Handles every event still waiting, whatever its time (at the end).
    fn flush_waiting(&self, st: &mut State, shared: &Shared) {
        let mut events = std::mem::take(&mut st.batch);
        for e in events.drain(..) {
            self.on_event(st, shared, e);
        }
        st.batch = events;
    }

    fn on_event(&self, st: &mut State, shared: &Shared, e: Event) {
        match e {
            Event::Exit {
                pid,
                tid,
                time_ns,
                nr,
                ret,
            } => {
                if !st.held.is_empty() {
                    release_held(st, |t, since| t == tid && since < time_ns);
                }
                let own = st.pending.get(&tid).is_some_and(|p| p.nr as i64 == nr);
                let key = if own {
                    Some(tid)
                } else if self.is_execve(nr) {
                    // A non-leader thread's successful execve returns with
                    // the leader's tid; the old leader's call never returns.
                    let caller = st
                        .pending
                        .iter()
                        .find(|(_, p)| p.pid == pid && p.nr as i64 == nr)
                        .map(|(&t, _)| t);
                    if caller.is_some() {
                        // The old leader left its call to die (its exit
                        // may have come first, with a restart code).
                        settle(st, shared, tid, false);
                        if let Some(old) = st.pending.remove(&tid) {
                            unreturned(st, old);
                        }
                    }
                    caller
                } else {
                    // An exit with no entry: a call before the filter, a
                    // child's return from fork, or a call interrupted
                    // before it was received.
                    // (Not a thread in syscall mode: its calls' exits are
                    // the tracer's, bounce.rs.)
                    if ret == -ERESTARTSYS && !shared.bounce.in_syscall_mode(tid) {
                        st.restarts.insert(tid, nr as u32);
                    }
                    None
                };
                if let Some((k, p)) = key.and_then(|k| st.pending.remove(&k).map(|p| (k, p))) {
                    st.restarts.remove(&tid);
                    st.execs.remove(&k);
                    if RESTART_CODES.contains(&-ret) {
                        // Returned to a signal, or killed: `settle` tells.
                        settle(st, shared, k, true);
                        st.interrupted.insert(k, (p, ret, time_ns));
                    } else if let Some(rec) = complete(shared, k, p, ret, time_ns) {
                        st.out.push(rec);
                    }
                }
            }
            Event::ThreadExit { tid, time_ns } => {
                st.restarts.remove(&tid);
                st.deaths.push(Death { tid, time_ns })
            }
            Event::Lost(n) => {
                if st.lost == 0 {
                    shared.warn(&format!(
                        "the perf ring buffer overflowed ({n} records lost); affected calls are written with res=?"
                    ));
                }
                st.lost += n;
            }
        }
    }

    fn is_execve(&self, nr: i64) -> bool {
        self.execve.iter().flatten().any(|&e| e as i64 == nr)
    }
}

/// The record of a call that returned `ret`. Output arguments stay "not
/// captured" (this path reads no memory at exit), except those that need no
/// memory at this snaplen, decoded as the ptrace path would.
fn complete(shared: &Shared, tid: i32, p: Pending, ret: i64, time_ns: u64) -> Option<Record> {
    // -y: what the call did to the descriptor table, record or not. (Only
    // native calls take this path: see `Shared::exit_via_perf`.)
    shared.fd_effects(Abi::Native, (tid, p.pid), p.nr as u64, &p.regs, Some(ret));
    let mut rec = p.rec?;
    if let Some(spec) = shared.table.get(rec.nr as u64) {
        let snaplen = shared.opts.snaplen;
        if spec.needs_exit_memory() && !spec.needs_exit_memory_at(snaplen) {
            let ctx = Ctx {
                arch: shared.table.arch,
                mem: &NoMemory,
                snaplen,
            };
            decode::decode_exit(spec, &p.regs, ret, &ctx, &mut rec.args);
        }
        // Results decoded without memory (fcntl's flags, poll's `Timeout`);
        // those that need memory fail to read it and show nothing.
        let ctx = Ctx {
            arch: shared.table.arch,
            mem: &NoMemory,
            snaplen,
        };
        decode::decode_result(spec, &p.regs, ret, &ctx, &mut rec);
    }
    rec.res = Some(ret);
    rec.dur_ns = Some(time_ns.saturating_sub(p.t0_ns));
    shared.annotate(&mut rec);
    Some(rec)
}

/// Memory this path never reads.
struct NoMemory;

impl decode::Memory for NoMemory {
    fn read(&self, _: u64, _: &mut [u8]) -> Result<usize, i32> {
        Err(libc::EIO)
    }
}

/// The queue's lengths that wake the poller and that make the notification
/// thread join: `QUEUE_MAX`, or less so that the queued calls' samples fit
/// in half of one ring (`ring_bytes`, per CPU).
fn queue_limits(ring_bytes: usize) -> (usize, usize) {
    let max = (ring_bytes / RING_BYTES_PER_ENTRY).clamp(1, QUEUE_MAX);
    ((max / WAKE_AT).max(1), max)
}

/// What the notification thread knows of a call at entry.
pub struct Entered {
    pub rec: Option<Record>,
    pub tid: i32,
    pub pid: i32,
    pub nr: u32,
    pub regs: [u64; 6],
    /// CLOCK_MONOTONIC at the notification, ns.
    pub t0_ns: u64,
}

/// The kernel-internal errno a call interrupted by a signal returns with.
const ERESTARTSYS: i64 = 512;

/// The kernel-internal codes of a call left for a signal (ERESTARTSYS,
/// ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK).
const RESTART_CODES: [i64; 4] = [512, 513, 514, 516];

/// Writes `tid`'s interrupted call, if it has one: with its return value
/// when the thread `lived` on, else as never returned (killed inside it).
fn settle(st: &mut State, shared: &Shared, tid: i32, lived: bool) {
    // Called twice per notification: skip the hashing in the usual case.
    if st.interrupted.is_empty() {
        return;
    }
    let Some((p, ret, time_ns)) = st.interrupted.remove(&tid) else {
        return;
    };
    if !lived {
        unreturned(st, p);
    } else if let Some(rec) = complete(shared, tid, p, ret, time_ns) {
        st.out.push(rec);
    }
}

/// A dead thread's call entered before its death never returns.
fn bury(st: &mut State, shared: &Shared, d: Death) {
    // Left with a restart code and then dead with no stop between: killed.
    if st.interrupted.get(&d.tid).is_some_and(|i| i.2 <= d.time_ns) {
        settle(st, shared, d.tid, false);
    }
    if st.pending.get(&d.tid).is_some_and(|p| p.t0_ns < d.time_ns) {
        if let Some(p) = st.pending.remove(&d.tid) {
            unreturned(st, p);
        }
    }
}

/// A held signal goes out at the latest this long after it was held. It
/// normally goes out when the restarted call is received, or when any later
/// call of the thread exits (the restart did not come back to the filter);
/// a short delay would risk sending it while the tracer has not yet resumed
/// the thread past the kernel's restart decision.
const RESEND_AFTER_NS: u64 = 100_000_000;

/// Sends the held signals `which(tid, since)` selects.
fn release_held(st: &mut State, which: impl Fn(i32, u64) -> bool) {
    st.held.retain(|&(tid, tgid, sig, since)| {
        if !which(tid, since) {
            return true;
        }
        // SAFETY: plain syscall; a thread that is gone fails with ESRCH.
        unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) };
        false
    });
}

/// A call whose return value never came.
fn unreturned(st: &mut State, p: Pending) {
    if let Some(rec) = p.rec {
        st.out.push(rec);
    }
}

/// Writes the records queued in `st.out`, oldest first.
fn flush(st: &mut State, shared: &Shared) {
    if st.out.is_empty() {
        return;
    }
    let mut out = std::mem::take(&mut st.out);
    for rec in out.drain(..) {
        shared.emit(&rec, &mut st.scratch);
    }
    st.out = out;
}

/// The soft `RLIMIT_NOFILE` (1024 when it cannot be read): what the perf
/// paths open (events, rings, memory files) is sized within it.
pub fn descriptor_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: lim is a valid rlimit to fill.
    match unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } {
        0 => lim.rlim_cur,
        _ => 1024,
    }
}

/// CLOCK_MONOTONIC now, ns: the clock the perf events are told to use.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_limits_keep_the_queued_exits_in_half_a_ring() {
        // One page: 32 entries of ~56-byte samples fill under half of it.
        assert_eq!(queue_limits(4096), (8, 32));
        // The default 64 pages.
        assert_eq!(queue_limits(64 * 4096), (512, 2048));
        // Large rings: the queue's own bound.
        assert_eq!(queue_limits(1 << 30), (QUEUE_MAX / WAKE_AT, QUEUE_MAX));
        // Degenerate sizes still queue and wake.
        assert_eq!(queue_limits(0), (1, 1));
        for bytes in [0, 100, 4096, 1 << 20] {
            let (wake, max) = queue_limits(bytes);
            assert!(wake >= 1 && wake <= max);
            assert!(max * 56 <= (bytes / 2).max(56));
        }
    }
}
