//! FETCH literals sent in pieces: a whole message streamed from the store, never whole in
//! memory. The head of the response goes first (`* 5 FETCH (UID 9 BODY[] {52428800}`,
//! [`encode_fetch_head`]), then the octets as the store reads them, then `)` CRLF (RFC 3501
//! §4.3, §7.4.2). Responses made meanwhile (a `* 3 EXISTS` of another session, a `BAD` to a
//! pipelined command) wait for the end, so that none lands inside the literal.

use std::collections::VecDeque;
use std::num::NonZeroU32;

use bytes::Bytes;

use super::{Error, Server};
use crate::codec::{encode_fetch_head, encode_fetch_tail, Fragment, StreamedItem};
use crate::types::FetchItem;

/// The literal being sent.
#[derive(Debug)]
pub(super) struct OutLiteral {
    /// Octets still to come.
    left: u64,
    /// The rest of the response after the literal (`encode_fetch_tail`).
    tail: Vec<Bytes>,
    /// Responses made meanwhile, in order, sent after the literal's response.
    pub(super) waiting: VecDeque<Bytes>,
}

impl Server {
    /// Starts an untagged FETCH response for message `seq`: the items `before`, then
    /// `streamed` with a literal of `len` octets that the embedder sends with
    /// [`Server::literal_chunk`] as it reads them, then the items `after`, which the
    /// machine sends after the last octet. Until then, every other response waits. Fails
    /// with [`Error::Closed`] once the connection is over, and with
    /// [`Error::InvalidState`] while another literal is open.
    pub fn begin_fetch_literal(
        &mut self,
        seq: NonZeroU32,
        before: &[FetchItem],
        streamed: &StreamedItem,
        len: u64,
        after: &[FetchItem],
    ) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        if self.outgoing.is_some() {
            return Err(Error::InvalidState);
        }
        let bytes = |f: Fragment| match f {
            Fragment::Line(b) | Fragment::Literal { data: b, .. } => b,
        };
        let head = encode_fetch_head(seq, before, streamed, len, self.utf8, &mut self.scratch);
        self.out.extend(head.into_fragments().into_iter().map(bytes));
        let tail = encode_fetch_tail(after, self.utf8, &mut self.scratch).into_fragments().into_iter().map(bytes);
        self.outgoing = Some(OutLiteral { left: len, tail: tail.collect(), waiting: VecDeque::new() });
        if len == 0 {
            self.end_literal();
        }
        Ok(())
    }

    /// The next octets of the literal [`Server::begin_fetch_literal`] opened, sent as
    /// they are (zero-copy). Fails with [`Error::InvalidState`], sending nothing, when no
    /// literal is open or `data` is longer than what is left of it.
    pub fn literal_chunk(&mut self, data: Bytes) -> Result<(), Error> {
        if self.is_closed() {
            return Err(Error::Closed);
        }
        let Some(o) = self.outgoing.as_mut() else {
            return Err(Error::InvalidState);
        };
        let n = data.len() as u64;
        if n > o.left {
            return Err(Error::InvalidState);
        }
        o.left -= n;
        let done = o.left == 0;
        if n > 0 {
            self.out.push_back(data);
        }
        if done {
            self.end_literal();
        }
        Ok(())
    }

    /// How many octets of the open literal are still to come; `None` when none is open.
    pub fn literal_left(&self) -> Option<u64> {
        self.outgoing.as_ref().map(|o| o.left)
    }

    /// Gives up on the open literal, when the rest of its octets can't be read: the
    /// connection ends (the octets it announced can't be taken back, RFC 3501 §4.3), after
    /// what was queued before. The client sees the connection close inside the literal,
    /// never a wrong message.
    pub fn abort_literal(&mut self) {
        if self.outgoing.take().is_some() {
            self.close();
        }
    }

    /// The literal is complete: the rest of the response, then what waited.
    fn end_literal(&mut self) {
        if let Some(o) = self.outgoing.take() {
            self.out.extend(o.tail);
            self.out.extend(o.waiting);
        }
    }
}

#[cfg(test)]
// Tests stand in for the embedder, which owns the clock.
#[allow(clippy::disallowed_methods)]
mod tests {
    use std::time::Instant;

    use proptest::prelude::*;

    use super::*;
    use crate::codec::encode_response;
    use crate::server::{Greeting, ServerOptions};
    use crate::types::{Data, Response, Section, SectionText};

    fn server() -> Server {
        let mut s =
            Server::new(ServerOptions { greeting: Greeting::PreAuth, ..ServerOptions::default() }, Instant::now());
        let mut sink = bytes::BytesMut::new();
        s.poll_transmit(&mut sink);
        s
    }

    fn sent(s: &mut Server) -> Vec<u8> {
        let mut out = bytes::BytesMut::new();
        s.poll_transmit(&mut out);
        out.to_vec()
    }

    fn seq(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[test]
    fn head_chunks_and_tail_are_the_whole_response() {
        let mut s = server();
        let items = [FetchItem::Uid(9), FetchItem::Rfc822Size(12)];
        let whole = StreamedItem::BodySection { section: Section::default(), origin: None };
        s.begin_fetch_literal(seq(5), &items, &whole, 12, &[FetchItem::Rfc822Size(12)]).unwrap();
        assert_eq!(s.literal_left(), Some(12));
        s.literal_chunk(Bytes::from_static(b"Subject")).unwrap();
        // Another session's EXISTS waits for the literal's end.
        s.send_data(Data::Exists(6)).unwrap();
        assert_eq!(s.literal_chunk(Bytes::from_static(b": x\r\nmore")), Err(Error::InvalidState));
        s.literal_chunk(Bytes::from_static(b": x\r\n")).unwrap();
        assert_eq!(s.literal_left(), None);
        assert_eq!(
            String::from_utf8(sent(&mut s)).unwrap(),
            "* 5 FETCH (UID 9 RFC822.SIZE 12 BODY[] {12}\r\nSubject: x\r\n RFC822.SIZE 12)\r\n* 6 EXISTS\r\n"
        );
        assert_eq!(s.literal_chunk(Bytes::from_static(b"x")), Err(Error::InvalidState));
    }

    #[test]
    fn an_empty_literal_ends_at_once_and_rfc822_is_labelled() {
        let mut s = server();
        s.begin_fetch_literal(seq(1), &[], &StreamedItem::Rfc822, 0, &[]).unwrap();
        assert_eq!(sent(&mut s), b"* 1 FETCH (RFC822 {0}\r\n)\r\n");
        let part = Section { part: vec![NonZeroU32::new(2).unwrap()], text: Some(SectionText::Text) };
        s.begin_fetch_literal(seq(2), &[], &StreamedItem::BodySection { section: part, origin: Some(7) }, 2, &[])
            .unwrap();
        assert_eq!(s.begin_fetch_literal(seq(3), &[], &StreamedItem::Rfc822, 1, &[]), Err(Error::InvalidState));
        s.literal_chunk(Bytes::from_static(b"ab")).unwrap();
        assert_eq!(sent(&mut s), b"* 2 FETCH (BODY[2.TEXT]<7> {2}\r\nab)\r\n");
    }

    #[test]
    fn an_aborted_literal_closes_the_connection() {
        let mut s = server();
        s.begin_fetch_literal(seq(1), &[], &StreamedItem::Rfc822, 10, &[]).unwrap();
        s.literal_chunk(Bytes::from_static(b"abc")).unwrap();
        s.send_data(Data::Exists(2)).unwrap();
        s.abort_literal();
        assert!(s.is_closed());
        // What was sent stays; what waited never goes inside the literal.
        assert_eq!(sent(&mut s), b"* 1 FETCH (RFC822 {10}\r\nabc");
        assert_eq!(s.literal_chunk(Bytes::from_static(b"d")), Err(Error::Closed));
    }

    proptest! {
        /// Head, the octets in any pieces, and the tail are what `encode_response` writes
        /// for the same FETCH with the streamed item among the others.
        #[test]
        fn streamed_equals_encoded(
            items in proptest::collection::vec(crate::testing::strategies::fetch_item(), 0..4),
            after in proptest::collection::vec(crate::testing::strategies::fetch_item(), 0..3),
            body in proptest::collection::vec(any::<u8>(), 0..200),
            cuts in proptest::collection::vec(any::<usize>(), 0..5),
            rfc822 in any::<bool>(),
        ) {
            // A literal always (a short body could otherwise go quoted).
            let mut body = body;
            body.push(b'\n');
            let data = crate::types::IString::unvalidated(Bytes::from(body.clone()));
            let (last, item) = if rfc822 {
                (StreamedItem::Rfc822, FetchItem::Rfc822(Some(data)))
            } else {
                let section = Section::default();
                (StreamedItem::BodySection { section: section.clone(), origin: None },
                 FetchItem::BodySection { section, origin: None, data: Some(data) })
            };
            let mut whole = items.clone();
            whole.push(item);
            whole.extend(after.iter().cloned());
            let expected = encode_response(
                &Response::Data(Data::Fetch { seq: seq(3), items: whole }),
                &mut bytes::BytesMut::new(),
            ).to_vec();
            let mut s = server();
            s.begin_fetch_literal(seq(3), &items, &last, body.len() as u64, &after).unwrap();
            let mut at = 0;
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (body.len() + 1)).collect();
            cuts.sort_unstable();
            for c in cuts.into_iter().chain([body.len()]).filter(|c| *c > 0) {
                if c > at {
                    s.literal_chunk(Bytes::copy_from_slice(&body[at..c])).unwrap();
                    at = c;
                }
            }
            prop_assert_eq!(sent(&mut s), expected);
        }
    }
}
