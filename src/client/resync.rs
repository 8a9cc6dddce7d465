//! Resynchronising a mailbox from a saved state, with one code path for the caller: QRESYNC
//! when the server offers it (RFC 7162 §3.2.5, one round trip), else CONDSTORE (§3.1:
//! `CHANGEDSINCE`, and a UID SEARCH for what vanished), else a plain `UID FETCH 1:*
//! (FLAGS)` compared with the saved UIDs (RFC 4549 §4.3).
//!
//! [`Resyncer`] is sans-I/O like the rest of the client: it hands out the commands to run
//! and takes their answers; the adapters drive it (`Client::resync` in both).
//!
//! ```
//! use imap_machine::client::{ResyncMethod, Resyncer, SyncState};
//! use imap_machine::types::{Capability, Mailbox};
//! let saved = SyncState { uid_validity: 7, highest_modseq: Some(90), uids: vec![1, 2, 5] };
//! let caps = [Capability::Enable, Capability::CondStore, Capability::QResync];
//! let mut r = Resyncer::new(Mailbox::Inbox, saved, &caps, &[]);
//! assert_eq!(r.method(), ResyncMethod::QResync);
//! assert_eq!(r.next_command().map(|c| c.name()), Some("ENABLE"));
//! ```

use super::{CommandResponse, SelectedMailbox};
use crate::types::{
    Capability, CommandBody, Data, FetchAttribute, FetchAttributes, FetchItem, FetchModifier, Flag, FlagFetch, Mailbox,
    QResync, SearchKey, SelectParam, SequenceSet,
};

/// What a client keeps of a mailbox between sessions to resynchronise it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncState {
    /// UIDVALIDITY when it was saved; 0 when nothing was saved (the first sync, which
    /// returns every message).
    pub uid_validity: u32,
    /// HIGHESTMODSEQ when it was saved; `None` if the server gave none (NOMODSEQ, or no
    /// CONDSTORE): the resync then compares every message's flags.
    pub highest_modseq: Option<u64>,
    /// The UIDs the client holds, ascending.
    pub uids: Vec<u32>,
}

/// How a resync asks the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResyncMethod {
    /// `SELECT (QRESYNC (...))` (RFC 7162 §3.2.5).
    QResync,
    /// `SELECT (CONDSTORE)`, `UID FETCH 1:* (FLAGS) (CHANGEDSINCE n)`, `UID SEARCH ALL`.
    CondStore,
    /// `SELECT`, `UID FETCH 1:* (FLAGS)`.
    Full,
}

/// A message that is new or whose flags may have changed since the saved state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageChange {
    /// Its UID.
    pub uid: u32,
    /// Its flags now (without `\Recent`).
    pub flags: Vec<Flag>,
    /// Its mod-sequence, when the server keeps them.
    pub modseq: Option<u64>,
}

/// What changed since a saved state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resync {
    /// UIDVALIDITY changed (RFC 3501 §2.3.1.1): every saved UID is void; fetch the
    /// mailbox anew. The mailbox is selected.
    StartOver {
        /// The new UIDVALIDITY.
        uid_validity: u32,
    },
    /// The changes, and the state to save now.
    Changes(Changes),
}

/// The changes since a saved state (see [`Resync::Changes`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changes {
    /// How they were asked for.
    pub method: ResyncMethod,
    /// New messages and those whose flags changed, ascending by UID. With
    /// [`ResyncMethod::Full`] it is every message (the server cannot tell which changed).
    pub changed: Vec<MessageChange>,
    /// Saved UIDs that are gone, ascending.
    pub vanished: Vec<u32>,
    /// The state to save: the UIDs the mailbox holds now.
    pub state: SyncState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Enable,
    Select,
    Fetch,
    Search,
    Done,
}

/// Drives one resync (see the module docs): call [`Resyncer::next_command`], run the
/// command, pass its answer to [`Resyncer::answer`], until there is no next command;
/// then [`Resyncer::finish`].
#[derive(Debug)]
pub struct Resyncer {
    mailbox: Mailbox,
    saved: SyncState,
    method: ResyncMethod,
    step: Step,
    /// UIDVALIDITY and HIGHESTMODSEQ of the selected mailbox.
    uid_validity: Option<u32>,
    highest_modseq: Option<u64>,
    changed: Vec<MessageChange>,
    vanished: Vec<u32>,
    /// The UIDs the mailbox holds, when a command listed them all.
    live: Option<Vec<u32>>,
    /// The server offers CONDSTORE (the way down if ENABLE QRESYNC is refused).
    condstore: bool,
}

impl Resyncer {
    /// A resync of `mailbox` from `saved`, with the method the server's `capabilities`
    /// allow; `enabled` is what ENABLE already turned on.
    pub fn new(mailbox: Mailbox, saved: SyncState, capabilities: &[Capability], enabled: &[Capability]) -> Self {
        let has = |c: &Capability| capabilities.contains(c);
        let known = saved.uid_validity != 0 && saved.highest_modseq.is_some();
        let method = if known && has(&Capability::QResync) && has(&Capability::Enable) {
            ResyncMethod::QResync
        } else if known && has(&Capability::CondStore) {
            ResyncMethod::CondStore
        } else {
            ResyncMethod::Full
        };
        let condstore = has(&Capability::CondStore);
        let step = if method == ResyncMethod::QResync && !enabled.contains(&Capability::QResync) {
            Step::Enable
        } else {
            Step::Select
        };
        Resyncer {
            mailbox,
            saved,
            method,
            step,
            uid_validity: None,
            highest_modseq: None,
            changed: Vec::new(),
            vanished: Vec::new(),
            live: None,
            condstore,
        }
    }

    /// The method chosen.
    pub fn method(&self) -> ResyncMethod {
        self.method
    }

    /// The next command to run; `None` when the resync is complete.
    pub fn next_command(&mut self) -> Option<CommandBody> {
        Some(match self.step {
            Step::Enable => CommandBody::Enable { capabilities: vec![Capability::QResync] },
            Step::Select => {
                let params = match (self.method, std::num::NonZeroU32::new(self.saved.uid_validity)) {
                    (ResyncMethod::QResync, Some(uid_validity)) => vec![SelectParam::QResync(QResync {
                        uid_validity,
                        mod_seq: self.saved.highest_modseq.unwrap_or(0),
                        // None: every UID below UIDNEXT, so new messages come too.
                        known_uids: None,
                        seq_match: None,
                    })],
                    // Without a saved mod-sequence, CONDSTORE still tells HIGHESTMODSEQ, to save.
                    (ResyncMethod::Full, _) if !self.condstore => Vec::new(),
                    _ => vec![SelectParam::CondStore],
                };
                CommandBody::Select { mailbox: self.mailbox.clone(), params }
            }
            Step::Fetch => {
                let modifiers = match (self.method, self.saved.highest_modseq) {
                    (ResyncMethod::Full, _) | (_, None) => Vec::new(),
                    (_, Some(n)) => vec![FetchModifier::ChangedSince(n)],
                };
                CommandBody::Fetch {
                    set: SequenceSet::all(),
                    attributes: FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]),
                    uid: true,
                    modifiers,
                }
            }
            Step::Search => CommandBody::Search { ret: None, charset: None, criteria: vec![SearchKey::All], uid: true },
            Step::Done => return None,
        })
    }

    /// Takes the answer of the command [`Resyncer::next_command`] gave, and the mailbox the
    /// client has selected after it.
    pub fn answer(&mut self, response: &CommandResponse, selected: Option<&SelectedMailbox>) {
        self.take_data(&response.data);
        self.step = match self.step {
            Step::Enable => {
                if !response.enabled().contains(&Capability::QResync) {
                    self.method = if self.condstore { ResyncMethod::CondStore } else { ResyncMethod::Full };
                }
                Step::Select
            }
            Step::Select => {
                self.uid_validity = selected.and_then(|s| s.uid_validity);
                self.highest_modseq = selected.and_then(|s| s.highest_modseq);
                if self.starts_over() {
                    Step::Done
                } else {
                    match self.method {
                        ResyncMethod::QResync if self.highest_modseq.is_some() => Step::Done,
                        // Nothing changed, nothing was expunged: both raise HIGHESTMODSEQ.
                        ResyncMethod::CondStore if self.highest_modseq == self.saved.highest_modseq => Step::Done,
                        // A mailbox without mod-sequences (NOMODSEQ): compare everything.
                        ResyncMethod::QResync | ResyncMethod::CondStore if self.highest_modseq.is_none() => {
                            self.method = ResyncMethod::Full;
                            Step::Fetch
                        }
                        _ => Step::Fetch,
                    }
                }
            }
            Step::Fetch if self.method == ResyncMethod::CondStore => Step::Search,
            Step::Fetch => {
                self.live = Some(self.changed.iter().map(|c| c.uid).collect());
                Step::Done
            }
            Step::Search => {
                self.live = Some(response.search_ids());
                Step::Done
            }
            Step::Done => Step::Done,
        };
        if let (Step::Done, Some(h)) = (self.step, selected.and_then(|s| s.highest_modseq)) {
            // The client machine follows MODSEQs and HIGHESTMODSEQ codes (RFC 7162 §6).
            self.highest_modseq = Some(h);
        }
    }

    /// Collects FETCH (UID FLAGS [MODSEQ]) and VANISHED (EARLIER) data.
    fn take_data(&mut self, data: &[Data]) {
        for d in data {
            match d {
                Data::Fetch { items, .. } => {
                    let (mut uid, mut flags, mut modseq) = (None, None, None);
                    for i in items {
                        match i {
                            FetchItem::Uid(u) => uid = Some(*u),
                            FetchItem::Flags(f) => {
                                flags = Some(
                                    f.iter()
                                        .filter_map(|f| match f {
                                            FlagFetch::Flag(f) => Some(f.clone()),
                                            FlagFetch::Recent => None,
                                        })
                                        .collect(),
                                )
                            }
                            FetchItem::ModSeq(m) => modseq = Some(*m),
                            _ => {}
                        }
                    }
                    if let (Some(uid), Some(flags)) = (uid, flags) {
                        self.changed.push(MessageChange { uid, flags, modseq });
                    }
                }
                Data::Vanished { earlier: true, uids } => {
                    let top = self.saved.uids.last().copied().unwrap_or(0);
                    self.vanished.extend(self.saved.uids.iter().copied().filter(|u| uids.contains(*u, top)));
                }
                _ => {}
            }
        }
    }

    /// Whether the saved UIDs are void: UIDVALIDITY changed. A state with UIDVALIDITY 0
    /// saved nothing (the first sync), so nothing starts over.
    fn starts_over(&self) -> bool {
        self.saved.uid_validity != 0 && self.uid_validity != Some(self.saved.uid_validity)
    }

    /// What changed, once [`Resyncer::next_command`] gives `None`.
    pub fn finish(mut self) -> Resync {
        let uid_validity = self.uid_validity.unwrap_or(0);
        if self.starts_over() {
            return Resync::StartOver { uid_validity };
        }
        self.changed.sort_by_key(|c| c.uid);
        self.changed.dedup_by(|later, earlier| {
            // One entry a UID: the last told wins.
            let same = later.uid == earlier.uid;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        let uids = match self.live.take() {
            Some(mut live) => {
                live.sort_unstable();
                live.dedup();
                self.vanished = self.saved.uids.iter().copied().filter(|u| live.binary_search(u).is_err()).collect();
                live
            }
            None => {
                self.vanished.sort_unstable();
                self.vanished.dedup();
                let mut uids: Vec<u32> =
                    self.saved.uids.iter().copied().filter(|u| self.vanished.binary_search(u).is_err()).collect();
                uids.extend(self.changed.iter().map(|c| c.uid));
                uids.sort_unstable();
                uids.dedup();
                uids
            }
        };
        let state = SyncState { uid_validity, highest_modseq: self.highest_modseq, uids };
        Resync::Changes(Changes { method: self.method, changed: self.changed, vanished: self.vanished, state })
    }
}
