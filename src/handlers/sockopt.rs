//! Arguments of the socket calls that depend on another argument: the
//! protocol (by domain), socket option names (by level) and values, and
//! the in/out `socklen_t *` (`[110 => 16]`).

use super::decode::{Ctx, enum_};
use super::types::Call;
use super::xlat::Xlat;
use crate::record::Value;

static IPPROTOS: Xlat = Xlat::new(&[
    (0, "IPPROTO_IP"),
    (1, "IPPROTO_ICMP"),
    (2, "IPPROTO_IGMP"),
    (6, "IPPROTO_TCP"),
    (17, "IPPROTO_UDP"),
    (41, "IPPROTO_IPV6"),
    (47, "IPPROTO_GRE"),
    (58, "IPPROTO_ICMPV6"),
    (132, "IPPROTO_SCTP"),
    (136, "IPPROTO_UDPLITE"),
    (255, "IPPROTO_RAW"),
    (262, "IPPROTO_MPTCP"),
]);

static NETLINK_PROTOS: Xlat = Xlat::new(&[
    (0, "NETLINK_ROUTE"),
    (2, "NETLINK_USERSOCK"),
    (4, "NETLINK_SOCK_DIAG"),
    (6, "NETLINK_XFRM"),
    (7, "NETLINK_SELINUX"),
    (9, "NETLINK_AUDIT"),
    (10, "NETLINK_FIB_LOOKUP"),
    (12, "NETLINK_NETFILTER"),
    (15, "NETLINK_KOBJECT_UEVENT"),
    (16, "NETLINK_GENERIC"),
    (18, "NETLINK_SCSITRANSPORT"),
    (20, "NETLINK_RDMA"),
    (21, "NETLINK_CRYPTO"),
]);

/// socket/socketpair `protocol`, named by the domain (first argument).
pub fn protocol(_: &Ctx, c: &Call) -> Option<Value> {
    let p = c.val as i32 as i64 as u64;
    Some(match c.regs[0] as i32 {
        libc::AF_INET | libc::AF_INET6 => enum_(&IPPROTOS, p),
        libc::AF_NETLINK => enum_(&NETLINK_PROTOS, p),
        libc::AF_PACKET if p == 0x0300 => {
            Value::Call("htons", Box::new(Value::Sym("ETH_P_ALL".into())))
        }
        _ => Value::Int(p as i64),
    })
}

static SOL_SOCKET_OPTS: Xlat = Xlat::new(&[
    (1, "SO_DEBUG"),
    (2, "SO_REUSEADDR"),
    (3, "SO_TYPE"),
    (4, "SO_ERROR"),
    (5, "SO_DONTROUTE"),
    (6, "SO_BROADCAST"),
    (7, "SO_SNDBUF"),
    (8, "SO_RCVBUF"),
    (9, "SO_KEEPALIVE"),
    (10, "SO_OOBINLINE"),
    (11, "SO_NO_CHECK"),
    (12, "SO_PRIORITY"),
    (13, "SO_LINGER"),
    (14, "SO_BSDCOMPAT"),
    (15, "SO_REUSEPORT"),
    (16, "SO_PASSCRED"),
    (17, "SO_PEERCRED"),
    (18, "SO_RCVLOWAT"),
    (19, "SO_SNDLOWAT"),
    (20, "SO_RCVTIMEO_OLD"),
    (21, "SO_SNDTIMEO_OLD"),
    (25, "SO_BINDTODEVICE"),
    (26, "SO_ATTACH_FILTER"),
    (29, "SO_TIMESTAMP_OLD"),
    (30, "SO_ACCEPTCONN"),
    (31, "SO_PEERSEC"),
    (32, "SO_SNDBUFFORCE"),
    (33, "SO_RCVBUFFORCE"),
    (34, "SO_PASSSEC"),
    (36, "SO_MARK"),
    (38, "SO_PROTOCOL"),
    (39, "SO_DOMAIN"),
    (40, "SO_RXQ_OVFL"),
    (42, "SO_PEEK_OFF"),
    (46, "SO_BUSY_POLL"),
    (49, "SO_INCOMING_CPU"),
    (60, "SO_ZEROCOPY"),
    (61, "SO_TXTIME"),
    (77, "SO_PEERPIDFD"),
]);

static SOL_TCP_OPTS: Xlat = Xlat::new(&[
    (1, "TCP_NODELAY"),
    (2, "TCP_MAXSEG"),
    (3, "TCP_CORK"),
    (4, "TCP_KEEPIDLE"),
    (5, "TCP_KEEPINTVL"),
    (6, "TCP_KEEPCNT"),
    (7, "TCP_SYNCNT"),
    (8, "TCP_LINGER2"),
    (9, "TCP_DEFER_ACCEPT"),
    (10, "TCP_WINDOW_CLAMP"),
    (11, "TCP_INFO"),
    (12, "TCP_QUICKACK"),
    (13, "TCP_CONGESTION"),
    (14, "TCP_MD5SIG"),
    (18, "TCP_USER_TIMEOUT"),
    (23, "TCP_FASTOPEN"),
    (25, "TCP_NOTSENT_LOWAT"),
    (30, "TCP_FASTOPEN_CONNECT"),
    (31, "TCP_ULP"),
]);

static SOL_IP_OPTS: Xlat = Xlat::new(&[
    (1, "IP_TOS"),
    (2, "IP_TTL"),
    (3, "IP_HDRINCL"),
    (4, "IP_OPTIONS"),
    (8, "IP_PKTINFO"),
    (10, "IP_MTU_DISCOVER"),
    (11, "IP_RECVERR"),
    (12, "IP_RECVTTL"),
    (14, "IP_MTU"),
    (15, "IP_FREEBIND"),
    (19, "IP_TRANSPARENT"),
    (24, "IP_BIND_ADDRESS_NO_PORT"),
    (32, "IP_MULTICAST_IF"),
    (33, "IP_MULTICAST_TTL"),
    (34, "IP_MULTICAST_LOOP"),
    (35, "IP_ADD_MEMBERSHIP"),
]);

static SOL_IPV6_OPTS: Xlat = Xlat::new(&[
    (1, "IPV6_ADDRFORM"),
    (16, "IPV6_UNICAST_HOPS"),
    (18, "IPV6_MULTICAST_HOPS"),
    (23, "IPV6_MTU_DISCOVER"),
    (25, "IPV6_RECVERR"),
    (26, "IPV6_V6ONLY"),
    (49, "IPV6_RECVPKTINFO"),
    (67, "IPV6_TCLASS"),
]);

/// The option table of a level (second argument).
fn options(level: u64) -> Option<&'static Xlat> {
    match level {
        1 => Some(&SOL_SOCKET_OPTS),
        6 => Some(&SOL_TCP_OPTS),
        0 => Some(&SOL_IP_OPTS),
        41 => Some(&SOL_IPV6_OPTS),
        _ => None,
    }
}

/// setsockopt/getsockopt `optname`, named by the level.
pub fn optname(_: &Ctx, c: &Call) -> Option<Value> {
    let v = c.val & 0xffff_ffff;
    Some(match options(c.regs[1] & 0xffff_ffff) {
        Some(t) => enum_(t, v),
        None => Value::Int(v as i32 as i64),
    })
}

/// An option value of `len` bytes: `[1]` for an int, the bytes otherwise.
fn optval(ctx: &Ctx, addr: u64, len: u64) -> Value {
    if len == 4 {
        ctx.with_struct(addr, 4, |f| Value::Array {
            items: vec![Value::Int(f.i32(0))],
            truncated: false,
        })
    } else if addr == 0 {
        Value::Ptr(0)
    } else {
        ctx.buffer(addr, len)
    }
}

/// setsockopt's value, its length in the fifth argument.
pub fn optval_in(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(optval(ctx, c.val, c.regs[4] & 0xffff_ffff))
}

/// getsockopt's value, its length in the `socklen_t` the fifth argument
/// points to (as the kernel left it).
pub fn optval_out(ctx: &Ctx, c: &Call) -> Option<Value> {
    let len = ctx.with_struct(c.regs[4], 4, |f| Value::UInt(f.u32(0)));
    match len {
        Value::UInt(n) => Some(optval(ctx, c.val, n)),
        _ => None,
    }
}

/// A `socklen_t *` the caller sets and the kernel updates: `[16]` at
/// entry, `[110 => 16]` at exit when it changed.
pub fn socklen(ctx: &Ctx, c: &Call) -> Option<Value> {
    let now = ctx.with_struct(c.val, 4, |f| Value::Int(f.u32(0) as i64));
    let one = |v| Value::Array {
        items: vec![v],
        truncated: false,
    };
    let Value::Int(now) = now else {
        return Some(now);
    };
    Some(match c.entry {
        Some(Value::Array { items, .. }) if items.len() == 1 && items[0] != Value::Int(now) => one(
            Value::Changed(Box::new(items[0].clone()), Box::new(Value::Int(now))),
        ),
        _ => one(Value::Int(now)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    #[test]
    fn names_and_lengths() {
        let m = Buf::at(0x1000, 16u32.to_ne_bytes().to_vec());
        let ctx = m.ctx();
        let show = |f: super::super::types::DecodeFn, regs: [u64; 6], i: usize, entry| {
            let c = Call {
                val: regs[i],
                regs: &regs,
                res: Some(0),
                entry,
            };
            strace_string(&f(&ctx, &c).unwrap())
        };
        assert_eq!(show(protocol, [2, 1, 6, 0, 0, 0], 2, None), "IPPROTO_TCP");
        assert_eq!(show(protocol, [1, 1, 0, 0, 0, 0], 2, None), "0");
        assert_eq!(
            show(protocol, [16, 3, 0, 0, 0, 0], 2, None),
            "NETLINK_ROUTE"
        );
        assert_eq!(show(optname, [3, 1, 2, 0, 0, 0], 2, None), "SO_REUSEADDR");
        assert_eq!(show(optname, [3, 6, 1, 0, 0, 0], 2, None), "TCP_NODELAY");
        assert_eq!(show(optname, [3, 999, 1, 0, 0, 0], 2, None), "1");
        assert_eq!(show(optval_in, [3, 1, 2, 0x1000, 4, 0], 3, None), "[16]");
        let was = Value::Array {
            items: vec![Value::Int(110)],
            truncated: false,
        };
        assert_eq!(
            show(socklen, [3, 0, 0x1000, 0, 0, 0], 2, Some(&was)),
            "[110 => 16]"
        );
        assert_eq!(show(socklen, [3, 0, 0x1000, 0, 0, 0], 2, None), "[16]");
        assert_eq!(show(socklen, [3, 0, 0x1002, 0, 0, 0], 2, None), "0x1002");
    }
}
