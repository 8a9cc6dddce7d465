//! A short load run (issue 9): 10 clients for 10 s against the blocking server on the memory
//! backend (127.0.0.1), each verifying every response. The workload is a condensed copy of
//! `adapters/tokio/examples/load/`, the load generator; any verification failure fails the test.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{
    CommandBody, Data, FetchAttribute, FetchAttributes, FetchItem, Flag, Mailbox, Section, StoreKind,
};
use imap_machine_blocking::{Client, Server};

#[path = "../../tokio/examples/load/flags.rs"]
mod flags;
use flags::flags_of;

const CLIENTS: usize = 10;
const SECONDS: u64 = 10;
const SEED: u64 = 4;

/// What a client knows of one message: UID (once known), body, `\Seen`, `\Deleted`.
struct Msg(Option<u32>, Bytes, bool, bool);

macro_rules! check {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(format!($($fmt)*));
        }
    };
}

fn message(client: usize, n: u64) -> Bytes {
    let mut m = format!("From: load{client}@example.org\r\nSubject: load {client} #{n}\r\n\r\n");
    for k in 0..8 {
        m.push_str(&format!("Line {k} of message {n} from load client {client}.\r\n"));
    }
    Bytes::from(m)
}

fn e(err: impl std::fmt::Display) -> String {
    err.to_string()
}
fn store(c: &mut Client, known: &mut [Msg], seq: u32, flag: Flag) -> Result<(), String> {
    let set = seq.to_string().parse().map_err(e)?;
    let body = CommandBody::Store {
        unchanged_since: None,
        set,
        kind: StoreKind::Add,
        silent: false,
        flags: vec![flag.clone()],
        uid: false,
    };
    let data = c.run(body).map_err(e)?;
    let m = &mut known[seq as usize - 1];
    (m.2, m.3) = (m.2 || flag == Flag::Seen, m.3 || flag == Flag::Deleted);
    let items = data.data.iter().find_map(|d| match d {
        Data::Fetch { seq: s, items } if s.get() == seq => Some(items),
        _ => None,
    });
    let got = flags_of(items.ok_or_else(|| format!("STORE: no FETCH for {seq}"))?)?;
    check!(got == (m.2, m.3), "STORE: flags of {seq} are {got:?}");
    Ok(())
}

/// One loop of client `id` on a new connection; `n` counts its appends.
fn iteration(addr: &str, id: usize, mailbox: &str, known: &mut Vec<Msg>, n: &mut u64) -> Result<(), String> {
    let mut c = Client::connect(addr).map_err(e)?;
    c.login("bench", "bench").map_err(e)?;
    let count = known.len() as u32;
    let sel = c.select(mailbox).map_err(e)?;
    check!(sel.exists == count, "SELECT: EXISTS {} but expected {count}", sel.exists);
    let max_uid = known.iter().filter_map(|m| m.0).max().unwrap_or(0);
    check!(sel.uid_next.is_some_and(|u| u > max_uid), "SELECT: UIDNEXT {:?} not above {max_uid}", sel.uid_next);
    let got = c.fetch("1:*", FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]));
    let got: Vec<_> = got.map_err(e)?.collect_all().map_err(e)?.iter().map(|m| (m.seq(), m.items())).collect();
    check!(got.len() == count as usize, "FETCH 1:*: {} responses for {count}", got.len());
    for (seq, items) in &got {
        let m = known.get_mut((*seq as usize).wrapping_sub(1)).ok_or_else(|| format!("FETCH: bad seq {seq}"))?;
        let uid = items.iter().find_map(|i| if let FetchItem::Uid(u) = i { Some(*u) } else { None });
        check!(uid.is_some() && (m.0.is_none() || m.0 == uid), "FETCH: seq {seq} has UID {uid:?}, not {:?}", m.0);
        m.0 = uid;
        check!(flags_of(items)? == (m.2, m.3), "FETCH: flags of {seq} differ");
    }
    check!(known.windows(2).all(|p| p[0].0 < p[1].0), "FETCH: UIDs do not increase");
    let peek = FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None };
    let got = c.fetch(count - 1..=count, FetchAttributes::List(vec![peek])).map_err(e)?.collect_all().map_err(e)?;
    let got: Vec<_> = got.iter().map(|m| (m.seq(), m.items())).collect();
    check!(got.len() == 2, "FETCH BODY: {} responses", got.len());
    for (seq, items) in &got {
        let body = items.iter().find_map(|i| match i {
            FetchItem::BodySection { data: Some(d), origin: None, .. } => Some(d.as_bytes()),
            _ => None,
        });
        check!(body == known.get(*seq as usize - 1).map(|m| &m.1[..]), "FETCH BODY: body of {seq} differs");
    }
    store(&mut c, known, count, Flag::Seen)?;
    *n += 1;
    let msg = message(id, *n);
    let uid = c.append(mailbox, &[], None, msg.clone()).map_err(e)?.map(|a| a.uid);
    let max_uid = known.iter().filter_map(|m| m.0).max().unwrap_or(0);
    check!(uid.is_some_and(|u| u > max_uid), "APPEND: APPENDUID {uid:?} not above {max_uid}");
    known.push(Msg(uid, msg, false, false));
    store(&mut c, known, 1, Flag::Deleted)?;
    let data = c.run(CommandBody::Expunge).map_err(e)?;
    let gone: Vec<u32> =
        data.data.iter().filter_map(|d| if let Data::Expunge(s) = d { Some(s.get()) } else { None }).collect();
    check!(gone == [1], "EXPUNGE: expunged {gone:?}, expected [1]");
    known.remove(0);
    check!(c.machine().selected().map(|s| s.exists) == Some(count), "EXISTS not tracked after EXPUNGE");
    c.logout().map_err(e)
}

#[test]
fn ten_clients_for_ten_seconds_verify_every_response() {
    let backend = MemoryBackend::new();
    backend.add_user("bench", "bench");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = Server::new(Arc::new(backend)).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));

    let mut setup = Client::connect(&addr).unwrap();
    setup.login("bench", "bench").unwrap();
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let mut handles = Vec::new();
    for id in 0..CLIENTS {
        let mailbox = format!("load-{id}");
        setup.run(CommandBody::Create { mailbox: Mailbox::from_utf8(&mailbox).unwrap(), special_use: vec![] }).unwrap();
        let mut known = Vec::new();
        for n in 1..=SEED {
            let uid = setup.append(&mailbox, &[], None, message(id, n)).unwrap().map(|a| a.uid);
            known.push(Msg(uid, message(id, n), false, false));
        }
        let addr = addr.clone();
        handles.push(std::thread::spawn(move || {
            let (mut n, mut loops) = (SEED, 0u64);
            while Instant::now() < deadline {
                iteration(&addr, id, &mailbox, &mut known, &mut n).map_err(|err| format!("client {id}: {err}"))?;
                loops += 1;
            }
            Ok::<u64, String>(loops)
        }));
    }
    let results: Result<Vec<u64>, String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let loops: u64 = results.expect("no verification failure").iter().sum();
    assert!(loops >= CLIENTS as u64, "only {loops} loops ran");
    eprintln!("load smoke: {CLIENTS} clients, {loops} loops (9 commands each) in {SECONDS} s, 0 verification failures");
}
