//! Long commands in bounded steps, so that one user's command over a million messages
//! never holds a thread, or a memory budget, that other connections need.
//!
//! A command is a [`Pending`]: maybe a [`Job`] over its messages (FETCH, STORE, SEARCH),
//! then the sync RFC 3501 §7.4.1 allows after it, then its tagged answer. Each step does
//! at most the session's step budget of messages or log entries, with one store call, so
//! the store's lock is held briefly and the responses of one step are bounded. An
//! embedder that sets a budget ([`Session::set_step`]) calls [`Session::resume`] while
//! [`Session::has_work`], when its output has drained, yielding in between; without a
//! budget, [`Session::handle`] runs each command to its end, as before. Commands that
//! arrive meanwhile wait, in order.

use std::collections::VecDeque;

use super::context;
use super::selected::{Seq, Sync, Uid, STEP_CAP};
use super::{Backend, Done, Session, SessionError};
use crate::server::{Event, Server};
use crate::store::sort::Ordered;
use crate::types::{FetchAttribute, Flag, SearchKey, SearchResult, SearchReturn, SequenceSet, StoreKind, Tag};

/// A command between its start and its tagged answer.
#[derive(Debug)]
pub(super) struct Pending {
    pub(super) tag: Tag,
    pub(super) name: &'static str,
    pub(super) stage: Stage,
}

/// Where a pending command is.
#[derive(Debug)]
pub(super) enum Stage {
    /// Working through its messages.
    Job(Job),
    /// Reporting the mailbox's changes (if `sync`), then answering with `result`.
    Finish { sync: Option<Sync>, result: Result<Done, SessionError> },
}

/// The message-by-message part of a command.
#[derive(Debug)]
pub(super) enum Job {
    Fetch(FetchJob),
    Store(StoreJob),
    Search(SearchJob),
    Expunge(ExpungeJob),
    Transfer(TransferJob),
}

impl Job {
    /// The sync after the job (RFC 3501 §7.4.1: no EXPUNGE during FETCH, STORE and
    /// SEARCH by sequence number).
    fn sync(&self) -> Sync {
        match self {
            Job::Fetch(j) => Sync::after(j.uid, false),
            Job::Store(j) => Sync::after(j.uid, false),
            Job::Search(j) => Sync::after(j.uid, false),
            Job::Expunge(j) => Sync::after(j.uids.is_some(), true),
            Job::Transfer(j) => Sync::after(j.uid, true),
        }
    }
}

/// EXPUNGE (`uids: None`, until the store has no `\Deleted` message left) or UID EXPUNGE.
#[derive(Debug)]
pub(super) struct ExpungeJob {
    pub(super) uids: Option<Vec<u32>>,
    pub(super) at: usize,
}

/// COPY or MOVE of `uids` to `to`.
#[derive(Debug)]
pub(super) struct TransferJob {
    pub(super) uids: Vec<u32>,
    pub(super) at: usize,
    pub(super) to: String,
    pub(super) moving: bool,
    pub(super) uid: bool,
    pub(super) done: crate::store::CopyResult,
}

/// FETCH over `pairs`.
#[derive(Debug)]
pub(super) struct FetchJob {
    pub(super) pairs: Vec<(Seq, Uid)>,
    pub(super) at: usize,
    pub(super) atts: Vec<FetchAttribute>,
    pub(super) uid: bool,
    pub(super) missing: bool,
    pub(super) unknown_cte: bool,
    /// `CHANGEDSINCE` (RFC 7162 §3.1.4.1): only messages changed after it.
    pub(super) changed_since: Option<u64>,
    /// The code of the tagged OK (a `SELECT (QRESYNC ...)`'s READ-WRITE).
    pub(super) code: Option<crate::types::Code>,
    /// The message being streamed out, between steps.
    pub(super) stream: Option<super::stream::BodyStream>,
}

/// STORE over `pairs`.
#[derive(Debug)]
pub(super) struct StoreJob {
    pub(super) pairs: Vec<(Seq, Uid)>,
    pub(super) at: usize,
    pub(super) uid: bool,
    pub(super) kind: StoreKind,
    pub(super) silent: bool,
    pub(super) flags: Vec<Flag>,
    /// `UNCHANGEDSINCE` (RFC 7162 §3.1.3).
    pub(super) unchanged_since: Option<u64>,
    /// The messages that failed it (numbers or UIDs), for `[MODIFIED]`.
    pub(super) modified: Vec<u32>,
}

/// SEARCH over `candidates`.
#[derive(Debug)]
pub(super) struct SearchJob {
    pub(super) candidates: Vec<(Seq, Uid)>,
    pub(super) at: usize,
    pub(super) uid: bool,
    pub(super) criteria: Vec<SearchKey>,
    pub(super) charset: &'static encoding_rs::Encoding,
    pub(super) max_seq: u32,
    pub(super) max_uid: u32,
    pub(super) hits: Vec<u32>,
    /// The UIDs of the hits, when `RETURN (SAVE)` keeps them as `$` (RFC 5182) or
    /// `RETURN (UPDATE)` keeps them in a context (RFC 5267).
    pub(super) hit_uids: Option<Vec<u32>>,
    /// `RETURN (UPDATE)`: the criteria with sequence numbers pinned to UIDs, for the
    /// context the search leaves (RFC 5267 §4.3).
    pub(super) context: Option<Vec<SearchKey>>,
    /// `RETURN (...)`: answer with ESEARCH (RFC 4731).
    pub(super) ret: Option<Vec<SearchReturn>>,
    /// The store's time when the command began, for OLDER and YOUNGER (RFC 5032).
    pub(super) now: Option<crate::types::DateTime>,
    /// A `MODSEQ` key: the highest mod-sequence of the hits so far (RFC 7162 §3.1.5).
    pub(super) modseq: Option<u64>,
    /// SORT or THREAD (RFC 5256): how the hits are ordered once found.
    pub(super) order: Option<crate::store::sort::Order>,
}

/// Events that arrived while a command was pending, and whether IDLE updates are due.
#[derive(Debug, Default)]
pub(super) struct Waiting {
    pub(super) events: VecDeque<Event>,
    pub(super) updates: bool,
}

impl<B: Backend> Session<B> {
    /// Limits each step to `messages` messages (or change-log entries); 0 means no limit,
    /// the default. With a limit, long commands continue in [`Session::resume`].
    pub fn set_step(&mut self, messages: usize) {
        self.step = if messages == 0 { usize::MAX } else { messages };
    }

    /// Whether a command (or IDLE updates) is waiting for [`Session::resume`].
    pub fn has_work(&self) -> bool {
        self.pending.is_some()
            || !self.waiting.events.is_empty()
            || (self.waiting.updates && (self.idling || self.notify.is_some()))
    }

    /// Does one step of the pending work (about the step budget of messages), answering
    /// commands as they end and starting the ones that waited.
    pub fn resume(&mut self, server: &mut Server) {
        self.advance(server);
    }

    /// Runs pending work within one step budget.
    pub(super) fn advance(&mut self, server: &mut Server) {
        let mut budget = self.step;
        while budget > 0 {
            if server.is_closed() {
                self.pending = None;
                self.waiting.events.clear();
                return;
            }
            if let Some(p) = self.pending.take() {
                budget = budget.saturating_sub(self.step_pending(server, p, budget));
                continue;
            }
            if let Some(event) = self.waiting.events.pop_front() {
                self.dispatch(server, event);
                budget = budget.saturating_sub(1);
                continue;
            }
            if self.waiting.updates && (self.idling || self.notify.is_some()) {
                let Some(mode) = self.unsolicited_sync() else {
                    // NOTIFY without the selected mailbox's events: only other mailboxes.
                    self.waiting.updates = false;
                    let _ = self.notify_poll(server);
                    continue;
                };
                match self.sync_step(server, mode, budget) {
                    Ok((used, true)) => {
                        self.waiting.updates = false;
                        budget = budget.saturating_sub(used.max(1));
                        let _ = self.notify_poll(server);
                    }
                    Ok((used, false)) => budget = budget.saturating_sub(used.max(1)),
                    Err(_) => self.waiting.updates = false,
                }
                continue;
            }
            break;
        }
    }

    /// One step of a pending command; returns the budget used.
    fn step_pending(&mut self, server: &mut Server, mut p: Pending, budget: usize) -> usize {
        match p.stage {
            Stage::Job(mut job) => {
                let (used, done) = match self.job_step(server, &p.tag, &mut job, budget) {
                    Ok(r) => r,
                    Err(e) => {
                        p.stage = Stage::Finish { sync: Some(job.sync()), result: Err(e) };
                        self.pending = Some(p);
                        return 1;
                    }
                };
                p.stage = match done {
                    Some((sync, result)) => Stage::Finish { sync: Some(sync), result },
                    None => Stage::Job(job),
                };
                self.pending = Some(p);
                used.max(1)
            }
            Stage::Finish { sync: Some(mode), result } => match self.sync_step(server, mode, budget) {
                Ok((used, true)) => {
                    // NOTIFY's news of other mailboxes, between commands (RFC 5465 §3).
                    let _ = self.notify_poll(server);
                    let result = self.finish_modseq(server, result);
                    Self::answer(server, &p.tag, p.name, result);
                    used.max(1)
                }
                Ok((used, false)) => {
                    p.stage = Stage::Finish { sync: Some(mode), result };
                    self.pending = Some(p);
                    used.max(1)
                }
                // The connection ended (BYE, or closed): nobody to answer.
                Err(_) => 1,
            },
            Stage::Finish { sync: None, result } => {
                let _ = self.notify_poll(server);
                let result = self.finish_modseq(server, result);
                Self::answer(server, &p.tag, p.name, result);
                1
            }
        }
    }

    /// One step of a job over at most `budget` messages: the budget used, and, once the
    /// last message is done, the sync to run and the command's result.
    #[allow(clippy::type_complexity)]
    fn job_step(
        &mut self,
        server: &mut Server,
        tag: &Tag,
        job: &mut Job,
        budget: usize,
    ) -> Result<(usize, Option<(Sync, Result<Done, SessionError>)>), SessionError> {
        let user = self.user.clone().ok_or(SessionError::NotLoggedIn)?;
        match job {
            Job::Fetch(j) => {
                let n = if j.stream.is_some() {
                    // A piece of a streamed message is a whole step.
                    self.stream_step(server, &user, j);
                    budget
                } else {
                    let n = budget.min(STEP_CAP).min(j.pairs.len() - j.at);
                    let used = self.fetch_chunk(server, &user, j, n)?;
                    j.at += used;
                    used
                };
                let done = (j.at == j.pairs.len() && j.stream.is_none()).then(|| {
                    let result = if j.unknown_cte {
                        Err(crate::store::StoreError::UnknownCte.into())
                    } else if j.missing {
                        // Only a store that cannot keep expunged messages gets here.
                        Err(crate::store::StoreError::Expunged.into())
                    } else {
                        Ok(j.code.take().map_or(Done::Ok, Done::Code))
                    };
                    (Sync::after(j.uid, false), result)
                });
                Ok((n, done))
            }
            Job::Store(j) => {
                let n = budget.min(STEP_CAP).min(j.pairs.len() - j.at);
                self.store_chunk(server, &user, j, n)?;
                j.at += n;
                let done = (j.at == j.pairs.len()).then(|| {
                    let result = match SequenceSet::from_numbers(&j.modified) {
                        Some(set) => Done::Code(crate::types::Code::Modified(set)),
                        None => Done::Ok,
                    };
                    (Sync::after(j.uid, false), Ok(result))
                });
                Ok((n, done))
            }
            Job::Expunge(j) => {
                let n = budget.min(STEP_CAP);
                let sync = Sync::after(j.uids.is_some(), true);
                let name = self.selected.as_ref().ok_or(SessionError::NotSelected)?.name.clone();
                match &j.uids {
                    Some(uids) => {
                        let n = n.min(uids.len() - j.at);
                        self.backend.expunge(&user, &name, Some(&uids[j.at..j.at + n]), usize::MAX)?;
                        j.at += n;
                        Ok((n, (j.at == uids.len()).then_some((sync, Ok(Done::Ok)))))
                    }
                    None => {
                        let gone = self.backend.expunge(&user, &name, None, n)?.len();
                        Ok((gone, (gone < n).then_some((sync, Ok(Done::Ok)))))
                    }
                }
            }
            Job::Transfer(j) => {
                let n = budget.min(STEP_CAP).min(j.uids.len() - j.at);
                self.transfer_chunk(&user, j, n)?;
                j.at += n;
                if j.at < j.uids.len() {
                    return Ok((n, None));
                }
                Ok((n, Some((Sync::after(j.uid, true), self.transfer_done(server, j)))))
            }
            Job::Search(j) => {
                let n = budget.min(STEP_CAP).min(j.candidates.len() - j.at);
                self.search_chunk(&user, j, n)?;
                j.at += n;
                if j.at < j.candidates.len() {
                    return Ok((n, None));
                }
                let mut hits = std::mem::take(&mut j.hits);
                let mut uids = j.hit_uids.take();
                let sort = match &j.order {
                    Some(crate::store::sort::Order::Sort(sort)) => Some(sort.clone()),
                    _ => None,
                };
                if let Some(order) = j.order.take() {
                    match self.order_hits(&user, &order, &hits, uids.as_deref().unwrap_or(&[]))? {
                        Ordered::Sorted(at) => {
                            hits = at.iter().filter_map(|&p| hits.get(p).copied()).collect();
                            uids = uids.map(|u| at.iter().filter_map(|&p| u.get(p).copied()).collect());
                            if j.ret.is_none() {
                                let modseq = j.modseq.filter(|_| !hits.is_empty());
                                server.send_data(crate::types::Data::Sort { ids: hits, modseq })?;
                                return Ok((n, Some((Sync::after(j.uid, false), Ok(Done::Ok)))));
                            }
                        }
                        Ordered::Threads(threads) => {
                            server.send_data(crate::types::Data::Thread(threads))?;
                            return Ok((n, Some((Sync::after(j.uid, false), Ok(Done::Ok)))));
                        }
                    }
                }
                if let (Some(criteria), Some(uids), Some(sel)) = (j.context.take(), &uids, self.selected.as_mut()) {
                    if sel.contexts.len() < context::MAX_CONTEXTS {
                        let ctx = context::SearchContext::new(tag.clone(), j.uid, criteria, j.charset, uids);
                        sel.contexts.push(match sort {
                            Some(sort) => ctx.sorted(sort, uids),
                            None => ctx,
                        });
                    } else {
                        context::refuse(server, tag)?;
                    }
                }
                let save = j.ret.as_ref().is_some_and(|r| r.contains(&SearchReturn::Save));
                if let (true, Some(uids), Some(ret), Some(sel)) = (save, uids, &j.ret, self.selected.as_mut()) {
                    sel.saved = saved_result(ret, uids).into_iter().map(Uid).collect();
                }
                let answer = match &j.ret {
                    // `(MODSEQ n)` only when something matched (RFC 7162 §3.1.5).
                    None => {
                        Some(crate::types::Data::Search { modseq: j.modseq.filter(|_| !hits.is_empty()), ids: hits })
                    }
                    // RETURN (SAVE) alone answers nothing (RFC 5182 §2.4).
                    Some(ret) if only_save(ret) => None,
                    Some(ret) => Some(esearch(tag, j.uid, ret, &hits, j.modseq)),
                };
                if let Some(answer) = answer {
                    server.send_data(answer)?;
                }
                Ok((n, Some((Sync::after(j.uid, false), Ok(Done::Ok)))))
            }
        }
    }
}

/// The result options of a RETURN list: what it asks to be told (CONTEXT and UPDATE ask
/// nothing of this answer, RFC 5267 §4).
fn result_options(ret: &[SearchReturn]) -> impl Iterator<Item = SearchReturn> + '_ {
    ret.iter().copied().filter(|r| !matches!(r, SearchReturn::Context | SearchReturn::Update))
}

/// `RETURN (SAVE)`, with CONTEXT or UPDATE at most: no ESEARCH (RFC 5182 §2.4).
fn only_save(ret: &[SearchReturn]) -> bool {
    let mut opts = result_options(ret).peekable();
    opts.peek().is_some() && opts.all(|r| r == SearchReturn::Save)
}

/// The PARTIAL range of a RETURN list, if any.
fn partial(ret: &[SearchReturn]) -> Option<crate::types::PartialRange> {
    ret.iter().find_map(|r| if let SearchReturn::Partial(p) = r { Some(*p) } else { None })
}

/// What `RETURN (... SAVE ...)` keeps as `$` of the hits (UIDs, ascending), RFC 5182
/// §2.4 and RFC 9394 §3.2 (Table 1): all of them with ALL or COUNT (or no MIN, MAX or
/// PARTIAL); else the PARTIAL range's and the MIN and MAX message.
fn saved_result(ret: &[SearchReturn], uids: Vec<u32>) -> Vec<u32> {
    let has = |r| ret.contains(&r);
    let part = partial(ret);
    if has(SearchReturn::All)
        || has(SearchReturn::Count)
        || !(has(SearchReturn::Min) || has(SearchReturn::Max) || part.is_some())
    {
        return uids;
    }
    let mut out: Vec<u32> = part.map(|p| uids[p.select(uids.len())].to_vec()).unwrap_or_default();
    if has(SearchReturn::Min) {
        out.extend(uids.first());
    }
    if has(SearchReturn::Max) {
        out.extend(uids.last().filter(|u| !out.contains(u)));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The ESEARCH answer (RFC 4731 §3.1) to `SEARCH RETURN (ret)` with these hits (ascending):
/// MIN, MAX and ALL only when something matched, COUNT always; `RETURN ()` is `ALL`;
/// in the order Dovecot sends them (MIN, MAX, ALL, COUNT).
///
/// After a `MODSEQ` key, `MODSEQ` (the hits' highest) goes last, as Dovecot sends it
/// (RFC 7162 §3.1.5), when something matched.
fn esearch(tag: &Tag, uid: bool, ret: &[SearchReturn], hits: &[u32], modseq: Option<u64>) -> crate::types::Data {
    // `RETURN ()`, or CONTEXT and UPDATE alone, is ALL (RFC 4731 §3.1, RFC 5267 §4).
    let asked: Vec<SearchReturn> = result_options(ret).collect();
    let ret = if asked.is_empty() { &[SearchReturn::All][..] } else { &asked[..] };
    let mut results = Vec::with_capacity(ret.len());
    // In Dovecot's order, PARTIAL where ALL goes.
    let part = partial(ret).map(SearchReturn::Partial);
    for r in
        [SearchReturn::Min, SearchReturn::Max, SearchReturn::All].into_iter().chain(part).chain([SearchReturn::Count])
    {
        if !ret.contains(&r) {
            continue;
        }
        results.extend(match r {
            SearchReturn::Save | SearchReturn::Context | SearchReturn::Update => None,
            SearchReturn::Min => hits.first().map(|n| SearchResult::Min(*n)),
            SearchReturn::Max => hits.last().map(|n| SearchResult::Max(*n)),
            SearchReturn::Count => Some(SearchResult::Count(hits.len() as u32)),
            SearchReturn::All => SequenceSet::from_numbers(hits).map(SearchResult::All),
            SearchReturn::Partial(range) => {
                let results = SequenceSet::from_numbers(&hits[range.select(hits.len())]);
                Some(SearchResult::Partial { range, results })
            }
        });
    }
    if let (Some(m), false) = (modseq, hits.is_empty()) {
        results.push(SearchResult::ModSeq(m));
    }
    crate::types::Data::ESearch { tag: Some(tag.to_tag_string()), uid, results }
}
