//! A backend conformance suite: the multi-session model checks of a shared mailbox, from
//! the clients' side, against any [`Backend`]. A backend's own tests call
//! [`check_backend`]; the memory backend runs it (`store/model.rs`), and every later
//! backend must too. Behind the `proptest` feature outside this crate's tests.
//!
//! 2–4 sessions, each a client machine and a server machine in a [`Pair`] with its own
//! [`Session`], run random interleavings of APPEND, STORE (all six forms, with keywords, by
//! sequence number and by UID), EXPUNGE, UID EXPUNGE, MOVE and COPY (into the mailbox itself
//! and elsewhere), FETCH (with the implicit `\Seen`), SEARCH, NOOP and IDLE, with no NOOP
//! between operations. Each client's view is built only from the untagged responses it
//! received (EXISTS, EXPUNGE, FETCH UID/FLAGS, FLAGS) and checked after every step:
//! - sequence numbers never shift without an EXPUNGE: EXISTS never shrinks the view, an
//!   EXPUNGE or FETCH names a message in it, a UID once learnt for a message stays;
//! - no keyword arrives in FETCH before `* FLAGS` listed it (RFC 3501 §7.2.6);
//! - every command answers OK: in particular no `NO [EXPUNGEISSUED]` for a message the
//!   client still sees (RFC 2180 §4.1.1, §4.2.1, §4.4.2);
//! - no message is `\Recent` in two sessions (RFC 3501 §2.3.2);
//! - each session keeps two CONTEXT=SEARCH contexts (RFC 5267 §4.3), `UID SEARCH RETURN
//!   (UPDATE) KEYWORD work` and `SEARCH RETURN (UPDATE) FLAGGED`, whose results it builds
//!   only from the ADDTO and REMOVEFROM it is told: an ADDTO never adds a member, a
//!   REMOVEFROM never removes a stranger, and no member is expunged without a REMOVEFROM
//!   first (§4.3.4);
//! - and a CONTEXT=SORT context, `UID SORT RETURN (UPDATE) (REVERSE SIZE) UTF-8 KEYWORD
//!   work`, kept as a list from the positions of its ADDTO and REMOVEFROM (never 0, each
//!   REMOVEFROM naming what its position holds): at the end it must equal a fresh
//!   `UID SORT` (`conformance/sorted.rs`).
//!
//! - on a store with mod-sequences ([`Backend::mod_seqs`]), session 0 enables QRESYNC and
//!   session 1 CONDSTORE (RFC 7162): a MODSEQ reaches only them, with the UID after
//!   QRESYNC (§3.2.4), and never goes down for a message; session 0 is told expunges only
//!   as VANISHED (§3.2.10.2), which it applies by UID, also to messages it knows only from
//!   EXISTS (`client::vanish`: when which one went is a guess, its sequence-number context
//!   is no longer checked). Before the end, session 0 resyncs as after a lost connection:
//!   `SELECT INBOX (QRESYNC (uidvalidity highestmodseq))` with the HIGHESTMODSEQ its
//!   client machine tracked (RFC 7162 §6), its view rebuilt only from the saved one, the
//!   VANISHED (EARLIER) and the FETCHes, which must equal a fresh `UID FETCH 1:* (FLAGS)`.
//!
//! `IMAPM_TRACE=1` prints every command and untagged response of a run (passwords
//! redacted), to read a failing case.
//!
//! After a final NOOP in every session, each view equals a fresh `FETCH 1:* (UID FLAGS)`
//! and every other session's view, each message is `\Recent` in exactly one session, and
//! each context's result equals a fresh SEARCH with its criteria.
//!
//! ```
//! use std::sync::Arc;
//! use imap_machine::store::memory::MemoryBackend;
//! use imap_machine::testing::conformance::{check_backend, Fixture};
//! check_backend(8, || {
//!     let backend = MemoryBackend::new();
//!     backend.add_user("joe", "secret");
//!     Fixture { backend: Arc::new(backend), username: "joe".into(), password: "secret".into() }
//! });
//! ```

// The suite stands in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

mod sorted;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::client::{self, ClientOptions, CommandId};
use crate::store::{Backend, Session};
use crate::testing::{Chunking, Pair};
use crate::types::*;

/// A fresh backend for one case, and the user whose INBOX (empty) the sessions share.
#[derive(Debug)]
pub struct Fixture<B: Backend> {
    /// The backend.
    pub backend: Arc<B>,
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

/// Runs `cases` random cases against fresh fixtures from `make`, each whole, one byte at a
/// time and in random chunks (which must tell every client the same), without a step
/// budget or with steps of 1–3 messages. Panics with the smallest failing case.
pub fn check_backend<B: Backend>(cases: u32, make: impl Fn() -> Fixture<B>) {
    let mut runner = TestRunner::new(Config { cases, ..Config::default() });
    let strategy =
        (2usize..=4, proptest::collection::vec(op(), 1..40), any::<u64>(), prop_oneof![Just(0usize), 1usize..4]);
    let result = runner.run(&strategy, |(n, ops, seed, step)| check_case(&make, n, &ops, seed, step));
    if let Err(e) = result {
        panic!("backend conformance: {e}");
    }
}

/// One case under the three chunkings.
pub fn check_case<B: Backend>(
    make: &impl Fn() -> Fixture<B>,
    n: usize,
    ops: &[(usize, Op)],
    seed: u64,
    step: usize,
) -> Result<(), TestCaseError> {
    let whole =
        run(&make(), n, ops, Chunking::Whole, step).map_err(|e| TestCaseError::fail(format!("step {step}: {e}")))?;
    for chunking in [Chunking::OneByte, Chunking::Random(seed)] {
        let other =
            run(&make(), n, ops, chunking, step).map_err(|e| TestCaseError::fail(format!("{chunking:?}: {e}")))?;
        if other != whole && without_ids(&other) != without_ids(&whole) {
            return Err(TestCaseError::fail(format!("{chunking:?} told the clients otherwise than whole")));
        }
    }
    Ok(())
}

/// The events as text, each MAILBOXID (RFC 8474) blanked: a store may choose a new one for
/// every fresh fixture (a random GUID), and that is no difference in behaviour.
fn without_ids(events: &[Vec<client::Event>]) -> String {
    let text = format!("{events:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    const MARK: &str = "MailboxId(ObjectId(\"";
    while let Some(k) = rest.find(MARK) {
        out.push_str(&rest[..k + MARK.len()]);
        rest = &rest[k + MARK.len()..];
        rest = rest.find('"').map_or("", |e| &rest[e..]);
    }
    out.push_str(rest);
    out
}

/// What one client knows of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Slot {
    uid: Option<u32>,
    /// The flags it was last told (without `\Recent`), sorted.
    flags: Option<Vec<Flag>>,
    /// In the result of the `SEARCH RETURN (UPDATE) FLAGGED` context, as told.
    flagged: bool,
}

struct Conn<B: Backend> {
    pair: Pair,
    session: Session<B>,
    woken: Arc<AtomicBool>,
    view: Vec<Slot>,
    /// The flags of the last `* FLAGS`.
    announced: Vec<Flag>,
    idle: Option<CommandId>,
    /// Events already folded into the view.
    read: usize,
    /// The core's view tracker, fed the same data: it must agree with the view here.
    tracker: client::MailboxView,
    /// The result of the `UID SEARCH RETURN (UPDATE) KEYWORD work` context, as told.
    work: std::collections::BTreeSet<u32>,
    /// The correlators of the two contexts (UID, sequence numbers), learnt from their
    /// first answers.
    contexts: [Option<IString>; 2],
    /// The numbers of the last `* SEARCH` or `* SORT`.
    last_search: Vec<u32>,
    /// The `UID SORT RETURN (UPDATE) (REVERSE SIZE) UTF-8 KEYWORD work` context: its
    /// correlator, learnt from its first answer, and its result in sort order, as told.
    sort_tag: Option<IString>,
    sorted: Vec<u32>,
    /// This session enabled QRESYNC (session 0) or CONDSTORE (session 1), on a store that
    /// keeps mod-sequences.
    qresync: bool,
    condstore: bool,
    /// The last MODSEQ told of each UID: it never goes down.
    modseqs: HashMap<u32, u64>,
    /// The UIDs of `VANISHED (EARLIER)` since the last SELECT.
    vanished_earlier: Vec<u32>,
    /// A VANISHED left the FLAGGED context's members uncertain (see `data`).
    flagged_uncertain: bool,
}

/// Violations, as text: a failing case shows every one.
type Verdict = Result<(), String>;

fn sorted(mut v: Vec<Flag>) -> Vec<Flag> {
    v.sort_by_key(|f| f.to_string());
    v.dedup();
    v
}

impl<B: Backend> Conn<B> {
    fn new(backend: &Arc<B>, chunking: Chunking, step: usize) -> Self {
        let mut options = Session::server_options(&**backend);
        options.allow_insecure_auth = true;
        let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
        pair.chunking = chunking;
        let mut session = Session::new(backend.clone());
        session.set_step(step);
        let woken = Arc::new(AtomicBool::new(false));
        let w = woken.clone();
        session.set_notifier(Arc::new(move || w.store(true, Ordering::SeqCst)));
        Conn {
            pair,
            session,
            woken,
            view: Vec::new(),
            announced: Vec::new(),
            idle: None,
            read: 0,
            tracker: client::MailboxView::default(),
            work: std::collections::BTreeSet::new(),
            contexts: [None, None],
            last_search: Vec::new(),
            sort_tag: None,
            sorted: Vec::new(),
            qresync: false,
            condstore: false,
            modseqs: HashMap::new(),
            vanished_earlier: Vec::new(),
            flagged_uncertain: false,
        }
    }

    /// Removes the message `gone` names: it must be in the view, and no context member
    /// may go without a REMOVEFROM first (RFC 5267 §4.3.4).
    fn expunged(&mut self, who: usize, k: usize) -> Verdict {
        let gone = self.view.remove(k);
        if gone.flagged || gone.uid.is_some_and(|u| self.work.contains(&u)) {
            return Err(format!("session {who}: message {} expunged from a context without REMOVEFROM", k + 1));
        }
        Ok(())
    }

    /// An ESEARCH of one of the two contexts: its first answer, or an update.
    fn context_data(&mut self, who: usize, tag: IString, uid: bool, results: Vec<SearchResult>) -> Verdict {
        if !uid && self.flagged_uncertain {
            // Its members by sequence number are a guess since (see `data`).
            return Ok(());
        }
        let slot = &mut self.contexts[usize::from(!uid)];
        match slot {
            None => *slot = Some(tag),
            Some(t) if *t != tag => return Ok(()),
            Some(_) => {}
        }
        let len = self.view.len() as u32;
        for r in results {
            let (add, pairs) = match r {
                SearchResult::All(set) => (true, vec![(0, set)]),
                SearchResult::AddTo(v) => (true, v),
                SearchResult::RemoveFrom(v) => (false, v),
                _ => continue,
            };
            for (pos, set) in pairs {
                if pos != 0 {
                    return Err(format!("session {who}: context position {pos} in a SEARCH context"));
                }
                for n in set.resolve(u32::MAX).into_iter().flatten() {
                    let changed = if uid {
                        if add {
                            self.work.insert(n)
                        } else {
                            self.work.remove(&n)
                        }
                    } else {
                        if n == 0 || n > len {
                            return Err(format!("session {who}: context names message {n} of {len}"));
                        }
                        let member = &mut self.view[n as usize - 1].flagged;
                        let changed = *member != add;
                        *member = add;
                        changed
                    };
                    if !changed {
                        let what = if add { "ADDTO of a member" } else { "REMOVEFROM of a stranger" };
                        return Err(format!("session {who}: {what}: {n} (UID context: {uid})"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves bytes both ways and lets the session work until it has nothing left, as an
    /// adapter does (with a step budget, in several resumes).
    fn drive(&mut self) {
        loop {
            let session = &mut self.session;
            self.pair.drive_with(|server, event| session.handle(server, event));
            if !self.session.has_work() {
                break;
            }
            self.session.resume(&mut self.pair.server);
        }
    }

    /// Folds new events into the view, checking each; returns the tagged completions.
    fn absorb(
        &mut self,
        who: usize,
        recent: &mut HashMap<u32, usize>,
    ) -> Result<Vec<(CommandId, StatusResponse)>, String> {
        let mut done = Vec::new();
        let events: Vec<client::Event> = self.pair.client_events[self.read..].to_vec();
        self.read = self.pair.client_events.len();
        for e in events {
            match e {
                client::Event::CommandCompleted { id, status } => done.push((id, status)),
                client::Event::Data { data, .. } => {
                    if std::env::var_os("IMAPM_TRACE").is_some() {
                        eprintln!("S{who}: {data:?}");
                    }
                    self.tracker.apply(&data).map_err(|e| format!("session {who}: view tracker: {e}"))?;
                    self.data(who, data, recent)?
                }
                _ => {}
            }
        }
        Ok(done)
    }

    fn data(&mut self, who: usize, d: Data, recent: &mut HashMap<u32, usize>) -> Verdict {
        match d {
            Data::Exists(n) => {
                let n = n as usize;
                if n < self.view.len() {
                    return Err(format!("session {who}: EXISTS {n} below the {} messages it holds", self.view.len()));
                }
                self.view.resize(n, Slot::default());
            }
            Data::Expunge(seq) => {
                let k = seq.get() as usize;
                if k > self.view.len() {
                    return Err(format!("session {who}: EXPUNGE {k} of {} messages", self.view.len()));
                }
                if self.qresync {
                    return Err(format!("session {who}: EXPUNGE after ENABLE QRESYNC (RFC 7162 §3.2.10)"));
                }
                self.expunged(who, k - 1)?;
            }
            // RFC 7162 §3.2.10.2: each UID one message of the view, which it knows by UID
            // (the session learns the UIDs of new messages after each command).
            Data::Vanished { earlier: false, uids } => {
                if !self.qresync {
                    return Err(format!("session {who}: VANISHED without QRESYNC"));
                }
                let before = self.view.clone();
                let v = crate::client::vanish::vanish(&mut self.view, &uids, |s| s.uid, |s| s.flags = None);
                if v.missing > 0 {
                    return Err(format!("session {who}: VANISHED {uids} names messages not in the view"));
                }
                // The context members that went: none may go without REMOVEFROM.
                let kept: std::collections::HashSet<u32> = self.view.iter().filter_map(|s| s.uid).collect();
                if before.iter().any(|s| s.uid.is_some_and(|u| !kept.contains(&u) && self.work.contains(&u))) {
                    return Err(format!("session {who}: VANISHED {uids} of a context member without REMOVEFROM"));
                }
                let flagged = |v: &[Slot]| v.iter().filter(|s| s.flagged).count();
                if v.guessed {
                    // Which message of unknown UID went is a guess: by sequence number,
                    // the FLAGGED context's members can no longer be told apart.
                    self.flagged_uncertain = true;
                } else if !self.flagged_uncertain && flagged(&self.view) != flagged(&before) {
                    return Err(format!("session {who}: VANISHED {uids} of a FLAGGED member without REMOVEFROM"));
                }
            }
            Data::Vanished { earlier: true, uids } => {
                self.vanished_earlier.extend(uids.resolve(u32::MAX).into_iter().flatten());
            }
            Data::Flags(flags) => self.announced = flags,
            // The SORT context is made third: its first answer comes once both others have
            // named theirs.
            Data::ESearch { tag: Some(tag), results, .. }
                if self.sort_tag.as_ref() == Some(&tag)
                    || (self.sort_tag.is_none()
                        && self.contexts.iter().all(|c| c.as_ref().is_some_and(|c| *c != tag))) =>
            {
                self.sort_tag = Some(tag);
                sorted::apply(&mut self.sorted, results).map_err(|e| format!("session {who}: SORT context: {e}"))?
            }
            Data::ESearch { tag: Some(tag), uid, results } => self.context_data(who, tag, uid, results)?,
            Data::Search { ids, .. } | Data::Sort { ids, .. } => self.last_search = ids,
            Data::Fetch { seq, items } => {
                let k = seq.get() as usize;
                if k > self.view.len() {
                    return Err(format!("session {who}: FETCH {k} of {} messages", self.view.len()));
                }
                let uid = items.iter().find_map(|i| if let FetchItem::Uid(u) = i { Some(*u) } else { None });
                let modseq = items.iter().find_map(|i| if let FetchItem::ModSeq(m) = i { Some(*m) } else { None });
                if let Some(m) = modseq {
                    // RFC 7162 §3.1: MODSEQ only after a CONDSTORE enabling command; §3.2.4:
                    // with the UID after QRESYNC; a message's MODSEQ never goes down.
                    if !self.condstore && !self.qresync {
                        return Err(format!("session {who}: MODSEQ without CONDSTORE"));
                    }
                    let u = uid.or(self.view[k - 1].uid);
                    if self.qresync && uid.is_none() {
                        return Err(format!("session {who}: FETCH {k} with MODSEQ and no UID after QRESYNC"));
                    }
                    if let Some(u) = u {
                        let was = self.modseqs.insert(u, m).unwrap_or(0);
                        if m < was {
                            return Err(format!("session {who}: UID {u} MODSEQ {m} after {was}"));
                        }
                    }
                }
                if let Some(u) = uid {
                    match self.view[k - 1].uid {
                        Some(known) if known != u => {
                            return Err(format!("session {who}: message {k} was UID {known}, now told UID {u}"))
                        }
                        _ => self.view[k - 1].uid = Some(u),
                    }
                    let before = self.view[..k - 1].iter().rev().find_map(|s| s.uid);
                    let after = self.view[k..].iter().find_map(|s| s.uid);
                    if before.is_some_and(|b| b >= u) || after.is_some_and(|a| a <= u) {
                        return Err(format!("session {who}: UID {u} at {k} out of order"));
                    }
                }
                for i in &items {
                    let FetchItem::Flags(ff) = i else { continue };
                    let mut flags = Vec::new();
                    for f in ff {
                        match f {
                            FlagFetch::Recent => {
                                if let Some(u) = self.view[k - 1].uid {
                                    let first = *recent.entry(u).or_insert(who);
                                    if first != who {
                                        return Err(format!("UID {u} \\Recent in sessions {first} and {who}"));
                                    }
                                }
                            }
                            FlagFetch::Flag(f) => {
                                if matches!(f, Flag::Keyword(_)) && !self.announced.contains(f) {
                                    return Err(format!("session {who}: keyword {f} in FETCH before FLAGS listed it"));
                                }
                                flags.push(f.clone());
                            }
                        }
                    }
                    self.view[k - 1].flags = Some(sorted(flags));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// One step of a session, as the strategy [`op`] draws it.
#[derive(Clone, Debug)]
///
/// `at` picks messages in the session's view (modulo its size), `flags` a subset of
/// `\Seen`, `\Flagged`, `\Deleted`, `$label1` and `work` (one bit each).
#[allow(missing_docs)]
pub enum Op {
    /// APPEND to INBOX with these flags.
    Append { flags: u8 },
    /// STORE: `kind` 0 FLAGS, 1 +FLAGS, 2 -FLAGS; `n` messages.
    Store { kind: u8, silent: bool, uid: bool, at: u16, n: u8, flags: u8 },
    /// EXPUNGE, or UID EXPUNGE of up to three messages.
    Expunge { uid: bool, at: u16 },
    /// COPY or MOVE of up to two messages, into INBOX itself or Trash.
    Transfer { copy: bool, into_self: bool, uid: bool, at: u16 },
    /// FETCH (UID FLAGS, and BODY[] if `body`) of `1:*` or up to three messages.
    Fetch { at: u16, all: bool, body: bool, uid: bool },
    /// SEARCH KEYWORD work.
    Search { uid: bool },
    /// NOOP.
    Noop,
    /// IDLE until the session's next step.
    Idle,
}

/// A step: which session (modulo the count) and what it does.
pub fn op() -> impl Strategy<Value = (usize, Op)> {
    let op = prop_oneof![
        3 => any::<u8>().prop_map(|flags| Op::Append { flags }),
        5 => (0u8..3, any::<bool>(), any::<bool>(), any::<u16>(), 1u8..4, any::<u8>())
            .prop_map(|(kind, silent, uid, at, n, flags)| Op::Store { kind, silent, uid, at, n, flags }),
        2 => (any::<bool>(), any::<u16>()).prop_map(|(uid, at)| Op::Expunge { uid, at }),
        2 => (any::<bool>(), any::<bool>(), any::<bool>(), any::<u16>())
            .prop_map(|(copy, into_self, uid, at)| Op::Transfer { copy, into_self, uid, at }),
        3 => (any::<u16>(), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(at, all, body, uid)| Op::Fetch { at, all, body, uid }),
        1 => any::<bool>().prop_map(|uid| Op::Search { uid }),
        1 => Just(Op::Noop),
        1 => Just(Op::Idle),
    ];
    (0usize..4, op)
}

/// The flags a bit pattern picks: three system flags and two keywords.
fn flag_set(bits: u8) -> Vec<Flag> {
    let all = [Flag::Seen, Flag::Flagged, Flag::Deleted, Flag::parse("$label1").unwrap(), Flag::parse("work").unwrap()];
    all.into_iter().enumerate().filter(|(k, _)| bits & (1 << k) != 0).map(|(_, f)| f).collect()
}

fn set(v: &[u32]) -> SequenceSet {
    v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(",").parse().expect("a valid set")
}

/// One run of `ops` by `n` sessions on the fixture's backend, whose user must have an
/// empty INBOX; returns what every client was told (to compare chunkings), or the first
/// violation.
pub fn run<B: Backend>(
    fixture: &Fixture<B>,
    n: usize,
    ops: &[(usize, Op)],
    chunking: Chunking,
    step: usize,
) -> Result<Vec<Vec<client::Event>>, String> {
    let b = fixture.backend.clone();
    let user = b.login(&fixture.username, &fixture.password).map_err(|e| format!("login: {e}"))?;
    match b.create(&user, "Trash") {
        Ok(()) | Err(crate::store::StoreError::AlreadyExists) => {}
        Err(e) => return Err(format!("CREATE Trash: {e}")),
    }
    let mut conns: Vec<Conn<B>> = (0..n).map(|_| Conn::new(&b, chunking, step)).collect();
    let mut recent: HashMap<u32, usize> = HashMap::new();
    for (who, c) in conns.iter_mut().enumerate() {
        let login = CommandBody::Login {
            username: IString::try_from(fixture.username.clone()).map_err(|e| e.to_string())?,
            password: Secret::new(IString::try_from(fixture.password.clone()).map_err(|e| e.to_string())?),
        };
        command(c, who, login, &mut recent)?;
        // On a store with mod-sequences, session 0 follows QRESYNC and session 1 CONDSTORE.
        let enable = match who {
            0 if b.mod_seqs() => Some(Capability::QResync),
            1 if b.mod_seqs() => Some(Capability::CondStore),
            _ => None,
        };
        if let Some(cap) = enable {
            c.qresync = cap == Capability::QResync;
            c.condstore = true;
            command(c, who, CommandBody::Enable { capabilities: vec![cap] }, &mut recent)?;
        }
        for body in [
            CommandBody::select(Mailbox::Inbox),
            CommandBody::Search {
                ret: Some(vec![SearchReturn::Update]),
                charset: None,
                criteria: vec![SearchKey::Keyword(Atom::from_static("work"))],
                uid: true,
            },
            CommandBody::Search {
                ret: Some(vec![SearchReturn::Update]),
                charset: None,
                criteria: vec![SearchKey::Flagged],
                uid: false,
            },
            sort_work(Some(vec![SearchReturn::Update])),
        ] {
            command(c, who, body, &mut recent)?;
        }
    }
    let mut appended = 0;
    for (who, op) in ops {
        let who = who % n;
        let c = &mut conns[who];
        if let Some(id) = c.idle.take() {
            c.pair.client.idle_done(id).map_err(|e| e.to_string())?;
            c.drive();
            expect_ok(c, who, id, &mut recent)?;
        }
        let len = c.view.len() as u32;
        let pick = |c: &Conn<B>, at: u16, count: u8, uid: bool| -> Option<Vec<u32>> {
            if len == 0 {
                return None;
            }
            let out: Vec<u32> = (0..u32::from(count))
                .map(|j| (u32::from(at) + j * 7) % len)
                .map(|k| if uid { c.view[k as usize].uid.unwrap_or(0) } else { k + 1 })
                .filter(|v| *v != 0)
                .collect();
            (!out.is_empty()).then(|| {
                let mut out = out;
                out.sort_unstable();
                out.dedup();
                out
            })
        };
        let body = match op {
            Op::Append { flags } => {
                appended += 1;
                let text =
                    format!("From: s{who}@example.org\r\nSubject: message {appended}\r\n\r\nbody {appended}\r\n");
                CommandBody::Append {
                    mailbox: Mailbox::Inbox,
                    flags: flag_set(*flags),
                    date: None,
                    message: Literal::new(Bytes::from(text)).expect("a literal"),
                }
            }
            Op::Store { kind, silent, uid, at, n, flags } => {
                let Some(targets) = pick(c, *at, *n, *uid) else { continue };
                let kind = [StoreKind::Replace, StoreKind::Add, StoreKind::Remove][*kind as usize];
                let flags = flag_set(*flags);
                let body = CommandBody::Store {
                    set: set(&targets),
                    unchanged_since: None,
                    kind,
                    silent: *silent,
                    flags: flags.clone(),
                    uid: *uid,
                };
                command(c, who, body, &mut recent)?;
                if *silent {
                    // The client applies what it asked for to what it knew.
                    for t in &targets {
                        let k =
                            if *uid { c.view.iter().position(|s| s.uid == Some(*t)) } else { Some(*t as usize - 1) };
                        if let Some(slot) = k.and_then(|k| c.view.get_mut(k)) {
                            if let Some(known) = slot.flags.as_mut() {
                                match kind {
                                    StoreKind::Replace => *known = flags.clone(),
                                    StoreKind::Add => known.extend(flags.iter().cloned()),
                                    StoreKind::Remove => known.retain(|f| !flags.contains(f)),
                                }
                                *known = sorted(std::mem::take(known));
                            }
                        }
                    }
                }
                wake_all(&mut conns, &mut recent)?;
                continue;
            }
            Op::Expunge { uid: false, .. } => CommandBody::Expunge,
            Op::Expunge { uid: true, at } => {
                let Some(targets) = pick(c, *at, 3, true) else { continue };
                CommandBody::UidExpunge { set: set(&targets) }
            }
            Op::Transfer { copy, into_self, uid, at } => {
                let Some(targets) = pick(c, *at, 2, *uid) else { continue };
                let mailbox = if *into_self { Mailbox::Inbox } else { Mailbox::from_utf8("Trash").expect("a name") };
                if *copy {
                    CommandBody::Copy { set: set(&targets), mailbox, uid: *uid }
                } else {
                    CommandBody::Move { set: set(&targets), mailbox, uid: *uid }
                }
            }
            Op::Fetch { at, all, body, uid } => {
                // `1:*` of an empty view is BAD: there is no message 1.
                let targets = if *all && len > 0 { Some(vec![]) } else { pick(c, *at, 3, *uid) };
                let Some(targets) = targets else { continue };
                let set = if targets.is_empty() { SequenceSet::all() } else { set(&targets) };
                let mut atts = vec![FetchAttribute::Uid, FetchAttribute::Flags];
                if *body {
                    atts.push(FetchAttribute::BodySection { peek: false, section: Section::default(), partial: None });
                }
                CommandBody::Fetch { set, attributes: FetchAttributes::List(atts), uid: *uid, modifiers: vec![] }
            }
            Op::Search { uid } => CommandBody::Search {
                ret: None,
                charset: None,
                criteria: vec![SearchKey::Keyword(Atom::from_static("work"))],
                uid: *uid,
            },
            // The QRESYNC session learns every new message's UID before VANISHED may name it
            // (see `command`); in IDLE it could not.
            Op::Noop | Op::Idle if c.qresync => CommandBody::Noop,
            Op::Noop => CommandBody::Noop,
            Op::Idle => {
                let id = c.pair.client.idle(c.pair.now).map_err(|e| e.to_string())?;
                c.drive();
                c.idle = Some(id);
                c.absorb(who, &mut recent)?;
                continue;
            }
        };
        command(c, who, body, &mut recent)?;
        wake_all(&mut conns, &mut recent)?;
    }
    // The QRESYNC session resyncs from what it knows now, as after a lost connection
    // (RFC 7162 §3.2.5, §6): its view, its UIDVALIDITY and HIGHESTMODSEQ as the client
    // machine tracked them.
    if let Some(c) = conns.first_mut().filter(|c| c.qresync) {
        resync(c, 0, &mut recent)?;
    }
    // The end: every session hears everything, then its view must be the truth.
    for (who, c) in conns.iter_mut().enumerate() {
        if let Some(id) = c.idle.take() {
            c.pair.client.idle_done(id).map_err(|e| e.to_string())?;
            c.drive();
            expect_ok(c, who, id, &mut recent)?;
        }
        command(c, who, CommandBody::Noop, &mut recent)?;
    }
    let mut views = Vec::new();
    for (who, c) in conns.iter_mut().enumerate() {
        let told = c.view.clone();
        if !told.is_empty() {
            let atts = FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]);
            command(
                c,
                who,
                CommandBody::Fetch { set: SequenceSet::all(), attributes: atts, uid: false, modifiers: vec![] },
                &mut recent,
            )?;
        }
        let fresh = c.view.clone();
        let tracked: Vec<Slot> = c
            .tracker
            .messages()
            .iter()
            .map(|m| Slot { uid: m.uid, flags: m.flags.clone().map(sorted), flagged: false })
            .collect();
        let unmarked: Vec<Slot> = fresh.iter().map(|s| Slot { flagged: false, ..s.clone() }).collect();
        if tracked != unmarked {
            return Err(format!("session {who}: the core's view tracker disagrees:\n{tracked:?}\n{fresh:?}"));
        }
        if fresh.iter().any(|s| s.uid.is_none() || s.flags.is_none()) {
            return Err(format!("session {who}: FETCH 1:* left gaps: {fresh:?}"));
        }
        for (k, (t, f)) in told.iter().zip(&fresh).enumerate() {
            if t.uid.is_some_and(|u| Some(u) != f.uid)
                || t.flags.as_ref().is_some_and(|fl| Some(fl) != f.flags.as_ref())
            {
                return Err(format!("session {who}: message {} told {t:?}, truth {f:?}", k + 1));
            }
        }
        views.push(fresh);
        let work = vec![SearchKey::Keyword(Atom::from_static("work"))];
        command(c, who, CommandBody::Search { ret: None, charset: None, criteria: work, uid: true }, &mut recent)?;
        let told: Vec<u32> = c.work.iter().copied().collect();
        if c.last_search != told {
            return Err(format!("session {who}: UID context told {told:?}, truth {:?}", c.last_search));
        }
        command(c, who, sort_work(None), &mut recent)?;
        if c.last_search != c.sorted {
            return Err(format!("session {who}: SORT context told {:?}, truth {:?}", c.sorted, c.last_search));
        }
        let flagged = vec![SearchKey::Flagged];
        command(c, who, CommandBody::Search { ret: None, charset: None, criteria: flagged, uid: false }, &mut recent)?;
        let told: Vec<u32> = (1..).zip(&c.view).filter(|(_, s)| s.flagged).map(|(k, _)| k).collect();
        if c.last_search != told && !c.flagged_uncertain {
            return Err(format!("session {who}: FLAGGED context told {told:?}, truth {:?}", c.last_search));
        }
    }
    for (who, v) in views.iter().enumerate().skip(1) {
        if *v != views[0] {
            return Err(format!("sessions 0 and {who} disagree:\n{:?}\n{v:?}", views[0]));
        }
    }
    for slot in &views[0] {
        let u = slot.uid.expect("checked");
        if !recent.contains_key(&u) {
            return Err(format!("UID {u} \\Recent in no session"));
        }
    }
    Ok(conns.into_iter().map(|c| c.pair.client_events).collect())
}

/// Sends a command, drives, folds the answer into the view; it must be OK.
fn command<B: Backend>(
    c: &mut Conn<B>,
    who: usize,
    body: CommandBody,
    recent: &mut HashMap<u32, usize>,
) -> Result<(), String> {
    let what = format!("{body:?}");
    if std::env::var_os("IMAPM_TRACE").is_some() {
        eprintln!("C{who}: {what}");
    }
    let id = c.pair.client.send(body).map_err(|e| format!("{what}: {e}"))?;
    c.drive();
    expect_ok(c, who, id, recent).map_err(|e| format!("{what}: {e}"))?;
    // After QRESYNC, expunges come as VANISHED by UID: learn the UIDs of new messages.
    if let Some(k) = c.view.iter().position(|s| s.uid.is_none()).filter(|_| c.qresync) {
        let set: SequenceSet = format!("{}:*", k + 1).parse().expect("a valid set");
        let atts = FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]);
        command(c, who, CommandBody::Fetch { set, attributes: atts, uid: false, modifiers: vec![] }, recent)?;
    }
    Ok(())
}

/// `SELECT INBOX (QRESYNC (uidvalidity highestmodseq))` from the session's view and what
/// its client machine tracked; the view is rebuilt only from the answer (the saved UIDs
/// less VANISHED (EARLIER), with the FETCHed flags and the new UIDs), and must equal a
/// fresh `UID FETCH 1:* (UID FLAGS)`.
fn resync<B: Backend>(c: &mut Conn<B>, who: usize, recent: &mut HashMap<u32, usize>) -> Verdict {
    let sel = c.pair.client.selected().cloned().ok_or("no mailbox selected")?;
    let (Some(validity), Some(highest)) = (sel.uid_validity, sel.highest_modseq) else {
        return Err(format!("session {who}: no UIDVALIDITY or HIGHESTMODSEQ tracked: {sel:?}"));
    };
    let saved: Vec<(u32, Option<Vec<Flag>>)> = c.view.iter().map(|s| (s.uid.unwrap_or(0), s.flags.clone())).collect();
    if saved.iter().any(|(u, _)| *u == 0) {
        return Err(format!("session {who}: a message without UID before the resync"));
    }
    c.view.clear();
    c.tracker = client::MailboxView::default();
    c.vanished_earlier.clear();
    c.work.clear();
    c.contexts = [None, None];
    c.sort_tag = None;
    c.sorted.clear();
    c.flagged_uncertain = false;
    let q = QResync {
        uid_validity: std::num::NonZeroU32::new(validity).ok_or("UIDVALIDITY 0")?,
        mod_seq: highest,
        known_uids: None,
        seq_match: None,
    };
    let select = CommandBody::Select { mailbox: Mailbox::Inbox, params: vec![SelectParam::QResync(q)] };
    let id = c.pair.client.send(select).map_err(|e| e.to_string())?;
    c.drive();
    expect_ok(c, who, id, recent)?;
    let mut rebuilt: std::collections::BTreeMap<u32, Option<Vec<Flag>>> =
        saved.into_iter().filter(|(u, _)| !c.vanished_earlier.contains(u)).collect();
    for s in &c.view {
        if let Some(u) = s.uid {
            rebuilt.insert(u, s.flags.clone());
        }
    }
    let atts = FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]);
    c.view.iter_mut().for_each(|s| *s = Slot::default());
    command(
        c,
        who,
        CommandBody::Fetch { set: SequenceSet::all(), attributes: atts, uid: true, modifiers: vec![] },
        recent,
    )
    .or_else(|e| if c.view.is_empty() { Ok(()) } else { Err(e) })?;
    let truth: std::collections::BTreeMap<u32, Option<Vec<Flag>>> =
        c.view.iter().map(|s| (s.uid.unwrap_or(0), s.flags.clone())).collect();
    if rebuilt != truth {
        return Err(format!("session {who}: QRESYNC from MODSEQ {highest} rebuilt\n{rebuilt:?}\ntruth\n{truth:?}"));
    }
    // Its contexts went with the old selection: it opens them again.
    for (key, uid) in [(SearchKey::Keyword(Atom::from_static("work")), true), (SearchKey::Flagged, false)] {
        let body =
            CommandBody::Search { ret: Some(vec![SearchReturn::Update]), charset: None, criteria: vec![key], uid };
        command(c, who, body, recent)?;
    }
    command(c, who, sort_work(Some(vec![SearchReturn::Update])), recent)?;
    Ok(())
}

fn expect_ok<B: Backend>(c: &mut Conn<B>, who: usize, id: CommandId, recent: &mut HashMap<u32, usize>) -> Verdict {
    let done = c.absorb(who, recent)?;
    match done.iter().find(|(d, _)| *d == id) {
        Some((_, st)) if st.kind == StatusKind::Ok => Ok(()),
        Some((_, st)) => Err(format!("session {who}: answered {st:?}")),
        None => Err(format!("session {who}: no answer")),
    }
}

/// What an adapter does for a connection in IDLE when its notifier fires.
fn wake_all<B: Backend>(conns: &mut [Conn<B>], recent: &mut HashMap<u32, usize>) -> Verdict {
    for (who, c) in conns.iter_mut().enumerate() {
        if c.woken.swap(false, Ordering::SeqCst) && c.idle.is_some() {
            c.session.poll_updates(&mut c.pair.server);
            c.drive();
            c.absorb(who, recent)?;
        }
    }
    Ok(())
}

/// `UID SORT [RETURN (ret)] (REVERSE SIZE) UTF-8 KEYWORD work` (RFC 5256, RFC 5267 §4.3).
fn sort_work(ret: Option<Vec<SearchReturn>>) -> CommandBody {
    CommandBody::Sort {
        ret,
        sort: vec![crate::types::SortCriterion { reverse: true, key: crate::types::SortKey::Size }],
        charset: IString::from_static("UTF-8"),
        criteria: vec![SearchKey::Keyword(Atom::from_static("work"))],
        uid: true,
    }
}
