//! FETCH attributes and body sections (RFC 3501 §6.4.5, §9; RFC 3516).

use std::num::NonZeroU32;

use super::core::{byte, keyword, number, nz_number, unexpected};
use super::input::{fail, In, PResult, ParseErrorKind};
use crate::types::chars::ATOM;
use crate::types::{FetchAttribute, FetchAttributes, Macro, Partial, Section};

/// `section = "[" [section-spec] "]"` with
/// `section-spec = section-msgtext / (section-part ["." section-text])`: the rule is the
/// FETCH view's (`codec/view/scan.rs`), shared with the responses' `BODY[...]`.
pub(crate) fn section(i: In<'_>) -> PResult<'_, Section> {
    from_view(i, crate::codec::view::owned_section)
}

/// `section-binary = "[" [section-part] "]"`, the FETCH view's rule too.
pub(crate) fn section_binary(i: In<'_>) -> PResult<'_, Vec<NonZeroU32>> {
    from_view(i, crate::codec::view::owned_section_binary)
}

/// One of the FETCH view's rules, run at an offset of a message: where it stopped and
/// the owned value.
pub(crate) type ViewRule<T> = fn(&bytes::Bytes, usize) -> Result<(usize, T), super::ParseError>;

/// Runs one of the view's rules at `i` and continues after what it read.
pub(crate) fn from_view<T>(i: In<'_>, rule: ViewRule<T>) -> PResult<'_, T> {
    match rule(i.source(), i.offset()) {
        Ok((end, value)) => Ok((i.advance(end - i.offset()), value)),
        Err(e) => Err(nom::Err::Error(e)),
    }
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
