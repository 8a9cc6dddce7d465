//! The string-like atoms of the grammar: tags, atoms, strings, literals and numbers.
//!
//! Each type is owned and backed by [`Bytes`], so a value parsed out of a framed message
//! is a zero-copy slice of it. Constructors validate against RFC 3501 §9, so a value that
//! exists can always be encoded.
//!
//! ```
//! use imap_machine::types::{Atom, IString, Tag};
//! let tag = Tag::try_from("a001").unwrap();
//! assert!(Tag::try_from("a+1").is_err());
//! assert!(Atom::try_from("has space").is_err());
//! assert_eq!(IString::try_from("any text").unwrap().as_bytes(), b"any text");
//! ```

use std::fmt;

use bytes::Bytes;

use super::chars::{self, ASTRING, ATOM, QUOTED_PLAIN, TAG, TEXT};
use super::small::SmallBytes;
use super::ValidationError;

macro_rules! bytes_newtype_common {
    ($name:ident) => {
        impl $name {
            /// The raw bytes of the value, as they appear on the wire (unquoted).
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// The value as a [`Bytes`] handle (a cheap reference-count increment).
            pub fn to_bytes(&self) -> Bytes {
                Bytes::from(self.0.clone())
            }

            /// The value as UTF-8 text, replacing invalid sequences with U+FFFD.
            pub fn to_str_lossy(&self) -> std::borrow::Cow<'_, str> {
                String::from_utf8_lossy(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.to_str_lossy())
            }
        }

        impl TryFrom<&str> for $name {
            type Error = ValidationError;
            fn try_from(s: &str) -> Result<Self, ValidationError> {
                Self::try_from(Bytes::copy_from_slice(s.as_bytes()))
            }
        }

        impl TryFrom<&[u8]> for $name {
            type Error = ValidationError;
            fn try_from(s: &[u8]) -> Result<Self, ValidationError> {
                Self::try_from(Bytes::copy_from_slice(s))
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, ValidationError> {
                Self::try_from(Bytes::from(s))
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }
    };
}

/// A command tag: `tag = 1*<any ASTRING-CHAR except "+">` (RFC 3501 §9).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tag(Bytes);
bytes_newtype_common!(Tag);

impl Tag {
    /// Builds a tag without validation. Only for bytes the parser already checked.
    pub(crate) fn unvalidated(b: Bytes) -> Self {
        debug_assert!(chars::all(&b, TAG));
        Tag(b)
    }

    /// The tag as a string: the correlator of ESEARCH (`search-correlator = SP "(" "TAG"
    /// SP tag-string ")"`, RFC 4731 §3) and the value of `[NOUPDATE]` (RFC 5267 §4.3). A
    /// tag's characters are all allowed in a string.
    pub fn to_tag_string(&self) -> IString {
        IString::unvalidated(self.0.clone())
    }
}

impl TryFrom<Bytes> for Tag {
    type Error = ValidationError;
    fn try_from(b: Bytes) -> Result<Self, ValidationError> {
        if chars::all(&b, TAG) {
            Ok(Tag(b))
        } else {
            Err(ValidationError::Tag)
        }
    }
}

/// An atom: `atom = 1*ATOM-CHAR` (RFC 3501 §9).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Atom(Bytes);
bytes_newtype_common!(Atom);

impl Atom {
    /// Builds an atom without validation. Only for bytes the parser already checked.
    pub(crate) fn unvalidated(b: Bytes) -> Self {
        debug_assert!(chars::all(&b, ATOM));
        Atom(b)
    }

    /// An atom-like token from a lenient parse: a server sent bytes that aren't quite an
    /// atom (a keyword holding `]`, as Gmail does). Kept as received.
    pub(crate) fn lenient(b: Bytes) -> Self {
        Atom(b)
    }

    /// An atom from a static string that is known to be valid.
    ///
    /// # Panics
    /// If `s` is not an atom; meant for constants.
    pub fn from_static(s: &'static str) -> Self {
        assert!(chars::all(s.as_bytes(), ATOM), "not an atom: {s:?}");
        Atom(Bytes::from_static(s.as_bytes()))
    }

    /// The atom as text. Atoms are 7-bit, so this never fails.
    pub fn as_str(&self) -> &str {
        // Atoms are ASCII; a lenient parse only adds ASCII `]`.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Case-insensitive comparison with an ASCII string.
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other.as_bytes())
    }
}

impl TryFrom<Bytes> for Atom {
    type Error = ValidationError;
    fn try_from(b: Bytes) -> Result<Self, ValidationError> {
        if chars::all(&b, ATOM) {
            Ok(Atom(b))
        } else {
            Err(ValidationError::Atom)
        }
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The content of an IMAP string: `string = quoted / literal` (RFC 3501 §9).
///
/// The value holds the content only; whether it travels as an atom (where an `astring`
/// allows it), a quoted string or a literal is the encoder's choice, so that
/// `parse(encode(x)) == x` holds whatever form was used. Content is any `CHAR8`
/// (`%x01-ff`): a NUL byte can't travel in an IMAP4rev1 string.
///
/// Values of up to 22 bytes are kept inline (a parsed response has many: media types,
/// charsets, address parts), so making and dropping them touches no shared reference
/// count; longer ones are zero-copy [`Bytes`] slices of the message they were parsed
/// from. [`IString::to_bytes`] copies an inline value.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct IString(SmallBytes);
bytes_newtype_common!(IString);

/// `astring = 1*ASTRING-CHAR / string`: the same content as [`IString`].
pub type AString = IString;

/// `nstring = string / nil`.
pub type NString = Option<IString>;

impl IString {
    /// Builds a string without validation. Only for bytes the parser already checked.
    pub(crate) fn unvalidated(b: Bytes) -> Self {
        IString(SmallBytes::Shared(b))
    }

    /// `message[range]` without validation, inline when short (see the type's docs).
    #[inline]
    pub(crate) fn unvalidated_slice(message: &Bytes, range: std::ops::Range<usize>) -> Self {
        IString(SmallBytes::slice_of(message, range))
    }

    /// A copy of `s` without validation, inline when short.
    pub(crate) fn unvalidated_copy(s: &[u8]) -> Self {
        IString(SmallBytes::copy_from_slice(s))
    }

    /// A string from a static value.
    ///
    /// # Panics
    /// If `s` contains a NUL byte; meant for constants.
    pub fn from_static(s: &'static str) -> Self {
        assert!(!s.as_bytes().contains(&0), "NUL in string");
        IString(SmallBytes::Shared(Bytes::from_static(s.as_bytes())))
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The string as text: UTF-8 when it is valid UTF-8, else decoded as Windows-1252
    /// (the Latin-1 superset mail software means by raw 8-bit text). Never fails; the raw
    /// bytes stay available through [`IString::as_bytes`].
    pub fn to_text(&self) -> std::borrow::Cow<'_, str> {
        super::decode_text(&self.0)
    }

    /// The cheapest legal wire form of this string in a given position.
    pub fn form(&self, position: StringPosition) -> StringForm {
        string_form(&self.0, position)
    }
}

impl TryFrom<Bytes> for IString {
    type Error = ValidationError;
    fn try_from(b: Bytes) -> Result<Self, ValidationError> {
        if memchr::memchr(0, &b).is_some() {
            Err(ValidationError::Nul)
        } else {
            Ok(IString(SmallBytes::Shared(b)))
        }
    }
}

/// Where a string value stands in the grammar, which decides the forms it may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringPosition {
    /// `astring`: an atom (with `]`), a quoted string or a literal.
    AString,
    /// `string`: a quoted string or a literal.
    String,
    /// `nstring`: like `string`, but an unquoted `NIL` means absent.
    NString,
}

/// The wire forms of a string value, cheapest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StringForm {
    /// Bare: `1*ASTRING-CHAR`.
    Atom,
    /// `DQUOTE *QUOTED-CHAR DQUOTE`.
    Quoted,
    /// `"{" number "}" CRLF *CHAR8`.
    Literal,
}

/// Strings longer than this go as literals even when they could be quoted, so that no
/// encoded line grows past what a strict peer accepts.
pub(crate) const MAX_QUOTED_LEN: usize = 1024;

/// Picks the cheapest legal form for `s` at `position`.
pub(crate) fn string_form(s: &[u8], position: StringPosition) -> StringForm {
    if position == StringPosition::AString && chars::all(s, ASTRING) {
        return StringForm::Atom;
    }
    if s.len() <= MAX_QUOTED_LEN && s.iter().all(|&b| chars::is(b, TEXT)) {
        StringForm::Quoted
    } else {
        StringForm::Literal
    }
}

/// Whether `s` can be written as a quoted string without escapes.
pub(crate) fn quoted_needs_no_escape(s: &[u8]) -> bool {
    s.iter().all(|&b| chars::is(b, QUOTED_PLAIN))
}

/// A literal's payload: `literal = "{" number "}" CRLF *CHAR8`, or with RFC 3516 BINARY
/// `literal8 = "~{" number "}" CRLF *OCTET`.
///
/// A plain literal can't hold NUL; a binary one can hold any byte.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Literal {
    data: Bytes,
    binary: bool,
}

impl Literal {
    /// A plain literal. Fails if `data` holds a NUL byte (use [`Literal::binary`]).
    pub fn new(data: impl Into<Bytes>) -> Result<Self, ValidationError> {
        let data = data.into();
        if memchr::memchr(0, &data).is_some() {
            return Err(ValidationError::Nul);
        }
        Ok(Literal { data, binary: false })
    }

    /// A binary literal (`~{n}`, RFC 3516), which may hold any byte.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Literal { data: data.into(), binary: true }
    }

    pub(crate) fn unvalidated(data: Bytes, binary: bool) -> Self {
        Literal { data, binary }
    }

    /// The payload.
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// Whether this is a binary literal (`~{n}`).
    pub fn is_binary(&self) -> bool {
        self.binary
    }
}

impl fmt::Debug for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.binary { "Literal8" } else { "Literal" };
        if self.data.len() <= 64 {
            write!(f, "{kind}({:?})", String::from_utf8_lossy(&self.data))
        } else {
            write!(f, "{kind}({} bytes)", self.data.len())
        }
    }
}

/// How a literal announces itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiteralMode {
    /// `{n}`: the client waits for a `+` continuation before sending the bytes.
    Sync,
    /// `{n+}` (RFC 7888 LITERAL+ / LITERAL-): the bytes follow at once.
    NonSync,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = |s: &[u8], p| string_form(s, p);
        assert_eq!(t(b"abc", StringPosition::AString), StringForm::Atom);
        assert_eq!(t(b"a]c", StringPosition::AString), StringForm::Atom);
        assert_eq!(t(b"abc", StringPosition::String), StringForm::Quoted);
        assert_eq!(t(b"", StringPosition::AString), StringForm::Quoted);
        assert_eq!(t(b"a b", StringPosition::AString), StringForm::Quoted);
        assert_eq!(t(b"a\"b\\", StringPosition::AString), StringForm::Quoted);
        assert_eq!(t(b"a\r\nb", StringPosition::AString), StringForm::Literal);
        assert_eq!(t("é".as_bytes(), StringPosition::AString), StringForm::Literal);
        assert_eq!(t(&[b'a'; 2000], StringPosition::String), StringForm::Literal);
    }

    #[test]
    fn validation() {
        assert!(Tag::try_from("").is_err());
        assert!(Tag::try_from("A]1").is_ok());
        assert!(Atom::try_from("a]").is_err());
        assert!(IString::try_from(&b"a\0b"[..]).is_err());
        assert!(Literal::new(&b"a\0b"[..]).is_err());
        assert!(Literal::binary(&b"a\0b"[..]).is_binary());
    }
}
