//! Mailbox names and the Maildir++ layout, as Dovecot's `LAYOUT=maildir++` has it: the
//! user's root directory is INBOX, every other mailbox is a directory `.<name>` beside
//! INBOX's `cur/`, `new/` and `tmp/`, with `.` for the hierarchy (`Sub/Folder` on the wire
//! is `.Sub.Folder` on disk). Names stay modified UTF-7, as Dovecot stores them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use imap_machine::store::MailboxInfo;
use imap_machine::types::ListAttribute;

pub use imap_machine::store::names::DELIMITER;

/// The directory of mailbox `name` under the user root.
pub(crate) fn dir_of(root: &Path, name: &str) -> PathBuf {
    if name == "INBOX" {
        root.to_path_buf()
    } else {
        root.join(format!(".{}", name.replace(DELIMITER, ".")))
    }
}

/// Whether `name` can be a Maildir++ mailbox: the core's rules (no empty level, no
/// wildcard, valid modified UTF-7) and no `.` (the on-disk delimiter) or control
/// character.
pub(crate) fn valid(name: &str) -> bool {
    imap_machine::store::names::valid(name)
        && !name.ends_with(DELIMITER)
        && !name.contains(['.', '\\'])
        && !name.chars().any(char::is_control)
}

pub(crate) use imap_machine::store::names::{is_inferior, superiors};

/// The names of the mailbox directories under `root` (INBOX not included).
pub(crate) fn scan(root: &Path) -> std::io::Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let Some(file) = entry.file_name().to_str().map(str::to_string) else { continue };
        let Some(rest) = file.strip_prefix('.') else { continue };
        if rest.is_empty() || rest.starts_with('.') || !entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            continue;
        }
        let name = rest.replace('.', "/");
        if valid(&name) && name != "INBOX" {
            out.insert(name);
        }
    }
    Ok(out)
}

/// The file in a mailbox's directory that keeps the special uses CREATE gave it (RFC 6154
/// §3): the attributes, one a line (`\\Sent`). It moves with the directory on RENAME and
/// goes with it on DELETE; Dovecot ignores it.
pub(crate) const SPECIAL_USE_FILE: &str = "imapm-special-use";

/// The special uses of the mailbox at `dir`: those kept in [`SPECIAL_USE_FILE`], else the
/// one its name has in Dovecot's default configuration.
pub(crate) fn special_uses(dir: &Path, name: &str) -> Vec<ListAttribute> {
    match std::fs::read_to_string(dir.join(SPECIAL_USE_FILE)) {
        Ok(text) => text
            .lines()
            .filter_map(|l| ListAttribute::NAMED.iter().find(|(_, n)| n.eq_ignore_ascii_case(l.trim())))
            .map(|(a, _)| a.clone())
            .filter(ListAttribute::is_special_use)
            .collect(),
        Err(_) => special_use(name).into_iter().collect(),
    }
}

/// The text of [`SPECIAL_USE_FILE`] for `uses`.
pub(crate) fn special_use_text(uses: &[ListAttribute]) -> String {
    let mut out = String::new();
    for a in uses {
        if let Some((_, n)) = ListAttribute::NAMED.iter().find(|(x, _)| x == a) {
            out.push_str(n);
            out.push('\n');
        }
    }
    out
}

/// The SPECIAL-USE attribute of a name, as Dovecot's default configuration gives them.
pub(crate) fn special_use(name: &str) -> Option<ListAttribute> {
    Some(match name {
        "Sent" => ListAttribute::Sent,
        "Drafts" => ListAttribute::Drafts,
        "Trash" => ListAttribute::Trash,
        "Junk" => ListAttribute::Junk,
        "Archive" => ListAttribute::Archive,
        _ => return None,
    })
}

/// LIST's view of the mailboxes `existing` (INBOX included or not): each with
/// `\HasChildren` or `\HasNoChildren`, and the superiors that have no directory of their
/// own as `\Noselect` (Maildir++ has `.a.b` without `.a`).
pub(crate) fn list(root: &Path, existing: &BTreeSet<String>) -> Vec<MailboxInfo> {
    let mut all: BTreeSet<&str> = existing.iter().map(String::as_str).collect();
    all.insert("INBOX");
    let implied: BTreeSet<&str> = existing.iter().flat_map(|n| superiors(n)).filter(|s| !all.contains(s)).collect();
    let names: BTreeSet<&str> = all.union(&implied).copied().collect();
    names
        .iter()
        .map(|name| {
            let mut attributes = Vec::new();
            if implied.contains(name) {
                attributes.push(ListAttribute::NoSelect);
            }
            let children = names.iter().any(|n| is_inferior(n, name));
            attributes.push(if children { ListAttribute::HasChildren } else { ListAttribute::HasNoChildren });
            if !implied.contains(name) {
                attributes.extend(special_uses(&dir_of(root, name), name));
            }
            MailboxInfo { name: name.to_string(), attributes }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let root = Path::new("/m");
        assert_eq!(dir_of(root, "INBOX"), Path::new("/m"));
        assert_eq!(dir_of(root, "Sub/Folder"), Path::new("/m/.Sub.Folder"));
        assert!(valid("Sub/Folder"));
        assert!(valid("Entw&APw-rfe"));
        assert!(!valid("a.b"));
        assert!(!valid("a//b"));
        assert!(!valid("/a"));
        assert!(!valid("a&"));
        assert_eq!(superiors("a/b/c").collect::<Vec<_>>(), ["a", "a/b"]);
    }

    #[test]
    fn implied_superiors_are_noselect() {
        let existing: BTreeSet<String> = ["a/b".to_string(), "Trash".to_string()].into();
        let l = list(Path::new("/nonexistent"), &existing);
        let names: Vec<&str> = l.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["INBOX", "Trash", "a", "a/b"]);
        assert_eq!(l[2].attributes, [ListAttribute::NoSelect, ListAttribute::HasChildren]);
        assert_eq!(l[1].attributes, [ListAttribute::HasNoChildren, ListAttribute::Trash]);
    }
}
