//! [`Backend`] on PostgreSQL. Each method is one transaction; one that changes a mailbox
//! locks its row first (`FOR UPDATE`), so UIDs and log positions are taken in commit
//! order among every process, and ends with `NOTIFY imapm` (sent at commit).

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use imap_machine::store::names::{is_inferior, superiors, valid as valid_name, DELIMITER};
use imap_machine::store::{
    Backend, Change, ChangeBatch, CopyResult, MailboxInfo, MailboxStatus, MessageData, Notifier, QuotaLimits,
    SessionId, Snapshot, StoreError, StoreOutcome, Vanished,
};
use imap_machine::types::{DateTime, Flag, ListAttribute, ObjectId, StoreKind};

use postgres::types::Type;

use super::rows::*;
use super::schema::kind;
use super::{db, lock, Open, PgUser, PostgresBackend};

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

    fn user(&self, username: &str) -> Result<PgUser, StoreError> {
        let mut c = self.conn()?;
        let row = c
            .query_opt("SELECT id FROM imapm_users WHERE name = $1", &[&username])
            .map_err(db)?
            .ok_or(StoreError::AuthenticationFailed)?;
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
            notify(tx, user.id, 0, 0).map_err(db)?;
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
            notify(tx, user.id, id, 0).map_err(db)?;
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
                notify(tx, user.id, 0, 0).map_err(db)?;
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
            notify(tx, user.id, 0, 0).map_err(db)?;
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
            notify(tx, user.id, 0, 0).map_err(db)?;
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
            .query_typed_opt(
                "SELECT id, log_len, log_start FROM imapm_mailboxes WHERE user_id = $1 AND name = $2",
                &[(&user.id, Type::INT8), (&name, Type::TEXT)],
            )
            .map_err(db)?;
        let Some(row) = row.filter(|r| r.get::<_, i64>(0) == opened) else {
            // Another incarnation of the name (deleted and created again, or renamed).
            return Err(StoreError::NoSuchMailbox);
        };
        let log_len: i64 = row.get(1);
        if (cursor as i64) < row.get::<_, i64>(2) {
            // Compacted past this session's cursor: it lagged longer than the retention
            // and can no longer be brought up to date (the server ends it).
            return Err(StoreError::Cannot("the session fell behind the mailbox's kept history"));
        }
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
        let limit = max.clamp(1, i64::MAX as usize) as i64;
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

    /// Bodies are kept in CRLF form (`append.rs`), `size` is their length, and a range is
    /// one `lo_get`.
    fn streams_text(&self) -> bool {
        true
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
        let (expunged, mailbox) = self.change(user, |tx| {
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
            Ok(((doomed.iter().map(|u| *u as u32).collect::<Vec<_>>(), b.id), Some(b.id)))
        })?;
        if !expunged.is_empty() {
            self.compact_after_expunge(mailbox);
        }
        Ok(expunged)
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
        let id = mailbox_row(&mut *c, user, mailbox)?;
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
                let id = mailbox_row(&mut *c, user, name)?;
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
        let id = mailbox_row(&mut *c, user, name)?;
        Ok(ObjectId::try_from(format!("B{id}")).ok())
    }

    /// Complete unless compaction dropped tombstones the client may not have seen: an
    /// expunge at log position `p` has mod-sequence `p + 2`, and positions below
    /// `log_start` are gone, so `since` must be past `log_start + 1`.
    fn vanished(&self, user: &PgUser, name: &str, since: u64) -> Result<Vanished, StoreError> {
        let mut c = self.conn()?;
        let since = i64::try_from(since).unwrap_or(i64::MAX);
        let log_start: i64 = c
            .query_opt("SELECT log_start FROM imapm_mailboxes WHERE user_id = $1 AND name = $2", &[&user.id, &name])
            .map_err(db)?
            .map_or(0, |r| r.get(0));
        let rows = c
            .query(
                "SELECT m.uid FROM imapm_messages m JOIN imapm_mailboxes b ON b.id = m.mailbox_id \
                 WHERE b.user_id = $1 AND b.name = $2 AND m.expunged IS NOT NULL AND m.expunged + 2 > $3 \
                 ORDER BY m.uid",
                &[&user.id, &name, &since],
            )
            .map_err(db)?;
        let complete = log_start == 0 || since > log_start;
        Ok(Vanished { uids: rows.iter().map(|r| r.get::<_, i64>(0) as u32).collect(), complete })
    }
}
