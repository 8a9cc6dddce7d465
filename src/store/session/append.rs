//! Streamed APPEND in the session: the message goes to the store's [`AppendSink`] as it
//! arrives ([`crate::server::ServerOptions::stream_appends_over`]), never held whole.

use std::num::NonZeroU32;

use super::error::Done;
use super::selected::Sync;
use super::{wire_name, work, Session, SessionError};
use crate::server::Server;
use crate::store::{AppendSink, Backend, StoreError};
use crate::types::{Code, DateTime, Flag, Mailbox, SequenceSet, Tag};

/// The APPEND whose message is arriving.
pub(super) struct Upload {
    tag: Tag,
    sink: Box<dyn AppendSink>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload").field("tag", &self.tag).finish_non_exhaustive()
    }
}

impl<B: Backend> Session<B> {
    /// [`crate::server::Event::AppendStarted`]: opens the store's sink and lets the
    /// message come, or refuses it (`NO [TRYCREATE]`, `NO [TOOBIG]`) before it is sent.
    pub(super) fn append_started(
        &mut self,
        server: &mut Server,
        tag: Tag,
        mailbox: &Mailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        length: u64,
    ) {
        let begin = || -> Result<Box<dyn AppendSink>, SessionError> {
            let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
            let name = wire_name(mailbox).map_err(SessionError::target)?;
            self.backend.clone().append_begin(user, &name, flags, date, length).map_err(SessionError::target)
        };
        match begin() {
            Ok(sink) => {
                // An error here means the connection is closed: the sink is dropped below.
                if server.accept_append(&tag).is_ok() {
                    self.upload = Some(Upload { tag, sink });
                }
            }
            Err(e) => Self::answer(server, &tag, "APPEND", Err(e)),
        }
    }

    /// [`crate::server::Event::AppendChunk`]: the next bytes go to the sink. A store
    /// error answers at once; the machine skips the rest of the message.
    pub(super) fn append_chunk(&mut self, server: &mut Server, tag: &Tag, data: &[u8]) {
        let Some(upload) = self.upload.as_mut().filter(|u| u.tag == *tag) else { return };
        if let Err(e) = upload.sink.write(data) {
            self.upload = None;
            Self::answer(server, tag, "APPEND", Err(SessionError::target(e)));
        }
    }

    /// [`crate::server::Event::AppendEnded`]: stores the message; the answer (with
    /// APPENDUID, RFC 4315) follows the sync, as for a whole APPEND.
    pub(super) fn append_ended(&mut self, tag: Tag) {
        let Some(upload) = self.upload.take().filter(|u| u.tag == tag) else { return };
        let result = upload.sink.commit().map_err(SessionError::target).and_then(|(validity, uid)| {
            let uid = NonZeroU32::new(uid).ok_or(StoreError::Cannot("UID 0"))?;
            Ok(Done::Code(Code::AppendUid { uid_validity: validity, uids: SequenceSet::single(uid) }))
        });
        let stage = work::Stage::Finish { sync: Some(Sync::Full), result };
        self.pending = Some(work::Pending { tag, name: "APPEND", stage });
    }

    /// [`crate::server::Event::AppendAborted`], or the connection ended: the message is
    /// dropped, and the store leaves nothing behind.
    pub(super) fn append_aborted(&mut self) {
        self.upload = None;
    }
}
