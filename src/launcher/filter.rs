//! The seccomp filter, built with libseccomp (binary tree) in the supervisor
//! and exported as classic BPF, so that the child only has to call
//! `seccomp(2)` between fork and exec (no allocation there) and can pass
//! flags libseccomp 2.5 does not know (`WAIT_KILLABLE_RECV`).

use crate::error::{Error, Result};
use libseccomp::{ScmpAction, ScmpFilterContext, ScmpSyscall};
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::{AsFd, FromRawFd, OwnedFd};

/// What the filter does with one traced syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `SECCOMP_RET_USER_NOTIF`: arguments through the listener, no stop.
    Notify,
    /// `SECCOMP_RET_TRACE`: a ptrace stop; the data is the syscall number.
    Trace,
}

/// Builds the filter: `action` for each listed syscall number, ALLOW for the
/// rest. Calls of another ABI (i386 `int 0x80`, x32) fail with ENOSYS rather
/// than run untraced.
pub fn build(rules: &[(u32, Action)]) -> Result<Vec<libc::sock_filter>> {
    let e = |what: &str, err: libseccomp::error::SeccompError| {
        Error::fail(format!("building the seccomp filter: {what}: {err}"))
    };
    let mut ctx = ScmpFilterContext::new(ScmpAction::Allow).map_err(|x| e("init", x))?;
    ctx.set_act_badarch(ScmpAction::Errno(libc::ENOSYS))
        .map_err(|x| e("bad-arch action", x))?;
    // The supervisor sets NO_NEW_PRIVS itself in the child.
    ctx.set_ctl_nnp(false).map_err(|x| e("nnp", x))?;
    ctx.set_ctl_optimize(2).map_err(|x| e("binary tree", x))?;
    for &(nr, action) in rules {
        let act = match action {
            Action::Notify => ScmpAction::Notify,
            Action::Trace => ScmpAction::Trace(nr as u16),
        };
        ctx.add_rule(act, ScmpSyscall::from(nr as i32))
            .map_err(|x| e(&format!("rule for syscall {nr}"), x))?;
    }
    // SAFETY: memfd_create with a static NUL-terminated name; the result is
    // checked and owned at once.
    let fd = unsafe { libc::memfd_create(c"my-sysdig-bpf".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(Error::fail(format!(
            "memfd_create: {}",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: fd is a fresh descriptor we own.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    ctx.export_bpf(fd.as_fd()).map_err(|x| e("export", x))?;
    let mut file = std::fs::File::from(fd);
    let mut raw = Vec::new();
    file.seek(SeekFrom::Start(0))
        .and_then(|_| file.read_to_end(&mut raw))
        .map_err(|x| Error::fail(format!("reading the exported filter: {x}")))?;
    Ok(raw
        .chunks_exact(8)
        .map(|c| libc::sock_filter {
            code: u16::from_ne_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_has_actions_for_rules() {
        let prog = build(&[(0, Action::Trace), (1, Action::Notify)]).unwrap();
        assert!(!prog.is_empty());
        let rets: Vec<u32> = prog
            .iter()
            .filter(|i| i.code == 0x06)
            .map(|i| i.k)
            .collect();
        assert!(rets.contains(&(libc::SECCOMP_RET_TRACE)), "{rets:x?}");
        assert!(rets.contains(&libc::SECCOMP_RET_USER_NOTIF));
        assert!(rets.contains(&libc::SECCOMP_RET_ALLOW));
        // Other ABIs are refused, not let through: the arch is checked, and
        // on x86_64 so is the x32 bit of the syscall number.
        let enosys = libc::SECCOMP_RET_ERRNO | libc::ENOSYS as u32;
        assert!(rets.contains(&enosys), "{rets:x?}");
        #[cfg(target_arch = "x86_64")]
        assert!(prog.iter().any(|i| i.k == 0x4000_0000), "x32 check");
    }
}
