//! SEARCH from the index: no message file is touched for criteria that need no message
//! text (the files' contents may say anything), the header and body keys read the files,
//! and the index answers as the core's matcher does.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use imap_machine::client::{self, ClientOptions};
use imap_machine::store::{search_by_fetching, Backend, SearchQuery, Session};
use imap_machine::testing::Pair;
use imap_machine::types::{
    Atom, CommandBody, Data, Date, DateTime, Flag, IString, Mailbox, SearchKey, Secret, SequenceSet, StatusKind,
    StoreKind,
};
use proptest::prelude::*;

use crate::sync::MESSAGE_IO;
use crate::{lock, MaildirBackend};

/// Message files this thread opened or `stat`ed so far.
fn io() -> usize {
    MESSAGE_IO.with(|n| n.get())
}

fn set(s: &str) -> SequenceSet {
    s.parse().unwrap()
}

fn kw(s: &str) -> Flag {
    Flag::parse(s).unwrap()
}

fn backend() -> (tempfile::TempDir, Arc<MaildirBackend>, Arc<crate::UserData>) {
    let dir = tempfile::tempdir().unwrap();
    let b = MaildirBackend::new(dir.path()).with_fsync(false);
    b.add_user("joe", "secret").unwrap();
    let joe = b.login("joe", "secret").unwrap();
    (dir, Arc::new(b), joe)
}

/// A client connection with its session, logged in as joe, INBOX selected.
struct Conn {
    pair: Pair,
    session: Session<MaildirBackend>,
}

impl Conn {
    fn new(backend: &Arc<MaildirBackend>) -> Conn {
        let mut options = Session::server_options(&**backend);
        options.allow_insecure_auth = true;
        let pair = Pair::new(ClientOptions::default(), options, Instant::now());
        let mut c = Conn { pair, session: Session::new(backend.clone()) };
        let login = CommandBody::Login {
            username: IString::from_static("joe"),
            password: Secret::new(IString::from_static("secret")),
        };
        assert_eq!(c.run(login).0, StatusKind::Ok);
        assert_eq!(c.run(CommandBody::select(Mailbox::Inbox)).0, StatusKind::Ok);
        c
    }

    fn run(&mut self, body: CommandBody) -> (StatusKind, Vec<Data>) {
        let start = self.pair.client_events.len();
        let id = self.pair.client.send(body).unwrap();
        let session = &mut self.session;
        self.pair.drive_with(|server, event| session.handle(server, event));
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

    fn search(&mut self, criteria: Vec<SearchKey>, uid: bool) -> Vec<u32> {
        let (st, data) = self.run(CommandBody::Search { ret: None, charset: None, criteria, uid });
        assert_eq!(st, StatusKind::Ok);
        data.into_iter()
            .find_map(|d| match d {
                Data::Search { ids, .. } => Some(ids),
                _ => None,
            })
            .expect("a SEARCH response")
    }
}

/// Five messages, 124 to 524 octets, with flags; then the files of 3 and 4 are
/// overwritten (3 with another message, 4 truncated to nothing), their names kept. The
/// index still knows their flags and sizes, and answers without touching a message file;
/// SUBJECT reads the files, and finds what is in them now.
#[test]
fn flags_sizes_and_sets_come_from_the_index() {
    let (_dir, b, joe) = backend();
    let flags: [&[Flag]; 5] = [&[Flag::Seen], &[Flag::Flagged], &[Flag::Seen, Flag::Flagged], &[], &[Flag::Seen]];
    for (k, flags) in flags.iter().enumerate() {
        let n = k + 1;
        let body = format!("Subject: message {n}\r\n\r\n{}\r\n", "x".repeat(100 * n));
        b.append(&joe, "INBOX", flags, None, Bytes::from(body)).unwrap();
    }
    let mut c = Conn::new(&b);
    {
        let h = b.loaded(&joe, "INBOX").unwrap();
        let m = lock(&h);
        std::fs::write(m.path_of(&m.messages[&3]), "Subject: changed\r\n\r\nshort\r\n").unwrap();
        std::fs::write(m.path_of(&m.messages[&4]), "").unwrap();
    }
    let before = io();
    assert_eq!(c.search(vec![SearchKey::Flagged], false), [2, 3]);
    assert_eq!(c.search(vec![SearchKey::Unseen], false), [2, 4]);
    assert_eq!(c.search(vec![SearchKey::Larger(350)], false), [4, 5]);
    assert_eq!(c.search(vec![SearchKey::Smaller(325)], false), [1, 2, 3]);
    assert_eq!(c.search(vec![SearchKey::Uid(set("2:4")), SearchKey::Seen], true), [3]);
    let not_seen_or_small =
        SearchKey::Or(Box::new(SearchKey::Not(Box::new(SearchKey::Seen))), Box::new(SearchKey::Smaller(200)));
    assert_eq!(c.search(vec![not_seen_or_small, SearchKey::SequenceSet(set("1:4"))], false), [1, 2, 4]);
    assert_eq!(io(), before, "no message file opened or stat'ed");

    assert_eq!(c.search(vec![SearchKey::Subject(IString::from_static("changed"))], false), [3]);
    assert!(io() > before, "SUBJECT reads the messages");
    assert_eq!(c.search(vec![SearchKey::Subject(IString::from_static("message 3"))], false), [] as [u32; 0]);
    assert_eq!(c.search(vec![SearchKey::Subject(IString::from_static("message"))], false), [1, 2, 5]);

    // The control: the default (the matcher over `fetch_meta`) stats every message.
    let s = b.new_session();
    let uids = [1, 2, 3, 4, 5];
    let criteria = [SearchKey::Flagged];
    let before = io();
    assert_eq!(search_by_fetching(&*b, &joe, "INBOX", s, &SearchQuery::new(&uids, &criteria)).unwrap(), [2, 3]);
    assert_eq!(io(), before + 5);
    // A date key needs the mtime: one stat a message, still no open.
    let before = io();
    assert_eq!(c.search(vec![SearchKey::Since(Date::parse("01-Jan-2000").unwrap())], false), [1, 2, 3, 4, 5]);
    assert_eq!(io(), before + 5);
}

// ---- the index answers as the matcher does --------------------------------------------

fn meta_key() -> impl Strategy<Value = SearchKey> {
    use SearchKey as K;
    let days = ["13-Feb-2024", "14-Feb-2024", "15-Feb-2024"];
    let day = move |d: usize| Date::parse(days[d]).unwrap();
    let other = prop_oneof![
        Just(K::All),
        Just(K::Seen),
        Just(K::Unseen),
        Just(K::Flagged),
        Just(K::Unflagged),
        Just(K::Deleted),
        Just(K::Undeleted),
        Just(K::Answered),
        Just(K::Unanswered),
        Just(K::Draft),
        Just(K::Undraft),
        Just(K::Recent),
        Just(K::New),
        Just(K::Old),
        prop_oneof![Just("work"), Just("WORK"), Just("$label1"), Just("other")]
            .prop_map(|k| K::Keyword(Atom::from_static(k))),
        prop_oneof![Just("work"), Just("other")].prop_map(|k| K::Unkeyword(Atom::from_static(k))),
        (0usize..3).prop_map(move |d| K::Before(day(d))),
        (0usize..3).prop_map(move |d| K::On(day(d))),
        (0usize..3).prop_map(move |d| K::Since(day(d))),
        prop_oneof![Just("1:3"), Just("2"), Just("4:*"), Just("*"), Just("9")].prop_map(|s| K::Uid(set(s))),
        prop_oneof![Just("1"), Just("2:*"), Just("*"), Just("1,3")].prop_map(|s| K::SequenceSet(set(s))),
    ];
    // Sizes near the messages' (16 to 36 octets, a foreign file's 13 to 33 on disk).
    let leaf = prop_oneof![
        4 => other,
        1 => (12u32..40).prop_map(K::Larger),
        1 => (12u32..40).prop_map(K::Smaller),
    ];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|k| SearchKey::Not(Box::new(k))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| SearchKey::Or(Box::new(a), Box::new(b))),
            proptest::collection::vec(inner, 1..3).prop_map(SearchKey::And),
        ]
    })
}

/// The flags a bit pattern picks.
fn flag_set(bits: u8) -> Vec<Flag> {
    let all = [Flag::Seen, Flag::Flagged, Flag::Deleted, Flag::Answered, Flag::Draft, kw("work"), kw("$label1")];
    all.into_iter().enumerate().filter(|(k, _)| bits & (1 << k) != 0).map(|(_, f)| f).collect()
}

/// The info letters of the system flags among `bits`.
fn letters(bits: u8) -> String {
    let mut l: Vec<char> = [(4, 'D'), (1, 'F'), (3, 'R'), (0, 'S'), (2, 'T')]
        .iter()
        .filter(|(k, _)| bits & (1 << k) != 0)
        .map(|(_, c)| *c)
        .collect();
    l.sort_unstable();
    l.into_iter().collect()
}

/// A message: flags (bits of [`flag_set`]), body padding, hours after the first day,
/// and whether another program delivered it (a file with LF line ends, no sizes in its
/// name, only system flags).
type Spec = (u8, usize, u64, bool);

fn check(messages: &[Spec], criteria: &[SearchKey], expunged: u8, recent: u8) -> Result<(), TestCaseError> {
    let (dir, b, joe) = backend();
    let start = SystemTime::from(*DateTime::parse("13-Feb-2024 00:00:00 -0500").unwrap().as_chrono());
    for (k, &(bits, pad, hours, foreign)) in messages.iter().enumerate() {
        let when = start + Duration::from_secs(hours * 3600);
        if foreign {
            let name = format!("{}.M{k}P1.elsewhere:2,{}", 1_700_000_000 + k, letters(bits));
            let path = dir.path().join("joe/cur").join(name);
            std::fs::write(&path, format!("Subject: {k}\n\n{}\n", "y".repeat(pad))).unwrap();
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(when).unwrap();
            b.status(&joe, "INBOX").unwrap();
        } else {
            let body = Bytes::from(format!("Subject: {k}\r\n\r\n{}\r\n", "x".repeat(pad)));
            let date = DateTime::new(chrono::DateTime::<chrono::Utc>::from(when).fixed_offset()).unwrap();
            b.append(&joe, "INBOX", &flag_set(bits), Some(date), body).unwrap();
        }
    }
    let s = b.new_session();
    let snap = b.open(&joe, "INBOX", s, false).unwrap();
    prop_assert_eq!(snap.uids.len(), messages.len());
    // Another session expunges some: this one still sees them (kept copies).
    let gone: Vec<u32> =
        snap.uids.iter().enumerate().filter(|(k, _)| expunged & (1 << k) != 0).map(|(_, u)| *u).collect();
    if !gone.is_empty() {
        b.store(&joe, "INBOX", &gone, StoreKind::Add, &[Flag::Deleted]).unwrap();
        b.expunge(&joe, "INBOX", Some(&gone), usize::MAX).unwrap();
    }
    let recent: Vec<u32> =
        snap.uids.iter().enumerate().filter(|(k, _)| recent & (1 << k) != 0).map(|(_, u)| *u).collect();
    let mut query = SearchQuery::new(&snap.uids, criteria);
    query.recent = &recent;
    let from_index = b.search(&joe, "INBOX", s, &query).unwrap();
    let by_matcher = search_by_fetching(&*b, &joe, "INBOX", s, &query).unwrap();
    prop_assert_eq!(from_index, by_matcher);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// For random criteria that need no message text, over messages of random flags,
    /// sizes and dates (some delivered by another program, some expunged by another
    /// session), the index gives the UIDs the matcher gives.
    #[test]
    fn the_index_answers_as_the_matcher(
        messages in proptest::collection::vec((0u8..128, 0usize..20, 0u64..72, proptest::bool::weighted(0.4)), 1..7),
        criteria in proptest::collection::vec(meta_key(), 1..3),
        expunged in any::<u8>(),
        recent in any::<u8>(),
    ) {
        check(&messages, &criteria, expunged, recent)?;
    }
}

/// A file another program delivered has no size in its name, and LF line ends: LARGER
/// and SMALLER read it for its size with CRLF (26 octets here, 23 on disk), as FETCH
/// RFC822.SIZE does.
#[test]
fn a_foreign_file_is_read_for_its_size() {
    for key in [SearchKey::Larger(24), SearchKey::Smaller(26), SearchKey::Not(Box::new(SearchKey::Larger(26)))] {
        check(&[(1, 10, 0, true)], &[key], 0, 0).unwrap();
    }
}

#[test]
fn within_counts_from_the_system_clock() {
    // RFC 5032: INTERNALDATE (the file's mtime) against now less the interval.
    let (_dir, b, joe) = backend();
    let now = b.now().expect("the Maildir store has a clock");
    let secs = now.as_chrono().timestamp();
    for age in [30i64, 7200, 300_000] {
        let t = chrono::DateTime::from_timestamp(secs - age, 0).unwrap().fixed_offset();
        let date = DateTime::new(t).unwrap();
        b.append(&joe, "INBOX", &[], Some(date), Bytes::from_static(b"Subject: x\r\n\r\nhi\r\n")).unwrap();
    }
    let session = b.new_session();
    b.open(&joe, "INBOX", session, true).unwrap();
    let uids = [1, 2, 3];
    let run = |key: SearchKey| {
        let criteria = [key];
        let mut q = SearchQuery::new(&uids, &criteria);
        q.now = b.now();
        b.search(&joe, "INBOX", session, &q).unwrap()
    };
    assert_eq!(run(SearchKey::Younger(3600)), [1]);
    assert_eq!(run(SearchKey::Older(3600)), [2, 3]);
    assert_eq!(run(SearchKey::Older(259_200)), [3]);
    // Without a time from the store, nothing matches.
    let criteria = [SearchKey::Older(1)];
    assert!(b.search(&joe, "INBOX", session, &SearchQuery::new(&uids, &criteria)).unwrap().is_empty());
}
