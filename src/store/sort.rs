//! SORT and THREAD in the store (RFC 5256, RFC 5957): the keys of the messages a search
//! found, read from the store's cached parse ([`super::ParsedMessage`]: ENVELOPE and
//! References), and the order or threads they give.
//!
//! A message is read once per command: a store that keeps the parse
//! ([`Backend::fetch_parsed`]) is never asked for the message; one that keeps none is
//! asked for the messages whose keys need them, each parsed once. ARRIVAL and SIZE need
//! no message at all ([`Backend::fetch_meta`]).
//!
//! The keys of a message never change (its header, size and dates are fixed), so they are
//! kept beside the parse once a command has computed them ([`SortKeys`], as Dovecot keeps
//! them in `dovecot.index.cache`): a store whose parse lives as long as the message (the
//! memory store) computes each message's keys once, and later SORTs and THREADs only
//! compare. A group of keys is computed when first asked for: a SORT by DATE does not
//! pay for base subjects or References.
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
use std::sync::{Arc, OnceLock};

use super::{Backend, MessageData, ParsedMessage, SessionId, StoreError};
use crate::codec::{Addresses, EnvelopeView, FetchItemView, FetchTape, FetchView, StrView};
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

/// The SORT and THREAD keys of one message, each group computed from the kept parse when
/// a command first needs it, then kept ([`ParsedMessage::sort_keys`]).
#[derive(Default)]
pub struct SortKeys {
    /// The Date field in UTC seconds; `None` inside: missing or unreadable.
    sent: OnceLock<Option<i64>>,
    /// The base subject, casemapped, and whether a reply or forward marker was removed.
    subject: OnceLock<(Box<str>, bool)>,
    /// FROM, TO, CC, DISPLAYFROM, DISPLAYTO, casemapped.
    addresses: OnceLock<[Box<str>; 5]>,
    /// The Message-ID, and the ids of References (In-Reply-To's first without them).
    links: OnceLock<Links>,
}

/// A message's Message-ID and the ids it answers (RFC 5256 §3 REFERENCES step 1.A).
type Links = (Option<Box<[u8]>>, Box<[Box<[u8]>]>);

impl std::fmt::Debug for SortKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SortKeys")
    }
}

/// Which groups of keys to compute.
#[derive(Clone, Copy, Debug, Default)]
struct Need {
    sent: bool,
    subject: bool,
    addresses: bool,
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
                        SortKey::From | SortKey::To | SortKey::Cc | SortKey::DisplayFrom | SortKey::DisplayTo => {
                            n.addresses = true
                        }
                    }
                }
            }
            Order::Thread(algorithm) => {
                n.sent = true;
                n.subject = true;
                n.links = *algorithm == ThreadAlgorithm::References;
            }
        }
        n
    }

    /// Whether any key is read from the parse.
    fn parse(self) -> bool {
        self.sent || self.subject || self.addresses || self.links
    }
}

/// One message being ordered: what the store keeps beside it, and its kept parse.
#[derive(Default)]
struct Row {
    arrival: i64,
    size: u32,
    parsed: Option<Arc<ParsedMessage>>,
}

impl Row {
    fn keys(&self) -> Option<&SortKeys> {
        self.parsed.as_deref().map(ParsedMessage::sort_keys)
    }

    /// The sent date: the Date field, else INTERNALDATE (RFC 5256 §2.2).
    fn sent(&self) -> i64 {
        self.keys().and_then(|k| k.sent.get().copied().flatten()).unwrap_or(self.arrival)
    }

    fn subject(&self) -> (&str, bool) {
        self.keys().and_then(|k| k.subject.get()).map_or(("", false), |(s, r)| (&**s, *r))
    }

    fn address(&self, k: usize) -> &str {
        self.keys().and_then(|keys| keys.addresses.get()).and_then(|a| a.get(k)).map_or("", |s| &**s)
    }

    fn links(&self) -> (Option<&[u8]>, Vec<&[u8]>) {
        match self.keys().and_then(|k| k.links.get()) {
            Some((id, refs)) => (id.as_deref(), refs.iter().map(|r| &**r).collect()),
            None => (None, Vec::new()),
        }
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
    let rows = rows(backend, user, name, session, hits, Need::of(order))?;
    Ok(match order {
        Order::Sort(criteria) => {
            // Each row's keys side by side in one array (a number or a slice of the kept
            // keys), so that the comparisons of the sort read no row or parse again.
            let n = criteria.len();
            let keys: Vec<Key<'_>> = rows.iter().flat_map(|r| criteria.iter().map(move |c| r.key(c.key))).collect();
            let mut at: Vec<usize> = (0..hits.len()).collect();
            // Stable, and `at` is in sequence order: equal keys keep it.
            at.sort_by(|&a, &b| compare_keys(&keys[a * n..a * n + n], &keys[b * n..b * n + n], criteria));
            Ordered::Sorted(at)
        }
        Order::Thread(algorithm) => {
            let msgs: Vec<ThreadMessage<'_>> = rows
                .iter()
                .zip(hits)
                .map(|(r, &(id, _))| {
                    let (subject, reply) = r.subject();
                    let (message_id, references) = r.links();
                    ThreadMessage { id, sent: r.sent(), subject, reply, message_id, references }
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
/// O(log n) messages the binary search visits.
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
    let row_of = |u: u32| rows(backend, user, name, session, &[(u, u)], need).map(|mut v| v.pop().unwrap_or_default());
    let new = row_of(uid)?;
    let (mut lo, mut hi) = (0, sorted.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let at = row_of(sorted[mid])?;
        if compare(&at, &new, criteria).then(sorted[mid].cmp(&uid)) == Ordering::Less {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

/// One sort key of one message: a number (ARRIVAL, DATE, SIZE) or text (the others).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key<'a> {
    Number(i64),
    Text(&'a str),
}

impl Row {
    fn key(&self, key: SortKey) -> Key<'_> {
        match key {
            SortKey::Arrival => Key::Number(self.arrival),
            SortKey::Size => Key::Number(i64::from(self.size)),
            SortKey::Date => Key::Number(self.sent()),
            SortKey::Subject => Key::Text(self.subject().0),
            SortKey::From => Key::Text(self.address(0)),
            SortKey::To => Key::Text(self.address(1)),
            SortKey::Cc => Key::Text(self.address(2)),
            SortKey::DisplayFrom => Key::Text(self.address(3)),
            SortKey::DisplayTo => Key::Text(self.address(4)),
        }
    }
}

/// Compares two messages' keys (one per criterion, in order); equal when every key is.
fn compare_keys(a: &[Key<'_>], b: &[Key<'_>], criteria: &[SortCriterion]) -> Ordering {
    for ((x, y), c) in a.iter().zip(b).zip(criteria) {
        let o = if c.reverse { y.cmp(x) } else { x.cmp(y) };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Compares two messages by `criteria`; equal when every key is.
fn compare(a: &Row, b: &Row, criteria: &[SortCriterion]) -> Ordering {
    let ka: Vec<Key<'_>> = criteria.iter().map(|c| a.key(c.key)).collect();
    let kb: Vec<Key<'_>> = criteria.iter().map(|c| b.key(c.key)).collect();
    compare_keys(&ka, &kb, criteria)
}

/// The rows of every hit, read in chunks of [`CHUNK`] messages, with the keys `need` asks
/// computed (where they are not kept already).
fn rows<B: Backend + ?Sized>(
    backend: &B,
    user: &B::User,
    name: &str,
    session: SessionId,
    hits: &[(u32, u32)],
    need: Need,
) -> Result<Vec<Row>, StoreError> {
    let mut out = Vec::with_capacity(hits.len());
    let mut tape = FetchTape::new();
    for chunk in hits.chunks(CHUNK) {
        let uids: Vec<u32> = chunk.iter().map(|&(_, u)| u).collect();
        if !need.parse() {
            out.extend(backend.fetch_meta(user, name, session, &uids)?.iter().map(|m| row(m.as_ref())));
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
                    m.parsed = Some(Arc::new(ParsedMessage::of(&w.body)));
                }
            }
        }
        for m in &data {
            let r = row(m.as_ref());
            if let Some(p) = &r.parsed {
                fill(&mut tape, p, need);
            }
            out.push(r);
        }
    }
    Ok(out)
}

/// ARRIVAL, SIZE and the kept parse.
fn row(m: Option<&MessageData>) -> Row {
    match m {
        Some(m) => Row { arrival: m.internal_date.as_chrono().timestamp(), size: m.size, parsed: m.parsed.clone() },
        None => Row::default(),
    }
}

/// Computes the groups of keys `need` asks for that `parsed` does not keep yet, from its
/// kept ENVELOPE and fields (read once, whatever the number of groups).
fn fill(tape: &mut FetchTape, parsed: &ParsedMessage, need: Need) {
    let keys = parsed.sort_keys();
    let missing = (need.sent && keys.sent.get().is_none())
        || (need.subject && keys.subject.get().is_none())
        || (need.addresses && keys.addresses.get().is_none())
        || (need.links && keys.links.get().is_none());
    if !missing {
        return;
    }
    let view = tape.parse(parsed.wire()).ok();
    let env = view.as_ref().and_then(FetchView::envelope);
    let bytes = |s: Option<StrView<'_>>| s.map(|s| s.value().into_owned());
    let field = |name: &'static str| view.as_ref().and_then(|v| kept_field(v, name));
    if need.sent {
        keys.sent.get_or_init(|| {
            let date = field("DATE").or_else(|| env.as_ref().and_then(|e| bytes(e.date())));
            collate::sent_date(date.as_deref())
        });
    }
    if need.subject {
        keys.subject.get_or_init(|| {
            let subject = field("SUBJECT").or_else(|| env.as_ref().and_then(|e| bytes(e.subject())));
            let base = collate::sort_base_subject(subject.as_deref());
            (base.text.into_boxed_str(), base.reply)
        });
    }
    if need.addresses {
        keys.addresses.get_or_init(|| match &env {
            Some(e) => [mailbox(e.from()), mailbox(e.to()), mailbox(e.cc()), display(e.from()), display(e.to())],
            None => Default::default(),
        });
    }
    if need.links {
        keys.links.get_or_init(|| links(env.as_ref(), field("REFERENCES")));
    }
}

/// A field kept beside the ENVELOPE (`BODY[HEADER.FIELDS (name)]`,
/// [`ParsedMessage::field`]).
fn kept_field(view: &FetchView<'_>, name: &'static str) -> Option<Vec<u8>> {
    view.items().find_map(|i| match i {
        FetchItemView::BodySection { section, data: Some(d), .. } if section_is(&section, name) => {
            Some(d.value().into_owned())
        }
        _ => None,
    })
}

/// FROM, TO, CC: the addr-mailbox of the first address, casemapped.
fn mailbox(a: Addresses<'_>) -> Box<str> {
    a.into_iter()
        .next()
        .and_then(|a| a.mailbox())
        .map(|m| collate::casemap(&m.to_str_lossy()))
        .unwrap_or_default()
        .into()
}

/// DISPLAYFROM, DISPLAYTO (RFC 5957 §3.1): the first address's display name or
/// `mailbox@host`, casemapped.
fn display(a: Addresses<'_>) -> Box<str> {
    let bytes = |s: Option<StrView<'_>>| s.map(|s| s.value().into_owned());
    a.into_iter()
        .next()
        .map(|a| {
            let (n, m, h) = (bytes(a.name()), bytes(a.mailbox()), bytes(a.host()));
            // An empty name in the ENVELOPE was a phrase of white space alone (an empty
            // one is NIL): Dovecot sorts it by that white space, before any text and after
            // no address at all.
            if n.as_deref() == Some(&b""[..]) {
                return " ".to_string();
            }
            collate::casemap(&collate::display_address(n.as_deref(), m.as_deref(), h.as_deref()))
        })
        .unwrap_or_default()
        .into()
}

/// The Message-ID and the ids a message answers: those of References, else In-Reply-To's
/// first (RFC 5256 §3 REFERENCES step 1.A).
fn links(env: Option<&EnvelopeView<'_>>, references: Option<Vec<u8>>) -> Links {
    let bytes = |s: Option<StrView<'_>>| s.map(|s| s.value().into_owned());
    let id = env.and_then(|e| bytes(e.message_id()));
    let id = id.as_deref().and_then(collate::message_id).map(|m| Box::<[u8]>::from(&*m));
    let mut refs: Vec<Box<[u8]>> =
        references.as_deref().map(collate::message_ids).unwrap_or_default().iter().map(|m| Box::from(&**m)).collect();
    if refs.is_empty() {
        let irt = env.and_then(|e| bytes(e.in_reply_to()));
        refs.extend(irt.as_deref().and_then(collate::message_id).map(|r| Box::<[u8]>::from(&*r)));
    }
    (id, refs.into_boxed_slice())
}

/// Whether a kept section is `HEADER.FIELDS (name)`.
fn section_is(section: &crate::codec::SectionView<'_>, name: &'static str) -> bool {
    section.matches(&crate::types::Section {
        part: Vec::new(),
        text: Some(crate::types::SectionText::HeaderFields(vec![crate::types::IString::from_static(name)])),
    })
}
