//! strace's line form: `[pid 4242] read(3, "127.0.0.1 l\n", 4096) = 12`.

use super::{Record, ResKind, Value, errno_name, error_of};
use std::io::Write;

pub fn format(r: &Record, out: &mut Vec<u8>) {
    let _ = write!(out, "[pid {}] {}(", r.tid, r.name);
    for (i, a) in r.args.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        value(&a.value, out);
    }
    out.push(b')');
    let _ = match (r.res, r.res_kind) {
        (_, ResKind::Never) | (None, _) => write!(out, " = ?"),
        (Some(res), kind) => match error_of(res) {
            Some(e) => {
                let name = errno_name(e);
                let desc = syscalls::Errno::new(e as i32)
                    .description()
                    .unwrap_or("Unknown error");
                if e >= 512 {
                    write!(out, " = ? {name}")
                } else {
                    write!(out, " = -1 {name} ({desc})")
                }
            }
            None if kind == ResKind::Hex => write!(out, " = {res:#x}"),
            None => write!(out, " = {res}"),
        },
    };
    out.push(b'\n');
}

pub(super) fn value(v: &Value, out: &mut Vec<u8>) {
    let _ = match v {
        Value::Bytes { data, truncated } => {
            quote(data, false, out);
            if *truncated {
                out.extend_from_slice(b"...");
            }
            Ok(())
        }
        Value::HexBytes { data, truncated } => {
            quote(data, true, out);
            if *truncated {
                out.extend_from_slice(b"...");
            }
            Ok(())
        }
        // C's `%#x`: zero has no prefix.
        Value::Hex(0) => write!(out, "0"),
        // strace's `%#03o`.
        Value::Mode(0) => write!(out, "000"),
        Value::Mode(m) if *m < 8 => write!(out, "00{m:o}"),
        Value::Fault { addr, .. } => write!(out, "{addr:#x}"),
        Value::Counted { addr, n, unit } => write!(out, "{addr:#x} /* {n} {unit} */"),
        Value::Array { items, truncated } => {
            super::write_array(items, *truncated, out, value);
            Ok(())
        }
        Value::Call(f, inner) => {
            let _ = write!(out, "{f}(");
            value(inner, out);
            out.push(b')');
            Ok(())
        }
        Value::Struct(fields) => {
            super::write_struct(fields, out, value);
            Ok(())
        }
        Value::Changed(a, b) => {
            value(a, out);
            out.extend_from_slice(b" => ");
            value(b, out);
            Ok(())
        }
        other => {
            super::text::value(other, out);
            Ok(())
        }
    };
}

/// A quoted string as strace prints it: C escapes for `"\\\f\n\r\t\v`,
/// printable ASCII as is, other bytes in octal (three digits when an octal
/// digit follows, else as few as needed); with `hex`, every byte as `\xNN`.
fn quote(data: &[u8], hex: bool, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for (i, &c) in data.iter().enumerate() {
        if hex {
            out.extend_from_slice(&[b'\\', b'x', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
            continue;
        }
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x0b => out.extend_from_slice(b"\\v"),
            0x20..=0x7e => out.push(c),
            _ => {
                out.push(b'\\');
                let next_is_octal = matches!(data.get(i + 1), Some(b'0'..=b'7'));
                if next_is_octal || c >> 6 != 0 {
                    out.push(b'0' + (c >> 6));
                }
                if next_is_octal || c >> 3 != 0 {
                    out.push(b'0' + ((c >> 3) & 7));
                }
                out.push(b'0' + (c & 7));
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::super::*;

    #[test]
    fn read_like_strace() {
        let mut r = sample();
        let mut v = Vec::new();
        r.format(Format::Strace, &mut v);
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "[pid 4243] read(3, \"127.0.0.1 l\\n\", 4096) = 12\n"
        );
        r.res = Some(-2);
        let mut v = Vec::new();
        r.format(Format::Strace, &mut v);
        assert!(
            String::from_utf8(v)
                .unwrap()
                .ends_with(" = -1 ENOENT (No such file or directory)\n")
        );
    }
}
