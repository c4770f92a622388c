//! Planning a run: which calls the filter traps and how each one's return
//! value is obtained (user notification alone, perf, or a ptrace exit stop),
//! from `--only`, `--no-ret`, `--exit-via` and what the kernel permits.
//! Nothing is started here.

use super::ExitVia;
use crate::arch::{self, SyscallTable};
use crate::error::{Error, Result};
use crate::handlers::socketcall;
use crate::launcher::{self, filter::Action};
use crate::select;
use crate::supervisor;
use crate::supervisor::perf::ring::{self, Source};
use crate::supervisor::perf::tracefs::{self, SysExit};

/// What planning needs from the command line.
pub struct Asked<'a> {
    pub only: Option<&'a str>,
    pub no_ret: bool,
    pub exit_via: ExitVia,
    pub snaplen: usize,
    /// `-y`: the calls that change descriptors are always seen.
    pub fd_paths: bool,
    /// Records need true thread names (JSON, `--comm`, `--filter`, `-w`):
    /// renames are always seen.
    pub wants_comm: bool,
    /// `--inject`/`--fault`: the calls tampered with are trapped too.
    pub inject: Option<&'a crate::inject::Injector>,
}

/// The plan: the filter program and what the supervisor needs to know of it.
pub struct Plan {
    pub table: SyscallTable,
    /// The compat ABI's table and selection (i386 on x86_64).
    pub compat: Option<(SyscallTable, Vec<bool>)>,
    /// By number: chosen by `--only`.
    pub selected: Vec<bool>,
    /// Numbers past the tables are traced (no positive `--only` item).
    pub unknown_numbers: bool,
    pub prog: Vec<libc::sock_filter>,
    /// seccomp filter flags (a listener when any call is notified).
    pub flags: libc::c_ulong,
    /// ptrace follows the tree (not under `--no-ret`).
    pub use_ptrace: bool,
    /// The perf events to try, best first, and the calls they serve.
    pub perf_src: Option<Vec<Source>>,
    pub perf_nrs: Vec<u32>,
}

/// Calls whose sys_exit sample cannot be joined to their entry:
/// rt_sigreturn restores the registers, syscall number included (it becomes
/// -1), so its exit names no call. Their return values come from ptrace.
const NO_EXIT_SAMPLE: &[&str] = &["rt_sigreturn"];

/// Plans the run (see the module comment).
pub fn plan(cfg: &Asked<'_>) -> Result<Plan> {
    let table = SyscallTable::new(arch::native());
    // A 32-bit program's calls (i386 on x86_64) are traced by name too.
    let compat_table = table.arch.compat.map(SyscallTable::new);
    let selection = select::parse_abis(cfg.only, &table, compat_table.as_ref())?;
    let traced = selection.native;
    // MY_SYSDIG_NO_USER_NOTIF=1 makes a kernel with user notification
    // behave as one without (the tests take the ptrace-only path with it).
    let notify_ok = launcher::user_notification_supported()
        && std::env::var_os("MY_SYSDIG_NO_USER_NOTIF").is_none_or(|v| v != "1");
    if cfg.no_ret && !notify_ok {
        return Err(Error::fail(
            "--no-ret needs seccomp user notification with CONTINUE (Linux 5.5) and pidfd_getfd (Linux 5.6); \
             this kernel lacks them (run without --no-ret to trace with ptrace)",
        ));
    }
    if !notify_ok {
        eprintln!(
            "my-sysdig: no seccomp user notification with CONTINUE (Linux 5.5) and pidfd_getfd (5.6): \
             every traced call stops under ptrace"
        );
    }
    let selected = select::by_number(&table, &traced);
    let perf_tp = perf_setup(cfg, notify_ok)?;
    let via_perf = |spec: &crate::handlers::Spec| {
        perf_tp.is_some()
            && spec.needs_exit()
            && !NO_EXIT_SAMPLE.contains(&spec.name)
            && match cfg.exit_via {
                ExitVia::Perf => true,
                ExitVia::Auto => !spec.needs_exit_memory_at(cfg.snaplen),
                ExitVia::Ptrace => false,
            }
    };
    let mut trapped = traced.clone();
    // -y: the calls that change what a descriptor number means are always
    // seen, so the cached paths stay true (supervisor/fdtable.rs).
    if cfg.fd_paths {
        trapped.extend(supervisor::fdtable::required_calls().filter_map(|n| table.number(n)));
    }
    // Thread names (JSON's comm, --comm) change with prctl(PR_SET_NAME): it
    // is seen, selected or not, so the cached names stay true (rare, cheap).
    if cfg.wants_comm {
        trapped.extend(table.number("prctl"));
    }
    let mut rules: Vec<(u32, Action)> = trapped
        .iter()
        .filter_map(|&nr| table.get(nr as u64).map(|s| (nr, s)))
        .map(|(nr, spec)| {
            // A call trapped only for bookkeeping needs no return value
            // (perf gives it one when it can, at no stop).
            let hidden = !selected.get(nr as usize).copied().unwrap_or(false);
            let notify =
                cfg.no_ret || (notify_ok && (!spec.needs_exit() || hidden)) || via_perf(spec);
            let action = if notify {
                Action::Notify
            } else {
                Action::Trace
            };
            (nr, action)
        })
        .collect();
    // ptrace follows the tree whenever return values are wanted, even when
    // no call stops for them (all through perf): it sees thread deaths and
    // exec, and restarts calls a signal interrupted before the supervisor
    // received them (see ptrace.rs).
    let use_ptrace = !cfg.no_ret;
    // Without ptrace, the supervisor learns of execs and thread exits only
    // through the filter: always trap them (cheap, rare) so cached names
    // and thread groups stay true; they get no record unless selected.
    if !use_ptrace {
        for name in ["execve", "execveat", "exit", "exit_group"] {
            if let Some(nr) = table.number(name) {
                if !rules.iter().any(|&(n, _)| n == nr) {
                    rules.push((nr, Action::Notify));
                }
            }
        }
    }
    // Calls tampered with reach the supervisor whether or not they are
    // selected (they get no record unless they are). User notification does
    // what it can without running the call; a call already stopping under
    // ptrace is tampered with at its seccomp stop, as strace does; the
    // actions at the exit (delay_exit=, poke_exit=) need that stop.
    if let Some(inj) = cfg.inject {
        if !notify_ok
            && inj
                .calls(false)
                .chain(inj.calls(true))
                .any(|(_, s)| s.redirect.is_some())
        {
            return Err(Error::usage(
                "--inject: redirect= installs a descriptor with SECCOMP_IOCTL_NOTIF_ADDFD, which needs \
                 seccomp user notification (Linux 5.14)",
            ));
        }
        for (nr, spec) in inj.calls(false) {
            inject_rule(&mut rules, nr, spec, notify_ok);
        }
    }
    // The compat ABI's rules: the same choice by name, except that its
    // return values never come from perf (see `Shared::exit_via_perf`).
    let mut compat = None;
    let mut compat_rules = Vec::new();
    if let Some(ct) = &compat_table {
        // What the native rules trap for bookkeeping (-y, renames, execs),
        // by name; selected names are in `selection.compat` already.
        let bookkeeping: Vec<u32> = rules
            .iter()
            .filter_map(|&(nr, _)| table.get(nr as u64))
            .filter_map(|s| ct.number(s.name))
            .collect();
        let selected = select::by_number(ct, &selection.compat);
        // 32-bit glibc makes its socket calls through socketcall, which is
        // shown as the call it carries: trapped when one of those is
        // selected (the supervisor keeps only the selected ones).
        let socketcall = ct.number("socketcall").filter(|_| {
            socketcall::names()
                .filter_map(|n| ct.number(n))
                .any(|nr| selected[nr as usize])
        });
        let mut nrs: Vec<u32> = selection
            .compat
            .iter()
            .copied()
            .chain(bookkeeping)
            .chain(socketcall)
            .collect();
        // Calls tampered with, and socketcall when it may carry one.
        let tampered: Vec<(u32, &crate::inject::Spec)> =
            cfg.inject.map_or(vec![], |i| i.calls(true).collect());
        let carried = ct.number("socketcall").and_then(|sc| {
            let names: Vec<u32> = socketcall::names().filter_map(|n| ct.number(n)).collect();
            tampered
                .iter()
                .find(|(nr, _)| names.contains(nr))
                .map(|&(_, s)| (sc, s))
        });
        nrs.sort_unstable();
        nrs.dedup();
        for nr in nrs {
            let Some(spec) = ct.get(nr as u64) else {
                continue;
            };
            let hidden = !selected[nr as usize] && Some(nr) != socketcall;
            let notify = cfg.no_ret || (notify_ok && (!spec.needs_exit() || hidden));
            compat_rules.push((
                nr,
                if notify {
                    Action::Notify
                } else {
                    Action::Trace
                },
            ));
        }
        for &(nr, spec) in tampered.iter().chain(carried.as_ref()) {
            inject_rule(&mut compat_rules, nr, spec, notify_ok);
        }
        compat = Some(selected);
    }
    // With no positive --only item, numbers past the tables are traced too
    // (strace's `syscall_0x3e8`): they stop by default, and the known
    // numbers no rule traps are let through by rules of their own.
    let other = selection.open.then_some(if cfg.no_ret {
        Action::Notify
    } else {
        Action::Trace
    });
    if other.is_some() {
        allow_the_rest(&mut rules, &table);
        if let Some(ct) = &compat_table {
            allow_the_rest(&mut compat_rules, ct);
        }
    }
    let perf_nrs: Vec<u32> = rules
        .iter()
        .filter(|&&(nr, a)| a == Action::Notify && table.get(nr as u64).is_some_and(via_perf))
        .map(|&(nr, _)| nr)
        .collect();
    let perf_src = perf_tp
        .filter(|_| !perf_nrs.is_empty())
        .map(|tp| exit_sources(tp, &table, &perf_nrs));
    let mut flags = 0;
    if rules
        .iter()
        .chain(&compat_rules)
        .any(|&(_, a)| a == Action::Notify)
        || other == Some(Action::Notify)
    {
        flags = libc::SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // Linux 5.19: once received, a request is not interrupted by
        // non-fatal signals, which closes most of the restart window.
        let killable = flags | libc::SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        if launcher::filter_flags_supported(killable) {
            flags = killable;
        }
    }
    let prog = launcher::filter::build(
        &rules,
        compat_table.as_ref().map(|t| launcher::filter::Compat {
            audit_arch: t.arch.audit_arch,
            rules: &compat_rules,
        }),
        other,
    )?;
    Ok(Plan {
        compat: compat_table.zip(compat),
        table,
        selected,
        unknown_numbers: selection.open,
        prog,
        flags: flags as libc::c_ulong,
        use_ptrace,
        perf_src,
        perf_nrs,
    })
}

/// Makes sure call `nr`, tampered with as `spec` says, reaches the
/// supervisor in a way that can do it (see the comment in `plan`).
fn inject_rule(
    rules: &mut Vec<(u32, Action)>,
    nr: u32,
    spec: &crate::inject::Spec,
    notify_ok: bool,
) {
    let at = rules.iter().position(|&(n, _)| n == nr);
    let action = match at.map(|i| rules[i].1) {
        // Only a descriptor installed through the listener can answer it.
        _ if spec.redirect.is_some() => Action::Notify,
        _ if spec.needs_exit_stop() || !notify_ok => Action::Trace,
        Some(Action::Trace) => Action::Trace,
        _ => Action::Notify,
    };
    match at {
        Some(i) => rules[i].1 = action,
        None => rules.push((nr, action)),
    }
}

/// Adds an ALLOW rule for every number of `table` that `rules` does not
/// list (for a filter that traces the numbers without a rule).
fn allow_the_rest(rules: &mut Vec<(u32, Action)>, table: &SyscallTable) {
    let listed: std::collections::BTreeSet<u32> = rules.iter().map(|r| r.0).collect();
    let rest: Vec<(u32, Action)> = table
        .iter()
        .map(|(nr, _)| nr)
        .filter(|nr| !listed.contains(nr))
        .map(|nr| (nr, Action::Allow))
        .collect();
    rules.extend(rest);
}

/// The events that give the perf calls' return values, best first (see
/// `ring::Source`): each call's own `syscalls:sys_exit_<name>` in the cpu
/// scope, when every call has one, the events are few enough (`cpu_scope_fits`)
/// and the scope can work here; then, in the task scope, the call's own
/// event when there is one call, else the raw event, filtered.
/// `MY_SYSDIG_PERF_SCOPE=task` and `MY_SYSDIG_PERF_RAW=1` force the latter.
fn exit_sources(raw: SysExit, table: &SyscallTable, nrs: &[u32]) -> Vec<Source> {
    let force_raw = std::env::var_os("MY_SYSDIG_PERF_RAW").is_some();
    let cpu_scope = !std::env::var("MY_SYSDIG_PERF_SCOPE").is_ok_and(|v| v == "task")
        && supervisor::perf::wide::in_initial_pid_namespace()
        && cpu_scope_fits(nrs.len());
    let mut srcs = Vec::new();
    if !force_raw && (cpu_scope || nrs.len() == 1) {
        if let Some(tps) = own_exits(table, nrs) {
            // One layout for all: the reader has one.
            if cpu_scope && tps.iter().all(|t| t.layout == tps[0].layout) {
                srcs.push(Source::Calls(tps.clone()));
            }
            if let [tp] = tps[..] {
                srcs.push(Source::OneCall(tp));
            }
        }
    }
    if !srcs.iter().any(|s| matches!(s, Source::OneCall(_))) {
        srcs.push(Source::Raw(raw, nrs.to_vec()));
    }
    srcs
}

/// The cpu scope's events for threads found as they make their first call
/// (the agent's containers: no tree of ours to inherit task events): each
/// call's own event when the calls are few and all have one, else the raw
/// event, filtered by number.
pub(crate) fn found_threads_source(raw: SysExit, table: &SyscallTable, nrs: &[u32]) -> Source {
    if cpu_scope_fits(nrs.len()) {
        let own = own_exits(table, nrs).filter(|t| t.iter().all(|e| e.layout == t[0].layout));
        if let Some(tps) = own {
            if !tps.is_empty() {
                return Source::Calls(tps);
            }
        }
    }
    Source::RawWide(raw, nrs.to_vec())
}

/// Calls that need an exit but never write an exit sample.
pub(crate) fn writes_exit_sample(name: &str) -> bool {
    !NO_EXIT_SAMPLE.contains(&name)
}

/// Each of `nrs`'s own `syscalls:sys_exit_<name>` event, when every one
/// has one.
fn own_exits(table: &SyscallTable, nrs: &[u32]) -> Option<Vec<SysExit>> {
    let names = tracefs::event_names_of(table, nrs);
    tracefs::own_events(&names).into_iter().collect()
}

/// Whether the cpu scope's events (one per call and CPU) are few enough:
/// each new thread opens them all again (an inter-processor call each), and
/// while it does the old ones are still open, within the descriptor limit.
fn cpu_scope_fits(calls: usize) -> bool {
    // SAFETY: sysconf has no preconditions.
    let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_CONF) }.max(1) as u64;
    let events = calls as u64 * cpus;
    let nofile = crate::supervisor::perf::descriptor_limit();
    events_fit(events, cpus, nofile)
}

/// `events` per-CPU events (and `cpus` rings) within the limits, with room
/// for a second set while a new thread's replaces them.
fn events_fit(events: u64, cpus: u64, nofile: u64) -> bool {
    events <= MAX_CPU_SCOPE_EVENTS && 2 * events + cpus + 64 <= nofile
}

/// Events at most in the cpu scope: 16 calls on 8 CPUs, 2 on 64.
const MAX_CPU_SCOPE_EVENTS: u64 = 128;

/// Whether return values may come from perf: the tracepoint found in
/// tracefs and the event permitted. `--exit-via perf` fails when not;
/// `auto` falls back to ptrace and says so once.
fn perf_setup(cfg: &Asked<'_>, notify_ok: bool) -> Result<Option<SysExit>> {
    if cfg.no_ret || cfg.exit_via == ExitVia::Ptrace {
        return Ok(None);
    }
    let found = if notify_ok {
        tracefs::sys_exit()
            .map_err(|e| e.to_string())
            .and_then(|tp| ring::permitted(&tp).map(|()| tp))
    } else {
        Err("the perf path needs seccomp user notification (Linux 5.6) for arguments".into())
    };
    match (found, cfg.exit_via) {
        // Already said: every call stops under ptrace.
        (Err(_), ExitVia::Auto) if !notify_ok => Ok(None),
        (Ok(tp), _) => Ok(Some(tp)),
        (Err(why), ExitVia::Perf) => Err(Error::usage(format!(
            "--exit-via perf: {why} (--exit-via ptrace works without it)"
        ))),
        (Err(why), _) => {
            eprintln!("my-sysdig: return values via ptrace: {why}");
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_scope_events_stay_within_limits() {
        // 3 calls on 2 CPUs, the usual descriptor limit.
        assert!(events_fit(6, 2, 1024));
        // 16 calls on 8 CPUs is the most; 16 on 64 is too many.
        assert!(events_fit(128, 8, 1024));
        assert!(!events_fit(1024, 64, 1 << 20));
        // Two sets, the rings and a margin must fit in the descriptors.
        assert!(!events_fit(100, 4, 200));
        assert!(events_fit(100, 4, 268));
        assert!(!events_fit(100, 4, 267));
    }
}
