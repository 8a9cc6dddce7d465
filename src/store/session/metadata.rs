//! METADATA in the session (RFC 5464): GETMETADATA with MAXSIZE and DEPTH, SETMETADATA,
//! over [`Backend::metadata`] and [`Backend::set_metadata`]. Entry names are checked here
//! (§3.2) and compared in lower case; the limits are [`MAX_VALUE`] octets a value
//! (`NO [METADATA MAXSIZE n]`) and [`MAX_ENTRIES`] entries a mailbox or the server
//! (`NO [METADATA TOOMANY]`).

use bytes::Bytes;

use super::error::Done;
use super::{wire_name, Backend, Session, SessionError};
use crate::server::Server;
use crate::types::{
    Code, Data, IString, Mailbox, MetadataCode, MetadataDepth, MetadataEntry, MetadataItems, MetadataOptions,
};

/// The largest value SETMETADATA takes, in octets.
pub(super) const MAX_VALUE: usize = 64 * 1024;

/// The most entries one mailbox (or the server) keeps.
pub(super) const MAX_ENTRIES: usize = 256;

/// An entry name, checked (RFC 5464 §3.2) and in lower case: `/private/...` or
/// `/shared/...` (`/private` and `/shared` alone only to read), slash-separated, no `*`,
/// `%`, `//`, final `/` or non-printable octet. `None`: not a valid name.
fn entry_name(e: &IString, to_set: bool) -> Option<String> {
    let name = std::str::from_utf8(e.as_bytes()).ok()?.to_ascii_lowercase();
    let printable = name.bytes().all(|c| (0x21..0x7f).contains(&c) && c != b'*' && c != b'%');
    let shape = name.starts_with('/') && !name.ends_with('/') && !name.contains("//");
    let root = name.split('/').nth(1);
    let deep = name.matches('/').count() >= 2;
    (printable && shape && matches!(root, Some("private" | "shared")) && (deep || !to_set)).then_some(name)
}

/// Whether kept entry `kept` is asked for by `asked` at `depth` (RFC 5464 §4.2.2).
fn in_scope(kept: &str, asked: &str, depth: MetadataDepth) -> bool {
    if kept == asked {
        return true;
    }
    let Some(rest) = kept.strip_prefix(asked).and_then(|r| r.strip_prefix('/')) else { return false };
    match depth {
        MetadataDepth::Zero => false,
        MetadataDepth::One => !rest.contains('/'),
        MetadataDepth::Infinity => true,
    }
}

impl<B: Backend> Session<B> {
    /// The store's name of a METADATA mailbox argument: `None` for `""`, the server.
    fn metadata_target(mailbox: &Mailbox) -> Result<Option<String>, SessionError> {
        let name = wire_name(mailbox)?;
        Ok((!name.is_empty()).then_some(name))
    }

    /// `GETMETADATA [options] mailbox entries` (RFC 5464 §4.2): one `* METADATA` with the
    /// entries found (none: no response), values over MAXSIZE left out and the longest of
    /// them told in `OK [METADATA LONGENTRIES n]`.
    pub(super) fn get_metadata(
        &mut self,
        server: &mut Server,
        user: &B::User,
        options: MetadataOptions,
        mailbox: Mailbox,
        entries: &[IString],
    ) -> Result<Done, SessionError> {
        let asked: Vec<String> = entries
            .iter()
            .map(|e| entry_name(e, false))
            .collect::<Option<_>>()
            .ok_or(SessionError::BadArguments("Invalid entry name"))?;
        let target = Self::metadata_target(&mailbox)?;
        let kept = self.backend.metadata(user, target.as_deref())?;
        let depth = options.depth.unwrap_or(MetadataDepth::Zero);
        let (mut found, mut longest): (Vec<MetadataEntry>, Option<u32>) = (Vec::new(), None);
        for (name, value) in &kept {
            if !asked.iter().any(|a| in_scope(name, a, depth)) {
                continue;
            }
            if options.max_size.is_some_and(|max| value.len() as u64 > u64::from(max)) {
                longest = longest.max(Some(u32::try_from(value.len()).unwrap_or(u32::MAX)));
                continue;
            }
            found.push((IString::unvalidated(Bytes::from(name.clone())), Some(value.clone())));
        }
        if !found.is_empty() {
            server.send_data(Data::Metadata { mailbox, items: MetadataItems::Values(found) })?;
        }
        Ok(match longest {
            Some(n) => Done::Code(Code::Metadata(MetadataCode::LongEntries(n))),
            None => Done::Ok,
        })
    }

    /// `SETMETADATA mailbox (entry value ...)` (RFC 5464 §4.3): all or nothing.
    pub(super) fn set_metadata(
        &mut self,
        user: &B::User,
        mailbox: Mailbox,
        entries: Vec<MetadataEntry>,
    ) -> Result<Done, SessionError> {
        let mut changes = Vec::with_capacity(entries.len());
        for (e, v) in entries {
            let name = entry_name(&e, true).ok_or(SessionError::BadArguments("Invalid entry name"))?;
            if v.as_ref().is_some_and(|v| v.len() > MAX_VALUE) {
                return Err(SessionError::Metadata(MetadataCode::MaxSize(MAX_VALUE as u32)));
            }
            changes.push((name, v));
        }
        let target = Self::metadata_target(&mailbox)?;
        let kept = self.backend.metadata(user, target.as_deref())?;
        let mut names: std::collections::BTreeSet<&str> = kept.iter().map(|(n, _)| n.as_str()).collect();
        for (n, v) in &changes {
            if v.is_some() {
                names.insert(n);
            } else {
                names.remove(n.as_str());
            }
        }
        if names.len() > MAX_ENTRIES {
            return Err(SessionError::Metadata(MetadataCode::TooMany));
        }
        self.backend.set_metadata(user, target.as_deref(), &changes)?;
        Ok(Done::Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        let name = |s: &'static str, set| entry_name(&IString::from_static(s), set);
        assert_eq!(name("/Private/Comment", true).as_deref(), Some("/private/comment"));
        assert_eq!(name("/shared", false).as_deref(), Some("/shared"));
        for bad in ["/shared", "/other/x", "private/x", "/private//x", "/private/x/", "/private/*", "/private/a b"] {
            assert_eq!(name(bad, true), None, "{bad}");
        }
        assert!(in_scope("/private/a/b", "/private/a", MetadataDepth::One));
        assert!(!in_scope("/private/a/b/c", "/private/a", MetadataDepth::One));
        assert!(in_scope("/private/a/b/c", "/private/a", MetadataDepth::Infinity));
        assert!(!in_scope("/private/ab", "/private/a", MetadataDepth::Infinity));
        assert!(!in_scope("/private/a/b", "/private/a", MetadataDepth::Zero));
    }
}
