//! Encoding of SORT and THREAD (RFC 5256 §5, RFC 5267 §3), the inverse of
//! `codec::parse::sort`.

use super::command::{search_key, search_return_opts};
use super::Writer;
use crate::types::{CommandBody, Data};

/// `sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP search-criteria`
/// and `thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria`. Other commands
/// write nothing.
pub(super) fn command(w: &mut Writer<'_>, b: &CommandBody) {
    match b {
        CommandBody::Sort { ret, sort, charset, criteria, .. } => {
            w.raw(b.name().as_bytes());
            if let Some(ret) = ret {
                search_return_opts(w, ret);
            }
            w.raw(b" (");
            for (k, c) in sort.iter().enumerate() {
                if k > 0 {
                    w.sp();
                }
                if c.reverse {
                    w.raw(b"REVERSE ");
                }
                w.raw(c.key.as_str().as_bytes());
            }
            w.byte(b')');
            w.sp();
            w.astring(charset);
            for key in criteria {
                w.sp();
                search_key(w, key);
            }
        }
        CommandBody::Thread { algorithm, charset, criteria, .. } => {
            w.raw(b.name().as_bytes());
            w.sp();
            w.raw(algorithm.as_str().as_bytes());
            w.sp();
            w.astring(charset);
            for key in criteria {
                w.sp();
                search_key(w, key);
            }
        }
        _ => {}
    }
}

/// `sort-data = "SORT" *(SP nz-number)` (with RFC 7162's `(MODSEQ n)`) and
/// `thread-data = "THREAD" [SP 1*thread-list]`. Other data writes nothing.
pub(super) fn data(w: &mut Writer<'_>, d: &Data) {
    match d {
        Data::Sort { ids, modseq } => super::response::numbers(w, b"SORT", ids, *modseq),
        Data::Thread(threads) => {
            w.raw(b"THREAD");
            if !threads.is_empty() {
                w.sp();
            }
            for t in threads {
                // `thread-list`, written without recursion (`Thread`'s Display).
                w.display(t);
            }
        }
        _ => {}
    }
}
