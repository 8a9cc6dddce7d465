//! SEARCH keys (RFC 3501 §6.4.4).
//!
//! A SEARCH command carries a list of keys that must all match; `(...)` groups keys the
//! same way, `OR` and `NOT` combine them.
//!
//! ```
//! use imap_machine::types::{SearchKey, IString};
//! let key = SearchKey::Or(
//!     Box::new(SearchKey::From(IString::from_static("smith"))),
//!     Box::new(SearchKey::Not(Box::new(SearchKey::Seen))),
//! );
//! assert!(matches!(key, SearchKey::Or(..)));
//! ```

use super::{AString, Atom, Date, ObjectId, SequenceSet};

/// `search-key` (RFC 3501 §9). String arguments are `astring`s in the command's CHARSET.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SearchKey {
    /// `ALL`
    All,
    /// `ANSWERED`
    Answered,
    /// `BCC astring`
    Bcc(AString),
    /// `BEFORE date` (internal date)
    Before(Date),
    /// `BODY astring`
    Body(AString),
    /// `CC astring`
    Cc(AString),
    /// `DELETED`
    Deleted,
    /// `DRAFT`
    Draft,
    /// `FLAGGED`
    Flagged,
    /// `FROM astring`
    From(AString),
    /// `HEADER header-fld-name astring`
    Header(AString, AString),
    /// `KEYWORD flag-keyword`
    Keyword(Atom),
    /// `LARGER number`
    Larger(u32),
    /// `NEW` (recent and unseen)
    New,
    /// `NOT search-key`
    Not(Box<SearchKey>),
    /// `OLD` (not recent)
    Old,
    /// `ON date` (internal date)
    On(Date),
    /// `OR search-key search-key`
    Or(Box<SearchKey>, Box<SearchKey>),
    /// `RECENT`
    Recent,
    /// `SEEN`
    Seen,
    /// `SENTBEFORE date` (Date: header)
    SentBefore(Date),
    /// `SENTON date`
    SentOn(Date),
    /// `SENTSINCE date`
    SentSince(Date),
    /// `SINCE date` (internal date)
    Since(Date),
    /// `SMALLER number`
    Smaller(u32),
    /// `SUBJECT astring`
    Subject(AString),
    /// `TEXT astring` (header or body)
    Text(AString),
    /// `TO astring`
    To(AString),
    /// `UID sequence-set`
    Uid(SequenceSet),
    /// `UNANSWERED`
    Unanswered,
    /// `UNDELETED`
    Undeleted,
    /// `UNDRAFT`
    Undraft,
    /// `UNFLAGGED`
    Unflagged,
    /// `UNKEYWORD flag-keyword`
    Unkeyword(Atom),
    /// `UNSEEN`
    Unseen,
    /// `OLDER nz-number` (RFC 5032): INTERNALDATE at least this many seconds before the
    /// server's now.
    Older(u32),
    /// `YOUNGER nz-number` (RFC 5032): INTERNALDATE at most this many seconds before the
    /// server's now.
    Younger(u32),
    /// `SAVEDBEFORE date` (RFC 8514 §4.3): save date before the day.
    SavedBefore(Date),
    /// `SAVEDON date` (RFC 8514 §4.3): save date on the day.
    SavedOn(Date),
    /// `SAVEDSINCE date` (RFC 8514 §4.3): save date on or after the day.
    SavedSince(Date),
    /// `SAVEDATESUPPORTED` (RFC 8514 §4.3): every message, if the mailbox keeps save dates.
    SaveDateSupported,
    /// `EMAILID objectid` (RFC 8474 §6)
    EmailId(ObjectId),
    /// `THREADID objectid` (RFC 8474 §6)
    ThreadId(ObjectId),
    /// A bare `sequence-set` of message sequence numbers.
    SequenceSet(SequenceSet),
    /// `"(" search-key *(SP search-key) ")"`: all must match; never empty.
    And(Vec<SearchKey>),
}

/// `search-return-opt` (RFC 4731 §3.1): what an extended SEARCH (`SEARCH RETURN (...)`)
/// returns in its `ESEARCH` response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SearchReturn {
    /// `MIN`: the lowest matching number.
    Min,
    /// `MAX`: the highest matching number.
    Max,
    /// `ALL`: every match, as a sequence set.
    All,
    /// `COUNT`: how many match.
    Count,
    /// `SAVE` (RFC 5182 §2.1): keep the result as `$` for later commands.
    Save,
}

impl SearchReturn {
    /// The option's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchReturn::Min => "MIN",
            SearchReturn::Max => "MAX",
            SearchReturn::All => "ALL",
            SearchReturn::Count => "COUNT",
            SearchReturn::Save => "SAVE",
        }
    }
}

/// `search-return-data` (RFC 4731 §3.1): one result of an `ESEARCH` response.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SearchResult {
    /// `MIN nz-number`
    Min(u32),
    /// `MAX nz-number`
    Max(u32),
    /// `ALL sequence-set`
    All(SequenceSet),
    /// `COUNT number`
    Count(u32),
    /// `MODSEQ mod-sequence-value` (RFC 7162 §3.1.5)
    ModSeq(u64),
}
