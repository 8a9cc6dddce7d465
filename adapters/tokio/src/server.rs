//! The tokio server: `Server::new(backend).serve(listener)`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use imap_machine::codec::FramerOptions;
use imap_machine::compress::{Deflater, Inflater};
use imap_machine::server::{Event, Greeting, Server as Machine, ServerOptions};
use imap_machine::types::State;

use crate::brake::AuthBrake;
use imap_machine::store::{Authenticator, Backend, Extensions, Session};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::io::{io_step, now, sleep_until, IoEvent, Stream, HIGH_WATER};
use crate::observe::{self, Observer, StoreCall};
use crate::tap::{DebugTap, TapSession};

/// Stops a running [`Server`]: it stops accepting, sends `* BYE` to every connection and
/// closes them. Cheap to clone; get one with [`Server::shutdown_handle`].
#[derive(Clone, Debug)]
pub struct ShutdownHandle {
    tx: Arc<watch::Sender<bool>>,
}

impl ShutdownHandle {
    /// Starts the graceful shutdown. A command being executed completes first (backend
    /// calls are never interrupted), and a command whose literal has not fully arrived —
    /// an APPEND in flight — is never executed, so nothing is half-written.
    pub fn shutdown(&self) {
        self.tx.send_replace(true);
    }

    /// Whether [`ShutdownHandle::shutdown`] was called.
    pub fn is_shutdown(&self) -> bool {
        *self.tx.borrow()
    }

    fn subscribe(&self) -> watch::Receiver<bool> {
        self.tx.subscribe()
    }
}

/// An IMAP server over tokio: each connection runs the
/// [`imap_machine::server::Server`] machine and a [`Session`] on `backend`.
///
/// ```no_run
/// use std::sync::Arc;
/// use imap_machine::store::memory::MemoryBackend;
/// # async fn run() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:1143").await?;
/// let server = imap_machine_tokio::Server::new(Arc::new(MemoryBackend::with_demo_data()))
///     .allow_insecure_auth(true)
///     .max_connections(100);
/// let stop = server.shutdown_handle();
/// tokio::spawn(async move {
///     tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
///     stop.shutdown(); // every connection gets `* BYE`, then `serve` returns
/// });
/// server.serve(listener).await
/// # }
/// ```
///
/// Backend calls are synchronous. By default they run on the connection's task, which
/// suits a store in memory; a store that does I/O (Maildir, a database) should run them
/// on tokio's blocking pool with [`Server::blocking_store`], so that one slow call never
/// holds up the other connections on the thread.
///
/// Clones share the backend, the connection limit and the shutdown, so one server can run
/// thread-per-core: a clone on each thread's single-threaded runtime, each serving its own
/// listener bound with SO_REUSEPORT to the same address (`imapm serve` does this; on the
/// load benchmark in BENCHMARKS.md it costs about 13 % less CPU per command than one
/// multi-threaded runtime). Connections then never move between threads.
pub struct Server<B: Backend> {
    backend: Arc<B>,
    options: ServerOptions,
    tls: Option<Arc<rustls::ServerConfig>>,
    limit: Option<Arc<Semaphore>>,
    shutdown: ShutdownHandle,
    tap: Option<DebugTap>,
    handshake_timeout: Duration,
    write_timeout: Duration,
    grace: Duration,
    ids: Arc<AtomicU64>,
    log: bool,
    blocking_store: bool,
    extensions: Option<Arc<Extensions<B>>>,
    authenticator: Option<Authenticator>,
    brake: Option<AuthBrake>,
}

impl<B: Backend> Clone for Server<B> {
    fn clone(&self) -> Self {
        Server {
            backend: self.backend.clone(),
            options: self.options.clone(),
            tls: self.tls.clone(),
            limit: self.limit.clone(),
            shutdown: self.shutdown.clone(),
            tap: self.tap.clone(),
            handshake_timeout: self.handshake_timeout,
            write_timeout: self.write_timeout,
            grace: self.grace,
            ids: self.ids.clone(),
            log: self.log,
            blocking_store: self.blocking_store,
            extensions: self.extensions.clone(),
            authenticator: self.authenticator.clone(),
            brake: self.brake.clone(),
        }
    }
}

impl<B: Backend> std::fmt::Debug for Server<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("options", &self.options)
            .field("tls", &self.tls.is_some())
            .field("max_connections", &self.limit.as_ref().map(|s| s.available_permits()))
            .finish_non_exhaustive()
    }
}

/// What every connection task needs.
struct Ctx<B: Backend> {
    backend: Arc<B>,
    blocking_store: bool,
    options: ServerOptions,
    tls: Option<Arc<rustls::ServerConfig>>,
    tap: Option<DebugTap>,
    handshake_timeout: Duration,
    write_timeout: Duration,
    extensions: Option<Arc<Extensions<B>>>,
    authenticator: Option<Authenticator>,
    brake: Option<AuthBrake>,
}

impl<B: Backend> Server<B> {
    /// A server on `backend`, with the options [`Session::server_options`] gives (the
    /// capabilities the store serves) and the core's defaults: no TLS, LOGIN only over
    /// TLS, autologout after 30 minutes, no connection limit.
    pub fn new(backend: Arc<B>) -> Self {
        let mut options = Session::server_options(&*backend);
        options.compress_available = true;
        observe::describe();
        let (tx, _) = watch::channel(false);
        Server {
            backend,
            options,
            tls: None,
            limit: None,
            shutdown: ShutdownHandle { tx: Arc::new(tx) },
            tap: None,
            handshake_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(60),
            grace: Duration::from_secs(10),
            ids: Arc::new(AtomicU64::new(1)),
            log: false,
            blocking_store: false,
            extensions: None,
            authenticator: None,
            brake: None,
        }
    }

    /// Refuses the logins of a client address with more than `max_failures` failed
    /// logins within `window` (`NO [UNAVAILABLE]`, no password checked), until its oldest
    /// failure is `window` old, as Dovecot's anvil does. Shared by the clones; other
    /// addresses are not slowed. Default off.
    pub fn auth_brake(mut self, max_failures: usize, window: Duration) -> Self {
        self.brake = Some(AuthBrake::new(max_failures, window));
        self
    }

    /// Answers a failed login after `delay` ([`ServerOptions::auth_failure_delay`], as
    /// Dovecot's `auth_failure_delay`); other connections are not held up.
    pub fn auth_failure_delay(mut self, delay: Duration) -> Self {
        self.options.auth_failure_delay = delay;
        self
    }

    /// Checks passwords with `check` instead of the store ([`Session::set_authenticator`]):
    /// a file of hashes, an outside service. A login is always handled on tokio's blocking
    /// pool, since a password hash such as argon2 takes tens of milliseconds by design.
    pub fn authenticator(mut self, check: Authenticator) -> Self {
        self.authenticator = Some(check);
        self
    }

    /// Allows LOGIN and AUTHENTICATE without TLS (default: refused, and the capabilities
    /// show LOGINDISABLED). Only for tests and trusted networks.
    pub fn allow_insecure_auth(mut self, allow: bool) -> Self {
        self.options.allow_insecure_auth = allow;
        self
    }

    /// The TLS configuration: used by [`Server::serve_tls`] (implicit TLS, port 993) and
    /// offered as STARTTLS on [`Server::serve`] connections.
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Inactivity before `* BYE Autologout`. The machine never goes below RFC 3501's
    /// 30 minutes.
    pub fn autologout(mut self, after: Duration) -> Self {
        self.options.autologout = after;
        self
    }

    /// At most `max` connections at once; one more is answered `* BYE Too many
    /// connections` and closed.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.limit = Some(Arc::new(Semaphore::new(max)));
        self
    }

    /// Framing limits (line, literal and message length) for client input.
    pub fn framer(mut self, framer: FramerOptions) -> Self {
        self.options.framer = framer;
        self
    }

    /// Replaces every option of the server machine. Start from
    /// [`Session::server_options`] to keep the capabilities the store serves; the TLS
    /// fields (`tls_active`, `starttls_available`) are set per connection.
    pub fn options(mut self, options: ServerOptions) -> Self {
        self.options = options;
        self
    }

    /// Serves the extension commands of `extensions` (the core's extension point,
    /// `imap_machine::store::Extensions`): every connection's session runs their handlers,
    /// and the server machine parses and advertises them. Unregistered unknown commands
    /// still get `BAD`.
    pub fn extensions(mut self, extensions: Arc<Extensions<B>>) -> Self {
        self.options = extensions.server_options(std::mem::take(&mut self.options));
        self.extensions = Some(extensions);
        self
    }

    /// The options of the server machine, to change one field.
    pub fn options_mut(&mut self) -> &mut ServerOptions {
        &mut self.options
    }

    /// Writes a transcript of every connection (credentials redacted).
    pub fn debug_tap(mut self, tap: DebugTap) -> Self {
        self.tap = Some(tap);
        self
    }

    /// How long a TLS handshake may take (default 30 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How long the final output of a closing connection may take to go out (default
    /// 60 s).
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// How long `serve` waits for connections to close after a shutdown before it
    /// aborts them (default 10 s).
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Offers COMPRESS=DEFLATE (RFC 4978) once a client is authenticated (default on).
    /// Each batch of responses is deflated with one sync flush at its end; while a
    /// client idles in IDLE its compressor is freed between updates and its
    /// decompressor keeps only the text it may refer back to, so that an idle
    /// compressed connection costs little more than a plain one (see BENCHMARKS.md).
    pub fn compress(mut self, on: bool) -> Self {
        self.options.compress_available = on;
        self
    }

    /// Prints one line on stderr when a connection opens and one when it ends (default off).
    pub fn log_connections(mut self, log: bool) -> Self {
        self.log = log;
        self
    }

    /// Runs every store call (each command's session work, the updates after another
    /// session's change, each step of a long command) on tokio's blocking pool
    /// (`spawn_blocking`) instead of the connection's task (default off: a store in
    /// memory answers faster than the hand-over costs). For a store that reads disks or a
    /// database: a call that waits never delays another connection's NOOP.
    pub fn blocking_store(mut self, on: bool) -> Self {
        self.blocking_store = on;
        self
    }

    /// A handle that stops [`Server::serve`] and [`Server::serve_tls`] gracefully.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Same as `self.shutdown_handle().shutdown()`.
    pub fn shutdown(&self) {
        self.shutdown.shutdown();
    }

    /// Serves plain IMAP (port 143) on `listener` until shutdown, STARTTLS included when
    /// a TLS config is set. Returns after the shutdown, once every connection closed (or
    /// the grace period passed). Both `serve` and `serve_tls` may run at once on one
    /// server: they share the connection limit and the shutdown.
    pub async fn serve(&self, listener: TcpListener) -> std::io::Result<()> {
        self.serve_inner(listener, false).await
    }

    /// Serves IMAP over implicit TLS (port 993) on `listener` until shutdown.
    ///
    /// # Errors
    /// `InvalidInput` if no TLS config was set with [`Server::tls`].
    pub async fn serve_tls(&self, listener: TcpListener) -> std::io::Result<()> {
        if self.tls.is_none() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "serve_tls needs Server::tls"));
        }
        self.serve_inner(listener, true).await
    }

    fn ctx(&self) -> Ctx<B> {
        Ctx {
            backend: self.backend.clone(),
            blocking_store: self.blocking_store,
            options: self.options.clone(),
            tls: self.tls.clone(),
            tap: self.tap.clone(),
            handshake_timeout: self.handshake_timeout,
            write_timeout: self.write_timeout,
            extensions: self.extensions.clone(),
            authenticator: self.authenticator.clone(),
            brake: self.brake.clone(),
        }
    }

    async fn serve_inner(&self, listener: TcpListener, implicit_tls: bool) -> std::io::Result<()> {
        let mut stop = self.shutdown.subscribe();
        let mut tasks = JoinSet::new();
        while !*stop.borrow() {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((tcp, peer)) => {
                        let _ = tcp.set_nodelay(true);
                        let ctx = self.ctx();
                        let id = self.ids.fetch_add(1, Ordering::Relaxed);
                        let permit = match &self.limit {
                            None => None,
                            Some(limit) => match limit.clone().try_acquire_owned() {
                                Ok(p) => Some(p),
                                Err(_) => {
                                    let task = refuse(ctx, tcp, implicit_tls, id);
                                    #[cfg(feature = "tracing")]
                                    let task = tracing::Instrument::instrument(task, observe::span(id, peer, implicit_tls));
                                    tasks.spawn(task);
                                    continue;
                                }
                            },
                        };
                        let stop = self.shutdown.subscribe();
                        let log = self.log;
                        if log {
                            log_line(format_args!("[{id}] connection from {peer}"));
                        }
                        let task = async move {
                            let _permit = permit;
                            if let Some(stream) = handshake(&ctx, tcp, implicit_tls).await {
                                connection(ctx, stream, implicit_tls, id, peer.ip(), stop).await;
                            }
                            if log {
                                log_line(format_args!("[{id}] closed"));
                            }
                        };
                        #[cfg(feature = "tracing")]
                        let task = tracing::Instrument::instrument(task, observe::span(id, peer, implicit_tls));
                        tasks.spawn(task);
                    }
                    // Out of file descriptors and the like: back off, keep serving.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
                _ = stop.changed() => {}
            }
            while tasks.try_join_next().is_some() {}
        }
        drop(listener);
        let drained = tokio::time::timeout(self.grace, async { while tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tasks.abort_all();
        }
        Ok(())
    }
}

/// One line on stderr; a closed stderr is ignored (`eprintln!` would panic).
fn log_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The stream of an accepted connection: TCP, or TLS after the handshake.
async fn handshake<B: Backend>(ctx: &Ctx<B>, tcp: TcpStream, implicit_tls: bool) -> Option<Stream> {
    if !implicit_tls {
        return Some(Stream::Tcp(tcp));
    }
    let acceptor = TlsAcceptor::from(ctx.tls.clone()?);
    match tokio::time::timeout(ctx.handshake_timeout, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => Some(Stream::ServerTls(Box::new(tls))),
        Ok(Err(e)) => {
            observe::handshake_failed(&e);
            None
        }
        Err(e) => {
            observe::handshake_failed(&e);
            None
        }
    }
}

/// Writes all of `buf`, then flushes, within `timeout`.
async fn write_out(stream: &mut Stream, buf: &[u8], timeout: Duration) -> std::io::Result<()> {
    tokio::time::timeout(timeout, async {
        stream.write_all(buf).await?;
        stream.flush().await
    })
    .await
    .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

/// A connection over the limit: `* BYE Too many connections`, then close.
async fn refuse<B: Backend>(ctx: Ctx<B>, tcp: TcpStream, implicit_tls: bool, id: u64) {
    observe::refused();
    let Some(mut stream) = handshake(&ctx, tcp, implicit_tls).await else { return };
    let mut options = ctx.options.clone();
    options.greeting = Greeting::Bye;
    options.greeting_text = "Too many connections".into();
    let mut machine = Machine::new(options, now());
    let mut out = BytesMut::new();
    machine.poll_transmit(&mut out);
    if let Some(tap) = &ctx.tap {
        tap.session(format!("[{id}] ")).server(&out);
    }
    let _ = write_out(&mut stream, &out, ctx.write_timeout).await;
    let _ = tokio::time::timeout(ctx.write_timeout, stream.shutdown()).await;
}

/// Chunks at least this long (literal bodies) are written from the machine's `Bytes`, not
/// copied into the coalescing buffer.
const LARGE_CHUNK: usize = 32 * 1024;

/// What a connection has to send: the machine's small chunks coalesced into one buffer
/// (one write for many responses), and at most one large chunk after them, written from
/// where it is (a literal body is the store's own buffer).
#[derive(Default)]
struct Outbox {
    buf: BytesMut,
    large: Option<Bytes>,
    /// COMPRESS is on: every chunk is deflated into `buf`, and each fill is one batch
    /// ending with a sync flush (RFC 4978 §4).
    deflater: Option<Deflater>,
}

impl Outbox {
    fn len(&self) -> usize {
        self.buf.len() + self.large.as_ref().map_or(0, Bytes::len)
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the machine's output until `limit` bytes wait here or a large chunk does: the
    /// rest stays in the machine (as `Bytes`) until this drains.
    fn fill(&mut self, machine: &mut Machine, mut tap: Option<&mut TapSession>, limit: usize) {
        let mut batch = false;
        while self.large.is_none() && self.buf.len() < limit {
            let Some(chunk) = machine.poll_transmit_bytes() else { break };
            if let Some(t) = tap.as_mut() {
                t.server(&chunk);
            }
            if let Some(d) = self.deflater.as_mut() {
                d.write(&chunk, &mut self.buf);
                batch = true;
            } else if chunk.len() >= LARGE_CHUNK {
                self.large = Some(chunk);
            } else {
                self.buf.extend_from_slice(&chunk);
            }
        }
        if let (true, Some(d)) = (batch, self.deflater.as_mut()) {
            d.flush(&mut self.buf);
            // Between IDLE's updates the compressor's state (about 260 KiB) is freed.
            if machine.is_idling() {
                d.idle(&mut self.buf);
            }
        }
    }

    /// The bytes to write next.
    fn front(&self) -> &[u8] {
        if self.buf.is_empty() {
            self.large.as_deref().unwrap_or_default()
        } else {
            &self.buf
        }
    }

    /// `n` bytes of [`Outbox::front`] went out.
    fn advance(&mut self, n: usize) {
        if !self.buf.is_empty() {
            self.buf.advance(n);
            if self.buf.is_empty() && self.buf.capacity() > 4096 {
                // An idle connection keeps no large buffer.
                self.buf = BytesMut::new();
            }
        } else if let Some(large) = &mut self.large {
            large.advance(n);
            if large.is_empty() {
                self.large = None;
            }
        }
    }
}

/// Messages (or change-log entries) a session works through before it yields: about a
/// millisecond of work on the memory store.
const STEP: usize = 4096;

/// What the session does with the store next (then it handles the machine's events).
#[derive(Clone, Copy, Debug)]
enum StoreWork {
    /// Handle the machine's events.
    Events,
    /// Another session changed the mailbox: tell the client (then the events).
    Updates,
    /// The next step of a long command (then the events).
    Resume,
}

/// A change of the socket's layers the machine asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Switch {
    None,
    /// STARTTLS was accepted: the handshake comes next.
    Tls,
    /// COMPRESS was accepted: both directions are compressed after the OK.
    Compress,
}

impl StoreWork {
    /// Does the work; which switch of layers comes next.
    fn run<B: Backend>(self, machine: &mut Machine, session: &mut Session<B>) -> Switch {
        match self {
            StoreWork::Events => {}
            StoreWork::Updates => session.poll_updates(machine),
            StoreWork::Resume => session.resume(machine),
        }
        let mut switch = Switch::None;
        while let Some(event) = machine.poll_event() {
            match event {
                Event::StartTls => switch = Switch::Tls,
                Event::Compress => switch = Switch::Compress,
                _ => {}
            }
            session.handle(machine, event);
        }
        switch
    }
}

/// Inflates what waits in `inflater` into the machine while it wants input; `Err` when
/// the client's stream is corrupt (the connection ends). While IDLE runs, the
/// decompressor is then freed down to its window's text.
fn inflate_into(inflater: &mut Inflater, machine: &mut Machine, tap: &mut Option<TapSession>) -> Result<(), ()> {
    let mut plain = BytesMut::new();
    while inflater.has_pending() && machine.wants_input() && !machine.is_closed() {
        plain.clear();
        match inflater.read(&mut plain, crate::io::READ_CHUNK) {
            Ok(0) => break,
            Ok(_) => {
                if let Some(t) = tap.as_mut() {
                    t.client(&plain);
                }
                machine.handle_input(&plain);
            }
            Err(_) => return Err(()),
        }
    }
    if machine.is_idling() {
        inflater.idle();
    }
    Ok(())
}

/// One connection: the server machine and a store session, until the connection ends.
async fn connection<B: Backend>(
    ctx: Ctx<B>,
    mut stream: Stream,
    tls_active: bool,
    id: u64,
    ip: std::net::IpAddr,
    mut stop: watch::Receiver<bool>,
) {
    let mut options = ctx.options.clone();
    options.tls_active = tls_active;
    options.starttls_available = ctx.tls.is_some() && !tls_active;
    options.report_commands |= observe::ENABLED;
    let mut observer = Observer::open(tls_active);
    let mut machine = Machine::new(options, now());
    let mut session = Session::new(ctx.backend.clone());
    if let Some(e) = &ctx.extensions {
        session.set_extensions(e.clone());
    }
    if let Some(check) = &ctx.authenticator {
        session.set_authenticator(check.clone());
    }
    // Long commands in steps, so that one connection's command over a million messages
    // never holds the thread the other connections on it need (see `resume` below).
    session.set_step(STEP);
    let notify = Arc::new(Notify::new());
    let waker = notify.clone();
    session.set_notifier(Arc::new(move || waker.notify_one()));
    let mut tap: Option<TapSession> = ctx.tap.as_ref().map(|t| t.session(format!("[{id}] ")));
    let mut out = Outbox::default();
    let mut dirty = false;
    let mut stopping = *stop.borrow_and_update();
    if stopping {
        machine.shutdown("Server shutting down");
    }
    let mut pending = StoreWork::Events;
    let mut inflater: Option<Inflater> = None;
    let mut failures_told = 0;
    loop {
        if let Some(i) = inflater.as_mut() {
            if inflate_into(i, &mut machine, &mut tap).is_err() {
                machine.handle_eof();
            }
        }
        let switch;
        // A password check may be slow (argon2): off the event loop, like the store.
        let mut login = None;
        let mut events = false;
        for e in machine.pending_events() {
            events = true;
            if let Event::Credentials { username, .. } = e {
                login = Some(username.as_str());
            }
        }
        if let Some(user) = login {
            observer.login(user);
        }
        let slow_login = ctx.authenticator.is_some() && login.is_some();
        let call = match pending {
            StoreWork::Events => events.then_some(StoreCall::Command),
            StoreWork::Updates => Some(StoreCall::Updates),
            StoreWork::Resume => Some(StoreCall::Step),
        };
        let began = std::time::Instant::now();
        (machine, session, switch) = if ctx.blocking_store || slow_login {
            let work = pending;
            tokio::task::spawn_blocking(move || {
                let switch = work.run(&mut machine, &mut session);
                (machine, session, switch)
            })
            .await
            .expect("a store call panicked")
        } else {
            let switch = pending.run(&mut machine, &mut session);
            (machine, session, switch)
        };
        if let Some(call) = call {
            observer.store(call, began.elapsed());
        }
        observer.drain(&mut machine);
        pending = StoreWork::Events;
        if let Some(brake) = &ctx.brake {
            let failures = machine.auth_failures();
            if failures > failures_told {
                brake.failed(ip, failures - failures_told, now());
                failures_told = failures;
            }
            // Before the next input, which may be a LOGIN.
            if machine.state() == State::NotAuthenticated {
                machine.refuse_logins(brake.refused(ip, now()));
            }
        }
        if switch != Switch::None || machine.is_closed() {
            // Everything goes out first: `OK Begin TLS` in plaintext before the handshake,
            // or the last responses before the close.
            let mut sent = true;
            loop {
                out.fill(&mut machine, tap.as_mut(), HIGH_WATER);
                if out.is_empty() {
                    break;
                }
                let n = out.front().len();
                if write_out(&mut stream, out.front(), ctx.write_timeout).await.is_err() {
                    sent = false;
                    break;
                }
                observer.sent(n);
                out.advance(n);
            }
            if !sent {
                break;
            }
            if machine.is_closed() {
                let _ = tokio::time::timeout(ctx.write_timeout, stream.shutdown()).await;
                break;
            }
            if switch == Switch::Compress {
                // The OK went out plain above; from here on both directions deflate.
                let Ok(early) = machine.compression_started() else { break };
                out.deflater = Some(Deflater::new());
                let mut i = Inflater::new();
                i.feed(&early);
                inflater = Some(i);
                continue;
            }
            let (Stream::Tcp(tcp), Some(config)) = (std::mem::replace(&mut stream, Stream::Gone), ctx.tls.clone())
            else {
                break;
            };
            match tokio::time::timeout(ctx.handshake_timeout, TlsAcceptor::from(config).accept(tcp)).await {
                Ok(Ok(tls)) => stream = Stream::ServerTls(Box::new(tls)),
                _ => break,
            }
            let _ = machine.tls_established();
            observer.tls_started();
            continue;
        }
        out.fill(&mut machine, tap.as_mut(), HIGH_WATER);
        // Not while a streamed APPEND's literal waits to be accepted and enough of it came.
        let can_read =
            out.len() < HIGH_WATER && machine.wants_input() && !inflater.as_ref().is_some_and(Inflater::has_pending);
        // The next step of a long command once its output so far has drained: its
        // responses are produced as the socket takes them, never built whole.
        let work = session.has_work() && !machine.has_transmit() && out.len() < HIGH_WATER / 2;
        let deadline = machine.poll_timeout();
        let mut on_read = |input: &[u8]| match inflater.as_mut() {
            Some(i) => i.feed(input),
            None => {
                if let Some(t) = tap.as_mut() {
                    t.client(input);
                }
                machine.handle_input(input);
            }
        };
        tokio::select! {
            r = io_step(&mut stream, out.front(), dirty, can_read, &mut on_read) => match r {
                Ok(IoEvent::Read(0)) | Err(_) => machine.handle_eof(),
                Ok(IoEvent::Read(n)) => observer.received(n),
                Ok(IoEvent::Wrote(n)) => {
                    observer.sent(n);
                    out.advance(n);
                    dirty = true;
                }
                Ok(IoEvent::Flushed) => dirty = false,
            },
            () = sleep_until(deadline) => machine.handle_timeout(now()),
            () = notify.notified() => pending = StoreWork::Updates,
            // Yields to the other connections on this thread between steps.
            () = tokio::task::yield_now(), if work => pending = StoreWork::Resume,
            _ = stop.changed(), if !stopping => {
                stopping = true;
                machine.shutdown("Server shutting down");
            }
        }
        observer.drain(&mut machine);
    }
    // The machine may have failed without a Closed event (EOF, I/O error): release the
    // mailbox either way.
    session.close();
}
