//! What a session command did, and the one error type every command fails with.

use crate::server;
use crate::types::{Atom, Code, Rfc5530Code, StatusKind};

use super::super::StoreError;

/// How a command that succeeded is answered: `OK`, with a response code or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Done {
    /// `tag OK NAME completed`.
    Ok,
    /// `tag OK [code] NAME completed` (READ-WRITE, APPENDUID, COPYUID, ...).
    Code(Code),
    /// An extension command's own answer (see `extension`).
    Reply(super::extension::Reply),
}

/// Why a command failed. Each maps to one tagged answer ([`SessionError::answer`]): `BAD`
/// for a command that is wrong in itself, `NO` with the RFC 5530 code for a store that
/// refused, and no answer at all when the connection is gone or must end.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The store refused (`NO`, with the code [`StoreError`] maps to).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A target mailbox of APPEND, COPY or MOVE does not exist (`NO [TRYCREATE]`,
    /// RFC 3501 §6.3.11 and §6.4.7).
    #[error("no such mailbox")]
    TryCreate,
    /// A command that needs a selected mailbox, without one (`BAD`).
    #[error("No mailbox selected")]
    NotSelected,
    /// A sequence number past the last message the client was told of (`BAD`, RFC 3501
    /// §9 `seq-number`).
    #[error("Invalid message sequence number")]
    BadSequence,
    /// A CATENATE URL that does not resolve (`NO [BADURL url]`, RFC 4469 §4.1).
    #[error("Cannot fetch the URL's data")]
    BadUrl(bytes::Bytes),
    /// A zero-length message in an APPEND of several (`NO`, RFC 3502 §6.3.11): the client
    /// cancels the APPEND so.
    #[error("Empty message, APPEND cancelled")]
    EmptyMessage,
    /// An APPEND whose message has an 8-bit octet in its header fields, from a client
    /// that did not `ENABLE UTF8=ACCEPT` (or IMAP4rev2) while the server advertises
    /// UTF8=ACCEPT (`NO [CANNOT]`, RFC 6855 §4; the code as for UTF8=ONLY, §6).
    #[error("8-bit header fields need ENABLE UTF8=ACCEPT (RFC 6855)")]
    EightBitHeaders,
    /// A change in a mailbox opened with EXAMINE (`NO`).
    #[error("Mailbox is read-only")]
    ReadOnly,
    /// SEARCH with a charset the server does not know (`NO [BADCHARSET (...)]`).
    #[error("Unsupported charset")]
    BadCharset(Code),
    /// SEARCH with CHARSET after `ENABLE UTF8=ACCEPT` (`BAD`, RFC 6855 §3: the labels
    /// conflict).
    #[error("SEARCH CHARSET is not allowed after ENABLE UTF8=ACCEPT")]
    CharsetAfterUtf8,
    /// A RETURN list the RFCs forbid (`BAD`): PARTIAL with ALL (RFC 5267 §4.4), UPDATE
    /// under a tag that names an updating search (§4.3).
    #[error("{0}")]
    BadReturn(&'static str),
    /// A command the store session does not serve (`BAD`).
    #[error("{0} not supported")]
    Unsupported(&'static str),
    /// A command whose arguments are wrong together (`BAD`): an extended LIST with an
    /// unknown option or RECURSIVEMATCH alone (RFC 5258 §3).
    #[error("{0}")]
    BadArguments(&'static str),
    /// A relayed SASL mechanism, which the store does not check (`NO`).
    #[error("Unsupported mechanism")]
    UnsupportedMechanism,
    /// A command that needs a store user, on a connection without one (`NO`).
    #[error("Not logged in to a store")]
    NotLoggedIn,
    /// The selected mailbox is gone (deleted or renamed by another session): the session
    /// can no longer keep its sequence numbers true, so it says `* BYE` and ends, as
    /// Dovecot does.
    #[error("Selected mailbox was deleted, have to disconnect")]
    MailboxLost,
    /// NOTIFY asked for an event the server does not serve (RFC 5465 §3.1: `NO
    /// [BADEVENT (...)]`, listing those it does).
    #[error("Unsupported event")]
    BadEvent,
    /// SETQUOTA from a user (`NO [NOPERM]`, RFC 9208 §4.1): the limits are the
    /// administrator's.
    #[error("Quota limits are set by the administrator")]
    QuotaAdmin,
    /// SETMETADATA over a limit (`NO [METADATA MAXSIZE n]`, `NO [METADATA TOOMANY]`,
    /// RFC 5464 §4.3).
    #[error("SETMETADATA failed")]
    Metadata(crate::types::MetadataCode),
    /// GETQUOTA of a root that is not the user's (`NO [NONEXISTENT]`, RFC 9208 §4.2).
    #[error("No such quota root")]
    NoQuotaRoot,
    /// The connection is closed: nothing more can be sent.
    #[error("connection closed: {0}")]
    Closed(#[from] server::Error),
}

impl SessionError {
    /// The tagged answer: status and response code, or `None` when there is nobody to
    /// answer ([`SessionError::Closed`]) or the connection ends with `* BYE`
    /// ([`SessionError::MailboxLost`]).
    pub fn answer(&self) -> Option<(StatusKind, Option<Code>)> {
        let no = |code| Some((StatusKind::No, Some(code)));
        match self {
            SessionError::Store(e) => no(store_code(e)),
            SessionError::TryCreate => no(Code::TryCreate),
            SessionError::NotSelected
            | SessionError::BadSequence
            | SessionError::CharsetAfterUtf8
            | SessionError::BadReturn(_)
            | SessionError::BadArguments(_)
            | SessionError::Unsupported(_) => Some((StatusKind::Bad, None)),
            SessionError::BadUrl(url) => no(Code::BadUrl(url_resp_text(url))),
            SessionError::QuotaAdmin => no(Code::Rfc5530(crate::types::Rfc5530Code::NoPerm)),
            SessionError::Metadata(code) => no(Code::Metadata(*code)),
            SessionError::NoQuotaRoot => no(Code::Rfc5530(Rfc5530Code::NonExistent)),
            SessionError::ReadOnly
            | SessionError::UnsupportedMechanism
            | SessionError::NotLoggedIn
            | SessionError::EmptyMessage => Some((StatusKind::No, None)),
            SessionError::BadCharset(code) => no(code.clone()),
            SessionError::EightBitHeaders => no(Code::Rfc5530(Rfc5530Code::Cannot)),
            SessionError::BadEvent => no(super::notify::bad_event()),
            SessionError::MailboxLost | SessionError::Closed(_) => None,
        }
    }

    /// The text of the tagged answer: the message, with a capital first letter.
    pub(super) fn text(&self) -> String {
        let mut text = self.to_string();
        if let Some(first) = text.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        text
    }

    /// A target mailbox that does not exist is `[TRYCREATE]`; other errors stay.
    pub(super) fn target(e: StoreError) -> SessionError {
        match e {
            StoreError::NoSuchMailbox => SessionError::TryCreate,
            e => SessionError::Store(e),
        }
    }
}

/// The RFC 5530 (or RFC 3516, RFC 7889) code of a store error.
fn store_code(e: &StoreError) -> Code {
    match e {
        StoreError::AuthenticationFailed => Code::Rfc5530(Rfc5530Code::AuthenticationFailed),
        StoreError::NoSuchMailbox => Code::Rfc5530(Rfc5530Code::NonExistent),
        StoreError::AlreadyExists => Code::Rfc5530(Rfc5530Code::AlreadyExists),
        StoreError::Cannot(_) | StoreError::InvalidName => Code::Rfc5530(Rfc5530Code::Cannot),
        StoreError::TooBig => Code::TooBig,
        StoreError::OverQuota => Code::Rfc5530(crate::types::Rfc5530Code::OverQuota),
        StoreError::UseAttr => Code::UseAttr,
        StoreError::Expunged => Code::Rfc5530(Rfc5530Code::ExpungeIssued),
        StoreError::UnknownCte => Code::Other { name: Atom::from_static("UNKNOWN-CTE"), value: None },
        StoreError::Unavailable => Code::Rfc5530(Rfc5530Code::Unavailable),
    }
}

/// `url-resp-text = 1*(TEXT-CHAR except "]")` (RFC 4469 §5) of a URL the client sent: the
/// bytes it may not hold are left out.
fn url_resp_text(url: &[u8]) -> bytes::Bytes {
    let kept: Vec<u8> = url.iter().copied().filter(|&b| !matches!(b, 0 | b'\r' | b'\n' | b']' | 0x80..)).collect();
    if kept.is_empty() {
        bytes::Bytes::from_static(b"-")
    } else {
        bytes::Bytes::from(kept)
    }
}
