//! The agent's UNIX socket: created mode 0600 (0660 for `--socket-group`),
//! a stale file replaced only when nothing listens on it; each connection's
//! peer checked with `SO_PEERCRED`, its message and descriptors received
//! (`SCM_RIGHTS`) with bounds and a timeout.

use super::state::MAX_STATE;
use nix::sys::socket::{ControlMessageOwned, MsgFlags, getsockopt, recvmsg, sockopt};
use std::io::{IoSliceMut, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::Duration;

/// Most descriptors taken from one message (runc sends one); any beyond
/// are closed by the kernel (`MSG_CTRUNC`), and the message refused.
const MAX_FDS: usize = 16;

/// How long a peer may take to send its message.
const RECV_TIMEOUT: Duration = Duration::from_secs(2);

/// Binds `path`: refuses when something listens there or the path is not a
/// socket; replaces a stale socket. The socket is mode 0600, or 0660 and
/// group `gid` with `--socket-group`.
pub fn bind(path: &Path, gid: Option<u32>) -> Result<UnixListener, String> {
    let shown = path.display();
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_socket() => match UnixStream::connect(path) {
            Ok(_) => {
                return Err(format!(
                    "{shown}: another process listens on it (another agent?)"
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                std::fs::remove_file(path)
                    .map_err(|e| format!("{shown}: removing the stale socket: {e}"))?;
            }
            Err(e) => return Err(format!("{shown}: cannot tell whether it is in use: {e}")),
        },
        Ok(_) => return Err(format!("{shown}: exists and is not a socket")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{shown}: {e}")),
    }
    // Nobody else may connect before the mode is set: bind under a umask
    // that leaves the owner alone.
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o177));
    let bound = UnixListener::bind(path);
    nix::sys::stat::umask(old);
    let listener = bound.map_err(|e| format!("{shown}: {e}"))?;
    let mode = match gid {
        Some(g) => {
            std::os::unix::fs::chown(path, None, Some(g))
                .map_err(|e| format!("{shown}: giving it to group {g}: {e}"))?;
            0o660
        }
        None => 0o600,
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{shown}: chmod: {e}"))?;
    Ok(listener)
}

/// `--socket-group G`: a group name, or a number.
pub fn group_id(g: &str) -> Result<u32, String> {
    if let Ok(n) = g.parse::<u32>() {
        return Ok(n);
    }
    match nix::unistd::Group::from_name(g) {
        Ok(Some(gr)) => Ok(gr.gid.as_raw()),
        Ok(None) => Err(format!("--socket-group: no group named '{g}'")),
        Err(e) => Err(format!("--socket-group: looking up '{g}': {e}")),
    }
}

/// The peer's uid and pid, from `SO_PEERCRED`.
pub fn peer(conn: &UnixStream) -> Result<(u32, i32), String> {
    let c = getsockopt(conn, sockopt::PeerCredentials).map_err(|e| format!("SO_PEERCRED: {e}"))?;
    Ok((c.uid(), c.pid()))
}

/// Receives one message: its bytes (read to the end of the connection, at
/// most `MAX_STATE`) and the descriptors that came with it.
pub fn receive(conn: &mut UnixStream) -> Result<(Vec<u8>, Vec<OwnedFd>), String> {
    conn.set_read_timeout(Some(RECV_TIMEOUT))
        .map_err(|e| format!("setting a timeout: {e}"))?;
    let mut buf = vec![0u8; 64 << 10];
    let mut cmsg = nix::cmsg_space!([RawFd; MAX_FDS]);
    let (n, fds, truncated) = {
        let mut iov = [IoSliceMut::new(&mut buf)];
        let msg = loop {
            match recvmsg::<()>(
                conn.as_raw_fd(),
                &mut iov,
                Some(&mut cmsg),
                MsgFlags::MSG_CMSG_CLOEXEC,
            ) {
                Err(nix::errno::Errno::EINTR) => continue,
                Err(nix::errno::Errno::EAGAIN) => return Err("no message within 2 s".into()),
                Err(e) => return Err(format!("receiving: {e}")),
                Ok(m) => break m,
            }
        };
        let mut fds = Vec::new();
        if let Ok(cmsgs) = msg.cmsgs() {
            for c in cmsgs {
                if let ControlMessageOwned::ScmRights(raw) = c {
                    for fd in raw {
                        // SAFETY: SCM_RIGHTS gave us this new descriptor;
                        // nothing else owns it.
                        fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
                    }
                }
            }
        }
        (msg.bytes, fds, msg.flags.contains(MsgFlags::MSG_CTRUNC))
    };
    if truncated {
        return Err(format!("more than {MAX_FDS} descriptors"));
    }
    buf.truncate(n);
    // The rest of a long state, if any, to the end of the connection.
    if n > 0 {
        let mut rest = Vec::new();
        let limit = (MAX_STATE + 1 - n.min(MAX_STATE)) as u64;
        let read = conn.take(limit).read_to_end(&mut rest);
        // (What was read before an error is in `rest`.)
        buf.extend_from_slice(&rest);
        match read {
            Ok(_) => {}
            // Kept open without more to send: what came is the state.
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(format!("receiving: {e}")),
        }
    }
    Ok((buf, fds))
}

/// Whether `fd` is a seccomp user-notification listener (what
/// `/proc/self/fd` shows for one).
pub fn is_listener(fd: &OwnedFd) -> bool {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .is_ok_and(|t| t.as_os_str() == "anon_inode:seccomp notify")
}

/// Whether a listener has hung up (no process holds its filter any more).
pub fn hung_up(fd: &OwnedFd) -> bool {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: 0,
        revents: 0,
    };
    // SAFETY: one valid pollfd, no timeout.
    unsafe { libc::poll(&mut pfd, 1, 0) == 1 && pfd.revents & libc::POLLHUP != 0 }
}
