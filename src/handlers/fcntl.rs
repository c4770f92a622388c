//! fcntl's third argument, which depends on the command, and ioctl's,
//! which depends on the request.

use super::decode::{Ctx, enum_, flags};
use super::flags::SEEK_WHENCE;
use super::types::{Call, ResDecoded};
use super::xlat::Xlat;
use crate::record::Value;

static FD_FLAGS: Xlat = Xlat::new(&[(1, "FD_CLOEXEC")]);

static LOCK_TYPES: Xlat = Xlat::new(&[(0, "F_RDLCK"), (1, "F_WRLCK"), (2, "F_UNLCK")]);

static SEALS: Xlat = Xlat::new(&[
    (1, "F_SEAL_SEAL"),
    (2, "F_SEAL_SHRINK"),
    (4, "F_SEAL_GROW"),
    (8, "F_SEAL_WRITE"),
    (0x10, "F_SEAL_FUTURE_WRITE"),
    (0x20, "F_SEAL_EXEC"),
]);

static DN_FLAGS: Xlat = Xlat::new(&[
    (1, "DN_ACCESS"),
    (2, "DN_MODIFY"),
    (4, "DN_CREATE"),
    (8, "DN_DELETE"),
    (0x10, "DN_RENAME"),
    (0x20, "DN_ATTRIB"),
    (0x8000_0000, "DN_MULTISHOT"),
]);

/// fcntl's `arg`, by command (`cmd` is the second argument).
pub fn fcntl_arg(ctx: &Ctx, c: &Call) -> Option<Value> {
    let r = c.val;
    Some(match c.regs[1] as u32 {
        // The F_GET* commands take no argument: strace omits it.
        1 | 3 | 9 | 11 | 16 | 17 | 1025 | 1032 | 1034 | 1035 | 1037 => return None,
        2 => flags(&FD_FLAGS, r),
        4 => flags(ctx.arch.open_flags, r & 0xffff_ffff),
        0 | 1030 | 8 | 10 | 1031 | 1027 => Value::Int(r as i32 as i64),
        5..=7 | 36..=38 => flock(ctx, r),
        1024 => enum_(&LOCK_TYPES, r),
        1026 => flags(&DN_FLAGS, r & 0xffff_ffff),
        1033 => flags(&SEALS, r & 0xffff_ffff),
        _ => Value::Hex(r),
    })
}

/// What fcntl's F_GET* commands return, as strace shows it after the
/// result (in hex): `0x8002 (flags O_RDWR|O_LARGEFILE)`, `0x1 (flags
/// FD_CLOEXEC)`, `0x2 (F_UNLCK)`. No flags set (F_GETFD, F_GET_SEALS
/// returning 0) shows a plain `0`.
pub fn fcntl_res(ctx: &Ctx, regs: &[u64; 6], res: i64) -> Option<ResDecoded> {
    let r = res as u64;
    let named = |prefix: &str, x: &Xlat, v: u64| {
        let mut s = String::from(prefix);
        x.format_flags(v, &mut s);
        Value::Sym(s)
    };
    let value = match regs[1] as u32 {
        1 if res != 0 => named("flags ", &FD_FLAGS, r),
        3 => named("flags ", ctx.arch.open_flags, r & 0xffff_ffff),
        1025 => Value::Sym(LOCK_TYPES.name(r)?.into()),
        1034 if res != 0 => named("seals ", &SEALS, r & 0xffff_ffff),
        _ => return None,
    };
    Some(ResDecoded { value, hex: true })
}

fn flock(ctx: &Ctx, addr: u64) -> Value {
    ctx.with_struct(addr, 32, |f| {
        Value::Struct(vec![
            ("l_type", enum_(&LOCK_TYPES, f.i16(0) as u64)),
            ("l_whence", enum_(&SEEK_WHENCE, f.i16(2) as u64)),
            ("l_start", Value::Int(f.i64(8))),
            ("l_len", Value::Int(f.i64(16))),
        ])
    })
}

/// Requests whose argument is an `int *` the caller fills.
const INT_IN: &[u32] = &[
    0x5421, /* FIONBIO */
    0x5452, /* FIOASYNC */
    0x5410, /* TIOCSPGRP */
];
/// Requests whose argument is an `int *` the kernel fills.
const INT_OUT: &[u32] = &[
    0x541b,     /* FIONREAD */
    0x540f,     /* TIOCGPGRP */
    0x5411,     /* TIOCOUTQ */
    0x80045430, /* TIOCGPTN */
];
/// Requests without an argument.
const NO_ARG: &[u32] = &[
    0x5450, /* FIONCLEX */
    0x5451, /* FIOCLEX */
    0x5422, /* TIOCNOTTY */
];
/// Requests whose argument is a descriptor (FICLONE).
const FD_ARG: &[u32] = &[0x40049409];
const TIOCGWINSZ: u32 = 0x5413;
const TIOCSWINSZ: u32 = 0x5414;

fn winsize(ctx: &Ctx, addr: u64) -> Value {
    ctx.with_struct(addr, 8, |f| {
        Value::Struct(vec![
            ("ws_row", Value::UInt(f.u16(0))),
            ("ws_col", Value::UInt(f.u16(2))),
            ("ws_xpixel", Value::UInt(f.u16(4))),
            ("ws_ypixel", Value::UInt(f.u16(6))),
        ])
    })
}

fn int_array(ctx: &Ctx, addr: u64) -> Value {
    ctx.with_struct(addr, 4, |f| Value::Array {
        items: vec![Value::Int(f.i32(0))],
        truncated: false,
    })
}

/// ioctl's `arg` (in/out): what the caller passes at entry, what the
/// kernel wrote at exit; a plain address for requests not decoded.
pub fn ioctl_arg(ctx: &Ctx, c: &Call) -> Option<Value> {
    let req = c.regs[1] as u32;
    let exit = c.res.is_some();
    if NO_ARG.contains(&req) {
        return None;
    }
    if FD_ARG.contains(&req) {
        return if exit {
            None
        } else {
            Some(Value::Int(c.val as i32 as i64))
        };
    }
    let int_now = if exit { INT_OUT } else { INT_IN };
    Some(if int_now.contains(&req) {
        int_array(ctx, c.val)
    } else if req == TIOCGWINSZ && exit || req == TIOCSWINSZ && !exit {
        winsize(ctx, c.val)
    } else if exit {
        return None;
    } else {
        Value::Ptr(c.val)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    fn show(f: super::super::types::DecodeFn, regs: [u64; 6], res: Option<i64>) -> String {
        let mut b = vec![0u8; 32];
        b[0..4].copy_from_slice(&1i32.to_ne_bytes());
        let m = Buf::at(0x1000, b);
        let ctx = m.ctx();
        let c = Call {
            val: regs[2],
            regs: &regs,
            res,
            entry: None,
        };
        match f(&ctx, &c) {
            Some(v) => strace_string(&v),
            None => "omitted".into(),
        }
    }

    #[test]
    fn fcntl_commands() {
        assert_eq!(show(fcntl_arg, [3, 1, 0, 0, 0, 0], None), "omitted");
        assert_eq!(show(fcntl_arg, [3, 2, 1, 0, 0, 0], None), "FD_CLOEXEC");
        assert_eq!(
            show(fcntl_arg, [3, 4, 0o4002, 0, 0, 0], None),
            "O_RDWR|O_NONBLOCK"
        );
        assert_eq!(
            show(fcntl_arg, [3, 4, 0x4000_0000, 0, 0, 0], None),
            "O_RDONLY|0x40000000"
        );
        assert_eq!(show(fcntl_arg, [3, 1030, 10, 0, 0, 0], None), "10");
        assert_eq!(
            show(fcntl_arg, [3, 6, 0x1000, 0, 0, 0], None),
            "{l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}"
        );
        assert_eq!(show(fcntl_arg, [3, 6, 0x2000, 0, 0, 0], None), "0x2000");
    }

    fn res(regs: [u64; 6], res: i64) -> Option<(String, bool)> {
        let m = Buf::at(0x1000, vec![]);
        let ctx = m.ctx();
        fcntl_res(&ctx, &regs, res).map(|d| (strace_string(&d.value), d.hex))
    }

    /// As `strace -e trace=fcntl` shows F_GETFL/F_GETFD/F_GETLEASE results.
    #[test]
    fn fcntl_results() {
        let flags = |s: &str| Some((s.to_string(), true));
        assert_eq!(
            res([3, 3, 0, 0, 0, 0], 0x8002),
            flags("flags O_RDWR|O_LARGEFILE")
        );
        assert_eq!(res([3, 3, 0, 0, 0, 0], 0), flags("flags O_RDONLY"));
        assert_eq!(res([3, 1, 0, 0, 0, 0], 1), flags("flags FD_CLOEXEC"));
        assert_eq!(res([3, 1, 0, 0, 0, 0], 0), None);
        assert_eq!(res([3, 1025, 0, 0, 0, 0], 2), flags("F_UNLCK"));
        assert_eq!(res([3, 1025, 0, 0, 0, 0], 7), None);
        assert_eq!(
            res([3, 1034, 0, 0, 0, 0], 5),
            flags("seals F_SEAL_SEAL|F_SEAL_GROW")
        );
        assert_eq!(res([3, 0, 10, 0, 0, 0], 11), None);
    }

    #[test]
    fn ioctl_requests() {
        assert_eq!(show(ioctl_arg, [3, 0x5421, 0x1000, 0, 0, 0], None), "[1]");
        assert_eq!(
            show(ioctl_arg, [3, 0x541b, 0x1000, 0, 0, 0], None),
            "0x1000"
        );
        assert_eq!(
            show(ioctl_arg, [3, 0x541b, 0x1000, 0, 0, 0], Some(0)),
            "[1]"
        );
        assert_eq!(
            show(ioctl_arg, [1, 0x5413, 0x1000, 0, 0, 0], Some(0)),
            "{ws_row=1, ws_col=0, ws_xpixel=0, ws_ypixel=0}"
        );
        assert_eq!(show(ioctl_arg, [1, 0x5451, 0, 0, 0, 0], None), "omitted");
        assert_eq!(
            show(ioctl_arg, [1, 0x5401, 0x9999, 0, 0, 0], None),
            "0x9999"
        );
    }
}
