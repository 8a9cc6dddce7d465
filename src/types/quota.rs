//! QUOTA values (RFC 9208): resources, their usage and limits.
//!
//! ```
//! use imap_machine::types::{QuotaResource, QuotaUsage};
//! let storage = QuotaUsage { resource: QuotaResource::Storage, usage: 104, limit: 10923847 };
//! assert_eq!(storage.to_string(), "STORAGE 104 10923847");
//! ```

use std::fmt;

use super::Atom;

/// `resource-name = "STORAGE" / "MESSAGE" / "MAILBOX" / "ANNOTATION-STORAGE" /
/// resource-name-ext` (RFC 9208 §7, the resources of §5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QuotaResource {
    /// `STORAGE` (§5.1): the messages' sizes, in units of 1024 octets.
    Storage,
    /// `MESSAGE` (§5.2): the number of messages.
    Message,
    /// `MAILBOX` (§5.3): the number of mailboxes.
    Mailbox,
    /// `ANNOTATION-STORAGE` (§5.4): the size of annotations, in units of 1024 octets.
    AnnotationStorage,
    /// `resource-name-ext = atom`: another resource, kept as sent.
    Other(Atom),
}

impl QuotaResource {
    /// The resource's atom.
    pub fn as_str(&self) -> &str {
        match self {
            QuotaResource::Storage => "STORAGE",
            QuotaResource::Message => "MESSAGE",
            QuotaResource::Mailbox => "MAILBOX",
            QuotaResource::AnnotationStorage => "ANNOTATION-STORAGE",
            QuotaResource::Other(a) => a.as_str(),
        }
    }

    /// The resource named `atom`, in any case.
    pub fn from_atom(atom: Atom) -> QuotaResource {
        let known =
            [QuotaResource::Storage, QuotaResource::Message, QuotaResource::Mailbox, QuotaResource::AnnotationStorage];
        known.into_iter().find(|r| r.as_str().eq_ignore_ascii_case(atom.as_str())).unwrap_or(QuotaResource::Other(atom))
    }
}

/// `quota-resource = resource-name SP resource-usage SP resource-limit` (RFC 9208 §7).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QuotaUsage {
    /// The resource.
    pub resource: QuotaResource,
    /// How much of it is used (`number64`).
    pub usage: u64,
    /// The limit (`number64`).
    pub limit: u64,
}

impl fmt::Display for QuotaUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.resource.as_str(), self.usage, self.limit)
    }
}
