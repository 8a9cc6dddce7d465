//! # imap-machine
//!
//! A sans-I/O IMAP library (IMAP4rev1, RFC 3501, with the extensions listed in the
//! README) for building clients and servers. The core does no I/O, reads no clock and
//! spawns nothing: bytes and time go in, events and bytes come out. Adapters in separate
//! crates (`imap-machine-tokio`, `imap-machine-blocking`) drive sockets and TLS around it;
//! any other event loop can do the same (see the run-loop contract below).
//!
//! ## Modules
//! - [`types`]: owned, validated protocol values backed by [`bytes::Bytes`]: tags,
//!   strings, mailboxes, sequence sets, dates, commands, responses, envelopes, body
//!   structures.
//! - [`codec`]: the [`codec::Framer`] (bytes → whole messages, with limits), the parsers
//!   (messages → values, zero-copy; strict for commands, lenient for responses) and the
//!   encoder (values → the caller's buffer).
//! - [`client`]: the client machine, [`client::Client`]: tags, pipelining, literals,
//!   AUTHENTICATE, IDLE, STARTTLS, and which command each untagged response answers.
//! - [`server`]: the server machine, [`server::Server`]: states, literals within limits,
//!   AUTHENTICATE, IDLE, autologout; it asks its embedder to answer each command.
//! - [`store`]: the mail-store engine behind a server: the [`store::Backend`] trait, the
//!   per-connection [`store::Session`] (per-session sequence view, updates across
//!   sessions, long commands in bounded steps) and the in-memory backend.
//! - [`mime`]: message analysis: MIME tree, ENVELOPE, BODYSTRUCTURE, sections, BINARY,
//!   RFC 2047/2231, SEARCH matching.
//! - [`mutf7`]: modified UTF-7 for mailbox names (RFC 3501 §5.1.3).
//! - [`tap`]: a debug log of both directions with every secret redacted.
//! - [`testing`]: an in-memory client–server [`testing::Pair`] with a fake clock and
//!   chunking; with the `proptest` feature, the backend conformance suite.
//!
//! ## The run-loop contract
//! Every machine here ([`codec::Framer`], [`client::Client`], [`server::Server`]) has the
//! same shape, and an embedder drives it the same way:
//!
//! 1. **Input.** Give it what arrived: `handle_input(bytes)` (any chunking: the same events
//!    come out however the bytes are split), `handle_eof()` when the peer closed, and
//!    `handle_timeout(now)` when the deadline of `poll_timeout()` has passed. `now` is
//!    the embedder's clock; the machines never read one.
//! 2. **Drain, in this order, after every `handle_*` call and every command sent:**
//!    `poll_event()` until `None` (acting on each event may queue more output, e.g. a
//!    store session answering a server's command), then `poll_transmit(buf)` (or
//!    `poll_transmit_bytes()`) until there is nothing more, writing it to the socket.
//! 3. **Wait** for the socket to be readable (and writable, while output is pending) or
//!    for `poll_timeout()`, whichever comes first; then go to 1.
//!
//! A machine that meets a fatal error (an injection after STARTTLS, a framing error it
//! cannot recover from, a closed connection) reports it once as a `ConnectionLost` event
//! and stays in that state: every later call fails or does nothing, and the embedder
//! closes the socket once the output is flushed. A server that says `* BYE` reports
//! `Closed`. A store [`store::Session`] with a step budget adds one rule: while
//! [`store::Session::has_work`], call [`store::Session::resume`] once the output has
//! drained ([`server::Server::has_transmit`] is false), yielding to other connections in
//! between.
//!
//! The framer follows the contract too:
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
//!
//! ## Adding commands (the extension point)
//! Commands this crate does not ship (an IMAP extension's, or an `X` command of RFC 3501
//! §9 `x-command`) travel raw: a [`types::RawCommand`] is a name and its arguments as
//! text and literal pieces, each literal with its announcement (`{n}`, `{n+}`, `~{n}`),
//! so it encodes back byte for byte ([`codec::parse_raw_command`]).
//! - Client: send [`types::CommandBody::Raw`]; the untagged data named after the command
//!   (or after a name declared with [`types::RawCommand::answered_by`]) is attributed to
//!   it in [`client::Event::Data`]; the adapters' `raw` methods return it with the tagged
//!   status.
//! - Server machine: register the name, its states and its capabilities in
//!   [`server::ServerOptions::extensions`]; it then arrives as a raw command in
//!   [`server::Event::CommandReceived`], and is advertised. An unregistered unknown
//!   command is still answered `BAD`.
//! - Store session: a [`store::CommandHandler`] per name in a [`store::Extensions`]
//!   registry ([`store::Session::set_extensions`]) runs with an
//!   [`store::ExtensionContext`] (user, selected mailbox, backend), sends untagged
//!   responses, typed or raw, and answers with a [`store::Reply`] (OK, NO or BAD).
//!
//! `examples/xecho.rs` adds an `XECHO` command to both sides from outside the crate.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod codec;
pub mod compress;
pub mod mime;
pub mod mutf7;
pub mod server;
pub mod store;
pub mod tap;
pub mod testing;
pub mod types;
