//! The debug tap: a transcript of both directions, with credentials redacted.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// How much of a literal the transcript shows before it elides the rest.
const MAX_LITERAL_SHOWN: usize = 1024;
/// How much of one line the transcript keeps (a line longer than this is cut).
const MAX_LINE: usize = 64 * 1024;

enum Sink {
    Writer(Mutex<Box<dyn Write + Send>>),
    Callback(Box<dyn Fn(&str) + Send + Sync>),
}

/// A transcript of a connection, like go-imap's `DebugWriter`: every line the client
/// sends as `C: ...`, every line the server sends as `S: ...`.
///
/// The passwords of `LOGIN` and all `AUTHENTICATE` data (the initial response and every
/// client line until the command completes) show as `[REDACTED]`. Literals show up to
/// 1 KiB, then `[... N more bytes]`. On a server, each line starts with the connection's
/// number (`[3] C: ...`).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// let lines = Arc::new(Mutex::new(Vec::new()));
/// let sink = lines.clone();
/// let tap = imap_machine_tokio::DebugTap::from_fn(move |line| sink.lock().unwrap().push(line.to_owned()));
/// # let _ = tap;
/// ```
#[derive(Clone)]
pub struct DebugTap {
    sink: Arc<Sink>,
}

impl fmt::Debug for DebugTap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DebugTap")
    }
}

impl DebugTap {
    /// A tap writing lines (each ending in `\n`) to `writer`.
    pub fn new(writer: impl Write + Send + 'static) -> Self {
        DebugTap { sink: Arc::new(Sink::Writer(Mutex::new(Box::new(writer)))) }
    }

    /// A tap writing to standard error.
    pub fn stderr() -> Self {
        Self::new(std::io::stderr())
    }

    /// A tap calling `f` with each line (without its line end).
    pub fn from_fn(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        DebugTap { sink: Arc::new(Sink::Callback(Box::new(f))) }
    }

    fn emit(&self, line: &str) {
        match &*self.sink {
            Sink::Writer(w) => {
                if let Ok(mut w) = w.lock() {
                    let _ = writeln!(w, "{line}");
                    let _ = w.flush();
                }
            }
            Sink::Callback(f) => f(line),
        }
    }

    /// The per-connection state of the transcript.
    pub(crate) fn session(&self, label: String) -> TapSession {
        TapSession { tap: self.clone(), label, c: Dir::default(), s: Dir::default(), auth_tag: None }
    }
}

#[derive(Default)]
struct Literal {
    left: usize,
    total: usize,
    shown: Vec<u8>,
}

/// One direction's framing state.
#[derive(Default)]
struct Dir {
    line: Vec<u8>,
    literal: Option<Literal>,
    /// The current line continues a message after a literal.
    continuing: bool,
    /// The current message is a LOGIN: its arguments are secret.
    secret: bool,
}

/// The transcript state of one connection.
pub(crate) struct TapSession {
    tap: DebugTap,
    label: String,
    c: Dir,
    s: Dir,
    /// The tag of the AUTHENTICATE exchange running: client lines are secret until it
    /// completes.
    auth_tag: Option<Vec<u8>>,
}

/// The `n` of a line ending in a literal announcement `{n}`, `{n+}` or `~{n}`.
fn literal_len(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    let digits = &body[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// The first argument of a command for display: an atom or a quoted string; `None` for a
/// literal.
fn first_arg(rest: &[u8]) -> Option<&[u8]> {
    match rest.first()? {
        b'{' | b'~' => None,
        b'"' => {
            let mut escaped = false;
            for (k, &b) in rest.iter().enumerate().skip(1) {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => return Some(&rest[..=k]),
                    _ => {}
                }
            }
            None
        }
        _ => Some(rest.split(|&b| b == b' ').next().unwrap_or(rest)),
    }
}

impl TapSession {
    /// Bytes the client sent.
    pub(crate) fn client(&mut self, bytes: &[u8]) {
        self.feed(true, bytes);
    }

    /// Bytes the server sent.
    pub(crate) fn server(&mut self, bytes: &[u8]) {
        self.feed(false, bytes);
    }

    fn out(&self, client: bool, text: &[u8]) {
        let dir = if client { "C" } else { "S" };
        self.tap.emit(&format!("{}{dir}: {}", self.label, String::from_utf8_lossy(text)));
    }

    fn dir(&mut self, client: bool) -> &mut Dir {
        if client {
            &mut self.c
        } else {
            &mut self.s
        }
    }

    fn feed(&mut self, client: bool, mut rest: &[u8]) {
        while !rest.is_empty() {
            let dir = self.dir(client);
            if let Some(lit) = dir.literal.as_mut() {
                let n = lit.left.min(rest.len());
                let room = MAX_LITERAL_SHOWN.saturating_sub(lit.shown.len()).min(n);
                lit.shown.extend_from_slice(&rest[..room]);
                lit.left -= n;
                rest = &rest[n..];
                if lit.left == 0 {
                    let lit = dir.literal.take().expect("literal");
                    dir.continuing = true;
                    let secret = dir.secret;
                    self.show_literal(client, lit, secret);
                }
                continue;
            }
            match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    if dir.line.len() < MAX_LINE {
                        let take = (i + 1).min(MAX_LINE - dir.line.len());
                        dir.line.extend_from_slice(&rest[..take]);
                    }
                    rest = &rest[i + 1..];
                    let mut line = std::mem::take(&mut dir.line);
                    while matches!(line.last(), Some(b'\n' | b'\r')) {
                        line.pop();
                    }
                    self.line(client, &line);
                }
                None => {
                    let take = rest.len().min(MAX_LINE.saturating_sub(dir.line.len()));
                    dir.line.extend_from_slice(&rest[..take]);
                    rest = &[];
                }
            }
        }
    }

    fn show_literal(&self, client: bool, lit: Literal, secret: bool) {
        if secret {
            self.out(client, format!("[REDACTED {} bytes]", lit.total).as_bytes());
            return;
        }
        let text = lit.shown.strip_suffix(b"\n").unwrap_or(&lit.shown);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        for l in text.split(|&b| b == b'\n') {
            self.out(client, l.strip_suffix(b"\r").unwrap_or(l));
        }
        if lit.total > lit.shown.len() {
            self.out(client, format!("[... {} more bytes]", lit.total - lit.shown.len()).as_bytes());
        }
    }

    fn line(&mut self, client: bool, line: &[u8]) {
        let announced = literal_len(line);
        let continuing = self.dir(client).continuing;
        if client {
            if continuing {
                let secret = self.c.secret;
                if !line.is_empty() {
                    self.out(true, if secret { b"[REDACTED]" } else { line });
                }
            } else if self.auth_tag.is_some() {
                // An AUTHENTICATE exchange line (or `*` to cancel).
                self.out(true, if line == b"*" { line } else { b"[REDACTED]" });
            } else {
                self.command_line(line);
            }
        } else {
            if let Some(tag) = &self.auth_tag {
                if !continuing && line.len() > tag.len() && line.starts_with(tag) && line[tag.len()] == b' ' {
                    self.auth_tag = None;
                }
            }
            if !(continuing && line.is_empty()) {
                self.out(false, line);
            }
        }
        let dir = self.dir(client);
        match announced {
            Some(n) if n > 0 => dir.literal = Some(Literal { left: n, total: n, shown: Vec::new() }),
            Some(_) => dir.continuing = true,
            None => {
                dir.continuing = false;
                dir.secret = false;
            }
        }
    }

    /// The first line of a client command.
    fn command_line(&mut self, line: &[u8]) {
        let mut parts = line.splitn(3, |&b| b == b' ');
        let tag = parts.next().unwrap_or_default();
        let verb = parts.next().unwrap_or_default();
        let rest = parts.next().unwrap_or_default();
        if verb.eq_ignore_ascii_case(b"LOGIN") {
            self.c.secret = true;
            let mut shown = [tag, b" ", verb].concat();
            if let Some(user) = first_arg(rest) {
                shown.push(b' ');
                shown.extend_from_slice(user);
            }
            shown.extend_from_slice(b" [REDACTED]");
            self.out(true, &shown);
        } else if verb.eq_ignore_ascii_case(b"AUTHENTICATE") {
            self.auth_tag = Some(tag.to_vec());
            let mut args = rest.splitn(2, |&b| b == b' ');
            let mechanism = args.next().unwrap_or_default();
            let mut shown = [tag, b" ", verb, b" ", mechanism].concat();
            if args.next().is_some() {
                shown.extend_from_slice(b" [REDACTED]");
            }
            self.out(true, &shown);
        } else {
            self.out(true, line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript(f: impl FnOnce(&mut TapSession)) -> Vec<String> {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let tap = DebugTap::from_fn(move |l| sink.lock().unwrap().push(l.to_owned()));
        let mut s = tap.session(String::new());
        f(&mut s);
        let v = lines.lock().unwrap().clone();
        v
    }

    #[test]
    fn login_password_is_redacted() {
        let t = transcript(|s| {
            s.client(b"A1 LOGIN joe \"p w\"\r\n");
            s.server(b"A1 OK done\r\n");
            s.client(b"A2 LOGIN \"j o\" {6+}\r\nsecret\r\n");
            s.client(b"A3 LOGIN {3}\r\n");
            s.server(b"+ go\r\n");
            s.client(b"joe {6}\r\n");
            s.server(b"+ go\r\n");
            s.client(b"secret\r\n");
            s.client(b"A4 NOOP\r\n");
        });
        let joined = t.join("\n");
        assert!(!joined.contains("p w") && !joined.contains("secret"), "{joined}");
        assert_eq!(t[0], "C: A1 LOGIN joe [REDACTED]");
        assert_eq!(t[1], "S: A1 OK done");
        assert_eq!(t[2], "C: A2 LOGIN \"j o\" [REDACTED]");
        assert_eq!(t.last().unwrap(), "C: A4 NOOP");
    }

    #[test]
    fn authenticate_data_is_redacted_until_completion() {
        let t = transcript(|s| {
            s.client(b"A1 AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=\r\n");
            s.server(b"A1 NO nope\r\n");
            s.client(b"A2 AUTHENTICATE LOGIN\r\n");
            s.server(b"+ VXNlcm5hbWU6\r\n");
            s.client(b"am9l\r\n");
            s.server(b"+ UGFzc3dvcmQ6\r\n");
            s.client(b"c2VjcmV0\r\n");
            s.server(b"A2 OK yes\r\n");
            s.client(b"A3 NOOP\r\n");
        });
        assert_eq!(t[0], "C: A1 AUTHENTICATE PLAIN [REDACTED]");
        assert_eq!(t[2], "C: A2 AUTHENTICATE LOGIN");
        assert_eq!(t[4], "C: [REDACTED]");
        assert_eq!(t[6], "C: [REDACTED]");
        assert_eq!(t[8], "C: A3 NOOP");
    }

    #[test]
    fn literals_show_and_elide() {
        let big = vec![b'x'; 3000];
        let t = transcript(|s| {
            s.client(b"A1 APPEND INBOX {3000+}\r\n");
            s.client(&big[..1000]);
            s.client(&big[1000..]);
            s.client(b"\r\n");
            s.server(b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n");
        });
        assert_eq!(t[0], "C: A1 APPEND INBOX {3000+}");
        assert_eq!(t[1].len(), 3 + 1024);
        assert_eq!(t[2], "C: [... 1976 more bytes]");
        assert_eq!(&t[3..], ["S: * 1 FETCH (BODY[] {5}", "S: ab", "S: c", "S: )"]);
    }
}
