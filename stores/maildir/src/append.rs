//! Streamed APPEND: the message goes to a file in the mailbox's `tmp/` as it arrives, so
//! a message of any size costs no memory. The messages of one MULTIAPPEND (RFC 3502) stay
//! there until the last one arrived, then are delivered together, or removed. At commit the file is synced and delivered
//! like any other ([`crate::sync`]: renamed into `new/` or `cur/`, then the UID is
//! committed). Dropped before that (the client went away, the command failed), the file
//! is removed; after a crash, `tmp/` is cleaned when the mailbox is next opened.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use imap_machine::store::{AppendTransaction, StoreError};
use imap_machine::types::{DateTime, Flag};

use crate::error::MaildirError;
use crate::fsutil::time_of;
use crate::mailbox::storable;
use crate::sync::Incoming;
use crate::{MaildirBackend, UserData};

/// A message being written to `tmp/` (one message of a [`Transaction`]).
pub(crate) struct Upload {
    backend: Arc<MaildirBackend>,
    flags: Vec<Flag>,
    date: Option<DateTime>,
    /// The file and its path, until it is delivered.
    file: Option<(File, PathBuf)>,
    written: u64,
    /// Bare LFs so far, for the size served (`W=`, [`crate::fsutil::crlf_len`]).
    lf: u64,
    last_cr: bool,
}

impl Upload {
    /// Creates the file in `dir/tmp/`.
    pub(crate) fn create(
        backend: Arc<MaildirBackend>,
        flags: Vec<Flag>,
        date: Option<DateTime>,
        dir: &Path,
    ) -> Result<Upload, MaildirError> {
        let path = dir.join("tmp").join(format!("{}.upload", backend.namer.unique(0, 0)));
        let file =
            OpenOptions::new().write(true).create_new(true).open(&path).map_err(MaildirError::io("create", &path))?;
        Ok(Upload { backend, flags, date, file: Some((file, path)), written: 0, lf: 0, last_cr: false })
    }

    fn fail(&self, e: MaildirError) -> StoreError {
        self.backend.fail(e)
    }
}

impl Upload {
    /// The next bytes of the message, in order.
    fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        let Some((file, path)) = self.file.as_mut() else { return Err(StoreError::Cannot("message already stored")) };
        self.written += data.len() as u64;
        if self.backend.append_limit.is_some_and(|l| self.written > u64::from(l)) {
            return Err(StoreError::TooBig);
        }
        if let Err(e) = file.write_all(data) {
            let e = MaildirError::io("write", &*path)(e);
            return Err(self.fail(e));
        }
        // A bare LF: one without a CR before it, in this piece or at the end of the last.
        let last_cr = self.last_cr;
        let bare =
            memchr::memchr_iter(b'\n', data).filter(|&i| if i == 0 { !last_cr } else { data[i - 1] != b'\r' }).count();
        self.lf += bare as u64;
        self.last_cr = data.last() == Some(&b'\r');
        Ok(())
    }
}

/// A message written whole to `tmp/` and synced, waiting to be delivered; dropped
/// undelivered, its file is removed.
pub(crate) struct Staged {
    path: Option<PathBuf>,
    written: u64,
    size: u64,
    flags: Vec<Flag>,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Upload {
    /// The whole message arrived: sets its mtime (INTERNALDATE) and syncs it, leaving it
    /// in `tmp/`.
    fn finish(mut self) -> Result<Staged, StoreError> {
        let Some((file, path)) = self.file.take() else { return Err(StoreError::Cannot("message already stored")) };
        let synced = (|| {
            if let Some(d) = &self.date {
                file.set_modified(time_of(d)).map_err(MaildirError::io("set mtime of", &path))?;
            }
            if self.backend.fsync {
                file.sync_all().map_err(MaildirError::io("fsync", &path))?;
            }
            Ok(())
        })();
        drop(file);
        let size = self.written + self.lf;
        let staged = Staged { path: Some(path), written: self.written, size, flags: std::mem::take(&mut self.flags) };
        synced.map_err(|e| self.fail(e))?;
        Ok(staged)
    }
}

/// Delivers staged messages together, in order, under the mailbox's lock (one
/// `dovecot-uidlist` update): UIDVALIDITY and their UIDs.
fn deliver(
    backend: &Arc<MaildirBackend>,
    user: &Arc<UserData>,
    name: &str,
    mut staged: Vec<Staged>,
) -> Result<(u32, Vec<u32>), StoreError> {
    let mut flags: Vec<Flag> = Vec::new();
    let incoming: Vec<Incoming> = staged
        .iter_mut()
        .filter_map(|s| {
            let tmp = s.path.take()?;
            flags.extend(s.flags.iter().cloned());
            let base = backend.namer.unique(s.written, s.size);
            Some(Incoming { tmp, base, flags: std::mem::take(&mut s.flags), size: s.size, ext: String::new() })
        })
        .collect();
    let paths: Vec<PathBuf> = incoming.iter().map(|i| i.tmp.clone()).collect();
    // The whole transaction fits the user's quota, or none of it is delivered.
    let octets = incoming.iter().map(|i| i.size).sum();
    let room = backend.reserve(user, octets, incoming.len() as u64);
    let delivered = room.and_then(|_room| {
        backend.with(user, name, |m| {
            m.refresh_and_wake()?;
            m.ensure_keywords(&flags)?;
            let uids = m.deliver(incoming)?;
            m.wake();
            Ok((m.uid_validity, uids))
        })
    });
    if delivered.is_err() {
        for p in paths {
            let _ = std::fs::remove_file(p);
        }
    }
    delivered
}

/// The messages of one APPEND ([`imap_machine::store::Backend::append_transaction`]):
/// each written to its own file in `tmp/` as it arrives, all delivered together at
/// commit; dropped before, every file is removed and the mailbox never changed.
pub(crate) struct Transaction {
    pub(crate) backend: Arc<MaildirBackend>,
    pub(crate) user: Arc<UserData>,
    pub(crate) name: String,
    pub(crate) dir: PathBuf,
    pub(crate) staged: Vec<Staged>,
    pub(crate) current: Option<Upload>,
}

impl Transaction {
    fn finish_current(&mut self) -> Result<(), StoreError> {
        if let Some(u) = self.current.take() {
            self.staged.push(u.finish()?);
        }
        Ok(())
    }
}

impl AppendTransaction for Transaction {
    fn begin(&mut self, flags: &[Flag], date: Option<DateTime>, length: u64) -> Result<(), StoreError> {
        if self.backend.append_limit.is_some_and(|l| length > u64::from(l)) {
            return Err(StoreError::TooBig);
        }
        self.finish_current()?;
        let upload =
            Upload::create(self.backend.clone(), storable(flags), date, &self.dir).map_err(|e| self.backend.fail(e))?;
        self.current = Some(upload);
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        match self.current.as_mut() {
            Some(u) => u.write(data),
            None => Err(StoreError::Cannot("no message begun")),
        }
    }

    fn commit(mut self: Box<Self>) -> Result<(u32, Vec<u32>), StoreError> {
        self.finish_current()?;
        let staged = std::mem::take(&mut self.staged);
        deliver(&self.backend, &self.user, &self.name, staged)
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if let Some((file, path)) = self.file.take() {
            drop(file);
            let _ = std::fs::remove_file(path);
        }
    }
}
