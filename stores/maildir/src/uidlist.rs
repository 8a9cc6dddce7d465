//! `dovecot-uidlist`: the UID ↔ file name map of a Maildir, as Dovecot keeps it.
//!
//! Version 3 (Dovecot 1.1 and later):
//!
//! ```text
//! 3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1
//! 25006 :1276528487.M364837P9451.kurkku,S=1355
//! 25017 W2481 :1276533073.M242911P3632.kurkku,S=2437
//! ```
//!
//! The header holds the version, UIDVALIDITY (`V`), the next UID (`N`) and the mailbox
//! GUID (`G`), and maybe more fields in any order. Each record is a UID, optional
//! extension fields (a key letter and a value: `W` the size with CRLF line ends, `G` a
//! message GUID, ...) and, after ` :`, the file name without its `:2,` info part. The
//! Courier-compatible version 1 (`1 <uidvalidity> <nextuid>`, `<uid> <file name>`) is
//! read too. We write version 3, keeping the extension fields we read.

use std::hash::{BuildHasher, Hasher};
use std::path::Path;

use crate::error::{MaildirError, Result};

/// One message of the list (borrowing the text it was read from, or the index it is
/// written from: no allocation per message).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    pub(crate) uid: u32,
    /// The extension fields as read (`W2481 GDEADBEEF`), or empty.
    pub(crate) ext: &'a str,
    /// The file name up to (without) its `:` info part.
    pub(crate) base: &'a str,
}

/// A parsed `dovecot-uidlist`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Uidlist<'a> {
    pub(crate) uid_validity: u32,
    /// The next UID: at least one above every record's.
    pub(crate) next_uid: u32,
    /// The mailbox GUID, 32 hex digits; empty if the file has none yet.
    pub(crate) guid: String,
    /// Other header fields, kept as they are.
    pub(crate) header_ext: Vec<String>,
    /// Ascending by UID.
    pub(crate) records: Vec<Record<'a>>,
}

/// A fresh 128-bit GUID in hex (from the standard library's randomly keyed hasher:
/// unique enough to tell mailboxes apart, which is all it is used for).
pub(crate) fn new_guid() -> String {
    let mut out = String::with_capacity(32);
    let (secs, micros) = crate::fsutil::now();
    for k in 0..2u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(secs);
        h.write_u32(micros);
        h.write_u32(std::process::id());
        h.write_u64(k);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

impl<'a> Uidlist<'a> {
    /// Parses the file's text. Records that do not parse, or whose UID does not ascend,
    /// are skipped (Dovecot would rebuild them from the directory; so do we, as new
    /// mail).
    pub(crate) fn parse(text: &'a str, path: &Path) -> Result<Uidlist<'a>> {
        let bad = |line: usize| MaildirError::BadUidlist { path: path.to_path_buf(), line };
        let mut lines = text.lines();
        let header = lines.next().ok_or_else(|| bad(1))?;
        let mut fields = header.split_ascii_whitespace();
        let version: u32 = fields.next().and_then(|v| v.parse().ok()).ok_or_else(|| bad(1))?;
        // One record a line, in one allocation.
        let records = Vec::with_capacity(text.bytes().filter(|b| *b == b'\n').count());
        let mut list = Uidlist { uid_validity: 0, next_uid: 1, guid: String::new(), header_ext: Vec::new(), records };
        if version == 1 {
            list.uid_validity = fields.next().and_then(|v| v.parse().ok()).ok_or_else(|| bad(1))?;
            list.next_uid = fields.next().and_then(|v| v.parse().ok()).ok_or_else(|| bad(1))?;
        } else {
            for f in fields {
                let (key, value) = f.split_at(f.chars().next().map_or(0, char::len_utf8));
                match key {
                    "V" => list.uid_validity = value.parse().map_err(|_| bad(1))?,
                    "N" => list.next_uid = value.parse().map_err(|_| bad(1))?,
                    "G" => list.guid = value.to_string(),
                    _ => list.header_ext.push(f.to_string()),
                }
            }
        }
        if list.uid_validity == 0 {
            return Err(bad(1));
        }
        // A list without a GUID (version 1) gets one when it is next written; the mailbox
        // keeps it from then on (its MAILBOXID).
        for line in lines {
            let record = if version == 1 {
                line.split_once(' ').map(|(uid, name)| (uid, "", name))
            } else {
                line.split_once(':').map(|(left, name)| {
                    let left = left.trim_end();
                    let (uid, ext) = left.split_once(' ').unwrap_or((left, ""));
                    (uid, ext.trim(), name)
                })
            };
            let Some((uid, ext, name)) = record else { continue };
            let Ok(uid) = uid.parse::<u32>() else { continue };
            let base = name.split(':').next().unwrap_or_default().trim_end_matches(['\r', '\n']);
            if uid == 0 || base.is_empty() || list.records.last().is_some_and(|r| r.uid >= uid) {
                continue;
            }
            list.records.push(Record { uid, ext, base });
        }
        if let Some(last) = list.records.last() {
            list.next_uid = list.next_uid.max(last.uid.saturating_add(1));
        }
        Ok(list)
    }

    /// Reads the text of the list of a mailbox directory (for [`Uidlist::parse`]);
    /// `Ok(None)` if there is none yet.
    pub(crate) fn read(dir: &Path) -> Result<Option<String>> {
        let path = dir.join("dovecot-uidlist");
        Ok(crate::fsutil::read_optional(&path)?
            .map(|data| String::from_utf8(data).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())))
    }

    /// The version 3 text.
    pub(crate) fn render(&self) -> String {
        let mut out = format!("3 V{} N{} G{}", self.uid_validity, self.next_uid, self.guid);
        for f in &self.header_ext {
            out.push(' ');
            out.push_str(f);
        }
        out.push('\n');
        for r in &self.records {
            out.push_str(&r.uid.to_string());
            if !r.ext.is_empty() {
                out.push(' ');
                out.push_str(r.ext);
            }
            out.push_str(" :");
            out.push_str(r.base);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list as Dovecot 2.3 writes it, with extension fields in the header and records.
    const DOVECOT: &str = "3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n\
25006 :1276528487.M364837P9451.kurkku,S=1355\n\
25017 W2481 :1276533073.M242911P3632.kurkku,S=2437\n\
25018 W1234 S1200 :1276533074.M1P3632.kurkku,S=1200,W=1234\n\
garbage line\n\
25019 :1276533075.M2P3632.kurkku:2,S\n";

    #[test]
    fn reads_what_dovecot_writes() {
        let list = Uidlist::parse(DOVECOT, Path::new("dovecot-uidlist")).unwrap();
        assert_eq!(list.uid_validity, 1275660208);
        assert_eq!(list.next_uid, 25022);
        assert_eq!(list.guid, "3085f01b7f11094c501100008c4a11c1");
        let uids: Vec<u32> = list.records.iter().map(|r| r.uid).collect();
        assert_eq!(uids, [25006, 25017, 25018, 25019]);
        assert_eq!(list.records[1].ext, "W2481");
        assert_eq!(list.records[1].base, "1276533073.M242911P3632.kurkku,S=2437");
        assert_eq!(list.records[2].ext, "W1234 S1200");
        // An info part (which Dovecot does not write) is cut off.
        assert_eq!(list.records[3].base, "1276533075.M2P3632.kurkku");
        assert_eq!(list.records[0].base, "1276528487.M364837P9451.kurkku,S=1355");
        // Written back: the same header and the extension fields kept.
        let text = list.render();
        let again = Uidlist::parse(&text, Path::new("x")).unwrap();
        assert_eq!(again, list);
        assert!(list.render().contains("25017 W2481 :1276533073.M242911P3632.kurkku,S=2437\n"));
    }

    #[test]
    fn reads_courier_version_1_and_fixes_next_uid() {
        let list = Uidlist::parse("1 1234 3\n7 1.M1P1.host:2,S\n", Path::new("x")).unwrap();
        assert_eq!((list.uid_validity, list.next_uid), (1234, 8));
        assert_eq!(list.records[0].base, "1.M1P1.host");
        assert!(list.render().starts_with("3 V1234 N8 G"));
    }

    #[test]
    fn rejects_a_bad_header() {
        assert!(Uidlist::parse("3 Vx N1\n", Path::new("x")).is_err());
        assert!(Uidlist::parse("", Path::new("x")).is_err());
        assert!(Uidlist::parse("3 N5\n", Path::new("x")).is_err());
    }
}
