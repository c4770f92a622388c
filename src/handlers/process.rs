//! Process and system structures: wait status, rlimits, utsname, sysinfo,
//! the fd pair of pipe/socketpair, getdents entry counts, getrandom bytes.

use super::decode::Ctx;
use super::flags::signal_name;
use super::types::Call;
use crate::record::{MORE, Value};

/// `int *wstatus` of wait4: `[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]`.
/// When wait4 returned 0 (WNOHANG, nothing to report) nothing was written:
/// the address is shown, as strace does.
pub fn wait_status(ctx: &Ctx, c: &Call) -> Option<Value> {
    if c.res == Some(0) {
        return None;
    }
    Some(ctx.with_struct(c.val, 4, |f| Value::Array {
        items: vec![Value::Sym(status_string(f.u32(0)))],
        truncated: false,
    }))
}

/// waitid's `siginfo_t *infop`: `{si_signo=SIGCHLD, si_code=CLD_EXITED,
/// si_pid=42, ...}`, `{}` when nothing was waited for (WNOHANG). The
/// kernel fills only some fields; strace shows the others as the buffer
/// held them, and so do we.
pub fn waitid_info(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 128, |f| {
        let mut raw = [0u8; 128];
        let n = f.0.len().min(128);
        raw[..n].copy_from_slice(&f.0[..n]);
        crate::record::siginfo::value(&raw)
    }))
}

/// strace's `printstatus`.
pub fn status_string(s: u64) -> String {
    let sig = |n: u64| {
        let mut out = String::new();
        signal_name(n, &mut out);
        out
    };
    let low = s & 0x7f;
    let mut out = if low == 0 {
        format!("{{WIFEXITED(s) && WEXITSTATUS(s) == {}}}", (s >> 8) & 0xff)
    } else if s & 0xff == 0x7f {
        format!(
            "{{WIFSTOPPED(s) && WSTOPSIG(s) == {}}}",
            sig((s >> 8) & 0xff)
        )
    } else if s == 0xffff {
        "{WIFCONTINUED(s)}".to_string()
    } else {
        format!(
            "{{WIFSIGNALED(s) && WTERMSIG(s) == {}{}}}",
            sig(low),
            if s & 0x80 != 0 {
                " && WCOREDUMP(s)"
            } else {
                ""
            }
        )
    };
    // ptrace event bits above the status proper.
    if s >> 16 != 0 && s != 0xffff {
        out.push_str(&format!(" | {:#x}", s & !0xffff));
    }
    out
}

/// strace's `sprint_rlim64`.
fn rlim(v: u64) -> Value {
    match v {
        u64::MAX => Value::Sym("RLIM64_INFINITY".into()),
        v if v > 1024 && v % 1024 == 0 => Value::Sym(format!("{}*1024", v / 1024)),
        v => Value::UInt(v),
    }
}

/// `struct rlimit *` (64-bit fields on both architectures).
pub fn rlimit(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 16, |f| {
        Value::Struct(vec![
            ("rlim_cur", rlim(f.u64(0))),
            ("rlim_max", rlim(f.u64(8))),
        ])
    }))
}

/// `struct utsname *`: strace shows the first two fields without `-v`.
pub fn utsname(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 65 * 6, |f| {
        Value::Struct(vec![
            ("sysname", f.cstr(0, 65)),
            ("nodename", f.cstr(65, 65)),
            (MORE, Value::Ptr(0)),
        ])
    }))
}

/// `struct sysinfo *` (64-bit layout).
pub fn sysinfo(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 112, |f| {
        Value::Struct(vec![
            ("uptime", Value::Int(f.i64(0))),
            (
                "loads",
                Value::Array {
                    items: (0..3).map(|i| Value::UInt(f.u64(8 + 8 * i))).collect(),
                    truncated: false,
                },
            ),
            ("totalram", Value::UInt(f.u64(32))),
            ("freeram", Value::UInt(f.u64(40))),
            ("sharedram", Value::UInt(f.u64(48))),
            ("bufferram", Value::UInt(f.u64(56))),
            ("totalswap", Value::UInt(f.u64(64))),
            ("freeswap", Value::UInt(f.u64(72))),
            ("procs", Value::UInt(f.u16(80))),
            ("totalhigh", Value::UInt(f.u64(88))),
            ("freehigh", Value::UInt(f.u64(96))),
            ("mem_unit", Value::UInt(f.u32(104))),
        ])
    }))
}

/// `int[2]` of pipe/pipe2/socketpair: `[3, 4]`.
pub fn fd_pair(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 8, |f| Value::Array {
        items: vec![Value::Int(f.i32(0)), Value::Int(f.i32(4))],
        truncated: false,
    }))
}

/// Largest directory buffer walked to count entries.
const MAX_DIRENTS_BYTES: u64 = 1 << 16;

/// getdents/getdents64 buffer: the entries counted, as strace without `-v`
/// (`0x... /* 149 entries */`). Both record layouts keep `d_reclen` at 16.
pub fn dirents(ctx: &Ctx, c: &Call) -> Option<Value> {
    let len = c.res.unwrap_or(0).max(0) as u64;
    let b = match ctx.read_some(c.val, len.min(MAX_DIRENTS_BYTES) as usize) {
        Ok(b) => b,
        Err(_) if len == 0 => Vec::new(),
        Err(errno) => return Some(Value::Fault { addr: c.val, errno }),
    };
    let mut n = 0;
    let mut at = 0usize;
    while at + 18 <= b.len() {
        let reclen = u16::from_ne_bytes([b[at + 16], b[at + 17]]) as usize;
        if reclen == 0 {
            break;
        }
        n += 1;
        at += reclen;
    }
    Some(Value::Counted {
        addr: c.val,
        n,
        unit: "entries",
    })
}

/// getrandom's buffer: strace prints it in hex, bounded by the result.
pub fn random_bytes(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(match ctx.buffer(c.val, c.res.unwrap_or(0).max(0) as u64) {
        Value::Bytes { data, truncated } => Value::HexBytes { data, truncated },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    fn show(f: super::super::types::DecodeFn, bytes: Vec<u8>, addr: u64, res: i64) -> String {
        let m = Buf::at(0x1000, bytes);
        let ctx = m.ctx();
        let c = Call {
            val: addr,
            regs: &[0; 6],
            res: Some(res),
            entry: None,
        };
        match f(&ctx, &c) {
            Some(v) => strace_string(&v),
            None => "omitted".into(),
        }
    }

    #[test]
    fn statuses() {
        assert_eq!(status_string(0), "{WIFEXITED(s) && WEXITSTATUS(s) == 0}");
        assert_eq!(
            status_string(3 << 8),
            "{WIFEXITED(s) && WEXITSTATUS(s) == 3}"
        );
        assert_eq!(
            status_string(9),
            "{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}"
        );
        assert_eq!(
            status_string(0x8b),
            "{WIFSIGNALED(s) && WTERMSIG(s) == SIGSEGV && WCOREDUMP(s)}"
        );
        assert_eq!(
            status_string(0x137f),
            "{WIFSTOPPED(s) && WSTOPSIG(s) == SIGSTOP}"
        );
        assert_eq!(status_string(0xffff), "{WIFCONTINUED(s)}");
        assert_eq!(
            show(wait_status, 0u32.to_ne_bytes().to_vec(), 0x1000, 42),
            "[{WIFEXITED(s) && WEXITSTATUS(s) == 0}]"
        );
        assert_eq!(show(wait_status, vec![0; 4], 0x1000, 0), "omitted");
        assert_eq!(show(wait_status, vec![0; 2], 0x1000, 42), "0x1000");
    }

    #[test]
    fn waitid_siginfo() {
        let mut b = vec![0u8; 128];
        b[0..4].copy_from_slice(&17i32.to_ne_bytes());
        b[8..12].copy_from_slice(&1i32.to_ne_bytes());
        b[16..20].copy_from_slice(&4242i32.to_ne_bytes());
        b[24..28].copy_from_slice(&3i32.to_ne_bytes());
        b[40..48].copy_from_slice(&12345u64.to_ne_bytes());
        assert_eq!(
            show(waitid_info, b, 0x1000, 0),
            "{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4242, si_uid=0, si_status=3, si_utime=0, si_stime=12345 /* 123.45 s */}"
        );
        // WNOHANG, no child changed state: the kernel zeroed si_signo.
        assert_eq!(show(waitid_info, vec![0; 128], 0x1000, 0), "{}");
        assert_eq!(show(waitid_info, vec![0; 100], 0x1000, 0), "0x1000");
    }

    #[test]
    fn rlimits() {
        let mut b = (8192u64 * 1024).to_ne_bytes().to_vec();
        b.extend_from_slice(&u64::MAX.to_ne_bytes());
        assert_eq!(
            show(rlimit, b, 0x1000, 0),
            "{rlim_cur=8192*1024, rlim_max=RLIM64_INFINITY}"
        );
        let mut b = 1024u64.to_ne_bytes().to_vec();
        b.extend_from_slice(&4096u64.to_ne_bytes());
        assert_eq!(
            show(rlimit, b, 0x1000, 0),
            "{rlim_cur=1024, rlim_max=4*1024}"
        );
    }

    #[test]
    fn uname_pair_and_dirents() {
        let mut b = vec![0u8; 390];
        b[..5].copy_from_slice(b"Linux");
        b[65..67].copy_from_slice(b"vm");
        assert_eq!(
            show(utsname, b, 0x1000, 0),
            "{sysname=\"Linux\", nodename=\"vm\", ...}"
        );
        let mut b = 3i32.to_ne_bytes().to_vec();
        b.extend_from_slice(&4i32.to_ne_bytes());
        assert_eq!(show(fd_pair, b, 0x1000, 0), "[3, 4]");
        // two records of 24 bytes, then garbage with d_reclen 0
        let mut b = vec![0u8; 64];
        b[16] = 24;
        b[24 + 16] = 24;
        assert_eq!(
            show(dirents, b.clone(), 0x1000, 64),
            "0x1000 /* 2 entries */"
        );
        assert_eq!(show(dirents, b, 0x1000, 0), "0x1000 /* 0 entries */");
        assert_eq!(show(dirents, vec![], 0x1000, 64), "0x1000");
    }

    #[test]
    fn random_is_hex() {
        assert_eq!(
            show(random_bytes, b"AB\0".to_vec(), 0x1000, 3),
            "\"\\x41\\x42\\x00\""
        );
    }
}
