//! Strategies for response codes (`resp-text-code`).

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;

use super::{capability, flag, istring, not_named, object_id, sequence_set, tag_string, u63};
use crate::types::*;

const CODE_NAMES: &[&str] = &[
    "ALERT",
    "BADCHARSET",
    "CAPABILITY",
    "PARSE",
    "PERMANENTFLAGS",
    "READ-ONLY",
    "READ-WRITE",
    "TRYCREATE",
    "UIDNEXT",
    "UIDVALIDITY",
    "UNSEEN",
    "APPENDUID",
    "COPYUID",
    "UIDNOTSTICKY",
    "TOOBIG",
    "BADURL",
    "HIGHESTMODSEQ",
    "NOMODSEQ",
    "CLOSED",
    "NOTIFICATIONOVERFLOW",
    "BADEVENT",
    "MODIFIED",
    "UNAVAILABLE",
    "AUTHENTICATIONFAILED",
    "AUTHORIZATIONFAILED",
    "EXPIRED",
    "PRIVACYREQUIRED",
    "CONTACTADMIN",
    "NOPERM",
    "INUSE",
    "EXPUNGEISSUED",
    "CORRUPTION",
    "SERVERBUG",
    "CLIENTBUG",
    "CANNOT",
    "LIMIT",
    "OVERQUOTA",
    "ALREADYEXISTS",
    "NONEXISTENT",
];

/// Response codes.
pub fn code() -> impl Strategy<Value = Code> {
    prop_oneof![
        prop_oneof![
            Just(Code::Alert),
            Just(Code::Parse),
            Just(Code::ReadOnly),
            Just(Code::ReadWrite),
            Just(Code::TryCreate),
            Just(Code::UidNotSticky),
            Just(Code::TooBig),
            "[!-Z^-~][ -Z^-~]{0,30}".prop_map(|u| Code::BadUrl(Bytes::from(u))),
            Just(Code::NoModSeq),
            Just(Code::CompressionActive),
            Just(Code::Closed),
            Just(Code::NotificationOverflow),
            proptest::sample::select(Rfc5530Code::ALL.iter().map(|(c, _)| *c).collect::<Vec<_>>())
                .prop_map(Code::Rfc5530),
        ],
        vec(istring(), 0..3).prop_map(Code::BadCharset),
        tag_string().prop_map(Code::NoUpdate),
        vec(capability(), 0..4).prop_map(Code::Capability),
        vec(prop_oneof![flag().prop_map(FlagPerm::Flag), Just(FlagPerm::Wildcard)], 0..4)
            .prop_map(Code::PermanentFlags),
        any::<u32>().prop_map(Code::UidNext),
        any::<u32>().prop_map(Code::UidValidity),
        any::<u32>().prop_map(Code::Unseen),
        u63().prop_map(Code::HighestModSeq),
        sequence_set().prop_map(Code::Modified),
        vec(super::notify::event_name(), 1..4).prop_map(Code::BadEvent),
        object_id().prop_map(Code::MailboxId),
        prop_oneof![
            any::<u32>().prop_map(MetadataCode::LongEntries),
            any::<u32>().prop_map(MetadataCode::MaxSize),
            Just(MetadataCode::TooMany),
            Just(MetadataCode::NoPrivate),
        ]
        .prop_map(Code::Metadata),
        (super::urlmech(), vec(super::urlmech(), 0..3)).prop_map(|(first, rest)| {
            let internal = UrlMech { data: None, ..first };
            Code::UrlMech(std::iter::once(internal).chain(rest).collect())
        }),
        (any::<u32>(), sequence_set()).prop_map(|(uid_validity, uids)| Code::AppendUid { uid_validity, uids }),
        (any::<u32>(), sequence_set(), sequence_set()).prop_map(|(uid_validity, source, destination)| Code::CopyUid {
            uid_validity,
            source,
            destination
        }),
        (not_named(CODE_NAMES), proptest::option::of("[ -\\\\^-~]{0,12}"))
            .prop_map(|(name, value)| Code::Other { name, value: value.map(Bytes::from) }),
    ]
}
