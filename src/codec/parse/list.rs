//! LIST and LSUB commands and the extended data of LIST responses: RFC 3501 §6.3.8,
//! RFC 5258 §6 (LIST-EXTENDED), RFC 5819 §4 (LIST-STATUS), RFC 6154 §6 (SPECIAL-USE) and
//! RFC 9051 §9.

use super::core::{atom, byte, keyword, list_mailbox, mailbox, paren_list, sp, take_class};
use super::input::{fail, In, PResult, ParseErrorKind};
use super::lenient::{astring_l, list_end, raw_value, spaces};
use crate::types::chars::ATOM;
use crate::types::{
    Atom, CommandBody, ListExtendedItem, ListOptionExtension, ListOptions, ListReturnOption, ListSelectOption, Mailbox,
    StatusItem,
};

/// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`
/// (RFC 5258 §6, RFC 9051 §9), and `lsub = "LSUB" SP mailbox SP list-mailbox`: everything
/// after the command name.
pub(super) fn list(i: In<'_>, is_list: bool) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    if !is_list {
        let (i, reference) = mailbox(i)?;
        let (i, ()) = sp(i)?;
        let (i, pattern) = list_mailbox(i)?;
        return Ok((i, CommandBody::Lsub { reference, pattern }));
    }
    let (i, selection) = if i.first() == Some(b'(') {
        let (i, s) = list_select_opts(i)?;
        let (i, ()) = sp(i)?;
        (i, Some(s))
    } else {
        (i, None)
    };
    let (i, reference) = mailbox(i)?;
    let (i, ()) = sp(i)?;
    let (i, patterns) = mbox_or_pat(i)?;
    let (i, returns) = if i.first() == Some(b' ') {
        let (i, ()) = sp(i)?;
        let (i, r) = list_return_opts(i)?;
        (i, Some(r))
    } else {
        (i, None)
    };
    let options = match (selection, returns) {
        (None, None) => None,
        (s, r) => Some(ListOptions { selection: s.unwrap_or_default(), returns: r.unwrap_or_default() }),
    };
    Ok((i, CommandBody::List { reference, patterns, options }))
}

/// `mbox-or-pat = list-mailbox / patterns`, `patterns = "(" list-mailbox *(SP
/// list-mailbox) ")"` (RFC 5258 §6).
fn mbox_or_pat(i: In<'_>) -> PResult<'_, Vec<crate::types::ListMailbox>> {
    if i.first() != Some(b'(') {
        let (i, p) = list_mailbox(i)?;
        return Ok((i, vec![p]));
    }
    paren_list(i, false, list_mailbox)
}

/// `list-select-opts = "(" [list-select-opt *(SP list-select-opt)] ")"`: the RFC 5258 §6
/// rule's constraint (a base option beside RECURSIVEMATCH) is the server's to check
/// (RFC 5258 §3: BAD), so any sequence parses here.
fn list_select_opts(i: In<'_>) -> PResult<'_, Vec<ListSelectOption>> {
    paren_list(i, true, list_select_opt)
}

/// `list-select-opt = list-select-base-opt / list-select-independent-opt /
/// list-select-mod-opt`, with `list-select-base-opt = "SUBSCRIBED" / option-extension`,
/// `list-select-independent-opt = "REMOTE" / option-extension`, `list-select-mod-opt =
/// "RECURSIVEMATCH" / option-extension` (RFC 5258 §6) and `"SPECIAL-USE"` (RFC 6154 §6).
fn list_select_opt(i: In<'_>) -> PResult<'_, ListSelectOption> {
    let (j, name) = atom(i)?;
    if let Some((o, _)) = ListSelectOption::NAMED.iter().find(|(_, n)| name.eq_ignore_case(n)) {
        return Ok((j, o.clone()));
    }
    let (j, e) = option_extension(j, name)?;
    Ok((j, ListSelectOption::Extension(e)))
}

/// `option-extension = (option-standard-tag / option-vendor-tag) [SP option-value]`,
/// `option-value = "(" option-val-comp ")"` (RFC 5258 §6), after the tag: the value is
/// kept raw.
fn option_extension(i: In<'_>, name: Atom) -> PResult<'_, ListOptionExtension> {
    if i.as_slice().starts_with(b" (") {
        let (j, raw) = raw_value(i.advance(1), 0)?;
        return Ok((j, ListOptionExtension { name, value: Some(raw.to_bytes()) }));
    }
    Ok((i, ListOptionExtension { name, value: None }))
}

/// `list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"`
/// (RFC 5258 §6).
fn list_return_opts(i: In<'_>) -> PResult<'_, Vec<ListReturnOption>> {
    let (i, ()) = keyword(i, "RETURN")?;
    let (i, ()) = sp(i)?;
    paren_list(i, true, return_option)
}

/// `return-option = "SUBSCRIBED" / "CHILDREN" / status-option / option-extension`
/// (RFC 5258 §6, RFC 5819 §4), and `"SPECIAL-USE"` (RFC 6154 §6).
fn return_option(i: In<'_>) -> PResult<'_, ListReturnOption> {
    let (j, name) = atom(i)?;
    if let Some((o, _)) = ListReturnOption::NAMED.iter().find(|(_, n)| name.eq_ignore_case(n)) {
        return Ok((j, o.clone()));
    }
    if name.eq_ignore_case("STATUS") {
        let (j, ()) = sp(j)?;
        let (j, items) = status_option_items(j)?;
        return Ok((j, ListReturnOption::Status(items)));
    }
    let (j, e) = option_extension(j, name)?;
    Ok((j, ListReturnOption::Extension(e)))
}

/// `status-option = "STATUS" SP "(" status-att *(SP status-att) ")"` (RFC 5819 §4),
/// after `"STATUS" SP`.
fn status_option_items(i: In<'_>) -> PResult<'_, Vec<StatusItem>> {
    paren_list(i, false, |i| {
        let (j, word) = take_class(i, ATOM, "status-att")?;
        match StatusItem::from_name(word.as_slice()) {
            Some(item) => Ok((j, item)),
            None => fail(i, ParseErrorKind::Expected("status-att")),
        }
    })
}

/// `mbox-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)]
/// ")"` (RFC 5258 §6), leniently (spaces as in other lists).
pub(super) fn mbox_list_extended(i: In<'_>) -> PResult<'_, Vec<ListExtendedItem>> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let mut i = spaces(i);
    let mut items = Vec::new();
    if i.first() == Some(b')') {
        return Ok((i.advance(1), items));
    }
    loop {
        let (j, item) = mbox_list_extended_item(i)?;
        items.push(item);
        let (j, end) = list_end(j)?;
        i = j;
        if end {
            return Ok((i, items));
        }
    }
}

/// `mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val`, with
/// `mbox-list-extended-item-tag = astring` (RFC 5258 §6); `CHILDINFO` (RFC 5258 §3.5) and
/// `OLDNAME` (RFC 9051 §7.3.1) typed when they have their form, others raw.
fn mbox_list_extended_item(i: In<'_>) -> PResult<'_, ListExtendedItem> {
    let (i, tag) = astring_l(i)?;
    let (i, ()) = super::lenient::sp(i)?;
    let t = tag.as_bytes();
    if t.eq_ignore_ascii_case(b"CHILDINFO") {
        if let Ok((j, v)) = childinfo_value(i) {
            return Ok((j, ListExtendedItem::ChildInfo(v)));
        }
    } else if t.eq_ignore_ascii_case(b"OLDNAME") {
        if let Ok((j, m)) = oldname_value(i) {
            return Ok((j, ListExtendedItem::OldName(m)));
        }
    }
    let (j, raw) = raw_value(i, 0)?;
    Ok((j, ListExtendedItem::Other { tag, value: raw.to_bytes() }))
}

/// `"(" list-select-base-opt-quoted *(SP list-select-base-opt-quoted) ")"`, with
/// `list-select-base-opt-quoted = DQUOTE list-select-base-opt DQUOTE` (RFC 5258 §6): the
/// value of `CHILDINFO`, each an atom (quoted or not).
fn childinfo_value(i: In<'_>) -> PResult<'_, Vec<Atom>> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let mut i = spaces(i);
    let mut out = Vec::new();
    loop {
        let (j, s) = astring_l(i)?;
        match Atom::try_from(s.to_bytes()) {
            Ok(a) => out.push(a),
            Err(_) => return fail(i, ParseErrorKind::Expected("atom")),
        }
        let (j, end) = list_end(j)?;
        i = j;
        if end {
            return Ok((i, out));
        }
    }
}

/// `"(" mailbox ")"`: the value of `OLDNAME` (RFC 9051 §9 `oldname-extended-item`).
fn oldname_value(i: In<'_>) -> PResult<'_, Mailbox> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let (i, name) = astring_l(spaces(i))?;
    let i = spaces(i);
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, Mailbox::from_wire(name)))
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::codec::parse::core::all_consuming;

    #[test]
    fn astring_tag_and_unknown_items() {
        let src = Bytes::from_static(b"(\"CHILDINFO\" (\"SUBSCRIBED\") X-THING (1 (2)) OLDNAME (\"a b\"))");
        let got = all_consuming(&src, mbox_list_extended).unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], ListExtendedItem::ChildInfo(vec![Atom::from_static("SUBSCRIBED")]));
        assert!(matches!(&got[1], ListExtendedItem::Other { value, .. } if &value[..] == b"(1 (2))"));
        assert!(matches!(&got[2], ListExtendedItem::OldName(m) if m.as_wire() == b"a b"));
        // A CHILDINFO that is not a list of atoms is kept raw.
        let src = Bytes::from_static(b"(CHILDINFO \"x y\")");
        let got = all_consuming(&src, mbox_list_extended).unwrap();
        assert!(matches!(&got[0], ListExtendedItem::Other { .. }));
    }
}
