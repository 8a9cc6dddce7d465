//! `Client::fetch_body_stream`: a message body as an `io::Read` while it arrives, against
//! the blocking server over 127.0.0.1, and against a server that dies in the middle of a
//! body.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use imap_machine::store::memory::MemoryBackend;
use imap_machine_blocking::{Client, ClientError, Server};

/// A message of about `n` octets of text lines.
fn big(n: usize) -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: big\r\n\r\n".to_vec();
    let mut k = 0;
    while m.len() < n {
        m.extend_from_slice(format!("line {k:08} of a long message, and some text after it\r\n").as_bytes());
        k += 1;
    }
    m
}

/// A client logged in to a blocking server on the demo store.
fn demo() -> Client {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = Server::new(Arc::new(MemoryBackend::with_demo_data())).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));
    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    c
}

#[test]
fn a_body_streams_byte_for_byte_and_the_client_goes_on() {
    let mut c = demo();
    let text = big(5 << 20);
    let uid = c.append("INBOX", &[], None, text.clone()).unwrap().expect("APPENDUID").uid;
    c.select("INBOX").unwrap();

    let mut body = c.fetch_body_stream(uid, "").unwrap();
    assert_eq!((body.uid(), body.seq(), body.len()), (uid, 2, text.len() as u64));
    let (mut got, mut reads, mut buf) = (Vec::new(), 0, vec![0u8; 64 << 10]);
    loop {
        let n = body.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        reads += 1;
        got.extend_from_slice(&buf[..n]);
    }
    drop(body);
    assert_eq!(got, text);
    assert!(reads > 10, "{reads} reads: the body came in pieces");

    let mut t = Vec::new();
    c.fetch_body_stream(uid, "TEXT").unwrap().read_to_end(&mut t).unwrap();
    let split = text.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    assert_eq!(t, &text[split..]);
    assert!(matches!(c.fetch_body_stream(999, ""), Err(ClientError::NoSuchMessage(999))));

    // Dropped half-read: the rest is read and dropped by the next call.
    let mut half = c.fetch_body_stream(uid, "").unwrap();
    let mut some = vec![0u8; 1000];
    half.read_exact(&mut some).unwrap();
    drop(half);
    c.noop().unwrap();
    let all = c.uid_fetch(uid, "BODY.PEEK[]").unwrap().collect_all().unwrap();
    assert_eq!(all[0].body().unwrap().len(), text.len());
    c.logout().unwrap();
}

#[test]
fn a_server_that_dies_mid_body_is_a_read_error_never_a_hang() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.write_all(b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n").unwrap();
        let (mut buf, mut seen, mut answered) = (vec![0u8; 4096], Vec::new(), false);
        loop {
            let n = s.read(&mut buf).unwrap();
            seen.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&seen).to_string();
            if text.contains("SELECT") && !answered {
                s.write_all(b"* 1 EXISTS\r\nA1 OK [READ-WRITE] done\r\n").unwrap();
                answered = true;
            }
            if text.contains("UID FETCH") {
                s.write_all(b"* 1 FETCH (UID 5 BODY[] {100000}\r\n").unwrap();
                s.write_all(&[b'x'; 30000]).unwrap();
                return;
            }
        }
    });
    let mut c = Client::connect(&addr).unwrap();
    c.set_timeout(Some(Duration::from_secs(10))).unwrap();
    c.select("INBOX").unwrap();
    let mut body = c.fetch_body_stream(5, "").unwrap();
    assert_eq!(body.len(), 100000);
    let mut got = Vec::new();
    let e = body.read_to_end(&mut got).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof, "{e}");
    assert!(e.get_ref().and_then(|i| i.downcast_ref::<ClientError>()).is_some(), "{e:?}");
    assert_eq!(got.len(), 30000);
}

#[test]
fn append_from_a_reader_streams_the_message_in() {
    let mut c = demo();
    let text = big(5 << 20);
    let uid = c.append_from("INBOX", &[], None, text.len() as u64, &text[..]).unwrap().unwrap().uid;
    c.select("INBOX").unwrap();
    let mut got = Vec::new();
    c.fetch_body_stream(uid, "").unwrap().read_to_end(&mut got).unwrap();
    assert_eq!(got, text);

    let e = c.append_from("Nowhere", &[], None, 100, &[b'x'; 100][..]).unwrap_err();
    assert!(matches!(e, ClientError::Rejected(_) | ClientError::No(_)), "{e:?}");
    c.noop().unwrap();

    let e = c.append_from("INBOX", &[], None, 1000, &[b'x'; 10][..]).unwrap_err();
    assert!(matches!(&e, ClientError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof), "{e:?}");
    assert!(c.noop().is_err());
}
