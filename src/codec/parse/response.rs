//! Server responses (RFC 3501 §7, §9 `response`), parsed leniently: every accepted
//! deviation is a named quirk in `QUIRKS.md` with a test.

use base64::Engine;
use bytes::Bytes;

use super::core::{byte, keyword, nil, nz_number, objectid_paren, sequence_set, tag, unexpected};
use super::input::{fail, In, PResult, ParseErrorKind};
use super::lenient::{
    astring_l, atom_l, atom_window, flag_l, line_end, list_end, nstring_l, number64_l, number_l, sp, spaces, string_l,
};
use crate::types::chars::{self, ATOM};
use crate::types::Atom;
use crate::types::{
    Capability, Code, Continue, Data, FlagPerm, ListAttribute, ListItem, Mailbox, NamespaceDescription, Response,
    Rfc5530Code, StatusItem, StatusKind, StatusResponse, Text,
};

/// `response = *(continue-req / response-data) response-done`, one message at a time:
/// `continue-req / response-data / response-tagged / response-fatal / greeting`.
pub(crate) fn response(i: In<'_>) -> PResult<'_, Response> {
    match i.first() {
        Some(b'+') => continue_req(i.advance(1)),
        Some(b'*') => {
            let (i, ()) = sp(i.advance(1))?;
            untagged(i)
        }
        _ => {
            let (i, tag) = tag(i)?;
            let (i, ()) = sp(i)?;
            let (i, status) = resp_cond(i, false)?;
            Ok((i, Response::Status { tag: Some(tag), status }))
        }
    }
}

/// `continue-req = "+" SP (resp-text / base64) CRLF`, with quirk `bare-plus` (`+` and
/// CRLF, no SP).
fn continue_req(i: In<'_>) -> PResult<'_, Response> {
    let i = if i.first() == Some(b' ') { i.advance(1) } else { i };
    if i.first() != Some(b'[') {
        let end = line_len(i);
        let (rest, text) = i.split(end);
        let t = text.as_slice();
        let is_b64 = !t.is_empty()
            && t.len() % 4 == 0
            && t.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        if is_b64 {
            if let Ok(data) = base64::engine::general_purpose::STANDARD.decode(t) {
                if !data.is_empty() {
                    let (rest, ()) = line_end(rest)?;
                    return Ok((rest, Response::Continue(Continue::Base64(Bytes::from(data)))));
                }
            }
        }
        let (rest, ()) = line_end(rest)?;
        return Ok((
            rest,
            Response::Continue(Continue::Basic { code: None, text: Text::unvalidated(text.to_bytes()) }),
        ));
    }
    let (i, (code, text)) = resp_text(i)?;
    let (i, ()) = line_end(i)?;
    Ok((i, Response::Continue(Continue::Basic { code, text })))
}

/// Length of the rest of the line, up to (not including) CR LF or LF.
fn line_len(i: In<'_>) -> usize {
    let s = i.as_slice();
    match memchr::memchr(b'\n', s) {
        Some(k) if k > 0 && s[k - 1] == b'\r' => k - 1,
        Some(k) => k,
        None => s.len(),
    }
}

/// `resp-text = ["[" resp-text-code "]" SP] text`, with quirk `code-without-text`: the
/// line may end right after the code, and the SP may be missing.
fn resp_text(i: In<'_>) -> PResult<'_, (Option<Code>, Text)> {
    let (i, code) = if i.first() == Some(b'[') {
        let (j, code) = resp_text_code(i.advance(1))?;
        let (j, ()) = byte(b']', "]")(j)?;
        (if j.first() == Some(b' ') { j.advance(1) } else { j }, Some(code))
    } else {
        (i, None)
    };
    let (rest, text) = i.split(line_len(i));
    Ok((rest, (code, Text::unvalidated(text.to_bytes()))))
}

/// `resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text`, and with `untagged`,
/// `resp-cond-auth` (`PREAUTH`) and `resp-cond-bye` (`BYE`).
fn resp_cond(i: In<'_>, untagged: bool) -> PResult<'_, StatusResponse> {
    let (rest, word) = atom_window(i)?;
    let kind = match word.as_slice() {
        w if w.eq_ignore_ascii_case(b"OK") => StatusKind::Ok,
        w if w.eq_ignore_ascii_case(b"NO") => StatusKind::No,
        w if w.eq_ignore_ascii_case(b"BAD") => StatusKind::Bad,
        w if untagged && w.eq_ignore_ascii_case(b"PREAUTH") => StatusKind::PreAuth,
        w if untagged && w.eq_ignore_ascii_case(b"BYE") => StatusKind::Bye,
        _ => return fail(i, ParseErrorKind::Expected("OK, NO or BAD")),
    };
    let rest = spaces(rest);
    let (rest, (code, text)) = resp_text(rest)?;
    let (rest, ()) = line_end(rest)?;
    Ok((rest, StatusResponse { kind, code, text }))
}

/// `resp-text-code = "ALERT" / "BADCHARSET" [SP "(" astring *(SP astring) ")" ] /
/// capability-data / "PARSE" / "PERMANENTFLAGS" SP "(" [flag-perm *(SP flag-perm)] ")" /
/// "READ-ONLY" / "READ-WRITE" / "TRYCREATE" / "UIDNEXT" SP nz-number / "UIDVALIDITY" SP
/// nz-number / "UNSEEN" SP nz-number / atom [SP 1*<any TEXT-CHAR except "]">]` and the
/// codes of RFC 4315, 5530, 7162 (`HIGHESTMODSEQ`, `NOMODSEQ`, `"MODIFIED" SP
/// sequence-set`, `CLOSED`) and 7889. A known code whose arguments don't parse is
/// kept raw as [`Code::Other`]; for PERMANENTFLAGS and BADCHARSET, whose arguments may
/// hold a `]`, only if the raw form ends where a code ends: at a `]` followed by a space or
/// the line end.
fn resp_text_code(i: In<'_>) -> PResult<'_, Code> {
    let (rest, name) = atom_l(i)?;
    if let Ok((j, code)) = known_code(name.as_str(), rest) {
        if j.first() == Some(b']') {
            return Ok((j, code));
        }
    }
    // The codes whose arguments may hold a `]` (flags with quirk `bracket-flag`, astrings).
    let bracketed = ["PERMANENTFLAGS", "BADCHARSET"].iter().any(|w| name.as_str().eq_ignore_ascii_case(w));
    // Raw: atom [SP 1*<any TEXT-CHAR except "]">]
    let (j, value) = if rest.first() == Some(b' ') {
        let v = rest.advance(1);
        let n = v.as_slice().iter().position(|&b| matches!(b, b']' | b'\r' | b'\n')).unwrap_or(v.as_slice().len());
        let (j, value) = v.split(n);
        (j, Some(value.to_bytes()))
    } else {
        (rest, None)
    };
    // Such a code cut short at a `]` inside its arguments (a flag or string holding one)
    // and glued to the text: taking it raw would turn `(a ]\Flagged)] t` into a code
    // `(a ` and a text `\Flagged)] t`, which re-encodes (with the space after `]`) as a
    // valid PERMANENTFLAGS. Not a response that can be kept faithfully: malformed.
    if bracketed && !matches!(j.as_slice(), [b']', b' ' | b'\r' | b'\n', ..] | [b']']) {
        return fail(j, ParseErrorKind::Expected("] then SP or CRLF after a malformed response code"));
    }
    Ok((j, Code::Other { name, value }))
}

/// `badurl-response-code = "BADURL" SP url-resp-text` (RFC 4469 §5), after the name;
/// `url-resp-text = 1*(%x01-09 / %x0B-0C / %x0E-5B / %x5D-FE)`.
fn badurl_response_code(i: In<'_>) -> PResult<'_, Code> {
    let (i, ()) = sp(i)?;
    let n =
        i.as_slice().iter().position(|&b| matches!(b, b']' | b'\r' | b'\n' | 0 | 0xff)).unwrap_or(i.as_slice().len());
    if n == 0 {
        return unexpected(i, "url-resp-text");
    }
    let (j, url) = i.split(n);
    Ok((j, Code::BadUrl(url.to_bytes())))
}

fn known_code<'a>(name: &str, i: In<'a>) -> PResult<'a, Code> {
    let eq = |w: &str| name.eq_ignore_ascii_case(w);
    let bare = |c: Code| Ok((i, c));
    if eq("ALERT") {
        return bare(Code::Alert);
    }
    if eq("PARSE") {
        return bare(Code::Parse);
    }
    if eq("READ-ONLY") {
        return bare(Code::ReadOnly);
    }
    if eq("READ-WRITE") {
        return bare(Code::ReadWrite);
    }
    if eq("TRYCREATE") {
        return bare(Code::TryCreate);
    }
    if eq("UIDNOTSTICKY") {
        return bare(Code::UidNotSticky);
    }
    if eq("TOOBIG") {
        return bare(Code::TooBig);
    }
    if eq("USEATTR") {
        return bare(Code::UseAttr);
    }
    if eq("COMPRESSIONACTIVE") {
        return bare(Code::CompressionActive);
    }
    if eq("NOMODSEQ") {
        return bare(Code::NoModSeq);
    }
    if eq("CLOSED") {
        return bare(Code::Closed);
    }
    if eq("NOTIFICATIONOVERFLOW") {
        return bare(Code::NotificationOverflow);
    }
    if eq("METADATA") {
        return super::metadata::metadata_code(i).map(|(j, m)| (j, Code::Metadata(m)));
    }
    if eq("URLMECH") {
        return super::urlauth::urlmech_code(i).map(|(j, m)| (j, Code::UrlMech(m)));
    }
    if eq("BADEVENT") {
        // `"BADEVENT" SP "(" event-name *(SP event-name) ")"` (RFC 5465 §8).
        let (j, ()) = sp(i)?;
        let (j, names) = super::core::paren_list(j, false, super::core::atom)?;
        return Ok((j, Code::BadEvent(names)));
    }
    if let Some((c, _)) = Rfc5530Code::ALL.iter().find(|(_, n)| eq(n)) {
        return bare(Code::Rfc5530(*c));
    }
    if eq("BADURL") {
        return badurl_response_code(i);
    }
    if eq("CAPABILITY") {
        let (j, caps) = capabilities(i)?;
        return Ok((j, Code::Capability(caps)));
    }
    if eq("BADCHARSET") {
        if i.first() != Some(b' ') {
            return bare(Code::BadCharset(Vec::new()));
        }
        let (mut j, ()) = byte(b'(', "(")(spaces(i))?;
        let mut sets = Vec::new();
        loop {
            let (k, s) = astring_l(spaces(j))?;
            sets.push(s);
            let (k, end) = list_end(k)?;
            if end {
                return Ok((k, Code::BadCharset(sets)));
            }
            j = k;
        }
    }
    if eq("PERMANENTFLAGS") {
        let (j, ()) = sp(i)?;
        let (j, ()) = byte(b'(', "(")(j)?;
        let mut j = spaces(j);
        let mut flags = Vec::new();
        if j.first() == Some(b')') {
            return Ok((j.advance(1), Code::PermanentFlags(flags)));
        }
        loop {
            let (k, f) = if j.as_slice().starts_with(b"\\*") {
                (j.advance(2), FlagPerm::Wildcard)
            } else {
                let (k, f) = flag_l(j)?;
                (k, FlagPerm::Flag(f))
            };
            flags.push(f);
            let (k, end) = list_end(k)?;
            if end {
                return Ok((k, Code::PermanentFlags(flags)));
            }
            j = k;
        }
    }
    let (j, ()) = sp(i)?;
    if eq("NOUPDATE") {
        // `"NOUPDATE" SP quoted` (RFC 5267 §5).
        return crate::codec::parse::core::quoted(j).map(|(j, t)| (j, Code::NoUpdate(t)));
    }
    if eq("UIDNEXT") {
        return number_l(j).map(|(j, n)| (j, Code::UidNext(n)));
    }
    if eq("UIDVALIDITY") {
        return number_l(j).map(|(j, n)| (j, Code::UidValidity(n)));
    }
    if eq("UNSEEN") {
        return number_l(j).map(|(j, n)| (j, Code::Unseen(n)));
    }
    if eq("HIGHESTMODSEQ") {
        return number64_l(j).map(|(j, n)| (j, Code::HighestModSeq(n)));
    }
    if eq("MODIFIED") {
        // `"MODIFIED" SP sequence-set` (RFC 7162 §7).
        return sequence_set(j).map(|(j, set)| (j, Code::Modified(set)));
    }
    if eq("MAILBOXID") {
        return objectid_paren(j).map(|(j, id)| (j, Code::MailboxId(id)));
    }
    if eq("APPENDUID") {
        let (j, uid_validity) = number_l(j)?;
        let (j, ()) = sp(j)?;
        let (j, uids) = sequence_set(j)?;
        return Ok((j, Code::AppendUid { uid_validity, uids }));
    }
    if eq("COPYUID") {
        let (j, uid_validity) = number_l(j)?;
        let (j, ()) = sp(j)?;
        let (j, source) = sequence_set(j)?;
        let (j, ()) = sp(j)?;
        let (j, destination) = sequence_set(j)?;
        return Ok((j, Code::CopyUid { uid_validity, source, destination }));
    }
    fail(i, ParseErrorKind::Expected("response code"))
}

/// `*(SP capability)` with quirk `double-space` and trailing spaces.
fn capabilities(i: In<'_>) -> PResult<'_, Vec<Capability>> {
    let mut caps = Vec::with_capacity(16);
    let mut i = i;
    loop {
        let j = spaces(i);
        if j.offset() == i.offset() || !j.first().is_some_and(|b| chars::is(b, ATOM)) {
            return Ok((i, caps));
        }
        let (k, a) = atom_l(j)?;
        caps.push(Capability::from(a));
        i = k;
    }
}

/// The quoted single character of a hierarchy delimiter, or NIL.
fn delimiter(i: In<'_>) -> PResult<'_, Option<char>> {
    if i.first() != Some(b'"') {
        let (i, ()) = nil(i)?;
        return Ok((i, None));
    }
    let (j, s) = string_l(i)?;
    match s.as_bytes() {
        [c] if c.is_ascii() => Ok((j, Some(*c as char))),
        _ => fail(i, ParseErrorKind::Expected("a one-character delimiter")),
    }
}

/// `mbx-list-flags` items: `"\" atom` (or a bare atom).
pub(crate) fn list_attribute(i: In<'_>) -> PResult<'_, ListAttribute> {
    let (rest, f) = flag_l(i)?;
    let (backslash, atom) = match f {
        crate::types::Flag::Extension(a) => (true, a),
        crate::types::Flag::Keyword(a) => (false, a),
        sys => {
            // \Flagged etc. parse as system flags; \Flagged is also a special-use attribute.
            let name = sys.system_name().expect("system flag");
            let a = crate::types::Atom::unvalidated(Bytes::from_static(&name.as_bytes()[1..]));
            (true, a)
        }
    };
    if backslash {
        if let Some((attr, _)) = ListAttribute::NAMED.iter().find(|(_, n)| atom.eq_ignore_case(&n[1..])) {
            return Ok((rest, attr.clone()));
        }
        return Ok((rest, ListAttribute::Extension(atom)));
    }
    fail(i, ParseErrorKind::Expected("\\attribute"))
}

/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP
/// mailbox [SP mbox-list-extended]`
fn mailbox_list(i: In<'_>) -> PResult<'_, ListItem> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let mut i = spaces(i);
    let mut attributes = Vec::new();
    if i.first() == Some(b')') {
        i = i.advance(1);
    } else {
        loop {
            let (j, a) = list_attribute(i)?;
            attributes.push(a);
            let (j, end) = list_end(j)?;
            i = j;
            if end {
                break;
            }
        }
    }
    let (i, ()) = sp(i)?;
    let (i, delimiter) = delimiter(i)?;
    let (i, ()) = sp(i)?;
    let (i, name) = astring_l(i)?;
    let mailbox = Mailbox::from_wire(name);
    let j = spaces(i);
    if j.offset() > i.offset() && j.first() == Some(b'(') {
        let (j, extended) = super::list::mbox_list_extended(j)?;
        return Ok((j, ListItem { attributes, delimiter, mailbox, extended }));
    }
    Ok((i, ListItem { attributes, delimiter, mailbox, extended: Vec::new() }))
}

/// `namespace = nil / "(" 1*namespace-descr ")"` (RFC 2342)
fn namespace(i: In<'_>) -> PResult<'_, Option<Vec<NamespaceDescription>>> {
    if i.first() != Some(b'(') {
        let (i, ()) = nil(i)?;
        return Ok((i, None));
    }
    let mut i = spaces(i.advance(1));
    let mut list = Vec::new();
    loop {
        if i.first() == Some(b')') {
            return Ok((i.advance(1), Some(list)));
        }
        let (j, ()) = byte(b'(', "(")(i)?;
        let (j, prefix) = string_l(spaces(j))?;
        let (j, ()) = sp(j)?;
        let (j, delimiter) = delimiter(j)?;
        // Namespace-Response-Extension: kept raw up to the closing paren of this descr.
        let start = j;
        let mut k = spaces(j);
        while k.first() != Some(b')') {
            k = super::lenient::raw_value(k, 0)?.0;
            k = spaces(k);
        }
        let ext_len = k.offset() - start.offset();
        let extensions = (ext_len > 0).then(|| start.split(ext_len).1.to_bytes());
        list.push(NamespaceDescription { prefix, delimiter, extensions });
        i = spaces(k.advance(1));
    }
}

/// `"(" *(string SP nstring) ")" / nil` (RFC 2971)
fn id_params(i: In<'_>) -> PResult<'_, Option<Vec<(crate::types::IString, crate::types::NString)>>> {
    if i.first() != Some(b'(') {
        let (i, ()) = nil(i)?;
        return Ok((i, None));
    }
    let mut i = spaces(i.advance(1));
    let mut params = Vec::new();
    if i.first() == Some(b')') {
        return Ok((i.advance(1), Some(params)));
    }
    loop {
        let (j, k) = string_l(i)?;
        let (j, ()) = sp(j)?;
        let (j, v) = nstring_l(j)?;
        params.push((k, v));
        let (j, end) = list_end(j)?;
        if end {
            return Ok((j, Some(params)));
        }
        i = j;
    }
}

/// Untagged data whose parser's failure keeps the line raw ([`Data::Other`]) instead of
/// failing the response: extensions whose payload servers vary.
#[allow(clippy::type_complexity)]
const KEPT_RAW_IF_UNREADABLE: [(&str, fn(In<'_>) -> PResult<'_, Data>); 8] = [
    ("METADATA", super::metadata::metadata_response),
    ("QUOTA", super::quota::quota_response),
    ("QUOTAROOT", super::quota::quotaroot_response),
    ("THREAD", super::sort::thread_data),
    ("ESEARCH", super::search::esearch),
    ("VANISHED", super::condstore::expunged_resp),
    ("GENURLAUTH", super::urlauth::genurlauth_data),
    ("URLFETCH", super::urlauth::urlfetch_data),
];

/// Everything after `"*" SP`.
fn untagged(i: In<'_>) -> PResult<'_, Response> {
    if i.first().is_some_and(|b| b.is_ascii_digit()) {
        return numbered(i);
    }
    let (rest, name) = atom_window(i)?;
    let n = name.as_slice();
    let eq = |w: &str| n.eq_ignore_ascii_case(w.as_bytes());
    if eq("OK") || eq("NO") || eq("BAD") || eq("PREAUTH") || eq("BYE") {
        let (j, status) = resp_cond(i, true)?;
        return Ok((j, Response::Status { tag: None, status }));
    }
    if let Some((_, parse)) = KEPT_RAW_IF_UNREADABLE.iter().find(|(n, _)| eq(n)) {
        // Extension data a server may shape its own way: kept raw rather than refused.
        let Ok((j, data)) = parse(rest) else { return other(None, Atom::unvalidated(name.to_bytes()), rest) };
        let (j, ()) = line_end(j)?;
        return Ok((j, Response::Data(data)));
    }
    let (j, data) = if eq("CAPABILITY") {
        let (j, caps) = capabilities(rest)?;
        (j, Data::Capability(caps))
    } else if eq("ENABLED") {
        let (j, caps) = capabilities(rest)?;
        (j, Data::Enabled(caps))
    } else if eq("LIST") || eq("LSUB") {
        let (j, ()) = sp(rest)?;
        let (j, item) = mailbox_list(j)?;
        (j, if eq("LIST") { Data::List(item) } else { Data::Lsub(item) })
    } else if eq("FLAGS") {
        let (j, ()) = sp(rest)?;
        let (j, ()) = byte(b'(', "(")(j)?;
        let mut j = spaces(j);
        let mut flags = Vec::new();
        if j.first() == Some(b')') {
            j = j.advance(1);
        } else {
            loop {
                let (k, f) = flag_l(j)?;
                flags.push(f);
                let (k, end) = list_end(k)?;
                j = k;
                if end {
                    break;
                }
            }
        }
        (j, Data::Flags(flags))
    } else if eq("SEARCH") {
        search(rest)?
    } else if eq("SORT") {
        let (j, d) = search(rest)?;
        (j, super::sort::sort_data(d))
    } else if eq("STATUS") {
        status(rest)?
    } else if eq("NAMESPACE") {
        let (j, ()) = sp(rest)?;
        let (j, personal) = namespace(j)?;
        let (j, ()) = sp(j)?;
        let (j, other) = namespace(j)?;
        let (j, ()) = sp(j)?;
        let (j, shared) = namespace(j)?;
        (j, Data::Namespace { personal, other, shared })
    } else if eq("ID") {
        let (j, ()) = sp(rest)?;
        let (j, params) = id_params(j)?;
        (j, Data::Id(params))
    } else {
        return other(None, Atom::unvalidated(name.to_bytes()), rest);
    };
    let (j, ()) = line_end(j)?;
    Ok((j, Response::Data(data)))
}

/// The fast path of a SEARCH or SORT line: a run of `SP number` (one space, digits, then
/// a space or the line's end), read straight off the bytes into `ids`; returns how many
/// bytes it took. It stops before anything else (two spaces, a sign, a decimal point, a
/// number past `u32`, `(MODSEQ ...)`), which the lenient path then reads or refuses.
fn plain_numbers(bytes: &[u8], ids: &mut Vec<u32>) -> usize {
    let mut at = 0;
    while bytes.get(at) == Some(&b' ') {
        let mut k = at + 1;
        let mut n: u32 = 0;
        while let Some(&d) = bytes.get(k).filter(|d| d.is_ascii_digit()) {
            match n.checked_mul(10).and_then(|n| n.checked_add(u32::from(d - b'0'))) {
                Some(v) => n = v,
                None => return at,
            }
            k += 1;
        }
        if k == at + 1 || !matches!(bytes.get(k), Some(b' ' | b'\r') | None) {
            return at;
        }
        ids.push(n);
        at = k;
    }
    at
}

/// Unknown untagged data, kept raw.
fn other<'a>(number: Option<u32>, name: crate::types::Atom, rest: In<'a>) -> PResult<'a, Response> {
    let j = spaces(rest);
    let n = line_len(j);
    let value = (n > 0).then(|| j.split(n).1.to_bytes());
    let (j, ()) = line_end(j.advance(n))?;
    Ok((j, Response::Data(Data::Other { number, name, rest: value })))
}

/// `mailbox-data =/ "SEARCH" *(SP nz-number)` and RFC 7162's `[SP search-sort-mod-seq]`.
fn search(i: In<'_>) -> PResult<'_, Data> {
    // " n" takes at least two bytes: room for every number of the line at once.
    let mut ids = Vec::with_capacity(line_len(i) / 2);
    let mut modseq = None;
    let mut i = i;
    loop {
        i = i.advance(plain_numbers(i.as_slice(), &mut ids));
        let j = spaces(i);
        if j.offset() == i.offset() {
            break;
        }
        match j.first() {
            Some(b'0'..=b'9') => {
                let (k, n) = number_l(j)?;
                ids.push(n);
                i = k;
            }
            Some(b'(') => {
                let (k, ()) = keyword(j.advance(1), "MODSEQ")?;
                let (k, ()) = sp(k)?;
                let (k, n) = number64_l(k)?;
                let (k, ()) = byte(b')', ")")(spaces(k))?;
                modseq = Some(n);
                i = k;
            }
            _ => break,
        }
    }
    Ok((i, Data::Search { ids, modseq }))
}

/// `"STATUS" SP mailbox SP "(" [status-att-list] ")"` with quirk `empty-status` (`()`),
/// and RFC 8474's `status-att-val =/ "MAILBOXID" SP "(" objectid ")"`.
fn status(i: In<'_>) -> PResult<'_, Data> {
    let (i, ()) = sp(i)?;
    let (i, name) = astring_l(i)?;
    let mailbox = Mailbox::from_wire(name);
    let (i, ()) = sp(i)?;
    let (i, ()) = byte(b'(', "(")(i)?;
    let mut i = spaces(i);
    let mut items = Vec::new();
    let mut mailbox_id = None;
    if i.first() == Some(b')') {
        return Ok((i.advance(1), Data::Status { mailbox, items, mailbox_id }));
    }
    loop {
        let (j, word) = atom_l(i)?;
        let Some(item) = StatusItem::from_name(word.as_bytes()) else {
            return fail(i, ParseErrorKind::Expected("status-att"));
        };
        let (j, ()) = sp(j)?;
        let j = if item == StatusItem::MailboxId {
            let (j, id) = objectid_paren(j)?;
            mailbox_id = Some(id);
            j
        } else {
            let (j, n) = number64_l(j)?;
            items.push((item, n));
            j
        };
        let (j, end) = list_end(j)?;
        if end {
            return Ok((j, Data::Status { mailbox, items, mailbox_id }));
        }
        i = j;
    }
}

/// Whether `message` opens as `"*" SP 1*DIGIT SP "FETCH" SP`, the plain form of an
/// untagged FETCH (lenient spacing goes the long way, through [`numbered`], to the same
/// grammar).
pub(crate) fn is_fetch(message: &[u8]) -> bool {
    let Some(rest) = message.strip_prefix(b"* ") else { return false };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    rest.get(digits..digits + 7)
        .is_some_and(|w| digits > 0 && w[0] == b' ' && w[1..6].eq_ignore_ascii_case(b"FETCH") && w[6] == b' ')
}

/// `message-data = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att))` (FETCH read by the
/// FETCH view's grammar, `codec/view/scan.rs`) and
/// `mailbox-data =/ number SP "EXISTS" / number SP "RECENT"`.
fn numbered(i: In<'_>) -> PResult<'_, Response> {
    let (j, n) = number_l(i)?;
    let (j, ()) = sp(j)?;
    let (rest, name) = atom_window(j)?;
    let w = name.as_slice();
    let data = if w.eq_ignore_ascii_case(b"EXISTS") {
        (rest, Data::Exists(n))
    } else if w.eq_ignore_ascii_case(b"RECENT") {
        (rest, Data::Recent(n))
    } else if w.eq_ignore_ascii_case(b"EXPUNGE") {
        let (_, seq) = nz_number(i)?;
        (rest, Data::Expunge(seq))
    } else if w.eq_ignore_ascii_case(b"FETCH") {
        // The FETCH grammar is written once, in the FETCH view's scanner; the owned
        // response is built from its tape.
        let src = i.source();
        return match crate::codec::view::owned_fetch_response(src) {
            Ok(rsp) => Ok((i.advance(src.len() - i.offset()), rsp)),
            Err(e) => Err(nom::Err::Error(e)),
        };
    } else {
        return other(Some(n), Atom::unvalidated(name.to_bytes()), rest);
    };
    let (k, ()) = line_end(data.0)?;
    Ok((k, Response::Data(data.1)))
}
