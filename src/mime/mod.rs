//! Message analysis: the answers to FETCH and SEARCH, computed from a raw RFC 2822 / MIME
//! message held as [`Bytes`].
//!
//! [`Message::parse`] reads the header and the MIME tree once and keeps byte offsets;
//! everything else is derived on request and shares the message's buffer: ENVELOPE and
//! BODYSTRUCTURE (RFC 3501 §7.4.2), `BODY[section]<partial>` (§6.4.5), BINARY (RFC 3516),
//! and SEARCH matching (§6.4.4, see [`matches()`]). Header text in other charsets is
//! decoded by [`decode_header`] (RFC 2047) under a [`Decoder`] chosen per call.
//!
//! The results are the ones Dovecot gives for the same message; `tests/dovecot_differential.rs`
//! checks that byte for byte, and `tests/dovecot-differences.md` lists what differs.
//!
//! ```
//! use bytes::Bytes;
//! use imap_machine::mime::Message;
//! use imap_machine::types::{BodyStructure, Section};
//!
//! let raw = b"From: Ann <ann@example.com>\r\nSubject: Hi\r\nMIME-Version: 1.0\r\n\
//!     Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst\r\n\
//!     --b\r\nContent-Type: text/html\r\n\r\n<p>second</p>\r\n--b--\r\n";
//! let m = Message::parse(Bytes::from_static(raw));
//! assert_eq!(m.envelope().subject.unwrap().as_bytes(), b"Hi");
//! assert!(matches!(m.body_structure(true), BodyStructure::Multipart { ref parts, .. } if parts.len() == 2));
//! let part2 = Section { part: vec![2.try_into().unwrap()], text: None };
//! assert_eq!(m.section(&part2, None).as_ref(), b"<p>second</p>");
//! ```
//!
//! ## Line endings
//! IMAP counts sizes and lines in CRLF form (RFC 3501 §2.3.4 RFC822.SIZE, §6.4.5 octets).
//! A message that holds a bare LF is read as if each bare LF were CRLF: it is copied once,
//! at parse, with the CRs added, which is how Dovecot stores and reports it. Every size,
//! line count and section then refers to that CRLF form. A message that is CRLF already
//! is not copied.

mod address;
mod binary;
mod charset;
pub mod collate;
mod content;
mod header;
mod lexer;
mod params;
mod part;
mod preview;
mod search;
pub(crate) mod section;
mod structure;
pub mod thread;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::num::NonZeroU32;

use bytes::Bytes;

pub use binary::{decode_base64, decode_quoted_printable, BinaryError, TransferEncoding};
pub use charset::{
    decode_header, decode_utf7, search_charset, BadCharset, Charset, Decoder, UnknownCharset, SEARCH_CHARSETS,
};
pub use preview::{preview, PREVIEW_MAX_CHARS};
mod envelope_text;
pub use header::{Header, HeaderField};
pub use params::decode_rfc2231;
pub use part::{ParseOptions, Part};
pub(crate) use search::within;
pub use search::{matches, parse_date, SearchContext};
pub(crate) use section::without_nul;

use crate::types::{BodyStructure, Envelope, FetchAttribute, FetchItem, IString, Partial, Section};

#[cfg(test)]
thread_local! {
    /// Messages parsed on this thread (tests count them: a cached parse is not redone).
    pub(crate) static PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A parsed message: its bytes (in CRLF form) and its MIME tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    raw: Bytes,
    root: Part,
}

impl Message {
    /// Parses a message with the default [`ParseOptions`]. Never fails: any bytes are a
    /// message, if perhaps a strange one.
    pub fn parse(raw: Bytes) -> Message {
        Message::parse_with(raw, &ParseOptions::default())
    }

    /// Parses a message with explicit limits.
    pub fn parse_with(raw: Bytes, options: &ParseOptions) -> Message {
        #[cfg(test)]
        PARSES.with(|n| n.set(n.get() + 1));
        let raw = to_crlf(raw);
        let root = part::parse_tree(&raw, options);
        Message { raw, root }
    }

    /// The message in CRLF form (the input itself unless it had bare LFs).
    pub fn as_bytes(&self) -> &Bytes {
        &self.raw
    }

    /// RFC822.SIZE: the size in octets, in CRLF form.
    pub fn size(&self) -> u32 {
        u32::try_from(self.raw.len()).unwrap_or(u32::MAX)
    }

    /// The top of the MIME tree: the message itself.
    pub fn root(&self) -> &Part {
        &self.root
    }

    /// The message header.
    pub fn header(&self) -> Header {
        self.root.header()
    }

    /// The part at a section-part path (RFC 3501 §6.4.5 numbering); the root for `[]`.
    pub fn part(&self, path: &[NonZeroU32]) -> Option<&Part> {
        section::find_part(&self.root, path)
    }

    /// ENVELOPE (RFC 3501 §7.4.2).
    pub fn envelope(&self) -> Envelope {
        structure::envelope(&self.root)
    }

    /// BODYSTRUCTURE when `extended`, else BODY (RFC 3501 §7.4.2).
    pub fn body_structure(&self, extended: bool) -> BodyStructure {
        structure::body_structure(&self.root, extended)
    }

    /// The extended BODYSTRUCTURE of the part at `path` (the root for `[]`), as
    /// URLFETCH's `BODYPARTSTRUCTURE` gives it (RFC 5524 §3.2); `None` for a part that
    /// is not there. With `binary`, each single part's size and line count are those of
    /// its decoded content, as Dovecot reports them next to `BINARY` data.
    pub fn part_structure(&self, path: &[NonZeroU32], binary: bool) -> Option<BodyStructure> {
        let part = self.part(path)?;
        let mut b = structure::body_structure(part, true);
        if binary {
            structure::binary_sizes(&mut b, part);
        }
        Some(b)
    }

    /// `BODY[section]<partial>` (RFC 3501 §6.4.5). A section that does not exist, and a
    /// partial that starts past the end, give the empty string. NUL bytes come out as
    /// 0x80, since an IMAP string can't carry them.
    pub fn section(&self, section: &Section, partial: Option<Partial>) -> Bytes {
        let data = section::section_bytes(&self.root, &self.raw, section).unwrap_or_default();
        section::without_nul(section::apply_partial(data, partial))
    }

    /// `BINARY[part]<partial>` (RFC 3516 §4.2): the part with its transfer encoding
    /// undone. Any octet may come back, NUL included.
    pub fn binary(&self, part: &[NonZeroU32], partial: Option<Partial>) -> Result<Bytes, BinaryError> {
        Ok(section::apply_partial(binary::binary(&self.root, &self.raw, part)?, partial))
    }

    /// `BINARY.SIZE[part]` (RFC 3516 §4.2): the size of [`Message::binary`].
    pub fn binary_size(&self, part: &[NonZeroU32]) -> Result<u32, BinaryError> {
        let data = binary::binary(&self.root, &self.raw, part)?;
        Ok(u32::try_from(data.len()).unwrap_or(u32::MAX))
    }

    /// The FETCH response item for one attribute, for the attributes that the message
    /// content decides. `Ok(None)` for FLAGS, INTERNALDATE, UID, SAVEDATE, EMAILID,
    /// THREADID and MODSEQ, which the mailbox knows; `Err` only for BINARY of an unknown transfer encoding.
    pub fn fetch(&self, attribute: &FetchAttribute) -> Result<Option<FetchItem>, BinaryError> {
        let s = |b: Bytes| Some(IString::unvalidated(section::without_nul(b)));
        Ok(Some(match attribute {
            FetchAttribute::Flags
            | FetchAttribute::InternalDate
            | FetchAttribute::Uid
            | FetchAttribute::SaveDate
            | FetchAttribute::EmailId
            | FetchAttribute::ThreadId
            | FetchAttribute::ModSeq => return Ok(None),
            FetchAttribute::Preview { .. } => {
                FetchItem::Preview(Some(IString::unvalidated(Bytes::from(preview::preview(self)))))
            }
            FetchAttribute::Envelope => FetchItem::Envelope(Box::new(self.envelope())),
            FetchAttribute::Body => FetchItem::Body(Box::new(self.body_structure(false))),
            FetchAttribute::BodyStructure => FetchItem::BodyStructure(Box::new(self.body_structure(true))),
            FetchAttribute::Rfc822Size => FetchItem::Rfc822Size(self.size()),
            FetchAttribute::Rfc822 => FetchItem::Rfc822(s(self.raw.clone())),
            FetchAttribute::Rfc822Header => FetchItem::Rfc822Header(s(self.root.header_bytes())),
            FetchAttribute::Rfc822Text => FetchItem::Rfc822Text(s(self.root.body())),
            FetchAttribute::BodySection { section, partial, .. } => FetchItem::BodySection {
                section: section.clone(),
                origin: partial.map(|p| p.offset),
                data: s(self.section(section, *partial)),
            },
            FetchAttribute::Binary { part, partial, .. } => FetchItem::Binary {
                part: part.clone(),
                origin: partial.map(|p| p.offset),
                data: Some(self.binary(part, *partial)?),
            },
            FetchAttribute::BinarySize { part } => {
                FetchItem::BinarySize { part: part.clone(), size: self.binary_size(part)? }
            }
        }))
    }
}

/// The length of `raw` in CRLF form ([`to_crlf`]): each bare LF counts two octets.
pub fn crlf_len(raw: &[u8]) -> u64 {
    let bare = memchr::memchr_iter(b'\n', raw).filter(|&i| i == 0 || raw[i - 1] != b'\r').count();
    (raw.len() + bare) as u64
}

/// Adds a CR before every bare LF; returns the input itself when there is none.
pub fn to_crlf(raw: Bytes) -> Bytes {
    let bare = memchr::memchr_iter(b'\n', &raw).filter(|&i| i == 0 || raw[i - 1] != b'\r').count();
    if bare == 0 {
        return raw;
    }
    let mut out = Vec::with_capacity(raw.len() + bare);
    let mut last = 0;
    for i in memchr::memchr_iter(b'\n', &raw) {
        if i == 0 || raw[i - 1] != b'\r' {
            out.extend_from_slice(&raw[last..i]);
            out.extend_from_slice(b"\r\n");
            last = i + 1;
        }
    }
    out.extend_from_slice(&raw[last..]);
    Bytes::from(out)
}
