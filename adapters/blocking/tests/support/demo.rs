//! The blocking server on the demo memory store, serving 127.0.0.1 from a thread, with
//! plaintext LOGIN allowed: what most loopback tests talk to.

use std::net::TcpListener;
use std::sync::Arc;

use imap_machine::store::memory::MemoryBackend;
use imap_machine_blocking::Server;

/// Starts the server; returns the address it listens on.
pub(crate) fn demo_server() -> String {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = Server::new(backend).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));
    addr
}
