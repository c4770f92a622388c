//! select's fd sets and epoll events.

use super::decode::{Ctx, Fields, flags};
use super::types::Call;
use super::xlat::Xlat;
use crate::record::Value;

/// Most descriptors a set is read for (FD_SETSIZE).
const MAX_NFDS: u64 = 1024;

/// An `fd_set *` of select/pselect6, `nfds` in the first argument: `[3 4]`.
pub fn fd_set(ctx: &Ctx, c: &Call) -> Option<Value> {
    let nfds = (c.regs[0] as i32).clamp(0, MAX_NFDS as i32) as u64;
    // The kernel reads whole longs.
    let len = nfds.div_ceil(64) as usize * 8;
    Some(ctx.with_struct(c.val, len, |f| {
        let set: Vec<String> = (0..nfds)
            .filter(|&fd| f.u8((fd / 8) as usize) & (1 << (fd % 8)) != 0)
            .map(|fd| fd.to_string())
            .collect();
        Value::Sym(format!("[{}]", set.join(" ")))
    }))
}

pub static EPOLL_EVENTS: Xlat = Xlat::new(&[
    (0x1, "EPOLLIN"),
    (0x2, "EPOLLPRI"),
    (0x4, "EPOLLOUT"),
    (0x8, "EPOLLERR"),
    (0x10, "EPOLLHUP"),
    (0x20, "EPOLLNVAL"),
    (0x40, "EPOLLRDNORM"),
    (0x80, "EPOLLRDBAND"),
    (0x100, "EPOLLWRNORM"),
    (0x200, "EPOLLWRBAND"),
    (0x400, "EPOLLMSG"),
    (0x2000, "EPOLLRDHUP"),
    (1 << 27, "EPOLLURING_WAKE"),
    (1 << 28, "EPOLLEXCLUSIVE"),
    (1 << 29, "EPOLLWAKEUP"),
    (1 << 30, "EPOLLONESHOT"),
    (1 << 31, "EPOLLET"),
]);

fn event_size(ctx: &Ctx) -> usize {
    ctx.arch.epoll_data_off + 8
}

fn event(ctx: &Ctx, f: Fields, at: usize) -> Value {
    let data = f.u64(at + ctx.arch.epoll_data_off);
    Value::Struct(vec![
        ("events", flags(&EPOLL_EVENTS, f.u32(at))),
        (
            "data",
            Value::Struct(vec![
                ("u32", Value::UInt(data & 0xffff_ffff)),
                ("u64", Value::UInt(data)),
            ]),
        ),
    ])
}

/// epoll_ctl's event, read at entry.
pub fn epoll_event(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, event_size(ctx), |f| event(ctx, f, 0)))
}

/// epoll_wait's events, read at exit: as many as the result.
pub fn epoll_events(ctx: &Ctx, c: &Call) -> Option<Value> {
    let n = (c.res.unwrap_or(0).max(0) as usize).min(c.regs[2] as usize);
    let shown = n.min(ctx.snaplen.max(1)).min(1024);
    let size = event_size(ctx);
    Some(ctx.with_struct(c.val, shown * size, |f| Value::Array {
        items: (0..shown).map(|i| event(ctx, f, i * size)).collect(),
        truncated: shown < n,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch;
    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    #[test]
    fn sets_and_events() {
        let mut b = vec![0u8; 32];
        b[0] = 0b0001_1000; // fds 3 and 4
        b[4..12].copy_from_slice(&7u64.to_ne_bytes());
        let m = Buf {
            base: 0x1000,
            bytes: b,
        };
        let ctx = Ctx {
            arch: &arch::X86_64,
            mem: &m,
            snaplen: 32,
        };
        let regs = [5, 0x1000, 1, 0, 0, 0];
        let c = Call {
            val: 0x1000,
            regs: &regs,
            res: Some(1),
            entry: None,
        };
        assert_eq!(strace_string(&fd_set(&ctx, &c).unwrap()), "[3 4]");
        let b0 = 0x1000u64;
        let c2 = Call { val: b0, ..c };
        // x86_64: packed, data at offset 4
        let mut m2 = vec![0u8; 12];
        m2[0] = 1;
        m2[4..12].copy_from_slice(&3u64.to_ne_bytes());
        let m2 = Buf {
            base: 0x1000,
            bytes: m2,
        };
        let ctx2 = Ctx {
            arch: &arch::X86_64,
            mem: &m2,
            snaplen: 32,
        };
        assert_eq!(
            strace_string(&epoll_events(&ctx2, &c2).unwrap()),
            "[{events=EPOLLIN, data={u32=3, u64=3}}]"
        );
        // nfds past the mapped bytes: the address
        let regs = [1000, 0x1000, 1, 0, 0, 0];
        let c3 = Call { regs: &regs, ..c2 };
        assert_eq!(strace_string(&fd_set(&ctx2, &c3).unwrap()), "0x1000");
    }
}
