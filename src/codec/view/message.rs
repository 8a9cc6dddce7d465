//! One FETCH response, owned and read in place: its framed bytes and its tape. It is what
//! the clients hand out per fetched message: validated once, then every accessor reads
//! the tape, and a body is a zero-copy slice of the bytes that came off the socket. The
//! owned [`FetchItem`]s are built only if asked for ([`FetchMessage::items`]).

use std::borrow::Cow;
use std::num::NonZeroU32;

use bytes::Bytes;

use super::{scan, EnvelopeView, FetchItemView, FetchView, Flags, Kind, Node, StrView};
use crate::codec::parse::MalformedResponse;
use crate::types::{BodyStructure, Data, DateTime, FetchItem, FlagFetch, ObjectId, Response, Section};

/// A validated `* n FETCH (...)` response that owns its bytes (zero-copy: a slice of the
/// read buffer) and its tape: validated once, then read in place.
///
/// ```
/// use bytes::Bytes;
/// use imap_machine::codec::FetchMessage;
/// let raw = Bytes::from_static(b"* 3 FETCH (UID 42 FLAGS (\\Seen) BODY[] {5}\r\nhello)\r\n");
/// let m = FetchMessage::parse(raw).unwrap();
/// assert_eq!((m.seq(), m.uid()), (3, Some(42)));
/// assert_eq!(m.body().as_deref(), Some(&b"hello"[..]));
/// assert_eq!(m.flag_list().unwrap().len(), 1);
/// ```
#[derive(Clone)]
pub struct FetchMessage {
    raw: Bytes,
    nodes: Vec<Node>,
}

impl std::fmt::Debug for FetchMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchMessage").field("seq", &self.seq()).field("bytes", &self.raw.len()).finish()
    }
}

impl Eq for FetchMessage {}

impl PartialEq for FetchMessage {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl FetchMessage {
    /// Parses one framed FETCH response; accepts exactly what
    /// [`parse_response`](crate::codec::parse_response) accepts as a FETCH, and fails
    /// the same way (the bytes come back in the error).
    pub fn parse(raw: Bytes) -> Result<FetchMessage, MalformedResponse> {
        let mut nodes = Vec::with_capacity(8 + (raw.len() / 5).min(256));
        match scan::Scan::new(&raw, &mut nodes).response() {
            Ok(()) => Ok(FetchMessage { raw, nodes }),
            Err(error) => Err(MalformedResponse { error, raw }),
        }
    }

    /// The borrowed view, for every item (body structures, addresses, sections).
    pub fn view(&self) -> FetchView<'_> {
        FetchView { src: &self.raw, nodes: Cow::Borrowed(&self.nodes) }
    }

    /// The response's bytes, as framed.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The message sequence number.
    pub fn seq(&self) -> u32 {
        self.nodes[0].a
    }

    /// The first `UID`.
    pub fn uid(&self) -> Option<u32> {
        self.view().uid()
    }

    /// The first `RFC822.SIZE`.
    pub fn size(&self) -> Option<u32> {
        self.view().rfc822_size()
    }

    /// The first `MODSEQ` (RFC 7162 §3.1.4.1).
    pub fn modseq(&self) -> Option<u64> {
        self.view().modseq()
    }

    /// The first `INTERNALDATE`.
    pub fn internal_date(&self) -> Option<DateTime> {
        self.view().internal_date()
    }

    /// The flags of the first `FLAGS`, in place.
    pub fn flags(&self) -> Option<Flags<'_>> {
        let root = super::At { src: &self.raw, nodes: &self.nodes, i: 0 };
        root.children().find(|c| c.kind() == Kind::Flags).map(|c| Flags(c.children()))
    }

    /// The flags of the first `FLAGS`, owned (keywords copied out of the read buffer).
    pub fn flag_list(&self) -> Option<Vec<FlagFetch>> {
        Some(self.flags()?.map(|f| f.to_flag_fetch()).collect())
    }

    /// The first `ENVELOPE`, in place (`subject_text()` decodes its subject).
    pub fn envelope(&self) -> Option<EnvelopeView<'_>> {
        let root = super::At { src: &self.raw, nodes: &self.nodes, i: 0 };
        root.children().find(|c| c.kind() == Kind::EnvelopeItem).map(|c| EnvelopeView(c.child(0)))
    }

    /// The first `BODYSTRUCTURE` (or else `BODY`), owned.
    pub fn body_structure(&self) -> Option<BodyStructure> {
        self.items().into_iter().find_map(|i| match i {
            FetchItem::BodyStructure(b) | FetchItem::Body(b) => Some(*b),
            _ => None,
        })
    }

    /// A slice of the message bytes for `s` (zero-copy, unless it had escapes).
    fn bytes(&self, s: StrView<'_>) -> Bytes {
        match s.value() {
            Cow::Borrowed(b) => self.raw.slice_ref(b),
            Cow::Owned(v) => Bytes::from(v),
        }
    }

    /// The whole message: `BODY[]` (any origin), else `RFC822`; zero-copy.
    pub fn body(&self) -> Option<Bytes> {
        self.section(&Section::default()).or_else(|| {
            self.view().items().find_map(|i| match i {
                FetchItemView::Rfc822(Some(s)) => Some(self.bytes(s)),
                _ => None,
            })
        })
    }

    /// The data of `BODY[section]` (a partial fetch's too: its origin is in
    /// [`FetchMessage::items`]); zero-copy. `None` when absent or NIL.
    pub fn section(&self, section: &Section) -> Option<Bytes> {
        self.view().items().find_map(|i| match i {
            FetchItemView::BodySection { section: s, data: Some(d), .. } if s.matches(section) => Some(self.bytes(d)),
            _ => None,
        })
    }

    /// The first `SAVEDATE` (RFC 8514): `Some(None)` when the server answered NIL (the
    /// mailbox keeps no save dates).
    pub fn save_date(&self) -> Option<Option<DateTime>> {
        self.view().items().find_map(|i| match i {
            FetchItemView::SaveDate(d) => Some(d),
            _ => None,
        })
    }

    /// The first `PREVIEW` (RFC 8970), zero-copy: `Some(None)` when the server answered
    /// NIL (not at hand, for `PREVIEW (LAZY)`).
    pub fn preview(&self) -> Option<Option<Bytes>> {
        self.view().items().find_map(|i| match i {
            FetchItemView::Preview(p) => Some(p.map(|s| self.bytes(s))),
            _ => None,
        })
    }

    /// The first `EMAILID` (RFC 8474).
    pub fn email_id(&self) -> Option<ObjectId> {
        self.view().items().find_map(|i| match i {
            FetchItemView::EmailId(id) => Some(ObjectId::unvalidated(self.raw.slice_ref(id.as_bytes()))),
            _ => None,
        })
    }

    /// The first `THREADID` (RFC 8474): `Some(None)` when the server answered NIL (it keeps
    /// no threads).
    pub fn thread_id(&self) -> Option<Option<ObjectId>> {
        self.view().items().find_map(|i| match i {
            FetchItemView::ThreadId(id) => Some(id.map(|id| ObjectId::unvalidated(self.raw.slice_ref(id.as_bytes())))),
            _ => None,
        })
    }

    /// The owned items, equal to what `parse_response` gives for the same bytes (strings
    /// are slices of the message).
    pub fn items(&self) -> Vec<FetchItem> {
        match self.view().to_response_in(&self.raw) {
            Response::Data(Data::Fetch { items, .. }) => items,
            _ => Vec::new(),
        }
    }

    /// The owned `Data::Fetch`.
    pub fn into_data(self) -> Data {
        let seq = NonZeroU32::new(self.seq()).expect("checked non-zero by the parser");
        Data::Fetch { seq, items: self.items() }
    }
}
