//! TLS over loopback: implicit TLS and STARTTLS, with a certificate made by rcgen at test
//! time.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{memory_tap, test_cert};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{Capability, State};
use imap_machine_tokio::{tls, Client, Error, Server};
use tokio::net::TcpListener;

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn implicit_tls() {
    let (cert, key) = test_cert();
    let server_config = tls::server_config(vec![cert.clone()], key).unwrap();
    let client_config = tls::client_config_with_roots([cert]).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // No allow_insecure_auth: LOGIN works because the connection is TLS.
    let server = Server::new(Arc::new(MemoryBackend::with_demo_data())).tls(server_config);
    let stop = server.shutdown_handle();
    let task = tokio::spawn(async move { server.serve_tls(listener).await });
    tokio::time::timeout(T, async {
        let c = Client::connect_tls(addr, "localhost", client_config.clone()).await.unwrap();
        let caps = c.capabilities().await.unwrap();
        assert!(!caps.contains(&Capability::StartTls));
        assert!(!caps.contains(&Capability::LoginDisabled));
        c.login("username", "password").await.unwrap();
        assert_eq!(c.select("INBOX").await.unwrap().exists, 1);
        let all = c.fetch("1", "(BODY.PEEK[])").await.unwrap().collect().await.unwrap();
        assert_eq!(all.len(), 1);
        c.logout().await.unwrap();

        // The wrong name fails the handshake.
        let wrong = Client::connect_tls(addr, "example.org", client_config).await;
        assert!(matches!(wrong, Err(Error::Tls(_))), "{wrong:?}");
        // And a client that trusts nothing of ours too.
        let untrusted = Client::connect_tls(addr, "localhost", tls::client_config()).await;
        assert!(matches!(untrusted, Err(Error::Tls(_))), "{untrusted:?}");
    })
    .await
    .unwrap();
    stop.shutdown();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn starttls_upgrade() {
    let (cert, key) = test_cert();
    let server_config = tls::server_config(vec![cert.clone()], key).unwrap();
    let client_config = tls::client_config_with_roots([cert]).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tap, lines) = memory_tap();
    let server = Server::new(Arc::new(MemoryBackend::with_demo_data())).tls(server_config).debug_tap(tap);
    let stop = server.shutdown_handle();
    let task = tokio::spawn(async move { server.serve(listener).await });
    tokio::time::timeout(T, async {
        let c = Client::connect(addr).await.unwrap();
        let caps = c.capabilities().await.unwrap();
        assert!(caps.contains(&Capability::StartTls));
        assert!(caps.contains(&Capability::LoginDisabled));
        assert!(matches!(c.login("username", "password").await, Err(Error::No(_))));

        c.starttls("localhost", client_config).await.unwrap();
        let caps = c.capabilities().await.unwrap();
        assert!(!caps.contains(&Capability::StartTls), "{caps:?}");
        assert!(!caps.contains(&Capability::LoginDisabled), "{caps:?}");
        c.login("username", "password").await.unwrap();
        assert_eq!(c.state(), State::Authenticated);
        c.select("INBOX").await.unwrap();
        // A second STARTTLS is refused.
        assert!(c.starttls("localhost", tls::client_config()).await.is_err());
        c.logout().await.unwrap();
    })
    .await
    .unwrap();
    stop.shutdown();
    task.await.unwrap().unwrap();
    let lines = lines.lock().unwrap();
    assert!(lines.iter().any(|l| l.contains("] S: A") && l.ends_with(" OK Begin TLS negotiation now")), "{lines:#?}");
}

#[tokio::test]
async fn plain_and_tls_listeners_share_one_shutdown() {
    let (cert, key) = test_cert();
    let server_config = tls::server_config(vec![cert.clone()], key).unwrap();
    let client_config = tls::client_config_with_roots([cert]).unwrap();
    let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let secure = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (plain_addr, secure_addr) = (plain.local_addr().unwrap(), secure.local_addr().unwrap());
    let server = Arc::new(Server::new(Arc::new(MemoryBackend::with_demo_data())).tls(server_config));
    let (s1, s2) = (server.clone(), server.clone());
    let t1 = tokio::spawn(async move { s1.serve(plain).await });
    let t2 = tokio::spawn(async move { s2.serve_tls(secure).await });
    tokio::time::timeout(T, async {
        let a = Client::connect(plain_addr).await.unwrap();
        let b = Client::connect_tls(secure_addr, "localhost", client_config).await.unwrap();
        b.login("username", "password").await.unwrap();
        b.select("INBOX").await.unwrap();
        server.shutdown();
        t1.await.unwrap().unwrap();
        t2.await.unwrap().unwrap();
        // The accept loops are done; each connection says BYE on its own task, so give the
        // TLS one a moment (a NOOP may still be answered before its BYE goes out).
        let mut closed = false;
        for _ in 0..100 {
            match b.noop().await {
                Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
                // Closed, BYE, or refused locally because the BYE already put the client
                // in the logout state: all mean the shutdown reached this connection.
                Err(Error::Closed | Error::Bye(_) | Error::Protocol(_)) => {
                    closed = true;
                    break;
                }
                Err(e) => panic!("{e:?}"),
            }
        }
        assert!(closed, "the TLS connection was not shut down");
        assert!(matches!(a.capabilities().await, Ok(_) | Err(Error::Closed | Error::Bye(_))));
    })
    .await
    .unwrap();
}
