//! URLAUTH values (RFC 4467): the mechanisms of the `URLMECH` response code, and the
//! extended URLFETCH of URLAUTH=BINARY (RFC 5524): its per-URL parameters and answers.
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

use bytes::Bytes;

use super::{Atom, BodyStructure, IString, NString};

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

/// `url-fetch-param = "BODY" / "BINARY" / "BODYPARTSTRUCTURE" / atom` (RFC 5524 §5):
/// what the extended URLFETCH is to return for one URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UrlFetchParam {
    /// `BODY`: the data as it is stored (the default of the extended form).
    Body,
    /// `BINARY`: the data with its content transfer encoding undone (RFC 5524 §3.1).
    Binary,
    /// `BODYPARTSTRUCTURE`: the part's structure, as BODYSTRUCTURE gives it.
    BodyPartStructure,
    /// An extension parameter, as sent (servers that do not know it answer BAD).
    Other(Atom),
}

/// `url-fetch-arg = url-full / "(" url-full *(SP url-fetch-param) ")"` (RFC 5524 §5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UrlFetchArg {
    /// `url-full`: the URLAUTH-authorized URL.
    pub url: IString,
    /// `None` for RFC 4467's plain form; `Some` (possibly empty) for the parenthesized
    /// form, whose answer is always [`UrlFetchData::Extended`] when the URL resolves.
    pub params: Option<Vec<UrlFetchParam>>,
}

impl From<IString> for UrlFetchArg {
    fn from(url: IString) -> Self {
        UrlFetchArg { url, params: None }
    }
}

/// The data of the extended form's answer: `"BODY" SP nstring` or `"BINARY" SP
/// (nstring / literal8)` (RFC 5524 §5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UrlFetchBody {
    /// `BODY`: the octets as stored; `None` for NIL.
    Body(NString),
    /// `BINARY`: the decoded octets, which may hold NUL; `None` for NIL.
    Binary(Option<Bytes>),
}

/// One URL's answer in `* URLFETCH` (RFC 4467 §9, extended by RFC 5524 §5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UrlFetchData {
    /// `nstring`: the plain form's data, and NIL (`None`) for any URL that failed, in
    /// either form.
    Plain(NString),
    /// `"(" ["BODYPARTSTRUCTURE" SP body] [SP] [("BODY" / "BINARY") SP data] ")"`: what
    /// the parameters asked for.
    Extended {
        /// `BODYPARTSTRUCTURE`, when asked for.
        body_part_structure: Option<Box<BodyStructure>>,
        /// `BODY` or `BINARY`, unless only the structure was asked for.
        body: Option<UrlFetchBody>,
    },
}

impl UrlFetchData {
    /// The octets returned, in either form: `None` for NIL, or for an extended answer
    /// that carries only the structure.
    pub fn data(&self) -> Option<Bytes> {
        match self {
            UrlFetchData::Plain(s) => s.as_ref().map(|s| s.to_bytes()),
            UrlFetchData::Extended { body: Some(UrlFetchBody::Body(s)), .. } => s.as_ref().map(|s| s.to_bytes()),
            UrlFetchData::Extended { body: Some(UrlFetchBody::Binary(b)), .. } => b.clone(),
            UrlFetchData::Extended { body: None, .. } => None,
        }
    }

    /// Whether the URL failed (NIL).
    pub fn is_nil(&self) -> bool {
        matches!(self, UrlFetchData::Plain(None))
    }
}
