//! One record per traced syscall, and its three output formats.

pub mod container;
pub mod decor;
mod json;
pub mod siginfo;
pub mod strace;
pub mod summary;
mod text;
pub mod writer;

/// A decoded argument value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Int(i64),
    UInt(u64),
    /// Shown as hex.
    Hex(u64),
    /// An address: hex, or `NULL`.
    Ptr(u64),
    /// A symbolic constant or flag set (`O_RDONLY|O_CLOEXEC`).
    Sym(String),
    /// Octal mode bits.
    Mode(u64),
    /// Bytes from tracee memory; `truncated` when cut at the snaplen.
    Bytes {
        data: Vec<u8>,
        truncated: bool,
    },
    /// A pointer that could not be read.
    Fault {
        addr: u64,
        errno: i32,
    },
    /// An array (argv); `truncated` when more elements were not read.
    Array {
        items: Vec<Value>,
        truncated: bool,
    },
    /// A structure, fields in order.
    Struct(Vec<(&'static str, Value)>),
    /// A pointer to elements counted, not shown: envp (`/* 35 vars */`),
    /// getdents64 (`/* 149 entries */`). The text and JSON formats show the count.
    Counted {
        addr: u64,
        n: u64,
        unit: &'static str,
    },
    /// Bytes strace prints in hex whatever they are (getrandom's output).
    HexBytes {
        data: Vec<u8>,
        truncated: bool,
    },
    /// An in/out value the call changed: strace's `[110 => 16]`.
    Changed(Box<Value>, Box<Value>),
    /// A value shown as a call in strace's form (`htons(80)`,
    /// `inet_addr("127.0.0.1")`); the text and JSON formats show the inner value.
    Call(&'static str, Box<Value>),
    /// Clock ticks (a siginfo's si_utime): strace adds the seconds in a
    /// comment, `1 /* 0.01 s */`; the text and JSON formats show the count.
    Clock(u64),
    /// Output the kernel writes, not captured: the call did not return
    /// (yet), or the mode does not read memory at exit. The pointer is kept.
    NotCaptured(u64),
    /// A file descriptor (or `AT_FDCWD`) with what it refers to (`-y`):
    /// `3</etc/hosts>` in the text and strace formats, the bare value plus
    /// an entry in `"paths"` in JSON.
    WithPath(Box<Value>, FdPath),
}

/// What a file descriptor refers to, as `/proc/PID/fd/N` reads (`-y`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdPath {
    /// The link's target, without the kernel's ` (deleted)` suffix when
    /// the file is really gone. Shared: the fd table and every record
    /// showing this descriptor hold the same bytes.
    pub path: std::sync::Arc<[u8]>,
    /// The file was unlinked (strace shows `</tmp/x>(deleted)`).
    pub deleted: bool,
}

impl FdPath {
    pub fn new(path: &[u8], deleted: bool) -> Self {
        FdPath {
            path: path.into(),
            deleted,
        }
    }

    /// strace's form: `<path>` with the path quoted as strace quotes
    /// strings (C escapes, octal for other bytes, `<` and `>` escaped too),
    /// then `(deleted)` for an unlinked file.
    pub fn write_strace(&self, out: &mut Vec<u8>) {
        out.push(b'<');
        let p = &self.path;
        for (i, &b) in p.iter().enumerate() {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\r' => out.extend_from_slice(b"\\r"),
                0x0b => out.extend_from_slice(b"\\v"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'<' | b'>' => octal(b, p.get(i + 1).copied(), out),
                0x20..=0x7e => out.push(b),
                _ => octal(b, p.get(i + 1).copied(), out),
            }
        }
        out.push(b'>');
        if self.deleted {
            out.extend_from_slice(b"(deleted)");
        }
    }

    /// The path as the kernel shows it: ` (deleted)` appended when unlinked.
    pub fn kernel_form(&self) -> Vec<u8> {
        let mut v = self.path.to_vec();
        if self.deleted {
            v.extend_from_slice(b" (deleted)");
        }
        v
    }
}

/// strace's octal escape: as few digits as needed, all three when the next
/// byte is an octal digit (so that it cannot be read as part of the escape).
fn octal(b: u8, next: Option<u8>, out: &mut Vec<u8>) {
    out.push(b'\\');
    if next.is_some_and(|n| (b'0'..=b'7').contains(&n)) {
        out.extend_from_slice(&[b'0' + (b >> 6), b'0' + ((b >> 3) & 7)]);
    } else {
        if b >> 6 != 0 {
            out.push(b'0' + (b >> 6));
        }
        if b >> 3 != 0 {
            out.push(b'0' + ((b >> 3) & 7));
        }
    }
    out.push(b'0' + (b & 7));
}

impl Value {
    fn is_truncated(&self) -> bool {
        match self {
            Value::Bytes { truncated, .. } | Value::HexBytes { truncated, .. } => *truncated,
            Value::Array { items, truncated } => {
                *truncated || items.iter().any(Value::is_truncated)
            }
            Value::Struct(fields) => fields.iter().any(|(_, v)| v.is_truncated()),
            Value::Call(_, v) | Value::WithPath(v, _) => v.is_truncated(),
            Value::Changed(a, b) => a.is_truncated() || b.is_truncated(),
            _ => false,
        }
    }
}

/// A record's arguments, kept inline up to six (every syscall's register
/// count): a record then needs no allocation of its own for them.
pub type Args = smallvec::SmallVec<[Arg; 6]>;

/// One argument of a record.
#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub name: &'static str,
    pub value: Value,
    /// Written by the kernel: the text format prints it after `res`.
    pub output: bool,
    /// Read at entry and decoded again at exit (in/out): the strace format
    /// prints it with the exit part of a split line, as strace does.
    pub updated: bool,
}

/// How `res` is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResKind {
    Int,
    Hex,
    /// The call does not return (exit_group): no `res` at all.
    Never,
}

/// Thread name, at most 15 bytes as the kernel keeps it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Comm {
    bytes: [u8; 16],
    len: u8,
}

impl Comm {
    pub fn new(name: &[u8]) -> Self {
        let name = name.strip_suffix(b"\n").unwrap_or(name);
        let len = name.len().min(15);
        let mut bytes = [0u8; 16];
        bytes[..len].copy_from_slice(&name[..len]);
        Comm {
            bytes,
            len: len as u8,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// The ABI a call came through: the arch's own, or its compat one (a
/// 32-bit program's calls on x86_64), named as in `Arch::name`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Abi {
    #[default]
    Native,
    Compat(&'static str),
}

/// One syscall, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// Wall-clock time of entry, ns since the epoch.
    pub ts_ns: u64,
    /// Thread group id.
    pub pid: i32,
    /// Thread id.
    pub tid: i32,
    pub comm: Comm,
    /// The container the call was made in (`agent`); `None` elsewhere.
    pub container: Option<std::sync::Arc<container::Container>>,
    pub nr: u32,
    pub name: &'static str,
    /// Which ABI `nr` and `name` belong to.
    pub abi: Abi,
    pub args: Args,
    /// Raw return value (negative errno on failure); `None` when unknown
    /// (`--no-ret`, or the thread died inside the call).
    pub res: Option<i64>,
    pub res_kind: ResKind,
    /// Time from entry to exit, when both were seen.
    pub dur_ns: Option<u64>,
    /// What the returned file descriptor refers to (`-y`).
    pub res_path: Option<FdPath>,
    /// What strace shows after the result in parentheses (`flags
    /// O_RDWR|O_LARGEFILE`, poll's revents, `Timeout`): ` (…)` in the text
    /// and strace formats (a `Sym` as is), `"res_decoded"` in JSON.
    pub res_decoded: Option<Value>,
    /// The call was interrupted before it ran (its notification became
    /// invalid): arguments were not read from memory.
    pub interrupted: bool,
    /// Arguments were read from memory after the call, not while it waited
    /// (`attach` without `--stop`): the program may have changed them.
    pub late: bool,
    /// How fault injection (`--inject`) tampered with the call.
    pub injected: Injected,
}

/// How `--inject` tampered with a call: a set of the bits below (none for
/// a call left alone).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Injected(pub u8);

impl Injected {
    /// `error=`: the call did not run and failed.
    pub const ERROR: u8 = 1;
    /// `retval=`: the call did not run and returned a made-up value.
    pub const RETVAL: u8 = 2;
    /// `redirect=`: the call did not run; it returned a new descriptor.
    pub const REDIRECT: u8 = 4;
    /// `delay_enter=` or `delay_exit=`.
    pub const DELAYED: u8 = 8;
    /// `signal=`: a signal was sent to the thread at entry.
    pub const SIGNAL: u8 = 16;
    /// `poke_enter=` or `poke_exit=`: tracee memory was written.
    pub const POKED: u8 = 32;
    /// Every bit a capture may hold.
    pub const ALL: u8 = 63;

    pub fn any(self) -> bool {
        self.0 != 0
    }

    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    /// The result was made up (the call did not run).
    pub fn result(self) -> bool {
        self.has(Self::ERROR | Self::RETVAL | Self::REDIRECT)
    }

    /// strace's marks after the result: ` (INJECTED)`, ` (INJECTED: args)`
    /// for pokes, ` (DELAYED)`. A signal alone has none (strace shows the
    /// signal's own line).
    pub fn write_marks(self, out: &mut Vec<u8>) {
        match (self.result(), self.has(Self::POKED)) {
            (true, true) => out.extend_from_slice(b" (INJECTED: args, retval)"),
            (true, false) => out.extend_from_slice(b" (INJECTED)"),
            (false, true) => out.extend_from_slice(b" (INJECTED: args)"),
            (false, false) => {}
        }
        if self.has(Self::DELAYED) {
            out.extend_from_slice(b" (DELAYED)");
        }
    }

    /// JSON's `"injected"` value: the actions, `+`-joined (`"error"`,
    /// `"error+delay"`).
    pub fn json_name(self) -> String {
        [
            (Self::ERROR, "error"),
            (Self::RETVAL, "retval"),
            (Self::REDIRECT, "redirect"),
            (Self::DELAYED, "delay"),
            (Self::SIGNAL, "signal"),
            (Self::POKED, "poke"),
        ]
        .iter()
        .filter(|(b, _)| self.has(*b))
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join("+")
    }
}

/// Record output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Strace,
    Json,
}

impl Record {
    /// Whether any argument was cut at the snaplen.
    pub fn truncated(&self) -> bool {
        self.args.iter().any(|a| a.value.is_truncated())
    }

    /// Appends the record, one line ending in `\n`, to `out`.
    pub fn format(&self, format: Format, out: &mut Vec<u8>) {
        match format {
            Format::Text => text::format(self, out),
            Format::Strace => strace::format(self, out),
            Format::Json => json::format(self, out),
        }
    }
}

/// Name of an errno value: `ENOENT`, the kernel-internal restart codes, or `E<n>`.
pub fn errno_name(e: i64) -> std::borrow::Cow<'static, str> {
    match e {
        512 => "ERESTARTSYS".into(),
        513 => "ERESTARTNOINTR".into(),
        514 => "ERESTARTNOHAND".into(),
        515 => "ENOIOCTLCMD".into(),
        516 => "ERESTART_RESTARTBLOCK".into(),
        _ => match syscalls::Errno::new(e as i32).name() {
            Some(n) => n.into(),
            None => format!("E{e}").into(),
        },
    }
}

/// The errno of a raw return value, if it is an error (-4095..-1).
pub fn error_of(res: i64) -> Option<i64> {
    if (-4095..0).contains(&res) {
        Some(-res)
    } else {
        None
    }
}

/// The values made of other values (arrays, structures, a descriptor with
/// its path, a value the call changed), written alike by the text and strace
/// formats with their own `elem` for what is inside. False for a leaf.
pub(crate) fn write_composite(
    v: &Value,
    out: &mut Vec<u8>,
    elem: fn(&Value, &mut Vec<u8>),
) -> bool {
    match v {
        Value::Array { items, truncated } => write_array(items, *truncated, out, elem),
        Value::Struct(fields) => write_struct(fields, out, elem),
        Value::WithPath(v, p) => {
            elem(v, out);
            p.write_strace(out);
        }
        Value::Changed(a, b) => {
            elem(a, out);
            out.extend_from_slice(b" => ");
            elem(b, out);
        }
        _ => return false,
    }
    true
}

/// `[a, b, ...]` for the text and strace formats, elements shown by `elem`.
pub(crate) fn write_array(
    items: &[Value],
    truncated: bool,
    out: &mut Vec<u8>,
    elem: fn(&Value, &mut Vec<u8>),
) {
    out.push(b'[');
    for (i, it) in items.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        elem(it, out);
    }
    if truncated {
        out.extend_from_slice(if items.is_empty() { b"..." } else { b", ..." });
    }
    out.push(b']');
}

/// Name of the last field of a structure shown in part: strace's `...`.
/// The text and strace formats print it bare; JSON leaves it out.
pub const MORE: &str = "...";

/// `{k=v, k=v}` for the text and strace formats, values shown by `elem`.
pub(crate) fn write_struct(
    fields: &[(&str, Value)],
    out: &mut Vec<u8>,
    elem: fn(&Value, &mut Vec<u8>),
) {
    out.push(b'{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(k.as_bytes());
        if *k != MORE {
            out.push(b'=');
            elem(v, out);
        }
    }
    out.push(b'}');
}

/// C-style escaping of bytes for the text and strace formats: printable
/// ASCII as is, runs of it copied at once; the rest from a table.
pub(crate) fn escape_c(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len());
    let mut run = 0;
    for (i, &b) in data.iter().enumerate() {
        let (esc, n) = &C_ESCAPES[b as usize];
        if *n == 0 {
            continue;
        }
        if run < i {
            out.extend_from_slice(&data[run..i]);
        }
        // Copies of a constant length (a call to memcpy otherwise).
        if *n == 4 {
            out.extend_from_slice(esc);
        } else {
            out.extend_from_slice(&[esc[0], esc[1]]);
        }
        run = i + 1;
    }
    out.extend_from_slice(&data[run..]);
}

/// Each byte's escape for `escape_c` and its length; 0 for a byte shown
/// as is.
static C_ESCAPES: [([u8; 4], u8); 256] = c_escapes();

const fn c_escapes() -> [([u8; 4], u8); 256] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [([0u8; 4], 0u8); 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'"' => ([b'\\', b'"', 0, 0], 2),
            b'\\' => ([b'\\', b'\\', 0, 0], 2),
            b'\n' => ([b'\\', b'n', 0, 0], 2),
            b'\t' => ([b'\\', b't', 0, 0], 2),
            b'\r' => ([b'\\', b'r', 0, 0], 2),
            0x0b => ([b'\\', b'v', 0, 0], 2),
            0x0c => ([b'\\', b'f', 0, 0], 2),
            0x20..=0x7e => ([0; 4], 0),
            _ => (
                [b'\\', b'x', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]],
                4,
            ),
        };
        b += 1;
    }
    t
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `r` in format `f`, as text.
    fn fmt(r: &Record, f: Format) -> String {
        let mut v = Vec::new();
        r.format(f, &mut v);
        String::from_utf8(v).unwrap()
    }

    pub fn sample() -> Record {
        Record {
            ts_ns: 1_732_470_000_123_456_789,
            pid: 4242,
            tid: 4243,
            comm: Comm::new(b"cat\n"),
            container: None,
            nr: 0,
            name: "read",
            abi: Abi::Native,
            args: smallvec::smallvec![
                Arg {
                    name: "fd",
                    value: Value::Int(3),
                    output: false,
                    updated: false,
                },
                Arg {
                    name: "buf",
                    value: Value::Bytes {
                        data: b"127.0.0.1 l\n".to_vec(),
                        truncated: false,
                    },
                    output: true,
                    updated: false,
                },
                Arg {
                    name: "count",
                    value: Value::UInt(4096),
                    output: false,
                    updated: false,
                },
            ],
            res: Some(12),
            res_kind: ResKind::Int,
            dur_ns: Some(2100),
            res_path: None,
            res_decoded: None,
            interrupted: false,
            late: false,
            injected: Default::default(),
        }
    }

    /// A record of call `name` by thread 1 that returned `res`, for
    /// decoder tests.
    pub fn record(name: &'static str, args: Args, res: i64) -> Record {
        Record {
            ts_ns: 0,
            pid: 1,
            tid: 1,
            comm: Comm::new(b"x"),
            container: None,
            nr: 0,
            name,
            abi: Abi::Native,
            args,
            res: Some(res),
            res_kind: ResKind::Int,
            dur_ns: None,
            res_path: None,
            res_decoded: None,
            interrupted: false,
            late: false,
            injected: Default::default(),
        }
    }

    /// `r`'s strace line without the pid prefix and with one space before
    /// ` = `: `prctl(PR_GET_DUMPABLE) = 1 (SUID_DUMP_USER)`.
    pub fn strace_line(r: &Record) -> String {
        let mut out = Vec::new();
        r.format(Format::Strace, &mut out);
        let s = String::from_utf8_lossy(&out);
        let s = s.trim_end();
        let s = s.split_once("] ").map_or(s, |(_, rest)| rest);
        // The first `)` followed by padding and `= ` ends the call.
        for (i, _) in s.match_indices(')') {
            let rest = s[i + 1..].trim_start();
            if rest.starts_with("= ") {
                return format!("{} {rest}", &s[..=i]);
            }
        }
        s.to_string()
    }

    /// A value as the strace format shows it.
    pub fn strace_value(v: &Value, out: &mut Vec<u8>) {
        super::strace::value(v, out)
    }

    /// A value as the strace format shows it, as a string.
    pub fn strace_string(v: &Value) -> String {
        let mut out = Vec::new();
        super::strace::value(v, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Both marks on one record (never so in practice: injection is
    /// `exec` only, late records `attach` only): the injection's strace
    /// marks right after the result, `late` last.
    #[test]
    fn injected_and_late_marks_together() {
        let mut r = sample();
        r.late = true;
        r.injected = Injected(Injected::ERROR | Injected::DELAYED);
        r.res = Some(-28);
        let line = |f: Format| {
            let mut out = Vec::new();
            r.format(f, &mut out);
            String::from_utf8(out).unwrap()
        };
        let text = line(Format::Text);
        assert!(text.contains("ENOSPC (INJECTED) (DELAYED)"), "{text}");
        assert!(text.trim_end().ends_with(", late"), "{text}");
        let strace = line(Format::Strace);
        assert!(
            strace
                .trim_end()
                .ends_with("(No space left on device) (INJECTED) (DELAYED) /* late */"),
            "{strace}"
        );
        let json = line(Format::Json);
        assert!(
            json.contains(",\"late\":true,\"injected\":\"error+delay\"}"),
            "{json}"
        );
    }

    #[test]
    fn compat_calls_name_their_abi_in_text_and_json_only() {
        let mut r = sample();
        r.abi = Abi::Compat("i386");
        r.nr = 3;
        let text = fmt(&r, Format::Text);
        assert!(
            text.starts_with("pid=4243, read, abi=i386, fd=3,"),
            "{text}"
        );
        let json = fmt(&r, Format::Json);
        assert!(
            json.contains(r#""syscall":"read","nr":3,"abi":"i386","args":{"#),
            "{json}"
        );
        // strace's trace file has no mark for them.
        let native = sample();
        assert_eq!(fmt(&r, Format::Strace), fmt(&native, Format::Strace));
        assert!(!fmt(&native, Format::Json).contains("abi"));
        assert!(!fmt(&native, Format::Text).contains("abi"));
    }

    #[test]
    fn comm_is_cut_at_15_bytes() {
        assert_eq!(
            Comm::new(b"0123456789abcdefgh").as_bytes(),
            b"0123456789abcde"
        );
        assert_eq!(Comm::new(b"cat\n").as_bytes(), b"cat");
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(2), "ENOENT");
        assert_eq!(errno_name(512), "ERESTARTSYS");
        assert_eq!(error_of(-2), Some(2));
        assert_eq!(error_of(-5000), None);
        assert_eq!(error_of(3), None);
    }

    /// `-y` in all three formats: strace's quoting of the path, `(deleted)`,
    /// the returned descriptor, and JSON's `"paths"` keys.
    #[test]
    fn fd_paths_in_every_format() {
        let mut v = Vec::new();
        FdPath::new(b"/tmp/we ird<>\n\x01\xc3\xa9\"\\x<7\x015\x7f", true).write_strace(&mut v);
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "</tmp/we ird\\74\\76\\n\\1\\303\\251\\\"\\\\x\\0747\\0015\\177>(deleted)"
        );
        let mut r = sample();
        r.name = "dup2";
        r.args = smallvec::smallvec![
            Arg {
                name: "oldfd",
                value: Value::WithPath(Box::new(Value::Int(3)), FdPath::new(b"/etc/hosts", false)),
                output: false,
                updated: false,
            },
            Arg {
                name: "newfd",
                value: Value::WithPath(Box::new(Value::Int(1)), FdPath::new(b"/x", true)),
                output: false,
                updated: false,
            },
        ];
        r.res = Some(1);
        r.res_path = Some(FdPath::new(b"/etc/hosts", false));
        assert_eq!(
            fmt(&r, Format::Strace),
            "[pid  4243] dup2(3</etc/hosts>, 1</x>(deleted)) = 1</etc/hosts>\n"
        );
        assert_eq!(
            fmt(&r, Format::Text),
            "pid=4243, dup2, oldfd=3</etc/hosts>, newfd=1</x>(deleted), res=1</etc/hosts>\n"
        );
        r.args.push(Arg {
            name: "pipefd",
            value: Value::Array {
                items: vec![
                    Value::Int(5),
                    Value::WithPath(Box::new(Value::Int(6)), FdPath::new(b"pipe:[9]", false)),
                ],
                truncated: false,
            },
            output: true,
            updated: false,
        });
        let j: serde_json::Value = serde_json::from_str(&fmt(&r, Format::Json)).unwrap();
        assert_eq!(j["args"]["oldfd"], 3);
        assert_eq!(j["args"]["pipefd"][1], 6);
        assert_eq!(
            j["paths"],
            serde_json::json!({
                "oldfd": "/etc/hosts",
                "newfd": "/x (deleted)",
                "pipefd[1]": "pipe:[9]",
                "res": "/etc/hosts"
            })
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(&fmt(&sample(), Format::Json))
                .unwrap()
                .get("paths")
                .is_none()
        );
    }

    /// A result's decoration: ` (…)` in the strace and text formats (a
    /// hex zero as strace's `0`), `"res_decoded"` in JSON; none without a
    /// result.
    #[test]
    fn result_decorations_in_every_format() {
        let mut r = sample();
        r.name = "fcntl";
        r.args = smallvec::smallvec![
            Arg {
                name: "fd",
                value: Value::Int(3),
                output: false,
                updated: false,
            },
            Arg {
                name: "cmd",
                value: Value::Sym("F_GETFL".into()),
                output: false,
                updated: false,
            },
        ];
        r.res = Some(0x8002);
        r.res_kind = ResKind::Hex;
        r.res_decoded = Some(Value::Sym("flags O_RDWR|O_LARGEFILE".into()));
        assert_eq!(
            fmt(&r, Format::Strace),
            "[pid  4243] fcntl(3, F_GETFL)           = 0x8002 (flags O_RDWR|O_LARGEFILE)\n"
        );
        assert_eq!(
            fmt(&r, Format::Text),
            "pid=4243, fcntl, fd=3, cmd=F_GETFL, res=0x8002 (flags O_RDWR|O_LARGEFILE)\n"
        );
        let j: serde_json::Value = serde_json::from_str(&fmt(&r, Format::Json)).unwrap();
        assert_eq!(j["res"], 0x8002);
        assert_eq!(j["res_decoded"], "flags O_RDWR|O_LARGEFILE");
        r.res = Some(0);
        r.res_decoded = Some(Value::Sym("flags O_RDONLY".into()));
        assert!(fmt(&r, Format::Strace).ends_with("= 0 (flags O_RDONLY)\n"));
        // A structured decoration is shown as a value.
        r.res = Some(1);
        r.res_decoded = Some(Value::Array {
            items: vec![Value::Int(3)],
            truncated: false,
        });
        assert!(fmt(&r, Format::Strace).ends_with("= 0x1 ([3])\n"));
        let j: serde_json::Value = serde_json::from_str(&fmt(&r, Format::Json)).unwrap();
        assert_eq!(j["res_decoded"], serde_json::json!([3]));
        r.res = None;
        assert!(fmt(&r, Format::Strace).ends_with("= ?\n"));
        let j: serde_json::Value = serde_json::from_str(&fmt(&r, Format::Json)).unwrap();
        assert!(j.get("res_decoded").is_none());
        assert!(
            serde_json::from_str::<serde_json::Value>(&fmt(&sample(), Format::Json))
                .unwrap()
                .get("res_decoded")
                .is_none()
        );
    }

    /// The table gives each byte the escape it always had, alone and
    /// between printable runs.
    #[test]
    fn c_escape_table_matches_the_rules() {
        for b in 0..=255u8 {
            let want: Vec<u8> = match b {
                b'"' => b"\\\"".to_vec(),
                b'\\' => b"\\\\".to_vec(),
                b'\n' => b"\\n".to_vec(),
                b'\t' => b"\\t".to_vec(),
                b'\r' => b"\\r".to_vec(),
                0x0b => b"\\v".to_vec(),
                0x0c => b"\\f".to_vec(),
                0x20..=0x7e => vec![b],
                _ => format!("\\x{b:02x}").into_bytes(),
            };
            let mut v = Vec::new();
            escape_c(&[b'a', b, b'z'], &mut v);
            assert_eq!(v, [&b"a"[..], &want, b"z"].concat(), "byte {b:#x}");
        }
    }

    #[test]
    fn c_escapes() {
        let mut v = Vec::new();
        escape_c(b"a\"\\\n\x00\xff", &mut v);
        assert_eq!(v, b"a\\\"\\\\\\n\\x00\\xff");
    }
}
