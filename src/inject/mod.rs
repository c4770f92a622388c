//! Fault injection (`--inject`, `--fault`): which calls are tampered with,
//! counted as strace counts them (per syscall and per thread, unless
//! `scope=` says otherwise), and refusing what cannot be faked safely.
//!
//! How each action is carried out lives with the loops that see the call:
//! supervisor/notify.rs answers a notification with the made-up result
//! (the call never runs), later for `delay_enter=`, or installs a
//! descriptor for `redirect=`; supervisor/ptrace.rs skips a call at its
//! seccomp stop and sets its return register at the exit stop, and acts
//! there for `delay_exit=` and `poke_exit=`.

pub mod spec;

use crate::arch::SyscallTable;
use crate::error::{Error, Result};
use crate::handlers::Ret;
use crate::record::{Abi, Injected};
use parking_lot::Mutex;
use rustc_hash::FxHashMap as HashMap;
pub use spec::{Poke, Scope, Spec};

/// Calls never tampered with: the kernel's own (rt_sigreturn,
/// restart_syscall) and those that end a thread (nothing to fake).
const NEVER: &[&str] = &[
    "rt_sigreturn",
    "sigreturn",
    "restart_syscall",
    "exit",
    "exit_group",
];

/// Calls that may only fail: a made-up success would leave the program
/// believing in a process or a program image that does not exist.
const ERRORS_ONLY: &[&str] = &["execve", "execveat", "clone", "clone3", "fork", "vfork"];

/// The `--inject`/`--fault` values of a run, resolved against the tables.
pub struct Injector {
    specs: Vec<Spec>,
    /// By syscall number, the spec that applies (the last one naming the
    /// call, as in strace): native ABI, then the compat ABI.
    native: Vec<Option<u16>>,
    compat: Vec<Option<u16>>,
    /// Invocations seen so far, by (ABI, call, counting unit).
    counts: Mutex<HashMap<(bool, u32, i32), u64>>,
    seed: u64,
}

/// One option as given: its text and whether it was `--fault`.
pub struct Given<'a> {
    pub text: &'a str,
    pub fault: bool,
}

impl Injector {
    /// Parses and checks every spec. `no_ret`: no ptrace, so the actions
    /// at the exit are refused; `notify`: user notification works (needed
    /// by `redirect=`). `seed`: `--inject-seed`.
    pub fn new(
        given: &[Given<'_>],
        table: &SyscallTable,
        compat: Option<&SyscallTable>,
        no_ret: bool,
        notify: bool,
        seed: Option<u64>,
    ) -> Result<Option<Injector>> {
        if given.is_empty() {
            if seed.is_some() {
                return Err(Error::usage(
                    "--inject-seed: no --inject or --fault to seed",
                ));
            }
            return Ok(None);
        }
        let max = |t: &SyscallTable| t.iter().map(|(nr, _)| nr as usize + 1).max().unwrap_or(0);
        let mut inj = Injector {
            specs: Vec::new(),
            native: vec![None; max(table)],
            compat: vec![None; compat.map_or(0, max)],
            counts: Mutex::new(HashMap::default()),
            seed: 0,
        };
        for g in given {
            let opt = if g.fault { "--fault" } else { "--inject" };
            let usage = |m: String| Error::usage(format!("{opt}: {m}"));
            let spec = spec::parse(g.text, g.fault).map_err(usage)?;
            if no_ret && spec.needs_exit_stop() {
                return Err(usage(format!(
                    "'{}': delay_exit= and poke_exit= act at the call's exit, which needs ptrace: \
                     not with --no-ret",
                    g.text
                )));
            }
            if spec.redirect.is_some() && !notify {
                return Err(usage(format!(
                    "'{}': redirect= installs a descriptor with SECCOMP_IOCTL_NOTIF_ADDFD, which needs \
                     seccomp user notification (Linux 5.14)",
                    g.text
                )));
            }
            let list = (spec.set != "all").then_some(spec.set.as_str());
            let sel = crate::select::parse_abis(list, table, compat).map_err(|e| {
                let m = e.msg.strip_prefix("--only: ").unwrap_or(&e.msg).to_string();
                usage(m)
            })?;
            // Names typed as such are refused when unsafe; those a class
            // or `all` brings in are left out quietly.
            let named: Vec<&str> = spec
                .set
                .split(',')
                .map(str::trim)
                .filter(|w| !w.starts_with('%') && !w.starts_with('!') && *w != "all")
                .collect();
            let idx = u16::try_from(inj.specs.len()).map_err(|_| usage("too many specs".into()))?;
            let mut any = false;
            for (nrs, t, by) in [
                (&sel.native, Some(table), &mut inj.native),
                (&sel.compat, compat, &mut inj.compat),
            ] {
                let Some(t) = t else { continue };
                for &nr in nrs {
                    let Some(row) = t.get(nr.into()) else {
                        continue;
                    };
                    match refusal(&spec, row.name, row.ret) {
                        Some(why) if named.contains(&row.name) => {
                            return Err(usage(format!("'{}': {why}", g.text)));
                        }
                        Some(_) => {}
                        None => {
                            if let Some(slot) = by.get_mut(nr as usize) {
                                *slot = Some(idx);
                                any = true;
                            }
                        }
                    }
                }
            }
            if !any {
                return Err(usage(format!(
                    "'{}': the set selects no call this can be injected into",
                    g.text
                )));
            }
            inj.specs.push(spec);
        }
        if inj.specs.iter().any(|s| s.prob.is_some()) {
            inj.seed = match seed {
                Some(s) => s,
                None => random_seed(),
            };
            eprintln!(
                "my-sysdig: --inject: random choices with seed {} (repeat with --inject-seed {})",
                inj.seed, inj.seed
            );
        } else if let Some(s) = seed {
            inj.seed = s;
        }
        Ok(Some(inj))
    }

    /// `(number, spec)` of every call tampered with in the native ABI
    /// (`compat`: the compat ABI's).
    pub fn calls(&self, compat: bool) -> impl Iterator<Item = (u32, &Spec)> {
        let by = if compat { &self.compat } else { &self.native };
        by.iter()
            .enumerate()
            .filter_map(|(nr, s)| Some((nr as u32, self.specs.get((*s)? as usize)?)))
    }

    /// The spec for call `nr` of `abi`, if any (not counted).
    pub fn spec_of(&self, abi: Abi, nr: u64) -> Option<&Spec> {
        let by = match abi {
            Abi::Native => &self.native,
            Abi::Compat(_) => &self.compat,
        };
        let i = (*by.get(nr as usize)?)?;
        self.specs.get(i as usize)
    }

    /// Counts this invocation of call `nr` by thread `tid` of process
    /// `tgid`, and says whether it is tampered with, and how.
    pub fn decide(&self, abi: Abi, nr: u64, tid: i32, tgid: i32) -> Option<&Spec> {
        let spec = self.spec_of(abi, nr)?;
        let who = match spec.scope {
            Scope::Thread => tid,
            Scope::Process => tgid,
            Scope::Tree => 0,
        };
        let n = {
            let mut c = self.counts.lock();
            let n = c
                .entry((matches!(abi, Abi::Compat(_)), nr as u32, who))
                .or_insert(0);
            *n += 1;
            *n
        };
        if !spec.when.matches(n) {
            return None;
        }
        if let Some(p) = spec.prob {
            // The same seed makes the same choices for the same invocation
            // numbers: a run is repeated with the seed it printed.
            let idx = self
                .specs
                .iter()
                .position(|s| std::ptr::eq(s, spec))
                .unwrap_or(0) as u64;
            let r = splitmix(self.seed ^ splitmix(idx ^ (nr << 20)) ^ splitmix(n));
            if (r >> 11) as f64 / (1u64 << 53) as f64 >= p {
                return None;
            }
        }
        Some(spec)
    }
}

/// Why `spec` cannot be applied to call `name` (whose result is `ret`).
fn refusal(spec: &Spec, name: &str, ret: Ret) -> Option<String> {
    if NEVER.contains(&name) {
        return Some(format!(
            "{name} cannot be tampered with (the kernel's own call, or one that ends a thread)"
        ));
    }
    if ERRORS_ONLY.contains(&name) && (spec.retval.is_some() || spec.redirect.is_some()) {
        return Some(format!(
            "{name} can only be made to fail (error=): a made-up success would leave a process \
             or program that does not exist"
        ));
    }
    if spec.retval.is_some() && ret == Ret::Fd {
        return Some(format!(
            "{name} returns a file descriptor: a made-up number would refer to no file or another \
             one (use redirect=PATH for a real descriptor)"
        ));
    }
    if spec.redirect.is_some() && ret != Ret::Fd {
        return Some(format!(
            "redirect= answers with a new file descriptor: {name} does not return one"
        ));
    }
    None
}

/// The marks a tampered call's record carries.
pub fn marks(spec: &Spec) -> Injected {
    let mut m = 0;
    if spec.error.is_some() {
        m |= Injected::ERROR;
    }
    if spec.retval.is_some() {
        m |= Injected::RETVAL;
    }
    if spec.redirect.is_some() {
        m |= Injected::REDIRECT;
    }
    if spec.delay_enter.is_some() || spec.delay_exit.is_some() {
        m |= Injected::DELAYED;
    }
    if spec.signal.is_some() {
        m |= Injected::SIGNAL;
    }
    if !spec.poke_enter.is_empty() || !spec.poke_exit.is_empty() {
        m |= Injected::POKED;
    }
    Injected(m)
}

/// The raw return value of a call that does not run (not for redirect=,
/// whose descriptor number the kernel chooses).
pub fn made_up_result(spec: &Spec) -> Option<i64> {
    match (spec.error, spec.retval) {
        (Some(e), _) => Some(-i64::from(e)),
        (_, Some(v)) => Some(v),
        _ => None,
    }
}

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn random_seed() -> u64 {
    let mut b = [0u8; 8];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .is_ok()
    {
        return u64::from_ne_bytes(b) >> 1;
    }
    crate::supervisor::realtime_ns() >> 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch;

    fn tables() -> (SyscallTable, Option<SyscallTable>) {
        let t = SyscallTable::new(arch::native());
        let c = t.arch.compat.map(SyscallTable::new);
        (t, c)
    }

    fn build(specs: &[&str], no_ret: bool) -> Result<Option<Injector>> {
        let (t, c) = tables();
        let given: Vec<Given> = specs
            .iter()
            .map(|s| Given {
                text: s,
                fault: false,
            })
            .collect();
        Injector::new(&given, &t, c.as_ref(), no_ret, true, Some(1))
    }

    #[test]
    fn refuses_what_cannot_be_faked() {
        for (s, want) in [
            ("rt_sigreturn:error=EIO", "cannot be tampered"),
            ("exit_group:error=EIO", "cannot be tampered"),
            ("restart_syscall:error=EIO", "cannot be tampered"),
            ("execve:retval=0", "only be made to fail"),
            ("clone:retval=5", "only be made to fail"),
            ("openat:retval=3", "use redirect="),
            ("read:redirect=/dev/null", "does not return one"),
            ("nosuchcall:error=EIO", "unknown syscall"),
            ("%bogus:error=EIO", "unknown class"),
            ("read:delay_exit=1ms", ""),
        ] {
            match (build(&[s], false), want) {
                (Ok(_), "") => {}
                (Err(e), w) if !w.is_empty() => {
                    assert!(e.msg.contains(w), "{s}: {}", e.msg);
                    assert_eq!(e.code, 2);
                    assert!(e.msg.starts_with("--inject: "), "{}", e.msg);
                }
                (r, _) => panic!("{s}: {:?}", r.err().map(|e| e.msg)),
            }
        }
        let e = build(&["read:delay_exit=1ms"], true).err().unwrap();
        assert!(e.msg.contains("needs ptrace"), "{}", e.msg);
        // A class leaves out quietly what it cannot take.
        let inj = build(&["%process:error=EPERM"], false).unwrap().unwrap();
        let (t, _) = tables();
        let names: Vec<&str> = inj
            .calls(false)
            .filter_map(|(nr, _)| t.get(nr.into()).map(|s| s.name))
            .collect();
        assert!(
            names.contains(&"execve") && !names.contains(&"exit_group"),
            "{names:?}"
        );
    }

    #[test]
    fn counts_per_call_and_thread() {
        let inj = build(&["openat,close:error=ENOENT:when=2..3"], false)
            .unwrap()
            .unwrap();
        let (t, _) = tables();
        let openat = t.number("openat").unwrap() as u64;
        let close = t.number("close").unwrap() as u64;
        let got = |nr, tid| inj.decide(Abi::Native, nr, tid, 1).is_some();
        assert!(!got(openat, 10));
        assert!(!got(close, 10), "each call has its own count");
        assert!(got(openat, 10));
        assert!(!got(openat, 11), "each thread has its own count");
        assert!(got(openat, 10));
        assert!(!got(openat, 10));
        // scope=tree: one count for all.
        let inj = build(&["getpid:retval=7:when=2:scope=tree"], false)
            .unwrap()
            .unwrap();
        let getpid = t.number("getpid").unwrap() as u64;
        assert!(inj.decide(Abi::Native, getpid, 5, 5).is_none());
        assert!(inj.decide(Abi::Native, getpid, 6, 6).is_some());
        // The last spec naming a call wins, as in strace.
        let inj = build(&["read:error=EIO", "read:error=EAGAIN"], false)
            .unwrap()
            .unwrap();
        let read = t.number("read").unwrap() as u64;
        assert_eq!(
            inj.spec_of(Abi::Native, read).unwrap().error,
            Some(libc::EAGAIN)
        );
    }

    #[test]
    fn probability_repeats_with_its_seed() {
        let (t, c) = tables();
        let run = |seed| {
            let g = [Given {
                text: "getpid:retval=1:prob=0.5",
                fault: false,
            }];
            let inj = Injector::new(&g, &t, c.as_ref(), false, true, Some(seed))
                .unwrap()
                .unwrap();
            let nr = t.number("getpid").unwrap() as u64;
            (0..200)
                .map(|_| inj.decide(Abi::Native, nr, 1, 1).is_some())
                .collect::<Vec<bool>>()
        };
        let a = run(42);
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
        let hits = a.iter().filter(|&&h| h).count();
        assert!((60..140).contains(&hits), "{hits}");
    }
}
