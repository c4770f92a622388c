//! The seed's `key=value` form: `pid=4242, openat, dirfd=AT_FDCWD, path="/etc/hosts", res=3`.
//! Input arguments come before `res`, output arguments (filled by the kernel) after it.

use super::{Arg, Record, ResKind, Value, errno_name, error_of, escape_c};
use std::io::Write;

/// The seed's names for a few man-page argument names.
fn text_name(name: &str) -> &str {
    match name {
        "pathname" => "path",
        "count" => "size",
        "buf" => "data",
        n => n,
    }
}

pub fn format(r: &Record, out: &mut Vec<u8>) {
    let _ = write!(out, "pid={}, ", r.tid);
    // `agent`: the container, after the pid (its id is `[\w+.-]+`).
    if let Some(c) = &r.container {
        let _ = write!(out, "ctr={}, ", c.id);
    }
    out.extend_from_slice(r.name.as_bytes());
    if let super::Abi::Compat(abi) = r.abi {
        let _ = write!(out, ", abi={abi}");
    }
    for a in r.args.iter().filter(|a| !a.output) {
        arg(a, out);
    }
    match (r.res, r.res_kind) {
        (_, ResKind::Never) => {}
        (None, _) => out.extend_from_slice(b", res=?"),
        (Some(res), kind) => {
            let _ = match error_of(res) {
                Some(e) => write!(out, ", res={res} {}", errno_name(e)),
                None if kind == ResKind::Hex => write!(out, ", res={res:#x}"),
                None => write!(out, ", res={res}"),
            };
            if let Some(p) = &r.res_path {
                p.write_strace(out);
            }
            if let Some(d) = &r.res_decoded {
                super::strace::decoration(d, value, out);
            }
        }
    }
    r.injected.write_marks(out);
    for a in r.args.iter().filter(|a| a.output) {
        arg(a, out);
    }
    if r.interrupted {
        out.extend_from_slice(b", interrupted");
    }
    if r.late {
        out.extend_from_slice(b", late");
    }
    out.push(b'\n');
}

fn arg(a: &Arg, out: &mut Vec<u8>) {
    out.extend_from_slice(b", ");
    out.extend_from_slice(text_name(a.name).as_bytes());
    if a.value.is_truncated() {
        out.extend_from_slice(b"(part)");
    }
    out.push(b'=');
    value(&a.value, out);
}

pub(super) fn value(v: &Value, out: &mut Vec<u8>) {
    if super::write_composite(v, out, value) {
        return;
    }
    let _ = match v {
        Value::Int(i) => write!(out, "{i}"),
        Value::UInt(u) | Value::Counted { n: u, .. } | Value::Clock(u) => write!(out, "{u}"),
        Value::Hex(h) => write!(out, "{h:#x}"),
        Value::Ptr(0) => write!(out, "NULL"),
        Value::Ptr(p) | Value::NotCaptured(p) => write!(out, "{p:#x}"),
        Value::Sym(s) => write!(out, "{s}"),
        Value::Mode(m) => write!(out, "0{m:o}"),
        Value::Bytes { data, .. } | Value::HexBytes { data, .. } => {
            out.push(b'"');
            escape_c(data, out);
            out.push(b'"');
            Ok(())
        }
        Value::Fault { addr, errno } => {
            write!(out, "{addr:#x} ({})", errno_name(*errno as i64))
        }
        Value::Call(_, inner) => {
            value(inner, out);
            Ok(())
        }
        // Written by write_composite above.
        Value::Array { .. } | Value::Struct(_) | Value::WithPath(..) | Value::Changed(..) => Ok(()),
    };
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::super::*;
    use super::value;

    fn line(r: &Record) -> String {
        let mut v = Vec::new();
        r.format(Format::Text, &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn read_like_the_seed() {
        assert_eq!(
            line(&sample()),
            "pid=4243, read, fd=3, size=4096, res=12, data=\"127.0.0.1 l\\n\"\n"
        );
    }

    #[test]
    fn container_after_the_pid() {
        let mut r = sample();
        r.container = Some(std::sync::Arc::new(container::Container {
            id: "web-1".into(),
            name: Some("web".into()),
            metadata: "m".into(),
        }));
        assert_eq!(
            line(&r),
            "pid=4243, ctr=web-1, read, fd=3, size=4096, res=12, data=\"127.0.0.1 l\\n\"\n"
        );
    }

    #[test]
    fn truncated_error_and_unknown_result() {
        let mut r = sample();
        r.args[1].value = Value::Bytes {
            data: b"ab".to_vec(),
            truncated: true,
        };
        assert!(line(&r).contains("data(part)=\"ab\""));
        r.res = Some(-2);
        assert!(line(&r).contains("res=-2 ENOENT"));
        r.res = None;
        assert!(line(&r).contains("res=?"));
        r.res_kind = ResKind::Never;
        assert!(!line(&r).contains("res="));
    }

    #[test]
    fn fault_mode_and_structs() {
        let mut v = Vec::new();
        value(&Value::Fault { addr: 1, errno: 14 }, &mut v);
        value(&Value::Mode(0o640), &mut v);
        value(
            &Value::Struct(vec![
                ("sa_family", Value::Sym("AF_INET".into())),
                ("port", Value::UInt(80)),
            ]),
            &mut v,
        );
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "0x1 (EFAULT)0640{sa_family=AF_INET, port=80}"
        );
    }
}
