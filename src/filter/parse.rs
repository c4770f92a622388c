//! The grammar, sysdig's:
//!
//! ```text
//! expr    := or
//! or      := and ('or' and)*
//! and     := not ('and' not)*
//! not     := 'not' not | primary
//! primary := '(' expr ')' | FIELD OP VALUE
//!          | FIELD 'in' '(' VALUE (',' VALUE)* ')' | FIELD 'exists'
//! ```
//!
//! Each comparison is checked against its field's kind here, so that
//! matching never meets a value it cannot use.

use super::field::{Field, Kind};
use super::lex::{Cursor, Word, is_name_char, number, octal, short};
use super::{FilterError, MAX_DEPTH};

/// A parsed expression.
#[derive(Clone, Debug)]
pub enum Node {
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Not(Box<Node>),
    Cmp(Cmp),
}

/// One comparison.
#[derive(Clone, Debug)]
pub struct Cmp {
    pub field: Field,
    pub op: Op,
    /// One value; several for `in`; none for `exists`.
    pub values: Box<[Lit]>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    /// `contains`, ASCII case ignored.
    IContains,
    StartsWith,
    EndsWith,
    /// `*` any run of bytes, `?` any one byte, the rest as is.
    Glob,
    In,
    Exists,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::Glob => "glob",
            Op::StartsWith => "startswith",
            Op::EndsWith => "endswith",
            Op::In => "in",
            Op::Exists => "exists",
        }
    }

    /// `<`, `<=`, `>`, `>=`: numbers only.
    pub fn is_ordering(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }

    fn is_string_op(self) -> bool {
        matches!(
            self,
            Op::Contains | Op::IContains | Op::StartsWith | Op::EndsWith | Op::Glob
        )
    }
}

/// A value, pre-parsed in every form a field may compare it in.
#[derive(Clone, Debug)]
pub struct Lit {
    pub text: Box<[u8]>,
    /// Decimal or `0x` hex.
    pub num: Option<i128>,
    /// `0644`, for modes.
    pub octal: Option<i128>,
    /// `true`/`1`, `false`/`0`.
    pub boolean: Option<bool>,
}

impl Lit {
    fn new(w: &Word) -> Lit {
        Lit {
            text: w.text.as_bytes().into(),
            num: number(&w.text),
            octal: octal(&w.text),
            boolean: match w.text.as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
        }
    }
}

pub fn parse(expr: &str) -> Result<Node, FilterError> {
    let mut p = Parser {
        c: Cursor::new(expr),
        depth: 0,
    };
    p.c.skip_ws();
    if p.c.at_end() {
        return Err(p.c.error(1, "empty expression"));
    }
    let node = p.or("")?;
    p.c.skip_ws();
    if !p.c.at_end() {
        let col = p.c.column();
        return Err(match p.c.peek() {
            Some(')') => p.c.error(col, "unexpected ')' (no '(' to close)"),
            _ => p.c.error(col, p.expected_join("the end")),
        });
    }
    Ok(node)
}

struct Parser<'a> {
    c: Cursor<'a>,
    depth: usize,
}

impl Parser<'_> {
    /// `context` says what came before, for the error when nothing does.
    fn or(&mut self, context: &str) -> Result<Node, FilterError> {
        let mut items = vec![self.and(context)?];
        loop {
            self.c.skip_ws();
            if !self.c.at_keyword("or") {
                break;
            }
            self.c.advance(2);
            items.push(self.and(" after 'or'")?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            Node::Or(items.into())
        })
    }

    fn and(&mut self, context: &str) -> Result<Node, FilterError> {
        let mut items = vec![self.not(context)?];
        loop {
            self.c.skip_ws();
            if !self.c.at_keyword("and") {
                break;
            }
            self.c.advance(3);
            items.push(self.not(" after 'and'")?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            Node::And(items.into())
        })
    }

    /// One nesting level more (`not`, `(`), or the error at `column`.
    fn enter(&mut self, column: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.c.error(
                column,
                format!("nested deeper than {MAX_DEPTH} levels of 'not' and '('"),
            ));
        }
        Ok(())
    }

    /// `context` says what came before, for the error when nothing does.
    fn not(&mut self, context: &str) -> Result<Node, FilterError> {
        self.c.skip_ws();
        let column = self.c.column();
        if self.c.at_keyword("not") {
            self.enter(column)?;
            self.c.advance(3);
            let inner = self.not(" after 'not'")?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner)));
        }
        if self.c.peek() == Some('(') {
            self.enter(column)?;
            self.c.bump();
            let inner = self.or(" after '('")?;
            self.c.skip_ws();
            match self.c.peek() {
                Some(')') => self.c.bump(),
                None => return Err(self.c.error(column, "unclosed '('")),
                Some(_) => {
                    let col = self.c.column();
                    return Err(self.c.error(col, self.expected_join("')'")));
                }
            }
            self.depth -= 1;
            return Ok(inner);
        }
        self.comparison(context)
    }

    /// `expected 'and', 'or' or X`, with a hint for `&&`, `||`, `AND`.
    fn expected_join(&self, or_else: &str) -> String {
        let mut msg = format!("expected 'and', 'or' or {or_else}");
        let here = self.c.snippet();
        let word = self.c.peek_name();
        if here.starts_with("&&") {
            msg.push_str(" (write 'and' for '&&')");
        } else if here.starts_with("||") {
            msg.push_str(" (write 'or' for '||')");
        } else if matches!(word.to_ascii_lowercase().as_str(), "and" | "or") {
            msg.push_str(" (keywords are lowercase)");
        } else if !here.is_empty() {
            msg.push_str(&format!(", not '{here}'"));
        }
        msg
    }

    fn comparison(&mut self, context: &str) -> Result<Node, FilterError> {
        let column = self.c.column();
        let name = self.c.peek_name();
        if name.is_empty() {
            let msg = match self.c.peek() {
                None => format!("expected a field, 'not' or '('{context}"),
                Some('!') => "expected a field, 'not' or '(' (write 'not' for '!')".into(),
                Some(_) => format!(
                    "expected a field, 'not' or '('{context}, not '{}'",
                    self.c.snippet()
                ),
            };
            return Err(self.c.error(column, msg));
        }
        let field = Field::lookup(&name).map_err(|m| self.c.error(column, m))?;
        self.c.advance(name.chars().count());
        self.c.skip_ws();
        let op_column = self.c.column();
        let op = self.op(&name)?;
        let op_quoted = format!("'{}'", op.name());
        let values: Vec<Word> = match op {
            Op::Exists => Vec::new(),
            Op::In => self.list()?,
            _ => vec![self.c.value(&op_quoted)?],
        };
        check(&self.c, &field, op, op_column, &values)?;
        Ok(Node::Cmp(Cmp {
            field,
            op,
            values: values.iter().map(Lit::new).collect(),
        }))
    }

    fn op(&mut self, field: &str) -> Result<Op, FilterError> {
        let column = self.c.column();
        let Some(c) = self.c.peek() else {
            return Err(self.c.error(
                column,
                format!("expected an operator after '{}'", short(field)),
            ));
        };
        let next = self.c.peek_at(1);
        let (op, len) = match (c, next) {
            ('=', Some('=')) => (Op::Eq, 2),
            ('=', _) => (Op::Eq, 1),
            ('!', Some('=')) => (Op::Ne, 2),
            ('<', Some('=')) => (Op::Le, 2),
            ('<', _) => (Op::Lt, 1),
            ('>', Some('=')) => (Op::Ge, 2),
            ('>', _) => (Op::Gt, 1),
            _ if is_name_char(c) => {
                let word = self.c.peek_name();
                let op = match word.as_str() {
                    "contains" => Op::Contains,
                    "icontains" => Op::IContains,
                    "glob" => Op::Glob,
                    "startswith" => Op::StartsWith,
                    "endswith" => Op::EndsWith,
                    "in" => Op::In,
                    "exists" => Op::Exists,
                    _ => return Err(self.unknown_op(column, &word)),
                };
                (op, word.chars().count())
            }
            _ => {
                let sym: String = std::iter::once(c)
                    .chain(next.filter(|n| !n.is_whitespace() && !is_name_char(*n)))
                    .collect();
                return Err(self.unknown_op(column, &sym));
            }
        };
        self.c.advance(len);
        Ok(op)
    }

    fn unknown_op(&self, column: usize, op: &str) -> FilterError {
        self.c.error(
            column,
            format!(
                "unknown operator '{}' (=, !=, <, <=, >, >=, contains, icontains, startswith, endswith, glob, in, exists)",
                short(op)
            ),
        )
    }

    /// `( VALUE (, VALUE)* )` after `in`.
    fn list(&mut self) -> Result<Vec<Word>, FilterError> {
        self.c.skip_ws();
        let open = self.c.column();
        if self.c.peek() != Some('(') {
            return Err(self.c.error(open, "expected '(' after 'in'"));
        }
        self.c.bump();
        let mut values = vec![self.c.value("'('")?];
        loop {
            self.c.skip_ws();
            match self.c.peek() {
                Some(')') => {
                    self.c.bump();
                    return Ok(values);
                }
                Some(',') => {
                    self.c.bump();
                    values.push(self.c.value("','")?);
                }
                None => return Err(self.c.error(open, "unclosed '(' of 'in'")),
                Some(_) => {
                    let col = self.c.column();
                    return Err(self.c.error(
                        col,
                        format!(
                            "expected ',' or ')' in the list, not '{}'",
                            self.c.snippet()
                        ),
                    ));
                }
            }
        }
    }
}

/// Whether `op` applies to `field` with these values; the error points at
/// the operator or at the offending value.
fn check(
    c: &Cursor,
    field: &Field,
    op: Op,
    op_column: usize,
    values: &[Word],
) -> Result<(), FilterError> {
    let kind = field.kind();
    if op == Op::Exists {
        return Ok(());
    }
    if kind == Kind::Text && op.is_ordering() {
        return Err(c.error(
            op_column,
            format!("'{}' needs a number field; this one is text", op.name()),
        ));
    }
    if kind == Kind::Bool {
        if !matches!(op, Op::Eq | Op::Ne | Op::In) {
            return Err(c.error(
                op_column,
                format!("'{}' does not apply to true/false; use = or !=", op.name()),
            ));
        }
        if let Some(w) = values.iter().find(|w| Lit::new(w).boolean.is_none()) {
            return Err(c.error(w.column, "expected true or false (or 1, 0)"));
        }
        return Ok(());
    }
    let needs_number = match kind {
        Kind::Number => !op.is_string_op(),
        Kind::Errno | Kind::Arg => op.is_ordering(),
        Kind::Text | Kind::Bool => false,
    };
    if needs_number {
        if let Some(w) = values.iter().find(|w| number(&w.text).is_none()) {
            let mut msg = if op == Op::In {
                "'in' needs numbers for this field".to_string()
            } else {
                format!("'{}' needs a number", op.name())
            };
            if *field == Field::EvtRes && w.text.starts_with('E') {
                msg.push_str(" (for an errno name use evt.errno)");
            } else if w.quoted || w.text.is_empty() {
                msg.push_str(&format!(", not '{}'", w.text));
            }
            return Err(c.error(w.column, msg));
        }
    }
    Ok(())
}
