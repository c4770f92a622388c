//! i386, as the compat ABI of x86_64 (a 32-bit program, or `int 0x80` from
//! 64-bit code): ebx ecx edx esi edi ebp, number in orig_eax, result in eax.
//! Longs and pointers are 32 bits, so shared rows keep only the decoders that
//! read no 64-bit structure (`SyscallTable` maps the rest to pointers). The
//! rows below are the calls whose arguments differ from x86_64's call of the
//! same name, that only i386 has, or whose decoders are safe for 32 bits.

use super::Arch;
use crate::handlers::compat;
use crate::handlers::flags::*;
use crate::handlers::sockopt;
use crate::handlers::table::sc;
use crate::handlers::types::class::*;
use crate::handlers::types::{ArgSpec, Kind::*, Ret, Spec};

static OVERRIDES: &[Spec] = &[
    // old_mmap and old_select: one pointer to a block of their arguments.
    sc!(mmap, DESC | MEMORY, Hex; arg: Ptr),
    sc!(select, DESC, Int; arg: Ptr),
    sc!(mmap2, DESC | MEMORY, Hex; addr: Ptr, length: UInt, prot: Flags(&PROT_FLAGS), flags: Flags(&MAP_FLAGS), fd: Fd, pgoffset: Hex),
    sc!(socketcall, NET, Int; call: Int, args: Ptr),
    // The rest of a shared socket row is safe (see WHOLE_ROWS); the option
    // values can be structures with longs (timeval).
    sc!(setsockopt, NET, Int; sockfd: Fd, level: Enum(&SOCKET_LEVELS), optname: In(sockopt::optname), optval: Ptr, optlen: UInt),
    sc!(getsockopt, NET, Int; sockfd: Fd, level: Enum(&SOCKET_LEVELS), optname: In(sockopt::optname), optval: Ptr, optlen: Ptr),
    // 64-bit offsets and lengths come in two registers, low half first.
    sc!(pread64, DESC, Int; fd: Fd, buf: OutBuf(2), count: UInt, offset_low: UInt, offset_high: UInt),
    sc!(pwrite64, DESC, Int; fd: Fd, buf: InBuf(2), count: UInt, offset_low: UInt, offset_high: UInt),
    sc!(readahead, DESC, Int; fd: Fd, offset_low: UInt, offset_high: UInt, count: UInt),
    sc!(fadvise64, DESC, Int; fd: Fd, offset_low: UInt, offset_high: UInt, len: UInt, advice: Enum(&FADV_ADVICE)),
    sc!(fallocate, DESC, Int; fd: Fd, mode: Flags(&FALLOC_FLAGS), offset_low: UInt, offset_high: UInt, len_low: UInt, len_high: UInt),
    sc!(sync_file_range, DESC, Int; fd: Fd, offset_low: UInt, offset_high: UInt, nbytes_low: UInt, nbytes_high: UInt, flags: Hex),
    sc!(truncate64, FILE, Int; path: Path, length_low: UInt, length_high: UInt),
    sc!(ftruncate64, DESC, Int; fd: Fd, length_low: UInt, length_high: UInt),
    sc!(_llseek, DESC, Int; fd: Fd, offset: In(compat::llseek_offset), result: Out(compat::loff_out), whence: Enum(&SEEK_WHENCE)),
    sc!(fcntl64, DESC, Int; fd: Fd, cmd: Enum(&FCNTL_CMDS), arg: Hex),
    sc!(stat64, FILE, Int; pathname: Path, statbuf: Ptr),
    sc!(lstat64, FILE, Int; pathname: Path, statbuf: Ptr),
    sc!(fstat64, DESC, Int; fd: Fd, statbuf: Ptr),
    sc!(fstatat64, FILE | DESC, Int; dirfd: DirFd, pathname: Path, statbuf: Ptr, flags: Flags(&AT_FLAGS)),
    // The frame is the i386 one; its mask is not read.
    sc!(rt_sigreturn, SIGNAL, Int),
    sc!(sigreturn, SIGNAL, Int),
    sc!(waitpid, PROCESS, Int; pid: I32, wstatus: Ptr, options: Hex),
    sc!(set_thread_area, 0, Int; u_info: Ptr),
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

/// Shared rows whose decoders fit i386 as they are: registers, 32-bit
/// words, structures read with the arch's word size (iovec), and
/// structures with one layout for both ABIs (statx, pollfd,
/// the packed epoll_event, sigset, socklen_t, sockaddr, int pairs, utsname,
/// 64-bit time in the `_time64` calls).
static WHOLE_ROWS: &[&str] = &[
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

super::syscall_list!(syscalls, x86);

pub static I386: Arch = Arch {
    name: "i386",
    audit_arch: 0x4000_0003,
    word: 4,
    compat: None,
    arg_regs: ["ebx", "ecx", "edx", "esi", "edi", "ebp"],
    nr_reg: "orig_eax",
    ret_reg: "eax",
    syscalls,
    overrides: OVERRIDES,
    whole_rows: WHOLE_ROWS,
    // The generic values, as x86_64's.
    open_flags: &super::x86_64::OPEN_FLAGS,
    o_creat: 0o100,
    o_tmpfile: 0o20000000,
    // The old `struct stat` (stat/fstat/lstat); its rows show the pointer.
    stat: super::StatLayout {
        size: 64,
        mode: 8,
        rdev: 16,
        st_size: 20,
    },
    // u64 data at offset 4: i386 aligns it to 4 bytes.
    epoll_data_off: 4,
    // clone(flags, stack, parent_tid, tls, child_tid): CONFIG_CLONE_BACKWARDS.
    // _llseek(fd, offset_high, offset_low, result, whence): its row shows
    // one offset (both halves: compat::llseek_offset), then result.
    arg_order: &[
        ("clone", [1, 0, 2, 3, 4, 5]),
        ("_llseek", [0, 1, 3, 4, 2, 5]),
    ],
    // rt_sigreturn has no row argument here.
    sigframe_mask: 0,
};
