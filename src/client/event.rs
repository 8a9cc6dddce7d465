//! What the client machine reports: events and errors.

use bytes::Bytes;

use super::{CommandId, State};
use crate::codec::{FrameError, ParseError};
use crate::types::{Code, Data, FlagFetch, StatusResponse, Tag, Text};

/// Something the client machine reports; drain with [`super::Client::poll_event`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The server's greeting: `* OK`, `* PREAUTH` (already authenticated) or `* BYE`.
    GreetingReceived {
        /// OK, PREAUTH or BYE.
        status: StatusResponse,
    },
    /// A command completed with its tagged status.
    CommandCompleted {
        /// Which command.
        id: CommandId,
        /// OK, NO or BAD, with code and text.
        status: StatusResponse,
    },
    /// The server answered NO or BAD instead of `+` to a synchronising literal; the rest of
    /// the command was not sent.
    CommandRejected {
        /// Which command.
        id: CommandId,
        /// The refusal.
        status: StatusResponse,
    },
    /// A queued command was dropped before anything went on the wire, because an earlier
    /// command left the connection in a state where it is not allowed.
    CommandCancelled {
        /// Which command.
        id: CommandId,
        /// The state it would have run in.
        state: State,
    },
    /// Untagged data (always delivered, whatever command is running, including in IDLE).
    Data {
        /// The data.
        data: Data,
        /// The command it answers, or `None` when it is unsolicited: a change in the
        /// mailbox, another session's doing, or anything no running command asked for
        /// (see the rules in the module `client::attribution`).
        command: Option<CommandId>,
    },
    /// A FETCH response that answers the running FETCH `command`, read in place: only
    /// with [`ClientOptions::fetch_messages`](super::ClientOptions::fetch_messages) (else
    /// it comes as [`Event::Data`]). A STORE's answers and unsolicited FETCHes still come
    /// as `Data`.
    Fetch {
        /// The response.
        message: crate::codec::FetchMessage,
        /// The FETCH it answers.
        command: CommandId,
    },
    /// A FETCH body longer than
    /// [`ClientOptions::stream_bodies_over`](super::ClientOptions::stream_bodies_over)
    /// starts: its octets follow as [`Event::BodyChunk`]s, then [`Event::BodyEnded`], then
    /// the FETCH response itself with this item empty.
    BodyStarted {
        /// The FETCH it answers (the oldest FETCH in flight), `None` if none runs.
        command: Option<CommandId>,
        /// Message sequence number.
        seq: u32,
        /// The item as the server wrote it: `BODY[]`, `BODY[1.2]<0>`, `BINARY[1]`,
        /// `RFC822`, ...
        section: Bytes,
        /// Its announced length in octets.
        length: u64,
    },
    /// The next octets of a streamed body, as they arrived.
    BodyChunk {
        /// As in [`Event::BodyStarted`].
        command: Option<CommandId>,
        /// Message sequence number.
        seq: u32,
        /// The item, as in [`Event::BodyStarted`].
        section: Bytes,
        /// Where `data` starts within the body.
        offset: u64,
        /// The octets.
        data: Bytes,
    },
    /// The streamed body is complete (its announced length arrived). A connection lost
    /// before this ends with [`Event::ConnectionLost`] instead.
    BodyEnded {
        /// As in [`Event::BodyStarted`].
        command: Option<CommandId>,
        /// Message sequence number.
        seq: u32,
        /// The item.
        section: Bytes,
    },
    /// The streamed APPEND `id` ([`super::Client::append_stream`]) may send its message
    /// now: give it with [`super::Client::append_data`], then
    /// [`super::Client::append_end`].
    AppendReady {
        /// The APPEND command.
        id: CommandId,
    },
    /// An untagged OK, NO or BAD (not the greeting, not BYE).
    Status(StatusResponse),
    /// FLAGS of a message changed in an unsolicited FETCH (one that answers no running
    /// FETCH or STORE): another session's doing, or the server's.
    FlagsChanged {
        /// Message sequence number.
        seq: u32,
        /// UID, if the server sent it.
        uid: Option<u32>,
        /// The new flags.
        flags: Vec<FlagFetch>,
    },
    /// The selected mailbox's UIDVALIDITY changed: every cached UID is void.
    UidValidityChanged {
        /// The value before.
        old: u32,
        /// The value now.
        new: u32,
    },
    /// The server sent `* BYE`; the connection is in the logout state.
    Bye {
        /// Response code.
        code: Option<Code>,
        /// Text.
        text: Text,
    },
    /// The server accepted IDLE (`+`); data keeps arriving as events until
    /// [`super::Client::idle_done`].
    IdleAccepted {
        /// The IDLE command.
        id: CommandId,
    },
    /// IDLE has run for [`super::ClientOptions::idle_refresh`]: end it with `idle_done` and
    /// start a new one, so that NATs and servers don't drop the connection.
    IdleRefreshDue {
        /// The IDLE command.
        id: CommandId,
    },
    /// A challenge of a SASL mechanism this library doesn't run itself: answer with
    /// [`super::Client::auth_respond`] or [`super::Client::auth_cancel`].
    AuthChallenge {
        /// The AUTHENTICATE command.
        id: CommandId,
        /// The decoded challenge.
        data: Bytes,
    },
    /// STARTTLS succeeded: run the TLS handshake on the socket now, then call
    /// [`super::Client::tls_established`]. Nothing else is sent or read until then.
    StartTlsReady {
        /// The STARTTLS command.
        id: CommandId,
    },
    /// COMPRESS succeeded (RFC 4978): send what [`super::Client::poll_transmit`] holds,
    /// put the compression layer ([`crate::compress`]) on the socket, then call
    /// [`super::Client::compression_started`]. Nothing else is sent or read until then.
    CompressReady {
        /// The COMPRESS command.
        id: CommandId,
    },
    /// A tagged status with a tag no pending command has: reported, never attributed to
    /// another command.
    UnknownTag {
        /// The tag.
        tag: Tag,
        /// The status.
        status: StatusResponse,
    },
    /// A `+` continuation that no command was waiting for.
    UnexpectedContinuation,
    /// A response that did not parse. The framer delimited it, so the stream goes on.
    MalformedResponse {
        /// The whole message.
        raw: Bytes,
        /// Where and why it failed.
        error: ParseError,
    },
    /// A response broke a framing limit and was skipped whole.
    ResponseDropped(FrameError),
    /// The connection ended cleanly after BYE or LOGOUT.
    ConnectionClosed,
    /// A fatal error; the machine stays in it (every later call fails with
    /// [`Error::Lost`]).
    ConnectionLost(ConnectionError),
}

/// Why the connection is gone: fatal, and sticky (see the crate's run-loop contract). A
/// misuse of the API is not a way to lose a connection, and does not type-check as one:
///
/// ```compile_fail
/// use imap_machine::client::{Error, Event};
/// let _ = Event::ConnectionLost(Error::NotIdling);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectionError {
    /// Bytes arrived after the tagged OK to STARTTLS and before TLS started: a plaintext
    /// injection attempt (the CVE-2011-0411 class).
    #[error("bytes received after STARTTLS OK before TLS: possible injection")]
    StartTlsInjection,
    /// The server closed the connection while commands were pending or before LOGOUT.
    #[error("connection closed unexpectedly")]
    UnexpectedEof,
}

/// Errors of the client machine's calls: a call that is not valid now (API misuse), or a
/// connection that is over.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The command is not allowed in the state the connection will be in.
    #[error("{command} is not allowed in the {state:?} state")]
    WrongState {
        /// The command's name.
        command: &'static str,
        /// The state.
        state: State,
    },
    /// The connection was lost ([`Event::ConnectionLost`]).
    #[error(transparent)]
    Lost(#[from] ConnectionError),
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
    /// No IDLE with this id is running.
    #[error("no such IDLE")]
    NotIdling,
    /// No AUTHENTICATE with this id is waiting for an answer.
    #[error("no AUTHENTICATE is waiting for a response")]
    NoChallengePending,
    /// The call is only valid while paused for STARTTLS.
    #[error("not waiting for TLS")]
    NotPausedForTls,
    /// The call is only valid while COMPRESS starts ([`Event::CompressReady`]).
    #[error("COMPRESS is not starting")]
    NotStartingCompression,
    /// No streamed APPEND with this id is taking octets ([`Event::AppendReady`] not
    /// reported yet, or it completed).
    #[error("no streamed APPEND is taking octets")]
    NotAppending,
    /// A streamed APPEND was given more octets than announced, or ended with fewer.
    #[error("the APPEND announced {size} octets, and {given} were given")]
    AppendSize {
        /// The announced size.
        size: u64,
        /// The octets given.
        given: u64,
    },
}
