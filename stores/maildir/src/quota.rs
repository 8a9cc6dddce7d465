//! QUOTA on Maildir (RFC 9208): per-user limits on STORAGE and MESSAGE, set by the
//! embedder ([`MaildirBackend::set_quota`], `imapm serve --quota`), counted over the
//! user's mailboxes as STATUS counts them (RFC822.SIZE, CRLF form). SETQUOTA is refused.
//!
//! An APPEND (or MULTIAPPEND) or COPY checks the limits and delivers under the user's
//! quota dot-lock (`imap-machine-quota.lock` at the user root), so two sessions, in this
//! process or another on the same Maildir, cannot both take the last room: the second is
//! told `NO [OVERQUOTA]`, and nothing of a refused command is delivered. MOVE between the
//! user's mailboxes changes no usage and is not checked; expunged messages stop counting
//! at once.

use std::sync::Arc;

use imap_machine::store::{Backend, QuotaLimits, StoreError};
use imap_machine::types::QuotaUsage;

use crate::lock::DotLock;
use crate::{MaildirBackend, UserData};

impl MaildirBackend {
    /// Sets the limits of user `name`; all `None` removes them.
    pub fn set_quota(&self, name: &str, limits: QuotaLimits) {
        self.quotas.write().unwrap_or_else(|p| p.into_inner()).insert(name.to_string(), limits);
    }

    fn limits(&self, user: &UserData) -> QuotaLimits {
        self.quotas.read().unwrap_or_else(|p| p.into_inner()).get(&user.name).copied().unwrap_or_default()
    }

    /// The octets and messages in the user's mailboxes.
    fn usage(&self, user: &Arc<UserData>) -> Result<(u64, u64), StoreError> {
        let mut names = self.existing(user)?;
        names.insert("INBOX".to_string());
        let (mut octets, mut messages) = (0, 0);
        for name in names {
            match self.status(user, &name) {
                Ok(st) => {
                    octets += st.size;
                    messages += u64::from(st.messages);
                }
                // Gone meanwhile, or a \Noselect superior.
                Err(StoreError::NoSuchMailbox) => {}
                Err(e) => return Err(e),
            }
        }
        Ok((octets, messages))
    }

    /// Checks that `octets` and `messages` more fit the user's limits and, if so, returns
    /// the lock to hold while delivering them (`None`: the user has no limits). Called
    /// with no mailbox lock held: counting takes each mailbox's.
    pub(crate) fn reserve(
        &self,
        user: &Arc<UserData>,
        octets: u64,
        messages: u64,
    ) -> Result<Option<DotLock>, StoreError> {
        let limits = self.limits(user);
        if !limits.is_limited() {
            return Ok(None);
        }
        let lock = DotLock::acquire(&user.root.join("imap-machine-quota")).map_err(|e| self.fail(e))?;
        let (used, count) = self.usage(user)?;
        if limits.exceeded_by(used, count, octets, messages) {
            return Err(StoreError::OverQuota);
        }
        Ok(Some(lock))
    }

    /// The user's resources for GETQUOTA and GETQUOTAROOT; `None` without limits.
    pub(crate) fn quota_of(&self, user: &Arc<UserData>) -> Result<Option<Vec<QuotaUsage>>, StoreError> {
        let limits = self.limits(user);
        if !limits.is_limited() {
            return Ok(None);
        }
        let (used, count) = self.usage(user)?;
        Ok(limits.usage(used, count))
    }
}
