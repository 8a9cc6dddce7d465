//! Known answers of NOTIFY (RFC 5465), both directions: the RFC's examples (lines it
//! wraps joined), parsed to the values and the values encoded back. Event and filter names
//! are case-insensitive; the encoder writes the RFC's spellings (`MessageNew`, `selected`),
//! and a row whose input is spelt otherwise carries the bytes the encoder writes.
//!
//! The example of RFC 5465 §3.1 writes `(subtree Lists MessageNew)`, an event group whose
//! events are not in parentheses, which the grammar of §8 does not allow (`events = ( "("
//! event *(SP event) ")" ) / "NONE"`): it is among the refused commands, and its
//! grammatical form among the known answers.

use bytes::Bytes;
use imap_machine::codec::{parse_command, EncodeOptions};
use imap_machine::types::{
    Atom, Capability, Code, Command, CommandBody, EventGroup, FetchAttribute, FetchAttributes, FilterMailboxes,
    IString, Mailbox, Notify, NotifyEvent as E, Response, StatusKind, StatusResponse, Tag, Text,
};

#[path = "support/known_answers.rs"]
mod known_answers;

fn cmd(tag: &str, body: CommandBody) -> Command {
    Command::new(Tag::try_from(tag.to_string()).unwrap(), body)
}

fn set(status: bool, groups: Vec<EventGroup>) -> CommandBody {
    CommandBody::Notify(Notify::Set { status, groups })
}

fn group(mailboxes: FilterMailboxes, events: Option<Vec<E>>) -> EventGroup {
    EventGroup { mailboxes, events }
}

fn name(s: &'static str) -> Mailbox {
    Mailbox::from_wire(IString::from_static(s))
}

/// The attributes of `FETCH 1 (atts)`, read by the FETCH parser.
fn atts(list: &str) -> Vec<FetchAttribute> {
    let wire = format!("x FETCH 1 ({list})\r\n");
    match parse_command(&Bytes::from(wire)).unwrap().body {
        CommandBody::Fetch { attributes: FetchAttributes::List(a), .. } => a,
        other => panic!("{other:?}"),
    }
}

/// Commands: (wire, value, the encoder's bytes when they differ from the wire).
fn commands() -> Vec<(&'static str, Command, Option<&'static str>)> {
    let headers = || atts("UID BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT)]");
    let lower = || atts("UID BODY.PEEK[HEADER.FIELDS (from to subject)]");
    vec![
        // §3.1, with the event lists in parentheses as §8 asks.
        (
            "b notify set status (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew))\r\n",
            cmd(
                "b",
                set(
                    true,
                    vec![
                        group(FilterMailboxes::Selected, Some(vec![E::MessageNew(lower()), E::MessageExpunge])),
                        group(FilterMailboxes::Subtree(vec![name("Lists")]), Some(vec![E::MessageNew(vec![])])),
                    ],
                ),
            ),
            Some("b NOTIFY SET STATUS (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew))\r\n"),
        ),
        (
            "e NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT)]) MessageExpunge)) (subtree Lists (MessageNew)) (mailboxes misc (MessageNew))\r\n",
            cmd(
                "e",
                set(
                    false,
                    vec![
                        group(FilterMailboxes::Selected, Some(vec![E::MessageNew(headers()), E::MessageExpunge])),
                        group(FilterMailboxes::Subtree(vec![name("Lists")]), Some(vec![E::MessageNew(vec![])])),
                        group(FilterMailboxes::Mailboxes(vec![name("misc")]), Some(vec![E::MessageNew(vec![])])),
                    ],
                ),
            ),
            None,
        ),
        // §6: two groups that both apply to INBOX.
        (
            "a notify set (mailboxes INBOX (Messagenew messageExpunge)) (personal (SubscriptionChange))\r\n",
            cmd(
                "a",
                set(
                    false,
                    vec![
                        group(FilterMailboxes::Mailboxes(vec![Mailbox::Inbox]), Some(vec![E::MessageNew(vec![]), E::MessageExpunge])),
                        group(FilterMailboxes::Personal, Some(vec![E::SubscriptionChange])),
                    ],
                ),
            ),
            Some("a NOTIFY SET (mailboxes INBOX (MessageNew MessageExpunge)) (personal (SubscriptionChange))\r\n"),
        ),
        // §6: SELECTED overrides the other message events for the selected mailbox.
        (
            "a notify set (selected (Messagenew (uid flags) messageExpunge)) (personal (MessageNew FlagChange MessageExpunge))\r\n",
            cmd(
                "a",
                set(
                    false,
                    vec![
                        group(FilterMailboxes::Selected, Some(vec![E::MessageNew(atts("UID FLAGS")), E::MessageExpunge])),
                        group(FilterMailboxes::Personal, Some(vec![E::MessageNew(vec![]), E::FlagChange, E::MessageExpunge])),
                    ],
                ),
            ),
            Some("a NOTIFY SET (selected (MessageNew (UID FLAGS) MessageExpunge)) (personal (MessageNew FlagChange MessageExpunge))\r\n"),
        ),
        // §3: NONE, and NONE as the events of a group; several mailboxes; the other filters.
        ("n NOTIFY NONE\r\n", cmd("n", CommandBody::Notify(Notify::None)), None),
        (
            "s NOTIFY SET (subtree (Lists misc) NONE) (selected-delayed (MessageNew MessageExpunge FlagChange)) (inboxes (MailboxName)) (subscribed (MailboxMetadataChange ServerMetadataChange AnnotationChange XFUTURE))\r\n",
            cmd(
                "s",
                set(
                    false,
                    vec![
                        group(FilterMailboxes::Subtree(vec![name("Lists"), name("misc")]), None),
                        group(
                            FilterMailboxes::SelectedDelayed,
                            Some(vec![E::MessageNew(vec![]), E::MessageExpunge, E::FlagChange]),
                        ),
                        group(FilterMailboxes::Inboxes, Some(vec![E::MailboxName])),
                        group(
                            FilterMailboxes::Subscribed,
                            Some(vec![
                                E::MailboxMetadataChange,
                                E::ServerMetadataChange,
                                E::AnnotationChange,
                                E::Other(Atom::from_static("XFUTURE")),
                            ]),
                        ),
                    ],
                ),
            ),
            None,
        ),
        // A mailbox name that needs quoting.
        (
            "q NOTIFY SET (mailboxes \"a b\" (MessageNew))\r\n",
            cmd(
                "q",
                set(false, vec![group(FilterMailboxes::Mailboxes(vec![name("a b")]), Some(vec![E::MessageNew(vec![])]))]),
            ),
            None,
        ),
    ]
}

/// Commands the grammar refuses.
const BAD_COMMANDS: &[&str] = &[
    // §3.1's example as printed (see the module docs).
    "b notify set status (selected MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge) (subtree Lists MessageNew)\r\n",
    "a NOTIFY\r\n",
    "a NOTIFY SET\r\n",
    "a NOTIFY SET ()\r\n",
    "a NOTIFY SET (selected)\r\n",
    "a NOTIFY SET (selected ())\r\n",
    "a NOTIFY SET (everything (MessageNew))\r\n",
    "a NOTIFY SET (subtree (MessageNew))\r\n",
    "a NOTIFY SET (mailboxes () (MessageNew))\r\n",
    "a NOTIFY SET STATUS\r\n",
    "a NOTIFY NONE (selected (MessageNew))\r\n",
    "a NOTIFY SET (selected (MessageNew ()))\r\n",
];

fn status(tag: Option<&str>, kind: StatusKind, code: Code, text: &str) -> Response {
    Response::Status {
        tag: tag.map(|t| Tag::try_from(t.to_string()).unwrap()),
        status: StatusResponse::new(kind, Some(code), Text::try_from(text).unwrap()),
    }
}

/// Responses: (wire, value).
fn responses() -> Vec<(&'static str, Response)> {
    vec![
        // §5.8
        (
            "* OK [NOTIFICATIONOVERFLOW] ...A comment can go here...\r\n",
            status(None, StatusKind::Ok, Code::NotificationOverflow, "...A comment can go here..."),
        ),
        // §3: the events the server serves.
        (
            "a NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName)] Unsupported event\r\n",
            status(
                Some("a"),
                StatusKind::No,
                Code::BadEvent(
                    ["MessageNew", "MessageExpunge", "FlagChange", "MailboxName"].map(Atom::from_static).to_vec(),
                ),
                "Unsupported event",
            ),
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
    for (wire, value) in responses() {
        known_answers::response_both_ways(wire, &value, None);
    }
}

#[test]
fn the_capability_is_known() {
    assert_eq!(Capability::from(Atom::from_static("notify")), Capability::Notify);
    assert_eq!(Capability::Notify.to_string(), "NOTIFY");
}
