//! `struct iovec` arrays (readv/writev/preadv/pwritev), `struct msghdr`
//! (sendmsg/recvmsg) and `struct mmsghdr` arrays (sendmmsg/recvmmsg).
//!
//! Contents are read at entry for writes and at exit for reads, where the
//! result bounds the bytes shown across the array; each element's data is
//! cut at the snaplen, and at most snaplen elements are shown (strace's
//! `-s` bounds both).

use super::decode::{Ctx, Fields, flags};
use super::flags::MSG_FLAGS;
use super::sockaddr;
use super::types::Call;
use crate::record::Value;

/// An iovec array of `n` elements at `addr`; `budget` bounds the data
/// shown in total (the result of a read), `None` for all of it.
pub fn iovecs(ctx: &Ctx, addr: u64, n: u64, budget: Option<u64>) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    let shown = (n as usize).min(ctx.snaplen.max(1)).min(1024);
    // Two pointer-sized words: base and length (8 bytes each for a 32-bit ABI).
    let w = ctx.arch.word;
    let b = match ctx.read_exact(addr, shown * 2 * w) {
        Ok(b) => b,
        Err(errno) => return Value::Fault { addr, errno },
    };
    let f = Fields(&b);
    let mut left = budget;
    let items = (0..shown)
        .map(|i| {
            let base = f.word(2 * w * i, w);
            let len = f.word(2 * w * i + w, w);
            let take = match left {
                Some(l) => len.min(l),
                None => len,
            };
            if let Some(l) = left.as_mut() {
                *l -= take;
            }
            let data = match ctx.buffer(base, take) {
                Value::Bytes { data, .. } => Value::Bytes {
                    truncated: (data.len() as u64) < take,
                    data,
                },
                other => other,
            };
            Value::Struct(vec![("iov_base", data), ("iov_len", Value::UInt(len))])
        })
        .collect();
    Value::Array {
        items,
        truncated: shown < n as usize,
    }
}

/// The iovec array of writev/pwritev, count in the next argument.
pub fn iov_in(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(iovecs(ctx, c.val, c.regs[2], None))
}

/// The iovec array of readv/preadv, filled up to the result.
pub fn iov_out(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(iovecs(
        ctx,
        c.val,
        c.regs[2],
        Some(c.res.unwrap_or(0).max(0) as u64),
    ))
}

/// One `struct msghdr` (56 bytes) already read; `budget` as for `iovecs`.
fn msghdr_fields(ctx: &Ctx, f: Fields, budget: Option<u64>) -> Value {
    let name = f.u64(0);
    let namelen = f.u32(8);
    // A name the kernel left empty shows as its address, as strace does.
    let name_v = if name == 0 || namelen == 0 {
        Value::Ptr(name)
    } else {
        sockaddr::read(ctx, name, namelen)
    };
    let control = f.u64(32);
    let controllen = f.u64(40);
    let mut v = vec![
        ("msg_name", name_v),
        ("msg_namelen", Value::UInt(namelen)),
        ("msg_iov", iovecs(ctx, f.u64(16), f.u64(24), budget)),
        ("msg_iovlen", Value::UInt(f.u64(24))),
    ];
    if controllen != 0 {
        v.push(("msg_control", Value::Ptr(control)));
    }
    v.push(("msg_controllen", Value::UInt(controllen)));
    v.push(("msg_flags", flags(&MSG_FLAGS, f.u32(48))));
    Value::Struct(v)
}

/// sendmsg's message, read at entry.
pub fn msghdr_in(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 56, |f| msghdr_fields(ctx, f, None)))
}

/// recvmsg's message, read at exit, data bounded by the result.
pub fn msghdr_out(ctx: &Ctx, c: &Call) -> Option<Value> {
    let budget = Some(c.res.unwrap_or(0).max(0) as u64);
    Some(ctx.with_struct(c.val, 56, |f| msghdr_fields(ctx, f, budget)))
}

/// sendmmsg/recvmmsg vector, read at exit: the `res` messages the call
/// handled, each with its `msg_len`.
pub fn mmsghdrs(ctx: &Ctx, c: &Call) -> Option<Value> {
    let n = (c.res.unwrap_or(0).max(0) as usize).min(c.regs[2] as usize);
    let shown = n.min(ctx.snaplen.max(1)).min(1024);
    Some(ctx.with_struct(c.val, shown * 64, |f| {
        let items = (0..shown)
            .map(|i| {
                let m = Fields(f.0.get(64 * i..64 * i + 64).unwrap_or(&[]));
                let len = m.u32(56);
                Value::Struct(vec![
                    ("msg_hdr", msghdr_fields(ctx, m, Some(len))),
                    ("msg_len", Value::UInt(len)),
                ])
            })
            .collect();
        Value::Array {
            items,
            truncated: shown < n,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch;
    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    const BASE: u64 = 0x1000;

    fn mem() -> Buf {
        // two iovecs at BASE pointing at "hello" (BASE+64) and "world!" (BASE+80)
        let mut b = vec![0u8; 128];
        b[0..8].copy_from_slice(&(BASE + 64).to_ne_bytes());
        b[8..16].copy_from_slice(&5u64.to_ne_bytes());
        b[16..24].copy_from_slice(&(BASE + 80).to_ne_bytes());
        b[24..32].copy_from_slice(&6u64.to_ne_bytes());
        b[64..69].copy_from_slice(b"hello");
        b[80..86].copy_from_slice(b"world!");
        Buf::at(BASE, b)
    }

    fn ctx(m: &Buf, snaplen: usize) -> Ctx<'_> {
        Ctx {
            arch: &arch::X86_64,
            mem: m,
            snaplen,
        }
    }

    #[test]
    fn writev_at_entry_and_readv_bounded_by_result() {
        let m = mem();
        let regs = [1, BASE, 2, 0, 0, 0];
        let c = Call {
            val: BASE,
            regs: &regs,
            res: None,
            entry: None,
        };
        assert_eq!(
            strace_string(&iov_in(&ctx(&m, 32), &c).unwrap()),
            "[{iov_base=\"hello\", iov_len=5}, {iov_base=\"world!\", iov_len=6}]"
        );
        let c = Call { res: Some(7), ..c };
        assert_eq!(
            strace_string(&iov_out(&ctx(&m, 32), &c).unwrap()),
            "[{iov_base=\"hello\", iov_len=5}, {iov_base=\"wo\", iov_len=6}]"
        );
        // snaplen 1: one element, one byte each
        assert_eq!(
            strace_string(&iov_in(&ctx(&m, 1), &c).unwrap()),
            "[{iov_base=\"h\"..., iov_len=5}, ...]"
        );
    }

    #[test]
    fn garbage_iovec_shows_faults() {
        let m = mem();
        let regs = [1, BASE + 100, 4, 0, 0, 0];
        let c = Call {
            val: BASE + 100,
            regs: &regs,
            res: None,
            entry: None,
        };
        // the array runs past mapped memory: the address
        assert_eq!(strace_string(&iov_in(&ctx(&m, 32), &c).unwrap()), "0x1064");
        // an element whose base is not mapped shows its address
        let mut b = mem().bytes;
        b[32..40].copy_from_slice(&1u64.to_ne_bytes());
        b[40..48].copy_from_slice(&5u64.to_ne_bytes());
        let m = Buf::at(BASE, b);
        let regs = [1, BASE + 32, 1, 0, 0, 0];
        let c = Call {
            val: BASE + 32,
            regs: &regs,
            res: None,
            entry: None,
        };
        assert_eq!(
            strace_string(&iov_in(&ctx(&m, 32), &c).unwrap()),
            "[{iov_base=0x1, iov_len=5}]"
        );
    }

    #[test]
    fn msghdr() {
        let mut b = mem().bytes;
        b.resize(192, 0);
        // msghdr at BASE+128: no name, iov at BASE (2 elements), no control
        let h = 128;
        b[h + 16..h + 24].copy_from_slice(&BASE.to_ne_bytes());
        b[h + 24..h + 32].copy_from_slice(&2u64.to_ne_bytes());
        let m = Buf::at(BASE, b);
        let regs = [3, BASE + 128, 0, 0, 0, 0];
        let c = Call {
            val: BASE + 128,
            regs: &regs,
            res: None,
            entry: None,
        };
        assert_eq!(
            strace_string(&msghdr_in(&ctx(&m, 32), &c).unwrap()),
            "{msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base=\"hello\", iov_len=5}, \
             {iov_base=\"world!\", iov_len=6}], msg_iovlen=2, msg_controllen=0, msg_flags=0}"
        );
    }
}
