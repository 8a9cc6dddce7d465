//! The messages of an extended APPEND: MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469).
//!
//! A plain APPEND of one message is [`super::CommandBody::Append`]; an APPEND of several
//! messages, or of a message built with `CATENATE`, is [`super::CommandBody::MultiAppend`]
//! with one [`AppendMessage`] each.
//!
//! ```
//! use imap_machine::types::{AppendData, AppendMessage, CatPart, IString, Literal};
//! let m = AppendMessage {
//!     flags: Vec::new(),
//!     date: None,
//!     data: AppendData::Catenate(vec![
//!         CatPart::Url(IString::try_from("/INBOX;UIDVALIDITY=1/;UID=2").unwrap()),
//!         CatPart::Text(Literal::new(&b"\r\n-- \r\nsig\r\n"[..]).unwrap()),
//!     ]),
//! };
//! assert!(matches!(m.data, AppendData::Catenate(_)));
//! ```

use super::{AString, DateTime, Flag, Literal};

/// `append-message = [SP flag-list] [SP date-time] SP append-data` (RFC 3502 §6, RFC 4466
/// §2.1): one message of an APPEND.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendMessage {
    /// Flags to set; may be empty.
    pub flags: Vec<Flag>,
    /// Internal date to set.
    pub date: Option<DateTime>,
    /// The message, or the parts it is built from.
    pub data: AppendData,
}

impl AppendMessage {
    /// A message given whole, without flags or date.
    pub fn literal(message: Literal) -> Self {
        AppendMessage { flags: Vec::new(), date: None, data: AppendData::Literal(message) }
    }
}

/// `append-data = literal / literal8 / "CATENATE" SP "(" cat-part *(SP cat-part) ")"`
/// (RFC 4466 §2.1, RFC 3516, RFC 4469 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendData {
    /// The message, as a literal (`~{n}` when binary).
    Literal(Literal),
    /// `CATENATE (...)`: the message is the parts put together, in order; never empty.
    Catenate(Vec<CatPart>),
}

/// `cat-part = text-literal / url` (RFC 4469 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatPart {
    /// `text-literal = "TEXT" SP literal`: these octets.
    Text(Literal),
    /// `url = "URL" SP astring`: the octets of the message or body part an IMAP URL (RFC
    /// 5092) points to, as `FETCH BODY[section]` would give them.
    Url(AString),
}
