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
