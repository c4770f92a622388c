use super::file::FRAME_TARGET;
use super::*;
use crate::record::tests::{record, sample};
use crate::record::{Abi, Arg, Comm, FdPath, Injected, ResKind, Value};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::testutil::Rng;

fn temp_path(what: &str) -> std::path::PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    std::env::temp_dir().join(format!(
        "my-sysdig-capture-{}-{}-{what}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

fn header() -> Header {
    Header {
        version: VERSION,
        arch: "x86_64".into(),
        kernel: "6.8.0-test".into(),
        argv: vec![b"/bin/cat".to_vec(), b"/etc/h\xffosts".to_vec(), Vec::new()],
        start_ns: 1_732_470_000_000_000_000,
        snaplen: 4096,
        options: vec![
            ("format".into(), "strace".into()),
            ("fd_paths".into(), "1".into()),
            ("only".into(), "read,write".into()),
        ],
    }
}

/// A capture written through `FileWriter`: one frame per element of
/// `frames`; returns the file's bytes and where each frame ends.
fn write_capture(header: &Header, frames: &[Vec<u8>]) -> (Vec<u8>, Vec<u64>) {
    let path = temp_path("cap");
    let f = std::fs::File::create(&path).unwrap();
    let mut w = FileWriter::create(f, header).unwrap();
    let mut ends = vec![w.bytes_written()];
    for fr in frames {
        w.append(fr).unwrap();
        w.flush().unwrap();
        ends.push(w.bytes_written());
    }
    w.flush().unwrap();
    drop(w);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(bytes.len() as u64, *ends.last().unwrap());
    (bytes, ends)
}

/// Everything a reader gives: entries until the end or an error.
struct ReadOut {
    entries: Vec<Entry>,
    error: Option<CaptureError>,
    truncated: Option<(u64, u64)>,
}

fn read_all<R: Read>(r: Result<Reader<R>, CaptureError>) -> ReadOut {
    let mut r = match r {
        Ok(r) => r,
        Err(e) => {
            return ReadOut {
                entries: Vec::new(),
                error: Some(e),
                truncated: None,
            };
        }
    };
    let mut entries = Vec::new();
    loop {
        match r.next_entry() {
            Ok(Some(e)) => entries.push(e),
            Ok(None) => {
                // Fused.
                assert!(matches!(r.next_entry(), Ok(None)));
                return ReadOut {
                    entries,
                    error: None,
                    truncated: r.truncated(),
                };
            }
            Err(e) => {
                assert!(matches!(r.next_entry(), Ok(None)));
                return ReadOut {
                    entries,
                    error: Some(e),
                    truncated: r.truncated(),
                };
            }
        }
    }
}

/// A reader that gives a few bytes at a time and is sometimes
/// interrupted, as a pipe might.
struct Trickle<'a> {
    data: &'a [u8],
    rng: Rng,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.rng.below(5) == 0 {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = (self.rng.below(7) + 1).min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn arg(name: &'static str, value: Value) -> Arg {
    Arg {
        name,
        value,
        output: false,
        updated: false,
    }
}

/// Records exercising every `Value` variant and every record field.
fn every_value_records() -> Vec<Record> {
    let mut out = vec![sample()];
    let deep = (0..10).fold(Value::Int(-1), |v, i| {
        if i % 2 == 0 {
            Value::Changed(Box::new(v), Box::new(Value::UInt(i)))
        } else {
            Value::Array {
                items: vec![v, Value::Sym(format!("S{i}"))],
                truncated: i % 3 == 0,
            }
        }
    });
    let mut r = record(
        "everything",
        smallvec::smallvec![
            arg("int", Value::Int(i64::MIN)),
            arg("uint", Value::UInt(u64::MAX)),
            arg("hex", Value::Hex(0xdead_beef)),
            arg("ptr", Value::Ptr(0)),
            arg("sym", Value::Sym("O_RDONLY|O_CLOEXEC|é".into())),
            arg("mode", Value::Mode(0o755)),
            Arg {
                name: "bytes",
                value: Value::Bytes {
                    data: b"\xff\xfe\x00not utf-8\n".to_vec(),
                    truncated: true,
                },
                output: true,
                updated: true,
            },
            arg(
                "fault",
                Value::Fault {
                    addr: 0x7fff_0000_1000,
                    errno: 14,
                }
            ),
            arg(
                "array",
                Value::Array {
                    items: vec![
                        Value::Int(5),
                        Value::WithPath(Box::new(Value::Int(6)), FdPath::new(b"pipe:[9]", false)),
                    ],
                    truncated: true,
                }
            ),
            arg(
                "struct",
                Value::Struct(vec![
                    ("sa_family", Value::Sym("AF_INET".into())),
                    ("sin_port", Value::Call("htons", Box::new(Value::UInt(80)))),
                    (
                        "sin_addr",
                        Value::Call(
                            "inet_addr",
                            Box::new(Value::Bytes {
                                data: b"127.0.0.1".to_vec(),
                                truncated: false
                            })
                        )
                    ),
                    (
                        "inner",
                        Value::Struct(vec![
                            ("x", Value::Clock(7)),
                            (crate::record::MORE, Value::Int(0))
                        ])
                    ),
                ])
            ),
            arg(
                "envp",
                Value::Counted {
                    addr: 0x7ffd_1234,
                    n: 35,
                    unit: "vars"
                }
            ),
            arg(
                "hexbytes",
                Value::HexBytes {
                    data: vec![0, 1, 2, 0xff],
                    truncated: false
                }
            ),
            arg(
                "changed",
                Value::Changed(Box::new(Value::Int(110)), Box::new(Value::Int(16)))
            ),
            arg("clock", Value::Clock(12345)),
            arg("notcaptured", Value::NotCaptured(0x1000)),
            arg(
                "withpath",
                Value::WithPath(
                    Box::new(Value::Int(3)),
                    FdPath::new(b"/tmp/we ird<>\n\xc3", true)
                )
            ),
            arg("deep", deep),
            arg("empty", Value::Struct(Vec::new())),
        ],
        -2,
    );
    r.ts_ns = u64::MAX;
    r.pid = i32::MAX;
    r.tid = i32::MIN;
    r.comm = Comm::new(b"0123456789abcdefgh");
    r.nr = u32::MAX;
    r.dur_ns = Some(0);
    r.res_path = Some(FdPath::new(b"/dev/null", false));
    r.res_decoded = Some(Value::Sym("flags O_RDWR".into()));
    out.push(r);

    let mut r = sample();
    r.abi = Abi::Compat("i386");
    r.nr = 3;
    r.res = None;
    r.res_kind = ResKind::Hex;
    r.interrupted = true;
    r.late = true;
    r.comm = Comm::new(b"a\n\n");
    r.res_decoded = Some(Value::Array {
        items: vec![Value::Int(3)],
        truncated: false,
    });
    out.push(r);

    let mut r = record(
        "exit_group",
        smallvec::smallvec![arg("status", Value::Int(0))],
        0,
    );
    r.res = None;
    r.res_kind = ResKind::Never;
    r.pid = -1;
    r.comm = Comm::new(b"");
    // Both high flags at once (never so in practice: injection is exec
    // only, late attach only) on a record whose first flags byte has 0x80.
    r.late = true;
    r.injected = Injected(Injected::SIGNAL | Injected::POKED | Injected::DELAYED);
    out.push(r);

    let mut r = record("getpid", smallvec::smallvec![], 77);
    r.dur_ns = Some(u64::MAX);
    r.res = Some(i64::MIN);
    out.push(r);
    out
}

/// Encodes `entries` with the NAME entries they need first.
fn frame_of(interner: &Interner, body: impl FnOnce(&Interner, &mut Vec<u8>)) -> Vec<u8> {
    let mut buf = Vec::new();
    body(interner, &mut buf);
    let mut out = Vec::new();
    interner.take_new_names(&mut out);
    out.extend_from_slice(&buf);
    out
}

/// The round-trip capture: frames and the entries they hold.
fn round_trip_capture() -> (Vec<Vec<u8>>, Vec<Vec<Entry>>) {
    let interner = Interner::new();
    let recs = every_value_records();
    let mut frames = Vec::new();
    let mut expect = Vec::new();
    for (i, chunk) in recs.chunks(2).enumerate() {
        let mut want = Vec::new();
        frames.push(frame_of(&interner, |int, out| {
            for (j, r) in chunk.iter().enumerate() {
                let live = if j == 0 { u64::MAX } else { i as u64 };
                int.encode_record(r, live, out);
                want.push(Entry::Record {
                    rec: r.clone(),
                    live,
                });
            }
            int.encode_enter(&chunk[0], 2, out);
            want.push(Entry::Enter {
                rec: chunk[0].clone(),
                live: 2,
            });
            encode_event(i32::MAX, u64::MAX, 0, b"+++ exited with 0 +++", out);
            want.push(Entry::Event {
                tid: i32::MAX,
                ts_ns: u64::MAX,
                live: 0,
                text: b"+++ exited with 0 +++".to_vec(),
            });
        }));
        expect.push(want);
    }
    let ends = [
        End {
            records: recs.len() as u64,
            exit: Some(Exit::Code(-3)),
        },
        End {
            records: 0,
            exit: Some(Exit::Signal(9)),
        },
        End {
            records: u64::MAX,
            exit: None,
        },
    ];
    let mut out = Vec::new();
    for e in &ends {
        encode_end(e, &mut out);
    }
    frames.push(out);
    expect.push(ends.into_iter().map(Entry::End).collect());
    (frames, expect)
}

#[test]
fn round_trip_every_value() {
    let (frames, expect) = round_trip_capture();
    let expect: Vec<Entry> = expect.into_iter().flatten().collect();
    let h = header();
    let (bytes, ends) = write_capture(&h, &frames);
    assert_eq!(ends.len(), frames.len() + 1);

    // From a file.
    let path = temp_path("rt");
    std::fs::write(&path, &bytes).unwrap();
    let r = Reader::new(std::fs::File::open(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(r.header(), &h);
    assert_eq!(r.header().option("only"), Some("read,write"));
    assert_eq!(r.header().option("no_ret"), None);
    let got = read_all(Ok(r));
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.truncated, None);
    assert_eq!(got.entries.len(), expect.len());
    for (g, e) in got.entries.iter().zip(&expect) {
        assert_eq!(g, e);
    }

    // From a pipe, a few bytes at a time.
    let got = read_all(Reader::new(Trickle {
        data: &bytes,
        rng: Rng(7),
    }));
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.entries, expect);
}

/// `zstd -dc` (or, without it, the crate's streaming decoder) gives back
/// exactly the entries appended: it skips the header frame.
#[test]
fn zstdcat_decompresses_the_data() {
    let (frames, _) = round_trip_capture();
    let (bytes, _) = write_capture(&header(), &frames);
    let all: Vec<u8> = frames.concat();
    assert_eq!(zstd::stream::decode_all(&bytes[..]).unwrap(), all);
    let path = temp_path("zstdcat");
    std::fs::write(&path, &bytes).unwrap();
    match std::process::Command::new("zstd")
        .arg("-dc")
        .arg(&path)
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.stdout, all);
        }
        Err(e) => eprintln!("zstd CLI not run: {e}"),
    }
    std::fs::remove_file(&path).unwrap();
}

/// A small capture (header + 3 frames) and the entries of each frame.
fn small_capture() -> (Vec<u8>, Vec<u64>, Vec<Vec<Entry>>) {
    let interner = Interner::new();
    let recs = every_value_records();
    let mut frames = Vec::new();
    let mut expect = Vec::new();
    for i in 0..3 {
        let r = &recs[[0, 2, 4][i]];
        let mut want = Vec::new();
        frames.push(frame_of(&interner, |int, out| {
            int.encode_record(r, 1, out);
            want.push(Entry::Record {
                rec: r.clone(),
                live: 1,
            });
            encode_event(4, 5, 6, b"--- SIGCHLD ---", out);
            want.push(Entry::Event {
                tid: 4,
                ts_ns: 5,
                live: 6,
                text: b"--- SIGCHLD ---".to_vec(),
            });
        }));
        expect.push(want);
    }
    let (bytes, ends) = write_capture(&header(), &frames);
    (bytes, ends, expect)
}

#[test]
fn truncated_at_every_byte() {
    let (bytes, ends, expect) = small_capture();
    let header_len = ends[0] as usize;
    for cut in 0..=bytes.len() {
        let got = read_all(Reader::new(&bytes[..cut]));
        if cut < header_len {
            assert!(
                matches!(
                    got.error,
                    Some(CaptureError::NotACapture | CaptureError::Corrupt { .. })
                ),
                "cut at {cut}: {:?}",
                got.error
            );
            continue;
        }
        assert!(got.error.is_none(), "cut at {cut}: {:?}", got.error);
        // Frames wholly before the cut.
        let whole = ends[1..].iter().filter(|&&e| e as usize <= cut).count();
        let want: Vec<Entry> = expect[..whole].iter().flatten().cloned().collect();
        assert_eq!(got.entries, want, "cut at {cut}");
        if ends.contains(&(cut as u64)) {
            assert_eq!(got.truncated, None, "cut at {cut}");
        } else {
            assert_eq!(
                got.truncated,
                Some((ends[whole], whole as u64)),
                "cut at {cut}"
            );
        }
    }
}

#[test]
fn flipped_bits_never_panic() {
    let (bytes, ends, expect) = small_capture();
    let all: Vec<Entry> = expect.iter().flatten().cloned().collect();
    let header_len = ends[0] as usize;
    let mut undetected = Vec::new();
    for pos in 0..bytes.len() {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[pos] ^= 1 << bit;
            let got = read_all(Reader::new(&b[..]));
            if pos < header_len {
                // The header has no checksum: a flip there may go unseen.
                continue;
            }
            // Frames before the damaged one read as written.
            let whole = ends[1..].iter().filter(|&&e| e as usize <= pos).count();
            let before: Vec<Entry> = expect[..whole].iter().flatten().cloned().collect();
            assert!(
                got.entries.len() >= before.len() && got.entries[..before.len()] == before[..],
                "flip at {pos}.{bit}"
            );
            if got.error.is_none() && got.truncated.is_none() && got.entries == all {
                undetected.push((pos, bit));
            }
        }
    }
    // zstd's frame header descriptor has bits a flip of which changes
    // nothing (the unused bit; single segment with the content size
    // given): the data then reads as written. Any other flip is seen.
    let descriptors: Vec<usize> = ends[..ends.len() - 1]
        .iter()
        .map(|&e| e as usize + 4)
        .collect();
    assert!(
        undetected.iter().all(|(pos, _)| descriptors.contains(pos)),
        "flips not detected: {undetected:?}"
    );
}

#[test]
fn random_garbage_never_panics() {
    let (bytes, ends, _) = small_capture();
    let header_len = ends[0] as usize;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let len = rng.below(600);
        let mut g: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        match round % 4 {
            // Bare garbage.
            0 => {}
            // A valid header, then garbage.
            1 => g
                .splice(0..0, bytes[..header_len].iter().copied())
                .for_each(drop),
            // A valid header, then garbage compressed: frames that
            // decompress, entries that do not parse.
            2 => {
                let mut c = zstd::bulk::compress(&g, 1).unwrap();
                c.splice(0..0, bytes[..header_len].iter().copied());
                g = c;
            }
            // The capture with a run of bytes replaced.
            _ => {
                let mut c = bytes.clone();
                let at = rng.below(c.len());
                let n = rng.below(16).min(c.len() - at);
                for x in &mut c[at..at + n] {
                    *x = rng.next() as u8;
                }
                g = c;
            }
        }
        let _ = read_all(Reader::new(&g[..]));
    }
    // Garbage shaped like entries: right kinds, random payloads.
    for _ in 0..3000 {
        let mut data = Vec::new();
        for _ in 0..rng.below(5) {
            data.push(1 + rng.below(6) as u8);
            let n = rng.below(40) as u64;
            codec::put_varint(&mut data, n);
            data.extend((0..n).map(|_| rng.next() as u8));
        }
        let mut c = bytes[..header_len].to_vec();
        c.extend(zstd::bulk::compress(&data, 1).unwrap());
        let _ = read_all(Reader::new(&c[..]));
    }
    assert!(matches!(
        Reader::new(&b""[..]).err(),
        Some(CaptureError::NotACapture)
    ));
    assert!(matches!(
        Reader::new(&b"hello, world"[..]).err(),
        Some(CaptureError::NotACapture)
    ));
}

/// Values nested deeper than the limit are refused, not recursed into.
#[test]
fn deep_values_are_corrupt() {
    let interner = Interner::new();
    let deep = (0..40).fold(Value::Int(0), |v, _| {
        Value::Changed(Box::new(v), Box::new(Value::Int(1)))
    });
    let r = record("x", smallvec::smallvec![arg("a", deep)], 0);
    let frame = frame_of(&interner, |int, out| int.encode_record(&r, 0, out));
    let (bytes, _) = write_capture(&header(), &[frame]);
    let got = read_all(Reader::new(&bytes[..]));
    match got.error {
        Some(e @ CaptureError::Corrupt { .. }) => {
            assert!(e.to_string().contains("nested"), "{e}")
        }
        e => panic!("{e:?}"),
    }
}

/// The capture's header with its version set to `major.minor`.
fn with_version(bytes: &[u8], major: u16, minor: u16) -> Vec<u8> {
    let mut b = bytes.to_vec();
    b[16..18].copy_from_slice(&major.to_le_bytes());
    b[18..20].copy_from_slice(&minor.to_le_bytes());
    b
}

#[test]
fn versions() {
    let interner = Interner::new();
    let rec = sample();
    let mut data = Vec::new();
    interner.take_new_names(&mut data);
    let mut e = Vec::new();
    interner.encode_record(&rec, 3, &mut e);
    interner.take_new_names(&mut data);
    // An entry of a kind from the future, before and after the record.
    data.extend_from_slice(&[200, 3, 1, 2, 3]);
    data.extend_from_slice(&e);
    data.extend_from_slice(&[200, 0, 201, 1, 9]);
    // A record with a field from the future at its end.
    let mut longer = e.clone();
    longer[1] += 1; // its length (one byte here)
    longer.push(42);
    data.extend_from_slice(&longer);
    let (bytes, _) = write_capture(&header(), &[data]);

    let err = Reader::new(&with_version(&bytes, 2, 0)[..]).err().unwrap();
    assert!(matches!(
        err,
        CaptureError::NewerVersion { major: 2, minor: 0 }
    ));
    assert_eq!(
        err.to_string(),
        "capture format 2.0 is newer than this my-sysdig reads (1.x)"
    );

    let b = with_version(&bytes, 1, 7);
    let mut r = Reader::new(&b[..]).unwrap();
    assert_eq!(r.header().version, (1, 7));
    let want = Entry::Record { rec, live: 3 };
    assert_eq!(r.next_entry().unwrap(), Some(want.clone()));
    assert_eq!(r.next_entry().unwrap(), Some(want.clone()));
    assert_eq!(r.next_entry().unwrap(), None);
    assert_eq!(r.truncated(), None);
    assert_eq!(r.skipped_kinds(), vec![(200, 2), (201, 1)]);

    // At our own version, unknown kinds are skipped too, but a record
    // longer than its fields is damage.
    let mut r = Reader::new(&bytes[..]).unwrap();
    assert_eq!(r.next_entry().unwrap(), Some(want));
    let err = r.next_entry().unwrap_err();
    assert!(err.to_string().starts_with("corrupt at byte "), "{err}");
    assert_eq!(r.skipped_kinds(), vec![(200, 2), (201, 1)]);
}

/// Threads encode records with overlapping names through one interner; a
/// writer thread takes the new names before writing what it received.
#[test]
fn concurrent_interning_defines_names_before_use() {
    let pool: Arc<Vec<&'static str>> = Arc::new(
        (0..300)
            .map(|i| &*Box::leak(format!("name{i}").into_boxed_str()))
            .collect(),
    );
    let interner = Arc::new(Interner::new());
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let path = temp_path("mt");
    let writer = {
        let interner = interner.clone();
        let f = std::fs::File::create(&path).unwrap();
        std::thread::spawn(move || {
            let mut w = FileWriter::create(f, &header()).unwrap();
            let mut out = Vec::new();
            for buf in rx {
                out.clear();
                interner.take_new_names(&mut out);
                out.extend_from_slice(&buf);
                w.append(&out).unwrap();
                w.flush_if_due().unwrap();
            }
            w.flush().unwrap();
        })
    };
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (pool, interner, tx) = (pool.clone(), interner.clone(), tx.clone());
            std::thread::spawn(move || {
                let mut rng = Rng(t + 1);
                let mut want = Vec::new();
                for i in 0..500 {
                    let n = |rng: &mut Rng| pool[rng.below(pool.len())];
                    let mut r = record(
                        n(&mut rng),
                        smallvec::smallvec![
                            arg(n(&mut rng), Value::Int(i)),
                            arg(
                                n(&mut rng),
                                Value::Struct(vec![(n(&mut rng), Value::Int(1))])
                            ),
                        ],
                        i,
                    );
                    r.tid = t as i32;
                    let mut buf = Vec::new();
                    interner.encode_record(&r, t, &mut buf);
                    tx.send(buf).unwrap();
                    want.push(r);
                }
                want
            })
        })
        .collect();
    drop(tx);
    let mut want: Vec<Vec<Record>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    writer.join().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let got = read_all(Reader::new(&bytes[..]));
    assert!(got.error.is_none(), "{:?}", got.error);
    assert_eq!(got.entries.len(), 8 * 500);
    // Each thread's records arrive in its order.
    let mut next = [0; 8];
    for e in got.entries {
        let Entry::Record { rec, live } = e else {
            panic!("{e:?}")
        };
        let t = live as usize;
        assert_eq!(rec, want[t][next[t]]);
        next[t] += 1;
    }
    want.clear();
}

/// Realistic records: how many bytes each takes after compression.
#[test]
fn bytes_per_record() {
    const N: usize = 10_000;
    let interner = Interner::new();
    let mut rng = Rng(42);
    let mut ts = 1_732_470_000_123_456_789u64;
    let mut data: Vec<Vec<u8>> = Vec::new();
    let libs = ["libc.so.6", "libm.so.6", "libpthread.so.0", "libz.so.1"];
    for i in 0..N {
        ts += 1_000 + rng.below(50_000) as u64;
        let fd = 3 + (i % 4) as i64;
        let path = format!("/usr/lib/x86_64-linux-gnu/{}", libs[i % 4]);
        let (name, nr, args, res, res_path): (&'static str, u32, crate::record::Args, i64, _) =
            match i % 4 {
                0 => (
                    "openat",
                    257,
                    smallvec::smallvec![
                        arg(
                            "dirfd",
                            Value::WithPath(
                                Box::new(Value::Sym("AT_FDCWD".into())),
                                FdPath::new(b"/home/u", false)
                            )
                        ),
                        arg(
                            "pathname",
                            Value::Bytes {
                                data: path.clone().into_bytes(),
                                truncated: false
                            }
                        ),
                        arg("flags", Value::Sym("O_RDONLY|O_CLOEXEC".into())),
                    ],
                    fd,
                    Some(FdPath::new(path.as_bytes(), false)),
                ),
                1 | 2 => {
                    let n = 8 + rng.below(56);
                    let buf: Vec<u8> = (0..n)
                        .map(|k| b"abcdefghij klmnop\n"[(k + rng.below(3)) % 18])
                        .collect();
                    let (name, nr) = if i % 4 == 1 {
                        ("read", 0)
                    } else {
                        ("write", 1)
                    };
                    (
                        name,
                        nr,
                        smallvec::smallvec![
                            arg(
                                "fd",
                                Value::WithPath(
                                    Box::new(Value::Int(fd)),
                                    FdPath::new(path.as_bytes(), false)
                                )
                            ),
                            Arg {
                                name: "buf",
                                value: Value::Bytes {
                                    data: buf,
                                    truncated: false
                                },
                                output: i % 4 == 1,
                                updated: false,
                            },
                            arg(
                                "count",
                                Value::UInt(if i % 4 == 1 { 4096 } else { n as u64 })
                            ),
                        ],
                        n as i64,
                        None,
                    )
                }
                _ => (
                    "close",
                    3,
                    smallvec::smallvec![arg(
                        "fd",
                        Value::WithPath(
                            Box::new(Value::Int(fd)),
                            FdPath::new(path.as_bytes(), false)
                        )
                    )],
                    0,
                    None,
                ),
            };
        let rec = Record {
            ts_ns: ts,
            pid: 31337,
            tid: 31337 + (i % 3 == 0) as i32,
            comm: Comm::new(b"nginx"),
            container: None,
            nr,
            name,
            abi: Abi::Native,
            args,
            res: Some(res),
            res_kind: ResKind::Int,
            dur_ns: Some(500 + rng.below(20_000) as u64),
            res_path,
            res_decoded: None,
            interrupted: false,
            late: false,
            injected: Default::default(),
        };
        let mut buf = Vec::new();
        interner.encode_record(&rec, 2, &mut buf);
        let mut entries = Vec::new();
        interner.take_new_names(&mut entries);
        entries.extend_from_slice(&buf);
        data.push(entries);
    }
    let path = temp_path("size");
    let mut w = FileWriter::create(std::fs::File::create(&path).unwrap(), &header()).unwrap();
    let header_bytes = w.bytes_written();
    // Whole entries only, as the writer thread appends them.
    for entries in &data {
        w.append(entries).unwrap();
    }
    let data = data.concat();
    w.flush().unwrap();
    let total = w.bytes_written() - header_bytes;
    assert_eq!(w.bytes_appended(), data.len() as u64);
    drop(w);
    // Read back, streamed from the file (several frames).
    let mut r = Reader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut n = 0;
    while let Some(e) = r.next_entry().unwrap() {
        assert!(matches!(e, Entry::Record { live: 2, .. }));
        n += 1;
    }
    assert_eq!((n, r.truncated()), (N, None));
    std::fs::remove_file(&path).unwrap();
    assert!(total > 5 * FRAME_TARGET as u64 / 10, "several frames");
    let per = total as f64 / N as f64;
    println!(
        "capture: {N} records, {} bytes encoded ({:.1}/record), {total} compressed: {per:.2} bytes/record",
        data.len(),
        data.len() as f64 / N as f64
    );
    assert!(per < 40.0, "{per} bytes/record");
}

/// A tampered call's marks survive the capture (flag 0x200 and the
/// injected byte); a plain record has neither.
#[test]
fn injected_marks_round_trip() {
    let interner = Interner::new();
    let plain = sample();
    let mut rec = sample();
    rec.injected = Injected(Injected::ERROR | Injected::DELAYED);
    let mut data = Vec::new();
    let (mut e1, mut e2) = (Vec::new(), Vec::new());
    interner.encode_record(&plain, 1, &mut e1);
    interner.encode_record(&rec, 1, &mut e2);
    // The flags varint grows to two bytes, plus the injected byte.
    assert_eq!(e2.len(), e1.len() + 2);
    interner.take_new_names(&mut data);
    data.extend_from_slice(&e1);
    data.extend_from_slice(&e2);
    let (bytes, _) = write_capture(&header(), &[data]);
    let mut r = Reader::new(&bytes[..]).unwrap();
    assert_eq!(
        r.next_entry().unwrap(),
        Some(Entry::Record {
            rec: plain,
            live: 1
        })
    );
    assert_eq!(
        r.next_entry().unwrap(),
        Some(Entry::Record { rec, live: 1 })
    );
    let mut text = Vec::new();
    let mut t = sample();
    t.injected = Injected(Injected::ERROR | Injected::DELAYED);
    t.res = Some(-28);
    t.format(crate::record::Format::Strace, &mut text);
    let line = String::from_utf8_lossy(&text);
    assert!(
        line.contains("= -1 ENOSPC (No space left on device) (INJECTED) (DELAYED)"),
        "{line}"
    );
    text.clear();
    t.format(crate::record::Format::Json, &mut text);
    assert!(String::from_utf8_lossy(&text).contains("\"injected\":\"error+delay\""));
}

/// The injected byte follows the arguments only under flag 0x200: a zero
/// byte, unknown injection bits or an unknown flag bit are corruption; a
/// newer minor's field after the byte is skipped.
#[test]
fn injected_flag_layout() {
    let interner = Interner::new();
    let mut rec = sample();
    rec.injected = Injected(Injected::RETVAL);
    let mut names = Vec::new();
    let mut e = Vec::new();
    interner.encode_record(&rec, 1, &mut e);
    interner.take_new_names(&mut names);
    // kind, length (one byte), then the flags varint: 0x200 is bit 2 of its
    // second byte; the injected byte ends the entry.
    assert_eq!(e[1] as usize, e.len() - 2);
    assert!(e[2] & 0x80 != 0 && e[3] == 0x04, "{e:?}");
    assert_eq!(*e.last().unwrap(), Injected::RETVAL);
    let read = |entry: &[u8], minor: u16| {
        let mut data = names.clone();
        data.extend_from_slice(entry);
        let (bytes, _) = write_capture(&header(), &[data]);
        let b = with_version(&bytes, 1, minor);
        let mut r = Reader::new(&b[..]).unwrap();
        r.next_entry()
    };
    let want = Some(Entry::Record {
        rec: rec.clone(),
        live: 1,
    });
    assert_eq!(read(&e, VERSION.1).unwrap(), want);
    let corrupt = |entry: &[u8], what: &str| {
        let err = read(entry, VERSION.1).unwrap_err();
        assert!(
            err.to_string().starts_with("corrupt at byte "),
            "{what}: {err}"
        );
    };
    let mut zero = e.clone();
    *zero.last_mut().unwrap() = 0;
    corrupt(&zero, "zero injected byte");
    let mut unknown = e.clone();
    *unknown.last_mut().unwrap() = 0x40;
    corrupt(&unknown, "unknown injection bit");
    let mut bit10 = e.clone();
    bit10[3] |= 0x08;
    corrupt(&bit10, "flag 1 << 10");
    let mut missing = e.clone();
    missing[3] = 0; // a two-byte varint of the flags without 0x200
    assert_eq!(missing.len(), e.len());
    corrupt(&missing, "injected byte without its flag");
    let mut longer = e.clone();
    longer[1] += 1;
    longer.push(42);
    assert_eq!(read(&longer, VERSION.1 + 1).unwrap(), want);
    corrupt(&longer, "field after the injected byte at our version");
}

/// The agent's records carry their container: CONTAINER entries define
/// each once (before its first use, even across frames), IN_CONTAINER
/// entries tag the record after them; a record without one has none.
#[test]
fn containers_round_trip() {
    use crate::record::container::Container;
    let a = Arc::new(Container {
        id: "web-1".into(),
        name: Some("web".into()),
        metadata: "team=a".into(),
    });
    let b = Arc::new(Container {
        id: "db".into(),
        name: None,
        metadata: String::new(),
    });
    let interner = Interner::new();
    let mut recs = Vec::new();
    for (i, c) in [Some(&a), None, Some(&b), Some(&a), Some(&b)]
        .iter()
        .enumerate()
    {
        let mut r = sample();
        r.tid = i as i32;
        r.container = c.cloned();
        recs.push(r);
    }
    let f1 = frame_of(&interner, |int, out| {
        int.encode_record(&recs[0], 1, out);
        int.encode_record(&recs[1], 1, out);
    });
    let f2 = frame_of(&interner, |int, out| {
        int.encode_enter(&recs[2], 1, out);
        int.encode_record(&recs[2], 1, out);
        int.encode_record(&recs[3], 1, out);
        int.encode_record(&recs[4], 1, out);
    });
    let (bytes, _) = write_capture(&header(), &[f1.clone(), f2]);
    let out = read_all(Reader::new(&bytes[..]));
    assert!(out.error.is_none(), "{:?}", out.error);
    let got: Vec<Record> = out
        .entries
        .into_iter()
        .filter_map(|e| match e {
            Entry::Record { rec, .. } => Some(rec),
            Entry::Enter { rec, .. } => {
                assert_eq!(rec.container.as_deref(), Some(&*b));
                None
            }
            _ => None,
        })
        .collect();
    assert_eq!(got, recs);
    // Each container is defined once.
    let defs = f1
        .windows(2)
        .filter(|w| w[0] == codec::KIND_CONTAINER)
        .count();
    assert!(defs >= 1);

    // An IN_CONTAINER that names no defined container, or is not followed
    // by a record, is damage.
    let mut bad = Vec::new();
    bad.extend_from_slice(&[codec::KIND_IN_CONTAINER, 1, 5]);
    let (bytes, _) = write_capture(&header(), &[bad]);
    let out = read_all(Reader::new(&bytes[..]));
    assert!(out.error.is_some());
    let interner = Interner::new();
    let mut tagged = Vec::new();
    interner.encode_record(&recs[0], 1, &mut tagged);
    assert_eq!(tagged[..3], [codec::KIND_IN_CONTAINER, 1, 0]);
    let mut f = Vec::new();
    interner.take_new_names(&mut f);
    f.extend_from_slice(&tagged[..3]);
    codec::encode_event(1, 2, 3, b"x", &mut f);
    let (bytes, _) = write_capture(&header(), &[f]);
    let out = read_all(Reader::new(&bytes[..]));
    let err = out
        .error
        .expect("an IN_CONTAINER before an EVENT is corrupt");
    assert!(err.to_string().contains("IN_CONTAINER"), "{err}");
}
