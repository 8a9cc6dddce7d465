//! Which command an untagged response answers (RFC 3501 §7: untagged data is not tied to
//! a tag, so the client decides).
//!
//! A FETCH response answers the first in-flight FETCH or STORE (without `.SILENT`) whose set
//! holds its message — by sequence number, or for a UID command by the UID it carries — and
//! that has not had that message's answer yet; for a FETCH of more than flags it must carry
//! an item other than FLAGS and UID, so a flag change that another session made (or the
//! server's implicit `\Seen`, sent apart) is not taken for the answer. A LIST with the
//! STATUS return option (RFC 5819) also takes the STATUS of each mailbox it listed. SEARCH, LIST, LSUB,
//! STATUS (for its mailbox), CAPABILITY, NAMESPACE, ID and ENABLED answer the first
//! in-flight command of their kind; EXPUNGE answers an EXPUNGE, UID EXPUNGE or MOVE; the
//! mailbox data of a SELECT or EXAMINE answers it. A raw command (the extension point,
//! [`CommandBody::Raw`]) takes the untagged data named after it or after a name it
//! declared ([`crate::types::RawCommand::answered_by`]). Everything else is unsolicited.

use crate::types::{CommandBody, Data, FetchAttribute, FetchItem, Mailbox, SeqNumber, Sequence, SequenceSet};

/// What untagged data a command collects.
#[derive(Clone, Debug)]
pub(super) enum Collects {
    /// Nothing: its untagged data is unsolicited.
    Nothing,
    /// FETCH responses for `set` (UIDs if `uid`); `flags_only`: the command asked for no
    /// more than FLAGS and UID. `answered` marks the messages already answered.
    /// `stream`: a FETCH (not a STORE), whose answers may stay in place.
    Fetch { set: SequenceSet, uid: bool, flags_only: bool, answered: Answered, stream: bool },
    /// SEARCH results.
    Search,
    /// SORT or THREAD results (RFC 5256), and ESEARCH for an ESORT (RFC 5267 §3).
    Sort,
    /// QUOTA and QUOTAROOT (RFC 9208).
    Quota,
    /// METADATA with values (RFC 5464 §4.2).
    Metadata,
    /// LIST responses; with the STATUS return option (RFC 5819 §2, `status`), also the
    /// STATUS of each mailbox it has listed.
    List {
        /// The command asked for STATUS.
        status: bool,
        /// The mailboxes listed so far (when `status`).
        listed: Vec<Mailbox>,
    },
    /// LSUB responses.
    Lsub,
    /// The STATUS of this mailbox (wire name).
    Status(Vec<u8>),
    /// CAPABILITY.
    Capability,
    /// NAMESPACE.
    Namespace,
    /// ID.
    Id,
    /// ENABLED.
    Enabled,
    /// EXPUNGE responses.
    Expunge,
    /// The mailbox data of a SELECT or EXAMINE.
    Select,
    /// The same with QRESYNC (RFC 7162 §3.2.5), and the FETCH responses that tell what
    /// changed since the client's state.
    Resync,
    /// GENURLAUTH (RFC 4467).
    GenUrlAuth,
    /// URLFETCH (RFC 4467).
    UrlFetch,
    /// Untagged data of these names (a raw command's own and the declared ones).
    Named(Vec<crate::types::Atom>),
}

/// The name untagged data carries on the wire (`* [n] NAME ...`).
fn data_name(data: &Data) -> &str {
    match data {
        Data::Capability(_) => "CAPABILITY",
        Data::List(_) => "LIST",
        Data::Lsub(_) => "LSUB",
        Data::Status { .. } => "STATUS",
        Data::Search { .. } => "SEARCH",
        Data::ESearch { .. } => "ESEARCH",
        Data::Sort { .. } => "SORT",
        Data::Thread(_) => "THREAD",
        Data::Quota { .. } => "QUOTA",
        Data::Metadata { .. } => "METADATA",
        Data::QuotaRoot { .. } => "QUOTAROOT",
        Data::Flags(_) => "FLAGS",
        Data::Exists(_) => "EXISTS",
        Data::Recent(_) => "RECENT",
        Data::Expunge(_) => "EXPUNGE",
        Data::Vanished { .. } => "VANISHED",
        Data::Fetch { .. } => "FETCH",
        Data::Enabled(_) => "ENABLED",
        Data::Namespace { .. } => "NAMESPACE",
        Data::Id(_) => "ID",
        Data::GenUrlAuth(_) => "GENURLAUTH",
        Data::UrlFetch(_) => "URLFETCH",
        Data::Other { name, .. } => name.as_str(),
        #[allow(unreachable_patterns)]
        _ => "",
    }
}

/// Messages already answered, as a bitmap by sequence number or UID (flat: 1 bit each).
#[derive(Clone, Debug, Default)]
pub(super) struct Answered(Vec<u64>);

impl Answered {
    /// Marks `n`; whether it was new.
    fn mark(&mut self, n: u32) -> bool {
        let (w, bit) = ((n / 64) as usize, 1u64 << (n % 64));
        if w >= self.0.len() {
            self.0.resize(w + 1, 0);
        }
        let new = self.0[w] & bit == 0;
        self.0[w] |= bit;
        new
    }
}

fn covers(set: &SequenceSet, n: u32, max: u32) -> bool {
    // `$` (RFC 5182): the server's saved result, which the client does not know: any.
    if set.is_saved() {
        return true;
    }
    // `*` alone (or as a range end) reaches past what the client knows: take it as open.
    set.elements().iter().any(|s| match *s {
        Sequence::Single(SeqNumber::Asterisk) => true,
        Sequence::Single(SeqNumber::Value(v)) => v.get() == n,
        Sequence::Range(a, b) => {
            let lo = match (a, b) {
                (SeqNumber::Value(x), SeqNumber::Value(y)) => x.get().min(y.get()),
                (SeqNumber::Value(x), SeqNumber::Asterisk) | (SeqNumber::Asterisk, SeqNumber::Value(x)) => {
                    x.get().min(max.max(1))
                }
                (SeqNumber::Asterisk, SeqNumber::Asterisk) => return true,
            };
            let hi = match (a, b) {
                (SeqNumber::Value(x), SeqNumber::Value(y)) => x.get().max(y.get()),
                _ => u32::MAX,
            };
            (lo..=hi).contains(&n)
        }
    })
}

impl Collects {
    /// What `body` collects.
    pub(super) fn of(body: &CommandBody) -> Collects {
        match body {
            CommandBody::Fetch { set, attributes, uid, .. } => {
                let atts = attributes.to_vec();
                let flags_only = atts.iter().all(|a| matches!(a, FetchAttribute::Flags | FetchAttribute::Uid));
                Collects::Fetch { set: set.clone(), uid: *uid, flags_only, answered: Answered::default(), stream: true }
            }
            CommandBody::Store { set, silent: false, uid, .. } => Collects::Fetch {
                set: set.clone(),
                uid: *uid,
                flags_only: true,
                answered: Answered::default(),
                stream: false,
            },
            CommandBody::Search { .. } => Collects::Search,
            CommandBody::Sort { .. } | CommandBody::Thread { .. } => Collects::Sort,
            CommandBody::GetQuota { .. } | CommandBody::GetQuotaRoot { .. } | CommandBody::SetQuota { .. } => {
                Collects::Quota
            }
            CommandBody::GetMetadata { .. } => Collects::Metadata,
            CommandBody::GenUrlAuth { .. } => Collects::GenUrlAuth,
            CommandBody::UrlFetch { .. } => Collects::UrlFetch,
            CommandBody::List { options, .. } => Collects::List {
                status: options.as_ref().is_some_and(|o| o.status_items().is_some()),
                listed: Vec::new(),
            },
            CommandBody::Lsub { .. } => Collects::Lsub,
            CommandBody::Status { mailbox, .. } => Collects::Status(mailbox.as_wire().to_vec()),
            CommandBody::Capability => Collects::Capability,
            CommandBody::Namespace => Collects::Namespace,
            CommandBody::Id { .. } => Collects::Id,
            CommandBody::Enable { .. } => Collects::Enabled,
            CommandBody::Expunge | CommandBody::UidExpunge { .. } | CommandBody::Move { .. } => Collects::Expunge,
            CommandBody::Select { params, .. } | CommandBody::Examine { params, .. }
                if params.iter().any(|p| matches!(p, crate::types::SelectParam::QResync(_))) =>
            {
                Collects::Resync
            }
            CommandBody::Select { .. } | CommandBody::Examine { .. } => Collects::Select,
            CommandBody::Raw(raw) => {
                Collects::Named(std::iter::once(raw.name()).chain(raw.answers()).cloned().collect())
            }
            _ => Collects::Nothing,
        }
    }

    /// Whether this is a FETCH that asks for more than FLAGS and UID: the command a
    /// streamed body answers ([`super::body`]).
    pub(super) fn asks_bodies(&self) -> bool {
        matches!(self, Collects::Fetch { flags_only: false, stream: true, .. })
    }

    /// Whether a FETCH response of message `seq` (with `uid`, and an item other than
    /// FLAGS and UID if `substantive`) answers this command, marking it answered:
    /// `Some(stream)` if so, `stream` telling a FETCH from a STORE.
    pub(super) fn takes_fetch(&mut self, seq: u32, uid: Option<u32>, substantive: bool, exists: u32) -> Option<bool> {
        if matches!(self, Collects::Resync) {
            // Owned data, as a SELECT's answer.
            return Some(false);
        }
        let Collects::Fetch { set, uid: by_uid, flags_only, answered, stream } = self else { return None };
        let key = if *by_uid { uid? } else { seq };
        if !covers(set, key, if *by_uid { u32::MAX } else { exists }) {
            return None;
        }
        ((*flags_only || substantive) && answered.mark(key)).then_some(*stream)
    }

    /// Whether `data` answers this command (and, for FETCH, marks its message answered).
    /// `exists` is the client's message count, for `*` in sequence sets.
    pub(super) fn takes(&mut self, data: &Data, exists: u32) -> bool {
        match (self, data) {
            (c @ (Collects::Fetch { .. } | Collects::Resync), Data::Fetch { seq, items }) => {
                let uid = items.iter().find_map(|i| if let FetchItem::Uid(u) = i { Some(*u) } else { None });
                let substantive = items.iter().any(|i| !matches!(i, FetchItem::Flags(_) | FetchItem::Uid(_)));
                c.takes_fetch(seq.get(), uid, substantive, exists).is_some()
            }
            (Collects::Search, Data::Search { .. } | Data::ESearch { tag: None, .. })
            | (Collects::Sort, Data::Sort { .. } | Data::Thread(_) | Data::ESearch { tag: None, .. })
            | (Collects::Quota, Data::Quota { .. } | Data::QuotaRoot { .. })
            | (Collects::Metadata, Data::Metadata { items: crate::types::MetadataItems::Values(_), .. })
            | (Collects::Lsub, Data::Lsub(_))
            | (Collects::Capability, Data::Capability(_))
            | (Collects::Namespace, Data::Namespace { .. })
            | (Collects::Id, Data::Id(_))
            | (Collects::GenUrlAuth, Data::GenUrlAuth(_))
            | (Collects::UrlFetch, Data::UrlFetch(_))
            | (Collects::Enabled, Data::Enabled(_))
            | (Collects::Expunge, Data::Expunge(_) | Data::Vanished { earlier: false, .. }) => true,
            // RFC 7162 §3.2.10.1: VANISHED (EARLIER) answers a UID FETCH (VANISHED) or a
            // SELECT/EXAMINE (QRESYNC).
            (
                Collects::Fetch { uid: true, .. } | Collects::Select | Collects::Resync,
                Data::Vanished { earlier: true, .. },
            ) => true,
            (Collects::List { status, listed }, Data::List(item)) => {
                if *status {
                    listed.push(item.mailbox.clone());
                }
                true
            }
            (Collects::List { status: true, listed }, Data::Status { mailbox, .. }) => listed.contains(mailbox),
            (Collects::Status(name), Data::Status { mailbox, .. }) => mailbox.as_wire() == name.as_slice(),
            (Collects::Select | Collects::Resync, Data::Exists(_) | Data::Recent(_) | Data::Flags(_)) => true,
            (Collects::Named(names), d) => {
                let name = data_name(d);
                names.iter().any(|n| n.as_str().eq_ignore_ascii_case(name))
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    #[test]
    fn list_status_takes_the_status_of_listed_mailboxes() {
        use crate::types::{IString, ListItem, ListMailbox, ListOptions, ListReturnOption, StatusItem};
        let mbx = |s: &'static str| Mailbox::from_wire(IString::from_static(s));
        let list = |s: &'static str| {
            Data::List(ListItem { attributes: vec![], delimiter: Some('/'), mailbox: mbx(s), extended: vec![] })
        };
        let status = |s: &'static str| Data::Status {
            mailbox: mbx(s),
            items: vec![(StatusItem::Messages, 1)],
            mailbox_id: None,
        };
        let options =
            ListOptions { selection: vec![], returns: vec![ListReturnOption::Status(vec![StatusItem::Messages])] };
        let body = CommandBody::List {
            reference: mbx(""),
            patterns: vec![ListMailbox::try_from("*").unwrap()],
            options: Some(options),
        };
        let mut c = Collects::of(&body);
        assert!(!c.takes(&status("a"), 0), "not listed yet");
        assert!(c.takes(&list("a"), 0));
        assert!(c.takes(&status("a"), 0));
        assert!(!c.takes(&status("b"), 0));
        // Without the STATUS return option, STATUS is not the LIST's.
        let mut c = Collects::of(&CommandBody::list(mbx(""), ListMailbox::try_from("*").unwrap()));
        assert!(c.takes(&list("a"), 0));
        assert!(!c.takes(&status("a"), 0));
    }

    fn fetch(seq: u32, items: Vec<FetchItem>) -> Data {
        Data::Fetch { seq: NonZeroU32::new(seq).unwrap(), items }
    }

    #[test]
    fn fetch_answers_are_told_from_flag_changes() {
        let body = CommandBody::Fetch {
            set: "2".parse().unwrap(),
            attributes: crate::types::FetchAttributes::List(vec![FetchAttribute::Envelope]),
            uid: false,
            modifiers: vec![],
        };
        let mut c = Collects::of(&body);
        let flags = || vec![FetchItem::Flags(vec![])];
        assert!(!c.takes(&fetch(1, flags()), 3), "another message's flag change");
        assert!(!c.takes(&fetch(2, flags()), 3), "a flag change of the message itself");
        let env = vec![FetchItem::Rfc822Size(42)];
        assert!(c.takes(&fetch(2, env.clone()), 3));
        assert!(!c.takes(&fetch(2, env), 3), "answered once");
        // FETCH (FLAGS): the first FLAGS of each message in the set is the answer.
        let body = CommandBody::Fetch {
            set: "1:*".parse().unwrap(),
            attributes: crate::types::FetchAttributes::List(vec![FetchAttribute::Flags]),
            uid: false,
            modifiers: vec![],
        };
        let mut c = Collects::of(&body);
        assert!(c.takes(&fetch(1, flags()), 3));
        assert!(c.takes(&fetch(3, flags()), 3));
        assert!(!c.takes(&fetch(1, flags()), 3), "a later change of message 1 is unsolicited");
        // UID FETCH: by the UID the response carries.
        let body = CommandBody::Fetch {
            set: "10:20".parse().unwrap(),
            attributes: crate::types::FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]),
            uid: true,
            modifiers: vec![],
        };
        let mut c = Collects::of(&body);
        assert!(c.takes(&fetch(1, vec![FetchItem::Uid(12), FetchItem::Flags(vec![])]), 3));
        assert!(!c.takes(&fetch(2, vec![FetchItem::Uid(30), FetchItem::Flags(vec![])]), 3));
        assert!(!c.takes(&fetch(3, flags()), 3), "no UID: not an answer to UID FETCH");
    }
}
