//! clone and clone3, as strace prints them:
//! `clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f...)`
//! and `clone3({flags=CLONE_VM|..., exit_signal=0, stack=0x7f..., stack_size=0x7fff80, tls=0x7f...} => {parent_tid=[42]}, 88)`.
//!
//! clone's row is in strace's order, not the registers' (which differ per
//! architecture: `Arch::arg_order` maps them), so these decoders see
//! `regs` as `[child_stack, flags, parent_tid, tls, child_tidptr, _]`.
//! Which of the last three appear depends on the flags.

use super::decode::{Ctx, flags};
use super::flags::{CLONE_FLAGS, CLONE3_FLAGS, signal_name};
use super::types::Call;
use crate::record::Value;

const CLONE_PIDFD: u64 = 0x1000;
const CLONE_SETTLS: u64 = 0x80000;
const CLONE_PARENT_SETTID: u64 = 0x100000;
const CLONE_CHILD_CLEARTID: u64 = 0x200000;
const CLONE_CHILD_SETTID: u64 = 0x1000000;
const CLONE_INTO_CGROUP: u64 = 0x2_0000_0000;
/// The exit signal's byte of clone's flags.
const CSIGNAL: u64 = 0xff;

/// Row position of clone's flags.
const FLAGS: usize = 1;

fn clone_flags(c: &Call) -> u64 {
    c.regs[FLAGS] & !CSIGNAL
}

/// `CLONE_VM|...|SIGCHLD`: the flags, then the exit signal; the signal
/// alone (`SIGCHLD`, or `0`) when no flag is set.
pub fn flags_arg(_: &Ctx, c: &Call) -> Option<Value> {
    let fl = c.val & !CSIGNAL;
    let sig = c.val & CSIGNAL;
    let mut s = String::new();
    if fl != 0 {
        CLONE_FLAGS.format_flags(fl, &mut s);
        if sig != 0 {
            s.push('|');
            signal_name(sig, &mut s);
        }
    } else {
        signal_name(sig, &mut s);
    }
    Some(Value::Sym(s))
}

/// `parent_tid=[42]` (the child's tid, CLONE_PARENT_SETTID) or the pidfd
/// (CLONE_PIDFD), written by the kernel: read at exit.
pub fn parent_tid(ctx: &Ctx, c: &Call) -> Option<Value> {
    if clone_flags(c) & (CLONE_PARENT_SETTID | CLONE_PIDFD) == 0 {
        return None;
    }
    Some(match c.res {
        None => Value::NotCaptured(c.val),
        Some(_) => int_at(ctx, c.val),
    })
}

/// `tls=0x7f...`, with CLONE_SETTLS.
pub fn tls(_: &Ctx, c: &Call) -> Option<Value> {
    (clone_flags(c) & CLONE_SETTLS != 0).then_some(Value::Ptr(c.val))
}

/// `child_tidptr=0x7f...`, with CLONE_CHILD_SETTID or CLONE_CHILD_CLEARTID.
pub fn child_tidptr(_: &Ctx, c: &Call) -> Option<Value> {
    (clone_flags(c) & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0).then_some(Value::Ptr(c.val))
}

/// `[42]`: an int the kernel wrote.
fn int_at(ctx: &Ctx, addr: u64) -> Value {
    ctx.with_struct(addr, 4, |f| Value::Array {
        items: vec![Value::Int(f.i32(0))],
        truncated: false,
    })
}

/// `struct clone_args` as strace knows it (up to `cgroup`).
const CLONE_ARGS_SIZE: usize = 88;
/// The first version of the structure ends after `tls`.
const CLONE_ARGS_MIN: usize = 64;
/// Most set_tid entries strace shows (the kernel's limit too).
const MAX_SET_TID: u64 = 32;

/// clone3's `cl_args`: the structure at entry; at exit, what the kernel
/// wrote through it (`=> {parent_tid=[42]}`, the pidfd) when the flags ask.
pub fn clone3_args(ctx: &Ctx, c: &Call) -> Option<Value> {
    let size = c.regs[1];
    let fetch = (size.min(CLONE_ARGS_SIZE as u64)) as usize;
    if fetch < CLONE_ARGS_MIN {
        return if c.res.is_some() {
            None
        } else {
            Some(Value::Ptr(c.val))
        };
    }
    let b = match ctx.read_exact(c.val, fetch) {
        Ok(b) => b,
        Err(errno) => {
            return match (c.res, c.entry) {
                // The address was already shown at entry.
                (Some(_), Some(Value::Ptr(_) | Value::Fault { .. })) => None,
                (Some(_), Some(e)) => Some(Value::Changed(
                    Box::new(e.clone()),
                    Box::new(Value::Ptr(c.val)),
                )),
                _ => Some(if c.val == 0 {
                    Value::Ptr(0)
                } else {
                    Value::Fault { addr: c.val, errno }
                }),
            };
        }
    };
    let f = super::decode::Fields(&b);
    let fl = f.u64(0);
    if c.res.is_some() {
        let entry = c.entry?;
        let mut out = Vec::new();
        if fl & CLONE_PIDFD != 0 {
            out.push(("pidfd", int_at(ctx, f.u64(8))));
        }
        if fl & CLONE_PARENT_SETTID != 0 {
            out.push(("parent_tid", int_at(ctx, f.u64(24))));
        }
        if out.is_empty() {
            return None;
        }
        return Some(Value::Changed(
            Box::new(entry.clone()),
            Box::new(Value::Struct(out)),
        ));
    }
    let mut v = vec![("flags", flags(&CLONE3_FLAGS, fl))];
    if fl & CLONE_PIDFD != 0 {
        v.push(("pidfd", Value::Ptr(f.u64(8))));
    }
    if fl & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID) != 0 {
        v.push(("child_tid", Value::Ptr(f.u64(16))));
    }
    if fl & CLONE_PARENT_SETTID != 0 {
        v.push(("parent_tid", Value::Ptr(f.u64(24))));
    }
    let exit_signal = f.u64(32);
    v.push((
        "exit_signal",
        if exit_signal < i32::MAX as u64 {
            let mut s = String::new();
            signal_name(exit_signal, &mut s);
            Value::Sym(s)
        } else {
            Value::UInt(exit_signal)
        },
    ));
    v.push(("stack", Value::Ptr(f.u64(40))));
    v.push(("stack_size", Value::Hex(f.u64(48))));
    if fl & CLONE_SETTLS != 0 {
        v.push(("tls", Value::Ptr(f.u64(56))));
    }
    let (set_tid, set_tid_size) = (f.u64(64), f.u64(72));
    if set_tid != 0 || set_tid_size != 0 {
        let value = if set_tid == 0 || set_tid_size == 0 || set_tid_size > MAX_SET_TID {
            Value::Ptr(set_tid)
        } else {
            ctx.with_struct(set_tid, set_tid_size as usize * 4, |t| Value::Array {
                items: (0..set_tid_size as usize)
                    .map(|i| Value::Int(t.i32(4 * i)))
                    .collect(),
                truncated: false,
            })
        };
        v.push(("set_tid", value));
        v.push(("set_tid_size", Value::UInt(set_tid_size)));
    }
    let cgroup = f.u64(80);
    if fetch > 80 && (cgroup != 0 || fl & CLONE_INTO_CGROUP != 0) {
        v.push(("cgroup", Value::UInt(cgroup)));
    }
    Some(Value::Struct(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch;
    use crate::handlers::decode::testmem::Buf;
    use crate::handlers::decode::{decode_entry, decode_exit};
    use crate::handlers::table::lookup;
    use crate::record::tests::{record, strace_line, strace_string};
    use crate::record::{Arg, Args};

    const BASE: u64 = 0x1000;

    fn line(args: Args, name: &'static str, res: i64) -> String {
        strace_line(&record(name, args, res))
    }

    /// One clone call on `arch`, registers in that arch's order.
    fn clone_line(arch: &'static arch::Arch, regs: [u64; 6], mem: &Buf, res: i64) -> String {
        let ctx = Ctx {
            arch,
            mem,
            snaplen: 32,
        };
        let spec = lookup("clone").unwrap();
        let mut args = decode_entry(spec, &regs, &ctx);
        decode_exit(spec, &regs, res, &ctx, &mut args);
        line(args, "clone", res)
    }

    #[test]
    fn fork_like_clone_as_strace() {
        let m = Buf::at(BASE, vec![0; 8]);
        // glibc's fork: CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD,
        // child_tid in the x86_64 4th register.
        let regs = [0x1200011, 0, 0, 0x7f00_0000_0a10, 0, 0];
        assert_eq!(
            clone_line(&arch::X86_64, regs, &m, 42),
            "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 42"
        );
        // aarch64 keeps child_tid in the 5th register.
        let regs = [0x1200011, 0, 0, 0, 0x7f00_0000_0a10, 0];
        assert_eq!(
            clone_line(&arch::AARCH64, regs, &m, 42),
            "clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0000000a10) = 42"
        );
        // No flag but the signal; no signal at all.
        assert_eq!(
            clone_line(&arch::X86_64, [17, 0, 0, 0, 0, 0], &m, 7),
            "clone(child_stack=NULL, flags=SIGCHLD) = 7"
        );
        assert_eq!(
            clone_line(&arch::X86_64, [0, 0x5000, 0, 0, 0, 0], &m, 7),
            "clone(child_stack=0x5000, flags=0) = 7"
        );
    }

    #[test]
    fn thread_clone_reads_parent_tid_at_exit() {
        // CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|
        // CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID
        let fl = 0x3d0f00u64;
        let m = Buf::at(BASE, 4242i32.to_ne_bytes().to_vec());
        let want = "clone(child_stack=0x7000, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, parent_tid=[4242], tls=0x9000, child_tidptr=0x1000) = 4242";
        // x86_64: flags, stack, parent_tid, child_tid, tls.
        assert_eq!(
            clone_line(&arch::X86_64, [fl, 0x7000, BASE, BASE, 0x9000, 0], &m, 4242),
            want
        );
        // aarch64: flags, stack, parent_tid, tls, child_tid.
        assert_eq!(
            clone_line(
                &arch::AARCH64,
                [fl, 0x7000, BASE, 0x9000, BASE, 0],
                &m,
                4242
            ),
            want
        );
        // At entry the parent_tid is not written yet; after a failure it
        // stays an address.
        let ctx = m.ctx();
        let spec = lookup("clone").unwrap();
        let regs = [fl, 0x7000, BASE, BASE, 0x9000, 0];
        let mut args = decode_entry(spec, &regs, &ctx);
        assert_eq!(args[2].value, Value::NotCaptured(BASE));
        assert!(args[2].updated && !args[1].updated);
        decode_exit(spec, &regs, -11, &ctx, &mut args);
        assert_eq!(args[2].value, Value::NotCaptured(BASE));
        // Unreadable memory shows the address.
        let regs = [fl, 0x7000, 0x99, BASE, 0x9000, 0];
        let mut args = decode_entry(spec, &regs, &ctx);
        decode_exit(spec, &regs, 5, &ctx, &mut args);
        assert_eq!(strace_string(&args[2].value), "0x99");
    }

    #[test]
    fn raw_clone_arguments_follow_the_row() {
        let spec = lookup("clone").unwrap();
        let regs = [0x11, 0x22, 0x33, 0x44, 0x55, 0];
        let names = |a: &[Arg]| -> Vec<(&str, u64)> {
            a.iter()
                .map(|a| match a.value {
                    Value::Hex(v) => (a.name, v),
                    _ => (a.name, u64::MAX),
                })
                .collect()
        };
        let x = crate::handlers::decode::raw_args(spec, &regs, &arch::X86_64);
        assert_eq!(
            names(&x),
            [
                ("child_stack", 0x22),
                ("flags", 0x11),
                ("parent_tid", 0x33),
                ("tls", 0x55),
                ("child_tidptr", 0x44)
            ]
        );
        let a = crate::handlers::decode::raw_args(spec, &regs, &arch::AARCH64);
        assert_eq!(names(&a)[3..], [("tls", 0x44), ("child_tidptr", 0x55)]);
    }

    fn clone_args(fields: &[(usize, u64)]) -> Vec<u8> {
        let mut b = vec![0u8; 128];
        for &(off, v) in fields {
            b[off..off + 8].copy_from_slice(&v.to_ne_bytes());
        }
        b
    }

    fn clone3_line(b: Vec<u8>, size: u64, res: i64) -> String {
        let m = Buf::at(BASE, b);
        let ctx = m.ctx();
        let spec = lookup("clone3").unwrap();
        let regs = [BASE, size, 0, 0, 0, 0];
        let mut args = decode_entry(spec, &regs, &ctx);
        decode_exit(spec, &regs, res, &ctx, &mut args);
        line(args, "clone3", res)
    }

    #[test]
    fn clone3_as_glibc_creates_a_thread() {
        // pthread_create: parent_tid and child_tid point at the same word
        // (here at BASE+96, holding the tid the kernel wrote).
        let mut b = clone_args(&[
            (0, 0x3d0f00),
            (16, BASE + 96),
            (24, BASE + 96),
            (40, 0x7f00_0000),
            (48, 0x7fff80),
            (56, 0x7f00_36c0),
        ]);
        b[96..100].copy_from_slice(&6168i32.to_ne_bytes());
        assert_eq!(
            clone3_line(b, 88, 6168),
            "clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x1060, parent_tid=0x1060, exit_signal=0, stack=0x7f000000, stack_size=0x7fff80, tls=0x7f0036c0} => {parent_tid=[6168]}, 88) = 6168"
        );
    }

    #[test]
    fn clone3_fork_pidfd_set_tid_and_short_structures() {
        let mut b = clone_args(&[
            (0, CLONE_PIDFD | 0x80 | CLONE_INTO_CGROUP),
            (8, BASE + 100),
            (32, 17),
            (64, BASE + 104),
            (72, 2),
            (80, 5),
        ]);
        b[100..104].copy_from_slice(&3i32.to_ne_bytes());
        b[104..108].copy_from_slice(&7i32.to_ne_bytes());
        b[108..112].copy_from_slice(&1i32.to_ne_bytes());
        assert_eq!(
            clone3_line(b.clone(), 88, 9),
            "clone3({flags=CLONE_PIDFD|CLONE_NEWTIME|CLONE_INTO_CGROUP, pidfd=0x1064, exit_signal=SIGCHLD, stack=NULL, stack_size=0, set_tid=[7, 1], set_tid_size=2, cgroup=5} => {pidfd=[3]}, 88) = 9"
        );
        // The first version of the structure has no cgroup.
        assert_eq!(
            clone3_line(b.clone(), 64, -22),
            "clone3({flags=CLONE_PIDFD|CLONE_NEWTIME|CLONE_INTO_CGROUP, pidfd=0x1064, exit_signal=SIGCHLD, stack=NULL, stack_size=0}, 64) = -1 EINVAL (Invalid argument)"
        );
        // Smaller than that: the address.
        assert_eq!(
            clone3_line(b, 40, -22),
            "clone3(0x1000, 40) = -1 EINVAL (Invalid argument)"
        );
        // A structure the tracee cannot read.
        assert_eq!(
            clone3_line(vec![0; 10], 88, -14),
            "clone3(0x1000, 88) = -1 EFAULT (Bad address)"
        );
    }
}
