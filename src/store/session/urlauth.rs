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
    Atom, Code, Data, FetchAttribute, IString, ImapUrl, Mailbox, UrlAccess, UrlAuth, UrlFetchArg, UrlFetchBody,
    UrlFetchData, UrlFetchParam, UrlMech,
};

/// An `authimapurl` (RFC 4467 §9), parsed, with its `iurlauth-rump` as written (what the
/// token signs) and, for a full URL, its verifier.
#[derive(Debug, PartialEq, Eq)]
struct AuthUrl<'a> {
    /// Everything up to and with `access`.
    rump: &'a str,
    /// The URL: an owner, a message part, an access identifier.
    url: ImapUrl,
    /// `":" mechanism ":" enc-urlauth` of a full URL.
    token: Option<(&'a str, &'a str)>,
}

impl AuthUrl<'_> {
    /// The owner (`enc-user`, decoded).
    fn owner(&self) -> &str {
        self.url.user.as_deref().unwrap_or_default()
    }

    /// `iurlauth-rump`
    fn urlauth(&self) -> &UrlAuth {
        self.url.urlauth.as_ref().expect("checked by auth_url")
    }

    /// The mailbox's wire name (modified UTF-7, `INBOX` in upper case).
    fn mailbox(&self) -> String {
        let wire = crate::mutf7::encode(self.url.mailbox.as_deref().unwrap_or_default()).into_owned();
        if wire.eq_ignore_ascii_case("INBOX") {
            "INBOX".to_string()
        } else {
            wire
        }
    }
}

/// `authimapurlrump` (`full` false) or `authimapurlfull` (RFC 4467 §9): `"imap://"
/// enc-user [iauth] "@" hostport "/" imessagepart [expire] ";URLAUTH=" access [":"
/// mechanism ":" enc-urlauth]`, names in any case ([`ImapUrl`]).
fn auth_url(text: &str, full: bool) -> Option<AuthUrl<'_>> {
    let (rump, token) = match full {
        true => {
            let (rump, mech, hex) = ImapUrl::split_verifier(text)?;
            if hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || mech.is_empty() {
                return None;
            }
            (rump, Some((mech, hex)))
        }
        false => (text, None),
    };
    let url = ImapUrl::parse(rump).ok()?;
    let ok = url.user.is_some() && url.uid.is_some() && url.urlauth.as_ref().is_some_and(|a| a.verifier.is_none());
    ok.then_some(AuthUrl { rump, url, token })
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
            if u.owner() != user_name {
                return Err(SessionError::BadArguments("The URL's owner is not the logged-in user"));
            }
            if let (Some(expire), Some(now)) = (&u.urlauth().expire, self.backend.now()) {
                if now.as_chrono() >= expire.as_chrono() {
                    return Err(SessionError::BadArguments("URLAUTH has already expired"));
                }
            }
            let name = u.mailbox();
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
                let (owner, url) = self.authorize(user, user_name, t)?;
                match want {
                    None => {
                        let data = self.resolve_part(&owner, &url)?;
                        Some(UrlFetchData::Plain(Some(IString::try_from(data).ok()?)))
                    }
                    Some(w) => self.url_extended(&owner, &url, w),
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
    fn url_extended(&self, owner: &B::User, url: &ImapUrl, want: Want) -> Option<UrlFetchData> {
        let t = self.url_target(owner, url)?;
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

    /// The owner and the parsed URL of a full URLAUTH URL, if it validates (§6): a known
    /// owner, the INTERNAL token of the rump under the owner's key, access for this
    /// session, not expired.
    fn authorize(&self, user: &B::User, user_name: &str, url: &str) -> Option<(B::User, ImapUrl)> {
        let u = auth_url(url, true)?;
        let (mech, hex) = u.token?;
        if !mech.eq_ignore_ascii_case("internal") {
            return None;
        }
        let owner = if u.owner() == user_name { user.clone() } else { self.backend.user_by_name(u.owner())? };
        let allowed = match &u.urlauth().access {
            UrlAccess::Anonymous | UrlAccess::AuthUser => true,
            UrlAccess::User(n) => n == user_name,
            UrlAccess::Submit(_) => self.backend.url_submitter(user_name),
        };
        if !allowed {
            return None;
        }
        if let Some(expire) = &u.urlauth().expire {
            let now = self.backend.now()?;
            if now.as_chrono() >= expire.as_chrono() {
                return None;
            }
        }
        let key = self.backend.url_key(&owner, &u.mailbox(), false).ok()??;
        if !verify(&key, u.rump, hex) {
            return None;
        }
        Some((owner, u.url))
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
        assert_eq!(
            (u.owner(), u.mailbox().as_str(), u.url.section.as_deref(), u.rump),
            ("joe", "INBOX", Some("1.2"), RUMP)
        );
        assert_eq!(u.urlauth().access, UrlAccess::Submit("fred".into()));
        let full = format!("{RUMP}:internal:91354a473744909de610943775f92038");
        let f = auth_url(&full, true).unwrap();
        assert_eq!(f.rump, RUMP);
        assert_eq!(f.token, Some(("internal", "91354a473744909de610943775f92038")));
        let e = auth_url(
            "IMAP://a%40b@h:143/Sent;UIDVALIDITY=7/;UID=3;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=anonymous",
            false,
        )
        .unwrap();
        assert_eq!((e.owner(), e.mailbox().as_str(), e.url.uid_validity), ("a@b", "Sent", Some(7)));
        assert_eq!(e.urlauth().access, UrlAccess::Anonymous);
        assert!(e.urlauth().expire.is_some());
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
