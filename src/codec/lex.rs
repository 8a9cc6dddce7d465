//! The lexical rules (RFC 3501 §9), each written once over a message's bytes and
//! offsets, with the leniencies of `QUIRKS.md` where a rule has them.
//!
//! Two parsers use them: the nom parsers of `parse/` (through thin wrappers that turn a
//! window into an offset and a span back into a value) and the FETCH grammar's scanner
//! in `view/scan.rs` (which records spans on its tape). An error is the offset in the
//! message and its kind, the same whichever parser asked.

use super::parse::{ParseError, ParseErrorKind};
use crate::types::chars::{self, ASTRING, DIGIT, TEXT};

/// A position in the message, or why lexing stopped.
pub(crate) type R<T = usize> = Result<T, ParseError>;

/// How deep bodies (message/rfc822 in multipart in ...), extension lists and unknown
/// values may nest before the parser refuses: bounds the stack a hostile server can make
/// us use.
pub(crate) const MAX_DEPTH: usize = 48;

/// An error of `kind` at `at` (off the hot path).
#[cold]
#[inline(never)]
pub(crate) fn err<T>(at: usize, kind: ParseErrorKind) -> R<T> {
    Err(ParseError { offset: at, kind })
}

/// What is wrong at `k` when `what` was expected there: the input ends (more may come),
/// a NUL, an 8-bit byte, or simply not `what`.
pub(crate) fn unexpected_kind(s: &[u8], k: usize, what: &'static str) -> ParseErrorKind {
    match s.get(k) {
        None => ParseErrorKind::Incomplete,
        Some(0) => ParseErrorKind::Nul,
        Some(&b) if b >= 0x80 => ParseErrorKind::EightBit(b),
        _ => ParseErrorKind::Expected(what),
    }
}

/// [`unexpected_kind`] as an error (off the hot path).
#[cold]
#[inline(never)]
pub(crate) fn unexpected<T>(s: &[u8], at: usize, what: &'static str) -> R<T> {
    err(at, unexpected_kind(s, at, what))
}

/// Zero or more SP.
#[inline]
pub(crate) fn spaces(s: &[u8], mut at: usize) -> usize {
    while s.get(at) == Some(&b' ') {
        at += 1;
    }
    at
}

/// `SP = %x20`, one or more (quirk `double-space`).
#[inline]
pub(crate) fn sp(s: &[u8], at: usize) -> R {
    let j = spaces(s, at);
    if j == at {
        unexpected(s, at, "SP")
    } else {
        Ok(j)
    }
}

/// After a list element: past the `)` (true; spaces before it allowed, quirk
/// `trailing-space`), or past the separating spaces (false).
#[inline]
pub(crate) fn list_end(s: &[u8], at: usize) -> R<(usize, bool)> {
    let j = spaces(s, at);
    match s.get(j) {
        Some(b')') => Ok((j + 1, true)),
        _ if j > at => Ok((j, false)),
        _ => unexpected(s, j, "SP or )"),
    }
}

/// `CRLF = CR LF`, after any trailing spaces (or LF alone, when the framer allows it).
#[inline]
pub(crate) fn line_end(s: &[u8], at: usize) -> R {
    let j = spaces(s, at);
    match &s[j..] {
        [b'\r', b'\n', ..] => Ok(j + 2),
        [b'\n', ..] => Ok(j + 1),
        _ => unexpected(s, j, "CRLF"),
    }
}

/// `number = 1*DIGIT`, a u32.
#[inline]
pub(crate) fn number(s: &[u8], at: usize) -> R<(usize, u32)> {
    let (j, v) = number64(s, at)?;
    match u32::try_from(v) {
        Ok(v) => Ok((j, v)),
        Err(_) => err(at, ParseErrorKind::NumberTooLarge),
    }
}

/// `nz-number = digit-nz *DIGIT`
#[inline]
pub(crate) fn nz_number(s: &[u8], at: usize) -> R<(usize, u32)> {
    let (j, v) = number(s, at)?;
    if v == 0 {
        return err(at, ParseErrorKind::Zero);
    }
    Ok((j, v))
}

/// `number`, with quirks `negative-number` (a minus sign clamps the value to 0) and
/// `decimal-number` (refused).
#[inline]
pub(crate) fn number_l(s: &[u8], at: usize) -> R<(usize, u32)> {
    let (j, v) = if s.get(at) == Some(&b'-') { (number(s, at + 1)?.0, 0) } else { number(s, at)? };
    if s.get(j) == Some(&b'.') && s.get(j + 1).is_some_and(u8::is_ascii_digit) {
        return err(j, ParseErrorKind::Expected("an integer, not a decimal"));
    }
    Ok((j, v))
}

/// `number64 = 1*DIGIT`, below 2^63 (RFC 9051: mod-sequences; Gmail ids).
#[inline]
pub(crate) fn number64(s: &[u8], at: usize) -> R<(usize, u64)> {
    let n = chars::prefix_len(&s[at..], DIGIT);
    if n == 0 {
        return unexpected(s, at, "number");
    }
    let mut v: u64 = 0;
    for &d in &s[at..at + n] {
        v = match v.checked_mul(10).and_then(|v| v.checked_add(u64::from(d - b'0'))) {
            Some(v) if v <= i64::MAX as u64 => v,
            _ => return err(at, ParseErrorKind::NumberTooLarge),
        };
    }
    Ok((at + n, v))
}

/// Where a string's content is, and whether backslash escapes must be undone.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span {
    /// Start of the content.
    pub(crate) start: usize,
    /// End of the content.
    pub(crate) end: usize,
    /// A quoted string with escapes (see [`unescape`]).
    pub(crate) escaped: bool,
}

/// A quoted string's content with its escapes undone.
pub(crate) fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(raw.len());
    let mut k = 0;
    while k < raw.len() {
        if raw[k] == b'\\' && k + 1 < raw.len() {
            k += 1;
        }
        v.push(raw[k]);
        k += 1;
    }
    v
}

/// `quoted`, with quirk `8bit-quoted`: any byte but CR, LF and NUL, kept as sent, and
/// any character may follow a backslash. One pass; escapes are undone by the caller.
#[inline]
pub(crate) fn quoted_l(s: &[u8], at: usize) -> R<(usize, Span)> {
    if s.get(at) != Some(&b'"') {
        return unexpected(s, at, "quoted string");
    }
    let start = at + 1;
    let mut k = start;
    let mut escaped = false;
    loop {
        let Some(n) = quoted_stop(&s[k..]) else {
            return err(s.len(), ParseErrorKind::Incomplete);
        };
        k += n;
        match s[k] {
            b'"' => return Ok((k + 1, Span { start, end: k, escaped })),
            b'\\' if k + 1 < s.len() && !matches!(s[k + 1], b'\r' | b'\n' | 0) => {
                escaped = true;
                k += 2;
            }
            _ => return err(k, ParseErrorKind::Expected("closing DQUOTE")),
        }
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

/// The strict `quoted` of the command grammar: TEXT-CHARs or well-formed UTF-8, and only
/// `\"` and `\\` as escapes.
pub(crate) fn quoted(s: &[u8], at: usize) -> R<(usize, Span)> {
    if s.get(at) != Some(&b'"') {
        return unexpected(s, at, "quoted string");
    }
    let start = at + 1;
    let body = &s[start..];
    let mut escaped = false;
    let mut pos = 0;
    loop {
        let Some(k) = memchr::memchr3(b'"', b'\\', b'\n', &body[pos..]) else {
            quoted_chars(start + pos, &body[pos..])?;
            return err(start + body.len(), ParseErrorKind::Incomplete);
        };
        let stop = pos + k;
        quoted_chars(start + pos, &body[pos..stop])?;
        match body[stop] {
            b'"' => return Ok((start + stop + 1, Span { start, end: start + stop, escaped })),
            b'\\' => {
                let Some(&c) = body.get(stop + 1) else {
                    return err(start + stop + 1, ParseErrorKind::Incomplete);
                };
                if c != b'"' && c != b'\\' {
                    return err(start + stop + 1, ParseErrorKind::Expected("quoted-special after \\"));
                }
                escaped = true;
                pos = stop + 2;
            }
            _ => return err(start + stop, ParseErrorKind::Expected("closing DQUOTE")),
        }
    }
}

/// A run of strict quoted content at `at`: TEXT-CHARs, or well-formed UTF-8.
fn quoted_chars(at: usize, run: &[u8]) -> R<()> {
    match quoted_chars_error(run) {
        None => Ok(()),
        Some((k, kind)) => err(at + k, kind),
    }
}

/// Where a run of quoted content stops being TEXT-CHARs or well-formed UTF-8, and why.
pub(crate) fn quoted_chars_error(run: &[u8]) -> Option<(usize, ParseErrorKind)> {
    let mut eight_bit = false;
    for (k, &b) in run.iter().enumerate() {
        if b >= 0x80 {
            eight_bit = true;
        } else if !chars::is(b, TEXT) {
            let kind = match b {
                0 => ParseErrorKind::Nul,
                b'\r' => ParseErrorKind::Expected("closing DQUOTE"),
                _ => ParseErrorKind::Expected("TEXT-CHAR"),
            };
            return Some((k, kind));
        }
    }
    if eight_bit {
        if let Err(e) = std::str::from_utf8(run) {
            return Some((e.valid_up_to(), ParseErrorKind::Utf8));
        }
    }
    None
}

/// `literal = "{" number ["+"] "}" CRLF *CHAR8` and, with `binary`, `literal8 = "~{"
/// number ["+"] "}" CRLF *OCTET` (RFC 3516): the payload's span and whether it was a
/// `literal8`. The payload's bytes are not looked at.
#[inline]
pub(crate) fn literal_raw(s: &[u8], at: usize, binary: bool) -> R<(usize, Span, bool)> {
    let (j, is_binary) = if binary && s.get(at) == Some(&b'~') { (at + 1, true) } else { (at, false) };
    if s.get(j) != Some(&b'{') {
        return unexpected(s, j, "literal");
    }
    let (j, n) = number(s, j + 1)?;
    let j = if s.get(j) == Some(&b'+') { j + 1 } else { j };
    if s.get(j) != Some(&b'}') {
        return unexpected(s, j, "}");
    }
    let j = j + 1;
    let j = match &s[j..] {
        [b'\r', b'\n', ..] => j + 2,
        [b'\n', ..] => return err(j, ParseErrorKind::BareLf),
        _ => return unexpected(s, j, "CRLF"),
    };
    let n = n as usize;
    if s.len() - j < n {
        return err(s.len(), ParseErrorKind::Incomplete);
    }
    Ok((j + n, Span { start: j, end: j + n, escaped: false }, is_binary))
}

/// A strict `literal` (or `literal8` with `binary`): a plain literal may not hold NUL.
pub(crate) fn literal(s: &[u8], at: usize, binary: bool) -> R<(usize, Span, bool)> {
    let (j, span, is_binary) = literal_raw(s, at, binary)?;
    if !is_binary {
        if let Some(p) = memchr::memchr(0, &s[span.start..span.end]) {
            return err(span.start + p, ParseErrorKind::Nul);
        }
    }
    Ok((j, span, is_binary))
}

/// What a `flag` is (`flag-fetch` adds `\Recent`). The FETCH view keeps it on its tape
/// as `kind as u16` ([`FlagKind::ALL`] reads it back).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u16)]
pub(crate) enum FlagKind {
    /// `\Seen`
    Seen,
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Draft`
    Draft,
    /// `\Recent`
    Recent,
    /// `flag-keyword = atom`
    Keyword,
    /// `flag-extension = "\" atom`
    Extension,
}

impl FlagKind {
    /// Every kind, at the index of its discriminant.
    pub(crate) const ALL: [FlagKind; 8] = [
        FlagKind::Seen,
        FlagKind::Answered,
        FlagKind::Flagged,
        FlagKind::Deleted,
        FlagKind::Draft,
        FlagKind::Recent,
        FlagKind::Keyword,
        FlagKind::Extension,
    ];
}

/// `flag-fetch = flag / "\Recent"`, with quirks `bracket-flag` (keywords may hold `]`,
/// Gmail) and `8bit-flag` (UTF-8 keywords; other 8-bit bytes can't be written back, as
/// a flag is shown as text, so they are refused). Returns where it ends and its kind.
#[inline]
pub(crate) fn flag_fetch(s: &[u8], at: usize) -> R<(usize, FlagKind)> {
    let start = usize::from(s.get(at) == Some(&b'\\'));
    let body = &s[at + start..];
    let n = body.iter().position(|&b| !(chars::is(b, ASTRING) || b >= 0x80)).unwrap_or(body.len());
    if n == 0 {
        return unexpected(s, at + start, "flag");
    }
    let tok = &s[at..at + start + n];
    if !tok.is_ascii() && std::str::from_utf8(tok).is_err() {
        return unexpected(s, at, "flag");
    }
    let kind = if start == 1 {
        let name = &tok[1..];
        match name.len() {
            4 if name.eq_ignore_ascii_case(b"Seen") => FlagKind::Seen,
            5 if name.eq_ignore_ascii_case(b"Draft") => FlagKind::Draft,
            6 if name.eq_ignore_ascii_case(b"Recent") => FlagKind::Recent,
            7 if name.eq_ignore_ascii_case(b"Flagged") => FlagKind::Flagged,
            7 if name.eq_ignore_ascii_case(b"Deleted") => FlagKind::Deleted,
            8 if name.eq_ignore_ascii_case(b"Answered") => FlagKind::Answered,
            _ => FlagKind::Extension,
        }
    } else {
        FlagKind::Keyword
    };
    Ok((at + start + n, kind))
}

/// `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (RFC 8474 §7): where it ends.
#[inline]
pub(crate) fn objectid(s: &[u8], at: usize) -> R {
    let n = s[at..].iter().take_while(|&&b| crate::types::ObjectId::is_char(b)).count();
    if n == 0 {
        return unexpected(s, at, "objectid");
    }
    if n > crate::types::MAX_OBJECT_ID_LEN {
        return err(at, ParseErrorKind::Expected("objectid of at most 255 characters"));
    }
    Ok(at + n)
}

/// One value of an unknown item or code: an atom-like token (with any `[section]` and
/// `<origin>`), a string, a literal, or a parenthesised list of those. Returns its end.
#[inline]
pub(crate) fn raw_value(s: &[u8], at: usize, depth: usize) -> R {
    if depth > MAX_DEPTH {
        return err(at, ParseErrorKind::Expected("shallower nesting"));
    }
    match s.get(at) {
        Some(b'"') => Ok(quoted_l(s, at)?.0),
        Some(b'{' | b'~') => Ok(literal_raw(s, at, true)?.0),
        Some(b'(') => {
            let mut j = spaces(s, at + 1);
            loop {
                if s.get(j) == Some(&b')') {
                    return Ok(j + 1);
                }
                j = spaces(s, raw_value(s, j, depth + 1)?);
            }
        }
        _ => {
            let rest = &s[at..];
            let n = rest.iter().position(|&b| matches!(b, b' ' | b')' | b'(' | b'\r' | b'\n')).unwrap_or(rest.len());
            if n == 0 {
                return unexpected(s, at, "value");
            }
            Ok(at + n)
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn known_answers() {
        assert_eq!(number_l(b"-12 ", 0).unwrap(), (3, 0));
        assert_eq!(number_l(b"12.5", 0).unwrap_err().kind, ParseErrorKind::Expected("an integer, not a decimal"));
        assert_eq!(number(b"4294967296", 0).unwrap_err().kind, ParseErrorKind::NumberTooLarge);
        assert_eq!(nz_number(b"0", 0).unwrap_err().kind, ParseErrorKind::Zero);
        assert_eq!(number64(b"9223372036854775808", 0).unwrap_err().kind, ParseErrorKind::NumberTooLarge);
        let (end, q) = quoted_l(b"\"a\\\"b\" x", 0).unwrap();
        assert_eq!((end, q.start, q.end, q.escaped), (6, 1, 5, true));
        assert_eq!(unescape(b"a\\\"b"), b"a\"b");
        assert_eq!(quoted_l(b"\"ab", 0).unwrap_err().kind, ParseErrorKind::Incomplete);
        assert_eq!(quoted(b"\"a\\b\"", 0).unwrap_err().kind, ParseErrorKind::Expected("quoted-special after \\"));
        let (end, span, binary) = literal_raw(b"~{3}\r\na\0b)", 0, true).unwrap();
        assert_eq!((end, span.start, span.end, binary), (9, 6, 9, true));
        assert_eq!(literal(b"{3}\r\na\0b", 0, false).unwrap_err().kind, ParseErrorKind::Nul);
        assert_eq!(literal_raw(b"{3}\na", 0, false).unwrap_err().kind, ParseErrorKind::BareLf);
        assert_eq!(flag_fetch(b"\\Recent)", 0).unwrap(), (7, FlagKind::Recent));
        assert!(FlagKind::ALL.iter().enumerate().all(|(i, k)| *k as usize == i));
        assert_eq!(flag_fetch(b"OIB-Seen-[Gmail]/Spam ", 0).unwrap(), (21, FlagKind::Keyword));
        assert_eq!(raw_value(b"(a \"b)\" {1}\r\n)) x", 0, 0).unwrap(), 15);
        assert_eq!(list_end(b"  )", 0).unwrap(), (3, true));
        assert_eq!(line_end(b"  \r\n", 0).unwrap(), 4);
    }

    proptest! {
        /// The vectorised scan stops where a byte loop over the five stop bytes does.
        #[test]
        fn quoted_stop_is_the_first_stop_byte(s in proptest::collection::vec(
            prop_oneof![Just(b'"'), Just(b'\\'), Just(b'\r'), Just(b'\n'), Just(0u8), Just(b'\t'), 1u8..0x10, b'a'..=b'z', any::<u8>()], 0..80)) {
            let want = s.iter().position(|b| matches!(b, b'"' | b'\\' | b'\r' | b'\n' | 0));
            prop_assert_eq!(quoted_stop(&s), want);
        }
    }
}
