//! Small file-system helpers: durable writes, directory fsync, INTERNALDATE from mtimes,
//! and line-end conversion.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use chrono::Timelike;
use imap_machine::types::DateTime;

use crate::error::{MaildirError, Result};

/// Makes the directory entries of `dir` (created, renamed, removed files) durable.
pub(crate) fn fsync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(MaildirError::io("fsync", dir))
}

/// Creates `path` (which must not exist), writes `data`, sets its mtime if given, and
/// syncs it to disk if `fsync`.
pub(crate) fn write_new(path: &Path, data: &[u8], mtime: Option<SystemTime>, fsync: bool) -> Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(path).map_err(MaildirError::io("create", path))?;
    f.write_all(data).map_err(MaildirError::io("write", path))?;
    if let Some(t) = mtime {
        f.set_modified(t).map_err(MaildirError::io("set mtime of", path))?;
    }
    if fsync {
        f.sync_all().map_err(MaildirError::io("fsync", path))?;
    }
    Ok(())
}

/// Reads a whole file; `Ok(None)` if it does not exist.
pub(crate) fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(MaildirError::io("read", path)(e)),
    }
}

/// The epoch, as INTERNALDATE of last resort.
fn epoch() -> DateTime {
    DateTime::parse("01-Jan-1970 00:00:00 +0000").expect("a valid date-time")
}

/// A file time as INTERNALDATE (UTC, whole seconds).
pub(crate) fn date_of(t: SystemTime) -> DateTime {
    let utc: chrono::DateTime<chrono::Utc> = t.into();
    let utc = utc.with_nanosecond(0).unwrap_or(utc);
    DateTime::new(utc.fixed_offset()).unwrap_or_else(|_| epoch())
}

/// INTERNALDATE as a file time.
pub(crate) fn time_of(d: &DateTime) -> SystemTime {
    SystemTime::from(*d.as_chrono())
}

/// The system time now, as seconds and microseconds since the epoch.
pub(crate) fn now() -> (u64, u32) {
    let d = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or(Duration::ZERO);
    (d.as_secs(), d.subsec_micros())
}

/// The number of bare LFs in `data` (an LF without a CR before it).
pub(crate) fn bare_lfs(data: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', data).filter(|&i| i == 0 || data[i - 1] != b'\r').count()
}

/// The length of `data` as [`to_crlf`] serves it: what Dovecot counts as its virtual
/// size, RFC822.SIZE (RFC 3501 §2.3.4: in CRLF form).
pub(crate) fn crlf_len(data: &[u8]) -> u64 {
    (data.len() + bare_lfs(data)) as u64
}

/// A message as IMAP wants it: each bare LF (as mbsync, procmail or Dovecot's LDA may
/// write, also mixed with CRLF) becomes CRLF; a file without one is returned as it is.
pub(crate) fn to_crlf(data: Vec<u8>) -> Bytes {
    let bare = bare_lfs(&data);
    if bare == 0 {
        return Bytes::from(data);
    }
    let mut out = Vec::with_capacity(data.len() + bare);
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' && (i == 0 || data[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    Bytes::from(out)
}

/// This host's name, for unique file names, with `/`, `:` and `,` escaped as the Maildir
/// convention says (`\057`, `\072`, `\054`).
pub(crate) fn hostname() -> String {
    let raw = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "localhost".to_string());
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '/' => out.push_str("\\057"),
            ':' => out.push_str("\\072"),
            ',' => out.push_str("\\054"),
            c if c.is_control() || c == ' ' => {}
            c => out.push(c),
        }
    }
    out
}

/// Tells apart the names this process makes within one microsecond (shared by every
/// backend of the process, as two may write the same Maildir).
static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Makes unique Maildir file names: `<secs>.M<usecs>P<pid>Q<counter>.<host>,S=<size>`.
#[derive(Debug)]
pub(crate) struct Namer {
    host: String,
}

impl Namer {
    pub(crate) fn new() -> Self {
        Namer { host: hostname() }
    }

    /// A base name no other file of this host has.
    /// A new unique base name, with the file's size on disk (`S=`) and the size it is
    /// served with, CRLF line ends (`W=`, RFC822.SIZE), as Dovecot names its files: so the
    /// size is known without reading the file.
    pub(crate) fn unique(&self, size: u64, virtual_size: u64) -> String {
        let (secs, micros) = now();
        let q = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{secs}.M{micros}P{}Q{q}.{},S={size},W={virtual_size}", std::process::id(), self.host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_ends() {
        assert_eq!(&to_crlf(b"a\nb\n".to_vec())[..], b"a\r\nb\r\n");
        assert_eq!(&to_crlf(b"a\r\nb\n".to_vec())[..], b"a\r\nb\r\n");
        assert_eq!(&to_crlf(b"\na\r\n".to_vec())[..], b"\r\na\r\n");
        assert_eq!(&to_crlf(b"abc".to_vec())[..], b"abc");
        for d in [&b"a\nb\n"[..], b"a\r\nb\n", b"abc", b"", b"\n\r\n\n"] {
            assert_eq!(crlf_len(d), to_crlf(d.to_vec()).len() as u64);
        }
    }

    #[test]
    fn dates_round_trip() {
        let d = DateTime::parse("17-Jul-1996 02:44:25 -0700").unwrap();
        let back = date_of(time_of(&d));
        assert_eq!(back.as_chrono().timestamp(), d.as_chrono().timestamp());
    }
}
