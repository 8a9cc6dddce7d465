//! Lenient lexical rules for the client side: what real servers send when they break the
//! grammar. Each leniency is named in the quirk table (`QUIRKS.md`) and tested with the
//! exact bytes from the bug report.

use bytes::Bytes;

use super::core::{literal, nil, number, unexpected};
use super::input::{fail, In, PResult, ParseErrorKind};
use crate::types::chars::{self, ASTRING, ATOM, DIGIT};
use crate::types::{Atom, Flag, IString, NString};

/// One or more SP (quirk `double-space`).
#[inline]
pub(crate) fn sp(i: In<'_>) -> PResult<'_, ()> {
    let n = i.as_slice().iter().take_while(|&&b| b == b' ').count();
    if n == 0 {
        unexpected(i, "SP")
    } else {
        Ok((i.advance(n), ()))
    }
}

/// Zero or more SP.
#[inline]
pub(crate) fn spaces(i: In<'_>) -> In<'_> {
    let n = i.as_slice().iter().take_while(|&&b| b == b' ').count();
    i.advance(n)
}

/// After a list element: `Some(rest)` past the closing `)` (spaces before it allowed,
/// quirk `trailing-space`), or `None` with the input past the separating spaces.
#[inline]
pub(crate) fn list_end(i: In<'_>) -> Result<(In<'_>, bool), nom::Err<super::ParseError>> {
    let j = spaces(i);
    match j.first() {
        Some(b')') => Ok((j.advance(1), true)),
        _ if j.offset() > i.offset() => Ok((j, false)),
        _ => unexpected(j, "SP or )").map(|(r, ())| (r, false)),
    }
}

/// Trailing spaces, then CRLF (or LF alone, when the framer was told to allow it).
pub(crate) fn line_end(i: In<'_>) -> PResult<'_, ()> {
    let i = spaces(i);
    match i.as_slice() {
        [b'\r', b'\n', ..] => Ok((i.advance(2), ())),
        [b'\n', ..] => Ok((i.advance(1), ())),
        _ => unexpected(i, "CRLF"),
    }
}

/// `number`, with quirk `negative-number`: a minus sign clamps the value to 0. A decimal
/// point is refused (quirk `decimal-number`).
pub(crate) fn number_l(i: In<'_>) -> PResult<'_, u32> {
    let (j, n) = if i.first() == Some(b'-') {
        let (j, _) = number(i.advance(1))?;
        (j, 0)
    } else {
        number(i)?
    };
    if j.first() == Some(b'.') && j.as_slice().get(1).is_some_and(u8::is_ascii_digit) {
        return fail(j, ParseErrorKind::Expected("an integer, not a decimal"));
    }
    Ok((j, n))
}

/// `quoted`, with quirk `8bit-quoted`: any byte but CR, LF and NUL, kept as sent, and
/// any character may follow a backslash.
pub(crate) fn quoted_l(i: In<'_>) -> PResult<'_, IString> {
    if i.first() != Some(b'"') {
        return unexpected(i, "quoted string");
    }
    let body = i.advance(1);
    let s = body.as_slice();
    let Some(end) = memchr::memchr3(b'"', b'\\', b'\r', s) else {
        return fail(body, ParseErrorKind::Expected("closing DQUOTE"));
    };
    if s[end] == b'"' {
        let (rest, content) = body.split(end);
        if memchr::memchr2(0, b'\n', content.as_slice()).is_some() {
            return fail(content, ParseErrorKind::Expected("TEXT-CHAR"));
        }
        return Ok((rest.advance(1), IString::unvalidated(content.to_bytes())));
    }
    let mut v = Vec::with_capacity(s.len().min(256));
    let mut k = 0;
    while k < s.len() {
        match s[k] {
            b'"' => return Ok((body.advance(k + 1), IString::unvalidated(Bytes::from(v)))),
            b'\\' if k + 1 < s.len() && !matches!(s[k + 1], b'\r' | b'\n' | 0) => {
                v.push(s[k + 1]);
                k += 2;
            }
            b'\r' | b'\n' | 0 | b'\\' => return fail(body.advance(k), ParseErrorKind::Expected("closing DQUOTE")),
            b => {
                v.push(b);
                k += 1;
            }
        }
    }
    fail(body.advance(k), ParseErrorKind::Incomplete)
}

/// `string = quoted / literal`, leniently.
pub(crate) fn string_l(i: In<'_>) -> PResult<'_, IString> {
    match i.first() {
        Some(b'"') => quoted_l(i),
        Some(b'{') => {
            let (rest, lit) = literal(i, false)?;
            Ok((rest, IString::unvalidated(lit.data().clone())))
        }
        _ => unexpected(i, "string"),
    }
}

/// `nstring = string / nil`, leniently.
pub(crate) fn nstring_l(i: In<'_>) -> PResult<'_, NString> {
    match i.first() {
        Some(b'"' | b'{') => string_l(i).map(|(r, s)| (r, Some(s))),
        _ => nil(i).map(|(r, ())| (r, None)),
    }
}

/// A string where NIL is read as empty (quirk `nil-string`).
pub(crate) fn string_or_nil(i: In<'_>) -> PResult<'_, IString> {
    nstring_l(i).map(|(r, s)| (r, s.unwrap_or_default()))
}

/// `astring`, leniently.
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
/// (UTF-8 keywords).
pub(crate) fn flag_l(i: In<'_>) -> PResult<'_, Flag> {
    let start = usize::from(i.first() == Some(b'\\'));
    let n = i.as_slice()[start..]
        .iter()
        .position(|&b| !(chars::is(b, ASTRING) || b >= 0x80))
        .unwrap_or(i.as_slice().len() - start);
    if n == 0 {
        return unexpected(i.advance(start), "flag");
    }
    let (rest, tok) = i.split(start + n);
    let bytes = tok.to_bytes();
    let flag = Flag::from_bytes(bytes.clone()).unwrap_or_else(|_| {
        if start == 1 {
            Flag::Extension(Atom::lenient(bytes.slice(1..)))
        } else {
            Flag::Keyword(Atom::lenient(bytes))
        }
    });
    Ok((rest, flag))
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
    if !i.first().is_some_and(|b| chars::is(b, DIGIT)) {
        return unexpected(i, "number");
    }
    super::core::number64(i)
}

/// Skips one value of an unknown item (an atom, a string, a literal or a parenthesised
/// list of those) and returns its bytes.
pub(crate) fn raw_value(i: In<'_>, depth: usize) -> PResult<'_, In<'_>> {
    if depth > super::body::MAX_DEPTH {
        return fail(i, ParseErrorKind::Expected("shallower nesting"));
    }
    let start = i;
    let end = match i.first() {
        Some(b'"') => quoted_l(i)?.0,
        Some(b'{' | b'~') => literal(i, true)?.0,
        Some(b'(') => {
            let mut j = spaces(i.advance(1));
            loop {
                if j.first() == Some(b')') {
                    break j.advance(1);
                }
                j = raw_value(j, depth + 1)?.0;
                j = spaces(j);
            }
        }
        _ => {
            // An atom-like token, possibly with a [section] and <origin>.
            let s = i.as_slice();
            let n = s.iter().position(|&b| matches!(b, b' ' | b')' | b'(' | b'\r' | b'\n')).unwrap_or(s.len());
            if n == 0 {
                return unexpected(i, "value");
            }
            i.advance(n)
        }
    };
    let len = end.offset() - start.offset();
    Ok((end, start.split(len).1))
}
