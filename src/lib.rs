//! my-sysdig: a syscall tracer built on seccomp user notification and ptrace.

pub mod agent;
pub mod arch;
pub mod attach;
pub mod capture;
pub mod error;
pub mod exec;
pub mod filter;
pub mod handlers;
pub mod inject;
pub mod launcher;
pub mod pipeline;
pub mod read;
pub mod record;
pub mod select;
pub mod supervisor;
#[cfg(test)]
pub(crate) mod testutil;
pub mod view;
