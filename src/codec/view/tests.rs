//! The FETCH grammar, written once (`scan.rs`), read both ways: the view's accessors and
//! the owned values `parse_response` builds from the tape. Known answers, plus, on every
//! input, a check that what is accepted survives the encoder: `parse(encode(parse(w)))`
//! equals `parse(w)`.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::codec::{encode_response, parse_response, Framer, FramerEvent, FramerOptions, ParseErrorKind, Role};
use crate::types::{strategies, Data, FetchItem};

/// Checks that `parse_fetch_view` accepts `wire` exactly when `parse_response` makes a
/// FETCH of it, that the view converts to the same value through both conversions and a
/// reused tape, and that the value encodes to bytes that parse back to it. Returns whether
/// it was accepted.
fn same_as_owned(wire: &[u8]) -> bool {
    let bytes = Bytes::copy_from_slice(wire);
    let owned = parse_response(&bytes);
    let view = parse_fetch_view(wire);
    let text = || String::from_utf8_lossy(wire).into_owned();
    match (&owned, &view) {
        (Ok(rsp @ Response::Data(Data::Fetch { .. })), Ok(v)) => {
            assert_eq!(&v.to_response(), rsp, "{}", text());
            assert_eq!(&v.to_response_in(&bytes), rsp, "{}", text());
            let mut tape = FetchTape::new();
            assert_eq!(&tape.parse(wire).unwrap().to_response(), rsp);
            let again = Bytes::from(encode(rsp));
            assert_eq!(&parse_response(&again).unwrap(), rsp, "{} re-encoded as {:?}", text(), again);
            true
        }
        (Ok(Response::Data(Data::Fetch { .. })), Err(e)) => panic!("view refused a FETCH: {e} in {}", text()),
        (Ok(_), Ok(_)) => panic!("view accepted a non-FETCH: {}", text()),
        (Err(e), Ok(_)) => panic!("view accepted a malformed response ({e}): {}", text()),
        (Err(o), Err(e)) if is_fetch_header(wire) => {
            // Past `* n FETCH`, the error is the owned parser's too.
            assert_eq!(&o.error, e, "{}", text());
            false
        }
        (_, Err(_)) => false,
    }
}

/// Whether `wire` starts with `"*" 1*SP 1*DIGIT 1*SP "FETCH" 1*SP`.
fn is_fetch_header(wire: &[u8]) -> bool {
    let Some(rest) = wire.strip_prefix(b"*") else { return false };
    let skip = |s: &[u8], f: fn(&u8) -> bool| -> Option<usize> {
        let n = s.iter().take_while(|b| f(b)).count();
        (n > 0).then_some(n)
    };
    let Some(n) = skip(rest, |b| *b == b' ') else { return false };
    let rest = &rest[n..];
    let Some(n) = skip(rest, u8::is_ascii_digit) else { return false };
    let rest = &rest[n..];
    let Some(n) = skip(rest, |b| *b == b' ') else { return false };
    let rest = &rest[n..];
    rest.len() > 5 && rest[..5].eq_ignore_ascii_case(b"FETCH") && rest[5] == b' '
}

/// The framed server messages of a transcript's `S:` lines.
fn server_messages(transcript: &str) -> Vec<Bytes> {
    let mut stream = Vec::new();
    for line in transcript.lines() {
        if let Some(rest) = line.strip_prefix("S:") {
            stream.extend_from_slice(rest.strip_prefix(' ').unwrap_or(rest).as_bytes());
            stream.extend_from_slice(b"\r\n");
        }
    }
    let mut framer = Framer::new(Role::Client, FramerOptions::default());
    framer.handle_input(&stream);
    let mut out = Vec::new();
    while let Some(e) = framer.poll() {
        if let FramerEvent::Message(f) = e {
            out.push(f.bytes().clone());
        }
    }
    out
}

#[test]
fn dovecot_capture_fetches_equal_the_owned_parse() {
    let capture = include_str!("../../../tests/fixtures/dovecot-capture.txt");
    let fetches = server_messages(capture).iter().filter(|m| same_as_owned(m)).count();
    assert!(fetches >= 19, "only {fetches} FETCH responses in the capture");
}

#[test]
fn transcript_fetches_equal_the_owned_parse() {
    let mut fetches = 0;
    for dir in ["client", "server"] {
        for (_, text) in crate::testing::transcripts(dir, 1) {
            fetches += server_messages(&text).iter().filter(|m| same_as_owned(m)).count();
        }
    }
    for name in ["rfc3501-s7-responses.txt", "rfc3501-s8.txt"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts").join(name);
        fetches += server_messages(&std::fs::read_to_string(path).unwrap()).iter().filter(|m| same_as_owned(m)).count();
    }
    assert!(fetches > 5, "{fetches}");
}

/// Every file of the response fuzz corpora (`fuzz/corpus/response_*`, inputs the fuzzer
/// found interesting), whole and framed, through both parsers. Skipped where the corpora
/// are absent.
#[test]
fn fuzz_corpus_responses_get_the_same_decision() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let (mut files, mut fetches) = (0, 0);
    for target in ["response_parser", "response_roundtrip"] {
        let Ok(dir) = std::fs::read_dir(root.join(target)) else { continue };
        for entry in dir.flatten() {
            let Ok(data) = std::fs::read(entry.path()) else { continue };
            files += 1;
            same_as_owned(&data);
            let mut framer = Framer::new(Role::Client, FramerOptions::default());
            framer.handle_input(&data);
            while let Some(e) = framer.poll() {
                if let FramerEvent::Message(f) = e {
                    fetches += usize::from(same_as_owned(f.bytes()));
                }
            }
        }
    }
    eprintln!("{files} corpus files, {fetches} FETCH messages");
}

/// The FETCH inputs of the quirk table (`QUIRKS.md`), and more lenient forms.
const QUIRKS: &[&[u8]] = &[
    b"* 1 FETCH (UID 19436 )\r\n",
    b"* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 5 1)(\"text\" \"html\" NIL NIL NIL \"7bit\" 9 1) \"alternative\" (\"boundary\" NIL) NIL NIL))\r\n",
    b"* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 NIL \"inline\" NIL NIL))\r\n",
    b"* 1 FETCH (BODYSTRUCTURE (\"application\" \"pdf\" (\"name\" \"r\xe9sum\xe9.pdf\") NIL NIL \"base64\" 4 NIL (\"attachment\" (\"filename\" \"r\xc3\xa9sum\xc3\xa9.pdf\")) NIL NIL))\r\n",
    "* 1 FETCH (FLAGS (\\Seen Café))\r\n".as_bytes(),
    b"* 1 FETCH (FLAGS (\\Seen OIB-Seen-[Gmail]/Spam \\Recent \\X))\r\n",
    b"* 1 FETCH (RFC822.SIZE -1)\r\n",
    b"* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" -1 -1))\r\n",
    b"* 1 FETCH (RFC822.SIZE 12.5)\r\n",
    b"* 1 FETCH (ENVELOPE (NIL NIL () NIL NIL ((NIL NIL NIL NIL)) () NIL NIL NIL))\r\n",
    b"* 3 FETCH (X-GM-MSGID 1278455344230334865 X-UNKNOWN (a \"b)\" {1}\r\n)) UID 7)\r\n",
    b"* 1 FETCH (FLAGS (\x9d))\r\n",
    b"*  1  FETCH  (UID 1  FLAGS ( \\Seen  ) )  \r\n",
    b"* 1 FETCH (UID 1)\n",
    b"* 1 FETCH (BODY[HEADER.FIELDS (From \"To\" {2}\r\nCc)]<5> {3}\r\nabc BODY[1.2.MIME] NIL BODY[] \"a\\\\b\\\"\")\r\n",
    b"* 1 FETCH (BINARY[1.2]<0> ~{3}\r\na\0b BINARY[] NIL BINARY.SIZE[3] 42 BINARY[1] \"q\")\r\n",
    b"* 1 FETCH (BINARY[1] {3}\r\na\0b)\r\n",
    b"* 1 FETCH (MODSEQ ( 12345 ) X-GM-THRID 9 X-GM-LABELS (\\Inbox \"Work\" label {3}\r\nabc \\))\r\n",
    b"* 1 FETCH (RFC822 {5}\r\nHello RFC822.HEADER NIL RFC822.TEXT \"x\")\r\n",
    b"* 1 FETCH (INTERNALDATE \" 7-Jul-1996 02:44:25 -0700\" INTERNALDATE \"1-Jan-2000 00:00:00 +2359\")\r\n",
    b"* 1 FETCH (INTERNALDATE \"31-Feb-1996 02:44:25 -0700\")\r\n",
    b"* 1 FETCH (BODYSTRUCTURE (\"TE\\XT\" \"plain\" NIL NIL NIL \"7bit\" 1 2 \"md5\" (\"inline\" NIL) (\"en\" \"de\") \"loc\" 1 (2 \"x\" NIL) NIL))\r\n",
    b"* 1 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 1 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"text\" \"plain\" NIL NIL NIL NIL 1 2) 3 NIL NIL \"en\"))\r\n",
    b"* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL NIL 1 2) NIL (\"a\" \"b\") \"inline\" NIL NIL 5 ( 1 ) ))\r\n",
    b"* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" NIL NIL NIL NIL 1 2)))\r\n",
    b"* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL NIL 1))\r\n",
    b"* 1 FETCH (BODY (\"message\" \"rfc822\" NIL NIL NIL NIL 1))\r\n",
    b"* 1 FETCH (BODY[] \"unterminated)\r\n",
    b"* 1 FETCH (UID 4294967296)\r\n",
    b"* 0 FETCH (UID 1)\r\n",
    b"* 1 FETCH ()\r\n",
    b"* 1 FETCH (UID 1) x\r\n",
    b"* 1 FETCHES (UID 1)\r\n",
    b"* 1 EXISTS\r\n",
    b"* OK done\r\n",
    b"a1 OK done\r\n",
];

#[test]
fn quirk_inputs_equal_the_owned_parse() {
    let accepted = QUIRKS.iter().filter(|w| same_as_owned(w)).count();

    assert_eq!(accepted, 22);
}

/// The bench's message: a Dovecot-shaped FETCH with an envelope and a multipart body.
const FETCH: &[u8] = b"* 12 FETCH (UID 4827 FLAGS (\\Seen $Forwarded) \
INTERNALDATE \"17-Jul-2024 09:14:52 +0200\" RFC822.SIZE 18734 \
ENVELOPE (\"Wed, 17 Jul 2024 09:14:48 +0200\" \"Re: Quarterly \\\"planning\\\"\" \
((\"Alice Martin\" NIL \"alice\" \"example.com\")) NIL NIL \
((\"Bob Stone\" NIL \"bob\" \"example.org\")(NIL NIL \"carol\" \"example.net\")) \
((\"Dave Li\" NIL \"dave\" \"example.com\")) NIL \"<CAF3k9qP2x7Z@example.org>\" \"<4827.alice@example.com>\") \
BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 2345 52 NIL NIL NIL NIL)\
(\"image\" \"png\" (\"name\" \"a.png\") \"<id1>\" \"A picture\" \"base64\" 9876 \"Q2hlY2s=\" (\"attachment\" (\"filename\" \"a.png\")) (\"en\" \"fr\") \"http://x/a.png\" 7 (\"x\" 8)) \
\"mixed\" (\"boundary\" \"b1_5e7d0c9a4f3b\") NIL NIL NIL))\r\n";

#[test]
fn accessors_known_answers() {
    let v = parse_fetch_view(FETCH).unwrap();
    assert_eq!(v.seq().get(), 12);
    assert_eq!(v.uid(), Some(4827));
    assert_eq!(v.rfc822_size(), Some(18734));
    assert_eq!(v.internal_date().unwrap().to_string(), "17-Jul-2024 09:14:52 +0200");
    assert_eq!(v.flags().unwrap().collect::<Vec<_>>(), vec![FlagView::Seen, FlagView::Keyword("$Forwarded")]);
    assert_eq!(v.items().count(), 6);

    let env = v.envelope().unwrap();
    assert_eq!(env.date().unwrap().raw(), b"Wed, 17 Jul 2024 09:14:48 +0200");
    let subject = env.subject().unwrap();
    assert_eq!(subject.raw(), b"Re: Quarterly \\\"planning\\\"");
    assert_eq!(subject.value().as_ref(), b"Re: Quarterly \"planning\"");
    assert!(subject.is_quoted() && !subject.is_literal());
    let from: Vec<_> = env.from().collect();
    assert_eq!(from.len(), 1);
    assert_eq!(from[0].name().unwrap().raw(), b"Alice Martin");
    assert!(from[0].adl().is_none());
    assert_eq!(from[0].mailbox().unwrap().raw(), b"alice");
    assert_eq!(from[0].host().unwrap().raw(), b"example.com");
    assert_eq!((env.sender().count(), env.reply_to().count(), env.to().count()), (0, 0, 2));
    let carol = env.to().nth(1).unwrap();
    assert!(carol.name().is_none());
    assert_eq!(carol.mailbox().unwrap().raw(), b"carol");
    assert_eq!((env.cc().count(), env.bcc().count()), (1, 0));
    assert_eq!(env.in_reply_to().unwrap().raw(), b"<CAF3k9qP2x7Z@example.org>");
    assert_eq!(env.message_id().unwrap().raw(), b"<4827.alice@example.com>");

    let Some(BodyStructureView::Multipart(mp)) = v.body_structure() else { panic!("not multipart") };
    assert_eq!(mp.subtype().raw(), b"mixed");
    let params: Vec<_> = mp.params().unwrap().map(|(k, v)| (k.raw(), v.raw())).collect();
    assert_eq!(params, vec![(&b"boundary"[..], &b"b1_5e7d0c9a4f3b"[..])]);
    let tail = mp.tail().unwrap();
    assert!(matches!(tail.disposition(), Some(None)));
    assert!(matches!(tail.language(), Some(None)));
    assert!(matches!(tail.location(), Some(None)));
    assert_eq!(tail.extensions().count(), 0);

    let parts: Vec<_> = mp.parts().collect();
    assert_eq!(parts.len(), 2);
    let BodyStructureView::Single(text) = parts[0] else { panic!() };
    assert!(text.is_text());
    assert_eq!((text.media_type().raw(), text.subtype().raw()), (&b"text"[..], &b"plain"[..]));
    assert_eq!(text.params().count(), 2);
    assert_eq!(text.encoding().raw(), b"quoted-printable");
    assert_eq!((text.size(), text.lines()), (2345, Some(52)));
    assert!(matches!(text.md5(), Some(None)));
    assert!(text.envelope().is_none() && text.body().is_none());

    let BodyStructureView::Single(img) = parts[1] else { panic!() };
    assert!(!img.is_text());
    assert_eq!((img.size(), img.lines()), (9876, None));
    assert_eq!(img.id().unwrap().raw(), b"<id1>");
    assert_eq!(img.description().unwrap().raw(), b"A picture");
    assert_eq!(img.md5().unwrap().unwrap().raw(), b"Q2hlY2s=");
    let tail = img.tail().unwrap();
    let dsp = tail.disposition().unwrap().unwrap();
    assert_eq!(dsp.kind().raw(), b"attachment");
    assert_eq!(dsp.params().next().unwrap().1.raw(), b"a.png");
    let langs: Vec<_> = tail.language().unwrap().unwrap().map(|s| s.raw()).collect();
    assert_eq!(langs, vec![&b"en"[..], b"fr"]);
    assert_eq!(tail.location().unwrap().unwrap().raw(), b"http://x/a.png");
    let ext: Vec<_> = tail.extensions().collect();
    assert!(matches!(ext[0], BodyExtensionView::Number(7)));
    let BodyExtensionView::List(inner) = ext[1].clone() else { panic!() };
    assert_eq!(inner.count(), 2);
    assert!(same_as_owned(FETCH));
}

#[test]
fn message_rfc822_part_and_bare_disposition() {
    let wire = b"* 11 FETCH (BODYSTRUCTURE (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 66 \
(NIL \"An enclosed message\" NIL NIL NIL NIL NIL NIL NIL NIL) \
(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 34 1 NIL \"inline\" NIL NIL) 3 NIL NIL NIL NIL) \
FLAGS (\\Recent \\X-Custom \\sEEn))\r\n";
    let v = parse_fetch_view(wire).unwrap();
    let Some(BodyStructureView::Single(msg)) = v.body_structure() else { panic!() };
    assert_eq!((msg.media_type().raw(), msg.subtype().raw()), (&b"message"[..], &b"rfc822"[..]));
    assert_eq!((msg.size(), msg.lines(), msg.is_text()), (66, Some(3), false));
    let env = msg.envelope().unwrap();
    assert!(env.date().is_none());
    assert_eq!(env.subject().unwrap().raw(), b"An enclosed message");
    assert_eq!(env.from().count(), 0);
    let Some(BodyStructureView::Single(inner)) = msg.body() else { panic!() };
    assert_eq!((inner.size(), inner.lines()), (34, Some(1)));
    let dsp = inner.tail().unwrap().disposition().unwrap().unwrap();
    assert_eq!((dsp.kind().raw(), dsp.params().count()), (&b"inline"[..], 0));
    assert!(matches!(msg.md5(), Some(None)));
    assert_eq!(msg.tail().unwrap().extensions().count(), 0);
    assert_eq!(
        v.flags().unwrap().collect::<Vec<_>>(),
        vec![FlagView::Recent, FlagView::Extension("X-Custom"), FlagView::Seen]
    );
    assert!(v.uid().is_none() && v.envelope().is_none());
    assert!(same_as_owned(wire));
}

#[test]
fn sections_literals_and_other_items() {
    let wire = b"* 2 FETCH (BODY[1.2.HEADER.FIELDS (From {2}\r\nTo)]<7> {5}\r\nhello BINARY[3]<1> ~{2}\r\n\0\x01 \
X-THING[a b] (1 \"2\") UID 9)\r\n";
    let v = parse_fetch_view(wire).unwrap();
    let items: Vec<_> = v.items().collect();
    let FetchItemView::BodySection { section, origin, data } = items[0].clone() else { panic!() };
    assert_eq!(section.part().map(|n| n.get()).collect::<Vec<_>>(), vec![1, 2]);
    let Some(SectionTextView::HeaderFields(names)) = section.text() else { panic!() };
    assert_eq!(names.map(|s| s.raw()).collect::<Vec<_>>(), vec![&b"From"[..], b"To"]);
    assert_eq!(origin, Some(7));
    let data = data.unwrap();
    assert!(data.is_literal());
    assert_eq!(data.raw(), b"hello");
    let FetchItemView::Binary { part, origin, data } = items[1].clone() else { panic!() };
    assert_eq!((part.count(), origin, data.unwrap().raw()), (1, Some(1), &b"\0\x01"[..]));
    let FetchItemView::Other { name, value } = items[2].clone() else { panic!() };
    assert_eq!((name, value), (&b"X-THING[a b]"[..], &b"(1 \"2\")"[..]));
    assert_eq!(v.uid(), Some(9));
    assert!(same_as_owned(wire));
}

#[test]
fn errors_are_typed_and_never_panic() {
    let e = parse_fetch_view(b"* 1 FETCH (RFC822.SIZE 12.5)\r\n").unwrap_err();
    assert_eq!((e.offset, e.kind), (25, ParseErrorKind::Expected("an integer, not a decimal")));
    let e = parse_fetch_view(b"* 1 FETCH (UID 1\r\n").unwrap_err();
    assert_eq!(e.offset, 16);
    let e = parse_fetch_view(b"* 1 FETCH (UID 1)").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::Incomplete);
    assert!(parse_fetch_view(b"* 1 EXISTS\r\n").is_err());
    assert!(parse_fetch_view(b"").is_err());
    // Deep nesting is refused, not a stack overflow.
    let mut deep = b"* 1 FETCH (BODY ".to_vec();
    deep.extend(std::iter::repeat_n(b'(', 10_000));
    deep.extend_from_slice(b"\r\n");
    assert!(!same_as_owned(&deep));
    let mut deep = b"* 1 FETCH (X-A ".to_vec();
    deep.extend(std::iter::repeat_n(b'(', 10_000));
    assert!(!same_as_owned(&deep));
}

/// Pieces of FETCH syntax, for random responses that get deep into the grammar.
const TOKENS: &[&[u8]] = &[
    b" ",
    b"  ",
    b"(",
    b")",
    b"NIL",
    b"nil",
    b"\"a\"",
    b"\"\"",
    b"\"x\\\"y\"",
    b"\"\xe9\"",
    b"{1}\r\nx",
    b"{0}\r\n",
    b"~{1}\r\n\0",
    b"12",
    b"0",
    b"-1",
    b"1.5",
    b"UID ",
    b"FLAGS ",
    b"\\Seen",
    b"\\Recent",
    b"$k",
    b"ENVELOPE ",
    b"BODY ",
    b"BODYSTRUCTURE ",
    b"BODY[",
    b"BINARY[",
    b"BINARY.SIZE[",
    b"]",
    b"<3>",
    b"1.2",
    b".MIME",
    b"HEADER.FIELDS (a)",
    b"TEXT",
    b"RFC822.SIZE ",
    b"INTERNALDATE ",
    b"\"17-Jul-1996 02:44:25 -0700\"",
    b"MODSEQ ",
    b"X-GM-LABELS ",
    b"X-GM-MSGID ",
    b"X-X ",
    b"\"text\"",
    b"\"message\"",
    b"\"rfc822\"",
    b"\"plain\"",
    b"\"7bit\"",
    b"\r\n",
    b"\n",
];

fn fetch_response() -> impl Strategy<Value = Response> {
    (strategies::nz(), proptest::collection::vec(strategies::fetch_item(), 1..5))
        .prop_map(|(seq, items)| Response::Data(Data::Fetch { seq, items }))
}

fn encode(rsp: &Response) -> Vec<u8> {
    encode_response(rsp, &mut BytesMut::new()).to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn view_equals_owned_parse(rsp in fetch_response()) {
        let wire = encode(&rsp);
        prop_assert!(same_as_owned(&wire));
        let view = parse_fetch_view(&wire).unwrap();
        prop_assert_eq!(view.to_response(), rsp.clone());
        let Response::Data(Data::Fetch { items, .. }) = &rsp else { unreachable!() };
        prop_assert_eq!(view.items().count(), items.len());
        let uid = items.iter().find_map(|i| match i { FetchItem::Uid(u) => Some(*u), _ => None });
        prop_assert_eq!(view.uid(), uid);
    }

    #[test]
    fn mutated_fetches_get_the_same_decision(
        rsp in fetch_response(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4),
    ) {
        let mut wire = encode(&rsp);
        for (at, b, op) in edits {
            if wire.is_empty() {
                break;
            }
            let i = at.index(wire.len());
            const NEAR: &[u8] = b" ()\"{}\\[]<>.-0123456789NILnil\r\n~";
            match op {
                0 => wire[i] = b,
                1 => wire[i] = NEAR[usize::from(b) % NEAR.len()],
                2 => { wire.remove(i); }
                _ => wire.insert(i, NEAR[usize::from(b) % NEAR.len()]),
            }
        }
        same_as_owned(&wire);
    }

    #[test]
    fn token_soup_gets_the_same_decision(tokens in proptest::collection::vec(proptest::sample::select(TOKENS), 0..40)) {
        let mut wire = b"* 1 FETCH (".to_vec();
        for t in tokens {
            wire.extend_from_slice(t);
        }
        same_as_owned(&wire);
        wire.extend_from_slice(b")\r\n");
        same_as_owned(&wire);
    }

    #[test]
    fn arbitrary_bodies_get_the_same_decision(body in proptest::collection::vec(any::<u8>(), 0..120)) {
        let mut wire = b"* 1 FETCH (".to_vec();
        wire.extend_from_slice(&body);
        same_as_owned(&wire);
        wire.extend_from_slice(b")\r\n");
        same_as_owned(&wire);
    }
}
