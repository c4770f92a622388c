//! Decoders of calls only the 32-bit ABI has (i386's rows in arch/i386.rs).

use super::decode::Ctx;
use super::types::Call;
use crate::record::Value;

/// `_llseek(fd, offset_high, offset_low, result, whence)`: its row puts the
/// offset where `offset_high` is and `result` after it (`Arch::arg_order`
/// maps registers 0, 1, 3, 4, 2), so the low half is the row's fifth
/// register. strace shows the two halves as one offset.
pub fn llseek_offset(_: &Ctx, c: &Call) -> Option<Value> {
    let off = ((c.regs[1] & 0xffff_ffff) << 32) | (c.regs[4] & 0xffff_ffff);
    Some(Value::Int(off as i64))
}

/// The `loff_t` the kernel stores through `result`: `[2]`.
pub fn loff_out(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 8, |f| Value::Array {
        items: vec![Value::Int(f.i64(0))],
        truncated: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::decode::Memory;

    struct Loff;

    impl Memory for Loff {
        fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
            if addr != 0x100 {
                return Err(libc::EFAULT);
            }
            let b = (1i64 << 33).to_ne_bytes();
            let n = buf.len().min(8);
            buf[..n].copy_from_slice(&b[..n]);
            Ok(n)
        }
    }

    #[test]
    fn llseek_joins_the_halves_and_reads_the_result() {
        let ctx = Ctx {
            arch: &crate::arch::I386,
            mem: &Loff,
            snaplen: 32,
        };
        let regs = [3, 2, 0x100, 0, 5, 0];
        let call = |val| Call {
            val,
            regs: &regs,
            res: Some(0),
            entry: None,
        };
        assert_eq!(
            llseek_offset(&ctx, &call(2)),
            Some(Value::Int((2 << 32) | 5))
        );
        let got = loff_out(&ctx, &call(0x100));
        assert_eq!(
            got,
            Some(Value::Array {
                items: vec![Value::Int(1 << 33)],
                truncated: false
            })
        );
        assert!(matches!(
            loff_out(&ctx, &call(0x200)),
            Some(Value::Fault { .. })
        ));
    }
}
