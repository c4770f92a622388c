//! `my-sysdig attach -p PID`: trace processes that are already running and
//! leave them as they were. No seccomp filter is ever installed in them (a
//! filter cannot be removed: their traced calls would fail with ENOSYS once
//! we left), no `EXITKILL`, no `NO_NEW_PRIVS`.
//!
//! `--stop` traces with ptrace as `strace -p` does: every thread is seized
//! and stops at each call's entry and exit; SIGINT, SIGTERM or SIGHUP
//! detach from them all (and a SIGKILL of my-sysdig makes the kernel
//! detach). Records go through the same pipeline as `exec`'s.

mod memfiles;
mod perf;
mod targets;

use crate::arch::{self, SyscallTable};
use crate::error::{Error, Result};
use crate::pipeline::{self, Display, files};
use crate::select;
use crate::supervisor::ptrace::Tracer;
use crate::supervisor::{Options, Shared};
use nix::sys::ptrace;
use nix::unistd::Pid;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// The `attach` subcommand's settings.
pub struct AttachConfig {
    /// `-p PID[,PID...]`.
    pub pids: Vec<i32>,
    /// `--all`: every process of the machine (perf mode).
    pub all: bool,
    /// `-f`: their descendants too, those running now and those to come.
    pub follow: bool,
    /// `--stop`: ptrace (exact arguments, the threads stop at each call).
    pub stop: bool,
    /// `--only`, `--pid`, `--comm`, `--filter`.
    pub select: crate::select::Selecting,
    pub capture: Option<PathBuf>,
    pub display: Display,
    pub snaplen: usize,
}

/// Set by SIGINT, SIGTERM and SIGHUP: detach and end.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Attaches, traces until a stop signal or until every tracee is gone,
/// detaches; returns the exit code (0).
pub fn run(cfg: AttachConfig) -> Result<i32> {
    let (comm, filter) =
        crate::pipeline::checked_selection(cfg.snaplen, &cfg.select, cfg.display.fd_paths)?;
    let table = SyscallTable::new(arch::native());
    let compat_table = table.arch.compat.map(SyscallTable::new);
    let selection = select::parse_abis(cfg.select.only.as_deref(), &table, compat_table.as_ref())?;
    let processes = match (cfg.all, cfg.pids.is_empty(), &cfg.select.comm) {
        (true, _, _) => Vec::new(),
        // `--comm NAME` alone: every process of that name.
        (false, true, Some(name)) => targets::processes(&targets::named(name)?, cfg.follow)?,
        _ => targets::processes(&cfg.pids, cfg.follow)?,
    };
    // Tests widen the moment between listing the children and attaching
    // (MY_SYSDIG_ATTACH_DELAY_MS): a child started then must not be missed.
    if let Some(ms) = std::env::var("MY_SYSDIG_ATTACH_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }

    let capture = files::capture(cfg.capture.as_ref(), || {
        targets::capture_header(&cfg, &processes)
    })?;
    let (writer, out) = pipeline::start(
        &cfg.display,
        pipeline::Plan {
            default_out: files::stderr,
            filter,
            capture,
            no_ret: false,
            strip_paths: false,
        },
    )?;
    let selected = select::by_number(&table, &selection.native);
    let compat = compat_table.map(|ct| {
        let sel = select::by_number(&ct, &selection.compat);
        (ct, sel)
    });
    let opts = Options {
        snaplen: cfg.snaplen,
        pid: cfg.select.pid,
        comm,
        no_ret: false,
        tracer: true,
        bounce: false,
        fd_paths: cfg.display.fd_paths,
        unknown_numbers: selection.open,
        receivers: 1,
    };
    install_stop_handlers();
    let nrs: Option<(Vec<u32>, Vec<u32>)> = (!selection.open).then(|| {
        (
            selection.native.iter().copied().collect(),
            selection.compat.iter().copied().collect(),
        )
    });
    let nrs = nrs.as_ref().map(|(n, c)| (&n[..], &c[..]));
    let events = match (cfg.stop, cfg.all) {
        (true, _) => None,
        (false, true) => Some((perf::open_all(nrs)?, 0)),
        (false, false) => Some(perf::open(&processes, nrs, cfg.follow)?),
    };
    let tids = match &events {
        Some(_) if cfg.all => {
            eprintln!(
                "my-sysdig: tracing every process of the machine with perf events (but my-sysdig); \
                 SIGINT, SIGTERM or SIGHUP end it"
            );
            Vec::new()
        }
        Some((_, n)) => {
            announce(*n, &processes, "perf events; nothing of the target stops");
            Vec::new()
        }
        None => {
            let tids = seize_all(&processes, cfg.follow)?;
            announce(
                tids.len(),
                &processes,
                "ptrace (a call blocked when attaching or detaching, such as epoll_wait, is restarted)",
            );
            tids
        }
    };
    // No launcher: no call of ours to hide (tid 0 is no thread).
    let shared = Shared::new(table, opts, out, selected, compat, (0, -1), None);
    match events {
        Some((ev, _)) => perf::run(&shared, ev, &processes, cfg.follow || cfg.all, &STOP),
        None => {
            Tracer::attached(&shared, &tids, &STOP).run();
        }
    }
    shared.finish(None);
    drop(shared);
    if let Err(e) = writer.finish() {
        eprintln!("my-sysdig: {e}");
        return Ok(1);
    }
    Ok(0)
}

/// Seizes every thread of `processes` (rescanning each process's threads
/// until a scan finds no new one: a thread not yet seized may start
/// another) and interrupts it: its first stop follows. With `follow`, the
/// children are listed again once their parents are seized: one started
/// since the first listing, before its parent's seize, is seized too (one
/// started after is the tracer's already: `TRACEFORK`).
fn seize_all(processes: &[i32], follow: bool) -> Result<Vec<i32>> {
    use ptrace::Options as O;
    let mut opts = O::PTRACE_O_TRACESYSGOOD | O::PTRACE_O_TRACECLONE | O::PTRACE_O_TRACEEXEC;
    if follow {
        opts |= O::PTRACE_O_TRACEFORK | O::PTRACE_O_TRACEVFORK;
    }
    let mut seized: Vec<i32> = Vec::new();
    let given = processes.len();
    let mut all = processes.to_vec();
    let mut next = 0;
    while next < all.len() {
        let p = all[next];
        let late = next >= given;
        next += 1;
        loop {
            let mut new = 0;
            for tid in targets::threads(p) {
                if seized.contains(&tid) {
                    continue;
                }
                match ptrace::seize(Pid::from_raw(tid), opts) {
                    Ok(()) => {
                        let _ = ptrace::interrupt(Pid::from_raw(tid));
                        seized.push(tid);
                        new += 1;
                    }
                    // Gone meanwhile (a thread that ended).
                    Err(nix::errno::Errno::ESRCH) if tid != p || late => {}
                    // A late child that is already ours.
                    Err(nix::errno::Errno::EPERM) if late && traced_by_me(tid) => {}
                    // Ended: the kernel refuses to seize a zombie (EPERM,
                    // not ESRCH), such as a shell loop's `cat` that exited
                    // and is not reaped yet (seen on the arm64 VM). It
                    // makes no more calls.
                    Err(nix::errno::Errno::EPERM) if !crate::supervisor::thread_alive(tid) => {}
                    Err(e) => {
                        let why = targets::why_not(p, e);
                        // Leave what was seized as it was.
                        for &t in &seized {
                            let _ = ptrace::detach(Pid::from_raw(t), None);
                        }
                        return Err(Error::fail(format!("cannot attach to {p}: {why}")));
                    }
                }
            }
            if new == 0 {
                break;
            }
        }
        if follow && next == all.len() {
            let found: Vec<i32> = all
                .iter()
                .flat_map(|&q| targets::children(q))
                .filter(|c| !all.contains(c))
                .collect();
            for c in found {
                if !all.contains(&c) {
                    all.push(c);
                }
            }
        }
    }
    if seized.is_empty() {
        let p = processes.first().copied().unwrap_or(0);
        return Err(Error::fail(format!(
            "cannot attach to {p}: it has ended (a zombie its parent has not reaped)"
        )));
    }
    Ok(seized)
}

/// Whether this process traces thread `tid` (`TracerPid:`).
fn traced_by_me(tid: i32) -> bool {
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    std::fs::read_to_string(format!("/proc/{tid}/status")).is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("TracerPid:"))
            .and_then(|v| v.trim().parse::<i32>().ok())
            == Some(me)
    })
}

/// Says on stderr what was attached to, and how.
fn announce(threads: usize, processes: &[i32], how: &str) {
    eprintln!(
        "my-sysdig: attached to {threads} thread{} of {} with {how}; SIGINT, SIGTERM or SIGHUP detach",
        if threads == 1 { "" } else { "s" },
        processes
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
}

fn install_stop_handlers() {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    // No SA_RESTART: the tracer's waitpid returns EINTR and sees the flag.
    let act = SigAction::new(
        SigHandler::Handler(on_stop_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic.
        let _ = unsafe { sigaction(s, &act) };
    }
}
