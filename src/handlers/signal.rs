//! Signal sets and `struct sigaction`, as strace prints them:
//! `[INT TERM]`, `~[RTMIN RT_1]` when two thirds or more are set,
//! `{sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x...}`.

use super::decode::{Ctx, flags};
use super::flags::SIGNALS;
use super::types::Call;
use super::xlat::Xlat;
use crate::record::Value;

/// `sa_flags` (the same values on x86_64 and aarch64), in strace's order.
static SA_FLAGS: Xlat = Xlat::new(&[
    (0x0400_0000, "SA_RESTORER"),
    (0x0800_0000, "SA_ONSTACK"),
    (0x1000_0000, "SA_RESTART"),
    (0x4000_0000, "SA_NODEFER"),
    (0x8000_0000, "SA_RESETHAND"),
    (0x4, "SA_SIGINFO"),
    (0x1, "SA_NOCLDSTOP"),
    (0x2, "SA_NOCLDWAIT"),
    (0x400, "SA_UNSUPPORTED"),
    (0x800, "SA_EXPOSE_TAGBITS"),
]);
const SA_RESTORER: u64 = 0x0400_0000;

/// sigaltstack's `ss_flags`.
static SS_FLAGS: Xlat = Xlat::new(&[
    (1, "SS_ONSTACK"),
    (2, "SS_DISABLE"),
    (0x8000_0000, "SS_AUTODISARM"),
]);

/// A 64-signal mask as strace's `sprintsigmask_n`.
pub fn sigset_string(mask: u64) -> String {
    let (mask, mut s) = if mask.count_ones() >= 64 * 2 / 3 {
        (!mask, String::from("~["))
    } else {
        (mask, String::from("["))
    };
    let mut first = true;
    for bit in 0..64u64 {
        if mask & (1 << bit) == 0 {
            continue;
        }
        if !first {
            s.push(' ');
        }
        first = false;
        let sig = bit + 1;
        match SIGNALS.name(sig) {
            Some(n) => s.push_str(n.trim_start_matches("SIG")),
            None if sig == 32 => s.push_str("RTMIN"),
            None => s.push_str(&format!("RT_{}", sig - 32)),
        }
    }
    s.push(']');
    s
}

/// `const sigset_t *` (8 bytes: the kernel's size on both architectures).
pub fn sigset(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 8, |f| Value::Sym(sigset_string(f.u64(0)))))
}

/// The signal mask `rt_sigreturn` restores, as strace shows it
/// (`{mask=[INT]}`); the address comes from `Arch::entry_regs`, 0 when
/// unknown (then nothing is shown).
pub fn sigframe(ctx: &Ctx, c: &Call) -> Option<Value> {
    if c.val == 0 {
        return None;
    }
    Some(ctx.with_struct(c.val, 8, |f| {
        Value::Struct(vec![("mask", Value::Sym(sigset_string(f.u64(0))))])
    }))
}

/// `struct sigaction` as the kernel takes it: handler, flags, restorer, mask.
pub fn sigaction(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 32, |f| {
        let handler = match f.u64(0) {
            0 => Value::Sym("SIG_DFL".into()),
            1 => Value::Sym("SIG_IGN".into()),
            h => Value::Ptr(h),
        };
        let fl = f.u64(8);
        let mut v = vec![
            ("sa_handler", handler),
            ("sa_mask", Value::Sym(sigset_string(f.u64(24)))),
            ("sa_flags", flags(&SA_FLAGS, fl)),
        ];
        if fl & SA_RESTORER != 0 {
            v.push(("sa_restorer", Value::Ptr(f.u64(16))));
        }
        Value::Struct(v)
    }))
}

/// `stack_t` of sigaltstack.
pub fn stack(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 24, |f| {
        Value::Struct(vec![
            ("ss_sp", Value::Ptr(f.u64(0))),
            ("ss_flags", flags(&SS_FLAGS, f.u32(8))),
            ("ss_size", Value::UInt(f.u64(16))),
        ])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    fn show(f: super::super::types::DecodeFn, bytes: Vec<u8>, addr: u64) -> String {
        let m = Buf::at(0x1000, bytes);
        let ctx = m.ctx();
        let c = Call {
            val: addr,
            regs: &[0; 6],
            res: None,
            entry: None,
        };
        strace_string(&f(&ctx, &c).unwrap())
    }

    #[test]
    fn sets() {
        assert_eq!(sigset_string(0), "[]");
        assert_eq!(sigset_string((1 << 1) | (1 << 14)), "[INT TERM]");
        assert_eq!(sigset_string(3 << 31), "[RTMIN RT_1]");
        assert_eq!(sigset_string(!(3u64 << 31)), "~[RTMIN RT_1]");
        assert_eq!(
            show(sigset, (1u64 << 16).to_ne_bytes().to_vec(), 0x1000),
            "[CHLD]"
        );
        assert_eq!(show(sigset, vec![1, 2, 3], 0x1000), "0x1000");
    }

    #[test]
    fn signal_frame_mask() {
        let usr2 = (1u64 << 11).to_ne_bytes().to_vec();
        assert_eq!(show(sigframe, usr2, 0x1000), "{mask=[USR2]}");
        // Unknown address (a notification has no stack pointer): nothing shown.
        let m = Buf::at(0x1000, vec![0; 8]);
        let c = Call {
            val: 0,
            regs: &[0; 6],
            res: None,
            entry: None,
        };
        assert_eq!(sigframe(&m.ctx(), &c), None);
    }

    #[test]
    fn actions() {
        let mut b = vec![0u8; 32];
        b[8..16].copy_from_slice(&0x1400_0000u64.to_ne_bytes());
        b[16..24].copy_from_slice(&0x7f00u64.to_ne_bytes());
        assert_eq!(
            show(sigaction, b, 0x1000),
            "{sa_handler=SIG_DFL, sa_mask=[], sa_flags=SA_RESTORER|SA_RESTART, sa_restorer=0x7f00}"
        );
        let mut b = vec![0u8; 32];
        b[0..8].copy_from_slice(&1u64.to_ne_bytes());
        b[24..32].copy_from_slice(&2u64.to_ne_bytes());
        assert_eq!(
            show(sigaction, b, 0x1000),
            "{sa_handler=SIG_IGN, sa_mask=[INT], sa_flags=0}"
        );
        assert_eq!(show(sigaction, vec![0; 31], 0x1000), "0x1000");
    }
}
