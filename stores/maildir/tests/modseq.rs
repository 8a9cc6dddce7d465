//! Mod-sequences on Maildir (RFC 7162; the journal `imap-machine-modseq`): kept across a
//! restart, never shared or lowered by two stores on one Maildir, raised by another
//! program's flag change, and kept through the journal's rewrite, tombstones included.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use imap_machine::store::{Backend, Change, Stored};
use imap_machine::types::{Flag, StoreKind};
use imap_machine_maildir::MaildirBackend;

fn msg(n: u32) -> Bytes {
    Bytes::from(format!("From: a@example.org\r\nSubject: {n}\r\n\r\nbody {n}\r\n"))
}

fn backend(root: &Path) -> (MaildirBackend, Arc<imap_machine_maildir::UserData>) {
    let b = MaildirBackend::new(root);
    b.add_user("joe", "secret").unwrap();
    let user = b.login("joe", "secret").unwrap();
    (b, user)
}

/// UID → mod-sequence of every live message.
fn modseqs(b: &MaildirBackend, user: &Arc<imap_machine_maildir::UserData>) -> Vec<(u32, u64)> {
    let s = b.new_session();
    let snap = b.open(user, "INBOX", s, true).unwrap();
    let out = b.fetch_meta(user, "INBOX", s, &snap.uids).unwrap().into_iter().flatten().map(|m| (m.uid, m.modseq));
    let out = out.collect();
    b.close(user, "INBOX", s);
    out
}

#[test]
fn modseqs_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (before, vanished) = {
        let (b, joe) = backend(dir.path());
        assert!(b.mod_seqs());
        let start = b.status(&joe, "INBOX").unwrap().highest_modseq;
        assert_eq!(start, 1);
        for n in 0..4 {
            b.append(&joe, "INBOX", &[], None, msg(n)).unwrap();
        }
        b.store(&joe, "INBOX", &[2], StoreKind::Add, &[Flag::Flagged]).unwrap();
        b.store(&joe, "INBOX", &[3], StoreKind::Add, &[Flag::Deleted]).unwrap();
        assert_eq!(b.expunge(&joe, "INBOX", None, 10).unwrap(), [3]);
        let st = b.status(&joe, "INBOX").unwrap();
        // Four arrivals, two flag changes, one expunge.
        assert_eq!(st.highest_modseq, start + 7);
        let v = b.vanished(&joe, "INBOX", start).unwrap();
        assert_eq!((v.uids.clone(), v.complete), (vec![3], true));
        ((modseqs(&b, &joe), st.highest_modseq), v)
    };
    let (b, joe) = backend(dir.path());
    assert_eq!((modseqs(&b, &joe), b.status(&joe, "INBOX").unwrap().highest_modseq), before);
    assert_eq!(b.vanished(&joe, "INBOX", 1).unwrap(), vanished);
    assert!(b.vanished(&joe, "INBOX", before.1).unwrap().uids.is_empty());
    // The message changed last has the highest; the others keep their arrival's.
    assert_eq!(before.0, [(1, 2), (2, 6), (4, 5)]);
}

#[test]
fn two_stores_on_one_maildir_never_share_a_modseq() {
    let dir = tempfile::tempdir().unwrap();
    let (a, ja) = backend(dir.path());
    for n in 0..20 {
        a.append(&ja, "INBOX", &[], None, msg(n)).unwrap();
    }
    let (b, jb) = backend(dir.path());
    let stores = [(Arc::new(a), ja, 1u32), (Arc::new(b), jb, 11u32)];
    let threads: Vec<_> = stores
        .iter()
        .map(|(backend, user, first)| {
            let (backend, user, first) = (backend.clone(), user.clone(), *first);
            std::thread::spawn(move || {
                let mut taken = Vec::new();
                for round in 0..30 {
                    let kind = if round % 2 == 0 { StoreKind::Add } else { StoreKind::Remove };
                    let uids: Vec<u32> = (first..first + 10).collect();
                    let out = backend.store(&user, "INBOX", &uids, kind, &[Flag::Seen]).unwrap();
                    for (s, m) in out.flags.iter().zip(&out.modseqs) {
                        if matches!(s, Stored::Changed(_)) {
                            taken.push(*m);
                        }
                    }
                }
                taken
            })
        })
        .collect();
    let mut all: Vec<u64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), n, "two changes shared a mod-sequence");
    assert_eq!(n, 600);
    // Both stores come to tell the same HIGHESTMODSEQ and the same mod-sequences: each
    // notices the other's renames once more (a flag change it did not make takes a
    // mod-sequence of its own), then only reads the journal.
    let highest = |k: usize| stores[k].0.status(&stores[k].1, "INBOX").unwrap().highest_modseq;
    let mut rounds = 0;
    loop {
        let (a, b) = (highest(0), highest(1));
        if a == b && highest(0) == a {
            break;
        }
        rounds += 1;
        assert!(rounds < 5, "the stores do not agree: {a} and {b}");
    }
    assert!(highest(0) >= *all.last().unwrap());
    assert_eq!(modseqs(&stores[0].0, &stores[0].1), modseqs(&stores[1].0, &stores[1].1));
}

#[test]
fn another_programs_flag_change_raises_the_modseq() {
    let dir = tempfile::tempdir().unwrap();
    let (b, joe) = backend(dir.path());
    b.append(&joe, "INBOX", &[Flag::Seen], None, msg(1)).unwrap();
    let s = b.new_session();
    let snap = b.open(&joe, "INBOX", s, false).unwrap();
    let cur = dir.path().join("joe/cur");
    let name = std::fs::read_dir(&cur).unwrap().next().unwrap().unwrap().file_name().into_string().unwrap();
    // Another client (Dovecot, mutt) flags it by renaming the file; the mtime check
    // trusts a directory only once its time is a second old.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::rename(cur.join(&name), cur.join(format!("{name}F"))).unwrap();
    let batch = b.changes(&joe, "INBOX", s, snap.cursor, false, 100).unwrap();
    let [Change::Flags { uid: 1, modseq, .. }] = batch.changes[..] else { panic!("{batch:?}") };
    assert!(modseq > snap.highest_modseq, "{modseq} after {}", snap.highest_modseq);
    assert_eq!(b.status(&joe, "INBOX").unwrap().highest_modseq, modseq);
    // UNCHANGEDSINCE the old mod-sequence now fails for it.
    let out = b.store_unchanged_since(&joe, "INBOX", &[1], StoreKind::Add, &[Flag::Answered], snap.highest_modseq);
    assert_eq!(out.unwrap().flags, [Stored::Modified]);
    let out = b.store_unchanged_since(&joe, "INBOX", &[1], StoreKind::Add, &[Flag::Answered], modseq).unwrap();
    assert!(matches!(out.flags[..], [Stored::Changed(_)]) && out.modseqs[0] > modseq);
}

#[test]
fn the_journal_rewrite_keeps_highestmodseq_and_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("joe/imap-machine-modseq");
    let (highest, vanished) = {
        let (b, joe) = backend(dir.path());
        for n in 0..30 {
            b.append(&joe, "INBOX", &[], None, msg(n)).unwrap();
        }
        b.store(&joe, "INBOX", &[5, 6], StoreKind::Add, &[Flag::Deleted]).unwrap();
        b.expunge(&joe, "INBOX", None, 10).unwrap();
        let uids: Vec<u32> = (7..=30).collect();
        // Enough changes to pass four times what the live lines need (256 KiB here).
        for round in 0..1100 {
            let kind = if round % 2 == 0 { StoreKind::Add } else { StoreKind::Remove };
            b.store(&joe, "INBOX", &uids, kind, &[Flag::Flagged]).unwrap();
        }
        let st = b.status(&joe, "INBOX").unwrap();
        (st.highest_modseq, b.vanished(&joe, "INBOX", 1).unwrap())
    };
    assert!(std::fs::metadata(&journal).unwrap().len() < 256 * 1024, "the journal was rewritten");
    assert_eq!((vanished.uids.clone(), vanished.complete), (vec![5, 6], true));
    let (b, joe) = backend(dir.path());
    assert_eq!(b.status(&joe, "INBOX").unwrap().highest_modseq, highest);
    assert_eq!(b.vanished(&joe, "INBOX", 1).unwrap(), vanished);
    let last = modseqs(&b, &joe);
    assert!(last.iter().all(|(_, m)| *m <= highest) && last.iter().any(|(_, m)| *m == highest));
}
