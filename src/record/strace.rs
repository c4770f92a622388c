//! strace's line form: `[pid 4242] read(3, "127.0.0.1 l\n", 4096) = 12`.

use super::{Record, ResKind, Value, errno_name, error_of, escape_c};
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
    if let Some(p) = &r.res_path {
        p.write_strace(out);
    }
    out.push(b'\n');
}

pub(super) fn value(v: &Value, out: &mut Vec<u8>) {
    let _ = match v {
        Value::Bytes { data, truncated } => {
            out.push(b'"');
            escape_c(data, out);
            out.push(b'"');
            if *truncated {
                out.extend_from_slice(b"...");
            }
            Ok(())
        }
        Value::Fault { addr, .. } => write!(out, "{addr:#x}"),
        Value::Count(n) => write!(out, "/* {n} vars */"),
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
        Value::WithPath(v, p) => {
            value(v, out);
            p.write_strace(out);
            Ok(())
        }
        other => {
            super::text::value(other, out);
            Ok(())
        }
    };
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
