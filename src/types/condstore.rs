//! CONDSTORE and QRESYNC values (RFC 7162): SELECT/EXAMINE parameters and the entry of a
//! `SEARCH MODSEQ` key. The rest of the extension extends the general types: the FETCH
//! modifiers [`FetchModifier::ChangedSince`](super::FetchModifier::ChangedSince) and
//! [`FetchModifier::Vanished`](super::FetchModifier::Vanished), the attribute
//! [`FetchAttribute::ModSeq`](super::FetchAttribute::ModSeq), the STORE modifier
//! `unchanged_since` of [`CommandBody::Store`](super::CommandBody::Store), the key
//! [`SearchKey::ModSeq`](super::SearchKey::ModSeq), the code
//! [`Code::Modified`](super::Code::Modified) and the response
//! [`Data::Vanished`](super::Data::Vanished).
//!
//! Mod-sequences are `u64`s. On the wire they are unsigned 63-bit integers (RFC 7162 §7
//! `mod-sequence-value`): the parser refuses a larger number, and the encoder writes any
//! value it is given, so keep them at or below `i64::MAX`.
//!
//! ```
//! use std::num::NonZeroU32;
//! use imap_machine::types::{CommandBody, Mailbox, QResync, SelectParam};
//! let select = CommandBody::Select {
//!     mailbox: Mailbox::Inbox,
//!     params: vec![SelectParam::QResync(QResync {
//!         uid_validity: NonZeroU32::new(67890007).unwrap(),
//!         mod_seq: 20050715194045000,
//!         known_uids: Some("41,43:211,214:541".parse().unwrap()),
//!         seq_match: None,
//!     })],
//! };
//! assert_eq!(select.name(), "SELECT");
//! ```

use std::num::NonZeroU32;

use bytes::Bytes;

use super::chars::{self, ATOM};
use super::{Flag, IString, SequenceSet, ValidationError};

/// `select-param` (RFC 4466 §2.1) of a SELECT or EXAMINE: the two RFC 7162 §7 defines.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SelectParam {
    /// `condstore-param = "CONDSTORE"` (RFC 7162 §3.1.8): enable CONDSTORE and open the
    /// mailbox with it.
    CondStore,
    /// `"QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP
    /// seq-match-data] ")"` (RFC 7162 §3.2.5): resynchronise with the state the client
    /// remembers.
    QResync(QResync),
}

/// The argument of the `QRESYNC` SELECT/EXAMINE parameter (RFC 7162 §3.2.5).
///
/// RFC 7162 §7 says `*` is not allowed in `known-uids`, `known-sequence-set` and
/// `known-uid-set`; the parser does not enforce it (a server that gets one may answer BAD).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QResync {
    /// `uidvalidity = nz-number`: the UIDVALIDITY the client last knew.
    pub uid_validity: NonZeroU32,
    /// `mod-sequence-value`: the last HIGHESTMODSEQ the client knew.
    pub mod_seq: u64,
    /// `known-uids = sequence-set`: the UIDs the client knows; `None` is all.
    pub known_uids: Option<SequenceSet>,
    /// `seq-match-data`: message numbers and the UIDs they had, to tell which messages
    /// were expunged in a mailbox with no persistent expunge records.
    pub seq_match: Option<SeqMatch>,
}

/// `seq-match-data = "(" known-sequence-set SP known-uid-set ")"` (RFC 7162 §3.2.5):
/// message sequence numbers and the UIDs they had, pairwise, in ascending order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SeqMatch {
    /// `known-sequence-set`: message numbers.
    pub seqs: SequenceSet,
    /// `known-uid-set`: the UIDs of those messages, in the same order.
    pub uids: SequenceSet,
}

/// `entry-type-req = entry-type-resp / "all"`, `entry-type-resp = "priv" / "shared"`
/// (RFC 7162 §3.4, §7): which metadata item of a flag a `SEARCH MODSEQ` looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryType {
    /// `priv`: the private metadata item.
    Private,
    /// `shared`: the shared metadata item.
    Shared,
    /// `all`: either.
    All,
}

impl EntryType {
    /// The wire name, lower case as in RFC 7162's examples.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryType::Private => "priv",
            EntryType::Shared => "shared",
            EntryType::All => "all",
        }
    }

    /// Looks a type up by name, case-insensitively.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        [EntryType::Private, EntryType::Shared, EntryType::All]
            .into_iter()
            .find(|t| t.as_str().as_bytes().eq_ignore_ascii_case(name))
    }
}

/// `search-modseq-ext = SP entry-name SP entry-type-req` (RFC 7162 §3.4): the flag whose
/// mod-sequence a `SEARCH MODSEQ` compares, and which of its metadata items.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModSeqEntry {
    name: IString,
    /// `entry-type-req`
    pub kind: EntryType,
}

impl ModSeqEntry {
    /// An entry from its name as the quoted string holds it (`/flags/\seen`, one
    /// backslash: the quoting's escape is not part of it): `entry-flag-name = DQUOTE
    /// "/flags/" attr-flag DQUOTE` (RFC 7162 §7), the prefix in any case, the flag an
    /// atom with or without a backslash.
    pub fn new(name: impl Into<Bytes>, kind: EntryType) -> Result<Self, ValidationError> {
        let name: Bytes = name.into();
        if !is_entry_flag_name(&name) {
            return Err(ValidationError::EntryName);
        }
        Ok(ModSeqEntry { name: IString::unvalidated(name), kind })
    }

    /// The entry for a flag: `/flags/` and the flag in lower case, as RFC 7162 §3.4 maps
    /// them (`\Seen` is `/flags/\seen`).
    pub fn for_flag(flag: &Flag, kind: EntryType) -> Self {
        let name = format!("/flags/{flag}").to_ascii_lowercase();
        ModSeqEntry { name: IString::unvalidated(Bytes::from(name)), kind }
    }

    /// The entry name as sent (without the quoting).
    pub fn name(&self) -> &IString {
        &self.name
    }

    /// The flag the entry names.
    pub fn flag(&self) -> Flag {
        Flag::from_bytes(self.name.to_bytes().slice(FLAGS_PREFIX.len()..)).expect("validated entry name")
    }
}

const FLAGS_PREFIX: &[u8] = b"/flags/";

/// Whether `name` is `"/flags/" attr-flag` (without the quotes).
fn is_entry_flag_name(name: &[u8]) -> bool {
    let Some(prefix) = name.get(..FLAGS_PREFIX.len()) else { return false };
    if !prefix.eq_ignore_ascii_case(FLAGS_PREFIX) {
        return false;
    }
    let flag = &name[FLAGS_PREFIX.len()..];
    let atom = flag.strip_prefix(b"\\").unwrap_or(flag);
    !atom.is_empty() && chars::all(atom, ATOM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names() {
        for (name, ok) in [
            ("/flags/\\draft", true),
            ("/FLAGS/$MDNSent", true),
            ("/flags/", false),
            ("/flags/\\", false),
            ("/flags/a b", false),
            ("/flag/x", false),
            ("", false),
        ] {
            assert_eq!(ModSeqEntry::new(name, EntryType::All).is_ok(), ok, "{name}");
        }
        let e = ModSeqEntry::for_flag(&Flag::Seen, EntryType::Private);
        assert_eq!(e.name().as_bytes(), b"/flags/\\seen");
        assert_eq!(e.flag(), Flag::Seen);
        assert_eq!(EntryType::from_name(b"SHARED"), Some(EntryType::Shared));
    }
}
