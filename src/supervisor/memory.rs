//! Reading tracee memory: `process_vm_readv` (one syscall, honours page
//! protections, partial reads at an unmapped page), falling back to
//! `/proc/TID/mem` where the former is not permitted.

use crate::handlers::decode::Memory;
use std::os::unix::fs::FileExt;

pub struct ProcMem {
    pub tid: i32,
}

impl Memory for ProcMem {
    fn read(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
        if buf.is_empty() {
            return Ok(0);
        }
        let local = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: buf.len(),
        };
        let remote = libc::iovec {
            iov_base: addr as *mut libc::c_void,
            iov_len: buf.len(),
        };
        // SAFETY: the local iovec covers exactly `buf`; the remote one is
        // only read by the kernel, which checks it against the tracee.
        let n = unsafe { libc::process_vm_readv(self.tid, &local, 1, &remote, 1, 0) };
        if n >= 0 {
            return Ok(n as usize);
        }
        let err = std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO);
        match err {
            libc::EPERM | libc::ENOSYS => self.read_proc(addr, buf),
            e => Err(e),
        }
    }
}

impl ProcMem {
    fn read_proc(&self, addr: u64, buf: &mut [u8]) -> Result<usize, i32> {
        let f = std::fs::File::open(format!("/proc/{}/mem", self.tid))
            .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
        match f.read_at(buf, addr) {
            Ok(n) => Ok(n),
            Err(e) => Err(e.raw_os_error().unwrap_or(libc::EIO)),
        }
    }
}

/// Writes `data` at `addr` in thread `tid` (fault injection's `poke_enter=`
/// and `poke_exit=`): `process_vm_writev`, else `/proc/TID/mem` (which, as
/// strace's PTRACE_POKEDATA, also writes read-only pages). Returns whether
/// every byte was written; a bad address is the user's to see in the record.
pub fn poke(tid: i32, addr: u64, data: &[u8]) -> bool {
    if data.is_empty() {
        return true;
    }
    let local = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: the local iovec covers exactly `data`, which the kernel only
    // reads; the remote one is checked by the kernel against the tracee.
    let n = unsafe { libc::process_vm_writev(tid, &local, 1, &remote, 1, 0) };
    if n == data.len() as isize {
        return true;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(format!("/proc/{tid}/mem"))
        .and_then(|f| f.write_all_at(data, addr))
        .is_ok()
}
