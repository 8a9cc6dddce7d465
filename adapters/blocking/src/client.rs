//! The blocking client: the core's `client::Client` machine over a `TcpStream`, with
//! typed methods that send a command and wait for its completion. Unsolicited updates
//! that arrive meanwhile are kept for [`Client::updates`]; nothing ever blocks on them.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use imap_machine::client::{self as machine, Authenticator, ClientOptions, CommandId, Event, SelectedMailbox};
use imap_machine::types::{
    Capability, Code, CommandBody, Data, DateTime, FetchAttributes, FetchItem, Flag, IString, ListItem, ListMailbox,
    Literal, Mailbox, SearchKey, Secret, SequenceSet, StatusItem, StatusKind, StatusResponse, StoreKind,
};

use crate::tap::{Tap, TapSession};
use crate::transport::Transport;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The socket failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The server answered NO.
    #[error("NO: {}", .0.text.to_text())]
    No(StatusResponse),
    /// The server answered BAD.
    #[error("BAD: {}", .0.text.to_text())]
    Bad(StatusResponse),
    /// The protocol machine refused or failed.
    #[error("protocol: {0}")]
    Protocol(#[from] machine::Error),
    /// An argument is not valid IMAP.
    #[error("invalid argument: {0}")]
    Invalid(#[from] imap_machine::types::ValidationError),
    /// The connection closed.
    #[error("connection closed")]
    Closed,
}

/// A blocking IMAP client connection.
pub struct Client {
    stream: TcpStream,
    transport: Transport,
    machine: machine::Client,
    events: VecDeque<Event>,
    updates: Vec<Event>,
    tap: Option<TapSession>,
    read_buf: Vec<u8>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("state", &self.machine.state()).finish()
    }
}

impl Client {
    /// Connects in plaintext and reads the greeting.
    pub fn connect(addr: impl ToSocketAddrs) -> Result<Client, Error> {
        Self::start(TcpStream::connect(addr)?, Transport::Plain)
    }

    /// Connects in plaintext and reads the greeting, each within `timeout`: a host that
    /// does not answer, or a server that accepts and never greets, is an `Io` error
    /// (`TimedOut` or `WouldBlock`) instead of a hang. Every address `addr` resolves to is
    /// tried in turn, each with the whole `timeout`. Commands after the greeting have no
    /// timeout; see [`Client::set_timeout`].
    pub fn connect_timeout(addr: impl ToSocketAddrs, timeout: Duration) -> Result<Client, Error> {
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(stream) => {
                    stream.set_read_timeout(Some(timeout))?;
                    let mut c = Self::start(stream, Transport::Plain)?;
                    c.set_timeout(None)?;
                    return Ok(c);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to")).into())
    }

    /// Connects with implicit TLS (port 993) and reads the greeting.
    pub fn connect_tls(
        addr: impl ToSocketAddrs,
        server_name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<Client, Error> {
        let name = rustls::pki_types::ServerName::try_from(server_name.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let conn = rustls::ClientConnection::new(config, name).map_err(|e| io::Error::other(e.to_string()))?;
        Self::start(TcpStream::connect(addr)?, Transport::Tls(Box::new(conn.into())))
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

    fn start(stream: TcpStream, mut transport: Transport) -> Result<Client, Error> {
        let _ = stream.set_nodelay(true);
        let mut stream = stream;
        // A TLS client speaks first.
        transport.send(&[], &mut stream)?;
        let mut c = Client {
            stream,
            transport,
            machine: machine::Client::new(ClientOptions::default()),
            events: VecDeque::new(),
            updates: Vec::new(),
            tap: None,
            read_buf: vec![0; 16 * 1024],
        };
        loop {
            if let Some(e) = c.take(|e| matches!(e, Event::GreetingReceived { .. })) {
                if let Event::GreetingReceived { status } = e {
                    if status.kind == StatusKind::Bye {
                        return Err(Error::No(status));
                    }
                }
                return Ok(c);
            }
            c.read_some()?;
        }
    }

    /// Logs traffic to a tap (credentials redacted).
    pub fn set_tap(&mut self, tap: Tap) {
        self.tap = Some(tap.client_session());
    }

    /// Sets a read timeout on the socket (for command and IDLE timeouts).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> Result<(), Error> {
        self.stream.set_read_timeout(timeout)?;
        Ok(())
    }

    /// The protocol machine (state, capabilities, selected mailbox).
    pub fn machine(&self) -> &machine::Client {
        &self.machine
    }

    /// Unsolicited updates received so far (EXISTS, EXPUNGE, FETCH FLAGS, ...), drained.
    pub fn updates(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.updates)
    }

    fn flush(&mut self) -> Result<(), Error> {
        let mut out = BytesMut::new();
        self.machine.poll_transmit(&mut out);
        if !out.is_empty() {
            if let Some(t) = self.tap.as_mut() {
                t.client(&out);
            }
            self.transport.send(&out, &mut self.stream)?;
        }
        Ok(())
    }

    fn read_some(&mut self) -> Result<(), Error> {
        self.flush()?;
        let n = self.stream.read(&mut self.read_buf)?;
        if n == 0 {
            self.machine.handle_eof();
        } else {
            let raw = self.read_buf[..n].to_vec();
            let plain = self.transport.receive(&raw, &mut self.stream)?;
            if let Some(t) = self.tap.as_mut() {
                t.server(&plain);
            }
            self.machine.handle_input(&plain);
        }
        while let Some(e) = self.machine.poll_event() {
            if let Event::ConnectionLost(err) = &e {
                return Err(Error::Protocol(machine::Error::Lost(err.clone())));
            }
            self.events.push_back(e);
        }
        self.flush()
    }

    fn take(&mut self, pred: impl Fn(&Event) -> bool) -> Option<Event> {
        let k = self.events.iter().position(pred)?;
        self.events.remove(k)
    }

    /// Sends a command and waits for its completion; returns the untagged data that
    /// answers it (the client machine tells which: FETCH data for the FETCH that asked for
    /// those messages, SEARCH for SEARCH, ...). Unsolicited data that came meanwhile is
    /// kept, in order, for [`Client::updates`]; nothing is kept twice.
    pub fn run(&mut self, body: CommandBody) -> Result<Vec<Data>, Error> {
        let id = self.machine.send(body)?;
        self.wait(id, false)
    }

    /// Waits for `id`; its answer, and, if `unsolicited`, the unsolicited data too (NOOP).
    fn wait(&mut self, id: CommandId, unsolicited: bool) -> Result<Vec<Data>, Error> {
        let mut data = Vec::new();
        loop {
            while let Some(e) = self.events.pop_front() {
                match e {
                    Event::CommandCompleted { id: done, status } | Event::CommandRejected { id: done, status }
                        if done == id =>
                    {
                        return match status.kind {
                            StatusKind::Ok => Ok(data),
                            StatusKind::Bad => Err(Error::Bad(status)),
                            _ => Err(Error::No(status)),
                        };
                    }
                    Event::CommandCancelled { id: done, .. } if done == id => return Err(Error::Closed),
                    Event::Data { data: d, command } if command == Some(id) || (unsolicited && command.is_none()) => {
                        data.push(d)
                    }
                    other => self.updates.push(other),
                }
            }
            self.read_some()?;
        }
    }

    /// LOGIN.
    pub fn login(&mut self, username: &str, password: &str) -> Result<(), Error> {
        let username = IString::try_from(username)?;
        let password = Secret::new(IString::try_from(password)?);
        self.run(CommandBody::Login { username, password }).map(|_| ())
    }

    /// AUTHENTICATE with a built-in mechanism (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER).
    pub fn authenticate(&mut self, auth: Authenticator) -> Result<(), Error> {
        let id = self.machine.authenticate(auth)?;
        self.wait(id, false).map(|_| ())
    }

    /// Upgrades with STARTTLS, then refreshes the capabilities.
    pub fn starttls(&mut self, server_name: &str, config: Arc<rustls::ClientConfig>) -> Result<(), Error> {
        let id = self.machine.send(CommandBody::StartTls)?;
        self.wait(id, false)?;
        let name = rustls::pki_types::ServerName::try_from(server_name.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let conn = rustls::ClientConnection::new(config, name).map_err(|e| io::Error::other(e.to_string()))?;
        self.transport = Transport::Tls(Box::new(conn.into()));
        self.transport.send(&[], &mut self.stream)?;
        let id = self.machine.tls_established()?;
        self.wait(id, false).map(|_| ())
    }

    /// The server's capabilities (asked for if unknown).
    pub fn capabilities(&mut self) -> Result<Vec<Capability>, Error> {
        if self.machine.capabilities().is_none() {
            self.run(CommandBody::Capability)?;
        }
        Ok(self.machine.capabilities().map(<[Capability]>::to_vec).unwrap_or_default())
    }

    /// LIST `reference` `pattern`.
    pub fn list(&mut self, reference: &str, pattern: &str) -> Result<Vec<ListItem>, Error> {
        let body =
            CommandBody::List { reference: Mailbox::from_utf8(reference)?, pattern: ListMailbox::from_utf8(pattern)? };
        Ok(self.run(body)?.into_iter().filter_map(|d| if let Data::List(i) = d { Some(i) } else { None }).collect())
    }

    /// SELECT.
    pub fn select(&mut self, mailbox: &str) -> Result<SelectedMailbox, Error> {
        self.run(CommandBody::Select { mailbox: Mailbox::from_utf8(mailbox)? })?;
        self.machine.selected().cloned().ok_or(Error::Closed)
    }

    /// EXAMINE.
    pub fn examine(&mut self, mailbox: &str) -> Result<SelectedMailbox, Error> {
        self.run(CommandBody::Examine { mailbox: Mailbox::from_utf8(mailbox)? })?;
        self.machine.selected().cloned().ok_or(Error::Closed)
    }

    /// FETCH (`uid`: UID FETCH); returns `(sequence number, items)` per message.
    pub fn fetch(
        &mut self,
        set: &str,
        attributes: FetchAttributes,
        uid: bool,
    ) -> Result<Vec<(u32, Vec<FetchItem>)>, Error> {
        let set: SequenceSet = set.parse()?;
        let data = self.run(CommandBody::Fetch { set, attributes, uid })?;
        Ok(data
            .into_iter()
            .filter_map(|d| if let Data::Fetch { seq, items } = d { Some((seq.get(), items)) } else { None })
            .collect())
    }

    /// SEARCH (`uid`: UID SEARCH).
    pub fn search(&mut self, criteria: Vec<SearchKey>, uid: bool) -> Result<Vec<u32>, Error> {
        let data = self.run(CommandBody::Search { charset: None, criteria, uid })?;
        Ok(data.into_iter().flat_map(|d| if let Data::Search { ids, .. } = d { ids } else { Vec::new() }).collect())
    }

    /// STORE (`uid`: UID STORE).
    pub fn store(&mut self, set: &str, kind: StoreKind, flags: Vec<Flag>, uid: bool) -> Result<(), Error> {
        let set: SequenceSet = set.parse()?;
        self.run(CommandBody::Store { set, kind, silent: true, flags, uid }).map(|_| ())
    }

    /// COPY (`uid`: UID COPY).
    pub fn copy(&mut self, set: &str, mailbox: &str, uid: bool) -> Result<(), Error> {
        let set: SequenceSet = set.parse()?;
        self.run(CommandBody::Copy { set, mailbox: Mailbox::from_utf8(mailbox)?, uid }).map(|_| ())
    }

    /// MOVE, falling back to COPY + STORE `\Deleted` + (UID) EXPUNGE without the MOVE
    /// capability.
    pub fn move_messages(&mut self, set: &str, mailbox: &str, uid: bool) -> Result<(), Error> {
        if self.capabilities()?.contains(&Capability::Move) {
            let s: SequenceSet = set.parse()?;
            return self.run(CommandBody::Move { set: s, mailbox: Mailbox::from_utf8(mailbox)?, uid }).map(|_| ());
        }
        self.copy(set, mailbox, uid)?;
        self.store(set, StoreKind::Add, vec![Flag::Deleted], uid)?;
        if uid && self.machine.has_capability(&Capability::UidPlus) {
            self.run(CommandBody::UidExpunge { set: set.parse()? }).map(|_| ())
        } else {
            self.expunge()
        }
    }

    /// APPEND; returns the new UID when the server has UIDPLUS.
    pub fn append(&mut self, mailbox: &str, flags: Vec<Flag>, message: Bytes) -> Result<Option<u32>, Error> {
        self.append_dated(mailbox, flags, None, message)
    }

    /// APPEND with an INTERNALDATE (`None`: the server's time); returns the new UID when
    /// the server has UIDPLUS.
    pub fn append_dated(
        &mut self,
        mailbox: &str,
        flags: Vec<Flag>,
        date: Option<DateTime>,
        message: Bytes,
    ) -> Result<Option<u32>, Error> {
        let body =
            CommandBody::Append { mailbox: Mailbox::from_utf8(mailbox)?, flags, date, message: Literal::new(message)? };
        let id = self.machine.send(body)?;
        loop {
            while let Some(e) = self.events.pop_front() {
                match e {
                    Event::CommandCompleted { id: done, status } | Event::CommandRejected { id: done, status }
                        if done == id =>
                    {
                        return match (status.kind, status.code) {
                            (StatusKind::Ok, Some(Code::AppendUid { uids, .. })) => Ok(uids.iter(u32::MAX).next()),
                            (StatusKind::Ok, _) => Ok(None),
                            (StatusKind::Bad, code) => Err(Error::Bad(StatusResponse { code, ..status })),
                            (_, code) => Err(Error::No(StatusResponse { code, ..status })),
                        };
                    }
                    other => self.updates.push(other),
                }
            }
            self.read_some()?;
        }
    }

    /// EXPUNGE.
    pub fn expunge(&mut self) -> Result<(), Error> {
        self.run(CommandBody::Expunge).map(|_| ())
    }

    /// UID EXPUNGE (RFC 4315): expunges only the `\Deleted` messages among `set`.
    pub fn uid_expunge(&mut self, set: &str) -> Result<(), Error> {
        let set: SequenceSet = set.parse()?;
        self.run(CommandBody::UidExpunge { set }).map(|_| ())
    }

    /// STATUS: the values of `items` for `mailbox`.
    pub fn status(&mut self, mailbox: &str, items: &[StatusItem]) -> Result<Vec<(StatusItem, u64)>, Error> {
        let data = self.run(CommandBody::Status { mailbox: Mailbox::from_utf8(mailbox)?, items: items.to_vec() })?;
        Ok(data
            .into_iter()
            .find_map(|d| if let Data::Status { items, .. } = d { Some(items) } else { None })
            .unwrap_or_default())
    }

    /// CREATE.
    pub fn create(&mut self, mailbox: &str) -> Result<(), Error> {
        self.run(CommandBody::Create { mailbox: Mailbox::from_utf8(mailbox)? }).map(|_| ())
    }

    /// DELETE.
    pub fn delete(&mut self, mailbox: &str) -> Result<(), Error> {
        self.run(CommandBody::Delete { mailbox: Mailbox::from_utf8(mailbox)? }).map(|_| ())
    }

    /// RENAME.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), Error> {
        self.run(CommandBody::Rename { from: Mailbox::from_utf8(from)?, to: Mailbox::from_utf8(to)? }).map(|_| ())
    }

    /// SUBSCRIBE or, with `false`, UNSUBSCRIBE.
    pub fn subscribe(&mut self, mailbox: &str, subscribed: bool) -> Result<(), Error> {
        let mailbox = Mailbox::from_utf8(mailbox)?;
        let body = if subscribed { CommandBody::Subscribe { mailbox } } else { CommandBody::Unsubscribe { mailbox } };
        self.run(body).map(|_| ())
    }

    /// CLOSE: expunges the `\Deleted` messages silently and leaves the mailbox.
    pub fn close(&mut self) -> Result<(), Error> {
        self.run(CommandBody::Close).map(|_| ())
    }

    /// NOOP: returns the unsolicited data that came with it (not kept for `updates`).
    pub fn noop(&mut self) -> Result<Vec<Data>, Error> {
        let id = self.machine.send(CommandBody::Noop)?;
        self.wait(id, true)
    }

    /// IDLE until an update arrives or `timeout` passes, then DONE; returns the updates.
    pub fn idle(&mut self, timeout: Duration) -> Result<Vec<Data>, Error> {
        let id = self.machine.idle(Instant::now())?;
        let deadline = Instant::now() + timeout;
        let mut got = Vec::new();
        let mut done_sent = false;
        loop {
            while let Some(e) = self.events.pop_front() {
                match e {
                    Event::CommandCompleted { id: d, status } if d == id => {
                        return if status.kind == StatusKind::Ok { Ok(got) } else { Err(Error::No(status)) };
                    }
                    Event::Data { data: d, .. } => {
                        got.push(d);
                        if !done_sent {
                            self.machine.idle_done(id)?;
                            done_sent = true;
                        }
                    }
                    other => self.updates.push(other),
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() && !done_sent {
                self.machine.idle_done(id)?;
                done_sent = true;
            }
            self.stream.set_read_timeout(Some(left.max(Duration::from_millis(10))))?;
            match self.read_some() {
                Ok(()) => {}
                Err(Error::Io(e)) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(e) => return Err(e),
            }
            if done_sent {
                self.stream.set_read_timeout(None)?;
            }
        }
    }

    /// LOGOUT.
    pub fn logout(mut self) -> Result<(), Error> {
        match self.run(CommandBody::Logout) {
            Ok(_) | Err(Error::Closed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
