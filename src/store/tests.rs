// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! Session tests: several connections on one memory backend, each a client machine and a
//! server machine in a Pair with its own Session.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use super::memory::MemoryBackend;
use super::{Backend, Session};
use crate::client::{self, ClientOptions, CommandId};
use crate::testing::{Chunking, Pair};
use crate::types::*;

struct Conn {
    pair: Pair,
    session: Session<MemoryBackend>,
    woken: Arc<AtomicBool>,
}

impl Conn {
    fn new(backend: &Arc<MemoryBackend>) -> Conn {
        Conn::with_options(backend, |_| {})
    }

    /// A connection whose server options `change` adjusts first.
    fn with_options(backend: &Arc<MemoryBackend>, change: impl FnOnce(&mut crate::server::ServerOptions)) -> Conn {
        let mut options = Session::server_options(&**backend);
        options.allow_insecure_auth = true;
        change(&mut options);
        let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
        pair.chunking = Chunking::Random(3);
        let mut session = Session::new(backend.clone());
        let woken = Arc::new(AtomicBool::new(false));
        let w = woken.clone();
        session.set_notifier(Arc::new(move || w.store(true, Ordering::SeqCst)));
        let mut c = Conn { pair, session, woken };
        let login = c.pair.client.send(CommandBody::Login {
            username: IString::from_static("username"),
            password: Secret::new(IString::from_static("password")),
        });
        c.drive();
        assert_eq!(c.status(login.unwrap()).kind, StatusKind::Ok);
        c
    }

    fn drive(&mut self) {
        let session = &mut self.session;
        self.pair.drive_with(|server, event| session.handle(server, event));
    }

    /// Sends a command, drives, returns its completion and the events since it was sent.
    fn run(&mut self, body: CommandBody) -> (StatusResponse, Vec<client::Event>) {
        let start = self.pair.client_events.len();
        let id = self.pair.client.send(body).unwrap();
        self.drive();
        let events = self.pair.client_events[start..].to_vec();
        (self.status(id), events)
    }

    fn status(&self, id: CommandId) -> StatusResponse {
        self.pair
            .client_events
            .iter()
            .find_map(|e| match e {
                client::Event::CommandCompleted { id: d, status } if *d == id => Some(status.clone()),
                _ => None,
            })
            .expect("command completed")
    }

    /// If the notifier fired, lets the session push updates (what an adapter does in IDLE).
    fn wake(&mut self) -> bool {
        if self.woken.swap(false, Ordering::SeqCst) {
            self.session.poll_updates(&mut self.pair.server);
            self.drive();
            return true;
        }
        false
    }
}

fn select(c: &mut Conn, name: &str) -> Vec<client::Event> {
    let (st, ev) = c.run(CommandBody::select(Mailbox::from_utf8(name).unwrap()));
    assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
    ev
}

fn append(c: &mut Conn, name: &str, body: &'static str) -> StatusResponse {
    c.run(CommandBody::Append {
        mailbox: Mailbox::from_utf8(name).unwrap(),
        flags: vec![],
        date: None,
        message: Literal::new(Bytes::from_static(body.as_bytes())).unwrap(),
    })
    .0
}

fn fetch(set: &str, atts: Vec<FetchAttribute>, uid: bool) -> CommandBody {
    CommandBody::Fetch { set: set.parse().unwrap(), attributes: FetchAttributes::List(atts), uid, modifiers: vec![] }
}

fn store(set: &str, kind: StoreKind, flags: Vec<Flag>) -> CommandBody {
    CommandBody::Store { unchanged_since: None, set: set.parse().unwrap(), kind, silent: false, flags, uid: false }
}

fn data(ev: &[client::Event]) -> Vec<Data> {
    ev.iter()
        .filter_map(|e| match e {
            client::Event::Data { data, .. } => Some(data.clone()),
            _ => None,
        })
        .collect()
}

const MSG: &str = "From: a@b\r\nSubject: hi\r\n\r\nbody\r\n";

fn backend() -> Arc<MemoryBackend> {
    Arc::new(MemoryBackend::with_demo_data())
}

#[test]
fn select_reports_everything() {
    let b = backend();
    let mut a = Conn::new(&b);
    let ev = select(&mut a, "INBOX");
    let d = data(&ev);
    assert!(d.contains(&Data::Exists(1)) && d.contains(&Data::Recent(1)), "{d:?}");
    let sel = a.pair.client.selected().unwrap();
    assert!(sel.uid_validity.is_some() && sel.uid_next == Some(2) && sel.unseen == Some(1));
    assert!(sel.permanent_flags.contains(&FlagPerm::Wildcard));
    assert!(!sel.read_only);
}

#[test]
fn append_while_other_idles_gives_exists() {
    let b = backend();
    let (mut a, mut bb) = (Conn::new(&b), Conn::new(&b));
    select(&mut bb, "INBOX");
    let idle = bb.pair.client.idle(bb.pair.now).unwrap();
    bb.drive();
    assert!(bb.pair.client_events.contains(&client::Event::IdleAccepted { id: idle }));
    let st = append(&mut a, "INBOX", MSG);
    assert!(matches!(st.code, Some(Code::AppendUid { .. })));
    assert!(bb.wake(), "the notifier woke B");
    assert!(bb.pair.client_events.iter().any(|e| matches!(e, client::Event::Data { data: Data::Exists(2), .. })));
    assert_eq!(bb.pair.client.selected().unwrap().exists, 2);
    bb.pair.client.idle_done(idle).unwrap();
    bb.drive();
    assert_eq!(bb.status(idle).kind, StatusKind::Ok);
}

#[test]
fn expunge_is_deferred_during_fetch_by_sequence_number() {
    let b = backend();
    let (mut a, mut bb) = (Conn::new(&b), Conn::new(&b));
    append(&mut a, "INBOX", MSG);
    select(&mut a, "INBOX");
    select(&mut bb, "INBOX");
    a.run(store("1", StoreKind::Add, vec![Flag::Deleted]));
    let (st, ev) = a.run(CommandBody::Expunge);
    assert_eq!(st.kind, StatusKind::Ok);
    assert!(data(&ev).contains(&Data::Expunge(std::num::NonZeroU32::MIN)));
    // B fetches by sequence number: no EXPUNGE now, and message 1 is still readable by B,
    // with its data (RFC 2180 §4.1.1).
    let (st, ev) = bb.run(fetch("1:*", vec![FetchAttribute::Uid, FetchAttribute::Rfc822Size], false));
    assert!(!data(&ev).iter().any(|d| matches!(d, Data::Expunge(_))), "{ev:?}");
    assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
    let fetched = data(&ev)
        .iter()
        .filter(|d| matches!(d, Data::Fetch { items, .. } if matches!(items[0], FetchItem::Uid(_))))
        .count();
    assert_eq!(fetched, 2, "{ev:?}");
    assert_eq!(b.retained_expunged().0, 1, "kept for B");
    assert_eq!(bb.pair.client.selected().unwrap().exists, 2, "EXISTS never decreases without EXPUNGE");
    // At NOOP it arrives, and B's numbering follows.
    let (_, ev) = bb.run(CommandBody::Noop);
    assert!(data(&ev).contains(&Data::Expunge(std::num::NonZeroU32::MIN)));
    assert_eq!(bb.pair.client.selected().unwrap().exists, 1);
    assert_eq!(b.retained_expunged(), (0, 0), "freed once every view dropped it");
    let (_, ev) = bb.run(fetch("1", vec![FetchAttribute::Uid], false));
    assert!(data(&ev).iter().any(|d| matches!(d, Data::Fetch { items, .. } if items.contains(&FetchItem::Uid(2)))));
}

#[test]
fn store_reaches_the_other_session_as_fetch_flags() {
    let b = backend();
    let (mut a, mut bb) = (Conn::new(&b), Conn::new(&b));
    select(&mut a, "INBOX");
    select(&mut bb, "INBOX");
    let (_, ev) = a.run(store("1", StoreKind::Add, vec![Flag::Flagged]));
    assert_eq!(data(&ev).len(), 1, "A gets its own FETCH once, not echoed again");
    let (_, ev) = a.run(CommandBody::Noop);
    assert!(data(&ev).is_empty(), "{ev:?}");
    let (_, ev) = bb.run(CommandBody::Noop);
    let d = data(&ev);
    assert!(
        matches!(&d[..], [Data::Fetch { items, .. }] if matches!(&items[0], FetchItem::Flags(f) if f.contains(&FlagFetch::Flag(Flag::Flagged)))),
        "{d:?}"
    );
}

#[test]
fn recent_belongs_to_one_session() {
    let b = backend();
    let (mut a, mut bb) = (Conn::new(&b), Conn::new(&b));
    assert!(data(&select(&mut a, "INBOX")).contains(&Data::Recent(1)));
    assert!(data(&select(&mut bb, "INBOX")).contains(&Data::Recent(0)));
    // A third session, with nothing selected, appends; B hears of it first and gets its
    // \Recent; A gets EXISTS but no RECENT.
    let mut c = Conn::new(&b);
    append(&mut c, "INBOX", MSG);
    let (_, ev) = bb.run(CommandBody::Noop);
    assert!(data(&ev).contains(&Data::Recent(1)), "B saw the new message first: {ev:?}");
    let (_, ev) = a.run(CommandBody::Noop);
    assert!(data(&ev).contains(&Data::Exists(2)) && !data(&ev).iter().any(|d| matches!(d, Data::Recent(_))), "{ev:?}");
}

#[test]
fn implicit_seen_and_uid_in_uid_fetch() {
    let b = backend();
    let mut a = Conn::new(&b);
    select(&mut a, "INBOX");
    let peek = FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None };
    let (_, ev) = a.run(fetch("1", vec![peek], true));
    let d = data(&ev);
    let Data::Fetch { items, .. } = &d[0] else { panic!() };
    assert_eq!(items[0], FetchItem::Uid(1), "UID FETCH always includes UID");
    assert_eq!(items.len(), 2, "PEEK sets nothing");
    let body = FetchAttribute::BodySection { peek: false, section: Section::default(), partial: None };
    let (_, ev) = a.run(fetch("1", vec![body], false));
    let Data::Fetch { items, .. } = &data(&ev)[0] else { panic!() };
    assert!(
        items.iter().any(|i| matches!(i, FetchItem::Flags(f) if f.contains(&FlagFetch::Flag(Flag::Seen)))),
        "{items:?}"
    );
}

#[test]
fn star_resolves_against_this_sessions_view() {
    let b = backend();
    let (mut a, mut bb) = (Conn::new(&b), Conn::new(&b));
    select(&mut bb, "INBOX");
    append(&mut a, "INBOX", MSG);
    append(&mut a, "INBOX", MSG);
    // B was told nothing yet: it still has one message, so * is 1.
    let (_, ev) = bb.run(fetch("*", vec![FetchAttribute::Uid], false));
    let fetched: Vec<_> = data(&ev).into_iter().filter(|d| matches!(d, Data::Fetch { .. })).collect();
    assert!(
        matches!(&fetched[0], Data::Fetch { seq, items } if seq.get() == 1 && items[0] == FetchItem::Uid(1)),
        "{fetched:?}"
    );
    let (_, ev) = bb.run(fetch("*", vec![FetchAttribute::Uid], false));
    assert!(data(&ev)
        .iter()
        .any(|d| matches!(d, Data::Fetch { seq, items } if seq.get() == 3 && items[0] == FetchItem::Uid(3))));
    let (st, _) = bb.run(fetch("4", vec![FetchAttribute::Uid], false));
    assert_eq!(st.kind, StatusKind::Bad, "sequence number past the end");
}

#[test]
fn delete_and_recreate_changes_uidvalidity() {
    let b = backend();
    let mut a = Conn::new(&b);
    assert_eq!(
        a.run(CommandBody::Create { mailbox: Mailbox::from_utf8("work/2026").unwrap(), special_use: vec![] }).0.kind,
        StatusKind::Ok
    );
    let status = |a: &mut Conn| {
        let (_, ev) = a.run(CommandBody::Status {
            mailbox: Mailbox::from_utf8("work/2026").unwrap(),
            items: vec![StatusItem::UidValidity],
        });
        data(&ev).into_iter().find_map(|d| match d {
            Data::Status { items, .. } => Some(items[0].1),
            _ => None,
        })
    };
    let v1 = status(&mut a).unwrap();
    assert_eq!(a.run(CommandBody::Delete { mailbox: Mailbox::from_utf8("work/2026").unwrap() }).0.kind, StatusKind::Ok);
    assert_eq!(status(&mut a), None);
    a.run(CommandBody::Create { mailbox: Mailbox::from_utf8("work/2026").unwrap(), special_use: vec![] });
    let v2 = status(&mut a).unwrap();
    assert_ne!(v1, v2);
    // "work" was created as a superior; deleting it while it has children makes it \Noselect.
    assert_eq!(a.run(CommandBody::Delete { mailbox: Mailbox::from_utf8("work").unwrap() }).0.kind, StatusKind::Ok);
    let st = a.run(CommandBody::Delete { mailbox: Mailbox::from_utf8("work").unwrap() }).0;
    assert_eq!((st.kind, st.code), (StatusKind::No, Some(Code::Rfc5530(Rfc5530Code::Cannot))));
    let st = a.run(CommandBody::Create { mailbox: Mailbox::from_utf8("Sent").unwrap(), special_use: vec![] }).0;
    assert_eq!(st.code, Some(Code::Rfc5530(Rfc5530Code::AlreadyExists)));
}

#[test]
fn rename_inbox_moves_its_messages() {
    let b = backend();
    let mut a = Conn::new(&b);
    let st = a.run(CommandBody::Rename { from: Mailbox::Inbox, to: Mailbox::from_utf8("Old").unwrap() }).0;
    assert_eq!(st.kind, StatusKind::Ok);
    let user = b.login("username", "password").unwrap();
    assert_eq!(b.status(&user, "INBOX").unwrap().messages, 0);
    assert_eq!(b.status(&user, "Old").unwrap().messages, 1);
}

#[test]
fn copy_and_move_with_copyuid() {
    let b = backend();
    let mut a = Conn::new(&b);
    select(&mut a, "INBOX");
    let (st, _) = a.run(CommandBody::Copy {
        set: "1".parse().unwrap(),
        mailbox: Mailbox::from_utf8("Trash").unwrap(),
        uid: false,
    });
    assert!(
        matches!(&st.code, Some(Code::CopyUid { source, destination, .. }) if source.to_string() == "1" && destination.to_string() == "1")
    );
    let (st, _) = a.run(CommandBody::Copy {
        set: "1".parse().unwrap(),
        mailbox: Mailbox::from_utf8("Nope").unwrap(),
        uid: false,
    });
    assert_eq!(st.code, Some(Code::TryCreate));
    let (st, ev) = a.run(CommandBody::Move {
        set: "1".parse().unwrap(),
        mailbox: Mailbox::from_utf8("Trash").unwrap(),
        uid: true,
    });
    assert_eq!(st.kind, StatusKind::Ok);
    assert!(ev.iter().any(|e| matches!(e, client::Event::Status(s) if matches!(&s.code, Some(Code::CopyUid { destination, .. }) if destination.to_string() == "2"))), "{ev:?}");
    assert!(data(&ev).contains(&Data::Expunge(std::num::NonZeroU32::MIN)));
    assert_eq!(a.pair.client.selected().unwrap().exists, 0);
}

#[test]
fn list_lsub_search_and_errors() {
    let b = backend();
    let mut a = Conn::new(&b);
    let (_, ev) = a.run(CommandBody::list(Mailbox::from_utf8("").unwrap(), ListMailbox::from_utf8("*").unwrap()));
    let names: Vec<String> = data(&ev)
        .into_iter()
        .filter_map(|d| match d {
            Data::List(i) => Some(String::from_utf8_lossy(i.mailbox.as_wire()).into_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["Drafts", "INBOX", "Sent", "Trash"]);
    let (_, ev) = a.run(CommandBody::list(Mailbox::from_utf8("").unwrap(), ListMailbox::from_utf8("").unwrap()));
    assert!(matches!(&data(&ev)[0], Data::List(i) if i.delimiter == Some('/')));
    select(&mut a, "INBOX");
    let (_, ev) = a.run(CommandBody::Search {
        ret: None,
        charset: None,
        criteria: vec![SearchKey::Subject(IString::from_static("welcome"))],
        uid: true,
    });
    assert!(data(&ev).contains(&Data::Search { ids: vec![1], modseq: None }));
    // Non-ASCII text, so the client can't fall back to a search without CHARSET.
    let criteria = vec![SearchKey::Subject(IString::from_static("caf\u{e9}"))];
    let (st, _) =
        a.run(CommandBody::Search { ret: None, charset: Some(IString::from_static("X-NOPE")), criteria, uid: false });
    assert!(matches!(st.code, Some(Code::BadCharset(_))), "{st:?}");
    let (st, _) = a.run(CommandBody::select(Mailbox::from_utf8("Nope").unwrap()));
    assert_eq!(st.code, Some(Code::Rfc5530(Rfc5530Code::NonExistent)));
    assert_eq!(a.pair.client.state(), State::Authenticated, "a failed SELECT deselects");
}

#[test]
fn hundred_thousand_messages_are_not_quadratic() {
    let b = Arc::new(MemoryBackend::with_demo_data());
    let user = b.login("username", "password").unwrap();
    for _ in 0..100_000 {
        b.append(&user, "INBOX", &[], None, Bytes::from_static(MSG.as_bytes())).unwrap();
    }
    let mut a = Conn::new(&b);
    a.pair.chunking = Chunking::Whole;
    select(&mut a, "INBOX");
    assert_eq!(a.pair.client.selected().unwrap().exists, 100_001);
    let (st, ev) = a.run(fetch("1:*", vec![FetchAttribute::Flags], false));
    assert_eq!(st.kind, StatusKind::Ok);
    assert_eq!(data(&ev).len(), 100_001);
}

// The model-based test of several sessions is in `model.rs`.

#[test]
fn noop_and_id_work_before_login() {
    let b = backend();
    let mut options = Session::server_options(&*b);
    options.allow_insecure_auth = true;
    let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
    let mut session = Session::new(b);
    let noop = pair.client.send(CommandBody::Noop).unwrap();
    let id = pair.client.send(CommandBody::Id { parameters: None }).unwrap();
    pair.drive_with(|s, e| session.handle(s, e));
    for want in [noop, id] {
        let ok = pair.client_events.iter().any(|e| {
            matches!(e, client::Event::CommandCompleted { id, status } if *id == want && status.kind == StatusKind::Ok)
        });
        assert!(ok, "{:?}", pair.client_events);
    }
    assert!(pair.client_events.iter().any(|e| matches!(e, client::Event::Data { data: Data::Id(Some(_)), .. })));
}

#[test]
fn search_from_comment_form() {
    let b = backend();
    let mut a = Conn::new(&b);
    for from in ["user@domain.org (Real Name)", "Real Name <user@domain.org>", "user@domain.org"] {
        let body = format!("From: {from}\r\nTo: x@y\r\nSubject: t\r\n\r\nbody\r\n");
        let st = a
            .run(CommandBody::Append {
                mailbox: Mailbox::Inbox,
                flags: vec![],
                date: None,
                message: Literal::new(Bytes::from(body)).unwrap(),
            })
            .0;
        assert_eq!(st.kind, StatusKind::Ok);
    }
    select(&mut a, "INBOX");
    for needle in ["user@domain.org", "Real Name", "domain"] {
        let (_, ev) = a.run(CommandBody::Search {
            ret: None,
            charset: None,
            criteria: vec![SearchKey::From(IString::try_from(needle.to_string()).unwrap())],
            uid: true,
        });
        let ids = data(&ev).into_iter().find_map(|d| if let Data::Search { ids, .. } = d { Some(ids) } else { None });
        let want = if needle == "Real Name" { vec![2, 3] } else { vec![2, 3, 4] };
        assert_eq!(ids, Some(want), "{needle}");
    }
}

#[test]
fn expunged_data_comes_back_when_every_view_dropped_it() {
    let b = Arc::new(MemoryBackend::new());
    b.add_user("username", "password");
    let (mut a, mut bb, mut c) = (Conn::new(&b), Conn::new(&b), Conn::new(&b));
    let big = "Subject: big\r\n\r\n".to_string() + &"x".repeat(100_000) + "\r\n";
    let big: &'static str = Box::leak(big.into_boxed_str());
    for _ in 0..3 {
        append(&mut a, "INBOX", big);
    }
    for s in [&mut a, &mut bb, &mut c] {
        select(s, "INBOX");
    }
    a.run(store("1:3", StoreKind::Add, vec![Flag::Deleted]));
    a.run(CommandBody::Expunge);
    let (n, bytes) = b.retained_expunged();
    assert_eq!(n, 3, "B and C still see them");
    assert!(bytes > 300_000, "{bytes}");
    // B reads one by sequence number: still there, no EXPUNGE yet.
    let (st, ev) = bb.run(fetch("2", vec![FetchAttribute::Rfc822Size], false));
    assert_eq!(st.kind, StatusKind::Ok);
    assert!(!data(&ev).iter().any(|d| matches!(d, Data::Expunge(_))));
    // B is told; C leaves without being told: nothing is kept.
    bb.run(CommandBody::Noop);
    assert_eq!(b.retained_expunged().0, 3, "C still sees them");
    c.run(CommandBody::Logout);
    assert_eq!(b.retained_expunged(), (0, 0));
}

#[test]
fn a_selected_mailbox_deleted_by_another_session_ends_with_bye() {
    let b = backend();
    let (mut a, mut bb) = (Conn::new(&b), Conn::new(&b));
    a.run(CommandBody::Create { mailbox: Mailbox::from_utf8("work").unwrap(), special_use: vec![] });
    select(&mut a, "work");
    let st = bb.run(CommandBody::Delete { mailbox: Mailbox::from_utf8("work").unwrap() }).0;
    assert_eq!(st.kind, StatusKind::Ok);
    // Created again under the same name: a new mailbox, which A's view is not of.
    bb.run(CommandBody::Create { mailbox: Mailbox::from_utf8("work").unwrap(), special_use: vec![] });
    a.pair.client.send(CommandBody::Noop).unwrap();
    a.drive();
    let bye = a.pair.client_events.iter().any(|e| matches!(e, client::Event::Bye { .. }));
    assert!(bye, "{:?}", a.pair.client_events);
    assert!(a.pair.server.is_closed());
}

#[test]
fn session_ids_come_from_the_backend() {
    let b = backend();
    let ids: std::collections::HashSet<_> = (0..100).map(|_| Session::new(b.clone()).id()).collect();
    assert_eq!(ids.len(), 100);
    let other = backend();
    assert_eq!(Session::new(other).id(), super::SessionId(1), "ids are per backend, not per process");
}

/// Timings at 100k and 1M (run by hand: `cargo test --release --lib timings_by_size --
/// --ignored --nocapture`); the benchmark of record is `benches/store.rs`.
#[test]
#[ignore]
fn timings_by_size() {
    let sizes: Vec<usize> = std::env::var("TIMINGS_SIZES")
        .map(|v| v.split(',').map(|n| n.parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![100_000, 1_000_000]);
    for n in sizes {
        let b = Arc::new(MemoryBackend::new());
        b.add_user("username", "password");
        let user = b.login("username", "password").unwrap();
        for _ in 0..n {
            b.append(&user, "INBOX", &[], None, Bytes::from_static(MSG.as_bytes())).unwrap();
        }
        let (mut a, mut other) = (Conn::new(&b), Conn::new(&b));
        a.pair.chunking = Chunking::Whole;
        other.pair.chunking = Chunking::Whole;
        let t = std::time::Instant::now();
        select(&mut a, "INBOX");
        let sel = t.elapsed();
        select(&mut other, "INBOX");
        let time = |c: &mut Conn, body: CommandBody| {
            let t = std::time::Instant::now();
            let (st, _) = c.run(body);
            assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
            t.elapsed()
        };
        let silent = |set: &str, flag: Flag| CommandBody::Store {
            unchanged_since: None,
            set: set.parse().unwrap(),
            kind: StoreKind::Add,
            silent: true,
            flags: vec![flag],
            uid: false,
        };
        let store_all = time(&mut a, silent("1:*", Flag::Flagged));
        let catch_up = time(&mut other, CommandBody::Noop);
        let half = format!("1:{}", n / 2);
        let fetch_flags = time(&mut a, fetch("1:*", vec![FetchAttribute::Flags], false));
        let search = time(
            &mut a,
            CommandBody::Search { ret: None, charset: None, criteria: vec![SearchKey::Flagged], uid: true },
        );
        let copy = time(
            &mut a,
            CommandBody::Copy { set: half.parse().unwrap(), mailbox: Mailbox::from_utf8("Trash").unwrap(), uid: false },
        );
        time(&mut a, silent(&half, Flag::Deleted));
        let expunge = time(&mut a, CommandBody::Expunge);
        let quarter = format!("1:{}", n / 4);
        let moved = time(
            &mut a,
            CommandBody::Move {
                set: quarter.parse().unwrap(),
                mailbox: Mailbox::from_utf8("Trash").unwrap(),
                uid: false,
            },
        );
        let catch_up2 = time(&mut other, CommandBody::Noop);
        eprintln!(
            "{n}: select {sel:?} store {store_all:?} catch-up {catch_up:?} fetch {fetch_flags:?} search {search:?} \
             copy {copy:?} expunge {expunge:?} move {moved:?} catch-up {catch_up2:?}"
        );
    }
}

/// A message of `n` bytes: a header, then lines of digits.
fn big_message(n: usize) -> Bytes {
    let mut m = b"From: a@b\r\nSubject: big\r\n\r\n".to_vec();
    let mut k = 0u64;
    while m.len() < n {
        m.extend_from_slice(format!("{k:078}\r\n").as_bytes());
        k += 1;
    }
    m.truncate(n);
    Bytes::from(m)
}

#[test]
fn a_long_append_is_streamed_to_the_store() {
    let b = backend();
    let mut a = Conn::new(&b);
    let body = big_message(300_000);
    let id = a
        .pair
        .client
        .send(CommandBody::Append {
            mailbox: Mailbox::Inbox,
            flags: vec![Flag::Seen],
            date: None,
            message: Literal::new(body.clone()).unwrap(),
        })
        .unwrap();
    let (mut chunks, mut whole) = (0, 0);
    let session = &mut a.session;
    a.pair.drive_with(|server, event| {
        match &event {
            crate::server::Event::AppendChunk { .. } => chunks += 1,
            crate::server::Event::CommandReceived { command: CommandBody::Append { .. }, .. } => whole += 1,
            _ => {}
        }
        session.handle(server, event)
    });
    let st = a.status(id);
    assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
    assert!(matches!(st.code, Some(Code::AppendUid { .. })), "{st:?}");
    assert!(chunks > 1 && whole == 0, "streamed in {chunks} chunks, never whole");
    select(&mut a, "INBOX");
    let peek = FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None };
    let (_, ev) = a.run(fetch("2", vec![peek], false));
    let got = data(&ev)
        .into_iter()
        .find_map(|d| match d {
            Data::Fetch { items, .. } => items.into_iter().find_map(|i| match i {
                FetchItem::BodySection { data, .. } => data,
                _ => None,
            }),
            _ => None,
        })
        .expect("BODY[]");
    assert_eq!(got.as_bytes(), &body[..]);
}

#[test]
fn a_long_append_is_refused_before_it_is_sent() {
    let b = Arc::new(MemoryBackend::with_demo_data().with_append_limit(200_000));
    let mut a = Conn::new(&b);
    for (mailbox, n, code) in [("nosuch", 100_000, Code::TryCreate), ("INBOX", 250_000, Code::TooBig)] {
        let message = Literal::new(big_message(n)).unwrap();
        let (st, _) = a.run(CommandBody::Append {
            mailbox: Mailbox::from_utf8(mailbox).unwrap(),
            flags: vec![],
            date: None,
            message,
        });
        assert_eq!((st.kind, st.code), (StatusKind::No, Some(code)));
    }
    assert_eq!(b.status(&b.login("username", "password").unwrap(), "INBOX").unwrap().messages, 1);
}

#[test]
fn envelope_and_bodystructure_come_from_the_parse_made_at_append() {
    let b = backend();
    let mut a = Conn::new(&b);
    let parses = || crate::mime::PARSES.with(|n| n.get());
    let before = parses();
    let multipart = "From: a@b\r\nSubject: two parts\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n\
                     --x\r\nContent-Type: text/plain\r\n\r\none\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n--x--\r\n";
    assert_eq!(append(&mut a, "INBOX", multipart).kind, StatusKind::Ok);
    assert_eq!(parses() - before, 1, "parsed once, at APPEND");
    // COPY shares the parse.
    let (st, _) = a.run(CommandBody::select(Mailbox::Inbox));
    assert_eq!(st.kind, StatusKind::Ok);
    let (st, _) = a.run(CommandBody::Copy { set: "2".parse().unwrap(), mailbox: Mailbox::Inbox, uid: false });
    assert_eq!(st.kind, StatusKind::Ok);
    let before = parses();
    let atts = vec![FetchAttribute::Envelope, FetchAttribute::BodyStructure, FetchAttribute::Body];
    let (st, ev) = a.run(fetch("2:3", atts.clone(), false));
    assert_eq!(st.kind, StatusKind::Ok);
    assert_eq!(parses(), before, "FETCH ENVELOPE BODYSTRUCTURE BODY parses nothing");
    // The same items as a parse of the message gives.
    let m = crate::mime::Message::parse(Bytes::from_static(multipart.as_bytes()));
    let want: Vec<FetchItem> = atts.iter().map(|a| m.fetch(a).unwrap().unwrap()).collect();
    let fetched: Vec<Vec<FetchItem>> = data(&ev)
        .into_iter()
        .filter_map(|d| match d {
            Data::Fetch { items, .. } => Some(items),
            _ => None,
        })
        .collect();
    assert_eq!(fetched, [want.clone(), want]);
    // An item that needs the text still reads (and parses) the message.
    let text = FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None };
    let before = parses();
    a.run(fetch("2", vec![FetchAttribute::BodyStructure, text], false));
    assert_eq!(parses(), before + 1);
}

#[test]
fn within_older_and_younger_count_from_the_stores_clock() {
    // RFC 5032 §2: the target is now less the interval; OLDER matches at or before it,
    // YOUNGER at or after it, to the second.
    let now = DateTime::parse("05-Dec-2026 12:00:00 +0000").unwrap();
    let b = Arc::new(MemoryBackend::with_demo_data().with_clock(Arc::new(move || now)));
    let mut a = Conn::new(&b);
    assert!(a.pair.client.has_capability(&Capability::Within));
    for date in ["05-Dec-2026 11:59:50 +0000", "05-Dec-2026 12:00:00 +0100", "02-Dec-2026 12:00:00 +0000"] {
        let (st, _) = a.run(CommandBody::Append {
            mailbox: Mailbox::Inbox,
            flags: vec![],
            date: Some(DateTime::parse(date).unwrap()),
            message: Literal::new(Bytes::from_static(MSG.as_bytes())).unwrap(),
        });
        assert_eq!(st.kind, StatusKind::Ok);
    }
    select(&mut a, "INBOX");
    let mut search = |key: SearchKey| {
        let (st, ev) = a.run(CommandBody::Search {
            ret: None,
            charset: None,
            criteria: vec![SearchKey::Not(Box::new(SearchKey::Uid("1".parse().unwrap()))), key],
            uid: true,
        });
        assert_eq!(st.kind, StatusKind::Ok);
        data(&ev).into_iter().find_map(|d| if let Data::Search { ids, .. } = d { Some(ids) } else { None }).unwrap()
    };
    // UID 2: 10 s old; UID 3: exactly one hour old (12:00 +0100); UID 4: three days old.
    assert_eq!(search(SearchKey::Younger(3600)), [2, 3]);
    assert_eq!(search(SearchKey::Older(3600)), [3, 4]);
    assert_eq!(search(SearchKey::Younger(9)), Vec::<u32>::new());
    assert_eq!(search(SearchKey::Younger(10)), [2]);
    assert_eq!(search(SearchKey::Older(259_200)), [4]);
}

#[test]
fn binary_append_keeps_every_octet() {
    // RFC 3516 §4.3: APPEND takes `~{n}` (literal8); the message may hold NUL. Short and
    // long (streamed) ones alike.
    let b = backend();
    let mut a = Conn::new(&b);
    let mut short = b"Subject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\n\x00\x01\xff\r\n".to_vec();
    let mut long = short.clone();
    long.extend(std::iter::repeat_n(0u8, 200_000));
    for body in [std::mem::take(&mut short), std::mem::take(&mut long)] {
        let (st, _) = a.run(CommandBody::Append {
            mailbox: Mailbox::Inbox,
            flags: vec![],
            date: None,
            message: Literal::binary(Bytes::from(body.clone())),
        });
        assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
        let Some(Code::AppendUid { uids, .. }) = st.code else { panic!("{st:?}") };
        select(&mut a, "INBOX");
        let uid = uids.to_string();
        let bin = FetchAttribute::Binary { peek: true, part: vec![], partial: None };
        let (_, ev) = a.run(CommandBody::Fetch {
            set: uid.parse().unwrap(),
            attributes: FetchAttributes::List(vec![bin, FetchAttribute::Rfc822Size]),
            uid: true,
            modifiers: vec![],
        });
        let items = data(&ev)
            .into_iter()
            .find_map(|d| if let Data::Fetch { items, .. } = d { Some(items) } else { None })
            .unwrap();
        assert!(items.contains(&FetchItem::Rfc822Size(body.len() as u32)), "{items:?}");
        let got = items.iter().find_map(|i| if let FetchItem::Binary { data, .. } = i { data.clone() } else { None });
        assert_eq!(got.as_deref(), Some(&body[..]), "every octet back, NUL included");
    }
}

#[path = "append_tests.rs"]
mod append_tests;
