//! Capabilities and SASL mechanisms (RFC 3501 §6.1.1, §7.2.1 and the extensions' RFCs).
//!
//! Well-known names are typed; any other name is kept as an [`Atom`] so nothing is lost.
//! Names compare case-insensitively and encode in canonical upper case.
//!
//! ```
//! use imap_machine::types::{Atom, AuthMechanism, Capability};
//! assert_eq!(Capability::from(Atom::from_static("idle")), Capability::Idle);
//! assert_eq!(Capability::from(Atom::from_static("AUTH=plain")),
//!            Capability::Auth(AuthMechanism::Plain));
//! assert_eq!(Capability::from(Atom::from_static("X-FOO")).to_string(), "X-FOO");
//! ```

use std::fmt;

use super::Atom;

/// A SASL mechanism name (`auth-type = atom`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuthMechanism {
    /// `PLAIN` (RFC 4616)
    Plain,
    /// `LOGIN` (draft-murchison-sasl-login)
    Login,
    /// `XOAUTH2` (Google, Microsoft)
    XOAuth2,
    /// `OAUTHBEARER` (RFC 7628)
    OAuthBearer,
    /// `SCRAM-SHA-1` (RFC 5802)
    ScramSha1,
    /// `SCRAM-SHA-256` (RFC 7677)
    ScramSha256,
    /// `EXTERNAL` (RFC 4422)
    External,
    /// `ANONYMOUS` (RFC 4505)
    Anonymous,
    /// Any other mechanism, in upper case.
    Other(Atom),
}

const MECHANISMS: &[(&str, AuthMechanism)] = &[
    ("PLAIN", AuthMechanism::Plain),
    ("LOGIN", AuthMechanism::Login),
    ("XOAUTH2", AuthMechanism::XOAuth2),
    ("OAUTHBEARER", AuthMechanism::OAuthBearer),
    ("SCRAM-SHA-1", AuthMechanism::ScramSha1),
    ("SCRAM-SHA-256", AuthMechanism::ScramSha256),
    ("EXTERNAL", AuthMechanism::External),
    ("ANONYMOUS", AuthMechanism::Anonymous),
];

impl AuthMechanism {
    /// The canonical name.
    pub fn as_str(&self) -> &str {
        match self {
            AuthMechanism::Other(a) => a.as_str(),
            known => MECHANISMS.iter().find(|(_, m)| m == known).map(|(n, _)| *n).expect("listed"),
        }
    }
}

impl From<Atom> for AuthMechanism {
    fn from(a: Atom) -> Self {
        match MECHANISMS.iter().find(|(n, _)| a.eq_ignore_case(n)) {
            Some((_, m)) => m.clone(),
            None => AuthMechanism::Other(Atom::unvalidated(bytes::Bytes::from(a.as_str().to_ascii_uppercase()))),
        }
    }
}

impl fmt::Display for AuthMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! capabilities {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// A capability name (`capability = ("AUTH=" auth-type) / atom`).
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Capability {
            $($(#[$doc])* $variant,)*
            /// `AUTH=<mechanism>`
            Auth(AuthMechanism),
            /// `APPENDLIMIT` or `APPENDLIMIT=<n>` (RFC 7889)
            AppendLimit(Option<u32>),
            /// Any other capability, kept as sent.
            Other(Atom),
        }

        const NAMES: &[(&str, Capability)] = &[$(($name, Capability::$variant),)*];
    };
}

capabilities! {
    /// `IMAP4rev1` (RFC 3501)
    Imap4rev1 = "IMAP4REV1",
    /// `IMAP4rev2` (RFC 9051)
    Imap4rev2 = "IMAP4REV2",
    /// `STARTTLS`
    StartTls = "STARTTLS",
    /// `LOGINDISABLED`
    LoginDisabled = "LOGINDISABLED",
    /// `SASL-IR` (RFC 4959)
    SaslIr = "SASL-IR",
    /// `IDLE` (RFC 2177)
    Idle = "IDLE",
    /// `LITERAL+` (RFC 7888)
    LiteralPlus = "LITERAL+",
    /// `LITERAL-` (RFC 7888)
    LiteralMinus = "LITERAL-",
    /// `MOVE` (RFC 6851)
    Move = "MOVE",
    /// `UIDPLUS` (RFC 4315)
    UidPlus = "UIDPLUS",
    /// `UNSELECT` (RFC 3691)
    Unselect = "UNSELECT",
    /// `ENABLE` (RFC 5161)
    Enable = "ENABLE",
    /// `NAMESPACE` (RFC 2342)
    Namespace = "NAMESPACE",
    /// `ID` (RFC 2971)
    Id = "ID",
    /// `BINARY` (RFC 3516)
    Binary = "BINARY",
    /// `CHILDREN` (RFC 3348)
    Children = "CHILDREN",
    /// `CONDSTORE` (RFC 7162)
    CondStore = "CONDSTORE",
    /// `QRESYNC` (RFC 7162)
    QResync = "QRESYNC",
    /// `NOTIFY` (RFC 5465)
    Notify = "NOTIFY",
    /// `ESEARCH` (RFC 4731)
    ESearch = "ESEARCH",
    /// `SEARCHRES` (RFC 5182)
    SearchRes = "SEARCHRES",
    /// `WITHIN` (RFC 5032)
    Within = "WITHIN",
    /// `UNAUTHENTICATE` (RFC 8437 §2)
    Unauthenticate = "UNAUTHENTICATE",
    /// `STATUS=SIZE` (RFC 8438 §2): the `SIZE` status item.
    StatusSize = "STATUS=SIZE",
    /// `SAVEDATE` (RFC 8514)
    SaveDate = "SAVEDATE",
    /// `PREVIEW` (RFC 8970)
    Preview = "PREVIEW",
    /// `OBJECTID` (RFC 8474)
    ObjectId = "OBJECTID",
    /// `SPECIAL-USE` (RFC 6154)
    SpecialUse = "SPECIAL-USE",
    /// `CREATE-SPECIAL-USE` (RFC 6154 §3)
    CreateSpecialUse = "CREATE-SPECIAL-USE",
    /// `CONTEXT=SEARCH` (RFC 5267 §4)
    ContextSearch = "CONTEXT=SEARCH",
    /// `PARTIAL` (RFC 9394)
    Partial = "PARTIAL",
    /// `LIST-EXTENDED` (RFC 5258)
    ListExtended = "LIST-EXTENDED",
    /// `LIST-STATUS` (RFC 5819)
    ListStatus = "LIST-STATUS",
    /// `QUOTA` (RFC 9208)
    Quota = "QUOTA",
    /// `UTF8=ACCEPT` (RFC 6855)
    Utf8Accept = "UTF8=ACCEPT",
    /// `COMPRESS=DEFLATE` (RFC 4978)
    CompressDeflate = "COMPRESS=DEFLATE",
    /// `LOGIN-REFERRALS` (RFC 2221)
    LoginReferrals = "LOGIN-REFERRALS",
    /// `MULTIAPPEND` (RFC 3502)
    MultiAppend = "MULTIAPPEND",
    /// `CATENATE` (RFC 4469)
    Catenate = "CATENATE",
    /// `METADATA` (RFC 5464): mailbox and server entries.
    Metadata = "METADATA",
    /// `METADATA-SERVER` (RFC 5464): server entries only.
    MetadataServer = "METADATA-SERVER",
    /// `SORT` (RFC 5256)
    Sort = "SORT",
    /// `SORT=DISPLAY` (RFC 5957): DISPLAYFROM and DISPLAYTO.
    SortDisplay = "SORT=DISPLAY",
    /// `THREAD=ORDEREDSUBJECT` (RFC 5256)
    ThreadOrderedSubject = "THREAD=ORDEREDSUBJECT",
    /// `THREAD=REFERENCES` (RFC 5256)
    ThreadReferences = "THREAD=REFERENCES",
    /// `ESORT` (RFC 5267 §3): RETURN options in SORT.
    ESort = "ESORT",
    /// `CONTEXT=SORT` (RFC 5267 §4)
    ContextSort = "CONTEXT=SORT",
    /// `I18NLEVEL=1` (RFC 5255 §4): `i;unicode-casemap` for SORT and THREAD.
    I18nLevel1 = "I18NLEVEL=1",
}

impl From<Atom> for Capability {
    fn from(a: Atom) -> Self {
        let s = a.as_str();
        if let Some((_, c)) = NAMES.iter().find(|(n, _)| s.eq_ignore_ascii_case(n)) {
            return c.clone();
        }
        if s.len() > 5 && s[..5].eq_ignore_ascii_case("AUTH=") {
            if let Ok(m) = Atom::try_from(a.to_bytes().slice(5..)) {
                return Capability::Auth(m.into());
            }
        }
        if s.eq_ignore_ascii_case("APPENDLIMIT") {
            return Capability::AppendLimit(None);
        }
        if s.len() > 12 && s[..12].eq_ignore_ascii_case("APPENDLIMIT=") {
            let digits = &s[12..];
            if digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0')) {
                if let Ok(n) = digits.parse() {
                    return Capability::AppendLimit(Some(n));
                }
            }
        }
        Capability::Other(a)
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capability::Auth(m) => write!(f, "AUTH={m}"),
            Capability::AppendLimit(None) => f.write_str("APPENDLIMIT"),
            Capability::AppendLimit(Some(n)) => write!(f, "APPENDLIMIT={n}"),
            Capability::Other(a) => f.write_str(a.as_str()),
            known => {
                let name = NAMES.iter().find(|(_, c)| c == known).map(|(n, _)| *n).expect("listed");
                // IMAP4rev1 is conventionally written in this mixed case.
                match name {
                    "IMAP4REV1" => f.write_str("IMAP4rev1"),
                    "IMAP4REV2" => f.write_str("IMAP4rev2"),
                    n => f.write_str(n),
                }
            }
        }
    }
}
