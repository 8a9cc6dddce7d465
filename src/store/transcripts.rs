// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! Multi-session store transcripts (`tests/transcripts/store/*.txt`): several connections
//! on one memory backend, each a server machine with its own [`Session`], driven by exact
//! client lines and checked against the exact bytes each connection is sent.
//!
//! Lines are `X C: line` (connection `X` sends a line) and `X S: line` (connection `X` is
//! sent that line next); connections open on first use, and their greetings are not
//! checked. Directives: `#! wake X` (the notifier fired: the adapter lets the session push
//! updates, as during IDLE), `#! empty` (first line: a backend whose only user,
//! `username`/`password`, has empty mailboxes, instead of the demo data), `#! extensions`
//! (first lines: the sessions serve the test extension commands `XECHO` and `XWHO`),
//! `#! quota KB MESSAGES` (first lines: `username`'s quota, RFC 9208; `-` for no limit). Each transcript
//! runs whole, one byte at a time and in random chunks; every connection's bytes must
//! equal its `S:` lines, in order, with nothing left over.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use proptest::prelude::*;

use super::memory::MemoryBackend;
use super::{Backend, CommandHandler, ExtensionContext, Extensions, Reply, Session};
use crate::server::{ExtensionCommand, Server};
use crate::testing::Chunking;
use crate::types::{Atom, Capability, Code, DateTime, RawCommand, Rfc5530Code, State};

struct Conn {
    server: Server,
    session: Session<MemoryBackend>,
    out: BytesMut,
    expected: String,
    rng: u64,
}

impl Conn {
    fn drive(&mut self) {
        while let Some(e) = self.server.poll_event() {
            self.session.handle(&mut self.server, e);
        }
        self.server.poll_transmit(&mut self.out);
    }
}

fn backend(empty: bool) -> Arc<MemoryBackend> {
    let date = DateTime::parse("05-Dec-2026 12:00:00 +0000").expect("valid");
    if empty {
        let b = MemoryBackend::new().with_clock(Arc::new(move || date));
        b.add_user("username", "password");
        Arc::new(b)
    } else {
        Arc::new(MemoryBackend::with_demo_data().with_clock(Arc::new(move || date)))
    }
}

/// `XECHO [args]`, answered by `* XECHO [args]` in every state.
struct Echo;

impl CommandHandler<MemoryBackend> for Echo {
    fn command(&self) -> ExtensionCommand {
        let states = [State::NotAuthenticated, State::Authenticated, State::Selected];
        ExtensionCommand::new("XECHO", &states)
            .expect("atom")
            .with_capability(Capability::from(Atom::from_static("XECHO")))
    }

    fn handle(&self, cx: &mut ExtensionContext<'_, MemoryBackend>, command: &RawCommand) -> Reply {
        let Some(args) = command.text_args() else { return Reply::bad("XECHO takes no literal") };
        match cx.send_raw("XECHO", args) {
            Ok(()) => Reply::ok("XECHO completed"),
            Err(e) => Reply::bad(e.to_string()),
        }
    }
}

/// `XWHO`: the selected mailbox and its message count from the backend, or NO.
struct Who;

impl CommandHandler<MemoryBackend> for Who {
    fn command(&self) -> ExtensionCommand {
        ExtensionCommand::new("XWHO", &[State::Authenticated, State::Selected]).expect("atom")
    }

    fn handle(&self, cx: &mut ExtensionContext<'_, MemoryBackend>, _: &RawCommand) -> Reply {
        let (Some(user), Some(mailbox)) = (cx.user().cloned(), cx.mailbox().map(str::to_string)) else {
            return Reply::no("No mailbox selected").with_code(Code::Rfc5530(Rfc5530Code::Cannot));
        };
        let Ok(status) = cx.backend().status(&user, &mailbox) else { return Reply::no("Gone") };
        match cx.send_raw("XWHO", format!("{mailbox} {}", status.messages).as_bytes()) {
            Ok(()) => Reply::ok("XWHO completed"),
            Err(e) => Reply::bad(e.to_string()),
        }
    }
}

/// Runs one transcript.
fn replay(name: &str, text: &str, how: Chunking) {
    let empty = text.lines().any(|l| l.trim() == "#! empty");
    let extensions = text.lines().any(|l| l.trim() == "#! extensions").then(|| {
        let mut e = Extensions::new();
        e.register(Echo).register(Who);
        Arc::new(e)
    });
    let b = backend(empty);
    // `#! quota KB MESSAGES`: limits for `username` (RFC 9208), either `-` for none.
    for d in text.lines().filter_map(|l| l.trim().strip_prefix("#! quota ")) {
        let mut it = d.split_whitespace().map(|v| v.parse::<u64>().ok());
        let limits =
            super::memory::quota::QuotaLimits { storage_kb: it.next().flatten(), messages: it.next().flatten() };
        b.set_quota("username", limits);
    }
    let mut conns: BTreeMap<String, Conn> = BTreeMap::new();
    let open = |b: &Arc<MemoryBackend>| {
        let mut options = Session::server_options(&**b);
        options.allow_insecure_auth = true;
        let mut session = Session::new(b.clone());
        if let Some(e) = &extensions {
            options = e.server_options(options);
            session.set_extensions(e.clone());
        }
        let mut c = Conn {
            server: Server::new(options, Instant::now()),
            session,
            out: BytesMut::new(),
            expected: String::new(),
            rng: 0,
        };
        c.drive();
        c.out.clear(); // the greeting
        c
    };
    // The transcript as it ran, `S:` lines from the actual output (IMAPM_BLESS=1 writes it
    // next to the file, for review when writing a transcript).
    let mut actual = String::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut record = |actual: &mut String, who: &str, c: &Conn| {
        let from = seen.entry(who.to_string()).or_insert(0);
        let new = String::from_utf8_lossy(&c.out[*from..]).into_owned();
        *from = c.out.len();
        for l in new.split_terminator("\r\n") {
            actual.push_str(&format!("{who} S: {l}\n"));
        }
    };
    for (n, line) in text.lines().enumerate() {
        if !line.contains(" S: ") {
            actual.push_str(line);
            actual.push('\n');
        }
        if let Some(d) = line.strip_prefix("#! ") {
            let words: Vec<&str> = d.split_whitespace().collect();
            match words.as_slice() {
                ["wake", x] => {
                    let c = conns.entry(x.to_string()).or_insert_with(|| open(&b));
                    c.session.poll_updates(&mut c.server);
                    c.drive();
                    record(&mut actual, x, c);
                }
                ["empty"] | ["extensions"] | ["quota", ..] => {}
                _ => panic!("{name}:{}: unknown directive {d}", n + 1),
            }
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (who, rest) = line.split_once(' ').unwrap_or_else(|| panic!("{name}:{}: bad line {line:?}", n + 1));
        let c = conns.entry(who.to_string()).or_insert_with(|| open(&b));
        if let Some(cmd) = rest.strip_prefix("C: ") {
            let bytes = format!("{cmd}\r\n");
            for chunk in how.cut(bytes.as_bytes(), &mut c.rng) {
                c.server.handle_input(&chunk);
                c.drive();
            }
            record(&mut actual, who, c);
        } else if let Some(s) = rest.strip_prefix("S: ") {
            c.expected.push_str(s);
            c.expected.push_str("\r\n");
        } else {
            panic!("{name}:{}: bad line {line:?}", n + 1);
        }
    }
    if std::env::var_os("IMAPM_BLESS").is_some() {
        if how == Chunking::Whole {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/store");
            std::fs::write(dir.join(format!("{name}.actual")), &actual).unwrap();
        }
        return;
    }
    for (who, c) in &conns {
        assert_eq!(
            String::from_utf8_lossy(&c.out),
            c.expected,
            "{name}: connection {who} ({how:?}) was told otherwise"
        );
    }
}

fn transcripts() -> Vec<(String, String)> {
    crate::testing::transcripts("store", 25)
}

#[test]
fn store_transcripts_whole_and_one_byte() {
    for (name, text) in transcripts() {
        replay(&name, &text, Chunking::Whole);
        replay(&name, &text, Chunking::OneByte);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]
    #[test]
    fn store_transcripts_random_chunks(seed in any::<u64>()) {
        for (name, text) in transcripts() {
            replay(&name, &text, Chunking::Random(seed));
        }
    }
}
