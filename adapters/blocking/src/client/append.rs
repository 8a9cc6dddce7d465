//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469): the tokio client's methods, one for
//! one.

use std::io::Read;

use bytes::BytesMut;
use imap_machine::client::Event;
use imap_machine::types::{AppendData, AppendMessage, Capability, CatPart, CommandBody, DateTime, Flag};

use super::{AppendUid, AppendUids, ArgError, Client, Error, IntoMailbox, Step};

/// The most a streamed APPEND reads from its reader at once.
const APPEND_PIECE: usize = 64 * 1024;

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

    /// `APPEND mailbox (flags) date {size}` with the message read from `reader` as it goes
    /// out, never whole in memory, as the tokio client's `append_from`: the announcement
    /// (`{size+}` with LITERAL+, else `{size}` and a wait for `+`), then `size` octets,
    /// 64 KiB at a time. `APPENDUID` when the server has UIDPLUS.
    ///
    /// A server that refuses the message before it is sent fails the call with
    /// [`Error::Rejected`], and nothing is read (with LITERAL+ the message goes first, and
    /// the refusal is [`Error::No`]). A reader that fails or ends before `size` octets
    /// fails the call with its error, and the connection with it.
    pub fn append_from(
        &mut self,
        mailbox: impl IntoMailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        size: u64,
        reader: impl Read,
    ) -> Result<Option<AppendUid>, Error> {
        let mailbox = mailbox.into_mailbox()?;
        let id = self.machine.append_stream(mailbox, flags.to_vec(), date, size)?;
        self.flush()?;
        // With LITERAL+ the machine is ready at once: its event is queued already.
        while let Some(e) = self.machine.poll_event() {
            self.events.push_back(e);
        }
        loop {
            let step = self.step().map_err(|e| if e.timed_out() { Error::Timeout } else { e })?;
            match step {
                Step::Other(Event::AppendReady { id: c }) if c == id => break,
                Step::Done(c, r) if c == id => return r.map(|_| None),
                _ => {}
            }
        }
        let mut limited = reader.take(size);
        let mut left = size;
        while left > 0 {
            let mut piece = BytesMut::zeroed(APPEND_PIECE.min(left as usize));
            let n = match limited.read(&mut piece) {
                Ok(0) => Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("the reader ended {left} octets before the announced {size}"),
                )),
                Ok(n) => Ok(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            }
            .inspect_err(|_| self.lose())?;
            piece.truncate(n);
            left -= n as u64;
            self.machine.append_data(id, piece.freeze())?;
            self.flush()?;
        }
        self.machine.append_end(id)?;
        Ok(self.wait(id)?.append_uid())
    }

    /// The connection can't go on (a streamed APPEND's message ended short): closed, and
    /// the machine told, so that every later call fails.
    fn lose(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        self.machine.handle_eof();
    }
}
