//! URLAUTH values (RFC 4467): the mechanisms of the `URLMECH` response code.
//!
//! The commands are [`super::CommandBody::ResetKey`], [`super::CommandBody::GenUrlAuth`]
//! and [`super::CommandBody::UrlFetch`]; the data [`super::Data::GenUrlAuth`] and
//! [`super::Data::UrlFetch`]. URLs travel as the astrings the grammar makes them
//! (`url-full = astring`, `url-rump = astring`).
//!
//! ```
//! use imap_machine::types::{Atom, UrlMech};
//! let m = UrlMech { mechanism: Atom::from_static("XSAMPLE"), data: Some("P34OKhO7VEkCbsiYY8rGEg==".into()) };
//! assert_eq!(m.to_string(), "XSAMPLE=P34OKhO7VEkCbsiYY8rGEg==");
//! ```

use std::fmt;

use super::Atom;

/// `mechanism ["=" base64]` in `URLMECH` (RFC 4467 §9): a URL authorization mechanism
/// (`INTERNAL` or `1*(ALPHA / DIGIT / "-" / ".")`) and its mechanism-specific data.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UrlMech {
    /// The mechanism, as sent (compared case-insensitively).
    pub mechanism: Atom,
    /// Its data, the base64 text as sent (not decoded).
    pub data: Option<String>,
}

impl UrlMech {
    /// `INTERNAL`, without data.
    pub fn internal() -> Self {
        UrlMech { mechanism: Atom::from_static("INTERNAL"), data: None }
    }
}

impl fmt::Display for UrlMech {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.data {
            Some(d) => write!(f, "{}={d}", self.mechanism),
            None => write!(f, "{}", self.mechanism),
        }
    }
}
