//! What `-t`/`-tt`/`-ttt` and `-T` add to the text and strace lines, in
//! strace's forms: `08:16:22 `, `08:16:22.005421 `, `1732470000.123456 `
//! before the call, ` <0.000123>` after its result. The JSON format always
//! carries `ts_ns` and `dur_ns` instead.

use std::io::Write;

/// `-t` (1), `-tt` (2), `-ttt` (3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Timestamps {
    #[default]
    Off,
    /// Local time of day, seconds.
    Seconds,
    /// Local time of day with microseconds.
    Micros,
    /// Seconds since the epoch with microseconds.
    Epoch,
}

impl Timestamps {
    /// From the number of `-t` flags given.
    pub fn from_count(n: u8) -> Self {
        match n {
            0 => Timestamps::Off,
            1 => Timestamps::Seconds,
            2 => Timestamps::Micros,
            _ => Timestamps::Epoch,
        }
    }
}

/// The per-line decorations chosen on the command line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Decor {
    pub timestamps: Timestamps,
    /// `-T`: time spent in each call.
    pub durations: bool,
}

/// Writes the timestamp of `ts_ns` (ns since the epoch) and a space; nothing
/// without `-t`. Sub-second digits are truncated, as strace does.
pub fn timestamp(t: Timestamps, ts_ns: u64, out: &mut Vec<u8>) {
    let secs = (ts_ns / 1_000_000_000) as i64;
    let micros = (ts_ns % 1_000_000_000) / 1000;
    let _ = match t {
        Timestamps::Off => Ok(()),
        Timestamps::Epoch => write!(out, "{secs}.{micros:06} "),
        Timestamps::Seconds | Timestamps::Micros => {
            let (h, m, s) = clock(secs + utc_offset(secs));
            if t == Timestamps::Seconds {
                write!(out, "{h:02}:{m:02}:{s:02} ")
            } else {
                write!(out, "{h:02}:{m:02}:{s:02}.{micros:06} ")
            }
        }
    };
}

/// ` <0.000123>`: seconds with microseconds, truncated.
pub fn duration(dur_ns: u64, out: &mut Vec<u8>) {
    let _ = write!(
        out,
        " <{}.{:06}>",
        dur_ns / 1_000_000_000,
        (dur_ns % 1_000_000_000) / 1000
    );
}

/// Hours, minutes, seconds of the day of a local time in seconds.
fn clock(local: i64) -> (i64, i64, i64) {
    let day = local.rem_euclid(86_400);
    (day / 3600, day % 3600 / 60, day % 60)
}

/// Seconds east of UTC at `secs`, as the C library's time zone says.
fn utc_offset(secs: i64) -> i64 {
    let t = secs as libc::time_t;
    // SAFETY: tm is plain data filled by localtime_r, which is thread-safe and
    // reads only `t`.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&t, &mut tm).is_null() {
            return 0;
        }
        tm.tm_gmtoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(t: Timestamps, ns: u64) -> String {
        let mut v = Vec::new();
        timestamp(t, ns, &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn epoch_and_off() {
        assert_eq!(
            ts(Timestamps::Epoch, 1_732_470_000_123_456_789),
            "1732470000.123456 "
        );
        assert_eq!(ts(Timestamps::Epoch, 5_000_001_000), "5.000001 ");
        assert_eq!(ts(Timestamps::Off, 5), "");
    }

    #[test]
    fn time_of_day_follows_the_local_offset() {
        let ns = 1_732_470_000_123_456_789u64;
        let (h, m, s) = clock(1_732_470_000 + utc_offset(1_732_470_000));
        assert_eq!(
            ts(Timestamps::Seconds, ns),
            format!("{h:02}:{m:02}:{s:02} ")
        );
        assert_eq!(
            ts(Timestamps::Micros, ns),
            format!("{h:02}:{m:02}:{s:02}.123456 ")
        );
    }

    #[test]
    fn clock_of_day() {
        assert_eq!(clock(0), (0, 0, 0));
        assert_eq!(clock(86_399), (23, 59, 59));
        assert_eq!(clock(86_400 + 3661), (1, 1, 1));
        assert_eq!(clock(-1), (23, 59, 59));
    }

    #[test]
    fn durations() {
        let mut v = Vec::new();
        duration(123_456, &mut v);
        duration(50_123_999, &mut v);
        duration(2_000_000_000, &mut v);
        assert_eq!(
            String::from_utf8(v).unwrap(),
            " <0.000123> <0.050123> <2.000000>"
        );
    }

    #[test]
    fn counts() {
        assert_eq!(Timestamps::from_count(0), Timestamps::Off);
        assert_eq!(Timestamps::from_count(2), Timestamps::Micros);
        assert_eq!(Timestamps::from_count(7), Timestamps::Epoch);
    }
}
