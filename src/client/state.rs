//! Connection states and the selected mailbox as the client sees them.

use crate::types::{Flag, FlagPerm, Mailbox};

pub use crate::types::State;

/// What the server has told about the selected mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SelectedMailbox {
    /// The mailbox.
    pub mailbox: Mailbox,
    /// `READ-ONLY` (EXAMINE, or the server said so).
    pub read_only: bool,
    /// Messages (`EXISTS`), kept current through EXPUNGE.
    pub exists: u32,
    /// `RECENT`
    pub recent: u32,
    /// `FLAGS`
    pub flags: Vec<Flag>,
    /// `PERMANENTFLAGS`
    pub permanent_flags: Vec<FlagPerm>,
    /// `UIDVALIDITY`
    pub uid_validity: Option<u32>,
    /// `UIDNEXT`
    pub uid_next: Option<u32>,
    /// `UNSEEN`: the first unseen message.
    pub unseen: Option<u32>,
    /// `HIGHESTMODSEQ` (CONDSTORE)
    pub highest_modseq: Option<u64>,
}

impl SelectedMailbox {
    pub(crate) fn new(mailbox: Mailbox, read_only: bool) -> Self {
        SelectedMailbox {
            mailbox,
            read_only,
            exists: 0,
            recent: 0,
            flags: Vec::new(),
            permanent_flags: Vec::new(),
            uid_validity: None,
            uid_next: None,
            unseen: None,
            highest_modseq: None,
        }
    }
}
