//! `errors`: failed calls counted per syscall, errno and path (when the
//! record has one).

use super::{Align, error, escape, json_path, path_of, write_table};
use crate::record::{Record, errno_name};
use std::collections::HashMap;
use std::io::Write;

type Key = (&'static str, i64, Option<Vec<u8>>);
/// A row: syscall, errno name, path, count.
type Row<'a> = (&'static str, String, Option<&'a [u8]>, u64);

#[derive(Debug, Default)]
pub(super) struct Errors {
    counts: HashMap<Key, u64>,
}

impl Errors {
    pub fn add(&mut self, r: &Record) {
        if let Some(e) = error(r) {
            *self.counts.entry((r.name, e, path_of(r))).or_default() += 1;
        }
    }

    /// Rows by count, descending, then syscall, errno name and path.
    fn rows(&self) -> (Vec<Row<'_>>, u64) {
        let mut rows: Vec<_> = self
            .counts
            .iter()
            .map(|((name, e, path), &n)| (*name, errno_name(*e).into_owned(), path.as_deref(), n))
            .collect();
        rows.sort_by(|a, b| {
            b.3.cmp(&a.3)
                .then(a.0.cmp(b.0))
                .then(a.1.cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        let total = rows.iter().map(|r| r.3).sum();
        (rows, total)
    }

    pub fn table(&self, out: &mut Vec<u8>) {
        let (rows, total) = self.rows();
        let rows: Vec<_> = rows
            .iter()
            .map(|(name, err, path, n)| {
                let mut p = Vec::new();
                if let Some(path) = path {
                    escape(path, &mut p);
                }
                vec![
                    n.to_string().into_bytes(),
                    name.as_bytes().to_vec(),
                    err.as_bytes().to_vec(),
                    p,
                ]
            })
            .collect();
        write_table(
            &[
                ("count", Align::Right),
                ("syscall", Align::Left),
                ("errno", Align::Left),
                ("path", Align::Left),
            ],
            &rows,
            &[
                total.to_string().into_bytes(),
                b"total".to_vec(),
                Vec::new(),
                Vec::new(),
            ],
            out,
        );
    }

    /// `{"view":"errors","rows":[{"syscall":..,"err":"ENOENT","path":..,
    /// "count":..}],"total":{"count":..}}`; `"path"` is null when the
    /// record had none.
    pub fn json(&self, out: &mut Vec<u8>) {
        let (rows, total) = self.rows();
        out.extend_from_slice(b"{\"view\":\"errors\",\"rows\":[");
        for (i, (name, err, path, n)) in rows.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = write!(out, "{{\"syscall\":\"{name}\",\"err\":\"{err}\",");
            match path {
                Some(p) => json_path("path", p, out),
                None => out.extend_from_slice(b"\"path\":null"),
            }
            let _ = write!(out, ",\"count\":{n}}}");
        }
        let _ = writeln!(out, "],\"total\":{{\"count\":{total}}}}}");
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, bytes, fd, json, table};
    use super::super::{View, ViewKind};
    use crate::record::ResKind;
    use crate::record::tests::{record, sample};

    fn view() -> View {
        let mut v = View::new(ViewKind::Errors);
        let open = |p: &[u8], res| record("openat", vec![arg("pathname", bytes(p))].into(), res);
        for _ in 0..3 {
            v.add(&open(b"/lib/libc.so.6", -2));
        }
        v.add(&open(b"/root/x", -13));
        v.add(&open(b"/root/x", -13));
        v.add(&open(b"/n\xff\n", -2));
        v.add(&open(b"/ok", 3));
        // A failed read: its -y path, or none.
        let mut r = sample();
        r.res = Some(-11);
        v.add(&r);
        r.args[0].value = fd(3, b"pipe:[5]");
        v.add(&r);
        // Not errors: no result, a positive one, one beyond -4095, a
        // call that does not return.
        r.res = None;
        v.add(&r);
        r.res = Some(5);
        v.add(&r);
        r.res = Some(-5000);
        v.add(&r);
        let mut x = record("exit_group", Default::default(), -1);
        x.res_kind = ResKind::Never;
        v.add(&x);
        v
    }

    #[test]
    fn table_by_count_then_syscall_errno_path() {
        let t = table(&view());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "count syscall errno  path");
        assert_eq!(lines[1], "----- ------- ------ ----------------");
        assert_eq!(lines[2], "    3 openat  ENOENT /lib/libc.so.6");
        assert_eq!(lines[3], "    2 openat  EACCES /root/x");
        assert_eq!(lines[4], "    1 openat  ENOENT /n\\xff\\n");
        assert_eq!(lines[5], "    1 read    EAGAIN");
        assert_eq!(lines[6], "    1 read    EAGAIN pipe:[5]");
        assert_eq!(lines[7], lines[1]);
        assert_eq!(lines[8], "    8 total");
        assert_eq!(lines.len(), 9);
    }

    #[test]
    fn json_rows_and_total() {
        let j = json(&view());
        assert_eq!(j["view"], "errors");
        let rows = j["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 5);
        assert_eq!(
            rows[0],
            serde_json::json!({"syscall": "openat", "err": "ENOENT", "path": "/lib/libc.so.6", "count": 3})
        );
        assert_eq!(rows[2]["path"], "/n\u{fffd}\n");
        assert_eq!(rows[2]["path_hex"], "2f6eff0a");
        assert!(rows[3]["path"].is_null());
        assert_eq!(rows[4]["path"], "pipe:[5]");
        assert_eq!(j["total"]["count"], 8);
    }
}
