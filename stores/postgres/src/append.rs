//! APPEND streamed into the database ([`Backend::append_transaction`]): each message of a
//! long APPEND (the session streams those over 64 KiB) is written, chunk by chunk as it
//! arrives, into a PostgreSQL large object (`lo_create`, `lo_put`), in a transaction
//! opened for the command on a connection of its own; nothing is buffered whole. At
//! commit each body is filed under its SHA-256 (a body already there keeps its copy and
//! the new object goes), the messages get their UIDs under the mailbox's lock, and the
//! transaction commits: other sessions see every message or none (RFC 3502 §6.3.11). A
//! transaction dropped without commit (a message refused, the client gone) is rolled
//! back, large objects included.
//!
//! Bare LFs become CRLF as the bytes pass (a CR at the end of one chunk is remembered for
//! the next), as every store here keeps messages.

use std::sync::Arc;

use imap_machine::store::{AppendTransaction, Backend, StoreError};
use imap_machine::types::{DateTime, Flag};
use postgres::NoTls;
use r2d2::PooledConnection;
use r2d2_postgres::PostgresConnectionManager;
use sha2::{Digest, Sha256};

use super::rows::{lock_mailbox, now, reserve};
use super::{db, PgUser, PostgresBackend};

/// One message being written.
struct Current {
    flags: Vec<Flag>,
    date: Option<DateTime>,
    lo: u32,
    hash: Sha256,
    written: i64,
    /// The last byte written was a CR.
    cr: bool,
}

/// A message written whole, waiting for commit.
struct Staged {
    flags: Vec<Flag>,
    date: Option<DateTime>,
    lo: u32,
    hash: Vec<u8>,
    size: i64,
}

/// [`AppendTransaction`] on PostgreSQL.
pub(crate) struct PgAppend {
    backend: PostgresBackend,
    user: PgUser,
    name: String,
    client: PooledConnection<PostgresConnectionManager<NoTls>>,
    done: Vec<Staged>,
    current: Option<Current>,
    committed: bool,
}

impl PgAppend {
    /// Opens the transaction, after checking the mailbox (`NO [TRYCREATE]` before the
    /// client sends a byte).
    pub(crate) fn start(backend: Arc<PostgresBackend>, user: &PgUser, name: &str) -> Result<PgAppend, StoreError> {
        backend.status(user, name)?;
        let mut client = backend.inner.pool.get().map_err(|_| StoreError::Unavailable)?;
        client.batch_execute("BEGIN").map_err(db)?;
        Ok(PgAppend {
            backend: (*backend).clone(),
            user: user.clone(),
            name: name.to_string(),
            client,
            done: Vec::new(),
            current: None,
            committed: false,
        })
    }

    fn finish_current(&mut self) {
        if let Some(c) = self.current.take() {
            self.done.push(Staged {
                flags: c.flags,
                date: c.date,
                lo: c.lo,
                hash: c.hash.finalize().to_vec(),
                size: c.written,
            });
        }
    }
}

impl AppendTransaction for PgAppend {
    fn begin(&mut self, flags: &[Flag], date: Option<DateTime>, length: u64) -> Result<(), StoreError> {
        if self.backend.append_limit().is_some_and(|l| length > u64::from(l)) {
            return Err(StoreError::TooBig);
        }
        self.finish_current();
        let lo: u32 = self.client.query_one("SELECT lo_create(0)", &[]).map_err(db)?.get(0);
        self.current = Some(Current { flags: flags.to_vec(), date, lo, hash: Sha256::new(), written: 0, cr: false });
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        let Some(c) = self.current.as_mut() else { return Err(StoreError::Cannot("no message begun")) };
        let mut out = Vec::with_capacity(data.len() + data.len() / 32);
        for &b in data {
            if b == b'\n' && !c.cr {
                out.push(b'\r');
            }
            out.push(b);
            c.cr = b == b'\r';
        }
        let total = c.written as u64 + out.len() as u64;
        if self.backend.append_limit().is_some_and(|l| total > u64::from(l)) {
            return Err(StoreError::TooBig);
        }
        self.client.execute("SELECT lo_put($1, $2, $3)", &[&c.lo, &c.written, &out]).map_err(db)?;
        c.hash.update(&out);
        c.written += out.len() as i64;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(u32, Vec<u32>), StoreError> {
        self.finish_current();
        let staged = std::mem::take(&mut self.done);
        let c = &mut self.client;
        let octets = staged.iter().map(|s| s.size as u64).sum();
        reserve(&mut **c, self.user.id, octets, staged.len() as u64)?;
        for s in &staged {
            let insert = "INSERT INTO imapm_bodies (hash, lo) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING";
            let mut kept = c.execute(insert, &[&s.hash, &s.lo]).map_err(db)?;
            // Stored already: lock it against compaction (`compact.rs`) until the message
            // that refers to it is written; if compaction took it meanwhile, store ours.
            if kept == 0
                && c.query_opt("SELECT 1 FROM imapm_bodies WHERE hash = $1 FOR KEY SHARE", &[&s.hash])
                    .map_err(db)?
                    .is_none()
            {
                kept = c.execute(insert, &[&s.hash, &s.lo]).map_err(db)?;
            }
            if kept == 0 {
                c.execute("SELECT lo_unlink($1)", &[&s.lo]).map_err(db)?;
            }
        }
        let mut b = lock_mailbox(&mut **c, self.user.id, &self.name)?;
        let mut uids = Vec::with_capacity(staged.len());
        for s in staged {
            let date = s.date.unwrap_or_else(now);
            uids.push(b.insert(&mut **c, &s.hash, s.size, &s.flags, &date, None)?);
        }
        b.finish(&mut **c, self.user.id)?;
        c.batch_execute("COMMIT").map_err(db)?;
        self.committed = true;
        self.backend.inner.wake(self.user.id, Some(b.id));
        Ok((b.uid_validity as u32, uids))
    }
}

impl Drop for PgAppend {
    fn drop(&mut self) {
        if !self.committed {
            // Nothing of it stays, its large objects included.
            let _ = self.client.batch_execute("ROLLBACK");
        }
    }
}
