//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469): the tokio client's methods, one for
//! one.

use imap_machine::types::{AppendData, AppendMessage, Capability, CatPart, CommandBody, DateTime, Flag, Mailbox};

use super::{AppendUid, AppendUids, ArgError, Client, Error, IntoMailbox};

/// The command for these messages: a plain APPEND for one message given whole.
fn append_body(mailbox: Mailbox, mut messages: Vec<AppendMessage>) -> Result<CommandBody, ArgError> {
    match messages.len() {
        0 => Err(ArgError::Empty("messages")),
        1 if matches!(messages[0].data, AppendData::Literal(_)) => {
            let AppendMessage { flags, date, data } = messages.remove(0);
            let AppendData::Literal(message) = data else { unreachable!("checked above") };
            Ok(CommandBody::Append { mailbox, flags, date, message })
        }
        _ => Ok(CommandBody::MultiAppend { mailbox, messages }),
    }
}

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
        if messages.len() > 1 && !self.has_capability(&Capability::MultiAppend)? {
            return Err(Error::Unsupported("MULTIAPPEND"));
        }
        if messages.iter().any(|m| matches!(m.data, AppendData::Catenate(_)))
            && !self.has_capability(&Capability::Catenate)?
        {
            return Err(Error::Unsupported("CATENATE"));
        }
        Ok(self.run(append_body(mailbox, messages)?)?.append_uids())
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
