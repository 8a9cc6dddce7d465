//! QUOTA (RFC 9208) on PostgreSQL: limits per user, usage over the user's mailboxes,
//! APPEND, MULTIAPPEND, streamed APPEND and COPY past a limit refused with nothing
//! written, MOVE not counted, and two processes never both taking the last room.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use imap_machine::store::{Backend, NewMessage, QuotaLimits, StoreError};
use imap_machine::types::{QuotaResource, QuotaUsage};
use imap_machine_postgres::PostgresBackend;

fn message(k: usize) -> Bytes {
    Bytes::from(format!("Subject: {k}\r\n\r\n{}\r\n", "x".repeat(100)))
}

#[test]
fn limits_hold_across_processes() {
    let Some(url) = common::url("postgres quota") else { return };
    let a = Arc::new(PostgresBackend::connect(&url).unwrap());
    let b = Arc::new(PostgresBackend::connect(&url).unwrap());
    let user = common::fresh_user("quota");
    a.add_user(&user, "secret").unwrap();
    let (ua, ub) = (a.login(&user, "secret").unwrap(), b.login(&user, "secret").unwrap());
    assert_eq!(a.quota(&ua).unwrap(), None, "no limits");
    a.set_quota(&user, QuotaLimits { storage_kb: Some(100), messages: Some(10) }).unwrap();
    a.create(&ua, "Archive").unwrap();
    // Two processes appending at once: exactly 10 messages get in.
    let threads: Vec<_> = [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
        .map(|(t, backend)| {
            let user = user.clone();
            std::thread::spawn(move || {
                let u = backend.login(&user, "secret").unwrap();
                (0..5)
                    .map(|k| backend.append(&u, "INBOX", &[], None, message(t * 10 + k)))
                    .filter(|r| match r {
                        Ok(_) => true,
                        Err(StoreError::OverQuota) => false,
                        Err(e) => panic!("{e:?}"),
                    })
                    .count()
            })
        })
        .collect();
    let stored: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(stored, 10);
    assert_eq!(b.status(&ub, "INBOX").unwrap().messages, 10);
    let usage = a.quota(&ua).unwrap().unwrap();
    assert!(usage.contains(&QuotaUsage { resource: QuotaResource::Message, usage: 10, limit: 10 }), "{usage:?}");
    // Full: a MULTIAPPEND is refused whole; COPY is refused; MOVE is not counted.
    let two = vec![
        NewMessage { flags: vec![], date: None, body: message(98) },
        NewMessage { flags: vec![], date: None, body: message(99) },
    ];
    assert_eq!(b.append_all(&ub, "Archive", two), Err(StoreError::OverQuota));
    let s = a.new_session();
    a.open(&ua, "INBOX", s, false).unwrap();
    assert_eq!(a.copy(&ua, "INBOX", s, &[1], "Archive").unwrap_err(), StoreError::OverQuota);
    a.move_messages(&ua, "INBOX", s, &[1, 2], "Archive").unwrap();
    assert_eq!(a.status(&ua, "Archive").unwrap().messages, 2);
    // A streamed APPEND is checked at commit and leaves nothing behind.
    let mut t = b.clone().append_transaction(&ub, "INBOX").unwrap();
    let body = message(100);
    t.begin(&[], None, body.len() as u64).unwrap();
    t.write(&body).unwrap();
    assert_eq!(t.commit().unwrap_err(), StoreError::OverQuota);
    assert_eq!(a.status(&ua, "INBOX").unwrap().messages, 8);
    // Raised: room again.
    a.set_quota(&user, QuotaLimits { storage_kb: Some(100), messages: Some(11) }).unwrap();
    b.append(&ub, "INBOX", &[], None, message(101)).unwrap();
}
