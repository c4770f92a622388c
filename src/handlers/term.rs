//! Terminal structures of the tty ioctls, as strace prints them without
//! `-v`: `struct termios` (TCGETS, TCSETS*) as
//! `{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|..., ...}`,
//! `struct termio` (TCGETA, TCSETA*) the same way, and the modem bits.
//! The values are asm-generic's, shared by x86_64 and aarch64.

use super::decode::Ctx;
use super::xlat::Xlat;
use crate::record::{MORE, Value};

static IFLAGS: Xlat = Xlat::new(&[
    (0x1, "IGNBRK"),
    (0x2, "BRKINT"),
    (0x4, "IGNPAR"),
    (0x8, "PARMRK"),
    (0x10, "INPCK"),
    (0x20, "ISTRIP"),
    (0x40, "INLCR"),
    (0x80, "IGNCR"),
    (0x100, "ICRNL"),
    (0x200, "IUCLC"),
    (0x400, "IXON"),
    (0x800, "IXANY"),
    (0x1000, "IXOFF"),
    (0x2000, "IMAXBEL"),
    (0x4000, "IUTF8"),
]);

static OFLAGS: Xlat = Xlat::new(&[
    (0x1, "OPOST"),
    (0x2, "OLCUC"),
    (0x4, "ONLCR"),
    (0x8, "OCRNL"),
    (0x10, "ONOCR"),
    (0x20, "ONLRET"),
    (0x40, "OFILL"),
    (0x80, "OFDEL"),
]);

/// The delay fields of c_oflag, each shown by name before the flags:
/// `(mask, values, name for a value not listed)`.
static ODELAYS: &[(u64, Xlat, &str)] = &[
    (0x100, Xlat::new(&[(0, "NL0"), (0x100, "NL1")]), "NL?"),
    (
        0x600,
        Xlat::new(&[(0, "CR0"), (0x200, "CR1"), (0x400, "CR2"), (0x600, "CR3")]),
        "CR?",
    ),
    (
        0x1800,
        Xlat::new(&[
            (0, "TAB0"),
            (0x800, "TAB1"),
            (0x1000, "TAB2"),
            (0x1800, "TAB3"),
        ]),
        "TAB?",
    ),
    (0x2000, Xlat::new(&[(0, "BS0"), (0x2000, "BS1")]), "BS?"),
    (0x4000, Xlat::new(&[(0, "VT0"), (0x4000, "VT1")]), "VT?"),
    (0x8000, Xlat::new(&[(0, "FF0"), (0x8000, "FF1")]), "FF?"),
];

const CBAUD: u64 = 0x100f;
const CIBAUD: u64 = 0x100f_0000;
const IBSHIFT: u32 = 16;
const CSIZE: u64 = 0x30;

static BAUDS: Xlat = Xlat::new(&[
    (0x0, "B0"),
    (0x1, "B50"),
    (0x2, "B75"),
    (0x3, "B110"),
    (0x4, "B134"),
    (0x5, "B150"),
    (0x6, "B200"),
    (0x7, "B300"),
    (0x8, "B600"),
    (0x9, "B1200"),
    (0xa, "B1800"),
    (0xb, "B2400"),
    (0xc, "B4800"),
    (0xd, "B9600"),
    (0xe, "B19200"),
    (0xf, "B38400"),
    (0x1000, "BOTHER"),
    (0x1001, "B57600"),
    (0x1002, "B115200"),
    (0x1003, "B230400"),
    (0x1004, "B460800"),
    (0x1005, "B500000"),
    (0x1006, "B576000"),
    (0x1007, "B921600"),
    (0x1008, "B1000000"),
    (0x1009, "B1152000"),
    (0x100a, "B1500000"),
    (0x100b, "B2000000"),
    (0x100c, "B2500000"),
    (0x100d, "B3000000"),
    (0x100e, "B3500000"),
    (0x100f, "B4000000"),
]);

static CSIZES: Xlat = Xlat::new(&[(0, "CS5"), (0x10, "CS6"), (0x20, "CS7"), (0x30, "CS8")]);

static CFLAGS: Xlat = Xlat::new(&[
    (0x40, "CSTOPB"),
    (0x80, "CREAD"),
    (0x100, "PARENB"),
    (0x200, "PARODD"),
    (0x400, "HUPCL"),
    (0x800, "CLOCAL"),
    (0x4000_0000, "CMSPAR"),
    (0x8000_0000, "CRTSCTS"),
]);

/// In strace's order (not the values').
static LFLAGS: Xlat = Xlat::new(&[
    (0x1, "ISIG"),
    (0x2, "ICANON"),
    (0x4, "XCASE"),
    (0x8, "ECHO"),
    (0x10, "ECHOE"),
    (0x20, "ECHOK"),
    (0x40, "ECHONL"),
    (0x80, "NOFLSH"),
    (0x8000, "IEXTEN"),
    (0x200, "ECHOCTL"),
    (0x400, "ECHOPRT"),
    (0x800, "ECHOKE"),
    (0x1000, "FLUSHO"),
    (0x4000, "PENDIN"),
    (0x100, "TOSTOP"),
    (0x10000, "EXTPROC"),
]);

/// TIOCMGET/TIOCMSET's modem lines.
pub static MODEM_FLAGS: Xlat = Xlat::new(&[
    (0x1, "TIOCM_LE"),
    (0x2, "TIOCM_DTR"),
    (0x4, "TIOCM_RTS"),
    (0x8, "TIOCM_ST"),
    (0x10, "TIOCM_SR"),
    (0x20, "TIOCM_CTS"),
    (0x40, "TIOCM_CAR"),
    (0x80, "TIOCM_RNG"),
    (0x100, "TIOCM_DSR"),
    (0x2000, "TIOCM_OUT1"),
    (0x4000, "TIOCM_OUT2"),
    (0x8000, "TIOCM_LOOP"),
]);

/// TCXONC's action.
pub static TCXONC: Xlat = Xlat::new(&[(0, "TCOOFF"), (1, "TCOON"), (2, "TCIOFF"), (3, "TCION")]);

/// TCFLSH's queue.
pub static TCFLSH: Xlat = Xlat::new(&[(0, "TCIFLUSH"), (1, "TCOFLUSH"), (2, "TCIOFLUSH")]);

/// `NAME` from `x`, else strace's `dfl`-less fallback: the value in hex.
fn one_of(x: &Xlat, v: u64, dfl: &str, out: &mut String) {
    match x.name(v) {
        Some(n) => out.push_str(n),
        None => out.push_str(&format!("{v:#x} /* {dfl} */")),
    }
}

fn oflag(v: u64) -> String {
    let mut s = String::new();
    let mut rest = v;
    for (mask, x, dfl) in ODELAYS {
        one_of(x, v & mask, dfl, &mut s);
        s.push('|');
        rest &= !mask;
    }
    OFLAGS.format_flags(rest, &mut s);
    s
}

fn cflag(v: u64) -> String {
    let mut s = String::new();
    one_of(&BAUDS, v & CBAUD, "B???", &mut s);
    s.push('|');
    if v & CIBAUD != 0 {
        one_of(&BAUDS, (v & CIBAUD) >> IBSHIFT, "B???", &mut s);
        s.push_str("<<IBSHIFT|");
    }
    one_of(&CSIZES, v & CSIZE, "CS?", &mut s);
    s.push('|');
    CFLAGS.format_flags(v & !(CBAUD | CIBAUD | CSIZE), &mut s);
    s
}

fn flags_fields(i: u64, o: u64, c: u64, l: u64) -> Value {
    let f = |x: &Xlat, v: u64| {
        let mut s = String::new();
        x.format_flags(v, &mut s);
        Value::Sym(s)
    };
    Value::Struct(vec![
        ("c_iflag", f(&IFLAGS, i)),
        ("c_oflag", Value::Sym(oflag(o))),
        ("c_cflag", Value::Sym(cflag(c))),
        ("c_lflag", f(&LFLAGS, l)),
        (MORE, Value::Ptr(0)),
    ])
}

/// The kernel's `struct termios`: four u32 flag words, c_line, c_cc[19].
pub fn termios(ctx: &Ctx, addr: u64) -> Value {
    ctx.with_struct(addr, 36, |f| {
        flags_fields(f.u32(0), f.u32(4), f.u32(8), f.u32(12))
    })
}

/// `struct termio`: four u16 flag words, c_line, c_cc[8].
pub fn termio(ctx: &Ctx, addr: u64) -> Value {
    ctx.with_struct(addr, 18, |f| {
        flags_fields(f.u16(0), f.u16(2), f.u16(4), f.u16(6))
    })
}

/// `[TIOCM_DTR|TIOCM_RTS]`.
pub fn modem(ctx: &Ctx, addr: u64) -> Value {
    ctx.with_struct(addr, 4, |f| {
        let mut s = String::new();
        MODEM_FLAGS.format_flags(f.u32(0), &mut s);
        Value::Array {
            items: vec![Value::Sym(s)],
            truncated: false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    fn words(w: &[u32], len: usize) -> Vec<u8> {
        let mut b: Vec<u8> = w.iter().flat_map(|x| x.to_ne_bytes()).collect();
        b.resize(len, 0);
        b
    }

    #[test]
    fn termios_as_a_pty_starts() {
        // What a fresh pty's TCGETS returns (strace's line in the comment
        // of the test in tests/strace_diff.rs).
        let m = Buf::at(0x1000, words(&[0x500, 0x5, 0xbf, 0x8a3b], 36));
        assert_eq!(
            strace_string(&termios(&m.ctx(), 0x1000)),
            "{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}"
        );
        // Raw mode, an input speed, unknown bits.
        let m = Buf::at(
            0x1000,
            words(&[0, 0x1800, 0x000d_08b0 | 0x0800_0000, 0], 36),
        );
        assert_eq!(
            strace_string(&termios(&m.ctx(), 0x1000)),
            "{c_iflag=0, c_oflag=NL0|CR0|TAB3|BS0|VT0|FF0|0, c_cflag=B0|B9600<<IBSHIFT|CS8|CREAD|CLOCAL|0x8000000, c_lflag=0, ...}"
        );
        // Too short to read: the address.
        let m = Buf::at(0x1000, vec![0; 20]);
        assert_eq!(strace_string(&termios(&m.ctx(), 0x1000)), "0x1000");
    }

    #[test]
    fn termio_and_modem() {
        let mut b = Vec::new();
        for w in [0x500u16, 0x5, 0xbf, 0x8a3b] {
            b.extend_from_slice(&w.to_ne_bytes());
        }
        b.resize(18, 0);
        let m = Buf::at(0x1000, b);
        assert_eq!(
            strace_string(&termio(&m.ctx(), 0x1000)),
            "{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, ...}"
        );
        let m = Buf::at(0x1000, 6u32.to_ne_bytes().to_vec());
        assert_eq!(
            strace_string(&modem(&m.ctx(), 0x1000)),
            "[TIOCM_DTR|TIOCM_RTS]"
        );
    }
}
