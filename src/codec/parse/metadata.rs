//! METADATA (RFC 5464 §5): GETMETADATA, SETMETADATA, the `METADATA` response and the
//! `METADATA ...` response codes.

use super::core::{astring, byte, keyword, literal, mailbox, nstring, number, sp, take_class, unexpected};
use super::input::{In, PResult};
use super::lenient::{astring_l, nstring_l, number_l, spaces};
use crate::types::chars::ATOM;
use crate::types::{
    CommandBody, Data, IString, Mailbox, MetadataCode, MetadataDepth, MetadataEntry, MetadataItems, MetadataOptions,
};

/// `getmetadata = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries`, from
/// after the name. The options are also taken after the mailbox, where RFC 5464's own
/// examples (§4.2.1, §4.2.2) and Dovecot put them.
pub(crate) fn getmetadata(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, mut options) = if i.first() == Some(b'(') { getmetadata_options(i)? } else { (i, None) };
    let i = if options.is_some() { sp(i)?.0 } else { i };
    let (i, mailbox) = mailbox(i)?;
    let (i, ()) = sp(i)?;
    let mut i = i;
    if options.is_none() && is_options(i) {
        let (j, o) = getmetadata_options(i)?;
        options = o;
        i = sp(j)?.0;
    }
    let (i, entries) = entries(i)?;
    Ok((i, CommandBody::GetMetadata { options: options.unwrap_or_default(), mailbox, entries }))
}

/// Whether `(` opens options (`(MAXSIZE `, `(DEPTH `) rather than a list of entries (whose
/// names start with `/`, RFC 5464 §3.2).
fn is_options(i: In<'_>) -> bool {
    let s = i.as_slice();
    let starts = |w: &[u8]| s.len() > w.len() && s[..w.len()].eq_ignore_ascii_case(w);
    starts(b"(MAXSIZE ") || starts(b"(DEPTH ")
}

/// `getmetadata-options = "(" getmetadata-option *(SP getmetadata-option) ")"`,
/// `maxsize-opt = "MAXSIZE" SP number`, `scope-opt = "DEPTH" SP ("0" / "1" / "infinity")`;
/// each at most once, no other option (RFC 5464 §4.2).
fn getmetadata_options(i: In<'_>) -> PResult<'_, Option<MetadataOptions>> {
    let (mut i, ()) = byte(b'(', "(")(i)?;
    let mut o = MetadataOptions::default();
    loop {
        let (j, word) = take_class(i, ATOM, "getmetadata-option")?;
        let (j, ()) = sp(j)?;
        let w = word.as_slice();
        let j = if w.eq_ignore_ascii_case(b"MAXSIZE") && o.max_size.is_none() {
            let (j, n) = number(j)?;
            o.max_size = Some(n);
            j
        } else if w.eq_ignore_ascii_case(b"DEPTH") && o.depth.is_none() {
            let (j, d) = take_class(j, ATOM, "depth")?;
            o.depth = Some(match d.as_slice().to_ascii_lowercase().as_slice() {
                b"0" => MetadataDepth::Zero,
                b"1" => MetadataDepth::One,
                b"infinity" => MetadataDepth::Infinity,
                _ => return unexpected(d, "0, 1 or infinity"),
            });
            j
        } else {
            return unexpected(word, "MAXSIZE or DEPTH, once each");
        };
        match j.first() {
            Some(b')') => return Ok((j.advance(1), Some(o))),
            _ => i = sp(j)?.0,
        }
    }
}

/// `entries = entry / "(" entry *(SP entry) ")"`, `entry = astring`.
fn entries(i: In<'_>) -> PResult<'_, Vec<IString>> {
    if i.first() != Some(b'(') {
        let (i, e) = astring(i)?;
        return Ok((i, vec![e]));
    }
    let mut i = i.advance(1);
    let mut out = Vec::new();
    loop {
        let (j, e) = astring(i)?;
        out.push(e);
        match j.first() {
            Some(b')') => return Ok((j.advance(1), out)),
            _ => i = sp(j)?.0,
        }
    }
}

/// `setmetadata = "SETMETADATA" SP mailbox SP entry-values`, from after the name.
pub(crate) fn setmetadata(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, ()) = sp(i)?;
    let (i, entries) = entry_values(i)?;
    Ok((i, CommandBody::SetMetadata { mailbox, entries }))
}

/// `entry-values = "(" entry-value *(SP entry-value) ")"`, `entry-value = entry SP value`,
/// `value = nstring / literal8`.
fn entry_values(i: In<'_>) -> PResult<'_, Vec<MetadataEntry>> {
    let (mut i, ()) = byte(b'(', "(")(i)?;
    let mut out = Vec::new();
    loop {
        let (j, e) = astring(i)?;
        let (j, ()) = sp(j)?;
        let (j, v) = value(j, false)?;
        out.push((e, v));
        match j.first() {
            Some(b')') => return Ok((j.advance(1), out)),
            _ => i = sp(j)?.0,
        }
    }
}

/// `value = nstring / literal8` (RFC 5464 §5): the octets, `None` for NIL; the nstring
/// read leniently in a response. URLAUTH=BINARY's `"BINARY" SP` data has the same form.
pub(crate) fn value(i: In<'_>, lenient: bool) -> PResult<'_, Option<bytes::Bytes>> {
    if i.first() == Some(b'~') {
        let (j, l) = literal(i, true)?;
        return Ok((j, Some(l.data().clone())));
    }
    let (j, v) = if lenient { nstring_l(i)? } else { nstring(i)? };
    Ok((j, v.map(|s| s.to_bytes())))
}

/// `metadata-resp = "METADATA" SP mailbox SP (entry-values / entry-list)`, `entry-list =
/// entry *(SP entry)`; from after `METADATA`. Lenient as responses are.
pub(crate) fn metadata_response(i: In<'_>) -> PResult<'_, Data> {
    let (i, ()) = sp(i)?;
    let (i, name) = astring_l(i)?;
    let mailbox = Mailbox::from_wire(name);
    let (i, ()) = sp(i)?;
    if i.first() == Some(b'(') {
        let mut i = spaces(i.advance(1));
        let mut values = Vec::new();
        while i.first() != Some(b')') {
            let (j, e) = astring_l(i)?;
            let (j, ()) = sp(j)?;
            let (j, v) = value(j, true)?;
            values.push((e, v));
            i = spaces(j);
        }
        return Ok((i.advance(1), Data::Metadata { mailbox, items: MetadataItems::Values(values) }));
    }
    let (mut i, first) = astring_l(i)?;
    let mut names = vec![first];
    while i.first() == Some(b' ') && !matches!(i.as_slice().get(1), Some(b'\r' | b'\n') | None) {
        let (j, e) = astring_l(spaces(i))?;
        names.push(e);
        i = j;
    }
    Ok((i, Data::Metadata { mailbox, items: MetadataItems::Entries(names) }))
}

/// `"METADATA" SP ("LONGENTRIES" SP number / "MAXSIZE" SP number / "TOOMANY" /
/// "NOPRIVATE")` (RFC 5464 §5), from after `METADATA`.
pub(crate) fn metadata_code(i: In<'_>) -> PResult<'_, MetadataCode> {
    let (i, ()) = sp(i)?;
    if let Ok((j, ())) = keyword(i, "LONGENTRIES ") {
        return number_l(j).map(|(j, n)| (j, MetadataCode::LongEntries(n)));
    }
    if let Ok((j, ())) = keyword(i, "MAXSIZE ") {
        return number_l(j).map(|(j, n)| (j, MetadataCode::MaxSize(n)));
    }
    if let Ok((j, ())) = keyword(i, "TOOMANY") {
        return Ok((j, MetadataCode::TooMany));
    }
    if let Ok((j, ())) = keyword(i, "NOPRIVATE") {
        return Ok((j, MetadataCode::NoPrivate));
    }
    unexpected(i, "LONGENTRIES, MAXSIZE, TOOMANY or NOPRIVATE")
}
