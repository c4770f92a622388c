//! Several receivers on one listener, parked until a backlog shows.
//!
//! All receivers waiting in `RECV` take turns: the kernel wakes the one
//! that has waited longest, so a program whose calls come one at a time
//! wakes a sleeping receiver at every call (likely on another CPU) instead
//! of the one that just answered (1.6x per call with 2 receivers, 2.5x with
//! 4: BENCHMARKS.md, "Receivers"). So one receiver is active at first and
//! the others wait here. Every `LOOK_EVERY`th request, before it is
//! answered, an active receiver looks whether more requests are queued (one
//! `poll`): they can only be other threads' calls, since the caller of this
//! one waits for its answer. (After the answer the look would be useless:
//! `SYNC_WAKE_UP` runs the caller on this CPU at once, and its next call is
//! queued before the receiver's next syscall returns.) If so it wakes a
//! parked receiver; after `PARK_AFTER` looks in a row that found none, it
//! parks itself once its call is done, unless it is the last active one.

use parking_lot::{Condvar, Mutex};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Requests between two looks at the queue (a `poll` each).
const LOOK_EVERY: u32 = 8;

/// Looks in a row that found nothing queued before a receiver parks.
const PARK_AFTER: u32 = 4;

pub(super) struct Pool {
    size: usize,
    /// Receivers not parked, counting the ones woken that have not run
    /// yet: a wake-up counts here when it is given, so a receiver that reads
    /// 1 stays the only one that can enter `RECV` until it wakes another
    /// itself (see `alone`). Only an active receiver wakes a parked one.
    active: AtomicUsize,
    /// Wake-ups given and not yet taken (already counted in `active`).
    tokens: Mutex<usize>,
    cv: Condvar,
}

/// One receiver's place in the pool.
#[derive(Default)]
pub(super) struct Seat {
    /// Requests received since the last look.
    since_look: u32,
    /// Looks in a row that found nothing queued.
    quiet: u32,
    /// Park once the current call is done.
    park_due: bool,
}

impl Pool {
    pub fn new(size: usize) -> Self {
        Pool {
            size: size.max(1),
            active: AtomicUsize::new(size.max(1)),
            tokens: Mutex::new(0),
            cv: Condvar::new(),
        }
    }

    /// Whether this receiver is the only one that can take a request now:
    /// the thread of the call it holds cannot make its next call to another
    /// receiver before this one wakes one.
    pub fn alone(&self) -> bool {
        self.active.load(Ordering::Acquire) == 1
    }

    /// Before a receiver's first `RECV`: all but the first park. Returns
    /// false when the receiver should stop (`done` while parked).
    pub fn start(&self, first: bool, done: &AtomicBool) -> bool {
        first || self.size == 1 || self.park(done)
    }

    /// Right after a request is received, before it is answered: now and
    /// then, whether others are queued behind it.
    pub fn look(&self, seat: &mut Seat, fd: RawFd) {
        if self.size == 1 {
            return;
        }
        seat.since_look += 1;
        if seat.since_look < LOOK_EVERY {
            return;
        }
        seat.since_look = 0;
        if queued(fd) {
            seat.quiet = 0;
            self.wake_one();
        } else {
            seat.quiet += 1;
            if seat.quiet >= PARK_AFTER {
                seat.quiet = 0;
                seat.park_due = true;
            }
        }
    }

    /// After each call. Returns false when the receiver should stop.
    pub fn after_call(&self, seat: &mut Seat, done: &AtomicBool) -> bool {
        match std::mem::take(&mut seat.park_due) {
            true => self.park(done),
            false => true,
        }
    }

    /// At the end: every parked receiver returns.
    pub fn wake_all(&self) {
        let _t = self.tokens.lock();
        self.cv.notify_all();
    }

    fn wake_one(&self) {
        let mut tokens = self.tokens.lock();
        if self.active.load(Ordering::Acquire) < self.size {
            self.active.fetch_add(1, Ordering::AcqRel);
            *tokens += 1;
            self.cv.notify_one();
        }
    }

    /// Waits for a wake-up unless this is the last active receiver. Returns
    /// false when `done` ended the wait: the active receivers answer what is
    /// still queued, so a woken receiver that would take a request now could
    /// write a thread's records out of order (see `alone`).
    fn park(&self, done: &AtomicBool) -> bool {
        let mut tokens = self.tokens.lock();
        if self.active.load(Ordering::Acquire) <= 1 {
            return true;
        }
        self.active.fetch_sub(1, Ordering::AcqRel);
        loop {
            if *tokens > 0 {
                // Counted in `active` when given.
                *tokens -= 1;
                return true;
            }
            if done.load(Ordering::SeqCst) {
                return false;
            }
            // The timeout only bounds how late `done` is seen if a
            // `wake_all` came before this wait began.
            self.cv.wait_for(&mut tokens, Duration::from_millis(50));
        }
    }
}

/// Whether a request is queued on the listener now.
pub(super) fn queued(fd: RawFd) -> bool {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no timeout.
    unsafe { libc::poll(&mut pfd, 1, 0) == 1 && pfd.revents & libc::POLLIN != 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_active_receiver_never_parks() {
        let pool = Pool::new(2);
        let done = AtomicBool::new(false);
        // The second parks at start; a wake-up lets it go.
        std::thread::scope(|s| {
            let h = s.spawn(|| pool.start(false, &done));
            while pool.active.load(Ordering::Acquire) != 1 {
                std::thread::yield_now();
            }
            assert!(pool.alone());
            // The first would park now: it is the last, so it does not.
            assert!(pool.park(&done));
            pool.wake_one();
            assert!(h.join().unwrap());
        });
        assert_eq!(pool.active.load(Ordering::Acquire), 2);
        assert!(!pool.alone());
    }

    #[test]
    fn done_ends_a_parked_receiver() {
        let pool = Pool::new(3);
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let a = s.spawn(|| pool.start(false, &done));
            let b = s.spawn(|| pool.start(false, &done));
            while pool.active.load(Ordering::Acquire) != 1 {
                std::thread::yield_now();
            }
            done.store(true, Ordering::SeqCst);
            pool.wake_all();
            assert!(!a.join().unwrap());
            assert!(!b.join().unwrap());
        });
    }

    #[test]
    fn wake_ups_never_exceed_the_parked() {
        let pool = Pool::new(2);
        // Nobody parked: no token is kept for later.
        pool.wake_one();
        assert_eq!(*pool.tokens.lock(), 0);
    }

    #[test]
    fn a_wake_up_counts_as_active_before_the_woken_runs() {
        // The race a stress test found: a receiver that woke another and
        // then read `alone` before the woken one ran took itself for the
        // only one, answered first, and the woken one wrote the caller's
        // next record before this one's. Here the parked receiver never
        // runs: the wake-up alone must make the waker not alone.
        let pool = Pool::new(2);
        pool.active.store(1, Ordering::Release);
        assert!(pool.alone());
        pool.wake_one();
        assert!(!pool.alone());
        assert_eq!(*pool.tokens.lock(), 1);
        // Nobody else to wake.
        pool.wake_one();
        assert_eq!(*pool.tokens.lock(), 1);
    }
}
