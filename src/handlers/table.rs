//! The syscall table: one row per syscall name, shared by every architecture
//! (the numbers come from `arch`). Rows are sorted by name; `lookup` does a
//! binary search. Calls without a row still get their name and six raw
//! hexadecimal arguments.

use super::flags::*;
use super::types::class::*;
use super::types::{ArgSpec, Kind::*, Ret, Spec};
use super::{caps, clone, fcntl, futex, iovec, poll, prctl, process, signal, sockopt, stat, time};

/// `sc!(name, CLASS, Ret; arg: Kind, ...)`: one row of the table.
macro_rules! sc {
    ($name:ident, $class:expr, $ret:ident $(; $($arg:tt : $kind:expr),* $(,)?)?) => {
        Spec {
            name: stringify!($name),
            args: &[$($(ArgSpec { name: stringify!($arg), kind: $kind }),*)?],
            class: $class,
            ret: Ret::$ret,
            res_decode: None,
        }
    };
}
// For the per-architecture override rows (`arch`), which are not written yet.
#[allow(unused_imports)]
pub(crate) use sc;

/// Sorted by name (a unit test checks). One row per syscall name of x86_64
/// and aarch64 (the union; a unit test checks against the `syscalls` crate).
///
/// Argument names are those of the Linux man page (section 2) prototype;
/// where the raw syscall has arguments the page does not show (`sigsetsize`
/// of the rt_sig* calls, `pos_h` of preadv), or there is no page, they are
/// the kernel's (`SYSCALL_DEFINEn`, include/linux/syscalls.h). The count is
/// always the kernel's, except for the never-implemented afs_syscall,
/// tuxcall, security, vserver, getpmsg, putpmsg and epoll_*_old, which take
/// strace's. Classes follow strace's syscallent tables (network calls are
/// %net only, as there). clone's row is in the order and with the names
/// strace prints (`child_stack=`, ...): its registers differ per
/// architecture, and `Arch::arg_order` maps them.
pub static SPECS: &[Spec] = &[
    sc!(_sysctl, 0, Int; args: Ptr),
    sc!(accept, NET, Fd; sockfd: Fd, addr: SockAddrOut(2), addrlen: InOut(sockopt::socklen)),
    sc!(accept4, NET, Fd; sockfd: Fd, addr: SockAddrOut(2), addrlen: InOut(sockopt::socklen), flags: Flags(&SOCK_FLAGS)),
    sc!(access, FILE, Int; pathname: Path, mode: Flags(&ACCESS_MODES)),
    sc!(acct, FILE, Int; filename: Path),
    sc!(add_key, 0, Int; type: Str, description: Str, payload: InBuf(3), plen: UInt, keyring: Int),
    sc!(adjtimex, CLOCK, Int; buf: Ptr),
    sc!(afs_syscall, 0, Int; arg1: Hex, arg2: Hex, arg3: Hex, arg4: Hex, arg5: Hex),
    sc!(alarm, 0, Int; seconds: UInt),
    sc!(arch_prctl, 0, Int; code: Enum(&ARCH_PRCTL_CODES), addr: Hex),
    sc!(bind, NET, Int; sockfd: Fd, addr: SockAddr(2), addrlen: UInt),
    sc!(bpf, DESC, Int; cmd: Enum(&BPF_CMDS), attr: Ptr, size: UInt),
    sc!(brk, MEMORY, Hex; addr: Ptr),
    sc!(cachestat, DESC, Int; fd: Fd, cstat_range: Ptr, cstat: Ptr, flags: Hex),
    sc!(capget, CREDS, Int; hdrp: In(caps::header), datap: Out(caps::data_out)),
    sc!(capset, CREDS, Int; hdrp: In(caps::header), datap: In(caps::data_in)),
    sc!(chdir, FILE, Int; path: Path),
    sc!(chmod, FILE, Int; pathname: Path, mode: Mode),
    sc!(chown, FILE, Int; pathname: Path, owner: UInt, group: UInt),
    sc!(chroot, FILE, Int; path: Path),
    sc!(clock_adjtime, CLOCK, Int; clk_id: Enum(&CLOCK_IDS), buf: Ptr),
    sc!(clock_adjtime64, CLOCK, Int; clk_id: Enum(&CLOCK_IDS), buf: Ptr),
    sc!(clock_getres, CLOCK, Int; clockid: Enum(&CLOCK_IDS), res: Out(time::timespec)),
    sc!(clock_getres_time64, CLOCK, Int; clockid: Enum(&CLOCK_IDS), res: Out(time::timespec)),
    sc!(clock_gettime, CLOCK, Int; clockid: Enum(&CLOCK_IDS), tp: Out(time::timespec)),
    sc!(clock_gettime64, CLOCK, Int; clockid: Enum(&CLOCK_IDS), tp: Out(time::timespec)),
    sc!(clock_nanosleep, 0, Int; clockid: Enum(&CLOCK_IDS), flags: Flags(&TIMER_FLAGS), request: Timespec, remain: Ptr),
    sc!(clock_nanosleep_time64, 0, Int; clockid: Enum(&CLOCK_IDS), flags: Flags(&TIMER_FLAGS), request: Timespec, remain: Ptr),
    sc!(clock_settime, CLOCK, Int; clockid: Enum(&CLOCK_IDS), tp: Timespec),
    sc!(clock_settime64, CLOCK, Int; clockid: Enum(&CLOCK_IDS), tp: Timespec),
    sc!(clone, PROCESS, Int; child_stack: Ptr, flags: In(clone::flags_arg), parent_tid: InOut(clone::parent_tid), tls: In(clone::tls), child_tidptr: In(clone::child_tidptr)),
    sc!(clone3, PROCESS, Int; cl_args: InOut(clone::clone3_args), size: UInt),
    sc!(close, DESC, Int; fd: Fd),
    sc!(close_range, 0, Int; first: UInt, last: UInt, flags: Flags(&CLOSE_RANGE_FLAGS)),
    sc!(connect, NET, Int; sockfd: Fd, addr: SockAddr(2), addrlen: UInt),
    sc!(copy_file_range, DESC, Int; fd_in: Fd, off_in: Ptr, fd_out: Fd, off_out: Ptr, len: UInt, flags: Hex),
    sc!(creat, FILE|DESC, Fd; pathname: Path, mode: Mode),
    sc!(create_module, 0, Int; name: Str, size: UInt),
    sc!(delete_module, 0, Int; name: Str, flags: Hex),
    sc!(dup, DESC, Fd; oldfd: Fd),
    sc!(dup2, DESC, Fd; oldfd: Fd, newfd: Fd),
    sc!(dup3, DESC, Fd; oldfd: Fd, newfd: Fd, flags: Flags(&CLOEXEC_FLAGS)),
    sc!(epoll_create, DESC, Fd; size: Int),
    sc!(epoll_create1, DESC, Fd; flags: Flags(&EPOLL_CREATE_FLAGS)),
    sc!(epoll_ctl, DESC, Int; epfd: Fd, op: Enum(&EPOLL_CTL_OPS), fd: Fd, event: In(poll::epoll_event)),
    sc!(epoll_ctl_old, 0, Int; epfd: Fd, op: Enum(&EPOLL_CTL_OPS), fd: Fd, event: Ptr),
    sc!(epoll_pwait, DESC, Int; epfd: Fd, events: Out(poll::epoll_events), maxevents: I32, timeout: I32, sigmask: In(signal::sigset), sigsetsize: UInt),
    sc!(epoll_pwait2, DESC, Int; epfd: Fd, events: Out(poll::epoll_events), maxevents: I32, timeout: Timespec, sigmask: In(signal::sigset), sigsetsize: UInt),
    sc!(epoll_wait, DESC, Int; epfd: Fd, events: Out(poll::epoll_events), maxevents: I32, timeout: I32),
    sc!(epoll_wait_old, 0, Int; epfd: Fd, events: Ptr, maxevents: I32, timeout: I32),
    sc!(eventfd, DESC, Fd; initval: UInt),
    sc!(eventfd2, DESC, Fd; initval: UInt, flags: Flags(&EFD_FLAGS)),
    sc!(execve, FILE|PROCESS, Int; pathname: Path, argv: StrArray, envp: StrArrayCount),
    sc!(execveat, FILE|DESC|PROCESS, Int; dirfd: DirFd, pathname: Path, argv: StrArray, envp: StrArrayCount, flags: Flags(&AT_FLAGS)),
    sc!(exit, PROCESS, Never; status: I32),
    sc!(exit_group, PROCESS, Never; status: I32),
    sc!(faccessat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, mode: Flags(&ACCESS_MODES)),
    sc!(faccessat2, FILE|DESC, Int; dirfd: DirFd, pathname: Path, mode: Flags(&ACCESS_MODES), flags: Flags(&FACCESSAT_FLAGS)),
    sc!(fadvise64, DESC, Int; fd: Fd, offset: Int, len: Int, advice: Enum(&FADV_ADVICE)),
    sc!(fallocate, DESC, Int; fd: Fd, mode: Flags(&FALLOC_FLAGS), offset: Int, len: Int),
    sc!(fanotify_init, DESC, Fd; flags: Hex, event_f_flags: OpenFlags),
    sc!(fanotify_mark, FILE|DESC, Int; fanotify_fd: Fd, flags: Hex, mask: Hex, dirfd: DirFd, pathname: Path),
    sc!(fchdir, DESC, Int; fd: Fd),
    sc!(fchmod, DESC, Int; fd: Fd, mode: Mode),
    sc!(fchmodat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, mode: Mode),
    sc!(fchmodat2, FILE|DESC, Int; dirfd: DirFd, pathname: Path, mode: Mode, flags: Flags(&AT_FLAGS)),
    sc!(fchown, DESC, Int; fd: Fd, owner: UInt, group: UInt),
    sc!(fchownat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, owner: UInt, group: UInt, flags: Flags(&AT_FLAGS)),
    sc!(fcntl, DESC, Int; fd: Fd, cmd: Enum(&FCNTL_CMDS), arg: In(fcntl::fcntl_arg)).res(fcntl::fcntl_res, false),
    sc!(fdatasync, DESC, Int; fd: Fd),
    sc!(fgetxattr, DESC, Int; fd: Fd, name: Str, value: OutBuf(3), size: UInt),
    sc!(file_getattr, FILE|DESC, Int; dfd: DirFd, filename: Path, ufattr: Ptr, usize: UInt, at_flags: Flags(&AT_FLAGS)),
    sc!(file_setattr, FILE|DESC, Int; dfd: DirFd, filename: Path, ufattr: Ptr, usize: UInt, at_flags: Flags(&AT_FLAGS)),
    sc!(finit_module, DESC, Int; fd: Fd, param_values: Str, flags: Hex),
    sc!(flistxattr, DESC, Int; fd: Fd, list: OutBuf(2), size: UInt),
    sc!(flock, DESC, Int; fd: Fd, operation: Flags(&FLOCK_OPS)),
    sc!(fork, PROCESS, Int),
    sc!(fremovexattr, DESC, Int; fd: Fd, name: Str),
    sc!(fsconfig, FILE|DESC, Int; fs_fd: Fd, cmd: Enum(&FSCONFIG_CMDS), key: Str, value: Ptr, aux: Int),
    sc!(fsetxattr, DESC, Int; fd: Fd, name: Str, value: InBuf(3), size: UInt, flags: Flags(&XATTR_FLAGS)),
    sc!(fsmount, DESC, Fd; fs_fd: Fd, flags: Flags(&FSMOUNT_FLAGS), attr_flags: Flags(&MOUNT_ATTR_FLAGS)),
    sc!(fsopen, DESC, Fd; fs_name: Str, flags: Flags(&FSOPEN_FLAGS)),
    sc!(fspick, FILE|DESC, Fd; dfd: DirFd, path: Path, flags: Flags(&FSPICK_FLAGS)),
    sc!(fstat, DESC, Int; fd: Fd, statbuf: Out(stat::stat)),
    sc!(fstatat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, statbuf: Out(stat::stat), flags: Flags(&AT_FLAGS)),
    sc!(fstatfs, DESC, Int; fd: Fd, buf: Out(stat::statfs)),
    sc!(fsync, DESC, Int; fd: Fd),
    sc!(ftruncate, DESC, Int; fd: Fd, length: Int),
    sc!(futex, 0, Int; uaddr: Ptr, futex_op: In(futex::op), val: In(futex::val), timeout: In(futex::timeout), uaddr2: In(futex::uaddr2), val3: In(futex::val3)),
    sc!(futex_requeue, 0, Int; waiters: Ptr, flags: Hex, nr_wake: Int, nr_requeue: Int),
    sc!(futex_time64, 0, Int; uaddr: Ptr, futex_op: In(futex::op), val: In(futex::val), timeout: In(futex::timeout), uaddr2: In(futex::uaddr2), val3: In(futex::val3)),
    sc!(futex_wait, 0, Int; uaddr: Ptr, val: UInt, mask: Hex, flags: Hex, timeout: Timespec, clockid: Enum(&CLOCK_IDS)),
    sc!(futex_waitv, 0, Int; waiters: Ptr, nr_futexes: UInt, flags: Hex, timeout: Timespec, clockid: Enum(&CLOCK_IDS)),
    sc!(futex_wake, 0, Int; uaddr: Ptr, mask: Hex, nr: Int, flags: Hex),
    sc!(futimesat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, times: Ptr),
    sc!(get_kernel_syms, 0, Int; table: Ptr),
    sc!(get_mempolicy, MEMORY, Int; mode: Ptr, nodemask: Ptr, maxnode: UInt, addr: Ptr, flags: Hex),
    sc!(get_robust_list, 0, Int; pid: I32, head_ptr: Ptr, len_ptr: Ptr),
    sc!(get_thread_area, 0, Int; u_info: Ptr),
    sc!(getcpu, 0, Int; cpu: Ptr, node: Ptr, tcache: Ptr),
    sc!(getcwd, FILE, Int; buf: OutStr, size: UInt),
    sc!(getdents, DESC, Int; fd: Fd, dirp: Out(process::dirents), count: UInt),
    sc!(getdents64, DESC, Int; fd: Fd, dirp: Out(process::dirents), count: UInt),
    sc!(getegid, CREDS, Int),
    sc!(geteuid, CREDS, Int),
    sc!(getgid, CREDS, Int),
    sc!(getgroups, CREDS, Int; size: Int, list: Ptr),
    sc!(getitimer, 0, Int; which: Enum(&ITIMER_WHICH), curr_value: Out(time::itimerval)),
    sc!(getpeername, NET, Int; sockfd: Fd, addr: SockAddrOut(2), addrlen: InOut(sockopt::socklen)),
    sc!(getpgid, 0, Int; pid: I32),
    sc!(getpgrp, 0, Int),
    sc!(getpid, 0, Int),
    sc!(getpmsg, NET, Int; fildes: Fd, ctlptr: Ptr, dataptr: Ptr, bandp: Ptr, flagsp: Ptr),
    sc!(getppid, 0, Int),
    sc!(getpriority, 0, Int; which: Enum(&PRIO_WHICH), who: I32),
    sc!(getrandom, 0, Int; buf: Out(process::random_bytes), buflen: UInt, flags: Flags(&GRND_FLAGS)),
    sc!(getresgid, CREDS, Int; rgid: Ptr, egid: Ptr, sgid: Ptr),
    sc!(getresuid, CREDS, Int; ruid: Ptr, euid: Ptr, suid: Ptr),
    sc!(getrlimit, 0, Int; resource: Enum(&RLIMIT_RESOURCES), rlim: Out(process::rlimit)),
    sc!(getrusage, 0, Int; who: I32, usage: Out(time::rusage)),
    sc!(getsid, 0, Int; pid: I32),
    sc!(getsockname, NET, Int; sockfd: Fd, addr: SockAddrOut(2), addrlen: InOut(sockopt::socklen)),
    sc!(getsockopt, NET, Int; sockfd: Fd, level: Enum(&SOCKET_LEVELS), optname: In(sockopt::optname), optval: Out(sockopt::optval_out), optlen: InOut(sockopt::socklen)),
    sc!(gettid, 0, Int),
    sc!(gettimeofday, CLOCK, Int; tv: Out(time::timeval), tz: Out(time::timezone)),
    sc!(getuid, CREDS, Int),
    sc!(getxattr, FILE, Int; path: Path, name: Str, value: OutBuf(3), size: UInt),
    sc!(getxattrat, FILE|DESC, Int; dfd: DirFd, pathname: Path, at_flags: Flags(&AT_FLAGS), name: Str, uargs: Ptr, usize: UInt),
    sc!(init_module, 0, Int; module_image: Ptr, len: UInt, param_values: Str),
    sc!(inotify_add_watch, FILE|DESC, Int; fd: Fd, pathname: Path, mask: Flags(&IN_MASK)),
    sc!(inotify_init, DESC, Fd),
    sc!(inotify_init1, DESC, Fd; flags: Flags(&IN_INIT_FLAGS)),
    sc!(inotify_rm_watch, DESC, Int; fd: Fd, wd: Int),
    sc!(io_cancel, 0, Int; ctx_id: Hex, iocb: Ptr, result: Ptr),
    sc!(io_destroy, MEMORY, Int; ctx_id: Hex),
    sc!(io_getevents, 0, Int; ctx_id: Hex, min_nr: Int, nr: Int, events: Ptr, timeout: Timespec),
    sc!(io_pgetevents, 0, Int; ctx_id: Hex, min_nr: Int, nr: Int, events: Ptr, timeout: Timespec, sig: Ptr),
    sc!(io_pgetevents_time64, 0, Int; ctx_id: Hex, min_nr: Int, nr: Int, events: Ptr, timeout: Timespec, sig: Ptr),
    sc!(io_setup, MEMORY, Int; nr_events: UInt, ctx_idp: Ptr),
    sc!(io_submit, 0, Int; ctx_id: Hex, nr: Int, iocbpp: Ptr),
    sc!(io_uring_enter, DESC|SIGNAL, Int; fd: Fd, to_submit: UInt, min_complete: UInt, flags: Hex, argp: Ptr, argsz: UInt),
    sc!(io_uring_register, DESC|MEMORY, Int; fd: Fd, opcode: UInt, arg: Ptr, nr_args: UInt),
    sc!(io_uring_setup, DESC, Fd; entries: UInt, params: Ptr),
    sc!(ioctl, DESC, Int; fd: Fd, request: Enum(&IOCTL_REQUESTS), arg: InOut(fcntl::ioctl_arg)),
    sc!(ioperm, 0, Int; from: UInt, num: UInt, turn_on: Int),
    sc!(iopl, 0, Int; level: Int),
    sc!(ioprio_get, 0, Int; which: Int, who: I32),
    sc!(ioprio_set, 0, Int; which: Int, who: I32, ioprio: Int),
    sc!(kcmp, 0, Int; pid1: I32, pid2: I32, type: Int, idx1: UInt, idx2: UInt),
    sc!(kexec_file_load, DESC, Int; kernel_fd: Fd, initrd_fd: Fd, cmdline_len: UInt, cmdline: Str, flags: Hex),
    sc!(kexec_load, 0, Int; entry: Hex, nr_segments: UInt, segments: Ptr, flags: Hex),
    sc!(keyctl, 0, Int; operation: Int, arg2: Hex, arg3: Hex, arg4: Hex, arg5: Hex),
    sc!(kill, PROCESS|SIGNAL, Int; pid: I32, sig: Signal),
    sc!(landlock_add_rule, DESC, Int; ruleset_fd: Fd, rule_type: Int, rule_attr: Ptr, flags: Hex),
    sc!(landlock_create_ruleset, DESC, Fd; attr: Ptr, size: UInt, flags: Hex),
    sc!(landlock_restrict_self, DESC, Int; ruleset_fd: Fd, flags: Hex),
    sc!(lchown, FILE, Int; pathname: Path, owner: UInt, group: UInt),
    sc!(lgetxattr, FILE, Int; path: Path, name: Str, value: OutBuf(3), size: UInt),
    sc!(link, FILE, Int; oldpath: Path, newpath: Path),
    sc!(linkat, FILE|DESC, Int; olddirfd: DirFd, oldpath: Path, newdirfd: DirFd, newpath: Path, flags: Flags(&AT_FLAGS)),
    sc!(listen, NET, Int; sockfd: Fd, backlog: I32),
    sc!(listmount, 0, Int; req: Ptr, mnt_ids: Ptr, n: UInt, flags: Hex),
    sc!(listxattr, FILE, Int; path: Path, list: OutBuf(2), size: UInt),
    sc!(listxattrat, FILE|DESC, Int; dfd: DirFd, pathname: Path, at_flags: Flags(&AT_FLAGS), list: OutBuf(4), size: UInt),
    sc!(llistxattr, FILE, Int; path: Path, list: OutBuf(2), size: UInt),
    sc!(lookup_dcookie, 0, Int; cookie: Hex, buffer: OutBuf(2), len: UInt),
    sc!(lremovexattr, FILE, Int; path: Path, name: Str),
    sc!(lseek, DESC, Int; fd: Fd, offset: Int, whence: Enum(&SEEK_WHENCE)),
    sc!(lsetxattr, FILE, Int; path: Path, name: Str, value: InBuf(3), size: UInt, flags: Flags(&XATTR_FLAGS)),
    sc!(lsm_get_self_attr, 0, Int; attr: UInt, ctx: Ptr, size: Ptr, flags: Hex),
    sc!(lsm_list_modules, 0, Int; ids: Ptr, size: Ptr, flags: Hex),
    sc!(lsm_set_self_attr, 0, Int; attr: UInt, ctx: Ptr, size: UInt, flags: Hex),
    sc!(lstat, FILE, Int; pathname: Path, statbuf: Out(stat::stat)),
    sc!(madvise, MEMORY, Int; addr: Ptr, length: UInt, advice: Enum(&MADV_ADVICE)),
    sc!(map_shadow_stack, MEMORY, Hex; addr: Ptr, size: UInt, flags: Hex),
    sc!(mbind, MEMORY, Int; addr: Ptr, len: UInt, mode: Int, nodemask: Ptr, maxnode: UInt, flags: Hex),
    sc!(membarrier, 0, Int; cmd: Int, flags: Hex, cpu_id: Int),
    sc!(memfd_create, DESC, Fd; name: Str, flags: Flags(&MFD_FLAGS)),
    sc!(memfd_secret, DESC, Fd; flags: Flags(&CLOEXEC_FLAGS)),
    sc!(migrate_pages, MEMORY, Int; pid: I32, maxnode: UInt, old_nodes: Ptr, new_nodes: Ptr),
    sc!(mincore, MEMORY, Int; addr: Ptr, length: UInt, vec: Ptr),
    sc!(mkdir, FILE, Int; pathname: Path, mode: Mode),
    sc!(mkdirat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, mode: Mode),
    sc!(mknod, FILE, Int; pathname: Path, mode: Mode, dev: Hex),
    sc!(mknodat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, mode: Mode, dev: Hex),
    sc!(mlock, MEMORY, Int; addr: Ptr, len: UInt),
    sc!(mlock2, MEMORY, Int; addr: Ptr, len: UInt, flags: Flags(&MLOCK_FLAGS)),
    sc!(mlockall, MEMORY, Int; flags: Flags(&MCL_FLAGS)),
    sc!(mmap, DESC|MEMORY, Hex; addr: Ptr, length: UInt, prot: Flags(&PROT_FLAGS), flags: Flags(&MAP_FLAGS), fd: Fd, offset: Hex),
    sc!(modify_ldt, 0, Int; func: Int, ptr: Ptr, bytecount: UInt),
    sc!(mount, FILE, Int; source: Path, target: Path, filesystemtype: Str, mountflags: Flags(&MOUNT_FLAGS), data: Ptr),
    sc!(mount_setattr, FILE|DESC, Int; dirfd: DirFd, pathname: Path, flags: Flags(&AT_FLAGS), attr: Ptr, size: UInt),
    sc!(move_mount, FILE|DESC, Int; from_dfd: DirFd, from_pathname: Path, to_dfd: DirFd, to_pathname: Path, flags: Flags(&MOVE_MOUNT_FLAGS)),
    sc!(move_pages, MEMORY, Int; pid: I32, count: UInt, pages: Ptr, nodes: Ptr, status: Ptr, flags: Hex),
    sc!(mprotect, MEMORY, Int; addr: Ptr, len: UInt, prot: Flags(&PROT_FLAGS)),
    sc!(mq_getsetattr, DESC, Int; mqdes: Fd, newattr: Ptr, oldattr: Ptr),
    sc!(mq_notify, DESC, Int; mqdes: Fd, sevp: Ptr),
    sc!(mq_open, DESC, Fd; name: Str, oflag: OpenFlags, mode: Mode, attr: Ptr),
    sc!(mq_timedreceive, DESC, Int; mqdes: Fd, msg_ptr: OutBuf(2), msg_len: UInt, msg_prio: Ptr, abs_timeout: Timespec),
    sc!(mq_timedreceive_time64, DESC, Int; mqdes: Fd, msg_ptr: OutBuf(2), msg_len: UInt, msg_prio: Ptr, abs_timeout: Timespec),
    sc!(mq_timedsend, DESC, Int; mqdes: Fd, msg_ptr: InBuf(2), msg_len: UInt, msg_prio: UInt, abs_timeout: Timespec),
    sc!(mq_timedsend_time64, DESC, Int; mqdes: Fd, msg_ptr: InBuf(2), msg_len: UInt, msg_prio: UInt, abs_timeout: Timespec),
    sc!(mq_unlink, 0, Int; name: Str),
    sc!(mremap, MEMORY, Hex; old_address: Ptr, old_size: UInt, new_size: UInt, flags: Flags(&MREMAP_FLAGS), new_address: Ptr),
    sc!(mseal, MEMORY, Int; start: Ptr, len: UInt, flags: Hex),
    sc!(msgctl, IPC, Int; msqid: Int, cmd: Int, buf: Ptr),
    sc!(msgget, IPC, Int; key: Int, msgflg: Hex),
    sc!(msgrcv, IPC, Int; msqid: Int, msgp: Ptr, msgsz: UInt, msgtyp: Int, msgflg: Hex),
    sc!(msgsnd, IPC, Int; msqid: Int, msgp: Ptr, msgsz: UInt, msgflg: Hex),
    sc!(msync, MEMORY, Int; addr: Ptr, length: UInt, flags: Flags(&MSYNC_FLAGS)),
    sc!(munlock, MEMORY, Int; addr: Ptr, len: UInt),
    sc!(munlockall, MEMORY, Int),
    sc!(munmap, MEMORY, Int; addr: Ptr, length: UInt),
    sc!(name_to_handle_at, FILE|DESC, Int; dirfd: DirFd, pathname: Path, handle: Ptr, mount_id: Ptr, flags: Flags(&AT_FLAGS)),
    sc!(nanosleep, 0, Int; req: Timespec, rem: Ptr),
    sc!(newfstatat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, statbuf: Out(stat::stat), flags: Flags(&AT_FLAGS)),
    sc!(nfsservctl, 0, Int; cmd: Int, argp: Ptr, resp: Ptr),
    sc!(open, FILE|DESC, Fd; pathname: Path, flags: OpenFlags, mode: Mode),
    sc!(open_by_handle_at, DESC, Fd; mount_fd: Fd, handle: Ptr, flags: OpenFlags),
    sc!(open_tree, FILE|DESC, Fd; dfd: DirFd, filename: Path, flags: Flags(&OPEN_TREE_FLAGS)),
    sc!(open_tree_attr, FILE|DESC, Fd; dfd: DirFd, filename: Path, flags: Flags(&OPEN_TREE_FLAGS), uattr: Ptr, usize: UInt),
    sc!(openat, FILE|DESC, Fd; dirfd: DirFd, pathname: Path, flags: OpenFlags, mode: Mode),
    sc!(openat2, FILE|DESC, Fd; dirfd: DirFd, pathname: Path, how: Ptr, size: UInt),
    sc!(pause, SIGNAL, Int),
    sc!(perf_event_open, DESC, Fd; attr: Ptr, pid: I32, cpu: Int, group_fd: Fd, flags: Flags(&PERF_FLAGS)),
    sc!(personality, 0, Int; persona: Hex),
    sc!(pidfd_getfd, DESC, Fd; pidfd: Fd, targetfd: Int, flags: Hex),
    sc!(pidfd_open, DESC, Fd; pid: I32, flags: Flags(&PIDFD_FLAGS)),
    sc!(pidfd_send_signal, DESC|PROCESS|SIGNAL, Int; pidfd: Fd, sig: Signal, info: Ptr, flags: Flags(&PIDFD_SIGNAL_FLAGS)),
    sc!(pipe, DESC, Int; pipefd: Out(process::fd_pair)),
    sc!(pipe2, DESC, Int; pipefd: Out(process::fd_pair), flags: Flags(&PIPE_FLAGS)),
    sc!(pivot_root, FILE, Int; new_root: Path, put_old: Path),
    sc!(pkey_alloc, 0, Int; flags: Hex, access_rights: Hex),
    sc!(pkey_free, 0, Int; pkey: Int),
    sc!(pkey_mprotect, MEMORY, Int; addr: Ptr, len: UInt, prot: Flags(&PROT_FLAGS), pkey: Int),
    sc!(poll, DESC, Int; fds: PollFds(1), nfds: UInt, timeout: I32).res(poll::poll_res, true),
    sc!(ppoll, DESC, Int; fds: PollFds(1), nfds: UInt, tmo_p: Timespec, sigmask: In(signal::sigset), sigsetsize: UInt).res(poll::ppoll_res, true),
    sc!(ppoll_time64, DESC, Int; fds: PollFds(1), nfds: UInt, tmo_p: Timespec, sigmask: In(signal::sigset), sigsetsize: UInt).res(poll::ppoll_res, true),
    sc!(prctl, CREDS, Int; option: In(prctl::option), arg2: InOut(prctl::arg2), arg3: InOut(prctl::arg3), arg4: InOut(prctl::arg4), arg5: InOut(prctl::arg5)).res(prctl::prctl_res, false),
    sc!(pread64, DESC, Int; fd: Fd, buf: OutBuf(2), count: UInt, offset: Int),
    sc!(preadv, DESC, Int; fd: Fd, iov: Out(iovec::iov_out), iovcnt: Int, pos_l: Int, pos_h: Hex),
    sc!(preadv2, DESC, Int; fd: Fd, iov: Out(iovec::iov_out), iovcnt: Int, pos_l: Int, pos_h: Hex, flags: Flags(&RWF_FLAGS)),
    sc!(prlimit64, 0, Int; pid: I32, resource: Enum(&RLIMIT_RESOURCES), new_limit: In(process::rlimit), old_limit: Out(process::rlimit)),
    sc!(process_madvise, DESC, Int; pidfd: Fd, iovec: Ptr, vlen: UInt, advice: Enum(&MADV_ADVICE), flags: Hex),
    sc!(process_mrelease, DESC, Int; pidfd: Fd, flags: Hex),
    sc!(process_vm_readv, 0, Int; pid: I32, local_iov: Ptr, liovcnt: UInt, remote_iov: Ptr, riovcnt: UInt, flags: Hex),
    sc!(process_vm_writev, 0, Int; pid: I32, local_iov: Ptr, liovcnt: UInt, remote_iov: Ptr, riovcnt: UInt, flags: Hex),
    sc!(pselect6, DESC, Int; nfds: Int, readfds: In(poll::fd_set), writefds: In(poll::fd_set), exceptfds: In(poll::fd_set), timeout: Timespec, sigmask: Ptr).res(poll::pselect6_res, true),
    sc!(pselect6_time64, DESC, Int; nfds: Int, readfds: In(poll::fd_set), writefds: In(poll::fd_set), exceptfds: In(poll::fd_set), timeout: Timespec, sigmask: Ptr).res(poll::pselect6_res, true),
    sc!(ptrace, 0, Int; request: Enum(&PTRACE_REQUESTS), pid: I32, addr: Ptr, data: Hex),
    sc!(putpmsg, NET, Int; fildes: Fd, ctlptr: Ptr, dataptr: Ptr, band: Int, flags: Hex),
    sc!(pwrite64, DESC, Int; fd: Fd, buf: InBuf(2), count: UInt, offset: Int),
    sc!(pwritev, DESC, Int; fd: Fd, iov: In(iovec::iov_in), iovcnt: Int, pos_l: Int, pos_h: Hex),
    sc!(pwritev2, DESC, Int; fd: Fd, iov: In(iovec::iov_in), iovcnt: Int, pos_l: Int, pos_h: Hex, flags: Flags(&RWF_FLAGS)),
    sc!(query_module, 0, Int; name: Str, which: Int, buf: Ptr, bufsize: UInt, ret: Ptr),
    sc!(quotactl, FILE, Int; cmd: Hex, special: Path, id: I32, addr: Ptr),
    sc!(quotactl_fd, DESC, Int; fd: Fd, cmd: Hex, id: I32, addr: Ptr),
    sc!(read, DESC, Int; fd: Fd, buf: OutBuf(2), count: UInt),
    sc!(readahead, DESC, Int; fd: Fd, offset: Int, count: UInt),
    sc!(readlink, FILE, Int; pathname: Path, buf: OutBuf(2), bufsiz: UInt),
    sc!(readlinkat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, buf: OutBuf(3), bufsiz: UInt),
    sc!(readv, DESC, Int; fd: Fd, iov: Out(iovec::iov_out), iovcnt: Int),
    sc!(reboot, 0, Int; magic: Hex, magic2: Hex, cmd: Hex, arg: Ptr),
    sc!(recvfrom, NET, Int; sockfd: Fd, buf: OutBuf(2), len: UInt, flags: Flags(&MSG_FLAGS), src_addr: SockAddrOut(5), addrlen: Ptr),
    sc!(recvmmsg, NET, Int; sockfd: Fd, msgvec: Out(iovec::mmsghdrs), vlen: UInt, flags: Flags(&MSG_FLAGS), timeout: Timespec),
    sc!(recvmmsg_time64, NET, Int; sockfd: Fd, msgvec: Out(iovec::mmsghdrs), vlen: UInt, flags: Flags(&MSG_FLAGS), timeout: Timespec),
    sc!(recvmsg, NET, Int; sockfd: Fd, msg: Out(iovec::msghdr_out), flags: Flags(&MSG_FLAGS)),
    sc!(remap_file_pages, MEMORY, Int; addr: Ptr, size: UInt, prot: Int, pgoff: UInt, flags: Hex),
    sc!(removexattr, FILE, Int; path: Path, name: Str),
    sc!(removexattrat, FILE|DESC, Int; dfd: DirFd, pathname: Path, at_flags: Flags(&AT_FLAGS), name: Str),
    sc!(rename, FILE, Int; oldpath: Path, newpath: Path),
    sc!(renameat, FILE|DESC, Int; olddirfd: DirFd, oldpath: Path, newdirfd: DirFd, newpath: Path),
    sc!(renameat2, FILE|DESC, Int; olddirfd: DirFd, oldpath: Path, newdirfd: DirFd, newpath: Path, flags: Flags(&RENAME_FLAGS)),
    sc!(request_key, 0, Int; type: Str, description: Str, callout_info: Str, dest_keyring: Int),
    sc!(restart_syscall, 0, Int),
    sc!(rmdir, FILE, Int; pathname: Path),
    sc!(rseq, 0, Int; rseq: Ptr, rseq_len: Hex, flags: Hex, sig: Hex),
    sc!(rt_sigaction, SIGNAL, Int; signum: Signal, act: In(signal::sigaction), oldact: Out(signal::sigaction), sigsetsize: UInt),
    sc!(rt_sigpending, SIGNAL, Int; set: Out(signal::sigset), sigsetsize: UInt),
    sc!(rt_sigprocmask, SIGNAL, Int; how: Enum(&SIG_HOW), set: In(signal::sigset), oldset: Out(signal::sigset), sigsetsize: UInt),
    sc!(rt_sigqueueinfo, PROCESS|SIGNAL, Int; tgid: I32, sig: Signal, info: Ptr),
    sc!(rt_sigreturn, SIGNAL, Int; frame: In(signal::sigframe)),
    sc!(rt_sigsuspend, SIGNAL, Int; mask: In(signal::sigset), sigsetsize: UInt),
    sc!(rt_sigtimedwait, SIGNAL, Int; set: In(signal::sigset), info: Ptr, timeout: Timespec, sigsetsize: UInt),
    sc!(rt_sigtimedwait_time64, SIGNAL, Int; set: In(signal::sigset), info: Ptr, timeout: Timespec, sigsetsize: UInt),
    sc!(rt_tgsigqueueinfo, PROCESS|SIGNAL, Int; tgid: I32, tid: I32, sig: Signal, info: Ptr),
    sc!(sched_get_priority_max, 0, Int; policy: Enum(&SCHED_POLICIES)),
    sc!(sched_get_priority_min, 0, Int; policy: Enum(&SCHED_POLICIES)),
    sc!(sched_getaffinity, 0, Int; pid: I32, cpusetsize: UInt, mask: Ptr),
    sc!(sched_getattr, 0, Int; pid: I32, attr: Ptr, size: UInt, flags: Hex),
    sc!(sched_getparam, 0, Int; pid: I32, param: Ptr),
    sc!(sched_getscheduler, 0, Int; pid: I32),
    sc!(sched_rr_get_interval, 0, Int; pid: I32, tp: Out(time::timespec)),
    sc!(sched_rr_get_interval_time64, 0, Int; pid: I32, tp: Ptr),
    sc!(sched_setaffinity, 0, Int; pid: I32, cpusetsize: UInt, mask: Ptr),
    sc!(sched_setattr, 0, Int; pid: I32, attr: Ptr, flags: Hex),
    sc!(sched_setparam, 0, Int; pid: I32, param: Ptr),
    sc!(sched_setscheduler, 0, Int; pid: I32, policy: Enum(&SCHED_POLICIES), param: Ptr),
    sc!(sched_yield, 0, Int),
    sc!(seccomp, 0, Int; operation: Enum(&SECCOMP_OPS), flags: Flags(&SECCOMP_FILTER_FLAGS), args: Ptr),
    sc!(security, 0, Int; arg1: Hex, arg2: Hex, arg3: Hex),
    sc!(select, DESC, Int; nfds: Int, readfds: In(poll::fd_set), writefds: In(poll::fd_set), exceptfds: In(poll::fd_set), timeout: In(time::timeval)).res(poll::select_res, true),
    sc!(semctl, IPC, Int; semid: Int, semnum: Int, cmd: Int, arg: Hex),
    sc!(semget, IPC, Int; key: Int, nsems: Int, semflg: Hex),
    sc!(semop, IPC, Int; semid: Int, sops: Ptr, nsops: UInt),
    sc!(semtimedop, IPC, Int; semid: Int, sops: Ptr, nsops: UInt, timeout: Timespec),
    sc!(semtimedop_time64, IPC, Int; semid: Int, sops: Ptr, nsops: UInt, timeout: Timespec),
    sc!(sendfile, DESC|NET, Int; out_fd: Fd, in_fd: Fd, offset: Ptr, count: UInt),
    sc!(sendmmsg, NET, Int; sockfd: Fd, msgvec: Out(iovec::mmsghdrs), vlen: UInt, flags: Flags(&MSG_FLAGS)),
    sc!(sendmsg, NET, Int; sockfd: Fd, msg: In(iovec::msghdr_in), flags: Flags(&MSG_FLAGS)),
    sc!(sendto, NET, Int; sockfd: Fd, buf: InBuf(2), len: UInt, flags: Flags(&MSG_FLAGS), dest_addr: SockAddr(5), addrlen: UInt),
    sc!(set_mempolicy, MEMORY, Int; mode: Int, nodemask: Ptr, maxnode: UInt),
    sc!(set_mempolicy_home_node, MEMORY, Int; start: Ptr, len: UInt, home_node: UInt, flags: Hex),
    sc!(set_robust_list, 0, Int; head: Ptr, len: UInt),
    sc!(set_thread_area, 0, Int; u_info: Ptr),
    sc!(set_tid_address, 0, Int; tidptr: Ptr),
    sc!(setdomainname, 0, Int; name: InBuf(1), len: UInt),
    sc!(setfsgid, CREDS, Int; fsgid: UInt),
    sc!(setfsuid, CREDS, Int; fsuid: UInt),
    sc!(setgid, CREDS, Int; gid: UInt),
    sc!(setgroups, CREDS, Int; size: UInt, list: Ptr),
    sc!(sethostname, 0, Int; name: InBuf(1), len: UInt),
    sc!(setitimer, 0, Int; which: Enum(&ITIMER_WHICH), new_value: In(time::itimerval), old_value: Out(time::itimerval)),
    sc!(setns, DESC, Int; fd: Fd, nstype: Flags(&UNSHARE_FLAGS)),
    sc!(setpgid, 0, Int; pid: I32, pgid: I32),
    sc!(setpriority, 0, Int; which: Enum(&PRIO_WHICH), who: I32, prio: I32),
    sc!(setregid, CREDS, Int; rgid: UInt, egid: UInt),
    sc!(setresgid, CREDS, Int; rgid: UInt, egid: UInt, sgid: UInt),
    sc!(setresuid, CREDS, Int; ruid: UInt, euid: UInt, suid: UInt),
    sc!(setreuid, CREDS, Int; ruid: UInt, euid: UInt),
    sc!(setrlimit, 0, Int; resource: Enum(&RLIMIT_RESOURCES), rlim: In(process::rlimit)),
    sc!(setsid, 0, Int),
    sc!(setsockopt, NET, Int; sockfd: Fd, level: Enum(&SOCKET_LEVELS), optname: In(sockopt::optname), optval: In(sockopt::optval_in), optlen: UInt),
    sc!(settimeofday, CLOCK, Int; tv: In(time::timeval), tz: In(time::timezone)),
    sc!(setuid, CREDS, Int; uid: UInt),
    sc!(setxattr, FILE, Int; path: Path, name: Str, value: InBuf(3), size: UInt, flags: Flags(&XATTR_FLAGS)),
    sc!(setxattrat, FILE|DESC, Int; dfd: DirFd, pathname: Path, at_flags: Flags(&AT_FLAGS), name: Str, uargs: Ptr, usize: UInt),
    sc!(shmat, MEMORY|IPC, Hex; shmid: Int, shmaddr: Ptr, shmflg: Hex),
    sc!(shmctl, IPC, Int; shmid: Int, cmd: Int, buf: Ptr),
    sc!(shmdt, MEMORY|IPC, Int; shmaddr: Ptr),
    sc!(shmget, IPC, Int; key: Int, size: UInt, shmflg: Hex),
    sc!(shutdown, NET, Int; sockfd: Fd, how: Enum(&SHUT_HOW)),
    sc!(sigaltstack, SIGNAL, Int; ss: In(signal::stack), old_ss: Out(signal::stack)),
    sc!(signalfd, DESC|SIGNAL, Fd; fd: Fd, mask: In(signal::sigset), sizemask: UInt),
    sc!(signalfd4, DESC|SIGNAL, Fd; fd: Fd, mask: In(signal::sigset), sizemask: UInt, flags: Flags(&SFD_FLAGS)),
    sc!(socket, NET, Fd; domain: Enum(&ADDRESS_FAMILIES), type: Flags(&SOCK_TYPES), protocol: In(sockopt::protocol)),
    sc!(socketpair, NET, Int; domain: Enum(&ADDRESS_FAMILIES), type: Flags(&SOCK_TYPES), protocol: In(sockopt::protocol), sv: Out(process::fd_pair)),
    sc!(splice, DESC, Int; fd_in: Fd, off_in: Ptr, fd_out: Fd, off_out: Ptr, len: UInt, flags: Flags(&SPLICE_FLAGS)),
    sc!(stat, FILE, Int; pathname: Path, statbuf: Out(stat::stat)),
    sc!(statfs, FILE, Int; path: Path, buf: Out(stat::statfs)),
    sc!(statmount, 0, Int; req: Ptr, smbuf: Ptr, bufsize: UInt, flags: Hex),
    sc!(statx, FILE|DESC, Int; dirfd: DirFd, pathname: Path, flags: Flags(&STATX_FLAGS), mask: Flags(&STATX_MASK), statxbuf: Out(stat::statx)),
    sc!(swapoff, FILE, Int; path: Path),
    sc!(swapon, FILE, Int; path: Path, swapflags: Hex),
    sc!(symlink, FILE, Int; target: Path, linkpath: Path),
    sc!(symlinkat, FILE|DESC, Int; target: Path, newdirfd: DirFd, linkpath: Path),
    sc!(sync, 0, Int),
    sc!(sync_file_range, DESC, Int; fd: Fd, offset: Int, nbytes: Int, flags: Hex),
    sc!(syncfs, DESC, Int; fd: Fd),
    sc!(sysfs, 0, Int; option: Int, fs_index: Hex, buf: Ptr),
    sc!(sysinfo, 0, Int; info: Out(process::sysinfo)),
    sc!(syslog, 0, Int; type: Int, bufp: Ptr, len: Int),
    sc!(tee, DESC, Int; fd_in: Fd, fd_out: Fd, len: UInt, flags: Flags(&SPLICE_FLAGS)),
    sc!(tgkill, PROCESS|SIGNAL, Int; tgid: I32, tid: I32, sig: Signal),
    sc!(time, CLOCK, Int; tloc: Ptr),
    sc!(timer_create, 0, Int; clockid: Enum(&CLOCK_IDS), sevp: Ptr, timerid: Ptr),
    sc!(timer_delete, 0, Int; timerid: Int),
    sc!(timer_getoverrun, 0, Int; timerid: Int),
    sc!(timer_gettime, 0, Int; timerid: Int, curr_value: Out(time::itimerspec)),
    sc!(timer_gettime64, 0, Int; timerid: Int, curr_value: Ptr),
    sc!(timer_settime, 0, Int; timerid: Int, flags: Flags(&TIMER_FLAGS), new_value: In(time::itimerspec), old_value: Out(time::itimerspec)),
    sc!(timer_settime64, 0, Int; timerid: Int, flags: Flags(&TIMER_FLAGS), new_value: Ptr, old_value: Ptr),
    sc!(timerfd_create, DESC, Fd; clockid: Enum(&CLOCK_IDS), flags: Flags(&TFD_FLAGS)),
    sc!(timerfd_gettime, DESC, Int; fd: Fd, curr_value: Out(time::itimerspec)),
    sc!(timerfd_gettime64, DESC, Int; fd: Fd, curr_value: Ptr),
    sc!(timerfd_settime, DESC, Int; fd: Fd, flags: Flags(&TFD_TIMER_FLAGS), new_value: In(time::itimerspec), old_value: Out(time::itimerspec)),
    sc!(timerfd_settime64, DESC, Int; fd: Fd, flags: Flags(&TFD_TIMER_FLAGS), new_value: Ptr, old_value: Ptr),
    sc!(times, 0, Int; buf: Ptr),
    sc!(tkill, PROCESS|SIGNAL, Int; tid: I32, sig: Signal),
    sc!(truncate, FILE, Int; path: Path, length: Int),
    sc!(tuxcall, 0, Int; arg1: Hex, arg2: Hex, arg3: Hex),
    sc!(umask, 0, Int; mask: Mode),
    sc!(umount2, FILE, Int; target: Path, flags: Flags(&UMOUNT_FLAGS)),
    sc!(uname, 0, Int; buf: Out(process::utsname)),
    sc!(unlink, FILE, Int; pathname: Path),
    sc!(unlinkat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, flags: Flags(&UNLINKAT_FLAGS)),
    sc!(unshare, 0, Int; flags: Flags(&UNSHARE_FLAGS)),
    sc!(uprobe, 0, Int),
    sc!(uretprobe, 0, Int),
    sc!(uselib, FILE, Int; library: Path),
    sc!(userfaultfd, DESC, Fd; flags: Flags(&UFFD_FLAGS)),
    sc!(ustat, 0, Int; dev: Hex, ubuf: Ptr),
    sc!(utime, FILE, Int; filename: Path, times: Ptr),
    sc!(utimensat, FILE|DESC, Int; dirfd: DirFd, pathname: Path, times: Ptr, flags: Flags(&AT_FLAGS)),
    sc!(utimensat_time64, FILE|DESC, Int; dirfd: DirFd, pathname: Path, times: Ptr, flags: Flags(&AT_FLAGS)),
    sc!(utimes, FILE, Int; filename: Path, times: Ptr),
    sc!(vfork, PROCESS, Int),
    sc!(vhangup, 0, Int),
    sc!(vmsplice, DESC, Int; fd: Fd, iov: Ptr, nr_segs: UInt, flags: Flags(&SPLICE_FLAGS)),
    sc!(vserver, 0, Int; arg1: Hex, arg2: Hex, arg3: Hex, arg4: Hex, arg5: Hex),
    sc!(wait4, PROCESS, Int; pid: I32, wstatus: Out(process::wait_status), options: Flags(&WAIT_OPTIONS), rusage: Out(time::rusage)),
    sc!(waitid, PROCESS, Int; idtype: Enum(&IDTYPES), id: I32, infop: Out(process::waitid_info), options: Flags(&WAIT_OPTIONS), ru: Out(time::rusage)),
    sc!(write, DESC, Int; fd: Fd, buf: InBuf(2), count: UInt),
    sc!(writev, DESC, Int; fd: Fd, iov: In(iovec::iov_in), iovcnt: Int),
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
    fn arg_names(name: &str) -> Vec<&'static str> {
        lookup(name)
            .unwrap_or_else(|| panic!("no row for {name}"))
            .args
            .iter()
            .map(|a| a.name)
            .collect()
    }

    fn missing(names: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
        names.filter(|n| lookup(n).is_none()).collect()
    }

    /// `Sysno::iter()` of syscalls 0.8.1 stops before `Sysno::last()`
    /// (file_setattr), so the last one is added by hand.
    fn x86_64_names() -> impl Iterator<Item = &'static str> {
        use syscalls::x86_64::Sysno;
        Sysno::iter()
            .chain(std::iter::once(Sysno::last()))
            .map(|s| s.name())
    }

    fn aarch64_names() -> impl Iterator<Item = &'static str> {
        use syscalls::aarch64::Sysno;
        Sysno::iter()
            .chain(std::iter::once(Sysno::last()))
            .map(|s| s.name())
    }

    #[test]
    fn every_x86_64_syscall_has_a_row() {
        let m = missing(x86_64_names());
        assert!(m.is_empty(), "x86_64 syscalls without a row: {m:?}");
        let m = missing(syscalls::x86_64::Sysno::iter().map(|s| s.name()));
        assert!(m.is_empty(), "x86_64 syscalls without a row: {m:?}");
    }

    #[test]
    fn every_aarch64_syscall_has_a_row() {
        let m = missing(aarch64_names());
        assert!(m.is_empty(), "aarch64 syscalls without a row: {m:?}");
        let m = missing(syscalls::aarch64::Sysno::iter().map(|s| s.name()));
        assert!(m.is_empty(), "aarch64 syscalls without a row: {m:?}");
    }

    #[test]
    fn no_row_names_an_unknown_syscall() {
        let known: std::collections::HashSet<&str> =
            x86_64_names().chain(aarch64_names()).collect();
        let extra: Vec<&str> = SPECS
            .iter()
            .map(|s| s.name)
            .filter(|n| !known.contains(n))
            .collect();
        assert!(
            extra.is_empty(),
            "rows for names neither arch has: {extra:?}"
        );
    }

    #[test]
    fn at_most_six_arguments_with_unique_names() {
        for s in SPECS {
            assert!(s.args.len() <= 6, "{}", s.name);
            for (i, a) in s.args.iter().enumerate() {
                assert!(
                    s.args[..i].iter().all(|b| b.name != a.name),
                    "{}: {} twice",
                    s.name,
                    a.name
                );
            }
        }
    }

    #[test]
    fn spot_check_argument_names() {
        assert_eq!(arg_names("read"), ["fd", "buf", "count"]);
        assert_eq!(arg_names("write"), ["fd", "buf", "count"]);
        assert_eq!(arg_names("openat"), ["dirfd", "pathname", "flags", "mode"]);
        assert_eq!(arg_names("open"), ["pathname", "flags", "mode"]);
        assert_eq!(
            arg_names("mmap"),
            ["addr", "length", "prot", "flags", "fd", "offset"]
        );
        assert_eq!(arg_names("execve"), ["pathname", "argv", "envp"]);
        assert_eq!(
            arg_names("execveat"),
            ["dirfd", "pathname", "argv", "envp", "flags"]
        );
        assert_eq!(arg_names("clone3"), ["cl_args", "size"]);
        assert_eq!(
            arg_names("clone"),
            ["child_stack", "flags", "parent_tid", "tls", "child_tidptr"]
        );
        assert_eq!(arg_names("io_uring_setup"), ["entries", "params"]);
        assert_eq!(
            arg_names("rt_sigaction"),
            ["signum", "act", "oldact", "sigsetsize"]
        );
        assert_eq!(
            arg_names("rt_sigprocmask"),
            ["how", "set", "oldset", "sigsetsize"]
        );
        assert_eq!(
            arg_names("statx"),
            ["dirfd", "pathname", "flags", "mask", "statxbuf"]
        );
        assert_eq!(
            arg_names("renameat2"),
            ["olddirfd", "oldpath", "newdirfd", "newpath", "flags"]
        );
        assert_eq!(arg_names("getrandom"), ["buf", "buflen", "flags"]);
        assert_eq!(
            arg_names("futex"),
            ["uaddr", "futex_op", "val", "timeout", "uaddr2", "val3"]
        );
        assert_eq!(arg_names("wait4"), ["pid", "wstatus", "options", "rusage"]);
        assert_eq!(arg_names("kill"), ["pid", "sig"]);
        assert_eq!(arg_names("exit_group"), ["status"]);
    }

    #[test]
    fn spot_check_argument_counts() {
        // The kernel's counts, which the glibc prototypes sometimes hide.
        for (name, n) in [
            ("getpid", 0),
            ("brk", 1),
            ("pipe2", 2),
            ("faccessat", 3),
            ("faccessat2", 4),
            ("ppoll", 5),
            ("pselect6", 6),
            ("epoll_pwait", 6),
            ("epoll_pwait2", 6),
            ("rt_sigtimedwait", 4),
            ("signalfd", 3),
            ("signalfd4", 4),
            ("waitid", 5),
            ("preadv", 5),
            ("preadv2", 6),
            ("getcpu", 3),
            ("io_uring_enter", 6),
            ("mremap", 5),
            ("setxattrat", 6),
            ("listxattrat", 5),
            ("removexattrat", 4),
            ("file_getattr", 5),
            ("open_tree_attr", 5),
            ("futex_wait", 6),
        ] {
            assert_eq!(lookup(name).unwrap().args.len(), n, "{name}");
        }
        // None in the kernel; its row's one is the signal frame (Arch::entry_regs).
        assert_eq!(arg_names("rt_sigreturn"), ["frame"]);
    }

    #[test]
    fn return_kinds() {
        for name in [
            "open",
            "openat",
            "openat2",
            "creat",
            "socket",
            "accept",
            "accept4",
            "dup",
            "dup2",
            "dup3",
            "epoll_create",
            "epoll_create1",
            "eventfd",
            "eventfd2",
            "timerfd_create",
            "signalfd",
            "signalfd4",
            "inotify_init",
            "inotify_init1",
            "memfd_create",
            "pidfd_open",
            "fanotify_init",
            "perf_event_open",
            "userfaultfd",
            "open_tree",
            "fsopen",
            "fsmount",
            "fspick",
            "io_uring_setup",
        ] {
            assert_eq!(lookup(name).unwrap().ret, Ret::Fd, "{name}");
        }
        for name in ["mmap", "mremap", "brk", "shmat"] {
            assert_eq!(lookup(name).unwrap().ret, Ret::Hex, "{name}");
        }
        let never: Vec<&str> = SPECS
            .iter()
            .filter(|s| s.ret == Ret::Never)
            .map(|s| s.name)
            .collect();
        assert_eq!(never, ["exit", "exit_group"]);
        assert_eq!(lookup("bpf").unwrap().ret, Ret::Int);
        assert_eq!(lookup("rt_sigreturn").unwrap().ret, Ret::Int);
    }

    #[test]
    fn classes_follow_strace() {
        let class = |n: &str| lookup(n).unwrap().class;
        assert_eq!(class("openat"), FILE | DESC);
        assert_eq!(class("read"), DESC);
        assert_eq!(class("connect"), NET);
        assert_eq!(class("execve"), FILE | PROCESS);
        assert_eq!(class("mmap"), DESC | MEMORY);
        assert_eq!(class("kill"), PROCESS | SIGNAL);
        assert_eq!(class("shmat"), MEMORY | IPC);
        assert_eq!(class("setuid"), CREDS);
        assert_eq!(class("clock_gettime"), CLOCK);
        assert_eq!(class("getpid"), 0);
        assert_eq!(class("futex"), 0);
    }

    #[test]
    fn signal_arguments() {
        for (name, arg) in [
            ("kill", "sig"),
            ("tkill", "sig"),
            ("tgkill", "sig"),
            ("rt_sigqueueinfo", "sig"),
            ("rt_tgsigqueueinfo", "sig"),
            ("pidfd_send_signal", "sig"),
            ("rt_sigaction", "signum"),
        ] {
            let a = lookup(name)
                .unwrap()
                .args
                .iter()
                .find(|a| a.name == arg)
                .unwrap();
            assert!(matches!(a.kind, Signal), "{name}");
        }
    }

    #[test]
    fn output_buffers_need_the_exit() {
        for name in [
            "read",
            "pread64",
            "recvfrom",
            "getxattr",
            "readlinkat",
            "getrandom",
            "getcwd",
        ] {
            assert!(lookup(name).unwrap().needs_exit_memory(), "{name}");
        }
        // Their results are decorated from memory read at exit.
        for name in ["poll", "ppoll", "select", "pselect6"] {
            let spec = lookup(name).unwrap();
            assert!(spec.needs_exit_memory(), "{name}");
            assert!(spec.needs_exit_memory_at(0), "{name}");
        }
        // fcntl's is decoded from the result alone.
        assert!(lookup("fcntl").unwrap().res_decode.is_some());
        for name in ["write", "openat", "close", "execve", "fcntl"] {
            assert!(!lookup(name).unwrap().needs_exit_memory(), "{name}");
        }
    }
}
