//! ENVELOPE and BODY / BODYSTRUCTURE (RFC 3501 §7.4.2) from the MIME tree.
//!
//! ENVELOPE keeps header text raw, as IMAP requires: encoded words stay encoded, the
//! value is only unfolded (and for the subject and display names, runs of white space
//! are collapsed). Sender and Reply-To default to From. A field that occurs twice counts
//! once: the last Date, Subject, In-Reply-To and Message-ID win, and address fields
//! accumulate.
//!
//! BODYSTRUCTURE follows RFC 3501 §7.4.2 with the RFC 2045 defaults: a part without
//! Content-Type is `text/plain; charset=us-ascii`, a missing transfer encoding is `7bit`,
//! and text parts always carry a charset parameter. A multipart without parts (which
//! RFC 2046 §5.1.1 forbids) is reported with one empty text/plain part, so the result is
//! still valid IMAP.

use super::address::{parse_address_list, ParsedAddress};
use super::content::{content_info, for_humans, istring, nul_free, one_line, ContentInfo};
use super::header::{field_value, read_block};
use super::part::{Part, MULTIPART, RFC822};
use crate::types::{
    Address, BodyFields, BodyStructure, Disposition, Envelope, ExtensionTail, IString, MultipartExtension,
    SinglePartExtension, SpecificFields,
};

/// The ENVELOPE of the message whose header is `part`'s header.
pub(crate) fn envelope(part: &Part) -> Envelope {
    let block = part.header_bytes();
    let (fields, _) = read_block(&block, 0);
    let mut date = None;
    let mut subject = None;
    let mut in_reply_to = None;
    let mut message_id = None;
    let mut from = Vec::new();
    let mut sender = Vec::new();
    let mut reply_to = Vec::new();
    let mut to = Vec::new();
    let mut cc = Vec::new();
    let mut bcc = Vec::new();
    for f in &fields {
        let name = &block[f.start..f.name_end];
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        let list = if is("From") {
            Some(&mut from)
        } else if is("Sender") {
            Some(&mut sender)
        } else if is("Reply-To") {
            Some(&mut reply_to)
        } else if is("To") {
            Some(&mut to)
        } else if is("Cc") {
            Some(&mut cc)
        } else if is("Bcc") {
            Some(&mut bcc)
        } else {
            None
        };
        if let Some(list) = list {
            list.extend(parse_address_list(&field_value(&block, f)));
            continue;
        }
        let slot = if is("Date") {
            &mut date
        } else if is("Subject") {
            &mut subject
        } else if is("In-Reply-To") {
            &mut in_reply_to
        } else if is("Message-ID") {
            &mut message_id
        } else {
            continue;
        };
        *slot = Some(nul_free(&field_value(&block, f)));
    }
    let addresses = |list: &[ParsedAddress]| list.iter().map(address).collect::<Vec<_>>();
    let from = addresses(&from);
    let sender = if sender.is_empty() { from.clone() } else { addresses(&sender) };
    let reply_to = if reply_to.is_empty() { from.clone() } else { addresses(&reply_to) };
    Envelope {
        date: date.as_deref().map(one_line),
        subject: subject.as_deref().map(for_humans),
        from,
        sender,
        reply_to,
        to: addresses(&to),
        cc: addresses(&cc),
        bcc: addresses(&bcc),
        in_reply_to: in_reply_to.as_deref().map(one_line),
        message_id: message_id.as_deref().map(one_line),
    }
}

fn address(a: &ParsedAddress) -> Address {
    Address {
        name: a.name.as_deref().map(for_humans),
        adl: a.route.as_deref().map(istring),
        mailbox: a.mailbox.as_deref().map(istring),
        host: a.domain.as_deref().map(istring),
    }
}

fn params(list: &[(Vec<u8>, Vec<u8>)]) -> Vec<(IString, IString)> {
    list.iter().map(|(k, v)| (istring(k.as_slice()), istring(v.as_slice()))).collect()
}

fn tail(info: &ContentInfo) -> ExtensionTail {
    ExtensionTail {
        disposition: Some(
            info.disposition
                .as_ref()
                .map(|d| Disposition { kind: istring(d.as_slice()), parameters: params(&info.disposition_params) }),
        ),
        language: Some(info.language.as_ref().map(|l| l.iter().map(|t| istring(t.as_slice())).collect())),
        location: Some(info.location.as_deref().map(one_line)),
        extensions: Vec::new(),
    }
}

/// The part every multipart without parts is shown with.
fn empty_text(extended: bool) -> BodyStructure {
    BodyStructure::Single {
        media_type: IString::from_static("text"),
        subtype: IString::from_static("plain"),
        fields: BodyFields {
            parameters: vec![(IString::from_static("charset"), IString::from_static("us-ascii"))],
            id: None,
            description: None,
            encoding: IString::from_static("7bit"),
            octets: 0,
        },
        specific: SpecificFields::Text { lines: 0 },
        extension: extended.then(|| SinglePartExtension {
            md5: None,
            tail: ExtensionTail {
                disposition: Some(None),
                language: Some(None),
                location: Some(None),
                extensions: vec![],
            },
        }),
    }
}

fn clamp(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Sets each single part's size (and a text part's lines) in `b`, the structure of
/// `part`, to those of its content with the transfer encoding undone; a part whose
/// encoding is unknown keeps its sizes.
pub(crate) fn binary_sizes(b: &mut BodyStructure, part: &Part) {
    match b {
        BodyStructure::Multipart { parts, .. } => {
            for (b, p) in parts.iter_mut().zip(part.children()) {
                binary_sizes(b, p);
            }
        }
        BodyStructure::Single { fields, specific, .. } => {
            if let Ok(data) = super::TransferEncoding::of(part).decode(part.body()) {
                fields.octets = clamp(data.len());
                if let SpecificFields::Text { lines } = specific {
                    *lines = clamp(memchr::memchr_iter(b'\n', &data).count());
                }
            }
        }
    }
}

/// BODY (`extended == false`) or BODYSTRUCTURE of `part`.
pub(crate) fn body_structure(part: &Part, extended: bool) -> BodyStructure {
    let info = content_info(part);
    if part.flags & MULTIPART != 0 {
        let mut parts: Vec<BodyStructure> = part.children().iter().map(|c| body_structure(c, extended)).collect();
        if parts.is_empty() {
            parts.push(empty_text(extended));
        }
        return BodyStructure::Multipart {
            parts,
            subtype: istring(info.subtype.as_slice()),
            extension: extended.then(|| MultipartExtension { parameters: params(&info.params), tail: tail(&info) }),
        };
    }
    let rfc822 = part.flags & RFC822 != 0;
    let (media_type, subtype, text) = if rfc822 {
        (IString::from_static("message"), IString::from_static("rfc822"), false)
    } else {
        match &info.media_type {
            None => (IString::from_static("text"), IString::from_static("plain"), true),
            Some(t) => (istring(t.as_slice()), istring(info.subtype.as_slice()), t.eq_ignore_ascii_case(b"text")),
        }
    };
    let mut parameters = params(&info.params);
    if text && !info.params.iter().any(|(k, _)| k.eq_ignore_ascii_case(b"charset")) {
        parameters.push((IString::from_static("charset"), IString::from_static("us-ascii")));
    }
    let fields = BodyFields {
        parameters,
        id: info.id.as_deref().map(one_line),
        description: info.description.as_deref().map(one_line),
        encoding: info.encoding.as_deref().map(istring).unwrap_or_else(|| IString::from_static("7bit")),
        octets: clamp(part.body_len()),
    };
    let specific = if text {
        SpecificFields::Text { lines: clamp(part.body_lines()) }
    } else if rfc822 {
        match part.children().first() {
            Some(child) => SpecificFields::Message {
                envelope: Box::new(envelope(child)),
                body: Box::new(body_structure(child, extended)),
                lines: clamp(part.body_lines()),
            },
            None => SpecificFields::Message {
                envelope: Box::default(),
                body: Box::new(empty_text(extended)),
                lines: clamp(part.body_lines()),
            },
        }
    } else {
        SpecificFields::Basic
    };
    BodyStructure::Single {
        media_type,
        subtype,
        fields,
        specific,
        extension: extended.then(|| SinglePartExtension { md5: info.md5.as_deref().map(one_line), tail: tail(&info) }),
    }
}
