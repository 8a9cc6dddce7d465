//! The client state machine: a sans-I/O IMAP client connection.
//!
//! It follows the run-loop contract of the crate docs: feed it with
//! [`Client::handle_input`], [`Client::handle_eof`] and [`Client::handle_timeout`], give it
//! commands with [`Client::send`] and friends, then drain [`Client::poll_event`] and
//! [`Client::poll_transmit`], and wait for input or [`Client::poll_timeout`]. It never reads
//! a clock, never blocks and never keeps an untagged response waiting for its user.
//!
//! ```
//! use bytes::BytesMut;
//! use imap_machine::client::{Client, ClientOptions, Event};
//! use imap_machine::types::{CommandBody, IString, Secret};
//!
//! let mut client = Client::new(ClientOptions::default());
//! client.handle_input(b"* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n");
//! assert!(matches!(client.poll_event(), Some(Event::GreetingReceived { .. })));
//! let id = client.send(CommandBody::Login {
//!     username: IString::from_static("joe"),
//!     password: Secret::new(IString::from_static("p w")),
//! }).unwrap();
//! let mut out = BytesMut::new();
//! client.poll_transmit(&mut out);
//! assert_eq!(&out[..], b"A1 LOGIN joe \"p w\"\r\n");
//! client.handle_input(b"A1 OK done\r\n");
//! assert!(matches!(client.poll_event(), Some(Event::CommandCompleted { id: done, .. }) if done == id));
//! ```

mod append_stream;
mod args;
mod attribution;
mod body;
mod compress;
mod event;
mod list;
mod responses;
mod results;
mod resync;
mod sasl;
mod state;
pub(crate) mod vanish;
mod view;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};

pub use args::{metadata_entries, ArgError, IntoFetchAttributes, IntoMailbox, IntoSearchCriteria, IntoSequenceSet};
pub use event::{ConnectionError, Error, Event};
pub use list::{list_entries, list_extended_command, ListEntry};
pub use results::{AppendUid, AppendUids, CommandResponse, CopyUid, ESearch, QuotaRoots, Update};
pub use resync::{Changes, MessageChange, Resync, ResyncMethod, Resyncer, SyncState};
pub use sasl::Authenticator;
pub use state::{SelectedMailbox, State};
pub use view::{MailboxView, MessageView, ViewError};

use crate::codec::{
    encode_command, parse_response, EncodeOptions, FetchItemView, FetchMessage, Fragment, Framer, FramerEvent,
    FramerOptions, LiteralPolicy, Role,
};
use crate::types::{
    Capability, Code, Command, CommandBody, Continue, Data, FetchItem, IString, Response, SearchKey, Secret,
    StatusKind, StatusResponse, Tag,
};
use attribution::Collects;

/// Whether a framed response is `* <number> FETCH `, the one shape read in place.
fn is_fetch(raw: &[u8]) -> bool {
    let Some(rest) = raw.strip_prefix(b"* ") else { return false };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0 && rest[digits..].len() >= 7 && rest[digits..digits + 7].eq_ignore_ascii_case(b" FETCH ")
}

/// Identifies a command from [`Client::send`] to its completion event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(u64);

/// How SEARCH picks its CHARSET.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SearchCharset {
    /// `CHARSET UTF-8` when a search string is not ASCII, none otherwise; on
    /// `NO [BADCHARSET]` retry once without CHARSET when every string is ASCII.
    #[default]
    Auto,
    /// Always send this charset.
    Always(IString),
}

/// Options of a client connection.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Tag prefix; tags are the prefix and a counter (`A1`, `A2`, ...). Default `"A"`; one
    /// with characters a tag may not hold (a space, `+`, `*`, ...) is replaced by `"A"`.
    pub tag_prefix: String,
    /// How long an IDLE may run before [`Event::IdleRefreshDue`]. Default 25 minutes:
    /// under the 30-minute autologout floor of RFC 3501 §5.4 and the 29 minutes RFC 2177
    /// recommends.
    pub idle_refresh: Duration,
    /// SEARCH charset policy. Default [`SearchCharset::Auto`].
    pub search_charset: SearchCharset,
    /// Framing limits for responses. Default: [`FramerOptions::default`] with
    /// `allow_bare_lf` on, because a client must survive broken servers.
    pub framer: FramerOptions,
    /// Hand out the answers of a FETCH as [`Event::Fetch`] with a [`FetchMessage`]
    /// (validated once, read in place, bodies zero-copy), instead of [`Event::Data`] with
    /// owned items. Default `false`; the adapters turn it on, as a FETCH of 10,000
    /// envelopes then builds no owned envelope the caller does not ask for.
    pub fetch_messages: bool,
    /// Hand out a FETCH body literal longer than this in pieces as it arrives
    /// ([`Event::BodyStarted`], [`Event::BodyChunk`], [`Event::BodyEnded`]), never whole in
    /// memory, whatever its length: the framer's literal limits no longer apply to it.
    /// The FETCH response then shows the item empty. Default `None`: every body arrives
    /// whole in its response, within [`FramerOptions::max_literal_len`]. This sets the
    /// framer's [`FramerOptions::offer_literals_over`].
    pub stream_bodies_over: Option<u64>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            tag_prefix: "A".into(),
            idle_refresh: Duration::from_secs(25 * 60),
            search_charset: SearchCharset::Auto,
            framer: FramerOptions { allow_bare_lf: true, ..FramerOptions::default() },
            fetch_messages: false,
            stream_bodies_over: None,
        }
    }
}

/// What a command does to the machine when it completes.
#[derive(Clone, Debug)]
enum Kind {
    Plain,
    Capability,
    Login,
    Authenticate {
        auth: Authenticator,
        step: usize,
        ir_sent: bool,
    },
    Select {
        mailbox: crate::types::Mailbox,
        read_only: bool,
    },
    Deselect,
    Unauthenticate,
    Logout,
    StartTls,
    Compress,
    Idle {
        accepted: bool,
        done_requested: bool,
        deadline: Option<Instant>,
        refresh_sent: bool,
    },
    Search {
        retry: Option<CommandBody>,
    },
    /// An APPEND whose message the embedder gives in pieces ([`Client::append_stream`]):
    /// its announced size, the octets given, and whether they may go now.
    AppendStream {
        size: u64,
        sent: u64,
        ready: bool,
    },
}

/// A command between `send` and its completion.
#[derive(Debug)]
struct Pending {
    id: CommandId,
    tag: Tag,
    kind: Kind,
    /// The untagged data it answers with.
    collects: Collects,
    body: Option<CommandBody>,
    /// Fragments not yet transmitted (after a synchronising literal's wait).
    rest: VecDeque<Fragment>,
    uses_seq: bool,
    may_expunge: bool,
    is_store_or_fetch: bool,
    is_store: bool,
    barrier: bool,
}

/// The client machine (see the module docs).
#[derive(Debug)]
pub struct Client {
    options: ClientOptions,
    framer: Framer,
    state: State,
    greeted: bool,
    capabilities: Option<Vec<Capability>>,
    /// Capabilities were (re)sent while the current LOGIN/AUTHENTICATE ran.
    caps_during_auth: bool,
    selected: Option<SelectedMailbox>,
    next_tag: u64,
    next_id: u64,
    queued: VecDeque<Pending>,
    inflight: Vec<Pending>,
    /// Index in `inflight` of the command waiting for a `+`.
    waiting: Option<usize>,
    out: VecDeque<Bytes>,
    events: VecDeque<Event>,
    tls_pause: bool,
    /// COMPRESS's stage.
    compress: compress::Stage,
    /// Octets read after COMPRESS's OK, before the layer is on (compressed).
    early: BytesMut,
    fatal: Option<ConnectionError>,
    closed: bool,
    encode_buf: BytesMut,
    /// What the server said ENABLE turned on (RFC 5161 `* ENABLED`).
    enabled: Vec<Capability>,
    /// The highest MODSEQ in FETCH responses since the last tagged response, and whether
    /// a HIGHESTMODSEQ code came meanwhile (RFC 7162 §6: it wins, even if lower).
    modseq_seen: Option<u64>,
    modseq_code: bool,
    /// The FETCH body being streamed ([`ClientOptions::stream_bodies_over`]).
    body: Option<body::BodyStream>,
    /// The head of the response whose body is streamed, with the literal empty.
    body_head: Option<BytesMut>,
    /// Commands whose bodies stream over a length of their own ([`Client::stream_bodies_of`]).
    body_streams: Vec<(CommandId, u64)>,
}

fn is_ascii_search(keys: &[SearchKey]) -> bool {
    fn ascii(k: &SearchKey) -> bool {
        use SearchKey::*;
        match k {
            Bcc(s) | Body(s) | Cc(s) | From(s) | Subject(s) | Text(s) | To(s) => s.as_bytes().is_ascii(),
            Header(a, b) => a.as_bytes().is_ascii() && b.as_bytes().is_ascii(),
            Not(k) => ascii(k),
            Or(a, b) => ascii(a) && ascii(b),
            And(v) => v.iter().all(ascii),
            _ => true,
        }
    }
    keys.iter().all(ascii)
}

impl Client {
    /// A client waiting for the server's greeting. A [`ClientOptions::tag_prefix`] that
    /// is not made of tag characters (RFC 3501 §9 `tag`) is replaced by `"A"`.
    pub fn new(mut options: ClientOptions) -> Self {
        if Tag::try_from(format!("{}1", options.tag_prefix)).is_err() {
            options.tag_prefix = "A".into();
        }
        options.framer.offer_literals_over = options.stream_bodies_over;
        let framer = Framer::new(Role::Client, options.framer.clone());
        Client {
            options,
            framer,
            state: State::NotAuthenticated,
            greeted: false,
            capabilities: None,
            caps_during_auth: false,
            selected: None,
            next_tag: 1,
            next_id: 0,
            queued: VecDeque::new(),
            inflight: Vec::new(),
            waiting: None,
            out: VecDeque::new(),
            events: VecDeque::new(),
            tls_pause: false,
            compress: compress::Stage::Off,
            early: BytesMut::new(),
            fatal: None,
            closed: false,
            encode_buf: BytesMut::new(),
            enabled: Vec::new(),
            modseq_seen: None,
            modseq_code: false,
            body: None,
            body_head: None,
            body_streams: Vec::new(),
        }
    }

    /// The connection state (RFC 3501 §3).
    pub fn state(&self) -> State {
        self.state
    }

    /// What the server said ENABLE turned on in this session (RFC 5161 `* ENABLED`).
    pub fn enabled(&self) -> &[Capability] {
        &self.enabled
    }

    /// The capabilities the server last announced, or `None` if unknown (not yet sent,
    /// or dropped after STARTTLS or authentication).
    pub fn capabilities(&self) -> Option<&[Capability]> {
        self.capabilities.as_deref()
    }

    /// Whether the server announced `cap`.
    pub fn has_capability(&self, cap: &Capability) -> bool {
        self.capabilities.as_ref().is_some_and(|c| c.contains(cap))
    }

    /// Whether the server reported `cap` enabled (`* ENABLED`, RFC 5161), for example
    /// [`Capability::Imap4rev2`] after `ENABLE IMAP4rev2`. UNAUTHENTICATE forgets it.
    pub fn is_enabled(&self, cap: &Capability) -> bool {
        self.enabled.contains(cap)
    }

    /// Whether mailbox names are UTF-8 on the wire: IMAP4rev2 or UTF8=ACCEPT is enabled
    /// (RFC 9051 §5.1, RFC 6855 §3). The machine translates them both ways, so
    /// [`crate::types::Mailbox`] values stay in modified UTF-7 either way.
    pub fn utf8_names(&self) -> bool {
        self.is_enabled(&Capability::Imap4rev2) || self.is_enabled(&Capability::Utf8Accept)
    }

    /// The selected mailbox, as far as the server has told.
    pub fn selected(&self) -> Option<&SelectedMailbox> {
        self.selected.as_ref()
    }

    fn check_fatal(&self) -> Result<(), Error> {
        match &self.fatal {
            Some(e) => Err(Error::Lost(e.clone())),
            None if self.closed => Err(Error::Closed),
            None => Ok(()),
        }
    }

    /// The state the connection will be in once every pending command succeeds.
    fn projected_state(&self) -> State {
        let mut s = self.state;
        for p in self.inflight.iter().chain(self.queued.iter()) {
            s = match &p.kind {
                Kind::Login | Kind::Authenticate { .. } => State::Authenticated,
                Kind::Select { .. } => State::Selected,
                Kind::Deselect => State::Authenticated,
                Kind::Unauthenticate => State::NotAuthenticated,
                Kind::Logout => State::Logout,
                _ => s,
            };
        }
        s
    }

    /// Queues a command. Refused locally, with nothing sent, if it is not allowed in the
    /// state the connection will be in. Completion comes as [`Event::CommandCompleted`]
    /// with the returned id.
    pub fn send(&mut self, body: CommandBody) -> Result<CommandId, Error> {
        let kind = match &body {
            CommandBody::Capability => Kind::Capability,
            CommandBody::Login { .. } => Kind::Login,
            CommandBody::Select { mailbox, .. } => Kind::Select { mailbox: mailbox.clone(), read_only: false },
            CommandBody::Examine { mailbox, .. } => Kind::Select { mailbox: mailbox.clone(), read_only: true },
            CommandBody::Close | CommandBody::Unselect => Kind::Deselect,
            CommandBody::Unauthenticate => Kind::Unauthenticate,
            CommandBody::Logout => Kind::Logout,
            CommandBody::StartTls => Kind::StartTls,
            CommandBody::Compress { .. } => Kind::Compress,
            CommandBody::Idle => {
                Kind::Idle { accepted: false, done_requested: false, deadline: None, refresh_sent: false }
            }
            CommandBody::Search { .. } => Kind::Search { retry: None },
            CommandBody::Authenticate { mechanism, initial_response } => Kind::Authenticate {
                auth: Authenticator::Custom {
                    mechanism: mechanism.clone(),
                    initial_response: initial_response.as_ref().map(|s| s.expose().clone()),
                },
                step: 0,
                ir_sent: initial_response.is_some(),
            },
            _ => Kind::Plain,
        };
        self.enqueue(body, kind)
    }

    fn enqueue(&mut self, mut body: CommandBody, mut kind: Kind) -> Result<CommandId, Error> {
        self.check_fatal()?;
        let state = self.projected_state();
        if !body.allowed_in(state) {
            return Err(Error::WrongState { command: body.name(), state });
        }
        if let CommandBody::Search { charset, criteria, .. } = &mut body {
            // RFC 6855 §3: no CHARSET after ENABLE UTF8=ACCEPT; the strings are UTF-8.
            let utf8 = self.is_enabled(&Capability::Utf8Accept);
            match &self.options.search_charset {
                _ if utf8 => *charset = None,
                SearchCharset::Always(cs) if charset.is_none() => *charset = Some(cs.clone()),
                SearchCharset::Auto if charset.is_none() && !is_ascii_search(criteria) => {
                    *charset = Some(IString::from_static("UTF-8"));
                }
                _ => {}
            }
            if charset.is_some() && is_ascii_search(criteria) {
                let mut retry = body.clone();
                if let CommandBody::Search { charset, .. } = &mut retry {
                    *charset = None;
                }
                kind = Kind::Search { retry: Some(retry) };
            }
        }
        use CommandBody as C;
        let is_store = matches!(body, C::Store { .. });
        let (uses_seq, may_expunge, is_store_or_fetch) = match &body {
            C::Fetch { uid, .. } | C::Store { uid, .. } | C::Search { uid, .. } => (!uid, *uid, true),
            C::Copy { uid, .. } | C::Move { uid, .. } => (!uid, true, false),
            _ => (false, true, false),
        };
        let barrier = matches!(
            body,
            C::Login { .. }
                | C::Authenticate { .. }
                | C::StartTls
                | C::Compress { .. }
                | C::Select { .. }
                | C::Examine { .. }
                | C::Close
                | C::Unselect
                | C::Unauthenticate
                | C::Logout
                | C::Idle
                | C::Enable { .. }
                // What an extension command does to the connection is unknown: alone.
                | C::Raw(_)
        );
        let id = CommandId(self.next_id);
        self.next_id += 1;
        let tag = self.next_tag();
        self.queued.push_back(Pending {
            id,
            tag,
            kind,
            collects: Collects::of(&body),
            body: Some(body),
            rest: VecDeque::new(),
            uses_seq,
            may_expunge,
            is_store_or_fetch,
            is_store,
            barrier,
        });
        self.pump();
        Ok(id)
    }

    /// Runs AUTHENTICATE with a built-in mechanism (PLAIN, LOGIN, XOAUTH2, OAUTHBEARER)
    /// or a custom one. With SASL-IR the initial response goes inline (`=` when empty).
    pub fn authenticate(&mut self, auth: Authenticator) -> Result<CommandId, Error> {
        let ir = if self.has_capability(&Capability::SaslIr) { auth.initial_response() } else { None };
        let ir_sent = ir.is_some();
        let body = CommandBody::Authenticate { mechanism: auth.mechanism(), initial_response: ir.map(Secret::new) };
        self.enqueue(body, Kind::Authenticate { auth, step: 0, ir_sent })
    }

    /// Starts IDLE (RFC 2177). `now` starts the refresh timer (the machine reads no clock).
    pub fn idle(&mut self, now: Instant) -> Result<CommandId, Error> {
        let deadline = Some(now + self.options.idle_refresh);
        self.enqueue(
            CommandBody::Idle,
            Kind::Idle { accepted: false, done_requested: false, deadline, refresh_sent: false },
        )
    }

    /// Ends IDLE `id` by sending `DONE` (at once, or as soon as the server accepts IDLE).
    pub fn idle_done(&mut self, id: CommandId) -> Result<(), Error> {
        self.check_fatal()?;
        let p = self.inflight.iter_mut().chain(self.queued.iter_mut()).find(|p| p.id == id);
        let Some(Pending { kind: Kind::Idle { accepted, done_requested, .. }, .. }) = p else {
            return Err(Error::NotIdling);
        };
        if *done_requested {
            return Ok(());
        }
        *done_requested = true;
        if *accepted {
            self.out.push_back(Bytes::from_static(b"DONE\r\n"));
        }
        Ok(())
    }

    /// Answers an [`Event::AuthChallenge`] of AUTHENTICATE `id`.
    pub fn auth_respond(&mut self, id: CommandId, response: &[u8]) -> Result<(), Error> {
        self.check_fatal()?;
        self.waiting_auth(id)?;
        self.push_auth_line(Some(response));
        Ok(())
    }

    /// Cancels AUTHENTICATE `id` (sends `*`); the server answers BAD.
    pub fn auth_cancel(&mut self, id: CommandId) -> Result<(), Error> {
        self.check_fatal()?;
        self.waiting_auth(id)?;
        self.push_auth_line(None);
        Ok(())
    }

    fn waiting_auth(&self, id: CommandId) -> Result<(), Error> {
        match self.waiting.map(|w| &self.inflight[w]) {
            Some(Pending { id: w, kind: Kind::Authenticate { .. }, .. }) if *w == id => Ok(()),
            _ => Err(Error::NoChallengePending),
        }
    }

    fn push_auth_line(&mut self, response: Option<&[u8]>) {
        use base64::Engine;
        let line = match response {
            None => Bytes::from_static(b"*\r\n"),
            Some(r) => {
                let mut s = base64::engine::general_purpose::STANDARD.encode(r);
                s.push_str("\r\n");
                Bytes::from(s)
            }
        };
        self.out.push_back(line);
    }

    /// The TLS handshake after [`Event::StartTlsReady`] finished: resume. Capabilities are
    /// forgotten and asked for again; the returned id is that CAPABILITY command's.
    pub fn tls_established(&mut self) -> Result<CommandId, Error> {
        self.check_fatal()?;
        if !self.tls_pause {
            return Err(Error::NotPausedForTls);
        }
        self.tls_pause = false;
        self.capabilities = None;
        let id = self.send(CommandBody::Capability)?;
        Ok(id)
    }

    /// Whether a command may go on the wire now, given what is in flight (RFC 3501 §5.5).
    fn can_start(&self, p: &Pending) -> bool {
        if self.waiting.is_some() || self.tls_pause || self.compress_starting() {
            return false;
        }
        if self.inflight.is_empty() {
            return true;
        }
        if p.barrier || self.inflight.iter().any(|q| q.barrier) {
            return false;
        }
        // A command using sequence numbers waits while an EXPUNGE could renumber them, and
        // a FETCH/SEARCH and a STORE never overlap (their results would be ambiguous).
        !(p.uses_seq
            && self
                .inflight
                .iter()
                .any(|q| q.may_expunge || (q.is_store && p.is_store_or_fetch) || (p.is_store && q.is_store_or_fetch)))
    }

    /// Starts queued commands while the rules allow.
    fn pump(&mut self) {
        while let Some(front) = self.queued.front() {
            if !self.can_start(front) {
                return;
            }
            let mut p = self.queued.pop_front().expect("front");
            let body = p.body.take().expect("queued commands have a body");
            if !body.allowed_in(self.state) {
                self.events.push_back(Event::CommandCancelled { id: p.id, state: self.state });
                continue;
            }
            let stream = match p.kind {
                Kind::AppendStream { size, .. } => Some(size),
                _ => None,
            };
            let policy = if stream.is_some() {
                // Every literal waits for `+`; the message's announcement is rewritten.
                LiteralPolicy::Sync
            } else if self.has_capability(&Capability::LiteralPlus) {
                LiteralPolicy::NonSync
            } else if self.has_capability(&Capability::LiteralMinus) {
                LiteralPolicy::NonSyncUpTo4096
            } else {
                LiteralPolicy::Sync
            };
            let cmd = Command::new(p.tag.clone(), body);
            let options = EncodeOptions::with_literal_policy(policy).with_utf8(self.utf8_names());
            let encoded = encode_command(&cmd, &options, &mut self.encode_buf);
            p.rest = match stream {
                Some(size) => self.streamed_fragments(encoded.into_fragments(), size).into(),
                None => encoded.into_fragments().into(),
            };
            p.body = Some(cmd.body);
            let waits = matches!(p.kind, Kind::Authenticate { .. } | Kind::Idle { .. });
            self.inflight.push(p);
            let idx = self.inflight.len() - 1;
            if self.transmit_until_wait(idx) || waits {
                self.waiting = Some(idx);
            } else if stream.is_some() {
                // A non-synchronising literal: its octets may follow at once.
                self.waiting = Some(idx);
                self.append_ready(idx);
            }
        }
    }

    /// Moves a command's fragments to the output up to its next synchronising literal;
    /// returns whether it now waits for `+`.
    fn transmit_until_wait(&mut self, idx: usize) -> bool {
        let p = &mut self.inflight[idx];
        while let Some(f) = p.rest.front() {
            match f {
                Fragment::Literal { wait: true, .. } if !p.rest.is_empty() => {
                    return true;
                }
                _ => {}
            }
            match p.rest.pop_front().expect("front") {
                Fragment::Line(b) | Fragment::Literal { data: b, .. } => self.out.push_back(b),
            }
        }
        false
    }

    /// Buffers received bytes and processes every whole response in them.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn handle_input(&mut self, data: &[u8]) {
        if self.fatal.is_some() || data.is_empty() {
            return;
        }
        if self.tls_pause {
            self.fail(ConnectionError::StartTlsInjection);
            return;
        }
        if self.compress_starting() {
            return self.keep_early(data);
        }
        self.framer.handle_input(data);
        while let Some(ev) = self.framer.poll() {
            match ev {
                FramerEvent::Message(frame) => {
                    let raw = self.joined(frame.into_bytes());
                    if self.options.fetch_messages && self.greeted && is_fetch(&raw) {
                        match FetchMessage::parse(raw) {
                            Ok(m) => self.on_fetch_message(m),
                            Err(e) => self.events.push_back(Event::MalformedResponse { raw: e.raw, error: e.error }),
                        }
                        continue;
                    }
                    match parse_response(&raw) {
                        Ok(rsp) => self.on_response(rsp),
                        Err(e) => self.events.push_back(Event::MalformedResponse { raw: e.raw, error: e.error }),
                    }
                }
                FramerEvent::Error(e) => self.events.push_back(Event::ResponseDropped(e)),
                FramerEvent::LiteralOffered { length, .. } => self.literal_offered(length),
                FramerEvent::LiteralChunk(data) => self.literal_chunk(data),
                FramerEvent::LiteralEnd => self.literal_end(),
                // Not in the client role.
                FramerEvent::LiteralAnnounced { .. } => {}
            }
            if self.fatal.is_some() {
                return;
            }
            if self.tls_pause && (self.framer.is_mid_message() || self.body_in_progress()) {
                self.fail(ConnectionError::StartTlsInjection);
                return;
            }
            if self.compress_starting() {
                return;
            }
        }
        self.pump();
    }

    /// The server closed the connection.
    pub fn handle_eof(&mut self) {
        if self.fatal.is_some() || self.closed {
            return;
        }
        if self.state == State::Logout && self.inflight.iter().all(|p| matches!(p.kind, Kind::Logout)) {
            self.closed = true;
            self.events.push_back(Event::ConnectionClosed);
        } else {
            self.fail(ConnectionError::UnexpectedEof);
        }
    }

    /// Tells the machine the time; call when [`Client::poll_timeout`]'s deadline passes.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn handle_timeout(&mut self, now: Instant) {
        for p in &mut self.inflight {
            if let Kind::Idle { accepted: true, deadline: Some(d), refresh_sent, done_requested: false } = &mut p.kind {
                if now >= *d && !*refresh_sent {
                    *refresh_sent = true;
                    self.events.push_back(Event::IdleRefreshDue { id: p.id });
                }
            }
        }
    }

    /// The next deadline at which to call [`Client::handle_timeout`], if any. Call after
    /// draining events and transmits.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.inflight.iter().find_map(|p| match p.kind {
            Kind::Idle { accepted: true, deadline, refresh_sent: false, done_requested: false } => deadline,
            _ => None,
        })
    }

    /// The next event. Call until `None` after every `handle_*` call and command.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Appends the bytes to send to `buf`; returns how many. Call until it returns 0 after
    /// every `handle_*` call and command.
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn poll_transmit(&mut self, buf: &mut BytesMut) -> usize {
        let mut n = 0;
        while let Some(b) = self.out.pop_front() {
            n += b.len();
            buf.extend_from_slice(&b);
        }
        n
    }

    /// The next chunk to send as a zero-copy [`Bytes`] (a literal body is handed out as
    /// the caller's own buffer), for writers that do vectored I/O. Mixes freely with
    /// [`Client::poll_transmit`].
    /// See the [run-loop contract](crate#the-run-loop-contract).
    pub fn poll_transmit_bytes(&mut self) -> Option<Bytes> {
        self.out.pop_front()
    }

    fn fail(&mut self, e: ConnectionError) {
        if self.fatal.is_none() {
            self.fatal = Some(e.clone());
            self.out.clear();
            self.events.push_back(Event::ConnectionLost(e));
        }
    }

    fn set_capabilities(&mut self, caps: Vec<Capability>) {
        self.capabilities = Some(caps);
        if self.inflight.iter().any(|p| matches!(p.kind, Kind::Login | Kind::Authenticate { .. })) {
            self.caps_during_auth = true;
        }
    }
}

#[cfg(test)]
mod tests;
