//! URLAUTH (RFC 4467): authorized URLs to a message or part, for a submission server
//! (or anyone the URL names) to fetch with URLFETCH.

use bytes::Bytes;
use imap_machine::client::{ArgError, IntoMailbox};
use imap_machine::types::{Atom, Capability, CommandBody, IString, UrlFetchArg, UrlFetchData};

use super::{Client, Error};

fn url_string(url: &str) -> Result<IString, ArgError> {
    IString::try_from(url.to_string()).map_err(|_| ArgError::Empty("URL"))
}

fn urlauth() -> Capability {
    Capability::from(Atom::from_static("URLAUTH"))
}

fn urlauth_binary() -> Capability {
    Capability::from(Atom::from_static("URLAUTH=BINARY"))
}

impl Client {
    /// `GENURLAUTH` (RFC 4467 §7) with the INTERNAL mechanism: each URL rump authorized,
    /// in order. [`Error::Unsupported`] when the server lacks URLAUTH.
    pub fn gen_url_auth(&mut self, rumps: &[&str]) -> Result<Vec<String>, Error> {
        if !self.has_capability(&urlauth())? {
            return Err(Error::Unsupported("URLAUTH"));
        }
        let urls = rumps
            .iter()
            .map(|r| Ok((url_string(r)?, Atom::from_static("INTERNAL"))))
            .collect::<Result<Vec<_>, ArgError>>()?;
        let r = self.run(CommandBody::GenUrlAuth { urls })?;
        Ok(r.url_auths().iter().map(|u| String::from_utf8_lossy(u.as_bytes()).into_owned()).collect())
    }

    /// `URLFETCH` (RFC 4467 §7): each URL with its data, `None` where the server said NIL.
    pub fn url_fetch(&mut self, urls: &[&str]) -> Result<Vec<(String, Option<Bytes>)>, Error> {
        if !self.has_capability(&urlauth())? {
            return Err(Error::Unsupported("URLAUTH"));
        }
        let urls = urls.iter().map(|u| Ok(url_string(u)?.into())).collect::<Result<Vec<_>, ArgError>>()?;
        let got = self.url_fetch_ext(urls)?;
        Ok(got.into_iter().map(|(u, d)| (u, d.data())).collect())
    }

    /// `URLFETCH` with URLAUTH=BINARY's parameters (RFC 5524): each URL with its answer.
    /// [`Error::Unsupported`] when the server lacks URLAUTH=BINARY and a URL has
    /// parameters.
    pub fn url_fetch_ext(&mut self, urls: Vec<UrlFetchArg>) -> Result<Vec<(String, UrlFetchData)>, Error> {
        if !self.has_capability(&urlauth())? {
            return Err(Error::Unsupported("URLAUTH"));
        }
        if urls.iter().any(|u| u.params.is_some()) && !self.has_capability(&urlauth_binary())? {
            return Err(Error::Unsupported("URLAUTH=BINARY"));
        }
        let r = self.run(CommandBody::UrlFetch { urls })?;
        Ok(r.url_fetches().into_iter().map(|(u, d)| (String::from_utf8_lossy(u.as_bytes()).into_owned(), d)).collect())
    }

    /// `RESETKEY [mailbox]` (RFC 4467 §7): a new key for `mailbox`, revoking its URLs, or
    /// with `None` no keys at all.
    pub fn reset_key(&mut self, mailbox: Option<&str>) -> Result<(), Error> {
        if !self.has_capability(&urlauth())? {
            return Err(Error::Unsupported("URLAUTH"));
        }
        let mailbox = mailbox.map(|m| m.into_mailbox()).transpose()?;
        self.run(CommandBody::ResetKey { mailbox, mechanisms: Vec::new() }).map(|_| ())
    }
}
