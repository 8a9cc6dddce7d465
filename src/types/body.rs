//! BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, grammar `body` in §9).
//!
//! ```
//! use imap_machine::types::{BodyStructure, IString};
//! # fn f(b: &BodyStructure) {
//! match b {
//!     BodyStructure::Single { media_type, subtype, .. } => println!("{media_type:?}/{subtype:?}"),
//!     BodyStructure::Multipart { parts, .. } => println!("{} parts", parts.len()),
//! }
//! # }
//! ```

use super::{Envelope, IString, NString};

/// `body = "(" (body-type-1part / body-type-mpart) ")"`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BodyStructure {
    /// `body-type-1part`
    Single {
        /// `media-type` (e.g. `TEXT`), as sent.
        media_type: IString,
        /// `media-subtype` (e.g. `PLAIN`), as sent.
        subtype: IString,
        /// `body-fields`
        fields: BodyFields,
        /// What only text and message/rfc822 parts have.
        specific: SpecificFields,
        /// `body-ext-1part`; only in BODYSTRUCTURE.
        extension: Option<SinglePartExtension>,
    },
    /// `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]`
    Multipart {
        /// The parts; never empty.
        parts: Vec<BodyStructure>,
        /// `media-subtype` (e.g. `MIXED`).
        subtype: IString,
        /// `body-ext-mpart`; only in BODYSTRUCTURE.
        extension: Option<MultipartExtension>,
    },
}

/// `body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
/// body-fld-octets`
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct BodyFields {
    /// `body-fld-param`: attribute/value pairs; empty for NIL. A NIL value (a Mail.ru
    /// quirk) is read as an empty string.
    pub parameters: Vec<(IString, IString)>,
    /// `body-fld-id` (Content-ID)
    pub id: NString,
    /// `body-fld-desc` (Content-Description)
    pub description: NString,
    /// `body-fld-enc` (Content-Transfer-Encoding), as sent.
    pub encoding: IString,
    /// `body-fld-octets`: size in its transfer encoding.
    pub octets: u32,
}

/// The part of a single-part body that depends on its type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SpecificFields {
    /// `body-type-basic`: nothing more.
    Basic,
    /// `body-type-text`: `body-fld-lines`.
    Text {
        /// Lines of text.
        lines: u32,
    },
    /// `body-type-msg`: `envelope SP body SP body-fld-lines`.
    Message {
        /// The encapsulated message's envelope.
        envelope: Box<Envelope>,
        /// Its body structure.
        body: Box<BodyStructure>,
        /// Lines of the encapsulated message.
        lines: u32,
    },
}

/// `body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc
/// *(SP body-extension)]]]`
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct SinglePartExtension {
    /// `body-fld-md5`
    pub md5: NString,
    /// The rest, present as far as the server sent it.
    pub tail: ExtensionTail,
}

/// `body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc
/// *(SP body-extension)]]]`
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct MultipartExtension {
    /// `body-fld-param`
    pub parameters: Vec<(IString, IString)>,
    /// The rest, present as far as the server sent it.
    pub tail: ExtensionTail,
}

/// The optional run `[SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP
/// body-extension)]]]` shared by both extension kinds. Each level is `Some` only if the
/// server sent it (a NIL counts as sent), so encoding reproduces the same shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ExtensionTail {
    /// `body-fld-dsp`: `Some(None)` for NIL.
    pub disposition: Option<Option<Disposition>>,
    /// `body-fld-lang`: `Some(None)` for NIL; a single string is a one-element list.
    pub language: Option<Option<Vec<IString>>>,
    /// `body-fld-loc`
    pub location: Option<NString>,
    /// `*(SP body-extension)`: data of future extensions, kept.
    pub extensions: Vec<BodyExtension>,
}

/// `body-fld-dsp = "(" string SP body-fld-param ")" / nil`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Disposition {
    /// `inline`, `attachment`, ...
    pub kind: IString,
    /// Its parameters (`filename`, ...).
    pub parameters: Vec<(IString, IString)>,
}

/// `body-extension = nstring / number / "(" body-extension *(SP body-extension) ")"`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BodyExtension {
    /// A string or NIL.
    String(NString),
    /// A number.
    Number(u32),
    /// A parenthesised list; never empty.
    List(Vec<BodyExtension>),
}

impl BodyStructure {
    /// Whether any part carries extension data (then it is a BODYSTRUCTURE, not a BODY).
    pub fn has_extension(&self) -> bool {
        match self {
            BodyStructure::Single { extension, specific, .. } => {
                extension.is_some() || matches!(specific, SpecificFields::Message { body, .. } if body.has_extension())
            }
            BodyStructure::Multipart { extension, parts, .. } => {
                extension.is_some() || parts.iter().any(BodyStructure::has_extension)
            }
        }
    }
}
