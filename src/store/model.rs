// Tests stand in for the embedder, which owns the clock.
#![allow(clippy::disallowed_methods)]

//! The backend conformance suite (`testing::conformance`) against the memory backend: a
//! model-based test of a shared mailbox from the clients' side. The suite's module docs
//! say what it checks. Here it runs under `proptest!`, so that a failing case lands in
//! `proptest-regressions/`.

use std::sync::Arc;

use proptest::prelude::*;

use super::memory::MemoryBackend;
use crate::testing::conformance::{check_case, op, Fixture};

fn fixture() -> Fixture<MemoryBackend> {
    let b = MemoryBackend::new();
    b.add_user("username", "password");
    Fixture { backend: Arc::new(b), username: "username".into(), password: "password".into() }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// See `testing::conformance`.
    #[test]
    fn clients_views_of_a_shared_mailbox_are_true(
        n in 2usize..=4,
        ops in proptest::collection::vec(op(), 1..40),
        seed in any::<u64>(),
        step in prop_oneof![Just(0usize), 1usize..4],
    ) {
        check_case(&fixture, n, &ops, seed, step)?;
    }
}
