//! `struct stat` and `struct statx`, shown as strace does without `-v`:
//! the mode, then the size (or the device of a device node), then `...`.

use super::decode::{Ctx, Fields, flags};
use super::types::Call;
use super::xlat::Xlat;
use crate::record::{MORE, Value};

const S_IFMT: u64 = 0o170000;

static FILE_TYPES: Xlat = Xlat::new(&[
    (0o140000, "S_IFSOCK"),
    (0o120000, "S_IFLNK"),
    (0o100000, "S_IFREG"),
    (0o060000, "S_IFBLK"),
    (0o040000, "S_IFDIR"),
    (0o020000, "S_IFCHR"),
    (0o010000, "S_IFIFO"),
]);

/// `stx_attributes` bits.
static STATX_ATTRS: Xlat = Xlat::new(&[
    (0x4, "STATX_ATTR_COMPRESSED"),
    (0x10, "STATX_ATTR_IMMUTABLE"),
    (0x20, "STATX_ATTR_APPEND"),
    (0x40, "STATX_ATTR_NODUMP"),
    (0x800, "STATX_ATTR_ENCRYPTED"),
    (0x1000, "STATX_ATTR_AUTOMOUNT"),
    (0x2000, "STATX_ATTR_MOUNT_ROOT"),
    (0x100000, "STATX_ATTR_VERITY"),
    (0x200000, "STATX_ATTR_DAX"),
    (0x400000, "STATX_ATTR_WRITE_ATOMIC"),
]);

/// `S_IFREG|S_ISUID|0755`, as strace's `print_symbolic_mode_t`.
pub fn mode_string(mode: u64) -> String {
    let mut s = String::new();
    match (mode & S_IFMT, FILE_TYPES.name(mode & S_IFMT)) {
        (0, _) => {}
        (_, Some(n)) => {
            s.push_str(n);
            s.push('|');
        }
        (t, None) => s.push_str(&format!("{t:#o}|")),
    }
    for (bit, name) in [
        (0o4000, "S_ISUID|"),
        (0o2000, "S_ISGID|"),
        (0o1000, "S_ISVTX|"),
    ] {
        if mode & bit != 0 {
            s.push_str(name);
        }
    }
    let perm = mode & 0o777;
    s.push_str(&match perm {
        0 => "000".to_string(),
        p if p < 8 => format!("00{p:o}"),
        p => format!("0{p:o}"),
    });
    s
}

/// C's `%#x`: no prefix for zero.
fn c_hex(v: u64) -> String {
    if v == 0 {
        "0".into()
    } else {
        format!("{v:#x}")
    }
}

/// `makedev(0x88, 0x1)` for a kernel `dev_t` (glibc's major/minor split).
pub fn makedev(dev: u64) -> Value {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    Value::Sym(format!("makedev({}, {})", c_hex(major), c_hex(minor)))
}

/// `struct stat *` filled by stat/fstat/lstat/newfstatat.
pub fn stat(ctx: &Ctx, c: &Call) -> Option<Value> {
    let l = &ctx.arch.stat;
    Some(ctx.with_struct(c.val, l.size, |f| {
        let mode = f.u32(l.mode);
        let mut v = vec![("st_mode", Value::Sym(mode_string(mode)))];
        v.push(size_or_rdev(
            f, mode, l.st_size, l.rdev, "st_size", "st_rdev",
        ));
        v.push((MORE, Value::Ptr(0)));
        Value::Struct(v)
    }))
}

fn size_or_rdev(
    f: Fields,
    mode: u64,
    size_at: usize,
    rdev_at: usize,
    size: &'static str,
    rdev: &'static str,
) -> (&'static str, Value) {
    match mode & S_IFMT {
        0o020000 | 0o060000 => (rdev, makedev(f.u64(rdev_at))),
        _ => (size, Value::Int(f.i64(size_at))),
    }
}

/// `struct statx *` filled by statx: mask, attributes, mode, size.
pub fn statx(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 256, |f| {
        Value::Struct(vec![
            ("stx_mask", flags(&super::flags::STATX_MASK, f.u32(0))),
            ("stx_attributes", flags(&STATX_ATTRS, f.u64(8))),
            ("stx_mode", Value::Sym(mode_string(f.u16(28)))),
            ("stx_size", Value::UInt(f.u64(40))),
            (MORE, Value::Ptr(0)),
        ])
    }))
}

/// File system magic numbers of `statfs.f_type`, values checked against
/// linux/magic.h; others are shown in hex.
static FS_MAGIC: Xlat = Xlat::new(&[
    (0xef53, "EXT2_SUPER_MAGIC"),
    (0x0102_1994, "TMPFS_MAGIC"),
    (0x9fa0, "PROC_SUPER_MAGIC"),
    (0x6265_6572, "SYSFS_MAGIC"),
    (0x6367_7270, "CGROUP2_SUPER_MAGIC"),
    (0x0027_e0eb, "CGROUP_SUPER_MAGIC"),
    (0x1cd1, "DEVPTS_SUPER_MAGIC"),
    (0x794c_7630, "OVERLAYFS_SUPER_MAGIC"),
    (0x9123_683e, "BTRFS_SUPER_MAGIC"),
    (0x5846_5342, "XFS_SUPER_MAGIC"),
    (0x6969, "NFS_SUPER_MAGIC"),
    (0x7472_6163, "TRACEFS_MAGIC"),
    (0x6462_6720, "DEBUGFS_MAGIC"),
    (0x7363_6673, "SECURITYFS_MAGIC"),
    (0xcafe_4a11, "BPF_FS_MAGIC"),
    (0x4d44, "MSDOS_SUPER_MAGIC"),
    (0x2011_bab0, "EXFAT_SUPER_MAGIC"),
    (0x6573_5546, "FUSE_SUPER_MAGIC"),
    (0x7371_7368, "SQUASHFS_MAGIC"),
    (0x9660, "ISOFS_SUPER_MAGIC"),
    (0x0187, "AUTOFS_SUPER_MAGIC"),
    (0x9584_58f6, "HUGETLBFS_MAGIC"),
    (0x5a4f_4653, "ZONEFS_MAGIC"),
    (0x6e73_6673, "NSFS_MAGIC"),
    (0x6165_676c, "PSTOREFS_MAGIC"),
    (0x7461_636f, "OCFS2_SUPER_MAGIC"),
    (0x8584_58f6, "RAMFS_MAGIC"),
    (0xfe53_4d42, "SMB2_SUPER_MAGIC"),
    (0xff53_4d42, "CIFS_SUPER_MAGIC"),
]);

/// `statfs.f_flags` (ST_*).
static ST_FLAGS: Xlat = Xlat::new(&[
    (0x0001, "ST_RDONLY"),
    (0x0002, "ST_NOSUID"),
    (0x0004, "ST_NODEV"),
    (0x0008, "ST_NOEXEC"),
    (0x0010, "ST_SYNCHRONOUS"),
    (0x0020, "ST_VALID"),
    (0x0040, "ST_MANDLOCK"),
    (0x0400, "ST_NOATIME"),
    (0x0800, "ST_NODIRATIME"),
    (0x1000, "ST_RELATIME"),
    (0x2000, "ST_NOSYMFOLLOW"),
]);

/// `struct statfs *` of statfs/fstatfs: the same 120-byte layout on x86_64
/// and aarch64 (every field a 64-bit word but the two `f_fsid` ints).
pub fn statfs(ctx: &Ctx, c: &Call) -> Option<Value> {
    Some(ctx.with_struct(c.val, 120, |f| {
        let word = |i: usize| Value::UInt(f.u64(8 * i));
        let magic = f.u64(0);
        Value::Struct(vec![
            (
                "f_type",
                match FS_MAGIC.name(magic) {
                    Some(n) => Value::Sym(n.to_string()),
                    None => Value::Hex(magic),
                },
            ),
            ("f_bsize", word(1)),
            ("f_blocks", word(2)),
            ("f_bfree", word(3)),
            ("f_bavail", word(4)),
            ("f_files", word(5)),
            ("f_ffree", word(6)),
            (
                "f_fsid",
                Value::Struct(vec![(
                    "val",
                    Value::Array {
                        items: vec![Value::Hex(f.u32(56)), Value::Hex(f.u32(60))],
                        truncated: false,
                    },
                )]),
            ),
            ("f_namelen", word(8)),
            ("f_frsize", word(9)),
            ("f_flags", flags(&ST_FLAGS, f.u64(80))),
        ])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch;
    use crate::handlers::decode::testmem::Buf;
    use crate::record::tests::strace_string;

    const BASE: u64 = 0x1000;

    fn call(val: u64) -> Call<'static> {
        Call {
            val,
            regs: &[0; 6],
            res: Some(0),
            entry: None,
        }
    }

    fn x86_stat(mode: u32, size: i64, rdev: u64) -> Vec<u8> {
        let mut b = vec![0u8; 144];
        b[24..28].copy_from_slice(&mode.to_ne_bytes());
        b[40..48].copy_from_slice(&rdev.to_ne_bytes());
        b[48..56].copy_from_slice(&size.to_ne_bytes());
        b
    }

    fn show(f: super::super::types::DecodeFn, bytes: Vec<u8>, addr: u64) -> String {
        let m = Buf { base: BASE, bytes };
        let ctx = Ctx {
            arch: &arch::X86_64,
            mem: &m,
            snaplen: 32,
        };
        strace_string(&f(&ctx, &call(addr)).unwrap())
    }

    #[test]
    fn regular_file_and_device() {
        assert_eq!(
            show(stat, x86_stat(0o100644, 1234, 0), BASE),
            "{st_mode=S_IFREG|0644, st_size=1234, ...}"
        );
        assert_eq!(
            show(stat, x86_stat(0o20666, 0, 0x103), BASE),
            "{st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}"
        );
        assert_eq!(
            show(stat, x86_stat(0o41777, 4096, 0), BASE),
            "{st_mode=S_IFDIR|S_ISVTX|0777, st_size=4096, ...}"
        );
    }

    #[test]
    fn truncated_and_bad_pointer_show_the_address() {
        assert_eq!(show(stat, vec![0; 100], BASE), "0x1000");
        assert_eq!(show(stat, vec![0; 144], 0x1), "0x1");
        assert_eq!(show(stat, vec![0; 144], 0), "NULL");
    }

    #[test]
    fn statx_fields() {
        let mut b = vec![0u8; 256];
        b[0..4].copy_from_slice(&0x17ffu32.to_ne_bytes());
        b[28..30].copy_from_slice(&0o40755u16.to_ne_bytes());
        b[40..48].copy_from_slice(&4096u64.to_ne_bytes());
        assert_eq!(
            show(statx, b, BASE),
            "{stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFDIR|0755, stx_size=4096, ...}"
        );
    }

    #[test]
    fn modes() {
        assert_eq!(mode_string(0o104755), "S_IFREG|S_ISUID|0755");
        assert_eq!(mode_string(0o100000), "S_IFREG|000");
        assert_eq!(mode_string(0o7), "007");
    }

    #[test]
    fn statfs_like_strace() {
        let mut b = vec![0u8; 120];
        let put =
            |b: &mut Vec<u8>, at: usize, v: u64| b[at..at + 8].copy_from_slice(&v.to_ne_bytes());
        put(&mut b, 0, 0xef53);
        put(&mut b, 8, 4096);
        put(&mut b, 16, 100);
        put(&mut b, 56, 0x15);
        put(&mut b, 64, 255);
        put(&mut b, 72, 4096);
        put(&mut b, 80, 0x1020);
        assert_eq!(
            show(statfs, b.clone(), 0x1000),
            "{f_type=EXT2_SUPER_MAGIC, f_bsize=4096, f_blocks=100, f_bfree=0, f_bavail=0, \
             f_files=0, f_ffree=0, f_fsid={val=[0x15, 0]}, f_namelen=255, f_frsize=4096, \
             f_flags=ST_VALID|ST_RELATIME}"
        );
        put(&mut b, 0, 0x1234_5678);
        assert!(show(statfs, b.clone(), 0x1000).starts_with("{f_type=0x12345678, "));
        // Short memory: the pointer, as strace shows an unreadable struct.
        assert_eq!(show(statfs, b[..100].to_vec(), 0x1000), "0x1000");
    }
}
