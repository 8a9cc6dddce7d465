//! All-or-nothing APPEND of several messages (MULTIAPPEND, RFC 3502 §6.3.11): the
//! [`AppendTransaction`] a [`Backend`] stages messages in, and the default one, which
//! collects them in memory and hands them to [`Backend::append_all`].

use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use super::{Backend, StoreError};
use crate::types::{DateTime, Flag};

/// A message to append whole ([`Backend::append_all`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// Flags to set.
    pub flags: Vec<Flag>,
    /// INTERNALDATE (`None`: now).
    pub date: Option<DateTime>,
    /// The message.
    pub body: Bytes,
}

/// The messages of one APPEND command, staged until every one arrived
/// ([`Backend::append_transaction`]). RFC 3502 §6.3.11: "If the append is unsuccessful for
/// any reason (including being cancelled), the mailbox MUST be restored to its state
/// before the APPEND attempt; no partial appending is permitted." So nothing is visible
/// before [`AppendTransaction::commit`], and dropped without it (a later message failed,
/// the client went away) the transaction leaves nothing behind.
pub trait AppendTransaction: Send {
    /// Starts the next message, announced as `length` bytes; its bytes follow through
    /// [`AppendTransaction::write`]. Fails with [`StoreError::TooBig`] over the limit.
    fn begin(&mut self, flags: &[Flag], date: Option<DateTime>, length: u64) -> Result<(), StoreError>;
    /// The next bytes of the current message, in order.
    fn write(&mut self, data: &[u8]) -> Result<(), StoreError>;
    /// Stores every message at once (other sessions see all of them or none); returns
    /// UIDVALIDITY and the new UIDs, in order.
    fn commit(self: Box<Self>) -> Result<(u32, Vec<u32>), StoreError>;
}

/// What [`Collect`] reserves up front for a message: the announced length is the client's
/// word, so memory grows with the bytes that arrive.
const COLLECT_AHEAD: u64 = 1 << 20;

/// The default [`AppendTransaction`]: the messages in memory, then
/// [`Backend::append_all`].
pub(super) struct Collect<B: Backend> {
    pub(super) backend: Arc<B>,
    pub(super) user: B::User,
    pub(super) name: String,
    pub(super) done: Vec<NewMessage>,
    pub(super) current: Option<(Vec<Flag>, Option<DateTime>, BytesMut)>,
}

impl<B: Backend> Collect<B> {
    fn finish_current(&mut self) {
        if let Some((flags, date, body)) = self.current.take() {
            self.done.push(NewMessage { flags, date, body: body.freeze() });
        }
    }
}

impl<B: Backend> AppendTransaction for Collect<B> {
    fn begin(&mut self, flags: &[Flag], date: Option<DateTime>, length: u64) -> Result<(), StoreError> {
        if self.backend.append_limit().is_some_and(|l| length > u64::from(l)) {
            return Err(StoreError::TooBig);
        }
        self.finish_current();
        self.current = Some((flags.to_vec(), date, BytesMut::with_capacity(length.min(COLLECT_AHEAD) as usize)));
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        let Some((_, _, body)) = self.current.as_mut() else { return Err(StoreError::Cannot("no message begun")) };
        let total = body.len() as u64 + data.len() as u64;
        if self.backend.append_limit().is_some_and(|l| total > u64::from(l)) {
            return Err(StoreError::TooBig);
        }
        body.extend_from_slice(data);
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(u32, Vec<u32>), StoreError> {
        self.finish_current();
        let Collect { backend, user, name, done, .. } = *self;
        backend.append_all(&user, &name, done)
    }
}
