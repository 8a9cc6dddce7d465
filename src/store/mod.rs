//! The mail-store engine behind the server: a [`Backend`] trait, the per-connection
//! [`Session`] that turns server events into backend calls and exact IMAP responses, and
//! the in-memory backend [`memory::MemoryBackend`].
//!
//! Every change to a mailbox is a [`Change`] in that mailbox's log, numbered in order.
//! Each session reads the log from where it left off and tells its client: EXISTS for
//! appends, FETCH FLAGS for flag changes, EXPUNGE for removals — the latter only where
//! RFC 3501 §7.4.1 allows, so a session's sequence numbers change only when it says so.
//! A session in IDLE is woken through a [`Notifier`] the adapter supplies.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//! use imap_machine::client::ClientOptions;
//! use imap_machine::store::{memory::MemoryBackend, Session};
//! use imap_machine::testing::Pair;
//! use imap_machine::types::{CommandBody, IString, Mailbox, Secret, State};
//!
//! let backend = Arc::new(MemoryBackend::with_demo_data());
//! let mut options = Session::server_options(&*backend);
//! options.allow_insecure_auth = true;
//! let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
//! let mut session = Session::new(backend);
//! pair.client.send(CommandBody::Login {
//!     username: IString::from_static("username"),
//!     password: Secret::new(IString::from_static("password")),
//! }).unwrap();
//! pair.client.send(CommandBody::select(Mailbox::Inbox)).unwrap();
//! pair.drive_with(|server, event| session.handle(server, event));
//! assert_eq!(pair.client.state(), State::Selected);
//! assert_eq!(pair.client.selected().unwrap().exists, 1);
//! ```

mod append;
mod fetch;
pub mod memory;
#[cfg(test)]
mod model;
pub mod names;
pub mod parsed;
mod partial;
#[cfg(test)]
mod partial_tests;
pub mod search;
#[cfg(test)]
mod search_tests;
mod session;
pub mod sort;
#[cfg(test)]
mod sort_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod transcripts;

use std::sync::Arc;

use bytes::Bytes;

pub use append::{AppendTransaction, NewMessage};
pub use parsed::ParsedMessage;
pub use search::{search_by_fetching, SearchQuery};
use session::flag_fetch as session_flags;
pub use session::{
    Authenticator, CommandHandler, ExtensionContext, ExtensionError, Extensions, Reply, Session, SessionError,
    STREAM_APPENDS_OVER, STREAM_FETCHES_OVER,
};

use crate::types::{DateTime, Flag, ListAttribute, ObjectId, StoreKind};

/// A callback that wakes a connection when a mailbox it watches changes (the adapter
/// supplies it: a tokio `Notify`, a channel send, a thread unpark). It must not block.
pub type Notifier = Arc<dyn Fn() + Send + Sync>;

/// The name of a user's quota root (RFC 9208 §3.2), the one root a user's mailboxes share,
/// named as Dovecot names it.
pub const QUOTA_ROOT: &str = "User quota";

/// A user's quota limits (RFC 9208 §5), set by the embedder (`imapm serve --quota`);
/// `None` is no limit on that resource.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuotaLimits {
    /// STORAGE (RFC 9208 §5.1), in units of 1024 octets.
    pub storage_kb: Option<u64>,
    /// MESSAGE (RFC 9208 §5.2).
    pub messages: Option<u64>,
}

impl QuotaLimits {
    /// Whether any resource is limited.
    pub fn is_limited(&self) -> bool {
        self.storage_kb.is_some() || self.messages.is_some()
    }

    /// Whether `octets` and `messages` more go past a limit, the user holding
    /// `used_octets` and `used_messages` now.
    pub fn exceeded_by(&self, used_octets: u64, used_messages: u64, octets: u64, messages: u64) -> bool {
        self.storage_kb.is_some_and(|l| used_octets.saturating_add(octets) > l.saturating_mul(1024))
            || self.messages.is_some_and(|l| used_messages.saturating_add(messages) > l)
    }

    /// The resources for GETQUOTA and GETQUOTAROOT, STORAGE rounded up to KiB; `None`
    /// without limits.
    pub fn usage(&self, used_octets: u64, used_messages: u64) -> Option<Vec<crate::types::QuotaUsage>> {
        use crate::types::{QuotaResource, QuotaUsage};
        if !self.is_limited() {
            return None;
        }
        let mut out = Vec::new();
        if let Some(limit) = self.storage_kb {
            out.push(QuotaUsage { resource: QuotaResource::Storage, usage: used_octets.div_ceil(1024), limit });
        }
        if let Some(limit) = self.messages {
            out.push(QuotaUsage { resource: QuotaResource::Message, usage: used_messages, limit });
        }
        Some(out)
    }
}

/// Why a backend call failed; each maps to the RFC 5530 code the session answers with.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Wrong user name or password (`[AUTHENTICATIONFAILED]`).
    #[error("authentication failed")]
    AuthenticationFailed,
    /// No such mailbox (`[NONEXISTENT]`, or `[TRYCREATE]` for APPEND/COPY/MOVE targets).
    #[error("no such mailbox")]
    NoSuchMailbox,
    /// The mailbox exists already (`[ALREADYEXISTS]`).
    #[error("mailbox already exists")]
    AlreadyExists,
    /// The operation is not possible on this mailbox (`[CANNOT]`), with why.
    #[error("{0}")]
    Cannot(&'static str),
    /// The mailbox name is not acceptable.
    #[error("invalid mailbox name")]
    InvalidName,
    /// A message is bigger than the APPENDLIMIT (`[TOOBIG]`).
    #[error("message too big")]
    TooBig,
    /// A special-use attribute the store does not support (`[USEATTR]`, RFC 6154 §3).
    #[error("special-use attribute not supported")]
    UseAttr,
    /// The messages were expunged meanwhile (`[EXPUNGEISSUED]`).
    #[error("some messages were expunged")]
    Expunged,
    /// BINARY of a part whose transfer encoding is unknown (RFC 3516 `[UNKNOWN-CTE]`).
    #[error("unknown content transfer encoding")]
    UnknownCte,
    /// The user's quota would be exceeded (RFC 9208 `[OVERQUOTA]`); nothing was written.
    #[error("over quota")]
    OverQuota,
    /// The store cannot be reached for now (a database restarting): `NO [UNAVAILABLE]`
    /// (RFC 5530 §3); the same command may work later.
    #[error("the mail store is unavailable")]
    Unavailable,
}

/// One mailbox as LIST shows it. Names are wire names (modified UTF-7), `/`-separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxInfo {
    /// Full name.
    pub name: String,
    /// `\Noselect`, `\HasChildren`, `\HasNoChildren`, and SPECIAL-USE attributes.
    pub attributes: Vec<ListAttribute>,
}

/// What STATUS reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct MailboxStatus {
    /// Messages.
    pub messages: u32,
    /// Messages with `\Recent` that no session has claimed yet (RFC 3501 §2.3.2): a
    /// message already announced as `\Recent` to a session is not counted again.
    pub recent: u32,
    /// The next UID.
    pub uid_next: u32,
    /// UIDVALIDITY.
    pub uid_validity: u32,
    /// Messages without `\Seen`.
    pub unseen: u32,
    /// Total size in octets.
    pub size: u64,
    /// Messages with `\Deleted`.
    pub deleted: u32,
    /// The octets of the messages with `\Deleted` (RFC 9208 §4.2.2 `DELETED-STORAGE`).
    pub deleted_storage: u64,
    /// HIGHESTMODSEQ (RFC 7162 §3.1.1): the highest mod-sequence of any change to the
    /// mailbox; 0 when the store keeps none ([`Backend::mod_seqs`]).
    pub highest_modseq: u64,
}

/// A mailbox opened by SELECT or EXAMINE, as one session sees it at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// UIDVALIDITY.
    pub uid_validity: u32,
    /// The next UID.
    pub uid_next: u32,
    /// Every message's UID, ascending (the sequence view).
    pub uids: Vec<u32>,
    /// The lowest UID without `\Seen` (for `[UNSEEN n]`), if any.
    pub first_unseen: Option<u32>,
    /// UIDs this session sees as `\Recent`: those it claimed, or, read-only, those no
    /// session has claimed (which EXAMINE reports without claiming them; RFC 3501
    /// §2.3.2).
    pub recent: Vec<u32>,
    /// Flags that exist in the mailbox (for FLAGS): the system flags and every keyword.
    pub flags: Vec<Flag>,
    /// The position in the change log this snapshot is current to.
    pub cursor: u64,
    /// HIGHESTMODSEQ at that moment (RFC 7162 §3.1.2.1); 0 without mod-sequences.
    pub highest_modseq: u64,
}

/// The changes a session has not read yet, from [`Backend::changes`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeBatch {
    /// The log position of `changes[0]`; change `k` is at `start + k`.
    pub start: u64,
    /// The changes, in log order.
    pub changes: Vec<Change>,
    /// The position after the last change (the session's new cursor).
    pub cursor: u64,
    /// Appended UIDs this session sees as `\Recent`: claimed by it, or, read-only, not
    /// claimed by any session yet.
    pub recent: Vec<u32>,
    /// The mailbox's HIGHESTMODSEQ as of `cursor` (RFC 7162 §3.1.1), when the store
    /// knows it: it keeps mod-sequences and the batch reached the end of its log. The
    /// session tells it to a client as `[HIGHESTMODSEQ]` only when every change up to
    /// `cursor` was reported.
    pub highest_modseq: Option<u64>,
}

/// What [`Backend::store`] did to one message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Its flags changed to these.
    Changed(Vec<Flag>),
    /// It already had (or lacked) the flags: nothing changed, nothing was logged.
    Unchanged(Vec<Flag>),
    /// It is expunged (a message the session still sees is left unchanged, RFC 2180
    /// §4.2.1).
    Expunged,
    /// Left unchanged: its mod-sequence is above the `UNCHANGEDSINCE` of
    /// [`Backend::store_unchanged_since`] (RFC 7162 §3.1.3); it goes in `[MODIFIED]`.
    Modified,
}

/// What [`Backend::store`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreOutcome {
    /// For each UID asked, in the same order.
    pub flags: Vec<Stored>,
    /// The log positions of the [`Change::Flags`] this call recorded: the session's own
    /// changes, which it must not report again as if another session had made them.
    pub log: std::ops::Range<u64>,
    /// For each UID asked, its mod-sequence after the call (RFC 7162 §3.1.3; 0 where it
    /// is expunged); empty from a store without mod-sequences ([`Backend::mod_seqs`]).
    pub modseqs: Vec<u64>,
}

/// One message as FETCH needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageData {
    /// The UID.
    pub uid: u32,
    /// Its flags (without `\Recent`, which is per session).
    pub flags: Vec<Flag>,
    /// INTERNALDATE.
    pub internal_date: DateTime,
    /// RFC822.SIZE: the length of `body` as [`Backend::fetch`] returns it (also from
    /// [`Backend::fetch_meta`], which leaves `body` empty).
    pub size: u32,
    /// The whole RFC 5322 message (empty from [`Backend::fetch_meta`]).
    pub body: Bytes,
    /// The parse the store keeps (ENVELOPE, BODY, BODYSTRUCTURE), if it keeps one: the
    /// session then answers those items from it, from [`Backend::fetch_meta`], without
    /// the body. `None`: the session parses the body.
    pub parsed: Option<Arc<ParsedMessage>>,
    /// When the message was saved in this mailbox (APPEND, COPY, MOVE; RFC 8514 §3), by
    /// the store's clock. `None`: the store keeps no save dates (FETCH SAVEDATE is NIL).
    pub save_date: Option<DateTime>,
    /// The EMAILID (RFC 8474 §5.1): the same for every copy of the message, kept across
    /// restarts. `None`: the store gives no ids.
    pub email_id: Option<ObjectId>,
    /// Its mod-sequence (RFC 7162 §3.1.3: of its last flag change, or of its arrival);
    /// 0 when the store keeps none.
    pub modseq: u64,
}

impl MessageData {
    /// A message with its body; `size` is the body's length; no cached parse.
    pub fn new(uid: u32, flags: Vec<Flag>, internal_date: DateTime, body: Bytes) -> MessageData {
        MessageData {
            uid,
            flags,
            internal_date,
            size: body.len() as u32,
            body,
            parsed: None,
            save_date: None,
            email_id: None,
            modseq: 0,
        }
    }

    /// With its mod-sequence (RFC 7162).
    pub fn with_modseq(mut self, modseq: u64) -> MessageData {
        self.modseq = modseq;
        self
    }

    /// With its save date (RFC 8514) and EMAILID (RFC 8474).
    pub fn with_ids(mut self, save_date: Option<DateTime>, email_id: Option<ObjectId>) -> MessageData {
        self.save_date = save_date;
        self.email_id = email_id;
        self
    }

    /// With the store's cached parse.
    pub fn with_parsed(mut self, parsed: Arc<ParsedMessage>) -> MessageData {
        self.parsed = Some(parsed);
        self
    }
}

/// The octets `range` of `text`, clamped to its end (empty past it), without copying: what
/// a partial (`<origin.octets>`, RFC 3501 §6.4.5) of the whole text is, for
/// [`Backend::fetch_range`].
pub fn slice_range(text: &Bytes, range: std::ops::Range<u64>) -> Bytes {
    let len = text.len() as u64;
    let start = range.start.min(len);
    let end = range.end.clamp(start, len);
    text.slice(start as usize..end as usize)
}

/// A change in a mailbox's log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A message arrived.
    Appended {
        /// Its UID.
        uid: u32,
    },
    /// A message's flags changed.
    Flags {
        /// Its UID.
        uid: u32,
        /// Its flags when the change was read (see [`Backend::changes`]).
        flags: Vec<Flag>,
        /// Its mod-sequence when the change was read (RFC 7162 §3.1.3); 0 without.
        modseq: u64,
    },
    /// A message was expunged.
    Expunged {
        /// Its UID.
        uid: u32,
    },
    /// A keyword the mailbox did not have was used: sessions announce it with FLAGS and
    /// PERMANENTFLAGS (RFC 3501 §7.2.6).
    Keyword {
        /// The keyword.
        flag: Flag,
    },
}

/// The UIDs expunged from a mailbox after a mod-sequence ([`Backend::vanished`]), for
/// QRESYNC's `VANISHED (EARLIER)` (RFC 7162 §3.2.5.1, §3.2.6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Vanished {
    /// The expunged UIDs, ascending.
    pub uids: Vec<u32>,
    /// Whether the store still remembers every expunge after the mod-sequence asked.
    /// `false`: some were forgotten (the store keeps a bounded number), and every UID the
    /// client knows that is not in the mailbox must be taken as vanished too.
    pub complete: bool,
}

/// What COPY and MOVE did (for COPYUID, RFC 4315).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyResult {
    /// UIDVALIDITY of the destination.
    pub uid_validity: u32,
    /// Source UIDs, in order.
    pub source: Vec<u32>,
    /// The new UIDs, in the same order.
    pub destination: Vec<u32>,
}

/// Identifies one session to a backend (for `\Recent`, change-log cursors and the
/// expunged messages it still sees). Handed out by [`Backend::new_session`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub u64);

/// A mail store. Synchronous: adapters decide where it runs (a blocking thread pool for
/// a persistent store). Names are wire names; `INBOX` is always spelled so.
///
/// Every mutation appends [`Change`]s to the mailbox's log and wakes its watchers. UIDs
/// strictly increase and are never reused; UIDVALIDITY differs for every incarnation of
/// a name (a mailbox deleted and created again gets a new one). The shape fits a
/// persistent store: nothing here hands out references into the backend.
pub trait Backend: Send + Sync + 'static {
    /// A logged-in user, as the backend identifies it.
    type User: Clone + Send + Sync + std::fmt::Debug;

    /// Checks credentials.
    fn login(&self, username: &str, password: &str) -> Result<Self::User, StoreError>;
    /// The user `username` without a password check, for an embedder that checks
    /// passwords itself ([`Session::set_authenticator`]: a file of hashes, an outside
    /// service). Fails with [`StoreError::AuthenticationFailed`] for a user the store does
    /// not know. The default refuses everybody.
    fn user(&self, username: &str) -> Result<Self::User, StoreError> {
        let _ = username;
        Err(StoreError::AuthenticationFailed)
    }
    /// Every mailbox of the user (LIST filters them).
    fn list(&self, user: &Self::User) -> Result<Vec<MailboxInfo>, StoreError>;
    /// Creates a mailbox, and its missing superiors (RFC 3501 §6.3.3).
    fn create(&self, user: &Self::User, name: &str) -> Result<(), StoreError>;
    /// Creates a mailbox with special-use attributes (RFC 6154 §3, CREATE-SPECIAL-USE),
    /// which LIST then shows. The default creates it only without any, else fails with
    /// [`StoreError::UseAttr`] (`NO [USEATTR]`).
    fn create_special_use(&self, user: &Self::User, name: &str, uses: &[ListAttribute]) -> Result<(), StoreError> {
        if uses.is_empty() {
            self.create(user, name)
        } else {
            Err(StoreError::UseAttr)
        }
    }
    /// Deletes a mailbox (RFC 3501 §6.3.4).
    fn delete(&self, user: &Self::User, name: &str) -> Result<(), StoreError>;
    /// Renames a mailbox and its inferiors; renaming INBOX moves its messages (§6.3.5).
    fn rename(&self, user: &Self::User, from: &str, to: &str) -> Result<(), StoreError>;
    /// Adds or removes a subscription.
    fn subscribe(&self, user: &Self::User, name: &str, subscribed: bool) -> Result<(), StoreError>;
    /// The subscribed names.
    fn subscriptions(&self, user: &Self::User) -> Result<Vec<String>, StoreError>;
    /// STATUS of a mailbox.
    fn status(&self, user: &Self::User, name: &str) -> Result<MailboxStatus, StoreError>;
    /// Appends a message; returns UIDVALIDITY and the new UID.
    fn append(
        &self,
        user: &Self::User,
        name: &str,
        flags: &[Flag],
        date: Option<DateTime>,
        body: Bytes,
    ) -> Result<(u32, u32), StoreError>;
    /// Appends several messages at once, all or nothing (MULTIAPPEND, RFC 3502 §6.3.11):
    /// returns UIDVALIDITY and the new UIDs, in order. The default checks every message
    /// against the limit, then calls [`Backend::append`] for each: all or nothing only as
    /// far as `append` does not fail half-way, and other sessions may see the messages
    /// arrive one by one. A store that can do better overrides it (the memory store
    /// inserts them under one lock).
    fn append_all(
        &self,
        user: &Self::User,
        name: &str,
        messages: Vec<NewMessage>,
    ) -> Result<(u32, Vec<u32>), StoreError> {
        if self.append_limit().is_some_and(|l| messages.iter().any(|m| m.body.len() as u64 > u64::from(l))) {
            return Err(StoreError::TooBig);
        }
        let mut validity = self.status(user, name)?.uid_validity;
        let mut uids = Vec::with_capacity(messages.len());
        for m in messages {
            let (v, uid) = self.append(user, name, &m.flags, m.date, m.body)?;
            validity = v;
            uids.push(uid);
        }
        Ok((validity, uids))
    }
    /// Starts an APPEND whose messages (one or more, RFC 3502) are staged as they arrive
    /// and stored together by [`AppendTransaction::commit`]; checks the mailbox first
    /// (`NoSuchMailbox` is answered `NO [TRYCREATE]` before the client sends a message).
    /// The default collects the messages in memory, then calls [`Backend::append_all`]; a
    /// store on disk writes them to temporary files instead, so messages of any size cost
    /// it no memory.
    fn append_transaction(
        self: Arc<Self>,
        user: &Self::User,
        name: &str,
    ) -> Result<Box<dyn AppendTransaction>, StoreError>
    where
        Self: Sized,
    {
        self.status(user, name)?;
        let (user, name) = (user.clone(), name.to_string());
        Ok(Box::new(append::Collect { backend: self, user, name, done: Vec::new(), current: None }))
    }
    /// A new session id, unique within this backend for its lifetime.
    fn new_session(&self) -> SessionId;
    /// Opens a mailbox for a session; claims `\Recent` unless `read_only`.
    fn open(&self, user: &Self::User, name: &str, session: SessionId, read_only: bool) -> Result<Snapshot, StoreError>;
    /// Closes a session's view of a mailbox: drops its `\Recent` claims and its hold on
    /// expunged messages.
    fn close(&self, user: &Self::User, name: &str, session: SessionId);
    /// At most `max` changes after `cursor` (appended UIDs claim `\Recent` for this session
    /// unless `read_only`); a [`Change::Flags`] carries the message's flags as they are
    /// now (or were when it was expunged), never older ones. Fails with
    /// [`StoreError::NoSuchMailbox`] when the mailbox the session opened is gone (deleted
    /// or renamed).
    fn changes(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        cursor: u64,
        read_only: bool,
        max: usize,
    ) -> Result<ChangeBatch, StoreError>;
    /// Message data for UIDs, in order (`None` where a message is gone). A message
    /// expunged by any session stays readable by every session that opened the mailbox
    /// before the expunge, until it calls [`Backend::release`] for it or closes the
    /// mailbox (RFC 2180 §4.1.1).
    fn fetch(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError>;
    /// [`Backend::fetch`] without the bodies: `body` is empty, the rest as `fetch` gives
    /// it. The session calls it for FETCH items and SEARCH keys that read only the UID,
    /// flags, INTERNALDATE and RFC822.SIZE (`FETCH 1:* (FLAGS)`, `SEARCH UNSEEN`), so a
    /// store on disk answers from its index without reading a message. The default calls
    /// `fetch` and drops the bodies.
    fn fetch_meta(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        let mut all = self.fetch(user, name, session, uids)?;
        for m in all.iter_mut().flatten() {
            m.body = Bytes::new();
        }
        Ok(all)
    }
    /// The octets `range` of one message's text, as `BODY[]<origin.octets>` (RFC 3501
    /// §6.4.5 partial) reads them: the message in CRLF form (a bare LF in the body
    /// [`Backend::fetch`] gives reads as CRLF, as [`crate::mime::Message`] has it), the
    /// range clamped to its end, so a range past the end is empty. `None` where `fetch`
    /// gives `None`: the message is gone and not kept for this session (RFC 2180 §4.1.1).
    ///
    /// The session calls it after [`Backend::fetch_meta`] for a FETCH whose only items that
    /// read the message are partials of its whole text (`BODY.PEEK[]<0.1024>`), one call
    /// per message and partial, so a store on disk reads the range and not the message.
    /// The default calls `fetch` for the one UID and slices its body without copying it.
    fn fetch_range(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uid: u32,
        range: std::ops::Range<u64>,
    ) -> Result<Option<Bytes>, StoreError> {
        let Some(m) = self.fetch(user, name, session, &[uid])?.into_iter().next().flatten() else {
            return Ok(None);
        };
        Ok(Some(slice_range(&crate::mime::to_crlf(m.body), range)))
    }
    /// Whether [`MessageData::size`] (from [`Backend::fetch_meta`]) is always exactly
    /// the length of the message's CRLF text, the `BODY[]` that [`Backend::fetch_range`]
    /// reads, and ranges are cheap to read: the session then streams a FETCH of a whole
    /// large message in ranges, never holding it whole
    /// ([`Session::set_stream_fetches_over`]).
    /// Default `false`: the session reads each message whole.
    fn streams_text(&self) -> bool {
        false
    }
    /// SEARCH (RFC 3501 §6.4.4): the UIDs among `query.uids` of the messages that match
    /// every key of `query.criteria`, ascending (in the session's sequence order). A
    /// message gone from the store (and not kept for this session, see
    /// [`Backend::fetch`]) does not match.
    ///
    /// The session calls it for the messages of its view, after narrowing them by the
    /// top-level sequence and UID sets, in steps of at most its step budget; it passes
    /// their sequence numbers and which of them are `\Recent` for it. The default is
    /// [`search_by_fetching`]: the session's matcher over [`Backend::fetch_meta`] (or
    /// [`Backend::fetch`] when a key reads the message). A store with an index overrides
    /// it to answer criteria that need no message text from the index
    /// ([`SearchQuery::needs_message`], [`SearchQuery::matches_meta`]), and calls
    /// [`search_by_fetching`] for the rest.
    fn search(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        query: &SearchQuery<'_>,
    ) -> Result<Vec<u32>, StoreError> {
        search_by_fetching(self, user, name, session, query)
    }
    /// [`Backend::fetch_meta`] with the store's cached parse ([`MessageData::parsed`]),
    /// for FETCH of ENVELOPE, BODY and BODYSTRUCTURE without the bodies. The default is
    /// `fetch_meta` (no cached parse: the session then fetches and parses the messages).
    fn fetch_parsed(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.fetch_meta(user, name, session, uids)
    }
    /// Changes flags of the messages that still exist; expunged ones are left alone.
    fn store(
        &self,
        user: &Self::User,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
    ) -> Result<StoreOutcome, StoreError>;
    /// [`Backend::store`] under `STORE ... (UNCHANGEDSINCE n)` (RFC 7162 §3.1.3): a
    /// message whose mod-sequence is above `unchanged_since` is left alone and reported
    /// [`Stored::Modified`]; the others are changed as `store` changes them, all under
    /// one lock, so no change of another session slips between the test and the write.
    /// The default, for a store without mod-sequences: [`StoreError::Cannot`].
    fn store_unchanged_since(
        &self,
        user: &Self::User,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
        unchanged_since: u64,
    ) -> Result<StoreOutcome, StoreError> {
        let _ = (user, name, uids, kind, flags, unchanged_since);
        Err(StoreError::Cannot("the store keeps no mod-sequences"))
    }
    /// Copies messages to another mailbox (or the same one), expunged messages the
    /// session still sees included (RFC 2180 §4.4.2).
    fn copy(
        &self,
        user: &Self::User,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
    ) -> Result<CopyResult, StoreError>;
    /// Moves messages (copy, then expunge from the source, as one step). The destination
    /// may be the source: the messages get new UIDs, as Dovecot does.
    fn move_messages(
        &self,
        user: &Self::User,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
    ) -> Result<CopyResult, StoreError>;
    /// Expunges `\Deleted` messages (only those among `uids`, if given), at most `max` of
    /// them, the lowest UIDs first; returns the expunged UIDs. A caller that gets `max`
    /// back calls again for the rest.
    fn expunge(&self, user: &Self::User, name: &str, uids: Option<&[u32]>, max: usize) -> Result<Vec<u32>, StoreError>;
    /// The session has told its client of these expunges (or never had the messages in
    /// its view): their data may go once no session still sees them.
    fn release(&self, user: &Self::User, name: &str, session: SessionId, uids: &[u32]);
    /// Registers (`Some`) or drops (`None`) a notifier called after any change to any of
    /// `user`'s mailboxes, and after CREATE, DELETE, RENAME and (UN)SUBSCRIBE: what a
    /// session that asked NOTIFY (RFC 5465) about mailboxes other than the selected one
    /// waits on. The default does nothing: such a session then hears of those changes
    /// when its client next sends a command.
    fn watch_user(&self, user: &Self::User, session: SessionId, notifier: Option<Notifier>) {
        let _ = (user, session, notifier);
    }
    /// Registers a notifier called after every change to `name`.
    fn watch(&self, user: &Self::User, name: &str, session: SessionId, notifier: Notifier);
    /// The store's current time, for SEARCH OLDER and YOUNGER (RFC 5032): the clock it
    /// stamps INTERNALDATE with. `None` (the default): the store has no clock, WITHIN is
    /// not announced, and those keys match nothing. The core reads no clock itself.
    fn now(&self) -> Option<DateTime> {
        None
    }
    /// The MAILBOXID of a mailbox (RFC 8474 §4): unique to it, kept across RENAME and
    /// restarts, never given to another mailbox. `Ok(None)` (the default): the store
    /// gives no ids; OBJECTID is announced only when [`Backend::object_ids`] is true.
    fn mailbox_id(&self, user: &Self::User, name: &str) -> Result<Option<ObjectId>, StoreError> {
        let _ = (user, name);
        Ok(None)
    }
    /// The resources of `user`'s quota root ([`QUOTA_ROOT`], RFC 9208 §3.2), with usage
    /// and limit; `None` when no limit applies to the user. The default: none.
    fn quota(&self, user: &Self::User) -> Result<Option<Vec<crate::types::QuotaUsage>>, StoreError> {
        let _ = user;
        Ok(None)
    }
    /// Whether the store counts quotas ([`Backend::quota`]): the session then serves
    /// QUOTA (RFC 9208) and announces `QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE`. A store
    /// that says so refuses an APPEND or COPY past a limit with [`StoreError::OverQuota`],
    /// writing nothing. The default: no.
    fn quotas(&self) -> bool {
        false
    }
    /// METADATA (RFC 5464): the entries kept for `mailbox` (`None`: the server's) that
    /// `user` may read, as (entry name in lower case, value), in name order. The default:
    /// none, and [`Backend::metadata_supported`] says no.
    fn metadata(&self, user: &Self::User, mailbox: Option<&str>) -> Result<Vec<(String, Bytes)>, StoreError> {
        let _ = (user, mailbox);
        Ok(Vec::new())
    }
    /// SETMETADATA (RFC 5464 §4.3): sets each entry (name in lower case) to its value, or
    /// removes it for `None`, all or none. The session has checked the names and the
    /// limits. The default refuses.
    fn set_metadata(
        &self,
        user: &Self::User,
        mailbox: Option<&str>,
        entries: &[(String, Option<Bytes>)],
    ) -> Result<(), StoreError> {
        let _ = (user, mailbox, entries);
        Err(StoreError::Cannot("no metadata kept"))
    }
    /// Whether the store keeps metadata: the session then serves GETMETADATA and
    /// SETMETADATA and announces `METADATA METADATA-SERVER`. The default: no.
    fn metadata_supported(&self) -> bool {
        false
    }
    /// URLAUTH (RFC 4467 §2.2): `user`'s access key for `mailbox` (its wire name), made at
    /// first use when `create`; `Ok(None)` when there is none. Keys have at least 128
    /// bits from a CSPRNG (§10). The default: none.
    fn url_key(&self, user: &Self::User, mailbox: &str, create: bool) -> Result<Option<Vec<u8>>, StoreError> {
        let _ = (user, mailbox, create);
        Ok(None)
    }
    /// RESETKEY (RFC 4467 §7): a new key for `mailbox`, or no key of `user` at all for
    /// `None`; every URL made with a dropped key stops validating. The default refuses.
    fn reset_url_keys(&self, user: &Self::User, mailbox: Option<&str>) -> Result<(), StoreError> {
        let _ = (user, mailbox);
        Err(StoreError::Cannot("no URLAUTH keys kept"))
    }
    /// The user named `name`, without a password: URLFETCH reads a URL's data with the
    /// access of its owner (RFC 4467 §7), who may be another user than the session's.
    /// The default: none, so only the session's own URLs resolve.
    fn user_by_name(&self, name: &str) -> Option<Self::User> {
        let _ = name;
        None
    }
    /// Whether the user named `name` is a message submission entity (RFC 4467 §3,
    /// Dovecot's `imap_urlauth_submit_user`): its sessions may fetch every `submit+`
    /// URL, on behalf of any user. Nobody else may, the URL's user included. The
    /// default: nobody.
    fn url_submitter(&self, name: &str) -> bool {
        let _ = name;
        false
    }
    /// Whether the store keeps URLAUTH keys: the session then serves RESETKEY,
    /// GENURLAUTH and URLFETCH and announces `URLAUTH`. The default: no.
    fn url_keys(&self) -> bool {
        false
    }
    /// Whether the store gives object ids (RFC 8474): a MAILBOXID for every mailbox and an
    /// EMAILID for every message ([`MessageData::email_id`]). Then OBJECTID is announced.
    /// THREADID is always NIL: the core computes no threads.
    fn object_ids(&self) -> bool {
        false
    }
    /// The largest message APPEND takes (APPENDLIMIT), if any.
    fn append_limit(&self) -> Option<u32> {
        None
    }
    /// Whether the store keeps mod-sequences (RFC 7162 §3.1): every message has one
    /// ([`MessageData::modseq`]), every mailbox a HIGHESTMODSEQ that grows with every flag
    /// change, arrival and expunge ([`MailboxStatus::highest_modseq`]), and
    /// [`Backend::vanished`] answers. The default: no.
    fn mod_seqs(&self) -> bool {
        false
    }
    /// The mod-sequence of each of `uids` (RFC 7162 §3.1.3), in order, `None` where a
    /// message is gone (as [`Backend::fetch`] sees it), for `CHANGEDSINCE` and the `MODSEQ`
    /// of SEARCH, which ask it of every message of a set. The default reads
    /// [`Backend::fetch_meta`]; a store overrides it to answer without building messages.
    fn modseqs(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<u64>>, StoreError> {
        Ok(self.fetch_meta(user, name, session, uids)?.into_iter().map(|m| m.map(|m| m.modseq)).collect())
    }
    /// The UIDs expunged from `name` after mod-sequence `since` (RFC 7162 §3.2.5.1). The
    /// default, for a store without mod-sequences: [`StoreError::Cannot`].
    fn vanished(&self, user: &Self::User, name: &str, since: u64) -> Result<Vanished, StoreError> {
        let _ = (user, name, since);
        Err(StoreError::Cannot("the store keeps no mod-sequences"))
    }
}
