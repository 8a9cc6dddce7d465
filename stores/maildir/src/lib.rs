//! # imap-machine-maildir
//!
//! A Maildir mail store for [`imap_machine`]: an implementation of the core's
//! [`Backend`](imap_machine::store::Backend) trait that keeps mail in Maildir++
//! directories as Dovecot does, so that Dovecot, mbsync, mutt and this store can share
//! them.
//!
//! With the tokio adapter (`imap-machine-tokio`; not a dependency of this crate, hence
//! not compiled here):
//!
//! ```ignore
//! use std::sync::Arc;
//! use imap_machine_maildir::MaildirBackend;
//!
//! // Users' mail under /var/mail/imapm/<user>/ (created at the first login).
//! let backend = MaildirBackend::new("/var/mail/imapm");
//! backend.add_user("joe", "secret")?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:1143").await?;
//! let server = imap_machine_tokio::Server::new(Arc::new(backend)).allow_insecure_auth(true);
//! server.serve(listener).await?;
//! ```
//!
//! The store on its own:
//!
//! ```
//! use bytes::Bytes;
//! use imap_machine::store::Backend;
//! use imap_machine_maildir::MaildirBackend;
//!
//! let dir = std::env::temp_dir().join(format!("maildir-doc-{}", std::process::id()));
//! let backend = MaildirBackend::new(&dir);
//! backend.add_user("joe", "secret").unwrap();
//! let joe = backend.login("joe", "secret").unwrap();
//! let message = Bytes::from_static(b"Subject: hi\r\n\r\nhello\r\n");
//! let (_, uid) = backend.append(&joe, "INBOX", &[], None, message).unwrap();
//! assert_eq!(backend.status(&joe, "INBOX").unwrap().uid_next, uid + 1);
//! assert!(dir.join("joe/dovecot-uidlist").exists());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! (`imap_machine_blocking`'s server takes it the same way.) The backend is
//! synchronous and does file I/O in every call, as the trait allows: an async adapter
//! runs it where blocking is fine.
//!
//! ## On disk
//! - `<root>/<user>/` is the user's INBOX (`cur/`, `new/`, `tmp/`); every other mailbox
//!   is a directory `.<name>` in it, `.` standing for the hierarchy delimiter `/`
//!   (Maildir++; names are modified UTF-7 and may not contain `.`).
//! - `dovecot-uidlist` in each mailbox maps UIDs to file names (version 3; see
//!   `uidlist.rs`), with UIDVALIDITY and NEXTUID; `dovecot-keywords` names the keyword
//!   letters `a`..`z` (so a mailbox has at most 26 keywords); `subscriptions` at the
//!   user root lists the subscribed names (Dovecot's version 2 format);
//!   `dovecot-uidvalidity` at the user root is the last UIDVALIDITY given, so that a
//!   mailbox deleted and created again gets another one.
//! - `imap-machine-modseq` in each mailbox is the journal of its mod-sequences (RFC 7162
//!   CONDSTORE and QRESYNC; see `modseq.rs`): HIGHESTMODSEQ, each message's MODSEQ and
//!   the tombstones of the last 100,000 expunges, kept across restarts and shared by
//!   processes under a `flock`; another program's flag change (a rename) takes a new
//!   mod-sequence when this store notices it.
//! - A message is a file `<secs>.M<usecs>P<pid>Q<n>.<host>,S=<size>[:2,<flags>]` with
//!   `D` `\Draft`, `F` `\Flagged`, `R` `\Answered`, `S` `\Seen`, `T` `\Deleted` and the
//!   keyword letters; its mtime is its INTERNALDATE. A file with bare LF line ends is
//!   served with CRLF.
//!
//! ## Consistency
//! Each opened mailbox has an in-memory index (UID → file, flags, size) and, as the
//! memory backend, a change log, the `\Recent` claims of the sessions and the expunged
//! messages sessions still see; all behind one mutex per mailbox. Mail other processes
//! change is noticed by a cheap check of the directories' mtimes on `open`, `status`,
//! `changes`, `store` and `expunge`; sessions in IDLE hear of it when something calls
//! [`MaildirBackend::poll`] (an embedder's timer) or another session of this backend
//! touches the mailbox.
//!
//! APPEND, COPY and MOVE write the file into `tmp/` and fsync it, take the
//! `dovecot-uidlist.lock` dot-lock (Dovecot's, so a running Dovecot waits too), rename
//! the file into `new/` (no flags) or `cur/`, fsync the directories, and write
//! `dovecot-uidlist` with the new UIDs and NEXTUID (into the lock file, synced, renamed
//! over the old list) before answering: a UID is never given twice. A crash before the
//! rename leaves a file in `tmp/`, never seen, removed after 36 hours (Dovecot's rule;
//! younger files may be another program's delivery in progress); a crash after it
//! leaves a message without a UID, which gets the next one at the next scan. Flag
//! changes rename the file; EXPUNGE unlinks it (and its line leaves `dovecot-uidlist`
//! at the next rewrite); a session that still sees an expunged message keeps a copy in
//! memory until it has told its client.
//!
//! SEARCH answers from the index what needs no message text (flags, keywords, UID and
//! sequence sets, sizes; dates from a `stat`), and reads the messages for the rest.

mod append;
mod backend;
mod error;
mod fsutil;
mod keywords;
mod lock;
mod mailbox;
mod metadata;
mod modseq;
mod names;
mod objectid;
mod quota;
mod range;
mod search;
mod subscriptions;
mod sync;
mod uidlist;
mod urlauth;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use imap_machine::store::StoreError;

pub use error::MaildirError;
pub use names::DELIMITER;

use fsutil::Namer;
use mailbox::Mailbox;

/// Called with every error the store meets before it answers with a [`StoreError`]
/// (which says less): for the embedder's log. It never sees a password.
pub type ErrorHook = Arc<dyn Fn(&MaildirError) + Send + Sync>;

/// The Maildir backend (see the crate docs).
pub struct MaildirBackend {
    root: PathBuf,
    passwords: RwLock<HashMap<String, String>>,
    users: Mutex<HashMap<String, Arc<UserData>>>,
    next_session: AtomicU64,
    append_limit: Option<u32>,
    fsync: bool,
    namer: Namer,
    on_error: Option<ErrorHook>,
    /// QUOTA limits by user name ([`MaildirBackend::set_quota`]).
    quotas: RwLock<HashMap<String, imap_machine::store::QuotaLimits>>,
    /// The users that may fetch `submit+` URLs ([`MaildirBackend::set_url_submitter`]).
    submitters: RwLock<std::collections::HashSet<String>>,
}

impl std::fmt::Debug for MaildirBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaildirBackend").field("root", &self.root).field("fsync", &self.fsync).finish()
    }
}

/// A logged-in user of the Maildir backend.
pub struct UserData {
    name: String,
    root: PathBuf,
    state: Mutex<UserState>,
    /// The sessions to wake after any change to the user's mailboxes
    /// ([`imap_machine::store::Backend::watch_user`]).
    watchers: UserWatchers,
}

/// The notifiers of [`UserData::watchers`], shared with each loaded mailbox.
pub(crate) type UserWatchers = Arc<Mutex<HashMap<imap_machine::store::SessionId, imap_machine::store::Notifier>>>;

impl UserData {
    /// Wakes the sessions that watch the user.
    pub(crate) fn wake(&self) {
        for n in lock(&self.watchers).values() {
            n();
        }
    }
}

impl std::fmt::Debug for UserData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserData").field("name", &self.name).field("root", &self.root).finish()
    }
}

impl UserData {
    /// The user name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The user's Maildir (the INBOX directory).
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// The mailboxes of a user that sessions opened, by wire name.
#[derive(Default)]
struct UserState {
    mailboxes: HashMap<String, Arc<Mutex<Mailbox>>>,
    ready: bool,
}

/// Locks a mutex; a panic while holding it leaves data that is still consistent (each
/// mutation is one step, the disk being the truth), so a poisoned lock is still used.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl MaildirBackend {
    /// A backend keeping each user's Maildir in `root/<user>/`. Nothing is created
    /// before a user logs in.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        MaildirBackend {
            root: root.into(),
            passwords: RwLock::new(HashMap::new()),
            users: Mutex::new(HashMap::new()),
            next_session: AtomicU64::new(1),
            append_limit: None,
            fsync: true,
            namer: Namer::new(),
            on_error: None,
            quotas: RwLock::new(HashMap::new()),
            submitters: RwLock::new(Default::default()),
        }
    }

    /// Makes user `name` a message submission entity for URLAUTH (RFC 4467 §3): its
    /// sessions may fetch every `submit+` URL
    /// ([`imap_machine::store::Backend::url_submitter`]).
    pub fn set_url_submitter(&self, name: &str) {
        self.submitters.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string());
    }

    /// Sets the APPENDLIMIT (RFC 7889).
    pub fn with_append_limit(mut self, limit: u32) -> Self {
        self.append_limit = Some(limit);
        self
    }

    /// Whether to fsync files and directories before answering (the default). Without,
    /// a system crash may lose mail the client was told is stored (Dovecot's
    /// `fsync_disable`); for tests and throw-away stores.
    pub fn with_fsync(mut self, fsync: bool) -> Self {
        self.fsync = fsync;
        self
    }

    /// Sets the hook told of every error (see [`ErrorHook`]).
    pub fn with_error_hook(mut self, hook: ErrorHook) -> Self {
        self.on_error = Some(hook);
        self
    }

    /// The directory holding the users' Maildirs.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Adds a user (or changes its password). The password is kept in memory only. Its
    /// Maildir, `root/<name>/`, is created at the first login (with INBOX, Sent, Drafts
    /// and Trash, subscribed) unless it exists.
    pub fn add_user(&self, name: &str, password: &str) -> Result<(), MaildirError> {
        if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) || name.starts_with('.') {
            return Err(MaildirError::InvalidUser);
        }
        let mut passwords = self.passwords.write().unwrap_or_else(|p| p.into_inner());
        passwords.insert(name.to_string(), password.to_string());
        Ok(())
    }

    /// Looks for changes other processes made to the mailboxes sessions watch (in IDLE)
    /// and wakes those sessions. An embedder calls it every few seconds; without, they
    /// hear of such changes at their next command.
    pub fn poll(&self) {
        let users: Vec<Arc<UserData>> = lock(&self.users).values().cloned().collect();
        for user in users {
            let handles: Vec<Arc<Mutex<Mailbox>>> = lock(&user.state).mailboxes.values().cloned().collect();
            for h in handles {
                let mut m = lock(&h);
                if m.watchers.is_empty() {
                    continue;
                }
                match m.refresh() {
                    Ok(false) => {}
                    Ok(true) => m.wake(),
                    Err(e) => {
                        // A vanished mailbox: the sessions learn it at their next call.
                        m.wake();
                        self.report(&e);
                    }
                }
            }
        }
    }

    fn report(&self, e: &MaildirError) {
        if let Some(hook) = &self.on_error {
            hook(e);
        }
    }

    /// Reports `e` and turns it into what the session answers.
    fn fail(&self, e: MaildirError) -> StoreError {
        if !matches!(e, MaildirError::Gone(_)) {
            self.report(&e);
        }
        e.into()
    }

    /// Creates the user's Maildir at the first login of this backend's life, if needed.
    fn prepare(&self, user: &UserData) -> Result<(), MaildirError> {
        let mut st = lock(&user.state);
        if st.ready {
            return Ok(());
        }
        let fresh = !user.root.exists();
        sync::make_maildir(&user.root)?;
        if fresh {
            for name in ["Sent", "Drafts", "Trash"] {
                sync::make_maildir(&names::dir_of(&user.root, name))?;
            }
            for name in ["INBOX", "Sent", "Drafts", "Trash"] {
                subscriptions::set(&user.root, name, true, self.fsync)?;
            }
        }
        st.ready = true;
        Ok(())
    }

    /// The index of a mailbox, loaded if no session has it yet.
    fn handle(&self, user: &UserData, name: &str) -> Result<Arc<Mutex<Mailbox>>, StoreError> {
        let mut st = lock(&user.state);
        if let Some(h) = st.mailboxes.get(name) {
            return Ok(h.clone());
        }
        let dir = names::dir_of(&user.root, name);
        if name != "INBOX" && (!names::valid(name) || !dir.is_dir()) {
            let existing = names::scan(&user.root).map_err(|e| self.fail(MaildirError::io("list", &user.root)(e)))?;
            if existing.iter().any(|n| names::is_inferior(n, name)) {
                return Err(StoreError::Cannot("mailbox is \\Noselect"));
            }
            return Err(StoreError::NoSuchMailbox);
        }
        let mut m = Mailbox::load(&user.root, dir, self.fsync).map_err(|e| self.fail(e))?;
        m.user_watchers = Some(user.watchers.clone());
        let h = Arc::new(Mutex::new(m));
        st.mailboxes.insert(name.to_string(), h.clone());
        Ok(h)
    }

    /// The index of a mailbox if it is loaded.
    fn loaded(&self, user: &UserData, name: &str) -> Option<Arc<Mutex<Mailbox>>> {
        lock(&user.state).mailboxes.get(name).cloned()
    }

    /// Runs `f` on the index of a mailbox; one that turns out gone is dropped, to be
    /// loaded afresh if the name comes back.
    fn with<T>(
        &self,
        user: &UserData,
        name: &str,
        f: impl FnOnce(&mut Mailbox) -> Result<T, MaildirError>,
    ) -> Result<T, StoreError> {
        let h = self.handle(user, name)?;
        let result = f(&mut lock(&h));
        result.map_err(|e| {
            if matches!(e, MaildirError::Gone(_) | MaildirError::UidValidityChanged(_)) {
                let mut st = lock(&user.state);
                if st.mailboxes.get(name).is_some_and(|cur| Arc::ptr_eq(cur, &h)) {
                    st.mailboxes.remove(name);
                }
            }
            self.fail(e)
        })
    }
}
