//! Flag and constant tables shared by every architecture (values from the
//! kernel's asm-generic and uapi headers, which x86_64 and aarch64 share for
//! these). Tables whose values differ per architecture live in `arch`.

use super::xlat::Xlat;

/// In strace's order (CLOEXEC first).
pub static SOCK_FLAGS: Xlat = Xlat::new(&[(0o2000000, "SOCK_CLOEXEC"), (0o4000, "SOCK_NONBLOCK")]);

/// `type` argument of socket(2): a type in the low bits plus flags.
pub static SOCK_TYPES: Xlat = Xlat::with_field(
    &[
        (1, "SOCK_STREAM"),
        (2, "SOCK_DGRAM"),
        (3, "SOCK_RAW"),
        (4, "SOCK_RDM"),
        (5, "SOCK_SEQPACKET"),
        (6, "SOCK_DCCP"),
        (10, "SOCK_PACKET"),
        (0o2000000, "SOCK_CLOEXEC"),
        (0o4000, "SOCK_NONBLOCK"),
    ],
    0xf,
);

pub static ADDRESS_FAMILIES: Xlat = Xlat::new(&[
    (0, "AF_UNSPEC"),
    (1, "AF_UNIX"),
    (2, "AF_INET"),
    (4, "AF_IPX"),
    (5, "AF_APPLETALK"),
    (9, "AF_X25"),
    (10, "AF_INET6"),
    (16, "AF_NETLINK"),
    (17, "AF_PACKET"),
    (38, "AF_ALG"),
    (40, "AF_VSOCK"),
    (44, "AF_XDP"),
]);

pub static MSG_FLAGS: Xlat = Xlat::new(&[
    (0x1, "MSG_OOB"),
    (0x2, "MSG_PEEK"),
    (0x4, "MSG_DONTROUTE"),
    (0x8, "MSG_CTRUNC"),
    (0x10, "MSG_PROXY"),
    (0x20, "MSG_TRUNC"),
    (0x40, "MSG_DONTWAIT"),
    (0x80, "MSG_EOR"),
    (0x100, "MSG_WAITALL"),
    (0x200, "MSG_FIN"),
    (0x400, "MSG_SYN"),
    (0x800, "MSG_CONFIRM"),
    (0x1000, "MSG_RST"),
    (0x2000, "MSG_ERRQUEUE"),
    (0x4000, "MSG_NOSIGNAL"),
    (0x8000, "MSG_MORE"),
    (0x10000, "MSG_WAITFORONE"),
    (0x20000, "MSG_BATCH"),
    (0x4000000, "MSG_ZEROCOPY"),
    (0x20000000, "MSG_FASTOPEN"),
    (0x40000000, "MSG_CMSG_CLOEXEC"),
]);

pub static PROT_FLAGS: Xlat = Xlat::new(&[
    (0, "PROT_NONE"),
    (0x1, "PROT_READ"),
    (0x2, "PROT_WRITE"),
    (0x4, "PROT_EXEC"),
    (0x10, "PROT_BTI"),
    (0x20, "PROT_MTE"),
    (0x01000000, "PROT_GROWSDOWN"),
    (0x02000000, "PROT_GROWSUP"),
]);

/// mmap flags: the sharing type in the low bits, then flags.
pub static MAP_FLAGS: Xlat = Xlat::with_field(
    &[
        (0x1, "MAP_SHARED"),
        (0x2, "MAP_PRIVATE"),
        (0x3, "MAP_SHARED_VALIDATE"),
        (0x10, "MAP_FIXED"),
        (0x20, "MAP_ANONYMOUS"),
        (0x100, "MAP_GROWSDOWN"),
        (0x800, "MAP_DENYWRITE"),
        (0x1000, "MAP_EXECUTABLE"),
        (0x2000, "MAP_LOCKED"),
        (0x4000, "MAP_NORESERVE"),
        (0x8000, "MAP_POPULATE"),
        (0x10000, "MAP_NONBLOCK"),
        (0x20000, "MAP_STACK"),
        (0x40000, "MAP_HUGETLB"),
        (0x80000, "MAP_SYNC"),
        (0x100000, "MAP_FIXED_NOREPLACE"),
        (0x4000000, "MAP_UNINITIALIZED"),
    ],
    0xf,
);

pub static SEEK_WHENCE: Xlat = Xlat::new(&[
    (0, "SEEK_SET"),
    (1, "SEEK_CUR"),
    (2, "SEEK_END"),
    (3, "SEEK_DATA"),
    (4, "SEEK_HOLE"),
]);

/// futex operations; `FUTEX_PRIVATE_FLAG` (128) and `FUTEX_CLOCK_REALTIME`
/// (256) are folded into the names as strace prints them.
pub static FUTEX_OPS: Xlat = Xlat::new(&[
    (0, "FUTEX_WAIT"),
    (1, "FUTEX_WAKE"),
    (2, "FUTEX_FD"),
    (3, "FUTEX_REQUEUE"),
    (4, "FUTEX_CMP_REQUEUE"),
    (5, "FUTEX_WAKE_OP"),
    (6, "FUTEX_LOCK_PI"),
    (7, "FUTEX_UNLOCK_PI"),
    (8, "FUTEX_TRYLOCK_PI"),
    (9, "FUTEX_WAIT_BITSET"),
    (10, "FUTEX_WAKE_BITSET"),
    (11, "FUTEX_WAIT_REQUEUE_PI"),
    (12, "FUTEX_CMP_REQUEUE_PI"),
    (13, "FUTEX_LOCK_PI2"),
    (128, "FUTEX_WAIT_PRIVATE"),
    (129, "FUTEX_WAKE_PRIVATE"),
    (131, "FUTEX_REQUEUE_PRIVATE"),
    (132, "FUTEX_CMP_REQUEUE_PRIVATE"),
    (133, "FUTEX_WAKE_OP_PRIVATE"),
    (134, "FUTEX_LOCK_PI_PRIVATE"),
    (135, "FUTEX_UNLOCK_PI_PRIVATE"),
    (136, "FUTEX_TRYLOCK_PI_PRIVATE"),
    (137, "FUTEX_WAIT_BITSET_PRIVATE"),
    (138, "FUTEX_WAKE_BITSET_PRIVATE"),
    (139, "FUTEX_WAIT_REQUEUE_PI_PRIVATE"),
    (140, "FUTEX_CMP_REQUEUE_PI_PRIVATE"),
    (141, "FUTEX_LOCK_PI2_PRIVATE"),
    (393, "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"),
    (265, "FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME"),
]);

/// clone's flags above the exit signal (the low byte), in strace's order.
/// CLONE_DETACHED (ignored by the kernel) is not named, as in strace.
pub static CLONE_FLAGS: Xlat = Xlat::new(&[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"),
    (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80000, "CLONE_SETTLS"),
    (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"),
    (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
]);

/// clone3's 64-bit flags: clone's, then those only clone3 takes (strace
/// prints the two tables in this order).
pub static CLONE3_FLAGS: Xlat = Xlat::new(&[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x1000, "CLONE_PIDFD"),
    (0x2000, "CLONE_PTRACE"),
    (0x4000, "CLONE_VFORK"),
    (0x8000, "CLONE_PARENT"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80000, "CLONE_SETTLS"),
    (0x100000, "CLONE_PARENT_SETTID"),
    (0x200000, "CLONE_CHILD_CLEARTID"),
    (0x800000, "CLONE_UNTRACED"),
    (0x1000000, "CLONE_CHILD_SETTID"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
    (0x80000000, "CLONE_IO"),
    (0x80, "CLONE_NEWTIME"),
    (0x1_0000_0000, "CLONE_CLEAR_SIGHAND"),
    (0x2_0000_0000, "CLONE_INTO_CGROUP"),
]);

/// Common ioctl requests (asm-generic numbering, shared by x86_64 and aarch64).
pub static IOCTL_REQUESTS: Xlat = Xlat::new(&[
    (0x5401, "TCGETS"),
    (0x5402, "SNDCTL_TMR_START or TCSETS"),
    (0x5403, "SNDCTL_TMR_STOP or TCSETSW"),
    (0x5404, "SNDCTL_TMR_CONTINUE or TCSETSF"),
    (0x5405, "TCGETA"),
    (0x5406, "TCSETA"),
    (0x5407, "TCSETAW"),
    (0x5408, "TCSETAF"),
    (0x5409, "TCSBRK"),
    (0x540a, "TCXONC"),
    (0x540b, "TCFLSH"),
    (0x540c, "TIOCEXCL"),
    (0x540d, "TIOCNXCL"),
    (0x540e, "TIOCSCTTY"),
    (0x540f, "TIOCGPGRP"),
    (0x5410, "TIOCSPGRP"),
    (0x5411, "TIOCOUTQ"),
    (0x5412, "TIOCSTI"),
    (0x5413, "TIOCGWINSZ"),
    (0x5414, "TIOCSWINSZ"),
    (0x5415, "TIOCMGET"),
    (0x5416, "TIOCMBIS"),
    (0x5417, "TIOCMBIC"),
    (0x5418, "TIOCMSET"),
    (0x5419, "TIOCGSOFTCAR"),
    (0x541a, "TIOCSSOFTCAR"),
    (0x541b, "FIONREAD"),
    (0x541c, "TIOCLINUX"),
    (0x541d, "TIOCCONS"),
    (0x5420, "TIOCPKT"),
    (0x5421, "FIONBIO"),
    (0x5422, "TIOCNOTTY"),
    (0x5423, "TIOCSETD"),
    (0x5424, "TIOCGETD"),
    (0x5425, "TCSBRKP"),
    (0x5427, "TIOCSBRK"),
    (0x5428, "TIOCCBRK"),
    (0x5429, "TIOCGSID"),
    (0x5437, "TIOCVHANGUP"),
    (0x5441, "TIOCGPTPEER"),
    (0x5450, "FIONCLEX"),
    (0x5451, "FIOCLEX"),
    (0x5452, "FIOASYNC"),
    (0x5456, "TIOCGLCKTRMIOS"),
    (0x5457, "TIOCSLCKTRMIOS"),
    (0x5460, "FIOQSIZE"),
    (0x80045432, "TIOCGDEV"),
    (0x80045440, "TIOCGEXCL"),
    (0x80045430, "TIOCGPTN"),
    (0x40049409, "BTRFS_IOC_CLONE or FICLONE"),
    (0x40045431, "TIOCSPTLCK"),
]);

/// Signal names by number (x86_64 and aarch64 share the generic numbering).
pub static SIGNALS: Xlat = Xlat::new(&[
    (1, "SIGHUP"),
    (2, "SIGINT"),
    (3, "SIGQUIT"),
    (4, "SIGILL"),
    (5, "SIGTRAP"),
    (6, "SIGABRT"),
    (7, "SIGBUS"),
    (8, "SIGFPE"),
    (9, "SIGKILL"),
    (10, "SIGUSR1"),
    (11, "SIGSEGV"),
    (12, "SIGUSR2"),
    (13, "SIGPIPE"),
    (14, "SIGALRM"),
    (15, "SIGTERM"),
    (16, "SIGSTKFLT"),
    (17, "SIGCHLD"),
    (18, "SIGCONT"),
    (19, "SIGSTOP"),
    (20, "SIGTSTP"),
    (21, "SIGTTIN"),
    (22, "SIGTTOU"),
    (23, "SIGURG"),
    (24, "SIGXCPU"),
    (25, "SIGXFSZ"),
    (26, "SIGVTALRM"),
    (27, "SIGPROF"),
    (28, "SIGWINCH"),
    (29, "SIGIO"),
    (30, "SIGPWR"),
    (31, "SIGSYS"),
]);

/// Name of a signal: `SIGTERM`, `SIGRT_3`, or the number.
pub fn signal_name(sig: u64, out: &mut String) {
    use std::fmt::Write;
    match SIGNALS.name(sig) {
        Some(n) => out.push_str(n),
        None if sig == 32 => out.push_str("SIGRTMIN"),
        None if (33..=64).contains(&sig) => {
            let _ = write!(out, "SIGRT_{}", sig - 32);
        }
        None => {
            let _ = write!(out, "{}", sig as i64);
        }
    }
}

// ---------------------------------------------------------------------------
// Tables for the full syscall table. Values from the kernel's uapi headers
// (asm-generic and linux/), identical on x86_64 and aarch64. Flags that are
// `O_*` values shared by both architectures (O_NONBLOCK 0o4000, O_CLOEXEC
// 0o2000000, O_EXCL 0o200) are spelled out; the `O_*` bits that differ
// (O_DIRECT, O_DIRECTORY, O_NOFOLLOW, O_LARGEFILE) are left to show as hex.

/// `*at` flags common to most calls that take one.
pub static AT_FLAGS: Xlat = Xlat::new(&[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x400, "AT_SYMLINK_FOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
]);

/// unlinkat(2) flags.
pub static UNLINKAT_FLAGS: Xlat = Xlat::new(&[(0x200, "AT_REMOVEDIR")]);

/// faccessat2(2) flags.
pub static FACCESSAT_FLAGS: Xlat = Xlat::new(&[
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x200, "AT_EACCESS"),
    (0x1000, "AT_EMPTY_PATH"),
]);

/// statx(2) flags: the sync type (bits 0x6000) is an enumerated field.
pub static STATX_FLAGS: Xlat = Xlat::with_field(
    &[
        (0, "AT_STATX_SYNC_AS_STAT"),
        (0x2000, "AT_STATX_FORCE_SYNC"),
        (0x4000, "AT_STATX_DONT_SYNC"),
        (0x100, "AT_SYMLINK_NOFOLLOW"),
        (0x800, "AT_NO_AUTOMOUNT"),
        (0x1000, "AT_EMPTY_PATH"),
    ],
    0x6000,
);

/// statx(2) mask.
pub static STATX_MASK: Xlat = Xlat::new(&[
    (0xfff, "STATX_ALL"),
    (0x7ff, "STATX_BASIC_STATS"),
    (0x1, "STATX_TYPE"),
    (0x2, "STATX_MODE"),
    (0x4, "STATX_NLINK"),
    (0x8, "STATX_UID"),
    (0x10, "STATX_GID"),
    (0x20, "STATX_ATIME"),
    (0x40, "STATX_MTIME"),
    (0x80, "STATX_CTIME"),
    (0x100, "STATX_INO"),
    (0x200, "STATX_SIZE"),
    (0x400, "STATX_BLOCKS"),
    (0x800, "STATX_BTIME"),
    (0x1000, "STATX_MNT_ID"),
    (0x2000, "STATX_DIOALIGN"),
    (0x4000, "STATX_MNT_ID_UNIQUE"),
    (0x8000, "STATX_SUBVOL"),
    (0x10000, "STATX_WRITE_ATOMIC"),
    (0x20000, "STATX_DIO_READ_ALIGN"),
]);

/// access(2) mode.
pub static ACCESS_MODES: Xlat = Xlat::new(&[(0, "F_OK"), (4, "R_OK"), (2, "W_OK"), (1, "X_OK")]);

/// fcntl(2) commands (64-bit numbering: no F_*LK64).
pub static FCNTL_CMDS: Xlat = Xlat::new(&[
    (0, "F_DUPFD"),
    (1, "F_GETFD"),
    (2, "F_SETFD"),
    (3, "F_GETFL"),
    (4, "F_SETFL"),
    (5, "F_GETLK"),
    (6, "F_SETLK"),
    (7, "F_SETLKW"),
    (8, "F_SETOWN"),
    (9, "F_GETOWN"),
    (10, "F_SETSIG"),
    (11, "F_GETSIG"),
    (15, "F_SETOWN_EX"),
    (16, "F_GETOWN_EX"),
    (17, "F_GETOWNER_UIDS"),
    (36, "F_OFD_GETLK"),
    (37, "F_OFD_SETLK"),
    (38, "F_OFD_SETLKW"),
    (1024, "F_SETLEASE"),
    (1025, "F_GETLEASE"),
    (1026, "F_NOTIFY"),
    (1027, "F_DUPFD_QUERY"),
    (1028, "F_CREATED_QUERY"),
    (1029, "F_CANCELLK"),
    (1030, "F_DUPFD_CLOEXEC"),
    (1031, "F_SETPIPE_SZ"),
    (1032, "F_GETPIPE_SZ"),
    (1033, "F_ADD_SEALS"),
    (1034, "F_GET_SEALS"),
    (1035, "F_GET_RW_HINT"),
    (1036, "F_SET_RW_HINT"),
    (1037, "F_GET_FILE_RW_HINT"),
    (1038, "F_SET_FILE_RW_HINT"),
]);

/// flock(2) operation.
pub static FLOCK_OPS: Xlat = Xlat::new(&[
    (1, "LOCK_SH"),
    (2, "LOCK_EX"),
    (4, "LOCK_NB"),
    (8, "LOCK_UN"),
]);

/// `O_CLOEXEC` alone (dup3, memfd_secret).
pub static CLOEXEC_FLAGS: Xlat = Xlat::new(&[(0o2000000, "O_CLOEXEC")]);

/// pipe2(2) flags (O_DIRECT differs between architectures: left as hex).
pub static PIPE_FLAGS: Xlat = Xlat::new(&[
    (0o200, "O_NOTIFICATION_PIPE"),
    (0o4000, "O_NONBLOCK"),
    (0o2000000, "O_CLOEXEC"),
]);

pub static EPOLL_CREATE_FLAGS: Xlat = Xlat::new(&[(0o2000000, "EPOLL_CLOEXEC")]);

pub static EPOLL_CTL_OPS: Xlat = Xlat::new(&[
    (1, "EPOLL_CTL_ADD"),
    (2, "EPOLL_CTL_DEL"),
    (3, "EPOLL_CTL_MOD"),
]);

pub static EFD_FLAGS: Xlat = Xlat::new(&[
    (1, "EFD_SEMAPHORE"),
    (0o4000, "EFD_NONBLOCK"),
    (0o2000000, "EFD_CLOEXEC"),
]);

/// timerfd_create(2) flags.
pub static TFD_FLAGS: Xlat = Xlat::new(&[(0o4000, "TFD_NONBLOCK"), (0o2000000, "TFD_CLOEXEC")]);

/// timerfd_settime(2) flags.
pub static TFD_TIMER_FLAGS: Xlat =
    Xlat::new(&[(1, "TFD_TIMER_ABSTIME"), (2, "TFD_TIMER_CANCEL_ON_SET")]);

/// signalfd(2) flags.
pub static SFD_FLAGS: Xlat = Xlat::new(&[(0o4000, "SFD_NONBLOCK"), (0o2000000, "SFD_CLOEXEC")]);

/// inotify_init1(2) flags.
pub static IN_INIT_FLAGS: Xlat = Xlat::new(&[(0o4000, "IN_NONBLOCK"), (0o2000000, "IN_CLOEXEC")]);

/// inotify_add_watch(2) mask.
pub static IN_MASK: Xlat = Xlat::new(&[
    (0x1, "IN_ACCESS"),
    (0x2, "IN_MODIFY"),
    (0x4, "IN_ATTRIB"),
    (0x8, "IN_CLOSE_WRITE"),
    (0x10, "IN_CLOSE_NOWRITE"),
    (0x20, "IN_OPEN"),
    (0x40, "IN_MOVED_FROM"),
    (0x80, "IN_MOVED_TO"),
    (0x100, "IN_CREATE"),
    (0x200, "IN_DELETE"),
    (0x400, "IN_DELETE_SELF"),
    (0x800, "IN_MOVE_SELF"),
    (0x2000, "IN_UNMOUNT"),
    (0x4000, "IN_Q_OVERFLOW"),
    (0x8000, "IN_IGNORED"),
    (0x01000000, "IN_ONLYDIR"),
    (0x02000000, "IN_DONT_FOLLOW"),
    (0x04000000, "IN_EXCL_UNLINK"),
    (0x10000000, "IN_MASK_CREATE"),
    (0x20000000, "IN_MASK_ADD"),
    (0x40000000, "IN_ISDIR"),
    (0x80000000, "IN_ONESHOT"),
]);

/// pidfd_open(2) flags.
pub static PIDFD_FLAGS: Xlat = Xlat::new(&[(0o200, "PIDFD_THREAD"), (0o4000, "PIDFD_NONBLOCK")]);

/// pidfd_send_signal(2) flags.
pub static PIDFD_SIGNAL_FLAGS: Xlat = Xlat::new(&[
    (1, "PIDFD_SIGNAL_THREAD"),
    (2, "PIDFD_SIGNAL_THREAD_GROUP"),
    (4, "PIDFD_SIGNAL_PROCESS_GROUP"),
]);

/// userfaultfd(2) flags.
pub static UFFD_FLAGS: Xlat = Xlat::new(&[
    (1, "UFFD_USER_MODE_ONLY"),
    (0o4000, "O_NONBLOCK"),
    (0o2000000, "O_CLOEXEC"),
]);

pub static MFD_FLAGS: Xlat = Xlat::new(&[
    (0x1, "MFD_CLOEXEC"),
    (0x2, "MFD_ALLOW_SEALING"),
    (0x4, "MFD_HUGETLB"),
    (0x8, "MFD_NOEXEC_SEAL"),
    (0x10, "MFD_EXEC"),
]);

pub static CLOSE_RANGE_FLAGS: Xlat =
    Xlat::new(&[(2, "CLOSE_RANGE_UNSHARE"), (4, "CLOSE_RANGE_CLOEXEC")]);

pub static RENAME_FLAGS: Xlat = Xlat::new(&[
    (1, "RENAME_NOREPLACE"),
    (2, "RENAME_EXCHANGE"),
    (4, "RENAME_WHITEOUT"),
]);

pub static FALLOC_FLAGS: Xlat = Xlat::new(&[
    (0x01, "FALLOC_FL_KEEP_SIZE"),
    (0x02, "FALLOC_FL_PUNCH_HOLE"),
    (0x04, "FALLOC_FL_NO_HIDE_STALE"),
    (0x08, "FALLOC_FL_COLLAPSE_RANGE"),
    (0x10, "FALLOC_FL_ZERO_RANGE"),
    (0x20, "FALLOC_FL_INSERT_RANGE"),
    (0x40, "FALLOC_FL_UNSHARE_RANGE"),
    (0x80, "FALLOC_FL_WRITE_ZEROES"),
]);

pub static FADV_ADVICE: Xlat = Xlat::new(&[
    (0, "POSIX_FADV_NORMAL"),
    (1, "POSIX_FADV_RANDOM"),
    (2, "POSIX_FADV_SEQUENTIAL"),
    (3, "POSIX_FADV_WILLNEED"),
    (4, "POSIX_FADV_DONTNEED"),
    (5, "POSIX_FADV_NOREUSE"),
]);

pub static SPLICE_FLAGS: Xlat = Xlat::new(&[
    (1, "SPLICE_F_MOVE"),
    (2, "SPLICE_F_NONBLOCK"),
    (4, "SPLICE_F_MORE"),
    (8, "SPLICE_F_GIFT"),
]);

/// preadv2/pwritev2 flags.
pub static RWF_FLAGS: Xlat = Xlat::new(&[
    (0x1, "RWF_HIPRI"),
    (0x2, "RWF_DSYNC"),
    (0x4, "RWF_SYNC"),
    (0x8, "RWF_NOWAIT"),
    (0x10, "RWF_APPEND"),
    (0x20, "RWF_NOAPPEND"),
    (0x40, "RWF_ATOMIC"),
    (0x80, "RWF_DONTCACHE"),
]);

pub static XATTR_FLAGS: Xlat = Xlat::new(&[(1, "XATTR_CREATE"), (2, "XATTR_REPLACE")]);

pub static GRND_FLAGS: Xlat = Xlat::new(&[
    (1, "GRND_NONBLOCK"),
    (2, "GRND_RANDOM"),
    (4, "GRND_INSECURE"),
]);

pub static MADV_ADVICE: Xlat = Xlat::new(&[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
    (102, "MADV_GUARD_INSTALL"),
    (103, "MADV_GUARD_REMOVE"),
]);

pub static MREMAP_FLAGS: Xlat = Xlat::new(&[
    (1, "MREMAP_MAYMOVE"),
    (2, "MREMAP_FIXED"),
    (4, "MREMAP_DONTUNMAP"),
]);

/// msync(2) flags.
pub static MSYNC_FLAGS: Xlat = Xlat::new(&[(1, "MS_ASYNC"), (2, "MS_INVALIDATE"), (4, "MS_SYNC")]);

/// mlock2(2) flags.
pub static MLOCK_FLAGS: Xlat = Xlat::new(&[(1, "MLOCK_ONFAULT")]);

/// mlockall(2) flags.
pub static MCL_FLAGS: Xlat =
    Xlat::new(&[(1, "MCL_CURRENT"), (2, "MCL_FUTURE"), (4, "MCL_ONFAULT")]);

pub static CLOCK_IDS: Xlat = Xlat::new(&[
    (0, "CLOCK_REALTIME"),
    (1, "CLOCK_MONOTONIC"),
    (2, "CLOCK_PROCESS_CPUTIME_ID"),
    (3, "CLOCK_THREAD_CPUTIME_ID"),
    (4, "CLOCK_MONOTONIC_RAW"),
    (5, "CLOCK_REALTIME_COARSE"),
    (6, "CLOCK_MONOTONIC_COARSE"),
    (7, "CLOCK_BOOTTIME"),
    (8, "CLOCK_REALTIME_ALARM"),
    (9, "CLOCK_BOOTTIME_ALARM"),
    (11, "CLOCK_TAI"),
]);

/// clock_nanosleep(2) and timer_settime(2) flags.
pub static TIMER_FLAGS: Xlat = Xlat::new(&[(1, "TIMER_ABSTIME")]);

pub static ITIMER_WHICH: Xlat = Xlat::new(&[
    (0, "ITIMER_REAL"),
    (1, "ITIMER_VIRTUAL"),
    (2, "ITIMER_PROF"),
]);

/// rt_sigprocmask(2) how.
pub static SIG_HOW: Xlat = Xlat::new(&[(0, "SIG_BLOCK"), (1, "SIG_UNBLOCK"), (2, "SIG_SETMASK")]);

/// wait4(2) and waitid(2) options.
pub static WAIT_OPTIONS: Xlat = Xlat::new(&[
    (0x1, "WNOHANG"),
    (0x2, "WUNTRACED"),
    (0x4, "WEXITED"),
    (0x8, "WCONTINUED"),
    (0x01000000, "WNOWAIT"),
    (0x20000000, "__WNOTHREAD"),
    (0x40000000, "__WALL"),
    (0x80000000, "__WCLONE"),
]);

/// waitid(2) idtype.
pub static IDTYPES: Xlat = Xlat::new(&[(0, "P_ALL"), (1, "P_PID"), (2, "P_PGID"), (3, "P_PIDFD")]);

pub static RLIMIT_RESOURCES: Xlat = Xlat::new(&[
    (0, "RLIMIT_CPU"),
    (1, "RLIMIT_FSIZE"),
    (2, "RLIMIT_DATA"),
    (3, "RLIMIT_STACK"),
    (4, "RLIMIT_CORE"),
    (5, "RLIMIT_RSS"),
    (6, "RLIMIT_NPROC"),
    (7, "RLIMIT_NOFILE"),
    (8, "RLIMIT_MEMLOCK"),
    (9, "RLIMIT_AS"),
    (10, "RLIMIT_LOCKS"),
    (11, "RLIMIT_SIGPENDING"),
    (12, "RLIMIT_MSGQUEUE"),
    (13, "RLIMIT_NICE"),
    (14, "RLIMIT_RTPRIO"),
    (15, "RLIMIT_RTTIME"),
]);

/// getpriority(2)/setpriority(2) which.
pub static PRIO_WHICH: Xlat = Xlat::new(&[(0, "PRIO_PROCESS"), (1, "PRIO_PGRP"), (2, "PRIO_USER")]);

pub static SCHED_POLICIES: Xlat = Xlat::new(&[
    (0, "SCHED_OTHER"),
    (1, "SCHED_FIFO"),
    (2, "SCHED_RR"),
    (3, "SCHED_BATCH"),
    (5, "SCHED_IDLE"),
    (6, "SCHED_DEADLINE"),
    (7, "SCHED_EXT"),
]);

/// shutdown(2) how.
pub static SHUT_HOW: Xlat = Xlat::new(&[(0, "SHUT_RD"), (1, "SHUT_WR"), (2, "SHUT_RDWR")]);

/// getsockopt(2)/setsockopt(2) level.
pub static SOCKET_LEVELS: Xlat = Xlat::new(&[
    (0, "SOL_IP"),
    (1, "SOL_SOCKET"),
    (6, "SOL_TCP"),
    (17, "SOL_UDP"),
    (41, "SOL_IPV6"),
    (58, "SOL_ICMPV6"),
    (132, "SOL_SCTP"),
    (136, "SOL_UDPLITE"),
    (255, "SOL_RAW"),
    (263, "SOL_PACKET"),
    (270, "SOL_NETLINK"),
    (274, "SOL_BLUETOOTH"),
    (279, "SOL_ALG"),
    (282, "SOL_TLS"),
    (283, "SOL_XDP"),
    (284, "SOL_MPTCP"),
    (287, "SOL_VSOCK"),
]);

/// Namespace flags of unshare(2) and setns(2) (CLONE_* without the exit
/// signal field).
pub static UNSHARE_FLAGS: Xlat = Xlat::new(&[
    (0x100, "CLONE_VM"),
    (0x200, "CLONE_FS"),
    (0x400, "CLONE_FILES"),
    (0x800, "CLONE_SIGHAND"),
    (0x10000, "CLONE_THREAD"),
    (0x20000, "CLONE_NEWNS"),
    (0x40000, "CLONE_SYSVSEM"),
    (0x80, "CLONE_NEWTIME"),
    (0x2000000, "CLONE_NEWCGROUP"),
    (0x4000000, "CLONE_NEWUTS"),
    (0x8000000, "CLONE_NEWIPC"),
    (0x10000000, "CLONE_NEWUSER"),
    (0x20000000, "CLONE_NEWPID"),
    (0x40000000, "CLONE_NEWNET"),
]);

pub static PRCTL_OPTIONS: Xlat = Xlat::new(&[
    (1, "PR_SET_PDEATHSIG"),
    (2, "PR_GET_PDEATHSIG"),
    (3, "PR_GET_DUMPABLE"),
    (4, "PR_SET_DUMPABLE"),
    (5, "PR_GET_UNALIGN"),
    (6, "PR_SET_UNALIGN"),
    (7, "PR_GET_KEEPCAPS"),
    (8, "PR_SET_KEEPCAPS"),
    (9, "PR_GET_FPEMU"),
    (10, "PR_SET_FPEMU"),
    (11, "PR_GET_FPEXC"),
    (12, "PR_SET_FPEXC"),
    (13, "PR_GET_TIMING"),
    (14, "PR_SET_TIMING"),
    (15, "PR_SET_NAME"),
    (16, "PR_GET_NAME"),
    (19, "PR_GET_ENDIAN"),
    (20, "PR_SET_ENDIAN"),
    (21, "PR_GET_SECCOMP"),
    (22, "PR_SET_SECCOMP"),
    (23, "PR_CAPBSET_READ"),
    (24, "PR_CAPBSET_DROP"),
    (25, "PR_GET_TSC"),
    (26, "PR_SET_TSC"),
    (27, "PR_GET_SECUREBITS"),
    (28, "PR_SET_SECUREBITS"),
    (29, "PR_SET_TIMERSLACK"),
    (30, "PR_GET_TIMERSLACK"),
    (31, "PR_TASK_PERF_EVENTS_DISABLE"),
    (32, "PR_TASK_PERF_EVENTS_ENABLE"),
    (33, "PR_MCE_KILL"),
    (34, "PR_MCE_KILL_GET"),
    (35, "PR_SET_MM"),
    (36, "PR_SET_CHILD_SUBREAPER"),
    (37, "PR_GET_CHILD_SUBREAPER"),
    (38, "PR_SET_NO_NEW_PRIVS"),
    (39, "PR_GET_NO_NEW_PRIVS"),
    (40, "PR_GET_TID_ADDRESS"),
    (41, "PR_SET_THP_DISABLE"),
    (42, "PR_GET_THP_DISABLE"),
    (43, "PR_MPX_ENABLE_MANAGEMENT"),
    (44, "PR_MPX_DISABLE_MANAGEMENT"),
    (45, "PR_SET_FP_MODE"),
    (46, "PR_GET_FP_MODE"),
    (47, "PR_CAP_AMBIENT"),
    (50, "PR_SVE_SET_VL"),
    (51, "PR_SVE_GET_VL"),
    (52, "PR_GET_SPECULATION_CTRL"),
    (53, "PR_SET_SPECULATION_CTRL"),
    (54, "PR_PAC_RESET_KEYS"),
    (55, "PR_SET_TAGGED_ADDR_CTRL"),
    (56, "PR_GET_TAGGED_ADDR_CTRL"),
    (57, "PR_SET_IO_FLUSHER"),
    (58, "PR_GET_IO_FLUSHER"),
    (59, "PR_SET_SYSCALL_USER_DISPATCH"),
    (60, "PR_PAC_SET_ENABLED_KEYS"),
    (61, "PR_PAC_GET_ENABLED_KEYS"),
    (62, "PR_SCHED_CORE"),
    (63, "PR_SME_SET_VL"),
    (64, "PR_SME_GET_VL"),
    (65, "PR_SET_MDWE"),
    (66, "PR_GET_MDWE"),
    (67, "PR_SET_MEMORY_MERGE"),
    (68, "PR_GET_MEMORY_MERGE"),
    (0x41555856, "PR_GET_AUXV"),
    (0x53564d41, "PR_SET_VMA"),
    (0x59616d61, "PR_SET_PTRACER"),
]);

/// Capability numbers (linux/capability.h).
pub static CAPABILITIES: Xlat = Xlat::new(&[
    (0, "CAP_CHOWN"),
    (1, "CAP_DAC_OVERRIDE"),
    (2, "CAP_DAC_READ_SEARCH"),
    (3, "CAP_FOWNER"),
    (4, "CAP_FSETID"),
    (5, "CAP_KILL"),
    (6, "CAP_SETGID"),
    (7, "CAP_SETUID"),
    (8, "CAP_SETPCAP"),
    (9, "CAP_LINUX_IMMUTABLE"),
    (10, "CAP_NET_BIND_SERVICE"),
    (11, "CAP_NET_BROADCAST"),
    (12, "CAP_NET_ADMIN"),
    (13, "CAP_NET_RAW"),
    (14, "CAP_IPC_LOCK"),
    (15, "CAP_IPC_OWNER"),
    (16, "CAP_SYS_MODULE"),
    (17, "CAP_SYS_RAWIO"),
    (18, "CAP_SYS_CHROOT"),
    (19, "CAP_SYS_PTRACE"),
    (20, "CAP_SYS_PACCT"),
    (21, "CAP_SYS_ADMIN"),
    (22, "CAP_SYS_BOOT"),
    (23, "CAP_SYS_NICE"),
    (24, "CAP_SYS_RESOURCE"),
    (25, "CAP_SYS_TIME"),
    (26, "CAP_SYS_TTY_CONFIG"),
    (27, "CAP_MKNOD"),
    (28, "CAP_LEASE"),
    (29, "CAP_AUDIT_WRITE"),
    (30, "CAP_AUDIT_CONTROL"),
    (31, "CAP_SETFCAP"),
    (32, "CAP_MAC_OVERRIDE"),
    (33, "CAP_MAC_ADMIN"),
    (34, "CAP_SYSLOG"),
    (35, "CAP_WAKE_ALARM"),
    (36, "CAP_BLOCK_SUSPEND"),
    (37, "CAP_AUDIT_READ"),
    (38, "CAP_PERFMON"),
    (39, "CAP_BPF"),
    (40, "CAP_CHECKPOINT_RESTORE"),
]);

/// prctl PR_SET_DUMPABLE's argument and PR_GET_DUMPABLE's result.
pub static PR_DUMPABLE: Xlat = Xlat::new(&[
    (0, "SUID_DUMP_DISABLE"),
    (1, "SUID_DUMP_USER"),
    (2, "SUID_DUMP_ROOT"),
]);

/// prctl PR_SET_SECCOMP's mode.
pub static SECCOMP_MODES: Xlat = Xlat::new(&[
    (0, "SECCOMP_MODE_DISABLED"),
    (1, "SECCOMP_MODE_STRICT"),
    (2, "SECCOMP_MODE_FILTER"),
]);

pub static PR_CAP_AMBIENT: Xlat = Xlat::new(&[
    (1, "PR_CAP_AMBIENT_IS_SET"),
    (2, "PR_CAP_AMBIENT_RAISE"),
    (3, "PR_CAP_AMBIENT_LOWER"),
    (4, "PR_CAP_AMBIENT_CLEAR_ALL"),
]);

pub static PR_SET_VMA: Xlat = Xlat::new(&[(0, "PR_SET_VMA_ANON_NAME")]);

pub static PR_TSC: Xlat = Xlat::new(&[(1, "PR_TSC_ENABLE"), (2, "PR_TSC_SIGSEGV")]);

pub static PR_UNALIGN: Xlat = Xlat::new(&[(1, "PR_UNALIGN_NOPRINT"), (2, "PR_UNALIGN_SIGBUS")]);

/// prctl PR_SET_SECUREBITS (linux/securebits.h).
pub static SECBITS: Xlat = Xlat::new(&[
    (0x1, "SECBIT_NOROOT"),
    (0x2, "SECBIT_NOROOT_LOCKED"),
    (0x4, "SECBIT_NO_SETUID_FIXUP"),
    (0x8, "SECBIT_NO_SETUID_FIXUP_LOCKED"),
    (0x10, "SECBIT_KEEP_CAPS"),
    (0x20, "SECBIT_KEEP_CAPS_LOCKED"),
    (0x40, "SECBIT_NO_CAP_AMBIENT_RAISE"),
    (0x80, "SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED"),
    (0x100, "SECBIT_EXEC_RESTRICT_FILE"),
    (0x200, "SECBIT_EXEC_RESTRICT_FILE_LOCKED"),
    (0x400, "SECBIT_EXEC_DENY_INTERACTIVE"),
    (0x800, "SECBIT_EXEC_DENY_INTERACTIVE_LOCKED"),
]);

pub static PR_MCE_KILL: Xlat = Xlat::new(&[(0, "PR_MCE_KILL_CLEAR"), (1, "PR_MCE_KILL_SET")]);

pub static PR_MCE_KILL_POLICY: Xlat = Xlat::new(&[
    (0, "PR_MCE_KILL_LATE"),
    (1, "PR_MCE_KILL_EARLY"),
    (2, "PR_MCE_KILL_DEFAULT"),
]);

pub static PR_SET_MM: Xlat = Xlat::new(&[
    (1, "PR_SET_MM_START_CODE"),
    (2, "PR_SET_MM_END_CODE"),
    (3, "PR_SET_MM_START_DATA"),
    (4, "PR_SET_MM_END_DATA"),
    (5, "PR_SET_MM_START_STACK"),
    (6, "PR_SET_MM_START_BRK"),
    (7, "PR_SET_MM_BRK"),
    (8, "PR_SET_MM_ARG_START"),
    (9, "PR_SET_MM_ARG_END"),
    (10, "PR_SET_MM_ENV_START"),
    (11, "PR_SET_MM_ENV_END"),
    (12, "PR_SET_MM_AUXV"),
    (13, "PR_SET_MM_EXE_FILE"),
    (14, "PR_SET_MM_MAP"),
    (15, "PR_SET_MM_MAP_SIZE"),
]);

pub static PR_SPEC_CMDS: Xlat = Xlat::new(&[
    (0, "PR_SPEC_STORE_BYPASS"),
    (1, "PR_SPEC_INDIRECT_BRANCH"),
    (2, "PR_SPEC_L1D_FLUSH"),
]);

/// PR_SET_SPECULATION_CTRL's value (one of them).
pub static PR_SPEC_SET: Xlat = Xlat::new(&[
    (2, "PR_SPEC_ENABLE"),
    (4, "PR_SPEC_DISABLE"),
    (8, "PR_SPEC_FORCE_DISABLE"),
    (16, "PR_SPEC_DISABLE_NOEXEC"),
]);

/// PR_GET_SPECULATION_CTRL's result bits.
pub static PR_SPEC_GET: Xlat = Xlat::new(&[
    (1, "PR_SPEC_PRCTL"),
    (2, "PR_SPEC_ENABLE"),
    (4, "PR_SPEC_DISABLE"),
    (8, "PR_SPEC_FORCE_DISABLE"),
    (16, "PR_SPEC_DISABLE_NOEXEC"),
]);

/// arch_prctl(2) codes (x86_64 only).
pub static ARCH_PRCTL_CODES: Xlat = Xlat::new(&[
    (0x1001, "ARCH_SET_GS"),
    (0x1002, "ARCH_SET_FS"),
    (0x1003, "ARCH_GET_FS"),
    (0x1004, "ARCH_GET_GS"),
    (0x1011, "ARCH_GET_CPUID"),
    (0x1012, "ARCH_SET_CPUID"),
    (0x1021, "ARCH_GET_XCOMP_SUPP"),
    (0x1022, "ARCH_GET_XCOMP_PERM"),
    (0x1023, "ARCH_REQ_XCOMP_PERM"),
    (0x1024, "ARCH_GET_XCOMP_GUEST_PERM"),
    (0x1025, "ARCH_REQ_XCOMP_GUEST_PERM"),
    (0x2001, "ARCH_MAP_VDSO_X32"),
    (0x2002, "ARCH_MAP_VDSO_32"),
    (0x2003, "ARCH_MAP_VDSO_64"),
    (0x4001, "ARCH_GET_UNTAG_MASK"),
    (0x4002, "ARCH_ENABLE_TAGGED_ADDR"),
    (0x4003, "ARCH_GET_MAX_TAG_BITS"),
    (0x4004, "ARCH_FORCE_TAGGED_SVA"),
    (0x5001, "ARCH_SHSTK_ENABLE"),
    (0x5002, "ARCH_SHSTK_DISABLE"),
    (0x5003, "ARCH_SHSTK_LOCK"),
    (0x5004, "ARCH_SHSTK_UNLOCK"),
    (0x5005, "ARCH_SHSTK_STATUS"),
]);

/// ptrace(2) requests common to x86_64 and aarch64 (the arch-specific
/// ones, e.g. PTRACE_GETREGS, show as numbers).
pub static PTRACE_REQUESTS: Xlat = Xlat::new(&[
    (0, "PTRACE_TRACEME"),
    (1, "PTRACE_PEEKTEXT"),
    (2, "PTRACE_PEEKDATA"),
    (3, "PTRACE_PEEKUSER"),
    (4, "PTRACE_POKETEXT"),
    (5, "PTRACE_POKEDATA"),
    (6, "PTRACE_POKEUSER"),
    (7, "PTRACE_CONT"),
    (8, "PTRACE_KILL"),
    (9, "PTRACE_SINGLESTEP"),
    (16, "PTRACE_ATTACH"),
    (17, "PTRACE_DETACH"),
    (24, "PTRACE_SYSCALL"),
    (0x4200, "PTRACE_SETOPTIONS"),
    (0x4201, "PTRACE_GETEVENTMSG"),
    (0x4202, "PTRACE_GETSIGINFO"),
    (0x4203, "PTRACE_SETSIGINFO"),
    (0x4204, "PTRACE_GETREGSET"),
    (0x4205, "PTRACE_SETREGSET"),
    (0x4206, "PTRACE_SEIZE"),
    (0x4207, "PTRACE_INTERRUPT"),
    (0x4208, "PTRACE_LISTEN"),
    (0x4209, "PTRACE_PEEKSIGINFO"),
    (0x420a, "PTRACE_GETSIGMASK"),
    (0x420b, "PTRACE_SETSIGMASK"),
    (0x420c, "PTRACE_SECCOMP_GET_FILTER"),
    (0x420d, "PTRACE_SECCOMP_GET_METADATA"),
    (0x420e, "PTRACE_GET_SYSCALL_INFO"),
    (0x420f, "PTRACE_GET_RSEQ_CONFIGURATION"),
    (0x4210, "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG"),
    (0x4211, "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG"),
]);

pub static SECCOMP_OPS: Xlat = Xlat::new(&[
    (0, "SECCOMP_SET_MODE_STRICT"),
    (1, "SECCOMP_SET_MODE_FILTER"),
    (2, "SECCOMP_GET_ACTION_AVAIL"),
    (3, "SECCOMP_GET_NOTIF_SIZES"),
]);

pub static SECCOMP_FILTER_FLAGS: Xlat = Xlat::new(&[
    (0x1, "SECCOMP_FILTER_FLAG_TSYNC"),
    (0x2, "SECCOMP_FILTER_FLAG_LOG"),
    (0x4, "SECCOMP_FILTER_FLAG_SPEC_ALLOW"),
    (0x8, "SECCOMP_FILTER_FLAG_NEW_LISTENER"),
    (0x10, "SECCOMP_FILTER_FLAG_TSYNC_ESRCH"),
    (0x20, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
]);

pub static BPF_CMDS: Xlat = Xlat::new(&[
    (0, "BPF_MAP_CREATE"),
    (1, "BPF_MAP_LOOKUP_ELEM"),
    (2, "BPF_MAP_UPDATE_ELEM"),
    (3, "BPF_MAP_DELETE_ELEM"),
    (4, "BPF_MAP_GET_NEXT_KEY"),
    (5, "BPF_PROG_LOAD"),
    (6, "BPF_OBJ_PIN"),
    (7, "BPF_OBJ_GET"),
    (8, "BPF_PROG_ATTACH"),
    (9, "BPF_PROG_DETACH"),
    (10, "BPF_PROG_TEST_RUN"),
    (11, "BPF_PROG_GET_NEXT_ID"),
    (12, "BPF_MAP_GET_NEXT_ID"),
    (13, "BPF_PROG_GET_FD_BY_ID"),
    (14, "BPF_MAP_GET_FD_BY_ID"),
    (15, "BPF_OBJ_GET_INFO_BY_FD"),
    (16, "BPF_PROG_QUERY"),
    (17, "BPF_RAW_TRACEPOINT_OPEN"),
    (18, "BPF_BTF_LOAD"),
    (19, "BPF_BTF_GET_FD_BY_ID"),
    (20, "BPF_TASK_FD_QUERY"),
    (21, "BPF_MAP_LOOKUP_AND_DELETE_ELEM"),
    (22, "BPF_MAP_FREEZE"),
    (23, "BPF_BTF_GET_NEXT_ID"),
    (24, "BPF_MAP_LOOKUP_BATCH"),
    (25, "BPF_MAP_LOOKUP_AND_DELETE_BATCH"),
    (26, "BPF_MAP_UPDATE_BATCH"),
    (27, "BPF_MAP_DELETE_BATCH"),
    (28, "BPF_LINK_CREATE"),
    (29, "BPF_LINK_UPDATE"),
    (30, "BPF_LINK_GET_FD_BY_ID"),
    (31, "BPF_LINK_GET_NEXT_ID"),
    (32, "BPF_ENABLE_STATS"),
    (33, "BPF_ITER_CREATE"),
    (34, "BPF_LINK_DETACH"),
    (35, "BPF_PROG_BIND_MAP"),
    (36, "BPF_TOKEN_CREATE"),
]);

pub static PERF_FLAGS: Xlat = Xlat::new(&[
    (1, "PERF_FLAG_FD_NO_GROUP"),
    (2, "PERF_FLAG_FD_OUTPUT"),
    (4, "PERF_FLAG_PID_CGROUP"),
    (8, "PERF_FLAG_FD_CLOEXEC"),
]);

/// mount(2) mountflags; the magic `MS_MGC_VAL` in the high half is named.
pub static MOUNT_FLAGS: Xlat = Xlat::new(&[
    (0xc0ed0000, "MS_MGC_VAL"),
    (0x1, "MS_RDONLY"),
    (0x2, "MS_NOSUID"),
    (0x4, "MS_NODEV"),
    (0x8, "MS_NOEXEC"),
    (0x10, "MS_SYNCHRONOUS"),
    (0x20, "MS_REMOUNT"),
    (0x40, "MS_MANDLOCK"),
    (0x80, "MS_DIRSYNC"),
    (0x100, "MS_NOSYMFOLLOW"),
    (0x400, "MS_NOATIME"),
    (0x800, "MS_NODIRATIME"),
    (0x1000, "MS_BIND"),
    (0x2000, "MS_MOVE"),
    (0x4000, "MS_REC"),
    (0x8000, "MS_SILENT"),
    (0x10000, "MS_POSIXACL"),
    (0x20000, "MS_UNBINDABLE"),
    (0x40000, "MS_PRIVATE"),
    (0x80000, "MS_SLAVE"),
    (0x100000, "MS_SHARED"),
    (0x200000, "MS_RELATIME"),
    (0x400000, "MS_KERNMOUNT"),
    (0x800000, "MS_I_VERSION"),
    (0x1000000, "MS_STRICTATIME"),
    (0x2000000, "MS_LAZYTIME"),
]);

/// umount2(2) flags.
pub static UMOUNT_FLAGS: Xlat = Xlat::new(&[
    (1, "MNT_FORCE"),
    (2, "MNT_DETACH"),
    (4, "MNT_EXPIRE"),
    (8, "UMOUNT_NOFOLLOW"),
]);

/// open_tree(2) flags: OPEN_TREE_CLONE, OPEN_TREE_CLOEXEC and AT_* flags.
pub static OPEN_TREE_FLAGS: Xlat = Xlat::new(&[
    (1, "OPEN_TREE_CLONE"),
    (0o2000000, "OPEN_TREE_CLOEXEC"),
    (0x100, "AT_SYMLINK_NOFOLLOW"),
    (0x800, "AT_NO_AUTOMOUNT"),
    (0x1000, "AT_EMPTY_PATH"),
    (0x8000, "AT_RECURSIVE"),
]);

pub static MOVE_MOUNT_FLAGS: Xlat = Xlat::new(&[
    (0x1, "MOVE_MOUNT_F_SYMLINKS"),
    (0x2, "MOVE_MOUNT_F_AUTOMOUNTS"),
    (0x4, "MOVE_MOUNT_F_EMPTY_PATH"),
    (0x10, "MOVE_MOUNT_T_SYMLINKS"),
    (0x20, "MOVE_MOUNT_T_AUTOMOUNTS"),
    (0x40, "MOVE_MOUNT_T_EMPTY_PATH"),
    (0x100, "MOVE_MOUNT_SET_GROUP"),
    (0x200, "MOVE_MOUNT_BENEATH"),
]);

pub static FSOPEN_FLAGS: Xlat = Xlat::new(&[(1, "FSOPEN_CLOEXEC")]);

pub static FSPICK_FLAGS: Xlat = Xlat::new(&[
    (1, "FSPICK_CLOEXEC"),
    (2, "FSPICK_SYMLINK_NOFOLLOW"),
    (4, "FSPICK_NO_AUTOMOUNT"),
    (8, "FSPICK_EMPTY_PATH"),
]);

pub static FSMOUNT_FLAGS: Xlat = Xlat::new(&[(1, "FSMOUNT_CLOEXEC")]);

/// fsmount(2) attr_flags: the atime setting (0x70) is an enumerated field.
pub static MOUNT_ATTR_FLAGS: Xlat = Xlat::with_field(
    &[
        (0, "MOUNT_ATTR_RELATIME"),
        (0x10, "MOUNT_ATTR_NOATIME"),
        (0x20, "MOUNT_ATTR_STRICTATIME"),
        (0x1, "MOUNT_ATTR_RDONLY"),
        (0x2, "MOUNT_ATTR_NOSUID"),
        (0x4, "MOUNT_ATTR_NODEV"),
        (0x8, "MOUNT_ATTR_NOEXEC"),
        (0x80, "MOUNT_ATTR_NODIRATIME"),
        (0x100000, "MOUNT_ATTR_IDMAP"),
        (0x200000, "MOUNT_ATTR_NOSYMFOLLOW"),
    ],
    0x70,
);

pub static FSCONFIG_CMDS: Xlat = Xlat::new(&[
    (0, "FSCONFIG_SET_FLAG"),
    (1, "FSCONFIG_SET_STRING"),
    (2, "FSCONFIG_SET_BINARY"),
    (3, "FSCONFIG_SET_PATH"),
    (4, "FSCONFIG_SET_PATH_EMPTY"),
    (5, "FSCONFIG_SET_FD"),
    (6, "FSCONFIG_CMD_CREATE"),
    (7, "FSCONFIG_CMD_RECONFIGURE"),
    (8, "FSCONFIG_CMD_CREATE_EXCL"),
]);

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(x: &Xlat, v: u64) -> String {
        let mut s = String::new();
        x.format_flags(v, &mut s);
        s
    }

    fn enum_(x: &Xlat, v: u64) -> String {
        let mut s = String::new();
        x.format_enum(v, &mut s);
        s
    }

    #[test]
    fn statx_sync_type_is_a_field() {
        assert_eq!(flags(&STATX_FLAGS, 0), "AT_STATX_SYNC_AS_STAT");
        assert_eq!(
            flags(&STATX_FLAGS, 0x1100),
            "AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"
        );
        assert_eq!(flags(&STATX_FLAGS, 0x4000), "AT_STATX_DONT_SYNC");
        assert_eq!(flags(&STATX_MASK, 0xfff), "STATX_ALL");
        assert_eq!(flags(&STATX_MASK, 0x17ff), "STATX_BASIC_STATS|STATX_MNT_ID");
        assert_eq!(flags(&STATX_MASK, 0x3), "STATX_TYPE|STATX_MODE");
    }

    #[test]
    fn mount_attr_atime_is_a_field() {
        assert_eq!(flags(&MOUNT_ATTR_FLAGS, 0), "MOUNT_ATTR_RELATIME");
        assert_eq!(
            flags(&MOUNT_ATTR_FLAGS, 0x11),
            "MOUNT_ATTR_NOATIME|MOUNT_ATTR_RDONLY"
        );
    }

    #[test]
    fn zero_values_and_unknown_bits() {
        assert_eq!(flags(&ACCESS_MODES, 0), "F_OK");
        assert_eq!(flags(&ACCESS_MODES, 6), "R_OK|W_OK");
        assert_eq!(flags(&AT_FLAGS, 0), "0");
        assert_eq!(
            flags(&AT_FLAGS, 0x1100),
            "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"
        );
        // O_DIRECT differs between architectures: it stays a number.
        assert_eq!(flags(&PIPE_FLAGS, 0o2004000), "O_NONBLOCK|O_CLOEXEC");
        assert_eq!(flags(&PIPE_FLAGS, 0o2040000), "O_CLOEXEC|0x4000");
        assert_eq!(flags(&MOUNT_FLAGS, 0xc0ed_1000), "MS_MGC_VAL|MS_BIND");
    }

    #[test]
    fn enums() {
        assert_eq!(enum_(&FCNTL_CMDS, 1030), "F_DUPFD_CLOEXEC");
        assert_eq!(enum_(&EPOLL_CTL_OPS, 1), "EPOLL_CTL_ADD");
        assert_eq!(enum_(&CLOCK_IDS, 1), "CLOCK_MONOTONIC");
        assert_eq!(enum_(&PRCTL_OPTIONS, 15), "PR_SET_NAME");
        assert_eq!(enum_(&SIG_HOW, 2), "SIG_SETMASK");
        assert_eq!(enum_(&RLIMIT_RESOURCES, 7), "RLIMIT_NOFILE");
        assert_eq!(enum_(&PTRACE_REQUESTS, 0x4206), "PTRACE_SEIZE");
        assert_eq!(enum_(&MADV_ADVICE, 4), "MADV_DONTNEED");
        assert_eq!(enum_(&BPF_CMDS, 5), "BPF_PROG_LOAD");
    }

    #[test]
    fn enum_tables_have_unique_values_and_names() {
        for (name, t) in [
            ("ACCESS_MODES", &ACCESS_MODES),
            ("FCNTL_CMDS", &FCNTL_CMDS),
            ("EPOLL_CTL_OPS", &EPOLL_CTL_OPS),
            ("FADV_ADVICE", &FADV_ADVICE),
            ("MADV_ADVICE", &MADV_ADVICE),
            ("CLOCK_IDS", &CLOCK_IDS),
            ("ITIMER_WHICH", &ITIMER_WHICH),
            ("SIG_HOW", &SIG_HOW),
            ("IDTYPES", &IDTYPES),
            ("RLIMIT_RESOURCES", &RLIMIT_RESOURCES),
            ("PRIO_WHICH", &PRIO_WHICH),
            ("SCHED_POLICIES", &SCHED_POLICIES),
            ("SHUT_HOW", &SHUT_HOW),
            ("SOCKET_LEVELS", &SOCKET_LEVELS),
            ("PRCTL_OPTIONS", &PRCTL_OPTIONS),
            ("ARCH_PRCTL_CODES", &ARCH_PRCTL_CODES),
            ("PTRACE_REQUESTS", &PTRACE_REQUESTS),
            ("SECCOMP_OPS", &SECCOMP_OPS),
            ("BPF_CMDS", &BPF_CMDS),
            ("FSCONFIG_CMDS", &FSCONFIG_CMDS),
            ("CAPABILITIES", &CAPABILITIES),
            ("PR_SET_MM", &PR_SET_MM),
        ] {
            for (i, (v, n)) in t.items.iter().enumerate() {
                for (w, m) in &t.items[..i] {
                    assert!(v != w && n != m, "{name}: {n} / {m}");
                }
            }
        }
    }

    /// Single-bit tables (not MOUNT_FLAGS, whose MS_MGC_VAL is a multi-bit
    /// magic listed first, nor STATX_MASK with STATX_BASIC_STATS).
    #[test]
    fn flag_tables_have_distinct_bits() {
        for (name, t) in [
            ("AT_FLAGS", &AT_FLAGS),
            ("FACCESSAT_FLAGS", &FACCESSAT_FLAGS),
            ("PIPE_FLAGS", &PIPE_FLAGS),
            ("EFD_FLAGS", &EFD_FLAGS),
            ("IN_MASK", &IN_MASK),
            ("UFFD_FLAGS", &UFFD_FLAGS),
            ("MFD_FLAGS", &MFD_FLAGS),
            ("FALLOC_FLAGS", &FALLOC_FLAGS),
            ("SPLICE_FLAGS", &SPLICE_FLAGS),
            ("RWF_FLAGS", &RWF_FLAGS),
            ("WAIT_OPTIONS", &WAIT_OPTIONS),
            ("UNSHARE_FLAGS", &UNSHARE_FLAGS),
            ("OPEN_TREE_FLAGS", &OPEN_TREE_FLAGS),
            ("MOVE_MOUNT_FLAGS", &MOVE_MOUNT_FLAGS),
            ("SECCOMP_FILTER_FLAGS", &SECCOMP_FILTER_FLAGS),
            ("PERF_FLAGS", &PERF_FLAGS),
            ("CLONE_FLAGS", &CLONE_FLAGS),
            ("CLONE3_FLAGS", &CLONE3_FLAGS),
            ("SECBITS", &SECBITS),
            ("PR_SPEC_GET", &PR_SPEC_GET),
        ] {
            for (i, (v, n)) in t.items.iter().enumerate() {
                for (w, m) in &t.items[..i] {
                    assert!(v & w == 0 && n != m, "{name}: {n} / {m}");
                }
            }
        }
    }
}
