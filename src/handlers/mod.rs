//! Syscall decoding: the table (`table`), flag tables (`flags`, `xlat`), and
//! the generic decoder driven by argument kinds (`decode`), and one module
//! per family of structures the table's `In`/`Out`/`InOut` kinds name.

mod caps;
mod clone;
pub mod compat;
pub mod decode;
mod fcntl;
pub mod flags;
mod futex;
mod iovec;
mod poll;
mod prctl;
mod process;
mod signal;
pub mod sockaddr;
pub mod socketcall;
pub(crate) mod sockopt;
mod stat;
pub mod table;
mod term;
mod time;
pub mod types;
pub mod xlat;

pub use types::{ArgSpec, Kind, Ret, Spec, class};
