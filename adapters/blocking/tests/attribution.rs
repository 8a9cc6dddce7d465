//! The blocking client returns a command's own answer only, and keeps only unsolicited
//! data for `try_next_update()`: another session's flag change is an update, not a FETCH
//! result, and fetched messages are not kept a second time.

use imap_machine::types::{Flag, StoreKind};
use imap_machine_blocking::{Client, Update};

#[path = "support/demo.rs"]
mod demo;
use demo::demo_server;

fn client(addr: &str) -> Client {
    let mut c = Client::connect(addr).unwrap();
    c.login("username", "password").unwrap();
    c
}

fn drain(c: &mut Client) -> Vec<Update> {
    std::iter::from_fn(|| c.try_next_update()).collect()
}

const MSG: &[u8] = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: two\r\n\r\nhello\r\n";

#[test]
fn fetch_returns_only_the_messages_asked_for() {
    let addr = demo_server();
    let (mut a, mut b) = (client(&addr), client(&addr));
    a.append("INBOX", &[], None, MSG).unwrap();
    a.select("INBOX").unwrap();
    b.select("INBOX").unwrap();
    b.store(1, StoreKind::Add, &[Flag::Flagged]).unwrap();
    let got: Vec<u32> = a.fetch(2, "ENVELOPE").unwrap().map(|m| m.unwrap().seq()).collect();
    assert_eq!(got, vec![2]);
    b.store(1, StoreKind::Remove, &[Flag::Flagged]).unwrap();
    let got: Vec<u32> = a.fetch("2", "FLAGS").unwrap().map(|m| m.unwrap().seq()).collect();
    assert_eq!(got, vec![2]);
    let updates = drain(&mut a);
    let flag_changes = updates.iter().filter(|u| matches!(u, Update::Flags { seq: 1, .. })).count();
    assert!(flag_changes >= 1, "the other session's changes are updates: {updates:?}");
    // The view followed both: message 1 is unflagged again, message 2 known by its FETCH.
    assert_eq!(a.view().flags(1), Some(&[][..]));
    assert_eq!(a.view().len(), 2);
}

#[test]
fn fetched_messages_are_not_kept_as_updates() {
    let addr = demo_server();
    let mut a = client(&addr);
    for _ in 0..50 {
        a.append("INBOX", &[], None, MSG).unwrap();
    }
    a.select("INBOX").unwrap();
    drain(&mut a);
    for _ in 0..5 {
        let got = a.uid_fetch(1.., "(UID BODY.PEEK[])").unwrap().count();
        assert_eq!(got, 51);
    }
    let kept = drain(&mut a);
    assert!(kept.is_empty(), "{} updates kept", kept.len());
    assert_eq!(a.view().uid(51), Some(51));
}

#[test]
fn a_fetch_dropped_halfway_does_not_leak_into_the_next_command() {
    let addr = demo_server();
    let mut a = client(&addr);
    for _ in 0..30 {
        a.append("INBOX", &[], None, MSG).unwrap();
    }
    a.select("INBOX").unwrap();
    let first = a.fetch("1:*", "(UID FLAGS)").unwrap().next().unwrap().unwrap();
    assert_eq!(first.seq(), 1);
    let got: Vec<u32> = a.fetch(7, "UID").unwrap().map(|m| m.unwrap().seq()).collect();
    assert_eq!(got, vec![7]);
    assert_eq!(a.search("ALL").unwrap().len(), 31);
    assert!(drain(&mut a).iter().all(|u| !matches!(u, Update::Flags { .. })));
}

#[test]
fn every_mailbox_command() {
    use imap_machine::types::{DateTime, FetchItem, StatusItem};
    let addr = demo_server();
    let mut a = client(&addr);
    a.create("Projects/2026").unwrap();
    a.rename("Projects/2026", "Projects/2027").unwrap();
    a.subscribe("Projects/2027").unwrap();
    let date = DateTime::parse("05-Dec-2026 10:00:00 +0100").unwrap();
    let appended = a.append("Projects/2027", &[Flag::Deleted], Some(date), MSG).unwrap();
    assert_eq!(appended.map(|a| a.uid), Some(1));
    let st = a.status("Projects/2027", &[StatusItem::Messages, StatusItem::Deleted]).unwrap();
    assert_eq!(st, vec![(StatusItem::Messages, 1), (StatusItem::Deleted, 1)]);
    a.select("Projects/2027").unwrap();
    let got = a.fetch(1, "INTERNALDATE").unwrap().collect_all().unwrap();
    assert_eq!(got[0].internal_date(), Some(date));
    assert!(matches!(&got[0].items()[0], FetchItem::InternalDate(d) if *d == date), "{got:?}");
    assert_eq!(a.uid_expunge(1).unwrap(), vec![1]);
    a.close().unwrap();
    a.unsubscribe("Projects/2027").unwrap();
    a.delete("Projects/2027").unwrap();
    assert!(a.status("Projects/2027", &[StatusItem::Messages]).is_err());
    a.logout().unwrap();
}
