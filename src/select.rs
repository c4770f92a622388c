//! `--only LIST`: which syscalls are traced. Items are syscall names,
//! classes (`%file`) and exclusions (`!name`, `!%class`), comma-separated.
//! With no positive item, everything is traced except the exclusions.

use crate::arch::{self, SyscallTable};
use crate::error::{Error, Result};
use crate::handlers::class;
use std::collections::BTreeSet;

/// Which records are kept, as the command line says it (`--only`,
/// `--pid`, `--comm`, `--filter`): the same options on every subcommand.
#[derive(Clone, Debug, Default)]
pub struct Selecting {
    pub only: Option<String>,
    pub pid: Option<i32>,
    pub comm: Option<String>,
    pub filter: Option<String>,
}

/// Syscall numbers selected by `list` (all when `None`).
pub fn parse(list: Option<&str>, table: &SyscallTable) -> Result<BTreeSet<u32>> {
    parse_abis(list, table, None).map(|s| s.native)
}

/// What `--only` selects in each ABI the tree may call through.
#[derive(Debug, Default)]
pub struct Selection {
    pub native: BTreeSet<u32>,
    /// Numbers of the compat ABI (`Arch::compat`), by the same names.
    pub compat: BTreeSet<u32>,
    /// No positive item: numbers past the tables are selected too (strace
    /// traces `syscall(1000)` as `syscall_0x3e8` then).
    pub open: bool,
}

/// By syscall number of `table`, whether `nrs` holds it (the supervisor's
/// `selected` tables).
pub fn by_number(table: &SyscallTable, nrs: &BTreeSet<u32>) -> Vec<bool> {
    let mut sel = vec![
        false;
        table
            .iter()
            .map(|(nr, _)| nr as usize + 1)
            .max()
            .unwrap_or(0)
    ];
    for &nr in nrs {
        if let Some(s) = sel.get_mut(nr as usize) {
            *s = true;
        }
    }
    sel
}

/// As `parse`, for the native table and, when given, its compat ABI's: a
/// name applies to the call of that name in each, and is an error only
/// when neither has it (`mmap2` exists only for i386 programs).
pub fn parse_abis(
    list: Option<&str>,
    table: &SyscallTable,
    compat: Option<&SyscallTable>,
) -> Result<Selection> {
    let all = |t: &SyscallTable| -> BTreeSet<u32> { t.iter().map(|(nr, _)| nr).collect() };
    let everything = Selection {
        native: all(table),
        compat: compat.map(all).unwrap_or_default(),
        open: true,
    };
    let Some(list) = list else {
        return Ok(everything);
    };
    let mut include = Selection::default();
    let mut exclude = Selection::default();
    let mut any_positive = false;
    for item in list.split(',').map(str::trim) {
        if item.is_empty() {
            return Err(Error::usage(format!("--only: empty item in '{list}'")));
        }
        let (negate, word) = match item.strip_prefix('!') {
            Some(w) => (true, w),
            None => (false, item),
        };
        let native = resolve(word, table, compat);
        let other = compat.map(|c| resolve(word, c, None));
        let (native, other) = match (native, other) {
            (Ok(n), Some(Ok(c))) => (n, c),
            (Ok(n), Some(Err(_)) | None) => (n, BTreeSet::new()),
            (Err(_), Some(Ok(c))) => (BTreeSet::new(), c),
            (Err(e), _) => return Err(e),
        };
        let into = if negate {
            &mut exclude
        } else {
            any_positive = true;
            &mut include
        };
        into.native.extend(native);
        into.compat.extend(other);
    }
    let base = if any_positive { include } else { everything };
    Ok(Selection {
        native: base.native.difference(&exclude.native).copied().collect(),
        compat: base.compat.difference(&exclude.compat).copied().collect(),
        open: !any_positive,
    })
}

fn resolve(
    word: &str,
    table: &SyscallTable,
    compat: Option<&SyscallTable>,
) -> Result<BTreeSet<u32>> {
    if let Some(cls) = word.strip_prefix('%') {
        let Some(&(_, bit)) = class::NAMES.iter().find(|(n, _)| *n == cls) else {
            let names: Vec<String> = class::NAMES.iter().map(|(n, _)| format!("%{n}")).collect();
            return Err(Error::usage(format!(
                "--only: unknown class '%{cls}' (classes: {})",
                names.join(" ")
            )));
        };
        return Ok(table
            .iter()
            .filter(|(_, s)| s.class & bit != 0)
            .map(|(nr, _)| nr)
            .collect());
    }
    if let Some(nr) = table.number(word) {
        return Ok([nr].into());
    }
    let other = [&arch::X86_64, &arch::AARCH64]
        .into_iter()
        .filter(|a| a.name != table.arch.name)
        .find(|a| (a.syscalls)().iter().any(|&(_, n)| n == word));
    if let Some(a) = other {
        return Err(Error::usage(format!(
            "--only: '{word}' is a syscall on {} but not on {}{}",
            a.name,
            table.arch.name,
            suggest(word, table, compat)
        )));
    }
    Err(Error::usage(format!(
        "--only: unknown syscall '{word}'{}",
        suggest(word, table, compat)
    )))
}

/// ` (did you mean: a, b?)` with the nearest names, or nothing.
fn suggest(word: &str, table: &SyscallTable, compat: Option<&SyscallTable>) -> String {
    let mut scored: Vec<(usize, &str)> = table
        .iter()
        .chain(compat.into_iter().flat_map(|c| c.iter()))
        .map(|(_, s)| s.name)
        .filter_map(|n| {
            let d = distance(word, n);
            let close = d <= 2.max(word.len() / 4) || (word.len() >= 3 && n.contains(word));
            close.then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.dedup();
    scored.truncate(4);
    if scored.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = scored.iter().map(|&(_, n)| n).collect();
    format!(" (did you mean: {}?)", names.join(", "))
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> SyscallTable {
        SyscallTable::new(&arch::X86_64)
    }

    fn names(list: &str) -> Vec<&'static str> {
        let t = t();
        parse(Some(list), &t)
            .unwrap()
            .into_iter()
            .map(|nr| t.get(nr as u64).unwrap().name)
            .collect()
    }

    #[test]
    fn names_classes_and_exclusions() {
        assert_eq!(names("read,write"), ["read", "write"]);
        assert!(names("%net").contains(&"connect"));
        assert!(!names("%net,!connect").contains(&"connect"));
        let everything_but = names("!read");
        assert!(!everything_but.contains(&"read") && everything_but.contains(&"write"));
        assert_eq!(parse(None, &t()).unwrap().len(), t().iter().count());
    }

    #[test]
    fn unknown_names_suggest_neighbours() {
        let e = parse(Some("raed"), &t()).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(
            e.msg.contains("unknown syscall 'raed'") && e.msg.contains("read"),
            "{}",
            e.msg
        );
        let e = parse(Some("%nope"), &t()).unwrap_err();
        assert!(e.msg.contains("%file"), "{}", e.msg);
        assert!(parse(Some("read,,write"), &t()).is_err());
        let a = SyscallTable::new(&arch::AARCH64);
        let e = parse(Some("open"), &a).unwrap_err();
        assert!(
            e.msg.contains("x86_64 but not on aarch64") && e.msg.contains("openat"),
            "{}",
            e.msg
        );
    }

    #[test]
    fn edit_distance() {
        assert_eq!(distance("read", "read"), 0);
        assert_eq!(distance("raed", "read"), 2);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn names_select_the_call_of_that_name_in_both_abis() {
        let t = t();
        let c = SyscallTable::new(&arch::I386);
        let sel = parse_abis(Some("write,getuid32"), &t, Some(&c)).unwrap();
        assert_eq!(sel.native, [1].into());
        assert_eq!(sel.compat, [4, 199].into());
        // Everything, minus an exclusion in both.
        let sel = parse_abis(Some("!write"), &t, Some(&c)).unwrap();
        assert!(!sel.native.contains(&1) && !sel.compat.contains(&4));
        assert!(sel.compat.contains(&199) && sel.native.contains(&0));
        let all = parse_abis(None, &t, Some(&c)).unwrap();
        assert!(all.compat.len() > 400, "{}", all.compat.len());
        assert!(
            all.open && sel.open,
            "no positive item: unknown numbers too"
        );
        assert!(!parse_abis(Some("write"), &t, Some(&c)).unwrap().open);
        // A name neither has is still an error, with both ABIs' suggestions.
        let e = parse_abis(Some("getuid33"), &t, Some(&c))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown syscall 'getuid33'") && e.contains("getuid32"),
            "{e}"
        );
        // Without the compat table, i386's names are unknown.
        assert!(parse_abis(Some("getuid32"), &t, None).is_err());
    }
}
