//! Big mailboxes: no command may be quadratic in the mailbox size. STORE of the whole set,
//! EXPUNGE of half and MOVE of half are timed at 20,000 and at 200,000 messages through
//! the whole stack in memory (client machine, server machine, session, memory backend; see
//! `support/stack.rs`), each as the best of up to 3 runs from a freshly prepared state. Ten
//! times the messages may take at most 40 times as long: a linear or n·log n implementation
//! stays near 10–15×, a quadratic one is near 100×. The complexity table of every command
//! family at up to a million messages is `cargo bench --bench store`.

// The test owns the clock.
#![allow(clippy::disallowed_methods)]

mod support {
    pub(crate) mod stack;
}

use std::time::Duration;

use imap_machine::types::{CommandBody, Flag};
use support::stack::{filled, first_half, move_, recreate, store, Conn};

const SMALL: usize = 20_000;
const LARGE: usize = 200_000;
/// The largest allowed time(LARGE) / time(SMALL).
const BOUND: f64 = 40.0;

/// One timed run of `op` at `n` messages, from a fresh backend.
fn run_once(op: &str, n: usize) -> Duration {
    let backend = filled(n);
    recreate(&backend, "Dest");
    let mut c = Conn::selected(&backend);
    let half = first_half(n);
    match op {
        "STORE 1:* +FLAGS.SILENT (\\Flagged)" => c.timed(store("1:*", true, true, Flag::Flagged)).0,
        "EXPUNGE (\\Deleted on 1:n/2)" => {
            c.run(store(&half, true, true, Flag::Deleted));
            let (d, r) = c.timed(CommandBody::Expunge);
            assert_eq!(r.expunges, n / 2);
            d
        }
        "MOVE 1:n/2" => {
            let (d, r) = c.timed(move_(&half, "Dest"));
            assert_eq!(r.expunges, n / 2);
            d
        }
        _ => unreachable!(),
    }
}

/// time(LARGE) / time(SMALL), each the best of up to 3 runs. Stops early once a large run
/// is within the bound (it passes) or over twice the bound (it fails, and a quadratic run
/// at this size is slow).
fn ratio(op: &str) -> (Duration, Duration, f64) {
    let small = (0..3).map(|_| run_once(op, SMALL)).min().unwrap();
    let mut large = Duration::MAX;
    for _ in 0..3 {
        let t = run_once(op, LARGE);
        large = large.min(t);
        let r = t.as_secs_f64() / small.as_secs_f64();
        if r <= BOUND || r > 2.0 * BOUND {
            break;
        }
    }
    (small, large, large.as_secs_f64() / small.as_secs_f64())
}

#[test]
fn whole_set_store_expunge_and_move_grow_at_most_n_log_n() {
    let ops = ["STORE 1:* +FLAGS.SILENT (\\Flagged)", "EXPUNGE (\\Deleted on 1:n/2)", "MOVE 1:n/2"];
    let mut over = Vec::new();
    for op in ops {
        let (small, large, r) = ratio(op);
        println!(
            "{op}: {SMALL} messages {:.1} ms, {LARGE} messages {:.1} ms, ratio {r:.1}× (bound {BOUND}×)",
            small.as_secs_f64() * 1e3,
            large.as_secs_f64() * 1e3
        );
        if r > BOUND {
            over.push(format!("{op}: {r:.1}×"));
        }
    }
    assert!(over.is_empty(), "time({LARGE}) / time({SMALL}) above {BOUND}×: {}", over.join(", "));
}
