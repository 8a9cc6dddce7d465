//! Message flags (RFC 3501 §2.3.2).
//!
//! System flags compare case-insensitively and always encode in their canonical spelling.
//! Keywords keep the case they were given, and compare case-insensitively too, as the RFC
//! asks of flag names.
//!
//! ```
//! use imap_machine::types::Flag;
//! assert_eq!(Flag::parse("\\SEEN").unwrap(), Flag::Seen);
//! assert_eq!(Flag::parse("$Forwarded").unwrap().to_string(), "$Forwarded");
//! assert_eq!(Flag::parse("$forwarded").unwrap(), Flag::parse("$FORWARDED").unwrap());
//! ```

use std::fmt;
use std::hash::{Hash, Hasher};

use bytes::Bytes;

use super::{Atom, ValidationError};

/// A flag: `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" /
/// flag-keyword / flag-extension` (RFC 3501 §9).
#[derive(Clone)]
pub enum Flag {
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Seen`
    Seen,
    /// `\Draft`
    Draft,
    /// `flag-keyword = atom`, case preserved.
    Keyword(Atom),
    /// `flag-extension = "\" atom`: any other backslash flag (e.g. `\Recent` where it is
    /// not allowed, or a future system flag). Holds the atom without the backslash.
    Extension(Atom),
}

impl Flag {
    /// The same flag owning its bytes: a keyword or extension parsed from a response is a
    /// slice of the buffer it came in, which it keeps alive; this copies it out.
    pub fn detached(&self) -> Flag {
        let copy = |a: &Atom| Atom::lenient(Bytes::copy_from_slice(a.as_bytes()));
        match self {
            Flag::Keyword(a) => Flag::Keyword(copy(a)),
            Flag::Extension(a) => Flag::Extension(copy(a)),
            other => other.clone(),
        }
    }

    /// Parses one flag from its text (`\Seen`, `$Label`).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::from_bytes(Bytes::copy_from_slice(s.as_bytes()))
    }

    /// Parses one flag from bytes; zero-copy when given a [`Bytes`].
    pub fn from_bytes(b: Bytes) -> Result<Self, ValidationError> {
        if let Some(rest) = b.strip_prefix(b"\\") {
            let flag = match rest.len() {
                4 if rest.eq_ignore_ascii_case(b"Seen") => Flag::Seen,
                5 if rest.eq_ignore_ascii_case(b"Draft") => Flag::Draft,
                7 if rest.eq_ignore_ascii_case(b"Flagged") => Flag::Flagged,
                7 if rest.eq_ignore_ascii_case(b"Deleted") => Flag::Deleted,
                8 if rest.eq_ignore_ascii_case(b"Answered") => Flag::Answered,
                _ => Flag::Extension(Atom::try_from(b.slice(1..)).map_err(|_| ValidationError::Flag)?),
            };
            Ok(flag)
        } else {
            Ok(Flag::Keyword(Atom::try_from(b).map_err(|_| ValidationError::Flag)?))
        }
    }

    /// The system flag name with its backslash, or `None` for keywords and extensions.
    pub fn system_name(&self) -> Option<&'static str> {
        Some(match self {
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Seen => "\\Seen",
            Flag::Draft => "\\Draft",
            Flag::Keyword(_) | Flag::Extension(_) => return None,
        })
    }

    fn key(&self) -> (u8, &[u8]) {
        match self {
            Flag::Answered => (0, b""),
            Flag::Flagged => (1, b""),
            Flag::Deleted => (2, b""),
            Flag::Seen => (3, b""),
            Flag::Draft => (4, b""),
            Flag::Keyword(a) => (5, a.as_bytes()),
            Flag::Extension(a) => (6, a.as_bytes()),
        }
    }
}

impl PartialEq for Flag {
    fn eq(&self, other: &Self) -> bool {
        let (a, x) = self.key();
        let (b, y) = other.key();
        a == b && x.eq_ignore_ascii_case(y)
    }
}

impl Eq for Flag {}

impl Hash for Flag {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (k, bytes) = self.key();
        state.write_u8(k);
        for b in bytes {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::Keyword(a) => f.write_str(a.as_str()),
            Flag::Extension(a) => write!(f, "\\{}", a.as_str()),
            sys => f.write_str(sys.system_name().expect("system flag")),
        }
    }
}

impl fmt::Debug for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Flag({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        for (text, flag) in [
            ("\\Answered", Flag::Answered),
            ("\\flagged", Flag::Flagged),
            ("\\DELETED", Flag::Deleted),
            ("\\Seen", Flag::Seen),
            ("\\Draft", Flag::Draft),
        ] {
            assert_eq!(Flag::parse(text).unwrap(), flag);
            assert!(flag.to_string().eq_ignore_ascii_case(text));
        }
        assert_eq!(Flag::parse("\\Recent").unwrap().to_string(), "\\Recent");
        assert!(Flag::parse("\\").is_err());
        assert!(Flag::parse("a b").is_err());
        assert!(Flag::parse("").is_err());
        let k = Flag::parse("$MDNSent").unwrap();
        assert_eq!(k.to_string(), "$MDNSent");
        assert_ne!(k, Flag::parse("\\$MDNSent").unwrap());
    }
}
