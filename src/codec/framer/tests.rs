use proptest::prelude::*;

use super::*;

fn events(role: Role, options: FramerOptions, chunks: &[&[u8]]) -> Vec<FramerEvent> {
    let mut f = Framer::new(role, options);
    let mut out = Vec::new();
    for c in chunks {
        f.handle_input(c);
        while let Some(e) = f.poll() {
            out.push(e);
        }
    }
    out
}

fn msg(e: &FramerEvent) -> &[u8] {
    match e {
        FramerEvent::Message(f) => f.bytes(),
        other => panic!("expected a message, got {other:?}"),
    }
}

fn err(e: &FramerEvent) -> &FrameErrorKind {
    match e {
        FramerEvent::Error(f) => &f.kind,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn announcements() {
    let a = |s: &[u8]| announcement(s);
    assert_eq!(a(b"x {5}"), Some(Announcement { length: 5, sync: true, binary: false }));
    assert_eq!(a(b"x {5+}"), Some(Announcement { length: 5, sync: false, binary: false }));
    assert_eq!(a(b"x ~{0}"), Some(Announcement { length: 0, sync: true, binary: true }));
    assert_eq!(a(b"{99999999999999999999999}").unwrap().length, u64::MAX);
    for no in [&b"x {}"[..], b"x {a}", b"x 5}", b"x {5", b"x {+}", b"x {-5}", b"}"] {
        assert_eq!(a(no), None, "{:?}", String::from_utf8_lossy(no));
    }
}

#[test]
fn several_messages_and_literals() {
    let input = b"a NOOP\r\nb LOGIN {3+}\r\nbob {2+}\r\npw\r\n* 1 FETCH (BODY[] {0}\r\n)\r\n";
    let ev = events(Role::Client, FramerOptions::default(), &[input]);
    assert_eq!(ev.len(), 3);
    assert_eq!(msg(&ev[0]), b"a NOOP\r\n");
    assert_eq!(msg(&ev[1]), b"b LOGIN {3+}\r\nbob {2+}\r\npw\r\n");
    let FramerEvent::Message(f) = &ev[1] else { unreachable!() };
    assert_eq!(f.literals(), &[14..17, 24..26]);
    assert_eq!(&f.bytes()[14..17], b"bob");
    assert_eq!(msg(&ev[2]), b"* 1 FETCH (BODY[] {0}\r\n)\r\n");
}

#[test]
fn literal_bytes_are_not_scanned() {
    // CRLF and braces inside a literal are payload, not framing.
    let input = b"* 1 FETCH (BODY[] {8}\r\n{1}\r\n\n\r\n)\r\n";
    let ev = events(Role::Client, FramerOptions::default(), &[input]);
    assert_eq!(ev.len(), 1);
    assert_eq!(msg(&ev[0]), &input[..]);
}

#[test]
fn sync_literal_is_announced_only_to_a_server() {
    let ev = events(Role::Server, FramerOptions::default(), &[b"a APPEND x {3}\r\n", b"abc\r\n"]);
    assert_eq!(ev[0], FramerEvent::LiteralAnnounced { length: 3, binary: false });
    assert_eq!(msg(&ev[1]), b"a APPEND x {3}\r\nabc\r\n");
    let ev = events(Role::Server, FramerOptions::default(), &[b"a APPEND x ~{3+}\r\nabc\r\n"]);
    assert_eq!(ev.len(), 1);
    let ev = events(Role::Client, FramerOptions::default(), &[b"* 1 FETCH (BODY[] {3}\r\nabc)\r\n"]);
    assert_eq!(ev.len(), 1);
}

#[test]
fn rejected_literal_drops_the_message() {
    let mut f = Framer::new(Role::Server, FramerOptions::default());
    f.handle_input(b"a APPEND x {3}\r\n");
    assert!(matches!(f.poll(), Some(FramerEvent::LiteralAnnounced { .. })));
    assert_eq!(f.partial_message(), b"a APPEND x {3}\r\n");
    assert_eq!(f.reject_literal().unwrap().as_ref(), b"a APPEND x {3}\r\n");
    assert_eq!(f.reject_literal(), None);
    f.handle_input(b"b NOOP\r\n");
    assert_eq!(msg(&f.poll().unwrap()), b"b NOOP\r\n");
}

#[test]
fn line_too_long_is_skipped_and_next_message_frames() {
    let opts = FramerOptions { max_line_len: 16, ..FramerOptions::default() };
    let long = [b'x'; 40];
    let ev = events(Role::Server, opts.clone(), &[b"a ", &long, &long, b"\r\nb NOOP\r\n"]);
    assert_eq!(ev.len(), 2);
    assert_eq!(err(&ev[0]), &FrameErrorKind::LineTooLong { limit: 16 });
    let FramerEvent::Error(e) = &ev[0] else { unreachable!() };
    assert!(e.head.starts_with(b"a xxx"));
    assert_eq!(msg(&ev[1]), b"b NOOP\r\n");
    // Found at once when the whole line is there.
    let ev = events(Role::Server, opts, &[b"a xxxxxxxxxxxxxxxxxxxxx\r\nb NOOP\r\n"]);
    assert_eq!(err(&ev[0]), &FrameErrorKind::LineTooLong { limit: 16 });
    assert_eq!(msg(&ev[1]), b"b NOOP\r\n");
}

#[test]
fn literal_too_long_sync_ends_at_the_announcement() {
    let opts = FramerOptions { max_literal_len: 10, ..FramerOptions::default() };
    let ev = events(Role::Server, opts, &[b"a APPEND x {11}\r\nb NOOP\r\n"]);
    assert_eq!(err(&ev[0]), &FrameErrorKind::LiteralTooLong { length: 11, limit: 10 });
    assert_eq!(msg(&ev[1]), b"b NOOP\r\n");
}

#[test]
fn literal_too_long_non_sync_is_skipped_to_its_true_end() {
    let opts = FramerOptions { max_literal_len: 10, ..FramerOptions::default() };
    let ev = events(
        Role::Server,
        opts.clone(),
        &[b"a APPEND x {12+}\r\n", b"0123\r\n", b"{9}\r\n", b"ab", b" {2+}\r\nxx\r\nb NOOP\r\n"],
    );
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert_eq!(err(&ev[0]), &FrameErrorKind::LiteralTooLong { length: 12, limit: 10 });
    assert_eq!(msg(&ev[1]), b"b NOOP\r\n");
    // A client skips a server's oversized literal the same way.
    let ev = events(Role::Client, opts, &[b"* 1 FETCH (BODY[] {20}\r\n", &[b'z'; 20], b")\r\n* 2 EXISTS\r\n"]);
    assert_eq!(ev.len(), 2);
    assert_eq!(msg(&ev[1]), b"* 2 EXISTS\r\n");
}

#[test]
fn huge_announcement_allocates_nothing() {
    let mut f = Framer::new(Role::Client, FramerOptions::default());
    f.handle_input(b"* 1 FETCH (BODY[] {4294967295}\r\n");
    assert!(f.poll().is_none());
    assert_eq!(f.buffered(), 0);
    for _ in 0..100 {
        f.handle_input(&[0u8; 1000]);
        assert!(f.poll().is_none());
        assert_eq!(f.buffered(), 0);
    }
    let mut f = Framer::new(Role::Server, FramerOptions::default());
    f.handle_input(b"a APPEND INBOX {4294967295}\r\n");
    assert!(matches!(
        f.poll(),
        Some(FramerEvent::Error(FrameError { kind: FrameErrorKind::LiteralTooLong { .. }, .. }))
    ));
    assert_eq!(f.buffered(), 0);
}

#[test]
fn message_too_long() {
    let opts = FramerOptions { max_message_len: 32, ..FramerOptions::default() };
    let ev = events(Role::Server, opts, &[b"a LOGIN {10+}\r\n0123456789 {10+}\r\n0123456789\r\nb NOOP\r\n"]);
    assert_eq!(err(&ev[0]), &FrameErrorKind::MessageTooLong { limit: 32 });
    assert_eq!(msg(&ev[1]), b"b NOOP\r\n");
}

#[test]
fn bare_lf() {
    let ev = events(Role::Server, FramerOptions::default(), &[b"a NOOP\nb NOOP\r\n"]);
    assert_eq!(err(&ev[0]), &FrameErrorKind::BareLf);
    assert_eq!(msg(&ev[1]), b"b NOOP\r\n");
    let lenient = FramerOptions { allow_bare_lf: true, ..FramerOptions::default() };
    let ev = events(Role::Client, lenient, &[b"* 1 EXISTS\n* OK {2}\nab\n"]);
    assert_eq!(msg(&ev[0]), b"* 1 EXISTS\n");
    assert_eq!(msg(&ev[1]), b"* OK {2}\nab\n");
}

#[test]
fn keep_tail_keeps_the_last_bytes() {
    let mut tail = [0u8; TAIL];
    let mut len = 0;
    let text: Vec<u8> = (0..100u8).collect();
    for chunk in text.chunks(7) {
        keep_tail(&mut tail, &mut len, chunk);
    }
    assert_eq!(&tail[..len], &text[100 - TAIL..]);
}

/// The observable result of framing, for comparing different splits.
fn summary(ev: &[FramerEvent]) -> Vec<String> {
    ev.iter()
        .map(|e| match e {
            FramerEvent::Message(f) => format!("M {:?} {:?}", f.bytes(), f.literals()),
            FramerEvent::LiteralAnnounced { length, binary } => format!("A {length} {binary}"),
            FramerEvent::Error(e) => format!("E {:?}", e.kind),
            FramerEvent::LiteralOffered { length, binary, sync } => format!("O {length} {binary} {sync}"),
            FramerEvent::LiteralChunk(b) => format!("C {b:?}"),
            FramerEvent::LiteralEnd => "END".into(),
        })
        .collect()
}

/// Frames `chunks` with literals over `over` offered, deciding each offer with `decide`
/// (0 stream, 1 buffer, 2 reject); consecutive chunks of a streamed literal are merged, so
/// that the result does not depend on how the input was split.
fn offered(chunks: &[&[u8]], over: u64, decide: &mut dyn FnMut() -> u8) -> Vec<String> {
    let opts = FramerOptions { offer_literals_over: Some(over), ..FramerOptions::default() };
    let mut f = Framer::new(Role::Server, opts);
    let mut out: Vec<String> = Vec::new();
    let mut payload: Option<Vec<u8>> = None;
    for c in chunks {
        f.handle_input(c);
        while let Some(e) = f.poll() {
            match e {
                FramerEvent::LiteralOffered { .. } => {
                    out.extend(summary(std::slice::from_ref(&e)));
                    match decide() {
                        0 => {
                            let head = f.stream_literal().expect("offered");
                            out.push(format!("S {head:?}"));
                            payload = Some(Vec::new());
                        }
                        1 => assert!(f.buffer_literal()),
                        _ => {
                            let head = f.reject_literal().expect("offered");
                            out.push(format!("R {head:?}"));
                        }
                    }
                }
                FramerEvent::LiteralChunk(b) => payload.as_mut().expect("streaming").extend_from_slice(&b),
                FramerEvent::LiteralEnd => {
                    out.push(format!("P {:?}", Bytes::from(payload.take().expect("streaming"))));
                    out.push("END".into());
                }
                e => out.extend(summary(&[e])),
            }
        }
    }
    out
}

#[test]
fn offered_literals_stream_buffer_or_are_refused() {
    let input: &[u8] = b"a APPEND x {14}\r\nhello\r\nworld\r\n\r\nb NOOP\r\nc APPEND y {3}\r\nabc\r\n";
    // Streamed: the head, the payload, then the rest of the line as a message.
    let got = offered(&[input], 10, &mut || 0);
    assert_eq!(
        got,
        [
            "O 14 false true",
            "S b\"a APPEND x {14}\\r\\n\"",
            "P b\"hello\\r\\nworld\\r\\n\"",
            "END",
            "M b\"\\r\\n\" []",
            "M b\"b NOOP\\r\\n\" []",
            "A 3 false",
            "M b\"c APPEND y {3}\\r\\nabc\\r\\n\" [16..19]",
        ]
    );
    // Buffered: exactly as if never offered.
    let plain = events(Role::Server, FramerOptions::default(), &[input]);
    let mut expect = vec!["O 14 false true".to_string()];
    expect.extend(summary(&plain));
    assert_eq!(offered(&[input], 10, &mut || 1), expect);
    // Refused: a synchronising literal is never sent, so what follows is the next command.
    let sync: &[u8] = b"a APPEND x {12}\r\nb NOOP\r\n";
    assert_eq!(
        offered(&[sync], 10, &mut || 2),
        ["O 12 false true", "R b\"a APPEND x {12}\\r\\n\"", "M b\"b NOOP\\r\\n\" []"]
    );
    // A non-synchronising one comes anyway: skipped with the rest of its message, silently.
    let nonsync: &[u8] = b"a APPEND x {12+}\r\nhello\r\n{3}\r\n\r\nb NOOP\r\n";
    assert_eq!(
        offered(&[nonsync], 10, &mut || 2),
        ["O 12 false false", "R b\"a APPEND x {12+}\\r\\n\"", "M b\"b NOOP\\r\\n\" []"]
    );
}

#[test]
fn an_offered_literal_may_pass_every_buffering_limit() {
    let opts = FramerOptions {
        max_literal_len: 10,
        max_message_len: 30,
        offer_literals_over: Some(5),
        ..FramerOptions::default()
    };
    let mut f = Framer::new(Role::Server, opts);
    f.handle_input(b"a APPEND x {4294967295}\r\n");
    assert_eq!(f.poll(), Some(FramerEvent::LiteralOffered { length: u64::from(u32::MAX), binary: false, sync: true }));
    assert_eq!(f.poll(), None, "waits for the decision");
    assert!(f.stream_literal().is_some());
    let chunk = vec![b'x'; 100_000];
    let mut got = 0u64;
    for _ in 0..50 {
        f.handle_input(&chunk);
        while let Some(e) = f.poll() {
            let FramerEvent::LiteralChunk(b) = e else { panic!("{e:?}") };
            got += b.len() as u64;
        }
        assert!(f.buffered() <= chunk.len(), "one input chunk at most");
    }
    assert_eq!(got, 5_000_000);
    // Buffered instead, it breaks the literal limit like any other.
    let opts = FramerOptions { max_literal_len: 10, offer_literals_over: Some(5), ..FramerOptions::default() };
    let mut f = Framer::new(Role::Server, opts);
    f.handle_input(b"a LOGIN {11}\r\n");
    assert!(matches!(f.poll(), Some(FramerEvent::LiteralOffered { length: 11, .. })));
    assert!(f.buffer_literal());
    assert!(matches!(
        f.poll(),
        Some(FramerEvent::Error(FrameError { kind: FrameErrorKind::LiteralTooLong { .. }, .. }))
    ));
}

proptest! {
    /// Streaming, buffering or refusing offered literals gives the same result however
    /// the input is split.
    #[test]
    fn offered_literals_are_chunking_invariant(
        input in proptest::collection::vec(imapish(), 0..12).prop_map(|v| v.concat()),
        cuts in proptest::collection::vec(1usize..9, 1..40),
        decisions in proptest::collection::vec(0u8..3, 1..16),
        over in 0u64..4,
    ) {
        let decide = |k: &mut usize| { let d = decisions[*k % decisions.len()]; *k += 1; d };
        let mut k = 0;
        let whole = offered(&[&input], over, &mut || decide(&mut k));
        let mut pieces = Vec::new();
        let mut rest = &input[..];
        for c in cuts.iter().cycle() {
            if rest.is_empty() { break; }
            let n = (*c).min(rest.len());
            pieces.push(&rest[..n]);
            rest = &rest[n..];
        }
        let mut k = 0;
        prop_assert_eq!(offered(&pieces, over, &mut || decide(&mut k)), whole);
    }
}

fn imapish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"a NOOP\r\n".to_vec()),
        Just(b"x {3}\r\nabc".to_vec()),
        Just(b"y {2+}\r\n\r\n".to_vec()),
        Just(b"~{1}\r\n\0".to_vec()),
        Just(b" {99}\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"}".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..24),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn chunking_invariance(input in imapish(), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
                           server in any::<bool>(), small in any::<bool>()) {
        let role = if server { Role::Server } else { Role::Client };
        let opts = if small {
            FramerOptions { max_line_len: 20, max_literal_len: 50, max_message_len: 90, ..FramerOptions::default() }
        } else {
            FramerOptions::default()
        };
        let whole = events(role, opts.clone(), &[&input]);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut last = 0;
        for p in points {
            chunks.push(&input[last..p]);
            last = p;
        }
        chunks.push(&input[last..]);
        prop_assert_eq!(summary(&whole), summary(&events(role, opts.clone(), &chunks)));
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(summary(&whole), summary(&events(role, opts, &bytes)));
    }

    #[test]
    fn arbitrary_bytes_stay_bounded(input in imapish(), chunk in 1usize..64) {
        let opts = FramerOptions { max_line_len: 20, max_literal_len: 50, max_message_len: 90, ..FramerOptions::default() };
        let mut f = Framer::new(Role::Server, opts);
        for c in input.chunks(chunk) {
            f.handle_input(c);
            while f.poll().is_some() {}
            prop_assert!(f.buffered() <= 90 + chunk, "buffered {}", f.buffered());
        }
    }
}
