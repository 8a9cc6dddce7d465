//! An in-memory client–server pair for tests: the [`Client`] machine connected to the
//! [`Server`] machine, with a fake clock, configurable chunking and a tamper hook. It
//! plays both embedders' part in COMPRESS (RFC 4978): once each side is told, its
//! direction of the wire goes through [`crate::compress`].
//!
//! ```
//! use std::time::Instant;
//! use imap_machine::client::ClientOptions;
//! use imap_machine::server::{self, ServerOptions};
//! use imap_machine::testing::Pair;
//! use imap_machine::types::{CommandBody, StatusKind};
//!
//! let mut pair = Pair::new(ClientOptions::default(), ServerOptions::default(), Instant::now());
//! let id = pair.client.send(CommandBody::Noop).unwrap();
//! pair.drive_with(|server, event| {
//!     if let server::Event::CommandReceived { tag, .. } = event {
//!         server.complete(&tag, StatusKind::Ok, None, "NOOP completed").unwrap();
//!     }
//! });
//! assert!(pair.client_events.iter().any(|e| matches!(e,
//!     imap_machine::client::Event::CommandCompleted { id: done, .. } if *done == id)));
//! ```

#[cfg(any(test, feature = "proptest"))]
pub mod conformance;
#[cfg(any(test, feature = "proptest"))]
pub mod strategies;

use std::time::Instant;

use bytes::BytesMut;

use crate::client::{self, Client, ClientOptions};
use crate::compress::{Deflater, Inflater};
use crate::server::{self, Server, ServerOptions};

/// How bytes are cut on their way between the machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunking {
    /// As produced.
    Whole,
    /// One byte at a time.
    OneByte,
    /// Random cuts from this seed (deterministic).
    Random(u64),
}

impl Chunking {
    /// Cuts `data` as this chunking says. `rng` is the xorshift state of `Random`, seeded
    /// from the seed on first use (keep it across calls for one stream of random cuts).
    pub fn cut(self, data: &[u8], rng: &mut u64) -> Vec<Vec<u8>> {
        match self {
            Chunking::Whole => vec![data.to_vec()],
            Chunking::OneByte => data.iter().map(|b| vec![*b]).collect(),
            Chunking::Random(seed) => {
                if *rng == 0 {
                    *rng = seed | 1;
                }
                let mut out = Vec::new();
                let mut rest = data;
                while !rest.is_empty() {
                    *rng ^= *rng << 13;
                    *rng ^= *rng >> 7;
                    *rng ^= *rng << 17;
                    let n = (1 + (*rng % 29) as usize).min(rest.len());
                    out.push(rest[..n].to_vec());
                    rest = &rest[n..];
                }
                out
            }
        }
    }
}

/// The `*.txt` transcripts under `tests/transcripts/<dir>`, sorted by name, as
/// `(file name, text)`; asserts there are at least `at_least` of them.
#[cfg(test)]
pub(crate) fn transcripts(dir: &str, at_least: usize) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts").join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    v.sort();
    assert!(v.len() >= at_least, "transcripts missing in {}", dir.display());
    v
}

/// Which way bytes travel, for the tamper hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// A tamper hook: may rewrite the bytes in flight.
pub type Tamper = Box<dyn FnMut(Direction, &mut Vec<u8>)>;

/// A client and a server connected in memory.
pub struct Pair {
    /// The client machine.
    pub client: Client,
    /// The server machine.
    pub server: Server,
    /// The fake clock.
    pub now: Instant,
    /// How bytes are cut.
    pub chunking: Chunking,
    /// Rewrites bytes in flight (injection and truncation tests).
    pub tamper: Option<Tamper>,
    /// Every client event so far.
    pub client_events: Vec<client::Event>,
    /// Every server event so far (also given to the embedder of `drive_with`).
    pub server_events: Vec<server::Event>,
    /// Octets on the wire so far, client to server and server to client (compressed
    /// once COMPRESS is on).
    pub wire_octets: [u64; 2],
    rng: u64,
    /// Each side's compression layer, once COMPRESS started.
    client_layer: Option<(Deflater, Inflater)>,
    server_layer: Option<(Deflater, Inflater)>,
    /// The server answered COMPRESS: its layer goes on after the OK is sent.
    server_switch: bool,
}

impl std::fmt::Debug for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pair")
            .field("client", &self.client)
            .field("server", &self.server)
            .field("now", &self.now)
            .finish()
    }
}

impl Pair {
    /// A fresh connection at `now`: the server's greeting is queued.
    pub fn new(client: ClientOptions, server: ServerOptions, now: Instant) -> Self {
        Pair {
            client: Client::new(client),
            server: Server::new(server, now),
            now,
            chunking: Chunking::Whole,
            tamper: None,
            client_events: Vec::new(),
            server_events: Vec::new(),
            wire_octets: [0; 2],
            rng: 0,
            client_layer: None,
            server_layer: None,
            server_switch: false,
        }
    }

    /// Whether COMPRESS is on at both ends.
    pub fn is_compressed(&self) -> bool {
        self.client_layer.is_some() && self.server_layer.is_some()
    }

    /// Plain octets the server reads: through its inflater once compressed.
    fn deliver_to_server(&mut self, wire: &[u8], embedder: &mut dyn FnMut(&mut Server, server::Event)) {
        let Some((_, inflater)) = self.server_layer.as_mut() else {
            self.server.handle_input(wire);
            return self.server_drain(embedder);
        };
        inflater.feed(wire);
        let mut plain = BytesMut::new();
        loop {
            plain.clear();
            let Some((_, inflater)) = self.server_layer.as_mut() else { return };
            match inflater.read(&mut plain, 4096) {
                Ok(0) => return,
                Ok(_) => {
                    self.server.handle_input(&plain);
                    self.server_drain(embedder);
                }
                Err(_) => {
                    self.server.handle_eof();
                    return self.server_drain(embedder);
                }
            }
        }
    }

    /// Plain octets the client reads, likewise.
    fn deliver_to_client(&mut self, wire: &[u8]) {
        let Some((_, inflater)) = self.client_layer.as_mut() else {
            return self.client.handle_input(wire);
        };
        inflater.feed(wire);
        let mut plain = BytesMut::new();
        loop {
            plain.clear();
            match inflater.read(&mut plain, 4096) {
                Ok(0) => return,
                Ok(_) => self.client.handle_input(&plain),
                Err(_) => return self.client.handle_eof(),
            }
        }
    }

    /// The client's events; at [`client::Event::CompressReady`] its layer goes on.
    fn client_drain(&mut self) {
        while let Some(e) = self.client.poll_event() {
            if matches!(e, client::Event::CompressReady { .. }) {
                let early = self.client.compression_started().expect("starting");
                self.client_layer = Some((Deflater::new(), Inflater::new()));
                self.deliver_to_client(&early);
            }
            self.client_events.push(e);
        }
    }

    /// Takes one side's output, deflated as one batch once its layer is on.
    fn output(plain: &BytesMut, layer: Option<&mut (Deflater, Inflater)>) -> Vec<u8> {
        match layer {
            Some((deflater, _)) => {
                let mut wire = BytesMut::new();
                deflater.write_batch(plain, &mut wire);
                wire.to_vec()
            }
            None => plain.to_vec(),
        }
    }

    fn cut(&mut self, data: &[u8]) -> Vec<Vec<u8>> {
        self.chunking.cut(data, &mut self.rng)
    }

    /// Moves bytes both ways once, giving server events to `embedder`; returns whether
    /// any byte moved.
    pub fn exchange(&mut self, embedder: &mut dyn FnMut(&mut Server, server::Event)) -> bool {
        let mut moved = false;
        let mut buf = BytesMut::new();
        self.client.poll_transmit(&mut buf);
        if !buf.is_empty() {
            moved = true;
            let mut bytes = Self::output(&buf, self.client_layer.as_mut());
            if let Some(t) = self.tamper.as_mut() {
                t(Direction::ToServer, &mut bytes);
            }
            self.wire_octets[0] += bytes.len() as u64;
            for c in self.cut(&bytes) {
                self.deliver_to_server(&c, embedder);
            }
        }
        self.server_drain(embedder);
        let mut buf = BytesMut::new();
        self.server.poll_transmit(&mut buf);
        if !buf.is_empty() {
            moved = true;
            let mut bytes = Self::output(&buf, self.server_layer.as_mut());
            if let Some(t) = self.tamper.as_mut() {
                t(Direction::ToClient, &mut bytes);
            }
            self.wire_octets[1] += bytes.len() as u64;
            for c in self.cut(&bytes) {
                self.deliver_to_client(&c);
                self.client_drain();
            }
        }
        if std::mem::take(&mut self.server_switch) {
            // Everything up to the tagged OK went out plain above.
            let early = self.server.compression_started().expect("starting");
            self.server_layer = Some((Deflater::new(), Inflater::new()));
            self.deliver_to_server(&early, embedder);
        }
        self.client_drain();
        moved
    }

    fn server_drain(&mut self, embedder: &mut dyn FnMut(&mut Server, server::Event)) {
        while let Some(e) = self.server.poll_event() {
            self.server_switch |= matches!(e, server::Event::Compress);
            self.server_events.push(e.clone());
            embedder(&mut self.server, e);
        }
    }

    /// One step: move bytes both ways; if nothing moved, advance the clock to the earliest
    /// deadline of either machine and fire it. Returns whether anything happened.
    pub fn step_with(&mut self, embedder: &mut dyn FnMut(&mut Server, server::Event)) -> bool {
        if self.exchange(embedder) {
            return true;
        }
        let next = [self.client.poll_timeout(), self.server.poll_timeout()].into_iter().flatten().min();
        match next {
            Some(t) => {
                self.now = self.now.max(t);
                self.client.handle_timeout(self.now);
                self.server.handle_timeout(self.now);
                self.client_drain();
                self.server_drain(embedder);
                true
            }
            None => false,
        }
    }

    /// [`Pair::step_with`] with an embedder that ignores server events.
    pub fn step(&mut self) -> bool {
        self.step_with(&mut |_, _| {})
    }

    /// Moves bytes until neither side has anything to send (the clock stands still).
    pub fn drive_with(&mut self, mut embedder: impl FnMut(&mut Server, server::Event)) {
        for _ in 0..10_000 {
            if !self.exchange(&mut embedder) {
                return;
            }
        }
        panic!("Pair::drive did not settle");
    }

    /// [`Pair::drive_with`] with an embedder that ignores server events.
    pub fn drive(&mut self) {
        self.drive_with(|_, _| {});
    }
}
