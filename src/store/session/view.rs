//! A session's sequence view: message sequence numbers ↔ UIDs in O(log n) both ways, with
//! removal and appending in O(log n) (RFC 3501 §2.3.1).
//!
//! The UIDs are kept sorted in one vector, removed ones left in place as tombstones, and a
//! Fenwick tree over "still there" counts gives a UID's sequence number (a prefix sum) and
//! the UID of a sequence number (a descent), each in O(log n). Tombstones are swept out in
//! one O(n) pass once they outnumber the live entries, so that is O(1) amortised per
//! removal, and a walk over k consecutive messages costs O(k) amortised. Why not a
//! B-tree with subtree counts: it does the same in O(log n) but with a node per few dozen
//! UIDs and pointer chasing; the flat vector is 4 bytes a message, cache-friendly, and
//! builds in O(n) from the store's snapshot.

use std::num::NonZeroU32;

use super::selected::{Seq, Uid};

/// Tombstones are swept once there are more than this many and more than live entries.
const SWEEP_AT: usize = 1024;

/// See the module docs.
#[derive(Clone, Debug, Default)]
pub(super) struct SeqView {
    /// Every UID ever in the view since the last sweep, ascending.
    uids: Vec<Uid>,
    /// Whether `uids[k]` is still in the view.
    live: Vec<bool>,
    /// Fenwick tree (1-based) over `live`.
    tree: Vec<u32>,
    len: usize,
}

fn lowbit(i: usize) -> usize {
    i & i.wrapping_neg()
}

impl SeqView {
    /// A view of `uids` (ascending).
    pub(super) fn new(uids: Vec<Uid>) -> SeqView {
        let live = vec![true; uids.len()];
        let mut v = SeqView { uids, live, tree: Vec::new(), len: 0 };
        v.rebuild();
        v
    }

    fn rebuild(&mut self) {
        let n = self.uids.len();
        self.tree = vec![0; n + 1];
        for i in 1..=n {
            self.tree[i] += u32::from(self.live[i - 1]);
            let parent = i + lowbit(i);
            if parent <= n {
                self.tree[parent] += self.tree[i];
            }
        }
        self.len = self.live.iter().filter(|l| **l).count();
    }

    /// Live entries among the first `i` slots.
    fn prefix(&self, mut i: usize) -> usize {
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i] as usize;
            i -= lowbit(i);
        }
        sum
    }

    /// The slot of the `k`-th live entry (1-based `k`, at most `len`).
    fn slot_of(&self, mut k: usize) -> usize {
        let n = self.uids.len();
        let mut pos = 0;
        let mut step = if n == 0 { 0 } else { 1 << (usize::BITS - 1 - n.leading_zeros()) };
        while step > 0 {
            let next = pos + step;
            if next <= n && (self.tree[next] as usize) < k {
                pos = next;
                k -= self.tree[next] as usize;
            }
            step >>= 1;
        }
        pos // 0-based slot = (1-based position) - 1
    }

    /// Messages in the view.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The highest UID in the view.
    pub(super) fn last(&self) -> Option<Uid> {
        (self.len > 0).then(|| self.uids[self.slot_of(self.len)])
    }

    /// Appends a UID above every UID the view ever held.
    pub(super) fn push(&mut self, uid: Uid) {
        debug_assert!(self.uids.last().is_none_or(|l| *l < uid));
        self.uids.push(uid);
        self.live.push(true);
        let i = self.uids.len();
        // tree[i] covers (i - lowbit(i), i]: the live ones before i in that span, plus i.
        let below = self.prefix(i - 1) - self.prefix(i - lowbit(i));
        self.tree.push(below as u32 + 1);
        self.len += 1;
    }

    /// Whether `uid` can be appended (it is above every UID the view ever held).
    pub(super) fn can_push(&self, uid: Uid) -> bool {
        self.uids.last().is_none_or(|l| *l < uid)
    }

    /// The sequence number of `uid`, if it is in the view.
    pub(super) fn seq_of(&self, uid: Uid) -> Option<Seq> {
        let k = self.uids.binary_search(&uid).ok()?;
        self.live[k].then(|| seq(self.prefix(k + 1)))
    }

    /// The UID of message `seq` (at most [`SeqView::len`]).
    #[cfg(test)]
    pub(super) fn uid_at(&self, seq: Seq) -> Uid {
        self.uids[self.slot_of(seq.0.get() as usize)]
    }

    /// Removes `uid`; returns the sequence number it had.
    pub(super) fn remove(&mut self, uid: Uid) -> Option<Seq> {
        let k = self.uids.binary_search(&uid).ok()?;
        if !self.live[k] {
            return None;
        }
        let at = self.prefix(k + 1);
        self.live[k] = false;
        let mut i = k + 1;
        while i < self.tree.len() {
            self.tree[i] -= 1;
            i += lowbit(i);
        }
        self.len -= 1;
        let dead = self.uids.len() - self.len;
        if dead > SWEEP_AT && dead > self.len {
            let live = std::mem::take(&mut self.live);
            let mut keep = live.iter();
            self.uids.retain(|_| *keep.next().expect("same length"));
            self.live = vec![true; self.uids.len()];
            self.rebuild();
        }
        Some(seq(at))
    }

    /// Messages `from..=to` by sequence number (`1 <= from <= to <= len`), ascending.
    pub(super) fn by_seq(&self, from: u32, to: u32) -> impl Iterator<Item = (Seq, Uid)> + '_ {
        let start = self.slot_of(from as usize);
        self.walk(start, from).take_while(move |(s, _)| s.0.get() <= to)
    }

    /// Messages with UIDs in `lo..=hi`, ascending.
    pub(super) fn by_uid(&self, lo: u32, hi: u32) -> impl Iterator<Item = (Seq, Uid)> + '_ {
        let start = self.uids.partition_point(|u| u.0 < lo);
        let first = self.prefix(start) as u32 + 1;
        self.walk(start, first).take_while(move |(_, u)| u.0 <= hi)
    }

    /// Every message, ascending.
    pub(super) fn iter(&self) -> impl Iterator<Item = (Seq, Uid)> + '_ {
        self.walk(0, 1)
    }

    /// The live entries from slot `start` on, the first numbered `first`.
    fn walk(&self, start: usize, first: u32) -> impl Iterator<Item = (Seq, Uid)> + '_ {
        let mut n = first;
        (start..self.uids.len()).filter(move |k| self.live[*k]).map(move |k| {
            let s = seq(n as usize);
            n += 1;
            (s, self.uids[k])
        })
    }
}

fn seq(n: usize) -> Seq {
    Seq(NonZeroU32::new(n as u32).expect("sequence numbers start at 1"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Push(u8),
        Remove(u16),
    }

    proptest! {
        /// The view against a plain vector: every lookup, walk and removal agrees.
        #[test]
        fn agrees_with_a_vector(start in 0usize..300, ops in proptest::collection::vec(
            prop_oneof![any::<u8>().prop_map(Op::Push), any::<u16>().prop_map(Op::Remove)], 0..3000)
        ) {
            let mut model: Vec<u32> = (1..=start as u32).map(|u| u * 2).collect();
            let mut view = SeqView::new(model.iter().map(|u| Uid(*u)).collect());
            let mut next = start as u32 * 2 + 1;
            for op in ops {
                match op {
                    Op::Push(gap) => {
                        next += u32::from(gap % 3);
                        view.push(Uid(next));
                        model.push(next);
                        next += 1;
                    }
                    Op::Remove(at) if !model.is_empty() => {
                        let k = at as usize % model.len();
                        let uid = model.remove(k);
                        prop_assert_eq!(view.remove(Uid(uid)), Some(seq(k + 1)));
                        prop_assert_eq!(view.remove(Uid(uid)), None);
                    }
                    Op::Remove(_) => {}
                }
                prop_assert_eq!(view.len(), model.len());
                prop_assert_eq!(view.last(), model.last().map(|u| Uid(*u)));
            }
            let all: Vec<u32> = view.iter().map(|(s, u)| { assert_eq!(view.seq_of(u), Some(s)); assert_eq!(view.uid_at(s), u); u.0 }).collect();
            prop_assert_eq!(&all, &model);
            if !model.is_empty() {
                let (a, b) = (1 + model.len() as u32 / 3, model.len() as u32);
                let got: Vec<u32> = view.by_seq(a, b).map(|(_, u)| u.0).collect();
                prop_assert_eq!(&got[..], &model[a as usize - 1..]);
                let (lo, hi) = (model[0] + 1, model[model.len() / 2] + 1);
                let got: Vec<u32> = view.by_uid(lo, hi).map(|(_, u)| u.0).collect();
                let want: Vec<u32> = model.iter().copied().filter(|u| (lo..=hi).contains(u)).collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
