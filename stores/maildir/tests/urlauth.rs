//! URLAUTH keys (RFC 4467 §2.2) on Maildir: a key made by one process validates on
//! another and after a restart; two processes making one at once agree on it; RESETKEY,
//! DELETE and RENAME revoke; the key table is owner-only. The memory store does the same
//! within one process. URLs made with these keys are checked end to end against
//! `imapm serve --store maildir:` in `cli/tests/urlauth.rs`.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::{Backend, StoreError};
use imap_machine_maildir::MaildirBackend;

/// The scenario on two backends of one store (two processes, or the same one twice).
fn scenario<B: Backend>(a: &B, b: &B) {
    let (ua, ub) = (a.login("joe", "secret").unwrap(), b.login("joe", "secret").unwrap());
    assert!(a.url_keys());
    assert_eq!(a.url_key(&ua, "INBOX", false).unwrap(), None, "none until asked for");
    let k = a.url_key(&ua, "INBOX", true).unwrap().unwrap();
    assert_eq!(k.len(), 16, "128 bits");
    assert_eq!(b.url_key(&ub, "INBOX", false).unwrap(), Some(k.clone()), "seen by the other");
    assert_eq!(b.url_key(&ub, "INBOX", true).unwrap(), Some(k.clone()), "not made twice");
    assert_eq!(a.url_key(&ua, "Nope", true), Err(StoreError::NoSuchMailbox));
    // RESETKEY of a mailbox: a new key; of none: no keys.
    b.reset_url_keys(&ub, Some("INBOX")).unwrap();
    let k2 = a.url_key(&ua, "INBOX", false).unwrap().unwrap();
    assert_ne!(k2, k);
    b.reset_url_keys(&ub, None).unwrap();
    assert_eq!(a.url_key(&ua, "INBOX", false).unwrap(), None);
    // DELETE and RENAME drop the keys of a mailbox and its inferiors.
    a.create(&ua, "Work").unwrap();
    a.create(&ua, "Work/Old").unwrap();
    let w = a.url_key(&ua, "Work", true).unwrap();
    a.url_key(&ua, "Work/Old", true).unwrap();
    b.rename(&ub, "Work", "Job").unwrap();
    assert_eq!(a.url_key(&ua, "Job", false).unwrap(), None);
    assert_eq!(a.url_key(&ua, "Job/Old", false).unwrap(), None);
    b.create(&ub, "Work").unwrap();
    assert_ne!(a.url_key(&ua, "Work", true).unwrap(), w, "a later mailbox of the name gets a new key");
    a.url_key(&ua, "Job/Old", true).unwrap();
    a.delete(&ua, "Job/Old").unwrap();
    a.create(&ua, "Job/Old").unwrap();
    assert_eq!(b.url_key(&ub, "Job/Old", false).unwrap(), None);
    // The owner of a URL is found by name, without a password.
    assert!(a.user_by_name("joe").is_some());
    assert!(a.user_by_name("nobody").is_none());
}

#[test]
fn maildir_keys_are_shared_by_processes_and_outlive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        let b = MaildirBackend::new(dir.path()).with_fsync(false);
        b.add_user("joe", "secret").unwrap();
        b
    };
    let (a, b) = (open(), open());
    scenario(&a, &b);
    let joe = a.login("joe", "secret").unwrap();
    let k = a.url_key(&joe, "INBOX", true).unwrap();
    drop((a, b));
    let c = open();
    let joe = c.login("joe", "secret").unwrap();
    assert_eq!(c.url_key(&joe, "INBOX", false).unwrap(), k, "after a restart");
    let table = dir.path().join("joe").join("imap-machine-urlauth");
    let mode = std::fs::metadata(&table).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "keys are the owner's only");
}

#[test]
fn processes_making_a_key_at_once_agree() {
    let dir = tempfile::tempdir().unwrap();
    let backends: Vec<_> = (0..4)
        .map(|_| {
            let b = MaildirBackend::new(dir.path()).with_fsync(false);
            b.add_user("joe", "secret").unwrap();
            Arc::new(b)
        })
        .collect();
    let keys: Vec<_> = backends
        .iter()
        .map(|b| {
            let b = b.clone();
            std::thread::spawn(move || {
                let joe = b.login("joe", "secret").unwrap();
                b.url_key(&joe, "INBOX", true).unwrap().unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    assert!(keys.windows(2).all(|w| w[0] == w[1]), "{keys:?}");
}

#[test]
fn the_memory_store_does_the_same() {
    let m = MemoryBackend::new();
    m.add_user("joe", "secret");
    scenario(&m, &m);
}
