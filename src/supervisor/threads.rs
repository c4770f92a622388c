//! Per-thread facts the records need: thread group id and name, read from
//! `/proc/TID/status` once per thread and cached. Each tracing loop (the
//! ptrace loop, each notification receiver) keeps its own cache (no lock on
//! the hot path) and drops entries when a thread execs, renames itself or
//! exits: a change one loop sees is logged (`Changes`) for the others.

use crate::record::Comm;
use parking_lot::Mutex;
// Looked up on every notification, by thread id (from the kernel).
use rustc_hash::FxHashMap as HashMap;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

/// What makes a cached entry wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The thread exited or renamed itself (its id may be reused).
    Thread(i32),
    /// The process execed or exited: every thread of it.
    Process(i32),
}

/// Entries kept for loops that lag behind; one further behind clears its
/// whole cache instead.
const KEPT: usize = 4096;

/// The changes any loop has seen, numbered. A call is seen by one loop only
/// (the one it went through), but every loop may cache its thread: the
/// others learn of it here before they handle their next call or stop.
#[derive(Default)]
pub struct Changes {
    /// Number of the last change logged.
    seq: AtomicU64,
    log: Mutex<VecDeque<(u64, Change)>>,
}

impl Changes {
    pub fn note(&self, c: Change) {
        let mut log = self.log.lock();
        let n = self.seq.load(Ordering::Relaxed) + 1;
        log.push_back((n, c));
        if log.len() > KEPT {
            log.pop_front();
        }
        self.seq.store(n, Ordering::Release);
    }
}

#[derive(Clone, Copy, Debug)]
pub struct ThreadInfo {
    pub tgid: i32,
    pub comm: Comm,
}

#[derive(Default)]
pub struct ThreadCache {
    map: HashMap<i32, ThreadInfo>,
    /// The last of `Changes` applied.
    seen: u64,
}

impl ThreadCache {
    /// Applies the changes other loops logged since the last call (its own
    /// come back too: forgetting twice costs one more read). Called before
    /// each stop or notification is handled; one atomic load when nothing
    /// changed.
    pub fn sync(&mut self, changes: &Changes) {
        if changes.seq.load(Ordering::Acquire) == self.seen {
            return;
        }
        let log = changes.log.lock();
        match log.front() {
            Some(&(first, _)) if first <= self.seen + 1 => {
                let seen = self.seen;
                for &(_, c) in log.iter().filter(|(n, _)| *n > seen) {
                    match c {
                        Change::Thread(tid) => self.forget(tid),
                        Change::Process(tgid) => self.forget_process(tgid),
                    }
                }
            }
            // Too far behind: the log no longer holds what it missed.
            _ => self.map.clear(),
        }
        self.seen = log.back().map_or(self.seen, |&(n, _)| n);
    }

    pub fn get(&mut self, tid: i32) -> ThreadInfo {
        if let Some(i) = self.map.get(&tid) {
            return *i;
        }
        let info = read_status(tid).unwrap_or(ThreadInfo {
            tgid: tid,
            comm: Comm::default(),
        });
        self.map.insert(tid, info);
        info
    }

    /// What is known of thread `tid` from elsewhere (perf's name records).
    pub fn set(&mut self, tid: i32, info: ThreadInfo) {
        self.map.insert(tid, info);
    }

    pub fn forget(&mut self, tid: i32) {
        self.map.remove(&tid);
    }

    /// Forgets every thread of a process (exec, exit_group).
    pub fn forget_process(&mut self, tgid: i32) {
        self.map.retain(|_, i| i.tgid != tgid);
    }
}

/// Parses `Tgid:` and `Name:` from /proc/TID/status.
pub(crate) fn read_status(tid: i32) -> Option<ThreadInfo> {
    let s = std::fs::read(format!("/proc/{tid}/status")).ok()?;
    parse_status(&s)
}

fn parse_status(s: &[u8]) -> Option<ThreadInfo> {
    let mut tgid = None;
    let mut name = None;
    for line in s.split(|&b| b == b'\n') {
        if let Some(v) = line.strip_prefix(b"Name:\t") {
            name = Some(unescape(v));
        } else if let Some(v) = line.strip_prefix(b"Tgid:\t") {
            tgid = std::str::from_utf8(v).ok()?.trim().parse().ok();
        }
        if tgid.is_some() && name.is_some() {
            break;
        }
    }
    Some(ThreadInfo {
        tgid: tgid?,
        comm: Comm::new(&name?),
    })
}

/// The kernel escapes `\n` and `\\` in status's Name field.
fn unescape(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        match (v[i], v.get(i + 1)) {
            (b'\\', Some(b'n')) => {
                out.push(b'\n');
                i += 2;
            }
            (b'\\', Some(b'\\')) => {
                out.push(b'\\');
                i += 2;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status() {
        let i = parse_status(
            b"Name:\tnginx\\\\x\nUmask:\t0022\nState:\tS\nTgid:\t42\nNgid:\t0\nPid:\t43\n",
        )
        .unwrap();
        assert_eq!(i.tgid, 42);
        assert_eq!(i.comm.as_bytes(), b"nginx\\x");
        assert!(parse_status(b"Name:\tx\n").is_none());
    }

    #[test]
    fn own_thread() {
        let mut c = ThreadCache::default();
        let me = std::process::id() as i32;
        assert_eq!(c.get(me).tgid, me);
    }

    fn stale(c: &mut ThreadCache, tid: i32, tgid: i32) {
        c.map.insert(
            tid,
            ThreadInfo {
                tgid,
                comm: Comm::new(b"stale"),
            },
        );
    }

    #[test]
    fn change_seen_elsewhere_drops_entries() {
        let changes = Changes::default();
        let mut c = ThreadCache::default();
        let me = std::process::id() as i32;
        stale(&mut c, me, 1);
        stale(&mut c, 7, 7);
        stale(&mut c, 8, 7);
        stale(&mut c, 9, 9);
        c.sync(&changes);
        assert_eq!(c.get(me).tgid, 1, "no change: the cached entry stays");
        changes.note(Change::Thread(me));
        changes.note(Change::Process(7));
        c.sync(&changes);
        assert_eq!(c.get(me).tgid, me, "after a change the entry is read again");
        assert!(!c.map.contains_key(&7) && !c.map.contains_key(&8));
        assert!(c.map.contains_key(&9), "other processes stay");
        // Applied once: an entry cached since stays.
        stale(&mut c, 8, 7);
        c.sync(&changes);
        assert!(c.map.contains_key(&8));
    }

    #[test]
    fn cache_far_behind_starts_over() {
        let changes = Changes::default();
        let mut c = ThreadCache::default();
        stale(&mut c, 9, 9);
        for t in 0..(KEPT as i32 + 10) {
            changes.note(Change::Thread(100_000 + t));
        }
        c.sync(&changes);
        assert!(c.map.is_empty(), "changes it cannot see: everything goes");
        stale(&mut c, 9, 9);
        changes.note(Change::Thread(5));
        c.sync(&changes);
        assert!(c.map.contains_key(&9));
    }
}
