//! sysdig-style filter expressions (`--filter EXPR`): which records are
//! written. See `docs/filters.md` for the user's view.
//!
//! An expression is parsed once ([`Filter::parse`]): field names become a
//! [`field::Field`], values are pre-parsed as numbers, and each comparison
//! is checked against its field's kind, so that a mistake is an error with
//! its column rather than a filter that silently matches nothing.
//! [`Filter::matches`] then runs on every record.

mod eval;
mod field;
mod lex;
mod parse;
#[cfg(test)]
mod tests;

use crate::record::Record;

/// Deepest nesting of `not` and `(`.
pub const MAX_DEPTH: usize = 64;
/// Longest expression, in bytes.
pub const MAX_LEN: usize = 64 * 1024;

/// A parsed filter expression.
#[derive(Debug, Clone)]
pub struct Filter {
    root: parse::Node,
    fd_paths: bool,
}

impl Filter {
    /// Parses an expression; a bad one is an error that points at the column.
    pub fn parse(expr: &str) -> Result<Filter, FilterError> {
        if expr.len() > MAX_LEN {
            let mut end = MAX_LEN;
            while !expr.is_char_boundary(end) {
                end -= 1;
            }
            let column = expr[..end].chars().count() + 1;
            return Err(FilterError::new(
                expr,
                column,
                format!("expression longer than {MAX_LEN} bytes"),
            ));
        }
        let root = parse::parse(expr)?;
        let fd_paths = reads_fd_name(&root);
        Ok(Filter { root, fd_paths })
    }

    /// Whether the record passes.
    pub fn matches(&self, rec: &Record) -> bool {
        eval::matches(&self.root, rec)
    }

    /// Whether the expression reads `fd.name` (which needs `-y` when tracing live).
    pub fn uses_fd_paths(&self) -> bool {
        self.fd_paths
    }
}

fn reads_fd_name(n: &parse::Node) -> bool {
    match n {
        parse::Node::And(items) | parse::Node::Or(items) => items.iter().any(reads_fd_name),
        parse::Node::Not(inner) => reads_fd_name(inner),
        parse::Node::Cmp(c) => c.field == field::Field::FdName,
    }
}

/// A bad expression: what is wrong, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterError {
    /// 1-based, in chars; one past the last char for "at the end".
    pub column: usize,
    pub message: String,
    /// The expression as given.
    pub expr: String,
}

impl FilterError {
    pub(crate) fn new(expr: &str, column: usize, message: impl Into<String>) -> Self {
        FilterError {
            column,
            message: message.into(),
            expr: expr.to_string(),
        }
    }
}

/// Widest part of the expression shown under the message, in chars.
const SHOWN: usize = 100;

impl std::fmt::Display for FilterError {
    /// ```text
    /// --filter: unknown field 'evt.typ' at column 1 (nearest: evt.type)
    ///   evt.typ = open
    ///   ^
    /// ```
    /// (no newline at the end). A long expression is shown around the
    /// column, with `...` where it is cut; control chars show as spaces so
    /// that the caret stays under its column.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A closing note in parentheses goes after the column.
        let (message, note) = match self.message.find(" (") {
            Some(i) if self.message.ends_with(')') => self.message.split_at(i),
            _ => (self.message.as_str(), ""),
        };
        writeln!(f, "--filter: {message} at column {}{note}", self.column)?;
        let chars: Vec<char> = self
            .expr
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let at = self.column.saturating_sub(1).min(chars.len());
        let start = if chars.len() <= SHOWN {
            0
        } else {
            at.saturating_sub(SHOWN / 2).min(chars.len() - SHOWN)
        };
        let end = (start + SHOWN).min(chars.len());
        let mut line = String::new();
        let mut caret = at - start;
        if start > 0 {
            line.push_str("...");
            caret += 3;
        }
        line.extend(&chars[start..end]);
        if end < chars.len() {
            line.push_str("...");
        }
        writeln!(f, "  {line}")?;
        write!(f, "  {:caret$}^", "")
    }
}

impl std::error::Error for FilterError {}
