//! FETCH attributes and body sections (RFC 3501 §6.4.5, §9; RFC 3516).

use std::num::NonZeroU32;

use super::core::{astring, byte, keyword, number, nz_number, sp, take_class, unexpected};
use super::input::{fail, In, PResult, ParseErrorKind};
use crate::types::chars::ATOM;
use crate::types::{FetchAttribute, FetchAttributes, Macro, Partial, Section, SectionText};

/// `section-part = nz-number *("." nz-number)`
fn section_part(i: In<'_>) -> PResult<'_, Vec<NonZeroU32>> {
    let (mut i, first) = nz_number(i)?;
    let mut part = vec![first];
    // A "." followed by a digit continues the part; followed by a letter it starts the
    // section-text ("1.MIME").
    while i.first() == Some(b'.') && i.as_slice().get(1).is_some_and(u8::is_ascii_digit) {
        let (j, n) = nz_number(i.advance(1))?;
        part.push(n);
        i = j;
    }
    Ok((i, part))
}

/// `header-list = "(" header-fld-name *(SP header-fld-name) ")"` with
/// `header-fld-name = astring`.
fn header_list(i: In<'_>) -> PResult<'_, Vec<crate::types::AString>> {
    let (mut i, ()) = byte(b'(', "header-list")(i)?;
    let mut names = Vec::new();
    loop {
        let (j, name) = astring(i)?;
        names.push(name);
        match j.first() {
            Some(b' ') => i = j.advance(1),
            Some(b')') => return Ok((j.advance(1), names)),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// `section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"` and,
/// after a part, `section-text = section-msgtext / "MIME"`.
fn section_text(i: In<'_>, after_part: bool) -> PResult<'_, SectionText> {
    let (rest, word) = take_class(i, ATOM, "section-text")?;
    let w = word.as_slice();
    if w.eq_ignore_ascii_case(b"HEADER") {
        Ok((rest, SectionText::Header))
    } else if w.eq_ignore_ascii_case(b"TEXT") {
        Ok((rest, SectionText::Text))
    } else if w.eq_ignore_ascii_case(b"MIME") && after_part {
        Ok((rest, SectionText::Mime))
    } else if w.eq_ignore_ascii_case(b"HEADER.FIELDS") {
        let (rest, ()) = sp(rest)?;
        let (rest, l) = header_list(rest)?;
        Ok((rest, SectionText::HeaderFields(l)))
    } else if w.eq_ignore_ascii_case(b"HEADER.FIELDS.NOT") {
        let (rest, ()) = sp(rest)?;
        let (rest, l) = header_list(rest)?;
        Ok((rest, SectionText::HeaderFieldsNot(l)))
    } else {
        fail(i, ParseErrorKind::Expected("HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT or MIME"))
    }
}

/// `section = "[" [section-spec] "]"` with
/// `section-spec = section-msgtext / (section-part ["." section-text])`.
pub(crate) fn section(i: In<'_>) -> PResult<'_, Section> {
    let (i, ()) = byte(b'[', "[")(i)?;
    let (i, sec) = match i.first() {
        Some(b']') => (i, Section::default()),
        Some(b'0'..=b'9') => {
            let (i, part) = section_part(i)?;
            if i.first() == Some(b'.') {
                let (i, text) = section_text(i.advance(1), true)?;
                (i, Section { part, text: Some(text) })
            } else {
                (i, Section { part, text: None })
            }
        }
        _ => {
            let (i, text) = section_text(i, false)?;
            (i, Section { part: Vec::new(), text: Some(text) })
        }
    };
    let (i, ()) = byte(b']', "]")(i)?;
    Ok((i, sec))
}

/// `section-binary = "[" [section-part] "]"`
pub(crate) fn section_binary(i: In<'_>) -> PResult<'_, Vec<NonZeroU32>> {
    let (i, ()) = byte(b'[', "[")(i)?;
    let (i, part) = if i.first() == Some(b']') { (i, Vec::new()) } else { section_part(i)? };
    let (i, ()) = byte(b']', "]")(i)?;
    Ok((i, part))
}

/// `partial = "<" number "." nz-number ">"`
fn partial(i: In<'_>) -> PResult<'_, Option<Partial>> {
    if i.first() != Some(b'<') {
        return Ok((i, None));
    }
    let (i, offset) = number(i.advance(1))?;
    let (i, ()) = byte(b'.', ".")(i)?;
    let (i, length) = nz_number(i)?;
    let (i, ()) = byte(b'>', ">")(i)?;
    Ok((i, Some(Partial { offset, length })))
}

/// `fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822" [".HEADER" / ".SIZE" /
/// ".TEXT"] / "BODY" ["STRUCTURE"] / "UID" / "BODY" section ["<" number "." nz-number ">"] /
/// "BODY.PEEK" section ["<" number "." nz-number ">"]`, RFC 3516's
/// `"BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary`, RFC 8514's
/// `"SAVEDATE"`, RFC 8970's `"PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]`,
/// RFC 8474's `"EMAILID" / "THREADID"` and RFC 7162's `fetch-mod-sequence = "MODSEQ"`.
pub(crate) fn fetch_att(i: In<'_>) -> PResult<'_, FetchAttribute> {
    use FetchAttribute::*;
    // Attribute names are atoms up to "[" (which is an ATOM-CHAR, so stop there).
    let n =
        i.as_slice().iter().position(|&b| b == b'[' || !crate::types::chars::is(b, ATOM)).unwrap_or(i.as_slice().len());
    if n == 0 {
        return unexpected(i, "fetch-att");
    }
    let (rest, name) = i.split(n);
    let name = name.as_slice();
    let eq = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
    let simple = if eq("ENVELOPE") {
        Envelope
    } else if eq("FLAGS") {
        Flags
    } else if eq("INTERNALDATE") {
        InternalDate
    } else if eq("RFC822") {
        Rfc822
    } else if eq("RFC822.HEADER") {
        Rfc822Header
    } else if eq("RFC822.SIZE") {
        Rfc822Size
    } else if eq("RFC822.TEXT") {
        Rfc822Text
    } else if eq("BODYSTRUCTURE") {
        BodyStructure
    } else if eq("UID") {
        Uid
    } else if eq("SAVEDATE") {
        SaveDate
    } else if eq("EMAILID") {
        EmailId
    } else if eq("THREADID") {
        ThreadId
    } else if eq("MODSEQ") {
        ModSeq
    } else if eq("PREVIEW") {
        return preview_mods(rest);
    } else if eq("BODY") || eq("BODY.PEEK") {
        let peek = name.len() == 9;
        if rest.first() != Some(b'[') {
            if peek {
                return unexpected(rest, "section");
            }
            return Ok((rest, Body));
        }
        let (rest, section) = section(rest)?;
        let (rest, partial) = partial(rest)?;
        return Ok((rest, BodySection { peek, section, partial }));
    } else if eq("BINARY") || eq("BINARY.PEEK") {
        let peek = name.len() == 11;
        let (rest, part) = section_binary(rest)?;
        let (rest, partial) = partial(rest)?;
        return Ok((rest, Binary { peek, part, partial }));
    } else if eq("BINARY.SIZE") {
        let (rest, part) = section_binary(rest)?;
        return Ok((rest, BinarySize { part }));
    } else {
        return fail(i, ParseErrorKind::Expected("fetch-att"));
    };
    Ok((rest, simple))
}

/// `[SP "(" preview-mod *(SP preview-mod) ")"]` after `PREVIEW`, with `preview-mod =
/// "LAZY"` (RFC 8970 §6). A `(` that does not open with `LAZY` is not a preview-mod
/// list: after a lone `PREVIEW` attribute it is the command's `fetch-modifiers`.
fn preview_mods(i: In<'_>) -> PResult<'_, FetchAttribute> {
    let plain = Ok((i, FetchAttribute::Preview { lazy: false }));
    let Ok((mut i, ())) = keyword(i, " (") else { return plain };
    if keyword(i, "LAZY").is_err() {
        return plain;
    }
    loop {
        let (j, ()) = keyword(i, "LAZY")?;
        match j.first() {
            Some(b' ') => i = j.advance(1),
            Some(b')') => return Ok((j.advance(1), FetchAttribute::Preview { lazy: true })),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// `("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")`
pub(crate) fn fetch_attributes(i: In<'_>) -> PResult<'_, FetchAttributes> {
    if i.first() == Some(b'(') {
        let mut i = i.advance(1);
        let mut atts = Vec::new();
        loop {
            let (j, a) = fetch_att(i)?;
            atts.push(a);
            match j.first() {
                Some(b' ') => i = j.advance(1),
                Some(b')') => return Ok((j.advance(1), FetchAttributes::List(atts))),
                _ => return unexpected(j, "SP or )"),
            }
        }
    }
    for (word, m) in [("ALL", Macro::All), ("FULL", Macro::Full), ("FAST", Macro::Fast)] {
        if let Ok((rest, ())) = keyword(i, word) {
            if !rest.first().is_some_and(|b| crate::types::chars::is(b, ATOM)) {
                return Ok((rest, FetchAttributes::Macro(m)));
            }
        }
    }
    let (rest, a) = fetch_att(i)?;
    Ok((rest, FetchAttributes::List(vec![a])))
}
