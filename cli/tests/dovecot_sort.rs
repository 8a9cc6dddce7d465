//! SORT and THREAD against Dovecot (RFC 5256, RFC 5957, RFC 5267 ESORT): the same messages
//! are APPENDed, with the same INTERNALDATEs and in the same order, to a live Dovecot 2.3
//! (`../shared/peers/start-dovecot.sh`) and to `imapm serve`, and every SORT key, with and
//! without REVERSE, a few key combinations, ESORT, and THREAD by ORDEREDSUBJECT and by
//! REFERENCES must be answered alike, number for number.
//!
//! Two mailboxes: `corpus`, the real messages of `tests/corpus/` (edge cases and Python's
//! email test messages), and `threads`, a generated thread corpus ([`thread_corpus`]):
//! replies, forwards in the three forms of RFC 5256 §2.1, `Re: Re:`, missing parents,
//! loops in References, self-references, duplicate and missing Message-IDs, equal and
//! missing dates, encoded subjects and subject-only threads that REFERENCES merges.
//!
//! The same runs against `imapm serve --store maildir:...` must answer as the memory store.
//!
//! A difference fails the test unless `tests/dovecot-differences.md` lists it in its SORT
//! and THREAD table (mailbox and command), with the RFC sentence that allows both answers.
//! Where Dovecot is missing the test prints a loud SKIP; in CI it fails.

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use bytes::BytesMut;
use imap_machine::codec::encode_response;
use imap_machine::types::{Data, Response, StatusKind};

use support::serve::serve;
use support::session::Session;

#[path = "../../adapters/blocking/tests/support/dovecot.rs"]
mod dovecot;
#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
use dovecot::start_dovecot;

/// A message and the INTERNALDATE it is APPENDed with.
struct Message {
    date: String,
    body: Vec<u8>,
}

/// The real messages of `tests/corpus/`, in name order, one INTERNALDATE per 17 minutes
/// (every fifth repeats the one before it, so ARRIVAL has ties).
fn corpus() -> Vec<Message> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus");
    let mut files = Vec::new();
    for dir in ["edge", "python-email"] {
        for e in std::fs::read_dir(root.join(dir)).expect("tests/corpus") {
            let p = e.expect("entry").path();
            // A NUL is no CHAR8 (RFC 3501 §9): such a message needs BINARY's literal8, and
            // `tests/dovecot_differential.rs` covers it.
            if p.is_file() && !std::fs::read(&p).expect("read").contains(&0) {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .enumerate()
        .map(|(k, p)| {
            let minutes = if k % 5 == 4 { (k - 1) * 17 } else { k * 17 };
            Message { date: internal_date(minutes), body: std::fs::read(p).expect("read") }
        })
        .collect()
}

/// `01-Mar-2024 00:00:00 +0000` plus `minutes`.
fn internal_date(minutes: usize) -> String {
    let day = 1 + minutes / (24 * 60);
    let (h, m) = ((minutes / 60) % 24, minutes % 60);
    format!("{day:02}-Mar-2024 {h:02}:{m:02}:00 +0000")
}

/// One generated message: header fields (in order), then a short body.
fn mail(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut out = String::new();
    for (name, value) in fields {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\nbody\r\n");
    out.into_bytes()
}

/// The generated thread corpus: each entry is (INTERNALDATE minutes, fields).
fn thread_corpus() -> Vec<Message> {
    let d = |day: u32, hm: &str| format!("Mon, {day} Apr 2024 {hm}:00 +0000");
    #[rustfmt::skip]
    let specs: Vec<(usize, Vec<(&str, String)>)> = vec![
        // A plain thread: root, two replies, a reply to a reply, `Re: Re:`.
        (0, vec![("From", "Ann <ann@a.example>".into()), ("To", "list@l.example".into()), ("Subject", "Lunch plans".into()), ("Date", d(1, "09:00")), ("Message-ID", "<t1@a>".into())]),
        (1, vec![("From", "bob@b.example".into()), ("To", "Ann <ann@a.example>".into()), ("Subject", "Re: Lunch plans".into()), ("Date", d(1, "10:00")), ("Message-ID", "<t2@b>".into()), ("In-Reply-To", "<t1@a>".into()), ("References", "<t1@a>".into())]),
        (2, vec![("From", "\"Carl C.\" <carl@c.example>".into()), ("Subject", "RE: Lunch plans".into()), ("Date", d(1, "09:30")), ("Message-ID", "<t3@c>".into()), ("References", "<t1@a>".into())]),
        (3, vec![("From", "ann@a.example".into()), ("Subject", "Re: Re: Lunch plans".into()), ("Date", d(1, "11:00")), ("Message-ID", "<t4@a>".into()), ("References", "<t1@a> <t2@b>".into())]),
        // Forwards in the three forms, no references: merged by subject only.
        (4, vec![("From", "dora@d.example".into()), ("Subject", "Fwd: Lunch plans".into()), ("Date", d(2, "08:00")), ("Message-ID", "<f1@d>".into())]),
        (5, vec![("From", "dora@d.example".into()), ("Subject", "[fwd: Lunch plans]".into()), ("Date", d(2, "08:05")), ("Message-ID", "<f2@d>".into())]),
        (6, vec![("From", "dora@d.example".into()), ("Subject", "Lunch plans (fwd)".into()), ("Date", d(2, "08:10")), ("Message-ID", "<f3@d>".into())]),
        // Missing parent: two replies to a message the mailbox does not hold.
        (7, vec![("From", "eve@e.example".into()), ("Subject", "Re: The missing one".into()), ("Date", d(3, "10:00")), ("Message-ID", "<m1@e>".into()), ("References", "<gone@x> <gone2@x>".into())]),
        (8, vec![("From", "fay@f.example".into()), ("Subject", "Re: The missing one".into()), ("Date", d(3, "09:00")), ("Message-ID", "<m2@f>".into()), ("References", "<gone@x>".into())]),
        (9, vec![("From", "gus@g.example".into()), ("Subject", "Re: The missing one".into()), ("Date", d(3, "11:00")), ("Message-ID", "<m3@g>".into()), ("References", "<gone@x> <gone2@x>".into())]),
        // A lone reply whose parent is missing: a dummy with one child is pruned.
        (10, vec![("From", "hal@h.example".into()), ("Subject", "Re: orphan".into()), ("Date", d(3, "12:00")), ("Message-ID", "<o1@h>".into()), ("References", "<nowhere@x>".into())]),
        // Loops in References.
        (11, vec![("From", "ivy@i.example".into()), ("Subject", "loop a".into()), ("Date", d(4, "10:00")), ("Message-ID", "<la@i>".into()), ("References", "<lb@i>".into())]),
        (12, vec![("From", "ivy@i.example".into()), ("Subject", "loop b".into()), ("Date", d(4, "10:01")), ("Message-ID", "<lb@i>".into()), ("References", "<la@i>".into())]),
        (13, vec![("From", "ivy@i.example".into()), ("Subject", "loop c".into()), ("Date", d(4, "10:02")), ("Message-ID", "<lc@i>".into()), ("References", "<la@i> <lb@i> <la@i>".into())]),
        (14, vec![("From", "ivy@i.example".into()), ("Subject", "self".into()), ("Date", d(4, "10:03")), ("Message-ID", "<ls@i>".into()), ("References", "<ls@i>".into())]),
        // Duplicate Message-IDs and a missing one.
        (15, vec![("From", "jo@j.example".into()), ("Subject", "dup".into()), ("Date", d(5, "10:00")), ("Message-ID", "<dup@j>".into())]),
        (16, vec![("From", "jo@j.example".into()), ("Subject", "dup again".into()), ("Date", d(5, "10:01")), ("Message-ID", "<dup@j>".into())]),
        (17, vec![("From", "jo@j.example".into()), ("Subject", "Re: dup".into()), ("Date", d(5, "10:02")), ("Message-ID", "<dupr@j>".into()), ("References", "<dup@j>".into())]),
        (18, vec![("From", "jo@j.example".into()), ("Subject", "no id".into()), ("Date", d(5, "10:03"))]),
        // Equal dates: the sequence order breaks the tie.
        (19, vec![("From", "kim@k.example".into()), ("Subject", "Same time".into()), ("Date", d(6, "10:00")), ("Message-ID", "<s1@k>".into())]),
        (19, vec![("From", "kim@k.example".into()), ("Subject", "Re: Same time".into()), ("Date", d(6, "10:00")), ("Message-ID", "<s2@k>".into()), ("References", "<s1@k>".into())]),
        (19, vec![("From", "kim@k.example".into()), ("Subject", "Re: Same time".into()), ("Date", d(6, "10:00")), ("Message-ID", "<s3@k>".into()), ("References", "<s1@k>".into())]),
        // Missing and unreadable dates: INTERNALDATE stands in.
        (20, vec![("From", "lee@l.example".into()), ("Subject", "undated".into()), ("Message-ID", "<u1@l>".into())]),
        (21, vec![("From", "lee@l.example".into()), ("Subject", "Re: undated".into()), ("Date", "yesterday at noon".into()), ("Message-ID", "<u2@l>".into()), ("In-Reply-To", "<u1@l>".into())]),
        (22, vec![("From", "lee@l.example".into()), ("Subject", "zoned".into()), ("Date", "Tue, 2 Apr 2024 01:00:00 +0500".into()), ("Message-ID", "<z1@l>".into())]),
        (23, vec![("From", "lee@l.example".into()), ("Subject", "two-digit year".into()), ("Date", "2 Apr 24 01:00 EST".into()), ("Message-ID", "<z2@l>".into())]),
        // Encoded subjects and names.
        (24, vec![("From", "=?utf-8?q?Zo=C3=AB?= <zoe@z.example>".into()), ("Subject", "=?utf-8?q?Caf=C3=A9_menu?=".into()), ("Date", d(7, "10:00")), ("Message-ID", "<e1@z>".into())]),
        (25, vec![("From", "=?iso-8859-1?q?Andr=E9?= <andre@z.example>".into()), ("Subject", "=?utf-8?q?Re=3A_caf=C3=A9_MENU?=".into()), ("Date", d(7, "11:00")), ("Message-ID", "<e2@z>".into())]),
        (26, vec![("From", "<nobody@z.example>".into()), ("Subject", "=?utf-8?b?UmU6IFtsaXN0XSBDYWbDqSBtZW51?=".into()), ("Date", d(7, "12:00")), ("Message-ID", "<e3@z>".into())]),
        // Blobs and odd leaders.
        (27, vec![("From", "mo@m.example".into()), ("Subject", "[list] Re: [other] topic".into()), ("Date", d(8, "10:00")), ("Message-ID", "<b1@m>".into())]),
        (28, vec![("From", "mo@m.example".into()), ("Subject", "Re[2]: topic".into()), ("Date", d(8, "09:00")), ("Message-ID", "<b2@m>".into())]),
        (29, vec![("From", "mo@m.example".into()), ("Subject", "Fw: Re:  topic  (fwd) (fwd)".into()), ("Date", d(8, "11:00")), ("Message-ID", "<b3@m>".into())]),
        (30, vec![("From", "mo@m.example".into()), ("Subject", "[fwd: [fwd: topic]]".into()), ("Date", d(8, "12:00")), ("Message-ID", "<b4@m>".into())]),
        (31, vec![("From", "mo@m.example".into()), ("Subject", "[]".into()), ("Date", d(8, "13:00")), ("Message-ID", "<b5@m>".into())]),
        (32, vec![("From", "mo@m.example".into()), ("Subject", "".into()), ("Date", d(8, "14:00")), ("Message-ID", "<b6@m>".into())]),
        (33, vec![("From", "mo@m.example".into()), ("Date", d(8, "15:00")), ("Message-ID", "<b7@m>".into())]),
        // A reply that comes before its parent in the mailbox, and a deep chain.
        (34, vec![("From", "ned@n.example".into()), ("Subject", "Re: early".into()), ("Date", d(9, "12:00")), ("Message-ID", "<r2@n>".into()), ("References", "<r1@n>".into())]),
        (35, vec![("From", "ned@n.example".into()), ("Subject", "early".into()), ("Date", d(9, "11:00")), ("Message-ID", "<r1@n>".into())]),
        (36, vec![("From", "ned@n.example".into()), ("Subject", "Re: early".into()), ("Date", d(9, "13:00")), ("Message-ID", "<r3@n>".into()), ("References", "<r1@n> <r2@n>".into())]),
        (37, vec![("From", "ned@n.example".into()), ("Subject", "Re: early".into()), ("Date", d(9, "14:00")), ("Message-ID", "<r4@n>".into()), ("References", "<r1@n> <r2@n> <r3@n>".into())]),
        (38, vec![("From", "ned@n.example".into()), ("Subject", "Re: early".into()), ("Date", d(9, "15:00")), ("Message-ID", "<r5@n>".into()), ("References", "<r1@n> <r2@n> <r3@n> <r4@n>".into())]),
        // References that disagree with an earlier message's (the first link wins).
        (39, vec![("From", "ola@o.example".into()), ("Subject", "Re: early".into()), ("Date", d(9, "16:00")), ("Message-ID", "<r6@n>".into()), ("References", "<lc@i> <r3@n>".into())]),
        // In-Reply-To with junk, References with comments and no brackets.
        (40, vec![("From", "pam@p.example".into()), ("Subject", "Re: Lunch plans".into()), ("Date", d(10, "10:00")), ("Message-ID", "<p1@p>".into()), ("In-Reply-To", "Ann's message of Monday <t1@a> (sent)".into())]),
        (41, vec![("From", "pam@p.example".into()), ("Subject", "Re: Lunch plans".into()), ("Date", d(10, "10:01")), ("Message-ID", "<p2@p>".into()), ("References", "(comment) <t3@c>  bogus <p1@p>".into())]),
        // Sort keys: Cc, To groups, display names that differ from the mailbox.
        (42, vec![("From", "\"Zed\" <aaa@q.example>".into()), ("To", "undisclosed-recipients:;".into()), ("Cc", "Beth <zz@q.example>, yy@q.example".into()), ("Subject", "keys".into()), ("Date", d(11, "10:00")), ("Message-ID", "<k1@q>".into())]),
        (43, vec![("From", "\"Aaron\" <zzz@q.example>".into()), ("To", "Team: bob@b.example, carl@c.example;".into()), ("Cc", "ALPHA@q.example".into()), ("Subject", "Keys".into()), ("Date", d(11, "10:00")), ("Message-ID", "<k2@q>".into())]),
        (44, vec![("From", "\"\" <mmm@q.example>".into()), ("To", "\"  \" <space@q.example>".into()), ("Subject", "  keys  ".into()), ("Date", d(11, "09:59")), ("Message-ID", "<k3@q>".into())]),
    ];
    specs
        .into_iter()
        .map(|(minutes, fields)| {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            Message { date: internal_date(minutes * 7), body: mail(&fields) }
        })
        .collect()
}

/// The commands compared, for one mailbox.
fn commands() -> Vec<String> {
    let mut out = Vec::new();
    for key in ["ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO"] {
        out.push(format!("SORT ({key}) UTF-8 ALL"));
        out.push(format!("SORT (REVERSE {key}) UTF-8 ALL"));
    }
    out.extend(
        [
            "SORT (SUBJECT DATE) UTF-8 ALL",
            "SORT (FROM REVERSE DATE) UTF-8 ALL",
            "UID SORT (REVERSE SUBJECT ARRIVAL) UTF-8 ALL",
            "SORT (DATE) UTF-8 NOT SUBJECT lunch",
            "UID SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL",
            "UID SORT RETURN (ALL) (REVERSE ARRIVAL) UTF-8 ALL",
            "THREAD ORDEREDSUBJECT UTF-8 ALL",
            "THREAD REFERENCES UTF-8 ALL",
            "UID THREAD REFERENCES UTF-8 ALL",
            "THREAD REFERENCES UTF-8 NOT FROM ivy",
        ]
        .map(String::from),
    );
    out
}

/// The untagged SORT, THREAD and ESEARCH answers of a command, encoded, and its status.
fn answer(responses: &[(Response, bytes::Bytes)]) -> Vec<String> {
    responses
        .iter()
        .filter_map(|(r, _)| match r {
            Response::Data(d @ (Data::Sort { .. } | Data::Thread(_) | Data::ESearch { .. })) => {
                let mut buf = BytesMut::new();
                let enc = encode_response(&Response::Data(d.clone()), &mut buf).to_vec();
                Some(String::from_utf8_lossy(&enc).trim_end().to_string())
            }
            Response::Status { tag: Some(_), status } => Some(format!("{:?}", status.kind)),
            _ => None,
        })
        .collect()
}

/// Fills `mailbox` with `messages` (UTF8=ACCEPT enabled where the server has it, so that
/// messages with 8-bit headers are taken), then selects it in a fresh session and runs
/// every command; returns each command's answer.
fn run(port: u16, mailbox: &str, messages: &[Message]) -> Vec<(String, Vec<String>)> {
    let mut s = Session::connect(port);
    s.run(b"LOGIN alice secret");
    s.run(b"ENABLE UTF8=ACCEPT");
    s.run(format!("CREATE {mailbox}").as_bytes());
    for (k, m) in messages.iter().enumerate() {
        let mut cmd = format!("APPEND {mailbox} () \"{}\" {{{}+}}\r\n", m.date, m.body.len()).into_bytes();
        cmd.extend_from_slice(&m.body);
        let (_, rs) = s.run(&cmd);
        let ok = rs
            .iter()
            .any(|(r, _)| matches!(r, Response::Status { tag: Some(_), status } if status.kind == StatusKind::Ok));
        assert!(ok, "APPEND of message {} to {mailbox} on port {port}: {:?}", k + 1, rs.last());
    }
    s.run(b"LOGOUT");
    let mut s = Session::connect(port);
    s.run(b"LOGIN alice secret");
    s.run(format!("EXAMINE {mailbox}").as_bytes());
    commands()
        .into_iter()
        .map(|c| {
            let (_, rs) = s.run(c.as_bytes());
            (c, answer(&rs))
        })
        .collect()
}

/// `(mailbox, command)` rows of the SORT and THREAD table of `tests/dovecot-differences.md`.
fn listed_differences() -> BTreeSet<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/dovecot-differences.md");
    let text = std::fs::read_to_string(path).expect("tests/dovecot-differences.md");
    let Some(table) = text.split("## SORT and THREAD").nth(1) else { return BTreeSet::new() };
    table
        .lines()
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| ") && !l.starts_with("| mailbox") && !l.starts_with("| ---"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(|c| c.trim().trim_matches('`')).collect();
            Some((cells.get(1)?.to_string(), cells.get(2)?.to_string()))
        })
        .collect()
}

#[test]
fn sort_and_thread_as_dovecot_answers() {
    let Some(dovecot) = start_dovecot("sort") else { return };
    let sets = [("corpus", corpus()), ("threads", thread_corpus())];
    let theirs: Vec<_> = sets.iter().map(|(name, msgs)| run(dovecot.port, name, msgs)).collect();
    drop(dovecot);
    let ours_server = serve(&["--quiet", "--user", "alice:secret"]);
    let ours: Vec<_> = sets.iter().map(|(name, msgs)| run(ours_server.addr.port(), name, msgs)).collect();
    drop(ours_server);
    // The Maildir store keeps no parse: its keys come from each message, parsed once.
    let root = std::env::temp_dir().join(format!("imapm-sort-maildir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let store = format!("maildir:{}", root.display());
    let maildir_server = serve(&["--quiet", "--user", "alice:secret", "--store", &store]);
    let maildir: Vec<_> = sets.iter().map(|(name, msgs)| run(maildir_server.addr.port(), name, msgs)).collect();
    drop(maildir_server);
    let _ = std::fs::remove_dir_all(&root);
    for ((m, o), (mailbox, _)) in maildir.iter().zip(&ours).zip(&sets) {
        for ((cmd, m), (_, o)) in m.iter().zip(o) {
            assert_eq!(m, o, "{mailbox}: {cmd}: the Maildir store answers as the memory store does");
        }
    }

    let listed = listed_differences();
    let mut report = String::new();
    let (mut compared, mut unlisted, mut stale) = (0, 0, Vec::new());
    for (((mailbox, _), t), o) in sets.iter().zip(&theirs).zip(&ours) {
        for ((cmd, t), (_, o)) in t.iter().zip(o) {
            compared += 1;
            let is_listed = listed.contains(&(mailbox.to_string(), cmd.clone()));
            match (t == o, is_listed) {
                (true, true) => stale.push(format!("{mailbox} {cmd}")),
                (false, false) => {
                    unlisted += 1;
                    report.push_str(&format!("{mailbox}: {cmd}\n   dovecot: {t:?}\n   ours:    {o:?}\n"));
                }
                _ => {}
            }
        }
    }
    println!("sort/thread differential: {compared} commands compared, {unlisted} unlisted differences");
    assert!(unlisted == 0, "answered differently from Dovecot:\n{report}");
    assert!(stale.is_empty(), "listed in tests/dovecot-differences.md but equal now: {stale:?}");
}
