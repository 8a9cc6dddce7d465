//! SEARCH in the store (RFC 3501 §6.4.4): what a session asks of [`Backend::search`]
//! ([`SearchQuery`]), the default answer ([`search_by_fetching`]: the matcher over
//! fetched messages), and an evaluator over what a store keeps beside a message
//! ([`SearchQuery::matches_meta`]), for a store that answers from its index.
//!
//! ```
//! use std::convert::Infallible;
//! use imap_machine::store::search::{MessageMeta, SearchQuery};
//! use imap_machine::types::{DateTime, Flag, SearchKey};
//!
//! /// One message of a store's index.
//! struct Indexed { flags: Vec<Flag>, size: u32 }
//!
//! impl MessageMeta for Indexed {
//!     type Error = Infallible;
//!     fn has_flag(&mut self, flag: &Flag) -> bool { self.flags.contains(flag) }
//!     fn size(&mut self) -> Result<u32, Infallible> { Ok(self.size) }
//!     fn internal_date(&mut self) -> Result<DateTime, Infallible> {
//!         Ok(DateTime::parse("01-Jan-2024 00:00:00 +0000").unwrap())
//!     }
//! }
//!
//! let criteria = [SearchKey::Flagged, SearchKey::Larger(100)];
//! let uids = [3, 7];
//! let query = SearchQuery::new(&uids, &criteria);
//! assert!(!query.needs_message());
//! let mut seven = Indexed { flags: vec![Flag::Flagged], size: 120 };
//! assert_eq!(query.matches_meta(1, &mut seven), Ok(true));
//! ```

use chrono::NaiveDate;
use encoding_rs::Encoding;

use super::{fetch, Backend, SessionId, StoreError};
use crate::types::{DateTime, Flag, SearchKey};

/// A SEARCH over some messages of one session's view, as [`Backend::search`] gets it.
///
/// The session narrows the view by the top-level sequence and UID sets first, then asks
/// in steps of at most its step budget ([`super::Session::set_step`]); each step is one
/// query. `\Recent` is per session (RFC 3501 §2.3.2), so the session says which messages
/// are recent for it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct SearchQuery<'a> {
    /// The messages to test, by UID, ascending (the session's sequence order).
    pub uids: &'a [u32],
    /// Their sequence numbers in the session's view, one for each of `uids` (for
    /// sequence-set keys); `None`: `uids` is the whole view, `uids[k]` being message
    /// `k + 1`.
    pub seqs: Option<&'a [u32]>,
    /// The keys; a message matches when every one does.
    pub criteria: &'a [SearchKey],
    /// The highest sequence number of the view, which `*` in a sequence set stands for.
    pub max_seq: u32,
    /// The highest UID of the view, which `*` in `UID` stands for.
    pub max_uid: u32,
    /// The UIDs among `uids` that are `\Recent` in this session, ascending (for RECENT,
    /// NEW and OLD).
    pub recent: &'a [u32],
    /// The charset of the key strings (SEARCH CHARSET; UTF-8 without one).
    pub charset: &'static Encoding,
    /// The server's current time, for OLDER and YOUNGER (RFC 5032), from
    /// [`Backend::now`]; `None`: they match nothing.
    pub now: Option<DateTime>,
}

impl<'a> SearchQuery<'a> {
    /// A query over `uids` as a whole view: `uids[k]` is message `k + 1`, `*` is the last
    /// message, none is `\Recent`, the key strings are UTF-8. Change the fields for more.
    pub fn new(uids: &'a [u32], criteria: &'a [SearchKey]) -> Self {
        SearchQuery {
            uids,
            seqs: None,
            criteria,
            max_seq: uids.len() as u32,
            max_uid: uids.last().copied().unwrap_or(0),
            recent: &[],
            charset: encoding_rs::UTF_8,
            now: None,
        }
    }

    /// The sequence number of `uids[k]`.
    pub fn seq(&self, k: usize) -> u32 {
        match self.seqs {
            Some(seqs) => seqs.get(k).copied().unwrap_or(0),
            None => k as u32 + 1,
        }
    }

    /// Whether `uid` is `\Recent` in the session.
    pub fn is_recent(&self, uid: u32) -> bool {
        self.recent.binary_search(&uid).is_ok()
    }

    /// Whether a key reads the message itself (its header or body), so that a store must
    /// fetch it; otherwise [`SearchQuery::matches_meta`] answers from the flags, size and
    /// INTERNALDATE alone.
    pub fn needs_message(&self) -> bool {
        self.criteria.iter().any(needs_message)
    }

    /// Whether `uids[k]` matches every key, from what `meta` tells of it: the same
    /// answer the matcher gives, for criteria that need no message text. Call it only
    /// when not [`SearchQuery::needs_message`]: a key that reads the message never matches
    /// here. `meta`'s size and date are asked for only when a key needs them.
    pub fn matches_meta<M: MessageMeta>(&self, k: usize, meta: &mut M) -> Result<bool, M::Error> {
        debug_assert!(!self.needs_message(), "matches_meta with keys that read the message");
        let Some(&uid) = self.uids.get(k) else { return Ok(false) };
        let one = One { seq: self.seq(k), uid, recent: self.is_recent(uid) };
        for key in self.criteria {
            if !self.eval(key, &one, meta)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn eval<M: MessageMeta>(&self, key: &SearchKey, one: &One, meta: &mut M) -> Result<bool, M::Error> {
        use SearchKey as K;
        Ok(match key {
            K::All => true,
            K::Answered => meta.has_flag(&Flag::Answered),
            K::Deleted => meta.has_flag(&Flag::Deleted),
            K::Draft => meta.has_flag(&Flag::Draft),
            K::Flagged => meta.has_flag(&Flag::Flagged),
            K::Seen => meta.has_flag(&Flag::Seen),
            K::Unanswered => !meta.has_flag(&Flag::Answered),
            K::Undeleted => !meta.has_flag(&Flag::Deleted),
            K::Undraft => !meta.has_flag(&Flag::Draft),
            K::Unflagged => !meta.has_flag(&Flag::Flagged),
            K::Unseen => !meta.has_flag(&Flag::Seen),
            K::Keyword(k) => meta.has_flag(&Flag::Keyword(k.clone())),
            K::Unkeyword(k) => !meta.has_flag(&Flag::Keyword(k.clone())),
            K::New => one.recent && !meta.has_flag(&Flag::Seen),
            K::Old => !one.recent,
            K::Recent => one.recent,
            K::Before(d) => day_of(&meta.internal_date()?) < d.as_chrono(),
            K::On(d) => day_of(&meta.internal_date()?) == d.as_chrono(),
            K::Since(d) => day_of(&meta.internal_date()?) >= d.as_chrono(),
            K::SavedBefore(d) => day_of(&saved(meta)?) < d.as_chrono(),
            K::SavedOn(d) => day_of(&saved(meta)?) == d.as_chrono(),
            K::SavedSince(d) => day_of(&saved(meta)?) >= d.as_chrono(),
            K::SaveDateSupported => meta.save_date()?.is_some(),
            K::EmailId(id) => meta.email_id()?.as_ref() == Some(id),
            K::ThreadId(_) => false,
            // One mod-sequence a message: the entry names no separate item (RFC 7162
            // §3.1.5 lets a server without per-flag mod-sequences use the message's).
            K::ModSeq { modseq, .. } => meta.modseq()? >= *modseq,
            K::Older(n) => crate::mime::within(true, *n, &meta.internal_date()?, self.now.as_ref()),
            K::Younger(n) => crate::mime::within(false, *n, &meta.internal_date()?, self.now.as_ref()),
            K::Larger(n) => meta.size()? > *n,
            K::Smaller(n) => meta.size()? < *n,
            K::Uid(set) => set.contains(one.uid, self.max_uid),
            K::SequenceSet(set) => set.contains(one.seq, self.max_seq),
            K::Not(k) => !self.eval(k, one, meta)?,
            K::Or(a, b) => self.eval(a, one, meta)? || self.eval(b, one, meta)?,
            K::And(keys) => {
                for k in keys {
                    if !self.eval(k, one, meta)? {
                        return Ok(false);
                    }
                }
                true
            }
            K::Bcc(_)
            | K::Body(_)
            | K::Cc(_)
            | K::From(_)
            | K::Header(..)
            | K::SentBefore(_)
            | K::SentOn(_)
            | K::SentSince(_)
            | K::Subject(_)
            | K::Text(_)
            | K::To(_) => false,
        })
    }
}

/// The save date of a message, or its INTERNALDATE where the store keeps none (RFC 8514
/// §4.3, as the matcher has it).
fn saved<M: MessageMeta>(meta: &mut M) -> Result<DateTime, M::Error> {
    match meta.save_date()? {
        Some(d) => Ok(d),
        None => meta.internal_date(),
    }
}

/// The message [`SearchQuery::matches_meta`] is at.
struct One {
    seq: u32,
    uid: u32,
    recent: bool,
}

/// The day of an INTERNALDATE in its own zone, as the matcher compares it.
fn day_of(d: &DateTime) -> NaiveDate {
    d.as_chrono().date_naive()
}

/// What a store knows of one message without reading it, for
/// [`SearchQuery::matches_meta`]. The size and date are asked for only when a key needs
/// them, so a store may look them up then (a `stat`), and fail.
pub trait MessageMeta {
    /// Why the size or date could not be had.
    type Error;
    /// Whether the message has `flag`: a system flag or a keyword, the same as by
    /// [`Flag`]'s `==` (keywords case-insensitively). Never asked for `\Recent`.
    fn has_flag(&mut self, flag: &Flag) -> bool;
    /// RFC822.SIZE, as [`Backend::fetch`] gives it.
    fn size(&mut self) -> Result<u32, Self::Error>;
    /// INTERNALDATE.
    fn internal_date(&mut self) -> Result<DateTime, Self::Error>;
    /// The save date (RFC 8514), `None` if the store keeps none (the default).
    fn save_date(&mut self) -> Result<Option<DateTime>, Self::Error> {
        Ok(None)
    }
    /// The EMAILID (RFC 8474), `None` if the store gives none (the default).
    fn email_id(&mut self) -> Result<Option<crate::types::ObjectId>, Self::Error> {
        Ok(None)
    }
    /// Its mod-sequence (RFC 7162 §3.1.3), 0 if the store keeps none (the default).
    fn modseq(&mut self) -> Result<u64, Self::Error> {
        Ok(0)
    }
}

/// Whether evaluating `key` reads the message itself (its header, body or sent date),
/// rather than only what a store keeps beside it (flags, UID, sequence number, size,
/// INTERNALDATE) and the session's `\Recent`.
pub fn needs_message(key: &SearchKey) -> bool {
    use SearchKey as K;
    match key {
        K::Bcc(_)
        | K::Body(_)
        | K::Cc(_)
        | K::From(_)
        | K::Header(..)
        | K::SentBefore(_)
        | K::SentOn(_)
        | K::SentSince(_)
        | K::Subject(_)
        | K::Text(_)
        | K::To(_) => true,
        K::Not(k) => needs_message(k),
        K::Or(a, b) => needs_message(a) || needs_message(b),
        K::And(keys) => keys.iter().any(needs_message),
        K::All
        | K::Answered
        | K::Deleted
        | K::Draft
        | K::Flagged
        | K::Seen
        | K::Unanswered
        | K::Undeleted
        | K::Undraft
        | K::Unflagged
        | K::Unseen
        | K::Keyword(_)
        | K::Unkeyword(_)
        | K::New
        | K::Old
        | K::Recent
        | K::Before(_)
        | K::On(_)
        | K::Since(_)
        | K::Larger(_)
        | K::Smaller(_)
        | K::Older(_)
        | K::Younger(_)
        | K::SavedBefore(_)
        | K::SavedOn(_)
        | K::SavedSince(_)
        | K::SaveDateSupported
        | K::EmailId(_)
        | K::ThreadId(_)
        | K::ModSeq { .. }
        | K::Uid(_)
        | K::SequenceSet(_) => false,
    }
}

/// The default [`Backend::search`]: reads the messages with [`Backend::fetch_meta`] when
/// no key needs the message itself ([`SearchQuery::needs_message`]), with
/// [`Backend::fetch`] otherwise, and runs the matcher ([`crate::mime::matches`]) over each.
/// A message the store no longer has does not match. A store that overrides `search`
/// calls it for the criteria its index cannot answer.
pub fn search_by_fetching<B: Backend + ?Sized>(
    backend: &B,
    user: &B::User,
    name: &str,
    session: SessionId,
    query: &SearchQuery<'_>,
) -> Result<Vec<u32>, StoreError> {
    let data = if query.needs_message() {
        backend.fetch(user, name, session, query.uids)?
    } else {
        backend.fetch_meta(user, name, session, query.uids)?
    };
    let mut hits = Vec::new();
    for (k, (uid, msg)) in query.uids.iter().zip(data).enumerate() {
        let Some(msg) = msg else { continue };
        let input = fetch::SearchInput {
            seq: query.seq(k),
            max_seq: query.max_seq,
            max_uid: query.max_uid,
            recent: query.is_recent(*uid),
            decoder: &query.charset,
            now: query.now,
        };
        if fetch::matches(&msg, query.criteria, &input) {
            hits.push(*uid);
        }
    }
    Ok(hits)
}
