//! Two backends on one database, as two `imapm serve` processes have them: a session
//! watching a mailbox on one is woken by a change made through the other (LISTEN/NOTIFY),
//! reads it from the change log, and concurrent APPENDs through both never repeat a UID.

mod common;

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use imap_machine::store::{Backend, Change, SessionId};
use imap_machine::types::{Flag, StoreKind};
use imap_machine_postgres::PostgresBackend;

fn pair(test: &str) -> Option<(PostgresBackend, PostgresBackend, String)> {
    let url = common::url(test)?;
    let a = PostgresBackend::connect(&url).expect("connect a");
    let b = PostgresBackend::connect(&url).expect("connect b");
    let user = common::fresh_user("proc");
    a.add_user(&user, "secret").unwrap();
    Some((a, b, user))
}

fn message(k: usize) -> Bytes {
    Bytes::from(format!("Subject: {k}\r\n\r\nbody {k}\r\n"))
}

#[test]
fn a_change_through_one_wakes_a_session_on_the_other() {
    let Some((a, b, user)) = pair("postgres wake") else { return };
    let (ua, ub) = (a.login(&user, "secret").unwrap(), b.login(&user, "secret").unwrap());
    let session = a.new_session();
    let snap = a.open(&ua, "INBOX", session, false).unwrap();
    let (tx, rx) = mpsc::channel();
    a.watch(
        &ua,
        "INBOX",
        session,
        Arc::new(move || {
            let _ = tx.send(Instant::now());
        }),
    );
    let mut cursor = snap.cursor;
    let mut latencies = Vec::new();
    for k in 0..40 {
        while rx.try_recv().is_ok() {}
        let sent = Instant::now();
        let (_, uid) = b.append(&ub, "INBOX", &[], None, message(k)).unwrap();
        let woken = rx.recv_timeout(Duration::from_secs(5)).expect("woken within 5 s");
        latencies.push(woken.duration_since(sent));
        let batch = a.changes(&ua, "INBOX", session, cursor, false, 100).unwrap();
        assert_eq!(batch.changes, vec![Change::Appended { uid }]);
        assert_eq!(batch.recent, vec![uid], "claimed by the session that saw it");
        cursor = batch.cursor;
    }
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100 - 1];
    eprintln!("APPEND through B to a woken session on A: median {:?}, p99 {p99:?}", latencies[latencies.len() / 2]);
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?}");

    // STORE, EXPUNGE and MOVE cross the same way.
    a.create(&ua, "Archive").unwrap();
    b.store(&ub, "INBOX", &[1, 2], StoreKind::Add, &[Flag::Deleted, Flag::parse("$Done").unwrap()]).unwrap();
    b.expunge(&ub, "INBOX", Some(&[1]), usize::MAX).unwrap();
    let s2 = b.new_session();
    b.open(&ub, "INBOX", s2, false).unwrap();
    b.move_messages(&ub, "INBOX", s2, &[3], "Archive").unwrap();
    rx.recv_timeout(Duration::from_secs(5)).expect("woken");
    let batch = a.changes(&ua, "INBOX", session, cursor, false, 100).unwrap();
    let kinds: Vec<String> = batch.changes.iter().map(|c| format!("{c:?}")).collect();
    assert!(matches!(batch.changes[0], Change::Keyword { .. }), "{kinds:?}");
    assert!(batch.changes.contains(&Change::Expunged { uid: 1 }), "{kinds:?}");
    assert!(batch.changes.contains(&Change::Expunged { uid: 3 }), "{kinds:?}");
    let flags = batch.changes.iter().find_map(|c| match c {
        Change::Flags { uid: 2, flags, .. } => Some(flags.clone()),
        _ => None,
    });
    assert_eq!(flags, Some(vec![Flag::Deleted, Flag::parse("$Done").unwrap()]));
    // The expunged message stays readable for the session that still sees it
    // (RFC 2180 §4.1.1), until it lets it go.
    assert!(a.fetch(&ua, "INBOX", session, &[1]).unwrap()[0].is_some());
    a.release(&ua, "INBOX", session, &[1]);
    assert!(a.fetch(&ua, "INBOX", session, &[1]).unwrap()[0].is_none());
    assert_eq!(a.status(&ua, "Archive").unwrap().messages, 1);
}

#[test]
fn concurrent_appends_through_both_never_repeat_a_uid() {
    let Some((a, b, user)) = pair("postgres uids") else { return };
    let backends = [a, b];
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let backend = backends[t % 2].clone();
            let user = user.clone();
            std::thread::spawn(move || {
                let u = backend.login(&user, "secret").unwrap();
                (0..25)
                    .map(|k| backend.append(&u, "INBOX", &[], None, message(t * 100 + k)).unwrap().1)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut uids: Vec<u32> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    uids.sort_unstable();
    assert_eq!(uids, (1..=100).collect::<Vec<u32>>());
    let u = backends[0].login(&user, "secret").unwrap();
    let s = backends[0].new_session();
    let snap = backends[0].open(&u, "INBOX", s, true).unwrap();
    assert_eq!(snap.uids.len(), 100);
    assert_eq!(snap.cursor, 100, "one log entry per APPEND, dense");
    let _ = SessionId(0);
}

/// Object ids (RFC 8474): MAILBOXID survives RENAME and is seen the same by both
/// backends; a copy keeps its EMAILID, a new APPEND gets another; SAVEDATE is set.
#[test]
fn object_ids_are_kept_by_rename_and_copy() {
    let Some((a, b, user)) = pair("postgres object ids") else { return };
    let (ua, ub) = (a.login(&user, "secret").unwrap(), b.login(&user, "secret").unwrap());
    assert!(a.object_ids());
    a.create(&ua, "Work").unwrap();
    let id = a.mailbox_id(&ua, "Work").unwrap().unwrap();
    b.rename(&ub, "Work", "Job").unwrap();
    assert_eq!(a.mailbox_id(&ua, "Job").unwrap(), Some(id.clone()));
    assert_ne!(a.mailbox_id(&ua, "INBOX").unwrap(), Some(id));
    let (_, uid) = a.append(&ua, "INBOX", &[], None, message(1)).unwrap();
    let (_, other) = a.append(&ua, "INBOX", &[], None, message(1)).unwrap();
    let s = b.new_session();
    b.open(&ub, "INBOX", s, true).unwrap();
    let copied = b.copy(&ub, "INBOX", s, &[uid], "Job").unwrap().destination[0];
    let m = |name: &str, uid: u32| {
        let s = a.new_session();
        a.open(&ua, name, s, true).unwrap();
        a.fetch_meta(&ua, name, s, &[uid]).unwrap()[0].clone().unwrap()
    };
    let (original, copy, second) = (m("INBOX", uid), m("Job", copied), m("INBOX", other));
    assert!(original.email_id.is_some() && original.save_date.is_some());
    assert_eq!(copy.email_id, original.email_id, "a copy keeps its EMAILID");
    assert_ne!(second.email_id, original.email_id, "another APPEND gets its own");
}
