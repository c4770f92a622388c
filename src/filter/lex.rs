//! Scanning an expression, char by char: what a token is depends on where
//! the parser is (a field name stops at `=`, a bare value does not), so the
//! parser asks for the token it expects.

use super::FilterError;

/// A position in the expression, with the expression for errors.
pub struct Cursor<'a> {
    pub expr: &'a str,
    chars: Vec<char>,
    pos: usize,
}

/// A value as written: its text, and the column where it starts.
pub struct Word {
    pub text: String,
    pub column: usize,
    /// Written in quotes.
    pub quoted: bool,
}

/// Chars of a field name or a keyword.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Chars that end a bare value.
fn ends_value(c: char) -> bool {
    c.is_whitespace() || c == ')' || c == ','
}

impl<'a> Cursor<'a> {
    pub fn new(expr: &'a str) -> Self {
        Cursor {
            expr,
            chars: expr.chars().collect(),
            pos: 0,
        }
    }

    /// 1-based column of the current char (one past the end at the end).
    pub fn column(&self) -> usize {
        self.pos + 1
    }

    pub fn error(&self, column: usize, message: impl Into<String>) -> FilterError {
        FilterError::new(self.expr, column, message)
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    pub fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    pub fn bump(&mut self) {
        self.pos = (self.pos + 1).min(self.chars.len());
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    /// The run of name chars here, not consumed.
    pub fn peek_name(&self) -> String {
        self.chars[self.pos.min(self.chars.len())..]
            .iter()
            .take_while(|c| is_name_char(**c))
            .collect()
    }

    /// Consumes `n` chars (of a name just peeked).
    pub fn advance(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.chars.len());
    }

    /// Whether the keyword `kw` is here, as a whole word.
    pub fn at_keyword(&self, kw: &str) -> bool {
        self.peek_name() == kw
    }

    /// The text from here up to whitespace, for an error message: at most
    /// 20 chars.
    pub fn snippet(&self) -> String {
        let rest: String = self.chars[self.pos.min(self.chars.len())..]
            .iter()
            .take_while(|c| !c.is_whitespace())
            .take(20)
            .collect();
        rest
    }

    /// A value: quoted with `"` or `'` (escapes `\" \' \\ \n \t`), or bare up
    /// to whitespace, `)` or `,`. `after` names what it follows, for the
    /// error when there is none.
    pub fn value(&mut self, after: &str) -> Result<Word, FilterError> {
        self.skip_ws();
        let column = self.column();
        match self.peek() {
            None => Err(self.error(column, format!("expected a value after {after}"))),
            Some(q @ ('"' | '\'')) => self.quoted(q, column),
            Some('(') => Err(self.error(
                column,
                format!("expected a value after {after}, not '(' (a list is 'in (a, b)'; quote a value that starts with '(')"),
            )),
            Some(c) if ends_value(c) => {
                Err(self.error(column, format!("expected a value after {after}")))
            }
            Some(_) => {
                let mut text = String::new();
                while let Some(c) = self.peek().filter(|c| !ends_value(*c)) {
                    text.push(c);
                    self.pos += 1;
                }
                Ok(Word {
                    text,
                    column,
                    quoted: false,
                })
            }
        }
    }

    fn quoted(&mut self, quote: char, column: usize) -> Result<Word, FilterError> {
        self.pos += 1;
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error(column, "unterminated string"));
            };
            self.pos += 1;
            if c == quote {
                return Ok(Word {
                    text,
                    column,
                    quoted: true,
                });
            }
            if c != '\\' {
                text.push(c);
                continue;
            }
            let esc_column = self.column() - 1;
            let Some(e) = self.peek() else {
                return Err(self.error(column, "unterminated string"));
            };
            self.pos += 1;
            text.push(match e {
                '"' => '"',
                '\'' => '\'',
                '\\' => '\\',
                'n' => '\n',
                't' => '\t',
                other => {
                    return Err(self.error(
                        esc_column,
                        format!("unknown escape '\\{other}' (known: \\\" \\' \\\\ \\n \\t)"),
                    ));
                }
            });
        }
    }
}

/// `s` for an error message: at most 40 chars, `...` where cut.
pub fn short(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// A number as written in a filter: decimal or `0x` hex, maybe negative,
/// in the range of i64 and u64 together.
pub fn number(s: &str) -> Option<i128> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (radix, digits) = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => (16, hex),
        None => (10, digits),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = u64::from_str_radix(digits, radix).ok()? as i128;
    if neg {
        (v <= 1i128 << 63).then_some(-v)
    } else {
        Some(v)
    }
}

/// `0644`: a mode's octal form (a leading zero, then octal digits).
pub fn octal(s: &str) -> Option<i128> {
    let digits = s.strip_prefix('0')?;
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u64::from_str_radix(digits, 8).ok().map(i128::from)
}
