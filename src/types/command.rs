//! Commands (RFC 3501 §6 and the extensions listed in the README).
//!
//! ```
//! use imap_machine::types::{Command, CommandBody, Mailbox, Tag};
//! let cmd = Command::new(Tag::try_from("A142").unwrap(), CommandBody::select(Mailbox::Inbox));
//! assert_eq!(cmd.body.name(), "SELECT");
//! ```

use std::fmt;

use bytes::Bytes;

use super::{
    AString, AppendMessage, AuthMechanism, Capability, DateTime, FetchAttributes, FetchModifier, Flag, IString,
    ListAttribute, ListMailbox, ListOptions, Literal, Mailbox, MetadataEntry, MetadataOptions, NString, QuotaResource,
    RawCommand, SearchKey, SearchReturn, SelectParam, SequenceSet, SortCriterion, Tag, ThreadAlgorithm,
};

/// A tagged command: `command = tag SP (command-any / command-auth / command-nonauth /
/// command-select) CRLF`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The tag the completion will carry.
    pub tag: Tag,
    /// What the command does.
    pub body: CommandBody,
}

impl Command {
    /// A command from its parts.
    pub fn new(tag: Tag, body: CommandBody) -> Self {
        Command { tag, body }
    }
}

/// A value whose `Debug` output is redacted: passwords and SASL responses.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret value itself.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// `store-att-flags`: how STORE changes the flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}

/// `status-att` (RFC 3501 §6.3.10, RFC 7889, RFC 7162, RFC 8438, RFC 9051).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusItem {
    /// `MESSAGES`
    Messages,
    /// `RECENT`
    Recent,
    /// `UIDNEXT`
    UidNext,
    /// `UIDVALIDITY`
    UidValidity,
    /// `UNSEEN`
    Unseen,
    /// `APPENDLIMIT` (RFC 7889)
    AppendLimit,
    /// `HIGHESTMODSEQ` (RFC 7162)
    HighestModSeq,
    /// `SIZE` (RFC 8438)
    Size,
    /// `DELETED` (RFC 9051, RFC 9208 §4.2.1)
    Deleted,
    /// `DELETED-STORAGE` (RFC 9208 §4.2.2): the octets of the messages with `\Deleted`.
    DeletedStorage,
    /// `MAILBOXID` (RFC 8474 §4.2); its value is an object id, carried in
    /// [`Data::Status`](crate::types::Data::Status)'s `mailbox_id`, never in `items`.
    MailboxId,
}

impl StatusItem {
    /// Every item with its wire name.
    pub const ALL: [(StatusItem, &'static str); 11] = [
        (StatusItem::Messages, "MESSAGES"),
        (StatusItem::Recent, "RECENT"),
        (StatusItem::UidNext, "UIDNEXT"),
        (StatusItem::UidValidity, "UIDVALIDITY"),
        (StatusItem::Unseen, "UNSEEN"),
        (StatusItem::AppendLimit, "APPENDLIMIT"),
        (StatusItem::HighestModSeq, "HIGHESTMODSEQ"),
        (StatusItem::Size, "SIZE"),
        (StatusItem::Deleted, "DELETED"),
        (StatusItem::DeletedStorage, "DELETED-STORAGE"),
        (StatusItem::MailboxId, "MAILBOXID"),
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        StatusItem::ALL.iter().find(|(i, _)| *i == self).map(|(_, n)| *n).expect("listed")
    }

    /// Looks an item up by name, case-insensitively.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        StatusItem::ALL.iter().find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(name)).map(|(i, _)| *i)
    }
}

/// What a command does, with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandBody {
    /// `CAPABILITY` (§6.1.1)
    Capability,
    /// `NOOP` (§6.1.2)
    Noop,
    /// `LOGOUT` (§6.1.3)
    Logout,
    /// `STARTTLS` (§6.2.1)
    StartTls,
    /// `AUTHENTICATE auth-type [SP (base64 / "=")]` (§6.2.2, RFC 4959 SASL-IR).
    Authenticate {
        /// The SASL mechanism.
        mechanism: AuthMechanism,
        /// The decoded initial response; `Some` of an empty value for `=`.
        initial_response: Option<Secret<Bytes>>,
    },
    /// `LOGIN userid password` (§6.2.3)
    Login {
        /// `userid = astring`
        username: AString,
        /// `password = astring`
        password: Secret<AString>,
    },
    /// `select = "SELECT" SP mailbox [select-params]` (§6.3.1, RFC 4466 §2.1, RFC 7162
    /// §3.1.8, §3.2.5); [`CommandBody::select`] builds one without parameters.
    Select {
        /// The mailbox.
        mailbox: Mailbox,
        /// `select-params = SP "(" select-param *(SP select-param) ")"`: `CONDSTORE`,
        /// `QRESYNC (...)`; empty without.
        params: Vec<SelectParam>,
    },
    /// `examine = "EXAMINE" SP mailbox [select-params]` (§6.3.2, RFC 4466 §2.1, RFC 7162);
    /// [`CommandBody::examine`] builds one without parameters.
    Examine {
        /// The mailbox.
        mailbox: Mailbox,
        /// `select-params`, as for [`CommandBody::Select`]; empty without.
        params: Vec<SelectParam>,
    },
    /// `CREATE mailbox` (§6.3.3)
    Create {
        /// The mailbox.
        mailbox: Mailbox,
        /// `(USE (...))` (RFC 6154 §3, CREATE-SPECIAL-USE): the special uses to give it;
        /// empty without.
        special_use: Vec<ListAttribute>,
    },
    /// `DELETE mailbox` (§6.3.4)
    Delete {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `RENAME mailbox mailbox` (§6.3.5)
    Rename {
        /// Existing name.
        from: Mailbox,
        /// New name.
        to: Mailbox,
    },
    /// `SUBSCRIBE mailbox` (§6.3.6)
    Subscribe {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `UNSUBSCRIBE mailbox` (§6.3.7)
    Unsubscribe {
        /// The mailbox.
        mailbox: Mailbox,
    },
    /// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP
    /// list-return-opts]` (§6.3.8; RFC 5258 §3, RFC 9051 §6.3.9). A plain RFC 3501 LIST
    /// is one pattern and `options: None` ([`CommandBody::list`]).
    List {
        /// Reference name.
        reference: Mailbox,
        /// `mbox-or-pat = list-mailbox / patterns`: patterns with wildcards; never empty.
        /// More than one is written `(p1 p2)` (RFC 5258 §3).
        patterns: Vec<ListMailbox>,
        /// Selection and return options (RFC 5258 §3); `None` for the RFC 3501 form.
        options: Option<ListOptions>,
    },
    /// `LSUB mailbox list-mailbox` (§6.3.9)
    Lsub {
        /// Reference name.
        reference: Mailbox,
        /// Pattern with wildcards.
        pattern: ListMailbox,
    },
    /// `STATUS mailbox (status-att ...)` (§6.3.10)
    Status {
        /// The mailbox.
        mailbox: Mailbox,
        /// Items asked for; never empty.
        items: Vec<StatusItem>,
    },
    /// `APPEND mailbox [flag-list] [date-time] literal` (§6.3.11, RFC 7888, RFC 3516).
    Append {
        /// Destination.
        mailbox: Mailbox,
        /// Flags to set; may be empty.
        flags: Vec<Flag>,
        /// Internal date to set.
        date: Option<DateTime>,
        /// The message.
        message: Literal,
    },
    /// `APPEND mailbox 1*append-message` with more than one message (MULTIAPPEND, RFC 3502
    /// §6) or a message built with `CATENATE` (RFC 4469 §3). Never empty. The parser gives
    /// [`CommandBody::Append`] for one message given whole.
    MultiAppend {
        /// Destination.
        mailbox: Mailbox,
        /// The messages, in order.
        messages: Vec<AppendMessage>,
    },
    /// `CHECK` (§6.4.1)
    Check,
    /// `CLOSE` (§6.4.2)
    Close,
    /// `EXPUNGE` (§6.4.3)
    Expunge,
    /// `UID EXPUNGE sequence-set` (RFC 4315)
    UidExpunge {
        /// UIDs to expunge.
        set: SequenceSet,
    },
    /// `UNSELECT` (RFC 3691)
    Unselect,
    /// `UNAUTHENTICATE` (RFC 8437 §2): back to the not authenticated state, valid in the
    /// authenticated and selected states.
    Unauthenticate,
    /// `[UID] SEARCH [RETURN (...)] [CHARSET astring] search-key *(SP search-key)`
    /// (§6.4.4; RETURN from RFC 4731)
    Search {
        /// `RETURN (...)` (RFC 4731 §3.1): answer with `ESEARCH`. `Some(vec![])` is
        /// `RETURN ()`, which means `ALL`.
        ret: Option<Vec<SearchReturn>>,
        /// `CHARSET` argument.
        charset: Option<AString>,
        /// Keys that must all match; never empty.
        criteria: Vec<SearchKey>,
        /// `UID SEARCH`.
        uid: bool,
    },
    /// `sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP
    /// search-criteria` (RFC 5256 §5; RETURN from RFC 5267 §3, ESORT).
    Sort {
        /// `RETURN (...)` (RFC 5267 §3): answer with `ESEARCH`, in sort order.
        ret: Option<Vec<SearchReturn>>,
        /// The sort criteria, most significant first; never empty.
        sort: Vec<SortCriterion>,
        /// The charset of the key strings (`search-criteria = charset 1*(SP
        /// search-key)`; required in SORT).
        charset: AString,
        /// Keys that must all match; never empty.
        criteria: Vec<SearchKey>,
        /// `UID SORT`.
        uid: bool,
    },
    /// `thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria` (RFC 5256 §5).
    Thread {
        /// The threading algorithm.
        algorithm: ThreadAlgorithm,
        /// The charset of the key strings (required).
        charset: AString,
        /// Keys that must all match; never empty.
        criteria: Vec<SearchKey>,
        /// `UID THREAD`.
        uid: bool,
    },
    /// `getmetadata = "GETMETADATA" [SP getmetadata-options] SP mailbox SP entries`,
    /// `entries = entry / "(" entry *(SP entry) ")"` (RFC 5464 §4.2); the empty mailbox
    /// name is the server.
    GetMetadata {
        /// MAXSIZE and DEPTH.
        options: MetadataOptions,
        /// The mailbox (`""`: the server's entries).
        mailbox: Mailbox,
        /// The entries asked for; never empty.
        entries: Vec<AString>,
    },
    /// `setmetadata = "SETMETADATA" SP mailbox SP entry-values` (RFC 5464 §4.3).
    SetMetadata {
        /// The mailbox (`""`: the server's entries).
        mailbox: Mailbox,
        /// The entries and their new values (`None`: remove it); never empty.
        entries: Vec<MetadataEntry>,
    },
    /// `getquota = "GETQUOTA" SP quota-root-name` (RFC 9208 §4.2)
    GetQuota {
        /// The quota root.
        root: AString,
    },
    /// `getquotaroot = "GETQUOTAROOT" SP mailbox` (RFC 9208 §4.3)
    GetQuotaRoot {
        /// The mailbox whose quota roots are asked for.
        mailbox: Mailbox,
    },
    /// `setquota = "SETQUOTA" SP quota-root-name SP setquota-list` (RFC 9208 §4.1)
    SetQuota {
        /// The quota root.
        root: AString,
        /// `setquota-resource = resource-name SP resource-limit`, in order; an empty
        /// list removes every limit.
        limits: Vec<(QuotaResource, u64)>,
    },
    /// `[UID] FETCH sequence-set (fetch-att ...) [fetch-modifiers]` (§6.4.5, RFC 4466
    /// §2.4)
    Fetch {
        /// Messages.
        set: SequenceSet,
        /// What to fetch.
        attributes: FetchAttributes,
        /// `UID FETCH`.
        uid: bool,
        /// `fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"`; empty
        /// without.
        modifiers: Vec<FetchModifier>,
    },
    /// `[UID] STORE sequence-set [store-modifiers] SP store-att-flags` (§6.4.6, RFC 4466
    /// §2.5)
    Store {
        /// Messages.
        set: SequenceSet,
        /// `store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer` (RFC 7162 §3.2):
        /// change only the messages whose mod-sequence is at most this; the others are
        /// reported in `[MODIFIED ...]`.
        unchanged_since: Option<u64>,
        /// Replace, add or remove.
        kind: StoreKind,
        /// `.SILENT`: no untagged FETCH in reply.
        silent: bool,
        /// The flags; may be empty.
        flags: Vec<Flag>,
        /// `UID STORE`.
        uid: bool,
    },
    /// `[UID] COPY sequence-set mailbox` (§6.4.7)
    Copy {
        /// Messages.
        set: SequenceSet,
        /// Destination.
        mailbox: Mailbox,
        /// `UID COPY`.
        uid: bool,
    },
    /// `[UID] MOVE sequence-set mailbox` (RFC 6851)
    Move {
        /// Messages.
        set: SequenceSet,
        /// Destination.
        mailbox: Mailbox,
        /// `UID MOVE`.
        uid: bool,
    },
    /// `IDLE` (RFC 2177); the client ends it with `DONE`.
    Idle,
    /// `CANCELUPDATE 1*(SP quoted)` (RFC 5267 §4.3.5): stop reporting changes to the
    /// results of the searches with these tags.
    CancelUpdate {
        /// The searches' tags; never empty.
        tags: Vec<IString>,
    },
    /// `compress = "COMPRESS" SP algorithm` with `algorithm = "DEFLATE"` (RFC 4978 §5):
    /// compress both directions from the tagged OK on. Any atom is kept, so that a
    /// server can answer an unknown mechanism with BAD (§3).
    Compress {
        /// The mechanism; `DEFLATE` is the only one defined.
        algorithm: super::Atom,
    },
    /// `resetkey = "RESETKEY" [SP mailbox *(SP mechanism)]` (RFC 4467 §9): a new access
    /// key for the mailbox (for INTERNAL, or the mechanisms named), or, without a mailbox,
    /// all keys removed.
    ResetKey {
        /// The mailbox; `None` removes every key of the user.
        mailbox: Option<Mailbox>,
        /// The mechanisms (only with a mailbox).
        mechanisms: Vec<super::Atom>,
    },
    /// `genurlauth = "GENURLAUTH" 1*(SP url-rump SP mechanism)` (RFC 4467 §9).
    GenUrlAuth {
        /// Each URL rump (`authimapurlrump`, as an astring) with its mechanism.
        urls: Vec<(IString, super::Atom)>,
    },
    /// `urlfetch = "URLFETCH" 1*(SP url-fetch-arg)` (RFC 4467 §9, as RFC 5524 §5
    /// extends it).
    UrlFetch {
        /// The URLs (`authimapurlfull`, or any IMAP URL, as astrings), each with the
        /// extended form's parameters if it has them.
        urls: Vec<super::UrlFetchArg>,
    },
    /// `ENABLE 1*(SP capability)` (RFC 5161)
    Enable {
        /// Extensions to enable; never empty.
        capabilities: Vec<Capability>,
    },
    /// `NOTIFY` (RFC 5465 §3)
    Notify(super::Notify),
    /// `NAMESPACE` (RFC 2342)
    Namespace,
    /// `ID ("(" *(string SP nstring) ")" / nil)` (RFC 2971)
    Id {
        /// Field/value pairs, or `None` for `NIL`.
        parameters: Option<Vec<(IString, NString)>>,
    },
    /// A command this crate does not ship, kept raw: the extension point (see
    /// [`RawCommand`] and the crate docs). The client sends it as it is; the server
    /// machine parses an unknown name to it only when the name is registered.
    Raw(RawCommand),
}

impl CommandBody {
    /// Every mailbox name and LIST pattern the command carries, in place: how a server
    /// reads the names of a client that speaks UTF-8 names ([`Mailbox::from_utf8_peer`]).
    pub fn map_mailboxes(
        &mut self,
        f: &mut dyn FnMut(Mailbox) -> Mailbox,
        g: &mut dyn FnMut(ListMailbox) -> ListMailbox,
    ) {
        use CommandBody::*;
        let mut one = |m: &mut Mailbox| *m = f(std::mem::replace(m, Mailbox::Inbox));
        match self {
            Select { mailbox, .. }
            | Examine { mailbox, .. }
            | Create { mailbox, .. }
            | Delete { mailbox }
            | Subscribe { mailbox }
            | Unsubscribe { mailbox }
            | Status { mailbox, .. }
            | Append { mailbox, .. }
            | MultiAppend { mailbox, .. }
            | Copy { mailbox, .. }
            | Move { mailbox, .. } => one(mailbox),
            Rename { from, to } => {
                one(from);
                one(to);
            }
            List { reference, patterns, .. } => {
                one(reference);
                for pattern in patterns {
                    let p = std::mem::replace(pattern, ListMailbox::from_wire(IString::from_static("")));
                    *pattern = g(p);
                }
            }
            Lsub { reference, pattern } => {
                one(reference);
                let p = std::mem::replace(pattern, ListMailbox::from_wire(IString::from_static("")));
                *pattern = g(p);
            }
            _ => {}
        }
    }

    /// A plain `SELECT mailbox` (RFC 3501 §6.3.1), without parameters.
    pub fn select(mailbox: Mailbox) -> CommandBody {
        CommandBody::Select { mailbox, params: Vec::new() }
    }

    /// A plain `EXAMINE mailbox` (RFC 3501 §6.3.2), without parameters.
    pub fn examine(mailbox: Mailbox) -> CommandBody {
        CommandBody::Examine { mailbox, params: Vec::new() }
    }

    /// A plain `LIST reference pattern` (RFC 3501 §6.3.8).
    pub fn list(reference: Mailbox, pattern: ListMailbox) -> CommandBody {
        CommandBody::List { reference, patterns: vec![pattern], options: None }
    }

    /// `[UID] SORT (sort) UTF-8 criteria` (RFC 5256), without RETURN.
    pub fn sort(sort: Vec<SortCriterion>, criteria: Vec<SearchKey>, uid: bool) -> CommandBody {
        CommandBody::Sort { ret: None, sort, charset: IString::from_static("UTF-8"), criteria, uid }
    }

    /// `[UID] THREAD algorithm UTF-8 criteria` (RFC 5256).
    pub fn thread(algorithm: ThreadAlgorithm, criteria: Vec<SearchKey>, uid: bool) -> CommandBody {
        CommandBody::Thread { algorithm, charset: IString::from_static("UTF-8"), criteria, uid }
    }

    /// Whether the command is valid in `state` (RFC 3501 §6: "any state", "not
    /// authenticated", "authenticated" and "selected" commands).
    pub fn allowed_in(&self, state: super::State) -> bool {
        use super::State;
        use CommandBody::*;
        match self {
            // The server machine checks a raw command against its registration instead.
            Capability | Noop | Logout | Id { .. } | Raw(_) => state != State::Logout,
            StartTls | Login { .. } | Authenticate { .. } => state == State::NotAuthenticated,
            Select { .. }
            | Examine { .. }
            | Create { .. }
            | Delete { .. }
            | Rename { .. }
            | Subscribe { .. }
            | Unsubscribe { .. }
            | List { .. }
            | Lsub { .. }
            | Status { .. }
            | Append { .. }
            | MultiAppend { .. }
            | Idle
            | Enable { .. }
            | Compress { .. }
            | ResetKey { .. }
            | GenUrlAuth { .. }
            | UrlFetch { .. }
            | Notify(_)
            | GetQuota { .. }
            | GetMetadata { .. }
            | SetMetadata { .. }
            | GetQuotaRoot { .. }
            | SetQuota { .. }
            | Namespace
            | Unauthenticate => matches!(state, State::Authenticated | State::Selected),
            _ => state == State::Selected,
        }
    }

    /// The command name as written on the wire (`UID FETCH` for UID variants); `RAW` for
    /// [`CommandBody::Raw`], whose own name is [`RawCommand::name`].
    pub fn name(&self) -> &'static str {
        use CommandBody::*;
        match self {
            Capability => "CAPABILITY",
            Noop => "NOOP",
            Logout => "LOGOUT",
            StartTls => "STARTTLS",
            Authenticate { .. } => "AUTHENTICATE",
            Login { .. } => "LOGIN",
            Select { .. } => "SELECT",
            Examine { .. } => "EXAMINE",
            Create { .. } => "CREATE",
            Delete { .. } => "DELETE",
            Rename { .. } => "RENAME",
            Subscribe { .. } => "SUBSCRIBE",
            Unsubscribe { .. } => "UNSUBSCRIBE",
            List { .. } => "LIST",
            Lsub { .. } => "LSUB",
            Status { .. } => "STATUS",
            Append { .. } | MultiAppend { .. } => "APPEND",
            Check => "CHECK",
            Close => "CLOSE",
            Expunge => "EXPUNGE",
            UidExpunge { .. } => "UID EXPUNGE",
            Unselect => "UNSELECT",
            Unauthenticate => "UNAUTHENTICATE",
            Search { uid: false, .. } => "SEARCH",
            Search { uid: true, .. } => "UID SEARCH",
            Sort { uid: false, .. } => "SORT",
            Sort { uid: true, .. } => "UID SORT",
            Thread { uid: false, .. } => "THREAD",
            Thread { uid: true, .. } => "UID THREAD",
            GetQuota { .. } => "GETQUOTA",
            GetMetadata { .. } => "GETMETADATA",
            SetMetadata { .. } => "SETMETADATA",
            GetQuotaRoot { .. } => "GETQUOTAROOT",
            SetQuota { .. } => "SETQUOTA",
            Fetch { uid: false, .. } => "FETCH",
            Fetch { uid: true, .. } => "UID FETCH",
            Store { uid: false, .. } => "STORE",
            Store { uid: true, .. } => "UID STORE",
            Copy { uid: false, .. } => "COPY",
            Copy { uid: true, .. } => "UID COPY",
            Move { uid: false, .. } => "MOVE",
            Move { uid: true, .. } => "UID MOVE",
            Idle => "IDLE",
            CancelUpdate { .. } => "CANCELUPDATE",
            Enable { .. } => "ENABLE",
            Compress { .. } => "COMPRESS",
            ResetKey { .. } => "RESETKEY",
            GenUrlAuth { .. } => "GENURLAUTH",
            UrlFetch { .. } => "URLFETCH",
            Notify(_) => "NOTIFY",
            Namespace => "NAMESPACE",
            Id { .. } => "ID",
            Raw(_) => "RAW",
        }
    }
}
