//! `Client::fetch_body_stream`: a message body as an `AsyncRead` while it arrives, against
//! our server over 127.0.0.1, and against a server that dies in the middle of a body.

mod common;

use std::time::Duration;

use common::{login, message, server};
use imap_machine::types::Flag;
use imap_machine_tokio::{Client, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const T: Duration = Duration::from_secs(20);

async fn timed<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(T, f).await.expect("test step timed out")
}

/// A message of about `n` octets of text lines.
fn big(n: usize) -> Vec<u8> {
    let mut body = String::with_capacity(n + 64);
    let mut k = 0;
    while body.len() < n {
        body.push_str(&format!("line {k:08} of a long message, and some text after it\r\n"));
        k += 1;
    }
    message("big", &body)
}

#[tokio::test]
async fn a_body_streams_byte_for_byte_and_the_client_goes_on() {
    let srv = server().await;
    timed(async {
        let c = login(srv.addr).await;
        let text = big(5 << 20);
        let appended = c.append("INBOX", &[], None, text.clone()).await.unwrap().expect("APPENDUID");
        c.select("INBOX").await.unwrap();

        let mut body = c.fetch_body_stream(appended.uid, "").await.unwrap();
        assert_eq!((body.uid(), body.seq(), body.len()), (appended.uid, 2, text.len() as u64));
        let mut got = Vec::new();
        let mut reads = 0;
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let n = body.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            reads += 1;
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, text);
        assert!(reads > 10, "{reads} reads: the body came in pieces");

        // A section, a short body (not streamed by length), and a UID that is not there.
        let mut part = c.fetch_body_stream(appended.uid, "TEXT").await.unwrap();
        let mut t = Vec::new();
        part.read_to_end(&mut t).await.unwrap();
        let split = text.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        assert_eq!(t, &text[split..]);
        let mut first = c.fetch_body_stream(1, "HEADER").await.unwrap();
        let mut h = Vec::new();
        first.read_to_end(&mut h).await.unwrap();
        assert!(h.ends_with(b"\r\n\r\n") && first.len() == h.len() as u64, "{}", String::from_utf8_lossy(&h));
        assert!(matches!(c.fetch_body_stream(999, "").await, Err(Error::NoSuchMessage(999))));

        // A stream dropped half-read: the rest is discarded and the client goes on.
        let mut half = c.fetch_body_stream(appended.uid, "").await.unwrap();
        let mut some = vec![0u8; 1000];
        half.read_exact(&mut some).await.unwrap();
        drop(half);
        c.noop().await.unwrap();
        let all = c.uid_fetch(appended.uid, "BODY.PEEK[]").await.unwrap().collect().await.unwrap();
        assert_eq!(all[0].body().unwrap().len(), text.len());
        c.logout().await.unwrap();
    })
    .await;
}

/// A server that sends half a body and closes the connection.
#[tokio::test]
async fn a_server_that_dies_mid_body_is_a_read_error_never_a_hang() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        s.write_all(b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n").await.unwrap();
        let mut buf = vec![0u8; 4096];
        let mut seen = Vec::new();
        loop {
            let n = s.read(&mut buf).await.unwrap();
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).to_string();
            if text.contains("SELECT") && !text.contains("answered") {
                s.write_all(b"* 1 EXISTS\r\nA1 OK [READ-WRITE] done\r\n").await.unwrap();
                seen.extend_from_slice(b"answered");
            }
            if text.contains("UID FETCH") {
                s.write_all(b"* 1 FETCH (UID 5 BODY[] {100000}\r\n").await.unwrap();
                s.write_all(&[b'x'; 30000]).await.unwrap();
                return; // dropped: the connection closes mid-literal
            }
        }
    });
    timed(async {
        let c = Client::connect(addr).await.unwrap();
        c.select("INBOX").await.unwrap();
        let mut body = c.fetch_body_stream(5, "").await.unwrap();
        assert_eq!(body.len(), 100000);
        let mut got = Vec::new();
        let e = body.read_to_end(&mut got).await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "{e}");
        assert!(e.get_ref().and_then(|i| i.downcast_ref::<Error>()).is_some(), "{e:?}");
        assert_eq!(got.len(), 30000);
    })
    .await;
}

#[tokio::test]
async fn append_from_a_reader_streams_the_message_in() {
    let srv = server().await;
    timed(async {
        let c = login(srv.addr).await;
        let text = big(5 << 20);
        let reader = std::io::Cursor::new(text.clone());
        let uid = c.append_from("INBOX", &[Flag::Seen], None, text.len() as u64, reader).await.unwrap().unwrap().uid;
        c.select("INBOX").await.unwrap();
        let mut got = Vec::new();
        c.fetch_body_stream(uid, "").await.unwrap().read_to_end(&mut got).await.unwrap();
        assert_eq!(got, text);
        assert!(c.uid_search("SEEN").await.unwrap().contains(&uid), "the flags came along");

        // Refused: no such mailbox. The client goes on.
        let e = c.append_from("Nowhere", &[], None, 100, std::io::Cursor::new(vec![b'x'; 100])).await.unwrap_err();
        assert!(matches!(e, Error::Rejected(_) | Error::No(_)), "{e:?}");
        c.noop().await.unwrap();

        // A reader that ends short: the call fails, and the connection with it.
        let e = c.append_from("INBOX", &[], None, 1000, std::io::Cursor::new(vec![b'x'; 10])).await.unwrap_err();
        assert!(matches!(&e, Error::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof), "{e:?}");
        assert!(c.noop().await.is_err());
    })
    .await;
}
