//! COPY in the memory store, and the copy half of MOVE, with the quota check (RFC 9208
//! §4.4: nothing is copied over the limit).

use std::sync::Arc;

use bytes::Bytes;

use super::mailbox::{copy_within, insert, Saved};
use super::{lock, MemoryBackend, UserData};
use crate::store::{CopyResult, ParsedMessage, SessionId, StoreError};
use crate::types::{DateTime, Flag, ObjectId};

impl MemoryBackend {
    /// COPY (and the copy half of MOVE): `check` applies the user's quota, holding its lock
    /// until the copies are in (RFC 9208 §4.4: nothing is copied over the limit).
    pub(super) fn copy_checked(
        &self,
        user: &UserData,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
        check: bool,
    ) -> Result<CopyResult, StoreError> {
        let src = self.selectable(user, from)?;
        let dst = self.selectable(user, to)?;
        let room = |octets: u64, count: u64| if check { self.reserve(user, octets, count) } else { Ok(None) };
        if Arc::ptr_eq(&src, &dst) {
            let (octets, count) = {
                let s = lock(&src.inner);
                uids.iter()
                    .filter_map(|u| s.visible(session, *u))
                    .fold((0, 0), |(o, c), m| (o + m.body.len() as u64, c + 1))
            };
            let _room = room(octets, count)?;
            let mut s = lock(&src.inner);
            let result = copy_within(&mut s, session, uids, (self.clock)());
            s.wake();
            return Ok(result);
        }
        type Picked = (u32, Vec<Flag>, DateTime, Bytes, Arc<ParsedMessage>, ObjectId);
        let picked: Vec<Picked> = {
            let s = lock(&src.inner);
            uids.iter()
                .filter_map(|u| {
                    s.visible(session, *u).map(|m| {
                        (*u, m.flags.clone(), m.internal_date, m.body.clone(), m.parsed.clone(), m.ids.email_id.clone())
                    })
                })
                .collect()
        };
        let octets = picked.iter().map(|p| p.3.len() as u64).sum();
        let _room = room(octets, picked.len() as u64)?;
        let now = (self.clock)();
        let mut d = lock(&dst.inner);
        let mut result = CopyResult { uid_validity: d.uid_validity, source: Vec::new(), destination: Vec::new() };
        for (uid, flags, date, body, parsed, email_id) in picked {
            let new = insert(&mut d, &flags, date, body, Some(parsed), Saved { date: now, email_id });
            result.source.push(uid);
            result.destination.push(new);
        }
        d.wake();
        Ok(result)
    }
}
