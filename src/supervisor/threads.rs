//! Per-thread facts the records need: thread group id and name, read from
//! `/proc/TID/status` once per thread and cached. Each tracing loop keeps its
//! own cache (no lock on the hot path) and drops entries when a thread execs,
//! renames itself or exits.

use crate::record::Comm;
// Looked up on every notification, by thread id (from the kernel).
use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts the renames (`prctl(PR_SET_NAME)`) either loop has seen. A
/// rename is seen by one loop only (the one its call went through), but
/// both caches hold the thread's name: the other loop learns of it here.
#[derive(Default)]
pub struct Renames(AtomicU64);

impl Renames {
    pub fn bump(&self) {
        self.0.fetch_add(1, Ordering::Release);
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
    /// `Renames` when the names were read.
    renames: u64,
}

impl ThreadCache {
    /// Drops every cached name after a rename seen by either loop (which
    /// thread it was is not known here; renames are rare). Called before
    /// each stop or notification is handled.
    pub fn sync(&mut self, renames: &Renames) {
        let now = renames.0.load(Ordering::Acquire);
        if now != self.renames {
            self.map.clear();
            self.renames = now;
        }
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
pub(super) fn read_status(tid: i32) -> Option<ThreadInfo> {
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

    #[test]
    fn rename_seen_elsewhere_drops_names() {
        let renames = Renames::default();
        let mut c = ThreadCache::default();
        let me = std::process::id() as i32;
        c.map.insert(
            me,
            ThreadInfo {
                tgid: 1,
                comm: Comm::new(b"stale"),
            },
        );
        c.sync(&renames);
        assert_eq!(c.get(me).tgid, 1, "no rename: the cached entry stays");
        renames.bump();
        c.sync(&renames);
        assert_eq!(c.get(me).tgid, me, "after a rename the entry is read again");
    }
}
