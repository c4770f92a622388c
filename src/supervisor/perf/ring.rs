//! perf events on syscall exit tracepoints for one traced tree, one mmap'd
//! ring buffer per CPU, and a reader that turns the rings' records into
//! `Event`s without a syscall. Two scopes:
//!
//! - task: one event per CPU on the tree's root with `inherit` (as `perf
//!   record` does: the kernel refuses to mmap an inherited per-task event).
//!   Works for any user allowed to trace its own processes, but the kernel
//!   moves the events in and out at every context switch of every thread
//!   of the tree.
//! - cpu (wide.rs): events on every CPU that follow no task, filtered in
//!   the kernel to the tree's thread ids; nothing moves at a context
//!   switch. Needs CAP_PERFMON (or root) and the initial pid namespace.

use super::tracefs::{Layout, SysExit};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};

/// What the rings carry, in each CPU's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A syscall returned in thread `tid` of process `pid`.
    Exit {
        pid: i32,
        tid: i32,
        /// CLOCK_MONOTONIC, ns.
        time_ns: u64,
        nr: i64,
        ret: i64,
    },
    /// Thread `tid` ended (`PERF_RECORD_EXIT`), at CLOCK_MONOTONIC ns.
    ThreadExit { tid: i32, time_ns: u64 },
    /// The kernel dropped this many records: the ring was full.
    Lost(u64),
}

impl Event {
    /// When it happened (CLOCK_MONOTONIC ns); 0 for losses, which carry no
    /// time and are reported first.
    pub fn time_ns(&self) -> u64 {
        match *self {
            Event::Exit { time_ns, .. } | Event::ThreadExit { time_ns, .. } => time_ns,
            Event::Lost(_) => 0,
        }
    }
}

// From <linux/perf_event.h>; the libc crate has the ioctls but not all of these.
const PERF_TYPE_SOFTWARE: u32 = 1;
const PERF_TYPE_TRACEPOINT: u32 = 2;
/// `PERF_COUNT_SW_DUMMY`: counts nothing; holds the cpu scope's rings.
const PERF_COUNT_SW_DUMMY: u64 = 9;
const PERF_SAMPLE_TID: u64 = 1 << 1;
const PERF_SAMPLE_TIME: u64 = 1 << 2;
const PERF_SAMPLE_RAW: u64 = 1 << 10;
const PERF_RECORD_LOST: u32 = 2;
const PERF_RECORD_COMM: u32 = 3;
const PERF_RECORD_EXIT: u32 = 4;
const PERF_RECORD_FORK: u32 = 7;
const PERF_RECORD_SAMPLE: u32 = 9;
const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 1 << 3;
/// `_IOW('$', 6, char *)`: same encoding on x86_64 and aarch64.
const PERF_EVENT_IOC_SET_FILTER: libc::c_ulong = 0x4008_2406;
/// `_IO('$', 5)`.
const PERF_EVENT_IOC_SET_OUTPUT: libc::c_ulong = 0x2405;
const PERF_EVENT_IOC_DISABLE: libc::c_ulong = 0x2401;
// Bits of the attr flags word.
const ATTR_INHERIT: u64 = 1 << 1;
/// `comm` and `comm_exec`: a record when a thread's name changes (exec).
const ATTR_COMM: u64 = 1 << 9;
const ATTR_COMM_EXEC: u64 = 1 << 24;
const ATTR_TASK: u64 = 1 << 13;
const ATTR_WATERMARK: u64 = 1 << 14;
const ATTR_USE_CLOCKID: u64 = 1 << 25;
// Offsets in `struct perf_event_mmap_page`.
const DATA_HEAD: usize = 1024;
const DATA_TAIL: usize = 1032;

/// `struct perf_event_attr` up to `PERF_ATTR_SIZE_VER5` (Linux 4.1), the
/// fields this reader sets; the kernel accepts any known size.
#[repr(C)]
#[derive(Default)]
struct Attr {
    type_: u32,
    size: u32,
    config: u64,
    sample_period: u64,
    sample_type: u64,
    read_format: u64,
    flags: u64,
    wakeup_watermark: u32,
    bp_type: u32,
    config1: u64,
    config2: u64,
    branch_sample_type: u64,
    sample_regs_user: u64,
    sample_stack_user: u32,
    clockid: i32,
    sample_regs_intr: u64,
    aux_watermark: u32,
    sample_max_stack: u16,
    reserved: u16,
}

/// The filter the kernel applies before a sample is written: only the
/// syscall numbers whose return values are wanted, as ranges. `None` when
/// the expression would be longer than the kernel takes (a page): then
/// every exit is sampled and the reader ignores the others.
pub fn filter_expr(nrs: &[u32]) -> Option<String> {
    let mut nrs = nrs.to_vec();
    nrs.sort_unstable();
    nrs.dedup();
    let mut parts = Vec::new();
    let mut i = 0;
    while i < nrs.len() {
        let start = nrs[i];
        let mut end = start;
        while i + 1 < nrs.len() && nrs[i + 1] == end + 1 {
            i += 1;
            end = nrs[i];
        }
        parts.push(if start == end {
            format!("id == {start}")
        } else {
            format!("(id >= {start} && id <= {end})")
        });
        i += 1;
    }
    let expr = parts.join(" || ");
    (!expr.is_empty() && expr.len() < 4000).then_some(expr)
}

/// Which tracepoint gives the exit samples (costs measured in
/// BENCHMARKS.md, "Which exit event").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `raw_syscalls:sys_exit`, filtered in the kernel to these numbers.
    /// Every other call of the tree still builds a sample that the filter
    /// then drops (~0.13 us per call here).
    Raw(SysExit, Vec<u32>),
    /// `syscalls:sys_exit_<name>` of the one call traced this way: other
    /// calls cost a bitmap test (~0.03 us). Not for several calls: each
    /// event is moved in and out on every context switch of the tree,
    /// ~0.3 us per event per traced call.
    OneCall(SysExit),
    /// `syscalls:sys_exit_<name>` of each call traced this way, in the cpu
    /// scope (wide.rs): one event per call and CPU, one ring per CPU.
    Calls(Vec<SysExit>),
    /// `raw_syscalls:sys_exit` in the cpu scope, its filter the threads'
    /// and these numbers': for threads found as they make their first call
    /// (the agent's containers, which no task of ours is the root of),
    /// when the calls are too many for `Calls`.
    RawWide(SysExit, Vec<u32>),
}

impl Source {
    fn tracepoint(&self) -> Option<&SysExit> {
        match self {
            Source::Raw(tp, _) | Source::OneCall(tp) | Source::RawWide(tp, _) => Some(tp),
            Source::Calls(tps) => tps.first(),
        }
    }
}

/// One CPU's events and its ring buffer.
struct Ring {
    fd: OwnedFd,
    base: *mut u8,
    /// Bytes of data (a power of two); the map is one page more.
    size: usize,
    page: usize,
    /// The last sample read, (tid, nr, ret, time), to drop its twin: see
    /// `is_twin`.
    last: Option<(i32, i64, i64, u64)>,
}

// SAFETY: the mapping is owned by the Ring and only read/written through
// &mut self (or, for data_head, atomically).
unsafe impl Send for Ring {}

impl Drop for Ring {
    fn drop(&mut self) {
        // SAFETY: base/size are the mapping made in `open`.
        unsafe { libc::munmap(self.base.cast(), self.size + self.page) };
    }
}

/// The events of one traced tree.
pub struct ExitEvents {
    rings: Vec<Ring>,
    layout: Layout,
    /// A record that wraps around the end of a ring is copied here.
    wrap: Vec<u8>,
    /// The cpu scope's events (the rings' fds are then dummy events).
    wide: Option<super::wide::Wide>,
    /// The cpu scope's events are opened only while calls need them.
    lazy: bool,
}

impl ExitEvents {
    /// Opens the events on `pid` (before it starts its command, so that all
    /// its threads and children inherit them; in the cpu scope, 0 for no
    /// thread yet: `add_thread` names them). `pages`: ring size per CPU,
    /// a power of two. `lazy`: in the cpu scope, open no event before
    /// `resume` (the task scope's events must be inherited from the start).
    pub fn open(src: &Source, pid: i32, pages: usize, lazy: bool) -> Result<Self, String> {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        // SAFETY: as above.
        let ncpu = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) }.max(1) as i32;
        let pages = pages.max(1).next_power_of_two();
        let tp = *src.tracepoint().ok_or("no tracepoint")?;
        let filter = match src {
            Source::Raw(_, nrs) => filter_expr(nrs),
            Source::OneCall(_) | Source::Calls(_) | Source::RawWide(..) => None,
        };
        let cpu_scope = matches!(src, Source::Calls(_) | Source::RawWide(..));
        let mut rings = Vec::new();
        let mut cpus = Vec::new();
        for cpu in 0..ncpu {
            let opened = match cpu_scope {
                true => open_ring_holder(cpu, pages * page),
                false => open_event(&tp, pid, cpu, pages * page),
            };
            let fd = match opened {
                Ok(fd) => fd,
                // An offline CPU runs nothing of ours.
                Err(libc::ENODEV) => continue,
                Err(e) => return Err(why("perf_event_open", e)),
            };
            if let Some(f) = &filter {
                set_filter(&fd, f).map_err(|e| why("setting the perf filter", e))?;
            }
            rings.push(Ring::map(fd, pages, page)?);
            cpus.push(cpu);
        }
        if rings.is_empty() {
            return Err("perf_event_open: no CPU accepted the event".into());
        }
        let holders: Vec<(i32, i32)> = cpus
            .iter()
            .zip(&rings)
            .map(|(&c, r)| (c, r.fd.as_raw_fd()))
            .collect();
        let root = (pid > 0).then_some(pid);
        let wide = match src {
            Source::Calls(tps) => Some(super::wide::Wide::open(
                tps.clone(),
                holders,
                root,
                lazy,
                None,
            )?),
            // No numbers' filter when it would not fit: the reader ignores
            // exits it has no entry for.
            Source::RawWide(tp, nrs) => Some(super::wide::Wide::open(
                vec![*tp],
                holders,
                root,
                lazy,
                filter_expr(nrs),
            )?),
            _ => None,
        };
        Ok(ExitEvents {
            lazy: lazy && wide.is_some(),
            rings,
            layout: tp.layout,
            wrap: Vec::new(),
            wide,
        })
    }

    /// Whether the events are opened only while calls need them.
    pub fn is_lazy(&self) -> bool {
        self.lazy
    }

    /// Whether the events are open (always, unless lazy).
    pub fn is_live(&self) -> bool {
        self.wide.as_ref().is_none_or(|w| w.is_live())
    }

    /// Lazy: opens the events (before a call that needs them runs).
    pub fn resume(&mut self) -> Result<(), String> {
        match &mut self.wide {
            Some(w) => w.resume(),
            None => Ok(()),
        }
    }

    /// Lazy: stops the events; the caller closes what this returns (see
    /// `Wide::suspend`).
    pub fn suspend(&mut self) -> Vec<OwnedFd> {
        match &mut self.wide {
            Some(w) if self.lazy => w.suspend(),
            _ => Vec::new(),
        }
    }

    /// Cpu scope: thread `tid` joined the tree (before it runs): its calls
    /// are sampled from now on. Nothing to do in the task scope, where
    /// threads inherit the events.
    pub fn add_thread(&mut self, tid: i32) -> Result<(), String> {
        match &mut self.wide {
            Some(w) => w.add(tid),
            None => Ok(()),
        }
    }

    /// Cpu scope: thread `tid` is gone (dropped from the filter the next
    /// time it is rebuilt).
    pub fn remove_thread(&mut self, tid: i32) {
        if let Some(w) = &mut self.wide {
            w.remove(tid);
        }
    }

    /// Whether thread exits come from the rings (the task scope); in the
    /// cpu scope the tracer reports them.
    pub fn reports_thread_exits(&self) -> bool {
        self.wide.is_none()
    }

    /// Bytes of data in each ring.
    pub fn ring_bytes(&self) -> usize {
        self.rings.first().map_or(0, |r| r.size)
    }

    /// The event fds, to poll for the watermark.
    pub fn fds(&self) -> impl Iterator<Item = i32> + '_ {
        self.rings.iter().map(|r| r.fd.as_raw_fd())
    }

    /// Passes every record now in the rings to `f`, CPU by CPU.
    pub fn drain(&mut self, mut f: impl FnMut(Event)) {
        let windows = self.wide.as_ref().map_or(&[][..], |w| w.windows());
        let layout = &self.layout;
        for ring in &mut self.rings {
            let mut last = ring.last;
            ring.drain(&mut self.wrap, |ty, body| {
                let Some(ev) = parse(ty, body, layout) else {
                    return;
                };
                let twin = match ev {
                    Event::Exit {
                        tid,
                        nr,
                        ret,
                        time_ns,
                        ..
                    } if !windows.is_empty() => {
                        let this = (tid, nr, ret, time_ns);
                        last.replace(this)
                            .is_some_and(|l| is_twin(l, this, windows))
                    }
                    _ => false,
                };
                if !twin {
                    f(ev);
                }
            });
            ring.last = last;
        }
    }
}

/// A sample of a tracepoint as `TaskRings` reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sample<'a> {
    /// Tracepoint `id` fired in thread `tid` of process `pid`; `raw` is the
    /// tracepoint's record (its first two bytes are `id`).
    Raw {
        id: u16,
        pid: i32,
        tid: i32,
        time_ns: u64,
        raw: &'a [u8],
    },
    /// Thread `tid` ended.
    ThreadExit { tid: i32, time_ns: u64 },
    /// Thread `tid` of process `pid` has a new name (it exec'd, or was
    /// renamed): `comm`, up to its NUL.
    Comm { pid: i32, tid: i32, comm: &'a [u8] },
    /// The kernel dropped this many records: a ring was full.
    Lost(u64),
}

/// Tracepoint events on given threads (and, inherited, on the threads and
/// processes they start), for `attach`: one ring per CPU, into which every
/// event opened on that CPU writes (`PERF_EVENT_IOC_SET_OUTPUT`).
pub struct TaskRings {
    /// By CPU: its ring, once an event was opened there.
    rings: Vec<(i32, Ring)>,
    /// The events writing into another event's ring.
    others: Vec<OwnedFd>,
    pages: usize,
    page: usize,
    wrap: Vec<u8>,
}

impl TaskRings {
    /// `pages` per ring (a power of two).
    pub fn new(pages: usize) -> TaskRings {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        TaskRings {
            rings: Vec::new(),
            others: Vec::new(),
            pages: pages.max(1).next_power_of_two(),
            page,
            wrap: Vec::new(),
        }
    }

    /// Samples tracepoint `tp` (its id) in thread `tid`, and with
    /// `inherit` in the threads and children it starts from now on,
    /// filtered in the kernel by `filter`; with `task`, its thread exits
    /// too.
    pub fn add(
        &mut self,
        tp: u64,
        tid: i32,
        filter: Option<&str>,
        task: bool,
    ) -> Result<(), String> {
        self.open(tp, tid, filter, task)
    }

    /// The processes and threads whose creation the events have reported
    /// so far (`PERF_RECORD_FORK` of a task-tracking event: they inherited
    /// it), without consuming anything.
    pub fn forked(&mut self) -> Vec<i32> {
        let mut out = Vec::new();
        for (_, ring) in &mut self.rings {
            ring.peek(&mut self.wrap, |ty, body| {
                // pid, ppid, tid, ptid, time.
                if ty == PERF_RECORD_FORK {
                    out.extend(u32_at(body, 0).map(|p| p as i32));
                    out.extend(u32_at(body, 8).map(|t| t as i32));
                }
            });
        }
        out
    }

    /// Samples tracepoint `tp` in every task of the machine (`attach
    /// --all`), filtered in the kernel by `filter`.
    pub fn add_every_task(&mut self, tp: u64, filter: Option<&str>) -> Result<(), String> {
        self.open(tp, -1, filter, false)
    }

    /// Opens `tp` on each CPU, for thread `tid` (inherited) or, with -1,
    /// for every task.
    fn open(&mut self, tp: u64, tid: i32, filter: Option<&str>, task: bool) -> Result<(), String> {
        // SAFETY: sysconf has no preconditions.
        let ncpu = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) }.max(1) as i32;
        let ring_bytes = self.pages * self.page;
        let mut opened = 0;
        for cpu in 0..ncpu {
            let attr = Attr {
                type_: PERF_TYPE_TRACEPOINT,
                size: std::mem::size_of::<Attr>() as u32,
                config: tp,
                sample_period: 1,
                sample_type: PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW,
                flags: if tid >= 0 { ATTR_INHERIT } else { 0 }
                    | ATTR_WATERMARK
                    | ATTR_USE_CLOCKID
                    | if task {
                        ATTR_TASK | ATTR_COMM | ATTR_COMM_EXEC
                    } else {
                        0
                    },
                wakeup_watermark: (ring_bytes / 2) as u32,
                clockid: libc::CLOCK_MONOTONIC,
                ..Attr::default()
            };
            let fd = match perf_event_open(&attr, tid, cpu) {
                Ok(fd) => fd,
                Err(libc::ENODEV) => continue,
                Err(e) => return Err(why("perf_event_open", e)),
            };
            if let Some(f) = filter {
                set_filter(&fd, f).map_err(|e| why("setting the perf filter", e))?;
            }
            match self.rings.iter().find(|(c, _)| *c == cpu) {
                Some((_, ring)) => {
                    // SAFETY: the ioctl takes another perf event fd by value.
                    let r = unsafe {
                        libc::ioctl(
                            fd.as_raw_fd(),
                            PERF_EVENT_IOC_SET_OUTPUT,
                            ring.fd.as_raw_fd(),
                        )
                    };
                    if r < 0 {
                        return Err(why("sharing the perf ring", errno()));
                    }
                    self.others.push(fd);
                }
                None => {
                    let ring = Ring::map(fd, self.pages, self.page)?;
                    self.rings.push((cpu, ring));
                }
            }
            opened += 1;
        }
        if opened == 0 {
            return Err("perf_event_open: no CPU accepted the event".into());
        }
        Ok(())
    }

    /// The ring fds, to poll for the watermark.
    pub fn fds(&self) -> Vec<i32> {
        self.rings.iter().map(|(_, r)| r.fd.as_raw_fd()).collect()
    }

    /// Passes every record now in the rings to `f`, CPU by CPU (each CPU's
    /// in time order).
    pub fn drain(&mut self, mut f: impl FnMut(Sample<'_>)) {
        for (_, ring) in &mut self.rings {
            ring.drain(&mut self.wrap, |ty, body| {
                if let Some(s) = parse_sample(ty, body) {
                    f(s);
                }
            });
        }
    }
}

/// One record's body as a `Sample`.
fn parse_sample(ty: u32, body: &[u8]) -> Option<Sample<'_>> {
    match ty {
        PERF_RECORD_SAMPLE => {
            let raw_len = u32_at(body, 16)? as usize;
            let raw = body.get(20..20 + raw_len)?;
            Some(Sample::Raw {
                id: u16::from_ne_bytes(raw.get(0..2)?.try_into().ok()?),
                pid: u32_at(body, 0)? as i32,
                tid: u32_at(body, 4)? as i32,
                time_ns: u64_at(body, 8)?,
                raw,
            })
        }
        PERF_RECORD_COMM => {
            let name = body.get(8..)?;
            let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
            Some(Sample::Comm {
                pid: u32_at(body, 0)? as i32,
                tid: u32_at(body, 4)? as i32,
                comm: &name[..end],
            })
        }
        PERF_RECORD_EXIT => Some(Sample::ThreadExit {
            tid: u32_at(body, 8)? as i32,
            time_ns: u64_at(body, 16)?,
        }),
        PERF_RECORD_LOST => Some(Sample::Lost(u64_at(body, 8)?)),
        _ => None,
    }
}

impl Ring {
    /// Maps the ring buffer of event `fd`: `pages` data pages (a power of
    /// two) after the meta page.
    fn map(fd: OwnedFd, pages: usize, page: usize) -> Result<Ring, String> {
        let len = (pages + 1) * page;
        // SAFETY: a shared read-write map of the event's buffer, as
        // perf_event_open(2) describes; checked below.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(why("mapping the perf ring buffer", errno()));
        }
        Ok(Ring {
            fd,
            base: base.cast(),
            size: pages * page,
            page,
            last: None,
        })
    }

    /// Passes each record now in the ring to `f` (its type and its body,
    /// after the 8-byte header), and frees their room.
    fn drain(&mut self, wrap: &mut Vec<u8>, f: impl FnMut(u32, &[u8])) {
        let tail = self.walk(wrap, f);
        if let Some(tail) = tail {
            self.head_tail().1.store(tail, Ordering::Release);
        }
    }

    /// As `drain`, but leaves the records for the next drain.
    fn peek(&mut self, wrap: &mut Vec<u8>, f: impl FnMut(u32, &[u8])) {
        self.walk(wrap, f);
    }

    /// Passes each record now in the ring to `f`; returns the tail past
    /// them (`None`: nothing new).
    fn walk(&mut self, wrap: &mut Vec<u8>, mut f: impl FnMut(u32, &[u8])) -> Option<u64> {
        let (head_ptr, tail_ptr) = self.head_tail();
        let head = head_ptr.load(Ordering::Acquire);
        let mut tail = tail_ptr.load(Ordering::Relaxed);
        if tail == head {
            // Nothing new. No store either: data_tail shares a cache
            // line with data_head, which the writing CPU updates at
            // every sample; a needless store would pull it back here.
            return None;
        }
        let (base, size, page) = (self.base, self.size, self.page);
        // SAFETY: the data area is `size` bytes after the meta page.
        let data = unsafe { std::slice::from_raw_parts(base.add(page), size) };
        while tail < head {
            let at = (tail as usize) & (size - 1);
            // Headers are 8-byte aligned: never split by the wrap.
            let hdr = &data[at..at + 8];
            let ty = u32::from_ne_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
            let len = u16::from_ne_bytes([hdr[6], hdr[7]]) as usize;
            if len < 8 || len > size {
                // A corrupt header: skip what is there rather than loop.
                tail = head;
                break;
            }
            let rec = read_bytes(data, at, len, wrap);
            f(ty, &rec[8..]);
            tail += len as u64;
        }
        Some(tail)
    }

    fn head_tail(&self) -> (&AtomicU64, &AtomicU64) {
        // SAFETY: data_head/data_tail are naturally aligned u64 fields of
        // the meta page, which lives as long as the ring; the kernel writes
        // head, this reader writes tail.
        unsafe {
            (
                &*(self.base.add(DATA_HEAD) as *const AtomicU64),
                &*(self.base.add(DATA_TAIL) as *const AtomicU64),
            )
        }
    }
}

/// `len` bytes at `at` of the circular `data`, copied into `wrap` only when
/// they run past its end.
fn read_bytes<'a>(data: &'a [u8], at: usize, len: usize, wrap: &'a mut Vec<u8>) -> &'a [u8] {
    let size = data.len();
    if at + len <= size {
        return &data[at..at + len];
    }
    wrap.clear();
    wrap.extend_from_slice(&data[at..]);
    wrap.extend_from_slice(&data[..len - (size - at)]);
    wrap
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Whether sample `this` is the twin of `last`, the sample read just
/// before it in the same ring: the same exit written by two events. That
/// happens only while the cpu scope replaces its events (wide.rs), inside
/// one of the `windows` (start and end, ns) of a replacement: the old and
/// the new events are both enabled then, and write the exits of the threads
/// they share one right after the other. No thread can make two calls in a
/// window (the supervisor answers no notification during a replacement),
/// so two samples of one thread with the same call and result, both inside
/// the same window, are one exit.
fn is_twin(last: (i32, i64, i64, u64), this: (i32, i64, i64, u64), windows: &[(u64, u64)]) -> bool {
    (last.0, last.1, last.2) == (this.0, this.1, this.2)
        && windows
            .iter()
            .any(|&(s, e)| s <= last.3 && last.3 <= e && s <= this.3 && this.3 <= e)
}

/// One record's body (after its 8-byte header).
fn parse(ty: u32, body: &[u8], layout: &Layout) -> Option<Event> {
    match ty {
        // TID (pid, tid), TIME, RAW (size, data).
        PERF_RECORD_SAMPLE => {
            let pid = u32_at(body, 0)? as i32;
            let tid = u32_at(body, 4)? as i32;
            let time_ns = u64_at(body, 8)?;
            let raw_len = u32_at(body, 16)? as usize;
            let raw = body.get(20..20 + raw_len)?;
            Some(Event::Exit {
                pid,
                tid,
                time_ns,
                nr: match layout.nr_size {
                    4 => u32_at(raw, layout.nr_offset)? as i32 as i64,
                    _ => u64_at(raw, layout.nr_offset)? as i64,
                },
                ret: u64_at(raw, layout.ret_offset)? as i64,
            })
        }
        // pid, ppid, tid, ptid, time.
        PERF_RECORD_EXIT => Some(Event::ThreadExit {
            tid: u32_at(body, 8)? as i32,
            time_ns: u64_at(body, 16)?,
        }),
        // id, lost.
        PERF_RECORD_LOST => Some(Event::Lost(u64_at(body, 8)?)),
        _ => None,
    }
}

fn open_event(tp: &SysExit, pid: i32, cpu: i32, ring_bytes: usize) -> Result<OwnedFd, i32> {
    let attr = Attr {
        // Thread exits too: a thread killed inside a call has no sys_exit.
        flags: ATTR_INHERIT | ATTR_TASK | ATTR_WATERMARK | ATTR_USE_CLOCKID,
        // Wake a poller when half the ring is used; readers drain far
        // more often than that in practice.
        wakeup_watermark: (ring_bytes / 2) as u32,
        ..exit_attr(tp)
    };
    perf_event_open(&attr, pid, cpu)
}

/// Cpu scope: the dummy event that owns CPU `cpu`'s ring (the tracepoint
/// events come and go, wide.rs). No thread exit records: they would come
/// for every task of the machine and take the ring's room; the tracer
/// reports the tree's thread deaths instead (`PerfExits::thread_gone`).
fn open_ring_holder(cpu: i32, ring_bytes: usize) -> Result<OwnedFd, i32> {
    let attr = Attr {
        type_: PERF_TYPE_SOFTWARE,
        size: std::mem::size_of::<Attr>() as u32,
        config: PERF_COUNT_SW_DUMMY,
        flags: ATTR_WATERMARK | ATTR_USE_CLOCKID,
        wakeup_watermark: (ring_bytes / 2) as u32,
        clockid: libc::CLOCK_MONOTONIC,
        ..Attr::default()
    };
    perf_event_open(&attr, -1, cpu)
}

/// Cpu scope: an event on `tp` for every task on `cpu`, filtered by
/// `filter`, writing into the ring of `holder`. Enabled from the start
/// (enabling later would cost another inter-processor call): until it has
/// its filter and its ring, what it samples goes nowhere.
pub(super) fn open_cpu_event(
    tp: &SysExit,
    cpu: i32,
    filter: &str,
    holder: i32,
) -> Result<OwnedFd, String> {
    let attr = Attr {
        flags: ATTR_USE_CLOCKID,
        ..exit_attr(tp)
    };
    let fd = perf_event_open(&attr, -1, cpu).map_err(|e| why("perf_event_open", e))?;
    set_filter(&fd, filter).map_err(|e| why("setting the perf filter", e))?;
    // SAFETY: the ioctl takes another perf event fd by value.
    if unsafe { libc::ioctl(fd.as_raw_fd(), PERF_EVENT_IOC_SET_OUTPUT, holder) } < 0 {
        return Err(why("sharing the perf ring", errno()));
    }
    Ok(fd)
}

/// Stops an event from writing samples (`PERF_EVENT_IOC_DISABLE`).
pub(super) fn disable(fd: &OwnedFd) {
    // SAFETY: the ioctl takes no argument.
    unsafe { libc::ioctl(fd.as_raw_fd(), PERF_EVENT_IOC_DISABLE, 0) };
}

fn set_filter(fd: &OwnedFd, filter: &str) -> Result<(), i32> {
    let c = std::ffi::CString::new(filter).map_err(|_| libc::EINVAL)?;
    // SAFETY: the ioctl reads a NUL-terminated string.
    if unsafe { libc::ioctl(fd.as_raw_fd(), PERF_EVENT_IOC_SET_FILTER, c.as_ptr()) } < 0 {
        return Err(errno());
    }
    Ok(())
}

/// Whether this process may open the event at all (perf_event_paranoid,
/// CAP_PERFMON, seccomp): tried on itself, disabled, and closed at once.
/// With CAP_PERFMON (or CAP_SYS_ADMIN) a CPU's software event is tried instead:
/// what is left to ask is whether perf_event_open is allowed at all, and
/// closing a syscall tracepoint's event waits for an RCU grace period
/// (~40 ms on a 2-CPU VM, at every start).
pub fn permitted(tp: &SysExit) -> Result<(), String> {
    if perfmon_capable() {
        let attr = Attr {
            type_: PERF_TYPE_SOFTWARE,
            size: std::mem::size_of::<Attr>() as u32,
            config: PERF_COUNT_SW_DUMMY,
            flags: 1, // disabled
            ..Attr::default()
        };
        // On a CPU, not on this task: a task's event switches on the
        // scheduler's perf hooks (code patching, ~20 ms here).
        return perf_event_open(&attr, -1, 0)
            .map(drop)
            .map_err(|e| why("perf_event_open", e));
    }
    let attr = Attr {
        flags: 1 | ATTR_USE_CLOCKID, // disabled
        ..exit_attr(tp)
    };
    perf_event_open(&attr, 0, -1)
        .map(drop)
        .map_err(|e| why("perf_event_open", e))
}

/// Whether the effective capabilities include CAP_PERFMON or CAP_SYS_ADMIN
/// (which the kernel accepts in its place).
fn perfmon_capable() -> bool {
    const CAP_SYS_ADMIN: u32 = 21;
    const CAP_PERFMON: u32 = 38;
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return false;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_SYS_ADMIN | 1 << CAP_PERFMON) != 0)
}

/// A sample per exit of `tp`: thread ids, CLOCK_MONOTONIC time, raw data.
fn exit_attr(tp: &SysExit) -> Attr {
    Attr {
        type_: PERF_TYPE_TRACEPOINT,
        size: std::mem::size_of::<Attr>() as u32,
        config: tp.id,
        sample_period: 1,
        sample_type: PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW,
        clockid: libc::CLOCK_MONOTONIC,
        ..Attr::default()
    }
}

fn perf_event_open(attr: &Attr, pid: i32, cpu: i32) -> Result<OwnedFd, i32> {
    // SAFETY: attr is a valid perf_event_attr of the size it declares.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr as *const Attr,
            pid,
            cpu,
            -1,
            PERF_FLAG_FD_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(errno());
    }
    // SAFETY: a fresh fd this function owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

fn errno() -> i32 {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

fn why(what: &str, e: i32) -> String {
    let hint = match e {
        libc::EACCES | libc::EPERM => {
            " (needs root or CAP_PERFMON, or kernel.perf_event_paranoid <= 1 for own processes)"
        }
        libc::ENOENT | libc::ENODEV | libc::EINVAL => " (tracepoint events unsupported here)",
        libc::ENOSYS => " (kernel built without perf events)",
        _ => "",
    };
    format!("{what}: {}{hint}", nix::errno::Errno::from_raw(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_uses_ranges() {
        assert_eq!(filter_expr(&[]), None);
        assert_eq!(filter_expr(&[3]).as_deref(), Some("id == 3"));
        assert_eq!(
            filter_expr(&[0, 1, 2, 3, 288, 5, 5]).as_deref(),
            Some("(id >= 0 && id <= 3) || id == 5 || id == 288")
        );
        let every_other: Vec<u32> = (0..1000).step_by(2).collect();
        assert_eq!(filter_expr(&every_other), None);
    }

    fn sample(pid: u32, tid: u32, time: u64, nr: i64, ret: i64) -> Vec<u8> {
        let mut raw = vec![0u8; 8];
        raw.extend_from_slice(&nr.to_ne_bytes());
        raw.extend_from_slice(&ret.to_ne_bytes());
        raw.extend_from_slice(&[0; 4]);
        let mut b = Vec::new();
        b.extend_from_slice(&pid.to_ne_bytes());
        b.extend_from_slice(&tid.to_ne_bytes());
        b.extend_from_slice(&time.to_ne_bytes());
        b.extend_from_slice(&(raw.len() as u32).to_ne_bytes());
        b.extend_from_slice(&raw);
        b
    }

    const TP: Layout = Layout {
        nr_offset: 8,
        nr_size: 8,
        ret_offset: 16,
    };

    #[test]
    fn per_call_samples_carry_an_int_number() {
        // `int __syscall_nr` at 8 (then 4 bytes of padding), `long ret` at 16.
        let per_call = Layout { nr_size: 4, ..TP };
        let mut s = sample(7, 8, 99, 0, -4);
        // nr -1 in the low 4 bytes, junk in the padding.
        s[20 + 8..20 + 16].copy_from_slice(&[0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4]);
        let Some(Event::Exit { nr, ret, .. }) = parse(PERF_RECORD_SAMPLE, &s, &per_call) else {
            panic!("not parsed");
        };
        assert_eq!((nr, ret), (-1, -4));
    }

    #[test]
    fn parses_samples_exits_and_losses() {
        assert_eq!(
            parse(PERF_RECORD_SAMPLE, &sample(7, 8, 99, 0, -4), &TP),
            Some(Event::Exit {
                pid: 7,
                tid: 8,
                time_ns: 99,
                nr: 0,
                ret: -4
            })
        );
        let mut exit = Vec::new();
        for v in [7u32, 1, 9, 1] {
            exit.extend_from_slice(&v.to_ne_bytes());
        }
        exit.extend_from_slice(&5u64.to_ne_bytes());
        assert_eq!(
            parse(PERF_RECORD_EXIT, &exit, &TP),
            Some(Event::ThreadExit { tid: 9, time_ns: 5 })
        );
        let mut lost = 1u64.to_ne_bytes().to_vec();
        lost.extend_from_slice(&12u64.to_ne_bytes());
        assert_eq!(parse(PERF_RECORD_LOST, &lost, &TP), Some(Event::Lost(12)));
    }

    #[test]
    fn truncated_records_are_ignored() {
        let s = sample(7, 8, 99, 0, -4);
        for n in 0..s.len() - 4 {
            assert_eq!(parse(PERF_RECORD_SAMPLE, &s[..n], &TP), None, "{n}");
        }
        assert_eq!(parse(PERF_RECORD_EXIT, &[0; 16], &TP), None);
    }

    #[test]
    fn only_twins_inside_a_replacement_are_dropped() {
        let w = [(100, 200), (1000, 1100)];
        let a = (8, 3, 12, 150);
        // The same exit written by the next generation's event.
        assert!(is_twin(a, (8, 3, 12, 151), &w));
        // Not both inside one window: two calls.
        assert!(!is_twin(a, (8, 3, 12, 201), &w));
        assert!(!is_twin((8, 3, 12, 99), (8, 3, 12, 101), &w));
        assert!(!is_twin((8, 3, 12, 150), (8, 3, 12, 1050), &w));
        // Another thread, call or result.
        assert!(!is_twin(a, (9, 3, 12, 151), &w));
        assert!(!is_twin(a, (8, 4, 12, 151), &w));
        assert!(!is_twin(a, (8, 3, 13, 151), &w));
        assert!(!is_twin(a, (8, 3, 12, 151), &[]));
    }

    #[test]
    fn wrapped_records_are_joined() {
        let data: Vec<u8> = (0..16).collect();
        let mut w = Vec::new();
        assert_eq!(read_bytes(&data, 14, 4, &mut w), &[14, 15, 0, 1]);
        assert_eq!(read_bytes(&data, 2, 3, &mut w), &[2, 3, 4]);
    }
}
