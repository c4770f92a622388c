//! `topfiles`: bytes read, bytes written and calls per path.

use super::{Align, escape, json_path, path_of, write_table};
use crate::record::Record;
use std::collections::HashMap;
use std::io::Write;

/// Calls whose positive result is a count of bytes read.
const READS: &[&str] = &[
    "read", "pread64", "readv", "preadv", "preadv2", "recvfrom", "recvmsg", "recv",
];
/// Calls whose positive result is a count of bytes written (sendfile's to
/// its `out_fd`).
const WRITES: &[&str] = &[
    "write",
    "pwrite64",
    "writev",
    "pwritev",
    "pwritev2",
    "sendto",
    "sendmsg",
    "send",
    "sendfile",
    "sendfile64",
];

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    read: u64,
    written: u64,
    calls: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.read = self.read.saturating_add(o.read);
        self.written = self.written.saturating_add(o.written);
        self.calls += o.calls;
    }

    fn bytes(&self) -> u64 {
        self.read.saturating_add(self.written)
    }
}

#[derive(Debug, Default)]
pub(super) struct TopFiles {
    by_path: HashMap<Vec<u8>, Counts>,
    /// Read-like and write-like calls with no path, and their bytes.
    no_path: Counts,
}

impl TopFiles {
    pub fn add(&mut self, r: &Record) {
        let n = r.res.filter(|&n| n > 0).unwrap_or(0) as u64;
        let (is_read, is_write) = (READS.contains(&r.name), WRITES.contains(&r.name));
        let c = Counts {
            read: if is_read { n } else { 0 },
            written: if is_write { n } else { 0 },
            calls: 1,
        };
        match path_of(r) {
            Some(p) => match self.by_path.get_mut(&p) {
                Some(e) => e.add(&c),
                None => {
                    self.by_path.insert(p, c);
                }
            },
            None if is_read || is_write => self.no_path.add(&c),
            None => {}
        }
    }

    /// Rows by bytes (read + written), then calls, descending; then path.
    fn rows(&self) -> (Vec<(&Vec<u8>, &Counts)>, Counts) {
        let mut rows: Vec<_> = self.by_path.iter().collect();
        rows.sort_by(|a, b| {
            b.1.bytes()
                .cmp(&a.1.bytes())
                .then(b.1.calls.cmp(&a.1.calls))
                .then(a.0.cmp(b.0))
        });
        let mut total = Counts::default();
        for (_, c) in &rows {
            total.add(c);
        }
        (rows, total)
    }

    pub fn table(&self, out: &mut Vec<u8>) {
        let (rows, total) = self.rows();
        let cells = |c: &Counts, path: Vec<u8>| {
            vec![
                c.read.to_string().into_bytes(),
                c.written.to_string().into_bytes(),
                c.calls.to_string().into_bytes(),
                path,
            ]
        };
        let rows: Vec<_> = rows
            .iter()
            .map(|(p, c)| {
                let mut e = Vec::new();
                escape(p, &mut e);
                cells(c, e)
            })
            .collect();
        write_table(
            &[
                ("bytes read", Align::Right),
                ("bytes written", Align::Right),
                ("calls", Align::Right),
                ("path", Align::Left),
            ],
            &rows,
            &cells(&total, b"total".to_vec()),
            out,
        );
        let np = &self.no_path;
        if np.calls > 0 {
            let _ = writeln!(
                out,
                "{} read/write call{} with no path ({} bytes read, {} written) not counted; \
                 descriptor paths need -y at capture time",
                np.calls,
                if np.calls == 1 { "" } else { "s" },
                np.read,
                np.written
            );
        }
    }

    /// `{"view":"topfiles","rows":[{"path":..,"read_bytes":..,
    /// "write_bytes":..,"calls":..}],"total":{..},"no_path":{..}}`.
    pub fn json(&self, out: &mut Vec<u8>) {
        let (rows, total) = self.rows();
        out.extend_from_slice(b"{\"view\":\"topfiles\",\"rows\":[");
        for (i, (p, c)) in rows.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'{');
            json_path("path", p, out);
            out.push(b',');
            counts(c, out);
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"total\":{");
        counts(&total, out);
        out.extend_from_slice(b"},\"no_path\":{");
        counts(&self.no_path, out);
        out.extend_from_slice(b"}}\n");
    }
}

fn counts(c: &Counts, out: &mut Vec<u8>) {
    let _ = write!(
        out,
        "\"read_bytes\":{},\"write_bytes\":{},\"calls\":{}",
        c.read, c.written, c.calls
    );
}

#[cfg(test)]
mod tests {
    use super::super::tests::{arg, bytes, fd, json, table};
    use super::super::{View, ViewKind};
    use crate::record::FdPath;
    use crate::record::tests::{record, sample};

    fn view() -> View {
        let mut v = View::new(ViewKind::TopFiles);
        // /etc/hosts: opened by name (-y gave the returned descriptor's
        // path), read twice, closed.
        let mut open = record(
            "openat",
            vec![arg("pathname", bytes(b"/etc/hosts"))].into(),
            3,
        );
        open.res_path = Some(FdPath::new(b"/etc/hosts", false));
        v.add(&open);
        let mut r = sample();
        r.args[0].value = fd(3, b"/etc/hosts");
        v.add(&r);
        r.res = Some(0);
        v.add(&r);
        v.add(&record(
            "close",
            vec![arg("fd", fd(3, b"/etc/hosts"))].into(),
            0,
        ));
        // stdout: one write of 100 bytes, one failed, one that never returned.
        let mut w = record("write", vec![arg("fd", fd(1, b"/dev/pts/0"))].into(), 100);
        v.add(&w);
        w.res = Some(-32);
        v.add(&w);
        w.res = None;
        v.add(&w);
        // A socket: sendto and a recv (i386's socketcall).
        v.add(&record(
            "sendto",
            vec![arg("sockfd", fd(4, b"socket:[9]"))].into(),
            6,
        ));
        v.add(&record(
            "recv",
            vec![arg("sockfd", fd(4, b"socket:[9]"))].into(),
            6,
        ));
        // Failed opens by name: as many bytes (none) as /missing-b; ordered
        // by calls, then path.
        let miss = |p: &[u8]| record("openat", vec![arg("pathname", bytes(p))].into(), -2);
        v.add(&miss(b"/missing-b"));
        v.add(&miss(b"/missing-b"));
        v.add(&miss(b"/missing-a"));
        v.add(&miss(b"/missing-c"));
        v.add(&miss(b"/bad\xff"));
        // Reads and writes without -y: not counted.
        v.add(&sample());
        v.add(&record(
            "writev",
            vec![arg("fd", crate::record::Value::Int(5))].into(),
            7,
        ));
        // Other calls without a path are ignored.
        v.add(&record("getpid", Default::default(), 1));
        v
    }

    #[test]
    fn table_sorted_by_bytes_then_calls_then_path() {
        let t = table(&view());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "bytes read bytes written calls path");
        assert_eq!(lines[1], "---------- ------------- ----- ----------------");
        let rows: Vec<Vec<&str>> = lines[2..9]
            .iter()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(
            rows,
            [
                ["0", "100", "3", "/dev/pts/0"],
                ["12", "0", "4", "/etc/hosts"],
                ["6", "6", "2", "socket:[9]"],
                ["0", "0", "2", "/missing-b"],
                ["0", "0", "1", "/bad\\xff"],
                ["0", "0", "1", "/missing-a"],
                ["0", "0", "1", "/missing-c"],
            ]
        );
        assert_eq!(lines[9], lines[1]);
        let total: Vec<&str> = lines[10].split_whitespace().collect();
        assert_eq!(total, ["18", "106", "14", "total"]);
        assert_eq!(
            lines[11],
            "2 read/write calls with no path (12 bytes read, 7 written) not counted; \
             descriptor paths need -y at capture time"
        );
        assert_eq!(lines.len(), 12);
        // Columns line up with the header's.
        assert_eq!(lines[2].find("/dev"), lines[0].find("path"));
        assert_eq!(lines[2].find("100").map(|i| i + 3), lines[0].find(" calls"));
    }

    #[test]
    fn json_rows_total_and_no_path() {
        let j = json(&view());
        assert_eq!(j["view"], "topfiles");
        let rows = j["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 7);
        assert_eq!(
            rows[1],
            serde_json::json!({"path": "/etc/hosts", "read_bytes": 12, "write_bytes": 0, "calls": 4})
        );
        assert_eq!(rows[4]["path"], "/bad\u{fffd}");
        assert_eq!(rows[4]["path_hex"], "2f626164ff");
        assert!(rows[1].get("path_hex").is_none());
        assert_eq!(
            j["total"],
            serde_json::json!({"read_bytes": 18, "write_bytes": 106, "calls": 14})
        );
        assert_eq!(
            j["no_path"],
            serde_json::json!({"read_bytes": 12, "write_bytes": 7, "calls": 2})
        );
    }

    #[test]
    fn empty_view_has_a_total_and_no_footer() {
        let v = View::new(ViewKind::TopFiles);
        let t = table(&v);
        assert_eq!(t.lines().count(), 4, "{t}");
        assert_eq!(
            t.lines()
                .last()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["0", "0", "0", "total"]
        );
        let j = json(&v);
        assert_eq!(j["rows"], serde_json::json!([]));
        assert_eq!(j["no_path"]["calls"], 0);
    }
}
