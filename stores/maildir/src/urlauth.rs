//! URLAUTH mailbox access keys (RFC 4467 §2.2) on a Maildir: one key per mailbox, 128
//! bits from the operating system's CSPRNG (`getrandom`; §10 asks for at least 128
//! unpredictable bits), kept in the owner-only `imap-machine-urlauth` table at the user
//! root (`metadata.rs`), so that URLs outlive a restart and validate on every process
//! that serves the Maildir. A key is made at first use under the table's dot-lock, so two
//! processes making one at once agree on it. DELETE and RENAME drop the keys of the
//! mailbox and its inferiors (`backend.rs`).

use std::path::Path;

use bytes::Bytes;

use crate::error::{MaildirError, Result};
use crate::metadata::{update, URL_KEYS};

/// The table's entry name for a mailbox's key.
const KEY: &str = "key";

/// 16 octets from the OS.
fn new_key() -> Result<Bytes> {
    let mut key = vec![0u8; 16];
    getrandom::fill(&mut key).map_err(|_| MaildirError::Randomness)?;
    Ok(Bytes::from(key))
}

/// The key of `mailbox`, made when missing and `create`.
pub(crate) fn key(root: &Path, mailbox: &str, create: bool, fsync: bool) -> Result<Option<Vec<u8>>> {
    let id = (mailbox.to_string(), KEY.to_string());
    if let Some((_, k)) = crate::metadata::get(root, URL_KEYS, mailbox)?.into_iter().find(|(e, _)| e == KEY) {
        return Ok(Some(k.to_vec()));
    }
    if !create {
        return Ok(None);
    }
    let fresh = new_key()?;
    // Another process may have made one since: its key wins.
    update(root, URL_KEYS, fsync, |entries| match entries.get(&id) {
        Some(k) => (false, Some(k.to_vec())),
        None => {
            entries.insert(id.clone(), fresh.clone());
            (true, Some(fresh.to_vec()))
        }
    })
}

/// RESETKEY: a new key for `mailbox`, or no keys at all.
pub(crate) fn reset(root: &Path, mailbox: Option<&str>, fsync: bool) -> Result<()> {
    let fresh = new_key()?;
    update(root, URL_KEYS, fsync, |entries| match mailbox {
        None => {
            let had = !entries.is_empty();
            entries.clear();
            (had, ())
        }
        Some(m) => {
            entries.insert((m.to_string(), KEY.to_string()), fresh);
            (true, ())
        }
    })
}
