//! fcntl's third argument, which depends on the command, and ioctl's,
//! which depends on the request.

use super::decode::{Ctx, enum_, flags};
use super::flags::SEEK_WHENCE;
use super::term;
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

/// How ioctl shows its third argument for a request.
#[derive(Clone, Copy)]
enum Io {
    /// Not shown (FIOCLEX, TIOCNOTTY).
    NoArg,
    /// A descriptor (FICLONE).
    Fd,
    /// The value itself, decimal (TCSBRK, TIOCSCTTY).
    Int,
    /// The value itself, named from a table (TCXONC, TCFLSH).
    Enum(&'static Xlat),
    /// What the caller passes: read at entry.
    In(fn(&Ctx, u64) -> Value),
    /// What the kernel fills: read at exit (the address before, and after
    /// a failure).
    Out(fn(&Ctx, u64) -> Value),
}

/// `(request, argument)`, as strace's term_ioctl and friends decode them
/// (asm-generic numbers, shared by x86_64 and aarch64). Requests not
/// listed show the address.
static IOCTL_ARGS: &[(u32, Io)] = &[
    (0x5401, Io::Out(term::termios)), // TCGETS
    (0x5402, Io::In(term::termios)),  // TCSETS
    (0x5403, Io::In(term::termios)),  // TCSETSW
    (0x5404, Io::In(term::termios)),  // TCSETSF
    (0x5405, Io::Out(term::termio)),  // TCGETA
    (0x5406, Io::In(term::termio)),   // TCSETA
    (0x5407, Io::In(term::termio)),   // TCSETAW
    (0x5408, Io::In(term::termio)),   // TCSETAF
    (0x5409, Io::Int),                // TCSBRK
    (0x540a, Io::Enum(&term::TCXONC)),
    (0x540b, Io::Enum(&term::TCFLSH)),
    (0x540c, Io::NoArg),               // TIOCEXCL
    (0x540d, Io::NoArg),               // TIOCNXCL
    (0x540e, Io::Int),                 // TIOCSCTTY
    (0x540f, Io::Out(int_array)),      // TIOCGPGRP
    (0x5410, Io::In(int_array)),       // TIOCSPGRP
    (0x5411, Io::Out(int_array)),      // TIOCOUTQ
    (0x5412, Io::In(one_char)),        // TIOCSTI
    (0x5413, Io::Out(winsize)),        // TIOCGWINSZ
    (0x5414, Io::In(winsize)),         // TIOCSWINSZ
    (0x5415, Io::Out(term::modem)),    // TIOCMGET
    (0x5416, Io::In(term::modem)),     // TIOCMBIS
    (0x5417, Io::In(term::modem)),     // TIOCMBIC
    (0x5418, Io::In(term::modem)),     // TIOCMSET
    (0x5419, Io::Out(int_array)),      // TIOCGSOFTCAR
    (0x541a, Io::In(int_array)),       // TIOCSSOFTCAR
    (0x541b, Io::Out(int_array)),      // FIONREAD
    (0x541d, Io::NoArg),               // TIOCCONS
    (0x5420, Io::In(int_array)),       // TIOCPKT
    (0x5421, Io::In(int_array)),       // FIONBIO
    (0x5422, Io::NoArg),               // TIOCNOTTY
    (0x5423, Io::In(int_array)),       // TIOCSETD
    (0x5424, Io::Out(int_array)),      // TIOCGETD
    (0x5425, Io::Int),                 // TCSBRKP
    (0x5427, Io::NoArg),               // TIOCSBRK
    (0x5428, Io::NoArg),               // TIOCCBRK
    (0x5429, Io::Out(int_array)),      // TIOCGSID
    (0x5437, Io::NoArg),               // TIOCVHANGUP
    (0x5450, Io::NoArg),               // FIONCLEX
    (0x5451, Io::NoArg),               // FIOCLEX
    (0x5452, Io::In(int_array)),       // FIOASYNC
    (0x5456, Io::Out(term::termios)),  // TIOCGLCKTRMIOS
    (0x5457, Io::In(term::termios)),   // TIOCSLCKTRMIOS
    (0x8004_5430, Io::Out(int_array)), // TIOCGPTN
    (0x4004_5431, Io::In(int_array)),  // TIOCSPTLCK
    (0x8004_5432, Io::Out(int_array)), // TIOCGDEV
    (0x8004_5440, Io::Out(int_array)), // TIOCGEXCL
    (0x4004_9409, Io::Fd),             // FICLONE
];

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

/// TIOCSTI's character: `"x"`.
fn one_char(ctx: &Ctx, addr: u64) -> Value {
    ctx.with_struct(addr, 1, |f| Value::Bytes {
        data: vec![f.u8(0) as u8],
        truncated: false,
    })
}

/// ioctl's `arg` (in/out): what the caller passes at entry, what the
/// kernel wrote at exit; a plain address for requests not decoded.
pub fn ioctl_arg(ctx: &Ctx, c: &Call) -> Option<Value> {
    // The request is an unsigned int.
    let req = c.regs[1] as u32;
    let io = IOCTL_ARGS
        .iter()
        .find(|(r, _)| *r == req)
        .map(|(_, io)| *io);
    let exit = c.res.is_some();
    match io {
        Some(Io::NoArg) => None,
        Some(Io::Out(f)) if exit => Some(f(ctx, c.val)),
        // The rest was shown at entry.
        _ if exit => None,
        Some(Io::Fd | Io::Int) => Some(Value::Int(c.val as i32 as i64)),
        Some(Io::Enum(x)) => Some(enum_(x, c.val)),
        Some(Io::In(f)) => Some(f(ctx, c.val)),
        Some(Io::Out(_)) | None => Some(Value::Ptr(c.val)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    fn show(f: super::super::types::DecodeFn, regs: [u64; 6], res: Option<i64>) -> String {
        let mut b = vec![0u8; 64];
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
        // Terminal requests: TCGETS at exit, TCSETSW at entry (the buffer's
        // first word, 1, is IGNBRK), direct and one-byte arguments.
        let termios = "{c_iflag=IGNBRK, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|0, c_cflag=B0|CS5|0, c_lflag=0, ...}";
        assert_eq!(
            show(ioctl_arg, [0, 0x5401, 0x1000, 0, 0, 0], Some(0)),
            termios
        );
        assert_eq!(show(ioctl_arg, [0, 0x5403, 0x1000, 0, 0, 0], None), termios);
        assert_eq!(
            show(ioctl_arg, [0, 0x5403, 0x1000, 0, 0, 0], Some(0)),
            "omitted"
        );
        assert_eq!(show(ioctl_arg, [0, 0x540b, 2, 0, 0, 0], None), "TCIOFLUSH");
        assert_eq!(show(ioctl_arg, [0, 0x540e, 1, 0, 0, 0], None), "1");
        assert_eq!(
            show(ioctl_arg, [0, 0x5412, 0x1000, 0, 0, 0], None),
            "\"\\1\""
        );
        assert_eq!(
            show(ioctl_arg, [0, 0x540f, 0x1000, 0, 0, 0], Some(0)),
            "[1]"
        );
        // The request is 32 bits: garbage above them does not matter.
        assert_eq!(
            show(
                ioctl_arg,
                [0, 0xffff_0000_0000_540f, 0x1000, 0, 0, 0],
                Some(0)
            ),
            "[1]"
        );
    }
}
