//! Where the syscall exit tracepoints are described: event ids (what
//! `perf_event_open` needs) and the offsets of the syscall number and the
//! return value in a sample's raw data, read from tracefs. Two kinds:
//! `raw_syscalls:sys_exit` (every call; the kernel filters on the number)
//! and `syscalls:sys_exit_<name>` (one call each: the kernel skips other
//! calls after a bitmap test, before building a sample).
//!
//! When tracefs is not mounted, it is mounted in a private mount namespace
//! of a short-lived child process, never on the host's tree, and the files
//! are read there.

use crate::error::{Error, Result};
use std::ffi::{CStr, CString};
use std::os::fd::{AsRawFd, RawFd};

/// Where a sample's syscall number and return value sit in its raw data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub nr_offset: usize,
    /// 8 (`long id` of raw_syscalls) or 4 (`int __syscall_nr`).
    pub nr_size: usize,
    pub ret_offset: usize,
}

/// A tracepoint as perf needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SysExit {
    /// `PERF_TYPE_TRACEPOINT` config.
    pub id: u64,
    pub layout: Layout,
}

const RAW_DIR: &str = "events/raw_syscalls/sys_exit";
const MOUNTS: &[&str] = &["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/// Finds `raw_syscalls:sys_exit`, mounting tracefs privately if needed.
pub fn sys_exit() -> Result<SysExit> {
    let files = [format!("{RAW_DIR}/id"), format!("{RAW_DIR}/format")];
    match read_files(&files)?.as_slice() {
        [Some(id), Some(fmt)] => parse(id, fmt, "id"),
        _ => Err(Error::fail("tracefs has no raw_syscalls:sys_exit event")),
    }
}

/// Finds `syscalls:sys_exit_<name>` of each call, given each call's
/// candidate names, tried in turn (the kernel names some calls after their
/// SYSCALL_DEFINE, e.g. `newfstat`), in one read of tracefs (one private
/// mount at most). `None` for a call with no event (a kernel without
/// CONFIG_FTRACE_SYSCALLS, or a name not known here): the raw event serves.
pub fn own_events(calls: &[Vec<String>]) -> Vec<Option<SysExit>> {
    own("sys_exit", calls, |id, fmt| parse(id, fmt, "__syscall_nr"))
}

/// Each call's `syscalls:KIND_<name>` event, parsed by `parse` from its
/// `id` and `format` files: the first of the call's names that tracefs has.
fn own<T>(
    kind: &str,
    calls: &[Vec<String>],
    parse: impl Fn(&str, &str) -> Result<T>,
) -> Vec<Option<T>> {
    let files: Vec<String> = calls
        .iter()
        .flatten()
        .flat_map(|n| {
            let dir = format!("events/syscalls/{kind}_{n}");
            [format!("{dir}/id"), format!("{dir}/format")]
        })
        .collect();
    let Ok(found) = read_files(&files) else {
        return calls.iter().map(|_| None).collect();
    };
    let mut pairs = found.chunks(2);
    calls
        .iter()
        .map(|names| {
            let mine: Vec<_> = pairs.by_ref().take(names.len()).collect();
            mine.into_iter().find_map(|f| match f {
                [Some(id), Some(fmt)] => parse(id, fmt).ok(),
                _ => None,
            })
        })
        .collect()
}

/// `event_names` of each of `nrs`, calls of `table` (none for a number it
/// does not know).
pub fn event_names_of(table: &crate::arch::SyscallTable, nrs: &[u32]) -> Vec<Vec<String>> {
    nrs.iter()
        .map(|&nr| table.get(nr as u64).map_or(vec![], |s| event_names(s.name)))
        .collect()
}

/// Calls whose `syscalls:` event is named after the kernel's
/// SYSCALL_DEFINE rather than the call (x86_64 and aarch64).
const EVENT_ALIASES: &[(&str, &str)] = &[
    ("stat", "newstat"),
    ("lstat", "newlstat"),
    ("fstat", "newfstat"),
    ("uname", "newuname"),
    ("umount2", "umount"),
    ("sendfile", "sendfile64"),
    ("fadvise64", "fadvise64_64"),
];

/// The event names to try for call `name`, for `own_events`.
pub fn event_names(name: &str) -> Vec<String> {
    let mut names = vec![name.to_string()];
    names.extend(
        EVENT_ALIASES
            .iter()
            .filter(|(call, _)| *call == name)
            .map(|(_, event)| event.to_string()),
    );
    names
}

/// Parses the `id` file and the `format` file of a tracepoint whose
/// syscall number is the field `nr_field` (4 or 8 bytes) and whose return
/// value is the 8-byte field `ret`.
pub fn parse(id: &str, format: &str, nr_field: &str) -> Result<SysExit> {
    let bad = |what: &str| Error::fail(format!("tracefs: sys_exit {what}"));
    let id = id.trim().parse().map_err(|_| bad("id unreadable"))?;
    let field = |name: &str| field(format, name);
    let (nr_offset, nr_size) = field(nr_field)
        .filter(|&(_, size)| size == 4 || size == 8)
        .ok_or_else(|| bad(&format!("format has no 4- or 8-byte `{nr_field}` field")))?;
    let (ret_offset, _) = field("ret")
        .filter(|&(_, size)| size == 8)
        .ok_or_else(|| bad("format has no 8-byte `ret` field"))?;
    Ok(SysExit {
        id,
        layout: Layout {
            nr_offset,
            nr_size,
            ret_offset,
        },
    })
}

/// (offset, size) of field `name` in a tracepoint's `format` file (an
/// array field is named with its length: `args[6]`).
fn field(format: &str, name: &str) -> Option<(usize, usize)> {
    fields(format).find_map(|(n, offset, size)| (n == name).then_some((offset, size)))
}

/// Every field of a tracepoint's `format` file: (name, offset, size).
fn fields(format: &str) -> impl Iterator<Item = (&str, usize, usize)> {
    format.lines().filter_map(|l| {
        let l = l.trim();
        let decl = l.strip_prefix("field:")?.split(';').next()?;
        let num = |key: &str| -> Option<usize> {
            l.split(';')
                .find_map(|p| p.trim().strip_prefix(key))?
                .trim()
                .parse()
                .ok()
        };
        Some((decl.rsplit(' ').next()?, num("offset:")?, num("size:")?))
    })
}

/// `raw_syscalls:sys_enter`: its id, and where a sample's syscall number
/// and six arguments are (`attach`'s perf mode reads calls from it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SysEnter {
    pub id: u64,
    pub nr_offset: usize,
    /// 8 (`long id` of raw_syscalls) or 4 (`int __syscall_nr`).
    pub nr_size: usize,
    pub args_offset: usize,
    /// Arguments in a sample, 8 bytes each: 6 in the raw event, the
    /// call's own in `syscalls:sys_enter_<name>`.
    pub args: usize,
}

const RAW_ENTER_DIR: &str = "events/raw_syscalls/sys_enter";

/// Finds `raw_syscalls:sys_enter`, mounting tracefs privately if needed.
pub fn sys_enter() -> Result<SysEnter> {
    let files = [
        format!("{RAW_ENTER_DIR}/id"),
        format!("{RAW_ENTER_DIR}/format"),
    ];
    match read_files(&files)?.as_slice() {
        [Some(id), Some(fmt)] => parse_enter(id, fmt),
        _ => Err(Error::fail("tracefs has no raw_syscalls:sys_enter event")),
    }
}

/// Parses sys_enter's `id` and `format` files: an 8-byte `id`, then
/// `args[6]` of 8 bytes each.
pub fn parse_enter(id: &str, format: &str) -> Result<SysEnter> {
    let bad = |what: &str| Error::fail(format!("tracefs: sys_enter {what}"));
    let id = id.trim().parse().map_err(|_| bad("id unreadable"))?;
    let (nr_offset, _) = field(format, "id")
        .filter(|&(_, size)| size == 8)
        .ok_or_else(|| bad("format has no 8-byte `id` field"))?;
    let (args_offset, _) = field(format, "args[6]")
        .filter(|&(_, size)| size == 48)
        .ok_or_else(|| bad("format has no 48-byte `args[6]` field"))?;
    Ok(SysEnter {
        id,
        nr_offset,
        nr_size: 8,
        args_offset,
        args: 6,
    })
}

/// The `syscalls:sys_enter_<name>` event of each call (the first of its
/// names that tracefs has), as `own_events` finds the exit ones.
pub fn own_enter_events(calls: &[Vec<String>]) -> Vec<Option<SysEnter>> {
    own("sys_enter", calls, parse_own_enter)
}

/// Parses a `syscalls:sys_enter_<name>` event's `id` and `format`: an
/// `int __syscall_nr`, then each argument in 8 bytes, one after another.
pub fn parse_own_enter(id: &str, format: &str) -> Result<SysEnter> {
    let bad = |what: &str| Error::fail(format!("tracefs: sys_enter_* {what}"));
    let id = id.trim().parse().map_err(|_| bad("id unreadable"))?;
    let (nr_offset, _) = field(format, "__syscall_nr")
        .filter(|&(_, size)| size == 4)
        .ok_or_else(|| bad("format has no 4-byte `__syscall_nr` field"))?;
    let args_offset = nr_offset + 8;
    // (offset, size) of every field past the number, in order.
    let rest: Vec<(usize, usize)> = fields(format)
        .map(|(_, offset, size)| (offset, size))
        .filter(|&(offset, _)| offset >= args_offset)
        .collect();
    let laid_out = rest
        .iter()
        .enumerate()
        .all(|(i, &(offset, size))| offset == args_offset + 8 * i && size == 8);
    if !laid_out || rest.len() > 6 {
        return Err(bad("arguments are not 8 bytes each, in order"));
    }
    Ok(SysEnter {
        id,
        nr_offset,
        nr_size: 4,
        args_offset,
        args: rest.len(),
    })
}

/// Reads files given relative to the tracefs root: from the host's mount
/// when there is one, else from a private mount. `None` for a file that
/// does not exist.
fn read_files(files: &[String]) -> Result<Vec<Option<String>>> {
    if let Some(root) = MOUNTS
        .iter()
        .find(|m| std::path::Path::new(&format!("{m}/events")).is_dir())
    {
        return Ok(files
            .iter()
            .map(|f| std::fs::read_to_string(format!("{root}/{f}")).ok())
            .collect());
    }
    read_in_private_mount(files)
}

/// Forks a child that unshares its mount namespace, mounts tracefs on a
/// fresh directory there and sends back the files through a pipe.
/// Everything the child needs is prepared before the fork: it only makes
/// raw syscalls, so this is safe even in a multi-threaded process.
fn read_in_private_mount(files: &[String]) -> Result<Vec<Option<String>>> {
    let fail = |why: String| Error::fail(format!("tracefs is not mounted and {why}"));
    // One directory per call: two threads may read at once (tests do).
    static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("my-sysdig-tracefs-{}-{n}", std::process::id()));
    let c = |s: String| CString::new(s).map_err(|_| fail("a path has a NUL".into()));
    let dir_c = c(dir.display().to_string())?;
    let paths = files
        .iter()
        .map(|f| c(format!("{}/{f}", dir.display())))
        .collect::<Result<Vec<_>>>()?;
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| fail(format!("pipe failed: {e}")))?;
    // SAFETY: the child runs `child_read` only (raw syscalls on memory
    // prepared above), then _exits.
    match unsafe { nix::unistd::fork() }.map_err(|e| fail(format!("fork failed: {e}")))? {
        nix::unistd::ForkResult::Child => {
            let code = child_read(w.as_raw_fd(), &dir_c, &paths);
            // SAFETY: leaving the forked child without running destructors.
            unsafe { libc::_exit(code) }
        }
        nix::unistd::ForkResult::Parent { child } => {
            drop(w);
            let mut out = Vec::new();
            let mut f = std::fs::File::from(r);
            let _ = std::io::Read::read_to_end(&mut f, &mut out);
            let status = nix::sys::wait::waitpid(child, None);
            let _ = std::fs::remove_dir(&dir);
            match status {
                Ok(nix::sys::wait::WaitStatus::Exited(_, 0)) => {}
                Ok(nix::sys::wait::WaitStatus::Exited(_, errno)) => {
                    return Err(fail(format!(
                        "mounting it privately failed: {}",
                        nix::errno::Errno::from_raw(errno)
                    )));
                }
                _ => return Err(fail("the mounting process died".into())),
            }
            let got = split_files(&out, files.len());
            got.ok_or_else(|| fail("mounting it privately gave nothing".into()))
        }
    }
}

/// The child's answer: per file, `+` and its text or `-` (missing), each
/// ended by a NUL.
fn split_files(out: &[u8], n: usize) -> Option<Vec<Option<String>>> {
    let parts: Vec<&[u8]> = out.split(|&b| b == 0).take(n).collect();
    if parts.len() != n {
        return None;
    }
    parts
        .into_iter()
        .map(|p| match p.split_first() {
            Some((b'+', text)) => Some(Some(String::from_utf8_lossy(text).into_owned())),
            Some((b'-', _)) => Some(None),
            _ => None,
        })
        .collect()
}

/// In the forked child: private mount namespace, tracefs on `dir`, each
/// file to `w` as `split_files` reads it. Returns the exit code (an errno).
fn child_read(w: RawFd, dir: &CStr, files: &[CString]) -> i32 {
    let errno = || {
        std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO)
    };
    // SAFETY: raw syscalls on valid NUL-terminated strings and a stack buffer.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS) != 0 {
            return errno();
        }
        // Nothing done here may propagate back to the host's mounts.
        if libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            return errno();
        }
        if libc::mkdir(dir.as_ptr(), 0o700) != 0 {
            return errno();
        }
        if libc::mount(
            c"tracefs".as_ptr(),
            dir.as_ptr(),
            c"tracefs".as_ptr(),
            0,
            std::ptr::null(),
        ) != 0
        {
            return errno();
        }
        let put = |b: &[u8]| libc::write(w, b.as_ptr().cast(), b.len()) == b.len() as isize;
        let mut buf = [0u8; 4096];
        for path in files {
            let fd = libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
            if fd < 0 {
                if !put(b"-\0") {
                    return errno();
                }
                continue;
            }
            if !put(b"+") {
                return errno();
            }
            loop {
                let n = libc::read(fd, buf.as_mut_ptr().cast(), buf.len());
                if n < 0 {
                    return errno();
                }
                if n == 0 {
                    break;
                }
                if !put(&buf[..n as usize]) {
                    return errno();
                }
            }
            libc::close(fd);
            if !put(b"\0") {
                return errno();
            }
        }
        // The namespace dies with this process; the directory is removed
        // by the parent.
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORMAT: &str = "name: sys_exit\nID: 442\nformat:\n\
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n\
\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n\
\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n";

    const PER_CALL: &str = "name: sys_exit_getppid\nID: 304\nformat:\n\
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n\
\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\
\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n";

    const ENTER_ACCEPT4: &str = "name: sys_enter_accept4\nID: 2234\nformat:\n\
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n\
\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\
\tfield:int fd;\toffset:16;\tsize:8;\tsigned:0;\n\
\tfield:struct sockaddr * upeer_sockaddr;\toffset:24;\tsize:8;\tsigned:0;\n\
\tfield:int * upeer_addrlen;\toffset:32;\tsize:8;\tsigned:0;\n\
\tfield:int flags;\toffset:40;\tsize:8;\tsigned:0;\n\n\
print fmt: \"fd: 0x%08lx\", ((unsigned long)(REC->fd))\n";

    #[test]
    fn parses_a_calls_own_enter_event() {
        let e = parse_own_enter("2234\n", ENTER_ACCEPT4).unwrap();
        let want = SysEnter {
            id: 2234,
            nr_offset: 8,
            nr_size: 4,
            args_offset: 16,
            args: 4,
        };
        assert_eq!(e, want);
        // No argument (getppid): none to read.
        let none = "format:\n\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n";
        assert_eq!(parse_own_enter("7", none).unwrap().args, 0);
        // A gap or a short argument: refused, never misread.
        let gap = ENTER_ACCEPT4.replace("offset:32", "offset:36");
        assert!(parse_own_enter("2234", &gap).is_err());
        let short = ENTER_ACCEPT4.replace("offset:40;\tsize:8", "offset:40;\tsize:4");
        assert!(parse_own_enter("2234", &short).is_err());
        assert!(parse_own_enter("x", ENTER_ACCEPT4).is_err());
        assert!(parse_own_enter("1", "garbage").is_err());
    }

    #[test]
    fn parses_the_format_files() {
        let s = parse("442\n", FORMAT, "id").unwrap();
        let layout = Layout {
            nr_offset: 8,
            nr_size: 8,
            ret_offset: 16,
        };
        assert_eq!(s, SysExit { id: 442, layout });
        let s = parse("304\n", PER_CALL, "__syscall_nr").unwrap();
        let layout = Layout {
            nr_size: 4,
            ..layout
        };
        assert_eq!(s, SysExit { id: 304, layout });
    }

    #[test]
    fn rejects_missing_or_odd_fields() {
        assert!(parse("x", FORMAT, "id").is_err());
        assert!(parse("1", "field:long id;\toffset:8;\tsize:8;", "id").is_err());
        let odd = "field:short id;\toffset:8;\tsize:2;\nfield:long ret;\toffset:16;\tsize:8;";
        assert!(parse("1", odd, "id").is_err());
        let short_ret = "field:long id;\toffset:8;\tsize:8;\nfield:int ret;\toffset:16;\tsize:4;";
        assert!(parse("1", short_ret, "id").is_err());
        // The raw event's number field is not the per-call one's.
        assert!(parse("1", FORMAT, "__syscall_nr").is_err());
    }

    #[test]
    fn splits_the_private_mount_answer() {
        let got = split_files(b"+12\n\0-\0+x\0", 3).unwrap();
        assert_eq!(got, vec![Some("12\n".into()), None, Some("x".into())]);
        assert_eq!(split_files(b"+12\0", 2), None);
        assert_eq!(split_files(b"?\0", 1), None);
    }

    fn one_call(names: &[String]) -> Option<SysExit> {
        own_events(&[names.to_vec()]).pop().flatten()
    }

    #[test]
    fn finds_the_tracepoints_here() {
        // Root on this machine: either mounted or mountable privately.
        let s = sys_exit().unwrap();
        assert!(s.id > 0);
        let getppid = one_call(&event_names("getppid")).unwrap();
        assert!(getppid.id > 0 && getppid.id != s.id && getppid.layout.nr_size == 4);
        // The first name that has an event.
        let names = ["no_such_call".to_string(), "close".to_string()];
        let close = one_call(&names).unwrap();
        assert!(close.id > 0 && close.id != getppid.id);
        assert!(one_call(&["no_such_call".to_string()]).is_none());
        #[cfg(target_arch = "x86_64")]
        assert!(
            one_call(&event_names("fstat")).is_some(),
            "fstat is newfstat"
        );
        // Several calls in one read, each with its own names.
        let calls = [
            event_names("getppid"),
            vec!["no_such_call".into()],
            names.to_vec(),
        ];
        assert_eq!(own_events(&calls), vec![Some(getppid), None, Some(close)]);
    }

    #[test]
    fn reads_files_in_a_private_mount() {
        let files = [format!("{RAW_DIR}/id"), "events/no/such/file".to_string()];
        let got = read_in_private_mount(&files).unwrap();
        assert!(
            got[0]
                .as_deref()
                .is_some_and(|id| id.trim().parse::<u64>().is_ok())
        );
        assert_eq!(got[1], None);
    }
}
