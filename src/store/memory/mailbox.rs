//! One mailbox of the memory backend: its messages, the expunged ones sessions still see,
//! and its change log.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

use super::super::{Change, CopyResult, Notifier, SessionId};
use crate::types::{DateTime, Flag, StoreKind};

#[derive(Debug)]
pub(super) struct Message {
    pub(super) flags: Vec<Flag>,
    pub(super) internal_date: DateTime,
    pub(super) body: Bytes,
    /// `Some(None)`: recent, not yet claimed by a session; `Some(Some(s))`: recent to `s`.
    pub(super) recent: Option<Option<SessionId>>,
}

impl Message {
    /// Whether `session`, told of this message now, sees it as `\Recent`: no session has
    /// claimed it yet. A read-write session claims it (RFC 3501 §2.3.2).
    pub(super) fn sees_recent(&mut self, session: SessionId, read_only: bool) -> bool {
        if self.recent != Some(None) {
            return false;
        }
        if !read_only {
            self.recent = Some(Some(session));
        }
        true
    }
}

/// An expunged message that sessions still see (RFC 2180 §4.1.1): kept until every
/// session in `holders` has told its client, or closed the mailbox.
#[derive(Debug)]
pub(super) struct Ghost {
    pub(super) message: Message,
    pub(super) holders: Vec<SessionId>,
}

pub(super) struct Inner {
    pub(super) uid_validity: u32,
    pub(super) uid_next: u32,
    pub(super) uids: Vec<u32>,
    pub(super) messages: HashMap<u32, Message>,
    pub(super) ghosts: HashMap<u32, Ghost>,
    pub(super) log: VecDeque<Change>,
    /// Cursor of `log[0]`.
    pub(super) log_start: u64,
    pub(super) cursors: HashMap<SessionId, u64>,
    pub(super) watchers: HashMap<SessionId, Notifier>,
    pub(super) keywords: Vec<Flag>,
    pub(super) noselect: bool,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox").field("uid_validity", &self.uid_validity).field("messages", &self.uids.len()).finish()
    }
}

impl Inner {
    pub(super) fn cursor(&self) -> u64 {
        self.log_start + self.log.len() as u64
    }

    pub(super) fn record(&mut self, change: Change) {
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

    /// Removes a message (the caller removes it from `uids`), logs the expunge, and keeps
    /// its data for the sessions that have the mailbox open.
    pub(super) fn expunge_one(&mut self, uid: u32) {
        if let Some(message) = self.messages.remove(&uid) {
            self.record(Change::Expunged { uid });
            let holders: Vec<SessionId> = self.cursors.keys().copied().collect();
            if !holders.is_empty() {
                self.ghosts.insert(uid, Ghost { message, holders });
            }
        }
    }

    /// Drops `session`'s hold on the ghosts `uids` (all of them if `None`).
    pub(super) fn release(&mut self, session: SessionId, uids: Option<&[u32]>) {
        let drop_ghost = |ghosts: &mut HashMap<u32, Ghost>, uid: u32| {
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
                let all: Vec<u32> = self.ghosts.keys().copied().collect();
                all.into_iter().for_each(|u| drop_ghost(&mut self.ghosts, u));
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
    }
}

pub(super) fn apply(flags: &mut Vec<Flag>, kind: StoreKind, given: &[Flag]) {
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

/// COPY (or the copy step of MOVE) within one mailbox: each message again, with a new UID.
pub(super) fn copy_within(inner: &mut Inner, session: SessionId, uids: &[u32]) -> CopyResult {
    let mut result = CopyResult { uid_validity: inner.uid_validity, source: Vec::new(), destination: Vec::new() };
    for uid in uids {
        let Some(m) = inner.visible(session, *uid) else { continue };
        let (flags, date, body) = (m.flags.clone(), m.internal_date, m.body.clone());
        let new = insert(inner, &flags, date, body);
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
            inner.record(Change::Keyword { flag: f.clone() });
        }
    }
}

/// Inserts a message into `inner` with the next UID.
pub(super) fn insert(inner: &mut Inner, flags: &[Flag], internal_date: DateTime, body: Bytes) -> u32 {
    let uid = inner.uid_next;
    inner.uid_next += 1;
    let mut fl = Vec::with_capacity(flags.len());
    apply(&mut fl, StoreKind::Replace, flags);
    new_keywords(inner, &fl);
    inner.uids.push(uid);
    inner.messages.insert(uid, Message { flags: fl, internal_date, body, recent: Some(None) });
    inner.record(Change::Appended { uid });
    uid
}
