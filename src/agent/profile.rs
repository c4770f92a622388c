//! `my-sysdig profile`: the seccomp profile (OCI `linux.seccomp`) that
//! sends the chosen calls to the agent: `SCMP_ACT_NOTIFY` for them,
//! `listenerPath` naming the agent's socket. Alone, everything else is
//! allowed; with `--from`, an existing profile (Docker's default...) keeps
//! its restrictions and only the calls it allows among the chosen ones go
//! to the agent.

use crate::arch::{self, SyscallTable};
use crate::error::{Error, Result};
use crate::select;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// The `profile` subcommand's settings.
pub struct ProfileConfig {
    pub only: Option<String>,
    pub socket: PathBuf,
    pub metadata: Option<String>,
    pub from: Option<PathBuf>,
}

const NOTIFY: &str = "SCMP_ACT_NOTIFY";
const ALLOW: &str = "SCMP_ACT_ALLOW";

/// Calls runc and youki refuse to send to a listener: runc's own process
/// writes the listener to its parent after loading the filter.
const REFUSED: &[&str] = &["write"];

/// Calls always sent to the agent, whatever `--only` says: they keep its
/// thread names true (a new program's name after `execve`, `PR_SET_NAME`).
/// The agent's own `--only` decides whether they get records.
pub const ALWAYS: &[&str] = &["execve", "execveat", "prctl"];

/// Largest `--from` profile read.
const MAX_PROFILE: u64 = 16 << 20;

/// Writes the profile to stdout; returns the exit code.
pub fn run(cfg: ProfileConfig) -> Result<i32> {
    let names = notify_names(cfg.only.as_deref())?;
    let socket = cfg
        .socket
        .to_str()
        .ok_or_else(|| Error::usage("--socket: the path must be UTF-8 (a profile is JSON)"))?;
    if !cfg.socket.is_absolute() {
        return Err(Error::usage(
            "--socket: the runtime needs an absolute path (listenerPath)",
        ));
    }
    let metadata = cfg.metadata.as_deref().unwrap_or("");
    let profile = match &cfg.from {
        None => fresh(&names, socket, metadata),
        Some(path) => {
            let text = read_limited(path)
                .map_err(|e| Error::fail(format!("--from {}: {e}", path.display())))?;
            let base: Value = serde_json::from_str(&text)
                .map_err(|e| Error::fail(format!("--from {}: not JSON: {e}", path.display())))?;
            let (merged, notified) = merge(base, &names, socket, metadata)
                .map_err(|e| Error::fail(format!("--from {}: {e}", path.display())))?;
            eprintln!(
                "my-sysdig: profile: {} of the {} chosen calls go to the agent (the others are \
                 denied or conditioned by {}, or not named there)",
                notified,
                names.len(),
                path.display()
            );
            merged
        }
    };
    let mut out = serde_json::to_string_pretty(&profile)
        .map_err(|e| Error::fail(format!("writing the profile: {e}")))?;
    out.push('\n');
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(Error::fail(format!("writing the profile: {e}"))),
    }
}

fn read_limited(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut s = String::new();
    std::fs::File::open(path)?
        .take(MAX_PROFILE + 1)
        .read_to_string(&mut s)?;
    if s.len() as u64 > MAX_PROFILE {
        return Err(std::io::Error::other("larger than 16 MiB"));
    }
    Ok(s)
}

/// The names `--only` chooses, in the native ABI and its compat one (a
/// profile names calls; the runtime resolves them per architecture),
/// without those runtimes refuse.
pub fn notify_names(only: Option<&str>) -> Result<BTreeSet<String>> {
    let table = SyscallTable::new(arch::native());
    let compat = table.arch.compat.map(SyscallTable::new);
    let sel = select::parse_abis(only, &table, compat.as_ref())?;
    let mut names: BTreeSet<String> = BTreeSet::new();
    for &nr in &sel.native {
        if let Some(s) = table.get(nr.into()) {
            names.insert(s.name.to_string());
        }
    }
    if let Some(ct) = &compat {
        for &nr in &sel.compat {
            if let Some(s) = ct.get(nr.into()) {
                names.insert(s.name.to_string());
            }
        }
    }
    for r in REFUSED {
        if names.remove(*r) && only.is_some() {
            eprintln!(
                "my-sysdig: profile: '{r}' left out: runc refuses SCMP_ACT_NOTIFY for it \
                 (its own {r} of the listener to its parent would deadlock)"
            );
        }
    }
    if names.is_empty() {
        return Err(Error::usage("--only: no call left to send to the agent"));
    }
    names.extend(ALWAYS.iter().map(|s| s.to_string()));
    Ok(names)
}

/// The profile's architectures: the native one and those its compat
/// calls come through.
fn architectures() -> Vec<&'static str> {
    match arch::native().name {
        "aarch64" => vec!["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
        _ => vec!["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    }
}

/// Everything allowed, `names` sent to the agent.
pub fn fresh(names: &BTreeSet<String>, socket: &str, metadata: &str) -> Value {
    json!({
        "defaultAction": ALLOW,
        "architectures": architectures(),
        "listenerPath": socket,
        "listenerMetadata": metadata,
        "syscalls": [
            { "names": names.iter().collect::<Vec<_>>(), "action": NOTIFY }
        ]
    })
}

/// `base` with `names` sent to the agent where it allows them: each rule
/// allowing some of them (with its conditions: `args`, `includes`,
/// `excludes`) is split, the part naming them becoming `SCMP_ACT_NOTIFY`;
/// when the default action is to allow, the names no rule mentions get a
/// rule of their own. Calls the profile denies stay denied (they never
/// reach the agent); every other field is kept. Returns the profile and
/// how many of `names` go to the agent.
pub fn merge(
    mut base: Value,
    names: &BTreeSet<String>,
    socket: &str,
    metadata: &str,
) -> std::result::Result<(Value, usize), String> {
    let obj = base
        .as_object_mut()
        .ok_or("the profile is not a JSON object")?;
    let default_allows = match obj.get("defaultAction") {
        Some(Value::String(a)) => a == ALLOW,
        Some(_) => return Err("defaultAction is not a string".into()),
        None => return Err("no defaultAction".into()),
    };
    let rules = match obj.remove("syscalls") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err("syscalls is not an array".into()),
    };
    let mut mentioned: BTreeSet<String> = BTreeSet::new();
    let mut notified: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(rules.len() + 1);
    for (i, rule) in rules.into_iter().enumerate() {
        let Value::Object(mut r) = rule else {
            return Err(format!("syscalls[{i}] is not an object"));
        };
        let rule_names = rule_names(&r).map_err(|e| format!("syscalls[{i}]: {e}"))?;
        mentioned.extend(rule_names.iter().cloned());
        let allows = r.get("action").and_then(Value::as_str) == Some(ALLOW);
        let (ours, theirs): (Vec<String>, Vec<String>) = rule_names
            .into_iter()
            .partition(|n| allows && names.contains(n));
        if ours.is_empty() {
            out.push(Value::Object(r));
            continue;
        }
        notified.extend(ours.iter().cloned());
        r.remove("name");
        let mut notify = r.clone();
        notify.insert("names".into(), json!(ours));
        notify.insert("action".into(), json!(NOTIFY));
        if !theirs.is_empty() {
            r.insert("names".into(), json!(theirs));
            out.push(Value::Object(r));
        }
        out.push(Value::Object(notify));
    }
    if default_allows {
        let rest: Vec<&String> = names.difference(&mentioned).collect();
        if !rest.is_empty() {
            notified.extend(rest.iter().map(|s| s.to_string()));
            out.push(json!({ "names": rest, "action": NOTIFY }));
        }
    }
    obj.insert("syscalls".into(), Value::Array(out));
    obj.insert("listenerPath".into(), json!(socket));
    obj.insert("listenerMetadata".into(), json!(metadata));
    Ok((base, notified.len()))
}

/// A rule's names: `names` (OCI), or `name` (Docker's older form).
fn rule_names(r: &Map<String, Value>) -> std::result::Result<Vec<String>, String> {
    match (r.get("names"), r.get("name")) {
        (Some(Value::Array(a)), _) => a
            .iter()
            .map(|n| {
                n.as_str()
                    .map(str::to_string)
                    .ok_or("a name is not a string".to_string())
            })
            .collect(),
        (Some(_), _) => Err("names is not an array".into()),
        (None, Some(Value::String(n))) => Ok(vec![n.clone()]),
        (None, Some(_)) => Err("name is not a string".into()),
        (None, None) => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(n: &[&str]) -> BTreeSet<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fresh_profile() {
        let p = fresh(&set(&["mkdir", "openat"]), "/run/a.sock", "m");
        assert_eq!(p["defaultAction"], "SCMP_ACT_ALLOW");
        assert_eq!(p["listenerPath"], "/run/a.sock");
        assert_eq!(p["listenerMetadata"], "m");
        assert_eq!(p["syscalls"][0]["names"], json!(["mkdir", "openat"]));
        assert_eq!(p["syscalls"][0]["action"], "SCMP_ACT_NOTIFY");
    }

    #[test]
    fn write_is_left_out() {
        let n = notify_names(Some("openat,write")).unwrap();
        assert_eq!(n, set(&["openat", "execve", "execveat", "prctl"]));
        assert!(notify_names(Some("write")).is_err());
        let all = notify_names(None).unwrap();
        assert!(all.contains("openat") && !all.contains("write"));
        assert!(notify_names(Some("nosuchcall")).is_err());
    }

    /// Docker's default profile in miniature: deny by default, an
    /// unconditional allow list, a conditional rule, a denial.
    #[test]
    fn merge_keeps_restrictions() {
        let base = json!({
            "defaultAction": "SCMP_ACT_ERRNO",
            "defaultErrnoRet": 1,
            "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
            "syscalls": [
                {"names": ["openat", "read", "close"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
                {"names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
                {"name": "chdir", "action": "SCMP_ACT_ALLOW"},
                {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO"}
            ]
        });
        let names = set(&[
            "openat",
            "personality",
            "mkdir",
            "chdir",
            "ptrace",
            "unshare",
        ]);
        let (p, n) = merge(base, &names, "/run/s", "").unwrap();
        assert_eq!(n, 4);
        assert_eq!(p["defaultAction"], "SCMP_ACT_ERRNO");
        assert_eq!(p["defaultErrnoRet"], 1);
        assert!(p["archMap"].is_array());
        assert_eq!(p["listenerPath"], "/run/s");
        let rules = p["syscalls"].as_array().unwrap();
        assert_eq!(
            rules[0],
            json!({"names": ["read", "close"], "action": "SCMP_ACT_ALLOW"})
        );
        assert_eq!(
            rules[1],
            json!({"names": ["openat"], "action": "SCMP_ACT_NOTIFY"})
        );
        // Conditions are kept on the notifying rule.
        assert_eq!(rules[2]["action"], "SCMP_ACT_NOTIFY");
        assert_eq!(rules[2]["args"][0]["op"], "SCMP_CMP_EQ");
        assert_eq!(rules[3]["includes"]["caps"][0], "CAP_SYS_ADMIN");
        assert_eq!(rules[3]["action"], "SCMP_ACT_NOTIFY");
        assert_eq!(
            rules[4],
            json!({"names": ["chdir"], "action": "SCMP_ACT_NOTIFY"})
        );
        // A denial stays; unshare (not named, denied by default) stays denied.
        assert_eq!(rules[5]["action"], "SCMP_ACT_ERRNO");
        assert_eq!(rules.len(), 6);
    }

    #[test]
    fn merge_with_allow_default_adds_the_rest() {
        let base = json!({"defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]});
        let (p, n) = merge(base, &set(&["mkdir", "openat"]), "/s", "x").unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            p["syscalls"][1],
            json!({"names": ["openat"], "action": "SCMP_ACT_NOTIFY"})
        );
        assert_eq!(p["listenerMetadata"], "x");
    }

    #[test]
    fn merge_errors() {
        for (v, e) in [
            (json!([]), "not a JSON object"),
            (json!({}), "no defaultAction"),
            (json!({"defaultAction": 1}), "defaultAction is not a string"),
            (
                json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}}),
                "syscalls is not an array",
            ),
            (
                json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [1]}),
                "syscalls[0] is not an object",
            ),
            (
                json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [1]}]}),
                "syscalls[0]: a name is not a string",
            ),
        ] {
            let got = merge(v, &set(&["x"]), "/s", "").unwrap_err();
            assert!(got.contains(e), "{got} / {e}");
        }
    }
}
