//! Command line: parse, run, map errors to `my-sysdig: ...` and exit codes.

use clap::{Args, Parser, Subcommand, ValueEnum};
use my_sysdig::agent::profile::{self, ProfileConfig};
use my_sysdig::agent::{self, AgentConfig};
use my_sysdig::attach::{self, AttachConfig};
use my_sysdig::exec::{self, ExecConfig, ExitVia};
use my_sysdig::pipeline::Display;
use my_sysdig::read::{self, ReadConfig};
use my_sysdig::record::Format;
use my_sysdig::record::decor::{Decor, Timestamps};
use my_sysdig::record::summary::SummaryMode;
use my_sysdig::select::Selecting;
use my_sysdig::view::ViewKind;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

/// A syscall tracer for Linux built on seccomp user notification and ptrace:
/// no kernel module, no eBPF.
#[derive(Parser)]
#[command(name = "my-sysdig", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run CMD and trace its syscalls (and those of its threads and children).
    #[command(override_usage = "my-sysdig exec [OPTIONS] -- CMD [ARGS...]")]
    Exec(ExecArgs),
    /// Replay a capture written by `exec -w`: the same records, formats and
    /// options as a live run, selected again as often as needed.
    #[command(override_usage = "my-sysdig read [OPTIONS] FILE")]
    Read(ReadArgs),
    /// Trace processes that are already running, and leave them as they were.
    #[command(
        override_usage = "my-sysdig attach [--stop] -p PID[,PID...] [-f] [OPTIONS]\n       my-sysdig attach --comm NAME [OPTIONS]\n       my-sysdig attach --all [OPTIONS]"
    )]
    Attach(AttachArgs),
    /// Trace containers an OCI runtime (runc) starts with a seccomp profile whose
    /// listenerPath is this agent's socket: every record tagged with its container.
    #[command(override_usage = "my-sysdig agent --socket PATH [OPTIONS]")]
    Agent(AgentArgs),
    /// Write a seccomp profile (OCI linux.seccomp JSON) that sends the chosen
    /// calls to the agent, to stdout.
    #[command(
        override_usage = "my-sysdig profile [--only LIST] [--socket PATH] [--metadata TEXT] [--from PROFILE.json]"
    )]
    Profile(ProfileArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// `pid=N, name, key=value, ..., res=R`
    Text,
    /// strace's `name(args) = R` lines
    Strace,
    /// one JSON object per line
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExitViaArg {
    /// per syscall: perf where only the return value is needed, else ptrace
    Auto,
    /// perf for every call; memory the kernel writes is shown as not captured
    Perf,
    /// ptrace exit stops for every call
    Ptrace,
}

#[derive(Clone, Copy, ValueEnum)]
enum ViewArg {
    /// bytes read and written, and calls, per path
    Topfiles,
    /// calls, errors and time per process
    Topprocs,
    /// failed calls per syscall, errno and path
    Errors,
}

/// Which records are kept: the same on `exec` and `read`.
#[derive(Args)]
struct SelectArgs {
    /// Syscalls to show: names (read,write), classes (%file %net %process
    /// %memory %signal %ipc %desc %creds %clock), !name to exclude. Default: all.
    /// On exec it decides what the kernel traps; on read, which captured calls are shown.
    #[arg(long, value_name = "LIST")]
    only: Option<String>,
    /// Keep only records of process PID (its thread group id).
    #[arg(long, value_name = "PID", value_parser = clap::value_parser!(i32).range(1..))]
    pid: Option<i32>,
    /// Keep only records of threads named NAME (first 15 bytes, as the kernel keeps it).
    #[arg(long, value_name = "NAME")]
    comm: Option<String>,
    /// Keep only records that match EXPR, a sysdig-style field expression:
    /// `evt.type in (open,openat) and evt.failed = true` (see docs/filters.md).
    #[arg(long, value_name = "EXPR")]
    filter: Option<String>,
}

/// What a tracing subcommand captures (`attach`, `agent`; `exec` has its
/// own words for `-w`).
#[derive(Args)]
struct CaptureArgs {
    /// Write every kept record to a capture FILE (`-` for stdout), as exec -w.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    capture: Option<PathBuf>,
    /// Bytes of strings and data buffers captured (paths: up to 4096).
    #[arg(short = 's', long, value_name = "N", default_value_t = 64)]
    snaplen: usize,
}

impl SelectArgs {
    fn selecting(self) -> Selecting {
        Selecting {
            only: self.only,
            pid: self.pid,
            comm: self.comm,
            filter: self.filter,
        }
    }
}

/// How records look and where they go: the same on `exec` and `read`.
#[derive(Args)]
struct DisplayArgs {
    /// Write records to FILE (created mode 0600; a symlink is refused) instead of
    /// stderr (exec) or stdout (read).
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Record format.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    /// Timestamp each record: -t time of day, -tt with microseconds, -ttt seconds since
    /// the epoch (as strace; JSON always has ts_ns).
    #[arg(short = 't', action = clap::ArgAction::Count)]
    timestamps: u8,
    /// Show the time spent in each call, `<0.000123>` (as strace; JSON always has dur_ns).
    #[arg(short = 'T')]
    durations: bool,
    /// At exit, a table per syscall (calls, errors, total, mean, p50, p99, max time),
    /// instead of the records (as strace -c).
    #[arg(short = 'c', long = "summary", conflicts_with = "summary_with_records")]
    summary: bool,
    /// Like -c, after the records (as strace -C).
    #[arg(short = 'C', long)]
    summary_with_records: bool,
    /// Show what each file descriptor refers to, as strace -y does: 3</etc/hosts>.
    #[arg(short = 'y', long = "decode-fds")]
    fd_paths: bool,
    /// An analysis of the kept records, at the end, instead of the records: a
    /// table, or JSON with --format json.
    #[arg(long, value_enum, value_name = "VIEW")]
    view: Option<ViewArg>,
}

impl DisplayArgs {
    fn display(&self) -> Display {
        Display {
            output: self.output.clone(),
            format: match self.format {
                FormatArg::Text => Format::Text,
                FormatArg::Strace => Format::Strace,
                FormatArg::Json => Format::Json,
            },
            decor: Decor {
                timestamps: Timestamps::from_count(self.timestamps),
                durations: self.durations,
            },
            summary: match (self.summary, self.summary_with_records) {
                (true, _) => SummaryMode::Only,
                (_, true) => SummaryMode::WithRecords,
                _ => SummaryMode::Off,
            },
            fd_paths: self.fd_paths,
            view: self.view.map(|v| match v {
                ViewArg::Topfiles => ViewKind::TopFiles,
                ViewArg::Topprocs => ViewKind::TopProcs,
                ViewArg::Errors => ViewKind::Errors,
            }),
        }
    }
}

#[derive(Args)]
struct ExecArgs {
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    display: DisplayArgs,
    /// Write every record to a capture FILE (`-` for stdout) to replay with `read`;
    /// with -o the lines are written too.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    capture: Option<PathBuf>,
    /// Bytes of strings and data buffers captured (paths: up to 4096).
    #[arg(short = 's', long, value_name = "N", default_value_t = 64)]
    snaplen: usize,
    /// Seccomp user notification only: no ptrace, no return values, lowest overhead.
    #[arg(long)]
    no_ret: bool,
    /// Where return values come from: the perf sys_exit tracepoint (no stop; needs root or
    /// CAP_PERFMON) or ptrace exit stops. auto: perf for calls that need only the return value,
    /// ptrace for those whose record needs memory the kernel writes (read data, stat buffers).
    #[arg(long, value_enum, value_name = "HOW", conflicts_with = "no_ret")]
    exit_via: Option<ExitViaArg>,
    #[command(flatten)]
    receivers: ReceiversArg,
    /// Tamper with calls, as strace's --inject: SET:ACTION[:ACTION...][:when=EXPR].
    /// SET as in --only; actions error=ERRNO, retval=N, signal=SIG, delay_enter=T,
    /// delay_exit=T, poke_enter=@argN=HEX, poke_exit=..., redirect=PATH; when=N, N..M,
    /// N+S, N..M+S (per call and thread); prob=P; scope=thread|process|tree. Repeatable.
    #[arg(long, value_name = "SPEC")]
    inject: Vec<String>,
    /// Make calls fail, as strace's --fault: SET[:error=ERRNO][:when=EXPR]
    /// (ENOSYS by default). Repeatable; an --inject naming the same call wins.
    #[arg(long, value_name = "SPEC")]
    fault: Vec<String>,
    /// The seed of prob= choices (printed at start when not given): repeats a run's choices.
    #[arg(long, value_name = "N")]
    inject_seed: Option<u64>,
    /// The command and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    command: Vec<OsString>,
}

/// `--receivers`, for exec and agent.
#[derive(Args)]
struct ReceiversArg {
    /// Threads receiving notifications (default: half the CPUs, at most 8). All but
    /// one stay parked until calls queue up, so a program whose calls come one at a time
    /// pays nothing for them. Not with --exit-via ptrace (every call then stops for the
    /// one tracer thread).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    receivers: Option<u16>,
}

#[derive(Args)]
struct ReadArgs {
    /// The capture (`-` for stdin).
    #[arg(value_name = "FILE")]
    input: PathBuf,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    display: DisplayArgs,
    /// Describe the capture (command, arch, kernel, options, records, time span,
    /// whether it is complete) instead of replaying it.
    #[arg(long, conflicts_with_all = ["view", "subset"])]
    info: bool,
    /// Write the kept records as a new capture FILE (`-` for stdout).
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    subset: Option<PathBuf>,
}

#[derive(Args)]
struct AttachArgs {
    /// The processes to trace (every thread of each), comma-separated.
    #[arg(
        short = 'p',
        long = "attach-pid",
        value_name = "PID",
        value_delimiter = ','
    )]
    pids: Vec<i32>,
    /// Every process on the machine (perf events; narrow with --pid, --comm, --filter).
    #[arg(long, conflicts_with_all = ["pids", "stop", "follow"])]
    all: bool,
    /// Their descendants too: those running now and those started while attached
    /// (unlike strace -f -p, which follows only children started later).
    #[arg(short = 'f')]
    follow: bool,
    /// Trace with ptrace, as strace -p: exact arguments, but the threads stop at each
    /// call's entry and exit.
    #[arg(long)]
    stop: bool,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    display: DisplayArgs,
    #[command(flatten)]
    capture: CaptureArgs,
}

#[derive(Args)]
struct AgentArgs {
    /// The UNIX socket the runtime sends listeners to (the profile's listenerPath);
    /// created mode 0600, a stale one replaced only when nothing listens on it.
    #[arg(long, value_name = "PATH", default_value = "/run/my-sysdig.sock")]
    socket: PathBuf,
    /// Let group G connect too (socket mode 0660).
    #[arg(long, value_name = "G")]
    socket_group: Option<String>,
    #[command(flatten)]
    select: SelectArgs,
    #[command(flatten)]
    display: DisplayArgs,
    #[command(flatten)]
    capture: CaptureArgs,
    /// No return values (res=?): no perf exit events, whose tracepoint makes every
    /// syscall on the node take the kernel's slow path while containers make traced calls.
    #[arg(long)]
    no_ret: bool,
    #[command(flatten)]
    receivers: ReceiversArg,
}

#[derive(Args)]
struct ProfileArgs {
    /// Syscalls sent to the agent (as exec's --only; default: all but write,
    /// which runc refuses to send to a listener).
    #[arg(long, value_name = "LIST")]
    only: Option<String>,
    /// The agent's socket (listenerPath).
    #[arg(long, value_name = "PATH", default_value = "/run/my-sysdig.sock")]
    socket: PathBuf,
    /// listenerMetadata: a string the agent puts in each record of the container.
    #[arg(long, value_name = "TEXT")]
    metadata: Option<String>,
    /// A profile to keep (Docker's default, for example): its restrictions stay,
    /// the calls it allows among the --only set go to the agent.
    #[arg(long, value_name = "PROFILE.json")]
    from: Option<PathBuf>,
}

fn main() -> ExitCode {
    my_sysdig::launcher::snapshot_signal_dispositions();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let msg = e.render().to_string();
            let msg = msg.strip_prefix("error: ").unwrap_or(&msg);
            eprint!("my-sysdig: {msg}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.cmd {
        Cmd::Exec(a) => {
            if let Some(opt) = unknown_option(&a.command) {
                eprintln!(
                    "my-sysdig: unexpected argument '{opt}' (put the command after '--')\n\nFor more information, try '--help'."
                );
                return ExitCode::from(2);
            }
            exec::run(ExecConfig {
                select: a.select.selecting(),
                capture: a.capture,
                display: a.display.display(),
                snaplen: a.snaplen,
                no_ret: a.no_ret,
                receivers: a.receivers.receivers.map(usize::from),
                exit_via: match a.exit_via {
                    None | Some(ExitViaArg::Auto) => ExitVia::Auto,
                    Some(ExitViaArg::Perf) => ExitVia::Perf,
                    Some(ExitViaArg::Ptrace) => ExitVia::Ptrace,
                },
                inject: a
                    .fault
                    .into_iter()
                    .map(|f| (f, true))
                    .chain(a.inject.into_iter().map(|i| (i, false)))
                    .collect(),
                inject_seed: a.inject_seed,
                command: a.command,
            })
        }
        Cmd::Attach(a) => attach::run(AttachConfig {
            pids: a.pids,
            all: a.all,
            follow: a.follow,
            stop: a.stop,
            select: a.select.selecting(),
            capture: a.capture.capture,
            display: a.display.display(),
            snaplen: a.capture.snaplen,
        }),
        Cmd::Agent(a) => agent::run(AgentConfig {
            socket: a.socket,
            socket_group: a.socket_group,
            select: a.select.selecting(),
            capture: a.capture.capture,
            display: a.display.display(),
            snaplen: a.capture.snaplen,
            no_ret: a.no_ret,
            receivers: a.receivers.receivers.map(usize::from),
        }),
        Cmd::Profile(a) => profile::run(ProfileConfig {
            only: a.only,
            socket: a.socket,
            metadata: a.metadata,
            from: a.from,
        }),
        Cmd::Read(a) => read::run(ReadConfig {
            input: a.input,
            select: a.select.selecting(),
            display: a.display.display(),
            info: a.info,
            subset: a.subset,
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("my-sysdig: {e}");
            ExitCode::from(e.code)
        }
    }
}

/// clap takes an unknown `--option` for the start of the command; only a
/// command given after `--` may start with '-'.
fn unknown_option(command: &[OsString]) -> Option<String> {
    let first = command.first()?;
    if !first.to_string_lossy().starts_with('-') {
        return None;
    }
    let argv: Vec<OsString> = std::env::args_os().collect();
    let dashes = argv.iter().position(|a| a == "--");
    let at = argv.iter().position(|a| a == first);
    match (dashes, at) {
        (Some(d), Some(c)) if d < c => None,
        _ => Some(first.to_string_lossy().into_owned()),
    }
}
