//! Async (tokio) adapters for [`imap_machine`]: an IMAP client and an IMAP server that
//! drive the sans-I/O machines over tokio sockets, with TLS through tokio-rustls (aws-lc-rs).
//!
//! - [`Client`]: `connect`, `connect_tls`, `starttls`, then typed async methods (`login`,
//!   `list`, `select`, `fetch` as a stream, `search`, `store`, `copy`, `move` with a
//!   fallback, `append`, `idle`, `logout`, ...). One driver task owns the socket and the
//!   [`imap_machine::client::Client`] machine; methods talk to it over channels, so
//!   concurrent tasks pipeline their commands on one connection.
//!   [`Client::fetch_body_stream`] hands one message body out as an `AsyncRead` while it
//!   arrives ([`BodyStream`]), and [`Client::append_from`] APPENDs a message from an
//!   `AsyncRead`: neither is ever whole in memory.
//! - [`Server`]: `Server::new(backend).serve(listener)` (or `serve_tls`), one task per
//!   connection driving [`imap_machine::server::Server`] and a
//!   [`imap_machine::store::Session`], with STARTTLS, a connection limit, autologout and
//!   a graceful shutdown.
//! - [`DebugTap`]: both directions as `C: ` / `S: ` lines, credentials redacted.
//!
//! ```no_run
//! use std::sync::Arc;
//! use imap_machine::store::memory::MemoryBackend;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! // A server on loopback with the demo mailbox (user `username`, password `password`).
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:1143").await?;
//! let server = imap_machine_tokio::Server::new(Arc::new(MemoryBackend::with_demo_data()))
//!     .allow_insecure_auth(true);
//! tokio::spawn(async move { server.serve(listener).await });
//!
//! // A client: log in, select INBOX, stream the messages.
//! let client = imap_machine_tokio::Client::connect("127.0.0.1:1143").await?;
//! client.login("username", "password").await?;
//! let inbox = client.select("INBOX").await?;
//! println!("{} messages", inbox.exists);
//! let mut messages = client.fetch("1:*", "(UID ENVELOPE)").await?;
//! while let Some(message) = messages.next().await {
//!     let m = message?;
//!     println!("{}: UID {:?} {:?}", m.seq(), m.uid(), m.envelope().and_then(|e| e.subject_text()));
//! }
//! client.logout().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//! - `tracing`: the server emits `tracing` spans and events for its connections, logins
//!   and commands.
//! - `metrics`: the server records counters, gauges and histograms with the `metrics`
//!   facade, into whatever recorder the program installs (`imapm serve --metrics` serves
//!   them to Prometheus).
//!
//! Neither ever sees a command's arguments: names and statuses come from the server
//! machine's [`imap_machine::server::Report`]s, and a login is known by its user name, so
//! no password or SASL data reaches a log or a label.
//!
//! ## Logs (feature `tracing`)
//! A span `imap` per connection, with the fields `id` (the connection's number, as in the
//! debug tap), `peer` (address and port), `tls` and, once logged in, `user`. Its events:
//!
//! | target | level | message | fields |
//! | --- | --- | --- | --- |
//! | `imap::connection` | INFO | `connection opened` | |
//! | `imap::connection` | INFO | `connection closed` | `secs`, `bytes_in`, `bytes_out` |
//! | `imap::connection` | INFO | `refused: too many connections` | |
//! | `imap::connection` | DEBUG | `TLS handshake failed` | `error` |
//! | `imap::connection` | DEBUG | `TLS started` | |
//! | `imap::auth` | INFO | `logged in` | `user`, `command` |
//! | `imap::auth` | INFO | `login failed` | `user`, `command`, `status` |
//! | `imap::command` | DEBUG | `command` | `tag`, `command`, `status`, `us` (microseconds) |
//!
//! ## Metrics (feature `metrics`)
//! | name | kind | labels |
//! | --- | --- | --- |
//! | `imap_connections` | gauge: open connections | `tls` (`true`, `false`) |
//! | `imap_connections_total` | counter: accepted connections | `tls` |
//! | `imap_connections_refused_total` | counter: over the connection limit | |
//! | `imap_idle_sessions` | gauge: sessions in IDLE | |
//! | `imap_commands_total` | counter: tagged answers | `command`, `status` (`ok`, `no`, `bad`) |
//! | `imap_command_duration_seconds` | histogram: start to tagged answer | `command` |
//! | `imap_auth_failures_total` | counter: NO to LOGIN or AUTHENTICATE | |
//! | `imap_received_bytes_total`, `imap_sent_bytes_total` | counter: octets of IMAP (after COMPRESS, before TLS) | |
//! | `imap_store_duration_seconds` | histogram: one store call | `work` (`command`, `updates`, `step`) |
//!
//! A command that did not parse counts as `command="unknown"`.
//!
//! The core crate stays free of tokio and rustls: only this crate depends on them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod brake;
mod client;
mod error;
mod io;
// The same file as the blocking adapter's: one set of names for both.
#[path = "../../observe.rs"]
mod observe;
mod server;
mod tap;
pub mod tls;

pub use client::{
    AppendUid, AppendUids, BodyStream, Client, ClientBuilder, CommandResponse, CopyUid, FetchItems, FetchMessage,
    FetchStream, IdleHandle, IntoFetchAttributes, IntoMailbox, IntoSearchCriteria, IntoSequenceSet, ListEntry, Update,
};
pub use error::Error;
pub use server::{Server, ShutdownHandle};
pub use tap::DebugTap;

/// The core crate, re-exported so that users of the adapters need one dependency.
pub use imap_machine;

/// The system clock as a store clock (whole seconds, UTC), for the INTERNALDATE of an
/// APPEND without a date: `MemoryBackend::with_demo_data().with_clock(system_clock())`.
/// The core reads no clock; an adapter may.
pub fn system_clock() -> imap_machine::store::memory::Clock {
    std::sync::Arc::new(|| {
        let now = chrono::Utc::now().fixed_offset();
        let now = chrono::Timelike::with_nanosecond(&now, 0).unwrap_or(now);
        imap_machine::types::DateTime::new(now)
            .unwrap_or_else(|_| imap_machine::types::DateTime::parse("01-Jan-1970 00:00:00 +0000").expect("valid"))
    })
}
