//! A borrowed, fully validated, zero-copy view of one FETCH response, and the FETCH
//! grammar itself.
//!
//! The FETCH grammar (`msg-att`, `envelope`, `body`, `section`) is written once, here.
//! [`parse_fetch_view`] validates a message in one pass, leniently (`QUIRKS.md`), and
//! only records where each item, string and number is: a *tape* of 16-byte nodes in one
//! `Vec` (or in a caller's reused [`FetchTape`], so a loop allocates nothing). The
//! accessors read the tape; none of them parses again, and each costs O(1) or
//! O(children).
//!
//! The owned values are built from the same tape: [`parse_response`](crate::codec::parse_response)
//! scans a FETCH into a tape kept per thread and converts it ([`FetchView::to_response_in`]),
//! with short strings copied inline and longer ones as [`Bytes`] slices of the message
//! (see [`IString`](crate::types::IString)); the command parser's `section` and
//! URLFETCH's `body` go the same way. So the view and the owned value never disagree.
//!
//! Quoted strings with escapes are kept as their raw span and undone on access
//! ([`StrView::value`]). [`FetchView::to_response`] converts to the owned type, equal to
//! what `parse_response` returns for the same bytes. Messages that are not an untagged
//! FETCH are refused with a [`ParseError`]; parse those with `parse_response`.
//!
//! ```
//! use imap_machine::codec::{parse_fetch_view, BodyStructureView, FetchItemView};
//! let msg = b"* 7 FETCH (UID 42 FLAGS (\\Seen) ENVELOPE (NIL \"Hi\" ((\"Al\" NIL \"al\" \"x.org\")) \
//!     NIL NIL NIL NIL NIL NIL \"<1@x.org>\") BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"utf-8\") \
//!     NIL NIL \"7bit\" 12 1))\r\n";
//! let view = parse_fetch_view(msg).unwrap();
//! assert_eq!((view.seq().get(), view.uid()), (7, Some(42)));
//! let env = view.envelope().unwrap();
//! assert_eq!(env.subject().unwrap().value().as_ref(), b"Hi");
//! assert_eq!(env.from().next().unwrap().host().unwrap().raw(), b"x.org");
//! let Some(BodyStructureView::Single(part)) = view.body_structure() else { panic!() };
//! assert_eq!((part.subtype().raw(), part.size(), part.lines()), (&b"plain"[..], 12, Some(1)));
//! assert_eq!(view.items().count(), 4);
//! assert!(matches!(view.items().next(), Some(FetchItemView::Uid(42))));
//! ```

mod body;
mod items;
mod message;
mod owned;
mod scan;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::num::NonZeroU32;

use bytes::Bytes;

pub use body::{
    BodyExtensionView, BodyParts, BodyStructureView, DispositionView, Extensions, MultipartView, Params,
    SinglePartView, TailView,
};
use items::internal_date;
pub use items::{AddressView, EnvelopeView, FetchItemView, FlagView, SectionTextView, SectionView};
pub use message::FetchMessage;
pub(crate) use owned::{
    body as owned_body, fetch_response as owned_fetch_response, section as owned_section,
    section_binary as owned_section_binary,
};

use crate::codec::parse::ParseError;
use crate::types::{DateTime, Response};

/// What a tape node records. Items, then the values inside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    /// The root: `a` is the message number; the children are the items.
    Fetch,
    /// `a`: the UID.
    Uid,
    /// `a`: the size.
    Rfc822Size,
    /// `a` + `b` << 32: seconds since the epoch; `aux`: zone in minutes + [`ZONE_BIAS`].
    InternalDate,
    /// Children: [`Kind::Flag`] nodes.
    Flags,
    /// Child: one [`Kind::Envelope`].
    EnvelopeItem,
    /// Child: one body node.
    Body,
    /// Child: one body node.
    BodyStructure,
    /// `aux` 1 if there is an origin (in `a`); children: a [`Kind::Section`], the data.
    BodySection,
    /// Child: the nstring.
    Rfc822,
    /// Child: the nstring.
    Rfc822Header,
    /// Child: the nstring.
    Rfc822Text,
    /// Like [`Kind::BodySection`], with the part numbers in place of the section.
    Binary,
    /// `a`: the size; children: the part numbers.
    BinarySize,
    /// `a` + `b` << 32.
    ModSeq,
    /// `a` + `b` << 32.
    GmailMessageId,
    /// `a` + `b` << 32.
    GmailThreadId,
    /// Children: string nodes.
    GmailLabels,
    /// Like [`Kind::InternalDate`]; `aux` [`SAVEDATE_NIL`] for NIL (RFC 8514).
    SaveDate,
    /// Child: the nstring (RFC 8970).
    Preview,
    /// `a..b`: the object id (RFC 8474).
    EmailId,
    /// `a..b`: the object id; `aux` 1 for NIL (RFC 8474).
    ThreadId,
    /// `a..b`: the name; child: one [`Kind::Raw`] with the value.
    Other,
    /// `a..b`: an unknown item's value, as sent.
    Raw,
    // ---- values ----
    /// NIL (an empty span).
    Nil,
    /// `a..b`: content of a quoted string without escapes.
    Quoted,
    /// `a..b`: raw content of a quoted string with escapes.
    QuotedEscaped,
    /// `a..b`: a literal's payload.
    Literal,
    /// `a..b`: a `literal8` payload.
    Literal8,
    /// `a..b`: an atom-like token taken as a string.
    Atom,
    /// `a`: a number.
    Number,
    /// `a..b`: the flag as sent; `aux`: its `lex::FlagKind`.
    Flag,
    /// Children: date, subject, six address lists, in-reply-to, message-id.
    Envelope,
    /// Children: [`Kind::Address`] nodes.
    AddressList,
    /// Children: name, adl, mailbox, host.
    Address,
    /// `aux`: `SPEC_*` | [`BODY_EXT`]. Children: type, subtype, params, id, description,
    /// encoding, octets, then lines (text) or envelope, body, lines (message), then md5
    /// and a [`Kind::Tail`] if extended.
    Single,
    /// `aux`: [`BODY_EXT`]. Children: the parts, the subtype, then params and a tail if
    /// extended.
    Multipart,
    /// Children: key, value, key, value, ...
    Params,
    /// `aux`: how many of disposition, language and location were sent; children: those,
    /// then the extension values.
    Tail,
    /// `aux` 1 for NIL; children: the kind and a [`Kind::Params`].
    Disposition,
    /// `aux` 1 for NIL; children: strings.
    Language,
    /// Children: body-extension values.
    ExtensionList,
    /// `aux`: `TEXT_*`; children: part numbers, then header-field names.
    Section,
}

/// One tape entry. `next` is the index just past its subtree, so siblings are one hop
/// apart and a node's children are the nodes from `index + 1` up to `next`.
#[derive(Clone, Copy, Debug)]
struct Node {
    kind: Kind,
    aux: u16,
    next: u32,
    a: u32,
    b: u32,
}

const SPEC_TEXT: u16 = 1;
const SPEC_MESSAGE: u16 = 2;
const BODY_EXT: u16 = 4;

const TEXT_HEADER: u16 = 1;
const TEXT_FIELDS: u16 = 2;
const TEXT_FIELDS_NOT: u16 = 3;
const TEXT_TEXT: u16 = 4;
const TEXT_MIME: u16 = 5;

/// The `aux` of a `SAVEDATE NIL` node (no zone is this large).
const SAVEDATE_NIL: u16 = u16::MAX;

/// Added to a zone's minutes (at most ±23:59) to store it in a `u16`.
const ZONE_BIAS: i32 = 1440;

/// A string's span and form, while scanning.
#[derive(Clone, Copy)]
struct Str {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Str {
    /// The value: the span, with escapes undone; empty for NIL.
    fn value(self, src: &[u8]) -> Cow<'_, [u8]> {
        let raw = &src[self.start..self.end];
        match self.kind {
            Kind::Nil => Cow::Borrowed(&[]),
            Kind::QuotedEscaped => Cow::Owned(crate::codec::lex::unescape(raw)),
            _ => Cow::Borrowed(raw),
        }
    }
}

/// Parses one framed `* n FETCH (...)` message into a view that owns its tape (one
/// allocation). To parse many messages without allocating, use [`FetchTape::parse`].
///
/// Accepts exactly the FETCH responses [`parse_response`](crate::codec::parse_response)
/// accepts; any other message is an error.
pub fn parse_fetch_view(message: &[u8]) -> Result<FetchView<'_>, ParseError> {
    // A node per 5 bytes covers dense envelopes and body structures ("NIL " is 4 bytes);
    // capped, as a literal's payload needs no nodes.
    let mut nodes = Vec::with_capacity(8 + (message.len() / 5).min(256));
    scan::Scan::new(message, &mut nodes).response()?;
    Ok(FetchView { src: message, nodes: Cow::Owned(nodes) })
}

/// A reusable tape for [`FetchView`]s: parsing into it reuses its allocation.
///
/// ```
/// use imap_machine::codec::FetchTape;
/// let mut tape = FetchTape::new();
/// for msg in [&b"* 1 FETCH (UID 10)\r\n"[..], b"* 2 FETCH (UID 11)\r\n"] {
///     let view = tape.parse(msg).unwrap();
///     assert!(view.uid().unwrap() >= 10);
/// }
/// ```
#[derive(Clone, Debug, Default)]
pub struct FetchTape {
    nodes: Vec<Node>,
}

impl FetchTape {
    /// An empty tape.
    pub fn new() -> Self {
        FetchTape::default()
    }

    /// Parses `message` as [`parse_fetch_view`] does, writing over this tape.
    pub fn parse<'t>(&'t mut self, message: &'t [u8]) -> Result<FetchView<'t>, ParseError> {
        scan::Scan::new(message, &mut self.nodes).response()?;
        Ok(FetchView { src: message, nodes: Cow::Borrowed(&self.nodes) })
    }
}

/// A validated FETCH response, read in place. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct FetchView<'a> {
    src: &'a [u8],
    nodes: Cow<'a, [Node]>,
}

/// A position on the tape.
#[derive(Clone, Copy, Debug)]
struct At<'v> {
    src: &'v [u8],
    nodes: &'v [Node],
    i: usize,
}

impl<'v> At<'v> {
    #[inline]
    fn node(self) -> Node {
        self.nodes[self.i]
    }

    #[inline]
    fn kind(self) -> Kind {
        self.nodes[self.i].kind
    }

    /// The children, in order.
    #[inline]
    fn children(self) -> Children<'v> {
        Children { src: self.src, nodes: self.nodes, i: self.i + 1, end: self.node().next as usize }
    }

    /// The `n`th child (walks `n` siblings).
    #[inline]
    fn child(self, n: usize) -> At<'v> {
        let mut i = self.i + 1;
        for _ in 0..n {
            i = self.nodes[i].next as usize;
        }
        At { i, ..self }
    }

    /// The following sibling.
    #[inline]
    fn next(self) -> At<'v> {
        At { i: self.node().next as usize, ..self }
    }

    /// The `a..b` bytes.
    #[inline]
    fn span(self) -> &'v [u8] {
        let n = self.node();
        &self.src[n.a as usize..n.b as usize]
    }

    /// A string node as a [`StrView`] (NIL reads as empty).
    #[inline]
    fn string(self) -> StrView<'v> {
        let n = self.node();
        StrView { src: self.src, kind: n.kind, start: n.a, end: n.b }
    }

    /// An nstring node: `None` for NIL.
    #[inline]
    fn nstring(self) -> Option<StrView<'v>> {
        (self.kind() != Kind::Nil).then(|| self.string())
    }

    /// `a` + `b` << 32.
    #[inline]
    fn wide(self) -> u64 {
        let n = self.node();
        u64::from(n.a) | (u64::from(n.b) << 32)
    }
}

/// The children of a node.
#[derive(Clone, Debug)]
struct Children<'v> {
    src: &'v [u8],
    nodes: &'v [Node],
    i: usize,
    end: usize,
}

impl<'v> Iterator for Children<'v> {
    type Item = At<'v>;

    #[inline]
    fn next(&mut self) -> Option<At<'v>> {
        if self.i >= self.end {
            return None;
        }
        let at = At { src: self.src, nodes: self.nodes, i: self.i };
        self.i = self.nodes[self.i].next as usize;
        Some(at)
    }
}

/// Declares a public iterator over a node's children, mapping each child.
macro_rules! child_iter {
    ($(#[$m:meta])* $name:ident => $item:ty, |$c:ident| $map:expr) => {
        $(#[$m])*
        #[derive(Clone, Debug)]
        pub struct $name<'v>(Children<'v>);

        impl<'v> Iterator for $name<'v> {
            type Item = $item;

            #[inline]
            fn next(&mut self) -> Option<$item> {
                let $c = self.0.next()?;
                Some($map)
            }
        }
    };
}
pub(crate) use child_iter;

child_iter!(
    /// The items of a FETCH response, in the order sent.
    Items => FetchItemView<'v>, |c| FetchItemView::at(c)
);
child_iter!(
    /// The flags of a `FLAGS` item.
    Flags => FlagView<'v>, |c| FlagView::at(c)
);
child_iter!(
    /// Strings of a list: Gmail labels, languages, header-field names.
    Strings => StrView<'v>, |c| c.string()
);
child_iter!(
    /// The addresses of an address list.
    Addresses => AddressView<'v>, |c| AddressView(c)
);

/// Part numbers of a section (`1.2.3`), as sent.
#[derive(Clone, Debug)]
pub struct PartNumbers<'v>(Children<'v>);

impl Iterator for PartNumbers<'_> {
    type Item = NonZeroU32;

    fn next(&mut self) -> Option<NonZeroU32> {
        let c = self.0.clone().next().filter(|c| c.kind() == Kind::Number)?;
        self.0.next();
        NonZeroU32::new(c.node().a)
    }
}

/// A string value in place: a quoted string, a literal or an atom-like token.
#[derive(Clone, Copy)]
pub struct StrView<'v> {
    src: &'v [u8],
    kind: Kind,
    start: u32,
    end: u32,
}

impl<'v> StrView<'v> {
    /// The bytes as they stand in the message (a quoted string's content with its
    /// escapes, a literal's payload).
    pub fn raw(&self) -> &'v [u8] {
        &self.src[self.start as usize..self.end as usize]
    }

    /// The value, with a quoted string's escapes undone: borrowed unless there were any.
    pub fn value(&self) -> Cow<'v, [u8]> {
        Str { kind: self.kind, start: self.start as usize, end: self.end as usize }.value(self.src)
    }

    /// Whether the value was sent as a literal (`{n}` or `~{n}`).
    pub fn is_literal(&self) -> bool {
        matches!(self.kind, Kind::Literal | Kind::Literal8)
    }

    /// Whether the value was sent as a quoted string.
    pub fn is_quoted(&self) -> bool {
        matches!(self.kind, Kind::Quoted | Kind::QuotedEscaped)
    }

    /// The value as text, invalid UTF-8 replaced.
    pub fn to_str_lossy(&self) -> String {
        String::from_utf8_lossy(&self.value()).into_owned()
    }
}

impl std::fmt::Debug for StrView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StrView({:?})", String::from_utf8_lossy(&self.value()))
    }
}

impl PartialEq<[u8]> for StrView<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        self.value().as_ref() == other
    }
}

impl<'a> FetchView<'a> {
    fn root(&self) -> At<'_> {
        At { src: self.src, nodes: &self.nodes, i: 0 }
    }

    /// The message bytes the view reads.
    pub fn message(&self) -> &'a [u8] {
        self.src
    }

    /// The message sequence number.
    pub fn seq(&self) -> NonZeroU32 {
        NonZeroU32::new(self.nodes[0].a).expect("checked non-zero by the parser")
    }

    /// The items, in the order sent.
    pub fn items(&self) -> Items<'_> {
        Items(self.root().children())
    }

    fn find(&self, kind: Kind) -> Option<At<'_>> {
        self.root().children().find(|c| c.kind() == kind)
    }

    /// The first `UID`.
    pub fn uid(&self) -> Option<u32> {
        self.find(Kind::Uid).map(|c| c.node().a)
    }

    /// The first `RFC822.SIZE`.
    pub fn rfc822_size(&self) -> Option<u32> {
        self.find(Kind::Rfc822Size).map(|c| c.node().a)
    }

    /// The first `MODSEQ` (RFC 7162 §3.1.4.1).
    pub fn modseq(&self) -> Option<u64> {
        self.find(Kind::ModSeq).map(At::wide)
    }

    /// The first `INTERNALDATE`.
    pub fn internal_date(&self) -> Option<DateTime> {
        self.find(Kind::InternalDate).map(internal_date)
    }

    /// The flags of the first `FLAGS`.
    pub fn flags(&self) -> Option<Flags<'_>> {
        self.find(Kind::Flags).map(|c| Flags(c.children()))
    }

    /// The first `ENVELOPE`.
    pub fn envelope(&self) -> Option<EnvelopeView<'_>> {
        self.find(Kind::EnvelopeItem).map(|c| EnvelopeView(c.child(0)))
    }

    /// The first `BODYSTRUCTURE`, or else the first `BODY`.
    pub fn body_structure(&self) -> Option<BodyStructureView<'_>> {
        self.find(Kind::BodyStructure).or_else(|| self.find(Kind::Body)).map(|c| BodyStructureView::at(c.child(0)))
    }

    /// The owned [`Response`], equal to what `parse_response` returns for the same bytes.
    /// Copies the message once; the strings are slices of that copy.
    pub fn to_response(&self) -> Response {
        owned::response(self.root(), &Bytes::copy_from_slice(self.src))
    }

    /// Like [`FetchView::to_response`], but the strings are zero-copy slices of `message`,
    /// which must hold the bytes this view was parsed from (else they are copied).
    pub fn to_response_in(&self, message: &Bytes) -> Response {
        let same = message.as_ptr() == self.src.as_ptr() && message.len() == self.src.len();
        if same || message.as_ref() == self.src {
            owned::response(self.root(), message)
        } else {
            self.to_response()
        }
    }
}
