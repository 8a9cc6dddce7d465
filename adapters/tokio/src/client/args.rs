//! Conversions for the arguments of the client's methods.

use std::num::NonZeroU32;

use bytes::Bytes;
use imap_machine::codec::parse_command;
use imap_machine::types::{
    CommandBody, FetchAttribute, FetchAttributes, Macro, Mailbox, SearchKey, SeqNumber, Sequence, SequenceSet,
};

use crate::Error;

fn invalid(what: &str, e: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("{what}: {e}"))
}

/// A mailbox argument: a UTF-8 name (`"INBOX"`, `"Entwürfe"`, encoded to modified UTF-7
/// for the wire) or a [`Mailbox`] as LIST returned it.
pub trait IntoMailbox {
    /// The mailbox.
    fn into_mailbox(self) -> Result<Mailbox, Error>;
}

impl IntoMailbox for &str {
    fn into_mailbox(self) -> Result<Mailbox, Error> {
        Mailbox::from_utf8(self).map_err(|e| invalid("mailbox", e))
    }
}

impl IntoMailbox for &String {
    fn into_mailbox(self) -> Result<Mailbox, Error> {
        self.as_str().into_mailbox()
    }
}

impl IntoMailbox for Mailbox {
    fn into_mailbox(self) -> Result<Mailbox, Error> {
        Ok(self)
    }
}

impl IntoMailbox for &Mailbox {
    fn into_mailbox(self) -> Result<Mailbox, Error> {
        Ok(self.clone())
    }
}

/// A sequence set argument: `"1:*"`, `"2,4:6"` (a `&str`, a `String` or a `&String`), a
/// number, a range (`2..=5` is `2:5`, `100..` is `100:*`), a list of numbers or a
/// [`SequenceSet`].
///
/// ```no_run
/// # async fn f(client: &imap_machine_tokio::Client) -> Result<(), imap_machine_tokio::Error> {
/// let set: String = format!("{}:{}", 1, 10);
/// client.uid_fetch(&set, "(FLAGS)").await?;
/// client.uid_fetch(set, "(FLAGS)").await?;
/// client.uid_fetch("1:*", "(FLAGS)").await?;
/// client.uid_fetch(7, "(FLAGS)").await?;
/// client.uid_fetch(2..=5, "(FLAGS)").await?;
/// client.uid_fetch(100.., "(FLAGS)").await?;
/// client.uid_fetch(&[1, 3, 4][..], "(FLAGS)").await?;
/// client.uid_fetch(&vec![1, 3, 4], "(FLAGS)").await?;
/// # Ok(())
/// # }
/// ```
pub trait IntoSequenceSet {
    /// The set.
    fn into_sequence_set(self) -> Result<SequenceSet, Error>;
}

impl IntoSequenceSet for &str {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        self.parse().map_err(|e| invalid("sequence set", e))
    }
}

impl IntoSequenceSet for &String {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        self.as_str().into_sequence_set()
    }
}

impl IntoSequenceSet for String {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        self.as_str().into_sequence_set()
    }
}

impl IntoSequenceSet for SequenceSet {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        Ok(self)
    }
}

impl IntoSequenceSet for &SequenceSet {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        Ok(self.clone())
    }
}

fn nz(n: u32) -> Result<NonZeroU32, Error> {
    NonZeroU32::new(n).ok_or_else(|| Error::InvalidArgument("0 is not a message number".into()))
}

impl IntoSequenceSet for u32 {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        Ok(SequenceSet::single(nz(self)?))
    }
}

impl IntoSequenceSet for std::ops::RangeInclusive<u32> {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        let (a, b) = (nz(*self.start())?, nz(*self.end())?);
        SequenceSet::new(vec![Sequence::Range(SeqNumber::Value(a), SeqNumber::Value(b))])
            .map_err(|e| invalid("sequence set", e))
    }
}

/// `a..` is `a:*`.
impl IntoSequenceSet for std::ops::RangeFrom<u32> {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        let a = nz(self.start)?;
        SequenceSet::new(vec![Sequence::Range(SeqNumber::Value(a), SeqNumber::Asterisk)])
            .map_err(|e| invalid("sequence set", e))
    }
}

impl IntoSequenceSet for &[u32] {
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
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
    fn into_sequence_set(self) -> Result<SequenceSet, Error> {
        self.as_slice().into_sequence_set()
    }
}

/// Parses `rest` as the arguments of a command `verb`, through the core's command
/// parser (so the text is exactly what a server would accept).
/// Parses `user` as the arguments of `verb` (after `fixed`, arguments the library adds);
/// an error names the user's text and the character in it, not a line the library built.
fn parse_args(verb: &str, what: &str, fixed: &str, user: &str) -> Result<CommandBody, Error> {
    let prefix = format!("x {verb} {fixed}");
    let line = Bytes::from(format!("{prefix}{user}\r\n"));
    parse_command(&line).map(|c| c.body).map_err(|e| {
        let at = e.offset.saturating_sub(prefix.len());
        let why = if at >= user.len() { "it ends too early or has extra text".to_string() } else { e.kind.to_string() };
        Error::InvalidArgument(format!("{what} {user:?}: at character {}: {why}", at + 1))
    })
}

/// What FETCH asks for: `"(UID FLAGS BODY.PEEK[])"`, `"ALL"`, one attribute, a list,
/// a [`Macro`] or [`FetchAttributes`].
pub trait IntoFetchAttributes {
    /// The attributes.
    fn into_fetch_attributes(self) -> Result<FetchAttributes, Error>;
}

impl IntoFetchAttributes for &str {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, Error> {
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
            _ => Err(Error::InvalidArgument("fetch attributes".into())),
        }
    }
}

impl IntoFetchAttributes for FetchAttributes {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, Error> {
        Ok(self)
    }
}

impl IntoFetchAttributes for Macro {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, Error> {
        Ok(FetchAttributes::Macro(self))
    }
}

impl IntoFetchAttributes for FetchAttribute {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, Error> {
        Ok(FetchAttributes::List(vec![self]))
    }
}

impl IntoFetchAttributes for Vec<FetchAttribute> {
    fn into_fetch_attributes(self) -> Result<FetchAttributes, Error> {
        if self.is_empty() {
            return Err(Error::InvalidArgument("no fetch attribute".into()));
        }
        Ok(FetchAttributes::List(self))
    }
}

/// SEARCH criteria: `"UNSEEN FROM smith"`, one [`SearchKey`] or a list (all must match).
pub trait IntoSearchCriteria {
    /// The keys, all of which must match.
    fn into_search_criteria(self) -> Result<Vec<SearchKey>, Error>;
}

impl IntoSearchCriteria for &str {
    fn into_search_criteria(self) -> Result<Vec<SearchKey>, Error> {
        match parse_args("SEARCH", "search criteria", "", self)? {
            CommandBody::Search { criteria, .. } => Ok(criteria),
            _ => Err(Error::InvalidArgument("search criteria".into())),
        }
    }
}

impl IntoSearchCriteria for SearchKey {
    fn into_search_criteria(self) -> Result<Vec<SearchKey>, Error> {
        Ok(vec![self])
    }
}

impl IntoSearchCriteria for Vec<SearchKey> {
    fn into_search_criteria(self) -> Result<Vec<SearchKey>, Error> {
        if self.is_empty() {
            return Err(Error::InvalidArgument("no search key".into()));
        }
        Ok(self)
    }
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
