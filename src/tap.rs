//! The debug tap's redactor: the bytes of both directions of a connection in, `C: ` /
//! `S: ` transcript lines out, with every credential replaced by `[REDACTED]`.
//!
//! ```
//! use imap_machine::tap::Redactor;
//!
//! let mut tap = Redactor::new();
//! tap.handle_client(b"A1 LOGIN joe {9+}\r\np\xc3\xa4ssword\r\n");
//! tap.handle_server(b"A1 OK Logged in\r\n");
//! let lines: Vec<String> = std::iter::from_fn(|| tap.poll_line()).map(|l| l.to_string()).collect();
//! assert_eq!(lines, ["C: A1 LOGIN joe [REDACTED]", "S: A1 OK Logged in"]);
//! ```
//!
//! Both adapters print what this yields and nothing else, so there is one place that
//! decides what is secret:
//!
//! - `LOGIN`: everything after the user name — the password as an atom, a quoted string or
//!   a literal (`{n}`, `{n+}`, `~{n}`), and the literal's length.
//! - `AUTHENTICATE`: the initial response (SASL-IR), and every client line from then on
//!   until the server's tagged completion of that command (`*`, a cancel, is shown). The
//!   server's `+` challenges are shown.
//! - Anything whose first or second word starts with `LOGIN` or `AUTHENTICATE` but is not
//!   a well-formed command of that name is redacted after that word, so a mistyped command
//!   does not leak either.
//! - URLAUTH tokens (RFC 4467): in any line of either direction, the `enc-urlauth` after
//!   `;URLAUTH=access:mechanism:` — a token is a bearer credential for the URL's data.
//!
//! The redactor frames each direction as the peer does (lines, and literals whose length
//! the line announces), so a secret split over any number of reads is still redacted, and
//! a synchronising literal the server refuses (a tagged response instead of `+`) is never
//! waited for. Literals that are not secret show up to [`MAX_LITERAL_SHOWN`] bytes, then
//! `[... N more bytes]`; a line shows up to [`MAX_LINE_SHOWN`] bytes.
//!
//! It follows the crate's run-loop contract: after each `handle_*` call, drain
//! [`Redactor::poll_line`] until it returns `None`.

use std::collections::VecDeque;
use std::fmt;

/// How much of a literal that is not secret the transcript shows before it elides the
/// rest: enough to read a header block, not a whole attachment.
pub const MAX_LITERAL_SHOWN: usize = 1024;
/// How much of one line the transcript shows; the rest of a longer line is cut. It matches
/// the framer's default `max_line_len`, past which a peer drops the line anyway.
pub const MAX_LINE_SHOWN: usize = 64 * 1024;
/// How many bytes of the end of an over-long line are kept to find its literal
/// announcement (`{4294967295+}` is 13).
const TAIL: usize = 32;
/// What a secret is replaced by.
const REDACTED: &[u8] = b"[REDACTED]";

/// Who sent a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// The client (`C: `).
    Client,
    /// The server (`S: `).
    Server,
}

/// One transcript line, already redacted. `Display` writes it as `C: text` or `S: text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapLine {
    /// Who sent it.
    pub sender: Sender,
    /// The line without its line end (bytes that are not UTF-8 are replaced).
    pub text: String,
}

impl fmt::Display for TapLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match self.sender {
            Sender::Client => 'C',
            Sender::Server => 'S',
        };
        write!(f, "{who}: {}", self.text)
    }
}

/// A literal being read in one direction.
#[derive(Debug)]
struct Literal {
    /// Bytes still to come.
    left: usize,
    /// Its announced length.
    total: usize,
    /// The part that will be shown (none of a secret literal).
    shown: Vec<u8>,
    /// It is (part of) a credential: nothing of it is shown.
    secret: bool,
    /// A synchronising literal: the sender waits for `+` before sending it.
    sync: bool,
}

/// One direction's framing: the line being read, or the literal being read.
#[derive(Debug, Default)]
struct Framing {
    line: Vec<u8>,
    /// The line is longer than [`MAX_LINE_SHOWN`]: `line` holds its start, `tail` its end.
    overflow: bool,
    tail: Vec<u8>,
    literal: Option<Literal>,
}

impl Framing {
    fn push_line(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_SHOWN.saturating_sub(self.line.len()).min(bytes.len());
        self.line.extend_from_slice(&bytes[..room]);
        if room < bytes.len() {
            self.overflow = true;
        }
        if self.overflow {
            self.tail.extend_from_slice(&bytes[bytes.len().saturating_sub(TAIL)..]);
            let cut = self.tail.len().saturating_sub(TAIL);
            self.tail.drain(..cut);
        }
    }

    /// The finished line (without CR LF) and the literal it announces, if any.
    fn take_line(&mut self) -> (Vec<u8>, Option<Announced>) {
        let mut line = std::mem::take(&mut self.line);
        let mut tail = std::mem::take(&mut self.tail);
        let overflow = std::mem::replace(&mut self.overflow, false);
        for l in [&mut line, &mut tail] {
            while matches!(l.last(), Some(b'\n' | b'\r')) {
                l.pop();
            }
        }
        let announced = announced(if overflow { &tail } else { &line });
        (line, announced)
    }
}

/// `text` with the token of every URLAUTH URL in it (`;URLAUTH=access:mech:TOKEN`, RFC
/// 4467 §9 `iurlauth`, names in any case) replaced by `[REDACTED]`.
fn redact_url_tokens(text: &str) -> String {
    const MARK: &[u8] = b";urlauth=";
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = b[at..].windows(MARK.len()).position(|w| w.eq_ignore_ascii_case(MARK)) {
        let start = at + found + MARK.len();
        // `access ":" mechanism ":"`: the token starts after the second colon (a rump,
        // with no colon before the URL ends, has none).
        let end_of_url = b[start..].iter().position(|c| matches!(c, b'"' | b' ' | b')')).map_or(b.len(), |e| start + e);
        let colons: Vec<usize> = (start..end_of_url).filter(|&k| b[k] == b':').take(2).collect();
        match colons[..] {
            [_, second] => {
                let token = second + 1;
                let end = (token..end_of_url).find(|&k| !b[k].is_ascii_hexdigit()).unwrap_or(end_of_url);
                out.push_str(&text[at..token]);
                if end > token {
                    out.push_str("[REDACTED]");
                }
                at = end;
            }
            _ => {
                out.push_str(&text[at..end_of_url]);
                at = end_of_url;
            }
        }
    }
    out.push_str(&text[at..]);
    out
}

/// A literal announcement that ends a line: `{n}`, `{n+}`, `~{n}`, `~{n+}`.
#[derive(Clone, Copy, Debug)]
struct Announced {
    len: usize,
    sync: bool,
}

/// The literal announcement ending `line`, if any. A length too large for `usize` counts
/// as `usize::MAX`: the peer refuses it, and until then nothing after it is a line.
fn announced(line: &[u8]) -> Option<Announced> {
    let body = line.strip_suffix(b"}")?;
    let open = body.iter().rposition(|&b| b == b'{')?;
    let digits = &body[open + 1..];
    let (digits, sync) = match digits.strip_suffix(b"+") {
        Some(d) => (d, false),
        None => (digits, true),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let len = std::str::from_utf8(digits).ok()?.parse().unwrap_or(usize::MAX);
    Some(Announced { len, sync })
}

/// How much of the client's current command is secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Secrecy {
    /// Nothing (so far).
    Open,
    /// A `LOGIN` whose user name is the literal being read: the literal is shown, and
    /// everything after it is the password.
    UserLiteral,
    /// Everything from here to the end of the command.
    Secret,
}

/// Where the client's stream stands.
#[derive(Debug)]
enum ClientMessage {
    /// The next client line starts a command (or, during AUTHENTICATE, is a response).
    Start,
    /// The client's message goes on after a literal.
    Continuing {
        /// The command's tag, to see the server refuse a synchronising literal.
        tag: Vec<u8>,
        secrecy: Secrecy,
    },
}

/// The redacting transcript of one connection: a sans-I/O machine fed with the bytes of
/// both directions, in the order they were sent, yielding [`TapLine`]s.
///
/// Feed what the client sent with [`Redactor::handle_client`] and what the server sent
/// with [`Redactor::handle_server`], in any chunks; then drain [`Redactor::poll_line`].
/// See the [module docs](self) for what is redacted.
#[derive(Debug)]
pub struct Redactor {
    client: Framing,
    server: Framing,
    message: ClientMessage,
    /// The tag of the AUTHENTICATE exchange running: client lines are responses, and
    /// secret, until the server's tagged completion.
    auth: Option<Vec<u8>>,
    /// The server's current response goes on after a literal.
    server_continuing: bool,
    lines: VecDeque<TapLine>,
}

impl Default for Redactor {
    fn default() -> Self {
        Self::new()
    }
}

impl Redactor {
    /// A redactor at the start of a connection.
    pub fn new() -> Self {
        Redactor {
            client: Framing::default(),
            server: Framing::default(),
            message: ClientMessage::Start,
            auth: None,
            server_continuing: false,
            lines: VecDeque::new(),
        }
    }

    /// Bytes the client sent (as written by a client, or as read by a server). Then drain
    /// [`Redactor::poll_line`].
    pub fn handle_client(&mut self, bytes: &[u8]) {
        self.feed(Sender::Client, bytes);
    }

    /// Bytes the server sent (as read by a client, or as written by a server). Then drain
    /// [`Redactor::poll_line`].
    pub fn handle_server(&mut self, bytes: &[u8]) {
        self.feed(Sender::Server, bytes);
    }

    /// The next transcript line, redacted; `None` until more bytes are handled. Call it
    /// after every `handle_*` call until it returns `None` (see the crate's run-loop
    /// contract).
    #[must_use]
    pub fn poll_line(&mut self) -> Option<TapLine> {
        self.lines.pop_front()
    }

    fn emit(&mut self, sender: Sender, text: &[u8]) {
        let text = String::from_utf8_lossy(text);
        self.lines.push_back(TapLine { sender, text: redact_url_tokens(&text) });
    }

    fn framing(&mut self, sender: Sender) -> &mut Framing {
        match sender {
            Sender::Client => &mut self.client,
            Sender::Server => &mut self.server,
        }
    }

    fn feed(&mut self, sender: Sender, mut rest: &[u8]) {
        while !rest.is_empty() {
            let framing = self.framing(sender);
            if let Some(lit) = framing.literal.as_mut() {
                let n = lit.left.min(rest.len());
                if !lit.secret {
                    let room = MAX_LITERAL_SHOWN.saturating_sub(lit.shown.len()).min(n);
                    lit.shown.extend_from_slice(&rest[..room]);
                }
                lit.left -= n;
                rest = &rest[n..];
                if lit.left == 0 {
                    let lit = framing.literal.take().expect("a literal is being read");
                    self.show_literal(sender, lit);
                }
                continue;
            }
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    framing.push_line(&rest[..=i]);
                    rest = &rest[i + 1..];
                    let (line, announced) = framing.take_line();
                    match sender {
                        Sender::Client => self.client_line(&line, announced),
                        Sender::Server => self.server_line(&line, announced),
                    }
                }
                None => {
                    framing.push_line(rest);
                    rest = &[];
                }
            }
        }
    }

    /// Starts reading the literal `line` announced (a zero-length one ends at once).
    fn start_literal(&mut self, sender: Sender, a: Announced, secret: bool) {
        let lit = Literal { left: a.len, total: a.len, shown: Vec::new(), secret, sync: a.sync };
        if a.len == 0 {
            self.show_literal(sender, lit);
        } else {
            self.framing(sender).literal = Some(lit);
        }
    }

    fn show_literal(&mut self, sender: Sender, lit: Literal) {
        if lit.secret {
            return;
        }
        let text = lit.shown.strip_suffix(b"\n").unwrap_or(&lit.shown);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if !text.is_empty() {
            for l in text.split(|&b| b == b'\n') {
                let l = l.strip_suffix(b"\r").unwrap_or(l);
                self.emit(sender, l);
            }
        }
        if lit.total > lit.shown.len() {
            self.emit(sender, format!("[... {} more bytes]", lit.total - lit.shown.len()).as_bytes());
        }
    }

    fn client_line(&mut self, line: &[u8], announced: Option<Announced>) {
        let message = std::mem::replace(&mut self.message, ClientMessage::Start);
        let (tag, secrecy) = match message {
            ClientMessage::Continuing { tag, secrecy } => {
                let secrecy = match secrecy {
                    Secrecy::Open => {
                        if !line.is_empty() {
                            self.emit(Sender::Client, line);
                        }
                        Secrecy::Open
                    }
                    // After the user name's literal, or within a secret: the password.
                    Secrecy::UserLiteral | Secrecy::Secret => {
                        if !line.is_empty() {
                            self.emit(Sender::Client, REDACTED);
                        }
                        Secrecy::Secret
                    }
                };
                (tag, secrecy)
            }
            ClientMessage::Start => match &self.auth {
                // A response of the AUTHENTICATE exchange, or `*` to cancel it.
                Some(tag) => {
                    let tag = tag.clone();
                    self.emit(Sender::Client, if line == b"*" { line } else { REDACTED });
                    (tag, Secrecy::Secret)
                }
                None => self.command_line(line, announced.is_some()),
            },
        };
        if let Some(a) = announced {
            self.message = ClientMessage::Continuing { tag, secrecy };
            self.start_literal(Sender::Client, a, secrecy == Secrecy::Secret);
        }
    }

    /// The first line of a client command: shows it, redacted; returns its tag and how
    /// secret the rest of it is.
    fn command_line(&mut self, line: &[u8], announces: bool) -> (Vec<u8>, Secrecy) {
        let mut words = line.splitn(3, |&b| b == b' ');
        let tag = words.next().unwrap_or_default();
        let verb = words.next().unwrap_or_default();
        let rest = words.next();
        let starts =
            |word: &[u8], name: &[u8]| word.len() >= name.len() && word[..name.len()].eq_ignore_ascii_case(name);
        let shown_upto = |s: &mut Self, upto: &[&[u8]]| {
            let mut shown = upto.join(&b' ');
            shown.push(b' ');
            shown.extend_from_slice(REDACTED);
            s.emit(Sender::Client, &shown);
        };
        if verb.eq_ignore_ascii_case(b"LOGIN") {
            let rest = rest.unwrap_or_default();
            if announces && rest.first() == Some(&b'{') && !rest.contains(&b' ') {
                // The user name is a literal: show it; the password follows it.
                self.emit(Sender::Client, line);
                return (tag.to_vec(), Secrecy::UserLiteral);
            }
            match first_arg(rest) {
                Some(user) if rest.len() > user.len() => shown_upto(self, &[tag, verb, user]),
                _ => shown_upto(self, &[tag, verb]),
            }
            (tag.to_vec(), Secrecy::Secret)
        } else if verb.eq_ignore_ascii_case(b"AUTHENTICATE") {
            self.auth = Some(tag.to_vec());
            match rest.map(|r| r.splitn(2, |&b| b == b' ')) {
                Some(mut args) => {
                    let mechanism = args.next().unwrap_or_default();
                    if mechanism.contains(&b'{') {
                        shown_upto(self, &[tag, verb]);
                    } else if args.next().is_some() {
                        shown_upto(self, &[tag, verb, mechanism]);
                    } else {
                        self.emit(Sender::Client, line);
                    }
                }
                None => self.emit(Sender::Client, line),
            }
            (tag.to_vec(), Secrecy::Secret)
        } else if [tag, verb].iter().any(|w| starts(w, b"LOGIN") || starts(w, b"AUTHENTICATE")) {
            // Not a well-formed LOGIN or AUTHENTICATE, but it may still carry a password.
            if starts(tag, b"LOGIN") || starts(tag, b"AUTHENTICATE") {
                self.emit(Sender::Client, REDACTED);
            } else {
                shown_upto(self, &[tag]);
            }
            (tag.to_vec(), Secrecy::Secret)
        } else {
            self.emit(Sender::Client, line);
            (tag.to_vec(), Secrecy::Open)
        }
    }

    fn server_line(&mut self, line: &[u8], announced: Option<Announced>) {
        let continuing = std::mem::replace(&mut self.server_continuing, false);
        if !continuing {
            let tagged = |tag: &[u8]| line.len() > tag.len() && line.starts_with(tag) && line[tag.len()] == b' ';
            if self.auth.as_deref().is_some_and(tagged) {
                self.auth = None;
            }
            // A tagged response instead of `+`: the server refused the synchronising
            // literal the client announced, and the client will not send it.
            if let ClientMessage::Continuing { tag, .. } = &self.message {
                if self.client.literal.as_ref().is_some_and(|l| l.sync && l.left == l.total) && tagged(tag) {
                    self.client.literal = None;
                    self.message = ClientMessage::Start;
                }
            }
        }
        if !(continuing && line.is_empty()) {
            self.emit(Sender::Server, line);
        }
        // A continuation request (`+ text`) announces nothing, whatever it ends with.
        let announced = announced.filter(|_| continuing || !line.starts_with(b"+"));
        if let Some(a) = announced {
            self.server_continuing = true;
            self.start_literal(Sender::Server, a, false);
        }
    }
}

/// The first argument of a command for display: an atom or a quoted string; `None` for a
/// literal or an unfinished quoted string.
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

#[cfg(test)]
mod tests;
