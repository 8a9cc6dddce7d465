//! One opened mailbox: the in-memory index of its messages (UID → file, flags, size),
//! and, as in the core's memory backend, its change log, the `\Recent` claims of the
//! sessions and the expunged messages sessions still see (RFC 2180 §4.1.1). The disk
//! side (scanning, delivering, renaming) is in `sync.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use imap_machine::store::{Change, MailboxStatus, Notifier, SessionId, Snapshot};
use imap_machine::types::{DateTime, Flag, StoreKind};

use crate::sync::Stamp;

/// A live message: its file and what the index knows of it.
#[derive(Debug)]
pub(crate) struct Message {
    /// The file name without its info part (the key of `dovecot-uidlist`).
    pub(crate) base: String,
    /// In `new/` (else `cur/`).
    pub(crate) in_new: bool,
    /// The file name as it is now.
    pub(crate) name: String,
    /// Its flags (without `\Recent`).
    pub(crate) flags: Vec<Flag>,
    /// Info letters without an IMAP meaning, kept through renames.
    pub(crate) extra: String,
    /// RFC822.SIZE.
    pub(crate) size: u64,
    /// The extension fields of its `dovecot-uidlist` record.
    pub(crate) ext: String,
    /// `Some(None)`: recent, not yet claimed by a session; `Some(Some(s))`: recent to `s`.
    pub(crate) recent: Option<Option<SessionId>>,
}

/// An expunged message that sessions still see: kept until every session in `holders`
/// has told its client, or closed the mailbox. `body` is `None` when another process
/// removed the file before we could read it.
#[derive(Debug)]
pub(crate) struct Ghost {
    pub(crate) flags: Vec<Flag>,
    pub(crate) data: Option<(Bytes, DateTime)>,
    pub(crate) holders: Vec<SessionId>,
}

/// One entry of the change log, read as a [`Change`] when a session asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Logged {
    Appended(u32),
    Flags(u32),
    Expunged(u32),
    Keyword(Flag),
}

/// An opened mailbox (see the module docs).
pub(crate) struct Mailbox {
    /// The user root (for the UIDVALIDITY counter).
    pub(crate) root: PathBuf,
    /// The mailbox directory.
    pub(crate) dir: PathBuf,
    /// Deleted or renamed: every call fails with `NoSuchMailbox`.
    pub(crate) gone: bool,
    pub(crate) fsync: bool,
    /// 0 until `dovecot-uidlist` was read or created.
    pub(crate) uid_validity: u32,
    pub(crate) uid_next: u32,
    pub(crate) guid: String,
    pub(crate) header_ext: Vec<String>,
    pub(crate) messages: BTreeMap<u32, Message>,
    pub(crate) by_base: HashMap<String, u32>,
    /// Live UIDs whose `\Recent` no session has claimed.
    pub(crate) unclaimed: BTreeSet<u32>,
    pub(crate) claims: HashMap<SessionId, Vec<u32>>,
    pub(crate) ghosts: BTreeMap<u32, Ghost>,
    pub(crate) log: VecDeque<Logged>,
    /// Cursor of `log[0]`.
    pub(crate) log_start: u64,
    pub(crate) cursors: HashMap<SessionId, u64>,
    pub(crate) watchers: HashMap<SessionId, Notifier>,
    /// The keywords of `dovecot-keywords`, by letter.
    pub(crate) keywords: Vec<Option<Flag>>,
    /// What the directories looked like at the last scan.
    pub(crate) stamp: Option<Stamp>,
    /// Past the first scan.
    pub(crate) loaded: bool,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("dir", &self.dir)
            .field("uid_validity", &self.uid_validity)
            .field("messages", &self.messages.len())
            .finish()
    }
}

impl Mailbox {
    /// An empty index of `dir`, before its first scan.
    pub(crate) fn empty(root: &Path, dir: PathBuf, fsync: bool) -> Self {
        Mailbox {
            root: root.to_path_buf(),
            dir,
            gone: false,
            fsync,
            uid_validity: 0,
            uid_next: 1,
            guid: String::new(),
            header_ext: Vec::new(),
            messages: BTreeMap::new(),
            by_base: HashMap::new(),
            unclaimed: BTreeSet::new(),
            claims: HashMap::new(),
            ghosts: BTreeMap::new(),
            log: VecDeque::new(),
            log_start: 0,
            cursors: HashMap::new(),
            watchers: HashMap::new(),
            keywords: Vec::new(),
            stamp: None,
            loaded: false,
        }
    }

    /// The path of a live message's file.
    pub(crate) fn path_of(&self, m: &Message) -> PathBuf {
        self.dir.join(if m.in_new { "new" } else { "cur" }).join(&m.name)
    }

    pub(crate) fn cursor(&self) -> u64 {
        self.log_start + self.log.len() as u64
    }

    pub(crate) fn record(&mut self, change: Logged) {
        self.log.push_back(change);
    }

    /// Drops log entries every open session has read.
    pub(crate) fn trim(&mut self) {
        let min = self.cursors.values().copied().min().unwrap_or_else(|| self.cursor());
        while self.log_start < min && !self.log.is_empty() {
            self.log.pop_front();
            self.log_start += 1;
        }
    }

    /// Forgets the log (after the first scan: what was there is not news).
    pub(crate) fn forget_log(&mut self) {
        self.log_start = self.cursor();
        self.log.clear();
    }

    /// Adds a live message under `uid` and logs it.
    pub(crate) fn add(&mut self, uid: u32, message: Message) {
        if message.recent == Some(None) {
            self.unclaimed.insert(uid);
        }
        self.by_base.insert(message.base.clone(), uid);
        self.messages.insert(uid, message);
        self.uid_next = self.uid_next.max(uid.saturating_add(1));
        self.record(Logged::Appended(uid));
    }

    /// Removes a live message from the index, logs the expunge, and keeps `data` for the
    /// sessions that have the mailbox open. The file is the caller's business.
    pub(crate) fn forget(&mut self, uid: u32, data: Option<(Bytes, DateTime)>) -> Option<Message> {
        let message = self.messages.remove(&uid)?;
        self.by_base.remove(&message.base);
        self.unclaimed.remove(&uid);
        self.record(Logged::Expunged(uid));
        let holders: Vec<SessionId> = self.cursors.keys().copied().collect();
        if !holders.is_empty() {
            self.ghosts.insert(uid, Ghost { flags: message.flags.clone(), data, holders });
        }
        Some(message)
    }

    /// Logs the keywords among `flags` that `known` lacked.
    pub(crate) fn announce(&mut self, known: &[Option<Flag>]) {
        let fresh: Vec<Flag> =
            self.keywords.iter().flatten().filter(|f| !known.iter().flatten().any(|k| k == *f)).cloned().collect();
        for f in fresh {
            self.record(Logged::Keyword(f));
        }
    }

    /// Whether `session`, told of message `uid` now, sees it as `\Recent`: no session has
    /// claimed it yet. A read-write session claims it (RFC 3501 §2.3.2).
    pub(crate) fn claim(&mut self, uid: u32, session: SessionId, read_only: bool) -> bool {
        if !self.unclaimed.contains(&uid) {
            return false;
        }
        if !read_only {
            self.unclaimed.remove(&uid);
            if let Some(m) = self.messages.get_mut(&uid) {
                m.recent = Some(Some(session));
            }
            self.claims.entry(session).or_default().push(uid);
            // Claimed mail leaves new/, as Dovecot moves it.
            self.leave_new(uid);
        }
        true
    }

    /// The session is gone: the messages it claimed are no longer `\Recent` to anyone.
    pub(crate) fn drop_claims(&mut self, session: SessionId) {
        for uid in self.claims.remove(&session).unwrap_or_default() {
            if let Some(m) = self.messages.get_mut(&uid).filter(|m| m.recent == Some(Some(session))) {
                m.recent = None;
            }
        }
    }

    /// Drops `session`'s hold on the ghosts `uids` (all of them if `None`).
    pub(crate) fn release(&mut self, session: SessionId, uids: Option<&[u32]>) {
        let all: Vec<u32> = match uids {
            Some(uids) => uids.to_vec(),
            None => self.ghosts.keys().copied().collect(),
        };
        for uid in all {
            if let Some(g) = self.ghosts.get_mut(&uid) {
                g.holders.retain(|h| *h != session);
                if g.holders.is_empty() {
                    self.ghosts.remove(&uid);
                }
            }
        }
    }

    /// A session closes the mailbox.
    pub(crate) fn close(&mut self, session: SessionId) {
        self.cursors.remove(&session);
        self.watchers.remove(&session);
        self.drop_claims(session);
        self.release(session, None);
        self.trim();
    }

    /// The flags of a message as `session` sees it: live, or a ghost it still holds.
    pub(crate) fn visible_flags(&self, session: SessionId, uid: u32) -> Option<&Vec<Flag>> {
        self.messages
            .get(&uid)
            .map(|m| &m.flags)
            .or_else(|| self.ghosts.get(&uid).filter(|g| g.holders.contains(&session)).map(|g| &g.flags))
    }

    /// A logged change as `session` reads it now.
    pub(crate) fn read(&self, session: SessionId, entry: &Logged) -> Change {
        match entry {
            Logged::Appended(uid) => Change::Appended { uid: *uid },
            Logged::Expunged(uid) => Change::Expunged { uid: *uid },
            Logged::Keyword(flag) => Change::Keyword { flag: flag.clone() },
            Logged::Flags(uid) => {
                let flags = self.visible_flags(session, *uid).cloned().unwrap_or_default();
                Change::Flags { uid: *uid, flags }
            }
        }
    }

    pub(crate) fn wake(&self) {
        for n in self.watchers.values() {
            n();
        }
    }

    /// The flags the mailbox can have: the system flags and its keywords.
    fn flags(&self) -> Vec<Flag> {
        let mut flags: Vec<Flag> = vec![Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft];
        flags.extend(self.keywords.iter().flatten().cloned());
        flags
    }

    /// SELECT or EXAMINE by `session` (after a refresh).
    pub(crate) fn open(&mut self, session: SessionId, read_only: bool) -> Snapshot {
        let unclaimed: Vec<u32> = self.unclaimed.iter().copied().collect();
        let recent: Vec<u32> = unclaimed.into_iter().filter(|uid| self.claim(*uid, session, read_only)).collect();
        let cursor = self.cursor();
        self.cursors.insert(session, cursor);
        Snapshot {
            uid_validity: self.uid_validity,
            uid_next: self.uid_next,
            uids: self.messages.keys().copied().collect(),
            first_unseen: self.messages.iter().find(|(_, m)| !m.flags.contains(&Flag::Seen)).map(|(u, _)| *u),
            recent,
            flags: self.flags(),
            cursor,
        }
    }

    /// STATUS (after a refresh).
    pub(crate) fn status(&self) -> MailboxStatus {
        let count = |f: &Flag, has: bool| self.messages.values().filter(|m| m.flags.contains(f) == has).count() as u32;
        MailboxStatus {
            messages: self.messages.len() as u32,
            recent: self.unclaimed.len() as u32,
            uid_next: self.uid_next,
            uid_validity: self.uid_validity,
            unseen: count(&Flag::Seen, false),
            size: self.messages.values().map(|m| m.size).sum(),
            deleted: count(&Flag::Deleted, true),
        }
    }

    /// The live messages with `\Deleted` (among `uids` if given), lowest first, at most
    /// `max`.
    pub(crate) fn doomed(&self, uids: Option<&[u32]>, max: usize) -> Vec<u32> {
        let deleted = |uid: &u32| self.messages.get(uid).is_some_and(|m| m.flags.contains(&Flag::Deleted));
        match uids {
            None => self.messages.keys().copied().filter(deleted).take(max).collect(),
            Some(set) => {
                let set: BTreeSet<u32> = set.iter().copied().collect();
                set.into_iter().filter(deleted).take(max).collect()
            }
        }
    }
}

/// STORE's change to a list of flags (the memory backend's rule: FLAGS replaces,
/// +FLAGS adds what is missing, -FLAGS removes).
pub(crate) fn apply(flags: &mut Vec<Flag>, kind: StoreKind, given: &[Flag]) {
    match kind {
        StoreKind::Replace => {
            flags.clear();
            for f in given {
                if !flags.contains(f) {
                    flags.push(f.clone());
                }
            }
        }
        StoreKind::Add => {
            for f in given {
                if !flags.contains(f) {
                    flags.push(f.clone());
                }
            }
        }
        StoreKind::Remove => flags.retain(|f| !given.contains(f)),
    }
}

/// The flags a Maildir can keep: the system flags and keywords (no other backslash
/// flags), each once.
pub(crate) fn storable(flags: &[Flag]) -> Vec<Flag> {
    let keep: Vec<Flag> = flags.iter().filter(|f| !matches!(f, Flag::Extension(_))).cloned().collect();
    let mut out = Vec::with_capacity(keep.len());
    apply(&mut out, StoreKind::Replace, &keep);
    out
}

/// Whether two flag lists hold the same flags.
pub(crate) fn same_flags(a: &[Flag], b: &[Flag]) -> bool {
    a.len() == b.len() && a.iter().all(|f| b.contains(f))
}
