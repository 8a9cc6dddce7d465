//! The driver task: it owns the socket and the client machine, and serves the
//! [`super::Client`] handle's requests.

mod events;

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use imap_machine::client::{Authenticator, Client as Machine, CommandId, Event, MailboxView, SelectedMailbox};
use imap_machine::codec::FetchMessage;
use imap_machine::compress::{Deflater, Inflater};
use imap_machine::types::{
    Capability, Code, CommandBody, Data, DateTime, Flag, Mailbox, State, StatusKind, StatusResponse,
};
use rustls_pki_types::ServerName;
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::TlsConnector;

use super::{CommandResponse, Update};
use crate::io::{io_step, now, sleep_until, IoEvent, Stream, HIGH_WATER};
use crate::tap::TapSession;
use crate::Error;

/// What a finished command hands back.
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) response: CommandResponse,
    pub(crate) capabilities: Option<Vec<Capability>>,
    pub(crate) selected: Option<SelectedMailbox>,
}

pub(crate) type Reply = oneshot::Sender<Result<Done, Error>>;

/// One message of a FETCH stream.
#[derive(Debug)]
pub(crate) enum FetchMsg {
    /// The messages of one read (one channel send and one wake-up for all of them).
    Batch(Vec<FetchMessage>),
    /// A piece of a streamed body ([`crate::Client::fetch_body_stream`]).
    Body(BodyPiece),
    Done(Result<(), Error>),
}

/// A streamed body, in order: its start, its octets, its end.
#[derive(Debug)]
pub(crate) enum BodyPiece {
    Start { seq: u32, length: u64 },
    Chunk(Bytes),
    End,
}

/// A request from the handle.
#[derive(Debug)]
pub(crate) enum Request {
    Command {
        body: CommandBody,
        reply: Reply,
    },
    Fetch {
        body: CommandBody,
        tx: mpsc::Sender<FetchMsg>,
        progress: Arc<Progress>,
        sent: oneshot::Sender<Result<(), Error>>,
        /// Stream the bodies longer than this as [`FetchMsg::Body`] pieces.
        stream_over: Option<u64>,
    },
    Authenticate {
        auth: Authenticator,
        responder: Option<Responder>,
        reply: Reply,
    },
    StartTls {
        name: ServerName<'static>,
        config: Arc<rustls::ClientConfig>,
        reply: Reply,
    },
    Idle {
        reply: oneshot::Sender<Result<(), Error>>,
    },
    /// `Client::append_from`: the message's octets come over `data`; the sender dropped
    /// ends it.
    AppendStream {
        mailbox: Mailbox,
        flags: Vec<Flag>,
        date: Option<DateTime>,
        size: u64,
        data: mpsc::Receiver<Bytes>,
        reply: Reply,
    },
    IdleDone {
        reply: Option<oneshot::Sender<Result<(), Error>>>,
    },
}

/// Answers the server's challenges to a custom SASL mechanism: the decoded challenge in,
/// the response out (`None` cancels the exchange with `*`).
pub(crate) struct Responder(pub(crate) Box<RespondFn>);

/// The function inside a [`Responder`].
pub(crate) type RespondFn = dyn FnMut(&[u8]) -> Option<Vec<u8>> + Send;

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Responder")
    }
}

/// What kind of untagged data a command collects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    Generic,
    Capability,
    List,
    Lsub,
    Status,
    Search,
    /// FETCH and STORE: FETCH responses.
    Fetch,
    Select,
    Expunge,
    Move,
    Idle,
    StartTls,
}

impl Class {
    fn of(body: &CommandBody) -> Class {
        match body {
            CommandBody::Capability => Class::Capability,
            CommandBody::List { .. } => Class::List,
            CommandBody::Lsub { .. } => Class::Lsub,
            CommandBody::Status { .. } => Class::Status,
            CommandBody::Search { .. } => Class::Search,
            CommandBody::Fetch { .. } | CommandBody::Store { .. } => Class::Fetch,
            CommandBody::Select { .. } | CommandBody::Examine { .. } => Class::Select,
            CommandBody::Expunge | CommandBody::UidExpunge { .. } => Class::Expunge,
            CommandBody::Move { .. } => Class::Move,
            CommandBody::Idle => Class::Idle,
            CommandBody::StartTls => Class::StartTls,
            _ => Class::Generic,
        }
    }

    /// Classes that run one at a time (others wait in the driver, in order). Since the
    /// client machine says which command each untagged response answers, only SELECT and
    /// EXAMINE are left: the mailbox they open is what every later answer refers to.
    fn exclusive(self) -> bool {
        matches!(self, Class::Select)
    }
}

impl Request {
    fn class(&self) -> Class {
        match self {
            Request::Command { body, .. } => Class::of(body),
            Request::Fetch { .. } => Class::Fetch,
            Request::Authenticate { .. } => Class::Generic,
            Request::StartTls { .. } => Class::StartTls,
            Request::Idle { .. } => Class::Idle,
            Request::IdleDone { .. } => Class::Generic,
            Request::AppendStream { .. } => Class::Generic,
        }
    }

    /// Answers the request with an error.
    fn fail(self, e: Error) {
        match self {
            Request::Command { reply, .. }
            | Request::Authenticate { reply, .. }
            | Request::StartTls { reply, .. }
            | Request::AppendStream { reply, .. } => {
                let _ = reply.send(Err(e));
            }
            Request::Fetch { sent, .. } => {
                let _ = sent.send(Err(e));
            }
            Request::Idle { reply } => {
                let _ = reply.send(Err(e));
            }
            Request::IdleDone { reply } => {
                if let Some(r) = reply {
                    let _ = r.send(Err(e));
                }
            }
        }
    }
}

/// How far the caller got through a FETCH stream: the driver reads the socket again only
/// when the caller finished all but `fetch_buffer - 1` of the batches sent (so the read
/// buffer the finished messages were slices of is free again, not reallocated).
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Batches the caller went through (or all of them, once the stream is dropped).
    pub(crate) finished: AtomicUsize,
    /// Wakes the driver when `finished` moves.
    pub(crate) notify: tokio::sync::Notify,
}

struct FetchSink {
    tx: mpsc::Sender<FetchMsg>,
    progress: Arc<Progress>,
    /// Batches sent.
    sent: usize,
    /// Messages of the current read, sent together when its events are processed.
    batch: Vec<FetchMessage>,
    /// Whether its bodies stream ([`FetchMsg::Body`]).
    bodies: bool,
}

/// A command between the machine's `send` and its completion.
struct Inflight {
    class: Class,
    reply: Option<Reply>,
    fetch: Option<FetchSink>,
    data: Vec<Data>,
    codes: Vec<Code>,
    /// STATUS: the mailbox asked about, to match the answer.
    mailbox: Option<Mailbox>,
    /// STARTTLS: what the handshake needs once the server said OK.
    tls: Option<(ServerName<'static>, Arc<rustls::ClientConfig>)>,
}

impl Inflight {
    fn new(class: Class, reply: Option<Reply>) -> Self {
        Inflight { class, reply, fetch: None, data: Vec::new(), codes: Vec::new(), mailbox: None, tls: None }
    }
}

/// A streamed APPEND: its octets arrive over `data` and go out once the machine is
/// `ready` ([`Event::AppendReady`]), no faster than the socket takes them.
struct AppendIn {
    id: CommandId,
    data: mpsc::Receiver<Bytes>,
    ready: bool,
}

/// The IDLE the user started, across automatic refreshes.
struct Idle {
    id: CommandId,
    accepted: Option<oneshot::Sender<Result<(), Error>>>,
    done: Option<oneshot::Sender<Result<(), Error>>>,
    /// DONE was sent for a refresh: start a new IDLE when this one completes.
    refreshing: bool,
}

/// What the handle can read without asking the driver.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) capabilities: Option<Vec<Capability>>,
    pub(crate) state: Option<State>,
    pub(crate) selected: Option<SelectedMailbox>,
    /// The selected mailbox as the server told it, message by message.
    pub(crate) view: MailboxView,
    /// What ENABLE turned on (RFC 5161).
    pub(crate) enabled: Vec<Capability>,
}

/// The unsolicited-update channel: bounded, never blocking the driver. When it is full,
/// further updates are dropped and the receiver gets one [`Update::MailboxChanged`].
pub(crate) struct UpdateTx {
    tx: mpsc::Sender<Update>,
    overflow: Arc<AtomicBool>,
}

impl UpdateTx {
    pub(crate) fn new(tx: mpsc::Sender<Update>, overflow: Arc<AtomicBool>) -> Self {
        UpdateTx { tx, overflow }
    }

    fn push(&self, u: Update) {
        if self.overflow.load(Ordering::Acquire) {
            return;
        }
        if let Err(mpsc::error::TrySendError::Full(_)) = self.tx.try_send(u) {
            self.overflow.store(true, Ordering::Release);
        }
    }
}

pub(crate) struct Driver {
    pub(crate) machine: Machine,
    pub(crate) stream: Stream,
    pub(crate) requests: mpsc::Receiver<Request>,
    pub(crate) updates: UpdateTx,
    pub(crate) shared: Arc<Mutex<Shared>>,
    pub(crate) tap: Option<TapSession>,
    pub(crate) greeting: Option<oneshot::Sender<Result<StatusResponse, Error>>>,
    pub(crate) handshake_timeout: Duration,
    pub(crate) out: BytesMut,
    pub(crate) dirty: bool,
    /// The machine may have changed since [`Driver::publish`] last ran.
    stale: bool,
    pub(crate) eof: bool,
    pub(crate) requests_closed: bool,
    pub(crate) finished: bool,
    /// The I/O error that ended the connection, if one did.
    pub(crate) lost: Option<Error>,
    /// The server's `* BYE`, if it sent one.
    bye: Option<StatusResponse>,
    inflight: BTreeMap<CommandId, Inflight>,
    held: VecDeque<Request>,
    spill: VecDeque<(mpsc::Sender<FetchMsg>, FetchMsg)>,
    /// The streamed APPEND in flight (`Client::append_from`).
    append: Option<AppendIn>,
    idle: Option<Idle>,
    upgrade: Option<(ServerName<'static>, Arc<rustls::ClientConfig>)>,
    pending_tls: Option<(ServerName<'static>, Arc<rustls::ClientConfig>)>,
    starttls_reply: Option<Reply>,
    /// The AUTHENTICATE in flight with a custom mechanism, and what answers its challenges.
    responder: Option<(CommandId, Responder)>,
    /// COMPRESS (RFC 4978) is on: what goes out is deflated, one sync flush per batch,
    /// and what comes in is inflated.
    deflater: Option<Deflater>,
    inflater: Option<Inflater>,
}

enum Wake {
    Io(std::io::Result<IoEvent>),
    /// The next octets of the streamed APPEND; `None` once they all came.
    AppendData(Option<Bytes>),
    Request(Option<Request>),
    Permit(Result<mpsc::OwnedPermit<FetchMsg>, mpsc::error::SendError<()>>),
    /// A FETCH stream's caller finished a batch (or dropped the stream).
    CaughtUp,
    Timer,
}

impl Driver {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        machine: Machine,
        stream: Stream,
        requests: mpsc::Receiver<Request>,
        updates: UpdateTx,
        shared: Arc<Mutex<Shared>>,
        tap: Option<TapSession>,
        greeting: oneshot::Sender<Result<StatusResponse, Error>>,
        handshake_timeout: Duration,
    ) -> Self {
        Driver {
            machine,
            stream,
            requests,
            updates,
            shared,
            tap,
            greeting: Some(greeting),
            handshake_timeout,
            out: BytesMut::new(),
            dirty: false,
            stale: true,
            eof: false,
            requests_closed: false,
            finished: false,
            lost: None,
            bye: None,
            inflight: BTreeMap::new(),
            held: VecDeque::new(),
            spill: VecDeque::new(),
            append: None,
            idle: None,
            upgrade: None,
            pending_tls: None,
            starttls_reply: None,
            responder: None,
            deflater: None,
            inflater: None,
        }
    }

    pub(crate) async fn run(mut self) {
        loop {
            self.process_events();
            self.transmit();
            self.write_now();
            if self.stale {
                self.publish();
            }
            if self.finished {
                // E.g. STARTTLS OK with injected bytes after it: no handshake.
                self.upgrade = None;
            }
            if let Some((name, config)) = self.upgrade.take() {
                if let Err(e) = self.starttls(name, config).await {
                    self.lost = Some(e);
                    self.fail_all();
                    break;
                }
                continue;
            }
            if self.finished && self.spill.is_empty() {
                break;
            }
            if self.requests_closed && self.inflight.is_empty() && self.held.is_empty() && self.spill.is_empty() {
                break;
            }
            let front = self.spill.front().map(|(tx, _)| tx.clone());
            // A FETCH stream whose caller is `fetch_buffer` batches behind: wait for it.
            let behind = self.inflight.values().filter_map(|i| i.fetch.as_ref()).find_map(|s| {
                let finished = s.progress.finished.load(Ordering::Acquire);
                let behind = s.sent.saturating_sub(finished) >= s.tx.max_capacity() && !s.tx.is_closed();
                behind.then(|| s.progress.clone())
            });
            let may_read =
                self.spill.is_empty() && behind.is_none() && self.out.len() < HIGH_WATER && !self.eof && !self.finished;
            // Inflated input is taken at the pace socket reads are: one chunk a turn.
            if may_read && self.inflater.as_ref().is_some_and(Inflater::has_pending) {
                self.inflate();
                continue;
            }
            let can_read = may_read && !self.inflater.as_ref().is_some_and(Inflater::has_pending);
            let deadline = self.machine.poll_timeout();
            let (out, dirty): (&[u8], bool) = if self.finished { (&[], false) } else { (&self.out, self.dirty) };
            let feed = self.append.as_ref().is_some_and(|a| a.ready) && self.out.len() < HIGH_WATER && !self.finished;
            let append_rx = self.append.as_mut().map(|a| &mut a.data);
            let (tap, machine, inflater) = (&mut self.tap, &mut self.machine, &mut self.inflater);
            let mut on_read = |input: &[u8]| match inflater.as_mut() {
                Some(i) => i.feed(input),
                None => {
                    if let Some(t) = tap.as_mut() {
                        t.server(input);
                    }
                    machine.handle_input(input);
                }
            };
            let wake = tokio::select! {
                r = io_step(&mut self.stream, out, dirty, can_read, &mut on_read) => Wake::Io(r),
                r = self.requests.recv(), if !self.requests_closed => Wake::Request(r),
                d = async { append_rx.expect("checked").recv().await }, if feed => Wake::AppendData(d),
                p = async { front.expect("checked").reserve_owned().await }, if front.is_some() => Wake::Permit(p),
                () = async { behind.expect("checked").notify.notified().await }, if behind.is_some() => Wake::CaughtUp,
                () = sleep_until(deadline) => Wake::Timer,
            };
            // Only a write, a flush or a freed FETCH slot leave the machine as it was.
            self.stale |=
                !matches!(wake, Wake::Io(Ok(IoEvent::Wrote(_) | IoEvent::Flushed)) | Wake::Permit(_) | Wake::CaughtUp);
            match wake {
                Wake::Io(Ok(IoEvent::Read(0))) => {
                    self.eof = true;
                    self.machine.handle_eof();
                }
                Wake::Io(Ok(IoEvent::Read(_))) => {}
                Wake::Io(Ok(IoEvent::Wrote(n))) => {
                    self.out.advance(n);
                    // TCP has nothing to flush; TLS may hold a record back.
                    self.dirty = !matches!(self.stream, Stream::Tcp(_));
                }
                Wake::Io(Ok(IoEvent::Flushed)) => self.dirty = false,
                Wake::Io(Err(e)) => {
                    self.eof = true;
                    self.lost = Some(e.into());
                    self.machine.handle_eof();
                }
                Wake::Request(Some(r)) => self.request(r),
                Wake::AppendData(d) => self.append_data(d),
                Wake::Request(None) => {
                    self.requests_closed = true;
                    if let Some(idle) = &self.idle {
                        let _ = self.machine.idle_done(idle.id);
                    }
                }
                Wake::Permit(Ok(permit)) => {
                    if let Some((_, msg)) = self.spill.pop_front() {
                        permit.send(msg);
                    }
                }
                Wake::Permit(Err(_)) => {
                    // The stream was dropped: discard what was waiting for it.
                    if let Some((gone, _)) = self.spill.pop_front() {
                        self.spill.retain(|(tx, _)| !tx.same_channel(&gone));
                    }
                }
                Wake::CaughtUp => {}
                Wake::Timer => self.machine.handle_timeout(now()),
            }
        }
        self.fail_all();
    }

    /// Plain TCP: writes what is ready at once, without a turn of the loop for it (the
    /// socket nearly always has room for a command). What is left, TLS, and any error go
    /// through `io_step`.
    fn write_now(&mut self) {
        if self.out.is_empty() || self.finished {
            return;
        }
        if let Stream::Tcp(tcp) = &self.stream {
            if let Ok(n) = tcp.try_write(&self.out) {
                self.out.advance(n);
            }
        }
    }

    fn transmit(&mut self) {
        let Some(d) = self.deflater.as_mut() else {
            let start = self.out.len();
            self.machine.poll_transmit(&mut self.out);
            if let Some(t) = self.tap.as_mut() {
                t.client(&self.out[start..]);
            }
            return;
        };
        let mut plain = BytesMut::new();
        self.machine.poll_transmit(&mut plain);
        if !plain.is_empty() {
            if let Some(t) = self.tap.as_mut() {
                t.client(&plain);
            }
            // One batch: everything the machine has now, then a sync flush.
            d.write_batch(&plain, &mut self.out);
        }
    }

    /// Inflates one chunk of the server's stream into the machine.
    fn inflate(&mut self) {
        let Some(i) = self.inflater.as_mut() else { return };
        let mut plain = BytesMut::new();
        match i.read(&mut plain, crate::io::READ_CHUNK) {
            Ok(_) => {
                if let Some(t) = self.tap.as_mut() {
                    t.server(&plain);
                }
                self.machine.handle_input(&plain);
            }
            Err(e) => {
                self.eof = true;
                self.lost = Some(e.into());
                self.machine.handle_eof();
            }
        }
        self.stale = true;
    }

    /// COMPRESS was answered OK: everything after the OK is compressed both ways. What
    /// `out` still holds (nothing, since COMPRESS goes alone) stays plain before it.
    fn start_compression(&mut self) {
        let Ok(early) = self.machine.compression_started() else { return };
        self.deflater = Some(Deflater::new());
        let mut i = Inflater::new();
        i.feed(&early);
        self.inflater = Some(i);
    }

    /// Copies what the handle reads without asking into [`Shared`]: after the machine
    /// took input or a command, and a copy only of what changed.
    fn publish(&mut self) {
        self.stale = false;
        if let Ok(mut s) = self.shared.lock() {
            let caps = self.machine.capabilities();
            if s.capabilities.as_deref() != caps {
                s.capabilities = caps.map(<[_]>::to_vec);
            }
            s.state = Some(self.machine.state());
            let selected = self.machine.selected();
            if s.selected.as_ref() != selected {
                s.selected = selected.cloned();
            }
            if s.enabled.len() != self.machine.enabled().len() {
                s.enabled = self.machine.enabled().to_vec();
            }
        }
    }

    /// The reply to a finished command of `class`: the capabilities for CAPABILITY, the
    /// mailbox for SELECT and EXAMINE (the only callers that read them).
    fn done(&self, class: Class, response: CommandResponse) -> Done {
        Done {
            response,
            capabilities: (class == Class::Capability)
                .then(|| self.machine.capabilities().map(<[_]>::to_vec))
                .flatten(),
            selected: (class == Class::Select).then(|| self.machine.selected().cloned()).flatten(),
        }
    }

    /// A request from the handle: started now, or held behind an earlier one.
    fn request(&mut self, r: Request) {
        if self.finished {
            return r.fail(self.lost.clone().unwrap_or(Error::Closed));
        }
        if let Request::IdleDone { reply } = r {
            return self.idle_done(reply);
        }
        if self.held.is_empty() && self.can_start(r.class()) {
            self.start(r);
        } else {
            self.held.push_back(r);
        }
    }

    fn can_start(&self, class: Class) -> bool {
        !class.exclusive() || !self.inflight.values().any(|i| i.class == class)
    }

    /// Starts held requests, in order, while they can start.
    fn release_held(&mut self) {
        while let Some(front) = self.held.front() {
            if !self.can_start(front.class()) {
                return;
            }
            let r = self.held.pop_front().expect("front");
            self.start(r);
        }
    }

    fn start(&mut self, r: Request) {
        match r {
            Request::Command { body, reply } => {
                let class = Class::of(&body);
                if matches!(body, CommandBody::Select { .. } | CommandBody::Examine { .. })
                    || matches!(body, CommandBody::Close | CommandBody::Unselect | CommandBody::Unauthenticate)
                {
                    // What follows is about another mailbox, or none.
                    if let Ok(mut s) = self.shared.lock() {
                        s.view = MailboxView::default();
                    }
                }
                let mailbox = match &body {
                    CommandBody::Status { mailbox, .. } => Some(mailbox.clone()),
                    _ => None,
                };
                match self.machine.send(body) {
                    Ok(id) => {
                        let mut inf = Inflight::new(class, Some(reply));
                        inf.mailbox = mailbox;
                        self.inflight.insert(id, inf);
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Request::Fetch { body, tx, progress, sent, stream_over } => match self.machine.send(body) {
                Ok(id) => {
                    if let Some(over) = stream_over {
                        self.machine.stream_bodies_of(id, over);
                    }
                    let mut inf = Inflight::new(Class::Fetch, None);
                    let bodies = stream_over.is_some();
                    inf.fetch = Some(FetchSink { tx, progress, sent: 0, batch: Vec::new(), bodies });
                    self.inflight.insert(id, inf);
                    let _ = sent.send(Ok(()));
                }
                // Refused at once (wrong state, closed), as every other command is.
                Err(e) => {
                    let _ = sent.send(Err(e.into()));
                }
            },
            Request::Authenticate { auth, responder, reply } => match self.machine.authenticate(auth) {
                Ok(id) => {
                    self.responder = responder.map(|r| (id, r));
                    self.inflight.insert(id, Inflight::new(Class::Generic, Some(reply)));
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            },
            Request::StartTls { name, config, reply } => match self.machine.send(CommandBody::StartTls) {
                Ok(id) => {
                    let mut inf = Inflight::new(Class::StartTls, Some(reply));
                    inf.tls = Some((name, config));
                    self.inflight.insert(id, inf);
                }
                Err(e) => {
                    let _ = reply.send(Err(e.into()));
                }
            },
            Request::Idle { reply } => {
                if self.idle.is_some() {
                    let _ = reply.send(Err(Error::Idle("an IDLE is already running")));
                    return;
                }
                match self.machine.idle(now()) {
                    Ok(id) => {
                        self.inflight.insert(id, Inflight::new(Class::Idle, None));
                        self.idle = Some(Idle { id, accepted: Some(reply), done: None, refreshing: false });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
            Request::IdleDone { reply } => self.idle_done(reply),
            Request::AppendStream { mailbox, flags, date, size, data, reply } => {
                match self.machine.append_stream(mailbox, flags, date, size) {
                    Ok(id) => {
                        self.inflight.insert(id, Inflight::new(Class::Generic, Some(reply)));
                        self.append = Some(AppendIn { id, data, ready: false });
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e.into()));
                    }
                }
            }
        }
    }

    fn idle_done(&mut self, reply: Option<oneshot::Sender<Result<(), Error>>>) {
        let Some(idle) = self.idle.as_mut() else {
            if let Some(r) = reply {
                let _ = r.send(Err(Error::Idle("no IDLE is running")));
            }
            return;
        };
        if idle.done.is_some() {
            // `done()` twice (a dropped handle, then another): answer when it ends.
            if let Some(r) = reply {
                let _ = r.send(Ok(()));
            }
            return;
        }
        idle.done = Some(reply.unwrap_or_else(|| oneshot::channel().0));
        if !idle.refreshing {
            let id = idle.id;
            if let Err(e) = self.machine.idle_done(id) {
                if let Some(r) = self.idle.take().and_then(|i| i.done) {
                    let _ = r.send(Err(e.into()));
                }
            }
        }
    }

    /// Sends a FETCH stream message, in order with what waits in the spill queue.
    fn deliver(&mut self, tx: &mpsc::Sender<FetchMsg>, msg: FetchMsg) {
        if self.spill.is_empty() {
            match tx.try_send(msg) {
                Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
                Err(mpsc::error::TrySendError::Full(msg)) => self.spill.push_back((tx.clone(), msg)),
            }
        } else {
            self.spill.push_back((tx.clone(), msg));
        }
    }
}

impl Driver {
    /// The TLS handshake after the server's OK to STARTTLS.
    async fn starttls(&mut self, name: ServerName<'static>, config: Arc<rustls::ClientConfig>) -> Result<(), Error> {
        self.stream.write_all(&self.out).await?;
        self.stream.flush().await?;
        self.out.clear();
        self.dirty = false;
        let Stream::Tcp(tcp) = std::mem::replace(&mut self.stream, Stream::Gone) else {
            return Err(Error::Tls("the connection already uses TLS".into()));
        };
        let tls = tokio::time::timeout(self.handshake_timeout, TlsConnector::from(config).connect(name, tcp))
            .await?
            .map_err(|e| Error::Tls(e.to_string()))?;
        self.stream = Stream::ClientTls(Box::new(tls));
        let id = self.machine.tls_established()?;
        let reply = self.starttls_reply.take();
        self.inflight.insert(id, Inflight::new(Class::Capability, reply));
        Ok(())
    }
}
