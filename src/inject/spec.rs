//! Parsing `--inject SET:ACTION[:ACTION...][:when=EXPR]` and `--fault
//! SET[:error=ERRNO][:when=EXPR]`, strace's syntax (strace(1), "Tampering"),
//! plus `redirect=PATH`, `prob=P` and `scope=thread|process|tree`.
//!
//! Parsing only checks the text; which calls a SET names, and whether an
//! action can be faked safely on them, is decided in `mod.rs` with the
//! syscall tables.

use std::time::Duration;

/// One `--inject` (or `--fault`) value, parsed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Spec {
    /// The value as typed (for messages).
    pub text: String,
    /// The syscall set, in `--only`'s syntax.
    pub set: String,
    /// `error=`: the call does not run and fails with this errno (1..4095).
    pub error: Option<i32>,
    /// `retval=`: the call does not run and returns this value.
    pub retval: Option<i64>,
    /// `signal=`: sent to the calling thread at entry.
    pub signal: Option<i32>,
    pub delay_enter: Option<Duration>,
    pub delay_exit: Option<Duration>,
    pub poke_enter: Vec<Poke>,
    pub poke_exit: Vec<Poke>,
    /// `redirect=PATH`: the call does not run; it returns a new descriptor
    /// of PATH, opened by the tracer and installed in the caller.
    pub redirect: Option<String>,
    pub when: When,
    /// `prob=P`: each call the `when` range selects is injected with
    /// probability P (0..=1).
    pub prob: Option<f64>,
    pub scope: Scope,
}

/// `@argN=HEX`: bytes written where argument N (1-based) points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poke {
    /// 0-based argument index (strace's argN counts from 1).
    pub arg: usize,
    pub data: Vec<u8>,
}

/// strace's `when=first[..last][+[step]]`: invocation numbers, from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct When {
    pub first: u64,
    pub last: u64,
    pub step: u64,
}

impl Default for When {
    /// Every call.
    fn default() -> Self {
        When {
            first: 1,
            last: u64::MAX,
            step: 1,
        }
    }
}

impl When {
    /// Whether invocation `n` (1-based) is selected.
    pub fn matches(&self, n: u64) -> bool {
        n >= self.first && n <= self.last && (n - self.first) % self.step == 0
    }
}

/// Whose calls `when=` counts together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Each thread counts its own calls (strace: per tracee).
    #[default]
    Thread,
    /// The threads of one process count together.
    Process,
    /// The whole traced tree counts together.
    Tree,
}

/// strace's limits for `when=` numbers.
const WHEN_MAX: u64 = 65535;
/// Bytes a poke may write.
const POKE_MAX: usize = 4096;

impl Spec {
    /// Whether the call does not run (its result is made up).
    pub fn skips_call(&self) -> bool {
        self.error.is_some() || self.retval.is_some() || self.redirect.is_some()
    }

    /// Whether an action needs the call's exit stop (ptrace).
    pub fn needs_exit_stop(&self) -> bool {
        self.delay_exit.is_some() || !self.poke_exit.is_empty()
    }
}

/// Parses one `--inject` value (`fault`: `--fault`'s, whose only action is
/// `error=`, ENOSYS by default). Errors are messages without the option name.
pub fn parse(text: &str, fault: bool) -> Result<Spec, String> {
    let mut parts = text.split(':');
    let set = parts.next().unwrap_or("").trim();
    if set.is_empty() {
        return Err(format!("'{text}': no syscall set before the first ':'"));
    }
    let mut spec = Spec {
        text: text.to_string(),
        set: set.to_string(),
        ..Spec::default()
    };
    for part in parts {
        let Some((key, val)) = part.split_once('=') else {
            return Err(format!(
                "'{part}' is not KEY=VALUE (actions: {})",
                if fault { "error=, when=" } else { ACTIONS }
            ));
        };
        if fault && !matches!(key, "error" | "when" | "prob" | "scope") {
            return Err(format!(
                "--fault takes only error=, when=, prob= and scope= (not '{key}='): use --inject"
            ));
        }
        match key {
            "error" => {
                if spec.error.is_some() || spec.retval.is_some() {
                    return Err("only one error= or retval= per spec".into());
                }
                spec.error = Some(errno(val)?);
            }
            "retval" => {
                if spec.error.is_some() || spec.retval.is_some() {
                    return Err("only one error= or retval= per spec".into());
                }
                let v: i64 =
                    parse_int(val).ok_or_else(|| format!("retval='{val}': not an integer"))?;
                if (-4095..=-1).contains(&v) {
                    return Err(format!(
                        "retval={v} is an error return: write error={} instead",
                        errno_label(-v as i32)
                    ));
                }
                spec.retval = Some(v);
            }
            "signal" => {
                if spec.signal.is_some() {
                    return Err("only one signal= per spec".into());
                }
                spec.signal = Some(signal(val)?);
            }
            "delay_enter" => spec.delay_enter = Some(delay(key, val)?),
            "delay_exit" => spec.delay_exit = Some(delay(key, val)?),
            "poke_enter" => spec.poke_enter = pokes(key, val)?,
            "poke_exit" => spec.poke_exit = pokes(key, val)?,
            "redirect" => {
                if val.is_empty() {
                    return Err("redirect= needs a path".into());
                }
                if val.contains('\0') {
                    return Err("redirect=: the path contains a NUL byte".into());
                }
                spec.redirect = Some(val.to_string());
            }
            // The last when= counts, as in strace.
            "when" => spec.when = when(val)?,
            "prob" => {
                let p: f64 = val
                    .parse()
                    .ok()
                    .filter(|p: &f64| (0.0..=1.0).contains(p))
                    .ok_or_else(|| format!("prob='{val}': a probability from 0 to 1"))?;
                spec.prob = Some(p);
            }
            "scope" => {
                spec.scope = match val {
                    "thread" => Scope::Thread,
                    "process" => Scope::Process,
                    "tree" => Scope::Tree,
                    _ => {
                        return Err(format!("scope='{val}': thread, process or tree"));
                    }
                }
            }
            "syscall" => {
                return Err("syscall= (strace's replacement call) is not supported".into());
            }
            _ => return Err(format!("unknown action '{key}=' (actions: {ACTIONS})")),
        }
    }
    if fault && spec.error.is_none() {
        spec.error = Some(libc::ENOSYS);
    }
    if spec.redirect.is_some() && (spec.error.is_some() || spec.retval.is_some()) {
        return Err("redirect= gives the call its result: not with error= or retval=".into());
    }
    let acts = spec.skips_call()
        || spec.signal.is_some()
        || spec.delay_enter.is_some()
        || spec.delay_exit.is_some()
        || !spec.poke_enter.is_empty()
        || !spec.poke_exit.is_empty();
    if !acts {
        return Err(format!("'{text}': no action (one of {ACTIONS})"));
    }
    Ok(spec)
}

const ACTIONS: &str = "error=, retval=, signal=, delay_enter=, delay_exit=, poke_enter=, \
                       poke_exit=, redirect=, when=, prob=, scope=";

/// Decimal, or hex with `0x`, optionally negative.
fn parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    let v = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(h) if !h.is_empty() => u64::from_str_radix(h, 16).ok()? as i64,
        Some(_) => return None,
        None if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse::<i64>().ok()?
        }
        None => return None,
    };
    Some(if neg { v.checked_neg()? } else { v })
}

/// An errno by name (`ENOSPC`) or number (1..4095).
pub fn errno(s: &str) -> Result<i32, String> {
    if let Some(n) = parse_int(s) {
        if (1..=4095).contains(&n) {
            return Ok(n as i32);
        }
        return Err(format!("error={s}: an errno from 1 to 4095"));
    }
    (1..4096)
        .find(|&n| syscalls::Errno::new(n).name() == Some(s))
        .ok_or_else(|| format!("error='{s}': unknown errno name"))
}

/// `ENOSPC`, or the number when it has no name.
pub fn errno_label(e: i32) -> String {
    syscalls::Errno::new(e)
        .name()
        .map_or_else(|| e.to_string(), str::to_string)
}

/// Signals 1..=SIGRTMAX, by name (`SIGUSR1`, `USR1`, `SIGRTMIN+2`,
/// `SIGRT_2`) or number.
pub fn signal(s: &str) -> Result<i32, String> {
    let max = sigrtmax();
    let bad = || format!("signal='{s}': unknown signal (a name like SIGUSR1, or 1..{max})");
    if let Some(n) = parse_int(s) {
        return if (1..=i64::from(max)).contains(&n) {
            Ok(n as i32)
        } else {
            Err(bad())
        };
    }
    let name = if s.starts_with("SIG") {
        s.to_string()
    } else {
        format!("SIG{s}")
    };
    if let Some(n) = (1..32u64).find(|&n| crate::handlers::flags::SIGNALS.name(n) == Some(&name)) {
        return Ok(n as i32);
    }
    let rt = |off: &str| -> Result<i32, String> {
        let o: i32 = off.parse().map_err(|_| bad())?;
        let sig = sigrtmin().checked_add(o).ok_or_else(bad)?;
        if (0..).contains(&o) && sig <= max {
            Ok(sig)
        } else {
            Err(bad())
        }
    };
    match name.as_str() {
        "SIGRTMIN" => Ok(sigrtmin()),
        "SIGRTMAX" => Ok(max),
        n => {
            if let Some(off) = n.strip_prefix("SIGRTMIN+") {
                rt(off)
            } else if let Some(off) = n.strip_prefix("SIGRT_") {
                rt(off)
            } else {
                Err(bad())
            }
        }
    }
}

/// The kernel's SIGRTMIN (glibc reserves two more for itself; strace names
/// the kernel's numbers).
fn sigrtmin() -> i32 {
    32
}

fn sigrtmax() -> i32 {
    64
}

/// strace's time specification: a number (integer or decimal) with an
/// optional unit `s`, `ms`, `us`, `ns`; without one, microseconds.
fn delay(key: &str, s: &str) -> Result<Duration, String> {
    let bad = || format!("{key}='{s}': a time like 100ms, 1.5s, 250us or 2000 (microseconds)");
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    if num.is_empty() || num.starts_with('.') && num.len() == 1 {
        return Err(bad());
    }
    let v: f64 = num.parse().map_err(|_| bad())?;
    let ns_per = match unit {
        "" | "us" => 1e3,
        "ns" => 1.0,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return Err(bad()),
    };
    let ns = v * ns_per;
    // An hour at most: a longer hold looks like a hang.
    if !ns.is_finite() || ns > 3600e9 {
        return Err(format!("{key}='{s}': at most an hour"));
    }
    Ok(Duration::from_nanos(ns as u64))
}

/// `@argN=HEX[,@argM=HEX...]`.
fn pokes(key: &str, s: &str) -> Result<Vec<Poke>, String> {
    let mut v = Vec::new();
    for item in s.split(',') {
        let bad = || {
            format!(
                "{key}: '{item}' is not @argN=HEX (N from 1 to 7, an even number of hex digits)"
            )
        };
        let rest = item.strip_prefix("@arg").ok_or_else(bad)?;
        let (n, hex) = rest.split_once('=').ok_or_else(bad)?;
        let n: usize = n.parse().map_err(|_| bad())?;
        // strace accepts arg1..arg7; syscalls have six registers.
        if !(1..=6).contains(&n) {
            return Err(format!("{key}: @arg{n}: syscalls have arguments 1 to 6"));
        }
        if hex.is_empty() || hex.len() % 2 != 0 || hex.len() / 2 > POKE_MAX {
            return Err(bad());
        }
        let data = (0..hex.len())
            .step_by(2)
            .map(|i| {
                hex.get(i..i + 2)
                    .and_then(|b| u8::from_str_radix(b, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(bad)?;
        if v.iter().any(|p: &Poke| p.arg == n - 1) {
            return Err(format!("{key}: @arg{n} given twice"));
        }
        v.push(Poke { arg: n - 1, data });
    }
    Ok(v)
}

/// `first[..last][+[step]]`, strace's ranges: first and step 1..65535,
/// last 1..65534 and not before first.
fn when(s: &str) -> Result<When, String> {
    let bad = |why: &str| format!("when='{s}': {why} (forms: N, N..M, N+, N+S, N..M+S)");
    let num = |t: &str, what: &str, max: u64| -> Result<u64, String> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(&format!("{what} is not a number")));
        }
        match t.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(bad(&format!("{what} must be from 1 to {max}"))),
        }
    };
    let (range, step) = match s.split_once('+') {
        Some((r, "")) => (r, Some(1)),
        Some((r, st)) => (r, Some(num(st, "the step", WHEN_MAX)?)),
        None => (s, None),
    };
    let (first, last) = match range.split_once("..") {
        Some((f, l)) => {
            let f = num(f, "the first call", WHEN_MAX)?;
            let l = num(l, "the last call", WHEN_MAX - 1)?;
            if l < f {
                return Err(bad("the last call comes before the first"));
            }
            (f, Some(l))
        }
        None => (num(range, "the first call", WHEN_MAX)?, None),
    };
    Ok(match (last, step) {
        // N: that call only.
        (None, None) => When {
            first,
            last: first,
            step: 1,
        },
        (None, Some(step)) => When {
            first,
            last: u64::MAX,
            step,
        },
        (Some(last), step) => When {
            first,
            last,
            step: step.unwrap_or(1),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strace_forms() {
        let s = parse("openat:error=ENOENT:when=3", false).unwrap();
        assert_eq!(s.set, "openat");
        assert_eq!(s.error, Some(libc::ENOENT));
        assert!(s.when.matches(3) && !s.when.matches(2) && !s.when.matches(4));
        let s = parse("read,write:retval=42:when=2+", false).unwrap();
        assert_eq!(s.retval, Some(42));
        assert!(!s.when.matches(1) && s.when.matches(2) && s.when.matches(99));
        let s = parse("read:error=5:when=2..6+2", false).unwrap();
        let hit: Vec<u64> = (1..10).filter(|&n| s.when.matches(n)).collect();
        assert_eq!(hit, [2, 4, 6]);
        assert_eq!(s.error, Some(5));
        let s = parse("read:signal=SIGUSR1:when=1+3", false).unwrap();
        let hit: Vec<u64> = (1..11).filter(|&n| s.when.matches(n)).collect();
        assert_eq!(hit, [1, 4, 7, 10]);
        assert_eq!(s.signal, Some(10));
        let s = parse("%file:delay_enter=100ms:delay_exit=2", false).unwrap();
        assert_eq!(s.delay_enter, Some(Duration::from_millis(100)));
        assert_eq!(s.delay_exit, Some(Duration::from_micros(2)));
        let s = parse("read:poke_enter=@arg2=00ff,@arg3=0A", false).unwrap();
        assert_eq!(
            s.poke_enter,
            [
                Poke {
                    arg: 1,
                    data: vec![0, 255]
                },
                Poke {
                    arg: 2,
                    data: vec![10]
                }
            ]
        );
        let s = parse("openat:redirect=/dev/full:scope=process:prob=0.5", false).unwrap();
        assert_eq!(s.redirect.as_deref(), Some("/dev/full"));
        assert_eq!(s.scope, Scope::Process);
        assert_eq!(s.prob, Some(0.5));
        // --fault: ENOSYS unless said.
        assert_eq!(parse("getpid", true).unwrap().error, Some(libc::ENOSYS));
        assert_eq!(
            parse("getpid:error=EIO", true).unwrap().error,
            Some(libc::EIO)
        );
        assert_eq!(signal("SIGRTMIN+2"), Ok(34));
        assert_eq!(signal("USR2"), Ok(12));
        assert_eq!(signal("9"), Ok(9));
    }

    #[test]
    fn bad_specs_say_why() {
        for (s, want) in [
            ("", "no syscall set"),
            (":error=EIO", "no syscall set"),
            ("read", "no action"),
            ("read:when=3", "no action"),
            ("read:error=EBOGUS", "unknown errno"),
            ("read:error=0", "1 to 4095"),
            ("read:error=4096", "1 to 4095"),
            ("read:retval=-2", "write error=ENOENT"),
            ("read:retval=x", "not an integer"),
            ("read:error=EIO:retval=1", "only one"),
            ("read:signal=SIGNOPE", "unknown signal"),
            ("read:signal=65", "unknown signal"),
            ("read:frob=1", "unknown action"),
            ("read:error", "not KEY=VALUE"),
            ("read:error=EIO:when=0", "from 1 to"),
            ("read:error=EIO:when=5..3", "before the first"),
            ("read:error=EIO:when=x", "not a number"),
            ("read:error=EIO:when=1..", "not a number"),
            ("read:error=EIO:when=65536", "from 1 to"),
            ("read:error=EIO:when=1..65535", "from 1 to 65534"),
            ("read:delay_enter=5h", "a time like"),
            ("read:poke_enter=@arg9=00", "1 to 6"),
            ("read:poke_enter=@arg1=0", "even number"),
            ("read:poke_enter=arg1=00", "@argN=HEX"),
            ("read:prob=2", "from 0 to 1"),
            ("read:scope=world", "thread, process or tree"),
            ("openat:redirect=/x:error=EIO", "not with error"),
            ("read:signal=USR1", ""),
        ] {
            let r = parse(s, false);
            if want.is_empty() {
                assert!(r.is_ok(), "{s}: {r:?}");
                continue;
            }
            let e = r.expect_err(s);
            assert!(e.contains(want), "{s}: {e}");
        }
        let e = parse("read:signal=SIGUSR1", true).unwrap_err();
        assert!(e.contains("--fault takes only"), "{e}");
    }

    use crate::testutil::Rng;

    /// Random bytes, truncations and mutations of valid specs: never a
    /// panic; every error has a message.
    #[test]
    fn fuzz_never_panics() {
        let valid = [
            "openat:error=ENOENT:when=3",
            "read,write:retval=42:when=2..10+3",
            "%file:delay_enter=1.5ms:signal=SIGRTMIN+1",
            "read:poke_enter=@arg2=00ff,@arg3=0A:poke_exit=@arg1=dead",
            "openat:redirect=/dev/full:scope=tree:prob=0.25",
            "getrandom:error=EAGAIN:when=2+",
        ];
        let alphabet = b":=,.+@-0123456789abcdefxERSIGwhenrtvlpo%!_ ";
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for round in 0..20_000 {
            let base = valid[rng.below(valid.len())].as_bytes().to_vec();
            let mut b = match round % 4 {
                // Random bytes.
                0 => (0..rng.below(40))
                    .map(|_| rng.next() as u8)
                    .collect::<Vec<u8>>(),
                // Truncation.
                1 => base[..rng.below(base.len() + 1)].to_vec(),
                // Mutations from the spec alphabet.
                _ => {
                    let mut b = base;
                    for _ in 0..=rng.below(4) {
                        let at = rng.below(b.len() + 1);
                        match rng.below(3) {
                            0 if at < b.len() => {
                                b.remove(at);
                            }
                            1 => b.insert(at, alphabet[rng.below(alphabet.len())]),
                            _ if at < b.len() => b[at] = alphabet[rng.below(alphabet.len())],
                            _ => {}
                        }
                    }
                    b
                }
            };
            b.truncate(200);
            let s = String::from_utf8_lossy(&b);
            for fault in [false, true] {
                if let Err(e) = parse(&s, fault) {
                    assert!(!e.is_empty(), "{s:?}");
                }
            }
        }
    }
}
