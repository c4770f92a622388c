//! The notification loop: receive each USER_NOTIF request as soon as it
//! arrives, decode its arguments from tracee memory, check the request is
//! still valid (so the bytes belong to a live, uninterrupted call), write the
//! record, answer CONTINUE. Every request is answered, whatever happens
//! while decoding: an unanswered request would hang the tracee.

use super::Shared;
use super::bounce::Handed;
use super::memory::ProcMem;
use super::perf::Entered;
use super::pool::{self, Pool, Seat};
use super::threads::{ThreadCache, ThreadInfo};
use crate::handlers::decode::{self, Ctx};
use crate::inject::Spec as InjectSpec;
use crate::record::container::Container;
use crate::record::{Record, ResKind};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP` (Linux 6.6): wake the tracee on the
/// supervisor's CPU when answering, which halves the round trip.
const SYNC_WAKE_UP: u64 = 1;

/// Thin wrappers around the listener ioctls (libseccomp's allocate per call
/// and fold errors together).
mod ioctl {
    use std::os::fd::RawFd;

    pub fn recv(fd: RawFd, req: &mut libc::seccomp_notif) -> Result<(), i32> {
        // SAFETY: the kernel requires a zeroed struct of exactly this type.
        unsafe {
            *req = std::mem::zeroed();
            if libc::ioctl(
                fd,
                libc::SECCOMP_IOCTL_NOTIF_RECV,
                req as *mut libc::seccomp_notif,
            ) < 0
            {
                return Err(*libc::__errno_location());
            }
        }
        Ok(())
    }

    /// Lets the call run as if it had not been trapped.
    pub fn respond_continue(fd: RawFd, id: u64) -> Result<(), i32> {
        let mut resp = libc::seccomp_notif_resp {
            id,
            val: 0,
            error: 0,
            flags: libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
        };
        // SAFETY: resp is a valid, initialised struct of the ioctl's type.
        if unsafe {
            libc::ioctl(
                fd,
                libc::SECCOMP_IOCTL_NOTIF_SEND,
                &mut resp as *mut libc::seccomp_notif_resp,
            )
        } < 0
        {
            // SAFETY: reading errno right after the failed call.
            return Err(unsafe { *libc::__errno_location() });
        }
        Ok(())
    }

    /// Answers without running the call: it returns `val`, or fails with
    /// `errno` when that is non-zero (fault injection).
    pub fn respond_value(fd: RawFd, id: u64, val: i64, errno: i32) -> Result<(), i32> {
        let mut resp = libc::seccomp_notif_resp {
            id,
            val,
            // The kernel takes the negated errno.
            error: -errno,
            flags: 0,
        };
        // SAFETY: resp is a valid, initialised struct of the ioctl's type.
        if unsafe {
            libc::ioctl(
                fd,
                libc::SECCOMP_IOCTL_NOTIF_SEND,
                &mut resp as *mut libc::seccomp_notif_resp,
            )
        } < 0
        {
            // SAFETY: reading errno right after the failed call.
            return Err(unsafe { *libc::__errno_location() });
        }
        Ok(())
    }

    /// Installs a copy of `src` in the caller and answers the request with
    /// its number, atomically (`SECCOMP_IOCTL_NOTIF_ADDFD` with
    /// `SECCOMP_ADDFD_FLAG_SEND`, Linux 5.14). Returns the new number.
    /// Without `send`, only installs it (the answer is sent apart).
    pub fn addfd(fd: RawFd, id: u64, src: RawFd, cloexec: bool, send: bool) -> Result<i32, i32> {
        let mut add = libc::seccomp_notif_addfd {
            id,
            flags: if send {
                libc::SECCOMP_ADDFD_FLAG_SEND as u32
            } else {
                0
            },
            srcfd: src as u32,
            newfd: 0,
            newfd_flags: if cloexec { libc::O_CLOEXEC as u32 } else { 0 },
        };
        // SAFETY: add is a valid, initialised struct of the ioctl's type.
        let r = unsafe {
            libc::ioctl(
                fd,
                libc::SECCOMP_IOCTL_NOTIF_ADDFD,
                &mut add as *mut libc::seccomp_notif_addfd,
            )
        };
        if r < 0 {
            // SAFETY: reading errno right after the failed call.
            return Err(unsafe { *libc::__errno_location() });
        }
        Ok(r)
    }

    /// Whether the request is still pending (its thread alive and not
    /// interrupted by a signal).
    pub fn id_valid(fd: RawFd, id: u64) -> bool {
        let mut id = id;
        // SAFETY: the ioctl reads one u64.
        unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_ID_VALID, &mut id as *mut u64) == 0 }
    }

    pub fn set_flags(fd: RawFd, flags: u64) -> bool {
        // SAFETY: the ioctl takes its argument by value.
        unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS, flags) == 0 }
    }
}

/// Signal that interrupts the receiver's blocking RECV at the end, and the
/// attached tracer's blocking waitpid (its handler does nothing; installed
/// without SA_RESTART).
pub(super) const WAKE_SIGNAL: libc::c_int = libc::SIGURG;

extern "C" fn on_wake(_: libc::c_int) {}

/// Receives in a blocking RECV (woken inside the kernel, so a request is
/// taken as soon as it is queued: the window in which a signal can still
/// interrupt the trapped call before the supervisor has it stays small).
/// RECV does not return when the last tracee is gone on older kernels, so a
/// watcher thread polls for POLLHUP and then interrupts the receivers.
pub fn run(shared: &Shared, listener: OwnedFd) {
    run_in(shared, listener, None, None);
}

/// As `run`, for a listener the agent received: every record carries
/// `container`, and once `stop` is set the requests already queued are
/// answered (drained) before it returns (the caller then closes the
/// listener: later calls fail with ENOSYS).
pub fn run_in(
    shared: &Shared,
    listener: OwnedFd,
    container: Option<Arc<Container>>,
    stop: Option<&AtomicBool>,
) {
    let fd = listener.as_raw_fd();
    // Before Linux 6.6 the flag is unknown: plain wake-ups, just slower.
    // (MY_SYSDIG_SYNC_WAKE=0: plain wake-ups, to measure what it brings.)
    let sync_wake = std::env::var("MY_SYSDIG_SYNC_WAKE").map_or(true, |v| v != "0");
    if sync_wake && !ioctl::set_flags(fd, SYNC_WAKE_UP) {
        shared.warn(
            "no SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6): plain notifications, slower wake-ups",
        );
    }
    install_wake_handler();
    if container.is_none() {
        // exec's one listener: the tracer answers bounced calls on it.
        shared.bounce.set_listener(fd);
    }
    let n = shared.receivers();
    let done = AtomicBool::new(false);
    let exited = AtomicUsize::new(0);
    // The receivers' threads, for the watcher to interrupt their RECV.
    let receivers = parking_lot::Mutex::new(Vec::with_capacity(n));
    let delayer = Delayer::default();
    let delayer = &delayer;
    let pool = Pool::new(n);
    let (done, exited, receivers, container, pool) =
        (&done, &exited, &receivers, container.as_ref(), &pool);
    std::thread::scope(|s| {
        let watcher = std::thread::Builder::new()
            .name("my-sysdig-hup".into())
            .spawn_scoped(s, || {
                wait_for_hangup(&listener, stop);
                done.store(true, Ordering::SeqCst);
                // Repeat until every receiver is out: the signal may land
                // just before one enters RECV.
                // Looked at every 100 us: each run ends that much later.
                let mut waited = 0;
                while exited.load(Ordering::SeqCst) < n {
                    if waited % 50 == 0 {
                        pool.wake_all();
                        for &t in receivers.lock().iter() {
                            // SAFETY: each receiver thread outlives this scope.
                            unsafe { libc::pthread_kill(t, WAKE_SIGNAL) };
                        }
                    }
                    waited += 1;
                    std::thread::sleep(std::time::Duration::from_micros(100));
                }
            });
        if let Err(e) = watcher {
            shared.warn(&format!("cannot start the listener watcher: {e}"));
        }
        let timer = match shared.inject.is_some() {
            true => std::thread::Builder::new()
                .name("my-sysdig-delay".into())
                .spawn_scoped(s, move || delayer.run(shared, fd))
                .map_err(|e| shared.warn(&format!("cannot start the delay thread: {e}")))
                .ok(),
            false => None,
        };
        // MY_SYSDIG_RECV_STATS=1: each receiver's calls and CPU time at
        // the end (bench/receivers.sh: the supervisor's cost per call).
        let stats = std::env::var("MY_SYSDIG_RECV_STATS").is_ok_and(|v| v == "1");
        let one = move |first: bool| {
            // SAFETY: pthread_self has no preconditions.
            receivers.lock().push(unsafe { libc::pthread_self() });
            let ids = match pool.start(first, done) {
                true => receive(shared, fd, done, delayer, container, pool),
                false => IdSpan::default(),
            };
            exited.fetch_add(1, Ordering::SeqCst);
            if stats {
                report_cpu(&ids);
            }
            ids
        };
        let mut others = Vec::with_capacity(n - 1);
        for i in 1..n {
            match std::thread::Builder::new()
                .name(format!("my-sysdig-recv{i}"))
                .spawn_scoped(s, move || one(false))
            {
                Ok(h) => others.push(h),
                Err(e) => {
                    shared.warn(&format!("cannot start receiver {i}: {e}"));
                    exited.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
        let mut ids = one(true);
        for h in others {
            if let Ok(theirs) = h.join() {
                ids.merge(&theirs);
            }
        }
        report_missed(shared, ids.missed(), container.map(|c| &**c));
        delayer.stop();
        drop(timer);
    });
}

/// The ids the kernel gave the requests this listener received: they are
/// consecutive per listener, so the ones never received are the calls a
/// signal interrupted before the supervisor took them.
#[derive(Default, Debug, PartialEq)]
struct IdSpan {
    first: Option<u64>,
    /// Highest id seen, as an offset from `first`.
    top: u64,
    received: u64,
}

impl IdSpan {
    fn saw(&mut self, id: u64) {
        self.received += 1;
        match self.first {
            None => self.first = Some(id),
            Some(f) => self.top = self.top.max(id.wrapping_sub(f)),
        }
    }

    /// Adds what another receiver of the same listener saw.
    fn merge(&mut self, other: &IdSpan) {
        let Some(theirs) = other.first else { return };
        let Some(mine) = self.first else {
            *self = IdSpan { ..*other };
            return;
        };
        // Both as offsets from the lower first id.
        let first = if theirs.wrapping_sub(mine) as i64 >= 0 {
            mine
        } else {
            theirs
        };
        let top = |f: u64, t: u64| f.wrapping_sub(first).wrapping_add(t);
        self.top = top(mine, self.top).max(top(theirs, other.top));
        self.first = Some(first);
        self.received += other.received;
    }

    /// Requests queued but never received, between the first and the last.
    fn missed(&self) -> u64 {
        match self.first {
            None => 0,
            Some(_) => (self.top + 1).saturating_sub(self.received),
        }
    }
}

fn receive<'s>(
    shared: &'s Shared,
    fd: RawFd,
    done: &AtomicBool,
    delayer: &Delayer<'s>,
    container: Option<&Arc<Container>>,
    pool: &Pool,
) -> IdSpan {
    let mut seat = Seat::default();
    let mut cache = ThreadCache::default();
    let mut scratch = Vec::with_capacity(4096);
    let mut req: libc::seccomp_notif = unsafe_zeroed();
    let mut ids = IdSpan::default();
    loop {
        // At the end, answer what is queued first (nothing is after a
        // hangup; after the agent's stop, the calls already trapped).
        if done.load(Ordering::SeqCst) && !pool::queued(fd) {
            return ids;
        }
        match ioctl::recv(fd, &mut req) {
            Ok(()) => {}
            // ENOENT: the call was interrupted or its thread died before we
            // took it; since Linux 6.11 also at once when no process holds
            // the filter any more (then stop here rather than spin until
            // the watcher sees the hangup).
            Err(libc::ENOENT) => {
                if hung_up(fd) {
                    return ids;
                }
                continue;
            }
            // Woken by the watcher.
            Err(libc::EINTR) => continue,
            Err(e) => {
                shared.warn(&format!(
                    "receiving a notification: {}",
                    nix::errno::Errno::from_raw(e)
                ));
                return ids;
            }
        }
        ids.saw(req.id);
        pool.look(&mut seat, fd);
        let t0_ns = match shared.perf {
            Some(_) => super::perf::monotonic_ns(),
            None => 0,
        };
        let via_perf = shared.exit_via_perf(req.data.arch, req.data.nr as u64);
        // A rare call while the perf events are closed: it does not run
        // now, and gets no record; its restart does (bounce.rs).
        if via_perf && bounces(shared, &req, t0_ns, &mut cache) {
            // The tracer answers it, once it has interrupted the thread.
            continue;
        }
        // A batched perf call is only queued (perf/mod.rs). Any other call
        // joins first what completed before it: their effects (-y's
        // descriptor table) hold when this one is decoded, this thread's
        // previous exit is consumed before its new call is pending, and its
        // earlier records precede this one's. (They are written after the
        // answer: `flush` below.)
        let joined = match &shared.perf {
            Some(perf) if !(via_perf && perf.batched()) => {
                perf.entry_deferred(shared, req.pid as i32);
                true
            }
            _ => false,
        };
        let mut drain_now = false;
        cache.sync(&shared.changes);
        let (mut rec, pid, inj) = handle(shared, fd, &req, &mut cache);
        if let (Some(r), Some(c)) = (rec.as_mut(), container) {
            r.container = Some(c.clone());
        }
        // A call that does not run has no exit sample to wait for: its
        // record is written here, after this thread's earlier ones.
        let skip = inj.is_some_and(|s| s.skips_call());
        let mut joined = joined;
        if skip && via_perf && !joined {
            if let Some(perf) = &shared.perf {
                perf.entry_deferred(shared, req.pid as i32);
                joined = true;
            }
        }
        if via_perf && !skip && shared.bounce.in_syscall_mode(req.pid as i32) {
            // A bounced call's restart (or the first traced call of a
            // handler run before it): the tracer's exit stop completes it.
            shared.bounce.hand_over(
                req.pid as i32,
                Handed {
                    rec: rec.take(),
                    nr: req.data.nr as u64,
                    args: req.data.args,
                    pid,
                    t0: std::time::Instant::now(),
                },
            );
        } else if let Some(perf) = &shared.perf {
            if via_perf && !skip {
                // Where no tracer reports threads (the agent), the events
                // follow this one from its first such call on, before it runs.
                perf.follow(shared, req.pid as i32);
                // Its return value comes from the perf event: pending from
                // now on, before the call can run and exit.
                drain_now = perf.enter(
                    shared,
                    Entered {
                        rec: rec.take(),
                        tid: req.pid as i32,
                        pid,
                        nr: req.data.nr as u32,
                        regs: req.data.args,
                        t0_ns,
                    },
                );
            }
        }
        // A call that does not return (exit_group) is written before the
        // thread can go on to exit: its record precedes the exit line.
        if let Some(r) = rec.take_if(|r| r.res_kind == ResKind::Never) {
            if let Some(perf) = &shared.perf {
                perf.flush(shared);
            }
            shared.emit(&r, &mut scratch);
        }
        // With one active receiver, answer before formatting: the tracee
        // runs on while the record is written, and its next call cannot
        // overtake this record: that call's notification is taken only
        // after emitting. With several, another receiver may take that call
        // at once: the record is written first. (ENOENT: the call was
        // interrupted or its thread died meanwhile.)
        if !pool.alone() && !skip {
            if let Some(r) = rec.take() {
                shared.emit(&r, &mut scratch);
            }
        }
        match inj {
            None => {
                let _ = ioctl::respond_continue(fd, req.id);
            }
            Some(spec) => tamper(shared, fd, &req, pid, spec, &mut rec, delayer),
        }
        // Records the perf path completed before this call: they precede
        // this thread's record below and its next call's.
        if let Some(perf) = &shared.perf {
            if joined {
                perf.flush(shared);
            } else if drain_now {
                perf.sync(shared);
            }
        }
        if let Some(rec) = rec {
            shared.emit(&rec, &mut scratch);
        }
        if !pool.after_call(&mut seat, done) {
            return ids;
        }
    }
}

/// The kernel's code for a call to restart whatever the signal handler's
/// flags (answered as an error, it makes the call return it unrun).
const ERESTARTNOINTR: i32 = 513;

/// Answers request `id` with `-ERESTARTNOINTR` (bounce.rs, step 2): the
/// call returns that unrun. False if the request is gone (its thread died).
pub(super) fn answer_restart(fd: RawFd, id: u64) -> bool {
    ioctl::respond_value(fd, id, 0, ERESTARTNOINTR).is_ok()
}

/// Lets request `id` run untouched.
pub(super) fn answer_continue(fd: RawFd, id: u64) -> bool {
    ioctl::respond_continue(fd, id).is_ok()
}

/// Whether the call `req`, received at `now_ns`, is bounced (bounce.rs):
/// notes its time for the perf path's rate, and if it is rare, hands it to
/// the tracer, which answers it.
fn bounces(
    shared: &Shared,
    req: &libc::seccomp_notif,
    now_ns: u64,
    cache: &mut ThreadCache,
) -> bool {
    // Where calls are never bounced (`--exit-via perf`, the task scope, the
    // agent), not even the rate's atomics on this per-call path.
    let Some(perf) = shared.perf.as_ref().filter(|_| shared.bounce.enabled()) else {
        return false;
    };
    let rare = perf.rare(now_ns);
    let tid = req.pid as i32;
    let bounced = rare
        && shared.inject.is_none()
        && shared.bounce.may(tid, req.data.nr as u64, || {
            cache.sync(&shared.changes);
            cache.get(tid).tgid
        });
    if bounced {
        shared.bounce.request(tid, req.id);
    }
    bounced
}

/// One receiver's calls and CPU time (`MY_SYSDIG_RECV_STATS=1`).
fn report_cpu(ids: &IdSpan) {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: t is a valid timespec to write to.
    let cpu = match unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } {
        0 => t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64,
        _ => 0,
    };
    let name = match std::thread::current().name() {
        Some(n) if n.starts_with("my-sysdig-recv") => n.to_string(),
        _ => "my-sysdig-recv0".to_string(),
    };
    eprintln!(
        "my-sysdig: stats: {name}: {} calls, {} us CPU, {} ns/call",
        ids.received,
        cpu / 1000,
        cpu.checked_div(ids.received).unwrap_or(0)
    );
}

/// Says how many calls a signal interrupted before they were received
/// (seccomp_unotify(2): the kernel fails such a call with ERESTARTSYS).
/// With ptrace the tracer makes the kernel restart them, and the restarted
/// call is recorded; without (`--no-ret`, the agent) the program saw them
/// fail or restart, and they have no record: the user must know.
fn report_missed(shared: &Shared, missed: u64, container: Option<&Container>) {
    if missed == 0 || shared.opts.tracer {
        return;
    }
    let calls = if missed == 1 {
        "call was"
    } else {
        "calls were"
    };
    let whose = container.map_or(String::new(), |c| format!("container {}: ", c.id));
    shared.warn(&format!(
        "{whose}{missed} traced {calls} interrupted by a signal (or their thread killed) \
         before the supervisor received them: no record, and each failed with EINTR unless \
         the signal's handler has SA_RESTART. {}(README, \"Notified calls and signals\")",
        match container {
            Some(_) => "",
            None => "Without --no-ret the tracer restarts such calls ",
        }
    ));
}

/// Whether no process holds the filter any more and nothing is queued.
fn hung_up(fd: RawFd) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no timeout.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    n == 1 && pfd.revents & libc::POLLHUP != 0 && pfd.revents & libc::POLLIN == 0
}

/// Returns once no process holds the filter any more, or once `stop` is
/// set (looked at every 50 ms).
fn wait_for_hangup(listener: &OwnedFd, stop: Option<&AtomicBool>) {
    let timeout = match stop {
        Some(_) => nix::poll::PollTimeout::from(50u8),
        None => nix::poll::PollTimeout::NONE,
    };
    loop {
        if stop.is_some_and(|s| s.load(Ordering::SeqCst)) {
            return;
        }
        // No requested events: only POLLHUP/POLLERR wake us.
        let mut pfd = [nix::poll::PollFd::new(
            listener.as_fd(),
            nix::poll::PollFlags::empty(),
        )];
        match nix::poll::poll(&mut pfd, timeout) {
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return,
            Ok(_) => {
                let r = pfd[0].revents().unwrap_or(nix::poll::PollFlags::empty());
                if r.intersects(
                    nix::poll::PollFlags::POLLHUP
                        | nix::poll::PollFlags::POLLERR
                        | nix::poll::PollFlags::POLLNVAL,
                ) {
                    return;
                }
            }
        }
    }
}

pub(super) fn install_wake_handler() {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    let act = SigAction::new(
        SigHandler::Handler(on_wake),
        SaFlags::empty(),
        SigSet::empty(),
    );
    // SAFETY: the handler does nothing.
    let _ = unsafe { sigaction(Signal::SIGURG, &act) };
}

fn unsafe_zeroed() -> libc::seccomp_notif {
    // SAFETY: seccomp_notif is plain old data; all-zero is valid.
    unsafe { std::mem::zeroed() }
}

/// Decodes one request (memory is read, and checked, before the answer)
/// and returns its record, if it gets one, and the caller's thread group.
fn handle<'s>(
    shared: &'s Shared,
    fd: RawFd,
    req: &libc::seccomp_notif,
    cache: &mut ThreadCache,
) -> (Option<Record>, i32, Option<&'s InjectSpec>) {
    let tid = req.pid as i32;
    let nr = req.data.nr as u64;
    // The filter sends only the native and compat ABIs' calls.
    let Some((abi, table)) = shared.abi(req.data.arch) else {
        return (None, tid, None);
    };
    let spec = table.row(nr);
    let mem = ProcMem { tid };
    let shown = super::shown(table, spec, req.data.args, &mem);
    let info = match shared.launch_wait(tid, spec, &req.data.args) {
        true => ThreadInfo {
            tgid: tid,
            comm: Default::default(),
        },
        false => cache.get(tid),
    };
    let inj = shared.injection(abi, (nr, shown.nr), (tid, info.tgid), spec, &req.data.args);
    let keep = shared.wanted(abi, (nr, shown.nr), tid, &info, spec, &req.data.args);
    let mut rec = None;
    if keep {
        let ts_ns = super::realtime_ns();
        let ctx = Ctx {
            arch: table.arch,
            mem: &mem,
            snaplen: shared.opts.snaplen,
        };
        let regs = table.arch.entry_regs(shown.spec.name, shown.regs, None);
        let mut args = decode::decode_entry(shown.spec, &regs, &ctx);
        let mut name = shown.spec.name;
        // Bytes read from a thread that died or was interrupted are garbage.
        // (Without memory there is nothing to distrust: the answer's ENOENT
        // would tell the same, at no extra syscall.)
        let interrupted = (shown.read || shown.spec.reads_memory()) && !ioctl::id_valid(fd, req.id);
        if interrupted {
            args = decode::raw_args(spec, &req.data.args, table.arch);
            name = spec.name;
        }
        rec = Some(Record {
            ts_ns,
            pid: info.tgid,
            tid,
            comm: info.comm,
            container: None,
            nr: nr as u32,
            name,
            abi,
            args,
            res: None,
            res_kind: super::res_kind(spec),
            dur_ns: None,
            res_path: None,
            res_decoded: None,
            interrupted,
            late: false,
            injected: Default::default(),
        });
    }
    if let Some(r) = rec.as_mut() {
        shared.annotate(r);
        if let Some(s) = inj {
            r.injected = crate::inject::marks(s);
            r.res = crate::inject::made_up_result(s);
        }
    }
    // A call that does not run changes nothing.
    if !inj.is_some_and(|s| s.skips_call()) {
        let effect_nr = shown.nr.unwrap_or(nr);
        shared.fd_effects(abi, (tid, info.tgid), effect_nr, &shown.regs, None);
        super::after_call(shared, cache, shown.spec.name, tid, info.tgid, &shown.regs);
    }
    (rec, info.tgid, inj)
}

/// How a tampered call is answered.
enum Answer {
    /// It runs (after a delay, a signal or a poke).
    Continue,
    /// It does not run: returns `val`, or fails with `errno`.
    Value { val: i64, errno: i32 },
    /// It does not run: returns a copy of this descriptor.
    AddFd { file: OwnedFd, cloexec: bool },
}

/// Sends `answer` for request `id`. `before` gets the result the caller
/// will see (when the call does not run) just before the thread is let go:
/// a record written there cannot be overtaken by the thread's next call,
/// which in the default modes may reach the ptrace loop. `send`: install a
/// descriptor and answer in one step (`SECCOMP_ADDFD_FLAG_SEND`), when the
/// record may follow (`--no-ret`: every call is a notification, taken in
/// order).
fn answer(fd: RawFd, id: u64, answer: Answer, send: bool, before: impl FnOnce(Option<i64>)) {
    match answer {
        Answer::Continue => {
            before(None);
            let _ = ioctl::respond_continue(fd, id);
        }
        Answer::Value { val, errno } => {
            before(Some(if errno != 0 { -i64::from(errno) } else { val }));
            let _ = ioctl::respond_value(fd, id, val, errno);
        }
        Answer::AddFd { file, cloexec } => {
            let got = ioctl::addfd(fd, id, file.as_raw_fd(), cloexec, send);
            match got {
                Ok(n) if send => before(Some(n.into())),
                Ok(n) => {
                    before(Some(n.into()));
                    // Fails only if the request is gone (its thread died).
                    let _ = ioctl::respond_value(fd, id, n.into(), 0);
                }
                Err(e) => {
                    // The request is gone (ENOENT), or the caller is out of
                    // descriptors (EMFILE): it fails as it would have.
                    before(Some(-i64::from(e)));
                    let _ = ioctl::respond_value(fd, id, 0, e);
                }
            }
        }
    }
}

/// The record of a call that did not run, with its result.
fn complete_made_up(
    shared: &Shared,
    spec: &InjectSpec,
    mut r: Record,
    res: Option<i64>,
    dur_ns: u64,
) -> Record {
    r.res = res.or(r.res);
    r.dur_ns = Some(dur_ns);
    if spec.redirect.is_some() && r.res.is_some_and(|v| v >= 0) && shared.opts.fd_paths {
        r.res_path = Some(crate::record::FdPath::new(path_bytes(spec), false));
    }
    r
}

/// Writes the record of a call that did not run, with its result.
fn write_made_up(
    shared: &Shared,
    spec: &InjectSpec,
    r: Record,
    res: Option<i64>,
    dur_ns: u64,
    scratch: &mut Vec<u8>,
) {
    let r = complete_made_up(shared, spec, r, res, dur_ns);
    if let Some(perf) = &shared.perf {
        perf.flush(shared);
    }
    shared.emit(&r, scratch);
}

/// Carries out `spec` on the call `req` (process `tgid`) and answers it,
/// now or, for `delay_enter=`, from the delay thread. `rec` is its record:
/// completed here when the call does not run; handed to the delay thread
/// with a delayed answer.
fn tamper<'s>(
    shared: &'s Shared,
    fd: RawFd,
    req: &libc::seccomp_notif,
    tgid: i32,
    spec: &'s InjectSpec,
    rec: &mut Option<Record>,
    delayer: &Delayer<'s>,
) {
    let tid = req.pid as i32;
    for p in &spec.poke_enter {
        let addr = req.data.args.get(p.arg).copied().unwrap_or(0);
        super::memory::poke(tid, addr, &p.data);
    }
    if let Some(sig) = spec.signal {
        // Queued now, delivered when the call returns to user space.
        // SAFETY: tgkill takes three integers.
        unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) };
    }
    let ans = if let Some(path) = &spec.redirect {
        match open_redirect(shared, path, req) {
            Ok((file, cloexec)) => Answer::AddFd { file, cloexec },
            Err(e) => Answer::Value { val: 0, errno: e },
        }
    } else {
        match (spec.error, spec.retval) {
            (Some(e), _) => Answer::Value { val: 0, errno: e },
            (_, Some(v)) => Answer::Value { val: v, errno: 0 },
            _ => Answer::Continue,
        }
    };
    if let Some(d) = spec.delay_enter {
        // Never sleep here: the receiver must stay ready for other calls.
        // A call that does not run is recorded once answered.
        let rec = if spec.skips_call() { rec.take() } else { None };
        delayer.push(Delayed {
            spec,
            due: std::time::Instant::now() + d,
            since: std::time::Instant::now(),
            id: req.id,
            answer: ans,
            rec,
        });
        return;
    }
    let made_up = if spec.skips_call() { rec.take() } else { None };
    if shared.answer_sends() {
        // Every call is a notification, taken in order: the record is
        // written after the answer (by `receive`), off the call's path.
        let mut got = None;
        answer(fd, req.id, ans, true, |res| got = res);
        *rec = made_up.map(|r| complete_made_up(shared, spec, r, got, 0));
        return;
    }
    answer(fd, req.id, ans, false, |res| {
        if let Some(r) = made_up {
            write_made_up(shared, spec, r, res, 0, &mut Vec::new());
        }
    });
}

fn path_bytes(spec: &InjectSpec) -> &[u8] {
    spec.redirect.as_deref().unwrap_or("").as_bytes()
}

/// Opens `redirect=`'s file for the call `req`: with the access mode and
/// close-on-exec flag the call asked for (`open`, `openat`, `creat`),
/// read-write otherwise. A relative path is my-sysdig's working directory's.
fn open_redirect(
    shared: &Shared,
    path: &str,
    req: &libc::seccomp_notif,
) -> Result<(OwnedFd, bool), i32> {
    use std::os::unix::fs::OpenOptionsExt;
    let table = shared.abi(req.data.arch).map(|(_, t)| t);
    let name = table.map_or("", |t| t.row(req.data.nr as u64).name);
    let a = &req.data.args;
    let flags = match name {
        "open" => Some(a[1]),
        "openat" => Some(a[2]),
        "creat" => Some((libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC) as u64),
        _ => None,
    };
    let (acc, cloexec) = match flags {
        Some(f) => (f as i32 & libc::O_ACCMODE, f as i32 & libc::O_CLOEXEC != 0),
        None => (libc::O_RDWR, false),
    };
    let mut o = std::fs::OpenOptions::new();
    match acc {
        libc::O_WRONLY => o.write(true),
        libc::O_RDWR => o.read(true).write(true),
        _ => o.read(true),
    };
    o.custom_flags(libc::O_CLOEXEC | libc::O_NOCTTY);
    match o.open(path) {
        Ok(f) => Ok((OwnedFd::from(f), cloexec)),
        Err(e) => {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            shared.warn(&format!(
                "--inject: redirect={path}: {e}; the call fails with it"
            ));
            Err(errno)
        }
    }
}

/// An answer held back by `delay_enter=`.
struct Delayed<'s> {
    spec: &'s InjectSpec,
    due: std::time::Instant,
    since: std::time::Instant,
    id: u64,
    answer: Answer,
    /// The record of a call that does not run, written once answered.
    rec: Option<Record>,
}

/// The queue of delayed answers and the thread that sends them when due
/// (the receiver never sleeps).
#[derive(Default)]
struct Delayer<'s> {
    queue: parking_lot::Mutex<(Vec<Delayed<'s>>, bool)>,
    wake: parking_lot::Condvar,
}

impl<'s> Delayer<'s> {
    fn push(&self, d: Delayed<'s>) {
        self.queue.lock().0.push(d);
        self.wake.notify_one();
    }

    /// No more requests: answer what is left at once and end the thread.
    fn stop(&self) {
        self.queue.lock().1 = true;
        self.wake.notify_one();
    }

    fn run(&self, shared: &'s Shared, fd: RawFd) {
        let mut scratch = Vec::new();
        let mut q = self.queue.lock();
        loop {
            let now = std::time::Instant::now();
            let stopping = q.1;
            let due =
                q.0.iter()
                    .enumerate()
                    .filter(|(_, d)| stopping || d.due <= now)
                    .min_by_key(|(_, d)| d.due)
                    .map(|(i, _)| i);
            if let Some(i) = due {
                let d = q.0.swap_remove(i);
                drop(q);
                let (rec, since, spec) = (d.rec, d.since, d.spec);
                answer(fd, d.id, d.answer, shared.answer_sends(), |res| {
                    if let Some(r) = rec {
                        let dur = since.elapsed().as_nanos() as u64;
                        write_made_up(shared, spec, r, res, dur, &mut scratch);
                    }
                });
                q = self.queue.lock();
                continue;
            }
            if stopping {
                return;
            }
            match q.0.iter().map(|d| d.due).min() {
                Some(t) => {
                    self.wake.wait_until(&mut q, t);
                }
                None => self.wake.wait(&mut q),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IdSpan;

    fn span(ids: &[u64]) -> IdSpan {
        let mut s = IdSpan::default();
        for &id in ids {
            s.saw(id);
        }
        s
    }

    #[test]
    fn receivers_spans_merge_into_the_listeners_gaps() {
        // One listener's ids 10..=19, taken by two receivers; 14 and 17 never
        // received (interrupted before RECV).
        let mut a = span(&[11, 13, 16, 19]);
        let b = span(&[10, 12, 15, 18]);
        a.merge(&b);
        assert_eq!(a.missed(), 2);
        // Either order, and an idle receiver, give the same.
        let mut b2 = span(&[10, 12, 15, 18]);
        b2.merge(&span(&[11, 13, 16, 19]));
        b2.merge(&IdSpan::default());
        assert_eq!(b2, a);
        let mut idle = IdSpan::default();
        idle.merge(&a);
        assert_eq!(idle, a);
        // Ids that wrap around u64.
        let mut w = span(&[u64::MAX - 1, 1]);
        w.merge(&span(&[u64::MAX]));
        assert_eq!(w.missed(), 1, "id 0 was never received");
    }
}
