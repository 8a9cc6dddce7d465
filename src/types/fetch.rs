//! FETCH attributes (RFC 3501 §6.4.5, RFC 3516 BINARY, RFC 8514 SAVEDATE, RFC 8970 PREVIEW,
//! RFC 8474 OBJECTID, RFC 7162 CONDSTORE).
//!
//! ```
//! use imap_machine::types::{FetchAttribute, Macro, Section, SectionText};
//! let all = Macro::All.expand();
//! assert_eq!(all, vec![FetchAttribute::Flags, FetchAttribute::InternalDate,
//!     FetchAttribute::Rfc822Size, FetchAttribute::Envelope]);
//! let peek = FetchAttribute::BodySection {
//!     peek: true,
//!     section: Section { part: vec![], text: Some(SectionText::Header) },
//!     partial: None,
//! };
//! assert!(!peek.sets_seen());
//! ```

use std::num::NonZeroU32;

use super::AString;

/// `fetch-att`: one item a FETCH asks for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FetchAttribute {
    /// `ENVELOPE`
    Envelope,
    /// `FLAGS`
    Flags,
    /// `INTERNALDATE`
    InternalDate,
    /// `RFC822`, same as `BODY[]` (sets `\Seen`).
    Rfc822,
    /// `RFC822.HEADER`, same as `BODY.PEEK[HEADER]`.
    Rfc822Header,
    /// `RFC822.SIZE`
    Rfc822Size,
    /// `RFC822.TEXT`, same as `BODY[TEXT]` (sets `\Seen`).
    Rfc822Text,
    /// `BODY` (the non-extensible BODYSTRUCTURE).
    Body,
    /// `BODYSTRUCTURE`
    BodyStructure,
    /// `UID`
    Uid,
    /// `"BODY" section ["<" number "." nz-number ">"]` and `"BODY.PEEK" ...`.
    BodySection {
        /// `.PEEK`: don't set `\Seen`.
        peek: bool,
        /// What part of the message.
        section: Section,
        /// `<origin.length>`.
        partial: Option<Partial>,
    },
    /// `"BINARY" [".PEEK"] section-binary [partial]` (RFC 3516).
    Binary {
        /// `.PEEK`: don't set `\Seen`.
        peek: bool,
        /// `section-part`, possibly empty.
        part: Vec<NonZeroU32>,
        /// `<origin.length>`.
        partial: Option<Partial>,
    },
    /// `"BINARY.SIZE" section-binary` (RFC 3516).
    BinarySize {
        /// `section-part`, possibly empty.
        part: Vec<NonZeroU32>,
    },
    /// `"SAVEDATE"` (RFC 8514 §4.2): when the message was saved in this mailbox.
    SaveDate,
    /// `"PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]` with `preview-mod = "LAZY"`
    /// (RFC 8970 §3.2): a plain-text snippet of the message.
    Preview {
        /// `(LAZY)`: the server may answer NIL when the preview is not at hand.
        lazy: bool,
    },
    /// `"EMAILID"` (RFC 8474 §5.1)
    EmailId,
    /// `fetch-mod-sequence = "MODSEQ"` (RFC 7162 §3.1.4): the message's mod-sequence.
    ModSeq,
    /// `"THREADID"` (RFC 8474 §5.2)
    ThreadId,
}

impl FetchAttribute {
    /// Whether fetching this attribute sets `\Seen` (RFC 3501 §6.4.5).
    pub fn sets_seen(&self) -> bool {
        matches!(
            self,
            FetchAttribute::Rfc822
                | FetchAttribute::Rfc822Text
                | FetchAttribute::BodySection { peek: false, .. }
                | FetchAttribute::Binary { peek: false, .. }
        )
    }
}

/// `section = "[" [section-spec] "]"`: an empty `part` and no `text` is the whole message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Section {
    /// `section-part = nz-number *("." nz-number)`; empty for the top level.
    pub part: Vec<NonZeroU32>,
    /// `section-msgtext` or `MIME`. `MIME` requires a non-empty `part`.
    pub text: Option<SectionText>,
}

/// `section-text = section-msgtext / "MIME"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SectionText {
    /// `HEADER`
    Header,
    /// `HEADER.FIELDS header-list`
    HeaderFields(Vec<AString>),
    /// `HEADER.FIELDS.NOT header-list`
    HeaderFieldsNot(Vec<AString>),
    /// `TEXT`
    Text,
    /// `MIME`: the MIME header of a body part.
    Mime,
}

/// `"<" number "." nz-number ">"`: an origin and a length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Partial {
    /// First octet, zero-based.
    pub offset: u32,
    /// Number of octets.
    pub length: NonZeroU32,
}

/// `"ALL" / "FULL" / "FAST"`: shorthand for a list of attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Macro {
    /// `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`
    All,
    /// `(FLAGS INTERNALDATE RFC822.SIZE)`
    Fast,
    /// `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)`
    Full,
}

impl Macro {
    /// The attributes the macro stands for.
    pub fn expand(self) -> Vec<FetchAttribute> {
        use FetchAttribute::*;
        match self {
            Macro::All => vec![Flags, InternalDate, Rfc822Size, Envelope],
            Macro::Fast => vec![Flags, InternalDate, Rfc822Size],
            Macro::Full => vec![Flags, InternalDate, Rfc822Size, Envelope, Body],
        }
    }
}

/// `fetch-modifier` (RFC 4466 §2.4): how a FETCH command is carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FetchModifier {
    /// `modifier-partial = "PARTIAL" SP partial-range` (RFC 9394 §3.3, UID FETCH only):
    /// only the messages at these positions among those the set names, in UID order.
    Partial(super::PartialRange),
    /// `chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value` (RFC 7162 §3.1.4.1):
    /// only the messages whose mod-sequence is greater; implies the `MODSEQ` attribute.
    ChangedSince(u64),
    /// `rexpunges-fetch-mod = "VANISHED"` (RFC 7162 §3.2.6, UID FETCH with CHANGEDSINCE
    /// only): also report the UIDs expunged since, in a `VANISHED (EARLIER)` response.
    Vanished,
}

/// What a FETCH command asks for: a macro, or one or more attributes. A single attribute
/// written without parentheses parses to a one-element list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FetchAttributes {
    /// `ALL`, `FAST` or `FULL`.
    Macro(Macro),
    /// `fetch-att / "(" fetch-att *(SP fetch-att) ")"`; never empty.
    List(Vec<FetchAttribute>),
}

impl FetchAttributes {
    /// The attributes asked for, macros expanded.
    pub fn to_vec(&self) -> Vec<FetchAttribute> {
        match self {
            FetchAttributes::Macro(m) => m.expand(),
            FetchAttributes::List(v) => v.clone(),
        }
    }
}
