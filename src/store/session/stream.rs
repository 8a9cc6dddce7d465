//! A whole message streamed out: `FETCH n (BODY[])` or `RFC822` of a message above the
//! session's threshold ([`Session::set_stream_fetches_over`]) is read from the store in
//! ranges ([`Backend::fetch_range`]) and sent piece by piece
//! ([`Server::begin_fetch_literal`], [`Server::literal_chunk`]), one range a step, so that
//! neither the session nor the output queue ever holds the message whole.
//!
//! Only for a store that says its `RFC822.SIZE` is exactly the length of the message's
//! CRLF text ([`Backend::streams_text`]): the literal's length is announced before its
//! first octet is read. A range the store can't read, or one shorter than announced, ends
//! the connection ([`Server::abort_literal`]): the client sees it close inside the literal,
//! never a wrong message.

use super::work::FetchJob;
use super::{Backend, Session};
use crate::codec::StreamedItem;
use crate::server::Server;
use crate::store::fetch;
use crate::types::{FetchAttribute, FetchItem};

/// The default of [`Session::set_stream_fetches_over`]: messages of 1 MiB and more.
pub const STREAM_FETCHES_OVER: u64 = 1 << 20;

/// Octets read from the store, and queued, per step of a streamed message.
pub(super) const STREAM_PIECE: u64 = 256 * 1024;

/// A message being streamed out.
#[derive(Debug)]
pub(super) struct BodyStream {
    pub(super) uid: u32,
    /// The next octet to read.
    pub(super) at: u64,
    /// The literal's length (the message's CRLF text).
    pub(super) len: u64,
}

/// Whether `a` reads the whole message text (`BODY[]`, `BODY.PEEK[]`, `RFC822`), and as
/// which response item.
fn whole_text(a: &FetchAttribute) -> Option<StreamedItem> {
    match a {
        FetchAttribute::Rfc822 => Some(StreamedItem::Rfc822),
        FetchAttribute::BodySection { section, partial: None, .. }
            if section.part.is_empty() && section.text.is_none() =>
        {
            Some(StreamedItem::BodySection { section: section.clone(), origin: None })
        }
        _ => None,
    }
}

/// The position among `atts` of the one item that reads the whole message text, when
/// the other items read no message or only its cached parse (ENVELOPE, BODYSTRUCTURE):
/// the FETCHes a large message can be streamed for.
pub(super) fn streamable(atts: &[FetchAttribute]) -> Option<usize> {
    let mut found = None;
    for (k, a) in atts.iter().enumerate() {
        if whole_text(a).is_some() {
            if found.is_some() {
                return None;
            }
            found = Some(k);
        } else if fetch::needs_body(a) && !fetch::from_parse(a) {
            return None;
        }
    }
    found
}

/// Whether `item` is the response item `label` names.
pub(super) fn is_item(label: &StreamedItem, item: &FetchItem) -> bool {
    match (label, item) {
        (StreamedItem::Rfc822, FetchItem::Rfc822(_)) => true,
        (StreamedItem::BodySection { section, origin }, FetchItem::BodySection { section: s, origin: o, .. }) => {
            s == section && o == origin
        }
        _ => false,
    }
}

/// The response item of the streamed attribute `atts[k]`.
pub(super) fn label(atts: &[FetchAttribute], k: usize) -> StreamedItem {
    whole_text(&atts[k]).unwrap_or(StreamedItem::Rfc822)
}

impl<B: Backend> Session<B> {
    /// Streams a FETCH's `BODY[]` or `RFC822` of messages of `octets` and more, for a
    /// store that supports it ([`Backend::streams_text`]); `u64::MAX` never streams.
    /// Default [`STREAM_FETCHES_OVER`]. It takes effect with a step budget
    /// ([`Session::set_step`]): each step sends one piece, after the last has drained.
    pub fn set_stream_fetches_over(&mut self, octets: u64) {
        self.stream_over = octets.max(1);
    }

    /// The threshold of streaming for this FETCH, if its items and the store allow it.
    pub(super) fn stream_threshold(&self, job: &FetchJob) -> Option<u64> {
        // Without a step budget every piece would be queued at once: no better than whole.
        let stepped = self.step != usize::MAX;
        let on = stepped && self.stream_over != u64::MAX && job.changed_since.is_none() && self.backend.streams_text();
        (on && streamable(&job.atts).is_some()).then_some(self.stream_over)
    }

    /// Sends the next piece of the message `job` streams; the stream is over when it
    /// returns with `job.stream` gone.
    pub(super) fn stream_step(&mut self, server: &mut Server, user: &B::User, job: &mut FetchJob) {
        let Some(s) = job.stream.as_mut() else { return };
        let name = match self.selected.as_ref() {
            Some(sel) => sel.name.clone(),
            None => {
                server.abort_literal();
                job.stream = None;
                return;
            }
        };
        let end = (s.at + STREAM_PIECE).min(s.len);
        let read = self.backend.fetch_range(user, &name, self.id, s.uid, s.at..end);
        let piece = match read {
            Ok(Some(piece)) if piece.len() as u64 == end - s.at => piece,
            // Gone, shorter than its size said, or unreadable: the literal can't be
            // finished truthfully.
            Ok(_) | Err(_) => {
                server.abort_literal();
                job.stream = None;
                return;
            }
        };
        s.at = end;
        let done = s.at == s.len;
        // As `mime::Message::section` has it: NUL, which a string can't hold, is 0x80.
        if server.literal_chunk(crate::mime::without_nul(piece)).is_err() || done {
            job.stream = None;
        }
    }
}
