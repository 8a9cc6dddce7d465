//! The parse a store keeps beside a message, made once at APPEND: ENVELOPE, BODY and
//! BODYSTRUCTURE (RFC 3501 §7.4.2) and where the header ends. With it, FETCH of those
//! items neither reads nor parses the message again, so BODYSTRUCTURE costs what
//! ENVELOPE costs — what mail-client authors ask of a server, since clients fetch both
//! for every message they list.
//!
//! It is kept as Dovecot keeps it in `dovecot.index.cache`: the items in their wire form,
//! one FETCH response of a few hundred bytes, read back with the codec's parser (about a
//! microsecond, its strings slices of the kept bytes). The values themselves, with their
//! boxes and vectors, would take several times the memory (2.2 KB a message against 0.3
//! KB for a short one, measured with `imapm serve` at 300,000 messages).

use std::sync::OnceLock;

use bytes::{Bytes, BytesMut};

use super::sort::SortKeys;

use crate::codec::{encode_response, parse_response, Fragment};
use crate::mime::Message;
use crate::types::{BodyStructure, Data, Envelope, FetchAttribute, FetchItem, IString, Response, Section, SectionText};

/// `HEADER.FIELDS (name)`, the section a field's value is kept under.
fn field_section(name: &'static str) -> Section {
    Section { part: Vec::new(), text: Some(SectionText::HeaderFields(vec![IString::from_static(name)])) }
}

thread_local! {
    static SCRATCH: std::cell::Cell<BytesMut> = std::cell::Cell::new(BytesMut::new());
}

/// A message's cached parse ([`crate::store::MessageData::parsed`]).
#[derive(Debug)]
pub struct ParsedMessage {
    /// `* 1 FETCH (ENVELOPE (...) BODY (...) BODYSTRUCTURE (...))`, as encoded.
    wire: Bytes,
    header_len: u32,
    /// Its SORT and THREAD keys, once a command computed them (boxed: most messages of a
    /// mailbox nobody sorts pay one pointer).
    sort_keys: OnceLock<Box<SortKeys>>,
}

/// A copy starts without the keys, which the copy computes again when asked.
impl Clone for ParsedMessage {
    fn clone(&self) -> Self {
        ParsedMessage { wire: self.wire.clone(), header_len: self.header_len, sort_keys: OnceLock::new() }
    }
}

/// Two parses are equal when they keep the same; the keys follow from that.
impl PartialEq for ParsedMessage {
    fn eq(&self, other: &Self) -> bool {
        self.wire == other.wire && self.header_len == other.header_len
    }
}

impl Eq for ParsedMessage {}

impl ParsedMessage {
    /// Parses `message` (as [`Message::parse`] does, bare LFs served as CRLF).
    pub fn of(message: &Bytes) -> ParsedMessage {
        ParsedMessage::from_message(&Message::parse(message.clone()))
    }

    /// The parse of an already parsed message.
    pub fn from_message(m: &Message) -> ParsedMessage {
        let mut items: Vec<FetchItem> = [FetchAttribute::Envelope, FetchAttribute::Body, FetchAttribute::BodyStructure]
            .iter()
            .filter_map(|a| m.fetch(a).ok().flatten())
            .collect();
        // THREAD=REFERENCES reads References (RFC 5256 §3), which ENVELOPE lacks: kept as
        // `BODY[HEADER.FIELDS (REFERENCES)]` holding the field's unfolded value, when the
        // message has one.
        //
        // ENVELOPE holds the last Subject and Date of a message that has several (as
        // Dovecot's does); SORT and THREAD read the first (as Dovecot's do): kept as
        // `BODY[HEADER.FIELDS (SUBJECT)]` and `(DATE)` for such a message only.
        let header = m.header();
        let value = |f: crate::mime::HeaderField| {
            let v = f.value();
            IString::unvalidated(Bytes::from(
                v.iter().map(|&c| if c == 0 { 0x80 } else { c }).filter(|c| !b"\r\n".contains(c)).collect::<Vec<u8>>(),
            ))
        };
        if let Some(f) = header.get("References") {
            items.push(FetchItem::BodySection {
                section: field_section("REFERENCES"),
                origin: None,
                data: Some(value(f)),
            });
        }
        for name in ["SUBJECT", "DATE"] {
            let mut all = header.get_all(name);
            if let (Some(first), Some(_)) = (all.next(), all.next()) {
                items.push(FetchItem::BodySection {
                    section: field_section(name),
                    origin: None,
                    data: Some(value(first)),
                });
            }
        }
        let rsp = Response::Data(Data::Fetch { seq: std::num::NonZeroU32::MIN, items });
        // Encoded in a buffer the thread keeps, then copied once at its exact size: one
        // allocation that stays, none that comes and goes.
        let wire = SCRATCH.with(|cell| {
            let mut out = cell.take();
            out.clear();
            let encoded = encode_response(&rsp, &mut out);
            let parts = encoded.fragments();
            let bytes = |f: &Fragment| match f {
                Fragment::Line(b) | Fragment::Literal { data: b, .. } => b.clone(),
            };
            let total = parts.iter().map(|f| bytes(f).len()).sum();
            let mut exact = Vec::with_capacity(total);
            for f in parts {
                exact.extend_from_slice(&bytes(f));
            }
            drop(encoded);
            cell.set(out);
            Bytes::from(exact)
        });
        let header_len = u32::try_from(m.root().header_bytes().len()).unwrap_or(u32::MAX);
        ParsedMessage { wire, header_len, sort_keys: OnceLock::new() }
    }

    /// ENVELOPE, BODY and BODYSTRUCTURE, read back from the kept wire form (the strings
    /// share its buffer).
    pub fn items(&self) -> Vec<FetchItem> {
        match parse_response(&self.wire) {
            Ok(Response::Data(Data::Fetch { items, .. })) => items,
            _ => Vec::new(),
        }
    }

    /// ENVELOPE.
    pub fn envelope(&self) -> Option<Envelope> {
        self.items().into_iter().find_map(|i| if let FetchItem::Envelope(e) = i { Some(*e) } else { None })
    }

    /// BODYSTRUCTURE when `extended`, else BODY.
    pub fn body_structure(&self, extended: bool) -> Option<BodyStructure> {
        self.items().into_iter().find_map(|i| match i {
            FetchItem::BodyStructure(b) if extended => Some(*b),
            FetchItem::Body(b) if !extended => Some(*b),
            _ => None,
        })
    }

    /// The unfolded value of the References field (RFC 5322 §3.6.4), if the message has
    /// one; read in place from the kept form.
    pub fn references(&self) -> Option<Bytes> {
        self.field("REFERENCES")
    }

    /// The unfolded value of a field kept beside the ENVELOPE: `REFERENCES`, and the
    /// first `SUBJECT` and `DATE` of a message that has more than one.
    pub fn field(&self, name: &'static str) -> Option<Bytes> {
        let message = crate::codec::FetchMessage::parse(self.wire.clone()).ok()?;
        message.section(&field_section(name))
    }

    /// The length of the header, its blank line included (RFC822.HEADER, `BODY[HEADER]`):
    /// the body text starts here.
    pub fn header_len(&self) -> u32 {
        self.header_len
    }

    /// The SORT and THREAD keys kept beside the parse ([`crate::store::sort`]), computed
    /// group by group when a command first needs them.
    pub fn sort_keys(&self) -> &SortKeys {
        self.sort_keys.get_or_init(Box::default)
    }

    /// The bytes kept, for a store that writes the parse to disk.
    pub fn wire(&self) -> &Bytes {
        &self.wire
    }

    /// A parse a store kept ([`ParsedMessage::wire`] and [`ParsedMessage::header_len`]),
    /// read back. The store vouches for the bytes: a form that does not parse gives no
    /// items.
    pub fn from_stored(wire: Bytes, header_len: u32) -> ParsedMessage {
        ParsedMessage { wire, header_len, sort_keys: OnceLock::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_form_reads_back_what_a_parse_gives() {
        let raw = Bytes::from_static(
            b"From: =?UTF-8?Q?Ann_=C3=A9?= <a@b.example>\r\nTo: b@c, \"Bob \\\"Q\\\"\" <q@d>\r\nSubject: {3}\r\n\
              Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
              caf\xc3\xa9\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nhi\r\n--x--\r\n",
        );
        let m = Message::parse(raw.clone());
        let p = ParsedMessage::of(&raw);
        assert_eq!(p.envelope(), Some(m.envelope()));
        assert_eq!(p.body_structure(true), Some(m.body_structure(true)));
        assert_eq!(p.body_structure(false), Some(m.body_structure(false)));
        assert_eq!(p.header_len() as usize, m.root().header_bytes().len());
        assert_eq!(p.references(), None);
        let replied = Bytes::from_static(b"References: <a@x>\r\n  <b@y>\r\nSubject: re\r\n\r\nbody\r\n");
        assert_eq!(ParsedMessage::of(&replied).references().as_deref(), Some(&b"<a@x>  <b@y>"[..]));
        assert_eq!(ParsedMessage::of(&replied).items().len(), 4);
        let twice = Bytes::from_static(b"Subject: one\r\nSubject: two\r\nDate: x\r\n\r\nbody\r\n");
        let p = ParsedMessage::of(&twice);
        assert_eq!(p.field("SUBJECT").as_deref(), Some(&b"one"[..]));
        assert_eq!(p.field("DATE"), None);
        assert_eq!(p.envelope().unwrap().subject.unwrap().as_bytes(), b"two");
        assert!(p.wire().len() < 1000, "{} bytes", p.wire().len());
    }
}
