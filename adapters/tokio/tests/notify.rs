//! NOTIFY (RFC 5465) from our tokio client against a real Dovecot 2.3 on 127.0.0.1 (see
//! `common::dovecot`) and against our tokio server on the memory store: with `NOTIFY SET (selected ...) (personal ...)`, another
//! session's mail to another mailbox, its CREATE, RENAME and SUBSCRIBE, and its mail to
//! the selected mailbox arrive as typed updates, with no command running and no IDLE.

mod common;

use std::time::Duration;

use common::dovecot::Dovecot;
use common::message;
use imap_machine::client::Update;
use imap_machine::types::{
    EventGroup, FilterMailboxes, ListAttribute, ListExtendedItem, Notify, NotifyEvent, StatusItem,
};
use imap_machine_tokio::Client;

/// The next update `pick` takes, others skipped; panics after 5 s.
async fn wait_for<T>(c: &Client, what: &str, mut pick: impl FnMut(Update) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let u = tokio::time::timeout_at(deadline, c.next_update())
            .await
            .unwrap_or_else(|_| panic!("no update: {what}"))
            .expect("connection open");
        if let Some(t) = pick(u) {
            return t;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_against_dovecot() {
    let Some(d) = Dovecot::start("notify", 14364, 14414, false, None) else { return };
    tokio::time::timeout(Duration::from_secs(30), scenario(&d.addr(), ("alice", "secret"))).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_against_our_server() {
    let s = common::server().await;
    let addr = s.addr.to_string();
    tokio::time::timeout(Duration::from_secs(30), scenario(&addr, ("username", "password"))).await.unwrap();
}

async fn scenario(addr: &str, (user, pass): (&str, &str)) {
    {
        let c = Client::connect(addr).await.unwrap();
        c.login(user, pass).await.unwrap();
        let other = Client::connect(addr).await.unwrap();
        other.login(user, pass).await.unwrap();
        other.create("Other").await.unwrap();

        let message_events = || vec![NotifyEvent::MessageNew(vec![]), NotifyEvent::MessageExpunge];
        let mut personal = message_events();
        personal.extend([NotifyEvent::MailboxName, NotifyEvent::SubscriptionChange]);
        c.notify(Notify::Set {
            status: false,
            groups: vec![
                EventGroup { mailboxes: FilterMailboxes::Selected, events: Some(message_events()) },
                EventGroup { mailboxes: FilterMailboxes::Personal, events: Some(personal) },
            ],
        })
        .await
        .unwrap();
        let had = c.select("INBOX").await.unwrap().exists;

        // Mail to another mailbox: a STATUS of it.
        other.append("Other", &[], None, message("elsewhere", "hi")).await.unwrap();
        let items = wait_for(&c, "STATUS Other", |u| match u {
            Update::MailboxStatus { mailbox, items } if mailbox.as_wire() == b"Other" => Some(items),
            _ => None,
        })
        .await;
        assert!(items.contains(&(StatusItem::Messages, 1)), "{items:?}");

        // CREATE, RENAME and SUBSCRIBE: LIST responses.
        other.create("Fresh").await.unwrap();
        wait_for(&c, "LIST Fresh", |u| match u {
            Update::Mailbox(item) if item.mailbox.as_wire() == b"Fresh" => Some(()),
            _ => None,
        })
        .await;
        other.rename("Fresh", "Renamed").await.unwrap();
        let old = wait_for(&c, "LIST Renamed (OLDNAME)", |u| match u {
            Update::Mailbox(item) if item.mailbox.as_wire() == b"Renamed" => Some(item.extended),
            _ => None,
        })
        .await;
        assert!(old.iter().any(|e| matches!(e, ListExtendedItem::OldName(m) if m.as_wire() == b"Fresh")), "{old:?}");
        other.subscribe("Renamed").await.unwrap();
        wait_for(&c, "LIST Renamed \\Subscribed", |u| match u {
            Update::Mailbox(item)
                if item.mailbox.as_wire() == b"Renamed" && item.attributes.contains(&ListAttribute::Subscribed) =>
            {
                Some(())
            }
            _ => None,
        })
        .await;

        // Mail to the selected mailbox: EXISTS, with no command running.
        other.append("INBOX", &[], None, message("here", "hi")).await.unwrap();
        wait_for(&c, "EXISTS", |u| matches!(u, Update::Exists(n) if n == had + 1).then_some(())).await;

        c.notify(Notify::None).await.unwrap();
        c.logout().await.unwrap();
        other.logout().await.unwrap();
    }
}
