//! METADATA (RFC 5464) on PostgreSQL: entries set through one backend are seen at once
//! by another (another process), move with RENAME (inferiors included, being kept by
//! mailbox id), go with DELETE, and a SETMETADATA is all or nothing.

mod common;

use bytes::Bytes;
use imap_machine::store::{Backend, StoreError};
use imap_machine_postgres::PostgresBackend;

fn v(s: &'static str) -> Option<Bytes> {
    Some(Bytes::from_static(s.as_bytes()))
}

fn set(changes: &[(&str, Option<Bytes>)]) -> Vec<(String, Option<Bytes>)> {
    changes.iter().map(|(e, v)| (e.to_string(), v.clone())).collect()
}

#[test]
fn metadata_is_shared_moved_and_dropped() {
    let Some(url) = common::url("postgres metadata") else { return };
    let (a, b) = (PostgresBackend::connect(&url).unwrap(), PostgresBackend::connect(&url).unwrap());
    let user = common::fresh_user("meta");
    a.add_user(&user, "secret").unwrap();
    let (ua, ub) = (a.login(&user, "secret").unwrap(), b.login(&user, "secret").unwrap());
    assert!(a.metadata_supported());
    a.set_metadata(&ua, None, &set(&[("/shared/comment", v("the server")), ("/private/x", v("\0\u{ff}"))])).unwrap();
    a.create(&ua, "Work/Old").unwrap();
    a.set_metadata(&ua, Some("Work"), &set(&[("/private/comment", v("work"))])).unwrap();
    a.set_metadata(&ua, Some("Work/Old"), &set(&[("/private/comment", v("old"))])).unwrap();
    assert_eq!(a.set_metadata(&ua, Some("Nope"), &set(&[("/private/c", v("x"))])), Err(StoreError::NoSuchMailbox));
    // Seen by the other at once, in name order (bytes, not the database's collation).
    let server = b.metadata(&ub, None).unwrap();
    assert_eq!(
        server,
        vec![
            ("/private/x".to_string(), Bytes::from("\0\u{ff}")),
            ("/shared/comment".to_string(), Bytes::from("the server"))
        ]
    );
    b.set_metadata(&ub, None, &set(&[("/private/x", None), ("/shared/comment", v("changed"))])).unwrap();
    assert_eq!(a.metadata(&ua, None).unwrap(), vec![("/shared/comment".to_string(), Bytes::from("changed"))]);
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
