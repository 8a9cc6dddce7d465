//! Strategies for SORT and THREAD (RFC 5256, RFC 5267 ESORT, RFC 5957).

use proptest::collection::vec;
use proptest::prelude::*;

use super::{atom, istring, nz, search_key, search_return};
use crate::types::*;

/// A sort criterion: any key, REVERSE or not.
pub fn sort_criterion() -> impl Strategy<Value = SortCriterion> {
    (any::<bool>(), proptest::sample::select(SortKey::ALL.to_vec()))
        .prop_map(|(reverse, key)| SortCriterion { reverse, key })
}

/// A thread algorithm: the two of RFC 5256 and other atoms.
pub fn thread_algorithm() -> impl Strategy<Value = ThreadAlgorithm> {
    prop_oneof![
        Just(ThreadAlgorithm::OrderedSubject),
        Just(ThreadAlgorithm::References),
        atom().prop_map(ThreadAlgorithm::from_atom),
    ]
}

/// `[UID] SORT` and `[UID] THREAD` commands.
pub fn sort_command() -> impl Strategy<Value = CommandBody> {
    prop_oneof![
        (search_return(), vec(sort_criterion(), 1..4), istring(), vec(search_key(), 1..4), any::<bool>())
            .prop_map(|(ret, sort, charset, criteria, uid)| CommandBody::Sort { ret, sort, charset, criteria, uid }),
        (thread_algorithm(), istring(), vec(search_key(), 1..4), any::<bool>())
            .prop_map(|(algorithm, charset, criteria, uid)| CommandBody::Thread { algorithm, charset, criteria, uid }),
    ]
}

/// A thread tree in its canonical form (what the wire form reads back as): dummies only
/// at the root, each with at least two children.
pub fn thread() -> impl Strategy<Value = Thread> {
    let leaf = nz().prop_map(|n| Thread { id: Some(n), children: Vec::new() });
    let member = leaf.prop_recursive(4, 24, 4, |inner| {
        (nz(), vec(inner, 0..4)).prop_map(|(n, children)| Thread { id: Some(n), children })
    });
    prop_oneof![
        3 => member.clone(),
        1 => vec(member, 2..4).prop_map(Thread::dummy),
    ]
}

/// `SORT` and `THREAD` response data.
pub fn sort_data() -> impl Strategy<Value = Data> {
    prop_oneof![
        (vec(any::<u32>(), 0..5), proptest::option::of(0u64..=i64::MAX as u64))
            .prop_map(|(ids, modseq)| Data::Sort { ids, modseq }),
        vec(thread(), 0..4).prop_map(Data::Thread),
    ]
}
