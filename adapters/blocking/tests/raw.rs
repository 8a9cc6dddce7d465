//! The extension point over 127.0.0.1: the blocking client's `raw` against the blocking
//! server with the `XECHO` extension of the core's `examples/xecho/extension.rs`.

#[path = "../../../examples/xecho/extension.rs"]
#[allow(dead_code)] // the client side of it is not used here
mod extension;

use std::net::TcpListener;
use std::sync::Arc;

use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::Extensions;
use imap_machine::types::{Literal, RawCommand};
use imap_machine_blocking::{Client, ClientError, Server};

#[test]
fn raw_commands_through_the_extension_point() {
    let mut extensions = Extensions::new();
    extension::register(&mut extensions);
    let server = Server::new(Arc::new(MemoryBackend::with_demo_data()))
        .allow_insecure_auth(true)
        .extensions(Arc::new(extensions));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || server.serve(listener));
    let mut c = Client::connect(&addr).unwrap();
    assert!(c.has_capability(&extension::capability()).unwrap());
    let echo = c.raw(RawCommand::new("XECHO").unwrap().text("hello over tcp").unwrap()).unwrap();
    assert_eq!(extension::echoed(&echo.data).as_deref(), Some("hello over tcp"));
    c.login("username", "password").unwrap();
    // The handler's BAD, and an unregistered command's BAD, are errors.
    let literal = RawCommand::new("XECHO").unwrap().literal(Literal::new("x").unwrap(), None).unwrap();
    assert!(
        matches!(c.raw(literal), Err(ClientError::Bad(s)) if s.text.to_text() == "XECHO takes one line, no literal")
    );
    assert!(matches!(c.raw(RawCommand::new("XNOPE").unwrap()), Err(ClientError::Bad(_))));
    c.noop().unwrap();
    c.logout().unwrap();
}
