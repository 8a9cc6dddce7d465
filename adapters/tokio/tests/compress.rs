//! COMPRESS=DEFLATE (RFC 4978) on the tokio adapter, both sides, over loopback: our client
//! against our server over plain TCP and over TLS, IDLE updates arriving compressed from
//! another connection, bodies byte for byte, the refusals, and our client against
//! Dovecot's `imap_zlib`.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{login, memory_tap, message, server, server_with, test_cert};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{Capability, Code};
use imap_machine_tokio::{tls, Client, Error, Server, Update};
use tokio::net::TcpListener;

const T: Duration = Duration::from_secs(20);

/// A message of `n` octets of text that compresses well, and one of noise.
fn big(n: usize, noisy: bool) -> Vec<u8> {
    let mut body = Vec::with_capacity(n);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    while body.len() < n {
        if noisy {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            body.extend_from_slice(format!("{:016x}\r\n", x).as_bytes());
        } else {
            body.extend_from_slice(b"The quick brown fox jumps over the lazy dog.\r\n");
        }
    }
    let mut m = b"Subject: big\r\n\r\n".to_vec();
    m.extend_from_slice(&body);
    m
}

#[tokio::test]
async fn compressed_session_with_updates_from_another_connection() {
    let (tap, lines) = memory_tap();
    let srv = server_with(|s| s.debug_tap(tap)).await;
    tokio::time::timeout(T, async {
        let a = login(srv.addr).await;
        assert!(a.has_capability(&Capability::CompressDeflate).await.unwrap());
        a.compress().await.unwrap();
        // A second COMPRESS is refused, with the code, and the stream goes on.
        let Err(Error::Bad(st)) = a.compress().await else { panic!("twice") };
        assert_eq!(st.code, Some(Code::CompressionActive));
        assert_eq!(a.select("INBOX").await.unwrap().exists, 1);
        let mut idle = a.idle().await.unwrap();
        let b = login(srv.addr).await;
        b.append("INBOX", &[], None, message("pushed", "hi")).await.unwrap();
        let update = idle.next_update().await.unwrap();
        assert!(matches!(update, Update::Exists(2)), "{update:?}");
        idle.done().await.unwrap();
        // Bodies come back byte for byte: text that deflates well and noise that does not.
        for (k, m) in [big(300_000, false), big(300_000, true)].into_iter().enumerate() {
            b.append("INBOX", &[], None, m.clone()).await.unwrap();
            a.noop().await.unwrap();
            let got = a.fetch(format!("{}", k + 3), "BODY.PEEK[]").await.unwrap().collect().await.unwrap();
            assert_eq!(got[0].body().as_deref(), Some(&m[..]));
        }
        a.logout().await.unwrap();
    })
    .await
    .expect("timed out");
    // The tap shows the plain text on both sides of the switch.
    let lines = lines.lock().unwrap();
    let ok = lines.iter().position(|l| l.ends_with(" OK DEFLATE active")).expect("COMPRESS answered");
    assert!(lines[ok..].iter().any(|l| l.contains("S: * 2 EXISTS")), "{lines:#?}");
    assert!(lines[ok..].iter().any(|l| l.contains("C: ") && l.ends_with(" LOGOUT")), "{lines:#?}");
}

#[tokio::test]
async fn compress_over_tls() {
    let (cert, key) = test_cert();
    let server_config = tls::server_config(vec![cert.clone()], key).unwrap();
    let client_config = tls::client_config_with_roots([cert]).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::new(Arc::new(MemoryBackend::with_demo_data())).tls(server_config);
    let stop = server.shutdown_handle();
    let task = tokio::spawn(async move { server.serve_tls(listener).await });
    tokio::time::timeout(T, async {
        let c = Client::connect_tls(addr, "localhost", client_config).await.unwrap();
        c.login("username", "password").await.unwrap();
        // TLS (rustls) does not compress, so COMPRESS is offered and taken inside it.
        c.compress().await.unwrap();
        c.select("INBOX").await.unwrap();
        let m = big(200_000, false);
        c.append("INBOX", &[], None, m.clone()).await.unwrap();
        let got = c.fetch("2", "BODY.PEEK[]").await.unwrap().collect().await.unwrap();
        assert_eq!(got[0].body().as_deref(), Some(&m[..]));
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
    stop.shutdown();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_server_without_compress_is_not_asked() {
    let srv = server_with(|s| s.compress(false)).await;
    tokio::time::timeout(T, async {
        let c = login(srv.addr).await;
        assert!(!c.has_capability(&Capability::CompressDeflate).await.unwrap());
        assert!(matches!(c.compress().await, Err(Error::Unsupported("COMPRESS=DEFLATE"))));
        c.noop().await.unwrap();
    })
    .await
    .expect("timed out");
    // And before login it is neither offered nor accepted (RFC 4978 §5: command-auth).
    let srv = server().await;
    let c = Client::connect(srv.addr).await.unwrap();
    assert!(matches!(c.compress().await, Err(Error::Unsupported(_))));
}

#[tokio::test]
async fn our_client_against_dovecot_imap_zlib() {
    let Some(d) = common::dovecot::Dovecot::start("compress", 14631, 14632, false, None) else { return };
    d.enable_imap_zlib();
    tokio::time::timeout(T, async {
        let c = Client::connect(d.addr()).await.unwrap();
        c.login("alice", "secret").await.unwrap();
        assert!(c.has_capability(&Capability::CompressDeflate).await.unwrap());
        c.compress().await.unwrap();
        c.select("INBOX").await.unwrap();
        let mut messages = Vec::new();
        for (k, m) in [big(100_000, false), big(100_000, true), message("small", "hi")].into_iter().enumerate() {
            c.append("INBOX", &[], None, m.clone()).await.unwrap();
            messages.push((k + 1, m));
        }
        c.noop().await.unwrap();
        for (n, m) in messages {
            let got = c.fetch(n.to_string(), "BODY.PEEK[]").await.unwrap().collect().await.unwrap();
            assert_eq!(got[0].body().as_deref(), Some(&m[..]));
        }
        // Dovecot answers a second COMPRESS with NO [COMPRESSIONACTIVE] (we say BAD, as
        // RFC 4978 §3 has it).
        let Err(Error::No(st)) = c.compress().await else { panic!("twice") };
        assert_eq!(st.code, Some(Code::CompressionActive));
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}
