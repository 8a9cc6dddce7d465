//! Mailbox names and LIST patterns (RFC 3501 §5.1, §5.1.3).
//!
//! A name travels in modified UTF-7; the API speaks UTF-8. The value keeps the wire bytes,
//! so a name that is not valid modified UTF-7 (some clients send raw 8-bit) still round
//! trips and can be answered with a precise NO. `INBOX` is canonical in any case.
//!
//! ```
//! use imap_machine::types::Mailbox;
//! assert_eq!(Mailbox::from_utf8("inbox").unwrap(), Mailbox::Inbox);
//! let m = Mailbox::from_utf8("Entwürfe").unwrap();
//! assert_eq!(m.as_wire(), b"Entw&APw-rfe");
//! assert_eq!(m.to_utf8().unwrap(), "Entwürfe");
//! ```

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

use super::{IString, ValidationError};
use crate::mutf7::{self, Mutf7Error};

/// A mailbox name: `mailbox = "INBOX" / astring` (RFC 3501 §9).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mailbox {
    /// The INBOX, however it was spelled.
    Inbox,
    /// Any other name, as wire bytes (modified UTF-7 when well formed).
    Other(IString),
}

impl Mailbox {
    /// A mailbox from its wire bytes; `INBOX` in any case becomes [`Mailbox::Inbox`].
    pub fn from_wire(name: IString) -> Self {
        if name.as_bytes().eq_ignore_ascii_case(b"INBOX") {
            Mailbox::Inbox
        } else {
            Mailbox::Other(name)
        }
    }

    /// A mailbox from a UTF-8 name, encoded to modified UTF-7.
    pub fn from_utf8(name: &str) -> Result<Self, ValidationError> {
        let wire = mutf7::encode(name);
        let bytes = match wire {
            Cow::Borrowed(s) => Bytes::copy_from_slice(s.as_bytes()),
            Cow::Owned(s) => Bytes::from(s),
        };
        Ok(Self::from_wire(IString::try_from(bytes)?))
    }

    /// The wire bytes (`INBOX` for the inbox).
    pub fn as_wire(&self) -> &[u8] {
        match self {
            Mailbox::Inbox => b"INBOX",
            Mailbox::Other(s) => s.as_bytes(),
        }
    }

    /// The name as UTF-8, decoding modified UTF-7.
    pub fn to_utf8(&self) -> Result<Cow<'_, str>, Mutf7Error> {
        mutf7::decode(self.as_wire())
    }

    /// Whether this is the INBOX.
    pub fn is_inbox(&self) -> bool {
        matches!(self, Mailbox::Inbox)
    }

    /// This value, read as a name from a peer that speaks UTF-8 names (after `ENABLE
    /// IMAP4rev2` or `UTF8=ACCEPT`, RFC 9051 §5.1, RFC 6855 §3), in the canonical modified
    /// UTF-7 form. A name that is not UTF-8 stays as it came, to be refused by name.
    pub fn from_utf8_peer(self) -> Self {
        match self {
            Mailbox::Other(s) => match std::str::from_utf8(s.as_bytes()) {
                Ok(text) => Self::from_utf8(text).unwrap_or(Mailbox::Other(s)),
                Err(_) => Mailbox::Other(s),
            },
            inbox => inbox,
        }
    }
}

impl fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mailbox::Inbox => f.write_str("Inbox"),
            Mailbox::Other(s) => write!(f, "Mailbox({:?})", s.to_str_lossy()),
        }
    }
}

impl TryFrom<&str> for Mailbox {
    type Error = ValidationError;
    /// Same as [`Mailbox::from_utf8`].
    fn try_from(s: &str) -> Result<Self, ValidationError> {
        Self::from_utf8(s)
    }
}

/// A LIST/LSUB pattern: `list-mailbox = 1*list-char / string` (RFC 3501 §9), which may
/// hold the wildcards `*` and `%`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListMailbox(IString);

impl ListMailbox {
    /// A pattern from its wire bytes.
    pub fn from_wire(pattern: IString) -> Self {
        ListMailbox(pattern)
    }

    /// A pattern from UTF-8 text, encoded to modified UTF-7 (wildcards pass through).
    pub fn from_utf8(pattern: &str) -> Result<Self, ValidationError> {
        let wire = mutf7::encode(pattern).into_owned();
        Ok(ListMailbox(IString::try_from(wire)?))
    }

    /// The wire bytes.
    pub fn as_wire(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The pattern as an [`IString`].
    pub fn as_istring(&self) -> &IString {
        &self.0
    }

    /// A pattern from a peer that speaks UTF-8 names, in modified UTF-7 (as
    /// [`Mailbox::from_utf8_peer`]).
    pub fn from_utf8_peer(self) -> Self {
        match std::str::from_utf8(self.0.as_bytes()) {
            Ok(text) => Self::from_utf8(text).unwrap_or(self),
            Err(_) => self,
        }
    }
}

impl fmt::Debug for ListMailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ListMailbox({:?})", self.0.to_str_lossy())
    }
}

impl TryFrom<&str> for ListMailbox {
    type Error = ValidationError;
    fn try_from(s: &str) -> Result<Self, ValidationError> {
        Self::from_utf8(s)
    }
}
