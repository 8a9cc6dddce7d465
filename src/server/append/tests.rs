// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! Streamed APPEND through the server machine: an embedder that refuses `nosuch` with
//! `NO [TRYCREATE]` and otherwise counts the bytes it was handed.

use std::time::Instant;

use bytes::BytesMut;
use proptest::prelude::*;

use super::super::{Event, Server, ServerOptions};
use crate::types::{Code, Rfc5530Code, State, StatusKind};

/// The machine logged in, streaming literals over 8 bytes, messages up to 1000.
fn server() -> Server {
    let options = ServerOptions {
        allow_insecure_auth: true,
        stream_appends_over: Some(8),
        max_append_len: 1000,
        greeting: super::super::Greeting::PreAuth,
        ..ServerOptions::default()
    };
    let mut s = Server::new(options, Instant::now());
    assert_eq!(s.state(), State::Authenticated);
    s.poll_transmit(&mut BytesMut::new());
    s
}

/// Feeds `input` in `chunks`, answering as the embedder; returns the output and a log of
/// the events (chunks merged: `D <bytes>` per APPEND).
fn run(s: &mut Server, input: &[u8], chunks: &[usize]) -> (String, Vec<String>) {
    let mut log: Vec<String> = Vec::new();
    let mut data: Vec<u8> = Vec::new();
    let mut out = BytesMut::new();
    let mut rest = input;
    let mut k = 0;
    while !rest.is_empty() {
        let n = chunks.get(k % chunks.len().max(1)).copied().unwrap_or(rest.len()).clamp(1, rest.len());
        k += 1;
        s.handle_input(&rest[..n]);
        rest = &rest[n..];
        while let Some(ev) = s.poll_event() {
            match ev {
                Event::AppendStarted { tag, mailbox, length, .. } => {
                    log.push(format!("start {} {length}", String::from_utf8_lossy(mailbox.as_wire())));
                    if mailbox.as_wire() == b"nosuch" {
                        s.complete(&tag, StatusKind::No, Some(Code::TryCreate), "No such mailbox").unwrap();
                    } else {
                        s.accept_append(&tag).unwrap();
                    }
                }
                Event::AppendNext { tag, length, utf8, .. } => {
                    log.push(format!("data {}", String::from_utf8_lossy(&std::mem::take(&mut data))));
                    log.push(format!("next {length} utf8={utf8}"));
                    s.accept_append(&tag).unwrap();
                }
                Event::AppendChunk { data: d, .. } => data.extend_from_slice(&d),
                Event::AppendEnded { tag, .. } => {
                    log.push(format!("data {}", String::from_utf8_lossy(&std::mem::take(&mut data))));
                    s.complete(&tag, StatusKind::Ok, None, "APPEND completed").unwrap();
                }
                Event::AppendAborted { .. } => log.push(format!("aborted after {}", std::mem::take(&mut data).len())),
                Event::CommandReceived { tag, command } => {
                    log.push(format!("command {}", command.name()));
                    s.complete(&tag, StatusKind::Ok, None, "done").unwrap();
                }
                Event::ConnectionLost(e) => log.push(format!("lost {e}")),
                other => log.push(format!("{other:?}")),
            }
        }
        s.poll_transmit(&mut out);
    }
    (String::from_utf8_lossy(&out).into_owned(), log)
}

#[test]
fn a_long_message_streams_after_the_embedder_accepts() {
    let mut s = server();
    s.handle_input(b"a APPEND INBOX (\\Seen) {20}\r\n");
    let Some(Event::AppendStarted { tag, flags, length: 20, binary: false, .. }) = s.poll_event() else { panic!() };
    assert_eq!(flags.len(), 1);
    assert!(!s.has_transmit(), "no + before the embedder accepts");
    s.accept_append(&tag).unwrap();
    let mut out = BytesMut::new();
    s.poll_transmit(&mut out);
    assert_eq!(&out[..], b"+ Ready for literal data\r\n");
    assert!(s.accept_append(&tag).is_err(), "once");
    let (out, log) = run(&mut s, b"0123456789abcdefghij\r\nb NOOP\r\n", &[7]);
    assert_eq!(log, ["data 0123456789abcdefghij", "command NOOP"]);
    assert_eq!(out, "a OK APPEND completed\r\nb OK done\r\n");
}

#[test]
fn refusals_come_before_the_message() {
    // The embedder refuses: no `+`, and the client never sends the payload.
    let (out, log) = run(&mut server(), b"a APPEND nosuch {20}\r\nb NOOP\r\n", &[]);
    assert_eq!(log, ["start nosuch 20", "command NOOP"]);
    assert_eq!(out, "a NO [TRYCREATE] No such mailbox\r\nb OK done\r\n");
    // Non-synchronising (RFC 7888): the payload comes anyway and is skipped unread.
    let (out, log) = run(&mut server(), b"a APPEND nosuch {20+}\r\n0123456789{3}\r\nabcdefghij\r\nb NOOP\r\n", &[3]);
    assert_eq!(log, ["start nosuch 20", "command NOOP"]);
    assert_eq!(out, "a NO [TRYCREATE] No such mailbox\r\nb OK done\r\n");
    // Over the limit: NO [TOOBIG] from the machine, before anything is sent.
    let (out, log) = run(&mut server(), b"a APPEND INBOX {1001}\r\nb NOOP\r\n", &[]);
    assert_eq!(log, ["command NOOP"]);
    assert!(out.starts_with("a NO [TOOBIG] "), "{out}");
    // Not authenticated: BAD, as for any command in the wrong state.
    let options = ServerOptions { stream_appends_over: Some(8), ..ServerOptions::default() };
    let mut s = Server::new(options, Instant::now());
    s.poll_transmit(&mut BytesMut::new());
    let (out, _) = run(&mut s, b"a APPEND INBOX {20}\r\n", &[]);
    assert!(out.starts_with("a BAD APPEND not allowed"), "{out}");
}

#[test]
fn other_literals_and_short_messages_are_buffered() {
    let (out, log) = run(&mut server(), b"a CREATE {10}\r\n0123456789\r\nb APPEND INBOX {8}\r\n01234567\r\n", &[4]);
    assert_eq!(log, ["command CREATE", "command APPEND"]);
    assert_eq!(out, "+ Ready for literal data\r\na OK done\r\n+ Ready for literal data\r\nb OK done\r\n");
}

#[test]
fn a_broken_tail_aborts_and_eof_loses_the_connection() {
    let (out, log) = run(&mut server(), b"a APPEND INBOX {10}\r\n0123456789 xx\r\nb NOOP\r\n", &[]);
    assert_eq!(log, ["start INBOX 10", "aborted after 10", "command NOOP"]);
    assert_eq!(
        out,
        "+ Ready for literal data\r\na BAD Expected messages or CRLF after the message literal\r\nb OK done\r\n"
    );
    let mut s = server();
    let (_, log) = run(&mut s, b"a APPEND INBOX {100}\r\n0123456789", &[]);
    s.handle_eof();
    assert_eq!(log, ["start INBOX 100"]);
    assert!(matches!(s.poll_event(), Some(Event::ConnectionLost(_))));
}

#[test]
fn an_early_answer_skips_the_rest() {
    let mut s = server();
    s.handle_input(b"a APPEND INBOX {30}\r\n0123456789");
    let Some(Event::AppendStarted { tag, .. }) = s.poll_event() else { panic!() };
    s.accept_append(&tag).unwrap();
    assert!(matches!(s.poll_event(), Some(Event::AppendChunk { .. })));
    // A store error: answered at once; the rest of the message is skipped.
    let code = Some(Code::Rfc5530(Rfc5530Code::OverQuota));
    s.complete(&tag, StatusKind::No, code, "Over quota").unwrap();
    let (out, log) = run(&mut s, b"abcdefghijklmnopqrst\r\nb NOOP\r\n", &[5]);
    assert_eq!(log, ["command NOOP"]);
    assert!(out.ends_with("a NO [OVERQUOTA] Over quota\r\nb OK done\r\n"), "{out}");
}

#[test]
fn a_utf8_literal_streams_and_its_paren_closes_it() {
    // RFC 6855 §4: `UTF8 (~{n}` ... `)`; the `)` comes after the streamed payload.
    let mut s = server();
    s.handle_input(b"a APPEND INBOX UTF8 (~{10}\r\n");
    let Some(Event::AppendStarted { tag, binary: true, utf8: true, .. }) = s.poll_event() else { panic!() };
    s.accept_append(&tag).unwrap();
    let (out, log) = run(&mut s, "Grüße 12)\r\nb NOOP\r\n".as_bytes(), &[3]);
    assert_eq!(log, ["data Grüße 12", "command NOOP"]);
    assert_eq!(out, "+ Ready for literal data\r\na OK APPEND completed\r\nb OK done\r\n");
    // Two streamed messages, UTF8 then plain, then UTF8 again, in one MULTIAPPEND.
    let input = b"a APPEND INBOX UTF8 (~{10}\r\n0123456789) {9}\r\nabcdefghi UTF8 (~{9}\r\n987654321)\r\n";
    let (out, log) = run(&mut server(), input, &[4]);
    assert_eq!(
        log,
        [
            "start INBOX 10",
            "data 0123456789",
            "next 9 utf8=false",
            "data abcdefghi",
            "next 9 utf8=true",
            "data 987654321"
        ]
    );
    assert!(out.ends_with("a OK APPEND completed\r\n"), "{out}");
    // Without the `)`: BAD, and the message is dropped.
    let (out, log) = run(&mut server(), b"a APPEND INBOX UTF8 (~{10}\r\n0123456789\r\nb NOOP\r\n", &[]);
    assert_eq!(log, ["start INBOX 10", "aborted after 10", "command NOOP"]);
    assert!(out.contains("a BAD "), "{out}");
}

proptest! {
    /// The same events and output however the input is split.
    #[test]
    fn streamed_appends_are_chunking_invariant(chunks in proptest::collection::vec(1usize..12, 1..20)) {
        let input: &[u8] = b"a APPEND INBOX {12}\r\nhello world!\r\nb APPEND nosuch {9+}\r\n123456789\r\n\
            c APPEND INBOX ~{10}\r\n\0\x01\x02\x03\x04\x05\x06\x07\x08\x09\r\nd APPEND INBOX {9}\r\nabcdefghi bad\r\ne NOOP\r\n\
            f APPEND INBOX UTF8 (~{9}\r\n123456789) (\\Seen) UTF8 (~{9}\r\nabcdefghi)\r\n";
        let whole = run(&mut server(), input, &[]);
        prop_assert_eq!(whole.1.len(), 12);
        prop_assert_eq!(run(&mut server(), input, &chunks), whole);
    }
}
