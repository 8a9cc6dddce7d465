//! URLAUTH (RFC 4467 §9): RESETKEY, GENURLAUTH and URLFETCH, the `GENURLAUTH` and
//! `URLFETCH` responses and the `URLMECH` code.

use bytes::Bytes;

use super::core::{astring, atom, mailbox, sp, sp_list1};
use super::input::{In, PResult};
use super::lenient::{astring_l, nstring_l};
use crate::types::{Atom, CommandBody, Data, UrlMech};

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

/// `urlfetch = "URLFETCH" 1*(SP url-full)`, `url-full = astring`; from after the name.
pub(crate) fn urlfetch(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, urls) = sp_list1(i, astring)?;
    Ok((i, CommandBody::UrlFetch { urls }))
}

/// `genurlauth-data = "*" SP "GENURLAUTH" 1*(SP url-full)`; from after `GENURLAUTH`.
pub(crate) fn genurlauth_data(i: In<'_>) -> PResult<'_, Data> {
    let (i, urls) = sp_list1(i, astring_l)?;
    Ok((i, Data::GenUrlAuth(urls)))
}

/// `urlfetch-data = "*" SP "URLFETCH" 1*(SP url-full SP nstring)`; from after
/// `URLFETCH`.
pub(crate) fn urlfetch_data(i: In<'_>) -> PResult<'_, Data> {
    let (i, urls) = sp_list1(i, |j| {
        let (j, url) = astring_l(j)?;
        let (j, ()) = sp(j)?;
        let (j, data) = nstring_l(j)?;
        Ok((j, (url, data)))
    })?;
    Ok((i, Data::UrlFetch(urls)))
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
