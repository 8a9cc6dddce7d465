//! Streamed message bodies: a FETCH body literal longer than
//! [`ClientOptions::stream_bodies_over`](super::ClientOptions::stream_bodies_over) is handed
//! to the user in pieces as it arrives ([`Event::BodyStarted`], [`Event::BodyChunk`],
//! [`Event::BodyEnded`]), and is never whole in memory.
//!
//! The framer offers each long literal ([`FramerEvent::LiteralOffered`]). When the message
//! so far is `* n FETCH (` and the literal is the value of a body item (RFC 3501 §7.4.2
//! `msg-att-static`: `BODY[section]<origin>`, `BINARY[section]<origin>` of RFC 3516,
//! `RFC822`, `RFC822.HEADER`, `RFC822.TEXT`), it is streamed; any other literal is
//! buffered within the framer's limits as before. The response itself is then parsed as
//! if the streamed literal had been empty (`{0}`): its other items (UID, FLAGS, other
//! sections) come as usual in [`Event::Fetch`] or [`Event::Data`], after
//! [`Event::BodyEnded`], with the streamed item empty.
//!
//! [`FramerEvent::LiteralOffered`]: crate::codec::FramerEvent::LiteralOffered

use bytes::Bytes;

use super::{Client, CommandId, Event};

/// The body literal being streamed.
#[derive(Debug)]
pub(super) struct BodyStream {
    command: Option<CommandId>,
    seq: u32,
    section: Bytes,
    offset: u64,
}

/// `* <seq> FETCH (`: the sequence number.
fn fetch_seq(head: &[u8]) -> Option<u32> {
    let rest = head.strip_prefix(b"* ")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let after = rest.get(digits..digits + 8)?;
    if digits == 0 || !after.eq_ignore_ascii_case(b" FETCH (") {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok().filter(|n| *n > 0)
}

/// The body item whose value the literal announced at the end of `head` is, as written
/// (`BODY[1.2]<0>`, `BINARY[]`, `RFC822`), and where its announcement starts.
fn body_item(head: &[u8]) -> Option<(Range, usize)> {
    let line_end = head.len() - usize::from(head.ends_with(b"\r\n")) - 1;
    let open = memchr::memrchr(b'{', &head[..line_end])?;
    let announce = if open > 0 && head[open - 1] == b'~' { open - 1 } else { open };
    let end = announce.checked_sub(1).filter(|&i| head[i] == b' ')?;
    let line_start = memchr::memrchr(b'\n', &head[..end]).map_or(0, |i| i + 1);
    let line = &head[line_start..end];
    let start = if line.ends_with(b"]") || line.ends_with(b">") {
        let upper = line.to_ascii_uppercase();
        let body = find_last(&upper, b"BODY[");
        let binary = find_last(&upper, b"BINARY[");
        body.max(binary)?
    } else {
        let token_start = memchr::memrchr2(b' ', b'(', line).map_or(0, |i| i + 1);
        let token = &line[token_start..];
        let known = [&b"RFC822"[..], b"RFC822.HEADER", b"RFC822.TEXT"];
        known.iter().any(|k| token.eq_ignore_ascii_case(k)).then_some(token_start)?
    };
    // The item follows `(` or a space: not the inside of another item's value.
    if start == 0 || !matches!(line[start - 1], b' ' | b'(') {
        return None;
    }
    Some(((line_start + start)..end, announce))
}

type Range = std::ops::Range<usize>;

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(hay, needle)
}

impl Client {
    /// The framer offers a literal of `length` octets: stream it if it is a FETCH body,
    /// else buffer it (within the framer's limits).
    pub(super) fn literal_offered(&mut self, length: u64) {
        self.prune_body_streams();
        let command = self.body_command();
        let over = command
            .and_then(|id| self.body_streams.iter().find(|(c, _)| *c == id).map(|(_, over)| *over))
            .or(self.options.stream_bodies_over);
        if over.is_none_or(|o| length <= o) {
            // Short enough: buffered as a whole, and nothing of the message copied.
            self.framer.buffer_literal();
            return;
        }
        let mut head = self.body_head.take().unwrap_or_default();
        let before = head.len();
        head.extend_from_slice(self.framer.partial_message());
        let Some((seq, (item, announce))) = fetch_seq(&head).zip(body_item(&head)) else {
            // Not a body: buffered as a whole, and the head stays what it was.
            head.truncate(before);
            self.body_head = (!head.is_empty()).then_some(head);
            self.framer.buffer_literal();
            return;
        };
        let section = Bytes::copy_from_slice(&head[item]);
        self.framer.stream_literal();
        // The response is parsed later with the literal empty.
        head.truncate(announce);
        head.extend_from_slice(b"{0}\r\n");
        self.body_head = Some(head);
        self.events.push_back(Event::BodyStarted { command, seq, section: section.clone(), length });
        self.body = Some(BodyStream { command, seq, section, offset: 0 });
    }

    /// Streams the bodies longer than `over` octets that answer the FETCH `id` (sent and
    /// not completed), whatever [`ClientOptions::stream_bodies_over`] says: an embedder
    /// that streams one message to a file and takes the others whole.
    ///
    /// [`ClientOptions::stream_bodies_over`]: super::ClientOptions::stream_bodies_over
    pub fn stream_bodies_of(&mut self, id: CommandId, over: u64) {
        self.body_streams.push((id, over));
        self.prune_body_streams();
    }

    /// Forgets the streaming of commands that completed, and offers the framer's literals
    /// from the least length still asked for.
    fn prune_body_streams(&mut self) {
        if self.body_streams.is_empty() {
            return;
        }
        let (inflight, queued) = (&self.inflight, &self.queued);
        self.body_streams.retain(|(c, _)| inflight.iter().any(|p| p.id == *c) || queued.iter().any(|q| q.id == *c));
        let least = self.body_streams.iter().map(|(_, o)| *o).chain(self.options.stream_bodies_over).min();
        self.framer.set_offer_literals_over(least);
    }

    /// The running FETCH the body answers: the oldest one in flight.
    fn body_command(&self) -> Option<CommandId> {
        self.inflight.iter().find(|p| p.collects.asks_bodies()).map(|p| p.id)
    }

    /// The next piece of the streamed body.
    pub(super) fn literal_chunk(&mut self, data: Bytes) {
        let Some(b) = self.body.as_mut() else { return };
        let offset = b.offset;
        b.offset += data.len() as u64;
        self.events.push_back(Event::BodyChunk {
            command: b.command,
            seq: b.seq,
            section: b.section.clone(),
            offset,
            data,
        });
    }

    /// The streamed body is complete.
    pub(super) fn literal_end(&mut self) {
        if let Some(b) = self.body.take() {
            self.events.push_back(Event::BodyEnded { command: b.command, seq: b.seq, section: b.section });
        }
    }

    /// A framed message: the rest of a response whose body was streamed, joined to its
    /// head; any other message as it is.
    pub(super) fn joined(&mut self, raw: Bytes) -> Bytes {
        match self.body_head.take() {
            None => raw,
            Some(mut head) => {
                head.extend_from_slice(&raw);
                head.freeze()
            }
        }
    }

    /// Whether a streamed body is arriving (its literal, or the rest of its response).
    pub(super) fn body_in_progress(&self) -> bool {
        self.body.is_some() || self.body_head.is_some()
    }
}

#[cfg(test)]
mod tests;
