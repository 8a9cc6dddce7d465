//! SEARCH keys (RFC 3501 §6.4.4, §9 `search-key`).

use super::core::{astring, atom, date, number, nz_number, objectid, sequence_set, sp, take_class, unexpected};
use super::input::{fail, In, PResult, ParseErrorKind};
use super::lenient::{number64_l, number_l, string_l};
use crate::types::chars::{self, ATOM};
use crate::types::{Data, PartialRange, SearchKey, SearchResult, SearchReturn, SequenceSet};

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
/// sequence-set / "(" search-key *(SP search-key) ")"`, RFC 5032's `search-key =/
/// ("OLDER" / "YOUNGER") SP nz-number`, RFC 5182's `$` as a sequence set, RFC 8514's
/// `search-key =/ "SAVEDBEFORE" SP date / "SAVEDON" SP date / "SAVEDSINCE" SP date /
/// "SAVEDATESUPPORTED"`, RFC 8474's `search-key =/ "EMAILID" SP objectid / "THREADID" SP
/// objectid` and RFC 7162's `search-key =/ search-modsequence`
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
        Some(b'0'..=b'9' | b'*' | b'$') => {
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
        5 if eq("OLDER") => return arg!(nz_number_u32, Older),
        5 if eq("SINCE") => return arg!(date, Since),
        6 if eq("BEFORE") => return arg!(date, Before),
        6 if eq("LARGER") => return arg!(number, Larger),
        6 if eq("RECENT") => Recent,
        6 if eq("SENTON") => return arg!(date, SentOn),
        6 if eq("UNSEEN") => Unseen,
        6 if eq("MODSEQ") => return super::condstore::search_modsequence(rest),
        6 if eq("HEADER") => {
            let (j, ()) = sp(rest)?;
            let (j, name) = astring(j)?;
            let (j, ()) = sp(j)?;
            let (j, value) = astring(j)?;
            return Ok((j, Header(name, value)));
        }
        7 if eq("SAVEDON") => return arg!(date, SavedOn),
        7 if eq("EMAILID") => return arg!(objectid, EmailId),
        7 if eq("DELETED") => Deleted,
        7 if eq("FLAGGED") => Flagged,
        7 if eq("KEYWORD") => return arg!(atom, Keyword),
        7 if eq("SMALLER") => return arg!(number, Smaller),
        7 if eq("SUBJECT") => return arg!(astring, Subject),
        7 if eq("UNDRAFT") => Undraft,
        7 if eq("YOUNGER") => return arg!(nz_number_u32, Younger),
        8 if eq("ANSWERED") => Answered,
        8 if eq("THREADID") => return arg!(objectid, ThreadId),
        9 if eq("UNDELETED") => Undeleted,
        9 if eq("UNFLAGGED") => Unflagged,
        9 if eq("UNKEYWORD") => return arg!(atom, Unkeyword),
        9 if eq("SENTSINCE") => return arg!(date, SentSince),
        10 if eq("UNANSWERED") => Unanswered,
        10 if eq("SENTBEFORE") => return arg!(date, SentBefore),
        10 if eq("SAVEDSINCE") => return arg!(date, SavedSince),
        11 if eq("SAVEDBEFORE") => return arg!(date, SavedBefore),
        17 if eq("SAVEDATESUPPORTED") => SaveDateSupported,
        _ => return fail(i, ParseErrorKind::Expected("search-key")),
    };
    Ok((rest, key))
}

/// `search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)]
/// ")"` (RFC 4731 §3.1), after `SEARCH`; `search-return-opt = "MIN" / "MAX" / "ALL" /
/// "COUNT" / "SAVE"` (RFC 5182 §3) `/ "CONTEXT" / "UPDATE" / "PARTIAL" SP partial-range`
/// (RFC 5267 §5, RFC 9394 §4). The input starts at the SP; returns `None` if there is no
/// RETURN.
pub(crate) fn search_return_opts(i: In<'_>) -> PResult<'_, Option<Vec<SearchReturn>>> {
    let Ok((mut i, ())) = super::core::keyword(i, " RETURN (") else { return Ok((i, None)) };
    let mut out = Vec::new();
    loop {
        if i.first() == Some(b')') {
            return Ok((i.advance(1), Some(out)));
        }
        if !out.is_empty() {
            i = sp(i)?.0;
        }
        let (j, name) = take_class(i, ATOM, "search-return-opt")?;
        let opt = match name.as_slice().to_ascii_uppercase().as_slice() {
            b"MIN" => SearchReturn::Min,
            b"MAX" => SearchReturn::Max,
            b"ALL" => SearchReturn::All,
            b"COUNT" => SearchReturn::Count,
            b"SAVE" => SearchReturn::Save,
            b"CONTEXT" => SearchReturn::Context,
            b"UPDATE" => SearchReturn::Update,
            b"PARTIAL" => {
                let (k, range) = partial_range(sp(j)?.0)?;
                if !out.contains(&SearchReturn::Partial(range)) {
                    out.push(SearchReturn::Partial(range));
                }
                i = k;
                continue;
            }
            _ => return unexpected(i, "MIN, MAX, ALL, COUNT, SAVE, CONTEXT, UPDATE or PARTIAL"),
        };
        if !out.contains(&opt) {
            out.push(opt);
        }
        i = j;
    }
}

/// `partial-range = partial-range-first / partial-range-last`, `partial-range-first =
/// nz-number ":" nz-number`, `partial-range-last = MINUS nz-number ":" MINUS nz-number`
/// (RFC 9394 §4; RFC 5267 §5 has the first form).
pub(crate) fn partial_range(i: In<'_>) -> PResult<'_, PartialRange> {
    let last = i.first() == Some(b'-');
    let (j, a) = nz_number(if last { i.advance(1) } else { i })?;
    let (j, ()) = super::core::byte(b':', ":")(j)?;
    if last {
        let (j, ()) = super::core::byte(b'-', "-")(j)?;
        let (j, b) = nz_number(j)?;
        return Ok((j, PartialRange::Last(a, b)));
    }
    let (j, b) = nz_number(j)?;
    Ok((j, PartialRange::First(a, b)))
}

/// `ret-data-addto = "ADDTO" SP "(" context-position SP sequence-set *(SP
/// context-position SP sequence-set) ")"` (and `ret-data-removefrom` alike, RFC 5267 §5),
/// from the `(`.
fn context_updates(i: In<'_>) -> PResult<'_, Vec<(u32, SequenceSet)>> {
    let (mut i, ()) = super::core::byte(b'(', "(")(i)?;
    let mut out = Vec::new();
    loop {
        let (j, pos) = number(i)?;
        let (j, set) = sequence_set(sp(j)?.0)?;
        out.push((pos, set));
        match j.first() {
            Some(b')') => return Ok((j.advance(1), out)),
            _ => i = sp(j)?.0,
        }
    }
}

/// `ret-data-partial = "PARTIAL" SP "(" partial-range SP partial-results ")"`,
/// `partial-results = sequence-set / "NIL"` (RFC 9394 §4), from the `(`.
fn partial_data(i: In<'_>) -> PResult<'_, SearchResult> {
    let (i, ()) = super::core::byte(b'(', "(")(i)?;
    let (i, range) = partial_range(i)?;
    let (i, ()) = sp(i)?;
    let (i, results) = match super::core::keyword(i, "NIL") {
        Ok((j, ())) => (j, None),
        Err(_) => sequence_set(i).map(|(j, s)| (j, Some(s)))?,
    };
    let (i, ()) = super::core::byte(b')', ")")(i)?;
    Ok((i, SearchResult::Partial { range, results }))
}

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP
/// search-return-data)`, `search-correlator = SP "(" "TAG" SP tag-string ")"`,
/// `search-return-data = "MIN" SP nz-number / "MAX" SP nz-number / "ALL" SP
/// sequence-set / "COUNT" SP number / "MODSEQ" SP mod-sequence-value` (RFC 4731 §3.1,
/// RFC 7162 §3.1.5) `/ ret-data-partial / ret-data-addto / ret-data-removefrom` (RFC 5267
/// §5, RFC 9394 §4). The input follows `ESEARCH`. Unknown return data fails (the caller
/// keeps the response raw).
pub(crate) fn esearch(i: In<'_>) -> PResult<'_, Data> {
    let mut tag = None;
    let mut uid = false;
    let mut results = Vec::new();
    let mut i = i;
    if let Ok((j, ())) = super::core::keyword(i, " (TAG ") {
        let (j, t) = string_l(j)?;
        let (j, _) = super::core::byte(b')', ")")(j)?;
        tag = Some(t);
        i = j;
    }
    if let Ok((j, ())) = super::core::keyword(i, " UID") {
        if !matches!(j.first(), Some(c) if chars::is(c, ATOM)) {
            uid = true;
            i = j;
        }
    }
    while i.first() == Some(b' ') {
        let (j, name) = take_class(i.advance(1), ATOM, "search-return-data")?;
        let (j, ()) = sp(j)?;
        let name = name.as_slice().to_ascii_uppercase();
        let (j, r) = match name.as_slice() {
            b"MIN" => number_l(j).map(|(j, n)| (j, SearchResult::Min(n)))?,
            b"MAX" => number_l(j).map(|(j, n)| (j, SearchResult::Max(n)))?,
            b"COUNT" => number_l(j).map(|(j, n)| (j, SearchResult::Count(n)))?,
            b"MODSEQ" => number64_l(j).map(|(j, n)| (j, SearchResult::ModSeq(n)))?,
            b"ALL" => sequence_set(j).map(|(j, s)| (j, SearchResult::All(s)))?,
            b"PARTIAL" => partial_data(j)?,
            b"ADDTO" => context_updates(j).map(|(j, v)| (j, SearchResult::AddTo(v)))?,
            b"REMOVEFROM" => context_updates(j).map(|(j, v)| (j, SearchResult::RemoveFrom(v)))?,
            _ => return unexpected(i, "search-return-data"),
        };
        results.push(r);
        i = j;
    }
    Ok((i, Data::ESearch { tag, uid, results }))
}

/// `nz-number`, as a plain `u32`.
fn nz_number_u32(i: In<'_>) -> PResult<'_, u32> {
    nz_number(i).map(|(i, n)| (i, n.get()))
}
