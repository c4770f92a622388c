//! i386, as the compat ABI of x86_64 (a 32-bit program, or `int 0x80` from
//! 64-bit code): ebx ecx edx esi edi ebp, number in orig_eax, result in eax.
//! Longs and pointers are 32 bits, so shared rows keep only the decoders that
//! read no 64-bit structure (`SyscallTable` maps the rest to pointers). The
//! rows below, and ilp32.rs's, are the calls whose arguments differ from
//! x86_64's call of the same name, or that only i386 has.

use super::Arch;
use crate::handlers::flags::*;
use crate::handlers::table::sc;
use crate::handlers::types::class::*;
use crate::handlers::types::{ArgSpec, Kind::*, Ret, Spec};

static OVERRIDES: &[Spec] = &[
    // old_mmap and old_select: one pointer to a block of their arguments.
    sc!(mmap, DESC | MEMORY, Hex; arg: Ptr),
    sc!(select, DESC, Int; arg: Ptr),
    sc!(socketcall, NET, Int; call: Int, args: Ptr),
    // 64-bit offsets and lengths in two registers, low half first, with no
    // padding.
    sc!(pread64, DESC, Int; fd: Fd, buf: OutBuf(2), count: UInt, offset_low: UInt, offset_high: UInt),
    sc!(pwrite64, DESC, Int; fd: Fd, buf: InBuf(2), count: UInt, offset_low: UInt, offset_high: UInt),
    sc!(readahead, DESC, Int; fd: Fd, offset_low: UInt, offset_high: UInt, count: UInt),
    sc!(fadvise64, DESC, Int; fd: Fd, offset_low: UInt, offset_high: UInt, len: UInt, advice: Enum(&FADV_ADVICE)),
    sc!(sync_file_range, DESC, Int; fd: Fd, offset_low: UInt, offset_high: UInt, nbytes_low: UInt, nbytes_high: UInt, flags: Hex),
    sc!(truncate64, FILE, Int; path: Path, length_low: UInt, length_high: UInt),
    sc!(ftruncate64, DESC, Int; fd: Fd, length_low: UInt, length_high: UInt),
    sc!(waitpid, PROCESS, Int; pid: I32, wstatus: Ptr, options: Hex),
    sc!(set_thread_area, 0, Int; u_info: Ptr),
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
    common_rows: super::ilp32::ROWS,
    whole_rows: super::ilp32::WHOLE_ROWS,
    // The generic values, as x86_64's.
    open_flags: &super::x86_64::OPEN_FLAGS,
    o_creat: 0o100,
    o_tmpfile: 0o20000000,
    stat: super::ilp32::OLD_STAT,
    // u64 data at offset 4: i386 aligns it to 4 bytes.
    epoll_data_off: 4,
    arg_order: super::ilp32::ARG_ORDER,
    // rt_sigreturn has no row argument here.
    sigframe_mask: 0,
};
