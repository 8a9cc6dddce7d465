//! METADATA values (RFC 5464): the options of GETMETADATA, the entries of a METADATA
//! response and the METADATA response codes.
//!
//! ```
//! use imap_machine::types::{MetadataDepth, MetadataOptions};
//! let o = MetadataOptions { max_size: Some(1024), depth: Some(MetadataDepth::One) };
//! assert_eq!(o.to_string(), "(MAXSIZE 1024 DEPTH 1)");
//! ```

use std::fmt;

use bytes::Bytes;

use super::IString;

/// `scope-opt = "DEPTH" SP ("0" / "1" / "infinity")` (RFC 5464 §4.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetadataDepth {
    /// `0`: the entries named only.
    Zero,
    /// `1`: and their immediate children.
    One,
    /// `infinity`: and every descendant.
    Infinity,
}

impl MetadataDepth {
    /// The depth's word.
    pub fn as_str(self) -> &'static str {
        match self {
            MetadataDepth::Zero => "0",
            MetadataDepth::One => "1",
            MetadataDepth::Infinity => "infinity",
        }
    }
}

/// `getmetadata-options` (RFC 5464 §4.2): MAXSIZE and DEPTH, each at most once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct MetadataOptions {
    /// `maxsize-opt = "MAXSIZE" SP number` (§4.2.1): leave out values longer than this.
    pub max_size: Option<u32>,
    /// `scope-opt` (§4.2.2).
    pub depth: Option<MetadataDepth>,
}

impl MetadataOptions {
    /// Whether no option is given (then none is written).
    pub fn is_empty(&self) -> bool {
        self.max_size.is_none() && self.depth.is_none()
    }
}

impl fmt::Display for MetadataOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        if let Some(n) = self.max_size {
            write!(f, "MAXSIZE {n}")?;
        }
        if let Some(d) = self.depth {
            if self.max_size.is_some() {
                f.write_str(" ")?;
            }
            write!(f, "DEPTH {}", d.as_str())?;
        }
        f.write_str(")")
    }
}

/// `entry-value = entry SP value`, `value = nstring / literal8` (RFC 5464 §5): an entry's
/// name (`/private/...` or `/shared/...`) and its value, `None` for NIL.
pub type MetadataEntry = (IString, Option<Bytes>);

/// What a `metadata-resp` carries (RFC 5464 §4.4): entries with values (the answer to
/// GETMETADATA), or entry names alone (unsolicited: they changed).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MetadataItems {
    /// `entry-values = "(" entry-value *(SP entry-value) ")"`
    Values(Vec<MetadataEntry>),
    /// `entry-list = entry *(SP entry)`
    Entries(Vec<IString>),
}

/// The METADATA response codes (RFC 5464 §4.2.1, §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetadataCode {
    /// `METADATA LONGENTRIES n`: the longest value GETMETADATA left out for MAXSIZE.
    LongEntries(u32),
    /// `METADATA MAXSIZE n`: SETMETADATA's value is over the server's limit `n`.
    MaxSize(u32),
    /// `METADATA TOOMANY`: SETMETADATA would make too many entries.
    TooMany,
    /// `METADATA NOPRIVATE`: the server keeps no `/private` entries.
    NoPrivate,
}

impl fmt::Display for MetadataCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetadataCode::LongEntries(n) => write!(f, "METADATA LONGENTRIES {n}"),
            MetadataCode::MaxSize(n) => write!(f, "METADATA MAXSIZE {n}"),
            MetadataCode::TooMany => f.write_str("METADATA TOOMANY"),
            MetadataCode::NoPrivate => f.write_str("METADATA NOPRIVATE"),
        }
    }
}
