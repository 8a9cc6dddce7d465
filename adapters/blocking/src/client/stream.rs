//! The blocking client's long-running calls: a FETCH read message by message
//! ([`Fetches`]) and an IDLE ([`IdleHandle`]).

use std::time::{Duration, Instant};

use imap_machine::client::{CommandId, Event};
use imap_machine::codec::FetchMessage;
use imap_machine::types::Capability;

use super::{Client, Error, Step, Update};

/// The messages of a FETCH, read from the socket as the iterator is consumed: memory
/// stays flat however many messages the FETCH returns. Each item is a [`FetchMessage`]:
/// validated once and read in place (`seq()`, `uid()`, `flags()`, `envelope()`, `body()`,
/// `section()`, `size()`, `internal_date()`, or the owned `items()`), its body a zero-copy
/// slice of what was read. A failure (NO, BAD, timeout, connection lost) is the last item.
///
/// Dropping it before the end is fine: the rest of the answer is read and dropped by the
/// next call.
#[derive(Debug)]
#[must_use = "a FETCH's messages arrive as the iterator is consumed"]
pub struct Fetches<'a> {
    client: &'a mut Client,
    id: CommandId,
    finished: bool,
}

impl<'a> Fetches<'a> {
    pub(super) fn new(client: &'a mut Client, id: CommandId) -> Self {
        Fetches { client, id, finished: false }
    }

    /// Reads every message, once the FETCH completed.
    pub fn collect_all(self) -> Result<Vec<FetchMessage>, Error> {
        self.collect()
    }
}

impl Iterator for Fetches<'_> {
    type Item = Result<FetchMessage, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let step = match self.client.step() {
                Ok(s) => s,
                Err(e) => {
                    self.finished = true;
                    return Some(Err(if e.timed_out() { Error::Timeout } else { e }));
                }
            };
            match step {
                Step::Fetch(c, m) if c == self.id => return Some(Ok(m)),
                Step::Done(c, r) if c == self.id => {
                    self.finished = true;
                    return r.err().map(Err);
                }
                _ => {}
            }
        }
        None
    }
}

impl Drop for Fetches<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.client.abandoned.push(self.id);
        }
    }
}

/// A running IDLE (RFC 2177). Updates that arrive during it come from
/// [`IdleHandle::wait`]; the IDLE is renewed every
/// [`ClientOptions::idle_refresh`](imap_machine::client::ClientOptions::idle_refresh);
/// [`IdleHandle::done`] ends it, and so does
/// dropping the handle (then without waiting for the server's OK).
#[derive(Debug)]
#[must_use = "an IDLE runs until done() or drop"]
pub struct IdleHandle<'a> {
    client: &'a mut Client,
    id: CommandId,
    ended: bool,
    /// Updates at the front of the client's queue that came before the IDLE.
    earlier: usize,
}

impl Client {
    /// `IDLE` (RFC 2177): returns once the server accepted it. Updates queued before
    /// (say, the EXISTS of the caller's own APPEND) stay for
    /// [`Client::try_next_update`]; the handle reports only what arrives from now on.
    pub fn idle(&mut self) -> Result<IdleHandle<'_>, Error> {
        if !self.has_capability(&Capability::Idle)? {
            return Err(Error::Unsupported("IDLE"));
        }
        let id = self.machine.idle(Instant::now())?;
        loop {
            let step = self.step().map_err(|e| if e.timed_out() { Error::Timeout } else { e })?;
            match step {
                Step::Other(Event::IdleAccepted { id: c }) if c == id => break,
                Step::Done(c, r) if c == id => {
                    r?;
                    return Err(Error::Closed);
                }
                _ => {}
            }
        }
        let earlier = self.updates.len();
        Ok(IdleHandle { client: self, id, ended: false, earlier })
    }
}

impl IdleHandle<'_> {
    /// The next update that arrived since the IDLE began, waiting at most `timeout`
    /// (`Ok(None)` if none came); `Err` when the connection closed. The IDLE is
    /// refreshed meanwhile when it is due.
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<Update>, Error> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.client.overflow {
                self.client.overflow = false;
                return Ok(Some(Update::MailboxChanged));
            }
            if self.client.updates.len() > self.earlier {
                // The updates that came during the IDLE follow those queued before it.
                return Ok(self.client.updates.remove(self.earlier));
            }
            if let Some(e) = self.client.events.pop_front() {
                match self.client.route(e)? {
                    Step::Other(Event::IdleRefreshDue { id }) if id == self.id => {
                        self.client.machine.idle_done(id)?;
                    }
                    Step::Done(c, r) if c == self.id => {
                        // A refresh: the old IDLE ended; start the next one.
                        r?;
                        self.id = self.client.machine.idle(Instant::now())?;
                    }
                    _ => {}
                }
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let timer = self.client.machine.poll_timeout().map_or(deadline, |t| t.min(deadline));
            if !self.client.read_within(timer.saturating_duration_since(now))? {
                self.client.timers();
            }
        }
    }

    /// Ends the IDLE (`DONE`) and waits for the server's OK.
    pub fn done(mut self) -> Result<(), Error> {
        self.ended = true;
        self.client.machine.idle_done(self.id)?;
        self.client.wait(self.id).map(|_| ())
    }
}

impl Drop for IdleHandle<'_> {
    fn drop(&mut self) {
        if !self.ended && self.client.machine.idle_done(self.id).is_ok() {
            self.client.abandoned.push(self.id);
            let _ = self.client.flush();
        }
    }
}
