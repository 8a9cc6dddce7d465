//! Strategies for QUOTA (RFC 9208).

use proptest::collection::vec;
use proptest::prelude::*;

use super::{atom, istring, mailbox};
use crate::types::*;

fn number64() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..2000, 0u64..=i64::MAX as u64]
}

/// A resource: the four of RFC 9208 §5 and other atoms.
pub fn quota_resource() -> impl Strategy<Value = QuotaResource> {
    prop_oneof![
        Just(QuotaResource::Storage),
        Just(QuotaResource::Message),
        Just(QuotaResource::Mailbox),
        Just(QuotaResource::AnnotationStorage),
        atom().prop_map(QuotaResource::from_atom),
    ]
}

/// GETQUOTA, GETQUOTAROOT and SETQUOTA.
pub fn quota_command() -> impl Strategy<Value = CommandBody> {
    prop_oneof![
        istring().prop_map(|root| CommandBody::GetQuota { root }),
        mailbox().prop_map(|mailbox| CommandBody::GetQuotaRoot { mailbox }),
        (istring(), vec((quota_resource(), number64()), 0..4))
            .prop_map(|(root, limits)| CommandBody::SetQuota { root, limits }),
    ]
}

/// QUOTA and QUOTAROOT responses.
pub fn quota_data() -> impl Strategy<Value = Data> {
    let usage = (quota_resource(), number64(), number64()).prop_map(|(resource, usage, limit)| QuotaUsage {
        resource,
        usage,
        limit,
    });
    prop_oneof![
        (istring(), vec(usage, 0..4)).prop_map(|(root, resources)| Data::Quota { root, resources }),
        (mailbox(), vec(istring(), 0..3)).prop_map(|(mailbox, roots)| Data::QuotaRoot { mailbox, roots }),
    ]
}
