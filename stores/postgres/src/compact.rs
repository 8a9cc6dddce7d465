//! Compaction: what EXPUNGE leaves behind, reclaimed once no session can need it.
//!
//! An expunge keeps the message as a tombstone and logs it, so that sessions which still
//! show the message can fetch it (RFC 2180 §4.1.1) and catch up with the log from their
//! cursor; QRESYNC reads the tombstones for `VANISHED (EARLIER)` (RFC 7162 §3.2.5).
//! Without compaction the log, the tombstones and their bodies would grow for ever.
//!
//! A mailbox is compacted up to its first log entry younger than the retention: the
//! entries before it are deleted, so are the tombstones of the expunges among them, then
//! the bodies that no message refers to any more (a body shared by COPY stays while one
//! copy lives), and their large objects. `imapm_mailboxes.log_start` records the first
//! position kept.
//!
//! What the sessions see, in every process:
//!
//! - A session whose cursor is behind `log_start` has not caught up for longer than the
//!   retention (an IDLE or active session follows the log within moments; an idle one
//!   is logged out by the server long before the default day): its next look at the log
//!   fails, and the server ends it with `BYE`, as Dovecot does when a view can no longer
//!   be synced. Its client reconnects and resynchronises.
//! - `VANISHED (EARLIER)` for a mod-sequence older than the kept log is reported as
//!   incomplete ([`imap_machine::store::Vanished::complete`]), and the server falls back
//!   to what the client said it knows.
//!
//! Compaction runs after every EXPUNGE and MOVE on the mailbox they touched, and every
//! hour over every mailbox from a thread of each process (one process at a time,
//! [`PostgresBackend::with_compaction_interval`]), with the store's retention
//! ([`PostgresBackend::with_log_retention`], a day unless set); and when called,
//! [`PostgresBackend::compact`].
//!
//! A body is deleted only while no message row refers to it, under the foreign key from
//! `imapm_messages`: an APPEND or COPY that takes the same body meanwhile either locks
//! it first (`FOR KEY SHARE`, [`crate::rows::store_body`]), and the deletion leaves it, or
//! finds it gone and stores it again.

use std::sync::atomic::Ordering;
use std::sync::Weak;
use std::time::Duration;

use postgres::{GenericClient, Transaction};

use crate::{Inner, PgError, PostgresBackend};

/// What a compaction removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Compacted {
    /// Log entries deleted.
    pub log_entries: u64,
    /// Tombstones (expunged messages) deleted.
    pub tombstones: u64,
    /// Message bodies deleted (their large objects unlinked).
    pub bodies: u64,
}

impl std::ops::AddAssign for Compacted {
    fn add_assign(&mut self, o: Compacted) {
        self.log_entries += o.log_entries;
        self.tombstones += o.tombstones;
        self.bodies += o.bodies;
    }
}

/// The retention when none is set: a day, far longer than any live session lags.
pub const DEFAULT_LOG_RETENTION: Duration = Duration::from_secs(24 * 3600);

/// How often a process sweeps every mailbox when not told otherwise: hourly.
pub const DEFAULT_COMPACTION_INTERVAL: Duration = Duration::from_secs(3600);

/// The advisory lock a sweep holds, so that processes sweep one at a time.
const SWEEP_LOCK: i64 = 7_106_142_352;

/// How often the sweeper looks whether a sweep is due (and whether the store is gone).
const SWEEP_TICK: Duration = Duration::from_secs(1);

/// Starts this process's sweeper thread; it ends once the backend is dropped.
pub(crate) fn spawn_sweeper(inner: Weak<Inner>) {
    let spawned = std::thread::Builder::new().name("imapm-pg-compact".into()).spawn(move || {
        let mut waited = Duration::ZERO;
        loop {
            std::thread::sleep(SWEEP_TICK);
            waited += SWEEP_TICK;
            let Some(inner) = inner.upgrade() else { return };
            let every = inner.compaction_interval_ms.load(Ordering::Relaxed);
            if every == 0 || waited < Duration::from_millis(every) {
                continue;
            }
            waited = Duration::ZERO;
            sweep(&PostgresBackend { inner });
        }
    });
    // Without the thread, compaction still follows every EXPUNGE and MOVE.
    drop(spawned);
}

/// One sweep of every mailbox with the store's retention, if no other process is
/// sweeping. Failures leave the work to the next round.
fn sweep(backend: &PostgresBackend) {
    let Ok(mut lock) = backend.inner.pool.get() else { return };
    let got = lock.query_one("SELECT pg_try_advisory_lock($1)", &[&SWEEP_LOCK]).map(|r| r.get::<_, bool>(0));
    if !matches!(got, Ok(true)) {
        return;
    }
    let retention = Duration::from_millis(backend.inner.log_retention_ms.load(Ordering::Relaxed));
    let _ = backend.compact(retention);
    let _ = lock.execute("SELECT pg_advisory_unlock($1)", &[&SWEEP_LOCK]);
}

impl PostgresBackend {
    /// Sets how long log entries and tombstones are kept before the compaction that
    /// follows each EXPUNGE and MOVE may remove them (default [`DEFAULT_LOG_RETENTION`]).
    /// A session that lags further behind than this is ended with `BYE` (module docs).
    pub fn with_log_retention(self, retention: Duration) -> Self {
        let ms = u64::try_from(retention.as_millis()).unwrap_or(u64::MAX);
        self.inner.log_retention_ms.store(ms, Ordering::Relaxed);
        self
    }

    /// Sets how often this process sweeps every mailbox with the store's retention
    /// (default [`DEFAULT_COMPACTION_INTERVAL`]; `None`: never, only after EXPUNGE and
    /// MOVE). Of several processes on one database, one sweeps at a time (an advisory
    /// lock); the others skip that round.
    pub fn with_compaction_interval(self, every: Option<Duration>) -> Self {
        let ms = every.map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1));
        self.inner.compaction_interval_ms.store(ms, Ordering::Relaxed);
        self
    }

    /// Compacts every mailbox, keeping `retention` worth of log (see the module docs).
    pub fn compact(&self, retention: Duration) -> Result<Compacted, PgError> {
        self.compact_where(None, retention)
    }

    /// Compacts the mailboxes of user `name`, keeping `retention` worth of log.
    pub fn compact_user(&self, name: &str, retention: Duration) -> Result<Compacted, PgError> {
        self.compact_where(Some(name), retention)
    }

    fn compact_where(&self, user: Option<&str>, retention: Duration) -> Result<Compacted, PgError> {
        let mut c = self.inner.pool.get().map_err(PgError::Connect)?;
        // The mailboxes whose first kept entry is older than the retention: the others
        // have nothing to drop (one index probe each).
        let ids: Vec<i64> = c
            .query(
                "SELECT b.id FROM imapm_mailboxes b JOIN imapm_users u ON u.id = b.user_id \
                 WHERE ($1::TEXT IS NULL OR u.name = $1) AND EXISTS (SELECT 1 FROM imapm_log l \
                   WHERE l.mailbox_id = b.id AND l.pos = b.log_start AND l.at <= now() - make_interval(secs => $2)) \
                 ORDER BY b.id",
                &[&user, &retention.as_secs_f64()],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut total = Compacted::default();
        for id in ids {
            total += compact_mailbox(&mut *c, id, retention)?;
        }
        Ok(total)
    }

    /// The compaction after an EXPUNGE or MOVE, with the store's retention. Best effort:
    /// a failure (the database busy, a body taken again meanwhile) leaves the work to the
    /// next one.
    pub(crate) fn compact_after_expunge(&self, mailbox: i64) {
        let retention = Duration::from_millis(self.inner.log_retention_ms.load(Ordering::Relaxed));
        if let Ok(mut c) = self.conn() {
            // A failure leaves everything as it was, for the next compaction.
            let _ = compact_mailbox(&mut *c, mailbox, retention);
        }
    }
}

/// Compacts one mailbox in one transaction, under its row lock (which every change to
/// the mailbox takes first).
fn compact_mailbox(
    c: &mut impl GenericClient,
    mailbox: i64,
    retention: Duration,
) -> Result<Compacted, postgres::Error> {
    let mut tx = c.transaction()?;
    let Some(row) =
        tx.query_opt("SELECT log_len, log_start FROM imapm_mailboxes WHERE id = $1 FOR UPDATE", &[&mailbox])?
    else {
        return Ok(Compacted::default());
    };
    let (log_len, log_start): (i64, i64) = (row.get(0), row.get(1));
    // The first entry young enough to keep; the whole log when none is.
    let cut: i64 = tx
        .query_one(
            "SELECT coalesce(min(pos), $2) FROM imapm_log \
             WHERE mailbox_id = $1 AND pos >= $3 AND at > now() - make_interval(secs => $4)",
            &[&mailbox, &log_len, &log_start, &retention.as_secs_f64()],
        )?
        .get(0);
    if cut <= log_start {
        return Ok(Compacted::default());
    }
    let log_entries = tx.execute("DELETE FROM imapm_log WHERE mailbox_id = $1 AND pos < $2", &[&mailbox, &cut])?;
    let mut hashes: Vec<Vec<u8>> = tx
        .query(
            "DELETE FROM imapm_messages WHERE mailbox_id = $1 AND expunged IS NOT NULL AND expunged < $2 \
             RETURNING hash",
            &[&mailbox, &cut],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let tombstones = hashes.len() as u64;
    tx.execute("UPDATE imapm_mailboxes SET log_start = $2 WHERE id = $1", &[&mailbox, &cut])?;
    hashes.sort_unstable();
    hashes.dedup();
    let bodies = drop_bodies(&mut tx, &hashes);
    tx.commit()?;
    Ok(Compacted { log_entries, tombstones, bodies })
}

/// Deletes the bodies among `hashes` that no message refers to, and their large
/// objects; in a savepoint, so that a body referred to again meanwhile (the foreign key
/// refuses its deletion) costs only this step, not the compaction. How many went.
fn drop_bodies(tx: &mut Transaction<'_>, hashes: &[Vec<u8>]) -> u64 {
    if hashes.is_empty() {
        return 0;
    }
    let attempt = |sp: &mut Transaction<'_>| -> Result<u64, postgres::Error> {
        let rows = sp.query(
            "DELETE FROM imapm_bodies b WHERE b.hash = ANY($1) \
             AND NOT EXISTS (SELECT 1 FROM imapm_messages m WHERE m.hash = b.hash) RETURNING b.lo",
            &[&hashes],
        )?;
        for lo in rows.iter().filter_map(|r| r.get::<_, Option<u32>>(0)) {
            sp.execute("SELECT lo_unlink($1)", &[&lo])?;
        }
        Ok(rows.len() as u64)
    };
    let Ok(mut sp) = tx.transaction() else { return 0 };
    match attempt(&mut sp) {
        Ok(n) => sp.commit().map(|()| n).unwrap_or(0),
        Err(_) => 0,
    }
}
