//! Object identifiers (RFC 8474 OBJECTID): `EMAILID`, `THREADID` and `MAILBOXID` values.
//!
//! ```
//! use imap_machine::types::ObjectId;
//! let id = ObjectId::try_from("M6d99ac3275bb4e").unwrap();
//! assert_eq!(id.as_str(), "M6d99ac3275bb4e");
//! assert!(ObjectId::try_from("has space").is_err());
//! assert!(ObjectId::try_from("").is_err());
//! ```

use std::fmt;

use bytes::Bytes;

use super::ValidationError;

/// `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (RFC 8474 §7): case-sensitive, the
/// base64url alphabet.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(Bytes);

/// The longest object identifier (RFC 8474 §8.1).
pub const MAX_OBJECT_ID_LEN: usize = 255;

impl ObjectId {
    /// Whether `b` is one `objectid` character.
    pub fn is_char(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
    }

    /// Whether `b` is a valid `objectid`.
    pub fn is_valid(b: &[u8]) -> bool {
        !b.is_empty() && b.len() <= MAX_OBJECT_ID_LEN && b.iter().all(|&c| Self::is_char(c))
    }

    /// Builds one from bytes the parser already checked.
    pub(crate) fn unvalidated(b: Bytes) -> Self {
        debug_assert!(Self::is_valid(&b));
        ObjectId(b)
    }

    /// The identifier (ASCII).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The identifier's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl TryFrom<Bytes> for ObjectId {
    type Error = ValidationError;
    fn try_from(b: Bytes) -> Result<Self, ValidationError> {
        if Self::is_valid(&b) {
            Ok(ObjectId(b))
        } else {
            Err(ValidationError::ObjectId)
        }
    }
}

impl TryFrom<&str> for ObjectId {
    type Error = ValidationError;
    fn try_from(s: &str) -> Result<Self, ValidationError> {
        ObjectId::try_from(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl TryFrom<String> for ObjectId {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, ValidationError> {
        ObjectId::try_from(Bytes::from(s))
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({:?})", self.as_str())
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectid_grammar() {
        assert!(ObjectId::try_from("a-Z_09").is_ok());
        assert!(ObjectId::try_from("x".repeat(255).as_str()).is_ok());
        assert!(ObjectId::try_from("x".repeat(256).as_str()).is_err());
        for bad in ["", "a.b", "a b", "é", "a+b", "a/b", "a=b"] {
            assert!(ObjectId::try_from(bad).is_err(), "{bad:?}");
        }
    }
}
