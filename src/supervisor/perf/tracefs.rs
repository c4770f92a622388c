//! Where the `raw_syscalls:sys_exit` tracepoint is described: its event id
//! (what `perf_event_open` needs) and the offsets of its `id` and `ret`
//! fields in a sample's raw data, read from tracefs.
//!
//! When tracefs is not mounted, it is mounted in a private mount namespace
//! of a short-lived child process, never on the host's tree, and the two
//! files are read there.

use crate::error::{Error, Result};
use std::ffi::CStr;
use std::os::fd::{AsRawFd, RawFd};

/// The tracepoint as perf needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SysExit {
    /// `PERF_TYPE_TRACEPOINT` config.
    pub id: u64,
    /// Offsets of the syscall number and the return value in the raw data.
    pub nr_offset: usize,
    pub ret_offset: usize,
}

const EVENT_DIR: &str = "events/raw_syscalls/sys_exit";
const MOUNTS: &[&str] = &["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

/// Finds the tracepoint, mounting tracefs privately if needed. Must be
/// called while the process has one thread (it may fork).
pub fn sys_exit() -> Result<SysExit> {
    for m in MOUNTS {
        let dir = format!("{m}/{EVENT_DIR}");
        if let (Ok(id), Ok(fmt)) = (
            std::fs::read_to_string(format!("{dir}/id")),
            std::fs::read_to_string(format!("{dir}/format")),
        ) {
            return parse(&id, &fmt);
        }
    }
    let (id, fmt) = read_in_private_mount()?;
    parse(&id, &fmt)
}

/// Parses the `id` file and the `format` file of the tracepoint.
pub fn parse(id: &str, format: &str) -> Result<SysExit> {
    let bad = |what: &str| Error::fail(format!("tracefs: sys_exit {what}"));
    let id = id.trim().parse().map_err(|_| bad("id unreadable"))?;
    let field = |name: &str| -> Option<usize> {
        format.lines().find_map(|l| {
            let l = l.trim();
            let decl = l.strip_prefix("field:")?.split(';').next()?;
            if decl.rsplit(' ').next()? != name {
                return None;
            }
            let off = l
                .split(';')
                .find_map(|p| p.trim().strip_prefix("offset:"))?;
            let size = l.split(';').find_map(|p| p.trim().strip_prefix("size:"))?;
            // Both fields are `long`: this reader takes 8-byte fields only.
            (size.trim() == "8").then_some(())?;
            off.trim().parse().ok()
        })
    };
    Ok(SysExit {
        id,
        nr_offset: field("id").ok_or_else(|| bad("format has no 8-byte `id` field"))?,
        ret_offset: field("ret").ok_or_else(|| bad("format has no 8-byte `ret` field"))?,
    })
}

/// Forks a child that unshares its mount namespace, mounts tracefs on a
/// fresh directory there and sends back the two files through a pipe.
/// Everything the child needs is prepared before the fork: it only makes
/// raw syscalls, so this is safe even in a multi-threaded process.
fn read_in_private_mount() -> Result<(String, String)> {
    use std::ffi::CString;
    let fail = |why: String| Error::fail(format!("tracefs is not mounted and {why}"));
    let dir = std::env::temp_dir().join(format!("my-sysdig-tracefs-{}", std::process::id()));
    let c = |s: String| CString::new(s).map_err(|_| fail("the temporary path has a NUL".into()));
    let dir_c = c(dir.display().to_string())?;
    let id_c = c(format!("{}/{EVENT_DIR}/id", dir.display()))?;
    let fmt_c = c(format!("{}/{EVENT_DIR}/format", dir.display()))?;
    let (r, w) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC)
        .map_err(|e| fail(format!("pipe failed: {e}")))?;
    // SAFETY: the child runs `child_read` only (raw syscalls on memory
    // prepared above), then _exits.
    match unsafe { nix::unistd::fork() }.map_err(|e| fail(format!("fork failed: {e}")))? {
        nix::unistd::ForkResult::Child => {
            let code = child_read(w.as_raw_fd(), &dir_c, &id_c, &fmt_c);
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
            let text = String::from_utf8_lossy(&out).into_owned();
            match text.split_once('\0') {
                Some((id, fmt)) => Ok((id.to_string(), fmt.to_string())),
                None => Err(fail("mounting it privately gave nothing".into())),
            }
        }
    }
}

/// In the forked child: private mount namespace, tracefs on `dir`, both
/// files to `w` separated by a NUL. Returns the exit code (an errno).
fn child_read(w: RawFd, dir: &CStr, id: &CStr, fmt: &CStr) -> i32 {
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
        let mut buf = [0u8; 4096];
        for (i, path) in [id, fmt].into_iter().enumerate() {
            if i == 1 && libc::write(w, c"".as_ptr().cast(), 1) != 1 {
                return errno();
            }
            let fd = libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
            if fd < 0 {
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
                if libc::write(w, buf.as_ptr().cast(), n as usize) != n {
                    return errno();
                }
            }
            libc::close(fd);
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

    #[test]
    fn parses_the_format_file() {
        let s = parse("442\n", FORMAT).unwrap();
        assert_eq!(
            s,
            SysExit {
                id: 442,
                nr_offset: 8,
                ret_offset: 16
            }
        );
    }

    #[test]
    fn rejects_missing_or_odd_fields() {
        assert!(parse("x", FORMAT).is_err());
        assert!(parse("1", "field:long id;\toffset:8;\tsize:8;").is_err());
        assert!(
            parse(
                "1",
                "field:int id;\toffset:8;\tsize:4;\nfield:long ret;\toffset:16;\tsize:8;"
            )
            .is_err()
        );
    }

    #[test]
    fn finds_the_tracepoint_here() {
        // Root on this machine: either mounted or mountable privately.
        let s = sys_exit().unwrap();
        assert!(s.id > 0);
    }
}
