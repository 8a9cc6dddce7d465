//! IMAP4rev2 (RFC 9051) over 127.0.0.1: our tokio client enables it on our server and
//! every method keeps working: SEARCH answered with ESEARCH, no `\Recent`, UTF-8 mailbox
//! names translated both ways while the API keeps modified UTF-7 values.

mod common;

use std::time::Duration;

use common::{login, server};
use imap_machine::types::{Capability, FlagFetch, Mailbox, StatusItem};

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn enable_imap4rev2_and_use_every_method() {
    let srv = server().await;
    tokio::time::timeout(T, async {
        let c = login(srv.addr).await;
        assert!(c.has_capability(&Capability::Imap4rev2).await.unwrap());
        assert!(c.enable_imap4rev2().await.unwrap());
        // Already on: the server lists nothing new, and the method still says it is on.
        assert_eq!(c.enable(&[Capability::Imap4rev2]).await.unwrap(), Vec::<Capability>::new());

        c.create("Entwürfe").await.unwrap();
        let listed = c.list("", "Entw*").await.unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].mailbox, Mailbox::from_utf8("Entwürfe").unwrap());
        let st = c.status("Entwürfe", &[StatusItem::Messages]).await.unwrap();
        assert_eq!(st, vec![(StatusItem::Messages, 0)]);

        let inbox = c.select("INBOX").await.unwrap();
        assert_eq!(inbox.exists, 1);
        assert_eq!(c.search("ALL").await.unwrap(), vec![1]);
        assert_eq!(c.uid_search("UNSEEN").await.unwrap(), vec![1]);
        assert_eq!(c.search("SUBJECT nothing-like-this").await.unwrap(), Vec::<u32>::new());
        let all = c.fetch("1", "FLAGS").await.unwrap().collect().await.unwrap();
        assert!(all[0].flags().unwrap().all(|f| f.to_flag_fetch() != FlagFetch::Recent));

        // Into the UTF-8 named mailbox and back.
        c.select("Entwürfe").await.unwrap();
        c.select("INBOX").await.unwrap();
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}

#[tokio::test]
async fn a_rev1_server_is_left_alone() {
    // A server without IMAP4rev2: enable_imap4rev2 sends nothing and says so.
    let srv = common::server_with(|mut s| {
        s.options_mut().extra_capabilities.retain(|c| *c != Capability::Imap4rev2);
        s
    })
    .await;
    tokio::time::timeout(T, async {
        let c = login(srv.addr).await;
        assert!(!c.enable_imap4rev2().await.unwrap());
        c.select("INBOX").await.unwrap();
        assert_eq!(c.search("ALL").await.unwrap(), vec![1]);
    })
    .await
    .expect("timed out");
}
