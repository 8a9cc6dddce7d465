//! SORT and THREAD values (RFC 5256, RFC 5957 `SORT=DISPLAY`): the sort keys of a SORT
//! command, the algorithm of a THREAD command and the thread trees its answer carries.
//!
//! ```
//! use imap_machine::types::{SortCriterion, SortKey, Thread};
//! let newest_first = SortCriterion { reverse: true, key: SortKey::Date };
//! assert_eq!(newest_first.to_string(), "REVERSE DATE");
//! // `(2 (3 6 (4 23)(44 7 96)))`: message 2, answered by 3, answered by 6, ...
//! let t = Thread::message(2, vec![Thread::message(3, vec![])]);
//! assert_eq!(t.ids(), vec![2, 3]);
//! ```

use std::fmt;
use std::num::NonZeroU32;

use super::Atom;

/// `sort-key` (RFC 5256 §5, RFC 5957 §3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// `ARRIVAL`: INTERNALDATE.
    Arrival,
    /// `CC`: the addr-mailbox of the first Cc address.
    Cc,
    /// `DATE`: the sent date (the Date header in UTC, INTERNALDATE without one).
    Date,
    /// `FROM`: the addr-mailbox of the first From address.
    From,
    /// `SIZE`: RFC822.SIZE.
    Size,
    /// `SUBJECT`: the base subject (RFC 5256 §2.1).
    Subject,
    /// `TO`: the addr-mailbox of the first To address.
    To,
    /// `DISPLAYFROM` (RFC 5957): the display name of the first From address, or its
    /// address without one.
    DisplayFrom,
    /// `DISPLAYTO` (RFC 5957): as DISPLAYFROM, of the first To address.
    DisplayTo,
}

impl SortKey {
    /// Every key, in the order of RFC 5256 §3 then RFC 5957.
    pub const ALL: [SortKey; 9] = [
        SortKey::Arrival,
        SortKey::Cc,
        SortKey::Date,
        SortKey::From,
        SortKey::Size,
        SortKey::Subject,
        SortKey::To,
        SortKey::DisplayFrom,
        SortKey::DisplayTo,
    ];

    /// The key's atom, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Arrival => "ARRIVAL",
            SortKey::Cc => "CC",
            SortKey::Date => "DATE",
            SortKey::From => "FROM",
            SortKey::Size => "SIZE",
            SortKey::Subject => "SUBJECT",
            SortKey::To => "TO",
            SortKey::DisplayFrom => "DISPLAYFROM",
            SortKey::DisplayTo => "DISPLAYTO",
        }
    }

    /// The key named `name`, in any case.
    pub fn from_name(name: &[u8]) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str().as_bytes().eq_ignore_ascii_case(name))
    }
}

/// `sort-criterion = ["REVERSE" SP] sort-key` (RFC 5256 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SortCriterion {
    /// `REVERSE`: this key sorts descending.
    pub reverse: bool,
    /// The key.
    pub key: SortKey,
}

impl fmt::Display for SortCriterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reverse {
            f.write_str("REVERSE ")?;
        }
        f.write_str(self.key.as_str())
    }
}

/// `thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext` (RFC 5256 §5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThreadAlgorithm {
    /// `ORDEREDSUBJECT` (RFC 5256 §3): "poor man's threading" by base subject.
    OrderedSubject,
    /// `REFERENCES` (RFC 5256 §3): threads by Message-ID, References and In-Reply-To.
    References,
    /// Another algorithm (`thread-alg-ext = atom`), kept as sent.
    Other(Atom),
}

impl ThreadAlgorithm {
    /// The algorithm's atom.
    pub fn as_str(&self) -> &str {
        match self {
            ThreadAlgorithm::OrderedSubject => "ORDEREDSUBJECT",
            ThreadAlgorithm::References => "REFERENCES",
            ThreadAlgorithm::Other(a) => a.as_str(),
        }
    }

    /// The capability that offers it: `THREAD=` and its name.
    pub fn capability(&self) -> super::Capability {
        let name = format!("THREAD={}", self.as_str());
        super::Capability::from(Atom::unvalidated(bytes::Bytes::from(name)))
    }

    /// The algorithm named `atom`, in any case.
    pub fn from_atom(atom: Atom) -> ThreadAlgorithm {
        if atom.as_str().eq_ignore_ascii_case("ORDEREDSUBJECT") {
            ThreadAlgorithm::OrderedSubject
        } else if atom.as_str().eq_ignore_ascii_case("REFERENCES") {
            ThreadAlgorithm::References
        } else {
            ThreadAlgorithm::Other(atom)
        }
    }
}

/// One node of a THREAD answer (RFC 5256 §4): a message (its number) and the messages
/// that answer it, or a dummy parent (`id: None`) that stands for a message the mailbox
/// does not hold, of which only the children are sent.
///
/// `thread-list = "(" (thread-members / thread-nested) ")"`: a node with one child is
/// written as a chain (`1 2 3`), one with several as nested lists (`1 (2)(3)`). A dummy
/// therefore has at least two children, and the wire form of a tree is unique.
///
/// Cloning, comparing, hashing, printing and dropping walk the tree with a stack of their
/// own, never the thread's: a server may answer with a reply chain 100,000 messages deep.
#[derive(Default)]
pub struct Thread {
    /// The message's number (sequence number or UID); `None` for a dummy.
    pub id: Option<NonZeroU32>,
    /// The answers, in the order sent.
    pub children: Vec<Thread>,
}

impl Thread {
    /// Message `id` (0 is a dummy) with these children.
    pub fn message(id: u32, children: Vec<Thread>) -> Thread {
        Thread { id: NonZeroU32::new(id), children }
    }

    /// A dummy parent of `children`.
    pub fn dummy(children: Vec<Thread>) -> Thread {
        Thread { id: None, children }
    }

    /// Every message number in the tree, depth first, in the order sent.
    pub fn ids(&self) -> Vec<u32> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<u32>) {
        let mut stack = vec![self];
        while let Some(t) = stack.pop() {
            out.extend(t.id.map(NonZeroU32::get));
            stack.extend(t.children.iter().rev());
        }
    }
}

/// One step of a walk over a tree: enter a node, or leave it once its children are done.
enum Walk<'a> {
    Enter(&'a Thread),
    Leave(&'a Thread),
}

impl Clone for Thread {
    fn clone(&self) -> Self {
        let mut stack = vec![Walk::Enter(self)];
        // Copies of the nodes left, children before their parent.
        let mut done: Vec<Thread> = Vec::new();
        while let Some(step) = stack.pop() {
            match step {
                Walk::Enter(t) => {
                    stack.push(Walk::Leave(t));
                    stack.extend(t.children.iter().rev().map(Walk::Enter));
                }
                Walk::Leave(t) => {
                    let children = done.split_off(done.len() - t.children.len());
                    done.push(Thread { id: t.id, children });
                }
            }
        }
        done.pop().unwrap_or_default()
    }
}

impl PartialEq for Thread {
    fn eq(&self, other: &Self) -> bool {
        let mut stack = vec![(self, other)];
        while let Some((a, b)) = stack.pop() {
            if a.id != b.id || a.children.len() != b.children.len() {
                return false;
            }
            stack.extend(a.children.iter().zip(&b.children));
        }
        true
    }
}

impl Eq for Thread {}

impl std::hash::Hash for Thread {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let mut stack = vec![self];
        while let Some(t) = stack.pop() {
            t.id.hash(state);
            t.children.len().hash(state);
            stack.extend(t.children.iter().rev());
        }
    }
}

/// `thread-list = "(" (thread-members / thread-nested) ")"`, `thread-members = nz-number
/// *(SP nz-number) [SP thread-nested]`, `thread-nested = 2*thread-list` (RFC 5256 §5): the
/// wire form, `(1 2 (3)(4))`, `((3)(5))`. A dummy with one child is written as the child.
impl fmt::Display for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        enum Step<'a> {
            /// A thread-list to open.
            Open(&'a Thread),
            /// A node to write, and whether a number was written just before it in its list.
            Node(&'a Thread, bool),
            Close,
        }
        let mut stack = vec![Step::Open(self)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Open(t) => {
                    f.write_str("(")?;
                    stack.push(Step::Close);
                    stack.push(Step::Node(t, false));
                }
                Step::Close => f.write_str(")")?,
                Step::Node(t, after_number) => {
                    if let Some(id) = t.id {
                        if after_number {
                            f.write_str(" ")?;
                        }
                        write!(f, "{id}")?;
                    }
                    match t.children.as_slice() {
                        [] => {}
                        [one] => stack.push(Step::Node(one, t.id.is_some() || after_number)),
                        many => {
                            if t.id.is_some() || after_number {
                                f.write_str(" ")?;
                            }
                            stack.extend(many.iter().rev().map(Step::Open));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Thread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Thread{self}")
    }
}

/// Dropped with a stack of its own: a reply chain 100,000 messages deep would overflow
/// the thread's stack in the drop glue.
impl Drop for Thread {
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.children);
        while let Some(mut t) = stack.pop() {
            stack.append(&mut t.children);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain `1 2 ... n`, built from its end.
    fn chain(n: u32) -> Thread {
        let mut t = Thread::message(n, vec![]);
        for id in (1..n).rev() {
            t = Thread::message(id, vec![t]);
        }
        t
    }

    #[test]
    fn wire_form() {
        let leaf = |id| Thread::message(id, vec![]);
        let t = Thread::message(3, vec![Thread::message(6, vec![chain(2).clone(), leaf(44)])]);
        assert_eq!(t.to_string(), "(3 6 (1 2)(44))");
        assert_eq!(format!("{t:?}"), "Thread(3 6 (1 2)(44))");
        assert_eq!(Thread::dummy(vec![leaf(3), leaf(5)]).to_string(), "((3)(5))");
        assert_eq!(Thread::dummy(vec![leaf(3)]).to_string(), "(3)");
        assert_ne!(t, chain(3));
    }

    /// Every operation on a 300,000-deep reply chain, on a thread with a 256 KiB stack: none
    /// may recurse.
    #[test]
    fn a_deep_chain_needs_no_stack() {
        std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let t = chain(300_000);
                let copy = t.clone();
                assert_eq!(t, copy);
                let hash = |t: &Thread| {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    t.hash(&mut h);
                    h.finish()
                };
                assert_eq!(hash(&t), hash(&copy));
                assert_eq!(copy.ids().len(), 300_000);
                assert!(format!("{t:?}").ends_with(" 299999 300000)"));
                drop(t);
                drop(copy);
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
