//! Encoding of URLAUTH (RFC 4467 §9), the inverse of `codec::parse::urlauth`. URLs are
//! astrings in the grammar; they are written quoted (or as literals), as the RFC's
//! examples and Dovecot write them.

use super::Writer;
use crate::types::{CommandBody, Data, UrlFetchBody, UrlFetchData, UrlFetchParam, UrlMech};

/// `resetkey`, `genurlauth` and `urlfetch`; other commands write nothing.
pub(super) fn command(w: &mut Writer<'_>, b: &CommandBody) {
    match b {
        CommandBody::ResetKey { mailbox, mechanisms } => {
            w.raw(b"RESETKEY");
            if let Some(m) = mailbox {
                w.sp();
                w.mailbox(m);
                for mech in mechanisms {
                    w.sp();
                    w.raw(mech.as_bytes());
                }
            }
        }
        CommandBody::GenUrlAuth { urls } => {
            w.raw(b"GENURLAUTH");
            for (url, mech) in urls {
                w.sp();
                w.string(url);
                w.sp();
                w.raw(mech.as_bytes());
            }
        }
        CommandBody::UrlFetch { urls } => {
            w.raw(b"URLFETCH");
            for arg in urls {
                w.sp();
                let Some(params) = &arg.params else {
                    w.string(&arg.url);
                    continue;
                };
                w.byte(b'(');
                w.string(&arg.url);
                for p in params {
                    w.sp();
                    match p {
                        UrlFetchParam::Body => w.raw(b"BODY"),
                        UrlFetchParam::Binary => w.raw(b"BINARY"),
                        UrlFetchParam::BodyPartStructure => w.raw(b"BODYPARTSTRUCTURE"),
                        UrlFetchParam::Other(a) => w.raw(a.as_bytes()),
                    }
                }
                w.byte(b')');
            }
        }
        _ => {}
    }
}

/// `genurlauth-data` and `urlfetch-data`; other data writes nothing.
pub(super) fn data(w: &mut Writer<'_>, d: &Data) {
    match d {
        Data::GenUrlAuth(urls) => {
            w.raw(b"GENURLAUTH");
            for url in urls {
                w.sp();
                w.string(url);
            }
        }
        Data::UrlFetch(urls) => {
            w.raw(b"URLFETCH");
            for (url, data) in urls {
                w.sp();
                w.string(url);
                w.sp();
                url_fetch_data(w, data);
            }
        }
        _ => {}
    }
}

/// `nstring` or RFC 5524's `"(" ["BODYPARTSTRUCTURE" SP body] [SP] [("BODY" SP nstring) /
/// ("BINARY" SP (nstring / literal8))] ")"`, in Dovecot's order.
fn url_fetch_data(w: &mut Writer<'_>, d: &UrlFetchData) {
    match d {
        UrlFetchData::Plain(s) => w.nstring(s.as_ref()),
        UrlFetchData::Extended { body_part_structure, body } => {
            w.byte(b'(');
            if let Some(b) = body_part_structure {
                w.raw(b"BODYPARTSTRUCTURE ");
                super::body::body(w, b);
            }
            if let Some(data) = body {
                if body_part_structure.is_some() {
                    w.sp();
                }
                match data {
                    UrlFetchBody::Body(s) => {
                        w.raw(b"BODY ");
                        w.nstring(s.as_ref());
                    }
                    UrlFetchBody::Binary(b) => {
                        w.raw(b"BINARY ");
                        w.nstring8(b.as_ref());
                    }
                }
            }
            w.byte(b')');
        }
    }
}

/// `"URLMECH" SP "INTERNAL" *(SP mechanism ["=" base64])`.
pub(super) fn urlmech(w: &mut Writer<'_>, mechs: &[UrlMech]) {
    w.raw(b"URLMECH");
    for m in mechs {
        w.sp();
        w.display(m);
    }
}
