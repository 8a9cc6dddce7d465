//! The bodies of the fuzz targets, one function per target.
//!
//! This one file is compiled twice: by each target in `fuzz/fuzz_targets/` (under
//! cargo-fuzz and libFuzzer), and by `tests/fuzz_corpus_replay.rs`, which runs every file
//! of `fuzz/corpus/<target>/` through the same function on stable Rust as part of
//! `cargo test --workspace`. Both include it with `#[path]`, so the replayed code is the
//! fuzzed code.
//!
//! Several targets read their first input byte as a configuration byte (role, limits,
//! which commands to send) and a seed for cutting the rest into chunks; the seeds in
//! `fuzz/corpus/` are written with that byte in front (see `fuzz/seed.rs`).

#![allow(dead_code, clippy::disallowed_methods)]

use std::num::NonZeroU32;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use imap_machine::client::{self, Authenticator, Client, ClientOptions};
use imap_machine::codec::{
    encode_command, encode_response, parse_authenticate_data, parse_command, parse_fetch_view, parse_idle_done,
    parse_response, parse_tag_prefix, EncodeOptions, FetchTape, FrameError, FrameErrorKind, Framer, FramerEvent,
    FramerOptions, LiteralPolicy, Role,
};
use imap_machine::mime::{self, Message, Part, SearchContext};
use imap_machine::mutf7;
use imap_machine::server::{self, Server, ServerOptions};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::Session;
use imap_machine::types::{
    AString, CommandBody, Data, Date, DateTime, FetchAttribute, FetchAttributes, FetchItem, Flag, IString, Literal,
    Mailbox, Partial, Response, SearchKey, Secret, Section, SectionText, SequenceSet, StoreKind,
};

/// A target's body.
pub(crate) type Target = fn(&[u8]);

/// The target names, in the order of `fuzz/Cargo.toml`, and their functions.
pub(crate) const TARGETS: &[(&str, Target)] = &[
    ("framer", framer),
    ("command_parser", command_parser),
    ("response_parser", response_parser),
    ("command_roundtrip", command_roundtrip),
    ("response_roundtrip", response_roundtrip),
    ("client_machine", client_machine),
    ("server_session", server_session),
    ("mime", mime),
    ("mutf7", mutf7),
    ("fetch_view", fetch_view),
    ("client_body_stream", client_body_stream),
];

/// One fixed instant per process: the machines take time as an argument.
fn base_instant() -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now)
}

/// Cuts `data` into pieces of 1 to `max` bytes, from a small deterministic generator.
struct Chunks<'a> {
    data: &'a [u8],
    state: u32,
    max: usize,
}

impl<'a> Chunks<'a> {
    fn new(data: &'a [u8], seed: u8, max: usize) -> Self {
        Chunks { data, state: 0x9E37_79B9 ^ u32::from(seed).wrapping_mul(0x0101_0101), max: max.max(1) }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.data.is_empty() {
            return None;
        }
        // xorshift32
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        let n = (self.state as usize % self.max + 1).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        Some(head)
    }
}

/// Framer limits small enough for fuzz inputs to cross them.
fn small_limits(allow_bare_lf: bool) -> FramerOptions {
    let mut o = FramerOptions::default();
    o.max_line_len = 48;
    o.max_literal_len = 100;
    o.max_message_len = 200;
    o.allow_bare_lf = allow_bare_lf;
    o
}

/// Limits that never bind for re-encoded output (it is checked to be one whole message).
fn no_limits() -> FramerOptions {
    let mut o = FramerOptions::default();
    o.max_line_len = 1 << 30;
    o.max_literal_len = 1 << 30;
    o.max_message_len = 1 << 30;
    o
}

/// What a framer event looks like, for comparing two ways of cutting the same input (an
/// error's head depends on where the input was cut; its kind does not).
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Message(bytes::Bytes, Vec<std::ops::Range<usize>>),
    Announced(u32, bool),
    Error(FrameErrorKind),
    Offered(u64, bool, bool),
    /// A streamed literal's payload, its chunks merged.
    Streamed(Vec<u8>),
}

fn seen(e: &FramerEvent) -> Seen {
    match e {
        FramerEvent::Message(f) => Seen::Message(f.bytes().clone(), f.literals().to_vec()),
        FramerEvent::LiteralAnnounced { length, binary } => Seen::Announced(*length, *binary),
        FramerEvent::Error(e) => Seen::Error(e.kind.clone()),
        FramerEvent::LiteralOffered { length, binary, sync } => Seen::Offered(*length, *binary, *sync),
        FramerEvent::LiteralChunk(b) => Seen::Streamed(b.to_vec()),
        FramerEvent::LiteralEnd => Seen::Streamed(Vec::new()),
    }
}

/// `framer`: config byte (bit 0 role, bit 1 default limits, bit 2 bare LF allowed, bit 3
/// reject every synchronising literal, bits 4-6 chunk seed, bit 7 offer literals over 3
/// bytes and stream, buffer or refuse each by its length modulo 3), then bytes. Checks the
/// documented bound on `buffered()`, the shape of every event, and that cutting the input
/// differently gives the same events.
pub(crate) fn framer(data: &[u8]) {
    let Some((&cfg, input)) = data.split_first() else { return };
    let role = if cfg & 1 == 0 { Role::Server } else { Role::Client };
    let bare_lf = cfg & 4 != 0;
    let opts = if cfg & 2 == 0 {
        small_limits(bare_lf)
    } else {
        let mut o = FramerOptions::default();
        o.allow_bare_lf = bare_lf;
        o
    };
    let reject = role == Role::Server && cfg & 8 != 0;
    let mut opts = opts;
    if cfg & 0x80 != 0 {
        opts.offer_literals_over = Some(3);
    }
    let run = |chunks: &mut dyn Iterator<Item = &[u8]>| -> Vec<Seen> {
        let mut f = Framer::new(role, opts.clone());
        let mut out = Vec::new();
        for chunk in chunks {
            f.handle_input(chunk);
            while let Some(e) = f.poll() {
                match &e {
                    FramerEvent::LiteralOffered { length, .. } => {
                        assert!(*length > 3, "offered only over the threshold");
                        match length % 3 {
                            0 => assert!(f.stream_literal().is_some()),
                            1 => assert!(f.buffer_literal()),
                            _ => assert!(f.reject_literal().is_some()),
                        }
                    }
                    FramerEvent::LiteralChunk(b) => {
                        assert!(!b.is_empty() && b.len() <= chunk.len(), "a chunk is some of the input");
                        if let Some(Seen::Streamed(p)) = out.last_mut() {
                            p.extend_from_slice(b);
                            continue;
                        }
                    }
                    FramerEvent::LiteralEnd => {
                        if matches!(out.last(), Some(Seen::Streamed(_))) {
                            out.push(Seen::Message(bytes::Bytes::from_static(b"END"), Vec::new()));
                            continue;
                        }
                    }
                    FramerEvent::Message(m) => {
                        let b = m.bytes();
                        assert!(b.ends_with(b"\n"), "a message ends in LF: {b:?}");
                        assert!(bare_lf || b.ends_with(b"\r\n"), "a message ends in CRLF: {b:?}");
                        assert!(b.len() <= opts.max_message_len, "message of {} bytes", b.len());
                        let mut last = 0;
                        for r in m.literals() {
                            assert!(last <= r.start && r.start <= r.end && r.end <= b.len(), "{r:?} in {b:?}");
                            assert!(r.end - r.start <= opts.max_literal_len as usize);
                            last = r.end;
                        }
                    }
                    FramerEvent::LiteralAnnounced { length, .. } => {
                        assert_eq!(role, Role::Server, "only a server waits for literals");
                        assert!(u64::from(*length) <= opts.max_literal_len);
                    }
                    FramerEvent::Error(err) => assert!(err.head.len() <= FrameError::HEAD_LEN),
                }
                out.push(seen(&e));
                if reject && matches!(e, FramerEvent::LiteralAnnounced { .. }) {
                    assert!(f.reject_literal().is_some(), "a literal was pending");
                }
            }
            // Documented: "bounded by the limits plus one input chunk".
            assert!(
                f.buffered() <= opts.max_message_len + chunk.len(),
                "buffered {} with max_message_len {} and a chunk of {}",
                f.buffered(),
                opts.max_message_len,
                chunk.len()
            );
        }
        out
    };
    let chunked = run(&mut Chunks::new(input, (cfg >> 4) & 7, 64));
    if !reject {
        let whole = run(&mut std::iter::once(input));
        assert_eq!(whole, chunked, "chunking changed the events");
    }
}

/// `command_parser`: bytes as one framed command message, and as the other client lines.
pub(crate) fn command_parser(data: &[u8]) {
    let b = Bytes::copy_from_slice(data);
    if let Ok(cmd) = parse_command(&b) {
        let _ = cmd.body.name();
        let _ = format!("{cmd:?}");
    }
    let _ = parse_tag_prefix(&b);
    let _ = parse_authenticate_data(&b);
    let _ = parse_idle_done(&b);
}

/// `response_parser`: bytes as one framed response message.
pub(crate) fn response_parser(data: &[u8]) {
    let b = Bytes::copy_from_slice(data);
    if let Ok(rsp) = parse_response(&b) {
        let _ = format!("{rsp:?}");
    }
}

/// Frames `wire` and asserts it is exactly one whole message, equal to `wire`.
fn assert_one_message(role: Role, wire: &[u8]) {
    let mut f = Framer::new(role, no_limits());
    f.handle_input(wire);
    let mut messages = Vec::new();
    while let Some(e) = f.poll() {
        match e {
            FramerEvent::Message(m) => messages.push(m),
            FramerEvent::LiteralAnnounced { .. } => {}
            FramerEvent::Error(e) => panic!("encoded output does not frame: {e} in {:?}", Bytes::copy_from_slice(wire)),
            e => unreachable!("nothing is offered: {e:?}"),
        }
    }
    assert_eq!(messages.len(), 1, "encoded output is {} messages: {:?}", messages.len(), Bytes::copy_from_slice(wire));
    assert_eq!(messages[0].bytes().as_ref(), wire);
    assert!(!f.is_mid_message());
}

/// The whole messages a peer's framer would deliver from `data` (default limits; bare LF
/// accepted in responses, as the client does): parsers only ever see those.
fn framed(role: Role, data: &[u8]) -> Vec<Bytes> {
    let mut o = FramerOptions::default();
    o.allow_bare_lf = role == Role::Client;
    let mut f = Framer::new(role, o);
    f.handle_input(data);
    let mut out = Vec::new();
    while let Some(e) = f.poll() {
        if let FramerEvent::Message(m) = e {
            out.push(m.into_bytes());
        }
    }
    out
}

/// `command_roundtrip`: frame as a server does; each message that parses is encoded (with
/// each literal policy), must frame as exactly one message, and parse again to the same
/// command.
pub(crate) fn command_roundtrip(data: &[u8]) {
    for msg in framed(Role::Server, data) {
        let Ok(cmd) = parse_command(&msg) else { continue };
        for policy in [LiteralPolicy::Sync, LiteralPolicy::NonSync, LiteralPolicy::NonSyncUpTo4096] {
            let opts = EncodeOptions::with_literal_policy(policy);
            let wire = Bytes::from(encode_command(&cmd, &opts, &mut BytesMut::new()).to_vec());
            assert_one_message(Role::Server, &wire);
            match parse_command(&wire) {
                Ok(again) => assert_eq!(again, cmd, "round trip of {msg:?} through {wire:?}"),
                Err(e) => panic!("re-encoded command does not parse: {e} in {wire:?} (from {msg:?})"),
            }
        }
    }
}

/// `response_roundtrip`: frame as a client does; each message that parses is encoded, must
/// frame as exactly one message, and parse again to the same response.
pub(crate) fn response_roundtrip(data: &[u8]) {
    for msg in framed(Role::Client, data) {
        let Ok(rsp) = parse_response(&msg) else { continue };
        let wire = Bytes::from(encode_response(&rsp, &mut BytesMut::new()).to_vec());
        assert_one_message(Role::Client, &wire);
        match parse_response(&wire) {
            Ok(again) => assert_eq!(again, rsp, "round trip of {msg:?} through {wire:?}"),
            Err(e) => panic!("re-encoded response does not parse: {e} in {wire:?} (from {msg:?})"),
        }
    }
}

/// The FETCH grammar read both ways, on every message a client's framer delivers: the
/// view and `parse_response` (which builds its FETCH from the view's tape) take the same
/// messages; for a FETCH, both conversions and a reused `FetchTape` give the same value,
/// and that value encodes to bytes that parse back to it. Anything but a FETCH is refused.
pub(crate) fn fetch_view(data: &[u8]) {
    let mut tape = FetchTape::new();
    for msg in framed(Role::Client, data) {
        let owned = parse_response(&msg);
        match (&owned, parse_fetch_view(&msg)) {
            (Ok(rsp @ Response::Data(Data::Fetch { .. })), Ok(view)) => {
                assert_eq!(&view.to_response_in(&msg), rsp, "view of {msg:?}");
                let again = tape.parse(&msg).expect("the tape takes what the view took");
                assert_eq!(&again.to_response(), rsp, "reused tape on {msg:?}");
                let wire = Bytes::from(encode_response(rsp, &mut BytesMut::new()).to_vec());
                assert_eq!(parse_response(&wire).as_ref(), Ok(rsp), "{msg:?} re-encoded as {wire:?}");
            }
            (Ok(Response::Data(Data::Fetch { .. })), Err(e)) => panic!("view refused a FETCH: {e} in {msg:?}"),
            (Ok(_), Ok(_)) => panic!("view accepted a response that is not a FETCH: {msg:?}"),
            (Err(e), Ok(_)) => panic!("view accepted a malformed response ({e}): {msg:?}"),
            (_, Err(_)) => {}
        }
    }
}

/// Drains a client: answers what a user would (SASL challenges, IDLE, STARTTLS), and
/// throws the output away.
fn drain_client(c: &mut Client, out: &mut BytesMut) {
    loop {
        let mut any = false;
        while let Some(e) = c.poll_event() {
            any = true;
            match e {
                client::Event::AuthChallenge { id, .. } => {
                    let _ = c.auth_respond(id, b"fuzz");
                }
                client::Event::IdleAccepted { id } | client::Event::IdleRefreshDue { id } => {
                    let _ = c.idle_done(id);
                }
                client::Event::StartTlsReady { .. } => {
                    let _ = c.tls_established();
                }
                _ => {}
            }
        }
        while c.poll_transmit(out) > 0 {}
        out.clear();
        if !any {
            return;
        }
    }
}

/// `client_machine`: config byte (bit 0 LITERAL+ in the greeting, bit 1 STARTTLS first,
/// bit 2 AUTHENTICATE PLAIN instead of LOGIN, bit 3 IDLE, bits 4-7 chunk seed), then the
/// server's bytes after the greeting. Never panics.
pub(crate) fn client_machine(data: &[u8]) {
    let Some((&cfg, input)) = data.split_first() else { return };
    let now = base_instant();
    let mut c = Client::new(ClientOptions::default());
    let mut out = BytesMut::new();
    if cfg & 1 != 0 {
        c.handle_input(b"* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE AUTH=PLAIN STARTTLS] ready\r\n");
    } else {
        c.handle_input(b"* OK [CAPABILITY IMAP4rev1 IDLE AUTH=PLAIN STARTTLS] ready\r\n");
    }
    drain_client(&mut c, &mut out);
    if cfg & 2 != 0 {
        let _ = c.send(CommandBody::StartTls);
    }
    if cfg & 4 != 0 {
        let auth = Authenticator::Plain { authzid: String::new(), username: "joe".into(), password: "secret".into() };
        let _ = c.authenticate(auth);
    } else {
        // A password that needs a literal.
        let password = Secret::new(AString::try_from(Bytes::from_static(b"p\r\nw")).expect("valid literal string"));
        let _ = c.send(CommandBody::Login { username: AString::from_static("joe"), password });
    }
    let _ = c.send(CommandBody::select(Mailbox::Inbox));
    let _ = c.send(CommandBody::Fetch {
        set: SequenceSet::all(),
        attributes: FetchAttributes::List(vec![
            FetchAttribute::Flags,
            FetchAttribute::Uid,
            FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None },
        ]),
        uid: false,
        modifiers: vec![],
    });
    let _ = c.send(CommandBody::Store {
        unchanged_since: None,
        set: SequenceSet::all(),
        kind: StoreKind::Add,
        silent: false,
        flags: vec![Flag::Seen],
        uid: true,
    });
    // Not ASCII: sent with CHARSET UTF-8; retried without on NO [BADCHARSET].
    let _ = c.send(CommandBody::Search {
        ret: None,
        charset: None,
        criteria: vec![SearchKey::Subject(AString::try_from("café").expect("valid"))],
        uid: false,
    });
    let _ = c.send(CommandBody::Append {
        mailbox: Mailbox::Inbox,
        flags: vec![Flag::Draft],
        date: None,
        message: Literal::new(Bytes::from_static(b"Subject: x\r\n\r\nbody\r\n")).expect("valid literal"),
    });
    if cfg & 8 != 0 {
        let _ = c.idle(now);
    }
    let _ = c.send(CommandBody::Logout);
    drain_client(&mut c, &mut out);
    for chunk in Chunks::new(input, cfg >> 4, 96) {
        c.handle_input(chunk);
        drain_client(&mut c, &mut out);
        if let Some(t) = c.poll_timeout() {
            c.handle_timeout(t);
            drain_client(&mut c, &mut out);
        }
    }
    let _ = c.state();
    let _ = c.capabilities();
    let _ = c.selected();
    c.handle_timeout(now + Duration::from_secs(86_400));
    drain_client(&mut c, &mut out);
    c.handle_eof();
    drain_client(&mut c, &mut out);
    let _ = c.send(CommandBody::Noop);
    drain_client(&mut c, &mut out);
}

/// Checks that every byte a server sent is a sequence of whole, valid responses.
struct ResponseChecker {
    framer: Framer,
    out: BytesMut,
}

impl ResponseChecker {
    fn new() -> Self {
        ResponseChecker { framer: Framer::new(Role::Client, no_limits()), out: BytesMut::new() }
    }

    fn drain(&mut self, server: &mut Server) {
        while server.poll_transmit(&mut self.out) > 0 {}
        self.framer.handle_input(&self.out);
        self.out.clear();
        while let Some(e) = self.framer.poll() {
            match e {
                FramerEvent::Message(m) => {
                    if let Err(e) = parse_response(m.bytes()) {
                        panic!("the server sent an invalid response: {e}");
                    }
                }
                FramerEvent::LiteralAnnounced { .. }
                | FramerEvent::LiteralOffered { .. }
                | FramerEvent::LiteralChunk(_)
                | FramerEvent::LiteralEnd => unreachable!("a client's framer never waits"),
                FramerEvent::Error(e) => panic!("the server's output does not frame: {e}"),
            }
        }
        // The server only ever emits whole responses.
        assert!(!self.framer.is_mid_message(), "the server left a response unfinished");
    }
}

/// Hands every server event to the session, like an adapter does.
fn pump(server: &mut Server, session: &mut Session<MemoryBackend>) {
    while let Some(e) = server.poll_event() {
        if e == server::Event::StartTls {
            let _ = server.tls_established();
        }
        session.handle(server, e);
    }
}

/// `server_session`: config byte (bit 0 STARTTLS offered, bit 1 small framer limits,
/// bit 2 a second connection idling on INBOX, bits 4-7 chunk seed), then the client's
/// bytes, into a server and a session on the memory backend's demo data (plus users
/// `joe` and `alice`, password `secret`) with insecure auth allowed. Every byte either
/// server sends must be whole responses that parse.
pub(crate) fn server_session(data: &[u8]) {
    let Some((&cfg, input)) = data.split_first() else { return };
    let now = base_instant();
    let date = DateTime::parse("01-Jan-2026 00:00:00 +0000").expect("valid");
    let backend = MemoryBackend::with_demo_data().with_clock(Arc::new(move || date));
    // The users of the transcripts and of the Dovecot capture, besides the demo's.
    backend.add_user("joe", "secret");
    backend.add_user("alice", "secret");
    let backend = Arc::new(backend);
    let mut options = Session::server_options(&*backend);
    options.allow_insecure_auth = true;
    options.starttls_available = cfg & 1 != 0;
    if cfg & 2 != 0 {
        options.framer = small_limits(false);
        options.framer.max_line_len = 200;
        options.framer.max_literal_len = 300;
        options.framer.max_message_len = 600;
        // Streamed APPEND on short messages too, with a limit to hit.
        options.stream_appends_over = Some(16);
        options.max_append_len = 400;
    }
    let mut watcher = (cfg & 4 != 0).then(|| {
        let mut server = Server::new(ServerOptions::clone(&options), now);
        let mut session = Session::new(backend.clone());
        let mut check = ResponseChecker::new();
        server.handle_input(b"w1 LOGIN username password\r\nw2 SELECT INBOX\r\nw3 IDLE\r\n");
        pump(&mut server, &mut session);
        check.drain(&mut server);
        (server, session, check)
    });
    let mut server = Server::new(options, now);
    let mut session = Session::new(backend);
    let mut check = ResponseChecker::new();
    check.drain(&mut server);
    for chunk in Chunks::new(input, cfg >> 4, 128) {
        server.handle_input(chunk);
        pump(&mut server, &mut session);
        check.drain(&mut server);
        if let Some((ws, wsess, wcheck)) = watcher.as_mut() {
            wsess.poll_updates(ws);
            pump(ws, wsess);
            wcheck.drain(ws);
        }
    }
    let _ = server.state();
    for hours in [1, 2] {
        server.handle_timeout(now + Duration::from_secs(3600 * hours));
        pump(&mut server, &mut session);
        check.drain(&mut server);
    }
    server.handle_eof();
    pump(&mut server, &mut session);
    check.drain(&mut server);
    if let Some((mut ws, mut wsess, mut wcheck)) = watcher {
        ws.handle_input(b"DONE\r\nw4 LOGOUT\r\n");
        pump(&mut ws, &mut wsess);
        wcheck.drain(&mut ws);
    }
}

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).expect("not zero")
}

/// Every part path of the message (at most `limit`), plus a few that don't exist.
fn part_paths(m: &Message, limit: usize) -> Vec<Vec<NonZeroU32>> {
    fn walk(part: &Part, prefix: &mut Vec<NonZeroU32>, out: &mut Vec<Vec<NonZeroU32>>, limit: usize) {
        let children: &[Part] = if part.is_message() {
            match part.children().first() {
                Some(c) if c.is_multipart() => c.children(),
                Some(c) => std::slice::from_ref(c),
                None => &[],
            }
        } else {
            part.children()
        };
        for (i, c) in children.iter().enumerate() {
            if out.len() >= limit {
                return;
            }
            prefix.push(nz(u32::try_from(i + 1).unwrap_or(u32::MAX)));
            out.push(prefix.clone());
            walk(c, prefix, out, limit);
            prefix.pop();
        }
    }
    let mut out = vec![vec![], vec![nz(1)], vec![nz(7)], vec![nz(1), nz(1)], vec![nz(u32::MAX)]];
    walk(m.root(), &mut Vec::new(), &mut out, limit);
    out
}

/// Every kind of fetch attribute, over the given part paths.
fn fetch_attributes(paths: &[Vec<NonZeroU32>]) -> Vec<FetchAttribute> {
    let mut attrs = vec![
        FetchAttribute::Envelope,
        FetchAttribute::Flags,
        FetchAttribute::InternalDate,
        FetchAttribute::Uid,
        FetchAttribute::Body,
        FetchAttribute::BodyStructure,
        FetchAttribute::Rfc822Size,
        FetchAttribute::Rfc822,
        FetchAttribute::Rfc822Header,
        FetchAttribute::Rfc822Text,
    ];
    let names = vec![AString::from_static("Subject"), AString::from_static("content-type"), AString::from_static("")];
    let partials = [
        None,
        Some(Partial { offset: 3, length: nz(17) }),
        Some(Partial { offset: 0, length: nz(1) }),
        Some(Partial { offset: u32::MAX, length: nz(u32::MAX) }),
    ];
    // Each section text and BINARY once per part, with the partials in turn.
    let mut k = 0;
    let mut partial = || {
        k += 1;
        partials[k % partials.len()]
    };
    for p in paths {
        let mut texts = vec![
            None,
            Some(SectionText::Header),
            Some(SectionText::Text),
            Some(SectionText::HeaderFields(names.clone())),
            Some(SectionText::HeaderFieldsNot(names.clone())),
        ];
        if !p.is_empty() {
            texts.push(Some(SectionText::Mime));
        }
        for text in texts {
            let section = Section { part: p.clone(), text };
            attrs.push(FetchAttribute::BodySection { peek: true, section, partial: partial() });
        }
        attrs.push(FetchAttribute::Binary { peek: true, part: p.clone(), partial: partial() });
        attrs.push(FetchAttribute::BinarySize { part: p.clone() });
    }
    attrs
}

/// `mime`: bytes as a message. ENVELOPE, BODY, BODYSTRUCTURE, every section of every
/// part (at most 32), BINARY and SEARCH never panic, and the FETCH items encode as
/// one response that parses back equal.
pub(crate) fn mime(data: &[u8]) {
    let m = Message::parse(Bytes::copy_from_slice(data));
    let _ = m.envelope();
    let _ = m.body_structure(false);
    let _ = m.body_structure(true);
    let header = m.header();
    for f in header.fields().take(16) {
        let _ = mime::decode_header(&f.value(), &mime::Decoder::default());
    }
    let paths = part_paths(&m, 32);
    let mut items: Vec<FetchItem> = Vec::new();
    for a in fetch_attributes(&paths) {
        match m.fetch(&a) {
            Ok(Some(item)) => items.push(item),
            Ok(None) => {}
            // BINARY of an unknown transfer encoding: `NO [UNKNOWN-CTE]` in a session.
            Err(_) => {}
        }
    }
    let rsp = Response::Data(Data::Fetch { seq: nz(1), items });
    let wire = encode_response(&rsp, &mut BytesMut::new()).to_vec();
    assert_one_message(Role::Client, &wire);
    let wire = Bytes::from(wire);
    match parse_response(&wire) {
        Ok(again) => assert!(again == rsp, "FETCH items changed through the wire"),
        Err(e) => panic!("FETCH items do not parse back: {e}"),
    }
    let date = DateTime::parse("01-Jan-2024 00:00:00 +0000").expect("valid");
    let flags = [Flag::Seen];
    let ctx = SearchContext::new(1, 1, date).with_flags(&flags);
    let keys = [
        SearchKey::Text(AString::from_static("x")),
        SearchKey::Body(AString::try_from("é").expect("valid")),
        SearchKey::Header(AString::from_static("Subject"), AString::from_static("")),
        SearchKey::From(AString::from_static("@")),
        SearchKey::SentBefore(Date::parse("1-Jan-2000").expect("valid")),
        SearchKey::Larger(100),
    ];
    for k in &keys {
        let _ = mime::matches(&m, k, &ctx);
    }
    let _ = IString::try_from(m.as_bytes().clone());
}

/// `mutf7`: a decoded name encodes back to the same bytes; any text encodes to a name
/// that decodes back to it.
pub(crate) fn mutf7(data: &[u8]) {
    if let Ok(name) = mutf7::decode(data) {
        assert_eq!(mutf7::encode(&name).as_bytes(), data, "decode then encode of {:?}", Bytes::copy_from_slice(data));
        let _ = Mailbox::from_utf8(&name);
    }
    let text = String::from_utf8_lossy(data);
    let wire = mutf7::encode(&text);
    assert!(wire.bytes().all(|b| (0x20..=0x7e).contains(&b)), "not printable: {wire:?}");
    assert_eq!(mutf7::decode(wire.as_bytes()).expect("encoded names decode"), text);
}

/// `client_body_stream`: config byte (bits 0-3: FETCH bodies longer than `2^k` octets
/// stream; bit 4: `fetch_messages`; bits 5-7: chunk seed), then the server's answer to
/// `FETCH 1:* (UID BODY.PEEK[])` (tag `A2`), sent once INBOX is selected.
/// Whole and cut into pieces, the input gives the same events, each streamed body the same
/// octets, contiguous from offset 0 up to its announced length when it ends. Never panics.
pub(crate) fn client_body_stream(data: &[u8]) {
    let Some((&cfg, input)) = data.split_first() else { return };
    let whole = body_stream_events(cfg, &mut std::iter::once(input));
    let chunked = body_stream_events(cfg, &mut Chunks::new(input, cfg >> 5, 64));
    assert_eq!(whole, chunked, "streamed bodies depend on how the input was cut");
}

/// The events of [`client_body_stream`]'s client fed `chunks`, each streamed body's chunks
/// joined into one line, checked for contiguous offsets and the announced length.
fn body_stream_events(cfg: u8, chunks: &mut dyn Iterator<Item = &[u8]>) -> Vec<String> {
    let mut options = ClientOptions::default();
    options.stream_bodies_over = Some(1 << (cfg & 15));
    options.fetch_messages = cfg & 16 != 0;
    let mut c = Client::new(options);
    let mut out = BytesMut::new();
    c.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1 BINARY] ready\r\n");
    let _ = c.send(CommandBody::select(Mailbox::Inbox));
    c.poll_transmit(&mut out);
    // The FETCH goes out once the mailbox is selected; the input answers it.
    c.handle_input(b"* 3 EXISTS\r\nA1 OK [READ-WRITE] done\r\n");
    let _ = c.send(CommandBody::Fetch {
        set: SequenceSet::all(),
        attributes: FetchAttributes::List(vec![
            FetchAttribute::Uid,
            FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None },
        ]),
        uid: false,
        modifiers: vec![],
    });
    c.poll_transmit(&mut out);
    let mut events = Vec::new();
    // The body being streamed: its announced length and the octets so far.
    let mut body: Option<(u64, Vec<u8>)> = None;
    for chunk in chunks {
        c.handle_input(chunk);
        while let Some(e) = c.poll_event() {
            match e {
                client::Event::BodyStarted { length, .. } => {
                    assert!(body.is_none(), "a body started inside another");
                    body = Some((length, Vec::new()));
                    events.push(format!("{e:?}"));
                }
                client::Event::BodyChunk { offset, data, .. } => {
                    let (_, got) = body.as_mut().expect("a chunk outside a body");
                    assert_eq!(offset, got.len() as u64, "chunks are contiguous");
                    got.extend_from_slice(&data);
                }
                client::Event::BodyEnded { .. } => {
                    let (length, got) = body.take().expect("an end outside a body");
                    assert_eq!(length, got.len() as u64, "a body ends at its announced length");
                    events.push(format!("body {:?}", Bytes::from(got)));
                    events.push(format!("{e:?}"));
                }
                other => events.push(format!("{other:?}")),
            }
        }
        c.poll_transmit(&mut out);
        out.clear();
    }
    c.handle_eof();
    while let Some(e) = c.poll_event() {
        events.push(format!("{e:?}"));
    }
    if let Some((_, got)) = body {
        events.push(format!("cut short {:?}", Bytes::from(got)));
    }
    events
}
