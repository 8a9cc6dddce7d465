//! One IMAP connection for the differential tests: raw command lines out, responses read
//! with the crate's framer and parser.

#![allow(dead_code, clippy::disallowed_types)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use bytes::Bytes;
use imap_machine::codec::{parse_response, Framer, FramerEvent, FramerOptions, Role};
use imap_machine::types::Response;

/// One connection: raw command lines out, responses read with the crate's framer and parser.
pub(crate) struct Session {
    stream: TcpStream,
    framer: Framer,
    tag: u32,
}

impl Session {
    pub(crate) fn connect(port: u16) -> Session {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).expect("timeout");
        let mut s = Session { stream, framer: Framer::new(Role::Client, FramerOptions::default()), tag: 0 };
        let (greeting, _) = s.read();
        assert!(matches!(greeting, Response::Status { .. }), "greeting: {greeting:?}");
        s
    }

    /// The next response, parsed, and its bytes.
    pub(crate) fn read(&mut self) -> (Response, Bytes) {
        loop {
            if let Some(event) = self.framer.poll() {
                let FramerEvent::Message(frame) = event else { panic!("framer: {event:?}") };
                let bytes: Bytes = frame.into_bytes();
                let r = parse_response(&bytes)
                    .unwrap_or_else(|e| panic!("unparsable {:?}: {e:?}", String::from_utf8_lossy(&bytes)));
                return (r, bytes);
            }
            let mut buf = [0u8; 65536];
            let n = self.stream.read(&mut buf).expect("read");
            assert!(n > 0, "server closed the connection");
            self.framer.handle_input(&buf[..n]);
        }
    }

    /// Writes `bytes` as they are (an IDLE's DONE, a literal's octets).
    pub(crate) fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Sends `command` (tagged here) and returns every response up to and including the
    /// tagged one, each with its raw bytes.
    pub(crate) fn run(&mut self, command: &[u8]) -> (String, Vec<(Response, Bytes)>) {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        let mut line = format!("{tag} ").into_bytes();
        line.extend_from_slice(command);
        line.extend_from_slice(b"\r\n");
        self.stream.write_all(&line).expect("write");
        let mut out = Vec::new();
        loop {
            let (r, raw) = self.read();
            let done = matches!(&r, Response::Status { tag: Some(t), .. } if t.as_bytes() == tag.as_bytes());
            out.push((r, raw));
            if done {
                return (tag, out);
            }
        }
    }
}
