//! Lenient lexical rules for the client side: what real servers send when they break the
//! grammar. Each leniency is named in the quirk table (`QUIRKS.md`) and tested with the
//! exact bytes from the bug report.

use bytes::Bytes;

use super::core::{literal_raw, nil, number, unexpected};
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
#[inline]
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
#[inline]
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
/// any character may follow a backslash. One pass; zero-copy unless there are escapes.
#[inline]
pub(crate) fn quoted_l(i: In<'_>) -> PResult<'_, IString> {
    if i.first() != Some(b'"') {
        return unexpected(i, "quoted string");
    }
    let body = i.advance(1);
    let s = body.as_slice();
    let Some(k) = quoted_stop(s) else {
        return fail(body.advance(s.len()), ParseErrorKind::Incomplete);
    };
    match s[k] {
        b'"' => {
            let (rest, content) = body.split(k);
            Ok((rest.advance(1), IString::unvalidated(content.to_bytes())))
        }
        b'\\' => quoted_escaped(body, k),
        _ => fail(body.advance(k), ParseErrorKind::Expected("closing DQUOTE")),
    }
}

/// Where the plain run of a quoted string ends: the first `"`, `\`, CR, LF or NUL.
/// Eight bytes at a time (SWAR): subjects and addresses are most of an ENVELOPE, too
/// short for vector scans to pay off, and this is the client's hottest loop.
#[inline]
pub(crate) fn quoted_stop(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `v` equal to `b` (below `b` for `below`); in both,
    // the lowest flagged byte is exact (higher ones may be false alarms).
    #[inline(always)]
    fn eq(v: u64, b: u8) -> u64 {
        let x = v ^ (LO * u64::from(b));
        x.wrapping_sub(LO) & !x & HI
    }
    #[inline(always)]
    fn below(v: u64, b: u8) -> u64 {
        v.wrapping_sub(LO * u64::from(b)) & !v & HI
    }
    let stop = |b: &u8| matches!(b, b'"' | b'\\' | b'\r' | b'\n' | 0);
    let mut k = 0;
    while let Some(chunk) = s.get(k..k + 8) {
        let v = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        // CR, LF and NUL are all below 0x0E: one test for the three, then a look at the
        // byte (a TAB or another control byte is no stop, and the scan goes on past it).
        let m = eq(v, b'"') | eq(v, b'\\') | below(v, 0x0e);
        if m != 0 {
            let at = k + (m.trailing_zeros() / 8) as usize;
            if stop(&s[at]) {
                return Some(at);
            }
            k = at + 1;
            continue;
        }
        k += 8;
    }
    s[k..].iter().position(stop).map(|p| k + p)
}

/// The rest of a quoted string from its first backslash at `k`: the content is copied.
fn quoted_escaped(body: In<'_>, mut k: usize) -> PResult<'_, IString> {
    let s = body.as_slice();
    let mut v = Vec::with_capacity(s.len().min(256));
    v.extend_from_slice(&s[..k]);
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
    let t = tok.as_slice();
    // `8bit-flag` is for UTF-8 keywords: other 8-bit bytes can't be written back (an
    // `Atom` is shown as text), so the response is malformed.
    if !t.is_ascii() && std::str::from_utf8(t).is_err() {
        return unexpected(i, "flag");
    }
    if start == 1 {
        let name = &t[1..];
        let sys = match name.len() {
            4 if name.eq_ignore_ascii_case(b"Seen") => Some(Flag::Seen),
            5 if name.eq_ignore_ascii_case(b"Draft") => Some(Flag::Draft),
            7 if name.eq_ignore_ascii_case(b"Flagged") => Some(Flag::Flagged),
            7 if name.eq_ignore_ascii_case(b"Deleted") => Some(Flag::Deleted),
            8 if name.eq_ignore_ascii_case(b"Answered") => Some(Flag::Answered),
            _ => None,
        };
        if let Some(f) = sys {
            return Ok((rest, f));
        }
        return Ok((rest, Flag::Extension(Atom::lenient(tok.advance(1).to_bytes()))));
    }
    Ok((rest, Flag::Keyword(Atom::lenient(tok.to_bytes()))))
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
    if !i.first().is_some_and(|b| chars::is(b, DIGIT)) {
        return unexpected(i, "number");
    }
    super::core::number64(i)
}

/// How deep bodies (message/rfc822 in multipart in ...), extension lists and unknown
/// values may nest before the parser refuses: bounds the stack a hostile server can make
/// us use.
pub(crate) const MAX_DEPTH: usize = 48;

/// Skips one value of an unknown item (an atom, a string, a literal or a parenthesised
/// list of those) and returns its bytes.
pub(crate) fn raw_value(i: In<'_>, depth: usize) -> PResult<'_, In<'_>> {
    if depth > MAX_DEPTH {
        return fail(i, ParseErrorKind::Expected("shallower nesting"));
    }
    let start = i;
    let end = match i.first() {
        Some(b'"') => quoted_l(i)?.0,
        Some(b'{' | b'~') => literal_raw(i, true)?.0,
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

#[cfg(test)]
mod quoted_stop_tests {
    use proptest::prelude::*;

    proptest! {
        /// The vectorised scan stops where a byte loop over the five stop bytes does.
        #[test]
        fn quoted_stop_is_the_first_stop_byte(s in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(b'\r'), Just(b'\n'), Just(0u8), Just(b'\t'), 1u8..0x10, b'a'..=b'z', any::<u8>()], 0..80)) {
            let naive = s.iter().position(|b| matches!(b, b'"' | b'\\' | b'\r' | b'\n' | 0));
            prop_assert_eq!(super::quoted_stop(&s), naive);
        }
    }
}
