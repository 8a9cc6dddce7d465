//! Known answers of QUOTA (RFC 9208), both directions: the examples of §4 and §6 parsed to
//! the values and the values encoded back.

use imap_machine::types::{
    Code, Command, CommandBody, Data, IString, Mailbox, QuotaResource as R, QuotaUsage, Response, Rfc5530Code,
    StatusItem, StatusKind, StatusResponse, Tag, Text,
};

#[path = "support/known_answers.rs"]
mod known_answers;

fn cmd(tag: &str, body: CommandBody) -> Command {
    Command::new(Tag::try_from(tag.to_string()).unwrap(), body)
}

fn s(v: &'static str) -> IString {
    IString::from_static(v)
}

fn use_(resource: R, usage: u64, limit: u64) -> QuotaUsage {
    QuotaUsage { resource, usage, limit }
}

fn commands() -> Vec<(&'static str, Command, Option<&'static str>)> {
    vec![
        (
            "G0001 GETQUOTA \"!partition/sda4\"\r\n",
            cmd("G0001", CommandBody::GetQuota { root: s("!partition/sda4") }),
            Some("G0001 GETQUOTA !partition/sda4\r\n"),
        ),
        ("G0002 GETQUOTAROOT INBOX\r\n", cmd("G0002", CommandBody::GetQuotaRoot { mailbox: Mailbox::Inbox }), None),
        (
            "S0000 GETQUOTA \"#user/alice\"\r\n",
            cmd("S0000", CommandBody::GetQuota { root: s("#user/alice") }),
            Some("S0000 GETQUOTA #user/alice\r\n"),
        ),
        (
            "S0001 SETQUOTA \"#user/alice\" (STORAGE 510)\r\n",
            cmd("S0001", CommandBody::SetQuota { root: s("#user/alice"), limits: vec![(R::Storage, 510)] }),
            Some("S0001 SETQUOTA #user/alice (STORAGE 510)\r\n"),
        ),
        (
            "S0002 SETQUOTA \"!partition/sda4\" (STORAGE 99999999)\r\n",
            cmd("S0002", CommandBody::SetQuota { root: s("!partition/sda4"), limits: vec![(R::Storage, 99999999)] }),
            Some("S0002 SETQUOTA !partition/sda4 (STORAGE 99999999)\r\n"),
        ),
        (
            "S0003 STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)\r\n",
            cmd(
                "S0003",
                CommandBody::Status {
                    mailbox: Mailbox::Inbox,
                    items: vec![StatusItem::Messages, StatusItem::Deleted, StatusItem::DeletedStorage],
                },
            ),
            None,
        ),
        // An empty list removes the limits; names in any case; other resources kept.
        (
            "x setquota \"\" (message 10 x-Foo 3)\r\n",
            cmd(
                "x",
                CommandBody::SetQuota {
                    root: s(""),
                    limits: vec![(R::Message, 10), (R::Other("x-Foo".try_into().unwrap()), 3)],
                },
            ),
            Some("x SETQUOTA \"\" (MESSAGE 10 x-Foo 3)\r\n"),
        ),
        ("y SETQUOTA \"\" ()\r\n", cmd("y", CommandBody::SetQuota { root: s(""), limits: vec![] }), None),
    ]
}

fn responses() -> Vec<(&'static str, Response, Option<&'static str>)> {
    let data = Response::Data;
    let no = |text: &'static str| Response::Status {
        tag: None,
        status: StatusResponse::new(
            StatusKind::No,
            Some(Code::Rfc5530(Rfc5530Code::OverQuota)),
            Text::try_from(text).unwrap(),
        ),
    };
    vec![
        (
            "* QUOTA \"!partition/sda4\" (STORAGE 104 10923847)\r\n",
            data(Data::Quota { root: s("!partition/sda4"), resources: vec![use_(R::Storage, 104, 10923847)] }),
            Some("* QUOTA !partition/sda4 (STORAGE 104 10923847)\r\n"),
        ),
        (
            "* QUOTAROOT INBOX \"#user/alice\" \"!partition/sda4\"\r\n",
            data(Data::QuotaRoot { mailbox: Mailbox::Inbox, roots: vec![s("#user/alice"), s("!partition/sda4")] }),
            Some("* QUOTAROOT INBOX #user/alice !partition/sda4\r\n"),
        ),
        (
            "* QUOTA \"#user/alice\" (MESSAGE 42 1000)\r\n",
            data(Data::Quota { root: s("#user/alice"), resources: vec![use_(R::Message, 42, 1000)] }),
            Some("* QUOTA #user/alice (MESSAGE 42 1000)\r\n"),
        ),
        (
            "* QUOTA \"#user/alice\" (STORAGE 54 111 MESSAGE 42 1000)\r\n",
            data(Data::Quota {
                root: s("#user/alice"),
                resources: vec![use_(R::Storage, 54, 111), use_(R::Message, 42, 1000)],
            }),
            Some("* QUOTA #user/alice (STORAGE 54 111 MESSAGE 42 1000)\r\n"),
        ),
        (
            "* STATUS INBOX (MESSAGES 12 DELETED 4 DELETED-STORAGE 8)\r\n",
            data(Data::Status {
                mailbox: Mailbox::Inbox,
                items: vec![(StatusItem::Messages, 12), (StatusItem::Deleted, 4), (StatusItem::DeletedStorage, 8)],
                mailbox_id: None,
            }),
            None,
        ),
        (
            "* QUOTA \"\" (STORAGE 10 512)\r\n",
            data(Data::Quota { root: s(""), resources: vec![use_(R::Storage, 10, 512)] }),
            None,
        ),
        ("* QUOTAROOT INBOX \"\"\r\n", data(Data::QuotaRoot { mailbox: Mailbox::Inbox, roots: vec![s("")] }), None),
        (
            "* QUOTAROOT comp.mail.mime\r\n",
            data(Data::QuotaRoot { mailbox: Mailbox::from_wire(s("comp.mail.mime")), roots: vec![] }),
            None,
        ),
        ("* NO [OVERQUOTA] Soft quota has been exceeded\r\n", no("Soft quota has been exceeded"), None),
        // Lenient: an empty resource list, spaces inside it.
        ("* QUOTA Root ( )\r\n", data(Data::Quota { root: s("Root"), resources: vec![] }), Some("* QUOTA Root ()\r\n")),
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
        "a GETQUOTA\r\n",
        "a GETQUOTAROOT\r\n",
        "a SETQUOTA root\r\n",
        "a SETQUOTA root (STORAGE)\r\n",
        "a SETQUOTA root (STORAGE -1)\r\n",
        "a SETQUOTA root STORAGE 1\r\n",
        "a SETQUOTA root (STORAGE 1 )\r\n",
    ]);
}
