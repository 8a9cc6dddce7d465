//! Streamed FETCH bodies in the client machine: known answers, and the same events
//! however the input is split.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::super::{Client, ClientOptions, CommandId, ConnectionError, Event};
use super::{body_item, fetch_seq};
use crate::types::{CommandBody, FetchItem, SequenceSet};

/// A client with INBOX selected (3 messages), its SELECT tagged A1.
fn selected(options: ClientOptions) -> Client {
    let mut c = Client::new(options);
    c.handle_input(b"* PREAUTH ready\r\n");
    c.send(CommandBody::Select { mailbox: crate::types::Mailbox::try_from("INBOX").unwrap(), params: Vec::new() })
        .unwrap();
    c.poll_transmit(&mut BytesMut::new());
    c.handle_input(b"* 3 EXISTS\r\nA1 OK [READ-WRITE] done\r\n");
    while c.poll_event().is_some() {}
    c
}

/// A client past the greeting, streaming bodies over `over` octets, with `FETCH 1:*
/// (UID BODY[])` sent.
fn client(over: u64, fetch_messages: bool) -> (Client, CommandId) {
    let options = ClientOptions { stream_bodies_over: Some(over), fetch_messages, ..ClientOptions::default() };
    let mut c = selected(options);
    let id = c
        .send(CommandBody::Fetch {
            set: "1:*".parse::<SequenceSet>().unwrap(),
            attributes: crate::client::IntoFetchAttributes::into_fetch_attributes("(UID BODY.PEEK[])").unwrap(),
            uid: false,
            modifiers: Vec::new(),
        })
        .unwrap_or_else(|e| panic!("{e:?}"));
    c.poll_transmit(&mut BytesMut::new());
    (c, id)
}

/// The events, with consecutive chunks of one body joined (their split is the input's).
fn events(c: &mut Client) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    while let Some(e) = c.poll_event() {
        if let (Event::BodyChunk { data, .. }, Some(Event::BodyChunk { data: before, offset, .. })) =
            (&e, out.last_mut())
        {
            let mut joined = BytesMut::from(&before[..]);
            joined.extend_from_slice(data);
            *before = joined.freeze();
            let _ = offset;
            continue;
        }
        out.push(e);
    }
    out
}

fn body(len: usize) -> Vec<u8> {
    (0..len).map(|i| b"abcdefghij\r\n"[i % 12]).collect()
}

#[test]
fn a_long_body_comes_in_pieces_and_the_response_after_it() {
    let (mut c, id) = client(16, false);
    let text = body(100);
    let mut input = b"* 2 FETCH (UID 7 BODY[] {100}\r\n".to_vec();
    input.extend_from_slice(&text);
    input.extend_from_slice(b" FLAGS (\\Seen))\r\nA2 OK done\r\n");
    c.handle_input(&input[..40]);
    let first = events(&mut c);
    assert!(
        matches!(&first[..], [Event::BodyStarted { command: Some(i), seq: 2, section, length: 100 }, Event::BodyChunk { offset: 0, .. }]
            if *i == id && section.as_ref() == b"BODY[]"),
        "{first:?}"
    );
    c.handle_input(&input[40..]);
    let rest = events(&mut c);
    let Event::BodyChunk { offset, data, .. } = &rest[0] else { panic!("{rest:?}") };
    assert_eq!(*offset, 9);
    let Event::BodyChunk { data: d0, .. } = &first[1] else { unreachable!() };
    assert_eq!([&d0[..], &data[..]].concat(), text);
    assert!(matches!(&rest[1], Event::BodyEnded { seq: 2, .. }), "{rest:?}");
    let Event::Data { data: crate::types::Data::Fetch { seq, items }, command } = &rest[2] else { panic!("{rest:?}") };
    assert_eq!((seq.get(), *command), (2, Some(id)));
    assert!(items.iter().any(|i| matches!(i, FetchItem::Uid(7))));
    assert!(items.iter().any(|i| matches!(i, FetchItem::Flags(f) if f.len() == 1)));
    assert!(matches!(&rest[3], Event::CommandCompleted { id: done, .. } if *done == id));
}

#[test]
fn short_bodies_and_other_literals_arrive_whole() {
    let (mut c, _) = client(16, false);
    // A short body, and a long literal that is no body (an envelope's subject).
    c.handle_input(b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n");
    c.handle_input(b"* 2 FETCH (ENVELOPE (NIL {20}\r\n01234567890123456789 NIL NIL NIL NIL NIL NIL NIL NIL))\r\n");
    let all = events(&mut c);
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(all.iter().all(|e| matches!(e, Event::Data { .. })), "{all:?}");
    assert!(format!("{:?}", all[1]).contains("01234567890123456789"));
}

#[test]
fn two_bodies_of_one_message_binary_and_fetch_messages() {
    let (mut c, id) = client(8, true);
    let mut input = b"* 3 FETCH (BINARY[1] ~{10}\r\n\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09 BODY[HEADER.FIELDS (SUBJECT)]<0> {12}\r\nSubject: x\r\n UID 9)\r\n".to_vec();
    input.extend_from_slice(b"A2 OK done\r\n");
    c.handle_input(&input);
    let all = events(&mut c);
    let kinds: Vec<String> = all
        .iter()
        .map(|e| match e {
            Event::BodyStarted { section, length, .. } => {
                format!("start {} {length}", String::from_utf8_lossy(section))
            }
            Event::BodyChunk { data, offset, .. } => format!("chunk {offset} {}", data.len()),
            Event::BodyEnded { section, .. } => format!("end {}", String::from_utf8_lossy(section)),
            Event::Fetch { message, command } => {
                assert_eq!(*command, id);
                assert_eq!(message.uid(), Some(9));
                "fetch".into()
            }
            Event::CommandCompleted { .. } => "done".into(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "start BINARY[1] 10",
            "chunk 0 10",
            "end BINARY[1]",
            "start BODY[HEADER.FIELDS (SUBJECT)]<0> 12",
            "chunk 0 12",
            "end BODY[HEADER.FIELDS (SUBJECT)]<0>",
            "fetch",
            "done"
        ]
    );
}

#[test]
fn a_server_that_dies_mid_body_is_a_typed_error() {
    let (mut c, _) = client(8, false);
    c.handle_input(b"* 1 FETCH (BODY[] {1000}\r\nonly this much");
    c.handle_eof();
    let all = events(&mut c);
    assert!(matches!(all.last(), Some(Event::ConnectionLost(ConnectionError::UnexpectedEof))), "{all:?}");
    assert!(!all.iter().any(|e| matches!(e, Event::BodyEnded { .. })), "{all:?}");
}

#[test]
fn the_body_item_before_an_announcement() {
    for (head, item) in [
        (&b"* 1 FETCH (BODY[] {5}\r\n"[..], Some(&b"BODY[]"[..])),
        (b"* 1 FETCH (UID 4 body[1.MIME]<10> {5}\r\n", Some(b"body[1.MIME]<10>")),
        (b"* 1 FETCH (RFC822.TEXT {5}\r\n", Some(b"RFC822.TEXT")),
        (b"* 1 FETCH (BINARY[2] ~{5}\r\n", Some(b"BINARY[2]")),
        (b"* 1 FETCH (ENVELOPE (\"x\" {5}\r\n", None),
        (b"* 1 FETCH (ENVELOPE (\"[BODY[x]\" {5}\r\n", None),
        (b"* 1 FETCH (XBODY[] {5}\r\n", None),
    ] {
        let got = body_item(head).map(|(r, _)| &head[r]);
        assert_eq!(got, item, "{}", String::from_utf8_lossy(head));
    }
    assert_eq!(fetch_seq(b"* 12 FETCH (BODY[] {5}\r\n"), Some(12));
    assert_eq!(fetch_seq(b"* 0 FETCH ("), None);
    assert_eq!(fetch_seq(b"* 12 EXISTS\r\n"), None);
}

proptest! {
    /// The same events, and the same body octets, however the input is split.
    #[test]
    fn streamed_bodies_are_chunking_invariant(
        cuts in proptest::collection::vec(1usize..200, 0..12),
        len in 9usize..400,
        fetch_messages in any::<bool>(),
    ) {
        let text = body(len);
        let mut input = format!("* 1 FETCH (UID 3 BODY[] {{{len}}}\r\n").into_bytes();
        input.extend_from_slice(&text);
        input.extend_from_slice(b" BODY[HEADER] {3}\r\nabc)\r\n* 2 FETCH (BODY[TEXT] {0}\r\n)\r\n");
        input.extend_from_slice(format!("* 3 FETCH (RFC822 {{{len}}}\r\n").as_bytes());
        input.extend_from_slice(&text);
        input.extend_from_slice(b")\r\nA2 OK done\r\n");
        let (mut whole, _) = client(8, fetch_messages);
        whole.handle_input(&input);
        let want = events(&mut whole);
        let (mut split, _) = client(8, fetch_messages);
        let mut at = 0;
        for cut in cuts {
            let end = (at + cut).min(input.len());
            split.handle_input(&input[at..end]);
            at = end;
        }
        split.handle_input(&input[at..]);
        prop_assert_eq!(events(&mut split), want.clone());
        let bodies: Vec<&Event> = want.iter().filter(|e| matches!(e, Event::BodyChunk { .. })).collect();
        prop_assert_eq!(bodies.len(), 2);
        for b in bodies {
            let Event::BodyChunk { data, offset: 0, .. } = b else { panic!() };
            prop_assert_eq!(&data[..], &text[..]);
        }
        let completed = matches!(want.last(), Some(Event::CommandCompleted { .. }));
        prop_assert!(completed);
    }
}

#[test]
fn chunks_never_hold_the_body_whole() {
    // A 64 MiB body, fed 64 KiB at a time: no event holds more than what one input held.
    let (mut c, _) = client(1024, false);
    c.handle_input(format!("* 1 FETCH (BODY[] {{{}}}\r\n", 64 << 20).as_bytes());
    let piece = Bytes::from(vec![b'x'; 64 << 10]);
    let mut seen = 0u64;
    for _ in 0..1024 {
        c.handle_input(&piece);
        while let Some(e) = c.poll_event() {
            if let Event::BodyChunk { data, offset, .. } = e {
                assert_eq!(offset, seen);
                assert!(data.len() <= piece.len());
                seen += data.len() as u64;
            }
        }
    }
    assert_eq!(seen, 64 << 20);
}

#[test]
fn one_command_streams_and_the_next_takes_its_bodies_whole() {
    let mut c = selected(ClientOptions::default());
    let fetch = |c: &mut Client| {
        c.send(CommandBody::Fetch {
            set: "1".parse::<SequenceSet>().unwrap(),
            attributes: crate::client::IntoFetchAttributes::into_fetch_attributes("BODY.PEEK[]").unwrap(),
            uid: false,
            modifiers: Vec::new(),
        })
        .unwrap()
    };
    let streamed = fetch(&mut c);
    c.stream_bodies_of(streamed, 4);
    c.handle_input(b"* 1 FETCH (BODY[] {10}\r\n0123456789)\r\nA2 OK done\r\n");
    let all = events(&mut c);
    assert!(matches!(&all[0], Event::BodyStarted { command: Some(id), length: 10, .. } if *id == streamed), "{all:?}");
    let whole = fetch(&mut c);
    c.handle_input(b"* 1 FETCH (BODY[] {10}\r\n0123456789)\r\nA3 OK done\r\n");
    let all = events(&mut c);
    assert!(matches!(&all[0], Event::Data { command: Some(id), .. } if *id == whole), "{all:?}");
    assert!(format!("{all:?}").contains("0123456789"));
}
