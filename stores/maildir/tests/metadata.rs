//! METADATA (RFC 5464) on Maildir: entries survive a restart (a new backend on the same
//! directory), are seen at once by another process's backend, move with RENAME (inferiors
//! included) and go with DELETE; the memory store does the same.

use bytes::Bytes;
use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::{Backend, StoreError};
use imap_machine_maildir::MaildirBackend;

fn v(s: &'static str) -> Option<Bytes> {
    Some(Bytes::from_static(s.as_bytes()))
}

fn set(changes: &[(&str, Option<Bytes>)]) -> Vec<(String, Option<Bytes>)> {
    changes.iter().map(|(e, v)| (e.to_string(), v.clone())).collect()
}

/// The scenario on two backends of one store (two processes, or the same one twice).
fn scenario<B: Backend>(a: &B, b: &B, user: &str, pass: &str) {
    let (ua, ub) = (a.login(user, pass).unwrap(), b.login(user, pass).unwrap());
    a.set_metadata(&ua, None, &set(&[("/shared/comment", v("the server")), ("/private/x", v("\0\u{ff}"))])).unwrap();
    a.create(&ua, "Work").unwrap();
    a.create(&ua, "Work/Old").unwrap();
    a.set_metadata(&ua, Some("Work"), &set(&[("/private/comment", v("work"))])).unwrap();
    a.set_metadata(&ua, Some("Work/Old"), &set(&[("/private/comment", v("old"))])).unwrap();
    assert_eq!(a.set_metadata(&ua, Some("Nope"), &set(&[("/private/c", v("x"))])), Err(StoreError::NoSuchMailbox));
    // Seen by the other at once.
    let server = b.metadata(&ub, None).unwrap();
    assert_eq!(
        server,
        vec![
            ("/private/x".to_string(), Bytes::from("\0\u{ff}")),
            ("/shared/comment".to_string(), Bytes::from("the server"))
        ]
    );
    // Removed with NIL.
    b.set_metadata(&ub, None, &set(&[("/private/x", None)])).unwrap();
    assert_eq!(a.metadata(&ua, None).unwrap().len(), 1);
    // RENAME moves a mailbox's entries and its inferiors'.
    b.rename(&ub, "Work", "Job").unwrap();
    assert_eq!(a.metadata(&ua, Some("Job")).unwrap(), vec![("/private/comment".to_string(), Bytes::from("work"))]);
    assert_eq!(a.metadata(&ua, Some("Job/Old")).unwrap(), vec![("/private/comment".to_string(), Bytes::from("old"))]);
    // DELETE drops them: a new mailbox of that name starts with none (RFC 5464 §3.1).
    a.delete(&ua, "Job/Old").unwrap();
    a.create(&ua, "Job/Old").unwrap();
    assert!(b.metadata(&ub, Some("Job/Old")).unwrap().is_empty());
    assert_eq!(b.metadata(&ub, Some("Job")).unwrap().len(), 1);
}

#[test]
fn maildir_keeps_metadata_across_processes_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        let b = MaildirBackend::new(dir.path()).with_fsync(false);
        b.add_user("joe", "secret").unwrap();
        b
    };
    let (a, b) = (open(), open());
    assert!(a.metadata_supported());
    scenario(&a, &b, "joe", "secret");
    drop((a, b));
    // A restart: everything is still there.
    let c = open();
    let joe = c.login("joe", "secret").unwrap();
    assert_eq!(c.metadata(&joe, None).unwrap(), vec![("/shared/comment".to_string(), Bytes::from("the server"))]);
    assert_eq!(c.metadata(&joe, Some("Job")).unwrap().len(), 1);
}

#[test]
fn the_memory_store_does_the_same() {
    let m = MemoryBackend::new();
    m.add_user("joe", "secret");
    scenario(&m, &m, "joe", "secret");
}
