//! SORT and THREAD in the store (RFC 5256, RFC 5957): the keys of the messages a search
//! found, read from the store's cached parse ([`super::ParsedMessage`]: ENVELOPE and
//! References), and the order or threads they give.
//!
//! A message is read once per command: a store that keeps the parse
//! ([`Backend::fetch_parsed`]) is never asked for the message; one that keeps none is
//! asked for the messages whose keys need them, each parsed once. ARRIVAL and SIZE need
//! no message at all ([`Backend::fetch_meta`]).
//!
//! The keys, as Dovecot computes them (RFC 5256 §3 leaves their details to RFC 5255's
//! comparator, `i;unicode-casemap`, and to the message):
//! - ARRIVAL: INTERNALDATE; SIZE: RFC822.SIZE;
//! - DATE: the Date field in UTC (RFC 5256 §2.2), INTERNALDATE when it is missing or
//!   unreadable;
//! - SUBJECT: the base subject (§2.1), compared by `i;unicode-casemap`;
//! - FROM, TO, CC: the addr-mailbox of the first address, by `i;unicode-casemap`; an
//!   empty string when there is none;
//! - DISPLAYFROM, DISPLAYTO (RFC 5957 §3.1): the decoded display name of the first
//!   address, or its `mailbox@host` without one;
//! - equal keys: the order of the sequence numbers (RFC 5256 §3: "in order of their
//!   sequence numbers"), never reversed by REVERSE.

use std::cmp::Ordering;

use bytes::Bytes;

use super::{Backend, MessageData, ParsedMessage, SessionId, StoreError};
use crate::codec::{FetchItemView, FetchTape, StrView};
use crate::mime::collate;
use crate::mime::thread::{self, ThreadMessage};
use crate::types::{SortCriterion, SortKey, Thread, ThreadAlgorithm};

/// How many messages are read from the store per call.
const CHUNK: usize = 1024;

/// What a SORT or THREAD asks of the messages it orders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Order {
    /// SORT by these criteria, most significant first.
    Sort(Vec<SortCriterion>),
    /// THREAD by this algorithm (ORDEREDSUBJECT or REFERENCES).
    Thread(ThreadAlgorithm),
}

/// The answer of [`order`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ordered {
    /// The positions in `hits` of the messages, in sort order.
    Sorted(Vec<usize>),
    /// The threads, with the numbers of `hits`.
    Threads(Vec<Thread>),
}

/// One message's keys: only the ones asked for are filled in.
#[derive(Debug, Default)]
struct Keys {
    arrival: i64,
    size: u32,
    sent: i64,
    subject: String,
    reply: bool,
    from: String,
    to: String,
    cc: String,
    display_from: String,
    display_to: String,
    message_id: Option<Bytes>,
    references: Vec<Bytes>,
}

/// Which keys to compute.
#[derive(Clone, Copy, Debug, Default)]
struct Need {
    /// Any key read from the ENVELOPE (every one but ARRIVAL and SIZE).
    envelope: bool,
    subject: bool,
    sent: bool,
    from: bool,
    to: bool,
    cc: bool,
    display_from: bool,
    display_to: bool,
    /// Message-ID, In-Reply-To and References (THREAD=REFERENCES).
    links: bool,
}

impl Need {
    fn of(order: &Order) -> Need {
        let mut n = Need::default();
        match order {
            Order::Sort(criteria) => {
                for c in criteria {
                    match c.key {
                        SortKey::Arrival | SortKey::Size => {}
                        SortKey::Date => n.sent = true,
                        SortKey::Subject => n.subject = true,
                        SortKey::From => n.from = true,
                        SortKey::To => n.to = true,
                        SortKey::Cc => n.cc = true,
                        SortKey::DisplayFrom => n.display_from = true,
                        SortKey::DisplayTo => n.display_to = true,
                    }
                }
            }
            Order::Thread(algorithm) => {
                n.sent = true;
                n.subject = true;
                n.links = *algorithm == ThreadAlgorithm::References;
            }
        }
        n.envelope = n.sent || n.subject || n.from || n.to || n.cc || n.display_from || n.display_to || n.links;
        n
    }
}

/// Orders `hits` (`(number, UID)` of the messages a search found, in mailbox order; the
/// number is what the answer carries, a sequence number or the UID) as `order` asks. A
/// message the store no longer has sorts with empty keys and INTERNALDATE 0.
pub fn order<B: Backend + ?Sized>(
    backend: &B,
    user: &B::User,
    name: &str,
    session: SessionId,
    hits: &[(u32, u32)],
    order: &Order,
) -> Result<Ordered, StoreError> {
    let need = Need::of(order);
    let keys = keys(backend, user, name, session, hits, need)?;
    Ok(match order {
        Order::Sort(criteria) => {
            let mut at: Vec<usize> = (0..hits.len()).collect();
            // Stable, and `at` is in sequence order: equal keys keep it.
            at.sort_by(|&a, &b| compare(&keys[a], &keys[b], criteria));
            Ordered::Sorted(at)
        }
        Order::Thread(algorithm) => {
            let msgs: Vec<ThreadMessage<'_>> = keys
                .iter()
                .zip(hits)
                .map(|(k, &(id, _))| ThreadMessage {
                    id,
                    sent: k.sent,
                    subject: &k.subject,
                    reply: k.reply,
                    message_id: k.message_id.as_deref(),
                    references: k.references.iter().map(|r| &r[..]).collect(),
                })
                .collect();
            Ordered::Threads(match algorithm {
                ThreadAlgorithm::References => thread::references(&msgs),
                _ => thread::ordered_subject(&msgs),
            })
        }
    })
}

/// Where the message `uid` goes in `sorted` (UIDs in the order `criteria` gives, equal
/// keys in UID order, as a SORT leaves them): the index it takes. For CONTEXT=SORT
/// (RFC 5267 §4.3.3), whose ADDTO names the position. Reads the keys of `uid` and of the
/// O(log n) messages the binary search visits, each once.
pub fn insertion_point<B: Backend + ?Sized>(
    backend: &B,
    user: &B::User,
    name: &str,
    session: SessionId,
    sorted: &[u32],
    uid: u32,
    criteria: &[SortCriterion],
) -> Result<usize, StoreError> {
    let need = Need::of(&Order::Sort(criteria.to_vec()));
    let key_of = |u: u32| keys(backend, user, name, session, &[(u, u)], need).map(|mut v| v.pop().unwrap_or_default());
    let new = key_of(uid)?;
    let (mut lo, mut hi) = (0, sorted.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at = key_of(sorted[mid])?;
        if compare(&at, &new, criteria).then(sorted[mid].cmp(&uid)) == Ordering::Less {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// Compares two messages by `criteria`; equal when every key is.
fn compare(a: &Keys, b: &Keys, criteria: &[SortCriterion]) -> Ordering {
    for c in criteria {
        let o = match c.key {
            SortKey::Arrival => a.arrival.cmp(&b.arrival),
            SortKey::Size => a.size.cmp(&b.size),
            SortKey::Date => a.sent.cmp(&b.sent),
            SortKey::Subject => a.subject.cmp(&b.subject),
            SortKey::From => a.from.cmp(&b.from),
            SortKey::To => a.to.cmp(&b.to),
            SortKey::Cc => a.cc.cmp(&b.cc),
            SortKey::DisplayFrom => a.display_from.cmp(&b.display_from),
            SortKey::DisplayTo => a.display_to.cmp(&b.display_to),
        };
        let o = if c.reverse { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The keys of every hit, read in chunks of [`CHUNK`] messages.
fn keys<B: Backend + ?Sized>(
    backend: &B,
    user: &B::User,
    name: &str,
    session: SessionId,
    hits: &[(u32, u32)],
    need: Need,
) -> Result<Vec<Keys>, StoreError> {
    let mut out = Vec::with_capacity(hits.len());
    let mut tape = FetchTape::new();
    for chunk in hits.chunks(CHUNK) {
        let uids: Vec<u32> = chunk.iter().map(|&(_, u)| u).collect();
        if !need.envelope {
            for m in backend.fetch_meta(user, name, session, &uids)? {
                out.push(meta_keys(m.as_ref()));
            }
            continue;
        }
        let mut data = backend.fetch_parsed(user, name, session, &uids)?;
        // A store that keeps no parse: the messages, each parsed once, here.
        let missing: Vec<u32> = data
            .iter()
            .zip(&uids)
            .filter(|(m, _)| m.as_ref().is_some_and(|m| m.parsed.is_none()))
            .map(|(_, u)| *u)
            .collect();
        if !missing.is_empty() {
            let mut whole = backend.fetch(user, name, session, &missing)?.into_iter();
            for m in data.iter_mut().flatten().filter(|m| m.parsed.is_none()) {
                if let Some(Some(w)) = whole.next() {
                    m.parsed = Some(std::sync::Arc::new(ParsedMessage::of(&w.body)));
                }
            }
        }
        for m in data {
            let mut k = meta_keys(m.as_ref());
            if let Some(parsed) = m.as_ref().and_then(|m| m.parsed.as_deref()) {
                envelope_keys(&mut tape, parsed, need, &mut k);
            } else {
                k.sent = k.arrival;
            }
            out.push(k);
        }
    }
    Ok(out)
}

/// ARRIVAL and SIZE.
fn meta_keys(m: Option<&MessageData>) -> Keys {
    let mut k = Keys::default();
    if let Some(m) = m {
        k.arrival = m.internal_date.as_chrono().timestamp();
        k.size = m.size;
    }
    k
}

/// The keys read from the kept ENVELOPE and References.
fn envelope_keys(tape: &mut FetchTape, parsed: &ParsedMessage, need: Need, k: &mut Keys) {
    k.sent = k.arrival;
    let Ok(view) = tape.parse(parsed.wire()) else { return };
    let Some(env) = view.envelope() else { return };
    let bytes = |s: Option<StrView<'_>>| s.map(|s| s.value().into_owned());
    // A field kept beside the ENVELOPE (`BODY[HEADER.FIELDS (name)]`, ParsedMessage::field).
    let field = |name: &'static str| {
        view.items().find_map(|i| match i {
            FetchItemView::BodySection { section, data: Some(d), .. } if section_is(&section, name) => {
                Some(d.value().into_owned())
            }
            _ => None,
        })
    };
    if need.sent {
        if let Some(t) = collate::sent_date(field("DATE").or_else(|| bytes(env.date())).as_deref()) {
            k.sent = t;
        }
    }
    if need.subject {
        let base = collate::sort_base_subject(field("SUBJECT").or_else(|| bytes(env.subject())).as_deref());
        k.subject = base.text;
        k.reply = base.reply;
    }
    let mailbox = |a: crate::codec::Addresses<'_>| {
        a.into_iter().next().and_then(|a| a.mailbox()).map(|m| collate::casemap(&m.to_str_lossy())).unwrap_or_default()
    };
    let display = |a: crate::codec::Addresses<'_>| {
        a.into_iter()
            .next()
            .map(|a| {
                let (n, m, h) = (bytes(a.name()), bytes(a.mailbox()), bytes(a.host()));
                // An empty name in the ENVELOPE was a phrase of white space alone (an
                // empty one is NIL): Dovecot sorts it by that white space, before any
                // text and after no address at all.
                if n.as_deref() == Some(&b""[..]) {
                    return " ".to_string();
                }
                collate::casemap(&collate::display_address(n.as_deref(), m.as_deref(), h.as_deref()))
            })
            .unwrap_or_default()
    };
    if need.from {
        k.from = mailbox(env.from());
    }
    if need.to {
        k.to = mailbox(env.to());
    }
    if need.cc {
        k.cc = mailbox(env.cc());
    }
    if need.display_from {
        k.display_from = display(env.from());
    }
    if need.display_to {
        k.display_to = display(env.to());
    }
    if need.links {
        let id = bytes(env.message_id());
        k.message_id = id.as_deref().and_then(collate::message_id).map(|m| Bytes::copy_from_slice(&m));
        let refs = field("REFERENCES");
        let mut links: Vec<Bytes> = refs
            .as_deref()
            .map(collate::message_ids)
            .unwrap_or_default()
            .iter()
            .map(|m| Bytes::copy_from_slice(m))
            .collect();
        if links.is_empty() {
            // No References (or none readable): In-Reply-To's first id (RFC 5256 §3
            // REFERENCES step 1.A).
            let irt = bytes(env.in_reply_to());
            let first = irt.as_deref().and_then(collate::message_id);
            links.extend(first.map(|r| Bytes::copy_from_slice(&r)));
        }
        k.references = links;
    }
}

/// Whether a kept section is `HEADER.FIELDS (name)`.
fn section_is(section: &crate::codec::SectionView<'_>, name: &'static str) -> bool {
    section.matches(&crate::types::Section {
        part: Vec::new(),
        text: Some(crate::types::SectionText::HeaderFields(vec![crate::types::IString::from_static(name)])),
    })
}
