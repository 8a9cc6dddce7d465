//! Encoding of QUOTA (RFC 9208 §7), the inverse of `codec::parse::quota`.

use super::Writer;
use crate::types::{CommandBody, Data};

/// `getquota`, `getquotaroot` and `setquota`; other commands write nothing.
pub(super) fn command(w: &mut Writer<'_>, b: &CommandBody) {
    match b {
        CommandBody::GetQuota { root } => {
            w.raw(b"GETQUOTA ");
            w.astring(root);
        }
        CommandBody::GetQuotaRoot { mailbox } => {
            w.raw(b"GETQUOTAROOT ");
            w.mailbox(mailbox);
        }
        CommandBody::SetQuota { root, limits } => {
            w.raw(b"SETQUOTA ");
            w.astring(root);
            w.raw(b" (");
            for (k, (resource, limit)) in limits.iter().enumerate() {
                if k > 0 {
                    w.sp();
                }
                w.raw(resource.as_str().as_bytes());
                w.sp();
                w.number(*limit);
            }
            w.byte(b')');
        }
        _ => {}
    }
}

/// `quota-response` and `quotaroot-response`; other data writes nothing.
pub(super) fn data(w: &mut Writer<'_>, d: &Data) {
    match d {
        Data::Quota { root, resources } => {
            w.raw(b"QUOTA ");
            w.astring(root);
            w.raw(b" (");
            for (k, r) in resources.iter().enumerate() {
                if k > 0 {
                    w.sp();
                }
                w.display(r);
            }
            w.byte(b')');
        }
        Data::QuotaRoot { mailbox, roots } => {
            w.raw(b"QUOTAROOT ");
            w.mailbox(mailbox);
            for r in roots {
                w.sp();
                w.astring(r);
            }
        }
        _ => {}
    }
}
