//! The debug tap never logs a credential: every auth path, client side and server side,
//! through the blocking client against the blocking server, against a scripted server
//! without LITERAL+ and SASL-IR, and a raw client against the blocking server. Each
//! transcript is searched for the passwords, the token and their base64 forms.

#[path = "support/tap_check.rs"]
mod tap_check;

use std::net::TcpListener;
use std::sync::Arc;

use imap_machine::client::Authenticator;
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::AuthMechanism;
use imap_machine_blocking::{Client, Server, Tap};
use tap_check::*;

/// The blocking server with a tap, users [`QUOTED_USER`] and [`LITERAL_USER`], and
/// XOAUTH2 advertised (the memory store refuses it after the exchange).
fn server() -> (String, Capture) {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    backend.add_user(QUOTED_USER, QUOTED_PASS);
    backend.add_user(LITERAL_USER, LITERAL_PASS);
    let capture = Capture::default();
    let mut server = Server::new(backend).allow_insecure_auth(true).tap(Tap::new(capture.clone()));
    server.options_mut().auth_mechanisms.push(AuthMechanism::XOAuth2);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || server.serve(listener));
    (addr, capture)
}

fn client(addr: &str, capture: &Capture) -> Client {
    let mut c = Client::connect(addr).unwrap();
    c.set_tap(Tap::new(capture.clone()));
    c
}

/// Every auth path a client takes against `addr`: LOGIN with a quoted password and with a
/// literal one, AUTHENTICATE PLAIN, LOGIN and XOAUTH2 (which the server refuses).
fn client_paths(addr: &str, capture: &Capture) {
    let mut c = client(addr, capture);
    c.login(QUOTED_USER, QUOTED_PASS).unwrap();
    c.noop().unwrap();
    c.logout().unwrap();
    let mut c = client(addr, capture);
    c.login(LITERAL_USER, LITERAL_PASS).unwrap();
    c.logout().unwrap();
    let mut c = client(addr, capture);
    let auth =
        Authenticator::Plain { authzid: String::new(), username: LITERAL_USER.into(), password: LITERAL_PASS.into() };
    c.authenticate(auth).unwrap();
    c.logout().unwrap();
    let mut c = client(addr, capture);
    c.authenticate(Authenticator::Login { username: QUOTED_USER.into(), password: QUOTED_PASS.into() }).unwrap();
    c.logout().unwrap();
    let mut c = client(addr, capture);
    let auth = Authenticator::XOAuth2 { username: QUOTED_USER.into(), token: TOKEN.into() };
    assert!(c.authenticate(auth).is_err());
    c.logout().unwrap();
}

#[test]
fn blocking_client_against_blocking_server() {
    let (addr, server_log) = server();
    let client_log = Capture::default();
    client_paths(&addr, &client_log);
    let (client_lines, server_lines) = (client_log.lines(), server_log.lines());
    assert_no_secret(&client_lines);
    assert_no_secret(&server_lines);
    for lines in [&client_lines, &server_lines] {
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

#[test]
fn blocking_client_against_a_server_without_literal_plus_or_sasl_ir() {
    let addr = scripted_server();
    let client_log = Capture::default();
    client_paths(&addr, &client_log);
    let lines = client_log.lines();
    assert_no_secret(&lines);
    assert_logged(&lines, &format!("C: A1 LOGIN {QUOTED_USER} [REDACTED]"));
    assert_logged(&lines, &format!("C: A1 LOGIN {LITERAL_USER} [REDACTED]"));
    assert_logged(&lines, "S: + go ahead");
    assert_logged(&lines, "C: A1 AUTHENTICATE PLAIN");
    assert_logged(&lines, "C: A1 AUTHENTICATE XOAUTH2");
    assert_logged(&lines, "S: + eyJzdGF0dXMiOiI0MDEifQ==");
    assert_logged(&lines, "C: [REDACTED]");
}

#[test]
fn raw_client_against_blocking_server() {
    let (addr, server_log) = server();
    raw_client_paths(&addr);
    let lines = server_log.lines();
    assert_no_secret(&lines);
    assert_logged(&lines, &format!("C: a1 LOGIN {LITERAL_USER} [REDACTED]"));
    assert_logged(&lines, "C: b1 AUTHENTICATE PLAIN");
    assert_logged(&lines, "C: *");
    assert_logged(&lines, "C: [REDACTED]");
    assert_logged(&lines, &format!("C: d3 LOGIN {QUOTED_USER} [REDACTED]"));
    assert_logged(&lines, "C: d4 LOGOUT");
}
