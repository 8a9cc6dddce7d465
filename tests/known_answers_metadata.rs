//! Known answers of METADATA (RFC 5464), both directions: the examples of §4 (lines the
//! RFC wraps joined), parsed to the values and the values encoded back.
//!
//! The RFC's examples put GETMETADATA's options after the mailbox, where §5's grammar has
//! them before it; both are read, and the encoder writes the grammar's order. Its example
//! `GETMETADATA "INBOX" /private/comment /shared/comment` (§4.4.2) names two entries
//! without parentheses, which the grammar does not allow (`entries = entry / "(" entry
//! *(SP entry) ")"`): it is among the refused commands.

use bytes::Bytes;
use imap_machine::types::{
    Code, Command, CommandBody, Data, IString, Mailbox, MetadataCode, MetadataDepth, MetadataItems, MetadataOptions,
    Response, StatusKind, StatusResponse, Tag, Text,
};

#[path = "support/known_answers.rs"]
mod known_answers;

fn cmd(body: CommandBody) -> Command {
    Command::new(Tag::try_from("a".to_string()).unwrap(), body)
}

fn s(v: &'static str) -> IString {
    IString::from_static(v)
}

fn get(options: MetadataOptions, mailbox: &'static str, entries: &[&'static str]) -> CommandBody {
    CommandBody::GetMetadata {
        options,
        mailbox: Mailbox::from_wire(s(mailbox)),
        entries: entries.iter().map(|e| s(e)).collect(),
    }
}

fn value(v: &'static str) -> Option<Bytes> {
    Some(Bytes::from_static(v.as_bytes()))
}

fn commands() -> Vec<(&'static str, Command, Option<&'static str>)> {
    let none = MetadataOptions::default();
    vec![
        ("a GETMETADATA \"\" /shared/comment\r\n", cmd(get(none, "", &["/shared/comment"])), None),
        (
            "a GETMETADATA \"INBOX\" /private/comment\r\n",
            cmd(get(none, "INBOX", &["/private/comment"])),
            Some("a GETMETADATA INBOX /private/comment\r\n"),
        ),
        (
            "a GETMETADATA \"INBOX\" (/shared/comment /private/comment)\r\n",
            cmd(get(none, "INBOX", &["/shared/comment", "/private/comment"])),
            Some("a GETMETADATA INBOX (/shared/comment /private/comment)\r\n"),
        ),
        (
            "a GETMETADATA \"INBOX\" (MAXSIZE 1024) (/shared/comment /private/comment)\r\n",
            cmd(get(
                MetadataOptions { max_size: Some(1024), depth: None },
                "INBOX",
                &["/shared/comment", "/private/comment"],
            )),
            Some("a GETMETADATA (MAXSIZE 1024) INBOX (/shared/comment /private/comment)\r\n"),
        ),
        (
            "a GETMETADATA \"INBOX\" (DEPTH 1) (/private/filters/values)\r\n",
            cmd(get(
                MetadataOptions { max_size: None, depth: Some(MetadataDepth::One) },
                "INBOX",
                &["/private/filters/values"],
            )),
            Some("a GETMETADATA (DEPTH 1) INBOX /private/filters/values\r\n"),
        ),
        (
            "a GETMETADATA (depth infinity maxsize 5) \"\" /shared\r\n",
            cmd(get(MetadataOptions { max_size: Some(5), depth: Some(MetadataDepth::Infinity) }, "", &["/shared"])),
            Some("a GETMETADATA (MAXSIZE 5 DEPTH infinity) \"\" /shared\r\n"),
        ),
        (
            "a SETMETADATA INBOX (/private/comment {33}\r\nMy new comment across\r\ntwo lines.)\r\n",
            cmd(CommandBody::SetMetadata {
                mailbox: Mailbox::Inbox,
                entries: vec![(s("/private/comment"), value("My new comment across\r\ntwo lines."))],
            }),
            None,
        ),
        (
            "a SETMETADATA INBOX (/private/comment NIL)\r\n",
            cmd(CommandBody::SetMetadata { mailbox: Mailbox::Inbox, entries: vec![(s("/private/comment"), None)] }),
            None,
        ),
        (
            "a SETMETADATA INBOX (/private/comment \"My new comment\")\r\n",
            cmd(CommandBody::SetMetadata {
                mailbox: Mailbox::Inbox,
                entries: vec![(s("/private/comment"), value("My new comment"))],
            }),
            None,
        ),
        // A value with a NUL travels as literal8 (RFC 5464 §5 `value = nstring / literal8`).
        (
            "a SETMETADATA \"\" (/shared/vendor/x ~{3}\r\na\0b)\r\n",
            cmd(CommandBody::SetMetadata {
                mailbox: Mailbox::from_wire(s("")),
                entries: vec![(s("/shared/vendor/x"), Some(Bytes::from_static(b"a\0b")))],
            }),
            None,
        ),
    ]
}

fn responses() -> Vec<(&'static str, Response, Option<&'static str>)> {
    let data = |mailbox: &'static str, items| {
        Response::Data(Data::Metadata { mailbox: Mailbox::from_wire(s(mailbox)), items })
    };
    let values = |v: Vec<(&'static str, &'static str)>| {
        MetadataItems::Values(v.into_iter().map(|(e, x)| (s(e), value(x))).collect())
    };
    let status = |kind, code, text: &'static str| Response::Status {
        tag: Some(Tag::try_from("a".to_string()).unwrap()),
        status: StatusResponse::new(kind, Some(Code::Metadata(code)), Text::try_from(text).unwrap()),
    };
    vec![
        ("* METADATA \"\" (/shared/comment \"Shared comment\")\r\n", data("", values(vec![("/shared/comment", "Shared comment")])), None),
        (
            "* METADATA \"INBOX\" (/shared/comment \"Shared comment\" /private/comment \"My own comment\")\r\n",
            data("INBOX", values(vec![("/shared/comment", "Shared comment"), ("/private/comment", "My own comment")])),
            Some("* METADATA INBOX (/shared/comment \"Shared comment\" /private/comment \"My own comment\")\r\n"),
        ),
        (
            "* METADATA \"INBOX\" (/private/filters/values/small \"SMALLER 5000\" /private/filters/values/boss \"FROM \\\"boss@example.com\\\"\")\r\n",
            data(
                "INBOX",
                values(vec![
                    ("/private/filters/values/small", "SMALLER 5000"),
                    ("/private/filters/values/boss", "FROM \"boss@example.com\""),
                ]),
            ),
            Some("* METADATA INBOX (/private/filters/values/small \"SMALLER 5000\" /private/filters/values/boss \"FROM \\\"boss@example.com\\\"\")\r\n"),
        ),
        ("a OK [METADATA LONGENTRIES 2199] GETMETADATA complete\r\n", status(StatusKind::Ok, MetadataCode::LongEntries(2199), "GETMETADATA complete"), None),
        ("a NO [METADATA TOOMANY] SETMETADATA failed\r\n", status(StatusKind::No, MetadataCode::TooMany, "SETMETADATA failed"), None),
        ("a NO [METADATA MAXSIZE 1024] SETMETADATA failed\r\n", status(StatusKind::No, MetadataCode::MaxSize(1024), "SETMETADATA failed"), None),
        ("a NO [METADATA NOPRIVATE] SETMETADATA failed\r\n", status(StatusKind::No, MetadataCode::NoPrivate, "SETMETADATA failed"), None),
        // Unsolicited (§4.4.2): the entries that changed, without values.
        ("* METADATA \"\" /shared/comment\r\n", data("", MetadataItems::Entries(vec![s("/shared/comment")])), None),
        (
            "* METADATA \"INBOX\" /shared/comment /private/comment\r\n",
            data("INBOX", MetadataItems::Entries(vec![s("/shared/comment"), s("/private/comment")])),
            Some("* METADATA INBOX /shared/comment /private/comment\r\n"),
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

#[test]
fn malformed_commands_are_refused() {
    known_answers::refused(&[
        "a GETMETADATA \"INBOX\" /private/comment /shared/comment\r\n",
        "a GETMETADATA (MAXSIZE 1 MAXSIZE 2) \"\" /shared\r\n",
        "a GETMETADATA (DEPTH 2) \"\" /shared\r\n",
        "a GETMETADATA (FOO 1) \"\" /shared\r\n",
        "a GETMETADATA \"\"\r\n",
        "a SETMETADATA INBOX /private/comment NIL\r\n",
        "a SETMETADATA INBOX (/private/comment)\r\n",
    ]);
}
