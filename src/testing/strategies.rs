//! [proptest](https://docs.rs/proptest) strategies for every protocol value: commands,
//! responses, FETCH items, sequence sets, mailboxes, flags, envelopes, body structures.
//! They draw only values the codec can encode, and that parse back equal, so a property
//! test of a client or a server can feed the machines anything a peer may send. This
//! crate's own round-trip and chunking tests use them. Behind the `proptest` feature.
//!
//! ```
//! use proptest::prelude::*;
//! use imap_machine::codec::{encode_response, parse_response};
//! use imap_machine::testing::strategies;
//!
//! proptest!(ProptestConfig::with_cases(16), |(r in strategies::response())| {
//!     let wire = encode_response(&r, &mut bytes::BytesMut::new()).to_vec();
//!     prop_assert_eq!(parse_response(&wire.into()).unwrap(), r);
//! });
//! ```

use std::num::NonZeroU32;

use bytes::Bytes;
use chrono::{NaiveDate, NaiveTime};
use proptest::collection::vec;
use proptest::prelude::*;

use crate::types::chars::{self, ASTRING, ATOM, LIST, TAG};
use crate::types::*;

mod code;
mod condstore;
mod metadata;
mod notify;
mod quota;
mod sort;
mod urlauth;
pub use code::code;
pub use condstore::{fetch_modifiers, mod_seq, modseq_entry, qresync, select_params};
pub use metadata::{metadata_command, metadata_data};
pub use notify::{event_name, notify};
pub use quota::{quota_command, quota_data, quota_resource};
pub use sort::{sort_command, sort_criterion, sort_data, thread, thread_algorithm};
pub use urlauth::{urlauth_command, urlauth_data, urlmech};

/// Non-empty byte strings drawn from one character class.
pub(crate) fn class_bytes(mask: u8, max: usize) -> impl Strategy<Value = Bytes> {
    let alphabet: Vec<u8> = (0u8..=255).filter(|b| chars::is(*b, mask)).collect();
    vec(proptest::sample::select(alphabet), 1..max).prop_map(Bytes::from)
}

/// Command tags.
pub fn tag() -> impl Strategy<Value = Tag> {
    class_bytes(TAG, 10).prop_map(|b| Tag::try_from(b).unwrap())
}

/// Atoms.
pub fn atom() -> impl Strategy<Value = Atom> {
    class_bytes(ATOM, 12).prop_map(|b| Atom::try_from(b).unwrap())
}

/// String content of every shape: atoms, text needing quotes, 8-bit and CRLF (literals),
/// empty, and long.
pub fn istring() -> impl Strategy<Value = IString> {
    prop_oneof![
        class_bytes(ASTRING, 12),
        "[ -~]{0,20}".prop_map(Bytes::from),
        vec(1u8..=255, 0..30).prop_map(Bytes::from),
        Just(Bytes::from_static(b"NIL")),
        Just(Bytes::from(vec![b'q'; 1500])),
    ]
    .prop_map(|b| IString::try_from(b).unwrap())
}

/// `nstring`: NIL or a string.
pub fn nstring() -> impl Strategy<Value = NString> {
    proptest::option::of(istring())
}

/// Mailbox names, INBOX included.
pub fn mailbox() -> impl Strategy<Value = Mailbox> {
    prop_oneof![
        Just(Mailbox::Inbox),
        Just(Mailbox::from_wire(IString::from_static("iNbOx"))),
        istring().prop_map(Mailbox::from_wire),
        "\\PC{0,12}".prop_map(|s| Mailbox::from_utf8(&s).unwrap()),
    ]
}

/// LIST patterns, with `%` and `*`.
pub fn list_mailbox() -> impl Strategy<Value = ListMailbox> {
    prop_oneof![
        class_bytes(LIST, 12).prop_map(|b| ListMailbox::from_wire(IString::try_from(b).unwrap())),
        istring().prop_map(ListMailbox::from_wire),
    ]
}

/// Flags: system flags and keywords.
pub fn flag() -> impl Strategy<Value = Flag> {
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

/// Non-zero numbers (message numbers and UIDs).
pub fn nz() -> impl Strategy<Value = NonZeroU32> {
    prop_oneof![1u32..20, any::<u32>().prop_filter("non-zero", |n| *n != 0)].prop_map(|n| NonZeroU32::new(n).unwrap())
}

/// Sequence sets, with ranges and `*`.
pub fn sequence_set() -> impl Strategy<Value = SequenceSet> {
    let num = prop_oneof![nz().prop_map(SeqNumber::Value), Just(SeqNumber::Asterisk)];
    let seq = prop_oneof![
        num.clone().prop_map(Sequence::Single),
        (num.clone(), num).prop_map(|(a, b)| Sequence::Range(a, b)),
    ];
    vec(seq, 1..5).prop_map(|v| SequenceSet::new(v).unwrap())
}

/// SEARCH dates.
pub fn date() -> impl Strategy<Value = Date> {
    (0i32..=9999, 1u32..=12, 1u32..=31)
        .prop_filter_map("valid day", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
        .prop_map(|d| Date::new(d).unwrap())
}

/// INTERNALDATE date-times.
pub fn date_time() -> impl Strategy<Value = DateTime> {
    (date(), 0u32..24, 0u32..60, 0u32..60, -1439i32..=1439).prop_filter_map("valid", |(d, h, m, s, z)| {
        DateTime::from_parts(d.as_chrono(), NaiveTime::from_hms_opt(h, m, s)?, z)
    })
}

/// BODY[] sections.
pub fn section() -> impl Strategy<Value = Section> {
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

/// Partial ranges (`<0.100>`) or none.
pub fn partial() -> impl Strategy<Value = Option<Partial>> {
    proptest::option::of((any::<u32>(), nz()).prop_map(|(offset, length)| Partial { offset, length }))
}

/// FETCH attributes.
pub fn fetch_attribute() -> impl Strategy<Value = FetchAttribute> {
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
        prop_oneof![
            Just(SaveDate),
            Just(EmailId),
            Just(ThreadId),
            Just(ModSeq),
            any::<bool>().prop_map(|lazy| Preview { lazy })
        ],
    ]
}

/// Object identifiers (RFC 8474): short, and the longest allowed.
pub fn object_id() -> impl Strategy<Value = ObjectId> {
    prop_oneof![
        "[A-Za-z0-9_-]{1,24}".prop_map(|s| ObjectId::try_from(s).unwrap()),
        Just(ObjectId::try_from("M".repeat(255).as_str()).unwrap()),
    ]
}

/// FETCH attribute lists and macros.
pub fn fetch_attributes() -> impl Strategy<Value = FetchAttributes> {
    prop_oneof![
        prop_oneof![Just(Macro::All), Just(Macro::Fast), Just(Macro::Full)].prop_map(FetchAttributes::Macro),
        vec(fetch_attribute(), 1..5).prop_map(FetchAttributes::List),
    ]
}

/// `RETURN (...)` options of an extended SEARCH (RFC 4731), or none; each at most once.
pub fn search_return() -> impl Strategy<Value = Option<Vec<SearchReturn>>> {
    let all = [
        SearchReturn::Min,
        SearchReturn::Max,
        SearchReturn::All,
        SearchReturn::Count,
        SearchReturn::Save,
        SearchReturn::Context,
        SearchReturn::Update,
    ];
    let opts = (proptest::sample::subsequence(all.to_vec(), 0..=7), proptest::option::of(partial_range()));
    proptest::option::of(
        opts.prop_map(|(mut v, p)| {
            v.extend(p.map(SearchReturn::Partial));
            v
        })
        .prop_shuffle(),
    )
}

/// A `partial-range` (RFC 9394): from the first or from the last result.
pub fn partial_range() -> impl Strategy<Value = crate::types::PartialRange> {
    (nz(), nz(), any::<bool>()).prop_map(|(a, b, last)| {
        if last {
            crate::types::PartialRange::Last(a, b)
        } else {
            crate::types::PartialRange::First(a, b)
        }
    })
}

/// A search correlator or CANCELUPDATE argument: a tag as a string.
fn tag_string() -> impl Strategy<Value = IString> {
    tag().prop_map(|t| t.to_tag_string())
}

/// One `search-return-data` of an ESEARCH response (RFC 4731).
pub fn search_result() -> impl Strategy<Value = SearchResult> {
    prop_oneof![
        nz().prop_map(|n| SearchResult::Min(n.get())),
        nz().prop_map(|n| SearchResult::Max(n.get())),
        sequence_set().prop_map(SearchResult::All),
        any::<u32>().prop_map(SearchResult::Count),
        u63().prop_map(SearchResult::ModSeq),
        (partial_range(), proptest::option::of(sequence_set()))
            .prop_map(|(range, results)| SearchResult::Partial { range, results }),
        vec((any::<u32>(), sequence_set()), 1..3).prop_map(SearchResult::AddTo),
        vec((any::<u32>(), sequence_set()), 1..3).prop_map(SearchResult::RemoveFrom),
    ]
}

/// One of RFC 6154's special-use attributes.
pub fn special_use() -> impl Strategy<Value = ListAttribute> {
    proptest::sample::select(
        ListAttribute::NAMED.iter().map(|(a, _)| a.clone()).filter(ListAttribute::is_special_use).collect::<Vec<_>>(),
    )
}

/// SEARCH keys, nested.
pub fn search_key() -> impl Strategy<Value = SearchKey> {
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
        nz().prop_map(|n| Older(n.get())),
        nz().prop_map(|n| Younger(n.get())),
        any::<u32>().prop_map(Smaller),
        sequence_set().prop_map(Uid),
        sequence_set().prop_map(SequenceSet),
        prop_oneof![
            date().prop_map(SavedBefore),
            date().prop_map(SavedOn),
            date().prop_map(SavedSince),
            Just(SaveDateSupported),
            object_id().prop_map(EmailId),
            object_id().prop_map(ThreadId),
        ],
        (proptest::option::of(modseq_entry()), mod_seq()).prop_map(|(entry, modseq)| ModSeq { entry, modseq }),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|k| Not(Box::new(k))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Or(Box::new(a), Box::new(b))),
            vec(inner, 1..4).prop_map(And),
        ]
    })
}

/// SASL mechanism names.
pub fn auth_mechanism() -> impl Strategy<Value = AuthMechanism> {
    atom().prop_map(AuthMechanism::from)
}

/// Capabilities.
pub fn capability() -> impl Strategy<Value = Capability> {
    prop_oneof![
        atom().prop_map(Capability::from),
        Just(Capability::Imap4rev1),
        Just(Capability::Idle),
        Just(Capability::LiteralPlus),
        Just(Capability::Unauthenticate),
        Just(Capability::StatusSize),
        Just(Capability::SaveDate),
        Just(Capability::Preview),
        Just(Capability::ObjectId),
        any::<u32>().prop_map(|n| Capability::AppendLimit(Some(n))),
        Just(Capability::AppendLimit(None)),
        auth_mechanism().prop_map(Capability::Auth),
    ]
}

/// APPEND literals.
pub fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        vec(1u8..=255, 0..64).prop_map(|v| Literal::new(v).unwrap()),
        vec(any::<u8>(), 0..64).prop_map(Literal::binary),
        Just(Literal::new(vec![b'm'; 5000]).unwrap()),
    ]
}

/// IMAP URLs of CATENATE parts (RFC 4469 §3), in the forms a client writes: bare, or
/// needing quotes or a literal.
fn cat_url() -> impl Strategy<Value = IString> {
    prop_oneof![
        (1u32..5, 1u32..100).prop_map(|(v, u)| IString::try_from(format!("/INBOX;UIDVALIDITY={v}/;UID={u}")).unwrap()),
        istring(),
    ]
}

/// The messages of an extended APPEND (RFC 3502, RFC 4469).
pub fn append_message() -> impl Strategy<Value = AppendMessage> {
    let utf8 = || vec(any::<u8>(), 0..64).prop_map(Bytes::from);
    let part = prop_oneof![
        literal().prop_map(CatPart::Text),
        cat_url().prop_map(CatPart::Url),
        utf8().prop_map(CatPart::Utf8)
    ];
    let data = prop_oneof![
        literal().prop_map(AppendData::Literal),
        vec(part, 1..4).prop_map(AppendData::Catenate),
        utf8().prop_map(AppendData::Utf8),
    ];
    (vec(flag(), 0..3), proptest::option::of(date_time()), data).prop_map(|(flags, date, data)| AppendMessage {
        flags,
        date,
        data,
    })
}

/// `CommandBody::MultiAppend` in its canonical shapes: several messages, or one built
/// with CATENATE or sent as UTF8 (one message given whole parses as `CommandBody::Append`).
fn multi_append() -> impl Strategy<Value = CommandBody> {
    (mailbox(), vec(append_message(), 1..4))
        .prop_filter("not a plain APPEND", |(_, m)| m.len() > 1 || !matches!(m[0].data, AppendData::Literal(_)))
        .prop_map(|(mailbox, messages)| CommandBody::MultiAppend { mailbox, messages })
}

/// Command bodies of every kind.
pub fn command_body() -> impl Strategy<Value = CommandBody> {
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
            Just(Unauthenticate),
            Just(Idle),
            Just(Namespace),
        ],
        (auth_mechanism(), proptest::option::of(vec(any::<u8>(), 0..40))).prop_map(|(mechanism, ir)| Authenticate {
            mechanism,
            initial_response: ir.map(|v| Secret::new(Bytes::from(v)))
        }),
        (istring(), istring()).prop_map(|(username, p)| Login { username, password: Secret::new(p) }),
        (mailbox(), select_params()).prop_map(|(mailbox, params)| Select { mailbox, params }),
        (mailbox(), select_params()).prop_map(|(mailbox, params)| Examine { mailbox, params }),
        (mailbox(), vec(special_use(), 0..3)).prop_map(|(mailbox, special_use)| Create { mailbox, special_use }),
        mailbox().prop_map(|mailbox| Delete { mailbox }),
        (mailbox(), mailbox()).prop_map(|(from, to)| Rename { from, to }),
        mailbox().prop_map(|mailbox| Subscribe { mailbox }),
        mailbox().prop_map(|mailbox| Unsubscribe { mailbox }),
        (mailbox(), vec(list_mailbox(), 1..4), proptest::option::of(list_options()))
            .prop_map(|(reference, patterns, options)| List { reference, patterns, options }),
        (mailbox(), list_mailbox()).prop_map(|(reference, pattern)| Lsub { reference, pattern }),
        (mailbox(), status_items).prop_map(|(mailbox, items)| Status { mailbox, items }),
        (mailbox(), vec(flag(), 0..4), proptest::option::of(date_time()), literal())
            .prop_map(|(mailbox, flags, date, message)| Append { mailbox, flags, date, message }),
        multi_append(),
        sequence_set().prop_map(|set| UidExpunge { set }),
        (search_return(), proptest::option::of(istring()), vec(search_key(), 1..4), any::<bool>())
            .prop_map(|(ret, charset, criteria, uid)| Search { ret, charset, criteria, uid }),
        (sequence_set(), fetch_attributes(), any::<bool>(), fetch_modifiers())
            .prop_map(|(set, attributes, uid, modifiers)| Fetch { set, attributes, uid, modifiers }),
        (sequence_set(), proptest::option::of(mod_seq()), store_kind, any::<bool>(), vec(flag(), 0..4), any::<bool>())
            .prop_map(|(set, unchanged_since, kind, silent, flags, uid)| Store {
                set,
                unchanged_since,
                kind,
                silent,
                flags,
                uid
            }),
        (sequence_set(), mailbox(), any::<bool>()).prop_map(|(set, mailbox, uid)| Copy { set, mailbox, uid }),
        (sequence_set(), mailbox(), any::<bool>()).prop_map(|(set, mailbox, uid)| Move { set, mailbox, uid }),
        vec(capability(), 1..4).prop_map(|capabilities| Enable { capabilities }),
        atom().prop_map(|algorithm| Compress { algorithm }),
        notify().prop_map(Notify),
        vec(tag_string(), 1..3).prop_map(|tags| CancelUpdate { tags }),
        proptest::option::of(vec((istring(), nstring()), 0..4)).prop_map(|parameters| Id { parameters }),
        sort_command(),
        quota_command(),
        metadata_command(),
        urlauth_command(),
    ]
}

/// Tagged commands.
pub fn command() -> impl Strategy<Value = Command> {
    (tag(), command_body()).prop_map(|(tag, body)| Command { tag, body })
}

// ---- responses ----

fn looks_base64(t: &str) -> bool {
    !t.is_empty() && t.len() % 4 == 0 && t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// Human-readable response text.
pub fn text() -> impl Strategy<Value = Text> {
    "[A-Za-z][A-Za-z0-9 .,!()*%\\]\\-]{0,30}"
        .prop_filter("not base64", |t| !looks_base64(t))
        .prop_map(|t| Text::try_from(t.as_str()).unwrap())
}

fn u63() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..100, 0u64..=i64::MAX as u64]
}

fn not_named(names: &'static [&'static str]) -> impl Strategy<Value = Atom> {
    atom().prop_filter("not a known name", move |a| !names.iter().any(|n| a.eq_ignore_case(n)))
}

fn status_kind(untagged: bool) -> impl Strategy<Value = StatusKind> {
    let mut kinds = vec![StatusKind::Ok, StatusKind::No, StatusKind::Bad];
    if untagged {
        kinds.extend([StatusKind::PreAuth, StatusKind::Bye]);
    }
    proptest::sample::select(kinds)
}

fn delimiter() -> impl Strategy<Value = Option<char>> {
    proptest::option::of(proptest::char::range(' ', '~'))
}

fn list_attribute() -> impl Strategy<Value = ListAttribute> {
    let names: Vec<&'static str> = ListAttribute::NAMED.iter().map(|(_, n)| &n[1..]).collect();
    prop_oneof![
        proptest::sample::select(ListAttribute::NAMED.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>()),
        atom()
            .prop_filter("not named", move |a| !names.iter().any(|n| a.eq_ignore_case(n)))
            .prop_map(ListAttribute::Extension),
    ]
}

/// An atom other than the named options (an `option-extension` tag).
fn option_extension() -> impl Strategy<Value = ListOptionExtension> {
    let value = proptest::option::of(prop_oneof![Just("(a)"), Just("(\"x y\" (1 2))"), Just("(FOO BAR)")]);
    (atom(), value).prop_map(|(a, v)| ListOptionExtension {
        name: Atom::try_from(Bytes::from(format!("X-{a}"))).expect("atom"),
        value: v.map(|s: &'static str| Bytes::from_static(s.as_bytes())),
    })
}

/// Extended LIST options (RFC 5258, RFC 5819, RFC 6154).
pub fn list_options() -> impl Strategy<Value = ListOptions> {
    let select = prop_oneof![
        proptest::sample::select(ListSelectOption::NAMED.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>()),
        option_extension().prop_map(ListSelectOption::Extension),
    ];
    let items = vec(proptest::sample::select(StatusItem::ALL.iter().map(|(i, _)| *i).collect::<Vec<_>>()), 1..4);
    let ret = prop_oneof![
        proptest::sample::select(ListReturnOption::NAMED.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>()),
        items.prop_map(ListReturnOption::Status),
        option_extension().prop_map(ListReturnOption::Extension),
    ];
    (vec(select, 0..4), vec(ret, 0..4)).prop_map(|(selection, returns)| ListOptions { selection, returns })
}

/// `mbox-list-extended-item`s.
fn list_extended_item() -> impl Strategy<Value = ListExtendedItem> {
    prop_oneof![
        vec(atom(), 1..3).prop_map(ListExtendedItem::ChildInfo),
        mailbox().prop_map(ListExtendedItem::OldName),
        (istring(), prop_oneof![Just("x"), Just("(1 (2 \"three\"))"), Just("\"q\"")]).prop_filter_map(
            "not a typed tag",
            |(tag, v)| {
                let t = tag.as_bytes();
                (!t.eq_ignore_ascii_case(b"CHILDINFO") && !t.eq_ignore_ascii_case(b"OLDNAME"))
                    .then(|| ListExtendedItem::Other { tag, value: Bytes::from_static(v.as_bytes()) })
            }
        ),
    ]
}

fn list_item() -> impl Strategy<Value = ListItem> {
    (vec(list_attribute(), 0..4), delimiter(), mailbox(), vec(list_extended_item(), 0..3))
        .prop_map(|(attributes, delimiter, mailbox, extended)| ListItem { attributes, delimiter, mailbox, extended })
}

fn namespaces() -> impl Strategy<Value = Option<Vec<NamespaceDescription>>> {
    let desc = (istring(), delimiter(), proptest::option::of(Just(" \"X-PARAM\" (\"A\" \"B\")"))).prop_map(
        |(prefix, delimiter, ext)| NamespaceDescription {
            prefix,
            delimiter,
            extensions: ext.map(|s: &'static str| Bytes::from_static(s.as_bytes())),
        },
    );
    proptest::option::of(vec(desc, 1..3))
}

/// Envelope addresses.
pub fn address() -> impl Strategy<Value = Address> {
    (nstring(), nstring(), nstring(), nstring()).prop_map(|(name, adl, mailbox, host)| Address {
        name,
        adl,
        mailbox,
        host,
    })
}

/// Envelopes.
pub fn envelope() -> impl Strategy<Value = Envelope> {
    let list = || vec(address(), 0..3);
    (nstring(), nstring(), list(), list(), list(), list(), list(), list(), nstring(), nstring()).prop_map(
        |(date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to, message_id)| Envelope {
            date,
            subject,
            from,
            sender,
            reply_to,
            to,
            cc,
            bcc,
            in_reply_to,
            message_id,
        },
    )
}

fn params() -> impl Strategy<Value = Vec<(IString, IString)>> {
    vec((istring(), istring()), 0..3)
}

fn body_extension() -> impl Strategy<Value = BodyExtension> {
    let leaf = prop_oneof![nstring().prop_map(BodyExtension::String), any::<u32>().prop_map(BodyExtension::Number)];
    leaf.prop_recursive(3, 12, 3, |inner| vec(inner, 1..3).prop_map(BodyExtension::List))
}

fn extension_tail() -> impl Strategy<Value = ExtensionTail> {
    let disposition =
        proptest::option::of((istring(), params()).prop_map(|(kind, parameters)| Disposition { kind, parameters }));
    let language = proptest::option::of(vec(istring(), 1..3));
    (0u8..5, disposition, language, nstring(), vec(body_extension(), 1..3)).prop_map(|(level, d, l, loc, ext)| {
        ExtensionTail {
            disposition: (level >= 1).then_some(d),
            language: (level >= 2).then_some(l),
            location: (level >= 3).then_some(loc),
            extensions: if level >= 4 { ext } else { Vec::new() },
        }
    })
}

fn body_fields() -> impl Strategy<Value = BodyFields> {
    (params(), nstring(), nstring(), istring(), any::<u32>()).prop_map(
        |(parameters, id, description, encoding, octets)| BodyFields { parameters, id, description, encoding, octets },
    )
}

fn single_ext() -> impl Strategy<Value = Option<SinglePartExtension>> {
    proptest::option::of((nstring(), extension_tail()).prop_map(|(md5, tail)| SinglePartExtension { md5, tail }))
}

/// BODYSTRUCTUREs, nested multiparts included.
pub fn body_structure() -> impl Strategy<Value = BodyStructure> {
    let basic =
        (istring(), istring(), body_fields(), single_ext()).prop_map(|(media_type, subtype, fields, extension)| {
            BodyStructure::Single { media_type, subtype, fields, specific: SpecificFields::Basic, extension }
        });
    let text =
        (istring(), body_fields(), any::<u32>(), single_ext()).prop_map(|(subtype, fields, lines, extension)| {
            BodyStructure::Single {
                media_type: IString::from_static("text"),
                subtype,
                fields,
                specific: SpecificFields::Text { lines },
                extension,
            }
        });
    prop_oneof![basic, text].prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            (
                vec(inner.clone(), 1..3),
                istring(),
                proptest::option::of(
                    (params(), extension_tail()).prop_map(|(parameters, tail)| MultipartExtension { parameters, tail })
                )
            )
                .prop_map(|(parts, subtype, extension)| BodyStructure::Multipart {
                    parts,
                    subtype,
                    extension
                }),
            (body_fields(), envelope(), inner, any::<u32>(), single_ext()).prop_map(
                |(fields, envelope, body, lines, extension)| BodyStructure::Single {
                    media_type: IString::from_static("MESSAGE"),
                    subtype: IString::from_static("RFC822"),
                    fields,
                    specific: SpecificFields::Message { envelope: Box::new(envelope), body: Box::new(body), lines },
                    extension,
                }
            ),
        ]
    })
}

/// FETCH response items.
pub fn fetch_item() -> impl Strategy<Value = FetchItem> {
    let flag_fetch = prop_oneof![flag().prop_map(FlagFetch::Flag), Just(FlagFetch::Recent)];
    let label = prop_oneof![
        atom().prop_map(|a| IString::try_from(format!("\\{a}")).unwrap()),
        istring().prop_filter("no leading backslash", |s| !s.as_bytes().starts_with(b"\\")),
    ];
    let origin = proptest::option::of(any::<u32>());
    prop_oneof![
        vec(flag_fetch, 0..4).prop_map(FetchItem::Flags),
        date_time().prop_map(FetchItem::InternalDate),
        any::<u32>().prop_map(FetchItem::Rfc822Size),
        any::<u32>().prop_map(FetchItem::Uid),
        envelope().prop_map(|e| FetchItem::Envelope(Box::new(e))),
        body_structure().prop_map(|b| FetchItem::Body(Box::new(b))),
        body_structure().prop_map(|b| FetchItem::BodyStructure(Box::new(b))),
        (section(), origin.clone(), nstring()).prop_map(|(section, origin, data)| FetchItem::BodySection {
            section,
            origin,
            data
        }),
        nstring().prop_map(FetchItem::Rfc822),
        nstring().prop_map(FetchItem::Rfc822Header),
        nstring().prop_map(FetchItem::Rfc822Text),
        (vec(nz(), 0..3), origin, proptest::option::of(vec(any::<u8>(), 0..40)))
            .prop_map(|(part, origin, data)| FetchItem::Binary { part, origin, data: data.map(Bytes::from) }),
        (vec(nz(), 0..3), any::<u32>()).prop_map(|(part, size)| FetchItem::BinarySize { part, size }),
        u63().prop_map(FetchItem::ModSeq),
        u63().prop_map(FetchItem::GmailMessageId),
        u63().prop_map(FetchItem::GmailThreadId),
        vec(label, 0..3).prop_map(FetchItem::GmailLabels),
        proptest::option::of(date_time()).prop_map(FetchItem::SaveDate),
        nstring().prop_map(FetchItem::Preview),
        object_id().prop_map(FetchItem::EmailId),
        proptest::option::of(object_id()).prop_map(FetchItem::ThreadId),
        ("X-[A-FH-Z0-9.]{1,8}", prop_oneof![Just("(a \"b c\" (d))"), Just("12"), Just("\"x\""), Just("NIL")]).prop_map(
            |(name, value)| FetchItem::Other { name: Bytes::from(name), value: Bytes::from_static(value.as_bytes()) }
        ),
    ]
}

/// Untagged response data.
pub fn data() -> impl Strategy<Value = Data> {
    // MAILBOXID's value is an object id, carried apart from the numbers.
    let numeric = StatusItem::ALL.iter().map(|(i, _)| *i).filter(|i| *i != StatusItem::MailboxId).collect::<Vec<_>>();
    let status_items = vec((proptest::sample::select(numeric), u63()), 0..4);
    prop_oneof![
        vec(capability(), 0..5).prop_map(Data::Capability),
        vec(capability(), 0..3).prop_map(Data::Enabled),
        list_item().prop_map(Data::List),
        list_item().prop_map(Data::Lsub),
        (mailbox(), status_items, proptest::option::of(object_id()))
            .prop_map(|(mailbox, items, mailbox_id)| Data::Status { mailbox, items, mailbox_id }),
        (vec(any::<u32>(), 0..5), proptest::option::of(u63())).prop_map(|(ids, modseq)| Data::Search { ids, modseq }),
        (proptest::option::of(istring()), any::<bool>(), vec(search_result(), 0..5))
            .prop_map(|(tag, uid, results)| Data::ESearch { tag, uid, results }),
        vec(flag(), 0..4).prop_map(Data::Flags),
        any::<u32>().prop_map(Data::Exists),
        any::<u32>().prop_map(Data::Recent),
        nz().prop_map(Data::Expunge),
        (any::<bool>(), sequence_set()).prop_map(|(earlier, uids)| Data::Vanished { earlier, uids }),
        (nz(), vec(fetch_item(), 1..4)).prop_map(|(seq, items)| Data::Fetch { seq, items }),
        (namespaces(), namespaces(), namespaces()).prop_map(|(personal, other, shared)| Data::Namespace {
            personal,
            other,
            shared
        }),
        proptest::option::of(vec((istring(), nstring()), 0..3)).prop_map(Data::Id),
        sort_data(),
        quota_data(),
        metadata_data(),
        urlauth_data(),
        (proptest::option::of(any::<u32>()), "X[A-Z0-9-]{0,8}", proptest::option::of("[a-z0-9][a-z0-9 ()]{0,15}"))
            .prop_map(|(number, name, rest)| Data::Other {
                number,
                name: Atom::try_from(name).unwrap(),
                rest: rest.map(Bytes::from)
            }),
    ]
}

/// Responses of every kind: untagged, tagged, continuation.
pub fn response() -> impl Strategy<Value = Response> {
    let status =
        |untagged: bool| {
            (status_kind(untagged), proptest::option::of(code()), text())
                .prop_map(|(kind, code, text)| StatusResponse { kind, code, text })
        };
    prop_oneof![
        (tag(), status(false)).prop_map(|(tag, status)| Response::Status { tag: Some(tag), status }),
        status(true).prop_map(|status| Response::Status { tag: None, status }),
        data().prop_map(Response::Data),
        (proptest::option::of(code()), text())
            .prop_map(|(code, text)| Response::Continue(Continue::Basic { code, text })),
        vec(any::<u8>(), 1..40).prop_map(|v| Response::Continue(Continue::Base64(Bytes::from(v)))),
    ]
}

// ---- raw commands (the extension point) ----

/// Raw argument text: bytes but CR, LF and NUL, biased towards what looks like literal
/// announcements (`{5}`, `~`, `+`).
fn raw_text() -> impl Strategy<Value = Bytes> {
    let tricky: Vec<u8> = b"a {}~+05\"()\\ *\x80\xff".to_vec();
    prop_oneof![
        vec(proptest::sample::select(tricky), 1..12).prop_map(Bytes::from),
        vec(any::<u8>().prop_filter("no CR, LF, NUL", |b| !matches!(b, b'\r' | b'\n' | 0)), 1..24)
            .prop_map(Bytes::from),
    ]
}

/// Raw commands: an atom name and up to six pieces of text and literals, each literal
/// with a fixed announcement (`{n}`, `{n+}`, `~{n}`), as a parse gives them. Pieces the
/// builder refuses (text that would end like a literal announcement) are left out.
pub fn raw_command() -> impl Strategy<Value = RawCommand> {
    let mode = prop_oneof![Just(LiteralMode::Sync), Just(LiteralMode::NonSync)];
    let piece = prop_oneof![
        raw_text().prop_map(Ok),
        (vec(1u8..=255, 0..40), mode.clone()).prop_map(|(v, m)| Err((Literal::new(v).unwrap(), m))),
        (vec(any::<u8>(), 0..40), mode).prop_map(|(v, m)| Err((Literal::binary(v), m))),
    ];
    (atom(), vec(piece, 0..6)).prop_map(|(name, pieces)| {
        let mut raw = RawCommand::new(name.as_str()).unwrap();
        for p in pieces {
            let next = match p {
                Ok(text) => raw.clone().text(text),
                Err((literal, mode)) => raw.clone().literal(literal, Some(mode)),
            };
            if let Ok(r) = next {
                raw = r;
            }
        }
        raw
    })
}
