//! proptest strategies for every protocol value, shared by the round-trip tests.

use std::num::NonZeroU32;

use bytes::Bytes;
use chrono::{NaiveDate, NaiveTime};
use proptest::collection::vec;
use proptest::prelude::*;

use super::chars::{self, ASTRING, ATOM, LIST, TAG};
use super::*;

/// Non-empty byte strings drawn from one character class.
pub(crate) fn class_bytes(mask: u8, max: usize) -> impl Strategy<Value = Bytes> {
    let alphabet: Vec<u8> = (0u8..=255).filter(|b| chars::is(*b, mask)).collect();
    vec(proptest::sample::select(alphabet), 1..max).prop_map(Bytes::from)
}

pub(crate) fn tag() -> impl Strategy<Value = Tag> {
    class_bytes(TAG, 10).prop_map(|b| Tag::try_from(b).unwrap())
}

pub(crate) fn atom() -> impl Strategy<Value = Atom> {
    class_bytes(ATOM, 12).prop_map(|b| Atom::try_from(b).unwrap())
}

/// String content of every shape: atoms, text needing quotes, 8-bit and CRLF (literals),
/// empty, and long.
pub(crate) fn istring() -> impl Strategy<Value = IString> {
    prop_oneof![
        class_bytes(ASTRING, 12),
        "[ -~]{0,20}".prop_map(Bytes::from),
        vec(1u8..=255, 0..30).prop_map(Bytes::from),
        Just(Bytes::from_static(b"NIL")),
        Just(Bytes::from(vec![b'q'; 1500])),
    ]
    .prop_map(|b| IString::try_from(b).unwrap())
}

pub(crate) fn nstring() -> impl Strategy<Value = NString> {
    proptest::option::of(istring())
}

pub(crate) fn mailbox() -> impl Strategy<Value = Mailbox> {
    prop_oneof![
        Just(Mailbox::Inbox),
        Just(Mailbox::from_wire(IString::from_static("iNbOx"))),
        istring().prop_map(Mailbox::from_wire),
        "\\PC{0,12}".prop_map(|s| Mailbox::from_utf8(&s).unwrap()),
    ]
}

pub(crate) fn list_mailbox() -> impl Strategy<Value = ListMailbox> {
    prop_oneof![
        class_bytes(LIST, 12).prop_map(|b| ListMailbox::from_wire(IString::try_from(b).unwrap())),
        istring().prop_map(ListMailbox::from_wire),
    ]
}

pub(crate) fn flag() -> impl Strategy<Value = Flag> {
    prop_oneof![
        Just(Flag::Answered),
        Just(Flag::Flagged),
        Just(Flag::Deleted),
        Just(Flag::Seen),
        Just(Flag::Draft),
        atom().prop_map(|a| Flag::from_bytes(a.to_bytes()).unwrap()),
        atom().prop_map(|a| {
            let mut v = b"\\".to_vec();
            v.extend_from_slice(a.as_bytes());
            Flag::from_bytes(Bytes::from(v)).unwrap()
        }),
    ]
}

pub(crate) fn nz() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![1u32..20, any::<u32>().prop_filter("non-zero", |n| *n != 0)].prop_map(|n| NonZeroU32::new(n).unwrap())
}

pub(crate) fn sequence_set() -> impl Strategy<Value = SequenceSet> {
    let num = prop_oneof![nz().prop_map(SeqNumber::Value), Just(SeqNumber::Asterisk)];
    let seq = prop_oneof![
        num.clone().prop_map(Sequence::Single),
        (num.clone(), num).prop_map(|(a, b)| Sequence::Range(a, b)),
    ];
    vec(seq, 1..5).prop_map(|v| SequenceSet::new(v).unwrap())
}

pub(crate) fn date() -> impl Strategy<Value = Date> {
    (0i32..=9999, 1u32..=12, 1u32..=31)
        .prop_filter_map("valid day", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .prop_map(|d| Date::new(d).unwrap())
}

pub(crate) fn date_time() -> impl Strategy<Value = DateTime> {
    (date(), 0u32..24, 0u32..60, 0u32..60, -1439i32..=1439).prop_filter_map("valid", |(d, h, m, s, z)| {
        DateTime::from_parts(d.as_chrono(), NaiveTime::from_hms_opt(h, m, s)?, z)
    })
}

pub(crate) fn section() -> impl Strategy<Value = Section> {
    let names = vec(istring(), 1..4);
    let part = vec(nz(), 0..4);
    (part, 0u8..6, names).prop_map(|(part, t, names)| {
        let text = match t {
            0 => None,
            1 => Some(SectionText::Header),
            2 => Some(SectionText::Text),
            3 => Some(SectionText::HeaderFields(names)),
            4 => Some(SectionText::HeaderFieldsNot(names)),
            _ if !part.is_empty() => Some(SectionText::Mime),
            _ => None,
        };
        Section { part, text }
    })
}

pub(crate) fn partial() -> impl Strategy<Value = Option<Partial>> {
    proptest::option::of((any::<u32>(), nz()).prop_map(|(offset, length)| Partial { offset, length }))
}

pub(crate) fn fetch_attribute() -> impl Strategy<Value = FetchAttribute> {
    use FetchAttribute::*;
    prop_oneof![
        prop_oneof![
            Just(Envelope),
            Just(Flags),
            Just(InternalDate),
            Just(Rfc822),
            Just(Rfc822Header),
            Just(Rfc822Size),
            Just(Rfc822Text),
            Just(Body),
            Just(BodyStructure),
            Just(Uid),
        ],
        (any::<bool>(), section(), partial()).prop_map(|(peek, section, partial)| BodySection {
            peek,
            section,
            partial
        }),
        (any::<bool>(), vec(nz(), 0..3), partial()).prop_map(|(peek, part, partial)| Binary { peek, part, partial }),
        vec(nz(), 0..3).prop_map(|part| BinarySize { part }),
    ]
}

pub(crate) fn fetch_attributes() -> impl Strategy<Value = FetchAttributes> {
    prop_oneof![
        prop_oneof![Just(Macro::All), Just(Macro::Fast), Just(Macro::Full)].prop_map(FetchAttributes::Macro),
        vec(fetch_attribute(), 1..5).prop_map(FetchAttributes::List),
    ]
}

pub(crate) fn search_key() -> impl Strategy<Value = SearchKey> {
    use SearchKey::*;
    let leaf = prop_oneof![
        prop_oneof![
            Just(All),
            Just(Answered),
            Just(Deleted),
            Just(Draft),
            Just(Flagged),
            Just(New),
            Just(Old),
            Just(Recent),
            Just(Seen),
            Just(Unanswered),
            Just(Undeleted),
            Just(Undraft),
            Just(Unflagged),
            Just(Unseen),
        ],
        istring().prop_map(Bcc),
        istring().prop_map(Body),
        istring().prop_map(Cc),
        istring().prop_map(From),
        istring().prop_map(Subject),
        istring().prop_map(Text),
        istring().prop_map(To),
        (istring(), istring()).prop_map(|(a, b)| Header(a, b)),
        date().prop_map(Before),
        date().prop_map(On),
        date().prop_map(Since),
        date().prop_map(SentBefore),
        date().prop_map(SentOn),
        date().prop_map(SentSince),
        atom().prop_map(Keyword),
        atom().prop_map(Unkeyword),
        any::<u32>().prop_map(Larger),
        any::<u32>().prop_map(Smaller),
        sequence_set().prop_map(Uid),
        sequence_set().prop_map(SequenceSet),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|k| Not(Box::new(k))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Or(Box::new(a), Box::new(b))),
            vec(inner, 1..4).prop_map(And),
        ]
    })
}

pub(crate) fn auth_mechanism() -> impl Strategy<Value = AuthMechanism> {
    atom().prop_map(AuthMechanism::from)
}

pub(crate) fn capability() -> impl Strategy<Value = Capability> {
    prop_oneof![
        atom().prop_map(Capability::from),
        Just(Capability::Imap4rev1),
        Just(Capability::Idle),
        Just(Capability::LiteralPlus),
        any::<u32>().prop_map(|n| Capability::AppendLimit(Some(n))),
        Just(Capability::AppendLimit(None)),
        auth_mechanism().prop_map(Capability::Auth),
    ]
}

pub(crate) fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        vec(1u8..=255, 0..64).prop_map(|v| Literal::new(v).unwrap()),
        vec(any::<u8>(), 0..64).prop_map(Literal::binary),
        Just(Literal::new(vec![b'm'; 5000]).unwrap()),
    ]
}

pub(crate) fn command_body() -> impl Strategy<Value = CommandBody> {
    use CommandBody::*;
    let status_items = vec(proptest::sample::select(StatusItem::ALL.iter().map(|(i, _)| *i).collect::<Vec<_>>()), 1..5);
    let store_kind = prop_oneof![Just(StoreKind::Replace), Just(StoreKind::Add), Just(StoreKind::Remove)];
    prop_oneof![
        prop_oneof![
            Just(Capability),
            Just(Noop),
            Just(Logout),
            Just(StartTls),
            Just(Check),
            Just(Close),
            Just(Expunge),
            Just(Unselect),
            Just(Idle),
            Just(Namespace),
        ],
        (auth_mechanism(), proptest::option::of(vec(any::<u8>(), 0..40))).prop_map(|(mechanism, ir)| Authenticate {
            mechanism,
            initial_response: ir.map(|v| Secret::new(Bytes::from(v)))
        }),
        (istring(), istring()).prop_map(|(username, p)| Login { username, password: Secret::new(p) }),
        mailbox().prop_map(|mailbox| Select { mailbox }),
        mailbox().prop_map(|mailbox| Examine { mailbox }),
        mailbox().prop_map(|mailbox| Create { mailbox }),
        mailbox().prop_map(|mailbox| Delete { mailbox }),
        (mailbox(), mailbox()).prop_map(|(from, to)| Rename { from, to }),
        mailbox().prop_map(|mailbox| Subscribe { mailbox }),
        mailbox().prop_map(|mailbox| Unsubscribe { mailbox }),
        (mailbox(), list_mailbox()).prop_map(|(reference, pattern)| List { reference, pattern }),
        (mailbox(), list_mailbox()).prop_map(|(reference, pattern)| Lsub { reference, pattern }),
        (mailbox(), status_items).prop_map(|(mailbox, items)| Status { mailbox, items }),
        (mailbox(), vec(flag(), 0..4), proptest::option::of(date_time()), literal())
            .prop_map(|(mailbox, flags, date, message)| Append { mailbox, flags, date, message }),
        sequence_set().prop_map(|set| UidExpunge { set }),
        (proptest::option::of(istring()), vec(search_key(), 1..4), any::<bool>())
            .prop_map(|(charset, criteria, uid)| Search { charset, criteria, uid }),
        (sequence_set(), fetch_attributes(), any::<bool>()).prop_map(|(set, attributes, uid)| Fetch {
            set,
            attributes,
            uid
        }),
        (sequence_set(), store_kind, any::<bool>(), vec(flag(), 0..4), any::<bool>())
            .prop_map(|(set, kind, silent, flags, uid)| Store { set, kind, silent, flags, uid }),
        (sequence_set(), mailbox(), any::<bool>()).prop_map(|(set, mailbox, uid)| Copy { set, mailbox, uid }),
        (sequence_set(), mailbox(), any::<bool>()).prop_map(|(set, mailbox, uid)| Move { set, mailbox, uid }),
        vec(capability(), 1..4).prop_map(|capabilities| Enable { capabilities }),
        proptest::option::of(vec((istring(), nstring()), 0..4)).prop_map(|parameters| Id { parameters }),
    ]
}

pub(crate) fn command() -> impl Strategy<Value = Command> {
    (tag(), command_body()).prop_map(|(tag, body)| Command { tag, body })
}
