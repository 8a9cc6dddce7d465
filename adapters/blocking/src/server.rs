//! The blocking server: one thread per connection (plus a reader thread), each driving
//! the core's `server::Server` machine and a `store::Session`.

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::BytesMut;
use imap_machine::server::{self as machine, Event, ServerOptions};
use imap_machine::store::{Backend, Extensions, Session};

use crate::observe::{self, Observer, StoreCall};
use crate::tap::{Tap, TapSession};
use crate::transport::{Compression, Transport};

/// Chunks (of up to 16 KiB) the reader thread may queue ahead of the connection thread.
const READ_QUEUE: usize = 64;

/// What wakes a connection thread.
enum Wake {
    Bytes(Vec<u8>),
    Eof,
    MailboxChanged,
    Shutdown,
}

/// Shared by a server, its connections and its [`ShutdownHandle`]s.
#[derive(Default)]
struct ShutdownState {
    requested: AtomicBool,
    connections: Mutex<Vec<mpsc::SyncSender<Wake>>>,
    listeners: Mutex<Vec<SocketAddr>>,
}

/// Stops a [`Server`]: no new connections, and `* BYE` to every open one. A command
/// already received completes first; an APPEND whose literal has not fully arrived is
/// never executed, so nothing is half-written.
#[derive(Clone)]
pub struct ShutdownHandle(Arc<ShutdownState>);

impl std::fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShutdownHandle")
    }
}

impl ShutdownHandle {
    /// Requests the shutdown; the `serve` calls return once their accept loops notice.
    pub fn shutdown(&self) {
        self.0.requested.store(true, Ordering::SeqCst);
        for tx in self.0.connections.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = tx.try_send(Wake::Shutdown);
        }
        // Unblock `accept` with a connection of our own.
        for addr in self.0.listeners.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = TcpStream::connect(addr);
        }
    }
}

/// A blocking IMAP server over a [`Backend`].
pub struct Server<B: Backend> {
    backend: Arc<B>,
    options: ServerOptions,
    tls: Option<Arc<rustls::ServerConfig>>,
    max_connections: usize,
    active: Arc<AtomicUsize>,
    tap: Option<Tap>,
    log: bool,
    shutdown: Arc<ShutdownState>,
    extensions: Option<Arc<Extensions<B>>>,
}

impl<B: Backend> std::fmt::Debug for Server<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("options", &self.options).finish()
    }
}

impl<B: Backend> Clone for Server<B> {
    fn clone(&self) -> Self {
        Server {
            backend: self.backend.clone(),
            options: self.options.clone(),
            tls: self.tls.clone(),
            max_connections: self.max_connections,
            active: self.active.clone(),
            tap: self.tap.clone(),
            log: self.log,
            shutdown: self.shutdown.clone(),
            extensions: self.extensions.clone(),
        }
    }
}

impl<B: Backend> Server<B> {
    /// A server for `backend`, advertising what the store engine serves.
    pub fn new(backend: Arc<B>) -> Self {
        let mut options = Session::server_options(&*backend);
        options.compress_available = true;
        observe::describe();
        Server {
            backend,
            options,
            tls: None,
            max_connections: 1000,
            active: Arc::default(),
            tap: None,
            log: false,
            shutdown: Arc::default(),
            extensions: None,
        }
    }

    /// Allow LOGIN and AUTHENTICATE without TLS (default off: LOGINDISABLED).
    pub fn allow_insecure_auth(mut self, allow: bool) -> Self {
        self.options.allow_insecure_auth = allow;
        self
    }

    /// A TLS configuration: offered with STARTTLS on [`Server::serve`], and used for
    /// every connection by [`Server::serve_tls`].
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.options.starttls_available = true;
        self.tls = Some(config);
        self
    }

    /// Offers COMPRESS=DEFLATE (RFC 4978) once a client is authenticated (default on):
    /// each batch of responses is deflated with one sync flush at its end.
    pub fn compress(mut self, on: bool) -> Self {
        self.options.compress_available = on;
        self
    }

    /// The most connections at once (default 1000); more are answered `* BYE`.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
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

    /// The protocol machine's options (limits, autologout, greeting, ...).
    pub fn options_mut(&mut self) -> &mut ServerOptions {
        &mut self.options
    }

    /// Logs traffic to a tap (credentials redacted; each line starts with `[n] `, the
    /// connection's number).
    pub fn tap(mut self, tap: Tap) -> Self {
        self.tap = Some(tap);
        self
    }

    /// Prints one line per connection on stderr.
    pub fn log_connections(mut self, log: bool) -> Self {
        self.log = log;
        self
    }

    /// A handle that shuts this server (and its clones) down.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown.clone())
    }

    /// Accepts connections until shut down (STARTTLS offered if TLS is configured).
    pub fn serve(&self, listener: TcpListener) -> io::Result<()> {
        self.accept_loop(listener, false)
    }

    /// Accepts implicit-TLS connections forever (port 993 style).
    pub fn serve_tls(&self, listener: TcpListener) -> io::Result<()> {
        if self.tls.is_none() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "serve_tls needs a TLS configuration"));
        }
        self.accept_loop(listener, true)
    }

    fn accept_loop(&self, listener: TcpListener, implicit_tls: bool) -> io::Result<()> {
        if let Ok(addr) = listener.local_addr() {
            self.shutdown.listeners.lock().unwrap_or_else(|p| p.into_inner()).push(addr);
        }
        for stream in listener.incoming() {
            if self.shutdown.requested.load(Ordering::SeqCst) {
                return Ok(());
            }
            let stream = stream?;
            let server = self.clone();
            std::thread::spawn(move || {
                #[cfg(feature = "tracing")]
                let _span = stream.peer_addr().ok().map(|peer| {
                    static IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                    crate::observe::span(IDS.fetch_add(1, Ordering::Relaxed), peer, implicit_tls).entered()
                });
                let peer = stream.peer_addr().map(|a| a.to_string()).unwrap_or_default();
                // `writeln!`, not `eprintln!`: a closed stderr must not panic the thread.
                use std::io::Write as _;
                if server.log {
                    let _ = writeln!(io::stderr(), "connection from {peer}");
                }
                let r = server.handle_connection(stream, implicit_tls);
                if server.log {
                    let _ = match r {
                        Ok(()) => writeln!(io::stderr(), "{peer} closed"),
                        Err(e) => writeln!(io::stderr(), "{peer} ended: {e}"),
                    };
                }
            });
        }
        Ok(())
    }

    /// Runs one connection to its end on the calling thread.
    pub fn handle_connection(&self, mut stream: TcpStream, implicit_tls: bool) -> io::Result<()> {
        let _ = stream.set_nodelay(true);
        // A client that stops reading must not hold the connection forever: a write that
        // cannot progress for a whole autologout period ends it.
        let _ = stream.set_write_timeout(Some(self.options.autologout.max(std::time::Duration::from_secs(30 * 60))));
        let n = self.active.fetch_add(1, Ordering::SeqCst);
        let _guard = Guard(self.active.clone());
        let mut options = self.options.clone();
        if n >= self.max_connections {
            options.greeting = machine::Greeting::Bye;
            options.greeting_text = "Too many connections".into();
            observe::refused();
        }
        options.report_commands |= observe::ENABLED;
        let mut transport = Transport::Plain;
        if implicit_tls {
            let tls = self.tls.clone().expect("checked by serve_tls");
            let conn = rustls::ServerConnection::new(tls).map_err(|e| io::Error::other(e.to_string()))?;
            transport = Transport::Tls(Box::new(conn.into()));
            options.tls_active = true;
            options.starttls_available = false;
        }
        let mut obs = Observer::open(options.tls_active);
        let mut machine = machine::Server::new(options, Instant::now());
        let mut session = Session::new(self.backend.clone());
        if let Some(e) = &self.extensions {
            session.set_extensions(e.clone());
        }
        // Bounded: a client that sends faster than we answer is held back by TCP (the
        // reader blocks), so memory stays bounded. The notifier never blocks (it runs on
        // another session's thread): it sets a flag and nudges the channel if there is room.
        let (tx, rx) = mpsc::sync_channel::<Wake>(READ_QUEUE);
        self.shutdown.connections.lock().unwrap_or_else(|p| p.into_inner()).push(tx.clone());
        if self.shutdown.requested.load(Ordering::SeqCst) {
            let _ = tx.try_send(Wake::Shutdown);
        }
        let changed = Arc::new(AtomicBool::new(false));
        let notify = tx.clone();
        let flag = changed.clone();
        session.set_notifier(Arc::new(move || {
            flag.store(true, Ordering::SeqCst);
            let _ = notify.try_send(Wake::MailboxChanged);
        }));
        let mut reader = stream.try_clone()?;
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => {
                        let _ = tx.send(Wake::Eof);
                        return;
                    }
                    Ok(k) => {
                        if tx.send(Wake::Bytes(buf[..k].to_vec())).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        let mut out = BytesMut::with_capacity(16 * 1024);
        let mut tap = self.tap.as_ref().map(Tap::server_session);
        let mut z = Compression::default();
        let result = (|| -> io::Result<()> {
            loop {
                let mut io =
                    Io { transport: &mut transport, stream: &mut stream, z: &mut z, tap: &mut tap, obs: &mut obs };
                self.pump(&mut machine, &mut session, &mut io, &mut out)?;
                if machine.is_closed() {
                    return Ok(());
                }
                let wait = machine.poll_timeout().map(|t| t.saturating_duration_since(Instant::now()));
                let wake = match wait {
                    Some(d) => rx.recv_timeout(d),
                    None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                };
                match wake {
                    Ok(Wake::Bytes(raw)) => {
                        obs.received(raw.len());
                        let plain = transport.receive(&raw, &mut stream)?;
                        Io::deliver(&mut z, &mut tap, &mut machine, &plain)?;
                        obs.drain(&mut machine);
                    }
                    Ok(Wake::Eof) | Err(RecvTimeoutError::Disconnected) => machine.handle_eof(),
                    Ok(Wake::MailboxChanged) => {}
                    Ok(Wake::Shutdown) => machine.shutdown("Server shutting down"),
                    Err(RecvTimeoutError::Timeout) => machine.handle_timeout(Instant::now()),
                }
                if changed.swap(false, Ordering::SeqCst) {
                    let began = Instant::now();
                    session.poll_updates(&mut machine);
                    obs.store(StoreCall::Updates, began.elapsed());
                }
                // Wake-ups that never let `recv_timeout` expire must not starve the timer.
                if machine.poll_timeout().is_some_and(|t| t <= Instant::now()) {
                    machine.handle_timeout(Instant::now());
                }
            }
        })();
        session.close();
        transport.close(&mut stream);
        let _ = stream.shutdown(Shutdown::Both);
        result
    }

    /// Sends what the machine has, handing each event to the session in between.
    fn pump(
        &self,
        machine: &mut machine::Server,
        session: &mut Session<B>,
        io: &mut Io<'_>,
        out: &mut BytesMut,
    ) -> io::Result<()> {
        loop {
            // Small chunks are coalesced (one write for many responses); a large one — a
            // literal body, the store's own buffer — is written from where it is, so the
            // answer to a FETCH of many large messages is never built whole. Compressed,
            // everything is deflated into `out`, and the batch ends with one sync flush.
            out.clear();
            let mut batch = false;
            while let Some(chunk) = machine.poll_transmit_bytes() {
                if let Some(t) = io.tap.as_mut() {
                    t.server(&chunk);
                }
                if io.z.is_on() {
                    io.z.write(&chunk, out);
                    batch = true;
                    if out.len() > COALESCE {
                        io.send(out)?;
                        out.clear();
                    }
                    continue;
                }
                let large = chunk.len() >= LARGE_CHUNK;
                if large || out.len() + chunk.len() > COALESCE {
                    io.send(out)?;
                    out.clear();
                }
                if large {
                    io.send(&chunk)?;
                } else {
                    out.extend_from_slice(&chunk);
                }
            }
            if batch {
                io.z.flush(out, machine.is_idling());
            }
            io.send(out)?;
            let Some(event) = machine.poll_event() else { return Ok(()) };
            match event {
                Event::StartTls => {
                    // The OK went out in plaintext just above; from here on, TLS.
                    let tls = self.tls.clone().ok_or_else(|| io::Error::other("STARTTLS without TLS config"))?;
                    let conn = rustls::ServerConnection::new(tls).map_err(|e| io::Error::other(e.to_string()))?;
                    *io.transport = Transport::Tls(Box::new(conn.into()));
                    let _ = machine.tls_established();
                    io.obs.tls_started();
                }
                Event::Compress => {
                    // The OK went out plain just above; from here on, DEFLATE.
                    let early = machine.compression_started().map_err(io::Error::other)?;
                    io.z.start(&[]);
                    Io::deliver(io.z, io.tap, machine, &early)?;
                }
                other => {
                    if let Event::Credentials { username, .. } = &other {
                        io.obs.login(username);
                    }
                    let began = Instant::now();
                    session.handle(machine, other);
                    io.obs.store(StoreCall::Command, began.elapsed());
                }
            }
            io.obs.drain(machine);
        }
    }
}

/// A connection's way out: the transport (TLS or not), COMPRESS and the tap.
struct Io<'a> {
    transport: &'a mut Transport,
    stream: &'a mut TcpStream,
    z: &'a mut Compression,
    tap: &'a mut Option<TapSession>,
    obs: &'a mut Observer,
}

impl Io<'_> {
    /// Writes `wire` (if any) through the transport.
    fn send(&mut self, wire: &[u8]) -> io::Result<()> {
        if wire.is_empty() {
            return Ok(());
        }
        self.obs.sent(wire.len());
        self.transport.send(wire, self.stream)
    }

    /// Hands octets read (after TLS) to the machine, inflated when compressed.
    fn deliver(
        z: &mut Compression,
        tap: &mut Option<TapSession>,
        machine: &mut machine::Server,
        input: &[u8],
    ) -> io::Result<()> {
        z.read(input, |plain| {
            if let Some(t) = tap.as_mut() {
                t.client(plain);
            }
            machine.handle_input(plain);
        })
    }
}

/// Output chunks at least this long (literal bodies) are written without being copied.
const LARGE_CHUNK: usize = 32 * 1024;
/// Small output chunks are gathered up to this much per write.
const COALESCE: usize = 64 * 1024;

struct Guard(Arc<AtomicUsize>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
