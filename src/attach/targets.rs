//! Which processes and threads `attach` traces, read from `/proc`, and why
//! attaching to one may be refused.

use super::AttachConfig;
use crate::capture;
use crate::error::{Error, Result};
use std::collections::BTreeSet;

/// The processes to trace: those given, checked, and with `follow` their
/// descendants (rescanned until a scan finds no new one, as children may
/// be forked while we look).
pub fn processes(pids: &[i32], follow: bool) -> Result<Vec<i32>> {
    if pids.is_empty() {
        return Err(Error::usage(
            "attach: say which processes: -p PID, --comm NAME or --all",
        ));
    }
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    let mut all: Vec<i32> = Vec::new();
    for &p in pids {
        if p <= 0 {
            return Err(Error::usage(format!("-p: {p} is not a process id")));
        }
        if p == me {
            return Err(Error::usage("-p: cannot attach to my-sysdig itself"));
        }
        let status = std::fs::read_to_string(format!("/proc/{p}/status"))
            .map_err(|_| Error::fail(format!("-p {p}: no such process")))?;
        // A thread id is not a process: attach to its process.
        let tgid = field(&status, "Tgid:").unwrap_or(p);
        if tgid != p {
            return Err(Error::usage(format!(
                "-p {p}: a thread of process {tgid}; give the process id ({tgid})"
            )));
        }
        if !all.contains(&p) {
            all.push(p);
        }
    }
    if follow {
        loop {
            let known: BTreeSet<i32> = all.iter().copied().collect();
            let mut found = Vec::new();
            for &p in &all {
                for c in children(p) {
                    if c != me && !known.contains(&c) && !found.contains(&c) {
                        found.push(c);
                    }
                }
            }
            if found.is_empty() {
                break;
            }
            all.extend(found);
        }
    }
    Ok(all)
}

/// The processes named `name` (first 15 bytes, as the kernel keeps it),
/// but my-sysdig.
pub fn named(name: &str) -> Result<Vec<i32>> {
    let want = crate::record::Comm::new(name.as_bytes());
    // SAFETY: getpid has no preconditions.
    let me = unsafe { libc::getpid() };
    let mut pids: Vec<i32> = std::fs::read_dir("/proc")
        .map_err(|e| Error::fail(format!("reading /proc: {e}")))?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&p| p != me)
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/comm"))
                .is_ok_and(|c| crate::record::Comm::new(&c) == want)
        })
        .collect();
    pids.sort_unstable();
    if pids.is_empty() {
        return Err(Error::fail(format!(
            "--comm {name}: no process of that name"
        )));
    }
    Ok(pids)
}

/// The threads of process `p` now.
pub fn threads(p: i32) -> Vec<i32> {
    let mut tids: Vec<i32> = std::fs::read_dir(format!("/proc/{p}/task"))
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    tids.sort_unstable();
    // The leader first: its failure is the one worth reporting.
    if let Some(i) = tids.iter().position(|&t| t == p) {
        tids.swap(0, i);
    }
    tids
}

/// The children of every thread of process `p`.
pub fn children(p: i32) -> Vec<i32> {
    let mut out = Vec::new();
    for t in threads(p) {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{p}/task/{t}/children")) {
            out.extend(s.split_whitespace().filter_map(|c| c.parse::<i32>().ok()));
        }
    }
    out
}

/// A numeric field of `/proc/PID/status`.
fn field(status: &str, key: &str) -> Option<i32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().parse().ok())
}

/// Why seizing process `p` failed with `e`, and what to do.
pub fn why_not(p: i32, e: nix::errno::Errno) -> String {
    use nix::errno::Errno;
    let status = std::fs::read_to_string(format!("/proc/{p}/status")).unwrap_or_default();
    match e {
        Errno::ESRCH => "no such process (it ended)".into(),
        Errno::EPERM => {
            if let Some(t) = field(&status, "TracerPid:").filter(|&t| t != 0) {
                let comm = std::fs::read_to_string(format!("/proc/{t}/comm")).unwrap_or_default();
                return format!(
                    "it is already traced by process {t} ({}); only one tracer may attach \
                     (stop that one first)",
                    comm.trim()
                );
            }
            let yama = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok());
            // SAFETY: geteuid has no preconditions.
            let root = unsafe { libc::geteuid() } == 0;
            match yama {
                Some(3) => {
                    "ptrace is disabled on this machine (kernel.yama.ptrace_scope = 3)".into()
                }
                Some(s) if s >= 1 && !root => format!(
                    "not permitted: kernel.yama.ptrace_scope = {s} lets only root (or \
                     CAP_SYS_PTRACE) attach to a process that is not a child"
                ),
                _ if !root => "not permitted: another user's process, or a set-user-ID one; \
                               run as root or with CAP_SYS_PTRACE"
                    .into(),
                _ => "not permitted by the kernel (a security module?)".into(),
            }
        }
        e => e.to_string(),
    }
}

/// The capture's header for an attach: what was attached to.
pub fn capture_header(cfg: &AttachConfig, processes: &[i32]) -> capture::Header {
    let argv = processes
        .iter()
        .map(|p| {
            let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            format!("{p}:{}", comm.trim()).into_bytes()
        })
        .collect();
    let (source, via) = match (cfg.all, cfg.stop) {
        (true, _) => ("attach --all", "perf"),
        (false, true) => ("attach --stop", "ptrace"),
        (false, false) => ("attach", "perf"),
    };
    capture::Header::starting_now(capture::Run {
        argv,
        snaplen: cfg.snaplen,
        format: crate::exec::format_name(cfg.display.format),
        fd_paths: cfg.display.fd_paths,
        select: &cfg.select,
        extra: vec![
            ("source".to_string(), source.to_string()),
            ("exit_via".to_string(), via.to_string()),
        ],
    })
}
