//! Long APPENDs stream into large objects: the body arrives in chunks and is never whole
//! in the store's memory; bare LFs become CRLF across chunk boundaries; a body stored
//! twice is kept once; ranges are read back without the rest; an APPEND dropped before
//! commit leaves nothing, its large objects included.

mod common;

use std::sync::Arc;

use imap_machine::store::Backend;
use imap_machine_postgres::PostgresBackend;

/// The tests here count the database's large objects: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn large_objects(url: &str) -> i64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.query_one("SELECT count(*) FROM pg_largeobject_metadata", &[]).unwrap().get(0)
}

/// A 3 MiB message with bare LFs, some of them right after a chunk boundary.
fn message(user: &str) -> Vec<u8> {
    let mut m = format!("Subject: large for {user}\n\n").into_bytes();
    while m.len() < 3 << 20 {
        m.extend_from_slice(format!("line {} of a long message\n", m.len()).as_bytes());
    }
    m
}

fn crlf(m: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(m.len() * 2);
    for &b in m {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

fn append(b: &Arc<PostgresBackend>, user: &imap_machine_postgres::PgUser, body: &[u8], commit: bool) -> Option<u32> {
    let mut t = b.clone().append_transaction(user, "INBOX").unwrap();
    t.begin(&[], None, body.len() as u64).unwrap();
    // Chunks of odd sizes, as the wire brings them.
    for chunk in body.chunks(65_537) {
        t.write(chunk).unwrap();
    }
    if !commit {
        drop(t);
        return None;
    }
    Some(t.commit().unwrap().1[0])
}

#[test]
fn long_appends_stream_into_large_objects() {
    let Some(url) = common::url("postgres large") else { return };
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let b = Arc::new(PostgresBackend::connect(&url).unwrap());
    let user = common::fresh_user("large");
    b.add_user(&user, "secret").unwrap();
    let u = b.login(&user, "secret").unwrap();
    let body = message(&user);
    let before = large_objects(&url);
    let uid = append(&b, &u, &body, true).unwrap();
    assert_eq!(large_objects(&url), before + 1);
    let s = b.new_session();
    b.open(&u, "INBOX", s, true).unwrap();
    let m = b.fetch(&u, "INBOX", s, &[uid]).unwrap()[0].clone().unwrap();
    let want = crlf(&body);
    assert_eq!(m.size as usize, want.len());
    assert!(m.body[..] == want[..], "the body, CRLF");
    // A range alone, from the middle and past the end.
    let r = b.fetch_range(&u, "INBOX", s, uid, 1_000_000..1_000_100).unwrap().unwrap();
    assert_eq!(&r[..], &want[1_000_000..1_000_100]);
    let tail = b.fetch_range(&u, "INBOX", s, uid, want.len() as u64 - 5..u64::MAX).unwrap().unwrap();
    assert_eq!(&tail[..], &want[want.len() - 5..]);
    assert!(b.fetch_range(&u, "INBOX", s, uid, u64::MAX - 1..u64::MAX).unwrap().unwrap().is_empty());
    // The same body again: one copy kept.
    let again = append(&b, &u, &body, true).unwrap();
    assert_ne!(again, uid);
    assert_eq!(large_objects(&url), before + 1, "stored once");
    // Dropped before commit: nothing left.
    assert_eq!(append(&b, &u, b"Subject: gone\r\n\r\nnever committed\r\n", false), None);
    assert_eq!(large_objects(&url), before + 1);
    assert_eq!(b.status(&u, "INBOX").unwrap().messages, 2);
}

/// The parse kept beside a body stored whole answers ENVELOPE without the body; a
/// streamed body has none (the session parses it when asked).
#[test]
fn the_parse_is_kept_for_bodies_stored_whole() {
    let Some(url) = common::url("postgres parse") else { return };
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let b = Arc::new(PostgresBackend::connect(&url).unwrap());
    let user = common::fresh_user("parse");
    b.add_user(&user, "secret").unwrap();
    let u = b.login(&user, "secret").unwrap();
    let short = format!("Subject: kept for {user}\r\n\r\nhello\r\n");
    let (_, small) = b.append(&u, "INBOX", &[], None, bytes::Bytes::from(short)).unwrap();
    let streamed = append(&b, &u, &message(&user), true).unwrap();
    let s = b.new_session();
    b.open(&u, "INBOX", s, true).unwrap();
    let got = b.fetch_parsed(&u, "INBOX", s, &[small, streamed]).unwrap();
    let parsed = got[0].as_ref().unwrap().parsed.as_ref().expect("kept");
    let subject = parsed.envelope().unwrap().subject.unwrap();
    assert_eq!(subject.as_bytes(), format!("kept for {user}").as_bytes());
    assert!(got[0].as_ref().unwrap().body.is_empty(), "without the body");
    assert!(got[1].as_ref().unwrap().parsed.is_none());
}
