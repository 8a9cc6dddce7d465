//! Blocking adapters for imap-machine: a thread-per-connection server and a client over
//! `std::net`, with TLS through rustls.
//!
//! The adapters own the sockets and the clock; everything IMAP happens in the sans-I/O
//! machines of the core. A connection thread waits on one channel fed by a reader
//! thread (socket bytes) and by the store's notifier (mailbox changes), so an IDLE
//! session is woken without polling.
//!
//! ```no_run
//! use std::sync::Arc;
//! use imap_machine::store::memory::MemoryBackend;
//! use imap_machine_blocking::Server;
//!
//! let listener = std::net::TcpListener::bind("127.0.0.1:1143").unwrap();
//! Server::new(Arc::new(MemoryBackend::with_demo_data())).allow_insecure_auth(true).serve(listener).unwrap();
//! ```

//! # Features
//! `tracing` and `metrics`: the server's spans, events and metrics, with the same names as
//! `imap-machine-tokio`'s (listed in its crate docs and in `docs/running.md`). Neither ever
//! sees a command's arguments, so no password reaches a log or a label.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
// The same file as the tokio adapter's: one set of names for both. This server has no
// separate TLS handshake and no long commands in steps, so two of its items go unused.
#[allow(dead_code)]
#[path = "../../observe.rs"]
mod observe;
mod server;
mod tap;
mod transport;

pub use client::{
    AppendUid, AppendUids, ArgError, BodyReader, Client, ClientBuilder, CommandResponse, CopyUid, Error as ClientError,
    Fetches, IdleHandle, IntoFetchAttributes, IntoMailbox, IntoSearchCriteria, IntoSequenceSet, ListEntry, Update,
};
/// One fetched message, read in place (the core's [`imap_machine::codec::FetchMessage`]).
pub use imap_machine::codec::FetchMessage;
pub use server::{Server, ShutdownHandle};
pub use tap::Tap;
pub use transport::{load_server_config, Transport};

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
