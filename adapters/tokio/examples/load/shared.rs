//! The shared-mailbox mode (`--shared`): N sessions SELECT one mailbox and, at random,
//! APPEND, STORE (FLAGS, +FLAGS, -FLAGS; .SILENT or not; system flags and the keywords
//! `$label1`..`$label5`, by sequence number and by UID), store `\Deleted` then EXPUNGE or
//! UID EXPUNGE (RFC 4315, when UIDPLUS is announced), FETCH (by sequence number and by UID:
//! FLAGS, UID, BODY.PEEK[HEADER], RFC822.SIZE) and NOOP, each on the sans-I/O client machine
//! on its own socket. Commands go in batches the machine pipelines (RFC 3501 §5.5): either
//! FETCH/STORE by sequence number, sent only when nothing that may renumber is in flight,
//! or commands that do not use sequence numbers at all.
//!
//! Every response is checked against the RFCs (RFC 3501, RFC 2180 for a multi-accessed
//! mailbox, RFC 4315), never against what the other sessions did: each session builds its
//! view from what it was told (`view.rs`, which checks each untagged response as it comes)
//! and at each tagged completion checks:
//!
//! - the status is OK: a correct server answers FETCH and STORE of a message another session
//!   expunged (RFC 2180 §4.1.1, §4.2.1), so even `NO [EXPUNGEISSUED]` is an error;
//! - no EXPUNGE arrived while a FETCH or STORE by sequence number ran (RFC 3501 §7.4.1);
//! - a FETCH answered each message of its set; a UID FETCH each UID of its set that no
//!   session may have expunged (a missing UID is ignored, RFC 3501 §6.4.8), with UID in each
//!   answer, and so did a UID STORE that was not silent;
//! - a STORE that was not silent reported each message with flags that reflect it (+FLAGS X
//!   has X, -FLAGS X has not, FLAGS (list) is the list, `\Recent` aside); and when no other
//!   session's STORE on that UID overlapped it, the last flags told before the tagged OK
//!   reflect it too (an older value after it would be stale);
//! - APPENDUID (RFC 4315) has the UIDVALIDITY and a UID above every UID the session knew.
//!
//! At the end all sessions stop mutating, then each sends NOOP and `FETCH 1:* (UID FLAGS)`:
//! its view (UIDs in sequence order, the last flags told) must equal that answer, and the
//! answers of all sessions must equal each other. Every violation counts as a protocol
//! error; the run prints ops/s, latencies and the errors by kind, and fails if any.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use imap_machine::client::{CommandId, Event};
use imap_machine::types::{
    Capability, Code, CommandBody, FetchAttribute, FetchAttributes, Flag, IString, Literal, Secret, Section,
    SectionText, SequenceSet, StatusKind, StatusResponse, StoreKind,
};
use imap_machine_tokio::{Client, IntoMailbox};
use tokio::sync::Barrier;

use crate::conn::Raw;
use crate::view::{reflects, same_flags, Mark, Own, Seen, Shared, Slot, View};
use crate::{message, percentile, Config};

/// The commands, for the latency table.
const OPS: [&str; 9] =
    ["FETCH", "UID FETCH", "STORE", "STORE.SILENT", "UID STORE", "APPEND", "EXPUNGE", "UID EXPUNGE", "NOOP"];
/// Messages in the mailbox before the clock starts; the workload keeps it near `TARGET`.
const SEED: usize = 20;
const TARGET: usize = 30;
const KEYWORDS: [&str; 5] = ["$label1", "$label2", "$label3", "$label4", "$label5"];

/// xorshift64*: enough randomness for a workload, without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// What a command in flight expects.
enum Expect {
    /// FETCH by sequence number: an answer for each of `seqs`.
    Fetch { seqs: Vec<u32>, only_flags: bool },
    /// UID FETCH: an answer with UID for each of `uids`, unless it may be expunged.
    UidFetch { uids: Vec<u32> },
    /// STORE or UID STORE: `targets` are `(sequence number when sent, mark, the flags last
    /// told when sent)`.
    Store { uid: bool, targets: Vec<Target>, kind: StoreKind, silent: bool, flags: Vec<Flag> },
    /// APPEND: APPENDUID above `above`.
    Append { above: u32 },
    /// EXPUNGE, UID EXPUNGE, NOOP: OK.
    Plain,
}

type Target = (u32, Mark, Option<Vec<Flag>>);

struct Pending {
    id: CommandId,
    op: usize,
    expect: Expect,
}

/// One session on the shared mailbox.
struct Session {
    raw: Raw,
    view: View,
    rng: Rng,
    uidplus: bool,
    uid_validity: Option<u32>,
    mailbox: String,
    appended: u64,
    lat: Vec<Vec<u32>>,
    /// Where in the batch's log the command completing next began: the server runs
    /// pipelined commands in order, so what came before the previous completion is not
    /// its answer.
    window: usize,
}

/// The final `FETCH 1:* (UID FLAGS)`: UID and flags per message, in sequence order.
type Listing = Vec<(Option<u32>, Option<Vec<Flag>>)>;

/// What a session hands back at the end.
struct Outcome {
    client: usize,
    errors: BTreeMap<String, u64>,
    checked: BTreeMap<&'static str, u64>,
    fatal: Option<String>,
    lat: Vec<Vec<u32>>,
    elapsed: f64,
    /// UIDVALIDITY and the answer to the final `FETCH 1:* (UID FLAGS)`.
    last: Option<(Option<u32>, Listing)>,
}

fn status_kind(s: &StatusResponse) -> String {
    let code = match &s.code {
        None => String::new(),
        Some(Code::Rfc5530(c)) => format!(" [{}]", c.as_str()),
        Some(c) => format!(" [{}]", format!("{c:?}").chars().take(40).collect::<String>()),
    };
    format!("{:?}{code}", s.kind).to_uppercase()
}

/// `1,3,5` from numbers.
fn set_of(ns: &[u32]) -> SequenceSet {
    let text: Vec<String> = ns.iter().map(u32::to_string).collect();
    text.join(",").parse().expect("a list of numbers is a sequence set")
}

impl Session {
    async fn open(
        client: usize,
        cfg: &Config,
        mailbox: &str,
        shared: Arc<Shared>,
        seed: u64,
    ) -> Result<Session, String> {
        let mut raw = Raw::connect(cfg.addr_for(client)).await?;
        let username = IString::try_from(cfg.user.as_str()).map_err(|e| e.to_string())?;
        let password = Secret::new(IString::try_from(cfg.pass.as_str()).map_err(|e| e.to_string())?);
        raw.exec(CommandBody::Login { username, password }).await?;
        raw.exec(CommandBody::Capability).await?;
        let uidplus = raw.machine.has_capability(&Capability::UidPlus);
        let mut s = Session {
            raw,
            view: View::new(client, shared),
            rng: Rng(seed | 1),
            uidplus,
            uid_validity: None,
            mailbox: mailbox.to_string(),
            appended: 0,
            lat: vec![Vec::new(); OPS.len()],
            window: 0,
        };
        let (_, data) = s.raw.exec(CommandBody::select(mailbox.into_mailbox().map_err(|e| e.to_string())?)).await?;
        for d in &data {
            s.view.on_data(d);
        }
        if let Some(sel) = s.raw.machine.selected() {
            s.uid_validity = sel.uid_validity;
            s.view.permanent = sel.permanent_flags.clone();
        }
        if !s.view.msgs.is_empty() {
            s.final_fetch().await?;
        }
        // Nothing changes the mailbox before the clock starts: the RECENT of SELECT counts
        // the messages FETCH then shows as \Recent (RFC 3501 §7.3.2).
        let (said, shown) = (s.view.recent.unwrap_or(0), s.view.recent_held());
        s.view.checked("RECENT of SELECT");
        if said != shown {
            s.view.error("RECENT of SELECT differs from the \\Recent messages", || format!("{said} vs {shown}"));
        }
        Ok(s)
    }

    /// Sends `body`, to be checked against `expect` at its completion.
    fn send(&mut self, batch: &mut Vec<Pending>, op: usize, body: CommandBody, expect: Expect) -> Result<(), String> {
        let id = self.raw.machine.send(body).map_err(|e| format!("{}: {e}", OPS[op]))?;
        batch.push(Pending { id, op, expect });
        Ok(())
    }

    /// Runs a batch to its last completion, taking in every response and checking each
    /// command as it completes. A lost connection is the only error returned.
    async fn run(&mut self, mut batch: Vec<Pending>, seq_batch: bool) -> Result<usize, String> {
        let t0 = Instant::now();
        let total = batch.len();
        self.window = self.view.log.len();
        while !batch.is_empty() {
            self.raw.flush().await?;
            while let Some(ev) = self.raw.machine.poll_event() {
                match ev {
                    Event::Data { data: d, .. } => {
                        self.view.on_data(&d);
                        if seq_batch && matches!(d, imap_machine::types::Data::Expunge(_)) {
                            self.view.error("EXPUNGE during FETCH/STORE by sequence number", || format!("{d:?}"));
                        }
                    }
                    Event::CommandCompleted { id, status } | Event::CommandRejected { id, status } => {
                        let Some(k) = batch.iter().position(|p| p.id == id) else { continue };
                        let p = batch.swap_remove(k);
                        self.lat[p.op].push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
                        self.complete(p, &status);
                        self.window = self.view.log.len();
                    }
                    Event::CommandCancelled { id, .. } => {
                        batch.retain(|p| p.id != id);
                        self.view.error("command cancelled", || "by the client machine".into());
                    }
                    Event::Status(s) => {
                        if let Some(Code::PermanentFlags(f)) = &s.code {
                            self.view.permanent = f.clone();
                        }
                        if s.kind == StatusKind::Bad {
                            self.view.error("untagged BAD", || format!("{s:?}"));
                        }
                    }
                    Event::Bye { text, .. } => return Err(format!("* BYE {text:?}")),
                    Event::UidValidityChanged { old, new } => {
                        self.view.error("UIDVALIDITY changed", || format!("{old} to {new}"));
                    }
                    _ => {}
                }
            }
            if !batch.is_empty() {
                self.raw.read().await?;
            }
        }
        Ok(total)
    }

    /// The checks of one command at its tagged completion.
    fn complete(&mut self, p: Pending, status: &StatusResponse) {
        let ok = status.kind == StatusKind::Ok;
        if !ok {
            let kind = format!("tagged {} to {}", status_kind(status), OPS[p.op]);
            self.view.error(&kind, || format!("{status:?}"));
        }
        match p.expect {
            Expect::Store { targets, .. } if !ok => {
                for (_, mark, _) in targets {
                    self.view.shared.store_ends(mark);
                }
            }
            _ if !ok => {}
            Expect::Fetch { seqs, only_flags } => {
                for seq in seqs {
                    let answered = self.view.log.iter().any(|s| match s {
                        Seen::Fetch { seq: n, answer, flags, has_uid, .. } => {
                            *n == seq && (*answer || *has_uid || (only_flags && flags.is_some()))
                        }
                        _ => false,
                    });
                    if !answered {
                        self.view.error("FETCH did not answer a message", || format!("seq {seq}"));
                    }
                }
            }
            Expect::UidFetch { uids } => {
                for s in &self.view.log {
                    if let Seen::Fetch { answer: true, has_uid: false, seq, .. } = s {
                        let seq = *seq;
                        self.view.error("UID FETCH answer without UID", || format!("seq {seq}"));
                        break;
                    }
                }
                for uid in uids {
                    if !self.answered_uid(uid) && !self.view.shared.doomed(uid) {
                        self.view.error("UID FETCH did not answer a UID", || format!("UID {uid}"));
                    }
                }
            }
            Expect::Store { uid, targets, kind, silent, flags } => {
                for (seq, mark, before) in targets {
                    let alone = self.view.shared.store_ends(mark);
                    self.check_store((uid, seq, mark.uid), before, alone, kind, silent, &flags);
                    if let Some(k) = self.view.index_of(mark.uid) {
                        let own = Own { sent: mark.sent, kind, flags: flags.clone() };
                        self.view.msgs[k].own = alone.then_some(own);
                    }
                }
            }
            Expect::Append { above } => {
                if let Some(Code::AppendUid { uid_validity, uids }) = &status.code {
                    if Some(*uid_validity) != self.uid_validity {
                        let want = self.uid_validity;
                        self.view.error("APPENDUID with another UIDVALIDITY", || format!("{uid_validity} vs {want:?}"));
                    }
                    if uids.max_value().is_some_and(|u| u <= above) {
                        self.view.error("APPENDUID not above the UIDs known", || format!("{uids} <= {above}"));
                    }
                }
            }
            Expect::Plain => {}
        }
    }

    /// Whether the batch's log holds an answer with UID for `uid`, or its EXPUNGE.
    fn answered_uid(&self, uid: u32) -> bool {
        self.view.log.iter().any(|s| match s {
            Seen::Fetch { uid: Some(u), has_uid: true, .. } => *u == uid,
            Seen::Expunge { uid: Some(u) } => *u == uid,
            _ => false,
        })
    }

    /// `id` is `(by UID, sequence number when sent, UID)`.
    fn check_store(
        &mut self,
        (by_uid, seq, uid): (bool, u32, u32),
        before: Option<Vec<Flag>>,
        alone: bool,
        kind: StoreKind,
        silent: bool,
        flags: &[Flag],
    ) {
        let expunged = self.view.log.iter().any(|s| matches!(s, Seen::Expunge { uid: Some(u) } if *u == uid));
        if silent {
            // We were not told the result: the flags we hold are no longer the message's.
            if let Some(k) = self.view.index_of(uid) {
                self.view.msgs[k].flags = None;
            }
            return;
        }
        if expunged {
            return;
        }
        let reflects = |got: &[Flag]| reflects(kind, flags, got);
        // The flags held when the STORE ran: the last told before its window, which may be
        // newer than those held when it was sent (an earlier command in the pipeline, such
        // as NOOP, may report another session's change that makes ours change nothing).
        let held = self.view.log[..self.window.min(self.view.log.len())]
            .iter()
            .rev()
            .find_map(|s| match s {
                Seen::Fetch { uid: Some(u), flags: Some(f), .. } if *u == uid => Some(f.clone()),
                _ => None,
            })
            .or_else(|| before.clone());
        if by_uid && held != before {
            self.view.checked("UID STORE whose flags an earlier command in the batch updated");
        }
        let told: Vec<(Vec<Flag>, bool)> = self
            .view
            .log
            .iter()
            .filter_map(|s| match s {
                Seen::Fetch { seq: n, uid: u, flags: Some(f), has_uid, .. } => {
                    let mine = if by_uid { *u == Some(uid) } else { *n == seq };
                    mine.then(|| (f.clone(), *has_uid))
                }
                _ => None,
            })
            .collect();
        let what = || format!("{kind:?} {flags:?}");
        if told.is_empty() {
            // A STORE that changed nothing gets no FETCH (RFC 3501 §6.4.6 says SHOULD;
            // Dovecot and imapm omit it). One that must have changed something, from the
            // flags this client held and with no other STORE on the UID, must answer: a
            // change another session made meanwhile would be reported in this batch too.
            let must_change = held.as_ref().is_some_and(|f| !reflects(f));
            if alone && must_change && !self.view.shared.doomed(uid) {
                self.view.error("STORE result FETCH missing", || format!("UID {uid} seq {seq}: {}", what()));
            }
            return;
        }
        // Our result carries UID (RFC 3501 §6.4.8); a FETCH without it may be another
        // command's report of another session's change, when ours changed nothing.
        let must_change = alone && held.as_ref().is_some_and(|f| !reflects(f)) && !self.view.shared.doomed(uid);
        if by_uid && must_change && !told.iter().any(|(_, has_uid)| *has_uid) {
            self.view.error("UID STORE answer without UID", || format!("UID {uid}"));
        }
        self.view.checked("STORE results");
        // With another STORE on the UID in flight, the FETCH may already show its doing (the
        // value "as if a FETCH of those flags was done", RFC 3501 §6.4.6): nothing to assert.
        // An expunged message the session still sees keeps its flags (RFC 2180 §4.2.1).
        if !alone || self.view.shared.doomed(uid) {
            return;
        }
        self.view.checked("STORE results with no other STORE on the UID");
        let got = told.last().map(|(f, _)| f.clone());
        if !told.iter().any(|(f, _)| reflects(f)) {
            self.view
                .error("STORE result does not reflect the STORE", || format!("UID {uid}: {} but told {got:?}", what()));
        } else if !told.last().is_some_and(|(f, _)| reflects(f)) {
            self.view.error("stale FLAGS after own STORE", || {
                format!("UID {uid}: {} reported, then {got:?} with no other STORE on it", what())
            });
        }
    }

    fn pick_flags(&mut self, n: usize) -> Vec<Flag> {
        let mut out = Vec::new();
        for _ in 0..n {
            let f = match self.rng.below(8) {
                0 => Flag::Seen,
                1 => Flag::Flagged,
                2 => Flag::Answered,
                3 => Flag::Draft,
                _ => Flag::parse(KEYWORDS[self.rng.below(KEYWORDS.len())]).expect("a keyword"),
            };
            if !out.contains(&f) {
                out.push(f);
            }
        }
        out
    }

    /// Up to `n` indexes of messages with a known UID, none in `used`.
    fn pick_known(&mut self, n: usize, used: &mut HashSet<usize>) -> Vec<usize> {
        let free: Vec<usize> =
            (0..self.view.msgs.len()).filter(|k| self.view.msgs[*k].uid.is_some() && !used.contains(k)).collect();
        let mut out = Vec::new();
        for _ in 0..n.min(free.len()) {
            let k = free[self.rng.below(free.len())];
            if used.insert(k) {
                out.push(k);
            }
        }
        out.sort_unstable();
        out
    }

    fn store_body(&mut self, set: SequenceSet, uid: bool) -> (CommandBody, StoreKind, bool, Vec<Flag>) {
        let (kind, flags) = match self.rng.below(10) {
            0..=3 => (StoreKind::Add, {
                let n = 1 + self.rng.below(2);
                self.pick_flags(n)
            }),
            4..=7 => (StoreKind::Remove, {
                let n = 1 + self.rng.below(2);
                self.pick_flags(n)
            }),
            _ => (StoreKind::Replace, {
                let n = self.rng.below(4);
                self.pick_flags(n)
            }),
        };
        let silent = self.rng.chance(20);
        (
            CommandBody::Store { unchanged_since: None, set, kind, silent, flags: flags.clone(), uid },
            kind,
            silent,
            flags,
        )
    }

    fn fetch_attributes(&mut self, uid: bool) -> (FetchAttributes, bool) {
        let mut atts = Vec::new();
        if uid || self.rng.chance(60) {
            atts.push(FetchAttribute::Uid);
        }
        if self.rng.chance(70) {
            atts.push(FetchAttribute::Flags);
        }
        if self.rng.chance(30) {
            atts.push(FetchAttribute::Rfc822Size);
        }
        if self.rng.chance(20) {
            let section = Section { part: Vec::new(), text: Some(SectionText::Header) };
            atts.push(FetchAttribute::BodySection { peek: true, section, partial: None });
        }
        if atts.is_empty() {
            atts.push(FetchAttribute::Flags);
        }
        let only_flags = atts == [FetchAttribute::Flags];
        (FetchAttributes::List(atts), only_flags)
    }

    /// FETCH and STORE by sequence number, pipelined (the machine never overlaps a STORE
    /// with a FETCH); each message in at most one command.
    fn seq_batch(&mut self) -> Result<Vec<Pending>, String> {
        let mut batch = Vec::new();
        let mut used = HashSet::new();
        for _ in 0..1 + self.rng.below(3) {
            if self.rng.chance(50) {
                let n = 1 + self.rng.below(3);
                let ks = self.pick_known(n, &mut used);
                if ks.is_empty() {
                    continue;
                }
                let seqs: Vec<u32> = ks.iter().map(|k| *k as u32 + 1).collect();
                let (body, kind, silent, flags) = self.store_body(set_of(&seqs), false);
                let targets = self.marks(&ks, &flags, kind);
                let op = if silent { 3 } else { 2 };
                self.send(&mut batch, op, body, Expect::Store { uid: false, targets, kind, silent, flags })?;
            } else {
                let held = self.view.msgs.len();
                let free: Vec<usize> = (0..held).filter(|k| !used.contains(k)).collect();
                if free.is_empty() {
                    continue;
                }
                let mut seqs: Vec<u32> = Vec::new();
                for _ in 0..1 + self.rng.below(4) {
                    let k = free[self.rng.below(free.len())];
                    if used.insert(k) {
                        seqs.push(k as u32 + 1);
                    }
                }
                seqs.sort_unstable();
                let (attributes, only_flags) = self.fetch_attributes(false);
                let body = CommandBody::Fetch { set: set_of(&seqs), attributes, uid: false, modifiers: vec![] };
                self.send(&mut batch, 0, body, Expect::Fetch { seqs, only_flags })?;
            }
        }
        Ok(batch)
    }

    /// Marks the messages at `ks` as stored on (and doomed if `\Deleted` may be set).
    fn marks(&mut self, ks: &[usize], flags: &[Flag], kind: StoreKind) -> Vec<Target> {
        let deleting = kind != StoreKind::Remove && flags.contains(&Flag::Deleted);
        ks.iter()
            .map(|k| {
                let uid = self.view.msgs[*k].uid.expect("picked with a UID");
                if deleting {
                    self.view.shared.doom(uid);
                }
                (*k as u32 + 1, self.view.shared.store_begins(uid), self.view.msgs[*k].flags.clone())
            })
            .collect()
    }

    /// Commands that don't use sequence numbers, pipelined: APPEND, UID STORE, UID FETCH,
    /// `\Deleted` then EXPUNGE or UID EXPUNGE, NOOP.
    fn uid_batch(&mut self) -> Result<Vec<Pending>, String> {
        let mut batch = Vec::new();
        let mut used = HashSet::new();
        let full = self.view.msgs.len() >= TARGET;
        for _ in 0..1 + self.rng.below(3) {
            let r = self.rng.below(100);
            let (append, store, fetch, delete) = if full { (10, 35, 55, 90) } else { (35, 60, 80, 90) };
            if r < append {
                self.appended += 1;
                let msg = Literal::new(message(self.view.client, self.appended)).map_err(|e| e.to_string())?;
                let mailbox = self.mailbox.as_str().into_mailbox().map_err(|e| e.to_string())?;
                let above = self.view.max_uid();
                let body = CommandBody::Append { mailbox, flags: Vec::new(), date: None, message: msg };
                self.send(&mut batch, 5, body, Expect::Append { above })?;
            } else if r < store {
                let n = 1 + self.rng.below(3);
                let ks = self.pick_known(n, &mut used);
                if ks.is_empty() {
                    continue;
                }
                let uids: Vec<u32> = ks.iter().filter_map(|k| self.view.msgs[*k].uid).collect();
                let (body, kind, silent, flags) = self.store_body(set_of(&uids), true);
                let targets = self.marks(&ks, &flags, kind);
                self.send(&mut batch, 4, body, Expect::Store { uid: true, targets, kind, silent, flags })?;
            } else if r < fetch {
                let (attributes, _) = self.fetch_attributes(true);
                let (set, uids) = if self.rng.chance(25) {
                    let from = self.view.max_uid() + 1;
                    (format!("{from}:*").parse().map_err(|_| "UID range".to_string())?, Vec::new())
                } else {
                    let n = 1 + self.rng.below(4);
                    let ks = self.pick_known(n, &mut used);
                    if ks.is_empty() {
                        continue;
                    }
                    let uids: Vec<u32> = ks.iter().filter_map(|k| self.view.msgs[*k].uid).collect();
                    (set_of(&uids), uids)
                };
                self.send(
                    &mut batch,
                    1,
                    CommandBody::Fetch { set, attributes, uid: true, modifiers: vec![] },
                    Expect::UidFetch { uids },
                )?;
            } else if r < delete {
                let n = 1 + self.rng.below(3);
                let ks = self.pick_known(n, &mut used);
                if ks.is_empty() {
                    continue;
                }
                let uids: Vec<u32> = ks.iter().filter_map(|k| self.view.msgs[*k].uid).collect();
                let flags = vec![Flag::Deleted];
                let silent = self.rng.chance(30);
                let body = CommandBody::Store {
                    unchanged_since: None,
                    set: set_of(&uids),
                    kind: StoreKind::Add,
                    silent,
                    flags: flags.clone(),
                    uid: true,
                };
                let targets = self.marks(&ks, &flags, StoreKind::Add);
                let expect = Expect::Store { uid: true, targets, kind: StoreKind::Add, silent, flags };
                self.send(&mut batch, 4, body, expect)?;
                if self.uidplus && self.rng.chance(50) {
                    self.send(&mut batch, 7, CommandBody::UidExpunge { set: set_of(&uids) }, Expect::Plain)?;
                } else {
                    self.send(&mut batch, 6, CommandBody::Expunge, Expect::Plain)?;
                }
            } else {
                self.send(&mut batch, 8, CommandBody::Noop, Expect::Plain)?;
            }
        }
        Ok(batch)
    }

    /// One batch of either kind; the number of commands it ran.
    async fn step(&mut self) -> Result<usize, String> {
        self.view.log.clear();
        let seq = self.rng.chance(50);
        let batch = if seq { self.seq_batch()? } else { self.uid_batch()? };
        self.run(batch, seq).await
    }

    /// `FETCH 1:* (UID FLAGS)`, checked like any FETCH.
    async fn final_fetch(&mut self) -> Result<(), String> {
        self.view.log.clear();
        let held = self.view.msgs.len() as u32;
        let mut batch = Vec::new();
        let attributes = FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]);
        let body = CommandBody::Fetch { set: SequenceSet::all(), attributes, uid: false, modifiers: vec![] };
        self.send(&mut batch, 0, body, Expect::Fetch { seqs: (1..=held).collect(), only_flags: false })?;
        self.run(batch, true).await.map(drop)
    }

    /// After every session stopped mutating: NOOP, then `FETCH 1:* (UID FLAGS)`, which must
    /// equal the view. Returns the answer.
    async fn verify_end(&mut self) -> Result<Listing, String> {
        self.view.log.clear();
        let mut batch = Vec::new();
        self.send(&mut batch, 8, CommandBody::Noop, Expect::Plain)?;
        self.run(batch, false).await?;
        let before: Vec<Slot> = self.view.msgs.clone();
        if !before.is_empty() {
            self.final_fetch().await?;
        }
        let after = self.view.msgs.clone();
        if after.len() != before.len() {
            let (a, b) = (before.len(), after.len());
            self.view.error("final FETCH 1:* differs from the view", || format!("{a} messages, then {b}"));
            return Ok(Vec::new());
        }
        let mut diffs = Vec::new();
        for (k, (b, a)) in before.iter().zip(&after).enumerate() {
            if b.flags.is_some() {
                self.view.checked("final flags compared");
            }
            if b.uid.is_some() && b.uid != a.uid {
                diffs.push(format!("seq {}: UID {:?} in the view, {:?} fetched", k + 1, b.uid, a.uid));
            }
            if let (Some(bf), Some(af)) = (&b.flags, &a.flags) {
                if !same_flags(bf, af) {
                    diffs.push(format!("UID {:?}: flags {bf:?} in the view, {af:?} fetched", a.uid));
                }
            }
        }
        for d in diffs {
            self.view.error("final FETCH 1:* differs from the view", || d);
        }
        Ok(after.iter().map(|m| (m.uid, m.flags.clone())).collect())
    }
}

/// Creates the shared mailbox with its seed messages, untimed.
async fn setup(cfg: &Config, mailbox: &str) -> Result<(), String> {
    let c = Client::connect(cfg.addr_for(0)).await.map_err(|e| format!("connect: {e}"))?;
    c.login(&cfg.user, &cfg.pass).await.map_err(|e| format!("setup LOGIN: {e}"))?;
    c.create(mailbox).await.map_err(|e| format!("setup CREATE {mailbox}: {e}"))?;
    for n in 0..SEED {
        c.append(mailbox, &[], None, message(cfg.clients, n as u64)).await.map_err(|e| format!("setup APPEND: {e}"))?;
    }
    c.logout().await.map_err(|e| format!("setup LOGOUT: {e}"))
}

async fn client_task(
    id: usize,
    cfg: Arc<Config>,
    mailbox: Arc<str>,
    shared: Arc<Shared>,
    bars: Arc<(Barrier, Barrier)>,
) -> Outcome {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
        ^ (id as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let opened = Session::open(id, &cfg, &mailbox, shared, seed).await;
    let mut out = Outcome {
        client: id,
        errors: BTreeMap::new(),
        checked: BTreeMap::new(),
        fatal: None,
        lat: Vec::new(),
        elapsed: 0.0,
        last: None,
    };
    bars.0.wait().await;
    let t0 = Instant::now();
    let mut s = match opened {
        Ok(s) => s,
        Err(e) => {
            out.fatal = Some(format!("setup: {e}"));
            bars.1.wait().await;
            return out;
        }
    };
    let deadline = t0 + Duration::from_secs(cfg.seconds);
    let mut result = Ok(());
    while Instant::now() < deadline {
        if let Err(e) = s.step().await {
            result = Err(e);
            break;
        }
    }
    out.elapsed = t0.elapsed().as_secs_f64();
    bars.1.wait().await;
    match result {
        Ok(()) => match s.verify_end().await {
            Ok(last) => {
                out.last = Some((s.uid_validity, last));
                let _ = s.raw.exec(CommandBody::Logout).await;
            }
            Err(e) => out.fatal = Some(format!("final check: {e}")),
        },
        Err(e) => out.fatal = Some(e),
    }
    out.errors = std::mem::take(&mut s.view.errors);
    out.checked = std::mem::take(&mut s.view.checked);
    out.lat = s.lat;
    out
}

/// The shared-mailbox run; returns the number of protocol errors and failures.
pub(crate) async fn run_shared(cfg: Arc<Config>) -> Result<usize, String> {
    let mailbox: Arc<str> = format!("{}-shared", cfg.prefix).into();
    setup(&cfg, &mailbox).await?;
    let shared = Arc::new(Shared::default());
    let bars = Arc::new((Barrier::new(cfg.clients), Barrier::new(cfg.clients)));
    let handles: Vec<_> = (0..cfg.clients)
        .map(|id| tokio::spawn(client_task(id, cfg.clone(), mailbox.clone(), shared.clone(), bars.clone())))
        .collect();
    let mut outs = Vec::new();
    for h in handles {
        outs.push(h.await.map_err(|_| "a client task panicked".to_string())?);
    }

    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut checked: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut failures = 0;
    let mut lat = vec![Vec::new(); OPS.len()];
    let secs = outs.iter().map(|o| o.elapsed).fold(0.0, f64::max).max(1e-3);
    for o in &mut outs {
        for (k, n) in std::mem::take(&mut o.errors) {
            *errors.entry(k).or_default() += n;
        }
        for (k, n) in std::mem::take(&mut o.checked) {
            *checked.entry(k).or_default() += n;
        }
        if let Some(e) = &o.fatal {
            failures += 1;
            eprintln!("client {}: verification failure: {e}", o.client);
        }
        for (all, mine) in lat.iter_mut().zip(std::mem::take(&mut o.lat)) {
            all.extend(mine);
        }
    }
    // All sessions' final answers must be one and the same mailbox.
    let finals: Vec<_> = outs.iter().filter_map(|o| o.last.as_ref().map(|l| (o.client, l))).collect();
    if let Some((first, (validity0, want))) = finals.first() {
        for (c, (validity, got)) in &finals[1..] {
            let same = validity == validity0
                && got.len() == want.len()
                && got.iter().zip(want.iter()).all(|(a, b)| {
                    a.0 == b.0
                        && match (&a.1, &b.1) {
                            (Some(x), Some(y)) => same_flags(x, y),
                            (x, y) => x.is_none() == y.is_none(),
                        }
                });
            if !same {
                failures += 1;
                eprintln!(
                    "client {c}: verification failure: its final FETCH 1:* ({} messages) differs from client {first}'s ({})",
                    got.len(),
                    want.len()
                );
            }
        }
    }

    let mut all: Vec<u32> = lat.iter().flatten().copied().collect();
    all.sort_unstable();
    println!("{:<24} {:>9} {:>10} {:>10}", "command", "count", "p50 ms", "p99 ms");
    for (name, l) in OPS.iter().zip(lat.iter_mut()) {
        l.sort_unstable();
        println!("{name:<24} {:>9} {:>10.3} {:>10.3}", l.len(), percentile(l, 50.0), percentile(l, 99.0));
    }
    let protocol: u64 = errors.values().sum();
    let checked: Vec<String> = checked.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("checked: {}", checked.join(", "));
    for (kind, n) in &errors {
        println!("errors: {n} x {kind}");
    }
    println!(
        "summary: addr={} mode=shared clients={} threads={} seconds={secs:.1} ops={} ops/s={:.0} p50_ms={:.3} \
         p99_ms={:.3} protocol_errors={protocol} failures={failures}",
        cfg.addr,
        cfg.clients,
        cfg.threads,
        all.len(),
        all.len() as f64 / secs,
        percentile(&all, 50.0),
        percentile(&all, 99.0),
    );
    Ok(protocol as usize + failures)
}
