//! Parsers over framed messages, with nom, one file per protocol area.
//!
//! Each function is named after the ABNF rule it implements and quotes the rule. Parsers
//! run on a whole framed message (see [`crate::codec::Framer`]), so they never see a
//! partial input; strings and literals come out as zero-copy slices of the message.
//!
//! ```
//! use bytes::Bytes;
//! use imap_machine::codec::parse_command;
//! use imap_machine::types::CommandBody;
//! let cmd = parse_command(&Bytes::from_static(b"a1 SELECT inbox\r\n")).unwrap();
//! assert!(matches!(cmd.body, CommandBody::Select { .. }));
//! let err = parse_command(&Bytes::from_static(b"a1 SELECT\r\n")).unwrap_err();
//! assert_eq!(err.to_string(), "at byte 9: expected SP");
//! ```

pub(crate) mod body;
mod command;
pub(crate) mod core;
mod fetch;
mod input;
pub(crate) mod lenient;
mod list;
pub(crate) mod message;
#[cfg(test)]
mod quirks;
mod response;
mod search;

use bytes::Bytes;

pub(crate) use input::In;
pub use input::{ParseError, ParseErrorKind};

use crate::types::{Command, Response, Secret, Tag};

/// Parses one framed command message (ending in CRLF).
pub fn parse_command(message: &Bytes) -> Result<Command, ParseError> {
    core::all_consuming(message, command::command)
}

/// A response that did not parse: the error and the raw message, so nothing is lost.
/// The framer already delimited it, so the stream goes on with the next message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed response {error}")]
pub struct MalformedResponse {
    /// Where and why parsing stopped.
    pub error: ParseError,
    /// The whole framed message.
    pub raw: Bytes,
}

/// Parses one framed response message, leniently (see `QUIRKS.md`).
pub fn parse_response(message: &Bytes) -> Result<Response, MalformedResponse> {
    core::all_consuming(message, response::response).map_err(|error| MalformedResponse { error, raw: message.clone() })
}

/// The tag at the start of a message that failed to parse, so a server can answer with a
/// tagged BAD; `None` if not even the tag is valid (then the answer is `* BAD`).
pub fn parse_tag_prefix(message: &Bytes) -> Option<Tag> {
    let (rest, tag) = core::tag(In::new(message)).ok()?;
    (rest.first() == Some(b' ')).then_some(tag)
}

/// A client line inside an AUTHENTICATE exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthenticateData {
    /// A (decoded) response to the last challenge.
    Response(Secret<Bytes>),
    /// `*`: the client cancels the exchange.
    Cancel,
}

/// Parses one client line of an AUTHENTICATE exchange (`base64 CRLF` or `"*" CRLF`).
pub fn parse_authenticate_data(line: &Bytes) -> Result<AuthenticateData, ParseError> {
    core::all_consuming(line, command::authenticate_data).map(|d| match d {
        Some(b) => AuthenticateData::Response(Secret::new(b)),
        None => AuthenticateData::Cancel,
    })
}

/// Parses the `DONE` line that ends IDLE (RFC 2177).
pub fn parse_idle_done(line: &Bytes) -> Result<(), ParseError> {
    core::all_consuming(line, command::idle_done)
}
