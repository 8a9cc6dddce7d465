//! IMAP4rev2 (RFC 9051) over 127.0.0.1: the blocking client enables it on the blocking
//! server; SEARCH answered with ESEARCH and UTF-8 mailbox names work as in IMAP4rev1.

use imap_machine::types::{Capability, Mailbox};
use imap_machine_blocking::Client;

#[path = "support/demo.rs"]
mod demo;
use demo::demo_server;

#[test]
fn enable_imap4rev2_search_and_utf8_names() {
    let addr = demo_server();

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
