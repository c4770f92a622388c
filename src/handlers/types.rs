//! The vocabulary of the syscall table: how each argument is decoded.
//!
//! A row of the table is pure data (`Spec`); decoding is done by one generic
//! routine (`decode.rs`) driven by these kinds, plus an optional per-family
//! function for calls whose arguments depend on each other.

use super::decode::Ctx;
use super::xlat::Xlat;
use crate::record::Value;

/// What a per-family decoder sees of the call.
pub struct Call<'a> {
    /// This argument's register.
    pub val: u64,
    /// All six argument registers (for lengths and counts in others).
    pub regs: &'a [u64; 6],
    /// The result, at exit.
    pub res: Option<i64>,
    /// At exit, the value an in/out argument had at entry.
    pub entry: Option<&'a Value>,
}

/// A per-family decoder: a pure function of the call and a bounded memory
/// reader. `None` leaves the argument out (strace omits fcntl's third
/// argument for `F_GETFD`).
pub type DecodeFn = fn(&Ctx, &Call) -> Option<Value>;

/// What strace prints after a result, in parentheses (`= 0x8002 (flags
/// O_RDWR|O_LARGEFILE)`, `= 0 (Timeout)`): a function of the registers, the
/// result and (for some calls) tracee memory at exit. `None` shows nothing.
pub type ResDecodeFn = fn(&Ctx, &[u64; 6], i64) -> Option<ResDecoded>;

/// A result's decoration.
#[derive(Clone, Debug, PartialEq)]
pub struct ResDecoded {
    /// Shown in the strace and text formats as ` (…)`; a `Sym` is written
    /// as is (`flags FD_CLOEXEC`, `in [3], out [4]`).
    pub value: Value,
    /// The result itself is shown in hex (strace's `RVAL_HEX`).
    pub hex: bool,
}

/// A row's result decoder.
#[derive(Clone, Copy, Debug)]
pub struct ResDecode {
    pub f: ResDecodeFn,
    /// It reads tracee memory at exit (poll's revents): the call needs the
    /// ptrace exit, and without exit memory the decoration is absent.
    pub reads_memory: bool,
}

/// Syscall classes, as strace's `-e trace=%class`.
pub mod class {
    pub const FILE: u16 = 1 << 0;
    pub const DESC: u16 = 1 << 1;
    pub const NET: u16 = 1 << 2;
    pub const PROCESS: u16 = 1 << 3;
    pub const MEMORY: u16 = 1 << 4;
    pub const SIGNAL: u16 = 1 << 5;
    pub const IPC: u16 = 1 << 6;
    pub const CREDS: u16 = 1 << 7;
    pub const CLOCK: u16 = 1 << 8;

    /// `(name as written after '%', bit)`.
    pub const NAMES: &[(&str, u16)] = &[
        ("file", FILE),
        ("desc", DESC),
        ("net", NET),
        ("network", NET),
        ("process", PROCESS),
        ("memory", MEMORY),
        ("signal", SIGNAL),
        ("ipc", IPC),
        ("creds", CREDS),
        ("clock", CLOCK),
    ];
}

/// How one argument register is shown.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// Signed decimal (`long`, `off_t`).
    Int,
    /// A 32-bit `int` (`pid_t`, timeouts in ms): the register's upper half
    /// is not part of it (`wait4(-1, ...)` arrives as 0xffffffff).
    I32,
    /// Unsigned decimal (`size_t`, `unsigned int`).
    UInt,
    /// Raw hexadecimal: for values whose meaning we do not decode.
    Hex,
    /// An address shown as hex, `NULL` when zero.
    Ptr,
    /// A file descriptor (`int`).
    Fd,
    /// A directory fd of the `*at` calls: `AT_FDCWD` or a descriptor.
    DirFd,
    /// File mode bits, octal.
    Mode,
    /// NUL-terminated path, read up to 4096 bytes.
    Path,
    /// NUL-terminated string, read up to the snaplen.
    Str,
    /// Buffer read at entry; its length is the argument at this index.
    InBuf(u8),
    /// Buffer the kernel fills; read at exit, length = return value
    /// (bounded by the argument at this index and the snaplen).
    OutBuf(u8),
    /// NUL-terminated string the kernel writes (getcwd), read at exit.
    OutStr,
    /// Bit flags from a table; unknown bits stay visible as hex.
    Flags(&'static Xlat),
    /// `open(2)` flags: their values differ between architectures, so the
    /// table comes from `arch`.
    OpenFlags,
    /// One constant from a table; unknown values as decimal.
    Enum(&'static Xlat),
    /// A signal number (`SIGTERM`).
    Signal,
    /// NULL-terminated array of string pointers (argv).
    StrArray,
    /// NULL-terminated array of string pointers, shown as a count (envp).
    StrArrayCount,
    /// `struct sockaddr *` read at entry; length is the argument at this index.
    SockAddr(u8),
    /// `struct sockaddr *` filled by the kernel; length is in the `socklen_t *`
    /// argument at this index. Read at exit.
    SockAddrOut(u8),
    /// `const struct timespec *` read at entry.
    Timespec,
    /// `struct pollfd *` array, count in the argument at this index.
    PollFds(u8),
    /// Decoded at entry by a family decoder (may read memory).
    In(DecodeFn),
    /// Filled by the kernel: decoded at exit when the call succeeded.
    Out(DecodeFn),
    /// Read at entry and again at exit (strace's `[110 => 16]`).
    InOut(DecodeFn),
}

impl Kind {
    /// Whether this argument can only be read once the call has returned.
    pub const fn is_output(self) -> bool {
        matches!(
            self,
            Kind::OutBuf(_) | Kind::OutStr | Kind::SockAddrOut(_) | Kind::Out(_)
        )
    }

    /// Whether this argument, read at entry, is updated at exit.
    pub const fn is_inout(self) -> bool {
        matches!(self, Kind::InOut(_))
    }
}

/// How the return value is shown, and whether there is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    /// Signed decimal; negative values are `-errno`.
    Int,
    /// An address (mmap, brk): hex on success.
    Hex,
    /// A new file descriptor.
    Fd,
    /// The call never returns on success (exit, exit_group): recorded at entry.
    Never,
}

/// One argument: its man-page name and how to show it.
#[derive(Clone, Copy, Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: Kind,
}

/// One syscall row: argument names and kinds, class, return kind.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub name: &'static str,
    pub args: &'static [ArgSpec],
    pub class: u16,
    pub ret: Ret,
    /// What is shown after the result (see [`ResDecode`]).
    pub res_decode: Option<ResDecode>,
}

impl Spec {
    /// This row with a result decoder (`reads_memory`: see [`ResDecode`]).
    pub const fn res(self, f: ResDecodeFn, reads_memory: bool) -> Spec {
        Spec {
            res_decode: Some(ResDecode { f, reads_memory }),
            ..self
        }
    }

    /// Whether the result decoder reads tracee memory at exit.
    fn res_reads_memory(&self) -> bool {
        matches!(
            self.res_decode,
            Some(ResDecode {
                reads_memory: true,
                ..
            })
        )
    }

    /// Whether the record needs the syscall-exit (for its return value).
    pub const fn needs_exit(&self) -> bool {
        !matches!(self.ret, Ret::Never)
    }

    /// Whether decoding the entry reads tracee memory.
    pub fn reads_memory(&self) -> bool {
        self.args.iter().any(|a| {
            matches!(
                a.kind,
                Kind::Path
                    | Kind::Str
                    | Kind::InBuf(_)
                    | Kind::StrArray
                    | Kind::StrArrayCount
                    | Kind::SockAddr(_)
                    | Kind::Timespec
                    | Kind::PollFds(_)
                    | Kind::In(_)
                    | Kind::InOut(_)
            )
        })
    }

    /// Whether the record needs tracee memory read at exit.
    pub fn needs_exit_memory(&self) -> bool {
        self.res_reads_memory()
            || self
                .args
                .iter()
                .any(|a| a.kind.is_output() || a.kind.is_inout())
    }

    /// As `needs_exit_memory`, for this snaplen: a data buffer captured at
    /// 0 bytes needs no read (its record shows only that data was cut).
    /// An in/out argument always does (ioctl's TCGETS, clone3's parent_tid).
    pub fn needs_exit_memory_at(&self, snaplen: usize) -> bool {
        self.res_reads_memory()
            || self.args.iter().any(|a| {
                a.kind.is_inout()
                    || (a.kind.is_output() && !(snaplen == 0 && matches!(a.kind, Kind::OutBuf(_))))
            })
    }
}
