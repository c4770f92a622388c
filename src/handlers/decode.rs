//! The generic decoder: turns a row of the table plus the six argument
//! registers into record arguments, reading tracee memory through a bounded,
//! fallible reader. Entry and exit halves: output arguments are read at exit.

use super::flags::signal_name;
use super::sockaddr;
use super::types::{Call, Kind, Spec};
use crate::arch::Arch;
use crate::record::{Arg, Args, Record, ResKind, Value, error_of};

/// Longest path read, as the kernel's PATH_MAX.
pub const PATH_MAX: usize = 4096;
/// Most argv elements shown.
const MAX_ARGV: usize = 64;
/// Most envp entries counted.
const MAX_ENVP: usize = 65536;
/// Most pollfd entries shown.
pub(super) const MAX_POLLFDS: usize = 64;

/// Tracee memory. Reads are bounded by the buffer and may be short when the
/// range runs into an unmapped page.
pub trait Memory {
    /// Reads up to `buf.len()` bytes at `addr`. Returns how many were read,
    /// or the errno when not even the first byte could be.
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32>;
}

/// What decoding needs besides the registers.
pub struct Ctx<'a> {
    pub arch: &'a Arch,
    pub mem: &'a dyn Memory,
    /// Bytes of strings and buffers captured.
    pub snaplen: usize,
}

impl Ctx<'_> {
    /// Reads exactly `len` bytes, or fails.
    pub(super) fn read_exact(&self, addr: u64, len: usize) -> Result<Vec<u8>, i32> {
        let mut v = vec![0u8; len];
        let mut got = 0;
        while got < len {
            match self.mem.read(addr.wrapping_add(got as u64), &mut v[got..]) {
                Ok(0) => return Err(libc::EFAULT),
                Ok(n) => got += n,
                Err(e) => return Err(e),
            }
        }
        Ok(v)
    }

    /// Reads up to `len` bytes; a short read past the first byte is kept.
    pub(super) fn read_some(&self, addr: u64, len: usize) -> Result<Vec<u8>, i32> {
        let mut v = vec![0u8; len];
        let mut got = 0;
        while got < len {
            match self.mem.read(addr.wrapping_add(got as u64), &mut v[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if got == 0 => return Err(e),
                Err(_) => break,
            }
        }
        v.truncate(got);
        Ok(v)
    }

    /// Reads a NUL-terminated string of at most `max` bytes, a page at a
    /// time so that a string ending just before an unmapped page is read.
    /// Returns the bytes and whether the string was longer than `max`.
    fn read_cstr(&self, addr: u64, max: usize) -> Result<(Vec<u8>, bool), i32> {
        const PAGE: u64 = 4096;
        let mut out = Vec::new();
        let mut at = addr;
        let mut chunk = [0u8; PAGE as usize];
        loop {
            let room = max + 1 - out.len();
            let to_page_end = (PAGE - at % PAGE) as usize;
            let want = room.min(to_page_end);
            let n = match self.mem.read(at, &mut chunk[..want]) {
                Ok(0) => return Err(libc::EFAULT),
                Ok(n) => n,
                Err(e) => return Err(e),
            };
            if let Some(z) = chunk[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..z]);
                return Ok((out, false));
            }
            out.extend_from_slice(&chunk[..n]);
            if out.len() > max {
                out.truncate(max);
                return Ok((out, true));
            }
            if n < want {
                // The string runs into memory we cannot read: the kernel
                // would fail the call with EFAULT too.
                return Err(libc::EFAULT);
            }
            at = at.wrapping_add(n as u64);
        }
    }

    pub(super) fn string(&self, addr: u64, max: usize) -> Value {
        if addr == 0 {
            return Value::Ptr(0);
        }
        match self.read_cstr(addr, max) {
            Ok((data, truncated)) => Value::Bytes { data, truncated },
            Err(errno) => Value::Fault { addr, errno },
        }
    }

    pub(super) fn buffer(&self, addr: u64, len: u64) -> Value {
        if len == 0 {
            return Value::Bytes {
                data: Vec::new(),
                truncated: false,
            };
        }
        let want = (len as usize).min(self.snaplen);
        if want == 0 {
            return Value::Bytes {
                data: Vec::new(),
                truncated: true,
            };
        }
        match self.read_some(addr, want) {
            Ok(data) => Value::Bytes {
                truncated: (data.len() as u64) < len,
                data,
            },
            Err(errno) => Value::Fault { addr, errno },
        }
    }

    /// A NULL-terminated array of pointers of the arch's width.
    fn pointers(&self, addr: u64, max: usize) -> Result<(Vec<u64>, bool), i32> {
        let w = self.arch.word;
        let mut ptrs = Vec::new();
        let mut at = addr;
        let mut chunk = [0u8; 8 * 64];
        while ptrs.len() < max {
            let want = ((max - ptrs.len()) * w).min(chunk.len());
            let n = self.mem.read(at, &mut chunk[..want])?;
            if n < w {
                return Err(libc::EFAULT);
            }
            for c in chunk[..n - n % w].chunks_exact(w) {
                let p = match *c {
                    [a, b, c, d] => u32::from_ne_bytes([a, b, c, d]) as u64,
                    [a, b, c, d, e, f, g, h] => u64::from_ne_bytes([a, b, c, d, e, f, g, h]),
                    _ => 0,
                };
                if p == 0 {
                    return Ok((ptrs, false));
                }
                ptrs.push(p);
            }
            at = at.wrapping_add((n - n % w) as u64);
        }
        Ok((ptrs, true))
    }

    pub(super) fn timespec(&self, addr: u64) -> Value {
        if addr == 0 {
            return Value::Ptr(0);
        }
        match self.read_exact(addr, 16) {
            Ok(b) => Value::Struct(vec![
                ("tv_sec", Value::Int(i64_at(&b, 0))),
                ("tv_nsec", Value::Int(i64_at(&b, 8))),
            ]),
            Err(errno) => Value::Fault { addr, errno },
        }
    }

    fn pollfds(&self, addr: u64, n: u64) -> Value {
        if addr == 0 {
            return Value::Ptr(0);
        }
        let shown = (n as usize).min(MAX_POLLFDS);
        match self.read_exact(addr, shown * 8) {
            Ok(b) => Value::Array {
                items: b
                    .chunks_exact(8)
                    .map(|e| {
                        let fd = i32::from_ne_bytes([e[0], e[1], e[2], e[3]]);
                        let events = u16::from_ne_bytes([e[4], e[5]]) as u64;
                        // The kernel ignores an entry with a negative fd:
                        // strace shows only the fd (`{fd=-1}`).
                        if fd < 0 {
                            return Value::Struct(vec![("fd", Value::Int(fd as i64))]);
                        }
                        let mut s = String::new();
                        POLL_EVENTS.format_flags(events, &mut s);
                        Value::Struct(vec![
                            ("fd", Value::Int(fd as i64)),
                            ("events", Value::Sym(s)),
                        ])
                    })
                    .collect(),
                truncated: shown < n as usize,
            },
            Err(errno) => Value::Fault { addr, errno },
        }
    }
}

impl Ctx<'_> {
    /// A structure of `len` bytes at `addr` shown by `show`: `NULL` for a
    /// null pointer, the address (a fault) when it cannot be read whole.
    pub(super) fn with_struct(
        &self,
        addr: u64,
        len: usize,
        show: impl FnOnce(Fields) -> Value,
    ) -> Value {
        if addr == 0 {
            return Value::Ptr(0);
        }
        match self.read_exact(addr, len) {
            Ok(b) => show(Fields(&b)),
            Err(errno) => Value::Fault { addr, errno },
        }
    }
}

/// Native-endian fields of a structure read from the tracee; reads past the
/// end give zero (callers read whole structures, this only keeps a wrong
/// offset from panicking).
#[derive(Clone, Copy)]
pub struct Fields<'a>(pub &'a [u8]);

impl Fields<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut w = [0u8; N];
        if let Some(b) = self.0.get(at..at + N) {
            w.copy_from_slice(b);
        }
        w
    }
    pub fn u8(&self, at: usize) -> u64 {
        self.0.get(at).copied().unwrap_or(0) as u64
    }
    pub fn u16(&self, at: usize) -> u64 {
        u16::from_ne_bytes(self.bytes(at)) as u64
    }
    pub fn i16(&self, at: usize) -> i64 {
        i16::from_ne_bytes(self.bytes(at)) as i64
    }
    pub fn u32(&self, at: usize) -> u64 {
        u32::from_ne_bytes(self.bytes(at)) as u64
    }
    pub fn i32(&self, at: usize) -> i64 {
        i32::from_ne_bytes(self.bytes(at)) as i64
    }
    pub fn u64(&self, at: usize) -> u64 {
        u64::from_ne_bytes(self.bytes(at))
    }
    pub fn i64(&self, at: usize) -> i64 {
        i64::from_ne_bytes(self.bytes(at))
    }
    /// An unsigned word of `w` bytes (a pointer or a long: 4 or 8).
    pub fn word(&self, at: usize, w: usize) -> u64 {
        match w {
            4 => self.u32(at),
            _ => self.u64(at),
        }
    }
    /// A NUL-terminated string in a fixed-size field.
    pub fn cstr(&self, at: usize, len: usize) -> Value {
        let f = self.0.get(at..(at + len).min(self.0.len())).unwrap_or(&[]);
        let end = f.iter().position(|&c| c == 0).unwrap_or(f.len());
        Value::Bytes {
            data: f[..end].to_vec(),
            truncated: false,
        }
    }
}

/// `NAME|NAME|0x40` from a flag table.
pub(super) fn flags(x: &super::xlat::Xlat, v: u64) -> Value {
    let mut s = String::new();
    x.format_flags(v, &mut s);
    Value::Sym(s)
}

/// `NAME` from a constant table, else the decimal value.
pub(super) fn enum_(x: &super::xlat::Xlat, v: u64) -> Value {
    match x.name(v) {
        Some(n) => Value::Sym(n.into()),
        None => Value::Int(v as i64),
    }
}

pub(super) static POLL_EVENTS: super::xlat::Xlat = super::xlat::Xlat::new(&[
    (0x1, "POLLIN"),
    (0x2, "POLLPRI"),
    (0x4, "POLLOUT"),
    (0x8, "POLLERR"),
    (0x10, "POLLHUP"),
    (0x20, "POLLNVAL"),
    (0x40, "POLLRDNORM"),
    (0x80, "POLLRDBAND"),
    (0x100, "POLLWRNORM"),
    (0x200, "POLLWRBAND"),
    (0x400, "POLLMSG"),
    (0x2000, "POLLRDHUP"),
]);

fn i64_at(b: &[u8], at: usize) -> i64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    i64::from_ne_bytes(w)
}

/// Decodes the arguments known at entry; output arguments get a placeholder
/// that `decode_exit` replaces.
pub fn decode_entry(spec: &Spec, regs: &[u64; 6], ctx: &Ctx) -> Args {
    let regs = &ctx.arch.row_regs(spec.name, regs);
    let mut args = Args::new();
    for (i, a) in spec.args.iter().enumerate() {
        let r = regs[i];
        if matches!(a.kind, Kind::Mode) && !open_mode_shown(spec, regs, ctx.arch) {
            continue;
        }
        let value = match a.kind {
            Kind::Int => Value::Int(r as i64),
            Kind::I32 => Value::Int(r as i32 as i64),
            Kind::UInt => Value::UInt(r),
            Kind::Hex => Value::Hex(r),
            Kind::Ptr => Value::Ptr(r),
            Kind::Fd => Value::Int(r as i32 as i64),
            Kind::DirFd if r as i32 == libc::AT_FDCWD => Value::Sym("AT_FDCWD".into()),
            Kind::DirFd => Value::Int(r as i32 as i64),
            Kind::Mode => Value::Mode(r),
            Kind::Path => ctx.string(r, PATH_MAX),
            Kind::Str => ctx.string(r, ctx.snaplen),
            Kind::InBuf(len) => ctx.buffer(r, regs[len as usize]),
            Kind::OutBuf(_) | Kind::OutStr | Kind::SockAddrOut(_) if r == 0 => Value::Ptr(0),
            Kind::OutBuf(_) | Kind::OutStr | Kind::SockAddrOut(_) => Value::NotCaptured(r),
            Kind::Flags(x) => {
                let mut s = String::new();
                x.format_flags(r, &mut s);
                Value::Sym(s)
            }
            Kind::OpenFlags => {
                let mut s = String::new();
                ctx.arch.open_flags.format_flags(r & 0xffff_ffff, &mut s);
                Value::Sym(s)
            }
            Kind::Enum(x) => match x.name(r) {
                Some(n) => Value::Sym(n.into()),
                None => Value::Int(r as i64),
            },
            Kind::Signal => {
                let mut s = String::new();
                signal_name(r & 0xffff_ffff, &mut s);
                Value::Sym(s)
            }
            Kind::StrArray => str_array(ctx, r),
            Kind::StrArrayCount => match r {
                0 => Value::Ptr(0),
                _ => match ctx.pointers(r, MAX_ENVP) {
                    Ok((p, _)) => Value::Counted {
                        addr: r,
                        n: p.len() as u64,
                        unit: "vars",
                    },
                    Err(errno) => Value::Fault { addr: r, errno },
                },
            },
            Kind::SockAddr(len) => sockaddr::read(ctx, r, regs[len as usize]),
            Kind::Timespec => ctx.timespec(r),
            Kind::PollFds(n) => ctx.pollfds(r, regs[n as usize]),
            Kind::In(f) | Kind::InOut(f) => {
                let call = Call {
                    val: r,
                    regs,
                    res: None,
                    entry: None,
                };
                match f(ctx, &call) {
                    Some(v) => v,
                    None => continue,
                }
            }
            Kind::Out(_) if r == 0 => Value::Ptr(0),
            Kind::Out(_) => Value::NotCaptured(r),
        };
        args.push(Arg {
            name: a.name,
            value,
            output: a.kind.is_output(),
            updated: a.kind.is_inout(),
        });
    }
    args
}

/// Fills the output arguments once the call returned `res`. On failure the
/// kernel wrote nothing: they stay pointers, not captured (strace shows the
/// address).
pub fn decode_exit(spec: &Spec, regs: &[u64; 6], res: i64, ctx: &Ctx, args: &mut [Arg]) {
    let regs = &ctx.arch.row_regs(spec.name, regs);
    for (i, a) in spec.args.iter().enumerate() {
        if !a.kind.is_output() && !a.kind.is_inout() {
            continue;
        }
        let Some(slot) = args.iter_mut().find(|x| x.name == a.name) else {
            continue;
        };
        let r = regs[i];
        if let Kind::InOut(f) = a.kind {
            if res >= 0 {
                let call = Call {
                    val: r,
                    regs,
                    res: Some(res),
                    entry: Some(&slot.value),
                };
                if let Some(v) = f(ctx, &call) {
                    slot.value = v;
                }
            }
            continue;
        }
        slot.value = if r == 0 {
            Value::Ptr(0)
        } else if res < 0 {
            Value::NotCaptured(r)
        } else {
            match a.kind {
                Kind::OutBuf(_) => ctx.buffer(r, res as u64),
                Kind::OutStr => ctx.string(r, PATH_MAX),
                Kind::SockAddrOut(len_ptr) => sockaddr::read_out(ctx, r, regs[len_ptr as usize]),
                Kind::Out(f) => {
                    let call = Call {
                        val: r,
                        regs,
                        res: Some(res),
                        entry: None,
                    };
                    f(ctx, &call).unwrap_or(Value::Ptr(r))
                }
                _ => continue,
            }
        };
    }
}

/// What is shown after the result of a call that returned `res` (fcntl's
/// `(flags ...)`, poll's revents), into `rec.res_decoded`; the result is
/// then shown in hex where strace does. Nothing after a failure.
pub fn decode_result(spec: &Spec, regs: &[u64; 6], res: i64, ctx: &Ctx, rec: &mut Record) {
    let Some(d) = spec.res_decode else {
        return;
    };
    let regs = &ctx.arch.row_regs(spec.name, regs);
    if error_of(res).is_some() {
        return;
    }
    if let Some(r) = (d.f)(ctx, regs, res) {
        if r.hex {
            rec.res_kind = ResKind::Hex;
        }
        rec.res_decoded = Some(r.value);
    }
}

/// Every argument as raw hex: the record of a call after its thread was
/// interrupted, when tracee memory cannot be trusted.
pub fn raw_args(spec: &Spec, regs: &[u64; 6], arch: &Arch) -> Args {
    spec.args
        .iter()
        .zip(arch.row_regs(spec.name, regs))
        .map(|(a, r)| Arg {
            name: a.name,
            value: Value::Hex(r),
            output: false,
            updated: false,
        })
        .collect()
}

/// open/openat show `mode` only when the flags create a file.
fn open_mode_shown(spec: &Spec, regs: &[u64; 6], arch: &Arch) -> bool {
    match spec
        .args
        .iter()
        .position(|a| matches!(a.kind, Kind::OpenFlags))
    {
        Some(i) => regs[i] & (arch.o_creat | arch.o_tmpfile) != 0,
        None => true,
    }
}

fn str_array(ctx: &Ctx, addr: u64) -> Value {
    if addr == 0 {
        return Value::Ptr(0);
    }
    match ctx.pointers(addr, MAX_ARGV) {
        Ok((ptrs, truncated)) => Value::Array {
            items: ptrs.iter().map(|&p| ctx.string(p, ctx.snaplen)).collect(),
            truncated,
        },
        Err(errno) => Value::Fault { addr, errno },
    }
}

/// Tracee memory for unit tests: one mapped range.
#[cfg(test)]
pub mod testmem {
    use super::{Ctx, Memory};

    pub struct Buf {
        pub base: u64,
        pub bytes: Vec<u8>,
    }

    impl Buf {
        pub fn at(base: u64, bytes: Vec<u8>) -> Buf {
            Buf { base, bytes }
        }

        /// The context the decoder tests use: x86_64 layouts, snaplen 32.
        pub fn ctx(&self) -> Ctx<'_> {
            Ctx {
                arch: &crate::arch::X86_64,
                mem: self,
                snaplen: 32,
            }
        }
    }

    impl Memory for Buf {
        fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
            if addr < self.base || addr >= self.base + self.bytes.len() as u64 {
                return Err(libc::EFAULT);
            }
            let off = (addr - self.base) as usize;
            let n = buf.len().min(self.bytes.len() - off);
            buf[..n].copy_from_slice(&self.bytes[off..off + n]);
            Ok(n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testmem::Buf;
    use super::*;
    use crate::arch;
    use crate::handlers::table::lookup;

    const BASE: u64 = 0x10000;

    fn ctx<'a>(mem: &'a Buf) -> Ctx<'a> {
        Ctx {
            arch: &arch::X86_64,
            mem,
            snaplen: 8,
        }
    }

    fn mem(bytes: &[u8]) -> Buf {
        Buf::at(BASE, bytes.to_vec())
    }

    #[test]
    fn openat_path_flags_and_mode() {
        let m = mem(b"/etc/hosts\0");
        let spec = lookup("openat").unwrap();
        let args = decode_entry(spec, &[-100i64 as u64, BASE, 0o2000000, 0, 0, 0], &ctx(&m));
        assert_eq!(args.len(), 3, "no mode without O_CREAT");
        assert_eq!(args[0].value, Value::Sym("AT_FDCWD".into()));
        assert_eq!(
            args[1].value,
            Value::Bytes {
                data: b"/etc/hosts".to_vec(),
                truncated: false
            }
        );
        assert_eq!(args[2].value, Value::Sym("O_RDONLY|O_CLOEXEC".into()));
        let args = decode_entry(spec, &[3, BASE, 0o101, 0o640, 0, 0], &ctx(&m));
        assert_eq!(args[2].value, Value::Sym("O_WRONLY|O_CREAT".into()));
        assert_eq!(args[3].value, Value::Mode(0o640));
    }

    #[test]
    fn path_without_nul_before_unmapped_memory_is_a_fault() {
        let m = mem(b"abc");
        let spec = lookup("openat").unwrap();
        let args = decode_entry(spec, &[3, BASE, 0, 0, 0, 0], &ctx(&m));
        assert_eq!(
            args[1].value,
            Value::Fault {
                addr: BASE,
                errno: libc::EFAULT
            }
        );
        let args = decode_entry(spec, &[3, 0x1, 0, 0, 0, 0], &ctx(&m));
        assert_eq!(
            args[1].value,
            Value::Fault {
                addr: 1,
                errno: libc::EFAULT
            }
        );
    }

    #[test]
    fn read_output_at_exit_is_bounded_by_result_and_snaplen() {
        let m = mem(b"0123456789abcdef");
        let spec = lookup("read").unwrap();
        let regs = [3, BASE, 4096, 0, 0, 0];
        let mut args = decode_entry(spec, &regs, &ctx(&m));
        assert_eq!(args[1].value, Value::NotCaptured(BASE));
        decode_exit(spec, &regs, 5, &ctx(&m), &mut args);
        assert_eq!(
            args[1].value,
            Value::Bytes {
                data: b"01234".to_vec(),
                truncated: false
            }
        );
        decode_exit(spec, &regs, 12, &ctx(&m), &mut args);
        assert_eq!(
            args[1].value,
            Value::Bytes {
                data: b"01234567".to_vec(),
                truncated: true
            }
        );
        decode_exit(spec, &regs, -14, &ctx(&m), &mut args);
        assert_eq!(args[1].value, Value::NotCaptured(BASE));
    }

    #[test]
    fn write_buffer_runs_into_unmapped_memory() {
        let m = mem(b"xyz");
        let spec = lookup("write").unwrap();
        let args = decode_entry(spec, &[1, BASE + 1, 100, 0, 0, 0], &ctx(&m));
        assert_eq!(
            args[1].value,
            Value::Bytes {
                data: b"yz".to_vec(),
                truncated: true
            }
        );
    }

    #[test]
    fn execve_argv_and_envp_count() {
        // argv at BASE: [BASE+64, BASE+68, 0]; envp at BASE+32: [BASE+64, 0]
        let mut b = vec![0u8; 80];
        b[0..8].copy_from_slice(&(BASE + 64).to_ne_bytes());
        b[8..16].copy_from_slice(&(BASE + 68).to_ne_bytes());
        b[32..40].copy_from_slice(&(BASE + 64).to_ne_bytes());
        b[64..68].copy_from_slice(b"ls\0\0");
        b[68..72].copy_from_slice(b"-l\0\0");
        let m = mem(&b);
        let spec = lookup("execve").unwrap();
        let args = decode_entry(spec, &[BASE + 64, BASE, BASE + 32, 0, 0, 0], &ctx(&m));
        assert_eq!(
            args[1].value,
            Value::Array {
                items: vec![
                    Value::Bytes {
                        data: b"ls".to_vec(),
                        truncated: false
                    },
                    Value::Bytes {
                        data: b"-l".to_vec(),
                        truncated: false
                    }
                ],
                truncated: false
            }
        );
        assert_eq!(
            args[2].value,
            Value::Counted {
                addr: BASE + 32,
                n: 1,
                unit: "vars"
            }
        );
    }

    /// Random registers and random memory (4 KiB of words, a third of them
    /// pointers back into it) through every row of the table, entry and
    /// exit, on both architectures; every result is rendered in the three
    /// formats, and the JSON must parse.
    #[test]
    fn garbage_registers_and_memory_never_panic() {
        let mut seed = 0x9e3779b97f4a7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        const LEN: u64 = 4096;
        let mut bytes = Vec::with_capacity(LEN as usize);
        while bytes.len() < LEN as usize {
            let r = next();
            let w = match r % 3 {
                0 => BASE + r % LEN,
                1 => r % 64,
                _ => r,
            };
            bytes.extend_from_slice(&w.to_ne_bytes());
        }
        let m = Buf { base: BASE, bytes };
        for arch in [&arch::X86_64, &arch::AARCH64] {
            let ctx = Ctx {
                arch,
                mem: &m,
                snaplen: 32,
            };
            let rows = crate::handlers::table::SPECS.iter().chain(arch.overrides);
            for spec in rows {
                for _ in 0..40 {
                    let mut regs = [0u64; 6];
                    for r in regs.iter_mut() {
                        let x = next();
                        *r = match x % 4 {
                            0 | 1 => BASE + x % (LEN + 64),
                            2 => x % 16,
                            _ => x,
                        };
                    }
                    let mut args = decode_entry(spec, &regs, &ctx);
                    let res = (next() % 300) as i64 - 50;
                    decode_exit(spec, &regs, res, &ctx, &mut args);
                    let mut rec = crate::record::tests::record(spec.name, args, res);
                    decode_result(spec, &regs, res, &ctx, &mut rec);
                    let mut out = Vec::new();
                    rec.format(crate::record::Format::Text, &mut out);
                    rec.format(crate::record::Format::Strace, &mut out);
                    let mut j = Vec::new();
                    rec.format(crate::record::Format::Json, &mut j);
                    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&j) {
                        panic!(
                            "{}: invalid JSON {e}: {}",
                            spec.name,
                            String::from_utf8_lossy(&j)
                        );
                    }
                }
            }
        }
    }
}
