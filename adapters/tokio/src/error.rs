//! The adapters' error type.

use std::sync::Arc;

use imap_machine::types::{State, StatusResponse};

/// Why a client call failed.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The selected mailbox has no message with this UID.
    #[error("no message with UID {0}")]
    NoSuchMessage(u32),
    /// A socket error.
    #[error("I/O error: {0}")]
    Io(Arc<std::io::Error>),
    /// The TLS handshake or configuration failed.
    #[error("TLS error: {0}")]
    Tls(String),
    /// The server's COMPRESS stream could not be inflated (RFC 4978); the connection ended.
    #[error("COMPRESS: {0}")]
    Compress(#[from] imap_machine::compress::CompressError),
    /// The connect, command or idle timeout passed.
    #[error("timed out")]
    Timeout,
    /// The server answered `NO`.
    #[error("NO: {}", .0.text.to_text())]
    No(StatusResponse),
    /// The server answered `BAD`.
    #[error("BAD: {}", .0.text.to_text())]
    Bad(StatusResponse),
    /// The server greeted with `* BYE` (e.g. too many connections).
    #[error("server refused the connection: {}", .0.text.to_text())]
    Refused(StatusResponse),
    /// The server ended the connection with `* BYE` (shutdown, autologout) while the
    /// command was pending.
    #[error("server closed the connection: {}", .0.text.to_text())]
    Bye(StatusResponse),
    /// The server refused a synchronising literal; the command was not sent whole.
    #[error("literal rejected: {}", .0.text.to_text())]
    Rejected(StatusResponse),
    /// A queued command was dropped: an earlier command left the connection in a state
    /// where it is not allowed.
    #[error("command cancelled in the {0:?} state")]
    Cancelled(State),
    /// The client machine refused the call or failed (wrong state, STARTTLS injection,
    /// unexpected EOF, ...).
    #[error(transparent)]
    Protocol(#[from] imap_machine::client::Error),
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// An argument can't be sent (e.g. a NUL byte in a string, a bad sequence set).
    #[error("invalid argument: {0}")]
    InvalidArgument(#[from] imap_machine::client::ArgError),
    /// The server lacks a capability the call needs.
    #[error("the server does not support {0}")]
    Unsupported(&'static str),
    /// `idle()` while an IDLE runs, or `done()` without one.
    #[error("IDLE misuse: {0}")]
    Idle(&'static str),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(Arc::new(e))
    }
}

impl From<tokio::time::error::Elapsed> for Error {
    fn from(_: tokio::time::error::Elapsed) -> Self {
        Error::Timeout
    }
}
