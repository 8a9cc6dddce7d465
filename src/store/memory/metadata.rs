//! METADATA in the memory store (RFC 5464): server and mailbox entries, `/private` and
//! `/shared`, kept per user (a user's mailboxes are its own here, so its `/shared` entries
//! are seen by its sessions alone). DELETE drops a mailbox's entries, RENAME moves them.

use bytes::Bytes;

use super::{lock, MemoryBackend, UserData};
use crate::store::StoreError;

impl MemoryBackend {
    /// The entries of `mailbox` (`None`: the server), in name order.
    pub(super) fn metadata_of(
        &self,
        user: &UserData,
        mailbox: Option<&str>,
    ) -> Result<Vec<(String, Bytes)>, StoreError> {
        let key = self.metadata_key(user, mailbox)?;
        let st = lock(&user.state);
        Ok(st
            .metadata
            .range((key.clone(), String::new())..)
            .take_while(|((m, _), _)| *m == key)
            .map(|((_, e), v)| (e.clone(), v.clone()))
            .collect())
    }

    /// Sets or removes entries of `mailbox`, all under one lock.
    pub(super) fn set_metadata_of(
        &self,
        user: &UserData,
        mailbox: Option<&str>,
        entries: &[(String, Option<Bytes>)],
    ) -> Result<(), StoreError> {
        let key = self.metadata_key(user, mailbox)?;
        let mut st = lock(&user.state);
        for (e, v) in entries {
            match v {
                Some(v) => st.metadata.insert((key.clone(), e.clone()), v.clone()),
                None => st.metadata.remove(&(key.clone(), e.clone())),
            };
        }
        Ok(())
    }

    /// The map key of `mailbox`: `""` for the server, else the name, which must exist.
    fn metadata_key(&self, user: &UserData, mailbox: Option<&str>) -> Result<String, StoreError> {
        match mailbox {
            None => Ok(String::new()),
            Some(name) => {
                self.mailbox(user, name)?;
                Ok(name.to_string())
            }
        }
    }
}
