//! CATENATE (RFC 4469): a message built from literal text and IMAP URLs (RFC 5092) that
//! point at messages of the logged-in user on this server.
//!
//! RFC 4469 §3 takes URLs relative to `imap://user@server/`, so the form a client sends is
//! the absolute path `/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]`
//! (RFC 5092 §6 `imessagepart`, parameter names in any case). Anything else (another
//! scheme or server, a search URL, a UIDVALIDITY that is not the mailbox's, a UID that
//! is gone, a section that does not exist) fails with `NO [BADURL url]` (RFC 4469 §4.1),
//! and nothing is appended.

use bytes::{Bytes, BytesMut};

use super::{Session, SessionError};
use crate::mime::Message;
use crate::store::{Backend, StoreError};
use crate::types::{CatPart, CommandBody, FetchAttribute, FetchAttributes, FetchItem, IString, ImapUrl};

/// A message or part URL of this server (RFC 5092 §6 `imessagepart`), decoded.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct MessageUrl {
    /// The mailbox's wire name (modified UTF-7): the URL carries it percent-encoded UTF-8
    /// (RFC 5092 §3.2 `enc-mailbox`, as RFC 2192 did).
    mailbox: String,
    uid_validity: Option<u32>,
    uid: u32,
    /// `enc-section`, percent-decoded (`1.MIME`, `HEADER.FIELDS (TO)`).
    section: Option<String>,
    /// `partial-range = number ["." nz-number]`
    partial: Option<(u32, Option<u32>)>,
}

impl MessageUrl {
    /// The message part a parsed URL names: a UID, no search; the mailbox's UTF-8 name
    /// in the store's modified UTF-7.
    pub(super) fn of(u: &ImapUrl) -> Option<MessageUrl> {
        if u.search.is_some() {
            return None;
        }
        let mailbox = crate::mutf7::encode(u.mailbox.as_deref()?).into_owned();
        Some(MessageUrl {
            mailbox,
            uid_validity: u.uid_validity,
            uid: u.uid?,
            section: u.section.clone(),
            partial: u.partial,
        })
    }
}

/// `"/" imessagepart` (RFC 5092 §11, [`ImapUrl::parse_path`]), the absolute-path form
/// RFC 4469 §3 takes, without URLAUTH. In the selected state the base is the selected
/// mailbox (RFC 4469 §3): a URL that starts at `iuid` (`;UID=n...`) names one of its
/// messages; `selected` is its wire name.
fn message_url(url: &str, selected: Option<&str>) -> Option<MessageUrl> {
    if let (Some(name), true) = (selected, url.starts_with(';')) {
        let mut u = message_url(&format!("/x/{url}"), None)?;
        u.mailbox = name.to_string();
        return Some(u);
    }
    let u = ImapUrl::parse_path(url).ok().filter(|u| u.urlauth.is_none())?;
    MessageUrl::of(&u)
}

/// A message a URL names, parsed ([`Session::url_target`]).
pub(super) struct UrlTarget {
    pub(super) message: Message,
    /// `enc-section`, percent-decoded.
    pub(super) section: Option<String>,
    /// `partial-range`
    pub(super) partial: Option<(u32, Option<u32>)>,
}

/// `data` cut to a URL's `partial-range` (`offset[.length]`, RFC 5092 §11).
pub(super) fn partial(data: Bytes, range: Option<(u32, Option<u32>)>) -> Bytes {
    match range {
        None => data,
        Some((offset, length)) => {
            let start = (offset as usize).min(data.len());
            let end = length.map_or(data.len(), |l| start.saturating_add(l as usize).min(data.len()));
            data.slice(start..end)
        }
    }
}

/// `BODY.PEEK[section]` for a URL's section, parsed with the codec's grammar.
pub(super) fn section_attribute(section: &str) -> Option<FetchAttribute> {
    let line = Bytes::from(format!("x FETCH 1 BODY.PEEK[{section}]\r\n"));
    match crate::codec::parse_command(&line).ok()?.body {
        CommandBody::Fetch { attributes: FetchAttributes::List(mut a), .. } if a.len() == 1 => a.pop(),
        _ => None,
    }
}

impl<B: Backend> Session<B> {
    /// The message a CATENATE list makes (RFC 4469 §3), at most `limit` bytes
    /// (`NO [TOOBIG]`, §4.2). The first URL that does not resolve fails it with
    /// `NO [BADURL url]`.
    pub(super) fn catenate(&self, user: &B::User, parts: &[CatPart], limit: u64) -> Result<Bytes, SessionError> {
        let mut out = BytesMut::new();
        for part in parts {
            let data = match part {
                CatPart::Text(t) => t.data().clone(),
                CatPart::Utf8(t) => t.clone(),
                CatPart::Url(url) => self.resolve_url(user, url).ok_or_else(|| SessionError::BadUrl(url.to_bytes()))?,
            };
            if out.len() as u64 + data.len() as u64 > limit {
                return Err(StoreError::TooBig.into());
            }
            out.extend_from_slice(&data);
        }
        Ok(out.freeze())
    }

    /// The octets a URL points to, as `FETCH BODY.PEEK[section]<partial>` gives them.
    fn resolve_url(&self, user: &B::User, url: &IString) -> Option<Bytes> {
        let selected = self.selected.as_ref().map(|s| s.name.as_str());
        let u = message_url(std::str::from_utf8(url.as_bytes()).ok()?, selected)?;
        self.resolve(user, u)
    }

    /// The octets of a message URL of `user`'s (URLAUTH's URLFETCH).
    pub(super) fn resolve_part(&self, user: &B::User, url: &ImapUrl) -> Option<Bytes> {
        self.resolve(user, MessageUrl::of(url)?)
    }

    /// The message a URL of `user`'s names, with the URL's section and partial
    /// (URLFETCH's extended form, RFC 5524).
    pub(super) fn url_target(&self, user: &B::User, url: &ImapUrl) -> Option<UrlTarget> {
        let u = MessageUrl::of(url)?;
        let body = self.url_message(user, &u)?;
        Some(UrlTarget { message: Message::parse(body), section: u.section, partial: u.partial })
    }

    /// The stored octets of the message a URL names, if its UIDVALIDITY holds.
    fn url_message(&self, user: &B::User, u: &MessageUrl) -> Option<Bytes> {
        let name = if u.mailbox.eq_ignore_ascii_case("INBOX") { "INBOX".to_string() } else { u.mailbox.clone() };
        crate::mutf7::decode(name.as_bytes()).ok()?;
        let status = self.backend.status(user, &name).ok()?;
        if u.uid_validity.is_some_and(|v| v != status.uid_validity) {
            return None;
        }
        Some(self.backend.fetch(user, &name, self.id, &[u.uid]).ok()?.into_iter().next()??.body)
    }

    fn resolve(&self, user: &B::User, u: MessageUrl) -> Option<Bytes> {
        let body = self.url_message(user, &u)?;
        let data = match &u.section {
            None => body,
            Some(s) => {
                let attribute = section_attribute(s)?;
                let message = Message::parse(body);
                // A part that is not there is an empty string to FETCH, but no part to
                // catenate.
                if let FetchAttribute::BodySection { section, .. } = &attribute {
                    crate::mime::section::find_part(message.root(), &section.part)?;
                }
                match message.fetch(&attribute).ok()?? {
                    FetchItem::BodySection { data, .. } => data?.to_bytes(),
                    _ => return None,
                }
            }
        };
        Some(partial(data, u.partial))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_urls() {
        let u = message_url("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME", None).unwrap();
        assert_eq!(
            u,
            MessageUrl {
                mailbox: "Drafts".into(),
                uid_validity: Some(385759045),
                uid: 20,
                section: Some("1.MIME".into()),
                partial: None
            }
        );
        let u = message_url("/a%20b/;uid=3/;SECTION=HEADER.FIELDS%20(TO)/;PARTIAL=2.5", None).unwrap();
        assert_eq!(
            (u.mailbox.as_str(), u.uid_validity, u.section.as_deref()),
            ("a b", None, Some("HEADER.FIELDS (TO)"))
        );
        assert_eq!(u.partial, Some((2, Some(5))));
        assert_eq!(message_url("/INBOX/;UID=7", None).map(|u| u.uid), Some(7));
        // Relative to the selected mailbox (RFC 4469 §3), which keeps its wire name.
        let u = message_url(";UID=4/;SECTION=1", Some("Entw&APw-rfe")).unwrap();
        assert_eq!((u.mailbox.as_str(), u.uid, u.section.as_deref()), ("Entw&APw-rfe", 4, Some("1")));
        assert_eq!(message_url(";UID=4", None), None, "no base without a selected mailbox");
        // The name is UTF-8, percent-encoded; the store's is modified UTF-7.
        let u = message_url("/Entw%C3%BCrfe/R%26D/;UID=1", None).unwrap();
        assert_eq!(u.mailbox, "Entw&APw-rfe/R&-D");
        for bad in [
            "imap://joe@example.com/INBOX/;UID=1",
            "//example.com/INBOX/;UID=1",
            "/INBOX",
            "/INBOX/;UID=0",
            "/INBOX;UIDVALIDITY=x/;UID=1",
            "/INBOX/;UID=1/;SECTION=%zz",
            "/INBOX/;UID=1/extra",
            "/INBOX?SUBJECT%20x",
            "/;UID=1",
        ] {
            assert_eq!(message_url(bad, None), None, "{bad}");
        }
        assert!(section_attribute("1.MIME").is_some());
        assert!(section_attribute("HEADER.FIELDS (TO)").is_some());
        assert!(section_attribute("1]x").is_none());
    }
}
