//! What the Maildir store leaves on disk and reads back: a reopened store, `tmp/`
//! orphans, mail other processes deliver or change, and a Maildir Dovecot wrote.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use imap_machine::store::{Backend, Change, SessionId};
use imap_machine::types::{DateTime, Flag, StoreKind};
use imap_machine_maildir::MaildirBackend;

fn kw(s: &str) -> Flag {
    Flag::parse(s).unwrap()
}

fn msg(n: u32) -> Bytes {
    Bytes::from(format!("From: a@example.org\r\nSubject: {n}\r\n\r\nbody {n}\r\n"))
}

fn backend(root: &Path) -> (MaildirBackend, Arc<imap_machine_maildir::UserData>) {
    let b = MaildirBackend::new(root);
    b.add_user("joe", "secret").unwrap();
    let user = b.login("joe", "secret").unwrap();
    (b, user)
}

fn sorted(mut v: Vec<Flag>) -> Vec<Flag> {
    v.sort_by_key(|f| f.to_string().to_ascii_lowercase());
    v
}

/// UID → flags of every message, as a fresh read-only session sees them.
fn contents(b: &MaildirBackend, user: &Arc<imap_machine_maildir::UserData>, name: &str) -> Vec<(u32, Vec<Flag>)> {
    let s = b.new_session();
    let snap = b.open(user, name, s, true).unwrap();
    let data = b.fetch(user, name, s, &snap.uids).unwrap();
    b.close(user, name, s);
    data.into_iter().map(|d| d.unwrap()).map(|d| (d.uid, sorted(d.flags))).collect()
}

#[test]
fn a_reopened_store_has_the_same_uids_flags_and_keywords() {
    let dir = tempfile::tempdir().unwrap();
    let date = DateTime::parse("17-Jul-1996 02:44:25 -0700").unwrap();
    let (before, status, subs) = {
        let (b, joe) = backend(dir.path());
        assert_eq!(b.login("joe", "wrong").unwrap_err(), imap_machine::store::StoreError::AuthenticationFailed);
        b.append(&joe, "INBOX", &[Flag::Seen, kw("$Label1")], Some(date), msg(1)).unwrap();
        b.append(&joe, "INBOX", &[], None, msg(2)).unwrap();
        b.append(&joe, "INBOX", &[Flag::Flagged, kw("work")], None, msg(3)).unwrap();
        b.store(&joe, "INBOX", &[2], StoreKind::Add, &[Flag::Deleted]).unwrap();
        assert_eq!(b.expunge(&joe, "INBOX", None, 10).unwrap(), [2]);
        let out = b.store(&joe, "INBOX", &[1, 2], StoreKind::Add, &[Flag::Answered]).unwrap();
        assert!(matches!(out.flags[1], imap_machine::store::Stored::Expunged));
        b.store(&joe, "INBOX", &[1], StoreKind::Remove, &[Flag::Seen]).unwrap();
        b.create(&joe, "Sub/Folder").unwrap();
        b.append(&joe, "Sub/Folder", &[Flag::Draft], None, msg(4)).unwrap();
        b.subscribe(&joe, "Sub/Folder", true).unwrap();
        let data = b.fetch(&joe, "INBOX", SessionId(0), &[1]).unwrap();
        assert_eq!(data[0].as_ref().unwrap().internal_date.as_chrono().timestamp(), date.as_chrono().timestamp());
        (contents(&b, &joe, "INBOX"), b.status(&joe, "INBOX").unwrap(), b.subscriptions(&joe).unwrap())
    };
    assert_eq!(
        before,
        [(1, sorted(vec![Flag::Answered, kw("$Label1")])), (3, sorted(vec![Flag::Flagged, kw("work")]))]
    );
    let (b, joe) = backend(dir.path());
    assert_eq!(contents(&b, &joe, "INBOX"), before);
    let again = b.status(&joe, "INBOX").unwrap();
    assert_eq!((again.uid_validity, again.uid_next, again.messages), (status.uid_validity, 4, 2));
    let s = b.new_session();
    let snap = b.open(&joe, "INBOX", s, false).unwrap();
    assert!(snap.flags.contains(&kw("$label1")) && snap.flags.contains(&kw("WORK")));
    assert_eq!(b.subscriptions(&joe).unwrap(), subs);
    assert!(subs.contains(&"Sub/Folder".to_string()) && subs.contains(&"Trash".to_string()));
    let names: Vec<String> = b.list(&joe).unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["Drafts", "INBOX", "Sent", "Sub", "Sub/Folder", "Trash"]);
    assert_eq!(contents(&b, &joe, "Sub/Folder"), [(1, vec![Flag::Draft])]);
    // UIDs are never given twice, even the expunged 2 and the last one, 3.
    assert_eq!(b.append(&joe, "INBOX", &[], None, msg(5)).unwrap().1, 4);
    let data = b.fetch(&joe, "INBOX", s, &[3]).unwrap();
    assert_eq!(data[0].as_ref().unwrap().body, msg(3));
}

#[test]
fn uidvalidity_is_new_for_each_incarnation() {
    let dir = tempfile::tempdir().unwrap();
    let (b, joe) = backend(dir.path());
    b.create(&joe, "A").unwrap();
    let first = b.status(&joe, "A").unwrap().uid_validity;
    b.delete(&joe, "A").unwrap();
    assert_eq!(b.status(&joe, "A").unwrap_err(), imap_machine::store::StoreError::NoSuchMailbox);
    b.create(&joe, "A").unwrap();
    let second = b.status(&joe, "A").unwrap().uid_validity;
    assert_ne!(first, second);
    b.append(&joe, "A", &[], None, msg(1)).unwrap();
    b.rename(&joe, "A", "B/C").unwrap();
    let renamed = b.status(&joe, "B/C").unwrap();
    assert_eq!((renamed.uid_validity, renamed.messages), (second, 1));
    // RENAME INBOX moves its messages.
    b.append(&joe, "INBOX", &[], None, msg(2)).unwrap();
    b.rename(&joe, "INBOX", "Old").unwrap();
    assert_eq!(b.status(&joe, "INBOX").unwrap().messages, 0);
    assert_eq!(b.status(&joe, "Old").unwrap().messages, 1);
    // Deleting a superior leaves it \Noselect.
    b.delete(&joe, "B").unwrap();
    let b_info = b.list(&joe).unwrap().into_iter().find(|m| m.name == "B").unwrap();
    assert!(b_info.attributes.contains(&imap_machine::types::ListAttribute::NoSelect));
    assert!(b.delete(&joe, "B").is_err());
    assert_eq!(b.status(&joe, "B/C").unwrap().messages, 1);
}

#[test]
fn tmp_orphans_are_removed_and_never_seen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (b, joe) = backend(dir.path());
        b.append(&joe, "INBOX", &[], None, msg(1)).unwrap();
    }
    let tmp = dir.path().join("joe/tmp");
    // A crash long ago, and a delivery (or crash) in progress now.
    std::fs::write(tmp.join("1.M1P1.host,S=5"), b"half ").unwrap();
    std::fs::write(tmp.join("2.M2P2.host,S=5"), b"half ").unwrap();
    let old = SystemTime::now() - Duration::from_secs(40 * 3600);
    let f = std::fs::File::options().write(true).open(tmp.join("1.M1P1.host,S=5")).unwrap();
    f.set_times(std::fs::FileTimes::new().set_accessed(old).set_modified(old)).unwrap();
    drop(f);
    let (b, joe) = backend(dir.path());
    assert_eq!(b.status(&joe, "INBOX").unwrap().messages, 1);
    assert!(!tmp.join("1.M1P1.host,S=5").exists());
    assert!(tmp.join("2.M2P2.host,S=5").exists());
    assert_eq!(contents(&b, &joe, "INBOX").len(), 1);
}

#[test]
fn mail_other_processes_deliver_change_and_remove() {
    let dir = tempfile::tempdir().unwrap();
    let (b, joe) = backend(dir.path());
    let s = b.new_session();
    let snap = b.open(&joe, "INBOX", s, false).unwrap();
    assert!(snap.uids.is_empty());
    // An MDA delivers into new/ (through tmp/, without any lock).
    let inbox = dir.path().join("joe");
    std::fs::write(inbox.join("tmp/100.M1P9.mx"), b"Subject: x\n\nhi\n").unwrap();
    std::fs::rename(inbox.join("tmp/100.M1P9.mx"), inbox.join("new/100.M1P9.mx")).unwrap();
    let batch = b.changes(&joe, "INBOX", s, snap.cursor, false, 100).unwrap();
    assert_eq!(batch.changes, [Change::Appended { uid: 1 }]);
    assert_eq!(batch.recent, [1]);
    let uidlist = std::fs::read_to_string(inbox.join("dovecot-uidlist")).unwrap();
    assert!(uidlist.lines().any(|l| l == "1 :100.M1P9.mx"), "{uidlist}");
    // Claimed: moved to cur/, as Dovecot does. The bare LF file is served with CRLF.
    assert!(inbox.join("cur/100.M1P9.mx:2,").exists());
    let data = b.fetch(&joe, "INBOX", s, &[1]).unwrap().pop().unwrap().unwrap();
    assert_eq!(&data.body[..], b"Subject: x\r\n\r\nhi\r\n");
    // STATUS SIZE counts it as served (no W= field says its size): at least the
    // RFC822.SIZE FETCH reports, as RFC 8438 §3 requires.
    assert_eq!(b.status(&joe, "INBOX").unwrap().size, 18);
    // Another client marks it seen and flagged.
    std::fs::rename(inbox.join("cur/100.M1P9.mx:2,"), inbox.join("cur/100.M1P9.mx:2,FS")).unwrap();
    let batch = b.changes(&joe, "INBOX", s, batch.cursor, false, 100).unwrap();
    assert_eq!(batch.changes.len(), 1);
    let Change::Flags { uid: 1, flags, .. } = &batch.changes[0] else { panic!("{batch:?}") };
    assert_eq!(sorted(flags.clone()), [Flag::Flagged, Flag::Seen]);
    // Our STORE renames the file it was renamed to.
    b.store(&joe, "INBOX", &[1], StoreKind::Add, &[Flag::Deleted]).unwrap();
    assert!(inbox.join("cur/100.M1P9.mx:2,FST").exists());
    // Another client expunges it; we still had it open: the expunge is reported.
    std::fs::remove_file(inbox.join("cur/100.M1P9.mx:2,FST")).unwrap();
    let batch = b.changes(&joe, "INBOX", s, batch.cursor + 1, false, 100).unwrap();
    assert_eq!(batch.changes, [Change::Expunged { uid: 1 }]);
    assert_eq!(b.status(&joe, "INBOX").unwrap().messages, 0);
}

#[test]
fn two_stores_on_one_maildir_never_share_a_uid() {
    let dir = tempfile::tempdir().unwrap();
    let (a, ja) = backend(dir.path());
    let (b, jb) = backend(dir.path());
    let threads: Vec<_> = [(Arc::new(a), ja), (Arc::new(b), jb)]
        .into_iter()
        .map(|(backend, user)| {
            std::thread::spawn(move || {
                let uids: Vec<u32> =
                    (0..20).map(|n| backend.append(&user, "INBOX", &[], None, msg(n)).unwrap().1).collect();
                (backend, user, uids)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut stores = Vec::new();
    for t in threads {
        let (backend, user, uids) = t.join().unwrap();
        all.extend(uids);
        stores.push((backend, user));
    }
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), 40);
    for (backend, user) in &stores {
        let s = backend.new_session();
        assert_eq!(backend.open(user, "INBOX", s, true).unwrap().uids, all);
    }
}

#[test]
fn reads_a_maildir_dovecot_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("joe");
    for sub in ["cur", "new", "tmp", ".Lists.rust/cur", ".Lists.rust/new", ".Lists.rust/tmp"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(
        root.join("dovecot-uidlist"),
        "3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1\n\
         25006 W30 :1276528487.M364837P9451.kurkku,S=27,W=30\n\
         25017 :1276533073.M242911P3632.kurkku,S=10\n",
    )
    .unwrap();
    std::fs::write(root.join("dovecot-keywords"), "0 $Label1\n1 Junk\n").unwrap();
    std::fs::write(root.join("cur/1276528487.M364837P9451.kurkku,S=27,W=30:2,RSb"), "Subject: a\n\nline 1\nline 2\n")
        .unwrap();
    // Listed, but gone (expunged by Dovecot before its next uidlist rewrite).
    // Unlisted: new mail that gets the next UID.
    std::fs::write(root.join("new/1276533080.M1P1.kurkku,S=9"), "Subject: b\r\n\r\nx\r\n").unwrap();
    std::fs::write(root.join("subscriptions"), "V\t2\n\nINBOX\nLists\trust\n").unwrap();
    let (b, joe) = backend(dir.path());
    let status = b.status(&joe, "INBOX").unwrap();
    assert_eq!((status.uid_validity, status.uid_next, status.messages, status.recent), (1275660208, 25023, 2, 1));
    // W= is trusted; without it, S= is not: the file is read for the size it is served
    // with (RFC 8438 §3: STATUS SIZE is at least the sum of the RFC822.SIZE of FETCH).
    assert_eq!(status.size, 30 + 17);
    let s = b.new_session();
    let snap = b.open(&joe, "INBOX", s, false).unwrap();
    assert_eq!(snap.uids, [25006, 25022]);
    assert_eq!(snap.recent, [25022]);
    assert!(snap.flags.contains(&kw("Junk")));
    let data = b.fetch(&joe, "INBOX", s, &[25006]).unwrap().pop().unwrap().unwrap();
    assert_eq!(sorted(data.flags), sorted(vec![Flag::Answered, Flag::Seen, kw("Junk")]));
    assert_eq!(&data.body[..], b"Subject: a\r\n\r\nline 1\r\nline 2\r\n");
    assert_eq!(b.subscriptions(&joe).unwrap(), ["INBOX", "Lists/rust"]);
    let names: Vec<String> = b.list(&joe).unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["INBOX", "Lists", "Lists/rust"]);
    // The uidlist keeps Dovecot's extension fields and drops the vanished record.
    let uidlist = std::fs::read_to_string(root.join("dovecot-uidlist")).unwrap();
    assert!(uidlist.starts_with("3 V1275660208 N25023 G3085f01b7f11094c501100008c4a11c1\n"), "{uidlist}");
    assert!(uidlist.contains("25006 W30 :1276528487.M364837P9451.kurkku,S=27,W=30\n"));
    assert!(uidlist.contains("25022 :1276533080.M1P1.kurkku,S=9\n"));
    assert!(!uidlist.contains("25017"));
    // A new keyword goes to the next letter.
    b.store(&joe, "INBOX", &[25006], StoreKind::Add, &[kw("work")]).unwrap();
    assert_eq!(std::fs::read_to_string(root.join("dovecot-keywords")).unwrap(), "0 $Label1\n1 Junk\n2 work\n");
    assert!(root.join("cur/1276528487.M364837P9451.kurkku,S=27,W=30:2,RSbc").exists());
}

#[test]
fn another_process_changes_are_seen_in_order_and_wake_watchers() {
    let dir = tempfile::tempdir().unwrap();
    let (a, ja) = backend(dir.path());
    let (b, jb) = backend(dir.path());
    let s = a.new_session();
    let snap = a.open(&ja, "INBOX", s, false).unwrap();
    let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let w = woken.clone();
    a.watch(
        &ja,
        "INBOX",
        s,
        Arc::new(move || {
            w.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }),
    );
    a.poll();
    assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 0);
    let (_, u1) = b.append(&jb, "INBOX", &[], None, msg(1)).unwrap();
    let (_, u2) = b.append(&jb, "INBOX", &[kw("later")], None, msg(2)).unwrap();
    b.store(&jb, "INBOX", &[u1], StoreKind::Add, &[Flag::Deleted]).unwrap();
    b.expunge(&jb, "INBOX", None, 10).unwrap();
    a.poll();
    assert!(woken.load(std::sync::atomic::Ordering::SeqCst) > 0);
    let batch = a.changes(&ja, "INBOX", s, snap.cursor, false, 100).unwrap();
    assert_eq!(batch.changes, [Change::Keyword { flag: kw("later") }, Change::Appended { uid: u2 }]);
    assert_eq!(batch.recent, [u2]);
    let data = a.fetch(&ja, "INBOX", s, &[u2]).unwrap().pop().unwrap().unwrap();
    assert_eq!(data.flags, [kw("later")]);
    // And the other way round, while B has it open.
    let sb = b.new_session();
    let snap_b = b.open(&jb, "INBOX", sb, true).unwrap();
    assert_eq!(snap_b.uids, [u2]);
    a.store(&ja, "INBOX", &[u2], StoreKind::Add, &[Flag::Seen]).unwrap();
    let batch = b.changes(&jb, "INBOX", sb, snap_b.cursor, true, 100).unwrap();
    assert_eq!(batch.changes.len(), 1);
    let Change::Flags { uid, flags, .. } = &batch.changes[0] else { panic!("{batch:?}") };
    assert_eq!((*uid, sorted(flags.clone())), (u2, sorted(vec![kw("later"), Flag::Seen])));
}

/// FETCH of UID, FLAGS, INTERNALDATE and RFC822.SIZE reads no message: `fetch_meta`
/// answers from the index (the `W=` size in the file name) and a `stat`, the same as
/// `fetch` does; a file whose bytes change under it still reports its recorded size.
#[test]
fn metadata_without_reading_messages() {
    let dir = tempfile::tempdir().unwrap();
    let (b, user) = backend(dir.path());
    let date = DateTime::parse("05-Dec-2026 10:00:00 +0000").unwrap();
    let lf_only = Bytes::from_static(b"Subject: lf\n\nbare LF\n");
    for body in [msg(1), msg(2), lf_only] {
        b.append(&user, "INBOX", &[Flag::Seen], Some(date), body).unwrap();
    }
    let s = b.new_session();
    let snap = b.open(&user, "INBOX", s, true).unwrap();
    let full = b.fetch(&user, "INBOX", s, &snap.uids).unwrap();
    let meta = b.fetch_meta(&user, "INBOX", s, &snap.uids).unwrap();
    for (f, m) in full.iter().zip(&meta) {
        let (f, m) = (f.as_ref().unwrap(), m.as_ref().unwrap());
        assert!(m.body.is_empty());
        assert_eq!((m.uid, &m.flags, m.internal_date, m.size), (f.uid, &f.flags, f.internal_date, f.body.len() as u32));
    }
    // The bare-LF message is served with CRLF: its size counts the CRs.
    assert_eq!(meta[2].as_ref().unwrap().size, b"Subject: lf\r\n\r\nbare LF\r\n".len() as u32);
    // Not read: cut message 1 down on disk; the metadata still has the recorded size.
    let cur = dir.path().join("joe/cur");
    let new = dir.path().join("joe/new");
    let file = std::fs::read_dir(&cur)
        .unwrap()
        .chain(std::fs::read_dir(&new).unwrap())
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read(p).unwrap().ends_with(b"body 1\r\n"))
        .unwrap();
    let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
    std::fs::write(&file, b"cut").unwrap();
    std::fs::File::options().write(true).open(&file).unwrap().set_modified(mtime).unwrap();
    let meta = b.fetch_meta(&user, "INBOX", s, &snap.uids[..1]).unwrap();
    assert_eq!(meta[0].as_ref().unwrap().size, msg(1).len() as u32);
    b.close(&user, "INBOX", s);
}
