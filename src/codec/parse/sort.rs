//! SORT and THREAD (RFC 5256 §5, RFC 5267 §3 ESORT): the commands, and the `SORT` and
//! `THREAD` responses.

use super::core::{astring, atom, byte, sp, take_class, unexpected};
use super::input::{fail, In, PResult, ParseErrorKind};
use super::lenient::{number_l, spaces};
use super::search::{search_key, search_return_opts};
use crate::types::chars::ATOM;
use crate::types::{AString, CommandBody, Data, SearchKey, SortCriterion, SortKey, Thread, ThreadAlgorithm};

/// `sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP search-criteria`
/// (RFC 5256 §5, `search-return-opts` from RFC 5267 §3), from after `SORT`.
pub(crate) fn sort(i: In<'_>, uid: bool) -> PResult<'_, CommandBody> {
    let (i, ret) = search_return_opts(i)?;
    let (i, ()) = sp(i)?;
    let (i, sort) = sort_criteria(i)?;
    let (i, ()) = sp(i)?;
    let (i, (charset, criteria)) = search_criteria(i)?;
    Ok((i, CommandBody::Sort { ret, sort, charset, criteria, uid }))
}

/// `thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria`, `thread-alg =
/// "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext`, `thread-alg-ext = atom` (RFC 5256
/// §5), from after `THREAD`.
pub(crate) fn thread(i: In<'_>, uid: bool) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, name) = atom(i)?;
    let (i, ()) = sp(i)?;
    let (i, (charset, criteria)) = search_criteria(i)?;
    Ok((i, CommandBody::Thread { algorithm: ThreadAlgorithm::from_atom(name), charset, criteria, uid }))
}

/// `sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"`, `sort-criterion =
/// ["REVERSE" SP] sort-key`, `sort-key = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" /
/// "SUBJECT" / "TO"` (RFC 5256 §5) `/ "DISPLAYFROM" / "DISPLAYTO"` (RFC 5957 §3.1).
fn sort_criteria(i: In<'_>) -> PResult<'_, Vec<SortCriterion>> {
    let (mut i, ()) = byte(b'(', "(")(i)?;
    let mut out = Vec::new();
    loop {
        let (j, word) = take_class(i, ATOM, "sort-criterion")?;
        let (j, reverse, word) = if word.as_slice().eq_ignore_ascii_case(b"REVERSE") {
            let (j, ()) = sp(j)?;
            let (j, w) = take_class(j, ATOM, "sort-key")?;
            (j, true, w)
        } else {
            (j, false, word)
        };
        let Some(key) = SortKey::from_name(word.as_slice()) else {
            return fail(word, ParseErrorKind::Expected("sort-key"));
        };
        out.push(SortCriterion { reverse, key });
        match j.first() {
            Some(b')') => return Ok((j.advance(1), out)),
            Some(b' ') => i = j.advance(1),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// `search-criteria = charset 1*(SP search-key)`, `charset = atom / quoted` (RFC 5256
/// §5; any astring is taken).
fn search_criteria(i: In<'_>) -> PResult<'_, (AString, Vec<SearchKey>)> {
    let (mut i, charset) = astring(i)?;
    let mut criteria = Vec::new();
    loop {
        let (j, ()) = sp(i)?;
        let (j, key) = search_key(j)?;
        criteria.push(key);
        i = j;
        if i.first() != Some(b' ') {
            return Ok((i, (charset, criteria)));
        }
    }
}

/// `sort-data = "SORT" *(SP nz-number)` (RFC 5256 §5) with RFC 7162's `[SP
/// search-sort-mod-seq]`: parsed as SEARCH's numbers are, from after `SORT`.
pub(crate) fn sort_data(d: Data) -> Data {
    match d {
        Data::Search { ids, modseq } => Data::Sort { ids, modseq },
        d => d,
    }
}

/// `thread-data = "THREAD" [SP 1*thread-list]`, `thread-list = "(" (thread-members /
/// thread-nested) ")"`, `thread-members = nz-number *(SP nz-number) [SP thread-nested]`,
/// `thread-nested = 2*thread-list` (RFC 5256 §5), from after `THREAD`.
///
/// Lenient as responses are: spaces between lists, a nested part of one list (`(1 (2))`,
/// read as the chain `1 2`). Parsed with an explicit stack, so neither a long chain nor
/// deep nesting uses the thread's stack.
pub(crate) fn thread_data(i: In<'_>) -> PResult<'_, Data> {
    /// One open `thread-list`: its numbers, then its nested lists.
    #[derive(Default)]
    struct Open {
        numbers: Vec<u32>,
        nested: Vec<Thread>,
    }
    let mut threads = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut i = spaces(i);
    loop {
        match i.first() {
            Some(b'(') => {
                stack.push(Open::default());
                i = i.advance(1);
            }
            Some(b')') => {
                let Some(open) = stack.pop() else { return unexpected(i, "thread-list") };
                let t = close(open.numbers, open.nested);
                let t = match t {
                    Some(t) => t,
                    None => return unexpected(i, "thread-members or thread-nested"),
                };
                match stack.last_mut() {
                    Some(parent) => parent.nested.push(t),
                    None => threads.push(t),
                }
                i = i.advance(1);
            }
            Some(b'0'..=b'9') => {
                let Some(open) = stack.last_mut() else { return unexpected(i, "(") };
                if !open.nested.is_empty() {
                    return unexpected(i, ")");
                }
                let (j, n) = number_l(i)?;
                if n == 0 {
                    return unexpected(i, "nz-number");
                }
                open.numbers.push(n);
                i = j;
            }
            _ if stack.is_empty() => return Ok((i, Data::Thread(threads))),
            _ => return unexpected(i, "thread-list"),
        }
        i = spaces(i);
    }

    /// The node a closed list stands for: its chain of numbers, the last one parent of
    /// the nested lists; a dummy when there are no numbers.
    fn close(numbers: Vec<u32>, nested: Vec<Thread>) -> Option<Thread> {
        let Some((&last, before)) = numbers.split_last() else {
            return match nested.len() {
                0 => None,
                1 => nested.into_iter().next(),
                _ => Some(Thread::dummy(nested)),
            };
        };
        let mut node = Thread::message(last, nested);
        for &n in before.iter().rev() {
            node = Thread::message(n, vec![node]);
        }
        Some(node)
    }
}
