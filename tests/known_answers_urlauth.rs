//! Known answers of URLAUTH (RFC 4467), both directions: the examples of §7 and §8 (their
//! URLs joined, as the RFC breaks them over lines only for print) parsed to the values and
//! the values encoded back. URLAUTH=BINARY's extended URLFETCH (RFC 5524) in the forms
//! Dovecot reads and writes.

use bytes::Bytes;
use imap_machine::types::{
    Atom, BodyFields, BodyStructure, Code, Command, CommandBody, Data, ExtensionTail, IString, Mailbox, Response,
    SinglePartExtension, SpecificFields, StatusKind, StatusResponse, Tag, Text, UrlFetchArg, UrlFetchBody,
    UrlFetchData, UrlFetchParam, UrlMech,
};

#[path = "support/known_answers.rs"]
mod known_answers;

fn cmd(tag: &str, body: CommandBody) -> Command {
    Command::new(Tag::try_from(tag.to_string()).unwrap(), body)
}

fn s(v: &'static str) -> IString {
    IString::from_static(v)
}

fn status(tag: Option<&str>, kind: StatusKind, code: Option<Code>, text: &str) -> Response {
    Response::Status {
        tag: tag.map(|t| Tag::try_from(t.to_string()).unwrap()),
        status: StatusResponse::new(kind, code, Text::try_from(text).unwrap()),
    }
}

const RUMP: &str = "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred";
const FULL: &str =
    "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038";

#[test]
fn commands_both_ways() {
    let internal = Atom::from_static("INTERNAL");
    known_answers::all_commands(vec![
        ("a31 RESETKEY\r\n", cmd("a31", CommandBody::ResetKey { mailbox: None, mechanisms: vec![] }), None),
        (
            "a32 RESETKEY INBOX\r\n",
            cmd("a32", CommandBody::ResetKey { mailbox: Some(Mailbox::Inbox), mechanisms: vec![] }),
            None,
        ),
        (
            "a33 RESETKEY INBOX XSAMPLE\r\n",
            cmd(
                "a33",
                CommandBody::ResetKey { mailbox: Some(Mailbox::Inbox), mechanisms: vec![Atom::from_static("XSAMPLE")] },
            ),
            None,
        ),
        (
            "a775 GENURLAUTH \"imap://joe@example.com/INBOX/;uid=20/;section=1.2\" INTERNAL\r\n",
            cmd(
                "a775",
                CommandBody::GenUrlAuth {
                    urls: vec![(s("imap://joe@example.com/INBOX/;uid=20/;section=1.2"), internal.clone())],
                },
            ),
            None,
        ),
        (
            "a777 GENURLAUTH \"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred\" INTERNAL\r\n",
            cmd("a777", CommandBody::GenUrlAuth { urls: vec![(s(RUMP), internal)] }),
            None,
        ),
        (
            "a002 URLFETCH \"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\"\r\n",
            cmd("a002", CommandBody::UrlFetch { urls: vec![s(FULL).into()] }),
            None,
        ),
    ]);
}

#[test]
fn responses_both_ways() {
    known_answers::all_responses(vec![
        ("a31 OK All keys removed\r\n", status(Some("a31"), StatusKind::Ok, None, "All keys removed"), None),
        (
            "a32 OK [URLMECH INTERNAL] mechs\r\n",
            status(Some("a32"), StatusKind::Ok, Some(Code::UrlMech(vec![UrlMech::internal()])), "mechs"),
            None,
        ),
        (
            "a33 OK [URLMECH INTERNAL XSAMPLE=P34OKhO7VEkCbsiYY8rGEg==] done\r\n",
            status(
                Some("a33"),
                StatusKind::Ok,
                Some(Code::UrlMech(vec![
                    UrlMech::internal(),
                    UrlMech { mechanism: Atom::from_static("XSAMPLE"), data: Some("P34OKhO7VEkCbsiYY8rGEg==".into()) },
                ])),
                "done",
            ),
            None,
        ),
        (
            "a775 BAD missing access identifier in supplied URL\r\n",
            status(Some("a775"), StatusKind::Bad, None, "missing access identifier in supplied URL"),
            None,
        ),
        (
            "* GENURLAUTH \"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\"\r\n",
            Response::Data(Data::GenUrlAuth(vec![s(FULL)])),
            None,
        ),
        (
            "* URLFETCH \"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\" {28}\r\nSi vis pacem, para bellum.\r\n\r\n",
            Response::Data(Data::UrlFetch(vec![(
                s(FULL),
                UrlFetchData::Plain(Some(s("Si vis pacem, para bellum.\r\n"))),
            )])),
            None,
        ),
        // NIL for a URL that does not resolve (§8).
        (
            "* URLFETCH \"imap://joe@example.com/INBOX/;uid=21\" NIL\r\n",
            Response::Data(Data::UrlFetch(vec![(
                s("imap://joe@example.com/INBOX/;uid=21"),
                UrlFetchData::Plain(None),
            )])),
            None,
        ),
    ]);
}

fn ext(params: Vec<UrlFetchParam>) -> UrlFetchArg {
    UrlFetchArg { url: s(FULL), params: Some(params) }
}

/// `("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "BASE64" octets lines)`
fn text_part(octets: u32, lines: u32) -> Box<BodyStructure> {
    Box::new(BodyStructure::Single {
        media_type: s("TEXT"),
        subtype: s("PLAIN"),
        fields: BodyFields {
            parameters: vec![(s("CHARSET"), s("us-ascii"))],
            id: None,
            description: None,
            encoding: s("BASE64"),
            octets,
        },
        specific: SpecificFields::Text { lines },
        extension: None,
    })
}

#[test]
fn extended_urlfetch_both_ways() {
    use UrlFetchParam::*;
    known_answers::all_commands(vec![
        (
            "a URLFETCH (\"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\" BINARY)\r\n",
            cmd("a", CommandBody::UrlFetch { urls: vec![ext(vec![Binary])] }),
            None,
        ),
        (
            "b URLFETCH (\"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\" BODYPARTSTRUCTURE BODY XTRA) \"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\"\r\n",
            cmd(
                "b",
                CommandBody::UrlFetch {
                    urls: vec![ext(vec![BodyPartStructure, Body, Other(Atom::from_static("XTRA"))]), s(FULL).into()],
                },
            ),
            None,
        ),
        (
            "c URLFETCH (\"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\")\r\n",
            cmd("c", CommandBody::UrlFetch { urls: vec![ext(vec![])] }),
            None,
        ),
    ]);
    let url = "\"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\"";
    let answer = |d: UrlFetchData| Response::Data(Data::UrlFetch(vec![(s(FULL), d)]));
    let structure = "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"BASE64\" 3 1)";
    let rows: Vec<(String, Response, Option<String>)> = vec![
        (
            format!("* URLFETCH {url} (BODYPARTSTRUCTURE {structure} BINARY ~{{3}}\r\na\0b)\r\n"),
            answer(UrlFetchData::Extended {
                body_part_structure: Some(text_part(3, 1)),
                body: Some(UrlFetchBody::Binary(Some(Bytes::from_static(b"a\0b")))),
            }),
            None,
        ),
        (
            format!("* URLFETCH {url} (BODY {{5}}\r\nhello)\r\n"),
            answer(UrlFetchData::Extended {
                body_part_structure: None,
                body: Some(UrlFetchBody::Body(Some(s("hello")))),
            }),
            Some(format!("* URLFETCH {url} (BODY \"hello\")\r\n")),
        ),
        (
            format!("* URLFETCH {url} (BODYPARTSTRUCTURE {structure})\r\n"),
            answer(UrlFetchData::Extended { body_part_structure: Some(text_part(3, 1)), body: None }),
            None,
        ),
        (
            format!("* URLFETCH {url} (BINARY \"abc\")\r\n"),
            answer(UrlFetchData::Extended {
                body_part_structure: None,
                body: Some(UrlFetchBody::Binary(Some(Bytes::from_static(b"abc")))),
            }),
            None,
        ),
        (format!("* URLFETCH {url} NIL\r\n"), answer(UrlFetchData::Plain(None)), None),
        // As Dovecot 2.3 wrote it (the URL an atom, the structure extended).
        (
            "* URLFETCH imap://alice@127.0.0.1/INBOX/;uid=1/;section=2;urlauth=user+alice:internal:010b44cbd1c4e3028bc3ec2f463be50b051bcc18b9 (BODYPARTSTRUCTURE (\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 6 NIL NIL NIL NIL) BINARY ~{6}\r\n\0\x01\x02\x03\0a)\r\n".to_string(),
            Response::Data(Data::UrlFetch(vec![(
                s("imap://alice@127.0.0.1/INBOX/;uid=1/;section=2;urlauth=user+alice:internal:010b44cbd1c4e3028bc3ec2f463be50b051bcc18b9"),
                UrlFetchData::Extended {
                    body_part_structure: Some(Box::new(BodyStructure::Single {
                        media_type: s("application"),
                        subtype: s("octet-stream"),
                        fields: BodyFields { parameters: vec![], id: None, description: None, encoding: s("base64"), octets: 6 },
                        specific: SpecificFields::Basic,
                        extension: Some(SinglePartExtension {
                            md5: None,
                            tail: ExtensionTail { disposition: Some(None), language: Some(None), location: Some(None), extensions: vec![] },
                        }),
                    })),
                    body: Some(UrlFetchBody::Binary(Some(Bytes::from_static(b"\0\x01\x02\x03\0a")))),
                },
            )])),
            Some("* URLFETCH \"imap://alice@127.0.0.1/INBOX/;uid=1/;section=2;urlauth=user+alice:internal:010b44cbd1c4e3028bc3ec2f463be50b051bcc18b9\" (BODYPARTSTRUCTURE (\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 6 NIL NIL NIL NIL) BINARY ~{6}\r\n\0\x01\x02\x03\0a)\r\n".to_string()),
        ),
    ];
    for (wire, value, encoded) in &rows {
        known_answers::response_both_ways(wire, value, encoded.as_deref());
    }
}

#[test]
fn malformed_commands_are_refused() {
    known_answers::refused(&[
        "a GENURLAUTH\r\n",
        "a GENURLAUTH \"imap://x\"\r\n",
        "a URLFETCH\r\n",
        "a RESETKEY \r\n",
        "a GENURLAUTH \"imap://x\" (INTERNAL)\r\n",
        "a URLFETCH (\"imap://x\" BINARY\r\n",
        "a URLFETCH (\"imap://x\"  BINARY)\r\n",
        "a URLFETCH ()\r\n",
    ]);
}
