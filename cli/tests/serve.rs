//! `imapm serve` as a process: a real session over loopback, several connections at once
//! (the tokio server multiplexes them on a couple of threads), and the graceful shutdown
//! on SIGINT and SIGTERM (`* BYE` to every open connection, then exit 0).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

mod support;
use support::serve::serve;

struct Conn {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Conn {
    fn open(addr: std::net::SocketAddr) -> Conn {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        let w = s.try_clone().expect("clone");
        let mut c = Conn { r: BufReader::new(s), w };
        assert!(c.line().starts_with("* OK"), "greeting");
        c
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.r.read_line(&mut l).expect("read");
        l
    }

    /// Sends `tag cmd` and returns every line up to and including the tagged one.
    fn run(&mut self, tag: &str, cmd: &str) -> Vec<String> {
        write!(self.w, "{tag} {cmd}\r\n").expect("write");
        let mut lines = Vec::new();
        loop {
            let l = self.line();
            assert!(!l.is_empty(), "closed during {cmd}");
            let done = l.starts_with(&format!("{tag} "));
            lines.push(l);
            if done {
                return lines;
            }
        }
    }
}

#[test]
fn a_session_on_the_demo_store() {
    let s = serve(&["--quiet", "--user", "alice:secret"]);
    let mut c = Conn::open(s.addr);
    assert!(c.run("a", "LOGIN alice secret").last().unwrap().starts_with("a OK"));
    c.run("b", "LOGOUT");
    let mut c = Conn::open(s.addr);
    assert!(c.run("a", "LOGIN username password").last().unwrap().starts_with("a OK"));
    let select = c.run("b", "SELECT INBOX");
    assert!(select.contains(&"* 1 EXISTS\r\n".to_string()), "{select:?}");
    let fetch = c.run("c", "FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert!(fetch[0].starts_with("* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {"), "{fetch:?}");
    assert!(c.run("d", "LOGIN x y").last().unwrap().starts_with("d BAD"), "LOGIN when authenticated is BAD");
    let bye = c.run("e", "LOGOUT");
    assert!(bye[0].starts_with("* BYE") && bye[1].starts_with("e OK"), "{bye:?}");
}

/// `--quota NAME:KB:MESSAGES` (RFC 9208), on the memory store and on Maildir: alice may
/// keep two messages; the demo user `username` has no quota root. A bad `--quota` is
/// refused before the server starts.
#[test]
fn quota_limits_from_the_command_line() {
    let root = std::env::temp_dir().join(format!("imapm-quota-maildir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let maildir = format!("maildir:{}", root.display());
    quota_limits_on(&[]);
    quota_limits_on(&["--store", &maildir]);
    let _ = std::fs::remove_dir_all(&root);
}

fn quota_limits_on(store: &[&str]) {
    let mut args = vec!["--quiet", "--user", "alice:secret", "--user", "username:password", "--quota", "alice::2"];
    args.extend_from_slice(store);
    let s = serve(&args);
    let mut c = Conn::open(s.addr);
    let login = c.run("l", "LOGIN alice secret");
    assert!(login.last().unwrap().contains(" QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE "), "{login:?}");
    let root = c.run("r", "GETQUOTAROOT INBOX");
    assert_eq!(root[..2], ["* QUOTAROOT INBOX \"User quota\"\r\n", "* QUOTA \"User quota\" (MESSAGE 0 2)\r\n"]);
    for (tag, answer) in [("a", "a OK [APPENDUID"), ("b", "b OK [APPENDUID"), ("c", "c NO [OVERQUOTA]")] {
        let got = c.run(tag, "APPEND INBOX {10+}\r\nSubject: x");
        assert!(got.last().unwrap().starts_with(answer), "{got:?}");
    }
    let mut d = Conn::open(s.addr);
    d.run("l", "LOGIN username password");
    assert_eq!(d.run("r", "GETQUOTAROOT INBOX"), ["* QUOTAROOT INBOX\r\n", "r OK GETQUOTAROOT completed\r\n"]);
    let bad = Command::new(env!("CARGO_BIN_EXE_imapm")).args(["serve", "--quota", "alice:x:1"]).output().expect("run");
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("--quota takes"), "{bad:?}");
}

#[test]
fn legacy_8bit_leaves_utf8_accept_out_and_takes_8bit_headers() {
    // A message with a UTF-8 header field, as a legacy client sends it (no ENABLE).
    let append = "APPEND INBOX {25+}\r\nSubject: Grüße\r\n\r\nhello";
    for (flag, advertised, answer) in [(None, true, "a NO [CANNOT]"), (Some("--legacy-8bit"), false, "a OK [APPENDUID")]
    {
        let mut args = vec!["--quiet"];
        args.extend(flag);
        let s = serve(&args);
        let mut c = Conn::open(s.addr);
        let login = c.run("l", "LOGIN username password");
        assert_eq!(login.last().unwrap().contains(" UTF8=ACCEPT "), advertised, "{login:?}");
        let got = c.run("a", append);
        assert!(got.last().unwrap().starts_with(answer), "{flag:?}: {got:?}");
    }
}

#[test]
fn updates_reach_another_connection_in_idle() {
    let s = serve(&["--quiet"]);
    let mut idler = Conn::open(s.addr);
    idler.run("a", "LOGIN username password");
    idler.run("b", "SELECT INBOX");
    write!(idler.w, "c IDLE\r\n").unwrap();
    assert!(idler.line().starts_with('+'));
    let mut other = Conn::open(s.addr);
    other.run("a", "LOGIN username password");
    write!(other.w, "b APPEND INBOX {{11+}}\r\nhello there\r\n").unwrap();
    assert!(other.line().starts_with("b OK"));
    assert_eq!(idler.line(), "* 2 EXISTS\r\n");
    write!(idler.w, "DONE\r\n").unwrap();
    let mut rest = vec![idler.line()];
    while !rest.last().unwrap().starts_with("c ") {
        rest.push(idler.line());
    }
    assert!(rest.last().unwrap().starts_with("c OK"), "{rest:?}");
}

#[test]
fn sigint_says_bye_to_every_connection_and_exits() {
    // SIGINT (Ctrl-C) and SIGTERM (systemd's stop) alike.
    for signal in ["-INT", "-TERM"] {
        let mut s = serve(&["--quiet"]);
        let mut conns: Vec<Conn> = (0..3).map(|_| Conn::open(s.addr)).collect();
        conns[0].run("a", "LOGIN username password");
        let killed = Command::new("kill").args([signal, &s.child.id().to_string()]).status().expect("kill");
        assert!(killed.success());
        for c in &mut conns {
            assert!(c.line().starts_with("* BYE"), "every connection gets BYE on {signal}");
        }
        let status = s.child.wait().expect("wait");
        assert!(status.success(), "imapm serve exits 0 after a graceful shutdown on {signal}: {status:?}");
    }
}
