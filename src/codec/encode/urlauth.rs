//! Encoding of URLAUTH (RFC 4467 §9), the inverse of `codec::parse::urlauth`. URLs are
//! astrings in the grammar; they are written quoted (or as literals), as the RFC's
//! examples and Dovecot write them.

use super::Writer;
use crate::types::{CommandBody, Data, UrlMech};

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
            for url in urls {
                w.sp();
                w.string(url);
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
                w.nstring(data.as_ref());
            }
        }
        _ => {}
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
