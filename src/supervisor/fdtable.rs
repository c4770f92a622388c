//! `-y`: what each file descriptor of each traced process refers to.
//!
//! One table per process (keyed by thread group id: threads share their
//! descriptors), filled lazily: the first time a descriptor is shown, its
//! `/proc/TID/fd/N` link is read once and cached; later records reuse it.
//! `AT_FDCWD` is cached the same way from `/proc/TID/cwd`.
//!
//! The cache stays true because a descriptor number only changes meaning
//! through a call the supervisor sees: `close`, `close_range`, `dup2`/`dup3`
//! onto an open number, `execve` (close-on-exec descriptors go) and the end
//! of the process; and a file's name changes through `unlink`, `rename` and
//! `rmdir` (strace shows `</tmp/x>(deleted)`). Those calls are trapped
//! whenever `-y` is on, selected or not; they invalidate entries (the next
//! use re-reads the link). A new
//! descriptor always takes a free number, one that was invalidated when it
//! was closed, so calls that create descriptors need no bookkeeping for
//! correctness; when their return value is known (ptrace exit) the new
//! entry is read at once (or copied, for `dup` and `fcntl(F_DUPFD)`), which
//! also keeps the cache right if another thread raced with a close.
//! Absent descriptors are never cached.
//!
//! Processes that share a descriptor table without being threads of one
//! process (`clone` with `CLONE_FILES` but not `CLONE_THREAD`) share one
//! table here too: the ptrace loop tells `fork` at each new task, and
//! `kcmp(KCMP_FILES)` says whether the tables are the same.
//!
//! Known limits (documented in the README): a file renamed or unlinked by a
//! process outside the traced tree keeps the name it had when first shown;
//! under `--no-ret` there are no fork events (CLONE_FILES processes get a
//! table each) and invalidation happens when the call is trapped, just
//! before it runs.

use crate::arch::SyscallTable;
use crate::handlers::{Kind, Ret, Spec};
use crate::record::{Abi, FdPath, Record, Value};
use std::collections::HashMap;

/// What a call does to the descriptor table (argument registers by index).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Returns a new descriptor (open, socket, accept, ...).
    Creates,
    /// `close(fd)`.
    Close,
    /// `close_range(first, last, flags)`: closes unless `CLOSE_RANGE_CLOEXEC`.
    CloseRange,
    /// `dup(old)`: the result refers to what `old` does.
    Dup,
    /// `dup2(old, new)`, `dup3(old, new, flags)`: `new` is closed, then
    /// refers to what `old` does.
    DupTo,
    /// `fcntl(fd, F_DUPFD | F_DUPFD_CLOEXEC, min)`: as `dup`.
    Fcntl,
    /// A successful exec closes close-on-exec descriptors.
    Exec,
    /// The process ends.
    ExitGroup,
    /// The working directory changes (`AT_FDCWD`).
    Chdir,
    /// A name is removed or moved: descriptors of files may now show
    /// another name, or `(deleted)`.
    Rename,
}

/// Calls with an effect of their own (any other call returning a
/// descriptor is `Creates`), and whether `-y` must trap them even when
/// `--only` does not select them: without them a number could be reused
/// unseen. A call trapped only for this gets no record.
pub const EFFECTS: &[(&str, Effect, bool)] = &[
    ("chdir", Effect::Chdir, true),
    ("close", Effect::Close, true),
    ("close_range", Effect::CloseRange, true),
    ("dup", Effect::Dup, false),
    ("dup2", Effect::DupTo, true),
    ("dup3", Effect::DupTo, true),
    ("execve", Effect::Exec, true),
    ("execveat", Effect::Exec, true),
    ("exit_group", Effect::ExitGroup, true),
    ("fchdir", Effect::Chdir, true),
    ("fcntl", Effect::Fcntl, false),
    // i386's fcntl with 64-bit locks; same commands for descriptors.
    ("fcntl64", Effect::Fcntl, false),
    ("rename", Effect::Rename, true),
    ("renameat", Effect::Rename, true),
    ("renameat2", Effect::Rename, true),
    ("rmdir", Effect::Rename, true),
    ("unlink", Effect::Rename, true),
    ("unlinkat", Effect::Rename, true),
];

/// The names `-y` traps besides the user's selection.
pub fn required_calls() -> impl Iterator<Item = &'static str> {
    EFFECTS.iter().filter(|e| e.2).map(|e| e.0)
}

const F_DUPFD: u64 = 0;
const F_DUPFD_CLOEXEC: u64 = 1030;
const CLOSE_RANGE_CLOEXEC: u64 = 1 << 2;

/// Output arguments that hold descriptors the call created, whatever kind
/// their decoder gives them: each integer in them is annotated.
const FD_OUTPUTS: &[(&str, &str)] = &[
    ("pipe", "pipefd"),
    ("pipe2", "pipefd"),
    ("socketpair", "sv"),
];

/// Calls whose result is a descriptor for some commands only (strace
/// annotates it then): `(call, argument, values)`.
const FD_RESULT_WHEN: &[(&str, &str, &[&str])] =
    &[("fcntl", "cmd", &["F_DUPFD", "F_DUPFD_CLOEXEC"])];

/// Adds what descriptors refer to, in place (`Value::WithPath`,
/// `Record::res_path`). A record without a result is at entry: its input
/// arguments are annotated (a descriptor the call closes is still open);
/// with a result, its output arguments and the result are.
pub fn annotate<R: Resolve>(fds: &mut FdTables<R>, spec: &Spec, rec: &mut Record) {
    let (tgid, tid) = (rec.pid, rec.tid);
    let at_exit = rec.res.is_some();
    let mut one = |v: &mut Value| {
        let fd = match v {
            Value::Int(n) if (0..=i32::MAX as i64).contains(n) => *n as i32,
            Value::Sym(s) if s == "AT_FDCWD" => libc::AT_FDCWD,
            _ => return,
        };
        if let Some(p) = fds.lookup(tgid, tid, fd) {
            let inner = std::mem::replace(v, Value::Int(0));
            *v = Value::WithPath(Box::new(inner), p);
        }
    };
    for a in rec.args.iter_mut().filter(|a| a.output == at_exit) {
        if FD_OUTPUTS.contains(&(spec.name, a.name)) {
            match &mut a.value {
                Value::Array { items, .. } => items.iter_mut().for_each(&mut one),
                v => one(v),
            }
            continue;
        }
        let kind = spec.args.iter().find(|s| s.name == a.name).map(|s| s.kind);
        match (kind, &mut a.value) {
            (Some(Kind::Fd | Kind::DirFd), v) => one(v),
            (Some(Kind::PollFds(_)), Value::Array { items, .. }) => {
                for it in items {
                    if let Value::Struct(fields) = it {
                        fields
                            .iter_mut()
                            .filter(|f| f.0 == "fd")
                            .for_each(|f| one(&mut f.1));
                    }
                }
            }
            _ => {}
        }
    }
    let Some(res) = rec.res.filter(|r| (0..=i32::MAX as i64).contains(r)) else {
        return;
    };
    let returns_fd = spec.ret == Ret::Fd
        || FD_RESULT_WHEN.iter().any(|(call, arg, vals)| {
            *call == spec.name
                && rec.args.iter().any(|a| {
                    a.name == *arg
                        && matches!(&a.value, Value::Sym(s) if vals.contains(&s.as_str()))
                })
        });
    if returns_fd && rec.res_path.is_none() {
        rec.res_path = fds.lookup(tgid, tid, res as i32);
    }
}

/// Reads what a descriptor refers to. A trait so the table logic can be
/// tested without processes.
pub trait Resolve {
    /// Descriptor `fd` of thread `tid`; `AT_FDCWD`: its working directory.
    fn resolve(&self, tid: i32, fd: i32) -> Option<FdPath>;
}

/// Reads `/proc/TID/fd/N` and `/proc/TID/cwd`.
pub struct Proc;

impl Resolve for Proc {
    fn resolve(&self, tid: i32, fd: i32) -> Option<FdPath> {
        use std::os::unix::ffi::OsStrExt;
        let link = if fd == libc::AT_FDCWD {
            format!("/proc/{tid}/cwd")
        } else {
            format!("/proc/{tid}/fd/{fd}")
        };
        let target = std::fs::read_link(&link).ok()?;
        let bytes = target.as_os_str().as_bytes();
        // The kernel appends " (deleted)" to an unlinked file's name; a
        // file may also be named so.
        let deleted =
            bytes.len() > DELETED.len() && bytes.ends_with(DELETED) && really_deleted(&link, bytes);
        let path = match deleted {
            true => &bytes[..bytes.len() - DELETED.len()],
            false => bytes,
        };
        Some(FdPath::new(path, deleted))
    }
}

const DELETED: &[u8] = b" (deleted)";

/// As strace decides it: the link's file is not the one now at the name
/// the kernel shows (suffix included), or there is none.
fn really_deleted(link: &str, target: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let Ok(open) = std::fs::metadata(link) else {
        return false;
    };
    match std::fs::symlink_metadata(std::ffi::OsStr::from_bytes(target)) {
        Ok(named) => named.dev() != open.dev() || named.ino() != open.ino(),
        Err(_) => true,
    }
}

/// Every traced process's descriptor table.
pub struct FdTables<R: Resolve = Proc> {
    procs: HashMap<i32, HashMap<i32, FdPath>>,
    /// Processes created with `CLONE_FILES` (not threads): tgid -> the
    /// process whose table they share.
    shares: HashMap<i32, i32>,
    /// By syscall number.
    effects: Vec<Option<Effect>>,
    /// By number of the compat ABI (i386 calls of 32-bit programs).
    compat_effects: Vec<Option<Effect>>,
    resolver: R,
}

/// What each call of `table` does to descriptors, by number.
fn effects_of(table: &SyscallTable) -> Vec<Option<Effect>> {
    let len = table
        .iter()
        .map(|(nr, _)| nr as usize + 1)
        .max()
        .unwrap_or(0);
    let mut effects = vec![None; len];
    for (nr, spec) in table.iter() {
        effects[nr as usize] = EFFECTS
            .iter()
            .find(|e| e.0 == spec.name)
            .map(|e| e.1)
            .or((spec.ret == Ret::Fd).then_some(Effect::Creates));
    }
    effects
}

impl FdTables<Proc> {
    pub fn new(table: &SyscallTable, compat: Option<&SyscallTable>) -> Self {
        let mut t = FdTables::with_resolver(table, Proc);
        if let Some(c) = compat {
            t.compat_effects = effects_of(c);
        }
        t
    }
}

impl<R: Resolve> FdTables<R> {
    pub fn with_resolver(table: &SyscallTable, resolver: R) -> Self {
        FdTables {
            procs: HashMap::new(),
            shares: HashMap::new(),
            effects: effects_of(table),
            compat_effects: Vec::new(),
            resolver,
        }
    }

    /// What `fd` of process `tgid` refers to, read through thread `tid` on
    /// a miss. `None` for a negative number other than `AT_FDCWD`, or a
    /// descriptor that is not open.
    pub fn lookup(&mut self, tgid: i32, tid: i32, fd: i32) -> Option<FdPath> {
        if fd < 0 && fd != libc::AT_FDCWD {
            return None;
        }
        let t = self.procs.entry(self.key(tgid)).or_default();
        if let Some(p) = t.get(&fd) {
            return Some(p.clone());
        }
        let p = self.resolver.resolve(tid, fd)?;
        t.insert(fd, p.clone());
        Some(p)
    }

    /// Applies what call `nr` did. `res` is its return value when known
    /// (after the call); `None` when the call is seen only at entry: then
    /// only invalidations are safe.
    pub fn apply(&mut self, nr: u64, tgid: i32, tid: i32, regs: &[u64; 6], res: Option<i64>) {
        self.apply_in(Abi::Native, nr, tgid, tid, regs, res);
    }

    /// As `apply`, for a call of ABI `abi`.
    pub fn apply_in(
        &mut self,
        abi: Abi,
        nr: u64,
        tgid: i32,
        tid: i32,
        regs: &[u64; 6],
        res: Option<i64>,
    ) {
        let effects = match abi {
            Abi::Native => &self.effects,
            Abi::Compat(_) => &self.compat_effects,
        };
        let Some(effect) = effects.get(nr as usize).copied().flatten() else {
            return;
        };
        let fd = |r: u64| r as u32 as i32;
        let new_fd = res.filter(|&r| (0..=i32::MAX as i64).contains(&r));
        match effect {
            Effect::Creates => {
                if let Some(r) = new_fd {
                    self.forget(tgid, r as i32);
                    self.lookup(tgid, tid, r as i32);
                }
            }
            Effect::Close => self.forget(tgid, fd(regs[0])),
            Effect::CloseRange => {
                if regs[2] & CLOSE_RANGE_CLOEXEC == 0 {
                    let (first, last) = (regs[0] as u32 as i64, regs[1] as u32 as i64);
                    if let Some(t) = self.procs.get_mut(&self.key(tgid)) {
                        t.retain(|&n, _| !(first..=last).contains(&(n as i64)));
                    }
                }
            }
            Effect::Dup => {
                if let Some(r) = new_fd {
                    self.copy(tgid, fd(regs[0]), r as i32);
                }
            }
            Effect::DupTo => match new_fd {
                Some(r) => self.copy(tgid, fd(regs[0]), r as i32),
                None => self.forget(tgid, fd(regs[1])),
            },
            Effect::Fcntl => {
                if matches!(regs[1] as u32 as u64, F_DUPFD | F_DUPFD_CLOEXEC) {
                    if let Some(r) = new_fd {
                        self.copy(tgid, fd(regs[0]), r as i32);
                    }
                }
            }
            // At entry the exec may still fail: forgetting is safe either way.
            Effect::Exec => {
                if res.is_none_or(|r| r == 0) {
                    self.forget_process(tgid);
                }
            }
            Effect::ExitGroup => self.forget_process(tgid),
            Effect::Chdir => self.forget(tgid, libc::AT_FDCWD),
            // Which file lost its name is not known without the path: every
            // process's file entries are read again when next shown (names
            // change rarely next to the calls that use descriptors).
            Effect::Rename => {
                for t in self.procs.values_mut() {
                    t.retain(|_, p| p.path.first() != Some(&b'/'));
                }
            }
        }
    }

    /// Drops a process's table: it exec'd (close-on-exec descriptors are
    /// gone, and exec gives it a table of its own), it ended, or its number
    /// now names a new process. Processes that shared its table keep
    /// sharing it among themselves (read again as needed).
    pub fn forget_process(&mut self, tgid: i32) {
        if self.shares.remove(&tgid).is_some() {
            return;
        }
        self.procs.remove(&tgid);
        let sharers: Vec<i32> = self
            .shares
            .iter()
            .filter(|&(_, &owner)| owner == tgid)
            .map(|(&p, _)| p)
            .collect();
        if let Some((&first, rest)) = sharers.split_first() {
            self.shares.remove(&first);
            for &p in rest {
                self.shares.insert(p, first);
            }
        }
    }

    /// A new process or thread `child` (in process `child_tgid`) of process
    /// `parent`; `shared`: it shares the parent's descriptor table.
    pub fn fork(&mut self, parent: i32, child: i32, child_tgid: i32, shared: bool) {
        if child_tgid == parent {
            return;
        }
        self.forget_process(child);
        if shared {
            let owner = self.key(parent);
            self.shares.insert(child, owner);
        }
    }

    /// The table process `tgid` uses.
    fn key(&self, tgid: i32) -> i32 {
        self.shares.get(&tgid).copied().unwrap_or(tgid)
    }

    fn forget(&mut self, tgid: i32, fd: i32) {
        if let Some(t) = self.procs.get_mut(&self.key(tgid)) {
            t.remove(&fd);
        }
    }

    /// `to` now refers to what `from` does (read again later if unknown).
    fn copy(&mut self, tgid: i32, from: i32, to: i32) {
        let t = self.procs.entry(self.key(tgid)).or_default();
        match t.get(&from).cloned() {
            Some(p) if from != to => {
                t.insert(to, p);
            }
            Some(_) => {}
            None => {
                t.remove(&to);
            }
        }
    }

    #[cfg(test)]
    fn cached(&self, tgid: i32) -> usize {
        self.procs.get(&self.key(tgid)).map_or(0, |t| t.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch;
    use std::cell::{Cell, RefCell};

    /// A fake process: descriptor -> path, and a count of reads.
    #[derive(Default)]
    struct Fake {
        fds: RefCell<HashMap<i32, &'static str>>,
        reads: Cell<usize>,
    }

    impl Resolve for &Fake {
        fn resolve(&self, _tid: i32, fd: i32) -> Option<FdPath> {
            self.reads.set(self.reads.get() + 1);
            let p = *self.fds.borrow().get(&fd)?;
            Some(FdPath::new(p.as_bytes(), false))
        }
    }

    impl Fake {
        fn set(&self, fd: i32, p: &'static str) {
            self.fds.borrow_mut().insert(fd, p);
        }
        fn unset(&self, fd: i32) {
            self.fds.borrow_mut().remove(&fd);
        }
    }

    // The tests use x86_64 numbers on every target (dup2 exists only there);
    // the table logic does not depend on the arch.
    fn nr(t: &SyscallTable, name: &str) -> u64 {
        t.number(name).unwrap() as u64
    }

    fn path(p: Option<FdPath>) -> Option<String> {
        p.map(|p| String::from_utf8(p.path.to_vec()).unwrap())
    }

    const P: i32 = 100;

    #[test]
    fn one_read_per_descriptor_then_cached() {
        let t = SyscallTable::new(&arch::X86_64);
        let f = Fake::default();
        f.set(3, "/etc/hosts");
        let mut fds = FdTables::with_resolver(&t, &f);
        for _ in 0..10 {
            assert_eq!(path(fds.lookup(P, P + 1, 3)).as_deref(), Some("/etc/hosts"));
        }
        assert_eq!(f.reads.get(), 1);
        // Not open: read each time, never cached.
        assert_eq!(fds.lookup(P, P, 4), None);
        assert_eq!(fds.lookup(P, P, 4), None);
        assert_eq!(f.reads.get(), 3);
        assert_eq!(fds.lookup(P, P, -1), None);
        assert_eq!(f.reads.get(), 3);
    }

    #[test]
    fn close_then_reuse_reads_again() {
        let t = SyscallTable::new(&arch::X86_64);
        let f = Fake::default();
        f.set(3, "/etc/hosts");
        let mut fds = FdTables::with_resolver(&t, &f);
        fds.lookup(P, P, 3);
        fds.apply(nr(&t, "close"), P, P, &[3, 0, 0, 0, 0, 0], Some(0));
        f.set(3, "socket:[7]");
        assert_eq!(path(fds.lookup(P, P, 3)).as_deref(), Some("socket:[7]"));
        // At entry (--no-ret) too.
        fds.apply(nr(&t, "close"), P, P, &[3, 0, 0, 0, 0, 0], None);
        f.set(3, "pipe:[9]");
        assert_eq!(path(fds.lookup(P, P, 3)).as_deref(), Some("pipe:[9]"));
    }

    #[test]
    fn dup_family_copies_without_reading() {
        let t = SyscallTable::new(&arch::X86_64);
        let f = Fake::default();
        f.set(3, "/etc/hosts");
        f.set(1, "/dev/pts/0");
        let mut fds = FdTables::with_resolver(&t, &f);
        fds.lookup(P, P, 3);
        fds.lookup(P, P, 1);
        let reads = f.reads.get();
        fds.apply(nr(&t, "dup2"), P, P, &[3, 1, 0, 0, 0, 0], Some(1));
        fds.apply(nr(&t, "dup"), P, P, &[3, 0, 0, 0, 0, 0], Some(5));
        fds.apply(nr(&t, "dup3"), P, P, &[3, 6, 0, 0, 0, 0], Some(6));
        fds.apply(nr(&t, "fcntl"), P, P, &[3, 1030, 10, 0, 0, 0], Some(10));
        for n in [1, 5, 6, 10] {
            assert_eq!(path(fds.lookup(P, P, n)).as_deref(), Some("/etc/hosts"));
        }
        assert_eq!(f.reads.get(), reads);
        // F_GETFD returns flags, not a descriptor.
        fds.apply(nr(&t, "fcntl"), P, P, &[3, 1, 0, 0, 0, 0], Some(1));
        assert_eq!(path(fds.lookup(P, P, 1)).as_deref(), Some("/etc/hosts"));
        // dup2 seen at entry only: the target is read again later.
        f.set(1, "/dev/null");
        fds.apply(nr(&t, "dup2"), P, P, &[7, 1, 0, 0, 0, 0], None);
        assert_eq!(path(fds.lookup(P, P, 1)).as_deref(), Some("/dev/null"));
        // dup2 from an unknown descriptor: the target is forgotten.
        f.set(1, "/dev/zero");
        fds.apply(nr(&t, "dup2"), P, P, &[8, 1, 0, 0, 0, 0], Some(1));
        assert_eq!(path(fds.lookup(P, P, 1)).as_deref(), Some("/dev/zero"));
    }

    #[test]
    fn close_range_exec_and_exit() {
        let t = SyscallTable::new(&arch::X86_64);
        let f = Fake::default();
        let mut fds = FdTables::with_resolver(&t, &f);
        for n in 0..8 {
            f.set(n, "/a");
            fds.lookup(P, P, n);
        }
        f.set(libc::AT_FDCWD, "/tmp");
        fds.lookup(P, P, libc::AT_FDCWD);
        assert_eq!(fds.cached(P), 9);
        // CLOSE_RANGE_CLOEXEC closes nothing now.
        fds.apply(nr(&t, "close_range"), P, P, &[3, !0, 4, 0, 0, 0], Some(0));
        assert_eq!(fds.cached(P), 9);
        fds.apply(
            nr(&t, "close_range"),
            P,
            P,
            &[5, u32::MAX as u64, 0, 0, 0, 0],
            Some(0),
        );
        assert_eq!(fds.cached(P), 6, "5..=7 gone, cwd kept");
        fds.apply(nr(&t, "chdir"), P, P, &[0; 6], Some(0));
        assert_eq!(fds.cached(P), 5);
        // A failed exec changes nothing; a successful one drops the table.
        fds.apply(nr(&t, "execve"), P, P, &[0; 6], Some(-2));
        assert_eq!(fds.cached(P), 5);
        fds.apply(nr(&t, "execve"), P, P, &[0; 6], Some(0));
        assert_eq!(fds.cached(P), 0);
        fds.lookup(P, P, 0);
        fds.apply(nr(&t, "exit_group"), P, P, &[0; 6], None);
        assert_eq!(fds.cached(P), 0);
    }

    #[test]
    fn clone_files_processes_share_a_table() {
        let t = SyscallTable::new(&arch::X86_64);
        let f = Fake::default();
        let mut fds = FdTables::with_resolver(&t, &f);
        f.set(3, "/a");
        fds.lookup(P, P, 3);
        // A thread, a plain child, and two CLONE_FILES children.
        fds.fork(P, P + 1, P, true);
        fds.fork(P, P + 2, P + 2, false);
        fds.fork(P, P + 3, P + 3, true);
        fds.fork(P + 3, P + 4, P + 4, true);
        f.set(3, "/b");
        assert_eq!(path(fds.lookup(P + 2, P + 2, 3)).as_deref(), Some("/b"));
        assert_eq!(path(fds.lookup(P + 3, P + 3, 3)).as_deref(), Some("/a"));
        // A close in a sharer is seen by all of them, not by the plain child.
        fds.apply(nr(&t, "close"), P + 4, P + 4, &[3, 0, 0, 0, 0, 0], Some(0));
        f.set(3, "/c");
        for p in [P, P + 3, P + 4] {
            assert_eq!(path(fds.lookup(p, p, 3)).as_deref(), Some("/c"));
        }
        assert_eq!(path(fds.lookup(P + 2, P + 2, 3)).as_deref(), Some("/b"));
        // The owner execs (its table is its own now): the others still share.
        fds.forget_process(P);
        assert_eq!(fds.key(P + 3), fds.key(P + 4));
        assert_ne!(fds.key(P), fds.key(P + 3));
        fds.apply(nr(&t, "close"), P + 3, P + 3, &[3, 0, 0, 0, 0, 0], Some(0));
        f.set(3, "/d");
        assert_eq!(path(fds.lookup(P + 4, P + 4, 3)).as_deref(), Some("/d"));
        // A sharer's exec gives it its own table.
        fds.forget_process(P + 4);
        assert_eq!(fds.key(P + 4), P + 4);
    }

    #[test]
    fn unlink_and_rename_forget_file_names_only() {
        let t = SyscallTable::new(&arch::X86_64);
        let f = Fake::default();
        let mut fds = FdTables::with_resolver(&t, &f);
        f.set(3, "/tmp/x");
        f.set(4, "socket:[1]");
        f.set(libc::AT_FDCWD, "/tmp");
        for p in [P, P + 1] {
            fds.lookup(p, p, 3);
            fds.lookup(p, p, 4);
            fds.lookup(p, p, libc::AT_FDCWD);
        }
        fds.apply(nr(&t, "unlinkat"), P, P, &[0; 6], Some(0));
        assert_eq!((fds.cached(P), fds.cached(P + 1)), (1, 1));
        f.fds.borrow_mut().insert(3, "/tmp/x (deleted)");
        assert_eq!(
            path(fds.lookup(P + 1, P + 1, 3)).as_deref(),
            Some("/tmp/x (deleted)")
        );
        fds.apply(nr(&t, "renameat2"), P, P, &[0; 6], None);
        assert_eq!(fds.cached(P + 1), 1);
    }

    #[test]
    fn created_descriptor_is_read_at_once_and_processes_are_separate() {
        let t = SyscallTable::new(&arch::X86_64);
        let f = Fake::default();
        let mut fds = FdTables::with_resolver(&t, &f);
        f.set(3, "/old");
        fds.lookup(P, P, 3);
        // Another thread closed 3 and opened it again before we saw the close.
        f.set(3, "/new");
        fds.apply(nr(&t, "openat"), P, P + 1, &[0; 6], Some(3));
        assert_eq!(path(fds.lookup(P, P, 3)).as_deref(), Some("/new"));
        // Failed and entry-only creations do nothing.
        let reads = f.reads.get();
        fds.apply(nr(&t, "openat"), P, P, &[0; 6], Some(-2));
        fds.apply(nr(&t, "socket"), P, P, &[0; 6], None);
        assert_eq!(f.reads.get(), reads);
        assert_eq!(fds.cached(P), 1);
        // Another process's 3 is its own.
        f.set(3, "/other");
        assert_eq!(path(fds.lookup(P + 5, P + 5, 3)).as_deref(), Some("/other"));
        assert_eq!(path(fds.lookup(P, P, 3)).as_deref(), Some("/new"));
        fds.forget_process(P);
        f.unset(3);
        assert_eq!(fds.lookup(P, P, 3), None);
    }

    fn record(t: &SyscallTable, name: &str, args: Vec<(&'static str, Value, bool)>) -> Record {
        Record {
            ts_ns: 0,
            pid: P,
            tid: P,
            comm: Default::default(),
            container: None,
            nr: t.number(name).unwrap(),
            name: t.get(nr(t, name)).unwrap().name,
            abi: Default::default(),
            args: args
                .into_iter()
                .map(|(name, value, output)| crate::record::Arg {
                    name,
                    value,
                    output,
                    updated: false,
                })
                .collect(),
            res: None,
            res_kind: crate::record::ResKind::Int,
            dur_ns: None,
            res_path: None,
            res_decoded: None,
            interrupted: false,
            late: false,
            injected: Default::default(),
        }
    }

    fn shown(v: &Value) -> String {
        match v {
            Value::WithPath(inner, p) => {
                format!("{}<{}>", shown(inner), String::from_utf8_lossy(&p.path))
            }
            Value::Int(n) => n.to_string(),
            Value::Sym(s) => s.clone(),
            Value::Array { items, .. } => {
                let v: Vec<String> = items.iter().map(shown).collect();
                format!("[{}]", v.join(", "))
            }
            other => format!("{other:?}"),
        }
    }

    /// The ptrace path: annotate at entry, apply the effects and annotate
    /// again at exit, as the supervisor does.
    fn call(
        fds: &mut FdTables<&Fake>,
        t: &SyscallTable,
        rec: &mut Record,
        regs: [u64; 6],
        res: i64,
    ) -> String {
        let spec = t.get(rec.nr as u64).unwrap();
        annotate(fds, spec, rec);
        rec.res = Some(res);
        fds.apply(rec.nr as u64, P, P, &regs, Some(res));
        annotate(fds, spec, rec);
        let args: Vec<String> = rec.args.iter().map(|a| shown(&a.value)).collect();
        let res_path = rec
            .res_path
            .as_ref()
            .map(|p| format!("<{}>", String::from_utf8_lossy(&p.path)))
            .unwrap_or_default();
        format!("{}({}) = {res}{res_path}", rec.name, args.join(", "))
    }

    #[test]
    fn annotations_follow_strace() {
        let t = SyscallTable::new(&arch::X86_64);
        let f = Fake::default();
        let mut fds = FdTables::with_resolver(&t, &f);
        f.set(7, "/etc/passwd");
        f.set(libc::AT_FDCWD, "/tmp");
        // dup2 onto a closed number: the target is not annotated, the result is.
        let mut r = record(
            &t,
            "dup2",
            vec![
                ("oldfd", Value::Int(7), false),
                ("newfd", Value::Int(0), false),
            ],
        );
        assert_eq!(
            call(&mut fds, &t, &mut r, [7, 0, 0, 0, 0, 0], 0),
            "dup2(7</etc/passwd>, 0) = 0</etc/passwd>"
        );
        // close: annotated at entry, forgotten after.
        let mut r = record(&t, "close", vec![("fd", Value::Int(7), false)]);
        assert_eq!(
            call(&mut fds, &t, &mut r, [7, 0, 0, 0, 0, 0], 0),
            "close(7</etc/passwd>) = 0"
        );
        f.unset(7);
        // F_DUPFD returns a descriptor, F_GETFD does not; -1 is never annotated.
        let mut r = record(
            &t,
            "fcntl",
            vec![
                ("fd", Value::Int(0), false),
                ("cmd", Value::Sym("F_DUPFD".into()), false),
            ],
        );
        assert_eq!(
            call(&mut fds, &t, &mut r, [0, 0, 10, 0, 0, 0], 10),
            "fcntl(0</etc/passwd>, F_DUPFD) = 10</etc/passwd>"
        );
        let mut r = record(
            &t,
            "fcntl",
            vec![
                ("fd", Value::Int(-1), false),
                ("cmd", Value::Sym("F_GETFD".into()), false),
            ],
        );
        assert_eq!(
            call(&mut fds, &t, &mut r, [!0, 1, 0, 0, 0, 0], 1),
            "fcntl(-1, F_GETFD) = 1"
        );
        // The pipe pair, however its decoder shows it, and AT_FDCWD.
        f.set(3, "pipe:[5]");
        f.set(4, "pipe:[5]");
        let mut r = record(&t, "pipe2", vec![("pipefd", Value::Int(0), true)]);
        r.args[0].value = Value::Array {
            items: vec![Value::Int(3), Value::Int(4)],
            truncated: false,
        };
        assert_eq!(
            call(&mut fds, &t, &mut r, [0; 6], 0),
            "pipe2([3<pipe:[5]>, 4<pipe:[5]>]) = 0"
        );
        let mut r = record(
            &t,
            "openat",
            vec![("dirfd", Value::Sym("AT_FDCWD".into()), false)],
        );
        f.set(5, "/tmp/x");
        assert_eq!(
            call(&mut fds, &t, &mut r, [0; 6], 5),
            "openat(AT_FDCWD</tmp>) = 5</tmp/x>"
        );
        // A failed call's result is not a descriptor.
        let mut r = record(&t, "openat", vec![("dirfd", Value::Int(99), false)]);
        assert_eq!(call(&mut fds, &t, &mut r, [0; 6], -2), "openat(99) = -2");
    }

    #[test]
    fn proc_resolver_reads_own_descriptors() {
        use std::os::fd::AsRawFd;
        let me = std::process::id() as i32;
        let file = std::fs::File::open("/proc/self/status").unwrap();
        let p = Proc.resolve(me, file.as_raw_fd()).unwrap();
        assert_eq!(&*p.path, format!("/proc/{me}/status").as_bytes());
        assert!(!p.deleted);
        let cwd = std::env::current_dir().unwrap();
        let p = Proc.resolve(me, libc::AT_FDCWD).unwrap();
        assert_eq!(&*p.path, cwd.as_os_str().as_encoded_bytes());
        assert!(Proc.resolve(me, 999_999).is_none());
    }

    #[test]
    fn deleted_files_lose_the_suffix() {
        use std::os::fd::AsRawFd;
        let me = std::process::id() as i32;
        let dir = std::env::temp_dir().join(format!("fdtable-{me}"));
        std::fs::create_dir_all(&dir).unwrap();
        let gone = dir.join("gone");
        let kept = dir.join("kept (deleted)");
        let a = std::fs::File::create(&gone).unwrap();
        let b = std::fs::File::create(&kept).unwrap();
        std::fs::remove_file(&gone).unwrap();
        let pa = Proc.resolve(me, a.as_raw_fd()).unwrap();
        assert_eq!(&*pa.path, gone.as_os_str().as_encoded_bytes());
        assert!(pa.deleted);
        let pb = Proc.resolve(me, b.as_raw_fd()).unwrap();
        assert_eq!(&*pb.path, kept.as_os_str().as_encoded_bytes());
        assert!(!pb.deleted);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
