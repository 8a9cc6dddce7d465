//! Table tests of message analysis: RFC 2047 in many charsets, the MIME tree, ENVELOPE,
//! BODYSTRUCTURE, sections, BINARY and SEARCH.

use std::num::NonZeroU32;

use base64::Engine;
use bytes::Bytes;

use super::*;
use crate::types::{
    BodyStructure, Date, DateTime, Flag, IString, Partial, SearchKey, Section, SectionText, SequenceSet, SpecificFields,
};

fn msg(s: &str) -> Message {
    Message::parse(Bytes::from(s.replace('\n', "\r\n")))
}

fn path(p: &[u32]) -> Vec<NonZeroU32> {
    p.iter().map(|&n| NonZeroU32::new(n).unwrap()).collect()
}

fn sec(p: &[u32], text: Option<SectionText>) -> Section {
    Section { part: path(p), text }
}

fn text(m: &Message, p: &[u32], t: Option<SectionText>) -> String {
    String::from_utf8(m.section(&sec(p, t), None).to_vec()).unwrap()
}

// ---- RFC 2047 in many charsets ------------------------------------------------------

/// The "Q" encoding of octets (RFC 2047 §4.2), written the long way.
fn q_encode(octets: &[u8]) -> String {
    octets
        .iter()
        .map(|&c| match c {
            b' ' => "_".to_string(),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (c as char).to_string(),
            _ => format!("={c:02X}"),
        })
        .collect()
}

#[test]
fn encoded_words_in_many_charsets_b_and_q() {
    let cases: &[(&str, &str)] = &[
        ("UTF-8", "Grüße, 世界 ✓"),
        ("ISO-8859-1", "Café crème à la carte"),
        ("ISO-8859-2", "Zażółć gęślą jaźń"),
        ("ISO-8859-5", "Привет мир"),
        ("ISO-8859-7", "Καλημέρα κόσμε"),
        ("ISO-8859-15", "Prix: 5 €"),
        ("windows-1250", "Příliš žluťoučký kůň"),
        ("windows-1251", "Съешь же ещё"),
        ("windows-1252", "“Smart quotes” — and €"),
        ("KOI8-R", "Съешь же ещё этих"),
        ("GB2312", "中文邮件"),
        ("GBK", "简体中文测试"),
        ("GB18030", "汉字编码"),
        ("Big5", "繁體中文"),
        ("Shift_JIS", "日本語のメール"),
        ("EUC-JP", "日本語テキスト"),
        ("ISO-2022-JP", "こんにちは"),
        ("EUC-KR", "한국어 메일"),
    ];
    let d = Decoder::default();
    for (charset, expected) in cases {
        let encoding = encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap();
        let (octets, _, unmappable) = encoding.encode(expected);
        assert!(!unmappable, "{charset} can't hold {expected}");
        let b = format!("=?{charset}?B?{}?=", base64::engine::general_purpose::STANDARD.encode(&octets));
        let q = format!("=?{charset}?Q?{}?=", q_encode(&octets));
        assert_eq!(decode_header(b.as_bytes(), &d), *expected, "B in {charset}: {b}");
        assert_eq!(decode_header(q.as_bytes(), &d), *expected, "Q in {charset}: {q}");
        // Lower-case encoding letters and charset names work too.
        let q_lower = format!("=?{}?q?{}?=", charset.to_ascii_lowercase(), q_encode(&octets));
        assert_eq!(decode_header(q_lower.as_bytes(), &d), *expected, "q in {charset}");
    }
}

#[test]
fn utf7_by_hand() {
    let d = Decoder::default();
    // RFC 2152 examples: "A≢Α." and "Hi Mom -☺-!" and a plus sign.
    assert_eq!(decode_utf7(b"A+ImIDkQ."), "A\u{2262}\u{391}.");
    assert_eq!(decode_utf7(b"Hi Mom -+Jjo--!"), "Hi Mom -\u{263A}-!");
    assert_eq!(decode_utf7(b"1 +- 1"), "1 + 1");
    assert_eq!(decode_utf7(b"+ZeVnLIqe-"), "日本語");
    let b = format!("=?UTF-7?B?{}?=", base64::engine::general_purpose::STANDARD.encode(b"Hi Mom -+Jjo--!"));
    assert_eq!(decode_header(b.as_bytes(), &d), "Hi Mom -\u{263A}-!");
    assert_eq!(decode_header(b"=?utf-7?Q?+ZeVnLIqe-?=", &d), "日本語");
}

#[test]
fn rfc2047_section_8_examples() {
    let d = Decoder::default();
    let t = |raw: &str, want: &str| assert_eq!(decode_header(raw.as_bytes(), &d), want, "{raw}");
    t("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", "Keith Moore <moore@cs.utk.edu>");
    t("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>", "Keld Jørn Simonsen <keld@dkuug.dk>");
    t("=?ISO-8859-1?Q?Olle_J=E4rnefors?=", "Olle Järnefors");
    t(
        "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
        "If you can read this you understand the example.",
    );
    t("(=?ISO-8859-1?Q?a?=)", "(a)");
    t("(=?ISO-8859-1?Q?a?= b)", "(a b)");
    t("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)");
    t("(=?ISO-8859-1?Q?a?=  \r\n   =?ISO-8859-1?Q?b?=)", "(ab)");
    t("(=?ISO-8859-1?Q?a_b?=)", "(a b)");
    t("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)");
    // A character split across two words in one charset survives.
    t("=?UTF-8?Q?caf=C3?= =?UTF-8?Q?=A9?=", "café");
    // RFC 2231 §5 language suffix.
    t("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore");
    // Raw 8-bit: UTF-8, else Windows-1252.
    t("Gr\u{fc}\u{df}e", "Grüße");
    assert_eq!(decode_header(b"caf\xe9", &d), "café");
}

#[test]
fn unknown_charsets_follow_the_decoder() {
    let raw = b"=?x-unknown?Q?hello?= world";
    assert_eq!(decode_header(raw, &Decoder::default()), "=?x-unknown?Q?hello?= world");
    assert_eq!(decode_header(raw, &Decoder::new(UnknownCharset::AssumeUtf8)), "hello world");
    let d = Decoder::default().with_alias("x-unknown", Charset::Encoding(encoding_rs::KOI8_R));
    assert_eq!(decode_header(b"=?x-unknown?B?8NLJ18XU?=", &d), "Привет");
    // Malformed words stay as they are.
    assert_eq!(decode_header(b"=?utf-8?X?abc?=", &Decoder::default()), "=?utf-8?X?abc?=");
}

#[test]
fn search_charsets() {
    assert_eq!(search_charset("UTF-8").unwrap(), encoding_rs::UTF_8);
    assert_eq!(search_charset("iso-8859-5").unwrap(), encoding_rs::ISO_8859_5);
    assert_eq!(search_charset("cp1251").unwrap(), encoding_rs::WINDOWS_1251);
    let err = search_charset("x-martian").unwrap_err();
    let crate::types::Code::BadCharset(list) = err.code() else { panic!() };
    assert!(list.iter().any(|c| c.as_bytes() == b"UTF-8"));
    for name in SEARCH_CHARSETS {
        assert!(search_charset(name).is_ok(), "{name}");
    }
}

// ---- the MIME tree -------------------------------------------------------------------

const NESTED: &str = "From: Outer <o@x>\nSubject: outer\nMIME-Version: 1.0\n\
Content-Type: multipart/mixed; boundary=\"outer\"\n\npreamble\n--outer\n\nfirst\n--outer\n\
Content-Type: message/rfc822\n\nFrom: i@x\nSubject: inner\nContent-Type: multipart/alternative; boundary=in\n\n\
--in\nContent-Type: text/plain\n\nplain\n--in\nContent-Type: text/html\n\n<p>html</p>\n--in--\n\n\
--outer--\nepilogue\n";

#[test]
fn nested_sections() {
    let m = msg(NESTED);
    assert_eq!(text(&m, &[1], None), "first");
    assert_eq!(text(&m, &[1], Some(SectionText::Mime)), "\r\n");
    assert_eq!(text(&m, &[2], Some(SectionText::Mime)), "Content-Type: message/rfc822\r\n\r\n");
    assert_eq!(
        text(&m, &[2], Some(SectionText::Header)),
        "From: i@x\r\nSubject: inner\r\nContent-Type: multipart/alternative; boundary=in\r\n\r\n"
    );
    assert_eq!(text(&m, &[2, 1], None), "plain");
    assert_eq!(text(&m, &[2, 2], None), "<p>html</p>");
    assert_eq!(text(&m, &[2, 2], Some(SectionText::Mime)), "Content-Type: text/html\r\n\r\n");
    assert!(text(&m, &[2], Some(SectionText::Text)).starts_with("--in\r\n"));
    // HEADER of a part that is not message/rfc822, and parts that don't exist: empty.
    assert_eq!(text(&m, &[1], Some(SectionText::Header)), "");
    assert_eq!(text(&m, &[3], None), "");
    // A non-multipart part is its own part 1 (as in Dovecot).
    assert_eq!(text(&m, &[1, 1], None), "first");
    assert_eq!(text(&m, &[1, 2], None), "");
    assert_eq!(
        text(&m, &[2], Some(SectionText::HeaderFields(vec![IString::from_static("SUBJECT")]))),
        "Subject: inner\r\n\r\n"
    );
    // The whole message and its parts.
    assert_eq!(m.section(&Section::default(), None), m.as_bytes());
    assert!(text(&m, &[], Some(SectionText::Text)).ends_with("--outer--\r\nepilogue\r\n"));
    let partial = Partial { offset: 2, length: NonZeroU32::new(3).unwrap() };
    assert_eq!(m.section(&sec(&[1], None), Some(partial)).as_ref(), b"rst");
    let past = Partial { offset: 99, length: NonZeroU32::new(3).unwrap() };
    assert_eq!(m.section(&sec(&[1], None), Some(past)).as_ref(), b"");
}

#[test]
fn part_one_of_a_single_part_message() {
    let m = msg("Subject: s\n\nbody\n");
    assert_eq!(text(&m, &[1], None), "body\r\n");
    assert_eq!(text(&m, &[1], Some(SectionText::Mime)), "Subject: s\r\n\r\n");
    assert_eq!(text(&m, &[2], None), "");
}

#[test]
fn bare_lf_is_read_as_crlf() {
    let lf = Message::parse(Bytes::from(NESTED.to_string()));
    let crlf = msg(NESTED);
    assert_eq!(lf.size(), crlf.size());
    assert_eq!(lf.body_structure(true), crlf.body_structure(true));
    assert_eq!(lf.as_bytes(), crlf.as_bytes());
    // A CRLF message is not copied.
    let raw = Bytes::from(NESTED.replace('\n', "\r\n"));
    assert_eq!(Message::parse(raw.clone()).as_bytes().as_ptr(), raw.as_ptr());
}

fn structure_text(b: &BodyStructure) -> String {
    match b {
        BodyStructure::Multipart { parts, subtype, .. } => {
            format!("({} {})", parts.iter().map(structure_text).collect::<Vec<_>>().join(""), subtype.to_text())
        }
        BodyStructure::Single { media_type, subtype, fields, specific, .. } => {
            let extra = match specific {
                SpecificFields::Basic => String::new(),
                SpecificFields::Text { lines } => format!(" {lines}"),
                SpecificFields::Message { body, lines, .. } => format!(" {} {lines}", structure_text(body)),
            };
            format!("({}/{} {}{extra})", media_type.to_text(), subtype.to_text(), fields.octets)
        }
    }
}

#[test]
fn structures() {
    let t = |s: &str| structure_text(&msg(s).body_structure(false));
    assert_eq!(
        t(NESTED),
        "((text/plain 5 0)(message/rfc822 174 ((text/plain 5 0)(text/html 11 0) alternative) 13) mixed)"
    );
    // Missing final boundary; boundaries that are prefixes of each other.
    assert_eq!(
        t("Content-Type: multipart/mixed; boundary=foo\n\n--foo\nContent-Type: multipart/mixed; boundary=foobar\n\n\
--foobar\n\na\n--foo\n\nb\n"),
        "(((text/plain 1 0) mixed)(text/plain 3 1) mixed)"
    );
    // multipart/digest defaults to message/rfc822 (RFC 2046 §5.1.5).
    assert_eq!(
        t("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: x\n\nbody\n--d--\n"),
        "((message/rfc822 18 (text/plain 4 0) 2) digest)"
    );
    // A multipart without parts still yields a valid structure.
    assert_eq!(t("Content-Type: multipart/mixed; boundary=e\n\n--e--\n"), "((text/plain 0 0) mixed)");
    // Content-Type without MIME-Version still counts; other Content-* alone do not.
    let m = msg("Content-Transfer-Encoding: base64\n\naGk=\n");
    let BodyStructure::Single { fields, .. } = m.body_structure(false) else { panic!() };
    assert_eq!(fields.encoding.as_bytes(), b"7bit");
}

#[test]
fn depth_limit_gives_a_flat_leaf() {
    let mut s = String::new();
    for i in 0..10 {
        s.push_str(&format!("Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n"));
    }
    s.push_str("\ninnermost\n");
    let m = Message::parse_with(Bytes::from(s.clone()), &ParseOptions { max_depth: 3, ..ParseOptions::default() });
    let leaf = m.part(&path(&[1, 1])).unwrap();
    assert!(leaf.is_truncated());
    assert!(leaf.children().is_empty());
    let full = Message::parse(Bytes::from(s));
    assert!(full.part(&path(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).is_some());
    let limited = Message::parse_with(
        Bytes::from("Content-Type: multipart/mixed; boundary=x\n\n--x\n\na\n--x\n\nb\n--x\n\nc\n--x--\n"),
        &ParseOptions { max_parts: 2, ..ParseOptions::default() },
    );
    assert_eq!(limited.root().children().len(), 1);
}

// ---- ENVELOPE ------------------------------------------------------------------------

#[test]
fn envelope_fields() {
    let m = msg("From: \"Doe, John\" <john@example.com>\nTo: Team: a@x, b@y;, c@z\nSubject: folded\n\
\tsubject   here\nDate: Mon, 1 Jan 2024\n 10:00:00 +0000\nMessage-ID:\n <id@x>\nSubject: last one wins\n\nbody\n");
    let e = m.envelope();
    assert_eq!(e.subject.as_ref().unwrap().as_bytes(), b"last one wins");
    assert_eq!(e.date.as_ref().unwrap().as_bytes(), b"Mon, 1 Jan 2024 10:00:00 +0000");
    assert_eq!(e.message_id.as_ref().unwrap().as_bytes(), b" <id@x>");
    assert_eq!(e.from[0].name.as_ref().unwrap().as_bytes(), b"Doe, John");
    assert_eq!(e.sender, e.from);
    assert_eq!(e.reply_to, e.from);
    assert_eq!(e.to.len(), 5);
    assert_eq!(e.to[0].group_start().unwrap().as_bytes(), b"Team");
    assert!(e.to[3].is_group_end());
    assert_eq!(e.to[4].host.as_ref().unwrap().as_bytes(), b"z");
    let folded = msg("Subject: a\n\tb   c\n\n").envelope();
    assert_eq!(folded.subject.unwrap().as_bytes(), b"a b c");
}

#[test]
fn envelope_never_fails() {
    let e = msg("From: <unterminated@x\nTo: just words\nCc: @@@\n\n").envelope();
    assert_eq!(e.from[0].host.as_ref().unwrap().as_bytes(), b"SYNTAX_ERROR");
    assert_eq!(e.to[0].name.as_ref().unwrap().as_bytes(), b"just words");
    assert_eq!(e.to[0].mailbox.as_ref().unwrap().as_bytes(), b"MISSING_MAILBOX");
    assert!(e.cc.iter().all(|a| a.host.is_some()));
}

// ---- BINARY --------------------------------------------------------------------------

#[test]
fn binary_parts() {
    let m = msg("Content-Type: multipart/mixed; boundary=c\n\n--c\nContent-Transfer-Encoding: base64\n\n\
AAEC\nAwQ=\n--c\nContent-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=\n=C3=9Fe\n--c\n\
Content-Transfer-Encoding: x-uuencode\n\nbegin\n--c--\n");
    assert_eq!(m.binary(&path(&[1]), None).unwrap().as_ref(), &[0, 1, 2, 3, 4]);
    assert_eq!(m.binary_size(&path(&[1])).unwrap(), 5);
    assert_eq!(m.binary(&path(&[2]), None).unwrap().as_ref(), "Grüße".as_bytes());
    assert!(matches!(m.binary(&path(&[3]), None), Err(BinaryError::UnknownCte(n)) if n == "x-uuencode"));
    // BODY[] never carries NUL: it becomes 0x80.
    let nul = Message::parse(Bytes::from_static(b"Subject: x\r\n\r\na\0b"));
    assert_eq!(nul.section(&sec(&[], Some(SectionText::Text)), None).as_ref(), b"a\x80b");
    assert_eq!(nul.binary(&path(&[1]), None).unwrap().as_ref(), b"a\0b");
}

// ---- SEARCH --------------------------------------------------------------------------

#[test]
fn search_keys() {
    let m = msg("From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>\nTo: team@example.com\n\
Subject: =?KOI8-R?B?8NLJ18XU?= report\nDate: Tue, 2 Jan 2024 11:00:00 +0100\nX-Tag: Alpha\n\
MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=s\n\n--s\n\
Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n\
Cr=E8me br=FBl=E9e\n--s\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n\
c2VjcmV0\n--s--\n");
    let flags = [Flag::Seen, Flag::parse("$Work").unwrap()];
    let mut ctx = SearchContext::new(3, 30, DateTime::parse("05-Jan-2024 23:30:00 -0500").unwrap()).with_flags(&flags);
    ctx.max_seq = 5;
    ctx.max_uid = 50;
    let s = |v: &'static str| IString::from_static(v);
    let d = |v: &str| Date::parse(v).unwrap();
    let yes: Vec<SearchKey> = vec![
        SearchKey::All,
        SearchKey::Seen,
        SearchKey::Unanswered,
        SearchKey::Keyword(crate::types::Atom::from_static("$work")),
        SearchKey::Old,
        SearchKey::From(s("andré")),
        SearchKey::From(s("ANDRE@")),
        SearchKey::To(s("TEAM")),
        SearchKey::Subject(s("привет")),
        SearchKey::Header(s("x-tag"), s("alp")),
        SearchKey::Header(s("X-Tag"), s("")),
        SearchKey::Body(s("crème brûlée")),
        SearchKey::Text(s("report")),
        SearchKey::Text(s("brûlée")),
        SearchKey::On(d("5-Jan-2024")),
        SearchKey::Since(d("5-Jan-2024")),
        SearchKey::Before(d("6-Jan-2024")),
        SearchKey::SentOn(d("2-Jan-2024")),
        SearchKey::SentSince(d("1-Jan-2024")),
        SearchKey::SentBefore(d("3-Jan-2024")),
        SearchKey::Larger(100),
        SearchKey::Smaller(100_000),
        SearchKey::Uid("25:*".parse::<SequenceSet>().unwrap()),
        SearchKey::SequenceSet("3".parse::<SequenceSet>().unwrap()),
        SearchKey::Not(Box::new(SearchKey::Body(s("secret")))),
        SearchKey::Or(Box::new(SearchKey::Deleted), Box::new(SearchKey::Flagged.clone().into_not())),
        SearchKey::And(vec![SearchKey::Seen, SearchKey::Subject(s("REPORT"))]),
    ];
    for k in &yes {
        assert!(matches(&m, k, &ctx), "should match: {k:?}");
    }
    let no: Vec<SearchKey> = vec![
        SearchKey::Unseen,
        SearchKey::New,
        SearchKey::Recent,
        SearchKey::Deleted,
        SearchKey::Header(s("X-Missing"), s("")),
        SearchKey::Cc(s("x")),
        SearchKey::Body(s("report")),
        SearchKey::SentOn(d("5-Jan-2024")),
        SearchKey::Uid("1:20".parse::<SequenceSet>().unwrap()),
        SearchKey::SequenceSet("4:*".parse::<SequenceSet>().unwrap()),
        SearchKey::Larger(100_000),
    ];
    for k in &no {
        assert!(!matches(&m, k, &ctx), "should not match: {k:?}");
    }
    // Key strings in the command's charset.
    let mut koi = ctx.clone();
    koi.charset = search_charset("koi8-r").unwrap();
    let (octets, _, _) = encoding_rs::KOI8_R.encode("ПРИВЕТ");
    assert!(matches(&m, &SearchKey::Subject(IString::try_from(octets.as_ref()).unwrap()), &koi));
}

trait IntoNot {
    fn into_not(self) -> SearchKey;
}

impl IntoNot for SearchKey {
    fn into_not(self) -> SearchKey {
        SearchKey::Not(Box::new(self))
    }
}
