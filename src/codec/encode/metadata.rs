//! Encoding of METADATA (RFC 5464 §5), the inverse of `codec::parse::metadata`.

use bytes::Bytes;

use super::Writer;
use crate::types::{CommandBody, Data, IString, MetadataItems};

/// `getmetadata` (options first, as the ABNF has them) and `setmetadata`; other commands
/// write nothing.
pub(super) fn command(w: &mut Writer<'_>, b: &CommandBody) {
    match b {
        CommandBody::GetMetadata { options, mailbox, entries } => {
            w.raw(b"GETMETADATA ");
            if !options.is_empty() {
                w.display(options);
                w.sp();
            }
            w.mailbox(mailbox);
            w.sp();
            match entries.as_slice() {
                [one] => w.astring(one),
                many => {
                    w.byte(b'(');
                    for (k, e) in many.iter().enumerate() {
                        if k > 0 {
                            w.sp();
                        }
                        w.astring(e);
                    }
                    w.byte(b')');
                }
            }
        }
        CommandBody::SetMetadata { mailbox, entries } => {
            w.raw(b"SETMETADATA ");
            w.mailbox(mailbox);
            w.raw(b" (");
            entry_values(w, entries);
            w.byte(b')');
        }
        _ => {}
    }
}

/// `metadata-resp`; other data writes nothing.
pub(super) fn data(w: &mut Writer<'_>, d: &Data) {
    if let Data::Metadata { mailbox, items } = d {
        w.raw(b"METADATA ");
        w.mailbox(mailbox);
        w.sp();
        match items {
            MetadataItems::Values(v) => {
                w.byte(b'(');
                entry_values(w, v);
                w.byte(b')');
            }
            MetadataItems::Entries(names) => {
                for (k, e) in names.iter().enumerate() {
                    if k > 0 {
                        w.sp();
                    }
                    w.astring(e);
                }
            }
        }
    }
}

/// `entry-value *(SP entry-value)`: a value with a NUL as `literal8`, NIL for none.
fn entry_values(w: &mut Writer<'_>, entries: &[(IString, Option<Bytes>)]) {
    for (k, (e, v)) in entries.iter().enumerate() {
        if k > 0 {
            w.sp();
        }
        w.astring(e);
        w.sp();
        w.nstring8(v.as_ref());
    }
}
