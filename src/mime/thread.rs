//! The THREAD algorithms of RFC 5256 §3: ORDEREDSUBJECT and REFERENCES, on messages
//! already reduced to their keys ([`ThreadMessage`]), giving the trees of the THREAD
//! answer ([`Thread`]).
//!
//! Both run in O(n log n) for n messages (plus the References ids), keep no recursion
//! (a reply chain 100,000 long is fine) and accept any input: loops in References,
//! self-references and duplicate Message-IDs are refused or made unique as §3 says.
//!
//! ## Where the RFC is silent: Dovecot 2.3's choices
//!
//! - §3 ORDEREDSUBJECT "sorted by base subject and then by the sent date": ties go to
//!   the sequence order; base subjects compare as octets (they are casemapped already);
//!   "threads are sorted by the sent date of the first message": ties go to the first
//!   message's sequence order. Messages with an empty base subject form one thread.
//! - §3 REFERENCES (1)(A) "If a message already has a parent, don't change the existing
//!   link" and "Do not create a parent/child link if creating that link would introduce a
//!   loop": a reference to the message itself, a link that exists and a link that would
//!   loop are all dropped silently; the later links of the same References still apply.
//! - (1)(B) "break the current parent/child link before creating the new correct one":
//!   done when the current parent differs from the last reference, also when there is no
//!   reference at all (the message becomes a root).
//! - (3) "Prune dummy messages": a message whose parent is a dummy is attached to its
//!   nearest real ancestor, or to the topmost dummy when it has none. A root dummy with
//!   one child is replaced by that child only in step (4), after its children are
//!   sorted (Dovecot's "deferred step (3)"); one with none is dropped.
//! - (4) "In the case of a dummy message, sort its children by sent date and then use
//!   the first child for the top-level sort": the dummy takes its earliest child's sent
//!   date *and* sequence number, which breaks ties. Every sort in (4) and (6) orders by
//!   (sent date, sequence order).
//! - (5) The root set is sorted (step 4) *before* subjects are gathered, so the subject
//!   table is filled in sent-date order, and it is sorted again after (5)(C) when a merge
//!   happened. The thread subject and the reply flag of a dummy come from its first child
//!   after that sort.
//! - (5)(C) "Otherwise, create a new dummy message": also when both messages are replies.
//! - (6) Children are sorted at every level, including those moved by (5).

use std::collections::HashMap;

use crate::types::Thread;

/// One message as THREAD sees it (RFC 5256 §3), in mailbox (sequence) order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ThreadMessage<'a> {
    /// The number the answer carries (sequence number or UID); not 0.
    pub id: u32,
    /// The sent date (§2.2) in seconds since the epoch, INTERNALDATE already substituted
    /// when the Date header is missing or unreadable (see [`super::collate::sent_date`]).
    pub sent: i64,
    /// The casemapped base subject (§2.1, [`super::collate::sort_base_subject`]).
    pub subject: &'a str,
    /// Whether extracting the base subject removed a reply/forward marker (§3 REFERENCES).
    pub reply: bool,
    /// The Message ID ([`super::collate::message_id`]); `None` when there is no valid one.
    pub message_id: Option<&'a [u8]>,
    /// The references (§3 REFERENCES): the References header's ids, or the first id of
    /// In-Reply-To when References holds no valid one.
    pub references: Vec<&'a [u8]>,
}

/// "No node": the end of a list, or no parent.
const NONE: u32 = u32::MAX;

/// The sort key of message `m` in (4) and (6): sent date, then sequence order.
fn key(msgs: &[ThreadMessage<'_>], m: u32) -> (i64, u32) {
    (msgs.get(m as usize).map_or(0, |msg| msg.sent), m)
}

/// `index` as a node or message number; inputs of 2^32 - 1 messages can't exist in IMAP.
fn to_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(NONE - 1)
}

/// ORDEREDSUBJECT (RFC 5256 §3): messages grouped by base subject, each group a thread
/// whose first message (by sent date) is the parent of all the others.
pub fn ordered_subject(msgs: &[ThreadMessage<'_>]) -> Vec<Thread> {
    let mut order: Vec<usize> = (0..msgs.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (ma, mb) = (&msgs[a], &msgs[b]);
        ma.subject.cmp(mb.subject).then(ma.sent.cmp(&mb.sent)).then(a.cmp(&b))
    });
    let mut threads: Vec<((i64, usize), Thread)> = order
        .chunk_by(|&a, &b| msgs[a].subject == msgs[b].subject)
        .filter_map(|group| {
            let (&first, rest) = group.split_first()?;
            let children = rest.iter().map(|&m| Thread::message(msgs[m].id, Vec::new())).collect();
            Some(((msgs[first].sent, first), Thread::message(msgs[first].id, children)))
        })
        .collect();
    threads.sort_unstable_by_key(|(k, _)| *k);
    threads.into_iter().map(|(_, t)| t).collect()
}

/// A container of step (1): a message or a dummy, in a tree kept as linked lists.
#[derive(Clone, Copy)]
struct Node {
    /// The message (index into the input), or [`NONE`] for a dummy.
    msg: u32,
    parent: u32,
    first_child: u32,
    next_sibling: u32,
    prev_sibling: u32,
}

/// Step (1): the containers and the Message-ID table.
struct Links<'a> {
    nodes: Vec<Node>,
    ids: HashMap<&'a [u8], u32>,
}

impl<'a> Links<'a> {
    fn add(&mut self, msg: u32) -> u32 {
        let n = to_u32(self.nodes.len());
        self.nodes.push(Node { msg, parent: NONE, first_child: NONE, next_sibling: NONE, prev_sibling: NONE });
        n
    }

    /// The container of a referenced id: a new dummy when the id is new.
    fn for_id(&mut self, id: &'a [u8]) -> u32 {
        // One hash of the id, found or not.
        let next = to_u32(self.nodes.len());
        let n = *self.ids.entry(id).or_insert(next);
        if n == next {
            self.add(NONE);
        }
        n
    }

    fn node(&self, n: u32) -> Node {
        self.nodes.get(n as usize).copied().unwrap_or(Node {
            msg: NONE,
            parent: NONE,
            first_child: NONE,
            next_sibling: NONE,
            prev_sibling: NONE,
        })
    }

    fn edit(&mut self, n: u32, f: impl FnOnce(&mut Node)) {
        if let Some(node) = self.nodes.get_mut(n as usize) {
            f(node);
        }
    }

    fn attach(&mut self, parent: u32, child: u32) {
        let first = self.node(parent).first_child;
        self.edit(child, |c| {
            c.parent = parent;
            c.prev_sibling = NONE;
            c.next_sibling = first;
        });
        self.edit(first, |f| f.prev_sibling = child);
        self.edit(parent, |p| p.first_child = child);
    }

    fn detach(&mut self, child: u32) {
        let c = self.node(child);
        if c.parent == NONE {
            return;
        }
        if c.prev_sibling == NONE {
            self.edit(c.parent, |p| p.first_child = c.next_sibling);
        } else {
            self.edit(c.prev_sibling, |p| p.next_sibling = c.next_sibling);
        }
        self.edit(c.next_sibling, |n| n.prev_sibling = c.prev_sibling);
        self.edit(child, |c| {
            c.parent = NONE;
            c.next_sibling = NONE;
            c.prev_sibling = NONE;
        });
    }

    /// The node after `cur` in a pre-order walk of the subtree under `top`.
    fn preorder_next(&self, top: u32, cur: u32) -> Option<u32> {
        let first = self.node(cur).first_child;
        if first != NONE {
            return Some(first);
        }
        let mut c = cur;
        while c != top && c != NONE {
            let next = self.node(c).next_sibling;
            if next != NONE {
                return Some(next);
            }
            c = self.node(c).parent;
        }
        None
    }

    /// Whether `node` is in the subtree of the root `top`: walks up from `node` and
    /// through `top`'s subtree in turns, so the cost is the smaller of the two.
    fn in_subtree(&self, top: u32, node: u32) -> bool {
        let mut up = node;
        let mut down = top;
        loop {
            if up == top || down == node {
                return true;
            }
            up = self.node(up).parent;
            if up == NONE {
                return false;
            }
            match self.preorder_next(top, down) {
                Some(next) => down = next,
                None => return false,
            }
        }
    }

    /// Makes `parent` the parent of `child` (step (1)(A)), unless that is the node
    /// itself, `child` has a parent already, or the link would close a loop.
    fn link(&mut self, parent: u32, child: u32) {
        if parent == child || parent == NONE || self.node(child).parent != NONE {
            return;
        }
        if self.node(child).first_child != NONE && self.in_subtree(child, parent) {
            return;
        }
        self.attach(parent, child);
    }
}

/// Step (1) for every message: the containers, linked.
fn link_messages<'a>(msgs: &[ThreadMessage<'a>]) -> Links<'a> {
    let mut links = Links { nodes: Vec::with_capacity(msgs.len() * 2), ids: HashMap::with_capacity(msgs.len() * 2) };
    for (i, m) in msgs.iter().enumerate() {
        let i = to_u32(i);
        let own = match m.message_id.filter(|id| !id.is_empty()) {
            Some(id) => {
                // One hash of the id, found or not.
                let next = to_u32(links.nodes.len());
                let found = *links.ids.entry(id).or_insert(next);
                match found {
                    n if n == next => links.add(i),
                    n if links.node(n).msg == NONE => {
                        links.edit(n, |node| node.msg = i);
                        n
                    }
                    // A duplicate: the first message keeps the id, this one gets its own.
                    _ => links.add(i),
                }
            }
            None => links.add(i),
        };
        let mut last = NONE;
        for &r in m.references.iter().filter(|r| !r.is_empty()) {
            let n = links.for_id(r);
            links.link(last, n);
            last = n;
        }
        let parent = links.node(own).parent;
        if parent != NONE && parent != last {
            links.detach(own);
        }
        links.link(last, own);
    }
    links
}

/// A child of the root in steps (2)–(5).
struct Root {
    /// The message, or [`NONE`] for a dummy.
    msg: u32,
    /// A dummy's children (messages); empty for a message.
    kids: Vec<u32>,
    key: (i64, u32),
    /// (5)(B): the root this one merges into, or [`NONE`].
    merge_into: u32,
    reply: bool,
    ignore: bool,
}

/// Step (4) (and its re-run after (5)): each root's sort key, single-child dummies
/// replaced by their child, empty dummies dropped, roots sorted.
fn sort_roots(msgs: &[ThreadMessage<'_>], roots: &mut Vec<Root>) {
    for root in roots.iter_mut().filter(|r| !r.ignore) {
        if root.msg != NONE {
            root.key = key(msgs, root.msg);
            continue;
        }
        root.kids.sort_unstable_by_key(|&k| key(msgs, k));
        match root.kids.as_slice() {
            [] => root.ignore = true,
            [only] => {
                root.msg = *only;
                root.kids.clear();
                root.key = key(msgs, root.msg);
            }
            [first, ..] => root.key = key(msgs, *first),
        }
    }
    roots.retain(|r| !r.ignore);
    roots.sort_unstable_by_key(|r| r.key);
}

/// REFERENCES (RFC 5256 §3): threads from Message-ID, References and In-Reply-To,
/// then merged by base subject.
pub fn references(msgs: &[ThreadMessage<'_>]) -> Vec<Thread> {
    let links = link_messages(msgs);
    let nodes = &links.nodes;
    let msg_of = |n: u32| nodes.get(n as usize).map_or(NONE, |node| node.msg);
    let parent_of = |n: u32| nodes.get(n as usize).map_or(NONE, |node| node.parent);

    // (2) The root set, and (3) every message attached to its nearest real ancestor.
    let mut roots: Vec<Root> = Vec::new();
    let mut root_of_node = vec![NONE; nodes.len()];
    for (n, node) in nodes.iter().enumerate() {
        if node.parent == NONE {
            root_of_node[n] = to_u32(roots.len());
            roots.push(Root {
                msg: node.msg,
                kids: Vec::new(),
                key: (0, 0),
                merge_into: NONE,
                reply: false,
                ignore: false,
            });
        }
    }
    // The parent of each message in the answer (a message), or NONE.
    let mut up = vec![NONE; msgs.len()];
    // For a dummy: its nearest real ancestor, or the topmost dummy.
    let mut target = vec![NONE; nodes.len()];
    let mut stack = Vec::new();
    for node in nodes.iter().filter(|node| node.msg != NONE && node.parent != NONE) {
        let mut t = node.parent;
        if msg_of(t) == NONE {
            let mut cur = t;
            t = loop {
                let memo = target.get(cur as usize).copied().unwrap_or(NONE);
                if memo != NONE {
                    break memo;
                }
                stack.push(cur);
                let p = parent_of(cur);
                if p == NONE {
                    break cur;
                }
                if msg_of(p) != NONE {
                    break p;
                }
                cur = p;
            };
            for s in stack.drain(..) {
                if let Some(slot) = target.get_mut(s as usize) {
                    *slot = t;
                }
            }
        }
        let t_msg = msg_of(t);
        if t_msg != NONE {
            if let Some(slot) = up.get_mut(node.msg as usize) {
                *slot = t_msg;
            }
        } else if let Some(root) = root_of_node.get(t as usize).and_then(|&r| roots.get_mut(r as usize)) {
            root.kids.push(node.msg);
        }
    }
    drop(links.ids);

    // (4) Sort the root set.
    sort_roots(msgs, &mut roots);

    // (5)(A), (B) The subject table.
    let mut table: HashMap<&str, u32> = HashMap::with_capacity(roots.len());
    for r in 0..roots.len() {
        let first = match roots[r].kids.first() {
            Some(&k) => k,
            None => roots[r].msg,
        };
        let Some(m) = msgs.get(first as usize) else { continue };
        if m.subject.is_empty() {
            continue;
        }
        let r32 = to_u32(r);
        match table.get(m.subject).copied() {
            None => {
                table.insert(m.subject, r32);
            }
            Some(t) => {
                let is_dummy = roots[r].msg == NONE;
                let held = &roots[t as usize];
                if held.msg != NONE && (is_dummy || (held.reply && !m.reply)) {
                    roots[t as usize].merge_into = r32;
                    table.insert(m.subject, r32);
                } else {
                    roots[r].merge_into = t;
                }
            }
        }
        roots[r].reply = m.reply;
    }

    // (5)(C) Merge threads with the same thread subject.
    let count = roots.len();
    let mut merged = false;
    for cur in 0..count {
        if roots[cur].merge_into == NONE || roots[cur].ignore {
            continue;
        }
        let mut top = roots[cur].merge_into as usize;
        let mut steps = 0;
        while roots[top].merge_into != NONE && steps <= roots.len() {
            top = roots[top].merge_into as usize;
            steps += 1;
        }
        if top == cur {
            continue;
        }
        merged = true;
        roots[cur].ignore = true;
        let (cur_msg, top_msg) = (roots[cur].msg, roots[top].msg);
        if cur_msg == NONE {
            // Both dummies: the children become siblings.
            let kids = std::mem::take(&mut roots[cur].kids);
            if top_msg == NONE {
                roots[top].kids.extend(kids);
            } else {
                for k in kids {
                    up[k as usize] = top_msg;
                }
            }
        } else if top_msg == NONE || (roots[cur].reply && !roots[top].reply) {
            if top_msg == NONE {
                roots[top].kids.push(cur_msg);
            } else {
                up[cur_msg as usize] = top_msg;
            }
        } else {
            let dummy = to_u32(roots.len());
            roots[top].merge_into = dummy;
            roots[top].ignore = true;
            roots.push(Root {
                msg: NONE,
                kids: vec![top_msg, cur_msg],
                key: (0, 0),
                merge_into: NONE,
                reply: false,
                ignore: false,
            });
        }
    }
    if merged {
        sort_roots(msgs, &mut roots);
    } else {
        roots.retain(|r| !r.ignore);
    }
    build(msgs, &roots, &up)
}

/// (6) The answer: children sorted by sent date at every level, trees built bottom-up.
fn build(msgs: &[ThreadMessage<'_>], roots: &[Root], up: &[u32]) -> Vec<Thread> {
    // The children of each message, as one array sliced by `start`.
    let mut start = vec![0u32; msgs.len() + 1];
    for &p in up.iter().filter(|&&p| p != NONE) {
        if let Some(s) = start.get_mut(p as usize + 1) {
            *s += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let mut children = vec![NONE; start.last().map_or(0, |&s| s as usize)];
    for (m, &p) in up.iter().enumerate() {
        if let Some(slot) = fill.get_mut(p as usize) {
            if let Some(c) = children.get_mut(*slot as usize) {
                *c = to_u32(m);
            }
            *slot += 1;
        }
    }
    let kids_of = |m: u32| {
        let from = start.get(m as usize).copied().unwrap_or(0) as usize;
        let to = start.get(m as usize + 1).copied().unwrap_or(0) as usize;
        from..to.max(from)
    };
    for m in 0..msgs.len() {
        if let Some(slice) = children.get_mut(kids_of(to_u32(m))) {
            slice.sort_unstable_by_key(|&c| key(msgs, c));
        }
    }

    // Breadth first from the tops, then built in reverse, so every child is built
    // before its parent.
    let mut order: Vec<u32> =
        roots.iter().flat_map(|r| if r.msg == NONE { r.kids.clone() } else { vec![r.msg] }).collect();
    let mut next = 0;
    while let Some(&m) = order.get(next) {
        next += 1;
        order.extend_from_slice(children.get(kids_of(m)).unwrap_or_default());
    }
    let mut built: Vec<Option<Thread>> = vec![None; msgs.len()];
    for &m in order.iter().rev() {
        let kids = children
            .get(kids_of(m))
            .unwrap_or_default()
            .iter()
            .filter_map(|&c| built.get_mut(c as usize).and_then(Option::take))
            .collect();
        if let (Some(slot), Some(msg)) = (built.get_mut(m as usize), msgs.get(m as usize)) {
            *slot = Some(Thread::message(msg.id, kids));
        }
    }
    let mut take = |m: u32| built.get_mut(m as usize).and_then(Option::take);
    roots
        .iter()
        .filter_map(|r| {
            if r.msg != NONE {
                take(r.msg)
            } else {
                Some(Thread::dummy(r.kids.iter().filter_map(|&k| take(k)).collect()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A message: id, date, subject (already a base subject), reply, Message-ID, refs.
    fn msg<'a>(id: u32, sent: i64, subject: &'a str, message_id: &'a str, refs: &[&'a str]) -> ThreadMessage<'a> {
        ThreadMessage {
            id,
            sent,
            subject,
            reply: false,
            message_id: (!message_id.is_empty()).then_some(message_id.as_bytes()),
            references: refs.iter().map(|r| r.as_bytes()).collect(),
        }
    }

    fn reply(mut m: ThreadMessage<'_>) -> ThreadMessage<'_> {
        m.reply = true;
        m
    }

    /// The wire form of a THREAD answer (RFC 5256 §4), written without recursion.
    fn wire(threads: &[Thread]) -> String {
        enum Step<'t> {
            Open(&'t Thread, bool),
            Text(&'static str),
        }
        let mut out = String::new();
        let mut stack: Vec<Step<'_>> = threads.iter().rev().map(|t| Step::Open(t, true)).collect();
        while let Some(step) = stack.pop() {
            let (t, nested) = match step {
                Step::Text(s) => {
                    out.push_str(s);
                    continue;
                }
                Step::Open(t, nested) => (t, nested),
            };
            if nested {
                out.push('(');
                stack.push(Step::Text(")"));
            }
            if let Some(id) = t.id {
                out.push_str(&id.to_string());
                if !t.children.is_empty() {
                    out.push(' ');
                }
            }
            match t.children.as_slice() {
                [only] if t.id.is_some() => stack.push(Step::Open(only, false)),
                kids => stack.extend(kids.iter().rev().map(|c| Step::Open(c, true))),
            }
        }
        out
    }

    /// Every id in the answer, without recursion; dismantles the trees as it goes, so
    /// that a deep tree is not dropped recursively.
    fn ids(threads: Vec<Thread>) -> Vec<u32> {
        let mut out = Vec::new();
        let mut stack = threads;
        stack.reverse();
        while let Some(mut t) = stack.pop() {
            out.extend(t.id.map(std::num::NonZeroU32::get));
            let mut kids = std::mem::take(&mut t.children);
            kids.reverse();
            stack.extend(kids);
        }
        out
    }

    #[test]
    fn ordered_subject_groups_by_subject_then_date() {
        let msgs = [
            msg(1, 50, "B", "", &[]),
            msg(2, 10, "A", "", &[]),
            msg(3, 30, "B", "", &[]),
            msg(4, 20, "A", "", &[]),
            msg(5, 30, "B", "", &[]),
            msg(6, 5, "C", "", &[]),
            msg(7, 40, "", "", &[]),
            msg(8, 40, "", "", &[]),
        ];
        // B's thread starts at 3 (date 30; 5 has the same date but comes later).
        assert_eq!(wire(&ordered_subject(&msgs)), "(6)(2 4)(3 (5)(1))(7 8)");
        assert!(ordered_subject(&[]).is_empty());
    }

    #[test]
    fn references_replies_and_chains() {
        let msgs = [
            msg(1, 1, "A", "a@x", &[]),
            msg(2, 2, "A", "b@x", &["a@x"]),
            msg(3, 3, "A", "c@x", &["a@x", "b@x"]),
            msg(4, 4, "A", "d@x", &["a@x"]),
            msg(5, 0, "Z", "z@x", &[]),
        ];
        assert_eq!(wire(&references(&msgs)), "(5)(1 (2 3)(4))");
    }

    #[test]
    fn references_missing_parents() {
        // Two answers to a message the mailbox lacks: a dummy holds them.
        let msgs = [msg(1, 2, "A", "b@x", &["a@x"]), msg(2, 1, "B", "c@x", &["a@x"])];
        assert_eq!(wire(&references(&msgs)), "((2)(1))");
        // One answer: the dummy goes and the answer is the root.
        let msgs = [msg(1, 2, "A", "b@x", &["a@x"]), msg(2, 1, "B", "c@x", &[])];
        assert_eq!(wire(&references(&msgs)), "(2)(1)");
        // A missing link in a chain: the child moves up to the real ancestor.
        let msgs = [msg(1, 1, "A", "a@x", &[]), msg(2, 2, "B", "c@x", &["a@x", "b@x"])];
        assert_eq!(wire(&references(&msgs)), "(1 2)");
        // Dummies under dummies: the children reach the topmost one.
        let msgs = [msg(1, 1, "A", "", &["r@x", "s@x"]), msg(2, 2, "B", "", &["r@x", "t@x"])];
        assert_eq!(wire(&references(&msgs)), "((1)(2))");
    }

    #[test]
    fn references_loops_and_self_references() {
        // Each references the other: the second link would loop and is refused.
        let msgs = [msg(1, 1, "A", "a@x", &["b@x"]), msg(2, 2, "B", "b@x", &["a@x"])];
        assert_eq!(wire(&references(&msgs)), "(2 1)");
        // A reference to itself.
        let msgs = [msg(1, 1, "A", "a@x", &["a@x"])];
        assert_eq!(wire(&references(&msgs)), "(1)");
        // `a b a` in References.
        let msgs =
            [msg(1, 1, "A", "a@x", &[]), msg(2, 2, "B", "b@x", &[]), msg(3, 3, "C", "c@x", &["a@x", "b@x", "a@x"])];
        assert_eq!(wire(&references(&msgs)), "(1 (2)(3))");
        // Its own id in the middle of its References.
        let msgs = [msg(1, 1, "A", "a@x", &["z@x", "a@x", "y@x"])];
        assert_eq!(wire(&references(&msgs)), "(1)");
    }

    #[test]
    fn references_duplicate_message_ids() {
        let msgs = [
            msg(1, 1, "A", "a@x", &[]),
            msg(2, 2, "B", "a@x", &[]),
            msg(3, 3, "C", "c@x", &["a@x"]),
            msg(4, 4, "D", "a@x", &["a@x"]),
        ];
        // Only the first keeps `a@x`; the others are separate messages.
        assert_eq!(wire(&references(&msgs)), "(1 (3)(4))(2)");
    }

    #[test]
    fn references_keep_and_break_links() {
        // 3 says 2's parent is 1 (truncated chain); 2's own References say 9.
        let msgs =
            [msg(1, 1, "A", "a@x", &[]), msg(2, 3, "B", "c@x", &["a@x", "b@x"]), msg(3, 2, "C", "b@x", &["z@x"])];
        // (1)(B): message 3's own parent wins; 3 then is the only child of dummy z.
        assert_eq!(wire(&references(&msgs)), "(1)(3 2)");
    }

    #[test]
    fn references_equal_dates_follow_sequence_order() {
        let msgs = [
            msg(1, 5, "A", "a@x", &[]),
            msg(2, 5, "B", "b@x", &["a@x"]),
            msg(3, 5, "C", "c@x", &["a@x"]),
            msg(4, 5, "D", "d@x", &[]),
        ];
        assert_eq!(wire(&references(&msgs)), "(1 (2)(3))(4)");
    }

    #[test]
    fn references_subject_merging() {
        // A reply without References joins the original as a child.
        let msgs = [msg(1, 1, "HELLO", "", &[]), reply(msg(2, 2, "HELLO", "", &[]))];
        assert_eq!(wire(&references(&msgs)), "(1 2)");
        // The reply is older: the original still becomes the parent.
        let msgs = [reply(msg(1, 1, "HELLO", "", &[])), msg(2, 2, "HELLO", "", &[])];
        assert_eq!(wire(&references(&msgs)), "(2 1)");
        // Neither is a reply: a dummy holds both.
        let msgs = [msg(1, 1, "HELLO", "", &[]), msg(2, 2, "HELLO", "", &[]), msg(3, 0, "OTHER", "", &[])];
        assert_eq!(wire(&references(&msgs)), "(3)((1)(2))");
        // Empty subjects never merge.
        let msgs = [msg(1, 1, "", "", &[]), msg(2, 2, "", "", &[])];
        assert_eq!(wire(&references(&msgs)), "(1)(2)");
        // A dummy thread takes in a message with its subject.
        let msgs =
            [msg(1, 1, "X", "b@x", &["a@x"]), msg(2, 2, "X", "c@x", &["a@x"]), reply(msg(3, 3, "X", "d@x", &[]))];
        assert_eq!(wire(&references(&msgs)), "((1)(2)(3))");
        // Two dummy threads with one subject: the children become siblings.
        let msgs = [
            msg(1, 1, "X", "", &["a@x"]),
            msg(2, 4, "X", "", &["a@x"]),
            msg(3, 2, "X", "", &["b@x"]),
            msg(4, 3, "X", "", &["b@x"]),
        ];
        assert_eq!(wire(&references(&msgs)), "((1)(3)(4)(2))");
        // Merged roots are sorted again: the merged thread moves by its first date.
        let msgs = [msg(1, 5, "S", "", &[]), msg(2, 3, "T", "", &[]), msg(3, 1, "S", "", &[])];
        assert_eq!(wire(&references(&msgs)), "((3)(1))(2)");
    }

    #[test]
    fn references_long_chain_uses_no_deep_recursion() {
        const N: usize = 100_000;
        let names: Vec<String> = (0..N).map(|i| format!("m{i}@x")).collect();
        let build = |reverse: bool| -> Vec<ThreadMessage<'_>> {
            let mut msgs: Vec<ThreadMessage<'_>> = (0..N)
                .map(|i| ThreadMessage {
                    id: 0,
                    sent: i as i64,
                    subject: "SAME",
                    reply: i > 0,
                    message_id: Some(names[i].as_bytes()),
                    references: if i == 0 { Vec::new() } else { vec![names[i - 1].as_bytes()] },
                })
                .collect();
            if reverse {
                msgs.reverse();
            }
            for (n, m) in msgs.iter_mut().enumerate() {
                m.id = n as u32 + 1;
            }
            msgs
        };
        for reverse in [false, true] {
            let msgs = build(reverse);
            let threads = references(&msgs);
            assert_eq!(threads.len(), 1);
            let got = ids(threads);
            let want: Vec<u32> = if reverse { (1..=N as u32).rev().collect() } else { (1..=N as u32).collect() };
            assert_eq!(got, want);
            let mut seen = ids(ordered_subject(&msgs));
            seen.sort_unstable();
            assert_eq!(seen, (1..=N as u32).collect::<Vec<_>>());
        }
    }

    /// One random message: date, Message-ID, References, subject, reply (indices into pools).
    type Spec = (u8, Option<u8>, Vec<u8>, u8, bool);

    /// Random mailboxes over a small pool of ids, subjects and dates, so that
    /// references collide, repeat and loop.
    fn mailbox() -> impl Strategy<Value = Vec<Spec>> {
        prop::collection::vec(
            (0u8..4, prop::option::of(0u8..8), prop::collection::vec(0u8..8, 0..5), 0u8..3, any::<bool>()),
            0..40,
        )
    }

    proptest! {
        #[test]
        fn every_message_appears_once(spec in mailbox()) {
            const IDS: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
            const SUBJECTS: [&str; 3] = ["", "X", "Y"];
            let msgs: Vec<ThreadMessage<'_>> = spec
                .iter()
                .enumerate()
                .map(|(n, (sent, id, refs, subject, is_reply))| ThreadMessage {
                    id: n as u32 + 1,
                    sent: i64::from(*sent),
                    subject: SUBJECTS[usize::from(*subject)],
                    reply: *is_reply,
                    message_id: id.map(|i| IDS[usize::from(i)].as_bytes()),
                    references: refs.iter().map(|&r| IDS[usize::from(r)].as_bytes()).collect(),
                })
                .collect();
            let want: Vec<u32> = (1..=msgs.len() as u32).collect();
            for threads in [references(&msgs), ordered_subject(&msgs)] {
                for t in &threads {
                    // A dummy only at the top, with at least two children.
                    prop_assert!(t.id.is_some() || t.children.len() >= 2);
                }
                let mut got = ids(threads);
                got.sort_unstable();
                prop_assert_eq!(&got, &want);
            }
        }
    }
}
