//! IMAP URLs (RFC 5092), with the URLAUTH parts of RFC 4467: what CATENATE (RFC 4469)
//! and URLFETCH take, parsed into their parts and written back.
//!
//! ```abnf
//! imapurl       = "imap://" iserver ipath-query
//! iserver       = [iuserinfo "@"] host [":" port]
//! iuserinfo     = enc-user [iauth] / [enc-user] iauth
//! iauth         = ";AUTH=" ("*" / enc-auth-type)
//! ipath-query   = ["/" [imessagelist / imessagepart [iurlauth]]]
//! imessagelist  = imailbox-ref ["?" enc-search]
//! imessagepart  = imailbox-ref iuid [isection] [ipartial]
//! imailbox-ref  = enc-mailbox [";UIDVALIDITY=" nz-number]
//! iuid          = "/;UID=" nz-number
//! isection      = "/;SECTION=" enc-section
//! ipartial      = "/;PARTIAL=" partial-range
//! partial-range = number ["." nz-number]
//! iurlauth      = [";EXPIRE=" date-time] ";URLAUTH=" access [":" mechanism ":" enc-urlauth]
//! access        = ("submit+" enc-user) / ("user+" enc-user) / "authuser" / "anonymous"
//! ```
//!
//! Parameter names are read in any case, and `enc-*` parts are percent-decoded to UTF-8
//! (RFC 5092 §3.2: a mailbox name is UTF-8 here, not modified UTF-7). [`fmt::Display`]
//! writes a URL back with every octet outside its part's character set percent-encoded,
//! so `ImapUrl::parse(&url.to_string()) == Ok(url)`.
//!
//! ```
//! use imap_machine::types::{ImapUrl, UrlAccess};
//! let u = ImapUrl::parse(
//!     "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038",
//! )
//! .unwrap();
//! assert_eq!((u.user.as_deref(), u.mailbox.as_deref(), u.uid), (Some("joe"), Some("INBOX"), Some(20)));
//! assert_eq!(u.urlauth.unwrap().access, UrlAccess::Submit("fred".into()));
//! ```

use std::fmt;

use super::DateTime;

/// Why a text is not an IMAP URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    /// It does not start with `imap://` (or, for a path, with `/`).
    #[error("not an imap:// URL")]
    Scheme,
    /// A `%` not followed by two hex digits, or octets that are not UTF-8.
    #[error("bad percent-encoding")]
    Encoding,
    /// A number (port, UID, UIDVALIDITY, partial range) that is not one.
    #[error("bad number in URL")]
    Number,
    /// An `;EXPIRE=` that is not an RFC 3339 date-time.
    #[error("bad ;EXPIRE= date-time")]
    Expire,
    /// An access identifier other than `submit+`, `user+`, `authuser`, `anonymous`.
    #[error("bad ;URLAUTH= access identifier")]
    Access,
    /// Anything else out of place.
    #[error("malformed IMAP URL")]
    Syntax,
}

/// `access` (RFC 4467 §3): who may fetch a URLAUTH URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UrlAccess {
    /// `submit+` enc-user: a message submission entity acting for the user.
    Submit(String),
    /// `user+` enc-user: that user.
    User(String),
    /// `authuser`: any logged-in user of the server.
    AuthUser,
    /// `anonymous`: anyone.
    Anonymous,
}

/// `iurlauth` (RFC 4467 §9): the URLAUTH part of a message URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UrlAuth {
    /// `;EXPIRE=` date-time: the URL is no good from then on.
    pub expire: Option<DateTime>,
    /// `;URLAUTH=` access.
    pub access: UrlAccess,
    /// `":" mechanism ":" enc-urlauth`: the mechanism and token of an authorized URL;
    /// `None` for a rump.
    pub verifier: Option<(String, String)>,
}

/// An IMAP URL, absolute (`imap://...`, [`ImapUrl::parse`]) or the absolute path CATENATE
/// takes (`/mailbox/;UID=n...`, [`ImapUrl::parse_path`], with an empty `host`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ImapUrl {
    /// `enc-user`
    pub user: Option<String>,
    /// `;AUTH=` type: `*` or a SASL mechanism name.
    pub auth_type: Option<String>,
    /// `host`, as written (a name, an IPv4 address or `[IPv6]`).
    pub host: String,
    /// `port`
    pub port: Option<u16>,
    /// `enc-mailbox`, decoded (UTF-8).
    pub mailbox: Option<String>,
    /// `;UIDVALIDITY=`
    pub uid_validity: Option<u32>,
    /// `?` enc-search of a message list, decoded.
    pub search: Option<String>,
    /// `;UID=` of a message URL.
    pub uid: Option<u32>,
    /// `;SECTION=`, decoded (`1.2`, `HEADER.FIELDS (TO)`).
    pub section: Option<String>,
    /// `;PARTIAL=` offset and length.
    pub partial: Option<(u32, Option<u32>)>,
    /// The URLAUTH part of a message URL.
    pub urlauth: Option<UrlAuth>,
}

/// Finds `needle` (ASCII) in `hay` in any case.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes().windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `pct-encoded` undone (RFC 3986 §2.1), as UTF-8.
fn percent_decode(s: &str) -> Result<String, UrlError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut k = 0;
    while k < b.len() {
        if b[k] == b'%' {
            let hex = b.get(k + 1..k + 3).and_then(|h| std::str::from_utf8(h).ok()).ok_or(UrlError::Encoding)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| UrlError::Encoding)?);
            k += 3;
        } else {
            out.push(b[k]);
            k += 1;
        }
    }
    String::from_utf8(out).map_err(|_| UrlError::Encoding)
}

/// `nz-number`
fn nz_number(s: &str) -> Result<u32, UrlError> {
    if s.is_empty() || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::Number);
    }
    s.parse().map_err(|_| UrlError::Number)
}

/// `number`
fn number(s: &str) -> Result<u32, UrlError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UrlError::Number);
    }
    s.parse().map_err(|_| UrlError::Number)
}

/// The value of `;NAME=value` at the start of `s`, the name in any case.
fn param<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let n = name.len();
    let head = s.get(..n + 2)?;
    (head.starts_with(';') && head.ends_with('=') && head[1..n + 1].eq_ignore_ascii_case(name)).then(|| &s[n + 2..])
}

impl ImapUrl {
    /// `imapurl` (RFC 5092 §11), with RFC 4467's `iurlauth`.
    pub fn parse(url: &str) -> Result<ImapUrl, UrlError> {
        let rest = match url.get(..7) {
            Some(s) if s.eq_ignore_ascii_case("imap://") => &url[7..],
            _ => return Err(UrlError::Scheme),
        };
        let (authority, path) = match rest.find('/') {
            Some(k) => (&rest[..k], &rest[k..]),
            None => (rest, ""),
        };
        let mut u = ImapUrl::default();
        let hostport = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => {
                let (user, auth) = match find_ci(userinfo, ";AUTH=") {
                    Some(k) => (&userinfo[..k], Some(&userinfo[k + 6..])),
                    None => (userinfo, None),
                };
                if auth.is_none() && user.is_empty() {
                    return Err(UrlError::Syntax);
                }
                u.user = (!user.is_empty()).then(|| percent_decode(user)).transpose()?;
                u.auth_type = auth.map(percent_decode).transpose()?;
                hostport
            }
            None => authority,
        };
        let (host, port) = match hostport.rfind(':') {
            Some(k) if !hostport[k..].contains(']') => (&hostport[..k], Some(&hostport[k + 1..])),
            _ => (hostport, None),
        };
        if host.is_empty() {
            return Err(UrlError::Syntax);
        }
        u.host = host.to_string();
        u.port = port.map(|p| p.parse().map_err(|_| UrlError::Number)).transpose()?;
        if path.len() > 1 {
            u.path(&path[1..])?;
        }
        Ok(u)
    }

    /// `"/" imessagepart [iurlauth]` or `"/" imessagelist`: the absolute path RFC 4469 §3
    /// takes for CATENATE's URLs. `host` is left empty.
    pub fn parse_path(path: &str) -> Result<ImapUrl, UrlError> {
        let p = path.strip_prefix('/').filter(|p| !p.is_empty() && !p.starts_with('/')).ok_or(UrlError::Scheme)?;
        let mut u = ImapUrl::default();
        u.path(p)?;
        Ok(u)
    }

    /// Fills the path's parts from `p`, the text after the path's first "/".
    fn path(&mut self, p: &str) -> Result<(), UrlError> {
        // `enc-mailbox` may hold the hierarchy delimiter (and end with it); `iuid` starts
        // at the first "/;UID=" (a ";" in a name is encoded).
        let Some(cut) = find_ci(p, "/;UID=") else {
            let (reference, search) = match p.split_once('?') {
                Some((r, s)) => (r, Some(s)),
                None => (p, None),
            };
            self.mailbox_ref(reference)?;
            self.search = search.map(percent_decode).transpose()?;
            return Ok(());
        };
        self.mailbox_ref(&p[..cut])?;
        let mut rest = &p[cut + 1..];
        if let Some(k) = find_ci(rest, ";URLAUTH=") {
            let (part, tail) = rest.split_at(k);
            let (part, expire) = match find_ci(part, ";EXPIRE=") {
                Some(e) => (&part[..e], Some(&part[e + 8..])),
                None => (part, None),
            };
            self.urlauth = Some(urlauth(expire, &tail[9..])?);
            rest = part;
        }
        let mut segments = rest.split('/');
        self.uid = Some(nz_number(segments.next().and_then(|s| param(s, "UID")).ok_or(UrlError::Syntax)?)?);
        let mut next = segments.next();
        if let Some(s) = next.and_then(|s| param(s, "SECTION")) {
            self.section = Some(percent_decode(s)?).filter(|s| !s.is_empty());
            self.section.as_ref().ok_or(UrlError::Syntax)?;
            next = segments.next();
        }
        if let Some(p) = next.and_then(|s| param(s, "PARTIAL")) {
            self.partial = Some(match p.split_once('.') {
                Some((o, l)) => (number(o)?, Some(nz_number(l)?)),
                None => (number(p)?, None),
            });
            next = segments.next();
        }
        match next {
            None => Ok(()),
            Some(_) => Err(UrlError::Syntax),
        }
    }

    /// `imailbox-ref = enc-mailbox [";UIDVALIDITY=" nz-number]`
    fn mailbox_ref(&mut self, r: &str) -> Result<(), UrlError> {
        let (mailbox, validity) = match find_ci(r, ";UIDVALIDITY=") {
            Some(k) => (&r[..k], Some(nz_number(&r[k + 13..])?)),
            None => (r, None),
        };
        if mailbox.is_empty() {
            return Err(UrlError::Syntax);
        }
        self.mailbox = Some(percent_decode(mailbox)?);
        self.uid_validity = validity;
        Ok(())
    }

    /// Splits the text of an authorized URLAUTH URL (`authimapurlfull`, RFC 4467 §9) into
    /// its rump (`authimapurlrump`, what the token signs, as the client wrote it), its
    /// mechanism and its token; `None` without a verifier.
    pub fn split_verifier(url: &str) -> Option<(&str, &str, &str)> {
        let at = find_ci(url, ";URLAUTH=")? + 9;
        let colon = at + url[at..].find(':')?;
        let (mech, token) = url[colon + 1..].split_once(':')?;
        Some((&url[..colon], mech, token))
    }
}

/// `[";EXPIRE=" date-time] ";URLAUTH=" access [":" mechanism ":" enc-urlauth]`, from the
/// expire's text and the text after `;URLAUTH=`.
fn urlauth(expire: Option<&str>, tail: &str) -> Result<UrlAuth, UrlError> {
    let expire = expire
        .map(|t| {
            let t = chrono::DateTime::parse_from_rfc3339(t).map_err(|_| UrlError::Expire)?;
            DateTime::new(t).map_err(|_| UrlError::Expire)
        })
        .transpose()?;
    let (access, verifier) = match tail.split_once(':') {
        Some((a, v)) => {
            let (mech, token) = v.split_once(':').ok_or(UrlError::Syntax)?;
            if mech.is_empty() || token.is_empty() {
                return Err(UrlError::Syntax);
            }
            (a, Some((mech.to_string(), token.to_string())))
        }
        None => (tail, None),
    };
    let named = |prefix: &str| {
        access.get(..prefix.len()).filter(|p| p.eq_ignore_ascii_case(prefix)).map(|_| &access[prefix.len()..])
    };
    let access = if access.eq_ignore_ascii_case("anonymous") {
        UrlAccess::Anonymous
    } else if access.eq_ignore_ascii_case("authuser") {
        UrlAccess::AuthUser
    } else if let Some(u) = named("submit+").filter(|u| !u.is_empty()) {
        UrlAccess::Submit(percent_decode(u)?)
    } else if let Some(u) = named("user+").filter(|u| !u.is_empty()) {
        UrlAccess::User(percent_decode(u)?)
    } else {
        return Err(UrlError::Access);
    };
    Ok(UrlAuth { expire, access, verifier })
}

/// Writes `s` with every octet outside `unreserved / sub-delims-sh / extra` as `%XX`
/// (RFC 5092 §11's `achar` and `bchar`).
fn encode(f: &mut fmt::Formatter<'_>, s: &str, extra: &[u8]) -> fmt::Result {
    for &b in s.as_bytes() {
        let plain = b.is_ascii_alphanumeric() || b"-._~!$'()*+,".contains(&b) || extra.contains(&b);
        if plain {
            write!(f, "{}", b as char)?;
        } else {
            write!(f, "%{b:02X}")?;
        }
    }
    Ok(())
}

/// `achar` beyond the shared set: "&" / "=" (":" and "@" are written encoded).
const ACHAR: &[u8] = b"&=";
/// `bchar`: `achar` / ":" / "@" / "/".
const BCHAR: &[u8] = b"&=:@/";
/// `bchar` but "/", which a section never holds and the path splits at.
const SECTION: &[u8] = b"&=:@";

impl ImapUrl {
    /// Writes `["/" path]`: what [`ImapUrl::parse_path`] reads.
    fn fmt_path(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(mailbox) = &self.mailbox else { return Ok(()) };
        f.write_str("/")?;
        // A leading "/" would make "//", a network path: written encoded.
        match mailbox.strip_prefix('/') {
            Some(rest) => {
                f.write_str("%2F")?;
                encode(f, rest, BCHAR)?;
            }
            None => encode(f, mailbox, BCHAR)?,
        }
        if let Some(v) = self.uid_validity {
            write!(f, ";UIDVALIDITY={v}")?;
        }
        if let Some(s) = &self.search {
            f.write_str("?")?;
            encode(f, s, BCHAR)?;
        }
        let Some(uid) = self.uid else { return Ok(()) };
        write!(f, "/;UID={uid}")?;
        if let Some(s) = &self.section {
            f.write_str("/;SECTION=")?;
            encode(f, s, SECTION)?;
        }
        match self.partial {
            Some((o, Some(l))) => write!(f, "/;PARTIAL={o}.{l}")?,
            Some((o, None)) => write!(f, "/;PARTIAL={o}")?,
            None => {}
        }
        if let Some(a) = &self.urlauth {
            if let Some(e) = &a.expire {
                write!(f, ";EXPIRE={}", e.as_chrono().to_rfc3339())?;
            }
            f.write_str(";URLAUTH=")?;
            match &a.access {
                UrlAccess::Submit(u) => {
                    f.write_str("submit+")?;
                    encode(f, u, ACHAR)?;
                }
                UrlAccess::User(u) => {
                    f.write_str("user+")?;
                    encode(f, u, ACHAR)?;
                }
                UrlAccess::AuthUser => f.write_str("authuser")?,
                UrlAccess::Anonymous => f.write_str("anonymous")?,
            }
            if let Some((m, t)) = &a.verifier {
                write!(f, ":{m}:{t}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for ImapUrl {
    /// The URL, or for an empty `host` the path alone ([`ImapUrl::parse_path`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.is_empty() {
            return self.fmt_path(f);
        }
        f.write_str("imap://")?;
        if self.user.is_some() || self.auth_type.is_some() {
            if let Some(u) = &self.user {
                encode(f, u, ACHAR)?;
            }
            if let Some(a) = &self.auth_type {
                f.write_str(";AUTH=")?;
                encode(f, a, ACHAR)?;
            }
            f.write_str("@")?;
        }
        f.write_str(&self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        self.fmt_path(f)
    }
}

#[cfg(test)]
#[path = "imap_url_tests.rs"]
mod tests;
