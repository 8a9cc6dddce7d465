//! The lexical rules of RFC 3501 §9 shared by commands and responses: SP, CRLF, numbers,
//! atoms, strings, literals, flags, sequence sets and dates.

use std::num::NonZeroU32;

use bytes::Bytes;

use super::input::{expected, fail, In, PResult, ParseError, ParseErrorKind};
use super::lenient::{from_lex, lex_input, string_value};
use crate::codec::lex;
use crate::types::chars::{self, ASTRING, ATOM, LIST, TAG};
use crate::types::{
    Atom, Date, DateTime, Flag, IString, ListMailbox, Literal, Mailbox, NString, ObjectId, SeqNumber, Sequence,
    SequenceSet, Tag,
};

/// Reports the byte at `i` as unexpected, naming NUL and 8-bit bytes precisely.
pub(crate) fn unexpected<'a, T>(i: In<'a>, what: &'static str) -> PResult<'a, T> {
    match i.first() {
        Some(0) => fail(i, ParseErrorKind::Nul),
        Some(b) if b >= 0x80 => fail(i, ParseErrorKind::EightBit(b)),
        _ => expected(i, what),
    }
}

/// Consumes the exact byte `b`.
#[inline]
pub(crate) fn byte(b: u8, what: &'static str) -> impl Fn(In<'_>) -> PResult<'_, ()> {
    move |i| if i.first() == Some(b) { Ok((i.advance(1), ())) } else { unexpected(i, what) }
}

/// `"(" item *(SP item) ")"`, or with `empty` `"(" [item *(SP item)] ")"`: the
/// parenthesised lists of the grammar (RFC 5234 §3.6 repetition), from the `(`.
pub(crate) fn paren_list<'a, T>(
    i: In<'a>,
    empty: bool,
    mut item: impl FnMut(In<'a>) -> PResult<'a, T>,
) -> PResult<'a, Vec<T>> {
    let (mut i, ()) = byte(b'(', "(")(i)?;
    let mut out = Vec::new();
    if empty && i.first() == Some(b')') {
        return Ok((i.advance(1), out));
    }
    loop {
        let (j, v) = item(i)?;
        out.push(v);
        match j.first() {
            Some(b' ') => i = j.advance(1),
            Some(b')') => return Ok((j.advance(1), out)),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// `1*(SP item)`: one or more items, each after a space (RFC 5234 §3.6 repetition),
/// from before the first space.
pub(crate) fn sp_list1<'a, T>(i: In<'a>, mut item: impl FnMut(In<'a>) -> PResult<'a, T>) -> PResult<'a, Vec<T>> {
    let mut i = i;
    let mut out = Vec::new();
    loop {
        let (j, ()) = sp(i)?;
        let (j, v) = item(j)?;
        out.push(v);
        if j.first() != Some(b' ') {
            return Ok((j, out));
        }
        i = j;
    }
}

/// `SP = %x20`
#[inline]
pub(crate) fn sp(i: In<'_>) -> PResult<'_, ()> {
    if i.first() == Some(b' ') {
        Ok((i.advance(1), ()))
    } else {
        unexpected(i, "SP")
    }
}

/// `CRLF = CR LF`
#[inline]
pub(crate) fn crlf(i: In<'_>) -> PResult<'_, ()> {
    match i.as_slice() {
        [b'\r', b'\n', ..] => Ok((i.advance(2), ())),
        [b'\n', ..] => fail(i, ParseErrorKind::BareLf),
        _ => unexpected(i, "CRLF"),
    }
}

/// Consumes `word` case-insensitively (a keyword of the grammar).
#[inline]
pub(crate) fn keyword<'a>(i: In<'a>, word: &'static str) -> PResult<'a, ()> {
    let s = i.as_slice();
    if s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word.as_bytes()) {
        Ok((i.advance(word.len()), ()))
    } else {
        unexpected(i, word)
    }
}

/// The longest non-empty run of bytes in class `mask`.
#[inline]
pub(crate) fn take_class<'a>(i: In<'a>, mask: u8, what: &'static str) -> PResult<'a, In<'a>> {
    let n = chars::prefix_len(i.as_slice(), mask);
    if n == 0 {
        unexpected(i, what)
    } else {
        Ok(i.split(n))
    }
}

/// `number = 1*DIGIT` — an unsigned 32-bit integer (`lex::number`).
#[inline]
pub(crate) fn number(i: In<'_>) -> PResult<'_, u32> {
    let (s, at) = lex_input(&i);
    from_lex(i, lex::number(s, at))
}

/// `number64 = 1*DIGIT` — an unsigned 63-bit integer (RFC 9051, mod-sequences).
pub(crate) fn number64(i: In<'_>) -> PResult<'_, u64> {
    let (s, at) = lex_input(&i);
    from_lex(i, lex::number64(s, at))
}

/// `nz-number = digit-nz *DIGIT` — a non-zero unsigned 32-bit integer.
#[inline]
pub(crate) fn nz_number(i: In<'_>) -> PResult<'_, NonZeroU32> {
    let (s, at) = lex_input(&i);
    from_lex(i, lex::nz_number(s, at).map(|(j, n)| (j, NonZeroU32::new(n).expect("checked non-zero"))))
}

/// `atom = 1*ATOM-CHAR`
pub(crate) fn atom(i: In<'_>) -> PResult<'_, Atom> {
    let (rest, a) = take_class(i, ATOM, "atom")?;
    Ok((rest, Atom::unvalidated(a.to_bytes())))
}

/// `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (RFC 8474 §7).
pub(crate) fn objectid(i: In<'_>) -> PResult<'_, ObjectId> {
    let (s, at) = lex_input(&i);
    let src = i.source();
    from_lex(i, lex::objectid(s, at).map(|j| (j, ObjectId::unvalidated(src.slice(at..j)))))
}

/// `"(" objectid ")"`, the value of `EMAILID`, `THREADID` and `MAILBOXID` (RFC 8474 §7).
pub(crate) fn objectid_paren(i: In<'_>) -> PResult<'_, ObjectId> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let (i, id) = objectid(i)?;
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, id))
}

/// `tag = 1*<any ASTRING-CHAR except "+">`
pub(crate) fn tag(i: In<'_>) -> PResult<'_, Tag> {
    let (rest, t) = take_class(i, TAG, "tag")?;
    Ok((rest, Tag::unvalidated(t.to_bytes())))
}

/// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`
///
/// `QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials`, plus the
/// UTF-8 sequences RFC 9051 allows (`lex::quoted`). Without escapes the result is a
/// zero-copy slice (inline when short).
pub(crate) fn quoted(i: In<'_>) -> PResult<'_, IString> {
    let (s, at) = lex_input(&i);
    let src = i.source();
    from_lex(i, lex::quoted(s, at).map(|(j, q)| (j, string_value(src, q))))
}

/// `literal = "{" number ["+"] "}" CRLF *CHAR8` and, where `binary` allows it,
/// `literal8 = "~{" number ["+"] "}" CRLF *OCTET` (RFC 7888, RFC 3516).
///
/// The framer has already checked that the announced bytes are present. A plain literal
/// may not hold NUL.
pub(crate) fn literal(i: In<'_>, binary: bool) -> PResult<'_, Literal> {
    let (s, at) = lex_input(&i);
    let src = i.source();
    from_lex(i, lex::literal(s, at, binary).map(|(j, d, b)| (j, Literal::unvalidated(src.slice(d.start..d.end), b))))
}

/// A literal's payload window, without looking at its bytes (`lex::literal_raw`): the
/// lenient side takes a server's literal as it is, so a 64 KiB body costs no per-byte
/// work.
pub(crate) fn literal_raw(i: In<'_>, binary: bool) -> PResult<'_, (In<'_>, bool)> {
    let (s, at) = lex_input(&i);
    let (end, span, is_binary) = match lex::literal_raw(s, at, binary) {
        Ok(v) => v,
        Err(e) => return from_lex(i, Err(e)),
    };
    let data = i.advance(span.start - at).split(span.end - span.start).1;
    Ok((i.advance(end - at), (data, is_binary)))
}

/// `string = quoted / literal`
pub(crate) fn string(i: In<'_>) -> PResult<'_, IString> {
    match i.first() {
        Some(b'"') => quoted(i),
        Some(b'{') => {
            let (rest, lit) = literal(i, false)?;
            Ok((rest, IString::unvalidated(lit.data().clone())))
        }
        _ => unexpected(i, "string"),
    }
}

/// `astring = 1*ASTRING-CHAR / string`
pub(crate) fn astring(i: In<'_>) -> PResult<'_, IString> {
    match i.first() {
        Some(b'"' | b'{') => string(i),
        _ => {
            let (rest, a) = take_class(i, ASTRING, "astring")?;
            Ok((rest, IString::unvalidated(a.to_bytes())))
        }
    }
}

/// `nil = "NIL"`
#[inline]
pub(crate) fn nil(i: In<'_>) -> PResult<'_, ()> {
    keyword(i, "NIL")
}

/// `nstring = string / nil`
pub(crate) fn nstring(i: In<'_>) -> PResult<'_, NString> {
    match i.first() {
        Some(b'"' | b'{') => string(i).map(|(r, s)| (r, Some(s))),
        _ => nil(i).map(|(r, ())| (r, None)),
    }
}

/// `mailbox = "INBOX" / astring` — INBOX in any case is the inbox.
pub(crate) fn mailbox(i: In<'_>) -> PResult<'_, Mailbox> {
    let (rest, s) = astring(i)?;
    Ok((rest, Mailbox::from_wire(s)))
}

/// `list-mailbox = 1*list-char / string`
pub(crate) fn list_mailbox(i: In<'_>) -> PResult<'_, ListMailbox> {
    match i.first() {
        Some(b'"' | b'{') => string(i).map(|(r, s)| (r, ListMailbox::from_wire(s))),
        _ => {
            let (rest, a) = take_class(i, LIST, "list-mailbox")?;
            Ok((rest, ListMailbox::from_wire(IString::unvalidated(a.to_bytes()))))
        }
    }
}

/// `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword /
/// flag-extension`, with `flag-keyword = atom` and `flag-extension = "\" atom`.
pub(crate) fn flag(i: In<'_>) -> PResult<'_, Flag> {
    let start = if i.first() == Some(b'\\') { 1 } else { 0 };
    let n = chars::prefix_len(&i.as_slice()[start..], ATOM);
    if n == 0 {
        return unexpected(i.advance(start), "flag");
    }
    let (rest, tok) = i.split(start + n);
    let f = Flag::from_bytes(tok.to_bytes())
        .map_err(|_| nom::Err::Error(ParseError::at(i, ParseErrorKind::Expected("flag"))))?;
    Ok((rest, f))
}

/// `flag-list = "(" [flag *(SP flag)] ")"`
pub(crate) fn flag_list(i: In<'_>) -> PResult<'_, Vec<Flag>> {
    let (mut i, ()) = byte(b'(', "flag-list")(i)?;
    let mut flags = Vec::new();
    if i.first() == Some(b')') {
        return Ok((i.advance(1), flags));
    }
    loop {
        let (j, f) = flag(i)?;
        flags.push(f);
        match j.first() {
            Some(b' ') => i = j.advance(1),
            Some(b')') => return Ok((j.advance(1), flags)),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// `seq-number = nz-number / "*"`
fn seq_number(i: In<'_>) -> PResult<'_, SeqNumber> {
    if i.first() == Some(b'*') {
        Ok((i.advance(1), SeqNumber::Asterisk))
    } else {
        nz_number(i).map(|(r, n)| (r, SeqNumber::Value(n)))
    }
}

/// `sequence-set = (seq-number / seq-range) *("," sequence-set)` with
/// `seq-range = seq-number ":" seq-number`, and RFC 5182's `sequence-set =/
/// seq-last-command` (`$`).
pub(crate) fn sequence_set(i: In<'_>) -> PResult<'_, SequenceSet> {
    if i.first() == Some(b'$') {
        // RFC 5182 §3: `sequence-set =/ seq-last-command`, `seq-last-command = "$"`.
        return Ok((i.advance(1), SequenceSet::saved()));
    }
    let mut out = Vec::new();
    let mut i = i;
    loop {
        let (j, a) = seq_number(i)?;
        let (j, s) = if j.first() == Some(b':') {
            let (j, b) = seq_number(j.advance(1))?;
            (j, Sequence::Range(a, b))
        } else {
            (j, Sequence::Single(a))
        };
        out.push(s);
        if j.first() == Some(b',') {
            i = j.advance(1);
        } else {
            return Ok((j, SequenceSet::new(out).expect("non-empty")));
        }
    }
}

/// `date = date-text / DQUOTE date-text DQUOTE` (the grammar is [`crate::types::Date`]'s).
pub(crate) fn date(i: In<'_>) -> PResult<'_, Date> {
    match crate::types::date_prefix(i.as_slice()) {
        Ok((n, d)) => Ok((i.advance(n), d)),
        Err((k, Some(what))) => fail(i.advance(k), unexpected_kind(i.as_slice(), k, what)),
        Err((k, None)) => fail(i.advance(k), ParseErrorKind::Date),
    }
}

/// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`
///
/// `date-day-fixed = (SP DIGIT) / 2DIGIT`; `time = 2DIGIT ":" 2DIGIT ":" 2DIGIT`;
/// `zone = ("+" / "-") 4DIGIT`. A one-digit day without the padding space is accepted
/// too, as several clients send it.
pub(crate) fn date_time(i: In<'_>) -> PResult<'_, DateTime> {
    match date_time_slice(i.as_slice()) {
        Ok((n, dt)) => Ok((i.advance(n), dt)),
        Err((k, kind)) => fail(i.advance(k), kind),
    }
}

pub(crate) use crate::codec::lex::unexpected_kind;

/// `date-time` (see [`date_time`]) over a plain slice: the bytes consumed and the value,
/// or the offset and reason of the failure. The grammar is [`crate::types::DateTime`]'s;
/// this maps its failure to a parse error.
pub(crate) fn date_time_slice(s: &[u8]) -> Result<(usize, DateTime), (usize, ParseErrorKind)> {
    crate::types::date_time_prefix(s).map_err(|e| date_error(s, e))
}

/// The same rule as [`date_time_slice`], for the borrowed FETCH view: the checked
/// fields, without building a chrono value.
pub(crate) fn date_time_fields_slice(
    s: &[u8],
) -> Result<(usize, crate::types::DateTimeFields), (usize, ParseErrorKind)> {
    crate::types::date_time_fields(s).map_err(|e| date_error(s, e))
}

/// A date grammar's failure in `s` as a parse error.
fn date_error(s: &[u8], (k, what): (usize, Option<&'static str>)) -> (usize, ParseErrorKind) {
    match what {
        Some(what) => (k, unexpected_kind(s, k, what)),
        None => (k, ParseErrorKind::Date),
    }
}

/// `base64 = *(4base64-char) [base64-terminal]`, decoded. Needs at least one character.
pub(crate) fn base64(i: In<'_>) -> PResult<'_, Bytes> {
    use base64::Engine;
    let n = i
        .as_slice()
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')))
        .unwrap_or(i.as_slice().len());
    if n == 0 {
        return unexpected(i, "base64");
    }
    let (rest, text) = i.split(n);
    match base64::engine::general_purpose::STANDARD.decode(text.as_slice()) {
        Ok(v) => Ok((rest, Bytes::from(v))),
        Err(_) => fail(i, ParseErrorKind::Base64),
    }
}

/// Runs `f` over all of `src` and requires it to consume everything.
#[inline]
pub(crate) fn all_consuming<'a, T>(src: &'a Bytes, f: impl FnOnce(In<'a>) -> PResult<'a, T>) -> Result<T, ParseError> {
    match f(In::new(src)) {
        Ok((rest, v)) if rest.is_empty() => Ok(v),
        Ok((rest, _)) => Err(ParseError::at(rest, ParseErrorKind::Trailing)),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e),
        Err(nom::Err::Incomplete(_)) => Err(ParseError { offset: src.len(), kind: ParseErrorKind::Incomplete }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<T>(s: &str, f: impl for<'a> FnOnce(In<'a>) -> PResult<'a, T>) -> Result<T, ParseError> {
        let b = Bytes::copy_from_slice(s.as_bytes());
        all_consuming(&b, f)
    }

    #[test]
    fn numbers() {
        assert_eq!(run("4294967295", number).unwrap(), u32::MAX);
        assert_eq!(run("4294967296", number).unwrap_err().kind, ParseErrorKind::NumberTooLarge);
        assert_eq!(run("0", nz_number).unwrap_err().kind, ParseErrorKind::Zero);
        assert!(run("-1", number).is_err());
        assert!(run("1.5", number).is_err());
    }

    #[test]
    fn strings() {
        assert_eq!(run("\"a\\\"b\\\\c\"", quoted).unwrap().as_bytes(), b"a\"b\\c");
        assert_eq!(run("\"\"", quoted).unwrap().as_bytes(), b"");
        assert_eq!(run("\"a\0b\"", quoted).unwrap_err().kind, ParseErrorKind::Nul);
        assert_eq!(run("\"a\\nb\"", quoted).unwrap_err().offset, 3);
        assert_eq!(run("\"héllo\"", quoted).unwrap().as_bytes(), "héllo".as_bytes());
        assert_eq!(run("\"a\u{0}", quoted).unwrap_err().kind, ParseErrorKind::Nul);
        assert_eq!(run("{3}\r\na\"b", astring).unwrap().as_bytes(), b"a\"b");
        assert_eq!(run("{3+}\r\nabc", astring).unwrap().as_bytes(), b"abc");
        assert_eq!(run("{3}\r\na\0b", astring).unwrap_err().kind, ParseErrorKind::Nul);
        assert_eq!(run("a]b", astring).unwrap().as_bytes(), b"a]b");
        assert_eq!(run("nil", nstring).unwrap(), None);
        let lit = run("~{3}\r\na\0b", |i| literal(i, true)).unwrap();
        assert!(lit.is_binary() && lit.data().as_ref() == b"a\0b");
    }

    #[test]
    fn dates() {
        let d = run("\" 7-Jul-1996 02:44:25 -0700\"", date_time).unwrap();
        assert_eq!(d.to_string(), "07-Jul-1996 02:44:25 -0700");
        assert!(run("\"31-Feb-1996 02:44:25 -0700\"", date_time).is_err());
        assert!(run("\"01-Feb-1996 24:44:25 -0700\"", date_time).is_err());
        assert!(run("\"01-Feb-1996 02:44:25 -9900\"", date_time).is_err());
        assert_eq!(run("1-feb-1994", date).unwrap().to_string(), "1-Feb-1994");
        assert_eq!(run("\"01-Feb-1994\"", date).unwrap().to_string(), "1-Feb-1994");
        assert!(run("001-Feb-1994", date).is_err());
    }
}
