//! FETCH response items (RFC 3501 §7.4.2 `msg-att`, RFC 3516, RFC 7162, RFC 8514
//! `SAVEDATE`, RFC 8970 `PREVIEW`, RFC 8474 `EMAILID`/`THREADID`, Gmail), parsed leniently.

use std::num::NonZeroU32;

use super::body::{body, envelope};
use super::core::{byte, date_time, literal, nil, nz_number, objectid_paren, unexpected};
use super::fetch::{section, section_binary};
use super::input::{In, PResult};
use super::lenient::{astring_l, flag_l, list_end, nstring_l, number64_l, number_l, raw_value, sp, spaces};
use crate::types::chars::{self, ATOM};
use crate::types::{FetchItem, FlagFetch, IString};

/// `"<" number ">"` after a section in a response.
fn origin(i: In<'_>) -> PResult<'_, Option<u32>> {
    if i.first() != Some(b'<') {
        return Ok((i, None));
    }
    let (i, n) = number_l(i.advance(1))?;
    let (i, ()) = byte(b'>', ">")(i)?;
    Ok((i, Some(n)))
}

/// `flag-fetch = flag / "\Recent"`
fn flag_fetch(i: In<'_>) -> PResult<'_, FlagFetch> {
    let (rest, f) = flag_l(i)?;
    match &f {
        crate::types::Flag::Extension(a) if a.eq_ignore_case("Recent") => Ok((rest, FlagFetch::Recent)),
        _ => Ok((rest, FlagFetch::Flag(f))),
    }
}

/// `"(" [flag-fetch *(SP flag-fetch)] ")"`
fn flag_fetch_list(i: In<'_>) -> PResult<'_, Vec<FlagFetch>> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let mut i = spaces(i);
    let mut flags = Vec::new();
    if i.first() == Some(b')') {
        return Ok((i.advance(1), flags));
    }
    loop {
        let (j, f) = flag_fetch(i)?;
        flags.push(f);
        let (j, end) = list_end(j)?;
        if end {
            return Ok((j, flags));
        }
        i = j;
    }
}

/// A Gmail label: an astring, or a system label like `\Inbox`.
fn gmail_label(i: In<'_>) -> PResult<'_, IString> {
    if i.first() == Some(b'\\') {
        let n = 1 + chars::prefix_len(&i.as_slice()[1..], ATOM);
        let (rest, l) = i.split(n);
        return Ok((rest, IString::unvalidated(l.to_bytes())));
    }
    astring_l(i)
}

/// `"(" [label *(SP label)] ")"`
fn gmail_labels(i: In<'_>) -> PResult<'_, Vec<IString>> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let mut i = spaces(i);
    let mut labels = Vec::new();
    if i.first() == Some(b')') {
        return Ok((i.advance(1), labels));
    }
    loop {
        let (j, l) = gmail_label(i)?;
        labels.push(l);
        let (j, end) = list_end(j)?;
        if end {
            return Ok((j, labels));
        }
        i = j;
    }
}

/// `msg-att-dynamic / msg-att-static` with the extension items, among them
/// `"SAVEDATE" SP (date-time / nil)` (RFC 8514), `"PREVIEW" SP nstring` (RFC 8970),
/// `"EMAILID" SP "(" objectid ")"` and `"THREADID" SP ("(" objectid ")" / nil)` (RFC 8474).
pub(crate) fn msg_att_item(i: In<'_>) -> PResult<'_, FetchItem> {
    let s = i.as_slice();
    let n = s.iter().position(|&b| b == b'[' || !chars::is(b, ATOM)).unwrap_or(s.len());
    if n == 0 {
        return unexpected(i, "fetch item");
    }
    let (rest, name) = i.split(n);
    let name = name.as_slice();
    let eq = |w: &str| name.eq_ignore_ascii_case(w.as_bytes());
    if rest.first() == Some(b'[') {
        if eq("BODY") {
            let (j, section) = section(rest)?;
            let (j, origin) = origin(j)?;
            let (j, ()) = sp(j)?;
            let (j, data) = nstring_l(j)?;
            return Ok((j, FetchItem::BodySection { section, origin, data }));
        }
        if eq("BINARY") {
            let (j, part) = section_binary(rest)?;
            let (j, origin) = origin(j)?;
            let (j, ()) = sp(j)?;
            let (j, data) = match j.first() {
                Some(b'~' | b'{') => {
                    let (j, l) = literal(j, true)?;
                    (j, Some(l.data().clone()))
                }
                _ => {
                    let (j, s) = nstring_l(j)?;
                    (j, s.map(|s| s.to_bytes()))
                }
            };
            return Ok((j, FetchItem::Binary { part, origin, data }));
        }
        if eq("BINARY.SIZE") {
            let (j, part) = section_binary(rest)?;
            let (j, ()) = sp(j)?;
            let (j, size) = number_l(j)?;
            return Ok((j, FetchItem::BinarySize { part, size }));
        }
        return other(i);
    }
    let (j, ()) = sp(rest)?;
    let item = match name.len() {
        3 if eq("UID") => number_l(j).map(|(j, n)| (j, FetchItem::Uid(n)))?,
        4 if eq("BODY") => body(j).map(|(j, b)| (j, FetchItem::Body(Box::new(b))))?,
        5 if eq("FLAGS") => flag_fetch_list(j).map(|(j, f)| (j, FetchItem::Flags(f)))?,
        6 if eq("RFC822") => nstring_l(j).map(|(j, s)| (j, FetchItem::Rfc822(s)))?,
        7 if eq("PREVIEW") => nstring_l(j).map(|(j, s)| (j, FetchItem::Preview(s)))?,
        7 if eq("EMAILID") => objectid_paren(j).map(|(j, id)| (j, FetchItem::EmailId(id)))?,
        8 if eq("SAVEDATE") => match nil(j) {
            Ok((j, ())) => (j, FetchItem::SaveDate(None)),
            Err(_) => date_time(j).map(|(j, d)| (j, FetchItem::SaveDate(Some(d))))?,
        },
        8 if eq("THREADID") => match nil(j) {
            Ok((j, ())) => (j, FetchItem::ThreadId(None)),
            Err(_) => objectid_paren(j).map(|(j, id)| (j, FetchItem::ThreadId(Some(id))))?,
        },
        6 if eq("MODSEQ") => {
            let (j, ()) = byte(b'(', "(")(j)?;
            let (j, n) = number64_l(spaces(j))?;
            let j = spaces(j);
            let (j, ()) = byte(b')', ")")(j)?;
            (j, FetchItem::ModSeq(n))
        }
        8 if eq("ENVELOPE") => envelope(j).map(|(j, e)| (j, FetchItem::Envelope(Box::new(e))))?,
        10 if eq("X-GM-MSGID") => number64_l(j).map(|(j, n)| (j, FetchItem::GmailMessageId(n)))?,
        10 if eq("X-GM-THRID") => number64_l(j).map(|(j, n)| (j, FetchItem::GmailThreadId(n)))?,
        11 if eq("RFC822.SIZE") => number_l(j).map(|(j, n)| (j, FetchItem::Rfc822Size(n)))?,
        11 if eq("RFC822.TEXT") => nstring_l(j).map(|(j, s)| (j, FetchItem::Rfc822Text(s)))?,
        11 if eq("X-GM-LABELS") => gmail_labels(j).map(|(j, l)| (j, FetchItem::GmailLabels(l)))?,
        12 if eq("INTERNALDATE") => date_time(j).map(|(j, d)| (j, FetchItem::InternalDate(d)))?,
        13 if eq("RFC822.HEADER") => nstring_l(j).map(|(j, s)| (j, FetchItem::Rfc822Header(s)))?,
        13 if eq("BODYSTRUCTURE") => body(j).map(|(j, b)| (j, FetchItem::BodyStructure(Box::new(b))))?,
        _ => return other(i),
    };
    Ok(item)
}

/// The length of an unknown FETCH item's name, `[section]<origin>` included: up to the
/// first space, parenthesis or line end outside brackets. Shared with the FETCH view.
pub(crate) fn other_item_name_len(s: &[u8]) -> usize {
    let mut n = 0;
    let mut depth = 0u32;
    while n < s.len() {
        match s[n] {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b' ' | b'(' | b')' | b'\r' | b'\n' if depth == 0 => break,
            _ => {}
        }
        n += 1;
    }
    n
}

/// An item this library doesn't know: its name (with any `[section]<origin>`) and raw
/// value.
fn other(i: In<'_>) -> PResult<'_, FetchItem> {
    let n = other_item_name_len(i.as_slice());
    if n == 0 {
        return unexpected(i, "fetch item");
    }
    let (rest, name) = i.split(n);
    let (rest, ()) = sp(rest)?;
    let (rest, value) = raw_value(rest, 0)?;
    Ok((rest, FetchItem::Other { name: name.to_bytes(), value: value.to_bytes() }))
}

/// `msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic /
/// msg-att-static)) ")"`
pub(crate) fn msg_att(i: In<'_>) -> PResult<'_, Vec<FetchItem>> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let mut i = spaces(i);
    let mut items = Vec::with_capacity(8);
    loop {
        let (j, item) = msg_att_item(i)?;
        items.push(item);
        let (j, end) = list_end(j)?;
        if end {
            return Ok((j, items));
        }
        i = j;
    }
}

/// `nz-number` as a message sequence number.
pub(crate) fn seq_number(i: In<'_>) -> PResult<'_, NonZeroU32> {
    nz_number(i)
}
