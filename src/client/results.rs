//! What the adapters' client methods return, once for both: the unsolicited [`Update`]s,
//! a command's [`CommandResponse`], and the UIDPLUS results [`CopyUid`] and
//! [`AppendUid`] (RFC 4315 §3). The functions here turn what the machine attributed to a
//! command into those results, so the blocking and the tokio client answer alike.

use crate::types::{
    Code, Data, FetchItem, FetchItems, Flag, FlagFetch, PartialRange, SearchResult, SeqNumber, Sequence, SequenceSet,
};
use crate::types::{StatusKind, StatusResponse};

use super::view::ViewError;

/// The answer of an extended SEARCH (RFC 4731 §3.1): what was asked of MIN, MAX, COUNT
/// and ALL. MIN, MAX and ALL are `None` when nothing matched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ESearch {
    /// The numbers are UIDs (`UID SEARCH`).
    pub uid: bool,
    /// The lowest match.
    pub min: Option<u32>,
    /// The highest match.
    pub max: Option<u32>,
    /// How many match.
    pub count: Option<u32>,
    /// Every match.
    pub all: Option<SequenceSet>,
    /// The highest mod-sequence of the matches (RFC 7162).
    pub modseq: Option<u64>,
    /// `PARTIAL` (RFC 5267 §4.4, RFC 9394): the range asked for and the matches in it
    /// (`None` when none is).
    pub partial: Option<(PartialRange, Option<SequenceSet>)>,
    /// `ADDTO` (RFC 5267 §4.3.3): matches to insert, each set at its position.
    pub add_to: Vec<(u32, SequenceSet)>,
    /// `REMOVEFROM` (RFC 5267 §4.3.4): matches to remove, each set at its position.
    pub remove_from: Vec<(u32, SequenceSet)>,
}

impl ESearch {
    /// Every match of `ALL`, in the order sent: ascending for a SEARCH, in sort order for
    /// an ESORT (empty if ALL was not asked or nothing matched).
    pub fn numbers(&self) -> Vec<u32> {
        self.all.as_ref().map_or_else(Vec::new, |s| s.in_order(u32::MAX).collect())
    }
}

/// What GETQUOTAROOT and GETQUOTA tell (RFC 9208 §4.2, §4.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QuotaRoots {
    /// The mailbox's quota roots (GETQUOTAROOT); none: no quota applies.
    pub roots: Vec<crate::types::IString>,
    /// Each root told of, with its resources' usage and limits.
    pub quotas: Vec<(crate::types::IString, Vec<crate::types::QuotaUsage>)>,
}

/// Something the server told without being asked: another session's change to the
/// selected mailbox, an alert, a BYE.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Update {
    /// `* n EXISTS`: the mailbox now has `n` messages.
    Exists(u32),
    /// `* n RECENT`
    Recent(u32),
    /// `* n EXPUNGE`: message `n` is gone; later ones moved down by one.
    Expunge(u32),
    /// A message's flags changed.
    Flags {
        /// Sequence number.
        seq: u32,
        /// UID, if the server sent it.
        uid: Option<u32>,
        /// The new flags.
        flags: Vec<FlagFetch>,
    },
    /// `* FLAGS (...)`: the flags defined in the mailbox changed.
    MailboxFlags(Vec<Flag>),
    /// `* VANISHED uids` (RFC 7162 §3.2.10.2, after `ENABLE QRESYNC`): these messages are
    /// gone, and the mailbox has as many fewer (the view follows it).
    Vanished(crate::types::SequenceSet),
    /// `* STATUS` no command asked for: NOTIFY's news of a mailbox that is not selected
    /// (RFC 5465 §5.1–§5.3): messages came, went or changed flags.
    MailboxStatus {
        /// The mailbox.
        mailbox: crate::types::Mailbox,
        /// Its new values.
        items: Vec<(crate::types::StatusItem, u64)>,
    },
    /// `* LIST` no command asked for: NOTIFY's MailboxName or SubscriptionChange (RFC 5465
    /// §5.4, §5.5): a mailbox created, deleted (`\NonExistent`), renamed (its `OLDNAME`
    /// extended item), subscribed or unsubscribed (`\Subscribed`).
    Mailbox(crate::types::ListItem),
    /// `* OK [NOTIFICATIONOVERFLOW]` (RFC 5465 §5.8): the server stopped sending NOTIFY's
    /// events; the client resynchronises and asks again.
    NotificationOverflow,
    /// UIDVALIDITY changed: every cached UID is void.
    UidValidityChanged {
        /// Before.
        old: u32,
        /// Now.
        new: u32,
    },
    /// An untagged `NO`/`BAD`, or `OK [ALERT]`: show it to the user.
    Status(StatusResponse),
    /// `* BYE`: the server is closing the connection.
    Bye(StatusResponse),
    /// Other untagged data no command asked for.
    Data(Data),
    /// A response that did not parse (its raw bytes); the connection goes on.
    Malformed(bytes::Bytes),
    /// Updates were coming faster than they were read, and some were dropped: the
    /// mailbox changed in ways not all reported. Resynchronise (NOOP, SEARCH, FETCH
    /// FLAGS, or SELECT again); the client's mailbox view stays exact.
    MailboxChanged,
    /// The server broke the RFC's rules for the selected mailbox (say, EXISTS shrank
    /// without EXPUNGE), as the client's [`MailboxView`](super::MailboxView) saw it.
    Violation(ViewError),
}

impl Update {
    /// The update that unsolicited `data` is; `None` for what the machine keeps itself
    /// (CAPABILITY) and for a FETCH without FLAGS (nothing changed that a client tracks).
    pub fn from_data(data: Data) -> Option<Update> {
        Some(match data {
            Data::Fetch { seq, items } => {
                let flags = items.flags()?.to_vec();
                Update::Flags { seq: seq.get(), uid: items.uid(), flags }
            }
            Data::Expunge(n) => Update::Expunge(n.get()),
            Data::Exists(n) => Update::Exists(n),
            Data::Recent(n) => Update::Recent(n),
            Data::Flags(f) => Update::MailboxFlags(f),
            Data::Vanished { earlier: false, uids } => Update::Vanished(uids),
            Data::Status { mailbox, items, .. } => Update::MailboxStatus { mailbox, items },
            Data::List(item) => Update::Mailbox(item),
            Data::Capability(_) => return None,
            other => Update::Data(other),
        })
    }

    /// The update an untagged status is, when it is one: `NO`, `BAD`, `OK [ALERT]` and `OK
    /// [NOTIFICATIONOVERFLOW]`.
    /// Other untagged `OK`s carry response codes for the running command.
    pub fn from_status(status: StatusResponse) -> Result<Update, StatusResponse> {
        if status.kind == StatusKind::Ok && matches!(status.code, Some(Code::NotificationOverflow)) {
            return Ok(Update::NotificationOverflow);
        }
        if status.kind != StatusKind::Ok || matches!(status.code, Some(Code::Alert)) {
            Ok(Update::Status(status))
        } else {
            Err(status)
        }
    }
}

/// The tagged status of a command, and the untagged data attributed to it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CommandResponse {
    /// The tagged `OK`.
    pub status: StatusResponse,
    /// Untagged data that answered the command.
    pub data: Vec<Data>,
    /// Response codes of untagged `OK`s that came while it ran (e.g. COPYUID of MOVE).
    pub codes: Vec<Code>,
}

impl CommandResponse {
    /// A response from its parts.
    pub fn new(status: StatusResponse, data: Vec<Data>, codes: Vec<Code>) -> CommandResponse {
        CommandResponse { status, data, codes }
    }

    /// The `COPYUID` of a COPY or MOVE, tagged or untagged (RFC 4315 §3, RFC 6851 §4.3).
    pub fn copy_uid(&self) -> Option<CopyUid> {
        self.codes.iter().chain(self.status.code.as_ref()).find_map(|c| match c {
            Code::CopyUid { uid_validity, source, destination } => {
                Some(CopyUid { uid_validity: *uid_validity, source: source.clone(), destination: destination.clone() })
            }
            _ => None,
        })
    }

    /// The `APPENDUID` of an APPEND (its first UID).
    pub fn append_uid(&self) -> Option<AppendUid> {
        match &self.status.code {
            Some(Code::AppendUid { uid_validity, uids }) => uids.elements().first().and_then(|s| match s {
                Sequence::Single(SeqNumber::Value(n)) | Sequence::Range(SeqNumber::Value(n), _) => {
                    Some(AppendUid { uid_validity: *uid_validity, uid: n.get() })
                }
                _ => None,
            }),
            _ => None,
        }
    }

    /// What `* ENABLED` said the command turned on (RFC 5161 §3.2).
    pub fn enabled(&self) -> Vec<crate::types::Capability> {
        self.data.iter().flat_map(|d| if let Data::Enabled(c) = d { &c[..] } else { &[] }).cloned().collect()
    }

    /// The whole `APPENDUID` of an APPEND of several messages (MULTIAPPEND, RFC 3502; RFC
    /// 4315 §3 `append-uid = uid-set`): the UIDs in the order of the messages.
    pub fn append_uids(&self) -> Option<AppendUids> {
        match &self.status.code {
            Some(Code::AppendUid { uid_validity, uids }) => {
                Some(AppendUids { uid_validity: *uid_validity, uids: uids.clone() })
            }
            _ => None,
        }
    }

    /// The `EXPUNGE` sequence numbers, in the order sent (each relative to the previous).
    pub fn expunged(&self) -> Vec<u32> {
        self.data.iter().filter_map(|d| if let Data::Expunge(n) = d { Some(n.get()) } else { None }).collect()
    }

    /// The numbers of every `SEARCH` response, ascending, without repeats; or, from a
    /// server in IMAP4rev2 mode, which answers SEARCH with ESEARCH (RFC 9051 §6.4.4), the
    /// numbers of its ALL.
    pub fn search_ids(&self) -> Vec<u32> {
        let mut ids = self.numbers(|d| if let Data::Search { ids, .. } = d { Some(ids) } else { None });
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The numbers of a SORT (RFC 5256), in sort order: those of its `SORT` responses, or
    /// of an ESORT's ALL (RFC 5267 §3, in sort order too).
    pub fn sort_ids(&self) -> Vec<u32> {
        self.numbers(|d| if let Data::Sort { ids, .. } = d { Some(ids) } else { None })
    }

    /// The numbers `pick` finds in the data, in order, then those of an ESEARCH's ALL.
    fn numbers(&self, pick: impl Fn(&Data) -> Option<&Vec<u32>>) -> Vec<u32> {
        let mut ids: Vec<u32> = self.data.iter().filter_map(pick).flatten().copied().collect();
        if let Some(e) = self.esearch() {
            ids.extend(e.numbers());
        }
        ids
    }

    /// The answer of a GETQUOTAROOT or GETQUOTA (RFC 9208): the quota roots of its
    /// `QUOTAROOT`, and each `QUOTA`'s root with its resources.
    pub fn quota(&self) -> QuotaRoots {
        let mut out = QuotaRoots::default();
        for d in &self.data {
            match d {
                Data::QuotaRoot { roots, .. } => out.roots.extend(roots.iter().cloned()),
                Data::Quota { root, resources } => out.quotas.push((root.clone(), resources.clone())),
                _ => {}
            }
        }
        out
    }

    /// The URLs of a GENURLAUTH's `GENURLAUTH` responses (RFC 4467 §8), in the order
    /// sent.
    pub fn url_auths(&self) -> Vec<crate::types::IString> {
        self.data
            .iter()
            .filter_map(|d| if let Data::GenUrlAuth(u) = d { Some(u.clone()) } else { None })
            .flatten()
            .collect()
    }

    /// The URLs and data of a URLFETCH's `URLFETCH` responses (RFC 4467 §8), `None` for
    /// NIL, in the order sent.
    pub fn url_fetches(&self) -> Vec<(crate::types::IString, crate::types::UrlFetchData)> {
        self.data
            .iter()
            .filter_map(|d| if let Data::UrlFetch(u) = d { Some(u.clone()) } else { None })
            .flatten()
            .collect()
    }

    /// The entries and values of a GETMETADATA's `METADATA` responses (RFC 5464 §4.2), in
    /// the order sent.
    pub fn metadata(&self) -> Vec<crate::types::MetadataEntry> {
        self.data
            .iter()
            .filter_map(|d| match d {
                Data::Metadata { items: crate::types::MetadataItems::Values(v), .. } => Some(v.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// The threads of a THREAD (RFC 5256), in order.
    pub fn threads(&self) -> Vec<crate::types::Thread> {
        self.data
            .iter()
            .filter_map(|d| if let Data::Thread(t) = d { Some(t.clone()) } else { None })
            .flatten()
            .collect()
    }

    /// The answer of an extended SEARCH (`RETURN (...)`, RFC 4731): its ESEARCH results
    /// merged; `None` if the server sent no ESEARCH (it answered a plain SEARCH).
    pub fn esearch(&self) -> Option<ESearch> {
        let mut out: Option<ESearch> = None;
        for d in &self.data {
            let Data::ESearch { uid, results, .. } = d else { continue };
            let e = out.get_or_insert_with(ESearch::default);
            e.uid |= *uid;
            for r in results {
                match r {
                    SearchResult::Min(n) => e.min = Some(*n),
                    SearchResult::Max(n) => e.max = Some(*n),
                    SearchResult::Count(n) => e.count = Some(*n),
                    SearchResult::All(s) => e.all = Some(s.clone()),
                    SearchResult::ModSeq(n) => e.modseq = Some(*n),
                    SearchResult::Partial { range, results } => e.partial = Some((*range, results.clone())),
                    SearchResult::AddTo(v) => e.add_to.extend(v.iter().cloned()),
                    SearchResult::RemoveFrom(v) => e.remove_from.extend(v.iter().cloned()),
                }
            }
        }
        out
    }

    /// Each FETCH's flags (sequence number, flags), as a STORE answers.
    pub fn stored_flags(&self) -> Vec<(u32, Vec<FlagFetch>)> {
        self.data
            .iter()
            .filter_map(|d| match d {
                Data::Fetch { seq, items } => items.flags().map(|f| (seq.get(), f.to_vec())),
                _ => None,
            })
            .collect()
    }

    /// The FETCH responses (sequence number, items).
    pub fn into_fetches(self) -> impl Iterator<Item = (u32, Vec<FetchItem>)> {
        self.data.into_iter().filter_map(|d| match d {
            Data::Fetch { seq, items } => Some((seq.get(), items)),
            _ => None,
        })
    }
}

/// What COPY or MOVE did, when the server has UIDPLUS (RFC 4315 `COPYUID`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyUid {
    /// UIDVALIDITY of the destination.
    pub uid_validity: u32,
    /// The source UIDs.
    pub source: SequenceSet,
    /// The new UIDs in the destination, in the same order.
    pub destination: SequenceSet,
}

/// Where the messages of a MULTIAPPEND landed, when the server has UIDPLUS (`APPENDUID`
/// with a `uid-set`, RFC 4315 §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendUids {
    /// UIDVALIDITY of the mailbox.
    pub uid_validity: u32,
    /// The new UIDs, in the order of the messages (ranges for consecutive ones).
    pub uids: SequenceSet,
}

/// Where an APPENDed message landed, when the server has UIDPLUS (`APPENDUID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AppendUid {
    /// UIDVALIDITY of the mailbox.
    pub uid_validity: u32,
    /// The message's UID.
    pub uid: u32,
}
