//! Per-mailbox tables at the user root, which outlive the process: METADATA (RFC 5464)
//! in `imap-machine-metadata` ([`METADATA`]) and the URLAUTH keys (RFC 4467) in
//! `imap-machine-urlauth` ([`URL_KEYS`]). Their text: a header `V\t1\n`, then one entry
//! a line, `mailbox \t entry \t value`, with the mailbox name tab-escaped as in
//! `subscriptions` (empty for the server's entries) and the value in lower-case hex
//! (values are binary, RFC 5464 §5). A table is rewritten whole under its dot-lock,
//! owner-only, so every process on the Maildir sees a change at once or not at all.
//! For METADATA, DELETE drops a mailbox's entries (§3.1: not to a later mailbox of that
//! name) and RENAME moves them, with its inferiors'. URLAUTH keys are dropped by both
//! ([`drop_tree`]), so URLs made for a name never reach a later mailbox of that name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;

use crate::error::Result;
use crate::lock::DotLock;
use crate::names::is_inferior;
use crate::subscriptions::{escape, unescape};

const HEADER: &str = "V\t1\n";

/// (mailbox, entry) → value.
pub(crate) type Entries = BTreeMap<(String, String), Bytes>;

/// METADATA's table.
pub(crate) const METADATA: &str = "imap-machine-metadata";
/// The URLAUTH keys' table: entry `key` of each mailbox.
pub(crate) const URL_KEYS: &str = "imap-machine-urlauth";

fn path(root: &Path, table: &str) -> PathBuf {
    root.join(table)
}

fn parse(text: &str) -> Entries {
    let body = text.strip_prefix(HEADER).unwrap_or(text);
    let mut out = Entries::new();
    for line in body.lines() {
        let mut f = line.splitn(3, '\t');
        let (Some(m), Some(e), Some(v)) = (f.next(), f.next(), f.next()) else { continue };
        let Some(value) = unhex(v) else { continue };
        let mut mailbox = String::new();
        unescape(m, &mut mailbox);
        out.insert((mailbox, e.to_string()), value);
    }
    out
}

fn render(entries: &Entries) -> String {
    let mut out = String::from(HEADER);
    for ((m, e), v) in entries {
        escape(m, &mut out);
        out.push('\t');
        out.push_str(e);
        out.push('\t');
        for b in v.iter() {
            out.push_str(&format!("{b:02x}"));
        }
        out.push('\n');
    }
    out
}

fn unhex(v: &str) -> Option<Bytes> {
    if !v.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..v.len()).step_by(2).map(|k| u8::from_str_radix(v.get(k..k + 2)?, 16).ok()).collect();
    bytes.map(Bytes::from)
}

fn read(root: &Path, table: &str) -> Result<Entries> {
    let data = crate::fsutil::read_optional(&path(root, table))?;
    Ok(data.map(|d| parse(&String::from_utf8_lossy(&d))).unwrap_or_default())
}

/// The entries of `mailbox` (`""`: the server's), in name order.
pub(crate) fn get(root: &Path, table: &str, mailbox: &str) -> Result<Vec<(String, Bytes)>> {
    Ok(read(root, table)?.into_iter().filter(|((m, _), _)| m == mailbox).map(|((_, e), v)| (e, v)).collect())
}

/// Changes the file under its dot-lock: `change` gets the entries and says whether it
/// changed them.
pub(crate) fn update<T>(
    root: &Path,
    table: &str,
    fsync: bool,
    change: impl FnOnce(&mut Entries) -> (bool, T),
) -> Result<T> {
    let lock = DotLock::acquire(&path(root, table))?;
    let mut entries = read(root, table)?;
    let (changed, out) = change(&mut entries);
    if changed {
        lock.replace(render(&entries).as_bytes(), fsync)?;
    }
    Ok(out)
}

/// Sets each entry of `mailbox`, or removes it for `None`, in one rewrite.
pub(crate) fn set(
    root: &Path,
    table: &str,
    mailbox: &str,
    changes: &[(String, Option<Bytes>)],
    fsync: bool,
) -> Result<()> {
    update(root, table, fsync, |entries| {
        for (e, v) in changes {
            let key = (mailbox.to_string(), e.clone());
            match v {
                Some(v) => entries.insert(key, v.clone()),
                None => entries.remove(&key),
            };
        }
        (!changes.is_empty(), ())
    })
}

/// Drops the entries of a deleted mailbox (its inferiors, which stay, keep theirs).
pub(crate) fn drop_mailbox(root: &Path, table: &str, mailbox: &str, fsync: bool) -> Result<()> {
    update(root, table, fsync, |entries| {
        let before = entries.len();
        entries.retain(|(m, _), _| m != mailbox);
        (entries.len() != before, ())
    })
}

/// Drops the entries of `mailbox` and of its inferiors.
pub(crate) fn drop_tree(root: &Path, table: &str, mailbox: &str, fsync: bool) -> Result<()> {
    update(root, table, fsync, |entries| {
        let before = entries.len();
        entries.retain(|(m, _), _| m != mailbox && !is_inferior(m, mailbox));
        (entries.len() != before, ())
    })
}

/// Moves the entries of `from` and its inferiors to their new names under `to`.
pub(crate) fn rename(root: &Path, table: &str, from: &str, to: &str, fsync: bool) -> Result<()> {
    update(root, table, fsync, |entries| {
        let moving: Vec<_> = entries.keys().filter(|(m, _)| m == from || is_inferior(m, from)).cloned().collect();
        for (m, e) in &moving {
            let v = entries.remove(&(m.clone(), e.clone())).expect("listed");
            entries.insert((format!("{to}{}", &m[from.len()..]), e.clone()), v);
        }
        (!moving.is_empty(), ())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_round_trips() {
        let mut e = Entries::new();
        e.insert((String::new(), "/shared/comment".into()), Bytes::from_static(b"server"));
        e.insert(("odd\tname/Sub".into(), "/private/x".into()), Bytes::from_static(b"\0\xff\r\n"));
        let text = render(&e);
        assert_eq!(text, "V\t1\n\t/shared/comment\t736572766572\nodd\x01tname/Sub\t/private/x\t00ff0d0a\n");
        assert_eq!(parse(&text), e);
    }
}
