//! Dense structures keyed by UID, for one mailbox of the memory backend. A mailbox hands
//! out UIDs in order from 1 and never reuses one, so a UID is an index: a message is found
//! by one array access, a range of UIDs is a walk through adjacent memory, and a set of
//! UIDs is a bitmap (O(1) insert, remove and test; ascending iteration at 64 UIDs a word).
//! Against hash maps and B-trees this keeps a million-message mailbox's per-message work
//! in cache-friendly order, which is what makes whole-mailbox commands grow linearly.

/// A set of UIDs as a bitmap.
#[derive(Clone, Debug, Default)]
pub(super) struct UidSet {
    words: Vec<u64>,
    len: usize,
}

impl UidSet {
    fn at(uid: u32) -> (usize, u64) {
        ((uid / 64) as usize, 1u64 << (uid % 64))
    }

    /// Adds `uid`; whether it was new.
    pub(super) fn insert(&mut self, uid: u32) -> bool {
        let (w, bit) = Self::at(uid);
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        let new = self.words[w] & bit == 0;
        self.words[w] |= bit;
        self.len += usize::from(new);
        new
    }

    /// Removes `uid`; whether it was there.
    pub(super) fn remove(&mut self, uid: &u32) -> bool {
        let (w, bit) = Self::at(*uid);
        let Some(word) = self.words.get_mut(w) else { return false };
        let was = *word & bit != 0;
        *word &= !bit;
        self.len -= usize::from(was);
        was
    }

    pub(super) fn contains(&self, uid: &u32) -> bool {
        let (w, bit) = Self::at(*uid);
        self.words.get(w).is_some_and(|word| word & bit != 0)
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The UIDs, ascending.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().filter(|(_, w)| **w != 0).flat_map(|(k, w)| {
            let mut w = *w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let bit = w.trailing_zeros();
                    w &= w - 1;
                    k as u32 * 64 + bit
                })
            })
        })
    }

    /// The lowest UID.
    pub(super) fn first(&self) -> Option<u32> {
        self.iter().next()
    }
}

/// Values by UID, in a vector indexed by UID. Removed entries leave an empty slot of one
/// pointer; the slots before the lowest remaining UID are dropped once they are half the
/// vector, so a mailbox whose old mail goes does not keep paying for it.
#[derive(Debug)]
pub(super) struct UidMap<T> {
    /// `slots[k]` holds UID `base + k`.
    slots: Vec<Option<Box<T>>>,
    base: u32,
    len: usize,
    /// Empty slots at the front (each slot is passed once: O(1) amortised a removal).
    lead: usize,
}

impl<T> Default for UidMap<T> {
    fn default() -> Self {
        UidMap { slots: Vec::new(), base: 1, len: 0, lead: 0 }
    }
}

impl<T> UidMap<T> {
    fn slot(&self, uid: u32) -> Option<usize> {
        uid.checked_sub(self.base).map(|k| k as usize)
    }

    pub(super) fn get(&self, uid: &u32) -> Option<&T> {
        self.slot(*uid).and_then(|k| self.slots.get(k)).and_then(|s| s.as_deref())
    }

    pub(super) fn get_mut(&mut self, uid: &u32) -> Option<&mut T> {
        self.slot(*uid).and_then(|k| self.slots.get_mut(k)).and_then(|s| s.as_deref_mut())
    }

    /// Stores `value` under `uid`. A UID below the lowest slot grows the vector at the
    /// front (O(n), but a mailbox's messages arrive in UID order; only kept expunged
    /// messages can come out of it).
    pub(super) fn insert(&mut self, uid: u32, value: T) {
        if self.len == 0 && self.slots.is_empty() {
            self.base = uid;
        }
        if uid < self.base {
            let extra = (self.base - uid) as usize;
            self.slots.splice(0..0, std::iter::repeat_with(|| None).take(extra));
            self.base = uid;
            self.lead = 0;
        }
        let k = self.slot(uid).expect("at or above the base");
        self.lead = self.lead.min(k);
        if k >= self.slots.len() {
            self.slots.resize_with(k + 1, || None);
        }
        if self.slots[k].replace(Box::new(value)).is_none() {
            self.len += 1;
        }
    }

    pub(super) fn remove(&mut self, uid: &u32) -> Option<T> {
        let k = self.slot(*uid)?;
        let value = self.slots.get_mut(k)?.take()?;
        self.len -= 1;
        while self.lead < self.slots.len() && self.slots[self.lead].is_none() {
            self.lead += 1;
        }
        if self.lead > 64 && self.lead * 2 >= self.slots.len() {
            self.slots.drain(..self.lead);
            self.base += self.lead as u32;
            self.lead = 0;
        }
        Some(*value)
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The values, by ascending UID.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u32, &T)> + '_ {
        let base = self.base;
        self.slots.iter().enumerate().filter_map(move |(k, s)| s.as_deref().map(|v| (base + k as u32, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    proptest! {
        #[test]
        fn agree_with_ordered_collections(ops in proptest::collection::vec((any::<bool>(), 1u32..400), 0..600)) {
            let mut set = UidSet::default();
            let mut map: UidMap<u32> = UidMap::default();
            let mut model: BTreeMap<u32, u32> = BTreeMap::new();
            let mut next = 1;
            for (add, at) in ops {
                if add && at % 5 == 0 && at < next {
                    // Anywhere below the highest, as kept expunged messages come.
                    if let std::collections::btree_map::Entry::Vacant(e) = model.entry(at) {
                        map.insert(at, at * 10);
                        set.insert(at);
                        e.insert(at * 10);
                    }
                } else if add {
                    map.insert(next, next * 10);
                    set.insert(next);
                    model.insert(next, next * 10);
                    next += 1 + at % 3;
                } else if let Some(uid) = model.keys().nth(at as usize % model.len().max(1)).copied() {
                    prop_assert_eq!(map.remove(&uid), model.remove(&uid));
                    prop_assert!(set.remove(&uid));
                    prop_assert!(!set.remove(&uid));
                }
                prop_assert_eq!(map.len(), model.len());
                prop_assert_eq!(set.len(), model.len());
            }
            let pairs: Vec<(u32, u32)> = map.iter().map(|(k, v)| (k, *v)).collect();
            prop_assert_eq!(pairs, model.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>());
            let keys: Vec<u32> = set.iter().collect();
            prop_assert_eq!(&keys, &model.keys().copied().collect::<Vec<_>>());
            prop_assert_eq!(set.first(), model.keys().next().copied());
            for (k, v) in &model {
                prop_assert_eq!(map.get(k), Some(v));
                prop_assert!(set.contains(k));
            }
            // Kept expunged messages come back below the base.
            if !model.contains_key(&1) {
                map.insert(1, 7);
                prop_assert_eq!(map.get(&1), Some(&7));
                prop_assert_eq!(map.len(), model.len() + 1);
            }
        }
    }
}
