//! Time structures: timespec, timeval, itimerspec, itimerval, timezone.

use super::decode::Ctx;
use super::types::Call;
use crate::record::Value;

fn timeval_fields(sec: i64, usec: i64) -> Value {
    Value::Struct(vec![
        ("tv_sec", Value::Int(sec)),
        ("tv_usec", Value::Int(usec)),
    ])
}

fn timespec_fields(sec: i64, nsec: i64) -> Value {
    Value::Struct(vec![
        ("tv_sec", Value::Int(sec)),
        ("tv_nsec", Value::Int(nsec)),
    ])
}

/// `struct timespec *`: `{tv_sec=1, tv_nsec=0}`.
pub fn timespec(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.timespec(c.val))
}

/// `struct timeval *`: `{tv_sec=1, tv_usec=0}`.
pub fn timeval(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 16, |f| timeval_fields(f.i64(0), f.i64(8))))
}

/// `struct itimerspec *`.
pub fn itimerspec(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 32, |f| {
        Value::Struct(vec![
            ("it_interval", timespec_fields(f.i64(0), f.i64(8))),
            ("it_value", timespec_fields(f.i64(16), f.i64(24))),
        ])
    }))
}

/// `struct itimerval *`.
pub fn itimerval(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 32, |f| {
        Value::Struct(vec![
            ("it_interval", timeval_fields(f.i64(0), f.i64(8))),
            ("it_value", timeval_fields(f.i64(16), f.i64(24))),
        ])
    }))
}

/// `struct timezone *` of gettimeofday.
pub fn timezone(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 8, |f| {
        Value::Struct(vec![
            ("tz_minuteswest", Value::Int(f.i32(0))),
            ("tz_dsttime", Value::Int(f.i32(4))),
        ])
    }))
}

/// `struct rusage *` without `-v`: the two times, then `...`.
pub fn rusage(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 144, |f| {
        Value::Struct(vec![
            ("ru_utime", timeval_fields(f.i64(0), f.i64(8))),
            ("ru_stime", timeval_fields(f.i64(16), f.i64(24))),
            (crate::record::MORE, Value::Ptr(0)),
        ])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    #[test]
    fn itimerspec_and_short_read() {
        let mut b = vec![0u8; 32];
        b[16..24].copy_from_slice(&5i64.to_ne_bytes());
        let m = Buf::at(0x1000, b);
        let ctx = m.ctx();
        let c = |val| Call {
            val,
            regs: &[0; 6],
            res: None,
            entry: None,
        };
        assert_eq!(
            strace_string(&itimerspec(&ctx, &c(0x1000)).unwrap()),
            "{it_interval={tv_sec=0, tv_nsec=0}, it_value={tv_sec=5, tv_nsec=0}}"
        );
        assert_eq!(
            strace_string(&itimerspec(&ctx, &c(0x1008)).unwrap()),
            "0x1008"
        );
        assert_eq!(
            strace_string(&timeval(&ctx, &c(0x1010)).unwrap()),
            "{tv_sec=5, tv_usec=0}"
        );
    }
}
