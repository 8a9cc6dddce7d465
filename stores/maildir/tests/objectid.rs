//! SAVEDATE (RFC 8514) and OBJECTID (RFC 8474) on a Maildir: save dates, EMAILIDs and
//! MAILBOXIDs are the same after the store is reopened; a copy keeps its EMAILID and gets
//! its own save date; RENAME keeps the MAILBOXID; a Dovecot `G` field is the EMAILID.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use imap_machine::store::{Backend, SessionId};
use imap_machine::types::{DateTime, ObjectId};
use imap_machine_maildir::{MaildirBackend, UserData};

fn backend(root: &Path) -> (MaildirBackend, Arc<UserData>) {
    let b = MaildirBackend::new(root);
    b.add_user("joe", "secret").unwrap();
    let user = b.login("joe", "secret").unwrap();
    (b, user)
}

type Ids = Vec<(u32, Option<DateTime>, Option<ObjectId>, DateTime)>;

/// UID, save date, EMAILID and INTERNALDATE of every message, as `fetch_meta` and
/// `fetch` give them (which must agree).
fn ids(b: &MaildirBackend, user: &Arc<UserData>, name: &str) -> Ids {
    let s = b.new_session();
    let snap = b.open(user, name, s, true).unwrap();
    let meta = b.fetch_meta(user, name, s, &snap.uids).unwrap();
    let full = b.fetch(user, name, s, &snap.uids).unwrap();
    b.close(user, name, s);
    let out: Ids = meta.into_iter().flatten().map(|d| (d.uid, d.save_date, d.email_id, d.internal_date)).collect();
    let again: Ids = full.into_iter().flatten().map(|d| (d.uid, d.save_date, d.email_id, d.internal_date)).collect();
    assert_eq!(out, again);
    out
}

#[test]
fn ids_and_save_dates_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let old = DateTime::parse("17-Jul-1996 02:44:25 -0700").unwrap();
    let msg = Bytes::from_static(b"Subject: one\r\n\r\nhi\r\n");
    let (before, folder_id) = {
        let (b, joe) = backend(dir.path());
        assert!(b.object_ids());
        b.append(&joe, "INBOX", &[], Some(old), msg.clone()).unwrap();
        b.append(&joe, "INBOX", &[], None, msg.clone()).unwrap();
        b.create(&joe, "Folder").unwrap();
        let folder_id = b.mailbox_id(&joe, "Folder").unwrap().unwrap();
        assert_eq!(b.mailbox_id(&joe, "Folder").unwrap().unwrap(), folder_id);
        assert_ne!(b.mailbox_id(&joe, "INBOX").unwrap().unwrap(), folder_id);
        b.copy(&joe, "INBOX", SessionId(0), &[1], "Folder").unwrap();
        b.move_messages(&joe, "INBOX", SessionId(0), &[2], "Folder").unwrap();
        b.rename(&joe, "Folder", "Renamed").unwrap();
        assert_eq!(b.mailbox_id(&joe, "Renamed").unwrap().unwrap(), folder_id);
        let inbox = ids(&b, &joe, "INBOX");
        let renamed = ids(&b, &joe, "Renamed");
        // The copy has the original's EMAILID and INTERNALDATE, and a save date of now
        // (the APPEND's INTERNALDATE was in 1996; its save date is today).
        assert_eq!(inbox.len(), 1);
        assert_eq!(renamed.len(), 2);
        assert_eq!(renamed[0].2, inbox[0].2);
        assert_eq!(renamed[0].3, old);
        assert_ne!(inbox[0].1, Some(old));
        assert!(inbox[0].1.unwrap().as_chrono().timestamp() > 1_600_000_000);
        assert!(renamed.iter().all(|r| r.1.is_some() && r.2.is_some()));
        assert_ne!(renamed[0].2, renamed[1].2);
        ((inbox, renamed, b.mailbox_id(&joe, "INBOX").unwrap()), folder_id)
    };
    let (b, joe) = backend(dir.path());
    assert_eq!(ids(&b, &joe, "INBOX"), before.0);
    assert_eq!(ids(&b, &joe, "Renamed"), before.1);
    assert_eq!(b.mailbox_id(&joe, "INBOX").unwrap(), before.2);
    assert_eq!(b.mailbox_id(&joe, "Renamed").unwrap(), Some(folder_id));
}

#[test]
fn a_dovecot_guid_is_the_emailid() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("joe");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(root.join("cur/1276528487.M364837P9451.kurkku,S=20:2,S"), "Subject: x\r\n\r\nhi\r\n").unwrap();
    std::fs::write(
        root.join("dovecot-uidlist"),
        "3 V1275660208 N2 G3085f01b7f11094c501100008c4a11c1\n1 G0123456789abcdef0123456789abcdef :1276528487.M364837P9451.kurkku,S=20\n",
    )
    .unwrap();
    let b = MaildirBackend::new(dir.path());
    b.add_user("joe", "secret").unwrap();
    let joe = b.login("joe", "secret").unwrap();
    let got = ids(&b, &joe, "INBOX");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].2.as_ref().unwrap().as_str(), "0123456789abcdef0123456789abcdef");
    assert_eq!(got[0].1.unwrap().to_string(), "14-Jun-2010 15:14:47 +0000");
    assert_eq!(b.mailbox_id(&joe, "INBOX").unwrap().unwrap().as_str(), "3085f01b7f11094c501100008c4a11c1");
}
