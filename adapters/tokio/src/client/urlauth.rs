//! URLAUTH (RFC 4467): authorized URLs to a message or part, for a submission server
//! (or anyone the URL names) to fetch with URLFETCH.

use bytes::Bytes;
use imap_machine::client::{ArgError, IntoMailbox};
use imap_machine::types::{Atom, Capability, CommandBody, IString, UrlFetchArg, UrlFetchData};

use super::Client;
use crate::Error;

/// A URL as an IMAP string.
pub(crate) fn url_string(url: &str) -> Result<IString, ArgError> {
    IString::try_from(url.to_string()).map_err(|_| ArgError::Empty("URL"))
}

/// `URLAUTH` (RFC 4467 §9 `capability =/ "URLAUTH"`).
pub(crate) fn urlauth() -> Capability {
    Capability::from(Atom::from_static("URLAUTH"))
}

/// `URLAUTH=BINARY` (RFC 5524 §5).
pub(crate) fn urlauth_binary() -> Capability {
    Capability::from(Atom::from_static("URLAUTH=BINARY"))
}

impl Client {
    /// `GENURLAUTH` (RFC 4467 §7) with the INTERNAL mechanism: each URL rump
    /// (`imap://user@host/mailbox/;UID=n[/;SECTION=s][;EXPIRE=t];URLAUTH=access`)
    /// authorized, in order. [`Error::Unsupported`] when the server lacks URLAUTH.
    pub async fn gen_url_auth(&self, rumps: &[&str]) -> Result<Vec<String>, Error> {
        if !self.has_capability(&urlauth()).await? {
            return Err(Error::Unsupported("URLAUTH"));
        }
        let urls = rumps
            .iter()
            .map(|r| Ok((url_string(r)?, Atom::from_static("INTERNAL"))))
            .collect::<Result<Vec<_>, ArgError>>()?;
        let done = self.exec(CommandBody::GenUrlAuth { urls }).await?;
        Ok(done.response.url_auths().iter().map(|u| String::from_utf8_lossy(u.as_bytes()).into_owned()).collect())
    }

    /// `URLFETCH` (RFC 4467 §7): each URL with its data, `None` where the server said NIL
    /// (a URL that does not validate or resolve).
    pub async fn url_fetch(&self, urls: &[&str]) -> Result<Vec<(String, Option<Bytes>)>, Error> {
        if !self.has_capability(&urlauth()).await? {
            return Err(Error::Unsupported("URLAUTH"));
        }
        let urls = urls.iter().map(|u| Ok(url_string(u)?.into())).collect::<Result<Vec<_>, ArgError>>()?;
        let got = self.url_fetch_ext(urls).await?;
        Ok(got.into_iter().map(|(u, d)| (u, d.data())).collect())
    }

    /// `URLFETCH` with URLAUTH=BINARY's parameters (RFC 5524): each URL with its answer,
    /// for example `UrlFetchArg { url, params: Some(vec![UrlFetchParam::Binary,
    /// UrlFetchParam::BodyPartStructure]) }` for a part's decoded octets and its structure.
    /// [`Error::Unsupported`] when the server lacks URLAUTH=BINARY and a URL has
    /// parameters.
    pub async fn url_fetch_ext(&self, urls: Vec<UrlFetchArg>) -> Result<Vec<(String, UrlFetchData)>, Error> {
        if !self.has_capability(&urlauth()).await? {
            return Err(Error::Unsupported("URLAUTH"));
        }
        if urls.iter().any(|u| u.params.is_some()) && !self.has_capability(&urlauth_binary()).await? {
            return Err(Error::Unsupported("URLAUTH=BINARY"));
        }
        let done = self.exec(CommandBody::UrlFetch { urls }).await?;
        Ok(done
            .response
            .url_fetches()
            .into_iter()
            .map(|(u, d)| (String::from_utf8_lossy(u.as_bytes()).into_owned(), d))
            .collect())
    }

    /// `RESETKEY [mailbox]` (RFC 4467 §7): a new key for `mailbox`, revoking its URLs, or
    /// with `None` no keys at all.
    pub async fn reset_key(&self, mailbox: Option<&str>) -> Result<(), Error> {
        if !self.has_capability(&urlauth()).await? {
            return Err(Error::Unsupported("URLAUTH"));
        }
        let mailbox = mailbox.map(|m| m.into_mailbox()).transpose()?;
        self.exec(CommandBody::ResetKey { mailbox, mechanisms: Vec::new() }).await.map(|_| ())
    }
}
