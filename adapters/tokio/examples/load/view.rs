//! The shared-mailbox mode's view of the mailbox (see `shared.rs`): what one session was
//! told, built from its untagged responses alone (EXISTS, EXPUNGE, FETCH UID/FLAGS, FLAGS,
//! PERMANENTFLAGS), and the RFC 3501 checks each of them must pass as it arrives. Each
//! violation is counted by kind; the first few of the run are printed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use imap_machine::types::{Data, FetchItem, Flag, FlagFetch, FlagPerm, SectionText, StoreKind};

/// Descriptions are printed for the first this many protocol errors of each kind.
const PRINTED: u64 = 3;

/// What the sessions of one run share. None of it is an expected answer: it prints, counts
/// `\Recent` across sessions (RFC 3501 §2.3.2), and tells when a check applies at all (no
/// other session's STORE overlapped a STORE; nobody ever asked for `\Deleted` on a UID).
#[derive(Default)]
pub(crate) struct Shared {
    /// Kind → errors of that kind in the run, for printing the first few.
    printed: Mutex<HashMap<String, u64>>,
    /// UID → the first session told it is `\Recent`.
    recent: Mutex<HashMap<u32, usize>>,
    /// UID → the STOREs running on it and how many were ever sent.
    stores: Mutex<HashMap<u32, Touch>>,
    /// UIDs some session sent a STORE of `\Deleted` for: they may be expunged at any time.
    doomed: Mutex<HashSet<u32>>,
}

#[derive(Default)]
struct Touch {
    active: u32,
    sent: u64,
}

/// One STORE's mark on one UID, from [`Shared::store_begins`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mark {
    pub(crate) uid: u32,
    pub(crate) sent: u64,
    crowded: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// A STORE on `uid` is about to be sent.
    pub(crate) fn store_begins(&self, uid: u32) -> Mark {
        let mut m = lock(&self.stores);
        let t = m.entry(uid).or_default();
        t.active += 1;
        t.sent += 1;
        Mark { uid, sent: t.sent, crowded: t.active > 1 }
    }

    /// The STORE of `mark` completed: whether it was alone, i.e. no other STORE on its UID
    /// was running when it was sent or was sent before it completed. Only then must the
    /// last FLAGS its session was told before the tagged OK reflect it.
    pub(crate) fn store_ends(&self, mark: Mark) -> bool {
        let mut m = lock(&self.stores);
        let t = m.entry(mark.uid).or_default();
        t.active = t.active.saturating_sub(1);
        t.sent == mark.sent && !mark.crowded
    }

    /// Whether no STORE on `uid` was sent after the one that was the `sent`-th, and none runs.
    fn untouched_since(&self, uid: u32, sent: u64) -> bool {
        lock(&self.stores).get(&uid).is_some_and(|t| t.sent == sent && t.active == 0)
    }

    /// A STORE that may set `\Deleted` on `uid` is about to be sent.
    pub(crate) fn doom(&self, uid: u32) {
        lock(&self.doomed).insert(uid);
    }

    /// Whether a session may have expunged `uid` (it could only if `\Deleted` was stored).
    pub(crate) fn doomed(&self, uid: u32) -> bool {
        lock(&self.doomed).contains(&uid)
    }
}

/// What one session knows of one message.
#[derive(Clone, Default)]
pub(crate) struct Slot {
    pub(crate) uid: Option<u32>,
    /// The last FLAGS told, without `\Recent`; `None` before any, or after a STORE.SILENT
    /// of our own, whose result we were not told.
    pub(crate) flags: Option<Vec<Flag>>,
    recent: bool,
    recent_counted: bool,
    size: Option<u32>,
    header: Option<Bytes>,
    /// Our last STORE on it that no other STORE overlapped: while none follows, every
    /// FLAGS told must reflect it.
    pub(crate) own: Option<Own>,
}

/// A STORE of ours, for [`Slot::own`].
#[derive(Clone, Debug)]
pub(crate) struct Own {
    pub(crate) sent: u64,
    pub(crate) kind: StoreKind,
    pub(crate) flags: Vec<Flag>,
}

/// Whether flags `got` reflect a STORE of `flags` (RFC 3501 §6.4.6): +FLAGS has them all,
/// -FLAGS none, FLAGS exactly them (`\Recent` is never in `got`).
pub(crate) fn reflects(kind: StoreKind, flags: &[Flag], got: &[Flag]) -> bool {
    match kind {
        StoreKind::Add => flags.iter().all(|f| got.contains(f)),
        StoreKind::Remove => !flags.iter().any(|f| got.contains(f)),
        StoreKind::Replace => same_flags(got, flags),
    }
}

/// An untagged response as the batch in progress saw it, for the checks at completion.
#[derive(Debug)]
pub(crate) enum Seen {
    Fetch {
        seq: u32,
        /// The message's UID as known after this response.
        uid: Option<u32>,
        has_uid: bool,
        flags: Option<Vec<Flag>>,
        /// RFC822.SIZE or BODY[HEADER]: data only a FETCH command asks for.
        answer: bool,
    },
    Expunge {
        uid: Option<u32>,
    },
}

/// One session's view of the shared mailbox and its protocol error counts.
pub(crate) struct View {
    pub(crate) client: usize,
    pub(crate) shared: Arc<Shared>,
    pub(crate) msgs: Vec<Slot>,
    /// Keywords some `* FLAGS` of this session listed (RFC 3501 §7.2.6).
    announced: HashSet<Flag>,
    pub(crate) permanent: Vec<FlagPerm>,
    /// The last `* n RECENT`.
    pub(crate) recent: Option<u32>,
    /// The untagged responses since the batch began.
    pub(crate) log: Vec<Seen>,
    pub(crate) errors: BTreeMap<String, u64>,
    /// How many times each conditional check applied, to show they are not vacuous.
    pub(crate) checked: BTreeMap<&'static str, u64>,
}

/// Whether two flag lists hold the same flags.
pub(crate) fn same_flags(a: &[Flag], b: &[Flag]) -> bool {
    a.iter().all(|f| b.contains(f)) && b.iter().all(|f| a.contains(f))
}

impl View {
    pub(crate) fn new(client: usize, shared: Arc<Shared>) -> View {
        View {
            client,
            shared,
            msgs: Vec::new(),
            announced: HashSet::new(),
            permanent: Vec::new(),
            recent: None,
            log: Vec::new(),
            errors: BTreeMap::new(),
            checked: BTreeMap::new(),
        }
    }

    /// Counts a protocol error of `kind`; prints `detail` for the first few of the run.
    pub(crate) fn error(&mut self, kind: &str, detail: impl FnOnce() -> String) {
        *self.errors.entry(kind.to_string()).or_default() += 1;
        let seen = {
            let mut p = lock(&self.shared.printed);
            let n = p.entry(kind.to_string()).or_default();
            *n += 1;
            *n
        };
        if seen <= PRINTED {
            eprintln!("client {}: protocol error: {kind}: {}", self.client, detail());
        }
    }

    /// Counts one application of a conditional check.
    pub(crate) fn checked(&mut self, what: &'static str) {
        *self.checked.entry(what).or_default() += 1;
    }

    /// How many messages this session was told are `\Recent`.
    pub(crate) fn recent_held(&self) -> u32 {
        self.msgs.iter().filter(|m| m.recent).count() as u32
    }

    /// The largest UID this session knows.
    pub(crate) fn max_uid(&self) -> u32 {
        self.msgs.iter().filter_map(|m| m.uid).max().unwrap_or(0)
    }

    /// The index of the message with `uid`, if the session holds it.
    pub(crate) fn index_of(&self, uid: u32) -> Option<usize> {
        self.msgs.iter().position(|m| m.uid == Some(uid))
    }

    /// Takes in one untagged response.
    pub(crate) fn on_data(&mut self, d: &Data) {
        match d {
            Data::Exists(n) => {
                let (n, held) = (*n as usize, self.msgs.len());
                if n < held {
                    self.error("EXISTS below the messages held", || format!("* {n} EXISTS while holding {held}"));
                } else {
                    self.msgs.resize(n, Slot::default());
                }
            }
            Data::Expunge(n) => {
                let (n, held) = (n.get() as usize, self.msgs.len());
                if n > held {
                    self.error("EXPUNGE beyond the messages held", || format!("* {n} EXPUNGE while holding {held}"));
                } else {
                    let gone = self.msgs.remove(n - 1);
                    self.log.push(Seen::Expunge { uid: gone.uid });
                }
            }
            Data::Fetch { seq, items } => self.on_fetch(seq.get(), items),
            Data::Recent(n) => self.recent = Some(*n),
            Data::Flags(f) => self.announced.extend(f.iter().filter(|f| matches!(f, Flag::Keyword(_))).cloned()),
            _ => {}
        }
    }

    fn on_fetch(&mut self, seq: u32, items: &[FetchItem]) {
        let held = self.msgs.len();
        if seq == 0 || seq as usize > held {
            self.error("FETCH beyond the messages held", || format!("* {seq} FETCH while holding {held}"));
            return;
        }
        let k = seq as usize - 1;
        let (mut has_uid, mut flags, mut answer) = (false, None, false);
        for item in items {
            match item {
                FetchItem::Uid(u) => {
                    has_uid = true;
                    self.learn_uid(k, *u);
                }
                FetchItem::Flags(f) => {
                    let mut list = Vec::with_capacity(f.len());
                    for x in f {
                        match x {
                            FlagFetch::Recent => self.msgs[k].recent = true,
                            FlagFetch::Flag(fl) => {
                                if matches!(fl, Flag::Keyword(_)) && !self.announced.contains(fl) {
                                    self.error("keyword in FETCH before * FLAGS listed it", || {
                                        format!("* {seq} FETCH (FLAGS (.. {fl} ..)) not in any * FLAGS")
                                    });
                                }
                                list.push(fl.clone());
                            }
                        }
                    }
                    self.check_own(k, &list);
                    self.msgs[k].flags = Some(list.clone());
                    flags = Some(list);
                }
                // RFC 2180 §4.1.3: a message another session expunged may be answered with
                // NIL data; only one that nobody could expunge must keep its data.
                FetchItem::Rfc822Size(0) if self.may_be_gone(k) => answer = true,
                FetchItem::Rfc822Size(s) => {
                    answer = true;
                    match self.msgs[k].size {
                        Some(old) if old != *s => {
                            self.error("RFC822.SIZE changed", || format!("seq {seq}: {old} then {s}"));
                        }
                        _ => self.msgs[k].size = Some(*s),
                    }
                }
                FetchItem::BodySection { section, data, .. } if section.text == Some(SectionText::Header) => {
                    answer = true;
                    let Some(h) = data.as_ref().map(|d| Bytes::copy_from_slice(d.as_bytes())) else {
                        if !self.may_be_gone(k) {
                            self.error("BODY[HEADER] NIL", || format!("seq {seq}"));
                        }
                        continue;
                    };
                    if !h.ends_with(b"\r\n\r\n") {
                        self.error("BODY[HEADER] not ending in a blank line", || format!("seq {seq}"));
                    }
                    match &self.msgs[k].header {
                        Some(old) if *old != h => self.error("BODY[HEADER] changed", || format!("seq {seq}")),
                        _ => self.msgs[k].header = Some(h),
                    }
                }
                _ => {}
            }
        }
        self.count_recent(k);
        let uid = self.msgs[k].uid;
        self.log.push(Seen::Fetch { seq, uid, has_uid, flags, answer });
    }

    /// Whether another session may have expunged the message at index `k`.
    fn may_be_gone(&self, k: usize) -> bool {
        self.msgs[k].uid.is_none_or(|u| self.shared.doomed(u))
    }

    /// FLAGS told for the message at index `k` must reflect our last STORE on it while no
    /// other STORE on it was sent, unless another session may have expunged it.
    fn check_own(&mut self, k: usize, got: &[Flag]) {
        let (Some(uid), Some(own)) = (self.msgs[k].uid, self.msgs[k].own.clone()) else { return };
        // A message another session expunged keeps the flags it had: a STORE on it is OK
        // and changes nothing (RFC 2180 §4.2.1), so it need not reflect ours.
        if !self.shared.untouched_since(uid, own.sent) || self.shared.doomed(uid) {
            self.msgs[k].own = None;
            return;
        }
        self.checked("FLAGS after own STORE, none since");
        if !reflects(own.kind, &own.flags, got) {
            let what = format!("UID {uid}: {:?} {:?} done, then told {got:?}", own.kind, own.flags);
            self.error("stale FLAGS after own STORE", || what);
        }
    }

    /// A UID for the message at index `k`: the same as before, or a new one between its
    /// known neighbours' (UIDs ascend with sequence numbers, RFC 3501 §2.3.1.1).
    fn learn_uid(&mut self, k: usize, uid: u32) {
        match self.msgs[k].uid {
            Some(old) if old != uid => {
                self.error("UID of a message changed", || format!("seq {} had UID {old}, now {uid}", k + 1));
            }
            Some(_) => {}
            None => {
                let below = self.msgs[..k].iter().rev().find_map(|m| m.uid);
                let above = self.msgs[k + 1..].iter().find_map(|m| m.uid);
                if below.is_some_and(|b| b >= uid) || above.is_some_and(|a| a <= uid) {
                    self.error("UIDs not ascending with sequence numbers", || {
                        format!("seq {} got UID {uid} between {below:?} and {above:?}", k + 1)
                    });
                } else {
                    self.msgs[k].uid = Some(uid);
                }
            }
        }
    }

    /// A message this session was told is `\Recent`, once its UID is known: no other
    /// session may have been told so.
    fn count_recent(&mut self, k: usize) {
        let m = &self.msgs[k];
        let (Some(uid), true, false) = (m.uid, m.recent, m.recent_counted) else { return };
        self.msgs[k].recent_counted = true;
        self.checked("\\Recent UIDs");
        let first = *lock(&self.shared.recent).entry(uid).or_insert(self.client);
        if first != self.client {
            self.error("\\Recent told to two sessions", || format!("UID {uid}, first to client {first}"));
        }
    }
}
