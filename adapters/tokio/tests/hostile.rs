//! Our client against scripted fake servers on 127.0.0.1: injection, silence, garbage.

mod common;

use std::time::Duration;

use imap_machine::client::Error as MachineError;
use imap_machine_tokio::{tls, Client, Error, Update};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const T: Duration = Duration::from_secs(10);

/// A one-connection fake server running `script`.
async fn fake<F, Fut>(script: F) -> std::net::SocketAddr
where
    F: FnOnce(BufReader<TcpStream>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        script(BufReader::new(s)).await;
    });
    addr
}

async fn line(s: &mut BufReader<TcpStream>) -> String {
    let mut l = String::new();
    s.read_line(&mut l).await.unwrap();
    l
}

#[tokio::test]
async fn starttls_injection_is_fatal() {
    let addr = fake(|mut s| async move {
        s.get_mut().write_all(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n").await.unwrap();
        let l = line(&mut s).await;
        assert!(l.ends_with("STARTTLS\r\n"), "{l}");
        let tag = l.split(' ').next().unwrap().to_owned();
        // The OK and a forged response in one packet, before any TLS.
        let forged = format!("{tag} OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
        s.get_mut().write_all(forged.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    })
    .await;
    tokio::time::timeout(T, async {
        let c = Client::connect(addr).await.unwrap();
        let r = c.starttls("localhost", tls::client_config()).await;
        assert!(
            matches!(
                r,
                Err(Error::Protocol(MachineError::Lost(imap_machine::client::ConnectionError::StartTlsInjection)))
            ),
            "{r:?}"
        );
        assert!(c.noop().await.is_err());
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn connect_times_out_without_greeting() {
    let addr = fake(|s| async move {
        let _held = s;
        tokio::time::sleep(Duration::from_secs(3)).await;
    })
    .await;
    let r = tokio::time::timeout(T, Client::builder().connect_timeout(Some(Duration::from_millis(200))).connect(addr))
        .await
        .unwrap();
    assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
}

#[tokio::test]
async fn command_times_out_and_garbage_is_reported() {
    let addr = fake(|mut s| async move {
        s.get_mut().write_all(b"* OK [CAPABILITY IMAP4rev1] hi\r\n").await.unwrap();
        let _ = line(&mut s).await;
        // Never answer the command; send something unparsable instead.
        s.get_mut().write_all(b"* 12 FETCH (FLAGS (\\Seen) UID\r\n").await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
    })
    .await;
    tokio::time::timeout(T, async {
        let c = Client::builder().command_timeout(Some(Duration::from_millis(300))).connect(addr).await.unwrap();
        assert!(matches!(c.noop().await, Err(Error::Timeout)));
        assert!(matches!(c.next_update().await, Some(Update::Malformed(_))));
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn server_closing_mid_command_fails_it() {
    let addr = fake(|mut s| async move {
        s.get_mut().write_all(b"* OK [CAPABILITY IMAP4rev1] hi\r\n").await.unwrap();
        let _ = line(&mut s).await;
        s.get_mut().write_all(b"* BYE going away\r\n").await.unwrap();
    })
    .await;
    tokio::time::timeout(T, async {
        let c = Client::connect(addr).await.unwrap();
        match c.noop().await {
            Err(Error::Bye(s)) => assert_eq!(s.text.to_text(), "going away"),
            other => panic!("expected the BYE, got {other:?}"),
        }
        assert!(matches!(c.next_update().await, Some(Update::Bye(_))));
        assert!(c.next_update().await.is_none());
    })
    .await
    .unwrap();
}

/// A server offering a custom SASL mechanism with two challenges (`ping`, `again`) that
/// accepts the responses `PING` and `AGAIN`, and answers a cancel (`*`) with BAD.
async fn x_echo_server() -> std::net::SocketAddr {
    fake(|mut s| async move {
        s.get_mut().write_all(b"* OK [CAPABILITY IMAP4rev1 AUTH=X-ECHO] hi\r\n").await.unwrap();
        let l = line(&mut s).await;
        assert!(l.ends_with(" AUTHENTICATE X-ECHO\r\n"), "{l}");
        let tag = l.split(' ').next().unwrap().to_owned();
        let mut answers = Vec::new();
        for challenge in ["cGluZw==", "YWdhaW4="] {
            s.get_mut().write_all(format!("+ {challenge}\r\n").as_bytes()).await.unwrap();
            let answer = line(&mut s).await;
            let cancelled = answer == "*\r\n";
            answers.push(answer);
            if cancelled {
                let bad = format!("{tag} BAD AUTHENTICATE cancelled\r\n");
                s.get_mut().write_all(bad.as_bytes()).await.unwrap();
                return;
            }
        }
        // base64 of PING and AGAIN.
        let ok = answers == ["UElORw==\r\n", "QUdBSU4=\r\n"];
        let done = if ok { format!("{tag} OK done\r\n") } else { format!("{tag} NO {answers:?}\r\n") };
        s.get_mut().write_all(done.as_bytes()).await.unwrap();
        let _ = line(&mut s).await;
    })
    .await
}

fn x_echo() -> imap_machine::client::Authenticator {
    let mechanism = imap_machine::types::Atom::try_from("X-ECHO").unwrap().into();
    imap_machine::client::Authenticator::Custom { mechanism, initial_response: None }
}

#[tokio::test]
async fn custom_sasl_mechanism_answers_challenges() {
    let addr = x_echo_server().await;
    tokio::time::timeout(T, async {
        let c = Client::connect(addr).await.unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        c.authenticate_with(x_echo(), move |challenge| {
            log.lock().unwrap().push(challenge.to_vec());
            Some(challenge.to_ascii_uppercase())
        })
        .await
        .unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![b"ping".to_vec(), b"again".to_vec()]);
        assert_eq!(c.state(), imap_machine::types::State::Authenticated);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn custom_sasl_mechanism_can_cancel() {
    let addr = x_echo_server().await;
    tokio::time::timeout(T, async {
        let c = Client::connect(addr).await.unwrap();
        let r = c.authenticate_with(x_echo(), |_| None).await;
        assert!(matches!(r, Err(Error::Bad(_))), "{r:?}");
        // Without a responder, a challenge is cancelled too.
        let addr = x_echo_server().await;
        let c = Client::connect(addr).await.unwrap();
        let r = c.authenticate(x_echo()).await;
        assert!(matches!(r, Err(Error::Bad(_))), "{r:?}");
    })
    .await
    .unwrap();
}
