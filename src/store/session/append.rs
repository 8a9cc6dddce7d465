//! APPEND in the session: one message or several (MULTIAPPEND, RFC 3502), given whole or
//! built with CATENATE (RFC 4469), all or nothing.
//!
//! Every message of a command goes into one [`AppendTransaction`], committed when the
//! command ends: if any message fails, none is kept (RFC 3502 §6.3.11). A streamed
//! message ([`crate::server::ServerOptions::stream_appends_over`]) goes to the
//! transaction as it arrives, never held whole by the session.

use super::error::Done;
use super::selected::Sync;
use super::{wire_name, work, Session, SessionError};
use crate::server::Server;
use crate::store::{AppendTransaction, Backend, StoreError};
use crate::types::{AppendData, AppendMessage, Code, DateTime, Flag, Mailbox, SequenceSet, Tag};

/// The APPEND whose messages are arriving.
pub(super) struct Upload {
    tag: Tag,
    tx: Box<dyn AppendTransaction>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload").field("tag", &self.tag).finish_non_exhaustive()
    }
}

/// A streamed message's announcement ([`crate::server::Event::AppendStarted`],
/// [`crate::server::Event::AppendNext`]).
pub(super) struct Streamed<'a> {
    pub(super) flags: &'a [Flag],
    pub(super) date: Option<DateTime>,
    pub(super) length: u64,
}

impl<B: Backend> Session<B> {
    /// The largest message APPEND takes.
    fn append_max(&self) -> u64 {
        self.backend.append_limit().map_or(u64::from(u32::MAX), u64::from)
    }

    /// Puts a message given whole (a literal, or CATENATE parts) into the transaction.
    fn stage(&self, tx: &mut dyn AppendTransaction, user: &B::User, m: AppendMessage) -> Result<(), SessionError> {
        let data = match m.data {
            AppendData::Literal(l) => l.data().clone(),
            AppendData::Catenate(parts) => self.catenate(user, &parts, self.append_max())?,
        };
        if data.is_empty() {
            return Err(SessionError::EmptyMessage);
        }
        tx.begin(&m.flags, m.date, data.len() as u64)?;
        tx.write(&data)?;
        Ok(())
    }

    /// The APPENDUID code of the committed transaction (RFC 4315 §3).
    fn commit(tx: Box<dyn AppendTransaction>) -> Result<Done, SessionError> {
        let (validity, uids) = tx.commit().map_err(SessionError::target)?;
        let set = SequenceSet::from_numbers(&uids).ok_or(StoreError::Cannot("UID 0"))?;
        Ok(Done::Code(Code::AppendUid { uid_validity: validity, uids: set }))
    }

    /// `APPEND` of several messages or with CATENATE, received whole.
    pub(super) fn multi_append(
        &mut self,
        user: &B::User,
        mailbox: &Mailbox,
        messages: Vec<AppendMessage>,
    ) -> Result<Done, SessionError> {
        self.finish_sync = Some(Sync::Full);
        let name = wire_name(mailbox).map_err(SessionError::target)?;
        let mut tx = self.backend.clone().append_transaction(user, &name).map_err(SessionError::target)?;
        for m in messages {
            self.stage(&mut *tx, user, m)?;
        }
        Self::commit(tx)
    }

    /// [`crate::server::Event::AppendStarted`]: opens the store's transaction, stages the
    /// messages given whole before it, and lets the streamed one come; or refuses it
    /// (`NO [TRYCREATE]`, `NO [TOOBIG]`) before it is sent.
    pub(super) fn append_started(
        &mut self,
        server: &mut Server,
        tag: Tag,
        mailbox: &Mailbox,
        before: Vec<AppendMessage>,
        next: Streamed<'_>,
    ) {
        let begin = || -> Result<Box<dyn AppendTransaction>, SessionError> {
            let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
            let name = wire_name(mailbox).map_err(SessionError::target)?;
            let mut tx = self.backend.clone().append_transaction(user, &name).map_err(SessionError::target)?;
            for m in before {
                self.stage(&mut *tx, user, m)?;
            }
            tx.begin(next.flags, next.date, next.length)?;
            Ok(tx)
        };
        match begin() {
            Ok(tx) => {
                // An error here means the connection is closed: the transaction is dropped.
                if server.accept_append(&tag).is_ok() {
                    self.upload = Some(Upload { tag, tx });
                }
            }
            Err(e) => Self::answer(server, &tag, "APPEND", Err(e)),
        }
    }

    /// [`crate::server::Event::AppendNext`]: the previous message is complete; stages the
    /// whole ones before the next streamed one and lets it come, or refuses it (and with
    /// it every message of the command).
    pub(super) fn append_next(
        &mut self,
        server: &mut Server,
        tag: Tag,
        before: Vec<AppendMessage>,
        next: Streamed<'_>,
    ) {
        let Some(mut upload) = self.upload.take().filter(|u| u.tag == tag) else { return };
        let step = || -> Result<(), SessionError> {
            let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
            for m in before {
                self.stage(&mut *upload.tx, user, m)?;
            }
            upload.tx.begin(next.flags, next.date, next.length)?;
            Ok(())
        };
        match step() {
            Ok(()) => {
                if server.accept_append(&tag).is_ok() {
                    self.upload = Some(upload);
                }
            }
            Err(e) => Self::answer(server, &tag, "APPEND", Err(e)),
        }
    }

    /// [`crate::server::Event::AppendChunk`]: the next bytes go to the transaction. A
    /// store error answers at once; the machine skips the rest of the command.
    pub(super) fn append_chunk(&mut self, server: &mut Server, tag: &Tag, data: &[u8]) {
        let Some(upload) = self.upload.as_mut().filter(|u| u.tag == *tag) else { return };
        if let Err(e) = upload.tx.write(data) {
            self.upload = None;
            Self::answer(server, tag, "APPEND", Err(SessionError::target(e)));
        }
    }

    /// [`crate::server::Event::AppendEnded`]: stages the messages given whole after the
    /// last streamed one and stores them all; the answer (with APPENDUID, RFC 4315)
    /// follows the sync, as for a whole APPEND.
    pub(super) fn append_ended(&mut self, tag: Tag, after: Vec<AppendMessage>) {
        let Some(mut upload) = self.upload.take().filter(|u| u.tag == tag) else { return };
        let result = (|| {
            let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
            for m in after {
                self.stage(&mut *upload.tx, user, m)?;
            }
            Self::commit(upload.tx)
        })();
        let stage = work::Stage::Finish { sync: Some(Sync::Full), result };
        self.pending = Some(work::Pending { tag, name: "APPEND", stage });
    }

    /// [`crate::server::Event::AppendAborted`], or the connection ended: the messages are
    /// dropped, and the store leaves nothing behind.
    pub(super) fn append_aborted(&mut self) {
        self.upload = None;
    }
}
