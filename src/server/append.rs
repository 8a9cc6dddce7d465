//! Streamed APPEND: a message literal reaches the embedder in chunks as it arrives.
//!
//! With [`ServerOptions::stream_appends_over`] set, the framer offers every literal longer
//! than that ([`crate::codec::FramerEvent::LiteralOffered`]). When the message so far is an APPEND
//! whose message literal this is (RFC 3501 §6.3.11, `append = "APPEND" SP mailbox
//! [SP flag-list] [SP date-time] SP literal`, or any message literal of `append = "APPEND"
//! SP mailbox 1*append-message`, RFC 3502 §6), the machine reports
//! [`Event::AppendStarted`] and waits for the embedder, which checks the mailbox first:
//! [`Server::accept_append`] sends `+` for a synchronising literal and lets the payload
//! through as [`Event::AppendChunk`]s, then [`Event::AppendEnded`]; completing the tag
//! instead refuses it (`NO [TRYCREATE]`), and the client never sends a synchronising
//! literal's payload (a non-synchronising one, RFC 7888, is skipped unread). Any other
//! literal is buffered as usual, within the framer's limits.
//!
//! MULTIAPPEND (RFC 3502): after a streamed message literal, the rest of the command is
//! framed as a new message. Whole messages in it come with [`Event::AppendEnded`]
//! (`after`); a further long message literal is offered again and reported as
//! [`Event::AppendNext`] (with the whole messages before it), to accept or refuse like the
//! first. A long literal inside `CATENATE (...)` is buffered, within the framer's limits.
//!
//! The message limit is [`ServerOptions::max_append_len`], not a memory bound: the machine
//! holds one input chunk at a time. A longer APPEND is refused with `NO [TOOBIG]` (RFC
//! 7889) before its payload is sent, when the literal is synchronising.

use bytes::{Bytes, BytesMut};

use super::{Event, Server, ServerOptions, Transition};
use crate::codec::parse::parse_append_rest;
use crate::codec::parse_command;
use crate::types::{
    AppendData, AppendMessage, Code, CommandBody, Continue, DateTime, Flag, Mailbox, Response, State, StatusKind, Tag,
};

/// How much of an offered literal's input the machine holds while it is decided
/// ([`Server::wants_input`]).
pub const HOLD_WHILE_OFFERED: usize = 256 * 1024;

/// An APPEND whose message literal is being streamed.
#[derive(Debug)]
pub(super) struct Streaming {
    tag: Tag,
    sync: bool,
    stage: Stage,
    /// The embedder completed the tag early (an error while storing): the rest of the
    /// payload is skipped and no more events are reported.
    discard: bool,
    /// The literal is a `utf8-literal`'s (RFC 6855 §4): its `)` opens the tail.
    utf8: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// [`Event::AppendStarted`] was reported; waiting for [`Server::accept_append`].
    Offered,
    /// The payload is coming.
    Payload,
    /// The payload is complete; the rest of the command line (CRLF) is to come.
    Tail,
}

/// A literal the framer offered, waiting to be decided.
#[derive(Debug, Clone, Copy)]
pub(super) struct Offer {
    length: u64,
    binary: bool,
    sync: bool,
}

/// The head of an offered literal with an empty literal in its place, parsed by `parse`.
/// The literal of a `utf8-literal` (`UTF8 (~{n}`, RFC 6855 §4) gets its `)` too.
fn with_placeholder<T>(head: &[u8], parse: impl FnOnce(&Bytes) -> Option<T>) -> Option<T> {
    let open = memchr::memrchr(b'{', head)?;
    let before = head[..open].strip_suffix(b"~").unwrap_or(&head[..open]);
    let utf8 = before.len() >= 6 && before[before.len() - 6..].eq_ignore_ascii_case(b"UTF8 (");
    let mut whole = BytesMut::with_capacity(open + 9);
    whole.extend_from_slice(&head[..open]);
    whole.extend_from_slice(if utf8 { b"{0}\r\n)\r\n" } else { b"{0}\r\n\r\n" });
    parse(&whole.freeze())
}

/// The last message of a parsed APPEND, if it is the message literal (not a CATENATE
/// part): its flags and date, and whether it is a `utf8-literal`.
fn streamed_last(messages: &mut Vec<AppendMessage>) -> Option<(Vec<Flag>, Option<DateTime>, bool)> {
    let last = messages.pop()?;
    let utf8 = match last.data {
        AppendData::Literal(_) => false,
        AppendData::Utf8(_) => true,
        AppendData::Catenate(_) => return None,
    };
    Some((last.flags, last.date, utf8))
}

/// The rest of the command after a streamed literal, without the `)` that closes a
/// `utf8-literal`; `None` if that `)` is missing.
fn after_literal(rest: &[u8], utf8: bool) -> Option<&[u8]> {
    if utf8 {
        rest.strip_prefix(b")")
    } else {
        Some(rest)
    }
}

/// What the command so far says when its last literal is a message literal of an APPEND
/// (`append = "APPEND" SP mailbox 1*append-message`, RFC 3502 §6): the tag, mailbox,
/// the messages given whole before it, and its flags and date.
#[allow(clippy::type_complexity)]
fn append_head(head: &[u8]) -> Option<(Tag, Mailbox, Vec<AppendMessage>, (Vec<Flag>, Option<DateTime>, bool))> {
    let cmd = with_placeholder(head, |b| parse_command(b).ok())?;
    match cmd.body {
        CommandBody::Append { mailbox, flags, date, .. } => Some((cmd.tag, mailbox, Vec::new(), (flags, date, false))),
        CommandBody::MultiAppend { mailbox, mut messages } => {
            let next = streamed_last(&mut messages)?;
            Some((cmd.tag, mailbox, messages, next))
        }
        _ => None,
    }
}

/// The same for the rest of a command after a streamed message literal
/// (`*append-message`): the messages given whole, and the next streamed one's flags and
/// date (and whether it is a `utf8-literal`). `utf8`: the previous one was, and its `)`
/// opens `head`.
#[allow(clippy::type_complexity)]
fn append_more(head: &[u8], utf8: bool) -> Option<(Vec<AppendMessage>, (Vec<Flag>, Option<DateTime>, bool))> {
    let head = after_literal(head, utf8)?;
    let mut messages = with_placeholder(head, |b| parse_append_rest(b).ok())?;
    let next = streamed_last(&mut messages)?;
    Some((messages, next))
}

impl Server {
    /// The framer offered a literal ([`crate::codec::FramerEvent::LiteralOffered`]).
    pub(super) fn offered(&mut self, length: u64, binary: bool, sync: bool) {
        self.offer = Some(Offer { length, binary, sync });
    }

    /// The next bytes of a streamed literal.
    pub(super) fn append_chunk(&mut self, data: Bytes) {
        if let Some(s) = self.streaming.as_ref().filter(|s| !s.discard && s.stage == Stage::Payload) {
            self.events.push_back(Event::AppendChunk { tag: s.tag.clone(), data });
        }
    }

    /// The streamed literal is complete; the rest of its line is to come.
    pub(super) fn literal_end(&mut self) {
        if let Some(s) = self.streaming.as_mut() {
            s.stage = Stage::Tail;
        }
    }

    /// Decides the offered literal, unless messages are held (the decision waits for
    /// them, in order). Returns whether one was decided.
    pub(super) fn decide_offer(&mut self) -> bool {
        let Some(offer) = self.offer else { return false };
        if self.holding() {
            return false;
        }
        match self.streaming.as_ref().map(|s| s.stage) {
            None => {}
            Some(Stage::Tail) => {
                self.offer = None;
                self.decide_next(offer);
                return true;
            }
            Some(_) => return false,
        }
        self.offer = None;
        let command = match (&self.auth, &self.idle) {
            (None, None) => append_head(self.framer.partial_message()),
            _ => None,
        };
        let Some((tag, mailbox, before, (flags, date, utf8))) = command else {
            // Any other literal: buffered within the limits, as if never offered.
            self.framer.buffer_literal();
            return true;
        };
        self.active_since_deadline = true;
        let refuse = if !matches!(self.state, State::Authenticated | State::Selected) {
            Some((StatusKind::Bad, None, format!("APPEND not allowed in the {:?} state", self.state)))
        } else if self.pending.iter().any(|(p, _)| *p == tag) {
            Some((StatusKind::Bad, None, "Tag already in use by a pending command".to_string()))
        } else if offer.length > self.options.max_append_len {
            let limit = self.options.max_append_len;
            Some((
                StatusKind::No,
                Some(Code::TooBig),
                format!("Message of {} bytes exceeds the limit of {limit}", offer.length),
            ))
        } else {
            None
        };
        if let Some((kind, code, why)) = refuse {
            self.framer.reject_literal();
            self.tagged(&tag, kind, code, &why);
            if kind == StatusKind::Bad {
                self.bad_input();
            }
            return true;
        }
        self.bad_streak = 0;
        self.pending.push((tag.clone(), Transition::None));
        self.streaming =
            Some(Streaming { tag: tag.clone(), sync: offer.sync, stage: Stage::Offered, discard: false, utf8 });
        let mailbox = if self.utf8 { mailbox.from_utf8_peer() } else { mailbox };
        self.events.push_back(Event::AppendStarted {
            tag,
            mailbox,
            before,
            flags,
            date,
            length: offer.length,
            binary: offer.binary,
            utf8,
        });
        true
    }

    /// A literal offered after a streamed message literal, within the same APPEND: the
    /// next streamed message (MULTIAPPEND, RFC 3502), announced as [`Event::AppendNext`];
    /// any other literal of the command (a CATENATE part) is buffered.
    fn decide_next(&mut self, offer: Offer) {
        let Some(s) = self.streaming.as_mut() else { return };
        if s.discard {
            // The command was answered already: the rest of it is skipped.
            self.streaming = None;
            self.framer.reject_literal();
            return;
        }
        let Some((before, (flags, date, utf8))) = append_more(self.framer.partial_message(), s.utf8) else {
            // A CATENATE TEXT part, or input the end of the command will show is bad.
            self.framer.buffer_literal();
            return;
        };
        let tag = s.tag.clone();
        if offer.length > self.options.max_append_len {
            // The whole command is refused: nothing of it is kept (RFC 3502 §6.3.11).
            let limit = self.options.max_append_len;
            self.streaming = None;
            self.framer.reject_literal();
            self.pending.retain(|(p, _)| *p != tag);
            self.events.push_back(Event::AppendAborted { tag: tag.clone() });
            let why = format!("Message of {} bytes exceeds the limit of {limit}", offer.length);
            self.tagged(&tag, StatusKind::No, Some(Code::TooBig), &why);
            return;
        }
        s.stage = Stage::Offered;
        s.sync = offer.sync;
        s.utf8 = utf8;
        self.events.push_back(Event::AppendNext {
            tag,
            before,
            flags,
            date,
            length: offer.length,
            binary: offer.binary,
            utf8,
        });
    }

    /// Lets the message of a streamed APPEND ([`Event::AppendStarted`]) come: answers `+`
    /// to a synchronising literal, then reports the payload as [`Event::AppendChunk`]s and
    /// [`Event::AppendEnded`]. To refuse it instead, complete the tag.
    pub fn accept_append(&mut self, tag: &Tag) -> Result<(), super::Error> {
        if self.closed {
            return Err(super::Error::Closed);
        }
        let Some(s) = self.streaming.as_mut().filter(|s| s.tag == *tag && s.stage == Stage::Offered) else {
            return Err(super::Error::InvalidState);
        };
        s.stage = Stage::Payload;
        let sync = s.sync;
        self.framer.stream_literal();
        if sync {
            let text = super::text("Ready for literal data");
            self.emit(&Response::Continue(Continue::Basic { code: None, text }));
        }
        self.pump_framer();
        Ok(())
    }

    /// Whether the machine takes more input now. `false` only while a non-synchronising
    /// literal waits for the embedder's decision ([`Event::AppendStarted`], or a command
    /// before it still running) and [`HOLD_WHILE_OFFERED`] bytes of it arrived: an
    /// adapter stops reading the socket until it is decided, so a client pushing a
    /// gigabyte cannot make the machine hold it.
    pub fn wants_input(&self) -> bool {
        let deciding = self.offer.is_some() || self.streaming.as_ref().is_some_and(|s| s.stage == Stage::Offered);
        !deciding || self.framer.buffered() < HOLD_WHILE_OFFERED
    }

    /// `complete` was called for `tag`: if it is a streamed APPEND's, its literal is
    /// refused (not accepted yet) or the rest of it skipped.
    pub(super) fn complete_streaming(&mut self, tag: &Tag) {
        let Some(s) = self.streaming.as_mut().filter(|s| s.tag == *tag) else { return };
        match s.stage {
            Stage::Offered => {
                self.streaming = None;
                self.framer.reject_literal();
            }
            Stage::Payload | Stage::Tail => s.discard = true,
        }
    }

    /// The message after a streamed literal: the rest of the APPEND command, CRLF or more
    /// messages given whole (`*append-message CRLF`, MULTIAPPEND, RFC 3502). `Err(m)`: no
    /// APPEND waits for its tail, `m` is a message as any other.
    pub(super) fn append_tail(&mut self, m: Option<Bytes>) -> Result<(), Option<Bytes>> {
        if !self.streaming.as_ref().is_some_and(|s| s.stage == Stage::Tail) {
            return Err(m);
        }
        let Some(s) = self.streaming.take() else { return Err(m) };
        if s.discard {
            return Ok(());
        }
        let rest = m.as_ref().and_then(|m| Some(m.slice_ref(after_literal(m, s.utf8)?)));
        let after = match rest {
            Some(m) if m.as_ref() == b"\r\n" || (self.options.framer.allow_bare_lf && m.as_ref() == b"\n") => {
                Some(Vec::new())
            }
            Some(m) => parse_append_rest(&m).ok(),
            None => None,
        };
        if let Some(after) = after {
            self.events.push_back(Event::AppendEnded { tag: s.tag, after });
        } else {
            self.events.push_back(Event::AppendAborted { tag: s.tag.clone() });
            self.pending.retain(|(p, _)| *p != s.tag);
            self.tagged(&s.tag, StatusKind::Bad, None, "Expected messages or CRLF after the message literal");
            self.bad_input();
        }
        Ok(())
    }
}

/// The framer options a server with these options uses.
pub(super) fn framer_options(options: &ServerOptions) -> crate::codec::FramerOptions {
    let mut f = options.framer.clone();
    if options.stream_appends_over.is_some() {
        f.offer_literals_over = options.stream_appends_over;
    }
    f
}

#[cfg(test)]
mod tests;
