//! zstd framing: the writer (one frame per `write(2)`) and the reader.

use super::codec::{
    self, HeaderCheck, KIND_CONTAINER, KIND_END, KIND_ENTER, KIND_EVENT, KIND_IN_CONTAINER,
    KIND_NAME, KIND_RECORD,
};
use super::{CaptureError, Entry, Header, VERSION};
use crate::record::container::Container;
use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zstd::zstd_safe::{self, CParameter, DCtx, InBuffer, OutBuffer, ResetDirective};

/// The magic of the skippable frame holding the header (zstd's first
/// skippable magic; a reader checks all 16 bits of it).
pub const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
/// Uncompressed bytes pending that make the writer write a frame.
pub const FRAME_TARGET: usize = 128 * 1024;
/// Longest a non-empty frame waits in `flush_if_due`.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(250);
/// Most content a reader decompresses from one frame.
pub const MAX_FRAME_CONTENT: usize = 1 << 30;
/// Longest header a reader accepts.
pub const MAX_HEADER: u32 = 16 << 20;
const LEVEL: i32 = 3;

/// Writes a capture: the header, then frames of entries. Used on one
/// thread (the writer thread); compression happens there.
pub struct FileWriter {
    out: std::fs::File,
    comp: zstd::bulk::Compressor<'static>,
    pending: Vec<u8>,
    frame: Vec<u8>,
    last_frame: Instant,
    written: u64,
    appended: u64,
}

impl FileWriter {
    /// Writes frame 0 (the header, with this code's [`VERSION`]) at once.
    pub fn create(out: std::fs::File, header: &Header) -> io::Result<FileWriter> {
        let mut comp = zstd::bulk::Compressor::new(LEVEL)?;
        comp.set_parameter(CParameter::ChecksumFlag(true))?;
        comp.set_parameter(CParameter::ContentSizeFlag(true))?;
        let payload = codec::encode_header(header);
        let len = u32::try_from(payload.len())
            .ok()
            .filter(|&l| l <= MAX_HEADER)
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "capture header too long")
            })?;
        let mut frame = Vec::with_capacity(8 + payload.len());
        frame.extend_from_slice(&SKIPPABLE_MAGIC.to_le_bytes());
        frame.extend_from_slice(&len.to_le_bytes());
        frame.extend_from_slice(&payload);
        (&out).write_all(&frame)?;
        Ok(FileWriter {
            out,
            comp,
            pending: Vec::with_capacity(FRAME_TARGET + FRAME_TARGET / 4),
            frame: Vec::new(),
            last_frame: Instant::now(),
            written: frame.len() as u64,
            appended: 0,
        })
    }

    /// Adds whole entries; compresses and writes a frame when at least
    /// [`FRAME_TARGET`] bytes are pending.
    pub fn append(&mut self, entries: &[u8]) -> io::Result<()> {
        self.pending.extend_from_slice(entries);
        self.appended += entries.len() as u64;
        if self.pending.len() >= FRAME_TARGET {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes a frame if anything is pending and [`FLUSH_INTERVAL`] passed
    /// since the last frame.
    pub fn flush_if_due(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() && self.last_frame.elapsed() >= FLUSH_INTERVAL {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes a frame of whatever is pending (nothing if nothing is).
    pub fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.frame.clear();
        self.frame
            .reserve(zstd_safe::compress_bound(self.pending.len()));
        let n = self
            .comp
            .compress_to_buffer(&self.pending, &mut self.frame)?;
        (&self.out).write_all(&self.frame[..n])?;
        self.written += n as u64;
        self.pending.clear();
        self.last_frame = Instant::now();
        Ok(())
    }

    /// Bytes written to the file so far (compressed, header included).
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Uncompressed entry bytes appended so far.
    pub fn bytes_appended(&self) -> u64 {
        self.appended
    }
}

/// Buffered input that knows its offset; reads from files and pipes alike.
struct Input<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Offset in the input of `buf[start]`.
    offset: u64,
    eof: bool,
}

impl<R: Read> Input<R> {
    fn available(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.offset += n as u64;
    }

    /// Reads more; `false` at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let n = (self.buf.len() * 2).max(64 * 1024);
            self.buf.resize(n, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Makes `n` bytes available; `false` if the input ends first.
    fn want(&mut self, n: usize) -> io::Result<bool> {
        while self.end - self.start < n {
            if !self.fill()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Skips `n` bytes; `false` if the input ends first.
    fn skip(&mut self, mut n: u64) -> io::Result<bool> {
        loop {
            let k = (self.end - self.start).min(usize::try_from(n).unwrap_or(usize::MAX));
            self.consume(k);
            n -= k as u64;
            if n == 0 {
                return Ok(true);
            }
            if !self.fill()? {
                return Ok(false);
            }
        }
    }
}

/// What reading a frame found.
enum Frame {
    /// Its content is in `Reader::content`.
    Data,
    Skipped,
    /// The input ended cleanly between frames.
    End,
    /// The input ended inside the frame that starts at this offset.
    Cut(u64),
}

/// Reads a capture back, entry by entry, from a file or a pipe.
pub struct Reader<R: Read> {
    input: Input<R>,
    header: Header,
    /// The capture's minor version is newer than ours: fields we do not
    /// know may follow the ones we do.
    lenient: bool,
    dctx: DCtx<'static>,
    /// The current frame's decompressed content, and where parsing is.
    content: Vec<u8>,
    content_pos: usize,
    frame_offset: u64,
    names: Vec<&'static str>,
    /// Every name leaked so far, so that each string is leaked once.
    leaked: std::collections::HashSet<&'static str>,
    leaked_bytes: usize,
    /// Containers by cid (CONTAINER entries), and the one an IN_CONTAINER
    /// entry gave the next record.
    containers: Vec<Arc<Container>>,
    container_bytes: usize,
    next_container: Option<Arc<Container>>,
    records: u64,
    truncated: Option<(u64, u64)>,
    skipped: BTreeMap<u8, u64>,
    /// After the end, a cut or an error: `next_entry` returns `Ok(None)`.
    done: bool,
}

fn corrupt(offset: u64, why: impl Into<String>) -> CaptureError {
    CaptureError::Corrupt {
        offset,
        why: why.into(),
    }
}

impl<R: Read> Reader<R> {
    /// Reads and checks frame 0 (the header).
    pub fn new(input: R) -> Result<Self, CaptureError> {
        let mut input = Input {
            inner: input,
            buf: Vec::new(),
            start: 0,
            end: 0,
            offset: 0,
            eof: false,
        };
        if !input.want(8)? {
            return Err(CaptureError::NotACapture);
        }
        let a = input.available();
        if u32::from_le_bytes([a[0], a[1], a[2], a[3]]) != SKIPPABLE_MAGIC {
            return Err(CaptureError::NotACapture);
        }
        let len = u32::from_le_bytes([a[4], a[5], a[6], a[7]]);
        // Check our magic first (as much of it as there is), so that
        // another file with a skippable frame is "not a capture".
        input.want(8 + 12.min(len as usize))?;
        let a = input.available();
        let magic = &a[8.min(a.len())..a.len().min(16)];
        if len < 12 || !codec::MAGIC.starts_with(magic) {
            return Err(CaptureError::NotACapture);
        }
        if len > MAX_HEADER {
            return Err(corrupt(0, format!("header of {len} bytes")));
        }
        if !input.want(8 + len as usize)? {
            return Err(corrupt(0, "the input ends inside the header"));
        }
        let payload = &input.available()[8..8 + len as usize];
        let version = match codec::header_version(payload) {
            HeaderCheck::NotOurs => return Err(CaptureError::NotACapture),
            HeaderCheck::Version(major, minor) => (major, minor),
        };
        if version.0 > VERSION.0 {
            return Err(CaptureError::NewerVersion {
                major: version.0,
                minor: version.1,
            });
        }
        if version.0 < VERSION.0 {
            return Err(corrupt(
                8,
                format!("unknown format version {}.{}", version.0, version.1),
            ));
        }
        let header = codec::decode_header(payload, version)
            .map_err(|why| corrupt(0, format!("header: {why}")))?;
        input.consume(8 + len as usize);
        let dctx = DCtx::try_create()
            .ok_or_else(|| io::Error::new(io::ErrorKind::OutOfMemory, "zstd context"))?;
        Ok(Reader {
            input,
            header,
            lenient: version.1 > VERSION.1,
            dctx,
            content: Vec::new(),
            content_pos: 0,
            frame_offset: 0,
            names: Vec::new(),
            leaked: Default::default(),
            leaked_bytes: 0,
            containers: Vec::new(),
            container_bytes: 0,
            next_container: None,
            records: 0,
            truncated: None,
            skipped: BTreeMap::new(),
            done: false,
        })
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The next entry; `Ok(None)` at the end of the input (then
    /// [`truncated`](Self::truncated) says whether it was cut). NAME
    /// entries are consumed here. After an error, `Ok(None)`.
    pub fn next_entry(&mut self) -> Result<Option<Entry>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        let r = self.next_inner();
        if !matches!(r, Ok(Some(_))) {
            self.done = true;
        }
        r
    }

    /// After `Ok(None)`: where the frame the input ended inside starts, and
    /// how many records were read, if the capture was cut (SIGKILL).
    pub fn truncated(&self) -> Option<(u64, u64)> {
        self.truncated
    }

    /// Bytes of the input read so far (at the end: its length), and the
    /// records read.
    pub fn position(&self) -> (u64, u64) {
        (self.input.offset, self.records)
    }

    /// Entry kinds not known here, skipped so far, with their counts.
    pub fn skipped_kinds(&self) -> Vec<(u8, u64)> {
        self.skipped.iter().map(|(&k, &n)| (k, n)).collect()
    }

    fn next_inner(&mut self) -> Result<Option<Entry>, CaptureError> {
        loop {
            if self.content_pos < self.content.len() {
                let at = self.content_pos;
                match self.parse_entry() {
                    Ok(Some(e)) => {
                        if let Entry::Record { .. } = e {
                            self.records += 1;
                        }
                        return Ok(Some(e));
                    }
                    Ok(None) => continue,
                    Err(why) => {
                        return Err(corrupt(
                            self.frame_offset,
                            format!("entry at byte {at} of the frame's data: {why}"),
                        ));
                    }
                }
            }
            match self.read_frame()? {
                Frame::Data | Frame::Skipped => continue,
                Frame::End => return Ok(None),
                Frame::Cut(at) => {
                    self.truncated = Some((at, self.records));
                    return Ok(None);
                }
            }
        }
    }

    /// Parses the entry at `content_pos`: `None` for a NAME or a skipped one.
    fn parse_entry(&mut self) -> Result<Option<Entry>, String> {
        let mut d = codec::Dec::new(&self.content[self.content_pos..]);
        let kind = d.u8()?;
        let payload = d.bytes()?;
        let next = self.content_pos + d.pos;
        if self.next_container.is_some() && !matches!(kind, KIND_RECORD | KIND_ENTER) {
            return Err(format!(
                "an IN_CONTAINER entry followed by an entry of kind {kind}"
            ));
        }
        let e = match kind {
            KIND_NAME => {
                let (id, bytes) = codec::decode_name(payload)?;
                if id != self.names.len() as u64 {
                    return Err(format!(
                        "name id {id} defined out of order (expected {})",
                        self.names.len()
                    ));
                }
                if self.names.len() >= codec::MAX_NAMES {
                    return Err(format!("over {} names", codec::MAX_NAMES));
                }
                if bytes.len() > codec::MAX_NAME_LEN {
                    return Err(format!("name of {} bytes", bytes.len()));
                }
                let s = std::str::from_utf8(bytes).map_err(|_| "name not UTF-8".to_string())?;
                let s = match self.leaked.get(s) {
                    Some(&s) => s,
                    None => {
                        self.leaked_bytes += s.len();
                        if self.leaked_bytes > codec::MAX_NAME_BYTES {
                            return Err(format!("over {} bytes of names", codec::MAX_NAME_BYTES));
                        }
                        let s: &'static str = Box::leak(s.to_owned().into_boxed_str());
                        self.leaked.insert(s);
                        s
                    }
                };
                self.names.push(s);
                None
            }
            KIND_CONTAINER => {
                let (cid, c) = codec::decode_container(payload)?;
                if cid != self.containers.len() as u64 {
                    return Err(format!(
                        "container {cid} defined out of order (expected {})",
                        self.containers.len()
                    ));
                }
                self.container_bytes += payload.len();
                if self.containers.len() >= codec::MAX_CONTAINERS
                    || self.container_bytes > codec::MAX_NAME_BYTES
                {
                    return Err("too many containers".into());
                }
                self.containers.push(Arc::new(c));
                None
            }
            KIND_IN_CONTAINER => {
                let cid = codec::decode_in_container(payload, self.lenient)?;
                let c = usize::try_from(cid)
                    .ok()
                    .and_then(|i| self.containers.get(i))
                    .ok_or_else(|| format!("container {cid} used before its definition"))?;
                self.next_container = Some(c.clone());
                None
            }
            KIND_RECORD | KIND_ENTER | KIND_EVENT | KIND_END => {
                let mut e = codec::decode_entry(kind, payload, &self.names, self.lenient)?;
                if let Some(c) = self.next_container.take() {
                    if let Entry::Record { rec, .. } | Entry::Enter { rec, .. } = &mut e {
                        rec.container = Some(c);
                    }
                }
                Some(e)
            }
            k => {
                *self.skipped.entry(k).or_default() += 1;
                None
            }
        };
        self.content_pos = next;
        Ok(e)
    }

    /// Reads the next frame: decompresses a data frame into `content`,
    /// skips a skippable one.
    fn read_frame(&mut self) -> Result<Frame, CaptureError> {
        let start = self.input.offset;
        self.content.clear();
        self.content_pos = 0;
        self.frame_offset = start;
        if !self.input.want(4)? {
            return Ok(if self.input.available().is_empty() {
                Frame::End
            } else {
                Frame::Cut(start)
            });
        }
        let a = self.input.available();
        let magic = u32::from_le_bytes([a[0], a[1], a[2], a[3]]);
        if magic & 0xFFFF_FFF0 == SKIPPABLE_MAGIC {
            if !self.input.want(8)? {
                return Ok(Frame::Cut(start));
            }
            let a = self.input.available();
            let len = u32::from_le_bytes([a[4], a[5], a[6], a[7]]);
            self.input.consume(8);
            return Ok(if self.input.skip(len.into())? {
                Frame::Skipped
            } else {
                Frame::Cut(start)
            });
        }
        let zerr =
            |code: usize| corrupt(start, format!("zstd: {}", zstd_safe::get_error_name(code)));
        self.dctx.reset(ResetDirective::SessionOnly).map_err(zerr)?;
        let mut stalled = 0;
        loop {
            if self.input.available().is_empty() && !self.input.fill()? {
                return Ok(Frame::Cut(start));
            }
            if self.content.len() == self.content.capacity() {
                let len = self.content.len();
                if len >= MAX_FRAME_CONTENT {
                    return Err(corrupt(
                        start,
                        format!("frame holds over {MAX_FRAME_CONTENT} bytes"),
                    ));
                }
                self.content
                    .reserve(len.max(64 * 1024).min(MAX_FRAME_CONTENT - len));
            }
            let len = self.content.len();
            let avail = &self.input.buf[self.input.start..self.input.end];
            let mut inb = InBuffer::around(avail);
            let r = {
                let mut outb = OutBuffer::around_pos(&mut self.content, len);
                self.dctx.decompress_stream(&mut outb, &mut inb)
            };
            let used = inb.pos();
            self.input.consume(used);
            match r {
                Err(code) => return Err(zerr(code)),
                Ok(0) => return Ok(Frame::Data),
                Ok(_) => {
                    if used == 0 && self.content.len() == len {
                        stalled += 1;
                        if stalled > 4 {
                            return Err(corrupt(start, "zstd makes no progress"));
                        }
                    } else {
                        stalled = 0;
                    }
                }
            }
        }
    }
}
