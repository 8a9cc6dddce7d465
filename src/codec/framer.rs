//! The framer: turns a byte stream into whole messages.
//!
//! A message is one line plus every literal it announces (`{n}`, `{n+}` of RFC 7888, and
//! `~{n}` of RFC 3516), continuing until a line ends without an announcement. It comes out
//! as one frozen [`Bytes`] with the positions of its literals, so parsers slice it without
//! copying. Grammar parsing only ever sees whole messages, so a bad message is dropped as
//! a unit and the stream never desyncs.
//!
//! The scan uses memchr and never looks at a byte twice; literal payloads are skipped by
//! count, never scanned. An announced length allocates nothing: `{4294967295}` costs no
//! memory until bytes arrive, and then only up to the limits in [`FramerOptions`].
//!
//! A server that stores large messages as they arrive sets
//! [`FramerOptions::offer_literals_over`]: a longer literal is then *offered*
//! ([`FramerEvent::LiteralOffered`]) and the framer waits until its caller decides. Streamed
//! ([`Framer::stream_literal`]), the payload comes out as [`FramerEvent::LiteralChunk`]s as
//! it arrives, never held whole, and what follows the literal frames as a new message.
//!
//! ```
//! use imap_machine::codec::{Framer, FramerEvent, FramerOptions, Role};
//!
//! let mut framer = Framer::new(Role::Server, FramerOptions::default());
//! framer.handle_input(b"a1 LOGIN {3}\r\n");
//! // A server must answer `+` before the client sends a synchronising literal.
//! assert!(matches!(framer.poll(), Some(FramerEvent::LiteralAnnounced { length: 3, .. })));
//! assert!(framer.poll().is_none());
//! framer.handle_input(b"bob pw\r\n");
//! let Some(FramerEvent::Message(frame)) = framer.poll() else { panic!() };
//! assert_eq!(frame.bytes().as_ref(), b"a1 LOGIN {3}\r\nbob pw\r\n");
//! assert_eq!(frame.literals(), &[14..17]);
//! ```

use std::ops::Range;

use bytes::{Buf, Bytes, BytesMut};

/// Which side's messages are being framed; it decides what `{n}` means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Framing commands (we are the server). A synchronising literal `{n}` is reported
    /// with [`FramerEvent::LiteralAnnounced`], because the client waits for `+`.
    Server,
    /// Framing responses (we are the client). Literals follow their announcement at once.
    Client,
}

/// Limits of the framer. Past a limit the message is dropped and reported, and the next
/// message frames normally.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FramerOptions {
    /// Longest line, CRLF included, outside literals. Default 64 KiB: RFC 7162 §4 asks
    /// clients to keep command lines under 8192 octets and servers to accept 8192 at
    /// least; 64 KiB leaves room for long UID sets and SEARCH commands.
    pub max_line_len: usize,
    /// Longest single literal. Default 64 MiB: above the message size limits of the large
    /// public mail services (25–50 MB), below what one connection should hold in memory.
    pub max_literal_len: u64,
    /// Longest message, lines and literals together. Default 80 MiB: one maximal literal
    /// plus generous room for the lines around it.
    pub max_message_len: usize,
    /// Accept a line ending in LF alone. Default `false`: RFC 3501 requires CRLF, and a
    /// bare LF is how request-smuggling tricks start. A client talking to a broken server
    /// may turn it on.
    pub allow_bare_lf: bool,
    /// Offer every literal longer than this to the caller instead of buffering it
    /// ([`FramerEvent::LiteralOffered`]), whatever its length: the caller streams it,
    /// buffers it within the limits above, or refuses it. Default `None`: every literal is
    /// buffered within the limits.
    pub offer_literals_over: Option<u64>,
}

impl Default for FramerOptions {
    fn default() -> Self {
        FramerOptions {
            max_line_len: 64 * 1024,
            max_literal_len: 64 * 1024 * 1024,
            max_message_len: 80 * 1024 * 1024,
            allow_bare_lf: false,
            offer_literals_over: None,
        }
    }
}

/// A whole message: the bytes from its first line to its final CRLF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    bytes: Bytes,
    literals: Vec<Range<usize>>,
}

impl Frame {
    /// The message bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// Byte ranges of the literal payloads within [`Frame::bytes`].
    pub fn literals(&self) -> &[Range<usize>] {
        &self.literals
    }

    /// Takes the message bytes.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }
}

/// Why a message was dropped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameErrorKind {
    /// A line was longer than [`FramerOptions::max_line_len`].
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The limit.
        limit: usize,
    },
    /// A literal was announced longer than [`FramerOptions::max_literal_len`].
    #[error("literal of {length} bytes exceeds the limit of {limit}")]
    LiteralTooLong {
        /// The announced length.
        length: u64,
        /// The limit.
        limit: u64,
    },
    /// The message grew past [`FramerOptions::max_message_len`].
    #[error("message longer than {limit} bytes")]
    MessageTooLong {
        /// The limit.
        limit: usize,
    },
    /// A line ended in LF without CR.
    #[error("line ends in a bare LF")]
    BareLf,
}

/// A dropped message: why, and its first bytes (enough to find the tag for a BAD).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct FrameError {
    /// Why it was dropped.
    pub kind: FrameErrorKind,
    /// Up to the first [`FrameError::HEAD_LEN`] bytes of the message.
    pub head: Bytes,
}

impl FrameError {
    /// How much of a dropped message is kept in [`FrameError::head`].
    pub const HEAD_LEN: usize = 128;
}

/// What the framer has found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FramerEvent {
    /// A whole message.
    Message(Frame),
    /// ([`Role::Server`] only.) A line announced a synchronising literal within the limits.
    /// The client now waits: answer `+`, or call [`Framer::reject_literal`] and answer
    /// with a tagged BAD or NO. The partial message is [`Framer::partial_message`].
    LiteralAnnounced {
        /// Announced length.
        length: u32,
        /// `~{n}` (RFC 3516).
        binary: bool,
    },
    /// A message was dropped; framing goes on with the next one.
    Error(FrameError),
    /// A literal longer than [`FramerOptions::offer_literals_over`] was announced. The
    /// framer waits (no more events) until the caller calls [`Framer::stream_literal`],
    /// [`Framer::buffer_literal`] or [`Framer::reject_literal`]; the message so far is
    /// [`Framer::partial_message`].
    LiteralOffered {
        /// Announced length.
        length: u64,
        /// `~{n}` (RFC 3516).
        binary: bool,
        /// `{n}`: the client waits for `+` before it sends the payload (a server must
        /// answer it); `false` for `{n+}` (RFC 7888), whose payload follows at once.
        sync: bool,
    },
    /// The next bytes of a streamed literal ([`Framer::stream_literal`]), as they arrived.
    LiteralChunk(Bytes),
    /// The streamed literal is complete. What follows it frames as a new message (for a
    /// command, the rest of its line: usually just CRLF).
    LiteralEnd,
}

/// A parsed `{n}` / `{n+}` / `~{n}` at the end of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Announcement {
    length: u64,
    sync: bool,
    binary: bool,
}

/// Parses a literal announcement at the end of `line` (CRLF already removed).
fn announcement(line: &[u8]) -> Option<Announcement> {
    let body = line.strip_suffix(b"}")?;
    let (body, sync) = match body.strip_suffix(b"+") {
        Some(b) => (b, false),
        None => (body, true),
    };
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let (before, num) = body.split_at(body.len() - digits);
    let before = before.strip_suffix(b"{")?;
    let binary = before.last() == Some(&b'~');
    let length = num.iter().fold(0u64, |acc, d| acc.saturating_mul(10).saturating_add(u64::from(d - b'0')));
    Some(Announcement { length, sync, binary })
}

/// Longest possible announcement (`~{` + 20 digits + `+}` + CR), which skip mode keeps
/// of each line it discards.
const TAIL: usize = 32;

#[derive(Debug)]
enum State {
    /// Scanning a line of the current message.
    Line,
    /// Waiting for a literal's payload, which ends at this index of `buf`.
    Literal { end: usize },
    /// Discarding a poisoned message's line, keeping its last bytes.
    SkipLine { tail: [u8; TAIL], tail_len: usize },
    /// Discarding a poisoned message's literal.
    SkipLiteral { remaining: u64 },
    /// A literal was offered; waiting for the caller's decision. The announcing line ends
    /// with the LF at `lf`.
    Offered { ann: Announcement, lf: usize },
    /// Handing out a streamed literal's payload, of which `remaining` bytes are to come.
    Stream { remaining: u64 },
}

/// The framer (see the module docs).
#[derive(Debug)]
pub struct Framer {
    role: Role,
    options: FramerOptions,
    /// Bytes of the current message from its start, then whatever follows.
    buf: BytesMut,
    state: State,
    /// Start of the current line within `buf`.
    line_start: usize,
    /// How far the current line has been scanned for LF.
    scan: usize,
    literals: Vec<Range<usize>>,
    /// Why the message being skipped was poisoned, and its head (`None`: skipped without
    /// an event, after [`Framer::reject_literal`]).
    poison: Option<FrameError>,
    /// An offered literal to buffer ([`Framer::buffer_literal`]): its announcement and LF.
    resume: Option<(Announcement, usize)>,
}

impl Framer {
    /// A framer for the given side.
    pub fn new(role: Role, options: FramerOptions) -> Self {
        Framer {
            role,
            options,
            buf: BytesMut::new(),
            state: State::Line,
            line_start: 0,
            scan: 0,
            literals: Vec::new(),
            poison: None,
            resume: None,
        }
    }

    /// The options in force.
    pub fn options(&self) -> &FramerOptions {
        &self.options
    }

    /// Buffers received bytes. Call [`Framer::poll`] until it returns `None` afterwards.
    pub fn handle_input(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Bytes held right now; bounded by the limits plus one input chunk.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Takes every octet not yet handed out as an event, leaving the framer empty, as new:
    /// the stream switches layer here (COMPRESS, RFC 4978), so the rest is not IMAP.
    pub fn take_unframed(&mut self) -> BytesMut {
        let rest = std::mem::take(&mut self.buf);
        *self = Framer::new(self.role, self.options.clone());
        rest
    }

    /// Whether a message is partly received (for detecting a truncated stream at EOF).
    pub fn is_mid_message(&self) -> bool {
        !self.buf.is_empty() || !matches!(self.state, State::Line)
    }

    /// Changes [`FramerOptions::offer_literals_over`] from the next announcement on.
    pub fn set_offer_literals_over(&mut self, over: Option<u64>) {
        self.options.offer_literals_over = over;
    }

    /// The bytes of the message received so far (its lines and literals up to now).
    pub fn partial_message(&self) -> &[u8] {
        let end = match self.state {
            State::Literal { end } => end.min(self.buf.len()),
            _ => self.scan.min(self.buf.len()),
        };
        &self.buf[..end]
    }

    /// Drops the message whose synchronising literal was just announced (or offered),
    /// because the server refuses it; the client will not send the payload. For an offered
    /// non-synchronising literal, which the client sends anyway, the payload and the rest
    /// of the message are skipped without an event. Returns the partial message (for its
    /// tag), or `None` if no literal is pending.
    pub fn reject_literal(&mut self) -> Option<Bytes> {
        if let State::Offered { ann, lf } = self.state {
            let partial = self.buf.split_to(lf + 1).freeze();
            self.reset();
            if !ann.sync {
                self.state = State::SkipLiteral { remaining: ann.length };
                self.poison = None;
            }
            return Some(partial);
        }
        let State::Literal { .. } = self.state else { return None };
        let start = self.literals.pop()?.start;
        let partial = self.buf.split_to(start).freeze();
        self.reset();
        Some(partial)
    }

    /// Streams the offered literal: returns the message up to it (its lines and the
    /// literals before it), then hands out its payload as [`FramerEvent::LiteralChunk`]s
    /// and [`FramerEvent::LiteralEnd`]. `None` if no literal is offered. A server answers
    /// `+` to a synchronising one.
    pub fn stream_literal(&mut self) -> Option<Bytes> {
        let State::Offered { ann, lf } = self.state else { return None };
        let head = self.buf.split_to(lf + 1).freeze();
        self.reset();
        self.state = State::Stream { remaining: ann.length };
        Some(head)
    }

    /// Buffers the offered literal as any other, within the limits; past one the message is
    /// dropped with [`FramerEvent::Error`] as usual. Returns whether a literal was offered.
    /// A server answers `+` to a synchronising one that is within the limits, which the
    /// next [`Framer::poll`] then reports as [`FramerEvent::LiteralAnnounced`].
    pub fn buffer_literal(&mut self) -> bool {
        let State::Offered { ann, lf } = self.state else { return false };
        self.state = State::Line;
        self.resume = Some((ann, lf));
        true
    }

    fn reset(&mut self) {
        self.state = State::Line;
        self.line_start = 0;
        self.scan = 0;
        self.literals.clear();
    }

    /// Drops the current message and starts skipping it, keeping its head for the error.
    /// `upto` is how much of the current line was scanned (bytes past it stay in `buf`).
    fn poison(&mut self, kind: FrameErrorKind, upto: usize) {
        let head = Bytes::copy_from_slice(&self.buf[..upto.min(FrameError::HEAD_LEN)]);
        let mut tail = [0u8; TAIL];
        let line = &self.buf[self.line_start..upto];
        let keep = line.len().min(TAIL);
        tail[..keep].copy_from_slice(&line[line.len() - keep..]);
        self.buf.advance(upto);
        self.reset();
        self.state = State::SkipLine { tail, tail_len: keep };
        self.poison = Some(FrameError { kind, head });
    }

    /// The end of a skipped message: its error, or nothing if it was refused by the caller.
    fn poisoned_end(&mut self) -> Option<FramerEvent> {
        self.reset();
        self.poison.take().map(FramerEvent::Error)
    }

    fn check_announcement(&self, ann: Announcement, after_line: usize) -> Option<FrameErrorKind> {
        if ann.length > self.options.max_literal_len || ann.length > u64::from(u32::MAX) {
            return Some(FrameErrorKind::LiteralTooLong { length: ann.length, limit: self.options.max_literal_len });
        }
        if after_line as u64 + ann.length > self.options.max_message_len as u64 {
            return Some(FrameErrorKind::MessageTooLong { limit: self.options.max_message_len });
        }
        None
    }

    /// The limit the current line breaks once the message has `end` bytes. When it breaks
    /// both, the one it crossed first (at the lower byte position), so that the error does
    /// not depend on how the input was cut into chunks.
    fn overflow(&self, end: usize) -> Option<FrameErrorKind> {
        let line = FrameErrorKind::LineTooLong { limit: self.options.max_line_len };
        let message = FrameErrorKind::MessageTooLong { limit: self.options.max_message_len };
        let line_over = end - self.line_start > self.options.max_line_len;
        let message_over = end > self.options.max_message_len;
        match (line_over, message_over) {
            (false, false) => None,
            (true, false) => Some(line),
            (false, true) => Some(message),
            (true, true)
                if self.line_start.saturating_add(self.options.max_line_len) < self.options.max_message_len =>
            {
                Some(line)
            }
            (true, true) => Some(message),
        }
    }

    /// Scans the current line to its LF. `Ok(Some)`: it announces a literal, to take in
    /// now. `Ok(None)`: the state changed (poisoned), poll again. `Err(event)`: return
    /// `event` (`None`: more input needed; a whole message; an offered literal).
    #[allow(clippy::type_complexity)]
    fn line(&mut self) -> Result<Option<(Announcement, usize)>, Option<FramerEvent>> {
        let Some(k) = memchr::memchr(b'\n', &self.buf[self.scan..]) else {
            self.scan = self.buf.len();
            if let Some(kind) = self.overflow(self.scan) {
                self.poison(kind, self.scan);
                return Ok(None);
            }
            return Err(None);
        };
        let lf = self.scan + k;
        if let Some(kind) = self.overflow(lf + 1) {
            self.poison(kind, lf);
            return Ok(None);
        }
        let has_cr = lf > self.line_start && self.buf[lf - 1] == b'\r';
        if !has_cr && !self.options.allow_bare_lf {
            self.poison(FrameErrorKind::BareLf, lf);
            return Ok(None);
        }
        let content_end = if has_cr { lf - 1 } else { lf };
        let Some(ann) = announcement(&self.buf[self.line_start..content_end]) else {
            let bytes = self.buf.split_to(lf + 1).freeze();
            let literals = std::mem::take(&mut self.literals);
            self.reset();
            return Err(Some(FramerEvent::Message(Frame { bytes, literals })));
        };
        if self.options.offer_literals_over.is_some_and(|t| ann.length > t) {
            self.scan = lf + 1;
            self.state = State::Offered { ann, lf };
            let Announcement { length, binary, sync } = ann;
            return Err(Some(FramerEvent::LiteralOffered { length, binary, sync }));
        }
        Ok(Some((ann, lf)))
    }

    /// The next event, or `None` when more input is needed.
    pub fn poll(&mut self) -> Option<FramerEvent> {
        loop {
            match self.state {
                State::Line => {
                    let (ann, lf) = match self.resume.take() {
                        Some(r) => r,
                        None => match self.line() {
                            Ok(Some(found)) => found,
                            Ok(None) => continue,
                            Err(event) => return event,
                        },
                    };
                    let start = lf + 1;
                    let wait = self.role == Role::Server && ann.sync;
                    if let Some(kind) = self.check_announcement(ann, start) {
                        self.scan = lf;
                        self.poison(kind, lf);
                        // The client won't send a synchronising literal we don't accept:
                        // the message ends with this line.
                        if wait {
                            self.buf.advance(1);
                            match self.poisoned_end() {
                                Some(e) => return Some(e),
                                None => continue,
                            }
                        }
                        continue;
                    }
                    let end = start + ann.length as usize;
                    self.literals.push(start..end);
                    self.state = State::Literal { end };
                    self.scan = start;
                    if wait {
                        return Some(FramerEvent::LiteralAnnounced { length: ann.length as u32, binary: ann.binary });
                    }
                }
                State::Literal { end } => {
                    if self.buf.len() < end {
                        return None;
                    }
                    self.state = State::Line;
                    self.line_start = end;
                    self.scan = end;
                }
                State::SkipLine { mut tail, mut tail_len } => {
                    let Some(k) = memchr::memchr(b'\n', &self.buf) else {
                        keep_tail(&mut tail, &mut tail_len, &self.buf);
                        self.buf.clear();
                        self.state = State::SkipLine { tail, tail_len };
                        return None;
                    };
                    keep_tail(&mut tail, &mut tail_len, &self.buf[..k]);
                    self.buf.advance(k + 1);
                    let line = &tail[..tail_len];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    match announcement(line) {
                        Some(ann) if !(self.role == Role::Server && ann.sync) => {
                            self.state = State::SkipLiteral { remaining: ann.length };
                        }
                        _ => match self.poisoned_end() {
                            Some(e) => return Some(e),
                            None => continue,
                        },
                    }
                }
                State::SkipLiteral { remaining } => {
                    let n = remaining.min(self.buf.len() as u64);
                    self.buf.advance(n as usize);
                    if n < remaining {
                        self.state = State::SkipLiteral { remaining: remaining - n };
                        return None;
                    }
                    self.state = State::SkipLine { tail: [0; TAIL], tail_len: 0 };
                }
                State::Offered { .. } => return None,
                State::Stream { remaining } => {
                    if remaining == 0 {
                        self.reset();
                        return Some(FramerEvent::LiteralEnd);
                    }
                    if self.buf.is_empty() {
                        return None;
                    }
                    let n = remaining.min(self.buf.len() as u64) as usize;
                    self.state = State::Stream { remaining: remaining - n as u64 };
                    return Some(FramerEvent::LiteralChunk(self.buf.split_to(n).freeze()));
                }
            }
        }
    }
}

/// Keeps the last [`TAIL`] bytes of a line being skipped.
fn keep_tail(tail: &mut [u8; TAIL], len: &mut usize, more: &[u8]) {
    if more.len() >= TAIL {
        tail.copy_from_slice(&more[more.len() - TAIL..]);
        *len = TAIL;
    } else {
        let total = *len + more.len();
        if total > TAIL {
            tail.copy_within(total - TAIL..*len, 0);
            *len = TAIL - more.len();
        }
        tail[*len..*len + more.len()].copy_from_slice(more);
        *len += more.len();
    }
}

#[cfg(test)]
mod tests;
