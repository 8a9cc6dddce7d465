//! The hostile-client and fault scenarios, as the client sees them: each takes the address
//! of a server on the demo memory backend (INBOX holds one message, user `username`,
//! password `password`) and asserts what it must answer. Run against the blocking server
//! in-process (`adapters/blocking/tests/hostile.rs`) and against `imapm serve`, the tokio
//! server, as a child process (`cli/tests/hostile.rs`); each runner measures memory its way.

#![allow(dead_code)]

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::raw::*;

/// What a scenario asks of the runner beyond the server's socket.
pub(crate) trait Probe {
    /// Notes the server's connections now, before some are killed.
    fn mark(&mut self) {}
    /// Waits until the server let go of every connection opened since [`Probe::mark`].
    fn settle(&mut self) {}
    /// Starts the memory measurement again from here, after a setup that stored data.
    fn rebase(&mut self) {}
}

/// `{4294967295}`: BAD, or `NO [TOOBIG]` for APPEND, and no `+`; the connection stays in step.
pub(crate) fn literal_of_4_gib_sync(addr: SocketAddr) {
    let mut c = Conn::open(addr);
    // Not authenticated: any command with it is BAD.
    let got = c.cmd("a1", "LOGIN {4294967295}");
    assert!(got.len() == 1 && got[0].starts_with("a1 BAD "), "{got:?}");
    c.login();
    // APPEND: NO [TOOBIG] (RFC 7889), and no `+`: the client never sends the payload.
    let got = c.cmd("a2", "APPEND INBOX {4294967295}");
    assert!(got.len() == 1 && got[0].starts_with("a2 NO [TOOBIG] "), "{got:?}");
    let got = c.cmd("a3", "SELECT {4294967295}");
    assert!(got.len() == 1 && got[0].starts_with("a3 BAD "), "{got:?}");
    // Still in step: the next commands work.
    let got = c.ok("a4", "SELECT INBOX");
    assert!(got.contains(&"* 1 EXISTS\r\n".to_string()), "{got:?}");
    c.send(b"a5 APPEND INBOX {5}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(b"hello\r\n");
    assert!(c.until("a5").last().unwrap().starts_with("a5 OK"));
    assert_eq!(inbox_count(addr), 2);
}

/// `{4294967295+}` with all 4 GiB streamed: skipped, then `NO [TOOBIG]`; nothing stored.
pub(crate) fn literal_of_4_gib_non_sync(addr: SocketAddr) {
    let mut c = Conn::open(addr);
    // Past the limit, any command: BAD once the literal is skipped (64 MiB + 1 here).
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
    assert_eq!(inbox_count(addr), 1);
}

/// A 100 MiB line, then CRLF: one BAD, and the next command is read from the right place.
pub(crate) fn line_of_100_mib(addr: SocketAddr) {
    let mut c = Conn::open(addr);
    c.login();
    c.send(b"a1 NOOP ");
    // Streamed in 1 MiB writes; nothing comes back until the line ends.
    stream_bytes(&mut c, b"x", 100 * MIB);
    c.send(b"\r\n");
    assert_eq!(c.until("a1"), vec!["a1 BAD line longer than 65536 bytes\r\n".to_string()]);
    c.ok("a2", "NOOP");
    let got = c.ok("a3", "SELECT INBOX");
    assert!(got.contains(&"* 1 EXISTS\r\n".to_string()), "{got:?}");
}

/// Writes `commands` from another thread while nobody reads, for a second before this
/// returns; join the handle once the answers are read.
fn write_unread(c: &Conn<std::net::TcpStream>, commands: Vec<u8>) -> std::thread::JoinHandle<()> {
    let mut w = c.s.try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&commands).unwrap());
    std::thread::sleep(Duration::from_secs(1));
    writer
}

/// 10,000 pipelined NOOPs, nothing read for a second: all answered, in order.
pub(crate) fn pipelined_noops(addr: SocketAddr) {
    let mut c = Conn::open(addr);
    c.login();
    let writer = write_unread(&c, (0..10_000).flat_map(|i| format!("n{i:05} NOOP\r\n").into_bytes()).collect());
    for i in 0..10_000 {
        assert_eq!(c.line(), format!("n{i:05} OK NOOP completed\r\n"));
    }
    writer.join().unwrap();
    c.ok("z", "NOOP");
}

/// 10,000 pipelined FETCHes of a 16 KiB message (160 MiB of answers) while nobody reads for
/// a second: the server must wait on the socket, not answer them all into memory; then
/// every answer is byte-exact.
pub(crate) fn pipelined_fetches(addr: SocketAddr) {
    let mut c = Conn::open(addr);
    c.login();
    const SIZE: u64 = 16 * 1024;
    let message: Vec<u8> =
        header("16 KiB").bytes().chain(BODY_LINE.iter().copied().cycle()).take(SIZE as usize).collect();
    c.send(format!("a1 APPEND INBOX {{{SIZE}+}}\r\n").as_bytes());
    c.send(&message);
    c.send(b"\r\n");
    assert!(c.until("a1").last().unwrap().starts_with("a1 OK"));
    c.ok("a2", "SELECT INBOX");
    let writer =
        write_unread(&c, (0..10_000).flat_map(|i| format!("f{i:05} FETCH 2 BODY.PEEK[]\r\n").into_bytes()).collect());
    for i in 0..10_000 {
        let rsp = c.try_response().unwrap().unwrap();
        assert!(rsp.starts_with(format!("* 2 FETCH (BODY[] {{{SIZE}}}\r\n").as_bytes()), "{i}");
        assert!(
            rsp[27..].starts_with(&message) && rsp.ends_with(b")\r\n") && rsp.len() == 27 + message.len() + 3,
            "{i}"
        );
        assert_eq!(c.line(), format!("f{i:05} OK FETCH completed\r\n"));
    }
    writer.join().unwrap();
}

/// NOOPs as fast as the socket takes them, answers never read: the server's answers fill
/// the socket, it stops reading, and TCP stops the client well before 64 MiB.
pub(crate) fn input_flood(addr: SocketAddr, probe: &mut impl Probe) {
    probe.mark();
    let mut c = Conn::open(addr);
    c.login();
    // A write that makes no progress for a second ends the flood.
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
    eprintln!("input flood: the server stopped taking bytes after {:.1} MiB", sent as f64 / MIB as f64);
    // Socket buffers (a few MiB each way) plus the server's bounded read queue.
    assert!(sent < 64 * MIB, "{sent} bytes taken");
    drop(c);
    probe.settle();
    assert_eq!(inbox_count(addr), 1);
}

/// `STARTTLS` with a `LOGIN` pipelined behind it, on a server that allows plaintext LOGIN:
/// the injected LOGIN never runs; after TLS the session is not authenticated.
pub(crate) fn starttls_with_pipelined_login(addr: SocketAddr, client_tls: Arc<rustls::ClientConfig>) {
    let mut c = Conn::open(addr);
    c.send(b"a STARTTLS\r\nb LOGIN username password\r\n");
    assert_eq!(c.until("a"), vec!["a OK Begin TLS negotiation now\r\n".to_string()]);
    assert_eq!(c.pos, c.buf.len(), "nothing after the OK in plaintext");
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls = rustls::ClientConnection::new(client_tls, name).unwrap();
    let mut t = Conn::new(rustls::StreamOwned::new(tls, c.s));
    // Still not authenticated: SELECT is refused for the state, and no answer to `b` ever.
    let got = t.cmd("c", "SELECT INBOX");
    assert_eq!(got, vec!["c BAD SELECT not allowed in the NotAuthenticated state\r\n".to_string()]);
    let got = t.ok("d", "CAPABILITY");
    assert!(got[0].contains(" AUTH=PLAIN") && !got[0].contains("STARTTLS"), "{got:?}");
    t.ok("e", "LOGIN username password");
    t.ok("f", "SELECT INBOX");
}

/// LOGIN and AUTHENTICATE without TLS on a server that requires it: `NO [PRIVACYREQUIRED]`,
/// LOGINDISABLED and no `AUTH=` advertised.
pub(crate) fn login_over_plaintext(addr: SocketAddr) {
    let mut c = Conn::open(addr);
    let got = c.cmd("a1", "LOGIN username password");
    assert_eq!(got, vec!["a1 NO [PRIVACYREQUIRED] LOGIN needs TLS\r\n".to_string()]);
    let got = c.cmd("a2", "AUTHENTICATE PLAIN AHVzZXJuYW1lAHBhc3N3b3Jk");
    assert_eq!(got, vec!["a2 NO [PRIVACYREQUIRED] AUTHENTICATE needs TLS\r\n".to_string()]);
    let got = c.ok("a3", "CAPABILITY");
    assert!(got[0].contains(" LOGINDISABLED") && !got[0].contains(" AUTH="), "{got:?}");
    let got = c.cmd("a4", "SELECT INBOX");
    assert!(got.len() == 1 && got[0].starts_with("a4 BAD "), "still not authenticated: {got:?}");
}

/// 10,000 nested `(`, `NOT`s or `OR`s in SEARCH: BAD (recursion limit 64), no stack
/// overflow; within the limit the same shapes work.
pub(crate) fn deep_nesting(addr: SocketAddr) {
    let mut c = Conn::open(addr);
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
}

/// 1,000 malformed commands at once: `limit` BADs, then `* BYE Too many invalid commands`
/// and the close; the server goes on for everyone else.
pub(crate) fn bad_command_flood(addr: SocketAddr, limit: usize) {
    let mut c = Conn::open(addr);
    let mut w = c.s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let all: Vec<u8> = (0..1_000).flat_map(|i| format!("b{i} FROBNICATE\r\n").into_bytes()).collect();
        // The server closes the connection partway: the rest may fail to send.
        let _ = w.write_all(&all);
    });
    let rest = c.until_closed();
    writer.join().unwrap();
    let got: Vec<String> = String::from_utf8_lossy(&rest).split_inclusive("\r\n").map(str::to_string).collect();
    assert_eq!(got.len(), limit + 1, "{got:?}");
    for (i, line) in got[..limit].iter().enumerate() {
        assert!(line.starts_with(&format!("b{i} BAD ")), "{line}");
    }
    assert_eq!(got[limit], "* BYE Too many invalid commands\r\n");
    assert_eq!(inbox_count(addr), 1);
}

/// Half-sent synchronising and non-synchronising literals, and a whole one without the
/// command's final CRLF, each cut by a killed client: no partial message; the next APPEND
/// is stored as usual.
pub(crate) fn killed_mid_append(addr: SocketAddr, probe: &mut impl Probe) {
    probe.mark();
    let mut c = Conn::open(addr);
    c.login();
    c.send(b"a1 APPEND INBOX {100000}\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(&[b'x'; 50_000]);
    kill(c);
    let mut c = Conn::open(addr);
    c.login();
    c.send(b"a1 APPEND INBOX {100000+}\r\nSubject: half\r\n\r\n");
    c.send(&[b'x'; 50_000]);
    kill(c);
    let mut c = Conn::open(addr);
    c.login();
    c.send(b"a1 APPEND INBOX {7+}\r\nSubject");
    kill(c);
    probe.settle();
    assert_eq!(inbox_count(addr), 1);
    let mut c = Conn::open(addr);
    c.login();
    c.send(b"a1 APPEND INBOX {20+}\r\nSubject: whole\r\n\r\nok\r\n");
    assert!(c.until("a1").last().unwrap().starts_with("a1 OK [APPENDUID "));
    assert_eq!(inbox_count(addr), 2);
}

/// A client killed in IDLE and one killed while an 8 MiB answer is being written: another
/// session keeps working, and its IDLE still hears of an APPEND from a new connection.
pub(crate) fn killed_in_idle_and_mid_fetch(addr: SocketAddr, probe: &mut impl Probe) {
    let mut other = Conn::open(addr);
    other.login();
    const SIZE: u64 = 8 * MIB;
    other.send(format!("o1 APPEND INBOX {{{SIZE}+}}\r\n").as_bytes());
    stream_message(&mut other, "8 MiB", SIZE);
    other.send(b"\r\n");
    assert!(other.until("o1").last().unwrap().starts_with("o1 OK"));
    other.ok("o2", "SELECT INBOX");
    probe.mark();

    let mut idler = Conn::open(addr);
    idler.login();
    idler.ok("i1", "SELECT INBOX");
    idler.send(b"i2 IDLE\r\n");
    assert_eq!(idler.line(), "+ idling\r\n");
    kill(idler);

    // 8 MiB is more than the socket buffers hold: the server is writing when the client goes.
    let mut fetcher = Conn::open(addr);
    fetcher.login();
    fetcher.ok("f1", "SELECT INBOX");
    fetcher.send(b"f2 FETCH 2 BODY[]\r\n");
    std::thread::sleep(Duration::from_millis(200));
    kill(fetcher);
    probe.settle();

    // The killed FETCH set \Seen before its answer failed: `other` may hear of it first.
    let got = other.ok("o3", "FETCH 2 RFC822.SIZE");
    assert!(got.contains(&format!("* 2 FETCH (RFC822.SIZE {SIZE})\r\n")), "{got:?}");
    other.send(b"o4 IDLE\r\n");
    assert_eq!(other.line(), "+ idling\r\n");
    let mut late = Conn::open(addr);
    late.login();
    late.send(b"l2 APPEND INBOX {20+}\r\nSubject: after\r\n\r\nok\r\n");
    assert!(late.until("l2").last().unwrap().starts_with("l2 OK"));
    assert_eq!(other.line(), "* 3 EXISTS\r\n");
    other.send(b"DONE\r\n");
    assert!(other.until("o4").last().unwrap().starts_with("o4 OK"));
    let got = late.ok("l3", "SELECT INBOX");
    assert!(got.contains(&"* 3 EXISTS\r\n".to_string()), "{got:?}");
}

/// One `FETCH 2:* BODY.PEEK[]` answering 10 × 8 MiB, read slowly: the bodies are written
/// from the store's buffers, not copied into one 80 MiB answer. The probe's measurement
/// starts after the messages are stored.
pub(crate) fn fetch_of_a_large_mailbox(addr: SocketAddr, probe: &mut impl Probe) {
    let mut c = Conn::open(addr);
    c.login();
    const SIZE: u64 = 8 * MIB;
    for i in 0..10 {
        c.send(format!("a{i} APPEND INBOX {{{SIZE}+}}\r\n").as_bytes());
        stream_message(&mut c, &format!("big {i}"), SIZE);
        c.send(b"\r\n");
        assert!(c.until(&format!("a{i}")).last().unwrap().starts_with(&format!("a{i} OK")));
    }
    c.ok("s", "SELECT INBOX");
    probe.rebase();
    c.send(b"f FETCH 2:* BODY.PEEK[]\r\n");
    std::thread::sleep(Duration::from_millis(500));
    for seq in 2..=11 {
        let rsp = c.try_response().unwrap().unwrap();
        assert!(rsp.starts_with(format!("* {seq} FETCH (BODY[] {{{SIZE}}}\r\n").as_bytes()), "{seq}");
        assert!(rsp.len() as u64 > SIZE, "{seq}");
    }
    assert!(c.until("f").last().unwrap().starts_with("f OK"));
}
