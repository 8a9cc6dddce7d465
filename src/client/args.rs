//! The arguments of the adapters' client methods, once for both: a sequence set from a
//! range, a number, a list or text; a mailbox from a UTF-8 name; FETCH attributes and
//! SEARCH criteria from their IMAP text (parsed by the server-side command parser, so the
//! text is exactly what a server accepts). A bad argument is an [`ArgError`] that names the
//! user's text, raised before anything is sent.

use std::num::NonZeroU32;

use bytes::Bytes;

use crate::codec::{parse_command, ParseErrorKind};
use crate::types::{
    CommandBody, FetchAttribute, FetchAttributes, Macro, Mailbox, SearchKey, SeqNumber, Sequence, SequenceSet,
    ValidationError,
};

/// Why a client method's argument cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgError {
    /// A value is not valid for its place (a NUL in a string, a bad sequence set, ...).
    #[error("{what}: {source}")]
    Invalid {
        /// Which argument.
        what: &'static str,
        /// Why.
        source: ValidationError,
    },
    /// Text that is not what the IMAP grammar allows there.
    #[error("{what} {input:?}: at character {at}: {}", reason.as_ref().map_or("it ends too early or has extra text".to_string(), ToString::to_string))]
    Syntax {
        /// Which argument.
        what: &'static str,
        /// The caller's text.
        input: String,
        /// The 1-based character in `input` where it went wrong.
        at: usize,
        /// What was wrong there (`None`: the text ends too early or goes on too long).
        reason: Option<ParseErrorKind>,
    },
    /// Zero given as a message number or UID.
    #[error("0 is not a message number")]
    Zero,
    /// An empty list where one item at least is needed.
    #[error("no {0}")]
    Empty(&'static str),
    /// A TLS server name that is not a DNS name or an IP address.
    #[error("not a valid server name: {0:?}")]
    ServerName(String),
}

fn invalid(what: &'static str, source: ValidationError) -> ArgError {
    ArgError::Invalid { what, source }
}

/// A mailbox argument: a UTF-8 name (`"INBOX"`, `"Entwürfe"`, encoded to modified UTF-7
/// for the wire) or a [`Mailbox`] as LIST returned it.
pub trait IntoMailbox {
    /// The mailbox.
    fn into_mailbox(self) -> Result<Mailbox, ArgError>;
}

impl IntoMailbox for &str {
    fn into_mailbox(self) -> Result<Mailbox, ArgError> {
        Mailbox::from_utf8(self).map_err(|e| invalid("mailbox", e))
    }
}

impl IntoMailbox for &String {
    fn into_mailbox(self) -> Result<Mailbox, ArgError> {
        self.as_str().into_mailbox()
    }
}

impl IntoMailbox for Mailbox {
    fn into_mailbox(self) -> Result<Mailbox, ArgError> {
        Ok(self)
    }
}

impl IntoMailbox for &Mailbox {
    fn into_mailbox(self) -> Result<Mailbox, ArgError> {
        Ok(self.clone())
    }
}

/// A sequence set argument: `"1:*"`, `"2,4:6"` (a `&str`, a `String` or a `&String`), a
/// number, a range (`2..=5` is `2:5`, `100..` is `100:*`), a list of numbers or a
/// [`SequenceSet`].
///
/// ```
/// use imap_machine::client::IntoSequenceSet;
/// let set: String = format!("{}:{}", 1, 10);
/// assert_eq!((&set).into_sequence_set().unwrap().to_string(), "1:10");
/// assert_eq!("1:*".into_sequence_set().unwrap().to_string(), "1:*");
/// assert_eq!(7.into_sequence_set().unwrap().to_string(), "7");
/// assert_eq!((2..=5).into_sequence_set().unwrap().to_string(), "2:5");
/// assert_eq!((100..).into_sequence_set().unwrap().to_string(), "100:*");
/// assert_eq!((&[1, 3, 4][..]).into_sequence_set().unwrap().to_string(), "1,3:4");
/// assert_eq!((&vec![4, 3, 1]).into_sequence_set().unwrap().to_string(), "1,3:4");
/// ```
pub trait IntoSequenceSet {
    /// The set.
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError>;
}

impl IntoSequenceSet for &str {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        self.parse().map_err(|e| invalid("sequence set", e))
    }
}

impl IntoSequenceSet for &String {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        self.as_str().into_sequence_set()
    }
}

impl IntoSequenceSet for String {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        self.as_str().into_sequence_set()
    }
}

impl IntoSequenceSet for SequenceSet {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        Ok(self)
    }
}

impl IntoSequenceSet for &SequenceSet {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        Ok(self.clone())
    }
}

fn nz(n: u32) -> Result<NonZeroU32, ArgError> {
    NonZeroU32::new(n).ok_or(ArgError::Zero)
}

impl IntoSequenceSet for u32 {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        Ok(SequenceSet::single(nz(self)?))
    }
}

impl IntoSequenceSet for std::ops::RangeInclusive<u32> {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        let (a, b) = (nz(*self.start())?, nz(*self.end())?);
        SequenceSet::new(vec![Sequence::Range(SeqNumber::Value(a), SeqNumber::Value(b))])
            .map_err(|e| invalid("sequence set", e))
    }
}

/// `a..` is `a:*`.
impl IntoSequenceSet for std::ops::RangeFrom<u32> {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        let a = nz(self.start)?;
        SequenceSet::new(vec![Sequence::Range(SeqNumber::Value(a), SeqNumber::Asterisk)])
            .map_err(|e| invalid("sequence set", e))
    }
}

impl IntoSequenceSet for &[u32] {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        let mut v = self.to_vec();
        v.sort_unstable();
        v.dedup();
        let mut seqs = Vec::new();
        let mut k = 0;
        while k < v.len() {
            let start = v[k];
            while k + 1 < v.len() && v[k + 1] == v[k] + 1 {
                k += 1;
            }
            let (a, b) = (nz(start)?, nz(v[k])?);
            seqs.push(if a == b {
                Sequence::Single(SeqNumber::Value(a))
            } else {
                Sequence::Range(SeqNumber::Value(a), SeqNumber::Value(b))
            });
            k += 1;
        }
        SequenceSet::new(seqs).map_err(|e| invalid("sequence set", e))
    }
}

impl IntoSequenceSet for &Vec<u32> {
    fn into_sequence_set(self) -> Result<SequenceSet, ArgError> {
        self.as_slice().into_sequence_set()
    }
}

/// Parses `user` as the arguments of `verb` (after `fixed`, arguments the library adds);
/// an error names the user's text and the character in it, not a line the library built.
fn parse_args(verb: &str, what: &'static str, fixed: &str, user: &str) -> Result<CommandBody, ArgError> {
    let prefix = format!("x {verb} {fixed}");
    let line = Bytes::from(format!("{prefix}{user}\r\n"));
    parse_command(&line).map(|c| c.body).map_err(|e| {
        let at = e.offset.saturating_sub(prefix.len());
        let reason = if at >= user.len() { None } else { Some(e.kind) };
        ArgError::Syntax { what, input: user.to_string(), at: at + 1, reason }
    })
}

/// What FETCH asks for: `"(UID FLAGS BODY.PEEK[])"`, `"ALL"`, one attribute, a list,
/// a [`Macro`] or [`FetchAttributes`].
pub trait IntoFetchAttributes {
    /// The attributes.
    fn into_fetch_attributes(self) -> Result<FetchAttributes, ArgError>;
}

impl IntoFetchAttributes for &str {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, ArgError> {
        // `"ENVELOPE FLAGS"` means the list `(ENVELOPE FLAGS)`.
        let text = self.trim();
        let listed;
        let text = if text.contains(char::is_whitespace) && !text.starts_with('(') {
            listed = format!("({text})");
            listed.as_str()
        } else {
            text
        };
        match parse_args("FETCH", "fetch attributes", "1 ", text)? {
            CommandBody::Fetch { attributes, .. } => Ok(attributes),
            _ => Err(ArgError::Empty("fetch attribute")),
        }
    }
}

impl IntoFetchAttributes for FetchAttributes {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, ArgError> {
        Ok(self)
    }
}

impl IntoFetchAttributes for Macro {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, ArgError> {
        Ok(FetchAttributes::Macro(self))
    }
}

impl IntoFetchAttributes for FetchAttribute {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, ArgError> {
        Ok(FetchAttributes::List(vec![self]))
    }
}

impl IntoFetchAttributes for Vec<FetchAttribute> {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, ArgError> {
        if self.is_empty() {
            return Err(ArgError::Empty("fetch attribute"));
        }
        Ok(FetchAttributes::List(self))
    }
}

/// SEARCH criteria: `"UNSEEN FROM smith"`, one [`SearchKey`] or a list (all must match).
pub trait IntoSearchCriteria {
    /// The keys, all of which must match.
    fn into_search_criteria(self) -> Result<Vec<SearchKey>, ArgError>;
}

impl IntoSearchCriteria for &str {
    fn into_search_criteria(self) -> Result<Vec<SearchKey>, ArgError> {
        match parse_args("SEARCH", "search criteria", "", self)? {
            CommandBody::Search { criteria, .. } => Ok(criteria),
            _ => Err(ArgError::Empty("search key")),
        }
    }
}

impl IntoSearchCriteria for SearchKey {
    fn into_search_criteria(self) -> Result<Vec<SearchKey>, ArgError> {
        Ok(vec![self])
    }
}

impl IntoSearchCriteria for Vec<SearchKey> {
    fn into_search_criteria(self) -> Result<Vec<SearchKey>, ArgError> {
        if self.is_empty() {
            return Err(ArgError::Empty("search key"));
        }
        Ok(self)
    }
}

/// METADATA entry names (RFC 5464 §3.2) as strings for GETMETADATA; an empty list or a
/// name that is no string is an error.
pub fn metadata_entries(entries: &[&str]) -> Result<Vec<crate::types::IString>, ArgError> {
    if entries.is_empty() {
        return Err(ArgError::Empty("metadata entry"));
    }
    entries
        .iter()
        .map(|e| {
            crate::types::IString::try_from(e.to_string())
                .map_err(|source| ArgError::Invalid { what: "metadata entry", source })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: impl IntoSequenceSet) -> String {
        s.into_sequence_set().expect("a valid set").to_string()
    }

    #[test]
    fn sequence_set_arguments() {
        let owned = String::from("2,4:6");
        assert_eq!(set(&owned), "2,4:6");
        assert_eq!(set(owned.clone()), "2,4:6");
        assert_eq!(set(owned.as_str()), "2,4:6");
        assert_eq!(set("1:*"), "1:*");
        assert_eq!(set(7), "7");
        assert_eq!(set(2..=5), "2:5");
        assert_eq!(set(100..), "100:*");
        assert_eq!(set(&[1, 3, 4][..]), "1,3:4");
        assert_eq!(set(&vec![4, 3, 1]), "1,3:4");
        let parsed: SequenceSet = "3:4".parse().expect("set");
        assert_eq!(set(&parsed), "3:4");
        assert_eq!(set(parsed), "3:4");
    }

    #[test]
    fn invalid_sequence_set_arguments() {
        assert!(String::from("1:x").into_sequence_set().is_err());
        assert!((&String::new()).into_sequence_set().is_err());
        assert!(0.into_sequence_set().is_err());
        assert!((0..).into_sequence_set().is_err());
        assert!((0..=3).into_sequence_set().is_err());
    }
}
