//! SORT and THREAD through a session on the memory store, checked from what the client is
//! told: SORT answers a permutation of what SEARCH answers, REVERSE reverses the order of
//! each key (messages with equal keys stay in sequence order), and THREAD holds every
//! message SEARCH finds exactly once, for both algorithms.

use std::sync::Arc;

use bytes::Bytes;
use proptest::prelude::*;

use super::memory::MemoryBackend;
use super::search_tests::Conn;
use super::*;
use crate::types::{
    CommandBody, Data, IString, SearchKey, SequenceSet, SortCriterion, SortKey, StatusKind, Thread, ThreadAlgorithm,
};

/// One generated message: subject, sender, recipient, sent date, INTERNALDATE, its
/// Message-ID and References (ids among a small pool, so that they collide and loop), and
/// a body length.
#[derive(Clone, Debug)]
struct Spec {
    subject: &'static str,
    from: &'static str,
    to: &'static str,
    date: Option<u8>,
    arrival: u8,
    id: Option<u8>,
    refs: Vec<u8>,
    body: u8,
}

fn spec() -> impl Strategy<Value = Spec> {
    let subjects =
        ["hello", "Re: hello", "Fwd: hello", "[fwd: hello]", "other", "RE: Other", "", "=?utf-8?q?Re=3A_caf=C3=A9?="];
    let froms = ["Ann <ann@x>", "bob@x", "\"Zed\" <aaa@x>", "", "=?utf-8?q?=C3=89mile?= <e@x>"];
    (
        proptest::sample::select(subjects.to_vec()),
        proptest::sample::select(froms.to_vec()),
        proptest::sample::select(froms.to_vec()),
        proptest::option::of(0u8..6),
        0u8..6,
        proptest::option::of(0u8..8),
        proptest::collection::vec(0u8..8, 0..4),
        0u8..4,
    )
        .prop_map(|(subject, from, to, date, arrival, id, refs, body)| Spec {
            subject,
            from,
            to,
            date,
            arrival,
            id,
            refs,
            body,
        })
}

fn message(s: &Spec) -> Bytes {
    let mut m = String::new();
    if !s.from.is_empty() {
        m.push_str(&format!("From: {}\r\n", s.from));
    }
    if !s.to.is_empty() {
        m.push_str(&format!("To: {}\r\n", s.to));
    }
    m.push_str(&format!("Subject: {}\r\n", s.subject));
    if let Some(d) = s.date {
        m.push_str(&format!("Date: Mon, {} Jan 2024 10:00:00 +0000\r\n", 1 + d));
    }
    if let Some(id) = s.id {
        m.push_str(&format!("Message-ID: <{id}@x>\r\n"));
    }
    if !s.refs.is_empty() {
        let refs: Vec<String> = s.refs.iter().map(|r| format!("<{r}@x>")).collect();
        m.push_str(&format!("References: {}\r\n", refs.join(" ")));
    }
    m.push_str("\r\n");
    m.push_str(&"body ".repeat(s.body as usize));
    Bytes::from(m)
}

fn sort(c: &mut Conn<MemoryBackend>, sort: Vec<SortCriterion>, criteria: Vec<SearchKey>, uid: bool) -> Vec<u32> {
    let charset = IString::from_static("UTF-8");
    let (st, data) = c.run(CommandBody::Sort { ret: None, sort, charset, criteria, uid });
    assert_eq!(st, StatusKind::Ok);
    let mut answers = data.into_iter().filter_map(|d| if let Data::Sort { ids, .. } = d { Some(ids) } else { None });
    let ids = answers.next().expect("a SORT response");
    assert!(answers.next().is_none(), "one SORT response");
    ids
}

fn thread(c: &mut Conn<MemoryBackend>, algorithm: ThreadAlgorithm, criteria: Vec<SearchKey>) -> Vec<Thread> {
    let charset = IString::from_static("UTF-8");
    let (st, data) = c.run(CommandBody::Thread { algorithm, charset, criteria, uid: false });
    assert_eq!(st, StatusKind::Ok);
    data.into_iter().find_map(|d| if let Data::Thread(t) = d { Some(t) } else { None }).expect("a THREAD response")
}

/// Runs of `forward` whose neighbours are in the same order in `reverse`: the messages
/// with equal keys.
fn tie_groups(forward: &[u32], reverse: &[u32]) -> Vec<Vec<u32>> {
    let at = |id: u32| reverse.iter().position(|&r| r == id).expect("same messages");
    let mut groups: Vec<Vec<u32>> = Vec::new();
    for (k, &id) in forward.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if k > 0 && at(forward[k - 1]) < at(id) => g.push(id),
            _ => groups.push(vec![id]),
        }
    }
    groups
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sort_permutes_search_and_reverse_reverses(specs in proptest::collection::vec(spec(), 1..24), narrow in any::<bool>()) {
        let b = Arc::new(MemoryBackend::new());
        b.add_user("username", "password");
        let user = b.login("username", "password").unwrap();
        for s in &specs {
            let when = DateTime::parse(&format!("0{}-Jan-2024 00:00:00 +0000", 1 + s.arrival)).unwrap();
            b.append(&user, "INBOX", &[], Some(when), message(s)).unwrap();
        }
        let mut c = Conn::new(&b);
        c.select();
        // All messages, or the odd ones.
        let criteria = if narrow {
            let odd: Vec<u32> = (1..=specs.len() as u32).step_by(2).collect();
            vec![SearchKey::SequenceSet(SequenceSet::from_numbers(&odd).unwrap())]
        } else {
            vec![SearchKey::All]
        };
        let mut found = c.search(criteria.clone(), false);
        found.sort_unstable();
        for key in SortKey::ALL {
            let forward = sort(&mut c, vec![SortCriterion { reverse: false, key }], criteria.clone(), false);
            let reverse = sort(&mut c, vec![SortCriterion { reverse: true, key }], criteria.clone(), false);
            let mut f = forward.clone();
            f.sort_unstable();
            prop_assert_eq!(&f, &found, "SORT ({}) is a permutation of SEARCH", key.as_str());
            // REVERSE: the groups of equal keys in the opposite order, each in sequence order.
            let groups = tie_groups(&forward, &reverse);
            for g in &groups {
                prop_assert!(g.windows(2).all(|w| w[0] < w[1]), "ties in sequence order: {:?}", g);
            }
            let reversed: Vec<u32> = groups.iter().rev().flatten().copied().collect();
            prop_assert_eq!(&reversed, &reverse, "SORT (REVERSE {})", key.as_str());
        }
        // UID SORT names the same messages by UID (UIDs are sequence numbers here).
        let by_uid = sort(&mut c, vec![SortCriterion { reverse: false, key: SortKey::Subject }], criteria.clone(), true);
        let by_seq = sort(&mut c, vec![SortCriterion { reverse: false, key: SortKey::Subject }], criteria.clone(), false);
        prop_assert_eq!(by_uid, by_seq);
        for algorithm in [ThreadAlgorithm::OrderedSubject, ThreadAlgorithm::References] {
            let threads = thread(&mut c, algorithm.clone(), criteria.clone());
            let mut ids: Vec<u32> = threads.iter().flat_map(Thread::ids).collect();
            ids.sort_unstable();
            prop_assert_eq!(&ids, &found, "THREAD {} holds every message once", algorithm.as_str());
            for t in &threads {
                prop_assert!(t.id.is_some() || t.children.len() >= 2, "a dummy has two children or more");
            }
        }
    }
}

/// SORT and THREAD read the keys from the parse the memory store made at APPEND: no
/// message is parsed again, whatever the key or algorithm (the issue's "a sort key must
/// not parse a message twice").
#[test]
fn sort_and_thread_parse_no_message_again() {
    let b = Arc::new(MemoryBackend::new());
    b.add_user("username", "password");
    let user = b.login("username", "password").unwrap();
    let specs = [
        ("Re: a", Some(2), Some(1), vec![0]),
        ("a", Some(1), Some(0), vec![]),
        ("[fwd: a]", None, Some(2), vec![0, 1]),
        ("b", Some(3), None, vec![7]),
    ];
    for (k, (subject, date, id, refs)) in specs.into_iter().enumerate() {
        let s = Spec { subject, from: "Ann <ann@x>", to: "bob@x", date, arrival: k as u8, id, refs, body: 1 };
        let when = DateTime::parse(&format!("0{}-Jan-2024 00:00:00 +0000", 1 + s.arrival)).unwrap();
        b.append(&user, "INBOX", &[], Some(when), message(&s)).unwrap();
    }
    let mut c = Conn::new(&b);
    c.select();
    let parses = || crate::mime::PARSES.with(|n| n.get());
    let all = || vec![SearchKey::All];
    // A first SEARCH: the matcher's empty message for keys that read none is made once.
    c.search(all(), false);
    let before = parses();
    for key in SortKey::ALL {
        sort(&mut c, vec![SortCriterion { reverse: false, key }], all(), false);
    }
    let threads = thread(&mut c, ThreadAlgorithm::References, all());
    assert_eq!(
        threads,
        vec![
            Thread::message(2, vec![Thread::message(1, vec![Thread::message(3, vec![])])]),
            Thread::message(4, vec![])
        ]
    );
    thread(&mut c, ThreadAlgorithm::OrderedSubject, all());
    assert_eq!(parses(), before, "no message parsed again");
}
