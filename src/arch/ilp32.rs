//! What the 32-bit ABIs (i386 on x86_64, arm on aarch64) share: rows of
//! calls that only 32-bit ABIs have, or whose arguments differ from the
//! 64-bit call of the same name, and the shared rows whose decoders fit a
//! 32-bit ABI whole. Each arch adds its own rows (where it pads 64-bit
//! arguments to a register pair, for one).

use super::StatLayout;
use crate::handlers::compat;
use crate::handlers::flags::*;
use crate::handlers::sockopt;
use crate::handlers::table::sc;
use crate::handlers::types::class::*;
use crate::handlers::types::{ArgSpec, Kind::*, Ret, Spec};

pub(super) static ROWS: &[Spec] = &[
    sc!(mmap2, DESC | MEMORY, Hex; addr: Ptr, length: UInt, prot: Flags(&PROT_FLAGS), flags: Flags(&MAP_FLAGS), fd: Fd, pgoffset: Hex),
    // The rest of a shared socket row is safe (see WHOLE_ROWS); the option
    // values can be structures with longs (timeval).
    sc!(setsockopt, NET, Int; sockfd: Fd, level: Enum(&SOCKET_LEVELS), optname: In(sockopt::optname), optval: Ptr, optlen: UInt),
    sc!(getsockopt, NET, Int; sockfd: Fd, level: Enum(&SOCKET_LEVELS), optname: In(sockopt::optname), optval: Ptr, optlen: Ptr),
    // Both halves of 64-bit values in registers: low half first.
    sc!(fallocate, DESC, Int; fd: Fd, mode: Flags(&FALLOC_FLAGS), offset_low: UInt, offset_high: UInt, len_low: UInt, len_high: UInt),
    sc!(_llseek, DESC, Int; fd: Fd, offset: In(compat::llseek_offset), result: Out(compat::loff_out), whence: Enum(&SEEK_WHENCE)),
    sc!(fcntl64, DESC, Int; fd: Fd, cmd: Enum(&FCNTL_CMDS), arg: Hex),
    sc!(stat64, FILE, Int; pathname: Path, statbuf: Ptr),
    sc!(lstat64, FILE, Int; pathname: Path, statbuf: Ptr),
    sc!(fstat64, DESC, Int; fd: Fd, statbuf: Ptr),
    sc!(fstatat64, FILE | DESC, Int; dirfd: DirFd, pathname: Path, statbuf: Ptr, flags: Flags(&AT_FLAGS)),
    // The frame is the 32-bit one; its mask is not read.
    sc!(rt_sigreturn, SIGNAL, Int),
    sc!(sigreturn, SIGNAL, Int),
    // The 32-bit uid calls.
    sc!(getuid32, CREDS, Int),
    sc!(getgid32, CREDS, Int),
    sc!(geteuid32, CREDS, Int),
    sc!(getegid32, CREDS, Int),
    sc!(setuid32, CREDS, Int; uid: UInt),
    sc!(setgid32, CREDS, Int; gid: UInt),
    sc!(setreuid32, CREDS, Int; ruid: UInt, euid: UInt),
    sc!(setregid32, CREDS, Int; rgid: UInt, egid: UInt),
    sc!(setresuid32, CREDS, Int; ruid: UInt, euid: UInt, suid: UInt),
    sc!(setresgid32, CREDS, Int; rgid: UInt, egid: UInt, sgid: UInt),
    sc!(getresuid32, CREDS, Int; ruid: Ptr, euid: Ptr, suid: Ptr),
    sc!(getresgid32, CREDS, Int; rgid: Ptr, egid: Ptr, sgid: Ptr),
    sc!(getgroups32, CREDS, Int; size: I32, list: Ptr),
    sc!(setgroups32, CREDS, Int; size: I32, list: Ptr),
    sc!(chown32, FILE, Int; pathname: Path, owner: UInt, group: UInt),
    sc!(lchown32, FILE, Int; pathname: Path, owner: UInt, group: UInt),
    sc!(fchown32, DESC, Int; fd: Fd, owner: UInt, group: UInt),
];

/// Shared rows whose decoders fit a 32-bit ABI as they are: registers,
/// 32-bit words, structures read with the arch's word size (iovec) or
/// offsets (epoll_event), and structures with one layout for both ABIs
/// (statx, pollfd, sigset, socklen_t, sockaddr, int pairs, utsname, the
/// 64-bit times of the `_time64` calls).
pub(super) static WHOLE_ROWS: &[&str] = &[
    "accept",
    "accept4",
    "clock_getres_time64",
    "clock_gettime64",
    "clock_nanosleep_time64",
    "epoll_ctl",
    "epoll_pwait",
    "epoll_wait",
    "futex_time64",
    "getpeername",
    "getrandom",
    "getsockname",
    "pipe",
    "pipe2",
    "ppoll_time64",
    "prlimit64",
    "readv",
    "rt_sigprocmask",
    "socket",
    "socketpair",
    "statx",
    "uname",
    "writev",
];

/// The old `struct stat` (stat/fstat/lstat) of both: its rows show the
/// pointer, this documents the layout.
pub(super) const OLD_STAT: StatLayout = StatLayout {
    size: 64,
    mode: 8,
    rdev: 16,
    st_size: 20,
};

/// Rows whose arguments are not in register order, on both.
/// clone(flags, stack, parent_tid, tls, child_tid): CONFIG_CLONE_BACKWARDS.
/// _llseek(fd, offset_high, offset_low, result, whence): its row shows one
/// offset (both halves: compat::llseek_offset), then result.
pub(super) static ARG_ORDER: &[(&str, [u8; 6])] = &[
    ("clone", [1, 0, 2, 3, 4, 5]),
    ("_llseek", [0, 1, 3, 4, 2, 5]),
];
