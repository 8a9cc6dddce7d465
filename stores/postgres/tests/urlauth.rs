//! URLAUTH keys (RFC 4467 §2.2) on PostgreSQL: a key made through one process validates
//! on another; processes making one at once agree on it; RESETKEY, DELETE and RENAME
//! revoke; the owner of a URL is found by name.

mod common;

use std::sync::Arc;

use imap_machine::store::{Backend, StoreError};
use imap_machine_postgres::PostgresBackend;

#[test]
fn keys_are_shared_made_once_and_revoked() {
    let Some(url) = common::url("postgres urlauth") else { return };
    let (a, b) = (PostgresBackend::connect(&url).unwrap(), PostgresBackend::connect(&url).unwrap());
    let user = common::fresh_user("url");
    a.add_user(&user, "secret").unwrap();
    let (ua, ub) = (a.login(&user, "secret").unwrap(), b.login(&user, "secret").unwrap());
    assert!(a.url_keys());
    assert_eq!(a.url_key(&ua, "INBOX", false).unwrap(), None, "none until asked for");
    // Made at once through both: one key.
    let (a2, b2) = (Arc::new(a.clone()), Arc::new(b.clone()));
    let threads: Vec<_> = [a2, b2]
        .into_iter()
        .map(|backend| {
            let user = user.clone();
            std::thread::spawn(move || {
                let u = backend.login(&user, "secret").unwrap();
                backend.url_key(&u, "INBOX", true).unwrap().unwrap()
            })
        })
        .collect();
    let keys: Vec<Vec<u8>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(keys[0], keys[1]);
    assert_eq!(keys[0].len(), 16, "128 bits");
    assert_eq!(b.url_key(&ub, "INBOX", false).unwrap(), Some(keys[0].clone()));
    assert_eq!(a.url_key(&ua, "Nope", true), Err(StoreError::NoSuchMailbox));
    // RESETKEY of a mailbox: a new key; of none: no keys.
    b.reset_url_keys(&ub, Some("INBOX")).unwrap();
    let k2 = a.url_key(&ua, "INBOX", false).unwrap().unwrap();
    assert_ne!(k2, keys[0]);
    b.reset_url_keys(&ub, None).unwrap();
    assert_eq!(a.url_key(&ua, "INBOX", false).unwrap(), None);
    // RENAME and DELETE drop the keys of a mailbox and its inferiors.
    a.create(&ua, "Work/Old").unwrap();
    let w = a.url_key(&ua, "Work", true).unwrap();
    a.url_key(&ua, "Work/Old", true).unwrap();
    b.rename(&ub, "Work", "Job").unwrap();
    assert_eq!(a.url_key(&ua, "Job", false).unwrap(), None);
    assert_eq!(a.url_key(&ua, "Job/Old", false).unwrap(), None);
    b.create(&ub, "Work").unwrap();
    assert_ne!(a.url_key(&ua, "Work", true).unwrap(), w);
    a.url_key(&ua, "Job/Old", true).unwrap();
    a.delete(&ua, "Job/Old").unwrap();
    a.create(&ua, "Job/Old").unwrap();
    assert_eq!(b.url_key(&ub, "Job/Old", false).unwrap(), None);
    assert!(a.user_by_name(&user).is_some());
    assert!(a.user_by_name("nobody at all").is_none());
    a.set_url_submitter("smtp");
    assert!(a.url_submitter("smtp") && !a.url_submitter(&user));
}
