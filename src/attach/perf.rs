//! `attach` without stops: per-thread perf events on `raw_syscalls:sys_enter`
//! and `sys_exit` (or, for one or two `--only` calls, each call's own
//! `syscalls:` pair: `tracepoints`), inherited by the threads and children
//! started later, give each call's number, registers and result while the
//! target runs on. A raw sample does not say its ABI: a 32-bit program's
//! calls are told by its executable's ELF class (`note_abi`).
//! Strings and buffers are read from the target's memory when the sample
//! is read, so they may have changed since the call: records whose
//! arguments were read from memory are marked late (README).
//!
//! Samples are read every 2 ms while calls flow (20 ms when idle; sooner
//! when a ring is half full), sorted by time across CPUs, and joined per
//! thread: an entry, then its exit. Samples from the last half millisecond
//! wait for the next round: one written on another CPU while the rings were
//! read could belong before them. A process that ends within that time
//! leaves its strings unreadable (`ESRCH`).

use super::memfiles::MemFiles;
use super::targets;
use crate::arch::SyscallTable;
use crate::error::{Error, Result};
use crate::handlers::decode::{self, Ctx};
use crate::record::Comm;
use crate::record::{Abi, Record, ResKind};
use crate::supervisor::Shared;
use crate::supervisor::perf::monotonic_ns;
use crate::supervisor::perf::ring::{self, Sample, TaskRings};
use crate::supervisor::perf::tracefs::{self, SysEnter, SysExit};
use crate::supervisor::threads::{ThreadCache, ThreadInfo, read_status};
use rustc_hash::FxHashMap as HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

/// Samples this recent wait for the next round (see the module comment).
const CUTOFF_NS: u64 = 500_000;

/// Ring pages per CPU: attach reads every 20 ms, and a busy target makes
/// a few hundred thousand calls a second (two samples each).
const PAGES: usize = 256;

/// The events, opened on every thread of the targets.
pub struct Events {
    rings: TaskRings,
    /// The entry and exit tracepoints (`tracepoints`).
    enters: Vec<SysEnter>,
    exits: Vec<SysExit>,
    /// Each thread's process and name when its events were opened: a
    /// child found late may end before its first sample is read (perf
    /// names only what execs or renames itself after that).
    names: Vec<(i32, ThreadInfo)>,
}

/// Opens the events on every thread of `processes` (rescanning each
/// until a scan finds no new thread); `nrs`: the numbers to sample (all
/// when `None`).
pub fn open(
    processes: &[i32],
    nrs: Option<(&[u32], &[u32])>,
    follow: bool,
) -> Result<(Events, usize)> {
    // The calls' own events skip 32-bit programs' calls.
    let compat = processes.iter().any(|&p| elf_class(p) == Some(ELFCLASS32));
    let (enters, exits, filter) = tracepoints(nrs, compat)?;
    ring::permitted(&exits[0]).map_err(|e| {
        Error::fail(format!(
            "attach without --stop needs perf events: {e}; --stop traces with ptrace instead"
        ))
    })?;
    let pages = std::env::var("MY_SYSDIG_PERF_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(PAGES);
    let mut rings = TaskRings::new(pages);
    let mut done: Vec<i32> = Vec::new();
    let mut names: Vec<(i32, ThreadInfo)> = Vec::new();
    let mut open_process = |rings: &mut TaskRings, p: i32| -> Result<()> {
        let mut rescan = false;
        loop {
            let mut new: Vec<i32> = targets::threads(p)
                .into_iter()
                .filter(|t| !done.contains(t))
                .collect();
            if new.is_empty() {
                return Ok(());
            }
            if rescan {
                // A thread started after its creator's events were opened
                // inherited them (the kernel reported its creation): a set
                // of its own would sample each of its calls twice. One
                // listed before that report comes gets a moment.
                let mut forked = rings.forked();
                if new.iter().any(|t| !forked.contains(t)) {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    forked = rings.forked();
                }
                new.retain(|t| {
                    let inherited = forked.contains(t);
                    if inherited {
                        done.push(*t);
                        names.extend(read_status(*t).map(|i| (*t, i)));
                    }
                    !inherited
                });
            }
            rescan = true;
            for tid in new {
                let opened = add_all(rings, &enters, &exits, |r, tp, task| {
                    r.add(tp, tid, filter.as_deref(), task)
                });
                match opened {
                    Ok(()) => {
                        done.push(tid);
                        names.extend(read_status(tid).map(|i| (tid, i)));
                    }
                    // A thread that is ending (ESRCH: it may still be a
                    // zombie in /proc) or has ended meanwhile: a `-f`
                    // child's `cat` or `sleep` is gone in milliseconds.
                    Err(e) if e.contains("ESRCH") || ending(p, tid) => done.push(tid),
                    Err(e) => return Err(Error::fail(format!("cannot attach to {p}: {e}"))),
                }
            }
        }
    };
    for &p in processes {
        open_process(&mut rings, p)?;
    }
    if follow {
        // The children were listed before the events were opened: one
        // started in between has neither (nginx's second worker, forked as
        // the attach begins). Listed again now, a child is either started
        // after its parent's events were opened (it inherited them; the
        // kernel reported its creation) or before (it gets its own).
        let mut known: Vec<i32> = processes.to_vec();
        loop {
            let mut found: Vec<i32> = Vec::new();
            for &p in &known {
                for c in targets::children(p) {
                    if !known.contains(&c) && !found.contains(&c) {
                        found.push(c);
                    }
                }
            }
            if found.is_empty() {
                break;
            }
            let mut forked = rings.forked();
            if found.iter().any(|c| !forked.contains(c)) {
                // A child is listed as its parent's before the kernel
                // reports its creation (and before it runs): a moment.
                std::thread::sleep(std::time::Duration::from_millis(20));
                forked = rings.forked();
            }
            for c in found {
                known.push(c);
                if !forked.contains(&c) {
                    open_process(&mut rings, c)?;
                }
            }
        }
    }
    let n = done.len();
    Ok((
        Events {
            rings,
            enters,
            exits,
            names,
        },
        n,
    ))
}

/// Opens the events for every task of the machine (`attach --all`) but
/// my-sysdig's own threads, filtered in the kernel to `nrs` (all when
/// `None`).
pub fn open_all(nrs: Option<(&[u32], &[u32])>) -> Result<Events> {
    let (enters, exits, calls) = tracepoints(nrs, false)?;
    ring::permitted(&exits[0])
        .map_err(|e| Error::fail(format!("attach --all needs perf events: {e}")))?;
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    // Our threads (and those started later, which get tids above ours
    // only by chance) must not trace themselves: excluded by thread id,
    // the writer thread included once it exists. The filter is fixed at
    // open, so every thread we will have is started before (see
    // `attach::run`).
    let ours: Vec<String> = targets::threads(me)
        .iter()
        .map(|t| format!("common_pid != {t}"))
        .collect();
    let mut filter = ours.join(" && ");
    // Too many ranges for the kernel: every call is sampled, the reader
    // drops the others.
    if let Some(c) = calls {
        filter = format!("({c}) && {filter}");
    }
    let pages = std::env::var("MY_SYSDIG_PERF_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(PAGES);
    let mut rings = TaskRings::new(pages);
    add_all(&mut rings, &enters, &exits, |r, tp, _| {
        r.add_every_task(tp, Some(&filter))
    })
    .map_err(|e| Error::fail(format!("attach --all: {e}")))?;
    Ok(Events {
        rings,
        enters,
        exits,
        names: Vec::new(),
    })
}

/// Calls traced with their own events at most: each is one more event per
/// thread and CPU for each of entry and exit, where the raw pair serves any
/// number of calls.
const OWN_EVENTS_MAX: usize = 2;

/// The entry and exit tracepoints for `nrs` (every call when `None`), and
/// the numbers' filter they need. For one or two calls, each call's own
/// `syscalls:sys_enter_<name>`/`sys_exit_<name>`: the target's other calls
/// then cost the kernel a bitmap test, where the raw events build a sample
/// for every call that the filter drops (BENCHMARKS.md, "Which exit
/// event"); but those events skip the calls of 32-bit programs, so not
/// when a target is one (`compat`). Else, or when tracefs lacks one,
/// `raw_syscalls`, filtered to both ABIs' numbers (`nrs`: native, compat;
/// a raw sample does not say its ABI: the reader tells by the process).
/// `MY_SYSDIG_PERF_RAW=1`: always the raw ones, to measure the difference.
fn tracepoints(nrs: Option<(&[u32], &[u32])>, compat: bool) -> Result<Tracepoints> {
    let own = nrs.map(|(native, _)| native).filter(|n| {
        !compat
            && !n.is_empty()
            && n.len() <= OWN_EVENTS_MAX
            && std::env::var_os("MY_SYSDIG_PERF_RAW").is_none()
    });
    if let Some(nrs) = own {
        let table = crate::arch::SyscallTable::new(crate::arch::native());
        let names = tracefs::event_names_of(&table, nrs);
        let enters: Option<Vec<SysEnter>> = tracefs::own_enter_events(&names).into_iter().collect();
        let exits: Option<Vec<SysExit>> = tracefs::own_events(&names).into_iter().collect();
        if let (Some(enters), Some(exits)) = (enters, exits) {
            return Ok((enters, exits, None));
        }
    }
    let enter = tracefs::sys_enter()?;
    let exit = tracefs::sys_exit()?;
    let filter = nrs.and_then(|(native, compat)| {
        let both: Vec<u32> = native.iter().chain(compat).copied().collect();
        ring::filter_expr(&both)
    });
    Ok((vec![enter], vec![exit], filter))
}

/// Entry events, exit events, the numbers' filter.
type Tracepoints = (Vec<SysEnter>, Vec<SysExit>, Option<String>);

/// Opens every tracepoint with `add(rings, id, task)`, `task` (thread
/// creations, exits and names) on the first alone. The exit events first:
/// opening an event can take tens of milliseconds (the tracepoint's first
/// user waits for RCU), and an entry sampled before its exit event was
/// open would have no result, where an exit with no entry is just dropped.
fn add_all(
    rings: &mut TaskRings,
    enters: &[SysEnter],
    exits: &[SysExit],
    mut add: impl FnMut(&mut TaskRings, u64, bool) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    let ids = exits
        .iter()
        .map(|e| e.id)
        .chain(enters.iter().map(|e| e.id));
    for (i, id) in ids.enumerate() {
        add(rings, id, i == 0)?;
    }
    Ok(())
}

/// Whether thread `tid` of `p` has ended or is ending (gone from /proc,
/// or a zombie).
fn ending(p: i32, tid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{p}/task/{tid}/stat")) {
        // The state follows the parenthesised name, which may hold spaces.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_none_or(|(_, rest)| rest.starts_with(['Z', 'X', 'x'])),
        Err(_) => true,
    }
}

/// One sample, parsed.
#[derive(Clone, Copy, Debug)]
struct Seen {
    time_ns: u64,
    pid: i32,
    tid: i32,
    what: What,
}

#[derive(Clone, Copy, Debug)]
enum What {
    Enter { nr: u64, regs: [u64; 6] },
    Exit { nr: i64, ret: i64 },
    Gone,
}

/// A call between its entry sample and its exit sample.
struct Pending {
    rec: Record,
    regs: [u64; 6],
    t0_ns: u64,
}

/// Reads the samples until `stop` is set or the targets are gone.
pub fn run(shared: &Shared, mut ev: Events, processes: &[i32], follow: bool, stop: &AtomicBool) {
    let mut st = State {
        shared,
        processes: processes.to_vec(),
        follow,
        pending: HashMap::default(),
        abis: HashMap::default(),
        cache: ThreadCache::default(),
        mem: MemFiles::new(super::memfiles::room()),
        scratch: Vec::new(),
        lost: 0,
        wall_offset: 0,
    };
    for (tid, info) in ev.names.drain(..) {
        // Read now, while the targets are surely there.
        st.note_abi(info.tgid);
        st.cache.set(tid, info);
    }
    let mut held: Vec<Seen> = Vec::new();
    let mut pfds: Vec<libc::pollfd> = ev
        .rings
        .fds()
        .into_iter()
        .map(|fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    loop {
        // `--all` (no processes) ends only when asked.
        let gone = !processes.is_empty() && !processes.iter().any(|p| alive(*p));
        let stopping = stop.load(Ordering::SeqCst) || gone;
        // While calls flow, every 2 ms: memory is read sooner (a short-lived
        // process may be gone 20 ms later); idle, every 20 ms.
        let timeout = if held.is_empty() { 20 } else { 2 };
        // SAFETY: pfds is a valid array of pollfd whose fds `ev` owns.
        unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, timeout) };
        let cutoff = monotonic_ns().saturating_sub(CUTOFF_NS);
        let (enters, exits) = (&ev.enters, &ev.exits);
        let mut last: Option<(i32, u64, u16)> = None;
        let mut names: Vec<(i32, i32, Comm)> = Vec::new();
        ev.rings.drain(|s| match s {
            Sample::Raw {
                id,
                pid,
                tid,
                time_ns,
                raw,
            } => {
                // A thread found by a rescan after it had inherited the
                // events has two sets: the twin comes right after.
                if last.replace((tid, time_ns, id)) == Some((tid, time_ns, id)) {
                    return;
                }
                st.note_abi(pid);
                if let Some(what) = parse(raw, id, enters, exits) {
                    held.push(Seen {
                        time_ns,
                        pid,
                        tid,
                        what,
                    });
                }
            }
            Sample::ThreadExit { tid, time_ns } => held.push(Seen {
                time_ns,
                pid: 0,
                tid,
                what: What::Gone,
            }),
            Sample::Lost(n) => st.lost += n,
            // Names are kept from the exec on: a process gone before its
            // samples are read keeps its name (its /proc entry is gone).
            Sample::Comm { pid, tid, comm } => names.push((pid, tid, Comm::new(comm))),
        });
        for (pid, tid, comm) in names.drain(..) {
            // An exec (or a rename): the process's memory file may read
            // the memory it had before.
            st.mem.forget(pid);
            // An exec may change the ABI too.
            st.abis.remove(&pid);
            st.note_abi(pid);
            st.cache.set(tid, ThreadInfo { tgid: pid, comm });
        }
        held.sort_by_key(|s| (s.time_ns, s.tid));
        // Twins the check above missed: written to two rings (the
        // inherited set's and the thread's own), read in either order. One
        // thread never makes two samples of a kind at the same instant (the
        // kernel stamps a tracepoint hit once for all its events).
        held.dedup_by(|b, a| {
            a.time_ns == b.time_ns
                && a.tid == b.tid
                && std::mem::discriminant(&a.what) == std::mem::discriminant(&b.what)
        });
        st.wall_offset = crate::supervisor::realtime_ns().saturating_sub(monotonic_ns());
        let ready = if stopping {
            held.len()
        } else {
            held.partition_point(|s| s.time_ns <= cutoff)
        };
        for s in held.drain(..ready) {
            st.on_sample(s);
        }
        if stopping {
            break;
        }
    }
    // Calls still in progress: no result.
    let tids: Vec<i32> = st.pending.keys().copied().collect();
    for tid in tids {
        st.unreturned(tid);
    }
    if st.lost > 0 {
        eprintln!(
            "my-sysdig: the perf rings overflowed: {} samples lost (calls without their entry \
             are not written, those without their exit are written with res=?); \
             MY_SYSDIG_PERF_PAGES=N gives bigger rings",
            st.lost
        );
    }
}

fn alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// `EI_CLASS` of a 32-bit ELF file.
const ELFCLASS32: u8 = 1;

/// The ELF class (`e_ident[EI_CLASS]`) of process `tgid`'s executable;
/// `None` when it cannot be read (the process is gone).
fn elf_class(tgid: i32) -> Option<u8> {
    use std::io::Read;
    let mut ident = [0u8; 5];
    let mut f = std::fs::File::open(format!("/proc/{tgid}/exe")).ok()?;
    f.read_exact(&mut ident).ok()?;
    (ident[..4] == *b"\x7fELF").then_some(ident[4])
}

/// A sample's raw tracepoint record.
fn parse(raw: &[u8], id: u16, enters: &[SysEnter], exits: &[SysExit]) -> Option<What> {
    let u64_at = |at: usize| Some(u64::from_ne_bytes(raw.get(at..at + 8)?.try_into().ok()?));
    let nr_at = |at: usize, size: usize| match size {
        4 => Some(i64::from(
            u32::from_ne_bytes(raw.get(at..at + 4)?.try_into().ok()?) as i32,
        )),
        _ => Some(u64_at(at)? as i64),
    };
    if let Some(enter) = enters.iter().find(|e| e.id == u64::from(id)) {
        // A call's own event carries its arguments only: the rest are 0.
        let mut regs = [0u64; 6];
        for (i, r) in regs.iter_mut().enumerate().take(enter.args) {
            *r = u64_at(enter.args_offset + 8 * i)?;
        }
        return Some(What::Enter {
            nr: nr_at(enter.nr_offset, enter.nr_size)? as u64,
            regs,
        });
    }
    if let Some(exit) = exits.iter().find(|e| e.id == u64::from(id)) {
        let l = exit.layout;
        let nr = nr_at(l.nr_offset, l.nr_size)?;
        return Some(What::Exit {
            nr,
            ret: u64_at(l.ret_offset)? as i64,
        });
    }
    None
}

struct State<'a> {
    shared: &'a Shared,
    processes: Vec<i32>,
    follow: bool,
    pending: HashMap<i32, Pending>,
    /// Each process's ABI (`audit_arch`), from its executable's ELF class:
    /// a raw sample does not say whether a call is a 32-bit program's.
    abis: HashMap<i32, u32>,
    cache: ThreadCache,
    /// The targets' `/proc/TGID/mem`, kept open.
    mem: MemFiles,
    scratch: Vec<u8>,
    lost: u64,
    /// Wall clock minus CLOCK_MONOTONIC, read once a round: a sample's
    /// time is monotonic, a record's wall-clock.
    wall_offset: u64,
}

impl State<'_> {
    fn on_sample(&mut self, s: Seen) {
        match s.what {
            What::Gone => self.gone(s.tid),
            What::Enter { nr, regs } => {
                // Without -f, children that inherited the events are not ours.
                if !self.follow && !self.processes.contains(&s.pid) {
                    return;
                }
                if self.pending.contains_key(&s.tid) {
                    self.unreturned(s.tid);
                }
                self.on_enter(s, nr, regs);
            }
            What::Exit { nr, ret } => {
                // A successful exec, selected or not: the process's memory
                // file reads its old memory, and its ABI may have changed.
                if ret == 0 && s.pid > 0 {
                    let table = self.shared.table_of(self.abi_of(s.pid));
                    if is_exec_name(table.row(nr as u64).name) {
                        self.mem.forget(s.pid);
                    }
                }
                let Some(p) = self.pending.remove(&s.tid) else {
                    return;
                };
                if p.rec.nr as i64 != nr && !is_exec(&p.rec) {
                    // Not this call's exit (its entry sample was lost).
                    self.write(p.rec);
                    return;
                }
                self.on_exit(s, p, ret);
            }
        }
    }

    /// Notes process `tgid`'s ABI, unless known: called as soon as its
    /// first sample is read (a short-lived process may be gone by the time
    /// its samples are handled) and again at its execs.
    fn note_abi(&mut self, tgid: i32) {
        if tgid <= 0 || self.abis.contains_key(&tgid) {
            return;
        }
        let audit = match (self.shared.compat_audit_arch(), elf_class(tgid)) {
            (Some(compat), Some(ELFCLASS32)) => compat,
            _ => self.shared.table.arch.audit_arch,
        };
        self.abis.insert(tgid, audit);
    }

    /// The ABI of process `tgid`'s calls.
    fn abi_of(&mut self, tgid: i32) -> Abi {
        let shared = self.shared;
        self.note_abi(tgid);
        let audit = self
            .abis
            .get(&tgid)
            .copied()
            .unwrap_or(shared.table.arch.audit_arch);
        shared.abi(audit).map_or(Abi::Native, |(abi, _)| abi)
    }

    fn on_enter(&mut self, s: Seen, nr: u64, regs: [u64; 6]) {
        let mut info = self.cache.get(s.tid);
        // The sample knows the process, even when /proc no longer does.
        if s.pid > 0 {
            info.tgid = s.pid;
        }
        if !self.shared.keeps(&info) {
            return;
        }
        let shared = self.shared;
        let abi = self.abi_of(info.tgid);
        let table: &SyscallTable = shared.table_of(abi);
        let spec = table.row(nr);
        let mem = self.mem.reader(info.tgid, s.tid);
        // A socketcall is shown as the call it carries.
        let shown = crate::supervisor::shown(table, spec, regs, &mem);
        if !shared.selects(abi, nr, shown.nr) {
            return;
        }
        let spec = shown.spec;
        let ctx = Ctx {
            arch: table.arch,
            mem: &mem,
            snaplen: shared.opts.snaplen,
        };
        let regs = table.arch.entry_regs(spec.name, shown.regs, None);
        let mut rec = Record {
            ts_ns: s.time_ns.saturating_add(self.wall_offset),
            pid: info.tgid,
            tid: s.tid,
            comm: info.comm,
            container: None,
            nr: nr as u32,
            name: spec.name,
            abi,
            args: decode::decode_entry(spec, &regs, &ctx),
            res: None,
            res_kind: crate::supervisor::res_kind(spec),
            dur_ns: None,
            res_path: None,
            res_decoded: None,
            interrupted: false,
            // Read now, not while the call ran.
            late: spec.reads_memory() || spec.needs_exit_memory_at(shared.opts.snaplen),
            // `attach` injects nothing.
            injected: Default::default(),
        };
        shared.annotate(&mut rec);
        if rec.res_kind == ResKind::Never {
            self.write(rec);
            return;
        }
        self.pending.insert(
            s.tid,
            Pending {
                rec,
                regs,
                t0_ns: s.time_ns,
            },
        );
    }

    fn on_exit(&mut self, s: Seen, p: Pending, ret: i64) {
        let Pending {
            mut rec,
            regs,
            t0_ns,
        } = p;
        let shared = self.shared;
        if let Some(spec) = shared.spec_of(&rec) {
            let table = shared.table_of(rec.abi);
            let mem = self.mem.reader(rec.pid, s.tid);
            let ctx = Ctx {
                arch: table.arch,
                mem: &mem,
                snaplen: shared.opts.snaplen,
            };
            decode::decode_exit(spec, &regs, ret, &ctx, &mut rec.args);
            decode::decode_result(spec, &regs, ret, &ctx, &mut rec);
        }
        rec.res = Some(ret);
        rec.dur_ns = Some(s.time_ns.saturating_sub(t0_ns));
        shared.fd_effects(
            rec.abi,
            (s.tid, rec.pid),
            shared.effect_nr(&rec),
            &regs,
            Some(ret),
        );
        shared.annotate(&mut rec);
        // Names change with exec and prctl: perf's name records say so
        // (`Sample::Comm`), even for a process that is gone by now.
        self.write(rec);
    }

    /// Thread `tid`'s pending call did not return (the thread ended, or an
    /// exit sample was lost): written without a result.
    fn unreturned(&mut self, tid: i32) {
        if let Some(p) = self.pending.remove(&tid) {
            self.write(p.rec);
        }
        self.cache.forget(tid);
    }

    /// Thread `tid` ended: when it led its process, the process is gone
    /// (or its memory file reads nothing more).
    fn gone(&mut self, tid: i32) {
        self.unreturned(tid);
        self.mem.forget(tid);
    }

    fn write(&mut self, rec: Record) {
        self.shared.out.record(&rec, usize::MAX, &mut self.scratch);
    }
}

fn is_exec(rec: &Record) -> bool {
    is_exec_name(rec.name)
}

fn is_exec_name(name: &str) -> bool {
    name == "execve" || name == "execveat"
}
