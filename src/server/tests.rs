// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! Server tests: transcript replays (C: in, exact S: out) under several chunkings with a
//! scripted embedder, unit tests, Pair tests against the client machine, and proptests.

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::client::{self, Authenticator, ClientOptions};
use crate::testing::{Chunking, Pair};
use crate::types::{FetchItem, Flag, FlagFetch, IString, Mailbox};

/// The scripted embedder every server test uses: accepts password "secret", answers
/// SELECT/EXAMINE with two messages, FETCH with one FLAGS item, everything else OK.
pub(crate) fn embedder(server: &mut Server, event: Event) {
    match event {
        Event::Credentials { tag, password, .. } => {
            if password.expose() == "secret" {
                server.complete(&tag, StatusKind::Ok, None, "Logged in").unwrap();
            } else {
                let code = Some(Code::Rfc5530(Rfc5530Code::AuthenticationFailed));
                server.complete(&tag, StatusKind::No, code, "Authentication failed").unwrap();
            }
        }
        Event::AuthData { tag, data: None, .. } => server.auth_challenge(&tag, b"challenge").unwrap(),
        Event::AuthData { tag, .. } => server.complete(&tag, StatusKind::Ok, None, "Logged in").unwrap(),
        Event::IdleDone { tag } => server.complete(&tag, StatusKind::Ok, None, "IDLE terminated").unwrap(),
        Event::CommandReceived { tag, command } => {
            let name = command.name();
            match command {
                CommandBody::Select { mailbox, .. } | CommandBody::Examine { mailbox, .. } => {
                    if mailbox.as_wire() == b"nosuch" {
                        let code = Some(Code::Rfc5530(Rfc5530Code::NonExistent));
                        server.complete(&tag, StatusKind::No, code, "No such mailbox").unwrap();
                        return;
                    }
                    server.send_data(Data::Exists(2)).unwrap();
                    server.send_data(Data::Recent(0)).unwrap();
                    let code = if name == "EXAMINE" { Code::ReadOnly } else { Code::ReadWrite };
                    server.complete(&tag, StatusKind::Ok, Some(code), &format!("{name} completed")).unwrap();
                }
                CommandBody::Fetch { .. } => {
                    server
                        .send_data(Data::Fetch {
                            seq: std::num::NonZeroU32::MIN,
                            items: vec![FetchItem::Flags(vec![FlagFetch::Flag(Flag::Seen)])],
                        })
                        .unwrap();
                    server.complete(&tag, StatusKind::Ok, None, "FETCH completed").unwrap();
                }
                // A registered extension command (`#! options extension=...`): echoed.
                CommandBody::Raw(raw) => {
                    let rest = match raw.text_args() {
                        Some(t) => (!t.is_empty()).then(|| Bytes::copy_from_slice(t)),
                        None => Some(Bytes::from(format!("{} pieces", raw.args().len()))),
                    };
                    server.send_data(Data::Other { number: None, name: raw.name().clone(), rest }).unwrap();
                    server.complete(&tag, StatusKind::Ok, None, &format!("{} completed", raw.name())).unwrap();
                }
                _ => server.complete(&tag, StatusKind::Ok, None, &format!("{name} completed")).unwrap(),
            }
        }
        _ => {}
    }
}

fn replay(name: &str, text: &str, how: Chunking) -> Vec<String> {
    let mut options = ServerOptions::default();
    let mut now = Instant::now();
    let mut server: Option<Server> = None;
    let mut expected = String::new();
    let mut actual = BytesMut::new();
    let mut all = Vec::new();
    let mut unchecked: Vec<String> = Vec::new();
    let mut pending_c = Vec::new();
    let mut seed = 0;
    let lines: Vec<&str> = text.lines().collect();
    let drain = |s: &mut Server, all: &mut Vec<String>, unchecked: &mut Vec<String>, actual: &mut BytesMut| loop {
        let Some(e) = s.poll_event() else {
            s.poll_transmit(actual);
            break;
        };
        all.push(format!("{e:?}"));
        unchecked.push(format!("{e:?}"));
        embedder(s, e);
    };
    let flush_c = |s: &mut Server,
                   pending: &mut Vec<u8>,
                   seed: &mut u64,
                   all: &mut Vec<String>,
                   unchecked: &mut Vec<String>,
                   actual: &mut BytesMut| {
        for c in how.cut(pending, seed) {
            s.handle_input(&c);
            drain(s, all, unchecked, actual);
        }
        pending.clear();
    };
    for line in lines {
        if let Some(d) = line.strip_prefix("#! ") {
            let words: Vec<&str> = d.split_whitespace().collect();
            if words[0] == "options" {
                for w in &words[1..] {
                    match *w {
                        "insecure" => options.allow_insecure_auth = true,
                        "starttls" => options.starttls_available = true,
                        "preauth" => options.greeting = Greeting::PreAuth,
                        w if w.starts_with("max-literal=") => options.framer.max_literal_len = w[12..].parse().unwrap(),
                        // `extension=NAME/nas`: a command valid in the Not authenticated,
                        // Authenticated and Selected states given, advertised as NAME.
                        w if w.starts_with("extension=") => {
                            let (ext, states) = w[10..].split_once('/').unwrap();
                            let states: Vec<State> = states
                                .chars()
                                .map(|c| match c {
                                    'n' => State::NotAuthenticated,
                                    'a' => State::Authenticated,
                                    's' => State::Selected,
                                    other => panic!("{name}: unknown state {other}"),
                                })
                                .collect();
                            let cap = Capability::from(crate::types::Atom::from_static(ext.to_string().leak()));
                            options.extensions.push(ExtensionCommand::new(ext, &states).unwrap().with_capability(cap));
                        }
                        other => panic!("{name}: unknown option {other}"),
                    }
                }
                continue;
            }
            let s = server.get_or_insert_with(|| Server::new(options.clone(), now));
            flush_c(s, &mut pending_c, &mut seed, &mut all, &mut unchecked, &mut actual);
            match words.as_slice() {
                ["advance", secs] => {
                    now += Duration::from_secs(secs.parse().unwrap());
                    s.handle_timeout(now);
                }
                ["tls"] => s.tls_established().unwrap(),
                ["push", ..] => {
                    let raw = format!("{}\r\n", &d[5..]);
                    let rsp = crate::codec::parse_response(&Bytes::from(raw)).unwrap();
                    s.send(&rsp).unwrap();
                }
                ["eof"] => s.handle_eof(),
                _ => {}
            }
            drain(s, &mut all, &mut unchecked, &mut actual);
            match words.as_slice() {
                ["expect", "state", st] => assert_eq!(format!("{:?}", s.state()), *st, "{name}: {d}"),
                ["expect", "event", what] => {
                    let pos = unchecked.iter().position(|e| e.contains(what));
                    assert!(pos.is_some(), "{name}: no event {what} in {unchecked:#?}");
                    unchecked.drain(..=pos.unwrap());
                }
                ["expect", "no-event", what] => {
                    assert!(!all.iter().any(|e| e.contains(what)), "{name}: unexpected {what} in {all:#?}")
                }
                _ => {}
            }
        } else if line.starts_with('#') || line.is_empty() {
            continue;
        } else if let Some(c) = line.strip_prefix("C:") {
            let c = c.strip_prefix(' ').unwrap_or(c);
            pending_c.extend_from_slice(c.as_bytes());
            pending_c.extend_from_slice(b"\r\n");
        } else if let Some(sline) = line.strip_prefix("S:") {
            let s = server.get_or_insert_with(|| Server::new(options.clone(), now));
            flush_c(s, &mut pending_c, &mut seed, &mut all, &mut unchecked, &mut actual);
            expected.push_str(sline.strip_prefix(' ').unwrap_or(sline));
            expected.push_str("\r\n");
        } else {
            panic!("{name}: bad line {line:?}");
        }
    }
    let s = server.get_or_insert_with(|| Server::new(options.clone(), now));
    flush_c(s, &mut pending_c, &mut seed, &mut all, &mut unchecked, &mut actual);
    assert_eq!(String::from_utf8_lossy(&actual), expected, "{name} ({how:?})");
    all
}

fn transcripts() -> Vec<(String, String)> {
    crate::testing::transcripts("server", 13)
}

#[test]
fn transcripts_whole_and_one_byte() {
    for (name, text) in transcripts() {
        let whole = replay(&name, &text, Chunking::Whole);
        let bytes = replay(&name, &text, Chunking::OneByte);
        assert_eq!(whole, bytes, "{name}: events differ by chunking");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    #[test]
    fn transcripts_random_chunks(seed in any::<u64>()) {
        for (name, text) in transcripts() {
            let whole = replay(&name, &text, Chunking::Whole);
            prop_assert_eq!(whole, replay(&name, &text, Chunking::Random(seed)), "{}", name);
        }
    }
}

fn run(server: &mut Server, input: &[u8]) -> String {
    server.handle_input(input);
    while let Some(e) = server.poll_event() {
        embedder(server, e);
    }
    let mut out = BytesMut::new();
    server.poll_transmit(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn insecure() -> ServerOptions {
    ServerOptions { allow_insecure_auth: true, ..ServerOptions::default() }
}

#[test]
fn bare_lf_and_nul_get_bad() {
    let mut s = Server::new(insecure(), Instant::now());
    run(&mut s, b"");
    assert_eq!(run(&mut s, b"a1 NOOP\n"), "a1 BAD line ends in a bare LF\r\n");
    assert_eq!(run(&mut s, b"a2 LOGIN \"a\0b\" c\r\n"), "a2 BAD at byte 11: NUL byte\r\n");
    assert_eq!(run(&mut s, b"a3 NOOP\r\n"), "a3 OK NOOP completed\r\n");
}

#[test]
fn line_too_long_is_skipped_and_answered() {
    let mut o = insecure();
    o.framer.max_line_len = 100;
    let mut s = Server::new(o, Instant::now());
    run(&mut s, b"");
    let mut long = b"a1 NOOP ".to_vec();
    long.resize(5000, b'x');
    long.extend_from_slice(b"\r\na2 NOOP\r\n");
    assert_eq!(run(&mut s, &long), "a1 BAD line longer than 100 bytes\r\na2 OK NOOP completed\r\n");
}

#[test]
fn complete_checks_tags() {
    let mut s = Server::new(insecure(), Instant::now());
    s.handle_input(b"a1 NOOP\r\n");
    let Some(Event::CommandReceived { tag, .. }) = s.poll_event() else { panic!() };
    assert_eq!(s.complete(&Tag::try_from("zz").unwrap(), StatusKind::Ok, None, "x"), Err(Error::UnknownTag));
    s.complete(&tag, StatusKind::Ok, None, "x").unwrap();
    assert_eq!(s.complete(&tag, StatusKind::Ok, None, "x"), Err(Error::UnknownTag), "exactly once per tag");
}

#[test]
fn pipelined_commands_after_login_wait_for_it() {
    let mut s = Server::new(insecure(), Instant::now());
    run(&mut s, b"");
    s.handle_input(b"a1 LOGIN joe secret\r\na2 SELECT INBOX\r\n");
    let Some(Event::Credentials { tag, .. }) = s.poll_event() else { panic!() };
    assert_eq!(s.poll_event(), None, "SELECT is held until LOGIN completes");
    s.complete(&tag, StatusKind::Ok, None, "ok").unwrap();
    assert!(matches!(s.poll_event(), Some(Event::CommandReceived { command: CommandBody::Select { .. }, .. })));
}

#[test]
fn unauthenticate_returns_to_not_authenticated_and_holds_what_follows() {
    let mut s = Server::new(insecure(), Instant::now());
    run(&mut s, b"");
    // RFC 8437 §3: only in the authenticated and selected states.
    assert_eq!(
        run(&mut s, b"a0 UNAUTHENTICATE\r\n"),
        "a0 BAD UNAUTHENTICATE not allowed in the NotAuthenticated state\r\n"
    );
    run(&mut s, b"a1 LOGIN joe secret\r\na2 SELECT INBOX\r\n");
    assert_eq!(s.state(), State::Selected);
    s.handle_input(b"a3 UNAUTHENTICATE\r\na4 LOGIN ann secret\r\na5 SELECT INBOX\r\n");
    let Some(Event::CommandReceived { tag, command: CommandBody::Unauthenticate }) = s.poll_event() else { panic!() };
    assert_eq!(s.poll_event(), None, "LOGIN is held until UNAUTHENTICATE completes");
    s.complete(&tag, StatusKind::Ok, None, "UNAUTHENTICATE completed").unwrap();
    assert_eq!(s.state(), State::NotAuthenticated);
    assert!(s.capabilities().contains(&Capability::Auth(AuthMechanism::Plain)), "not-authenticated capabilities");
    let Some(Event::Credentials { tag, username, .. }) = s.poll_event() else { panic!() };
    assert_eq!(username, "ann");
    assert_eq!(s.poll_event(), None, "SELECT is held until LOGIN completes");
    s.complete(&tag, StatusKind::Ok, None, "Logged in").unwrap();
    assert!(matches!(s.poll_event(), Some(Event::CommandReceived { command: CommandBody::Select { .. }, .. })));
    // A refused UNAUTHENTICATE (the embedder's choice) leaves the state as it was.
    let mut s = Server::new(insecure(), Instant::now());
    run(&mut s, b"a1 LOGIN joe secret\r\n");
    s.handle_input(b"a2 UNAUTHENTICATE\r\n");
    let Some(Event::CommandReceived { tag, .. }) = s.poll_event() else { panic!() };
    s.complete(&tag, StatusKind::Bad, None, "no").unwrap();
    assert_eq!(s.state(), State::Authenticated);
    let out = run(&mut s, b"a3 LOGIN joe secret\r\n");
    assert_eq!(out, "a2 BAD no\r\na3 BAD LOGIN not allowed in the Authenticated state\r\n");
}

#[test]
fn autologout_floor_is_thirty_minutes() {
    let now = Instant::now();
    let s = Server::new(ServerOptions { autologout: Duration::from_secs(5), ..ServerOptions::default() }, now);
    assert_eq!(s.poll_timeout(), Some(now + Duration::from_secs(1800)));
}

#[test]
fn preauth_and_bye_greetings() {
    let mut s = Server::new(ServerOptions { greeting: Greeting::PreAuth, ..ServerOptions::default() }, Instant::now());
    assert_eq!(s.state(), State::Authenticated);
    assert!(run(&mut s, b"").starts_with("* PREAUTH [CAPABILITY IMAP4rev1"));
    let mut s = Server::new(ServerOptions { greeting: Greeting::Bye, ..ServerOptions::default() }, Instant::now());
    assert_eq!(s.poll_event(), Some(Event::Closed));
    assert!(run(&mut s, b"").starts_with("* BYE"));
}

// ---- Pair tests: the client machine against the server machine ----

fn pair(chunking: Chunking) -> Pair {
    let mut p = Pair::new(ClientOptions::default(), insecure(), Instant::now());
    p.chunking = chunking;
    p.drive_with(embedder);
    p
}

const CHUNKINGS: [Chunking; 3] = [Chunking::Whole, Chunking::OneByte, Chunking::Random(7)];

pub(super) fn completed(p: &Pair, id: client::CommandId) -> Option<&StatusResponse> {
    p.client_events.iter().find_map(|e| match e {
        client::Event::CommandCompleted { id: d, status } if *d == id => Some(status),
        _ => None,
    })
}

#[test]
fn pair_login_select_fetch() {
    for how in CHUNKINGS {
        let mut p = pair(how);
        assert!(p.client.has_capability(&Capability::Auth(AuthMechanism::Plain)));
        let login = p
            .client
            .send(CommandBody::Login {
                username: IString::from_static("joe"),
                password: Secret::new(IString::from_static("sec ret\r\nx")),
            })
            .unwrap();
        p.drive_with(embedder);
        assert_eq!(completed(&p, login).unwrap().kind, StatusKind::No, "wrong password, sent as a literal");
        let login = p
            .client
            .send(CommandBody::Login {
                username: IString::from_static("joe"),
                password: Secret::new(IString::from_static("secret")),
            })
            .unwrap();
        let select = p.client.send(CommandBody::select(Mailbox::Inbox)).unwrap();
        p.drive_with(embedder);
        assert_eq!(completed(&p, login).unwrap().kind, StatusKind::Ok);
        assert_eq!(completed(&p, select).unwrap().kind, StatusKind::Ok);
        assert_eq!(p.client.state(), State::Selected);
        assert_eq!(p.server.state(), State::Selected);
        assert_eq!(p.client.selected().unwrap().exists, 2);
        let fetch = p
            .client
            .send(CommandBody::Fetch {
                set: "1".parse().unwrap(),
                attributes: crate::types::FetchAttributes::Macro(crate::types::Macro::Fast),
                uid: false,
                modifiers: vec![],
            })
            .unwrap();
        p.drive_with(embedder);
        assert_eq!(completed(&p, fetch).unwrap().kind, StatusKind::Ok, "{how:?}");
    }
}

#[test]
fn pair_authenticate_plain_and_login() {
    for how in CHUNKINGS {
        for auth in [
            Authenticator::Plain { authzid: String::new(), username: "joe".into(), password: "secret".into() },
            Authenticator::Login { username: "joe".into(), password: "secret".into() },
        ] {
            let mut p = pair(how);
            let id = p.client.authenticate(auth.clone()).unwrap();
            p.drive_with(embedder);
            assert_eq!(completed(&p, id).map(|s| s.kind), Some(StatusKind::Ok), "{auth:?} {how:?}");
            assert_eq!(p.client.state(), State::Authenticated);
            assert!(p.client.capabilities().is_some(), "the OK carried a CAPABILITY code");
        }
    }
}

#[test]
fn pair_idle_with_pushed_update() {
    for how in CHUNKINGS {
        let mut p = pair(how);
        p.client
            .send(CommandBody::Login {
                username: IString::from_static("joe"),
                password: Secret::new(IString::from_static("secret")),
            })
            .unwrap();
        p.client.send(CommandBody::select(Mailbox::Inbox)).unwrap();
        p.drive_with(embedder);
        let idle = p.client.idle(p.now).unwrap();
        p.drive_with(embedder);
        assert!(p.client_events.contains(&client::Event::IdleAccepted { id: idle }));
        p.server.send_data(Data::Exists(3)).unwrap();
        p.drive_with(embedder);
        assert!(p.client_events.iter().any(|e| matches!(e, client::Event::Data { data: Data::Exists(3), .. })));
        assert_eq!(p.client.selected().unwrap().exists, 3);
        p.client.idle_done(idle).unwrap();
        p.drive_with(embedder);
        assert_eq!(completed(&p, idle).unwrap().kind, StatusKind::Ok, "{how:?}");
        // The refresh timer is the client's; the server's autologout is 30 minutes away.
        let noop = p.client.send(CommandBody::Noop).unwrap();
        p.drive_with(embedder);
        assert!(completed(&p, noop).is_some());
    }
}

#[test]
fn pair_starttls_injection_from_the_network_is_refused_by_the_client() {
    let mut o = ServerOptions { starttls_available: true, ..ServerOptions::default() };
    o.allow_insecure_auth = false;
    let mut p = Pair::new(ClientOptions::default(), o, Instant::now());
    p.drive_with(embedder);
    // A man in the middle appends a response right after the server's OK.
    p.tamper = Some(Box::new(|dir, bytes| {
        if dir == crate::testing::Direction::ToClient && bytes.ends_with(b"Begin TLS negotiation now\r\n") {
            bytes.extend_from_slice(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
        }
    }));
    p.client.send(CommandBody::StartTls).unwrap();
    p.drive_with(embedder);
    assert!(p.client_events.contains(&client::Event::ConnectionLost(client::ConnectionError::StartTlsInjection)));
}

#[test]
fn pair_autologout_through_poll_timeout() {
    let mut p = pair(Chunking::Whole);
    for _ in 0..10 {
        if !p.step_with(&mut embedder) {
            break;
        }
    }
    assert!(p.server.is_closed());
    assert!(p.client_events.iter().any(|e| matches!(e, client::Event::Bye { .. })));
}

// ---- proptests ----

fn valid_command() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("NOOP".to_string()),
        Just("CAPABILITY".to_string()),
        Just("LOGIN joe secret".to_string()),
        Just("LOGIN {3}\r\njoe {6}\r\nsecret".to_string()),
        Just("SELECT INBOX".to_string()),
        Just("FETCH 1:* FLAGS".to_string()),
        Just("APPEND INBOX {5+}\r\nhello".to_string()),
        Just("APPEND INBOX {5}\r\nhello".to_string()),
        Just("AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=".to_string()),
        Just("LIST \"\" *".to_string()),
        Just("garbage(".to_string()),
    ]
}

/// Events in order, and the output lines sorted: the embedder answers between chunks, so
/// its replies may interleave differently with the machine's own `+` continuations.
fn server_events(input: &[u8], chunks: &[usize]) -> (Vec<String>, Vec<String>) {
    let mut s = Server::new(insecure(), Instant::now());
    let mut events = Vec::new();
    let mut out = BytesMut::new();
    let mut rest = input;
    let mut k = 0;
    while !rest.is_empty() {
        let n = chunks.get(k).copied().unwrap_or(rest.len()).clamp(1, rest.len());
        k += 1;
        s.handle_input(&rest[..n]);
        rest = &rest[n..];
        while let Some(e) = s.poll_event() {
            events.push(format!("{e:?}"));
            embedder(&mut s, e);
        }
        s.poll_transmit(&mut out);
    }
    let mut lines: Vec<String> = String::from_utf8_lossy(&out).split("\r\n").map(str::to_string).collect();
    lines.sort();
    (events, lines)
}

proptest! {
    /// The same commands give the same events and bytes however the input is cut.
    #[test]
    fn chunking_gives_identical_events(cmds in proptest::collection::vec(valid_command(), 1..10),
                                       chunks in proptest::collection::vec(1usize..30, 0..40)) {
        let input: String = cmds.iter().enumerate().map(|(n, c)| format!("t{n} {c}\r\n")).collect();
        let whole = server_events(input.as_bytes(), &[]);
        prop_assert_eq!(&whole, &server_events(input.as_bytes(), &chunks));
        prop_assert_eq!(&whole, &server_events(input.as_bytes(), &vec![1; input.len()]));
    }

    /// Arbitrary bytes never panic, and the machine holds no more than its limits.
    #[test]
    fn arbitrary_bytes_are_safe(input in proptest::collection::vec(any::<u8>(), 0..2000), chunk in 1usize..64) {
        let mut o = insecure();
        o.framer.max_line_len = 256;
        o.framer.max_literal_len = 512;
        o.framer.max_message_len = 1024;
        let mut s = Server::new(o, Instant::now());
        for c in input.chunks(chunk) {
            s.handle_input(c);
            while let Some(e) = s.poll_event() {
                embedder(&mut s, e);
            }
            let mut out = BytesMut::new();
            s.poll_transmit(&mut out);
            prop_assert!(s.framer.buffered() <= 1024 + chunk);
            prop_assert!(s.held.len() <= 2000);
        }
    }
}
