//! The custom-event-loop examples (`examples/mio_server.rs`, `examples/mio_client.rs`),
//! run through their loops, which this test includes with `#[path]`:
//!
//! - the mio client against the mio server: LOGIN, SELECT, FETCH, and an IDLE that sees
//!   the EXISTS of an APPEND another connection makes meanwhile; then LOGOUT; a NO and a
//!   refused connection are errors the caller sees;
//! - the client's timer: a short IDLE refresh renews IDLE through `poll_timeout` and
//!   `handle_timeout`;
//! - the mio server under back-pressure: a client that asks for megabytes and does not
//!   read holds only its own connection (partial writes, steps resumed as the output
//!   drains), while another client is served in full; then the stalled one gets every
//!   byte, in order;
//! - python imaplib (and curl and mbsync where installed) against the mio server;
//! - the mio client against a real Dovecot (loud SKIP where it is missing, a failure in
//!   CI).

// The test talks to servers over loopback and times itself.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

#[path = "../examples/mio/client_loop.rs"]
mod client_loop;
#[path = "../adapters/blocking/tests/support/dovecot.rs"]
mod dovecot;
#[path = "../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
#[path = "../examples/mio/server_loop.rs"]
mod server_loop;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use client_loop::{session, ClientError, Config as ClientConfig, Conn, Line, Report};
use server_loop::{Config as ServerConfig, ServerLoop, StopHandle};

/// A mio server on a thread, stopped (and checked) on drop.
struct Running {
    stop: StopHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
    port: u16,
}

impl Running {
    fn start(step: usize) -> Running {
        let mut config = ServerConfig::new(([127, 0, 0, 1], 0).into());
        config.step = step;
        let server = ServerLoop::bind(config).expect("bind 127.0.0.1:0");
        let port = server.local_addr().port();
        let stop = server.stop_handle();
        let thread = Some(std::thread::spawn(move || server.run()));
        Running { stop, thread, port }
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.stop();
        if let Some(t) = self.thread.take() {
            let r = t.join();
            if !std::thread::panicking() {
                r.expect("the server loop panicked").expect("the server loop failed");
            }
        }
    }
}

fn message(subject: &str, body_len: usize) -> Bytes {
    let mut m = format!("From: Tester <tester@example.org>\r\nSubject: {subject}\r\n\r\n").into_bytes();
    while m.len() < body_len {
        m.extend_from_slice(b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n");
    }
    Bytes::from(m)
}

/// Runs the example's session; when IDLE is accepted, another connection (as `user`)
/// APPENDs a message with `subject`. Returns the report and the lines printed.
fn session_with_append(
    addr: &str,
    user: &str,
    pass: &str,
    subject: &'static str,
) -> (Result<Report, ClientError>, Vec<String>) {
    let config = ClientConfig {
        addr: addr.to_string(),
        user: user.into(),
        pass: pass.into(),
        idle: Duration::from_secs(30),
        idle_stop_after: Some(1),
        idle_refresh: None,
    };
    let (tx, rx) = mpsc::channel::<()>();
    let (a, u, p) = (addr.to_string(), user.to_string(), pass.to_string());
    let appender = std::thread::spawn(move || -> Result<bool, ClientError> {
        if rx.recv().is_err() {
            return Ok(false);
        }
        let mut c = Conn::connect(&a)?;
        c.login(&u, &p, &mut |_| {})?;
        c.append("INBOX", message(subject, 200), &mut |_| {})?;
        c.logout()?;
        Ok(true)
    });
    let mut lines = Vec::new();
    let mut tx = Some(tx);
    let report = session(&config, &mut |line| {
        lines.push(format!("{line:?}"));
        if matches!(line, Line::Idling) {
            if let Some(tx) = tx.take() {
                let _ = tx.send(());
            }
        }
    });
    drop(tx);
    let appended = appender.join().expect("appender thread");
    assert!(matches!(appended, Ok(true)), "the APPEND during IDLE: {appended:?}\n{lines:#?}");
    (report, lines)
}

#[test]
fn mio_client_against_mio_server() {
    // Small steps, so that the FETCH runs through the ready queue in several turns.
    let server = Running::start(1);
    let (report, lines) = session_with_append(&server.addr(), "username", "password", "appended during IDLE");
    let report = report.unwrap_or_else(|e| panic!("session failed: {e}\n{lines:#?}"));
    assert_eq!(report.messages.len(), 1, "{lines:#?}");
    assert!(
        report.messages[0].starts_with("1 UID 1 FLAGS (\\Recent) | imap-machine <postmaster@localhost> | Welcome"),
        "{lines:#?}"
    );
    assert!(report.updates.iter().any(|u| u == "* 2 EXISTS"), "no EXISTS during IDLE: {lines:#?}");
    assert!(lines.iter().any(|l| l == "Idling") && lines.last().is_some_and(|l| l.contains("logged out")));

    // A second session sees both messages; wrong credentials are a NO the caller sees.
    let config = ClientConfig {
        addr: server.addr(),
        user: "username".into(),
        pass: "password".into(),
        idle: Duration::ZERO,
        idle_stop_after: None,
        idle_refresh: None,
    };
    let report = session(&config, &mut |_| {}).expect("second session");
    assert_eq!(report.messages.len(), 2);
    assert!(report.messages[1].ends_with("| Tester <tester@example.org> | appended during IDLE"), "{report:?}");
    let wrong = ClientConfig { pass: "wrong".into(), ..config };
    let e = session(&wrong, &mut |_| {}).expect_err("a wrong password fails");
    assert!(e.to_string().starts_with("LOGIN refused: NO"), "{e}");
}

#[test]
fn mio_client_renews_idle_on_the_machine_timer() {
    // The machine's IDLE refresh deadline, through `poll_timeout` → the poll's timeout →
    // `handle_timeout`: DONE and a new IDLE every 0.6 s of a 2 s IDLE (four IDLE
    // commands; at least two on a loaded machine).
    let server = Running::start(4096);
    let config = ClientConfig {
        addr: server.addr(),
        user: "username".into(),
        pass: "password".into(),
        idle: Duration::from_secs(2),
        idle_stop_after: None,
        idle_refresh: Some(Duration::from_millis(600)),
    };
    let mut idles = 0;
    let started = Instant::now();
    session(&config, &mut |line| idles += usize::from(matches!(line, Line::Idling))).expect("session");
    assert!((2..=4).contains(&idles), "{idles} IDLE commands");
    assert!(started.elapsed() >= Duration::from_secs(2) && started.elapsed() < Duration::from_secs(15));
}

#[test]
fn mio_client_reports_a_refused_connection() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = ClientConfig {
        addr: format!("127.0.0.1:{port}"),
        user: "u".into(),
        pass: "p".into(),
        idle: Duration::ZERO,
        idle_stop_after: None,
        idle_refresh: None,
    };
    let e = session(&config, &mut |_| {}).expect_err("nothing listens");
    assert!(matches!(e, ClientError::Io(_)), "{e}");
}

/// Reads from a plain socket until `needle` ends what was read.
fn read_until(stream: &mut TcpStream, got: &mut Vec<u8>, needle: &[u8]) {
    let mut buf = vec![0; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(60);
    while !got.ends_with(needle) {
        assert!(Instant::now() < deadline, "timed out waiting for {:?}", String::from_utf8_lossy(needle));
        match stream.read(&mut buf) {
            Ok(0) => panic!("closed before {:?}", String::from_utf8_lossy(needle)),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read: {e}"),
        }
    }
}

#[test]
fn mio_server_serves_others_while_one_client_does_not_read() {
    const MESSAGES: usize = 300;
    const SIZE: usize = 32 * 1024;
    let server = Running::start(16);
    let mut c = Conn::connect(&server.addr()).expect("connect");
    c.login("username", "password", &mut |_| {}).expect("login");
    for i in 0..MESSAGES {
        c.append("INBOX", message(&format!("bulk {i}"), SIZE), &mut |_| {}).expect("append");
    }
    c.logout().expect("logout");

    // Asks for every body (about 10 MB, far more than the socket buffers) and does not
    // read: the server's writes go partial, then stop; its FETCH waits between steps.
    let mut stalled = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stalled.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stalled.write_all(b"a1 LOGIN username password\r\na2 SELECT INBOX\r\na3 FETCH 1:* (UID BODY.PEEK[])\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(300));

    // Meanwhile another connection gets the whole session done.
    let config = ClientConfig {
        addr: server.addr(),
        user: "username".into(),
        pass: "password".into(),
        idle: Duration::ZERO,
        idle_stop_after: None,
        idle_refresh: None,
    };
    let started = Instant::now();
    let report = session(&config, &mut |_| {}).expect("a session beside the stalled client");
    assert_eq!(report.messages.len(), MESSAGES + 1);
    assert!(report.messages[MESSAGES].ends_with(&format!("| bulk {}", MESSAGES - 1)));
    assert!(started.elapsed() < Duration::from_secs(20), "served slowly: {:?}", started.elapsed());

    // The stalled client now reads everything: every message, whole and in order.
    let mut got = Vec::new();
    read_until(&mut stalled, &mut got, b"a3 OK FETCH completed\r\n");
    let text = String::from_utf8_lossy(&got);
    let mut at = 0;
    for seq in 1..=MESSAGES + 1 {
        let head = format!("* {seq} FETCH (UID {seq} BODY[] {{");
        let pos = text[at..].find(&head).unwrap_or_else(|| panic!("no FETCH {seq} after byte {at}"));
        at += pos + head.len();
    }
    assert!(got.len() > MESSAGES * SIZE, "{} bytes", got.len());
    stalled.write_all(b"a4 LOGOUT\r\n").unwrap();
    let mut rest = Vec::new();
    read_until(&mut stalled, &mut rest, b"a4 OK LOGOUT completed\r\n");
    assert!(stalled.read(&mut [0; 16]).is_ok_and(|n| n == 0), "the server closes after LOGOUT");
}

#[test]
fn python_imaplib_and_peers_against_mio_server() {
    peers_env::verify_clients(|| {
        let server = Running::start(4096);
        let port = server.port;
        (server, port)
    });
}

#[test]
fn mio_client_against_dovecot() {
    let Some(d) = dovecot::start_dovecot("mio-client") else { return };
    let addr = format!("127.0.0.1:{}", d.port);
    let mut c = Conn::connect(&addr).expect("connect to dovecot");
    c.login("alice", "secret", &mut |_| {}).expect("login");
    c.append("INBOX", message("first", 300), &mut |_| {}).expect("append");
    c.logout().expect("logout");
    let (report, lines) = session_with_append(&addr, "alice", "secret", "second");
    let report = report.unwrap_or_else(|e| panic!("session against Dovecot failed: {e}\n{lines:#?}"));
    assert_eq!(report.messages.len(), 1, "{lines:#?}");
    assert!(report.messages[0].ends_with("| Tester <tester@example.org> | first"), "{lines:#?}");
    assert!(report.updates.iter().any(|u| u == "* 2 EXISTS"), "no EXISTS during IDLE: {lines:#?}");
    let bad = ClientConfig {
        addr,
        user: "alice".into(),
        pass: "wrong".into(),
        idle: Duration::ZERO,
        idle_stop_after: None,
        idle_refresh: None,
    };
    let e = session(&bad, &mut |_| {}).expect_err("a wrong password fails");
    assert!(e.to_string().starts_with("LOGIN refused: NO"), "{e}");
}
