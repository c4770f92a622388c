//! `topprocs`: calls, errors and time in calls per process (thread group),
//! named by the comm of its latest record.

use super::{Align, error, escape, json_string, seconds, write_table};
use crate::record::{Comm, Record};
use std::collections::HashMap;
use std::io::Write;

#[derive(Clone, Debug, Default)]
struct Proc {
    /// The comm of the record with the latest timestamp (the last added
    /// among equal ones).
    comm: Comm,
    comm_ts: u64,
    calls: u64,
    errors: u64,
    /// Sum of the durations known, and how many were.
    time_ns: u128,
    timed: u64,
}

impl Proc {
    fn add(&mut self, o: &Proc) {
        self.calls += o.calls;
        self.errors += o.errors;
        self.time_ns += o.time_ns;
        self.timed += o.timed;
    }

    fn time(&self) -> Option<u128> {
        (self.timed > 0).then_some(self.time_ns)
    }
}

#[derive(Debug, Default)]
pub(super) struct TopProcs {
    by_pid: HashMap<i32, Proc>,
}

impl TopProcs {
    pub fn add(&mut self, r: &Record) {
        let p = self.by_pid.entry(r.pid).or_default();
        if p.calls == 0 || r.ts_ns >= p.comm_ts {
            p.comm = r.comm;
            p.comm_ts = r.ts_ns;
        }
        p.calls += 1;
        if error(r).is_some() {
            p.errors += 1;
        }
        if let Some(d) = r.dur_ns {
            p.time_ns += d as u128;
            p.timed += 1;
        }
    }

    /// Processes by calls, descending, then pid; and the total.
    fn rows(&self) -> (Vec<(i32, &Proc)>, Proc) {
        let mut rows: Vec<_> = self.by_pid.iter().map(|(&pid, p)| (pid, p)).collect();
        rows.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0.cmp(&b.0)));
        let mut total = Proc::default();
        for (_, p) in &rows {
            total.add(p);
        }
        (rows, total)
    }

    pub fn table(&self, out: &mut Vec<u8>) {
        let (rows, total) = self.rows();
        let cells = |p: &Proc, pid: String, comm: Vec<u8>| {
            vec![
                p.calls.to_string().into_bytes(),
                p.errors.to_string().into_bytes(),
                p.time().map_or("-".into(), seconds).into_bytes(),
                pid.into_bytes(),
                comm,
            ]
        };
        let rows: Vec<_> = rows
            .iter()
            .map(|(pid, p)| {
                let mut comm = Vec::new();
                escape(p.comm.as_bytes(), &mut comm);
                cells(p, pid.to_string(), comm)
            })
            .collect();
        write_table(
            &[
                ("calls", Align::Right),
                ("errors", Align::Right),
                ("seconds", Align::Right),
                ("pid", Align::Right),
                ("comm", Align::Left),
            ],
            &rows,
            &cells(&total, String::new(), b"total".to_vec()),
            out,
        );
    }

    /// `{"view":"topprocs","rows":[{"pid":..,"comm":..,"calls":..,
    /// "errors":..,"total_ns":..}],"total":{..}}`; `total_ns` is null when
    /// no duration is known.
    pub fn json(&self, out: &mut Vec<u8>) {
        let (rows, total) = self.rows();
        out.extend_from_slice(b"{\"view\":\"topprocs\",\"rows\":[");
        for (i, (pid, p)) in rows.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = write!(out, "{{\"pid\":{pid},\"comm\":");
            json_string(&String::from_utf8_lossy(p.comm.as_bytes()), out);
            out.push(b',');
            counts(p, out);
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"total\":{");
        counts(&total, out);
        out.extend_from_slice(b"}}\n");
    }
}

fn counts(p: &Proc, out: &mut Vec<u8>) {
    let _ = write!(
        out,
        "\"calls\":{},\"errors\":{},\"total_ns\":",
        p.calls, p.errors
    );
    let _ = match p.time() {
        Some(t) => write!(out, "{t}"),
        None => write!(out, "null"),
    };
}

#[cfg(test)]
mod tests {
    use super::super::tests::{json, table};
    use super::super::{View, ViewKind};
    use crate::record::Comm;
    use crate::record::tests::{record, sample};

    fn view() -> View {
        let mut v = View::new(ViewKind::TopProcs);
        // 4242: three calls, one failed, one without a result; renamed by
        // execve: the latest comm wins whatever the order of records.
        let mut r = sample();
        r.ts_ns = 10;
        r.comm = Comm::new(b"sh");
        v.add(&r);
        r.ts_ns = 30;
        r.comm = Comm::new(b"cat");
        r.res = Some(-2);
        r.dur_ns = Some(1_000_000);
        v.add(&r);
        r.ts_ns = 20;
        r.comm = Comm::new(b"sh");
        r.res = None;
        r.dur_ns = None;
        v.add(&r);
        // Another thread of 4242 counts for it.
        r.tid = 4250;
        r.ts_ns = 5;
        v.add(&r);
        // 1 and 7: two calls each, no times known; ordered by pid.
        let mut x = record("getpid", Default::default(), 1);
        x.pid = 7;
        x.comm = Comm::new(b"b\xff");
        v.add(&x);
        v.add(&x);
        x.pid = 1;
        x.comm = Comm::new(b"a");
        x.res = Some(-13);
        v.add(&x);
        x.res = None;
        v.add(&x);
        v
    }

    #[test]
    fn table_by_calls_with_latest_comm() {
        let t = table(&view());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "calls errors  seconds  pid comm");
        assert_eq!(lines[1], "----- ------ -------- ---- ----------------");
        assert_eq!(lines[2], "    4      1 0.001002 4242 cat");
        assert_eq!(lines[3], "    2      1        -    1 a");
        assert_eq!(lines[4], "    2      0        -    7 b\\xff");
        assert_eq!(lines[5], lines[1]);
        assert_eq!(lines[6], "    8      2 0.001002      total");
        assert_eq!(lines.len(), 7);
    }

    #[test]
    fn json_rows_and_total() {
        let j = json(&view());
        assert_eq!(j["view"], "topprocs");
        let rows = j["rows"].as_array().unwrap();
        assert_eq!(
            rows[0],
            serde_json::json!({"pid": 4242, "comm": "cat", "calls": 4, "errors": 1, "total_ns": 1_002_100})
        );
        assert!(rows[1]["total_ns"].is_null());
        assert_eq!(rows[2]["comm"], "b\u{fffd}");
        assert_eq!(
            j["total"],
            serde_json::json!({"calls": 8, "errors": 2, "total_ns": 1_002_100})
        );
    }
}
