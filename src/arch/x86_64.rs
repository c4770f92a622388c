//! x86_64: rdi rsi rdx r10 r8 r9, number in orig_rax, result in rax.

use super::Arch;
use crate::handlers::xlat::Xlat;

/// In strace's order (it prints bits in its table's order).
pub(super) static OPEN_FLAGS: Xlat = Xlat::with_field(
    &[
        (0, "O_RDONLY"),
        (1, "O_WRONLY"),
        (2, "O_RDWR"),
        (0o100, "O_CREAT"),
        (0o200, "O_EXCL"),
        (0o400, "O_NOCTTY"),
        (0o1000, "O_TRUNC"),
        (0o2000, "O_APPEND"),
        (0o4000, "O_NONBLOCK"),
        (0o4010000, "O_SYNC"),
        (0o10000, "O_DSYNC"),
        (0o40000, "O_DIRECT"),
        (0o100000, "O_LARGEFILE"),
        (0o400000, "O_NOFOLLOW"),
        (0o1000000, "O_NOATIME"),
        (0o2000000, "O_CLOEXEC"),
        (0o20200000, "O_TMPFILE"),
        (0o10000000, "O_PATH"),
        (0o200000, "O_DIRECTORY"),
        (0o20000, "FASYNC"),
    ],
    3,
);

super::syscall_list!(syscalls, x86_64);

pub static X86_64: Arch = Arch {
    name: "x86_64",
    audit_arch: 0xc000_003e,
    word: 8,
    compat: Some(&super::I386),
    arg_regs: ["rdi", "rsi", "rdx", "r10", "r8", "r9"],
    nr_reg: "orig_rax",
    ret_reg: "rax",
    syscalls,
    overrides: &[],
    common_rows: &[],
    whole_rows: &[],
    open_flags: &OPEN_FLAGS,
    o_creat: 0o100,
    o_tmpfile: 0o20000000,
    stat: super::StatLayout {
        size: 144,
        mode: 24,
        rdev: 40,
        st_size: 48,
    },
    epoll_data_off: 4,
    // clone(flags, stack, parent_tid, child_tid, tls).
    arg_order: &[("clone", [1, 0, 2, 4, 3, 5])],
    // The handler's `ret` popped the frame's first word (pretcode): sp is
    // 8 bytes into the frame; uc_sigmask follows uc_flags, uc_link,
    // uc_stack (24) and the 256-byte sigcontext: 8 + 8 + 24 + 256.
    sigframe_mask: 296,
};
