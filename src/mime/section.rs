//! `BODY[section]<partial>` (RFC 3501 §6.4.5) and the RFC822 items.
//!
//! A part path is walked as RFC 3501 §6.4.5 describes: in a multipart, `n` is the n-th
//! part; a non-multipart has one part, `1`, itself (so `BODY[1]` of a single-part message
//! is its body); after a message/rfc822 part the path goes on inside the encapsulated
//! message. `HEADER`, `HEADER.FIELDS`, `HEADER.FIELDS.NOT` and `TEXT` after a part path
//! need a message/rfc822 part and address its message; `MIME` is the part's own header
//! (for the top-level part, the message header). A part that does not exist reads as the
//! empty string, and so does a partial whose origin is past the end (§6.4.5: "if the
//! partial data is ... beyond the end, an empty string is returned").
//!
//! IMAP strings can't carry NUL, so a NUL byte in the returned data becomes 0x80 (use
//! BINARY for exact octets).

use std::num::NonZeroU32;

use bytes::{Bytes, BytesMut};

use super::header::read_block;
use super::part::Part;
use crate::types::{AString, Partial, Section, SectionText};

/// The part at `path`, as RFC 3501 §6.4.5 numbers parts; the root for an empty path.
pub(crate) fn find_part<'a>(root: &'a Part, path: &[NonZeroU32]) -> Option<&'a Part> {
    let mut part = root;
    for (i, num) in path.iter().enumerate() {
        let num = num.get() as usize;
        let more = i + 1 < path.len();
        if part.is_multipart() {
            part = part.children().get(num - 1)?;
        } else if num != 1 || (more && !part.is_message()) {
            return None;
        }
        if more && part.is_message() {
            part = part.children().first()?;
        }
    }
    Some(part)
}

/// Keeps the fields of `header` whose names are (or with `exclude`, are not) in `names`,
/// as they are written, and ends them with an empty line (RFC 3501 §6.4.5: "the subset
/// of the header ... and the blank line between the header and the body").
///
/// Where the header itself is cut short the result follows Dovecot: HEADER.FIELDS ends
/// an unterminated last field with CRLF and then adds no empty line; HEADER.FIELDS.NOT
/// copies the fields as they are and adds the empty line only if the header has one.
pub(crate) fn header_fields(header: &Bytes, names: &[AString], exclude: bool) -> Bytes {
    let (fields, end) = read_block(header, 0);
    let has_blank_line = fields.last().map_or(end, |f| f.end) < end;
    let mut out = BytesMut::with_capacity(header.len().min(4096));
    let mut last_unterminated = false;
    for f in &fields {
        let name = &header[f.start..f.name_end];
        let listed = names.iter().any(|n| n.as_bytes().eq_ignore_ascii_case(name));
        if listed != exclude {
            let raw = &header[f.start..f.end];
            out.extend_from_slice(raw);
            last_unterminated = !raw.ends_with(b"\n");
            if last_unterminated && !exclude {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    if (exclude && has_blank_line) || (!exclude && !last_unterminated) {
        out.extend_from_slice(b"\r\n");
    }
    out.freeze()
}

/// The bytes of `section` of the message whose root part is `root`, before any partial.
/// `None` when the section does not exist.
pub(crate) fn section_bytes(root: &Part, message: &Bytes, section: &Section) -> Option<Bytes> {
    if section.part.is_empty() {
        return Some(match &section.text {
            None => message.clone(),
            Some(SectionText::Header) => root.header_bytes(),
            Some(SectionText::Text) => root.body(),
            Some(SectionText::HeaderFields(names)) => header_fields(&root.header_bytes(), names, false),
            Some(SectionText::HeaderFieldsNot(names)) => header_fields(&root.header_bytes(), names, true),
            // MIME needs a part number; the parser never builds this.
            Some(SectionText::Mime) => root.header_bytes(),
        });
    }
    let part = find_part(root, &section.part)?;
    let message_part = || if part.is_message() { part.children().first() } else { None };
    Some(match &section.text {
        None => part.body(),
        Some(SectionText::Mime) => part.header_bytes(),
        Some(SectionText::Header) => message_part()?.header_bytes(),
        Some(SectionText::Text) => message_part()?.body(),
        Some(SectionText::HeaderFields(names)) => header_fields(&message_part()?.header_bytes(), names, false),
        Some(SectionText::HeaderFieldsNot(names)) => header_fields(&message_part()?.header_bytes(), names, true),
    })
}

/// Applies `<origin.length>`: clamped at the end, empty past it.
pub(crate) fn apply_partial(data: Bytes, partial: Option<Partial>) -> Bytes {
    let Some(p) = partial else { return data };
    let start = p.offset as usize;
    if start >= data.len() {
        return Bytes::new();
    }
    let end = start.saturating_add(p.length.get() as usize).min(data.len());
    data.slice(start..end)
}

/// Replaces NUL bytes, which an IMAP string can't hold, with 0x80 (copying only then).
pub(crate) fn without_nul(data: Bytes) -> Bytes {
    if memchr::memchr(0, &data).is_none() {
        return data;
    }
    Bytes::from(data.iter().map(|&c| if c == 0 { 0x80 } else { c }).collect::<Vec<u8>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partials() {
        let d = Bytes::from_static(b"0123456789");
        let p = |o, l| Some(Partial { offset: o, length: NonZeroU32::new(l).unwrap() });
        assert_eq!(apply_partial(d.clone(), p(2, 3)).as_ref(), b"234");
        assert_eq!(apply_partial(d.clone(), p(8, 100)).as_ref(), b"89");
        assert_eq!(apply_partial(d.clone(), p(10, 1)).as_ref(), b"");
        assert_eq!(apply_partial(d, None).as_ref(), b"0123456789");
    }

    #[test]
    fn fields() {
        let h = Bytes::from_static(b"From: a\r\nSubject: s\r\n t\r\nTo: b\r\n\r\n");
        let names = [AString::from_static("subject"), AString::from_static("TO")];
        assert_eq!(header_fields(&h, &names, false).as_ref(), b"Subject: s\r\n t\r\nTo: b\r\n\r\n");
        assert_eq!(header_fields(&h, &names, true).as_ref(), b"From: a\r\n\r\n");
    }
}
