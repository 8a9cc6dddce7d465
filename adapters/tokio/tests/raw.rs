//! The extension point over 127.0.0.1: the tokio client's `raw` against the tokio
//! server with the `XECHO` extension of the core's `examples/xecho/extension.rs`.

#[path = "../../../examples/xecho/extension.rs"]
#[allow(dead_code)] // the client side of it is not used here
mod extension;

use std::sync::Arc;
use std::time::Duration;

use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::Extensions;
use imap_machine::types::{Literal, RawCommand};
use imap_machine_tokio::{Client, Error, Server};
use tokio::net::TcpListener;

#[tokio::test]
async fn raw_commands_through_the_extension_point() {
    let mut extensions = Extensions::new();
    extension::register(&mut extensions);
    let server = Server::new(Arc::new(MemoryBackend::with_demo_data()))
        .allow_insecure_auth(true)
        .extensions(Arc::new(extensions));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { server.serve(listener).await });
    tokio::time::timeout(Duration::from_secs(10), async {
        let c = Client::connect(addr).await.unwrap();
        assert!(c.has_capability(&extension::capability()).await.unwrap());
        let echo = c.raw(RawCommand::new("XECHO").unwrap().text("hello over tcp").unwrap()).await.unwrap();
        assert_eq!(extension::echoed(&echo.data).as_deref(), Some("hello over tcp"));
        c.login("username", "password").await.unwrap();
        // The handler's BAD, and an unregistered command's BAD, are errors.
        let literal = RawCommand::new("XECHO").unwrap().literal(Literal::new("x").unwrap(), None).unwrap();
        assert!(
            matches!(c.raw(literal).await, Err(Error::Bad(s)) if s.text.to_text() == "XECHO takes one line, no literal")
        );
        assert!(matches!(c.raw(RawCommand::new("XNOPE").unwrap()).await, Err(Error::Bad(_))));
        c.noop().await.unwrap();
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}
