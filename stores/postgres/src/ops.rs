//! The store's steps shared by several commands: running a change as one transaction
//! and waking watchers, finding the incarnation of a mailbox a session reads, reading
//! messages, STORE, and COPY/MOVE.

use std::collections::HashSet;
use std::sync::Arc;

use bytes::Bytes;
use imap_machine::store::names::apply_store as apply;
use imap_machine::store::{CopyResult, MessageData, ParsedMessage, SessionId, StoreError, StoreOutcome, Stored};
use imap_machine::types::{Flag, ObjectId, StoreKind};
use postgres::types::Type;
use postgres::{GenericClient, Transaction};

use super::rows::*;
use super::schema::kind;
use super::{db, lock, PgUser, PostgresBackend};

impl PostgresBackend {
    pub(crate) fn conn(
        &self,
    ) -> Result<r2d2::PooledConnection<r2d2_postgres::PostgresConnectionManager<postgres::NoTls>>, StoreError> {
        self.inner.pool.get().map_err(|_| StoreError::Unavailable)
    }

    /// Runs `f` in a transaction, committed if it succeeds, then wakes this process's
    /// watchers of the user (and of `mailbox`'s id `f` returns, if any).
    pub(crate) fn change<T>(
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
    pub(crate) fn opened(&self, user: &PgUser, name: &str, session: SessionId) -> Option<i64> {
        lock(&self.inner.open).get(&(session, user.id, name.to_string())).map(|o| o.mailbox_id)
    }

    /// The mailbox a session reads: its own incarnation of the name when it has it open
    /// (RENAME moves the name, not the id), else the name's; with the expunged UIDs the
    /// session let go of (`None`: it holds none).
    pub(crate) fn target(
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
            None => Ok((mailbox_row(c, user, name)?, None)),
        }
    }

    /// Message rows for `uids`, in order; tombstones only for a session that holds them.
    pub(crate) fn messages(
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
    pub(crate) fn store_if(
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
                tx.execute_typed(
                    "UPDATE imapm_messages SET flags = $3, modseq = $4 WHERE mailbox_id = $1 AND uid = $2",
                    &[
                        (&b.id, Type::INT8),
                        (&i64::from(*uid), Type::INT8),
                        (&flag_texts(&after), Type::TEXT_ARRAY),
                        (&new, Type::INT8),
                    ],
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
    pub(crate) fn copy_or_move(
        &self,
        user: &PgUser,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
        remove: bool,
    ) -> Result<CopyResult, StoreError> {
        let picked = self.messages(user, from, session, uids, Read::Meta)?;
        let (result, source) = self.change(user, |tx| {
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
            Ok(((result, src.id), Some(src.id)))
        })?;
        if remove {
            self.compact_after_expunge(source);
        }
        Ok(result)
    }
}
