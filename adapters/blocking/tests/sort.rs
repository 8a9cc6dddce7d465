//! SORT and THREAD (RFC 5256) from the blocking client, against the blocking server on the
//! memory store and against Dovecot: the same answers, known in advance.

use imap_machine::types::{SortCriterion, SortKey, Thread, ThreadAlgorithm};
use imap_machine_blocking::Client;

#[path = "support/demo.rs"]
mod demo;
#[path = "support/dovecot.rs"]
mod dovecot;
#[path = "support/peers_env.rs"]
mod peers_env;

/// `(subject, sent day, In-Reply-To)`: two threads, one answered out of order.
const MESSAGES: [(&str, u32, &str); 4] =
    [("Plans", 3, ""), ("Re: Plans", 9, "<m1@x>"), ("Other", 1, ""), ("Re: Plans", 4, "<m1@x>")];

fn scenario(addr: &str, user: &str, pass: &str) {
    let mut c = Client::connect(addr).unwrap();
    c.login(user, pass).unwrap();
    c.create("Sorted").unwrap();
    for (k, (subject, day, parent)) in MESSAGES.iter().enumerate() {
        let irt = if parent.is_empty() { String::new() } else { format!("In-Reply-To: {parent}\r\n") };
        let m = format!(
            "From: a@example.org\r\nSubject: {subject}\r\nDate: {day} Feb 2024 08:00:00 +0100\r\n\
             Message-ID: <m{}@x>\r\n{irt}\r\nhi\r\n",
            k + 1
        );
        c.append("Sorted", &[], None, m.into_bytes()).unwrap();
    }
    c.select("Sorted").unwrap();
    let date = |reverse| [SortCriterion { reverse, key: SortKey::Date }];
    assert_eq!(c.sort(&date(false), "ALL").unwrap(), vec![3, 1, 4, 2]);
    assert_eq!(c.sort(&date(true), "ALL").unwrap(), vec![2, 4, 1, 3]);
    let leaf = |id| Thread::message(id, vec![]);
    let plans = Thread::message(1, vec![leaf(4), leaf(2)]);
    assert_eq!(c.thread(ThreadAlgorithm::References, "ALL").unwrap(), vec![leaf(3), plans.clone()]);
    assert_eq!(c.thread(ThreadAlgorithm::OrderedSubject, "ALL").unwrap(), vec![leaf(3), plans]);
    c.logout().unwrap();
}

#[test]
fn sort_and_thread_against_the_blocking_server() {
    scenario(&demo::demo_server(), "username", "password");
}

#[test]
fn sort_and_thread_against_dovecot() {
    let Some(d) = dovecot::start_dovecot("sort") else { return };
    scenario(&format!("127.0.0.1:{}", d.port), "alice", "secret");
}
