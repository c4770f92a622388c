//! Flag and constant tables shared by every architecture (values from the
//! kernel's asm-generic and uapi headers, which x86_64 and aarch64 share for
//! these). Tables whose values differ per architecture live in `arch`.

use super::xlat::Xlat;

pub static SOCK_FLAGS: Xlat = Xlat::new(&[(0o4000, "SOCK_NONBLOCK"), (0o2000000, "SOCK_CLOEXEC")]);

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
        (0o4000, "SOCK_NONBLOCK"),
        (0o2000000, "SOCK_CLOEXEC"),
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

pub static CLONE_FLAGS: Xlat = Xlat::with_field(
    // The low byte is the exit signal, shown by name.
    &[
        (17, "SIGCHLD"),
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
        (0x400000, "CLONE_DETACHED"),
        (0x800000, "CLONE_UNTRACED"),
        (0x1000000, "CLONE_CHILD_SETTID"),
        (0x2000000, "CLONE_NEWCGROUP"),
        (0x4000000, "CLONE_NEWUTS"),
        (0x8000000, "CLONE_NEWIPC"),
        (0x10000000, "CLONE_NEWUSER"),
        (0x20000000, "CLONE_NEWPID"),
        (0x40000000, "CLONE_NEWNET"),
        (0x80000000, "CLONE_IO"),
    ],
    0xff,
);

/// Common ioctl requests (asm-generic numbering, shared by x86_64 and aarch64).
pub static IOCTL_REQUESTS: Xlat = Xlat::new(&[
    (0x5401, "TCGETS"),
    (0x5402, "TCSETS"),
    (0x5403, "TCSETSW"),
    (0x5404, "TCSETSF"),
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
    (0x541b, "FIONREAD"),
    (0x541c, "TIOCLINUX"),
    (0x5421, "FIONBIO"),
    (0x5422, "TIOCNOTTY"),
    (0x5450, "FIONCLEX"),
    (0x5451, "FIOCLEX"),
    (0x5452, "FIOASYNC"),
    (0x5460, "FIOQSIZE"),
    (0x80045430, "TIOCGPTN"),
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
        None if (32..=64).contains(&sig) => {
            let _ = write!(out, "SIGRT_{}", sig - 32);
        }
        None => {
            let _ = write!(out, "{}", sig as i64);
        }
    }
}
