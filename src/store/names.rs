//! What every store needs of mailbox names and flags (RFC 3501 §5.1, §6.4.6): the
//! hierarchy delimiter, the names a store takes, the hierarchy, and STORE's change to a
//! message's flags. The memory, Maildir and PostgreSQL stores share them.

use crate::types::{Flag, StoreKind};

/// The hierarchy delimiter every store here uses.
pub const DELIMITER: char = '/';

/// Whether `name` can be a mailbox: not empty, no empty level (no leading `/`, no `//`),
/// no LIST wildcard (`*`, `%`), valid modified UTF-7 (RFC 3501 §5.1.3).
pub fn valid(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(DELIMITER)
        && !name.contains("//")
        && !name.contains(['*', '%'])
        && crate::mutf7::decode(name.as_bytes()).is_ok()
}

/// Whether `name` is below `of` in the hierarchy.
pub fn is_inferior(name: &str, of: &str) -> bool {
    name.len() > of.len() && name.starts_with(of) && name[of.len()..].starts_with(DELIMITER)
}

/// The superiors of `name`, outermost first (`a`, `a/b` for `a/b/c`).
pub fn superiors(name: &str) -> impl Iterator<Item = &str> {
    name.match_indices(DELIMITER).map(move |(k, _)| &name[..k])
}

/// STORE's change to a message's flags (RFC 3501 §6.4.6): `FLAGS` replaces them,
/// `+FLAGS` adds those missing, `-FLAGS` removes; order kept, never a flag twice.
pub fn apply_store(flags: &mut Vec<Flag>, kind: StoreKind, given: &[Flag]) {
    if kind == StoreKind::Replace {
        flags.clear();
    }
    match kind {
        StoreKind::Replace | StoreKind::Add => {
            for f in given {
                if !flags.contains(f) {
                    flags.push(f.clone());
                }
            }
        }
        StoreKind::Remove => flags.retain(|f| !given.contains(f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hierarchy() {
        assert!(valid("a/b") && valid("INBOX") && valid("Entw&APw-rfe"));
        assert!(!valid("") && !valid("/a") && !valid("a//b") && !valid("a*") && !valid("a%") && !valid("&Jjo"));
        assert!(is_inferior("a/b", "a") && !is_inferior("ab", "a") && !is_inferior("a", "a"));
        assert_eq!(superiors("a/b/c").collect::<Vec<_>>(), vec!["a", "a/b"]);
    }

    #[test]
    fn store_changes_flags() {
        let mut f = vec![Flag::Seen];
        apply_store(&mut f, StoreKind::Add, &[Flag::Deleted, Flag::Seen]);
        assert_eq!(f, vec![Flag::Seen, Flag::Deleted]);
        apply_store(&mut f, StoreKind::Remove, &[Flag::Seen]);
        assert_eq!(f, vec![Flag::Deleted]);
        apply_store(&mut f, StoreKind::Replace, &[Flag::Draft, Flag::Draft]);
        assert_eq!(f, vec![Flag::Draft]);
    }
}
