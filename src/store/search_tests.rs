// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! SEARCH pushed down into the store: the session asks [`Backend::search`] and uses its
//! answer (a store that answers from a canned set proves it), the default answers as the
//! session's matcher did, and [`SearchQuery::matches_meta`] agrees with the matcher.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use proptest::prelude::*;

use super::memory::MemoryBackend;
use super::search::MessageMeta;
use super::*;
use crate::client::{self, ClientOptions};
use crate::testing::Pair;
use crate::types::{
    Atom, CommandBody, Data, Date, IString, Mailbox, SearchKey, Secret, SequenceSet, StatusKind, StoreKind,
};

/// One connection to `B`, logged in as `username` (the SORT tests use it too).
pub(super) struct Conn<B: Backend> {
    pair: Pair,
    session: Session<B>,
}

impl<B: Backend> Conn<B> {
    pub(super) fn new(backend: &Arc<B>) -> Self {
        let mut options = Session::server_options(&**backend);
        options.allow_insecure_auth = true;
        let pair = Pair::new(ClientOptions::default(), options, Instant::now());
        let mut c = Conn { pair, session: Session::new(backend.clone()) };
        let (st, _) = c.run(CommandBody::Login {
            username: IString::from_static("username"),
            password: Secret::new(IString::from_static("password")),
        });
        assert_eq!(st, StatusKind::Ok);
        c
    }

    pub(super) fn run(&mut self, body: CommandBody) -> (StatusKind, Vec<Data>) {
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

    pub(super) fn select(&mut self) {
        let (st, _) = self.run(CommandBody::select(Mailbox::Inbox));
        assert_eq!(st, StatusKind::Ok);
    }

    /// The ids of SEARCH (or UID SEARCH) `criteria`.
    pub(super) fn search(&mut self, criteria: Vec<SearchKey>, uid: bool) -> Vec<u32> {
        let (st, data) = self.run(CommandBody::Search { ret: None, charset: None, criteria, uid });
        assert_eq!(st, StatusKind::Ok);
        let found: Vec<Vec<u32>> = data
            .into_iter()
            .filter_map(|d| match d {
                Data::Search { ids, .. } => Some(ids),
                _ => None,
            })
            .collect();
        assert_eq!(found.len(), 1, "one SEARCH response");
        found.into_iter().next().unwrap_or_default()
    }
}

fn set(s: &str) -> SequenceSet {
    s.parse().unwrap()
}

fn istr(s: &'static str) -> IString {
    IString::from_static(s)
}

fn date(s: &str) -> DateTime {
    DateTime::parse(s).unwrap()
}

fn day(s: &str) -> Date {
    Date::parse(s).unwrap()
}

// ---- a store that answers SEARCH itself ---------------------------------------------

/// What [`Canned::search`] was asked: UIDs, sequence numbers, recent UIDs.
type Asked = (Vec<u32>, Vec<u32>, Vec<u32>);

/// The memory backend, but SEARCH answers `answer` (those of it among the UIDs asked,
/// plus UID 999, which was not asked and must not show), whatever the criteria, and
/// records what it was asked.
struct Canned {
    inner: MemoryBackend,
    answer: Mutex<Vec<u32>>,
    asked: Mutex<Vec<Asked>>,
}

impl Backend for Canned {
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
        self.inner.fetch(u, n, s, uids)
    }
    fn search(&self, _: &Self::User, _: &str, _: SessionId, q: &SearchQuery<'_>) -> Result<Vec<u32>, StoreError> {
        let seqs: Vec<u32> = (0..q.uids.len()).map(|k| q.seq(k)).collect();
        self.asked.lock().unwrap().push((q.uids.to_vec(), seqs, q.recent.to_vec()));
        let answer = self.answer.lock().unwrap();
        let mut out: Vec<u32> = q.uids.iter().copied().filter(|u| answer.contains(u)).collect();
        out.push(999);
        Ok(out)
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

/// SEARCH and UID SEARCH answer what `Backend::search` says (not what the matcher would:
/// no message has the subject asked), numbered in the session's view: before it is told
/// of another session's EXPUNGE, and after. A top-level set narrows what the store is
/// asked, and a step budget splits it into calls.
#[test]
fn the_session_answers_what_the_store_searched() {
    let inner = MemoryBackend::new();
    inner.add_user("username", "password");
    let b = Arc::new(Canned { inner, answer: Mutex::new(vec![3, 5]), asked: Mutex::new(Vec::new()) });
    let user = b.login("username", "password").unwrap();
    for n in 1..=5 {
        b.append(&user, "INBOX", &[], None, Bytes::from(format!("Subject: {n}\r\n\r\nbody\r\n"))).unwrap();
    }
    let (mut a, mut other) = (Conn::new(&b), Conn::new(&b));
    a.select();
    other.select();
    let nothing = || vec![SearchKey::Subject(istr("no such subject"))];
    assert_eq!(a.search(nothing(), false), [3, 5]);
    assert_eq!(a.search(nothing(), true), [3, 5]);
    {
        let asked = b.asked.lock().unwrap();
        let (uids, seqs, recent) = asked.last().unwrap();
        assert_eq!(
            (&uids[..], &seqs[..], &recent[..]),
            (&[1, 2, 3, 4, 5][..], &[1, 2, 3, 4, 5][..], &[1, 2, 3, 4, 5][..])
        );
    }
    // Another session expunges UID 2; A is not told during SEARCH (RFC 3501 §7.4.1).
    other.run(CommandBody::Store {
        unchanged_since: None,
        set: set("2"),
        kind: StoreKind::Add,
        silent: true,
        flags: vec![Flag::Deleted],
        uid: false,
    });
    assert_eq!(other.run(CommandBody::Expunge).0, StatusKind::Ok);
    assert_eq!(a.search(nothing(), false), [3, 5]);
    assert_eq!(b.asked.lock().unwrap().last().unwrap().0, [1, 2, 3, 4, 5], "UID 2 still in A's view");
    assert!(a.run(CommandBody::Noop).1.contains(&Data::Expunge(std::num::NonZeroU32::new(2).unwrap())));
    assert_eq!(a.search(nothing(), false), [2, 4]);
    assert_eq!(a.search(nothing(), true), [3, 5]);
    {
        let asked = b.asked.lock().unwrap();
        let (uids, seqs, _) = asked.last().unwrap();
        assert_eq!((&uids[..], &seqs[..]), (&[1, 3, 4, 5][..], &[1, 2, 3, 4][..]));
    }
    // A top-level set narrows the question; a step budget of 1 asks once a message.
    b.asked.lock().unwrap().clear();
    a.session.set_step(1);
    let mut narrowed = nothing();
    narrowed.push(SearchKey::SequenceSet(set("2:3")));
    assert_eq!(a.search(narrowed, false), [2]);
    let asked: Vec<Asked> = std::mem::take(&mut *b.asked.lock().unwrap());
    assert_eq!(asked, [(vec![3], vec![2], vec![3]), (vec![4], vec![3], vec![4])]);
    *b.answer.lock().unwrap() = vec![1, 4];
    assert_eq!(a.search(vec![SearchKey::Uid(set("1:4"))], true), [1, 4]);
    assert_eq!(b.asked.lock().unwrap().len(), 3, "UIDs 1, 3 and 4, one call each");
}

// ---- the default answers as the session's matcher did --------------------------------

/// Six messages with varied flags, dates, sizes, headers and bodies; A has them all as
/// `\Recent` but the first two, which an earlier session claimed.
fn fixture() -> (Arc<MemoryBackend>, Conn<MemoryBackend>) {
    let b = MemoryBackend::new();
    b.add_user("username", "password");
    let b = Arc::new(b);
    let user = b.login("username", "password").unwrap();
    let kw = |s: &str| Flag::parse(s).unwrap();
    let all: Vec<(Vec<Flag>, &str, String)> = vec![
        (
            vec![Flag::Seen],
            "01-Jan-2024 10:00:00 +0000",
            "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: Lunch\r\n\
             Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nSee you at noon\r\n"
                .into(),
        ),
        (
            vec![Flag::Flagged, kw("work")],
            "15-Feb-2024 08:00:00 +0100",
            "From: bob@example.org\r\nTo: alice@example.org\r\nCc: carol@example.org\r\n\
             Subject: =?utf-8?q?Caf=C3=A9?= report\r\nDate: Wed, 14 Feb 2024 23:00:00 -0800\r\n\r\n\
             The figures are in.\r\n"
                .into(),
        ),
        (
            vec![Flag::Answered, Flag::Seen, Flag::Deleted],
            "15-Feb-2024 23:30:00 -0800",
            "From: carol@example.org\r\nTo: bob@example.org\r\nSubject: Re: Lunch\r\n\
             X-Priority: 1\r\n\r\nNoon is fine.\r\n"
                .into(),
        ),
        (
            vec![Flag::Draft],
            "01-Mar-2024 12:00:00 +0000",
            format!("From: dave@example.org\r\nSubject: Big\r\n\r\n{}\r\n", "x".repeat(2000)),
        ),
        (
            vec![],
            "02-Mar-2024 00:00:00 +0000",
            "From: eve@example.org\r\nSubject: New mail\r\nContent-Type: text/plain; charset=utf-8\r\n\
             Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 ouvert\r\n"
                .into(),
        ),
        (
            vec![kw("WORK"), Flag::Seen],
            "03-Mar-2024 00:00:00 +0000",
            "From: Alice <alice@example.org>\r\nSubject: work item\r\n\r\nplease review\r\n".into(),
        ),
    ];
    for (k, (flags, when, body)) in all.into_iter().enumerate() {
        b.append(&user, "INBOX", &flags, Some(date(when)), Bytes::from(body)).unwrap();
        if k == 1 {
            // Claims the `\Recent` of the first two.
            let s = b.new_session();
            b.open(&user, "INBOX", s, false).unwrap();
            b.close(&user, "INBOX", s);
        }
    }
    let mut a = Conn::new(&b);
    a.select();
    (b, a)
}

fn not(k: SearchKey) -> SearchKey {
    SearchKey::Not(Box::new(k))
}

fn or(a: SearchKey, b: SearchKey) -> SearchKey {
    SearchKey::Or(Box::new(a), Box::new(b))
}

/// A table of criteria and the sequence numbers the session's matcher answered before
/// SEARCH went through `Backend::search` (recorded from it); the default must answer the
/// same, in one step and in steps of two messages.
#[test]
fn the_default_answers_as_the_matcher_did() {
    use SearchKey as K;
    let work = || Atom::from_static("work");
    let table: Vec<(Vec<SearchKey>, &[u32])> = vec![
        (vec![K::All], &[1, 2, 3, 4, 5, 6]),
        (vec![K::Seen], &[1, 3, 6]),
        (vec![K::Unseen], &[2, 4, 5]),
        (vec![K::Flagged], &[2]),
        (vec![K::Unflagged, K::Undeleted], &[1, 4, 5, 6]),
        (vec![K::Answered], &[3]),
        (vec![K::Unanswered], &[1, 2, 4, 5, 6]),
        (vec![K::Deleted], &[3]),
        (vec![K::Draft], &[4]),
        (vec![K::Undraft], &[1, 2, 3, 5, 6]),
        (vec![K::Keyword(work())], &[2, 6]),
        (vec![K::Unkeyword(work())], &[1, 3, 4, 5]),
        (vec![K::Recent], &[3, 4, 5, 6]),
        (vec![K::New], &[4, 5]),
        (vec![K::Old], &[1, 2]),
        (vec![K::Larger(1000)], &[4]),
        (vec![K::Smaller(98)], &[6]),
        (vec![K::Smaller(99)], &[3, 6]),
        (vec![K::Before(day("15-Feb-2024"))], &[1]),
        (vec![K::On(day("15-Feb-2024"))], &[2, 3]),
        (vec![K::Since(day("01-Mar-2024"))], &[4, 5, 6]),
        (vec![K::SentBefore(day("15-Feb-2024"))], &[1, 2]),
        (vec![K::SentOn(day("15-Feb-2024"))], &[3]),
        (vec![K::SentSince(day("02-Mar-2024"))], &[5, 6]),
        (vec![K::Subject(istr("lunch"))], &[1, 3]),
        (vec![K::Subject(istr("caf\u{e9}"))], &[2]),
        (vec![K::From(istr("alice"))], &[1, 6]),
        (vec![K::To(istr("bob@"))], &[1, 3]),
        (vec![K::Cc(istr("carol"))], &[2]),
        (vec![K::Bcc(istr("x"))], &[]),
        (vec![K::Header(istr("X-Priority"), istr(""))], &[3]),
        (vec![K::Body(istr("noon"))], &[1, 3]),
        (vec![K::Body(istr("caf\u{e9}"))], &[5]),
        (vec![K::Text(istr("review"))], &[6]),
        (vec![K::Text(istr("eve@"))], &[5]),
        (vec![K::Uid(set("2:4"))], &[2, 3, 4]),
        (vec![K::Uid(set("5:*")), K::Seen], &[6]),
        (vec![K::SequenceSet(set("*"))], &[6]),
        (vec![K::SequenceSet(set("2,4:5")), K::Unseen], &[2, 4, 5]),
        (vec![K::SequenceSet(set("7:9"))], &[]),
        (vec![not(K::SequenceSet(set("1:2")))], &[3, 4, 5, 6]),
        (vec![or(K::Flagged, K::Draft)], &[2, 4]),
        (vec![or(K::SequenceSet(set("1")), K::Uid(set("6")))], &[1, 6]),
        (vec![not(or(K::Seen, K::Larger(1000)))], &[2, 5]),
        (vec![K::And(vec![K::Seen, not(K::Subject(istr("lunch")))])], &[6]),
        (vec![or(K::From(istr("dave")), K::Keyword(work()))], &[2, 4, 6]),
        (vec![K::Seen, K::Since(day("01-Feb-2024")), K::Text(istr("noon"))], &[3]),
    ];
    for step in [0, 2] {
        let (_b, mut a) = fixture();
        a.session.set_step(step);
        for (criteria, expected) in &table {
            assert_eq!(a.search(criteria.clone(), false), *expected, "SEARCH {criteria:?}, step {step}");
            let uids = a.search(criteria.clone(), true);
            assert_eq!(uids, *expected, "UID SEARCH {criteria:?}, step {step} (UID = sequence number here)");
        }
    }
}

// ---- the metadata evaluator agrees with the matcher ----------------------------------

/// A message's metadata as a store's index would hold it.
struct Meta<'a>(&'a MessageData);

impl MessageMeta for Meta<'_> {
    type Error = std::convert::Infallible;
    fn has_flag(&mut self, flag: &Flag) -> bool {
        self.0.flags.contains(flag)
    }
    fn size(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0.size)
    }
    fn internal_date(&mut self) -> Result<DateTime, Self::Error> {
        Ok(self.0.internal_date)
    }
}

fn meta_key() -> impl Strategy<Value = SearchKey> {
    use SearchKey as K;
    let days = ["14-Feb-2024", "15-Feb-2024", "16-Feb-2024"];
    let leaf = prop_oneof![
        Just(K::All),
        Just(K::Seen),
        Just(K::Unseen),
        Just(K::Flagged),
        Just(K::Unflagged),
        Just(K::Deleted),
        Just(K::Answered),
        Just(K::Draft),
        Just(K::Undraft),
        Just(K::Recent),
        Just(K::New),
        Just(K::Old),
        prop_oneof![Just("work"), Just("WORK"), Just("other")].prop_map(|k| K::Keyword(Atom::from_static(k))),
        prop_oneof![Just("work"), Just("other")].prop_map(|k| K::Unkeyword(Atom::from_static(k))),
        (0u32..60).prop_map(K::Larger),
        (0u32..60).prop_map(K::Smaller),
        (0usize..3).prop_map(move |d| K::Before(day(days[d]))),
        (0usize..3).prop_map(move |d| K::On(day(days[d]))),
        (0usize..3).prop_map(move |d| K::Since(day(days[d]))),
        prop_oneof![Just("1:3"), Just("2"), Just("4:*"), Just("*"), Just("9")].prop_map(|s| K::Uid(set(s))),
        prop_oneof![Just("1"), Just("2:*"), Just("*"), Just("1,3")].prop_map(|s| K::SequenceSet(set(s))),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(not),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| or(a, b)),
            proptest::collection::vec(inner, 1..3).prop_map(SearchKey::And),
        ]
    })
}

proptest! {
    /// For every key that needs no message text, `matches_meta` answers as the matcher
    /// (the default `search`) does, over messages of random flags, sizes and dates.
    #[test]
    fn matches_meta_agrees_with_the_matcher(
        messages in proptest::collection::vec((0u8..64, 1usize..50, 0i64..3 * 86_400), 1..6),
        criteria in proptest::collection::vec(meta_key(), 1..3),
        recent_bits in any::<u8>(),
    ) {
        let flags = |bits: u8| -> Vec<Flag> {
            let all = [Flag::Seen, Flag::Flagged, Flag::Deleted, Flag::Answered, Flag::Draft, Flag::parse("Work").unwrap()];
            all.into_iter().enumerate().filter(|(k, _)| bits & (1 << k) != 0).map(|(_, f)| f).collect()
        };
        let start = date("14-Feb-2024 00:00:00 -0500").as_chrono().timestamp();
        let data: Vec<MessageData> = messages
            .iter()
            .enumerate()
            .map(|(k, (bits, len, at))| {
                let when = chrono::DateTime::from_timestamp(start + at, 0).unwrap().fixed_offset();
                MessageData::new(k as u32 * 2 + 1, flags(*bits), DateTime::new(when).unwrap(), Bytes::from(vec![b'x'; *len]))
            })
            .collect();
        let uids: Vec<u32> = data.iter().map(|m| m.uid).collect();
        let recent: Vec<u32> = uids.iter().enumerate().filter(|(k, _)| recent_bits & (1 << k) != 0).map(|(_, u)| *u).collect();
        let mut query = SearchQuery::new(&uids, &criteria);
        query.recent = &recent;
        for (k, m) in data.iter().enumerate() {
            let input = fetch::SearchInput {
                seq: query.seq(k),
                max_seq: query.max_seq,
                max_uid: query.max_uid,
                recent: query.is_recent(m.uid),
                decoder: &query.charset,
                now: query.now,
            };
            let expected = fetch::matches(m, &criteria, &input);
            prop_assert_eq!(query.matches_meta(k, &mut Meta(m)), Ok(expected), "message {}", k);
        }
    }
}
