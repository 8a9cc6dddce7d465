//! ENVELOPE fields as text: the subject and display names with their RFC 2047 encoded
//! words decoded (the values in [`Envelope`] stay as the server sent them).

use super::charset::{decode_header, Decoder};
use crate::codec::{AddressView, EnvelopeView};
use crate::types::{Address, Envelope};

impl EnvelopeView<'_> {
    /// The subject as text, encoded words decoded, read in place (as
    /// [`Envelope::subject_text`]).
    pub fn subject_text(&self) -> Option<String> {
        self.subject().map(|s| decode_header(&s.value(), &Decoder::default()))
    }
}

impl AddressView<'_> {
    /// The display name as text, encoded words decoded (as [`Address::display_name`]).
    pub fn display_name(&self) -> Option<String> {
        self.name().map(|s| decode_header(&s.value(), &Decoder::default()))
    }
}

impl Envelope {
    /// The subject as text, encoded words decoded (RFC 2047; unknown charsets kept as
    /// they are). `None` when the message has no subject.
    ///
    /// ```
    /// use imap_machine::types::{Envelope, IString};
    /// let mut e = Envelope::default();
    /// e.subject = Some(IString::from_static("=?utf-8?q?Caf=C3=A9?= au lait"));
    /// assert_eq!(e.subject_text().as_deref(), Some("Café au lait"));
    /// ```
    pub fn subject_text(&self) -> Option<String> {
        self.subject.as_ref().map(|s| decode_header(s.as_bytes(), &Decoder::default()))
    }
}

impl Address {
    /// The display name as text, encoded words decoded (RFC 2047).
    pub fn display_name(&self) -> Option<String> {
        self.name.as_ref().map(|s| decode_header(s.as_bytes(), &Decoder::default()))
    }

    /// `mailbox@host`, or `None` for the start or end of a group.
    pub fn email(&self) -> Option<String> {
        match (&self.mailbox, &self.host) {
            (Some(m), Some(h)) => Some(format!("{}@{}", m.to_text(), h.to_text())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::types::{Address, IString};

    #[test]
    fn display_name_and_email() {
        let a = Address {
            name: Some(IString::from_static("=?iso-8859-1?q?Andr=E9?= Pirard")),
            adl: None,
            mailbox: Some(IString::from_static("PIRARD")),
            host: Some(IString::from_static("vm1.ulg.ac.be")),
        };
        assert_eq!(a.display_name().as_deref(), Some("André Pirard"));
        assert_eq!(a.email().as_deref(), Some("PIRARD@vm1.ulg.ac.be"));
    }
}
