//! QUOTA in the session (RFC 9208): GETQUOTAROOT, GETQUOTA and SETQUOTA over
//! [`Backend::quota`]. A user's mailboxes share one quota root, [`QUOTA_ROOT`] ("User
//! quota", as Dovecot names it); a user without limits has no root. SETQUOTA is refused:
//! limits are the administrator's (`imapm serve --quota`), and QUOTASET is not announced.

use super::error::Done;
use super::{wire_name, Backend, Session, SessionError};
use crate::server::Server;
use crate::store::QUOTA_ROOT;
use crate::types::{Data, IString, Mailbox};

impl<B: Backend> Session<B> {
    /// `GETQUOTAROOT mailbox` (RFC 9208 §4.3): `* QUOTAROOT mailbox ["User quota"]`, then
    /// the root's `* QUOTA`. The mailbox must exist.
    pub(super) fn get_quota_root(
        &mut self,
        server: &mut Server,
        user: &B::User,
        mailbox: Mailbox,
    ) -> Result<Done, SessionError> {
        let name = wire_name(&mailbox)?;
        self.backend.status(user, &name)?;
        let quota = self.backend.quota(user)?;
        let roots = if quota.is_some() { vec![IString::from_static(QUOTA_ROOT)] } else { Vec::new() };
        server.send_data(Data::QuotaRoot { mailbox, roots })?;
        if let Some(resources) = quota {
            server.send_data(Data::Quota { root: IString::from_static(QUOTA_ROOT), resources })?;
        }
        Ok(Done::Ok)
    }

    /// `GETQUOTA root` (RFC 9208 §4.2): `* QUOTA root (...)`; `NO [NONEXISTENT]` for a root
    /// that is not the user's.
    pub(super) fn get_quota(
        &mut self,
        server: &mut Server,
        user: &B::User,
        root: &IString,
    ) -> Result<Done, SessionError> {
        match self.backend.quota(user)? {
            Some(resources) if root.as_bytes() == QUOTA_ROOT.as_bytes() => {
                server.send_data(Data::Quota { root: root.clone(), resources })?;
                Ok(Done::Ok)
            }
            _ => Err(SessionError::NoQuotaRoot),
        }
    }

    /// `SETQUOTA` (RFC 9208 §4.1): refused with `NO [NOPERM]`, the limits being the
    /// administrator's.
    pub(super) fn set_quota(&mut self) -> Result<Done, SessionError> {
        Err(SessionError::QuotaAdmin)
    }
}
