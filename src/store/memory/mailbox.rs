//! One mailbox of the memory backend: its messages, the expunged ones sessions still see,
//! and its change log.
//!
//! Every operation costs O(k log n) for k messages touched in an n-message mailbox: the
//! messages are a vector indexed by UID and the live UIDs a bitmap (`index.rs`: O(1)
//! lookup, insert and remove, ascending walks through adjacent memory), and the sets
//! STATUS, SELECT and EXPUNGE ask for are kept as bitmaps beside the messages (without
//! `\Seen`, with `\Deleted`, `\Recent` unclaimed, the claims of each session) with the
//! total size, so none of them scans the mailbox.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;

use super::super::{Change, CopyResult, Notifier, ParsedMessage, SessionId};
use super::index::{UidMap, UidSet};
use super::modseq::Tombstones;
use crate::types::{DateTime, Flag, ObjectId, StoreKind};

#[derive(Debug)]
pub(super) struct Message {
    pub(super) flags: Vec<Flag>,
    pub(super) internal_date: DateTime,
    pub(super) body: Bytes,
    /// Its parse, made at APPEND and shared by its copies.
    pub(super) parsed: Arc<ParsedMessage>,
    /// `Some(None)`: recent, not yet claimed by a session; `Some(Some(s))`: recent to `s`.
    pub(super) recent: Option<Option<SessionId>>,
    /// When it was saved in this mailbox, and its EMAILID (RFC 8514, RFC 8474).
    pub(super) ids: Saved,
    /// Its mod-sequence (RFC 7162 §3.1.3).
    pub(super) modseq: u64,
}

/// A message's save date (RFC 8514 §3) and EMAILID (RFC 8474 §5.1), which its copies
/// share.
#[derive(Clone, Debug)]
pub(super) struct Saved {
    pub(super) date: DateTime,
    pub(super) email_id: ObjectId,
}

/// An expunged message that sessions still see (RFC 2180 §4.1.1): kept until every
/// session in `holders` has told its client, or closed the mailbox.
#[derive(Debug)]
pub(super) struct Ghost {
    pub(super) message: Message,
    pub(super) holders: Vec<SessionId>,
}

/// One entry of a mailbox's change log: what changed, without the values, which
/// [`super::super::Backend::changes`] reads when a session asks (so a whole-mailbox STORE
/// logs 16 bytes a message, not a copy of each message's flags).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Logged {
    Appended(u32),
    Flags(u32),
    Expunged(u32),
    Keyword(Flag),
}

pub(super) struct Inner {
    pub(super) uid_validity: u32,
    /// MAILBOXID (RFC 8474 §4): moves with the mailbox on RENAME.
    pub(super) id: ObjectId,
    pub(super) uid_next: u32,
    /// The live UIDs.
    pub(super) uids: UidSet,
    pub(super) messages: UidMap<Message>,
    /// Live UIDs without `\Seen`.
    pub(super) unseen: UidSet,
    /// Live UIDs with `\Deleted`.
    pub(super) deleted: UidSet,
    /// Live UIDs whose `\Recent` no session has claimed.
    pub(super) unclaimed: UidSet,
    /// The UIDs each session claimed.
    pub(super) claims: HashMap<SessionId, Vec<u32>>,
    /// Octets of the live messages.
    pub(super) size: u64,
    pub(super) ghosts: UidMap<Ghost>,
    pub(super) log: VecDeque<Logged>,
    /// Cursor of `log[0]`.
    pub(super) log_start: u64,
    pub(super) cursors: HashMap<SessionId, u64>,
    pub(super) watchers: HashMap<SessionId, Notifier>,
    /// The user's watchers ([`super::super::Backend::watch_user`]), woken by any change.
    pub(super) user_watchers: super::UserWatchers,
    pub(super) keywords: Vec<Flag>,
    pub(super) noselect: bool,
    /// HIGHESTMODSEQ (RFC 7162 §3.1.1); starts at 1.
    pub(super) highest_modseq: u64,
    /// Expunged UIDs and their mod-sequences, for VANISHED (EARLIER).
    pub(super) tombstones: Tombstones,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let messages = self.uids.len();
        f.debug_struct("Mailbox").field("uid_validity", &self.uid_validity).field("messages", &messages).finish()
    }
}

impl Inner {
    pub(super) fn cursor(&self) -> u64 {
        self.log_start + self.log.len() as u64
    }

    pub(super) fn record(&mut self, change: Logged) {
        self.log.push_back(change);
    }

    /// Drops log entries every open session has read.
    pub(super) fn trim(&mut self) {
        let min = self.cursors.values().copied().min().unwrap_or_else(|| self.cursor());
        while self.log_start < min && !self.log.is_empty() {
            self.log.pop_front();
            self.log_start += 1;
        }
    }

    /// Adds a message under `uid`, to every index.
    fn add(&mut self, uid: u32, message: Message) {
        self.uids.insert(uid);
        self.index(uid, &message.flags);
        if message.recent == Some(None) {
            self.unclaimed.insert(uid);
        }
        self.size += message.body.len() as u64;
        self.messages.insert(uid, message);
    }

    fn index(&mut self, uid: u32, flags: &[Flag]) {
        if flags.contains(&Flag::Seen) {
            self.unseen.remove(&uid);
        } else {
            self.unseen.insert(uid);
        }
        if flags.contains(&Flag::Deleted) {
            self.deleted.insert(uid);
        } else {
            self.deleted.remove(&uid);
        }
    }

    /// The mod-sequence the next change takes (RFC 7162 §3.1): one above the highest.
    /// The change that uses it makes it the highest ([`Inner::took`]).
    pub(super) fn next_modseq(&self) -> u64 {
        self.highest_modseq + 1
    }

    /// A change took `modseq` (from [`Inner::next_modseq`]).
    pub(super) fn took(&mut self, modseq: u64) {
        self.highest_modseq = self.highest_modseq.max(modseq);
    }

    /// Applies a STORE to one live message: its new flags, and whether they changed
    /// (`None` if the message is not live); a change gives the message `modseq`. Logs
    /// nothing.
    pub(super) fn store_one(
        &mut self,
        uid: u32,
        kind: StoreKind,
        given: &[Flag],
        modseq: u64,
    ) -> Option<(Vec<Flag>, bool)> {
        let m = self.messages.get_mut(&uid)?;
        let (seen, deleted) = (m.flags.contains(&Flag::Seen), m.flags.contains(&Flag::Deleted));
        // Whether the flags changed, without a copy of them before: +FLAGS and -FLAGS
        // change the list exactly when they change its length.
        let changed = match kind {
            StoreKind::Replace => {
                let before = std::mem::take(&mut m.flags);
                apply(&mut m.flags, kind, given);
                before != m.flags
            }
            StoreKind::Add | StoreKind::Remove => {
                let n = m.flags.len();
                apply(&mut m.flags, kind, given);
                n != m.flags.len()
            }
        };
        let after = m.flags.clone();
        if changed {
            m.modseq = modseq;
        }
        if changed && (seen != after.contains(&Flag::Seen) || deleted != after.contains(&Flag::Deleted)) {
            self.index(uid, &after);
        }
        Some((after, changed))
    }

    /// Whether `session`, told of message `uid` now, sees it as `\Recent`: no session has
    /// claimed it yet. A read-write session claims it (RFC 3501 §2.3.2).
    pub(super) fn claim(&mut self, uid: u32, session: SessionId, read_only: bool) -> bool {
        if !self.unclaimed.contains(&uid) {
            return false;
        }
        if !read_only {
            self.unclaimed.remove(&uid);
            if let Some(m) = self.messages.get_mut(&uid) {
                m.recent = Some(Some(session));
            }
            self.claims.entry(session).or_default().push(uid);
        }
        true
    }

    /// The session is gone: the messages it claimed are no longer `\Recent` to anyone.
    pub(super) fn drop_claims(&mut self, session: SessionId) {
        for uid in self.claims.remove(&session).unwrap_or_default() {
            if let Some(m) = self.messages.get_mut(&uid).filter(|m| m.recent == Some(Some(session))) {
                m.recent = None;
            }
        }
    }

    /// Removes a live message, logs the expunge, keeps its data for the sessions that
    /// have the mailbox open, and its tombstone at `modseq` (from [`Inner::next_modseq`];
    /// every expunge of one call shares it).
    pub(super) fn expunge_one(&mut self, uid: u32, modseq: u64) {
        if let Some(message) = self.messages.remove(&uid) {
            self.tombstones.push(modseq, uid);
            self.took(modseq);
            self.uids.remove(&uid);
            self.unseen.remove(&uid);
            self.deleted.remove(&uid);
            self.unclaimed.remove(&uid);
            self.size -= message.body.len() as u64;
            self.record(Logged::Expunged(uid));
            let holders: Vec<SessionId> = self.cursors.keys().copied().collect();
            if !holders.is_empty() {
                self.ghosts.insert(uid, Ghost { message, holders });
            }
        }
    }

    /// Drops `session`'s hold on the ghosts `uids` (all of them if `None`).
    pub(super) fn release(&mut self, session: SessionId, uids: Option<&[u32]>) {
        let drop_ghost = |ghosts: &mut UidMap<Ghost>, uid: u32| {
            if let Some(g) = ghosts.get_mut(&uid) {
                g.holders.retain(|h| *h != session);
                if g.holders.is_empty() {
                    ghosts.remove(&uid);
                }
            }
        };
        match uids {
            Some(uids) => uids.iter().for_each(|u| drop_ghost(&mut self.ghosts, *u)),
            None => {
                let all: Vec<u32> = self.ghosts.iter().map(|(u, _)| u).collect();
                all.into_iter().for_each(|u| drop_ghost(&mut self.ghosts, u));
            }
        }
    }

    /// A logged change as `session` reads it now.
    pub(super) fn read(&self, session: SessionId, entry: &Logged) -> Change {
        match entry {
            Logged::Appended(uid) => Change::Appended { uid: *uid },
            Logged::Expunged(uid) => Change::Expunged { uid: *uid },
            Logged::Keyword(flag) => Change::Keyword { flag: flag.clone() },
            Logged::Flags(uid) => {
                let m = self.visible(session, *uid);
                let flags = m.map(|m| m.flags.clone()).unwrap_or_default();
                Change::Flags { uid: *uid, flags, modseq: m.map_or(0, |m| m.modseq) }
            }
        }
    }

    /// A message as `session` sees it: live, or a ghost it still holds.
    pub(super) fn visible(&self, session: SessionId, uid: u32) -> Option<&Message> {
        self.messages
            .get(&uid)
            .or_else(|| self.ghosts.get(&uid).filter(|g| g.holders.contains(&session)).map(|g| &g.message))
    }

    pub(super) fn wake(&self) {
        for n in self.watchers.values() {
            n();
        }
        for n in super::lock(&self.user_watchers).values() {
            n();
        }
    }
}

pub(super) use crate::store::names::apply_store as apply;

/// COPY (or the copy step of MOVE) within one mailbox: each message again, with a new UID.
/// The copies are saved `now` and keep their EMAILID.
pub(super) fn copy_within(inner: &mut Inner, session: SessionId, uids: &[u32], now: DateTime) -> CopyResult {
    let mut result = CopyResult { uid_validity: inner.uid_validity, source: Vec::new(), destination: Vec::new() };
    for uid in uids {
        let Some(m) = inner.visible(session, *uid) else { continue };
        let (flags, date, body, parsed) = (m.flags.clone(), m.internal_date, m.body.clone(), m.parsed.clone());
        let ids = Saved { date: now, email_id: m.ids.email_id.clone() };
        let new = insert(inner, &flags, date, body, Some(parsed), ids);
        result.source.push(*uid);
        result.destination.push(new);
    }
    result
}

/// Adds the keywords among `flags` that the mailbox lacks, and logs each.
pub(super) fn new_keywords(inner: &mut Inner, flags: &[Flag]) {
    for f in flags {
        if matches!(f, Flag::Keyword(_)) && !inner.keywords.contains(f) {
            inner.keywords.push(f.clone());
            inner.record(Logged::Keyword(f.clone()));
        }
    }
}

/// Inserts a message into `inner` with the next UID; parses it unless `parsed` is given (a
/// copy of a stored message).
pub(super) fn insert(
    inner: &mut Inner,
    flags: &[Flag],
    internal_date: DateTime,
    body: Bytes,
    parsed: Option<Arc<ParsedMessage>>,
    ids: Saved,
) -> u32 {
    // Kept in CRLF form, which RFC822.SIZE counts (RFC 3501 §2.3.4) and SORT SIZE compares,
    // as Dovecot counts a message with bare LFs.
    let body = crate::mime::to_crlf(body);
    let parsed = parsed.unwrap_or_else(|| Arc::new(ParsedMessage::of(&body)));
    let uid = inner.uid_next;
    inner.uid_next += 1;
    let mut fl = Vec::with_capacity(flags.len());
    apply(&mut fl, StoreKind::Replace, flags);
    new_keywords(inner, &fl);
    let modseq = inner.next_modseq();
    inner.took(modseq);
    inner.add(uid, Message { flags: fl, internal_date, body, parsed, recent: Some(None), ids, modseq });
    inner.record(Logged::Appended(uid));
    uid
}
