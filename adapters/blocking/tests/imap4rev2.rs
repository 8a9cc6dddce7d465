//! IMAP4rev2 (RFC 9051) over 127.0.0.1: the blocking client enables it on the blocking
//! server; SEARCH answered with ESEARCH and UTF-8 mailbox names work as in IMAP4rev1.

use std::net::TcpListener;
use std::sync::Arc;

use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{Capability, Mailbox};
use imap_machine_blocking::{Client, Server};

#[test]
fn enable_imap4rev2_search_and_utf8_names() {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = Server::new(backend).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));

    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    assert!(c.enable_imap4rev2().unwrap());
    assert!(c.machine().is_enabled(&Capability::Imap4rev2));
    c.create("Entwürfe").unwrap();
    let listed = c.list("", "Entw*").unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].mailbox, Mailbox::from_utf8("Entwürfe").unwrap());
    c.select("INBOX").unwrap();
    assert_eq!(c.search("ALL").unwrap(), vec![1]);
    assert_eq!(c.uid_search("ALL").unwrap(), vec![1]);
    c.logout().unwrap();
}
