//! One opened mailbox: the in-memory index of its messages (UID → file, flags, size),
//! and, as in the core's memory backend, its change log, the `\Recent` claims of the
//! sessions and the expunged messages sessions still see (RFC 2180 §4.1.1). The disk
//! side (scanning, delivering, renaming) is in `sync.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use imap_machine::store::{Change, MailboxStatus, Notifier, SessionId, Snapshot};
use imap_machine::types::{DateTime, Flag, ObjectId, StoreKind};

use crate::sync::Stamp;

/// A live message: its file and what the index knows of it. Kept small (32 bytes and
/// the file name): a mailbox may hold hundreds of thousands. The flags are a bit set over
/// the mailbox's keyword table when that gives them back exactly as they were set (same
/// order, same spelling); what is rarely there (a list of flags the bits cannot hold,
/// info letters without an IMAP meaning, `dovecot-uidlist` extension fields, a size
/// above 4 GiB) is in a box of its own.
pub(crate) struct Message {
    /// The file name as it is now; up to its first `:` it is the base, the key of
    /// `dovecot-uidlist`.
    name: Box<str>,
    rare: Option<Box<Rare>>,
    /// The flags (see [`pack`]) and [`IN_NEW`].
    bits: u32,
    /// RFC822.SIZE, or `u32::MAX` when it is in `rare`.
    size: u32,
}

/// What few messages have (see [`Message`]).
#[derive(Debug, Default)]
struct Rare {
    /// The flags when the bits cannot hold them as they are.
    flags: Option<Vec<Flag>>,
    /// Info letters without an IMAP meaning, kept through renames.
    extra: Box<str>,
    /// The extension fields of its `dovecot-uidlist` record.
    ext: Box<str>,
    /// RFC822.SIZE when it does not fit `Message::size`.
    size: u64,
}

impl Rare {
    fn is_empty(&self) -> bool {
        self.flags.is_none() && self.extra.is_empty() && self.ext.is_empty() && self.size == 0
    }
}

/// The file is in `new/` (else `cur/`).
const IN_NEW: u32 = 1 << 31;
/// The system flags' bits are 0 to 4, in the order of their info letters (`D` `F` `R`
/// `S` `T`); the keyword of letter `a` + k is bit 5 + k.
const KEYWORD_SHIFT: u32 = 5;
const KEYWORD_BITS: u32 = ((1 << crate::keywords::MAX_KEYWORDS) - 1) << KEYWORD_SHIFT;

/// The bit of a system flag.
fn system_bit(flag: &Flag) -> Option<u32> {
    Some(match flag {
        Flag::Draft => 1,
        Flag::Flagged => 1 << 1,
        Flag::Answered => 1 << 2,
        Flag::Seen => 1 << 3,
        Flag::Deleted => 1 << 4,
        Flag::Keyword(_) | Flag::Extension(_) => return None,
    })
}

/// Whether two flags are the same to the letter (keywords compare case-insensitively,
/// but are shown as they were given).
fn identical(a: &Flag, b: &Flag) -> bool {
    match (a, b) {
        (Flag::Keyword(x), Flag::Keyword(y)) | (Flag::Extension(x), Flag::Extension(y)) => x.as_bytes() == y.as_bytes(),
        _ => a == b,
    }
}

/// Whether two keyword tables are the same to the letter.
fn same_table(a: &[Option<Flag>], b: &[Option<Flag>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => identical(x, y),
            (x, y) => x.is_none() && y.is_none(),
        })
}

/// The flags as bits over `keywords`, if [`unpack`] gives the very same list back: each
/// flag a system flag or a keyword spelled as in the table, in bit order.
fn pack(flags: &[Flag], keywords: &[Option<Flag>]) -> Option<u32> {
    let mut bits = 0u32;
    for f in flags {
        let bit = match f {
            Flag::Keyword(_) => {
                let k = keywords.iter().position(|k| k.as_ref() == Some(f))?;
                if k >= crate::keywords::MAX_KEYWORDS || !keywords[k].as_ref().is_some_and(|k| identical(k, f)) {
                    return None;
                }
                1 << (KEYWORD_SHIFT + k as u32)
            }
            Flag::Extension(_) => return None,
            system => system_bit(system)?,
        };
        // Ascending (which also rules out a flag twice).
        if bit <= bits {
            return None;
        }
        bits |= bit;
    }
    Some(bits)
}

/// The flags of the bits over `keywords`.
fn unpack(bits: u32, keywords: &[Option<Flag>]) -> Vec<Flag> {
    let bits = bits & !IN_NEW;
    let mut out = Vec::with_capacity(bits.count_ones() as usize);
    for f in [Flag::Draft, Flag::Flagged, Flag::Answered, Flag::Seen, Flag::Deleted] {
        if system_bit(&f).is_some_and(|bit| bits & bit != 0) {
            out.push(f);
        }
    }
    let mut kw = (bits & KEYWORD_BITS) >> KEYWORD_SHIFT;
    while kw != 0 {
        let k = kw.trailing_zeros() as usize;
        kw &= kw - 1;
        if let Some(Some(f)) = keywords.get(k) {
            out.push(f.clone());
        }
    }
    out
}

impl Message {
    /// A message of the index: its file (`name`, in `new/` or `cur/`), flags (read with
    /// `keywords`), info letters kept as they are, size and `dovecot-uidlist` extension
    /// fields.
    pub(crate) fn new(
        name: String,
        in_new: bool,
        flags: Vec<Flag>,
        extra: String,
        size: u64,
        ext: String,
        keywords: &[Option<Flag>],
    ) -> Message {
        let mut m = Message { name: name.into_boxed_str(), rare: None, bits: 0, size: 0 };
        m.set_file(None, in_new);
        m.set_flags(flags, keywords);
        m.set_extra(extra);
        m.set_size(size);
        if !ext.is_empty() {
            m.rare_mut().ext = ext.into_boxed_str();
        }
        m
    }

    fn rare_mut(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Default::default)
    }

    /// Drops the box of rare things when nothing is in it.
    fn tidy(&mut self) {
        if self.rare.as_ref().is_some_and(|r| r.is_empty()) {
            self.rare = None;
        }
    }

    /// The file name without its info part (the key of `dovecot-uidlist`).
    pub(crate) fn base(&self) -> &str {
        crate::keywords::split(&self.name).0
    }

    /// The file name as it is now.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// In `new/` (else `cur/`).
    pub(crate) fn in_new(&self) -> bool {
        self.bits & IN_NEW != 0
    }

    /// RFC822.SIZE.
    pub(crate) fn size(&self) -> u64 {
        match self.size {
            u32::MAX => self.rare.as_ref().map_or(0, |r| r.size),
            s => u64::from(s),
        }
    }

    fn set_size(&mut self, size: u64) {
        match u32::try_from(size) {
            Ok(s) if s != u32::MAX => {
                self.size = s;
                if let Some(r) = self.rare.as_mut() {
                    r.size = 0;
                }
                self.tidy();
            }
            _ => {
                self.size = u32::MAX;
                self.rare_mut().size = size;
            }
        }
    }

    /// Info letters without an IMAP meaning, kept through renames.
    pub(crate) fn extra(&self) -> &str {
        self.rare.as_ref().map_or("", |r| &r.extra)
    }

    pub(crate) fn set_extra(&mut self, extra: String) {
        if extra.is_empty() && self.rare.is_none() {
            return;
        }
        self.rare_mut().extra = extra.into_boxed_str();
        self.tidy();
    }

    /// The extension fields of its `dovecot-uidlist` record.
    pub(crate) fn ext(&self) -> &str {
        self.rare.as_ref().map_or("", |r| &r.ext)
    }

    /// The file is now `name` (if given), in `new/` or `cur/`.
    pub(crate) fn set_file(&mut self, name: Option<String>, in_new: bool) {
        if let Some(name) = name {
            self.name = name.into_boxed_str();
        }
        self.bits = if in_new { self.bits | IN_NEW } else { self.bits & !IN_NEW };
    }

    /// Its flags (without `\Recent`), `keywords` being the mailbox's table.
    pub(crate) fn flags(&self, keywords: &[Option<Flag>]) -> Vec<Flag> {
        match self.rare.as_ref().and_then(|r| r.flags.as_ref()) {
            Some(flags) => flags.clone(),
            None => unpack(self.bits, keywords),
        }
    }

    /// Whether it has the system flag `flag`.
    pub(crate) fn has(&self, flag: &Flag) -> bool {
        match self.rare.as_ref().and_then(|r| r.flags.as_ref()) {
            Some(flags) => flags.contains(flag),
            None => system_bit(flag).is_some_and(|bit| self.bits & bit != 0),
        }
    }

    /// Whether it has `flag`, a system flag or a keyword (compared as [`Flag`]'s `==`
    /// does: keywords case-insensitively), `keywords` being the mailbox's table: what
    /// `flags(keywords).contains(flag)` says, without building the list.
    pub(crate) fn has_flag(&self, flag: &Flag, keywords: &[Option<Flag>]) -> bool {
        if let Some(flags) = self.rare.as_ref().and_then(|r| r.flags.as_ref()) {
            return flags.contains(flag);
        }
        match flag {
            Flag::Keyword(_) => {
                let mut kw = (self.bits & KEYWORD_BITS) >> KEYWORD_SHIFT;
                while kw != 0 {
                    let k = kw.trailing_zeros() as usize;
                    kw &= kw - 1;
                    if keywords.get(k).is_some_and(|f| f.as_ref() == Some(flag)) {
                        return true;
                    }
                }
                false
            }
            Flag::Extension(_) => false,
            system => self.has(system),
        }
    }

    pub(crate) fn set_flags(&mut self, flags: Vec<Flag>, keywords: &[Option<Flag>]) {
        let in_new = self.bits & IN_NEW;
        match pack(&flags, keywords) {
            Some(bits) => {
                self.bits = bits | in_new;
                if let Some(r) = self.rare.as_mut() {
                    r.flags = None;
                }
                self.tidy();
            }
            None => {
                self.bits = in_new;
                self.rare_mut().flags = Some(flags);
            }
        }
    }

    /// The keyword table changed from `old` to `new`: the same flags, as bits over `new`
    /// where they can be.
    fn rekey(&mut self, old: &[Option<Flag>], new: &[Option<Flag>]) {
        let flags = match self.rare.as_mut().and_then(|r| r.flags.take()) {
            Some(flags) => flags,
            None if self.bits & KEYWORD_BITS == 0 => return,
            None => unpack(self.bits, old),
        };
        self.set_flags(flags, new);
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("name", &self.name)
            .field("bits", &format_args!("{:#x}", self.bits))
            .field("size", &self.size())
            .field("rare", &self.rare)
            .finish()
    }
}

/// An expunged message that sessions still see: kept until every session in `holders`
/// has told its client, or closed the mailbox. `body` is `None` when another process
/// removed the file before we could read it.
#[derive(Debug)]
pub(crate) struct Ghost {
    pub(crate) flags: Vec<Flag>,
    /// Its save date and EMAILID, as they were.
    pub(crate) ids: (Option<DateTime>, ObjectId),
    pub(crate) data: Option<(Bytes, DateTime)>,
    pub(crate) holders: Vec<SessionId>,
}

/// One entry of the change log, read as a [`Change`] when a session asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Logged {
    Appended(u32),
    Flags(u32),
    Expunged(u32),
    Keyword(Flag),
}

/// An opened mailbox (see the module docs).
pub(crate) struct Mailbox {
    /// The user root (for the UIDVALIDITY counter).
    pub(crate) root: PathBuf,
    /// The mailbox directory.
    pub(crate) dir: PathBuf,
    /// Deleted or renamed: every call fails with `NoSuchMailbox`.
    pub(crate) gone: bool,
    pub(crate) fsync: bool,
    /// 0 until `dovecot-uidlist` was read or created.
    pub(crate) uid_validity: u32,
    pub(crate) uid_next: u32,
    pub(crate) guid: String,
    pub(crate) header_ext: Vec<String>,
    pub(crate) messages: BTreeMap<u32, Message>,
    /// Live UIDs whose `\Recent` no session has claimed.
    pub(crate) unclaimed: BTreeSet<u32>,
    pub(crate) claims: HashMap<SessionId, Vec<u32>>,
    pub(crate) ghosts: BTreeMap<u32, Ghost>,
    pub(crate) log: VecDeque<Logged>,
    /// Cursor of `log[0]`.
    pub(crate) log_start: u64,
    pub(crate) cursors: HashMap<SessionId, u64>,
    pub(crate) watchers: HashMap<SessionId, Notifier>,
    /// The keywords of `dovecot-keywords`, by letter (change them with
    /// [`Mailbox::set_keywords`]: the messages' flags are bits over them).
    pub(crate) keywords: Vec<Option<Flag>>,
    /// What the directories looked like at the last scan.
    pub(crate) stamp: Option<Stamp>,
    /// Past the first scan.
    pub(crate) loaded: bool,
    /// RFC822.SIZE of the live messages whose file name does not say it (no `W=`), read
    /// once for STATUS SIZE ([`Mailbox::learn_sizes`]).
    pub(crate) read_sizes: HashMap<u32, u64>,
    /// Its mod-sequences (RFC 7162), from the first scan on.
    pub(crate) modseqs: Option<crate::modseq::ModSeqs>,
    /// The user's watchers, woken by any change too.
    pub(crate) user_watchers: Option<crate::UserWatchers>,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("dir", &self.dir)
            .field("uid_validity", &self.uid_validity)
            .field("messages", &self.messages.len())
            .finish()
    }
}

impl Mailbox {
    /// An empty index of `dir`, before its first scan.
    pub(crate) fn empty(root: &Path, dir: PathBuf, fsync: bool) -> Self {
        Mailbox {
            root: root.to_path_buf(),
            dir,
            gone: false,
            fsync,
            uid_validity: 0,
            uid_next: 1,
            guid: String::new(),
            header_ext: Vec::new(),
            messages: BTreeMap::new(),
            unclaimed: BTreeSet::new(),
            claims: HashMap::new(),
            ghosts: BTreeMap::new(),
            log: VecDeque::new(),
            log_start: 0,
            cursors: HashMap::new(),
            watchers: HashMap::new(),
            keywords: Vec::new(),
            stamp: None,
            loaded: false,
            read_sizes: HashMap::new(),
            modseqs: None,
            user_watchers: None,
        }
    }

    /// The path of a live message's file.
    pub(crate) fn path_of(&self, m: &Message) -> PathBuf {
        self.dir.join(if m.in_new() { "new" } else { "cur" }).join(m.name())
    }

    pub(crate) fn cursor(&self) -> u64 {
        self.log_start + self.log.len() as u64
    }

    /// Logs a change; past the first scan, an arrival, a flag change and an expunge each
    /// take the next mod-sequence (RFC 7162 §3.1, §3.2).
    pub(crate) fn record(&mut self, change: Logged) {
        if let Some(ms) = self.modseqs.as_mut() {
            let (messages, ghosts) = (&self.messages, &self.ghosts);
            let kept = |u: u32| messages.contains_key(&u) || ghosts.contains_key(&u);
            match &change {
                Logged::Appended(uid) | Logged::Flags(uid) => {
                    ms.next(*uid, false, kept);
                }
                Logged::Expunged(uid) => {
                    ms.next(*uid, true, kept);
                }
                Logged::Keyword(_) => {}
            }
        }
        self.log.push_back(change);
    }

    /// The mod-sequence of message `uid` (0 before the first scan).
    pub(crate) fn modseq(&self, uid: u32) -> u64 {
        self.modseqs.as_ref().map_or(0, |m| m.of(uid))
    }

    /// HIGHESTMODSEQ (0 before the first scan).
    pub(crate) fn highest_modseq(&self) -> u64 {
        self.modseqs.as_ref().map_or(0, |m| m.highest())
    }

    /// Drops log entries every open session has read.
    pub(crate) fn trim(&mut self) {
        let min = self.cursors.values().copied().min().unwrap_or_else(|| self.cursor());
        while self.log_start < min && !self.log.is_empty() {
            self.log.pop_front();
            self.log_start += 1;
        }
    }

    /// Forgets the log (after the first scan: what was there is not news), and the
    /// memory it took.
    pub(crate) fn forget_log(&mut self) {
        self.log_start = self.cursor();
        self.log = VecDeque::new();
    }

    /// Replaces the keyword table; returns the old one.
    pub(crate) fn set_keywords(&mut self, keywords: Vec<Option<Flag>>) -> Vec<Option<Flag>> {
        let old = std::mem::replace(&mut self.keywords, keywords);
        if !same_table(&old, &self.keywords) {
            for m in self.messages.values_mut() {
                m.rekey(&old, &self.keywords);
            }
        }
        old
    }

    /// Adds a live message under `uid` and logs it; `recent`: not yet claimed by a
    /// session.
    pub(crate) fn add(&mut self, uid: u32, message: Message, recent: bool) {
        if recent {
            self.unclaimed.insert(uid);
        }
        self.messages.insert(uid, message);
        self.uid_next = self.uid_next.max(uid.saturating_add(1));
        self.record(Logged::Appended(uid));
    }

    /// [`Mailbox::add`] for each of `added` (UID, message, `\Recent`), in order.
    pub(crate) fn add_all(&mut self, added: Vec<(u32, Message, bool)>) {
        if !self.messages.is_empty() || added.len() < 2 {
            for (uid, message, recent) in added {
                self.add(uid, message, recent);
            }
            return;
        }
        // Into an empty index (the first scan) in one go: a map built at once has full
        // nodes, one filled key by key about half full ones.
        for (uid, _, recent) in &added {
            if *recent {
                self.unclaimed.insert(*uid);
            }
            self.uid_next = self.uid_next.max(uid.saturating_add(1));
            self.record(Logged::Appended(*uid));
        }
        self.messages = added.into_iter().map(|(uid, message, _)| (uid, message)).collect();
    }

    /// Removes a live message from the index, logs the expunge, and keeps `data` for the
    /// sessions that have the mailbox open. The file is the caller's business.
    pub(crate) fn forget(&mut self, uid: u32, data: Option<(Bytes, DateTime)>) -> Option<Message> {
        let message = self.messages.remove(&uid)?;
        self.unclaimed.remove(&uid);
        self.record(Logged::Expunged(uid));
        let holders: Vec<SessionId> = self.cursors.keys().copied().collect();
        if !holders.is_empty() {
            let ids = (message.save_date(), message.email_id());
            self.ghosts.insert(uid, Ghost { flags: message.flags(&self.keywords), ids, data, holders });
        }
        Some(message)
    }

    /// Logs the keywords among `flags` that `known` lacked.
    pub(crate) fn announce(&mut self, known: &[Option<Flag>]) {
        let fresh: Vec<Flag> =
            self.keywords.iter().flatten().filter(|f| !known.iter().flatten().any(|k| k == *f)).cloned().collect();
        for f in fresh {
            self.record(Logged::Keyword(f));
        }
    }

    /// Whether `session`, told of message `uid` now, sees it as `\Recent`: no session has
    /// claimed it yet. A read-write session claims it (RFC 3501 §2.3.2).
    pub(crate) fn claim(&mut self, uid: u32, session: SessionId, read_only: bool) -> bool {
        if !self.unclaimed.contains(&uid) {
            return false;
        }
        if !read_only {
            self.unclaimed.remove(&uid);
            self.claims.entry(session).or_default().push(uid);
            // Claimed mail leaves new/, as Dovecot moves it.
            self.leave_new(uid);
        }
        true
    }

    /// The session is gone: the messages it claimed are no longer `\Recent` to anyone.
    pub(crate) fn drop_claims(&mut self, session: SessionId) {
        self.claims.remove(&session);
    }

    /// Drops `session`'s hold on the ghosts `uids` (all of them if `None`).
    pub(crate) fn release(&mut self, session: SessionId, uids: Option<&[u32]>) {
        let all: Vec<u32> = match uids {
            Some(uids) => uids.to_vec(),
            None => self.ghosts.keys().copied().collect(),
        };
        for uid in all {
            if let Some(g) = self.ghosts.get_mut(&uid) {
                g.holders.retain(|h| *h != session);
                if g.holders.is_empty() {
                    self.ghosts.remove(&uid);
                }
            }
        }
    }

    /// A session closes the mailbox.
    pub(crate) fn close(&mut self, session: SessionId) {
        self.cursors.remove(&session);
        self.watchers.remove(&session);
        self.drop_claims(session);
        self.release(session, None);
        self.trim();
    }

    /// The flags of a message as `session` sees it: live, or a ghost it still holds.
    pub(crate) fn visible_flags(&self, session: SessionId, uid: u32) -> Option<Vec<Flag>> {
        self.messages
            .get(&uid)
            .map(|m| m.flags(&self.keywords))
            .or_else(|| self.ghosts.get(&uid).filter(|g| g.holders.contains(&session)).map(|g| g.flags.clone()))
    }

    /// A logged change as `session` reads it now.
    pub(crate) fn read(&self, session: SessionId, entry: &Logged) -> Change {
        match entry {
            Logged::Appended(uid) => Change::Appended { uid: *uid },
            Logged::Expunged(uid) => Change::Expunged { uid: *uid },
            Logged::Keyword(flag) => Change::Keyword { flag: flag.clone() },
            Logged::Flags(uid) => {
                let flags = self.visible_flags(session, *uid).unwrap_or_default();
                Change::Flags { uid: *uid, flags, modseq: self.modseq(*uid) }
            }
        }
    }

    pub(crate) fn wake(&self) {
        for n in self.watchers.values() {
            n();
        }
        for n in self.user_watchers.iter().flat_map(|w| crate::lock(w).values().cloned().collect::<Vec<_>>()) {
            n();
        }
    }

    /// The flags the mailbox can have: the system flags and its keywords.
    fn flags(&self) -> Vec<Flag> {
        let mut flags: Vec<Flag> = vec![Flag::Answered, Flag::Flagged, Flag::Deleted, Flag::Seen, Flag::Draft];
        flags.extend(self.keywords.iter().flatten().cloned());
        flags
    }

    /// SELECT or EXAMINE by `session` (after a refresh).
    pub(crate) fn open(&mut self, session: SessionId, read_only: bool) -> Snapshot {
        let unclaimed: Vec<u32> = self.unclaimed.iter().copied().collect();
        let recent: Vec<u32> = unclaimed.into_iter().filter(|uid| self.claim(*uid, session, read_only)).collect();
        let cursor = self.cursor();
        self.cursors.insert(session, cursor);
        Snapshot {
            uid_validity: self.uid_validity,
            uid_next: self.uid_next,
            uids: self.messages.keys().copied().collect(),
            first_unseen: self.messages.iter().find(|(_, m)| !m.has(&Flag::Seen)).map(|(u, _)| *u),
            recent,
            flags: self.flags(),
            cursor,
            highest_modseq: self.highest_modseq(),
        }
    }

    /// STATUS (after a refresh and [`Mailbox::learn_sizes`]): SIZE is the sum of the
    /// RFC822.SIZE FETCH reports (RFC 8438 §3).
    pub(crate) fn status(&self) -> MailboxStatus {
        let count = |f: &Flag, has: bool| self.messages.values().filter(|m| m.has(f) == has).count() as u32;
        MailboxStatus {
            messages: self.messages.len() as u32,
            recent: self.unclaimed.len() as u32,
            uid_next: self.uid_next,
            uid_validity: self.uid_validity,
            unseen: count(&Flag::Seen, false),
            size: self.messages.iter().map(|(uid, m)| self.read_sizes.get(uid).copied().unwrap_or(m.size())).sum(),
            deleted: count(&Flag::Deleted, true),
            deleted_storage: self
                .messages
                .iter()
                .filter(|(_, m)| m.has(&Flag::Deleted))
                .map(|(uid, m)| self.read_sizes.get(uid).copied().unwrap_or(m.size()))
                .sum(),
            highest_modseq: self.highest_modseq(),
        }
    }

    /// The live messages with `\Deleted` (among `uids` if given), lowest first, at most
    /// `max`.
    pub(crate) fn doomed(&self, uids: Option<&[u32]>, max: usize) -> Vec<u32> {
        let deleted = |uid: &u32| self.messages.get(uid).is_some_and(|m| m.has(&Flag::Deleted));
        match uids {
            None => self.messages.keys().copied().filter(deleted).take(max).collect(),
            Some(set) => {
                let set: BTreeSet<u32> = set.iter().copied().collect();
                set.into_iter().filter(deleted).take(max).collect()
            }
        }
    }
}

pub(crate) use imap_machine::store::names::apply_store as apply;

/// The flags a Maildir can keep: the system flags and keywords (no other backslash
/// flags), each once.
pub(crate) fn storable(flags: &[Flag]) -> Vec<Flag> {
    let keep: Vec<Flag> = flags.iter().filter(|f| !matches!(f, Flag::Extension(_))).cloned().collect();
    let mut out = Vec::with_capacity(keep.len());
    apply(&mut out, StoreKind::Replace, &keep);
    out
}

/// Whether two flag lists hold the same flags.
pub(crate) fn same_flags(a: &[Flag], b: &[Flag]) -> bool {
    a.len() == b.len() && a.iter().all(|f| b.contains(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(s: &str) -> Flag {
        Flag::parse(s).unwrap()
    }

    /// The same flags, in the same order, spelled the same.
    fn shown(flags: &[Flag]) -> Vec<String> {
        flags.iter().map(ToString::to_string).collect()
    }

    fn message(flags: Vec<Flag>, keywords: &[Option<Flag>]) -> Message {
        Message::new("1.M1P1.host,S=10:2,".into(), false, flags, String::new(), 10, String::new(), keywords)
    }

    #[test]
    fn a_message_is_small() {
        assert_eq!(std::mem::size_of::<Message>(), 32);
    }

    #[test]
    fn flags_come_back_as_they_were_given() {
        let keywords = vec![Some(kw("$Label1")), None, Some(kw("work")), Some(kw("WORK"))];
        let cases: Vec<Vec<Flag>> = vec![
            vec![],
            vec![Flag::Seen],
            vec![Flag::Draft, Flag::Flagged, Flag::Answered, Flag::Seen, Flag::Deleted, kw("$Label1"), kw("work")],
            // Not in bit order, spelled otherwise than in the table, not in the table, twice.
            vec![Flag::Seen, Flag::Flagged],
            vec![kw("$label1")],
            vec![kw("WORK")],
            vec![kw("other"), Flag::Seen],
            vec![Flag::Extension(imap_machine::types::Atom::from_static("X"))],
        ];
        for flags in cases {
            let m = message(flags.clone(), &keywords);
            assert_eq!(shown(&m.flags(&keywords)), shown(&flags));
            for f in [Flag::Seen, Flag::Deleted, Flag::Flagged] {
                assert_eq!(m.has(&f), flags.contains(&f));
            }
            for f in [Flag::Seen, Flag::Draft, kw("work"), kw("WORK"), kw("$label1"), kw("other")] {
                assert_eq!(m.has_flag(&f, &keywords), flags.contains(&f), "{f} in {}", shown(&flags).join(" "));
            }
        }
        // The usual ones need no box.
        assert!(message(vec![Flag::Flagged, Flag::Seen, kw("work")], &keywords).rare.is_none());
        assert!(message(vec![Flag::Seen, Flag::Flagged], &keywords).rare.is_some());
    }

    #[test]
    fn flags_survive_a_new_keyword_table() {
        let old = vec![Some(kw("a1")), Some(kw("b2")), Some(kw("c3"))];
        let new = vec![Some(kw("c3")), None, Some(kw("A1"))];
        let mut mb = Mailbox::empty(Path::new("/nonexistent"), PathBuf::from("/nonexistent/x"), false);
        mb.set_keywords(old.clone());
        let given =
            [vec![Flag::Seen, kw("a1"), kw("c3")], vec![kw("b2")], vec![Flag::Deleted], vec![kw("c3"), kw("a1")]];
        for (k, flags) in given.iter().enumerate() {
            mb.add(k as u32 + 1, message(flags.clone(), &old), false);
        }
        mb.set_keywords(new.clone());
        for (k, flags) in given.iter().enumerate() {
            assert_eq!(shown(&mb.messages[&(k as u32 + 1)].flags(&new)), shown(flags));
        }
    }

    #[test]
    fn rare_fields() {
        let mut m =
            Message::new("1.M1P1.host:2,PS".into(), false, vec![Flag::Seen], "P".into(), 5 << 32, "W12 GX".into(), &[]);
        assert_eq!(
            (m.base(), m.name(), m.extra(), m.ext(), m.size()),
            ("1.M1P1.host", "1.M1P1.host:2,PS", "P", "W12 GX", 5 << 32)
        );
        m.set_file(Some("1.M1P1.host:2,".into()), true);
        m.set_extra(String::new());
        m.set_flags(vec![], &[]);
        assert!(m.in_new());
        assert_eq!((m.base(), m.extra(), m.ext(), m.size()), ("1.M1P1.host", "", "W12 GX", 5 << 32));
        let m = Message::new("b".into(), true, vec![], String::new(), u64::from(u32::MAX) - 1, String::new(), &[]);
        assert!(m.rare.is_none() && m.in_new() && m.base() == "b");
        assert_eq!(m.size(), u64::from(u32::MAX) - 1);
    }
}
