//! One surface: the same source text drives the blocking and the tokio client (the
//! macro below differs only by `.await`), so both have the same method names, arguments
//! and result types; and they must give the same answers against the same server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{AuthMechanism, Capability, DateTime, Flag, SearchReturn, StatusItem, StoreKind};

fn server() -> String {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = imap_machine_blocking::Server::new(backend).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));
    addr
}

const MSG: &[u8] = b"From: Ann <a@example.org>\r\nTo: b@example.org\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n\r\nhi\r\n";

/// The scenario, written once. `$aw` is `await` for the tokio client and absent for the
/// blocking one. Every answer goes into the returned transcript.
macro_rules! scenario {
    ($connect:expr, $($aw:tt)?) => {{
        let mut out: Vec<String> = Vec::new();
        let mut c = $connect(0) $(.$aw)?;
        c.login("username", "password") $(.$aw)? .unwrap();
        out.push(format!("idle: {}", c.has_capability(&Capability::Idle) $(.$aw)? .unwrap()));
        c.create("Parity") $(.$aw)? .unwrap();
        c.subscribe("Parity") $(.$aw)? .unwrap();
        let mut names: Vec<String> = c.list("", "*") $(.$aw)? .unwrap().iter()
            .map(|i| i.mailbox.to_utf8().unwrap().into_owned()).collect();
        names.sort();
        out.push(format!("list: {names:?}"));
        let date = DateTime::parse("05-Dec-2026 10:00:00 +0100").unwrap();
        for flags in [&[][..], &[Flag::Seen][..], &[Flag::Answered][..]] {
            let a = c.append("Parity", flags, Some(date.clone()), MSG) $(.$aw)? .unwrap();
            out.push(format!("append: {:?}", a.map(|a| a.uid)));
        }
        let sel = c.select("Parity") $(.$aw)? .unwrap();
        out.push(format!("select: {} exists", sel.exists));
        let all = c.fetch(1..=3, "(UID FLAGS ENVELOPE)") $(.$aw)? .unwrap().collect_all() $(.$aw)? .unwrap();
        for m in &all {
            let subject = m.envelope().and_then(|e| e.subject_text());
            out.push(format!("fetch {}: uid {:?} flags {:?} subject {subject:?}", m.seq(), m.uid(), m.flag_list()));
        }
        out.push(format!("store: {:?}", c.store(2, StoreKind::Add, &[Flag::Flagged]) $(.$aw)? .unwrap()));
        out.push(format!("uid search: {:?}", c.uid_search("FLAGGED") $(.$aw)? .unwrap()));
        out.push(format!("search: {:?}", c.search(vec![imap_machine::types::SearchKey::Seen]) $(.$aw)? .unwrap()));
        let ret = [SearchReturn::Min, SearchReturn::Max, SearchReturn::Count, SearchReturn::All];
        let e = c.esearch("ALL", &ret) $(.$aw)? .unwrap();
        out.push(format!("esearch: {:?} {:?} {:?} {:?}", e.min, e.max, e.count, e.numbers()));
        let e = c.uid_esearch("UNSEEN", &[SearchReturn::Count]) $(.$aw)? .unwrap();
        out.push(format!("uid esearch: uid {} count {:?} min {:?}", e.uid, e.count, e.min));

        // Another session's change is an update, and the view follows it.
        let mut other = $connect(1) $(.$aw)?;
        other.login("username", "password") $(.$aw)? .unwrap();
        other.select("Parity") $(.$aw)? .unwrap();
        other.store(1, StoreKind::Add, &[Flag::Seen]) $(.$aw)? .unwrap();
        // Out of the mailbox, it cannot claim the \Recent of its next APPEND.
        other.unselect() $(.$aw)? .unwrap();
        c.noop() $(.$aw)? .unwrap();
        let mut updates = Vec::new();
        while let Some(u) = c.try_next_update() {
            updates.push(format!("{u:?}"));
        }
        out.push(format!("updates: {updates:?}"));
        out.push(format!("view: {:?}", c.with_view(|v| (v.len(), v.uid(1), v.flags(1).map(<[Flag]>::to_vec)))));

        // IDLE reports what happens during it, not the EXISTS of our own APPEND before it.
        c.append("Parity", &[], None, MSG) $(.$aw)? .unwrap();
        let mut idle = c.idle() $(.$aw)? .unwrap();
        out.push(format!("idle, own append before: {:?}", idle.wait(Duration::from_millis(300)) $(.$aw)? .unwrap()));
        other.append("Parity", &[], None, MSG) $(.$aw)? .unwrap();
        out.push(format!("idle, other's append: {:?}", idle.wait(Duration::from_secs(5)) $(.$aw)? .unwrap()));
        idle.done() $(.$aw)? .unwrap();
        other.logout() $(.$aw)? .unwrap();
        let mut updates = Vec::new();
        while let Some(u) = c.try_next_update() {
            updates.push(format!("{u:?}"));
        }
        out.push(format!("after idle: {updates:?}"));

        out.push(format!("copy: {:?}", c.copy(1, "INBOX") $(.$aw)? .unwrap().map(|u| u.destination.to_string())));
        out.push(format!("uid move: {:?}", c.uid_move(3, "INBOX") $(.$aw)? .unwrap().map(|u| u.source.to_string())));
        c.store("1", StoreKind::Add, &[Flag::Deleted]) $(.$aw)? .unwrap();
        out.push(format!("expunge: {:?}", c.expunge() $(.$aw)? .unwrap()));
        c.uid_store(5.., StoreKind::Add, &[Flag::Deleted]) $(.$aw)? .unwrap();
        out.push(format!("uid expunge: {:?}", c.uid_expunge(5..) $(.$aw)? .unwrap()));
        out.push(format!("status: {:?}", c.status("INBOX", &[StatusItem::Messages]) $(.$aw)? .unwrap()));
        out.push(format!("bad set: {}", c.fetch("1:x", "UID") $(.$aw)? .map(|_| ()).unwrap_err()));
        out.push(format!("bad attributes: {}", c.fetch(1, "(UID NOPE)") $(.$aw)? .map(|_| ()).unwrap_err()));
        c.close() $(.$aw)? .unwrap();
        c.rename("Parity", "Parity2") $(.$aw)? .unwrap();
        c.unsubscribe("Parity2") $(.$aw)? .unwrap();
        c.delete("Parity2") $(.$aw)? .unwrap();
        out.push(format!("lsub: {}", c.lsub("", "Parity*") $(.$aw)? .unwrap().len()));

        // STATUS=SIZE (RFC 8438): the sum of the messages' RFC822.SIZE.
        let st = c.status("INBOX", &[StatusItem::Messages, StatusItem::Size]) $(.$aw)? .unwrap();
        c.examine("INBOX") $(.$aw)? .unwrap();
        let fetched = c.fetch("1:*", "RFC822.SIZE") $(.$aw)? .unwrap().collect_all() $(.$aw)? .unwrap();
        let sum: u64 = fetched.iter().map(|m| u64::from(m.size().unwrap())).sum();
        out.push(format!("status size: {st:?}, fetched sum {sum}"));
        // UNAUTHENTICATE (RFC 8437): out of the mailbox, back before login, and in again.
        c.unauthenticate() $(.$aw)? .unwrap();
        let plain = c.has_capability(&Capability::Auth(AuthMechanism::Plain)) $(.$aw)? .unwrap();
        out.push(format!("unauthenticated: AUTH=PLAIN {plain}"));
        out.push(format!("list before login: {}", c.list("", "*") $(.$aw)? .map(|_| ()).unwrap_err()));
        c.login("username", "password") $(.$aw)? .unwrap();
        out.push(format!("logged in again: {} exists", c.select("INBOX") $(.$aw)? .unwrap().exists));
        c.logout() $(.$aw)? .unwrap();
        out
    }};
}

fn blocking(addr: &str) -> Vec<String> {
    let connect = |_: u8| imap_machine_blocking::Client::connect(addr).unwrap();
    scenario!(connect,)
}

#[allow(unused_mut)]
fn tokio(addr: &str) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let connect = |_: u8| {
            let addr = addr.to_string();
            async move { imap_machine_tokio::Client::connect(addr).await.unwrap() }
        };
        scenario!(connect, await)
    })
}

#[test]
fn both_clients_give_the_same_answers() {
    let b = blocking(&server());
    let t = std::thread::spawn({
        let addr = server();
        move || tokio(&addr)
    })
    .join()
    .unwrap();
    for (x, y) in b.iter().zip(&t) {
        assert_eq!(x, y, "blocking vs tokio");
    }
    assert_eq!(b.len(), t.len());
    let text = b.join("\n");
    // What both said is also right.
    for expected in [
        "append: Some(1)",
        "select: 3 exists",
        "subject Some(\"café\")",
        "uid search: [2]",
        "esearch: Some(1) Some(3) Some(3) [1, 2, 3]",
        "uid esearch: uid true count Some(2) min None",
        "idle, own append before: None",
        "idle, other's append: Some(Exists(5))",
        "bad set: invalid argument: sequence set",
        "status size: [(Messages, 3), (Size, 535)], fetched sum 535",
        "unauthenticated: AUTH=PLAIN true",
        "list before login: LIST is not allowed in the NotAuthenticated state",
        "logged in again: 3 exists",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    assert!(text.contains("updates: [\"Flags { seq: 1"), "{text}");
    assert!(text.contains(r"view: (3, Some(1), Some([Flag(\Seen)]))"), "{text}");
}
