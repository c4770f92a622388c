//! Per-architecture facts, compiled on every target: syscall numbers and
//! names (from the `syscalls` crate), the audit arch the filter checks, the
//! registers that carry arguments, and flag values that differ per arch.
//!
//! Arguments and return values are read with `PTRACE_GET_SYSCALL_INFO` and
//! from `seccomp_data`, never from raw registers, so the register names here
//! document the ABI rather than drive the decoder (on aarch64, x0 is both the
//! first argument and the return value).

/// `fn $fn() -> Vec<(u32, &'static str)>`: every syscall of one of the
/// `syscalls` crate's arch modules, by number.
macro_rules! syscall_list {
    ($fn:ident, $arch:ident) => {
        fn $fn() -> Vec<(u32, &'static str)> {
            use syscalls::$arch::Sysno;
            // `Sysno::iter()` of syscalls 0.8 stops before `Sysno::last()`.
            Sysno::iter()
                .chain(std::iter::once(Sysno::last()))
                .map(|s| (s.id() as u32, s.name()))
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_iter()
                .collect()
        }
    };
}
use syscall_list;

mod aarch64;
mod arm;
mod i386;
mod ilp32;
mod x86_64;

pub use aarch64::AARCH64;
pub use arm::ARM;
pub use i386::I386;
pub use x86_64::X86_64;

use crate::handlers::xlat::Xlat;
use crate::handlers::{ArgSpec, Kind, Ret, Spec, table};
use parking_lot::Mutex;
use std::collections::HashMap;

pub struct Arch {
    pub name: &'static str,
    /// `AUDIT_ARCH_*`, as in `seccomp_data.arch`.
    pub audit_arch: u32,
    /// Bytes of a pointer and a long.
    pub word: usize,
    /// The other ABI this kernel runs for the arch's programs (i386 on
    /// x86_64), when its calls are traced too.
    pub compat: Option<&'static Arch>,
    /// Registers holding arguments 0..5, the syscall number and the result.
    pub arg_regs: [&'static str; 6],
    pub nr_reg: &'static str,
    pub ret_reg: &'static str,
    /// `(number, name)` of every syscall.
    pub syscalls: fn() -> Vec<(u32, &'static str)>,
    /// Rows that differ from the shared table on this arch.
    pub overrides: &'static [Spec],
    /// After `overrides`: rows a family of ABIs shares (ilp32.rs's).
    pub common_rows: &'static [Spec],
    /// For a 32-bit ABI: shared rows taken whole, their structures being
    /// laid out the same for both ABIs (statx, pollfd, sigset, int pairs);
    /// other shared rows are narrowed (see `narrow`).
    pub whole_rows: &'static [&'static str],
    pub open_flags: &'static Xlat,
    pub o_creat: u64,
    pub o_tmpfile: u64,
    /// `struct stat` of stat/fstat/newfstatat.
    pub stat: StatLayout,
    /// Offset of `data` in `struct epoll_event` (packed on x86_64).
    pub epoll_data_off: usize,
    /// Rows whose arguments are not in register order: `(syscall, the
    /// register of each row argument)`. clone's row is in the order strace
    /// prints it (child_stack, flags, parent_tid, tls, child_tidptr), which
    /// no architecture's registers follow.
    pub arg_order: &'static [(&'static str, [u8; 6])],
    /// Where `rt_sigreturn` finds the signal mask it restores: this far
    /// above the stack pointer at its entry, in the signal frame the
    /// kernel built (`uc.uc_sigmask` of `struct rt_sigframe`).
    pub sigframe_mask: u64,
}

impl Arch {
    /// The six registers in the order of `name`'s row.
    pub fn row_regs(&self, name: &str, regs: &[u64; 6]) -> [u64; 6] {
        match self.arg_order.iter().find(|(n, _)| *n == name) {
            Some((_, order)) => order.map(|r| regs.get(r as usize).copied().unwrap_or(0)),
            None => *regs,
        }
    }

    /// The registers a call's row is decoded from. `rt_sigreturn` takes no
    /// arguments; its row's one argument is the address of the mask in
    /// the signal frame, known only from the stack pointer (the ptrace
    /// stop has it, a notification does not: then 0, and nothing shown).
    pub fn entry_regs(&self, name: &str, regs: [u64; 6], sp: Option<u64>) -> [u64; 6] {
        match name {
            "rt_sigreturn" => [
                sp.map_or(0, |sp| sp.wrapping_add(self.sigframe_mask)),
                0,
                0,
                0,
                0,
                0,
            ],
            _ => regs,
        }
    }
}

/// Where `struct stat`'s fields are (the kernel's, not glibc's, layout).
pub struct StatLayout {
    pub size: usize,
    pub mode: usize,
    pub rdev: usize,
    pub st_size: usize,
}

/// The architecture this binary runs on.
pub fn native() -> &'static Arch {
    #[cfg(target_arch = "aarch64")]
    {
        &AARCH64
    }
    #[cfg(not(target_arch = "aarch64"))]
    {
        &X86_64
    }
}

/// The architecture named `name` (`x86_64`, `aarch64`; a capture's header
/// names the one it was taken on).
pub fn by_name(name: &str) -> Option<&'static Arch> {
    [&X86_64, &AARCH64].into_iter().find(|a| a.name == name)
}

/// Six raw arguments, for syscalls without a row.
static RAW_ARGS: [ArgSpec; 6] = [
    ArgSpec {
        name: "arg0",
        kind: Kind::Hex,
    },
    ArgSpec {
        name: "arg1",
        kind: Kind::Hex,
    },
    ArgSpec {
        name: "arg2",
        kind: Kind::Hex,
    },
    ArgSpec {
        name: "arg3",
        kind: Kind::Hex,
    },
    ArgSpec {
        name: "arg4",
        kind: Kind::Hex,
    },
    ArgSpec {
        name: "arg5",
        kind: Kind::Hex,
    },
];

/// Numbers past the highest syscall the `syscalls` crate knows that still
/// get a row: a kernel newer than the crate implements them, and a program
/// may probe them. (Further numbers are not traced.)
const SPARE_NUMBERS: usize = 64;

/// The row of a number no syscall of the arch has (yet): strace's name,
/// `syscall_0x1d6`, six raw arguments. Built once per table, so the few
/// hundred names are leaked once, not per call.
fn unassigned(nr: usize) -> Spec {
    Spec {
        name: Box::leak(format!("syscall_{nr:#x}").into_boxed_str()),
        args: &RAW_ARGS,
        class: 0,
        ret: Ret::Int,
        res_decode: None,
    }
}

/// A row for a 32-bit ABI: a `long` is 32 bits, and (unless `whole`) the
/// decoders that read structures laid out for 64 bits (iovec, stat,
/// timespec, sigaction...) show the pointer instead. Leaked once per table,
/// as `unassigned`.
fn narrow(spec: Spec, whole: bool) -> Spec {
    let args: Vec<ArgSpec> = spec
        .args
        .iter()
        .map(|a| ArgSpec {
            name: a.name,
            kind: match a.kind {
                Kind::Int => Kind::I32,
                Kind::Timespec | Kind::In(_) | Kind::Out(_) | Kind::InOut(_) if !whole => Kind::Ptr,
                k => k,
            },
        })
        .collect();
    Spec {
        args: Box::leak(args.into_boxed_slice()),
        res_decode: spec.res_decode.filter(|_| whole),
        ..spec
    }
}

/// Rows made for numbers past the table, at most (see `SyscallTable::row`).
const MAX_EXTRA_ROWS: usize = 4096;

/// The row of a number past the table once `MAX_EXTRA_ROWS` are made: a
/// program probing that many numbers gets them under syscall(2)'s name.
static ANY_NUMBER: Spec = Spec {
    name: "syscall",
    args: &RAW_ARGS,
    class: 0,
    ret: Ret::Int,
    res_decode: None,
};

/// The table of one architecture, indexed by syscall number.
pub struct SyscallTable {
    pub arch: &'static Arch,
    by_nr: Vec<Option<Spec>>,
    /// Rows of numbers past `by_nr` that calls used, made on first use.
    extra: Mutex<HashMap<u64, &'static Spec>>,
}

impl SyscallTable {
    pub fn new(arch: &'static Arch) -> Self {
        let list = (arch.syscalls)();
        let max = list.iter().map(|&(nr, _)| nr).max().unwrap_or(0) as usize;
        let mut by_nr = vec![None; max + 1 + SPARE_NUMBERS];
        for (nr, name) in list {
            // The arch's own rows are written for it; shared rows are
            // narrowed for a 32-bit ABI.
            let own = arch
                .overrides
                .iter()
                .chain(arch.common_rows)
                .find(|s| s.name == name)
                .copied();
            let shared = || {
                let spec = table::lookup(name).copied().unwrap_or(Spec {
                    name,
                    args: &RAW_ARGS,
                    class: 0,
                    ret: Ret::Int,
                    res_decode: None,
                });
                match arch.word {
                    8 => spec,
                    _ => narrow(spec, arch.whole_rows.contains(&name)),
                }
            };
            let spec = own.unwrap_or_else(shared);
            // The row's name may be shared; the arch's name is authoritative.
            by_nr[nr as usize] = Some(Spec { name, ..spec });
        }
        // Holes (numbers of other ABIs, arch-specific ranges left empty)
        // and the spare numbers: traced like any call, as strace does.
        for (nr, row) in by_nr.iter_mut().enumerate() {
            if row.is_none() {
                *row = Some(unassigned(nr));
            }
        }
        SyscallTable {
            arch,
            by_nr,
            extra: Mutex::new(HashMap::new()),
        }
    }

    /// The row of `nr`, whatever the number: past the table, strace's
    /// `syscall_0x3e8` with six raw arguments, made once per number (a
    /// kernel far newer than the crate, or a program probing numbers).
    pub fn row(&self, nr: u64) -> &Spec {
        if let Some(s) = self.get(nr) {
            return s;
        }
        let mut extra = self.extra.lock();
        if let Some(s) = extra.get(&nr) {
            return s;
        }
        if extra.len() >= MAX_EXTRA_ROWS {
            return &ANY_NUMBER;
        }
        let row: &'static Spec = Box::leak(Box::new(unassigned(nr as usize)));
        extra.insert(nr, row);
        row
    }

    pub fn get(&self, nr: u64) -> Option<&Spec> {
        self.by_nr.get(nr as usize).and_then(Option::as_ref)
    }

    /// `(number, row)` of every syscall of the arch.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Spec)> {
        self.by_nr
            .iter()
            .enumerate()
            .filter_map(|(nr, s)| s.as_ref().map(|s| (nr as u32, s)))
    }

    pub fn number(&self, name: &str) -> Option<u32> {
        self.iter().find(|(_, s)| s.name == name).map(|(nr, _)| nr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_syscall_has_a_name_and_its_number() {
        for arch in [&X86_64, &AARCH64, &I386, &ARM] {
            let t = SyscallTable::new(arch);
            for (nr, name) in (arch.syscalls)() {
                let s = t.get(nr as u64).unwrap();
                assert_eq!(s.name, name);
                assert!(!name.is_empty() && name != "unknown");
                assert_eq!(t.number(name), Some(nr));
            }
        }
    }

    #[test]
    fn numbers_without_a_syscall_get_strace_names() {
        for arch in [&X86_64, &AARCH64] {
            let t = SyscallTable::new(arch);
            let max = (arch.syscalls)().iter().map(|&(nr, _)| nr).max().unwrap();
            let next = t.get(max as u64 + 1).unwrap();
            assert_eq!(next.name, format!("syscall_{:#x}", max + 1));
            assert_eq!(next.args.len(), 6);
            let last = max as u64 + SPARE_NUMBERS as u64;
            assert!(t.get(last).is_some() && t.get(last + 1).is_none());
            assert_eq!(t.number(&format!("syscall_{last:#x}")), Some(last as u32));
        }
        // A hole that stays one: x86_64 leaves 335..=423 to the other ABIs.
        let x = SyscallTable::new(&X86_64);
        assert_eq!(x.get(400).unwrap().name, "syscall_0x190");
        // arm64's arch-specific range 244..=259 is empty.
        let a = SyscallTable::new(&AARCH64);
        assert_eq!(a.get(250).unwrap().name, "syscall_0xfa");
    }

    #[test]
    fn i386_rows_read_32_bit_arguments_and_no_64_bit_structures() {
        assert_eq!(X86_64.compat.map(|a| a.name), Some("i386"));
        assert_eq!(AARCH64.compat.map(|a| a.name), Some("arm"));
        let t = SyscallTable::new(&I386);
        assert_eq!(t.number("getpid"), Some(20));
        assert_eq!(t.number("getuid32"), Some(199));
        assert_eq!(t.number("mmap2"), Some(192));
        assert_eq!(t.number("newfstatat"), None);
        let kinds = |name: &str| -> Vec<String> {
            let s = t.get(t.number(name).unwrap() as u64).unwrap();
            s.args
                .iter()
                .map(|a| format!("{}:{:?}", a.name, a.kind))
                .collect()
        };
        // long is 32 bits; paths and byte buffers read as on x86_64.
        assert_eq!(kinds("lseek")[1], "offset:I32");
        assert_eq!(kinds("write"), ["fd:Fd", "buf:InBuf(2)", "count:UInt"]);
        // struct sigaction, msghdr and stat are laid out for 32 bits.
        assert!(
            kinds("rt_sigaction")[1].ends_with(":Ptr"),
            "{:?}",
            kinds("rt_sigaction")
        );
        assert!(kinds("sendmsg")[1].ends_with(":Ptr"));
        // iovecs are read with 32-bit words.
        assert!(kinds("writev")[1].starts_with("iov:In("));
        assert_eq!(kinds("fstat64"), ["fd:Fd", "statbuf:Ptr"]);
        // old_mmap takes one pointer; the uid calls no argument.
        assert_eq!(kinds("mmap"), ["arg:Ptr"]);
        assert!(kinds("getuid32").is_empty());
        let fcntl = t.get(t.number("fcntl").unwrap() as u64).unwrap();
        assert!(fcntl.res_decode.is_none());
        // Structures with one layout for both ABIs are decoded.
        assert!(
            kinds("statx")[4].starts_with("statxbuf:Out("),
            "{:?}",
            kinds("statx")
        );
        assert!(kinds("socket")[2].starts_with("protocol:In("));
        let ppoll = t.get(t.number("ppoll_time64").unwrap() as u64).unwrap();
        assert!(ppoll.res_decode.is_some());
        // x86_64's rows are untouched.
        let x = SyscallTable::new(&X86_64);
        let lseek = x.get(x.number("lseek").unwrap() as u64).unwrap();
        assert!(matches!(lseek.args[1].kind, Kind::Int));
    }

    #[test]
    fn arm_pads_64_bit_arguments_and_shares_the_32_bit_rows() {
        let t = SyscallTable::new(&ARM);
        assert_eq!(t.number("getuid32"), Some(199));
        assert_eq!(t.number("mmap2"), Some(192));
        assert_eq!(t.number("socketcall"), None, "EABI has the socket calls");
        let names = |name: &str| -> Vec<&str> {
            let s = t.get(t.number(name).unwrap() as u64).unwrap();
            s.args.iter().map(|a| a.name).collect()
        };
        assert_eq!(names("pread64")[3..], ["pad", "offset_low", "offset_high"]);
        assert_eq!(names("getuid32").len(), 0);
        assert_eq!(names("_llseek"), ["fd", "offset", "result", "whence"]);
        // i386 has no padding.
        let x = SyscallTable::new(&I386);
        let pread = x.get(x.number("pread64").unwrap() as u64).unwrap();
        assert_eq!(pread.args[3].name, "offset_low");
        assert_eq!(ARM.epoll_data_off, 8);
    }

    #[test]
    fn numbers_past_the_table_get_a_row_each() {
        let t = SyscallTable::new(&X86_64);
        assert!(t.get(1000).is_none());
        let a = t.row(1000) as *const Spec;
        assert_eq!(t.row(1000).name, "syscall_0x3e8");
        assert_eq!(a, t.row(1000) as *const Spec, "made once");
        assert_eq!(t.row(0).name, "read");
        assert_eq!(t.row(5000).args.len(), 6);
    }

    #[test]
    fn rt_sigreturn_reads_the_frame_above_the_stack_pointer() {
        let regs = [7, 8, 9, 10, 11, 12];
        assert_eq!(
            X86_64.entry_regs("rt_sigreturn", regs, Some(0x1000))[0],
            0x1000 + 296
        );
        assert_eq!(
            AARCH64.entry_regs("rt_sigreturn", regs, Some(0x1000))[0],
            0x1000 + 168
        );
        assert_eq!(X86_64.entry_regs("rt_sigreturn", regs, None), [0; 6]);
        assert_eq!(X86_64.entry_regs("read", regs, Some(0x1000)), regs);
    }

    #[test]
    fn known_numbers() {
        let x = SyscallTable::new(&X86_64);
        assert_eq!(x.number("read"), Some(0));
        assert_eq!(x.number("openat"), Some(257));
        assert_eq!(x.number("getppid"), Some(110));
        let a = SyscallTable::new(&AARCH64);
        assert_eq!(a.number("read"), Some(63));
        assert_eq!(a.number("openat"), Some(56));
        assert_eq!(a.number("getppid"), Some(173));
        assert_eq!(a.number("open"), None, "aarch64 has only the *at forms");
        assert_eq!(a.number("stat"), None);
        // The last syscall of the crate's list is there too.
        assert!(x.number("file_setattr").is_some() && a.number("file_setattr").is_some());
    }

    #[test]
    fn clone_argument_order_differs() {
        // Registers as each arch passes clone's (flags, stack, parent_tid,
        // child_tid or tls, tls or child_tid); the row is strace's order.
        let regs = [1, 2, 3, 4, 5, 6];
        assert_eq!(X86_64.row_regs("clone", &regs)[..5], [2, 1, 3, 5, 4]);
        assert_eq!(AARCH64.row_regs("clone", &regs)[..5], [2, 1, 3, 4, 5]);
        assert_eq!(X86_64.row_regs("read", &regs), regs);
        for arch in [&X86_64, &AARCH64] {
            for (name, order) in arch.arg_order {
                let spec = table::lookup(name).unwrap();
                let mut used: Vec<u8> = order[..spec.args.len()].to_vec();
                used.sort();
                used.dedup();
                assert_eq!(used.len(), spec.args.len(), "{name}: a register twice");
                assert!(order.iter().all(|&r| r < 6));
            }
        }
    }

    #[test]
    fn open_flags_differ() {
        let mut s = String::new();
        X86_64.open_flags.format_flags(0o200000, &mut s);
        assert_eq!(s, "O_RDONLY|O_DIRECTORY");
        s.clear();
        AARCH64.open_flags.format_flags(0o40000, &mut s);
        assert_eq!(s, "O_RDONLY|O_DIRECTORY");
    }
}
