//! Our tokio client's `list_extended` (RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS,
//! RFC 6154 SPECIAL-USE) against a real Dovecot 2.3 on 127.0.0.1, started by the test
//! with the recipe `../shared/peers/start-dovecot.sh` (relative to the workspace root),
//! as in `dovecot.rs`.
//!
//! Without `/usr/sbin/dovecot` the test prints a loud SKIP and passes, except under CI
//! (`CI` set), where a missing Dovecot fails it.

mod common;

use common::dovecot::Dovecot;

use std::time::Duration;

use common::message;
use imap_machine::types::{
    Atom, Capability, ListAttribute as LA, ListOptions, ListReturnOption as Ret, ListSelectOption as Sel, StatusItem,
};
use imap_machine_tokio::{Client, ListEntry};

fn entry<'a>(entries: &'a [ListEntry], name: &str) -> &'a ListEntry {
    entries
        .iter()
        .find(|e| e.item.mailbox.to_utf8().unwrap() == name)
        .unwrap_or_else(|| panic!("{name} in {entries:?}"))
}

fn listed(entries: &[ListEntry], name: &str) -> bool {
    entries.iter().any(|e| e.item.mailbox.to_utf8().unwrap() == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_list_extended_and_list_status() {
    let Some(d) = Dovecot::start("list-extended", 14345, 14395, false, None) else { return };
    tokio::time::timeout(Duration::from_secs(30), async {
        let c = Client::connect(d.addr()).await.unwrap();
        c.login("alice", "secret").await.unwrap();
        let caps = c.capabilities().await.unwrap();
        assert!(caps.contains(&Capability::ListExtended) && caps.contains(&Capability::ListStatus), "{caps:?}");

        // The RFC 5258 §5 hierarchy; Dovecot's Maildir++ has no Fruit of its own.
        for m in ["Fruit/Apple", "Fruit/Banana", "Tofu"] {
            c.create(m).await.unwrap();
        }
        c.subscribe("Fruit/Banana").await.unwrap();
        c.subscribe("INBOX").await.unwrap();
        c.append("Tofu", &[], None, message("soy", "x")).await.unwrap();

        // SUBSCRIBED RECURSIVEMATCH with CHILDREN and STATUS: Fruit is listed for its
        // subscribed child, \NonExistent, with CHILDINFO and without a STATUS.
        let options = ListOptions {
            selection: vec![Sel::Subscribed, Sel::RecursiveMatch],
            returns: vec![Ret::Children, Ret::Status(vec![StatusItem::Messages, StatusItem::Unseen])],
        };
        let got = c.list_extended("", &["%"], options).await.unwrap();
        let fruit = entry(&got, "Fruit");
        assert!(fruit.has(&LA::NonExistent) && fruit.has(&LA::HasChildren), "{fruit:?}");
        assert_eq!(fruit.child_info(), [Atom::from_static("SUBSCRIBED")]);
        assert_eq!(fruit.status, None);
        let inbox = entry(&got, "INBOX");
        assert!(inbox.has(&LA::Subscribed) && inbox.has(&LA::HasNoChildren), "{inbox:?}");
        assert_eq!(inbox.status, Some(vec![(StatusItem::Messages, 0), (StatusItem::Unseen, 0)]));
        assert!(!listed(&got, "Tofu"), "not subscribed, no subscribed child");

        // Several patterns with STATUS: each mailbox's STATUS joined to its entry.
        let options = ListOptions { selection: vec![], returns: vec![Ret::Status(vec![StatusItem::Messages])] };
        let got = c.list_extended("", &["Tofu", "Fruit/*"], options).await.unwrap();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!(entry(&got, "Tofu").status_of(StatusItem::Messages), Some(1));
        assert_eq!(entry(&got, "Fruit/Apple").status_of(StatusItem::Messages), Some(0));

        // SPECIAL-USE selection.
        let options = ListOptions { selection: vec![Sel::SpecialUse], returns: vec![] };
        let got = c.list_extended("", &["*"], options).await.unwrap();
        assert!(entry(&got, "Sent").has(&LA::Sent));
        assert!(!listed(&got, "INBOX") && !listed(&got, "Tofu"));

        // RECURSIVEMATCH alone is BAD (RFC 5258 §3.1); the connection goes on.
        let options = ListOptions { selection: vec![Sel::RecursiveMatch], returns: vec![] };
        assert!(c.list_extended("", &["%"], options).await.is_err());
        assert!(!c.list("", "*").await.unwrap().is_empty());
        c.logout().await.unwrap();
    })
    .await
    .expect("Dovecot test timed out");
}
