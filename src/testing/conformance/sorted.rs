//! The CONTEXT=SORT context of the conformance suite (RFC 5267 §4.3.3, §4.3.4): a client's
//! copy of a sorted result, kept only from the positions the server tells.

use crate::types::SearchResult;

/// Applies one ESEARCH of a SORT context to `list` (the result as told, in sort order):
/// ALL replaces it; ADDTO inserts each set at its 1-based position; REMOVEFROM removes
/// each set from its position, where it must be. Position 0 is SEARCH's alone.
pub(super) fn apply(list: &mut Vec<u32>, results: Vec<SearchResult>) -> Result<(), String> {
    let numbers = |set: &crate::types::SequenceSet| set.in_order(u32::MAX).collect::<Vec<u32>>();
    for r in results {
        match r {
            SearchResult::All(set) => *list = numbers(&set),
            SearchResult::AddTo(pairs) => {
                for (pos, set) in pairs {
                    let at = position(pos, list.len() + 1)?;
                    for (k, n) in numbers(&set).into_iter().enumerate() {
                        if list.contains(&n) {
                            return Err(format!("ADDTO of a member: {n} in {list:?}"));
                        }
                        list.insert(at + k, n);
                    }
                }
            }
            SearchResult::RemoveFrom(pairs) => {
                for (pos, set) in pairs {
                    let at = position(pos, list.len())?;
                    for n in numbers(&set) {
                        if list.get(at) != Some(&n) {
                            return Err(format!(
                                "REMOVEFROM ({pos} {n}), but position {pos} of {list:?} holds another"
                            ));
                        }
                        list.remove(at);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The index of 1-based `pos` in a list where `last` is the highest position allowed.
fn position(pos: u32, last: usize) -> Result<usize, String> {
    match pos as usize {
        0 => Err("context position 0 in a SORT context".to_string()),
        p if p > last => Err(format!("context position {pos} past the end ({last})")),
        p => Ok(p - 1),
    }
}
