//! `VANISHED` without EARLIER (RFC 7162 §3.2.10.2) applied to a view in sequence order.
//!
//! The server may name a message the client knows only from EXISTS, its UID never told
//! ("new arrivals for which the UID is not yet known by the client are immediately
//! expunged"). Such a UID is one of the messages of unknown UID between the nearest known
//! UIDs around it, since UIDs ascend with sequence numbers. Which one is certain when the
//! gap holds one message, when every integer between its neighbours' UIDs is a message of
//! it, or when every message of the gap vanishes; otherwise the view guesses, and forgets
//! what it knew of the gap's other messages.

use crate::types::SequenceSet;

/// What [`vanish`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Vanish {
    /// UIDs that matched no message, known or not: the server broke §3.2.10.2.
    pub(crate) missing: u64,
    /// A message of unknown UID was removed by guess; the gap's others were forgotten.
    pub(crate) guessed: bool,
}

/// Removes the messages of `uids` from `items` (in sequence order); `uid_of` tells an
/// item's UID if known, `forget` drops what is known of an item whose identity became
/// uncertain.
pub(crate) fn vanish<T>(
    items: &mut Vec<T>,
    uids: &SequenceSet,
    uid_of: impl Fn(&T) -> Option<u32>,
    mut forget: impl FnMut(&mut T),
) -> Vanish {
    let mut out = Vanish::default();
    let known: std::collections::HashSet<u32> = items.iter().filter_map(&uid_of).collect();
    let mut unknown: Vec<u32> = Vec::new();
    for r in uids.resolve(u32::MAX) {
        // Only messages of the view may be named, so a range is at most the view long.
        let (lo, hi) = (*r.start(), *r.end());
        if u64::from(hi - lo) > items.len() as u64 {
            out.missing += u64::from(hi - lo) + 1 - items.len() as u64;
        }
        unknown.extend((lo..=hi).take(items.len() + 1).filter(|u| !known.contains(u)));
    }
    items.retain(|m| !uid_of(m).is_some_and(|u| uids.contains(u, u32::MAX)));
    // Gaps guessed in, by the UIDs around them.
    let mut guesses: Vec<(u32, Option<u32>)> = Vec::new();
    for u in unknown {
        let lo_idx = items.iter().rposition(|m| uid_of(m).is_some_and(|k| k < u)).map_or(0, |k| k + 1);
        let hi_idx = items[lo_idx..].iter().position(|m| uid_of(m).is_some()).map_or(items.len(), |k| lo_idx + k);
        let gap = hi_idx - lo_idx;
        if gap == 0 {
            out.missing += 1;
            continue;
        }
        let lo_uid = lo_idx.checked_sub(1).and_then(|k| uid_of(&items[k])).unwrap_or(0);
        let hi_uid = items.get(hi_idx).and_then(&uid_of);
        let exact = hi_uid.is_some_and(|h| (h - lo_uid - 1) as usize == gap);
        let at = if exact { lo_idx + (u - lo_uid - 1) as usize } else { lo_idx };
        if !exact && gap > 1 {
            guesses.push((lo_uid, hi_uid));
        }
        items.remove(at.min(hi_idx - 1));
    }
    for (lo, hi) in guesses {
        let lo_idx = items.iter().rposition(|m| uid_of(m).is_some_and(|k| k <= lo)).map_or(0, |k| k + 1);
        let hi_idx = match hi {
            Some(h) => items.iter().position(|m| uid_of(m) == Some(h)).unwrap_or(items.len()),
            None => items[lo_idx..].iter().position(|m| uid_of(m).is_some()).map_or(items.len(), |k| lo_idx + k),
        };
        if hi_idx > lo_idx {
            out.guessed = true;
            items[lo_idx..hi_idx].iter_mut().for_each(&mut forget);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(view: &[Option<u32>], set: &str) -> (Vec<Option<u32>>, Vanish) {
        let mut items: Vec<(Option<u32>, bool)> = view.iter().map(|u| (*u, true)).collect();
        let v = vanish(&mut items, &set.parse().unwrap(), |m| m.0, |m| m.1 = false);
        (items.iter().map(|m| if m.1 { m.0 } else { Some(0) }).collect(), v)
    }

    #[test]
    fn known_unknown_and_guessed() {
        // Known UIDs go.
        assert_eq!(run(&[Some(1), Some(2), Some(3)], "2"), (vec![Some(1), Some(3)], Vanish::default()));
        // One unknown between 1 and 4: it is the one.
        assert_eq!(run(&[Some(1), None, Some(4)], "3"), (vec![Some(1), Some(4)], Vanish::default()));
        // 4 and 5 between 3 and 6: 5 is the second.
        let (v, r) = run(&[Some(3), None, None, Some(6)], "5");
        assert_eq!((v, r.guessed), (vec![Some(3), None, Some(6)], false));
        // Two unknowns between 3 and 9, one vanishes: a guess, the other forgotten.
        let (v, r) = run(&[Some(3), None, None, Some(9)], "5");
        assert_eq!((v, r.guessed), (vec![Some(3), Some(0), Some(9)], true));
        // Both vanish: certain.
        let (v, r) = run(&[Some(3), None, None, Some(9)], "5,8");
        assert_eq!((v, r), (vec![Some(3), Some(9)], Vanish::default()));
        // New messages at the end, all gone.
        let (v, r) = run(&[Some(3), None], "7");
        assert_eq!((v, r), (vec![Some(3)], Vanish::default()));
        // A UID of no message at all.
        let (v, r) = run(&[Some(3), Some(4)], "9");
        assert_eq!((v, r.missing), (vec![Some(3), Some(4)], 1));
    }
}
