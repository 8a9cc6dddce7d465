// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! COMPRESS (RFC 4978) on both machines: the pair with both layers on, under every
//! chunking; the refusals of §3; the switch at the tagged OK with nothing crossing it.

use std::time::Instant;

use bytes::{Bytes, BytesMut};

use super::tests::{completed, embedder};
use super::*;
use crate::client::{self, ClientOptions};
use crate::compress::{Deflater, Inflater};
use crate::testing::{Chunking, Pair};
use crate::types::{FetchAttributes, IString, Macro, Mailbox};

fn options() -> ServerOptions {
    ServerOptions { allow_insecure_auth: true, compress_available: true, ..ServerOptions::default() }
}

fn logged_in(how: Chunking, options: ServerOptions) -> Pair {
    let mut p = Pair::new(ClientOptions::default(), options, Instant::now());
    p.chunking = how;
    p.drive_with(embedder);
    let login = p
        .client
        .send(CommandBody::Login {
            username: IString::from_static("joe"),
            password: Secret::new(IString::from_static("secret")),
        })
        .unwrap();
    p.drive_with(embedder);
    assert_eq!(completed(&p, login).unwrap().kind, StatusKind::Ok);
    p
}

/// Feeds `input` to a bare server machine and returns what it sends.
fn run(s: &mut Server, input: &[u8]) -> String {
    s.handle_input(input);
    while let Some(e) = s.poll_event() {
        embedder(s, e);
    }
    let mut out = BytesMut::new();
    s.poll_transmit(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn the_pair_talks_compressed_under_every_chunking() {
    for how in [Chunking::Whole, Chunking::OneByte, Chunking::Random(3), Chunking::Random(11)] {
        let mut p = logged_in(how, options());
        assert!(p.client.has_capability(&Capability::CompressDeflate), "offered once authenticated");
        let id = p.client.compress().unwrap();
        // Queued behind COMPRESS: must not go out before the switch.
        let select = p.client.send(CommandBody::select(Mailbox::Inbox)).unwrap();
        p.drive_with(embedder);
        assert_eq!(completed(&p, id).unwrap().kind, StatusKind::Ok, "{how:?}");
        assert!(p.is_compressed() && p.client.is_compressed() && p.server.is_compressed());
        assert_eq!(completed(&p, select).unwrap().kind, StatusKind::Ok, "{how:?}");
        let before = p.wire_octets;
        let mut fetches = Vec::new();
        for _ in 0..20 {
            let fetch = CommandBody::Fetch {
                set: "1:2".parse().unwrap(),
                attributes: FetchAttributes::Macro(Macro::Fast),
                uid: false,
                modifiers: vec![],
            };
            fetches.push(p.client.send(fetch).unwrap());
        }
        p.drive_with(embedder);
        for f in fetches {
            assert_eq!(completed(&p, f).unwrap().kind, StatusKind::Ok, "{how:?}");
        }
        // The 20 tagged OKs differ only in their tags: deflate makes little of them.
        let sent = p.wire_octets[1] - before[1];
        assert!(sent < 400, "{sent} octets for 20 FETCH answers ({how:?})");
        let logout = p.client.send(CommandBody::Logout).unwrap();
        p.drive_with(embedder);
        assert_eq!(completed(&p, logout).unwrap().kind, StatusKind::Ok);
    }
}

#[test]
fn refusals_follow_rfc_4978_section_3() {
    // Not offered or accepted before authentication (`command-auth =/ compress`).
    let mut s = Server::new(options(), Instant::now());
    assert!(run(&mut s, b"").contains("LOGIN") && !s.capabilities().contains(&Capability::CompressDeflate));
    assert!(run(&mut s, b"a COMPRESS DEFLATE\r\n").starts_with("a BAD"));
    run(&mut s, b"l LOGIN joe secret\r\n");
    assert!(s.capabilities().contains(&Capability::CompressDeflate));
    assert_eq!(run(&mut s, b"b COMPRESS LZW\r\n"), "b BAD Unknown compression mechanism\r\n");
    assert!(run(&mut s, b"c COMPRESS\r\n").starts_with("c BAD"));
    assert!(!s.is_compressed());
    assert_eq!(run(&mut s, b"d compress deflate\r\n"), "d OK DEFLATE active\r\n");
    assert_eq!(s.poll_event(), None);
    assert!(s.compression_started().unwrap().is_empty());
    // From here the input is the (inflated) stream: a second COMPRESS is refused.
    assert_eq!(run(&mut s, b"e COMPRESS DEFLATE\r\n"), "e BAD [COMPRESSIONACTIVE] DEFLATE active already\r\n");
    assert_eq!(s.compression_started(), Err(Error::InvalidState));

    // A TLS layer that compresses already (never rustls): NO, with the code.
    let mut s = Server::new(ServerOptions { tls_compression: true, ..options() }, Instant::now());
    run(&mut s, b"l LOGIN joe secret\r\n");
    assert!(!s.capabilities().contains(&Capability::CompressDeflate));
    assert_eq!(run(&mut s, b"a COMPRESS DEFLATE\r\n"), "a NO [COMPRESSIONACTIVE] DEFLATE active via TLS\r\n");

    // An embedder without the layer: neither offered nor accepted.
    let mut s = Server::new(ServerOptions { compress_available: false, ..options() }, Instant::now());
    run(&mut s, b"l LOGIN joe secret\r\n");
    assert!(!s.capabilities().contains(&Capability::CompressDeflate));
    assert_eq!(run(&mut s, b"a COMPRESS DEFLATE\r\n"), "a BAD COMPRESS not available\r\n");
}

#[test]
fn compress_waits_for_the_commands_before_it_and_holds_the_ones_after() {
    let mut s = Server::new(options(), Instant::now());
    run(&mut s, b"l LOGIN joe secret\r\n");
    s.handle_input(b"a NOOP\r\nb COMPRESS DEFLATE\r\nc NOOP\r\n");
    let Some(Event::CommandReceived { tag, .. }) = s.poll_event() else { panic!() };
    assert_eq!(s.poll_event(), None, "COMPRESS waits, and so does what follows it");
    s.complete(&tag, StatusKind::Ok, None, "NOOP completed").unwrap();
    assert_eq!(s.poll_event(), Some(Event::Compress));
    let mut out = BytesMut::new();
    s.poll_transmit(&mut out);
    assert_eq!(&out[..], b"a OK NOOP completed\r\nb OK DEFLATE active\r\n");
    // `c NOOP` was sent before the OK, in plain text: it is not run, but handed back as
    // the start of the compressed stream (as Dovecot reads it), where it is garbage.
    let early = s.compression_started().unwrap();
    assert_eq!(&early[..], b"c NOOP\r\n");
    assert_eq!(s.poll_event(), None);
}

#[test]
fn input_that_arrives_while_starting_is_kept_for_the_inflater() {
    let mut s = Server::new(options(), Instant::now());
    run(&mut s, b"l LOGIN joe secret\r\n");
    let mut wire = BytesMut::new();
    let mut d = Deflater::new();
    d.write_batch(b"x NOOP\r\n", &mut wire);
    // The COMPRESS line and, split across reads, the start of the compressed stream (an
    // eager client's, or a fast one's read together with the line).
    let mut first = b"a COMPRESS DEFLATE\r\n".to_vec();
    first.extend_from_slice(&wire[..3]);
    assert_eq!(run(&mut s, &first), "a OK DEFLATE active\r\n");
    s.handle_input(&wire[3..]);
    assert_eq!(s.poll_event(), None, "run took Event::Compress; nothing is read now");
    let early = s.compression_started().unwrap();
    assert_eq!(&early[..], &wire[..]);
    let mut i = Inflater::new();
    i.feed(&early);
    let mut plain = BytesMut::new();
    i.read(&mut plain, 1024).unwrap();
    assert_eq!(run(&mut s, &plain), "x OK NOOP completed\r\n");
}

#[test]
fn the_client_keeps_what_follows_the_ok_for_its_inflater() {
    let mut c = client::Client::new(ClientOptions::default());
    c.handle_input(b"* PREAUTH [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] hi\r\n");
    let id = c.compress().unwrap();
    let later = c.send(CommandBody::Noop).unwrap();
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    assert_eq!(&out[..], b"A1 COMPRESS DEFLATE\r\n", "COMPRESS goes alone");
    // The OK and, in the same read, the server's first compressed octets.
    let mut d = Deflater::new();
    let mut wire = BytesMut::new();
    d.write_batch(b"* 3 EXISTS\r\n", &mut wire);
    let mut input = b"A1 OK DEFLATE active\r\n".to_vec();
    input.extend_from_slice(&wire);
    c.handle_input(&input);
    let events: Vec<_> = std::iter::from_fn(|| c.poll_event()).collect();
    assert!(events.contains(&client::Event::CompressReady { id }), "{events:?}");
    out.clear();
    c.poll_transmit(&mut out);
    assert!(out.is_empty(), "nothing goes out before the layer is on");
    let early: Bytes = c.compression_started().unwrap();
    assert_eq!(&early[..], &wire[..]);
    assert_eq!(c.compression_started(), Err(client::Error::NotStartingCompression));
    c.poll_transmit(&mut out);
    assert_eq!(&out[..], b"A2 NOOP\r\n", "the queued command goes out now, to be deflated");
    let _ = later;
}
