//! The "container process state" an OCI runtime sends with a seccomp
//! listener (runtime-spec `config-linux.md`, "The container process
//! state"): which received descriptor is the listener, the container's
//! process, its id, bundle and annotations, and the profile's
//! `listenerMetadata`. runc 1.1 sends, for example:
//!
//! ```json
//! {"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":14001,"metadata":"m",
//!  "state":{"ociVersion":"1.0.2-dev","id":"t2","status":"creating","pid":14001,
//!           "bundle":"/tmp/b","annotations":{"io.kubernetes.container.name":"web"}}}
//! ```
//!
//! Everything is checked; anything missing or of the wrong type is an
//! error that says what, never a panic.

use crate::record::container::{self, Container};
use serde_json::Value;

/// Largest state accepted, in bytes.
pub const MAX_STATE: usize = 1 << 20;

/// The name of the listener's entry in `fds`.
const SECCOMP_FD: &str = "seccompFd";

/// Annotations that name a container, in the order they are looked at:
/// containerd's CRI plugin, CRI-O / the kubelet's, nerdctl's.
const NAME_KEYS: &[&str] = &[
    "io.kubernetes.cri.container-name",
    "io.kubernetes.container.name",
    "nerdctl/name",
];

/// What the agent keeps of a state.
#[derive(Debug, PartialEq)]
pub struct ProcessState {
    /// Index of the listener among the descriptors received.
    pub seccomp_fd: usize,
    /// The process the filter was loaded in (in the runtime's pid
    /// namespace): the container's first process, or one `runc exec` started.
    pub pid: i32,
    /// The container's first process (`state.pid`); `pid` when not given.
    pub init_pid: i32,
    pub container: Container,
    /// The bundle's path, for the log.
    pub bundle: String,
}

/// Parses and checks `bytes`, sent with `nfds` descriptors.
pub fn parse(bytes: &[u8], nfds: usize) -> Result<ProcessState, String> {
    if bytes.len() > MAX_STATE {
        return Err(format!(
            "state of {} bytes (at most {MAX_STATE})",
            bytes.len()
        ));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("state is not JSON: {e}"))?;
    let top = v.as_object().ok_or("state is not a JSON object")?;
    match top.get("ociVersion") {
        Some(Value::String(_)) => {}
        Some(_) => return Err("ociVersion is not a string".into()),
        None => return Err("no ociVersion".into()),
    }
    let fds = match top.get("fds") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err("fds is not an array".into()),
        None => return Err("no fds".into()),
    };
    let mut seccomp_fd = None;
    for (i, f) in fds.iter().enumerate() {
        match f.as_str() {
            Some(SECCOMP_FD) if seccomp_fd.is_some() => {
                return Err("fds names seccompFd twice".into());
            }
            Some(SECCOMP_FD) => seccomp_fd = Some(i),
            Some(_) => {}
            None => return Err(format!("fds[{i}] is not a string")),
        }
    }
    let seccomp_fd = seccomp_fd.ok_or("fds has no seccompFd")?;
    if fds.len() != nfds {
        return Err(format!(
            "fds names {} descriptor{} but {nfds} came with the message",
            fds.len(),
            if fds.len() == 1 { "" } else { "s" }
        ));
    }
    let pid = positive_pid(top.get("pid"), "pid")?;
    let metadata = match top.get("metadata") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("metadata is not a string".into()),
    };
    let state = match top.get("state") {
        Some(Value::Object(o)) => o,
        Some(_) => return Err("state is not an object".into()),
        None => return Err("no state".into()),
    };
    let id = match state.get("id") {
        Some(Value::String(s)) if container::valid_id(s) => s.clone(),
        Some(Value::String(s)) => {
            return Err(format!(
                "state.id {:?} is not a container id ([A-Za-z0-9_.+-], 1 to 1024 bytes)",
                short(s)
            ));
        }
        Some(_) => return Err("state.id is not a string".into()),
        None => return Err("no state.id".into()),
    };
    // `runc exec` sends its own process's listener: `pid` is that process,
    // `state.pid` the container's first one.
    let init_pid = match state.get("pid") {
        None | Some(Value::Null) => pid,
        Some(p) => positive_pid(Some(p), "state.pid")?,
    };
    let bundle = match state.get("bundle") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("state.bundle is not a string".into()),
    };
    let name = match state.get("annotations") {
        None | Some(Value::Null) => None,
        Some(Value::Object(a)) => {
            for (k, v) in a {
                if !v.is_string() {
                    return Err(format!("annotation {:?} is not a string", short(k)));
                }
            }
            NAME_KEYS
                .iter()
                .find_map(|k| a.get(*k).and_then(Value::as_str))
                .filter(|n| !n.is_empty())
                .map(str::to_string)
        }
        Some(_) => return Err("state.annotations is not an object".into()),
    };
    Ok(ProcessState {
        seccomp_fd,
        pid,
        init_pid,
        container: Container { id, name, metadata },
        bundle,
    })
}

fn positive_pid(v: Option<&Value>, what: &str) -> Result<i32, String> {
    match v {
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|p| i32::try_from(p).ok())
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{what} {n} is not a process id")),
        Some(_) => Err(format!("{what} is not a number")),
        None => Err(format!("no {what}")),
    }
}

/// At most 64 characters of `s`, for messages.
fn short(s: &str) -> String {
    match s.char_indices().nth(64) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNC: &str = r#"{"ociVersion":"1.0.2-dev","fds":["seccompFd"],"pid":14001,"metadata":"meta1","state":{"ociVersion":"1.0.2-dev","id":"t2","status":"creating","pid":14001,"bundle":"/tmp/rt/b","annotations":{"io.kubernetes.container.name":"web"}}}"#;

    #[test]
    fn what_runc_sends() {
        let s = parse(RUNC.as_bytes(), 1).unwrap();
        assert_eq!(
            s,
            ProcessState {
                seccomp_fd: 0,
                pid: 14001,
                init_pid: 14001,
                container: Container {
                    id: "t2".into(),
                    name: Some("web".into()),
                    metadata: "meta1".into(),
                },
                bundle: "/tmp/rt/b".into(),
            }
        );
    }

    #[test]
    fn minimal_and_other_positions() {
        let s = parse(
            br#"{"ociVersion":"1","fds":["other","seccompFd"],"pid":1,"state":{"id":"x"}}"#,
            2,
        )
        .unwrap();
        assert_eq!(s.seccomp_fd, 1);
        assert_eq!(s.container.name, None);
        assert_eq!(s.container.metadata, "");
        // containerd's CRI name wins over the kubelet's.
        let s = parse(
            br#"{"ociVersion":"1","fds":["seccompFd"],"pid":1,"state":{"id":"x","annotations":{"io.kubernetes.container.name":"b","io.kubernetes.cri.container-name":"a"}}}"#,
            1,
        )
        .unwrap();
        assert_eq!(s.container.name.as_deref(), Some("a"));
    }

    fn err(s: &str, nfds: usize) -> String {
        parse(s.as_bytes(), nfds).unwrap_err()
    }

    #[test]
    fn errors_say_what() {
        assert!(err("", 1).starts_with("state is not JSON"));
        assert!(err("garbage", 1).starts_with("state is not JSON"));
        assert_eq!(err("[]", 1), "state is not a JSON object");
        assert_eq!(err("{}", 1), "no ociVersion");
        let base = |fds: &str, pid: &str, id: &str| {
            format!(
                r#"{{"ociVersion":"1","fds":{fds},"pid":{pid},"state":{{"id":{id},"pid":{pid}}}}}"#
            )
        };
        assert_eq!(
            err(&base(r#"["x"]"#, "1", "\"a\""), 1),
            "fds has no seccompFd"
        );
        assert_eq!(
            err(&base(r#"["seccompFd","seccompFd"]"#, "1", "\"a\""), 2),
            "fds names seccompFd twice"
        );
        assert_eq!(
            err(&base(r#"["seccompFd"]"#, "1", "\"a\""), 0),
            "fds names 1 descriptor but 0 came with the message"
        );
        assert_eq!(
            err(&base(r#"["seccompFd"]"#, "-3", "\"a\""), 1),
            "pid -3 is not a process id"
        );
        assert_eq!(
            err(&base(r#"["seccompFd"]"#, "99999999999", "\"a\""), 1),
            "pid 99999999999 is not a process id"
        );
        assert!(err(&base(r#"["seccompFd"]"#, "1", "\"a b\""), 1).contains("not a container id"));
        assert!(err(&base(r#"["seccompFd"]"#, "1", "\"../x\""), 1).contains("not a container id"));
        assert_eq!(
            err(&base(r#"["seccompFd"]"#, "1", "7"), 1),
            "state.id is not a string"
        );
        // runc exec: the exec'd process and the container's first one.
        let s = parse(
            br#"{"ociVersion":"1","fds":["seccompFd"],"pid":7,"state":{"id":"a","pid":2}}"#,
            1,
        )
        .unwrap();
        assert_eq!((s.pid, s.init_pid), (7, 2));
        assert_eq!(
            err(
                r#"{"ociVersion":"1","fds":["seccompFd"],"pid":1,"state":{"id":"a","pid":0}}"#,
                1
            ),
            "state.pid 0 is not a process id"
        );
        assert_eq!(
            err(
                r#"{"ociVersion":"1","fds":["seccompFd"],"pid":1,"state":{"id":"a","annotations":{"k":1}}}"#,
                1
            ),
            "annotation \"k\" is not a string"
        );
        assert!(err(&"x".repeat(MAX_STATE + 1), 1).contains("at most"));
    }

    use crate::testutil::Rng;

    fn random_value(rng: &mut Rng, depth: usize) -> Value {
        match rng.below(if depth > 3 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => Value::Bool(rng.below(2) == 0),
            2 => Value::from(rng.next() as i64 >> rng.below(64)),
            3 => Value::from(["seccompFd", "x", "", "t2", "é\u{0}"][rng.below(5)]),
            4 => Value::from(rng.below(100_000) as f64 / 7.0),
            5 => Value::Array(
                (0..rng.below(4))
                    .map(|_| random_value(rng, depth + 1))
                    .collect(),
            ),
            _ => {
                let keys = [
                    "ociVersion",
                    "fds",
                    "pid",
                    "metadata",
                    "state",
                    "id",
                    "annotations",
                    "bundle",
                    "io.kubernetes.container.name",
                ];
                Value::Object(
                    (0..rng.below(6))
                        .map(|_| {
                            (
                                keys[rng.below(keys.len())].to_string(),
                                random_value(rng, depth + 1),
                            )
                        })
                        .collect(),
                )
            }
        }
    }

    /// Truncations, flipped bytes and random JSON values: never a panic,
    /// and whatever is accepted is consistent.
    #[test]
    fn fuzz_never_panics() {
        let mut rng = Rng(0x5eed_1234_abcd_0001);
        let check = |bytes: &[u8], nfds: usize| {
            if let Ok(s) = parse(bytes, nfds) {
                assert!(s.seccomp_fd < nfds);
                assert!(s.pid > 0);
                assert!(container::valid_id(&s.container.id));
            }
        };
        let good = RUNC.as_bytes();
        for cut in 0..good.len() {
            check(&good[..cut], 1);
            assert!(parse(&good[..cut], 1).is_err());
        }
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut b = good.to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(b.len());
                match rng.below(3) {
                    0 => b[at] ^= 1 << rng.below(8),
                    1 => b[at] = rng.next() as u8,
                    _ => {
                        b.remove(at);
                    }
                }
            }
            check(&b, rng.below(3));
            if parse(&b, 1).is_ok() {
                accepted += 1;
            }
        }
        // Some mutations (inside strings) keep it valid.
        assert!(accepted > 0);
        for _ in 0..20_000 {
            let v = random_value(&mut rng, 0);
            let bytes = serde_json::to_vec(&v).unwrap();
            check(&bytes, rng.below(3));
        }
        // Deep nesting is refused by serde_json's own limit, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(deep.as_bytes(), 1).is_err());
    }
}
