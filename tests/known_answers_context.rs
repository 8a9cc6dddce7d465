//! Known answers of CONTEXT=SEARCH (RFC 5267 §4) and PARTIAL (RFC 9394 §3), both
//! directions: the RFCs' examples (with the results they elide written out), parsed to
//! the values and the values encoded back to the same bytes.

use std::num::NonZeroU32;

use bytes::Bytes;
use imap_machine::codec::{parse_command, EncodeOptions};
#[path = "support/known_answers.rs"]
mod known_answers;

use imap_machine::types::{
    Atom, Code, Command, CommandBody, Data, FetchAttribute, FetchAttributes, FetchModifier, IString, PartialRange,
    Response, SearchKey as K, SearchResult, SearchReturn as R, SequenceSet, StatusKind, StatusResponse, Tag, Text,
};

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn set(s: &str) -> SequenceSet {
    s.parse().unwrap()
}

fn search(tag: &str, ret: Vec<R>, criteria: Vec<K>, uid: bool) -> Command {
    Command::new(
        Tag::try_from(tag.to_string()).unwrap(),
        CommandBody::Search { ret: Some(ret), charset: None, criteria, uid },
    )
}

/// `UID FETCH 25900:26600 (UID FLAGS) (PARTIAL range)`, RFC 9394 §3.3's examples.
fn partial_fetch(tag: &str, range: PartialRange) -> Command {
    Command::new(
        Tag::try_from(tag.to_string()).unwrap(),
        CommandBody::Fetch {
            set: set("25900:26600"),
            attributes: FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]),
            uid: true,
            modifiers: vec![FetchModifier::Partial(range)],
        },
    )
}

fn junk() -> K {
    K::Keyword(Atom::from_static("$Junk"))
}

fn esearch(tag: &str, uid: bool, results: Vec<SearchResult>) -> Response {
    Response::Data(Data::ESearch { tag: Some(IString::try_from(Bytes::from(tag.to_string())).unwrap()), uid, results })
}

fn commands() -> Vec<(&'static str, Command)> {
    vec![
        // RFC 5267 §4.2
        (
            "A01 SEARCH RETURN (CONTEXT COUNT) UNDELETED UNKEYWORD $Junk\r\n",
            search(
                "A01",
                vec![R::Context, R::Count],
                vec![K::Undeleted, K::Unkeyword(Atom::from_static("$Junk"))],
                false,
            ),
        ),
        // §4.3
        (
            "B01 UID SEARCH RETURN (UPDATE COUNT) DELETED KEYWORD $Junk\r\n",
            search("B01", vec![R::Update, R::Count], vec![K::Deleted, junk()], true),
        ),
        // §4.4
        (
            "A02 UID SEARCH RETURN (PARTIAL 23500:24000) UNDELETED UNKEYWORD $Junk\r\n",
            search(
                "A02",
                vec![R::Partial(PartialRange::First(nz(23500), nz(24000)))],
                vec![K::Undeleted, K::Unkeyword(Atom::from_static("$Junk"))],
                true,
            ),
        ),
        // RFC 9394 §3.1: from the last result.
        (
            "A01 UID SEARCH RETURN (PARTIAL -1:-100) UNDELETED UNKEYWORD $Junk\r\n",
            search(
                "A01",
                vec![R::Partial(PartialRange::Last(nz(1), nz(100)))],
                vec![K::Undeleted, K::Unkeyword(Atom::from_static("$Junk"))],
                true,
            ),
        ),
        // RFC 9394 §3.3: the PARTIAL FETCH modifier, from the last and from the first.
        (
            "10 UID FETCH 25900:26600 (UID FLAGS) (PARTIAL -1:-3)\r\n",
            partial_fetch("10", PartialRange::Last(nz(1), nz(3))),
        ),
        (
            "11 UID FETCH 25900:26600 (UID FLAGS) (PARTIAL 1:5)\r\n",
            partial_fetch("11", PartialRange::First(nz(1), nz(5))),
        ),
        // §4.3.5
        (
            "B04 CANCELUPDATE \"B01\"\r\n",
            Command::new(
                Tag::try_from("B04".to_string()).unwrap(),
                CommandBody::CancelUpdate { tags: vec![IString::from_static("B01")] },
            ),
        ),
        (
            "B05 CANCELUPDATE \"B01\" \"B02\"\r\n",
            Command::new(
                Tag::try_from("B05".to_string()).unwrap(),
                CommandBody::CancelUpdate { tags: vec![IString::from_static("B01"), IString::from_static("B02")] },
            ),
        ),
    ]
}

fn responses() -> Vec<(&'static str, Response)> {
    vec![
        ("* ESEARCH (TAG \"A01\") COUNT 23765\r\n", esearch("A01", false, vec![SearchResult::Count(23765)])),
        // §4.3.1
        (
            "* NO [NOUPDATE \"B02\"] Too many contexts\r\n",
            Response::Status {
                tag: None,
                status: StatusResponse::new(
                    StatusKind::No,
                    Some(Code::NoUpdate(IString::from_static("B02"))),
                    Text::try_from("Too many contexts").unwrap(),
                ),
            },
        ),
        // §4.3.3
        (
            "* ESEARCH (TAG \"B01\") UID ADDTO (0 32768:32769)\r\n",
            esearch("B01", true, vec![SearchResult::AddTo(vec![(0, set("32768:32769"))])]),
        ),
        (
            "* ESEARCH (TAG \"C01\") UID ADDTO (1 2733 1 2732 1 2731)\r\n",
            esearch("C01", true, vec![SearchResult::AddTo(vec![(1, set("2733")), (1, set("2732")), (1, set("2731"))])]),
        ),
        (
            "* ESEARCH (TAG \"C01\") UID ADDTO (1 2733) ADDTO (1 2731:2732)\r\n",
            esearch(
                "C01",
                true,
                vec![SearchResult::AddTo(vec![(1, set("2733"))]), SearchResult::AddTo(vec![(1, set("2731:2732"))])],
            ),
        ),
        // §4.3.4
        (
            "* ESEARCH (TAG \"B01\") UID REMOVEFROM (0 32768)\r\n",
            esearch("B01", true, vec![SearchResult::RemoveFrom(vec![(0, set("32768"))])]),
        ),
        // §4.4, the elided results written out
        (
            "* ESEARCH (TAG \"A02\") UID PARTIAL (23500:24000 67800:68063)\r\n",
            esearch(
                "A02",
                true,
                vec![SearchResult::Partial {
                    range: PartialRange::First(nz(23500), nz(24000)),
                    results: Some(set("67800:68063")),
                }],
            ),
        ),
        (
            "* ESEARCH (TAG \"A04\") UID PARTIAL (24000:24500 NIL)\r\n",
            esearch(
                "A04",
                true,
                vec![SearchResult::Partial { range: PartialRange::First(nz(24000), nz(24500)), results: None }],
            ),
        ),
        // RFC 9394 §3.1
        (
            "* ESEARCH (TAG \"A01\") UID PARTIAL (-1:-100 1:100)\r\n",
            esearch(
                "A01",
                true,
                vec![SearchResult::Partial { range: PartialRange::Last(nz(1), nz(100)), results: Some(set("1:100")) }],
            ),
        ),
    ]
}

#[test]
fn commands_both_ways() {
    for (wire, value) in commands() {
        known_answers::command_both_ways(wire, &value, None, &EncodeOptions::default());
    }
}

#[test]
fn responses_both_ways() {
    for (wire, value) in responses() {
        known_answers::response_both_ways(wire, &value, None);
    }
}

#[test]
fn malformed_fetch_modifiers_are_errors() {
    for bad in [
        "a UID FETCH 1:* FLAGS (PARTIAL 0:5)\r\n",
        "a UID FETCH 1:* FLAGS (PARTIAL -1:5)\r\n",
        "a UID FETCH 1:* FLAGS ()\r\n",
        "a UID FETCH 1:* FLAGS (PARTIAL 1:5\r\n",
        "a UID FETCH 1:* FLAGS (UNKNOWNMOD 5)\r\n",
    ] {
        assert!(parse_command(&Bytes::from_static(bad.as_bytes())).is_err(), "{bad:?}");
    }
}

#[test]
fn partial_ranges_select_positions() {
    // RFC 5267 §4.4: 500:400 is 400:500; past the end yields what there is.
    assert_eq!(PartialRange::First(nz(1), nz(500)).select(264), 0..264);
    assert_eq!(PartialRange::First(nz(500), nz(400)).select(1000), 399..500);
    assert_eq!(PartialRange::First(nz(24000), nz(24500)).select(23764), 23764..23764);
    // RFC 9394 §3.1: -1 is the last.
    assert_eq!(PartialRange::Last(nz(1), nz(3)).select(10), 7..10);
    assert_eq!(PartialRange::Last(nz(3), nz(1)).select(2), 0..2);
    assert_eq!(PartialRange::Last(nz(5), nz(9)).select(3), 0..0);
}
