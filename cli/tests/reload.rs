//! SIGHUP reloads `imapm serve`'s certificate and key and its users file without dropping
//! connections: new connections get the new certificate and passwords, an old connection
//! keeps working, and a broken file keeps what was in use.

// Tests drive real processes and wait on real time.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ChildStderr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use support::serve::serve;

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A self-signed certificate for `localhost`: its PEM, its key's PEM, and its DER.
fn certificate() -> (String, String, Vec<u8>) {
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    (key.cert.pem(), key.signing_key.serialize_pem(), key.cert.der().to_vec())
}

/// An implicit-TLS connection to `port`, trusting `roots`; the greeting read.
fn connect(port: u16, roots: &[Vec<u8>]) -> Tls {
    let mut store = rustls::RootCertStore::empty();
    for r in roots {
        store.add(CertificateDer::from(r.clone())).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(store)
        .with_no_client_auth();
    let conn = rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap()).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    assert!(line(&mut tls).starts_with("* OK"));
    tls
}

fn line(tls: &mut Tls) -> String {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while !out.ends_with(b"\r\n") {
        assert_eq!(tls.read(&mut b).unwrap(), 1, "closed");
        out.push(b[0]);
    }
    String::from_utf8(out).unwrap()
}

/// Runs `command` as `tag`: the tagged answer.
fn run(tls: &mut Tls, tag: &str, command: &str) -> String {
    tls.write_all(format!("{tag} {command}\r\n").as_bytes()).unwrap();
    loop {
        let l = line(tls);
        if l.starts_with(&format!("{tag} ")) {
            return l;
        }
    }
}

/// The certificate the server showed.
fn served(tls: &Tls) -> Vec<u8> {
    tls.conn.peer_certificates().unwrap()[0].as_ref().to_vec()
}

/// Sends SIGHUP and waits for the log line that says what became of `what`.
fn hangup(pid: u32, log: &mut BufReader<ChildStderr>, what: &str) -> String {
    assert!(std::process::Command::new("kill").args(["-HUP", &pid.to_string()]).status().unwrap().success());
    loop {
        let mut l = String::new();
        assert!(log.read_line(&mut l).unwrap() > 0, "imapm serve exited");
        if l.contains("SIGHUP") && l.contains(what) {
            return l;
        }
    }
}

#[test]
fn sighup_reloads_certificate_and_users_and_keeps_connections() {
    let dir = std::env::temp_dir().join(format!("imapm-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path, users_path) = (dir.join("cert.pem"), dir.join("key.pem"), dir.join("users"));
    let (a_pem, a_key, a_der) = certificate();
    let (b_pem, b_key, b_der) = certificate();
    std::fs::write(&cert_path, &a_pem).unwrap();
    std::fs::write(&key_path, &a_key).unwrap();
    std::fs::write(&users_path, "alice:{PLAIN}one\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let tls_listen = format!("127.0.0.1:{port}");
    let p = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (cert, key, users) = (p(&cert_path), p(&key_path), p(&users_path));
    let mut srv = serve(&[
        "--quiet",
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "--tls-listen",
        &tls_listen,
        "--users-file",
        &users,
    ]);
    let pid = srv.child.id();
    let mut log = srv.take_stderr();
    let both = [a_der.clone(), b_der.clone()];

    let mut old = connect(port, &both);
    assert_eq!(served(&old), a_der);
    assert!(run(&mut old, "a1", "LOGIN alice one").starts_with("a1 OK"));

    // A renewed certificate and a changed password.
    std::fs::write(&cert_path, &b_pem).unwrap();
    std::fs::write(&key_path, &b_key).unwrap();
    std::fs::write(&users_path, "alice:{PLAIN}two\n").unwrap();
    let said = hangup(pid, &mut log, "certificate");
    assert!(said.contains("reloaded"), "{said}");
    hangup_seen(&mut log, "users file");
    let mut new = connect(port, &both);
    assert_eq!(served(&new), b_der, "new connections get the new certificate");
    assert!(run(&mut new, "b1", "LOGIN alice one").starts_with("b1 NO"));
    assert!(run(&mut new, "b2", "LOGIN alice two").starts_with("b2 OK"));
    assert!(run(&mut old, "a2", "NOOP").starts_with("a2 OK"), "the old connection goes on");

    // A broken certificate file keeps the one in use, and says why.
    std::fs::write(&cert_path, "not a certificate\n").unwrap();
    let said = hangup(pid, &mut log, "certificate");
    assert!(said.contains("keeping the certificate in use"), "{said}");
    let third = connect(port, &both);
    assert_eq!(served(&third), b_der);
    assert!(run(&mut old, "a3", "NOOP").starts_with("a3 OK"));
    srv.child.kill().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Waits for the SIGHUP line about `what` that follows the one just read.
fn hangup_seen(log: &mut BufReader<ChildStderr>, what: &str) {
    loop {
        let mut l = String::new();
        assert!(log.read_line(&mut l).unwrap() > 0, "imapm serve exited");
        if l.contains("SIGHUP") && l.contains(what) {
            assert!(l.contains("reloaded"), "{l}");
            return;
        }
    }
}
