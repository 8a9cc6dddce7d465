//! SEARCH keys (RFC 3501 §6.4.4, §9 `search-key`).

use super::core::{astring, atom, date, number, sequence_set, sp, take_class, unexpected};
use super::input::{fail, In, PResult, ParseErrorKind};
use crate::types::chars::ATOM;
use crate::types::SearchKey;

/// How deep `NOT`, `OR` and parentheses may nest before the parser refuses: bounds the
/// stack a hostile command can make the parser use.
pub(crate) const MAX_SEARCH_DEPTH: usize = 64;

/// `search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / "BODY" SP
/// astring / "CC" SP astring / "DELETED" / "FLAGGED" / "FROM" SP astring / "KEYWORD" SP
/// flag-keyword / "NEW" / "OLD" / "ON" SP date / "RECENT" / "SEEN" / "SINCE" SP date /
/// "SUBJECT" SP astring / "TEXT" SP astring / "TO" SP astring / "UNANSWERED" /
/// "UNDELETED" / "UNFLAGGED" / "UNKEYWORD" SP flag-keyword / "UNSEEN" / "DRAFT" /
/// "HEADER" SP header-fld-name SP astring / "LARGER" SP number / "NOT" SP search-key /
/// "OR" SP search-key SP search-key / "SENTBEFORE" SP date / "SENTON" SP date /
/// "SENTSINCE" SP date / "SMALLER" SP number / "UID" SP sequence-set / "UNDRAFT" /
/// sequence-set / "(" search-key *(SP search-key) ")"`
pub(crate) fn search_key(i: In<'_>) -> PResult<'_, SearchKey> {
    search_key_depth(i, 0)
}

fn search_key_depth(i: In<'_>, depth: usize) -> PResult<'_, SearchKey> {
    use SearchKey::*;
    if depth > MAX_SEARCH_DEPTH {
        return Err(nom::Err::Failure(super::input::ParseError::at(
            i,
            ParseErrorKind::Expected("shallower search nesting"),
        )));
    }
    match i.first() {
        Some(b'(') => {
            let mut i = i.advance(1);
            let mut keys = Vec::new();
            loop {
                let (j, k) = search_key_depth(i, depth + 1)?;
                keys.push(k);
                match j.first() {
                    Some(b' ') => i = j.advance(1),
                    Some(b')') => return Ok((j.advance(1), And(keys))),
                    _ => return unexpected(j, "SP or )"),
                }
            }
        }
        Some(b'0'..=b'9' | b'*') => {
            let (j, s) = sequence_set(i)?;
            return Ok((j, SequenceSet(s)));
        }
        _ => {}
    }
    let (rest, word) = take_class(i, ATOM, "search-key")?;
    let w = word.as_slice();
    let eq = |s: &str| w.eq_ignore_ascii_case(s.as_bytes());
    macro_rules! arg {
        ($p:expr, $v:expr) => {{
            let (j, ()) = sp(rest)?;
            let (j, a) = $p(j)?;
            Ok((j, $v(a)))
        }};
    }
    let key = match w.len() {
        2 if eq("CC") => return arg!(astring, Cc),
        2 if eq("ON") => return arg!(date, On),
        2 if eq("TO") => return arg!(astring, To),
        2 if eq("OR") => {
            let (j, ()) = sp(rest)?;
            let (j, a) = search_key_depth(j, depth + 1)?;
            let (j, ()) = sp(j)?;
            let (j, b) = search_key_depth(j, depth + 1)?;
            return Ok((j, Or(Box::new(a), Box::new(b))));
        }
        3 if eq("ALL") => All,
        3 if eq("BCC") => return arg!(astring, Bcc),
        3 if eq("NEW") => New,
        3 if eq("OLD") => Old,
        3 if eq("UID") => return arg!(sequence_set, Uid),
        3 if eq("NOT") => {
            let (j, ()) = sp(rest)?;
            let (j, a) = search_key_depth(j, depth + 1)?;
            return Ok((j, Not(Box::new(a))));
        }
        4 if eq("BODY") => return arg!(astring, Body),
        4 if eq("FROM") => return arg!(astring, From),
        4 if eq("SEEN") => Seen,
        4 if eq("TEXT") => return arg!(astring, Text),
        5 if eq("DRAFT") => Draft,
        5 if eq("SINCE") => return arg!(date, Since),
        6 if eq("BEFORE") => return arg!(date, Before),
        6 if eq("LARGER") => return arg!(number, Larger),
        6 if eq("RECENT") => Recent,
        6 if eq("SENTON") => return arg!(date, SentOn),
        6 if eq("UNSEEN") => Unseen,
        6 if eq("HEADER") => {
            let (j, ()) = sp(rest)?;
            let (j, name) = astring(j)?;
            let (j, ()) = sp(j)?;
            let (j, value) = astring(j)?;
            return Ok((j, Header(name, value)));
        }
        7 if eq("DELETED") => Deleted,
        7 if eq("FLAGGED") => Flagged,
        7 if eq("KEYWORD") => return arg!(atom, Keyword),
        7 if eq("SMALLER") => return arg!(number, Smaller),
        7 if eq("SUBJECT") => return arg!(astring, Subject),
        7 if eq("UNDRAFT") => Undraft,
        8 if eq("ANSWERED") => Answered,
        9 if eq("UNDELETED") => Undeleted,
        9 if eq("UNFLAGGED") => Unflagged,
        9 if eq("UNKEYWORD") => return arg!(atom, Unkeyword),
        9 if eq("SENTSINCE") => return arg!(date, SentSince),
        10 if eq("UNANSWERED") => Unanswered,
        10 if eq("SENTBEFORE") => return arg!(date, SentBefore),
        _ => return fail(i, ParseErrorKind::Expected("search-key")),
    };
    Ok((rest, key))
}
