//! QUOTA (RFC 9208) on Maildir: two backends on one directory (two processes) share a
//! user's limits; APPEND, MULTIAPPEND and COPY past them are refused with nothing
//! delivered; concurrent APPENDs from both never pass the limit; MOVE is not counted;
//! an expunge frees room at once.

use std::sync::Arc;

use bytes::Bytes;
use imap_machine::store::{Backend, QuotaLimits, SessionId, StoreError};
use imap_machine::types::{QuotaResource, QuotaUsage};
use imap_machine_maildir::MaildirBackend;

fn message(k: usize) -> Bytes {
    Bytes::from(format!("Subject: m{k}\r\n\r\n{}\r\n", "x".repeat(500)))
}

fn open(dir: &std::path::Path, limits: QuotaLimits) -> Arc<MaildirBackend> {
    let b = MaildirBackend::new(dir).with_fsync(false);
    b.add_user("joe", "secret").unwrap();
    b.set_quota("joe", limits);
    Arc::new(b)
}

fn messages(b: &MaildirBackend, user: &<MaildirBackend as Backend>::User, name: &str) -> u32 {
    b.status(user, name).unwrap().messages
}

#[test]
fn limits_hold_across_processes_and_commands() {
    let dir = tempfile::tempdir().unwrap();
    let limits = QuotaLimits { storage_kb: Some(100), messages: Some(5) };
    let (a, b) = (open(dir.path(), limits), open(dir.path(), limits));
    let (ja, jb) = (a.login("joe", "secret").unwrap(), b.login("joe", "secret").unwrap());
    assert!(a.quotas());
    a.append(&ja, "INBOX", &[], None, message(1)).unwrap();
    b.append(&jb, "Sent", &[], None, message(2)).unwrap();
    let usage = a.quota(&ja).unwrap().unwrap();
    assert_eq!(usage[1], QuotaUsage { resource: QuotaResource::Message, usage: 2, limit: 5 });
    assert_eq!(usage[0].resource, QuotaResource::Storage);
    assert_eq!(usage[0].usage, 2, "two 520-octet messages, rounded up to KiB");
    // A MULTIAPPEND of four would make six: refused whole.
    let mut t = b.clone().append_transaction(&jb, "INBOX").unwrap();
    for k in 0..4 {
        let m = message(10 + k);
        t.begin(&[], None, m.len() as u64).unwrap();
        t.write(&m).unwrap();
    }
    assert_eq!(t.commit().map(|_| ()), Err(StoreError::OverQuota));
    assert_eq!(messages(&a, &ja, "INBOX"), 1, "nothing of the refused MULTIAPPEND");
    // COPY of two into Drafts: four, fine; then a COPY of two more: refused, nothing copied.
    a.copy(&ja, "Sent", SessionId(1), &[1], "Drafts").unwrap();
    a.copy(&ja, "INBOX", SessionId(1), &[1], "Drafts").unwrap();
    assert_eq!(a.copy(&ja, "Drafts", SessionId(1), &[1, 2], "Trash").map(|_| ()), Err(StoreError::OverQuota));
    assert_eq!(messages(&b, &jb, "Trash"), 0);
    // MOVE at the limit is fine: usage does not change.
    b.append(&jb, "INBOX", &[], None, message(5)).unwrap();
    assert_eq!(a.append(&ja, "INBOX", &[], None, message(6)).map(|_| ()), Err(StoreError::OverQuota));
    a.move_messages(&ja, "Drafts", SessionId(1), &[1, 2], "Trash").unwrap();
    assert_eq!(messages(&a, &ja, "Trash"), 2);
    // An expunge frees room at once.
    assert_eq!(a.expunge(&ja, "Trash", Some(&[]), usize::MAX).unwrap(), Vec::<u32>::new());
    a.store(&ja, "Trash", &[1], imap_machine::types::StoreKind::Add, &[imap_machine::types::Flag::Deleted]).unwrap();
    a.expunge(&ja, "Trash", None, usize::MAX).unwrap();
    b.append(&jb, "INBOX", &[], None, message(7)).unwrap();
}

#[test]
fn concurrent_appends_from_two_processes_never_pass_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let limits = QuotaLimits { storage_kb: None, messages: Some(10) };
    let backends = [open(dir.path(), limits), open(dir.path(), limits)];
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let b = backends[t % 2].clone();
            std::thread::spawn(move || {
                let joe = b.login("joe", "secret").unwrap();
                (0..8).filter(|k| b.append(&joe, "INBOX", &[], None, message(t * 100 + k)).is_ok()).count()
            })
        })
        .collect();
    let ok: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(ok, 10, "exactly the limit's worth went in");
    let b = &backends[0];
    let joe = b.login("joe", "secret").unwrap();
    assert_eq!(messages(b, &joe, "INBOX"), 10);
}
