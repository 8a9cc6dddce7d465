//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469): APPEND of several messages at once,
//! and of a message built from text and URLs of messages on the server.

use imap_machine::client::ArgError;
use imap_machine::types::{AppendData, AppendMessage, Capability, CatPart, CommandBody, DateTime, Flag};

use super::{AppendUid, AppendUids, Client, IntoMailbox};
use crate::Error;

/// The command for these messages: a plain APPEND for one message given whole.
pub(crate) fn append_body(
    mailbox: imap_machine::types::Mailbox,
    mut messages: Vec<AppendMessage>,
) -> Result<CommandBody, ArgError> {
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

/// The capabilities these messages need: MULTIAPPEND for more than one, CATENATE for a
/// message built from parts.
pub(crate) fn needs(messages: &[AppendMessage]) -> Vec<(Capability, &'static str)> {
    let mut caps = Vec::new();
    if messages.len() > 1 {
        caps.push((Capability::MultiAppend, "MULTIAPPEND"));
    }
    if messages.iter().any(|m| matches!(m.data, AppendData::Catenate(_))) {
        caps.push((Capability::Catenate, "CATENATE"));
    }
    caps
}

impl Client {
    /// `APPEND mailbox message...` (MULTIAPPEND, RFC 3502): every message at once, all or
    /// nothing; the server's `APPENDUID` (UIDPLUS) gives their UIDs in order. Each
    /// synchronising literal waits for its own `+`; with LITERAL+ none waits. Fails with
    /// [`Error::Unsupported`] when the server lacks MULTIAPPEND (several messages) or
    /// CATENATE (a message built from parts).
    pub async fn multiappend(
        &self,
        mailbox: impl IntoMailbox,
        messages: Vec<AppendMessage>,
    ) -> Result<Option<AppendUids>, Error> {
        let mailbox = mailbox.into_mailbox()?;
        for (cap, name) in needs(&messages) {
            if !self.has_capability(&cap).await? {
                return Err(Error::Unsupported(name));
            }
        }
        let done = self.exec(append_body(mailbox, messages)?).await?;
        Ok(done.response.append_uids())
    }

    /// `APPEND mailbox (flags) date CATENATE (part...)` (RFC 4469): one message made of
    /// literal text and IMAP URLs of messages or parts on the server (e.g.
    /// `/INBOX;UIDVALIDITY=7/;UID=20/;SECTION=1`). A URL the server cannot resolve fails
    /// the call with `NO [BADURL url]`.
    pub async fn catenate(
        &self,
        mailbox: impl IntoMailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        parts: Vec<CatPart>,
    ) -> Result<Option<AppendUid>, Error> {
        if parts.is_empty() {
            return Err(ArgError::Empty("parts").into());
        }
        let mailbox = mailbox.into_mailbox()?;
        if !self.has_capability(&Capability::Catenate).await? {
            return Err(Error::Unsupported("CATENATE"));
        }
        let message = AppendMessage { flags: flags.to_vec(), date, data: AppendData::Catenate(parts) };
        let done = self.exec(CommandBody::MultiAppend { mailbox, messages: vec![message] }).await?;
        Ok(done.response.append_uid())
    }
}
