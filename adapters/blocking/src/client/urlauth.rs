//! URLAUTH (RFC 4467): authorized URLs to a message or part, for a submission server
//! (or anyone the URL names) to fetch with URLFETCH.

use bytes::Bytes;
use imap_machine::client::{ArgError, IntoMailbox};
use imap_machine::types::{Atom, Capability, CommandBody, IString};

use super::{Client, Error};

fn url_string(url: &str) -> Result<IString, ArgError> {
    IString::try_from(url.to_string()).map_err(|_| ArgError::Empty("URL"))
}

fn urlauth() -> Capability {
    Capability::from(Atom::from_static("URLAUTH"))
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
        let urls = urls.iter().map(|u| url_string(u)).collect::<Result<Vec<_>, ArgError>>()?;
        let r = self.run(CommandBody::UrlFetch { urls })?;
        Ok(r.url_fetches()
            .into_iter()
            .map(|(u, d)| (String::from_utf8_lossy(u.as_bytes()).into_owned(), d.map(|d| d.to_bytes())))
            .collect())
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
