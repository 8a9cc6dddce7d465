//! The server side of the custom-event-loop story: many connections on one thread, each a
//! core `server::Server` machine and a store `Session`, all on one `MemoryBackend`,
//! driven by a hand-written mio loop with no async runtime.
//!
//! Included with `#[path]` by `examples/mio_server.rs` and `tests/mio_examples.rs`.
//!
//! Per connection the order is the adapters': `handle_input` → drain `poll_event` into
//! `session.handle` → `poll_transmit` → write. Around that:
//!
//! - **edge-triggered readiness**: a readable event sets `readable`, which only a read
//!   returning `WouldBlock` clears, so input left unread (output backed up, or the turn's
//!   read budget spent) is read later without a new event;
//! - **partial writes**: what the socket did not take stays in the connection's `out`;
//!   the machine's further output stays in the machine until `out` drains below a mark;
//! - **long commands in steps**: `session.set_step`; a session with work left is resumed,
//!   one step per loop turn, only once its output so far has drained. Connections with
//!   work (or unread input) wait in a ready queue, and the loop does not sleep while the
//!   queue is non-empty, so one connection's FETCH of a big mailbox never stalls the rest;
//! - **IDLE wake-ups**: the session's notifier (called from whichever session changed the
//!   mailbox) must not block: it adds the token to a shared set and wakes the loop with a
//!   `mio::Waker`; the loop then calls `session.poll_updates` for each token in the set;
//! - **timers**: `poll_timeout` per connection in a min-heap; the loop sleeps until the
//!   earliest and calls `handle_timeout(now)` on those due (autologout);
//! - **closing**: once `server.is_closed()` and the output is flushed, the socket is
//!   dropped; `session.close()` releases the mailbox on every disconnect.

// The example is the embedder: it owns the clock.
#![allow(clippy::disallowed_methods)]
// Each includer uses its own part of this file.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use imap_machine::server::{Server, ServerOptions};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::Session;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
/// The first connection's token; tokens are never reused.
const FIRST_CONNECTION: usize = 2;

/// Output waiting in a connection beyond which the machine's further output stays in the
/// machine, and input is not read (a client that does not read is held back by TCP).
const HIGH_WATER: usize = 256 * 1024;
/// A long command's next step runs only once the output waiting is below this.
const LOW_WATER: usize = HIGH_WATER / 2;
/// Bytes read from one connection per loop turn before the others get theirs.
const READ_BUDGET: usize = 64 * 1024;
/// How long a stopping server waits for its connections' last output.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// What the server serves.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    /// The address to listen on.
    pub(crate) listen: SocketAddr,
    /// Users added to the demo data (`username`/`password` is always there).
    pub(crate) users: Vec<(String, String)>,
    /// Messages a session works through per step (`Session::set_step`).
    pub(crate) step: usize,
    /// One line on stderr per connection opened and closed.
    pub(crate) log: bool,
}

impl Config {
    /// The defaults: the given address, the demo user only, steps of 4096 messages.
    pub(crate) fn new(listen: SocketAddr) -> Self {
        Config { listen, users: Vec::new(), step: 4096, log: false }
    }
}

/// Stops a running [`ServerLoop`] from another thread: every connection gets `* BYE`,
/// then [`ServerLoop::run`] returns.
#[derive(Clone, Debug)]
pub(crate) struct StopHandle {
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

impl StopHandle {
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
    }
}

/// One connection.
struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    machine: Server,
    session: Session<MemoryBackend>,
    /// Bytes taken from the machine that the socket has not taken yet.
    out: BytesMut,
    /// The socket may have input: set by a readable event, cleared by `WouldBlock`.
    readable: bool,
    /// In the ready queue.
    queued: bool,
    /// The deadline last put in the timer heap.
    timer: Option<Instant>,
}

impl Conn {
    /// Gives the machine's events to the session, in order.
    fn dispatch(&mut self) {
        while let Some(event) = self.machine.poll_event() {
            // No TLS here, so the machine never emits `StartTls` (STARTTLS is not offered).
            self.session.handle(&mut self.machine, event);
        }
    }

    /// Moves the machine's output to `out` (up to the high-water mark) and writes until
    /// the socket would block or nothing is left. The unwritten rest stays, in order.
    fn write(&mut self) -> io::Result<()> {
        loop {
            while self.out.len() < HIGH_WATER {
                let Some(chunk) = self.machine.poll_transmit_bytes() else { break };
                self.out.extend_from_slice(&chunk);
            }
            if self.out.is_empty() {
                return Ok(());
            }
            match self.stream.write(&self.out) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out.advance(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Everything this connection can do now without blocking, within one turn's read
    /// budget: read, hand events to the session, write; again until nothing moves.
    fn advance(&mut self, buf: &mut [u8]) -> io::Result<()> {
        let mut budget = READ_BUDGET;
        loop {
            self.dispatch();
            self.write()?;
            if self.machine.is_closed() || !self.readable || self.out.len() >= HIGH_WATER || budget == 0 {
                return Ok(());
            }
            match self.stream.read(buf) {
                Ok(0) => {
                    self.readable = false;
                    self.machine.handle_eof();
                }
                Ok(n) => {
                    budget = budget.saturating_sub(n);
                    self.machine.handle_input(&buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => {
                    self.readable = false;
                    self.machine.handle_eof();
                }
            }
        }
    }

    /// A long command's next step may run: its output so far has (nearly) drained.
    fn can_resume(&self) -> bool {
        self.session.has_work() && !self.machine.has_transmit() && self.out.len() < LOW_WATER
    }

    /// Something to do on the next turn without waiting for an event.
    fn wants_turn(&self) -> bool {
        !self.machine.is_closed() && ((self.readable && self.out.len() < HIGH_WATER) || self.can_resume())
    }

    /// Closed and everything flushed: the socket can go.
    fn finished(&self) -> bool {
        self.machine.is_closed() && self.out.is_empty() && !self.machine.has_transmit()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The event loop (see the module docs).
pub(crate) struct ServerLoop {
    config: Config,
    poll: Poll,
    listener: Option<TcpListener>,
    addr: SocketAddr,
    backend: Arc<MemoryBackend>,
    options: ServerOptions,
    conns: HashMap<Token, Conn>,
    next_token: usize,
    /// Connections with work or unread input, served one step each per turn.
    ready: VecDeque<Token>,
    /// Deadlines (stale entries are skipped: see `Conn::timer`).
    timers: BinaryHeap<Reverse<(Instant, Token)>>,
    waker: Arc<Waker>,
    /// Connections whose selected mailbox changed (filled by the notifiers).
    notified: Arc<Mutex<HashSet<Token>>>,
    stop: Arc<AtomicBool>,
    stop_by: Option<Instant>,
}

impl ServerLoop {
    /// Binds the listener and prepares the backend (the demo data plus `config.users`).
    pub(crate) fn bind(config: Config) -> io::Result<ServerLoop> {
        let poll = Poll::new()?;
        let mut listener = TcpListener::bind(config.listen)?;
        let addr = listener.local_addr()?;
        poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let backend = Arc::new(MemoryBackend::with_demo_data());
        for (user, pass) in &config.users {
            backend.add_user(user, pass);
        }
        let mut options = Session::server_options(&*backend);
        // Plaintext LOGIN: this example has no TLS; run it on loopback only.
        options.allow_insecure_auth = true;
        Ok(ServerLoop {
            config,
            poll,
            listener: Some(listener),
            addr,
            backend,
            options,
            conns: HashMap::new(),
            next_token: FIRST_CONNECTION,
            ready: VecDeque::new(),
            timers: BinaryHeap::new(),
            waker,
            notified: Arc::new(Mutex::new(HashSet::new())),
            stop: Arc::new(AtomicBool::new(false)),
            stop_by: None,
        })
    }

    /// The address it listens on (the port, when bound to port 0).
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub(crate) fn stop_handle(&self) -> StopHandle {
        StopHandle { stop: self.stop.clone(), waker: self.waker.clone() }
    }

    /// Serves until stopped.
    pub(crate) fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut buf = vec![0u8; 16 * 1024];
        let mut touched = Vec::new();
        loop {
            let timeout = if self.ready.is_empty() {
                self.next_deadline().map(|t| t.saturating_duration_since(Instant::now()))
            } else {
                // Work is waiting: look at the sockets without sleeping.
                Some(Duration::ZERO)
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept(&mut touched),
                    WAKER => self.woken(&mut touched),
                    token => {
                        if let Some(c) = self.conns.get_mut(&token) {
                            // Error and hang-up count as readable: the read reports them.
                            if event.is_readable() || event.is_read_closed() || event.is_error() {
                                c.readable = true;
                            }
                            touched.push(token);
                        }
                    }
                }
            }
            let now = Instant::now();
            self.expire(now, &mut touched);
            // One step for each connection that was ready before this turn; those that
            // still have work go to the back of the queue.
            for _ in 0..self.ready.len() {
                let Some(token) = self.ready.pop_front() else { break };
                if let Some(c) = self.conns.get_mut(&token) {
                    c.queued = false;
                    if c.can_resume() {
                        c.session.resume(&mut c.machine);
                    }
                    touched.push(token);
                }
            }
            touched.sort_unstable();
            touched.dedup();
            for token in touched.drain(..) {
                self.drive(token, &mut buf);
            }
            if let Some(by) = self.stop_by {
                if self.conns.is_empty() {
                    return Ok(());
                }
                if now >= by {
                    let tokens: Vec<Token> = self.conns.keys().copied().collect();
                    for token in tokens {
                        self.close(token, "not drained at stop");
                    }
                }
            }
        }
    }

    /// Accepts every pending connection (edge-triggered: until `WouldBlock`).
    fn accept(&mut self, touched: &mut Vec<Token>) {
        loop {
            let Some(listener) = &self.listener else { return };
            let (mut stream, peer) = match listener.accept() {
                Ok(accepted) => accepted,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // Out of file descriptors and the like: the connections still pending
                    // are accepted at the next readiness event of the listener.
                    let _ = writeln!(io::stderr(), "accept: {e}");
                    return;
                }
            };
            let token = Token(self.next_token);
            self.next_token += 1;
            if let Err(e) = self.poll.registry().register(&mut stream, token, Interest::READABLE | Interest::WRITABLE) {
                let _ = writeln!(io::stderr(), "register {peer}: {e}");
                continue;
            }
            let _ = stream.set_nodelay(true);
            let mut machine = Server::new(self.options.clone(), Instant::now());
            if self.stop_by.is_some() {
                machine.shutdown("Server shutting down");
            }
            let mut session = Session::new(self.backend.clone());
            session.set_step(self.config.step);
            session.set_notifier(notifier(token, &self.notified, &self.waker));
            if self.config.log {
                let _ = writeln!(io::stderr(), "[{}] connection from {peer}", token.0);
            }
            // `readable`: input may have arrived before the registration.
            let conn = Conn {
                stream,
                peer,
                machine,
                session,
                out: BytesMut::new(),
                readable: true,
                queued: false,
                timer: None,
            };
            self.conns.insert(token, conn);
            touched.push(token);
        }
    }

    /// The waker fired: a stop, or mailbox changes for connections in IDLE.
    fn woken(&mut self, touched: &mut Vec<Token>) {
        if self.stop.load(Ordering::SeqCst) && self.stop_by.is_none() {
            self.stop_by = Some(Instant::now() + STOP_GRACE);
            if let Some(mut listener) = self.listener.take() {
                let _ = self.poll.registry().deregister(&mut listener);
            }
            for (token, c) in &mut self.conns {
                c.machine.shutdown("Server shutting down");
                touched.push(*token);
            }
        }
        // Taken whole, so the lock is not held while sessions run (their changes call
        // other sessions' notifiers, which take it).
        let changed = std::mem::take(&mut *lock(&self.notified));
        for token in changed {
            if let Some(c) = self.conns.get_mut(&token) {
                c.session.poll_updates(&mut c.machine);
                touched.push(token);
            }
        }
    }

    /// Calls `handle_timeout` on the connections whose deadline passed.
    fn expire(&mut self, now: Instant, touched: &mut Vec<Token>) {
        while let Some(&Reverse((at, token))) = self.timers.peek() {
            if at > now {
                return;
            }
            self.timers.pop();
            if let Some(c) = self.conns.get_mut(&token) {
                if c.timer == Some(at) {
                    c.timer = None;
                    c.machine.handle_timeout(now);
                    touched.push(token);
                }
            }
        }
    }

    /// The earliest live deadline, the stop's included (stale heap entries are dropped on
    /// the way).
    fn next_deadline(&mut self) -> Option<Instant> {
        let mut earliest = None;
        while let Some(&Reverse((at, token))) = self.timers.peek() {
            if self.conns.get(&token).is_some_and(|c| c.timer == Some(at)) {
                earliest = Some(at);
                break;
            }
            self.timers.pop();
        }
        match (earliest, self.stop_by) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Runs one connection as far as it goes now; then closes it, queues it for another
    /// turn, or waits for its next event.
    fn drive(&mut self, token: Token, buf: &mut [u8]) {
        let Some(c) = self.conns.get_mut(&token) else { return };
        if let Err(e) = c.advance(buf) {
            self.close(token, &e.to_string());
            return;
        }
        if c.finished() {
            self.close(token, "closed");
            return;
        }
        if c.wants_turn() && !c.queued {
            c.queued = true;
            self.ready.push_back(token);
        }
        let deadline = c.machine.poll_timeout();
        if deadline != c.timer {
            c.timer = deadline;
            if let Some(at) = deadline {
                self.timers.push(Reverse((at, token)));
            }
        }
    }

    fn close(&mut self, token: Token, why: &str) {
        let Some(mut c) = self.conns.remove(&token) else { return };
        let _ = self.poll.registry().deregister(&mut c.stream);
        // Releases the selected mailbox even when the machine failed without a Closed event.
        c.session.close();
        lock(&self.notified).remove(&token);
        if self.config.log {
            let _ = writeln!(io::stderr(), "[{}] {}: {why}", token.0, c.peer);
        }
    }
}

/// The session's notifier: called from whichever session changed the mailbox (here, on
/// the loop's own thread, in the middle of another connection's command), so it only
/// records the token and wakes the loop, which polls the updates on its next turn.
fn notifier(token: Token, notified: &Arc<Mutex<HashSet<Token>>>, waker: &Arc<Waker>) -> imap_machine::store::Notifier {
    let notified = notified.clone();
    let waker = waker.clone();
    Arc::new(move || {
        let mut set = lock(&notified);
        // One wake per batch: the loop takes the whole set when it wakes.
        let wake = set.is_empty();
        set.insert(token);
        drop(set);
        if wake {
            let _ = waker.wake();
        }
    })
}
