//! Mod-sequences of the memory backend (RFC 7162 §3.1): each mailbox's HIGHESTMODSEQ and
//! the tombstones of expunged messages that QRESYNC's VANISHED (EARLIER) reads.
//!
//! A mailbox starts at mod-sequence 1. Every APPEND (or copy) gives the new message the
//! next mod-sequence; a STORE call gives every message it changes one new mod-sequence
//! (one per call, as Dovecot gives one per transaction); an EXPUNGE call gives its
//! tombstones one. Keyword announcements change none.
//!
//! Tombstones are kept in mod-sequence order, at most [`TOMBSTONES`] a mailbox; the oldest
//! go first, and the mailbox remembers the highest mod-sequence it forgot, so a question
//! about an older mod-sequence is answered as incomplete ([`Vanished::complete`]).

use std::collections::VecDeque;

use crate::store::Vanished;

/// The expunges a mailbox remembers for VANISHED (EARLIER): enough for a client that
/// synced before the last 100,000 expunges; 12 bytes each.
pub const TOMBSTONES: usize = 100_000;

/// A mailbox's expunged UIDs with their mod-sequences, oldest first, at most
/// [`TOMBSTONES`]: what [`crate::store::Backend::vanished`] answers from. Other stores
/// keep theirs in it too.
#[derive(Debug, Default)]
pub struct Tombstones {
    entries: VecDeque<(u64, u32)>,
    /// The highest mod-sequence among the forgotten tombstones (0: none forgotten).
    forgotten: u64,
}

impl Tombstones {
    /// Remembers that `uid` was expunged at `modseq` (not lower than any before).
    pub fn push(&mut self, modseq: u64, uid: u32) {
        if self.entries.len() == TOMBSTONES {
            if let Some((m, _)) = self.entries.pop_front() {
                self.forgotten = m;
            }
        }
        self.entries.push_back((modseq, uid));
    }

    /// The tombstones remembered, oldest first: (mod-sequence, UID).
    pub fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.entries.iter().copied()
    }

    /// The highest mod-sequence among the forgotten tombstones (0: none forgotten).
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }

    /// Records that the tombstones up to `modseq` are forgotten (a store reloading what
    /// it kept of them).
    pub fn forgot(&mut self, modseq: u64) {
        self.forgotten = self.forgotten.max(modseq);
    }

    /// The UIDs expunged after `since`, ascending.
    pub fn since(&self, since: u64) -> Vanished {
        let start = self.entries.partition_point(|(m, _)| *m <= since);
        let mut uids: Vec<u32> = self.entries.range(start..).map(|(_, u)| *u).collect();
        uids.sort_unstable();
        Vanished { uids, complete: since >= self.forgotten }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::memory::MemoryBackend;
    use crate::store::{Backend, Change, SessionId, Stored};
    use crate::types::{Flag, StoreKind};

    #[test]
    fn every_change_raises_highestmodseq_and_marks_its_messages() {
        let b = MemoryBackend::with_demo_data();
        let u = b.login("username", "password").unwrap();
        let highest = || b.status(&u, "INBOX").unwrap().highest_modseq;
        let modseq = |uid| b.fetch_meta(&u, "INBOX", SessionId(99), &[uid]).unwrap()[0].as_ref().unwrap().modseq;
        let h0 = highest();
        assert!(h0 >= 1 && b.mod_seqs());
        let snap = b.open(&u, "INBOX", SessionId(1), false).unwrap();
        assert_eq!(snap.highest_modseq, h0);
        // An arrival takes the next mod-sequence.
        let (_, uid) = b.append(&u, "INBOX", &[], None, "Subject: m\r\n\r\nx".into()).unwrap();
        let h1 = highest();
        assert_eq!((h1, modseq(uid)), (h0 + 1, h0 + 1));
        // One STORE call: one mod-sequence for every message it changed; the unchanged
        // keep theirs, and a STORE that changes nothing raises nothing.
        let before = modseq(1);
        let out = b.store(&u, "INBOX", &[uid], StoreKind::Add, &[Flag::Seen]).unwrap();
        assert!(matches!(out.flags[..], [Stored::Changed(_)]));
        let h2 = highest();
        assert_eq!((h2, modseq(uid), modseq(1)), (h1 + 1, h1 + 1, before));
        b.store(&u, "INBOX", &[uid], StoreKind::Add, &[Flag::Seen]).unwrap();
        assert_eq!(highest(), h2);
        // The session reads the mod-sequence with the change.
        let batch = b.changes(&u, "INBOX", SessionId(1), snap.cursor, false, 100).unwrap();
        assert!(batch.changes.iter().any(|c| matches!(c, Change::Flags { modseq, .. } if *modseq == h2)), "{batch:?}");
        // An EXPUNGE raises it and leaves tombstones for VANISHED (EARLIER).
        b.store(&u, "INBOX", &[uid], StoreKind::Add, &[Flag::Deleted]).unwrap();
        let h3 = highest();
        assert_eq!(b.expunge(&u, "INBOX", None, usize::MAX).unwrap(), vec![uid]);
        let h4 = highest();
        assert_eq!(h4, h3 + 1);
        assert_eq!(b.vanished(&u, "INBOX", h3).unwrap(), Vanished { uids: vec![uid], complete: true });
        assert_eq!(b.vanished(&u, "INBOX", h4).unwrap(), Vanished { uids: vec![], complete: true });
        // MOVE expunges from the source too; COPY and MOVE give the copies new ones.
        let (_, a) = b.append(&u, "INBOX", &[], None, "Subject: a\r\n\r\nx".into()).unwrap();
        let h5 = highest();
        let moved = b.move_messages(&u, "INBOX", SessionId(1), &[a], "Sent").unwrap();
        assert_eq!(b.vanished(&u, "INBOX", h5).unwrap().uids, vec![a]);
        let sent = b.fetch_meta(&u, "Sent", SessionId(1), &moved.destination).unwrap();
        let sent_high = b.status(&u, "Sent").unwrap().highest_modseq;
        assert_eq!(sent[0].as_ref().unwrap().modseq, sent_high);
    }

    #[test]
    fn since_and_forgetting() {
        let mut t = Tombstones::default();
        t.push(3, 9);
        t.push(3, 4);
        t.push(7, 5);
        assert_eq!(t.since(0), Vanished { uids: vec![4, 5, 9], complete: true });
        assert_eq!(t.since(3), Vanished { uids: vec![5], complete: true });
        assert_eq!(t.since(7), Vanished { uids: vec![], complete: true });
        for k in 0..TOMBSTONES as u32 {
            t.push(10 + u64::from(k), 100 + k);
        }
        // The first three were forgotten: a question before mod-sequence 7 is incomplete.
        let v = t.since(6);
        assert!(!v.complete && v.uids.len() == TOMBSTONES);
        assert!(t.since(7).complete);
    }
}

#[cfg(test)]
mod model {
    //! A model of RFC 7162 §3.1 against random APPEND, STORE, EXPUNGE and MOVE calls:
    //! HIGHESTMODSEQ grows by one with each call that changes something and never
    //! otherwise; each message's mod-sequence is that of the last call that changed it;
    //! VANISHED after any past mod-sequence is exactly what was expunged since.
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use crate::store::memory::MemoryBackend;
    use crate::store::{Backend, SessionId, Stored, Vanished};
    use crate::types::{Flag, StoreKind};

    #[derive(Clone, Debug)]
    enum Op {
        Append,
        Store { pick: Vec<usize>, kind: u8, flag: u8 },
        Expunge { pick: Vec<usize> },
        Move { pick: Vec<usize> },
    }

    fn op() -> impl Strategy<Value = Op> {
        let pick = || proptest::collection::vec(0usize..64, 0..4);
        prop_oneof![
            2 => Just(Op::Append),
            3 => (pick(), 0u8..3, 0u8..3).prop_map(|(pick, kind, flag)| Op::Store { pick, kind, flag }),
            1 => pick().prop_map(|pick| Op::Expunge { pick }),
            1 => pick().prop_map(|pick| Op::Move { pick }),
        ]
    }

    /// The UIDs among `set` whose flags a STORE changed.
    fn changed_of(set: &[u32], out: &[Stored]) -> Vec<u32> {
        set.iter().zip(out).filter(|(_, s)| matches!(s, Stored::Changed(_))).map(|(u, _)| *u).collect()
    }

    proptest! {
        #[test]
        fn modseqs_follow_every_change(ops in proptest::collection::vec(op(), 1..40)) {
            let b = MemoryBackend::new();
            b.add_user("u", "p");
            let u = b.login("u", "p").unwrap();
            b.create(&u, "Other").unwrap();
            let highest = || b.status(&u, "INBOX").unwrap().highest_modseq;
            // The model: each live message's mod-sequence, and the expunges with theirs.
            let mut live: BTreeMap<u32, u64> = BTreeMap::new();
            let mut gone: Vec<(u64, u32)> = Vec::new();
            let mut h = highest();
            let mut history = vec![h];
            for op in ops {
                let uids: Vec<u32> = live.keys().copied().collect();
                let chosen = |pick: &[usize]| -> Vec<u32> {
                    let mut v: Vec<u32> = pick.iter().filter_map(|k| uids.get(k % uids.len().max(1)).copied()).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                };
                match op {
                    Op::Append => {
                        let (_, uid) = b.append(&u, "INBOX", &[], None, "Subject: x\r\n\r\ny".into()).unwrap();
                        h += 1;
                        live.insert(uid, h);
                    }
                    Op::Store { pick, kind, flag } => {
                        let kind = [StoreKind::Add, StoreKind::Remove, StoreKind::Replace][kind as usize];
                        let flag = [Flag::Seen, Flag::Deleted, Flag::Keyword("k".try_into().unwrap())][flag as usize].clone();
                        let set = chosen(&pick);
                        let out = b.store(&u, "INBOX", &set, kind, &[flag]).unwrap();
                        let changed = changed_of(&set, &out.flags);
                        if !changed.is_empty() {
                            h += 1;
                            for uid in changed {
                                live.insert(uid, h);
                            }
                        }
                    }
                    Op::Expunge { pick } => {
                        let set = chosen(&pick);
                        let out = b.store(&u, "INBOX", &set, StoreKind::Add, &[Flag::Deleted]).unwrap();
                        let changed = changed_of(&set, &out.flags);
                        if !changed.is_empty() {
                            h += 1;
                            for uid in changed {
                                live.insert(uid, h);
                            }
                        }
                        prop_assert_eq!(highest(), h);
                        history.push(h);
                        let out = b.expunge(&u, "INBOX", Some(&set), usize::MAX).unwrap();
                        // Every message with \Deleted among those asked goes.
                        prop_assert_eq!(&out, &set);
                        if !out.is_empty() {
                            h += 1;
                            for uid in out {
                                live.remove(&uid);
                                gone.push((h, uid));
                            }
                        }
                    }
                    Op::Move { pick } => {
                        let set = chosen(&pick);
                        let moved = b.move_messages(&u, "INBOX", SessionId(1), &set, "Other").unwrap();
                        if !moved.source.is_empty() {
                            h += 1;
                            for uid in moved.source {
                                live.remove(&uid);
                                gone.push((h, uid));
                            }
                        }
                    }
                }
                prop_assert_eq!(highest(), h);
                history.push(h);
                let uids: Vec<u32> = live.keys().copied().collect();
                let got = b.fetch_meta(&u, "INBOX", SessionId(9), &uids).unwrap();
                for (m, (uid, modseq)) in got.iter().zip(&live) {
                    prop_assert_eq!(m.as_ref().map(|m| m.modseq), Some(*modseq), "UID {}", uid);
                }
            }
            for since in history {
                let mut want: Vec<u32> = gone.iter().filter(|(m, _)| *m > since).map(|(_, u)| *u).collect();
                want.sort_unstable();
                prop_assert_eq!(b.vanished(&u, "INBOX", since).unwrap(), Vanished { uids: want, complete: true });
            }
        }
    }
}
