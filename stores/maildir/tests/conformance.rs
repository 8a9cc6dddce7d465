//! The core's backend conformance suite against Maildir stores in a temporary directory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use imap_machine::testing::conformance::{check_backend, Fixture};
use imap_machine_maildir::MaildirBackend;

fn run(cases: u32, fsync: bool) {
    let parent = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    check_backend(cases, || {
        let k = n.fetch_add(1, Ordering::Relaxed);
        let root = parent.path().join(k.to_string());
        // The three chunkings of a case must tell the clients the same, UIDVALIDITY
        // included: start the counter above the clock, so that it does not depend on it.
        std::fs::create_dir_all(root.join("joe")).unwrap();
        std::fs::write(root.join("joe/dovecot-uidvalidity"), "f0000000").unwrap();
        let backend = MaildirBackend::new(root).with_fsync(fsync);
        backend.add_user("joe", "secret").unwrap();
        Fixture { backend: Arc::new(backend), username: "joe".into(), password: "secret".into() }
    });
}

#[test]
fn conformance() {
    run(256, false);
}

#[test]
fn conformance_with_fsync() {
    run(32, true);
}
