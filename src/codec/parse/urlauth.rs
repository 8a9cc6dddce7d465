//! URLAUTH (RFC 4467 §9): RESETKEY, GENURLAUTH and URLFETCH, the `GENURLAUTH` and
//! `URLFETCH` responses and the `URLMECH` code.

use bytes::Bytes;

use super::core::{astring, atom, byte, keyword, mailbox, sp, sp_list1};
use super::input::{In, PResult};
use super::lenient::{astring_l, nstring_l, spaces};
use super::metadata::value;
use crate::types::{Atom, CommandBody, Data, UrlFetchArg, UrlFetchBody, UrlFetchData, UrlFetchParam, UrlMech};

/// `resetkey = "RESETKEY" [SP mailbox *(SP mechanism)]`; from after the name.
pub(crate) fn resetkey(i: In<'_>) -> PResult<'_, CommandBody> {
    if i.first() != Some(b' ') {
        return Ok((i, CommandBody::ResetKey { mailbox: None, mechanisms: Vec::new() }));
    }
    let (mut i, mailbox) = mailbox(i.advance(1))?;
    let mut mechanisms = Vec::new();
    while i.first() == Some(b' ') {
        let (j, m) = atom(i.advance(1))?;
        mechanisms.push(m);
        i = j;
    }
    Ok((i, CommandBody::ResetKey { mailbox: Some(mailbox), mechanisms }))
}

/// `genurlauth = "GENURLAUTH" 1*(SP url-rump SP mechanism)`, `url-rump = astring`,
/// `mechanism = "INTERNAL" / 1*(ALPHA / DIGIT / "-" / ".")` (an atom); from after the
/// name.
pub(crate) fn genurlauth(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, urls) = sp_list1(i, |j| {
        let (j, url) = astring(j)?;
        let (j, ()) = sp(j)?;
        let (j, mechanism) = atom(j)?;
        Ok((j, (url, mechanism)))
    })?;
    Ok((i, CommandBody::GenUrlAuth { urls }))
}

/// `urlfetch = "URLFETCH" 1*(SP url-fetch-arg)` (RFC 5524 §5, replacing RFC 4467's
/// `1*(SP url-full)`), `url-full = astring`; from after the name.
pub(crate) fn urlfetch(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, urls) = sp_list1(i, url_fetch_arg)?;
    Ok((i, CommandBody::UrlFetch { urls }))
}

/// `url-fetch-arg = url-full / "(" url-full *(SP url-fetch-param) ")"` (RFC 5524 §5).
fn url_fetch_arg(i: In<'_>) -> PResult<'_, UrlFetchArg> {
    if i.first() != Some(b'(') {
        let (i, url) = astring(i)?;
        return Ok((i, UrlFetchArg { url, params: None }));
    }
    let (mut i, url) = astring(i.advance(1))?;
    let mut params = Vec::new();
    while i.first() == Some(b' ') {
        let (j, p) = url_fetch_param(i.advance(1))?;
        params.push(p);
        i = j;
    }
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, UrlFetchArg { url, params: Some(params) }))
}

/// `url-fetch-param = "BODY" / "BINARY" / "BODYPARTSTRUCTURE" / atom` (RFC 5524 §5).
fn url_fetch_param(i: In<'_>) -> PResult<'_, UrlFetchParam> {
    let (i, word) = atom(i)?;
    let w = word.as_bytes();
    let p = if w.eq_ignore_ascii_case(b"BODY") {
        UrlFetchParam::Body
    } else if w.eq_ignore_ascii_case(b"BINARY") {
        UrlFetchParam::Binary
    } else if w.eq_ignore_ascii_case(b"BODYPARTSTRUCTURE") {
        UrlFetchParam::BodyPartStructure
    } else {
        UrlFetchParam::Other(word)
    };
    Ok((i, p))
}

/// `genurlauth-data = "*" SP "GENURLAUTH" 1*(SP url-full)`; from after `GENURLAUTH`.
pub(crate) fn genurlauth_data(i: In<'_>) -> PResult<'_, Data> {
    let (i, urls) = sp_list1(i, astring_l)?;
    Ok((i, Data::GenUrlAuth(urls)))
}

/// `urlfetch-data = "*" SP "URLFETCH" 1*(SP url-full SP (nstring / url-ext))` (RFC
/// 4467 §9 with RFC 5524 §5's extended answer); from after `URLFETCH`.
pub(crate) fn urlfetch_data(i: In<'_>) -> PResult<'_, Data> {
    let (i, urls) = sp_list1(i, |j| {
        let (j, url) = astring_l(j)?;
        let (j, ()) = sp(j)?;
        if j.first() == Some(b'(') {
            return url_ext(j.advance(1)).map(|(k, d)| (k, (url, d)));
        }
        let (j, data) = nstring_l(j)?;
        Ok((j, (url, UrlFetchData::Plain(data))))
    })?;
    Ok((i, Data::UrlFetch(urls)))
}

/// RFC 5524 §5's extended answer, from after its "(":
///
/// ```abnf
/// url-ext  = "(" [url-meta *(SP url-meta)] ")"
/// url-meta = "BODYPARTSTRUCTURE" SP body / "BODY" SP nstring /
///            "BINARY" SP (nstring / literal8)
/// ```
///
/// Items are read in any order, with any spacing, as responses are read.
fn url_ext(mut i: In<'_>) -> PResult<'_, UrlFetchData> {
    let mut body_part_structure = None;
    let mut data = None;
    loop {
        i = spaces(i);
        if i.first() == Some(b')') {
            let d = UrlFetchData::Extended { body_part_structure, body: data };
            return Ok((i.advance(1), d));
        }
        if let Ok((j, ())) = keyword(i, "BODYPARTSTRUCTURE ") {
            let (j, b) = super::fetch::from_view(j, crate::codec::view::owned_body)?;
            body_part_structure = Some(Box::new(b));
            i = j;
        } else if let Ok((j, ())) = keyword(i, "BODY ") {
            let (j, s) = nstring_l(j)?;
            data = Some(UrlFetchBody::Body(s));
            i = j;
        } else {
            let (j, ()) = keyword(i, "BINARY ")?;
            let (j, b) = value(j, true)?;
            data = Some(UrlFetchBody::Binary(b));
            i = j;
        }
    }
}

/// `"URLMECH" SP "INTERNAL" *(SP mechanism ["=" base64])`; from after `URLMECH`. Any
/// first mechanism is read (servers are to put INTERNAL there).
pub(crate) fn urlmech_code(i: In<'_>) -> PResult<'_, Vec<UrlMech>> {
    sp_list1(i, |j| {
        let (j, word) = atom(j)?;
        // An atom may hold "=" and base64's "+" and "/": split at the first "=".
        let bytes = word.as_bytes();
        let m = match bytes.iter().position(|b| *b == b'=') {
            Some(at) if at > 0 => UrlMech {
                mechanism: Atom::unvalidated(Bytes::copy_from_slice(&bytes[..at])),
                data: Some(String::from_utf8_lossy(&bytes[at + 1..]).into_owned()),
            },
            _ => UrlMech { mechanism: word, data: None },
        };
        Ok((j, m))
    })
}
