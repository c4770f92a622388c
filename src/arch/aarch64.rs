//! aarch64: x0..x5, number in x8, result in x0 (which also held argument 0:
//! the return value must come from PTRACE_GET_SYSCALL_INFO, never from x0 at
//! exit). Only the `*at` forms of the file calls exist.

use super::Arch;
use crate::handlers::types::Spec;
use crate::handlers::xlat::Xlat;

/// O_DIRECTORY, O_NOFOLLOW, O_DIRECT and O_LARGEFILE differ from x86_64.
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
        (0o200000, "O_DIRECT"),
        (0o400000, "O_LARGEFILE"),
        (0o100000, "O_NOFOLLOW"),
        (0o1000000, "O_NOATIME"),
        (0o2000000, "O_CLOEXEC"),
        (0o20040000, "O_TMPFILE"),
        (0o10000000, "O_PATH"),
        (0o40000, "O_DIRECTORY"),
        (0o20000, "FASYNC"),
    ],
    3,
);

/// No row differs from the shared table (clone's register order is
/// `arg_order`).
static OVERRIDES: &[Spec] = &[];

super::syscall_list!(syscalls, aarch64);

pub static AARCH64: Arch = Arch {
    name: "aarch64",
    audit_arch: 0xc000_00b7,
    word: 8,
    compat: Some(&super::ARM),
    arg_regs: ["x0", "x1", "x2", "x3", "x4", "x5"],
    nr_reg: "x8",
    ret_reg: "x0",
    syscalls,
    overrides: OVERRIDES,
    common_rows: &[],
    whole_rows: &[],
    open_flags: &OPEN_FLAGS,
    o_creat: 0o100,
    o_tmpfile: 0o20000000,
    stat: super::StatLayout {
        size: 128,
        mode: 16,
        rdev: 32,
        st_size: 48,
    },
    epoll_data_off: 8,
    // clone(flags, stack, parent_tid, tls, child_tid): CONFIG_CLONE_BACKWARDS.
    arg_order: &[("clone", [1, 0, 2, 3, 4, 5])],
    // sp is the frame: 128-byte siginfo, then uc_flags, uc_link and
    // uc_stack (24) before uc_sigmask.
    sigframe_mask: 128 + 8 + 8 + 24,
};
