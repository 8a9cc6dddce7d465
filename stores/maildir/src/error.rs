//! The errors of the Maildir store, and how they map to the core's [`StoreError`].

use std::path::PathBuf;

use imap_machine::store::StoreError;

/// Why an operation on the Maildir store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MaildirError {
    /// A file-system call failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done (`"read"`, `"rename"`, ...).
        op: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The error of the system call.
        #[source]
        source: std::io::Error,
    },
    /// A dot-lock (`dovecot-uidlist.lock`, ...) was held by someone else for too long.
    #[error("timed out waiting for the lock {}", .0.display())]
    LockTimeout(PathBuf),
    /// The mailbox's directory went away (deleted or renamed, by us or another process).
    #[error("the mailbox directory {} is gone", .0.display())]
    Gone(PathBuf),
    /// `dovecot-uidlist` now has another UIDVALIDITY: the mailbox was recreated.
    #[error("the UIDVALIDITY of {} changed", .0.display())]
    UidValidityChanged(PathBuf),
    /// `dovecot-uidlist` does not parse.
    #[error("{} line {line}: malformed dovecot-uidlist", path.display())]
    BadUidlist {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
    },
    /// A Maildir file name holds at most 26 keywords (`a`..`z`) per mailbox.
    #[error("a Maildir mailbox holds at most 26 keywords")]
    TooManyKeywords,
    /// A user name that cannot be a directory name (empty, `.`, `..`, with `/` or NUL).
    #[error("invalid user name")]
    InvalidUser,
    /// The operating system gave no random octets for a URLAUTH key.
    #[error("no randomness for a URLAUTH key")]
    Randomness,
}

impl MaildirError {
    /// Wraps an I/O error with what was done and where.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> MaildirError {
        let path = path.into();
        move |source| MaildirError::Io { op, path, source }
    }
}

impl From<MaildirError> for StoreError {
    fn from(e: MaildirError) -> Self {
        match e {
            MaildirError::Gone(_) | MaildirError::UidValidityChanged(_) => StoreError::NoSuchMailbox,
            MaildirError::TooManyKeywords => StoreError::Cannot("a Maildir mailbox holds at most 26 keywords"),
            MaildirError::LockTimeout(_) => StoreError::Cannot("the mailbox is locked by another process"),
            MaildirError::InvalidUser => StoreError::AuthenticationFailed,
            MaildirError::Randomness => StoreError::Cannot("no randomness for a URLAUTH key"),
            MaildirError::Io { .. } | MaildirError::BadUidlist { .. } => StoreError::Cannot("mail store I/O error"),
        }
    }
}

/// The result of the store's internal operations.
pub(crate) type Result<T> = std::result::Result<T, MaildirError>;
