//! Strategies for METADATA (RFC 5464).

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;

use super::mailbox;
use crate::types::*;

fn value() -> impl Strategy<Value = Option<Bytes>> {
    proptest::option::of(vec(any::<u8>(), 0..40).prop_map(Bytes::from))
}

/// An entry name: `/private/...` or `/shared/...` (RFC 5464 §3.2).
fn name() -> impl Strategy<Value = IString> {
    "/(private|shared|PRIVATE)/[a-z]{1,8}(/[a-z0-9.]{1,8}){0,2}".prop_map(|s| IString::try_from(s).expect("astring"))
}

fn entry() -> impl Strategy<Value = MetadataEntry> {
    (name(), value())
}

/// GETMETADATA and SETMETADATA.
pub fn metadata_command() -> impl Strategy<Value = CommandBody> {
    let depth = proptest::sample::select(vec![MetadataDepth::Zero, MetadataDepth::One, MetadataDepth::Infinity]);
    let options = (proptest::option::of(any::<u32>()), proptest::option::of(depth))
        .prop_map(|(max_size, depth)| MetadataOptions { max_size, depth });
    prop_oneof![
        (options, mailbox(), vec(name(), 1..4)).prop_map(|(options, mailbox, entries)| CommandBody::GetMetadata {
            options,
            mailbox,
            entries
        }),
        (mailbox(), vec(entry(), 1..4)).prop_map(|(mailbox, entries)| CommandBody::SetMetadata { mailbox, entries }),
    ]
}

/// METADATA responses.
pub fn metadata_data() -> impl Strategy<Value = Data> {
    prop_oneof![
        (mailbox(), vec(entry(), 0..4))
            .prop_map(|(mailbox, v)| Data::Metadata { mailbox, items: MetadataItems::Values(v) }),
        (mailbox(), vec(name(), 1..4))
            .prop_map(|(mailbox, e)| Data::Metadata { mailbox, items: MetadataItems::Entries(e) }),
    ]
}
