//! Dovecot's dot-locks: `<file>.lock`, created with `O_EXCL`, and at the same time the
//! temporary file of the new contents of `<file>`, which replace the old ones by renaming
//! the lock over them (Dovecot's `file_dotlock_replace`). Dovecot locks `dovecot-uidlist`,
//! `dovecot-keywords` and `subscriptions` this way, so holding the lock keeps a running
//! Dovecot from assigning UIDs or rewriting those files meanwhile.
//!
//! While we hold a dot-lock we also hold an OS lock (`flock`) on it, which the kernel
//! drops when the process dies. So a dot-lock nobody holds that way was left by a crashed
//! `imapm` (or is Dovecot's, which does not `flock`): it is broken once untouched for
//! [`ORPHAN_AFTER`], and any lock once untouched for [`STALE_AFTER`] (Dovecot's stale
//! timeout for `dovecot-uidlist.lock`). After `kill -9` the store is usable again within
//! seconds, not minutes. We hold a lock only for a few file operations.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{MaildirError, Result};
use crate::fsutil::fsync_dir;

/// A lock untouched for this long belongs to a dead process.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(120);
/// A lock no live process holds with `flock`, untouched for this long, belongs to a
/// crashed process (Dovecot holds its own for milliseconds).
pub(crate) const ORPHAN_AFTER: Duration = Duration::from_secs(5);
/// How long to wait for a lock before failing (beyond the stale time, so that a stale
/// lock is always broken rather than failed on).
const WAIT_AT_MOST: Duration = Duration::from_secs(150);

/// A held dot-lock on `target`. Dropped without [`DotLock::replace`], it is removed and
/// `target` stays as it was.
#[derive(Debug)]
pub(crate) struct DotLock {
    target: PathBuf,
    path: PathBuf,
    file: Option<File>,
}

impl DotLock {
    /// Takes the lock of `target`, waiting while another process holds it.
    pub(crate) fn acquire(target: &Path) -> Result<DotLock> {
        let mut path = target.as_os_str().to_owned();
        path.push(".lock");
        let path = PathBuf::from(path);
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            // Owner-only: the file becomes the target (URLAUTH keys among them).
            match OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path) {
                Ok(file) => {
                    // Released by the kernel if this process dies holding it.
                    let _ = file.try_lock();
                    return Ok(DotLock { target: target.to_path_buf(), path, file: Some(file) });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let age = std::fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok());
                    // Whether a live process holds it (with `flock`): we probe by taking
                    // the OS lock ourselves, which fails while its holder lives.
                    let orphan = || File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
                    if age.is_some_and(|a| a > STALE_AFTER || (a > ORPHAN_AFTER && orphan())) {
                        // Another waiter may break it at the same moment: both removals
                        // are fine, as neither holds it.
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if start.elapsed() > WAIT_AT_MOST {
                        return Err(MaildirError::LockTimeout(path));
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    // No directory to lock in: the mailbox was deleted or renamed.
                    return Err(MaildirError::Gone(target.parent().unwrap_or(target).to_path_buf()));
                }
                Err(e) => return Err(MaildirError::io("create", &path)(e)),
            }
        }
    }

    /// Replaces the locked file with `contents` (written to the lock file, synced if
    /// `fsync`, renamed over the target) and releases the lock.
    pub(crate) fn replace(mut self, contents: &[u8], fsync: bool) -> Result<()> {
        let mut file = self.file.take().expect("held until replaced");
        file.write_all(contents).map_err(MaildirError::io("write", &self.path))?;
        if fsync {
            file.sync_all().map_err(MaildirError::io("fsync", &self.path))?;
        }
        drop(file);
        std::fs::rename(&self.path, &self.target).map_err(MaildirError::io("rename", &self.path))?;
        // Renamed away: nothing to remove on drop.
        self.path.clear();
        if fsync {
            if let Some(dir) = self.target.parent() {
                fsync_dir(dir)?;
            }
        }
        Ok(())
    }
}

impl Drop for DotLock {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dovecot-uidlist");
        let lock = DotLock::acquire(&target).unwrap();
        assert!(dir.path().join("dovecot-uidlist.lock").exists());
        lock.replace(b"3 V1 N1\n", false).unwrap();
        assert!(!dir.path().join("dovecot-uidlist.lock").exists());
        assert_eq!(std::fs::read(&target).unwrap(), b"3 V1 N1\n");
        // Dropped without replacing: released, target unchanged.
        drop(DotLock::acquire(&target).unwrap());
        assert!(!dir.path().join("dovecot-uidlist.lock").exists());
        assert_eq!(std::fs::read(&target).unwrap(), b"3 V1 N1\n");
    }

    #[test]
    fn breaks_stale_locks() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dovecot-uidlist");
        let stale = File::create(dir.path().join("dovecot-uidlist.lock")).unwrap();
        stale.set_modified(SystemTime::now() - STALE_AFTER * 2).unwrap();
        drop(stale);
        let lock = DotLock::acquire(&target).unwrap();
        drop(lock);
    }

    #[test]
    fn breaks_a_crashed_holders_lock_within_seconds() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dovecot-uidlist");
        // Left by a process that died: no OS lock on it, 10 s old.
        let orphan = File::create(dir.path().join("dovecot-uidlist.lock")).unwrap();
        orphan.set_modified(SystemTime::now() - ORPHAN_AFTER * 2).unwrap();
        drop(orphan);
        let started = Instant::now();
        drop(DotLock::acquire(&target).unwrap());
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn a_live_holders_lock_is_not_broken() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dovecot-uidlist");
        let held = DotLock::acquire(&target).unwrap();
        // Old, but its holder (this open file, with its OS lock) lives.
        held.file.as_ref().unwrap().set_modified(SystemTime::now() - ORPHAN_AFTER * 2).unwrap();
        let probe = File::open(dir.path().join("dovecot-uidlist.lock")).unwrap();
        assert!(probe.try_lock().is_err(), "the holder's OS lock is seen");
        drop(held);
    }
}
