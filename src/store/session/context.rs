//! CONTEXT=SEARCH (RFC 5267 §4): searches that keep their result up to date.
//!
//! `SEARCH RETURN (UPDATE ...)` leaves a context in the selected mailbox: the criteria,
//! with every sequence number turned into the UIDs it meant when the command came
//! (RFC 5267 §4.3, after the RFC 3501 errata), and the UIDs that match. As the mailbox
//! changes, each sync re-tests the messages that arrived or whose flags changed, and
//! tells the client what joined and what left the result in one
//! `* ESEARCH (TAG "t") [UID] ADDTO (0 set) REMOVEFROM (0 set)`, after the EXISTS and
//! FETCH responses of the same sync. A message expunged from the result is reported with
//! `REMOVEFROM` just before its `EXPUNGE` (§4.3.4), so that its number is still valid.
//! Positions are 0 (mailbox order), which SEARCH contexts may use (§4.3.3).
//!
//! CONTEXT=SORT (§4.3, RFC 5256): `SORT RETURN (UPDATE ...)` keeps the result in sort
//! order too. A message that joins is placed where its keys sort it (equal keys in UID
//! order, as SORT leaves them), found by a binary search over the result that reads the
//! keys of the messages it visits from the store's cached parse; `ADDTO` and `REMOVEFROM`
//! then carry 1-based positions in that order (§4.3.3, §4.3.4: zero is for SEARCH only).
//! A message's keys never change (its header, size and dates are fixed), so flag changes
//! move messages in or out of the result, never within it.
//!
//! Contexts end with the mailbox (close, another SELECT) or `CANCELUPDATE` (§4.3.5). A
//! session keeps at most [`MAX_CONTEXTS`]; past that a search answers as usual plus
//! `* NO [NOUPDATE "tag"]` (§4.3.1).

use std::collections::BTreeSet;

use super::selected::{Selected, Seq, Uid};
use super::{Backend, Session, SessionError};
use crate::server::Server;
use crate::store::SearchQuery;
use crate::types::{
    Code, Data, IString, SearchKey, SearchResult, SequenceSet, SortCriterion, StatusKind, StatusResponse, Tag, Text,
};

/// The most UPDATE contexts one session keeps (RFC 5267 §4.3.1 asks for at least one).
pub(super) const MAX_CONTEXTS: usize = 16;

/// One search that reports changes of its result.
#[derive(Debug)]
pub(super) struct SearchContext {
    /// The searching command's tag, the ESEARCH correlator.
    tag: Tag,
    /// `UID SEARCH`: report UIDs, else sequence numbers.
    uid: bool,
    /// The criteria, sequence numbers resolved to UIDs.
    criteria: Vec<SearchKey>,
    charset: &'static encoding_rs::Encoding,
    /// The UIDs in the result.
    results: BTreeSet<Uid>,
    /// For a SORT (CONTEXT=SORT): its criteria and the result's UIDs in sort order.
    sorted: Option<(Vec<SortCriterion>, Vec<u32>)>,
}

/// `key` with each sequence set replaced by the UIDs it names now (RFC 5267 §4.3: they
/// are evaluated when the command is received).
pub(super) fn pin_sequence_numbers(key: &SearchKey, sel: &Selected) -> SearchKey {
    let pin = |k: &SearchKey| pin_sequence_numbers(k, sel);
    match key {
        SearchKey::SequenceSet(set) => {
            let uids: Vec<u32> = sel.resolve_clamped(set).into_iter().map(|(_, u)| u.0).collect();
            match SequenceSet::from_numbers(&uids) {
                Some(set) => SearchKey::Uid(set),
                None => SearchKey::Not(Box::new(SearchKey::All)),
            }
        }
        SearchKey::Not(k) => SearchKey::Not(Box::new(pin(k))),
        SearchKey::Or(a, b) => SearchKey::Or(Box::new(pin(a)), Box::new(pin(b))),
        SearchKey::And(keys) => SearchKey::And(keys.iter().map(pin).collect()),
        k => k.clone(),
    }
}

impl SearchContext {
    /// A context for the search `tag` whose result is `uids`.
    pub(super) fn new(
        tag: Tag,
        uid: bool,
        criteria: Vec<SearchKey>,
        charset: &'static encoding_rs::Encoding,
        uids: &[u32],
    ) -> Self {
        SearchContext { tag, uid, criteria, charset, results: uids.iter().copied().map(Uid).collect(), sorted: None }
    }

    /// The context of a SORT by `sort` whose result is `uids`, in sort order.
    pub(super) fn sorted(mut self, sort: Vec<SortCriterion>, uids: &[u32]) -> Self {
        self.sorted = Some((sort, uids.to_vec()));
        self
    }

    fn correlator(&self) -> IString {
        self.tag.to_tag_string()
    }

    fn number(&self, seq: Seq, uid: Uid) -> u32 {
        if self.uid {
            uid.0
        } else {
            seq.0.get()
        }
    }

    fn send(&self, server: &mut Server, results: Vec<SearchResult>) -> Result<(), SessionError> {
        server.send_data(Data::ESearch { tag: Some(self.correlator()), uid: self.uid, results })?;
        Ok(())
    }
}

/// `REMOVEFROM` for a message about to be expunged, in every context whose result holds
/// it (RFC 5267 §4.3.4: before the EXPUNGE, while its number is valid).
pub(super) fn before_expunge(
    contexts: &mut [SearchContext],
    server: &mut Server,
    seq: Seq,
    uid: Uid,
) -> Result<(), SessionError> {
    for ctx in contexts.iter_mut() {
        if ctx.results.remove(&uid) {
            let set = SequenceSet::single(seq.0);
            let set = if ctx.uid { SequenceSet::from_numbers(&[uid.0]).unwrap_or(set) } else { set };
            // A SORT's position, 1-based; 0 (anywhere) for a SEARCH's.
            let mut position = 0;
            if let Some((_, order)) = ctx.sorted.as_mut() {
                if let Some(at) = order.iter().position(|&u| u == uid.0) {
                    order.remove(at);
                    position = at as u32 + 1;
                }
            }
            ctx.send(server, vec![SearchResult::RemoveFrom(vec![(position, set)])])?;
        }
    }
    Ok(())
}

/// The REMOVEFROM and ADDTO of a SORT context (RFC 5267 §4.3.3, §4.3.4): each message
/// removed at its position, then each added at the position its keys give, one pair each,
/// in the order the client applies them. `order` is updated alike.
#[allow(clippy::too_many_arguments)]
fn sorted_updates<B: Backend>(
    backend: &B,
    user: &B::User,
    name: &str,
    session: crate::store::SessionId,
    sort: &[SortCriterion],
    order: &mut Vec<u32>,
    removed: &[(Uid, u32)],
    added: &[(Uid, u32)],
) -> Result<Vec<SearchResult>, crate::store::StoreError> {
    let single = |n: u32| SequenceSet::from_numbers(&[n]);
    let mut gone = Vec::new();
    for &(uid, n) in removed {
        if let (Some(at), Some(set)) = (order.iter().position(|&u| u == uid.0), single(n)) {
            order.remove(at);
            gone.push((at as u32 + 1, set));
        }
    }
    let mut joined = Vec::new();
    for &(uid, n) in added {
        let at = crate::store::sort::insertion_point(backend, user, name, session, order, uid.0, sort)?;
        order.insert(at, uid.0);
        if let Some(set) = single(n) {
            joined.push((at as u32 + 1, set));
        }
    }
    let mut results = Vec::new();
    if !gone.is_empty() {
        results.push(SearchResult::RemoveFrom(gone));
    }
    if !joined.is_empty() {
        results.push(SearchResult::AddTo(joined));
    }
    Ok(results)
}

/// The untagged `NO [NOUPDATE "tag"]` of a search whose UPDATE is refused (RFC 5267
/// §4.3.1).
pub(super) fn refuse(server: &mut Server, tag: &Tag) -> Result<(), SessionError> {
    let code = Code::NoUpdate(tag.to_tag_string());
    let text = Text::try_from("Too many updating contexts").expect("static text");
    server.send(&crate::types::Response::Status {
        tag: None,
        status: StatusResponse::new(StatusKind::No, Some(code), text),
    })?;
    Ok(())
}

impl<B: Backend> Session<B> {
    /// Re-tests the messages `touched` (arrived, or flags changed) against every context of
    /// the selected mailbox and reports what joined or left each result.
    pub(super) fn update_contexts(&mut self, server: &mut Server, touched: &[u32]) -> Result<(), SessionError> {
        let (Some(sel), Some(user)) = (self.selected.as_mut(), self.user.as_ref()) else { return Ok(()) };
        if sel.contexts.is_empty() || touched.is_empty() {
            return Ok(());
        }
        let mut pairs: Vec<(Seq, Uid)> = touched
            .iter()
            .filter_map(|&u| sel.seq_of(Uid(u)).filter(|_| !sel.is_pending_expunge(Uid(u))).map(|s| (s, Uid(u))))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        if pairs.is_empty() {
            return Ok(());
        }
        let uids: Vec<u32> = pairs.iter().map(|(_, u)| u.0).collect();
        let seqs: Vec<u32> = pairs.iter().map(|(s, _)| s.0.get()).collect();
        let recent: Vec<u32> = pairs.iter().filter(|(_, u)| sel.is_recent(*u)).map(|(_, u)| u.0).collect();
        let max_seq = sel.len() as u32;
        let max_uid = sel.messages().last().map_or(0, |(_, u)| u.0);
        let now = self.backend.now();
        let mut contexts = std::mem::take(&mut sel.contexts);
        let name = sel.name.clone();
        let mut outcome = Ok(());
        for ctx in contexts.iter_mut() {
            let mut query = SearchQuery::new(&uids, &ctx.criteria);
            query.seqs = Some(&seqs);
            query.max_seq = max_seq;
            query.max_uid = max_uid;
            query.recent = &recent;
            query.charset = ctx.charset;
            query.now = now;
            let found: BTreeSet<u32> = match self.backend.search(user, &name, self.id, &query) {
                Ok(f) => f.into_iter().collect(),
                Err(e) => {
                    outcome = Err(e.into());
                    break;
                }
            };
            let (mut added, mut removed) = (Vec::new(), Vec::new());
            for &(seq, uid) in &pairs {
                match (found.contains(&uid.0), ctx.results.contains(&uid)) {
                    (true, false) => {
                        ctx.results.insert(uid);
                        added.push((uid, ctx.number(seq, uid)));
                    }
                    (false, true) => {
                        ctx.results.remove(&uid);
                        removed.push((uid, ctx.number(seq, uid)));
                    }
                    _ => {}
                }
            }
            let results = match ctx.sorted.as_mut() {
                None => {
                    let numbers = |v: &[(Uid, u32)]| v.iter().map(|(_, n)| *n).collect::<Vec<u32>>();
                    let mut results = Vec::new();
                    if let Some(set) = SequenceSet::from_numbers(&numbers(&removed)) {
                        results.push(SearchResult::RemoveFrom(vec![(0, set)]));
                    }
                    if let Some(set) = SequenceSet::from_numbers(&numbers(&added)) {
                        results.push(SearchResult::AddTo(vec![(0, set)]));
                    }
                    results
                }
                Some((sort, order)) => {
                    match sorted_updates(&*self.backend, user, &name, self.id, sort, order, &removed, &added) {
                        Ok(r) => r,
                        Err(e) => {
                            outcome = Err(e.into());
                            break;
                        }
                    }
                }
            };
            if !results.is_empty() {
                if let Err(e) = ctx.send(server, results) {
                    outcome = Err(e);
                    break;
                }
            }
        }
        if let Some(sel) = self.selected.as_mut() {
            sel.contexts = contexts;
        }
        outcome
    }

    /// `CANCELUPDATE tag ...` (RFC 5267 §4.3.5): the contexts of those searches stop.
    pub(super) fn cancel_update(&mut self, tags: &[IString]) -> Result<super::error::Done, SessionError> {
        let sel = self.selected.as_mut().ok_or(SessionError::NotSelected)?;
        sel.contexts.retain(|c| !tags.iter().any(|t| t.as_bytes() == c.tag.as_bytes()));
        Ok(super::error::Done::Ok)
    }

    /// Whether a context of the selected mailbox was made by the command `tag` (RFC 5267
    /// §4.3: a new UPDATE search under that tag is BAD).
    pub(super) fn context_tag_in_use(&self, tag: &Tag) -> bool {
        self.selected.as_ref().is_some_and(|s| s.contexts.iter().any(|c| c.tag == *tag))
    }
}
