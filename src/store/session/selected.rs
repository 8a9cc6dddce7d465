//! The selected mailbox as one session sees it, and the sync that brings the client's view
//! up to the store's change log (RFC 3501 §5.2, §7.4.1; RFC 2180 §4).
//!
//! The rules the sync keeps, so that what every client is told is true:
//! - sequence numbers change only with an EXPUNGE the client is sent, and none is sent
//!   during FETCH, STORE or SEARCH by sequence number (RFC 3501 §7.4.1); until then the
//!   message stays readable (RFC 2180 §4.1.1: the store keeps it for this session);
//! - flag changes are reported in log order, one FETCH per message with its latest flags;
//!   the session's own changes are known by their log positions, not by their values, so
//!   a STORE never hides or replays another session's change. As in Dovecot, a STORE's
//!   result FETCH supersedes an earlier change of the same message by another session,
//!   and a `.SILENT` STORE reports the message's flags when another session changed them
//!   too (the client could not know them);
//! - a keyword reaches a FETCH only after `* FLAGS` and `* OK [PERMANENTFLAGS]` listed it
//!   (RFC 3501 §7.2.6).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::num::NonZeroU32;
use std::ops::Range;

use super::view::SeqView;
use super::{Backend, Session, SessionError};
use crate::server::Server;
use crate::types::{
    Code, Data, FetchItem, Flag, FlagFetch, FlagPerm, Response, SequenceSet, StatusKind, StatusResponse, Text,
};

/// A message sequence number in this session's view (RFC 3501 §2.3.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Seq(pub(super) NonZeroU32);

/// A message's UID (RFC 3501 §2.3.1.1): never passed where a [`Seq`] is meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Uid(pub(super) u32);

impl Seq {
    /// The 0-based position.
    fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

/// The most messages or log entries one step touches, whatever the session's budget: a
/// bound on the memory of a step.
pub(super) const STEP_CAP: usize = 65_536;

/// What a sync may send (RFC 3501 §7.4.1, §6.4.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sync {
    /// Everything: after NOOP, CHECK, APPEND, STATUS, EXPUNGE, COPY, MOVE, and in IDLE.
    Full,
    /// No EXPUNGE: during FETCH, STORE and SEARCH by sequence number.
    NoExpunge,
    /// Everything, with UID in each FETCH, as Dovecot does during a UID command.
    Uid,
}

impl Sync {
    /// The sync after a command: by UID or not, and whether it may expunge by sequence
    /// number (COPY, MOVE and EXPUNGE may; FETCH, STORE and SEARCH may not).
    pub(super) fn after(uid: bool, expunge_ok: bool) -> Sync {
        match (uid, expunge_ok) {
            (true, _) => Sync::Uid,
            (false, true) => Sync::Full,
            (false, false) => Sync::NoExpunge,
        }
    }
}

/// Flag changes this session made itself: their log positions, and whether the client
/// was sent the result (a STORE without `.SILENT`, or FETCH's implicit `\Seen`).
#[derive(Debug)]
struct OwnChanges {
    log: Range<u64>,
    reported: bool,
}

/// The selected mailbox as this session sees it.
#[derive(Debug)]
pub(super) struct Selected {
    pub(super) name: String,
    pub(super) read_only: bool,
    /// UIDs in sequence order. Holds every message the client knows of, expunged ones
    /// included until it is sent their EXPUNGE.
    view: SeqView,
    /// UIDs whose `\Recent` belongs to this session.
    recent: HashSet<Uid>,
    /// Expunged in the store, still in the view: reported at the next chance.
    pending_expunge: BTreeSet<Uid>,
    /// This session's own flag changes not yet passed by the cursor.
    own: Vec<OwnChanges>,
    cursor: u64,
    /// EXISTS last reported.
    reported_exists: usize,
    /// RECENT last reported.
    reported_recent: usize,
    /// The flags of the last `* FLAGS` this client was sent.
    announced: Vec<Flag>,
    /// `$`, the result the last `SEARCH RETURN (SAVE)` saved (RFC 5182), as UIDs,
    /// ascending: a message expunged from the view leaves it.
    pub(super) saved: Vec<Uid>,
    /// The session enabled IMAP4rev2: no `\Recent` and no RECENT response (RFC 9051
    /// Appendix E item 12), and UID in every unsolicited FETCH (item 21).
    pub(super) rev2: bool,
    /// The searches that report changes of their result (RFC 5267 §4.3).
    pub(super) contexts: Vec<super::context::SearchContext>,
    /// The session issued a CONDSTORE enabling command (RFC 7162 §3.1): MODSEQ in every
    /// unsolicited FETCH, when the mailbox keeps mod-sequences.
    pub(super) condstore: bool,
    /// The session enabled QRESYNC (RFC 7162 §3.2.4): UID in every unsolicited FETCH,
    /// VANISHED instead of EXPUNGE.
    pub(super) qresync: bool,
    /// The store keeps mod-sequences for this mailbox (else `[NOMODSEQ]`).
    pub(super) modseqs: bool,
    /// The HIGHESTMODSEQ the client may be told: the mailbox's, as of the last sync that
    /// reported every change up to it (RFC 7162 §3.2, §6).
    pub(super) highest_modseq: u64,
    /// The highest mod-sequence this client was told, by a HIGHESTMODSEQ code or a
    /// MODSEQ item: after QRESYNC, a tagged OK tells HIGHESTMODSEQ when it is higher, as
    /// Dovecot does (an expunge or an arrival raises it without a MODSEQ).
    pub(super) told_highest: u64,
    /// This command sent a MODSEQ (so a delayed expunge needs an `OK [HIGHESTMODSEQ]`
    /// below it, RFC 7162 §3.2).
    pub(super) told_modseq: bool,
    /// Expunged UIDs whose `VANISHED` is due, sent before the next FETCH or EXISTS.
    vanished: Vec<u32>,
}

impl Selected {
    /// The view of a freshly opened mailbox, after SELECT or EXAMINE reported it.
    pub(super) fn new(name: String, read_only: bool, snap: super::super::Snapshot) -> Self {
        Selected {
            name,
            read_only,
            reported_exists: snap.uids.len(),
            reported_recent: snap.recent.len(),
            view: SeqView::new(snap.uids.into_iter().map(Uid).collect()),
            recent: snap.recent.into_iter().map(Uid).collect(),
            pending_expunge: BTreeSet::new(),
            own: Vec::new(),
            cursor: snap.cursor,
            announced: snap.flags,
            saved: Vec::new(),
            rev2: false,
            contexts: Vec::new(),
            condstore: false,
            qresync: false,
            modseqs: false,
            highest_modseq: snap.highest_modseq,
            told_highest: 0,
            told_modseq: false,
            vanished: Vec::new(),
        }
    }

    /// The UIDs the view holds in `lo..=hi`, ascending.
    pub(super) fn uids_between(&self, lo: u32, hi: u32) -> impl Iterator<Item = u32> + '_ {
        self.view.by_uid(lo, hi).map(|(_, u)| u.0)
    }

    /// Every message in the view, in sequence order.
    pub(super) fn messages(&self) -> impl Iterator<Item = (Seq, Uid)> + '_ {
        self.view.iter()
    }

    /// Messages in the view.
    pub(super) fn len(&self) -> usize {
        self.view.len()
    }

    pub(super) fn is_recent(&self, uid: Uid) -> bool {
        !self.rev2 && self.recent.contains(&uid)
    }

    pub(super) fn seq_of(&self, uid: Uid) -> Option<Seq> {
        self.view.seq_of(uid)
    }

    /// Whether an expunge waits to be told (RFC 3501 §7.4.1 forbids it now).
    pub(super) fn has_pending_expunges(&self) -> bool {
        !self.pending_expunge.is_empty()
    }

    /// Whether `uid` is expunged in the store and still in the view, its EXPUNGE due.
    pub(super) fn is_pending_expunge(&self, uid: Uid) -> bool {
        self.pending_expunge.contains(&uid)
    }

    /// The (seq, UID) pairs of a set, by sequence number or by UID, ascending. A sequence
    /// number past the view is `BAD`; UIDs not in the view are skipped (RFC 3501 §6.4.8).
    pub(super) fn resolve(&self, set: &SequenceSet, uid: bool) -> Result<Vec<(Seq, Uid)>, SessionError> {
        if set.is_saved() {
            return Ok(self.saved_messages());
        }
        let mut out = Vec::new();
        if uid {
            let max = self.view.last().map_or(0, |u| u.0);
            for r in set.resolve(max) {
                out.extend(self.view.by_uid(*r.start(), *r.end()));
            }
        } else {
            let max = self.view.len() as u32;
            if set.max_value().is_some_and(|m| m > max) {
                return Err(SessionError::BadSequence);
            }
            for r in set.resolve(max) {
                out.extend(self.view.by_seq(*r.start(), *r.end()));
            }
        }
        Ok(out)
    }

    /// The messages of a sequence set in SEARCH, where numbers past the end match nothing
    /// (RFC 3501 §6.4.4 has no error for them).
    pub(super) fn resolve_clamped(&self, set: &SequenceSet) -> Vec<(Seq, Uid)> {
        if set.is_saved() {
            return self.saved_messages();
        }
        let max = self.view.len() as u32;
        set.resolve(max).into_iter().flat_map(|r| self.view.by_seq(*r.start(), *r.end())).collect()
    }

    /// The messages of `$` still in the view (RFC 5182 §2.1), in sequence order.
    pub(super) fn saved_messages(&self) -> Vec<(Seq, Uid)> {
        self.saved.iter().filter_map(|u| self.seq_of(*u).map(|s| (s, *u))).collect()
    }

    /// Remembers flag changes this session made at `log`.
    pub(super) fn own_changes(&mut self, log: Range<u64>, reported: bool) {
        if !log.is_empty() {
            self.own.push(OwnChanges { log, reported });
        }
    }

    /// Whether the change at `pos` is this session's own, and if so whether its client
    /// was sent it. The ranges are disjoint and ascending (each later store logs later), so
    /// this is a binary search: a whole-mailbox STORE in thousands of steps stays O(log k)
    /// a change.
    fn own_at(&self, pos: u64) -> Option<bool> {
        let k = self.own.partition_point(|o| o.log.end <= pos);
        self.own.get(k).filter(|o| o.log.contains(&pos)).map(|o| o.reported)
    }

    /// The FLAGS items of a FETCH for `uid`.
    pub(super) fn flag_fetch(&self, flags: &[Flag], uid: Uid) -> Vec<FlagFetch> {
        super::flag_fetch(flags, self.is_recent(uid))
    }

    /// Sends `* FLAGS` and `* OK [PERMANENTFLAGS]` first if `flags` holds a keyword the
    /// client was not told of (RFC 3501 §7.2.6).
    fn announce(&mut self, server: &mut Server, flags: impl Iterator<Item = Flag>) -> Result<(), SessionError> {
        let before = self.announced.len();
        for f in flags {
            if matches!(f, Flag::Keyword(_)) && !self.announced.contains(&f) {
                self.announced.push(f);
            }
        }
        if self.announced.len() == before {
            return Ok(());
        }
        server.send_data(Data::Flags(self.announced.clone()))?;
        let perm = permanent_flags(&self.announced, self.read_only);
        untagged_ok(server, Code::PermanentFlags(perm), "Flags permitted")?;
        Ok(())
    }

    /// Sends one FETCH response, announcing its keywords first.
    pub(super) fn send_fetch(
        &mut self,
        server: &mut Server,
        seq: Seq,
        items: Vec<FetchItem>,
    ) -> Result<(), SessionError> {
        self.before_fetch(server, &items)?;
        server.send_data(Data::Fetch { seq: seq.0, items })?;
        Ok(())
    }

    /// [`Selected::send_fetch`] of a FETCH response whose item `items[at]` is a literal of
    /// `len` octets, `streamed`, that follow in pieces ([`Server::begin_fetch_literal`]).
    pub(super) fn send_fetch_head(
        &mut self,
        server: &mut Server,
        seq: Seq,
        items: Vec<FetchItem>,
        at: usize,
        streamed: &crate::codec::StreamedItem,
        len: u64,
    ) -> Result<(), SessionError> {
        self.before_fetch(server, &items)?;
        server.begin_fetch_literal(seq.0, &items[..at], streamed, len, &items[at + 1..])?;
        Ok(())
    }

    /// What goes before a FETCH response: its keywords announced, the due VANISHED, and
    /// the mod-sequences it tells noted.
    fn before_fetch(&mut self, server: &mut Server, items: &[FetchItem]) -> Result<(), SessionError> {
        let keywords = items
            .iter()
            .filter_map(|i| match i {
                FetchItem::Flags(f) => Some(f.iter()),
                _ => None,
            })
            .flatten()
            .filter_map(|f| match f {
                FlagFetch::Flag(f @ Flag::Keyword(_)) => Some(f.clone()),
                _ => None,
            });
        self.announce(server, keywords)?;
        self.flush_vanished(server)?;
        for i in items {
            if let FetchItem::ModSeq(m) = i {
                self.told_modseq = true;
                self.told_highest = self.told_highest.max(*m);
            }
        }
        Ok(())
    }

    /// Sends the due `VANISHED` (RFC 7162 §3.2.10), one set for a run of expunges.
    pub(super) fn flush_vanished(&mut self, server: &mut Server) -> Result<(), SessionError> {
        self.vanished.sort_unstable();
        if let Some(uids) = SequenceSet::from_numbers(&self.vanished) {
            self.vanished.clear();
            server.send_data(Data::Vanished { earlier: false, uids })?;
        }
        Ok(())
    }

    /// Sends EXPUNGE for a message in the view and drops it.
    fn expunge(&mut self, server: &mut Server, uid: Uid) -> Result<(), SessionError> {
        if let Some(seq) = self.seq_of(uid).filter(|s| s.index() < self.reported_exists) {
            if !self.contexts.is_empty() {
                // A REMOVEFROM numbers messages as after the VANISHED before it.
                self.flush_vanished(server)?;
            }
            super::context::before_expunge(&mut self.contexts, server, seq, uid)?;
        }
        let Some(seq) = self.view.remove(uid) else { return Ok(()) };
        self.recent.remove(&uid);
        if seq.index() < self.reported_exists {
            self.reported_exists -= 1;
            if self.qresync && self.modseqs {
                // A run of these goes out as one VANISHED, before anything that
                // numbers messages.
                self.vanished.push(uid.0);
            } else {
                server.send_data(Data::Expunge(seq.0))?;
            }
        }
        Ok(())
    }

    /// Sends EXISTS if the view grew past what the client was told.
    fn report_exists(&mut self, server: &mut Server) -> Result<(), SessionError> {
        self.flush_vanished(server)?;
        if self.view.len() > self.reported_exists {
            self.reported_exists = self.view.len();
            server.send_data(Data::Exists(self.view.len() as u32))?;
        }
        Ok(())
    }
}

/// `PERMANENTFLAGS`: every flag of the mailbox and `\*`, or none when read-only.
pub(super) fn permanent_flags(flags: &[Flag], read_only: bool) -> Vec<FlagPerm> {
    if read_only {
        return Vec::new();
    }
    let mut perm: Vec<FlagPerm> = flags.iter().cloned().map(FlagPerm::Flag).collect();
    perm.push(FlagPerm::Wildcard);
    perm
}

/// `* OK [code] text`.
pub(super) fn untagged_ok(server: &mut Server, code: Code, text: &str) -> Result<(), SessionError> {
    let text = Text::try_from(text).unwrap_or_else(|_| Text::try_from("OK").expect("static text"));
    server.send(&Response::Status { tag: None, status: StatusResponse::new(StatusKind::Ok, Some(code), text) })?;
    Ok(())
}

impl<B: Backend> Session<B> {
    /// Brings the client up to the change log: EXISTS, RECENT, FETCH FLAGS and — unless
    /// [`Sync::NoExpunge`] — EXPUNGE (RFC 3501 §7.4.1 forbids it during FETCH, STORE and
    /// SEARCH by sequence number). A store error ends the session: the view could no
    /// longer be kept true.
    ///
    /// One step reads at most `max` log entries (and never more than [`STEP_CAP`]): it
    /// returns how many, and whether the client is now up to date.
    pub(super) fn sync_step(
        &mut self,
        server: &mut Server,
        mode: Sync,
        max: usize,
    ) -> Result<(usize, bool), SessionError> {
        let allow_expunge = mode != Sync::NoExpunge;
        let max = max.clamp(1, STEP_CAP);
        // After NOTIFY, a FETCH told unasked carries the UID (RFC 5465 §5.1).
        let notify = self.notify.is_some();
        let (Some(sel), Some(user)) = (self.selected.as_mut(), self.user.as_ref()) else { return Ok((0, true)) };
        let batch = match self.backend.changes(user, &sel.name, self.id, sel.cursor, sel.read_only, max) {
            Ok(b) => b,
            Err(_) => {
                server.shutdown(&SessionError::MailboxLost.to_string());
                self.selected = None;
                return Err(SessionError::MailboxLost);
            }
        };
        sel.cursor = batch.cursor;
        let read = batch.changes.len();
        sel.recent.extend(batch.recent.into_iter().map(Uid));
        let mut release = Vec::new();
        if allow_expunge {
            // Highest first, as Dovecot sends a run of EXPUNGEs: the numbers of those still
            // to come do not shift.
            for uid in std::mem::take(&mut sel.pending_expunge).into_iter().rev() {
                sel.expunge(server, uid)?;
                release.push(uid.0);
            }
        }
        // Per UID: the last flag change in the batch, whether another session changed its
        // flags, and whether it goes away in this batch.
        let mut last_flags: HashMap<u32, usize> = HashMap::new();
        let mut foreign: HashSet<u32> = HashSet::new();
        let mut expunged: HashSet<u32> = HashSet::new();
        let keywords = batch.changes.iter().filter_map(|c| match c {
            super::Change::Keyword { flag } => Some(flag.clone()),
            _ => None,
        });
        sel.announce(server, keywords)?;
        // The messages whose search results may change (RFC 5267 §4.3).
        let mut touched: Vec<u32> = Vec::new();
        for (k, c) in batch.changes.iter().enumerate() {
            match c {
                super::Change::Appended { uid } if !sel.contexts.is_empty() => touched.push(*uid),
                super::Change::Flags { uid, .. } => {
                    if !sel.contexts.is_empty() {
                        touched.push(*uid);
                    }
                    last_flags.insert(*uid, k);
                    if sel.own_at(batch.start + k as u64).is_none() {
                        foreign.insert(*uid);
                    }
                }
                super::Change::Expunged { uid } => {
                    expunged.insert(*uid);
                }
                super::Change::Appended { .. } | super::Change::Keyword { .. } => {}
            }
        }
        // A run of expunges goes out highest first (see above).
        let mut run: Vec<Uid> = Vec::new();
        let mut arrived: Vec<u32> = Vec::new();
        let changes = batch.changes.len();
        for (k, change) in batch.changes.into_iter().enumerate() {
            if let super::Change::Expunged { uid } = change {
                run.push(Uid(uid));
                if k + 1 < changes {
                    continue;
                }
            }
            for uid in run.drain(..).rev() {
                if sel.seq_of(uid).is_none() {
                    release.push(uid.0);
                } else if allow_expunge {
                    sel.expunge(server, uid)?;
                    release.push(uid.0);
                } else {
                    sel.pending_expunge.insert(uid);
                }
            }
            match change {
                super::Change::Appended { uid } => {
                    let uid = Uid(uid);
                    if !expunged.contains(&uid.0) && sel.view.can_push(uid) {
                        sel.view.push(uid);
                        arrived.push(uid.0);
                    }
                }
                super::Change::Flags { uid, flags, modseq } => {
                    if last_flags.get(&uid) != Some(&k) {
                        continue; // a later change in this batch says more
                    }
                    if expunged.contains(&uid) && allow_expunge {
                        continue; // its EXPUNGE follows now
                    }
                    match sel.own_at(batch.start + k as u64) {
                        Some(true) => continue,                             // the client was sent it
                        Some(false) if !foreign.contains(&uid) => continue, // .SILENT: it knows
                        _ => {}
                    }
                    let uid = Uid(uid);
                    if sel.pending_expunge.contains(&uid) {
                        continue;
                    }
                    let Some(seq) = sel.seq_of(uid) else { continue };
                    if seq.index() >= sel.reported_exists {
                        sel.report_exists(server)?;
                    }
                    let mut items = Vec::with_capacity(3);
                    if mode == Sync::Uid || sel.rev2 || sel.qresync || notify {
                        items.push(FetchItem::Uid(uid.0));
                    }
                    // RFC 7162 §3.1: MODSEQ once CONDSTORE is on; before FLAGS, as Dovecot.
                    if sel.condstore && sel.modseqs {
                        items.push(FetchItem::ModSeq(modseq));
                    }
                    items.push(FetchItem::Flags(sel.flag_fetch(&flags, uid)));
                    sel.send_fetch(server, seq, items)?;
                }
                super::Change::Expunged { .. } | super::Change::Keyword { .. } => {}
            }
        }
        let cursor = sel.cursor;
        sel.own.retain(|o| o.log.end > cursor);
        if !release.is_empty() {
            self.backend.release(user, &sel.name, self.id, &release);
        }
        sel.report_exists(server)?;
        // Every change up to the cursor is now told, unless an expunge waits.
        if let Some(h) = batch.highest_modseq.filter(|_| sel.pending_expunge.is_empty()) {
            sel.highest_modseq = h;
        }
        if !sel.rev2 && sel.recent.len() != sel.reported_recent {
            sel.reported_recent = sel.recent.len();
            server.send_data(Data::Recent(sel.recent.len() as u32))?;
        }
        self.update_contexts(server, &touched)?;
        // NOTIFY's `MessageNew (atts)`: a FETCH of them after the EXISTS (RFC 5465 §5.2).
        self.notify_new_messages(server, &arrived)?;
        Ok((read, read < max))
    }
}
