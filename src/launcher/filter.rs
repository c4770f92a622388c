//! The seccomp filter, built with libseccomp (binary tree) in the supervisor
//! and exported as classic BPF, so that the child only has to call
//! `seccomp(2)` between fork and exec (no allocation there) and can pass
//! flags libseccomp 2.5 does not know (`WAIT_KILLABLE_RECV`).

use crate::error::{Error, Result};
use libseccomp::{ScmpAction, ScmpFilterContext, ScmpSyscall};
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};

/// What the filter does with one traced syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `SECCOMP_RET_USER_NOTIF`: arguments through the listener, no stop.
    Notify,
    /// `SECCOMP_RET_TRACE`: a ptrace stop; the data is the syscall number.
    Trace,
    /// `SECCOMP_RET_ALLOW`: not traced (a rule only when other numbers are
    /// traced by default).
    Allow,
}

/// The calls of the compat ABI (i386 on x86_64) to trap, by that ABI's
/// numbers.
pub struct Compat<'a> {
    /// `AUDIT_ARCH_*` of the ABI.
    pub audit_arch: u32,
    pub rules: &'a [(u32, Action)],
}

/// `SECCOMP_RET_ERRNO` with an errno no rule uses: the native program's
/// bad-arch return, replaced by a jump to the compat program.
const TO_COMPAT: u32 = libc::SECCOMP_RET_ERRNO | 0x3ff;

/// The kernel's limit on a classic BPF program (BPF_MAXINSNS).
const MAX_INSNS: usize = 4096;

/// Builds the filter: `action` for each listed syscall number, `other` (or
/// ALLOW) for the rest. Calls of the compat ABI, when given, are checked
/// against its own rules; calls of any other ABI (x32) fail with ENOSYS
/// rather than run untraced.
pub fn build(
    rules: &[(u32, Action)],
    compat: Option<Compat>,
    other: Option<Action>,
) -> Result<Vec<libc::sock_filter>> {
    let other = other.unwrap_or(Action::Allow);
    let mut prog = native(rules, compat.is_some(), other)?;
    if let Some(c) = compat {
        let at = prog.len();
        for (i, ins) in prog.iter_mut().enumerate() {
            if ins.code == BPF_RET_K && ins.k == TO_COMPAT {
                *ins = stmt(BPF_JA, (at - i - 1) as u32);
            }
        }
        prog.extend(compat_program(c.audit_arch, c.rules, other));
    }
    if prog.len() > MAX_INSNS {
        return Err(Error::fail(format!(
            "building the seccomp filter: {} instructions, more than the kernel's {MAX_INSNS}",
            prog.len()
        )));
    }
    Ok(prog)
}

// Classic BPF opcodes (linux/bpf_common.h).
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JA: u16 = 0x05;
const BPF_JEQ_K: u16 = 0x15;
const BPF_JGE_K: u16 = 0x35;
const BPF_RET_K: u16 = 0x06;
/// `offsetof(struct seccomp_data, nr)` and `arch`.
const DATA_NR: u32 = 0;
const DATA_ARCH: u32 = 4;

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

fn ret_of(action: Action) -> u32 {
    match action {
        Action::Allow => libc::SECCOMP_RET_ALLOW,
        Action::Notify => libc::SECCOMP_RET_USER_NOTIF,
        // The tracer reads the call from PTRACE_GET_SYSCALL_INFO, not
        // from this data.
        Action::Trace => libc::SECCOMP_RET_TRACE,
    }
}

/// The compat ABI's program, written here (libseccomp takes rule numbers
/// as the native ABI's and translates them by name, which loses numbers
/// without a name): the arch check, then a binary search over ranges of
/// numbers that share a return.
fn compat_program(
    audit_arch: u32,
    rules: &[(u32, Action)],
    other: Action,
) -> Vec<libc::sock_filter> {
    let mut by_nr: Vec<(u32, Action)> = rules.to_vec();
    by_nr.sort_by_key(|r| r.0);
    by_nr.dedup_by_key(|r| r.0);
    // (first number, return) of each run; the first run starts at 0.
    let mut runs: Vec<(u32, u32)> = vec![(0, ret_of(other))];
    for &(nr, action) in &by_nr {
        set_run(&mut runs, nr, ret_of(action));
        set_run(&mut runs, nr.saturating_add(1), ret_of(other));
    }
    let mut prog = vec![
        stmt(BPF_LD_W_ABS, DATA_ARCH),
        jump(BPF_JEQ_K, audit_arch, 1, 0),
        stmt(BPF_RET_K, libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32),
        stmt(BPF_LD_W_ABS, DATA_NR),
    ];
    search(&runs, &mut prog);
    prog
}

/// Numbers from `start` on return `ret` (until a later run): `start` is at
/// or past the last run's first number. Neighbouring runs never share a
/// return.
fn set_run(runs: &mut Vec<(u32, u32)>, start: u32, ret: u32) {
    let Some(last) = runs.last_mut() else {
        runs.push((start, ret));
        return;
    };
    if last.0 != start {
        if last.1 != ret {
            runs.push((start, ret));
        }
        return;
    }
    last.1 = ret;
    let n = runs.len();
    if n >= 2 && runs[n - 2].1 == runs[n - 1].1 {
        runs.pop();
    }
}

/// Appends the search over `runs` (sorted by first number, covering all
/// numbers from `runs[0].0` on). Each node jumps to its upper half when the
/// number is at least the half's first; an upper half too far for the
/// 8-bit offset is reached through a 32-bit `ja`.
fn search(runs: &[(u32, u32)], out: &mut Vec<libc::sock_filter>) {
    if let [(_, ret)] = runs {
        out.push(stmt(BPF_RET_K, *ret));
        return;
    }
    let mid = runs.len() / 2;
    let mut low = Vec::new();
    search(&runs[..mid], &mut low);
    match u8::try_from(low.len()) {
        Ok(skip) => out.push(jump(BPF_JGE_K, runs[mid].0, skip, 0)),
        Err(_) => {
            out.push(jump(BPF_JGE_K, runs[mid].0, 0, 1));
            out.push(stmt(BPF_JA, low.len() as u32));
        }
    }
    out.extend(low);
    search(&runs[mid..], out);
}

/// The native ABI's program, from libseccomp.
fn native(rules: &[(u32, Action)], compat: bool, other: Action) -> Result<Vec<libc::sock_filter>> {
    let e = |what: &str, err: libseccomp::error::SeccompError| {
        Error::fail(format!("building the seccomp filter: {what}: {err}"))
    };
    let scmp = |nr: u32, action| match action {
        Action::Notify => ScmpAction::Notify,
        Action::Trace => ScmpAction::Trace(nr as u16),
        Action::Allow => ScmpAction::Allow,
    };
    let mut ctx = ScmpFilterContext::new(scmp(0, other)).map_err(|x| e("init", x))?;
    let badarch = match compat {
        true => ScmpAction::Errno((TO_COMPAT & 0xffff) as i32),
        false => ScmpAction::Errno(libc::ENOSYS),
    };
    ctx.set_act_badarch(badarch)
        .map_err(|x| e("bad-arch action", x))?;
    // The supervisor sets NO_NEW_PRIVS itself in the child.
    ctx.set_ctl_nnp(false).map_err(|x| e("nnp", x))?;
    ctx.set_ctl_optimize(2).map_err(|x| e("binary tree", x))?;
    for &(nr, action) in rules {
        let act = scmp(nr, action);
        // libseccomp refuses a rule that repeats the default.
        if act == scmp(0, other) {
            continue;
        }
        ctx.add_rule(act, ScmpSyscall::from(nr as i32))
            .map_err(|x| e(&format!("rule for syscall {nr}"), x))?;
    }
    // SAFETY: memfd_create with a static NUL-terminated name; the result is
    // checked and owned at once.
    let fd = unsafe { libc::memfd_create(c"my-sysdig-bpf".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(Error::fail(format!(
            "memfd_create: {}",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: fd is a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    ctx.export_bpf(fd.as_fd()).map_err(|x| e("export", x))?;
    let mut file = std::fs::File::from(fd);
    let mut raw = Vec::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_end(&mut raw))
        .map_err(|x| Error::fail(format!("reading the exported filter: {x}")))?;
    Ok(raw
        .chunks_exact(8)
        .map(|c| libc::sock_filter {
            code: u16::from_ne_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_has_actions_for_rules() {
        let prog = build(&[(0, Action::Trace), (1, Action::Notify)], None, None).unwrap();
        assert!(!prog.is_empty());
        let rets: Vec<u32> = prog
            .iter()
            .filter(|i| i.code == 0x06)
            .map(|i| i.k)
            .collect();
        assert!(rets.contains(&(libc::SECCOMP_RET_TRACE)), "{rets:x?}");
        assert!(rets.contains(&libc::SECCOMP_RET_USER_NOTIF));
        assert!(rets.contains(&libc::SECCOMP_RET_ALLOW));
        // Other ABIs are refused, not let through: the arch is checked, and
        // on x86_64 so is the x32 bit of the syscall number.
        let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
        assert!(rets.contains(&enosys), "{rets:x?}");
        #[cfg(target_arch = "x86_64")]
        assert!(prog.iter().any(|i| i.k == 0x4000_0000), "x32 check");
    }

    /// Runs a classic BPF program over `seccomp_data` {nr, arch}: just the
    /// instructions these programs use.
    fn run(prog: &[libc::sock_filter], arch: u32, nr: u32) -> u32 {
        let (mut acc, mut pc) = (0u32, 0usize);
        loop {
            let i = prog[pc];
            pc += 1;
            match i.code {
                BPF_LD_W_ABS => {
                    acc = match i.k {
                        DATA_NR => nr,
                        DATA_ARCH => arch,
                        // The instruction pointer and arguments: not used
                        // by these rules.
                        _ => 0,
                    }
                }
                BPF_RET_K => return i.k,
                BPF_JA => pc += i.k as usize,
                BPF_JEQ_K => pc += if acc == i.k { i.jt } else { i.jf } as usize,
                BPF_JGE_K => pc += if acc >= i.k { i.jt } else { i.jf } as usize,
                // jgt, jset, and/or on the x32 bit: libseccomp's.
                0x25 => pc += if acc > i.k { i.jt } else { i.jf } as usize,
                0x45 => pc += if acc & i.k != 0 { i.jt } else { i.jf } as usize,
                0x54 => acc &= i.k,
                c => panic!("opcode {c:#x} at {}", pc - 1),
            }
        }
    }

    /// The arch the native (libseccomp) program checks; the other one of
    /// the two this project builds for stands for "any other ABI".
    fn own_arch() -> u32 {
        crate::arch::native().audit_arch
    }
    fn foreign() -> u32 {
        match own_arch() {
            0xc000_003e => 0xc000_00b7,
            _ => 0xc000_003e,
        }
    }
    const I386: u32 = 0x4000_0003;
    const ENOSYS: u32 = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;

    #[test]
    fn compat_calls_get_their_own_rules() {
        let rules = [(39, Action::Notify), (0, Action::Trace)];
        // Runs of neighbours, a lone number, and one past a gap.
        let mut compat: Vec<(u32, Action)> = (3..=6).map(|n| (n, Action::Trace)).collect();
        compat.extend([
            (20, Action::Notify),
            (199, Action::Trace),
            (7, Action::Notify),
        ]);
        let c = Compat {
            audit_arch: I386,
            rules: &compat,
        };
        let prog = build(&rules, Some(c), None).unwrap();
        let (n, t, a) = (
            libc::SECCOMP_RET_USER_NOTIF,
            libc::SECCOMP_RET_TRACE,
            libc::SECCOMP_RET_ALLOW,
        );
        assert_eq!(run(&prog, own_arch(), 39), n);
        assert_eq!(run(&prog, own_arch(), 0), t);
        assert_eq!(run(&prog, own_arch(), 20), a);
        for (nr, want) in [
            (0, a),
            (2, a),
            (3, t),
            (6, t),
            (7, n),
            (8, a),
            (19, a),
            (20, n),
        ] {
            assert_eq!(run(&prog, I386, nr), want, "i386 {nr}");
        }
        for (nr, want) in [(21, a), (198, a), (199, t), (200, a), (u32::MAX, a)] {
            assert_eq!(run(&prog, I386, nr), want, "i386 {nr}");
        }
        // Other arches, and x32 numbers, still fail.
        assert_eq!(run(&prog, foreign(), 39), ENOSYS);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(run(&prog, own_arch(), 0x4000_0000 | 39), ENOSYS);
        // Without a compat ABI, i386 fails as before.
        let prog = build(&rules, None, None).unwrap();
        assert_eq!(run(&prog, I386, 20), ENOSYS);
    }

    #[test]
    fn a_large_compat_search_reaches_past_eight_bit_jumps() {
        // Every other number traced: hundreds of runs, subtrees longer than
        // a conditional jump's 255 instructions.
        let compat: Vec<(u32, Action)> = (0..900).step_by(2).map(|n| (n, Action::Trace)).collect();
        let c = Compat {
            audit_arch: I386,
            rules: &compat,
        };
        let prog = build(&[], Some(c), None).unwrap();
        assert!(prog.len() > 2 * 256, "{}", prog.len());
        for nr in 0..1000 {
            let want = match nr < 900 && nr % 2 == 0 {
                true => libc::SECCOMP_RET_TRACE,
                false => libc::SECCOMP_RET_ALLOW,
            };
            assert_eq!(run(&prog, I386, nr), want, "{nr}");
        }
    }

    #[test]
    fn numbers_without_a_rule_can_be_traced_by_default() {
        // Tracing everything but 39: numbers past the tables stop too.
        let rules = [(39, Action::Allow), (0, Action::Trace)];
        let compat = [(20, Action::Allow)];
        let c = Compat {
            audit_arch: I386,
            rules: &compat,
        };
        let prog = build(&rules, Some(c), Some(Action::Trace)).unwrap();
        let t = libc::SECCOMP_RET_TRACE;
        assert_eq!(run(&prog, own_arch(), 39), libc::SECCOMP_RET_ALLOW);
        assert_eq!(run(&prog, own_arch(), 0) & !0xffff, t);
        assert_eq!(run(&prog, own_arch(), 1000) & !0xffff, t);
        assert_eq!(run(&prog, I386, 20), libc::SECCOMP_RET_ALLOW);
        assert_eq!(run(&prog, I386, 21), t);
        assert_eq!(run(&prog, I386, 5000), t);
    }

    #[test]
    fn runs_merge_neighbours_with_the_same_return() {
        let mut runs = vec![(0, 1)];
        set_run(&mut runs, 0, 2);
        set_run(&mut runs, 1, 1);
        set_run(&mut runs, 1, 2);
        set_run(&mut runs, 2, 1);
        assert_eq!(runs, [(0, 2), (2, 1)]);
        set_run(&mut runs, 5, 1);
        assert_eq!(runs, [(0, 2), (2, 1)]);
    }
}
