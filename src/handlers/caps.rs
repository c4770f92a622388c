//! capget/capset's header and data, as strace prints them:
//! `capget({version=_LINUX_CAPABILITY_VERSION_3, pid=0}, {effective=1<<CAP_CHOWN|..., permitted=..., inheritable=0})`.

use super::decode::Ctx;
use super::flags::CAPABILITIES;
use super::types::Call;
use super::xlat::Xlat;
use crate::record::Value;
use std::fmt::Write;

const VERSION_1: u64 = 0x1998_0330;
const VERSION_2: u64 = 0x2007_1026;
const VERSION_3: u64 = 0x2008_0522;

static VERSIONS: Xlat = Xlat::new(&[
    (VERSION_1, "_LINUX_CAPABILITY_VERSION_1"),
    (VERSION_2, "_LINUX_CAPABILITY_VERSION_2"),
    (VERSION_3, "_LINUX_CAPABILITY_VERSION_3"),
]);

/// `cap_user_header_t`: `{version=..., pid=0}`.
pub fn header(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 8, |f| {
        let v = f.u32(0);
        Value::Struct(vec![
            (
                "version",
                match VERSIONS.name(v) {
                    Some(n) => Value::Sym(n.into()),
                    None => Value::Sym(format!("{v:#x} /* _LINUX_CAPABILITY_VERSION_??? */")),
                },
            ),
            ("pid", Value::Int(f.i32(4))),
        ])
    }))
}

/// One 64-bit set from its two 32-bit words: `1<<CAP_CHOWN|1<<CAP_KILL`,
/// `0` when empty (strace's `print_cap_bits`; the high word's bits are
/// named as capabilities 32 and up).
fn cap_bits(lo: u64, hi: u64) -> Value {
    let mut s = String::new();
    let word = |w: u64, base: u64, s: &mut String| {
        let mut unknown = 0u64;
        let mut known = false;
        for bit in 0..32 {
            if w & (1 << bit) == 0 {
                continue;
            }
            match CAPABILITIES.name(base + bit) {
                Some(n) => {
                    known = true;
                    if !s.is_empty() {
                        s.push('|');
                    }
                    s.push_str("1<<");
                    s.push_str(n);
                }
                None => unknown |= 1 << bit,
            }
        }
        if unknown != 0 {
            if !s.is_empty() {
                s.push('|');
            }
            let _ = write!(s, "{unknown:#x}");
            // strace names the unknown only when nothing else is.
            if !known {
                s.push_str(" /* CAP_??? */");
            }
        }
    };
    word(lo, 0, &mut s);
    word(hi, 32, &mut s);
    if s.is_empty() {
        s.push('0');
    }
    Value::Sym(s)
}

/// `cap_user_data_t`: one structure (version 1) or two (versions 2 and
/// 3, the high words), read after the header at `hdr`. The address when
/// the header cannot be read (strace needs its version too).
fn data(ctx: &Ctx, hdr: u64, addr: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    let version = match ctx.read_exact(hdr, 4) {
        Ok(b) => u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as u64,
        Err(_) => return Value::Ptr(addr),
    };
    let n = if version == VERSION_2 || version == VERSION_3 {
        2
    } else {
        1
    };
    ctx.with_struct(addr, 12 * n, |f| {
        let hi = |at: usize| if n > 1 { f.u32(12 + at) } else { 0 };
        Value::Struct(vec![
            ("effective", cap_bits(f.u32(0), hi(0))),
            ("permitted", cap_bits(f.u32(4), hi(4))),
            ("inheritable", cap_bits(f.u32(8), hi(8))),
        ])
    })
}

/// capset's data, read at entry.
pub fn data_in(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(data(ctx, c.regs[0], c.val))
}

/// capget's data, written by the kernel: read at exit.
pub fn data_out(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(data(ctx, c.regs[0], c.val))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    fn show(f: super::super::types::DecodeFn, bytes: Vec<u8>, regs: [u64; 6]) -> String {
        let m = Buf::at(0x1000, bytes);
        let ctx = m.ctx();
        let c = Call {
            val: regs[1],
            regs: &regs,
            res: Some(0),
            entry: None,
        };
        strace_string(&f(&ctx, &c).unwrap())
    }

    fn mem(version: u32, words: &[u32]) -> Vec<u8> {
        let mut b = version.to_ne_bytes().to_vec();
        b.extend_from_slice(&0i32.to_ne_bytes());
        for w in words {
            b.extend_from_slice(&w.to_ne_bytes());
        }
        b
    }

    #[test]
    fn header_and_sets() {
        let b = mem(VERSION_3 as u32, &[0x21, 0x1, 0, 0x2, 0, 0]);
        assert_eq!(
            show(header, b.clone(), [0x1000, 0x1000, 0, 0, 0, 0]),
            "{version=_LINUX_CAPABILITY_VERSION_3, pid=0}"
        );
        assert_eq!(
            show(data_out, b, [0x1000, 0x1008, 0, 0, 0, 0]),
            "{effective=1<<CAP_CHOWN|1<<CAP_KILL|1<<CAP_MAC_ADMIN, permitted=1<<CAP_CHOWN, inheritable=0}"
        );
        // Version 1: one structure; unknown bits in hex.
        let b = mem(VERSION_1 as u32, &[0, 0, 0x8000_0004]);
        assert_eq!(
            show(data_in, b, [0x1000, 0x1008, 0, 0, 0, 0]),
            "{effective=0, permitted=0, inheritable=1<<CAP_DAC_READ_SEARCH|1<<CAP_SETFCAP}"
        );
        let b = mem(0x1234, &[0, 0, 0]);
        assert_eq!(
            show(header, b.clone(), [0x1000, 0x1000, 0, 0, 0, 0]),
            "{version=0x1234 /* _LINUX_CAPABILITY_VERSION_??? */, pid=0}"
        );
        // Bits past the last capability; a header that cannot be read.
        let b = mem(VERSION_3 as u32, &[0, 0, 0, 0x400, 0, 0]);
        assert_eq!(
            show(data_out, b.clone(), [0x1000, 0x1008, 0, 0, 0, 0]),
            "{effective=0x400 /* CAP_??? */, permitted=0, inheritable=0}"
        );
        assert_eq!(show(data_out, b, [0x9000, 0x1008, 0, 0, 0, 0]), "0x1008");
    }
}
