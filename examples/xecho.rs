//! The extension point at work: the `XECHO` extension (`examples/xecho/extension.rs`),
//! written outside the crate, added to both sides of an in-memory session: the client
//! machine and a server machine with a store session on the memory backend. Prints the
//! conversation and what the client made of it.
//!
//! ```sh
//! cargo run --example xecho
//! ```

// The example is the embedder: it owns the clock.
#![allow(clippy::disallowed_methods)]

#[path = "xecho/extension.rs"]
mod extension;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use imap_machine::client::{ClientOptions, Event};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::{Extensions, Session};
use imap_machine::testing::{Direction, Pair};
use imap_machine::types::{CommandBody, IString, Secret};

fn main() {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let mut extensions = Extensions::new();
    extension::register(&mut extensions);
    let extensions = Arc::new(extensions);
    let mut options = extensions.server_options(Session::server_options(&*backend));
    options.allow_insecure_auth = true; // in memory: no network, no TLS needed
    let mut session = Session::new(backend);
    session.set_extensions(extensions);

    let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
    let log = Rc::new(RefCell::new(String::new()));
    let tap = log.clone();
    pair.tamper = Some(Box::new(move |dir, bytes| {
        let who = if dir == Direction::ToServer { "C" } else { "S" };
        for line in String::from_utf8_lossy(bytes).split_terminator("\r\n") {
            tap.borrow_mut().push_str(&format!("{who}: {line}\n"));
        }
    }));
    let mut drive = |pair: &mut Pair| pair.drive_with(|server, event| session.handle(server, event));

    drive(&mut pair);
    let login = CommandBody::Login {
        username: IString::from_static("username"),
        password: Secret::new(IString::from_static("password")),
    };
    pair.client.send(login).expect("not authenticated yet");
    drive(&mut pair);
    println!("server has XECHO: {}", pair.client.has_capability(&extension::capability()));
    let id = pair.client.send(extension::command("hello, extension point").expect("one line")).expect("sendable");
    drive(&mut pair);
    pair.client.send(CommandBody::Logout).expect("sendable");
    drive(&mut pair);

    print!("{}", log.borrow());
    let answers: Vec<_> = pair
        .client_events
        .iter()
        .filter_map(|e| match e {
            Event::Data { data, command: Some(c) } if *c == id => Some(data),
            _ => None,
        })
        .collect();
    println!("XECHO answered: {:?}", extension::echoed(answers));
}
