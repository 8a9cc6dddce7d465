//! `list_extended` (RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS) of our tokio client
//! against our tokio server on the memory backend, over 127.0.0.1.

mod common;

use std::time::Duration;

use common::{login, server};
use imap_machine::types::{
    Atom, Capability, ListAttribute as LA, ListOptions, ListReturnOption as Ret, ListSelectOption as Sel, Mailbox,
    StatusItem,
};
use imap_machine_tokio::{Client, ListEntry};

const T: Duration = Duration::from_secs(10);

fn names(entries: &[ListEntry]) -> Vec<String> {
    entries.iter().map(|e| e.item.mailbox.to_utf8().unwrap().into_owned()).collect()
}

fn entry<'a>(entries: &'a [ListEntry], name: &str) -> &'a ListEntry {
    entries.iter().find(|e| e.item.mailbox.to_utf8().unwrap() == name).unwrap_or_else(|| panic!("{name} listed"))
}

#[tokio::test]
async fn list_extended_selection_children_childinfo_and_status() {
    let srv = server().await;
    tokio::time::timeout(T, async {
        let c: Client = login(srv.addr).await;
        let caps = c.capabilities().await.unwrap();
        assert!(caps.contains(&Capability::ListExtended) && caps.contains(&Capability::ListStatus), "{caps:?}");
        c.create("Fruit/Banana").await.unwrap();
        c.create("Tofu").await.unwrap();
        c.subscribe("Fruit/Banana").await.unwrap();
        c.subscribe("Fruit/Peach").await.unwrap();
        c.subscribe("INBOX").await.unwrap();

        // SUBSCRIBED: a subscribed name without a mailbox is \NonExistent.
        let sel = ListOptions { selection: vec![Sel::Subscribed], returns: vec![] };
        let got = c.list_extended("", &["*"], sel).await.unwrap();
        // (The store subscribes a new user to its special-use mailboxes.)
        assert_eq!(names(&got), ["Drafts", "Fruit/Banana", "Fruit/Peach", "INBOX", "Sent", "Trash"]);
        assert!(entry(&got, "Fruit/Peach").has(&LA::NonExistent));
        assert!(got.iter().all(|e| e.has(&LA::Subscribed) && e.status.is_none()));

        // RECURSIVEMATCH: Fruit is listed for its subscribed children, with CHILDINFO.
        let rec = ListOptions { selection: vec![Sel::Subscribed, Sel::RecursiveMatch], returns: vec![Ret::Children] };
        let got = c.list_extended("", &["%"], rec).await.unwrap();
        assert_eq!(names(&got), ["Drafts", "Fruit", "INBOX", "Sent", "Trash"]);
        assert_eq!(entry(&got, "Fruit").child_info(), [Atom::from_static("SUBSCRIBED")]);
        assert!(entry(&got, "Fruit").has(&LA::HasChildren));
        assert!(entry(&got, "INBOX").child_info().is_empty());

        // STATUS with several patterns: one per selectable mailbox, joined to its entry.
        let status = ListOptions {
            selection: vec![],
            returns: vec![Ret::Status(vec![StatusItem::Messages, StatusItem::UidNext]), Ret::SpecialUse],
        };
        let got = c.list_extended("", &["INBOX", "Fruit/%", "Sent"], status).await.unwrap();
        assert_eq!(names(&got), ["Fruit/Banana", "INBOX", "Sent"]);
        assert_eq!(entry(&got, "INBOX").status_of(StatusItem::Messages), Some(1));
        assert_eq!(entry(&got, "Fruit/Banana").status, Some(vec![(StatusItem::Messages, 0), (StatusItem::UidNext, 1)]));
        assert!(entry(&got, "Sent").has(&LA::Sent));
        assert_eq!(got[1].item.mailbox, Mailbox::Inbox);

        // A BAD answer is an error; the connection goes on.
        let bad = ListOptions { selection: vec![Sel::RecursiveMatch], returns: vec![] };
        assert!(c.list_extended("", &["%"], bad).await.is_err());
        assert!(c.list_extended("", &[], ListOptions::default()).await.is_err(), "no pattern");
        // The plain LIST is unchanged.
        assert!(c.list("", "%").await.unwrap().iter().any(|i| i.attributes.contains(&LA::HasChildren)));
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn list_status_while_another_command_is_in_flight() {
    // A LIST with STATUS and a STATUS of the same mailbox, pipelined: each gets its own.
    let srv = server().await;
    tokio::time::timeout(T, async {
        let c = login(srv.addr).await;
        let options = ListOptions { selection: vec![], returns: vec![Ret::Status(vec![StatusItem::Messages])] };
        let (listed, st) =
            tokio::join!(c.list_extended("", &["INBOX"], options), c.status("INBOX", &[StatusItem::UidNext]));
        let listed = listed.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].status, Some(vec![(StatusItem::Messages, 1)]));
        assert_eq!(st.unwrap(), vec![(StatusItem::UidNext, 2)]);
    })
    .await
    .expect("test timed out");
}
