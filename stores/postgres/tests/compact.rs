//! Compaction on PostgreSQL: expunged messages, their log entries and their bodies are
//! reclaimed once older than the retention; a body shared by COPY stays while a copy
//! lives; a session that lagged past the kept log is refused (the server ends it);
//! QRESYNC's VANISHED says when it can no longer be complete; and the compaction after
//! EXPUNGE uses the store's retention.

mod common;

use std::time::Duration;

use bytes::Bytes;
use imap_machine::store::{Backend, StoreError};
use imap_machine::types::{Flag, StoreKind};
use imap_machine_postgres::{Compacted, PostgresBackend};

fn message(k: usize) -> Bytes {
    Bytes::from(format!("Subject: compaction {k} {}\r\n\r\n{}\r\n", common::fresh_user("m"), "x".repeat(200)))
}

/// How many bodies, tombstones and log entries the user's mailboxes hold, read from
/// the database itself.
fn counts(url: &str, user: &str) -> (i64, i64, i64) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let row = c
        .query_one(
            "SELECT \
               (SELECT count(DISTINCT m.hash) FROM imapm_messages m JOIN imapm_mailboxes b ON b.id = m.mailbox_id \
                  JOIN imapm_users u ON u.id = b.user_id WHERE u.name = $1), \
               (SELECT count(*) FROM imapm_messages m JOIN imapm_mailboxes b ON b.id = m.mailbox_id \
                  JOIN imapm_users u ON u.id = b.user_id WHERE u.name = $1 AND m.expunged IS NOT NULL), \
               (SELECT count(*) FROM imapm_log l JOIN imapm_mailboxes b ON b.id = l.mailbox_id \
                  JOIN imapm_users u ON u.id = b.user_id WHERE u.name = $1)",
            &[&user],
        )
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

/// Whether a body with this content is still stored (by anyone).
fn body_stored(url: &str, body: &Bytes) -> bool {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.query_opt("SELECT 1 FROM imapm_bodies WHERE hash = sha256($1)", &[&&body[..]]).unwrap().is_some()
}

#[test]
fn expunged_mail_is_reclaimed_and_laggards_are_refused() {
    let Some(url) = common::url("postgres compaction") else { return };
    let pg = PostgresBackend::connect(&url).unwrap();
    let user = common::fresh_user("compact");
    pg.add_user(&user, "secret").unwrap();
    let u = pg.login(&user, "secret").unwrap();
    pg.create(&u, "Archive").unwrap();
    let bodies: Vec<Bytes> = (0..3).map(message).collect();
    for b in &bodies {
        pg.append(&u, "INBOX", &[], None, b.clone()).unwrap();
    }
    // Message 1's body is shared with a copy in Archive.
    let reader = pg.new_session();
    pg.open(&u, "INBOX", reader, false).unwrap();
    pg.copy(&u, "INBOX", reader, &[1], "Archive").unwrap();
    // A session that opens now and never looks at the log again.
    let laggard = pg.new_session();
    let snapshot = pg.open(&u, "INBOX", laggard, true).unwrap();
    pg.store(&u, "INBOX", &[1, 2], StoreKind::Add, &[Flag::Deleted]).unwrap();
    assert_eq!(pg.expunge(&u, "INBOX", None, usize::MAX).unwrap(), vec![1, 2]);
    // The default retention (a day) kept everything through the EXPUNGE's compaction.
    assert_eq!(counts(&url, &user).1, 2, "tombstones kept");
    let all = pg.vanished(&u, "INBOX", 1).unwrap();
    assert_eq!((all.uids, all.complete), (vec![1, 2], true));
    // The reader catches up.
    let batch = pg.changes(&u, "INBOX", reader, 0, false, usize::MAX).unwrap();
    assert_eq!(batch.cursor, snapshot.cursor + 4, "two flag changes, two expunges");

    let (bodies_before, _, log_before) = counts(&url, &user);
    let done = pg.compact_user(&user, Duration::ZERO).unwrap();
    let (bodies_after, tombstones_after, log_after) = counts(&url, &user);
    assert_eq!(done, Compacted { log_entries: log_before as u64, tombstones: 2, bodies: 1 });
    assert_eq!((bodies_before - bodies_after, tombstones_after, log_after), (1, 0, 0));
    assert!(!body_stored(&url, &bodies[1]), "the expunged message's body is gone");
    assert!(body_stored(&url, &bodies[0]), "the body Archive's copy shares stays");
    // What lives is intact: INBOX's message 3, Archive's copy.
    let inbox = pg.fetch(&u, "INBOX", reader, &[3]).unwrap();
    assert_eq!(inbox[0].as_ref().map(|m| m.body.clone()), Some(bodies[2].clone()));
    let archive = pg.new_session();
    let a = pg.open(&u, "Archive", archive, true).unwrap();
    let copy = pg.fetch(&u, "Archive", archive, &a.uids).unwrap();
    assert_eq!(copy[0].as_ref().map(|m| m.body.clone()), Some(bodies[0].clone()));
    // The reader is up to date and goes on; the laggard is refused, so its server ends it.
    assert!(pg.changes(&u, "INBOX", reader, batch.cursor, false, 10).is_ok());
    assert!(matches!(pg.changes(&u, "INBOX", laggard, snapshot.cursor, true, 10), Err(StoreError::Cannot(_))));
    // VANISHED can no longer list expunges from before the kept log.
    let earlier = pg.vanished(&u, "INBOX", 1).unwrap();
    assert_eq!((earlier.uids, earlier.complete), (vec![], false));
    let now = pg.vanished(&u, "INBOX", batch.highest_modseq.unwrap()).unwrap();
    assert!(now.complete, "nothing was dropped after the client's mod-sequence");
    // New mail after the compaction is logged from where the kept log starts.
    pg.append(&u, "INBOX", &[], None, message(7)).unwrap();
    let next = pg.changes(&u, "INBOX", reader, batch.cursor, false, 10).unwrap();
    assert_eq!(next.changes.len(), 1);
}

#[test]
fn expunge_compacts_with_the_store_retention() {
    let Some(url) = common::url("postgres compaction after expunge") else { return };
    let pg = PostgresBackend::connect(&url).unwrap().with_log_retention(Duration::ZERO);
    let user = common::fresh_user("compact-auto");
    pg.add_user(&user, "secret").unwrap();
    let u = pg.login(&user, "secret").unwrap();
    let body = message(1);
    pg.append(&u, "INBOX", &[Flag::Deleted], None, body.clone()).unwrap();
    pg.append(&u, "INBOX", &[], None, message(2)).unwrap();
    assert_eq!(pg.expunge(&u, "INBOX", None, usize::MAX).unwrap(), vec![1]);
    let (_, tombstones, log) = counts(&url, &user);
    assert_eq!((tombstones, log), (0, 0), "compacted right after the EXPUNGE");
    assert!(!body_stored(&url, &body));
    // The next session starts from the compacted log and sees new mail.
    let s = pg.new_session();
    let snap = pg.open(&u, "INBOX", s, false).unwrap();
    assert_eq!(snap.uids, vec![2]);
    pg.append(&u, "INBOX", &[], None, message(3)).unwrap();
    let batch = pg.changes(&u, "INBOX", s, snap.cursor, false, 10).unwrap();
    assert_eq!(batch.changes.len(), 1);
}

/// The whole path: a client's session on one process lags while another process
/// compacts the mailbox past it; its next command ends it with `BYE`, and a new session
/// sees the mailbox as it is.
#[test]
fn a_session_behind_the_kept_log_is_told_bye() {
    use std::sync::Arc;
    use std::time::Instant;

    use imap_machine::client::{ClientOptions, Event};
    use imap_machine::store::Session;
    use imap_machine::testing::Pair;
    use imap_machine::types::{CommandBody, IString, Mailbox, Secret};

    let Some(url) = common::url("postgres compaction bye") else { return };
    let (a, b) = (Arc::new(PostgresBackend::connect(&url).unwrap()), PostgresBackend::connect(&url).unwrap());
    let user = common::fresh_user("compact-bye");
    a.add_user(&user, "secret").unwrap();
    let connect = || {
        let mut options = Session::server_options(&*a);
        options.allow_insecure_auth = true;
        let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
        let mut session = Session::new(a.clone());
        for body in [
            CommandBody::Login {
                username: IString::try_from(user.clone()).unwrap(),
                password: Secret::new(IString::try_from("secret".to_string()).unwrap()),
            },
            CommandBody::select(Mailbox::Inbox),
        ] {
            pair.client.send(body).unwrap();
            pair.drive_with(|server, event| session.handle(server, event));
        }
        (pair, session)
    };
    let (mut pair, mut session) = connect();
    // Through the other process: mail arrives and goes, and the log is compacted while
    // the session has not looked.
    let ub = b.login(&user, "secret").unwrap();
    b.append(&ub, "INBOX", &[Flag::Deleted], None, message(1)).unwrap();
    b.append(&ub, "INBOX", &[], None, message(2)).unwrap();
    assert_eq!(b.expunge(&ub, "INBOX", None, usize::MAX).unwrap(), vec![1]);
    b.compact_user(&user, Duration::ZERO).unwrap();
    let before = pair.client_events.len();
    pair.client.send(CommandBody::Noop).unwrap();
    pair.drive_with(|server, event| session.handle(server, event));
    let told = &pair.client_events[before..];
    assert!(told.iter().any(|e| matches!(e, Event::Bye { .. })), "{told:?}");
    // A new session starts from the mailbox as it is: one message, UID 2.
    let (fresh, _) = connect();
    let exists = fresh.client_events.iter().any(|e| format!("{e:?}").contains("Exists(1)"));
    assert!(exists, "{:?}", fresh.client_events);
}

/// Compaction racing APPENDs of the very body it is about to delete: every APPEND
/// succeeds and every stored message reads back whole (the body is locked while a new
/// message refers to it, or stored again if compaction took it first).
#[test]
fn compaction_racing_appends_of_the_same_body_loses_nothing() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let Some(url) = common::url("postgres compaction race") else { return };
    let pg = Arc::new(PostgresBackend::connect(&url).unwrap().with_log_retention(Duration::ZERO));
    let user = common::fresh_user("compact-race");
    pg.add_user(&user, "secret").unwrap();
    let u = pg.login(&user, "secret").unwrap();
    pg.create(&u, "Archive").unwrap();
    let body = message(0);
    const ROUNDS: usize = 60;
    let done = Arc::new(AtomicBool::new(false));
    let compactor = {
        let (pg, user, done) = (pg.clone(), user.clone(), done.clone());
        std::thread::spawn(move || {
            let mut runs = 0;
            while !done.load(Ordering::SeqCst) {
                pg.compact_user(&user, Duration::ZERO).unwrap();
                runs += 1;
            }
            runs
        })
    };
    // In both mailboxes the one body arrives and is expunged again and again (each
    // EXPUNGE compacts), so it is often referred to by tombstones alone.
    let churn = |mailbox: &'static str| {
        let (pg, u, body) = (pg.clone(), u.clone(), body.clone());
        std::thread::spawn(move || {
            for _ in 0..ROUNDS {
                pg.append(&u, mailbox, &[Flag::Deleted], None, body.clone()).unwrap();
                pg.expunge(&u, mailbox, None, usize::MAX).unwrap();
            }
        })
    };
    let (inbox, archive) = (churn("INBOX"), churn("Archive"));
    inbox.join().unwrap();
    archive.join().unwrap();
    done.store(true, Ordering::SeqCst);
    assert!(compactor.join().unwrap() > 0);
    // Stored once more after all that, it reads back whole.
    pg.append(&u, "Archive", &[], None, body.clone()).unwrap();
    pg.compact_user(&user, Duration::ZERO).unwrap();
    let s = pg.new_session();
    let snap = pg.open(&u, "Archive", s, true).unwrap();
    assert_eq!(snap.uids.len(), 1);
    let got = pg.fetch(&u, "Archive", s, &snap.uids).unwrap().remove(0).map(|m| m.body);
    assert_eq!(got, Some(body));
}
