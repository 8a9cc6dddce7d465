//! Known answers of UTF8=ACCEPT (RFC 6855), both directions: ENABLE, the `UTF8 (~{n})`
//! APPEND data extension and CATENATE part (§4), and UTF-8 in quoted strings after ENABLE
//! (§3).
//!
//! Each row is wire bytes and the value they stand for; the wire must parse to the value,
//! and the value must encode to the wire (synchronising literals, UTF-8 quoted where the
//! row says, [`EncodeOptions::with_utf8`]).

use bytes::{Bytes, BytesMut};
use imap_machine::codec::{encode_command, encode_response, parse_command, parse_response, EncodeOptions};
use imap_machine::types::{
    AppendData, AppendMessage, Capability, CatPart, Command, CommandBody, Data, Flag, IString, Mailbox, Response,
    SearchKey, Tag,
};

fn tag(s: &str) -> Tag {
    Tag::try_from(s.to_string()).unwrap()
}

fn utf8_append(mailbox: &str, flags: Vec<Flag>, data: AppendData) -> CommandBody {
    CommandBody::MultiAppend {
        mailbox: Mailbox::from_utf8(mailbox).unwrap(),
        messages: vec![AppendMessage { flags, date: None, data }],
    }
}

/// The message of RFC 6855's APPEND, with a UTF-8 header field.
const MESSAGE: &str = "Subject: Grüße\r\n\r\nHallo\r\n";

/// (wire, value, UTF-8 quoted on the wire)
fn commands() -> Vec<(String, Command, bool)> {
    let cmd = |t: &str, body| Command::new(tag(t), body);
    let n = MESSAGE.len();
    vec![
        // §3: the client turns it on.
        (
            "a1 ENABLE UTF8=ACCEPT\r\n".into(),
            cmd("a1", CommandBody::Enable { capabilities: vec![Capability::Utf8Accept] }),
            false,
        ),
        // §4: `append-data =/ utf8-literal`, `utf8-literal = "UTF8" SP "(" literal8 ")"`.
        (
            format!("a2 APPEND INBOX UTF8 (~{{{n}}}\r\n{MESSAGE})\r\n"),
            cmd("a2", utf8_append("INBOX", vec![], AppendData::Utf8(Bytes::from_static(MESSAGE.as_bytes())))),
            false,
        ),
        (
            format!("a3 APPEND Sent (\\Seen) UTF8 (~{{{n}}}\r\n{MESSAGE})\r\n"),
            cmd("a3", utf8_append("Sent", vec![Flag::Seen], AppendData::Utf8(Bytes::from_static(MESSAGE.as_bytes())))),
            false,
        ),
        // §4: `cat-part =/ utf8-literal`, beside a URL part (RFC 4469).
        (
            format!("a4 APPEND Drafts CATENATE (URL /Drafts;UIDVALIDITY=7/;UID=2 UTF8 (~{{{n}}}\r\n{MESSAGE}))\r\n"),
            cmd(
                "a4",
                utf8_append(
                    "Drafts",
                    vec![],
                    AppendData::Catenate(vec![
                        CatPart::Url(IString::from_static("/Drafts;UIDVALIDITY=7/;UID=2")),
                        CatPart::Utf8(Bytes::from_static(MESSAGE.as_bytes())),
                    ]),
                ),
            ),
            false,
        ),
        // §3: UTF-8 in a quoted search string, without CHARSET.
        (
            "a5 SEARCH SUBJECT \"Grüße\"\r\n".into(),
            cmd(
                "a5",
                CommandBody::Search {
                    ret: None,
                    charset: None,
                    criteria: vec![SearchKey::Subject(IString::try_from("Grüße").unwrap())],
                    uid: false,
                },
            ),
            true,
        ),
        // §3: a UTF-8 mailbox name, quoted.
        (
            "a6 CREATE \"Grüße\"\r\n".into(),
            cmd(
                "a6",
                CommandBody::Create {
                    mailbox: Mailbox::Other(IString::try_from("Grüße").unwrap()),
                    special_use: vec![],
                },
            ),
            true,
        ),
    ]
}

#[test]
fn commands_both_ways() {
    for (wire, value, utf8) in commands() {
        let parsed = parse_command(&Bytes::from(wire.clone()));
        assert_eq!(parsed.as_ref().ok(), Some(&value), "parse {wire:?}");
        let options = EncodeOptions::default().with_utf8(utf8);
        let encoded = encode_command(&value, &options, &mut BytesMut::new()).to_vec();
        assert_eq!(String::from_utf8_lossy(&encoded), wire, "encode {value:?}");
    }
}

#[test]
fn utf8_literal_forms_and_errors() {
    // A plain literal inside UTF8 (...) is taken: the octets are the same.
    let wire = Bytes::from_static(b"a1 APPEND INBOX UTF8 ({5}\r\nHello)\r\n");
    let Ok(Command { body: CommandBody::MultiAppend { messages, .. }, .. }) = parse_command(&wire) else { panic!() };
    assert_eq!(messages[0].data, AppendData::Utf8(Bytes::from_static(b"Hello")));
    // ... and written back as the literal8 the RFC asks for.
    let value = Command::new(tag("a1"), utf8_append("INBOX", vec![], messages[0].data.clone()));
    let out = encode_command(&value, &EncodeOptions::default(), &mut BytesMut::new()).to_vec();
    assert_eq!(out, b"a1 APPEND INBOX UTF8 (~{5}\r\nHello)\r\n");
    // Without its ")", or without the parenthesis, the command is malformed.
    for bad in [&b"a1 APPEND INBOX UTF8 (~{5}\r\nHello\r\n"[..], b"a1 APPEND INBOX UTF8 ~{5}\r\nHello\r\n"] {
        assert!(parse_command(&Bytes::from_static(bad)).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn enabled_response_both_ways() {
    let wire = "* ENABLED UTF8=ACCEPT\r\n";
    let value = Response::Data(Data::Enabled(vec![Capability::Utf8Accept]));
    assert_eq!(parse_response(&Bytes::from_static(wire.as_bytes())).ok(), Some(value.clone()));
    assert_eq!(encode_response(&value, &mut BytesMut::new()).to_vec(), wire.as_bytes());
}
