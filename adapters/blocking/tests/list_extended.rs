//! `list_extended` (RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS) of the blocking client
//! against the blocking server on the memory backend, over 127.0.0.1.

use imap_machine::types::{
    Atom, ListAttribute as LA, ListOptions, ListReturnOption as Ret, ListSelectOption as Sel, StatusItem,
};
use imap_machine_blocking::Client;

#[path = "support/demo.rs"]
mod demo;
use demo::demo_server;

#[test]
fn list_extended_on_the_blocking_client() {
    let addr = demo_server();
    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    c.create("a/b").unwrap();
    c.subscribe("a/b").unwrap();
    c.subscribe("gone").unwrap();

    let rec = ListOptions {
        selection: vec![Sel::Subscribed, Sel::RecursiveMatch],
        returns: vec![Ret::Status(vec![StatusItem::Messages])],
    };
    let got = c.list_extended("", &["%"], rec).unwrap();
    let names: Vec<_> = got.iter().map(|e| e.item.mailbox.to_utf8().unwrap().into_owned()).collect();
    // (The store subscribes a new user to its special-use mailboxes.)
    assert_eq!(names, ["Drafts", "INBOX", "Sent", "Trash", "a", "gone"]);
    let (a, gone) = (&got[4], &got[5]);
    assert_eq!(a.child_info(), [Atom::from_static("SUBSCRIBED")]);
    // `a` is a mailbox (CREATE made it) that is not subscribed: its STATUS comes all the
    // same; `gone` has none.
    assert_eq!(a.status_of(StatusItem::Messages), Some(0));
    assert!(gone.has(&LA::NonExistent) && gone.has(&LA::Subscribed) && gone.status.is_none());
    assert_eq!(got[1].status_of(StatusItem::Messages), Some(1));

    let status = ListOptions { selection: vec![], returns: vec![Ret::Status(vec![StatusItem::Messages])] };
    let got = c.list_extended("", &["INBOX", "a/*"], status).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].status, Some(vec![(StatusItem::Messages, 1)]));
    assert_eq!(got[1].item.mailbox.to_utf8().unwrap(), "a/b");
    assert!(c
        .list_extended("", &["%"], ListOptions { selection: vec![Sel::RecursiveMatch], returns: vec![] })
        .is_err());
    c.logout().unwrap();
}
