//! The in-memory backend: the embedded default, thread-safe, several users.
//!
//! Lookups by UID are constant time (a hash map); a mailbox's UIDs are kept sorted, so a
//! UID range resolves in O(log n). Each mailbox keeps a change log that is trimmed to
//! what its slowest open session has not read yet.
//!
//! ```
//! use imap_machine::store::{memory::MemoryBackend, Backend};
//! let backend = MemoryBackend::with_demo_data();
//! let user = backend.login("username", "password").unwrap();
//! assert_eq!(backend.status(&user, "INBOX").unwrap().messages, 1);
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use bytes::Bytes;

mod copy;
mod index;
mod mailbox;
mod metadata;
mod modseq;
mod names;
pub mod quota;
mod urlauth;
use mailbox::{insert, new_keywords, Inner, Logged, Saved};
pub use modseq::{Tombstones, TOMBSTONES};

use super::{
    Backend, Change, ChangeBatch, CopyResult, MailboxInfo, MailboxStatus, MessageData, Notifier, SessionId, Snapshot,
    StoreError, StoreOutcome, Stored, Vanished,
};
use crate::types::{DateTime, Flag, ListAttribute, ObjectId, StoreKind};

/// The hierarchy delimiter ([`crate::store::names::DELIMITER`]).
pub use crate::store::names::DELIMITER;

/// Where the time of an APPEND without a date comes from.
pub type Clock = Arc<dyn Fn() -> DateTime + Send + Sync>;

#[derive(Debug)]
struct MailboxData {
    special_use: Vec<ListAttribute>,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct UserState {
    mailboxes: BTreeMap<String, Arc<MailboxData>>,
    subscriptions: BTreeSet<String>,
    /// METADATA entries (RFC 5464): (mailbox name, `""` for the server; entry name in
    /// lower case) to value.
    metadata: BTreeMap<(String, String), Bytes>,
    /// URLAUTH mailbox access keys (RFC 4467 §2.2), by mailbox name.
    url_keys: HashMap<String, Vec<u8>>,
}

/// The sessions to wake after any change to a user's mailboxes ([`Backend::watch_user`]).
pub(super) type UserWatchers = Arc<Mutex<HashMap<SessionId, Notifier>>>;

/// A user of the memory backend.
pub struct UserData {
    name: String,
    password: String,
    state: Mutex<UserState>,
    watchers: UserWatchers,
    quota: quota::UserQuota,
}

impl std::fmt::Debug for UserData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserData").field("name", &self.name).finish()
    }
}

impl UserData {
    fn new(name: &str, password: &str) -> UserData {
        UserData {
            name: name.into(),
            password: password.into(),
            state: Mutex::default(),
            watchers: Arc::default(),
            quota: quota::UserQuota::default(),
        }
    }

    /// Wakes the sessions that watch the user (a mailbox was created, deleted, renamed, or
    /// (un)subscribed).
    fn wake(&self) {
        for n in lock(&self.watchers).values() {
            n();
        }
    }
}

/// The in-memory backend (see the module docs).
pub struct MemoryBackend {
    users: RwLock<HashMap<String, Arc<UserData>>>,
    next_uid_validity: AtomicU32,
    /// The number in the next EMAILID (`M1`, `M2`, ...).
    next_email_id: AtomicU64,
    next_session: AtomicU64,
    append_limit: Option<u32>,
    clock: Clock,
    /// The users that may fetch `submit+` URLs ([`MemoryBackend::set_url_submitter`]).
    submitters: RwLock<std::collections::HashSet<String>>,
}

impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBackend").field("users", &self.users.read().map(|u| u.len()).unwrap_or(0)).finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves consistent data (every mutation is one
    // step), so a poisoned lock is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The clock of a backend nobody gave one: the Unix epoch, always. The core reads no
/// clock; the embedder passes one with [`MemoryBackend::with_clock`] (the adapters have
/// `system_clock()`).
fn no_clock() -> DateTime {
    DateTime::parse("01-Jan-1970 00:00:00 +0000").expect("a valid date-time")
}

const WELCOME: &str = "From: imap-machine <postmaster@localhost>\r\n\
To: username <username@localhost>\r\n\
Subject: Welcome to imap-machine\r\n\
Date: Fri, 27 Nov 2026 12:00:00 +0000\r\n\
Message-ID: <welcome@imap-machine>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
This is the demo mailbox of imap-machine's in-memory backend.\r\n\
Messages you append here live until the server stops.\r\n";

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryBackend {
    /// What `fetch` (`Some(true)`: with the body and the parse), `fetch_parsed`
    /// (`Some(false)`: the parse, no body) and `fetch_meta` (`None`: neither) answer.
    fn messages(
        &self,
        user: &UserData,
        name: &str,
        session: SessionId,
        uids: &[u32],
        with: Option<bool>,
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        let data = self.mailbox(user, name)?;
        let inner = lock(&data.inner);
        Ok(uids
            .iter()
            .map(|uid| {
                inner.visible(session, *uid).map(|m| MessageData {
                    uid: *uid,
                    flags: m.flags.clone(),
                    internal_date: m.internal_date,
                    size: m.body.len() as u32,
                    body: if with == Some(true) { m.body.clone() } else { Bytes::new() },
                    parsed: with.map(|_| m.parsed.clone()),
                    save_date: Some(m.ids.date),
                    email_id: Some(m.ids.email_id.clone()),
                    modseq: m.modseq,
                })
            })
            .collect())
    }

    /// An empty backend without users.
    pub fn new() -> Self {
        MemoryBackend {
            users: RwLock::new(HashMap::new()),
            next_uid_validity: AtomicU32::new(1),
            next_email_id: AtomicU64::new(1),
            next_session: AtomicU64::new(1),
            append_limit: None,
            clock: Arc::new(no_clock),
            submitters: RwLock::new(Default::default()),
        }
    }

    /// The demo: user `username`, password `password` (go-imap v1's defaults), an INBOX
    /// with a welcome message, and Sent, Drafts and Trash with SPECIAL-USE.
    pub fn with_demo_data() -> Self {
        let b = Self::new();
        b.add_user("username", "password");
        let user = b.login("username", "password").expect("demo user");
        let date = DateTime::parse("27-Nov-2026 12:00:00 +0000").expect("valid");
        b.append(&user, "INBOX", &[], Some(date), Bytes::from_static(WELCOME.as_bytes())).expect("welcome");
        b
    }

    /// Sets the APPENDLIMIT (RFC 7889).
    pub fn with_append_limit(mut self, limit: u32) -> Self {
        self.append_limit = Some(limit);
        self
    }

    /// The clock for the INTERNALDATE of an APPEND without a date. Without one it is the
    /// Unix epoch: the core reads no clock. A server sets the system's
    /// (`imap_machine_tokio::system_clock()`, `imap_machine_blocking::system_clock()`);
    /// tests set a fixed one.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// A new message's save date (the clock's now) and EMAILID (`M` and a number no other
    /// message of this backend had).
    fn new_ids(&self) -> Saved {
        let n = self.next_email_id.fetch_add(1, Ordering::Relaxed);
        Saved { date: (self.clock)(), email_id: ObjectId::try_from(format!("M{n}")).expect("letters and digits") }
    }

    /// Adds a user (or resets its password) with INBOX, Sent, Drafts and Trash.
    pub fn add_user(&self, name: &str, password: &str) {
        let mut users = self.users.write().unwrap_or_else(|p| p.into_inner());
        let user = users.entry(name.to_string()).or_insert_with(|| Arc::new(UserData::new(name, password)));
        if user.password != password {
            *user = Arc::new(UserData::new(name, password));
        }
        let mut st = lock(&user.state);
        for (mbox, special) in [
            ("INBOX", None),
            ("Sent", Some(ListAttribute::Sent)),
            ("Drafts", Some(ListAttribute::Drafts)),
            ("Trash", Some(ListAttribute::Trash)),
        ] {
            if !st.mailboxes.contains_key(mbox) {
                let data = self.new_mailbox(&user.watchers, special.into_iter().collect());
                st.mailboxes.insert(mbox.into(), data);
                st.subscriptions.insert(mbox.into());
            }
        }
    }

    fn new_mailbox(&self, watchers: &UserWatchers, special_use: Vec<ListAttribute>) -> Arc<MailboxData> {
        let uid_validity = self.next_uid_validity.fetch_add(1, Ordering::Relaxed);
        Arc::new(MailboxData {
            special_use,
            inner: Mutex::new(Inner {
                uid_validity,
                // Unique to this incarnation of the name, as UIDVALIDITY is.
                id: ObjectId::try_from(format!("F{uid_validity}")).expect("letters and digits"),
                uid_next: 1,
                uids: Default::default(),
                messages: Default::default(),
                unseen: Default::default(),
                deleted: Default::default(),
                unclaimed: Default::default(),
                claims: HashMap::new(),
                size: 0,
                ghosts: Default::default(),
                log: VecDeque::new(),
                log_start: 0,
                cursors: HashMap::new(),
                watchers: HashMap::new(),
                user_watchers: watchers.clone(),
                keywords: Vec::new(),
                noselect: false,
                highest_modseq: 1,
                tombstones: Default::default(),
            }),
        })
    }

    /// Expunged messages still kept for sessions that have not been told yet (RFC 2180
    /// §4.1.1), across every user and mailbox: how many, and their size in octets. Both
    /// return to 0 once every session has been sent the EXPUNGEs or closed the mailbox.
    pub fn retained_expunged(&self) -> (usize, u64) {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        let mut out = (0, 0);
        for u in users.values() {
            for m in lock(&u.state).mailboxes.values() {
                let inner = lock(&m.inner);
                out.0 += inner.ghosts.len();
                out.1 += inner.ghosts.iter().map(|(_, g)| g.message.body.len() as u64).sum::<u64>();
            }
        }
        out
    }

    fn mailbox(&self, user: &UserData, name: &str) -> Result<Arc<MailboxData>, StoreError> {
        lock(&user.state).mailboxes.get(name).cloned().ok_or(StoreError::NoSuchMailbox)
    }

    fn selectable(&self, user: &UserData, name: &str) -> Result<Arc<MailboxData>, StoreError> {
        let m = self.mailbox(user, name)?;
        if lock(&m.inner).noselect {
            return Err(StoreError::Cannot("mailbox is \\Noselect"));
        }
        Ok(m)
    }

    /// STORE, under `UNCHANGEDSINCE` when given (RFC 7162 §3.1.3): one mod-sequence for
    /// every message the call changes.
    fn store_if(
        &self,
        user: &Arc<UserData>,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
        unchanged_since: Option<u64>,
    ) -> Result<StoreOutcome, StoreError> {
        let data = self.selectable(user, name)?;
        let mut inner = lock(&data.inner);
        let first = inner.cursor();
        let mut out = Vec::with_capacity(uids.len());
        let mut modseqs = Vec::with_capacity(uids.len());
        if kind != StoreKind::Remove {
            new_keywords(&mut inner, flags);
        }
        let modseq = inner.next_modseq();
        for uid in uids {
            let now = inner.messages.get(uid).map(|m| m.modseq);
            if unchanged_since.zip(now).is_some_and(|(since, now)| now > since) {
                out.push(Stored::Modified);
                modseqs.push(now.unwrap_or(0));
                continue;
            }
            out.push(match inner.store_one(*uid, kind, flags, modseq) {
                None => Stored::Expunged,
                Some((after, true)) => {
                    inner.record(Logged::Flags(*uid));
                    Stored::Changed(after)
                }
                Some((after, false)) => Stored::Unchanged(after),
            });
            modseqs.push(inner.messages.get(uid).map_or(0, |m| m.modseq));
        }
        let log = first..inner.cursor();
        if out.iter().any(|s| matches!(s, Stored::Changed(_))) {
            inner.took(modseq);
        }
        if !log.is_empty() {
            inner.wake();
        }
        Ok(StoreOutcome { flags: out, log, modseqs })
    }
}

use crate::store::names::{is_inferior, valid as valid_name};

impl Backend for MemoryBackend {
    type User = Arc<UserData>;

    fn login(&self, username: &str, password: &str) -> Result<Self::User, StoreError> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        match users.get(username) {
            Some(u) if u.password == password => Ok(u.clone()),
            _ => Err(StoreError::AuthenticationFailed),
        }
    }

    fn user(&self, username: &str) -> Result<Self::User, StoreError> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        users.get(username).cloned().ok_or(StoreError::AuthenticationFailed)
    }

    fn list(&self, user: &Self::User) -> Result<Vec<MailboxInfo>, StoreError> {
        self.list_mailboxes(user)
    }

    fn create(&self, user: &Self::User, name: &str) -> Result<(), StoreError> {
        self.create_special_use(user, name, &[])
    }

    /// The special uses of RFC 6154 §2 but `\All` (see `names.rs`).
    fn create_special_use(&self, user: &Self::User, name: &str, uses: &[ListAttribute]) -> Result<(), StoreError> {
        self.create_mailbox(user, name, uses)
    }

    fn delete(&self, user: &Self::User, name: &str) -> Result<(), StoreError> {
        self.delete_mailbox(user, name)
    }

    fn rename(&self, user: &Self::User, from: &str, to: &str) -> Result<(), StoreError> {
        self.rename_mailbox(user, from, to)
    }

    fn subscribe(&self, user: &Self::User, name: &str, subscribed: bool) -> Result<(), StoreError> {
        let mut st = lock(&user.state);
        if subscribed {
            st.subscriptions.insert(name.to_string());
        } else {
            st.subscriptions.remove(name);
        }
        drop(st);
        user.wake();
        Ok(())
    }

    fn subscriptions(&self, user: &Self::User) -> Result<Vec<String>, StoreError> {
        Ok(lock(&user.state).subscriptions.iter().cloned().collect())
    }

    fn status(&self, user: &Self::User, name: &str) -> Result<MailboxStatus, StoreError> {
        let data = self.selectable(user, name)?;
        let inner = lock(&data.inner);
        let s = MailboxStatus {
            messages: inner.uids.len() as u32,
            recent: inner.unclaimed.len() as u32,
            uid_next: inner.uid_next,
            uid_validity: inner.uid_validity,
            unseen: inner.unseen.len() as u32,
            size: inner.size,
            deleted: inner.deleted.len() as u32,
            deleted_storage: inner
                .deleted
                .iter()
                .filter_map(|u| inner.messages.get(&u))
                .map(|m| m.body.len() as u64)
                .sum(),
            highest_modseq: inner.highest_modseq,
        };
        Ok(s)
    }

    fn append(
        &self,
        user: &Self::User,
        name: &str,
        flags: &[Flag],
        date: Option<DateTime>,
        body: Bytes,
    ) -> Result<(u32, u32), StoreError> {
        if self.append_limit.is_some_and(|l| body.len() as u64 > u64::from(l)) {
            return Err(StoreError::TooBig);
        }
        let data = self.selectable(user, name)?;
        let date = date.unwrap_or_else(|| (self.clock)());
        let _room = self.reserve(user, crate::mime::crlf_len(&body), 1)?;
        let mut inner = lock(&data.inner);
        let uid = insert(&mut inner, flags, date, body, None, self.new_ids());
        inner.wake();
        Ok((inner.uid_validity, uid))
    }

    /// Every message inserted under one lock: other sessions see all of them or none.
    fn append_all(
        &self,
        user: &Self::User,
        name: &str,
        messages: Vec<crate::store::NewMessage>,
    ) -> Result<(u32, Vec<u32>), StoreError> {
        if self.append_limit.is_some_and(|l| messages.iter().any(|m| m.body.len() as u64 > u64::from(l))) {
            return Err(StoreError::TooBig);
        }
        let data = self.selectable(user, name)?;
        let octets = messages.iter().map(|m| crate::mime::crlf_len(&m.body)).sum();
        let _room = self.reserve(user, octets, messages.len() as u64)?;
        let mut inner = lock(&data.inner);
        let uids = messages
            .into_iter()
            .map(|m| {
                let date = m.date.unwrap_or_else(|| (self.clock)());
                insert(&mut inner, &m.flags, date, m.body, None, self.new_ids())
            })
            .collect();
        inner.wake();
        Ok((inner.uid_validity, uids))
    }

    fn new_session(&self) -> SessionId {
        SessionId(self.next_session.fetch_add(1, Ordering::Relaxed))
    }

    fn open(&self, user: &Self::User, name: &str, session: SessionId, read_only: bool) -> Result<Snapshot, StoreError> {
        let data = self.selectable(user, name)?;
        let mut inner = lock(&data.inner);
        let unclaimed: Vec<u32> = inner.unclaimed.iter().collect();
        let recent: Vec<u32> = unclaimed.into_iter().filter(|uid| inner.claim(*uid, session, read_only)).collect();
        let cursor = inner.cursor();
        inner.cursors.insert(session, cursor);
        let mut flags: Vec<Flag> = vec![Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft];
        flags.extend(inner.keywords.iter().cloned());
        Ok(Snapshot {
            uid_validity: inner.uid_validity,
            uid_next: inner.uid_next,
            uids: inner.uids.iter().collect(),
            first_unseen: inner.unseen.first(),
            recent,
            flags,
            cursor,
            highest_modseq: inner.highest_modseq,
        })
    }

    fn close(&self, user: &Self::User, name: &str, session: SessionId) {
        if let Ok(data) = self.mailbox(user, name) {
            let mut inner = lock(&data.inner);
            inner.cursors.remove(&session);
            inner.watchers.remove(&session);
            inner.drop_claims(session);
            inner.release(session, None);
            inner.trim();
        }
    }

    fn changes(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        cursor: u64,
        read_only: bool,
        max: usize,
    ) -> Result<ChangeBatch, StoreError> {
        let data = self.mailbox(user, name)?;
        let mut inner = lock(&data.inner);
        if !inner.cursors.contains_key(&session) {
            // Another incarnation of the name (deleted and created again, or renamed).
            return Err(StoreError::NoSuchMailbox);
        }
        let start = cursor.max(inner.log_start);
        let from = (start - inner.log_start) as usize;
        let to = inner.log.len().min(from.saturating_add(max.max(1)));
        let changes: Vec<Change> = inner.log.range(from..to).map(|e| inner.read(session, e)).collect();
        let mut recent = Vec::new();
        for c in &changes {
            if let Change::Appended { uid } = c {
                if inner.claim(*uid, session, read_only) {
                    recent.push(*uid);
                }
            }
        }
        let new = start + changes.len() as u64;
        inner.cursors.insert(session, new);
        inner.trim();
        let highest_modseq = (new == inner.cursor()).then_some(inner.highest_modseq);
        Ok(ChangeBatch { start, changes, cursor: new, recent, highest_modseq })
    }

    fn fetch(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.messages(user, name, session, uids, Some(true))
    }

    /// Without touching the bodies (their reference counts are other cache lines).
    fn fetch_meta(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.messages(user, name, session, uids, None)
    }

    /// With the parse made at APPEND.
    fn fetch_parsed(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.messages(user, name, session, uids, Some(false))
    }

    /// Kept in CRLF form (`mailbox::insert`): a range is a zero-copy slice.
    fn fetch_range(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uid: u32,
        range: std::ops::Range<u64>,
    ) -> Result<Option<Bytes>, StoreError> {
        let m = self.messages(user, name, session, &[uid], Some(true))?.into_iter().next().flatten();
        Ok(m.map(|m| crate::store::slice_range(&m.body, range)))
    }

    /// RFC822.SIZE is the CRLF text's length, and ranges are slices.
    fn streams_text(&self) -> bool {
        true
    }

    fn store(
        &self,
        user: &Self::User,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
    ) -> Result<StoreOutcome, StoreError> {
        self.store_if(user, name, uids, kind, flags, None)
    }

    fn store_unchanged_since(
        &self,
        user: &Self::User,
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
        user: &Self::User,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
    ) -> Result<CopyResult, StoreError> {
        self.copy_checked(user, from, session, uids, to, true)
    }

    fn move_messages(
        &self,
        user: &Self::User,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
    ) -> Result<CopyResult, StoreError> {
        // Within one user's mailboxes a move changes no usage: no quota check.
        let result = self.copy_checked(user, from, session, uids, to, false)?;
        let src = self.selectable(user, from)?;
        let mut s = lock(&src.inner);
        let modseq = s.next_modseq();
        for uid in &result.source {
            s.expunge_one(*uid, modseq);
        }
        s.wake();
        Ok(result)
    }

    fn quota(&self, user: &Self::User) -> Result<Option<Vec<crate::types::QuotaUsage>>, StoreError> {
        Ok(self.quota_of(user))
    }

    fn quotas(&self) -> bool {
        true
    }

    fn metadata(&self, user: &Self::User, mailbox: Option<&str>) -> Result<Vec<(String, Bytes)>, StoreError> {
        self.metadata_of(user, mailbox)
    }

    fn set_metadata(
        &self,
        user: &Self::User,
        mailbox: Option<&str>,
        entries: &[(String, Option<Bytes>)],
    ) -> Result<(), StoreError> {
        self.set_metadata_of(user, mailbox, entries)
    }

    fn metadata_supported(&self) -> bool {
        true
    }

    fn url_key(&self, user: &Self::User, mailbox: &str, create: bool) -> Result<Option<Vec<u8>>, StoreError> {
        self.url_key_of(user, mailbox, create)
    }

    fn reset_url_keys(&self, user: &Self::User, mailbox: Option<&str>) -> Result<(), StoreError> {
        self.reset_url_keys_of(user, mailbox)
    }

    fn url_keys(&self) -> bool {
        true
    }

    fn url_submitter(&self, name: &str) -> bool {
        self.submitters.read().unwrap_or_else(|p| p.into_inner()).contains(name)
    }

    fn user_by_name(&self, name: &str) -> Option<Self::User> {
        self.users.read().unwrap_or_else(|p| p.into_inner()).get(name).cloned()
    }

    fn expunge(&self, user: &Self::User, name: &str, uids: Option<&[u32]>, max: usize) -> Result<Vec<u32>, StoreError> {
        let data = self.selectable(user, name)?;
        let mut inner = lock(&data.inner);
        let doomed: Vec<u32> = match uids {
            None => inner.deleted.iter().take(max).collect(),
            Some(set) => set.iter().copied().filter(|u| inner.deleted.contains(u)).take(max).collect(),
        };
        let modseq = inner.next_modseq();
        for uid in &doomed {
            inner.expunge_one(*uid, modseq);
        }
        if !doomed.is_empty() {
            inner.wake();
        }
        Ok(doomed)
    }

    fn release(&self, user: &Self::User, name: &str, session: SessionId, uids: &[u32]) {
        if let Ok(data) = self.mailbox(user, name) {
            lock(&data.inner).release(session, Some(uids));
        }
    }

    fn watch_user(&self, user: &Self::User, session: SessionId, notifier: Option<Notifier>) {
        let mut w = lock(&user.watchers);
        match notifier {
            Some(n) => w.insert(session, n),
            None => w.remove(&session),
        };
    }

    fn watch(&self, user: &Self::User, name: &str, session: SessionId, notifier: Notifier) {
        if let Ok(data) = self.mailbox(user, name) {
            lock(&data.inner).watchers.insert(session, notifier);
        }
    }

    fn append_limit(&self) -> Option<u32> {
        self.append_limit
    }

    fn mod_seqs(&self) -> bool {
        true
    }

    /// Without building the messages: one lock, one lookup a UID.
    fn modseqs(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<u64>>, StoreError> {
        let data = self.mailbox(user, name)?;
        let inner = lock(&data.inner);
        Ok(uids.iter().map(|u| inner.visible(session, *u).map(|m| m.modseq)).collect())
    }

    fn vanished(&self, user: &Self::User, name: &str, since: u64) -> Result<Vanished, StoreError> {
        let data = self.selectable(user, name)?;
        let inner = lock(&data.inner);
        Ok(inner.tombstones.since(since))
    }

    /// The clock of [`MemoryBackend::with_clock`] (the Unix epoch without one).
    fn now(&self) -> Option<DateTime> {
        Some((self.clock)())
    }

    fn mailbox_id(&self, user: &Self::User, name: &str) -> Result<Option<ObjectId>, StoreError> {
        Ok(Some(lock(&self.mailbox(user, name)?.inner).id.clone()))
    }

    /// Every mailbox has a MAILBOXID and every message an EMAILID; threads are not kept.
    fn object_ids(&self) -> bool {
        true
    }
}

impl UserData {
    /// The user name.
    pub fn name(&self) -> &str {
        &self.name
    }
}
