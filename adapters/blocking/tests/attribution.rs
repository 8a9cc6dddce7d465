//! The blocking client returns a command's own answer only, and keeps only unsolicited
//! data for `updates()`: another session's flag change is an update, not a FETCH result,
//! and fetched messages are not kept a second time.

use std::net::TcpListener;
use std::sync::Arc;

use bytes::Bytes;
use imap_machine::client::Event;
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{Data, FetchAttribute, FetchAttributes, Flag, Section, StoreKind};
use imap_machine_blocking::{Client, Server};

fn start() -> String {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = Server::new(backend).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));
    addr
}

fn client(addr: &str) -> Client {
    let mut c = Client::connect(addr).unwrap();
    c.login("username", "password").unwrap();
    c
}

const MSG: &[u8] = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: two\r\n\r\nhello\r\n";

#[test]
fn fetch_returns_only_the_messages_asked_for() {
    let addr = start();
    let (mut a, mut b) = (client(&addr), client(&addr));
    a.append("INBOX", vec![], Bytes::from_static(MSG)).unwrap();
    a.select("INBOX").unwrap();
    b.select("INBOX").unwrap();
    b.store("1", StoreKind::Add, vec![Flag::Flagged], false).unwrap();
    let got = a.fetch("2", FetchAttributes::List(vec![FetchAttribute::Envelope]), false).unwrap();
    assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![2], "{got:?}");
    b.store("1", StoreKind::Remove, vec![Flag::Flagged], false).unwrap();
    let got = a.fetch("2", FetchAttributes::List(vec![FetchAttribute::Flags]), false).unwrap();
    assert_eq!(got.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![2], "{got:?}");
    let updates = a.updates();
    let flag_changes = updates
        .iter()
        .filter(|e| matches!(e, Event::Data { data: Data::Fetch { seq, .. }, command: None } if seq.get() == 1))
        .count();
    assert!(flag_changes >= 1, "the other session's changes are updates: {updates:?}");
}

#[test]
fn fetched_messages_are_not_kept_as_updates() {
    let addr = start();
    let mut a = client(&addr);
    for _ in 0..50 {
        a.append("INBOX", vec![], Bytes::from_static(MSG)).unwrap();
    }
    a.select("INBOX").unwrap();
    a.updates();
    let body = FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None };
    for _ in 0..5 {
        let got = a.fetch("1:*", FetchAttributes::List(vec![FetchAttribute::Uid, body.clone()]), true).unwrap();
        assert_eq!(got.len(), 51);
    }
    let kept = a.updates();
    assert!(kept.is_empty(), "{} events kept", kept.len());
}

#[test]
fn every_mailbox_command() {
    use imap_machine::types::{DateTime, StatusItem};
    let addr = start();
    let mut a = client(&addr);
    a.create("Projects/2026").unwrap();
    a.rename("Projects/2026", "Projects/2027").unwrap();
    a.subscribe("Projects/2027", true).unwrap();
    let date = DateTime::parse("05-Dec-2026 10:00:00 +0100").unwrap();
    assert_eq!(
        a.append_dated("Projects/2027", vec![Flag::Deleted], Some(date), Bytes::from_static(MSG)).unwrap(),
        Some(1)
    );
    let st = a.status("Projects/2027", &[StatusItem::Messages, StatusItem::Deleted]).unwrap();
    assert_eq!(st, vec![(StatusItem::Messages, 1), (StatusItem::Deleted, 1)]);
    a.select("Projects/2027").unwrap();
    let got = a.fetch("1", FetchAttributes::List(vec![FetchAttribute::InternalDate]), false).unwrap();
    assert!(matches!(&got[0].1[0], imap_machine::types::FetchItem::InternalDate(d) if *d == date), "{got:?}");
    a.uid_expunge("1").unwrap();
    a.close().unwrap();
    a.subscribe("Projects/2027", false).unwrap();
    a.delete("Projects/2027").unwrap();
    assert!(a.status("Projects/2027", &[StatusItem::Messages]).is_err());
}
