//! The parser's input type and error.
//!
//! [`In`] is a window into a framed message that knows the [`Bytes`] it came from, so a
//! parser can hand out zero-copy [`Bytes`] slices while every nom combinator still works
//! on it as on a byte slice.

use std::iter::{Copied, Enumerate};
use std::slice::Iter;

use bytes::Bytes;
use nom::{CompareResult, Needed};

/// A window `src[start..end]` of a framed message.
#[derive(Clone, Copy)]
pub(crate) struct In<'a> {
    src: &'a Bytes,
    // u32 keeps the window at 16 bytes, so results move in registers more often; framed
    // messages are far below 4 GiB (see `FramerOptions::max_message_len`).
    start: u32,
    end: u32,
}

impl std::fmt::Debug for In<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "In({}..{}: {:?})", self.start, self.end, String::from_utf8_lossy(self.as_slice()))
    }
}

impl<'a> In<'a> {
    /// The whole of `src`.
    pub(crate) fn new(src: &'a Bytes) -> Self {
        assert!(src.len() <= u32::MAX as usize, "framed messages are bounded well below 4 GiB");
        In { src, start: 0, end: src.len() as u32 }
    }

    /// The bytes of the window.
    #[inline]
    pub(crate) fn as_slice(&self) -> &'a [u8] {
        &self.src[self.start as usize..self.end as usize]
    }

    /// The whole framed message the window is in.
    #[inline]
    pub(crate) fn source(&self) -> &'a Bytes {
        self.src
    }

    /// Offset of the window's start in the framed message.
    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.start as usize
    }

    /// The window as a zero-copy [`Bytes`].
    #[inline]
    pub(crate) fn to_bytes(self) -> Bytes {
        self.src.slice(self.start as usize..self.end as usize)
    }

    /// First byte, if any.
    #[inline]
    pub(crate) fn first(&self) -> Option<u8> {
        self.as_slice().first().copied()
    }

    /// Whether the window is empty.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// Splits at `n`: (rest, first n bytes), nom's order.
    #[inline]
    pub(crate) fn split(self, n: usize) -> (Self, Self) {
        let mid = self.start + n as u32;
        debug_assert!(mid <= self.end);
        (In { start: mid, ..self }, In { end: mid, ..self })
    }

    /// The window after `n` bytes.
    #[inline]
    pub(crate) fn advance(self, n: usize) -> Self {
        In { start: self.start + n as u32, ..self }
    }
}

impl<'a> nom::Input for In<'a> {
    type Item = u8;
    type Iter = Copied<Iter<'a, u8>>;
    type IterIndices = Enumerate<Self::Iter>;

    fn input_len(&self) -> usize {
        (self.end - self.start) as usize
    }

    fn take(&self, index: usize) -> Self {
        In { end: self.start + index as u32, ..*self }
    }

    fn take_from(&self, index: usize) -> Self {
        In { start: self.start + index as u32, ..*self }
    }

    fn take_split(&self, index: usize) -> (Self, Self) {
        self.split(index)
    }

    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(Self::Item) -> bool,
    {
        self.as_slice().iter().position(|b| predicate(*b))
    }

    fn iter_elements(&self) -> Self::Iter {
        self.as_slice().iter().copied()
    }

    fn iter_indices(&self) -> Self::IterIndices {
        self.iter_elements().enumerate()
    }

    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        let len = (self.end - self.start) as usize;
        if len >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - len))
        }
    }
}

impl<'b> nom::Compare<&'b [u8]> for In<'_> {
    fn compare(&self, t: &'b [u8]) -> CompareResult {
        self.as_slice().compare(t)
    }
    fn compare_no_case(&self, t: &'b [u8]) -> CompareResult {
        self.as_slice().compare_no_case(t)
    }
}

impl<'b> nom::Compare<&'b str> for In<'_> {
    fn compare(&self, t: &'b str) -> CompareResult {
        self.as_slice().compare(t.as_bytes())
    }
    fn compare_no_case(&self, t: &'b str) -> CompareResult {
        self.as_slice().compare_no_case(t.as_bytes())
    }
}

impl nom::Offset for In<'_> {
    fn offset(&self, second: &Self) -> usize {
        (second.start - self.start) as usize
    }
}

/// Why a message did not parse, with the byte offset where it went wrong.
///
/// The display form is meant to follow a tagged `BAD`: `BAD at byte 12: expected SP`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct ParseError {
    /// Offset into the framed message.
    pub offset: usize,
    /// What was wrong there.
    pub kind: ParseErrorKind,
}

/// What went wrong in a parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// A grammar element was expected here.
    #[error("expected {0}")]
    Expected(&'static str),
    /// The command name is not one this library knows.
    #[error("unknown command")]
    UnknownCommand,
    /// A NUL byte, which no IMAP4rev1 string may carry.
    #[error("NUL byte")]
    Nul,
    /// A byte with the high bit set where only 7-bit characters may stand.
    #[error("8-bit byte {0:#04x} outside a literal")]
    EightBit(u8),
    /// A number did not fit in its type.
    #[error("number too large")]
    NumberTooLarge,
    /// A number that must not be zero was zero.
    #[error("zero where a non-zero number belongs")]
    Zero,
    /// Input continued after a complete message.
    #[error("unexpected trailing bytes")]
    Trailing,
    /// The message ended early.
    #[error("unexpected end of message")]
    Incomplete,
    /// Not valid base64.
    #[error("invalid base64")]
    Base64,
    /// A date or time that is out of range.
    #[error("invalid date or time")]
    Date,
    /// A quoted string held an invalid UTF-8 sequence.
    #[error("invalid UTF-8 in quoted string")]
    Utf8,
    /// A line ended with LF alone.
    #[error("line ends in a bare LF")]
    BareLf,
}

impl ParseError {
    pub(crate) fn at(i: In<'_>, kind: ParseErrorKind) -> Self {
        ParseError { offset: i.offset(), kind }
    }
}

impl<'a> nom::error::ParseError<In<'a>> for ParseError {
    fn from_error_kind(input: In<'a>, kind: nom::error::ErrorKind) -> Self {
        let kind = if input.is_empty() {
            ParseErrorKind::Incomplete
        } else {
            {
                let _ = kind;
                ParseErrorKind::Expected("valid syntax")
            }
        };
        ParseError { offset: input.offset(), kind }
    }

    fn append(_: In<'a>, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // Report the branch that got furthest: its message is the most specific.
        if other.offset >= self.offset {
            other
        } else {
            self
        }
    }
}

impl<'a> nom::error::ContextError<In<'a>> for ParseError {
    fn add_context(_: In<'a>, ctx: &'static str, mut other: Self) -> Self {
        if let ParseErrorKind::Expected(_) = other.kind {
            other.kind = ParseErrorKind::Expected(ctx);
        }
        other
    }
}

/// A parser result over [`In`].
pub(crate) type PResult<'a, T> = nom::IResult<In<'a>, T, ParseError>;

/// A recoverable error at `i`.
pub(crate) fn fail<T>(i: In<'_>, kind: ParseErrorKind) -> PResult<'_, T> {
    Err(nom::Err::Error(ParseError::at(i, kind)))
}

/// Expects `what` here.
pub(crate) fn expected<'a, T>(i: In<'a>, what: &'static str) -> PResult<'a, T> {
    if i.is_empty() {
        fail(i, ParseErrorKind::Incomplete)
    } else {
        fail(i, ParseErrorKind::Expected(what))
    }
}
