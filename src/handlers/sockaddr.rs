//! `struct sockaddr` decoding: AF_INET, AF_INET6, AF_UNIX, AF_NETLINK; other
//! families show their family and length.

use super::decode::Ctx;
use super::flags::ADDRESS_FAMILIES;
use crate::record::Value;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Largest sockaddr read (`sizeof(struct sockaddr_storage)`).
const MAX_LEN: u64 = 128;

/// A sockaddr read at entry; `len` is the caller's length argument.
pub fn read(ctx: &Ctx, addr: u64, len: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    match ctx.read_exact(addr, len.min(MAX_LEN) as usize) {
        Ok(b) => decode(&b),
        Err(errno) => Value::Fault { addr, errno },
    }
}

/// A sockaddr the kernel filled; its length is in the `socklen_t` at `len_ptr`.
pub fn read_out(ctx: &Ctx, addr: u64, len_ptr: u64) -> Value {
    if addr == 0 || len_ptr == 0 {
        return Value::Ptr(addr);
    }
    let len = match ctx.read_exact(len_ptr, 4) {
        Ok(b) => u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as u64,
        Err(errno) => {
            return Value::Fault {
                addr: len_ptr,
                errno,
            };
        }
    };
    read(ctx, addr, len)
}

/// Decodes the bytes of a sockaddr.
pub fn decode(b: &[u8]) -> Value {
    if b.len() < 2 {
        return Value::Struct(vec![("sa_family", Value::Sym("AF_UNSPEC".into()))]);
    }
    let family = u16::from_ne_bytes([b[0], b[1]]);
    let fam = match ADDRESS_FAMILIES.name(family as u64) {
        Some(n) => Value::Sym(n.into()),
        None => Value::UInt(family as u64),
    };
    let mut f = vec![("sa_family", fam)];
    match family as i32 {
        libc::AF_INET if b.len() >= 8 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let ip = Ipv4Addr::new(b[4], b[5], b[6], b[7]);
            f.push((
                "sin_port",
                Value::Call("htons", Box::new(Value::UInt(port as u64))),
            ));
            f.push((
                "sin_addr",
                Value::Call("inet_addr", Box::new(str_value(ip.to_string()))),
            ));
        }
        libc::AF_INET6 if b.len() >= 24 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let flow = u32::from_be_bytes([b[4], b[5], b[6], b[7]]);
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[8..24]);
            f.push((
                "sin6_port",
                Value::Call("htons", Box::new(Value::UInt(port as u64))),
            ));
            f.push((
                "sin6_flowinfo",
                Value::Call("htonl", Box::new(Value::UInt(flow as u64))),
            ));
            f.push(("sin6_addr", str_value(Ipv6Addr::from(a).to_string())));
            if b.len() >= 28 {
                f.push((
                    "sin6_scope_id",
                    Value::UInt(u32::from_ne_bytes([b[24], b[25], b[26], b[27]]) as u64),
                ));
            }
        }
        libc::AF_UNIX => {
            let path = &b[2..];
            if path.is_empty() {
                // unnamed
            } else if path[0] == 0 {
                // abstract: not NUL-terminated, shown with a leading '@'
                let mut data = vec![b'@'];
                data.extend_from_slice(&path[1..]);
                f.push((
                    "sun_path",
                    Value::Bytes {
                        data,
                        truncated: false,
                    },
                ));
            } else {
                let end = path.iter().position(|&c| c == 0).unwrap_or(path.len());
                f.push((
                    "sun_path",
                    Value::Bytes {
                        data: path[..end].to_vec(),
                        truncated: false,
                    },
                ));
            }
        }
        libc::AF_NETLINK if b.len() >= 12 => {
            f.push((
                "nl_pid",
                Value::UInt(u32::from_ne_bytes([b[4], b[5], b[6], b[7]]) as u64),
            ));
            f.push((
                "nl_groups",
                Value::Hex(u32::from_ne_bytes([b[8], b[9], b[10], b[11]]) as u64),
            ));
        }
        _ => {}
    }
    Value::Struct(f)
}

fn str_value(s: String) -> Value {
    Value::Bytes {
        data: s.into_bytes(),
        truncated: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet() {
        let mut b = vec![2u8, 0, 0, 80, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        b[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        let v = decode(&b);
        let mut out = Vec::new();
        crate::record::tests::strace_value(&v, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr(\"127.0.0.1\")}"
        );
    }

    #[test]
    fn unix_path_abstract_and_short() {
        let mut b = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        b.extend_from_slice(b"/tmp/s\0junk");
        let Value::Struct(f) = decode(&b) else {
            panic!()
        };
        assert_eq!(
            f[1].1,
            Value::Bytes {
                data: b"/tmp/s".to_vec(),
                truncated: false
            }
        );
        let mut b = (libc::AF_UNIX as u16).to_ne_bytes().to_vec();
        b.extend_from_slice(b"\0abs");
        let Value::Struct(f) = decode(&b) else {
            panic!()
        };
        assert_eq!(
            f[1].1,
            Value::Bytes {
                data: b"@abs".to_vec(),
                truncated: false
            }
        );
        assert!(matches!(decode(&[1]), Value::Struct(_)));
    }

    #[test]
    fn inet6() {
        let mut b = vec![0u8; 28];
        b[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        b[3] = 80;
        b[23] = 1;
        let Value::Struct(f) = decode(&b) else {
            panic!()
        };
        assert_eq!(
            f[3].1,
            Value::Bytes {
                data: b"::1".to_vec(),
                truncated: false
            }
        );
    }
}
