//! Constant and flag tables as data, with one generic printer each for
//! "one of" and "bits of". Unknown values and bits stay visible as numbers,
//! as strace prints them.

use std::fmt::Write;

/// A table of named values.
#[derive(Debug)]
pub struct Xlat {
    pub items: &'static [(u64, &'static str)],
    /// For flag sets whose zero value has a name of its own (`O_RDONLY`) or
    /// whose low bits are an enumeration (the open access mode): the mask of
    /// that enumerated field. Values of the field are looked up in `items`
    /// before the remaining bits are.
    pub field_mask: u64,
}

impl Xlat {
    pub const fn new(items: &'static [(u64, &'static str)]) -> Self {
        Xlat {
            items,
            field_mask: 0,
        }
    }

    pub const fn with_field(items: &'static [(u64, &'static str)], mask: u64) -> Self {
        Xlat {
            items,
            field_mask: mask,
        }
    }

    /// Name of a value, if the table has one.
    pub fn name(&self, v: u64) -> Option<&'static str> {
        self.items.iter().find(|(k, _)| *k == v).map(|(_, n)| *n)
    }

    /// `NAME` for a known value, else the decimal value.
    pub fn format_enum(&self, v: u64, out: &mut String) {
        match self.name(v) {
            Some(n) => out.push_str(n),
            None => {
                let _ = write!(out, "{}", v as i64);
            }
        }
    }

    /// `A|B|0x40` for bit flags; `0` when no bit is set and nothing is named 0.
    pub fn format_flags(&self, v: u64, out: &mut String) {
        let start = out.len();
        let mut rest = v;
        if self.field_mask != 0 {
            let field = v & self.field_mask;
            match self
                .items
                .iter()
                .find(|(k, _)| *k & !self.field_mask == 0 && *k == field)
            {
                Some((_, n)) => {
                    out.push_str(n);
                    rest &= !self.field_mask;
                }
                None => {
                    let _ = write!(out, "{field:#x}");
                    rest &= !self.field_mask;
                }
            }
        }
        for &(bit, name) in self.items {
            if bit == 0 || bit & self.field_mask != 0 {
                continue;
            }
            if rest & bit == bit {
                if out.len() > start {
                    out.push('|');
                }
                out.push_str(name);
                rest &= !bit;
            }
        }
        if rest != 0 {
            if out.len() > start {
                out.push('|');
            }
            let _ = write!(out, "{rest:#x}");
        }
        if out.len() == start {
            match self.name(0) {
                Some(n) => out.push_str(n),
                None => out.push('0'),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static T: Xlat = Xlat::new(&[(1, "A"), (2, "B"), (8, "D")]);
    static M: Xlat = Xlat::with_field(&[(0, "RD"), (1, "WR"), (2, "RDWR"), (0x40, "CREAT")], 3);

    fn flags(x: &Xlat, v: u64) -> String {
        let mut s = String::new();
        x.format_flags(v, &mut s);
        s
    }

    #[test]
    fn flags_known_and_unknown_bits() {
        assert_eq!(flags(&T, 0), "0");
        assert_eq!(flags(&T, 3), "A|B");
        assert_eq!(flags(&T, 0x13), "A|B|0x10");
        assert_eq!(flags(&T, 0x40000000), "0x40000000");
    }

    #[test]
    fn flags_with_enumerated_field() {
        assert_eq!(flags(&M, 0), "RD");
        assert_eq!(flags(&M, 0x41), "WR|CREAT");
        assert_eq!(flags(&M, 3), "0x3");
        assert_eq!(flags(&M, 0x40000000), "RD|0x40000000");
    }

    #[test]
    fn enum_unknown_is_decimal() {
        let mut s = String::new();
        T.format_enum(5, &mut s);
        assert_eq!(s, "5");
    }
}
