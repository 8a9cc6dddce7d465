//! The commands on the selected mailbox: FETCH, STORE, COPY, MOVE, EXPUNGE, UID EXPUNGE
//! and SEARCH, each with the sync RFC 3501 §7.4.1 allows around it.

use super::context;
use super::selected::{untagged_ok, Seq, Uid};
use super::stream;
use super::work::{ExpungeJob, FetchJob, Job, SearchJob, StoreJob, TransferJob};
use super::{Backend, Done, Session, SessionError};
use crate::server::Server;
use crate::store::sort::{Order, Ordered};
use crate::store::{fetch, partial};
use crate::store::{MessageData, SearchQuery, Stored};
use crate::types::{
    Code, CommandBody, FetchAttribute, FetchItem, FetchModifier, Flag, IString, Mailbox, PartialRange, SearchKey,
    SearchReturn, SequenceSet, StoreKind, ThreadAlgorithm,
};

/// Whether a SEARCH key uses `MODSEQ` (RFC 7162 §3.1.5), anywhere in it.
fn uses_modseq(key: &SearchKey) -> bool {
    match key {
        SearchKey::ModSeq { .. } => true,
        SearchKey::Not(k) => uses_modseq(k),
        SearchKey::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        SearchKey::And(keys) => keys.iter().any(uses_modseq),
        _ => false,
    }
}

/// COPY or MOVE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transfer {
    Copy,
    Move,
}

impl<B: Backend> Session<B> {
    pub(super) fn selected_command(&mut self, server: &mut Server, command: CommandBody) -> Result<Done, SessionError> {
        if self.selected.is_none() {
            return Err(SessionError::NotSelected);
        }
        match command {
            CommandBody::Expunge => self.expunge(None),
            CommandBody::UidExpunge { set } => self.expunge(Some(&set)),
            CommandBody::Fetch { set, attributes, uid, modifiers } => {
                let mut atts = attributes.to_vec();
                let m = FetchModifiers::new(&modifiers, uid, self.enabled.qresync)?;
                if atts.contains(&FetchAttribute::ModSeq) || m.changed_since.is_some() {
                    self.modseq_command(server)?;
                    // CHANGEDSINCE implies MODSEQ (RFC 7162 §3.1.4.1), after the rest.
                    if !atts.contains(&FetchAttribute::ModSeq) {
                        atts.push(FetchAttribute::ModSeq);
                    }
                    // After QRESYNC, a FETCH with MODSEQ tells the UID (RFC 7162 §3.2.4).
                    if self.enabled.qresync && !atts.contains(&FetchAttribute::Uid) {
                        atts.insert(0, FetchAttribute::Uid);
                    }
                }
                if uid && !atts.contains(&FetchAttribute::Uid) {
                    atts.insert(0, FetchAttribute::Uid);
                }
                if let (true, Some(since)) = (m.vanished, m.changed_since) {
                    let user = self.user.clone().ok_or(SessionError::NotLoggedIn)?;
                    let name = self.sel()?.name.clone();
                    let next = self.backend.status(&user, &name)?.uid_next;
                    self.vanished_earlier(server, &user, &set, since, next)?;
                }
                self.fetch(&set, uid, atts, m.partial, m.changed_since)
            }
            CommandBody::Store { set, unchanged_since, kind, silent, flags, uid } => {
                if unchanged_since.is_some() {
                    self.modseq_command(server)?;
                }
                let job = StoreJob {
                    pairs: Vec::new(),
                    at: 0,
                    uid,
                    kind,
                    silent,
                    flags,
                    unchanged_since,
                    modified: Vec::new(),
                };
                self.store(&set, job)
            }
            CommandBody::Copy { set, mailbox, uid } => self.transfer(&set, uid, &mailbox, Transfer::Copy),
            CommandBody::Move { set, mailbox, uid } => self.transfer(&set, uid, &mailbox, Transfer::Move),
            CommandBody::CancelUpdate { tags } => self.cancel_update(&tags),
            CommandBody::Search { ret, charset, criteria, uid } => {
                let modseq = criteria.iter().any(uses_modseq);
                if modseq {
                    self.modseq_command(server)?;
                }
                if charset.is_some() && self.enabled.utf8 {
                    return Err(SessionError::CharsetAfterUtf8);
                }
                // IMAP4rev2 answers every SEARCH with ESEARCH (RFC 9051 §6.4.4, Appendix
                // E item 4): no RETURN is `RETURN ()`, which is ALL.
                let ret = if self.enabled.rev2 { Some(ret.unwrap_or_default()) } else { ret };
                self.search(charset.as_ref(), criteria, uid, ret, modseq, None)
            }
            CommandBody::Sort { ret, sort, charset, criteria, uid } => {
                let modseq = criteria.iter().any(uses_modseq);
                if modseq {
                    self.modseq_command(server)?;
                }
                self.search(Some(&charset), criteria, uid, ret, modseq, Some(Order::Sort(sort)))
            }
            CommandBody::Thread { algorithm, charset, criteria, uid } => {
                if let ThreadAlgorithm::Other(_) = algorithm {
                    // Dovecot: `BAD Unknown thread algorithm`.
                    return Err(SessionError::BadArguments("Unknown thread algorithm"));
                }
                let modseq = criteria.iter().any(uses_modseq);
                if modseq {
                    self.modseq_command(server)?;
                }
                self.search(Some(&charset), criteria, uid, None, false, Some(Order::Thread(algorithm)))
            }
            other => Err(SessionError::Unsupported(other.name())),
        }
    }

    fn sel(&mut self) -> Result<&mut super::Selected, SessionError> {
        self.selected.as_mut().ok_or(SessionError::NotSelected)
    }

    /// EXPUNGE or UID EXPUNGE (RFC 3501 §6.4.3, RFC 4315 §2.1).
    fn expunge(&mut self, set: Option<&SequenceSet>) -> Result<Done, SessionError> {
        let sel = self.sel()?;
        if sel.read_only {
            return Err(SessionError::ReadOnly);
        }
        let uids: Option<Vec<u32>> = match set {
            Some(set) => Some(sel.resolve(set, true)?.into_iter().map(|(_, u)| u.0).collect()),
            None => None,
        };
        self.new_job = Some(Job::Expunge(ExpungeJob { uids, at: 0 }));
        Ok(Done::Ok)
    }

    /// FETCH and UID FETCH (RFC 3501 §6.4.5), as a job over the set. A message another
    /// session expunged, that this client was not told of yet, is answered with its data
    /// (RFC 2180 §4.1.1). With `partial` (RFC 9394 §3.3), only the messages at those
    /// positions among the set's, in UID order.
    ///
    /// With `changed_since` (RFC 7162 §3.1.4.1), only the messages whose mod-sequence is
    /// above it.
    fn fetch(
        &mut self,
        set: &SequenceSet,
        uid: bool,
        atts: Vec<FetchAttribute>,
        partial: Option<PartialRange>,
        changed_since: Option<u64>,
    ) -> Result<Done, SessionError> {
        let mut pairs = self.sel()?.resolve(set, uid)?;
        if let Some(range) = partial {
            let keep = range.select(pairs.len());
            pairs.truncate(keep.end);
            pairs.drain(..keep.start);
        }
        let job = FetchJob {
            pairs,
            at: 0,
            atts,
            uid,
            missing: false,
            unknown_cte: false,
            changed_since,
            code: None,
            stream: None,
        };
        self.new_job = Some(Job::Fetch(job));
        Ok(Done::Ok)
    }

    /// The FETCH of a `SELECT (QRESYNC ...)` (RFC 7162 §3.2.5): `UID FETCH known (FLAGS)
    /// (CHANGEDSINCE since)`, answered with the SELECT's `code`.
    pub(super) fn resync_fetch(&mut self, known: &SequenceSet, since: u64, code: Code) -> Result<Done, SessionError> {
        let pairs = self.sel()?.resolve(known, true)?;
        let atts = vec![FetchAttribute::Uid, FetchAttribute::Flags, FetchAttribute::ModSeq];
        let job = FetchJob {
            pairs,
            at: 0,
            atts,
            uid: true,
            missing: false,
            unknown_cte: false,
            changed_since: Some(since),
            code: Some(code),
            stream: None,
        };
        self.new_job = Some(Job::Fetch(job));
        Ok(Done::Ok)
    }

    /// `n` messages of a FETCH from `job.at`, with their implicit `\Seen` in one store
    /// call; how many it did. It stops after a message it starts to stream
    /// (`job.stream`, the `stream` module).
    pub(super) fn fetch_chunk(
        &mut self,
        server: &mut Server,
        user: &B::User,
        job: &mut FetchJob,
        n: usize,
    ) -> Result<usize, SessionError> {
        let stream_over = self.stream_threshold(job);
        let mut pairs = &job.pairs[job.at..job.at + n];
        let atts = &job.atts;
        let sel = self.selected.as_mut().ok_or(SessionError::NotSelected)?;
        let changed: Vec<(Seq, Uid)>;
        if let Some(since) = job.changed_since {
            // CHANGEDSINCE: the index says which messages changed; only those are read.
            let uids: Vec<u32> = pairs.iter().map(|(_, u)| u.0).collect();
            let modseqs = self.backend.modseqs(user, &sel.name, self.id, &uids)?;
            changed =
                pairs.iter().zip(modseqs).filter(|(_, m)| m.is_some_and(|m| m > since)).map(|(p, _)| *p).collect();
            pairs = &changed;
        }
        let mut uids: Vec<u32> = pairs.iter().map(|(_, u)| u.0).collect();
        // Partials of the whole text only (`BODY.PEEK[]<0.1024>`): the store reads ranges.
        let partials = partial::whole_partials(atts);
        let mut streamed = None;
        let mut data = if let Some(over) = stream_over {
            // Sizes first: the first large message is streamed, the ones before it read.
            let parse = atts.iter().any(fetch::from_parse);
            let mut data = match parse {
                true => self.backend.fetch_parsed(user, &sel.name, self.id, &uids)?,
                false => self.backend.fetch_meta(user, &sel.name, self.id, &uids)?,
            };
            let big = |m: &MessageData| u64::from(m.size) >= over && (!parse || m.parsed.is_some());
            if let Some(j) = data.iter().position(|m| m.as_ref().is_some_and(big)) {
                data.truncate(j + 1);
                uids.truncate(j + 1);
                pairs = &pairs[..j + 1];
                streamed = Some(j);
            }
            let read: Vec<u32> =
                (0..data.len()).filter(|k| Some(*k) != streamed && data[*k].is_some()).map(|k| uids[k]).collect();
            if !read.is_empty() {
                let mut whole = self.backend.fetch(user, &sel.name, self.id, &read)?.into_iter();
                for (k, slot) in data.iter_mut().enumerate() {
                    if Some(k) != streamed && slot.is_some() {
                        *slot = whole.next().flatten();
                    }
                }
            }
            data
        } else if partials.is_some() || !atts.iter().any(fetch::needs_body) {
            self.backend.fetch_meta(user, &sel.name, self.id, &uids)?
        } else if atts.iter().all(|a| !fetch::needs_body(a) || fetch::from_parse(a)) {
            let meta = self.backend.fetch_parsed(user, &sel.name, self.id, &uids)?;
            // A store without a cached parse: the messages themselves, to parse.
            if meta.iter().flatten().any(|m| m.parsed.is_none()) {
                self.backend.fetch(user, &sel.name, self.id, &uids)?
            } else {
                meta
            }
        } else {
            self.backend.fetch(user, &sel.name, self.id, &uids)?
        };
        let mut ranges = match &partials {
            Some(p) => partial::read_ranges(&*self.backend, user, &sel.name, self.id, p, &mut data)?,
            None => Vec::new(),
        };
        let mut unseen: Vec<usize> = Vec::new();
        if !sel.read_only && atts.iter().any(FetchAttribute::sets_seen) {
            unseen =
                (0..data.len()).filter(|k| data[*k].as_ref().is_some_and(|m| !m.flags.contains(&Flag::Seen))).collect();
        }
        let mut seen_changed = vec![false; data.len()];
        if !unseen.is_empty() {
            let seen_uids: Vec<u32> = unseen.iter().map(|k| uids[*k]).collect();
            let outcome = self.backend.store(user, &sel.name, &seen_uids, StoreKind::Add, &[Flag::Seen])?;
            sel.own_changes(outcome.log, true);
            let modseqs = outcome.modseqs.into_iter().map(Some).chain(std::iter::repeat(None));
            for ((k, stored), modseq) in unseen.into_iter().zip(outcome.flags).zip(modseqs) {
                if let (Stored::Changed(flags), Some(m)) = (stored, data[k].as_mut()) {
                    m.flags = flags;
                    m.modseq = modseq.unwrap_or(m.modseq);
                    seen_changed[k] = true;
                }
            }
        }
        for (k, (((seq, uid), msg), seen_changed)) in pairs.iter().zip(data).zip(seen_changed).enumerate() {
            let Some(msg) = msg else {
                job.missing = true;
                continue;
            };
            let stream_k = stream::streamable(atts).filter(|_| streamed == Some(k));
            let made = match ranges.get_mut(k) {
                Some(read) => partial::ranged_items(&msg, atts, sel.is_recent(*uid), std::mem::take(read)),
                None => fetch::items(&msg, atts, sel.is_recent(*uid)),
            };
            let mut items = match made {
                Ok(items) => items,
                Err(_) => {
                    job.unknown_cte = true;
                    continue;
                }
            };
            if seen_changed && !atts.contains(&FetchAttribute::Flags) {
                items.push(FetchItem::Flags(sel.flag_fetch(&msg.flags, *uid)));
            }
            if seen_changed && sel.condstore && sel.modseqs {
                // The implicit `\Seen` changed its mod-sequence (RFC 7162 §3.2.4).
                if !atts.contains(&FetchAttribute::ModSeq) {
                    items.push(FetchItem::ModSeq(msg.modseq));
                }
                if sel.qresync && !atts.contains(&FetchAttribute::Uid) {
                    items.insert(0, FetchItem::Uid(msg.uid));
                }
            }
            // The streamed item was made of the empty body `fetch_meta` gives: a stand-in.
            match stream_k.map(|s| stream::label(atts, s)) {
                Some(label) => {
                    let len = u64::from(msg.size);
                    let at = items.iter().position(|i| stream::is_item(&label, i)).unwrap_or(items.len() - 1);
                    sel.send_fetch_head(server, *seq, items, at, &label, len)?;
                    job.stream = (len > 0).then_some(stream::BodyStream { uid: uid.0, at: 0, len });
                }
                None => sel.send_fetch(server, *seq, items)?,
            }
        }
        // With CHANGEDSINCE (never streamed), `pairs` are the changed ones among the `n`.
        Ok(if streamed.is_some() { pairs.len() } else { n })
    }

    /// STORE and UID STORE (RFC 3501 §6.4.6), as a job over the set. Without `.SILENT`,
    /// each message whose flags changed gets a FETCH with its new flags; one that already
    /// had them gets none, as in Dovecot. A message another session expunged is left
    /// alone and the command is answered OK (RFC 2180 §4.2.1). Changes of other sessions
    /// follow, reported once.
    ///
    /// Once CONDSTORE is on, each changed message's FETCH carries its MODSEQ, even
    /// `.SILENT` (RFC 7162 §3.1.3), and one that already had the flags gets none, as in
    /// Dovecot. Under `UNCHANGEDSINCE`, a message changed since is left alone and listed in
    /// the tagged `[MODIFIED]`.
    fn store(&mut self, set: &SequenceSet, mut job: StoreJob) -> Result<Done, SessionError> {
        if self.sel()?.read_only {
            return Err(SessionError::ReadOnly);
        }
        job.pairs = self.sel()?.resolve(set, job.uid)?;
        self.new_job = Some(Job::Store(job));
        Ok(Done::Ok)
    }

    /// `n` messages of a STORE from `job.at`, in one store call.
    pub(super) fn store_chunk(
        &mut self,
        server: &mut Server,
        user: &B::User,
        job: &mut StoreJob,
        n: usize,
    ) -> Result<(), SessionError> {
        let pairs = &job.pairs[job.at..job.at + n];
        let sel = self.selected.as_mut().ok_or(SessionError::NotSelected)?;
        let uids: Vec<u32> = pairs.iter().map(|(_, u)| u.0).collect();
        let outcome = match job.unchanged_since {
            Some(since) => self.backend.store_unchanged_since(user, &sel.name, &uids, job.kind, &job.flags, since)?,
            None => self.backend.store(user, &sel.name, &uids, job.kind, &job.flags)?,
        };
        sel.own_changes(outcome.log, !job.silent);
        let modseq = sel.condstore && sel.modseqs;
        let modseqs = outcome.modseqs.into_iter().chain(std::iter::repeat(0));
        for (((seq, u), stored), m) in pairs.iter().zip(outcome.flags).zip(modseqs) {
            let flags = match stored {
                Stored::Changed(flags) => flags,
                Stored::Modified => {
                    job.modified.push(if job.uid { u.0 } else { seq.0.get() });
                    continue;
                }
                Stored::Unchanged(_) | Stored::Expunged => continue,
            };
            if job.silent && !modseq {
                continue;
            }
            let mut items = Vec::with_capacity(3);
            if job.uid || (modseq && sel.qresync) {
                items.push(FetchItem::Uid(u.0));
            }
            if modseq {
                items.push(FetchItem::ModSeq(m));
            }
            if !job.silent {
                items.push(FetchItem::Flags(sel.flag_fetch(&flags, *u)));
            }
            sel.send_fetch(server, *seq, items)?;
        }
        Ok(())
    }

    /// COPY and MOVE, by sequence number or UID (RFC 3501 §6.4.7, RFC 6851, RFC 4315
    /// COPYUID). The destination may be the selected mailbox itself, as in Dovecot.
    /// Messages this client still sees are copied even if another session expunged them
    /// (RFC 2180 §4.4.2); pending EXPUNGEs are sent with the answer.
    fn transfer(
        &mut self,
        set: &SequenceSet,
        uid: bool,
        mailbox: &Mailbox,
        how: Transfer,
    ) -> Result<Done, SessionError> {
        let sel = self.sel()?;
        if how == Transfer::Move && sel.read_only {
            return Err(SessionError::ReadOnly);
        }
        let uids: Vec<u32> = sel.resolve(set, uid)?.into_iter().map(|(_, u)| u.0).collect();
        let to = super::wire_name(mailbox).map_err(SessionError::target)?;
        let done = crate::store::CopyResult { uid_validity: 0, source: Vec::new(), destination: Vec::new() };
        self.new_job = Some(Job::Transfer(TransferJob { uids, at: 0, to, moving: how == Transfer::Move, uid, done }));
        Ok(Done::Ok)
    }

    /// `n` messages of a COPY or MOVE from `job.at`, in one store call.
    pub(super) fn transfer_chunk(
        &mut self,
        user: &B::User,
        job: &mut TransferJob,
        n: usize,
    ) -> Result<(), SessionError> {
        let name = &self.selected.as_ref().ok_or(SessionError::NotSelected)?.name;
        let chunk = &job.uids[job.at..job.at + n];
        let r = if job.moving {
            self.backend.move_messages(user, name, self.id, chunk, &job.to)
        } else {
            self.backend.copy(user, name, self.id, chunk, &job.to)
        };
        let r = r.map_err(SessionError::target)?;
        job.done.uid_validity = r.uid_validity;
        job.done.source.extend(r.source);
        job.done.destination.extend(r.destination);
        Ok(())
    }

    /// The answer of a COPY or MOVE once every message is done: COPYUID (RFC 4315), in an
    /// untagged OK before the EXPUNGEs for MOVE (RFC 6851 §4.3).
    pub(super) fn transfer_done(&mut self, server: &mut Server, job: &TransferJob) -> Result<Done, SessionError> {
        if job.done.source.is_empty() && !job.uids.is_empty() {
            return Err(crate::store::StoreError::Expunged.into());
        }
        let code = copyuid(&job.done);
        match (job.moving, code) {
            (true, Some(code)) => {
                untagged_ok(server, code, "Moved")?;
                Ok(Done::Ok)
            }
            (false, Some(code)) => Ok(Done::Code(code)),
            (_, None) => Ok(Done::Ok),
        }
    }

    /// SEARCH and UID SEARCH (RFC 3501 §6.4.4), over the messages in the client's view. A
    /// top-level sequence set or UID set narrows the candidates first, so `SEARCH 1:10`
    /// asks the store about ten messages, not the mailbox. The store answers
    /// ([`Backend::search`]): from its index where it can, else by the matcher, which
    /// parses a message only for the keys that read it.
    fn search(
        &mut self,
        charset: Option<&IString>,
        criteria: Vec<SearchKey>,
        uid: bool,
        ret: Option<Vec<SearchReturn>>,
        modseq: bool,
        order: Option<Order>,
    ) -> Result<Done, SessionError> {
        let r = ret.as_deref().unwrap_or(&[]);
        let has_partial = r.iter().any(|o| matches!(o, SearchReturn::Partial(_)));
        if has_partial && r.contains(&SearchReturn::All)
            || r.iter().filter(|o| matches!(o, SearchReturn::Partial(_))).count() > 1
        {
            // RFC 5267 §4.4: one PARTIAL or one ALL, not both.
            return Err(SessionError::BadReturn("PARTIAL with ALL, or two PARTIALs"));
        }
        let update = r.contains(&SearchReturn::Update);
        if update && self.current_tag.as_ref().is_some_and(|t| self.context_tag_in_use(t)) {
            // RFC 5267 §4.3: a tag already naming an updating search.
            return Err(SessionError::BadReturn("Tag reuse"));
        }
        let sel = self.selected.as_mut().ok_or(SessionError::NotSelected)?;
        // `$` (RFC 5182) stands for the saved UIDs; a SAVE search replaces them, and one
        // that fails leaves them empty.
        let saved = SequenceSet::from_numbers(&sel.saved_messages().iter().map(|(_, u)| u.0).collect::<Vec<_>>());
        let criteria: Vec<SearchKey> = criteria.into_iter().map(|k| with_saved(k, saved.as_ref())).collect();
        let save = ret.as_ref().is_some_and(|r| r.contains(&SearchReturn::Save));
        if save {
            sel.saved.clear();
        }
        let charset = fetch::search_decoder(charset)?;
        let sel = self.selected.as_ref().ok_or(SessionError::NotSelected)?;
        let max_seq = sel.len() as u32;
        let max_uid = sel.messages().last().map_or(0, |(_, u)| u.0);
        let mut candidates: Option<Vec<(Seq, Uid)>> = None;
        for key in &criteria {
            let narrowed = match key {
                // A number past the end matches nothing here; it is no error in SEARCH.
                SearchKey::SequenceSet(set) => sel.resolve_clamped(set),
                SearchKey::Uid(set) => sel.resolve(set, true)?,
                _ => continue,
            };
            candidates = Some(match candidates {
                None => narrowed,
                Some(c) => {
                    let keep: std::collections::HashSet<Uid> = narrowed.into_iter().map(|(_, u)| u).collect();
                    c.into_iter().filter(|(_, u)| keep.contains(u)).collect()
                }
            });
        }
        let candidates = candidates.unwrap_or_else(|| sel.messages().collect());
        let now = self.backend.now();
        let (hits, hit_uids) = (Vec::new(), (save || update || order.is_some()).then(Vec::new));
        let context = update.then(|| criteria.iter().map(|k| context::pin_sequence_numbers(k, sel)).collect());
        let job = SearchJob {
            candidates,
            at: 0,
            uid,
            criteria,
            charset,
            max_seq,
            max_uid,
            hits,
            hit_uids,
            ret,
            now,
            context,
            modseq: modseq.then_some(0),
            order,
        };
        self.new_job = Some(Job::Search(job));
        Ok(Done::Ok)
    }

    /// Orders the hits of a SORT or THREAD (RFC 5256): `hits` are the numbers the answer
    /// carries, `uids` their UIDs.
    pub(super) fn order_hits(
        &self,
        user: &B::User,
        order: &Order,
        hits: &[u32],
        uids: &[u32],
    ) -> Result<Ordered, SessionError> {
        let sel = self.selected.as_ref().ok_or(SessionError::NotSelected)?;
        let pairs: Vec<(u32, u32)> = hits.iter().copied().zip(uids.iter().copied()).collect();
        Ok(crate::store::sort::order(&*self.backend, user, &sel.name, self.id, &pairs, order)?)
    }

    /// `n` candidates of a SEARCH from `job.at`, answered by the store in one call
    /// ([`Backend::search`]).
    pub(super) fn search_chunk(&mut self, user: &B::User, job: &mut SearchJob, n: usize) -> Result<(), SessionError> {
        let sel = self.selected.as_ref().ok_or(SessionError::NotSelected)?;
        let pairs = &job.candidates[job.at..job.at + n];
        let uids: Vec<u32> = pairs.iter().map(|(_, u)| u.0).collect();
        let seqs: Vec<u32> = pairs.iter().map(|(s, _)| s.0.get()).collect();
        let recent: Vec<u32> = pairs.iter().filter(|(_, u)| sel.is_recent(*u)).map(|(_, u)| u.0).collect();
        let mut query = SearchQuery::new(&uids, &job.criteria);
        query.seqs = Some(&seqs);
        query.max_seq = job.max_seq;
        query.max_uid = job.max_uid;
        query.recent = &recent;
        query.charset = job.charset;
        query.now = job.now;
        let mut found = self.backend.search(user, &sel.name, self.id, &query)?;
        // Ascending as the trait asks; a store's slip must not cost a hit or invent one.
        found.sort_unstable();
        if let (Some(highest), false) = (job.modseq.as_mut(), found.is_empty()) {
            // `(MODSEQ n)`: the highest mod-sequence of the hits (RFC 7162 §3.1.5).
            let modseqs = self.backend.modseqs(user, &sel.name, self.id, &found)?;
            *highest = modseqs.into_iter().flatten().fold(*highest, u64::max);
        }
        let mut found = found.into_iter().peekable();
        for (seq, u) in pairs {
            while found.next_if(|f| *f < u.0).is_some() {}
            if found.next_if_eq(&u.0).is_some() {
                job.hits.push(if job.uid { u.0 } else { seq.0.get() });
                if let Some(h) = job.hit_uids.as_mut() {
                    h.push(u.0);
                }
            }
        }
        Ok(())
    }
}

/// The modifiers of a FETCH (RFC 4466 §2.4): CHANGEDSINCE and VANISHED (RFC 7162
/// §3.1.4.1, §3.2.6), PARTIAL (RFC 9394 §3.3).
struct FetchModifiers {
    changed_since: Option<u64>,
    vanished: bool,
    partial: Option<PartialRange>,
}

impl FetchModifiers {
    /// Checks them: each at most once, VANISHED and PARTIAL in UID FETCH only, VANISHED
    /// after `ENABLE QRESYNC` and with CHANGEDSINCE; BAD otherwise.
    fn new(modifiers: &[FetchModifier], uid: bool, qresync: bool) -> Result<FetchModifiers, SessionError> {
        let mut m = FetchModifiers { changed_since: None, vanished: false, partial: None };
        for modifier in modifiers {
            let twice = match *modifier {
                FetchModifier::ChangedSince(n) => m.changed_since.replace(n).is_some(),
                FetchModifier::Vanished if !uid => {
                    return Err(SessionError::BadArguments("VANISHED is a UID FETCH modifier (RFC 7162 §3.2.6)"));
                }
                FetchModifier::Vanished if !qresync => return Err(SessionError::BadArguments("QRESYNC not enabled")),
                FetchModifier::Vanished => std::mem::replace(&mut m.vanished, true),
                FetchModifier::Partial(_) if !uid => {
                    return Err(SessionError::BadArguments("PARTIAL is a UID FETCH modifier (RFC 9394 §3.3)"));
                }
                FetchModifier::Partial(r) => m.partial.replace(r).is_some(),
            };
            if twice {
                return Err(SessionError::BadArguments("Modifier given twice"));
            }
        }
        if m.vanished && m.changed_since.is_none() {
            return Err(SessionError::BadArguments("VANISHED needs CHANGEDSINCE (RFC 7162 §3.2.6)"));
        }
        Ok(m)
    }
}

/// `key` with `$` (RFC 5182) as the UID set it stands for (`saved`; `None`: nothing is
/// saved, and `$` matches nothing).
fn with_saved(key: SearchKey, saved: Option<&SequenceSet>) -> SearchKey {
    match key {
        SearchKey::SequenceSet(s) | SearchKey::Uid(s) if s.is_saved() => match saved {
            Some(set) => SearchKey::Uid(set.clone()),
            None => SearchKey::Not(Box::new(SearchKey::All)),
        },
        SearchKey::Not(k) => SearchKey::Not(Box::new(with_saved(*k, saved))),
        SearchKey::Or(a, b) => SearchKey::Or(Box::new(with_saved(*a, saved)), Box::new(with_saved(*b, saved))),
        SearchKey::And(keys) => SearchKey::And(keys.into_iter().map(|k| with_saved(k, saved)).collect()),
        k => k,
    }
}

/// The COPYUID code of a COPY or MOVE (RFC 4315 §3); none when nothing was copied. Runs
/// of consecutive UIDs are written as ranges, on both sides alike.
fn copyuid(c: &crate::store::CopyResult) -> Option<Code> {
    let set = SequenceSet::from_numbers;
    Some(Code::CopyUid { uid_validity: c.uid_validity, source: set(&c.source)?, destination: set(&c.destination)? })
}
