//! # imap-machine
//!
//! A sans-I/O IMAP4rev1 library (RFC 3501, with the IMAP4rev2-era extensions listed in
//! the README): a codec for every command and response, and — in later layers — client
//! and server state machines and a mail-store engine. The core does no I/O, reads no
//! clock and spawns nothing; adapters in separate crates drive sockets around it.
//!
//! ## Layers
//! - [`types`]: owned, validated protocol values, backed by [`bytes::Bytes`].
//! - [`codec`]: the [`codec::Framer`] (bytes → whole messages), the parsers (messages →
//!   values, zero-copy) and the encoder (values → the caller's buffer).
//! - [`mutf7`]: modified UTF-7 for mailbox names.
//!
//! ## The run-loop contract
//! Every machine in this crate has the same shape. Feed it with `handle_*` calls, then
//! drain its outputs — `poll_*` until each says there is nothing more — before waiting for
//! more input. The [`codec::Framer`] follows it already: after
//! [`codec::Framer::handle_input`], call [`codec::Framer::poll`] until it returns `None`.
//!
//! ```
//! use imap_machine::codec::{parse_command, Framer, FramerEvent, FramerOptions, Role};
//! use imap_machine::types::CommandBody;
//!
//! let mut framer = Framer::new(Role::Server, FramerOptions::default());
//! framer.handle_input(b"a1 NOOP\r\na2 LOGOUT\r\n");
//! let mut names = Vec::new();
//! while let Some(event) = framer.poll() {
//!     if let FramerEvent::Message(frame) = event {
//!         names.push(parse_command(frame.bytes()).unwrap().body.name());
//!     }
//! }
//! assert_eq!(names, ["NOOP", "LOGOUT"]);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod codec;
pub mod mime;
pub mod mutf7;
pub mod server;
pub mod store;
pub mod tap;
pub mod testing;
pub mod types;
