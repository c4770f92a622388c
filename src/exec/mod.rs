//! `my-sysdig exec`: validate everything, then launch and supervise. Nothing
//! is run when an option is bad.

pub(crate) mod plan;

use crate::arch;
use crate::capture;
use crate::error::{Error, Result};
use crate::launcher::{self, Command};
use crate::pipeline::{self, Display, files};
use crate::record::Format;
use crate::supervisor::perf::ring::ExitEvents;
use crate::supervisor::perf::{Join, PerfExits};
use crate::supervisor::{self, Options, Shared};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};

/// Largest snaplen accepted.
pub const MAX_SNAPLEN: usize = 1 << 20;

/// The `exec` subcommand's settings, as parsed from the command line.
pub struct ExecConfig {
    /// `--only`, `--pid`, `--comm`, `--filter`.
    pub select: crate::select::Selecting,
    /// `-w FILE`: the capture (`-` for stdout).
    pub capture: Option<PathBuf>,
    /// Where lines go and how they look.
    pub display: Display,
    pub snaplen: usize,
    pub no_ret: bool,
    /// `--receivers` (not with `--exit-via ptrace`).
    pub receivers: Option<usize>,
    pub exit_via: ExitVia,
    /// `--inject` and `--fault` values, each with whether it is a `--fault`.
    pub inject: Vec<(String, bool)>,
    /// `--inject-seed`.
    pub inject_seed: Option<u64>,
    pub command: Vec<OsString>,
}

/// Where return values come from (`--exit-via`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitVia {
    /// Per syscall: perf when only the return value is needed and perf is
    /// permitted, else ptrace.
    Auto,
    /// Perf for every call; memory the kernel writes is not captured.
    Perf,
    /// ptrace exit stops for every call.
    Ptrace,
}

/// Ring size per CPU, in pages, unless `MY_SYSDIG_PERF_PAGES` says
/// otherwise (tests use a tiny ring to provoke overflows).
const PERF_PAGES: usize = 64;

/// `PERF_PAGES`, or `MY_SYSDIG_PERF_PAGES`.
pub(crate) fn perf_pages() -> usize {
    std::env::var("MY_SYSDIG_PERF_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(PERF_PAGES)
}

/// Why `--receivers` is refused with ptrace exit stops.
pub(crate) const RECEIVERS_NOT_PTRACE: &str = "--receivers does not apply to --exit-via ptrace: \
     every traced call then stops for the one ptrace tracer thread, and no receiver takes it";

/// Runs the command under the tracer; returns the exit code. Every option
/// is checked, and every output opened, before anything is run.
pub fn run(cfg: ExecConfig) -> Result<i32> {
    if cfg.receivers.is_some_and(|n| n > 1) && !cfg.no_ret && cfg.exit_via == ExitVia::Ptrace {
        return Err(Error::usage(RECEIVERS_NOT_PTRACE));
    }
    let (comm, filter) =
        crate::pipeline::checked_selection(cfg.snaplen, &cfg.select, cfg.display.fd_paths)?;
    let inject = {
        let table = arch::SyscallTable::new(arch::native());
        let compat = table.arch.compat.map(arch::SyscallTable::new);
        let given: Vec<crate::inject::Given<'_>> = cfg
            .inject
            .iter()
            .map(|(text, fault)| crate::inject::Given {
                text,
                fault: *fault,
            })
            .collect();
        crate::inject::Injector::new(
            &given,
            &table,
            compat.as_ref(),
            cfg.no_ret,
            true,
            cfg.inject_seed,
        )?
    };
    let plan = plan::plan(&plan::Asked {
        only: cfg.select.only.as_deref(),
        no_ret: cfg.no_ret,
        exit_via: cfg.exit_via,
        snaplen: cfg.snaplen,
        fd_paths: cfg.display.fd_paths,
        wants_comm: cfg.display.format == Format::Json
            || comm.is_some()
            || filter.is_some()
            || cfg.capture.is_some(),
        inject: inject.as_ref(),
    })?;
    let cmd = Command::resolve(&cfg.command)?;
    let capture = files::capture(cfg.capture.as_ref(), || capture_header(&cfg))?;
    let (writer, out) = pipeline::start(
        &cfg.display,
        pipeline::Plan {
            default_out: files::stderr,
            filter,
            capture,
            no_ret: cfg.no_ret,
            strip_paths: false,
        },
    )?;

    // The perf events are opened on the child before it execs, so that
    // every thread and process it starts inherits them.
    let mut events = None;
    let mut open_events = |child: nix::unistd::Pid| -> Result<()> {
        if let Some(srcs) = &plan.perf_src {
            let pages = perf_pages();
            // Closed while no call needs them (MY_SYSDIG_PERF_LAZY=0: always
            // open, to measure what that costs).
            let lazy = supervisor::ptrace::LAZY_EXIT_EVENTS
                && std::env::var("MY_SYSDIG_PERF_LAZY").map_or(true, |v| v != "0");
            // The cpu scope when it is permitted, else the task scope.
            let mut opened = Err(String::new());
            for src in srcs {
                opened = ExitEvents::open(src, child.as_raw(), pages, lazy);
                if opened.is_ok() {
                    break;
                }
            }
            let ev = opened.map_err(|e| Error::fail(format!("return values via perf: {e}")))?;
            events = Some(ev);
        }
        Ok(())
    };
    let spawned = launcher::spawn(
        &cmd,
        &plan.prog,
        plan.use_ptrace,
        plan.flags,
        &mut open_events,
    )?;
    // Keyboard signals go to the command (same process group); the
    // supervisor outlives it to write the last records.
    ignore_keyboard_signals();
    forward_termination_signals(spawned.pid.as_raw());

    let opts = Options {
        snaplen: cfg.snaplen,
        pid: cfg.select.pid,
        comm,
        no_ret: cfg.no_ret,
        tracer: !cfg.no_ret,
        bounce: !cfg.no_ret && cfg.exit_via == ExitVia::Auto,
        fd_paths: cfg.display.fd_paths,
        unknown_numbers: plan.unknown_numbers,
        receivers: cfg.receivers.unwrap_or_else(supervisor::default_receivers),
    };
    let table = plan.table;
    let perf = events.map(|ev| {
        let mut via = vec![false; plan.selected.len()];
        for &nr in &plan.perf_nrs {
            via[nr as usize] = true;
        }
        let execve = [table.number("execve"), table.number("execveat")];
        (
            PerfExits::new(ev, execve, perf_join(cfg.display.fd_paths)),
            via,
        )
    });
    let shared = Shared::new(
        table,
        opts,
        out,
        plan.selected,
        plan.compat,
        (spawned.pid.as_raw(), spawned.ctl_fd),
        perf,
    )
    .with_inject(inject);
    let exit = supervisor::run(&shared, spawned.pid, spawned.listener, plan.use_ptrace);
    shared.finish(exit);
    drop(shared);
    if let Err(e) = writer.finish() {
        eprintln!("my-sysdig: {e}");
        return Ok(1);
    }
    match exit {
        Some(e) => Ok(e.code()),
        None => Err(Error::fail("lost track of the command's exit status")),
    }
}

/// The capture's header: what ran, where, and with which options (so that
/// `read` can say what the capture can show).
fn capture_header(cfg: &ExecConfig) -> capture::Header {
    use std::os::unix::ffi::OsStrExt;
    let mut extra = Vec::new();
    if cfg.no_ret {
        extra.push(("no_ret".to_string(), "1".to_string()));
    }
    for (spec, fault) in &cfg.inject {
        let key = if *fault { "fault" } else { "inject" };
        extra.push((key.into(), spec.clone()));
    }
    let via = match (cfg.no_ret, cfg.exit_via) {
        (true, _) => "none",
        (_, ExitVia::Auto) => "auto",
        (_, ExitVia::Perf) => "perf",
        (_, ExitVia::Ptrace) => "ptrace",
    };
    extra.push(("exit_via".into(), via.into()));
    capture::Header::starting_now(capture::Run {
        argv: cfg.command.iter().map(|a| a.as_bytes().to_vec()).collect(),
        snaplen: cfg.snaplen,
        format: format_name(cfg.display.format),
        fd_paths: cfg.display.fd_paths,
        select: &cfg.select,
        extra,
    })
}

/// The `--format` value naming `f`.
pub fn format_name(f: Format) -> &'static str {
    match f {
        Format::Text => "text",
        Format::Strace => "strace",
        Format::Json => "json",
    }
}

/// When the perf path joins entries to exits: batched, unless `-y` needs
/// each call's effects before the next is decoded, or
/// `MY_SYSDIG_PERF_JOIN=entry` asks for the join at every entry (to compare).
pub(crate) fn perf_join(fd_paths: bool) -> Join {
    let asked = std::env::var("MY_SYSDIG_PERF_JOIN").ok();
    if fd_paths || asked.as_deref() == Some("entry") {
        Join::AtEntry
    } else {
        Join::Batched
    }
}

/// The command the supervisor forwards SIGTERM and SIGHUP to.
static FORWARD_TO: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(sig: libc::c_int) {
    let pid = FORWARD_TO.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    }
}

/// SIGTERM and SIGHUP sent to my-sysdig are passed to the command, which
/// then ends as it would untraced; the supervisor writes every record up to
/// its exit and exits with its status.
fn forward_termination_signals(root: i32) {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    FORWARD_TO.store(root, Ordering::Relaxed);
    let act = SigAction::new(
        SigHandler::Handler(forward),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for s in [Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only calls kill(2) and reads an atomic.
        let _ = unsafe { sigaction(s, &act) };
    }
}

fn ignore_keyboard_signals() {
    use nix::sys::signal::{SigHandler, Signal, signal};
    for s in [Signal::SIGINT, Signal::SIGQUIT] {
        // SAFETY: SIG_IGN installs no handler code.
        let _ = unsafe { signal(s, SigHandler::SigIgn) };
    }
}
