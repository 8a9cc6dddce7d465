//! CREATE-SPECIAL-USE on Maildir (RFC 6154 §3): the special uses survive a restart (a new
//! backend on the same directory) and a RENAME; a refused one leaves nothing behind.

use imap_machine::store::{Backend, StoreError};
use imap_machine::types::ListAttribute as LA;
use imap_machine_maildir::MaildirBackend;

fn attributes(b: &MaildirBackend, user: &<MaildirBackend as Backend>::User, name: &str) -> Option<Vec<LA>> {
    b.list(user).unwrap().into_iter().find(|m| m.name == name).map(|m| m.attributes)
}

#[test]
fn special_uses_survive_a_restart_and_a_rename() {
    let dir = tempfile::tempdir().unwrap();
    {
        let b = MaildirBackend::new(dir.path()).with_fsync(false);
        b.add_user("joe", "secret").unwrap();
        let joe = b.login("joe", "secret").unwrap();
        b.create_special_use(&joe, "Outgoing", &[LA::Sent, LA::Drafts]).unwrap();
        b.create_special_use(&joe, "Spam/Old", &[LA::Junk]).unwrap();
        assert_eq!(b.create_special_use(&joe, "Everything", &[LA::All]), Err(StoreError::UseAttr));
        assert_eq!(b.create_special_use(&joe, "Odd", &[LA::Marked]), Err(StoreError::UseAttr));
        assert!(attributes(&b, &joe, "Everything").is_none() && attributes(&b, &joe, "Odd").is_none());
        assert_eq!(attributes(&b, &joe, "Outgoing").unwrap(), [LA::HasNoChildren, LA::Sent, LA::Drafts]);
    }
    // A new process on the same Maildir.
    let b = MaildirBackend::new(dir.path()).with_fsync(false);
    b.add_user("joe", "secret").unwrap();
    let joe = b.login("joe", "secret").unwrap();
    assert_eq!(attributes(&b, &joe, "Outgoing").unwrap(), [LA::HasNoChildren, LA::Sent, LA::Drafts]);
    assert_eq!(attributes(&b, &joe, "Spam/Old").unwrap(), [LA::HasNoChildren, LA::Junk]);
    // Its superior, created with it, has none; a name with a default keeps its default.
    assert_eq!(attributes(&b, &joe, "Spam").unwrap(), [LA::HasChildren]);
    assert_eq!(attributes(&b, &joe, "Sent").unwrap(), [LA::HasNoChildren, LA::Sent]);
    b.rename(&joe, "Outgoing", "Archive/Outgoing").unwrap();
    assert_eq!(attributes(&b, &joe, "Archive/Outgoing").unwrap(), [LA::HasNoChildren, LA::Sent, LA::Drafts]);
    b.delete(&joe, "Archive/Outgoing").unwrap();
    b.create(&joe, "Archive/Outgoing").unwrap();
    assert_eq!(attributes(&b, &joe, "Archive/Outgoing").unwrap(), [LA::HasNoChildren], "gone with the mailbox");
    // Nothing staged is left in tmp/.
    assert_eq!(std::fs::read_dir(dir.path().join("joe/tmp")).unwrap().count(), 0);
}
