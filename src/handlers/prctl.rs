//! prctl's arguments, which depend on the option, as strace prints them:
//! `prctl(PR_SET_NAME, "worker")`, `prctl(PR_GET_NAME, "worker")` (read at
//! exit), `prctl(PR_SET_PDEATHSIG, SIGTERM)`, `prctl(PR_CAPBSET_READ,
//! CAP_SYS_ADMIN)`, `prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)`.
//!
//! Each option's arguments are a row of `SHAPES` (pure data); options not
//! listed show the four of them in hex, as strace does. The four argument
//! decoders are in/out: an option that makes the kernel write through its
//! argument (PR_GET_NAME) is read at exit.

use super::decode::{Ctx, Fields, enum_, flags};
use super::flags::*;
use super::types::{Call, ResDecoded};
use super::xlat::Xlat;
use crate::record::Value;

/// How one argument after the option is shown.
#[derive(Clone, Copy)]
enum P {
    Hex,
    UInt,
    Int,
    Ptr,
    /// A signal number, or decimal past 128 (PR_SET_PDEATHSIG).
    Sig,
    /// A capability number.
    Cap,
    Enum(&'static Xlat),
    Flags(&'static Xlat),
    /// A NUL-terminated string of at most this many bytes (the task name).
    Str(usize),
    /// A string up to the snaplen.
    AnyStr,
    /// SECCOMP_MODE_FILTER's `struct sock_fprog *`: `{len=4, filter=0x...}`.
    Fprog,
    /// PR_SET_PTRACER's pid, or PR_SET_PTRACER_ANY.
    Tracer,
    /// Written by the kernel, read at exit: `[N]`.
    OutU32,
    /// `[SIGTERM]`.
    OutSig,
    OutEnum(&'static Xlat),
    OutFlags(&'static Xlat),
    /// A string of at most this many bytes.
    OutStr(usize),
    /// A kernel pointer: `[0x7f...]`.
    OutPtr,
}

use P::*;

const HEX4: &[P] = &[Hex, Hex, Hex, Hex];
/// The task name's buffer (TASK_COMM_LEN).
const COMM_LEN: usize = 16;

const OPT_SET_SECCOMP: u64 = 22;
const OPT_MCE_KILL: u64 = 33;
const OPT_CAP_AMBIENT: u64 = 47;
const OPT_SET_SPECULATION_CTRL: u64 = 53;
const OPT_SET_VMA: u64 = 0x5356_4d41;

/// `(option, arguments shown)`; an option not listed shows four in hex.
static SHAPES: &[(u64, &[P])] = &[
    (1, &[Sig]),                                        // PR_SET_PDEATHSIG
    (2, &[OutSig]),                                     // PR_GET_PDEATHSIG
    (3, &[]),                                           // PR_GET_DUMPABLE
    (4, &[Enum(&PR_DUMPABLE)]),                         // PR_SET_DUMPABLE
    (5, &[OutFlags(&PR_UNALIGN)]),                      // PR_GET_UNALIGN
    (6, &[Flags(&PR_UNALIGN)]),                         // PR_SET_UNALIGN
    (7, &[]),                                           // PR_GET_KEEPCAPS
    (8, &[UInt]),                                       // PR_SET_KEEPCAPS
    (9, &[OutU32]),                                     // PR_GET_FPEMU
    (10, &[UInt]),                                      // PR_SET_FPEMU
    (11, &[OutU32]),                                    // PR_GET_FPEXC
    (12, &[UInt]),                                      // PR_SET_FPEXC
    (13, &[]),                                          // PR_GET_TIMING
    (14, &[UInt]),                                      // PR_SET_TIMING
    (15, &[Str(COMM_LEN - 1)]),                         // PR_SET_NAME
    (16, &[OutStr(COMM_LEN)]),                          // PR_GET_NAME
    (19, &[OutU32]),                                    // PR_GET_ENDIAN
    (20, &[UInt]),                                      // PR_SET_ENDIAN
    (21, &[]),                                          // PR_GET_SECCOMP
    (22, &[Enum(&SECCOMP_MODES), Hex, Hex, Hex]),       // PR_SET_SECCOMP
    (23, &[Cap]),                                       // PR_CAPBSET_READ
    (24, &[Cap]),                                       // PR_CAPBSET_DROP
    (25, &[OutEnum(&PR_TSC)]),                          // PR_GET_TSC
    (26, &[Enum(&PR_TSC)]),                             // PR_SET_TSC
    (27, &[]),                                          // PR_GET_SECUREBITS
    (28, &[Flags(&SECBITS)]),                           // PR_SET_SECUREBITS
    (29, &[Int]),                                       // PR_SET_TIMERSLACK
    (30, &[]),                                          // PR_GET_TIMERSLACK
    (31, &[]),                                          // PR_TASK_PERF_EVENTS_DISABLE
    (32, &[]),                                          // PR_TASK_PERF_EVENTS_ENABLE
    (33, &[Enum(&PR_MCE_KILL), Hex, Hex, Hex]),         // PR_MCE_KILL
    (35, &[Enum(&PR_SET_MM), Hex, Hex, Hex]),           // PR_SET_MM
    (36, &[UInt]),                                      // PR_SET_CHILD_SUBREAPER
    (37, &[OutU32]),                                    // PR_GET_CHILD_SUBREAPER
    (38, &[UInt, Hex, Hex, Hex]),                       // PR_SET_NO_NEW_PRIVS
    (40, &[OutPtr]),                                    // PR_GET_TID_ADDRESS
    (41, &[UInt, Hex, Hex, Hex]),                       // PR_SET_THP_DISABLE
    (46, &[]),                                          // PR_GET_FP_MODE
    (47, &[Enum(&PR_CAP_AMBIENT), Hex, Hex, Hex]),      // PR_CAP_AMBIENT
    (52, &[Enum(&PR_SPEC_CMDS)]),                       // PR_GET_SPECULATION_CTRL
    (53, &[Enum(&PR_SPEC_CMDS), Hex]),                  // PR_SET_SPECULATION_CTRL
    (57, &[UInt, Hex, Hex, Hex]),                       // PR_SET_IO_FLUSHER
    (0x5356_4d41, &[Enum(&PR_SET_VMA), Hex, Hex, Hex]), // PR_SET_VMA
    (0x5961_6d61, &[Tracer]),                           // PR_SET_PTRACER
];

/// `(option, its first argument, arguments shown)`: shapes that depend on
/// the sub-command, looked up before `SHAPES`.
static SUB_SHAPES: &[(u64, u64, &[P])] = &[
    (OPT_SET_SECCOMP, 1, &[Enum(&SECCOMP_MODES)]),
    (OPT_SET_SECCOMP, 2, &[Enum(&SECCOMP_MODES), Fprog]),
    (
        OPT_MCE_KILL,
        1,
        &[Enum(&PR_MCE_KILL), Enum(&PR_MCE_KILL_POLICY), Hex, Hex],
    ),
    (OPT_CAP_AMBIENT, 1, &[Enum(&PR_CAP_AMBIENT), Cap, Hex, Hex]),
    (OPT_CAP_AMBIENT, 2, &[Enum(&PR_CAP_AMBIENT), Cap, Hex, Hex]),
    (OPT_CAP_AMBIENT, 3, &[Enum(&PR_CAP_AMBIENT), Cap, Hex, Hex]),
    (
        OPT_SET_SPECULATION_CTRL,
        0,
        &[Enum(&PR_SPEC_CMDS), Enum(&PR_SPEC_SET)],
    ),
    (
        OPT_SET_SPECULATION_CTRL,
        1,
        &[Enum(&PR_SPEC_CMDS), Enum(&PR_SPEC_SET)],
    ),
    (
        OPT_SET_SPECULATION_CTRL,
        2,
        &[Enum(&PR_SPEC_CMDS), Enum(&PR_SPEC_SET)],
    ),
    (OPT_SET_VMA, 0, &[Enum(&PR_SET_VMA), Ptr, UInt, AnyStr]),
];

fn shape(regs: &[u64; 6]) -> &'static [P] {
    // The option is an int: the register's upper half is not part of it.
    let option = regs[0] & 0xffff_ffff;
    if let Some((_, _, s)) = SUB_SHAPES
        .iter()
        .find(|(o, a, _)| *o == option && *a == regs[1])
    {
        return s;
    }
    SHAPES
        .iter()
        .find(|(o, _)| *o == option)
        .map_or(HEX4, |(_, s)| s)
}

/// The option: its name, or strace's form for one it does not know.
pub fn option(_: &Ctx, c: &Call) -> Option<Value> {
    let o = c.val & 0xffff_ffff;
    Some(match PRCTL_OPTIONS.name(o) {
        Some(n) => Value::Sym(n.into()),
        None => Value::Sym(format!("{o:#x} /* PR_??? */")),
    })
}

pub fn arg2(ctx: &Ctx, c: &Call) -> Option<Value> {
    arg(ctx, c, 0)
}
pub fn arg3(ctx: &Ctx, c: &Call) -> Option<Value> {
    arg(ctx, c, 1)
}
pub fn arg4(ctx: &Ctx, c: &Call) -> Option<Value> {
    arg(ctx, c, 2)
}
pub fn arg5(ctx: &Ctx, c: &Call) -> Option<Value> {
    arg(ctx, c, 3)
}

/// Argument `i` after the option: at entry its value (a placeholder for
/// what the kernel writes), at exit what the kernel wrote.
fn arg(ctx: &Ctx, c: &Call, i: usize) -> Option<Value> {
    let p = *shape(c.regs).get(i)?;
    let v = c.val;
    let out = matches!(
        p,
        OutU32 | OutSig | OutEnum(_) | OutFlags(_) | OutStr(_) | OutPtr
    );
    if c.res.is_none() {
        if out {
            return Some(Value::NotCaptured(v));
        }
    } else if !out {
        return None;
    }
    let u32_out = |show: &dyn Fn(u64) -> Value| {
        ctx.with_struct(v, 4, |f| Value::Array {
            items: vec![show(f.u32(0))],
            truncated: false,
        })
    };
    Some(match p {
        Hex => Value::Hex(v),
        UInt => Value::UInt(v),
        Int => Value::Int(v as i64),
        Ptr => Value::Ptr(v),
        Sig if v > 128 => Value::UInt(v),
        Sig => signal(v),
        Cap => capability(v),
        Enum(x) => enum_(x, v),
        Flags(x) => flags(x, v),
        Str(n) => bounded_string(ctx, v, n),
        AnyStr => ctx.string(v, ctx.snaplen),
        Fprog => ctx.with_struct(v, 16, |f: Fields| {
            Value::Struct(vec![
                ("len", Value::UInt(f.u16(0))),
                ("filter", Value::Ptr(f.u64(8))),
            ])
        }),
        Tracer if v as i32 == -1 => Value::Sym("PR_SET_PTRACER_ANY".into()),
        Tracer => Value::Int(v as i64),
        OutU32 => u32_out(&Value::UInt),
        OutSig => u32_out(&signal),
        OutEnum(x) => u32_out(&|n| enum_(x, n)),
        OutFlags(x) => u32_out(&|n| flags(x, n)),
        OutStr(n) => bounded_string(ctx, v, n),
        OutPtr => ctx.with_struct(v, 8, |f| Value::Array {
            items: vec![Value::Ptr(f.u64(0))],
            truncated: false,
        }),
    })
}

fn signal(n: u64) -> Value {
    let mut s = String::new();
    signal_name(n, &mut s);
    Value::Sym(s)
}

/// `CAP_SYS_ADMIN`, or strace's form for a number it does not know.
pub(super) fn capability(n: u64) -> Value {
    match CAPABILITIES.name(n) {
        Some(name) => Value::Sym(name.into()),
        None => Value::Sym(format!("{n:#x} /* CAP_??? */")),
    }
}

/// A string in a buffer of `max` bytes (the task name), as strace's
/// `printstr_ex(..., QUOTE_0_TERMINATED)`: cut (`"..."...`) when no NUL
/// comes within `max` bytes (and at the snaplen).
fn bounded_string(ctx: &Ctx, addr: u64, max: usize) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    let want = max.min(ctx.snaplen);
    match ctx.read_some(addr, want) {
        Ok(b) => match b.iter().position(|&x| x == 0) {
            Some(z) => Value::Bytes {
                data: b[..z].to_vec(),
                truncated: false,
            },
            None if b.len() < want => Value::Fault {
                addr,
                errno: libc::EFAULT,
            },
            None => Value::Bytes {
                data: b,
                truncated: true,
            },
        },
        Err(errno) => Value::Fault { addr, errno },
    }
}

/// What strace shows after some options' results: `= 1 (SUID_DUMP_USER)`,
/// `= 0x1 (SECBIT_NOROOT)`, `= 0x9 (PR_SPEC_PRCTL|PR_SPEC_FORCE_DISABLE)`.
pub fn prctl_res(_: &Ctx, regs: &[u64; 6], res: i64) -> Option<ResDecoded> {
    let r = res as u64;
    let named = |x: &Xlat| {
        let mut s = String::new();
        x.format_flags(r, &mut s);
        Some(ResDecoded {
            value: Value::Sym(s),
            hex: true,
        })
    };
    match regs[0] & 0xffff_ffff {
        3 => Some(ResDecoded {
            value: Value::Sym(PR_DUMPABLE.name(r)?.into()),
            hex: false,
        }),
        34 => Some(ResDecoded {
            value: Value::Sym(PR_MCE_KILL_POLICY.name(r)?.into()),
            hex: false,
        }),
        27 if r != 0 => named(&SECBITS),
        52 if r != 0 && regs[1] <= 2 => named(&PR_SPEC_GET),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::handlers::decode::testmem::Buf;
    use crate::handlers::decode::{decode_entry, decode_exit, decode_result};
    use crate::handlers::table::lookup;
    use crate::record::tests::{record, strace_line};

    const BASE: u64 = 0x1000;

    /// One prctl call through the table, as strace's line without the pid.
    fn prctl(regs: [u64; 5], mem: &[u8], res: i64) -> String {
        let m = Buf::at(BASE, mem.to_vec());
        let ctx = m.ctx();
        let regs = [regs[0], regs[1], regs[2], regs[3], regs[4], 0];
        let spec = lookup("prctl").unwrap();
        let mut args = decode_entry(spec, &regs, &ctx);
        decode_exit(spec, &regs, res, &ctx, &mut args);
        let mut r = record("prctl", args, res);
        decode_result(spec, &regs, res, &ctx, &mut r);
        strace_line(&r)
    }

    #[test]
    fn names_signals_and_capabilities() {
        assert_eq!(
            prctl([15, BASE, 0, 0, 0], b"myname\0", 0),
            "prctl(PR_SET_NAME, \"myname\") = 0"
        );
        // The kernel keeps 15 bytes: strace shows that much and `...`.
        assert_eq!(
            prctl([15, BASE, 0, 0, 0], b"0123456789abcdefgh\0", 0),
            "prctl(PR_SET_NAME, \"0123456789abcde\"...) = 0"
        );
        assert_eq!(
            prctl([16, BASE, 0, 0, 0], b"worker\0\0\0\0\0\0\0\0\0\0", 0),
            "prctl(PR_GET_NAME, \"worker\") = 0"
        );
        // A failed PR_GET_NAME wrote nothing: the address.
        assert_eq!(
            prctl([16, BASE, 0, 0, 0], b"worker\0", -14),
            "prctl(PR_GET_NAME, 0x1000) = -1 EFAULT (Bad address)"
        );
        assert_eq!(
            prctl([1, 15, 0, 0, 0], b"", 0),
            "prctl(PR_SET_PDEATHSIG, SIGTERM) = 0"
        );
        assert_eq!(
            prctl([1, 200, 0, 0, 0], b"", -22),
            "prctl(PR_SET_PDEATHSIG, 200) = -1 EINVAL (Invalid argument)"
        );
        assert_eq!(
            prctl([2, BASE, 0, 0, 0], &15u32.to_ne_bytes(), 0),
            "prctl(PR_GET_PDEATHSIG, [SIGTERM]) = 0"
        );
        assert_eq!(
            prctl([23, 21, 0, 0, 0], b"", 1),
            "prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) = 1"
        );
        assert_eq!(
            prctl([24, 63, 0, 0, 0], b"", -22),
            "prctl(PR_CAPBSET_DROP, 0x3f /* CAP_??? */) = -1 EINVAL (Invalid argument)"
        );
    }

    #[test]
    fn flags_values_and_results() {
        assert_eq!(
            prctl([3, 0, 0, 0, 0], b"", 1),
            "prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)"
        );
        assert_eq!(
            prctl([4, 1, 0, 0, 0], b"", 0),
            "prctl(PR_SET_DUMPABLE, SUID_DUMP_USER) = 0"
        );
        assert_eq!(
            prctl([36, 1, 0, 0, 0], b"", 0),
            "prctl(PR_SET_CHILD_SUBREAPER, 1) = 0"
        );
        assert_eq!(
            prctl([37, BASE, 0, 0, 0], &1u32.to_ne_bytes(), 0),
            "prctl(PR_GET_CHILD_SUBREAPER, [1]) = 0"
        );
        assert_eq!(
            prctl([38, 1, 0, 0, 0], b"", 0),
            "prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) = 0"
        );
        assert_eq!(
            prctl([39, 0, 0, 0, 0], b"", 1),
            "prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) = 1"
        );
        assert_eq!(prctl([21, 0, 0, 0, 0], b"", 2), "prctl(PR_GET_SECCOMP) = 2");
        assert_eq!(
            prctl([27, 0, 0, 0, 0], b"", 0x11),
            "prctl(PR_GET_SECUREBITS) = 0x11 (SECBIT_NOROOT|SECBIT_KEEP_CAPS)"
        );
        assert_eq!(
            prctl([27, 0, 0, 0, 0], b"", 0),
            "prctl(PR_GET_SECUREBITS) = 0"
        );
        assert_eq!(
            prctl([0x5961_6d61, 0xffff_ffff_ffff_ffff, 0, 0, 0], b"", 0),
            "prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY) = 0"
        );
        // Unknown options: four hex arguments.
        assert_eq!(
            prctl([0x999, 1, 0x20, 0, 0], b"", -22),
            "prctl(0x999 /* PR_??? */, 0x1, 0x20, 0, 0) = -1 EINVAL (Invalid argument)"
        );
    }

    #[test]
    fn sub_commands() {
        let mut fprog = vec![0u8; 16];
        fprog[0..2].copy_from_slice(&4u16.to_ne_bytes());
        fprog[8..16].copy_from_slice(&0x5000u64.to_ne_bytes());
        assert_eq!(
            prctl([22, 2, BASE, 0, 0], &fprog, 0),
            "prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, {len=4, filter=0x5000}) = 0"
        );
        assert_eq!(
            prctl([22, 1, 0, 0, 0], b"", 0),
            "prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) = 0"
        );
        assert_eq!(
            prctl([47, 2, 12, 0, 0], b"", 0),
            "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0) = 0"
        );
        assert_eq!(
            prctl([47, 4, 0, 0, 0], b"", 0),
            "prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) = 0"
        );
        assert_eq!(
            prctl([0x5356_4d41, 0, 0x7000, 4096, BASE], b"heap\0", 0),
            "prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x7000, 4096, \"heap\") = 0"
        );
        assert_eq!(
            prctl([53, 0, 4, 0, 0], b"", 0),
            "prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE) = 0"
        );
        assert_eq!(
            prctl([52, 0, 0, 0, 0], b"", 9),
            "prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS) = 0x9 (PR_SPEC_PRCTL|PR_SPEC_FORCE_DISABLE)"
        );
    }
}
