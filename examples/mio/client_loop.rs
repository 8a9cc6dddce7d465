//! The client side of the custom-event-loop story: the core's `client::Client` machine
//! over a non-blocking `mio::net::TcpStream`, with no async runtime.
//!
//! Included with `#[path]` by `examples/mio_client.rs` and `tests/mio_examples.rs`.
//!
//! The loop follows the crate's run-loop contract: after every `handle_*` call and every
//! command, drain `poll_event` and `poll_transmit`; then wait for the socket or for
//! `poll_timeout`, whichever comes first, and call `handle_timeout(now)` when it passes.
//! mio is edge-triggered: a readiness event is reported once, so every wake-up reads until
//! `WouldBlock` and writes until `WouldBlock` (or until nothing is left to write). A write
//! that takes only part of the buffer keeps the unwritten rest for the next writable event.

// The example is the embedder: it owns the clock.
#![allow(clippy::disallowed_methods)]
// Each includer uses its own part of this file.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use imap_machine::client::{Client, ClientOptions, CommandId, Event};
use imap_machine::codec::encode_response;
use imap_machine::mime::Decoder;
use imap_machine::types::{
    Address, CommandBody, Data, Envelope, FetchAttribute, FetchAttributes, FetchItem, FlagFetch, IString, Literal,
    Mailbox, Response, Secret, SequenceSet, StatusKind, StatusResponse,
};
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

/// The only socket this loop watches.
const SOCKET: Token = Token(0);
/// How long a TCP connect may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the client stopped.
#[derive(Debug)]
pub(crate) enum ClientError {
    /// The socket failed (connect, read or write).
    Io(io::Error),
    /// The server answered NO or BAD (or BYE in its greeting).
    Refused {
        /// The command (or "greeting").
        command: &'static str,
        /// The server's answer.
        status: String,
    },
    /// The connection ended before the session did, or the machine failed.
    Lost(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "connection error: {e}"),
            ClientError::Refused { command, status } => write!(f, "{command} refused: {status}"),
            ClientError::Lost(why) => write!(f, "connection lost: {why}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}

impl From<imap_machine::client::Error> for ClientError {
    fn from(e: imap_machine::client::Error) -> Self {
        ClientError::Lost(e.to_string())
    }
}

/// What the session does (the example's command line).
#[derive(Clone, Debug)]
pub(crate) struct Config {
    /// `HOST:PORT`.
    pub(crate) addr: String,
    /// LOGIN user name.
    pub(crate) user: String,
    /// LOGIN password.
    pub(crate) pass: String,
    /// How long to IDLE after the FETCH; zero skips IDLE.
    pub(crate) idle: Duration,
    /// End IDLE early once this many updates arrived (tests; the example leaves it off).
    pub(crate) idle_stop_after: Option<usize>,
    /// How long one IDLE runs before DONE and a new IDLE; `None`: the machine's default
    /// (25 minutes). Tests shorten it to see the timer work.
    pub(crate) idle_refresh: Option<Duration>,
}

/// What the session saw.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// One line per message of the FETCH.
    pub(crate) messages: Vec<String>,
    /// The unsolicited updates, as the server sent them (`* 2 EXISTS`).
    pub(crate) updates: Vec<String>,
}

/// What [`session`] prints, as it happens.
#[derive(Debug)]
pub(crate) enum Line<'a> {
    /// Progress: connected, logged in, selected, logged out.
    Info(&'a str),
    /// One message of the FETCH.
    Message(&'a str),
    /// The server accepted IDLE.
    Idling,
    /// An unsolicited update.
    Update(&'a str),
}

/// The whole session of the example: LOGIN, SELECT INBOX, FETCH `1:* (UID FLAGS
/// ENVELOPE)`, IDLE for `config.idle`, DONE, LOGOUT. `print` sees every line as it
/// happens.
pub(crate) fn session(config: &Config, print: &mut dyn FnMut(Line<'_>)) -> Result<Report, ClientError> {
    let mut report = Report::default();
    let mut options = ClientOptions::default();
    if let Some(refresh) = config.idle_refresh {
        options.idle_refresh = refresh;
    }
    let mut conn = Conn::connect_with(&config.addr, options)?;
    print(Line::Info(&format!("connected to {}", config.addr)));
    conn.login(&config.user, &config.pass, &mut |u| print(Line::Update(u)))?;
    conn.run(CommandBody::select(Mailbox::Inbox), &mut |u| print(Line::Update(u)))?;
    let exists = conn.machine.selected().map_or(0, |s| s.exists);
    print(Line::Info(&format!("INBOX: {exists} messages")));
    if exists > 0 {
        let fetch = CommandBody::Fetch {
            set: SequenceSet::all(),
            attributes: FetchAttributes::List(vec![
                FetchAttribute::Uid,
                FetchAttribute::Flags,
                FetchAttribute::Envelope,
            ]),
            uid: false,
            modifiers: vec![],
        };
        for d in conn.run(fetch, &mut |u| print(Line::Update(u)))? {
            if let Data::Fetch { seq, items } = d {
                let line = message_line(seq.get(), &items);
                print(Line::Message(&line));
                report.messages.push(line);
            }
        }
    }
    report.updates.append(&mut conn.updates);
    if !config.idle.is_zero() {
        conn.idle(config.idle, config.idle_stop_after, print)?;
        report.updates.append(&mut conn.updates);
    }
    conn.logout()?;
    print(Line::Info("logged out"));
    Ok(report)
}

/// One connection: the machine, the socket and the bytes not yet written.
pub(crate) struct Conn {
    poll: Poll,
    events: Events,
    stream: TcpStream,
    machine: Client,
    /// Bytes the socket has not taken yet (a partial write keeps the rest here).
    out: BytesMut,
    buf: Vec<u8>,
    /// Events drained from the machine, not yet looked at.
    queue: VecDeque<Event>,
    /// The server closed its side.
    eof: bool,
    /// Unsolicited updates seen so far (drained by [`session`]).
    updates: Vec<String>,
}

impl Conn {
    /// Connects (trying each address `addr` resolves to) and waits for the greeting.
    pub(crate) fn connect(addr: &str) -> Result<Conn, ClientError> {
        Conn::connect_with(addr, ClientOptions::default())
    }

    /// [`Conn::connect`] with the client machine's options.
    pub(crate) fn connect_with(addr: &str, options: ClientOptions) -> Result<Conn, ClientError> {
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match Conn::connect_to(a, options.clone()) {
                Ok(c) => return Ok(c),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to").into()))
    }

    fn connect_to(addr: SocketAddr, options: ClientOptions) -> Result<Conn, ClientError> {
        let poll = Poll::new()?;
        let mut stream = TcpStream::connect(addr)?;
        // Both interests for the whole connection: with edge triggering an event comes
        // only when readiness changes, so a registered but unneeded interest costs nothing.
        poll.registry().register(&mut stream, SOCKET, Interest::READABLE | Interest::WRITABLE)?;
        let mut c = Conn {
            poll,
            events: Events::with_capacity(8),
            stream,
            machine: Client::new(options),
            out: BytesMut::new(),
            buf: vec![0; 64 * 1024],
            queue: VecDeque::new(),
            eof: false,
            updates: Vec::new(),
        };
        // A non-blocking connect has finished when the socket turns writable: then
        // `take_error` says whether it failed, and `peer_addr` whether it is connected yet
        // (mio's documented sequence; a spurious wake-up finds it still connecting).
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, format!("connect to {addr} timed out")).into());
            }
            c.wait(Some(left))?;
            if let Some(e) = c.stream.take_error()? {
                return Err(e.into());
            }
            match c.stream.peer_addr() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::NotConnected => continue,
                Err(e) => return Err(e.into()),
            }
        }
        c.stream.set_nodelay(true)?;
        // The wake-up that said "connected" may have said "readable" too (the greeting),
        // and edge-triggered readiness does not say it again: read now.
        c.read_all()?;
        loop {
            while let Some(e) = c.queue.pop_front() {
                if let Event::GreetingReceived { status } = e {
                    if status.kind == StatusKind::Bye {
                        return Err(ClientError::Refused { command: "greeting", status: describe(&status) });
                    }
                    return Ok(c);
                }
            }
            c.turn(None)?;
        }
    }

    /// Waits for readiness, at most `timeout`; `Interrupted` is a wake-up like any other.
    fn wait(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        match self.poll.poll(&mut self.events, timeout) {
            Err(e) if e.kind() != io::ErrorKind::Interrupted => Err(e),
            _ => Ok(()),
        }
    }

    /// One turn of the loop: write what the socket takes, wait for readiness or the
    /// earliest deadline (the machine's or `deadline`), read everything that arrived, tell
    /// the machine the time, and drain its events into the queue.
    fn turn(&mut self, deadline: Option<Instant>) -> Result<(), ClientError> {
        self.flush()?;
        let wake_at = match (self.machine.poll_timeout(), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.wait(wake_at.map(|t| t.saturating_duration_since(Instant::now())))?;
        // Edge-triggered: whatever the event said, read (and write, below) until
        // WouldBlock, or the rest of what is ready would never be reported again.
        self.read_all()?;
        self.flush()?;
        let now = Instant::now();
        if self.machine.poll_timeout().is_some_and(|t| t <= now) {
            self.machine.handle_timeout(now);
        }
        self.drain()?;
        self.flush()
    }

    /// Reads until `WouldBlock` or end of stream, feeding the machine.
    fn read_all(&mut self) -> Result<(), ClientError> {
        while !self.eof {
            match self.stream.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    self.machine.handle_eof();
                }
                Ok(n) => self.machine.handle_input(&self.buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
            self.drain()?;
        }
        Ok(())
    }

    /// Takes the machine's output and writes until `WouldBlock` or nothing is left; what
    /// the socket did not take stays in `out`, in order, for the next writable event.
    fn flush(&mut self) -> Result<(), ClientError> {
        self.machine.poll_transmit(&mut self.out);
        while !self.out.is_empty() {
            match self.stream.write(&self.out) {
                Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero).into()),
                Ok(n) => self.out.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Moves the machine's events to the queue; a fatal one ends the session.
    fn drain(&mut self) -> Result<(), ClientError> {
        while let Some(e) = self.machine.poll_event() {
            if let Event::ConnectionLost(err) = &e {
                return Err(ClientError::Lost(err.to_string()));
            }
            self.queue.push_back(e);
        }
        Ok(())
    }

    /// An event no running command waits for: unsolicited data is kept and shown, the
    /// rest (untagged OK, ...) is ignored.
    fn unsolicited(&mut self, e: Event, on_update: &mut dyn FnMut(&str)) {
        let line = match e {
            Event::Data { data, .. } => wire(Response::Data(data)),
            Event::FlagsChanged { seq, flags, .. } => format!("* {seq} FETCH (FLAGS ({}))", flag_list(&flags)),
            Event::Bye { text, .. } => format!("* BYE {}", text.to_text()),
            Event::UidValidityChanged { old, new } => format!("UIDVALIDITY changed from {old} to {new}"),
            _ => return,
        };
        on_update(&line);
        self.updates.push(line);
    }

    /// Sends `body` and waits for its completion; returns the data that answered it.
    pub(crate) fn run(&mut self, body: CommandBody, on_update: &mut dyn FnMut(&str)) -> Result<Vec<Data>, ClientError> {
        let name = body.name();
        let id = self.machine.send(body)?;
        self.wait_for(id, name, on_update)
    }

    fn wait_for(
        &mut self,
        id: CommandId,
        name: &'static str,
        on_update: &mut dyn FnMut(&str),
    ) -> Result<Vec<Data>, ClientError> {
        let mut data = Vec::new();
        loop {
            while let Some(e) = self.queue.pop_front() {
                match e {
                    Event::CommandCompleted { id: done, status } | Event::CommandRejected { id: done, status }
                        if done == id =>
                    {
                        return match status.kind {
                            StatusKind::Ok => Ok(data),
                            _ => Err(ClientError::Refused { command: name, status: describe(&status) }),
                        };
                    }
                    Event::CommandCancelled { id: done, state } if done == id => {
                        return Err(ClientError::Refused { command: name, status: format!("not sent in {state:?}") });
                    }
                    Event::Data { data: d, command: Some(c) } if c == id => data.push(d),
                    other => self.unsolicited(other, on_update),
                }
            }
            if self.eof {
                return Err(ClientError::Lost(format!("the server closed the connection during {name}")));
            }
            self.turn(None)?;
        }
    }

    /// LOGIN.
    pub(crate) fn login(&mut self, user: &str, pass: &str, on_update: &mut dyn FnMut(&str)) -> Result<(), ClientError> {
        let bad = |what: &str| ClientError::Lost(format!("the {what} is not a valid IMAP string"));
        let username = IString::try_from(user).map_err(|_| bad("user name"))?;
        let password = Secret::new(IString::try_from(pass).map_err(|_| bad("password"))?);
        self.run(CommandBody::Login { username, password }, on_update).map(drop)
    }

    /// APPEND `message` to `mailbox`.
    pub(crate) fn append(
        &mut self,
        mailbox: &str,
        message: Bytes,
        on_update: &mut dyn FnMut(&str),
    ) -> Result<(), ClientError> {
        let bad = |e: imap_machine::types::ValidationError| ClientError::Lost(format!("invalid APPEND: {e}"));
        let body = CommandBody::Append {
            mailbox: Mailbox::from_utf8(mailbox).map_err(bad)?,
            flags: Vec::new(),
            date: None,
            message: Literal::new(message).map_err(bad)?,
        };
        self.run(body, on_update).map(drop)
    }

    /// IDLE for `length` (renewed when the machine says a refresh is due), then DONE.
    /// With `stop_after`, DONE goes as soon as that many updates arrived.
    pub(crate) fn idle(
        &mut self,
        length: Duration,
        stop_after: Option<usize>,
        print: &mut dyn FnMut(Line<'_>),
    ) -> Result<(), ClientError> {
        let end = Instant::now() + length;
        let first = self.updates.len();
        let mut id = self.machine.idle(Instant::now())?;
        let mut done_sent = false;
        let mut refresh = false;
        loop {
            while let Some(e) = self.queue.pop_front() {
                match e {
                    Event::IdleAccepted { id: d } if d == id => print(Line::Idling),
                    Event::IdleRefreshDue { id: d } if d == id => {
                        self.machine.idle_done(id)?;
                        done_sent = true;
                        refresh = true;
                    }
                    Event::CommandCompleted { id: d, status } | Event::CommandRejected { id: d, status } if d == id => {
                        if status.kind != StatusKind::Ok {
                            return Err(ClientError::Refused { command: "IDLE", status: describe(&status) });
                        }
                        if !refresh || Instant::now() >= end {
                            return Ok(());
                        }
                        // The refresh: a new IDLE for the rest of the time.
                        id = self.machine.idle(Instant::now())?;
                        done_sent = false;
                        refresh = false;
                    }
                    other => self.unsolicited(other, &mut |u| print(Line::Update(u))),
                }
            }
            let enough = stop_after.is_some_and(|n| self.updates.len() - first >= n);
            if !done_sent && (enough || Instant::now() >= end) {
                self.machine.idle_done(id)?;
                done_sent = true;
                refresh = false;
                continue;
            }
            if self.eof {
                return Err(ClientError::Lost("the server closed the connection during IDLE".into()));
            }
            self.turn(if done_sent { None } else { Some(end) })?;
        }
    }

    /// LOGOUT; done when the server answers or closes the connection.
    pub(crate) fn logout(mut self) -> Result<(), ClientError> {
        let id = self.machine.send(CommandBody::Logout)?;
        loop {
            while let Some(e) = self.queue.pop_front() {
                match e {
                    Event::CommandCompleted { id: d, status } if d == id => {
                        return match status.kind {
                            StatusKind::Ok => Ok(()),
                            _ => Err(ClientError::Refused { command: "LOGOUT", status: describe(&status) }),
                        };
                    }
                    Event::ConnectionClosed => return Ok(()),
                    _ => {}
                }
            }
            if self.eof {
                return Ok(());
            }
            self.turn(None)?;
        }
    }
}

/// `NO [CODE] text` as the server sent it.
fn describe(status: &StatusResponse) -> String {
    wire(Response::Status { tag: None, status: status.clone() }).trim_start_matches("* ").to_string()
}

/// A response as it goes on the wire, without the CRLF.
fn wire(rsp: Response) -> String {
    let bytes = encode_response(&rsp, &mut BytesMut::new()).to_vec();
    String::from_utf8_lossy(&bytes).trim_end().to_string()
}

fn flag_list(flags: &[FlagFetch]) -> String {
    let names: Vec<String> = flags
        .iter()
        .map(|f| match f {
            FlagFetch::Flag(f) => f.to_string(),
            FlagFetch::Recent => "\\Recent".to_string(),
        })
        .collect();
    names.join(" ")
}

/// `3 UID 7 FLAGS (\Seen) | From Name <a@b> | Subject`: ENVELOPE strings are left encoded
/// by IMAP; RFC 2047 words are decoded here.
fn message_line(seq: u32, items: &[FetchItem]) -> String {
    let mut uid = None;
    let mut flags = String::new();
    let mut envelope: Option<&Envelope> = None;
    for item in items {
        match item {
            FetchItem::Uid(u) => uid = Some(*u),
            FetchItem::Flags(f) => flags = flag_list(f),
            FetchItem::Envelope(e) => envelope = Some(e),
            _ => {}
        }
    }
    let decoder = Decoder::default();
    let (from, subject) = envelope.map_or_else(
        || (String::new(), String::new()),
        |e| {
            let from = e.from.first().map(|a| address(a, &decoder)).unwrap_or_default();
            let subject = e.subject.as_ref().map(|s| decoder.decode(s.as_bytes())).unwrap_or_default();
            (from, subject)
        },
    );
    let uid = uid.map_or_else(|| "?".to_string(), |u| u.to_string());
    format!("{seq} UID {uid} FLAGS ({flags}) | {from} | {subject}")
}

fn address(a: &Address, decoder: &Decoder) -> String {
    let text = |s: &Option<IString>| s.as_ref().map(|s| s.to_text().into_owned()).unwrap_or_default();
    let addr = format!("{}@{}", text(&a.mailbox), text(&a.host));
    match &a.name {
        Some(name) => format!("{} <{addr}>", decoder.decode(name.as_bytes())),
        None => addr,
    }
}
