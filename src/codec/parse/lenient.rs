//! Lenient lexical rules for the client side: what real servers send when they break the
//! grammar. Each leniency is named in the quirk table (`QUIRKS.md`) and tested with the
//! exact bytes from the bug report.

use bytes::Bytes;

use super::core::{literal_raw, nil, unexpected};
use super::input::{In, PResult, ParseErrorKind};
use crate::codec::lex;
use crate::types::chars::{self, ASTRING, ATOM};
use crate::types::{Atom, Flag, IString, NString};

/// The window's bytes from the message's start (offsets are the message's) and its
/// position: what the shared lexical rules (`codec/lex.rs`) take.
#[inline]
pub(crate) fn lex_input<'a>(i: &In<'a>) -> (&'a [u8], usize) {
    (&i.source()[..i.offset() + i.as_slice().len()], i.offset())
}

/// A shared lexical rule's result as nom's: the window after `end`, or the error.
#[inline]
pub(crate) fn from_lex<T>(i: In<'_>, r: lex::R<(usize, T)>) -> PResult<'_, T> {
    match r {
        Ok((end, v)) => Ok((i.advance(end - i.offset()), v)),
        // As nom's `number` did: a number too large is not backtracked from.
        Err(e) if e.kind == ParseErrorKind::NumberTooLarge => Err(nom::Err::Failure(e)),
        Err(e) => Err(nom::Err::Error(e)),
    }
}

/// One or more SP (quirk `double-space`).
#[inline]
pub(crate) fn sp(i: In<'_>) -> PResult<'_, ()> {
    let (s, at) = lex_input(&i);
    from_lex(i, lex::sp(s, at).map(|j| (j, ())))
}

/// Zero or more SP.
#[inline]
pub(crate) fn spaces(i: In<'_>) -> In<'_> {
    let (s, at) = lex_input(&i);
    i.advance(lex::spaces(s, at) - at)
}

/// After a list element: past the closing `)` (true; spaces before it allowed, quirk
/// `trailing-space`), or past the separating spaces (false).
#[inline]
pub(crate) fn list_end(i: In<'_>) -> Result<(In<'_>, bool), nom::Err<super::ParseError>> {
    let (s, at) = lex_input(&i);
    from_lex(i, lex::list_end(s, at))
}

/// Trailing spaces, then CRLF (or LF alone, when the framer was told to allow it).
#[inline]
pub(crate) fn line_end(i: In<'_>) -> PResult<'_, ()> {
    let (s, at) = lex_input(&i);
    from_lex(i, lex::line_end(s, at).map(|j| (j, ())))
}

/// `number`, with quirk `negative-number`: a minus sign clamps the value to 0. A decimal
/// point is refused (quirk `decimal-number`).
#[inline]
pub(crate) fn number_l(i: In<'_>) -> PResult<'_, u32> {
    let (s, at) = lex_input(&i);
    from_lex(i, lex::number_l(s, at))
}

/// `quoted`, with quirk `8bit-quoted` (`lex::quoted_l`); zero-copy (or inline) unless
/// there are escapes.
#[inline]
pub(crate) fn quoted_l(i: In<'_>) -> PResult<'_, IString> {
    let (s, at) = lex_input(&i);
    let src = i.source();
    from_lex(i, lex::quoted_l(s, at).map(|(j, q)| (j, string_value(src, q))))
}

/// A string's value from its span: escapes undone, else a slice of the message (inline
/// when short).
#[inline]
pub(crate) fn string_value(src: &Bytes, q: lex::Span) -> IString {
    if q.escaped {
        IString::unvalidated_copy(&lex::unescape(&src[q.start..q.end]))
    } else {
        IString::unvalidated_slice(src, q.start..q.end)
    }
}

/// `string = quoted / literal`, leniently.
#[inline]
pub(crate) fn string_l(i: In<'_>) -> PResult<'_, IString> {
    match i.first() {
        Some(b'"') => quoted_l(i),
        Some(b'{') => {
            let (rest, (data, _)) = literal_raw(i, false)?;
            Ok((rest, IString::unvalidated(data.to_bytes())))
        }
        _ => unexpected(i, "string"),
    }
}

/// `nstring = string / nil`, leniently.
#[inline]
pub(crate) fn nstring_l(i: In<'_>) -> PResult<'_, NString> {
    match i.first() {
        Some(b'"' | b'{') => string_l(i).map(|(r, s)| (r, Some(s))),
        _ => nil(i).map(|(r, ())| (r, None)),
    }
}

/// `astring`, leniently.
#[inline]
pub(crate) fn astring_l(i: In<'_>) -> PResult<'_, IString> {
    match i.first() {
        Some(b'"' | b'{') => string_l(i),
        _ => {
            let n = chars::prefix_len(i.as_slice(), ASTRING);
            if n == 0 {
                return unexpected(i, "astring");
            }
            let (rest, a) = i.split(n);
            Ok((rest, IString::unvalidated(a.to_bytes())))
        }
    }
}

/// `flag`, with quirks `bracket-flag` (keywords may hold `]`, Gmail) and `8bit-flag`
/// (UTF-8 keywords): `lex::flag_fetch`, with `\Recent` an extension flag.
pub(crate) fn flag_l(i: In<'_>) -> PResult<'_, Flag> {
    use lex::FlagKind;
    let (s, at) = lex_input(&i);
    let (end, kind) = match lex::flag_fetch(s, at) {
        Ok(v) => v,
        Err(e) => return Err(nom::Err::Error(e)),
    };
    let atom = |from: usize| Atom::lenient(i.source().slice(from..end));
    let flag = match kind {
        FlagKind::Seen => Flag::Seen,
        FlagKind::Answered => Flag::Answered,
        FlagKind::Flagged => Flag::Flagged,
        FlagKind::Deleted => Flag::Deleted,
        FlagKind::Draft => Flag::Draft,
        FlagKind::Recent | FlagKind::Extension => Flag::Extension(atom(at + 1)),
        FlagKind::Keyword => Flag::Keyword(atom(at)),
    };
    Ok((i.advance(end - at), flag))
}

/// The window of an atom, without building an [`Atom`] (for keywords compared and
/// dropped).
pub(crate) fn atom_window(i: In<'_>) -> PResult<'_, In<'_>> {
    let n = chars::prefix_len(i.as_slice(), ATOM);
    if n == 0 {
        return unexpected(i, "atom");
    }
    Ok(i.split(n))
}

/// An atom.
pub(crate) fn atom_l(i: In<'_>) -> PResult<'_, Atom> {
    let n = chars::prefix_len(i.as_slice(), ATOM);
    if n == 0 {
        return unexpected(i, "atom");
    }
    let (rest, a) = i.split(n);
    Ok((rest, Atom::unvalidated(a.to_bytes())))
}

/// Digits as a u64 (mod-sequences, Gmail ids).
pub(crate) fn number64_l(i: In<'_>) -> PResult<'_, u64> {
    let (s, at) = lex_input(&i);
    from_lex(i, lex::number64(s, at))
}

/// Skips one value of an unknown item (`lex::raw_value`) and returns its bytes.
pub(crate) fn raw_value(i: In<'_>, depth: usize) -> PResult<'_, In<'_>> {
    let (s, at) = lex_input(&i);
    let (rest, ()) = from_lex(i, lex::raw_value(s, at, depth).map(|j| (j, ())))?;
    Ok((rest, i.split(rest.offset() - at).1))
}
