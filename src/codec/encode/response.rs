//! Encoding of responses (the inverse of `codec::parse::response`), strictly: the encoder
//! never writes any of the lenient forms the parser accepts.

use base64::Engine;
use bytes::BytesMut;

use super::body::{body, envelope};
use super::command::{flag_list, id_params, section, section_part};
use super::{Encoded, Writer};
use crate::types::{
    Code, Continue, Data, FetchItem, FlagFetch, FlagPerm, ListItem, Mailbox, NamespaceDescription, Response, Section,
    StatusResponse, Text,
};

/// Encodes `rsp` into `out` and returns the fragments to send in order. Literals up to
/// 4 KiB are copied inline; larger payloads are their own zero-copy fragments.
pub fn encode_response(rsp: &Response, out: &mut BytesMut) -> Encoded {
    encode_response_with(rsp, false, out)
}

/// [`encode_response`] for a client that enabled UTF-8 (IMAP4rev2 or UTF8=ACCEPT): mailbox
/// names in UTF-8 and UTF-8 strings quoted ([`super::EncodeOptions::utf8`]).
pub fn encode_response_with(rsp: &Response, utf8: bool, out: &mut BytesMut) -> Encoded {
    let mut w = Writer::for_response(out, utf8);
    response(&mut w, rsp);
    w.finish()
}

/// The item whose value a streamed FETCH response sends in pieces
/// ([`encode_fetch_head`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamedItem {
    /// `BODY[section]<origin>` (RFC 3501 §7.4.2; `BODY.PEEK` is answered as `BODY`).
    BodySection {
        /// The section.
        section: Section,
        /// The partial's origin octet, if it was a partial.
        origin: Option<u32>,
    },
    /// `RFC822`: the whole message.
    Rfc822,
}

/// The head of an untagged FETCH response whose last item's value is a literal of `len`
/// octets that the caller sends after it, in pieces, so that a large message is never
/// whole in memory (RFC 3501 §7.4.2 `msg-att`, §4.3 literals):
///
/// ```text
/// "*" SP nz-number SP "FETCH" SP "(" *(msg-att SP) section-item SP "{" number "}" CRLF
/// ```
///
/// The response goes on after the literal's octets with [`encode_fetch_tail`]. Head,
/// octets and tail are what [`encode_response`] writes for the `Data::Fetch` with the
/// streamed item between the items of both ([`crate::server::Server::begin_fetch_literal`]
/// does all of it).
pub fn encode_fetch_head(
    seq: std::num::NonZeroU32,
    items: &[FetchItem],
    last: &StreamedItem,
    len: u64,
    utf8: bool,
    out: &mut BytesMut,
) -> Encoded {
    let mut w = Writer::for_response(out, utf8);
    w.raw(b"* ");
    w.number(seq.get());
    w.raw(b" FETCH (");
    for item in items {
        fetch_item(&mut w, item);
        w.sp();
    }
    match last {
        StreamedItem::BodySection { section: s, origin: o } => {
            w.raw(b"BODY");
            section(&mut w, s);
            origin(&mut w, *o);
        }
        StreamedItem::Rfc822 => w.raw(b"RFC822"),
    }
    w.raw(b" {");
    w.number(len);
    w.raw(b"}\r\n");
    w.finish()
}

/// The end of a FETCH response after a streamed literal ([`encode_fetch_head`]): the
/// remaining items, then `")" CRLF`.
///
/// ```text
/// *(SP msg-att) ")" CRLF
/// ```
pub fn encode_fetch_tail(items: &[FetchItem], utf8: bool, out: &mut BytesMut) -> Encoded {
    let mut w = Writer::for_response(out, utf8);
    for item in items {
        w.sp();
        fetch_item(&mut w, item);
    }
    w.raw(b")\r\n");
    w.finish()
}

fn response(w: &mut Writer<'_>, rsp: &Response) {
    match rsp {
        Response::Status { tag, status: s } => {
            match tag {
                Some(t) => w.raw(t.as_bytes()),
                None => w.byte(b'*'),
            }
            w.sp();
            status(w, s);
        }
        Response::Continue(Continue::Basic { code: c, text: t }) => {
            w.raw(b"+ ");
            resp_text(w, c.as_ref(), t);
        }
        Response::Continue(Continue::Base64(data)) => {
            w.raw(b"+ ");
            w.raw(base64::engine::general_purpose::STANDARD.encode(data).as_bytes());
        }
        Response::Data(d) => {
            w.raw(b"* ");
            data(w, d);
        }
    }
    w.crlf();
}

fn status(w: &mut Writer<'_>, s: &StatusResponse) {
    w.raw(s.kind.as_str().as_bytes());
    w.sp();
    resp_text(w, s.code.as_ref(), &s.text);
}

/// `resp-text = ["[" resp-text-code "]" SP] text`
fn resp_text(w: &mut Writer<'_>, c: Option<&Code>, text: &Text) {
    if let Some(c) = c {
        w.byte(b'[');
        code(w, c);
        w.byte(b']');
        if !text.is_empty() {
            w.sp();
        }
    }
    w.raw(text.as_bytes());
}

fn capabilities(w: &mut Writer<'_>, caps: &[crate::types::Capability]) {
    for c in caps {
        w.sp();
        w.display(c);
    }
}

fn code(w: &mut Writer<'_>, c: &Code) {
    match c {
        Code::Alert => w.raw(b"ALERT"),
        Code::BadCharset(sets) => {
            w.raw(b"BADCHARSET");
            if !sets.is_empty() {
                w.raw(b" (");
                for (n, s) in sets.iter().enumerate() {
                    if n > 0 {
                        w.sp();
                    }
                    w.astring(s);
                }
                w.byte(b')');
            }
        }
        Code::Capability(caps) => {
            w.raw(b"CAPABILITY");
            capabilities(w, caps);
        }
        Code::Parse => w.raw(b"PARSE"),
        Code::PermanentFlags(flags) => {
            w.raw(b"PERMANENTFLAGS (");
            for (n, f) in flags.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                match f {
                    FlagPerm::Flag(f) => w.display(f),
                    FlagPerm::Wildcard => w.raw(b"\\*"),
                }
            }
            w.byte(b')');
        }
        Code::ReadOnly => w.raw(b"READ-ONLY"),
        Code::ReadWrite => w.raw(b"READ-WRITE"),
        Code::TryCreate => w.raw(b"TRYCREATE"),
        Code::UidNext(n) => {
            w.raw(b"UIDNEXT ");
            w.number(*n);
        }
        Code::UidValidity(n) => {
            w.raw(b"UIDVALIDITY ");
            w.number(*n);
        }
        Code::Unseen(n) => {
            w.raw(b"UNSEEN ");
            w.number(*n);
        }
        Code::AppendUid { uid_validity, uids } => {
            w.raw(b"APPENDUID ");
            w.number(*uid_validity);
            w.sp();
            w.display(uids);
        }
        Code::CopyUid { uid_validity, source, destination } => {
            w.raw(b"COPYUID ");
            w.number(*uid_validity);
            w.sp();
            w.display(source);
            w.sp();
            w.display(destination);
        }
        Code::UidNotSticky => w.raw(b"UIDNOTSTICKY"),
        Code::TooBig => w.raw(b"TOOBIG"),
        Code::UseAttr => w.raw(b"USEATTR"),
        Code::CompressionActive => w.raw(b"COMPRESSIONACTIVE"),
        Code::BadUrl(url) => {
            w.raw(b"BADURL ");
            w.raw(url);
        }
        Code::HighestModSeq(n) => {
            w.raw(b"HIGHESTMODSEQ ");
            w.number(*n);
        }
        Code::NoModSeq => w.raw(b"NOMODSEQ"),
        Code::Metadata(m) => w.display(m),
        Code::UrlMech(m) => super::urlauth::urlmech(w, m),
        Code::Closed => w.raw(b"CLOSED"),
        Code::NotificationOverflow => w.raw(b"NOTIFICATIONOVERFLOW"),
        Code::BadEvent(names) => {
            w.raw(b"BADEVENT (");
            for (k, n) in names.iter().enumerate() {
                if k > 0 {
                    w.sp();
                }
                w.raw(n.as_str().as_bytes());
            }
            w.byte(b')');
        }
        Code::Modified(set) => super::condstore::modified(w, set),
        Code::NoUpdate(t) => {
            w.raw(b"NOUPDATE ");
            w.quoted(t.as_bytes());
        }
        Code::MailboxId(id) => {
            w.raw(b"MAILBOXID (");
            w.raw(id.as_bytes());
            w.byte(b')');
        }
        Code::Rfc5530(c) => w.raw(c.as_str().as_bytes()),
        Code::Other { name, value } => {
            w.raw(name.as_bytes());
            if let Some(v) = value {
                w.sp();
                w.raw(v);
            }
        }
    }
}

fn delimiter(w: &mut Writer<'_>, d: Option<char>) {
    match d {
        None => w.raw(b"NIL"),
        Some(c) => {
            let mut buf = [0u8; 4];
            w.quoted(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// `ret-data-addto` / `ret-data-removefrom` (RFC 5267 §5) after `head`.
fn context_updates(w: &mut Writer<'_>, head: &[u8], v: &[(u32, crate::types::SequenceSet)]) {
    w.raw(head);
    for (k, (pos, set)) in v.iter().enumerate() {
        if k > 0 {
            w.sp();
        }
        w.number(*pos);
        w.sp();
        w.display(set);
    }
    w.byte(b')');
}

fn mailbox(w: &mut Writer<'_>, m: &Mailbox) {
    w.mailbox(m);
}

/// `mbx-list-flags` item: `"\\" atom`.
pub(crate) fn list_attribute(w: &mut Writer<'_>, a: &crate::types::ListAttribute) {
    match a {
        crate::types::ListAttribute::Extension(atom) => {
            w.byte(b'\\');
            w.raw(atom.as_bytes());
        }
        named => {
            let name = crate::types::ListAttribute::NAMED.iter().find(|(x, _)| x == named).map(|(_, n)| *n);
            w.raw(name.expect("named attribute").as_bytes());
        }
    }
}

fn list_item(w: &mut Writer<'_>, item: &ListItem) {
    w.byte(b'(');
    for (n, a) in item.attributes.iter().enumerate() {
        if n > 0 {
            w.sp();
        }
        list_attribute(w, a);
    }
    w.raw(b") ");
    delimiter(w, item.delimiter);
    w.sp();
    mailbox(w, &item.mailbox);
    super::list::mbox_list_extended(w, &item.extended);
}

fn namespace(w: &mut Writer<'_>, ns: &Option<Vec<NamespaceDescription>>) {
    let Some(list) = ns else {
        w.raw(b"NIL");
        return;
    };
    w.byte(b'(');
    for d in list {
        w.byte(b'(');
        w.string(&d.prefix);
        w.sp();
        delimiter(w, d.delimiter);
        if let Some(ext) = &d.extensions {
            w.raw(ext);
        }
        w.byte(b')');
    }
    w.byte(b')');
}

fn data(w: &mut Writer<'_>, d: &Data) {
    match d {
        Data::Capability(caps) => {
            w.raw(b"CAPABILITY");
            capabilities(w, caps);
        }
        Data::Enabled(caps) => {
            w.raw(b"ENABLED");
            capabilities(w, caps);
        }
        Data::List(item) => {
            w.raw(b"LIST ");
            list_item(w, item);
        }
        Data::Lsub(item) => {
            w.raw(b"LSUB ");
            list_item(w, item);
        }
        Data::Status { mailbox: m, items, mailbox_id } => {
            w.raw(b"STATUS ");
            mailbox(w, m);
            w.raw(b" (");
            for (n, (item, v)) in items.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                w.raw(item.as_str().as_bytes());
                w.sp();
                w.number(*v);
            }
            if let Some(id) = mailbox_id {
                if !items.is_empty() {
                    w.sp();
                }
                w.raw(b"MAILBOXID (");
                w.raw(id.as_bytes());
                w.byte(b')');
            }
            w.byte(b')');
        }
        Data::ESearch { tag, uid, results } => {
            w.raw(b"ESEARCH");
            if let Some(t) = tag {
                w.raw(b" (TAG ");
                w.string(t);
                w.byte(b')');
            }
            if *uid {
                w.raw(b" UID");
            }
            for r in results {
                match r {
                    crate::types::SearchResult::Min(n) => {
                        w.raw(b" MIN ");
                        w.number(*n);
                    }
                    crate::types::SearchResult::Max(n) => {
                        w.raw(b" MAX ");
                        w.number(*n);
                    }
                    crate::types::SearchResult::Count(n) => {
                        w.raw(b" COUNT ");
                        w.number(*n);
                    }
                    crate::types::SearchResult::ModSeq(n) => {
                        w.raw(b" MODSEQ ");
                        w.number(*n);
                    }
                    crate::types::SearchResult::All(set) => {
                        w.raw(b" ALL ");
                        w.display(set);
                    }
                    crate::types::SearchResult::Partial { range, results } => {
                        w.raw(b" PARTIAL (");
                        w.display(range);
                        w.sp();
                        match results {
                            Some(set) => w.display(set),
                            None => w.raw(b"NIL"),
                        }
                        w.byte(b')');
                    }
                    crate::types::SearchResult::AddTo(v) => context_updates(w, b" ADDTO (", v),
                    crate::types::SearchResult::RemoveFrom(v) => context_updates(w, b" REMOVEFROM (", v),
                }
            }
        }
        Data::Sort { .. } | Data::Thread(_) => super::sort::data(w, d),
        Data::Quota { .. } | Data::QuotaRoot { .. } => super::quota::data(w, d),
        Data::Metadata { .. } => super::metadata::data(w, d),
        Data::GenUrlAuth(_) | Data::UrlFetch(_) => super::urlauth::data(w, d),
        Data::Search { ids, modseq } => numbers(w, b"SEARCH", ids, *modseq),
        Data::Flags(flags) => {
            w.raw(b"FLAGS ");
            flag_list(w, flags);
        }
        Data::Exists(n) => {
            w.number(*n);
            w.raw(b" EXISTS");
        }
        Data::Recent(n) => {
            w.number(*n);
            w.raw(b" RECENT");
        }
        Data::Expunge(n) => {
            w.number(n.get());
            w.raw(b" EXPUNGE");
        }
        Data::Fetch { seq, items } => {
            w.number(seq.get());
            w.raw(b" FETCH (");
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                fetch_item(w, item);
            }
            w.byte(b')');
        }
        Data::Namespace { personal, other, shared } => {
            w.raw(b"NAMESPACE ");
            namespace(w, personal);
            w.sp();
            namespace(w, other);
            w.sp();
            namespace(w, shared);
        }
        Data::Vanished { earlier, uids } => super::condstore::expunged_resp(w, *earlier, uids),
        Data::Id(params) => {
            w.raw(b"ID ");
            id_params(w, params);
        }
        Data::Other { number, name, rest } => {
            if let Some(n) = number {
                w.number(*n);
                w.sp();
            }
            w.raw(name.as_bytes());
            if let Some(r) = rest {
                w.sp();
                w.raw(r);
            }
        }
    }
}

fn origin(w: &mut Writer<'_>, o: Option<u32>) {
    if let Some(o) = o {
        w.byte(b'<');
        w.number(o);
        w.byte(b'>');
    }
}

fn fetch_item(w: &mut Writer<'_>, item: &FetchItem) {
    match item {
        FetchItem::Flags(flags) => {
            w.raw(b"FLAGS (");
            for (n, f) in flags.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                match f {
                    FlagFetch::Flag(f) => w.display(f),
                    FlagFetch::Recent => w.raw(b"\\Recent"),
                }
            }
            w.byte(b')');
        }
        FetchItem::InternalDate(d) => {
            w.raw(b"INTERNALDATE \"");
            w.display(d);
            w.byte(b'"');
        }
        FetchItem::Rfc822Size(n) => {
            w.raw(b"RFC822.SIZE ");
            w.number(*n);
        }
        FetchItem::Uid(n) => {
            w.raw(b"UID ");
            w.number(*n);
        }
        FetchItem::Envelope(e) => {
            w.raw(b"ENVELOPE ");
            envelope(w, e);
        }
        FetchItem::Body(b) => {
            w.raw(b"BODY ");
            body(w, b);
        }
        FetchItem::BodyStructure(b) => {
            w.raw(b"BODYSTRUCTURE ");
            body(w, b);
        }
        FetchItem::BodySection { section: s, origin: o, data } => {
            w.raw(b"BODY");
            section(w, s);
            origin(w, *o);
            w.sp();
            w.nstring(data.as_ref());
        }
        FetchItem::Rfc822(s) => {
            w.raw(b"RFC822 ");
            w.nstring(s.as_ref());
        }
        FetchItem::Rfc822Header(s) => {
            w.raw(b"RFC822.HEADER ");
            w.nstring(s.as_ref());
        }
        FetchItem::Rfc822Text(s) => {
            w.raw(b"RFC822.TEXT ");
            w.nstring(s.as_ref());
        }
        FetchItem::Binary { part, origin: o, data } => {
            w.raw(b"BINARY[");
            section_part(w, part);
            w.byte(b']');
            origin(w, *o);
            w.sp();
            w.nstring8(data.as_ref());
        }
        FetchItem::BinarySize { part, size } => {
            w.raw(b"BINARY.SIZE[");
            section_part(w, part);
            w.raw(b"] ");
            w.number(*size);
        }
        FetchItem::ModSeq(n) => {
            w.raw(b"MODSEQ (");
            w.number(*n);
            w.byte(b')');
        }
        FetchItem::SaveDate(d) => match d {
            Some(d) => {
                w.raw(b"SAVEDATE \"");
                w.display(d);
                w.byte(b'"');
            }
            None => w.raw(b"SAVEDATE NIL"),
        },
        FetchItem::Preview(p) => {
            w.raw(b"PREVIEW ");
            w.nstring(p.as_ref());
        }
        FetchItem::EmailId(id) => {
            w.raw(b"EMAILID (");
            w.raw(id.as_bytes());
            w.byte(b')');
        }
        FetchItem::ThreadId(id) => match id {
            Some(id) => {
                w.raw(b"THREADID (");
                w.raw(id.as_bytes());
                w.byte(b')');
            }
            None => w.raw(b"THREADID NIL"),
        },
        FetchItem::GmailMessageId(n) => {
            w.raw(b"X-GM-MSGID ");
            w.number(*n);
        }
        FetchItem::GmailThreadId(n) => {
            w.raw(b"X-GM-THRID ");
            w.number(*n);
        }
        FetchItem::GmailLabels(labels) => {
            w.raw(b"X-GM-LABELS (");
            for (n, l) in labels.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                if l.as_bytes().starts_with(b"\\") {
                    w.raw(l.as_bytes());
                } else {
                    w.astring(l);
                }
            }
            w.byte(b')');
        }
        FetchItem::Other { name, value } => {
            w.raw(name);
            w.sp();
            w.raw(value);
        }
    }
}

/// `name *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]`: SEARCH's and
/// SORT's data (RFC 3501 §7.2.5, RFC 5256 §5, RFC 7162 §3.1.5).
pub(super) fn numbers(w: &mut Writer<'_>, name: &[u8], ids: &[u32], modseq: Option<u64>) {
    w.raw(name);
    for id in ids {
        w.sp();
        w.number(*id);
    }
    if let Some(m) = modseq {
        w.raw(b" (MODSEQ ");
        w.number(m);
        w.byte(b')');
    }
}
