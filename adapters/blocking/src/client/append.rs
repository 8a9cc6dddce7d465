//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469): the tokio client's methods, one for
//! one.

use imap_machine::types::{AppendData, AppendMessage, Capability, CatPart, CommandBody, DateTime, Flag};

use super::{AppendUid, AppendUids, ArgError, Client, Error, IntoMailbox};

impl Client {
    /// `APPEND mailbox message...` (MULTIAPPEND, RFC 3502): every message at once, all or
    /// nothing; the server's `APPENDUID` (UIDPLUS) gives their UIDs in order. Each
    /// synchronising literal waits for its own `+`; with LITERAL+ none waits. Fails with
    /// [`Error::Unsupported`] when the server lacks MULTIAPPEND (several messages) or
    /// CATENATE (a message built from parts).
    pub fn multiappend(
        &mut self,
        mailbox: impl IntoMailbox,
        messages: Vec<AppendMessage>,
    ) -> Result<Option<AppendUids>, Error> {
        let mailbox = mailbox.into_mailbox()?;
        for (cap, name) in AppendMessage::required_capabilities(&messages) {
            if !self.has_capability(&cap)? {
                return Err(Error::Unsupported(name));
            }
        }
        let body = CommandBody::append_of(mailbox, messages).ok_or(ArgError::Empty("messages"))?;
        Ok(self.run(body)?.append_uids())
    }

    /// `APPEND mailbox (flags) date CATENATE (part...)` (RFC 4469): one message made of
    /// literal text and IMAP URLs of messages or parts on the server. A URL the server
    /// cannot resolve fails the call with `NO [BADURL url]`.
    pub fn catenate(
        &mut self,
        mailbox: impl IntoMailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        parts: Vec<CatPart>,
    ) -> Result<Option<AppendUid>, Error> {
        if parts.is_empty() {
            return Err(ArgError::Empty("parts").into());
        }
        let mailbox = mailbox.into_mailbox()?;
        if !self.has_capability(&Capability::Catenate)? {
            return Err(Error::Unsupported("CATENATE"));
        }
        let message = AppendMessage { flags: flags.to_vec(), date, data: AppendData::Catenate(parts) };
        Ok(self.run(CommandBody::MultiAppend { mailbox, messages: vec![message] })?.append_uid())
    }
}
