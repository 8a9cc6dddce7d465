//! Known answers of IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855), both directions:
//! the RFC's examples of ENABLE, CLOSED and SELECT's LIST, and UTF-8 on the wire.
//!
//! Each row is wire bytes and the value they stand for; the wire must parse to the value,
//! and the value must encode to the wire, with UTF-8 on the wire as the row says
//! ([`EncodeOptions::utf8`], [`encode_response_with`]). A UTF-8 name parses to its
//! UTF-8 bytes; [`Mailbox::from_utf8_peer`] turns it into the modified UTF-7 value the
//! machines hand out, which encodes back to the same UTF-8 wire.

use bytes::{Bytes, BytesMut};
use imap_machine::codec::{encode_command, encode_response_with, parse_command, parse_response, EncodeOptions};
use imap_machine::types::{
    Capability, Code, Command, CommandBody, Data, IString, ListItem, ListMailbox, Mailbox, Response, SearchResult,
    SequenceSet, StatusItem, StatusKind, StatusResponse, Tag, Text,
};

fn tag(s: &str) -> Tag {
    Tag::try_from(s.to_string()).unwrap()
}

fn utf8_name(s: &str) -> Mailbox {
    Mailbox::Other(IString::try_from(Bytes::from(s.to_string())).unwrap())
}

fn untagged_ok(code: Code, text: &str) -> Response {
    Response::Status {
        tag: None,
        status: StatusResponse::new(StatusKind::Ok, Some(code), Text::try_from(text).unwrap()),
    }
}

/// (wire, value, UTF-8 on the wire)
fn responses() -> Vec<(&'static str, Response, bool)> {
    let list = |mailbox| {
        Response::Data(Data::List(ListItem { attributes: vec![], delimiter: Some('/'), mailbox, extended: vec![] }))
    };
    vec![
        // RFC 9051 §6.3.1 (ENABLE): the example of IMAP4rev2.
        ("* ENABLED IMAP4rev2\r\n", Response::Data(Data::Enabled(vec![Capability::Imap4rev2])), false),
        // RFC 5161 §3.2: nothing newly enabled.
        ("* ENABLED\r\n", Response::Data(Data::Enabled(vec![])), false),
        // RFC 9051 §6.3.2 (SELECT): CLOSED before the new mailbox, and its LIST.
        (
            "* OK [CLOSED] Previous mailbox is now closed\r\n",
            untagged_ok(Code::Closed, "Previous mailbox is now closed"),
            false,
        ),
        ("* LIST () \"/\" blurdybloop\r\n", list(Mailbox::from_utf8("blurdybloop").unwrap()), false),
        // RFC 9051 §6.4.4: SEARCH answered with ESEARCH.
        (
            "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n",
            Response::Data(Data::ESearch {
                tag: Some(IString::from_static("A282")),
                uid: false,
                results: vec![SearchResult::Min(2), SearchResult::Count(3)],
            }),
            false,
        ),
        (
            "* ESEARCH (TAG \"A285\") UID ALL 4:7\r\n",
            Response::Data(Data::ESearch {
                tag: Some(IString::from_static("A285")),
                uid: true,
                results: vec![SearchResult::All("4:7".parse::<SequenceSet>().unwrap())],
            }),
            false,
        ),
        // Appendix E item 16 / RFC 6855 §3: a UTF-8 name, quoted, after ENABLE.
        ("* LIST () \"/\" \"Entwürfe\"\r\n", list(utf8_name("Entwürfe")), true),
        (
            "* STATUS \"Entwürfe\" (MESSAGES 0)\r\n",
            Response::Data(Data::Status {
                mailbox: utf8_name("Entwürfe"),
                items: vec![(StatusItem::Messages, 0)],
                mailbox_id: None,
            }),
            true,
        ),
        // Appendix E item 24: UTF-8 in the human-readable text.
        (
            "* OK [CLOSED] Postfach geschlossen – weiter\r\n",
            untagged_ok(Code::Closed, "Postfach geschlossen – weiter"),
            true,
        ),
    ]
}

#[test]
fn responses_both_ways() {
    for (wire, value, utf8) in responses() {
        let parsed = parse_response(&Bytes::from_static(wire.as_bytes()));
        assert_eq!(parsed.as_ref().ok(), Some(&value), "parse {wire:?}");
        let encoded = encode_response_with(&value, utf8, &mut BytesMut::new()).to_vec();
        assert_eq!(String::from_utf8_lossy(&encoded), wire, "encode {value:?}");
    }
}

#[test]
fn empty_resp_text_parses() {
    // Appendix E item 23: resp-text may be empty, with or without a code.
    for wire in ["a1 OK\r\n", "a1 OK [READ-WRITE]\r\n", "* OK\r\n"] {
        let Ok(Response::Status { status, .. }) = parse_response(&Bytes::from_static(wire.as_bytes())) else {
            panic!("{wire:?}")
        };
        assert_eq!(status.kind, StatusKind::Ok);
        assert!(status.text.as_bytes().is_empty(), "{wire:?}");
    }
}

#[test]
fn utf8_names_are_modified_utf7_values_and_encode_back() {
    // What the client machine does with a UTF-8 name: the modified UTF-7 value...
    let Response::Data(Data::List(item)) =
        parse_response(&Bytes::from_static("* LIST () \"/\" \"Entwürfe\"\r\n".as_bytes())).unwrap()
    else {
        panic!()
    };
    let value = item.mailbox.clone().from_utf8_peer();
    assert_eq!(value.as_wire(), b"Entw&APw-rfe");
    // ... which encodes to UTF-8 again for a UTF-8 peer, and stays modified UTF-7 for
    // an IMAP4rev1 one (RFC 9051 Appendix A: no UTF-8 before ENABLE).
    let rsp = Response::Data(Data::List(ListItem { mailbox: value, ..item }));
    assert_eq!(
        encode_response_with(&rsp, true, &mut BytesMut::new()).to_vec(),
        "* LIST () \"/\" \"Entwürfe\"\r\n".as_bytes()
    );
    assert_eq!(encode_response_with(&rsp, false, &mut BytesMut::new()).to_vec(), b"* LIST () \"/\" Entw&APw-rfe\r\n");
    // "&" is an ordinary character in a UTF-8 name.
    assert_eq!(utf8_name("R&D").from_utf8_peer().as_wire(), b"R&-D");
}

/// (wire, value, UTF-8 on the wire)
fn commands() -> Vec<(&'static str, Command, bool)> {
    let cmd = |t: &str, body| Command::new(tag(t), body);
    vec![
        (
            "t2 ENABLE IMAP4rev2\r\n",
            cmd("t2", CommandBody::Enable { capabilities: vec![Capability::Imap4rev2] }),
            false,
        ),
        (
            "t3 ENABLE UTF8=ACCEPT\r\n",
            cmd("t3", CommandBody::Enable { capabilities: vec![Capability::Utf8Accept] }),
            false,
        ),
        ("A1 SELECT \"Entwürfe\"\r\n", cmd("A1", CommandBody::select(utf8_name("Entwürfe"))), true),
        (
            "A2 LIST \"\" \"Entwü*\"\r\n",
            cmd(
                "A2",
                CommandBody::list(
                    Mailbox::Other(IString::from_static("")),
                    ListMailbox::from_wire(IString::from_static("Entwü*")),
                ),
            ),
            true,
        ),
    ]
}

#[test]
fn commands_both_ways() {
    for (wire, value, utf8) in commands() {
        let parsed = parse_command(&Bytes::from_static(wire.as_bytes()));
        assert_eq!(parsed.as_ref().ok(), Some(&value), "parse {wire:?}");
        let options = EncodeOptions::default().with_utf8(utf8);
        let encoded = encode_command(&value, &options, &mut BytesMut::new()).to_vec();
        assert_eq!(String::from_utf8_lossy(&encoded), wire, "encode {value:?}");
    }
    // The client machine's value of a UTF-8 name is modified UTF-7; it goes out as UTF-8.
    let select = Command::new(tag("A1"), CommandBody::select(Mailbox::from_utf8("Entwürfe").unwrap()));
    let out = encode_command(&select, &EncodeOptions::default().with_utf8(true), &mut BytesMut::new()).to_vec();
    assert_eq!(out, "A1 SELECT \"Entwürfe\"\r\n".as_bytes());
    let out = encode_command(&select, &EncodeOptions::default(), &mut BytesMut::new()).to_vec();
    assert_eq!(out, b"A1 SELECT Entw&APw-rfe\r\n");
}
