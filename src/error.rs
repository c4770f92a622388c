//! One error type: a one-line message (printed as `my-sysdig: MESSAGE`) and
//! the exit code it maps to.

use std::fmt;

#[derive(Debug)]
pub struct Error {
    pub msg: String,
    pub code: u8,
}

impl Error {
    /// Bad usage: exit 2, nothing run.
    pub fn usage(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            code: 2,
        }
    }

    /// A failure of the tracer itself: exit 1.
    pub fn fail(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            code: 1,
        }
    }

    pub fn with_code(msg: impl Into<String>, code: u8) -> Self {
        Error {
            msg: msg.into(),
            code,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
