// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! Client tests: transcript replays (S: in, exact C: out) under several chunkings, unit
//! tests of the rules, and a proptest against a scripted server.

use std::time::{Duration, Instant};

use base64::Engine;
use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::codec::{parse_command, FramerEvent};
use crate::testing::Chunking;
use crate::types::{AuthMechanism, Mailbox};

#[derive(Debug)]
enum Line {
    C(Vec<u8>),
    S(Vec<u8>),
    Directive(String),
}

fn lines(text: &str) -> Vec<Line> {
    text.lines()
        .filter_map(|l| {
            if let Some(d) = l.strip_prefix("#! ") {
                Some(Line::Directive(d.to_string()))
            } else if l.starts_with('#') || l.is_empty() {
                None
            } else if let Some(c) = l.strip_prefix("C:") {
                Some(Line::C(c.strip_prefix(' ').unwrap_or(c).as_bytes().to_vec()))
            } else if let Some(s) = l.strip_prefix("S:") {
                Some(Line::S(s.strip_prefix(' ').unwrap_or(s).as_bytes().to_vec()))
            } else {
                panic!("bad transcript line {l:?}")
            }
        })
        .collect()
}

fn with_crlf(b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    v.extend_from_slice(b"\r\n");
    v
}

/// The whole client message starting at C: line `i`: that line and the following C:
/// lines up to the end of the framed message.
fn message_at(name: &str, ls: &[Line], i: usize) -> Bytes {
    let mut f = Framer::new(Role::Server, FramerOptions::default());
    for l in &ls[i..] {
        if let Line::C(c) = l {
            f.handle_input(&with_crlf(c));
            while let Some(e) = f.poll() {
                if let FramerEvent::Message(m) = e {
                    return m.into_bytes();
                }
            }
        }
    }
    panic!("{name}: no complete message at line {i}")
}

fn decode64(b: &[u8]) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(b).expect("base64 in transcript")
}

/// Replays one transcript; returns every event in order.
fn replay(name: &str, text: &str, how: Chunking) -> Vec<Event> {
    let mut rng = 0u64;
    let ls = lines(text);
    let mut client = Client::new(ClientOptions::default());
    let mut now = Instant::now();
    let mut expected = Vec::new();
    let mut actual = BytesMut::new();
    let mut all_events = Vec::new();
    let mut unchecked: Vec<String> = Vec::new();
    let mut c_framer = Framer::new(Role::Server, FramerOptions::default());
    let mut auth_id: Option<(CommandId, bool)> = None; // (id, built-in)
    let mut idle_id = None;
    let mut skip_capability = false;
    let mut reject_next = false;
    let mut i = 0;
    let drain = |client: &mut Client, all: &mut Vec<Event>, unchecked: &mut Vec<String>, actual: &mut BytesMut| {
        while let Some(e) = client.poll_event() {
            unchecked.push(format!("{e:?}"));
            all.push(e);
        }
        client.poll_transmit(actual);
    };
    while i < ls.len() {
        match &ls[i] {
            Line::Directive(d) => {
                let words: Vec<&str> = d.split_whitespace().collect();
                match words.as_slice() {
                    ["advance", secs] => {
                        now += Duration::from_secs(secs.parse().unwrap());
                        client.handle_timeout(now);
                    }
                    ["eof"] => client.handle_eof(),
                    ["tls"] => {
                        client.tls_established().unwrap();
                        skip_capability = true;
                    }
                    ["reject-literal"] => reject_next = true,
                    _ => {}
                }
                drain(&mut client, &mut all_events, &mut unchecked, &mut actual);
                match words.as_slice() {
                    ["expect", "state", s] => assert_eq!(format!("{:?}", client.state()), *s, "{name}: {d}"),
                    ["expect", "event", what] => {
                        let pos = unchecked.iter().position(|e| e.contains(what));
                        assert!(pos.is_some(), "{name}: no event {what} in {unchecked:#?}");
                        unchecked.drain(..=pos.unwrap());
                    }
                    ["expect", "selected", "exists", n] => {
                        assert_eq!(client.selected().unwrap().exists.to_string(), *n, "{name}")
                    }
                    ["expect", "capabilities", "none"] => assert!(client.capabilities().is_none(), "{name}"),
                    _ => {}
                }
                i += 1;
            }
            Line::C(c) => {
                let at_start = !c_framer.is_mid_message();
                c_framer.handle_input(&with_crlf(c));
                expected.extend_from_slice(&with_crlf(c));
                if at_start {
                    if let Some((id, builtin)) = auth_id {
                        if !builtin {
                            if c.as_slice() == b"*" {
                                client.auth_cancel(id).unwrap();
                            } else {
                                client.auth_respond(id, &decode64(c)).unwrap();
                            }
                        }
                    } else if c.eq_ignore_ascii_case(b"DONE") {
                        client.idle_done(idle_id.take().expect("DONE without IDLE")).unwrap();
                    } else {
                        let msg = if reject_next {
                            reject_next = false;
                            let ann = std::str::from_utf8(c).unwrap();
                            let n: usize = ann[ann.rfind('{').unwrap() + 1..ann.len() - 1].parse().unwrap();
                            let mut m = with_crlf(c);
                            m.extend(std::iter::repeat_n(b'x', n));
                            m.extend_from_slice(b"\r\n");
                            while c_framer.poll().is_some() {}
                            c_framer.reject_literal();
                            Bytes::from(m)
                        } else {
                            message_at(name, &ls, i)
                        };
                        let cmd = parse_command(&msg).unwrap_or_else(|e| panic!("{name}: bad C: command: {e}"));
                        match cmd.body {
                            CommandBody::Idle => idle_id = Some(client.idle(now).unwrap()),
                            CommandBody::Capability if skip_capability => skip_capability = false,
                            CommandBody::Authenticate { mechanism, initial_response } => {
                                let ir = initial_response.map(|s| s.expose().to_vec());
                                let next_c = |k: usize| {
                                    ls[i + 1..]
                                        .iter()
                                        .filter_map(|l| if let Line::C(c) = l { Some(c) } else { None })
                                        .nth(k)
                                        .map(|c| decode64(c))
                                };
                                let auth = match mechanism {
                                    AuthMechanism::Plain => {
                                        let raw = ir.unwrap_or_else(|| next_c(0).unwrap());
                                        let parts: Vec<String> = raw
                                            .split(|b| *b == 0)
                                            .map(|p| String::from_utf8(p.to_vec()).unwrap())
                                            .collect();
                                        Authenticator::Plain {
                                            authzid: parts[0].clone(),
                                            username: parts[1].clone(),
                                            password: parts[2].clone(),
                                        }
                                    }
                                    AuthMechanism::Login => Authenticator::Login {
                                        username: String::from_utf8(next_c(0).unwrap()).unwrap(),
                                        password: String::from_utf8(next_c(1).unwrap()).unwrap(),
                                    },
                                    other => Authenticator::Custom {
                                        mechanism: other,
                                        initial_response: ir.map(Bytes::from),
                                    },
                                };
                                let builtin = !matches!(auth, Authenticator::Custom { .. });
                                auth_id = Some((client.authenticate(auth).unwrap(), builtin));
                            }
                            body => {
                                client.send(body).unwrap_or_else(|e| panic!("{name}: send: {e}"));
                            }
                        }
                    }
                }
                while c_framer.poll().is_some() {}
                drain(&mut client, &mut all_events, &mut unchecked, &mut actual);
                i += 1;
            }
            Line::S(_) => {
                assert_eq!(
                    String::from_utf8_lossy(&actual),
                    String::from_utf8_lossy(&expected),
                    "{name} ({how:?}): client bytes before line {i}"
                );
                let mut group = Vec::new();
                while let Some(Line::S(s)) = ls.get(i) {
                    group.extend_from_slice(&with_crlf(s));
                    i += 1;
                }
                for chunk in how.cut(&group, &mut rng) {
                    client.handle_input(&chunk);
                    drain(&mut client, &mut all_events, &mut unchecked, &mut actual);
                }
                if let Some((id, _)) = auth_id {
                    if all_events.iter().any(|e| matches!(e, Event::CommandCompleted { id: d, .. } if *d == id)) {
                        auth_id = None;
                    }
                }
            }
        }
    }
    assert_eq!(
        String::from_utf8_lossy(&actual),
        String::from_utf8_lossy(&expected),
        "{name} ({how:?}): client bytes at end"
    );
    all_events
}

fn transcripts() -> Vec<(String, String)> {
    crate::testing::transcripts("client", 12)
}

#[test]
fn transcripts_whole_and_one_byte() {
    for (name, text) in transcripts() {
        let whole = replay(&name, &text, Chunking::Whole);
        let bytes = replay(&name, &text, Chunking::OneByte);
        assert_eq!(format!("{whole:?}"), format!("{bytes:?}"), "{name}: events differ by chunking");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]
    #[test]
    fn transcripts_random_chunks(seed in any::<u64>()) {
        for (name, text) in transcripts() {
            let whole = replay(&name, &text, Chunking::Whole);
            let random = replay(&name, &text, Chunking::Random(seed));
            prop_assert_eq!(format!("{whole:?}"), format!("{random:?}"), "{}", name);
        }
    }
}

fn greeted(caps: &str) -> Client {
    let mut c = Client::new(ClientOptions::default());
    c.handle_input(format!("* OK [CAPABILITY {caps}] hi\r\n").as_bytes());
    assert!(matches!(c.poll_event(), Some(Event::GreetingReceived { .. })));
    c
}

fn out(c: &mut Client) -> String {
    let mut b = BytesMut::new();
    c.poll_transmit(&mut b);
    String::from_utf8(b.to_vec()).unwrap()
}

fn events(c: &mut Client) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

#[test]
fn wrong_state_is_refused_locally() {
    let mut c = greeted("IMAP4rev1");
    let err = c.send(CommandBody::Fetch {
        set: "1".parse().unwrap(),
        attributes: crate::types::FetchAttributes::Macro(crate::types::Macro::Fast),
        uid: false,
        modifiers: vec![],
    });
    assert_eq!(err, Err(Error::WrongState { command: "FETCH", state: State::NotAuthenticated }));
    assert_eq!(out(&mut c), "");
    // Pipelined after a LOGIN, SELECT is judged against the state LOGIN leads to.
    c.send(CommandBody::Login {
        username: IString::from_static("a"),
        password: Secret::new(IString::from_static("b")),
    })
    .unwrap();
    c.send(CommandBody::select(Mailbox::Inbox)).unwrap();
    assert_eq!(out(&mut c), "A1 LOGIN a b\r\n", "SELECT waits for LOGIN (a barrier)");
    c.handle_input(b"A1 NO bad password\r\n");
    let ev = events(&mut c);
    assert!(matches!(ev[1], Event::CommandCancelled { state: State::NotAuthenticated, .. }), "{ev:?}");
    assert_eq!(out(&mut c), "");
}

#[test]
fn malformed_response_is_an_event_and_the_stream_continues() {
    let mut c = greeted("IMAP4rev1");
    c.handle_input(b"* 1 FETCH (UID 12.5)\r\n* 2 EXISTS\r\n");
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Event::MalformedResponse { raw, .. } if raw.as_ref() == b"* 1 FETCH (UID 12.5)\r\n"));
    assert!(matches!(&ev[1], Event::Data { data: Data::Exists(2), command: None }), "{ev:?}");
}

#[test]
fn capabilities_after_login() {
    // Dropped when the server doesn't re-send them...
    let mut c = greeted("IMAP4rev1 AUTH=PLAIN");
    c.send(CommandBody::Login {
        username: IString::from_static("a"),
        password: Secret::new(IString::from_static("b")),
    })
    .unwrap();
    c.handle_input(b"A1 OK done\r\n");
    assert!(c.capabilities().is_none());
    // ... kept when an untagged CAPABILITY came before the OK (Gmail).
    let mut c = greeted("IMAP4rev1 AUTH=PLAIN");
    c.send(CommandBody::Login {
        username: IString::from_static("a"),
        password: Secret::new(IString::from_static("b")),
    })
    .unwrap();
    c.handle_input(b"* CAPABILITY IMAP4rev1 IDLE MOVE\r\nA1 OK done\r\n");
    assert!(c.has_capability(&Capability::Move));
}

#[test]
fn unauthenticate_clears_the_mailbox_and_allows_login_again() {
    let mut c = selected_client(false);
    c.send(CommandBody::Unauthenticate).unwrap();
    // Pipelined: LOGIN is judged against the state UNAUTHENTICATE leads to (RFC 8437 §3),
    // and waits for it (a barrier).
    c.send(CommandBody::Login {
        username: IString::from_static("b"),
        password: Secret::new(IString::from_static("c")),
    })
    .unwrap();
    assert_eq!(out(&mut c), "A2 UNAUTHENTICATE\r\n");
    c.handle_input(b"A2 OK done\r\n");
    assert_eq!(c.state(), State::NotAuthenticated);
    assert!(c.selected().is_none() && c.capabilities().is_none());
    assert_eq!(out(&mut c), "A3 LOGIN b c\r\n");
    c.handle_input(b"A3 OK done\r\n");
    assert_eq!(c.state(), State::Authenticated);
    // Capabilities in the OK are kept.
    c.send(CommandBody::Unauthenticate).unwrap();
    c.handle_input(b"A4 OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] done\r\n");
    assert!(c.has_capability(&Capability::Auth(crate::types::AuthMechanism::Plain)));
    let mut c = greeted("IMAP4rev1");
    assert_eq!(
        c.send(CommandBody::Unauthenticate),
        Err(Error::WrongState { command: "UNAUTHENTICATE", state: State::NotAuthenticated })
    );
}

#[test]
fn uidvalidity_change_is_an_event() {
    let mut c = greeted("IMAP4rev1");
    c.send(CommandBody::Login {
        username: IString::from_static("a"),
        password: Secret::new(IString::from_static("b")),
    })
    .unwrap();
    c.handle_input(b"A1 OK done\r\n");
    c.send(CommandBody::select(Mailbox::Inbox)).unwrap();
    c.handle_input(b"* OK [UIDVALIDITY 5] x\r\nA2 OK [READ-WRITE] done\r\n* OK [UIDVALIDITY 6] changed\r\n");
    assert!(events(&mut c).contains(&Event::UidValidityChanged { old: 5, new: 6 }));
    assert_eq!(c.selected().unwrap().uid_validity, Some(6));
}

#[test]
fn search_charset_utf8_and_badcharset_retry() {
    let mut c = greeted("IMAP4rev1");
    c.send(CommandBody::Login {
        username: IString::from_static("a"),
        password: Secret::new(IString::from_static("b")),
    })
    .unwrap();
    c.handle_input(b"A1 OK done\r\n");
    c.send(CommandBody::select(Mailbox::Inbox)).unwrap();
    c.handle_input(b"A2 OK done\r\n");
    out(&mut c);
    events(&mut c);
    let search = |s: &'static str| CommandBody::Search {
        ret: None,
        charset: None,
        criteria: vec![SearchKey::Subject(IString::from_static(s))],
        uid: false,
    };
    c.send(search("caf\u{e9}")).unwrap();
    assert_eq!(out(&mut c), "A3 SEARCH CHARSET UTF-8 SUBJECT {5}\r\n");
    c.handle_input(b"A3 NO [BADCHARSET (US-ASCII)] no\r\n");
    // Refused before the literal went: no retry, since non-ASCII text has no US-ASCII form.
    let ev = events(&mut c);
    assert!(matches!(ev[..], [Event::CommandRejected { .. }]), "non-ASCII text can't be retried: {ev:?}");
    assert_eq!(out(&mut c), "");
    // An explicit charset with ASCII text is retried once without CHARSET.
    let opts = ClientOptions {
        search_charset: SearchCharset::Always(IString::from_static("UTF-8")),
        ..ClientOptions::default()
    };
    let mut c2 = Client::new(opts);
    c2.handle_input(b"* PREAUTH hi\r\n");
    c2.send(CommandBody::select(Mailbox::Inbox)).unwrap();
    c2.handle_input(b"A1 OK done\r\n");
    out(&mut c2);
    let id = c2.send(search("cafe")).unwrap();
    assert_eq!(out(&mut c2), "A2 SEARCH CHARSET UTF-8 SUBJECT cafe\r\n");
    c2.handle_input(b"A2 NO [BADCHARSET] no\r\n");
    assert_eq!(out(&mut c2), "A3 SEARCH SUBJECT cafe\r\n");
    events(&mut c2);
    c2.handle_input(b"* SEARCH 1\r\nA3 OK done\r\n");
    let ev = events(&mut c2);
    assert!(matches!(&ev[1], Event::CommandCompleted { id: d, .. } if *d == id), "{ev:?}");
}

#[test]
fn sequence_commands_wait_for_expunging_ones() {
    let mut c = greeted("IMAP4rev1");
    c.handle_input(b"");
    c.send(CommandBody::Login {
        username: IString::from_static("a"),
        password: Secret::new(IString::from_static("b")),
    })
    .unwrap();
    c.handle_input(b"A1 OK done\r\n");
    c.send(CommandBody::select(Mailbox::Inbox)).unwrap();
    c.handle_input(b"A2 OK done\r\n");
    out(&mut c);
    c.send(CommandBody::Expunge).unwrap();
    let fetch = CommandBody::Fetch {
        set: "1".parse().unwrap(),
        attributes: crate::types::FetchAttributes::List(vec![crate::types::FetchAttribute::Flags]),
        uid: false,
        modifiers: vec![],
    };
    c.send(fetch).unwrap();
    assert_eq!(out(&mut c), "A3 EXPUNGE\r\n", "FETCH by sequence number waits for EXPUNGE");
    c.handle_input(b"* 1 EXPUNGE\r\nA3 OK done\r\n");
    assert_eq!(out(&mut c), "A4 FETCH 1 FLAGS\r\n");
}

#[test]
fn sticky_fatal_error() {
    let mut c = greeted("IMAP4rev1");
    c.handle_eof();
    assert_eq!(events(&mut c), vec![Event::ConnectionLost(ConnectionError::UnexpectedEof)]);
    assert_eq!(c.send(CommandBody::Noop), Err(Error::Lost(ConnectionError::UnexpectedEof)));
    c.handle_input(b"* 1 EXISTS\r\n");
    assert!(events(&mut c).is_empty());
}

#[test]
fn credentials_are_redacted() {
    let a = Authenticator::Plain { authzid: String::new(), username: "joe".into(), password: "hunter2".into() };
    assert!(!format!("{a:?}").contains("hunter2"));
    let body = CommandBody::Login {
        username: IString::from_static("joe"),
        password: Secret::new(IString::from_static("hunter2")),
    };
    assert!(!format!("{body:?}").contains("hunter2"));
}

/// A scripted server: answers every command OK, `+` to synchronising literals.
struct Scripted {
    framer: Framer,
    out: Vec<u8>,
    idle: Option<Tag>,
}

impl Scripted {
    fn handle(&mut self, data: &[u8]) {
        self.framer.handle_input(data);
        while let Some(e) = self.framer.poll() {
            match e {
                FramerEvent::LiteralAnnounced { .. } => self.out.extend_from_slice(b"+ go\r\n"),
                FramerEvent::LiteralOffered { .. } | FramerEvent::LiteralChunk(_) | FramerEvent::LiteralEnd => {
                    unreachable!("no literal is offered")
                }
                FramerEvent::Message(m) => {
                    if let Some(tag) = self.idle.take() {
                        assert_eq!(m.bytes().as_ref(), b"DONE\r\n");
                        self.out.extend_from_slice(format!("{} OK idle done\r\n", tag.to_str_lossy()).as_bytes());
                        continue;
                    }
                    let cmd = parse_command(m.bytes()).expect("client sends valid commands");
                    if matches!(cmd.body, CommandBody::Idle) {
                        self.out.extend_from_slice(b"+ idling\r\n* 9 EXISTS\r\n");
                        self.idle = Some(cmd.tag);
                        continue;
                    }
                    self.out.extend_from_slice(b"* 1 FETCH (FLAGS (\\Seen))\r\n");
                    self.out.extend_from_slice(format!("{} OK done\r\n", cmd.tag.to_str_lossy()).as_bytes());
                }
                FramerEvent::Error(e) => panic!("client sent a bad frame: {e}"),
            }
        }
    }
}

fn arbitrary_client_command() -> impl Strategy<Value = CommandBody> {
    use crate::types::strategies as s;
    prop_oneof![
        Just(CommandBody::Noop),
        Just(CommandBody::Check),
        Just(CommandBody::Idle),
        s::mailbox().prop_map(CommandBody::select),
        (s::mailbox(), s::literal()).prop_map(|(mailbox, message)| CommandBody::Append {
            mailbox,
            flags: vec![],
            date: None,
            message
        }),
        (s::mailbox(), proptest::collection::vec(s::append_message(), 2..4))
            .prop_map(|(mailbox, messages)| CommandBody::MultiAppend { mailbox, messages }),
        (s::sequence_set(), s::fetch_attributes(), any::<bool>())
            .prop_map(|(set, attributes, uid)| CommandBody::Fetch { set, attributes, uid, modifiers: vec![] }),
        (s::sequence_set(), s::mailbox(), any::<bool>()).prop_map(|(set, mailbox, uid)| CommandBody::Copy {
            set,
            mailbox,
            uid
        }),
        (s::istring(), s::istring()).prop_map(|(u, p)| CommandBody::Login { username: u, password: Secret::new(p) }),
        s::mailbox()
            .prop_map(|mailbox| CommandBody::Status { mailbox, items: vec![crate::types::StatusItem::Messages] }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]
    /// Random command sequences against a scripted server: every accepted command
    /// completes exactly once, whatever the chunking.
    #[test]
    fn every_command_completes_once(cmds in proptest::collection::vec(arbitrary_client_command(), 1..12),
                                    literal_plus in any::<bool>(), chunk in 1usize..40) {
        let caps = if literal_plus { "IMAP4rev1 LITERAL+" } else { "IMAP4rev1" };
        let mut c = Client::new(ClientOptions::default());
        c.handle_input(format!("* PREAUTH [CAPABILITY {caps}] hi\r\n").as_bytes());
        let mut server = Scripted { framer: Framer::new(Role::Server, FramerOptions::default()), out: Vec::new(), idle: None };
        let mut ids = Vec::new();
        let mut done = std::collections::HashMap::new();
        let now = Instant::now();
        for cmd in cmds {
            let r = if matches!(cmd, CommandBody::Idle) { c.idle(now) } else { c.send(cmd) };
            if let Ok(id) = r {
                ids.push(id);
            }
        }
        for _ in 0..200 {
            let mut b = BytesMut::new();
            c.poll_transmit(&mut b);
            for piece in b.chunks(chunk) {
                server.handle(piece);
            }
            let reply = std::mem::take(&mut server.out);
            for piece in reply.chunks(chunk) {
                c.handle_input(piece);
            }
            let mut quiet = b.is_empty() && reply.is_empty();
            while let Some(e) = c.poll_event() {
                match e {
                    Event::CommandCompleted { id, status } => {
                        prop_assert_eq!(status.kind, StatusKind::Ok);
                        *done.entry(id).or_insert(0) += 1;
                    }
                    Event::CommandCancelled { id, .. } => *done.entry(id).or_insert(0) += 1,
                    Event::IdleAccepted { id } => {
                        c.idle_done(id).unwrap();
                        quiet = false;
                    }
                    Event::ConnectionLost(e) => prop_assert!(false, "lost: {e}"),
                    _ => {}
                }
            }
            if quiet {
                break;
            }
        }
        for id in &ids {
            prop_assert_eq!(done.get(id), Some(&1), "{:?} of {:?}", id, ids);
        }
        prop_assert_eq!(done.len(), ids.len());
    }
}

#[test]
fn multiappend_sends_each_synchronising_literal_after_its_continuation() {
    use crate::types::{AppendData, AppendMessage, CatPart, Flag, Literal};
    let lit = |b: &'static [u8]| Literal::new(b).unwrap();
    let messages = vec![
        AppendMessage::literal(lit(b"one")),
        AppendMessage {
            flags: vec![Flag::Seen],
            date: None,
            data: AppendData::Catenate(vec![
                CatPart::Url(IString::from_static("/INBOX/;UID=1")),
                CatPart::Text(lit(b"two")),
            ]),
        },
    ];
    let body = CommandBody::MultiAppend { mailbox: Mailbox::Inbox, messages };
    // Without LITERAL+: one literal at a time, each after its `+`.
    let preauth = |caps: &str| {
        let mut c = Client::new(ClientOptions::default());
        c.handle_input(format!("* PREAUTH [CAPABILITY {caps}] hi\r\n").as_bytes());
        events(&mut c);
        c
    };
    let mut c = preauth("IMAP4rev1");
    c.send(body.clone()).unwrap();
    assert_eq!(out(&mut c), "A1 APPEND INBOX {3}\r\n");
    c.handle_input(b"+ go\r\n");
    assert_eq!(out(&mut c), "one (\\Seen) CATENATE (URL /INBOX/;UID=1 TEXT {3}\r\n");
    assert_eq!(out(&mut c), "", "waits for the second +");
    c.handle_input(b"+ go\r\n");
    assert_eq!(out(&mut c), "two)\r\n");
    c.handle_input(b"A1 OK [APPENDUID 7 3:4] done\r\n");
    let uids = loop {
        match c.poll_event() {
            Some(Event::CommandCompleted { status, .. }) => break status.code,
            Some(_) => {}
            None => panic!("no completion"),
        }
    };
    assert_eq!(uids, Some(Code::AppendUid { uid_validity: 7, uids: "3:4".parse().unwrap() }));
    // With LITERAL+: all at once.
    let mut c = preauth("IMAP4rev1 LITERAL+");
    c.send(body).unwrap();
    assert_eq!(out(&mut c), "A1 APPEND INBOX {3+}\r\none (\\Seen) CATENATE (URL /INBOX/;UID=1 TEXT {3+}\r\ntwo)\r\n");
}

#[test]
fn literal_minus_allows_non_sync_up_to_4096() {
    let mut c = greeted("IMAP4rev1 LITERAL-");
    c.handle_input(b"");
    let login = |pw: Vec<u8>| CommandBody::Login {
        username: IString::from_static("a"),
        password: Secret::new(IString::try_from(Bytes::from(pw)).unwrap()),
    };
    let mut small = b"\r\n".to_vec();
    small.resize(4096, b'x');
    c.send(login(small)).unwrap();
    assert!(out(&mut c).starts_with("A1 LOGIN a {4096+}\r\n"));
    c.handle_input(b"A1 NO nope\r\n");
    let mut big = b"\r\n".to_vec();
    big.resize(4097, b'x');
    c.send(login(big)).unwrap();
    assert_eq!(out(&mut c), "A2 LOGIN a {4097}\r\n", "waits for + above 4096");
    c.handle_input(b"+ ok\r\n");
    let rest = out(&mut c);
    assert_eq!(rest.len(), 4097 + 2);
}

#[test]
fn xoauth2_and_oauthbearer_with_sasl_ir() {
    let mut c = greeted("IMAP4rev1 SASL-IR AUTH=XOAUTH2");
    let id = c.authenticate(Authenticator::XOAuth2 { username: "u@x".into(), token: "tok".into() }).unwrap();
    let wire = out(&mut c);
    let b64 = wire.trim_end().rsplit(' ').next().unwrap();
    assert_eq!(decode64(b64.as_bytes()), b"user=u@x\x01auth=Bearer tok\x01\x01");
    // An error challenge is answered with an empty response; then the NO completes it.
    c.handle_input(b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n");
    assert_eq!(out(&mut c), "\r\n");
    c.handle_input(b"A1 NO [AUTHENTICATIONFAILED] invalid\r\n");
    assert!(matches!(&events(&mut c)[..], [Event::CommandCompleted { id: d, .. }] if *d == id));
    let mut c = greeted("IMAP4rev1 SASL-IR");
    c.authenticate(Authenticator::OAuthBearer { username: "u@x".into(), token: "tok".into() }).unwrap();
    let wire = out(&mut c);
    let b64 = wire.trim_end().rsplit(' ').next().unwrap();
    assert_eq!(decode64(b64.as_bytes()), b"n,a=u@x,\x01auth=Bearer tok\x01\x01");
    // Empty initial response of a custom mechanism goes as "=".
    let mut c = greeted("IMAP4rev1 SASL-IR");
    c.authenticate(Authenticator::Custom { mechanism: AuthMechanism::External, initial_response: Some(Bytes::new()) })
        .unwrap();
    assert_eq!(out(&mut c), "A1 AUTHENTICATE EXTERNAL =\r\n");
}

/// A client (with `fetch_messages` as given) with INBOX selected (3 messages); the next
/// tag is A2.
fn selected_client(fetch_messages: bool) -> Client {
    let mut c = Client::new(ClientOptions { fetch_messages, ..ClientOptions::default() });
    c.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    c.send(CommandBody::select(Mailbox::Inbox)).unwrap();
    c.poll_transmit(&mut BytesMut::new());
    c.handle_input(b"* 3 EXISTS\r\nA1 OK [READ-WRITE] done\r\n");
    while c.poll_event().is_some() {}
    c
}

/// Events with every in-place FETCH turned back into the owned data it stands for.
fn owned_events(c: &mut Client) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event())
        .map(|e| match e {
            Event::Fetch { message, command } => Event::Data { data: message.into_data(), command: Some(command) },
            e => e,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    /// `fetch_messages` changes how a FETCH's answers are handed out, nothing else: the
    /// same attribution, the same data, the same other events, however the bytes are cut.
    #[test]
    fn fetch_messages_give_the_same_answers(
        fetches in proptest::collection::vec(crate::types::strategies::data(), 1..10),
        set in crate::types::strategies::sequence_set(),
        uid in any::<bool>(),
        chunk in 1usize..64,
    ) {
        let mut wire = Vec::new();
        for d in fetches.into_iter().filter(|d| matches!(d, Data::Fetch { .. })) {
            wire.extend(crate::codec::encode_response(&crate::types::Response::Data(d), &mut BytesMut::new()).to_vec());
        }
        wire.extend_from_slice(b"* 2 FETCH (UID 7 FLAGS (\\Seen $Later))\r\nA2 OK done\r\n");
        let run = |fetch_messages: bool| {
            let mut c = selected_client(fetch_messages);
            let attributes = crate::types::FetchAttributes::List(vec![crate::types::FetchAttribute::Envelope]);
            c.send(CommandBody::Fetch { set: set.clone(), attributes, uid, modifiers: vec![] }).unwrap();
            c.poll_transmit(&mut BytesMut::new());
            let mut events = owned_events(&mut c);
            for piece in wire.chunks(chunk) {
                c.handle_input(piece);
                events.extend(owned_events(&mut c));
            }
            events
        };
        let (owned, in_place) = (run(false), run(true));
        prop_assert_eq!(owned, in_place);
    }
}

#[test]
fn fetch_messages_hand_out_answers_in_place() {
    let mut c = selected_client(true);
    let id = c.send(CommandBody::Fetch {
        set: "1:2".parse().unwrap(),
        attributes: IntoFetchAttributes::into_fetch_attributes("BODY.PEEK[]").unwrap(),
        uid: false,
        modifiers: vec![],
    });
    let id = id.unwrap();
    c.poll_transmit(&mut BytesMut::new());
    c.handle_input(
        b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n* 3 FETCH (FLAGS (\\Seen))\r\n* 2 FETCH (BODY[] NIL)\r\nA2 OK done\r\n",
    );
    let events: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
    assert!(
        matches!(&events[0], Event::Fetch { message, command } if *command == id && message.body().as_deref() == Some(&b"hello"[..]))
    );
    assert!(matches!(&events[1], Event::FlagsChanged { seq: 3, .. }), "{events:?}");
    assert!(matches!(&events[2], Event::Data { command: None, .. }), "{events:?}");
    assert!(matches!(&events[3], Event::Fetch { message, .. } if message.seq() == 2 && message.body().is_none()));
    assert!(matches!(&events[4], Event::CommandCompleted { .. }));
}

/// RFC 7162 §3.2.10: `VANISHED` counts a message fewer per UID and is EXPUNGE's answer;
/// `VANISHED (EARLIER)` answers a UID FETCH (VANISHED) and changes no count.
#[test]
fn vanished_shrinks_the_mailbox_and_earlier_does_not() {
    let mut c = selected_client(false);
    let fetch = c
        .send(CommandBody::Fetch {
            set: "1:*".parse().unwrap(),
            attributes: crate::types::FetchAttributes::List(vec![crate::types::FetchAttribute::Flags]),
            uid: true,
            modifiers: vec![crate::types::FetchModifier::ChangedSince(5), crate::types::FetchModifier::Vanished],
        })
        .unwrap();
    assert_eq!(out(&mut c), "A2 UID FETCH 1:* FLAGS (CHANGEDSINCE 5 VANISHED)\r\n");
    c.handle_input(b"* VANISHED (EARLIER) 1:9\r\nA2 OK done\r\n");
    let ev = events(&mut c);
    assert!(ev.iter().any(
        |e| matches!(e, Event::Data { data: Data::Vanished { earlier: true, .. }, command: Some(id) } if *id == fetch)
    ));
    assert_eq!(c.selected().unwrap().exists, 3);
    let expunge = c.send(CommandBody::Expunge).unwrap();
    out(&mut c);
    c.handle_input(b"* VANISHED 4,6\r\nA3 OK done\r\n");
    let ev = events(&mut c);
    assert!(ev.iter().any(|e| matches!(e, Event::Data { data: Data::Vanished { earlier: false, .. }, command: Some(id) } if *id == expunge)));
    assert_eq!(c.selected().unwrap().exists, 1);
    c.handle_input(b"* VANISHED 8\r\n");
    events(&mut c);
    assert_eq!(c.selected().unwrap().exists, 0);
}
