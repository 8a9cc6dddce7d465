//! Codec benchmarks: imap-machine side by side with imap-codec and imap-proto.
//!
//! Run with `cargo bench --bench codec`; the results and the machine they were measured
//! on are in `BENCHMARKS.md`. Every library decodes the same bytes, and each benchmark
//! first checks (outside the timed loop) that its library parsed the input completely
//! and correctly, so no error path is measured.
//!
//! The allocations each library makes per decoded (or encoded) message are counted by
//! `cargo bench --bench allocations` (`allocations.rs`, which reuses this file's inputs
//! and loops), so the timed loops here run on the plain system allocator.

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{BenchmarkGroup, Criterion, Throughput};
use imap_codec::decode::{Decoder, ResponseDecodeError};
use imap_codec::encode::Encoder;
use imap_codec::ResponseCodec;
use imap_machine::codec::{
    encode_response, parse_fetch_view, parse_response, BodyStructureView, FetchItemView, FetchTape, FetchView,
    Fragment, Framer, FramerEvent, FramerOptions, Role,
};
use imap_machine::types::{BodyStructure, Data, FetchItem, Response};

/// One FETCH response, in the shape Dovecot sends for `UID FETCH n (UID FLAGS
/// INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)` (758 bytes): six items, an envelope with five addresses
/// (two in To), and a multipart/alternative body structure with extension data.
pub(crate) const FETCH: &[u8] = b"* 12 FETCH (UID 4827 FLAGS (\\Seen $Forwarded) \
INTERNALDATE \"17-Jul-2024 09:14:52 +0200\" RFC822.SIZE 18734 \
ENVELOPE (\"Wed, 17 Jul 2024 09:14:48 +0200\" \"Re: Quarterly planning\" \
((\"Alice Martin\" NIL \"alice\" \"example.com\")) ((\"Alice Martin\" NIL \"alice\" \"example.com\")) \
((\"Alice Martin\" NIL \"alice\" \"example.com\")) \
((\"Bob Stone\" NIL \"bob\" \"example.org\")(\"Carol Diaz\" NIL \"carol\" \"example.net\")) \
((\"Dave Li\" NIL \"dave\" \"example.com\")) NIL \"<CAF3k9qP2x7Z@example.org>\" \"<4827.alice@example.com>\") \
BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 2345 52 NIL NIL NIL NIL)\
(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 9876 180 NIL NIL NIL NIL) \
\"alternative\" (\"boundary\" \"b1_5e7d0c9a4f3b\") NIL NIL NIL))\r\n";

/// Items in [`FETCH`].
const FETCH_ITEMS: usize = 6;

/// Size of the literal in `fetch_literal_64k`.
const LITERAL_LEN: usize = 64 * 1024;

/// Responses in the `small_lines` stream.
pub(crate) const SMALL_LINES: usize = 10_000;

/// Read size in `small_lines`.
const CHUNK: usize = 16 * 1024;

/// `* 1 FETCH (UID 1 BODY[] {65536}` CRLF, a 64 KiB message, `)` CRLF.
pub(crate) fn literal_response() -> Vec<u8> {
    const HEADER: &str = "Return-Path: <alice@example.com>\r\n\
Delivered-To: bob@example.org\r\n\
Received: from mail.example.com (mail.example.com [192.0.2.10])\r\n\
\tby mx.example.org with ESMTPS id 4827; Wed, 17 Jul 2024 09:14:50 +0200\r\n\
From: Alice Martin <alice@example.com>\r\n\
To: Bob Stone <bob@example.org>, Carol Diaz <carol@example.net>\r\n\
Subject: Re: Quarterly planning\r\n\
Date: Wed, 17 Jul 2024 09:14:48 +0200\r\n\
Message-ID: <4827.alice@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8; format=flowed\r\n\
Content-Transfer-Encoding: 8bit\r\n\
\r\n";
    const WORDS: &str = "the quarterly planning meeting moves to room 4.12 on Thursday, please bring figures \
for the budget review and the draft agenda; minutes follow.";
    let words: Vec<&str> = WORDS.split(' ').collect();
    let mut text = Vec::with_capacity(LITERAL_LEN);
    text.extend_from_slice(HEADER.as_bytes());
    let mut w = 0;
    // Lines of at most 76 bytes, CRLF included, then one filler line to the exact size.
    while LITERAL_LEN - text.len() >= 80 {
        let start = text.len();
        while text.len() - start < 60 {
            text.extend_from_slice(words[w % words.len()].as_bytes());
            text.push(b' ');
            w += 5;
        }
        text.extend_from_slice(b"\r\n");
    }
    let rest = LITERAL_LEN - text.len();
    text.resize(LITERAL_LEN - 2, b'-');
    text.extend_from_slice(b"\r\n");
    assert!(rest >= 2 && text.len() == LITERAL_LEN);

    let mut rsp = format!("* 1 FETCH (UID 1 BODY[] {{{LITERAL_LEN}}}\r\n").into_bytes();
    rsp.extend_from_slice(&text);
    rsp.extend_from_slice(b")\r\n");
    rsp
}

/// 10,000 short untagged responses: `* N EXISTS` and `* N FETCH (FLAGS (\Seen \Answered))`.
pub(crate) fn small_lines_stream() -> Vec<u8> {
    let mut s = Vec::new();
    for i in 1..=SMALL_LINES {
        if i % 2 == 1 {
            s.extend_from_slice(format!("* {i} EXISTS\r\n").as_bytes());
        } else {
            s.extend_from_slice(format!("* {i} FETCH (FLAGS (\\Seen \\Answered))\r\n").as_bytes());
        }
    }
    s
}

// ---- correctness checks, run once outside the timed loops ----

fn check_machine_fetch(rsp: &Response) {
    let Response::Data(Data::Fetch { seq, items }) = rsp else { panic!("imap-machine: not a FETCH: {rsp:?}") };
    assert_eq!(seq.get(), 12);
    assert_eq!(items.len(), FETCH_ITEMS);
    let mut seen = 0;
    for item in items {
        match item {
            FetchItem::Uid(uid) => assert_eq!(*uid, 4827),
            FetchItem::Flags(flags) => assert_eq!(flags.len(), 2),
            FetchItem::InternalDate(_) => {}
            FetchItem::Rfc822Size(size) => assert_eq!(*size, 18734),
            FetchItem::Envelope(env) => {
                assert_eq!(env.to.len(), 2);
                assert_eq!(env.cc.len(), 1);
                assert_eq!(env.message_id.as_ref().map(|m| m.as_bytes()), Some(&b"<4827.alice@example.com>"[..]));
            }
            FetchItem::BodyStructure(body) => {
                let BodyStructure::Multipart { parts, extension, .. } = &**body else { panic!("not multipart") };
                assert_eq!(parts.len(), 2);
                assert_eq!(extension.as_ref().map(|e| e.parameters.len()), Some(1));
            }
            other => panic!("imap-machine: unexpected item {other:?}"),
        }
        seen += 1;
    }
    assert_eq!(seen, FETCH_ITEMS);
}

/// The borrowed view: the same facts read through its accessors, and its conversion to
/// the owned type must equal `parse_response` of the same bytes (so the view holds all
/// of the response, validated).
fn check_view_fetch(view: &FetchView<'_>, message: &Bytes) {
    assert_eq!(view.seq().get(), 12);
    assert_eq!(view.items().count(), FETCH_ITEMS);
    let mut seen = 0;
    for item in view.items() {
        match item {
            FetchItemView::Uid(uid) => assert_eq!(uid, 4827),
            FetchItemView::Flags(flags) => assert_eq!(flags.count(), 2),
            FetchItemView::InternalDate(_) => {}
            FetchItemView::Rfc822Size(size) => assert_eq!(size, 18734),
            FetchItemView::Envelope(env) => {
                assert_eq!(env.to().count(), 2);
                assert_eq!(env.cc().count(), 1);
                assert_eq!(env.message_id().map(|m| m.raw()), Some(&b"<4827.alice@example.com>"[..]));
            }
            FetchItemView::BodyStructure(BodyStructureView::Multipart(body)) => {
                assert_eq!(body.parts().count(), 2);
                assert_eq!(body.params().map(Iterator::count), Some(1));
            }
            other => panic!("imap-machine view: unexpected item {other:?}"),
        }
        seen += 1;
    }
    assert_eq!(seen, FETCH_ITEMS);
    assert_eq!(view.to_response_in(message), parse_response(message).expect("imap-machine parses"));
}

fn check_codec_fetch(rsp: &imap_codec::imap_types::response::Response<'_>) {
    use imap_codec::imap_types::body::BodyStructure as CodecBody;
    use imap_codec::imap_types::fetch::MessageDataItem as Item;
    use imap_codec::imap_types::response::{Data as CodecData, Response as CodecResponse};
    let CodecResponse::Data(CodecData::Fetch { seq, items }) = rsp else { panic!("imap-codec: not a FETCH: {rsp:?}") };
    assert_eq!(seq.get(), 12);
    let items = items.as_ref();
    assert_eq!(items.len(), FETCH_ITEMS);
    for item in items {
        match item {
            Item::Uid(uid) => assert_eq!(uid.get(), 4827),
            Item::Flags(flags) => assert_eq!(flags.len(), 2),
            Item::InternalDate(_) => {}
            Item::Rfc822Size(size) => assert_eq!(*size, 18734),
            Item::Envelope(env) => {
                assert_eq!(env.to.len(), 2);
                assert_eq!(env.cc.len(), 1);
                assert_eq!(env.message_id.0.as_ref().map(|m| m.as_ref()), Some(&b"<4827.alice@example.com>"[..]));
            }
            Item::BodyStructure(CodecBody::Multi { bodies, extension_data, .. }) => {
                assert_eq!(bodies.as_ref().len(), 2);
                assert_eq!(extension_data.as_ref().map(|e| e.parameter_list.len()), Some(1));
            }
            other => panic!("imap-codec: unexpected item {other:?}"),
        }
    }
}

fn check_proto_fetch(rsp: &imap_proto::Response<'_>) {
    use imap_proto::{AttributeValue as Attr, BodyStructure as ProtoBody};
    let imap_proto::Response::Fetch(seq, items) = rsp else { panic!("imap-proto: not a FETCH: {rsp:?}") };
    assert_eq!(*seq, 12);
    assert_eq!(items.len(), FETCH_ITEMS);
    for item in items {
        match item {
            Attr::Uid(uid) => assert_eq!(*uid, 4827),
            Attr::Flags(flags) => assert_eq!(flags.len(), 2),
            Attr::InternalDate(_) => {}
            Attr::Rfc822Size(size) => assert_eq!(*size, 18734),
            Attr::Envelope(env) => {
                assert_eq!(env.to.as_ref().map(Vec::len), Some(2));
                assert_eq!(env.cc.as_ref().map(Vec::len), Some(1));
                assert_eq!(env.message_id.as_deref(), Some(&b"<4827.alice@example.com>"[..]));
            }
            Attr::BodyStructure(ProtoBody::Multipart { bodies, common, .. }) => {
                // imap-proto puts the multipart extension data into `common`.
                assert_eq!(bodies.len(), 2);
                assert_eq!(common.ty.params.as_ref().map(Vec::len), Some(1));
            }
            other => panic!("imap-proto: unexpected item {other:?}"),
        }
    }
}

/// The literal's payload, as each library returns it, must be the 64 KiB text.
fn check_literal(items: usize, uid: u32, data: &[u8], input: &[u8]) {
    assert_eq!(items, 2);
    assert_eq!(uid, 1);
    let start = input.len() - 3 - LITERAL_LEN;
    assert_eq!(data, &input[start..input.len() - 3]);
}

fn check_machine_literal(rsp: &Response, input: &[u8]) {
    let Response::Data(Data::Fetch { items, .. }) = rsp else { panic!("imap-machine: not a FETCH") };
    let [FetchItem::Uid(uid), FetchItem::BodySection { data: Some(data), .. }] = &items[..] else {
        panic!("imap-machine: unexpected items {items:?}")
    };
    check_literal(items.len(), *uid, data.as_bytes(), input);
}

fn check_codec_literal(rsp: &imap_codec::imap_types::response::Response<'_>, input: &[u8]) {
    use imap_codec::imap_types::fetch::MessageDataItem as Item;
    use imap_codec::imap_types::response::{Data as CodecData, Response as CodecResponse};
    let CodecResponse::Data(CodecData::Fetch { items, .. }) = rsp else { panic!("imap-codec: not a FETCH") };
    let [Item::Uid(uid), Item::BodyExt { data, .. }] = items.as_ref() else {
        panic!("imap-codec: unexpected items {items:?}")
    };
    let data = data.0.as_ref().expect("imap-codec: BODY[] is NIL");
    check_literal(items.as_ref().len(), uid.get(), data.as_ref(), input);
}

fn check_proto_literal(rsp: &imap_proto::Response<'_>, input: &[u8]) {
    use imap_proto::AttributeValue as Attr;
    let imap_proto::Response::Fetch(_, items) = rsp else { panic!("imap-proto: not a FETCH") };
    let [Attr::Uid(uid), Attr::BodySection { data: Some(data), .. }] = &items[..] else {
        panic!("imap-proto: unexpected items {items:?}")
    };
    check_literal(items.len(), *uid, data, input);
}

// ---- the measured operations ----

/// `input` as the framer hands it over: one message in a shared (reference-counted)
/// `Bytes`, so cloning and slicing it costs what it costs on a real connection.
pub(crate) fn framed(input: &[u8]) -> Bytes {
    let mut framer = Framer::new(Role::Client, FramerOptions::default());
    framer.handle_input(input);
    let Some(FramerEvent::Message(frame)) = framer.poll() else { panic!("imap-machine framer: no message") };
    assert!(framer.poll().is_none() && !framer.is_mid_message());
    let bytes = frame.into_bytes();
    assert_eq!(bytes, input);
    bytes
}

/// imap-codec: decodes one complete response; checks that nothing is left over.
pub(crate) fn codec_decode(input: &[u8]) -> imap_codec::imap_types::response::Response<'_> {
    let (rest, rsp) = ResponseCodec::default().decode(input).expect("imap-codec decodes");
    assert!(rest.is_empty(), "imap-codec left {} bytes", rest.len());
    rsp
}

/// imap-proto: parses one complete response; checks that nothing is left over.
pub(crate) fn proto_decode(input: &[u8]) -> imap_proto::Response<'_> {
    let (rest, rsp) = imap_proto::Response::parse(input).expect("imap-proto parses");
    assert!(rest.is_empty(), "imap-proto left {} bytes", rest.len());
    rsp
}

/// imap-machine on a stream: the framer, then `parse_response` on each message.
pub(crate) fn machine_stream(stream: &[u8]) -> usize {
    let mut framer = Framer::new(Role::Client, FramerOptions::default());
    let mut n = 0;
    for chunk in stream.chunks(CHUNK) {
        framer.handle_input(chunk);
        while let Some(event) = framer.poll() {
            let FramerEvent::Message(frame) = event else { panic!("imap-machine framer: {event:?}") };
            if let Ok(rsp) = parse_response(frame.bytes()) {
                black_box(&rsp);
                n += 1;
            }
        }
    }
    n
}

/// imap-codec on a stream: append each chunk to a buffer, decode from a cursor until the
/// decoder needs more input, then drop the consumed bytes.
pub(crate) fn codec_stream(stream: &[u8]) -> usize {
    let codec = ResponseCodec::default();
    let mut buf = Vec::new();
    let mut n = 0;
    for chunk in stream.chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        let mut pos = 0;
        loop {
            match codec.decode(&buf[pos..]) {
                Ok((rest, rsp)) => {
                    black_box(&rsp);
                    pos = buf.len() - rest.len();
                    n += 1;
                }
                Err(ResponseDecodeError::Incomplete | ResponseDecodeError::LiteralFound { .. }) => break,
                Err(ResponseDecodeError::Failed) => panic!("imap-codec failed at {pos}"),
            }
        }
        buf.drain(..pos);
    }
    n
}

/// imap-proto on a stream: the same loop, with nom's `Incomplete` meaning "read more".
pub(crate) fn proto_stream(stream: &[u8]) -> usize {
    let mut buf = Vec::new();
    let mut n = 0;
    for chunk in stream.chunks(CHUNK) {
        buf.extend_from_slice(chunk);
        let mut pos = 0;
        loop {
            match imap_proto::Response::parse(&buf[pos..]) {
                Ok((rest, rsp)) => {
                    black_box(&rsp);
                    pos = buf.len() - rest.len();
                    n += 1;
                }
                Err(nom::Err::Incomplete(_)) => break,
                Err(e) => panic!("imap-proto failed at {pos}: {e:?}"),
            }
        }
        buf.drain(..pos);
    }
    n
}

/// imap-machine: encodes into the reused buffer; returns the bytes produced.
pub(crate) fn machine_encode(rsp: &Response, buf: &mut BytesMut) -> usize {
    buf.clear();
    let encoded = encode_response(rsp, buf);
    encoded
        .fragments()
        .iter()
        .map(|f| match black_box(f) {
            Fragment::Line(b) | Fragment::Literal { data: b, .. } => b.len(),
        })
        .sum()
}

// ---- criterion groups ----

fn group<'a>(c: &'a mut Criterion, name: &str, bytes: usize) -> BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(bytes as u64));
    g
}

fn bench_fetch_envelope_bodystructure(c: &mut Criterion) {
    let message = framed(FETCH);
    check_view_fetch(&parse_fetch_view(&message).expect("imap-machine view parses"), &message);
    let mut tape = FetchTape::new();
    check_view_fetch(&tape.parse(&message).expect("imap-machine view parses"), &message);
    check_machine_fetch(&parse_response(&message).expect("imap-machine parses"));
    check_codec_fetch(&codec_decode(FETCH));
    check_proto_fetch(&proto_decode(FETCH));

    let mut g = group(c, "fetch_envelope_bodystructure", FETCH.len());
    // The borrowed view, with its own tape (one allocation).
    g.bench_function("imap-machine", |b| b.iter(|| parse_fetch_view(black_box(&message[..]))));
    // The view into a tape reused across iterations (no allocation).
    g.bench_function("imap-machine (reused tape)", |b| b.iter(|| tape.parse(black_box(&message[..])).is_ok()));
    // The owned `Response`, as before.
    g.bench_function("imap-machine (owned Response)", |b| b.iter(|| parse_response(black_box(&message))));
    // The owned `Response` built from the view, zero-copy slices of the message.
    g.bench_function("imap-machine (owned from the view)", |b| {
        b.iter(|| {
            let m = black_box(&message);
            tape.parse(m).map(|v| v.to_response_in(m)).ok()
        })
    });
    g.bench_function("imap-codec", |b| {
        let codec = ResponseCodec::default();
        b.iter(|| codec.decode(black_box(FETCH)))
    });
    g.bench_function("imap-proto", |b| b.iter(|| imap_proto::Response::parse(black_box(FETCH))));
    g.finish();
}

fn bench_fetch_literal_64k(c: &mut Criterion) {
    let input = literal_response();
    let message = framed(&input);
    check_machine_literal(&parse_response(&message).expect("imap-machine parses"), &input);
    check_codec_literal(&codec_decode(&input), &input);
    check_proto_literal(&proto_decode(&input), &input);

    let mut g = group(c, "fetch_literal_64k", input.len());
    g.bench_function("imap-machine", |b| b.iter(|| parse_response(black_box(&message))));
    g.bench_function("imap-codec", |b| {
        let codec = ResponseCodec::default();
        b.iter(|| codec.decode(black_box(&input[..])))
    });
    g.bench_function("imap-proto", |b| b.iter(|| imap_proto::Response::parse(black_box(&input[..]))));
    g.finish();
}

fn bench_small_lines(c: &mut Criterion) {
    let stream = small_lines_stream();
    assert_eq!(machine_stream(&stream), SMALL_LINES);
    assert_eq!(codec_stream(&stream), SMALL_LINES);
    assert_eq!(proto_stream(&stream), SMALL_LINES);

    let mut g = group(c, "small_lines", stream.len());
    g.bench_function("imap-machine", |b| b.iter(|| machine_stream(black_box(&stream))));
    g.bench_function("imap-codec", |b| b.iter(|| codec_stream(black_box(&stream))));
    g.bench_function("imap-proto", |b| b.iter(|| proto_stream(black_box(&stream))));
    g.finish();
}

fn bench_encode_fetch(c: &mut Criterion) {
    let machine_rsp = parse_response(&framed(FETCH)).expect("imap-machine parses");
    let codec_rsp = codec_decode(FETCH);
    let mut buf = BytesMut::new();
    let out = encode_response(&machine_rsp, &mut buf).to_vec();
    assert_eq!(parse_response(&Bytes::from(out)).expect("imap-machine re-parses"), machine_rsp);
    let out = ResponseCodec::default().encode(&codec_rsp).dump();
    assert_eq!(codec_decode(&out), codec_rsp);

    let mut g = group(c, "encode_fetch", FETCH.len());
    g.bench_function("imap-machine", |b| b.iter(|| machine_encode(black_box(&machine_rsp), &mut buf)));
    g.bench_function("imap-codec", |b| {
        let codec = ResponseCodec::default();
        b.iter(|| codec.encode(black_box(&codec_rsp)).dump())
    });
    g.finish();
}

// ---- SORT and THREAD answers (RFC 5256) ----

/// Rounds of the four thread shapes in `thread_response` (12 messages a round).
pub(crate) const THREAD_ROUNDS: u32 = 834;

/// `* THREAD` for 10,008 messages, in the shapes a mailing list gives, repeated: a lone
/// message `(n)`, a chain `(n n+1 n+2)`, a branching thread `(n (n+1 n+2)(n+3 n+4)(n+5))`
/// and a missing parent `((n)(n+1))`.
pub(crate) fn thread_response() -> Vec<u8> {
    let mut out = String::from("* THREAD ");
    let mut n = 1;
    for _ in 0..THREAD_ROUNDS {
        let m = |k: u32| n + k;
        out.push_str(&format!(
            "({})({} {} {})({} ({} {})({} {})({}))(({})({}))",
            m(0),
            m(1),
            m(2),
            m(3),
            m(4),
            m(5),
            m(6),
            m(7),
            m(8),
            m(9),
            m(10),
            m(11)
        ));
        n += 12;
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// `* SORT` of 10,000 numbers, a permutation of `1..=10000`.
pub(crate) fn sort_response() -> Vec<u8> {
    let ids: Vec<String> = (0..10_000u32).map(|k| (1 + (k * 7919) % 10_000).to_string()).collect();
    format!("* SORT {}\r\n", ids.join(" ")).into_bytes()
}

fn bench_thread_response(c: &mut Criterion) {
    let input = thread_response();
    let message = framed(&input);
    let Response::Data(Data::Thread(ts)) = parse_response(&message).expect("imap-machine parses") else {
        panic!("imap-machine: not a THREAD")
    };
    assert_eq!((ts.len(), ts.iter().map(|t| t.ids().len()).sum::<usize>()), (4 * THREAD_ROUNDS as usize, 10_008));
    let imap_codec::imap_types::response::Response::Data(imap_codec::imap_types::response::Data::Thread(ct)) =
        codec_decode(&input)
    else {
        panic!("imap-codec: not a THREAD")
    };
    assert_eq!(ct.len(), 4 * THREAD_ROUNDS as usize);

    // imap-proto has no THREAD.
    let mut g = group(c, "thread_response_10k", input.len());
    g.bench_function("imap-machine", |b| b.iter(|| parse_response(black_box(&message))));
    g.bench_function("imap-codec", |b| {
        let codec = ResponseCodec::default();
        b.iter(|| codec.decode(black_box(&input[..])))
    });
    g.finish();
}

fn bench_sort_response(c: &mut Criterion) {
    let input = sort_response();
    let message = framed(&input);
    let Response::Data(Data::Sort { ids, .. }) = parse_response(&message).expect("imap-machine parses") else {
        panic!("imap-machine: not a SORT")
    };
    assert_eq!(ids.len(), 10_000);
    let imap_codec::imap_types::response::Response::Data(imap_codec::imap_types::response::Data::Sort(ci, ..)) =
        codec_decode(&input)
    else {
        panic!("imap-codec: not a SORT")
    };
    assert_eq!(ci.len(), 10_000);
    let imap_proto::Response::MailboxData(imap_proto::MailboxDatum::Sort(pi)) = proto_decode(&input) else {
        panic!("imap-proto: not a SORT")
    };
    assert_eq!(pi.len(), 10_000);

    let mut g = group(c, "sort_response_10k", input.len());
    g.bench_function("imap-machine", |b| b.iter(|| parse_response(black_box(&message))));
    g.bench_function("imap-codec", |b| {
        let codec = ResponseCodec::default();
        b.iter(|| codec.decode(black_box(&input[..])))
    });
    g.bench_function("imap-proto", |b| b.iter(|| imap_proto::Response::parse(black_box(&input[..]))));
    g.finish();
}

pub(crate) fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench_fetch_envelope_bodystructure(&mut c);
    bench_fetch_literal_64k(&mut c);
    bench_small_lines(&mut c);
    bench_encode_fetch(&mut c);
    bench_thread_response(&mut c);
    bench_sort_response(&mut c);
    c.final_summary();
}
