//! SEARCH from the index (RFC 3501 §6.4.4): criteria that need no message text (flags,
//! keywords, UID and sequence sets, LARGER and SMALLER, dates, `\Recent`, and NOT, OR and
//! lists of them) are answered from the index, without opening a message file; the
//! sizes come from the `W=` of the file names, and only BEFORE, ON and SINCE `stat` a
//! file for its mtime (the INTERNALDATE). Criteria with a key that reads the header or
//! body go to the core's matcher over the messages read
//! ([`imap_machine::store::search_by_fetching`]).

use imap_machine::store::search::MessageMeta;
use imap_machine::store::{SearchQuery, SessionId};
use imap_machine::types::{DateTime, Flag, ObjectId};

use crate::error::MaildirError;
use crate::mailbox::{Ghost, Mailbox, Message};
use crate::sync::has_virtual_size;

/// Why the index could not tell a message's size or date.
enum Miss {
    /// Its file is gone: as from `fetch_meta`, the message does not match.
    Gone,
    /// Reading or `stat`ing it failed.
    Failed(MaildirError),
}

impl From<MaildirError> for Miss {
    fn from(e: MaildirError) -> Self {
        Miss::Failed(e)
    }
}

/// One message as the index has it, for [`SearchQuery::matches_meta`].
enum Indexed<'a> {
    /// A live message; its size (when its name has none) and date, once looked up.
    Live { mailbox: &'a Mailbox, uid: u32, message: &'a Message, size: Option<u32>, date: Option<DateTime> },
    /// An expunged message the session still sees, with the copy kept for it.
    Ghost { flags: &'a [Flag], size: u32, date: DateTime, ids: &'a (Option<DateTime>, ObjectId) },
}

impl MessageMeta for Indexed<'_> {
    type Error = Miss;

    fn has_flag(&mut self, flag: &Flag) -> bool {
        match self {
            Indexed::Live { mailbox, message, .. } => message.has_flag(flag, &mailbox.keywords),
            Indexed::Ghost { flags, .. } => flags.contains(flag),
        }
    }

    fn size(&mut self) -> Result<u32, Miss> {
        match self {
            Indexed::Live { message, .. } if has_virtual_size(message) => Ok(message.size() as u32),
            Indexed::Live { size: Some(size), .. } => Ok(*size),
            Indexed::Live { mailbox, uid, size, date, .. } => {
                // A foreign file: its size with CRLF line ends is known by reading it.
                let (body, mtime) = mailbox.read_message(*uid)?.ok_or(Miss::Gone)?;
                *size = Some(body.len() as u32);
                *date = Some(mtime);
                Ok(body.len() as u32)
            }
            Indexed::Ghost { size, .. } => Ok(*size),
        }
    }

    fn save_date(&mut self) -> Result<Option<DateTime>, Miss> {
        Ok(match self {
            Indexed::Live { message, .. } => message.save_date(),
            Indexed::Ghost { ids, .. } => ids.0,
        })
    }

    fn email_id(&mut self) -> Result<Option<ObjectId>, Miss> {
        Ok(Some(match self {
            Indexed::Live { message, .. } => message.email_id(),
            Indexed::Ghost { ids, .. } => ids.1.clone(),
        }))
    }

    fn internal_date(&mut self) -> Result<DateTime, Miss> {
        match self {
            Indexed::Live { date: Some(date), .. } => Ok(*date),
            Indexed::Live { mailbox, uid, date, .. } => {
                let mtime = mailbox.internal_date(*uid)?.ok_or(Miss::Gone)?;
                *date = Some(mtime);
                Ok(mtime)
            }
            Indexed::Ghost { date, .. } => Ok(*date),
        }
    }
}

impl Mailbox {
    /// The UIDs among `query.uids` that match, answered from the index; for criteria
    /// without a key that reads the message ([`SearchQuery::needs_message`]). A message
    /// neither live nor kept for `session` does not match, as from `fetch_meta`.
    pub(crate) fn search_index(&self, session: SessionId, query: &SearchQuery<'_>) -> Result<Vec<u32>, MaildirError> {
        let mut hits = Vec::new();
        for (k, &uid) in query.uids.iter().enumerate() {
            let mut meta = match self.messages.get(&uid) {
                Some(message) => Indexed::Live { mailbox: self, uid, message, size: None, date: None },
                None => match self.ghosts.get(&uid).and_then(|g| kept(g, session)) {
                    Some(ghost) => ghost,
                    None => continue,
                },
            };
            match query.matches_meta(k, &mut meta) {
                Ok(true) => hits.push(uid),
                Ok(false) | Err(Miss::Gone) => {}
                Err(Miss::Failed(e)) => return Err(e),
            }
        }
        Ok(hits)
    }
}

/// An expunged message as `session` still sees it, if it does and its copy was kept.
fn kept(g: &Ghost, session: SessionId) -> Option<Indexed<'_>> {
    let (body, date) = g.data.as_ref().filter(|_| g.holders.contains(&session))?;
    Some(Indexed::Ghost { flags: &g.flags, size: body.len() as u32, date: *date, ids: &g.ids })
}

#[cfg(test)]
mod tests;
