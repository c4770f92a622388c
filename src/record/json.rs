//! One JSON object per line (SPEC §3). Written by hand, not through a
//! serializer, to avoid building a tree per record on the hot path.
//!
//! Buffers and paths are JSON strings when they are valid UTF-8; otherwise
//! `{"hex":"..."}` with the exact bytes. An unreadable pointer is
//! `{"ptr":"0x..","error":"EFAULT"}`; output not captured is
//! `{"ptr":"0x..","captured":false}`. `"truncated":true` at the record
//! level says some buffer was cut at the snaplen. `"res_decoded"` is what
//! strace shows after the result in parentheses (`"flags O_RDWR"`,
//! `"Timeout"`, `"[{fd=3, revents=POLLIN}]"`), when there is something.

use super::{Record, ResKind, Value, errno_name, error_of};
use std::io::Write;

pub fn format(r: &Record, out: &mut Vec<u8>) {
    let _ = write!(
        out,
        "{{\"ts_ns\":{},\"pid\":{},\"tid\":{},\"comm\":",
        r.ts_ns, r.pid, r.tid
    );
    string(&String::from_utf8_lossy(r.comm.as_bytes()), out);
    // `agent`: the container the call was made in.
    if let Some(c) = &r.container {
        out.extend_from_slice(b",\"container\":{\"id\":");
        string(&c.id, out);
        if let Some(n) = &c.name {
            out.extend_from_slice(b",\"name\":");
            string(n, out);
        }
        out.extend_from_slice(b",\"metadata\":");
        string(&c.metadata, out);
        out.push(b'}');
    }
    let _ = write!(out, ",\"syscall\":\"{}\",\"nr\":{}", r.name, r.nr);
    // Only for the compat ABI, whose numbers "nr" then is.
    if let super::Abi::Compat(abi) = r.abi {
        let _ = write!(out, ",\"abi\":\"{abi}\"");
    }
    out.extend_from_slice(b",\"args\":{");
    for (i, a) in r.args.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(a.name, out);
        out.push(b':');
        value(&a.value, out);
    }
    out.push(b'}');
    paths(r, out);
    out.extend_from_slice(b",\"res\":");
    let _ = match (r.res, r.res_kind) {
        (Some(res), k) if k != ResKind::Never => match error_of(res) {
            Some(e) => write!(out, "{res},\"err\":\"{}\"", errno_name(e)),
            None => write!(out, "{res},\"err\":null"),
        },
        _ => write!(out, "null,\"err\":null"),
    };
    if let (Some(d), Some(_)) = (&r.res_decoded, r.res) {
        out.extend_from_slice(b",\"res_decoded\":");
        value(d, out);
    }
    let _ = match r.dur_ns {
        Some(d) => write!(out, ",\"dur_ns\":{d}"),
        None => write!(out, ",\"dur_ns\":null"),
    };
    if r.truncated() {
        out.extend_from_slice(b",\"truncated\":true");
    }
    if r.interrupted {
        out.extend_from_slice(b",\"interrupted\":true");
    }
    if r.late {
        out.extend_from_slice(b",\"late\":true");
    }
    if r.injected.any() {
        let _ = write!(out, ",\"injected\":\"{}\"", r.injected.json_name());
    }
    out.extend_from_slice(b"}\n");
}

fn value(v: &Value, out: &mut Vec<u8>) {
    let _ = match v {
        Value::Int(i) => write!(out, "{i}"),
        Value::UInt(u) | Value::Counted { n: u, .. } | Value::Clock(u) => write!(out, "{u}"),
        Value::Hex(h) => write!(out, "\"{h:#x}\""),
        Value::Ptr(0) => write!(out, "null"),
        Value::Ptr(p) => write!(out, "\"{p:#x}\""),
        Value::Sym(s) => {
            string(s, out);
            Ok(())
        }
        Value::Mode(m) => write!(out, "\"0{m:o}\""),
        Value::Bytes { data, .. } | Value::HexBytes { data, .. } => {
            bytes(data, out);
            Ok(())
        }
        Value::Fault { addr, errno } => write!(
            out,
            "{{\"ptr\":\"{addr:#x}\",\"error\":\"{}\"}}",
            errno_name(*errno as i64)
        ),
        Value::NotCaptured(p) => write!(out, "{{\"ptr\":\"{p:#x}\",\"captured\":false}}"),
        Value::Array { items, .. } => {
            out.push(b'[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(it, out);
            }
            out.push(b']');
            Ok(())
        }
        Value::Call(_, inner) | Value::WithPath(inner, _) => {
            value(inner, out);
            Ok(())
        }
        Value::Struct(fields) => {
            out.push(b'{');
            let shown = fields.iter().filter(|(k, _)| *k != super::MORE);
            for (i, (k, fv)) in shown.enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(k, out);
                out.push(b':');
                value(fv, out);
            }
            out.push(b'}');
            Ok(())
        }
        Value::Changed(a, b) => {
            out.extend_from_slice(b"{\"in\":");
            value(a, out);
            out.extend_from_slice(b",\"out\":");
            value(b, out);
            out.push(b'}');
            Ok(())
        }
    };
}

/// `-y`: `,"paths":{"fd":"/etc/hosts","res":"pipe:[7]"}`, keyed by argument
/// name (`pipefd[0]`, `fds[1].fd` inside arrays and structures; `res` for the
/// returned descriptor); a path is the link as the kernel shows it (with
/// ` (deleted)` for an unlinked file). Absent when nothing is annotated.
fn paths(r: &Record, out: &mut Vec<u8>) {
    let mut first = true;
    let mut key = String::new();
    for a in &r.args {
        key.clear();
        key.push_str(a.name);
        collect_paths(&a.value, &mut key, &mut first, out);
    }
    if let Some(p) = &r.res_path {
        key.clear();
        key.push_str("res");
        path_entry(&key, p, &mut first, out);
    }
    if !first {
        out.push(b'}');
    }
}

fn collect_paths(v: &Value, key: &mut String, first: &mut bool, out: &mut Vec<u8>) {
    match v {
        Value::WithPath(_, p) => path_entry(key, p, first, out),
        Value::Array { items, .. } => {
            for (i, it) in items.iter().enumerate() {
                let len = key.len();
                let _ = std::fmt::Write::write_fmt(key, format_args!("[{i}]"));
                collect_paths(it, key, first, out);
                key.truncate(len);
            }
        }
        Value::Struct(fields) => {
            for (k, fv) in fields {
                let len = key.len();
                key.push('.');
                key.push_str(k);
                collect_paths(fv, key, first, out);
                key.truncate(len);
            }
        }
        Value::Call(_, inner) => collect_paths(inner, key, first, out),
        _ => {}
    }
}

fn path_entry(key: &str, p: &super::FdPath, first: &mut bool, out: &mut Vec<u8>) {
    out.extend_from_slice(if *first { b",\"paths\":{" } else { b"," });
    *first = false;
    string(key, out);
    out.push(b':');
    bytes(&p.kernel_form(), out);
}

/// A buffer: a JSON string when it is UTF-8, else `{"hex":"..."}`.
fn bytes(data: &[u8], out: &mut Vec<u8>) {
    match std::str::from_utf8(data) {
        Ok(s) => string(s, out),
        Err(_) => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.reserve(data.len() * 2 + 10);
            out.extend_from_slice(b"{\"hex\":\"");
            for &b in data {
                out.extend_from_slice(&[HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
            }
            out.extend_from_slice(b"\"}");
        }
    }
}

/// A JSON string: runs of bytes that need no escape are copied at once
/// (valid UTF-8 beyond ASCII among them); the rest from a table.
fn string(s: &str, out: &mut Vec<u8>) {
    let data = s.as_bytes();
    out.reserve(data.len() + 2);
    out.push(b'"');
    let mut run = 0;
    for (i, &b) in data.iter().enumerate() {
        let (esc, n) = &JSON_ESCAPES[b as usize];
        if *n == 0 {
            continue;
        }
        if run < i {
            out.extend_from_slice(&data[run..i]);
        }
        // Byte by byte: a short copy of a variable length would be a
        // call to memcpy.
        for &e in &esc[..*n as usize] {
            out.push(e);
        }
        run = i + 1;
    }
    out.extend_from_slice(&data[run..]);
    out.push(b'"');
}

/// Each byte's escape in a JSON string and its length; 0 for a byte
/// written as is (bytes of multi-byte UTF-8 sequences included).
static JSON_ESCAPES: [([u8; 6], u8); 256] = json_escapes();

const fn json_escapes() -> [([u8; 6], u8); 256] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut t = [([0u8; 6], 0u8); 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'"' => ([b'\\', b'"', 0, 0, 0, 0], 2),
            b'\\' => ([b'\\', b'\\', 0, 0, 0, 0], 2),
            b'\n' => ([b'\\', b'n', 0, 0, 0, 0], 2),
            b'\r' => ([b'\\', b'r', 0, 0, 0, 0], 2),
            b'\t' => ([b'\\', b't', 0, 0, 0, 0], 2),
            0..=0x1f | 0x7f => (
                [
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[(c >> 4) as usize],
                    HEX[(c & 15) as usize],
                ],
                6,
            ),
            _ => ([0; 6], 0),
        };
        b += 1;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::super::*;
    use std::sync::Arc;

    fn parse(r: &Record) -> serde_json::Value {
        let mut v = Vec::new();
        r.format(Format::Json, &mut v);
        assert_eq!(v.last(), Some(&b'\n'));
        serde_json::from_slice(&v).unwrap()
    }

    #[test]
    fn spec_example() {
        let j = parse(&sample());
        assert_eq!(j["pid"], 4242);
        assert_eq!(j["tid"], 4243);
        assert_eq!(j["comm"], "cat");
        assert_eq!(j["syscall"], "read");
        assert_eq!(j["args"]["buf"], "127.0.0.1 l\n");
        assert_eq!(j["args"]["count"], 4096);
        assert_eq!(j["res"], 12);
        assert!(j["err"].is_null());
        assert_eq!(j["dur_ns"], 2100);
        assert!(j.get("truncated").is_none());
    }

    #[test]
    fn binary_fault_error_and_truncation() {
        let mut r = sample();
        r.args[1].value = Value::Bytes {
            data: vec![0xff, 0, b'"'],
            truncated: true,
        };
        r.args[0].value = Value::Fault { addr: 1, errno: 14 };
        r.res = Some(-14);
        let j = parse(&r);
        assert_eq!(j["args"]["buf"]["hex"], "ff0022");
        assert_eq!(j["args"]["fd"]["ptr"], "0x1");
        assert_eq!(j["args"]["fd"]["error"], "EFAULT");
        assert_eq!(j["err"], "EFAULT");
        assert_eq!(j["truncated"], true);
        r.args[1].value = Value::Bytes {
            data: b"\x01\x7f\"\\".to_vec(),
            truncated: false,
        };
        assert_eq!(parse(&r)["args"]["buf"], "\x01\x7f\"\\");
    }

    #[test]
    fn container_object() {
        let mut r = sample();
        assert!(parse(&r).get("container").is_none());
        r.container = Some(std::sync::Arc::new(container::Container {
            id: "c1".into(),
            name: None,
            metadata: "team=\"a\"\n".into(),
        }));
        let j = parse(&r);
        assert_eq!(
            j["container"],
            serde_json::json!({"id": "c1", "metadata": "team=\"a\"\n"})
        );
        Arc::make_mut(r.container.as_mut().unwrap()).name = Some("web".into());
        assert_eq!(parse(&r)["container"]["name"], "web");
    }

    #[test]
    fn no_ret_is_null() {
        let mut r = sample();
        r.res = None;
        r.dur_ns = None;
        let j = parse(&r);
        assert!(j["res"].is_null() && j["err"].is_null() && j["dur_ns"].is_null());
    }
}
