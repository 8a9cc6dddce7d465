//! Mod-sequences of a Maildir (RFC 7162 §3.1), kept in a journal beside
//! `dovecot-uidlist`: `imap-machine-modseq`, which Dovecot ignores (Dovecot keeps its own
//! in its index files, which this store does not write).
//!
//! The journal is text, one change a line, appended as changes happen:
//! - `V <uidvalidity>`: the first line; a journal of another UIDVALIDITY is started anew;
//! - `<uid> <modseq>`: the message's mod-sequence is now `modseq` (an arrival or a flag
//!   change);
//! - `x <uid> <modseq>`: the message was expunged at `modseq` (a tombstone, for VANISHED
//!   (EARLIER); the last [`TOMBSTONES`] are kept);
//! - `H <modseq>` and `F <modseq>`, written by a rewrite: HIGHESTMODSEQ, and the highest
//!   mod-sequence of the tombstones no longer kept.
//!
//! HIGHESTMODSEQ is the largest mod-sequence in it, 1 for a new mailbox; a message with
//! no line has mod-sequence 1 (mail that was there before the journal).
//!
//! Lines are written without `fsync` (a STORE over many messages would wait for one
//! per message): a process killed loses none (they are in the page cache), a power loss
//! may lose the last ones, and with them the mod-sequences their changes had.
//!
//! Several processes may serve one Maildir. Every new mod-sequence is taken under an
//! exclusive `flock` of the journal, after reading what other processes appended, so no
//! two changes share one and none goes down. A journal grown past four times what its
//! live lines need is rewritten (into a new file renamed over it, under the lock); a
//! process that finds the path's inode changed reads the new file from the start.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use imap_machine::store::memory::{Tombstones, TOMBSTONES};
use imap_machine::store::Vanished;

use crate::error::{MaildirError, Result};

/// The journal's file name in the mailbox directory.
pub(crate) const JOURNAL: &str = "imap-machine-modseq";

/// A mailbox's mod-sequences (see the module docs).
pub(crate) struct ModSeqs {
    path: PathBuf,
    uid_validity: u32,
    file: File,
    ino: u64,
    /// Bytes of the journal read so far.
    offset: u64,
    /// HIGHESTMODSEQ.
    highest: u64,
    /// UID → mod-sequence, for the messages that have a line.
    of: HashMap<u32, u64>,
    tombstones: Tombstones,
    tombstone_count: usize,
}

impl std::fmt::Debug for ModSeqs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModSeqs").field("highest", &self.highest).field("offset", &self.offset).finish()
    }
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> MaildirError + use<> {
    MaildirError::io(what, path.to_path_buf())
}

impl ModSeqs {
    /// Opens (or starts) the journal of the mailbox in `dir`.
    pub(crate) fn open(dir: &Path, uid_validity: u32) -> Result<ModSeqs> {
        let path = dir.join(JOURNAL);
        let file = open_journal(&path)?;
        let mut m = ModSeqs {
            ino: file.metadata().map_err(io("stat", &path))?.ino(),
            path,
            uid_validity,
            file,
            offset: 0,
            highest: 1,
            of: HashMap::new(),
            tombstones: Tombstones::default(),
            tombstone_count: 0,
        };
        m.locked(|m| m.catch_up())?;
        Ok(m)
    }

    /// HIGHESTMODSEQ.
    pub(crate) fn highest(&self) -> u64 {
        self.highest
    }

    /// The mod-sequence of message `uid`.
    pub(crate) fn of(&self, uid: u32) -> u64 {
        self.of.get(&uid).copied().unwrap_or(1)
    }

    /// The UIDs expunged after `since` (RFC 7162 §3.2.5.1).
    pub(crate) fn vanished(&self, since: u64) -> Vanished {
        self.tombstones.since(since)
    }

    /// Reads what other processes appended since (a cheap `fstat` when nothing was).
    pub(crate) fn refresh(&mut self) -> Result<()> {
        let size = self.file.metadata().map_err(io("stat", &self.path))?.len();
        let moved = std::fs::metadata(&self.path).map(|m| m.ino() != self.ino).unwrap_or(true);
        if size == self.offset && !moved {
            return Ok(());
        }
        self.locked(|m| m.catch_up())
    }

    /// The next mod-sequence, given to `uid` (an arrival or a flag change, or its expunge
    /// when `expunged`), written to the journal. Never fails: if the journal cannot be
    /// written, the mod-sequence still holds in this process (and is lost at a restart,
    /// which the next change's higher mod-sequence covers for flag changes).
    ///
    /// `kept` tells which UIDs a rewrite keeps lines for: the live messages and those
    /// sessions still see.
    pub(crate) fn next(&mut self, uid: u32, expunged: bool, kept: impl Fn(u32) -> bool) -> u64 {
        let r = self.locked(|m| {
            m.catch_up()?;
            let modseq = m.highest + 1;
            let line = if expunged { format!("x {uid} {modseq}\n") } else { format!("{uid} {modseq}\n") };
            m.file.write_all(line.as_bytes()).map_err(io("write", &m.path))?;
            m.offset += line.len() as u64;
            m.apply(uid, modseq, expunged);
            m.compact_if_large(|u| u == uid || kept(u))?;
            Ok(modseq)
        });
        r.unwrap_or_else(|_| {
            let modseq = self.highest + 1;
            self.apply(uid, modseq, expunged);
            modseq
        })
    }

    /// Runs `f` under the journal's exclusive lock.
    fn locked<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.file.lock().map_err(io("lock", &self.path))?;
        let r = f(self);
        let _ = self.file.unlock();
        r
    }

    /// Under the lock: follows a rewrite by another process, then reads the lines after
    /// `offset`.
    fn catch_up(&mut self) -> Result<()> {
        let now = std::fs::metadata(&self.path).map(|m| m.ino()).ok();
        if now != Some(self.ino) {
            // Rewritten (or removed) by another process: start again from the new file,
            // locked as this one is.
            let file = open_journal(&self.path)?;
            file.lock().map_err(io("lock", &self.path))?;
            let _ = self.file.unlock();
            self.ino = file.metadata().map_err(io("stat", &self.path))?.ino();
            self.file = file;
            self.offset = 0;
            self.of.clear();
            self.tombstones = Tombstones::default();
            self.tombstone_count = 0;
        }
        let mut text = String::new();
        self.file.seek(SeekFrom::Start(self.offset)).map_err(io("seek", &self.path))?;
        (&self.file).read_to_string(&mut text).map_err(io("read", &self.path))?;
        // Only whole lines: a writer without the lock is not expected, but a torn tail
        // (a crash mid-write) is left for later.
        let whole = text.rfind('\n').map_or(0, |k| k + 1);
        let mut other = false;
        for line in text[..whole].lines() {
            if !self.line(line) {
                other = true;
                break;
            }
        }
        self.offset += whole as u64;
        if other {
            // The journal of another incarnation of the mailbox (another UIDVALIDITY):
            // this one starts its own.
            self.file.set_len(0).map_err(io("truncate", &self.path))?;
            self.of.clear();
            self.tombstones = Tombstones::default();
            self.tombstone_count = 0;
            self.highest = 1;
            self.offset = 0;
        }
        if self.offset == 0 {
            let head = format!("V {}\n", self.uid_validity);
            self.file.write_all(head.as_bytes()).map_err(io("write", &self.path))?;
            self.offset = head.len() as u64;
        }
        Ok(())
    }

    /// Takes one journal line; `false` for the header of another UIDVALIDITY's journal.
    fn line(&mut self, line: &str) -> bool {
        let mut words = line.split(' ');
        match (words.next(), words.next(), words.next()) {
            (Some("V"), Some(v), None) => return v.parse() == Ok(self.uid_validity),
            // HIGHESTMODSEQ, and the highest forgotten tombstone, as a rewrite keeps them.
            (Some("H"), Some(m), None) => {
                if let Ok(m) = m.parse::<u64>() {
                    self.highest = self.highest.max(m);
                }
            }
            (Some("F"), Some(m), None) => {
                if let Ok(m) = m.parse() {
                    self.tombstones.forgot(m);
                }
            }
            (Some("x"), Some(uid), Some(m)) => {
                if let (Ok(uid), Ok(m)) = (uid.parse(), m.parse()) {
                    self.apply(uid, m, true);
                }
            }
            (Some(uid), Some(m), None) => {
                if let (Ok(uid), Ok(m)) = (uid.parse(), m.parse()) {
                    self.apply(uid, m, false);
                }
            }
            _ => {}
        }
        true
    }

    fn apply(&mut self, uid: u32, modseq: u64, expunged: bool) {
        self.highest = self.highest.max(modseq);
        // An expunged message keeps its last mod-sequence, for the sessions that still
        // see it (its MODSEQ never goes down), until a rewrite.
        self.of.insert(uid, modseq);
        if expunged {
            self.tombstones.push(modseq, uid);
            self.tombstone_count = (self.tombstone_count + 1).min(TOMBSTONES);
        }
    }

    /// Rewrites the journal when it is four times what its live lines need (see the
    /// module docs), under the lock the caller holds.
    fn compact_if_large(&mut self, kept: impl Fn(u32) -> bool) -> Result<()> {
        let needed = 64 * 1024 + 24 * (self.of.len() + self.tombstone_count) as u64;
        if self.offset <= 4 * needed {
            return Ok(());
        }
        let mut text = format!("V {}\nH {}\nF {}\n", self.uid_validity, self.highest, self.tombstones.forgotten());
        for (m, uid) in self.tombstones.iter() {
            text.push_str(&format!("x {uid} {m}\n"));
        }
        self.of.retain(|uid, _| kept(*uid));
        let mut live: Vec<(&u32, &u64)> = self.of.iter().collect();
        live.sort_unstable_by_key(|(_, m)| **m);
        for (uid, m) in live {
            text.push_str(&format!("{uid} {m}\n"));
        }
        let tmp = self.path.with_extension("new");
        std::fs::write(&tmp, text.as_bytes()).map_err(io("write", &tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(io("rename", &self.path))?;
        let file = open_journal(&self.path)?;
        file.lock().map_err(io("lock", &self.path))?;
        let _ = self.file.unlock();
        self.ino = file.metadata().map_err(io("stat", &self.path))?.ino();
        self.file = file;
        self.offset = text.len() as u64;
        Ok(())
    }
}

fn open_journal(path: &Path) -> Result<File> {
    OpenOptions::new().read(true).append(true).create(true).open(path).map_err(io("open", path))
}
