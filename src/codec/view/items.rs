//! The items of a FETCH response in place: flags, sections, the envelope and its
//! addresses.

use super::body::BodyStructureView;
use super::{
    At, Flags, Kind, PartNumbers, StrView, Strings, TEXT_FIELDS, TEXT_FIELDS_NOT, TEXT_HEADER, TEXT_MIME, TEXT_TEXT,
    ZONE_BIAS,
};
use crate::codec::lex::FlagKind;
use crate::types::DateTime;

/// One flag of a `FLAGS` item (`flag-fetch`). Keywords and extensions are UTF-8 (the
/// parser checks), as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlagView<'v> {
    /// `\Seen`
    Seen,
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Draft`
    Draft,
    /// `\Recent`
    Recent,
    /// A keyword (`$Forwarded`).
    Keyword(&'v str),
    /// Another backslash flag, without its backslash.
    Extension(&'v str),
}

impl<'v> FlagView<'v> {
    /// The owned flag; a keyword's or extension's bytes are copied, so the flag does not
    /// keep the read buffer alive.
    pub fn to_flag_fetch(&self) -> crate::types::FlagFetch {
        self.to_flag_fetch_with(|s| crate::types::Atom::lenient(bytes::Bytes::copy_from_slice(s.as_bytes())))
    }

    /// The owned flag, a keyword's or extension's atom made by `atom` (from the text as
    /// sent; the extension without its backslash).
    pub(super) fn to_flag_fetch_with(self, atom: impl Fn(&'v str) -> crate::types::Atom) -> crate::types::FlagFetch {
        use crate::types::{Flag, FlagFetch};
        FlagFetch::Flag(match self {
            FlagView::Seen => Flag::Seen,
            FlagView::Answered => Flag::Answered,
            FlagView::Flagged => Flag::Flagged,
            FlagView::Deleted => Flag::Deleted,
            FlagView::Draft => Flag::Draft,
            FlagView::Recent => return FlagFetch::Recent,
            FlagView::Keyword(k) => Flag::Keyword(atom(k)),
            FlagView::Extension(e) => Flag::Extension(atom(e)),
        })
    }

    pub(super) fn at(c: At<'v>) -> Self {
        // The scanner checked that a flag is UTF-8.
        let raw = || std::str::from_utf8(c.span()).unwrap_or_default();
        match FlagKind::ALL[usize::from(c.node().aux)] {
            FlagKind::Seen => FlagView::Seen,
            FlagKind::Answered => FlagView::Answered,
            FlagKind::Flagged => FlagView::Flagged,
            FlagKind::Deleted => FlagView::Deleted,
            FlagKind::Draft => FlagView::Draft,
            FlagKind::Recent => FlagView::Recent,
            FlagKind::Keyword => FlagView::Keyword(raw()),
            FlagKind::Extension => FlagView::Extension(raw().get(1..).unwrap_or_default()),
        }
    }
}

/// One item of a FETCH response, in place; the borrowed counterpart of
/// [`FetchItem`](crate::types::FetchItem).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum FetchItemView<'v> {
    /// `FLAGS (...)`
    Flags(Flags<'v>),
    /// `INTERNALDATE "..."`
    InternalDate(DateTime),
    /// `RFC822.SIZE n`
    Rfc822Size(u32),
    /// `UID n`
    Uid(u32),
    /// `ENVELOPE (...)`
    Envelope(EnvelopeView<'v>),
    /// `BODY (...)`, the non-extensible body structure.
    Body(BodyStructureView<'v>),
    /// `BODYSTRUCTURE (...)`
    BodyStructure(BodyStructureView<'v>),
    /// `BODY[section]<origin> nstring`
    BodySection {
        /// The section.
        section: SectionView<'v>,
        /// The origin octet of a partial fetch.
        origin: Option<u32>,
        /// The data (usually a literal); `None` for NIL.
        data: Option<StrView<'v>>,
    },
    /// `RFC822 nstring`
    Rfc822(Option<StrView<'v>>),
    /// `RFC822.HEADER nstring`
    Rfc822Header(Option<StrView<'v>>),
    /// `RFC822.TEXT nstring`
    Rfc822Text(Option<StrView<'v>>),
    /// `BINARY[part]<origin> (nstring / literal8)` (RFC 3516)
    Binary {
        /// `section-part`
        part: PartNumbers<'v>,
        /// The origin octet of a partial fetch.
        origin: Option<u32>,
        /// The decoded content; `None` for NIL.
        data: Option<StrView<'v>>,
    },
    /// `BINARY.SIZE[part] n` (RFC 3516)
    BinarySize {
        /// `section-part`
        part: PartNumbers<'v>,
        /// Decoded size.
        size: u32,
    },
    /// `MODSEQ (n)` (RFC 7162)
    ModSeq(u64),
    /// `SAVEDATE (date-time / NIL)` (RFC 8514); `None` for NIL.
    SaveDate(Option<DateTime>),
    /// `PREVIEW nstring` (RFC 8970); `None` for NIL.
    Preview(Option<StrView<'v>>),
    /// `EMAILID (objectid)` (RFC 8474)
    EmailId(&'v str),
    /// `THREADID ((objectid) / NIL)` (RFC 8474); `None` for NIL.
    ThreadId(Option<&'v str>),
    /// `X-GM-MSGID n` (Gmail)
    GmailMessageId(u64),
    /// `X-GM-THRID n` (Gmail)
    GmailThreadId(u64),
    /// `X-GM-LABELS (...)` (Gmail)
    GmailLabels(Strings<'v>),
    /// Any other item, raw.
    Other {
        /// The name, with any `[section]`.
        name: &'v [u8],
        /// The value, as sent.
        value: &'v [u8],
    },
}

impl<'v> FetchItemView<'v> {
    pub(super) fn at(c: At<'v>) -> Self {
        let n = c.node();
        let origin = (n.aux == 1).then_some(n.a);
        match n.kind {
            Kind::Uid => FetchItemView::Uid(n.a),
            Kind::Rfc822Size => FetchItemView::Rfc822Size(n.a),
            Kind::InternalDate => FetchItemView::InternalDate(internal_date(c)),
            Kind::Flags => FetchItemView::Flags(Flags(c.children())),
            Kind::EnvelopeItem => FetchItemView::Envelope(EnvelopeView(c.child(0))),
            Kind::Body => FetchItemView::Body(BodyStructureView::at(c.child(0))),
            Kind::BodyStructure => FetchItemView::BodyStructure(BodyStructureView::at(c.child(0))),
            Kind::BodySection => {
                let section = c.child(0);
                FetchItemView::BodySection { section: SectionView(section), origin, data: section.next().nstring() }
            }
            Kind::Rfc822 => FetchItemView::Rfc822(c.child(0).nstring()),
            Kind::Rfc822Header => FetchItemView::Rfc822Header(c.child(0).nstring()),
            Kind::Rfc822Text => FetchItemView::Rfc822Text(c.child(0).nstring()),
            Kind::Binary => {
                let data = c.children().find(|k| k.kind() != Kind::Number).and_then(At::nstring);
                FetchItemView::Binary { part: PartNumbers(c.children()), origin, data }
            }
            Kind::BinarySize => FetchItemView::BinarySize { part: PartNumbers(c.children()), size: n.a },
            Kind::SaveDate if n.aux == super::SAVEDATE_NIL => FetchItemView::SaveDate(None),
            Kind::SaveDate => FetchItemView::SaveDate(Some(internal_date(c))),
            Kind::Preview => FetchItemView::Preview(c.child(0).nstring()),
            // Object ids are ASCII (the scanner checks).
            Kind::EmailId => FetchItemView::EmailId(std::str::from_utf8(c.span()).unwrap_or_default()),
            Kind::ThreadId if n.aux == 1 => FetchItemView::ThreadId(None),
            Kind::ThreadId => FetchItemView::ThreadId(Some(std::str::from_utf8(c.span()).unwrap_or_default())),
            Kind::ModSeq => FetchItemView::ModSeq(c.wide()),
            Kind::GmailMessageId => FetchItemView::GmailMessageId(c.wide()),
            Kind::GmailThreadId => FetchItemView::GmailThreadId(c.wide()),
            Kind::GmailLabels => FetchItemView::GmailLabels(Strings(c.children())),
            _ => FetchItemView::Other { name: c.span(), value: c.child(0).span() },
        }
    }
}

/// The date-time an `INTERNALDATE` node records.
pub(super) fn internal_date(c: At<'_>) -> DateTime {
    let n = c.node();
    let zone = chrono::FixedOffset::east_opt((i32::from(n.aux) - ZONE_BIAS) * 60).expect("zone checked by the parser");
    let utc = chrono::DateTime::from_timestamp(c.wide() as i64, 0).expect("date checked by the parser");
    DateTime::new(utc.with_timezone(&zone)).expect("date checked by the parser")
}

/// `section = "[" [section-spec] "]"` of a `BODY[...]` item.
#[derive(Clone, Copy, Debug)]
pub struct SectionView<'v>(pub(super) At<'v>);

/// `section-text`, in place.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SectionTextView<'v> {
    /// `HEADER`
    Header,
    /// `HEADER.FIELDS (...)`
    HeaderFields(Strings<'v>),
    /// `HEADER.FIELDS.NOT (...)`
    HeaderFieldsNot(Strings<'v>),
    /// `TEXT`
    Text,
    /// `MIME`
    Mime,
}

impl<'v> SectionView<'v> {
    /// `section-part`; empty for the top level.
    pub fn part(&self) -> PartNumbers<'v> {
        PartNumbers(self.0.children())
    }

    /// Whether this is `section` (part numbers, text and header names byte for byte).
    pub fn matches(&self, section: &crate::types::Section) -> bool {
        use crate::types::SectionText;
        if !self.part().eq(section.part.iter().copied()) {
            return false;
        }
        let names = |view: Strings<'_>, list: &[crate::types::AString]| {
            let view: Vec<_> = view.collect();
            view.len() == list.len() && view.iter().zip(list).all(|(a, b)| a.value().as_ref() == b.as_bytes())
        };
        match (self.text(), &section.text) {
            (None, None)
            | (Some(SectionTextView::Header), Some(SectionText::Header))
            | (Some(SectionTextView::Text), Some(SectionText::Text))
            | (Some(SectionTextView::Mime), Some(SectionText::Mime)) => true,
            (Some(SectionTextView::HeaderFields(v)), Some(SectionText::HeaderFields(l)))
            | (Some(SectionTextView::HeaderFieldsNot(v)), Some(SectionText::HeaderFieldsNot(l))) => names(v, l),
            _ => false,
        }
    }

    /// `section-text`, if any.
    pub fn text(&self) -> Option<SectionTextView<'v>> {
        let names = || {
            let mut it = self.0.children();
            while it.clone().next().is_some_and(|c| c.kind() == Kind::Number) {
                it.next();
            }
            Strings(it)
        };
        Some(match self.0.node().aux {
            TEXT_HEADER => SectionTextView::Header,
            TEXT_FIELDS => SectionTextView::HeaderFields(names()),
            TEXT_FIELDS_NOT => SectionTextView::HeaderFieldsNot(names()),
            TEXT_TEXT => SectionTextView::Text,
            TEXT_MIME => SectionTextView::Mime,
            _ => return None,
        })
    }
}

/// `envelope`, in place.
#[derive(Clone, Copy, Debug)]
pub struct EnvelopeView<'v>(pub(super) At<'v>);

impl<'v> EnvelopeView<'v> {
    /// `env-date`
    pub fn date(&self) -> Option<StrView<'v>> {
        self.0.child(0).nstring()
    }

    /// `env-subject`
    pub fn subject(&self) -> Option<StrView<'v>> {
        self.0.child(1).nstring()
    }

    fn addresses(&self, n: usize) -> super::Addresses<'v> {
        super::Addresses(self.0.child(n).children())
    }

    /// `env-from`; empty for NIL.
    pub fn from(&self) -> super::Addresses<'v> {
        self.addresses(2)
    }

    /// `env-sender`
    pub fn sender(&self) -> super::Addresses<'v> {
        self.addresses(3)
    }

    /// `env-reply-to`
    pub fn reply_to(&self) -> super::Addresses<'v> {
        self.addresses(4)
    }

    /// `env-to`
    pub fn to(&self) -> super::Addresses<'v> {
        self.addresses(5)
    }

    /// `env-cc`
    pub fn cc(&self) -> super::Addresses<'v> {
        self.addresses(6)
    }

    /// `env-bcc`
    pub fn bcc(&self) -> super::Addresses<'v> {
        self.addresses(7)
    }

    /// `env-in-reply-to`
    pub fn in_reply_to(&self) -> Option<StrView<'v>> {
        self.0.child(8).nstring()
    }

    /// `env-message-id`
    pub fn message_id(&self) -> Option<StrView<'v>> {
        self.0.child(9).nstring()
    }
}

/// `address`, in place.
#[derive(Clone, Copy, Debug)]
pub struct AddressView<'v>(pub(super) At<'v>);

impl<'v> AddressView<'v> {
    /// `addr-name`
    pub fn name(&self) -> Option<StrView<'v>> {
        self.0.child(0).nstring()
    }

    /// `addr-adl`
    pub fn adl(&self) -> Option<StrView<'v>> {
        self.0.child(1).nstring()
    }

    /// `addr-mailbox`
    pub fn mailbox(&self) -> Option<StrView<'v>> {
        self.0.child(2).nstring()
    }

    /// `addr-host`
    pub fn host(&self) -> Option<StrView<'v>> {
        self.0.child(3).nstring()
    }
}
