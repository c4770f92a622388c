//! Syscall decoding: the table (`table`), flag tables (`flags`, `xlat`), and
//! the generic decoder driven by argument kinds (`decode`).

pub mod decode;
pub mod flags;
pub mod sockaddr;
pub mod table;
pub mod types;
pub mod xlat;

pub use types::{ArgSpec, Kind, Ret, Spec, class};
