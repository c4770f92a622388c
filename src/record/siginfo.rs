//! The strace format's lines about processes rather than calls:
//! `--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, ...} ---` for a
//! delivered signal (its siginfo, with strace's choice of fields per signal
//! and code), `--- stopped by SIGSTOP ---`, `+++ exited with 0 +++` and
//! `+++ killed by SIGKILL +++`.
//!
//! A siginfo is decoded from its 128 raw bytes (the layout is the same on
//! x86_64 and aarch64), so the decoding is a pure function tests can drive.

use super::{Value, errno_name};
use std::io::Write;

pub type RawSiginfo = [u8; 128];

/// The bytes of a siginfo the kernel filled (PTRACE_GETSIGINFO).
pub fn raw(si: &libc::siginfo_t) -> RawSiginfo {
    let mut b = [0u8; 128];
    let n = std::mem::size_of::<libc::siginfo_t>().min(b.len());
    // SAFETY: siginfo_t is plain data of at least n bytes; b has 128.
    unsafe { std::ptr::copy_nonoverlapping(si as *const _ as *const u8, b.as_mut_ptr(), n) };
    b
}

fn i32_at(b: &RawSiginfo, off: usize) -> i32 {
    i32::from_ne_bytes([b[off], b[off + 1], b[off + 2], b[off + 3]])
}

fn u64_at(b: &RawSiginfo, off: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[off..off + 8]);
    u64::from_ne_bytes(w)
}

// Union member offsets (64-bit layout).
const PID: usize = 16;
const UID: usize = 20;
const TIMERID: usize = 16;
const OVERRUN: usize = 20;
const SIGVAL: usize = 24;
const STATUS: usize = 24;
const UTIME: usize = 32;
const STIME: usize = 40;
const ADDR: usize = 16;
const BAND: usize = 16;
const SYSCALL: usize = 24;
const ARCH: usize = 28;

/// si_code values shared by all signals (asm-generic/siginfo.h).
const GENERIC_CODES: &[(i32, &str)] = &[
    (0, "SI_USER"),
    (0x80, "SI_KERNEL"),
    (-1, "SI_QUEUE"),
    (-2, "SI_TIMER"),
    (-3, "SI_MESGQ"),
    (-4, "SI_ASYNCIO"),
    (-5, "SI_SIGIO"),
    (-6, "SI_TKILL"),
    (-7, "SI_DETHREAD"),
    (-60, "SI_ASYNCNL"),
];

/// Signal-specific si_code names, from 1 upwards.
const SIGNAL_CODES: &[(i32, &[&str])] = &[
    (
        libc::SIGCHLD,
        &[
            "CLD_EXITED",
            "CLD_KILLED",
            "CLD_DUMPED",
            "CLD_TRAPPED",
            "CLD_STOPPED",
            "CLD_CONTINUED",
        ],
    ),
    (
        libc::SIGSEGV,
        &[
            "SEGV_MAPERR",
            "SEGV_ACCERR",
            "SEGV_BNDERR",
            "SEGV_PKUERR",
            "SEGV_ACCADI",
            "SEGV_ADIDERR",
            "SEGV_ADIPERR",
            "SEGV_MTEAERR",
            "SEGV_MTESERR",
            "SEGV_CPERR",
        ],
    ),
    (
        libc::SIGBUS,
        &[
            "BUS_ADRALN",
            "BUS_ADRERR",
            "BUS_OBJERR",
            "BUS_MCEERR_AR",
            "BUS_MCEERR_AO",
        ],
    ),
    (
        libc::SIGILL,
        &[
            "ILL_ILLOPC",
            "ILL_ILLOPN",
            "ILL_ILLADR",
            "ILL_ILLTRP",
            "ILL_PRVOPC",
            "ILL_PRVREG",
            "ILL_COPROC",
            "ILL_BADSTK",
            "ILL_BADIADDR",
        ],
    ),
    (
        libc::SIGFPE,
        &[
            "FPE_INTDIV",
            "FPE_INTOVF",
            "FPE_FLTDIV",
            "FPE_FLTOVF",
            "FPE_FLTUND",
            "FPE_FLTRES",
            "FPE_FLTINV",
            "FPE_FLTSUB",
        ],
    ),
    (
        libc::SIGTRAP,
        &[
            "TRAP_BRKPT",
            "TRAP_TRACE",
            "TRAP_BRANCH",
            "TRAP_HWBKPT",
            "TRAP_UNK",
        ],
    ),
    (
        libc::SIGPOLL,
        &[
            "POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP",
        ],
    ),
    (libc::SIGSYS, &["SYS_SECCOMP", "SYS_USER_DISPATCH"]),
];

fn signal(sig: i32, out: &mut Vec<u8>) {
    let mut s = String::new();
    crate::handlers::flags::signal_name(sig as u64, &mut s);
    out.extend_from_slice(s.as_bytes());
}

fn signal_value(sig: i32) -> Value {
    let mut s = String::new();
    crate::handlers::flags::signal_name(sig as u64, &mut s);
    Value::Sym(s)
}

fn code_name(signo: i32, code: i32) -> Option<&'static str> {
    if let Some((_, n)) = GENERIC_CODES.iter().find(|(c, _)| *c == code) {
        return Some(n);
    }
    let (_, names) = SIGNAL_CODES.iter().find(|(s, _)| *s == signo)?;
    names
        .get(usize::try_from(code).ok()?.checked_sub(1)?)
        .copied()
}

type Fields = Vec<(&'static str, Value)>;

fn source(b: &RawSiginfo, v: &mut Fields) {
    v.push(("si_pid", Value::Int(i32_at(b, PID) as i64)));
    v.push(("si_uid", Value::UInt(i32_at(b, UID) as u32 as u64)));
}

fn sigval(b: &RawSiginfo, v: &mut Fields) {
    v.push(("si_int", Value::Int(i32_at(b, SIGVAL) as i64)));
    v.push(("si_ptr", Value::Ptr(u64_at(b, SIGVAL))));
}

/// A siginfo as strace shows it: `{si_signo=SIGCHLD, si_code=CLD_EXITED,
/// si_pid=42, ...}`, the fields chosen by signal and code; `{}` when no
/// signal is there (waitid's WNOHANG with nothing to report).
pub fn value(b: &RawSiginfo) -> Value {
    let signo = i32_at(b, 0);
    let errno = i32_at(b, 4);
    let code = i32_at(b, 8);
    if signo == 0 {
        return Value::Struct(Vec::new());
    }
    let mut v: Fields = vec![
        ("si_signo", signal_value(signo)),
        (
            "si_code",
            match code_name(signo, code) {
                Some(n) => Value::Sym(n.into()),
                None => Value::Hex(code as u32 as u64),
            },
        ),
    ];
    if errno != 0 {
        v.push(("si_errno", Value::Sym(errno_name(errno as i64).into())));
    }
    let has_ptr = u64_at(b, SIGVAL) != 0;
    if code <= 0 {
        // Sent by a process (kill, tgkill, sigqueue, timers, mq_notify).
        match code {
            0 | -6 => source(b, &mut v),
            -2 => {
                v.push(("si_timerid", Value::Hex(i32_at(b, TIMERID) as u32 as u64)));
                v.push(("si_overrun", Value::Int(i32_at(b, OVERRUN) as i64)));
                sigval(b, &mut v);
            }
            _ => {
                source(b, &mut v);
                if has_ptr {
                    sigval(b, &mut v);
                }
            }
        }
    } else {
        match signo {
            libc::SIGCHLD => {
                source(b, &mut v);
                let status = i32_at(b, STATUS);
                v.push((
                    "si_status",
                    if code == libc::CLD_EXITED {
                        Value::Int(status as i64)
                    } else {
                        signal_value(status)
                    },
                ));
                v.push(("si_utime", Value::Clock(u64_at(b, UTIME))));
                v.push(("si_stime", Value::Clock(u64_at(b, STIME))));
            }
            libc::SIGILL | libc::SIGFPE | libc::SIGSEGV | libc::SIGBUS => {
                v.push(("si_addr", Value::Ptr(u64_at(b, ADDR))));
            }
            libc::SIGPOLL => {
                if (1..=3).contains(&code) {
                    v.push(("si_band", Value::Int(u64_at(b, BAND) as i64)));
                }
            }
            libc::SIGSYS => {
                v.push(("si_call_addr", Value::Ptr(u64_at(b, ADDR))));
                v.push(("si_syscall", Value::Int(i32_at(b, SYSCALL) as i64)));
                v.push(("si_arch", Value::Hex(i32_at(b, ARCH) as u32 as u64)));
            }
            _ => {
                if i32_at(b, PID) != 0 || i32_at(b, UID) != 0 {
                    source(b, &mut v);
                }
                if has_ptr {
                    sigval(b, &mut v);
                }
            }
        }
    }
    Value::Struct(v)
}

/// `--- SIGCHLD {si_signo=SIGCHLD, ...} ---`, without the newline.
pub fn signal_line(b: &RawSiginfo, out: &mut Vec<u8>) {
    out.extend_from_slice(b"--- ");
    signal(i32_at(b, 0), out);
    out.push(b' ');
    super::strace::value(&value(b), out);
    out.extend_from_slice(b" ---");
}

/// `--- stopped by SIGSTOP ---` (a group stop).
pub fn stopped_line(sig: i32, out: &mut Vec<u8>) {
    out.extend_from_slice(b"--- stopped by ");
    signal(sig, out);
    out.extend_from_slice(b" ---");
}

/// `+++ exited with 3 +++`.
pub fn exited_line(code: i32, out: &mut Vec<u8>) {
    let _ = write!(out, "+++ exited with {code} +++");
}

/// `+++ superseded by execve in pid 4243 +++`: the thread group leader's
/// line when another of its threads (`former`) execs and takes its tid.
pub fn superseded_line(former: i32, out: &mut Vec<u8>) {
    let _ = write!(out, "+++ superseded by execve in pid {former} +++");
}

/// `+++ killed by SIGKILL +++`, `+++ killed by SIGSEGV (core dumped) +++`.
pub fn killed_line(sig: i32, core: bool, out: &mut Vec<u8>) {
    out.extend_from_slice(b"+++ killed by ");
    signal(sig, out);
    if core {
        out.extend_from_slice(b" (core dumped)");
    }
    out.extend_from_slice(b" +++");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(signo: i32, code: i32, fields: &[(usize, &[u8])]) -> RawSiginfo {
        let mut b = [0u8; 128];
        b[0..4].copy_from_slice(&signo.to_ne_bytes());
        b[8..12].copy_from_slice(&code.to_ne_bytes());
        for (off, v) in fields {
            b[*off..*off + v.len()].copy_from_slice(v);
        }
        b
    }

    fn line(b: &RawSiginfo) -> String {
        let mut v = Vec::new();
        signal_line(b, &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn sigchld_exited_and_killed() {
        let b = info(
            libc::SIGCHLD,
            libc::CLD_EXITED,
            &[
                (PID, &1626i32.to_ne_bytes()),
                (STATUS, &3i32.to_ne_bytes()),
                (STIME, &2i64.to_ne_bytes()),
            ],
        );
        assert_eq!(
            line(&b),
            "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1626, si_uid=0, \
             si_status=3, si_utime=0, si_stime=2 /* 0.02 s */} ---"
        );
        let b = info(
            libc::SIGCHLD,
            libc::CLD_KILLED,
            &[(PID, &7i32.to_ne_bytes()), (STATUS, &9i32.to_ne_bytes())],
        );
        assert!(
            line(&b).contains("si_code=CLD_KILLED, si_pid=7, si_uid=0, si_status=SIGKILL,"),
            "{}",
            line(&b)
        );
    }

    #[test]
    fn sent_by_processes() {
        let src = [
            (PID, &5974i32.to_ne_bytes()[..]),
            (UID, &1000i32.to_ne_bytes()),
        ];
        assert_eq!(
            line(&info(libc::SIGUSR1, 0, &src)),
            "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=5974, si_uid=1000} ---"
        );
        assert!(line(&info(libc::SIGUSR1, -6, &src)).contains("si_code=SI_TKILL, si_pid=5974,"));
        let val = 42u64.to_ne_bytes();
        let mut q = src.to_vec();
        q.push((SIGVAL, &val));
        assert_eq!(
            line(&info(libc::SIGUSR1, -1, &q)),
            "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_QUEUE, si_pid=5974, si_uid=1000, \
             si_int=42, si_ptr=0x2a} ---"
        );
        assert_eq!(
            line(&info(libc::SIGALRM, -2, &[(OVERRUN, &1i32.to_ne_bytes())])),
            "--- SIGALRM {si_signo=SIGALRM, si_code=SI_TIMER, si_timerid=0, si_overrun=1, \
             si_int=0, si_ptr=NULL} ---"
        );
    }

    #[test]
    fn kernel_signals() {
        assert_eq!(
            line(&info(libc::SIGALRM, 0x80, &[])),
            "--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---"
        );
        assert_eq!(
            line(&info(libc::SIGSEGV, 1, &[])),
            "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---"
        );
        assert_eq!(
            line(&info(libc::SIGBUS, 2, &[(ADDR, &0x1000u64.to_ne_bytes())])),
            "--- SIGBUS {si_signo=SIGBUS, si_code=BUS_ADRERR, si_addr=0x1000} ---"
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        let mut b = [0xffu8; 128];
        for signo in [-1, 0, 17, 11, 29, 31, 64, 1000] {
            b[0..4].copy_from_slice(&i32::to_ne_bytes(signo));
            for code in [-100, -2, -1, 0, 1, 3, 99, 0x80] {
                b[8..12].copy_from_slice(&i32::to_ne_bytes(code));
                let l = line(&b);
                assert!(l.starts_with("--- ") && l.ends_with("} ---"), "{l}");
            }
        }
        assert!(line(&info(libc::SIGSEGV, 77, &[])).contains("si_code=0x4d"));
    }

    #[test]
    fn process_lines() {
        let mut v = Vec::new();
        exited_line(3, &mut v);
        v.push(b'|');
        killed_line(9, false, &mut v);
        v.push(b'|');
        killed_line(11, true, &mut v);
        v.push(b'|');
        stopped_line(19, &mut v);
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "+++ exited with 3 +++|+++ killed by SIGKILL +++|\
             +++ killed by SIGSEGV (core dumped) +++|--- stopped by SIGSTOP ---"
        );
    }
}
