//! [`Backend`] on PostgreSQL. Each method is one transaction; one that changes a mailbox
//! locks its row first (`FOR UPDATE`), so UIDs and log positions are taken in commit
//! order among every process, and ends with `NOTIFY imapm` (sent at commit).

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime as Chrono, FixedOffset, Utc};
use imap_machine::store::names::{apply_store as apply, is_inferior, superiors, valid as valid_name, DELIMITER};
use imap_machine::store::{
    Backend, Change, ChangeBatch, CopyResult, MailboxInfo, MailboxStatus, MessageData, Notifier, ParsedMessage,
    QuotaLimits, SessionId, Snapshot, StoreError, StoreOutcome, Stored, Vanished,
};
use imap_machine::types::{DateTime, Flag, ListAttribute, ObjectId, StoreKind};
use postgres::{GenericClient, Transaction};
use sha2::{Digest, Sha256};

use super::schema::kind;
use super::{db, lock, Open, PgUser, PostgresBackend};

/// The system flags every mailbox has (for FLAGS).
const SYSTEM: [Flag; 5] = [Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft];

fn flag_texts(flags: &[Flag]) -> Vec<String> {
    flags.iter().map(|f| f.to_string()).collect()
}

fn flags_of(texts: Vec<String>) -> Vec<Flag> {
    texts.iter().filter_map(|t| Flag::parse(t).ok()).collect()
}

fn to_date(d: &DateTime) -> (Chrono<Utc>, i32) {
    let c = d.as_chrono();
    (c.with_timezone(&Utc), c.offset().local_minus_utc())
}

fn from_date(at: Chrono<Utc>, zone: i32) -> DateTime {
    let offset = FixedOffset::east_opt(zone).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    DateTime::new(at.with_timezone(&offset)).unwrap_or_else(|_| DateTime::new(at.fixed_offset()).expect("a date"))
}

pub(crate) fn now() -> DateTime {
    DateTime::new(Utc::now().fixed_offset()).expect("the clock is in range")
}

/// `NOTIFY imapm, 'user:mailbox'`, sent when the transaction commits.
pub(crate) fn notify(tx: &mut impl GenericClient, user: i64, mailbox: i64) -> Result<(), postgres::Error> {
    tx.execute("SELECT pg_notify('imapm', $1)", &[&format!("{user}:{mailbox}")])?;
    Ok(())
}

/// The mod-sequence of the change at log position `pos` (RFC 7162 §3.1): the log is
/// dense and in commit order, so positions are mod-sequences, two above so that an
/// empty mailbox's HIGHESTMODSEQ ([`highest_modseq`]) is 1.
fn modseq_at(pos: i64) -> i64 {
    pos + 2
}

/// HIGHESTMODSEQ of a mailbox whose log has `log_len` entries: its last change's.
fn highest_modseq(log_len: i64) -> u64 {
    (log_len + 1) as u64
}

/// A mailbox row locked for a change: its id, UIDVALIDITY, next UID, log length and
/// keywords.
pub(crate) struct Locked {
    pub(crate) id: i64,
    pub(crate) uid_validity: i64,
    uid_next: i64,
    log_len: i64,
    keywords: Vec<String>,
}

/// Locks the selectable mailbox `name` of `user`.
pub(crate) fn lock_mailbox(tx: &mut impl GenericClient, user: i64, name: &str) -> Result<Locked, StoreError> {
    let row = tx
        .query_opt(
            "SELECT id, uid_validity, uid_next, log_len, keywords, noselect FROM imapm_mailboxes \
             WHERE user_id = $1 AND name = $2 FOR UPDATE",
            &[&user, &name],
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
    fn log(
        &mut self,
        tx: &mut impl GenericClient,
        kind: i16,
        uid: i64,
        keyword: Option<&str>,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO imapm_log (mailbox_id, pos, kind, uid, keyword) VALUES ($1, $2, $3, $4, $5)",
            &[&self.id, &self.log_len, &kind, &uid, &keyword],
        )
        .map_err(db)?;
        self.log_len += 1;
        Ok(())
    }

    /// The keywords among `flags` the mailbox lacks: added, and logged first.
    fn new_keywords(&mut self, tx: &mut impl GenericClient, flags: &[Flag]) -> Result<(), StoreError> {
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
        tx.execute(
            "INSERT INTO imapm_messages \
             (mailbox_id, uid, hash, size, internal_date, internal_zone, flags, modseq, email_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9, nextval('imapm_email_ids')))",
            &[&self.id, &uid, &hash, &size, &at, &zone, &flag_texts(&fl), &modseq, &email_id],
        )
        .map_err(db)?;
        self.log(tx, kind::APPENDED, uid, None)?;
        Ok(uid as u32)
    }

    /// Writes the counters back and notifies.
    pub(crate) fn finish(&self, tx: &mut impl GenericClient, user: i64) -> Result<(), StoreError> {
        tx.execute(
            "UPDATE imapm_mailboxes SET uid_next = $2, log_len = $3, keywords = $4 WHERE id = $1",
            &[&self.id, &self.uid_next, &self.log_len, &self.keywords],
        )
        .map_err(db)?;
        notify(tx, user, self.id).map_err(db)
    }

    /// Expunges live messages `uids` (logged, kept as tombstones).
    fn expunge(&mut self, tx: &mut impl GenericClient, uids: &[i64]) -> Result<(), StoreError> {
        for uid in uids {
            let pos = self.log_len;
            tx.execute(
                "UPDATE imapm_messages SET expunged = $3 WHERE mailbox_id = $1 AND uid = $2 AND expunged IS NULL",
                &[&self.id, uid, &pos],
            )
            .map_err(db)?;
            self.log(tx, kind::EXPUNGED, *uid, None)?;
        }
        Ok(())
    }
}

/// Stores `body` once, by its SHA-256, with its parse; returns the hash.
fn store_body(tx: &mut Transaction<'_>, body: &Bytes) -> Result<Vec<u8>, StoreError> {
    let hash = Sha256::digest(body).to_vec();
    let exists = tx.query_opt("SELECT 1 FROM imapm_bodies WHERE hash = $1", &[&hash]).map_err(db)?;
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
enum Read {
    /// Nothing: flags, dates, size.
    Meta,
    /// The body.
    Body,
    /// The cached parse (none for a streamed body).
    Parsed,
}

/// A message row as FETCH wants it, `with_body` or not.
const MESSAGE_COLUMNS: &str =
    "m.uid, m.flags, m.internal_date, m.internal_zone, m.size, m.modseq, m.expunged, m.email_id, m.saved";

impl PostgresBackend {
    fn conn(
        &self,
    ) -> Result<r2d2::PooledConnection<r2d2_postgres::PostgresConnectionManager<postgres::NoTls>>, StoreError> {
        self.inner.pool.get().map_err(|_| StoreError::Unavailable)
    }

    /// Runs `f` in a transaction, committed if it succeeds, then wakes this process's
    /// watchers of the user (and of `mailbox`'s id `f` returns, if any).
    fn change<T>(
        &self,
        user: &PgUser,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<(T, Option<i64>), StoreError>,
    ) -> Result<T, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction().map_err(db)?;
        let (out, mailbox) = f(&mut tx)?;
        tx.commit().map_err(db)?;
        self.inner.wake(user.id, mailbox);
        Ok(out)
    }

    /// The id of the incarnation of `name` the session opened, if it still is `name`.
    fn opened(&self, user: &PgUser, name: &str, session: SessionId) -> Option<i64> {
        lock(&self.inner.open).get(&(session, user.id, name.to_string())).map(|o| o.mailbox_id)
    }

    /// The mailbox a session reads: its own incarnation of the name when it has it open
    /// (RENAME moves the name, not the id), else the name's; with the expunged UIDs the
    /// session let go of (`None`: it holds none).
    fn target(
        &self,
        c: &mut impl GenericClient,
        user: &PgUser,
        name: &str,
        session: SessionId,
    ) -> Result<(i64, Option<HashSet<u32>>), StoreError> {
        let open = lock(&self.inner.open)
            .get(&(session, user.id, name.to_string()))
            .map(|o| (o.mailbox_id, o.released.clone()));
        match open {
            Some((id, released)) => Ok((id, Some(released))),
            None => Ok((
                c.query_opt("SELECT id FROM imapm_mailboxes WHERE user_id = $1 AND name = $2", &[&user.id, &name])
                    .map_err(db)?
                    .ok_or(StoreError::NoSuchMailbox)?
                    .get(0),
                None,
            )),
        }
    }

    /// Message rows for `uids`, in order; tombstones only for a session that holds them.
    fn messages(
        &self,
        user: &PgUser,
        name: &str,
        session: SessionId,
        uids: &[u32],
        read: Read,
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        let mut c = self.conn()?;
        let (id, held) = self.target(&mut *c, user, name, session)?;
        let wanted: Vec<i64> = uids.iter().map(|u| i64::from(*u)).collect();
        let extra = match read {
            Read::Meta => "",
            Read::Body => ", coalesce(b.data, lo_get(b.lo))",
            Read::Parsed => ", NULL::BYTEA, b.parsed, b.header_len",
        };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS}{extra} FROM imapm_messages m JOIN imapm_bodies b ON b.hash = m.hash \
             WHERE m.mailbox_id = $1 AND m.uid = ANY($2)"
        );
        let rows = c.query(&sql, &[&id, &wanted]).map_err(db)?;
        let mut found = std::collections::HashMap::with_capacity(rows.len());
        for r in rows {
            let uid = r.get::<_, i64>(0) as u32;
            let expunged: Option<i64> = r.get(6);
            let visible = expunged.is_none() || held.as_ref().is_some_and(|released| !released.contains(&uid));
            if !visible {
                continue;
            }
            let body: Bytes = if read == Read::Body { Bytes::from(r.get::<_, Vec<u8>>(9)) } else { Bytes::new() };
            let email_id = ObjectId::try_from(format!("M{}", r.get::<_, i64>(7))).ok();
            let mut m = MessageData::new(uid, flags_of(r.get(1)), from_date(r.get(2), r.get(3)), body)
                .with_ids(Some(from_date(r.get(8), 0)), email_id);
            m.size = r.get::<_, i64>(4) as u32;
            m.modseq = r.get::<_, i64>(5) as u64;
            if read == Read::Parsed {
                if let (Some(wire), Some(header_len)) = (r.get::<_, Option<Vec<u8>>>(10), r.get::<_, Option<i32>>(11)) {
                    m = m.with_parsed(Arc::new(ParsedMessage::from_stored(Bytes::from(wire), header_len as u32)));
                }
            }
            found.insert(uid, m);
        }
        Ok(uids.iter().map(|u| found.remove(u)).collect())
    }

    /// STORE, under `UNCHANGEDSINCE` when given (RFC 7162 §3.1.3): a message whose
    /// mod-sequence is above it is left alone, all under the mailbox's lock.
    fn store_if(
        &self,
        user: &PgUser,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
        unchanged_since: Option<u64>,
    ) -> Result<StoreOutcome, StoreError> {
        self.change(user, |tx| {
            let mut b = lock_mailbox(tx, user.id, name)?;
            let first = b.log_len as u64;
            if kind != StoreKind::Remove {
                b.new_keywords(tx, flags)?;
            }
            let wanted: Vec<i64> = uids.iter().map(|u| i64::from(*u)).collect();
            let rows = tx
                .query(
                    "SELECT uid, flags, modseq FROM imapm_messages \
                     WHERE mailbox_id = $1 AND uid = ANY($2) AND expunged IS NULL",
                    &[&b.id, &wanted],
                )
                .map_err(db)?;
            let mut live: std::collections::HashMap<u32, (Vec<Flag>, i64)> =
                rows.iter().map(|r| (r.get::<_, i64>(0) as u32, (flags_of(r.get(1)), r.get(2)))).collect();
            let mut out = Vec::with_capacity(uids.len());
            let mut modseqs = Vec::with_capacity(uids.len());
            for uid in uids {
                let Some((before, modseq)) = live.get_mut(uid) else {
                    out.push(Stored::Expunged);
                    modseqs.push(0);
                    continue;
                };
                if unchanged_since.is_some_and(|since| *modseq as u64 > since) {
                    out.push(Stored::Modified);
                    modseqs.push(*modseq as u64);
                    continue;
                }
                let mut after = before.clone();
                apply(&mut after, kind, flags);
                if after == *before {
                    out.push(Stored::Unchanged(after));
                    modseqs.push(*modseq as u64);
                    continue;
                }
                let new = modseq_at(b.log_len);
                tx.execute(
                    "UPDATE imapm_messages SET flags = $3, modseq = $4 WHERE mailbox_id = $1 AND uid = $2",
                    &[&b.id, &i64::from(*uid), &flag_texts(&after), &new],
                )
                .map_err(db)?;
                b.log(tx, kind::FLAGS, i64::from(*uid), None)?;
                (*before, *modseq) = (after.clone(), new);
                out.push(Stored::Changed(after));
                modseqs.push(new as u64);
            }
            let log = first..b.log_len as u64;
            b.finish(tx, user.id)?;
            Ok((StoreOutcome { flags: out, log, modseqs }, Some(b.id)))
        })
    }

    /// COPY, or MOVE when `remove`: one transaction, both mailboxes locked in id order.
    fn copy_or_move(
        &self,
        user: &PgUser,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
        remove: bool,
    ) -> Result<CopyResult, StoreError> {
        let picked = self.messages(user, from, session, uids, Read::Meta)?;
        self.change(user, |tx| {
            if !remove {
                // MOVE within the user's mailboxes changes no usage.
                let octets = picked.iter().flatten().map(|m| u64::from(m.size)).sum();
                reserve(tx, user.id, octets, picked.iter().flatten().count() as u64)?;
            }
            // Both rows in id order, so that two COPYs in opposite directions cannot
            // deadlock.
            tx.query(
                "SELECT id FROM imapm_mailboxes WHERE user_id = $1 AND name = ANY($2) ORDER BY id FOR UPDATE",
                &[&user.id, &vec![from.to_string(), to.to_string()]],
            )
            .map_err(db)?;
            let mut src = lock_mailbox(tx, user.id, from)?;
            let same = from == to;
            let mut dst = if same { None } else { Some(lock_mailbox(tx, user.id, to)?) };
            let mut result = CopyResult {
                uid_validity: dst.as_ref().map_or(src.uid_validity, |d| d.uid_validity) as u32,
                source: Vec::new(),
                destination: Vec::new(),
            };
            let mut moved = Vec::new();
            for m in picked.iter().flatten() {
                let row = tx
                    .query_one(
                        "SELECT hash, size, email_id FROM imapm_messages WHERE mailbox_id = $1 AND uid = $2",
                        &[&src.id, &i64::from(m.uid)],
                    )
                    .map_err(db)?;
                let (hash, size): (Vec<u8>, i64) = (row.get(0), row.get(1));
                let target = dst.as_mut().unwrap_or(&mut src);
                let new = target.insert(tx, &hash, size, &m.flags, &m.internal_date, Some(row.get(2)))?;
                result.source.push(m.uid);
                result.destination.push(new);
                moved.push(i64::from(m.uid));
            }
            if remove {
                let live: Vec<i64> = tx
                    .query(
                        "SELECT uid FROM imapm_messages WHERE mailbox_id = $1 AND uid = ANY($2) AND expunged IS NULL \
                         ORDER BY uid",
                        &[&src.id, &moved],
                    )
                    .map_err(db)?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                src.expunge(tx, &live)?;
            }
            src.finish(tx, user.id)?;
            if let Some(d) = &dst {
                d.finish(tx, user.id)?;
                self.inner.wake(user.id, Some(d.id));
            }
            Ok((result, Some(src.id)))
        })
    }
}

impl Backend for PostgresBackend {
    type User = PgUser;

    fn login(&self, username: &str, password: &str) -> Result<PgUser, StoreError> {
        let mut c = self.conn()?;
        let row = c
            .query_opt("SELECT id, password FROM imapm_users WHERE name = $1", &[&username])
            .map_err(db)?
            .ok_or(StoreError::AuthenticationFailed)?;
        if row.get::<_, String>(1) != password {
            return Err(StoreError::AuthenticationFailed);
        }
        Ok(PgUser { id: row.get(0), name: username.to_string() })
    }

    fn list(&self, user: &PgUser) -> Result<Vec<MailboxInfo>, StoreError> {
        let mut c = self.conn()?;
        let rows = c
            .query(
                "SELECT name, noselect, special_use FROM imapm_mailboxes WHERE user_id = $1 ORDER BY name",
                &[&user.id],
            )
            .map_err(db)?;
        let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        Ok(rows
            .iter()
            .map(|r| {
                let name: String = r.get(0);
                let mut attributes = Vec::new();
                if r.get::<_, bool>(1) {
                    attributes.push(ListAttribute::NoSelect);
                }
                let children = names.iter().any(|n| is_inferior(n, &name));
                attributes.push(if children { ListAttribute::HasChildren } else { ListAttribute::HasNoChildren });
                for u in r.get::<_, Vec<String>>(2) {
                    if let Some((a, _)) = ListAttribute::NAMED.iter().find(|(_, n)| *n == u) {
                        attributes.push(a.clone());
                    }
                }
                MailboxInfo { name, attributes }
            })
            .collect())
    }

    fn create(&self, user: &PgUser, name: &str) -> Result<(), StoreError> {
        self.create_special_use(user, name, &[])
    }

    /// The special uses of RFC 6154 §2 but `\All`, kept with the mailbox.
    fn create_special_use(&self, user: &PgUser, name: &str, uses: &[ListAttribute]) -> Result<(), StoreError> {
        if !uses.iter().all(|a| a.is_special_use() && *a != ListAttribute::All) {
            return Err(StoreError::UseAttr);
        }
        let name = name.strip_suffix(DELIMITER).unwrap_or(name);
        if !valid_name(name) {
            return Err(StoreError::InvalidName);
        }
        self.change(user, |tx| {
            tx.execute("SELECT 1 FROM imapm_users WHERE id = $1 FOR UPDATE", &[&user.id]).map_err(db)?;
            for sup in superiors(name) {
                create_one(tx, user.id, sup, &[]).map_err(db)?;
            }
            if !create_one(tx, user.id, name, uses).map_err(db)? {
                return Err(StoreError::AlreadyExists);
            }
            notify(tx, user.id, 0).map_err(db)?;
            Ok(((), None))
        })
    }

    fn delete(&self, user: &PgUser, name: &str) -> Result<(), StoreError> {
        if name == "INBOX" {
            return Err(StoreError::Cannot("INBOX cannot be deleted"));
        }
        self.change(user, |tx| {
            let row = tx
                .query_opt(
                    "SELECT id, noselect FROM imapm_mailboxes WHERE user_id = $1 AND name = $2 FOR UPDATE",
                    &[&user.id, &name],
                )
                .map_err(db)?
                .ok_or(StoreError::NoSuchMailbox)?;
            let (id, noselect): (i64, bool) = (row.get(0), row.get(1));
            let children: i64 = tx
                .query_one(
                    "SELECT count(*) FROM imapm_mailboxes WHERE user_id = $1 AND left(name, length($2) + 1) = $2 || '/'",
                    &[&user.id, &name],
                )
                .map_err(db)?
                .get(0);
            if children > 0 {
                // RFC 3501 §6.3.4: the messages go and the name becomes \Noselect.
                if noselect {
                    return Err(StoreError::Cannot("mailbox has inferior hierarchical names"));
                }
                let mut m = lock_mailbox(tx, user.id, name)?;
                let live: Vec<i64> = tx
                    .query("SELECT uid FROM imapm_messages WHERE mailbox_id = $1 AND expunged IS NULL ORDER BY uid", &[&id])
                    .map_err(db)?
                    .iter()
                    .map(|r| r.get(0))
                    .collect();
                m.expunge(tx, &live)?;
                m.finish(tx, user.id)?;
                tx.execute("UPDATE imapm_mailboxes SET noselect = TRUE WHERE id = $1", &[&id]).map_err(db)?;
                return Ok(((), Some(id)));
            }
            tx.execute("DELETE FROM imapm_mailboxes WHERE id = $1", &[&id]).map_err(db)?;
            notify(tx, user.id, id).map_err(db)?;
            Ok(((), Some(id)))
        })
    }

    fn rename(&self, user: &PgUser, from: &str, to: &str) -> Result<(), StoreError> {
        let to = to.strip_suffix(DELIMITER).unwrap_or(to);
        if !valid_name(to) {
            return Err(StoreError::InvalidName);
        }
        self.change(user, |tx| {
            tx.execute("SELECT 1 FROM imapm_users WHERE id = $1 FOR UPDATE", &[&user.id]).map_err(db)?;
            let names: Vec<String> = tx
                .query("SELECT name FROM imapm_mailboxes WHERE user_id = $1", &[&user.id])
                .map_err(db)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            if !names.iter().any(|n| n == from) {
                return Err(StoreError::NoSuchMailbox);
            }
            if names.iter().any(|n| n == to) || to == "INBOX" {
                return Err(StoreError::AlreadyExists);
            }
            if is_inferior(to, from) {
                return Err(StoreError::Cannot("cannot rename a mailbox into its own inferior"));
            }
            // URLs name the old names: their keys go.
            tx.execute(
                "DELETE FROM imapm_url_keys k USING imapm_mailboxes b WHERE b.id = k.mailbox_id AND b.user_id = $1 \
                 AND (b.name = $2 OR left(b.name, length($2) + 1) = $2 || '/')",
                &[&user.id, &from],
            )
            .map_err(db)?;
            if from == "INBOX" {
                // §6.3.5: INBOX's messages move to the new name; INBOX stays, empty.
                create_one(tx, user.id, to, &[]).map_err(db)?;
                let mut src = lock_mailbox(tx, user.id, "INBOX")?;
                let mut dst = lock_mailbox(tx, user.id, to)?;
                let rows = tx
                    .query(
                        "SELECT uid, hash, size, flags, internal_date, internal_zone, email_id FROM imapm_messages \
                         WHERE mailbox_id = $1 AND expunged IS NULL ORDER BY uid",
                        &[&src.id],
                    )
                    .map_err(db)?;
                let mut moved = Vec::with_capacity(rows.len());
                for r in rows {
                    let (hash, size): (Vec<u8>, i64) = (r.get(1), r.get(2));
                    dst.insert(tx, &hash, size, &flags_of(r.get(3)), &from_date(r.get(4), r.get(5)), Some(r.get(6)))?;
                    moved.push(r.get::<_, i64>(0));
                }
                src.expunge(tx, &moved)?;
                src.finish(tx, user.id)?;
                dst.finish(tx, user.id)?;
                notify(tx, user.id, 0).map_err(db)?;
                return Ok(((), Some(src.id)));
            }
            tx.execute(
                "UPDATE imapm_mailboxes SET name = $3 || substr(name, length($2) + 1) \
                 WHERE user_id = $1 AND (name = $2 OR left(name, length($2) + 1) = $2 || '/')",
                &[&user.id, &from, &to],
            )
            .map_err(db)?;
            for sup in superiors(to) {
                create_one(tx, user.id, sup, &[]).map_err(db)?;
            }
            notify(tx, user.id, 0).map_err(db)?;
            Ok(((), None))
        })
    }

    fn subscribe(&self, user: &PgUser, name: &str, subscribed: bool) -> Result<(), StoreError> {
        self.change(user, |tx| {
            let sql = if subscribed {
                "INSERT INTO imapm_subscriptions (user_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING"
            } else {
                "DELETE FROM imapm_subscriptions WHERE user_id = $1 AND name = $2"
            };
            tx.execute(sql, &[&user.id, &name]).map_err(db)?;
            notify(tx, user.id, 0).map_err(db)?;
            Ok(((), None))
        })
    }

    fn subscriptions(&self, user: &PgUser) -> Result<Vec<String>, StoreError> {
        let mut c = self.conn()?;
        let rows = c.query("SELECT name FROM imapm_subscriptions WHERE user_id = $1", &[&user.id]).map_err(db)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn status(&self, user: &PgUser, name: &str) -> Result<MailboxStatus, StoreError> {
        let mut c = self.conn()?;
        let b = c
            .query_opt(
                "SELECT id, uid_validity, uid_next, log_len, noselect FROM imapm_mailboxes WHERE user_id = $1 AND name = $2",
                &[&user.id, &name],
            )
            .map_err(db)?
            .ok_or(StoreError::NoSuchMailbox)?;
        if b.get::<_, bool>(4) {
            return Err(StoreError::NoSuchMailbox);
        }
        let id: i64 = b.get(0);
        let s = c
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE unclaimed), \
                 count(*) FILTER (WHERE NOT ('\\Seen' = ANY(flags))), coalesce(sum(size), 0)::BIGINT, \
                 count(*) FILTER (WHERE '\\Deleted' = ANY(flags)), \
                 coalesce(sum(size) FILTER (WHERE '\\Deleted' = ANY(flags)), 0)::BIGINT \
                 FROM imapm_messages WHERE mailbox_id = $1 AND expunged IS NULL",
                &[&id],
            )
            .map_err(db)?;
        Ok(MailboxStatus {
            messages: s.get::<_, i64>(0) as u32,
            recent: s.get::<_, i64>(1) as u32,
            uid_next: b.get::<_, i64>(2) as u32,
            uid_validity: b.get::<_, i64>(1) as u32,
            unseen: s.get::<_, i64>(2) as u32,
            size: s.get::<_, i64>(3) as u64,
            deleted: s.get::<_, i64>(4) as u32,
            deleted_storage: s.get::<_, i64>(5) as u64,
            highest_modseq: highest_modseq(b.get(3)),
        })
    }

    fn append(
        &self,
        user: &PgUser,
        name: &str,
        flags: &[Flag],
        date: Option<DateTime>,
        body: Bytes,
    ) -> Result<(u32, u32), StoreError> {
        let message = imap_machine::store::NewMessage { flags: flags.to_vec(), date, body };
        let (validity, uids) = self.append_all(user, name, vec![message])?;
        Ok((validity, uids[0]))
    }

    /// Every message in one transaction: other sessions see all of them or none.
    fn append_all(
        &self,
        user: &PgUser,
        name: &str,
        messages: Vec<imap_machine::store::NewMessage>,
    ) -> Result<(u32, Vec<u32>), StoreError> {
        if self.append_limit_of().is_some_and(|l| messages.iter().any(|m| m.body.len() as u64 > u64::from(l))) {
            return Err(StoreError::TooBig);
        }
        let octets = messages.iter().map(|m| imap_machine::mime::crlf_len(&m.body)).sum();
        self.change(user, |tx| {
            reserve(tx, user.id, octets, messages.len() as u64)?;
            let mut b = lock_mailbox(tx, user.id, name)?;
            let mut uids = Vec::with_capacity(messages.len());
            for m in messages {
                // Kept in CRLF form, which RFC822.SIZE counts, as the memory store keeps it.
                let body = imap_machine::mime::to_crlf(m.body);
                let hash = store_body(tx, &body)?;
                let date = m.date.unwrap_or_else(now);
                uids.push(b.insert(tx, &hash, body.len() as i64, &m.flags, &date, None)?);
            }
            b.finish(tx, user.id)?;
            Ok(((b.uid_validity as u32, uids), Some(b.id)))
        })
    }

    fn new_session(&self) -> SessionId {
        SessionId(self.inner.next_session.fetch_add(1, Ordering::Relaxed))
    }

    fn open(&self, user: &PgUser, name: &str, session: SessionId, read_only: bool) -> Result<Snapshot, StoreError> {
        let mut c = self.conn()?;
        let mut tx = c.transaction().map_err(db)?;
        let b = lock_mailbox(&mut tx, user.id, name)?;
        let uids: Vec<u32> = tx
            .query("SELECT uid FROM imapm_messages WHERE mailbox_id = $1 AND expunged IS NULL ORDER BY uid", &[&b.id])
            .map_err(db)?
            .iter()
            .map(|r| r.get::<_, i64>(0) as u32)
            .collect();
        let first_unseen = tx
            .query_one(
                "SELECT min(uid) FROM imapm_messages WHERE mailbox_id = $1 AND expunged IS NULL \
                 AND NOT ('\\Seen' = ANY(flags))",
                &[&b.id],
            )
            .map_err(db)?
            .get::<_, Option<i64>>(0)
            .map(|u| u as u32);
        let recent = claim(&mut tx, b.id, None, read_only)?;
        tx.commit().map_err(db)?;
        let mut flags = SYSTEM.to_vec();
        flags.extend(flags_of(b.keywords.clone()));
        lock(&self.inner.open)
            .insert((session, user.id, name.to_string()), Open { mailbox_id: b.id, released: HashSet::new() });
        {
            let mut w = lock(&self.inner.watchers);
            let seen = w.seen.entry(b.id).or_insert(b.log_len);
            *seen = (*seen).min(b.log_len);
        }
        Ok(Snapshot {
            uid_validity: b.uid_validity as u32,
            uid_next: b.uid_next as u32,
            uids,
            first_unseen,
            recent,
            flags,
            cursor: b.log_len as u64,
            highest_modseq: highest_modseq(b.log_len),
        })
    }

    fn close(&self, user: &PgUser, name: &str, session: SessionId) {
        let open = lock(&self.inner.open).remove(&(session, user.id, name.to_string()));
        if let Some(o) = open {
            let mut w = lock(&self.inner.watchers);
            if let Some(m) = w.mailboxes.get_mut(&o.mailbox_id) {
                m.remove(&session);
                if m.is_empty() {
                    w.mailboxes.remove(&o.mailbox_id);
                    w.seen.remove(&o.mailbox_id);
                }
            }
        }
    }

    fn changes(
        &self,
        user: &PgUser,
        name: &str,
        session: SessionId,
        cursor: u64,
        read_only: bool,
        max: usize,
    ) -> Result<ChangeBatch, StoreError> {
        let opened = self.opened(user, name, session).ok_or(StoreError::NoSuchMailbox)?;
        let mut c = self.conn()?;
        let row = c
            .query_opt("SELECT id, log_len FROM imapm_mailboxes WHERE user_id = $1 AND name = $2", &[&user.id, &name])
            .map_err(db)?;
        let Some(row) = row.filter(|r| r.get::<_, i64>(0) == opened) else {
            // Another incarnation of the name (deleted and created again, or renamed).
            return Err(StoreError::NoSuchMailbox);
        };
        let log_len: i64 = row.get(1);
        if log_len as u64 <= cursor {
            // Nothing new: one statement, no transaction (what most wake-ups and NOOPs
            // find).
            return Ok(ChangeBatch {
                start: cursor,
                changes: Vec::new(),
                cursor,
                recent: Vec::new(),
                highest_modseq: Some(highest_modseq(log_len)),
            });
        }
        let mut tx = c.transaction().map_err(db)?;
        let limit = max.max(1) as i64;
        let entries = tx
            .query(
                "SELECT l.kind, l.uid, l.keyword, m.flags, m.modseq FROM imapm_log l \
                 LEFT JOIN imapm_messages m ON m.mailbox_id = l.mailbox_id AND m.uid = l.uid \
                 WHERE l.mailbox_id = $1 AND l.pos >= $2 ORDER BY l.pos LIMIT $3",
                &[&opened, &(cursor as i64), &limit],
            )
            .map_err(db)?;
        let mut changes = Vec::with_capacity(entries.len());
        let mut appended = Vec::new();
        for e in &entries {
            let uid = e.get::<_, i64>(1) as u32;
            changes.push(match e.get::<_, i16>(0) {
                kind::APPENDED => {
                    appended.push(i64::from(uid));
                    Change::Appended { uid }
                }
                kind::FLAGS => Change::Flags {
                    uid,
                    flags: e.get::<_, Option<Vec<String>>>(3).map(flags_of).unwrap_or_default(),
                    modseq: e.get::<_, Option<i64>>(4).unwrap_or(0) as u64,
                },
                kind::EXPUNGED => Change::Expunged { uid },
                _ => match e.get::<_, Option<String>>(2).and_then(|k| Flag::parse(&k).ok()) {
                    Some(flag) => Change::Keyword { flag },
                    None => continue,
                },
            });
        }
        let recent = claim(&mut tx, opened, Some(&appended), read_only)?;
        tx.commit().map_err(db)?;
        let new = cursor + entries.len() as u64;
        // The log read to its end as it was when looked at: its HIGHESTMODSEQ then.
        let highest = (new == log_len as u64).then(|| highest_modseq(log_len));
        Ok(ChangeBatch { start: cursor, changes, cursor: new, recent, highest_modseq: highest })
    }

    fn fetch(
        &self,
        user: &PgUser,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.messages(user, name, session, uids, Read::Body)
    }

    /// From the rows, without the bodies.
    fn fetch_meta(
        &self,
        user: &PgUser,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.messages(user, name, session, uids, Read::Meta)
    }

    /// Streamed into large objects, nothing buffered whole (`append.rs`).
    fn append_transaction(
        self: std::sync::Arc<Self>,
        user: &PgUser,
        name: &str,
    ) -> Result<Box<dyn imap_machine::store::AppendTransaction>, StoreError> {
        Ok(Box::new(super::append::PgAppend::start(self, user, name)?))
    }

    /// The range only, read from the database (`lo_get` with an offset for a streamed
    /// body, `substring` for a short one).
    fn fetch_range(
        &self,
        user: &PgUser,
        name: &str,
        session: SessionId,
        uid: u32,
        range: std::ops::Range<u64>,
    ) -> Result<Option<Bytes>, StoreError> {
        let mut c = self.conn()?;
        let (id, held) = self.target(&mut *c, user, name, session)?;
        let row = c
            .query_opt(
                "SELECT m.size, m.expunged FROM imapm_messages m WHERE m.mailbox_id = $1 AND m.uid = $2",
                &[&id, &i64::from(uid)],
            )
            .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let expunged: Option<i64> = row.get(1);
        if expunged.is_some() && held.is_none_or(|released| released.contains(&uid)) {
            return Ok(None);
        }
        let size = row.get::<_, i64>(0) as u64;
        let (start, end) = (range.start.min(size), range.end.clamp(range.start.min(size), size));
        if start == end {
            return Ok(Some(Bytes::new()));
        }
        let (offset, len) = (start as i64, (end - start).min(i32::MAX as u64) as i32);
        let data: Vec<u8> = c
            .query_one(
                "SELECT CASE WHEN b.lo IS NULL THEN substring(b.data FROM ($3::BIGINT + 1)::INT FOR $4::INT) \
                 ELSE lo_get(b.lo, $3::BIGINT, $4::INT) END \
                 FROM imapm_messages m JOIN imapm_bodies b ON b.hash = m.hash WHERE m.mailbox_id = $1 AND m.uid = $2",
                &[&id, &i64::from(uid), &offset, &len],
            )
            .map_err(db)?
            .get(0);
        Ok(Some(Bytes::from(data)))
    }

    /// With the parse kept beside the body.
    fn fetch_parsed(
        &self,
        user: &PgUser,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.messages(user, name, session, uids, Read::Parsed)
    }

    fn store(
        &self,
        user: &PgUser,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
    ) -> Result<StoreOutcome, StoreError> {
        self.store_if(user, name, uids, kind, flags, None)
    }

    fn store_unchanged_since(
        &self,
        user: &PgUser,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
        unchanged_since: u64,
    ) -> Result<StoreOutcome, StoreError> {
        self.store_if(user, name, uids, kind, flags, Some(unchanged_since))
    }

    fn copy(
        &self,
        user: &PgUser,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
    ) -> Result<CopyResult, StoreError> {
        self.copy_or_move(user, from, session, uids, to, false)
    }

    fn move_messages(
        &self,
        user: &PgUser,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
    ) -> Result<CopyResult, StoreError> {
        self.copy_or_move(user, from, session, uids, to, true)
    }

    fn expunge(&self, user: &PgUser, name: &str, uids: Option<&[u32]>, max: usize) -> Result<Vec<u32>, StoreError> {
        self.change(user, |tx| {
            let mut b = lock_mailbox(tx, user.id, name)?;
            let limit = max.min(i64::MAX as usize) as i64;
            let rows = match uids {
                None => tx.query(
                    "SELECT uid FROM imapm_messages WHERE mailbox_id = $1 AND expunged IS NULL \
                     AND '\\Deleted' = ANY(flags) ORDER BY uid LIMIT $2",
                    &[&b.id, &limit],
                ),
                Some(set) => {
                    let wanted: Vec<i64> = set.iter().map(|u| i64::from(*u)).collect();
                    tx.query(
                        "SELECT uid FROM imapm_messages WHERE mailbox_id = $1 AND expunged IS NULL \
                         AND '\\Deleted' = ANY(flags) AND uid = ANY($3) ORDER BY uid LIMIT $2",
                        &[&b.id, &limit, &wanted],
                    )
                }
            }
            .map_err(db)?;
            let doomed: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
            b.expunge(tx, &doomed)?;
            b.finish(tx, user.id)?;
            Ok((doomed.iter().map(|u| *u as u32).collect(), Some(b.id)))
        })
    }

    fn release(&self, user: &PgUser, name: &str, session: SessionId, uids: &[u32]) {
        if let Some(o) = lock(&self.inner.open).get_mut(&(session, user.id, name.to_string())) {
            o.released.extend(uids.iter().copied());
        }
    }

    fn watch_user(&self, user: &PgUser, session: SessionId, notifier: Option<Notifier>) {
        let mut w = lock(&self.inner.watchers);
        match notifier {
            Some(n) => {
                w.users.entry(user.id).or_default().insert(session, n);
            }
            None => {
                if let Some(m) = w.users.get_mut(&user.id) {
                    m.remove(&session);
                }
            }
        }
    }

    fn watch(&self, user: &PgUser, name: &str, session: SessionId, notifier: Notifier) {
        if let Some(id) = self.opened(user, name, session) {
            lock(&self.inner.watchers).mailboxes.entry(id).or_default().insert(session, notifier);
        }
    }

    fn now(&self) -> Option<DateTime> {
        Some(now())
    }

    fn append_limit(&self) -> Option<u32> {
        self.append_limit_of()
    }

    fn mod_seqs(&self) -> bool {
        true
    }

    fn metadata(&self, user: &PgUser, mailbox: Option<&str>) -> Result<Vec<(String, Bytes)>, StoreError> {
        let mut c = self.conn()?;
        let id = metadata_key(&mut *c, user, mailbox)?;
        let rows = c
            .query(
                "SELECT entry, value FROM imapm_metadata WHERE user_id = $1 AND mailbox_id IS NOT DISTINCT FROM $2 \
                 ORDER BY entry COLLATE \"C\"",
                &[&user.id, &id],
            )
            .map_err(db)?;
        Ok(rows.iter().map(|r| (r.get::<_, String>(0), Bytes::from(r.get::<_, Vec<u8>>(1)))).collect())
    }

    /// Every entry in one transaction: all set, or none.
    fn set_metadata(
        &self,
        user: &PgUser,
        mailbox: Option<&str>,
        entries: &[(String, Option<Bytes>)],
    ) -> Result<(), StoreError> {
        self.change(user, |tx| {
            let id = metadata_key(tx, user, mailbox)?;
            for (entry, value) in entries {
                match value {
                    Some(v) => tx.execute(
                        "INSERT INTO imapm_metadata (user_id, mailbox_id, entry, value) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (user_id, (coalesce(mailbox_id, 0)), entry) DO UPDATE SET value = EXCLUDED.value",
                        &[&user.id, &id, entry, &&v[..]],
                    ),
                    None => tx.execute(
                        "DELETE FROM imapm_metadata WHERE user_id = $1 AND mailbox_id IS NOT DISTINCT FROM $2 \
                         AND entry = $3",
                        &[&user.id, &id, entry],
                    ),
                }
                .map_err(db)?;
            }
            Ok(((), None))
        })
    }

    fn metadata_supported(&self) -> bool {
        true
    }

    fn quota(&self, user: &PgUser) -> Result<Option<Vec<imap_machine::types::QuotaUsage>>, StoreError> {
        let mut c = self.conn()?;
        let r = c
            .query_one("SELECT quota_storage_kb, quota_messages FROM imapm_users WHERE id = $1", &[&user.id])
            .map_err(db)?;
        let limits = QuotaLimits {
            storage_kb: r.get::<_, Option<i64>>(0).map(|v| v.max(0) as u64),
            messages: r.get::<_, Option<i64>>(1).map(|v| v.max(0) as u64),
        };
        if !limits.is_limited() {
            return Ok(None);
        }
        let (used, count) = usage(&mut *c, user.id)?;
        Ok(limits.usage(used, count))
    }

    fn quotas(&self) -> bool {
        true
    }

    fn url_keys(&self) -> bool {
        true
    }

    /// Made at first use, in one statement, so that processes asking at once agree.
    fn url_key(&self, user: &PgUser, mailbox: &str, create: bool) -> Result<Option<Vec<u8>>, StoreError> {
        let mut c = self.conn()?;
        let id = metadata_key(&mut *c, user, Some(mailbox))?;
        if create {
            let mut key = vec![0u8; 16];
            getrandom::fill(&mut key).map_err(|_| StoreError::Cannot("no randomness for a URLAUTH key"))?;
            c.execute(
                "INSERT INTO imapm_url_keys (mailbox_id, key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&id, &key],
            )
            .map_err(db)?;
        }
        let row = c.query_opt("SELECT key FROM imapm_url_keys WHERE mailbox_id = $1", &[&id]).map_err(db)?;
        Ok(row.map(|r| r.get(0)))
    }

    fn reset_url_keys(&self, user: &PgUser, mailbox: Option<&str>) -> Result<(), StoreError> {
        let mut c = self.conn()?;
        match mailbox {
            None => c.execute(
                "DELETE FROM imapm_url_keys k USING imapm_mailboxes b WHERE b.id = k.mailbox_id AND b.user_id = $1",
                &[&user.id],
            ),
            Some(name) => {
                let id = metadata_key(&mut *c, user, Some(name))?;
                let mut key = vec![0u8; 16];
                getrandom::fill(&mut key).map_err(|_| StoreError::Cannot("no randomness for a URLAUTH key"))?;
                c.execute(
                    "INSERT INTO imapm_url_keys (mailbox_id, key) VALUES ($1, $2) \
                     ON CONFLICT (mailbox_id) DO UPDATE SET key = EXCLUDED.key",
                    &[&id, &key],
                )
            }
        }
        .map_err(db)?;
        Ok(())
    }

    fn user_by_name(&self, name: &str) -> Option<PgUser> {
        let mut c = self.conn().ok()?;
        let row = c.query_opt("SELECT id FROM imapm_users WHERE name = $1", &[&name]).ok()??;
        Some(PgUser { id: row.get(0), name: name.to_string() })
    }

    fn url_submitter(&self, name: &str) -> bool {
        self.inner.submitters.read().unwrap_or_else(|p| p.into_inner()).contains(name)
    }

    /// MAILBOXID `B<row id>`, kept by RENAME; EMAILID `M<n>` (see `schema.rs`).
    fn object_ids(&self) -> bool {
        true
    }

    fn mailbox_id(&self, user: &PgUser, name: &str) -> Result<Option<ObjectId>, StoreError> {
        let mut c = self.conn()?;
        let id: i64 = c
            .query_opt("SELECT id FROM imapm_mailboxes WHERE user_id = $1 AND name = $2", &[&user.id, &name])
            .map_err(db)?
            .ok_or(StoreError::NoSuchMailbox)?
            .get(0);
        Ok(ObjectId::try_from(format!("B{id}")).ok())
    }

    /// Every tombstone is kept, so the answer is always complete.
    fn vanished(&self, user: &PgUser, name: &str, since: u64) -> Result<Vanished, StoreError> {
        let mut c = self.conn()?;
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let rows = c
            .query(
                "SELECT m.uid FROM imapm_messages m JOIN imapm_mailboxes b ON b.id = m.mailbox_id \
                 WHERE b.user_id = $1 AND b.name = $2 AND m.expunged IS NOT NULL AND m.expunged + 2 > $3 \
                 ORDER BY m.uid",
                &[&user.id, &name, &since],
            )
            .map_err(db)?;
        Ok(Vanished { uids: rows.iter().map(|r| r.get::<_, i64>(0) as u32).collect(), complete: true })
    }
}

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
fn usage(c: &mut impl GenericClient, user: i64) -> Result<(u64, u64), StoreError> {
    let r = c
        .query_one(
            "SELECT coalesce(sum(m.size), 0)::BIGINT, count(*) FROM imapm_messages m \
             JOIN imapm_mailboxes b ON b.id = m.mailbox_id WHERE b.user_id = $1 AND m.expunged IS NULL",
            &[&user],
        )
        .map_err(db)?;
    Ok((r.get::<_, i64>(0) as u64, r.get::<_, i64>(1) as u64))
}

/// The mailbox id METADATA keys `mailbox`'s entries by (`None`: the server's); the
/// mailbox must exist.
fn metadata_key(c: &mut impl GenericClient, user: &PgUser, mailbox: Option<&str>) -> Result<Option<i64>, StoreError> {
    let Some(name) = mailbox else { return Ok(None) };
    let row = c
        .query_opt("SELECT id FROM imapm_mailboxes WHERE user_id = $1 AND name = $2", &[&user.id, &name])
        .map_err(db)?
        .ok_or(StoreError::NoSuchMailbox)?;
    Ok(Some(row.get(0)))
}

/// Claims `\Recent` (RFC 3501 §2.3.2) of the unclaimed live messages of a mailbox (those
/// among `uids` if given) for a read-write session, or lists them for a read-only one.
fn claim(
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
