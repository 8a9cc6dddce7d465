// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! FETCH of whole-message partials reads ranges ([`Backend::fetch_range`]), not messages:
//! a store that counts its calls proves it, and the answers are those of the whole
//! message (`BODY.PEEK[]` cut by hand, and known answers on the wire).

use std::cell::RefCell;
use std::num::NonZeroU32;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use super::memory::MemoryBackend;
use super::*;
use crate::client::{self, ClientOptions};
use crate::testing::{Direction, Pair};
use crate::types::{
    CommandBody, Data, FetchAttribute, FetchAttributes, FetchItem, FlagFetch, IString, Literal, Mailbox, Partial,
    Secret, Section, StatusKind,
};

/// The memory backend, counting the calls that read messages.
#[derive(Default)]
struct Counting {
    inner: MemoryBackend,
    fetch: AtomicUsize,
    meta: AtomicUsize,
    range: AtomicUsize,
    /// Whether it says it streams ([`Backend::streams_text`]).
    streams: std::sync::atomic::AtomicBool,
    /// Ranges it reads before every later one fails (0: none fails).
    ranges_before_failing: AtomicUsize,
}

impl Counting {
    /// `(fetch, fetch_meta, fetch_range)` calls since the last call.
    fn calls(&self) -> (usize, usize, usize) {
        (
            self.fetch.swap(0, Ordering::SeqCst),
            self.meta.swap(0, Ordering::SeqCst),
            self.range.swap(0, Ordering::SeqCst),
        )
    }
}

impl Backend for Counting {
    type User = <MemoryBackend as Backend>::User;
    fn login(&self, u: &str, p: &str) -> Result<Self::User, StoreError> {
        self.inner.login(u, p)
    }
    fn list(&self, u: &Self::User) -> Result<Vec<MailboxInfo>, StoreError> {
        self.inner.list(u)
    }
    fn create(&self, u: &Self::User, n: &str) -> Result<(), StoreError> {
        self.inner.create(u, n)
    }
    fn delete(&self, u: &Self::User, n: &str) -> Result<(), StoreError> {
        self.inner.delete(u, n)
    }
    fn rename(&self, u: &Self::User, f: &str, t: &str) -> Result<(), StoreError> {
        self.inner.rename(u, f, t)
    }
    fn subscribe(&self, u: &Self::User, n: &str, s: bool) -> Result<(), StoreError> {
        self.inner.subscribe(u, n, s)
    }
    fn subscriptions(&self, u: &Self::User) -> Result<Vec<String>, StoreError> {
        self.inner.subscriptions(u)
    }
    fn status(&self, u: &Self::User, n: &str) -> Result<MailboxStatus, StoreError> {
        self.inner.status(u, n)
    }
    fn append(
        &self,
        u: &Self::User,
        n: &str,
        f: &[Flag],
        d: Option<DateTime>,
        b: Bytes,
    ) -> Result<(u32, u32), StoreError> {
        self.inner.append(u, n, f, d, b)
    }
    fn new_session(&self) -> SessionId {
        self.inner.new_session()
    }
    fn open(&self, u: &Self::User, n: &str, s: SessionId, r: bool) -> Result<Snapshot, StoreError> {
        self.inner.open(u, n, s, r)
    }
    fn close(&self, u: &Self::User, n: &str, s: SessionId) {
        self.inner.close(u, n, s)
    }
    fn changes(
        &self,
        u: &Self::User,
        n: &str,
        s: SessionId,
        c: u64,
        r: bool,
        m: usize,
    ) -> Result<ChangeBatch, StoreError> {
        self.inner.changes(u, n, s, c, r, m)
    }
    fn fetch(
        &self,
        u: &Self::User,
        n: &str,
        s: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.fetch.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch(u, n, s, uids)
    }
    fn fetch_meta(
        &self,
        u: &Self::User,
        n: &str,
        s: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.meta.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch_meta(u, n, s, uids)
    }
    fn fetch_range(
        &self,
        u: &Self::User,
        n: &str,
        s: SessionId,
        uid: u32,
        range: std::ops::Range<u64>,
    ) -> Result<Option<Bytes>, StoreError> {
        let before = self.range.fetch_add(1, Ordering::SeqCst);
        let fail = self.ranges_before_failing.load(Ordering::SeqCst);
        if fail > 0 && before >= fail {
            return Err(StoreError::Unavailable);
        }
        self.inner.fetch_range(u, n, s, uid, range)
    }
    fn fetch_parsed(
        &self,
        u: &Self::User,
        n: &str,
        s: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.meta.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch_parsed(u, n, s, uids)
    }
    fn streams_text(&self) -> bool {
        self.streams.load(Ordering::SeqCst)
    }
    fn store(
        &self,
        u: &Self::User,
        n: &str,
        uids: &[u32],
        k: StoreKind,
        f: &[Flag],
    ) -> Result<StoreOutcome, StoreError> {
        self.inner.store(u, n, uids, k, f)
    }
    fn copy(&self, u: &Self::User, f: &str, s: SessionId, uids: &[u32], t: &str) -> Result<CopyResult, StoreError> {
        self.inner.copy(u, f, s, uids, t)
    }
    fn move_messages(
        &self,
        u: &Self::User,
        f: &str,
        s: SessionId,
        uids: &[u32],
        t: &str,
    ) -> Result<CopyResult, StoreError> {
        self.inner.move_messages(u, f, s, uids, t)
    }
    fn expunge(&self, u: &Self::User, n: &str, uids: Option<&[u32]>, max: usize) -> Result<Vec<u32>, StoreError> {
        self.inner.expunge(u, n, uids, max)
    }
    fn release(&self, u: &Self::User, n: &str, s: SessionId, uids: &[u32]) {
        self.inner.release(u, n, s, uids)
    }
    fn watch(&self, u: &Self::User, n: &str, s: SessionId, notifier: Notifier) {
        self.inner.watch(u, n, s, notifier)
    }
}

/// One connection, logged in, INBOX selected, recording what the server sends.
struct Conn {
    pair: Pair,
    session: Session<Counting>,
    wire: Rc<RefCell<Vec<u8>>>,
}

impl Conn {
    fn new(backend: &Arc<Counting>) -> Conn {
        let mut options = Session::server_options(&**backend);
        options.allow_insecure_auth = true;
        let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
        let wire = Rc::new(RefCell::new(Vec::new()));
        let w = wire.clone();
        pair.tamper = Some(Box::new(move |d, bytes| {
            if d == Direction::ToClient {
                w.borrow_mut().extend_from_slice(bytes);
            }
        }));
        let mut c = Conn { pair, session: Session::new(backend.clone()), wire };
        let login = CommandBody::Login {
            username: IString::from_static("username"),
            password: Secret::new(IString::from_static("password")),
        };
        assert_eq!(c.run(login).0, StatusKind::Ok);
        assert_eq!(c.run(CommandBody::select(Mailbox::Inbox)).0, StatusKind::Ok);
        c
    }

    /// Runs a command to its end; its status and untagged data.
    fn run(&mut self, body: CommandBody) -> (StatusKind, Vec<Data>) {
        self.wire.borrow_mut().clear();
        let start = self.pair.client_events.len();
        let id = self.pair.client.send(body).unwrap();
        let session = &mut self.session;
        self.pair.drive_with(|server, event| session.handle(server, event));
        while self.session.has_work() {
            let session = &mut self.session;
            session.resume(&mut self.pair.server);
            self.pair.drive_with(|server, event| session.handle(server, event));
        }
        let mut status = None;
        let mut data = Vec::new();
        for e in &self.pair.client_events[start..] {
            match e {
                client::Event::CommandCompleted { id: done, status: s } if *done == id => status = Some(s.kind),
                client::Event::Data { data: d, .. } => data.push(d.clone()),
                _ => {}
            }
        }
        (status.expect("command completed"), data)
    }

    /// FETCH `set` `atts`: its untagged responses as they came on the wire.
    fn fetch(&mut self, set: &str, atts: Vec<FetchAttribute>) -> (Vec<Data>, String) {
        let body = CommandBody::Fetch {
            set: set.parse().unwrap(),
            attributes: FetchAttributes::List(atts),
            uid: false,
            modifiers: vec![],
        };
        let (st, data) = self.run(body);
        assert_eq!(st, StatusKind::Ok);
        let wire = String::from_utf8_lossy(&self.wire.borrow()).into_owned();
        let untagged = wire.split_inclusive("\r\n").filter(|l| !l.starts_with("A")).collect();
        (data, untagged)
    }
}

fn body(peek: bool, partial: Option<(u32, u32)>) -> FetchAttribute {
    let partial = partial.map(|(offset, n)| Partial { offset, length: NonZeroU32::new(n).unwrap() });
    FetchAttribute::BodySection { peek, section: Section::default(), partial }
}

/// The messages: CRLF, bare LF (served with CRLF), and one with a NUL (served as 0x80).
const MESSAGES: [&[u8]; 3] =
    [b"Subject: one\r\n\r\nfirst body\r\n", b"Subject: two\n\nsecond\n", b"Subject: 3\r\n\r\nx\0y\r\n"];

fn backend() -> Arc<Counting> {
    let b = Counting::default();
    b.inner.add_user("username", "password");
    let user = b.login("username", "password").unwrap();
    for m in MESSAGES {
        b.append(&user, "INBOX", &[], None, Bytes::from_static(m)).unwrap();
    }
    Arc::new(b)
}

/// The data of each `BODY[...]` item of each FETCH response, in order.
fn sections(data: &[Data]) -> Vec<Vec<(Option<u32>, Vec<u8>)>> {
    data.iter()
        .filter_map(|d| match d {
            Data::Fetch { items, .. } => Some(
                items
                    .iter()
                    .filter_map(|i| match i {
                        FetchItem::BodySection { origin, data, .. } => {
                            Some((*origin, data.as_ref().map_or(Vec::new(), |d| d.as_bytes().to_vec())))
                        }
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .filter(|s| !s.is_empty())
        .collect()
}

fn has_seen(data: &[Data], seq: u32) -> bool {
    data.iter().any(|d| {
        matches!(d, Data::Fetch { seq: s, items } if s.get() == seq
            && items.iter().any(|i| matches!(i, FetchItem::Flags(f) if f.contains(&FlagFetch::Flag(Flag::Seen)))))
    })
}

/// `BODY.PEEK[]<0.10>` with FLAGS reads three ranges and no message, and answers what
/// `BODY.PEEK[]` cut at 10 octets is; on the wire, byte for byte.
#[test]
fn a_partial_of_the_whole_message_reads_ranges() {
    let b = backend();
    let mut c = Conn::new(&b);
    b.calls();
    let (whole, _) = c.fetch("1:3", vec![body(true, None)]);
    assert_eq!(b.calls(), (1, 0, 0), "BODY.PEEK[] reads the messages");
    let (data, wire) = c.fetch("1:3", vec![body(true, Some((0, 10))), FetchAttribute::Flags]);
    assert_eq!(b.calls(), (0, 1, 3), "one fetch_meta, a range per message, no fetch");
    let cut: Vec<Vec<(Option<u32>, Vec<u8>)>> =
        sections(&whole).into_iter().map(|s| vec![(Some(0), s[0].1[..10].to_vec())]).collect();
    assert_eq!(sections(&data), cut);
    assert_eq!(
        wire,
        "* 1 FETCH (BODY[]<0> \"Subject: o\" FLAGS (\\Recent))\r\n\
         * 2 FETCH (BODY[]<0> \"Subject: t\" FLAGS (\\Recent))\r\n\
         * 3 FETCH (BODY[]<0> \"Subject: 3\" FLAGS (\\Recent))\r\n"
    );
    // Across the bare LF (now CRLF) and the NUL (0x80), two partials in one FETCH.
    let (data, wire) = c.fetch("2:3", vec![body(true, Some((12, 5))), FetchAttribute::Uid, body(true, Some((14, 4)))]);
    assert_eq!(b.calls(), (0, 1, 4));
    assert_eq!(
        sections(&data),
        [
            [(Some(12), b"\r\n\r\ns".to_vec()), (Some(14), b"\r\nse".to_vec())],
            [(Some(12), b"\r\nx\x80y".to_vec()), (Some(14), b"x\x80y\r".to_vec())]
        ]
    );
    assert!(wire.starts_with("* 2 FETCH (BODY[]<12> {5}\r\n\r\n\r\ns UID 2 BODY[]<14> {4}\r\n\r\nse)\r\n"), "{wire:?}");
}

/// A partial past the end is the empty string (RFC 3501 §6.4.5); the origin is still
/// given.
#[test]
fn a_range_past_the_end_is_empty() {
    let b = backend();
    let mut c = Conn::new(&b);
    b.calls();
    let (data, wire) = c.fetch("1", vec![body(true, Some((1_000_000, 10)))]);
    assert_eq!(b.calls(), (0, 1, 1));
    assert_eq!(sections(&data), [[(Some(1_000_000), Vec::new())]]);
    assert_eq!(wire, "* 1 FETCH (BODY[]<1000000> \"\")\r\n");
    let (data, _) = c.fetch("1", vec![body(true, Some((20, 1000)))]);
    assert_eq!(sections(&data), [[(Some(20), b"t body\r\n".to_vec())]]);
}

/// Without PEEK the partial sets `\Seen`, once, and says so with FLAGS, as a FETCH of the
/// whole message does.
#[test]
fn a_partial_without_peek_sets_seen() {
    let b = backend();
    let mut c = Conn::new(&b);
    b.calls();
    let (data, wire) = c.fetch("2", vec![body(false, Some((5, 10)))]);
    assert_eq!(b.calls(), (0, 1, 1));
    assert!(has_seen(&data, 2), "{data:?}");
    assert_eq!(wire, "* 2 FETCH (BODY[]<5> {10}\r\nct: two\r\n\r FLAGS (\\Seen \\Recent))\r\n");
    let (data, _) = c.fetch("2", vec![body(false, Some((5, 10)))]);
    assert!(!data.iter().any(|d| matches!(d, Data::Fetch { items, .. } if items.len() > 1)), "set already");
    let (data, _) = c.fetch("1", vec![FetchAttribute::Flags]);
    assert!(!has_seen(&data, 1), "PEEK and others left alone");
}

/// Another item that reads the message (ENVELOPE), a partial of a part, or no partial:
/// the message is read whole, as before.
#[test]
fn other_items_read_the_message() {
    let b = backend();
    let mut c = Conn::new(&b);
    b.calls();
    let (data, _) = c.fetch("1:3", vec![body(false, Some((0, 10))), FetchAttribute::Envelope]);
    assert_eq!(b.calls(), (1, 0, 0));
    assert_eq!(sections(&data).len(), 3);
    assert!(has_seen(&data, 1));
    let part1 = Section { part: vec![NonZeroU32::MIN], text: None };
    let partial = Some(Partial { offset: 0, length: NonZeroU32::MIN });
    c.fetch("1", vec![FetchAttribute::BodySection { peek: true, section: part1, partial }]);
    assert_eq!(b.calls(), (1, 0, 0));
    c.fetch("1", vec![FetchAttribute::Binary { peek: true, part: Vec::new(), partial }]);
    assert_eq!(b.calls(), (1, 0, 0));
    c.fetch("1", vec![FetchAttribute::Flags, FetchAttribute::Rfc822Size]);
    assert_eq!(b.calls(), (0, 1, 0), "metadata only, as before");
}

/// A message another session expunged, which this one still sees, gives its range (RFC
/// 2180 §4.1.1); in steps of one message the answers are the same.
#[test]
fn expunged_messages_still_seen_and_steps() {
    let b = backend();
    let (mut a, mut other) = (Conn::new(&b), Conn::new(&b));
    let deleted = CommandBody::Store {
        unchanged_since: None,
        set: "2".parse().unwrap(),
        kind: StoreKind::Add,
        silent: true,
        flags: vec![Flag::Deleted],
        uid: false,
    };
    assert_eq!(other.run(deleted).0, StatusKind::Ok);
    assert_eq!(other.run(CommandBody::Expunge).0, StatusKind::Ok);
    a.session.set_step(1);
    b.calls();
    let (data, _) = a.fetch("1:3", vec![body(true, Some((0, 12)))]);
    assert_eq!(b.calls(), (0, 3, 3), "a step per message");
    assert_eq!(
        sections(&data),
        [
            [(Some(0), b"Subject: one".to_vec())],
            [(Some(0), b"Subject: two".to_vec())],
            [(Some(0), b"Subject: 3\r\n".to_vec())]
        ]
    );
    // Once told, UID 2 is gone for A as well.
    assert_eq!(a.run(CommandBody::Noop).0, StatusKind::Ok);
    let user = b.login("username", "password").unwrap();
    assert_eq!(b.fetch_range(&user, "INBOX", a.session.id(), 2, 0..10).unwrap(), None);
    assert_eq!(b.fetch_range(&user, "INBOX", a.session.id(), 3, 5..7).unwrap().as_deref(), Some(&b"ct"[..]));
}

/// A message of `len` octets in CRLF form, with a NUL (served as 0x80) near its end.
fn large(len: usize) -> Bytes {
    let mut m = b"Subject: large\r\n\r\n".to_vec();
    while m.len() < len - 7 {
        m.extend_from_slice(b"line of the body\r\n");
    }
    m.truncate(len - 7);
    m.extend_from_slice(b"\r\nx\0y\r\n");
    Bytes::from(m)
}

/// The test backend with [`MESSAGES`], then a large message, a small one and another
/// large one (UIDs 4 to 6), streaming on.
fn streaming_backend() -> Arc<Counting> {
    let b = backend();
    let user = b.login("username", "password").unwrap();
    for m in [large(600_000), Bytes::from_static(b"Subject: small\r\n\r\nx\r\n"), large(300_001)] {
        b.append(&user, "INBOX", &[], None, m).unwrap();
    }
    b.streams.store(true, Ordering::SeqCst);
    b
}

/// Sends FETCH `set` `atts` and drives until the session has started it.
fn send_fetch(c: &mut Conn, set: &str, atts: Vec<FetchAttribute>) -> client::CommandId {
    let fetch = CommandBody::Fetch {
        set: set.parse().unwrap(),
        attributes: FetchAttributes::List(atts),
        uid: false,
        modifiers: vec![],
    };
    let id = c.pair.client.send(fetch).unwrap();
    let session = &mut c.session;
    c.pair.drive_with(|server, event| session.handle(server, event));
    id
}

/// Resumes the session until its work is done, driving after each step.
fn finish(c: &mut Conn) {
    while c.session.has_work() {
        let session = &mut c.session;
        session.resume(&mut c.pair.server);
        c.pair.drive_with(|server, event| session.handle(server, event));
    }
}

/// Runs a FETCH of all messages in steps of `step`, draining the output after each;
/// the wire (untagged responses) and the most octets one step queued.
fn stepped(c: &mut Conn, atts: Vec<FetchAttribute>, step: usize) -> (Vec<Data>, String, usize) {
    c.session.set_step(step);
    c.wire.borrow_mut().clear();
    let start = c.pair.client_events.len();
    let id = send_fetch(c, "1:*", atts);
    let mut most = c.wire.borrow().len();
    while c.session.has_work() {
        let before = c.wire.borrow().len();
        let session = &mut c.session;
        session.resume(&mut c.pair.server);
        c.pair.drive_with(|server, event| session.handle(server, event));
        most = most.max(c.wire.borrow().len() - before);
    }
    let mut data = Vec::new();
    let mut ok = false;
    for e in &c.pair.client_events[start..] {
        match e {
            client::Event::CommandCompleted { id: done, status } if *done == id => ok = status.kind == StatusKind::Ok,
            client::Event::Data { data: d, .. } => data.push(d.clone()),
            _ => {}
        }
    }
    assert!(ok, "FETCH completed OK");
    let wire = String::from_utf8_lossy(&c.wire.borrow()).into_owned();
    let untagged = wire.split_inclusive("\r\n").filter(|l| !l.starts_with('A')).collect();
    (data, untagged, most)
}

/// `BODY.PEEK[]`, `RFC822` (which sets `\Seen`) and `BODY[]` with ENVELOPE: the large
/// messages go out in pieces of at most [`STREAM_PIECE`] octets a step, read as ranges
/// and never whole, and the wire is byte for byte what the session sends unstreamed.
#[test]
fn large_messages_are_streamed_byte_for_byte() {
    use crate::store::session::STREAM_FETCHES_OVER;
    const PIECE: usize = 256 * 1024;
    let cases = [
        vec![FetchAttribute::Uid, body(true, None), FetchAttribute::Rfc822Size],
        vec![FetchAttribute::Rfc822],
        vec![FetchAttribute::Envelope, body(false, None), FetchAttribute::Flags],
    ];
    assert_eq!(STREAM_FETCHES_OVER, 1 << 20);
    for atts in cases {
        let (plain_b, streamed_b) = (streaming_backend(), streaming_backend());
        plain_b.streams.store(false, Ordering::SeqCst);
        let (mut plain, mut streamed) = (Conn::new(&plain_b), Conn::new(&streamed_b));
        streamed.session.set_stream_fetches_over(100_000);
        let (want, want_wire, _) = stepped(&mut plain, atts.clone(), 2);
        streamed_b.calls();
        let (got, wire, most) = stepped(&mut streamed, atts.clone(), 2);
        assert_eq!(wire, want_wire, "{atts:?}");
        assert_eq!(got, want);
        let (fetch, _, ranges) = streamed_b.calls();
        // 600,000 octets in 3 pieces, 300,001 in 2; the small ones read whole.
        assert_eq!(ranges, 5, "{atts:?}");
        assert!(fetch <= 3, "{fetch} fetches");
        assert!(most <= PIECE + 1024, "a step queued {most} octets");
        // Unstreamed, one step holds a whole large message.
        let (_, _, whole) = stepped(&mut plain, atts, 2);
        assert!(whole > 600_000);
    }
}

/// Another session's APPEND told in the middle of a stream comes after the message's
/// response, never inside its literal.
#[test]
fn an_update_during_a_stream_waits_for_its_end() {
    let b = streaming_backend();
    let (mut c, mut other) = (Conn::new(&b), Conn::new(&b));
    c.session.set_step(1);
    c.session.set_stream_fetches_over(100_000);
    c.wire.borrow_mut().clear();
    let id = send_fetch(&mut c, "4", vec![body(true, None)]);
    c.session.resume(&mut c.pair.server);
    assert!(c.pair.server.literal_left().is_some(), "the head went out");
    let append = CommandBody::Append {
        mailbox: Mailbox::Inbox,
        flags: vec![],
        date: None,
        message: Literal::new(Bytes::from_static(b"Subject: new\r\n\r\nx\r\n")).unwrap(),
    };
    assert_eq!(other.run(append).0, StatusKind::Ok);
    c.session.poll_updates(&mut c.pair.server);
    finish(&mut c);
    let wire = c.wire.borrow().clone();
    let exists = memchr::memmem::find(&wire, b"* 7 EXISTS").expect("EXISTS told");
    let body_end = memchr::memmem::find(&wire, b"x\x80y\r\n)\r\n").expect("the message, whole");
    assert!(exists > body_end);
    assert!(c.pair.client_events.iter().any(
        |e| matches!(e, client::Event::CommandCompleted { id: done, status } if *done == id && status.kind == StatusKind::Ok)
    ));
}

/// A range the store fails to read in the middle of a stream ends the connection: the
/// client never gets a message cut short as if it were whole.
#[test]
fn a_store_failure_in_a_stream_closes_the_connection() {
    let b = streaming_backend();
    let mut c = Conn::new(&b);
    c.session.set_step(1);
    c.session.set_stream_fetches_over(100_000);
    b.calls();
    b.ranges_before_failing.store(2, Ordering::SeqCst);
    c.wire.borrow_mut().clear();
    send_fetch(&mut c, "4", vec![body(true, None)]);
    finish(&mut c);
    assert!(c.pair.server.is_closed());
    assert!(!c.pair.client_events.iter().any(|e| matches!(e, client::Event::Data { data: Data::Fetch { .. }, .. })));
    assert_eq!(c.wire.borrow().len(), "* 4 FETCH (BODY[] {600000}\r\n".len() + 2 * 256 * 1024);
}
