//! Known answers of CONDSTORE and QRESYNC (RFC 7162), both directions: the RFC's examples
//! (lines it wraps joined, elisions left out), parsed to the values and the values encoded
//! back. Rows whose input is not in the encoder's canonical form (`(FLAGS)` for one
//! attribute, `\SEEN`, a flag without parentheses) carry the bytes the encoder writes.
//! FETCH responses are also read through the zero-copy view.

use std::num::NonZeroU32;

use bytes::{Bytes, BytesMut};
use imap_machine::codec::{encode_response, parse_fetch_view, parse_response, EncodeOptions};
use imap_machine::types::{
    Capability, Code, Command, CommandBody, Data, EntryType, FetchAttribute, FetchAttributes, FetchItem, FetchModifier,
    Flag, FlagFetch, IString, Mailbox, ModSeqEntry, QResync, Response, SearchKey as K, SearchResult, SearchReturn,
    SelectParam, SeqMatch, SequenceSet, StatusItem, StatusKind, StatusResponse, StoreKind, Tag, Text,
};

#[path = "support/known_answers.rs"]
mod known_answers;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn set(s: &str) -> SequenceSet {
    s.parse().unwrap()
}

fn flag(s: &str) -> Flag {
    Flag::parse(s).unwrap()
}

fn cmd(tag: &str, body: CommandBody) -> Command {
    Command::new(Tag::try_from(tag.to_string()).unwrap(), body)
}

fn select(params: Vec<SelectParam>) -> CommandBody {
    CommandBody::Select { mailbox: Mailbox::Inbox, params }
}

fn qresync(uid_validity: u32, mod_seq: u64, known_uids: Option<&str>, seq_match: Option<(&str, &str)>) -> SelectParam {
    SelectParam::QResync(QResync {
        uid_validity: nz(uid_validity),
        mod_seq,
        known_uids: known_uids.map(set),
        seq_match: seq_match.map(|(s, u)| SeqMatch { seqs: set(s), uids: set(u) }),
    })
}

fn store(s: &str, unchanged_since: u64, kind: StoreKind, silent: bool, flags: &[&str], uid: bool) -> CommandBody {
    CommandBody::Store {
        set: set(s),
        unchanged_since: Some(unchanged_since),
        kind,
        silent,
        flags: flags.iter().map(|f| flag(f)).collect(),
        uid,
    }
}

fn fetch(s: &str, attributes: Vec<FetchAttribute>, uid: bool, modifiers: Vec<FetchModifier>) -> CommandBody {
    CommandBody::Fetch { set: set(s), attributes: FetchAttributes::List(attributes), uid, modifiers }
}

fn search(criteria: Vec<K>) -> CommandBody {
    CommandBody::Search { ret: None, charset: None, criteria, uid: false }
}

/// Commands: (wire, value, the encoder's bytes when they differ from the wire).
fn commands() -> Vec<(&'static str, Command, Option<&'static str>)> {
    use FetchAttribute as A;
    vec![
        // §3.1.8: CONDSTORE as a SELECT parameter.
        ("A142 SELECT INBOX (CONDSTORE)\r\n", cmd("A142", select(vec![SelectParam::CondStore])), None),
        (
            "A143 EXAMINE INBOX (CONDSTORE)\r\n",
            cmd("A143", CommandBody::Examine { mailbox: Mailbox::Inbox, params: vec![SelectParam::CondStore] }),
            None,
        ),
        // §3.2.5.1: QRESYNC with known UIDs.
        (
            "A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n",
            cmd("A02", select(vec![qresync(67890007, 20050715194045000, Some("41,43:211,214:541"), None)])),
            None,
        ),
        (
            "A03 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))\r\n",
            cmd("A03", select(vec![qresync(67890007, 90060115194045000, Some("41:211,214:541"), None)])),
            None,
        ),
        // §3.2.5.2: with seq-match-data.
        (
            "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 \
             15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n",
            cmd(
                "B04",
                select(vec![qresync(
                    67890007,
                    90060115194045000,
                    Some("1:29997"),
                    Some((
                        "5000,7500,9000,9990:9999",
                        "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997",
                    )),
                )]),
            ),
            None,
        ),
        // §6 (the QRESYNC example of the server implementation notes).
        (
            "A142 SELECT INBOX (QRESYNC (3857529045 20010715194032001 1:198))\r\n",
            cmd("A142", select(vec![qresync(3857529045, 20010715194032001, Some("1:198"), None)])),
            None,
        ),
        // Neither known-uids nor seq-match-data; seq-match-data without known-uids; both params.
        ("A1 SELECT INBOX (QRESYNC (1 2))\r\n", cmd("A1", select(vec![qresync(1, 2, None, None)])), None),
        (
            "A2 SELECT INBOX (CONDSTORE QRESYNC (1 2 (1:3 4,6:7)))\r\n",
            cmd("A2", select(vec![SelectParam::CondStore, qresync(1, 2, None, Some(("1:3", "4,6:7")))])),
            None,
        ),
        // §3.1.3, examples 2 to 4 and 7.
        (
            "a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)\r\n",
            cmd("a103", store("6,4,8", 12121230045, StoreKind::Add, true, &["\\Deleted"], true)),
            None,
        ),
        (
            "a104 STORE * (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted $Processed)\r\n",
            cmd("a104", store("*", 12121230045, StoreKind::Add, true, &["\\Deleted", "$Processed"], false)),
            None,
        ),
        (
            "c101 STORE 50 (UNCHANGEDSINCE 12121230045) -FLAGS.SILENT (\\Deleted)\r\n",
            cmd("c101", store("50", 12121230045, StoreKind::Remove, true, &["\\Deleted"], false)),
            None,
        ),
        (
            "a102 STORE 12 (UNCHANGEDSINCE 0) +FLAGS.SILENT ($MDNSent)\r\n",
            cmd("a102", store("12", 0, StoreKind::Add, true, &["$MDNSent"], false)),
            None,
        ),
        // Example 8: the system flag in its canonical spelling.
        (
            "B001 STORE 1:7 (UNCHANGEDSINCE 320172338) +FLAGS (\\SEEN)\r\n",
            cmd("B001", store("1:7", 320172338, StoreKind::Add, false, &["\\Seen"], false)),
            Some("B001 STORE 1:7 (UNCHANGEDSINCE 320172338) +FLAGS (\\Seen)\r\n"),
        ),
        // §5 (QRESYNC and the delayed VANISHED): a flag without parentheses.
        (
            "A150 STORE 1:2 (UNCHANGEDSINCE 96) +FLAGS.SILENT \\Seen\r\n",
            cmd("A150", store("1:2", 96, StoreKind::Add, true, &["\\Seen"], false)),
            Some("A150 STORE 1:2 (UNCHANGEDSINCE 96) +FLAGS.SILENT (\\Seen)\r\n"),
        ),
        // §3.1.4.1: CHANGEDSINCE; one attribute encodes without parentheses.
        (
            "s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n",
            cmd("s100", fetch("1:*", vec![A::Flags], true, vec![FetchModifier::ChangedSince(12345)])),
            Some("s100 UID FETCH 1:* FLAGS (CHANGEDSINCE 12345)\r\n"),
        ),
        // §3.1.4: the MODSEQ attribute.
        (
            "a FETCH 1:3 (MODSEQ)\r\n",
            cmd("a", fetch("1:3", vec![A::ModSeq], false, vec![])),
            Some("a FETCH 1:3 MODSEQ\r\n"),
        ),
        ("a FETCH 1:3 (FLAGS MODSEQ)\r\n", cmd("a", fetch("1:3", vec![A::Flags, A::ModSeq], false, vec![])), None),
        // §3.2.6: VANISHED.
        (
            "s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n",
            cmd(
                "s100",
                fetch(
                    "300:500",
                    vec![A::Flags],
                    true,
                    vec![FetchModifier::ChangedSince(12345), FetchModifier::Vanished],
                ),
            ),
            Some("s100 UID FETCH 300:500 FLAGS (CHANGEDSINCE 12345 VANISHED)\r\n"),
        ),
        // A lone PREVIEW before the modifiers: they are not preview-mods.
        (
            "p1 UID FETCH 1:* PREVIEW (CHANGEDSINCE 7)\r\n",
            cmd("p1", fetch("1:*", vec![A::Preview { lazy: false }], true, vec![FetchModifier::ChangedSince(7)])),
            None,
        ),
        // §3.1.5: SEARCH MODSEQ, with an entry and without.
        (
            "a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n",
            cmd(
                "a",
                search(vec![K::ModSeq {
                    entry: Some(ModSeqEntry::new("/flags/\\draft", EntryType::All).unwrap()),
                    modseq: 620162338,
                }]),
            ),
            None,
        ),
        (
            "t SEARCH OR NOT MODSEQ 720162338 LARGER 50000\r\n",
            cmd(
                "t",
                search(vec![K::Or(
                    Box::new(K::Not(Box::new(K::ModSeq { entry: None, modseq: 720162338 }))),
                    Box::new(K::Larger(50000)),
                )]),
            ),
            None,
        ),
        (
            "u SEARCH MODSEQ \"/flags/$mdnsent\" priv 5 MODSEQ \"/flags/\\\\seen\" shared 0\r\n",
            cmd(
                "u",
                search(vec![
                    K::ModSeq {
                        entry: Some(ModSeqEntry::new("/flags/$mdnsent", EntryType::Private).unwrap()),
                        modseq: 5,
                    },
                    K::ModSeq { entry: Some(ModSeqEntry::for_flag(&Flag::Seen, EntryType::Shared)), modseq: 0 },
                ]),
            ),
            None,
        ),
        // §3.1.10: ESEARCH with MODSEQ.
        (
            "a SEARCH RETURN (ALL) MODSEQ 1234\r\n",
            cmd(
                "a",
                CommandBody::Search {
                    ret: Some(vec![SearchReturn::All]),
                    charset: None,
                    criteria: vec![K::ModSeq { entry: None, modseq: 1234 }],
                    uid: false,
                },
            ),
            None,
        ),
        // §3.1.6: STATUS HIGHESTMODSEQ.
        (
            "A042 STATUS blurdybloop (UIDNEXT MESSAGES HIGHESTMODSEQ)\r\n",
            cmd(
                "A042",
                CommandBody::Status {
                    mailbox: Mailbox::from_wire(IString::from_static("blurdybloop")),
                    items: vec![StatusItem::UidNext, StatusItem::Messages, StatusItem::HighestModSeq],
                },
            ),
            None,
        ),
        // §3.1 and §3.2.3: ENABLE.
        ("a1 ENABLE CONDSTORE\r\n", cmd("a1", CommandBody::Enable { capabilities: vec![Capability::CondStore] }), None),
        (
            "a2 ENABLE QRESYNC CONDSTORE\r\n",
            cmd("a2", CommandBody::Enable { capabilities: vec![Capability::QResync, Capability::CondStore] }),
            None,
        ),
    ]
}

/// Commands the grammar refuses.
const BAD_COMMANDS: &[&str] = &[
    "a SELECT INBOX ()\r\n",
    "a SELECT INBOX (FOO)\r\n",
    "a SELECT INBOX (QRESYNC (0 5))\r\n",
    "a SELECT INBOX (QRESYNC (1))\r\n",
    "a SELECT INBOX (QRESYNC (1 5 (1:2)))\r\n",
    "a SELECT INBOX (QRESYNC (1 9223372036854775808))\r\n",
    "a STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)\r\n",
    "a STORE 1 (UNCHANGEDSINCE 5 UNCHANGEDSINCE 6) +FLAGS (\\Seen)\r\n",
    "a STORE 1 (FOO 5) +FLAGS (\\Seen)\r\n",
    "a FETCH 1 FLAGS (CHANGEDSINCE)\r\n",
    "a FETCH 1 FLAGS (CHANGEDSINCE -1)\r\n",
    "a FETCH 1 FLAGS (FOO)\r\n",
    "a SEARCH MODSEQ\r\n",
    "a SEARCH MODSEQ \"/flags/\\\\seen\" 5\r\n",
    "a SEARCH MODSEQ \"/flags/\\\\seen\" both 5\r\n",
    "a SEARCH MODSEQ \"/vendor/x\" all 5\r\n",
    "a SEARCH MODSEQ /flags/x all 5\r\n",
];

fn status(tag: Option<&str>, kind: StatusKind, code: Code, text: &str) -> Response {
    Response::Status {
        tag: tag.map(|t| Tag::try_from(t.to_string()).unwrap()),
        status: StatusResponse::new(kind, Some(code), Text::try_from(text).unwrap()),
    }
}

fn fetch_rsp(seq: u32, items: Vec<FetchItem>) -> Response {
    Response::Data(Data::Fetch { seq: nz(seq), items })
}

fn flags(f: &[&str]) -> FetchItem {
    FetchItem::Flags(f.iter().map(|f| FlagFetch::Flag(flag(f))).collect())
}

fn vanished(earlier: bool, uids: &str) -> Response {
    Response::Data(Data::Vanished { earlier, uids: set(uids) })
}

/// Responses: (wire, value, the encoder's bytes when they differ from the wire).
fn responses() -> Vec<(&'static str, Response, Option<&'static str>)> {
    use FetchItem::{ModSeq, Uid};
    use StatusKind::{No, Ok};
    vec![
        // §3.1.2.1
        (
            "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n",
            status(None, Ok, Code::HighestModSeq(715194045007), "Highest"),
            None,
        ),
        (
            "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n",
            status(None, Ok, Code::NoModSeq, "Sorry, this mailbox format doesn't support modsequences"),
            None,
        ),
        // §3.1.3
        ("* 1 FETCH (UID 4 MODSEQ (12121231000))\r\n", fetch_rsp(1, vec![Uid(4), ModSeq(12121231000)]), None),
        ("* 50 FETCH (MODSEQ (12111230047))\r\n", fetch_rsp(50, vec![ModSeq(12111230047)]), None),
        (
            "d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n",
            status(Some("d105"), Ok, Code::Modified(set("7,9")), "Conditional STORE failed"),
            None,
        ),
        (
            "* 7 FETCH (MODSEQ (320162342) FLAGS (\\Seen \\Deleted))\r\n",
            fetch_rsp(7, vec![ModSeq(320162342), flags(&["\\Seen", "\\Deleted"])]),
            None,
        ),
        (
            "a102 OK [MODIFIED 12] Conditional STORE failed\r\n",
            status(Some("a102"), Ok, Code::Modified(set("12")), "Conditional STORE failed"),
            None,
        ),
        (
            "B001 NO [MODIFIED 2] Some of the messages no longer exist.\r\n",
            status(Some("B001"), No, Code::Modified(set("2")), "Some of the messages no longer exist."),
            None,
        ),
        (
            "* 2 FETCH (MODSEQ (320180050) FLAGS (\\SEEN \\Flagged))\r\n",
            fetch_rsp(2, vec![ModSeq(320180050), flags(&["\\Seen", "\\Flagged"])]),
            Some("* 2 FETCH (MODSEQ (320180050) FLAGS (\\Seen \\Flagged))\r\n"),
        ),
        (
            "* 7 FETCH (FLAGS (\\Deleted \\Answered) MODSEQ (12121231000))\r\n",
            fetch_rsp(7, vec![flags(&["\\Deleted", "\\Answered"]), ModSeq(12121231000)]),
            None,
        ),
        // §3.1.4.1
        (
            "* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\\Seen))\r\n",
            fetch_rsp(1, vec![Uid(4), ModSeq(65402), flags(&["\\Seen"])]),
            None,
        ),
        ("* 1 FETCH (MODSEQ (12) FLAGS ())\r\n", fetch_rsp(1, vec![ModSeq(12), flags(&[])]), None),
        // §3.1.5
        (
            "* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n",
            Response::Data(Data::Search { ids: vec![2, 5, 6, 7, 11, 12, 18, 19, 20, 23], modseq: Some(917162500) }),
            None,
        ),
        // §3.1.6
        (
            "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)\r\n",
            Response::Data(Data::Status {
                mailbox: Mailbox::from_wire(IString::from_static("blurdybloop")),
                items: vec![
                    (StatusItem::Messages, 231),
                    (StatusItem::UidNext, 44292),
                    (StatusItem::HighestModSeq, 7011231777),
                ],
                mailbox_id: None,
            }),
            None,
        ),
        // §3.1.8
        (
            "A142 OK [READ-WRITE] SELECT completed, CONDSTORE is now enabled\r\n",
            status(Some("A142"), Ok, Code::ReadWrite, "SELECT completed, CONDSTORE is now enabled"),
            None,
        ),
        // §3.1.10
        (
            "* ESEARCH (TAG \"a\") ALL 1:3,5 MODSEQ 1236\r\n",
            Response::Data(Data::ESearch {
                tag: Some(IString::from_static("a")),
                uid: false,
                results: vec![SearchResult::All(set("1:3,5")), SearchResult::ModSeq(1236)],
            }),
            None,
        ),
        // §3.2.5.1
        (
            "* OK [HIGHESTMODSEQ 90060115205545359] Highest mailbox mod-sequence\r\n",
            status(None, Ok, Code::HighestModSeq(90060115205545359), "Highest mailbox mod-sequence"),
            None,
        ),
        (
            "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n",
            vanished(true, "41,43:116,118,120:211,214:540"),
            None,
        ),
        (
            "* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (90060115194045001))\r\n",
            fetch_rsp(49, vec![Uid(117), flags(&["\\Seen", "\\Answered"]), ModSeq(90060115194045001)]),
            None,
        ),
        (
            "* 50 FETCH (UID 119 FLAGS (\\Draft $MDNSent) MODSEQ (90060115194045308))\r\n",
            fetch_rsp(50, vec![Uid(119), flags(&["\\Draft", "$MDNSent"]), ModSeq(90060115194045308)]),
            None,
        ),
        // §3.2.6
        ("* VANISHED (EARLIER) 300:310,405,411\r\n", vanished(true, "300:310,405,411"), None),
        // §3.2.10
        ("* VANISHED 405,407,410,425\r\n", vanished(false, "405,407,410,425"), None),
        (
            "B202 OK [HIGHESTMODSEQ 20010715194045319] expunged\r\n",
            status(Some("B202"), Ok, Code::HighestModSeq(20010715194045319), "expunged"),
            None,
        ),
        ("* VANISHED 1\r\n", vanished(false, "1"), None),
        // §5
        ("A150 OK [MODIFIED 3] done\r\n", status(Some("A150"), Ok, Code::Modified(set("3")), "done"), None),
        (
            "* OK [HIGHESTMODSEQ 99] VANISHED reply with MODSEQ 100 is delayed\r\n",
            status(None, Ok, Code::HighestModSeq(99), "VANISHED reply with MODSEQ 100 is delayed"),
            None,
        ),
        // §6
        ("* VANISHED (EARLIER) 1:5,7:8,10:15\r\n", vanished(true, "1:5,7:8,10:15"), None),
        // Case-insensitive keywords.
        ("* vanished (earlier) 7\r\n", vanished(true, "7"), Some("* VANISHED (EARLIER) 7\r\n")),
        // §3.2.3: ENABLED.
        ("* ENABLED QRESYNC\r\n", Response::Data(Data::Enabled(vec![Capability::QResync])), None),
        (
            "* ENABLED CONDSTORE QRESYNC\r\n",
            Response::Data(Data::Enabled(vec![Capability::CondStore, Capability::QResync])),
            None,
        ),
    ]
}

#[test]
fn commands_both_ways() {
    for (wire, value, encoded) in commands() {
        known_answers::command_both_ways(wire, &value, encoded, &EncodeOptions::default());
    }
}

#[test]
fn bad_commands_are_refused() {
    known_answers::refused(BAD_COMMANDS);
}

#[test]
fn responses_both_ways() {
    for (wire, value, encoded) in responses() {
        known_answers::response_both_ways(wire, &value, encoded);
        if let Response::Data(Data::Fetch { .. }) = value {
            let view = parse_fetch_view(wire.as_bytes()).unwrap_or_else(|e| panic!("view of {wire:?}: {e}"));
            assert_eq!(view.to_response(), value, "view of {wire:?}");
        }
    }
}

/// The RFC's response codes with no text after them: the parser takes them (quirk
/// `code-without-text`), and the encoder writes them back without a trailing space.
#[test]
fn codes_without_text() {
    for (wire, code) in [
        ("* OK [HIGHESTMODSEQ 715194045007]\r\n", Code::HighestModSeq(715194045007)),
        ("* OK [HIGHESTMODSEQ 12111230047]\r\n", Code::HighestModSeq(12111230047)),
        ("* OK [CLOSED]\r\n", Code::Closed),
        ("* OK [NOMODSEQ]\r\n", Code::NoModSeq),
        ("* OK [MODIFIED 1:3,7]\r\n", Code::Modified(set("1:3,7"))),
    ] {
        let rsp = parse_response(&Bytes::from_static(wire.as_bytes())).unwrap();
        let Response::Status { tag: None, status } = &rsp else { panic!("{wire:?}: {rsp:?}") };
        assert_eq!((status.kind, status.code.as_ref(), status.text.is_empty()), (StatusKind::Ok, Some(&code), true));
        assert_eq!(String::from_utf8_lossy(&encode_response(&rsp, &mut BytesMut::new()).to_vec()), wire);
    }
}

/// A VANISHED the grammar does not take is kept raw, like any unknown response.
#[test]
fn malformed_vanished_is_kept_raw() {
    for wire in ["* VANISHED\r\n", "* VANISHED (EARLIER)\r\n", "* VANISHED 0\r\n", "* VANISHED (LATER) 5\r\n"] {
        let rsp = parse_response(&Bytes::from_static(wire.as_bytes())).unwrap();
        assert!(matches!(rsp, Response::Data(Data::Other { .. })), "{wire:?}: {rsp:?}");
    }
}
