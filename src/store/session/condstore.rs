//! CONDSTORE and QRESYNC (RFC 7162) in the session: the enabling commands, the SELECT
//! and EXAMINE parameters, `VANISHED (EARLIER)`, and the HIGHESTMODSEQ a client may be
//! told.
//!
//! What a client is told, and when, follows Dovecot where the RFC leaves a choice:
//! - `[HIGHESTMODSEQ]` (or `[NOMODSEQ]`) on SELECT and EXAMINE only once a CONDSTORE
//!   enabling command was issued (RFC 7162 §3.1.2), and when the first one is issued
//!   with a mailbox selected (§3.1);
//! - after QRESYNC, a tagged OK carries `[HIGHESTMODSEQ]` when the mailbox's is higher
//!   than any the client was told (by a code or a MODSEQ), as Dovecot does: after an
//!   expunge (§3.2.7, §3.2.9 ask it of EXPUNGE and UID EXPUNGE) or an arrival, which
//!   raise it without a MODSEQ; never that of CLOSE (§3.2.8), which deselects;
//! - while an EXPUNGE is delayed (during FETCH, STORE and SEARCH by sequence number) and
//!   MODSEQs were sent, an `OK [HIGHESTMODSEQ]` below the delayed expunge's goes with the
//!   answer (§3.2), so a client that loses the connection loses no change.

use super::error::Done;
use super::selected::untagged_ok;
use super::{Backend, Session, SessionError};
use crate::server::Server;
use crate::types::{Code, Data, QResync, SelectParam, SequenceSet};

/// The BAD text for MODSEQ, CHANGEDSINCE and UNCHANGEDSINCE in a mailbox without
/// mod-sequences (RFC 7162 §3.1.2.2).
const NOMODSEQ: &str = "Mailbox has no mod-sequences (NOMODSEQ)";

/// What the parameters of a SELECT or EXAMINE ask for (RFC 7162 §3.1.8, §3.2.5).
#[derive(Debug, Default)]
pub(super) struct SelectAsk {
    /// `CONDSTORE`, or any QRESYNC: a CONDSTORE enabling command.
    pub(super) condstore: bool,
    /// `QRESYNC (...)`.
    pub(super) qresync: Option<QResync>,
}

impl SelectAsk {
    /// Checks the parameters: each at most once, QRESYNC only after `ENABLE QRESYNC`
    /// (RFC 7162 §3.2.5: BAD otherwise).
    pub(super) fn new(params: Vec<SelectParam>, qresync_enabled: bool) -> Result<SelectAsk, SessionError> {
        let mut ask = SelectAsk::default();
        let mut seen_condstore = false;
        for p in params {
            match p {
                SelectParam::CondStore if !seen_condstore => seen_condstore = true,
                SelectParam::QResync(_) if !qresync_enabled => {
                    return Err(SessionError::BadArguments("QRESYNC not enabled"));
                }
                SelectParam::QResync(q) if ask.qresync.is_none() => ask.qresync = Some(q),
                _ => return Err(SessionError::BadArguments("Parameter given twice")),
            }
        }
        ask.condstore = seen_condstore || ask.qresync.is_some();
        Ok(ask)
    }
}

impl<B: Backend> Session<B> {
    /// A CONDSTORE enabling command (RFC 7162 §3.1): from now on MODSEQ goes in every
    /// unsolicited FETCH. The first one with a mailbox selected tells its HIGHESTMODSEQ,
    /// or NOMODSEQ.
    pub(super) fn condstore_on(&mut self, server: &mut Server) -> Result<(), SessionError> {
        self.enabled.condstore = true;
        let Some(sel) = self.selected.as_mut().filter(|s| !s.condstore) else { return Ok(()) };
        sel.condstore = true;
        if sel.modseqs {
            sel.told_highest = sel.told_highest.max(sel.highest_modseq);
            untagged_ok(server, Code::HighestModSeq(sel.highest_modseq), "Highest")?;
        } else {
            untagged_ok(server, Code::NoModSeq, "No mod-sequences in this mailbox")?;
        }
        Ok(())
    }

    /// MODSEQ, CHANGEDSINCE and UNCHANGEDSINCE need a mailbox with mod-sequences (RFC 7162
    /// §3.1.2.2: BAD in a NOMODSEQ one); they are CONDSTORE enabling commands.
    pub(super) fn modseq_command(&mut self, server: &mut Server) -> Result<(), SessionError> {
        if self.selected.as_ref().is_some_and(|s| !s.modseqs) {
            return Err(SessionError::BadArguments(NOMODSEQ));
        }
        self.condstore_on(server)
    }

    /// `* VANISHED (EARLIER) uids` (RFC 7162 §3.2.6): the UIDs of `set` expunged after
    /// `since` that the client's view no longer holds. When the store forgot some expunges
    /// ([`crate::store::Vanished::complete`]), every UID of `set` below UIDNEXT that is not
    /// in the mailbox is reported, as §3.2.6 allows.
    pub(super) fn vanished_earlier(
        &mut self,
        server: &mut Server,
        user: &B::User,
        set: &SequenceSet,
        since: u64,
        uid_next: u32,
    ) -> Result<(), SessionError> {
        let sel = self.selected.as_mut().ok_or(SessionError::NotSelected)?;
        let top = uid_next.saturating_sub(1);
        if top == 0 {
            return Ok(());
        }
        let gone = self.backend.vanished(user, &sel.name, since)?;
        let uids = if gone.complete {
            let uids: Vec<u32> = gone
                .uids
                .into_iter()
                .filter(|u| set.contains(*u, top) && sel.seq_of(super::selected::Uid(*u)).is_none())
                .collect();
            SequenceSet::from_numbers(&uids)
        } else {
            // By ranges: a set such as `1:*` may span four billion UIDs.
            let mut gaps = Vec::new();
            for r in set.resolve(top) {
                let (lo, hi) = (*r.start(), (*r.end()).min(top));
                if lo <= hi {
                    gaps.extend(gaps_between(lo, hi, sel.uids_between(lo, hi)));
                }
            }
            ranges_set(gaps)
        };
        if let Some(uids) = uids {
            server.send_data(Data::Vanished { earlier: true, uids })?;
        }
        Ok(())
    }

    /// The tagged answer's HIGHESTMODSEQ (see the module docs): `result` with the code
    /// when this command sent VANISHED after QRESYNC, or with an untagged one before it
    /// when a MODSEQ went out while an expunge is delayed.
    pub(super) fn finish_modseq(
        &mut self,
        server: &mut Server,
        result: Result<Done, SessionError>,
    ) -> Result<Done, SessionError> {
        let Some(sel) = self.selected.as_mut() else { return result };
        let modseq = std::mem::take(&mut sel.told_modseq);
        if !sel.condstore || !sel.modseqs {
            return result;
        }
        if sel.has_pending_expunges() {
            if modseq {
                // A closed connection has nobody to tell.
                let _ = untagged_ok(server, Code::HighestModSeq(sel.highest_modseq), "Expunges are delayed");
            }
            return result;
        }
        match result {
            Ok(Done::Ok) if sel.qresync && sel.highest_modseq > sel.told_highest => {
                sel.told_highest = sel.highest_modseq;
                Ok(Done::Code(Code::HighestModSeq(sel.highest_modseq)))
            }
            r => r,
        }
    }
}

/// The ranges of `lo..=hi` that hold none of `live` (ascending, within it).
fn gaps_between(lo: u32, hi: u32, live: impl Iterator<Item = u32>) -> Vec<(u32, u32)> {
    let mut gaps = Vec::new();
    let mut next = Some(lo);
    for u in live {
        if let Some(n) = next.filter(|n| *n < u) {
            gaps.push((n, u - 1));
        }
        next = u.checked_add(1);
    }
    if let Some(n) = next.filter(|n| *n <= hi) {
        gaps.push((n, hi));
    }
    gaps
}

/// The set of these ranges (any order, overlapping or not), `None` when empty.
fn ranges_set(mut ranges: Vec<(u32, u32)>) -> Option<SequenceSet> {
    use crate::types::{SeqNumber, Sequence};
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let value = |n: u32| std::num::NonZeroU32::new(n).map(SeqNumber::Value);
    let elements: Option<Vec<Sequence>> = merged
        .into_iter()
        .map(|(a, b)| Some(if a == b { Sequence::Single(value(a)?) } else { Sequence::Range(value(a)?, value(b)?) }))
        .collect();
    SequenceSet::new(elements?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_by_ranges() {
        assert_eq!(gaps_between(1, 10, [3, 4, 8].into_iter()), [(1, 2), (5, 7), (9, 10)]);
        assert_eq!(gaps_between(3, 4, [3, 4].into_iter()), []);
        assert_eq!(gaps_between(1, u32::MAX, [u32::MAX].into_iter()), [(1, u32::MAX - 1)]);
        assert_eq!(gaps_between(1, u32::MAX, std::iter::empty()), [(1, u32::MAX)]);
        let set = ranges_set(vec![(9, 10), (1, 2), (2, 4), (6, 6)]).unwrap();
        assert_eq!(set.to_string(), "1:4,6,9:10");
        assert_eq!(ranges_set(vec![]), None);
    }
}
