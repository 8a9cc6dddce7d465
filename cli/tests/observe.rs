//! `imapm serve`'s logs and metrics, seen from outside: the Prometheus endpoint moves when
//! a client connects, IDLEs, fails a login and FETCHes; and no log line, at any level, in
//! text or JSON, with or without the `--debug` tap, holds a password or its base64 forms,
//! whichever way the client logs in.

// Tests drive real processes and wait on real time.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use support::serve::{serve, Serve};

/// A raw IMAP connection, read line by line.
struct Conn(BufReader<TcpStream>);

impl Conn {
    fn open(srv: &Serve) -> Conn {
        let s = TcpStream::connect(srv.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut c = Conn(BufReader::new(s));
        assert!(c.line().starts_with("* OK"));
        c
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        assert!(self.0.read_line(&mut l).unwrap() > 0, "closed");
        l
    }

    fn send(&mut self, b: &[u8]) {
        self.0.get_mut().write_all(b).unwrap();
    }

    /// Reads up to the line starting with `prefix` (a tag, or `+`).
    fn until(&mut self, prefix: &str) -> String {
        loop {
            let l = self.line();
            if l.starts_with(prefix) {
                return l;
            }
        }
    }

    fn run(&mut self, tag: &str, command: &str) -> String {
        self.send(format!("{tag} {command}\r\n").as_bytes());
        self.until(&format!("{tag} "))
    }
}

/// The exposition's value of the series `series` (name and labels as printed), 0 if absent.
fn metric(text: &str, series: &str) -> f64 {
    text.lines()
        .filter_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse::<f64>().unwrap())
        .next()
        .unwrap_or(0.0)
}

/// `GET /metrics`.
fn scrape(addr: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    out
}

/// Polls the metrics until `series` reads `want` (updates land as the server gets to them).
fn wait_for(addr: &str, series: &str, want: f64) -> String {
    for _ in 0..200 {
        let text = scrape(addr);
        if metric(&text, series) == want {
            return text;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("{series} never read {want}:\n{}", scrape(addr));
}

#[test]
fn metrics_move_when_a_client_connects_idles_fails_a_login_and_fetches() {
    let srv = serve(&["--quiet", "--metrics", "127.0.0.1:0"]);
    let addr = srv
        .early
        .iter()
        .find_map(|l| l.split_once("metrics on http://")?.1.strip_suffix("/metrics\n"))
        .expect("the metrics address in the log")
        .to_string();
    let before = scrape(&addr);
    assert!(before.contains("Content-Type: text/plain; version=0.0.4"), "{before}");
    assert_eq!(metric(&before, "imap_connections{tls=\"false\"}"), 0.0);

    let mut c = Conn::open(&srv);
    wait_for(&addr, "imap_connections{tls=\"false\"}", 1.0);
    assert!(c.run("a", "LOGIN username wrong").starts_with("a NO"));
    let t = wait_for(&addr, "imap_auth_failures_total", 1.0);
    assert_eq!(metric(&t, "imap_commands_total{command=\"LOGIN\",status=\"no\"}"), 1.0);
    assert!(c.run("b", "LOGIN username password").starts_with("b OK"));
    assert!(c.run("c", "SELECT INBOX").starts_with("c OK"));
    let sent = metric(&scrape(&addr), "imap_sent_bytes_total");
    assert!(c.run("d", "FETCH 1:* (FLAGS BODY.PEEK[])").starts_with("d OK"));
    let t = wait_for(&addr, "imap_commands_total{command=\"FETCH\",status=\"ok\"}", 1.0);
    assert!(metric(&t, "imap_sent_bytes_total") > sent + 100.0, "{t}");
    assert!(metric(&t, "imap_received_bytes_total") > 50.0, "{t}");
    assert!(metric(&t, "imap_store_duration_seconds_count{work=\"command\"}") >= 3.0, "{t}");
    assert!(metric(&t, "imap_command_duration_seconds_count{command=\"FETCH\"}") == 1.0, "{t}");

    c.send(b"e IDLE\r\n");
    assert!(c.until("+").starts_with("+ "));
    wait_for(&addr, "imap_idle_sessions", 1.0);
    c.send(b"DONE\r\n");
    assert!(c.until("e ").starts_with("e OK"));
    wait_for(&addr, "imap_idle_sessions", 0.0);

    let mut other = Conn::open(&srv);
    wait_for(&addr, "imap_connections{tls=\"false\"}", 2.0);
    assert!(other.run("z", "LOGOUT").starts_with("z OK"));
    drop(c);
    let t = wait_for(&addr, "imap_connections{tls=\"false\"}", 0.0);
    assert_eq!(metric(&t, "imap_connections_total{tls=\"false\"}"), 2.0);
    assert!(t.contains("# HELP imap_commands_total"), "{t}");

    // Anything but the exposition.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 404"), "{out}");
}

const USER_PASS: &str = "Sw0rdf1sh-Xyzzy-9";
const WRONG_PASS: &str = "Hunter2-Wrong-Qux";
const FILE_PASS: &str = "C0rrect-Horse-Zap";

/// Every way a client gives a password, right and wrong: LOGIN with an atom, a quoted
/// string, a synchronising literal and a LITERAL+ one; AUTHENTICATE PLAIN with an initial
/// response and after a continuation; AUTHENTICATE LOGIN; a cancelled AUTHENTICATE and one
/// whose answer is not base64.
fn every_login(srv: &Serve, user: &str, pass: &str, ok: bool) {
    let want = if ok { " OK" } else { " NO" };
    let mut c = Conn::open(srv);
    assert!(c.run("a1", &format!("LOGIN {user} {pass}")).contains(want));
    if ok {
        assert!(c.run("u1", "UNAUTHENTICATE").contains(" OK"));
    }
    assert!(c.run("a2", &format!("LOGIN \"{user}\" \"{pass}\"")).contains(want));
    if ok {
        assert!(c.run("u2", "UNAUTHENTICATE").contains(" OK"));
    }
    c.send(format!("a3 LOGIN {user} {{{}}}\r\n", pass.len()).as_bytes());
    assert!(c.until("+").starts_with('+'));
    c.send(format!("{pass}\r\n").as_bytes());
    assert!(c.until("a3 ").contains(want));
    if ok {
        assert!(c.run("u3", "UNAUTHENTICATE").contains(" OK"));
    }
    assert!(c.run("a4", &format!("LOGIN {user} {{{}+}}\r\n{pass}", pass.len())).contains(want));
    if ok {
        assert!(c.run("u4", "UNAUTHENTICATE").contains(" OK"));
    }
    let plain = B64.encode(format!("\0{user}\0{pass}"));
    assert!(c.run("a5", &format!("AUTHENTICATE PLAIN {plain}")).contains(want));
    if ok {
        assert!(c.run("u5", "UNAUTHENTICATE").contains(" OK"));
    }
    c.send(b"a6 AUTHENTICATE PLAIN\r\n");
    assert!(c.until("+").starts_with('+'));
    c.send(format!("{}\r\n", B64.encode(format!("{user}\0{user}\0{pass}"))).as_bytes());
    assert!(c.until("a6 ").contains(want));
    if ok {
        assert!(c.run("u6", "UNAUTHENTICATE").contains(" OK"));
    }
    c.send(b"a7 AUTHENTICATE LOGIN\r\n");
    assert!(c.until("+").starts_with('+'));
    c.send(format!("{}\r\n", B64.encode(user)).as_bytes());
    assert!(c.until("+").starts_with('+'));
    c.send(format!("{}\r\n", B64.encode(pass)).as_bytes());
    assert!(c.until("a7 ").contains(want));
    if ok {
        assert!(c.run("u7", "UNAUTHENTICATE").contains(" OK"));
    }
    c.send(b"a8 AUTHENTICATE PLAIN\r\n");
    assert!(c.until("+").starts_with('+'));
    c.send(b"*\r\n");
    assert!(c.until("a8 ").contains(" BAD"));
    c.send(b"a9 AUTHENTICATE PLAIN\r\n");
    assert!(c.until("+").starts_with('+'));
    c.send(format!("{pass}!\r\n").as_bytes());
    assert!(c.until("a9 ").contains(" BAD"));
    assert!(c.run("z", "LOGOUT").contains(" OK"));
}

/// What must not appear: the password, and its base64 at each of the three alignments it
/// can have inside a longer base64 text (the middle of each, which no neighbour changes).
fn forbidden(user: &str, pass: &str) -> Vec<String> {
    let mut out = vec![
        pass.to_string(),
        B64.encode(pass),
        B64.encode(format!("\0{user}\0{pass}")),
        B64.encode(format!("{user}\0{user}\0{pass}")),
    ];
    for pad in 0..3 {
        let enc = B64.encode(format!("{}{pass}", "\0".repeat(pad)));
        out.push(enc[4..enc.len() - 4].to_string());
    }
    out
}

#[test]
fn no_log_line_at_any_level_holds_a_password_or_its_base64() {
    let dir = std::env::temp_dir().join(format!("imapm-observe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users = dir.join("users");
    std::fs::write(&users, format!("carol:{{PLAIN}}{FILE_PASS}\n")).unwrap();
    let users = users.to_str().unwrap();
    let user_arg = format!("alice:{USER_PASS}");
    for format in ["text", "json"] {
        let mut srv = serve(&[
            "--log-level",
            "trace",
            "--log-format",
            format,
            "--debug",
            "--user",
            &user_arg,
            "--users-file",
            users,
        ]);
        let mut log = srv.take_stderr();
        every_login(&srv, "alice", USER_PASS, true);
        every_login(&srv, "alice", WRONG_PASS, false);
        every_login(&srv, "carol", FILE_PASS, true);
        every_login(&srv, "carol", WRONG_PASS, false);
        // Everything the server wrote, to its exit.
        let killed = Command::new("kill").args(["-TERM", &srv.child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let mut text = srv.early.concat();
        log.read_to_string(&mut text).unwrap();
        assert!(srv.child.wait().unwrap().success());

        for (user, pass) in [("alice", USER_PASS), ("alice", WRONG_PASS), ("carol", FILE_PASS), ("carol", WRONG_PASS)] {
            for secret in forbidden(user, pass) {
                if let Some(line) = text.lines().find(|l| l.contains(&secret)) {
                    panic!("{format}: {secret:?} in the log: {line}");
                }
            }
        }
        // The log did see the logins, at every level written.
        let logged_in = text.lines().filter(|l| l.contains("logged in")).count();
        let failed = text.lines().filter(|l| l.contains("login failed")).count();
        assert!(logged_in >= 14 && failed >= 14, "{format}: {logged_in} logins, {failed} failures\n{text}");
        assert!(text.contains("[REDACTED]"), "the tap ran");
        assert!(text.contains("C: a9 AUTHENTICATE PLAIN"), "the tap ran");
        for level in ["INFO", "DEBUG", "WARN"] {
            assert!(text.contains(level), "{format}: no {level} line");
        }
        if format == "json" {
            let line = text.lines().find(|l| l.contains("logged in") && l.contains("carol")).unwrap();
            assert!(line.starts_with('{') && line.contains(r#""user":"carol""#), "{line}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
