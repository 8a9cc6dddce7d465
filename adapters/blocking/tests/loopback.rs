//! Loopback tests (127.0.0.1 only): the blocking client against the blocking server on
//! the memory backend, in plaintext, with STARTTLS and with implicit TLS.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{FetchAttribute, FetchAttributes, FetchItem, Flag, PartialRange, SearchKey, StoreKind};
use imap_machine_blocking::{Client, Server, Update};

#[path = "support/tls.rs"]
mod tls;
use tls::tls_configs;

fn start(server: Server<MemoryBackend>, tls: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || if tls { server.serve_tls(listener) } else { server.serve(listener) });
    addr
}

const MSG: &[u8] = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: loopback\r\n\r\nhello\r\n";

#[test]
fn full_workflow_in_plaintext() {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let addr = start(Server::new(backend).allow_insecure_auth(true), false);
    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    let names: Vec<_> =
        c.list("", "*").unwrap().into_iter().map(|i| i.mailbox.to_utf8().unwrap().into_owned()).collect();
    assert!(names.contains(&"INBOX".to_string()) && names.contains(&"Sent".to_string()));
    let uid = c.append("INBOX", &[Flag::Flagged], None, Bytes::from_static(MSG)).unwrap();
    assert_eq!(uid.map(|a| a.uid), Some(2));
    let sel = c.select("INBOX").unwrap();
    assert_eq!(sel.exists, 2);
    let atts =
        FetchAttributes::List(vec![FetchAttribute::Envelope, FetchAttribute::BodyStructure, FetchAttribute::Flags]);
    let got = c.fetch("1:*", atts).unwrap().collect_all().unwrap();
    assert_eq!(got.len(), 2);
    assert!(
        matches!(&got[1].items()[0], FetchItem::Envelope(e) if e.subject.as_ref().unwrap().as_bytes() == b"loopback")
    );
    assert_eq!(got[1].envelope().and_then(|e| e.subject_text()).as_deref(), Some("loopback"));
    assert_eq!(c.uid_search(SearchKey::Flagged).unwrap(), vec![2]);
    c.store(1, StoreKind::Add, &[Flag::Seen]).unwrap();
    assert!(c.copy(1, "Trash").unwrap().is_some(), "COPYUID");
    c.uid_move(2, "Sent").unwrap();
    c.noop().unwrap();
    let updates: Vec<_> = std::iter::from_fn(|| c.try_next_update()).collect();
    assert!(updates.iter().all(|u| matches!(u, Update::Recent(_) | Update::Exists(_))), "{updates:?}");
    assert_eq!(c.selected().unwrap().exists, 1);
    assert_eq!(c.view().len(), 1);
    c.store(1, StoreKind::Add, &[Flag::Deleted]).unwrap();
    assert_eq!(c.expunge().unwrap(), vec![1]);
    assert_eq!(c.selected().unwrap().exists, 0);
    assert!(c.view().is_empty());
    c.logout().unwrap();
}

#[test]
fn idle_receives_another_connections_append() {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let addr = start(Server::new(backend).allow_insecure_auth(true), false);
    let mut watcher = Client::connect(&addr).unwrap();
    watcher.login("username", "password").unwrap();
    watcher.select("INBOX").unwrap();
    let addr2 = addr.clone();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let mut c = Client::connect(&addr2).unwrap();
        c.login("username", "password").unwrap();
        c.append("INBOX", &[], None, MSG).unwrap();
        c.logout().unwrap();
    });
    let mut idle = watcher.idle().unwrap();
    let update = idle.wait(Duration::from_secs(10)).unwrap();
    idle.done().unwrap();
    writer.join().unwrap();
    assert_eq!(update, Some(imap_machine_blocking::Update::Exists(2)));
}

#[test]
fn logindisabled_then_starttls() {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let (server_tls, client_tls) = tls_configs();
    let addr = start(Server::new(backend).tls(server_tls), false);
    let mut c = Client::connect(&addr).unwrap();
    let caps = c.capabilities().unwrap();
    assert!(caps.contains(&imap_machine::types::Capability::LoginDisabled));
    assert!(matches!(c.login("username", "password"), Err(imap_machine_blocking::ClientError::No(_))));
    c.starttls("localhost", client_tls).unwrap();
    assert!(!c.capabilities().unwrap().contains(&imap_machine::types::Capability::LoginDisabled));
    c.login("username", "password").unwrap();
    assert_eq!(c.select("INBOX").unwrap().exists, 1);
    c.logout().unwrap();
}

#[test]
fn implicit_tls() {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let (server_tls, client_tls) = tls_configs();
    let addr = start(Server::new(backend).tls(server_tls), true);
    let mut c = Client::connect_tls(&addr, "localhost", client_tls).unwrap();
    c.login("username", "password").unwrap();
    assert_eq!(c.examine("INBOX").unwrap().exists, 1);
    c.logout().unwrap();
}

#[test]
fn graceful_shutdown_says_bye_and_stops_accepting() {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let server = Server::new(backend).allow_insecure_auth(true);
    let handle = server.shutdown_handle();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = std::thread::spawn(move || server.serve(listener));
    let mut c = Client::connect(addr).unwrap();
    c.login("username", "password").unwrap();
    c.select("INBOX").unwrap();
    handle.shutdown();
    serving.join().unwrap().unwrap();
    assert!(c.noop().is_err(), "the session was ended");
    assert!(Client::connect(addr).is_err(), "no more connections are accepted");
}

#[test]
fn multiappend_and_catenate() {
    use imap_machine::types::{AppendData, AppendMessage, CatPart, Code, IString, Literal};
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let addr = start(Server::new(backend).allow_insecure_auth(true), false);
    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    let whole = |b: &'static [u8]| AppendMessage::literal(Literal::new(b).unwrap());
    let mut long = MSG.to_vec();
    long.resize(200_000, b'x');
    let messages = vec![whole(MSG), AppendMessage::literal(Literal::new(long.clone()).unwrap()), whole(MSG)];
    let uids = c.multiappend("INBOX", messages).unwrap().expect("APPENDUID");
    assert_eq!(uids.uids, "2:4".parse().unwrap());
    let v = uids.uid_validity;
    let parts = vec![
        CatPart::Url(IString::try_from(format!("/INBOX;UIDVALIDITY={v}/;UID=2/;SECTION=HEADER")).unwrap()),
        CatPart::Text(Literal::new(&b"new body\r\n"[..]).unwrap()),
    ];
    let uid = c.catenate("INBOX", &[Flag::Seen], None, parts).unwrap().expect("APPENDUID");
    assert_eq!((uid.uid_validity, uid.uid), (v, 5));
    c.select("INBOX").unwrap();
    let got = c.uid_fetch("3:5", "BODY.PEEK[]").unwrap().collect_all().unwrap();
    let bodies: Vec<Vec<u8>> = got.iter().map(|m| m.body().unwrap().to_vec()).collect();
    assert_eq!(bodies[0], long);
    assert_eq!(bodies[2], b"From: a@example.org\r\nTo: b@example.org\r\nSubject: loopback\r\n\r\nnew body\r\n");
    let bad = AppendMessage {
        flags: vec![],
        date: None,
        data: AppendData::Catenate(vec![CatPart::Url(IString::from_static("/INBOX;UIDVALIDITY=1/;UID=999"))]),
    };
    match c.multiappend("INBOX", vec![whole(MSG), bad]) {
        Err(imap_machine_blocking::ClientError::No(st)) => {
            assert_eq!(st.code, Some(Code::BadUrl(Bytes::from_static(b"/INBOX;UIDVALIDITY=1/;UID=999"))))
        }
        other => panic!("expected NO [BADURL], got {other:?}"),
    }
    c.noop().unwrap();
}

/// SAVEDATE, PREVIEW and OBJECTID come back typed: the same EMAILID for a copy, THREADID
/// NIL.
#[test]
fn savedate_preview_objectid_typed() {
    use imap_machine::types::Capability;
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let addr = start(Server::new(backend).allow_insecure_auth(true), false);
    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    let caps = c.capabilities().unwrap();
    for cap in [Capability::SaveDate, Capability::Preview, Capability::ObjectId] {
        assert!(caps.contains(&cap), "{cap:?}");
    }
    c.append("INBOX", &[], None, Bytes::from_static(MSG)).unwrap();
    c.select("INBOX").unwrap();
    let atts = FetchAttributes::List(vec![
        FetchAttribute::Uid,
        FetchAttribute::SaveDate,
        FetchAttribute::Preview { lazy: true },
        FetchAttribute::EmailId,
        FetchAttribute::ThreadId,
    ]);
    let got = c.fetch(2, atts).unwrap().collect_all().unwrap();
    let m = &got[0];
    assert!(m.save_date().unwrap().is_some());
    assert_eq!(m.preview().unwrap().unwrap().as_ref(), b"hello");
    let id = m.email_id().unwrap();
    assert_eq!(m.thread_id(), Some(None));
    c.copy(2, "Trash").unwrap();
    c.select("Trash").unwrap();
    let copy = c.fetch(1, FetchAttributes::List(vec![FetchAttribute::EmailId])).unwrap().collect_all().unwrap();
    assert_eq!(copy[0].email_id(), Some(id));
    c.logout().unwrap();
}

#[test]
fn uid_fetch_partial_pages_through_a_set() {
    // RFC 9394 §3.3: positions among the set's messages, from the first or the last.
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let addr = start(Server::new(backend).allow_insecure_auth(true), false);
    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    for _ in 0..4 {
        c.append("INBOX", &[], None, Bytes::from_static(MSG)).unwrap();
    }
    c.select("INBOX").unwrap();
    let nz = |n| std::num::NonZeroU32::new(n).unwrap();
    let mut page = |range| -> Vec<u32> {
        let got = c.uid_fetch_partial("1:*", "FLAGS", range).unwrap().collect_all().unwrap();
        got.iter().map(|m| m.uid().unwrap()).collect()
    };
    assert_eq!(page(PartialRange::First(nz(2), nz(3))), vec![2, 3]);
    assert_eq!(page(PartialRange::Last(nz(1), nz(2))), vec![4, 5]);
    assert_eq!(page(PartialRange::First(nz(7), nz(9))), Vec::<u32>::new());
    c.logout().unwrap();
}
