//! STUB
#![allow(dead_code, unused_variables)]
use crate::record::Record;
#[derive(Debug, Clone)]
pub struct Filter;
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError { pub column: usize, pub message: String }
impl std::fmt::Display for FilterError { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "--filter: {}", self.message) } }
impl std::error::Error for FilterError {}
impl Filter {
    pub fn parse(expr: &str) -> Result<Filter, FilterError> { Ok(Filter) }
    pub fn matches(&self, rec: &Record) -> bool { true }
    pub fn uses_fd_paths(&self) -> bool { false }
}
