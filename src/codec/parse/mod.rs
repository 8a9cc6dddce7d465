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

mod append;
mod command;
mod condstore;
pub(crate) mod core;
pub(crate) mod fetch;
mod input;
pub(crate) mod lenient;
mod list;
mod metadata;
mod notify;
#[cfg(test)]
mod quirks;
mod quota;
mod raw;
mod response;
mod search;
mod sort;
mod urlauth;

use bytes::Bytes;

pub(crate) use input::In;
pub use input::{ParseError, ParseErrorKind};

use crate::types::{Command, Response, Secret, Tag};

/// Parses one framed command message (ending in CRLF).
pub fn parse_command(message: &Bytes) -> Result<Command, ParseError> {
    core::all_consuming(message, command::command)
}

/// Parses one framed command message as a raw command, whatever its name: the tag, the
/// name, and the arguments as text and literal pieces ([`crate::types::RawCommand`]).
/// The server machine uses it for the extension commands registered in
/// [`ServerOptions::extensions`](crate::server::ServerOptions::extensions) (which
/// [`parse_command`] refuses as unknown); a proxy can use it to pass any command through.
/// It encodes back byte for byte.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use imap_machine::codec::{encode_command, parse_raw_command, EncodeOptions};
/// use imap_machine::types::CommandBody;
/// let wire = Bytes::from_static(b"a1 XECHO hi {2+}\r\nyo there\r\n");
/// let cmd = parse_raw_command(&wire).unwrap();
/// let CommandBody::Raw(raw) = &cmd.body else { panic!() };
/// assert_eq!(raw.name().as_str(), "XECHO");
/// assert_eq!(raw.args().len(), 3);
/// let mut buf = BytesMut::new();
/// assert_eq!(encode_command(&cmd, &EncodeOptions::default(), &mut buf).to_vec(), &wire[..]);
/// ```
pub fn parse_raw_command(message: &Bytes) -> Result<Command, ParseError> {
    core::all_consuming(message, raw::raw_command)
}

/// Parses what follows a streamed message literal of an APPEND up to the end of the
/// command: `*append-message CRLF` (RFC 3502 §6), without the tag and mailbox.
pub(crate) fn parse_append_rest(message: &Bytes) -> Result<Vec<crate::types::AppendMessage>, ParseError> {
    core::all_consuming(message, |i| {
        let (i, messages) = append::append_messages(i)?;
        let (i, ()) = core::crlf(i)?;
        Ok((i, messages))
    })
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
    let parsed = if response::is_fetch(message) {
        // Straight to the FETCH grammar, the one `message-data` would pick.
        crate::codec::view::owned_fetch_response(message)
    } else {
        core::all_consuming(message, response::response)
    };
    parsed.map_err(|error| MalformedResponse { error, raw: message.clone() })
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
