//! From the tape to the owned [`Response`]: strings become slices of the message's
//! [`Bytes`], exactly as `parse_response` makes them.

use std::num::NonZeroU32;

use bytes::Bytes;

use super::body::{BodyExtensionView, BodyStructureView, Params, TailView};
use super::{At, EnvelopeView, FetchItemView, FlagView, PartNumbers, SectionTextView, StrView, Strings};
use crate::types::{
    Address, Atom, BodyExtension, BodyFields, BodyStructure, Data, Disposition, Envelope, ExtensionTail, FetchItem,
    FlagFetch, IString, MultipartExtension, NString, ObjectId, Response, Section, SectionText, SinglePartExtension,
    SpecificFields,
};

/// The message's bytes, to slice strings from, and the view's copy of them (to turn its
/// slices into offsets).
struct Owner<'b> {
    message: &'b Bytes,
    base: usize,
}

impl Owner<'_> {
    fn bytes(&self, s: StrView<'_>) -> Bytes {
        if s.kind == super::Kind::QuotedEscaped {
            Bytes::from(s.value().into_owned())
        } else {
            self.message.slice(s.start as usize..s.end as usize)
        }
    }

    /// A slice of the view's bytes, as the same range of the message.
    fn raw(&self, s: &[u8]) -> Bytes {
        let start = s.as_ptr() as usize - self.base;
        self.message.slice(start..start + s.len())
    }

    fn istring(&self, s: StrView<'_>) -> IString {
        IString::unvalidated(self.bytes(s))
    }

    fn nstring(&self, s: Option<StrView<'_>>) -> NString {
        s.map(|s| self.istring(s))
    }

    fn strings(&self, s: Strings<'_>) -> Vec<IString> {
        s.map(|s| self.istring(s)).collect()
    }

    fn params(&self, p: Params<'_>) -> Vec<(IString, IString)> {
        p.map(|(k, v)| (self.istring(k), self.istring(v))).collect()
    }

    fn flag(&self, f: FlagView<'_>) -> FlagFetch {
        f.to_flag_fetch_with(|s| Atom::lenient(self.raw(s.as_bytes())))
    }

    fn envelope(&self, e: EnvelopeView<'_>) -> Envelope {
        let addresses = |list: super::Addresses<'_>| {
            list.map(|a| Address {
                name: self.nstring(a.name()),
                adl: self.nstring(a.adl()),
                mailbox: self.nstring(a.mailbox()),
                host: self.nstring(a.host()),
            })
            .collect()
        };
        Envelope {
            date: self.nstring(e.date()),
            subject: self.nstring(e.subject()),
            from: addresses(e.from()),
            sender: addresses(e.sender()),
            reply_to: addresses(e.reply_to()),
            to: addresses(e.to()),
            cc: addresses(e.cc()),
            bcc: addresses(e.bcc()),
            in_reply_to: self.nstring(e.in_reply_to()),
            message_id: self.nstring(e.message_id()),
        }
    }

    fn extension(&self, e: BodyExtensionView<'_>) -> BodyExtension {
        match e {
            BodyExtensionView::String(s) => BodyExtension::String(self.nstring(s)),
            BodyExtensionView::Number(n) => BodyExtension::Number(n),
            BodyExtensionView::List(l) => BodyExtension::List(l.map(|e| self.extension(e)).collect()),
        }
    }

    fn tail(&self, t: TailView<'_>) -> ExtensionTail {
        ExtensionTail {
            disposition: t
                .disposition()
                .map(|d| d.map(|d| Disposition { kind: self.istring(d.kind()), parameters: self.params(d.params()) })),
            language: t.language().map(|l| l.map(|l| self.strings(l))),
            location: t.location().map(|l| self.nstring(l)),
            extensions: t.extensions().map(|e| self.extension(e)).collect(),
        }
    }

    fn body(&self, b: BodyStructureView<'_>) -> BodyStructure {
        match b {
            BodyStructureView::Single(s) => {
                let fields = BodyFields {
                    parameters: self.params(s.params()),
                    id: self.nstring(s.id()),
                    description: self.nstring(s.description()),
                    encoding: self.istring(s.encoding()),
                    octets: s.size(),
                };
                let specific = match (s.envelope(), s.body(), s.lines()) {
                    (Some(e), Some(b), Some(lines)) => SpecificFields::Message {
                        envelope: Box::new(self.envelope(e)),
                        body: Box::new(self.body(b)),
                        lines,
                    },
                    (_, _, Some(lines)) => SpecificFields::Text { lines },
                    _ => SpecificFields::Basic,
                };
                let extension = s.md5().map(|md5| SinglePartExtension {
                    md5: self.nstring(md5),
                    tail: s.tail().map(|t| self.tail(t)).unwrap_or_default(),
                });
                BodyStructure::Single {
                    media_type: self.istring(s.media_type()),
                    subtype: self.istring(s.subtype()),
                    fields,
                    specific,
                    extension,
                }
            }
            BodyStructureView::Multipart(m) => BodyStructure::Multipart {
                parts: m.parts().map(|p| self.body(p)).collect(),
                subtype: self.istring(m.subtype()),
                extension: m.params().map(|p| MultipartExtension {
                    parameters: self.params(p),
                    tail: m.tail().map(|t| self.tail(t)).unwrap_or_default(),
                }),
            },
        }
    }

    fn parts(p: PartNumbers<'_>) -> Vec<NonZeroU32> {
        p.collect()
    }

    fn item(&self, item: FetchItemView<'_>) -> FetchItem {
        match item {
            FetchItemView::Flags(f) => FetchItem::Flags(f.map(|f| self.flag(f)).collect()),
            FetchItemView::InternalDate(d) => FetchItem::InternalDate(d),
            FetchItemView::Rfc822Size(n) => FetchItem::Rfc822Size(n),
            FetchItemView::Uid(n) => FetchItem::Uid(n),
            FetchItemView::Envelope(e) => FetchItem::Envelope(Box::new(self.envelope(e))),
            FetchItemView::Body(b) => FetchItem::Body(Box::new(self.body(b))),
            FetchItemView::BodyStructure(b) => FetchItem::BodyStructure(Box::new(self.body(b))),
            FetchItemView::BodySection { section, origin, data } => {
                let text = section.text().map(|t| match t {
                    SectionTextView::Header => SectionText::Header,
                    SectionTextView::HeaderFields(n) => SectionText::HeaderFields(self.strings(n)),
                    SectionTextView::HeaderFieldsNot(n) => SectionText::HeaderFieldsNot(self.strings(n)),
                    SectionTextView::Text => SectionText::Text,
                    SectionTextView::Mime => SectionText::Mime,
                });
                let section = Section { part: Self::parts(section.part()), text };
                FetchItem::BodySection { section, origin, data: self.nstring(data) }
            }
            FetchItemView::Rfc822(s) => FetchItem::Rfc822(self.nstring(s)),
            FetchItemView::Rfc822Header(s) => FetchItem::Rfc822Header(self.nstring(s)),
            FetchItemView::Rfc822Text(s) => FetchItem::Rfc822Text(self.nstring(s)),
            FetchItemView::Binary { part, origin, data } => {
                FetchItem::Binary { part: Self::parts(part), origin, data: data.map(|d| self.bytes(d)) }
            }
            FetchItemView::BinarySize { part, size } => FetchItem::BinarySize { part: Self::parts(part), size },
            FetchItemView::SaveDate(d) => FetchItem::SaveDate(d),
            FetchItemView::Preview(p) => FetchItem::Preview(self.nstring(p)),
            FetchItemView::EmailId(id) => FetchItem::EmailId(ObjectId::unvalidated(self.raw(id.as_bytes()))),
            FetchItemView::ThreadId(id) => {
                FetchItem::ThreadId(id.map(|id| ObjectId::unvalidated(self.raw(id.as_bytes()))))
            }
            FetchItemView::ModSeq(n) => FetchItem::ModSeq(n),
            FetchItemView::GmailMessageId(n) => FetchItem::GmailMessageId(n),
            FetchItemView::GmailThreadId(n) => FetchItem::GmailThreadId(n),
            FetchItemView::GmailLabels(l) => FetchItem::GmailLabels(self.strings(l)),
            FetchItemView::Other { name, value } => FetchItem::Other { name: self.raw(name), value: self.raw(value) },
        }
    }
}

/// The owned response for the view rooted at `root`, slicing strings from `message`
/// (which holds the same bytes as `root.src`).
pub(super) fn response(root: At<'_>, message: &Bytes) -> Response {
    let owner = Owner { message, base: root.src.as_ptr() as usize };
    let items = super::Items(root.children()).map(|i| owner.item(i)).collect();
    let seq = NonZeroU32::new(root.node().a).expect("checked non-zero by the parser");
    Response::Data(Data::Fetch { seq, items })
}
