//! my-sysdig: a syscall tracer built on seccomp user notification and ptrace.

pub mod handlers;
pub mod arch;
pub mod record;
