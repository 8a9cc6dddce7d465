//! ENABLE (RFC 5161) and what it turns on: IMAP4rev2 (RFC 9051 Appendix A) and
//! UTF8=ACCEPT (RFC 6855), with the mailbox names each side of the store speaks.
//!
//! The store keeps names in their RFC 3501 §5.1.3 wire form (modified UTF-7). A session
//! that enabled IMAP4rev2 or UTF8=ACCEPT speaks UTF-8 names (RFC 9051 §5.1, RFC 6855 §3):
//! the server machine translates them at the wire ([`Server::set_utf8`]), so the session
//! and the store see modified UTF-7 either way.

use super::error::Done;
use super::{Backend, Session, SessionError};
use crate::server::Server;
use crate::types::{Capability, Data};

/// The extensions this session enabled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Enabled {
    /// `ENABLE IMAP4rev2`: RFC 9051's responses (no `\Recent`, ESEARCH for SEARCH, LIST
    /// and CLOSED on SELECT, UID in every unsolicited FETCH) and UTF-8 names.
    pub(super) rev2: bool,
    /// `ENABLE UTF8=ACCEPT`: UTF-8 names and headers; SEARCH CHARSET is refused.
    pub(super) utf8: bool,
    /// A CONDSTORE enabling command was issued (RFC 7162 §3.1): MODSEQ in unsolicited
    /// FETCH, HIGHESTMODSEQ on SELECT.
    pub(super) condstore: bool,
    /// `ENABLE QRESYNC` (RFC 7162 §3.2.3), which implies CONDSTORE.
    pub(super) qresync: bool,
}

impl Enabled {
    /// Whether mailbox names are UTF-8 on the wire.
    pub(super) fn utf8_names(self) -> bool {
        self.rev2 || self.utf8
    }
}

impl<B: Backend> Session<B> {
    /// ENABLE (RFC 5161 §3.1): turns on the extensions this session serves behind it and
    /// lists, in one `* ENABLED`, those this command turned on (not those already on, nor
    /// unknown ones).
    pub(super) fn enable(&mut self, server: &mut Server, asked: Vec<Capability>) -> Result<Done, SessionError> {
        let mut newly = Vec::new();
        for c in asked {
            // Only what the server advertises (RFC 5161 §3.1).
            if !server.serves(&c) {
                continue;
            }
            let flag = match c {
                Capability::Imap4rev2 => &mut self.enabled.rev2,
                Capability::Utf8Accept => &mut self.enabled.utf8,
                Capability::CondStore => &mut self.enabled.condstore,
                Capability::QResync => &mut self.enabled.qresync,
                _ => continue,
            };
            if !*flag {
                *flag = true;
                newly.push(c);
            }
        }
        if self.enabled.qresync || newly.contains(&Capability::CondStore) {
            // QRESYNC implies CONDSTORE (RFC 7162 §3.2.3); HIGHESTMODSEQ goes first, as
            // Dovecot sends it.
            self.condstore_on(server)?;
        }
        let (rev2, qresync) = (self.enabled.rev2, self.enabled.qresync);
        if let Some(sel) = self.selected.as_mut() {
            sel.rev2 = rev2;
            sel.qresync = qresync;
        }
        server.set_utf8(self.enabled.utf8_names());
        server.send_data(Data::Enabled(newly))?;
        Ok(Done::Ok)
    }
}
