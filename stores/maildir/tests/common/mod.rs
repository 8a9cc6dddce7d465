// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods, dead_code)]

//! One connection to a Maildir store for the tests: a server machine with the options a
//! store session advertises, and its session, driven in memory. What the connection is
//! sent comes back as text, so tests check the exact bytes.

use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use imap_machine::server::Server;
use imap_machine::store::Session;
use imap_machine_maildir::MaildirBackend;

/// One connection: a server machine and its session.
pub(crate) struct Conn {
    server: Server,
    session: Session<MaildirBackend>,
}

impl Conn {
    /// A connection that was sent its greeting (plaintext LOGIN allowed).
    pub(crate) fn open(b: &Arc<MaildirBackend>) -> Self {
        let mut options = Session::server_options(&**b);
        options.allow_insecure_auth = true;
        let mut c = Conn { server: Server::new(options, Instant::now()), session: Session::new(b.clone()) };
        c.send(b"");
        c
    }

    /// Sends raw bytes and returns what the connection is sent.
    pub(crate) fn send(&mut self, bytes: &[u8]) -> String {
        if !bytes.is_empty() {
            self.server.handle_input(bytes);
        }
        while let Some(e) = self.server.poll_event() {
            self.session.handle(&mut self.server, e);
        }
        let mut out = BytesMut::new();
        self.server.poll_transmit(&mut out);
        String::from_utf8(out.to_vec()).unwrap()
    }

    /// Sends `line` and CRLF (nothing if empty) and returns what the connection is sent.
    pub(crate) fn say(&mut self, line: &str) -> String {
        if line.is_empty() {
            return self.send(b"");
        }
        self.send(format!("{line}\r\n").as_bytes())
    }
}
