//! The codec: framing, parsing and encoding (layer 1 of the design).
//!
//! Bytes go through the [`Framer`] into whole messages, then a parser
//! ([`parse_command`]) turns a message into a typed value. The encoder goes the other
//! way, writing into the caller's buffer ([`encode_command`]).
//!
//! For FETCH responses there is also a borrowed view, [`parse_fetch_view`], which reads
//! the message in place without building the owned [`Response`](crate::types::Response).
//! The view's scanner is the one FETCH grammar: `parse_response` builds its owned FETCH
//! from the view's tape (see [`view`]). Every other rule is a nom parser in [`parse`].
//!
//! ```
//! use bytes::BytesMut;
//! use imap_machine::codec::{encode_command, parse_command, EncodeOptions, Framer, FramerEvent,
//!     FramerOptions, Role};
//!
//! let mut framer = Framer::new(Role::Server, FramerOptions::default());
//! framer.handle_input(b"a1 FETCH 1:* (FLAGS UID)\r\n");
//! let Some(FramerEvent::Message(frame)) = framer.poll() else { panic!() };
//! let cmd = parse_command(frame.bytes()).unwrap();
//! let out = encode_command(&cmd, &EncodeOptions::default(), &mut BytesMut::new());
//! assert_eq!(out.to_vec(), b"a1 FETCH 1:* (FLAGS UID)\r\n");
//! ```

pub mod encode;
mod framer;
pub(crate) mod lex;
pub mod parse;
pub mod view;

#[cfg(test)]
mod raw_tests;
#[cfg(test)]
mod tests;

pub use encode::{
    encode_command, encode_fetch_head, encode_fetch_tail, encode_response, encode_response_with, EncodeOptions,
    Encoded, Fragment, LiteralPolicy, StreamedItem,
};
pub use framer::{Frame, FrameError, FrameErrorKind, Framer, FramerEvent, FramerOptions, Role};
pub use parse::{
    parse_authenticate_data, parse_command, parse_idle_done, parse_raw_command, parse_response, parse_tag_prefix,
    AuthenticateData, MalformedResponse, ParseError, ParseErrorKind,
};
pub use view::{
    parse_fetch_view, AddressView, Addresses, BodyExtensionView, BodyParts, BodyStructureView, DispositionView,
    EnvelopeView, Extensions, FetchItemView, FetchMessage, FetchTape, FetchView, FlagView, Flags, Items, MultipartView,
    Params, PartNumbers, SectionTextView, SectionView, SinglePartView, StrView, Strings, TailView,
};
