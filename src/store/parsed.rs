//! The parse a store keeps beside a message, made once at APPEND: ENVELOPE, BODY and
//! BODYSTRUCTURE (RFC 3501 §7.4.2) and where the header ends. With it, FETCH of those
//! items neither reads nor parses the message again, so BODYSTRUCTURE costs what
//! ENVELOPE costs — what mail-client authors ask of a server, since clients fetch both
//! for every message they list.

use bytes::Bytes;

use crate::mime::Message;
use crate::types::{BodyStructure, Envelope};

/// A message's cached parse ([`crate::store::MessageData::parsed`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedMessage {
    /// ENVELOPE.
    pub envelope: Envelope,
    /// BODY: the structure without extension data.
    pub body: BodyStructure,
    /// BODYSTRUCTURE: the structure with extension data.
    pub body_structure: BodyStructure,
    /// The length of the header, its blank line included (RFC822.HEADER, `BODY[HEADER]`):
    /// the body text starts here.
    pub header_len: u32,
}

impl ParsedMessage {
    /// Parses `message` (as [`Message::parse`] does, bare LFs served as CRLF). The
    /// strings share `message`'s buffer: a store that keeps the message in memory pays
    /// only for the structure.
    pub fn of(message: &Bytes) -> ParsedMessage {
        ParsedMessage::from_message(&Message::parse(message.clone()))
    }

    /// The parse of an already parsed message.
    pub fn from_message(m: &Message) -> ParsedMessage {
        ParsedMessage {
            envelope: m.envelope(),
            body: m.body_structure(false),
            body_structure: m.body_structure(true),
            header_len: u32::try_from(m.root().header_bytes().len()).unwrap_or(u32::MAX),
        }
    }
}
