//! The rows the store reads and writes: flags and dates as stored, the locked mailbox
//! row with its counters and change log, bodies, mailbox creation, the checks QUOTA and
//! METADATA make, and `\Recent` claims.

use bytes::Bytes;
use chrono::{DateTime as Chrono, FixedOffset, Utc};
use imap_machine::store::names::apply_store as apply;
use imap_machine::store::{ParsedMessage, QuotaLimits, StoreError};
use imap_machine::types::{DateTime, Flag, ListAttribute, StoreKind};
use postgres::types::Type;
use postgres::{GenericClient, Transaction};
use sha2::{Digest, Sha256};

use super::schema::kind;
use super::{db, PgUser};

/// The system flags every mailbox has (for FLAGS).
pub(crate) const SYSTEM: [Flag; 5] = [Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft];

pub(crate) fn flag_texts(flags: &[Flag]) -> Vec<String> {
    flags.iter().map(|f| f.to_string()).collect()
}

pub(crate) fn flags_of(texts: Vec<String>) -> Vec<Flag> {
    texts.iter().filter_map(|t| Flag::parse(t).ok()).collect()
}

pub(crate) fn to_date(d: &DateTime) -> (Chrono<Utc>, i32) {
    let c = d.as_chrono();
    (c.with_timezone(&Utc), c.offset().local_minus_utc())
}

pub(crate) fn from_date(at: Chrono<Utc>, zone: i32) -> DateTime {
    let offset = FixedOffset::east_opt(zone).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    DateTime::new(at.with_timezone(&offset)).unwrap_or_else(|_| DateTime::new(at.fixed_offset()).expect("a date"))
}

pub(crate) fn now() -> DateTime {
    DateTime::new(Utc::now().fixed_offset()).expect("the clock is in range")
}

/// `NOTIFY imapm, 'user:mailbox:modseq'`, sent when the transaction commits: the user,
/// the mailbox changed (0: the user's list of mailboxes or subscriptions) and its
/// HIGHESTMODSEQ after the change (0 without one).
pub(crate) fn notify(tx: &mut impl GenericClient, user: i64, mailbox: i64, modseq: u64) -> Result<(), postgres::Error> {
    let payload = format!("{user}:{mailbox}:{modseq}");
    tx.execute_typed("SELECT pg_notify('imapm', $1)", &[(&payload, Type::TEXT)])?;
    Ok(())
}

/// The mod-sequence of the change at log position `pos` (RFC 7162 §3.1): the log is
/// dense and in commit order, so positions are mod-sequences, two above so that an
/// empty mailbox's HIGHESTMODSEQ ([`highest_modseq`]) is 1.
pub(crate) fn modseq_at(pos: i64) -> i64 {
    pos + 2
}

/// HIGHESTMODSEQ of a mailbox whose log has `log_len` entries: its last change's.
pub(crate) fn highest_modseq(log_len: i64) -> u64 {
    (log_len + 1) as u64
}

/// A mailbox row locked for a change: its id, UIDVALIDITY, next UID, log length and
/// keywords.
pub(crate) struct Locked {
    pub(crate) id: i64,
    pub(crate) uid_validity: i64,
    pub(crate) uid_next: i64,
    pub(crate) log_len: i64,
    pub(crate) keywords: Vec<String>,
}

/// Locks the selectable mailbox `name` of `user`.
pub(crate) fn lock_mailbox(tx: &mut impl GenericClient, user: i64, name: &str) -> Result<Locked, StoreError> {
    let row = tx
        .query_typed_opt(
            "SELECT id, uid_validity, uid_next, log_len, keywords, noselect FROM imapm_mailboxes \
             WHERE user_id = $1 AND name = $2 FOR UPDATE",
            &[(&user, Type::INT8), (&name, Type::TEXT)],
        )
        .map_err(db)?
        .ok_or(StoreError::NoSuchMailbox)?;
    if row.get::<_, bool>(5) {
        return Err(StoreError::NoSuchMailbox);
    }
    Ok(Locked {
        id: row.get(0),
        uid_validity: row.get(1),
        uid_next: row.get(2),
        log_len: row.get(3),
        keywords: row.get(4),
    })
}

impl Locked {
    /// Appends one entry to the log.
    pub(crate) fn log(
        &mut self,
        tx: &mut impl GenericClient,
        kind: i16,
        uid: i64,
        keyword: Option<&str>,
    ) -> Result<(), StoreError> {
        tx.execute_typed(
            "INSERT INTO imapm_log (mailbox_id, pos, kind, uid, keyword) VALUES ($1, $2, $3, $4, $5)",
            &[
                (&self.id, Type::INT8),
                (&self.log_len, Type::INT8),
                (&kind, Type::INT2),
                (&uid, Type::INT8),
                (&keyword, Type::TEXT),
            ],
        )
        .map_err(db)?;
        self.log_len += 1;
        Ok(())
    }

    /// The keywords among `flags` the mailbox lacks: added, and logged first.
    pub(crate) fn new_keywords(&mut self, tx: &mut impl GenericClient, flags: &[Flag]) -> Result<(), StoreError> {
        for f in flags {
            if let Flag::Keyword(_) = f {
                let t = f.to_string();
                if !self.keywords.iter().any(|k| Flag::parse(k).is_ok_and(|k| k == *f)) {
                    self.log(tx, kind::KEYWORD, 0, Some(&t))?;
                    self.keywords.push(t);
                }
            }
        }
        Ok(())
    }

    /// Inserts a message under the next UID (its body already stored under `hash`).
    pub(crate) fn insert(
        &mut self,
        tx: &mut impl GenericClient,
        hash: &[u8],
        size: i64,
        flags: &[Flag],
        date: &DateTime,
        email_id: Option<i64>,
    ) -> Result<u32, StoreError> {
        let mut fl = Vec::with_capacity(flags.len());
        apply(&mut fl, StoreKind::Replace, flags);
        self.new_keywords(tx, &fl)?;
        let uid = self.uid_next;
        self.uid_next += 1;
        let (at, zone) = to_date(date);
        let modseq = modseq_at(self.log_len);
        tx.execute_typed(
            "INSERT INTO imapm_messages \
             (mailbox_id, uid, hash, size, internal_date, internal_zone, flags, modseq, email_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, nextval('imapm_email_ids')))",
            &[
                (&self.id, Type::INT8),
                (&uid, Type::INT8),
                (&hash, Type::BYTEA),
                (&size, Type::INT8),
                (&at, Type::TIMESTAMPTZ),
                (&zone, Type::INT4),
                (&flag_texts(&fl), Type::TEXT_ARRAY),
                (&modseq, Type::INT8),
                (&email_id, Type::INT8),
            ],
        )
        .map_err(db)?;
        self.log(tx, kind::APPENDED, uid, None)?;
        Ok(uid as u32)
    }

    /// Writes the counters back and notifies.
    pub(crate) fn finish(&self, tx: &mut impl GenericClient, user: i64) -> Result<(), StoreError> {
        tx.execute_typed(
            "UPDATE imapm_mailboxes SET uid_next = $2, log_len = $3, keywords = $4 WHERE id = $1",
            &[
                (&self.id, Type::INT8),
                (&self.uid_next, Type::INT8),
                (&self.log_len, Type::INT8),
                (&self.keywords, Type::TEXT_ARRAY),
            ],
        )
        .map_err(db)?;
        notify(tx, user, self.id, highest_modseq(self.log_len)).map_err(db)
    }

    /// Expunges live messages `uids` (logged, kept as tombstones).
    pub(crate) fn expunge(&mut self, tx: &mut impl GenericClient, uids: &[i64]) -> Result<(), StoreError> {
        for uid in uids {
            let pos = self.log_len;
            tx.execute_typed(
                "UPDATE imapm_messages SET expunged = $3 WHERE mailbox_id = $1 AND uid = $2 AND expunged IS NULL",
                &[(&self.id, Type::INT8), (uid, Type::INT8), (&pos, Type::INT8)],
            )
            .map_err(db)?;
            self.log(tx, kind::EXPUNGED, *uid, None)?;
        }
        Ok(())
    }
}

/// Stores `body` once, by its SHA-256, with its parse; returns the hash.
pub(crate) fn store_body(tx: &mut Transaction<'_>, body: &Bytes) -> Result<Vec<u8>, StoreError> {
    let hash = Sha256::digest(body).to_vec();
    // Locked when it exists, so that compaction cannot drop it before the message that
    // refers to it is written (`compact.rs`).
    let exists = tx.query_opt("SELECT 1 FROM imapm_bodies WHERE hash = $1 FOR KEY SHARE", &[&hash]).map_err(db)?;
    if exists.is_none() {
        let parsed = ParsedMessage::of(body);
        tx.execute(
            "INSERT INTO imapm_bodies (hash, data, parsed, header_len) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (hash) DO NOTHING",
            &[&hash, &&body[..], &&parsed.wire()[..], &(parsed.header_len() as i32)],
        )
        .map_err(db)?;
    }
    Ok(hash)
}

/// Creates `name` with `uses` unless it exists; its UIDVALIDITY from the user's counter.
pub(crate) fn create_one(
    tx: &mut Transaction<'_>,
    user: i64,
    name: &str,
    uses: &[ListAttribute],
) -> Result<bool, postgres::Error> {
    let exists = tx.query_opt("SELECT 1 FROM imapm_mailboxes WHERE user_id = $1 AND name = $2", &[&user, &name])?;
    if exists.is_some() {
        return Ok(false);
    }
    let validity: i64 = tx
        .query_one(
            "UPDATE imapm_users SET uid_validity_next = uid_validity_next + 1 WHERE id = $1 \
             RETURNING uid_validity_next - 1",
            &[&user],
        )?
        .get(0);
    let uses: Vec<String> = uses
        .iter()
        .filter_map(|u| ListAttribute::NAMED.iter().find(|(a, _)| a == u).map(|(_, n)| n.to_string()))
        .collect();
    tx.execute(
        "INSERT INTO imapm_mailboxes (user_id, name, uid_validity, special_use) VALUES ($1, $2, $3, $4)",
        &[&user, &name, &validity, &uses],
    )?;
    Ok(true)
}

/// What [`PostgresBackend::messages`] reads beside a message's row.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// Nothing: flags, dates, size.
    Meta,
    /// The body.
    Body,
    /// The cached parse (none for a streamed body).
    Parsed,
}

/// A message row as FETCH wants it, `with_body` or not.
pub(crate) const MESSAGE_COLUMNS: &str =
    "m.uid, m.flags, m.internal_date, m.internal_zone, m.size, m.modseq, m.expunged, m.email_id, m.saved";

/// QUOTA (RFC 9208 §4.4): checks that `octets` and `messages` more fit the user's limits,
/// holding the user's row lock to the end of the transaction so that two processes
/// cannot both take the last room. Called before any mailbox is locked (the user's row
/// is always locked first).
pub(crate) fn reserve(tx: &mut impl GenericClient, user: i64, octets: u64, messages: u64) -> Result<(), StoreError> {
    let limits = |r: &postgres::Row| QuotaLimits {
        storage_kb: r.get::<_, Option<i64>>(0).map(|v| v.max(0) as u64),
        messages: r.get::<_, Option<i64>>(1).map(|v| v.max(0) as u64),
    };
    let unlocked =
        tx.query_one("SELECT quota_storage_kb, quota_messages FROM imapm_users WHERE id = $1", &[&user]).map_err(db)?;
    if !limits(&unlocked).is_limited() {
        return Ok(());
    }
    let row = tx
        .query_one("SELECT quota_storage_kb, quota_messages FROM imapm_users WHERE id = $1 FOR UPDATE", &[&user])
        .map_err(db)?;
    let (used, count) = usage(tx, user)?;
    if limits(&row).exceeded_by(used, count, octets, messages) {
        return Err(StoreError::OverQuota);
    }
    Ok(())
}

/// The octets and messages of the user's live messages.
pub(crate) fn usage(c: &mut impl GenericClient, user: i64) -> Result<(u64, u64), StoreError> {
    let r = c
        .query_one(
            "SELECT coalesce(sum(m.size), 0)::BIGINT, count(*) FROM imapm_messages m \
             JOIN imapm_mailboxes b ON b.id = m.mailbox_id WHERE b.user_id = $1 AND m.expunged IS NULL",
            &[&user],
        )
        .map_err(db)?;
    Ok((r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64))
}

/// The row id of `user`'s mailbox `name` (any incarnation now bearing the name).
pub(crate) fn mailbox_row(c: &mut impl GenericClient, user: &PgUser, name: &str) -> Result<i64, StoreError> {
    let row = c
        .query_opt("SELECT id FROM imapm_mailboxes WHERE user_id = $1 AND name = $2", &[&user.id, &name])
        .map_err(db)?
        .ok_or(StoreError::NoSuchMailbox)?;
    Ok(row.get(0))
}

/// The mailbox id METADATA keys `mailbox`'s entries by (`None`: the server's); the
/// mailbox must exist.
pub(crate) fn metadata_key(
    c: &mut impl GenericClient,
    user: &PgUser,
    mailbox: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    mailbox.map(|name| mailbox_row(c, user, name)).transpose()
}

/// Claims `\Recent` (RFC 3501 §2.3.2) of the unclaimed live messages of a mailbox (those
/// among `uids` if given) for a read-write session, or lists them for a read-only one.
pub(crate) fn claim(
    tx: &mut Transaction<'_>,
    mailbox: i64,
    uids: Option<&[i64]>,
    read_only: bool,
) -> Result<Vec<u32>, StoreError> {
    if uids.is_some_and(|u| u.is_empty()) {
        return Ok(Vec::new());
    }
    let all: Vec<i64> = uids.map(<[i64]>::to_vec).unwrap_or_default();
    let filter =
        "mailbox_id = $1 AND unclaimed AND expunged IS NULL AND (cardinality($2::BIGINT[]) = 0 OR uid = ANY($2))";
    let rows = if read_only {
        tx.query(&format!("SELECT uid FROM imapm_messages WHERE {filter} ORDER BY uid"), &[&mailbox, &all])
    } else {
        tx.query(
            &format!("UPDATE imapm_messages SET unclaimed = FALSE WHERE {filter} RETURNING uid"),
            &[&mailbox, &all],
        )
    }
    .map_err(db)?;
    let mut out: Vec<u32> = rows.iter().map(|r| r.get::<_, i64>(0) as u32).collect();
    out.sort_unstable();
    Ok(out)
}
