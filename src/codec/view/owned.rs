//! From the tape to the owned values: strings become slices of the message's [`Bytes`].
//!
//! This is how the owned parser reads what the tape's grammar covers: a whole FETCH
//! response ([`fetch_response`], for `parse_response`), a `body` (URLFETCH's
//! `BODYPARTSTRUCTURE`) and the `section` rules of the command grammar. Each rule is
//! written once, in `scan`.

use std::cell::RefCell;
use std::num::NonZeroU32;

use bytes::Bytes;

use super::body::{BodyExtensionView, BodyStructureView, Params, SinglePartView, TailView};
use super::scan::Scan;
use super::{
    At, EnvelopeView, FetchItemView, FlagView, Node, PartNumbers, SectionTextView, SectionView, StrView, Strings,
};
use super::{BODY_EXT, SPEC_MESSAGE, SPEC_TEXT};
use crate::codec::parse::ParseError;
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

    /// Short values are copied inline, longer ones sliced (see [`IString`]).
    #[inline]
    fn istring(&self, s: StrView<'_>) -> IString {
        if s.kind == super::Kind::QuotedEscaped {
            IString::unvalidated_copy(&s.value())
        } else {
            IString::unvalidated_slice(self.message, s.start as usize..s.end as usize)
        }
    }

    fn nstring(&self, s: Option<StrView<'_>>) -> NString {
        s.map(|s| self.istring(s))
    }

    fn strings(&self, s: Strings<'_>) -> Vec<IString> {
        s.map(|s| self.istring(s)).collect()
    }

    fn params(&self, p: Params<'_>) -> Vec<(IString, IString)> {
        let mut v = Vec::with_capacity(p.0.clone().count() / 2);
        v.extend(p.map(|(k, v)| (self.istring(k), self.istring(v))));
        v
    }

    fn flag(&self, f: FlagView<'_>) -> FlagFetch {
        f.to_flag_fetch_with(|s| Atom::lenient(self.raw(s.as_bytes())))
    }

    /// The children of `node`, each through `f`, in a `Vec` allocated once.
    #[inline]
    fn list<'v, T>(node: At<'v>, f: impl FnMut(At<'v>) -> T) -> Vec<T> {
        let children = node.children();
        let mut v = Vec::with_capacity(children.clone().count());
        v.extend(children.map(f));
        v
    }

    /// The envelope's fields in order, one walk over its children.
    fn envelope(&self, e: EnvelopeView<'_>) -> Envelope {
        let mut c = e.0.children();
        let mut field = || c.next().expect("the scanner wrote all ten envelope fields");
        let addresses = |list: At<'_>| {
            Self::list(list, |a| {
                let mut f = a.children();
                let mut part = || self.nstring(f.next().and_then(At::nstring));
                Address { name: part(), adl: part(), mailbox: part(), host: part() }
            })
        };
        Envelope {
            date: self.nstring(field().nstring()),
            subject: self.nstring(field().nstring()),
            from: addresses(field()),
            sender: addresses(field()),
            reply_to: addresses(field()),
            to: addresses(field()),
            cc: addresses(field()),
            bcc: addresses(field()),
            in_reply_to: self.nstring(field().nstring()),
            message_id: self.nstring(field().nstring()),
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
            BodyStructureView::Single(s) => self.single(s),
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

    /// `body-type-1part`, one walk over its children (the order `scan/body.rs` writes).
    fn single(&self, s: SinglePartView<'_>) -> BodyStructure {
        let mut c = s.0.children();
        let mut next = || c.next().expect("the scanner wrote every field of the part");
        let media_type = self.istring(next().string());
        let subtype = self.istring(next().string());
        let parameters = self.params(Params(next().children()));
        let id = self.nstring(next().nstring());
        let description = self.nstring(next().nstring());
        let encoding = self.istring(next().string());
        let octets = next().node().a;
        let specific = match s.0.node().aux & 3 {
            SPEC_TEXT => SpecificFields::Text { lines: next().node().a },
            SPEC_MESSAGE => {
                let envelope = Box::new(self.envelope(EnvelopeView(next())));
                let body = Box::new(self.body(BodyStructureView::at(next())));
                SpecificFields::Message { envelope, body, lines: next().node().a }
            }
            _ => SpecificFields::Basic,
        };
        let extension = (s.0.node().aux & BODY_EXT != 0).then(|| {
            let md5 = next();
            SinglePartExtension { md5: self.nstring(md5.nstring()), tail: self.tail(TailView(md5.next())) }
        });
        let fields = BodyFields { parameters, id, description, encoding, octets };
        BodyStructure::Single { media_type, subtype, fields, specific, extension }
    }

    fn section(&self, section: SectionView<'_>) -> Section {
        let text = section.text().map(|t| match t {
            SectionTextView::Header => SectionText::Header,
            SectionTextView::HeaderFields(n) => SectionText::HeaderFields(self.strings(n)),
            SectionTextView::HeaderFieldsNot(n) => SectionText::HeaderFieldsNot(self.strings(n)),
            SectionTextView::Text => SectionText::Text,
            SectionTextView::Mime => SectionText::Mime,
        });
        Section { part: Self::parts(section.part()), text }
    }

    fn parts(p: PartNumbers<'_>) -> Vec<NonZeroU32> {
        p.collect()
    }

    fn item(&self, item: FetchItemView<'_>) -> FetchItem {
        match item {
            FetchItemView::Flags(f) => {
                let mut flags = Vec::with_capacity(f.0.clone().count());
                flags.extend(f.map(|f| self.flag(f)));
                FetchItem::Flags(flags)
            }
            FetchItemView::InternalDate(d) => FetchItem::InternalDate(d),
            FetchItemView::Rfc822Size(n) => FetchItem::Rfc822Size(n),
            FetchItemView::Uid(n) => FetchItem::Uid(n),
            FetchItemView::Envelope(e) => FetchItem::Envelope(Box::new(self.envelope(e))),
            FetchItemView::Body(b) => FetchItem::Body(Box::new(self.body(b))),
            FetchItemView::BodyStructure(b) => FetchItem::BodyStructure(Box::new(self.body(b))),
            FetchItemView::BodySection { section, origin, data } => {
                FetchItem::BodySection { section: self.section(section), origin, data: self.nstring(data) }
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
    let mut items = Vec::with_capacity(root.children().count());
    items.extend(super::Items(root.children()).map(|i| owner.item(i)));
    let seq = NonZeroU32::new(root.node().a).expect("checked non-zero by the parser");
    Response::Data(Data::Fetch { seq, items })
}

/// Tapes above this many nodes are not kept for the next parse on the thread.
const KEPT_TAPE_NODES: usize = 4096;

thread_local! {
    /// The tape the owned parser scans into, reused so a parse allocates only what it
    /// returns.
    static TAPE: RefCell<Vec<Node>> = const { RefCell::new(Vec::new()) };
}

/// Runs `scan` over `message` on the thread's tape (a fresh one if it is in use), then
/// `build` on the root node.
fn on_tape<T>(
    message: &Bytes,
    scan: impl FnOnce(&mut Scan<'_, '_>) -> Result<usize, ParseError>,
    build: impl FnOnce(&Owner<'_>, At<'_>) -> T,
) -> Result<(usize, T), ParseError> {
    let run = |tape: &mut Vec<Node>| {
        let end = scan(&mut Scan::new(message, tape))?;
        let owner = Owner { message, base: message.as_ptr() as usize };
        let value = build(&owner, At { src: message, nodes: tape, i: 0 });
        if tape.capacity() > KEPT_TAPE_NODES {
            *tape = Vec::new();
        }
        Ok((end, value))
    };
    TAPE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut tape) => run(&mut tape),
        Err(_) => run(&mut Vec::new()),
    })
}

/// `response-data = "*" SP nz-number SP "FETCH" SP msg-att CRLF`: the whole framed
/// `message` as an owned FETCH response.
pub(crate) fn fetch_response(message: &Bytes) -> Result<Response, ParseError> {
    on_tape(message, |s| s.response().map(|()| message.len()), |_, root| response(root, message)).map(|(_, r)| r)
}

/// `body` at `at` in `message` (RFC 3501 §9), owned; and where it ends.
pub(crate) fn body(message: &Bytes, at: usize) -> Result<(usize, BodyStructure), ParseError> {
    on_tape(message, |s| s.body(at, 0), |o, root| o.body(BodyStructureView::at(root)))
}

/// `section` at `at` in `message`, owned; and where it ends.
pub(crate) fn section(message: &Bytes, at: usize) -> Result<(usize, Section), ParseError> {
    on_tape(message, |s| s.section(at), |o, root| o.section(SectionView(root)))
}

/// `section-binary` at `at` in `message`: the part numbers; and where it ends.
pub(crate) fn section_binary(message: &Bytes, at: usize) -> Result<(usize, Vec<NonZeroU32>), ParseError> {
    on_tape(message, |s| s.section_binary_node(at), |_, root| Owner::parts(SectionView(root).part()))
}
