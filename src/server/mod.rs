//! The server state machine: the protocol side of one IMAP server connection.
//!
//! It frames and parses commands, keeps the RFC 3501 §3 states, answers `+` to
//! synchronising literals within the limits, runs the AUTHENTICATE exchange, IDLE,
//! STARTTLS, LOGINDISABLED and autologout, and hands everything about mailboxes to its
//! embedder as [`Event::CommandReceived`]. It follows the crate's run-loop contract:
//! `handle_*`, then drain [`Server::poll_event`] and [`Server::poll_transmit`], then wait
//! for input or [`Server::poll_timeout`]. It reads no clock and opens no socket.
//!
//! ```
//! use std::time::Instant;
//! use bytes::BytesMut;
//! use imap_machine::server::{Event, Server, ServerOptions};
//! use imap_machine::types::{StatusKind, State};
//!
//! let mut server = Server::new(ServerOptions::default(), Instant::now());
//! server.handle_input(b"a1 NOOP\r\n");
//! let Some(Event::CommandReceived { tag, .. }) = server.poll_event() else { panic!() };
//! server.complete(&tag, StatusKind::Ok, None, "NOOP completed").unwrap();
//! let mut out = BytesMut::new();
//! server.poll_transmit(&mut out);
//! assert!(out.ends_with(b"a1 OK NOOP completed\r\n"));
//! assert_eq!(server.state(), State::NotAuthenticated);
//! ```

mod append;
mod brake;
mod compress;
mod event;
mod extension;
mod input;
mod report;
mod stream;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

pub use append::HOLD_WHILE_OFFERED;
pub use event::{Error, Event};
pub use extension::ExtensionCommand;
pub use report::{Report, MAX_WAITING_REPORTS};

use crate::codec::{
    encode_response_with, parse_authenticate_data, parse_command, parse_idle_done, parse_tag_prefix, AuthenticateData,
    Fragment, FrameError, FrameErrorKind, Framer, FramerEvent, FramerOptions, Role,
};
use crate::types::{
    AuthMechanism, Capability, Code, Command, CommandBody, Continue, Data, ListMailbox, Mailbox, Response, Rfc5530Code,
    Secret, State, StatusKind, StatusResponse, Tag, Text,
};

/// The greeting a connection starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Greeting {
    /// `* OK [CAPABILITY ...] text`
    Ok,
    /// `* PREAUTH [CAPABILITY ...] text`: the connection is already authenticated.
    PreAuth,
    /// `* BYE text`: too busy; the connection closes.
    Bye,
}

/// Options of a server connection.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerOptions {
    /// The greeting. Default [`Greeting::Ok`].
    pub greeting: Greeting,
    /// The greeting's text. Default `imap-machine ready`.
    pub greeting_text: String,
    /// Framing limits (line, literal and message length). Default
    /// [`FramerOptions::default`].
    pub framer: FramerOptions,
    /// Malformed commands in a row before `* BYE`. Default 10: enough for a confused
    /// client to recover, few enough to stop a flood.
    pub max_bad_commands: u32,
    /// Inactivity before `* BYE Autologout`. Default 30 minutes, which is also the floor:
    /// RFC 3501 §5.4 forbids shorter.
    pub autologout: Duration,
    /// Whether the connection is already TLS (implicit TLS on port 993).
    pub tls_active: bool,
    /// Whether STARTTLS can be offered (the embedder has a certificate).
    pub starttls_available: bool,
    /// Whether the embedder can put [`crate::compress`] on the socket: COMPRESS=DEFLATE
    /// is offered once authenticated (RFC 4978 §5: `command-auth =/ compress`). Default
    /// `false`.
    pub compress_available: bool,
    /// Whether the TLS layer already compresses, so that COMPRESS gets `NO
    /// [COMPRESSIONACTIVE]` (RFC 4978 §3). rustls never compresses. Default `false`.
    pub tls_compression: bool,
    /// Allow LOGIN and AUTHENTICATE without TLS. Default `false` (RFC 3501 §6.2.3 and
    /// RFC 8314): without TLS the capabilities show LOGINDISABLED and no AUTH=.
    pub allow_insecure_auth: bool,
    /// How long a failed LOGIN or AUTHENTICATE (a tagged NO) waits before it is sent, as
    /// Dovecot's `auth_failure_delay` (2 s there): a password guesser gets one try per
    /// delay per connection. The machine keeps it with its clock ([`Server::poll_timeout`]),
    /// so nothing blocks. Default zero (`imapm serve` uses 2 s).
    pub auth_failure_delay: Duration,
    /// SASL mechanisms offered. Default PLAIN and LOGIN, which the machine runs itself;
    /// others are relayed as [`Event::AuthData`].
    pub auth_mechanisms: Vec<AuthMechanism>,
    /// Capabilities the embedder implements (e.g. MOVE, UIDPLUS, NAMESPACE), added to
    /// the computed ones.
    pub extra_capabilities: Vec<Capability>,
    /// Stream the message literal of an APPEND longer than this to the embedder in chunks
    /// as it arrives ([`Event::AppendStarted`]), instead of buffering it whole. Default
    /// `None`: every APPEND arrives whole in [`Event::CommandReceived`], within the
    /// framer's limits. `store::Session::server_options` turns it on.
    pub stream_appends_over: Option<u64>,
    /// The longest message a streamed APPEND may carry; a longer one is refused with
    /// `NO [TOOBIG]` before the client sends it (RFC 7889). Default 64 MiB, the framer's
    /// literal limit: a limit on what a mailbox takes, no longer on memory, since a
    /// streamed message is never held whole. Raise it for a store on disk.
    pub max_append_len: u64,
    /// Commands the embedder adds (the extension point): a registered name this crate
    /// does not parse arrives as [`CommandBody::Raw`] in the states it is registered for,
    /// and its capabilities are advertised. Default none: every unknown command gets
    /// `BAD unknown command`.
    pub extensions: Vec<ExtensionCommand>,
    /// Reports each command's name as it starts and its status as it completes
    /// ([`Server::poll_report`]), for logs and metrics. Default off.
    pub report_commands: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            greeting: Greeting::Ok,
            greeting_text: "imap-machine ready".into(),
            framer: FramerOptions::default(),
            max_bad_commands: 10,
            autologout: Duration::from_secs(30 * 60),
            tls_active: false,
            starttls_available: false,
            compress_available: false,
            tls_compression: false,
            allow_insecure_auth: false,
            auth_failure_delay: Duration::ZERO,
            auth_mechanisms: vec![AuthMechanism::Plain, AuthMechanism::Login],
            extra_capabilities: Vec::new(),
            stream_appends_over: None,
            max_append_len: 64 * 1024 * 1024,
            extensions: Vec::new(),
            report_commands: false,
        }
    }
}

/// The AUTHENTICATE exchange in progress.
#[derive(Debug)]
struct AuthExchange {
    tag: Tag,
    mechanism: AuthMechanism,
    /// LOGIN's user name, once given.
    login_user: Option<String>,
    /// Waiting for the embedder (no client line expected now).
    with_embedder: bool,
}

/// What a pending command does to the state when it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transition {
    None,
    Authenticate,
    Select,
    Deselect,
    /// UNAUTHENTICATE (RFC 8437 §3): back to the not authenticated state.
    Unauthenticate,
    Idle,
    /// ENABLE (RFC 5161): later commands are read in the mode it may turn on
    /// ([`Server::set_utf8`]), so they wait for its answer.
    Enable,
    /// COMPRESS (RFC 4978), waiting for the commands before it: later commands wait too.
    Compress,
}

/// The server machine (see the module docs).
#[derive(Debug)]
pub struct Server {
    options: ServerOptions,
    framer: Framer,
    state: State,
    tls_active: bool,
    /// Paused after `OK Begin TLS` until `tls_established`.
    tls_pause: bool,
    /// Tags waiting for completion, with what completing them does.
    pending: Vec<(Tag, Transition)>,
    /// Messages received while a state-changing command was pending.
    held: VecDeque<Bytes>,
    auth: Option<AuthExchange>,
    /// The running IDLE: its tag, and whether DONE arrived.
    idle: Option<(Tag, bool)>,
    bad_streak: u32,
    out: VecDeque<Bytes>,
    events: VecDeque<Event>,
    deadline: Instant,
    active_since_deadline: bool,
    fatal: Option<Error>,
    closed: bool,
    scratch: BytesMut,
    /// A literal the framer offered, to decide ([`ServerOptions::stream_appends_over`]).
    offer: Option<append::Offer>,
    /// The APPEND whose message is streamed.
    streaming: Option<append::Streaming>,
    /// UTF-8 mailbox names and quoted strings ([`Server::set_utf8`]).
    utf8: bool,
    /// COMPRESS's stage.
    compress: compress::Stage,
    /// Octets received after the COMPRESS line while it starts (compressed).
    early: BytesMut,
    /// A FETCH literal being sent in pieces, and the responses that wait for its end.
    outgoing: Option<stream::OutLiteral>,
    /// The login brakes: a failed login's delayed answer, refused logins, failures.
    brake: brake::Brake,
    /// Commands started and completed, for the embedder's logs and metrics.
    reports: report::Reports,
}

fn text(s: &str) -> Text {
    Text::try_from(s).unwrap_or_else(|_| Text::try_from("-").expect("valid"))
}

impl Server {
    /// A connection that has just been accepted at `now`; the greeting is queued.
    pub fn new(mut options: ServerOptions, now: Instant) -> Self {
        options.autologout = options.autologout.max(Duration::from_secs(30 * 60));
        let framer = Framer::new(Role::Server, append::framer_options(&options));
        let mut s = Server {
            tls_active: options.tls_active,
            framer,
            state: State::NotAuthenticated,
            tls_pause: false,
            pending: Vec::new(),
            held: VecDeque::new(),
            auth: None,
            idle: None,
            bad_streak: 0,
            out: VecDeque::new(),
            events: VecDeque::new(),
            deadline: now + options.autologout,
            active_since_deadline: false,
            fatal: None,
            closed: false,
            scratch: BytesMut::new(),
            offer: None,
            streaming: None,
            utf8: false,
            compress: compress::Stage::Off,
            early: BytesMut::new(),
            outgoing: None,
            brake: brake::Brake::new(now),
            reports: report::Reports::new(options.report_commands),
            options,
        };
        let (kind, code) = match s.options.greeting {
            Greeting::Ok => (StatusKind::Ok, Some(Code::Capability(s.capabilities()))),
            Greeting::PreAuth => {
                s.state = State::Authenticated;
                (StatusKind::PreAuth, Some(Code::Capability(s.capabilities())))
            }
            Greeting::Bye => (StatusKind::Bye, None),
        };
        let t = text(&s.options.greeting_text.clone());
        s.emit(&Response::Status { tag: None, status: StatusResponse::new(kind, code, t) });
        if s.options.greeting == Greeting::Bye {
            s.close();
        }
        s
    }

    /// The connection state (RFC 3501 §3).
    pub fn state(&self) -> State {
        self.state
    }

    /// The capabilities for the current state and transport.
    pub fn capabilities(&self) -> Vec<Capability> {
        let mut caps = vec![Capability::Imap4rev1];
        // IMAP4rev2 (RFC 9051 Appendix A) is the embedder's to serve; it goes beside rev1.
        if self.options.extra_capabilities.contains(&Capability::Imap4rev2) {
            caps.push(Capability::Imap4rev2);
        }
        caps.extend([Capability::LiteralPlus, Capability::SaslIr, Capability::Idle]);
        let secure = self.tls_active || self.options.allow_insecure_auth;
        if self.state != State::NotAuthenticated && self.options.compress_available && !self.options.tls_compression {
            caps.push(Capability::CompressDeflate);
        }
        if self.state == State::NotAuthenticated {
            if self.options.starttls_available && !self.tls_active {
                caps.push(Capability::StartTls);
            }
            if secure {
                caps.extend(self.options.auth_mechanisms.iter().cloned().map(Capability::Auth));
            } else {
                caps.push(Capability::LoginDisabled);
            }
        }
        for c in self.options.extra_capabilities.iter().chain(self.extension_capabilities()) {
            if !caps.contains(c) {
                caps.push(c.clone());
            }
        }
        caps
    }

    /// Whether the embedder serves `cap`: it is among [`ServerOptions::extra_capabilities`]
    /// or a registered extension's. A session uses it to follow what it advertises (RFC
    /// 6855 §4 obliges a server advertising `UTF8=ACCEPT` to refuse 8-bit headers from a
    /// client that did not enable it).
    pub fn serves(&self, cap: &Capability) -> bool {
        self.options.extra_capabilities.iter().chain(self.extension_capabilities()).any(|c| c == cap)
    }

    /// Turns UTF-8 on the wire on or off, as the embedder's ENABLE of IMAP4rev2 or
    /// UTF8=ACCEPT decides (RFC 9051 §5.1, RFC 6855 §3): from then on the mailbox names
    /// of commands are read as UTF-8 and reported in modified UTF-7 (the form
    /// [`crate::types::Mailbox`] keeps), and responses write names in UTF-8 and may quote
    /// UTF-8 strings. UNAUTHENTICATE turns it off (RFC 8437 §3).
    pub fn set_utf8(&mut self, on: bool) {
        self.utf8 = on;
    }

    /// Whether UTF-8 is on the wire ([`Server::set_utf8`]).
    pub fn utf8(&self) -> bool {
        self.utf8
    }

    fn emit(&mut self, rsp: &Response) {
        let out = match self.outgoing.as_mut() {
            // In the middle of a streamed literal: after its end.
            Some(o) => &mut o.waiting,
            None => &mut self.out,
        };
        for f in encode_response_with(rsp, self.utf8, &mut self.scratch).into_fragments() {
            match f {
                Fragment::Line(b) | Fragment::Literal { data: b, .. } => out.push_back(b),
            }
        }
    }

    fn tagged(&mut self, tag: &Tag, kind: StatusKind, code: Option<Code>, t: &str) {
        self.reports.completed(tag, kind);
        self.emit(&Response::Status { tag: Some(tag.clone()), status: StatusResponse::new(kind, code, text(t)) });
    }

    fn untagged(&mut self, kind: StatusKind, code: Option<Code>, t: &str) {
        self.emit(&Response::Status { tag: None, status: StatusResponse::new(kind, code, text(t)) });
    }

    fn close(&mut self) {
        if !self.closed {
            self.closed = true;
            self.state = State::Logout;
            self.events.push_back(Event::Closed);
        }
    }

    /// Sends an untagged response or continuation (data, `* OK [ALERT]`, `* BYE`, ...).
    /// During IDLE it goes straight out.
    pub fn send(&mut self, rsp: &Response) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        if rsp.is_tagged() {
            return Err(Error::InvalidState);
        }
        self.emit(rsp);
        Ok(())
    }

    /// Sends untagged data.
    pub fn send_data(&mut self, data: Data) -> Result<(), Error> {
        self.send(&Response::Data(data))
    }

    /// Completes the command `tag` with its tagged status; exactly once per tag. The
    /// state follows: an OK to LOGIN/AUTHENTICATE logs in (the OK gets a CAPABILITY code
    /// unless it has a code), an OK to SELECT/EXAMINE selects, any other answer to them
    /// leaves no mailbox selected, an OK to CLOSE/UNSELECT deselects, an OK to
    /// UNAUTHENTICATE returns to the not authenticated state (RFC 8437 §3).
    ///
    /// A failed login (NO to LOGIN or AUTHENTICATE) is sent after
    /// [`ServerOptions::auth_failure_delay`]; later commands wait for it.
    pub fn complete(&mut self, tag: &Tag, kind: StatusKind, code: Option<Code>, t: &str) -> Result<(), Error> {
        if self.closed {
            return Err(Error::Closed);
        }
        let Some(pos) = self.pending.iter().position(|(p, _)| p == tag) else {
            return Err(Error::UnknownTag);
        };
        if self.pending[pos].1 == Transition::Authenticate && kind == StatusKind::No {
            self.brake.failures += 1;
            if !self.options.auth_failure_delay.is_zero() {
                self.brake.hold(tag.clone(), code, t);
                return Ok(());
            }
        }
        self.finish(tag, pos, kind, code, t);
        Ok(())
    }

    /// Sends the tagged answer of `self.pending[pos]` and makes its state change.
    fn finish(&mut self, tag: &Tag, pos: usize, kind: StatusKind, code: Option<Code>, t: &str) {
        let (_, transition) = self.pending.remove(pos);
        self.complete_streaming(tag);
        let ok = kind == StatusKind::Ok;
        let mut code = code;
        match transition {
            Transition::Authenticate => {
                self.auth = None;
                if ok {
                    self.state = State::Authenticated;
                    if code.is_none() {
                        code = Some(Code::Capability(self.capabilities()));
                    }
                }
            }
            Transition::Select => self.state = if ok { State::Selected } else { State::Authenticated },
            Transition::Deselect if ok => self.state = State::Authenticated,
            Transition::Unauthenticate if ok => {
                self.state = State::NotAuthenticated;
                self.utf8 = false;
            }
            Transition::Idle => self.idle = None,
            _ => {}
        }
        self.tagged(tag, kind, code, t);
        self.compress_when_alone();
        self.release_held();
    }

    /// Sends a SASL challenge for a relayed mechanism ([`Event::AuthData`]).
    pub fn auth_challenge(&mut self, tag: &Tag, data: &[u8]) -> Result<(), Error> {
        match &mut self.auth {
            Some(a) if &a.tag == tag => a.with_embedder = false,
            _ => return Err(Error::UnknownTag),
        }
        let rsp = if data.is_empty() {
            Response::Continue(Continue::Basic { code: None, text: Text::unvalidated(Bytes::new()) })
        } else {
            Response::Continue(Continue::Base64(Bytes::copy_from_slice(data)))
        };
        self.emit(&rsp);
        Ok(())
    }

    /// The TLS handshake after [`Event::StartTls`] finished: resume reading.
    pub fn tls_established(&mut self) -> Result<(), Error> {
        if !self.tls_pause {
            return Err(Error::InvalidState);
        }
        self.tls_pause = false;
        self.tls_active = true;
        self.framer = Framer::new(Role::Server, self.options.framer.clone());
        Ok(())
    }

    /// Ends the connection with `* BYE text` (server shutdown).
    pub fn shutdown(&mut self, t: &str) {
        if !self.closed {
            self.untagged(StatusKind::Bye, None, t);
            self.close();
        }
    }

    /// Buffers received bytes and processes every whole command in them.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn handle_input(&mut self, data: &[u8]) {
        if self.fatal.is_some() || self.closed || data.is_empty() {
            return;
        }
        if self.tls_pause {
            // Plaintext after STARTTLS: discarded, never executed.
            return;
        }
        if self.compress == compress::Stage::Starting {
            // Compressed already (the adapter should have waited for the switch).
            self.early.extend_from_slice(data);
            return;
        }
        self.framer.handle_input(data);
        self.pump_framer();
    }

    /// The client closed the connection.
    pub fn handle_eof(&mut self) {
        if self.fatal.is_none() && !self.closed {
            self.fatal = Some(Error::Eof);
            self.state = State::Logout;
            self.events.push_back(Event::ConnectionLost(Error::Eof));
        }
    }

    /// Tells the machine the time; call when [`Server::poll_timeout`]'s deadline passes.
    ///
    /// Autologout without a clock: at each deadline, if a whole command (or a whole
    /// malformed one) arrived since the previous one, the next deadline is `now +
    /// autologout`; otherwise the connection ends with `* BYE Autologout`. The client is thus
    /// never logged out before a full `autologout` after its last command (RFC 3501 §5.4:
    /// "the receipt of ANY command ... should suffice to reset"), and at most twice that
    /// after it. Bytes that do not complete a command do not count, so a client trickling
    /// them (slowloris) goes like a silent one.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.brake_timeout(now);
        if self.closed || self.fatal.is_some() || now < self.deadline {
            return;
        }
        if self.active_since_deadline {
            self.active_since_deadline = false;
            self.deadline = now + self.options.autologout;
        } else {
            self.shutdown("Autologout; idle for too long");
        }
    }

    /// The next deadline at which to call [`Server::handle_timeout`].
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn poll_timeout(&self) -> Option<Instant> {
        let next = self.brake.deadline().map_or(self.deadline, |d| d.min(self.deadline));
        (!self.closed && self.fatal.is_none()).then_some(next)
    }

    /// The next event. Call until `None` after every `handle_*` call and reply.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The events [`Server::poll_event`] will return, without taking them: an embedder
    /// checks whether slow work waits (a login whose password hash takes time) before it
    /// decides where to handle them.
    pub fn pending_events(&self) -> impl Iterator<Item = &Event> {
        self.events.iter()
    }

    /// Appends the bytes to send to `buf`; returns how many. Call until it returns 0
    /// after every `handle_*` call and reply.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn poll_transmit(&mut self, buf: &mut BytesMut) -> usize {
        let mut n = 0;
        while let Some(b) = self.out.pop_front() {
            n += b.len();
            buf.extend_from_slice(&b);
        }
        n
    }

    /// The next chunk to send as a zero-copy [`Bytes`] (large literal bodies stay the
    /// embedder's own buffers), for vectored writes. Mixes freely with `poll_transmit`.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn poll_transmit_bytes(&mut self) -> Option<Bytes> {
        self.out.pop_front()
    }

    /// Whether bytes are waiting in [`Server::poll_transmit`]: an embedder that runs long
    /// work in steps (`store::Session::resume`) waits for them to drain first.
    pub fn has_transmit(&self) -> bool {
        !self.out.is_empty()
    }

    /// Whether the connection is over (after [`Event::Closed`] or a fatal error); flush
    /// the output, then close the socket.
    pub fn is_closed(&self) -> bool {
        self.closed || self.fatal.is_some()
    }
}

#[cfg(test)]
mod compress_tests;
#[cfg(test)]
mod tests;
