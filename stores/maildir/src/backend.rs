//! The [`Backend`] implementation: mailbox-level operations (LIST, CREATE, DELETE,
//! RENAME, subscriptions) on the directories, message-level ones on the opened
//! mailbox's index (`mailbox.rs`, `sync.rs`), with the memory backend's semantics.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use imap_machine::store::{
    search_by_fetching, AppendTransaction, Backend, ChangeBatch, CopyResult, MailboxInfo, MailboxStatus, MessageData,
    Notifier, SearchQuery, SessionId, Snapshot, StoreError, StoreOutcome, Stored,
};
use imap_machine::types::{DateTime, Flag, ListAttribute, ObjectId, StoreKind};

use crate::error::MaildirError;
use crate::fsutil::{time_of, write_new};
use crate::mailbox::{storable, Logged, Mailbox};
use crate::names::{self, dir_of, is_inferior, DELIMITER};
use crate::sync::{make_maildir, Incoming};
use crate::{lock, metadata, subscriptions, MaildirBackend, UserData};

impl Mailbox {
    /// [`Mailbox::refresh`], waking the watchers if others changed something.
    pub(crate) fn refresh_and_wake(&mut self) -> Result<(), MaildirError> {
        if self.refresh()? {
            self.wake();
        }
        Ok(())
    }
}

impl MaildirBackend {
    /// CREATE: the directories (see [`Backend::create_special_use`]).
    fn create_dirs(&self, user: &Arc<UserData>, name: &str, uses: &[ListAttribute]) -> Result<(), StoreError> {
        if !uses.iter().all(|a| a.is_special_use() && *a != ListAttribute::All) {
            return Err(StoreError::UseAttr);
        }
        let name = name.strip_suffix(DELIMITER).unwrap_or(name);
        if name.eq_ignore_ascii_case("INBOX") {
            return Err(StoreError::AlreadyExists);
        }
        if !names::valid(name) {
            return Err(StoreError::InvalidName);
        }
        let _st = lock(&user.state);
        let dir = dir_of(&user.root, name);
        if dir.is_dir() {
            return Err(StoreError::AlreadyExists);
        }
        // Superior names are created too (RFC 3501 §6.3.3), as real mailboxes.
        for sup in names::superiors(name) {
            let d = dir_of(&user.root, sup);
            if !d.is_dir() {
                make_maildir(&d).map_err(|e| self.fail(e))?;
            }
        }
        if uses.is_empty() {
            return make_maildir(&dir).map_err(|e| self.fail(e));
        }
        // Staged under a temporary name, so that no LIST sees the mailbox without them.
        let staged = user.root.join("tmp").join(format!("create.{}", self.namer.unique(0, 0)));
        make_maildir(&staged).map_err(|e| self.fail(e))?;
        let file = staged.join(names::SPECIAL_USE_FILE);
        crate::fsutil::write_new(&file, names::special_use_text(uses).as_bytes(), None, self.fsync)
            .and_then(|()| std::fs::rename(&staged, &dir).map_err(crate::error::MaildirError::io("rename", &staged)))
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&staged);
                self.fail(e)
            })
    }

    pub(crate) fn existing(&self, user: &UserData) -> Result<std::collections::BTreeSet<String>, StoreError> {
        names::scan(&user.root).map_err(|e| self.fail(MaildirError::io("list", &user.root)(e)))
    }

    /// The METADATA file's key of `mailbox`: `""` for the server's entries, else the
    /// name, which must exist.
    fn metadata_key<'a>(&self, user: &UserData, mailbox: Option<&'a str>) -> Result<&'a str, StoreError> {
        match mailbox {
            None => Ok(""),
            Some(name) if name == "INBOX" || self.existing(user)?.contains(name) => Ok(name),
            Some(_) => Err(StoreError::NoSuchMailbox),
        }
    }

    /// COPY (and MOVE's copy): staged into the destination's tmp/ under the source's lock,
    /// delivered under the destination's, one mailbox lock at a time; with `quota`, under
    /// the user's quota lock too, after checking the room.
    fn copy_checked(
        &self,
        user: &Arc<UserData>,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
        quota: bool,
    ) -> Result<CopyResult, StoreError> {
        let src = self.handle(user, from)?;
        let dst = self.handle(user, to)?;
        let target = dir_of(&user.root, to);
        // Staged into the destination's tmp/ under the source's lock, delivered under the
        // destination's: one mailbox lock at a time.
        let mut source = Vec::new();
        let mut staged = Vec::new();
        let staging = {
            let s = lock(&src);
            uids.iter().try_for_each(|&uid| {
                if let Some(inc) = s.stage(uid, session, &target, &self.namer)? {
                    source.push(uid);
                    staged.push(inc);
                }
                Ok::<(), MaildirError>(())
            })
        };
        let cleanup = |staged: &[Incoming]| staged.iter().for_each(|i| drop(std::fs::remove_file(&i.tmp)));
        if let Err(e) = staging {
            cleanup(&staged);
            return Err(self.fail(e));
        }
        let room = if quota {
            let octets = staged.iter().map(|i| i.size).sum();
            self.reserve(user, octets, staged.len() as u64)
        } else {
            Ok(None)
        };
        let _room = match room {
            Ok(r) => r,
            Err(e) => {
                cleanup(&staged);
                return Err(e);
            }
        };
        let all: Vec<Flag> = staged.iter().flat_map(|i| i.flags.iter().cloned()).collect();
        let mut d = lock(&dst);
        if let Err(e) = d.ensure_keywords(&all) {
            cleanup(&staged);
            return Err(self.fail(e));
        }
        let destination = d.deliver(staged).map_err(|e| self.fail(e))?;
        d.wake();
        Ok(CopyResult { uid_validity: d.uid_validity, source, destination })
    }

    /// Marks the loaded index of `name` gone and drops it: sessions that have it open
    /// get `NoSuchMailbox`, as after the memory backend's DELETE or RENAME.
    fn evict(st: &mut crate::UserState, name: &str) {
        if let Some(h) = st.mailboxes.remove(name) {
            lock(&h).gone = true;
        }
    }

    /// RENAME INBOX (RFC 3501 §6.3.5): its messages move to the new mailbox, INBOX stays.
    fn rename_inbox(&self, user: &Arc<UserData>, to: &str) -> Result<(), StoreError> {
        self.create(user, to)?;
        let uids: Vec<u32> = self.with(user, "INBOX", |m| Ok(m.messages.keys().copied().collect()))?;
        if !uids.is_empty() {
            self.move_messages(user, "INBOX", SessionId(u64::MAX), &uids, to)?;
        }
        Ok(())
    }
}

impl Backend for MaildirBackend {
    type User = Arc<UserData>;

    fn login(&self, username: &str, password: &str) -> Result<Self::User, StoreError> {
        let ok = {
            let passwords = self.passwords.read().unwrap_or_else(|p| p.into_inner());
            passwords.get(username).is_some_and(|p| p == password)
        };
        if !ok {
            return Err(StoreError::AuthenticationFailed);
        }
        self.user_entry(username)
    }

    /// A user added with [`MaildirBackend::add_user`].
    fn user(&self, username: &str) -> Result<Self::User, StoreError> {
        let known = self.passwords.read().unwrap_or_else(|p| p.into_inner()).contains_key(username);
        if !known {
            return Err(StoreError::AuthenticationFailed);
        }
        self.user_entry(username)
    }

    fn list(&self, user: &Self::User) -> Result<Vec<MailboxInfo>, StoreError> {
        Ok(names::list(&user.root, &self.existing(user)?))
    }

    fn create(&self, user: &Self::User, name: &str) -> Result<(), StoreError> {
        self.create_special_use(user, name, &[])
    }

    /// The special uses but `\All` (RFC 6154 §2; no Maildir folder holds every message)
    /// go to a file in the new mailbox's directory (`imapm-special-use`), written before
    /// the directory appears in LIST.
    fn create_special_use(&self, user: &Self::User, name: &str, uses: &[ListAttribute]) -> Result<(), StoreError> {
        self.create_dirs(user, name, uses)?;
        user.wake();
        Ok(())
    }

    fn delete(&self, user: &Self::User, name: &str) -> Result<(), StoreError> {
        if name.eq_ignore_ascii_case("INBOX") {
            return Err(StoreError::Cannot("INBOX cannot be deleted"));
        }
        let existing = self.existing(user)?;
        let mut st = lock(&user.state);
        if !existing.contains(name) {
            // A superior without a directory is \Noselect already (RFC 3501 §6.3.4).
            return Err(if existing.iter().any(|n| is_inferior(n, name)) {
                StoreError::Cannot("mailbox has inferior hierarchical names")
            } else {
                StoreError::NoSuchMailbox
            });
        }
        Self::evict(&mut st, name);
        // Out of sight in one step (into INBOX's tmp/), then removed. With inferiors,
        // the name stays as their \Noselect superior.
        let dir = dir_of(&user.root, name);
        let trash = user.root.join("tmp").join(format!("deleted.{}", self.namer.unique(0, 0)));
        std::fs::rename(&dir, &trash).map_err(|e| self.fail(MaildirError::io("rename", &dir)(e)))?;
        drop(st);
        user.wake();
        metadata::drop_mailbox(&user.root, metadata::METADATA, name, self.fsync).map_err(|e| self.fail(e))?;
        metadata::drop_tree(&user.root, metadata::URL_KEYS, name, self.fsync).map_err(|e| self.fail(e))?;
        std::fs::remove_dir_all(&trash).map_err(|e| self.fail(MaildirError::io("remove", &trash)(e)))
    }

    fn rename(&self, user: &Self::User, from: &str, to: &str) -> Result<(), StoreError> {
        let to = to.strip_suffix(DELIMITER).unwrap_or(to);
        if !names::valid(to) {
            return Err(StoreError::InvalidName);
        }
        let existing = self.existing(user)?;
        let from_exists = from == "INBOX" || existing.iter().any(|n| n == from || is_inferior(n, from));
        if !from_exists {
            return Err(StoreError::NoSuchMailbox);
        }
        if to.eq_ignore_ascii_case("INBOX") || existing.iter().any(|n| n == to || is_inferior(n, to)) {
            return Err(StoreError::AlreadyExists);
        }
        if is_inferior(to, from) {
            return Err(StoreError::Cannot("cannot rename a mailbox into its own inferior"));
        }
        // URLs made for the old names stop validating, even if the move fails midway.
        metadata::drop_tree(&user.root, metadata::URL_KEYS, from, self.fsync).map_err(|e| self.fail(e))?;
        if from == "INBOX" {
            let r = self.rename_inbox(user, to);
            user.wake();
            return r;
        }
        let mut st = lock(&user.state);
        for old in existing.iter().filter(|n| *n == from || is_inferior(n, from)) {
            let new = format!("{to}{}", &old[from.len()..]);
            Self::evict(&mut st, old);
            let (a, b) = (dir_of(&user.root, old), dir_of(&user.root, &new));
            std::fs::rename(&a, &b).map_err(|e| self.fail(MaildirError::io("rename", a)(e)))?;
        }
        for sup in names::superiors(to) {
            let d = dir_of(&user.root, sup);
            if !d.is_dir() {
                make_maildir(&d).map_err(|e| self.fail(e))?;
            }
        }
        drop(st);
        metadata::rename(&user.root, metadata::METADATA, from, to, self.fsync).map_err(|e| self.fail(e))?;
        user.wake();
        Ok(())
    }

    fn metadata(&self, user: &Self::User, mailbox: Option<&str>) -> Result<Vec<(String, Bytes)>, StoreError> {
        let key = self.metadata_key(user, mailbox)?;
        metadata::get(&user.root, metadata::METADATA, key).map_err(|e| self.fail(e))
    }

    fn set_metadata(
        &self,
        user: &Self::User,
        mailbox: Option<&str>,
        entries: &[(String, Option<Bytes>)],
    ) -> Result<(), StoreError> {
        let key = self.metadata_key(user, mailbox)?;
        metadata::set(&user.root, metadata::METADATA, key, entries, self.fsync).map_err(|e| self.fail(e))
    }

    fn metadata_supported(&self) -> bool {
        true
    }

    fn subscribe(&self, user: &Self::User, name: &str, subscribed: bool) -> Result<(), StoreError> {
        subscriptions::set(&user.root, name, subscribed, self.fsync).map_err(|e| self.fail(e))?;
        user.wake();
        Ok(())
    }

    fn watch_user(&self, user: &Self::User, session: SessionId, notifier: Option<Notifier>) {
        let mut w = lock(&user.watchers);
        match notifier {
            Some(n) => w.insert(session, n),
            None => w.remove(&session),
        };
    }

    fn subscriptions(&self, user: &Self::User) -> Result<Vec<String>, StoreError> {
        Ok(subscriptions::read(&user.root).map_err(|e| self.fail(e))?.into_iter().collect())
    }

    fn status(&self, user: &Self::User, name: &str) -> Result<MailboxStatus, StoreError> {
        self.with(user, name, |m| {
            m.refresh_and_wake()?;
            m.learn_sizes()?;
            Ok(m.status())
        })
    }

    fn append(
        &self,
        user: &Self::User,
        name: &str,
        flags: &[Flag],
        date: Option<DateTime>,
        body: Bytes,
    ) -> Result<(u32, u32), StoreError> {
        if self.append_limit.is_some_and(|l| body.len() as u64 > u64::from(l)) {
            return Err(StoreError::TooBig);
        }
        let flags = storable(flags);
        let _room = self.reserve(user, crate::fsutil::crlf_len(&body), 1)?;
        self.with(user, name, |m| {
            m.refresh_and_wake()?;
            m.ensure_keywords(&flags)?;
            let base = self.namer.unique(body.len() as u64, crate::fsutil::crlf_len(&body));
            let tmp = m.dir.join("tmp").join(&base);
            if let Err(e) = write_new(&tmp, &body, date.as_ref().map(time_of), self.fsync) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            let size = crate::fsutil::crlf_len(&body);
            let uids = m.deliver(vec![Incoming { tmp, base, flags, size, ext: String::new() }])?;
            m.wake();
            Ok((m.uid_validity, uids[0]))
        })
    }

    /// Each message to its own file in `tmp/`, all delivered at commit (see `append.rs`).
    fn append_transaction(
        self: Arc<Self>,
        user: &Self::User,
        name: &str,
    ) -> Result<Box<dyn AppendTransaction>, StoreError> {
        let dir = self.with(user, name, |m| {
            m.refresh_and_wake()?;
            Ok(m.dir.clone())
        })?;
        Ok(Box::new(crate::append::Transaction {
            backend: self.clone(),
            user: user.clone(),
            name: name.to_string(),
            dir,
            staged: Vec::new(),
            current: None,
        }))
    }

    /// Kept in the journal `imap-machine-modseq` (see `modseq.rs`).
    fn mod_seqs(&self) -> bool {
        true
    }

    fn vanished(&self, user: &Self::User, name: &str, since: u64) -> Result<imap_machine::store::Vanished, StoreError> {
        self.with(user, name, |m| {
            m.refresh_and_wake()?;
            Ok(m.modseqs.as_ref().map(|ms| ms.vanished(since)).unwrap_or_default())
        })
    }

    /// From the index: no file is read.
    fn modseqs(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<u64>>, StoreError> {
        self.with(user, name, |m| {
            let visible =
                |u: &u32| m.messages.contains_key(u) || m.ghosts.get(u).is_some_and(|g| g.holders.contains(&session));
            Ok(uids.iter().map(|u| visible(u).then(|| m.modseq(*u))).collect())
        })
    }

    fn new_session(&self) -> SessionId {
        SessionId(self.next_session.fetch_add(1, Ordering::Relaxed))
    }

    fn open(&self, user: &Self::User, name: &str, session: SessionId, read_only: bool) -> Result<Snapshot, StoreError> {
        self.with(user, name, |m| {
            m.refresh_and_wake()?;
            Ok(m.open(session, read_only))
        })
    }

    fn close(&self, user: &Self::User, name: &str, session: SessionId) {
        if let Some(h) = self.loaded(user, name) {
            lock(&h).close(session);
        }
    }

    fn changes(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        cursor: u64,
        read_only: bool,
        max: usize,
    ) -> Result<ChangeBatch, StoreError> {
        let batch = self.with(user, name, |m| {
            if !m.cursors.contains_key(&session) {
                // Another incarnation of the name (deleted and created again, renamed).
                return Ok(None);
            }
            m.refresh_and_wake()?;
            let start = cursor.max(m.log_start);
            let from = (start - m.log_start) as usize;
            let to = m.log.len().min(from.saturating_add(max.max(1)));
            let changes: Vec<_> = m.log.range(from..to).map(|e| m.read(session, e)).collect();
            let mut recent = Vec::new();
            for c in &changes {
                if let imap_machine::store::Change::Appended { uid } = c {
                    if m.claim(*uid, session, read_only) {
                        recent.push(*uid);
                    }
                }
            }
            let new = start + changes.len() as u64;
            m.cursors.insert(session, new);
            m.trim();
            Ok(Some(ChangeBatch { start, changes, cursor: new, recent, highest_modseq: None }))
        })?;
        batch.ok_or(StoreError::NoSuchMailbox)
    }

    fn fetch(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.messages(user, name, session, uids, true)
    }

    /// From the index and a `stat` per message: no message is read (but one without `W=`
    /// in its name, whose CRLF size is not known otherwise).
    fn fetch_meta(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.messages(user, name, session, uids, false)
    }

    /// Only the range from a file served as it is (a seek and a read); a bare-LF file,
    /// served with CRLF, is read whole and the converted text cut (see `range.rs`).
    fn fetch_range(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        uid: u32,
        range: std::ops::Range<u64>,
    ) -> Result<Option<Bytes>, StoreError> {
        self.with(user, name, |m| m.read_range(session, uid, range))
    }

    /// Criteria that need no message text from the index (no message file is opened;
    /// only BEFORE, ON and SINCE `stat` one), the others by the matcher over the
    /// messages read (see `search.rs`).
    fn search(
        &self,
        user: &Self::User,
        name: &str,
        session: SessionId,
        query: &SearchQuery<'_>,
    ) -> Result<Vec<u32>, StoreError> {
        if query.needs_message() {
            return search_by_fetching(self, user, name, session, query);
        }
        self.with(user, name, |m| m.search_index(session, query))
    }

    fn store(
        &self,
        user: &Self::User,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
    ) -> Result<StoreOutcome, StoreError> {
        self.store_if(user, name, uids, kind, flags, None)
    }

    fn store_unchanged_since(
        &self,
        user: &Self::User,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
        unchanged_since: u64,
    ) -> Result<StoreOutcome, StoreError> {
        self.store_if(user, name, uids, kind, flags, Some(unchanged_since))
    }

    fn copy(
        &self,
        user: &Self::User,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
    ) -> Result<CopyResult, StoreError> {
        self.copy_checked(user, from, session, uids, to, true)
    }

    fn move_messages(
        &self,
        user: &Self::User,
        from: &str,
        session: SessionId,
        uids: &[u32],
        to: &str,
    ) -> Result<CopyResult, StoreError> {
        // Between the user's own mailboxes: no usage changes, no quota check.
        let result = self.copy_checked(user, from, session, uids, to, false)?;
        self.with(user, from, |s| {
            for uid in &result.source {
                s.expunge_one(*uid)?;
            }
            s.wake();
            Ok(())
        })?;
        Ok(result)
    }

    fn quota(&self, user: &Self::User) -> Result<Option<Vec<imap_machine::types::QuotaUsage>>, StoreError> {
        self.quota_of(user)
    }

    fn quotas(&self) -> bool {
        true
    }
    fn expunge(&self, user: &Self::User, name: &str, uids: Option<&[u32]>, max: usize) -> Result<Vec<u32>, StoreError> {
        self.with(user, name, |m| {
            m.refresh_and_wake()?;
            let doomed = m.doomed(uids, max);
            for uid in &doomed {
                m.expunge_one(*uid)?;
            }
            if !doomed.is_empty() {
                m.wake();
            }
            Ok(doomed)
        })
    }

    fn release(&self, user: &Self::User, name: &str, session: SessionId, uids: &[u32]) {
        if let Some(h) = self.loaded(user, name) {
            lock(&h).release(session, Some(uids));
        }
    }

    fn watch(&self, user: &Self::User, name: &str, session: SessionId, notifier: Notifier) {
        if let Ok(h) = self.handle(user, name) {
            lock(&h).watchers.insert(session, notifier);
        }
    }

    fn append_limit(&self) -> Option<u32> {
        self.append_limit
    }

    /// The mailbox GUID of `dovecot-uidlist` (see the `objectid` module).
    fn mailbox_id(&self, user: &Self::User, name: &str) -> Result<Option<ObjectId>, StoreError> {
        self.with(user, name, |m| Ok(crate::objectid::mailbox_id(&m.mailbox_guid()?)))
    }

    /// Save dates and EMAILIDs from the file names and `dovecot-uidlist`, MAILBOXIDs from its
    /// header: all kept across restarts.
    fn object_ids(&self) -> bool {
        true
    }

    /// The system clock, which also stamps INTERNALDATE (a file's mtime).
    fn now(&self) -> Option<DateTime> {
        Some(crate::fsutil::date_of(std::time::SystemTime::now()))
    }

    fn url_keys(&self) -> bool {
        true
    }

    fn url_submitter(&self, name: &str) -> bool {
        self.submitters.read().unwrap_or_else(|p| p.into_inner()).contains(name)
    }

    fn url_key(&self, user: &Self::User, mailbox: &str, create: bool) -> Result<Option<Vec<u8>>, StoreError> {
        self.status(user, mailbox)?;
        crate::urlauth::key(&user.root, mailbox, create, self.fsync).map_err(|e| self.fail(e))
    }

    fn reset_url_keys(&self, user: &Self::User, mailbox: Option<&str>) -> Result<(), StoreError> {
        if let Some(m) = mailbox {
            self.status(user, m)?;
        }
        crate::urlauth::reset(&user.root, mailbox, self.fsync).map_err(|e| self.fail(e))
    }

    /// A user with a password on this backend (URLFETCH reads as a URL's owner).
    fn user_by_name(&self, name: &str) -> Option<Self::User> {
        let known = self.passwords.read().unwrap_or_else(|p| p.into_inner()).contains_key(name);
        known.then(|| self.user_entry(name).ok()).flatten()
    }
}

impl MaildirBackend {
    /// The shared state of user `name`, made (with its Maildir) at first use.
    fn user_entry(&self, name: &str) -> Result<Arc<UserData>, StoreError> {
        let user = lock(&self.users)
            .entry(name.to_string())
            .or_insert_with(|| {
                Arc::new(UserData {
                    name: name.to_string(),
                    root: self.root.join(name),
                    state: Default::default(),
                    watchers: Default::default(),
                })
            })
            .clone();
        self.prepare(&user).map_err(|e| self.fail(e))?;
        Ok(user)
    }

    /// STORE, under `UNCHANGEDSINCE` when given (RFC 7162 §3.1.3), all under the
    /// mailbox's lock: a message whose mod-sequence is above it is left alone.
    fn store_if(
        &self,
        user: &Arc<UserData>,
        name: &str,
        uids: &[u32],
        kind: StoreKind,
        flags: &[Flag],
        unchanged_since: Option<u64>,
    ) -> Result<StoreOutcome, StoreError> {
        let given = storable(flags);
        self.with(user, name, |m| {
            m.refresh_and_wake()?;
            let first = m.cursor();
            if kind != StoreKind::Remove {
                m.ensure_keywords(&given)?;
            }
            let mut out = Vec::with_capacity(uids.len());
            for &uid in uids {
                if unchanged_since.is_some_and(|since| m.messages.contains_key(&uid) && m.modseq(uid) > since) {
                    out.push(Stored::Modified);
                    continue;
                }
                out.push(match m.store_one(uid, kind, &given)? {
                    None => Stored::Expunged,
                    Some((after, true)) => {
                        m.record(Logged::Flags(uid));
                        Stored::Changed(after)
                    }
                    Some((after, false)) => Stored::Unchanged(after),
                });
            }
            let log = first..m.cursor();
            if !log.is_empty() {
                m.wake();
            }
            let modseqs = uids.iter().map(|u| if m.messages.contains_key(u) { m.modseq(*u) } else { 0 }).collect();
            Ok(StoreOutcome { flags: out, log, modseqs })
        })
    }

    /// What `fetch` (`with_body`) and `fetch_meta` answer: a live message from its file
    /// (read whole, or only its size and date), an expunged one the session still sees
    /// from the copy kept for it.
    fn messages(
        &self,
        user: &<Self as Backend>::User,
        name: &str,
        session: SessionId,
        uids: &[u32],
        with_body: bool,
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        self.with(user, name, |m| {
            let mut out = Vec::with_capacity(uids.len());
            for &uid in uids {
                let data = if let Some(flags) = m.messages.get(&uid).map(|msg| msg.flags(&m.keywords)) {
                    if with_body {
                        m.read_message(uid)?.map(|(body, date)| MessageData::new(uid, flags, date, body))
                    } else {
                        m.read_meta(uid)?.map(|(size, internal_date)| MessageData {
                            uid,
                            flags,
                            internal_date,
                            size,
                            body: Bytes::new(),
                            parsed: None,
                            save_date: None,
                            email_id: None,
                            modseq: 0,
                        })
                    }
                    .map(|d| d.with_modseq(m.modseq(uid)))
                    .map(|d| match m.messages.get(&uid) {
                        Some(msg) => d.with_ids(msg.save_date(), Some(msg.email_id())),
                        None => d,
                    })
                } else {
                    m.ghosts.get(&uid).filter(|g| g.holders.contains(&session)).and_then(|g| {
                        let (body, date) = g.data.as_ref()?;
                        let mut data = MessageData::new(uid, g.flags.clone(), *date, body.clone())
                            .with_ids(g.ids.0, Some(g.ids.1.clone()))
                            .with_modseq(m.modseq(uid));
                        if !with_body {
                            data.body = Bytes::new();
                        }
                        Some(data)
                    })
                };
                out.push(data);
            }
            Ok(out)
        })
    }
}
