//! URLAUTH (RFC 4467) in the session, with the INTERNAL mechanism: RESETKEY, GENURLAUTH
//! and URLFETCH over the store's mailbox access keys ([`Backend::url_key`]).
//!
//! - **Tokens**: INTERNAL's token is HMAC-SHA1 (RFC 2104, the `hmac` and `sha1` crates)
//!   of the URL rump, as the client wrote it, under the owner's key for the mailbox, in
//!   lower-case hex (40 digits; §9 asks for at least 32). A URL is checked by computing
//!   it again and comparing in constant time; RESETKEY revokes every URL made with the
//!   old key.
//! - **Access** (§3): `anonymous` lets any session fetch, `authuser` any logged-in one,
//!   `user+NAME` the user NAME, and `submit+NAME` a submission server acting for NAME: a
//!   user the store names as one ([`Backend::url_submitter`], Dovecot's
//!   `imap_urlauth_submit_user`), not NAME. An `;EXPIRE=` in the past, by the store's
//!   clock ([`Backend::now`]), fails the URL.
//! - **URLFETCH** answers every URL, NIL for one that fails for any reason (§7: an
//!   unknown owner, a bad token, no access, a UID that is gone), and reads the data
//!   with the owner's access ([`Backend::user_by_name`]), the way CATENATE reads a URL
//!   (`catenate.rs`): a session of `fred` fetches joe's `user+fred` URL.
//! - GENURLAUTH makes URLs for the logged-in user's own mailboxes only; another owner is
//!   BAD (§7 (2): no owner-type access to another user's key table here).

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::catenate::{partial, section_attribute};
use super::error::Done;
use super::{wire_name, Backend, Session, SessionError};
use crate::server::Server;
use crate::types::{
    Atom, Code, Data, DateTime, FetchAttribute, IString, Mailbox, UrlFetchArg, UrlFetchBody, UrlFetchData,
    UrlFetchParam, UrlMech,
};

/// Who may fetch a URL: `access` of RFC 4467 §9.
#[derive(Debug, PartialEq, Eq)]
enum Access {
    /// `submit+` enc-user
    Submit(String),
    /// `user+` enc-user
    User(String),
    /// `authuser`
    AuthUser,
    /// `anonymous`
    Anonymous,
}

/// An `authimapurl` with its `iurlauth-rump` (and, for a full URL, its token), split.
#[derive(Debug, PartialEq, Eq)]
struct AuthUrl<'a> {
    /// Everything up to and with `access`: what the token signs.
    rump: &'a str,
    /// The owner (`enc-user`, decoded).
    owner: String,
    /// `"/" imessagepart`: the part CATENATE's reader takes.
    path: &'a str,
    expire: Option<DateTime>,
    access: Access,
    /// `":" mechanism ":" enc-urlauth` of a full URL.
    token: Option<(&'a str, &'a str)>,
}

/// Finds `needle` (ASCII, lower case) in `hay` in any case.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes().windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `enc-user`, percent-decoded.
fn user_of(enc: &str) -> Option<String> {
    let b = enc.as_bytes();
    let mut out = Vec::new();
    let mut k = 0;
    while k < b.len() {
        if b[k] == b'%' {
            out.push(u8::from_str_radix(std::str::from_utf8(b.get(k + 1..k + 3)?).ok()?, 16).ok()?);
            k += 3;
        } else {
            out.push(b[k]);
            k += 1;
        }
    }
    String::from_utf8(out).ok().filter(|u| !u.is_empty())
}

/// `authimapurlrump` (`full` false) or `authimapurlfull` (RFC 4467 §9): `"imap://"
/// enc-user [iauth] "@" hostport "/" imessagepart [expire] ";URLAUTH=" access [":"
/// mechanism ":" enc-urlauth]`, names in any case.
fn auth_url(url: &str, full: bool) -> Option<AuthUrl<'_>> {
    let scheme = url.get(..7)?;
    if !scheme.eq_ignore_ascii_case("imap://") {
        return None;
    }
    let rest = &url[7..];
    let slash = rest.find('/')?;
    let authority = &rest[..slash];
    let (userinfo, _host) = authority.rsplit_once('@')?;
    let owner = user_of(userinfo.split(';').next()?)?;
    let after = &rest[slash..];
    let auth_at = find_ci(after, ";urlauth=")?;
    let (path, expire) = match find_ci(&after[..auth_at], ";expire=") {
        Some(e) => {
            let text = &after[e + 8..auth_at];
            let t = chrono::DateTime::parse_from_rfc3339(text).ok()?;
            (&after[..e], Some(DateTime::new(t).ok()?))
        }
        None => (&after[..auth_at], None),
    };
    let tail = &after[auth_at + 9..];
    let (access_text, token) = if full {
        let (a, t) = tail.split_once(':')?;
        let (mech, hex) = t.split_once(':')?;
        if hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || mech.is_empty() {
            return None;
        }
        (a, Some((mech, hex)))
    } else {
        (tail, None)
    };
    let lower = access_text.to_ascii_lowercase();
    let access = if lower == "anonymous" {
        Access::Anonymous
    } else if lower == "authuser" {
        Access::AuthUser
    } else if let Some(u) = lower.strip_prefix("submit+").map(|_| &access_text[7..]) {
        Access::Submit(user_of(u)?)
    } else if let Some(u) = lower.strip_prefix("user+").map(|_| &access_text[5..]) {
        Access::User(user_of(u)?)
    } else {
        return None;
    };
    let rump_len = 7 + slash + auth_at + 9 + access_text.len();
    Some(AuthUrl { rump: &url[..rump_len], owner, path, expire, access, token })
}

/// INTERNAL's token: HMAC-SHA1 of the rump under `key`, in lower-case hex.
fn token(key: &[u8], rump: &str) -> String {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(rump.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `hex` is the token of `rump` under `key`, compared in constant time.
fn verify(key: &[u8], rump: &str, hex: &str) -> bool {
    let Some(sent) =
        (0..hex.len()).step_by(2).map(|k| u8::from_str_radix(hex.get(k..k + 2)?, 16).ok()).collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(rump.as_bytes());
    mac.verify_slice(&sent).is_ok()
}

/// The mailbox a URL path names (`enc-mailbox`, percent-decoded, in modified UTF-7).
fn path_mailbox(path: &str) -> Option<String> {
    let p = path.strip_prefix('/')?;
    let first = &p[..p.find("/;")?];
    let name = first.split(';').next()?;
    let name = user_of(name)?;
    let wire = crate::mutf7::encode(&name).into_owned();
    Some(if wire.eq_ignore_ascii_case("INBOX") { "INBOX".to_string() } else { wire })
}

impl<B: Backend> Session<B> {
    /// `RESETKEY [mailbox *(SP mechanism)]` (RFC 4467 §7): a new key for the mailbox
    /// (`OK [URLMECH INTERNAL]`), or no keys at all.
    pub(super) fn reset_key(
        &mut self,
        user: &B::User,
        mailbox: Option<Mailbox>,
        mechanisms: &[Atom],
    ) -> Result<Done, SessionError> {
        if mechanisms.iter().any(|m| !m.as_bytes().eq_ignore_ascii_case(b"INTERNAL")) {
            return Err(SessionError::BadArguments("Only the INTERNAL mechanism is served"));
        }
        match mailbox {
            None => {
                self.backend.reset_url_keys(user, None)?;
                Ok(Done::Ok)
            }
            Some(m) => {
                let name = wire_name(&m)?;
                self.backend.status(user, &name)?;
                self.backend.reset_url_keys(user, Some(&name))?;
                Ok(Done::Code(Code::UrlMech(vec![UrlMech::internal()])))
            }
        }
    }

    /// `GENURLAUTH 1*(SP url-rump SP mechanism)` (RFC 4467 §7): `* GENURLAUTH` with each
    /// URL authorized. BAD for a URL that is not a rump of the user's, of a mailbox that
    /// exists, with a valid access identifier, for one already expired (as Dovecot
    /// does), or for a mechanism other than INTERNAL.
    pub(super) fn gen_url_auth(
        &mut self,
        server: &mut Server,
        user: &B::User,
        user_name: &str,
        urls: &[(IString, Atom)],
    ) -> Result<Done, SessionError> {
        let mut out = Vec::with_capacity(urls.len());
        for (url, mech) in urls {
            if !mech.as_bytes().eq_ignore_ascii_case(b"INTERNAL") {
                return Err(SessionError::BadArguments("Only the INTERNAL mechanism is served"));
            }
            let text = std::str::from_utf8(url.as_bytes()).map_err(|_| SessionError::BadArguments("Invalid URL"))?;
            let u = auth_url(text, false).ok_or(SessionError::BadArguments("Invalid URLAUTH URL"))?;
            if u.owner != user_name {
                return Err(SessionError::BadArguments("The URL's owner is not the logged-in user"));
            }
            if let (Some(expire), Some(now)) = (&u.expire, self.backend.now()) {
                if now.as_chrono() >= expire.as_chrono() {
                    return Err(SessionError::BadArguments("URLAUTH has already expired"));
                }
            }
            let name = path_mailbox(u.path).ok_or(SessionError::BadArguments("Invalid URLAUTH URL"))?;
            if self.backend.status(user, &name).is_err() {
                return Err(SessionError::BadArguments("The URL's mailbox does not exist"));
            }
            let key = self.backend.url_key(user, &name, true)?.ok_or(SessionError::Unsupported("URLAUTH"))?;
            let full = format!("{}:internal:{}", u.rump, token(&key, u.rump));
            out.push(IString::try_from(full).map_err(|_| SessionError::BadArguments("Invalid URL"))?);
        }
        server.send_data(Data::GenUrlAuth(out))?;
        Ok(Done::Ok)
    }

    /// `URLFETCH 1*(SP url-fetch-arg)` (RFC 4467 §7, RFC 5524 §3): one `* URLFETCH`
    /// with each URL's answer, NIL for a URL that does not validate or resolve. An
    /// unknown parameter, or BODY with BINARY, is BAD before anything is fetched.
    pub(super) fn url_fetch(
        &mut self,
        server: &mut Server,
        user: &B::User,
        user_name: &str,
        urls: &[UrlFetchArg],
    ) -> Result<Done, SessionError> {
        let wants = urls.iter().map(|a| a.params.as_deref().map(want).transpose()).collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(urls.len());
        for (arg, want) in urls.iter().zip(wants) {
            let answer = std::str::from_utf8(arg.url.as_bytes()).ok().and_then(|t| {
                let (owner, path) = self.authorize(user, user_name, t)?;
                match want {
                    None => {
                        let data = self.resolve_path(&owner, path)?;
                        Some(UrlFetchData::Plain(Some(IString::try_from(data).ok()?)))
                    }
                    Some(w) => self.url_extended(&owner, path, w),
                }
            });
            out.push((arg.url.clone(), answer.unwrap_or(UrlFetchData::Plain(None))));
        }
        server.send_data(Data::UrlFetch(out))?;
        Ok(Done::Ok)
    }

    /// RFC 5524 §3.2's answer for one URL: its `BODYPARTSTRUCTURE` and its data, as
    /// stored (`BODY`) or decoded (`BINARY`). A header or text section has no transfer
    /// encoding to undo: its `BINARY` is its octets, as Dovecot gives them.
    fn url_extended(&self, owner: &B::User, path: &str, want: Want) -> Option<UrlFetchData> {
        let t = self.url_target(owner, path)?;
        let section = match &t.section {
            None => crate::types::Section::default(),
            Some(s) => match section_attribute(s)? {
                FetchAttribute::BodySection { section, .. } => section,
                _ => return None,
            },
        };
        t.message.part(&section.part)?;
        let binary = want.data == Some(UrlFetchParam::Binary);
        let body = match want.data {
            Some(UrlFetchParam::Binary) => {
                let data = match section.text {
                    None => t.message.binary(&section.part, None).ok()?,
                    Some(_) => t.message.section(&section, None),
                };
                Some(UrlFetchBody::Binary(Some(partial(data, t.partial))))
            }
            Some(_) => {
                let data = partial(t.message.section(&section, None), t.partial);
                Some(UrlFetchBody::Body(Some(IString::unvalidated(data))))
            }
            None => None,
        };
        let body_part_structure = match want.structure {
            true => Some(Box::new(t.message.part_structure(&section.part, binary)?)),
            false => None,
        };
        Some(UrlFetchData::Extended { body_part_structure, body })
    }

    /// The owner and `"/" imessagepart` of a full URLAUTH URL, if it validates (§6): a
    /// known owner, the INTERNAL token of the rump under the owner's key, access for
    /// this session, not expired.
    fn authorize<'u>(&self, user: &B::User, user_name: &str, url: &'u str) -> Option<(B::User, &'u str)> {
        let u = auth_url(url, true)?;
        let (mech, hex) = u.token?;
        if !mech.eq_ignore_ascii_case("internal") {
            return None;
        }
        let owner = if u.owner == user_name { user.clone() } else { self.backend.user_by_name(&u.owner)? };
        let allowed = match &u.access {
            Access::Anonymous | Access::AuthUser => true,
            Access::User(n) => n == user_name,
            Access::Submit(_) => self.backend.url_submitter(user_name),
        };
        if !allowed {
            return None;
        }
        if let Some(expire) = &u.expire {
            let now = self.backend.now()?;
            if now.as_chrono() >= expire.as_chrono() {
                return None;
            }
        }
        let name = path_mailbox(u.path)?;
        let key = self.backend.url_key(&owner, &name, false).ok()??;
        if !verify(&key, u.rump, hex) {
            return None;
        }
        Some((owner, u.path))
    }
}

/// What an extended URLFETCH argument asks for (RFC 5524 §3.1).
struct Want {
    /// `BODYPARTSTRUCTURE`
    structure: bool,
    /// `BODY` or `BINARY`; `BODY` when no parameter was given, as Dovecot does.
    data: Option<UrlFetchParam>,
}

/// The parameters of an extended URLFETCH argument; BAD for one this server does not
/// know, and for BODY with BINARY (RFC 5524 §3.1), in Dovecot's words.
fn want(params: &[UrlFetchParam]) -> Result<Want, SessionError> {
    let mut w = Want { structure: false, data: None };
    for p in params {
        match p {
            UrlFetchParam::BodyPartStructure => w.structure = true,
            UrlFetchParam::Body | UrlFetchParam::Binary => {
                if w.data.as_ref().is_some_and(|d| d != p) {
                    return Err(SessionError::BadArguments("URL cannot have both BODY and BINARY fetch parameters"));
                }
                w.data = Some(p.clone());
            }
            UrlFetchParam::Other(_) => return Err(SessionError::BadArguments("Unknown URL fetch parameter")),
        }
    }
    if params.is_empty() {
        w.data = Some(UrlFetchParam::Body);
    }
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUMP: &str = "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred";

    #[test]
    fn urls_split_as_rfc_4467_section_9_has_them() {
        let u = auth_url(RUMP, false).unwrap();
        assert_eq!((u.owner.as_str(), u.path, u.rump), ("joe", "/INBOX/;uid=20/;section=1.2", RUMP));
        assert_eq!(u.access, Access::Submit("fred".into()));
        let full = format!("{RUMP}:internal:91354a473744909de610943775f92038");
        let f = auth_url(&full, true).unwrap();
        assert_eq!(f.rump, RUMP);
        assert_eq!(f.token, Some(("internal", "91354a473744909de610943775f92038")));
        let e = auth_url(
            "IMAP://a%40b@h:143/Sent;UIDVALIDITY=7/;UID=3;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=anonymous",
            false,
        )
        .unwrap();
        assert_eq!((e.owner.as_str(), e.path, e.access), ("a@b", "/Sent;UIDVALIDITY=7/;UID=3", Access::Anonymous));
        assert!(e.expire.is_some());
        // The RFC's refused examples: no access identifier, no owner.
        assert_eq!(auth_url("imap://joe@example.com/INBOX/;uid=20/;section=1.2", false), None);
        assert_eq!(auth_url("imap://example.com/Shared/;uid=20/;section=1.2;urlauth=submit+fred", false), None);
        // A short token, or none where one is due.
        assert_eq!(auth_url(&format!("{RUMP}:internal:91354a"), true), None);
        assert_eq!(auth_url(RUMP, true), None);
    }

    #[test]
    fn tokens_are_hmac_sha1_and_checked() {
        // RFC 2202 test case 2 (HMAC-SHA1 with key "Jefe").
        assert_eq!(token(b"Jefe", "what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
        let t = token(b"k", RUMP);
        assert!(verify(b"k", RUMP, &t));
        assert!(!verify(b"other key", RUMP, &t));
        assert!(!verify(b"k", &RUMP.replace("20", "21"), &t));
        assert!(!verify(b"k", RUMP, "zz"));
    }
}
