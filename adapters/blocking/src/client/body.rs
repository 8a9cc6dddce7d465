//! One message body as an [`io::Read`] while it arrives: [`Client::fetch_body_stream`].

use std::io;

use bytes::{Buf, Bytes};
use imap_machine::client::{CommandId, Event, IntoFetchAttributes, IntoSequenceSet};
use imap_machine::types::CommandBody;

use super::{Client, Error, Step};

/// A message body arriving from the server ([`Client::fetch_body_stream`]), read from the
/// socket as it is read: a body of any size passes through one socket read's worth of
/// memory at a time.
///
/// It ends (a read of 0) once the body and the FETCH's tagged OK arrived. A connection lost
/// before then, or a NO, is a read error whose inner error is the client's [`Error`]
/// (`io::Error::get_ref`), never a short body passed off as whole. Dropping it early is
/// fine: the rest of the body is read and dropped by the next call.
#[derive(Debug)]
#[must_use = "a body arrives as it is read"]
pub struct BodyReader<'a> {
    client: &'a mut Client,
    id: CommandId,
    uid: u32,
    seq: u32,
    length: u64,
    current: Bytes,
    ended: bool,
    finished: bool,
}

impl BodyReader<'_> {
    /// The message's UID.
    pub fn uid(&self) -> u32 {
        self.uid
    }

    /// The message's sequence number.
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// The body's length in octets, as the server announced it.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// Whether the body is empty.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }
}

fn io_error(e: Error) -> io::Error {
    let kind = match e {
        Error::Closed | Error::Protocol(_) | Error::Bye(_) => io::ErrorKind::UnexpectedEof,
        Error::Timeout => io::ErrorKind::TimedOut,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e)
}

impl io::Read for BodyReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.current.is_empty() {
                let n = self.current.len().min(buf.len());
                buf[..n].copy_from_slice(&self.current[..n]);
                self.current.advance(n);
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            let step = self.client.step().map_err(|e| {
                self.finished = true;
                io_error(if e.timed_out() { Error::Timeout } else { e })
            })?;
            match step {
                Step::Other(Event::BodyChunk { command: Some(c), data, .. }) if c == self.id => self.current = data,
                Step::Other(Event::BodyEnded { command: Some(c), .. }) if c == self.id => self.ended = true,
                Step::Done(c, r) if c == self.id => {
                    self.finished = true;
                    match r {
                        Ok(_) if self.ended => {}
                        Ok(_) => return Err(io_error(Error::Closed)),
                        Err(e) => return Err(io_error(e)),
                    }
                }
                _ => {}
            }
        }
    }
}

impl Drop for BodyReader<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.client.abandoned.push(self.id);
        }
    }
}

impl Client {
    /// `UID FETCH uid (UID BODY.PEEK[section])`, with the body read from the socket as it
    /// is read from the returned [`BodyReader`] instead of whole, as the tokio client's
    /// `fetch_body_stream`. `section` is what goes between the brackets: `""` for the
    /// whole message, `"TEXT"`, `"1.2"`, `"HEADER"`.
    ///
    /// ```no_run
    /// # fn f(client: &mut imap_machine_blocking::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut body = client.fetch_body_stream(42, "")?;
    /// let mut file = std::fs::File::create("message.eml")?;
    /// let copied = std::io::copy(&mut body, &mut file)?;
    /// assert_eq!(copied, body.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::NoSuchMessage`] when the mailbox has no message `uid`; the command's
    /// failures as for [`Client::uid_fetch`].
    pub fn fetch_body_stream(&mut self, uid: u32, section: &str) -> Result<BodyReader<'_>, Error> {
        let attributes = format!("(UID BODY.PEEK[{section}])").as_str().into_fetch_attributes()?;
        let set = uid.into_sequence_set()?;
        let id = self.machine.send(CommandBody::Fetch { set, attributes, uid: true, modifiers: Vec::new() })?;
        // Every body streams, whatever its length (an empty one comes as a quoted "").
        self.machine.stream_bodies_of(id, 0);
        self.flush()?;
        let mut inline: Option<(u32, Bytes)> = None;
        loop {
            let step = self.step().map_err(|e| if e.timed_out() { Error::Timeout } else { e })?;
            match step {
                Step::Other(Event::BodyStarted { command: Some(c), seq, length, .. }) if c == id => {
                    return Ok(BodyReader {
                        client: self,
                        id,
                        uid,
                        seq,
                        length,
                        current: Bytes::new(),
                        ended: false,
                        finished: false,
                    });
                }
                // A body too short to stream (`""`, NIL): it came whole.
                Step::Fetch(c, m) if c == id && m.uid() == Some(uid) => {
                    inline = Some((m.seq(), m.body().unwrap_or_default()));
                }
                Step::Done(c, r) if c == id => {
                    r?;
                    let (seq, text) = inline.ok_or(Error::NoSuchMessage(uid))?;
                    return Ok(BodyReader {
                        client: self,
                        id,
                        uid,
                        seq,
                        length: text.len() as u64,
                        current: text,
                        ended: true,
                        finished: true,
                    });
                }
                _ => {}
            }
        }
    }
}
