//! COMPRESS=DEFLATE (RFC 4978) on the blocking adapter, both sides, over loopback: the
//! blocking client against the blocking server in plain TCP and after STARTTLS, IDLE
//! updates arriving compressed, bodies byte for byte, and a second COMPRESS refused.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{Capability, Code};
use imap_machine_blocking::{Client, ClientError, Server, Tap, Update};

#[path = "support/tls.rs"]
mod tls;

fn start(server: Server<MemoryBackend>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || server.serve(listener));
    addr
}

/// Text that deflates well, or noise that does not, in a message of about `n` octets.
fn big(n: usize, noisy: bool) -> Vec<u8> {
    let mut m = b"Subject: big\r\n\r\n".to_vec();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    while m.len() < n {
        if noisy {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            m.extend_from_slice(format!("{x:016x}\r\n").as_bytes());
        } else {
            m.extend_from_slice(b"The quick brown fox jumps over the lazy dog.\r\n");
        }
    }
    m
}

fn session(c: &mut Client, addr: &str) {
    assert!(c.capabilities().unwrap().contains(&Capability::CompressDeflate));
    c.compress().unwrap();
    let Err(ClientError::Bad(st)) = c.compress() else { panic!("a second COMPRESS") };
    assert_eq!(st.code, Some(Code::CompressionActive));
    assert_eq!(c.select("INBOX").unwrap().exists, 1);
    let addr2 = addr.to_string();
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        let mut w = Client::connect(&addr2).unwrap();
        w.login("username", "password").unwrap();
        w.append("INBOX", &[], None, b"Subject: pushed\r\n\r\nhi\r\n".as_slice()).unwrap();
        w.logout().unwrap();
    });
    let mut idle = c.idle().unwrap();
    let update = idle.wait(Duration::from_secs(10)).unwrap();
    idle.done().unwrap();
    writer.join().unwrap();
    assert_eq!(update, Some(Update::Exists(2)));
    for (k, m) in [big(300_000, false), big(300_000, true)].into_iter().enumerate() {
        c.append("INBOX", &[], None, m.clone()).unwrap();
        c.noop().unwrap();
        let got = c.fetch(format!("{}", k + 3), "BODY.PEEK[]").unwrap().collect_all().unwrap();
        assert_eq!(got[0].body().as_deref(), Some(&m[..]));
    }
    c.logout().unwrap();
}

#[test]
fn compressed_session_in_plain_tcp() {
    let lines = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let tap = Tap::from_fn(move |l| sink.lock().unwrap().push(l.to_owned()));
    let addr = start(Server::new(Arc::new(MemoryBackend::with_demo_data())).allow_insecure_auth(true).tap(tap));
    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    session(&mut c, &addr);
    // The server's tap shows plain text past the switch.
    let lines = lines.lock().unwrap();
    let ok = lines.iter().position(|l| l.ends_with(" OK DEFLATE active")).expect("COMPRESS answered");
    assert!(lines[ok..].iter().any(|l| l.contains("EXISTS")), "{lines:#?}");
}

#[test]
fn compressed_session_inside_starttls() {
    let (server_tls, client_tls) = tls::tls_configs();
    // STARTTLS for the watcher; the writer logs in over plain TCP (allowed here).
    let addr = start(Server::new(Arc::new(MemoryBackend::with_demo_data())).tls(server_tls).allow_insecure_auth(true));
    let mut c = Client::connect(&addr).unwrap();
    c.starttls("localhost", client_tls).unwrap();
    c.login("username", "password").unwrap();
    session(&mut c, &addr);
}

#[test]
fn a_server_without_compress_refuses_it() {
    let addr = start(Server::new(Arc::new(MemoryBackend::with_demo_data())).allow_insecure_auth(true).compress(false));
    let mut c = Client::connect(&addr).unwrap();
    c.login("username", "password").unwrap();
    assert!(!c.capabilities().unwrap().contains(&Capability::CompressDeflate));
    assert!(matches!(c.compress(), Err(ClientError::Bad(_))));
    c.noop().unwrap();
}
