//! futex: the operation's name (with `_PRIVATE` and `FUTEX_CLOCK_REALTIME`
//! as strace prints them), and only the arguments the operation uses.

use super::decode::Ctx;
use super::flags::FUTEX_OPS;
use super::types::Call;
use crate::record::Value;

const PRIVATE: u64 = 128;
const CLOCK_REALTIME: u64 = 256;

fn cmd(c: &Call) -> u64 {
    c.regs[1] & 0x7f
}

/// `futex_op`: `FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME`.
pub fn op(_: &Ctx, c: &Call) -> Option<Value> {
    let v = c.val & 0xffff_ffff;
    let mut s = match FUTEX_OPS.name(v & 0x7f) {
        Some(n) => n.to_string(),
        None => format!("{:#x}", v & 0x7f),
    };
    if v & PRIVATE != 0 {
        s.push_str("_PRIVATE");
    }
    if v & CLOCK_REALTIME != 0 {
        s.push_str("|FUTEX_CLOCK_REALTIME");
    }
    let rest = v & !(0x7f | PRIVATE | CLOCK_REALTIME);
    if rest != 0 {
        s.push_str(&format!("|{rest:#x}"));
    }
    Some(Value::Sym(s))
}

/// `timeout`: a timespec for the waits, a count (`val2`) for the requeues.
pub fn timeout(ctx: &Ctx, c: &Call) -> Option<Value> {
    match cmd(c) {
        0 | 6 | 9 | 11 | 13 => Some(ctx.timespec(c.val)),
        3 | 4 | 5 | 12 => Some(Value::UInt(c.val & 0xffff_ffff)),
        _ => None,
    }
}

/// `uaddr2`: used by the requeue and wake-op commands.
pub fn uaddr2(_: &Ctx, c: &Call) -> Option<Value> {
    match cmd(c) {
        3 | 4 | 5 | 11 | 12 => Some(Value::Ptr(c.val)),
        _ => None,
    }
}

/// `val3`: the bitset, or the compare value.
pub fn val3(_: &Ctx, c: &Call) -> Option<Value> {
    let v = c.val & 0xffff_ffff;
    match cmd(c) {
        9 | 10 if v == 0xffff_ffff => Some(Value::Sym("FUTEX_BITSET_MATCH_ANY".into())),
        9 | 10 => Some(Value::Hex(v)),
        4 | 12 => Some(Value::UInt(v)),
        5 => Some(Value::Hex(v)),
        _ => None,
    }
}

/// `val`: every command but FUTEX_UNLOCK_PI/FUTEX_TRYLOCK_PI/FUTEX_LOCK_PI(2).
pub fn val(_: &Ctx, c: &Call) -> Option<Value> {
    match cmd(c) {
        6..=8 | 13 => None,
        _ => Some(Value::UInt(c.val & 0xffff_ffff)),
    }
}

#[cfg(test)]
mod tests {

    use crate::handlers::decode::decode_entry;
    use crate::handlers::decode::testmem::Buf;
    use crate::handlers::table::lookup;
    use crate::record::tests::strace_string;

    fn line(regs: [u64; 6]) -> String {
        let m = Buf::at(0x1000, vec![0; 16]);
        let ctx = m.ctx();
        let args = decode_entry(lookup("futex").unwrap(), &regs, &ctx);
        let v: Vec<String> = args.iter().map(|a| strace_string(&a.value)).collect();
        v.join(", ")
    }

    #[test]
    fn ops_show_their_arguments() {
        assert_eq!(
            line([0x2000, 129, 2147483647, 5, 6, 7]),
            "0x2000, FUTEX_WAKE_PRIVATE, 2147483647"
        );
        assert_eq!(
            line([0x2000, 128, 2, 0, 6, 7]),
            "0x2000, FUTEX_WAIT_PRIVATE, 2, NULL"
        );
        assert_eq!(
            line([0x2000, 9 | 128 | 256, 0, 0x1000, 6, 0xffff_ffff]),
            "0x2000, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, {tv_sec=0, tv_nsec=0}, FUTEX_BITSET_MATCH_ANY"
        );
        assert_eq!(
            line([0x2000, 7 | 128, 0, 0, 0, 0]),
            "0x2000, FUTEX_UNLOCK_PI_PRIVATE"
        );
        assert_eq!(line([0x2000, 0x7f, 0, 0, 0, 0]), "0x2000, 0x7f, 0");
    }
}
