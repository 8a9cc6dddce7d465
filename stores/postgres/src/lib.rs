//! A PostgreSQL mail store for `imap-machine`: many `imapm serve` processes, on as many
//! hosts, share one database, and a client in IDLE on one hears what another process
//! did.
//!
//! - **Driver:** `postgres` (sfackler's synchronous client) with an `r2d2` pool. The
//!   [`Backend`](imap_machine::store::Backend) trait is synchronous and the adapters already run it on blocking
//!   threads, so an async driver would only be blocked on; the tokio runtime inside
//!   `postgres` stays in this crate, off the core's dependency tree.
//! - **Schema** (`schema.rs`): embedded migrations, run by [`PostgresBackend::connect`].
//! - **Order:** every change to a mailbox locks its row first, in one transaction with
//!   the change: UIDs come from its counter and never repeat, and its change log is
//!   dense and in commit order, whichever process wrote it.
//! - **Updates across processes** (`listen.rs`): each change ends with `NOTIFY imapm`
//!   (delivered at commit) naming the user and mailbox. Each process keeps one `LISTEN`
//!   connection and wakes its sessions' notifiers; a timer also compares every watched
//!   mailbox's log length with the last it saw, so a notification lost (during a
//!   reconnect) delays an update by a second, never loses it.
//! - **Compaction** (`compact.rs`): after each EXPUNGE and MOVE, and hourly over every
//!   mailbox, the log entries older than the retention go, with the tombstones of their expunges and the
//!   bodies nothing refers to any more; a session that lagged past them is ended.
//! - **Errors:** a database that cannot be reached is [`StoreError::Unavailable`]
//!   (`NO [UNAVAILABLE]`); nothing is half-written, as every change is one transaction.

#![forbid(unsafe_code)]

mod append;
mod backend;
mod compact;
mod listen;
mod ops;
mod rows;
mod schema;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use imap_machine::store::{Notifier, SessionId, StoreError};
use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;

pub use compact::{Compacted, DEFAULT_COMPACTION_INTERVAL, DEFAULT_LOG_RETENTION};

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// Why the store could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PgError {
    /// The connection string is not one `postgres` reads.
    #[error("bad connection string: {0}")]
    Config(#[source] postgres::Error),
    /// The database could not be reached.
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(#[source] r2d2::Error),
    /// A statement failed (the migrations, adding a user).
    #[error("PostgreSQL: {0}")]
    Db(#[from] postgres::Error),
}

/// A logged-in user of the PostgreSQL store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgUser {
    id: i64,
    name: String,
}

/// A mailbox a session has open: which incarnation, and the expunged messages it has let
/// go of ([`imap_machine::store::Backend::release`]).
#[derive(Debug)]
struct Open {
    mailbox_id: i64,
    released: HashSet<u32>,
}

/// The notifiers of this process's sessions, by mailbox and by user, and the log length
/// of each watched mailbox as last seen (for the catch-up timer).
#[derive(Default)]
struct Watchers {
    mailboxes: HashMap<i64, HashMap<SessionId, Notifier>>,
    users: HashMap<i64, HashMap<SessionId, Notifier>>,
    seen: HashMap<i64, i64>,
}

struct Inner {
    pool: Pool,
    config: postgres::Config,
    next_session: AtomicU64,
    /// (session, user, mailbox name) → the mailbox it opened.
    open: Mutex<HashMap<(SessionId, i64, String), Open>>,
    watchers: Mutex<Watchers>,
    /// APPENDLIMIT (RFC 7889); 0: none.
    append_limit: AtomicU32,
    /// The users that may fetch `submit+` URLAUTH URLs ([`PostgresBackend::set_url_submitter`]).
    submitters: std::sync::RwLock<HashSet<String>>,
    /// How long compaction keeps log entries and tombstones, in milliseconds
    /// ([`PostgresBackend::with_log_retention`]).
    log_retention_ms: AtomicU64,
    /// How often the sweeper compacts every mailbox, in milliseconds; 0: never
    /// ([`PostgresBackend::with_compaction_interval`]).
    compaction_interval_ms: AtomicU64,
}

/// The PostgreSQL store. Cheap to clone: clones share the pool and the listener.
#[derive(Clone)]
pub struct PostgresBackend {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password: only the pool's state is shown.
        f.debug_struct("PostgresBackend").field("connections", &self.inner.pool.state().connections).finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A driver error as the session sees it: the database out of reach (the connection
/// closed or failing, SQLSTATE class 08; shut down or restarting, class 57; out of
/// resources, class 53) is [`StoreError::Unavailable`]; anything else, a store failure.
pub(crate) fn db(e: postgres::Error) -> StoreError {
    let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
    let class = e.code().map(|c| &c.code()[..2]);
    if e.is_closed() || io || matches!(class, Some("08" | "57" | "53")) {
        StoreError::Unavailable
    } else {
        StoreError::Cannot("database error")
    }
}

/// The connection settings from the `PG*` environment variables (`PGHOST`, `PGPORT`,
/// `PGUSER`, `PGPASSWORD`, `PGDATABASE`), as libpq reads them.
pub fn config_from_env() -> postgres::Config {
    let mut c = postgres::Config::new();
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    c.host(&var("PGHOST").unwrap_or_else(|| "localhost".into()));
    if let Some(p) = var("PGPORT").and_then(|p| p.parse().ok()) {
        c.port(p);
    }
    c.user(&var("PGUSER").unwrap_or_else(|| "postgres".into()));
    if let Some(p) = var("PGPASSWORD") {
        c.password(p);
    }
    if let Some(d) = var("PGDATABASE") {
        c.dbname(&d);
    }
    c
}

impl PostgresBackend {
    /// Connects to `url` (`postgres://USER:PASS@HOST:PORT/DB`, or libpq's `key=value`
    /// form; empty: the `PG*` environment variables, [`config_from_env`]), runs the
    /// migrations and starts the listener.
    pub fn connect(url: &str) -> Result<PostgresBackend, PgError> {
        let config = if url.is_empty() { config_from_env() } else { url.parse().map_err(PgError::Config)? };
        Self::with_config(config, 16)
    }

    /// [`PostgresBackend::connect`] with a parsed configuration and a pool of at most
    /// `connections` (besides the one that listens).
    pub fn with_config(mut config: postgres::Config, connections: u32) -> Result<PostgresBackend, PgError> {
        config.connect_timeout(Duration::from_secs(5));
        let manager = PostgresConnectionManager::new(config.clone(), NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(connections)
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(PgError::Connect)?;
        let mut client = pool.get().map_err(PgError::Connect)?;
        schema::migrate(&mut client)?;
        drop(client);
        let inner = Arc::new(Inner {
            pool,
            config,
            next_session: AtomicU64::new(1),
            open: Mutex::new(HashMap::new()),
            watchers: Mutex::new(Watchers::default()),
            append_limit: AtomicU32::new(0),
            submitters: std::sync::RwLock::new(HashSet::new()),
            log_retention_ms: AtomicU64::new(DEFAULT_LOG_RETENTION.as_millis() as u64),
            compaction_interval_ms: AtomicU64::new(DEFAULT_COMPACTION_INTERVAL.as_millis() as u64),
        });
        listen::spawn(Arc::downgrade(&inner));
        compact::spawn_sweeper(Arc::downgrade(&inner));
        Ok(PostgresBackend { inner })
    }

    /// Sets the APPENDLIMIT (RFC 7889).
    pub fn with_append_limit(self, limit: u32) -> Self {
        self.inner.append_limit.store(limit, Ordering::Relaxed);
        self
    }

    fn append_limit_of(&self) -> Option<u32> {
        Some(self.inner.append_limit.load(Ordering::Relaxed)).filter(|l| *l > 0)
    }

    /// Adds a user with an INBOX, or sets the password of an existing one.
    pub fn add_user(&self, name: &str, password: &str) -> Result<(), PgError> {
        let mut c = self.inner.pool.get().map_err(PgError::Connect)?;
        let mut tx = c.transaction()?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO imapm_users (name, password) VALUES ($1, $2) \
                 ON CONFLICT (name) DO UPDATE SET password = EXCLUDED.password RETURNING id",
                &[&name, &password],
            )?
            .get(0);
        rows::create_one(&mut tx, id, "INBOX", &[])?;
        tx.commit()?;
        Ok(())
    }

    /// Sets `name`'s QUOTA limits (RFC 9208); all `None` removes them. A user that does
    /// not exist is ignored.
    pub fn set_quota(&self, name: &str, limits: imap_machine::store::QuotaLimits) -> Result<(), PgError> {
        let mut c = self.inner.pool.get().map_err(PgError::Connect)?;
        let kb = limits.storage_kb.map(|v| v.min(i64::MAX as u64) as i64);
        let n = limits.messages.map(|v| v.min(i64::MAX as u64) as i64);
        c.execute(
            "UPDATE imapm_users SET quota_storage_kb = $2, quota_messages = $3 WHERE name = $1",
            &[&name, &kb, &n],
        )?;
        Ok(())
    }

    /// Makes user `name` a message submission entity for URLAUTH (RFC 4467 §3): its
    /// sessions may fetch every `submit+` URL.
    pub fn set_url_submitter(&self, name: &str) {
        self.inner.submitters.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string());
    }

    /// The schema version the database is at (the number of migration steps run).
    pub fn schema_version(&self) -> Result<i64, PgError> {
        let mut c = self.inner.pool.get().map_err(PgError::Connect)?;
        Ok(schema::version(&mut *c)?)
    }
}
