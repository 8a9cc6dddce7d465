//! One message body as an [`AsyncRead`], while it arrives: [`Client::fetch_body_stream`].
//!
//! The driver asks the client machine to stream the bodies of this FETCH
//! ([`imap_machine::client::Client::stream_bodies_of`]); their octets come over the FETCH's
//! bounded channel as the socket brings them, and the driver stops reading the socket while
//! the channel is full. So a body of any size passes through a few reads' worth of memory.

use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes};
use imap_machine::client::{IntoFetchAttributes, IntoSequenceSet};
use imap_machine::types::CommandBody;
use tokio::io::{AsyncRead, ReadBuf};
use tokio::sync::{mpsc, oneshot};

use super::driver::{BodyPiece, FetchMsg, Progress, Request};
use super::Client;
use crate::Error;

/// A message body arriving from the server ([`Client::fetch_body_stream`]): read it with
/// [`tokio::io::AsyncReadExt`] or copy it with [`tokio::io::copy`].
///
/// It ends (a read of 0) once the body and the FETCH's tagged OK arrived. A connection lost
/// before then, or a NO, is a read error whose inner error is the client's
/// [`Error`] (`io::Error::get_ref`), never a short body passed off as whole.
#[derive(Debug)]
pub struct BodyStream {
    uid: u32,
    seq: u32,
    length: u64,
    rx: mpsc::Receiver<FetchMsg>,
    progress: Arc<Progress>,
    /// Octets received and not read yet.
    current: Bytes,
    /// The body's end arrived (then the command's status is awaited).
    ended: bool,
    /// The command completed OK after the body: the stream is at its end.
    done: bool,
}

impl BodyStream {
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

    /// A batch of whole messages came (the FETCH response after the body): done with it.
    fn batch_done(&self) {
        self.progress.finished.fetch_add(1, Ordering::AcqRel);
        self.progress.notify.notify_one();
    }
}

fn io_error(e: Error) -> std::io::Error {
    let kind = match e {
        Error::Closed | Error::Protocol(_) | Error::Bye(_) => std::io::ErrorKind::UnexpectedEof,
        Error::Timeout => std::io::ErrorKind::TimedOut,
        _ => std::io::ErrorKind::Other,
    };
    std::io::Error::new(kind, e)
}

impl AsyncRead for BodyStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.current.is_empty() {
                let n = this.current.len().min(buf.remaining());
                buf.put_slice(&this.current[..n]);
                this.current.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.done {
                return Poll::Ready(Ok(()));
            }
            match ready!(this.rx.poll_recv(cx)) {
                Some(FetchMsg::Body(BodyPiece::Chunk(data))) => this.current = data,
                Some(FetchMsg::Body(BodyPiece::End)) => this.ended = true,
                // Another message's body (the UID was given twice): not this one's.
                Some(FetchMsg::Body(BodyPiece::Start { .. })) => {}
                Some(FetchMsg::Batch(_)) => this.batch_done(),
                Some(FetchMsg::Done(Ok(()))) if this.ended => this.done = true,
                Some(FetchMsg::Done(Ok(()))) => return Poll::Ready(Err(io_error(Error::Closed))),
                Some(FetchMsg::Done(Err(e))) => return Poll::Ready(Err(io_error(e))),
                None => return Poll::Ready(Err(io_error(Error::Closed))),
            }
        }
    }
}

impl Client {
    /// `UID FETCH uid (UID BODY.PEEK[section])`, with the body handed out as it arrives
    /// instead of whole: a message of any size passes through a few socket reads' worth
    /// of memory, and the driver reads the socket only as fast as the body is read.
    /// `section` is what goes between the brackets: `""` for the whole message, `"TEXT"`,
    /// `"1.2"`, `"HEADER"`.
    ///
    /// Returns once the body starts. Other commands on this client wait until the stream
    /// is read to its end or dropped (dropping it discards the rest of the body as it
    /// arrives).
    ///
    /// ```no_run
    /// # async fn f(client: &imap_machine_tokio::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut body = client.fetch_body_stream(42, "").await?;
    /// let mut file = tokio::fs::File::create("message.eml").await?;
    /// let copied = tokio::io::copy(&mut body, &mut file).await?;
    /// assert_eq!(copied, body.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::NoSuchMessage`] when the mailbox has no message `uid`; the command's
    /// failures as for [`Client::uid_fetch`].
    pub async fn fetch_body_stream(&self, uid: u32, section: &str) -> Result<BodyStream, Error> {
        let attributes = format!("(UID BODY.PEEK[{section}])").as_str().into_fetch_attributes()?;
        let set = uid.into_sequence_set()?;
        let (tx, mut rx) = mpsc::channel(self.fetch_buffer.max(1));
        let (sent, accepted) = oneshot::channel();
        let progress = Arc::new(Progress::default());
        let body = CommandBody::Fetch { set, attributes, uid: true, modifiers: Vec::new() };
        // Every body streams, whatever its length (an empty one comes as a quoted "").
        let request = Request::Fetch { body, tx, progress: progress.clone(), sent, stream_over: Some(0) };
        self.requests.send(request).await.map_err(|_| Error::Closed)?;
        self.wait(accepted).await??;
        let mut inline: Option<(u32, Bytes)> = None;
        loop {
            let msg = match self.command_timeout {
                Some(t) => tokio::time::timeout(t, rx.recv()).await.map_err(|_| Error::Timeout)?,
                None => rx.recv().await,
            };
            match msg {
                Some(FetchMsg::Body(BodyPiece::Start { seq, length })) => {
                    return Ok(BodyStream {
                        uid,
                        seq,
                        length,
                        rx,
                        progress,
                        current: Bytes::new(),
                        ended: false,
                        done: false,
                    });
                }
                Some(FetchMsg::Batch(messages)) => {
                    progress.finished.fetch_add(1, Ordering::AcqRel);
                    progress.notify.notify_one();
                    // A body too short to stream (`""`, NIL): it came whole.
                    if let Some(m) = messages.iter().find(|m| m.uid() == Some(uid)) {
                        inline = Some((m.seq(), m.body().unwrap_or_default()));
                    }
                }
                Some(FetchMsg::Body(_)) => {}
                Some(FetchMsg::Done(Ok(()))) => {
                    let Some((seq, text)) = inline else { return Err(Error::NoSuchMessage(uid)) };
                    let (tx, rx) = mpsc::channel(1);
                    drop(tx);
                    return Ok(BodyStream {
                        uid,
                        seq,
                        length: text.len() as u64,
                        rx,
                        progress,
                        current: text,
                        ended: true,
                        done: true,
                    });
                }
                Some(FetchMsg::Done(Err(e))) => return Err(e),
                None => return Err(Error::Closed),
            }
        }
    }
}
