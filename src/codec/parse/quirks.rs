//! The quirk table's tests: one per named case of `QUIRKS.md`, with the exact bytes from
//! the bug reports. Each asserts what the lenient parser makes of them, and that the
//! strict encoder writes the value back in a legal form (never the quirky one).

use bytes::{Bytes, BytesMut};

use crate::codec::{encode_response, parse_response};
use crate::types::*;

fn parse(wire: &'static [u8]) -> Response {
    parse_response(&Bytes::from_static(wire)).unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(wire)))
}

/// The strict re-encoding, which must parse back to the same value.
fn strict(rsp: &Response) -> Vec<u8> {
    let wire = encode_response(rsp, &mut BytesMut::new()).to_vec();
    assert_eq!(&parse_response(&Bytes::from(wire.clone())).unwrap(), rsp);
    wire
}

fn fetch_items(rsp: &Response) -> &[FetchItem] {
    match rsp {
        Response::Data(Data::Fetch { items, .. }) => items,
        other => panic!("not a FETCH: {other:?}"),
    }
}

fn body_of(rsp: &Response) -> &BodyStructure {
    match &fetch_items(rsp)[0] {
        FetchItem::BodyStructure(b) | FetchItem::Body(b) => b,
        other => panic!("not a body: {other:?}"),
    }
}

#[test]
fn code_without_text() {
    // Gmail, Yahoo, public-inbox.
    let rsp = parse(b"* OK [HIGHESTMODSEQ 123]\r\n");
    let Response::Status { tag: None, status } = &rsp else { panic!() };
    assert_eq!(status.code, Some(Code::HighestModSeq(123)));
    assert!(status.text.is_empty());
    // With a text, the encoder writes the legal form.
    let legal = Response::Status {
        tag: None,
        status: StatusResponse::new(StatusKind::Ok, Some(Code::HighestModSeq(123)), Text::try_from("x").unwrap()),
    };
    assert_eq!(strict(&legal), b"* OK [HIGHESTMODSEQ 123] x\r\n");
}

#[test]
fn bare_plus() {
    let rsp = parse(b"+\r\n");
    assert!(matches!(&rsp, Response::Continue(Continue::Basic { code: None, text }) if text.is_empty()));
    strict(&rsp);
}

#[test]
fn double_space() {
    // Telekom.
    let rsp = parse(b"* CAPABILITY IMAP4rev1  SASL-IR\r\n");
    assert_eq!(rsp, Response::Data(Data::Capability(vec![Capability::Imap4rev1, Capability::SaslIr])));
    assert_eq!(strict(&rsp), b"* CAPABILITY IMAP4rev1 SASL-IR\r\n");
}

#[test]
fn trailing_space() {
    // qq.com
    let rsp = parse(b"* 1 FETCH (UID 19436 )\r\n");
    assert_eq!(fetch_items(&rsp), &[FetchItem::Uid(19436)]);
    assert_eq!(strict(&rsp), b"* 1 FETCH (UID 19436)\r\n");
    // Exchange
    let rsp = parse(b"* STATUS x (MESSAGES 1 )\r\n");
    assert_eq!(
        rsp,
        Response::Data(Data::Status {
            mailbox: Mailbox::from_utf8("x").unwrap(),
            items: vec![(StatusItem::Messages, 1)],
            mailbox_id: None,
        })
    );
    assert_eq!(strict(&rsp), b"* STATUS x (MESSAGES 1)\r\n");
    // At the end of a line.
    let rsp = parse(b"* CAPABILITY IMAP4rev1 \r\n");
    assert_eq!(rsp, Response::Data(Data::Capability(vec![Capability::Imap4rev1])));
    let rsp = parse(b"* 3 EXISTS \r\n");
    assert_eq!(rsp, Response::Data(Data::Exists(3)));
}

#[test]
fn empty_status() {
    // 163.com
    let rsp = parse(b"* STATUS x ()\r\n");
    assert_eq!(
        rsp,
        Response::Data(Data::Status { mailbox: Mailbox::from_utf8("x").unwrap(), items: vec![], mailbox_id: None })
    );
    assert_eq!(strict(&rsp), b"* STATUS x ()\r\n");
}

#[test]
fn nil_param_value() {
    // Mail.ru
    let rsp = parse(
        b"* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 5 1)(\"text\" \"html\" NIL NIL NIL \"7bit\" 9 1) \"alternative\" (\"boundary\" NIL) NIL NIL))\r\n",
    );
    let BodyStructure::Multipart { extension: Some(ext), .. } = body_of(&rsp) else { panic!() };
    assert_eq!(ext.parameters, vec![(IString::from_static("boundary"), IString::from_static(""))]);
    let wire = strict(&rsp);
    assert!(wire.windows(15).any(|w| w == b"(\"boundary\" \"\")"), "{}", String::from_utf8_lossy(&wire));
}

#[test]
fn bare_disposition() {
    // Exchange / Office 365: "inline" where ("inline" NIL) belongs.
    let rsp = parse(
        b"* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 NIL \"inline\" NIL NIL))\r\n",
    );
    let BodyStructure::Single { extension: Some(ext), .. } = body_of(&rsp) else { panic!() };
    assert_eq!(
        ext.tail.disposition,
        Some(Some(Disposition { kind: IString::from_static("inline"), parameters: vec![] }))
    );
    let wire = strict(&rsp);
    assert!(wire.windows(14).any(|w| w == b"(\"inline\" NIL)"));
}

#[test]
fn eight_bit_quoted() {
    // A Latin-1 filename (0xe9 is é) and a UTF-8 one, raw inside quoted strings.
    let rsp = parse(
        b"* 1 FETCH (BODYSTRUCTURE (\"application\" \"pdf\" (\"name\" \"r\xe9sum\xe9.pdf\") NIL NIL \"base64\" 4 NIL (\"attachment\" (\"filename\" \"r\xc3\xa9sum\xc3\xa9.pdf\")) NIL NIL))\r\n",
    );
    let BodyStructure::Single { fields, extension: Some(ext), .. } = body_of(&rsp) else { panic!() };
    let latin1 = &fields.parameters[0].1;
    assert_eq!(latin1.as_bytes(), b"r\xe9sum\xe9.pdf", "kept without loss");
    assert_eq!(latin1.to_text(), "résumé.pdf");
    let Some(Some(d)) = &ext.tail.disposition else { panic!() };
    assert_eq!(d.parameters[0].1.to_text(), "résumé.pdf");
    // The encoder never writes 8-bit quoted: both become literals.
    let wire = strict(&rsp);
    assert!(wire.windows(6).any(|w| w == b"{10}\r\n") && wire.windows(6).any(|w| w == b"{12}\r\n"));
}

#[test]
fn bracket_flag() {
    // Gmail labels surfacing as keywords.
    let rsp = parse(b"* FLAGS (\\Answered \\Flagged \\Draft \\Deleted \\Seen $NotPhishing $Phishing OIB-Seen-INBOX OIB-Seen-[Gmail]/Important OIB-Seen-[Gmail]/Spam OIB-Seen-[Gmail]/Trash)\r\n");
    let Response::Data(Data::Flags(flags)) = &rsp else { panic!() };
    assert_eq!(flags.len(), 11);
    assert_eq!(flags[10].to_string(), "OIB-Seen-[Gmail]/Trash");
    let rsp = parse(b"* OK [PERMANENTFLAGS (\\Answered \\Seen OIB-Seen-[Gmail]/Spam OIB-Seen-[Gmail]/Trash \\*)] Flags permitted.\r\n");
    let Response::Status { status, .. } = &rsp else { panic!() };
    let Some(Code::PermanentFlags(perm)) = &status.code else { panic!("{status:?}") };
    assert_eq!(perm.len(), 5);
    assert_eq!(perm[4], FlagPerm::Wildcard);
    // UTF-8 keywords.
    let rsp = parse("* 1 FETCH (FLAGS (\\Seen Café))\r\n".as_bytes());
    assert_eq!(fetch_items(&rsp).len(), 1);
}

#[test]
fn bracket_in_a_code_that_cannot_be_kept_faithfully_is_malformed() {
    // Found by the `response_roundtrip` fuzz target: PERMANENTFLAGS whose list does not
    // parse (no space before `\Flagged`), cut at its first `]` and glued to the text. Kept
    // raw, it re-encoded as `(a ] \Flagged)] t`, a valid PERMANENTFLAGS: another response.
    let err = parse_response(&Bytes::from_static(b"* OK [PERMANENTFLAGS (a ]\\Flagged)] t\r\n")).unwrap_err();
    assert!(err.to_string().contains("after a malformed response code"), "{err}");
    let err = parse_response(&Bytes::from_static(b"* NO [BADCHARSET (a ]\"x\")] t\r\n")).unwrap_err();
    assert!(err.to_string().contains("after a malformed response code"), "{err}");
    // With the space, the list parses: `]` is a keyword (quirk `bracket-flag`), both ways.
    let rsp = parse(b"* OK [PERMANENTFLAGS (a ] \\Flagged)] t\r\n");
    let Response::Status { status, .. } = &rsp else { panic!() };
    let Some(Code::PermanentFlags(perm)) = &status.code else { panic!("{status:?}") };
    assert_eq!(perm.len(), 3);
    strict(&rsp);
    // A raw code that ends properly, and any unknown code glued to its text, stay raw.
    let rsp = parse(b"* OK [PERMANENTFLAGS (a ] \"x\")] t\r\n");
    let Response::Status { status, .. } = &rsp else { panic!() };
    assert!(matches!(&status.code, Some(Code::Other { .. })), "{status:?}");
    strict(&rsp);
    strict(&parse(b"* OK [X-FOO a]b\r\n"));
}

#[test]
fn negative_number_is_clamped() {
    let rsp = parse(b"* 1 FETCH (RFC822.SIZE -1)\r\n");
    assert_eq!(fetch_items(&rsp), &[FetchItem::Rfc822Size(0)]);
    let rsp = parse(b"* 1 FETCH (BODY (\"text\" \"plain\" NIL NIL NIL \"7bit\" -1 -1))\r\n");
    let BodyStructure::Single { fields, specific, .. } = body_of(&rsp) else { panic!() };
    assert_eq!((fields.octets, specific), (0, &SpecificFields::Text { lines: 0 }));
}

#[test]
fn decimal_number_is_rejected() {
    let err = parse_response(&Bytes::from_static(b"* 1 FETCH (RFC822.SIZE 12.5)\r\n")).unwrap_err();
    assert_eq!(err.error.kind, crate::codec::ParseErrorKind::Expected("an integer, not a decimal"));
    assert_eq!(err.error.offset, 25);
    assert_eq!(err.raw.as_ref(), b"* 1 FETCH (RFC822.SIZE 12.5)\r\n", "the raw bytes travel with the error");
}

#[test]
fn nil_envelope_fields_and_empty_address_list() {
    let rsp = parse(b"* 1 FETCH (ENVELOPE (NIL NIL () NIL NIL ((NIL NIL NIL NIL)) () NIL NIL NIL))\r\n");
    let FetchItem::Envelope(e) = &fetch_items(&rsp)[0] else { panic!() };
    assert_eq!(e.date, None);
    assert!(e.from.is_empty() && e.cc.is_empty());
    assert_eq!(e.to, vec![Address::default()]);
    assert_eq!(strict(&rsp), b"* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL ((NIL NIL NIL NIL)) NIL NIL NIL NIL))\r\n");
}

#[test]
fn nil_delimiter() {
    let rsp = parse(b"* LIST (\\Noselect) NIL \"\"\r\n");
    let Response::Data(Data::List(item)) = &rsp else { panic!() };
    assert_eq!(item.delimiter, None);
    assert_eq!(strict(&rsp), b"* LIST (\\Noselect) NIL \"\"\r\n");
}

#[test]
fn uidvalidity_zero() {
    let rsp = parse(b"* OK [UIDVALIDITY 0] UIDs valid\r\n");
    let Response::Status { status, .. } = &rsp else { panic!() };
    assert_eq!(status.code, Some(Code::UidValidity(0)));
}

#[test]
fn unknown_code_and_data_are_kept_raw() {
    let rsp = parse(b"* OK [X-SOMETHING a b c] hi\r\n");
    let Response::Status { status, .. } = &rsp else { panic!() };
    assert_eq!(
        status.code,
        Some(Code::Other { name: Atom::from_static("X-SOMETHING"), value: Some(Bytes::from_static(b"a b c")) })
    );
    assert_eq!(strict(&rsp), b"* OK [X-SOMETHING a b c] hi\r\n");
    let rsp = parse(b"* 3 FETCH (X-GM-MSGID 1278455344230334865 X-UNKNOWN (a \"b)\" {1}\r\n)) UID 7)\r\n");
    let items = fetch_items(&rsp);
    assert_eq!(items[0], FetchItem::GmailMessageId(1278455344230334865));
    assert_eq!(
        items[1],
        FetchItem::Other { name: Bytes::from_static(b"X-UNKNOWN"), value: Bytes::from_static(b"(a \"b)\" {1}\r\n))") }
    );
    assert_eq!(items[2], FetchItem::Uid(7));
}

#[test]
fn text_that_would_announce_a_literal_is_refused() {
    assert!(Text::try_from("done {5}").is_err());
    assert!(Text::try_from("done {5+}").is_err());
    assert!(Text::try_from("done {x}").is_ok());
    assert!(Text::try_from("{}").is_ok());
}

#[test]
fn flags_that_are_not_utf8_make_the_response_malformed() {
    // Found by the response_roundtrip fuzzer: a flag that can't be written back.
    let err = parse_response(&Bytes::from_static(b"* 1 FETCH (FLAGS (\x9d))\r\n")).unwrap_err();
    assert_eq!(err.raw.as_ref(), b"* 1 FETCH (FLAGS (\x9d))\r\n");
}
