//! Shared by both adapters' tap tests (std only): the credentials, every form they take
//! on the wire, a check that a transcript holds none of them, an in-memory tap sink, a
//! scripted server without LITERAL+ and SASL-IR (so a client takes the synchronising
//! literal and `+` paths), and a raw client driving a server through every auth path.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A user whose password the client sends as a quoted string (it has spaces).
pub const QUOTED_USER: &str = "joe";
pub const QUOTED_PASS: &str = "hunter two Zq9";
/// A user whose password the client sends as a literal (it is not ASCII).
pub const LITERAL_USER: &str = "ann";
pub const LITERAL_PASS: &str = "pässwörd-Xk7";
/// An OAuth token.
pub const TOKEN: &str = "ya29.tok3n-Wv5";

pub fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn plain(user: &str, pass: &str) -> String {
    base64(format!("\0{user}\0{pass}").as_bytes())
}

pub fn xoauth2(user: &str) -> String {
    base64(format!("user={user}\x01auth=Bearer {TOKEN}\x01\x01").as_bytes())
}

/// Every form a secret takes on the wire: the passwords and the token, their base64, and
/// the base64 of each SASL message carrying them (a base64 string without its padding,
/// so a prefix cut at a line end is caught too).
pub fn secrets() -> Vec<String> {
    let mut s = vec![QUOTED_PASS.to_string(), LITERAL_PASS.to_string(), TOKEN.to_string()];
    s.extend(["hunter", "wörd", "tok3n"].map(String::from));
    for b in [
        base64(QUOTED_PASS.as_bytes()),
        base64(LITERAL_PASS.as_bytes()),
        base64(TOKEN.as_bytes()),
        plain(QUOTED_USER, QUOTED_PASS),
        plain(LITERAL_USER, LITERAL_PASS),
        xoauth2(QUOTED_USER),
        xoauth2(LITERAL_USER),
    ] {
        s.push(b.trim_end_matches('=').chars().take(12).collect());
    }
    s
}

/// Panics if any line holds any form of a secret.
pub fn assert_no_secret(lines: &[String]) {
    assert!(!lines.is_empty(), "the tap logged nothing");
    for secret in secrets() {
        for l in lines {
            assert!(!l.contains(&secret), "leaked {secret:?}: {l:?}\nwhole transcript: {lines:#?}");
        }
    }
}

/// Panics unless some line ends with `want`.
pub fn assert_logged(lines: &[String], want: &str) {
    assert!(lines.iter().any(|l| l.ends_with(want)), "no line ends with {want:?} in {lines:#?}");
}

/// An in-memory writer for a tap.
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    pub fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap()).lines().map(String::from).collect()
    }
}

fn read_line(r: &mut impl BufRead) -> Vec<u8> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line).unwrap();
    line
}

/// A scripted server on 127.0.0.1 without LITERAL+ and SASL-IR: a client sends passwords
/// as synchronising literals and SASL responses after `+`. LOGIN and AUTHENTICATE PLAIN
/// and LOGIN succeed; XOAUTH2 gets the error challenge, then NO.
pub fn scripted_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            std::thread::spawn(move || scripted_connection(stream));
        }
    });
    addr
}

fn scripted_connection(stream: TcpStream) {
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    w.write_all(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN AUTH=XOAUTH2] scripted\r\n").unwrap();
    loop {
        let mut msg = read_line(&mut r);
        if msg.is_empty() {
            return;
        }
        // Synchronising literals: `+`, then the literal and the rest of the command.
        while let Some(n) = sync_literal(&msg) {
            w.write_all(b"+ go ahead\r\n").unwrap();
            let mut lit = vec![0; n];
            r.read_exact(&mut lit).unwrap();
            msg.extend_from_slice(&lit);
            msg.extend_from_slice(&read_line(&mut r));
        }
        let text = String::from_utf8_lossy(&msg).trim_end().to_string();
        let mut words = text.split(' ');
        let tag = words.next().unwrap_or_default().to_string();
        let verb = words.next().unwrap_or_default().to_ascii_uppercase();
        let reply = match verb.as_str() {
            "LOGIN" => "OK LOGIN completed",
            "AUTHENTICATE" => {
                let mechanism = words.next().unwrap_or_default().to_ascii_uppercase();
                assert!(words.next().is_none(), "no SASL-IR was advertised: {text}");
                if mechanism == "LOGIN" {
                    w.write_all(b"+ VXNlcm5hbWU6\r\n").unwrap();
                    read_line(&mut r);
                    w.write_all(b"+ UGFzc3dvcmQ6\r\n").unwrap();
                } else {
                    w.write_all(b"+ \r\n").unwrap();
                }
                read_line(&mut r);
                if mechanism == "XOAUTH2" {
                    w.write_all(b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n").unwrap();
                    read_line(&mut r);
                    "NO [AUTHENTICATIONFAILED] token rejected"
                } else {
                    "OK AUTHENTICATE completed"
                }
            }
            "LOGOUT" => {
                let _ = w.write_all(format!("* BYE bye\r\n{tag} OK LOGOUT completed\r\n").as_bytes());
                return;
            }
            "CAPABILITY" => {
                w.write_all(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=LOGIN AUTH=XOAUTH2\r\n").unwrap();
                "OK CAPABILITY completed"
            }
            _ => "OK done",
        };
        if w.write_all(format!("{tag} {reply}\r\n").as_bytes()).is_err() {
            return;
        }
    }
}

fn sync_literal(msg: &[u8]) -> Option<usize> {
    let line = String::from_utf8_lossy(msg);
    let body = line.trim_end().strip_suffix('}')?;
    let (_, n) = body.rsplit_once('{')?;
    n.parse().ok()
}

/// A raw connection to a server: reads the greeting.
struct Raw {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Raw {
    fn connect(addr: &str) -> Raw {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
        let mut raw = Raw { w: stream.try_clone().unwrap(), r: BufReader::new(stream) };
        let greeting = read_line(&mut raw.r);
        assert!(greeting.starts_with(b"* OK"), "{}", String::from_utf8_lossy(&greeting));
        raw
    }

    fn send(&mut self, bytes: &[u8]) {
        self.w.write_all(bytes).unwrap();
    }

    /// Reads lines until a `+` or a tagged one, which it returns.
    fn until(&mut self, tag: &str) -> String {
        loop {
            let line = String::from_utf8_lossy(&read_line(&mut self.r)).into_owned();
            assert!(!line.is_empty(), "connection closed while waiting for {tag}");
            if line.starts_with('+') || line.starts_with(&format!("{tag} ")) {
                return line;
            }
        }
    }
}

/// Drives a server (users [`QUOTED_USER`] and [`LITERAL_USER`], PLAIN, LOGIN and XOAUTH2
/// enabled) through every auth path as a raw client would: LOGIN with a synchronising
/// literal, AUTHENTICATE PLAIN after `+`, a cancelled AUTHENTICATE, the LOGIN mechanism,
/// and XOAUTH2 with and without an initial response.
pub fn raw_client_paths(addr: &str) {
    let mut c = Raw::connect(addr);
    c.send(format!("a1 LOGIN {LITERAL_USER} {{{}}}\r\n", LITERAL_PASS.len()).as_bytes());
    assert!(c.until("a1").starts_with('+'));
    c.send(format!("{LITERAL_PASS}\r\n").as_bytes());
    assert!(c.until("a1").starts_with("a1 OK"));
    c.send(b"a2 LOGOUT\r\n");
    c.until("a2");

    let mut c = Raw::connect(addr);
    c.send(b"b1 AUTHENTICATE PLAIN\r\n");
    assert!(c.until("b1").starts_with('+'));
    c.send(b"*\r\n");
    assert!(c.until("b1").starts_with("b1 BAD"));
    c.send(b"b2 AUTHENTICATE PLAIN\r\n");
    assert!(c.until("b2").starts_with('+'));
    c.send(format!("{}\r\n", plain(QUOTED_USER, QUOTED_PASS)).as_bytes());
    assert!(c.until("b2").starts_with("b2 OK"));
    c.send(b"b3 LOGOUT\r\n");
    c.until("b3");

    let mut c = Raw::connect(addr);
    c.send(b"c1 AUTHENTICATE LOGIN\r\n");
    assert!(c.until("c1").starts_with('+'));
    c.send(format!("{}\r\n", base64(LITERAL_USER.as_bytes())).as_bytes());
    assert!(c.until("c1").starts_with('+'));
    c.send(format!("{}\r\n", base64(LITERAL_PASS.as_bytes())).as_bytes());
    assert!(c.until("c1").starts_with("c1 OK"));
    c.send(b"c2 LOGOUT\r\n");
    c.until("c2");

    let mut c = Raw::connect(addr);
    c.send(b"d1 AUTHENTICATE XOAUTH2\r\n");
    let got = c.until("d1");
    if got.starts_with('+') {
        c.send(format!("{}\r\n", xoauth2(QUOTED_USER)).as_bytes());
        c.until("d1");
    }
    c.send(format!("d2 AUTHENTICATE XOAUTH2 {}\r\n", xoauth2(QUOTED_USER)).as_bytes());
    assert!(!c.until("d2").starts_with("d2 OK"));
    // A password split over many writes.
    for piece in format!("d3 LOGIN {QUOTED_USER} \"{QUOTED_PASS}\"\r\n").as_bytes().chunks(3) {
        c.send(piece);
        c.w.flush().unwrap();
    }
    assert!(c.until("d3").starts_with("d3 OK"));
    c.send(b"d4 LOGOUT\r\n");
    c.until("d4");
}
