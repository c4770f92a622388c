//! The syscall table: one row per syscall name, shared by every architecture
//! (the numbers come from `arch`). Rows are sorted by name; `lookup` does a
//! binary search. Calls without a row still get their name and six raw
//! hexadecimal arguments.

use super::flags::*;
use super::types::class::*;
use super::types::{ArgSpec, Kind::*, Ret, Spec};

/// `sc!(name, CLASS, Ret; arg: Kind, ...)`: one row of the table.
macro_rules! sc {
    ($name:ident, $class:expr, $ret:ident $(; $($arg:tt : $kind:expr),* $(,)?)?) => {
        Spec {
            name: stringify!($name),
            args: &[$($(ArgSpec { name: stringify!($arg), kind: $kind }),*)?],
            class: $class,
            ret: Ret::$ret,
        }
    };
}
pub(crate) use sc;

/// Sorted by name (a unit test checks).
pub static SPECS: &[Spec] = &[
    sc!(accept4, NET|DESC, Fd; sockfd: Fd, addr: SockAddrOut(2), addrlen: Ptr, flags: Flags(&SOCK_FLAGS)),
    sc!(clone, PROCESS, Int; flags: Flags(&CLONE_FLAGS), stack: Ptr, parent_tid: Ptr, child_tid: Ptr, tls: Hex),
    sc!(close, DESC, Int; fd: Fd),
    sc!(connect, NET|DESC, Int; sockfd: Fd, addr: SockAddr(2), addrlen: UInt),
    sc!(dup, DESC, Fd; oldfd: Fd),
    sc!(execve, FILE|PROCESS, Int; pathname: Path, argv: StrArray, envp: StrArrayCount),
    sc!(exit, PROCESS, Never; status: Int),
    sc!(exit_group, PROCESS, Never; status: Int),
    sc!(fstat, DESC, Int; fd: Fd, statbuf: Ptr),
    sc!(futex, 0, Int; uaddr: Ptr, futex_op: Enum(&FUTEX_OPS), val: UInt, timeout: Ptr, uaddr2: Ptr, val3: UInt),
    sc!(getcwd, FILE, Int; buf: OutStr, size: UInt),
    sc!(getuid, CREDS, Int),
    sc!(ioctl, DESC, Int; fd: Fd, request: Enum(&IOCTL_REQUESTS), arg: Hex),
    sc!(lseek, DESC, Int; fd: Fd, offset: Int, whence: Enum(&SEEK_WHENCE)),
    sc!(mmap, MEMORY, Hex; addr: Ptr, length: UInt, prot: Flags(&PROT_FLAGS), flags: Flags(&MAP_FLAGS), fd: Fd, offset: Hex),
    sc!(munmap, MEMORY, Int; addr: Ptr, length: UInt),
    sc!(nanosleep, 0, Int; req: Timespec, rem: Ptr),
    sc!(openat, FILE|DESC, Fd; dirfd: DirFd, pathname: Path, flags: OpenFlags, mode: Mode),
    sc!(ppoll, DESC, Int; fds: PollFds(1), nfds: UInt, tmo_p: Timespec, sigmask: Ptr, sigsetsize: UInt),
    sc!(read, DESC, Int; fd: Fd, buf: OutBuf(2), count: UInt),
    sc!(recvfrom, NET|DESC, Int; sockfd: Fd, buf: OutBuf(2), len: UInt, flags: Flags(&MSG_FLAGS), src_addr: SockAddrOut(5), addrlen: Ptr),
    sc!(sendto, NET|DESC, Int; sockfd: Fd, buf: InBuf(2), len: UInt, flags: Flags(&MSG_FLAGS), dest_addr: SockAddr(5), addrlen: UInt),
    sc!(socket, NET, Fd; domain: Enum(&ADDRESS_FAMILIES), type: Flags(&SOCK_TYPES), protocol: Int),
    sc!(tgkill, SIGNAL, Int; tgid: Int, tid: Int, sig: Signal),
    sc!(write, DESC, Int; fd: Fd, buf: InBuf(2), count: UInt),
];

/// The row for a syscall name.
pub fn lookup(name: &str) -> Option<&'static Spec> {
    SPECS
        .binary_search_by(|s| s.name.cmp(name))
        .ok()
        .map(|i| &SPECS[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unique() {
        for w in SPECS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
    }

    #[test]
    fn length_arguments_point_inside_the_row() {
        for s in SPECS {
            for a in s.args {
                let idx = match a.kind {
                    InBuf(i) | OutBuf(i) | SockAddr(i) | SockAddrOut(i) | PollFds(i) => i,
                    _ => continue,
                };
                assert!((idx as usize) < s.args.len(), "{}: {}", s.name, a.name);
            }
        }
    }
}
