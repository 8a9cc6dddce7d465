//! The flags the load workloads check: shared by the load generator and the blocking
//! adapter's load smoke test (`adapters/blocking/tests/load_smoke.rs`), which includes
//! this file.

use imap_machine::types::{FetchItem, Flag, FlagFetch};

/// `(\Seen, \Deleted)` from FLAGS; `\Recent` is ignored, any other flag is an error.
pub(crate) fn seen_deleted(flags: &[FlagFetch]) -> Result<(bool, bool), String> {
    let (mut seen, mut deleted) = (false, false);
    for f in flags {
        match f {
            FlagFetch::Flag(Flag::Seen) => seen = true,
            FlagFetch::Flag(Flag::Deleted) => deleted = true,
            FlagFetch::Recent => {}
            FlagFetch::Flag(other) => return Err(format!("unexpected flag {other:?}")),
        }
    }
    Ok((seen, deleted))
}

/// `(\Seen, \Deleted)` from the FLAGS item of a FETCH.
pub(crate) fn flags_of(items: &[FetchItem]) -> Result<(bool, bool), String> {
    let flags = items.iter().find_map(|i| if let FetchItem::Flags(f) = i { Some(f) } else { None });
    seen_deleted(flags.ok_or("FETCH without FLAGS")?)
}
