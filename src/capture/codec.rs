//! Entries: how records, names and events are laid out in the decompressed
//! data (`docs/capture-format.md` has the same in prose).
//!
//! Every entry is `kind: u8, len: varint, payload[len]`. Integers are
//! LEB128 varints; signed ones are zigzag-mapped first.

use super::{End, Entry, Exit, Header, VERSION};
use crate::record::container::{self, Container};
use crate::record::{Abi, Arg, Args, Comm, FdPath, Injected, Record, ResKind, Value};
use parking_lot::Mutex;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;
use std::sync::Arc;

/// Entry kinds.
pub const KIND_NAME: u8 = 1;
pub const KIND_RECORD: u8 = 2;
pub const KIND_ENTER: u8 = 3;
pub const KIND_EVENT: u8 = 4;
pub const KIND_END: u8 = 5;
/// A container's definition (`agent`): `varint cid`, `bytes id`,
/// `bytes metadata`, then its name (UTF-8) to the end, when it has one.
pub const KIND_CONTAINER: u8 = 6;
/// `varint cid`: the RECORD or ENTER right after belongs to that container.
pub const KIND_IN_CONTAINER: u8 = 7;
/// Most containers a reader accepts in one capture.
pub const MAX_CONTAINERS: usize = 1_000_000;

/// Deepest nesting of values a reader accepts.
pub const MAX_DEPTH: usize = 32;
/// Most names a reader accepts in one capture.
pub const MAX_NAMES: usize = 1_000_000;
/// Longest name a reader accepts.
pub const MAX_NAME_LEN: usize = 4096;
/// Most bytes of distinct names a reader accepts in one capture.
pub const MAX_NAME_BYTES: usize = 64 << 20;

/// Our magic, at the start of the header frame's payload.
pub const MAGIC: &[u8; 8] = b"MYSYSDIG";

// Value tags.
const T_INT: u8 = 1;
const T_UINT: u8 = 2;
const T_HEX: u8 = 3;
const T_PTR: u8 = 4;
const T_SYM: u8 = 5;
const T_MODE: u8 = 6;
const T_BYTES: u8 = 7;
const T_FAULT: u8 = 8;
const T_ARRAY: u8 = 9;
const T_STRUCT: u8 = 10;
const T_COUNTED: u8 = 11;
const T_HEXBYTES: u8 = 12;
const T_CHANGED: u8 = 13;
const T_CALL: u8 = 14;
const T_CLOCK: u8 = 15;
const T_NOTCAPTURED: u8 = 16;
const T_WITHPATH: u8 = 17;

// RECORD flags.
const F_RES: u8 = 1;
const F_DUR: u8 = 2;
const F_RES_PATH: u8 = 4;
const F_RES_DECODED: u8 = 8;
const F_INTERRUPTED: u8 = 16;
const F_COMPAT: u8 = 32;
const RES_KIND_SHIFT: u8 = 6;
/// Flags past the first byte (the flags are a varint).
const F_LATE: u64 = 1 << 8;
/// `--inject` tampered with the call: the `injected` byte ends the record.
const F_INJECTED: u64 = 1 << 9;
/// Every flag this version knows (higher bits are corrupt).
const F_KNOWN_BITS: u32 = 10;

// END exit tags.
const EXIT_UNKNOWN: u8 = 0;
const EXIT_CODE: u8 = 1;
const EXIT_SIGNAL: u8 = 2;

// ---- primitives ----

/// Appends `v` as a LEB128 varint (7 bits a byte, low first, high bit set
/// on every byte but the last).
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Zigzag: 0, -1, 1, -2, … as 0, 1, 2, 3, …
pub fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// Bytes with a flag: `varint(len << 1 | flag)`, then the bytes.
fn put_flagged_bytes(out: &mut Vec<u8>, b: &[u8], flag: bool) {
    put_varint(out, (b.len() as u64) << 1 | flag as u64);
    out.extend_from_slice(b);
}

/// Starts an entry of `kind`; returns where its payload starts. One byte
/// is kept for the length, enough for payloads under 128 bytes.
fn begin(out: &mut Vec<u8>, kind: u8) -> usize {
    out.extend_from_slice(&[kind, 0]);
    out.len()
}

/// Ends the entry whose payload started at `start`: puts its length before
/// it (moving the payload when the length needs more than one byte).
fn finish(out: &mut Vec<u8>, start: usize) {
    let len = out.len() - start;
    if len < 0x80 {
        out[start - 1] = len as u8;
        return;
    }
    let mut tmp = [0u8; 10];
    let mut n = 0;
    let mut v = len as u64;
    while v >= 0x80 {
        tmp[n] = v as u8 | 0x80;
        v >>= 7;
        n += 1;
    }
    tmp[n] = v as u8;
    n += 1;
    out[start - 1] = tmp[0];
    out.splice(start..start, tmp[1..n].iter().copied());
}

/// A cursor over bytes read from a capture; every failure is a reason.
pub(crate) struct Dec<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

pub(crate) type DResult<T> = Result<T, String>;

impl<'a> Dec<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Dec { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn u8(&mut self) -> DResult<u8> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| "ends inside a field".to_string())?;
        self.pos += 1;
        Ok(b)
    }

    pub fn varint(&mut self) -> DResult<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.u8()?;
            if i == 9 && b > 1 {
                return Err("varint over 64 bits".into());
            }
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err("varint over 10 bytes".into())
    }

    pub fn zigzag(&mut self) -> DResult<i64> {
        Ok(unzigzag(self.varint()?))
    }

    fn i32(&mut self) -> DResult<i32> {
        i32::try_from(self.zigzag()?).map_err(|_| "integer out of range".to_string())
    }

    pub fn take(&mut self, n: u64) -> DResult<&'a [u8]> {
        if n > self.remaining() as u64 {
            return Err(format!(
                "length {n} runs past the end ({} left)",
                self.remaining()
            ));
        }
        let s = &self.buf[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        Ok(s)
    }

    pub fn bytes(&mut self) -> DResult<&'a [u8]> {
        let n = self.varint()?;
        self.take(n)
    }

    fn flagged_bytes(&mut self) -> DResult<(&'a [u8], bool)> {
        let v = self.varint()?;
        Ok((self.take(v >> 1)?, v & 1 != 0))
    }

    /// A count of items each at least one byte long.
    fn count(&mut self, v: u64) -> DResult<usize> {
        if v > self.remaining() as u64 {
            return Err(format!("count {v} exceeds the bytes left"));
        }
        Ok(v as usize)
    }
}

// ---- names ----

struct State {
    ids: FxHashMap<(usize, usize), u32>,
    names: Vec<&'static str>,
    /// Names already handed out by `take_new_names`.
    taken: usize,
    /// Containers by the address of their (shared) description; kept
    /// alive here, so an address is never reused for another one.
    ctr_ids: FxHashMap<usize, u64>,
    ctrs: Vec<Arc<Container>>,
    /// Containers already defined by `take_new_names`.
    ctrs_taken: usize,
}

impl State {
    fn id(&mut self, s: &'static str) -> u32 {
        let key = (s.as_ptr() as usize, s.len());
        let next = self.names.len() as u32;
        *self.ids.entry(key).or_insert_with(|| {
            self.names.push(s);
            next
        })
    }
}

/// Assigns ids to names (`&'static str`, keyed by pointer and length) and
/// encodes records with them. Shared by the tracing threads.
pub struct Interner {
    state: Mutex<State>,
}

impl Default for Interner {
    fn default() -> Self {
        Self::new()
    }
}

impl Interner {
    pub fn new() -> Self {
        Interner {
            state: Mutex::new(State {
                ids: FxHashMap::default(),
                names: Vec::new(),
                taken: 0,
                ctr_ids: FxHashMap::default(),
                ctrs: Vec::new(),
                ctrs_taken: 0,
            }),
        }
    }

    /// Appends one RECORD entry for `rec` to `out` (locks the interner once,
    /// only to look its names up).
    pub fn encode_record(&self, rec: &Record, live: u64, out: &mut Vec<u8>) {
        self.encode(KIND_RECORD, rec, live, out);
    }

    /// Appends one ENTER entry: `rec` as it was at the call's entry (its
    /// strace-format entry line was shown; the RECORD comes at its exit).
    pub fn encode_enter(&self, rec: &Record, live: u64, out: &mut Vec<u8>) {
        self.encode(KIND_ENTER, rec, live, out);
    }

    fn encode(&self, kind: u8, rec: &Record, live: u64, out: &mut Vec<u8>) {
        let mut ids: SmallVec<[u32; 24]> = SmallVec::new();
        let cid = {
            let mut st = self.state.lock();
            visit_record_names(rec, &mut |n| ids.push(st.id(n)));
            rec.container.as_ref().map(|c| {
                let next = st.ctrs.len() as u64;
                let st = &mut *st;
                *st.ctr_ids
                    .entry(Arc::as_ptr(c) as usize)
                    .or_insert_with(|| {
                        st.ctrs.push(c.clone());
                        next
                    })
            })
        };
        if let Some(cid) = cid {
            let start = begin(out, KIND_IN_CONTAINER);
            put_varint(out, cid);
            finish(out, start);
        }
        let start = begin(out, kind);
        let mut ids = ids.into_iter();
        write_record(rec, live, &mut ids, out);
        debug_assert!(ids.next().is_none(), "names visited but not written");
        finish(out, start);
    }

    /// Appends NAME entries for every id assigned since the previous call.
    /// The writer thread calls this after taking entries from the tracing
    /// threads and before writing them, so definitions precede their use.
    pub fn take_new_names(&self, out: &mut Vec<u8>) {
        let mut st = self.state.lock();
        for id in st.taken..st.names.len() {
            let start = begin(out, KIND_NAME);
            put_varint(out, id as u64);
            out.extend_from_slice(st.names[id].as_bytes());
            finish(out, start);
        }
        st.taken = st.names.len();
        for cid in st.ctrs_taken..st.ctrs.len() {
            let c = &st.ctrs[cid];
            let start = begin(out, KIND_CONTAINER);
            put_varint(out, cid as u64);
            put_bytes(out, c.id.as_bytes());
            put_bytes(out, c.metadata.as_bytes());
            if let Some(n) = &c.name {
                out.extend_from_slice(n.as_bytes());
            }
            finish(out, start);
        }
        st.ctrs_taken = st.ctrs.len();
    }
}

/// Calls `f` with every name of `rec`, in the order `write_record` writes
/// their ids.
fn visit_record_names(rec: &Record, f: &mut impl FnMut(&'static str)) {
    f(rec.name);
    if let Abi::Compat(n) = rec.abi {
        f(n);
    }
    if let Some(v) = &rec.res_decoded {
        visit_value_names(v, f);
    }
    for a in &rec.args {
        f(a.name);
        visit_value_names(&a.value, f);
    }
}

fn visit_value_names(v: &Value, f: &mut impl FnMut(&'static str)) {
    match v {
        Value::Array { items, .. } => items.iter().for_each(|i| visit_value_names(i, f)),
        Value::Struct(fields) => {
            for (k, v) in fields {
                f(k);
                visit_value_names(v, f);
            }
        }
        Value::Counted { unit, .. } => f(unit),
        Value::Changed(a, b) => {
            visit_value_names(a, f);
            visit_value_names(b, f);
        }
        Value::Call(n, v) => {
            f(n);
            visit_value_names(v, f);
        }
        Value::WithPath(v, _) => visit_value_names(v, f),
        _ => {}
    }
}

type Ids<'a> = smallvec::IntoIter<[u32; 24]>;

fn next_id(ids: &mut Ids<'_>) -> u64 {
    // `visit_record_names` gave one id per name written.
    ids.next().map_or(0, u64::from)
}

fn write_record(rec: &Record, live: u64, ids: &mut Ids<'_>, out: &mut Vec<u8>) {
    let kind = match rec.res_kind {
        ResKind::Int => 0,
        ResKind::Hex => 1,
        ResKind::Never => 2,
    };
    let flags = if rec.res.is_some() { F_RES } else { 0 }
        | if rec.dur_ns.is_some() { F_DUR } else { 0 }
        | if rec.res_path.is_some() {
            F_RES_PATH
        } else {
            0
        }
        | if rec.res_decoded.is_some() {
            F_RES_DECODED
        } else {
            0
        }
        | if rec.interrupted { F_INTERRUPTED } else { 0 }
        | if matches!(rec.abi, Abi::Compat(_)) {
            F_COMPAT
        } else {
            0
        }
        | kind << RES_KIND_SHIFT;
    let flags = u64::from(flags)
        | if rec.late { F_LATE } else { 0 }
        | if rec.injected.any() { F_INJECTED } else { 0 };
    put_varint(out, flags);
    out.extend_from_slice(&rec.ts_ns.to_be_bytes());
    if let Some(d) = rec.dur_ns {
        put_varint(out, d);
    }
    if let Some(r) = rec.res {
        put_varint(out, zigzag(r));
    }
    put_varint(out, live);
    put_varint(out, zigzag(rec.pid.into()));
    put_varint(out, zigzag(i64::from(rec.tid) - i64::from(rec.pid)));
    let comm = rec.comm.as_bytes();
    out.push(comm.len() as u8);
    out.extend_from_slice(comm);
    put_varint(out, rec.nr.into());
    put_varint(out, next_id(ids));
    if let Abi::Compat(_) = rec.abi {
        put_varint(out, next_id(ids));
    }
    if let Some(p) = &rec.res_path {
        put_flagged_bytes(out, &p.path, p.deleted);
    }
    if let Some(v) = &rec.res_decoded {
        write_value(v, ids, out);
    }
    put_varint(out, rec.args.len() as u64);
    for a in &rec.args {
        put_varint(
            out,
            next_id(ids) << 2 | (a.output as u64) | (a.updated as u64) << 1,
        );
        write_value(&a.value, ids, out);
    }
    // Flag F_INJECTED: how `--inject` tampered with the call.
    if rec.injected.any() {
        out.push(rec.injected.0);
    }
}

fn write_value(v: &Value, ids: &mut Ids<'_>, out: &mut Vec<u8>) {
    match v {
        Value::Int(i) => {
            out.push(T_INT);
            put_varint(out, zigzag(*i));
        }
        Value::UInt(u) => {
            out.push(T_UINT);
            put_varint(out, *u);
        }
        Value::Hex(u) => {
            out.push(T_HEX);
            put_varint(out, *u);
        }
        Value::Ptr(u) => {
            out.push(T_PTR);
            put_varint(out, *u);
        }
        Value::Sym(s) => {
            out.push(T_SYM);
            put_bytes(out, s.as_bytes());
        }
        Value::Mode(u) => {
            out.push(T_MODE);
            put_varint(out, *u);
        }
        Value::Bytes { data, truncated } => {
            out.push(T_BYTES);
            put_flagged_bytes(out, data, *truncated);
        }
        Value::Fault { addr, errno } => {
            out.push(T_FAULT);
            put_varint(out, *addr);
            put_varint(out, zigzag((*errno).into()));
        }
        Value::Array { items, truncated } => {
            out.push(T_ARRAY);
            put_varint(out, (items.len() as u64) << 1 | *truncated as u64);
            for i in items {
                write_value(i, ids, out);
            }
        }
        Value::Struct(fields) => {
            out.push(T_STRUCT);
            put_varint(out, fields.len() as u64);
            for (_, v) in fields {
                put_varint(out, next_id(ids));
                write_value(v, ids, out);
            }
        }
        Value::Counted { addr, n, .. } => {
            out.push(T_COUNTED);
            put_varint(out, *addr);
            put_varint(out, *n);
            put_varint(out, next_id(ids));
        }
        Value::HexBytes { data, truncated } => {
            out.push(T_HEXBYTES);
            put_flagged_bytes(out, data, *truncated);
        }
        Value::Changed(a, b) => {
            out.push(T_CHANGED);
            write_value(a, ids, out);
            write_value(b, ids, out);
        }
        Value::Call(_, v) => {
            out.push(T_CALL);
            put_varint(out, next_id(ids));
            write_value(v, ids, out);
        }
        Value::Clock(u) => {
            out.push(T_CLOCK);
            put_varint(out, *u);
        }
        Value::NotCaptured(u) => {
            out.push(T_NOTCAPTURED);
            put_varint(out, *u);
        }
        Value::WithPath(v, p) => {
            out.push(T_WITHPATH);
            write_value(v, ids, out);
            put_flagged_bytes(out, &p.path, p.deleted);
        }
    }
}

// ---- other entries ----

/// Appends an EVENT entry: a strace-format line about thread `tid`, without
/// the pid prefix or the newline.
pub fn encode_event(tid: i32, ts_ns: u64, live: u64, text: &[u8], out: &mut Vec<u8>) {
    let start = begin(out, KIND_EVENT);
    put_varint(out, zigzag(tid.into()));
    put_varint(out, ts_ns);
    put_varint(out, live);
    out.extend_from_slice(text);
    finish(out, start);
}

/// Appends the END entry (the trailer of a clean finish).
pub fn encode_end(end: &End, out: &mut Vec<u8>) {
    let start = begin(out, KIND_END);
    put_varint(out, end.records);
    match end.exit {
        None => out.push(EXIT_UNKNOWN),
        Some(Exit::Code(c)) => {
            out.push(EXIT_CODE);
            put_varint(out, zigzag(c.into()));
        }
        Some(Exit::Signal(s)) => {
            out.push(EXIT_SIGNAL);
            put_varint(out, zigzag(s.into()));
        }
    }
    finish(out, start);
}

// ---- decoding ----

/// A NAME entry's payload: the id and the name's bytes.
/// A CONTAINER entry's payload: its cid and the container.
pub(crate) fn decode_container(payload: &[u8]) -> DResult<(u64, Container)> {
    let mut d = Dec::new(payload);
    let cid = d.varint()?;
    let id = std::str::from_utf8(d.bytes()?).map_err(|_| "container id not UTF-8".to_string())?;
    if !container::valid_id(id) {
        return Err("container id not of [A-Za-z0-9_.+-]{1,1024}".into());
    }
    let metadata =
        std::str::from_utf8(d.bytes()?).map_err(|_| "container metadata not UTF-8".to_string())?;
    let name = &payload[d.pos..];
    let name = match name.is_empty() {
        true => None,
        false => Some(
            std::str::from_utf8(name)
                .map_err(|_| "container name not UTF-8".to_string())?
                .to_string(),
        ),
    };
    Ok((
        cid,
        Container {
            id: id.to_string(),
            name,
            metadata: metadata.to_string(),
        },
    ))
}

/// An IN_CONTAINER entry's payload: the cid.
pub(crate) fn decode_in_container(payload: &[u8], lenient: bool) -> DResult<u64> {
    let mut d = Dec::new(payload);
    let cid = d.varint()?;
    if d.remaining() != 0 && !lenient {
        return Err(format!("{} bytes after the container's id", d.remaining()));
    }
    Ok(cid)
}

pub(crate) fn decode_name(payload: &[u8]) -> DResult<(u64, &[u8])> {
    let mut d = Dec::new(payload);
    let id = d.varint()?;
    Ok((id, &payload[d.pos..]))
}

/// Decodes a known entry (not NAME) of `kind`. `names` resolves name ids;
/// `lenient` accepts bytes after the known fields (a newer minor version
/// may add fields at the end).
pub(crate) fn decode_entry(
    kind: u8,
    payload: &[u8],
    names: &[&'static str],
    lenient: bool,
) -> DResult<Entry> {
    let mut d = Dec::new(payload);
    let e = match kind {
        KIND_RECORD => {
            let (rec, live) = read_record(&mut d, names)?;
            Entry::Record { rec, live }
        }
        KIND_ENTER => {
            let (rec, live) = read_record(&mut d, names)?;
            Entry::Enter { rec, live }
        }
        KIND_EVENT => {
            let tid = d.i32()?;
            let ts_ns = d.varint()?;
            let live = d.varint()?;
            let text = payload[d.pos..].to_vec();
            d.pos = payload.len();
            Entry::Event {
                tid,
                ts_ns,
                live,
                text,
            }
        }
        KIND_END => {
            let records = d.varint()?;
            let exit = match d.u8()? {
                EXIT_UNKNOWN => None,
                EXIT_CODE => Some(Exit::Code(d.i32()?)),
                EXIT_SIGNAL => Some(Exit::Signal(d.i32()?)),
                t => return Err(format!("unknown exit tag {t}")),
            };
            Entry::End(End { records, exit })
        }
        k => return Err(format!("entry kind {k} is not decoded here")),
    };
    if d.remaining() != 0 && !lenient {
        return Err(format!("{} bytes after the entry's fields", d.remaining()));
    }
    Ok(e)
}

fn name(d: &mut Dec<'_>, names: &[&'static str]) -> DResult<&'static str> {
    let id = d.varint()?;
    name_of(id, names)
}

fn name_of(id: u64, names: &[&'static str]) -> DResult<&'static str> {
    usize::try_from(id)
        .ok()
        .and_then(|i| names.get(i).copied())
        .ok_or_else(|| format!("name id {id} used before its definition"))
}

fn fd_path(d: &mut Dec<'_>) -> DResult<FdPath> {
    let (p, deleted) = d.flagged_bytes()?;
    Ok(FdPath::new(p, deleted))
}

fn read_record(d: &mut Dec<'_>, names: &[&'static str]) -> DResult<(Record, u64)> {
    let wide = d.varint()?;
    if wide >> F_KNOWN_BITS != 0 {
        return Err(format!("unknown record flags {wide:#x}"));
    }
    let late = wide & F_LATE != 0;
    let flags = wide as u8;
    let res_kind = match flags >> RES_KIND_SHIFT {
        0 => ResKind::Int,
        1 => ResKind::Hex,
        2 => ResKind::Never,
        k => return Err(format!("unknown result kind {k}")),
    };
    let ts_ns = u64::from_be_bytes(
        d.take(8)?
            .try_into()
            .map_err(|_| "short timestamp".to_string())?,
    );
    let dur_ns = if flags & F_DUR != 0 {
        Some(d.varint()?)
    } else {
        None
    };
    let res = if flags & F_RES != 0 {
        Some(d.zigzag()?)
    } else {
        None
    };
    let live = d.varint()?;
    let pid = d.i32()?;
    let tid = i32::try_from(i64::from(pid) + d.zigzag()?)
        .map_err(|_| "thread id out of range".to_string())?;
    let n = d.u8()?;
    if n > 15 {
        return Err(format!("thread name of {n} bytes"));
    }
    let comm = d.take(n.into())?;
    let comm = if comm.ends_with(b"\n") {
        // `Comm::new` drops one trailing newline: give it one to drop.
        let mut c = comm.to_vec();
        c.push(b'\n');
        Comm::new(&c)
    } else {
        Comm::new(comm)
    };
    let nr = u32::try_from(d.varint()?).map_err(|_| "syscall number out of range".to_string())?;
    let name = name(d, names)?;
    let abi = if flags & F_COMPAT != 0 {
        Abi::Compat(self::name(d, names)?)
    } else {
        Abi::Native
    };
    let res_path = if flags & F_RES_PATH != 0 {
        Some(fd_path(d)?)
    } else {
        None
    };
    let res_decoded = if flags & F_RES_DECODED != 0 {
        Some(read_value(d, names, 0)?)
    } else {
        None
    };
    let argc = d.varint()?;
    let argc = d.count(argc)?;
    let mut args = Args::with_capacity(argc);
    for _ in 0..argc {
        let v = d.varint()?;
        let name = name_of(v >> 2, names)?;
        let value = read_value(d, names, 0)?;
        args.push(Arg {
            name,
            value,
            output: v & 1 != 0,
            updated: v & 2 != 0,
        });
    }
    // Flag F_INJECTED: the injection byte (never 0), after the arguments.
    let injected = if wide & F_INJECTED != 0 {
        match d.u8()? {
            0 => return Err("injection flag without injection bits".to_string()),
            b if b & !Injected::ALL != 0 => {
                return Err(format!("unknown injection bits {b:#x}"));
            }
            b => Injected(b),
        }
    } else {
        Injected::default()
    };
    Ok((
        Record {
            ts_ns,
            pid,
            tid,
            comm,
            container: None,
            nr,
            name,
            abi,
            args,
            res,
            res_kind,
            dur_ns,
            res_path,
            res_decoded,
            interrupted: flags & F_INTERRUPTED != 0,
            late,
            injected,
        },
        live,
    ))
}

fn read_value(d: &mut Dec<'_>, names: &[&'static str], depth: usize) -> DResult<Value> {
    if depth >= MAX_DEPTH {
        return Err(format!("values nested over {MAX_DEPTH} deep"));
    }
    let inner = |d: &mut Dec<'_>| read_value(d, names, depth + 1);
    Ok(match d.u8()? {
        T_INT => Value::Int(d.zigzag()?),
        T_UINT => Value::UInt(d.varint()?),
        T_HEX => Value::Hex(d.varint()?),
        T_PTR => Value::Ptr(d.varint()?),
        T_SYM => Value::Sym(
            String::from_utf8(d.bytes()?.to_vec()).map_err(|_| "symbol not UTF-8".to_string())?,
        ),
        T_MODE => Value::Mode(d.varint()?),
        T_BYTES => {
            let (b, truncated) = d.flagged_bytes()?;
            Value::Bytes {
                data: b.to_vec(),
                truncated,
            }
        }
        T_FAULT => Value::Fault {
            addr: d.varint()?,
            errno: d.i32()?,
        },
        T_ARRAY => {
            let v = d.varint()?;
            let n = d.count(v >> 1)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(inner(d)?);
            }
            Value::Array {
                items,
                truncated: v & 1 != 0,
            }
        }
        T_STRUCT => {
            let v = d.varint()?;
            let n = d.count(v)?;
            let mut fields = Vec::with_capacity(n);
            for _ in 0..n {
                let k = name(d, names)?;
                fields.push((k, inner(d)?));
            }
            Value::Struct(fields)
        }
        T_COUNTED => Value::Counted {
            addr: d.varint()?,
            n: d.varint()?,
            unit: name(d, names)?,
        },
        T_HEXBYTES => {
            let (b, truncated) = d.flagged_bytes()?;
            Value::HexBytes {
                data: b.to_vec(),
                truncated,
            }
        }
        T_CHANGED => {
            let a = inner(d)?;
            Value::Changed(Box::new(a), Box::new(inner(d)?))
        }
        T_CALL => {
            let n = name(d, names)?;
            Value::Call(n, Box::new(inner(d)?))
        }
        T_CLOCK => Value::Clock(d.varint()?),
        T_NOTCAPTURED => Value::NotCaptured(d.varint()?),
        T_WITHPATH => {
            let v = inner(d)?;
            Value::WithPath(Box::new(v), fd_path(d)?)
        }
        t => return Err(format!("unknown value tag {t}")),
    })
}

// ---- header ----

const H_ARCH: &str = "arch";
const H_KERNEL: &str = "kernel";
const H_ARGV: &str = "argv";
const H_START: &str = "start_ns";
const H_SNAPLEN: &str = "snaplen";
/// Prefix of the keys of `Header::options`.
const H_OPT: &str = "opt.";

/// The header frame's payload: magic, version, then (key, value) pairs.
pub(crate) fn encode_header(h: &Header) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&VERSION.0.to_le_bytes());
    out.extend_from_slice(&VERSION.1.to_le_bytes());
    let mut argv = Vec::new();
    for a in &h.argv {
        put_bytes(&mut argv, a);
    }
    let num = |v: u64| {
        let mut b = Vec::new();
        put_varint(&mut b, v);
        b
    };
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (H_ARCH.into(), h.arch.as_bytes().into()),
        (H_KERNEL.into(), h.kernel.as_bytes().into()),
        (H_ARGV.into(), argv),
        (H_START.into(), num(h.start_ns)),
        (H_SNAPLEN.into(), num(h.snaplen)),
    ];
    for (k, v) in &h.options {
        pairs.push((format!("{H_OPT}{k}").into_bytes(), v.as_bytes().into()));
    }
    put_varint(&mut out, pairs.len() as u64);
    for (k, v) in pairs {
        put_bytes(&mut out, &k);
        put_bytes(&mut out, &v);
    }
    out
}

/// What the start of a header payload says.
pub(crate) enum HeaderCheck {
    NotOurs,
    Version(u16, u16),
}

pub(crate) fn header_version(payload: &[u8]) -> HeaderCheck {
    if payload.len() < 12 || &payload[..8] != MAGIC {
        return HeaderCheck::NotOurs;
    }
    let major = u16::from_le_bytes([payload[8], payload[9]]);
    let minor = u16::from_le_bytes([payload[10], payload[11]]);
    HeaderCheck::Version(major, minor)
}

/// The header's fields, after the magic and version (checked by the caller).
pub(crate) fn decode_header(payload: &[u8], version: (u16, u16)) -> DResult<Header> {
    let mut d = Dec::new(payload);
    d.take(12)?;
    let mut h = Header {
        version,
        ..Header::default()
    };
    let n = d.varint()?;
    let n = d.count(n)?;
    let text = |b: &[u8], what: &str| {
        String::from_utf8(b.to_vec()).map_err(|_| format!("header field {what} not UTF-8"))
    };
    for _ in 0..n {
        let k = text(d.bytes()?, "name")?;
        let v = d.bytes()?;
        let num = |v: &[u8]| -> DResult<u64> {
            let mut d = Dec::new(v);
            let n = d.varint()?;
            if d.remaining() != 0 {
                return Err(format!("header field {k}: bytes after the number"));
            }
            Ok(n)
        };
        match k.as_str() {
            H_ARCH => h.arch = text(v, &k)?,
            H_KERNEL => h.kernel = text(v, &k)?,
            H_ARGV => {
                let mut a = Dec::new(v);
                h.argv.clear();
                while a.remaining() > 0 {
                    h.argv.push(a.bytes()?.to_vec());
                }
            }
            H_START => h.start_ns = num(v)?,
            H_SNAPLEN => h.snaplen = num(v)?,
            _ => {
                if let Some(o) = k.strip_prefix(H_OPT) {
                    h.options.push((o.to_string(), text(v, &k)?));
                }
                // Other keys: from a newer writer; ignored.
            }
        }
    }
    if d.remaining() != 0 && version.1 <= VERSION.1 {
        return Err(format!("{} bytes after the header's fields", d.remaining()));
    }
    Ok(h)
}
