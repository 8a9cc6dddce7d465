//! SORT and THREAD (RFC 5256) from our tokio client, against our server on the memory
//! store and against Dovecot 2.3 (see `common::dovecot`): the same scenario, the same
//! answers, which the test also knows in advance.

mod common;

use std::time::Duration;

use common::dovecot::Dovecot;
use imap_machine::types::{SortCriterion, SortKey, Thread, ThreadAlgorithm};
use imap_machine_tokio::{Client, Error};

const T: Duration = Duration::from_secs(30);

/// (subject, sent day in Jan 2024, Message-ID, References)
const MESSAGES: [(&str, u32, &str, &str); 5] = [
    ("Lunch", 3, "<1@x>", ""),
    ("Re: Lunch", 5, "<2@x>", "<1@x>"),
    ("Agenda", 1, "<3@x>", ""),
    ("Re: Re: Lunch", 4, "<4@x>", "<1@x> <2@x>"),
    ("Re: Agenda", 2, "<5@x>", "<3@x>"),
];

fn message(k: usize) -> Vec<u8> {
    let (subject, day, id, refs) = MESSAGES[k];
    let refs = if refs.is_empty() { String::new() } else { format!("References: {refs}\r\n") };
    format!("From: a@example.org\r\nSubject: {subject}\r\nDate: {day} Jan 2024 10:00:00 +0000\r\nMessage-ID: {id}\r\n{refs}\r\nhi\r\n")
        .into_bytes()
}

fn by(key: SortKey, reverse: bool) -> SortCriterion {
    SortCriterion { reverse, key }
}

fn leaf(id: u32) -> Thread {
    Thread::message(id, vec![])
}

async fn scenario(c: &Client) {
    c.create("Sorted").await.unwrap();
    for k in 0..MESSAGES.len() {
        c.append("Sorted", &[], None, message(k)).await.unwrap();
    }
    c.select("Sorted").await.unwrap();
    assert_eq!(c.sort(&[by(SortKey::Date, false)], "ALL").await.unwrap(), vec![3, 5, 1, 4, 2]);
    assert_eq!(c.sort(&[by(SortKey::Date, true)], "ALL").await.unwrap(), vec![2, 4, 1, 5, 3]);
    assert_eq!(
        c.sort(&[by(SortKey::Subject, false), by(SortKey::Date, true)], "ALL").await.unwrap(),
        vec![5, 3, 2, 4, 1]
    );
    let uids = c.uid_search("ALL").await.unwrap();
    let by_uid = c.uid_sort(&[by(SortKey::Date, false)], "NOT SUBJECT agenda").await.unwrap();
    assert_eq!(by_uid, vec![uids[0], uids[3], uids[1]]);
    assert_eq!(
        c.thread(ThreadAlgorithm::References, "ALL").await.unwrap(),
        vec![Thread::message(3, vec![leaf(5)]), Thread::message(1, vec![Thread::message(2, vec![leaf(4)])])]
    );
    assert_eq!(
        c.thread(ThreadAlgorithm::OrderedSubject, "ALL").await.unwrap(),
        vec![Thread::message(3, vec![leaf(5)]), Thread::message(1, vec![leaf(4), leaf(2)])]
    );
    let t = c.uid_thread(ThreadAlgorithm::References, "SUBJECT agenda").await.unwrap();
    assert_eq!(t, vec![Thread::message(uids[2], vec![leaf(uids[4])])]);
    assert!(matches!(
        c.thread(ThreadAlgorithm::Other("X-NONE".try_into().unwrap()), "ALL").await,
        Err(Error::Unsupported("THREAD"))
    ));
}

#[tokio::test]
async fn sort_and_thread_against_our_server() {
    let srv = common::server().await;
    tokio::time::timeout(T, async {
        let c = common::login(srv.addr).await;
        scenario(&c).await;
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sort_and_thread_against_dovecot() {
    let Some(d) = Dovecot::start("sort", 14366, 14416, false, None) else { return };
    tokio::time::timeout(T, async {
        let c = Client::connect(d.addr()).await.unwrap();
        c.login("alice", "secret").await.unwrap();
        scenario(&c).await;
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}
