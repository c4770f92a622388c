//! `-c`: per-syscall counts, errors and latency, printed at exit as a table
//! in strace `-c`'s form plus percentile columns, or as one JSON object.
//!
//! Latencies go into a log-linear histogram (HDR-style): exact below 128 ns,
//! then 64 buckets per power of two, so a percentile is within 1/64 (1.6%)
//! of the true sample, in bounded memory whatever the number of calls.
//!
//! The time measured is the wall-clock latency of each call as the tracer
//! sees it (entry stop to exit stop: strace's `-w`), not system CPU time.

use super::{Record, error_of};
use std::collections::HashMap;
use std::io::Write;

/// Sub-buckets per power of two, as a power of two.
const SUB_BITS: u32 = 6;
const SUB: usize = 1 << SUB_BITS;

/// A streaming histogram of u64 values (nanoseconds).
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    /// Counts by bucket index; grown on demand.
    counts: Vec<u64>,
    n: u64,
    sum: u128,
    min: u64,
    max: u64,
}

/// Bucket of a value: values below 2*SUB have their own bucket; above, each
/// power of two [2^m, 2^(m+1)) is split into SUB equal buckets.
fn index(v: u64) -> usize {
    if v < 2 * SUB as u64 {
        return v as usize;
    }
    let msb = 63 - v.leading_zeros(); // >= SUB_BITS + 1
    let shift = msb - SUB_BITS;
    let sub = (v >> shift) as usize; // in [SUB, 2*SUB)
    ((shift as usize + 1) << SUB_BITS) + (sub - SUB)
}

/// Lowest and highest value of a bucket.
fn bounds(i: usize) -> (u64, u64) {
    if i < 2 * SUB {
        return (i as u64, i as u64);
    }
    let shift = (i >> SUB_BITS) as u32 - 1;
    let sub = ((i & (SUB - 1)) + SUB) as u64;
    let lo = sub << shift;
    (lo, lo + ((1u64 << shift) - 1))
}

impl Histogram {
    pub fn add(&mut self, v: u64) {
        let i = index(v);
        if self.counts.len() <= i {
            self.counts.resize(i + 1, 0);
        }
        self.counts[i] += 1;
        if self.n == 0 || v < self.min {
            self.min = v;
        }
        self.max = self.max.max(v);
        self.n += 1;
        self.sum += v as u128;
    }

    pub fn merge(&mut self, o: &Histogram) {
        if o.n == 0 {
            return;
        }
        if self.counts.len() < o.counts.len() {
            self.counts.resize(o.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&o.counts) {
            *a += b;
        }
        self.min = if self.n == 0 {
            o.min
        } else {
            self.min.min(o.min)
        };
        self.max = self.max.max(o.max);
        self.n += o.n;
        self.sum += o.sum;
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    pub fn sum(&self) -> u128 {
        self.sum
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    pub fn mean(&self) -> u64 {
        if self.n == 0 {
            0
        } else {
            (self.sum / self.n as u128) as u64
        }
    }

    /// The q-quantile (0 < q <= 1): the middle of the bucket holding the
    /// sample of rank ceil(q*n), kept within the observed min and max.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.n == 0 {
            return 0;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bounds(i);
                return (lo + (hi - lo) / 2).clamp(self.min, self.max);
            }
        }
        self.max
    }
}

/// What `-c` / `-C` ask for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SummaryMode {
    #[default]
    Off,
    /// `-c`: the summary only, no records (as strace -c).
    Only,
    /// `-C`: records and the summary (as strace -C).
    WithRecords,
}

#[derive(Debug)]
struct Entry {
    name: &'static str,
    calls: u64,
    errors: u64,
    /// Calls `--inject` tampered with.
    injected: u64,
    times: Histogram,
}

/// Counts per syscall, by name: a 32-bit program's `read` and a 64-bit
/// one's share a row (their numbers differ).
#[derive(Debug, Default)]
pub struct Summary {
    by_name: HashMap<&'static str, Entry>,
    /// `--no-ret`: neither times nor errors are known.
    no_ret: bool,
}

impl Summary {
    pub fn new(no_ret: bool) -> Self {
        Summary {
            by_name: HashMap::new(),
            no_ret,
        }
    }

    pub fn add(&mut self, r: &Record) {
        let e = self.by_name.entry(r.name).or_insert_with(|| Entry {
            name: r.name,
            calls: 0,
            errors: 0,
            injected: 0,
            times: Histogram::default(),
        });
        e.calls += 1;
        if r.injected.any() {
            e.injected += 1;
        }
        if r.res.and_then(error_of).is_some() {
            e.errors += 1;
        }
        if let Some(d) = r.dur_ns {
            e.times.add(d);
        }
    }

    /// Entries by total time, then calls, then name; and the total.
    fn rows(&self) -> (Vec<&Entry>, Entry) {
        let mut rows: Vec<&Entry> = self.by_name.values().collect();
        rows.sort_by(|a, b| {
            b.times
                .sum()
                .cmp(&a.times.sum())
                .then(b.calls.cmp(&a.calls))
                .then(a.name.cmp(b.name))
        });
        let mut total = Entry {
            name: "total",
            calls: 0,
            errors: 0,
            injected: 0,
            times: Histogram::default(),
        };
        for e in &rows {
            total.calls += e.calls;
            total.injected += e.injected;
            total.errors += e.errors;
            total.times.merge(&e.times);
        }
        (rows, total)
    }

    /// strace -c's table, with p50, p99 and max columns (microseconds).
    pub fn table(&self, out: &mut Vec<u8>) {
        let (rows, total) = self.rows();
        let all = total.times.sum();
        let _ = writeln!(
            out,
            "% time     seconds  usecs/call   p50 usecs   p99 usecs   max usecs     calls    errors syscall"
        );
        let rule = "------ ----------- ----------- ----------- ----------- ----------- --------- --------- ----------------\n";
        out.extend_from_slice(rule.as_bytes());
        for e in &rows {
            let pct = if all == 0 {
                0.0
            } else {
                e.times.sum() as f64 * 100.0 / all as f64
            };
            self.row(pct, e, out);
        }
        out.extend_from_slice(rule.as_bytes());
        self.row(100.0, &total, out);
        // Fault injection: which of the calls were tampered with (counted
        // above as the program saw them: an injected error is an error).
        if total.injected > 0 {
            let mut inj: Vec<&&Entry> = rows.iter().filter(|e| e.injected > 0).collect();
            inj.sort_by(|a, b| b.injected.cmp(&a.injected).then(a.name.cmp(b.name)));
            let list: Vec<String> = inj
                .iter()
                .map(|e| format!("{} {}", e.name, e.injected))
                .collect();
            let _ = writeln!(
                out,
                "injected: {} calls ({})",
                total.injected,
                list.join(", ")
            );
        }
    }

    fn row(&self, pct: f64, e: &Entry, out: &mut Vec<u8>) {
        let errors = match (self.no_ret, e.errors) {
            (true, _) => "-".to_string(),
            (false, 0) => String::new(),
            (false, n) => n.to_string(),
        };
        let _ = if self.no_ret {
            writeln!(
                out,
                "{:>6} {:>11} {:>11} {:>11} {:>11} {:>11} {:>9} {:>9} {}",
                "-", "-", "-", "-", "-", "-", e.calls, errors, e.name
            )
        } else {
            let t = &e.times;
            let secs = t.sum() / 1000;
            let _ = write!(
                out,
                "{pct:>6.2} {:>4}.{:06} {:>11} {:>11} {:>11} {:>11} ",
                secs / 1_000_000,
                secs % 1_000_000,
                t.mean() / 1000,
                t.quantile(0.5) / 1000,
                t.quantile(0.99) / 1000,
                t.max() / 1000,
            );
            writeln!(out, "{:>9} {:>9} {}", e.calls, errors, e.name)
        };
    }

    /// One JSON object: `{"summary":{"syscalls":[...],"total":{...}}}`;
    /// times in ns, null under `--no-ret`.
    pub fn json(&self, out: &mut Vec<u8>) {
        let (rows, total) = self.rows();
        out.extend_from_slice(b"{\"summary\":{\"syscalls\":[");
        for (i, e) in rows.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            self.json_entry(e, out);
        }
        out.extend_from_slice(b"],\"total\":");
        self.json_entry(&total, out);
        out.extend_from_slice(b"}}\n");
    }

    fn json_entry(&self, e: &Entry, out: &mut Vec<u8>) {
        let _ = write!(out, "{{\"syscall\":\"{}\",\"calls\":{}", e.name, e.calls);
        if e.injected > 0 {
            let _ = write!(out, ",\"injected\":{}", e.injected);
        }
        let t = &e.times;
        let _ = if self.no_ret {
            write!(
                out,
                ",\"errors\":null,\"total_ns\":null,\"mean_ns\":null,\"p50_ns\":null,\"p99_ns\":null,\"max_ns\":null}}"
            )
        } else {
            write!(
                out,
                ",\"errors\":{},\"total_ns\":{},\"mean_ns\":{},\"p50_ns\":{},\"p99_ns\":{},\"max_ns\":{}}}",
                e.errors,
                t.sum(),
                t.mean(),
                t.quantile(0.5),
                t.quantile(0.99),
                t.max()
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    /// Exact q-quantile by the same rank rule, from sorted samples.
    fn exact(sorted: &[u64], q: f64) -> u64 {
        let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
        sorted[rank - 1]
    }

    fn within(got: u64, want: u64) -> bool {
        got.abs_diff(want) as f64 <= want as f64 / SUB as f64 + 1.0
    }

    #[test]
    fn buckets_are_contiguous_and_ordered() {
        let mut prev_hi = None;
        for i in 0..index(u64::MAX) + 1 {
            let (lo, hi) = bounds(i);
            assert!(lo <= hi);
            if let Some(p) = prev_hi {
                assert_eq!(lo, p + 1, "gap before bucket {i}");
            }
            prev_hi = Some(hi);
            assert_eq!(index(lo), i);
            assert_eq!(index(hi), i);
        }
        assert_eq!(prev_hi, Some(u64::MAX));
        assert!(index(u64::MAX) < 64 * SUB);
    }

    #[test]
    fn quantiles_within_bucket_error() {
        // A deterministic spread over six orders of magnitude (xorshift).
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let mut h = Histogram::default();
        let mut all = Vec::new();
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = 100 + (x % 1000) * (1 << (x >> 60));
            h.add(v);
            all.push(v);
        }
        all.sort_unstable();
        for q in [0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let (got, want) = (h.quantile(q), exact(&all, q));
            assert!(within(got, want), "q={q}: {got} vs exact {want}");
        }
        assert_eq!(h.max(), *all.last().unwrap());
        assert_eq!(h.count(), 100_000);
        assert_eq!(h.sum(), all.iter().map(|&v| v as u128).sum::<u128>());
    }

    #[test]
    fn small_values_are_exact_and_one_sample_is_itself() {
        let mut h = Histogram::default();
        for v in 0..100 {
            h.add(v);
        }
        assert_eq!(h.quantile(0.5), 49);
        assert_eq!(h.quantile(0.99), 98);
        let mut one = Histogram::default();
        one.add(50_000_123);
        assert_eq!(one.quantile(0.5), 50_000_123);
        assert_eq!(one.quantile(0.99), 50_000_123);
        assert_eq!(Histogram::default().quantile(0.5), 0);
    }

    #[test]
    fn merge_equals_adding_everything() {
        let (mut a, mut b, mut c) = Default::default();
        for v in (0..5000u64).map(|i| i * i) {
            if v % 3 == 0 {
                Histogram::add(&mut a, v)
            } else {
                Histogram::add(&mut b, v)
            }
            Histogram::add(&mut c, v);
        }
        let mut m: Histogram = a.clone();
        m.merge(&b);
        assert_eq!(m.counts, c.counts);
        assert_eq!((m.n, m.sum, m.min, m.max), (c.n, c.sum, c.min, c.max));
        let mut e = Histogram::default();
        e.merge(&b);
        assert_eq!(e.min, b.min);
    }

    fn summary() -> Summary {
        let mut s = Summary::new(false);
        let mut r = sample();
        for d in [1_000, 2_000, 3_000_000] {
            r.dur_ns = Some(d);
            s.add(&r);
        }
        r.res = Some(-2);
        r.dur_ns = Some(2_100);
        s.add(&r);
        let mut w = sample();
        w.nr = 1;
        w.name = "write";
        w.dur_ns = Some(10_000_000);
        s.add(&w);
        s
    }

    #[test]
    fn table_is_sorted_by_time_with_a_total() {
        let mut v = Vec::new();
        summary().table(&mut v);
        let t = String::from_utf8(v).unwrap();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 6, "{t}");
        assert!(lines[0].starts_with("% time     seconds  usecs/call"));
        let write: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(
            write,
            [
                "76.89", "0.010000", "10000", "10000", "10000", "10000", "1", "write"
            ]
        );
        let read: Vec<&str> = lines[3].split_whitespace().collect();
        assert_eq!(read[0], "23.11");
        assert_eq!(read[1], "0.003005");
        assert_eq!(&read[6..], ["4", "1", "read"]);
        let total: Vec<&str> = lines[5].split_whitespace().collect();
        assert_eq!(total[0], "100.00");
        assert_eq!(&total[6..], ["5", "1", "total"]);
        // Columns line up with the header's.
        assert_eq!(lines[2].find("write"), lines[0].find("syscall"));
    }

    #[test]
    fn json_summary() {
        let mut v = Vec::new();
        summary().json(&mut v);
        let j: serde_json::Value = serde_json::from_slice(&v).unwrap();
        let rows = j["summary"]["syscalls"].as_array().unwrap();
        assert_eq!(rows[0]["syscall"], "write");
        assert_eq!(rows[1]["calls"], 4);
        assert_eq!(rows[1]["errors"], 1);
        assert_eq!(rows[1]["total_ns"], 3_005_100);
        assert_eq!(rows[1]["max_ns"], 3_000_000);
        assert_eq!(j["summary"]["total"]["calls"], 5);
        let mut s = Summary::new(true);
        s.add(&sample());
        let mut v = Vec::new();
        s.json(&mut v);
        let j: serde_json::Value = serde_json::from_slice(&v).unwrap();
        assert!(j["summary"]["total"]["total_ns"].is_null());
        assert_eq!(j["summary"]["total"]["calls"], 1);
    }
}
