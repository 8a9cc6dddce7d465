//! Known-answer tests for client commands, checked in both directions.
//!
//! Every row holds the wire bytes of one command message and the [`Command`] value they
//! stand for, built by hand from the types. Each row is checked twice:
//!
//! 1. `parse_command(wire) == expected`;
//! 2. `parse_command(encode_command(expected)) == expected`, and where the canonical
//!    encoding is fixed, the encoded bytes themselves.
//!
//! Groups: (a) every command line of the RFC 3501 §6 examples, (b) every client line of
//! the RFC 3501 §8 sample session, (c) extension commands, (d) bad input that must give
//! an error (never a panic), including a framer limit, (e) the extended LIST of RFC 5258,
//! RFC 5819 and RFC 6154.

use std::num::NonZeroU32;
use std::panic::{catch_unwind, AssertUnwindSafe};

use bytes::{Bytes, BytesMut};
use imap_machine::codec::{
    encode_command, parse_authenticate_data, parse_command, parse_raw_command, AuthenticateData, EncodeOptions,
    FrameErrorKind, Framer, FramerEvent, FramerOptions, ParseErrorKind, Role,
};
use imap_machine::types::{
    AppendData, AppendMessage, Atom, AuthMechanism, Capability as Cap, CatPart, Command, CommandBody, Date, DateTime,
    FetchAttribute, FetchAttributes, Flag, IString, ListAttribute as LA, ListMailbox, ListOptionExtension, ListOptions,
    ListReturnOption as LRet, ListSelectOption as LSel, Literal, LiteralMode, Macro, Mailbox, Partial, RawCommand,
    RawCommandError, SearchKey, SearchReturn, Secret, Section, SectionText, SequenceSet, StatusItem, StoreKind, Tag,
};

const S6: &str = include_str!("transcripts/rfc3501-s6-commands.txt");
const S8: &str = include_str!("transcripts/rfc3501-s8.txt");

// ---------------------------------------------------------------------------------------
// Value helpers
// ---------------------------------------------------------------------------------------

fn tag(s: &str) -> Tag {
    Tag::try_from(s).unwrap()
}

fn istr(s: &str) -> IString {
    IString::try_from(s).unwrap()
}

/// A mailbox from its wire bytes (`INBOX` in any case is [`Mailbox::Inbox`]).
fn mbx(s: &str) -> Mailbox {
    Mailbox::from_wire(istr(s))
}

/// A LIST pattern from its wire bytes.
fn pat(s: &str) -> ListMailbox {
    ListMailbox::from_wire(istr(s))
}

fn seq(s: &str) -> SequenceSet {
    s.parse().unwrap()
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

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn date_time(s: &str) -> DateTime {
    DateTime::parse(s).unwrap()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn c(t: &str, body: CommandBody) -> Command {
    Command::new(tag(t), body)
}

fn login(user: &str, pass: &str) -> CommandBody {
    CommandBody::Login { username: istr(user), password: Secret::new(istr(pass)) }
}

fn authenticate(mechanism: &str, ir: Option<&'static [u8]>) -> CommandBody {
    CommandBody::Authenticate {
        mechanism: AuthMechanism::from(atom(mechanism)),
        initial_response: ir.map(|b| Secret::new(Bytes::from_static(b))),
    }
}

fn select(m: &str) -> CommandBody {
    CommandBody::select(mbx(m))
}

fn examine(m: &str) -> CommandBody {
    CommandBody::examine(mbx(m))
}

fn create(m: &str) -> CommandBody {
    CommandBody::Create { mailbox: mbx(m), special_use: vec![] }
}

fn delete(m: &str) -> CommandBody {
    CommandBody::Delete { mailbox: mbx(m) }
}

fn rename(from: &str, to: &str) -> CommandBody {
    CommandBody::Rename { from: mbx(from), to: mbx(to) }
}

fn list(reference: &str, pattern: &str) -> CommandBody {
    CommandBody::list(mbx(reference), pat(pattern))
}

fn lsub(reference: &str, pattern: &str) -> CommandBody {
    CommandBody::Lsub { reference: mbx(reference), pattern: pat(pattern) }
}

fn status(m: &str, items: &[StatusItem]) -> CommandBody {
    CommandBody::Status { mailbox: mbx(m), items: items.to_vec() }
}

fn append(m: &str, fl: &[&str], date: Option<&str>, message: Literal) -> CommandBody {
    CommandBody::Append { mailbox: mbx(m), flags: flags(fl), date: date.map(date_time), message }
}

fn search(charset: Option<&str>, criteria: Vec<SearchKey>, uid: bool) -> CommandBody {
    CommandBody::Search { ret: None, charset: charset.map(istr), criteria, uid }
}

/// An extended SEARCH (RFC 4731): `RETURN (ret)`.
fn esearch(ret: &[SearchReturn], criteria: Vec<SearchKey>, uid: bool) -> CommandBody {
    CommandBody::Search { ret: Some(ret.to_vec()), charset: None, criteria, uid }
}

fn fetch(set: &str, attributes: Vec<FetchAttribute>, uid: bool) -> CommandBody {
    CommandBody::Fetch { set: seq(set), attributes: FetchAttributes::List(attributes), uid, modifiers: vec![] }
}

fn fetch_macro(set: &str, m: Macro, uid: bool) -> CommandBody {
    CommandBody::Fetch { set: seq(set), attributes: FetchAttributes::Macro(m), uid, modifiers: vec![] }
}

/// `BODY[...]` / `BODY.PEEK[...]` with an optional `<offset.length>`.
fn body_section(peek: bool, part: &[u32], text: Option<SectionText>, partial: Option<(u32, u32)>) -> FetchAttribute {
    FetchAttribute::BodySection {
        peek,
        section: Section { part: part.iter().map(|&n| nz(n)).collect(), text },
        partial: partial.map(|(offset, length)| Partial { offset, length: nz(length) }),
    }
}

fn store(set: &str, kind: StoreKind, silent: bool, fl: &[&str], uid: bool) -> CommandBody {
    CommandBody::Store { unchanged_since: None, set: seq(set), kind, silent, flags: flags(fl), uid }
}

fn copy(set: &str, m: &str, uid: bool) -> CommandBody {
    CommandBody::Copy { set: seq(set), mailbox: mbx(m), uid }
}

fn move_(set: &str, m: &str, uid: bool) -> CommandBody {
    CommandBody::Move { set: seq(set), mailbox: mbx(m), uid }
}

fn not(k: SearchKey) -> SearchKey {
    SearchKey::Not(Box::new(k))
}

fn or(a: SearchKey, b: SearchKey) -> SearchKey {
    SearchKey::Or(Box::new(a), Box::new(b))
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

struct Row {
    wire: Vec<u8>,
    expected: Command,
    canon: Canon,
}

/// A row whose canonical encoding is its own wire form.
fn same(wire: impl AsRef<[u8]>, expected: Command) -> Row {
    Row { wire: wire.as_ref().to_vec(), expected, canon: Canon::Same }
}

/// A row whose canonical encoding differs from the wire form (case, quoting, parens...).
fn enc(wire: impl AsRef<[u8]>, expected: Command, canonical: impl AsRef<[u8]>) -> Row {
    Row { wire: wire.as_ref().to_vec(), expected, canon: Canon::Exact(canonical.as_ref().to_vec()) }
}

fn first_line(wire: &[u8]) -> String {
    let end = wire.windows(2).position(|w| w == b"\r\n").unwrap_or(wire.len());
    format!("{:?}", String::from_utf8_lossy(&wire[..end]))
}

fn encode(cmd: &Command) -> Vec<u8> {
    encode_command(cmd, &EncodeOptions::default(), &mut BytesMut::new()).to_vec()
}

/// Checks every row both ways; reports all failures at once, each naming its row.
/// Returns how many rows had their exact encoding asserted.
fn check(group: &str, rows: &[Row]) -> usize {
    let mut failures = Vec::new();
    let mut exact = 0;
    for (n, row) in rows.iter().enumerate() {
        let name = format!("{group} row {n} {}", first_line(&row.wire));
        // Direction 1: wire -> value.
        let parsed = catch_unwind(AssertUnwindSafe(|| parse_command(&Bytes::copy_from_slice(&row.wire))));
        match parsed {
            Ok(Ok(cmd)) if cmd == row.expected => {}
            Ok(Ok(cmd)) => failures.push(format!("{name}: parsed to\n    {cmd:?}\n  expected\n    {:?}", row.expected)),
            Ok(Err(e)) => failures.push(format!("{name}: parse failed: {e} ({:?})", e.kind)),
            Err(_) => failures.push(format!("{name}: parser panicked")),
        }
        // Direction 2: value -> wire -> value.
        let encoded = match catch_unwind(AssertUnwindSafe(|| encode(&row.expected))) {
            Ok(e) => e,
            Err(_) => {
                failures.push(format!("{name}: encoder panicked"));
                continue;
            }
        };
        match parse_command(&Bytes::from(encoded.clone())) {
            Ok(cmd) if cmd == row.expected => {}
            Ok(cmd) => failures.push(format!(
                "{name}: encoded {:?} parsed back to\n    {cmd:?}\n  expected\n    {:?}",
                String::from_utf8_lossy(&encoded),
                row.expected
            )),
            Err(e) => failures.push(format!(
                "{name}: encoded {:?} does not parse: {e} ({:?})",
                String::from_utf8_lossy(&encoded),
                e.kind
            )),
        }
        let want = match &row.canon {
            Canon::Same => &row.wire,
            Canon::Exact(b) => b,
        };
        exact += 1;
        if &encoded != want {
            failures.push(format!(
                "{name}: encoded as\n    {:?}\n  expected\n    {:?}",
                String::from_utf8_lossy(&encoded),
                String::from_utf8_lossy(want)
            ));
        }
    }
    assert!(failures.is_empty(), "{} failure(s) in group {group}:\n{}", failures.len(), failures.join("\n"));
    exact
}

/// The client lines of a transcript (`C: ` prefix removed), in order.
fn client_lines(transcript: &str) -> Vec<String> {
    transcript
        .lines()
        .filter_map(|l| l.strip_prefix("C:"))
        .map(|l| l.strip_prefix(' ').unwrap_or(l).to_string())
        .collect()
}

/// The lines of the given messages (split at CRLF, the final CRLF dropped), in order.
fn message_lines<'a>(wires: impl IntoIterator<Item = &'a [u8]>) -> Vec<String> {
    let mut out = Vec::new();
    for w in wires {
        let w = w.strip_suffix(b"\r\n").expect("message ends in CRLF");
        let text = std::str::from_utf8(w).expect("transcript rows are UTF-8");
        out.extend(text.split("\r\n").map(str::to_string));
    }
    out
}

// ---------------------------------------------------------------------------------------
// (a) RFC 3501 §6 examples
// ---------------------------------------------------------------------------------------

/// The 310-byte message of the §6.3.11 APPEND example.
const APPEND_310: &[u8] = b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n\
From: Fred Foobar <foobar@Blurdybloop.COM>\r\n\
Subject: afternoon meeting\r\n\
To: mooch@owatagu.siam.edu\r\n\
Message-Id: <B27397-0100000@Blurdybloop.COM>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\
\r\n\
Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";

/// The unknown command of §6.5.1, which must fail.
const XPIG_LATIN: &[u8] = b"A442 XPIG-LATIN\r\n";

fn rows_s6() -> Vec<Row> {
    use CommandBody::*;
    use SearchKey as K;
    vec![
        // 6.1.1 CAPABILITY
        same(b"abcd CAPABILITY\r\n", c("abcd", Capability)),
        same(b"efgh STARTTLS\r\n", c("efgh", StartTls)),
        same(b"ijkl CAPABILITY\r\n", c("ijkl", Capability)),
        // 6.1.2 NOOP
        same(b"a002 NOOP\r\n", c("a002", Noop)),
        same(b"a047 NOOP\r\n", c("a047", Noop)),
        // 6.1.3 LOGOUT
        same(b"A023 LOGOUT\r\n", c("A023", Logout)),
        // 6.2.1 STARTTLS
        same(b"a001 CAPABILITY\r\n", c("a001", Capability)),
        same(b"a002 STARTTLS\r\n", c("a002", StartTls)),
        same(b"a003 CAPABILITY\r\n", c("a003", Capability)),
        same(b"a004 LOGIN joe password\r\n", c("a004", login("joe", "password"))),
        // 6.2.2 AUTHENTICATE (the continuation lines are checked separately)
        same(b"A001 AUTHENTICATE GSSAPI\r\n", c("A001", authenticate("GSSAPI", None))),
        // 6.2.3 LOGIN
        same(b"a001 LOGIN SMITH SESAME\r\n", c("a001", login("SMITH", "SESAME"))),
        // 6.3.1 SELECT
        same(b"A142 SELECT INBOX\r\n", c("A142", CommandBody::select(Mailbox::Inbox))),
        // 6.3.2 EXAMINE
        same(b"A932 EXAMINE blurdybloop\r\n", c("A932", examine("blurdybloop"))),
        // 6.3.3 CREATE
        same(b"A003 CREATE owatagusiam/\r\n", c("A003", create("owatagusiam/"))),
        same(b"A004 CREATE owatagusiam/blurdybloop\r\n", c("A004", create("owatagusiam/blurdybloop"))),
        // 6.3.4 DELETE
        same(b"A682 LIST \"\" *\r\n", c("A682", list("", "*"))),
        same(b"A683 DELETE blurdybloop\r\n", c("A683", delete("blurdybloop"))),
        same(b"A684 DELETE foo\r\n", c("A684", delete("foo"))),
        same(b"A685 DELETE foo/bar\r\n", c("A685", delete("foo/bar"))),
        same(b"A686 LIST \"\" *\r\n", c("A686", list("", "*"))),
        same(b"A687 DELETE foo\r\n", c("A687", delete("foo"))),
        same(b"A82 LIST \"\" *\r\n", c("A82", list("", "*"))),
        same(b"A83 DELETE blurdybloop\r\n", c("A83", delete("blurdybloop"))),
        same(b"A84 DELETE foo\r\n", c("A84", delete("foo"))),
        same(b"A85 LIST \"\" *\r\n", c("A85", list("", "*"))),
        same(b"A86 LIST \"\" %\r\n", c("A86", list("", "%"))),
        // 6.3.5 RENAME
        same(b"A682 LIST \"\" *\r\n", c("A682", list("", "*"))),
        same(b"A683 RENAME blurdybloop sarasoop\r\n", c("A683", rename("blurdybloop", "sarasoop"))),
        same(b"A684 RENAME foo zowie\r\n", c("A684", rename("foo", "zowie"))),
        same(b"A685 LIST \"\" *\r\n", c("A685", list("", "*"))),
        same(b"Z432 LIST \"\" *\r\n", c("Z432", list("", "*"))),
        same(b"Z433 RENAME INBOX old-mail\r\n", c("Z433", Rename { from: Mailbox::Inbox, to: mbx("old-mail") })),
        same(b"Z434 LIST \"\" *\r\n", c("Z434", list("", "*"))),
        // 6.3.6 SUBSCRIBE
        same(b"A002 SUBSCRIBE #news.comp.mail.mime\r\n", c("A002", Subscribe { mailbox: mbx("#news.comp.mail.mime") })),
        // 6.3.7 UNSUBSCRIBE
        same(
            b"A002 UNSUBSCRIBE #news.comp.mail.mime\r\n",
            c("A002", Unsubscribe { mailbox: mbx("#news.comp.mail.mime") }),
        ),
        // 6.3.8 LIST
        same(b"A101 LIST \"\" \"\"\r\n", c("A101", list("", ""))),
        same(b"A102 LIST #news.comp.mail.misc \"\"\r\n", c("A102", list("#news.comp.mail.misc", ""))),
        same(b"A103 LIST /usr/staff/jones \"\"\r\n", c("A103", list("/usr/staff/jones", ""))),
        same(b"A202 LIST ~/Mail/ %\r\n", c("A202", list("~/Mail/", "%"))),
        // 6.3.9 LSUB: both arguments need no quotes, so the encoder drops them.
        enc(
            b"A002 LSUB \"#news.\" \"comp.mail.*\"\r\n",
            c("A002", lsub("#news.", "comp.mail.*")),
            b"A002 LSUB #news. comp.mail.*\r\n",
        ),
        enc(
            b"A003 LSUB \"#news.\" \"comp.%\"\r\n",
            c("A003", lsub("#news.", "comp.%")),
            b"A003 LSUB #news. comp.%\r\n",
        ),
        // 6.3.10 STATUS
        same(
            b"A042 STATUS blurdybloop (UIDNEXT MESSAGES)\r\n",
            c("A042", status("blurdybloop", &[StatusItem::UidNext, StatusItem::Messages])),
        ),
        // 6.3.11 APPEND: the literal line, its 310 bytes and the final CRLF as one message.
        same(
            cat(&[b"A003 APPEND saved-messages (\\Seen) {310}\r\n", APPEND_310, b"\r\n"]),
            c("A003", append("saved-messages", &["\\Seen"], None, Literal::new(APPEND_310).unwrap())),
        ),
        // 6.4.1 CHECK
        same(b"FXXZ CHECK\r\n", c("FXXZ", Check)),
        // 6.4.2 CLOSE
        same(b"A341 CLOSE\r\n", c("A341", Close)),
        // 6.4.3 EXPUNGE
        same(b"A202 EXPUNGE\r\n", c("A202", Expunge)),
        // 6.4.4 SEARCH: "Smith" is an atom, so its quotes go; the literal becomes an atom.
        enc(
            b"A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
            c("A282", search(None, vec![K::Flagged, K::Since(date("1-Feb-1994")), not(K::From(istr("Smith")))], false)),
            b"A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM Smith\r\n",
        ),
        same(
            b"A283 SEARCH TEXT \"string not in mailbox\"\r\n",
            c("A283", search(None, vec![K::Text(istr("string not in mailbox"))], false)),
        ),
        enc(
            b"A284 SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX\r\n",
            c("A284", search(Some("UTF-8"), vec![K::Text(istr("XXXXXX"))], false)),
            b"A284 SEARCH CHARSET UTF-8 TEXT XXXXXX\r\n",
        ),
        // 6.4.5 FETCH
        same(
            b"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n",
            c(
                "A654",
                fetch(
                    "2:4",
                    vec![
                        FetchAttribute::Flags,
                        body_section(
                            false,
                            &[],
                            Some(SectionText::HeaderFields(vec![istr("DATE"), istr("FROM")])),
                            None,
                        ),
                    ],
                    false,
                ),
            ),
        ),
        // 6.4.6 STORE
        same(
            b"A003 STORE 2:4 +FLAGS (\\Deleted)\r\n",
            c("A003", store("2:4", StoreKind::Add, false, &["\\Deleted"], false)),
        ),
        // 6.4.7 COPY
        same(b"A003 COPY 2:4 MEETING\r\n", c("A003", copy("2:4", "MEETING", false))),
        // 6.4.8 UID: a single attribute is written without parentheses.
        same(
            b"A999 UID FETCH 4827313:4828442 FLAGS\r\n",
            c("A999", fetch("4827313:4828442", vec![FetchAttribute::Flags], true)),
        ),
        // 6.5.1 X<atom> (A442 XPIG-LATIN is checked as an error below)
        same(b"a441 CAPABILITY\r\n", c("a441", Capability)),
    ]
}

#[test]
fn a_rfc3501_section6_examples() {
    assert_eq!(APPEND_310.len(), 310);
    let rows = rows_s6();
    let exact = check("(a)", &rows);
    assert_eq!(exact, rows.len());

    // §6.5.1: an unknown command fails, pointing at the command name.
    let err = parse_command(&Bytes::from_static(XPIG_LATIN)).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::UnknownCommand);
    assert_eq!(err.offset, 5);

    // Every C: line of the transcript is covered, in order: the rows' lines (a literal's
    // payload lines included) plus the unknown command, minus the three lines of the
    // AUTHENTICATE exchange.
    let mut transcript = client_lines(S6);
    let auth = transcript.iter().position(|l| l == "A001 AUTHENTICATE GSSAPI").expect("AUTHENTICATE example");
    let continuation: Vec<String> = transcript.drain(auth + 1..auth + 4).collect();
    let table = message_lines(rows.iter().map(|r| &r.wire[..]).chain([XPIG_LATIN]));
    assert_eq!(transcript, table);

    // The skipped AUTHENTICATE lines are client responses, not commands.
    assert_eq!(continuation.len(), 3);
    assert_eq!(continuation[1], "");
    for line in &continuation {
        let wire = Bytes::from(format!("{line}\r\n"));
        match parse_authenticate_data(&wire) {
            Ok(AuthenticateData::Response(r)) => assert_eq!(r.expose().is_empty(), line.is_empty(), "{line:?}"),
            other => panic!("AUTHENTICATE line {line:?}: {other:?}"),
        }
        assert!(parse_command(&wire).is_err(), "{line:?} is not a command");
    }
}

// ---------------------------------------------------------------------------------------
// (b) RFC 3501 §8 sample session
// ---------------------------------------------------------------------------------------

fn rows_s8() -> Vec<Row> {
    use CommandBody::*;
    vec![
        enc(b"a001 login mrc secret\r\n", c("a001", login("mrc", "secret")), b"a001 LOGIN mrc secret\r\n"),
        enc(b"a002 select inbox\r\n", c("a002", CommandBody::select(Mailbox::Inbox)), b"a002 SELECT INBOX\r\n"),
        enc(b"a003 fetch 12 full\r\n", c("a003", fetch_macro("12", Macro::Full, false)), b"a003 FETCH 12 FULL\r\n"),
        enc(
            b"a004 fetch 12 body[header]\r\n",
            c("a004", fetch("12", vec![body_section(false, &[], Some(SectionText::Header), None)], false)),
            b"a004 FETCH 12 BODY[HEADER]\r\n",
        ),
        enc(
            b"a005 store 12 +flags \\deleted\r\n",
            c("a005", store("12", StoreKind::Add, false, &["\\Deleted"], false)),
            b"a005 STORE 12 +FLAGS (\\Deleted)\r\n",
        ),
        enc(b"a006 logout\r\n", c("a006", Logout), b"a006 LOGOUT\r\n"),
    ]
}

#[test]
fn b_rfc3501_section8_session() {
    let rows = rows_s8();
    let exact = check("(b)", &rows);
    assert_eq!(exact, rows.len());
    // Every C: line of the session is a row, in order.
    assert_eq!(client_lines(S8), message_lines(rows.iter().map(|r| &r.wire[..])));
}

// ---------------------------------------------------------------------------------------
// (c) Extension commands
// ---------------------------------------------------------------------------------------

fn rows_ext() -> Vec<Row> {
    use CommandBody::*;
    use FetchAttribute as F;
    use SearchKey as K;
    vec![
        // IDLE (RFC 2177)
        same(b"c01 IDLE\r\n", c("c01", Idle)),
        // MOVE / UID MOVE (RFC 6851)
        same(b"c02 MOVE 1:3 Archive\r\n", c("c02", move_("1:3", "Archive", false))),
        same(b"c03 UID MOVE 42,50:* \"Saved Mail\"\r\n", c("c03", move_("42,50:*", "Saved Mail", true))),
        // UID EXPUNGE (RFC 4315)
        same(b"c04 UID EXPUNGE 3000:3002\r\n", c("c04", UidExpunge { set: seq("3000:3002") })),
        // UNSELECT (RFC 3691)
        same(b"c05 UNSELECT\r\n", c("c05", Unselect)),
        // ENABLE (RFC 5161): known names are typed and upper-cased, others kept as sent.
        same(
            b"c06 ENABLE CONDSTORE QRESYNC\r\n",
            c("c06", Enable { capabilities: vec![Cap::CondStore, Cap::QResync] }),
        ),
        enc(
            b"c07 enable utf8=accept X-Custom\r\n",
            c("c07", Enable { capabilities: vec![Cap::Utf8Accept, Cap::Other(atom("X-Custom"))] }),
            b"c07 ENABLE UTF8=ACCEPT X-Custom\r\n",
        ),
        // NAMESPACE (RFC 2342)
        same(b"c08 NAMESPACE\r\n", c("c08", Namespace)),
        // ID (RFC 2971)
        same(b"c09 ID NIL\r\n", c("c09", Id { parameters: None })),
        same(
            b"c10 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" NIL)\r\n",
            c(
                "c10",
                Id {
                    parameters: Some(vec![
                        (istr("name"), Some(istr("sodr"))),
                        (istr("version"), Some(istr("19.34"))),
                        (istr("vendor"), None),
                    ]),
                },
            ),
        ),
        // AUTHENTICATE with an initial response (RFC 4959 SASL-IR), and with "=".
        same(b"c11 AUTHENTICATE PLAIN AGpvZQBwYXNz\r\n", c("c11", authenticate("PLAIN", Some(&b"\0joe\0pass"[..])))),
        same(b"c12 AUTHENTICATE EXTERNAL =\r\n", c("c12", authenticate("EXTERNAL", Some(&b""[..])))),
        // APPEND with a non-synchronising literal (RFC 7888): the default policy
        // re-encodes it as a synchronising one.
        enc(
            b"c13 APPEND INBOX (\\Seen $Label) \"17-Jul-1996 02:44:25 -0700\" {5+}\r\nhello\r\n",
            c("c13", append("INBOX", &["\\Seen", "$Label"], Some("17-Jul-1996 02:44:25 -0700"), Literal::new(&b"hello"[..]).unwrap())),
            b"c13 APPEND INBOX (\\Seen $Label) \"17-Jul-1996 02:44:25 -0700\" {5}\r\nhello\r\n",
        ),
        // APPEND with a binary literal (RFC 3516), which may carry NUL.
        same(b"c14 APPEND Drafts ~{5}\r\nhe\0lo\r\n", c("c14", append("Drafts", &[], None, Literal::binary(&b"he\0lo"[..])))),
        // STARTTLS
        same(b"c15 STARTTLS\r\n", c("c15", StartTls)),
        // FETCH BINARY.PEEK / BINARY.SIZE (RFC 3516)
        same(
            b"c16 FETCH 1 (BINARY.PEEK[1]<0.10> BINARY.SIZE[2])\r\n",
            c(
                "c16",
                fetch(
                    "1",
                    vec![
                        F::Binary { peek: true, part: vec![nz(1)], partial: Some(Partial { offset: 0, length: nz(10) }) },
                        F::BinarySize { part: vec![nz(2)] },
                    ],
                    false,
                ),
            ),
        ),
        // BODY.PEEK[1.2.MIME], a single attribute: no parentheses.
        same(
            b"c17 FETCH 1 BODY.PEEK[1.2.MIME]\r\n",
            c("c17", fetch("1", vec![body_section(true, &[1, 2], Some(SectionText::Mime), None)], false)),
        ),
        // BODY[HEADER.FIELDS.NOT (...)] with a partial.
        same(
            b"c18 UID FETCH 1:* (UID BODY[HEADER.FIELDS.NOT (Received X-Spam)]<0.2048>)\r\n",
            c(
                "c18",
                fetch(
                    "1:*",
                    vec![
                        F::Uid,
                        body_section(
                            false,
                            &[],
                            Some(SectionText::HeaderFieldsNot(vec![istr("Received"), istr("X-Spam")])),
                            Some((0, 2048)),
                        ),
                    ],
                    true,
                ),
            ),
        ),
        // A SEARCH with OR, NOT, nested parentheses, UID set, HEADER, KEYWORD, LARGER and
        // a bare sequence set.
        same(
            b"c19 UID SEARCH OR (FROM alice NOT SEEN) ((UID 1:100,200) KEYWORD $Label) NOT HEADER X-Mailer \"Foo Bar\" LARGER 1024 2,4:*\r\n",
            c(
                "c19",
                search(
                    None,
                    vec![
                        or(
                            K::And(vec![K::From(istr("alice")), not(K::Seen)]),
                            K::And(vec![K::And(vec![K::Uid(seq("1:100,200"))]), K::Keyword(atom("$Label"))]),
                        ),
                        not(K::Header(istr("X-Mailer"), istr("Foo Bar"))),
                        K::Larger(1024),
                        K::SequenceSet(seq("2,4:*")),
                    ],
                    true,
                ),
            ),
        ),
        // More SEARCH keys: a quoted date loses its quotes.
        enc(
            b"c20 SEARCH SINCE \"1-Feb-1994\" UNKEYWORD $Junk SMALLER 10 BCC \"\"\r\n",
            c(
                "c20",
                search(
                    None,
                    vec![K::Since(date("1-Feb-1994")), K::Unkeyword(atom("$Junk")), K::Smaller(10), K::Bcc(istr(""))],
                    false,
                ),
            ),
            b"c20 SEARCH SINCE 1-Feb-1994 UNKEYWORD $Junk SMALLER 10 BCC \"\"\r\n",
        ),
        // STORE -FLAGS.SILENT
        same(
            b"c21 STORE 1:* -FLAGS.SILENT (\\Seen \\Flagged)\r\n",
            c("c21", store("1:*", StoreKind::Remove, true, &["\\Seen", "\\Flagged"], false)),
        ),
        // STORE with the unparenthesised flag form; the encoder adds the parentheses.
        enc(
            b"c22 UID STORE 7 FLAGS \\Answered $Forwarded\r\n",
            c("c22", store("7", StoreKind::Replace, false, &["\\Answered", "$Forwarded"], true)),
            b"c22 UID STORE 7 FLAGS (\\Answered $Forwarded)\r\n",
        ),
        // STATUS with APPENDLIMIT (RFC 7889)
        same(
            b"c23 STATUS INBOX (MESSAGES APPENDLIMIT)\r\n",
            c("c23", status("INBOX", &[StatusItem::Messages, StatusItem::AppendLimit])),
        ),
        // LIST with quoted modified UTF-7 names: quotes go where no quoting is needed.
        enc(
            b"c24 LIST \"\" \"Entw&APw-rfe/%\"\r\n",
            c("c24", CommandBody::list(mbx(""), ListMailbox::from_utf8("Entw\u{fc}rfe/%").unwrap())),
            b"c24 LIST \"\" Entw&APw-rfe/%\r\n",
        ),
        enc(
            b"c25 LIST \"&ZeVnLIqe-\" \"Gel&APY-schte Elemente\"\r\n",
            c(
                "c25",
                CommandBody::list(
                    Mailbox::from_utf8("\u{65e5}\u{672c}\u{8a9e}").unwrap(),
                    ListMailbox::from_utf8("Gel\u{f6}schte Elemente").unwrap(),
                ),
            ),
            b"c25 LIST &ZeVnLIqe- \"Gel&APY-schte Elemente\"\r\n",
        ),
        // Strings that need quotes or a literal keep them.
        same(b"c26 SELECT \"Sent Items\"\r\n", c("c26", select("Sent Items"))),
        same(b"c27 LOGIN \"joe smith\" {4}\r\np\r\nw\r\n", c("c27", login("joe smith", "p\r\nw"))),
        // Other FETCH attributes, and a lower-case UID COPY.
        same(
            b"c28 FETCH 5 (BODY[]<0.1024> RFC822.SIZE ENVELOPE BODYSTRUCTURE INTERNALDATE)\r\n",
            c(
                "c28",
                fetch(
                    "5",
                    vec![body_section(false, &[], None, Some((0, 1024))), F::Rfc822Size, F::Envelope, F::BodyStructure, F::InternalDate],
                    false,
                ),
            ),
        ),
        enc(b"c29 uid copy 1:5 inbox\r\n", c("c29", copy("1:5", "INBOX", true)), b"c29 UID COPY 1:5 INBOX\r\n"),
        // ESEARCH (RFC 4731 §3.1 examples); RETURN precedes CHARSET.
        enc(
            b"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
            c(
                "A282",
                esearch(
                    &[SearchReturn::Min, SearchReturn::Count],
                    vec![K::Flagged, K::Since(date("1-Feb-1994")), not(K::From(istr("Smith")))],
                    false,
                ),
            ),
            b"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM Smith\r\n",
        ),
        same(b"A283 SEARCH RETURN () FLAGGED\r\n", c("A283", esearch(&[], vec![K::Flagged], false))),
        same(b"A284 SEARCH RETURN (MIN) UNSEEN\r\n", c("A284", esearch(&[SearchReturn::Min], vec![K::Unseen], false))),
        // SEARCHRES (RFC 5182 §2.5 examples): SAVE, and `$` for a sequence set.
        same(
            b"A282 SEARCH RETURN (SAVE) FLAGGED SINCE 1-Feb-1994\r\n",
            c("A282", esearch(&[SearchReturn::Save], vec![K::Flagged, K::Since(date("1-Feb-1994"))], false)),
        ),
        same(
            b"A283 FETCH $ (UID INTERNALDATE FLAGS RFC822.HEADER)\r\n",
            c(
                "A283",
                fetch("$", vec![F::Uid, F::InternalDate, F::Flags, F::Rfc822Header], false),
            ),
        ),
        same(
            b"A301 UID SEARCH UID $ SMALLER 4096\r\n",
            c("A301", search(None, vec![K::Uid(SequenceSet::saved()), K::Smaller(4096)], true)),
        ),
        same(
            b"P283 SEARCH (OR $ 1,3000:3021) TEXT Y\r\n",
            c(
                "P283",
                search(
                    None,
                    vec![K::And(vec![or(K::SequenceSet(SequenceSet::saved()), K::SequenceSet(seq("1,3000:3021")))]), K::Text(istr("Y"))],
                    false,
                ),
            ),
        ),
        same(b"E283 COPY $ \"Other Messages\"\r\n", c("E283", copy("$", "Other Messages", false))),
        same(
            b"C285 SEARCH RETURN (MAX SAVE MIN) SINCE 12-Feb-2006\r\n",
            c(
                "C285",
                esearch(&[SearchReturn::Max, SearchReturn::Save, SearchReturn::Min], vec![K::Since(date("12-Feb-2006"))], false),
            ),
        ),
        // CREATE-SPECIAL-USE (RFC 6154 §5.3 example).
        same(
            b"t2 CREATE MySpecial (USE (\\Drafts \\Sent))\r\n",
            c("t2", Create { mailbox: mbx("MySpecial"), special_use: vec![LA::Drafts, LA::Sent] }),
        ),
        same(b"t3 CREATE Everything (USE (\\All))\r\n", c("t3", Create { mailbox: mbx("Everything"), special_use: vec![LA::All] })),
        enc(b"t4 create x (use ())\r\n", c("t4", Create { mailbox: mbx("x"), special_use: vec![] }), b"t4 CREATE x\r\n"),
        // WITHIN (RFC 5032 §4 example).
        same(b"a1 SEARCH UNSEEN YOUNGER 259200\r\n", c("a1", search(None, vec![K::Unseen, K::Younger(259200)], false))),
        enc(
            b"a2 uid search older 60 not younger 1\r\n",
            c("a2", search(None, vec![K::Older(60), not(K::Younger(1))], true)),
            b"a2 UID SEARCH OLDER 60 NOT YOUNGER 1\r\n",
        ),
        same(
            b"A285 UID SEARCH RETURN (MIN MAX) 1:5000\r\n",
            c("A285", esearch(&[SearchReturn::Min, SearchReturn::Max], vec![K::SequenceSet(seq("1:5000"))], true)),
        ),
        enc(
            b"A286 search return (count all) deleted\r\n",
            c("A286", esearch(&[SearchReturn::Count, SearchReturn::All], vec![K::Deleted], false)),
            b"A286 SEARCH RETURN (COUNT ALL) DELETED\r\n",
        ),
        same(
            b"A287 SEARCH RETURN (ALL) CHARSET UTF-8 SUBJECT x\r\n",
            c(
                "A287",
                CommandBody::Search {
                    ret: Some(vec![SearchReturn::All]),
                    charset: Some(istr("UTF-8")),
                    criteria: vec![K::Subject(istr("x"))],
                    uid: false,
                },
            ),
        ),
        // UNAUTHENTICATE (RFC 8437 §6: `command-auth =/ "UNAUTHENTICATE"`), no arguments.
        same(b"c30 UNAUTHENTICATE\r\n", c("c30", Unauthenticate)),
        enc(b"c31 unauthenticate\r\n", c("c31", Unauthenticate), b"c31 UNAUTHENTICATE\r\n"),
        // STATUS=SIZE (the RFC 8438 §3 example).
        same(
            b"A01 STATUS frop (MESSAGES SIZE UIDNEXT)\r\n",
            c("A01", status("frop", &[StatusItem::Messages, StatusItem::Size, StatusItem::UidNext])),
        ),
        enc(
            b"A02 status frop (size)\r\n",
            c("A02", status("frop", &[StatusItem::Size])),
            b"A02 STATUS frop (SIZE)\r\n",
        ),
    ]
}

#[test]
fn c_extension_commands() {
    // The mUTF-7 helpers give the wire names the rows are written with.
    assert_eq!(ListMailbox::from_utf8("Entw\u{fc}rfe/%").unwrap(), pat("Entw&APw-rfe/%"));
    assert_eq!(Mailbox::from_utf8("\u{65e5}\u{672c}\u{8a9e}").unwrap(), mbx("&ZeVnLIqe-"));
    assert_eq!(ListMailbox::from_utf8("Gel\u{f6}schte Elemente").unwrap(), pat("Gel&APY-schte Elemente"));
    let rows = rows_ext();
    let exact = check("(c)", &rows);
    assert_eq!(exact, rows.len());
}

// ---------------------------------------------------------------------------------------
// (c2) MULTIAPPEND (RFC 3502 §6) and CATENATE (RFC 4469 Appendix A)
// ---------------------------------------------------------------------------------------

const M3502_1: &[u8] = b"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n\
From: Fred Foobar <foobar@Blurdybloop.example.COM>\r\n\
Subject: afternoon meeting\r\n\
To: mooch@owatagu.example.net\r\n\
Message-Id: <B27397-0100000@Blurdybloop.example.COM>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\
\r\n\
Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";

const M3502_2: &[u8] = b"Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)\r\n\
From: Joe Mooch <mooch@OWaTaGu.example.net>\r\n\
Subject: Re: afternoon meeting\r\n\
To: foobar@blurdybloop.example.com\r\n\
Message-Id: <a0434793874930@OWaTaGu.example.net>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\
\r\n\
3:30 is fine with me.\r\n";

const B4469_1: &[u8] = b"\r\n--------------030308070208000400050907\r\n";
const B4469_1_END: &[u8] = b"\r\n--------------030308070208000400050907--\r\n";
const B4469_3: &[u8] = b"\r\n--------------030308070208000400050903\r\n";
const T4469_3: &[u8] = b"\r\n--------------030308070208000400050903\r\n\
Content-type: text/plain; charset=\"us-ascii\"\r\n\
Content-transfer-encoding: 7bit\r\n\
\r\n\
This body part contained a Power Point presentation that was\r\n\
deleted upon your request.\r\n\
--------------030308070208000400050903--\r\n";

fn lit(b: &'static [u8]) -> Literal {
    Literal::new(b).unwrap()
}

fn msg(fl: &[&str], date: Option<&str>, data: AppendData) -> AppendMessage {
    AppendMessage { flags: flags(fl), date: date.map(date_time), data }
}

fn multi(m: &str, messages: Vec<AppendMessage>) -> CommandBody {
    CommandBody::MultiAppend { mailbox: mbx(m), messages }
}

fn url(u: &str) -> CatPart {
    CatPart::Url(istr(u))
}

fn rows_append() -> Vec<Row> {
    use AppendData::{Catenate, Literal as L};
    use CatPart::Text;
    let drafts = "/Drafts;UIDVALIDITY=385759045/;UID=20";
    let drafts21 = "/Drafts;UIDVALIDITY=385759045/;UID=21";
    // RFC 4469 example 1, one line; the URLs are all ASTRING-CHARs, so the canonical
    // encoding writes them bare.
    let ex1 = |quote: bool| {
        let q = if quote { "\"" } else { "" };
        cat(&[
            format!("A003 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL {q}{drafts}/;section=HEADER{q} TEXT {{42}}\r\n").as_bytes(),
            B4469_1,
            format!(" URL {q}{drafts}/;section=1.MIME{q} URL {q}{drafts}/;section=1{q} TEXT {{42}}\r\n").as_bytes(),
            B4469_1,
            format!(" URL {q}/Drafts;UIDVALIDITY=385759045/;UID=30{q} TEXT {{44}}\r\n").as_bytes(),
            B4469_1_END,
            b")\r\n",
        ])
    };
    let ex1_value = c(
        "A003",
        multi(
            "Drafts",
            vec![msg(
                &["\\Seen", "\\Draft", "$MDNSent"],
                None,
                Catenate(vec![
                    url(&format!("{drafts}/;section=HEADER")),
                    Text(lit(B4469_1)),
                    url(&format!("{drafts}/;section=1.MIME")),
                    url(&format!("{drafts}/;section=1")),
                    Text(lit(B4469_1)),
                    url("/Drafts;UIDVALIDITY=385759045/;UID=30"),
                    Text(lit(B4469_1_END)),
                ]),
            )],
        ),
    );
    let ex3 = |quote: bool| {
        let q = if quote { "\"" } else { "" };
        cat(&[
            format!("A003 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL {q}{drafts21}/;section=HEADER{q} TEXT {{42}}\r\n").as_bytes(),
            B4469_3,
            format!(" URL {q}{drafts21}/;section=1.MIME{q} URL {q}{drafts21}/;section=1{q} TEXT {{255}}\r\n").as_bytes(),
            T4469_3,
            b")\r\n",
        ])
    };
    let ex3_value = c(
        "A003",
        multi(
            "Drafts",
            vec![msg(
                &["\\Seen", "\\Draft", "$MDNSent"],
                None,
                Catenate(vec![
                    url(&format!("{drafts21}/;section=HEADER")),
                    Text(lit(B4469_3)),
                    url(&format!("{drafts21}/;section=1.MIME")),
                    url(&format!("{drafts21}/;section=1")),
                    Text(lit(T4469_3)),
                ]),
            )],
        ),
    );
    vec![
        // RFC 3502 §6: two messages, the second with a date.
        // The canonical date-time writes the day with two digits.
        enc(
            cat(&[
                b"A003 APPEND saved-messages (\\Seen) {329}\r\n",
                M3502_1,
                b" (\\Seen) \" 7-Feb-1994 22:43:04 -0800\" {295}\r\n",
                M3502_2,
                b"\r\n",
            ]),
            c(
                "A003",
                multi(
                    "saved-messages",
                    vec![
                        msg(&["\\Seen"], None, L(lit(M3502_1))),
                        msg(&["\\Seen"], Some(" 7-Feb-1994 22:43:04 -0800"), L(lit(M3502_2))),
                    ],
                ),
            ),
            cat(&[
                b"A003 APPEND saved-messages (\\Seen) {329}\r\n",
                M3502_1,
                b" (\\Seen) \"07-Feb-1994 22:43:04 -0800\" {295}\r\n",
                M3502_2,
                b"\r\n",
            ]),
        ),
        // RFC 3502 §6, the refused ones: one message each, the plain APPEND.
        same(
            b"A005 APPEND test (\\Flagged) {5}\r\nhello\r\n",
            c("A005", append("test", &["\\Flagged"], None, lit(b"hello"))),
        ),
        // Without flags and dates, a literal8 among them (RFC 3516), LITERAL+ re-encoded.
        enc(
            b"m1 APPEND INBOX {1+}\r\na ~{2+}\r\nb\0 (\\Draft) {1+}\r\nc\r\n",
            c(
                "m1",
                multi(
                    "INBOX",
                    vec![
                        msg(&[], None, L(lit(b"a"))),
                        msg(&[], None, L(Literal::binary(&b"b\0"[..]))),
                        msg(&["\\Draft"], None, L(lit(b"c"))),
                    ],
                ),
            ),
            b"m1 APPEND INBOX {1}\r\na ~{2}\r\nb\0 (\\Draft) {1}\r\nc\r\n",
        ),
        // RFC 4469 example 1 (URLs quoted on the wire) and example 3.
        enc(ex1(true), ex1_value, ex1(false)),
        enc(ex3(true), ex3_value, ex3(false)),
        // A CATENATE message after a plain one, lower case, a URL as a literal.
        enc(
            b"m2 append INBOX {1}\r\na catenate (text {2}\r\nhi url {3}\r\n/;x)\r\n",
            c(
                "m2",
                multi(
                    "INBOX",
                    vec![msg(&[], None, L(lit(b"a"))), msg(&[], None, Catenate(vec![Text(lit(b"hi")), url("/;x")]))],
                ),
            ),
            b"m2 APPEND INBOX {1}\r\na CATENATE (TEXT {2}\r\nhi URL /;x)\r\n",
        ),
    ]
}

#[test]
fn c2_multiappend_catenate() {
    let rows = rows_append();
    let exact = check("(c2)", &rows);
    assert_eq!(exact, rows.len());
    // Malformed extended APPENDs fail (never panic).
    for bad in [
        &b"m APPEND INBOX CATENATE ()\r\n"[..],
        b"m APPEND INBOX CATENATE (TEXT x)\r\n",
        b"m APPEND INBOX {1}\r\na CATENATE (URL)\r\n",
        b"m APPEND INBOX {1}\r\na (\\Seen)\r\n",
        b"m APPEND INBOX {1}\r\na \r\n",
    ] {
        assert!(parse_command(&Bytes::from_static(bad)).is_err(), "{:?}", String::from_utf8_lossy(bad));
    }
}

// ---------------------------------------------------------------------------------------
// (d) Bad input
// ---------------------------------------------------------------------------------------

/// What a bad input must fail with.
#[derive(Debug)]
enum Want {
    /// Exactly this kind.
    Kind(ParseErrorKind),
    /// Some `ParseErrorKind::Expected(_)`.
    Expected,
}

fn bad(wire: &'static [u8], want: Want, offset: usize) -> (&'static [u8], Want, usize) {
    (wire, want, offset)
}

fn rows_bad() -> Vec<(&'static [u8], Want, usize)> {
    use ParseErrorKind as E;
    use Want::*;
    vec![
        // Wrong argument counts.
        bad(b"a SELECT\r\n", Expected, 8),
        bad(b"a SELECT a b\r\n", Expected, 10),
        bad(b"a LOGIN x\r\n", Expected, 9),
        bad(b"a NOOP x\r\n", Expected, 6),
        bad(b"a UNAUTHENTICATE x\r\n", Expected, 16),
        bad(b"a RENAME a\r\n", Expected, 10),
        bad(b"a ENABLE\r\n", Expected, 8),
        // OLDER and YOUNGER take an nz-number (RFC 5032 §3).
        bad(b"a SEARCH OLDER 0\r\n", Kind(E::Zero), 15),
        bad(b"a SEARCH YOUNGER\r\n", Expected, 16),
        // Unbalanced parentheses.
        bad(b"a FETCH 1 (FLAGS\r\n", Expected, 16),
        bad(b"a FETCH 1 FLAGS)\r\n", Expected, 15),
        bad(b"a SEARCH (SEEN\r\n", Expected, 14),
        bad(b"a STORE 1 FLAGS (\\Seen\r\n", Expected, 22),
        bad(b"a STATUS INBOX (MESSAGES\r\n", Expected, 24),
        // NUL in a quoted string and in literals.
        bad(b"a LOGIN \"a\0b\" c\r\n", Kind(E::Nul), 10),
        bad(b"a LOGIN {3}\r\na\0b c\r\n", Kind(E::Nul), 14),
        bad(b"a APPEND x {3}\r\na\0b\r\n", Kind(E::Nul), 17),
        // 8-bit atom, bare LF.
        bad(b"a SELECT \xe9t\xe9\r\n", Kind(E::EightBit(0xe9)), 9),
        bad(b"a NOOP\n", Kind(E::BareLf), 6),
        // Numbers: zero, overflow, negative, decimal.
        bad(b"a FETCH 0 FLAGS\r\n", Kind(E::Zero), 8),
        bad(b"a FETCH 1:0 FLAGS\r\n", Kind(E::Zero), 10),
        bad(b"a FETCH 4294967296 FLAGS\r\n", Kind(E::NumberTooLarge), 8),
        bad(b"a SEARCH LARGER -1\r\n", Expected, 16),
        bad(b"a SEARCH LARGER 1.5\r\n", Expected, 17),
        // Unknown fetch attribute, alone and in a list.
        bad(b"a FETCH 1 FOO\r\n", Expected, 10),
        bad(b"a FETCH 1 (FLAGS BOGUS)\r\n", Expected, 17),
        // STORE without flags.
        bad(b"a STORE 1 FLAGS \r\n", Expected, 16),
        // UID with a command it does not take, an unknown command, a bad tag.
        bad(b"a UID FOO 1\r\n", Expected, 6),
        bad(b"a XYZZY\r\n", Kind(E::UnknownCommand), 2),
        bad(b"+ NOOP\r\n", Expected, 0),
        // A NUL or CR in a quoted string before any 8-bit byte is refused...
        bad(b"a LOGIN \"\0\xc3\xa9\" c\r\n", Kind(E::Nul), 9),
        bad(b"a LOGIN \"x\ry\" c\r\n", Expected, 10),
        // ...but not after one: see `d_bad_input_known_bugs`.
    ]
}

#[test]
fn d_bad_input() {
    let mut failures = Vec::new();
    for (n, (wire, want, offset)) in rows_bad().into_iter().enumerate() {
        let name = format!("(d) row {n} {:?}", String::from_utf8_lossy(wire));
        let result = catch_unwind(|| parse_command(&Bytes::from_static(wire)));
        let err = match result {
            Err(_) => {
                failures.push(format!("{name}: parser panicked"));
                continue;
            }
            Ok(Ok(cmd)) => {
                failures.push(format!("{name}: parsed to {cmd:?}, expected an error"));
                continue;
            }
            Ok(Err(e)) => e,
        };
        let kind_ok = match &want {
            Want::Kind(k) => err.kind == *k,
            Want::Expected => matches!(err.kind, ParseErrorKind::Expected(_)),
        };
        if !kind_ok || err.offset != offset {
            failures.push(format!("{name}: got {:?} at {}, expected {want:?} at {offset}", err.kind, err.offset));
        }
    }
    assert!(failures.is_empty(), "{} failure(s) in group (d):\n{}", failures.len(), failures.join("\n"));
}

/// A NUL or CR after an 8-bit UTF-8 character in a quoted string (once accepted because
/// the run as a whole was valid UTF-8) is refused at its own offset.
#[test]
fn d_bad_input_after_utf8() {
    let err = parse_command(&Bytes::from_static(b"a LOGIN \"\xc3\xa9\0\" c\r\n")).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::Nul);
    assert_eq!(err.offset, 11);
    let err = parse_command(&Bytes::from_static(b"a LOGIN \"\xc3\xa9\rx\" c\r\n")).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::Expected(_)), "{err:?}");
    assert_eq!(err.offset, 11);
    let err = parse_command(&Bytes::from_static(b"a LOGIN \"\xc3\" c\r\n")).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::Utf8);
}

#[test]
fn d_framer_literal_too_long() {
    let mut o = FramerOptions::default();
    o.max_literal_len = 10;
    let mut framer = Framer::new(Role::Server, o);
    let drain = |framer: &mut Framer| {
        let mut events = Vec::new();
        while let Some(e) = framer.poll() {
            events.push(e);
        }
        events
    };
    framer.handle_input(b"a APPEND x {11}\r\n");
    let events = drain(&mut framer);
    assert_eq!(events.len(), 1, "{events:?}");
    match &events[0] {
        FramerEvent::Error(e) => {
            assert_eq!(e.kind, FrameErrorKind::LiteralTooLong { length: 11, limit: 10 });
            assert!(e.head.starts_with(b"a APPEND x {11}"), "{:?}", e.head);
        }
        other => panic!("expected an error, got {other:?}"),
    }
    // The client won't send the refused literal; the next command frames normally.
    framer.handle_input(b"b NOOP\r\n");
    let events = drain(&mut framer);
    assert_eq!(events.len(), 1, "{events:?}");
    match &events[0] {
        FramerEvent::Message(frame) => {
            assert_eq!(frame.bytes().as_ref(), b"b NOOP\r\n");
            assert_eq!(parse_command(frame.bytes()).unwrap(), c("b", CommandBody::Noop));
        }
        other => panic!("expected a message, got {other:?}"),
    }
    assert!(!framer.is_mid_message());
}

// ---------------------------------------------------------------------------------------
// (e) Raw commands: the extension point. `parse_raw_command` parses any command to its
// name and its argument pieces; `encode_command` writes them back byte for byte, each
// literal with the announcement it came with. `parse_command` still refuses the names it
// does not know.
// ---------------------------------------------------------------------------------------

fn raw(name: &str) -> RawCommand {
    RawCommand::new(name).unwrap()
}

fn raw_lit(data: &'static [u8], mode: LiteralMode) -> (Literal, Option<LiteralMode>) {
    (Literal::new(Bytes::from_static(data)).unwrap(), Some(mode))
}

fn r(wire: &'static [u8], cmd: Command) -> (&'static [u8], Command) {
    (wire, cmd)
}

fn rows_raw() -> Vec<(&'static [u8], Command)> {
    let sync = LiteralMode::Sync;
    let plus = LiteralMode::NonSync;
    let with = |r: RawCommand, (l, m): (Literal, Option<LiteralMode>)| r.literal(l, m).unwrap();
    vec![
        r(b"a1 XAPPLEPUSHSERVICE\r\n", c("a1", CommandBody::Raw(raw("XAPPLEPUSHSERVICE")))),
        r(
            b"a2 XAPPLEPUSHSERVICE aps-version 2 aps-account-id 0715A26B-CA09-4730-A419-793000CA982E aps-device-token 2918390218931890821908309283098109381029309829018310983092892829 aps-subtopic com.apple.mobilemail mailboxes (INBOX Notes)\r\n",
            c(
                "a2",
                CommandBody::Raw(raw("XAPPLEPUSHSERVICE").text("aps-version 2 aps-account-id 0715A26B-CA09-4730-A419-793000CA982E aps-device-token 2918390218931890821908309283098109381029309829018310983092892829 aps-subtopic com.apple.mobilemail mailboxes (INBOX Notes)").unwrap()),
            ),
        ),
        r(b"t XECHO hello  \"two  spaces\" (x)\r\n", c("t", CommandBody::Raw(raw("XECHO").text("hello  \"two  spaces\" (x)").unwrap()))),
        r(b"t xecho lower case\r\n", c("t", CommandBody::Raw(raw("xecho").text("lower case").unwrap()))),
        r(
            b"a3 XSTORE {5}\r\nhello\r\n",
            c("a3", CommandBody::Raw(with(raw("XSTORE"), raw_lit(b"hello", sync)))),
        ),
        r(
            b"a4 XSTORE x {2+}\r\nab y {0}\r\n z\r\n",
            c(
                "a4",
                CommandBody::Raw(
                    with(with(raw("XSTORE").text("x ").unwrap(), raw_lit(b"ab", plus)).text(" y ").unwrap(), raw_lit(b"", sync))
                        .text(" z")
                        .unwrap(),
                ),
            ),
        ),
        r(
            b"a5 XBIN ~{3}\r\n\0\r\n{1+}\r\n}\r\n",
            c(
                "a5",
                CommandBody::Raw(
                    raw("XBIN")
                        .literal(Literal::binary(Bytes::from_static(b"\0\r\n")), Some(sync))
                        .unwrap()
                        .literal(Literal::new(Bytes::from_static(b"}")).unwrap(), Some(plus))
                        .unwrap(),
                ),
            ),
        ),
        // A known name parses raw too: a proxy can pass any command through.
        r(b"a6 NOOP\r\n", c("a6", CommandBody::Raw(raw("NOOP")))),
        r(b"a7 SELECT INBOX (CONDSTORE)\r\n", c("a7", CommandBody::Raw(raw("SELECT").text("INBOX (CONDSTORE)").unwrap()))),
        r(b"a8 X-GM-EXT-1\r\n", c("a8", CommandBody::Raw(raw("X-GM-EXT-1")))),
    ]
}

#[test]
fn e_raw_commands() {
    for (wire, expected) in rows_raw() {
        let name = first_line(wire);
        let bytes = Bytes::from_static(wire);
        assert_eq!(parse_raw_command(&bytes).unwrap(), expected, "{name}: wire -> value");
        assert_eq!(encode(&expected), wire, "{name}: value -> wire");
        let CommandBody::Raw(r) = &expected.body else { unreachable!() };
        if !matches!(r.name().as_str(), "NOOP" | "SELECT") {
            let e = parse_command(&bytes).unwrap_err();
            assert_eq!(e.kind, ParseErrorKind::UnknownCommand, "{name}: parse_command is unchanged");
        }
    }
    // A literal without a fixed announcement follows the encoder's policy.
    let free = CommandBody::Raw(raw("XPUT").literal(Literal::new(Bytes::from_static(b"abc")).unwrap(), None).unwrap());
    assert_eq!(encode(&c("a1", free.clone())), b"a1 XPUT {3}\r\nabc\r\n");
    let plus = EncodeOptions::with_literal_policy(imap_machine::codec::LiteralPolicy::NonSync);
    assert_eq!(encode_command(&c("a1", free), &plus, &mut BytesMut::new()).to_vec(), b"a1 XPUT {3+}\r\nabc\r\n");
}

#[test]
fn e_raw_commands_bad_input() {
    let cases: &[(&[u8], usize, ParseErrorKind)] = &[
        (b"a1 XECHO \r\n", 9, ParseErrorKind::Expected("arguments after SP")),
        (b"a1 XECHO {05}\r\nhello\r\n", 9, ParseErrorKind::Expected("a literal length without leading zeros")),
        (b"a1 XECHO a\0b\r\n", 10, ParseErrorKind::Nul),
        (b"a1 XECHO {3}\r\na\0b\r\n", 15, ParseErrorKind::Nul),
        (b"a1 XECHO {9}\r\nab\r\n", 18, ParseErrorKind::Incomplete),
        (b"a1 XECHO a\r\nb\r\n", 10, ParseErrorKind::Expected("literal announcement before CRLF")),
        (b"a1 XECHO a\nb\r\n", 10, ParseErrorKind::BareLf),
        (b"a1 (ECHO\r\n", 3, ParseErrorKind::Expected("command name")),
    ];
    for (wire, offset, kind) in cases {
        let e = parse_raw_command(&Bytes::from_static(wire)).unwrap_err();
        assert_eq!((e.offset, &e.kind), (*offset, kind), "{}", String::from_utf8_lossy(wire));
    }
    // What could not frame as one command can't be built.
    assert_eq!(RawCommand::new("X ECHO").unwrap_err(), RawCommandError::Name);
    assert_eq!(raw("XECHO").text("a\r\nb").unwrap_err(), RawCommandError::Text);
    assert_eq!(raw("XECHO").text("a {5}").unwrap_err(), RawCommandError::EndsLikeLiteral);
    assert_eq!(raw("XECHO").text("a {5").unwrap().text("+}").unwrap_err(), RawCommandError::EndsLikeLiteral);
    let l = Literal::new(Bytes::from_static(b"x")).unwrap();
    assert_eq!(raw("XECHO").text("~").unwrap().literal(l, None).unwrap_err(), RawCommandError::TildeBeforeLiteral);
}

// (e) LIST-EXTENDED (RFC 5258 §5), LIST-STATUS (RFC 5819 §5), SPECIAL-USE (RFC 6154 §5.1)
// ---------------------------------------------------------------------------------------

/// An extended LIST.
fn xlist(select: &[LSel], reference: &str, patterns: &[&str], returns: Vec<LRet>) -> CommandBody {
    CommandBody::List {
        reference: mbx(reference),
        patterns: patterns.iter().map(|p| pat(p)).collect(),
        options: Some(ListOptions { selection: select.to_vec(), returns }),
    }
}

fn rows_list_extended() -> Vec<Row> {
    use LRet::{Children, SpecialUse as RSpecialUse, Status, Subscribed as RSubscribed};
    use LSel::{RecursiveMatch, Remote, SpecialUse, Subscribed};
    use StatusItem::{Messages, Unseen};
    let plain_several = |ps: &[&str]| CommandBody::List {
        reference: mbx(""),
        patterns: ps.iter().map(|p| pat(p)).collect(),
        options: None,
    };
    vec![
        // §5 example 1: the plain form is unchanged.
        enc(b"A01 LIST \"\" \"*\"\r\n", c("A01", list("", "*")), b"A01 LIST \"\" *\r\n"),
        enc(
            b"A02 LIST (SUBSCRIBED) \"\" \"*\"\r\n",
            c("A02", xlist(&[Subscribed], "", &["*"], vec![])),
            b"A02 LIST (SUBSCRIBED) \"\" *\r\n",
        ),
        // `()` before return options is written only when there are none.
        enc(
            b"A03 LIST () \"\" \"%\" RETURN (CHILDREN)\r\n",
            c("A03", xlist(&[], "", &["%"], vec![Children])),
            b"A03 LIST \"\" % RETURN (CHILDREN)\r\n",
        ),
        enc(
            b"A04 LIST (REMOTE) \"\" \"%\" RETURN (CHILDREN)\r\n",
            c("A04", xlist(&[Remote], "", &["%"], vec![Children])),
            b"A04 LIST (REMOTE) \"\" % RETURN (CHILDREN)\r\n",
        ),
        enc(
            b"A05 LIST (REMOTE SUBSCRIBED) \"\" \"*\"\r\n",
            c("A05", xlist(&[Remote, Subscribed], "", &["*"], vec![])),
            b"A05 LIST (REMOTE SUBSCRIBED) \"\" *\r\n",
        ),
        enc(
            b"A06 LIST (REMOTE) \"\" \"*\" RETURN (SUBSCRIBED)\r\n",
            c("A06", xlist(&[Remote], "", &["*"], vec![RSubscribed])),
            b"A06 LIST (REMOTE) \"\" * RETURN (SUBSCRIBED)\r\n",
        ),
        // Example 7: several patterns, without options.
        enc(
            b"BBB LIST \"\" (\"INBOX\" \"Drafts\" \"Sent/%\")\r\n",
            c("BBB", plain_several(&["INBOX", "Drafts", "Sent/%"])),
            b"BBB LIST \"\" (INBOX Drafts Sent/%)\r\n",
        ),
        enc(
            b"CA3 LIST \"\" \"%\" RETURN (CHILDREN)\r\n",
            c("CA3", xlist(&[], "", &["%"], vec![Children])),
            b"CA3 LIST \"\" % RETURN (CHILDREN)\r\n",
        ),
        enc(
            b"C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (CHILDREN)\r\n",
            c("C04", xlist(&[Subscribed, RecursiveMatch], "", &["%"], vec![Children])),
            b"C04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" % RETURN (CHILDREN)\r\n",
        ),
        enc(
            b"D03 LIST (RECURSIVEMATCH SUBSCRIBED) \"\" \"*2\"\r\n",
            c("D03", xlist(&[RecursiveMatch, Subscribed], "", &["*2"], vec![])),
            b"D03 LIST (RECURSIVEMATCH SUBSCRIBED) \"\" *2\r\n",
        ),
        // Example 10.
        enc(
            b"a1 LIST \"\" (\"foo\" \"foo/*\")\r\n",
            c("a1", plain_several(&["foo", "foo/*"])),
            b"a1 LIST \"\" (foo foo/*)\r\n",
        ),
        same(
            b"a3 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" foo RETURN (CHILDREN)\r\n",
            c("a3", xlist(&[Subscribed, RecursiveMatch], "", &["foo"], vec![Children])),
        ),
        // Example 11.
        same(b"a1 LIST (REMOTE) \"\" *\r\n", c("a1", xlist(&[Remote], "", &["*"], vec![]))),
        same(b"a2 LIST () \"\" %\r\n", c("a2", xlist(&[], "", &["%"], vec![]))),
        same(b"a3.1 LIST \"\" (% music/rock)\r\n", c("a3.1", plain_several(&["%", "music/rock"]))),
        // RFC 5819 §5; A02's missing SP after `)` is an erratum of the RFC, written here
        // with it.
        same(
            b"A01 LIST \"\" % RETURN (STATUS (MESSAGES UNSEEN))\r\n",
            c("A01", xlist(&[], "", &["%"], vec![Status(vec![Messages, Unseen])])),
        ),
        same(
            b"A02 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" % RETURN (STATUS (MESSAGES))\r\n",
            c("A02", xlist(&[Subscribed, RecursiveMatch], "", &["%"], vec![Status(vec![Messages])])),
        ),
        // RFC 6154 §5.1.
        enc(
            b"t2 LIST \"\" \"%\" RETURN (SPECIAL-USE)\r\n",
            c("t2", xlist(&[], "", &["%"], vec![RSpecialUse])),
            b"t2 LIST \"\" % RETURN (SPECIAL-USE)\r\n",
        ),
        enc(
            b"t3 LIST (SPECIAL-USE) \"\" \"*\"\r\n",
            c("t3", xlist(&[SpecialUse], "", &["*"], vec![])),
            b"t3 LIST (SPECIAL-USE) \"\" *\r\n",
        ),
        // Lower case, several return options, an option extension with its value kept.
        enc(
            b"x1 list (subscribed x-foo (1 \"a b\")) \"\" % return (children status (uidnext) x-bar)\r\n",
            c(
                "x1",
                xlist(
                    &[
                        Subscribed,
                        LSel::Extension(ListOptionExtension {
                            name: atom("x-foo"),
                            value: Some(Bytes::from_static(b"(1 \"a b\")")),
                        }),
                    ],
                    "",
                    &["%"],
                    vec![
                        Children,
                        Status(vec![StatusItem::UidNext]),
                        LRet::Extension(ListOptionExtension { name: atom("x-bar"), value: None }),
                    ],
                ),
            ),
            b"x1 LIST (SUBSCRIBED x-foo (1 \"a b\")) \"\" % RETURN (CHILDREN STATUS (UIDNEXT) x-bar)\r\n",
        ),
    ]
}

#[test]
fn e_list_extended() {
    let rows = rows_list_extended();
    assert_eq!(check("(e)", &rows), rows.len());
    // Bad forms: an empty pattern list, an empty or unknown STATUS list, no SP after `(`.
    for wire in [
        &b"e1 LIST \"\" ()\r\n"[..],
        b"e2 LIST \"\" % RETURN (STATUS ())\r\n",
        b"e3 LIST \"\" % RETURN (STATUS (FOO))\r\n",
        b"e4 LIST (SUBSCRIBED)\"\" %\r\n",
        b"e5 LIST \"\" % RETURN CHILDREN\r\n",
    ] {
        assert!(parse_command(&Bytes::from_static(wire)).is_err(), "{:?}", String::from_utf8_lossy(wire));
    }
}

// (g) SAVEDATE (RFC 8514 §4, from its ABNF: the RFC has no wire examples), PREVIEW (RFC
// 8970 §3 examples) and OBJECTID (RFC 8474 §4-§6 examples)
// ---------------------------------------------------------------------------------------

fn oid(s: &str) -> imap_machine::types::ObjectId {
    imap_machine::types::ObjectId::try_from(s).unwrap()
}

#[test]
fn g_savedate_preview_objectid() {
    use FetchAttribute as F;
    use SearchKey as K;
    let lazy = F::Preview { lazy: true };
    let preview = F::Preview { lazy: false };
    let rows = vec![
        // RFC 8474 §4.1, §4.2, §5, §6.
        enc("3 create foo\r\n", c("3", create("foo")), "3 CREATE foo\r\n"),
        enc("27 select \"foo\"\r\n", c("27", select("foo")), "27 SELECT foo\r\n"),
        enc(
            "6 status foo (mailboxid)\r\n",
            c("6", status("foo", &[StatusItem::MailboxId])),
            "6 STATUS foo (MAILBOXID)\r\n",
        ),
        same(
            "6 STATUS foo (MESSAGES MAILBOXID)\r\n",
            c("6", status("foo", &[StatusItem::Messages, StatusItem::MailboxId])),
        ),
        enc(
            "22 fetch 1:* (emailid threadid)\r\n",
            c("22", fetch("1:*", vec![F::EmailId, F::ThreadId], false)),
            "22 FETCH 1:* (EMAILID THREADID)\r\n",
        ),
        enc(
            "27 search emailid M6d99ac3275bb4e\r\n",
            c("27", search(None, vec![K::EmailId(oid("M6d99ac3275bb4e"))], false)),
            "27 SEARCH EMAILID M6d99ac3275bb4e\r\n",
        ),
        enc(
            "28 search threadid T64b478a75b7ea9\r\n",
            c("28", search(None, vec![K::ThreadId(oid("T64b478a75b7ea9"))], false)),
            "28 SEARCH THREADID T64b478a75b7ea9\r\n",
        ),
        // RFC 8970 §3.
        enc("A1 FETCH 1 (PREVIEW)\r\n", c("A1", fetch("1", vec![preview.clone()], false)), "A1 FETCH 1 PREVIEW\r\n"),
        same("A2 FETCH 1 (RFC822.SIZE PREVIEW)\r\n", c("A2", fetch("1", vec![F::Rfc822Size, preview.clone()], false))),
        same(
            "B1 FETCH 1:4 (ENVELOPE PREVIEW (LAZY))\r\n",
            c("B1", fetch("1:4", vec![F::Envelope, lazy.clone()], false)),
        ),
        enc(
            "B2 FETCH 3:4 (PREVIEW)\r\n",
            c("B2", fetch("3:4", vec![preview.clone()], false)),
            "B2 FETCH 3:4 PREVIEW\r\n",
        ),
        same("C3 FETCH $ (UID PREVIEW (LAZY))\r\n", c("C3", fetch("$", vec![F::Uid, lazy.clone()], false))),
        enc("C4 UID FETCH 23 (PREVIEW)\r\n", c("C4", fetch("23", vec![preview], true)), "C4 UID FETCH 23 PREVIEW\r\n"),
        enc("a FETCH 1 preview (lazy lazy)\r\n", c("a", fetch("1", vec![lazy], false)), "a FETCH 1 PREVIEW (LAZY)\r\n"),
        // RFC 8514 §4.2, §4.3.
        same("a FETCH 1:* (UID SAVEDATE)\r\n", c("a", fetch("1:*", vec![F::Uid, F::SaveDate], false))),
        same(
            "b SEARCH SAVEDBEFORE 1-Feb-2019 SAVEDON 2-Feb-2019 SAVEDSINCE 3-Feb-2019\r\n",
            c(
                "b",
                search(
                    None,
                    vec![
                        K::SavedBefore(date("1-Feb-2019")),
                        K::SavedOn(date("2-Feb-2019")),
                        K::SavedSince(date("3-Feb-2019")),
                    ],
                    false,
                ),
            ),
        ),
        enc(
            "c uid search not savedatesupported\r\n",
            c("c", search(None, vec![K::Not(Box::new(K::SaveDateSupported))], true)),
            "c UID SEARCH NOT SAVEDATESUPPORTED\r\n",
        ),
    ];
    assert_eq!(check("(g)", &rows), rows.len());
    // Bad input: an unknown preview modifier, an object id with a character outside the
    // base64url set, one that is too long, a missing argument.
    let long = format!("a SEARCH EMAILID {}\r\n", "x".repeat(256));
    for wire in [
        &b"a FETCH 1 (PREVIEW (FUZZY))\r\n"[..],
        b"a SEARCH EMAILID a.b\r\n",
        b"a SEARCH THREADID\r\n",
        b"a SEARCH SAVEDON 31-Feb\r\n",
        long.as_bytes(),
    ] {
        assert!(parse_command(&Bytes::copy_from_slice(wire)).is_err(), "{:?}", String::from_utf8_lossy(wire));
    }
}
