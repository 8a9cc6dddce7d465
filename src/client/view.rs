//! A mailbox as the client was told it: sequence number → UID and flags, following
//! EXISTS, EXPUNGE, FETCH (UID, FLAGS) and FLAGS (RFC 3501 §7.3.1, §7.4.1, §7.4.2,
//! §7.2.6), and VANISHED (RFC 7162 §3.2.10). Feed it every untagged [`Data`] of the selected mailbox, solicited or not;
//! what it does not know (a message announced by EXISTS and never fetched) stays `None`.
//!
//! ```
//! use std::num::NonZeroU32;
//! use imap_machine::client::MailboxView;
//! use imap_machine::types::{Data, FetchItem, Flag, FlagFetch};
//! let mut v = MailboxView::default();
//! v.apply(&Data::Exists(2)).unwrap();
//! let one = NonZeroU32::new(1).unwrap();
//! v.apply(&Data::Fetch { seq: one, items: vec![FetchItem::Uid(7), FetchItem::Flags(vec![FlagFetch::Flag(Flag::Seen)])] }).unwrap();
//! v.apply(&Data::Expunge(NonZeroU32::new(2).unwrap())).unwrap();
//! assert_eq!(v.len(), 1);
//! assert_eq!(v.uid(1), Some(7));
//! assert_eq!(v.flags(1), Some(&[Flag::Seen][..]));
//! ```

use crate::codec::FetchMessage;
use crate::types::{Data, FetchItem, Flag, FlagFetch};

/// One message as the client knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageView {
    /// Its UID, once a FETCH told it.
    pub uid: Option<u32>,
    /// Its flags (without `\Recent`), as the last FETCH FLAGS told them.
    pub flags: Option<Vec<Flag>>,
    /// Whether the last FETCH FLAGS had `\Recent`.
    pub recent: bool,
    /// Its mod-sequence, as the last FETCH with MODSEQ told it (RFC 7162 §3.1.4.1).
    pub modseq: Option<u64>,
}

/// What a server did that the RFC does not allow, as the view saw it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// EXISTS below the number of messages already announced: sequence numbers would
    /// shift without EXPUNGE (RFC 3501 §7.3.1).
    #[error("EXISTS {exists} below the {held} messages announced")]
    ExistsShrank {
        /// The EXISTS.
        exists: u32,
        /// The messages held.
        held: usize,
    },
    /// EXPUNGE or FETCH of a message number the client was never told of.
    #[error("message {seq} of {held}")]
    NoSuchMessage {
        /// The number.
        seq: u32,
        /// The messages held.
        held: usize,
    },
    /// A FETCH told another UID for a message whose UID was known.
    #[error("message {seq} was UID {was}, now UID {now}")]
    UidChanged {
        /// The message.
        seq: u32,
        /// The UID known.
        was: u32,
        /// The UID told.
        now: u32,
    },
    /// A keyword in FETCH FLAGS that no `* FLAGS` listed (RFC 3501 §7.2.6).
    #[error("keyword {0} before FLAGS listed it")]
    UnannouncedKeyword(Flag),
    /// A `VANISHED` (without EARLIER) named UIDs of no message the view holds: either the
    /// server named messages the client was never told of (RFC 7162 §3.2.10.2 forbids
    /// it), or the view never learnt their UIDs. The known ones are removed; sequence
    /// numbers after an unknown one may be off from then on.
    #[error("VANISHED named {missing} UIDs the view does not hold")]
    VanishedUnknown {
        /// How many of the UIDs matched no message.
        missing: u64,
    },
}

/// How many UIDs a `known-uids` set names (`*` as the largest UID).
pub(crate) fn uid_count(uids: &crate::types::SequenceSet) -> u64 {
    uids.resolve(u32::MAX).into_iter().map(|r| u64::from(r.end() - r.start()) + 1).sum()
}

/// See the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailboxView {
    messages: Vec<MessageView>,
    /// The flags of the last `* FLAGS`.
    announced: Option<Vec<Flag>>,
}

impl MailboxView {
    /// Messages announced.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether no message is announced.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Message `seq` (1-based).
    pub fn get(&self, seq: u32) -> Option<&MessageView> {
        self.messages.get((seq as usize).checked_sub(1)?)
    }

    /// The UID of message `seq`, if known.
    pub fn uid(&self, seq: u32) -> Option<u32> {
        self.get(seq)?.uid
    }

    /// The flags of message `seq`, if known.
    pub fn flags(&self, seq: u32) -> Option<&[Flag]> {
        self.get(seq)?.flags.as_deref()
    }

    /// The sequence number of `uid`, if the view knows it.
    pub fn seq_of(&self, uid: u32) -> Option<u32> {
        self.messages.iter().position(|m| m.uid == Some(uid)).map(|k| k as u32 + 1)
    }

    /// Every message, in sequence order.
    pub fn messages(&self) -> &[MessageView] {
        &self.messages
    }

    /// Follows one untagged response. Anything else than EXISTS, EXPUNGE, FETCH, FLAGS and
    /// VANISHED is ignored. A violation is reported and the view still follows the server.
    /// `VANISHED` (RFC 7162 §3.2.10.2) removes the messages of those UIDs as EXPUNGE
    /// would; `VANISHED (EARLIER)` tells of messages already gone and changes nothing.
    pub fn apply(&mut self, data: &Data) -> Result<(), ViewError> {
        match data {
            Data::Exists(n) => {
                let held = self.messages.len();
                if (*n as usize) < held {
                    return Err(ViewError::ExistsShrank { exists: *n, held });
                }
                self.messages.resize(*n as usize, MessageView::default());
            }
            Data::Expunge(seq) => {
                let k = seq.get() as usize;
                if k > self.messages.len() {
                    return Err(ViewError::NoSuchMessage { seq: seq.get(), held: self.messages.len() });
                }
                self.messages.remove(k - 1);
            }
            // A UID the view does not know may name a message announced by EXISTS whose UID
            // was never told (RFC 7162 §3.2.10.2): see `vanish`.
            Data::Vanished { earlier: false, uids } => {
                let forget = |m: &mut MessageView| *m = MessageView::default();
                let missing = super::vanish::vanish(&mut self.messages, uids, |m| m.uid, forget).missing;
                if missing > 0 {
                    return Err(ViewError::VanishedUnknown { missing });
                }
            }
            Data::Flags(flags) => self.announced = Some(flags.clone()),
            Data::Fetch { seq, items } => {
                let uid = items.iter().find_map(|i| if let FetchItem::Uid(u) = i { Some(*u) } else { None });
                let flags = items.iter().find_map(|i| if let FetchItem::Flags(f) = i { Some(f) } else { None });
                let modseq = items.iter().find_map(|i| if let FetchItem::ModSeq(m) = i { Some(*m) } else { None });
                return self.fetched(seq.get(), uid, modseq, flags.map(|f| f.iter().cloned()));
            }
            _ => {}
        }
        Ok(())
    }

    /// Follows a FETCH response read in place (what the adapters get with
    /// [`ClientOptions::fetch_messages`](super::ClientOptions::fetch_messages)).
    pub fn apply_fetch(&mut self, message: &FetchMessage) -> Result<(), ViewError> {
        let flags = message.flags().map(|f| f.map(|f| f.to_flag_fetch()));
        self.fetched(message.seq(), message.uid(), message.modseq(), flags)
    }

    /// Message `seq` has `uid` and `flags`, as far as they were sent. A keyword is kept
    /// as the `* FLAGS` list has it, or as a copy: never as a slice of a read buffer,
    /// which it would keep alive.
    fn fetched(
        &mut self,
        seq: u32,
        uid: Option<u32>,
        modseq: Option<u64>,
        flags: Option<impl Iterator<Item = FlagFetch>>,
    ) -> Result<(), ViewError> {
        let held = self.messages.len();
        let Some(m) = (seq as usize).checked_sub(1).and_then(|k| self.messages.get_mut(k)) else {
            return Err(ViewError::NoSuchMessage { seq, held });
        };
        if modseq.is_some() {
            m.modseq = modseq;
        }
        let mut problem = None;
        if let Some(u) = uid {
            if let Some(was) = m.uid.filter(|was| *was != u) {
                problem = Some(ViewError::UidChanged { seq, was, now: u });
            }
            m.uid = Some(u);
        }
        if let Some(ff) = flags {
            let mut flags = Vec::new();
            m.recent = false;
            for f in ff {
                match f {
                    FlagFetch::Recent => m.recent = true,
                    FlagFetch::Flag(f @ Flag::Keyword(_)) => {
                        let listed = self.announced.as_ref().and_then(|a| a.iter().find(|x| **x == f));
                        match listed {
                            Some(l) => flags.push(l.clone()),
                            None => {
                                if self.announced.is_some() && problem.is_none() {
                                    problem = Some(ViewError::UnannouncedKeyword(f.clone()));
                                }
                                flags.push(f.detached());
                            }
                        }
                    }
                    FlagFetch::Flag(f) => flags.push(f),
                }
            }
            m.flags = Some(flags);
        }
        problem.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn n(x: u32) -> NonZeroU32 {
        NonZeroU32::new(x).unwrap()
    }

    #[test]
    fn violations_are_reported() {
        let mut v = MailboxView::default();
        v.apply(&Data::Flags(vec![Flag::Seen])).unwrap();
        v.apply(&Data::Exists(3)).unwrap();
        assert!(matches!(v.apply(&Data::Exists(2)), Err(ViewError::ExistsShrank { .. })));
        v.apply(&Data::Fetch { seq: n(2), items: vec![FetchItem::Uid(5)] }).unwrap();
        assert!(matches!(
            v.apply(&Data::Fetch { seq: n(2), items: vec![FetchItem::Uid(6)] }),
            Err(ViewError::UidChanged { seq: 2, was: 5, now: 6 })
        ));
        let kw = Flag::parse("$label").unwrap();
        assert_eq!(
            v.apply(&Data::Fetch { seq: n(1), items: vec![FetchItem::Flags(vec![FlagFetch::Flag(kw.clone())])] }),
            Err(ViewError::UnannouncedKeyword(kw))
        );
        assert!(matches!(v.apply(&Data::Expunge(n(9))), Err(ViewError::NoSuchMessage { .. })));
        v.apply(&Data::Expunge(n(1))).unwrap();
        assert_eq!((v.len(), v.uid(1), v.seq_of(6)), (2, Some(6), Some(1)));
    }

    fn vanished(earlier: bool, uids: &str) -> Data {
        Data::Vanished { earlier, uids: uids.parse().unwrap() }
    }

    #[test]
    fn vanished_removes_by_uid_and_earlier_does_not() {
        let mut v = MailboxView::default();
        v.apply(&Data::Exists(5)).unwrap();
        for (seq, uid) in [(1, 10), (2, 20), (3, 30), (4, 40), (5, 50)] {
            v.apply(&Data::Fetch { seq: n(seq), items: vec![FetchItem::Uid(uid)] }).unwrap();
        }
        v.apply(&vanished(true, "10:30")).unwrap();
        assert_eq!(v.len(), 5, "EARLIER: already gone, nothing shifts");
        v.apply(&vanished(false, "20,40")).unwrap();
        assert_eq!(v.messages().iter().map(|m| m.uid).collect::<Vec<_>>(), vec![Some(10), Some(30), Some(50)]);
        assert_eq!((v.seq_of(30), v.seq_of(50)), (Some(2), Some(3)), "later messages move down");
        assert_eq!(v.apply(&vanished(false, "50:51")), Err(ViewError::VanishedUnknown { missing: 1 }));
        assert_eq!(v.len(), 2);
    }
}
