//! i386's `socketcall(call, args)`: one syscall for every socket call, whose
//! arguments are an array of 32-bit words in memory. 32-bit glibc makes its
//! socket calls this way; strace shows each as the call it carries
//! (`connect(3, {...}, 16)`), and so does this tracer (the record keeps
//! socketcall's number).

use super::decode::Ctx;
use super::flags::MSG_FLAGS;
use super::table::sc;
use super::types::class::*;
use super::types::{ArgSpec, Kind::*, Ret, Spec};

/// By `SYS_*` number (linux/net.h), from 1: the carried call and how many
/// argument words it takes (the kernel's `nargs`).
const CALLS: [(&str, usize); 20] = [
    ("socket", 3),
    ("bind", 3),
    ("connect", 3),
    ("listen", 2),
    ("accept", 3),
    ("getsockname", 3),
    ("getpeername", 3),
    ("socketpair", 4),
    ("send", 4),
    ("recv", 4),
    ("sendto", 6),
    ("recvfrom", 6),
    ("shutdown", 2),
    ("setsockopt", 5),
    ("getsockopt", 5),
    ("sendmsg", 3),
    ("recvmsg", 3),
    ("accept4", 4),
    ("recvmmsg", 5),
    ("sendmmsg", 4),
];

/// The two carried calls that are no syscall of their own: rows here.
static SEND: Spec =
    sc!(send, NET, Int; sockfd: Fd, buf: InBuf(2), len: UInt, flags: Flags(&MSG_FLAGS));
static RECV: Spec =
    sc!(recv, NET, Int; sockfd: Fd, buf: OutBuf(2), len: UInt, flags: Flags(&MSG_FLAGS));

/// The row of `send` or `recv`, which only socketcall carries.
pub fn own_row(name: &str) -> Option<&'static Spec> {
    match name {
        "send" => Some(&SEND),
        "recv" => Some(&RECV),
        _ => None,
    }
}

/// The name of the call `call` carries, if it is one.
pub fn name(call: u64) -> Option<&'static str> {
    let i = usize::try_from(call).ok()?.checked_sub(1)?;
    CALLS.get(i).map(|c| c.0)
}

/// Every name socketcall can carry.
pub fn names() -> impl Iterator<Item = &'static str> {
    CALLS.iter().map(|c| c.0)
}

/// The carried call's name and its arguments, read from the array at
/// `args`. `None` for an unknown call or an array that cannot be read: the
/// record then shows socketcall itself (the kernel fails such a call).
pub fn unpack(ctx: &Ctx, call: u64, args: u64) -> Option<(&'static str, [u64; 6])> {
    let i = usize::try_from(call).ok()?.checked_sub(1)?;
    let &(name, n) = CALLS.get(i)?;
    let words = ctx.read_exact(args, n * 4).ok()?;
    let mut regs = [0u64; 6];
    for (r, w) in regs.iter_mut().zip(words.chunks_exact(4)) {
        *r = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]) as u64;
    }
    Some((name, regs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::decode::Memory;

    struct Words(u64, Vec<u8>);

    impl Memory for Words {
        fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
            let at = addr.checked_sub(self.0).ok_or(libc::EFAULT)? as usize;
            let have = self.1.get(at..).ok_or(libc::EFAULT)?;
            if have.is_empty() {
                return Err(libc::EFAULT);
            }
            let n = have.len().min(buf.len());
            buf[..n].copy_from_slice(&have[..n]);
            Ok(n)
        }
    }

    #[test]
    fn carried_calls_and_their_words() {
        let words: Vec<u8> = [3u32, 0x1000, 16]
            .iter()
            .flat_map(|w| w.to_ne_bytes())
            .collect();
        let mem = Words(0x500, words);
        let ctx = Ctx {
            arch: &crate::arch::I386,
            mem: &mem,
            snaplen: 32,
        };
        assert_eq!(
            unpack(&ctx, 3, 0x500),
            Some(("connect", [3, 0x1000, 16, 0, 0, 0]))
        );
        // Four words wanted, three there: socketcall as it is.
        assert_eq!(unpack(&ctx, 9, 0x500), None);
        assert_eq!(unpack(&ctx, 0, 0x500), None);
        assert_eq!(unpack(&ctx, 21, 0x500), None);
        assert_eq!(name(18), Some("accept4"));
        assert_eq!(own_row("send").map(|s| s.args.len()), Some(4));
        assert!(own_row("connect").is_none());
    }
}
