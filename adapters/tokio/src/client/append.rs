//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469): APPEND of several messages at once,
//! and of a message built from text and URLs of messages on the server.

use bytes::BytesMut;
use imap_machine::client::ArgError;
use imap_machine::types::{AppendData, AppendMessage, Capability, CatPart, CommandBody, DateTime, Flag};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{mpsc, oneshot};

use super::driver::Request;
use super::{AppendUid, AppendUids, Client, IntoMailbox};
use crate::Error;

/// The most a streamed APPEND reads from its reader at once.
const APPEND_PIECE: usize = 64 * 1024;

impl Client {
    /// `APPEND mailbox message...` (MULTIAPPEND, RFC 3502): every message at once, all or
    /// nothing; the server's `APPENDUID` (UIDPLUS) gives their UIDs in order. Each
    /// synchronising literal waits for its own `+`; with LITERAL+ none waits. Fails with
    /// [`Error::Unsupported`] when the server lacks MULTIAPPEND (several messages) or
    /// CATENATE (a message built from parts).
    pub async fn multiappend(
        &self,
        mailbox: impl IntoMailbox,
        messages: Vec<AppendMessage>,
    ) -> Result<Option<AppendUids>, Error> {
        let mailbox = mailbox.into_mailbox()?;
        for (cap, name) in AppendMessage::required_capabilities(&messages) {
            if !self.has_capability(&cap).await? {
                return Err(Error::Unsupported(name));
            }
        }
        let body = CommandBody::append_of(mailbox, messages).ok_or(ArgError::Empty("messages"))?;
        let done = self.exec(body).await?;
        Ok(done.response.append_uids())
    }

    /// `APPEND mailbox (flags) date CATENATE (part...)` (RFC 4469): one message made of
    /// literal text and IMAP URLs of messages or parts on the server (e.g.
    /// `/INBOX;UIDVALIDITY=7/;UID=20/;SECTION=1`). A URL the server cannot resolve fails
    /// the call with `NO [BADURL url]`.
    pub async fn catenate(
        &self,
        mailbox: impl IntoMailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        parts: Vec<CatPart>,
    ) -> Result<Option<AppendUid>, Error> {
        if parts.is_empty() {
            return Err(ArgError::Empty("parts").into());
        }
        let mailbox = mailbox.into_mailbox()?;
        if !self.has_capability(&Capability::Catenate).await? {
            return Err(Error::Unsupported("CATENATE"));
        }
        let message = AppendMessage { flags: flags.to_vec(), date, data: AppendData::Catenate(parts) };
        let done = self.exec(CommandBody::MultiAppend { mailbox, messages: vec![message] }).await?;
        Ok(done.response.append_uid())
    }

    /// `APPEND mailbox (flags) date {size}` with the message read from `reader` as it goes
    /// out, never whole in memory: the announcement first (`{size+}` with LITERAL+, else
    /// `{size}` and a wait for the server's `+`), then `size` octets from `reader`, 64 KiB
    /// at a time, as fast as the socket takes them. `APPENDUID` when the server has
    /// UIDPLUS.
    ///
    /// A server that refuses the message before it is sent (`NO [TOOBIG]`, a missing
    /// mailbox) fails the call with [`Error::Rejected`] (with LITERAL+ the message goes
    /// first, and the refusal is [`Error::No`]); the rest of the reader is left unread. A
    /// reader that fails or ends before `size` octets fails the call with its error, and
    /// the connection with it: the server waits for octets that will never come.
    ///
    /// ```no_run
    /// # async fn f(client: &imap_machine_tokio::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = tokio::fs::File::open("message.eml").await?;
    /// let size = file.metadata().await?.len();
    /// let uid = client.append_from("INBOX", &[], None, size, file).await?;
    /// # Ok(()) }
    /// ```
    pub async fn append_from<R: AsyncRead + Unpin>(
        &self,
        mailbox: impl IntoMailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        size: u64,
        reader: R,
    ) -> Result<Option<AppendUid>, Error> {
        let mailbox = mailbox.into_mailbox()?;
        let (tx, data) = mpsc::channel(2);
        let (reply, done) = oneshot::channel();
        let request = Request::AppendStream { mailbox, flags: flags.to_vec(), date, size, data, reply };
        self.requests.send(request).await.map_err(|_| Error::Closed)?;
        let mut limited = reader.take(size);
        let mut left = size;
        let mut failed = None;
        while left > 0 {
            let mut piece = BytesMut::with_capacity(APPEND_PIECE.min(left as usize));
            match limited.read_buf(&mut piece).await {
                Ok(0) => {
                    failed = Some(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        format!("the reader ended {left} octets before the announced {size}"),
                    ));
                    break;
                }
                Ok(n) => left -= n as u64,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            // The command is over (refused, or the connection lost): its answer says why.
            if tx.send(piece.freeze()).await.is_err() {
                break;
            }
        }
        drop(tx);
        let answer = self.wait(done).await;
        if let Some(e) = failed {
            return Err(e.into());
        }
        Ok(answer??.response.append_uid())
    }
}
