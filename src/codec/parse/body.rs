//! ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 §9 `envelope`, `body`), parsed leniently.

use super::core::{byte, keyword};
use super::input::{fail, In, PResult, ParseErrorKind};
use super::lenient::{list_end, nstring_l, number_l, sp, spaces, string_l, string_or_nil};
use crate::types::{
    Address, BodyExtension, BodyFields, BodyStructure, Disposition, Envelope, ExtensionTail, IString,
    MultipartExtension, SinglePartExtension, SpecificFields,
};

/// How deep bodies (message/rfc822 in multipart in ...) and extension lists may nest
/// before the parser refuses: bounds the stack a hostile server can make us use.
pub(crate) const MAX_DEPTH: usize = 48;

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`
#[inline]
fn address(i: In<'_>) -> PResult<'_, Address> {
    let (i, ()) = byte(b'(', "address")(i)?;
    let (i, name) = nstring_l(spaces(i))?;
    let (i, ()) = sp(i)?;
    let (i, adl) = nstring_l(i)?;
    let (i, ()) = sp(i)?;
    let (i, mailbox) = nstring_l(i)?;
    let (i, ()) = sp(i)?;
    let (i, host) = nstring_l(i)?;
    let i = spaces(i);
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, Address { name, adl, mailbox, host }))
}

/// `env-from = "(" 1*address ")" / nil` (and the other address lists). `()` is accepted
/// as empty (quirk `empty-address-list`), as are spaces between addresses.
fn address_list(i: In<'_>) -> PResult<'_, Vec<Address>> {
    if i.first() != Some(b'(') {
        let (i, ()) = keyword(i, "NIL")?;
        return Ok((i, Vec::new()));
    }
    let mut i = spaces(i.advance(1));
    let mut list = Vec::new();
    loop {
        if i.first() == Some(b')') {
            return Ok((i.advance(1), list));
        }
        let (j, a) = address(i)?;
        list.push(a);
        i = spaces(j);
    }
}

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
/// env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"`
pub(crate) fn envelope(i: In<'_>) -> PResult<'_, Envelope> {
    let (i, ()) = byte(b'(', "envelope")(i)?;
    let (i, date) = nstring_l(spaces(i))?;
    let (i, ()) = sp(i)?;
    let (i, subject) = nstring_l(i)?;
    let (i, ()) = sp(i)?;
    let (i, from) = address_list(i)?;
    let (i, ()) = sp(i)?;
    let (i, sender) = address_list(i)?;
    let (i, ()) = sp(i)?;
    let (i, reply_to) = address_list(i)?;
    let (i, ()) = sp(i)?;
    let (i, to) = address_list(i)?;
    let (i, ()) = sp(i)?;
    let (i, cc) = address_list(i)?;
    let (i, ()) = sp(i)?;
    let (i, bcc) = address_list(i)?;
    let (i, ()) = sp(i)?;
    let (i, in_reply_to) = nstring_l(i)?;
    let (i, ()) = sp(i)?;
    let (i, message_id) = nstring_l(i)?;
    let i = spaces(i);
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, Envelope { date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id }))
}

/// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`, with quirks
/// `nil-param-value` (a NIL value reads as empty) and `empty-list` (`()`).
fn body_fld_param(i: In<'_>) -> PResult<'_, Vec<(IString, IString)>> {
    if i.first() != Some(b'(') {
        let (i, ()) = keyword(i, "NIL")?;
        return Ok((i, Vec::new()));
    }
    let mut i = spaces(i.advance(1));
    let mut params = Vec::new();
    if i.first() == Some(b')') {
        return Ok((i.advance(1), params));
    }
    loop {
        let (j, k) = string_or_nil(i)?;
        let (j, ()) = sp(j)?;
        let (j, v) = string_or_nil(j)?;
        params.push((k, v));
        let (j, end) = list_end(j)?;
        if end {
            return Ok((j, params));
        }
        i = j;
    }
}

/// `body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
/// body-fld-octets`
fn body_fields(i: In<'_>) -> PResult<'_, BodyFields> {
    let (i, parameters) = body_fld_param(i)?;
    let (i, ()) = sp(i)?;
    let (i, id) = nstring_l(i)?;
    let (i, ()) = sp(i)?;
    let (i, description) = nstring_l(i)?;
    let (i, ()) = sp(i)?;
    let (i, encoding) = string_or_nil(i)?;
    let (i, ()) = sp(i)?;
    let (i, octets) = number_l(i)?;
    Ok((i, BodyFields { parameters, id, description, encoding, octets }))
}

/// `body-fld-dsp = "(" string SP body-fld-param ")" / nil`, with quirk `bare-disposition`:
/// a string alone (`"inline"`) is a disposition without parameters.
fn body_fld_dsp(i: In<'_>) -> PResult<'_, Option<Disposition>> {
    match i.first() {
        Some(b'(') => {
            let (i, kind) = string_l(spaces(i.advance(1)))?;
            let (i, ()) = sp(i)?;
            let (i, parameters) = body_fld_param(i)?;
            let i = spaces(i);
            let (i, ()) = byte(b')', ")")(i)?;
            Ok((i, Some(Disposition { kind, parameters })))
        }
        Some(b'"' | b'{') => {
            let (i, kind) = string_l(i)?;
            Ok((i, Some(Disposition { kind, parameters: Vec::new() })))
        }
        _ => keyword(i, "NIL").map(|(i, ())| (i, None)),
    }
}

/// `body-fld-lang = nstring / "(" string *(SP string) ")"`
fn body_fld_lang(i: In<'_>) -> PResult<'_, Option<Vec<IString>>> {
    if i.first() != Some(b'(') {
        let (i, s) = nstring_l(i)?;
        return Ok((i, s.map(|s| vec![s])));
    }
    let mut i = spaces(i.advance(1));
    let mut langs = Vec::new();
    loop {
        let (j, s) = string_l(i)?;
        langs.push(s);
        let (j, end) = list_end(j)?;
        if end {
            return Ok((j, Some(langs)));
        }
        i = j;
    }
}

/// `body-extension = nstring / number / "(" body-extension *(SP body-extension) ")"`
fn body_extension(i: In<'_>, depth: usize) -> PResult<'_, BodyExtension> {
    if depth > MAX_DEPTH {
        return fail(i, ParseErrorKind::Expected("shallower nesting"));
    }
    match i.first() {
        Some(b'(') => {
            let mut i = spaces(i.advance(1));
            let mut list = Vec::new();
            loop {
                let (j, e) = body_extension(i, depth + 1)?;
                list.push(e);
                let (j, end) = list_end(j)?;
                if end {
                    return Ok((j, BodyExtension::List(list)));
                }
                i = j;
            }
        }
        Some(b'0'..=b'9' | b'-') => number_l(i).map(|(i, n)| (i, BodyExtension::Number(n))),
        _ => nstring_l(i).map(|(i, s)| (i, BodyExtension::String(s))),
    }
}

/// Whether another `SP item` follows before the closing `)`.
fn more(i: In<'_>) -> Option<In<'_>> {
    let j = spaces(i);
    (j.offset() > i.offset() && j.first() != Some(b')')).then_some(j)
}

/// `[SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]`
fn extension_tail(i: In<'_>, depth: usize) -> PResult<'_, ExtensionTail> {
    let mut tail = ExtensionTail::default();
    let Some(j) = more(i) else { return Ok((i, tail)) };
    let (i, dsp) = body_fld_dsp(j)?;
    tail.disposition = Some(dsp);
    let Some(j) = more(i) else { return Ok((i, tail)) };
    let (i, lang) = body_fld_lang(j)?;
    tail.language = Some(lang);
    let Some(j) = more(i) else { return Ok((i, tail)) };
    let (mut i, loc) = nstring_l(j)?;
    tail.location = Some(loc);
    while let Some(j) = more(i) {
        let (k, e) = body_extension(j, depth + 1)?;
        tail.extensions.push(e);
        i = k;
    }
    Ok((i, tail))
}

/// `body = "(" (body-type-1part / body-type-mpart) ")"`
pub(crate) fn body(i: In<'_>) -> PResult<'_, BodyStructure> {
    body_depth(i, 0)
}

fn body_depth(i: In<'_>, depth: usize) -> PResult<'_, BodyStructure> {
    if depth > MAX_DEPTH {
        return fail(i, ParseErrorKind::Expected("shallower body nesting"));
    }
    let (i, ()) = byte(b'(', "body")(i)?;
    let i = spaces(i);
    let (i, b) = if i.first() == Some(b'(') { body_type_mpart(i, depth)? } else { body_type_1part(i, depth)? };
    let i = spaces(i);
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, b))
}

/// `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]`
fn body_type_mpart(i: In<'_>, depth: usize) -> PResult<'_, BodyStructure> {
    let mut parts = Vec::new();
    let mut i = i;
    while i.first() == Some(b'(') {
        let (j, part) = body_depth(i, depth + 1)?;
        parts.push(part);
        i = spaces(j);
    }
    let (i, subtype) = string_or_nil(i)?;
    let Some(j) = more(i) else { return Ok((i, BodyStructure::Multipart { parts, subtype, extension: None })) };
    let (i, parameters) = body_fld_param(j)?;
    let (i, tail) = extension_tail(i, depth)?;
    Ok((i, BodyStructure::Multipart { parts, subtype, extension: Some(MultipartExtension { parameters, tail }) }))
}

/// `body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP
/// body-ext-1part]`
fn body_type_1part(i: In<'_>, depth: usize) -> PResult<'_, BodyStructure> {
    let (i, media_type) = string_or_nil(i)?;
    let (i, ()) = sp(i)?;
    let (i, subtype) = string_or_nil(i)?;
    let (i, ()) = sp(i)?;
    let (mut i, fields) = body_fields(i)?;
    let t = media_type.as_bytes();
    let st = subtype.as_bytes();
    let mut specific = SpecificFields::Basic;
    if t.eq_ignore_ascii_case(b"TEXT") {
        // body-type-text: SP body-fld-lines (missing on some broken servers: then 0).
        if let Some(j) = more(i) {
            if j.first().is_some_and(|b| b.is_ascii_digit() || b == b'-') {
                let (k, lines) = number_l(j)?;
                specific = SpecificFields::Text { lines };
                i = k;
            }
        }
    } else if t.eq_ignore_ascii_case(b"MESSAGE")
        && (st.eq_ignore_ascii_case(b"RFC822") || st.eq_ignore_ascii_case(b"GLOBAL"))
    {
        // body-type-msg: SP envelope SP body SP body-fld-lines, when the server sent them.
        if let Some(j) = more(i) {
            if j.first() == Some(b'(') {
                let (k, envelope) = super::body::envelope(j)?;
                let (k, ()) = sp(k)?;
                let (k, body) = body_depth(k, depth + 1)?;
                let (k, ()) = sp(k)?;
                let (k, lines) = number_l(k)?;
                specific = SpecificFields::Message { envelope: Box::new(envelope), body: Box::new(body), lines };
                i = k;
            }
        }
    }
    let Some(j) = more(i) else {
        return Ok((i, BodyStructure::Single { media_type, subtype, fields, specific, extension: None }));
    };
    let (i, md5) = nstring_l(j)?;
    let (i, tail) = extension_tail(i, depth)?;
    let extension = Some(SinglePartExtension { md5, tail });
    Ok((i, BodyStructure::Single { media_type, subtype, fields, specific, extension }))
}
