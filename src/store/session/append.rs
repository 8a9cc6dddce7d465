//! APPEND in the session: one message or several (MULTIAPPEND, RFC 3502), given whole or
//! built with CATENATE (RFC 4469), all or nothing.
//!
//! Every message of a command goes into one [`AppendTransaction`], committed when the
//! command ends: if any message fails, none is kept (RFC 3502 §6.3.11). A streamed
//! message ([`crate::server::ServerOptions::stream_appends_over`]) goes to the
//! transaction as it arrives, never held whole by the session.
//!
//! UTF-8 headers (RFC 6855 §4): while the server advertises `UTF8=ACCEPT`, a client that
//! enabled neither it nor IMAP4rev2 (whose APPEND takes internationalized headers, RFC
//! 9051 §6.3.12) gets `NO [CANNOT]` for a message with an 8-bit octet in its header
//! fields, whether given whole, built with CATENATE or streamed. An embedder that serves
//! legacy clients copying such mail (as mbsync 1.4 does) leaves `UTF8=ACCEPT` out of
//! [`crate::server::ServerOptions::extra_capabilities`]: then every message is taken, as
//! Dovecot 2.3 (which does not advertise it) does.

use super::error::Done;
use super::selected::Sync;
use super::{wire_name, work, Session, SessionError};
use crate::server::Server;
use crate::store::{AppendTransaction, Backend, StoreError};
use crate::types::{AppendData, AppendMessage, Capability, Code, DateTime, Flag, Mailbox, SequenceSet, Tag};

/// The APPEND whose messages are arriving.
pub(super) struct Upload {
    tag: Tag,
    tx: Box<dyn AppendTransaction>,
    /// The streamed message's header, checked for 8-bit octets as it arrives; `None`
    /// when they are allowed.
    scan: Option<HeaderScan>,
}

/// Looks for an 8-bit octet in a message's header section (up to the first empty line,
/// RFC 5322 §2.1), fed in pieces as they arrive.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct HeaderScan {
    /// The empty line was seen: the rest is the body.
    done: bool,
    /// The current line holds something besides CR.
    text: bool,
}

impl HeaderScan {
    /// Feeds the next octets; `true` if the header holds an 8-bit octet.
    pub(crate) fn eight_bit(&mut self, data: &[u8]) -> bool {
        if self.done {
            return false;
        }
        for &b in data {
            match b {
                b'\n' if !self.text => {
                    self.done = true;
                    return false;
                }
                b'\n' => self.text = false,
                b'\r' => {}
                0x80.. => return true,
                _ => self.text = true,
            }
        }
        false
    }
}

/// Whether a whole message has an 8-bit octet in its header section.
pub(crate) fn eight_bit_header(message: &[u8]) -> bool {
    HeaderScan::default().eight_bit(message)
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

    /// Whether messages with 8-bit header octets are refused (RFC 6855 §4, see the module
    /// docs).
    pub(super) fn checks_8bit(&self, server: &Server) -> bool {
        !self.enabled.utf8 && !self.enabled.rev2 && server.serves(&Capability::Utf8Accept)
    }

    /// Puts a message given whole (a literal, UTF8 or CATENATE parts) into the
    /// transaction; `check`: refuse 8-bit header octets.
    fn stage(
        &self,
        tx: &mut dyn AppendTransaction,
        user: &B::User,
        m: AppendMessage,
        check: bool,
    ) -> Result<(), SessionError> {
        let data = match m.data {
            AppendData::Literal(l) => l.data().clone(),
            AppendData::Utf8(data) => data,
            AppendData::Catenate(parts) => self.catenate(user, &parts, self.append_max())?,
        };
        if data.is_empty() {
            return Err(SessionError::EmptyMessage);
        }
        if check && eight_bit_header(&data) {
            return Err(SessionError::EightBitHeaders);
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
        server: &Server,
        user: &B::User,
        mailbox: &Mailbox,
        messages: Vec<AppendMessage>,
    ) -> Result<Done, SessionError> {
        self.finish_sync = Some(Sync::Full);
        let check = self.checks_8bit(server);
        let name = wire_name(mailbox).map_err(SessionError::target)?;
        let mut tx = self.backend.clone().append_transaction(user, &name).map_err(SessionError::target)?;
        for m in messages {
            self.stage(&mut *tx, user, m, check)?;
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
        let check = self.checks_8bit(server);
        let begin = || -> Result<Box<dyn AppendTransaction>, SessionError> {
            let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
            let name = wire_name(mailbox).map_err(SessionError::target)?;
            let mut tx = self.backend.clone().append_transaction(user, &name).map_err(SessionError::target)?;
            for m in before {
                self.stage(&mut *tx, user, m, check)?;
            }
            tx.begin(next.flags, next.date, next.length)?;
            Ok(tx)
        };
        match begin() {
            Ok(tx) => {
                // An error here means the connection is closed: the transaction is dropped.
                if server.accept_append(&tag).is_ok() {
                    let scan = check.then(HeaderScan::default);
                    self.upload = Some(Upload { tag, tx, scan });
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
        let check = upload.scan.is_some();
        let step = || -> Result<(), SessionError> {
            let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
            for m in before {
                self.stage(&mut *upload.tx, user, m, check)?;
            }
            upload.tx.begin(next.flags, next.date, next.length)?;
            Ok(())
        };
        match step() {
            Ok(()) => {
                if server.accept_append(&tag).is_ok() {
                    upload.scan = check.then(HeaderScan::default);
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
        let r = if upload.scan.as_mut().is_some_and(|s| s.eight_bit(data)) {
            Err(SessionError::EightBitHeaders)
        } else {
            upload.tx.write(data).map_err(SessionError::target)
        };
        if let Err(e) = r {
            self.upload = None;
            Self::answer(server, tag, "APPEND", Err(e));
        }
    }

    /// [`crate::server::Event::AppendEnded`]: stages the messages given whole after the
    /// last streamed one and stores them all; the answer (with APPENDUID, RFC 4315)
    /// follows the sync, as for a whole APPEND.
    pub(super) fn append_ended(&mut self, tag: Tag, after: Vec<AppendMessage>) {
        let Some(mut upload) = self.upload.take().filter(|u| u.tag == tag) else { return };
        let check = upload.scan.is_some();
        let result = (|| {
            let user = self.user.as_ref().ok_or(SessionError::NotLoggedIn)?;
            for m in after {
                self.stage(&mut *upload.tx, user, m, check)?;
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
