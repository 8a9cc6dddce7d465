//! Our tokio client against our tokio server on the memory backend, over 127.0.0.1.

mod common;

use std::time::Duration;

use common::{login, message, server, server_with};
use imap_machine::client::{Authenticator, ClientOptions};
use imap_machine::types::{Capability, Flag, FlagFetch, Mailbox, State, StatusItem, StoreKind};
use imap_machine_tokio::{Client, Error, Update};

const T: Duration = Duration::from_secs(10);

async fn timed<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(T, f).await.expect("test step timed out")
}

#[tokio::test]
async fn login_list_select_fetch_search_logout() {
    let srv = server().await;
    timed(async {
        let c = Client::connect(srv.addr).await.unwrap();
        assert_eq!(c.state(), State::NotAuthenticated);
        c.login("username", "password").await.unwrap();
        assert_eq!(c.state(), State::Authenticated);

        let names: Vec<String> =
            c.list("", "*").await.unwrap().iter().map(|i| i.mailbox.to_utf8().unwrap().into_owned()).collect();
        for n in ["INBOX", "Sent", "Drafts", "Trash"] {
            assert!(names.iter().any(|x| x == n), "{n} in {names:?}");
        }
        let subscribed = c.lsub("", "*").await.unwrap();
        assert!(subscribed.len() <= names.len());

        let st = c.status("INBOX", &[StatusItem::Messages, StatusItem::UidNext]).await.unwrap();
        assert!(st.contains(&(StatusItem::Messages, 1)), "{st:?}");

        let inbox = c.select("INBOX").await.unwrap();
        assert_eq!(inbox.mailbox, Mailbox::Inbox);
        assert_eq!(inbox.exists, 1);
        assert!(!inbox.read_only);
        assert!(inbox.uid_validity.is_some());
        assert_eq!(c.state(), State::Selected);

        let all = c.fetch("1:*", "(UID FLAGS ENVELOPE BODY.PEEK[])").await.unwrap().collect().await.unwrap();
        assert_eq!(all.len(), 1);
        let m = &all[0];
        assert_eq!(m.seq(), 1);
        assert_eq!(m.uid(), Some(1));
        let subject = m.envelope().unwrap().subject_text().unwrap();
        assert_eq!(subject, "Welcome to imap-machine");
        assert!(m.body().unwrap().starts_with(b"From:") || m.body().unwrap().len() > 10);

        assert_eq!(c.search("ALL").await.unwrap(), vec![1]);
        assert_eq!(c.uid_search("UNSEEN").await.unwrap(), vec![1]);
        assert_eq!(c.search("SUBJECT nothing-like-this").await.unwrap(), Vec::<u32>::new());

        c.logout().await.unwrap();
        assert_eq!(c.state(), State::Logout);
        assert!(matches!(c.noop().await, Err(Error::Closed)));
    })
    .await;
}

#[tokio::test]
async fn wrong_password_is_no_and_authenticate_plain_works() {
    let srv = server().await;
    timed(async {
        let c = Client::connect(srv.addr).await.unwrap();
        match c.login("username", "wrong").await {
            Err(Error::No(s)) => assert!(s.text.to_text().len() > 1),
            other => panic!("expected NO, got {other:?}"),
        }
        let auth =
            Authenticator::Plain { authzid: String::new(), username: "username".into(), password: "password".into() };
        c.authenticate(auth).await.unwrap();
        assert_eq!(c.state(), State::Authenticated);
        let auth = Authenticator::Login { username: "username".into(), password: "password".into() };
        let c2 = Client::connect(srv.addr).await.unwrap();
        c2.authenticate(auth).await.unwrap();
        assert_eq!(c2.state(), State::Authenticated);
    })
    .await;
}

#[tokio::test]
async fn append_store_copy_expunge() {
    let srv = server().await;
    timed(async {
        let c = login(srv.addr).await;
        assert!(c.has_capability(&Capability::UidPlus).await.unwrap());
        let appended = c.append("INBOX", &[Flag::Flagged], None, message("second", "hello")).await.unwrap();
        let appended = appended.expect("APPENDUID with UIDPLUS");
        assert_eq!(appended.uid, 2);

        c.select("INBOX").await.unwrap();
        assert_eq!(c.selected().unwrap().exists, 2);
        assert_eq!(c.search("FLAGGED").await.unwrap(), vec![2]);
        assert_eq!(c.search("SUBJECT second").await.unwrap(), vec![2]);

        let stored = c.store("1:2", StoreKind::Add, &[Flag::Seen]).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|(_, f)| f.contains(&FlagFetch::Flag(Flag::Seen))));
        let stored = c.uid_store(2, StoreKind::Remove, &[Flag::Flagged]).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert!(!stored[0].1.contains(&FlagFetch::Flag(Flag::Flagged)));

        let copied = c.copy("1:2", "Trash").await.unwrap().expect("COPYUID with UIDPLUS");
        assert_eq!(copied.destination.to_string(), "1:2", "consecutive UIDs as a range");
        let st = c.status("Trash", &[StatusItem::Messages]).await.unwrap();
        assert_eq!(st, vec![(StatusItem::Messages, 2)]);

        c.store(1, StoreKind::Add, &[Flag::Deleted]).await.unwrap();
        assert_eq!(c.expunge().await.unwrap(), vec![1]);
        assert_eq!(c.selected().unwrap().exists, 1);
        let rest = c.uid_fetch("1:*", "UID").await.unwrap().collect().await.unwrap();
        assert_eq!(rest.iter().map(|m| m.uid().unwrap()).collect::<Vec<_>>(), vec![2]);

        c.store(1, StoreKind::Add, &[Flag::Deleted]).await.unwrap();
        assert_eq!(c.uid_expunge(2).await.unwrap(), vec![1]);
        assert_eq!(c.selected().unwrap().exists, 0);
        c.logout().await.unwrap();
    })
    .await;
}

async fn move_round(srv_addr: std::net::SocketAddr, expect_move_cap: bool) {
    let c = login(srv_addr).await;
    assert_eq!(c.has_capability(&Capability::Move).await.unwrap(), expect_move_cap);
    for k in 0..3 {
        c.append("INBOX", &[], None, message(&format!("m{k}"), "x")).await.unwrap();
    }
    c.select("INBOX").await.unwrap();
    assert_eq!(c.selected().unwrap().exists, 4);
    // Another message already marked \Deleted must survive a UIDPLUS fallback.
    c.store(1, StoreKind::Add, &[Flag::Deleted]).await.unwrap();
    let moved = c.r#move("2:3", "Trash").await.unwrap().expect("COPYUID");
    assert_eq!(moved.destination.to_string(), "1:2", "consecutive UIDs as a range");
    assert_eq!(c.selected().unwrap().exists, 2);
    let left = c.uid_fetch("1:*", "UID").await.unwrap().collect().await.unwrap();
    assert_eq!(left.iter().map(|m| m.uid().unwrap()).collect::<Vec<_>>(), vec![1, 4]);
    let moved = c.uid_move(4, "Drafts").await.unwrap().expect("COPYUID");
    assert_eq!(moved.source.to_string(), "4");
    assert_eq!(c.selected().unwrap().exists, 1);
    let trash = c.status("Trash", &[StatusItem::Messages]).await.unwrap();
    assert_eq!(trash, vec![(StatusItem::Messages, 2)]);
    let drafts = c.status("Drafts", &[StatusItem::Messages]).await.unwrap();
    assert_eq!(drafts, vec![(StatusItem::Messages, 1)]);
    c.logout().await.unwrap();
}

#[tokio::test]
async fn move_with_move_capability() {
    let srv = server().await;
    timed(move_round(srv.addr, true)).await;
}

#[tokio::test]
async fn move_without_move_capability_falls_back() {
    let (tap, lines) = common::memory_tap();
    let srv = server_with(|s| {
        let mut s = s.debug_tap(tap);
        s.options_mut().extra_capabilities.retain(|c| *c != Capability::Move);
        s
    })
    .await;
    timed(move_round(srv.addr, false)).await;
    let lines = lines.lock().unwrap();
    assert!(!lines.iter().any(|l| l.contains(" MOVE ")), "no MOVE sent");
    assert!(lines.iter().any(|l| l.contains("UID EXPUNGE")), "UID EXPUNGE used");
}

#[tokio::test]
async fn idle_receives_another_connections_append() {
    let srv = server().await;
    timed(async {
        let watcher = login(srv.addr).await;
        watcher.select("INBOX").await.unwrap();
        let mut idle = watcher.idle().await.unwrap();

        let other = login(srv.addr).await;
        other.append("INBOX", &[], None, message("pushed", "hi")).await.unwrap();

        let update = idle.next_update().await.unwrap();
        assert!(matches!(update, Update::Exists(2)), "{update:?}");
        idle.done().await.unwrap();
        assert_eq!(watcher.selected().unwrap().exists, 2);

        // Flags changed elsewhere come as updates too (here through NOOP).
        other.select("INBOX").await.unwrap();
        other.store(2, StoreKind::Add, &[Flag::Flagged]).await.unwrap();
        watcher.noop().await.unwrap();
        let mut saw_flags = false;
        while let Some(u) = watcher.try_next_update() {
            saw_flags |= matches!(u, Update::Flags { seq: 2, .. });
        }
        assert!(saw_flags);
        watcher.logout().await.unwrap();
        other.logout().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn idle_refreshes_itself() {
    let (tap, lines) = common::memory_tap();
    let srv = server().await;
    timed(async {
        let mut options = ClientOptions::default();
        options.idle_refresh = Duration::from_millis(150);
        let c = Client::builder().options(options).debug_tap(tap).connect(srv.addr).await.unwrap();
        c.login("username", "password").await.unwrap();
        c.select("INBOX").await.unwrap();
        let mut idle = c.idle().await.unwrap();
        assert!(idle.wait(Duration::from_millis(700)).await.unwrap().is_none());
        idle.done().await.unwrap();
        c.noop().await.unwrap();
    })
    .await;
    let lines = lines.lock().unwrap();
    let idles = lines.iter().filter(|l| l.starts_with("C: ") && l.ends_with(" IDLE")).count();
    assert!(idles >= 2, "IDLE refreshed: {lines:#?}");
}

#[tokio::test]
async fn pipelined_commands_from_concurrent_tasks() {
    let srv = server().await;
    timed(async {
        let c = std::sync::Arc::new(login(srv.addr).await);
        c.select("INBOX").await.unwrap();
        let mut tasks = Vec::new();
        for k in 0..8 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                match k % 4 {
                    0 => c.noop().await.map(|_| 0),
                    1 => c.search("ALL").await.map(|v| v.len()),
                    2 => c.status("Sent", &[StatusItem::Messages]).await.map(|v| v.len()),
                    _ => c.fetch(1, "UID").await.unwrap().collect().await.map(|v| v.len()),
                }
            }));
        }
        for (k, t) in tasks.into_iter().enumerate() {
            let n = t.await.unwrap().unwrap();
            if k % 4 != 0 {
                assert_eq!(n, 1, "task {k}");
            }
        }
        let (a, b, d) = tokio::join!(c.search("ALL"), c.list("", "%"), c.noop());
        assert_eq!(a.unwrap(), vec![1]);
        assert!(!b.unwrap().is_empty());
        d.unwrap();
    })
    .await;
}

#[tokio::test]
async fn fetch_streams_many_messages_with_backpressure() {
    let srv = server().await;
    timed(async {
        let c = Client::builder().fetch_buffer(2).connect(srv.addr).await.unwrap();
        c.login("username", "password").await.unwrap();
        let body = "x".repeat(2000);
        for k in 0..300 {
            c.append("INBOX", &[], None, message(&format!("bulk{k}"), &body)).await.unwrap();
        }
        c.select("INBOX").await.unwrap();
        let mut s = c.fetch("1:*", "(UID BODY.PEEK[])").await.unwrap();
        let mut n = 0;
        let mut last = 0;
        while let Some(m) = s.next().await {
            let m = m.unwrap();
            assert_eq!(m.seq(), last + 1);
            last = m.seq();
            assert!(m.body().is_some());
            n += 1;
            if n % 50 == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        assert_eq!(n, 301);
        // A dropped stream is discarded; the connection goes on.
        let s = c.fetch("1:*", "(BODY.PEEK[])").await.unwrap();
        drop(s);
        assert_eq!(c.search("ALL").await.unwrap().len(), 301);
    })
    .await;
}

#[tokio::test]
async fn updates_coalesce_when_nobody_reads() {
    let srv = server().await;
    timed(async {
        let watcher = Client::builder().update_capacity(2).connect(srv.addr).await.unwrap();
        watcher.login("username", "password").await.unwrap();
        watcher.select("INBOX").await.unwrap();
        let other = login(srv.addr).await;
        other.select("INBOX").await.unwrap();
        for k in 0..6 {
            other.append("INBOX", &[], None, message(&format!("u{k}"), "x")).await.unwrap();
            other.store(1, StoreKind::Replace, if k % 2 == 0 { &[Flag::Seen] } else { &[] }).await.unwrap();
            watcher.noop().await.unwrap();
        }
        let mut seen = Vec::new();
        while let Some(u) = watcher.try_next_update() {
            seen.push(u);
        }
        assert!(seen.len() <= 3, "{seen:?}");
        assert_eq!(seen.last(), Some(&Update::MailboxChanged), "{seen:?}");
        assert_eq!(watcher.selected().unwrap().exists, 7);
    })
    .await;
}

#[tokio::test]
async fn errors_are_typed() {
    let srv = server().await;
    timed(async {
        let c = login(srv.addr).await;
        assert!(matches!(c.select("No/Such").await, Err(Error::No(_))));
        assert_eq!(c.state(), State::Authenticated);
        // FETCH in the wrong state fails at the call, as every other command does.
        assert!(matches!(c.fetch("1", "UID").await, Err(Error::Protocol(_))));
        assert!(matches!(c.fetch("x", "UID").await, Err(Error::InvalidArgument(_))));
        assert!(matches!(c.fetch("1", "(NOPE)").await, Err(Error::InvalidArgument(_))));
        c.create("Projects/2026").await.unwrap();
        assert!(matches!(c.create("Projects/2026").await, Err(Error::No(_))));
        c.rename("Projects/2026", "Projects/2027").await.unwrap();
        c.subscribe("Projects/2027").await.unwrap();
        assert!(c.lsub("", "Projects/*").await.unwrap().iter().any(|i| i.mailbox.as_wire() == b"Projects/2027"));
        c.unsubscribe("Projects/2027").await.unwrap();
        c.delete("Projects/2027").await.unwrap();
        c.examine("INBOX").await.unwrap();
        assert!(c.selected().unwrap().read_only);
        assert!(matches!(c.store(1, StoreKind::Add, &[Flag::Seen]).await, Err(Error::No(_))));
        c.unselect().await.unwrap();
        assert_eq!(c.state(), State::Authenticated);
    })
    .await;
}

#[tokio::test]
async fn login_is_refused_without_tls_unless_allowed() {
    let srv = server_with(|s| s.allow_insecure_auth(false)).await;
    timed(async {
        let c = Client::connect(srv.addr).await.unwrap();
        assert!(c.capabilities().await.unwrap().contains(&Capability::LoginDisabled));
        assert!(matches!(c.login("username", "password").await, Err(Error::No(_))));
    })
    .await;
}

#[tokio::test]
async fn max_connections_answers_bye() {
    let srv = server_with(|s| s.max_connections(1)).await;
    timed(async {
        let first = login(srv.addr).await;
        match Client::connect(srv.addr).await {
            Err(Error::Refused(s)) => assert_eq!(s.text.to_text(), "Too many connections"),
            other => panic!("expected a BYE greeting, got {other:?}"),
        }
        first.logout().await.unwrap();
        drop(first);
        // The slot frees once the first connection's task ended.
        let mut ok = false;
        for _ in 0..50 {
            if let Ok(c) = Client::connect(srv.addr).await {
                c.login("username", "password").await.unwrap();
                c.noop().await.unwrap();
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(ok);
    })
    .await;
}

#[tokio::test]
async fn graceful_shutdown_sends_bye_and_stops_accepting() {
    let srv = server().await;
    timed(async {
        let c = login(srv.addr).await;
        c.select("INBOX").await.unwrap();
        let mut idle = c.idle().await.unwrap();
        srv.stop.shutdown();
        let update = idle.next_update().await.unwrap();
        match update {
            Update::Bye(s) => assert_eq!(s.text.to_text(), "Server shutting down"),
            other => panic!("expected BYE, got {other:?}"),
        }
        assert!(idle.next_update().await.is_none());
        drop(idle);
        assert!(matches!(c.noop().await, Err(Error::Closed)));
        srv.task.await.unwrap().unwrap();
        assert!(Client::connect(srv.addr).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn debug_tap_redacts_credentials() {
    let (tap, lines) = common::memory_tap();
    let (server_tap, server_lines) = common::memory_tap();
    let srv = server_with(|s| s.debug_tap(server_tap)).await;
    timed(async {
        let c = Client::builder().debug_tap(tap).connect(srv.addr).await.unwrap();
        c.login("username", "password").await.unwrap();
        let c2 = Client::connect(srv.addr).await.unwrap();
        let auth =
            Authenticator::Plain { authzid: String::new(), username: "username".into(), password: "password".into() };
        c2.authenticate(auth).await.unwrap();
        c.noop().await.unwrap();
        c.logout().await.unwrap();
    })
    .await;
    let lines = lines.lock().unwrap();
    assert!(lines.iter().any(|l| l == "C: A1 LOGIN username [REDACTED]"), "{lines:#?}");
    assert!(lines.iter().any(|l| l.starts_with("S: * OK")));
    assert!(lines.iter().any(|l| l == "C: A2 NOOP"));
    let server_lines = server_lines.lock().unwrap();
    for l in lines.iter().chain(server_lines.iter()) {
        assert!(!l.contains("password"), "leaked: {l}");
        // base64 of "\0username\0password"
        assert!(!l.contains("AHVzZXJuYW1lAHBhc3N3b3Jk"), "leaked: {l}");
    }
    assert!(server_lines.iter().any(|l| l.ends_with("C: A1 AUTHENTICATE PLAIN [REDACTED]")), "{server_lines:#?}");
    assert!(server_lines.iter().any(|l| l.starts_with('[') && l.contains("] S: ")));
}

/// With the clock paused, tokio jumps to the server's autologout deadline as soon as
/// everything is idle; a raw socket keeps the client free of timers of its own.
#[tokio::test(start_paused = true)]
async fn autologout_after_inactivity() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let srv = server_with(|s| s.autologout(Duration::from_secs(30 * 60))).await;
    let mut raw = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    let start = tokio::time::Instant::now();
    raw.write_all(b"a1 NOOP\r\n").await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = raw.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.contains("* BYE Autologout"), "{text}");
    // Active before the first deadline: not logged out before a full 30 minutes of
    // silence after it.
    assert!(start.elapsed() >= Duration::from_secs(30 * 60), "{:?}", start.elapsed());
}

/// An APPEND far larger than the socket's send buffer, with a NOOP pipelined behind it:
/// the command goes out in many partial writes (the first one straight from the driver,
/// the rest as the socket drains), the NOOP after it, and the message comes back intact.
#[tokio::test]
async fn append_larger_than_the_socket_buffer_with_a_pipelined_noop() {
    let srv = server().await;
    timed(async {
        let c = Client::connect(srv.addr).await.unwrap();
        c.login("username", "password").await.unwrap();
        let line = format!("{}\r\n", "0123456789abcdef".repeat(4));
        let body = line.repeat(8 * 1024 * 1024 / line.len());
        let big = message("big", &body);
        let (appended, noop) = tokio::join!(c.append("INBOX", &[], None, big.clone()), c.noop());
        let uid = appended.unwrap().expect("APPENDUID with UIDPLUS").uid;
        noop.unwrap();
        c.select("INBOX").await.unwrap();
        let got = c.uid_fetch(uid, "(BODY.PEEK[])").await.unwrap().collect().await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body().map(|b| b.len()), Some(big.len()));
        assert!(got[0].body().as_deref() == Some(&big[..]), "the body came back changed");
    })
    .await;
}

/// SAVEDATE, PREVIEW and OBJECTID come back typed: the same EMAILID for a copy, THREADID
/// NIL, and the MAILBOXID that STATUS reports.
#[tokio::test]
async fn savedate_preview_objectid_typed() {
    let srv = server().await;
    timed(async {
        let c = Client::connect(srv.addr).await.unwrap();
        c.login("username", "password").await.unwrap();
        let caps = c.capabilities().await.unwrap();
        for cap in [Capability::SaveDate, Capability::Preview, Capability::ObjectId] {
            assert!(caps.contains(&cap), "{cap:?}");
        }
        c.select("INBOX").await.unwrap();
        let got = c.fetch(1, "(UID SAVEDATE PREVIEW EMAILID THREADID)").await.unwrap().collect().await.unwrap();
        let m = &got[0];
        assert!(m.save_date().unwrap().is_some());
        let preview = m.preview().unwrap().unwrap();
        assert!(!preview.is_empty() && preview.len() <= 800, "{preview:?}");
        let id = m.email_id().unwrap();
        assert_eq!(m.thread_id(), Some(None));
        c.copy(1, "Trash").await.unwrap();
        c.select("Trash").await.unwrap();
        let copy = c.fetch(1, "(EMAILID)").await.unwrap().collect().await.unwrap();
        assert_eq!(copy[0].email_id(), Some(id));
        c.logout().await.unwrap();
    })
    .await;
}

/// A slow password check (as argon2 is) runs off the event loop: on a single-threaded
/// runtime, another connection is answered while a login waits; the check decides, not the
/// store's password.
#[tokio::test]
async fn a_slow_password_check_never_holds_other_connections() {
    let check: imap_machine::store::Authenticator = std::sync::Arc::new(|user: &str, password: &[u8]| {
        std::thread::sleep(Duration::from_millis(800));
        user == "username" && password == b"hashed elsewhere"
    });
    let srv = server_with(|s| s.authenticator(check)).await;
    timed(async {
        let slow = Client::connect(srv.addr).await.unwrap();
        let login = tokio::spawn(async move { slow.login("username", "hashed elsewhere").await.map(|_| slow) });
        tokio::time::sleep(Duration::from_millis(100)).await;
        let other = Client::connect(srv.addr).await.unwrap();
        let started = std::time::Instant::now();
        other.noop().await.unwrap();
        assert!(started.elapsed() < Duration::from_millis(400), "waited {:?}", started.elapsed());
        let slow = login.await.unwrap().unwrap();
        assert_eq!(slow.state(), State::Authenticated);
        // The store's own password no longer opens the account.
        assert!(other.login("username", "password").await.is_err());
    })
    .await;
}
