//! The debug tap never logs a credential: every auth path, client side and server side,
//! through the tokio client against the tokio server, each adapter's client against the
//! other adapter's server, the tokio client against a scripted server without LITERAL+
//! and SASL-IR, and a raw client against the tokio server. Each transcript is searched for
//! the passwords, the token and their base64 forms.

mod common;
#[path = "../../blocking/tests/support/tap_check.rs"]
mod tap_check;

use std::net::TcpListener as StdListener;
use std::sync::{Arc, Mutex};

use imap_machine::client::Authenticator;
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::AuthMechanism;
use imap_machine_tokio::{Client, DebugTap};
use tap_check::*;

type Lines = Arc<Mutex<Vec<String>>>;

fn memory_tap() -> (DebugTap, Lines) {
    common::memory_tap()
}

/// The tokio server with a tap, users [`QUOTED_USER`] and [`LITERAL_USER`], and XOAUTH2
/// advertised (the memory store refuses it after the exchange).
async fn tokio_server() -> (String, Lines) {
    let (tap, lines) = memory_tap();
    let srv = common::server_with(|mut s| {
        s.options_mut().auth_mechanisms.push(AuthMechanism::XOAuth2);
        s.debug_tap(tap)
    })
    .await;
    srv.backend.add_user(QUOTED_USER, QUOTED_PASS);
    srv.backend.add_user(LITERAL_USER, LITERAL_PASS);
    (srv.addr.to_string(), lines)
}

/// The blocking server, likewise.
fn blocking_server() -> (String, Capture) {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    backend.add_user(QUOTED_USER, QUOTED_PASS);
    backend.add_user(LITERAL_USER, LITERAL_PASS);
    let capture = Capture::default();
    let mut server = imap_machine_blocking::Server::new(backend)
        .allow_insecure_auth(true)
        .tap(imap_machine_blocking::Tap::new(capture.clone()));
    server.options_mut().auth_mechanisms.push(AuthMechanism::XOAuth2);
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || server.serve(listener));
    (addr, capture)
}

async fn client(addr: &str, tap: &DebugTap) -> Client {
    Client::builder().debug_tap(tap.clone()).connect(addr).await.unwrap()
}

/// Every auth path the tokio client takes against `addr`: LOGIN with a quoted password
/// and with a literal one, AUTHENTICATE PLAIN, LOGIN and XOAUTH2 (which the server
/// refuses).
async fn tokio_client_paths(addr: &str) -> Vec<String> {
    let (tap, lines) = memory_tap();
    let c = client(addr, &tap).await;
    c.login(QUOTED_USER, QUOTED_PASS).await.unwrap();
    c.noop().await.unwrap();
    c.logout().await.unwrap();
    let c = client(addr, &tap).await;
    c.login(LITERAL_USER, LITERAL_PASS).await.unwrap();
    c.logout().await.unwrap();
    let c = client(addr, &tap).await;
    let auth =
        Authenticator::Plain { authzid: String::new(), username: LITERAL_USER.into(), password: LITERAL_PASS.into() };
    c.authenticate(auth).await.unwrap();
    c.logout().await.unwrap();
    let c = client(addr, &tap).await;
    c.authenticate(Authenticator::Login { username: QUOTED_USER.into(), password: QUOTED_PASS.into() }).await.unwrap();
    c.logout().await.unwrap();
    let c = client(addr, &tap).await;
    let auth = Authenticator::XOAuth2 { username: QUOTED_USER.into(), token: TOKEN.into() };
    assert!(c.authenticate(auth).await.is_err());
    c.logout().await.unwrap();
    let lines = lines.lock().unwrap().clone();
    lines
}

/// The same paths through the blocking client.
fn blocking_client_paths(addr: &str) -> Vec<String> {
    let capture = Capture::default();
    let client = || {
        let mut c = imap_machine_blocking::Client::connect(addr).unwrap();
        c.set_tap(imap_machine_blocking::Tap::new(capture.clone()));
        c
    };
    let mut c = client();
    c.login(QUOTED_USER, QUOTED_PASS).unwrap();
    c.noop().unwrap();
    c.logout().unwrap();
    let mut c = client();
    c.login(LITERAL_USER, LITERAL_PASS).unwrap();
    c.logout().unwrap();
    let mut c = client();
    let auth =
        Authenticator::Plain { authzid: String::new(), username: LITERAL_USER.into(), password: LITERAL_PASS.into() };
    c.authenticate(auth).unwrap();
    c.logout().unwrap();
    let mut c = client();
    c.authenticate(Authenticator::Login { username: QUOTED_USER.into(), password: QUOTED_PASS.into() }).unwrap();
    c.logout().unwrap();
    let mut c = client();
    let auth = Authenticator::XOAuth2 { username: QUOTED_USER.into(), token: TOKEN.into() };
    assert!(c.authenticate(auth).is_err());
    c.logout().unwrap();
    capture.lines()
}

/// What a real login through a client and a server shows on both taps.
fn check_both(client_lines: &[String], server_lines: &[String]) {
    assert_no_secret(client_lines);
    assert_no_secret(server_lines);
    for lines in [client_lines, server_lines] {
        assert_logged(lines, &format!("C: A1 LOGIN {QUOTED_USER} [REDACTED]"));
        assert_logged(lines, &format!("C: A1 LOGIN {LITERAL_USER} [REDACTED]"));
        assert_logged(lines, "C: A1 AUTHENTICATE PLAIN [REDACTED]");
        assert_logged(lines, "C: A1 AUTHENTICATE LOGIN");
        assert_logged(lines, "S: + VXNlcm5hbWU6");
        assert_logged(lines, "C: [REDACTED]");
        assert_logged(lines, "C: A1 AUTHENTICATE XOAUTH2 [REDACTED]");
        assert_logged(lines, "C: A2 NOOP");
    }
    assert!(server_lines.iter().all(|l| l.starts_with('[')), "{server_lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_against_tokio_server() {
    let (addr, server_lines) = tokio_server().await;
    let client_lines = tokio_client_paths(&addr).await;
    let server_lines = server_lines.lock().unwrap().clone();
    check_both(&client_lines, &server_lines);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_against_blocking_server() {
    let (addr, server_log) = blocking_server();
    let client_lines = tokio_client_paths(&addr).await;
    check_both(&client_lines, &server_log.lines());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_client_against_tokio_server() {
    let (addr, server_lines) = tokio_server().await;
    let a = addr.clone();
    let client_lines = tokio::task::spawn_blocking(move || blocking_client_paths(&a)).await.unwrap();
    let server_lines = server_lines.lock().unwrap().clone();
    check_both(&client_lines, &server_lines);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_client_against_a_server_without_literal_plus_or_sasl_ir() {
    let addr = scripted_server();
    let lines = tokio_client_paths(&addr).await;
    assert_no_secret(&lines);
    assert_logged(&lines, &format!("C: A1 LOGIN {QUOTED_USER} [REDACTED]"));
    assert_logged(&lines, &format!("C: A1 LOGIN {LITERAL_USER} [REDACTED]"));
    assert_logged(&lines, "S: + go ahead");
    assert_logged(&lines, "C: A1 AUTHENTICATE PLAIN");
    assert_logged(&lines, "C: A1 AUTHENTICATE XOAUTH2");
    assert_logged(&lines, "S: + eyJzdGF0dXMiOiI0MDEifQ==");
    assert_logged(&lines, "C: [REDACTED]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_client_against_tokio_server() {
    let (addr, server_lines) = tokio_server().await;
    tokio::task::spawn_blocking(move || raw_client_paths(&addr)).await.unwrap();
    let lines = server_lines.lock().unwrap().clone();
    assert_no_secret(&lines);
    assert_logged(&lines, &format!("C: a1 LOGIN {LITERAL_USER} [REDACTED]"));
    assert_logged(&lines, "C: b1 AUTHENTICATE PLAIN");
    assert_logged(&lines, "C: *");
    assert_logged(&lines, "C: [REDACTED]");
    assert_logged(&lines, &format!("C: d3 LOGIN {QUOTED_USER} [REDACTED]"));
    assert_logged(&lines, "C: d4 LOGOUT");
}
