//! `my-sysdig agent`: the seccomp listener of containers an OCI runtime
//! starts. A container whose seccomp profile has `"listenerPath"` naming
//! our socket gets its listener sent here by the runtime (runc since 1.1),
//! with its state (`state.rs`); each listener is served on its own thread
//! by the notification loop `exec` uses, every record tagged with its
//! container, all records through one pipeline.
//!
//! A container must never hang or fail because of us: every request
//! received is answered. On SIGTERM or SIGINT the socket is closed, the
//! requests already queued on each listener are answered (drained), then
//! the listeners are closed; from then on the kernel fails the containers'
//! traced calls with ENOSYS. SIGHUP is logged and ignored.
//!
//! Return values come from perf exit events in the cpu scope, whose filter
//! names each container thread from its first traced call on (before that
//! call is answered, so its exit is seen): the agent starts no container,
//! so it is no ptrace parent and has no tree to inherit task events from.
//! The events are open only while calls need them (perf/mod.rs, lazy).
//! With `--no-ret`, or where perf is not permitted, there are none
//! (`res=?`, JSON `null`), and the log says which.

pub mod profile;
mod socket;
pub mod state;

use crate::arch::{self, SyscallTable};
use crate::capture;
use crate::error::{Error, Result};
use crate::exec::plan;
use crate::pipeline::{self, Display, files};
use crate::select;
use crate::supervisor::perf::PerfExits;
use crate::supervisor::{self, Options, Shared};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// The `agent` subcommand's settings.
pub struct AgentConfig {
    /// The UNIX socket runtimes send listeners to (`listenerPath`).
    pub socket: PathBuf,
    /// `--socket-group`: a group allowed to connect too (mode 0660).
    pub socket_group: Option<String>,
    /// `--only`, `--pid`, `--comm`, `--filter`.
    pub select: crate::select::Selecting,
    pub capture: Option<PathBuf>,
    pub display: Display,
    pub snaplen: usize,
    /// `--no-ret`: no perf exit events, no return values.
    pub no_ret: bool,
    /// `--receivers`: threads receiving each container's notifications
    /// (with `no_ret` only).
    pub receivers: Option<usize>,
}

/// Set by SIGTERM and SIGINT: stop accepting, drain, close, end.
static STOP: AtomicBool = AtomicBool::new(false);
/// SIGHUPs received (each is logged; the agent keeps serving).
static HUPS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

extern "C" fn on_hup(_: libc::c_int) {
    HUPS.fetch_add(1, Ordering::SeqCst);
}

/// Connections being received or served at once, at most.
const MAX_CONNECTIONS: usize = 4096;

/// The containers served now, by id: the container's first process and
/// its listeners (the first process's, and one per `runc exec`), each
/// with a generation (to remove the right one) and a duplicate of the
/// listener (to see whether it has hung up).
type Active = Mutex<HashMap<String, Served>>;

struct Served {
    init_pid: i32,
    listeners: Vec<(u64, OwnedFd)>,
}

impl Served {
    fn live(&self) -> bool {
        self.listeners.iter().any(|(_, l)| !socket::hung_up(l))
    }
}

/// Serves containers until SIGTERM or SIGINT; returns the exit code.
pub fn run(cfg: AgentConfig) -> Result<i32> {
    let (comm, filter) =
        crate::pipeline::checked_selection(cfg.snaplen, &cfg.select, cfg.display.fd_paths)?;
    let table = SyscallTable::new(arch::native());
    let compat_table = table.arch.compat.map(SyscallTable::new);
    let selection = select::parse_abis(cfg.select.only.as_deref(), &table, compat_table.as_ref())?;
    let gid = match &cfg.socket_group {
        Some(g) => Some(socket::group_id(g).map_err(Error::usage)?),
        None => None,
    };
    let selected = select::by_number(&table, &selection.native);
    let perf = match cfg.no_ret {
        true => Err("--no-ret".to_string()),
        false => perf_exits(&table, &selected, cfg.display.fd_paths),
    };
    let no_ret = perf.is_err();
    let capture = files::capture(cfg.capture.as_ref(), || header(&cfg, no_ret))?;
    let listener = socket::bind(&cfg.socket, gid).map_err(Error::fail)?;
    let started = pipeline::start(
        &cfg.display,
        pipeline::Plan {
            default_out: files::stderr,
            filter,
            capture,
            no_ret,
            strip_paths: false,
        },
    );
    let (writer, out) = match started {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&cfg.socket);
            return Err(e);
        }
    };
    let compat = compat_table.map(|ct| {
        let sel = select::by_number(&ct, &selection.compat);
        (ct, sel)
    });
    let opts = Options {
        snaplen: cfg.snaplen,
        pid: cfg.select.pid,
        comm,
        no_ret,
        tracer: false,
        bounce: false,
        fd_paths: cfg.display.fd_paths,
        unknown_numbers: selection.open,
        receivers: cfg.receivers.unwrap_or_else(supervisor::default_receivers),
    };
    let returns = match &perf {
        Ok(_) => "return values from perf exit events (open while containers make traced \
                  calls; meanwhile every syscall on the node takes the kernel's slow path; \
                  --no-ret turns them off)"
            .to_string(),
        Err(why) => format!("no return values (res=?): {why}"),
    };
    // No launcher: no call of ours to hide (tid 0 is no thread).
    let shared = Shared::new(table, opts, out, selected, compat, (0, -1), perf.ok());
    install_signal_handlers();
    log(&format!(
        "listening on {} (mode {}); {returns}. If the agent stops, the containers' traced \
         calls fail with ENOSYS; SIGTERM or SIGINT answers what is pending, then stops",
        cfg.socket.display(),
        if gid.is_some() { "0660" } else { "0600" }
    ));

    let active: Active = Mutex::new(HashMap::new());
    let generation = AtomicU64::new(0);
    let connections = AtomicUsize::new(0);
    std::thread::scope(|s| {
        if let Some(p) = shared.perf_exits() {
            let fds = p.fds();
            let (shared, connections) = (&shared, &connections);
            // Until the agent stops and every listener is drained.
            let keep =
                move || !STOP.load(Ordering::SeqCst) || connections.load(Ordering::SeqCst) > 0;
            let h = std::thread::Builder::new()
                .name("my-sysdig-perf".into())
                .spawn_scoped(s, move || supervisor::perf_poller(shared, &fds, keep));
            if let Err(e) = h {
                log(&format!("cannot start the perf reader thread: {e}"));
            }
        }
        accept_loop(listener, &cfg.socket, |conn| {
            if connections.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                log("refused a connection: too many at once");
                return;
            }
            connections.fetch_add(1, Ordering::SeqCst);
            let (shared, active, generation, connections) =
                (&shared, &active, &generation, &connections);
            let spawned = std::thread::Builder::new()
                .name("my-sysdig-ctr".into())
                .spawn_scoped(s, move || {
                    serve(shared, conn, active, generation);
                    connections.fetch_sub(1, Ordering::SeqCst);
                });
            if let Err(e) = spawned {
                connections.fetch_sub(1, Ordering::SeqCst);
                log(&format!("cannot start a thread for a connection: {e}"));
            }
        });
        let n = active.lock().len();
        if n > 0 {
            log(&format!(
                "stopping: answering what is pending on {n} listener{}, then closing them \
                 (their containers' traced calls fail with ENOSYS from then on)",
                if n == 1 { "" } else { "s" }
            ));
        }
    });
    if let Some(p) = shared.perf_exits() {
        p.finish(&shared);
    }
    shared.finish(None);
    drop(shared);
    log("stopped");
    if let Err(e) = writer.finish() {
        eprintln!("my-sysdig: {e}");
        return Ok(1);
    }
    Ok(0)
}

/// Accepts connections until STOP, handing each to `handle`; then closes
/// the socket and removes its file.
fn accept_loop(
    listener: std::os::unix::net::UnixListener,
    path: &Path,
    mut handle: impl FnMut(UnixStream),
) {
    let mut hups = 0;
    while !STOP.load(Ordering::SeqCst) {
        let h = HUPS.load(Ordering::SeqCst);
        if h != hups {
            hups = h;
            log("SIGHUP: still serving (SIGTERM or SIGINT stops the agent)");
        }
        let mut pfd = libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut pfd, 1, 200) } <= 0 {
            continue;
        }
        match listener.accept() {
            Ok((conn, _)) => handle(conn),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                // EMFILE and the like: say so, and let it pass.
                log(&format!("accepting a connection: {e}"));
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    }
    drop(listener);
    let _ = std::fs::remove_file(path);
}

/// One connection: check the peer, receive the listener and the state,
/// serve the container until its processes are gone or the agent stops.
/// Every refusal is logged; the other containers are not affected.
fn serve(shared: &Shared, mut conn: UnixStream, active: &Active, generation: &AtomicU64) {
    let (uid, peer_pid) = match socket::peer(&conn) {
        Ok(p) => p,
        Err(e) => return log(&format!("refused a connection: {e}")),
    };
    let refuse = |why: &str| {
        log(&format!(
            "refused a connection from pid {peer_pid} (uid {uid}): {why}"
        ))
    };
    let me = nix::unistd::geteuid().as_raw();
    if uid != 0 && uid != me {
        return refuse(&match me {
            0 => "only root may connect".to_string(),
            _ => format!("only root and uid {me} may connect"),
        });
    }
    let (bytes, fds) = match socket::receive(&mut conn) {
        Ok(m) => m,
        Err(e) => return refuse(&e),
    };
    drop(conn);
    if fds.is_empty() {
        return refuse("no descriptor came with the message");
    }
    let st = match state::parse(&bytes, fds.len()) {
        Ok(s) => s,
        Err(e) => return refuse(&e),
    };
    // The other descriptors (none from runc) are closed here.
    let Some(listener) = fds.into_iter().nth(st.seccomp_fd) else {
        return refuse("no seccompFd descriptor");
    };
    if !socket::is_listener(&listener) {
        return refuse("the seccompFd descriptor is not a seccomp listener");
    }
    let id = st.container.id.clone();
    let gen_ = generation.fetch_add(1, Ordering::SeqCst);
    let dup = match listener.try_clone() {
        Ok(d) => d,
        Err(e) => return refuse(&format!("duplicating the listener: {e}")),
    };
    {
        let mut a = active.lock();
        match a.get_mut(&id) {
            // `runc exec` in a container served now: its process's listener.
            Some(s) if s.live() && st.pid != st.init_pid && st.init_pid == s.init_pid => {
                s.listeners.push((gen_, dup));
            }
            Some(s) if s.live() => {
                drop(a);
                return refuse(&format!(
                    "container {id} is served already; this second listener is closed \
                     (its container's traced calls fail with ENOSYS)"
                ));
            }
            // New, or a predecessor whose processes are gone.
            _ => {
                a.insert(
                    id.clone(),
                    Served {
                        init_pid: st.init_pid,
                        listeners: vec![(gen_, dup)],
                    },
                );
            }
        }
    }
    let name = match &st.container.name {
        Some(n) => format!(", name {n}"),
        None => String::new(),
    };
    let what = match st.pid == st.init_pid {
        true => String::new(),
        false => format!(", a process started in it (pid {})", st.pid),
    };
    let bundle = if st.bundle.is_empty() {
        "?"
    } else {
        &st.bundle
    };
    log(&format!(
        "serving container {id} (pid {}{name}, bundle {bundle}){what}",
        st.init_pid
    ));
    supervisor::notify::run_in(shared, listener, Some(Arc::new(st.container)), Some(&STOP));
    {
        let mut a = active.lock();
        if let Some(s) = a.get_mut(&id) {
            s.listeners.retain(|(g, _)| *g != gen_);
            if s.listeners.is_empty() {
                a.remove(&id);
            }
        }
    }
    let whose = match st.pid == st.init_pid {
        true => String::new(),
        false => format!(" (of process {})", st.pid),
    };
    if STOP.load(Ordering::SeqCst) {
        log(&format!("container {id}: listener{whose} closed"));
    } else {
        log(&format!(
            "container {id}: listener{whose} done, its processes are gone"
        ));
    }
}

/// The perf exit events and the calls whose return values they give, or
/// why there are none.
fn perf_exits(
    table: &SyscallTable,
    selected: &[bool],
    fd_paths: bool,
) -> std::result::Result<(PerfExits, Vec<bool>), String> {
    use crate::supervisor::perf::{ring, tracefs, wide};
    if !wide::in_initial_pid_namespace() {
        return Err(
            "perf exit events need the initial pid namespace (their filter \
                    compares the kernel's thread ids)"
                .into(),
        );
    }
    let raw = tracefs::sys_exit().map_err(|e| format!("perf exit events: {e}"))?;
    ring::permitted(&raw).map_err(|e| format!("perf exit events: {e}"))?;
    let mut via = vec![false; selected.len()];
    let nrs: Vec<u32> = table
        .iter()
        .filter(|&(nr, spec)| {
            selected.get(nr as usize).copied().unwrap_or(false)
                && spec.needs_exit()
                && plan::writes_exit_sample(spec.name)
        })
        .map(|(nr, _)| nr)
        .collect();
    if nrs.is_empty() {
        return Err("no selected call returns".into());
    }
    for &nr in &nrs {
        via[nr as usize] = true;
    }
    let src = plan::found_threads_source(raw, table, &nrs);
    // Lazy: no thread is known yet, and the node pays while they are open.
    let events = ring::ExitEvents::open(&src, 0, crate::exec::perf_pages(), true)
        .map_err(|e| format!("perf exit events: {e}"))?;
    let execve = [table.number("execve"), table.number("execveat")];
    let exits = PerfExits::new(events, execve, crate::exec::perf_join(fd_paths)).discovering();
    Ok((exits, via))
}

fn header(cfg: &AgentConfig, no_ret: bool) -> capture::Header {
    capture::Header::starting_now(capture::Run {
        argv: vec![format!("agent:{}", cfg.socket.display()).into_bytes()],
        snaplen: cfg.snaplen,
        format: crate::exec::format_name(cfg.display.format),
        fd_paths: cfg.display.fd_paths,
        select: &cfg.select,
        extra: vec![
            (
                "no_ret".to_string(),
                if no_ret { "1" } else { "0" }.to_string(),
            ),
            (
                "exit_via".to_string(),
                if no_ret { "none" } else { "perf" }.to_string(),
            ),
            ("agent".to_string(), cfg.socket.display().to_string()),
        ],
    })
}

fn log(msg: &str) {
    eprintln!("my-sysdig: agent: {msg}");
}

fn install_signal_handlers() {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    let stop = SigAction::new(
        SigHandler::Handler(on_stop),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    let hup = SigAction::new(
        SigHandler::Handler(on_hup),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for s in [Signal::SIGTERM, Signal::SIGINT] {
        // SAFETY: the handler only stores to an atomic.
        let _ = unsafe { sigaction(s, &stop) };
    }
    // SAFETY: the handler only adds to an atomic.
    let _ = unsafe { sigaction(Signal::SIGHUP, &hup) };
}
