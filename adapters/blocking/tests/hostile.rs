//! Hostile clients and faults (issue 9), over 127.0.0.1 against the blocking server on the
//! memory backend, speaking raw bytes.
//!
//! The server runs in this process, so its resident memory is this process's: each test
//! resets the peak (`/proc/self/clear_refs`), runs, and asserts that the peak resident size
//! (`VmHWM`) grew less than a stated bound over the resident size at the start (`VmRSS`).
//! The tests take a lock so they run one at a time and their figures do not mix; each
//! prints them (`cargo test -p imap-machine-blocking --test hostile -- --nocapture`).
//!
//! Every socket has read and write timeouts, so no test can hang.

#![forbid(unsafe_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use imap_machine::store::memory::MemoryBackend;
use imap_machine_blocking::Server;

// ---- memory ----

/// The bound on the growth of the peak resident size during one test, unless a test states
/// another. The default framer limits let a connection hold one 64 KiB line, or one message
/// of at most 80 MiB that it has *accepted*; none of these attacks sends an acceptable
/// message, so a connection should hold a line, a few 16 KiB socket chunks and its state.
/// 64 MiB is far above that (plus the allocator arenas of the new threads), and below every
/// attack's volume (a 100 MiB line, 4 GiB and 64 MiB literals, 160 MiB of pipelined answers,
/// an input flood of up to 256 MiB): buffering any of them whole fails the test.
const BOUND_MIB: u64 = 64;

static SERIAL: Mutex<()> = Mutex::new(());

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// The threads of the calling test: itself and every thread started from it, directly or
/// not (Linux names a new thread after the one that creates it, and the test harness names
/// each test's thread after the test), so the harness's other threads do not count.
fn threads() -> usize {
    let me = std::fs::read_to_string("/proc/thread-self/comm").expect("/proc/thread-self/comm");
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|comm| *comm == me)
        .count()
}

/// One test's memory figures; also the lock that runs the tests one at a time.
struct Memory {
    name: &'static str,
    rss_before: u64,
    hwm_before: u64,
    peak_reset: bool,
    /// The test's threads at [`Probe::mark`].
    base: usize,
    _serial: MutexGuard<'static, ()>,
}

impl scenarios::Probe for Memory {
    fn mark(&mut self) {
        self.base = threads();
    }

    /// A dead connection's two threads (connection and reader) are gone.
    fn settle(&mut self) {
        wait_threads(self.base);
    }

    fn rebase(&mut self) {
        self.peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        (self.rss_before, self.hwm_before) = (status_kib("VmRSS"), status_kib("VmHWM"));
    }
}

impl Memory {
    fn start(name: &'static str) -> Memory {
        let serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        // "5" resets VmHWM to the current VmRSS (Linux 4.0+; proc(5)).
        let peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        Memory {
            name,
            rss_before: status_kib("VmRSS"),
            hwm_before: status_kib("VmHWM"),
            peak_reset,
            base: 0,
            _serial: serial,
        }
    }

    /// Prints the figures and asserts the peak grew less than `bound_mib`.
    fn check(self, bound_mib: u64) {
        let (rss, hwm) = (status_kib("VmRSS"), status_kib("VmHWM"));
        // Without the reset, VmHWM is the process's all-time peak: its growth is a lower bound.
        let growth =
            if self.peak_reset { hwm.saturating_sub(self.rss_before) } else { hwm.saturating_sub(self.hwm_before) };
        eprintln!(
            "memory {}: RSS before {:.1} MiB, peak {:.1} MiB, after {:.1} MiB; peak growth {:.1} MiB (bound {} MiB{})",
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

// ---- server and raw connections ----

#[path = "support/raw.rs"]
mod raw;
#[path = "support/scenarios.rs"]
mod scenarios;
#[path = "support/tls.rs"]
mod tls;
use raw::*;
use tls::tls_configs;

fn demo() -> Server<MemoryBackend> {
    Server::new(Arc::new(MemoryBackend::with_demo_data()))
}

fn start(server: Server<MemoryBackend>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || server.serve(listener));
    addr
}

/// Waits until the test has at most `n` threads (a dead connection's two threads gone).
fn wait_threads(n: usize) {
    let until = Instant::now() + Duration::from_secs(5);
    while threads() > n {
        assert!(Instant::now() < until, "threads: {} > {n}", threads());
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---- hostile clients ----

#[test]
fn literal_of_4_gib_sync_is_refused_without_allocating() {
    let mem = Memory::start("literal {4294967295}");
    scenarios::literal_of_4_gib_sync(start(demo().allow_insecure_auth(true)));
    mem.check(BOUND_MIB);
}

#[test]
fn literal_of_4_gib_non_sync_is_skipped_then_refused() {
    let mem = Memory::start("literal {4294967295+}");
    scenarios::literal_of_4_gib_non_sync(start(demo().allow_insecure_auth(true)));
    mem.check(BOUND_MIB);
}

#[test]
fn line_of_100_mib_without_crlf_is_skipped() {
    let mem = Memory::start("100 MiB line");
    scenarios::line_of_100_mib(start(demo().allow_insecure_auth(true)));
    mem.check(BOUND_MIB);
}

#[test]
fn ten_thousand_pipelined_noops_are_answered_in_order() {
    let mem = Memory::start("10,000 pipelined NOOPs");
    scenarios::pipelined_noops(start(demo().allow_insecure_auth(true)));
    mem.check(BOUND_MIB);
}

#[test]
fn pipelined_fetches_block_on_write_instead_of_buffering() {
    let mem = Memory::start("10,000 pipelined FETCH BODY[] (160 MiB of output)");
    scenarios::pipelined_fetches(start(demo().allow_insecure_auth(true)));
    mem.check(BOUND_MIB);
}

#[test]
fn pipelined_input_flood_is_throttled_by_tcp() {
    let mut mem = Memory::start("input flood, responses never read");
    let addr = start(demo().allow_insecure_auth(true));
    scenarios::input_flood(addr, &mut mem);
    mem.check(BOUND_MIB);
}

// ---- slowloris ----

/// Drives a server machine on a fake clock, as the adapters do (`poll_timeout`, then
/// `handle_timeout`); the client sends each chunk of `input` at its offset from the start.
/// Returns when `* BYE` went out, or `None` if not within `horizon`.
fn autologout_after(input: &[(Duration, Vec<u8>)], horizon: Duration) -> Option<Duration> {
    use imap_machine::server::{Event, Server as Machine, ServerOptions};
    use imap_machine::types::StatusKind;
    let t0 = Instant::now();
    let mut m = Machine::new(ServerOptions::default(), t0);
    let mut now = t0;
    let mut input = input.iter().peekable();
    let mut out = bytes::BytesMut::new();
    loop {
        while let Some(e) = m.poll_event() {
            if let Event::CommandReceived { tag, .. } = e {
                m.complete(&tag, StatusKind::Ok, None, "done").unwrap();
            }
        }
        out.clear();
        m.poll_transmit(&mut out);
        if out.windows(5).any(|w| w == b"* BYE") {
            return Some(now - t0);
        }
        let deadline = m.poll_timeout()?;
        match input.peek() {
            Some((at, bytes)) if t0 + *at < deadline => {
                now = t0 + *at;
                m.handle_input(bytes);
                input.next();
            }
            _ if deadline - t0 > horizon => return None,
            _ => {
                now = deadline;
                m.handle_timeout(now);
            }
        }
    }
}

#[test]
fn slowloris_trickle_is_logged_out_like_silence() {
    let mem = Memory::start("slowloris on a fake clock");
    let min = |m: u32| Duration::from_secs(60 * u64::from(m));
    let day = min(24 * 60);
    // One byte every 20 minutes, never a whole command (RFC 3501 §5.4: the timer is reset by
    // commands; the floor, and the default, is 30 minutes).
    let trickle = |from: u32| -> Vec<(Duration, Vec<u8>)> {
        (0..).map(|k| min(from + 20 * k)).take_while(|t| *t < day).map(|t| (t, b"x".to_vec())).collect()
    };
    assert_eq!(autologout_after(&[], day), Some(min(30)), "silence");
    assert_eq!(autologout_after(&trickle(20), day), Some(min(30)), "trickle from the start");
    // The slowloris: a byte every 10 seconds.
    let every_10_s: Vec<_> = (1..8640).map(|k| (Duration::from_secs(10 * k), b"x".to_vec())).collect();
    assert_eq!(autologout_after(&every_10_s, day), Some(min(30)), "a byte every 10 s");
    // After a whole command: silence and a trickle both end between 30 and 60 minutes after it.
    let noop = (min(10), b"a1 NOOP\r\n".to_vec());
    assert_eq!(autologout_after(std::slice::from_ref(&noop), day), Some(min(60)), "NOOP then silence");
    let then_trickle: Vec<_> = std::iter::once(noop).chain(trickle(20)).collect();
    assert_eq!(autologout_after(&then_trickle, day), Some(min(60)), "NOOP then trickle");
    // A client that sends a whole command every 29 minutes is never logged out.
    let noops: Vec<_> = (1..50).map(|k| (min(29 * k), format!("n{k} NOOP\r\n").into_bytes())).collect();
    assert_eq!(autologout_after(&noops, day), None, "a NOOP every 29 minutes");
    mem.check(BOUND_MIB);
}

#[test]
fn trickled_bytes_are_served_in_step() {
    let mem = Memory::start("commands trickled one byte at a time");
    let addr = start(demo().allow_insecure_auth(true));
    let mut c = Conn::open(addr);
    // One byte per write (TCP_NODELAY: one segment each), a millisecond apart.
    let trickle = |c: &mut Conn<TcpStream>, bytes: &[u8]| {
        for b in bytes {
            c.send(std::slice::from_ref(b));
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    trickle(&mut c, b"a1 LOGIN {8+}\r\nusername {8+}\r\npassword\r\na2 SELECT INBOX\r\n");
    assert!(c.until("a1").last().unwrap().starts_with("a1 OK"));
    let got = c.until("a2");
    assert!(got.contains(&"* 1 EXISTS\r\n".to_string()) && got.last().unwrap().starts_with("a2 OK"), "{got:?}");
    // A synchronising literal: the `+` comes after the last byte of the announcement.
    trickle(&mut c, b"a3 APPEND INBOX {5}\r\n");
    assert!(c.line().starts_with("+ "));
    trickle(&mut c, b"hello\r\na4 NOOP\r\na5 FETCH 1:* (FLAGS)\r\n");
    let got = c.until("a3");
    assert!(got.contains(&"* 2 EXISTS\r\n".to_string()), "{got:?}");
    assert!(got.last().unwrap().starts_with("a3 OK [APPENDUID "), "{got:?}");
    assert_eq!(c.until("a4"), vec!["a4 OK NOOP completed\r\n".to_string()]);
    let got = c.until("a5");
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[0].starts_with("* 1 FETCH (FLAGS (") && got[1].starts_with("* 2 FETCH (FLAGS ("), "{got:?}");
    mem.check(BOUND_MIB);
}

// ---- STARTTLS, LOGIN without TLS ----

#[test]
fn starttls_with_pipelined_login_never_runs_the_login() {
    let mem = Memory::start("STARTTLS with a pipelined LOGIN");
    let (server_tls, client_tls) = tls_configs();
    // Plaintext LOGIN allowed, so the injected LOGIN would succeed if it ran.
    scenarios::starttls_with_pipelined_login(start(demo().allow_insecure_auth(true).tls(server_tls)), client_tls);
    mem.check(BOUND_MIB);
}

#[test]
fn login_over_plaintext_is_refused() {
    let mem = Memory::start("LOGIN without TLS");
    scenarios::login_over_plaintext(start(demo()));
    mem.check(BOUND_MIB);
}

// ---- nesting, bad commands ----

#[test]
fn deep_nesting_is_bad_and_the_connection_goes_on() {
    let mem = Memory::start("10,000-deep SEARCH nesting");
    scenarios::deep_nesting(start(demo().allow_insecure_auth(true)));
    mem.check(BOUND_MIB);
}

#[test]
fn deeply_nested_mime_message_is_served() {
    let mem = Memory::start("APPEND and FETCH of a 5,000-deep multipart");
    let addr = start(demo().allow_insecure_auth(true));
    let mut c = Conn::open(addr);
    c.login();
    let depth = 5_000;
    let mut msg = String::from("From: a@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n");
    for d in 0..depth {
        msg.push_str(&format!("Content-Type: multipart/mixed; boundary=\"b{d}\"\r\n\r\n--b{d}\r\n"));
    }
    msg.push_str("Content-Type: text/plain\r\n\r\nleaf\r\n");
    for d in (0..depth).rev() {
        msg.push_str(&format!("--b{d}--\r\n"));
    }
    c.send(format!("a1 APPEND INBOX {{{}+}}\r\n{msg}\r\n", msg.len()).as_bytes());
    assert!(c.until("a1").last().unwrap().starts_with("a1 OK"));
    c.ok("a2", "SELECT INBOX");
    c.ok("a3", "FETCH 2 (BODYSTRUCTURE ENVELOPE RFC822.SIZE)");
    c.ok("a4", &format!("FETCH 2 BODY.PEEK[{}]", vec!["1"; 200].join(".")));
    assert_eq!(c.ok("a5", "SEARCH SUBJECT deep"), vec!["* SEARCH 2\r\n".to_string()]);
    // Past the MIME depth limit (100) the rest is kept as one flat multipart leaf: not text,
    // so TEXT does not look into it; the search still answers.
    c.ok("a6", "SEARCH TEXT leaf");
    c.ok("a7", "NOOP");
    mem.check(BOUND_MIB);
}

#[test]
fn a_thousand_bad_commands_get_bye_after_the_limit() {
    let mem = Memory::start("1,000 bad commands");
    scenarios::bad_command_flood(start(demo().allow_insecure_auth(true)), 10);
    let mut server = demo().allow_insecure_auth(true);
    server.options_mut().max_bad_commands = 3;
    scenarios::bad_command_flood(start(server), 3);
    mem.check(BOUND_MIB);
}

// ---- faults ----

#[test]
fn client_killed_mid_append_leaves_no_partial_message() {
    let mut mem = Memory::start("client killed mid-APPEND");
    let addr = start(demo().allow_insecure_auth(true));
    scenarios::killed_mid_append(addr, &mut mem);
    mem.check(BOUND_MIB);
}

#[test]
fn clients_killed_during_idle_and_mid_fetch_leave_the_server_healthy() {
    let mut mem = Memory::start("clients killed in IDLE and mid-FETCH (8 MiB message)");
    let addr = start(demo().allow_insecure_auth(true));
    scenarios::killed_in_idle_and_mid_fetch(addr, &mut mem);
    mem.check(BOUND_MIB);
}

/// A fake server on 127.0.0.1 that runs `script` on its one connection, then drops it.
fn fake_server(script: impl FnOnce(&mut Conn<TcpStream>) + Send + 'static) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let mut c = Conn::new(s);
        script(&mut c);
    });
    addr
}

const GREETING: &[u8] = b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake\r\n";

/// Reads one command; returns its tag.
fn read_tag(c: &mut Conn<TcpStream>) -> String {
    c.line().split(' ').next().unwrap().to_string()
}

#[test]
fn server_closed_mid_stream_is_a_typed_error() {
    use imap_machine::types::{FetchAttribute, FetchAttributes, Section};
    use imap_machine_blocking::{Client, ClientError};
    let mem = Memory::start("server closed mid-stream");
    let unexpected_eof = |e: &ClientError| {
        matches!(
            e,
            ClientError::Protocol(imap_machine::client::Error::Lost(
                imap_machine::client::ConnectionError::UnexpectedEof
            ))
        )
    };

    // In the middle of the greeting.
    let addr = fake_server(|c| c.send(b"* OK [CAPABILITY IMAP4r"));
    let e = Client::connect(addr).unwrap_err();
    assert!(unexpected_eof(&e), "{e:?}");

    // In the middle of a status line.
    let addr = fake_server(|c| {
        c.send(GREETING);
        let tag = read_tag(c);
        c.send(format!("* 1 EXISTS\r\n{tag} OK [READ-WR").as_bytes());
    });
    let mut client = Client::connect(addr).unwrap();
    client.set_timeout(Some(IO_TIMEOUT)).unwrap();
    let started = Instant::now();
    let e = client.noop().unwrap_err();
    assert!(unexpected_eof(&e) && started.elapsed() < Duration::from_secs(2), "{e:?}");

    // In the middle of a literal (after a LOGIN and a SELECT that went well).
    let addr = fake_server(|c| {
        c.send(GREETING);
        loop {
            let line = c.line();
            let tag = line.split(' ').next().unwrap();
            if line.contains(" FETCH ") {
                c.send(b"* 1 FETCH (BODY[] {100}\r\nFrom: a@exa");
                return;
            }
            if line.contains(" SELECT ") {
                c.send(b"* 1 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n");
            }
            c.send(format!("{tag} OK done\r\n").as_bytes());
        }
    });
    let mut client = Client::connect(addr).unwrap();
    client.set_timeout(Some(IO_TIMEOUT)).unwrap();
    client.login("username", "password").unwrap();
    client.select("INBOX").unwrap();
    let body = FetchAttribute::BodySection { section: Section::default(), partial: None, peek: true };
    let e = client.fetch(1, FetchAttributes::List(vec![body])).unwrap().collect_all().unwrap_err();
    assert!(unexpected_eof(&e), "{e:?}");

    // Between responses, with a command in flight.
    let addr = fake_server(|c| {
        c.send(GREETING);
        read_tag(c);
    });
    let mut client = Client::connect(addr).unwrap();
    client.set_timeout(Some(IO_TIMEOUT)).unwrap();
    let e = client.login("username", "password").unwrap_err();
    assert!(unexpected_eof(&e), "{e:?}");
    mem.check(BOUND_MIB);
}

#[test]
fn fetch_of_a_large_mailbox_is_not_copied_whole() {
    let mut mem = Memory::start("FETCH 2:* BODY.PEEK[] of 10 × 8 MiB, read slowly");
    scenarios::fetch_of_a_large_mailbox(start(demo().allow_insecure_auth(true)), &mut mem);
    // Not the 80 MiB answer: the test's own reading holds up to two copies of one 8 MiB
    // response (its buffer and the response).
    mem.check(24);
}

#[test]
fn connect_timeout_bounds_a_server_that_never_greets() {
    use imap_machine_blocking::{Client, ClientError};
    let mem = Memory::start("server that never greets");
    // Accepts, then says nothing for longer than the client waits.
    let addr = fake_server(|_| std::thread::sleep(Duration::from_secs(3)));
    let started = Instant::now();
    let e = Client::connect_timeout(addr, Duration::from_millis(300)).unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(&e, ClientError::Timeout), "{e:?}");
    assert!(waited >= Duration::from_millis(300) && waited < Duration::from_secs(2), "{waited:?}");
    // A server that greets in time: connected, and no timeout left on the socket.
    let addr = fake_server(|c| {
        c.send(GREETING);
        let tag = read_tag(c);
        std::thread::sleep(Duration::from_millis(500));
        c.send(format!("{tag} OK done\r\n").as_bytes());
    });
    let mut client = Client::connect_timeout(addr, Duration::from_millis(300)).unwrap();
    client.noop().unwrap();
    mem.check(BOUND_MIB);
}
