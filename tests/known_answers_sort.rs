//! Known answers of SORT, THREAD and ESORT (RFC 5256 §5, RFC 5267 §3.3, RFC 5957 §3),
//! both directions: the RFCs' examples parsed to the values and the values encoded back.
//! RFC 5256 wraps its long THREAD examples; they are joined here with the line breaks
//! dropped, as its note on them says.

use imap_machine::types::{
    AString, Command, CommandBody, Data, IString, Response, SearchKey, SearchResult, SearchReturn, SequenceSet,
    SortCriterion, SortKey as K, Thread, ThreadAlgorithm,
};

#[path = "support/known_answers.rs"]
mod known_answers;

fn cmd(tag: &str, body: CommandBody) -> Command {
    Command::new(imap_machine::types::Tag::try_from(tag.to_string()).unwrap(), body)
}

fn by(key: K) -> SortCriterion {
    SortCriterion { reverse: false, key }
}

fn rev(key: K) -> SortCriterion {
    SortCriterion { reverse: true, key }
}

fn cs(s: &'static str) -> AString {
    IString::from_static(s)
}

fn since(s: &str) -> SearchKey {
    SearchKey::Since(imap_machine::types::Date::parse(s).unwrap())
}

fn m(id: u32, children: Vec<Thread>) -> Thread {
    Thread::message(id, children)
}

fn leaf(id: u32) -> Thread {
    Thread::message(id, vec![])
}

/// A chain: each message answers the one before it.
fn chain(ids: &[u32]) -> Thread {
    let mut node = leaf(*ids.last().unwrap());
    for &id in ids[..ids.len() - 1].iter().rev() {
        node = m(id, vec![node]);
    }
    node
}

fn commands() -> Vec<(&'static str, Command, Option<&'static str>)> {
    let text = |s| SearchKey::Text(IString::from_static(s));
    vec![
        // RFC 5256 §BASE.6.4.SORT
        (
            "A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994\r\n",
            cmd(
                "A282",
                CommandBody::Sort {
                    ret: None,
                    sort: vec![by(K::Subject)],
                    charset: cs("UTF-8"),
                    criteria: vec![since("1-Feb-1994")],
                    uid: false,
                },
            ),
            None,
        ),
        (
            "A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n",
            cmd(
                "A283",
                CommandBody::Sort {
                    ret: None,
                    sort: vec![by(K::Subject), rev(K::Date)],
                    charset: cs("UTF-8"),
                    criteria: vec![SearchKey::All],
                    uid: false,
                },
            ),
            None,
        ),
        (
            "A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"\r\n",
            cmd(
                "A284",
                CommandBody::Sort {
                    ret: None,
                    sort: vec![by(K::Subject)],
                    charset: cs("US-ASCII"),
                    criteria: vec![text("not in mailbox")],
                    uid: false,
                },
            ),
            None,
        ),
        // RFC 5256 §BASE.6.4.THREAD
        (
            "A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n",
            cmd(
                "A283",
                CommandBody::Thread {
                    algorithm: ThreadAlgorithm::OrderedSubject,
                    charset: cs("UTF-8"),
                    criteria: vec![since("5-Mar-2000")],
                    uid: false,
                },
            ),
            Some("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-Mar-2000\r\n"),
        ),
        (
            "A285 THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n",
            cmd(
                "A285",
                CommandBody::Thread {
                    algorithm: ThreadAlgorithm::References,
                    charset: cs("UTF-8"),
                    criteria: vec![since("5-Mar-2000")],
                    uid: false,
                },
            ),
            Some("A285 THREAD REFERENCES UTF-8 SINCE 5-Mar-2000\r\n"),
        ),
        // RFC 5267 §3.3 (ESORT)
        (
            "E01 UID SORT RETURN () (REVERSE DATE) UTF-8 UNDELETED UNKEYWORD $Junk\r\n",
            cmd(
                "E01",
                CommandBody::Sort {
                    ret: Some(vec![]),
                    sort: vec![rev(K::Date)],
                    charset: cs("UTF-8"),
                    criteria: vec![SearchKey::Undeleted, SearchKey::Unkeyword("$Junk".try_into().unwrap())],
                    uid: true,
                },
            ),
            None,
        ),
        // RFC 5267 §4.4's PARTIAL with SORT, and RFC 5957's keys, in lower case.
        (
            "a uid sort return (partial 1:10 count) (reverse displayfrom displayto arrival cc size to from) utf-8 all\r\n",
            cmd(
                "a",
                CommandBody::Sort {
                    ret: Some(vec![
                        SearchReturn::Partial(imap_machine::types::PartialRange::First(
                            1.try_into().unwrap(),
                            10.try_into().unwrap(),
                        )),
                        SearchReturn::Count,
                    ]),
                    sort: vec![
                        rev(K::DisplayFrom),
                        by(K::DisplayTo),
                        by(K::Arrival),
                        by(K::Cc),
                        by(K::Size),
                        by(K::To),
                        by(K::From),
                    ],
                    charset: cs("utf-8"),
                    criteria: vec![SearchKey::All],
                    uid: true,
                },
            ),
            Some("a UID SORT RETURN (PARTIAL 1:10 COUNT) (REVERSE DISPLAYFROM DISPLAYTO ARRIVAL CC SIZE TO FROM) utf-8 ALL\r\n"),
        ),
        (
            "t UID THREAD X-REFS \"UTF-8\" 1:*\r\n",
            cmd(
                "t",
                CommandBody::Thread {
                    algorithm: ThreadAlgorithm::Other("X-REFS".try_into().unwrap()),
                    charset: cs("UTF-8"),
                    criteria: vec![SearchKey::SequenceSet("1:*".parse().unwrap())],
                    uid: true,
                },
            ),
            Some("t UID THREAD X-REFS UTF-8 1:*\r\n"),
        ),
    ]
}

fn data(d: Data) -> Response {
    Response::Data(d)
}

fn responses() -> Vec<(&'static str, Response, Option<&'static str>)> {
    vec![
        ("* SORT 2 84 882\r\n", data(Data::Sort { ids: vec![2, 84, 882], modseq: None }), None),
        ("* SORT 5 3 4 1 2\r\n", data(Data::Sort { ids: vec![5, 3, 4, 1, 2], modseq: None }), None),
        ("* SORT\r\n", data(Data::Sort { ids: vec![], modseq: None }), None),
        // RFC 7162 §3.1.5
        ("* SORT 2 3 6 (MODSEQ 917162500)\r\n", data(Data::Sort { ids: vec![2, 3, 6], modseq: Some(917162500) }), None),
        ("* THREAD\r\n", data(Data::Thread(vec![])), None),
        // Lenient: two spaces, a trailing space (the numbers' fast path hands over).
        ("* SORT 7  3 \r\n", data(Data::Sort { ids: vec![7, 3], modseq: None }), Some("* SORT 7 3\r\n")),
        ("* SORT 4294967295 1\r\n", data(Data::Sort { ids: vec![u32::MAX, 1], modseq: None }), None),
        // RFC 5256 §BASE.7.2.THREAD
        (
            "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n",
            data(Data::Thread(vec![leaf(2), m(3, vec![m(6, vec![chain(&[4, 23]), chain(&[44, 7, 96])])])])),
            None,
        ),
        ("* THREAD ((3)(5))\r\n", data(Data::Thread(vec![Thread::dummy(vec![leaf(3), leaf(5)])])), None),
        // Lenient: spaces between lists, a lone nested list is a chain.
        ("* THREAD (1) (2 (3))\r\n", data(Data::Thread(vec![leaf(1), chain(&[2, 3])])), Some("* THREAD (1)(2 3)\r\n")),
        // RFC 5267 §3.3: the ALL of an ESORT is in sort order.
        (
            "* ESEARCH (TAG \"E01\") UID ALL 23765,23764,23763,23761\r\n",
            data(Data::ESearch {
                tag: Some(IString::from_static("E01")),
                uid: true,
                results: vec![SearchResult::All(SequenceSet::from_numbers(&[23765, 23764, 23763, 23761]).unwrap())],
            }),
            None,
        ),
    ]
}

#[test]
fn commands_both_ways() {
    known_answers::all_commands(commands());
}

#[test]
fn responses_both_ways() {
    known_answers::all_responses(responses());
}

/// Numbers past `u32` and decimals are refused, wherever they stand.
#[test]
fn malformed_numbers_are_refused() {
    for wire in
        ["* SORT 4294967296\r\n", "* SORT 1 2 4294967296 3\r\n", "* SORT 1 2.5\r\n", "* SEARCH 3 9999999999\r\n"]
    {
        let parsed = imap_machine::codec::parse_response(&bytes::Bytes::from_static(wire.as_bytes()));
        assert!(parsed.is_err(), "{wire:?}: {parsed:?}");
    }
}

#[test]
fn malformed_commands_are_refused() {
    known_answers::refused(&[
        "a SORT SUBJECT UTF-8 ALL\r\n",
        "a SORT () UTF-8 ALL\r\n",
        "a SORT (SUBJECT) UTF-8\r\n",
        "a SORT (REVERSE) UTF-8 ALL\r\n",
        "a SORT (SUBJECT FOO) UTF-8 ALL\r\n",
        "a SORT (SUBJECT) ALL\r\n",
        "a THREAD REFERENCES UTF-8\r\n",
        "a THREAD UTF-8 ALL\r\n",
        "a SORT (SUBJECT ) UTF-8 ALL\r\n",
    ]);
}

/// RFC 5256's long THREAD examples (§BASE.6.4.THREAD), joined: they read and write back
/// byte for byte, hold every message once, and have the shapes the RFC draws.
#[test]
fn the_rfc_s_long_thread_examples() {
    let ordered = "* THREAD (166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177\
        (183)(182)(188)(184)(185)(186)(187)(189))(190)(191)(192)(193)(194 195)(196 (197)(198))(199)\
        (200 202)(201)(203)(204)(205)(206 207)(208)\r\n";
    let references = "* THREAD (166)(167)(168)(169)(172)((170)(179))(171)(173)((174)(175)(176)(178)(181)(180))\
        ((177)(183)(182)(188 (184)(189))(185 186)(187))(190)(191)(192)(193)((194)(195 196))(197 198)\
        (199)(200 202)(201)(203)(204)(205 206 207)(208)\r\n";
    // The RFC breaks the first example inside `(177 (183)...`; joined without the space.
    let ordered = ordered.replace("(177(183)", "(177 (183)");
    for (wire, threads) in [(ordered.as_str(), 25), (references, 23)] {
        let rsp = imap_machine::codec::parse_response(&bytes::Bytes::copy_from_slice(wire.as_bytes())).unwrap();
        let Response::Data(Data::Thread(ts)) = &rsp else { panic!("{rsp:?}") };
        assert_eq!(ts.len(), threads, "{wire}");
        let mut ids: Vec<u32> = ts.iter().flat_map(Thread::ids).collect();
        ids.sort_unstable();
        assert_eq!(ids, (166..=208).collect::<Vec<_>>(), "every message once");
        known_answers::response_both_ways(wire, &rsp, None);
    }
}
