//! MULTIAPPEND (RFC 3502) through the client and server machines and the session: long
//! messages stream to the store one after another, and a command with a refused message
//! keeps none of its messages (§6.3.11).

use super::*;

fn body_of(c: &mut Conn, seq: &str) -> Bytes {
    let peek = FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None };
    let (st, ev) = c.run(fetch(seq, vec![peek], false));
    assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
    data(&ev)
        .into_iter()
        .find_map(|d| match d {
            Data::Fetch { items, .. } => items.into_iter().find_map(|i| match i {
                FetchItem::BodySection { data, .. } => data,
                _ => None,
            }),
            _ => None,
        })
        .expect("BODY[]")
        .to_bytes()
}

fn message(flags: Vec<Flag>, body: Bytes) -> AppendMessage {
    AppendMessage { flags, date: None, data: AppendData::Literal(Literal::new(body).unwrap()) }
}

fn inbox_count(b: &Arc<MemoryBackend>) -> u32 {
    b.status(&b.login("username", "password").unwrap(), "INBOX").unwrap().messages
}

#[test]
fn long_messages_of_a_multiappend_stream_one_after_another() {
    let b = backend();
    let mut a = Conn::new(&b);
    let (one, two) = (big_message(300_000), big_message(200_001));
    let small = Bytes::from_static(b"Subject: small\r\n\r\nhi\r\n");
    let messages = vec![
        message(vec![Flag::Seen], one.clone()),
        message(vec![], small.clone()),
        message(vec![Flag::Flagged], two.clone()),
        message(vec![], small.clone()),
    ];
    let id = a.pair.client.send(CommandBody::MultiAppend { mailbox: Mailbox::Inbox, messages }).unwrap();
    let (mut chunks, mut next, mut whole) = (0, 0, 0);
    let session = &mut a.session;
    a.pair.drive_with(|server, event| {
        match &event {
            crate::server::Event::AppendChunk { .. } => chunks += 1,
            crate::server::Event::AppendNext { before, .. } => {
                assert_eq!(before.len(), 1, "the small message between the long ones");
                next += 1;
            }
            crate::server::Event::CommandReceived { command: CommandBody::MultiAppend { .. }, .. } => whole += 1,
            _ => {}
        }
        session.handle(server, event)
    });
    let st = a.status(id);
    assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
    assert_eq!(st.code, Some(Code::AppendUid { uid_validity: 1, uids: "2:5".parse().unwrap() }), "{st:?}");
    assert!(chunks > 2 && next == 1 && whole == 0, "streamed in {chunks} chunks, {next} next, never whole");
    select(&mut a, "INBOX");
    assert_eq!(body_of(&mut a, "2"), one);
    assert_eq!(body_of(&mut a, "3"), small);
    assert_eq!(body_of(&mut a, "4"), two);
    assert_eq!(body_of(&mut a, "5"), small);
}

#[test]
fn a_refused_message_refuses_the_whole_multiappend() {
    let b = Arc::new(MemoryBackend::with_demo_data().with_append_limit(250_000));
    let mut a = Conn::new(&b);
    let mut other = Conn::new(&b);
    select(&mut other, "INBOX");
    let small = || message(vec![], Bytes::from_static(b"Subject: s\r\n\r\nhi\r\n"));
    let bad_url = AppendMessage {
        flags: vec![],
        date: None,
        data: AppendData::Catenate(vec![CatPart::Url(IString::from_static("/INBOX;UIDVALIDITY=1/;UID=77"))]),
    };
    let cases: Vec<(Vec<AppendMessage>, Code)> = vec![
        // The second long message is over the limit: the machine refuses its literal.
        (vec![message(vec![], big_message(100_000)), message(vec![], big_message(300_000))], Code::TooBig),
        // A long message, then a CATENATE whose URL does not resolve, given whole after it.
        (
            vec![message(vec![], big_message(100_000)), small(), bad_url.clone()],
            Code::BadUrl("/INBOX;UIDVALIDITY=1/;UID=77".into()),
        ),
        // Whole messages only, the last one refused.
        (vec![small(), small(), bad_url], Code::BadUrl("/INBOX;UIDVALIDITY=1/;UID=77".into())),
    ];
    for (messages, code) in cases {
        let (st, _) = a.run(CommandBody::MultiAppend { mailbox: Mailbox::Inbox, messages });
        assert_eq!((st.kind, st.code), (StatusKind::No, Some(code)));
        assert_eq!(inbox_count(&b), 1, "nothing kept");
        let (st, ev) = other.run(CommandBody::Noop);
        assert_eq!(st.kind, StatusKind::Ok);
        assert!(!data(&ev).iter().any(|d| matches!(d, Data::Exists(_))), "no EXISTS: {ev:?}");
    }
    // The connection goes on.
    let (st, _) = a.run(CommandBody::MultiAppend { mailbox: Mailbox::Inbox, messages: vec![small(), small()] });
    assert_eq!(st.kind, StatusKind::Ok);
    assert_eq!(inbox_count(&b), 3);
}

/// A message with UTF-8 in a header field (RFC 6532), `n` bytes or more.
fn utf8_message(n: usize) -> Bytes {
    let mut m = "From: Jürgen <j@x>\r\nSubject: Grüße\r\n\r\n".as_bytes().to_vec();
    m.extend_from_slice(&big_message(n)[..]);
    Bytes::from(m)
}

fn enable(c: &mut Conn, cap: Capability) -> Vec<Data> {
    let (st, ev) = c.run(CommandBody::Enable { capabilities: vec![cap] });
    assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
    data(&ev)
}

/// The APPENDs of a message with 8-bit header octets, in each form: whole, in the UTF8
/// form, as a CATENATE part, one of several, and streamed (long).
fn eight_bit_appends() -> Vec<CommandBody> {
    let utf8 = |data| AppendMessage { flags: vec![], date: None, data };
    let short = utf8_message(10);
    vec![
        CommandBody::Append {
            mailbox: Mailbox::Inbox,
            flags: vec![],
            date: None,
            message: Literal::new(short.clone()).unwrap(),
        },
        CommandBody::MultiAppend { mailbox: Mailbox::Inbox, messages: vec![utf8(AppendData::Utf8(short.clone()))] },
        CommandBody::MultiAppend {
            mailbox: Mailbox::Inbox,
            messages: vec![utf8(AppendData::Catenate(vec![CatPart::Utf8(short.clone())]))],
        },
        CommandBody::MultiAppend {
            mailbox: Mailbox::Inbox,
            messages: vec![message(vec![], big_message(100)), message(vec![], short)],
        },
        CommandBody::Append {
            mailbox: Mailbox::Inbox,
            flags: vec![],
            date: None,
            message: Literal::new(utf8_message(200_000)).unwrap(),
        },
        CommandBody::MultiAppend {
            mailbox: Mailbox::Inbox,
            messages: vec![message(vec![], big_message(100)), utf8(AppendData::Utf8(utf8_message(200_000)))],
        },
    ]
}

#[test]
fn eight_bit_headers_need_enable_utf8_accept() {
    let b = backend();
    let mut legacy = Conn::new(&b);
    // RFC 6855 §4: NO for each form, and nothing of the command is kept.
    for cmd in eight_bit_appends() {
        let (st, _) = legacy.run(cmd);
        let cannot = Some(Code::Rfc5530(Rfc5530Code::Cannot));
        assert_eq!((st.kind, &st.code), (StatusKind::No, &cannot), "{st:?}");
        assert_eq!(inbox_count(&b), 1, "nothing kept");
    }
    // 8-bit octets in the body only, and the UTF8 form of an ASCII header, are taken.
    let body8 = Bytes::from("Subject: ascii\r\n\r\nGrüße\r\n".as_bytes());
    assert_eq!(
        legacy.run(CommandBody::append_of(Mailbox::Inbox, vec![message(vec![], body8)]).unwrap()).0.kind,
        StatusKind::Ok
    );
    let ascii = AppendMessage { flags: vec![], date: None, data: AppendData::Utf8(big_message(100)) };
    assert_eq!(legacy.run(CommandBody::append_of(Mailbox::Inbox, vec![ascii]).unwrap()).0.kind, StatusKind::Ok);
    assert_eq!(inbox_count(&b), 3);
    // After ENABLE UTF8=ACCEPT, or IMAP4rev2 (RFC 9051 §6.3.12), every form is taken.
    for cap in [Capability::Utf8Accept, Capability::Imap4rev2] {
        let mut c = Conn::new(&b);
        assert_eq!(enable(&mut c, cap.clone()), vec![Data::Enabled(vec![cap])]);
        for cmd in eight_bit_appends() {
            let before = inbox_count(&b);
            let (st, _) = c.run(cmd);
            assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
            assert!(inbox_count(&b) > before);
        }
    }
    // The stored message is the UTF-8 one, byte for byte.
    let mut c = Conn::new(&b);
    enable(&mut c, Capability::Utf8Accept);
    select(&mut c, "INBOX");
    assert_eq!(body_of(&mut c, "4"), utf8_message(10));
}

#[test]
fn without_utf8_accept_advertised_every_message_is_taken() {
    // What Dovecot 2.3 does: it does not advertise UTF8=ACCEPT, nor refuse 8-bit headers.
    let b = backend();
    let mut c = Conn::with_options(&b, |o| o.extra_capabilities.retain(|c| *c != Capability::Utf8Accept));
    assert!(!c.pair.client.has_capability(&Capability::Utf8Accept));
    // ENABLE of what is not advertised turns nothing on (RFC 5161 §3.1).
    assert_eq!(enable(&mut c, Capability::Utf8Accept), vec![Data::Enabled(vec![])]);
    for cmd in eight_bit_appends() {
        let (st, _) = c.run(cmd);
        assert_eq!(st.kind, StatusKind::Ok, "{st:?}");
    }
}

use proptest::strategy::Just as J;

proptest::proptest! {
    /// The header check gives the same answer however the message is split.
    #[test]
    fn the_header_scan_is_chunking_invariant(
        header in proptest::collection::vec(proptest::prop_oneof![J(b'a'), J(b'\r'), J(b'\n'), J(0xC3u8)], 0..40),
        cuts in proptest::collection::vec(0usize..60, 0..5),
    ) {
        let mut m = header.clone();
        m.extend_from_slice(b"\r\n\r\nbody \xC3\xBC\r\n");
        let whole = crate::store::session::eight_bit_header(&m);
        // The header is the lines before the first empty one (CRs aside).
        let expected = m
            .split(|&b| b == b'\n')
            .take_while(|line| line.iter().any(|&b| b != b'\r'))
            .any(|line| line.iter().any(|&b| b >= 0x80));
        proptest::prop_assert_eq!(whole, expected);
        let mut scan = crate::store::session::HeaderScan::default();
        let mut at = 0;
        let mut cuts = cuts;
        cuts.sort_unstable();
        let mut found = false;
        for cut in cuts.into_iter().map(|c| c.min(m.len())).chain([m.len()]) {
            if cut >= at {
                found |= scan.eight_bit(&m[at..cut]);
                at = cut;
            }
        }
        proptest::prop_assert_eq!(found, whole);
    }
}
