//! STUB (replaced by the capture branch).
#![allow(dead_code, unused_variables)]
use crate::record::Record;
pub struct Interner;
impl Default for Interner { fn default() -> Self { Interner } }
impl Interner {
    pub fn new() -> Self { Interner }
    pub fn encode_record(&self, rec: &Record, live: u64, out: &mut Vec<u8>) {}
    pub fn take_new_names(&self, out: &mut Vec<u8>) {}
    pub fn encode_enter(&self, rec: &Record, live: u64, out: &mut Vec<u8>) {}
}
pub fn encode_event(tid: i32, ts_ns: u64, live: u64, text: &[u8], out: &mut Vec<u8>) {}
pub fn encode_end(end: &End, out: &mut Vec<u8>) {}
#[derive(Clone, Debug, PartialEq)]
pub struct End { pub records: u64, pub exit: Option<Exit> }
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Exit { Code(i32), Signal(i32) }
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Header {
    pub version: (u16, u16), pub arch: String, pub kernel: String, pub argv: Vec<Vec<u8>>,
    pub start_ns: u64, pub snaplen: u64, pub options: Vec<(String, String)>,
}
impl Header { pub fn option(&self, key: &str) -> Option<&str> { self.options.iter().find(|(k,_)| k==key).map(|(_,v)| v.as_str()) } }
pub enum Entry {
    Record { rec: Record, live: u64 },
    Enter { rec: Record, live: u64 },
    Event { tid: i32, ts_ns: u64, live: u64, text: Vec<u8> },
    End(End),
}
pub struct FileWriter;
impl FileWriter {
    pub fn create(out: std::fs::File, header: &Header) -> std::io::Result<FileWriter> { Ok(FileWriter) }
    pub fn append(&mut self, entries: &[u8]) -> std::io::Result<()> { Ok(()) }
    pub fn flush_if_due(&mut self) -> std::io::Result<()> { Ok(()) }
    pub fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
    pub fn bytes_written(&self) -> u64 { 0 }
}
#[derive(Debug)]
pub enum CaptureError { NotACapture, NewerVersion { major: u16, minor: u16 }, Corrupt { offset: u64, why: String }, Io(std::io::Error) }
impl std::fmt::Display for CaptureError { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "{self:?}") } }
pub struct Reader<R: std::io::Read> { r: R, h: Header }
impl<R: std::io::Read> Reader<R> {
    pub fn new(input: R) -> Result<Self, CaptureError> { Ok(Reader { r: input, h: Header::default() }) }
    pub fn header(&self) -> &Header { &self.h }
    pub fn next_entry(&mut self) -> Result<Option<Entry>, CaptureError> { Ok(None) }
    pub fn truncated(&self) -> Option<(u64, u64)> { None }
    pub fn skipped_kinds(&self) -> Vec<(u8, u64)> { vec![] }
}
