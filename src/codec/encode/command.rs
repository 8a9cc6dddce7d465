//! Encoding of commands (the inverse of `codec::parse::command`).

use base64::Engine;
use bytes::{Bytes, BytesMut};

use super::{EncodeOptions, Encoded, Writer};
use crate::types::chars::{self, LIST};
use crate::types::{
    AppendData, CatPart, Command, CommandBody, DateTime, FetchAttribute, FetchAttributes, Flag, ListMailbox, Macro,
    Mailbox, Partial, RawArg, RawCommand, SearchKey, Section, SectionText, StoreKind,
};

/// Encodes `cmd` into `out` and returns the fragments to send in order.
pub fn encode_command(cmd: &Command, options: &EncodeOptions, out: &mut BytesMut) -> Encoded {
    let mut w = Writer::new(out, options);
    w.raw(cmd.tag.as_bytes());
    w.sp();
    body(&mut w, &cmd.body);
    w.crlf();
    w.finish()
}

/// `atom [SP raw-args]` (see `codec::parse::raw`): each literal with the announcement it
/// came with, so a parsed raw command encodes back byte for byte.
fn raw_command(w: &mut Writer<'_>, raw: &RawCommand) {
    w.raw(raw.name().as_str().as_bytes());
    if !raw.args().is_empty() {
        w.sp();
    }
    for arg in raw.args() {
        match arg {
            RawArg::Text(t) => w.raw(t),
            RawArg::Literal { literal, mode } => w.literal_as(literal.data(), literal.is_binary(), *mode),
        }
    }
}

pub(super) fn mailbox(w: &mut Writer<'_>, m: &Mailbox) {
    w.mailbox(m);
}

pub(super) fn list_mailbox(w: &mut Writer<'_>, m: &ListMailbox) {
    if w.utf8() {
        if let Ok(std::borrow::Cow::Owned(text)) = crate::mutf7::decode(m.as_wire()) {
            if let Ok(utf8) = crate::types::IString::try_from(bytes::Bytes::from(text)) {
                return w.string(&utf8);
            }
        }
    }
    if chars::all(m.as_wire(), LIST) {
        w.raw(m.as_wire());
    } else {
        w.string(m.as_istring());
    }
}

pub(crate) fn flag_list(w: &mut Writer<'_>, flags: &[Flag]) {
    w.byte(b'(');
    for (n, f) in flags.iter().enumerate() {
        if n > 0 {
            w.sp();
        }
        w.display(f);
    }
    w.byte(b')');
}

/// `utf8-literal = "UTF8" SP "(" literal8 ")"` (RFC 6855 §4).
fn utf8_literal(w: &mut Writer<'_>, message: &Bytes) {
    w.raw(b"UTF8 (");
    w.literal(message, true);
    w.byte(b')');
}

/// `[SP flag-list] [SP date-time] SP` of an `append-message` (RFC 3502 §6), up to its data.
fn append_head(w: &mut Writer<'_>, flags: &[Flag], date: Option<&DateTime>) {
    if !flags.is_empty() {
        w.sp();
        flag_list(w, flags);
    }
    if let Some(d) = date {
        w.raw(b" \"");
        w.display(d);
        w.byte(b'"');
    }
    w.sp();
}

fn body(w: &mut Writer<'_>, b: &CommandBody) {
    use CommandBody::*;
    match b {
        Capability | Noop | Logout | StartTls | Check | Close | Expunge | Unselect | Unauthenticate | Idle
        | Namespace => w.raw(b.name().as_bytes()),
        Authenticate { mechanism, initial_response } => {
            w.raw(b"AUTHENTICATE ");
            w.raw(mechanism.as_str().as_bytes());
            if let Some(ir) = initial_response {
                w.sp();
                if ir.expose().is_empty() {
                    w.byte(b'=');
                } else {
                    w.raw(base64::engine::general_purpose::STANDARD.encode(ir.expose()).as_bytes());
                }
            }
        }
        CancelUpdate { tags } => {
            w.raw(b"CANCELUPDATE");
            for t in tags {
                w.sp();
                w.string_at(t, crate::types::StringPosition::String);
            }
        }
        Login { username, password } => {
            w.raw(b"LOGIN ");
            w.astring(username);
            w.sp();
            w.astring(password.expose());
        }
        Select { mailbox: m, params } | Examine { mailbox: m, params } => {
            w.raw(b.name().as_bytes());
            w.sp();
            mailbox(w, m);
            super::condstore::select_params(w, params);
        }
        Delete { mailbox: m } | Subscribe { mailbox: m } | Unsubscribe { mailbox: m } => {
            w.raw(b.name().as_bytes());
            w.sp();
            mailbox(w, m);
        }
        Create { mailbox: m, special_use } => {
            w.raw(b"CREATE ");
            mailbox(w, m);
            if !special_use.is_empty() {
                w.raw(b" (USE (");
                for (k, a) in special_use.iter().enumerate() {
                    if k > 0 {
                        w.sp();
                    }
                    super::response::list_attribute(w, a);
                }
                w.raw(b"))");
            }
        }
        Rename { from, to } => {
            w.raw(b"RENAME ");
            mailbox(w, from);
            w.sp();
            mailbox(w, to);
        }
        List { reference, patterns, options } => super::list::list(w, reference, patterns, options.as_ref()),
        Lsub { reference, pattern } => {
            w.raw(b"LSUB");
            w.sp();
            mailbox(w, reference);
            w.sp();
            list_mailbox(w, pattern);
        }
        Status { mailbox: m, items } => {
            w.raw(b"STATUS ");
            mailbox(w, m);
            w.raw(b" (");
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                w.raw(item.as_str().as_bytes());
            }
            w.byte(b')');
        }
        Append { mailbox: m, flags, date, message } => {
            w.raw(b"APPEND ");
            mailbox(w, m);
            append_head(w, flags, date.as_ref());
            w.literal(message.data(), message.is_binary());
        }
        MultiAppend { mailbox: m, messages } => {
            w.raw(b"APPEND ");
            mailbox(w, m);
            for msg in messages {
                append_head(w, &msg.flags, msg.date.as_ref());
                match &msg.data {
                    AppendData::Literal(l) => w.literal(l.data(), l.is_binary()),
                    AppendData::Utf8(m) => utf8_literal(w, m),
                    AppendData::Catenate(parts) => {
                        w.raw(b"CATENATE (");
                        for (k, part) in parts.iter().enumerate() {
                            if k > 0 {
                                w.sp();
                            }
                            match part {
                                CatPart::Text(l) => {
                                    w.raw(b"TEXT ");
                                    w.literal(l.data(), l.is_binary());
                                }
                                CatPart::Url(u) => {
                                    w.raw(b"URL ");
                                    w.astring(u);
                                }
                                CatPart::Utf8(m) => utf8_literal(w, m),
                            }
                        }
                        w.byte(b')');
                    }
                }
            }
        }
        UidExpunge { set } => {
            w.raw(b"UID EXPUNGE ");
            w.display(set);
        }
        Search { ret, charset, criteria, .. } => {
            w.raw(b.name().as_bytes());
            if let Some(ret) = ret {
                search_return_opts(w, ret);
            }
            if let Some(cs) = charset {
                w.raw(b" CHARSET ");
                w.astring(cs);
            }
            for key in criteria {
                w.sp();
                search_key(w, key);
            }
        }
        Fetch { set, attributes, modifiers, .. } => {
            w.raw(b.name().as_bytes());
            w.sp();
            w.display(set);
            w.sp();
            fetch_attributes(w, attributes);
            super::condstore::fetch_modifiers(w, modifiers);
        }
        Store { set, unchanged_since, kind, silent, flags, .. } => {
            w.raw(b.name().as_bytes());
            w.sp();
            w.display(set);
            super::condstore::store_modifiers(w, *unchanged_since);
            w.sp();
            match kind {
                StoreKind::Replace => {}
                StoreKind::Add => w.byte(b'+'),
                StoreKind::Remove => w.byte(b'-'),
            }
            w.raw(b"FLAGS");
            if *silent {
                w.raw(b".SILENT");
            }
            w.sp();
            flag_list(w, flags);
        }
        Copy { set, mailbox: m, .. } | Move { set, mailbox: m, .. } => {
            w.raw(b.name().as_bytes());
            w.sp();
            w.display(set);
            w.sp();
            mailbox(w, m);
        }
        Compress { algorithm } => {
            w.raw(b"COMPRESS ");
            w.raw(algorithm.as_bytes());
        }
        Enable { capabilities } => {
            w.raw(b"ENABLE");
            for c in capabilities {
                w.sp();
                w.display(c);
            }
        }
        Notify(n) => super::notify::notify(w, n),
        Sort { .. } | Thread { .. } => super::sort::command(w, b),
        GetQuota { .. } | GetQuotaRoot { .. } | SetQuota { .. } => super::quota::command(w, b),
        GetMetadata { .. } | SetMetadata { .. } => super::metadata::command(w, b),
        ResetKey { .. } | GenUrlAuth { .. } | UrlFetch { .. } => super::urlauth::command(w, b),
        Raw(raw) => raw_command(w, raw),
        Id { parameters } => {
            w.raw(b"ID ");
            id_params(w, parameters);
        }
    }
}

/// `id-params-list = "(" *(string SP nstring) ")" / nil` (RFC 2971), shared by the ID
/// command and the ID response.
pub(crate) fn id_params(w: &mut Writer<'_>, p: &Option<Vec<(crate::types::IString, crate::types::NString)>>) {
    let Some(params) = p else {
        w.raw(b"NIL");
        return;
    };
    w.byte(b'(');
    for (n, (k, v)) in params.iter().enumerate() {
        if n > 0 {
            w.sp();
        }
        w.string(k);
        w.sp();
        w.nstring(v.as_ref());
    }
    w.byte(b')');
}

pub(crate) fn section(w: &mut Writer<'_>, s: &Section) {
    w.byte(b'[');
    section_part(w, &s.part);
    if let Some(text) = &s.text {
        if !s.part.is_empty() {
            w.byte(b'.');
        }
        match text {
            SectionText::Header => w.raw(b"HEADER"),
            SectionText::Text => w.raw(b"TEXT"),
            SectionText::Mime => w.raw(b"MIME"),
            SectionText::HeaderFields(names) | SectionText::HeaderFieldsNot(names) => {
                w.raw(if matches!(text, SectionText::HeaderFields(_)) {
                    b"HEADER.FIELDS ("
                } else {
                    b"HEADER.FIELDS.NOT ("
                });
                for (n, name) in names.iter().enumerate() {
                    if n > 0 {
                        w.sp();
                    }
                    w.astring(name);
                }
                w.byte(b')');
            }
        }
    }
    w.byte(b']');
}

pub(crate) fn section_part(w: &mut Writer<'_>, part: &[std::num::NonZeroU32]) {
    for (n, p) in part.iter().enumerate() {
        if n > 0 {
            w.byte(b'.');
        }
        w.number(p.get());
    }
}

fn partial(w: &mut Writer<'_>, p: &Option<Partial>) {
    if let Some(p) = p {
        w.byte(b'<');
        w.number(p.offset);
        w.byte(b'.');
        w.number(p.length.get());
        w.byte(b'>');
    }
}

pub(super) fn fetch_attribute(w: &mut Writer<'_>, a: &FetchAttribute) {
    use FetchAttribute::*;
    match a {
        Envelope => w.raw(b"ENVELOPE"),
        Flags => w.raw(b"FLAGS"),
        InternalDate => w.raw(b"INTERNALDATE"),
        Rfc822 => w.raw(b"RFC822"),
        Rfc822Header => w.raw(b"RFC822.HEADER"),
        Rfc822Size => w.raw(b"RFC822.SIZE"),
        Rfc822Text => w.raw(b"RFC822.TEXT"),
        Body => w.raw(b"BODY"),
        BodyStructure => w.raw(b"BODYSTRUCTURE"),
        Uid => w.raw(b"UID"),
        BodySection { peek, section: s, partial: p } => {
            w.raw(if *peek { b"BODY.PEEK" } else { b"BODY" });
            section(w, s);
            partial(w, p);
        }
        Binary { peek, part, partial: p } => {
            w.raw(if *peek { b"BINARY.PEEK[" } else { b"BINARY[" });
            section_part(w, part);
            w.byte(b']');
            partial(w, p);
        }
        BinarySize { part } => {
            w.raw(b"BINARY.SIZE[");
            section_part(w, part);
            w.byte(b']');
        }
        SaveDate => w.raw(b"SAVEDATE"),
        Preview { lazy: false } => w.raw(b"PREVIEW"),
        Preview { lazy: true } => w.raw(b"PREVIEW (LAZY)"),
        EmailId => w.raw(b"EMAILID"),
        ThreadId => w.raw(b"THREADID"),
        ModSeq => w.raw(b"MODSEQ"),
    }
}

fn fetch_attributes(w: &mut Writer<'_>, a: &FetchAttributes) {
    match a {
        FetchAttributes::Macro(Macro::All) => w.raw(b"ALL"),
        FetchAttributes::Macro(Macro::Fast) => w.raw(b"FAST"),
        FetchAttributes::Macro(Macro::Full) => w.raw(b"FULL"),
        FetchAttributes::List(list) if list.len() == 1 => fetch_attribute(w, &list[0]),
        FetchAttributes::List(list) => {
            w.byte(b'(');
            for (n, a) in list.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                fetch_attribute(w, a);
            }
            w.byte(b')');
        }
    }
}

/// `search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP
/// search-return-opt)] ")"` (RFC 4466 §2.6).
pub(super) fn search_return_opts(w: &mut Writer<'_>, ret: &[crate::types::SearchReturn]) {
    w.raw(b" RETURN (");
    for (k, r) in ret.iter().enumerate() {
        if k > 0 {
            w.sp();
        }
        w.raw(r.as_str().as_bytes());
        if let crate::types::SearchReturn::Partial(range) = r {
            w.sp();
            w.display(range);
        }
    }
    w.byte(b')');
}

pub(super) fn search_key(w: &mut Writer<'_>, k: &SearchKey) {
    use SearchKey::*;
    macro_rules! with {
        ($word:literal, $f:ident, $v:expr) => {{
            w.raw($word);
            w.sp();
            w.$f($v);
        }};
    }
    match k {
        All => w.raw(b"ALL"),
        Answered => w.raw(b"ANSWERED"),
        Deleted => w.raw(b"DELETED"),
        Draft => w.raw(b"DRAFT"),
        Flagged => w.raw(b"FLAGGED"),
        New => w.raw(b"NEW"),
        Old => w.raw(b"OLD"),
        Recent => w.raw(b"RECENT"),
        Seen => w.raw(b"SEEN"),
        Unanswered => w.raw(b"UNANSWERED"),
        Undeleted => w.raw(b"UNDELETED"),
        Undraft => w.raw(b"UNDRAFT"),
        Unflagged => w.raw(b"UNFLAGGED"),
        Unseen => w.raw(b"UNSEEN"),
        Bcc(s) => with!(b"BCC", astring, s),
        Body(s) => with!(b"BODY", astring, s),
        Cc(s) => with!(b"CC", astring, s),
        From(s) => with!(b"FROM", astring, s),
        Subject(s) => with!(b"SUBJECT", astring, s),
        Text(s) => with!(b"TEXT", astring, s),
        To(s) => with!(b"TO", astring, s),
        Before(d) => with!(b"BEFORE", display, d),
        On(d) => with!(b"ON", display, d),
        Since(d) => with!(b"SINCE", display, d),
        SentBefore(d) => with!(b"SENTBEFORE", display, d),
        SentOn(d) => with!(b"SENTON", display, d),
        SentSince(d) => with!(b"SENTSINCE", display, d),
        Keyword(a) => with!(b"KEYWORD", raw, a.as_bytes()),
        Unkeyword(a) => with!(b"UNKEYWORD", raw, a.as_bytes()),
        Larger(n) => with!(b"LARGER", number, *n),
        Smaller(n) => with!(b"SMALLER", number, *n),
        Older(n) => with!(b"OLDER", number, *n),
        Younger(n) => with!(b"YOUNGER", number, *n),
        SavedBefore(d) => with!(b"SAVEDBEFORE", display, d),
        SavedOn(d) => with!(b"SAVEDON", display, d),
        SavedSince(d) => with!(b"SAVEDSINCE", display, d),
        SaveDateSupported => w.raw(b"SAVEDATESUPPORTED"),
        EmailId(id) => with!(b"EMAILID", raw, id.as_bytes()),
        ThreadId(id) => with!(b"THREADID", raw, id.as_bytes()),
        Uid(set) => with!(b"UID", display, set),
        Header(name, value) => {
            with!(b"HEADER", astring, name);
            w.sp();
            w.astring(value);
        }
        Not(inner) => {
            w.raw(b"NOT ");
            search_key(w, inner);
        }
        Or(a, b) => {
            w.raw(b"OR ");
            search_key(w, a);
            w.sp();
            search_key(w, b);
        }
        ModSeq { entry, modseq } => super::condstore::search_modsequence(w, entry.as_ref(), *modseq),
        SequenceSet(set) => w.display(set),
        And(keys) => {
            w.byte(b'(');
            for (n, key) in keys.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                search_key(w, key);
            }
            w.byte(b')');
        }
    }
}
