//! The fields a filter can read, resolved from their names once at parse time.

use super::lex::short;

/// A field of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    /// `evt.type`: the syscall's name.
    EvtType,
    /// `evt.res`: the raw return value.
    EvtRes,
    /// `evt.failed`: whether the return value is an error.
    EvtFailed,
    /// `evt.errno`: the error's name (or number) when the call failed.
    EvtErrno,
    /// `evt.duration`: entry to exit, in ns.
    EvtDuration,
    /// `evt.arg.NAME`: the argument of that (man page) name.
    EvtArg(Box<str>),
    /// `proc.name`: the thread's comm.
    ProcName,
    /// `proc.pid`: the thread group id.
    ProcPid,
    /// `thread.tid`: the thread id.
    ThreadTid,
    /// `fd.num`: the call's file descriptor.
    FdNum,
    /// `fd.name`: what that descriptor refers to (`-y`).
    FdName,
    /// `container.id`: the container's id (`agent`); absent elsewhere.
    ContainerId,
    /// `container.name`: its name from the runtime's annotations.
    ContainerName,
}

/// What a field's values are, which decides the operators and values it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Bytes: `=`, `!=`, `in`, the string operators.
    Text,
    /// A number: every operator; comparisons need a number.
    Number,
    /// `true` or `false` (`1`, `0`): `=`, `!=`, `in`.
    Bool,
    /// An errno: its name, or its number.
    Errno,
    /// An argument: a number or a string, decided per record.
    Arg,
}

/// The fixed fields, as written, for suggestions and the docs.
pub const NAMES: &[(&str, Field)] = &[
    ("evt.type", Field::EvtType),
    ("evt.res", Field::EvtRes),
    ("evt.failed", Field::EvtFailed),
    ("evt.errno", Field::EvtErrno),
    ("evt.duration", Field::EvtDuration),
    ("proc.name", Field::ProcName),
    ("proc.pid", Field::ProcPid),
    ("thread.tid", Field::ThreadTid),
    ("fd.num", Field::FdNum),
    ("fd.name", Field::FdName),
    ("container.id", Field::ContainerId),
    ("container.name", Field::ContainerName),
];

const ARG_PREFIX: &str = "evt.arg.";

impl Field {
    /// The field called `name`, or an error message (with suggestions).
    pub fn lookup(name: &str) -> Result<Field, String> {
        if let Some((_, f)) = NAMES.iter().find(|(n, _)| *n == name) {
            return Ok(f.clone());
        }
        if let Some(arg) = name.strip_prefix(ARG_PREFIX) {
            if arg.is_empty() {
                return Err("'evt.arg.' needs an argument name (evt.arg.pathname)".into());
            }
            if !arg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(format!(
                    "bad argument name '{}' (letters, digits and '_')",
                    short(arg)
                ));
            }
            return Ok(Field::EvtArg(arg.into()));
        }
        if name == "evt.arg" {
            return Err("'evt.arg' needs an argument name (evt.arg.pathname)".into());
        }
        Err(unknown(name))
    }

    pub fn kind(&self) -> Kind {
        match self {
            Field::EvtType
            | Field::ProcName
            | Field::FdName
            | Field::ContainerId
            | Field::ContainerName => Kind::Text,
            Field::EvtRes
            | Field::EvtDuration
            | Field::ProcPid
            | Field::ThreadTid
            | Field::FdNum => Kind::Number,
            Field::EvtFailed => Kind::Bool,
            Field::EvtErrno => Kind::Errno,
            Field::EvtArg(_) => Kind::Arg,
        }
    }
}

/// `unknown field 'x' (nearest: a, b)`: the known names at the smallest
/// edit distance, when it is at most 3; `evt.args.x` suggests `evt.arg.x`.
fn unknown(name: &str) -> String {
    let mut msg = format!("unknown field '{}'", short(name));
    // A misspelt `evt.arg.` prefix: suggest the same argument name.
    if let Some((head, arg)) = name.rsplit_once('.') {
        if !arg.is_empty() && distance(head, "evt.arg") <= 2 && head != "evt" {
            msg.push_str(&format!(" (nearest: {ARG_PREFIX}{})", short(arg)));
            return msg;
        }
    }
    let mut best = usize::MAX;
    let mut near: Vec<&str> = Vec::new();
    for (n, _) in NAMES {
        let d = distance(name, n);
        if d < best {
            best = d;
            near.clear();
        }
        if d == best {
            near.push(n);
        }
    }
    if best <= 3 {
        near.truncate(3);
        msg.push_str(&format!(" (nearest: {})", near.join(", ")));
    }
    msg
}

/// Levenshtein distance in chars (names are short; a long one is cut so a
/// pasted paragraph costs nothing).
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
