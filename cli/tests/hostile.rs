//! Hostile clients and faults (issue 9) against `imapm serve`, the tokio server on the memory
//! backend, run as a child process on 127.0.0.1 and spoken to in raw bytes.
//!
//! Each test starts its own server, resets its peak resident size
//! (`/proc/PID/clear_refs`), runs, and asserts that the server's peak (`VmHWM`) grew less
//! than a stated bound over its resident size at the start (`VmRSS`); the figures are
//! printed (`cargo test -p imap-machine-cli --test hostile -- --nocapture`). The same
//! scenarios run in-process against the blocking server in `adapters/blocking/tests/hostile.rs`;
//! the slowloris timing is a property of the server machine, tested there on a fake clock.
//!
//! Every socket has read and write timeouts, so no test can hang.

#![forbid(unsafe_code)]

use std::io::{self, Write};
use std::time::{Duration, Instant};

#[path = "../../adapters/blocking/tests/support/raw.rs"]
mod raw;
mod support;

use raw::*;
use support::serve::{serve, Serve};

/// The bound on the growth of the server's peak resident size during one test. The
/// framer's default limits let a connection hold one 64 KiB line, or one accepted message
/// of at most 80 MiB; none of these attacks sends an acceptable message, and the output
/// buffer stops reading at 1 MiB. 64 MiB is far above that and below every attack's volume
/// (a 100 MiB line, 4 GiB and 64 MiB literals, 160 MiB of pipelined answers, an input
/// flood of up to 256 MiB): buffering any of them whole fails the test.
const BOUND_MIB: u64 = 64;

/// The memory figures of one test's server.
struct Memory<'a> {
    name: &'static str,
    server: &'a Serve,
    rss_before: u64,
    hwm_before: u64,
    peak_reset: bool,
}

impl<'a> Memory<'a> {
    fn start(name: &'static str, server: &'a Serve) -> Self {
        let peak_reset = server.reset_peak();
        let (rss_before, hwm_before) = (server.status_kib("VmRSS"), server.status_kib("VmHWM"));
        Memory { name, server, rss_before, hwm_before, peak_reset }
    }

    /// Prints the figures and asserts the peak grew less than `bound_mib`.
    fn check(self, bound_mib: u64) {
        let (rss, hwm) = (self.server.status_kib("VmRSS"), self.server.status_kib("VmHWM"));
        let growth =
            if self.peak_reset { hwm.saturating_sub(self.rss_before) } else { hwm.saturating_sub(self.hwm_before) };
        eprintln!(
            "memory {} (imapm serve): RSS before {:.1} MiB, peak {:.1} MiB, after {:.1} MiB; peak growth {:.1} MiB (bound {} MiB{})",
            self.name,
            self.rss_before as f64 / 1024.0,
            hwm as f64 / 1024.0,
            rss as f64 / 1024.0,
            growth as f64 / 1024.0,
            bound_mib,
            if self.peak_reset { "" } else { "; peak not reset, growth of the all-time peak" },
        );
        assert!(growth < bound_mib * 1024, "{}: peak resident size grew {growth} KiB", self.name);
    }
}

/// A plaintext demo server (LOGIN allowed without TLS, as `imapm serve` does without a certificate).
fn demo() -> Serve {
    serve(&["--quiet"])
}

// ---- hostile clients ----

#[test]
fn literal_of_4_gib_sync_is_refused_without_allocating() {
    let s = demo();
    let mem = Memory::start("literal {4294967295}", &s);
    let mut c = Conn::open(s.addr);
    let got = c.cmd("a1", "LOGIN {4294967295}");
    assert!(got.len() == 1 && got[0].starts_with("a1 BAD "), "{got:?}");
    c.login();
    // APPEND: NO [TOOBIG] (RFC 7889), and no `+`: the client never sends the payload.
    let got = c.cmd("a2", "APPEND INBOX {4294967295}");
    assert!(got.len() == 1 && got[0].starts_with("a2 NO [TOOBIG] "), "{got:?}");
    let got = c.cmd("a3", "SELECT {4294967295}");
    assert!(got.len() == 1 && got[0].starts_with("a3 BAD "), "{got:?}");
    let got = c.ok("a4", "SELECT INBOX");
    assert!(got.contains(&"* 1 EXISTS\r\n".to_string()), "{got:?}");
    c.send(b"a5 APPEND INBOX {5}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(b"hello\r\n");
    assert!(c.until("a5").last().unwrap().starts_with("a5 OK"));
    assert_eq!(inbox_count(s.addr), 2);
    mem.check(BOUND_MIB);
}

#[test]
fn literal_of_4_gib_non_sync_is_skipped_then_refused() {
    let s = demo();
    let mem = Memory::start("literal {4294967295+}", &s);
    let mut c = Conn::open(s.addr);
    c.send(b"a0 LOGIN {67108865+}\r\n");
    stream_bytes(&mut c, b"x", 67108865);
    c.send(b" password\r\n");
    let got = c.until("a0");
    assert!(got.len() == 1 && got[0].starts_with("a0 BAD literal of 67108865 bytes exceeds"), "{got:?}");
    c.login();
    let started = Instant::now();
    c.send(b"a1 APPEND INBOX {4294967295+}\r\n");
    stream_bytes(&mut c, b"x", 4294967295);
    eprintln!("4 GiB non-sync literal streamed in {:?}", started.elapsed());
    c.send(b"\r\n");
    let got = c.until("a1");
    assert!(got.len() == 1 && got[0].starts_with("a1 NO [TOOBIG] "), "{got:?}");
    c.ok("a2", "NOOP");
    assert_eq!(inbox_count(s.addr), 1);
    mem.check(BOUND_MIB);
}

#[test]
fn line_of_100_mib_without_crlf_is_skipped() {
    let s = demo();
    let mem = Memory::start("100 MiB line", &s);
    let mut c = Conn::open(s.addr);
    c.login();
    c.send(b"a1 NOOP ");
    stream_bytes(&mut c, b"x", 100 * MIB);
    c.send(b"\r\n");
    assert_eq!(c.until("a1"), vec!["a1 BAD line longer than 65536 bytes\r\n".to_string()]);
    c.ok("a2", "NOOP");
    let got = c.ok("a3", "SELECT INBOX");
    assert!(got.contains(&"* 1 EXISTS\r\n".to_string()), "{got:?}");
    mem.check(BOUND_MIB);
}

#[test]
fn ten_thousand_pipelined_noops_are_answered_in_order() {
    let s = demo();
    let mem = Memory::start("10,000 pipelined NOOPs", &s);
    let mut c = Conn::open(s.addr);
    c.login();
    let mut w = c.s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let all: Vec<u8> = (0..10_000).flat_map(|i| format!("n{i:05} NOOP\r\n").into_bytes()).collect();
        w.write_all(&all).unwrap();
    });
    std::thread::sleep(Duration::from_secs(1));
    for i in 0..10_000 {
        assert_eq!(c.line(), format!("n{i:05} OK NOOP completed\r\n"));
    }
    writer.join().unwrap();
    c.ok("z", "NOOP");
    mem.check(BOUND_MIB);
}

#[test]
fn pipelined_fetches_stop_reading_instead_of_buffering() {
    let s = demo();
    let mem = Memory::start("10,000 pipelined FETCH BODY[] (160 MiB of output)", &s);
    let mut c = Conn::open(s.addr);
    c.login();
    const SIZE: u64 = 16 * 1024;
    let message: Vec<u8> =
        header("16 KiB").bytes().chain(BODY_LINE.iter().copied().cycle()).take(SIZE as usize).collect();
    c.send(format!("a1 APPEND INBOX {{{SIZE}+}}\r\n").as_bytes());
    c.send(&message);
    c.send(b"\r\n");
    assert!(c.until("a1").last().unwrap().starts_with("a1 OK"));
    c.ok("a2", "SELECT INBOX");
    let mut w = c.s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let all: Vec<u8> = (0..10_000).flat_map(|i| format!("f{i:05} FETCH 2 BODY.PEEK[]\r\n").into_bytes()).collect();
        w.write_all(&all).unwrap();
    });
    // 160 MiB of answers while nobody reads: the server must stop reading commands once its
    // output backs up, not answer them all into memory.
    std::thread::sleep(Duration::from_secs(1));
    for i in 0..10_000 {
        let rsp = c.try_response().unwrap().unwrap();
        assert!(rsp.starts_with(format!("* 2 FETCH (BODY[] {{{SIZE}}}\r\n").as_bytes()), "{i}");
        assert!(rsp[27..].starts_with(&message) && rsp.len() == 27 + message.len() + 3, "{i}");
        assert_eq!(c.line(), format!("f{i:05} OK FETCH completed\r\n"));
    }
    writer.join().unwrap();
    mem.check(BOUND_MIB);
}

#[test]
fn pipelined_input_flood_is_throttled_by_tcp() {
    let s = demo();
    let mem = Memory::start("input flood, responses never read", &s);
    let mut c = Conn::open(s.addr);
    c.login();
    c.s.set_write_timeout(Some(Duration::from_secs(1))).unwrap();
    let mut chunk = Vec::new();
    while chunk.len() < MIB as usize {
        chunk.extend_from_slice(format!("n{} NOOP\r\n", chunk.len()).as_bytes());
    }
    let mut sent = 0u64;
    while sent < 256 * MIB {
        match c.s.write(&chunk) {
            Ok(n) => sent += n as u64,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => break,
            Err(e) => panic!("{e}"),
        }
    }
    eprintln!("input flood: imapm serve stopped taking bytes after {:.1} MiB", sent as f64 / MIB as f64);
    assert!(sent < 64 * MIB, "{sent} bytes taken");
    drop(c);
    assert_eq!(inbox_count(s.addr), 1);
    mem.check(BOUND_MIB);
}

// ---- STARTTLS, LOGIN without TLS ----

/// A self-signed certificate for `localhost` in PEM files, and a client config trusting it.
fn tls_files(dir: &std::path::Path) -> (String, String, std::sync::Arc<rustls::ClientConfig>) {
    use rustls::pki_types::CertificateDer;
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, key.cert.pem()).unwrap();
    std::fs::write(&key_path, key.signing_key.serialize_pem()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(key.cert.der().to_vec())).unwrap();
    let client =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let p = |p: std::path::PathBuf| p.to_str().unwrap().to_string();
    (p(cert_path), p(key_path), std::sync::Arc::new(client))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("imapm-hostile-{name}-{}", std::process::id()))
}

#[test]
fn starttls_with_pipelined_login_never_runs_the_login() {
    let dir = temp_dir("starttls");
    let (cert, key, client_tls) = tls_files(&dir);
    // Plaintext LOGIN allowed, so the injected LOGIN would succeed if it ran.
    let s = serve(&["--quiet", "--tls-cert", &cert, "--tls-key", &key, "--allow-insecure-auth"]);
    let mem = Memory::start("STARTTLS with a pipelined LOGIN", &s);
    let mut c = Conn::open(s.addr);
    c.send(b"a STARTTLS\r\nb LOGIN username password\r\n");
    assert_eq!(c.until("a"), vec!["a OK Begin TLS negotiation now\r\n".to_string()]);
    assert_eq!(c.pos, c.buf.len(), "nothing after the OK in plaintext");
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = rustls::ClientConnection::new(client_tls, name).unwrap();
    let mut t = Conn::new(rustls::StreamOwned::new(tls, c.s));
    let got = t.cmd("c", "SELECT INBOX");
    assert_eq!(got, vec!["c BAD SELECT not allowed in the NotAuthenticated state\r\n".to_string()]);
    let got = t.ok("d", "CAPABILITY");
    assert!(got[0].contains(" AUTH=PLAIN") && !got[0].contains("STARTTLS"), "{got:?}");
    t.ok("e", "LOGIN username password");
    t.ok("f", "SELECT INBOX");
    mem.check(BOUND_MIB);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn login_over_plaintext_is_refused() {
    let dir = temp_dir("plaintext");
    let (cert, key, _) = tls_files(&dir);
    // With a certificate and without --allow-insecure-auth, LOGIN needs TLS.
    let s = serve(&["--quiet", "--tls-cert", &cert, "--tls-key", &key]);
    let mem = Memory::start("LOGIN without TLS", &s);
    let mut c = Conn::open(s.addr);
    assert_eq!(c.cmd("a1", "LOGIN username password"), vec!["a1 NO [PRIVACYREQUIRED] LOGIN needs TLS\r\n"]);
    let got = c.cmd("a2", "AUTHENTICATE PLAIN AHVzZXJuYW1lAHBhc3N3b3Jk");
    assert_eq!(got, vec!["a2 NO [PRIVACYREQUIRED] AUTHENTICATE needs TLS\r\n".to_string()]);
    let got = c.ok("a3", "CAPABILITY");
    assert!(got[0].contains(" LOGINDISABLED") && got[0].contains(" STARTTLS") && !got[0].contains("AUTH="));
    let got = c.cmd("a4", "SELECT INBOX");
    assert!(got.len() == 1 && got[0].starts_with("a4 BAD "), "still not authenticated: {got:?}");
    mem.check(BOUND_MIB);
    let _ = std::fs::remove_dir_all(dir);
}

// ---- nesting, bad commands ----

#[test]
fn deep_nesting_is_bad_and_the_connection_goes_on() {
    let s = demo();
    let mem = Memory::start("10,000-deep SEARCH nesting", &s);
    let mut c = Conn::open(s.addr);
    c.login();
    c.ok("a0", "SELECT INBOX");
    let deep = 10_000;
    let parens = format!("SEARCH {}ALL{}", "(".repeat(deep), ")".repeat(deep));
    let nots = format!("SEARCH {}ALL", "NOT ".repeat(deep));
    let ors = format!("SEARCH {}ALL", "OR ALL ".repeat(deep));
    let unbalanced = format!("SEARCH {}", "(".repeat(deep));
    for (tag, line) in [("a1", &parens), ("a2", &nots), ("a3", &ors), ("a4", &unbalanced)] {
        let got = c.cmd(tag, line);
        assert!(got.len() == 1 && got[0].starts_with(&format!("{tag} BAD ")), "{tag}: {got:?}");
    }
    let ok = format!("SEARCH {}ALL{} {}ALL", "(".repeat(60), ")".repeat(60), "NOT NOT ".repeat(30));
    assert_eq!(c.ok("a5", &ok), vec!["* SEARCH 1\r\n".to_string()]);
    c.ok("a6", "NOOP");
    mem.check(BOUND_MIB);
}

#[test]
fn a_thousand_bad_commands_get_bye_after_the_limit() {
    let s = demo();
    let mem = Memory::start("1,000 bad commands", &s);
    let mut c = Conn::open(s.addr);
    let mut w = c.s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let all: Vec<u8> = (0..1_000).flat_map(|i| format!("b{i} FROBNICATE\r\n").into_bytes()).collect();
        let _ = w.write_all(&all); // the server closes partway
    });
    let rest = c.until_closed();
    writer.join().unwrap();
    let got: Vec<String> = String::from_utf8_lossy(&rest).split_inclusive("\r\n").map(str::to_string).collect();
    // The default limit: 10 bad commands, then BYE and close.
    assert_eq!(got.len(), 11, "{got:?}");
    for (i, line) in got[..10].iter().enumerate() {
        assert!(line.starts_with(&format!("b{i} BAD ")), "{line}");
    }
    assert_eq!(got[10], "* BYE Too many invalid commands\r\n");
    // The server goes on for everyone else.
    assert_eq!(inbox_count(s.addr), 1);
    mem.check(BOUND_MIB);
}

// ---- faults ----

#[test]
fn client_killed_mid_append_leaves_no_partial_message() {
    let s = demo();
    let mem = Memory::start("client killed mid-APPEND", &s);
    let mut c = Conn::open(s.addr);
    c.login();
    c.send(b"a1 APPEND INBOX {100000}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(&[b'x'; 50_000]);
    kill(c);
    let mut c = Conn::open(s.addr);
    c.login();
    c.send(b"a1 APPEND INBOX {100000+}\r\nSubject: half\r\n\r\n");
    c.send(&[b'x'; 50_000]);
    kill(c);
    let mut c = Conn::open(s.addr);
    c.login();
    c.send(b"a1 APPEND INBOX {7+}\r\nSubject");
    kill(c);
    // Give the server time to see the three connections end.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(inbox_count(s.addr), 1);
    let mut c = Conn::open(s.addr);
    c.login();
    c.send(b"a1 APPEND INBOX {20+}\r\nSubject: whole\r\n\r\nok\r\n");
    assert!(c.until("a1").last().unwrap().starts_with("a1 OK [APPENDUID "));
    assert_eq!(inbox_count(s.addr), 2);
    mem.check(BOUND_MIB);
}

#[test]
fn clients_killed_during_idle_and_mid_fetch_leave_the_server_healthy() {
    let s = demo();
    let mem = Memory::start("clients killed in IDLE and mid-FETCH (8 MiB message)", &s);
    let mut other = Conn::open(s.addr);
    other.login();
    const SIZE: u64 = 8 * MIB;
    other.send(format!("o1 APPEND INBOX {{{SIZE}+}}\r\n").as_bytes());
    stream_message(&mut other, "8 MiB", SIZE);
    other.send(b"\r\n");
    assert!(other.until("o1").last().unwrap().starts_with("o1 OK"));
    other.ok("o2", "SELECT INBOX");

    let mut idler = Conn::open(s.addr);
    idler.login();
    idler.ok("i1", "SELECT INBOX");
    idler.send(b"i2 IDLE\r\n");
    assert_eq!(idler.line(), "+ idling\r\n");
    kill(idler);

    // 8 MiB is more than the socket buffers hold: the server is writing when the client goes.
    let mut fetcher = Conn::open(s.addr);
    fetcher.login();
    fetcher.ok("f1", "SELECT INBOX");
    fetcher.send(b"f2 FETCH 2 BODY[]\r\n");
    std::thread::sleep(Duration::from_millis(200));
    kill(fetcher);
    std::thread::sleep(Duration::from_millis(200));

    let got = other.ok("o3", "FETCH 2 RFC822.SIZE");
    assert!(got.contains(&format!("* 2 FETCH (RFC822.SIZE {SIZE})\r\n")), "{got:?}");
    other.send(b"o4 IDLE\r\n");
    assert_eq!(other.line(), "+ idling\r\n");
    let mut late = Conn::open(s.addr);
    late.login();
    late.send(b"l2 APPEND INBOX {20+}\r\nSubject: after\r\n\r\nok\r\n");
    assert!(late.until("l2").last().unwrap().starts_with("l2 OK"));
    assert_eq!(other.line(), "* 3 EXISTS\r\n");
    other.send(b"DONE\r\n");
    assert!(other.until("o4").last().unwrap().starts_with("o4 OK"));
    let got = late.ok("l3", "SELECT INBOX");
    assert!(got.contains(&"* 3 EXISTS\r\n".to_string()), "{got:?}");
    mem.check(BOUND_MIB);
}

#[test]
fn fetch_of_a_large_mailbox_is_not_copied_whole() {
    let s = demo();
    let mut c = Conn::open(s.addr);
    c.login();
    const SIZE: u64 = 8 * MIB;
    for i in 0..10 {
        c.send(format!("a{i} APPEND INBOX {{{SIZE}+}}\r\n").as_bytes());
        stream_message(&mut c, &format!("big {i}"), SIZE);
        c.send(b"\r\n");
        assert!(c.until(&format!("a{i}")).last().unwrap().starts_with(&format!("a{i} OK")));
    }
    c.ok("s", "SELECT INBOX");
    // The 80 MiB are in the store now; one FETCH answers with all of them. The server must
    // send them from the store's buffers, a window at a time, not build the answer whole.
    let mem = Memory::start("FETCH 2:* BODY.PEEK[] of 10 × 8 MiB, read slowly", &s);
    c.send(b"f FETCH 2:* BODY.PEEK[]\r\n");
    std::thread::sleep(Duration::from_millis(500));
    for seq in 2..=11 {
        let rsp = c.try_response().unwrap().unwrap();
        assert!(rsp.starts_with(format!("* {seq} FETCH (BODY[] {{{SIZE}}}\r\n").as_bytes()), "{seq}");
        assert!(rsp.len() as u64 > SIZE, "{seq}");
    }
    assert!(c.until("f").last().unwrap().starts_with("f OK"));
    mem.check(8);
}
