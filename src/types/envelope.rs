//! ENVELOPE (RFC 3501 §7.4.2).
//!
//! Address lists keep RFC 2822 group syntax the way IMAP writes it: a group starts with an
//! address whose host is NIL and whose mailbox is the group name, and ends with an address
//! whose mailbox and host are both NIL. [`Address::group_start`] and
//! [`Address::is_group_end`] read those markers.
//!
//! ```
//! use imap_machine::types::{Address, IString};
//! let start = Address { name: None, adl: None, mailbox: Some(IString::from_static("team")), host: None };
//! assert_eq!(start.group_start().unwrap().as_bytes(), b"team");
//! ```

use super::{IString, NString};

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
/// env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"`
///
/// An address list that was `NIL` (or the quirky `()`) is empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Envelope {
    /// `Date:`
    pub date: NString,
    /// `Subject:`
    pub subject: NString,
    /// `From:`
    pub from: Vec<Address>,
    /// `Sender:`
    pub sender: Vec<Address>,
    /// `Reply-To:`
    pub reply_to: Vec<Address>,
    /// `To:`
    pub to: Vec<Address>,
    /// `Cc:`
    pub cc: Vec<Address>,
    /// `Bcc:`
    pub bcc: Vec<Address>,
    /// `In-Reply-To:`
    pub in_reply_to: NString,
    /// `Message-ID:`
    pub message_id: NString,
}

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Address {
    /// Display name (`addr-name`).
    pub name: NString,
    /// Source route (`addr-adl`), obsolete.
    pub adl: NString,
    /// Local part, or group name at a group start (`addr-mailbox`).
    pub mailbox: NString,
    /// Domain; NIL marks group syntax (`addr-host`).
    pub host: NString,
}

impl Address {
    /// The group name, if this address starts a group.
    pub fn group_start(&self) -> Option<&IString> {
        match (&self.mailbox, &self.host) {
            (Some(m), None) => Some(m),
            _ => None,
        }
    }

    /// Whether this address ends a group.
    pub fn is_group_end(&self) -> bool {
        self.mailbox.is_none() && self.host.is_none()
    }
}
