//! Shared helpers of the loopback tests: a server on 127.0.0.1 and a test certificate.
#![allow(dead_code, unreachable_pub)]

pub mod dovecot;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use imap_machine::store::memory::MemoryBackend;
use imap_machine_tokio::{Client, DebugTap, Server, ShutdownHandle};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running test server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub backend: Arc<MemoryBackend>,
    pub stop: ShutdownHandle,
    pub task: JoinHandle<std::io::Result<()>>,
}

/// A server on the demo data, plain, insecure auth allowed, configured by `f`.
pub async fn server_with(f: impl FnOnce(Server<MemoryBackend>) -> Server<MemoryBackend>) -> TestServer {
    server_of(MemoryBackend::with_demo_data(), f).await
}

/// A server on `backend`, set up by `f`.
pub async fn server_of(
    backend: MemoryBackend,
    f: impl FnOnce(Server<MemoryBackend>) -> Server<MemoryBackend>,
) -> TestServer {
    let backend = Arc::new(backend);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = f(Server::new(backend.clone()).allow_insecure_auth(true));
    let stop = server.shutdown_handle();
    let task = tokio::spawn(async move { server.serve(listener).await });
    TestServer { addr, backend, stop, task }
}

pub async fn server() -> TestServer {
    server_with(|s| s).await
}

/// A logged-in client.
pub async fn login(addr: SocketAddr) -> Client {
    let c = Client::connect(addr).await.unwrap();
    c.login("username", "password").await.unwrap();
    c
}

/// A test certificate for `localhost` and 127.0.0.1: (certificate, key).
pub fn test_cert() -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    (ck.cert.der().clone(), key)
}

/// A tap collecting lines in memory.
pub fn memory_tap() -> (DebugTap, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    (DebugTap::from_fn(move |l| sink.lock().unwrap().push(l.to_owned())), lines)
}

/// A small RFC 5322 message.
pub fn message(subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: {subject}\r\n\
         Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <{subject}@example.org>\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}
