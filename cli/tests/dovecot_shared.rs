//! Multi-session differential test: the same scripts of 2–3 interleaved connections run
//! against a live Dovecot 2.3 (`../shared/peers/start-dovecot.sh`) and against `imapm serve`,
//! and every connection must be told the same things by both, after normalisation.
//!
//! A script is a list of `(session, command)` in a fixed order; every session logs in as
//! `alice` first (not compared). What is compared, per command: the untagged responses the
//! session receives, in order, and the tagged status with its response code. Normalised away
//! (see [`normalise`]): the texts of status responses, capability lists (untagged and in
//! codes), UIDVALIDITY values (also in APPENDUID and COPYUID), INTERNALDATE, the order of
//! items within one FETCH, of flags within a flag list or PERMANENTFLAGS, of LIST
//! attributes and of STATUS items, and, in the scripts that use no CONDSTORE,
//! `[HIGHESTMODSEQ]` and `MODSEQ` (Dovecot sends HIGHESTMODSEQ on SELECT once any client
//! used CONDSTORE; the CONDSTORE and QRESYNC scripts compare them to the number). Within
//! one SELECT or EXAMINE the untagged responses are compared as a set: RFC 3501 §6.3.1
//! fixes which are required, not their order; so are the LIST and LSUB responses of one
//! command.
//!
//! Each script is its own test with a fresh Dovecot and a fresh `imapm serve`; a difference
//! fails it and prints both transcripts, the differing commands marked `!!`. With
//! `--nocapture` every test prints Dovecot's raw and normalised transcript. Where Dovecot
//! or the start script is missing the test prints a loud SKIP; in CI (`CI` set) it fails.

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use bytes::BytesMut;
use imap_machine::codec::encode_response;
use imap_machine::types::{Code, Data, FetchItem, Response, Text};

use support::serve::serve;
use support::session::Session;

#[path = "../../adapters/blocking/tests/support/dovecot.rs"]
mod dovecot;
#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
use dovecot::start_dovecot;

/// A message for `MSG` in a script: a literal (LITERAL+, which both servers offer).
fn message(n: usize) -> Vec<u8> {
    let body = format!(
        "From: user@domain.org (Real Name)\r\nTo: alice@example.org\r\nSubject: message {n}\r\n\
         Date: Sat, 5 Dec 2026 12:00:00 +0000\r\nMessage-ID: <shared-{n}@example.org>\r\n\r\nbody {n}\r\n"
    );
    let mut out = format!("{{{}+}}\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// Sorts `v` by the debug form of its elements (the types have no `Ord`).
fn sort_debug<T: std::fmt::Debug>(v: &mut [T]) {
    v.sort_by_cached_key(|x| format!("{x:?}"));
}

/// Normalises a code; `None` drops it. Without `modseq`, the CONDSTORE codes are dropped.
fn normalise_code(code: Code, modseq: bool) -> Option<Code> {
    Some(match code {
        // Capability lists differ by design (Dovecot offers many more extensions).
        Code::Capability(_) => return None,
        // CONDSTORE (RFC 7162): Dovecot reports HIGHESTMODSEQ on SELECT once any client
        // used CONDSTORE on the mailbox, where RFC 7162 §3.1.2 asks it only after the
        // session's own enabling command; the scripts that do not use CONDSTORE leave
        // it out, the others compare it (and MODSEQ) to the number.
        Code::HighestModSeq(_) | Code::NoModSeq if !modseq => return None,
        // OBJECTID (RFC 8474): Dovecot 2.3 does not serve it; `imapm serve` does.
        Code::MailboxId(_) => return None,
        // UIDVALIDITY is any value the server picks.
        Code::UidValidity(_) => Code::UidValidity(1),
        Code::AppendUid { uids, .. } => Code::AppendUid { uid_validity: 1, uids },
        Code::CopyUid { source, destination, .. } => Code::CopyUid { uid_validity: 1, source, destination },
        // The order of flags is free; `\*` is kept (both servers offer new keywords).
        Code::PermanentFlags(mut f) => {
            sort_debug(&mut f);
            Code::PermanentFlags(f)
        }
        other => other,
    })
}

/// The comparable form of one response, or `None` for one that is left out.
fn normalise(r: Response, modseq: bool) -> Option<String> {
    let r = match r {
        Response::Status { tag, mut status } => {
            let had_code = status.code.is_some();
            status.code = status.code.and_then(|c| normalise_code(c, modseq));
            // An untagged OK that only carried a dropped code says nothing comparable.
            if tag.is_none() && had_code && status.code.is_none() {
                return None;
            }
            status.text = Text::try_from("-").expect("text");
            Response::Status { tag, status }
        }
        Response::Data(Data::Capability(_)) => return None,
        Response::Data(Data::Fetch { seq, mut items }) => {
            items
                .retain(|i| !matches!(i, FetchItem::InternalDate(_)) && (modseq || !matches!(i, FetchItem::ModSeq(_))));
            for i in &mut items {
                if let FetchItem::Flags(f) = i {
                    sort_debug(f);
                }
            }
            sort_debug(&mut items);
            if items.is_empty() {
                return None;
            }
            Response::Data(Data::Fetch { seq, items })
        }
        Response::Data(Data::Flags(mut f)) => {
            sort_debug(&mut f);
            Response::Data(Data::Flags(f))
        }
        Response::Data(Data::List(mut l)) => {
            sort_debug(&mut l.attributes);
            Response::Data(Data::List(l))
        }
        Response::Data(Data::Lsub(mut l)) => {
            sort_debug(&mut l.attributes);
            Response::Data(Data::Lsub(l))
        }
        Response::Data(Data::Status { mailbox, mut items, mailbox_id }) => {
            sort_debug(&mut items);
            Response::Data(Data::Status { mailbox, items, mailbox_id })
        }
        other => other,
    };
    let text = encode_response(&r, &mut BytesMut::new()).to_vec();
    let text = String::from_utf8_lossy(&text).trim_end().to_string();
    Some(text.strip_suffix(" -").unwrap_or(&text).to_string())
}

/// One command of a transcript: its session, what was sent, the normalised responses and
/// the raw ones.
struct Step {
    who: char,
    command: String,
    lines: Vec<String>,
    raw: Vec<String>,
}

/// Runs `script` against the server on `port` with user `alice`, password `secret`.
fn run_script(port: u16, script: &Script) -> Vec<Step> {
    let mut sessions: Vec<Session> = (0..script.sessions).map(|_| Session::connect(port)).collect();
    for s in &mut sessions {
        let (_, rs) = s.run(b"LOGIN alice secret");
        let (last, raw) = rs.last().expect("tagged");
        assert!(
            matches!(last, Response::Status { status, .. } if status.kind == imap_machine::types::StatusKind::Ok),
            "LOGIN: {}",
            String::from_utf8_lossy(raw)
        );
    }
    let mut messages = 0;
    let mut steps = Vec::new();
    // The UIDVALIDITY each session was told last, for `$UV` in a command.
    let mut validity: Vec<u32> = vec![0; script.sessions];
    for &(who, command) in script.steps {
        let mut wire = command.replace("$UV", &validity[who].to_string()).into_bytes();
        if let Some(prefix) = command.strip_suffix("MSG") {
            messages += 1;
            wire = prefix.as_bytes().to_vec();
            wire.extend_from_slice(&message(messages));
        }
        let (tag, responses) = sessions[who].run(&wire);
        let upper = command.to_ascii_uppercase();
        let unordered = ["SELECT ", "EXAMINE ", "LIST ", "LSUB "].iter().any(|c| upper.starts_with(c));
        let mut lines = Vec::new();
        let mut raw = Vec::new();
        for (r, bytes) in responses {
            raw.push(String::from_utf8_lossy(&bytes).trim_end().to_string());
            if let Response::Status { status, .. } = &r {
                if let Some(Code::UidValidity(v)) = status.code {
                    validity[who] = v;
                }
            }
            lines.extend(normalise(r, script.modseq));
        }
        if unordered {
            // The untagged responses of SELECT/EXAMINE (RFC 3501 §6.3.1 names the required
            // ones, not their order) and of LIST/LSUB (no order either): a set.
            let tagged = lines.pop().expect("tagged");
            lines.sort();
            lines.push(tagged);
        }
        let who = (b'A' + who as u8) as char;
        steps.push(Step { who, command: format!("{tag} {command}"), lines, raw });
    }
    for s in &mut sessions {
        s.run(b"LOGOUT");
    }
    steps
}

/// A multi-session script: sessions 0, 1, 2 are A, B, C; `$UV` in a command is the
/// UIDVALIDITY the session was told last; a command ending in `MSG` gets a
/// message literal (`message N`, From `user@domain.org (Real Name)`) appended.
struct Script {
    name: &'static str,
    sessions: usize,
    steps: &'static [(usize, &'static str)],
    /// Steps (indexes into `steps`) where we differ from Dovecot on purpose, each listed
    /// in `tests/dovecot-differences.md`; the store transcripts pin our exact answer.
    differs: &'static [usize],
    /// Compare HIGHESTMODSEQ and MODSEQ (the scripts that enable CONDSTORE or QRESYNC in
    /// every session that selects).
    modseq: bool,
}

const A: usize = 0;
const B: usize = 1;
const C: usize = 2;

fn transcript(steps: &[Step], raw: bool) -> String {
    let mut out = String::new();
    for s in steps {
        out.push_str(&format!("  {}> {}\n", s.who, s.command));
        for l in if raw { &s.raw } else { &s.lines } {
            out.push_str(&format!("  {}< {l}\n", s.who));
        }
    }
    out
}

fn differential(script: &Script) {
    let Some(dovecot) = start_dovecot(script.name) else { return };
    let theirs = run_script(dovecot.port, script);
    drop(dovecot);
    let ours_server = serve(&["--quiet", "--user", "alice:secret"]);
    let ours = run_script(ours_server.addr.port(), script);
    drop(ours_server);

    println!("=== {}: Dovecot, raw ===\n{}", script.name, transcript(&theirs, true));
    println!("=== {}: Dovecot, normalised ===\n{}", script.name, transcript(&theirs, false));
    let mut report = String::new();
    let mut differ = 0;
    for (k, (t, o)) in theirs.iter().zip(&ours).enumerate() {
        let intended = script.differs.contains(&k);
        let mark = match (t.lines == o.lines, intended) {
            (true, false) => "  ",
            (true, true) => "==", // listed as a difference, but equal: keep the list true
            (false, true) => "~~",
            (false, false) => "!!",
        };
        if (t.lines != o.lines) != intended {
            differ += 1;
        }
        report.push_str(&format!("{mark} {}> {}\n", t.who, t.command));
        if t.lines == o.lines {
            for l in &t.lines {
                report.push_str(&format!("      {}< {l}\n", t.who));
            }
        } else {
            for l in &t.lines {
                report.push_str(&format!("   dovecot {}< {l}\n", t.who));
            }
            for l in &o.lines {
                report.push_str(&format!("   ours    {}< {l}\n", t.who));
            }
        }
    }
    if differ > 0 {
        println!("=== {}: ours, raw ===\n{}", script.name, transcript(&ours, true));
    }
    assert!(differ == 0, "{}: {differ} command(s) answered differently from Dovecot:\n{report}", script.name);
}

/// Defect 1: B's STORE after A's: B must not get A's older flags after its own.
#[test]
fn stale_flags_after_own_store() {
    differential(&Script {
        name: "stale-flags",
        sessions: 2,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "SELECT INBOX"),
            (B, "SELECT INBOX"),
            (A, "STORE 1 FLAGS (\\Answered)"),
            (B, "STORE 1 FLAGS (\\Draft)"),
            (B, "NOOP"),
            (A, "NOOP"),
            (B, "FETCH 1 (FLAGS)"),
        ],
        differs: &[],
        modseq: false,
    });
}

/// Defect 1 with `+FLAGS.SILENT`.
#[test]
fn stale_flags_after_own_silent_store() {
    differential(&Script {
        name: "stale-flags-silent",
        sessions: 2,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "SELECT INBOX"),
            (B, "SELECT INBOX"),
            (A, "STORE 1 +FLAGS.SILENT (\\Answered)"),
            (B, "STORE 1 +FLAGS.SILENT (\\Draft)"),
            (B, "NOOP"),
            (A, "NOOP"),
            (A, "FETCH 1 (FLAGS)"),
        ],
        differs: &[],
        modseq: false,
    });
}

/// Defect 2: a STORE that changes nothing must not hide the changes after it.
#[test]
fn store_that_changes_nothing() {
    differential(&Script {
        name: "unchanged-store",
        sessions: 2,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "SELECT INBOX"),
            (B, "SELECT INBOX"),
            (A, "STORE 1 -FLAGS (\\Deleted)"),
            (B, "STORE 1 FLAGS (\\Flagged)"),
            (B, "STORE 1 FLAGS ()"),
            (A, "NOOP"),
            (B, "NOOP"),
        ],
        differs: &[],
        modseq: false,
    });
}

/// Defect 3: a message another session expunged, not yet announced to B (RFC 2180 §4.1.1).
#[test]
fn expunged_by_other_session_not_yet_announced() {
    differential(&Script {
        name: "expunge-unannounced",
        sessions: 2,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "APPEND INBOX MSG"),
            (A, "SELECT INBOX"),
            (B, "SELECT INBOX"),
            (A, "STORE 1 +FLAGS.SILENT (\\Deleted)"),
            (A, "EXPUNGE"),
            (B, "FETCH 1 (FLAGS UID)"),
            (B, "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])"),
            (B, "STORE 1 +FLAGS (\\Seen)"),
            (B, "FETCH 1:2 (FLAGS)"),
            (B, "SEARCH ALL"),
            (B, "NOOP"),
            (B, "FETCH 1 (UID FLAGS)"),
        ],
        differs: &[7, 8, 9],
        modseq: false,
    });
}

/// Defect 4: a new keyword is announced in FLAGS and PERMANENTFLAGS before FETCH uses it.
#[test]
fn new_keyword_announced_before_fetch() {
    differential(&Script {
        name: "new-keyword",
        sessions: 2,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "SELECT INBOX"),
            (B, "SELECT INBOX"),
            (A, "STORE 1 +FLAGS ($Label1)"),
            (B, "NOOP"),
            (A, "STORE 1 +FLAGS.SILENT (custom2)"),
            (B, "FETCH 1 (FLAGS)"),
            (A, "NOOP"),
        ],
        differs: &[],
        modseq: false,
    });
}

/// Defect 5: \Recent: STATUS counts unclaimed messages; EXAMINE reports them and claims none.
#[test]
fn recent_status_and_examine() {
    differential(&Script {
        name: "recent",
        sessions: 3,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "APPEND INBOX MSG"),
            (C, "STATUS INBOX (MESSAGES RECENT)"),
            (B, "EXAMINE INBOX"),
            (C, "STATUS INBOX (RECENT)"),
            (A, "SELECT INBOX"),
            (C, "STATUS INBOX (RECENT)"),
            (C, "APPEND INBOX MSG"),
            (B, "NOOP"),
            (A, "NOOP"),
            (C, "STATUS INBOX (MESSAGES RECENT)"),
            (B, "FETCH 1:* (FLAGS)"),
            (A, "FETCH 1:* (FLAGS)"),
            (C, "EXAMINE INBOX"),
        ],
        differs: &[],
        modseq: false,
    });
}

/// Defect 6: LSUB with a subscribed child under an unsubscribed parent (RFC 3501 §6.3.9:
/// `%` must return the parent, flagged \Noselect). `a/b` is created explicitly: Dovecot's
/// CREATE makes no superior names, ours does (`tests/dovecot-differences.md`). `LSUB "" %`
/// is not used: Dovecot's INBOX is unsubscribed and it has a Junk folder.
#[test]
fn lsub_unsubscribed_parent() {
    differential(&Script {
        name: "lsub",
        sessions: 1,
        steps: &[
            (A, "CREATE a/b"),
            (A, "CREATE a/b/c"),
            (A, "SUBSCRIBE a/b"),
            (A, "SUBSCRIBE a/b/c"),
            (A, "UNSUBSCRIBE a/b"),
            (A, "LSUB \"\" a/%"),
            (A, "LSUB \"\" a/*"),
            (A, "LSUB \"\" a%"),
            (A, "LSUB \"\" a/b/%"),
            (A, "LIST \"\" a/*"),
        ],
        differs: &[],
        modseq: false,
    });
}

/// Defect 7: MOVE into the selected mailbox itself.
#[test]
fn move_into_same_mailbox() {
    differential(&Script {
        name: "move-same",
        sessions: 2,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "APPEND INBOX MSG"),
            (A, "SELECT INBOX"),
            (B, "SELECT INBOX"),
            (A, "MOVE 1 INBOX"),
            (A, "FETCH 1:* (UID FLAGS)"),
            (B, "NOOP"),
            (B, "FETCH 1:* (UID)"),
        ],
        differs: &[],
        modseq: false,
    });
}

/// Another session expunges while B fetches and stores over ranges that include the
/// expunged message; UID FETCH and NOOP may announce the expunge.
#[test]
fn expunge_while_other_fetches() {
    differential(&Script {
        name: "expunge-while-fetch",
        sessions: 2,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "APPEND INBOX MSG"),
            (A, "APPEND INBOX MSG"),
            (A, "SELECT INBOX"),
            (B, "SELECT INBOX"),
            (A, "STORE 2 +FLAGS.SILENT (\\Deleted)"),
            (A, "EXPUNGE"),
            (B, "FETCH 1:* (UID FLAGS)"),
            (B, "STORE 1:* +FLAGS (\\Seen)"),
            (A, "APPEND INBOX MSG"),
            (B, "UID FETCH 1:* (FLAGS)"),
            (B, "NOOP"),
            (A, "NOOP"),
        ],
        differs: &[8, 10],
        modseq: false,
    });
}

/// Defect 8: SEARCH FROM against `From: user@domain.org (Real Name)`.
#[test]
fn search_from_with_comment() {
    differential(&Script {
        name: "search-from",
        sessions: 1,
        steps: &[
            (A, "APPEND INBOX MSG"),
            (A, "SELECT INBOX"),
            (A, "SEARCH FROM \"Real Name\""),
            (A, "SEARCH FROM \"user@domain.org\""),
            (A, "SEARCH FROM \"domain\""),
            (A, "SEARCH FROM \"real\""),
            (A, "SEARCH FROM \"nobody\""),
        ],
        differs: &[],
        modseq: false,
    });
}

/// CONDSTORE (RFC 7162 §3.1) to the number: HIGHESTMODSEQ and MODSEQ after the enabling
/// commands, MODSEQ before FLAGS in a STORE's FETCH, .SILENT STOREs that tell their
/// MODSEQ, another session's change with its MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE with
/// MODIFIED, SEARCH MODSEQ and its ESEARCH form.
#[test]
fn condstore_modseqs() {
    differential(&Script {
        name: "condstore",
        sessions: 2,
        steps: &[
            // Dovecot starts counting a mailbox's mod-sequences when a client first asks
            // (earlier messages then share one): ask before the messages arrive.
            (A, "SELECT INBOX"),
            (A, "ENABLE CONDSTORE"),
            (A, "APPEND INBOX MSG"),
            (A, "APPEND INBOX MSG"),
            (A, "NOOP"),
            (B, "SELECT INBOX (CONDSTORE)"),
            (A, "FETCH 1:* (FLAGS MODSEQ)"),
            (A, "STORE 1 +FLAGS (\\Seen)"),
            (A, "STORE 2 +FLAGS.SILENT (\\Seen)"),
            (A, "STORE 1 +FLAGS (\\Seen)"),
            (B, "NOOP"),
            (A, "FETCH 1:* (UID) (CHANGEDSINCE 3)"),
            (A, "STORE 1:2 (UNCHANGEDSINCE 4) +FLAGS.SILENT (\\Flagged)"),
            (A, "UID STORE 1:2 (UNCHANGEDSINCE 0) +FLAGS (\\Answered)"),
            (B, "NOOP"),
            (A, "SEARCH MODSEQ 5"),
            (A, "UID SEARCH RETURN (MIN COUNT) MODSEQ 1"),
            (B, "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1)"),
            (B, "EXAMINE INBOX (CONDSTORE)"),
        ],
        differs: &[],
        modseq: true,
    });
}

/// QRESYNC (RFC 7162 §3.2) to the number: another session's flag change and expunges
/// told as (UID MODSEQ FLAGS) and VANISHED with HIGHESTMODSEQ in the tagged OK; EXPUNGE
/// told as VANISHED; a session without QRESYNC told EXPUNGE; SELECT (QRESYNC ...) with
/// VANISHED (EARLIER) and the changed messages; UID FETCH (CHANGEDSINCE VANISHED).
#[test]
fn qresync_vanished() {
    differential(&Script {
        name: "qresync",
        sessions: 2,
        steps: &[
            (B, "APPEND INBOX MSG"),
            (B, "APPEND INBOX MSG"),
            (B, "APPEND INBOX MSG"),
            (B, "APPEND INBOX MSG"),
            (A, "ENABLE QRESYNC"),
            (A, "SELECT INBOX"),
            (B, "ENABLE CONDSTORE"),
            (B, "SELECT INBOX"),
            (B, "STORE 1 +FLAGS (\\Seen)"),
            (B, "STORE 2,3 +FLAGS.SILENT (\\Deleted)"),
            (B, "EXPUNGE"),
            (A, "NOOP"),
            (A, "STORE 2 +FLAGS (\\Deleted)"),
            (A, "EXPUNGE"),
            (B, "NOOP"),
            (A, "SELECT INBOX (QRESYNC ($UV 6 1:4))"),
            (A, "SELECT INBOX (QRESYNC ($UV 5))"),
            (A, "UID FETCH 1:3 (FLAGS) (CHANGEDSINCE 5 VANISHED)"),
            (B, "APPEND INBOX MSG"),
            (A, "NOOP"),
            (A, "SELECT INBOX (QRESYNC ($UV 1 1:10))"),
        ],
        differs: &[],
        modseq: true,
    });
}
