//! Encoding of ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 §9 `envelope`, `body`).

use super::Writer;
use crate::types::{Address, BodyExtension, BodyStructure, Envelope, ExtensionTail, IString, NString, SpecificFields};

fn address_list(w: &mut Writer<'_>, list: &[Address]) {
    if list.is_empty() {
        w.raw(b"NIL");
        return;
    }
    w.byte(b'(');
    for a in list {
        w.byte(b'(');
        w.nstring(a.name.as_ref());
        w.sp();
        w.nstring(a.adl.as_ref());
        w.sp();
        w.nstring(a.mailbox.as_ref());
        w.sp();
        w.nstring(a.host.as_ref());
        w.byte(b')');
    }
    w.byte(b')');
}

/// `envelope`
pub(crate) fn envelope(w: &mut Writer<'_>, e: &Envelope) {
    w.byte(b'(');
    w.nstring(e.date.as_ref());
    w.sp();
    w.nstring(e.subject.as_ref());
    for list in [&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc] {
        w.sp();
        address_list(w, list);
    }
    w.sp();
    w.nstring(e.in_reply_to.as_ref());
    w.sp();
    w.nstring(e.message_id.as_ref());
    w.byte(b')');
}

fn params(w: &mut Writer<'_>, p: &[(IString, IString)]) {
    if p.is_empty() {
        w.raw(b"NIL");
        return;
    }
    w.byte(b'(');
    for (n, (k, v)) in p.iter().enumerate() {
        if n > 0 {
            w.sp();
        }
        w.string(k);
        w.sp();
        w.string(v);
    }
    w.byte(b')');
}

fn nstr(w: &mut Writer<'_>, s: &NString) {
    w.nstring(s.as_ref());
}

fn extension(w: &mut Writer<'_>, e: &BodyExtension) {
    match e {
        BodyExtension::String(s) => nstr(w, s),
        BodyExtension::Number(n) => w.number(*n),
        BodyExtension::List(list) => {
            w.byte(b'(');
            for (n, x) in list.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                extension(w, x);
            }
            w.byte(b')');
        }
    }
}

fn tail(w: &mut Writer<'_>, t: &ExtensionTail) {
    let Some(dsp) = &t.disposition else { return };
    w.sp();
    match dsp {
        None => w.raw(b"NIL"),
        Some(d) => {
            w.byte(b'(');
            w.string(&d.kind);
            w.sp();
            params(w, &d.parameters);
            w.byte(b')');
        }
    }
    let Some(lang) = &t.language else { return };
    w.sp();
    match lang {
        None => w.raw(b"NIL"),
        Some(l) if l.len() == 1 => w.string(&l[0]),
        Some(l) => {
            w.byte(b'(');
            for (n, s) in l.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                w.string(s);
            }
            w.byte(b')');
        }
    }
    let Some(loc) = &t.location else { return };
    w.sp();
    nstr(w, loc);
    for e in &t.extensions {
        w.sp();
        extension(w, e);
    }
}

/// `body`
pub(crate) fn body(w: &mut Writer<'_>, b: &BodyStructure) {
    w.byte(b'(');
    match b {
        BodyStructure::Single { media_type, subtype, fields, specific, extension } => {
            w.string(media_type);
            w.sp();
            w.string(subtype);
            w.sp();
            params(w, &fields.parameters);
            w.sp();
            nstr(w, &fields.id);
            w.sp();
            nstr(w, &fields.description);
            w.sp();
            w.string(&fields.encoding);
            w.sp();
            w.number(fields.octets);
            match specific {
                SpecificFields::Basic => {}
                SpecificFields::Text { lines } => {
                    w.sp();
                    w.number(*lines);
                }
                SpecificFields::Message { envelope: e, body: inner, lines } => {
                    w.sp();
                    envelope(w, e);
                    w.sp();
                    body(w, inner);
                    w.sp();
                    w.number(*lines);
                }
            }
            if let Some(ext) = extension {
                w.sp();
                nstr(w, &ext.md5);
                tail(w, &ext.tail);
            }
        }
        BodyStructure::Multipart { parts, subtype, extension } => {
            for p in parts {
                body(w, p);
            }
            w.sp();
            w.string(subtype);
            if let Some(ext) = extension {
                w.sp();
                params(w, &ext.parameters);
                tail(w, &ext.tail);
            }
        }
    }
    w.byte(b')');
}
