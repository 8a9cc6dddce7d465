//! What the server machine reports to its embedder, and its errors.

use bytes::Bytes;

use crate::types::{AppendMessage, AuthMechanism, CommandBody, DateTime, Flag, Mailbox, Secret, Tag};

/// Something the server machine reports; drain with [`super::Server::poll_event`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A command for the embedder. Answer with untagged data ([`super::Server::send`])
    /// and exactly one [`super::Server::complete`] for `tag`.
    CommandReceived {
        /// The command's tag.
        tag: Tag,
        /// The command.
        command: CommandBody,
    },
    /// LOGIN, or AUTHENTICATE PLAIN or LOGIN, gave credentials to check. Answer with
    /// [`super::Server::complete`]: OK logs in, NO refuses (use
    /// `[AUTHENTICATIONFAILED]`).
    Credentials {
        /// The command's tag.
        tag: Tag,
        /// The mechanism (`LOGIN` for the LOGIN command).
        mechanism: AuthMechanism,
        /// Authorization identity (PLAIN's authzid), if given and not empty.
        authzid: Option<String>,
        /// User name.
        username: String,
        /// Password.
        password: Secret<String>,
    },
    /// A client message of a SASL mechanism the machine doesn't run itself (the initial
    /// response, then each answer). Reply with [`super::Server::auth_challenge`] or
    /// complete the tag.
    AuthData {
        /// The AUTHENTICATE tag.
        tag: Tag,
        /// The mechanism.
        mechanism: AuthMechanism,
        /// The decoded client data (`None`: the mechanism started without an initial
        /// response).
        data: Option<Secret<Bytes>>,
    },
    /// An APPEND whose message is streamed ([`super::ServerOptions::stream_appends_over`]):
    /// check the destination, then either [`super::Server::accept_append`] (the message
    /// follows as [`Event::AppendChunk`]s and [`Event::AppendEnded`]) or complete the tag
    /// to refuse it (e.g. `NO [TRYCREATE]`, RFC 3501 §6.3.11).
    ///
    /// With MULTIAPPEND (RFC 3502) the command may hold further messages: each streamed
    /// one is announced by [`Event::AppendNext`], and the ones given whole come in
    /// `before` of the streamed message they precede, or in [`Event::AppendEnded`]'s
    /// `after`. Refusing any of them refuses the command: nothing of it may be kept
    /// (RFC 3502 §6.3.11).
    AppendStarted {
        /// The command's tag.
        tag: Tag,
        /// Destination.
        mailbox: Mailbox,
        /// The messages of the command given whole before this one (usually none).
        before: Vec<AppendMessage>,
        /// Flags to set; may be empty.
        flags: Vec<Flag>,
        /// Internal date to set.
        date: Option<DateTime>,
        /// The message's announced length.
        length: u64,
        /// Sent as `~{n}` (RFC 3516 literal8).
        binary: bool,
        /// Sent as `UTF8 (~{n})` (RFC 6855 §4): its header fields may hold UTF-8.
        utf8: bool,
    },
    /// The streamed message of an APPEND is complete and another streamed one follows
    /// (MULTIAPPEND, RFC 3502): stage it like the first, then
    /// [`super::Server::accept_append`] again, or complete the tag to refuse the command
    /// (the machine refuses the announced literal).
    AppendNext {
        /// The APPEND tag.
        tag: Tag,
        /// The messages given whole between the previous streamed one and this one.
        before: Vec<AppendMessage>,
        /// Flags to set; may be empty.
        flags: Vec<Flag>,
        /// Internal date to set.
        date: Option<DateTime>,
        /// The message's announced length.
        length: u64,
        /// Sent as `~{n}` (RFC 3516 literal8).
        binary: bool,
        /// Sent as `UTF8 (~{n})` (RFC 6855 §4): its header fields may hold UTF-8.
        utf8: bool,
    },
    /// The next bytes of a streamed APPEND's message, as they arrived.
    AppendChunk {
        /// The APPEND tag.
        tag: Tag,
        /// The bytes.
        data: Bytes,
    },
    /// The streamed APPEND's command is complete: store its messages and complete the
    /// tag.
    AppendEnded {
        /// The APPEND tag.
        tag: Tag,
        /// The messages given whole after the last streamed one (MULTIAPPEND).
        after: Vec<AppendMessage>,
    },
    /// The streamed APPEND was malformed after its message (the machine answered BAD):
    /// drop what was received.
    AppendAborted {
        /// The APPEND tag.
        tag: Tag,
    },
    /// IDLE started (`+ idling` was sent). Push updates with [`super::Server::send`];
    /// they go straight out.
    IdleStarted {
        /// The IDLE tag.
        tag: Tag,
    },
    /// The client sent DONE; complete the IDLE tag (usually OK).
    IdleDone {
        /// The IDLE tag.
        tag: Tag,
    },
    /// STARTTLS was answered `OK Begin TLS`: run the TLS handshake on the socket, then
    /// call [`super::Server::tls_established`]. Bytes that arrived after the STARTTLS line
    /// were discarded unread.
    StartTls,
    /// COMPRESS was answered `OK` (RFC 4978): send everything [`super::Server::poll_transmit`]
    /// holds as it is (the OK is its last octet), then compress both directions of the
    /// socket ([`crate::compress`]) and call [`super::Server::compression_started`], whose
    /// octets go to the inflater first.
    Compress,
    /// The connection is over (LOGOUT, autologout, too many errors, or a BYE greeting):
    /// flush [`super::Server::poll_transmit`], then close the socket.
    Closed,
    /// A fatal error; the machine stays in it.
    ConnectionLost(Error),
}

/// Errors of the server machine.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No command with this tag is waiting for completion.
    #[error("no pending command with this tag")]
    UnknownTag,
    /// The call is not valid now (e.g. `tls_established` without STARTTLS).
    #[error("not valid in the current state")]
    InvalidState,
    /// The client closed the connection.
    #[error("connection closed by the client")]
    Eof,
    /// The connection is closed.
    #[error("connection closed")]
    Closed,
}
