//! The cpu scope of the exit events: `syscalls:sys_exit_<name>` events on
//! every CPU, bound to no task, so that nothing is moved in and out at the
//! tree's context switches (the task scope's cost: BENCHMARKS.md). The
//! kernel keeps only the tree's samples: each event's filter lists the
//! tree's thread ids (`common_pid`, the kernel's tid).
//!
//! A perf event's filter can be set once only (`EEXIST` after that), so a
//! new thread the filter does not keep yet gets a new generation of
//! events: opened, given the new filter, pointed at the same rings (an
//! event writes nothing before it has a ring), and only then the old
//! generation closed. No exit is missed in between; exits made while both
//! are enabled are written twice, back to back, and the reader drops the
//! second (`ring::is_twin`): it can tell them from two calls because the
//! replacement runs under the perf state's lock and the entry queue's lock,
//! one of which the notification thread takes before each answer, so that
//! no thread starts a new call meanwhile. The tracer calls `add` while the new thread is still stopped
//! before its first instruction, so its first call is seen.

use super::ring;
use super::tracefs::SysExit;
use std::collections::BTreeSet;
use std::os::fd::OwnedFd;

/// The kernel copies at most a page of filter text; this leaves room.
const MAX_RANGES: usize = 64;

/// Filter text at most (the kernel takes a page), and one range's at most.
const MAX_FILTER: usize = 4000;
const RANGE_TEXT: usize = 52;

/// Replacement windows kept for the reader: far more than can happen
/// between two drains (each waits for the tracer and a new thread).
const WINDOWS: usize = 32;

pub struct Wide {
    tps: Vec<SysExit>,
    /// (cpu, fd of the event that owns that CPU's ring).
    holders: Vec<(i32, i32)>,
    /// The current generation: one event per call and CPU.
    events: Vec<OwnedFd>,
    /// The tree's live threads.
    tids: BTreeSet<i32>,
    /// What the current generation's filter keeps (inclusive ranges): the
    /// live threads, and perhaps more (dead ones, or the gaps closed to
    /// keep the filter short); the reader ignores threads it never saw.
    covered: Vec<(i32, i32)>,
    /// The latest replacements' (start, end), CLOCK_MONOTONIC ns: samples
    /// inside one may have a twin.
    windows: Vec<(u64, u64)>,
    /// Whether the events are open (see `suspend`).
    live: bool,
    /// Kept as well as the threads' ids (`RawWide`'s numbers).
    also: Option<String>,
}

impl Wide {
    /// The first generation, for the tree's first thread `root`; none yet
    /// when `lazy` (see `suspend`). `also`: a filter the samples must pass
    /// too.
    pub fn open(
        tps: Vec<SysExit>,
        holders: Vec<(i32, i32)>,
        root: Option<i32>,
        lazy: bool,
        also: Option<String>,
    ) -> Result<Self, String> {
        // Half the page at most: the threads' ranges need the rest.
        let also = also.filter(|a| a.len() <= MAX_FILTER / 2);
        let mut w = Wide {
            tps,
            holders,
            events: Vec::new(),
            tids: root.into_iter().collect(),
            covered: Vec::new(),
            windows: Vec::new(),
            live: false,
            also,
        };
        if !lazy {
            w.resume()?;
        }
        Ok(w)
    }

    /// Thread `tid` joined the tree: a new generation unless the filter
    /// already keeps it (or the events are closed: `resume` covers it).
    pub fn add(&mut self, tid: i32) -> Result<(), String> {
        if !self.tids.insert(tid) || !self.live || covers(&self.covered, tid) {
            return Ok(());
        }
        self.regenerate()
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// Opens a generation for the threads there are now.
    pub fn resume(&mut self) -> Result<(), String> {
        if !self.live {
            self.regenerate()?;
            self.live = true;
        }
        Ok(())
    }

    /// Stops the events now and hands them back to be closed. While any
    /// `syscalls:` tracepoint is open, every syscall of every process on
    /// the machine takes the kernel's slow path (BENCHMARKS.md, "Idle exit
    /// events"), so they are closed while no call needs them. The caller
    /// closes them outside its locks: the last close waits for an RCU grace
    /// period (tens of ms). Disabled first, they write nothing meanwhile,
    /// so a generation opened before they are closed has no twins.
    pub fn suspend(&mut self) -> Vec<OwnedFd> {
        self.live = false;
        self.covered.clear();
        let events = std::mem::take(&mut self.events);
        for e in &events {
            ring::disable(e);
        }
        events
    }

    /// Thread `tid` left the tree. The filter keeps it until the next
    /// generation: a new generation per exit would cost more than the
    /// samples of a reused tid, which the reader ignores.
    pub fn remove(&mut self, tid: i32) {
        self.tids.remove(&tid);
    }

    /// See `ring::is_twin`.
    pub fn windows(&self) -> &[(u64, u64)] {
        &self.windows
    }

    fn regenerate(&mut self) -> Result<(), String> {
        let start = super::monotonic_ns();
        let tids: Vec<i32> = self.tids.iter().copied().collect();
        // Exactly the tree's threads (up to MAX_RANGES): ids past them would
        // save replacements at the next forks, but bring other programs'
        // calls into the rings, where they take the room the tree's need.
        let room = MAX_FILTER - self.also.as_ref().map_or(0, |a| a.len() + 8);
        let ranges = tid_ranges(&tids, (room / RANGE_TEXT).clamp(1, MAX_RANGES));
        let filter = match &self.also {
            Some(also) => format!("({}) && ({also})", filter_text(&ranges)),
            None => filter_text(&ranges),
        };
        let opened: Result<Vec<OwnedFd>, String> = self
            .holders
            .iter()
            .flat_map(|&(cpu, holder)| {
                let filter = &filter;
                self.tps
                    .iter()
                    .map(move |tp| ring::open_cpu_event(tp, cpu, filter, holder))
            })
            .collect();
        let replacing = !self.events.is_empty();
        let result = opened.map(|new| {
            // The old generation closes here, after the new one is live.
            self.events = new;
            self.covered = ranges;
        });
        // Whatever was opened (and, on a failure, dropped by now) wrote
        // beside the old generation until this moment.
        if replacing {
            if self.windows.len() == WINDOWS {
                self.windows.remove(0);
            }
            self.windows.push((start, super::monotonic_ns()));
        }
        result
    }
}

fn covers(ranges: &[(i32, i32)], tid: i32) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= tid && tid <= hi)
}

/// Sorted, distinct `tids` as at most `max` inclusive ranges: runs of
/// consecutive ids, then the smallest gaps closed until few enough remain.
pub fn tid_ranges(tids: &[i32], max: usize) -> Vec<(i32, i32)> {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &t in tids {
        match runs.last_mut() {
            Some(r) if t == r.1.saturating_add(1) => r.1 = t,
            _ => runs.push((t, t)),
        }
    }
    if runs.len() <= max.max(1) {
        return runs;
    }
    // Keep the max-1 widest gaps as boundaries; close the others.
    let mut gaps: Vec<(i64, usize)> = runs
        .windows(2)
        .enumerate()
        .map(|(i, w)| (w[1].0 as i64 - w[0].1 as i64, i))
        .collect();
    gaps.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut cut: Vec<usize> = gaps.iter().take(max.max(1) - 1).map(|g| g.1).collect();
    cut.sort_unstable();
    let mut out = Vec::with_capacity(cut.len() + 1);
    let mut start = runs[0].0;
    for i in cut {
        out.push((start, runs[i].1));
        start = runs[i + 1].0;
    }
    out.push((start, runs[runs.len() - 1].1));
    out
}

/// The filter expression that keeps the tasks in `ranges` (none: a filter
/// that keeps nothing).
pub fn filter_text(ranges: &[(i32, i32)]) -> String {
    if ranges.is_empty() {
        return "common_pid < 0".to_string();
    }
    let parts: Vec<String> = ranges
        .iter()
        .map(|&(lo, hi)| match lo == hi {
            true => format!("common_pid == {lo}"),
            false => format!("(common_pid >= {lo} && common_pid <= {hi})"),
        })
        .collect();
    parts.join(" || ")
}

/// Whether the cpu scope can work here: the filter compares the kernel's
/// own ids, which are ours only in the initial pid namespace (its inode
/// number is fixed: `PROC_PID_INIT_INO`).
pub fn in_initial_pid_namespace() -> bool {
    use std::os::unix::fs::MetadataExt;
    const PROC_PID_INIT_INO: u64 = 0xEFFF_FFFC;
    std::fs::metadata("/proc/self/ns/pid").is_ok_and(|m| m.ino() == PROC_PID_INIT_INO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_ids_become_ranges() {
        assert_eq!(tid_ranges(&[], 4), vec![]);
        assert_eq!(tid_ranges(&[5], 4), vec![(5, 5)]);
        assert_eq!(
            tid_ranges(&[3, 4, 5, 9, 11, 12], 4),
            vec![(3, 5), (9, 9), (11, 12)]
        );
    }

    #[test]
    fn too_many_ranges_close_the_smallest_gaps() {
        // Gaps: 4 (1..5), 1 (6..8 -> 7 missing), 100 (9..110), 2 (110..113).
        let tids = [1, 5, 6, 8, 9, 110, 113];
        assert_eq!(tid_ranges(&tids, 2), vec![(1, 9), (110, 113)]);
        assert_eq!(tid_ranges(&tids, 3), vec![(1, 1), (5, 9), (110, 113)]);
        assert_eq!(tid_ranges(&tids, 1), vec![(1, 113)]);
        // Every id stays covered, whatever the limit.
        let many: Vec<i32> = (0..5000).map(|i| i * 7 + (i % 3)).collect();
        for max in [1, 2, 64, 10_000] {
            let r = tid_ranges(&many, max);
            assert!(r.len() <= max, "{max}: {}", r.len());
            assert!(many.iter().all(|&t| covers(&r, t)), "{max}");
        }
    }

    #[test]
    fn no_thread_keeps_nothing() {
        assert_eq!(filter_text(&[]), "common_pid < 0");
    }

    #[test]
    fn the_filter_fits_a_page() {
        // The widest range text there is.
        let widest = filter_text(&[(4_000_000, 4_000_001), (4_000_003, 4_000_004)]);
        assert!(widest.len() <= 2 * RANGE_TEXT, "{widest}");
        let many: Vec<i32> = (0..100_000).map(|i| 4_000_000 - i * 3).rev().collect();
        let text = filter_text(&tid_ranges(&many, MAX_RANGES));
        assert!(text.len() < 4000, "{}", text.len());
        assert_eq!(
            filter_text(&[(7, 7), (9, 12)]),
            "common_pid == 7 || (common_pid >= 9 && common_pid <= 12)"
        );
    }
}
