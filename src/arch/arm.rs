//! arm (EABI), as the compat ABI of aarch64 (a 32-bit armhf or armel
//! program on a 64-bit kernel): r0..r5, number in r7, result in r0. As on
//! i386, longs and pointers are 32 bits (ilp32.rs); unlike i386, a 64-bit
//! argument takes an even/odd register pair, so a 32-bit argument before
//! it leaves a register unused (`pread64(fd, buf, count, pad, pos)`).

use super::Arch;
use crate::handlers::flags::*;
use crate::handlers::table::sc;
use crate::handlers::types::class::*;
use crate::handlers::types::{ArgSpec, Kind::*, Ret, Spec};

static OVERRIDES: &[Spec] = &[
    sc!(pread64, DESC, Int; fd: Fd, buf: OutBuf(2), count: UInt, pad: Hex, offset_low: UInt, offset_high: UInt),
    sc!(pwrite64, DESC, Int; fd: Fd, buf: InBuf(2), count: UInt, pad: Hex, offset_low: UInt, offset_high: UInt),
    sc!(readahead, DESC, Int; fd: Fd, pad: Hex, offset_low: UInt, offset_high: UInt, count: UInt),
    sc!(truncate64, FILE, Int; path: Path, pad: Hex, length_low: UInt, length_high: UInt),
    sc!(ftruncate64, DESC, Int; fd: Fd, pad: Hex, length_low: UInt, length_high: UInt),
    // The advice and flags come second, so that the 64-bit values pair up.
    sc!(arm_fadvise64_64, DESC, Int; fd: Fd, advice: Enum(&FADV_ADVICE), offset_low: UInt, offset_high: UInt, len_low: UInt, len_high: UInt),
    sc!(arm_sync_file_range, DESC, Int; fd: Fd, flags: Hex, offset_low: UInt, offset_high: UInt, nbytes_low: UInt, nbytes_high: UInt),
];

super::syscall_list!(syscalls, arm);

pub static ARM: Arch = Arch {
    name: "arm",
    // AUDIT_ARCH_ARM: EM_ARM, little-endian.
    audit_arch: 0x4000_0028,
    word: 4,
    compat: None,
    arg_regs: ["r0", "r1", "r2", "r3", "r4", "r5"],
    nr_reg: "r7",
    ret_reg: "r0",
    syscalls,
    overrides: OVERRIDES,
    common_rows: super::ilp32::ROWS,
    whole_rows: super::ilp32::WHOLE_ROWS,
    // arm's open flags are arm64's (O_DIRECTORY 040000 ...).
    open_flags: &super::aarch64::OPEN_FLAGS,
    o_creat: 0o100,
    o_tmpfile: 0o20000000,
    stat: super::ilp32::OLD_STAT,
    // EABI aligns epoll_event's u64 data to 8 bytes, as arm64 does.
    epoll_data_off: 8,
    arg_order: super::ilp32::ARG_ORDER,
    sigframe_mask: 0,
};
