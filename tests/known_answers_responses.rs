//! Known-answer tests for server responses, checked in both directions.
//!
//! Every row holds the wire bytes of one response message (a literal's payload and the
//! rest of its message included) and the [`Response`] value they stand for, built by hand
//! from the types. Each row is checked twice:
//!
//! 1. `parse_response(wire) == Ok(expected)`;
//! 2. `parse_response(encode_response(expected)) == Ok(expected)`, and the encoded bytes
//!    themselves: the row's own bytes where the RFC already writes the canonical form,
//!    else the canonical form given in the row.
//!
//! Groups: (a) every server message of the RFC 3501 §7 examples, (b) every server message
//! of the RFC 3501 §8 sample session, (c) every server message of the RFC 3501 §6
//! examples (the ones the RFC elides with `....` must fail to parse), (d) the Dovecot
//! capture, parsed, re-encoded and parsed back whole, with a few facts checked by hand.
//!
//! For each transcript a test frames its `S:` stream with the client-side [`Framer`] and
//! checks that the table holds exactly the framed messages, in order.

use std::num::NonZeroU32;
use std::panic::{catch_unwind, AssertUnwindSafe};

use base64::Engine;
use bytes::{Bytes, BytesMut};
use imap_machine::codec::{encode_response, parse_response, Framer, FramerEvent, FramerOptions, Role};
use imap_machine::types::{
    Address, Atom, BodyFields, BodyStructure, Capability, Code, Continue, Data, DateTime, Envelope, ExtensionTail,
    FetchItem, Flag, FlagFetch, FlagPerm, IString, ListAttribute as LA, ListExtendedItem, ListItem, Mailbox, NString,
    Response, SearchResult, Section, SectionText, SequenceSet, SinglePartExtension, SpecificFields, StatusItem,
    StatusKind, StatusResponse, Tag, Text,
};

const S6: &str = include_str!("transcripts/rfc3501-s6-commands.txt");
const S7: &str = include_str!("transcripts/rfc3501-s7-responses.txt");
const S8: &str = include_str!("transcripts/rfc3501-s8.txt");
const DOVECOT: &str = include_str!("fixtures/dovecot-capture.txt");

// ---------------------------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------------------------

/// An absent `nstring`, for address rows.
const NIL: Option<&str> = None;

fn tag(s: &str) -> Tag {
    Tag::try_from(s).unwrap()
}

fn text(s: &str) -> Text {
    Text::try_from(s).unwrap()
}

/// The empty text of a bare `+` (quirk `bare-plus`). [`Text::try_from`] refuses an empty
/// text and there is no public constructor for one, so it is taken from a parse of the
/// other empty-text form, a response code without text (quirk `code-without-text`),
/// which checks that it is empty.
fn empty_text() -> Text {
    match parse_response(&Bytes::from_static(b"* OK [ALERT]\r\n")) {
        Ok(Response::Status { status, .. }) if status.text.is_empty() => status.text,
        other => panic!("no empty text from a code-only status: {other:?}"),
    }
}

fn istr(s: &str) -> IString {
    IString::try_from(s).unwrap()
}

/// A present `nstring`.
fn ns(s: &str) -> NString {
    Some(istr(s))
}

fn atom(s: &str) -> Atom {
    Atom::try_from(s).unwrap()
}

fn flag(s: &str) -> Flag {
    Flag::parse(s).unwrap()
}

fn flags(list: &[&str]) -> Vec<Flag> {
    list.iter().map(|f| flag(f)).collect()
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn caps(list: &[&str]) -> Vec<Capability> {
    list.iter().map(|c| Capability::from(atom(c))).collect()
}

/// A mailbox from its wire bytes (`INBOX` in any case is [`Mailbox::Inbox`]).
fn mbx(s: &str) -> Mailbox {
    Mailbox::from_wire(istr(s))
}

fn addr(name: Option<&str>, adl: Option<&str>, mailbox: Option<&str>, host: Option<&str>) -> Address {
    Address { name: name.map(istr), adl: adl.map(istr), mailbox: mailbox.map(istr), host: host.map(istr) }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// One response line: the text and its CRLF.
fn l(s: &str) -> Vec<u8> {
    cat(&[s.as_bytes(), b"\r\n"])
}

fn status(t: Option<&str>, kind: StatusKind, code: Option<Code>, s: &str) -> Response {
    Response::Status { tag: t.map(tag), status: StatusResponse::new(kind, code, text(s)) }
}

/// A tagged OK.
fn ok(t: &str, code: Option<Code>, s: &str) -> Response {
    status(Some(t), StatusKind::Ok, code, s)
}

/// A tagged NO.
fn no(t: &str, code: Option<Code>, s: &str) -> Response {
    status(Some(t), StatusKind::No, code, s)
}

/// A tagged BAD.
fn bad(t: &str, code: Option<Code>, s: &str) -> Response {
    status(Some(t), StatusKind::Bad, code, s)
}

fn untagged_ok(code: Option<Code>, s: &str) -> Response {
    status(None, StatusKind::Ok, code, s)
}

fn untagged_no(s: &str) -> Response {
    status(None, StatusKind::No, None, s)
}

fn untagged_bad(s: &str) -> Response {
    status(None, StatusKind::Bad, None, s)
}

fn preauth(s: &str) -> Response {
    status(None, StatusKind::PreAuth, None, s)
}

fn bye(s: &str) -> Response {
    status(None, StatusKind::Bye, None, s)
}

fn data(d: Data) -> Response {
    Response::Data(d)
}

fn capability(list: &[&str]) -> Response {
    data(Data::Capability(caps(list)))
}

fn exists(n: u32) -> Response {
    data(Data::Exists(n))
}

fn recent(n: u32) -> Response {
    data(Data::Recent(n))
}

fn expunge(n: u32) -> Response {
    data(Data::Expunge(nz(n)))
}

fn flags_data(list: &[&str]) -> Response {
    data(Data::Flags(flags(list)))
}

fn search(ids: &[u32]) -> Response {
    data(Data::Search { ids: ids.to_vec(), modseq: None })
}

fn list_item(attributes: &[LA], delimiter: char, mailbox: &str) -> ListItem {
    ListItem { attributes: attributes.to_vec(), delimiter: Some(delimiter), mailbox: mbx(mailbox), extended: vec![] }
}

fn list(attributes: &[LA], delimiter: char, mailbox: &str) -> Response {
    data(Data::List(list_item(attributes, delimiter, mailbox)))
}

fn lsub(attributes: &[LA], delimiter: char, mailbox: &str) -> Response {
    data(Data::Lsub(list_item(attributes, delimiter, mailbox)))
}

fn fetch(seq: u32, items: Vec<FetchItem>) -> Response {
    data(Data::Fetch { seq: nz(seq), items })
}

/// `FLAGS (...)` of a FETCH response (`\Recent` is [`FlagFetch::Recent`]).
fn fflags(list: &[&str]) -> FetchItem {
    FetchItem::Flags(
        list.iter()
            .map(|f| if f.eq_ignore_ascii_case("\\Recent") { FlagFetch::Recent } else { FlagFetch::Flag(flag(f)) })
            .collect(),
    )
}

fn cont(s: &str) -> Response {
    Response::Continue(Continue::Basic { code: None, text: text(s) })
}

fn cont_b64(b64: &str) -> Response {
    let decoded = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    Response::Continue(Continue::Base64(Bytes::from(decoded)))
}

fn perm(list: &[&str]) -> Code {
    Code::PermanentFlags(
        list.iter().map(|f| if *f == "\\*" { FlagPerm::Wildcard } else { FlagPerm::Flag(flag(f)) }).collect(),
    )
}

// ---------------------------------------------------------------------------------------
// The table machinery
// ---------------------------------------------------------------------------------------

/// What the encoder must produce for a row.
enum Canon {
    /// Exactly the row's wire bytes.
    Same,
    /// Exactly these bytes.
    Exact(Vec<u8>),
}

enum Want {
    /// Parses to this value; encodes to the canonical bytes.
    Parse(Box<Response>, Canon),
    /// Must fail to parse (with an `Err`, never a panic).
    Fail,
}

struct Row {
    wire: Vec<u8>,
    want: Want,
}

/// A row whose canonical encoding is its own wire form.
fn same(wire: impl AsRef<[u8]>, expected: Response) -> Row {
    Row { wire: wire.as_ref().to_vec(), want: Want::Parse(Box::new(expected), Canon::Same) }
}

/// A row whose canonical encoding differs from the wire form.
fn enc(wire: impl AsRef<[u8]>, expected: Response, canonical: impl AsRef<[u8]>) -> Row {
    Row {
        wire: wire.as_ref().to_vec(),
        want: Want::Parse(Box::new(expected), Canon::Exact(canonical.as_ref().to_vec())),
    }
}

/// A row that must not parse.
fn fails(wire: impl AsRef<[u8]>) -> Row {
    Row { wire: wire.as_ref().to_vec(), want: Want::Fail }
}

fn first_line(wire: &[u8]) -> String {
    let end = wire.windows(2).position(|w| w == b"\r\n").unwrap_or(wire.len());
    format!("{:?}", String::from_utf8_lossy(&wire[..end]))
}

fn encode(rsp: &Response) -> Vec<u8> {
    encode_response(rsp, &mut BytesMut::new()).to_vec()
}

/// How many rows of each kind a group has.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    /// Rows whose encoding is their own wire bytes.
    same: usize,
    /// Rows whose encoding is a different canonical form.
    canonical: usize,
    /// Rows that must fail.
    fail: usize,
}

/// Checks every row both ways; reports all failures at once, each naming its row.
fn check(group: &str, rows: &[Row]) -> Counts {
    let mut failures = Vec::new();
    let mut counts = Counts::default();
    for (n, row) in rows.iter().enumerate() {
        let name = format!("{group} row {n} {}", first_line(&row.wire));
        let parsed = catch_unwind(AssertUnwindSafe(|| parse_response(&Bytes::copy_from_slice(&row.wire))));
        let (expected, canon) = match &row.want {
            Want::Fail => {
                counts.fail += 1;
                match parsed {
                    Ok(Err(e)) if e.raw.as_ref() == row.wire.as_slice() => {}
                    Ok(Err(e)) => failures.push(format!("{name}: error keeps {:?} as raw", e.raw)),
                    Ok(Ok(rsp)) => failures.push(format!("{name}: parsed to {rsp:?}, expected an error")),
                    Err(_) => failures.push(format!("{name}: parser panicked")),
                }
                continue;
            }
            Want::Parse(expected, canon) => (expected.as_ref(), canon),
        };
        // Direction 1: wire -> value.
        match parsed {
            Ok(Ok(rsp)) if rsp == *expected => {}
            Ok(Ok(rsp)) => failures.push(format!("{name}: parsed to\n    {rsp:?}\n  expected\n    {expected:?}")),
            Ok(Err(e)) => failures.push(format!("{name}: parse failed: {e} ({:?})", e.error.kind)),
            Err(_) => failures.push(format!("{name}: parser panicked")),
        }
        // Direction 2: value -> wire -> value.
        let encoded = match catch_unwind(AssertUnwindSafe(|| encode(expected))) {
            Ok(e) => e,
            Err(_) => {
                failures.push(format!("{name}: encoder panicked"));
                continue;
            }
        };
        match parse_response(&Bytes::from(encoded.clone())) {
            Ok(rsp) if rsp == *expected => {}
            Ok(rsp) => failures.push(format!(
                "{name}: encoded {:?} parsed back to\n    {rsp:?}\n  expected\n    {expected:?}",
                String::from_utf8_lossy(&encoded)
            )),
            Err(e) => failures.push(format!(
                "{name}: encoded {:?} does not parse: {e} ({:?})",
                String::from_utf8_lossy(&encoded),
                e.error.kind
            )),
        }
        let want = match canon {
            Canon::Same => {
                counts.same += 1;
                &row.wire
            }
            Canon::Exact(b) => {
                counts.canonical += 1;
                assert_ne!(b, &row.wire, "{name}: use `same` for a row that is already canonical");
                b
            }
        };
        if &encoded != want {
            failures.push(format!(
                "{name}: encoded as\n    {:?}\n  expected\n    {:?}",
                String::from_utf8_lossy(&encoded),
                String::from_utf8_lossy(want)
            ));
        }
    }
    assert!(failures.is_empty(), "{} failure(s) in group {group}:\n{}", failures.len(), failures.join("\n"));
    counts
}

/// The server stream of a transcript: every `S: ` line (prefix removed) and a CRLF.
fn server_stream(transcript: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in transcript.lines() {
        if let Some(rest) = line.strip_prefix("S:") {
            out.extend_from_slice(rest.strip_prefix(' ').unwrap_or(rest).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// The messages of a server stream, framed as a client frames them.
fn frame_server_stream(transcript: &str) -> Vec<Bytes> {
    let mut framer = Framer::new(Role::Client, FramerOptions::default());
    framer.handle_input(&server_stream(transcript));
    let mut out = Vec::new();
    while let Some(event) = framer.poll() {
        match event {
            FramerEvent::Message(frame) => out.push(frame.into_bytes()),
            other => panic!("unexpected framer event {other:?}"),
        }
    }
    assert!(!framer.is_mid_message(), "the stream ends inside a message: {:?}", framer.partial_message());
    out
}

/// The table holds exactly the framed messages of the transcript, in order.
fn assert_covers(transcript: &str, rows: &[Row]) {
    let framed = frame_server_stream(transcript);
    let table: Vec<&[u8]> = rows.iter().map(|r| &r.wire[..]).collect();
    let framed_lines: Vec<String> = framed.iter().map(|f| first_line(f)).collect();
    let table_lines: Vec<String> = table.iter().map(|w| first_line(w)).collect();
    assert_eq!(framed_lines, table_lines);
    for (f, t) in framed.iter().zip(&table) {
        assert_eq!(f.as_ref(), *t, "message {}", first_line(f));
    }
}

// ---------------------------------------------------------------------------------------
// (a) RFC 3501 §7 examples
// ---------------------------------------------------------------------------------------

fn rows_s7() -> Vec<Row> {
    vec![
        // 7.1.1 OK
        same(l("* OK IMAP4rev1 server ready"), untagged_ok(None, "IMAP4rev1 server ready")),
        same(
            l("* OK [ALERT] System shutdown in 10 minutes"),
            untagged_ok(Some(Code::Alert), "System shutdown in 10 minutes"),
        ),
        same(l("A001 OK LOGIN Completed"), ok("A001", None, "LOGIN Completed")),
        // 7.1.2 NO
        same(
            l("* NO Disk is 98% full, please delete unnecessary data"),
            untagged_no("Disk is 98% full, please delete unnecessary data"),
        ),
        same(l("A222 OK COPY completed"), ok("A222", None, "COPY completed")),
        same(
            l("* NO Disk is 98% full, please delete unnecessary data"),
            untagged_no("Disk is 98% full, please delete unnecessary data"),
        ),
        same(
            l("* NO Disk is 99% full, please delete unnecessary data"),
            untagged_no("Disk is 99% full, please delete unnecessary data"),
        ),
        same(l("A223 NO COPY failed: disk is full"), no("A223", None, "COPY failed: disk is full")),
        // 7.1.3 BAD
        same(l("* BAD Command line too long"), untagged_bad("Command line too long")),
        same(l("* BAD Empty command line"), untagged_bad("Empty command line")),
        same(
            l("* BAD Disk crash, attempting salvage to a new disk!"),
            untagged_bad("Disk crash, attempting salvage to a new disk!"),
        ),
        same(l("* OK Salvage successful, no data lost"), untagged_ok(None, "Salvage successful, no data lost")),
        same(l("A443 OK Expunge completed"), ok("A443", None, "Expunge completed")),
        // 7.1.4 PREAUTH
        same(l("* PREAUTH IMAP4rev1 server logged in as Smith"), preauth("IMAP4rev1 server logged in as Smith")),
        // 7.1.5 BYE
        same(l("* BYE Autologout; idle for too long"), bye("Autologout; idle for too long")),
        // 7.2.1 CAPABILITY
        same(
            l("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI XPIG-LATIN"),
            capability(&["IMAP4rev1", "STARTTLS", "AUTH=GSSAPI", "XPIG-LATIN"]),
        ),
        // 7.2.2 LIST
        same(l(r#"* LIST (\Noselect) "/" ~/Mail/foo"#), list(&[LA::NoSelect], '/', "~/Mail/foo")),
        // 7.2.3 LSUB
        same(l(r#"* LSUB () "." #news.comp.mail.misc"#), lsub(&[], '.', "#news.comp.mail.misc")),
        // 7.2.4 STATUS
        same(
            l("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)"),
            data(Data::Status {
                mailbox: mbx("blurdybloop"),
                items: vec![(StatusItem::Messages, 231), (StatusItem::UidNext, 44292)],
                mailbox_id: None,
            }),
        ),
        // 7.2.5 SEARCH
        same(l("* SEARCH 2 3 6"), search(&[2, 3, 6])),
        // 7.2.6 FLAGS
        same(
            l(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)"),
            flags_data(&["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"]),
        ),
        // 7.3.1 EXISTS, 7.3.2 RECENT, 7.4.1 EXPUNGE
        same(l("* 23 EXISTS"), exists(23)),
        same(l("* 5 RECENT"), recent(5)),
        same(l("* 44 EXPUNGE"), expunge(44)),
        // 7.4.2 FETCH
        same(
            l(r"* 23 FETCH (FLAGS (\Seen) RFC822.SIZE 44827)"),
            fetch(23, vec![fflags(&["\\Seen"]), FetchItem::Rfc822Size(44827)]),
        ),
        // 7.5 Command continuation request
        same(l("+ Ready for additional command text"), cont("Ready for additional command text")),
        same(l("+ Ready for additional command text"), cont("Ready for additional command text")),
        same(l("A001 OK LOGIN completed"), ok("A001", None, "LOGIN completed")),
        same(
            l(r#"A044 BAD No such command as "BLURDYBLOOP""#),
            bad("A044", None, r#"No such command as "BLURDYBLOOP""#),
        ),
    ]
}

#[test]
fn a_rfc3501_section7_examples() {
    let rows = rows_s7();
    let counts = check("(a)", &rows);
    assert_eq!(counts, Counts { same: 29, canonical: 0, fail: 0 });
    assert_covers(S7, &rows);
}

// ---------------------------------------------------------------------------------------
// (b) RFC 3501 §8 sample session
// ---------------------------------------------------------------------------------------

/// The 342-byte literal of `BODY[HEADER]` in the §8 session.
const HEADER_342: &[u8] = b"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n\
From: Terry Gray <gray@cac.washington.edu>\r\n\
Subject: IMAP4rev1 WG mtg summary and minutes\r\n\
To: imap@cac.washington.edu\r\n\
cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n\
Message-Id: <B27397-0100000@cac.washington.edu>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\
\r\n";

/// The `FETCH 12 FULL` answer, as the RFC writes it (the editorial line break inside the
/// cc list joined with a space).
const FETCH_FULL: &str = r#"* 12 FETCH (FLAGS (\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US") ("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>") BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))"#;

fn fetch_full() -> Response {
    let terry = || vec![addr(Some("Terry Gray"), NIL, Some("gray"), Some("cac.washington.edu"))];
    let envelope = Envelope {
        date: ns("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)"),
        subject: ns("IMAP4rev1 WG mtg summary and minutes"),
        from: terry(),
        sender: terry(),
        reply_to: terry(),
        to: vec![addr(NIL, NIL, Some("imap"), Some("cac.washington.edu"))],
        cc: vec![
            addr(NIL, NIL, Some("minutes"), Some("CNRI.Reston.VA.US")),
            addr(Some("John Klensin"), NIL, Some("KLENSIN"), Some("MIT.EDU")),
        ],
        bcc: vec![],
        in_reply_to: None,
        message_id: ns("<B27397-0100000@cac.washington.edu>"),
    };
    let body = BodyStructure::Single {
        media_type: istr("TEXT"),
        subtype: istr("PLAIN"),
        fields: BodyFields {
            parameters: vec![(istr("CHARSET"), istr("US-ASCII"))],
            id: None,
            description: None,
            encoding: istr("7BIT"),
            octets: 3028,
        },
        specific: SpecificFields::Text { lines: 92 },
        extension: None,
    };
    fetch(
        12,
        vec![
            fflags(&["\\Seen"]),
            FetchItem::InternalDate(DateTime::parse("17-Jul-1996 02:44:25 -0700").unwrap()),
            FetchItem::Rfc822Size(4286),
            FetchItem::Envelope(Box::new(envelope)),
            FetchItem::Body(Box::new(body)),
        ],
    )
}

fn rows_s8() -> Vec<Row> {
    let std_flags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];
    vec![
        same(l("* OK IMAP4rev1 Service Ready"), untagged_ok(None, "IMAP4rev1 Service Ready")),
        same(l("a001 OK LOGIN completed"), ok("a001", None, "LOGIN completed")),
        same(l("* 18 EXISTS"), exists(18)),
        same(l(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)"), flags_data(&std_flags)),
        same(l("* 2 RECENT"), recent(2)),
        same(
            l("* OK [UNSEEN 17] Message 17 is the first unseen message"),
            untagged_ok(Some(Code::Unseen(17)), "Message 17 is the first unseen message"),
        ),
        same(
            l("* OK [UIDVALIDITY 3857529045] UIDs valid"),
            untagged_ok(Some(Code::UidValidity(3857529045)), "UIDs valid"),
        ),
        same(l("a002 OK [READ-WRITE] SELECT completed"), ok("a002", Some(Code::ReadWrite), "SELECT completed")),
        // The encoder writes an address list without spaces between its addresses.
        enc(
            l(FETCH_FULL),
            fetch_full(),
            l(&FETCH_FULL.replace(r#""CNRI.Reston.VA.US") ("#, r#""CNRI.Reston.VA.US")("#)),
        ),
        same(l("a003 OK FETCH completed"), ok("a003", None, "FETCH completed")),
        // BODY[HEADER] with its literal: the line, the 342 bytes, then ")" CRLF.
        same(
            cat(&[b"* 12 FETCH (BODY[HEADER] {342}\r\n", HEADER_342, b")\r\n"]),
            fetch(
                12,
                vec![FetchItem::BodySection {
                    section: Section { part: vec![], text: Some(SectionText::Header) },
                    origin: None,
                    data: Some(IString::try_from(HEADER_342).unwrap()),
                }],
            ),
        ),
        same(l("a004 OK FETCH completed"), ok("a004", None, "FETCH completed")),
        same(l(r"* 12 FETCH (FLAGS (\Seen \Deleted))"), fetch(12, vec![fflags(&["\\Seen", "\\Deleted"])])),
        same(l("a005 OK +FLAGS completed"), ok("a005", None, "+FLAGS completed")),
        same(l("* BYE IMAP4rev1 server terminating connection"), bye("IMAP4rev1 server terminating connection")),
        same(l("a006 OK LOGOUT completed"), ok("a006", None, "LOGOUT completed")),
    ]
}

#[test]
fn b_rfc3501_section8_session() {
    assert_eq!(HEADER_342.len(), 342);
    let rows = rows_s8();
    let counts = check("(b)", &rows);
    assert_eq!(counts, Counts { same: 15, canonical: 1, fail: 0 });
    assert_covers(S8, &rows);
}

// ---------------------------------------------------------------------------------------
// (c) RFC 3501 §6 examples
// ---------------------------------------------------------------------------------------

/// The server's first GSSAPI challenge in §6.2.2.
const GSSAPI_1: &str = "YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMCAQGiQgRAtHTEuOP2BXb9sBYFR4SJlDZxmg39IxmRBOhXRKdDA0uHTCOT9Bq3OsUTXUlk0CsFLoa8j+gvGDlgHuqzWHPSQg==";
/// The second one.
const GSSAPI_2: &str = "YDMGCSqGSIb3EgECAgIBAAD/////6jcyG4GE3KkTzBeBiVHeceP2CWY0SR0fAQAgAAQEBAQ=";

fn rows_s6() -> Vec<Row> {
    let std_flags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];
    let noselect = [LA::NoSelect];
    vec![
        // 6.1.1 CAPABILITY
        same(
            l("* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED"),
            capability(&["IMAP4rev1", "STARTTLS", "AUTH=GSSAPI", "LOGINDISABLED"]),
        ),
        same(l("abcd OK CAPABILITY completed"), ok("abcd", None, "CAPABILITY completed")),
        same(l("efgh OK STARTLS completed"), ok("efgh", None, "STARTLS completed")),
        same(
            l("* CAPABILITY IMAP4rev1 AUTH=GSSAPI AUTH=PLAIN"),
            capability(&["IMAP4rev1", "AUTH=GSSAPI", "AUTH=PLAIN"]),
        ),
        same(l("ijkl OK CAPABILITY completed"), ok("ijkl", None, "CAPABILITY completed")),
        // 6.1.2 NOOP
        same(l("a002 OK NOOP completed"), ok("a002", None, "NOOP completed")),
        same(l("* 22 EXPUNGE"), expunge(22)),
        same(l("* 23 EXISTS"), exists(23)),
        same(l("* 3 RECENT"), recent(3)),
        same(l(r"* 14 FETCH (FLAGS (\Seen \Deleted))"), fetch(14, vec![fflags(&["\\Seen", "\\Deleted"])])),
        same(l("a047 OK NOOP completed"), ok("a047", None, "NOOP completed")),
        // 6.1.3 LOGOUT
        same(l("* BYE IMAP4rev1 Server logging out"), bye("IMAP4rev1 Server logging out")),
        same(l("A023 OK LOGOUT completed"), ok("A023", None, "LOGOUT completed")),
        // 6.2.1 STARTTLS
        same(
            l("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED"),
            capability(&["IMAP4rev1", "STARTTLS", "LOGINDISABLED"]),
        ),
        same(l("a001 OK CAPABILITY completed"), ok("a001", None, "CAPABILITY completed")),
        same(l("a002 OK Begin TLS negotiation now"), ok("a002", None, "Begin TLS negotiation now")),
        same(l("* CAPABILITY IMAP4rev1 AUTH=PLAIN"), capability(&["IMAP4rev1", "AUTH=PLAIN"])),
        same(l("a003 OK CAPABILITY completed"), ok("a003", None, "CAPABILITY completed")),
        same(l("a004 OK LOGIN completed"), ok("a004", None, "LOGIN completed")),
        // 6.2.2 AUTHENTICATE: a bare "+" (quirk bare-plus) is an empty challenge; the
        // encoder writes "+" SP and an empty base64, which RFC 3501 §9 allows.
        same(l("* OK IMAP4rev1 Server"), untagged_ok(None, "IMAP4rev1 Server")),
        enc(l("+"), Response::Continue(Continue::Basic { code: None, text: empty_text() }), l("+ ")),
        same(l(&format!("+ {GSSAPI_1}")), cont_b64(GSSAPI_1)),
        same(l(&format!("+ {GSSAPI_2}")), cont_b64(GSSAPI_2)),
        same(l("A001 OK GSSAPI authentication successful"), ok("A001", None, "GSSAPI authentication successful")),
        // 6.2.3 LOGIN
        same(l("a001 OK LOGIN completed"), ok("a001", None, "LOGIN completed")),
        // 6.3.1 SELECT
        same(l("* 172 EXISTS"), exists(172)),
        same(l("* 1 RECENT"), recent(1)),
        same(
            l("* OK [UNSEEN 12] Message 12 is first unseen"),
            untagged_ok(Some(Code::Unseen(12)), "Message 12 is first unseen"),
        ),
        same(
            l("* OK [UIDVALIDITY 3857529045] UIDs valid"),
            untagged_ok(Some(Code::UidValidity(3857529045)), "UIDs valid"),
        ),
        same(l("* OK [UIDNEXT 4392] Predicted next UID"), untagged_ok(Some(Code::UidNext(4392)), "Predicted next UID")),
        same(l(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)"), flags_data(&std_flags)),
        same(
            l(r"* OK [PERMANENTFLAGS (\Deleted \Seen \*)] Limited"),
            untagged_ok(Some(perm(&["\\Deleted", "\\Seen", "\\*"])), "Limited"),
        ),
        same(l("A142 OK [READ-WRITE] SELECT completed"), ok("A142", Some(Code::ReadWrite), "SELECT completed")),
        // 6.3.2 EXAMINE
        same(l("* 17 EXISTS"), exists(17)),
        same(l("* 2 RECENT"), recent(2)),
        same(
            l("* OK [UNSEEN 8] Message 8 is first unseen"),
            untagged_ok(Some(Code::Unseen(8)), "Message 8 is first unseen"),
        ),
        same(
            l("* OK [UIDVALIDITY 3857529045] UIDs valid"),
            untagged_ok(Some(Code::UidValidity(3857529045)), "UIDs valid"),
        ),
        same(l("* OK [UIDNEXT 4392] Predicted next UID"), untagged_ok(Some(Code::UidNext(4392)), "Predicted next UID")),
        same(l(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)"), flags_data(&std_flags)),
        same(
            l("* OK [PERMANENTFLAGS ()] No permanent flags permitted"),
            untagged_ok(Some(perm(&[])), "No permanent flags permitted"),
        ),
        same(l("A932 OK [READ-ONLY] EXAMINE completed"), ok("A932", Some(Code::ReadOnly), "EXAMINE completed")),
        // 6.3.3 CREATE
        same(l("A003 OK CREATE completed"), ok("A003", None, "CREATE completed")),
        same(l("A004 OK CREATE completed"), ok("A004", None, "CREATE completed")),
        // 6.3.4 DELETE
        same(l(r#"* LIST () "/" blurdybloop"#), list(&[], '/', "blurdybloop")),
        same(l(r#"* LIST (\Noselect) "/" foo"#), list(&noselect, '/', "foo")),
        same(l(r#"* LIST () "/" foo/bar"#), list(&[], '/', "foo/bar")),
        same(l("A682 OK LIST completed"), ok("A682", None, "LIST completed")),
        same(l("A683 OK DELETE completed"), ok("A683", None, "DELETE completed")),
        same(
            l(r#"A684 NO Name "foo" has inferior hierarchical names"#),
            no("A684", None, r#"Name "foo" has inferior hierarchical names"#),
        ),
        same(l("A685 OK DELETE Completed"), ok("A685", None, "DELETE Completed")),
        same(l(r#"* LIST (\Noselect) "/" foo"#), list(&noselect, '/', "foo")),
        same(l("A686 OK LIST completed"), ok("A686", None, "LIST completed")),
        same(l("A687 OK DELETE Completed"), ok("A687", None, "DELETE Completed")),
        same(l(r#"* LIST () "." blurdybloop"#), list(&[], '.', "blurdybloop")),
        same(l(r#"* LIST () "." foo"#), list(&[], '.', "foo")),
        same(l(r#"* LIST () "." foo.bar"#), list(&[], '.', "foo.bar")),
        same(l("A82 OK LIST completed"), ok("A82", None, "LIST completed")),
        same(l("A83 OK DELETE completed"), ok("A83", None, "DELETE completed")),
        same(l("A84 OK DELETE Completed"), ok("A84", None, "DELETE Completed")),
        same(l(r#"* LIST () "." foo.bar"#), list(&[], '.', "foo.bar")),
        same(l("A85 OK LIST completed"), ok("A85", None, "LIST completed")),
        same(l(r#"* LIST (\Noselect) "." foo"#), list(&noselect, '.', "foo")),
        same(l("A86 OK LIST completed"), ok("A86", None, "LIST completed")),
        // 6.3.5 RENAME
        same(l(r#"* LIST () "/" blurdybloop"#), list(&[], '/', "blurdybloop")),
        same(l(r#"* LIST (\Noselect) "/" foo"#), list(&noselect, '/', "foo")),
        same(l(r#"* LIST () "/" foo/bar"#), list(&[], '/', "foo/bar")),
        same(l("A682 OK LIST completed"), ok("A682", None, "LIST completed")),
        same(l("A683 OK RENAME completed"), ok("A683", None, "RENAME completed")),
        same(l("A684 OK RENAME Completed"), ok("A684", None, "RENAME Completed")),
        same(l(r#"* LIST () "/" sarasoop"#), list(&[], '/', "sarasoop")),
        same(l(r#"* LIST (\Noselect) "/" zowie"#), list(&noselect, '/', "zowie")),
        same(l(r#"* LIST () "/" zowie/bar"#), list(&[], '/', "zowie/bar")),
        same(l("A685 OK LIST completed"), ok("A685", None, "LIST completed")),
        same(
            l(r#"* LIST () "." INBOX"#),
            data(Data::List(ListItem {
                attributes: vec![],
                delimiter: Some('.'),
                mailbox: Mailbox::Inbox,
                extended: vec![],
            })),
        ),
        same(l(r#"* LIST () "." INBOX.bar"#), list(&[], '.', "INBOX.bar")),
        same(l("Z432 OK LIST completed"), ok("Z432", None, "LIST completed")),
        same(l("Z433 OK RENAME completed"), ok("Z433", None, "RENAME completed")),
        same(l(r#"* LIST () "." INBOX"#), list(&[], '.', "INBOX")),
        same(l(r#"* LIST () "." INBOX.bar"#), list(&[], '.', "INBOX.bar")),
        same(l(r#"* LIST () "." old-mail"#), list(&[], '.', "old-mail")),
        same(l("Z434 OK LIST completed"), ok("Z434", None, "LIST completed")),
        // 6.3.6 SUBSCRIBE, 6.3.7 UNSUBSCRIBE
        same(l("A002 OK SUBSCRIBE completed"), ok("A002", None, "SUBSCRIBE completed")),
        same(l("A002 OK UNSUBSCRIBE completed"), ok("A002", None, "UNSUBSCRIBE completed")),
        // 6.3.8 LIST: an empty name is quoted.
        same(l(r#"* LIST (\Noselect) "/" """#), list(&noselect, '/', "")),
        same(l("A101 OK LIST Completed"), ok("A101", None, "LIST Completed")),
        same(l(r#"* LIST (\Noselect) "." #news."#), list(&noselect, '.', "#news.")),
        same(l("A102 OK LIST Completed"), ok("A102", None, "LIST Completed")),
        same(l(r#"* LIST (\Noselect) "/" /"#), list(&noselect, '/', "/")),
        same(l("A103 OK LIST Completed"), ok("A103", None, "LIST Completed")),
        same(l(r#"* LIST (\Noselect) "/" ~/Mail/foo"#), list(&noselect, '/', "~/Mail/foo")),
        same(l(r#"* LIST () "/" ~/Mail/meetings"#), list(&[], '/', "~/Mail/meetings")),
        same(l("A202 OK LIST completed"), ok("A202", None, "LIST completed")),
        // 6.3.9 LSUB: attributes compare case-insensitively and encode canonically.
        same(l(r#"* LSUB () "." #news.comp.mail.mime"#), lsub(&[], '.', "#news.comp.mail.mime")),
        same(l(r#"* LSUB () "." #news.comp.mail.misc"#), lsub(&[], '.', "#news.comp.mail.misc")),
        same(l("A002 OK LSUB completed"), ok("A002", None, "LSUB completed")),
        enc(
            l(r#"* LSUB (\NoSelect) "." #news.comp.mail"#),
            lsub(&noselect, '.', "#news.comp.mail"),
            l(r#"* LSUB (\Noselect) "." #news.comp.mail"#),
        ),
        same(l("A003 OK LSUB completed"), ok("A003", None, "LSUB completed")),
        // 6.3.10 STATUS
        same(
            l("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)"),
            data(Data::Status {
                mailbox: mbx("blurdybloop"),
                items: vec![(StatusItem::Messages, 231), (StatusItem::UidNext, 44292)],
                mailbox_id: None,
            }),
        ),
        same(l("A042 OK STATUS completed"), ok("A042", None, "STATUS completed")),
        // 6.3.11 APPEND
        same(l("+ Ready for literal data"), cont("Ready for literal data")),
        same(l("A003 OK APPEND completed"), ok("A003", None, "APPEND completed")),
        // 6.4.1 CHECK, 6.4.2 CLOSE
        same(l("FXXZ OK CHECK Completed"), ok("FXXZ", None, "CHECK Completed")),
        same(l("A341 OK CLOSE completed"), ok("A341", None, "CLOSE completed")),
        // 6.4.3 EXPUNGE
        same(l("* 3 EXPUNGE"), expunge(3)),
        same(l("* 3 EXPUNGE"), expunge(3)),
        same(l("* 5 EXPUNGE"), expunge(5)),
        same(l("* 8 EXPUNGE"), expunge(8)),
        same(l("A202 OK EXPUNGE completed"), ok("A202", None, "EXPUNGE completed")),
        // 6.4.4 SEARCH
        same(l("* SEARCH 2 84 882"), search(&[2, 84, 882])),
        same(l("A282 OK SEARCH completed"), ok("A282", None, "SEARCH completed")),
        same(l("* SEARCH"), search(&[])),
        same(l("A283 OK SEARCH completed"), ok("A283", None, "SEARCH completed")),
        same(l("* SEARCH 43"), search(&[43])),
        same(l("A284 OK SEARCH completed"), ok("A284", None, "SEARCH completed")),
        // 6.4.5 FETCH: the RFC elides the data with "....", which is no msg-att.
        fails(l("* 2 FETCH ....")),
        fails(l("* 3 FETCH ....")),
        fails(l("* 4 FETCH ....")),
        same(l("A654 OK FETCH completed"), ok("A654", None, "FETCH completed")),
        // 6.4.6 STORE
        same(l(r"* 2 FETCH (FLAGS (\Deleted \Seen))"), fetch(2, vec![fflags(&["\\Deleted", "\\Seen"])])),
        same(l(r"* 3 FETCH (FLAGS (\Deleted))"), fetch(3, vec![fflags(&["\\Deleted"])])),
        same(
            l(r"* 4 FETCH (FLAGS (\Deleted \Flagged \Seen))"),
            fetch(4, vec![fflags(&["\\Deleted", "\\Flagged", "\\Seen"])]),
        ),
        same(l("A003 OK STORE completed"), ok("A003", None, "STORE completed")),
        // 6.4.7 COPY
        same(l("A003 OK COPY completed"), ok("A003", None, "COPY completed")),
        // 6.4.8 UID
        same(
            l(r"* 23 FETCH (FLAGS (\Seen) UID 4827313)"),
            fetch(23, vec![fflags(&["\\Seen"]), FetchItem::Uid(4827313)]),
        ),
        same(
            l(r"* 24 FETCH (FLAGS (\Seen) UID 4827943)"),
            fetch(24, vec![fflags(&["\\Seen"]), FetchItem::Uid(4827943)]),
        ),
        same(
            l(r"* 25 FETCH (FLAGS (\Seen) UID 4828442)"),
            fetch(25, vec![fflags(&["\\Seen"]), FetchItem::Uid(4828442)]),
        ),
        same(l("A999 OK UID FETCH completed"), ok("A999", None, "UID FETCH completed")),
        // 6.5.1 X<atom>: unknown untagged data is kept raw.
        same(l("* CAPABILITY IMAP4rev1 XPIG-LATIN"), capability(&["IMAP4rev1", "XPIG-LATIN"])),
        same(l("a441 OK CAPABILITY completed"), ok("a441", None, "CAPABILITY completed")),
        same(
            l("* XPIG-LATIN ow-nay eaking-spay ig-pay atin-lay"),
            data(Data::Other {
                number: None,
                name: atom("XPIG-LATIN"),
                rest: Some(Bytes::from_static(b"ow-nay eaking-spay ig-pay atin-lay")),
            }),
        ),
        same(l("A442 OK XPIG-LATIN ompleted-cay"), ok("A442", None, "XPIG-LATIN ompleted-cay")),
    ]
}

#[test]
fn c_rfc3501_section6_examples() {
    let rows = rows_s6();
    let counts = check("(c)", &rows);
    assert_eq!(counts, Counts { same: 126, canonical: 2, fail: 3 });
    assert_covers(S6, &rows);
    // The elided FETCH responses fail where the msg-att should start.
    let err = parse_response(&Bytes::from_static(b"* 2 FETCH ....\r\n")).unwrap_err();
    assert_eq!(err.error.offset, 10, "{err}");
}

// ---------------------------------------------------------------------------------------
// (d) The Dovecot capture
// ---------------------------------------------------------------------------------------

/// The subject of message 28: a 168-byte literal inside the ENVELOPE.
const SUBJECT_28: &str = "bug demonstration 12345678911234567892123456789312345678941234567895123456789612345678971234567898112345678911234567892123456789112345678911234567892123456789 more text";

/// The FETCH responses with the given sequence number, in order.
fn fetches(parsed: &[Response], seq: u32) -> Vec<&[FetchItem]> {
    parsed
        .iter()
        .filter_map(|r| match r {
            Response::Data(Data::Fetch { seq: s, items }) if s.get() == seq => Some(&items[..]),
            _ => None,
        })
        .collect()
}

fn find_envelope(items: &[FetchItem]) -> Option<&Envelope> {
    items.iter().find_map(|i| match i {
        FetchItem::Envelope(e) => Some(e.as_ref()),
        _ => None,
    })
}

fn find_bodystructure(items: &[FetchItem]) -> Option<&BodyStructure> {
    items.iter().find_map(|i| match i {
        FetchItem::BodyStructure(b) => Some(b.as_ref()),
        _ => None,
    })
}

#[test]
fn d_dovecot_capture() {
    let frames = frame_server_stream(DOVECOT);
    // Counted independently from the file: 348 server messages, of which 48 are "+ OK"
    // continuations (one per APPEND), 71 tagged (a1..a71) and 105 FETCH responses.
    assert_eq!(frames.len(), 348);

    // Every message parses, re-encodes and parses back equal.
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (n, frame) in frames.iter().enumerate() {
        match catch_unwind(AssertUnwindSafe(|| parse_response(frame))) {
            Ok(Ok(rsp)) => {
                let encoded = encode(&rsp);
                match parse_response(&Bytes::from(encoded.clone())) {
                    Ok(back) if back == rsp => {}
                    Ok(back) => errors.push(format!(
                        "message {n} {}: encoded {:?} parsed back to\n    {back:?}\n  expected\n    {rsp:?}",
                        first_line(frame),
                        String::from_utf8_lossy(&encoded)
                    )),
                    Err(e) => errors.push(format!(
                        "message {n} {}: encoded {:?} does not parse: {e}",
                        first_line(frame),
                        String::from_utf8_lossy(&encoded)
                    )),
                }
                parsed.push(rsp);
            }
            Ok(Err(e)) => errors.push(format!("message {n} {}: {e}", first_line(frame))),
            Err(_) => errors.push(format!("message {n} {}: parser panicked", first_line(frame))),
        }
    }
    assert!(errors.is_empty(), "{} error(s):\n{}", errors.len(), errors.join("\n"));

    let continuations = parsed.iter().filter(|r| matches!(r, Response::Continue(_))).count();
    let tagged = parsed.iter().filter(|r| r.is_tagged()).count();
    let fetch_items: Vec<&[FetchItem]> = parsed
        .iter()
        .filter_map(|r| match r {
            Response::Data(Data::Fetch { items, .. }) => Some(&items[..]),
            _ => None,
        })
        .collect();
    assert_eq!((continuations, tagged, fetch_items.len()), (48, 71, 105));
    assert!(parsed.iter().filter(|r| matches!(r, Response::Continue(_))).all(|r| *r == cont("OK")));

    // The 48 appended messages: one ENVELOPE and one BODYSTRUCTURE each (a54), one BODY
    // each (a55).
    let with = |f: fn(&FetchItem) -> bool| fetch_items.iter().filter(|items| items.iter().any(f)).count();
    assert_eq!(with(|i| matches!(i, FetchItem::Envelope(_))), 48);
    assert_eq!(with(|i| matches!(i, FetchItem::BodyStructure(_))), 48);
    assert_eq!(with(|i| matches!(i, FetchItem::Body(_))), 48);
    for items in &fetch_items {
        if let Some(FetchItem::BodyStructure(b)) = items.iter().find(|i| matches!(i, FetchItem::BodyStructure(_))) {
            assert!(b.has_extension(), "{b:?}");
        }
    }
    assert!(parsed.contains(&search(&(1..=48).collect::<Vec<_>>())));

    // Message 28: the subject is a literal inside the ENVELOPE.
    let m28 = fetches(&parsed, 28);
    let env = m28.iter().find_map(|items| find_envelope(items)).expect("message 28 ENVELOPE");
    assert_eq!(SUBJECT_28.len(), 168);
    assert_eq!(env.subject, ns(SUBJECT_28));
    assert_eq!(env.date, ns("Tue, 4 Jun 2002 21:46:59 -0400"));
    assert_eq!(env.from, vec![addr(Some("Anne P. Erson"), NIL, Some("aperson"), Some("dom.ain"))]);
    assert_eq!(env.to, vec![addr(Some("Barney P. Erson"), NIL, Some("bperson"), Some("dom.ain"))]);
    assert_eq!(env.message_id, ns("<15613.28051.707126.569693@dom.ain>"));

    // Message 37: To is the group "IETF-Announce:;", a group start and a group end.
    let m37 = fetches(&parsed, 37);
    let env = m37.iter().find_map(|items| find_envelope(items)).expect("message 37 ENVELOPE");
    assert_eq!(env.to, vec![addr(NIL, NIL, Some("IETF-Announce"), NIL), addr(NIL, NIL, NIL, NIL)]);
    assert_eq!(env.to[0].group_start(), Some(&istr("IETF-Announce")));
    assert!(!env.to[0].is_group_end());
    assert_eq!(env.to[1].group_start(), None);
    assert!(env.to[1].is_group_end());
    assert!(env.from.iter().all(|a| a.group_start().is_none() && !a.is_group_end()));

    // Message 15: BODYSTRUCTURE ("" "" NIL NIL NIL "7bit" 235 NIL NIL NIL NIL), an empty
    // media type and subtype.
    let m15 = fetches(&parsed, 15);
    let b15 = m15.iter().find_map(|items| find_bodystructure(items)).expect("message 15 BODYSTRUCTURE");
    assert_eq!(
        *b15,
        BodyStructure::Single {
            media_type: istr(""),
            subtype: istr(""),
            fields: BodyFields { parameters: vec![], id: None, description: None, encoding: istr("7bit"), octets: 235 },
            specific: SpecificFields::Basic,
            extension: Some(SinglePartExtension {
                md5: None,
                tail: ExtensionTail {
                    disposition: Some(None),
                    language: Some(None),
                    location: Some(None),
                    extensions: vec![],
                },
            }),
        }
    );
    let wire15 = frames.iter().find(|f| f.starts_with(b"* 15 FETCH (UID 15 ")).expect("a54 message 15");
    let encoded15 = encode(&parse_response(wire15).unwrap());
    let needle: &[u8] = br#" BODYSTRUCTURE ("" "" NIL NIL NIL "7bit" 235 NIL NIL NIL NIL))"#;
    assert!(encoded15.windows(needle.len()).any(|w| w == needle), "{:?}", String::from_utf8_lossy(&encoded15));
    let m15_body = m15.iter().find_map(|items| {
        items.iter().find_map(|i| match i {
            FetchItem::Body(b) => Some(b.as_ref()),
            _ => None,
        })
    });
    assert!(
        matches!(m15_body, Some(BodyStructure::Single { media_type, extension: None, .. }) if media_type.is_empty())
    );

    // BODY[TEXT]<0> of message 1 (a56): origin 0, and the data is a zero-copy slice of
    // the framed message.
    let frame = frames
        .iter()
        .find(|f| f.starts_with(b"* 1 FETCH (BODY[HEADER.FIELDS (FROM SUBJECT)] {68}"))
        .expect("a56 message 1");
    let Response::Data(Data::Fetch { seq, items }) = parse_response(frame).unwrap() else { panic!("not a FETCH") };
    assert_eq!(seq.get(), 1);
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0],
        FetchItem::BodySection {
            section: Section {
                part: vec![],
                text: Some(SectionText::HeaderFields(vec![istr("FROM"), istr("SUBJECT")])),
            },
            origin: None,
            data: ns("From: bbb@ddd.com (John X. Doe)\r\nSubject: This is a test message\r\n\r\n"),
        }
    );
    let FetchItem::BodySection { section, origin, data } = &items[1] else { panic!("{:?}", items[1]) };
    assert_eq!(*section, Section { part: vec![], text: Some(SectionText::Text) });
    assert_eq!(*origin, Some(0));
    let body_text: &[u8] = b"\r\nHi,\r\n\r\nDo you like this message?\r\n\r\n-Me\r\n";
    assert_eq!(body_text.len(), 43);
    let data = data.as_ref().expect("BODY[TEXT]<0> is not NIL").to_bytes();
    assert_eq!(data.as_ref(), body_text);
    let (start, end) = (frame.as_ptr() as usize, frame.as_ptr() as usize + frame.len());
    let at = data.as_ptr() as usize;
    assert!(start <= at && at + data.len() <= end, "BODY[TEXT]<0> data was copied out of the frame");
    assert_eq!(&frame[at - start..at - start + data.len()], body_text);
}

// ---------------------------------------------------------------------------------------
// (e) ESEARCH (RFC 4731 §3.1 and the CONDSTORE examples of §3.2)
// ---------------------------------------------------------------------------------------

fn esearch(tag: &str, uid: bool, results: Vec<SearchResult>) -> Response {
    data(Data::ESearch { tag: Some(IString::try_from(tag).unwrap()), uid, results })
}

#[test]
fn e_rfc4731_esearch() {
    use SearchResult as R;
    let set = |s: &str| s.parse::<SequenceSet>().unwrap();
    let rows = vec![
        same(l("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3"), esearch("A282", false, vec![R::Min(2), R::Count(3)])),
        same(l("* ESEARCH (TAG \"A283\") ALL 2,10:11"), esearch("A283", false, vec![R::All(set("2,10:11"))])),
        same(l("* ESEARCH (TAG \"A284\") MIN 4"), esearch("A284", false, vec![R::Min(4)])),
        same(l("* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800"), esearch("A285", true, vec![R::Min(7), R::Max(3800)])),
        same(l("* ESEARCH (TAG \"A286\") COUNT 15"), esearch("A286", false, vec![R::Count(15)])),
        same(
            l("* ESEARCH (TAG \"a4\") MIN 2 COUNT 10 MODSEQ 917162500"),
            esearch("a4", false, vec![R::Min(2), R::Count(10), R::ModSeq(917162500)]),
        ),
        // No match: COUNT alone; no correlator (allowed, RFC 4731 §3.1).
        same(l("* ESEARCH (TAG \"x\") COUNT 0"), esearch("x", false, vec![R::Count(0)])),
        same(l("* ESEARCH UID"), data(Data::ESearch { tag: None, uid: true, results: vec![] })),
        enc(
            l("* esearch (tag \"A9\") uid all 1:3"),
            esearch("A9", true, vec![R::All(set("1:3"))]),
            l("* ESEARCH (TAG \"A9\") UID ALL 1:3"),
        ),
    ];
    // CREATE-SPECIAL-USE's refusal (RFC 6154 §5.3).
    let mut rows = rows;
    rows.push(same(
        l("t3 NO [USEATTR] \\All not supported"),
        status(Some("t3"), StatusKind::No, Some(Code::UseAttr), "\\All not supported"),
    ));
    let counts = check("(e)", &rows);
    assert_eq!(counts.same + counts.canonical, rows.len());
    // Return data this crate does not know keeps the response raw, not an error.
    // (RELEVANCY, RFC 6203; PARTIAL is known since CONTEXT=SEARCH.)
    let raw = Bytes::from(l("* ESEARCH (TAG \"a\") RELEVANCY (4 99)"));
    let parsed = imap_machine::codec::parse_response(&raw).unwrap();
    assert!(matches!(parsed, Response::Data(Data::Other { .. })), "{parsed:?}");
}

// ---------------------------------------------------------------------------------------
// (f) UNAUTHENTICATE (RFC 8437) and STATUS=SIZE (RFC 8438 §3 examples)
// ---------------------------------------------------------------------------------------

fn status_data(m: &str, items: &[(StatusItem, u64)]) -> Response {
    data(Data::Status { mailbox: mbx(m), items: items.to_vec(), mailbox_id: None })
}

#[test]
fn f_rfc8437_unauthenticate_and_rfc8438_status_size() {
    use StatusItem::{Messages, Size, UidNext};
    let typed = vec![Capability::Imap4rev1, Capability::Unauthenticate, Capability::StatusSize];
    let rows = vec![
        same(
            l("* STATUS frop (MESSAGES 8 SIZE 44421 UIDNEXT 242344)"),
            status_data("frop", &[(Messages, 8), (Size, 44421), (UidNext, 242344)]),
        ),
        same(l("A01 OK STATUS completed"), ok("A01", None, "STATUS completed")),
        // The LIST-STATUS example's quoted names are written as atoms.
        enc(
            l("* STATUS \"INBOX\" (MESSAGES 17 SIZE 16234)"),
            status_data("INBOX", &[(Messages, 17), (Size, 16234)]),
            l("* STATUS INBOX (MESSAGES 17 SIZE 16234)"),
        ),
        enc(
            l("* STATUS \"frop\" (MESSAGES 8 SIZE 44421)"),
            status_data("frop", &[(Messages, 8), (Size, 44421)]),
            l("* STATUS frop (MESSAGES 8 SIZE 44421)"),
        ),
        // `number64`: 63 bits, and no more (RFC 8438 §4).
        same(l("* STATUS big (SIZE 9223372036854775807)"), status_data("big", &[(Size, i64::MAX as u64)])),
        fails(l("* STATUS big (SIZE 9223372036854775808)")),
        // The capabilities, typed (RFC 8437 §6, RFC 8438 §4).
        same(l("* CAPABILITY IMAP4rev1 UNAUTHENTICATE STATUS=SIZE"), data(Data::Capability(typed.clone()))),
        enc(
            l("* capability imap4rev1 unauthenticate status=size"),
            data(Data::Capability(typed.clone())),
            l("* CAPABILITY IMAP4rev1 UNAUTHENTICATE STATUS=SIZE"),
        ),
        // UNAUTHENTICATE's results (RFC 8437 §3): OK, or BAD in the wrong state.
        same(
            l("a1 OK [CAPABILITY IMAP4rev1 UNAUTHENTICATE STATUS=SIZE] UNAUTHENTICATE completed"),
            ok("a1", Some(Code::Capability(typed)), "UNAUTHENTICATE completed"),
        ),
        same(l("a2 BAD UNAUTHENTICATE not allowed"), bad("a2", None, "UNAUTHENTICATE not allowed")),
    ];
    let counts = check("(f)", &rows);
    assert_eq!((counts.same + counts.canonical, counts.fail), (rows.len() - 1, 1));
}

// ---------------------------------------------------------------------------------------
// (g) MULTIAPPEND (RFC 3502 §6) and CATENATE (RFC 4469 §4 and Appendix A)
// ---------------------------------------------------------------------------------------

#[test]
fn g_rfc3502_multiappend_rfc4469_catenate() {
    let set = |s: &str| s.parse::<SequenceSet>().unwrap();
    let typed = vec![Capability::Imap4rev1, Capability::MultiAppend, Capability::Catenate];
    let rows = vec![
        same(l("A003 OK APPEND completed"), ok("A003", None, "APPEND completed")),
        same(
            l("A004 NO [TRYCREATE] No such mailbox as bogusname"),
            status(Some("A004"), StatusKind::No, Some(Code::TryCreate), "No such mailbox as bogusname"),
        ),
        same(
            l("A005 NO APPEND failed: Disk quota exceeded"),
            status(Some("A005"), StatusKind::No, None, "APPEND failed: Disk quota exceeded"),
        ),
        // RFC 4469 example 2, and APPENDUID with a set for several messages (RFC 4315 §3).
        same(
            l("A003 OK [APPENDUID 385759045 45] append Completed"),
            ok("A003", Some(Code::AppendUid { uid_validity: 385759045, uids: set("45") }), "append Completed"),
        ),
        same(
            l("A003 OK [APPENDUID 38505 3955:3957] APPEND completed"),
            ok("A003", Some(Code::AppendUid { uid_validity: 38505, uids: set("3955:3957") }), "APPEND completed"),
        ),
        // RFC 4469 example 4 (on one line): the URL is kept as sent, quotes and all.
        same(
            l("A003 NO [BADURL \"/INBOX;UIDVALIDITY=785799047/;UID=113330;section=1.5.9\"] CATENATE append has failed, one message expunged"),
            status(
                Some("A003"),
                StatusKind::No,
                Some(Code::BadUrl(Bytes::from_static(b"\"/INBOX;UIDVALIDITY=785799047/;UID=113330;section=1.5.9\""))),
                "CATENATE append has failed, one message expunged",
            ),
        ),
        same(
            l("a NO [BADURL /INBOX;UIDVALIDITY=1/;UID=9] No such message"),
            status(
                Some("a"),
                StatusKind::No,
                Some(Code::BadUrl(Bytes::from_static(b"/INBOX;UIDVALIDITY=1/;UID=9"))),
                "No such message",
            ),
        ),
        same(l("a NO [TOOBIG] Too big"), status(Some("a"), StatusKind::No, Some(Code::TooBig), "Too big")),
        same(l("* CAPABILITY IMAP4rev1 MULTIAPPEND CATENATE"), data(Data::Capability(typed))),
    ];
    let counts = check("(g)", &rows);
    assert_eq!(counts.same + counts.canonical, rows.len());
}

// (g) LIST-EXTENDED (RFC 5258 §5), LIST-STATUS (RFC 5819 §5), OLDNAME (RFC 9051 §6.3.9.7)
// ---------------------------------------------------------------------------------------

fn xlist(attributes: &[LA], delimiter: char, mailbox: &str, extended: Vec<ListExtendedItem>) -> Response {
    data(Data::List(ListItem { extended, ..list_item(attributes, delimiter, mailbox) }))
}

fn childinfo() -> Vec<ListExtendedItem> {
    vec![ListExtendedItem::ChildInfo(vec![atom("SUBSCRIBED")])]
}

#[test]
fn g_rfc5258_list_extended() {
    use StatusItem::{Messages, Unseen};
    let rows = vec![
        enc(
            l("* LIST (\\Marked \\NoInferiors \\Subscribed) \"/\" \"inbox\""),
            list(&[LA::Marked, LA::NoInferiors, LA::Subscribed], '/', "inbox"),
            l("* LIST (\\Marked \\Noinferiors \\Subscribed) \"/\" INBOX"),
        ),
        enc(
            l("* LIST (\\Subscribed \\NonExistent) \"/\" \"Fruit/Peach\""),
            list(&[LA::Subscribed, LA::NonExistent], '/', "Fruit/Peach"),
            l("* LIST (\\Subscribed \\NonExistent) \"/\" Fruit/Peach"),
        ),
        enc(
            l("* LIST (\\HasChildren \\Remote) \"/\" \"Meat\""),
            list(&[LA::HasChildren, LA::Remote], '/', "Meat"),
            l("* LIST (\\HasChildren \\Remote) \"/\" Meat"),
        ),
        // CHILDINFO: the RFC quotes the tag, Dovecot does not (the canonical form).
        enc(
            l("* LIST () \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))"),
            xlist(&[], '/', "Foo", childinfo()),
            l("* LIST () \"/\" Foo (CHILDINFO (\"SUBSCRIBED\"))"),
        ),
        enc(
            l("* LIST (\\Subscribed \\HasChildren) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))"),
            xlist(&[LA::Subscribed, LA::HasChildren], '/', "Foo", childinfo()),
            l("* LIST (\\Subscribed \\HasChildren) \"/\" Foo (CHILDINFO (\"SUBSCRIBED\"))"),
        ),
        enc(
            l("* LIST (\\NonExistent) \"/\" \"qux2\" (\"CHILDINFO\" (\"SUBSCRIBED\"))"),
            xlist(&[LA::NonExistent], '/', "qux2", childinfo()),
            l("* LIST (\\NonExistent) \"/\" qux2 (CHILDINFO (\"SUBSCRIBED\"))"),
        ),
        enc(
            l("* LIST (\\HasNoChildren) \"/\" foo (\"CHILDINFO\" (\"SUBSCRIBED\"))"),
            xlist(&[LA::HasNoChildren], '/', "foo", childinfo()),
            l("* LIST (\\HasNoChildren) \"/\" foo (CHILDINFO (\"SUBSCRIBED\"))"),
        ),
        same(
            l("* LIST (\\NonExistent \\HasChildren) \"/\" music"),
            list(&[LA::NonExistent, LA::HasChildren], '/', "music"),
        ),
        same(l("* LIST (\\Remote) \"/\" also/jazz"), list(&[LA::Remote], '/', "also/jazz")),
        // Dovecot's form.
        same(
            l("* LIST (\\NonExistent \\HasChildren) \"/\" Fruit (CHILDINFO (\"SUBSCRIBED\"))"),
            xlist(&[LA::NonExistent, LA::HasChildren], '/', "Fruit", childinfo()),
        ),
        // RFC 5819 §5 (its double space between fields is accepted, as any run of spaces).
        enc(l("* LIST () \".\"  \"INBOX\""), list(&[], '.', "INBOX"), l("* LIST () \".\" INBOX")),
        enc(
            l("* STATUS \"INBOX\" (MESSAGES 17 UNSEEN 16)"),
            data(Data::Status { mailbox: mbx("INBOX"), items: vec![(Messages, 17), (Unseen, 16)], mailbox_id: None }),
            l("* STATUS INBOX (MESSAGES 17 UNSEEN 16)"),
        ),
        enc(
            l("* LIST (\\NoSelect) \".\" \"bar\""),
            list(&[LA::NoSelect], '.', "bar"),
            l("* LIST (\\Noselect) \".\" bar"),
        ),
        enc(
            l("* LIST () \".\" \"foo\" (CHILDINFO (\"SUBSCRIBED\"))"),
            xlist(&[], '.', "foo", childinfo()),
            l("* LIST () \".\" foo (CHILDINFO (\"SUBSCRIBED\"))"),
        ),
        // RFC 9051 §6.3.9.7.
        enc(
            l("* LIST () \"/\" \"Normalized\" (\"OLDNAME\" (\"NonNormalized\"))"),
            xlist(&[], '/', "Normalized", vec![ListExtendedItem::OldName(mbx("NonNormalized"))]),
            l("* LIST () \"/\" Normalized (OLDNAME (\"NonNormalized\"))"),
        ),
        // Items this crate does not know: the tag (an astring) and the raw value.
        same(
            l("* LIST () \"/\" x (X-THING (1 (2 \"three\")) \"tag two\" abc)"),
            xlist(
                &[],
                '/',
                "x",
                vec![
                    ListExtendedItem::Other { tag: istr("X-THING"), value: Bytes::from_static(b"(1 (2 \"three\"))") },
                    ListExtendedItem::Other { tag: istr("tag two"), value: Bytes::from_static(b"abc") },
                ],
            ),
        ),
    ];
    let counts = check("(g)", &rows);
    assert_eq!(counts.same + counts.canonical, rows.len());
}

// (g) SAVEDATE (RFC 8514 §5 ABNF: the RFC has no wire examples), PREVIEW (RFC 8970 §3
// examples) and OBJECTID (RFC 8474 §4-§6 examples)
// ---------------------------------------------------------------------------------------

fn oid(s: &str) -> imap_machine::types::ObjectId {
    imap_machine::types::ObjectId::try_from(s).unwrap()
}

#[test]
fn g_savedate_preview_objectid() {
    use FetchItem as I;
    let id = |s: &str| Some(oid(s));
    let status_id = |m: &str, s: &str| data(Data::Status { mailbox: mbx(m), items: vec![], mailbox_id: id(s) });
    let rows = vec![
        // RFC 8474 §4.1: CREATE and SELECT.
        same(
            l("3 OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Completed"),
            ok("3", Some(Code::MailboxId(oid("F2212ea87-6097-4256-9d51-71338625"))), "Completed"),
        ),
        same(
            l("* OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Ok"),
            untagged_ok(Some(Code::MailboxId(oid("F2212ea87-6097-4256-9d51-71338625"))), "Ok"),
        ),
        // §4.2: STATUS, also after other items and in LIST-STATUS.
        same(
            l("* STATUS foo (MAILBOXID (F2212ea87-6097-4256-9d51-71338625))"),
            status_id("foo", "F2212ea87-6097-4256-9d51-71338625"),
        ),
        same(
            l("* STATUS INBOX (MAILBOXID (Ff8e3ead4-9389-4aff-adb1-d8d89efd8cbf))"),
            status_id("INBOX", "Ff8e3ead4-9389-4aff-adb1-d8d89efd8cbf"),
        ),
        enc(
            l("* STATUS bar (MAILBOXID (F1) MESSAGES 3)"),
            data(Data::Status { mailbox: mbx("bar"), items: vec![(StatusItem::Messages, 3)], mailbox_id: id("F1") }),
            l("* STATUS bar (MESSAGES 3 MAILBOXID (F1))"),
        ),
        // §5.1, §5.2: FETCH EMAILID and THREADID, NIL when threads are not kept.
        same(
            l("* 1 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9))"),
            fetch(1, vec![I::EmailId(oid("M6d99ac3275bb4e")), I::ThreadId(id("T64b478a75b7ea9"))]),
        ),
        same(
            l("* 3 FETCH (EMAILID (M5fdc09b49ea703) THREADID (T11863d02dd95b5))"),
            fetch(3, vec![I::EmailId(oid("M5fdc09b49ea703")), I::ThreadId(id("T11863d02dd95b5"))]),
        ),
        same(
            l("* 2 FETCH (EMAILID (M00000002) THREADID NIL)"),
            fetch(2, vec![I::EmailId(oid("M00000002")), I::ThreadId(None)]),
        ),
        same(l("* CAPABILITY IMAP4rev1 OBJECTID"), capability(&["IMAP4rev1", "OBJECTID"])),
        // RFC 8970 §3: PREVIEW as a quoted string, a literal, empty and NIL.
        same(l("* 1 FETCH (PREVIEW \"Preview text!\")"), fetch(1, vec![I::Preview(ns("Preview text!"))])),
        same(
            cat(&[b"* 3 FETCH (PREVIEW {30}\r\n", b"Message data from message 3.\r\n", b")\r\n"]),
            fetch(3, vec![I::Preview(ns("Message data from message 3.\r\n"))]),
        ),
        same(l("* 2 FETCH (PREVIEW \"\" UID 2)"), fetch(2, vec![I::Preview(ns("")), I::Uid(2)])),
        same(l("* 9 FETCH (UID 23 PREVIEW NIL)"), fetch(9, vec![I::Uid(23), I::Preview(None)])),
        same(l("* 5 FETCH (UID 13 PREVIEW \"Preview!\")"), fetch(5, vec![I::Uid(13), I::Preview(ns("Preview!"))])),
        same(l("* CAPABILITY IMAP4rev1 PREVIEW SEARCHRES"), capability(&["IMAP4rev1", "PREVIEW", "SEARCHRES"])),
        // RFC 8514 §5: SAVEDATE as a date-time, or NIL where the mailbox keeps none.
        same(
            l("* 1 FETCH (UID 4 SAVEDATE \"06-Jan-2019 09:14:52 +0100\")"),
            fetch(1, vec![I::Uid(4), I::SaveDate(Some(DateTime::parse("06-Jan-2019 09:14:52 +0100").unwrap()))]),
        ),
        enc(l("* 2 FETCH (savedate nil)"), fetch(2, vec![I::SaveDate(None)]), l("* 2 FETCH (SAVEDATE NIL)")),
        same(l("* CAPABILITY IMAP4rev1 SAVEDATE"), capability(&["IMAP4rev1", "SAVEDATE"])),
        // Not an object id: outside the base64url set, empty, unbracketed.
        fails(l("* 1 FETCH (EMAILID (M.1))")),
        fails(l("* 1 FETCH (EMAILID ())")),
        fails(l("* 1 FETCH (EMAILID M1)")),
        fails(l("* 1 FETCH (SAVEDATE \"junk\")")),
    ];
    let counts = check("(g)", &rows);
    assert_eq!((counts.same + counts.canonical, counts.fail), (rows.len() - 4, 4));
}
