//! The disk side of a mailbox: scanning `new/` and `cur/` against the index, reading
//! and writing `dovecot-uidlist` and `dovecot-keywords`, delivering files, renaming them
//! for flag changes, unlinking them for expunges.
//!
//! A scan happens when something changed: the mtimes of `new/` and `cur/` (any file
//! created, renamed or removed) and the mtime and size of `dovecot-uidlist` and
//! `dovecot-keywords` are the mailbox's [`Stamp`], compared on every `open`, `status`,
//! `changes`, `store` and `expunge` (four `stat` calls; a stamp less than a second old
//! is not trusted, as mtimes come from a coarse clock). Files another process removed
//! are expunged, renamed ones change flags, new ones get the UID `dovecot-uidlist` gives
//! them or, under its lock, the next one.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use imap_machine::store::SessionId;
use imap_machine::types::{DateTime, Flag, StoreKind};

use crate::error::{MaildirError, Result};
use crate::fsutil::{date_of, fsync_dir, read_optional, time_of, to_crlf, write_new, Namer};
use crate::keywords::{self, file_name, flags_of, split};
use crate::lock::DotLock;
use crate::mailbox::{apply, same_flags, Mailbox, Message};
use crate::uidlist::{new_guid, Record, Uidlist};

/// Files in `tmp/` untouched for this long are left over by a crash and removed
/// (Dovecot's rule).
pub(crate) const TMP_MAX_AGE: Duration = Duration::from_secs(36 * 3600);

/// A stamp younger than this may not show a change made right after it: file systems
/// set times from a coarse clock (a few milliseconds on Linux, seconds on some), so two
/// changes in one tick leave one mtime. Dovecot waits a second too.
const SETTLE: Duration = Duration::from_secs(1);

/// What a mailbox directory looked like: a change to any of it means a scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    new: SystemTime,
    cur: SystemTime,
    uidlist: Option<(SystemTime, u64)>,
    keywords: Option<(SystemTime, u64)>,
    /// Every time in it is older than [`SETTLE`]: an equal stamp later means no change.
    settled: bool,
}

impl Stamp {
    /// Reads the stamp of `dir`; [`MaildirError::Gone`] if it has no `new/` or `cur/`.
    pub(crate) fn read(dir: &Path) -> Result<Stamp> {
        let mtime = |sub: &str| -> Result<SystemTime> {
            let path = dir.join(sub);
            match std::fs::metadata(&path).and_then(|m| m.modified()) {
                Ok(t) => Ok(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(MaildirError::Gone(dir.to_path_buf())),
                Err(e) => Err(MaildirError::io("stat", path)(e)),
            }
        };
        let file =
            |name: &str| std::fs::metadata(dir.join(name)).ok().and_then(|m| Some((m.modified().ok()?, m.len())));
        let (new, cur) = (mtime("new")?, mtime("cur")?);
        let (uidlist, keywords) = (file("dovecot-uidlist"), file("dovecot-keywords"));
        let newest = [Some(new), Some(cur), uidlist.map(|u| u.0), keywords.map(|k| k.0)].into_iter().flatten().max();
        let settled = newest.and_then(|t| SystemTime::now().duration_since(t).ok()).is_some_and(|age| age > SETTLE);
        Ok(Stamp { new, cur, uidlist, keywords, settled })
    }
}

/// A file found in `new/` or `cur/`. In a set it is its base name (so that the set is
/// one allocation per file: the name, which the index keeps).
#[derive(Debug)]
pub(crate) struct Found {
    in_new: bool,
    name: String,
}

impl Found {
    fn base(&self) -> &str {
        split(&self.name).0
    }
}

impl Borrow<str> for Found {
    fn borrow(&self) -> &str {
        self.base()
    }
}

impl PartialEq for Found {
    fn eq(&self, other: &Self) -> bool {
        self.base() == other.base()
    }
}

impl Eq for Found {}

impl Hash for Found {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.base().hash(state);
    }
}

/// A message written to a `tmp/`, to be delivered with [`Mailbox::deliver`].
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) tmp: PathBuf,
    pub(crate) base: String,
    pub(crate) flags: Vec<Flag>,
    /// RFC822.SIZE: as served, CRLF line ends.
    pub(crate) size: u64,
    /// The `dovecot-uidlist` extension fields of its record: a copy's `G` (its EMAILID).
    pub(crate) ext: String,
}

/// The files of `new/` and `cur/` by base name (`cur/` wins if a crash left both).
fn list_files(dir: &Path) -> Result<HashSet<Found>> {
    let mut out = HashSet::new();
    for (sub, in_new) in [("new", true), ("cur", false)] {
        let path = dir.join(sub);
        let entries = match std::fs::read_dir(&path) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(MaildirError::Gone(dir.to_path_buf())),
            Err(e) => return Err(MaildirError::io("read directory", path)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(MaildirError::io("read directory", &path))?;
            let Ok(name) = entry.file_name().into_string() else { continue };
            if name.starts_with('.') {
                continue;
            }
            out.replace(Found { in_new, name });
        }
    }
    Ok(out)
}

/// Creates `cur/`, `new/` and `tmp/` in `dir` (and `dir`).
pub(crate) fn make_maildir(dir: &Path) -> Result<()> {
    for sub in ["cur", "new", "tmp"] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(MaildirError::io("create directory", path))?;
    }
    Ok(())
}

/// Removes what a crash left in `dir/tmp/`: entries whose mtime and atime are both older
/// than [`TMP_MAX_AGE`] (as Dovecot does; younger ones may be deliveries in progress by
/// another process, such as an MDA writing without any lock).
pub(crate) fn clean_tmp(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir.join("tmp")) else { return };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        let old = |t: std::io::Result<SystemTime>| {
            t.ok().and_then(|t| now.duration_since(t).ok()).is_some_and(|age| age > TMP_MAX_AGE)
        };
        if old(meta.modified()) && old(meta.accessed()) {
            let _ =
                if meta.is_dir() { std::fs::remove_dir_all(entry.path()) } else { std::fs::remove_file(entry.path()) };
        }
    }
}

/// A new UIDVALIDITY for a mailbox of the user at `root`: the current time, or one more
/// than the last one given if that is not below it, kept in `dovecot-uidvalidity` (hex)
/// under its dot-lock, so that every incarnation of a name gets another one.
pub(crate) fn next_uid_validity(root: &Path, fsync: bool) -> Result<u32> {
    let path = root.join("dovecot-uidvalidity");
    let lock = DotLock::acquire(&path)?;
    let last = read_optional(&path)?
        .and_then(|d| u32::from_str_radix(String::from_utf8_lossy(&d).trim(), 16).ok())
        .unwrap_or(0);
    let now = u32::try_from(crate::fsutil::now().0).unwrap_or(u32::MAX);
    let next = if last >= now { last.wrapping_add(1).max(1) } else { now.max(1) };
    lock.replace(format!("{next:08x}").as_bytes(), fsync)?;
    Ok(next)
}

/// Whether the name of a message's file says its RFC822.SIZE (`W=`, the size with CRLF
/// line ends), so that the index has it without reading the file.
pub(crate) fn has_virtual_size(m: &Message) -> bool {
    m.base().split(',').any(|f| f.starts_with("W="))
}

#[cfg(test)]
thread_local! {
    /// Message files this thread opened or `stat`ed (for tests that show a SEARCH
    /// answered from the index touches none).
    pub(crate) static MESSAGE_IO: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts an open or `stat` of a message file (in tests).
fn message_io() {
    #[cfg(test)]
    MESSAGE_IO.with(|n| n.set(n.get() + 1));
}

#[cfg(test)]
thread_local! {
    /// Octets this thread read from message files (for tests that show a partial FETCH
    /// reads its range, not the message).
    pub(crate) static MESSAGE_READ: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts `n` octets read from a message file (in tests).
pub(crate) fn message_read(n: usize) {
    #[cfg(test)]
    MESSAGE_READ.with(|c| c.set(c.get() + n as u64));
    #[cfg(not(test))]
    let _ = n;
}

fn open_at(path: &Path) -> Result<Option<File>> {
    match File::open(path) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(MaildirError::io("open", path)(e)),
    }
}

impl Mailbox {
    /// Opens the mailbox in `dir` for the index: cleans `tmp/`, scans, assigns UIDs to
    /// mail that has none, creates `dovecot-uidlist` if missing. Messages in `new/` are
    /// `\Recent`, and so is every message another process adds later.
    pub(crate) fn load(root: &Path, dir: PathBuf, fsync: bool) -> Result<Mailbox> {
        if !dir.is_dir() {
            return Err(MaildirError::Gone(dir));
        }
        make_maildir(&dir)?;
        clean_tmp(&dir);
        let mut m = Mailbox::empty(root, dir, fsync);
        m.refresh()?;
        m.forget_log();
        m.loaded = true;
        m.modseqs = Some(crate::modseq::ModSeqs::open(&m.dir, m.uid_validity)?);
        Ok(m)
    }

    /// Brings the index up to date with the disk if the stamp changed; whether anything
    /// was logged.
    pub(crate) fn refresh(&mut self) -> Result<bool> {
        if self.gone {
            return Err(MaildirError::Gone(self.dir.clone()));
        }
        let before = self.cursor();
        if let Some(ms) = self.modseqs.as_mut() {
            // What other processes' changes took (their files are scanned below).
            ms.refresh()?;
        }
        let result = Stamp::read(&self.dir).and_then(|stamp| {
            if stamp.settled && self.stamp.as_ref() == Some(&stamp) {
                return Ok(());
            }
            let pending = self.rescan(stamp, false)?;
            if !pending.is_empty() || self.uid_validity == 0 {
                self.deliver(Vec::new())?;
            }
            Ok(())
        });
        if let Err(e) = result {
            self.stamp = None;
            if matches!(e, MaildirError::Gone(_) | MaildirError::UidValidityChanged(_)) {
                self.gone = true;
            }
            return Err(e);
        }
        Ok(self.cursor() != before)
    }

    /// A message of the index for a file found on disk, and whether it is `\Recent`.
    fn found(&self, f: Found, ext: String) -> (Message, bool) {
        let (flags, extra) = flags_of(split(&f.name).1, &self.keywords);
        let sub = if f.in_new { "new" } else { "cur" };
        let size = keywords::size_of(f.base())
            .or_else(|| std::fs::metadata(self.dir.join(sub).join(&f.name)).ok().map(|m| m.len()))
            .unwrap_or(0);
        // At the first scan, mail in new/ is what no client has seen yet; after it, any
        // mail another process adds is new to this one.
        let recent = f.in_new || self.loaded;
        (Message::new(f.name, f.in_new, flags, extra, size, ext, &self.keywords), recent)
    }

    /// Compares the disk with the index: logs keywords, expunges and flag changes others
    /// made, adds the new files `dovecot-uidlist` has UIDs for, and returns those without
    /// one, in name order. Reads `dovecot-uidlist` if `force` or if it may matter.
    fn rescan(&mut self, stamp: Stamp, force: bool) -> Result<Vec<Found>> {
        // What an unsettled stamp says is not to be trusted.
        let old = self.stamp.take().filter(|o| o.settled);
        if force || old.as_ref().map(|o| &o.keywords) != Some(&stamp.keywords) {
            let known = self.set_keywords(keywords::read(&self.dir)?);
            self.announce(&known);
        }
        let mut files = list_files(&self.dir)?;
        let vanished: Vec<u32> =
            self.messages.iter().filter(|(_, m)| !files.contains(m.base())).map(|(u, _)| *u).collect();
        for uid in vanished {
            self.forget(uid, None);
        }
        let mut changed = Vec::new();
        for (uid, m) in self.messages.iter_mut() {
            let Some(f) = files.take(m.base()) else { continue };
            if *f.name != *m.name() || f.in_new != m.in_new() {
                let (flags, extra) = flags_of(split(&f.name).1, &self.keywords);
                m.set_file(Some(f.name), f.in_new);
                m.set_extra(extra);
                if !same_flags(&flags, &m.flags(&self.keywords)) {
                    m.set_flags(flags, &self.keywords);
                    changed.push(*uid);
                }
            }
        }
        for uid in changed {
            self.record(crate::mailbox::Logged::Flags(uid));
        }
        let mut unknown: Vec<Found> = files.into_iter().collect();
        let uidlist_changed = old.as_ref().map(|o| &o.uidlist) != Some(&stamp.uidlist);
        let mut added = Vec::new();
        if force || uidlist_changed || !unknown.is_empty() || self.uid_validity == 0 {
            if let Some(text) = Uidlist::read(&self.dir)? {
                let list = Uidlist::parse(&text, &self.dir.join("dovecot-uidlist"))?;
                if self.uid_validity != 0 && list.uid_validity != self.uid_validity {
                    return Err(MaildirError::UidValidityChanged(self.dir.clone()));
                }
                self.uid_validity = list.uid_validity;
                self.uid_next = self.uid_next.max(list.next_uid);
                self.guid = list.guid.clone();
                self.header_ext = list.header_ext.clone();
                let by_base: HashMap<&str, &Record> = list.records.iter().map(|r| (r.base, r)).collect();
                let mut known = Vec::with_capacity(unknown.len());
                let mut rest = Vec::new();
                for f in unknown {
                    match by_base.get(f.base()) {
                        Some(r) if !self.messages.contains_key(&r.uid) => known.push((r.uid, r.ext, f)),
                        _ => rest.push(f),
                    }
                }
                unknown = rest;
                known.sort_unstable_by_key(|k| k.0);
                added = known
                    .into_iter()
                    .map(|(uid, ext, f)| {
                        let (m, recent) = self.found(f, ext.to_string());
                        (uid, m, recent)
                    })
                    .collect();
            }
        }
        // Indexed once the list's text is freed: the index takes that memory again (a
        // first scan of a large mailbox would otherwise leave it a hole).
        self.add_all(added);
        unknown.sort_by(|a, b| a.base().cmp(b.base()));
        self.stamp = Some(stamp);
        Ok(unknown)
    }

    /// Under the lock of `dovecot-uidlist`: scans, gives new files of others their UIDs,
    /// moves `incoming` from `tmp/` into `new/` (no flags) or `cur/`, gives them the next
    /// UIDs, and writes `dovecot-uidlist` (NEXTUID included) before returning their UIDs.
    pub(crate) fn deliver(&mut self, incoming: Vec<Incoming>) -> Result<Vec<u32>> {
        let result = self.deliver_locked(incoming.iter());
        for inc in &incoming {
            // Delivered ones were renamed away; the others go.
            let _ = std::fs::remove_file(&inc.tmp);
        }
        result
    }

    /// The mailbox GUID (its MAILBOXID, RFC 8474 §4), written to `dovecot-uidlist` first
    /// if the mailbox has none yet (a new mailbox, a version 1 list).
    pub(crate) fn mailbox_guid(&mut self) -> Result<String> {
        if self.guid.is_empty() || self.uid_validity == 0 {
            self.deliver(Vec::new())?;
        }
        Ok(self.guid.clone())
    }

    fn deliver_locked<'a>(&mut self, incoming: impl Iterator<Item = &'a Incoming>) -> Result<Vec<u32>> {
        let lock = DotLock::acquire(&self.dir.join("dovecot-uidlist"))?;
        let stamp = Stamp::read(&self.dir)?;
        let pending = self.rescan(stamp, true)?;
        if self.uid_validity == 0 {
            self.uid_validity = next_uid_validity(&self.root, self.fsync)?;
            self.uid_next = 1;
        }
        if self.guid.is_empty() {
            self.guid = new_guid();
        }
        // The next UIDs (the last one again and again past the end, as `add` has it).
        let uids = std::iter::successors(Some(self.uid_next), |uid| Some(uid.saturating_add(1)));
        let added = uids
            .zip(pending)
            .map(|(uid, f)| {
                let (m, recent) = self.found(f, String::new());
                (uid, m, recent)
            })
            .collect();
        self.add_all(added);
        let mut placed = Vec::new();
        let mut failure = None;
        for inc in incoming {
            match self.place(inc) {
                Ok(uid) => placed.push(uid),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        if self.fsync && !placed.is_empty() {
            fsync_dir(&self.dir.join("new"))?;
            fsync_dir(&self.dir.join("cur"))?;
        }
        let list = Uidlist {
            uid_validity: self.uid_validity,
            next_uid: self.uid_next,
            guid: self.guid.clone(),
            header_ext: self.header_ext.clone(),
            records: self.messages.iter().map(|(uid, m)| Record { uid: *uid, ext: m.ext(), base: m.base() }).collect(),
        };
        lock.replace(list.render().as_bytes(), self.fsync)?;
        failure.map_or(Ok(placed), Err)
    }

    /// Moves one delivered file into place and indexes it with the next UID.
    fn place(&mut self, inc: &Incoming) -> Result<u32> {
        let letters = keywords::letters(&inc.flags, "", &self.keywords)?;
        let (in_new, name) =
            if letters.is_empty() { (true, inc.base.clone()) } else { (false, file_name(&inc.base, &letters)) };
        let to = self.dir.join(if in_new { "new" } else { "cur" }).join(&name);
        std::fs::rename(&inc.tmp, &to).map_err(MaildirError::io("rename", &inc.tmp))?;
        let uid = self.uid_next;
        let m = Message::new(name, in_new, inc.flags.clone(), String::new(), inc.size, inc.ext.clone(), &self.keywords);
        self.add(uid, m, true);
        Ok(uid)
    }

    /// Adds the keywords among `flags` that the mailbox lacks to `dovecot-keywords` (under
    /// its lock, after reading what others added) and logs each.
    pub(crate) fn ensure_keywords(&mut self, flags: &[Flag]) -> Result<()> {
        let has = |list: &[Option<Flag>], f: &Flag| list.iter().flatten().any(|k| k == f);
        if flags.iter().all(|f| !matches!(f, Flag::Keyword(_)) || has(&self.keywords, f)) {
            return Ok(());
        }
        let lock = DotLock::acquire(&self.dir.join("dovecot-keywords"))?;
        let known = self.set_keywords(keywords::read(&self.dir)?);
        self.announce(&known);
        let mut list = self.keywords.clone();
        for f in flags {
            if matches!(f, Flag::Keyword(_)) && !has(&list, f) {
                if list.len() >= keywords::MAX_KEYWORDS {
                    return Err(MaildirError::TooManyKeywords);
                }
                list.push(Some(f.clone()));
            }
        }
        lock.replace(keywords::render(&list).as_bytes(), self.fsync)?;
        let known = self.set_keywords(list);
        self.announce(&known);
        Ok(())
    }

    /// Where the file of `base` is now, if anywhere (after another process renamed it).
    fn locate(&self, base: &str) -> Result<Option<PathBuf>> {
        Ok(list_files(&self.dir)?.take(base).map(|f| self.dir.join(if f.in_new { "new" } else { "cur" }).join(f.name)))
    }

    /// Opens the file of a live message, wherever it is now.
    pub(crate) fn open_message(&self, m: &Message) -> Result<Option<File>> {
        message_io();
        if let Some(f) = open_at(&self.path_of(m))? {
            return Ok(Some(f));
        }
        match self.locate(m.base())? {
            Some(p) => open_at(&p),
            None => Ok(None),
        }
    }

    /// The contents (CRLF line ends) and INTERNALDATE of a live message; `None` if its
    /// file is gone.
    pub(crate) fn read_message(&self, uid: u32) -> Result<Option<(Bytes, DateTime)>> {
        let Some(m) = self.messages.get(&uid) else { return Ok(None) };
        let Some(mut file) = self.open_message(m)? else { return Ok(None) };
        let path = self.path_of(m);
        let mtime = file.metadata().and_then(|meta| meta.modified()).map_err(MaildirError::io("stat", &path))?;
        let mut data = Vec::with_capacity(m.size() as usize);
        file.read_to_end(&mut data).map_err(MaildirError::io("read", &path))?;
        message_read(data.len());
        Ok(Some((to_crlf(data), date_of(mtime))))
    }

    /// Reads, once, the RFC822.SIZE of every live message whose name does not say it (no
    /// `W=`: a foreign file, whose line ends may be bare LFs, served as CRLF). STATUS SIZE
    /// must be at least the sum of the RFC822.SIZE FETCH reports (RFC 8438 §3), and FETCH
    /// reads such a file for its size too.
    pub(crate) fn learn_sizes(&mut self) -> Result<()> {
        self.read_sizes.retain(|uid, _| self.messages.contains_key(uid));
        let unknown: Vec<u32> = self
            .messages
            .iter()
            .filter(|(uid, m)| !has_virtual_size(m) && !self.read_sizes.contains_key(uid))
            .map(|(uid, _)| *uid)
            .collect();
        for uid in unknown {
            if let Some((body, _)) = self.read_message(uid)? {
                self.read_sizes.insert(uid, body.len() as u64);
            }
        }
        Ok(())
    }

    /// What FETCH needs of a live message besides its body: RFC822.SIZE (from the `W=`
    /// of its name, else from reading it: a foreign file's line ends are not known) and
    /// INTERNALDATE (its mtime). `None` if the file is gone.
    pub(crate) fn read_meta(&self, uid: u32) -> Result<Option<(u32, DateTime)>> {
        let Some(m) = self.messages.get(&uid) else { return Ok(None) };
        if !has_virtual_size(m) {
            return Ok(self.read_message(uid)?.map(|(body, date)| (body.len() as u32, date)));
        }
        Ok(self.internal_date(uid)?.map(|date| (m.size() as u32, date)))
    }

    /// INTERNALDATE of a live message (its file's mtime), from one `stat`, not an open:
    /// the file may have moved (another process renamed it). `None` if the file is gone.
    pub(crate) fn internal_date(&self, uid: u32) -> Result<Option<DateTime>> {
        let Some(m) = self.messages.get(&uid) else { return Ok(None) };
        message_io();
        let meta = match std::fs::metadata(self.path_of(m)) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match self.locate(m.base())? {
                Some(p) => std::fs::metadata(&p).map_err(MaildirError::io("stat", &p))?,
                None => return Ok(None),
            },
            Err(e) => return Err(MaildirError::io("stat", self.path_of(m))(e)),
        };
        let mtime = meta.modified().map_err(MaildirError::io("stat", self.path_of(m)))?;
        Ok(Some(date_of(mtime)))
    }

    /// Renames a live message's file for new flags (into `cur/`); `false` if the file is
    /// gone.
    fn set_flags(&mut self, uid: u32, flags: Vec<Flag>) -> Result<bool> {
        let Some(m) = self.messages.get(&uid) else { return Ok(false) };
        let letters = keywords::letters(&flags, m.extra(), &self.keywords)?;
        let name = file_name(m.base(), &letters);
        let from = self.path_of(m);
        let to = self.dir.join("cur").join(&name);
        if from != to {
            match std::fs::rename(&from, &to) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => match self.locate(m.base())? {
                    Some(now) => std::fs::rename(&now, &to).map_err(MaildirError::io("rename", now))?,
                    None => return Ok(false),
                },
                Err(e) => return Err(MaildirError::io("rename", from)(e)),
            }
        }
        let m = self.messages.get_mut(&uid).expect("checked");
        m.set_file(Some(name), false);
        m.set_flags(flags, &self.keywords);
        Ok(true)
    }

    /// A STORE on one live message: its flags after, and whether they changed (`None` if
    /// the message is not live). Logs nothing.
    pub(crate) fn store_one(&mut self, uid: u32, kind: StoreKind, given: &[Flag]) -> Result<Option<(Vec<Flag>, bool)>> {
        let Some(m) = self.messages.get(&uid) else { return Ok(None) };
        let before = m.flags(&self.keywords);
        let mut flags = before.clone();
        apply(&mut flags, kind, given);
        if same_flags(&flags, &before) {
            return Ok(Some((before, false)));
        }
        if !self.set_flags(uid, flags.clone())? {
            return Ok(None);
        }
        Ok(Some((flags, true)))
    }

    /// A claimed message leaves `new/` for `cur/` (failures leave it where it is).
    pub(crate) fn leave_new(&mut self, uid: u32) {
        if let Some(flags) = self.messages.get(&uid).filter(|m| m.in_new()).map(|m| m.flags(&self.keywords)) {
            let _ = self.set_flags(uid, flags);
        }
    }

    /// Expunges a live message: reads it first if a session may still fetch it, then
    /// unlinks its file and logs the expunge.
    pub(crate) fn expunge_one(&mut self, uid: u32) -> Result<()> {
        let Some(m) = self.messages.get(&uid) else { return Ok(()) };
        let data = if self.cursors.is_empty() { None } else { self.read_message(uid)? };
        let path = self.path_of(m);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(now) = self.locate(m.base())? {
                    std::fs::remove_file(&now).map_err(MaildirError::io("unlink", now))?;
                }
            }
            Err(e) => return Err(MaildirError::io("unlink", path)(e)),
        }
        self.forget(uid, data);
        Ok(())
    }

    /// Copies the message `uid` as `session` sees it into `target`'s `tmp/` under a new
    /// name (a hard link, as Dovecot copies; a copy across file systems), ready for
    /// [`Mailbox::deliver`] there. `None` if the session does not see it.
    pub(crate) fn stage(&self, uid: u32, session: SessionId, target: &Path, namer: &Namer) -> Result<Option<Incoming>> {
        if let Some(m) = self.messages.get(&uid) {
            let from = match self.path_of(m) {
                p if p.exists() => p,
                _ => match self.locate(m.base())? {
                    Some(p) => p,
                    None => return Ok(None),
                },
            };
            let disk = std::fs::metadata(&from).map_or(m.size(), |meta| meta.len());
            let base = namer.unique(disk, m.size());
            let tmp = target.join("tmp").join(&base);
            if std::fs::hard_link(&from, &tmp).is_err() {
                let data = std::fs::read(&from).map_err(MaildirError::io("read", &from))?;
                let mtime = std::fs::metadata(&from).and_then(|m| m.modified()).ok();
                write_new(&tmp, &data, mtime, self.fsync)?;
            }
            // The copy has the source's EMAILID (RFC 8474 §5.1).
            let ext = format!("G{}", m.email_id());
            return Ok(Some(Incoming { tmp, base, flags: m.flags(&self.keywords), size: m.size(), ext }));
        }
        let Some(g) = self.ghosts.get(&uid).filter(|g| g.holders.contains(&session)) else { return Ok(None) };
        let Some((body, date)) = &g.data else { return Ok(None) };
        let base = namer.unique(body.len() as u64, body.len() as u64);
        let tmp = target.join("tmp").join(&base);
        write_new(&tmp, body, Some(time_of(date)), self.fsync)?;
        let ext = format!("G{}", g.ids.1);
        Ok(Some(Incoming { tmp, base, flags: g.flags.clone(), size: body.len() as u64, ext }))
    }
}
