//! The items of one fetched message, read by what they are: the same accessors for every
//! client (the tokio and blocking adapters, or an embedder of the client machine).

use super::{BodyStructure, DateTime, Envelope, FetchItem, FlagFetch, ObjectId, Section};

/// Accessors on the items of one fetched message (`* n FETCH (...)`), whatever order the
/// server sent them in.
///
/// ```
/// use imap_machine::types::{FetchItem, FetchItems};
/// let items = vec![FetchItem::Uid(7), FetchItem::Rfc822Size(42)];
/// assert_eq!((items.uid(), items.size(), items.envelope()), (Some(7), Some(42), None));
/// ```
pub trait FetchItems {
    /// `UID`
    fn uid(&self) -> Option<u32>;
    /// `FLAGS`
    fn flags(&self) -> Option<&[FlagFetch]>;
    /// `ENVELOPE`
    fn envelope(&self) -> Option<&Envelope>;
    /// `BODYSTRUCTURE` (or `BODY`)
    fn body_structure(&self) -> Option<&BodyStructure>;
    /// `RFC822.SIZE`
    fn size(&self) -> Option<u32>;
    /// `INTERNALDATE`
    fn internal_date(&self) -> Option<&DateTime>;
    /// The whole message (`BODY[]` or `RFC822`), or the part a partial fetch asked for
    /// (`BODY[]<0.20>`).
    fn body(&self) -> Option<&[u8]>;
    /// `BODY[section]`
    fn section(&self, section: &Section) -> Option<&[u8]>;
    /// `SAVEDATE` (RFC 8514): `Some(None)` when the server answered NIL.
    fn save_date(&self) -> Option<Option<&DateTime>>;
    /// `PREVIEW` (RFC 8970): `Some(None)` when the server answered NIL.
    fn preview(&self) -> Option<Option<&[u8]>>;
    /// `EMAILID` (RFC 8474)
    fn email_id(&self) -> Option<&ObjectId>;
    /// `THREADID` (RFC 8474): `Some(None)` when the server answered NIL.
    fn thread_id(&self) -> Option<Option<&ObjectId>>;
}

impl FetchItems for [FetchItem] {
    fn uid(&self) -> Option<u32> {
        self.iter().find_map(|i| match i {
            FetchItem::Uid(u) => Some(*u),
            _ => None,
        })
    }

    fn flags(&self) -> Option<&[FlagFetch]> {
        self.iter().find_map(|i| match i {
            FetchItem::Flags(f) => Some(f.as_slice()),
            _ => None,
        })
    }

    fn envelope(&self) -> Option<&Envelope> {
        self.iter().find_map(|i| match i {
            FetchItem::Envelope(e) => Some(&**e),
            _ => None,
        })
    }

    fn body_structure(&self) -> Option<&BodyStructure> {
        self.iter()
            .find_map(|i| match i {
                FetchItem::BodyStructure(b) => Some(&**b),
                _ => None,
            })
            .or_else(|| {
                self.iter().find_map(|i| match i {
                    FetchItem::Body(b) => Some(&**b),
                    _ => None,
                })
            })
    }

    fn size(&self) -> Option<u32> {
        self.iter().find_map(|i| match i {
            FetchItem::Rfc822Size(n) => Some(*n),
            _ => None,
        })
    }

    fn internal_date(&self) -> Option<&DateTime> {
        self.iter().find_map(|i| match i {
            FetchItem::InternalDate(d) => Some(d),
            _ => None,
        })
    }

    fn body(&self) -> Option<&[u8]> {
        self.section(&Section::default()).or_else(|| {
            self.iter().find_map(|i| match i {
                FetchItem::Rfc822(Some(s)) => Some(s.as_bytes()),
                _ => None,
            })
        })
    }

    fn section(&self, section: &Section) -> Option<&[u8]> {
        self.iter().find_map(|i| match i {
            // A partial fetch (`BODY[]<0.20>`) answers with its origin: the data is the same.
            FetchItem::BodySection { section: s, data: Some(d), .. } if s == section => Some(d.as_bytes()),
            _ => None,
        })
    }

    fn save_date(&self) -> Option<Option<&DateTime>> {
        self.iter().find_map(|i| match i {
            FetchItem::SaveDate(d) => Some(d.as_ref()),
            _ => None,
        })
    }

    fn preview(&self) -> Option<Option<&[u8]>> {
        self.iter().find_map(|i| match i {
            FetchItem::Preview(p) => Some(p.as_ref().map(|s| s.as_bytes())),
            _ => None,
        })
    }

    fn email_id(&self) -> Option<&ObjectId> {
        self.iter().find_map(|i| match i {
            FetchItem::EmailId(id) => Some(id),
            _ => None,
        })
    }

    fn thread_id(&self) -> Option<Option<&ObjectId>> {
        self.iter().find_map(|i| match i {
            FetchItem::ThreadId(id) => Some(id.as_ref()),
            _ => None,
        })
    }
}
