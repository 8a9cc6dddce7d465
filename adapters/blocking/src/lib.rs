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

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod server;
mod tap;
mod transport;

pub use client::{Client, Error as ClientError};
pub use server::{Server, ShutdownHandle};
pub use tap::Tap;
pub use transport::{load_server_config, Transport};
