//! Raw commands: a command this crate does not ship, kept as its name and its framed
//! arguments, so that an embedder can add the commands of an IMAP extension (RFC 3501
//! §9 `command` is extended by `x-command = "X" atom <experimental command arguments>`,
//! and later RFCs add named commands the same way).
//!
//! A raw command is an [`Atom`] name and its arguments: pieces of line text and literals,
//! each literal with the announcement it came with (`{n}`, `{n+}` of RFC 7888, `~{n}` of
//! RFC 3516), so that it encodes back byte for byte: `encode(parse(x)) == x`.
//!
//! ```
//! use imap_machine::types::{Literal, LiteralMode, RawArg, RawCommand};
//! let raw = RawCommand::new("XECHO").unwrap()
//!     .text("hello ").unwrap()
//!     .literal(Literal::new("big\r\nworld").unwrap(), Some(LiteralMode::NonSync)).unwrap();
//! assert_eq!(raw.name().as_str(), "XECHO");
//! assert_eq!(raw.args().len(), 2);
//! assert!(matches!(&raw.args()[0], RawArg::Text(t) if t.as_ref() == b"hello "));
//! ```

use std::fmt;

use bytes::Bytes;

use super::{Atom, Literal, LiteralMode};

/// Why a [`RawCommand`] can't be built: it would not frame as one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RawCommandError {
    /// The name (or an answer name) is not an atom (RFC 3501 §9 `atom`).
    #[error("not a valid command name")]
    Name,
    /// Argument text holds CR, LF or NUL; line breaks only come with literals.
    #[error("CR, LF or NUL in raw argument text")]
    Text,
    /// The arguments would end like a literal announcement (`{5}`), which would make the
    /// server wait for bytes that never come.
    #[error("raw arguments end like a literal announcement")]
    EndsLikeLiteral,
    /// Text ending in `~` before a plain literal would turn it into a binary one.
    #[error("`~` right before a plain literal")]
    TildeBeforeLiteral,
}

/// One piece of a raw command's arguments.
#[derive(Clone, PartialEq, Eq)]
pub enum RawArg {
    /// Bytes of a line, as sent: never empty, never CR, LF or NUL.
    Text(Bytes),
    /// A literal; its announcement is part of it, not of the text before.
    Literal {
        /// The payload, plain or binary (`~{n}`, RFC 3516).
        literal: Literal,
        /// `{n}` or `{n+}` (RFC 7888) as sent; `None`: the encoder's choice, as for any
        /// literal (`{n+}` when the server has LITERAL+). A parse always gives `Some`.
        mode: Option<LiteralMode>,
    },
}

impl fmt::Debug for RawArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawArg::Text(t) => write!(f, "Text({:?})", String::from_utf8_lossy(t)),
            RawArg::Literal { literal, mode } => write!(f, "{literal:?}/{mode:?}"),
        }
    }
}

/// A command this crate does not know: `tag SP atom [SP raw-args] CRLF` (see the module
/// docs). Sent by the client as [`CommandBody::Raw`](super::CommandBody::Raw); parsed by
/// the server machine only for the names registered in
/// [`ServerOptions::extensions`](crate::server::ServerOptions::extensions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawCommand {
    name: Atom,
    args: Vec<RawArg>,
    answers: Vec<Atom>,
}

impl RawCommand {
    /// A command without arguments. Fails if `name` is not an atom.
    pub fn new(name: &str) -> Result<Self, RawCommandError> {
        let name = Atom::try_from(Bytes::copy_from_slice(name.as_bytes())).map_err(|_| RawCommandError::Name)?;
        Ok(RawCommand { name, args: Vec::new(), answers: Vec::new() })
    }

    /// A command with its name already checked and arguments as parsed.
    pub(crate) fn unvalidated(name: Atom, args: Vec<RawArg>) -> Self {
        RawCommand { name, args, answers: Vec::new() }
    }

    /// Appends argument text (joined to text before it). The first piece follows the
    /// name after one SP, which the encoder writes.
    pub fn text(mut self, text: impl Into<Bytes>) -> Result<Self, RawCommandError> {
        let text = text.into();
        if text.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(RawCommandError::Text);
        }
        if text.is_empty() {
            return Ok(self);
        }
        let joined = match self.args.pop() {
            Some(RawArg::Text(before)) => {
                let mut v = before.to_vec();
                v.extend_from_slice(&text);
                Bytes::from(v)
            }
            Some(other) => {
                self.args.push(other);
                text
            }
            None => text,
        };
        if super::response::ends_like_literal(&joined) {
            return Err(RawCommandError::EndsLikeLiteral);
        }
        self.args.push(RawArg::Text(joined));
        Ok(self)
    }

    /// Appends a literal, announced as `mode` says (`None`: as the connection allows).
    pub fn literal(mut self, literal: Literal, mode: Option<LiteralMode>) -> Result<Self, RawCommandError> {
        if let Some(RawArg::Text(t)) = self.args.last() {
            if !literal.is_binary() && t.ends_with(b"~") {
                return Err(RawCommandError::TildeBeforeLiteral);
            }
        }
        self.args.push(RawArg::Literal { literal, mode });
        Ok(self)
    }

    /// Declares the name of an untagged response that answers this command, besides its
    /// own name (for the client's attribution; never sent). `XAPPLEPUSHSERVICE` answers
    /// with `* XAPPLEPUSHSERVICE ...`, which its own name already covers.
    pub fn answered_by(mut self, name: &str) -> Result<Self, RawCommandError> {
        let name = Atom::try_from(Bytes::copy_from_slice(name.as_bytes())).map_err(|_| RawCommandError::Name)?;
        self.answers.push(name);
        Ok(self)
    }

    /// The command name, as sent.
    pub fn name(&self) -> &Atom {
        &self.name
    }

    /// The arguments after the name and its SP; empty for none.
    pub fn args(&self) -> &[RawArg] {
        &self.args
    }

    /// The arguments when they are one line of text (no literal): `Some(b"")` for none.
    pub fn text_args(&self) -> Option<&[u8]> {
        match &self.args[..] {
            [] => Some(b""),
            [RawArg::Text(t)] => Some(t),
            _ => None,
        }
    }

    /// The names of untagged responses declared with [`RawCommand::answered_by`].
    pub fn answers(&self) -> &[Atom] {
        &self.answers
    }

    /// Whether an untagged response named `name` answers this command: its own name or
    /// a declared one, compared case-insensitively.
    pub fn is_answered_by(&self, name: &[u8]) -> bool {
        std::iter::once(&self.name).chain(&self.answers).any(|a| a.as_str().as_bytes().eq_ignore_ascii_case(name))
    }
}
