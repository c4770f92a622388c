//! The files records and captures are written to: created mode 0600 and
//! never through a symbolic link (they hold what the traced program read
//! and wrote), or one of our own standard streams.

use crate::error::{Error, Result};
use std::fs::File;
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Creates (or truncates) `path` for writing, mode 0600, refusing a
/// symbolic link. `what` names it in the error (`output`, `capture`).
pub fn create(path: &Path, what: &str) -> Result<File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| {
            let why = if e.raw_os_error() == Some(libc::ELOOP) {
                "refusing to follow a symbolic link".to_string()
            } else {
                e.to_string()
            };
            Error::fail(format!("cannot open {what} {}: {why}", path.display()))
        })
}

/// A copy of our standard output.
pub fn stdout() -> Result<File> {
    dup(std::io::stdout().as_fd(), "stdout")
}

/// A copy of our standard error.
pub fn stderr() -> Result<File> {
    dup(std::io::stderr().as_fd(), "stderr")
}

fn dup(fd: std::os::fd::BorrowedFd<'_>, name: &str) -> Result<File> {
    fd.try_clone_to_owned()
        .map(File::from)
        .map_err(|e| Error::fail(format!("duplicating {name}: {e}")))
}

/// `-` for the standard stream, else a file created as `create` does.
pub fn create_or_stdout(path: &Path, what: &str) -> Result<File> {
    if path.as_os_str() == "-" {
        stdout()
    } else {
        create(path, what)
    }
}

/// `-w`: the capture file, opened before anything runs, with the header
/// `header` makes; none without `-w`.
pub fn capture(
    path: Option<&PathBuf>,
    header: impl FnOnce() -> crate::capture::Header,
) -> Result<Option<(File, crate::capture::Header)>> {
    match path {
        Some(p) => Ok(Some((create_or_stdout(p, "capture")?, header()))),
        None => Ok(None),
    }
}
