//! The seed's server example: an IMAP server on the in-memory backend, with the demo user
//! `username` / `password`.
//!
//! `cargo run -p imap-machine-blocking --example server`

use std::sync::Arc;

use imap_machine::store::memory::MemoryBackend;
use imap_machine_blocking::Server;

fn main() -> std::io::Result<()> {
    let backend = Arc::new(MemoryBackend::with_demo_data().with_clock(imap_machine_blocking::system_clock()));
    let listener = std::net::TcpListener::bind("127.0.0.1:1143")?;
    println!("Starting IMAP server at localhost:1143");
    // Plaintext on loopback only, as in the seed's example.
    Server::new(backend).allow_insecure_auth(true).serve(listener)
}
