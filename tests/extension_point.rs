// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! The extension point on both sides, through `testing::Pair`: the `XECHO` extension of
//! `examples/xecho/extension.rs` (written outside the crate), and a second one defined
//! here that reads its context and answers under a declared name. The client machine
//! attributes the untagged answers to the raw command; the server machine parses only
//! registered names and keeps them to their states; the store session runs the handler.

#[path = "../examples/xecho/extension.rs"]
mod extension;

use std::sync::Arc;
use std::time::Instant;

use imap_machine::client::{ClientOptions, CommandId, Event};
use imap_machine::server::{ExtensionCommand, ServerOptions};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::{Backend, CommandHandler, ExtensionContext, Extensions, Reply, Session};
use imap_machine::testing::{Chunking, Pair};
use imap_machine::types::{
    CommandBody, Data, IString, Literal, LiteralMode, Mailbox, RawArg, RawCommand, Secret, State, StatusKind,
};

/// `XSIZE literal...` in the selected state: `* XSIZE-RESULT <octets> <mailbox>
/// <messages>`, from the context's mailbox and backend.
struct XSize;

impl CommandHandler<MemoryBackend> for XSize {
    fn command(&self) -> ExtensionCommand {
        ExtensionCommand::new("XSIZE", &[State::Selected]).unwrap()
    }

    fn handle(&self, cx: &mut ExtensionContext<'_, MemoryBackend>, command: &RawCommand) -> Reply {
        let octets: usize = command
            .args()
            .iter()
            .map(|a| match a {
                RawArg::Literal { literal, .. } => literal.data().len(),
                RawArg::Text(_) => 0,
            })
            .sum();
        let (user, mailbox) = (cx.user().cloned().unwrap(), cx.mailbox().unwrap().to_string());
        let messages = cx.backend().status(&user, &mailbox).unwrap().messages;
        cx.send_raw("XSIZE-RESULT", format!("{octets} {mailbox} {messages}").as_bytes()).unwrap();
        Reply::ok("XSIZE completed")
    }
}

struct Setup {
    pair: Pair,
    session: Session<MemoryBackend>,
}

impl Setup {
    /// A pair whose server serves XECHO and XSIZE (`with_handlers`), and whose machine
    /// additionally registers `XNOHANDLER`, which no session handler serves.
    fn new(with_handlers: bool, chunking: Chunking) -> Setup {
        let backend = Arc::new(MemoryBackend::with_demo_data());
        let mut options = Session::server_options(&*backend);
        options.allow_insecure_auth = true;
        let mut session = Session::new(backend);
        if with_handlers {
            let mut extensions = Extensions::new();
            extension::register(&mut extensions);
            extensions.register(XSize);
            let extensions = Arc::new(extensions);
            options = extensions.server_options(options);
            options.extensions.push(ExtensionCommand::new("XNOHANDLER", &[State::Authenticated]).unwrap());
            session.set_extensions(extensions);
        }
        let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
        pair.chunking = chunking;
        let mut s = Setup { pair, session };
        s.drive();
        s
    }

    fn drive(&mut self) {
        let session = &mut self.session;
        self.pair.drive_with(|server, event| session.handle(server, event));
    }

    fn run(&mut self, body: CommandBody) -> (CommandId, StatusKind, String, Vec<Data>) {
        let from = self.pair.client_events.len();
        let id = self.pair.client.send(body).unwrap();
        self.drive();
        let mut data = Vec::new();
        let mut status = None;
        for e in &self.pair.client_events[from..] {
            match e {
                Event::Data { data: d, command: Some(c) } if *c == id => data.push(d.clone()),
                Event::CommandCompleted { id: c, status: s } if *c == id => {
                    status = Some((s.kind, s.text.to_text().into_owned()))
                }
                _ => {}
            }
        }
        let (kind, text) = status.expect("completed");
        (id, kind, text, data)
    }

    fn login(&mut self) {
        let login = CommandBody::Login {
            username: IString::from_static("username"),
            password: Secret::new(IString::from_static("password")),
        };
        assert_eq!(self.run(login).1, StatusKind::Ok);
    }
}

#[test]
fn xecho_on_both_sides() {
    for chunking in [Chunking::Whole, Chunking::OneByte, Chunking::Random(7)] {
        let mut s = Setup::new(true, chunking);
        assert!(s.pair.client.has_capability(&extension::capability()), "advertised in the greeting");
        let (_, kind, text, data) = s.run(extension::command("hello world").unwrap());
        assert_eq!((kind, text.as_str()), (StatusKind::Ok, "XECHO completed"));
        assert_eq!(extension::echoed(&data).as_deref(), Some("hello world"));
        s.login();
        let (_, kind, _, data) = s.run(extension::command("").unwrap());
        assert_eq!(kind, StatusKind::Ok);
        assert_eq!(extension::echoed(&data).as_deref(), Some(""));
    }
}

#[test]
fn declared_answers_literals_and_context() {
    let mut s = Setup::new(true, Chunking::OneByte);
    s.login();
    let xsize = || {
        RawCommand::new("XSIZE")
            .unwrap()
            .literal(Literal::new("hello").unwrap(), Some(LiteralMode::Sync))
            .unwrap()
            .text(" ")
            .unwrap()
            .literal(Literal::binary(vec![0u8, 1, 2]), None)
            .unwrap()
    };
    // Valid in the selected state only: the server machine says BAD first.
    let (_, kind, text, _) = s.run(CommandBody::Raw(xsize()));
    assert_eq!((kind, text.as_str()), (StatusKind::Bad, "XSIZE not allowed in the Authenticated state"));
    assert_eq!(s.run(CommandBody::select(Mailbox::Inbox)).1, StatusKind::Ok);
    // Its answer has another name: undeclared, it is unsolicited ...
    let from = s.pair.client_events.len();
    let (_, kind, _, data) = s.run(CommandBody::Raw(xsize()));
    assert_eq!(kind, StatusKind::Ok);
    assert!(data.is_empty());
    assert!(s.pair.client_events[from..]
        .iter()
        .any(|e| matches!(e, Event::Data { data: Data::Other { name, .. }, command: None } if name.as_str() == "XSIZE-RESULT")));
    // ... declared, it is the command's.
    let (_, kind, _, data) = s.run(CommandBody::Raw(xsize().answered_by("XSIZE-RESULT").unwrap()));
    assert_eq!(kind, StatusKind::Ok);
    let [Data::Other { rest: Some(rest), .. }] = &data[..] else { panic!("{data:?}") };
    assert_eq!(&rest[..], b"8 INBOX 1", "5 + 3 octets; the context's mailbox and backend");
}

#[test]
fn unregistered_and_unhandled_commands_get_bad() {
    // No registration: BAD, exactly as before the extension point.
    let mut s = Setup::new(false, Chunking::Whole);
    assert!(!s.pair.client.has_capability(&extension::capability()));
    let (_, kind, text, data) = s.run(extension::command("hi").unwrap());
    assert_eq!((kind, text.as_str(), data.len()), (StatusKind::Bad, "at byte 3: unknown command", 0));
    // Registered with the machine, no handler in the session: BAD from the session.
    let mut s = Setup::new(true, Chunking::Whole);
    s.login();
    let (_, kind, text, _) = s.run(CommandBody::Raw(RawCommand::new("XNOHANDLER").unwrap()));
    assert_eq!((kind, text.as_str()), (StatusKind::Bad, "XNOHANDLER not supported"));
    // A literal where the handler wants one line: the handler's BAD.
    let with_literal = RawCommand::new("XECHO").unwrap().literal(Literal::new("x").unwrap(), None).unwrap();
    let (_, kind, text, _) = s.run(CommandBody::Raw(with_literal));
    assert_eq!((kind, text.as_str()), (StatusKind::Bad, "XECHO takes one line, no literal"));
    // The connection goes on.
    assert_eq!(s.run(CommandBody::Noop).1, StatusKind::Ok);
}

#[test]
fn server_machine_alone_reports_raw_commands() {
    // Without a store: the embedder gets CommandReceived with the raw command.
    let mut options = ServerOptions::default();
    options.extensions.push(ExtensionCommand::new("XAPPLEPUSHSERVICE", &[State::NotAuthenticated]).unwrap());
    let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
    let raw = RawCommand::new("XAPPLEPUSHSERVICE").unwrap().text("aps-version 2").unwrap();
    let id = pair.client.send(CommandBody::Raw(raw.clone())).unwrap();
    pair.drive_with(|server, event| {
        if let imap_machine::server::Event::CommandReceived { tag, command: CommandBody::Raw(r) } = event {
            assert_eq!(r, raw);
            let topic = Data::Other {
                number: None,
                name: r.name().clone(),
                rest: Some(bytes::Bytes::from_static(b"aps-version 2 aps-topic com.apple.mail")),
            };
            server.send_data(topic).unwrap();
            server.complete(&tag, StatusKind::Ok, None, "XAPPLEPUSHSERVICE completed").unwrap();
        }
    });
    let answered = pair.client_events.iter().any(|e| {
        matches!(e, Event::Data { data: Data::Other { name, .. }, command: Some(c) } if *c == id && name.as_str() == "XAPPLEPUSHSERVICE")
    });
    assert!(answered, "{:#?}", pair.client_events);
    assert!(pair.client_events.iter().any(|e| matches!(e, Event::CommandCompleted { id: c, .. } if *c == id)));
}
