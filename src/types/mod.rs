//! Owned, validated protocol values, backed by [`bytes::Bytes`] and free of lifetimes.
//!
//! A value that exists is valid: constructors check the RFC 3501 §9 grammar, so every
//! value can be encoded, and `parse(encode(x)) == x`.
//!
//! ```
//! use imap_machine::types::{Flag, SequenceSet};
//! let set: SequenceSet = "1:3,*".parse().unwrap();
//! assert_eq!(set.iter(5).count(), 4);
//! assert_eq!(Flag::parse("\\seen").unwrap(), Flag::Seen);
//! ```

pub(crate) mod chars;

mod append;
mod body;
mod capability;
mod command;
mod condstore;
mod datetime;
mod envelope;
mod fetch;
mod fetch_items;
mod flag;
mod imap_url;
mod list;
mod mailbox;
mod metadata;
mod notify;
mod objectid;
mod quota;
mod raw;
mod response;
mod search;
mod seqset;
mod small;
mod sort;
mod state;
mod string;
mod urlauth;

#[cfg(test)]
pub(crate) use crate::testing::strategies;

pub use append::{AppendData, AppendMessage, CatPart};
pub use body::{
    BodyExtension, BodyFields, BodyStructure, Disposition, ExtensionTail, MultipartExtension, SinglePartExtension,
    SpecificFields,
};
pub use capability::{AuthMechanism, Capability};
pub use command::{Command, CommandBody, Secret, StatusItem, StoreKind};
pub use condstore::{EntryType, ModSeqEntry, QResync, SelectParam, SeqMatch};
pub(crate) use datetime::{date_prefix, date_time_fields, date_time_prefix, month_number, DateTimeFields};
pub use datetime::{Date, DateTime};
pub use envelope::{Address, Envelope};
pub use fetch::{FetchAttribute, FetchAttributes, FetchModifier, Macro, Partial, Section, SectionText};
pub use fetch_items::FetchItems;
pub use flag::Flag;
pub use imap_url::{ImapUrl, UrlAccess, UrlAuth, UrlError};
pub use list::{ListExtendedItem, ListOptionExtension, ListOptions, ListReturnOption, ListSelectOption};
pub use mailbox::{ListMailbox, Mailbox};
pub use metadata::{MetadataCode, MetadataDepth, MetadataEntry, MetadataItems, MetadataOptions};
pub use notify::{EventGroup, FilterMailboxes, Notify, NotifyEvent};
pub use objectid::{ObjectId, MAX_OBJECT_ID_LEN};
pub use quota::{QuotaResource, QuotaUsage};
pub use raw::{RawArg, RawCommand, RawCommandError};
pub(crate) use response::ends_like_literal;
pub use response::{
    Code, Continue, Data, FetchItem, FlagFetch, FlagPerm, ListAttribute, ListItem, NamespaceDescription, Response,
    Rfc5530Code, StatusKind, StatusResponse, Text,
};
pub use search::{PartialRange, SearchKey, SearchResult, SearchReturn};
pub use seqset::{SeqNumber, Sequence, SequenceSet};
pub use sort::{SortCriterion, SortKey, Thread, ThreadAlgorithm};
pub use state::State;
pub(crate) use string::{quoted_needs_no_escape, string_form, MAX_QUOTED_LEN};
pub use string::{AString, Atom, IString, Literal, LiteralMode, NString, StringForm, StringPosition, Tag};
pub use urlauth::{UrlFetchArg, UrlFetchBody, UrlFetchData, UrlFetchParam, UrlMech};

/// Why a value can't be built: it would not be valid on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A tag must be one or more ASTRING-CHARs other than `+`.
    #[error("not a valid tag")]
    Tag,
    /// An atom must be one or more ATOM-CHARs.
    #[error("not a valid atom")]
    Atom,
    /// A flag must be an atom or a backslash and an atom.
    #[error("not a valid flag")]
    Flag,
    /// IMAP4rev1 strings and literals can't carry NUL.
    #[error("NUL byte in a string")]
    Nul,
    /// A sequence set needs at least one element.
    #[error("empty sequence set")]
    EmptySequenceSet,
    /// A sequence set must be numbers, `*`, `:` and `,`.
    #[error("not a valid sequence set")]
    SequenceSet,
    /// A date-time must be a 4-digit year and a whole-minute zone.
    #[error("not a valid date-time")]
    DateTime,
    /// A date must be `d-Mon-yyyy`.
    #[error("not a valid date")]
    Date,
    /// Response text must be non-empty, without CR, LF or NUL, and must not end like a
    /// literal announcement (`{5}`).
    #[error("not valid response text")]
    Text,
    /// An object identifier must be 1 to 255 letters, digits, `_` or `-` (RFC 8474 §7).
    #[error("not a valid object identifier")]
    ObjectId,
    /// A `SEARCH MODSEQ` entry name must be `/flags/` and a flag (RFC 7162 §7
    /// `entry-flag-name`).
    #[error("not a valid entry name")]
    EntryName,
}

/// Text from the wire as UTF-8: as is when it is UTF-8, else decoded as Windows-1252 (the
/// superset of Latin-1 that mail software means when it sends 8-bit text). Never fails
/// and never loses a byte's meaning.
pub(crate) fn decode_text(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(b).0,
    }
}
