//! The blocking client: the core's `client::Client` machine over a `TcpStream`.
//!
//! It has the tokio client's surface, method for method, without `async`: the same
//! names, arguments (typed sets from ranges, numbers and text; mailboxes from UTF-8 names)
//! and results ([`CommandResponse`], [`CopyUid`], [`AppendUid`], [`Update`]). A FETCH is
//! an iterator ([`Fetches`]) that reads the socket as it is consumed, so memory stays flat
//! however many messages come back; an IDLE is a handle ([`IdleHandle`]). The untagged
//! data each call returns is what the core machine attributed to that command; the rest
//! waits, bounded, for [`Client::try_next_update`] and [`Client::next_update`], and
//! every message-level change is followed in a [`MailboxView`] ([`Client::view`]).

mod append;
mod body;
mod commands;
mod list;
mod raw;
mod stream;
mod urlauth;

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use imap_machine::client::{self as machine, ClientOptions, CommandId, Event, MailboxView, SelectedMailbox};
use imap_machine::codec::FetchMessage;
use imap_machine::types::{Capability, Code, Data, State, StatusKind, StatusResponse};

pub use body::BodyReader;
pub use imap_machine::client::{
    AppendUid, AppendUids, ArgError, CommandResponse, CopyUid, IntoFetchAttributes, IntoMailbox, IntoSearchCriteria,
    IntoSequenceSet, ListEntry, Update,
};
pub use stream::{Fetches, IdleHandle};

use crate::tap::{Tap, TapSession};
use crate::transport::{Compression, Transport};

/// Why a client call failed (the tokio client's error, variant for variant).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The selected mailbox has no message with this UID.
    #[error("no message with UID {0}")]
    NoSuchMessage(u32),
    /// A socket error.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The TLS handshake or configuration failed.
    #[error("TLS error: {0}")]
    Tls(String),
    /// The command timeout passed.
    #[error("timed out")]
    Timeout,
    /// The server answered `NO`.
    #[error("NO: {}", .0.text.to_text())]
    No(StatusResponse),
    /// The server answered `BAD`.
    #[error("BAD: {}", .0.text.to_text())]
    Bad(StatusResponse),
    /// The server greeted with `* BYE` (e.g. too many connections).
    #[error("server refused the connection: {}", .0.text.to_text())]
    Refused(StatusResponse),
    /// The server ended the connection with `* BYE` while the command was pending.
    #[error("server closed the connection: {}", .0.text.to_text())]
    Bye(StatusResponse),
    /// The server refused a synchronising literal; the command was not sent whole.
    #[error("literal rejected: {}", .0.text.to_text())]
    Rejected(StatusResponse),
    /// A queued command was dropped: an earlier one left the connection in a state where
    /// it is not allowed.
    #[error("command cancelled in the {0:?} state")]
    Cancelled(State),
    /// The client machine refused the call or failed (wrong state, STARTTLS injection,
    /// unexpected EOF, ...).
    #[error(transparent)]
    Protocol(#[from] machine::Error),
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// An argument can't be sent (a NUL byte in a string, a bad sequence set, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(#[from] ArgError),
    /// The server lacks a capability the call needs.
    #[error("the server does not support {0}")]
    Unsupported(&'static str),
}

impl Error {
    fn timed_out(&self) -> bool {
        matches!(self, Error::Io(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
    }
}

/// Options of a connection, then `connect` or `connect_tls` (the tokio builder's options
/// that mean something without a runtime).
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    options: ClientOptions,
    connect_timeout: Option<Duration>,
    command_timeout: Option<Duration>,
    update_capacity: usize,
    tap: Option<Tap>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            options: ClientOptions::default(),
            connect_timeout: Some(Duration::from_secs(30)),
            command_timeout: Some(Duration::from_secs(120)),
            update_capacity: 256,
            tap: None,
        }
    }
}

impl ClientBuilder {
    /// The client machine's options (tag prefix, IDLE refresh, SEARCH charset, limits).
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// How long connecting may take, greeting and TLS handshake included (default 30 s;
    /// `None`: no limit). Every address the name resolves to is tried in turn.
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long the server may stay silent while a command runs (default 120 s; `None`:
    /// no limit). For a FETCH it bounds the wait for each message.
    pub fn command_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// How many unsolicited updates wait unread before they are coalesced into
    /// [`Update::MailboxChanged`] (default 256).
    pub fn update_capacity(mut self, n: usize) -> Self {
        self.update_capacity = n.max(1);
        self
    }

    /// Writes a transcript of the connection (credentials redacted).
    pub fn debug_tap(mut self, tap: Tap) -> Self {
        self.tap = Some(tap);
        self
    }

    fn tcp(&self, addr: impl ToSocketAddrs) -> Result<TcpStream, Error> {
        let Some(timeout) = self.connect_timeout else { return Ok(TcpStream::connect(addr)?) };
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => return Ok(s),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")).into())
    }

    /// Connects over plain TCP (port 143) and waits for the greeting.
    pub fn connect(self, addr: impl ToSocketAddrs) -> Result<Client, Error> {
        let tcp = self.tcp(addr)?;
        self.start(tcp, Transport::Plain)
    }

    /// Connects with implicit TLS (port 993) and waits for the greeting. `server_name`
    /// is the name (or IP address) the certificate must match.
    pub fn connect_tls(
        self,
        addr: impl ToSocketAddrs,
        server_name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<Client, Error> {
        let conn = tls_client(server_name, config)?;
        let tcp = self.tcp(addr)?;
        self.start(tcp, Transport::Tls(Box::new(conn.into())))
    }

    fn start(self, stream: TcpStream, transport: Transport) -> Result<Client, Error> {
        let _ = stream.set_nodelay(true);
        stream.set_read_timeout(self.connect_timeout)?;
        let mut c = Client {
            stream,
            transport,
            z: Compression::default(),
            // FETCH answers in place: validated once, bodies zero-copy, nothing owned built
            // that the caller does not ask for.
            machine: machine::Client::new({
                let mut options = self.options;
                options.fetch_messages = true;
                options
            }),
            greeting: None,
            events: VecDeque::new(),
            updates: VecDeque::new(),
            update_capacity: self.update_capacity,
            overflow: false,
            view: MailboxView::default(),
            abandoned: Vec::new(),
            bye: None,
            tap: self.tap.map(|t| t.client_session()),
            read_buf: vec![0; 64 * 1024],
            command_timeout: self.command_timeout,
        };
        // A TLS client speaks first.
        c.transport.send(&[], &mut c.stream)?;
        while c.greeting.is_none() {
            c.step().map_err(|e| if e.timed_out() { Error::Timeout } else { e })?;
        }
        let greeting = c.greeting.clone().expect("set");
        if greeting.kind == StatusKind::Bye {
            return Err(Error::Refused(greeting));
        }
        c.stream.set_read_timeout(c.command_timeout)?;
        Ok(c)
    }
}

fn tls_client(server_name: &str, config: Arc<rustls::ClientConfig>) -> Result<rustls::ClientConnection, Error> {
    let name = rustls::pki_types::ServerName::try_from(server_name.to_string())
        .map_err(|_| ArgError::ServerName(server_name.to_string()))?;
    rustls::ClientConnection::new(config, name).map_err(|e| Error::Tls(e.to_string()))
}

/// A blocking IMAP client connection. See the module docs.
pub struct Client {
    stream: TcpStream,
    transport: Transport,
    /// COMPRESS (RFC 4978), once on.
    z: Compression,
    machine: machine::Client,
    greeting: Option<StatusResponse>,
    /// Events of the last read, not yet routed.
    events: VecDeque<Event>,
    updates: VecDeque<Update>,
    update_capacity: usize,
    /// Updates were dropped since the last read: the next one read is `MailboxChanged`.
    overflow: bool,
    view: MailboxView,
    /// Commands whose caller stopped listening (a dropped [`Fetches`]): their answers
    /// are read and dropped.
    abandoned: Vec<CommandId>,
    bye: Option<StatusResponse>,
    tap: Option<TapSession>,
    read_buf: Vec<u8>,
    command_timeout: Option<Duration>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("state", &self.machine.state()).finish()
    }
}

/// One routed event: what a waiting call may need.
enum Step {
    /// Untagged data attributed to a command.
    Data(CommandId, Data),
    /// A FETCH response answering a FETCH, read in place.
    Fetch(CommandId, FetchMessage),
    /// A response code of an untagged `OK` (COPYUID of MOVE, ...).
    Code(Code),
    /// A command finished.
    Done(CommandId, Result<StatusResponse, Error>),
    /// Anything else a call may wait for (IDLE, SASL, STARTTLS, the greeting).
    Other(Event),
    /// Nothing for a caller (an update was queued, or a violation noted).
    Nothing,
}

impl Client {
    /// Options first, then connect.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Connects over plain TCP with the default options and waits for the greeting.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Client, Error> {
        ClientBuilder::default().connect(addr)
    }

    /// Connects with implicit TLS with the default options and waits for the greeting.
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        server_name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<Client, Error> {
        ClientBuilder::default().connect_tls(addr, server_name, config)
    }

    /// Connects in plaintext with a connect (and greeting) timeout and no command timeout:
    /// `Client::builder().connect_timeout(Some(t)).command_timeout(None).connect(addr)`.
    pub fn connect_timeout(addr: impl ToSocketAddrs, timeout: Duration) -> Result<Client, Error> {
        ClientBuilder::default().connect_timeout(Some(timeout)).command_timeout(None).connect(addr)
    }

    /// A rustls client configuration trusting the webpki roots.
    pub fn default_tls_config() -> Arc<rustls::ClientConfig> {
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let config =
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("aws-lc-rs supports the default versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
        Arc::new(config)
    }

    /// Logs traffic to a tap from now on (credentials redacted).
    pub fn set_tap(&mut self, tap: Tap) {
        self.tap = Some(tap.client_session());
    }

    /// Sets the command timeout (`None`: wait forever).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        self.command_timeout = timeout;
        self.stream.set_read_timeout(timeout)?;
        Ok(())
    }

    /// The protocol machine (state, capabilities, selected mailbox).
    pub fn machine(&self) -> &machine::Client {
        &self.machine
    }

    /// The server's greeting.
    pub fn greeting(&self) -> &StatusResponse {
        self.greeting.as_ref().expect("a client exists only after its greeting")
    }

    /// The connection state.
    pub fn state(&self) -> State {
        self.machine.state()
    }

    /// The selected mailbox as far as the server told.
    pub fn selected(&self) -> Option<SelectedMailbox> {
        self.machine.selected().cloned()
    }

    /// The selected mailbox as the server told it, message by message ([`MailboxView`]):
    /// sequence number to UID and flags, following every EXISTS, EXPUNGE, FETCH and FLAGS,
    /// solicited or not. A server that breaks the RFC's rules for it shows up as
    /// [`Update::Violation`].
    pub fn view(&self) -> &MailboxView {
        &self.view
    }

    /// The tokio client's way to read the view, for code written against both.
    pub fn with_view<R>(&self, f: impl FnOnce(&MailboxView) -> R) -> R {
        f(&self.view)
    }

    /// The capabilities last announced, without asking the server.
    pub fn cached_capabilities(&self) -> Option<Vec<Capability>> {
        self.machine.capabilities().map(<[Capability]>::to_vec)
    }

    /// An update that already arrived, without reading the socket.
    pub fn try_next_update(&mut self) -> Option<Update> {
        if std::mem::take(&mut self.overflow) {
            return Some(Update::MailboxChanged);
        }
        self.updates.pop_front()
    }

    /// The next unsolicited update, reading the socket until one comes; `None` once the
    /// connection closed (or failed). Like the tokio client's, it waits as long as it
    /// takes; [`IdleHandle::wait`] bounds the wait.
    pub fn next_update(&mut self) -> Option<Update> {
        loop {
            if let Some(u) = self.try_next_update() {
                return Some(u);
            }
            match self.step() {
                Ok(_) => {}
                Err(e) if e.timed_out() => {}
                Err(_) => return self.try_next_update(),
            }
        }
    }

    fn flush(&mut self) -> Result<(), Error> {
        let mut out = BytesMut::new();
        self.machine.poll_transmit(&mut out);
        if !out.is_empty() {
            if let Some(t) = self.tap.as_mut() {
                t.client(&out);
            }
            if self.z.is_on() {
                // One batch: all the machine has now, then a sync flush.
                let mut wire = BytesMut::new();
                self.z.write(&out, &mut wire);
                self.z.flush(&mut wire, false);
                out = wire;
            }
            self.transport.send(&out, &mut self.stream)?;
        }
        Ok(())
    }

    /// Hands octets read (after TLS) to the machine, inflated when compressed, and
    /// queues the events they made; at COMPRESS's OK the layer goes on, and what followed
    /// the OK in this read is the start of the compressed stream.
    fn deliver(&mut self, input: &[u8]) -> Result<(), Error> {
        let (machine, tap) = (&mut self.machine, &mut self.tap);
        self.z.read(input, |plain| {
            if let Some(t) = tap.as_mut() {
                t.server(plain);
            }
            machine.handle_input(plain);
        })?;
        while let Some(e) = self.machine.poll_event() {
            if matches!(e, Event::CompressReady { .. }) {
                let early = self.machine.compression_started()?;
                self.z.start(&[]);
                self.events.push_back(e);
                return self.deliver(&early);
            }
            self.events.push_back(e);
        }
        Ok(())
    }

    /// Sends what the machine has, reads once, and queues the events the input made.
    fn read_some(&mut self) -> Result<(), Error> {
        self.flush()?;
        let n = match self.stream.read(&mut self.read_buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if n == 0 {
            self.machine.handle_eof();
            while let Some(e) = self.machine.poll_event() {
                self.events.push_back(e);
            }
        } else if let Transport::Plain = self.transport {
            let raw = std::mem::take(&mut self.read_buf);
            let r = self.deliver(&raw[..n]);
            self.read_buf = raw;
            r?;
        } else {
            let plain = self.transport.receive(&self.read_buf[..n], &mut self.stream)?;
            self.deliver(&plain)?;
        }
        self.flush()
    }

    /// Reads with the read timeout set to at most `left` (then restores the command
    /// timeout): a read that times out is `Ok(false)`.
    fn read_within(&mut self, left: Duration) -> Result<bool, Error> {
        self.stream.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
        let r = self.read_some();
        self.stream.set_read_timeout(self.command_timeout)?;
        match r {
            Ok(()) => Ok(true),
            Err(e) if e.timed_out() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Runs the machine's timers (IDLE refresh) whose time has come.
    fn timers(&mut self) {
        if self.machine.poll_timeout().is_some_and(|t| t <= Instant::now()) {
            self.machine.handle_timeout(Instant::now());
            while let Some(e) = self.machine.poll_event() {
                self.events.push_back(e);
            }
        }
    }

    /// The next routed event, reading the socket when none is queued.
    fn step(&mut self) -> Result<Step, Error> {
        loop {
            if let Some(e) = self.events.pop_front() {
                return self.route(e);
            }
            self.read_some()?;
        }
    }

    fn push_update(&mut self, u: Update) {
        if self.overflow {
            return;
        }
        if self.updates.len() >= self.update_capacity {
            self.overflow = true;
            return;
        }
        self.updates.push_back(u);
    }

    fn abandoned(&mut self, id: CommandId, done: bool) -> bool {
        let Some(k) = self.abandoned.iter().position(|a| *a == id) else { return false };
        if done {
            self.abandoned.swap_remove(k);
        }
        true
    }

    fn route(&mut self, e: Event) -> Result<Step, Error> {
        let done = |id, r| Ok(Step::Done(id, r));
        match e {
            Event::GreetingReceived { status } => {
                self.greeting = Some(status);
                Ok(Step::Nothing)
            }
            Event::CommandCompleted { id, status } => {
                if self.abandoned(id, true) {
                    return Ok(Step::Nothing);
                }
                done(
                    id,
                    match status.kind {
                        StatusKind::Ok => Ok(status),
                        StatusKind::No => Err(Error::No(status)),
                        _ => Err(Error::Bad(status)),
                    },
                )
            }
            Event::CommandRejected { id, status } if !self.abandoned(id, true) => {
                done(id, Err(Error::Rejected(status)))
            }
            Event::CommandCancelled { id, state } if !self.abandoned(id, true) => {
                done(id, Err(Error::Cancelled(state)))
            }
            Event::Data { data, command } => {
                if self.machine.selected().is_some() {
                    if let Err(v) = self.view.apply(&data) {
                        self.push_update(Update::Violation(v));
                    }
                }
                match command {
                    Some(id) if self.abandoned(id, false) => Ok(Step::Nothing),
                    Some(id) => Ok(Step::Data(id, data)),
                    None => {
                        if let Some(u) = Update::from_data(data) {
                            self.push_update(u);
                        }
                        Ok(Step::Nothing)
                    }
                }
            }
            Event::Fetch { message, command } => {
                if let Err(v) = self.view.apply_fetch(&message) {
                    self.push_update(Update::Violation(v));
                }
                if self.abandoned(command, false) {
                    return Ok(Step::Nothing);
                }
                Ok(Step::Fetch(command, message))
            }
            Event::Status(s) => match Update::from_status(s) {
                Ok(u) => {
                    self.push_update(u);
                    Ok(Step::Nothing)
                }
                Err(s) => Ok(s.code.map_or(Step::Nothing, Step::Code)),
            },
            Event::UidValidityChanged { old, new } => {
                self.push_update(Update::UidValidityChanged { old, new });
                Ok(Step::Nothing)
            }
            Event::Bye { code, text } => {
                let status = StatusResponse::new(StatusKind::Bye, code, text);
                self.bye = Some(status.clone());
                self.push_update(Update::Bye(status));
                Ok(Step::Nothing)
            }
            Event::MalformedResponse { raw, .. } => {
                self.push_update(Update::Malformed(raw));
                Ok(Step::Nothing)
            }
            Event::ConnectionClosed => Err(self.bye.clone().map_or(Error::Closed, Error::Bye)),
            Event::ConnectionLost(err) => match (&err, &self.bye) {
                (machine::ConnectionError::UnexpectedEof, Some(bye)) => Err(Error::Bye(bye.clone())),
                _ => Err(Error::Protocol(machine::Error::Lost(err))),
            },
            Event::BodyStarted { command: Some(id), .. }
            | Event::BodyChunk { command: Some(id), .. }
            | Event::BodyEnded { command: Some(id), .. }
                if self.abandoned(id, false) =>
            {
                Ok(Step::Nothing)
            }
            e @ (Event::IdleAccepted { .. }
            | Event::AppendReady { .. }
            | Event::BodyStarted { .. }
            | Event::BodyChunk { .. }
            | Event::BodyEnded { .. }
            | Event::IdleRefreshDue { .. }
            | Event::AuthChallenge { .. }
            | Event::StartTlsReady { .. }) => Ok(Step::Other(e)),
            _ => Ok(Step::Nothing),
        }
    }

    /// Waits for `id`: its status, the data attributed to it and the codes of untagged
    /// `OK`s meanwhile. SASL challenges go to `respond` (`None` cancels).
    fn wait_with(
        &mut self,
        id: CommandId,
        mut respond: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<CommandResponse, Error> {
        let (mut data, mut codes) = (Vec::new(), Vec::new());
        loop {
            let step = self.step().map_err(|e| if e.timed_out() { Error::Timeout } else { e })?;
            match step {
                Step::Data(c, d) if c == id => data.push(d),
                Step::Fetch(c, m) if c == id => data.push(m.into_data()),
                Step::Code(code) => codes.push(code),
                Step::Done(c, r) if c == id => return r.map(|status| CommandResponse::new(status, data, codes)),
                Step::Other(Event::AuthChallenge { id: c, data }) if c == id => {
                    let _ = match respond(&data) {
                        Some(r) => self.machine.auth_respond(id, &r),
                        None => self.machine.auth_cancel(id),
                    };
                }
                _ => {}
            }
        }
    }

    fn wait(&mut self, id: CommandId) -> Result<CommandResponse, Error> {
        self.wait_with(id, |_| None)
    }

    /// Runs any command; returns its tagged OK and the untagged data attributed to it.
    /// `NO` and `BAD` are errors.
    pub fn run(&mut self, body: imap_machine::types::CommandBody) -> Result<CommandResponse, Error> {
        let starts_over = matches!(
            body,
            imap_machine::types::CommandBody::Select { .. }
                | imap_machine::types::CommandBody::Examine { .. }
                | imap_machine::types::CommandBody::Close
                | imap_machine::types::CommandBody::Unselect
                | imap_machine::types::CommandBody::Unauthenticate
        );
        let id = self.machine.send(body)?;
        if starts_over {
            // What follows is about another mailbox, or none.
            self.view = MailboxView::default();
        }
        self.wait(id)
    }
}
