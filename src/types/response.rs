//! Server responses (RFC 3501 §7 and the extensions of the README's matrix).
//!
//! ```
//! use imap_machine::types::{Code, Response, StatusKind, StatusResponse, Tag, Text};
//! let done = Response::Status {
//!     tag: Some(Tag::try_from("a1").unwrap()),
//!     status: StatusResponse::new(StatusKind::Ok, Some(Code::ReadWrite), Text::try_from("SELECT completed").unwrap()),
//! };
//! assert!(done.is_tagged());
//! ```

use std::fmt;
use std::num::NonZeroU32;

use bytes::Bytes;

use super::{
    AString, Atom, BodyStructure, Capability, DateTime, Envelope, Flag, IString, Mailbox, MetadataCode, MetadataItems,
    NString, ObjectId, QuotaUsage, SearchResult, Section, SequenceSet, StatusItem, Tag, Thread, ValidationError,
};

/// A response line (with its literals): `response-data`, `response-tagged`,
/// `response-fatal`, `greeting` or `continue-req`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// A status response: tagged (`tag` is `Some`), or untagged OK/NO/BAD/PREAUTH/BYE,
    /// which includes the greeting.
    Status {
        /// The tag of the completed command; `None` for `*`.
        tag: Option<Tag>,
        /// The status.
        status: StatusResponse,
    },
    /// Untagged data: `"*" SP (mailbox-data / message-data / capability-data / ...)`.
    Data(Data),
    /// `continue-req = "+" SP (resp-text / base64)`.
    Continue(Continue),
}

impl Response {
    /// Whether this is a tagged status response.
    pub fn is_tagged(&self) -> bool {
        matches!(self, Response::Status { tag: Some(_), .. })
    }
}

/// `resp-cond-state`, `resp-cond-auth` and `resp-cond-bye` keywords.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusKind {
    /// `OK`
    Ok,
    /// `NO`
    No,
    /// `BAD`
    Bad,
    /// `PREAUTH` (greeting only)
    PreAuth,
    /// `BYE`
    Bye,
}

impl StatusKind {
    /// The wire keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Ok => "OK",
            StatusKind::No => "NO",
            StatusKind::Bad => "BAD",
            StatusKind::PreAuth => "PREAUTH",
            StatusKind::Bye => "BYE",
        }
    }
}

/// A status and its `resp-text = ["[" resp-text-code "]" SP] text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusResponse {
    /// OK, NO, BAD, PREAUTH or BYE.
    pub kind: StatusKind,
    /// The response code, if any.
    pub code: Option<Code>,
    /// The human-readable text.
    pub text: Text,
}

impl StatusResponse {
    /// A status from its parts.
    pub fn new(kind: StatusKind, code: Option<Code>, text: Text) -> Self {
        StatusResponse { kind, code, text }
    }
}

/// `text = 1*TEXT-CHAR`: human-readable text, no CR or LF.
///
/// The parser also accepts an empty text (servers that end the line after a response
/// code) and 8-bit bytes; [`Text::try_from`] accepts what a strict peer takes: non-empty,
/// no CR, LF or NUL.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Text(Bytes);

impl Text {
    pub(crate) fn unvalidated(b: Bytes) -> Self {
        Text(b)
    }

    /// The text bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The text as UTF-8, falling back to Windows-1252 for 8-bit text that isn't UTF-8.
    pub fn to_text(&self) -> std::borrow::Cow<'_, str> {
        super::decode_text(&self.0)
    }

    /// Whether the text is empty (only a lenient parse makes one).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<&str> for Text {
    type Error = ValidationError;
    fn try_from(s: &str) -> Result<Self, ValidationError> {
        Text::try_from(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl TryFrom<Bytes> for Text {
    type Error = ValidationError;
    fn try_from(b: Bytes) -> Result<Self, ValidationError> {
        if b.is_empty() || b.iter().any(|&c| c == b'\r' || c == b'\n' || c == 0) || ends_like_literal(&b) {
            Err(ValidationError::Text)
        } else {
            Ok(Text(b))
        }
    }
}

/// Whether a line ending in these bytes would announce a literal (`{5}`, `{5+}`): such text
/// would make the peer wait for bytes that never come.
pub(crate) fn ends_like_literal(b: &[u8]) -> bool {
    let Some(body) = b.strip_suffix(b"}") else { return false };
    let body = body.strip_suffix(b"+").unwrap_or(body);
    let digits = body.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && body[..body.len() - digits].ends_with(b"{")
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Text({:?})", self.to_text())
    }
}

/// `resp-text-code`: the machine-readable part of a status.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code {
    /// `ALERT`
    Alert,
    /// `BADCHARSET [SP "(" astring *(SP astring) ")"]`
    BadCharset(Vec<AString>),
    /// `capability-data`
    Capability(Vec<Capability>),
    /// `PARSE`
    Parse,
    /// `PERMANENTFLAGS SP "(" [flag-perm *(SP flag-perm)] ")"`
    PermanentFlags(Vec<FlagPerm>),
    /// `READ-ONLY`
    ReadOnly,
    /// `READ-WRITE`
    ReadWrite,
    /// `TRYCREATE`
    TryCreate,
    /// `UIDNEXT SP nz-number`
    UidNext(u32),
    /// `UIDVALIDITY SP nz-number` (0 from broken servers is kept as 0)
    UidValidity(u32),
    /// `UNSEEN SP nz-number`
    Unseen(u32),
    /// `APPENDUID SP nz-number SP append-uid` (RFC 4315)
    AppendUid {
        /// UIDVALIDITY of the destination.
        uid_validity: u32,
        /// The new UIDs.
        uids: SequenceSet,
    },
    /// `COPYUID SP nz-number SP uid-set SP uid-set` (RFC 4315)
    CopyUid {
        /// UIDVALIDITY of the destination.
        uid_validity: u32,
        /// Source UIDs.
        source: SequenceSet,
        /// Destination UIDs, in the same order.
        destination: SequenceSet,
    },
    /// `UIDNOTSTICKY` (RFC 4315)
    UidNotSticky,
    /// `NOTIFICATIONOVERFLOW` (RFC 5465 §5.8): the server stopped sending events.
    NotificationOverflow,
    /// `BADEVENT SP "(" event-name *(SP event-name) ")"` (RFC 5465 §8): the events it
    /// does not serve.
    BadEvent(Vec<Atom>),
    /// `TOOBIG` (RFC 7889)
    TooBig,
    /// `BADURL SP url-resp-text` (RFC 4469 §4.1): the first URL of a CATENATE APPEND that
    /// failed; `url-resp-text = 1*(TEXT-CHAR except "]")`, kept as sent.
    BadUrl(Bytes),
    /// `USEATTR` (RFC 6154 §6): a special-use attribute the server does not support.
    UseAttr,
    /// `COMPRESSIONACTIVE` (RFC 4978 §3): the connection is compressed already.
    CompressionActive,
    /// `"URLMECH" SP "INTERNAL" *(SP mechanism ["=" base64])` (RFC 4467 §8): the URL
    /// authorization mechanisms of a mailbox, INTERNAL first.
    UrlMech(Vec<super::UrlMech>),
    /// `HIGHESTMODSEQ SP mod-sequence-value` (RFC 7162)
    HighestModSeq(u64),
    /// `NOMODSEQ` (RFC 7162)
    NoModSeq,
    /// `CLOSED` (RFC 7162 §3.2.11): the previously selected mailbox is now closed.
    Closed,
    /// `"MODIFIED" SP sequence-set` (RFC 7162 §3.1.3): the messages a conditional STORE
    /// left alone (numbers, or UIDs for UID STORE).
    Modified(SequenceSet),
    /// `NOUPDATE "tag"` (RFC 5267 §4.3.1): the server will not keep the search `tag`
    /// up to date.
    NoUpdate(IString),
    /// `MAILBOXID SP "(" objectid ")"` (RFC 8474 §4.1): on CREATE and SELECT/EXAMINE.
    MailboxId(ObjectId),
    /// `METADATA (LONGENTRIES n / MAXSIZE n / TOOMANY / NOPRIVATE)` (RFC 5464 §5).
    Metadata(MetadataCode),
    /// One of the RFC 5530 codes without arguments.
    Rfc5530(Rfc5530Code),
    /// Any other code: `atom [SP 1*<any TEXT-CHAR except "]">]`, kept raw.
    Other {
        /// The code name.
        name: Atom,
        /// Its argument text, if any.
        value: Option<Bytes>,
    },
}

macro_rules! rfc5530 {
    ($($v:ident = $n:literal,)*) => {
        /// The response codes of RFC 5530.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Rfc5530Code {
            $(#[doc = concat!("`", $n, "`")] $v,)*
        }

        impl Rfc5530Code {
            /// Every code with its name.
            pub const ALL: &'static [(Rfc5530Code, &'static str)] = &[$((Rfc5530Code::$v, $n),)*];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Rfc5530Code::$v => $n,)* }
            }
        }
    };
}

rfc5530! {
    Unavailable = "UNAVAILABLE",
    AuthenticationFailed = "AUTHENTICATIONFAILED",
    AuthorizationFailed = "AUTHORIZATIONFAILED",
    Expired = "EXPIRED",
    PrivacyRequired = "PRIVACYREQUIRED",
    ContactAdmin = "CONTACTADMIN",
    NoPerm = "NOPERM",
    InUse = "INUSE",
    ExpungeIssued = "EXPUNGEISSUED",
    Corruption = "CORRUPTION",
    ServerBug = "SERVERBUG",
    ClientBug = "CLIENTBUG",
    Cannot = "CANNOT",
    Limit = "LIMIT",
    OverQuota = "OVERQUOTA",
    AlreadyExists = "ALREADYEXISTS",
    NonExistent = "NONEXISTENT",
}

/// `flag-perm = flag / "\*"`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlagPerm {
    /// A flag that can be changed permanently.
    Flag(Flag),
    /// `\*`: new keywords can be created.
    Wildcard,
}

/// `flag-fetch = flag / "\Recent"`
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FlagFetch {
    /// A flag.
    Flag(Flag),
    /// `\Recent`
    Recent,
}

/// `continue-req = "+" SP (resp-text / base64) CRLF`
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Continue {
    /// Text, possibly empty, with an optional code.
    Basic {
        /// Response code.
        code: Option<Code>,
        /// Text (empty for a bare `+`).
        text: Text,
    },
    /// A SASL challenge, decoded. Never empty (an empty challenge is `Basic`).
    Base64(Bytes),
}

/// `mbx-list-flags` and the RFC 5258 / RFC 6154 attributes of a LIST response.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ListAttribute {
    /// `\Noinferiors`
    NoInferiors,
    /// `\Noselect`
    NoSelect,
    /// `\Marked`
    Marked,
    /// `\Unmarked`
    Unmarked,
    /// `\HasChildren` (RFC 3348)
    HasChildren,
    /// `\HasNoChildren` (RFC 3348)
    HasNoChildren,
    /// `\NonExistent` (RFC 5258)
    NonExistent,
    /// `\Subscribed` (RFC 5258)
    Subscribed,
    /// `\Remote` (RFC 5258)
    Remote,
    /// `\All` (RFC 6154)
    All,
    /// `\Archive` (RFC 6154)
    Archive,
    /// `\Drafts` (RFC 6154)
    Drafts,
    /// `\Flagged` (RFC 6154)
    Flagged,
    /// `\Junk` (RFC 6154)
    Junk,
    /// `\Sent` (RFC 6154)
    Sent,
    /// `\Trash` (RFC 6154)
    Trash,
    /// Any other `\atom` (without the backslash), or a bare atom.
    Extension(Atom),
}

impl ListAttribute {
    /// Whether this is one of RFC 6154 §2's special uses (`\\All` to `\\Trash`).
    pub fn is_special_use(&self) -> bool {
        matches!(
            self,
            ListAttribute::All
                | ListAttribute::Archive
                | ListAttribute::Drafts
                | ListAttribute::Flagged
                | ListAttribute::Junk
                | ListAttribute::Sent
                | ListAttribute::Trash
        )
    }

    /// Every named attribute with its wire spelling.
    pub const NAMED: [(ListAttribute, &'static str); 16] = [
        (ListAttribute::NoInferiors, "\\Noinferiors"),
        (ListAttribute::NoSelect, "\\Noselect"),
        (ListAttribute::Marked, "\\Marked"),
        (ListAttribute::Unmarked, "\\Unmarked"),
        (ListAttribute::HasChildren, "\\HasChildren"),
        (ListAttribute::HasNoChildren, "\\HasNoChildren"),
        (ListAttribute::NonExistent, "\\NonExistent"),
        (ListAttribute::Subscribed, "\\Subscribed"),
        (ListAttribute::Remote, "\\Remote"),
        (ListAttribute::All, "\\All"),
        (ListAttribute::Archive, "\\Archive"),
        (ListAttribute::Drafts, "\\Drafts"),
        (ListAttribute::Flagged, "\\Flagged"),
        (ListAttribute::Junk, "\\Junk"),
        (ListAttribute::Sent, "\\Sent"),
        (ListAttribute::Trash, "\\Trash"),
    ];
}

/// The body of a LIST or LSUB response:
/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
/// [SP mbox-list-extended]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem {
    /// Name attributes.
    pub attributes: Vec<ListAttribute>,
    /// Hierarchy delimiter; `None` for NIL (a flat namespace).
    pub delimiter: Option<char>,
    /// The mailbox.
    pub mailbox: Mailbox,
    /// `mbox-list-extended = "(" [mbox-list-extended-item *(SP
    /// mbox-list-extended-item)] ")"` (RFC 5258 §6): `CHILDINFO`, `OLDNAME` and others;
    /// empty when absent.
    pub extended: Vec<super::ListExtendedItem>,
}

/// One namespace: `"(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) *(Namespace-Response-
/// Extension) ")"` (RFC 2342).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceDescription {
    /// The prefix.
    pub prefix: IString,
    /// The hierarchy delimiter.
    pub delimiter: Option<char>,
    /// Namespace response extensions, kept raw (each with its leading SP).
    pub extensions: Option<Bytes>,
}

/// Untagged data.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Data {
    /// `capability-data = "CAPABILITY" *(SP capability)`
    Capability(Vec<Capability>),
    /// `"LIST" SP mailbox-list`
    List(ListItem),
    /// `"LSUB" SP mailbox-list`
    Lsub(ListItem),
    /// `"STATUS" SP mailbox SP "(" [status-att-list] ")"`
    Status {
        /// The mailbox.
        mailbox: Mailbox,
        /// Item values.
        items: Vec<(StatusItem, u64)>,
        /// `"MAILBOXID" SP "(" objectid ")"` (RFC 8474 §4.2), sent after the other items.
        mailbox_id: Option<ObjectId>,
    },
    /// `"SEARCH" *(SP nz-number)`, with RFC 7162's `(MODSEQ n)`.
    Search {
        /// Matching numbers.
        ids: Vec<u32>,
        /// Highest mod-sequence of the matches (CONDSTORE).
        modseq: Option<u64>,
    },
    /// `metadata-resp = "METADATA" SP mailbox SP (entry-values / entry-list)` (RFC 5464
    /// §4.4); the empty mailbox name is the server.
    Metadata {
        /// The mailbox.
        mailbox: Mailbox,
        /// Entries with values, or (unsolicited) the names of entries that changed.
        items: MetadataItems,
    },
    /// `genurlauth-data = "*" SP "GENURLAUTH" 1*(SP url-full)` (RFC 4467 §9): the
    /// authorized URLs, in the order asked.
    GenUrlAuth(Vec<IString>),
    /// `urlfetch-data = "*" SP "URLFETCH" 1*(SP url-full SP (nstring / url-ext))`
    /// (RFC 4467 §9, RFC 5524 §5): each URL with its answer, NIL for a URL that does
    /// not resolve.
    UrlFetch(Vec<(IString, super::UrlFetchData)>),
    /// `quota-response = "QUOTA" SP quota-root-name SP quota-list` (RFC 9208 §4.2,
    /// §7).
    Quota {
        /// The quota root.
        root: IString,
        /// Its resources, with usage and limit.
        resources: Vec<QuotaUsage>,
    },
    /// `quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)` (RFC 9208
    /// §4.3).
    QuotaRoot {
        /// The mailbox asked about.
        mailbox: Mailbox,
        /// Its quota roots (none: no quota applies).
        roots: Vec<IString>,
    },
    /// `sort-data = "SORT" *(SP nz-number)` (RFC 5256 §5), with RFC 7162's `SP "("
    /// "MODSEQ" SP mod-sequence-value ")"` (§3.1.5).
    Sort {
        /// The matching numbers, in sort order.
        ids: Vec<u32>,
        /// Highest mod-sequence of the matches (CONDSTORE).
        modseq: Option<u64>,
    },
    /// `thread-data = "THREAD" [SP 1*thread-list]` (RFC 5256 §5): the threads, in order.
    Thread(Vec<Thread>),
    /// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP
    /// search-return-data)` (RFC 4731 §3.1), with `search-correlator = SP "(" "TAG" SP
    /// tag-string ")"`.
    ESearch {
        /// The tag of the command it answers.
        tag: Option<IString>,
        /// The numbers are UIDs.
        uid: bool,
        /// The results, in the order sent.
        results: Vec<SearchResult>,
    },
    /// `"FLAGS" SP flag-list`
    Flags(Vec<Flag>),
    /// `number SP "EXISTS"`
    Exists(u32),
    /// `number SP "RECENT"`
    Recent(u32),
    /// `nz-number SP "EXPUNGE"`
    Expunge(NonZeroU32),
    /// `nz-number SP "FETCH" SP msg-att`
    Fetch {
        /// Message sequence number.
        seq: NonZeroU32,
        /// The items, in order; never empty.
        items: Vec<FetchItem>,
    },
    /// `expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids` (RFC 7162 §3.2.10):
    /// UIDs expunged from the selected mailbox.
    Vanished {
        /// `(EARLIER)`: an answer to a UID FETCH VANISHED or SELECT QRESYNC about
        /// messages expunged before; it does not change the message count. Without it,
        /// it is what `EXPUNGE` is for a client that enabled QRESYNC.
        earlier: bool,
        /// `known-uids`: the expunged UIDs.
        uids: SequenceSet,
    },
    /// `"ENABLED" *(SP capability)` (RFC 5161)
    Enabled(Vec<Capability>),
    /// `"NAMESPACE" SP namespace SP namespace SP namespace` (RFC 2342); `None` is NIL.
    Namespace {
        /// Personal namespaces.
        personal: Option<Vec<NamespaceDescription>>,
        /// Other users' namespaces.
        other: Option<Vec<NamespaceDescription>>,
        /// Shared namespaces.
        shared: Option<Vec<NamespaceDescription>>,
    },
    /// `"ID" SP id-params-list` (RFC 2971)
    Id(Option<Vec<(IString, NString)>>),
    /// Any other untagged data, kept raw: `[number SP] atom [SP rest]`.
    Other {
        /// The leading number (`* 3 XYZ ...`), if any.
        number: Option<u32>,
        /// The response name.
        name: Atom,
        /// Everything after the name and its SP, up to (not including) the CRLF.
        rest: Option<Bytes>,
    },
}

impl Data {
    /// Every mailbox name the data carries, in place: how a client reads the names of a
    /// server that speaks UTF-8 names ([`Mailbox::from_utf8_peer`]).
    pub fn map_mailboxes(&mut self, f: &mut dyn FnMut(Mailbox) -> Mailbox) {
        let mut one = |m: &mut Mailbox| *m = f(std::mem::replace(m, Mailbox::Inbox));
        match self {
            Data::List(item) | Data::Lsub(item) => one(&mut item.mailbox),
            Data::Status { mailbox, .. } => one(mailbox),
            _ => {}
        }
    }
}

/// `msg-att-dynamic / msg-att-static`: one item of a FETCH response.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchItem {
    /// `"FLAGS" SP "(" [flag-fetch *(SP flag-fetch)] ")"`
    Flags(Vec<FlagFetch>),
    /// `"INTERNALDATE" SP date-time`
    InternalDate(DateTime),
    /// `"RFC822.SIZE" SP number`
    Rfc822Size(u32),
    /// `"UID" SP uniqueid`
    Uid(u32),
    /// `"ENVELOPE" SP envelope`
    Envelope(Box<Envelope>),
    /// `"BODY" SP body` (no extension data)
    Body(Box<BodyStructure>),
    /// `"BODYSTRUCTURE" SP body`
    BodyStructure(Box<BodyStructure>),
    /// `"BODY" section ["<" number ">"] SP nstring`
    BodySection {
        /// The section.
        section: Section,
        /// The origin octet of a partial fetch.
        origin: Option<u32>,
        /// The data, a zero-copy slice of the response.
        data: NString,
    },
    /// `"RFC822" SP nstring`
    Rfc822(NString),
    /// `"RFC822.HEADER" SP nstring`
    Rfc822Header(NString),
    /// `"RFC822.TEXT" SP nstring`
    Rfc822Text(NString),
    /// `"BINARY" section-binary ["<" number ">"] SP (nstring / literal8)` (RFC 3516)
    Binary {
        /// `section-part`
        part: Vec<NonZeroU32>,
        /// The origin octet of a partial fetch.
        origin: Option<u32>,
        /// Decoded content; may hold any byte.
        data: Option<Bytes>,
    },
    /// `"BINARY.SIZE" section-binary SP number` (RFC 3516)
    BinarySize {
        /// `section-part`
        part: Vec<NonZeroU32>,
        /// Decoded size.
        size: u32,
    },
    /// `"MODSEQ" SP "(" mod-sequence-value ")"` (RFC 7162)
    ModSeq(u64),
    /// `"SAVEDATE" SP (date-time / nil)` (RFC 8514 §5); `None` for NIL (the mailbox
    /// keeps no save dates).
    SaveDate(Option<DateTime>),
    /// `"PREVIEW" SP nstring` (RFC 8970 §6); NIL: not at hand (a `LAZY` fetch).
    Preview(NString),
    /// `"EMAILID" SP "(" objectid ")"` (RFC 8474 §7)
    EmailId(ObjectId),
    /// `"THREADID" SP ("(" objectid ")" / nil)` (RFC 8474 §7); `None`: no thread.
    ThreadId(Option<ObjectId>),
    /// `X-GM-MSGID` (Gmail)
    GmailMessageId(u64),
    /// `X-GM-THRID` (Gmail)
    GmailThreadId(u64),
    /// `X-GM-LABELS` (Gmail): astrings, system labels like `\Inbox` included.
    GmailLabels(Vec<AString>),
    /// Any other item, kept raw: its name and its value's bytes.
    Other {
        /// Item name (may include a `[section]`).
        name: Bytes,
        /// The value, exactly as sent.
        value: Bytes,
    },
}
