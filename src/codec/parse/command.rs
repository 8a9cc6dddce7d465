//! Commands (RFC 3501 §6, §9 `command`, and the extensions of the README's matrix).

use bytes::Bytes;

use super::core::{
    astring, atom, base64, byte, crlf, flag, flag_list, keyword, mailbox, nil, nstring, sequence_set, sp, string, tag,
    take_class, unexpected,
};
use super::fetch::fetch_attributes;
use super::input::{fail, In, PResult, ParseErrorKind};
use super::search::search_key;
use crate::types::chars::ATOM;
use crate::types::{AuthMechanism, Capability, Command, CommandBody, FetchModifier, Secret, StatusItem, StoreKind};

/// `command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF`
pub(crate) fn command(i: In<'_>) -> PResult<'_, Command> {
    let (i, tag) = tag(i)?;
    let (i, ()) = sp(i)?;
    let (i, body) = command_body(i)?;
    let (i, ()) = crlf(i)?;
    Ok((i, Command { tag, body }))
}

fn command_name(i: In<'_>) -> PResult<'_, In<'_>> {
    take_class(i, ATOM, "command name")
}

/// The part of `command` between the tag and the CRLF.
fn command_body(i: In<'_>) -> PResult<'_, CommandBody> {
    use CommandBody::*;
    let (rest, name) = command_name(i)?;
    let n = name.as_slice();
    let eq = |s: &str| n.eq_ignore_ascii_case(s.as_bytes());
    macro_rules! one_mailbox {
        ($v:ident) => {{
            let (j, ()) = sp(rest)?;
            let (j, mailbox) = mailbox(j)?;
            Ok((j, $v { mailbox }))
        }};
    }
    // `select = "SELECT" SP mailbox [select-params]`, `examine` alike (RFC 4466 §2.1).
    macro_rules! select {
        ($v:ident) => {{
            let (j, ()) = sp(rest)?;
            let (j, mailbox) = mailbox(j)?;
            let (j, params) = super::condstore::select_params(j)?;
            Ok((j, $v { mailbox, params }))
        }};
    }
    match n.len() {
        2 if eq("ID") => id(rest),
        3 if eq("UID") => uid(rest),
        4 if eq("NOOP") => Ok((rest, Noop)),
        4 if eq("LIST") => super::list::list(rest, true),
        4 if eq("LSUB") => super::list::list(rest, false),
        4 if eq("IDLE") => Ok((rest, Idle)),
        4 if eq("COPY") => copy_move(rest, false, false),
        4 if eq("MOVE") => copy_move(rest, true, false),
        5 if eq("LOGIN") => login(rest),
        5 if eq("CHECK") => Ok((rest, Check)),
        5 if eq("CLOSE") => Ok((rest, Close)),
        5 if eq("FETCH") => fetch(rest, false),
        5 if eq("STORE") => store(rest, false),
        6 if eq("LOGOUT") => Ok((rest, Logout)),
        6 if eq("SELECT") => select!(Select),
        6 if eq("CREATE") => create(rest),
        6 if eq("DELETE") => one_mailbox!(Delete),
        6 if eq("RENAME") => {
            let (j, ()) = sp(rest)?;
            let (j, from) = mailbox(j)?;
            let (j, ()) = sp(j)?;
            let (j, to) = mailbox(j)?;
            Ok((j, Rename { from, to }))
        }
        6 if eq("STATUS") => status(rest),
        6 if eq("APPEND") => super::append::append(rest),
        6 if eq("SEARCH") => search(rest, false),
        4 if eq("SORT") => super::sort::sort(rest, false),
        6 if eq("THREAD") => super::sort::thread(rest, false),
        8 if eq("GETQUOTA") => super::quota::getquota(rest),
        11 if eq("GETMETADATA") => super::metadata::getmetadata(rest),
        11 if eq("SETMETADATA") => super::metadata::setmetadata(rest),
        8 if eq("SETQUOTA") => super::quota::setquota(rest),
        12 if eq("GETQUOTAROOT") => super::quota::getquotaroot(rest),
        6 if eq("ENABLE") => enable(rest),
        6 if eq("NOTIFY") => super::notify::notify(rest),
        7 if eq("EXAMINE") => select!(Examine),
        7 if eq("EXPUNGE") => Ok((rest, Expunge)),
        8 if eq("STARTTLS") => Ok((rest, StartTls)),
        8 if eq("COMPRESS") => compress(rest),
        8 if eq("RESETKEY") => super::urlauth::resetkey(rest),
        10 if eq("GENURLAUTH") => super::urlauth::genurlauth(rest),
        8 if eq("URLFETCH") => super::urlauth::urlfetch(rest),
        8 if eq("UNSELECT") => Ok((rest, Unselect)),
        9 if eq("SUBSCRIBE") => one_mailbox!(Subscribe),
        9 if eq("NAMESPACE") => Ok((rest, Namespace)),
        10 if eq("CAPABILITY") => Ok((rest, Capability)),
        11 if eq("UNSUBSCRIBE") => one_mailbox!(Unsubscribe),
        12 if eq("AUTHENTICATE") => authenticate(rest),
        12 if eq("CANCELUPDATE") => cancel_update(rest),
        14 if eq("UNAUTHENTICATE") => Ok((rest, Unauthenticate)),
        _ => fail(i, ParseErrorKind::UnknownCommand),
    }
}

/// `"UID" SP ("COPY" / "MOVE" / "FETCH" / "SEARCH" / "STORE" / "EXPUNGE") ...`
/// (RFC 3501, RFC 6851 `uid =/ "UID" SP move`, RFC 4315 `uid-expunge`, RFC 5256 §5
/// `["UID" SP] "SORT"` and `"THREAD"`).
fn uid(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (rest, name) = command_name(i)?;
    let n = name.as_slice();
    let eq = |s: &str| n.eq_ignore_ascii_case(s.as_bytes());
    if eq("FETCH") {
        fetch(rest, true)
    } else if eq("SEARCH") {
        search(rest, true)
    } else if eq("SORT") {
        super::sort::sort(rest, true)
    } else if eq("THREAD") {
        super::sort::thread(rest, true)
    } else if eq("STORE") {
        store(rest, true)
    } else if eq("COPY") {
        copy_move(rest, false, true)
    } else if eq("MOVE") {
        copy_move(rest, true, true)
    } else if eq("EXPUNGE") {
        let (j, ()) = sp(rest)?;
        let (j, set) = sequence_set(j)?;
        Ok((j, CommandBody::UidExpunge { set }))
    } else {
        fail(i, ParseErrorKind::Expected("COPY, MOVE, FETCH, SEARCH, SORT, THREAD, STORE or EXPUNGE after UID"))
    }
}

/// `login = "LOGIN" SP userid SP password`
fn login(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, username) = astring(i)?;
    let (i, ()) = sp(i)?;
    let (i, password) = astring(i)?;
    Ok((i, CommandBody::Login { username, password: Secret::new(password) }))
}

/// `authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]` (RFC 4959)
fn authenticate(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, mech) = atom(i)?;
    let mechanism = AuthMechanism::from(mech);
    if i.first() != Some(b' ') {
        return Ok((i, CommandBody::Authenticate { mechanism, initial_response: None }));
    }
    let i = i.advance(1);
    let (i, data) = if i.as_slice().starts_with(b"=") && i.as_slice().get(1).is_none_or(|b| *b == b'\r') {
        (i.advance(1), Bytes::new())
    } else {
        base64(i)?
    };
    Ok((i, CommandBody::Authenticate { mechanism, initial_response: Some(Secret::new(data)) }))
}

/// `status = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"`
fn status(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, ()) = sp(i)?;
    let (mut i, ()) = byte(b'(', "(")(i)?;
    let mut items = Vec::new();
    loop {
        let (j, word) = take_class(i, ATOM, "status-att")?;
        match StatusItem::from_name(word.as_slice()) {
            Some(item) => items.push(item),
            None => return fail(i, ParseErrorKind::Expected("status-att")),
        }
        match j.first() {
            Some(b' ') => i = j.advance(1),
            Some(b')') => return Ok((j.advance(1), CommandBody::Status { mailbox, items })),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// `create = "CREATE" SP mailbox [create-params]` (RFC 3501, RFC 4466 §2.2) with the one
/// `create-param` we know, RFC 6154 §6's `"USE" SP "(" [use-attr *(SP use-attr)] ")"`.
fn create(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let Ok((mut i, ())) = keyword(i, " (USE (") else {
        return Ok((i, CommandBody::Create { mailbox, special_use: Vec::new() }));
    };
    let mut special_use = Vec::new();
    while i.first() != Some(b')') {
        if !special_use.is_empty() {
            i = sp(i)?.0;
        }
        let (j, a) = super::response::list_attribute(i)?;
        special_use.push(a);
        i = j;
    }
    let (i, _) = byte(b')', ")")(i.advance(1))?;
    Ok((i, CommandBody::Create { mailbox, special_use }))
}

/// `search = "SEARCH" [search-return-opts] [SP "CHARSET" SP astring] 1*(SP search-key)`
/// (RFC 3501, RFC 4731 §3.1)
fn search(i: In<'_>, uid: bool) -> PResult<'_, CommandBody> {
    let (i, ret) = super::search::search_return_opts(i)?;
    let (mut i, ()) = sp(i)?;
    let mut charset = None;
    if let Ok((j, ())) = keyword(i, "CHARSET ") {
        let (j, cs) = astring(j)?;
        charset = Some(cs);
        i = sp(j)?.0;
    }
    let mut criteria = Vec::new();
    loop {
        let (j, key) = search_key(i)?;
        criteria.push(key);
        if j.first() == Some(b' ') {
            i = j.advance(1);
        } else {
            return Ok((j, CommandBody::Search { ret, charset, criteria, uid }));
        }
    }
}

/// `fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "("
/// fetch-att *(SP fetch-att) ")") [fetch-modifiers]` (RFC 4466 §2.4)
fn fetch(i: In<'_>, uid: bool) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, set) = sequence_set(i)?;
    let (i, ()) = sp(i)?;
    let (i, attributes) = fetch_attributes(i)?;
    let (i, modifiers) = if i.first() == Some(b' ') { fetch_modifiers(i)? } else { (i, Vec::new()) };
    Ok((i, CommandBody::Fetch { set, attributes, uid, modifiers }))
}

/// `fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"`, `fetch-modifier =
/// modifier-partial / chgsince-fetch-mod / rexpunges-fetch-mod` (RFC 4466 §2.4; RFC 9394
/// §4: `modifier-partial = "PARTIAL" SP partial-range`; RFC 7162 §7: `chgsince-fetch-mod
/// = "CHANGEDSINCE" SP mod-sequence-value`, `rexpunges-fetch-mod = "VANISHED"`). A
/// repeated modifier is kept (the server decides). Other modifiers are not parsed (a
/// server without them answers BAD).
fn fetch_modifiers(i: In<'_>) -> PResult<'_, Vec<FetchModifier>> {
    let (mut i, ()) = keyword(i, " (")?;
    let mut out: Vec<FetchModifier> = Vec::new();
    loop {
        let (j, name) = take_class(i, ATOM, "fetch-modifier")?;
        let n = name.as_slice();
        let (j, m) = if n.eq_ignore_ascii_case(b"PARTIAL") {
            let (j, range) = super::search::partial_range(sp(j)?.0)?;
            (j, FetchModifier::Partial(range))
        } else if n.eq_ignore_ascii_case(b"CHANGEDSINCE") {
            let (j, n) = super::condstore::mod_sequence_value(sp(j)?.0)?;
            (j, FetchModifier::ChangedSince(n))
        } else if n.eq_ignore_ascii_case(b"VANISHED") {
            (j, FetchModifier::Vanished)
        } else {
            return fail(i, ParseErrorKind::Expected("PARTIAL, CHANGEDSINCE or VANISHED"));
        };
        out.push(m);
        match j.first() {
            Some(b' ') => i = j.advance(1),
            Some(b')') => return Ok((j.advance(1), out)),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// `store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags` (RFC 4466
/// §2.5) with `store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag
/// *(SP flag)))`
fn store(i: In<'_>, uid: bool) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, set) = sequence_set(i)?;
    let (i, unchanged_since) = super::condstore::store_modifiers(i)?;
    let (i, ()) = sp(i)?;
    let (i, kind) = match i.first() {
        Some(b'+') => (i.advance(1), StoreKind::Add),
        Some(b'-') => (i.advance(1), StoreKind::Remove),
        _ => (i, StoreKind::Replace),
    };
    let (i, ()) = keyword(i, "FLAGS")?;
    let (i, silent) = match keyword(i, ".SILENT") {
        Ok((j, ())) => (j, true),
        Err(_) => (i, false),
    };
    let (i, ()) = sp(i)?;
    let (i, flags) = if i.first() == Some(b'(') {
        flag_list(i)?
    } else {
        let (mut i, f) = flag(i)?;
        let mut flags = vec![f];
        while i.first() == Some(b' ') {
            let (j, f) = flag(i.advance(1))?;
            flags.push(f);
            i = j;
        }
        (i, flags)
    };
    Ok((i, CommandBody::Store { set, unchanged_since, kind, silent, flags, uid }))
}

/// `copy = "COPY" SP sequence-set SP mailbox`, `move = "MOVE" SP sequence-set SP mailbox`
fn copy_move(i: In<'_>, is_move: bool, uid: bool) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, set) = sequence_set(i)?;
    let (i, ()) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let body = if is_move { CommandBody::Move { set, mailbox, uid } } else { CommandBody::Copy { set, mailbox, uid } };
    Ok((i, body))
}

/// `"CANCELUPDATE" 1*(SP quoted)` (RFC 5267 §5, a `command-select`).
fn cancel_update(i: In<'_>) -> PResult<'_, CommandBody> {
    let mut i = i;
    let mut tags = Vec::new();
    loop {
        let (j, ()) = sp(i)?;
        let (j, t) = super::core::quoted(j)?;
        tags.push(t);
        if j.first() != Some(b' ') {
            return Ok((j, CommandBody::CancelUpdate { tags }));
        }
        i = j;
    }
}

/// `enable = "ENABLE" 1*(SP capability)` (RFC 5161)
fn enable(i: In<'_>) -> PResult<'_, CommandBody> {
    let mut i = i;
    let mut capabilities = Vec::new();
    loop {
        let (j, ()) = sp(i)?;
        let (j, a) = atom(j)?;
        capabilities.push(Capability::from(a));
        if j.first() != Some(b' ') {
            return Ok((j, CommandBody::Enable { capabilities }));
        }
        i = j;
    }
}

/// `compress = "COMPRESS" SP algorithm` with `algorithm = "DEFLATE"` (RFC 4978 §5); any
/// atom is read, so that the server can refuse an unknown mechanism with BAD.
fn compress(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, algorithm) = atom(i)?;
    Ok((i, CommandBody::Compress { algorithm }))
}

/// `id = "ID" SP id-params-list` with
/// `id-params-list = "(" *(string SP nstring) ")" / nil` (RFC 2971)
fn id(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    if i.first() != Some(b'(') {
        let (i, ()) = nil(i)?;
        return Ok((i, CommandBody::Id { parameters: None }));
    }
    let mut i = i.advance(1);
    let mut params = Vec::new();
    if i.first() == Some(b')') {
        return Ok((i.advance(1), CommandBody::Id { parameters: Some(params) }));
    }
    loop {
        let (j, k) = string(i)?;
        let (j, ()) = sp(j)?;
        let (j, v) = nstring(j)?;
        params.push((k, v));
        match j.first() {
            Some(b' ') => i = j.advance(1),
            Some(b')') => return Ok((j.advance(1), CommandBody::Id { parameters: Some(params) })),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// One line of the client's side of an AUTHENTICATE exchange:
/// `base64 CRLF` (RFC 3501 §6.2.2), an empty line for an empty response, or `"*" CRLF`
/// to cancel.
pub(crate) fn authenticate_data(i: In<'_>) -> PResult<'_, Option<Bytes>> {
    match i.as_slice() {
        [b'*', b'\r', b'\n'] => Ok((i.advance(3), None)),
        [b'\r', b'\n'] => Ok((i.advance(2), Some(Bytes::new()))),
        _ => {
            let (i, data) = base64(i)?;
            let (i, ()) = crlf(i)?;
            Ok((i, Some(data)))
        }
    }
}

/// `idle-done = "DONE" CRLF` (RFC 2177)
pub(crate) fn idle_done(i: In<'_>) -> PResult<'_, ()> {
    let (i, ()) = keyword(i, "DONE")?;
    crlf(i)
}
