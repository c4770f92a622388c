//! select's fd sets and epoll events; what poll and select return.

use super::decode::{Ctx, Fields, POLL_EVENTS, flags};
use super::types::{Call, ResDecoded};
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

/// strace's text for a decoration built of parts: `in [3], left {...}`.
fn decoration(text: String) -> Option<ResDecoded> {
    Some(ResDecoded {
        value: Value::Sym(text),
        hex: false,
    })
}

/// `, left {tv_sec=0, tv_nsec=99}`: the timeout the kernel left, as strace
/// shows it after ppoll/select; nothing when it cannot be read.
fn left(t: Value, out: &mut String) {
    if matches!(t, Value::Struct(_)) {
        let mut b = Vec::new();
        crate::record::strace::value(&t, &mut b);
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str("left ");
        out.push_str(&String::from_utf8_lossy(&b));
    }
}

/// poll's `[{fd=3, revents=POLLIN}]` (the entries with events) or
/// `Timeout`, read at exit; `tmo` the address of ppoll's timeout.
fn poll_common(ctx: &Ctx, regs: &[u64; 6], res: i64, tmo: Option<u64>) -> Option<ResDecoded> {
    if res == 0 {
        return decoration("Timeout".into());
    }
    let n = (regs[1] as usize).min(super::decode::MAX_POLLFDS);
    let b = ctx.read_exact(regs[0], n * 8).ok()?;
    let f = Fields(&b);
    let mut s = String::from("[");
    for i in 0..n {
        let revents = f.u16(i * 8 + 6);
        if revents == 0 {
            continue;
        }
        if s.len() > 1 {
            s.push_str(", ");
        }
        s.push_str(&format!("{{fd={}, revents=", f.i32(i * 8)));
        POLL_EVENTS.format_flags(revents, &mut s);
        s.push('}');
    }
    s.push(']');
    if let Some(t) = tmo {
        left(ctx.timespec(t), &mut s);
    }
    decoration(s)
}

/// poll's result decoration.
pub fn poll_res(ctx: &Ctx, regs: &[u64; 6], res: i64) -> Option<ResDecoded> {
    poll_common(ctx, regs, res, None)
}

/// ppoll's: poll's, and the time left.
pub fn ppoll_res(ctx: &Ctx, regs: &[u64; 6], res: i64) -> Option<ResDecoded> {
    poll_common(ctx, regs, res, Some(regs[2]).filter(|&t| t != 0))
}

/// select's `in [3], out [4], left {...}` or `Timeout`: the sets as the
/// kernel rewrote them, read at exit; `timeout` how the time left is read.
fn select_common(
    ctx: &Ctx,
    regs: &[u64; 6],
    res: i64,
    timeout: fn(&Ctx, u64) -> Value,
) -> Option<ResDecoded> {
    if res == 0 {
        return decoration("Timeout".into());
    }
    let mut s = String::new();
    for (i, label) in [(1, "in"), (2, "out"), (3, "except")] {
        if regs[i] == 0 {
            continue;
        }
        let c = Call {
            val: regs[i],
            regs,
            res: Some(res),
            entry: None,
        };
        match fd_set(ctx, &c) {
            Some(Value::Sym(set)) if set != "[]" => {
                if !s.is_empty() {
                    s.push_str(", ");
                }
                s.push_str(label);
                s.push(' ');
                s.push_str(&set);
            }
            Some(Value::Sym(_)) => {}
            // Unreadable at exit (or no exit memory): no decoration.
            _ => return None,
        }
    }
    if regs[4] != 0 {
        left(timeout(ctx, regs[4]), &mut s);
    }
    decoration(s)
}

/// select's result decoration (`struct timeval` left).
pub fn select_res(ctx: &Ctx, regs: &[u64; 6], res: i64) -> Option<ResDecoded> {
    select_common(ctx, regs, res, |ctx, t| {
        let c = Call {
            val: t,
            regs: &[0; 6],
            res: None,
            entry: None,
        };
        super::time::timeval(ctx, &c).unwrap_or(Value::Ptr(t))
    })
}

/// pselect6's (`struct timespec` left).
pub fn pselect6_res(ctx: &Ctx, regs: &[u64; 6], res: i64) -> Option<ResDecoded> {
    select_common(ctx, regs, res, |ctx, t| ctx.timespec(t))
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

    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    #[test]
    fn sets_and_events() {
        let mut b = vec![0u8; 32];
        b[0] = 0b0001_1000; // fds 3 and 4
        b[4..12].copy_from_slice(&7u64.to_ne_bytes());
        let m = Buf::at(0x1000, b);
        let ctx = m.ctx();
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
        let m2 = Buf::at(0x1000, m2);
        let ctx2 = m2.ctx();
        assert_eq!(
            strace_string(&epoll_events(&ctx2, &c2).unwrap()),
            "[{events=EPOLLIN, data={u32=3, u64=3}}]"
        );
        // nfds past the mapped bytes: the address
        let regs = [1000, 0x1000, 1, 0, 0, 0];
        let c3 = Call { regs: &regs, ..c2 };
        assert_eq!(strace_string(&fd_set(&ctx2, &c3).unwrap()), "0x1000");
    }

    fn decorated(
        f: super::super::types::ResDecodeFn,
        regs: [u64; 6],
        res: i64,
        b: Vec<u8>,
    ) -> Option<String> {
        let m = Buf::at(0x1000, b);
        let ctx = m.ctx();
        f(&ctx, &regs, res).map(|d| {
            assert!(!d.hex);
            strace_string(&d.value)
        })
    }

    fn pollfd(fd: i32, events: u16, revents: u16) -> Vec<u8> {
        let mut v = fd.to_ne_bytes().to_vec();
        v.extend_from_slice(&events.to_ne_bytes());
        v.extend_from_slice(&revents.to_ne_bytes());
        v
    }

    /// strace's `= 1 ([{fd=3, revents=POLLIN}])`, `= 1 ([...], left {...})`
    /// and `= 0 (Timeout)`; nothing when the array cannot be read at exit.
    #[test]
    fn poll_results() {
        let mut b = pollfd(3, 1, 1);
        b.extend(pollfd(4, 4, 0));
        b.extend(pollfd(5, 5, 0x14));
        b.extend_from_slice(&0i64.to_ne_bytes());
        b.extend_from_slice(&99i64.to_ne_bytes());
        assert_eq!(
            decorated(poll_res, [0x1000, 3, 100, 0, 0, 0], 2, b.clone()).as_deref(),
            Some("[{fd=3, revents=POLLIN}, {fd=5, revents=POLLOUT|POLLHUP}]")
        );
        assert_eq!(
            decorated(ppoll_res, [0x1000, 1, 0x1018, 0, 8, 0], 1, b.clone()).as_deref(),
            Some("[{fd=3, revents=POLLIN}], left {tv_sec=0, tv_nsec=99}")
        );
        assert_eq!(
            decorated(poll_res, [0x1000, 1, 100, 0, 0, 0], 0, b.clone()).as_deref(),
            Some("Timeout")
        );
        assert_eq!(decorated(poll_res, [0x9000, 1, 100, 0, 0, 0], 1, b), None);
    }

    /// `= 2 (in [3], out [4], left {...})` for select and pselect6.
    #[test]
    fn select_results() {
        let mut b = vec![0u8; 16];
        b[0] = 0b1000; // readfds at 0x1000: fd 3
        b[8] = 0b1_0000; // writefds at 0x1008: fd 4
        b.extend_from_slice(&1i64.to_ne_bytes());
        b.extend_from_slice(&5i64.to_ne_bytes());
        assert_eq!(
            decorated(select_res, [5, 0x1000, 0x1008, 0, 0x1010, 0], 2, b.clone()).as_deref(),
            Some("in [3], out [4], left {tv_sec=1, tv_usec=5}")
        );
        assert_eq!(
            decorated(
                pselect6_res,
                [5, 0x1000, 0x1008, 0, 0x1010, 0],
                2,
                b.clone()
            )
            .as_deref(),
            Some("in [3], out [4], left {tv_sec=1, tv_nsec=5}")
        );
        assert_eq!(
            decorated(pselect6_res, [5, 0x1008, 0, 0, 0, 0], 1, b.clone()).as_deref(),
            Some("in [4]")
        );
        assert_eq!(
            decorated(select_res, [5, 0x1000, 0, 0, 0, 0], 0, b.clone()).as_deref(),
            Some("Timeout")
        );
        assert_eq!(decorated(select_res, [5, 0x9000, 0, 0, 0, 0], 1, b), None);
    }
}
