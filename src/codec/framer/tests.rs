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
        })
        .collect()
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
