//! Property tests: any bytes are a message; analysing one never panics, and every FETCH
//! item it yields is valid IMAP: `parse_response(encode(item)) == item`.

use std::num::NonZeroU32;

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::{matches, Message, ParseOptions, SearchContext};
use crate::codec::{encode_response, parse_response, Framer, FramerEvent, FramerOptions, Role};
use crate::types::{
    AString, Data, DateTime, FetchAttribute, FetchItem, IString, Partial, Response, SearchKey, Section, SectionText,
};

/// Message-like bytes: header lines, MIME structure tokens and noise, so that the parser
/// meets boundaries, folding and odd line endings often, not just random bytes.
fn message_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"Content-Type: multipart/mixed; boundary=b\r\n".to_vec()),
        Just(b"Content-Type: multipart/digest; boundary=bb\r\n".to_vec()),
        Just(b"Content-Type: message/rfc822\r\n".to_vec()),
        Just(b"Content-Type: text/plain; charset=\"utf-8\"; name*0*=utf-8''a%20; name*1=b\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: base64\r\n".to_vec()),
        Just(b"Content-Transfer-Encoding: quoted-printable\r\n".to_vec()),
        Just(b"Content-Disposition: attachment; filename=x\r\n".to_vec()),
        Just(b"MIME-Version: 1.0\r\n".to_vec()),
        Just(b"From: \"A (b)\" <a@b>, G: c@d;, (x) e\r\n".to_vec()),
        Just(b"Subject: =?utf-8?q?caf=C3=A9?= \t x\r\n".to_vec()),
        Just(b"To: <@r:u@[1.2.3.4]>, \"q\\\"\r\n".to_vec()),
        Just(b"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b" folded\r\n".to_vec()),
        Just(b"--b\r\n".to_vec()),
        Just(b"--b--\r\n".to_vec()),
        Just(b"--bb\r\n".to_vec()),
        Just(b"SGVsbG8=\r\n".to_vec()),
        Just(b"a=3D=\r\n".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// Every part path of the message, and one past the end.
fn paths(m: &Message) -> Vec<Vec<NonZeroU32>> {
    fn walk(part: &super::Part, prefix: &mut Vec<NonZeroU32>, out: &mut Vec<Vec<NonZeroU32>>) {
        let children: &[super::Part] = if part.is_message() {
            match part.children().first() {
                Some(c) if c.is_multipart() => c.children(),
                Some(c) => std::slice::from_ref(c),
                None => &[],
            }
        } else {
            part.children()
        };
        for (i, c) in children.iter().enumerate() {
            prefix.push(NonZeroU32::new(i as u32 + 1).unwrap());
            out.push(prefix.clone());
            walk(c, prefix, out);
            prefix.pop();
        }
    }
    let mut out = vec![vec![], vec![NonZeroU32::new(1).unwrap()], vec![NonZeroU32::new(7).unwrap()]];
    walk(m.root(), &mut Vec::new(), &mut out);
    out
}

fn attributes(m: &Message) -> Vec<FetchAttribute> {
    let mut attrs = vec![
        FetchAttribute::Envelope,
        FetchAttribute::Body,
        FetchAttribute::BodyStructure,
        FetchAttribute::Rfc822Size,
        FetchAttribute::Rfc822,
        FetchAttribute::Rfc822Header,
        FetchAttribute::Rfc822Text,
    ];
    let names = vec![AString::from_static("Subject"), AString::from_static("content-type")];
    for p in paths(m) {
        let mut texts = vec![None, Some(SectionText::Header), Some(SectionText::Text)];
        texts.push(Some(SectionText::HeaderFields(names.clone())));
        texts.push(Some(SectionText::HeaderFieldsNot(names.clone())));
        if !p.is_empty() {
            texts.push(Some(SectionText::Mime));
        }
        for text in texts {
            let section = Section { part: p.clone(), text };
            attrs.push(FetchAttribute::BodySection { peek: true, section: section.clone(), partial: None });
            let partial = Some(Partial { offset: 3, length: NonZeroU32::new(17).unwrap() });
            attrs.push(FetchAttribute::BodySection { peek: true, section, partial });
        }
        attrs.push(FetchAttribute::Binary { peek: true, part: p.clone(), partial: None });
        attrs.push(FetchAttribute::BinarySize { part: p });
    }
    attrs
}

/// Encodes one FETCH response, frames and parses it back.
fn round_trip(items: Vec<FetchItem>) -> Result<(), TestCaseError> {
    let rsp = Response::Data(Data::Fetch { seq: NonZeroU32::new(1).unwrap(), items });
    let wire = encode_response(&rsp, &mut BytesMut::new()).to_vec();
    let mut framer = Framer::new(Role::Client, FramerOptions::default());
    framer.handle_input(&wire);
    let Some(FramerEvent::Message(frame)) = framer.poll() else {
        return Err(TestCaseError::fail(format!("not framed: {:?}", String::from_utf8_lossy(&wire))));
    };
    let parsed = parse_response(frame.bytes())
        .map_err(|e| TestCaseError::fail(format!("{e:?} in {:?}", String::from_utf8_lossy(&wire))))?;
    prop_assert_eq!(parsed, rsp);
    prop_assert!(framer.poll().is_none());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_message_gives_valid_fetch_items(raw in message_bytes()) {
        let m = Message::parse(Bytes::from(raw));
        let mut items = Vec::new();
        for a in attributes(&m) {
            match m.fetch(&a) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => {}
                Err(super::BinaryError::UnknownCte(_)) => {}
            }
        }
        round_trip(items)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..400)) {
        let m = Message::parse_with(Bytes::from(raw), &ParseOptions { max_depth: 4, max_parts: 16 });
        let items: Vec<FetchItem> =
            attributes(&m).iter().filter_map(|a| m.fetch(a).ok().flatten()).collect();
        round_trip(items)?;
        let ctx = SearchContext::new(1, 1, DateTime::parse("01-Jan-2024 00:00:00 +0000").unwrap());
        let key = SearchKey::Or(
            Box::new(SearchKey::Text(IString::from_static("x"))),
            Box::new(SearchKey::SentBefore(crate::types::Date::parse("1-Jan-2000").unwrap())),
        );
        let _ = matches(&m, &key, &ctx);
    }

    #[test]
    fn sizes_add_up(raw in message_bytes()) {
        let m = Message::parse(Bytes::from(raw));
        fn check(p: &super::Part) -> Result<(), TestCaseError> {
            prop_assert!(p.offset() + p.header_bytes().len() + p.body_len() <= p.raw().len() + p.offset());
            let mut last = p.offset() + p.header_bytes().len();
            for c in p.children() {
                prop_assert!(c.offset() >= last, "children in order and inside the body");
                last = c.offset() + c.raw().len();
                check(c)?;
            }
            prop_assert!(last <= p.offset() + p.raw().len());
            Ok(())
        }
        check(m.root())?;
        prop_assert_eq!(m.root().raw().len(), m.as_bytes().len());
    }
}

proptest! {
    /// The store's cached parse ([`crate::store::ParsedMessage`]), kept in wire form,
    /// reads back exactly what a parse of the message gives.
    #[test]
    fn the_cached_parse_reads_back_exactly(raw in message_bytes()) {
        let raw = Bytes::from(raw);
        let m = Message::parse(raw.clone());
        let p = crate::store::ParsedMessage::of(&raw);
        prop_assert_eq!(p.envelope(), Some(m.envelope()));
        prop_assert_eq!(p.body_structure(true), Some(m.body_structure(true)));
        prop_assert_eq!(p.body_structure(false), Some(m.body_structure(false)));
    }
}
