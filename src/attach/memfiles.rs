//! Reading a target's memory in `attach` without stops: one open
//! `/proc/TGID/mem` per process, read with `pread`, instead of a
//! `process_vm_readv` per buffer, which looks the process up and checks
//! ptrace access on every call (an open file did both once). Under nginx
//! (about 10 reads a request) my-sysdig used about 9% less CPU a request
//! (BENCHMARKS.md); what is left is mostly the page walk of both.
//!
//! A file reads the memory its process had when it was opened: after an
//! exec it reads nothing (or, for a `vfork` child, its parent's memory).
//! The owner forgets a process when it execs or its leader ends
//! (`forget`), and a read that fails is tried once more with a fresh
//! file. Where no file can be opened, or a fresh one reads nothing where
//! `process_vm_readv` reads, reads go through `ProcMem` as before.

use crate::handlers::decode::Memory;
use crate::supervisor::memory::ProcMem;
use rustc_hash::FxHashMap as HashMap;
use std::cell::{Cell, RefCell};
use std::fs::File;
use std::os::unix::fs::FileExt;

/// Files kept open at most (fewer when descriptors are short, `room`);
/// the least recently used goes first.
const CAP: usize = 256;

enum Slot {
    Open(File),
    /// Reads go through `ProcMem` (no file could be opened, or it reads
    /// nothing where `process_vm_readv` reads).
    Unusable,
}

struct Entry {
    slot: Slot,
    used: u64,
}

/// Each process's `/proc/TGID/mem`, by process id.
pub struct MemFiles {
    map: RefCell<HashMap<i32, Entry>>,
    clock: Cell<u64>,
    /// Files kept open at most; 0: every read goes by thread.
    cap: usize,
}

/// How many files to keep open: `CAP`, or half the descriptors still free
/// under `RLIMIT_NOFILE` (call it once the perf events are open: names,
/// `-y`'s paths and the output need descriptors too).
pub fn room() -> usize {
    let nofile = crate::supervisor::perf::descriptor_limit();
    let open = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count()) as u64;
    (nofile.saturating_sub(open) / 2).min(CAP as u64) as usize
}

impl MemFiles {
    pub fn new(cap: usize) -> Self {
        MemFiles {
            map: RefCell::default(),
            clock: Cell::default(),
            cap,
        }
    }

    /// Reads thread `tid` of process `tgid` (`tgid` 0 or less: unknown,
    /// read by thread).
    pub fn reader(&self, tgid: i32, tid: i32) -> Reader<'_> {
        Reader {
            files: self,
            tgid,
            tid,
        }
    }

    /// Process `tgid` exec'd or ended: its file reads a memory it no
    /// longer has.
    pub fn forget(&self, tgid: i32) {
        self.map.borrow_mut().remove(&tgid);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.map.borrow().len()
    }

    fn keep(&self, tgid: i32, slot: Slot) {
        let mut map = self.map.borrow_mut();
        if map.len() >= self.cap && !map.contains_key(&tgid) {
            let oldest = map.iter().min_by_key(|(_, e)| e.used).map(|(&k, _)| k);
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        let used = self.tick();
        map.insert(tgid, Entry { slot, used });
    }

    fn tick(&self) -> u64 {
        let t = self.clock.get().wrapping_add(1);
        self.clock.set(t);
        t
    }
}

/// One thread's memory, through its process's file.
pub struct Reader<'a> {
    files: &'a MemFiles,
    tgid: i32,
    tid: i32,
}

/// Reads at `addr`: how many bytes, or `None` when not one could be read
/// (a bad address, or a file whose memory is gone: both read 0 or fail).
fn pread(f: &File, addr: u64, buf: &mut [u8]) -> Option<usize> {
    match f.read_at(buf, addr) {
        Ok(n) if n > 0 => Some(n),
        _ => None,
    }
}

impl Memory for Reader<'_> {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
        let by_thread = ProcMem { tid: self.tid };
        // pread's offset is signed: addresses above i64::MAX are the
        // kernel's, which process_vm_readv refuses with the right errno.
        if buf.is_empty() || self.tgid <= 0 || addr > i64::MAX as u64 || self.files.cap == 0 {
            return by_thread.read(addr, buf);
        }
        let now = self.files.tick();
        {
            let mut map = self.files.map.borrow_mut();
            if let Some(e) = map.get_mut(&self.tgid) {
                e.used = now;
                match &e.slot {
                    Slot::Unusable => return by_thread.read(addr, buf),
                    Slot::Open(f) => {
                        if let Some(n) = pread(f, addr, buf) {
                            return Ok(n);
                        }
                    }
                }
                // The process may have exec'd since (or the address is
                // bad): once more with a fresh file.
                map.remove(&self.tgid);
            }
        }
        // std opens with O_CLOEXEC.
        let Ok(f) = File::open(format!("/proc/{}/mem", self.tgid)) else {
            self.files.keep(self.tgid, Slot::Unusable);
            return by_thread.read(addr, buf);
        };
        if let Some(n) = pread(&f, addr, buf) {
            self.files.keep(self.tgid, Slot::Open(f));
            return Ok(n);
        }
        // A bad address (process_vm_readv tells its errno, as before), or
        // a file that cannot read this process (its leader is a zombie:
        // /proc/TGID/mem has no memory) while process_vm_readv can.
        let r = by_thread.read(addr, buf);
        let slot = match r {
            Ok(n) if n > 0 => Slot::Unusable,
            _ => Slot::Open(f),
        };
        self.files.keep(self.tgid, slot);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> (i32, i32) {
        // SAFETY: getpid and gettid have no preconditions.
        unsafe { (libc::getpid(), libc::gettid()) }
    }

    #[test]
    fn reads_own_memory_and_keeps_the_file() {
        let files = MemFiles::new(CAP);
        let (pid, tid) = me();
        let data = *b"hello, memory";
        let mut buf = [0u8; 13];
        let r = files.reader(pid, tid).read(data.as_ptr() as u64, &mut buf);
        assert_eq!(r, Ok(13));
        assert_eq!(buf, data);
        assert_eq!(files.len(), 1);
        assert!(matches!(
            files.map.borrow().get(&pid).map(|e| &e.slot),
            Some(Slot::Open(_))
        ));
        files.forget(pid);
        assert_eq!(files.len(), 0);
    }

    #[test]
    fn a_bad_address_fails_as_process_vm_readv_does() {
        let files = MemFiles::new(CAP);
        let (pid, tid) = me();
        let mut buf = [0u8; 8];
        // Page 0 is never mapped.
        let r = files.reader(pid, tid).read(8, &mut buf);
        assert_eq!(r, ProcMem { tid }.read(8, &mut buf));
        assert!(r.is_err());
        // The file is kept: the address was bad, not the file.
        let data = [7u8; 8];
        assert_eq!(
            files.reader(pid, tid).read(data.as_ptr() as u64, &mut buf),
            Ok(8)
        );
        assert_eq!(buf, data);
        // A kernel address goes straight to process_vm_readv.
        assert!(
            files
                .reader(pid, tid)
                .read(u64::MAX - 4095, &mut buf)
                .is_err()
        );
    }

    #[test]
    fn a_process_without_a_file_is_read_by_thread() {
        let files = MemFiles::new(CAP);
        let (_, tid) = me();
        let data = [3u8; 4];
        let mut buf = [0u8; 4];
        // No such process: the open fails, the read goes by thread.
        let r = files
            .reader(i32::MAX, tid)
            .read(data.as_ptr() as u64, &mut buf);
        assert_eq!(r, Ok(4));
        assert!(matches!(
            files.map.borrow().get(&i32::MAX).map(|e| &e.slot),
            Some(Slot::Unusable)
        ));
    }

    #[test]
    fn without_room_every_read_goes_by_thread() {
        let files = MemFiles::new(0);
        let (pid, tid) = me();
        let data = [5u8; 4];
        let mut buf = [0u8; 4];
        assert_eq!(
            files.reader(pid, tid).read(data.as_ptr() as u64, &mut buf),
            Ok(4)
        );
        assert_eq!(files.len(), 0);
        assert!(room() <= CAP);
    }

    #[test]
    fn at_most_cap_files() {
        let files = MemFiles::new(CAP);
        for k in 0..CAP as i32 + 10 {
            files.keep(k + 1, Slot::Unusable);
        }
        assert_eq!(files.len(), CAP);
        // The oldest went first.
        assert!(!files.map.borrow().contains_key(&1));
        assert!(files.map.borrow().contains_key(&(CAP as i32 + 10)));
    }
}
