//! The `subscriptions` file at the user root, in Dovecot's version 2 format: a header
//! `V\t2\n\n`, then one name a line with its hierarchy levels separated by a tab and each
//! level tab-escaped (`\x01` as `\x011`, tab `\x01t`, CR `\x01r`, LF `\x01n`). The old
//! format (no header, one name a line) is read too, and rewritten as version 2.

use std::collections::BTreeSet;
use std::path::Path;

use crate::error::Result;
use crate::lock::DotLock;
use crate::names::DELIMITER;

const HEADER: &str = "V\t2\n\n";

pub(crate) fn escape(level: &str, out: &mut String) {
    for c in level.chars() {
        match c {
            '\x01' => out.push_str("\x011"),
            '\t' => out.push_str("\x01t"),
            '\r' => out.push_str("\x01r"),
            '\n' => out.push_str("\x01n"),
            c => out.push(c),
        }
    }
}

pub(crate) fn unescape(level: &str, out: &mut String) {
    let mut chars = level.chars();
    while let Some(c) = chars.next() {
        if c != '\x01' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('1') => out.push('\x01'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
}

/// The names in the file's text.
pub(crate) fn parse(text: &str) -> BTreeSet<String> {
    let (v2, body) = match text.strip_prefix(HEADER) {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut out = BTreeSet::new();
    for line in body.lines().filter(|l| !l.is_empty()) {
        if !v2 {
            out.insert(line.to_string());
            continue;
        }
        let mut name = String::new();
        for (k, level) in line.split('\t').enumerate() {
            if k > 0 {
                name.push(DELIMITER);
            }
            unescape(level, &mut name);
        }
        out.insert(name);
    }
    out
}

/// The version 2 text of `names`.
pub(crate) fn render(names: &BTreeSet<String>) -> String {
    let mut out = String::from(HEADER);
    for name in names {
        for (k, level) in name.split(DELIMITER).enumerate() {
            if k > 0 {
                out.push('\t');
            }
            escape(level, &mut out);
        }
        out.push('\n');
    }
    out
}

/// The subscribed names of the user at `root`.
pub(crate) fn read(root: &Path) -> Result<BTreeSet<String>> {
    let data = crate::fsutil::read_optional(&root.join("subscriptions"))?;
    Ok(data.map(|d| parse(&String::from_utf8_lossy(&d))).unwrap_or_default())
}

/// Adds or removes `name`, under the file's dot-lock.
pub(crate) fn set(root: &Path, name: &str, subscribed: bool, fsync: bool) -> Result<()> {
    let path = root.join("subscriptions");
    let lock = DotLock::acquire(&path)?;
    let mut names = read(root)?;
    let changed = if subscribed { names.insert(name.to_string()) } else { names.remove(name) };
    if changed {
        lock.replace(render(&names).as_bytes(), fsync)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats() {
        let v2 = "V\t2\n\nINBOX\nSub\tFolder\nodd\x01tname\n";
        let names = parse(v2);
        assert_eq!(names.iter().map(String::as_str).collect::<Vec<_>>(), ["INBOX", "Sub/Folder", "odd\tname"]);
        assert_eq!(render(&names), v2);
        let old = parse("INBOX\nSent\n");
        assert_eq!(old.len(), 2);
        assert!(old.contains("Sent"));
    }
}
