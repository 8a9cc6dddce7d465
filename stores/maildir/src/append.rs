//! Streamed APPEND: the message goes to a file in the mailbox's `tmp/` as it arrives, so
//! a message of any size costs no memory. At commit the file is synced and delivered
//! like any other ([`crate::sync`]: renamed into `new/` or `cur/`, then the UID is
//! committed). Dropped before that (the client went away, the command failed), the file
//! is removed; after a crash, `tmp/` is cleaned when the mailbox is next opened.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use imap_machine::store::{AppendSink, StoreError};
use imap_machine::types::{DateTime, Flag};

use crate::error::MaildirError;
use crate::fsutil::time_of;
use crate::sync::Incoming;
use crate::{MaildirBackend, UserData};

/// A message being written to `tmp/` ([`imap_machine::store::Backend::append_begin`]).
pub(crate) struct Upload {
    backend: Arc<MaildirBackend>,
    user: Arc<UserData>,
    name: String,
    flags: Vec<Flag>,
    date: Option<DateTime>,
    /// The file and its path, until it is delivered.
    file: Option<(File, PathBuf)>,
    written: u64,
    /// Line ends, for the size served (`W=`, [`crate::fsutil::crlf_len`]).
    lf: u64,
    has_crlf: bool,
    last_cr: bool,
}

impl Upload {
    /// Creates the file in `dir/tmp/`.
    pub(crate) fn create(
        backend: Arc<MaildirBackend>,
        user: Arc<UserData>,
        name: &str,
        flags: Vec<Flag>,
        date: Option<DateTime>,
        dir: &Path,
    ) -> Result<Upload, MaildirError> {
        let path = dir.join("tmp").join(format!("{}.upload", backend.namer.unique(0, 0)));
        let file =
            OpenOptions::new().write(true).create_new(true).open(&path).map_err(MaildirError::io("create", &path))?;
        Ok(Upload {
            backend,
            user,
            name: name.to_string(),
            flags,
            date,
            file: Some((file, path)),
            written: 0,
            lf: 0,
            has_crlf: false,
            last_cr: false,
        })
    }

    fn fail(&self, e: MaildirError) -> StoreError {
        self.backend.fail(e)
    }
}

impl AppendSink for Upload {
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
        if !self.has_crlf {
            self.has_crlf = (self.last_cr && data.first() == Some(&b'\n')) || data.windows(2).any(|w| w == b"\r\n");
            self.lf += data.iter().filter(|b| **b == b'\n').count() as u64;
        }
        self.last_cr = data.last() == Some(&b'\r');
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(u32, u32), StoreError> {
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
        if let Err(e) = synced {
            let _ = std::fs::remove_file(&path);
            return Err(self.fail(e));
        }
        let size = if self.has_crlf { self.written } else { self.written + self.lf };
        let base = self.backend.namer.unique(self.written, size);
        let flags = std::mem::take(&mut self.flags);
        let backend = self.backend.clone();
        let tmp = path.clone();
        let delivered = backend.with(&self.user, &self.name, |m| {
            m.refresh_and_wake()?;
            m.ensure_keywords(&flags)?;
            let uids = m.deliver(vec![Incoming { tmp, base, flags, size, ext: String::new() }])?;
            m.wake();
            Ok((m.uid_validity, uids[0]))
        });
        if delivered.is_err() {
            let _ = std::fs::remove_file(&path);
        }
        delivered
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
