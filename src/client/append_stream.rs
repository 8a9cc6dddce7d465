//! APPEND of a message given in pieces: [`Client::append_stream`] sends the command up to
//! the literal's announcement (`{size}`, or `{size+}` with LITERAL+, RFC 7888), then, once
//! the server may take the octets (its `+` for a synchronising literal, at once otherwise),
//! reports [`Event::AppendReady`]; the embedder gives the message with
//! [`Client::append_data`] as it reads it, and ends it with [`Client::append_end`]. The
//! message is never whole in memory, and nothing else is sent while it goes out.

use bytes::Bytes;

use super::{Client, CommandId, Error, Event, Kind, Pending};
use crate::codec::Fragment;
use crate::types::{CommandBody, DateTime, Flag, Literal, Mailbox};

impl Client {
    /// Queues `APPEND mailbox (flags) date {size}` (RFC 3501 §6.3.11) for a message of
    /// `size` octets given later in pieces: the command goes out up to the announcement
    /// (`{size+}` with LITERAL+, RFC 7888); once the server may take the octets (its `+`,
    /// or at once), [`Event::AppendReady`] comes; give the message with
    /// [`Client::append_data`] and end it with [`Client::append_end`]. Nothing else is sent
    /// meanwhile. Completion comes as for [`Client::send`]; a server that refuses the
    /// literal answers NO instead of `+` ([`Event::CommandRejected`]), and then no octet
    /// may follow.
    pub fn append_stream(
        &mut self,
        mailbox: Mailbox,
        flags: Vec<Flag>,
        date: Option<DateTime>,
        size: u64,
    ) -> Result<CommandId, Error> {
        // A one-octet stand-in: its announcement is rewritten when the command goes out.
        let message = Literal::new(Bytes::from_static(b"x")).expect("a valid literal");
        let body = CommandBody::Append { mailbox, flags, date, message };
        self.enqueue(body, Kind::AppendStream { size, sent: 0, ready: false })
    }

    /// The next octets of the message of [`Client::append_stream`] `id`, after
    /// [`Event::AppendReady`]. More than the announced size is refused.
    pub fn append_data(&mut self, id: CommandId, data: Bytes) -> Result<(), Error> {
        let idx = self.streaming_append(id)?;
        let Kind::AppendStream { size, sent, .. } = &mut self.inflight[idx].kind else { unreachable!() };
        if *sent + data.len() as u64 > *size {
            return Err(Error::AppendSize { size: *size, given: *sent + data.len() as u64 });
        }
        *sent += data.len() as u64;
        if !data.is_empty() {
            self.out.push_back(data);
        }
        Ok(())
    }

    /// Ends the message of [`Client::append_stream`] `id` (its announced size must have
    /// been given), and lets the next commands go out.
    pub fn append_end(&mut self, id: CommandId) -> Result<(), Error> {
        let idx = self.streaming_append(id)?;
        let Kind::AppendStream { size, sent, .. } = self.inflight[idx].kind else { unreachable!() };
        if sent != size {
            return Err(Error::AppendSize { size, given: sent });
        }
        self.out.push_back(Bytes::from_static(b"\r\n"));
        self.waiting = None;
        self.pump();
        Ok(())
    }

    /// The index of the streamed APPEND `id` whose octets may go now.
    fn streaming_append(&self, id: CommandId) -> Result<usize, Error> {
        self.check_fatal()?;
        self.waiting
            .filter(|&i| self.inflight[i].id == id)
            .filter(|&i| matches!(self.inflight[i].kind, Kind::AppendStream { ready: true, .. }))
            .ok_or(Error::NotAppending)
    }

    /// The fragments of a streamed APPEND (encoded with synchronising literals): the
    /// stand-in literal and the final CRLF go, the announcement says `size` octets, and a
    /// synchronising one ends with an empty literal to wait for `+` at.
    pub(super) fn streamed_fragments(&self, mut rest: Vec<Fragment>, size: u64) -> Vec<Fragment> {
        rest.truncate(rest.len().saturating_sub(2));
        let non_sync = self.has_capability(&crate::types::Capability::LiteralPlus)
            || (size <= 4096 && self.has_capability(&crate::types::Capability::LiteralMinus));
        if let Some(Fragment::Line(line)) = rest.last_mut() {
            let head = line.strip_suffix(b"{1}\r\n").unwrap_or(line);
            let plus = if non_sync { "+" } else { "" };
            *line = Bytes::from([head, format!("{{{size}{plus}}}\r\n").as_bytes()].concat());
        }
        if !non_sync {
            rest.push(Fragment::Literal { data: Bytes::new(), wait: true });
        }
        rest
    }

    /// The streamed APPEND at `idx` may take its octets now.
    pub(super) fn append_ready(&mut self, idx: usize) {
        let p: &mut Pending = &mut self.inflight[idx];
        if let Kind::AppendStream { ready, .. } = &mut p.kind {
            if !*ready {
                *ready = true;
                self.events.push_back(Event::AppendReady { id: p.id });
            }
        }
    }
}

#[cfg(test)]
mod tests;
