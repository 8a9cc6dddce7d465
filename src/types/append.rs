//! The messages of an extended APPEND: MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469).
//!
//! `UTF8 (~{n}...)` (RFC 6855 §4) is one more form of a message or a part.
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

use bytes::Bytes;

use super::{AString, Capability, CommandBody, DateTime, Flag, Literal, Mailbox};

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

    /// The capabilities a server needs to take an APPEND of `messages`, with their names:
    /// MULTIAPPEND for several (RFC 3502), CATENATE for a message built from parts (RFC
    /// 4469), UTF8=ACCEPT for the UTF8 form (RFC 6855 §4).
    pub fn required_capabilities(messages: &[AppendMessage]) -> Vec<(Capability, &'static str)> {
        let mut caps = Vec::new();
        if messages.len() > 1 {
            caps.push((Capability::MultiAppend, "MULTIAPPEND"));
        }
        let catenate = messages.iter().filter_map(|m| match &m.data {
            AppendData::Catenate(parts) => Some(parts),
            _ => None,
        });
        if catenate.clone().next().is_some() {
            caps.push((Capability::Catenate, "CATENATE"));
        }
        let utf8 = messages.iter().any(|m| matches!(m.data, AppendData::Utf8(_)))
            || catenate.flatten().any(|p| matches!(p, CatPart::Utf8(_)));
        if utf8 {
            caps.push((Capability::Utf8Accept, "UTF8=ACCEPT"));
        }
        caps
    }
}

impl CommandBody {
    /// `APPEND mailbox append-message...` of these messages: [`CommandBody::Append`] for
    /// one message given whole as a literal, [`CommandBody::MultiAppend`] otherwise;
    /// `None` without messages.
    pub fn append_of(mailbox: Mailbox, mut messages: Vec<AppendMessage>) -> Option<CommandBody> {
        match messages.len() {
            0 => None,
            1 if matches!(messages[0].data, AppendData::Literal(_)) => {
                let AppendMessage { flags, date, data } = messages.remove(0);
                let AppendData::Literal(message) = data else { unreachable!("checked above") };
                Some(CommandBody::Append { mailbox, flags, date, message })
            }
            _ => Some(CommandBody::MultiAppend { mailbox, messages }),
        }
    }
}

/// `append-data = literal / literal8 / "CATENATE" SP "(" cat-part *(SP cat-part) ")"`
/// (RFC 4466 §2.1, RFC 3516, RFC 4469 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendData {
    /// The message, as a literal (`~{n}` when binary).
    Literal(Literal),
    /// `utf8-literal = "UTF8" SP "(" literal8 ")"` (RFC 6855 §4): a message whose header
    /// fields may hold UTF-8, always sent as a `literal8`. For a server that advertises
    /// `UTF8=ACCEPT`.
    Utf8(Bytes),
    /// `CATENATE (...)`: the message is the parts put together, in order; never empty.
    Catenate(Vec<CatPart>),
}

/// `cat-part = text-literal / url` (RFC 4469 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CatPart {
    /// `text-literal = "TEXT" SP literal`: these octets.
    Text(Literal),
    /// `cat-part =/ utf8-literal` (RFC 6855 §4): these octets, whose header fields may
    /// hold UTF-8, always sent as a `literal8`.
    Utf8(Bytes),
    /// `url = "URL" SP astring`: the octets of the message or body part an IMAP URL (RFC
    /// 5092) points to, as `FETCH BODY[section]` would give them.
    Url(AString),
}
