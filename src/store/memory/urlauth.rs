//! URLAUTH keys in the memory store (RFC 4467 §2.2): one mailbox access key per mailbox
//! of a user, 128 random bits from the operating system's CSPRNG (`getrandom`, §10: "at
//! least 128 bits of entropy" and "unpredictable"), made at first use. DELETE and RENAME
//! drop a mailbox's key (and its inferiors'), so URLs made for a name never reach a later
//! mailbox of that name.

use super::{lock, MemoryBackend, UserData};
use crate::store::StoreError;

impl MemoryBackend {
    /// Makes user `name` a message submission entity for URLAUTH (RFC 4467 §3): its
    /// sessions may fetch every `submit+` URL ([`crate::store::Backend::url_submitter`]).
    pub fn set_url_submitter(&self, name: &str) {
        self.submitters.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string());
    }

    /// The key of `mailbox`, made when missing and `create`.
    pub(super) fn url_key_of(
        &self,
        user: &UserData,
        mailbox: &str,
        create: bool,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.mailbox(user, mailbox)?;
        let mut st = lock(&user.state);
        if let Some(k) = st.url_keys.get(mailbox) {
            return Ok(Some(k.clone()));
        }
        if !create {
            return Ok(None);
        }
        let key = new_key()?;
        st.url_keys.insert(mailbox.to_string(), key.clone());
        Ok(Some(key))
    }

    /// RESETKEY: a new key for `mailbox`, or none at all.
    pub(super) fn reset_url_keys_of(&self, user: &UserData, mailbox: Option<&str>) -> Result<(), StoreError> {
        match mailbox {
            None => lock(&user.state).url_keys.clear(),
            Some(name) => {
                self.mailbox(user, name)?;
                let key = new_key()?;
                lock(&user.state).url_keys.insert(name.to_string(), key);
            }
        }
        Ok(())
    }
}

/// 16 octets from the OS.
fn new_key() -> Result<Vec<u8>, StoreError> {
    let mut key = vec![0u8; 16];
    getrandom::fill(&mut key).map_err(|_| StoreError::Cannot("no randomness for a URLAUTH key"))?;
    Ok(key)
}
