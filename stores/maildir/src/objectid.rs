//! Save dates (RFC 8514) and object ids (RFC 8474) of a Maildir, kept on disk so that they
//! survive a restart:
//!
//! - **SAVEDATE** is the time at the head of the file's base name (`1276528487.M364837P9451.host`):
//!   every message this store saves (APPEND, COPY, MOVE) gets a fresh name stamped with the
//!   moment it is saved, and a name never changes after (flag changes only rename the
//!   `:2,` info part). This is sturdier than the file times Dovecot falls back on: the
//!   mtime is the INTERNALDATE, and the ctime moves with every flag change (a rename) and
//!   every hard link a COPY makes. A file whose name has no such time (not a Maildir
//!   name) has no save date: FETCH SAVEDATE answers NIL.
//! - **EMAILID** is the message GUID of its `dovecot-uidlist` record (the `G` field, as
//!   Dovecot writes it), or else a hash of its base name, which is as stable as the name.
//!   A COPY writes the source's id into the copy's record as its `G` field, so that every
//!   copy has the same EMAILID.
//! - **MAILBOXID** is the mailbox GUID of the `dovecot-uidlist` header (`G`), which RENAME
//!   moves with the directory; it is written at CREATE.

use imap_machine::types::{DateTime, ObjectId};

use crate::mailbox::Message;

/// The save date a base name carries: its leading Unix seconds.
pub(crate) fn save_date(base: &str) -> Option<DateTime> {
    let secs: i64 = base.split('.').next()?.parse().ok()?;
    let utc = chrono::DateTime::from_timestamp(secs, 0)?;
    DateTime::new(utc.fixed_offset()).ok()
}

/// The EMAILID of a message: the `G` field of its `dovecot-uidlist` record when that is an
/// object id, else `M` and a hash of its base name.
pub(crate) fn email_id(base: &str, ext: &str) -> ObjectId {
    let guid =
        ext.split_ascii_whitespace().find_map(|f| f.strip_prefix('G')).filter(|g| ObjectId::is_valid(g.as_bytes()));
    if let Some(g) = guid {
        if let Ok(id) = ObjectId::try_from(g) {
            return id;
        }
    }
    // FNV-1a, twice with different bases: stable across runs and platforms.
    let fnv = |seed: u64| base.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    let id = format!("M{:016x}{:08x}", fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4) as u32);
    ObjectId::try_from(id).expect("hex digits")
}

/// The MAILBOXID of a mailbox GUID (32 hex digits), if it is one.
pub(crate) fn mailbox_id(guid: &str) -> Option<ObjectId> {
    ObjectId::try_from(guid).ok()
}

impl Message {
    /// Its save date (see the module docs).
    pub(crate) fn save_date(&self) -> Option<DateTime> {
        save_date(self.base())
    }

    /// Its EMAILID (see the module docs).
    pub(crate) fn email_id(&self) -> ObjectId {
        email_id(self.base(), self.ext())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_date_from_the_name() {
        let d = save_date("1276528487.M364837P9451.kurkku,S=1355").unwrap();
        assert_eq!(d.to_string(), "14-Jun-2010 15:14:47 +0000");
        assert_eq!(save_date("not-a-maildir-name"), None);
    }

    #[test]
    fn email_id_from_the_guid_or_the_name() {
        assert_eq!(
            email_id("1.M1P1.h", "W12 G3085f01b7f11094c501100008c4a11c1").as_str(),
            "3085f01b7f11094c501100008c4a11c1"
        );
        let a = email_id("1.M1P1.h", "W12");
        assert_eq!(a, email_id("1.M1P1.h", ""));
        assert_ne!(a, email_id("1.M2P1.h", ""));
        assert!(a.as_str().starts_with('M') && a.as_str().len() == 25);
        // A G field that is not an object id is not used.
        assert_eq!(email_id("1.M1P1.h", "Gx.y"), a);
    }
}
