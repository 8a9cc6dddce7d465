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

use std::num::NonZeroU32;

use super::{AString, Atom, Date, ModSeqEntry, ObjectId, SequenceSet};

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
    /// `search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer`
    /// (RFC 7162 §3.1.5): messages whose mod-sequence (or that of one flag's metadata
    /// item) is at least `modseq`.
    ModSeq {
        /// `search-modseq-ext = SP entry-name SP entry-type-req`: the flag to look at.
        entry: Option<ModSeqEntry>,
        /// `mod-sequence-valzer`
        modseq: u64,
    },
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
    /// `CONTEXT` (RFC 5267 §4.2): a hint that the criteria will be used again.
    Context,
    /// `UPDATE` (RFC 5267 §4.3): report later changes of the result as `ADDTO` and
    /// `REMOVEFROM`, until the mailbox is closed or `CANCELUPDATE`.
    Update,
    /// `PARTIAL partial-range` (RFC 5267 §4.4, RFC 9394 §3): only the results at these
    /// positions, in mailbox order.
    Partial(PartialRange),
}

impl SearchReturn {
    /// The option's name on the wire (`PARTIAL` without its range).
    pub fn as_str(self) -> &'static str {
        match self {
            SearchReturn::Min => "MIN",
            SearchReturn::Max => "MAX",
            SearchReturn::All => "ALL",
            SearchReturn::Count => "COUNT",
            SearchReturn::Save => "SAVE",
            SearchReturn::Context => "CONTEXT",
            SearchReturn::Update => "UPDATE",
            SearchReturn::Partial(_) => "PARTIAL",
        }
    }
}

/// `partial-range = partial-range-first / partial-range-last` (RFC 9394 §4): positions
/// of SEARCH results in mailbox order, 1 being the first. `a:b` counts from the first
/// result, `-a:-b` from the last (RFC 9394 §3.1); either end may come first (`500:400`
/// is `400:500`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartialRange {
    /// `nz-number ":" nz-number`: counted from the first result.
    First(NonZeroU32, NonZeroU32),
    /// `"-" nz-number ":-" nz-number`: counted from the last result (`-1` is the last).
    Last(NonZeroU32, NonZeroU32),
}

impl PartialRange {
    /// The 0-based positions this range selects out of `n` results (empty if none).
    pub fn select(self, n: usize) -> std::ops::Range<usize> {
        let span = |a: NonZeroU32, b: NonZeroU32| {
            let (lo, hi) = (a.min(b).get() as usize, a.max(b).get() as usize);
            (lo, hi)
        };
        match self {
            PartialRange::First(a, b) => {
                let (lo, hi) = span(a, b);
                (lo - 1).min(n)..hi.min(n)
            }
            PartialRange::Last(a, b) => {
                let (lo, hi) = span(a, b);
                n.saturating_sub(hi)..n.saturating_sub(lo - 1)
            }
        }
    }
}

impl std::fmt::Display for PartialRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PartialRange::First(a, b) => write!(f, "{a}:{b}"),
            PartialRange::Last(a, b) => write!(f, "-{a}:-{b}"),
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
    /// `PARTIAL (partial-range partial-results)` (RFC 5267 §4.4, RFC 9394 §3.1): the
    /// range asked for and the results in it; `None` for `NIL`, when none is.
    Partial {
        /// The range the command asked for.
        range: PartialRange,
        /// The results at those positions.
        results: Option<SequenceSet>,
    },
    /// `ADDTO (context-position sequence-set ...)` (RFC 5267 §4.3.3): results to insert,
    /// each set at its position (0: in mailbox order).
    AddTo(Vec<(u32, SequenceSet)>),
    /// `REMOVEFROM (context-position sequence-set ...)` (RFC 5267 §4.3.4): results to
    /// remove, each set at its position (0: wherever they are).
    RemoveFrom(Vec<(u32, SequenceSet)>),
}
