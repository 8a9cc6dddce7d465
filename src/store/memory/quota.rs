//! QUOTA in the memory store (RFC 9208): per-user limits on STORAGE (KiB) and MESSAGE,
//! counted over the user's mailboxes. Set by the embedder ([`MemoryBackend::set_quota`],
//! `imapm serve --quota`); SETQUOTA is refused.
//!
//! An APPEND or COPY checks the limits and inserts under the user's quota lock, so two
//! sessions appending at once cannot both take the last room: the second is told
//! `NO [OVERQUOTA]`, and nothing of a refused command is written (a MULTIAPPEND is
//! refused whole). MOVE within the user's mailboxes changes no usage and is not checked.
//! Expunged messages stop counting at once.

use std::sync::{Mutex, MutexGuard};

use super::{lock, MemoryBackend, UserData};
use crate::store::StoreError;
use crate::types::QuotaUsage;

pub use crate::store::QuotaLimits;

/// The quota state of one user: its limits, and the lock APPEND and COPY hold from the
/// check to the insert.
#[derive(Debug, Default)]
pub(super) struct UserQuota {
    limits: Mutex<QuotaLimits>,
    check: Mutex<()>,
}

/// The room taken by an APPEND or COPY being written: holds the user's quota lock.
pub(super) type Reserved<'a> = Option<MutexGuard<'a, ()>>;

impl MemoryBackend {
    /// Sets `name`'s limits (a user that does not exist is ignored); all `None` removes
    /// them.
    pub fn set_quota(&self, name: &str, limits: QuotaLimits) {
        if let Some(user) = self.users.read().unwrap_or_else(|p| p.into_inner()).get(name) {
            *lock(&user.quota.limits) = limits;
        }
    }

    /// The octets and messages in the user's mailboxes.
    fn usage(&self, user: &UserData) -> (u64, u64) {
        let mailboxes: Vec<_> = lock(&user.state).mailboxes.values().cloned().collect();
        mailboxes.iter().fold((0, 0), |(octets, count), m| {
            let inner = lock(&m.inner);
            (octets + inner.size, count + inner.uids.len() as u64)
        })
    }

    /// Checks that `octets` and `messages` more fit the user's limits and, if so, returns
    /// the lock to hold while writing them (`None`: the user has no limits).
    pub(super) fn reserve<'a>(
        &self,
        user: &'a UserData,
        octets: u64,
        messages: u64,
    ) -> Result<Reserved<'a>, StoreError> {
        let limits = *lock(&user.quota.limits);
        if !limits.is_limited() {
            return Ok(None);
        }
        let guard = lock(&user.quota.check);
        let (used, count) = self.usage(user);
        if limits.exceeded_by(used, count, octets, messages) {
            return Err(StoreError::OverQuota);
        }
        Ok(Some(guard))
    }

    /// The user's resources, for GETQUOTA and GETQUOTAROOT (STORAGE rounded up to KiB).
    pub(super) fn quota_of(&self, user: &UserData) -> Option<Vec<QuotaUsage>> {
        let limits = *lock(&user.quota.limits);
        if !limits.is_limited() {
            return None;
        }
        let (used, count) = self.usage(user);
        limits.usage(used, count)
    }
}
