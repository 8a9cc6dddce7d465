//! QUOTA (RFC 9208 §7): GETQUOTA, GETQUOTAROOT and SETQUOTA, and the `QUOTA` and
//! `QUOTAROOT` responses. `OVERQUOTA` is among the RFC 5530 codes, `DELETED-STORAGE` among
//! the STATUS items.

use super::core::{astring, atom, byte, mailbox, number64, sp};
use super::input::{In, PResult};
use super::lenient::{astring_l, atom_l, number64_l, spaces};
use crate::types::{CommandBody, Data, Mailbox, QuotaResource, QuotaUsage};

/// `getquota = "GETQUOTA" SP quota-root-name`, `quota-root-name = astring`; from after
/// the name.
pub(crate) fn getquota(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, root) = astring(i)?;
    Ok((i, CommandBody::GetQuota { root }))
}

/// `getquotaroot = "GETQUOTAROOT" SP mailbox`; from after the name.
pub(crate) fn getquotaroot(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    Ok((i, CommandBody::GetQuotaRoot { mailbox }))
}

/// `setquota = "SETQUOTA" SP quota-root-name SP setquota-list`, `setquota-list = "("
/// [setquota-resource *(SP setquota-resource)] ")"`, `setquota-resource = resource-name SP
/// resource-limit`, `resource-limit = number64`; from after the name.
pub(crate) fn setquota(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, root) = astring(i)?;
    let (i, ()) = sp(i)?;
    let (mut i, ()) = byte(b'(', "(")(i)?;
    let mut limits = Vec::new();
    if i.first() != Some(b')') {
        loop {
            let (j, name) = atom(i)?;
            let (j, ()) = sp(j)?;
            let (j, limit) = number64(j)?;
            limits.push((QuotaResource::from_atom(name), limit));
            if j.first() == Some(b' ') {
                i = j.advance(1);
            } else {
                i = j;
                break;
            }
        }
    }
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, CommandBody::SetQuota { root, limits }))
}

/// `quota-response = "QUOTA" SP quota-root-name SP quota-list`, `quota-list = "("
/// quota-resource *(SP quota-resource) ")"`, `quota-resource = resource-name SP
/// resource-usage SP resource-limit`; from after `QUOTA`. Lenient: an empty list, extra
/// spaces.
pub(crate) fn quota_response(i: In<'_>) -> PResult<'_, Data> {
    let (i, ()) = sp(i)?;
    let (i, root) = astring_l(i)?;
    let (i, ()) = sp(i)?;
    let (i, ()) = byte(b'(', "(")(i)?;
    let mut i = spaces(i);
    let mut resources = Vec::new();
    while i.first() != Some(b')') {
        let (j, name) = atom_l(i)?;
        let (j, ()) = sp(j)?;
        let (j, usage) = number64_l(j)?;
        let (j, ()) = sp(j)?;
        let (j, limit) = number64_l(j)?;
        resources.push(QuotaUsage { resource: QuotaResource::from_atom(name), usage, limit });
        i = spaces(j);
    }
    Ok((i.advance(1), Data::Quota { root, resources }))
}

/// `quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)`; from after
/// `QUOTAROOT`.
pub(crate) fn quotaroot_response(i: In<'_>) -> PResult<'_, Data> {
    let (i, ()) = sp(i)?;
    let (mut i, name) = astring_l(i)?;
    let mut roots = Vec::new();
    loop {
        let j = spaces(i);
        if j.offset() == i.offset() || matches!(j.first(), Some(b'\r' | b'\n') | None) {
            break;
        }
        let (k, root) = astring_l(j)?;
        roots.push(root);
        i = k;
    }
    Ok((i, Data::QuotaRoot { mailbox: Mailbox::from_wire(name), roots }))
}
